"""The generated data set looks like a business: its headline figures fall in the public benchmarks'
ranges the generator is calibrated to, and its segments differ the way they do in those benchmarks."""

import datetime as dt

import pytest

from cx_pipeline.generate import BENCHMARKS, generate
from cx_pipeline.headline import SUMMED_OVER_DAYS
from cx_pipeline_tests.conftest import Pipeline

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Pipeline:
    root = tmp_path_factory.mktemp("business")
    generate(root / "raw", START, END, customers=3000, seed=17)
    pipeline = Pipeline(root / "raw", f"duckdb:///{root / 'warehouse.duckdb'}")
    pipeline.backfill(START.isoformat(), END.isoformat())
    return pipeline


def _pooled(pipeline: Pipeline, metric: str, segment: str | None = None) -> float:
    """The metric over February and March together, numerators and denominators summed: twice one month's
    answers, so that sampling noise (about ±10 NPS points on one month's hundred answers) stays inside."""
    (numerator, denominator), = pipeline.query(
        "select sum(numerator), sum(denominator) from marts.metrics_monthly where metric = :metric "
        "and dimension = :dimension and dimension_value = :value and month >= '2026-02-01'",
        metric=metric, dimension="segment" if segment else "all", value=segment or "all")
    return (1 if SUMMED_OVER_DAYS.get(metric) == "mean" else 100) * numerator / denominator


@pytest.mark.parametrize("metric", sorted(BENCHMARKS))
def test_two_whole_months_lie_in_the_benchmark_range(business, metric):
    benchmark = BENCHMARKS[metric]
    medians = metric.endswith("_median")  # a median does not pool: each month on its own
    values = [business.value(metric, m) for m in ("2026-02-01", "2026-03-01")] if medians else \
        [_pooled(business, metric)]
    assert all(benchmark.low <= v <= benchmark.high for v in values), (metric, values, benchmark.source)


def test_consumers_churn_more_than_businesses(business):
    # churn_rate's numerator and denominator are customers lost and customers at the month's start.
    consumer, smb, enterprise = (_pooled(business, "churn_rate", s) for s in ("consumer", "smb", "enterprise"))
    assert enterprise < smb < consumer
    assert consumer < 8 and enterprise < 3
