"""Marts: the public metric tables of SPEC §2, daily and monthly, as partitioned dbt models.

A run over a partition range is one dbt invocation that replaces exactly those periods
(sql/macros/metric_periods.sql); its dbt tests check the contract's invariants over the same periods."""

import datetime as dt

import dagster as dg
import sqlalchemy as sa
from dagster_dbt import dbt_assets

from cx_pipeline.changes import changes_of, significant_changes_markdown
from cx_pipeline.defs.dbt import MANIFEST, TRANSLATOR, dbt_build
from cx_pipeline.defs.partitions import daily_partitions, monthly_partitions, partition_dates
from cx_pipeline.headline import headline_markdown, headline_rows
from cx_pipeline.metrics import DAILY, MONTHLY, Grain
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, retried_when_transient


def _with_headline(event, warehouse: Warehouse, settings: Settings, grain: Grain, start: dt.date, end: dt.date):
    """The materialization of the metric table, with the rows and periods the run wrote, the headline of its
    last period and, monthly, that month's significant changes and the path of its CX report."""
    if not isinstance(event, dg.Output):
        return event
    last = grain.period_starts(start, end)[-1]
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text(f"select count(*) from {grain.table} where {grain.date_column} between :a and :b"),
                            {"a": start, "b": end}).scalar_one()
    metadata = {"rows": int(rows), "periods": f"{start} .. {end}",
                "headline": dg.MetadataValue.md(headline_markdown(headline_rows(warehouse, grain, last),
                                                                  f"{grain.name} {last}"))}
    if grain is MONTHLY:
        metadata["significant_changes"] = dg.MetadataValue.md(
            significant_changes_markdown(changes_of(warehouse, [last], settings.min_sample), last))
        metadata["report"] = dg.MetadataValue.path(str(settings.report_file(last).resolve()))
    warehouse.dispose()
    return event.with_metadata({**event.metadata, **metadata})


def _metric_assets(grain: Grain, partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    @dbt_assets(manifest=MANIFEST, select=grain.table.split(".")[1], name=grain.table.split(".")[1],
                dagster_dbt_translator=TRANSLATOR, partitions_def=partitions_def,
                backfill_policy=dg.BackfillPolicy.single_run(), pool="warehouse")
    def _metrics(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings):
        start, end = partition_dates(context)
        with retried_when_transient():
            # Read the headline once dbt has finished and let go of the warehouse.
            events = list(dbt_build(context, warehouse, settings, periods=(start, end), threads=2))
            for event in events:
                yield _with_headline(event, warehouse, settings, grain, start, end)

    return _metrics


metrics_daily = _metric_assets(DAILY, daily_partitions)
metrics_monthly = _metric_assets(MONTHLY, monthly_partitions)
