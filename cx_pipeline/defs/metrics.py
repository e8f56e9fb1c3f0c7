"""Marts: the public metric tables of SPEC §2, daily and monthly."""


import datetime as dt

import dagster as dg

from cx_pipeline.defs.partitions import daily_partitions, monthly_partitions, partition_dates
from cx_pipeline.headline import headline_markdown, headline_rows
from cx_pipeline.metrics import DAILY, METRICS, MONTHLY, Grain, publish_metrics
from cx_pipeline.settings import Settings
from cx_pipeline.transform import INTERMEDIATE
from cx_pipeline.warehouse import Warehouse, retried_when_transient

_UPSTREAM = [f"int_{name}" for name in INTERMEDIATE] + [
    "stg_crm__nps_responses", "stg_ecommerce__referrals", "stg_ecommerce__carts", "stg_ecommerce__sessions"]
_METRIC_LIST = ", ".join(f"`{m.name}`" for m in METRICS)


def _publish(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings,
             grain: Grain) -> dg.MaterializeResult:
    start, end = partition_dates(context)
    with retried_when_transient():
        rows = publish_metrics(warehouse, grain, start, end, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
        last = end if grain is DAILY else end.replace(day=1)
        headline = headline_markdown(headline_rows(warehouse, grain, last), f"{grain.name} {last}")
    metadata = {"rows": rows, "periods": f"{start} .. {end}", "headline": dg.MetadataValue.md(headline)}
    if grain is MONTHLY:
        metadata["report"] = dg.MetadataValue.path(str(settings.report_file(last).resolve()))
    return dg.MaterializeResult(metadata=metadata)


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
    def _metrics(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings) -> dg.MaterializeResult:
        return _publish(context, warehouse, settings, grain)

    return _metrics


metrics_daily = _metrics_asset(DAILY, daily_partitions, "day, in the reporting time zone")
metrics_monthly = _metrics_asset(MONTHLY, monthly_partitions, "calendar month")
