"""The two partitionings of the pipeline: days (extract dates and metric dates) and calendar months.

Both start at CX_START_DATE and reach the current day or month (end_offset=1): a nightly run loads
the day that just ended, and a backfill may include the month in progress.
"""

import datetime as dt

import dagster as dg

from cx_pipeline.settings import Settings

_settings = Settings.from_env()

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=_settings.start_date, timezone=_settings.reporting_timezone, end_offset=1
)
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=dt.date.fromisoformat(_settings.start_date).replace(day=1).isoformat(),
    timezone=_settings.reporting_timezone,
    end_offset=1,
)


def partition_dates(context: dg.AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """First and last day covered by the partition or partition range of a run."""
    window = context.partition_time_window
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()


def judged_over(result: dg.AssetCheckResult, first: dt.date, last: dt.date) -> dg.AssetCheckResult:
    """``result`` saying which days it judged, in its description and metadata: the UI shows no partition
    for a check of a run over a range of partitions."""
    span = f"{first}" if first == last else f"{first} .. {last}"
    return result._replace(description=f"{span}: {result.description or result.check_name}",
                           metadata={**result.metadata, "partitions": dg.MetadataValue.text(span)})
