"""Jobs, the nightly and monthly schedules, and the sensor that follows each nightly load with the
metric partitions its records can change.

Every job runs in one process, one run per partition range: a backfill of a year is one run, not 365.
Runs that write the warehouse share the concurrency pool ``warehouse`` (limit 1 in dagster.yaml), so
two runs never write the DuckDB file at once.
"""


import datetime as dt

import dagster as dg

from cx_pipeline.affected import (BRIDGED_DAYS, affected_dates, contiguous_ranges, latest_computed_month, months_of,
                                  next_month)
from cx_pipeline.defs.partitions import daily_partitions, monthly_partitions
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse

_settings = Settings.from_env()

# A run's steps follow one another (raw, then dbt, then the metrics), and a DuckDB file admits one writing
# process: every run executes in its own process. The raw step reads its entities side by side in worker
# processes, and writes them from the run's.
_executor = dg.in_process_executor

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

_LOAD = dg.AssetSelection.groups("raw", "staging", "intermediate", "quarantine", "reference")
"""Raw partitions, then staging, intermediate and quarantine brought up to date from them."""

ingest_job = dg.define_asset_job(
    "ingest", selection=_LOAD,
    partitions_def=daily_partitions, executor_def=_executor,
    description="Load extract dates into raw, then bring staging, intermediate and quarantine up to date.",
)
daily_job = dg.define_asset_job(
    "daily", selection=_LOAD | dg.AssetSelection.assets("metrics_daily"),
    partitions_def=daily_partitions, executor_def=_executor,
    description="Everything from the extracts to metrics_daily for a range of days: the backfill job.",
)
daily_metrics_job = dg.define_asset_job(
    "daily_metrics", selection=dg.AssetSelection.assets("metrics_daily"), partitions_def=daily_partitions,
    executor_def=_executor, description="Recompute metrics_daily for a range of days.",
)
monthly_metrics_job = dg.define_asset_job(
    "monthly_metrics", selection=dg.AssetSelection.assets("metrics_monthly", "metric_changes_monthly", "cx_report"),
    partitions_def=monthly_partitions, executor_def=_executor,
    description="Recompute metrics_monthly for a range of months, their changes against the month before, then "
                "their CX reports.",
)

nightly_schedule = dg.build_schedule_from_partitioned_job(
    ingest_job, name="nightly", hour_of_day=_settings.nightly_hour,
    description="Every night: load the extracts of the day that ended; the sensor `nightly_metrics` (on by "
                "default) then rebuilds the metric partitions they change. Turn this on to run the nightly.",
)
monthly_schedule = dg.build_schedule_from_partitioned_job(
    monthly_metrics_job, name="monthly", hour_of_day=_settings.nightly_hour + 1, day_of_month=1,
    description="On the first of each month: rebuild the month that just closed.",
)


def range_tags(start: str, end: str) -> dict[str, str]:
    return {RANGE_START_TAG: start, RANGE_END_TAG: end}


def metric_run_requests(warehouse: Warehouse, settings: Settings, extract_date: dt.date) -> list[dg.RunRequest]:
    """One run per range of affected days (days with at most ``BRIDGED_DAYS`` days between them share one),
    and one per contiguous range of affected months (with the month after each, whose changes compare it with
    the month before)."""
    days = affected_dates(warehouse, extract_date, settings.first_day)
    latest = latest_computed_month(warehouse)
    requests = [
        dg.RunRequest(run_key=f"daily:{extract_date}:{a}:{b}", job_name=daily_metrics_job.name,
                      tags=range_tags(a.isoformat(), b.isoformat()))
        for a, b in contiguous_ranges(days, bridged=BRIDGED_DAYS)
    ]
    for a, b in contiguous_ranges(months_of(days, latest), following=next_month):
        requests.append(dg.RunRequest(run_key=f"monthly:{extract_date}:{a}:{b}", job_name=monthly_metrics_job.name,
                                      tags=range_tags(a.isoformat(), b.isoformat())))
    return requests


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_jobs=[daily_metrics_job, monthly_metrics_job],
    name="nightly_metrics",
    description="After each successful load: rebuild exactly the daily and monthly metric partitions that "
                "the loaded records can change (their own dates, not a fixed look-back). On by default: it only "
                "follows the loads, so the schedule `nightly` is the one switch of the nightly run.",
    # Off, the nightly schedule would load every night and never publish a metric: one switch, not two.
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def nightly_metrics(context: dg.RunStatusSensorContext, warehouse: Warehouse, settings: Settings):
    partition = context.dagster_run.tags.get("dagster/partition")
    if partition is None:
        return dg.SkipReason("the load covered a range, not one night: backfills compute their own metrics")
    return metric_run_requests(warehouse, settings, dt.date.fromisoformat(partition))
