"""Marts: the public metric tables of SPEC §2, daily and monthly."""


import datetime as dt

import dagster as dg
import sqlalchemy as sa

from cx_pipeline.defs.partitions import daily_partitions, monthly_partitions, partition_dates
from cx_pipeline.metrics import DAILY, METRICS, MONTHLY, Grain, publish_metrics
from cx_pipeline.transform import INTERMEDIATE
from cx_pipeline.warehouse import Warehouse, retried_when_transient

_UPSTREAM = [f"int_{name}" for name in INTERMEDIATE] + [
    "stg_crm__nps_responses", "stg_ecommerce__referrals", "stg_ecommerce__carts", "stg_ecommerce__sessions"]
_METRIC_LIST = ", ".join(f"`{m.name}`" for m in METRICS)


def _publish(context: dg.AssetExecutionContext, warehouse: Warehouse, grain: Grain) -> dg.MaterializeResult:
    start, end = partition_dates(context)
    with retried_when_transient():
        rows = publish_metrics(warehouse, grain, start, end, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
        headline = headline_markdown(warehouse, grain, end)
    return dg.MaterializeResult(metadata={"rows": rows, "periods": f"{start} .. {end}",
                                          "headline": dg.MetadataValue.md(headline)})


def headline_markdown(warehouse: Warehouse, grain: Grain, day: dt.date) -> str:
    """The 'all' row of every metric for the period holding ``day``, as a markdown table."""
    period = grain.periods(day if grain.name == "daily" else day.replace(day=1), day)[0]
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text(
            f"select metric, value, sample_size from {grain.table} "
            f"where {grain.date_column} = :period and dimension = 'all' order by metric"),
            {"period": period.start}).all()
    lines = [f"**{grain.name} {period.start}**", "", "| metric | value | sample |", "|---|---:|---:|"]
    lines += [f"| {m} | {'—' if v is None else f'{v:,.2f}'} | {n:,} |" for m, v, n in rows]
    return "\n".join(lines)


def _metrics_asset(grain: Grain, partitions_def: dg.PartitionsDefinition, grain_text: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=grain.table.split(".")[1],
        group_name="marts",
        description=f"One row per ({grain.date_column}, metric, dimension, dimension_value): every metric of "
                    f"SPEC §4 for the {grain_text}. Table `{grain.table}`. Metrics: {_METRIC_LIST}.",
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        deps=_UPSTREAM,
        pool="warehouse",
        kinds={"sql"},
        metadata={"table": grain.table},
    )
    def _metrics(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        return _publish(context, warehouse, grain)

    return _metrics


metrics_daily = _metrics_asset(DAILY, daily_partitions, "day, in the reporting time zone")
metrics_monthly = _metrics_asset(MONTHLY, monthly_partitions, "calendar month")
