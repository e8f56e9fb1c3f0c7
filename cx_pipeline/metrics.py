"""The metrics of SPEC §4 and the two grains of the metric tables.

Every metric is computed by the dbt models metrics_daily and metrics_monthly (``sql/models/marts``); this
module names the metrics and the two grains for the code that reads the tables.
"""

from __future__ import annotations

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
    interval: str
    """The 95 % interval SPEC §4.1 gives it: wilson (shares), t (means), nps, or empty for none."""


CATALOG = SQL_DIR / "seeds" / "metric_catalog.csv"
"""The metrics of SPEC §4 with their kind and dimensions: a dbt seed (marts.metric_catalog) that the SQL
reads for the rows of periods without data, and that the command line reads for the valid names."""


def _load_catalog() -> tuple[Metric, ...]:
    with open(CATALOG, newline="", encoding="utf-8") as handle:
        return tuple(Metric(row["metric"], tuple(row["dimensions"].split()), row["kind"], row["interval"])
                     for row in csv.DictReader(handle))


METRICS: tuple[Metric, ...] = _load_catalog()

@dataclasses.dataclass(frozen=True)
class Grain:
    name: Literal["daily", "monthly"]
    table: str
    date_column: str

    def period_starts(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The first day of every period that starts in [start, end]."""
        days = [start + dt.timedelta(n) for n in range((end - start).days + 1)]
        return days if self.name == "daily" else [day for day in days if day.day == 1]


DAILY = Grain("daily", "marts.metrics_daily", "metric_date")
MONTHLY = Grain("monthly", "marts.metrics_monthly", "month")
GRAINS = {g.name: g for g in (DAILY, MONTHLY)}
