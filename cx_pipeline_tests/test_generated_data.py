"""The generated data set looks like a business: its headline figures fall in the public benchmarks'
ranges the generator is calibrated to, and its segments differ the way they do in those benchmarks."""

import datetime as dt

import pytest

from cx_pipeline.generate import BENCHMARKS, generate
from cx_pipeline_tests.conftest import Pipeline

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Pipeline:
    root = tmp_path_factory.mktemp("business")
    generate(root / "raw", START, END, customers=2000, seed=17)
    pipeline = Pipeline(root / "raw", f"duckdb:///{root / 'warehouse.duckdb'}")
    pipeline.backfill(START.isoformat(), END.isoformat())
    return pipeline


@pytest.mark.parametrize("metric", sorted(BENCHMARKS))
def test_a_whole_month_lies_in_the_benchmark_range(business, metric):
    benchmark = BENCHMARKS[metric]
    for month in ("2026-02-01", "2026-03-01"):
        value = business.value(metric, month)
        assert benchmark.low <= value <= benchmark.high, (metric, month, value, benchmark.source)


def _pooled(pipeline: Pipeline, metric: str, segment: str) -> float:
    """The metric over February and March together: numerators and denominators summed."""
    (numerator, denominator), = pipeline.query(
        "select sum(numerator), sum(denominator) from marts.metrics_monthly where metric = :metric "
        "and dimension = 'segment' and dimension_value = :segment and month >= '2026-02-01'",
        metric=metric, segment=segment)
    return 100 * numerator / denominator


def test_consumers_churn_more_than_businesses(business):
    consumer, smb, enterprise = (_pooled(business, "churn_rate", s) for s in ("consumer", "smb", "enterprise"))
    assert enterprise < smb < consumer
    assert consumer < 8 and enterprise < 3

