"""The metrics of SPEC §4 and the two grains of the metric tables.

Every metric is computed by the dbt models metrics_daily and metrics_monthly (``sql/models/marts``); this
module names the metrics and the two grains for the code that reads the tables.
"""

from __future__ import annotations

import calendar
import csv
import dataclasses
import datetime as dt
from typing import Literal

from cx_pipeline.dbt_project import SQL_DIR

Kind = Literal["count", "rate", "median"]


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    dimensions: tuple[str, ...]
    kind: Kind
    """What an empty period shows: counts are 0, rates and medians are undefined (NULL)."""


CATALOG = SQL_DIR / "seeds" / "metric_catalog.csv"
"""The metrics of SPEC §4 with their kind and dimensions: a dbt seed (marts.metric_catalog) that the SQL
reads for the rows of periods without data, and that the command line reads for the valid names."""


def _load_catalog() -> tuple[Metric, ...]:
    with open(CATALOG, newline="", encoding="utf-8") as handle:
        return tuple(Metric(row["metric"], tuple(row["dimensions"].split()), row["kind"])
                     for row in csv.DictReader(handle))


METRICS: tuple[Metric, ...] = _load_catalog()

ROLLING_DAYS = 30
"""Daily churn, retention, arpu and ltv use the trailing 30 days ending on metric_date (SPEC §4)."""


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    window_start: dt.date
    """First day of the window of churn, retention and arpu; S is taken the day before it."""


@dataclasses.dataclass(frozen=True)
class Grain:
    name: Literal["daily", "monthly"]
    table: str
    date_column: str

    def periods(self, start: dt.date, end: dt.date) -> list[Period]:
        """The periods whose first day lies in [start, end]."""
        if self.name == "daily":
            days = (start + dt.timedelta(n) for n in range((end - start).days + 1))
            return [Period(d, d, d - dt.timedelta(ROLLING_DAYS - 1)) for d in days]
        periods, month = [], start.replace(day=1)
        while month <= end:
            last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
            if month >= start:
                periods.append(Period(month, last, month))
            month = last + dt.timedelta(1)
        return periods


DAILY = Grain("daily", "marts.metrics_daily", "metric_date")
MONTHLY = Grain("monthly", "marts.metrics_monthly", "month")
GRAINS = {g.name: g for g in (DAILY, MONTHLY)}
