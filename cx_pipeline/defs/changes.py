"""Which month-on-month changes are real: marts.metric_changes_monthly (SPEC §4.2), after metrics_monthly."""

import datetime as dt

import dagster as dg

from cx_pipeline.changes import publish_changes, significant_changes_markdown
from cx_pipeline.defs.partitions import monthly_partitions, partition_dates
from cx_pipeline.metrics import MONTHLY
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, retried_when_transient


@dg.asset(
    group_name="marts",
    description="One row per (month, metric, dimension, dimension_value) with a value in the month and in the "
                "month before, for every share, mean and NPS: the change, its 95 % interval, its p-value "
                "(pooled two-proportion z-test for shares, z for NPS, Welch's t-test for means), the "
                "Benjamini–Hochberg q-value over the month and whether the change is significant (q < 0.05; "
                "not judged below CX_MIN_SAMPLE observations). Table `marts.metric_changes_monthly`.",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["metrics_monthly"],
    pool="warehouse",
    kinds={"python", "sql"},
    metadata={"table": "marts.metric_changes_monthly"},
)
def metric_changes_monthly(context: dg.AssetExecutionContext, warehouse: Warehouse,
                           settings: Settings) -> dg.MaterializeResult:
    start, end = partition_dates(context)
    months = MONTHLY.period_starts(start, end)
    with retried_when_transient():
        changes = publish_changes(warehouse, months, settings.min_sample,
                                  dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    return dg.MaterializeResult(metadata={
        "rows": len(changes), "months": f"{months[0]:%Y-%m} .. {months[-1]:%Y-%m}",
        "significant": sum(1 for c in changes if c.month == months[-1] and c.is_significant),
        "significant_changes": dg.MetadataValue.md(significant_changes_markdown(changes, months[-1])),
    })
