"""The metrics of SPEC §4 and how a range of daily or monthly periods is computed and published.

Python only lays out the periods; every metric is computed by the SQL under ``sql/marts`` inside the
warehouse, for all periods of the range at once.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from typing import Literal

import sqlalchemy as sa

from cx_pipeline.warehouse import Warehouse, read_sql

Kind = Literal["count", "rate", "median"]


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    dimensions: tuple[str, ...]
    kind: Kind
    """What an empty period shows: counts are 0, rates and medians are undefined (NULL)."""


_SURVEY_DIMS = ("all", "channel", "agent", "team", "segment")
_SUPPORT_DIMS = ("all", "channel", "team", "agent")
_BASE_DIMS = ("all", "segment", "region")

METRICS: tuple[Metric, ...] = (
    Metric("nps", ("all", "channel", "segment", "region"), "rate"),
    Metric("csat_pct", _SURVEY_DIMS, "rate"),
    Metric("csat_avg", _SURVEY_DIMS, "rate"),
    Metric("ces_avg", _SURVEY_DIMS, "rate"),
    Metric("ces_easy_pct", _SURVEY_DIMS, "rate"),
    Metric("tickets_created", _SUPPORT_DIMS, "count"),
    Metric("tickets_resolved", _SUPPORT_DIMS, "count"),
    Metric("first_response_hours_median", _SUPPORT_DIMS, "median"),
    Metric("first_response_hours_p90", _SUPPORT_DIMS, "median"),
    Metric("resolution_hours_median", _SUPPORT_DIMS, "median"),
    Metric("resolution_hours_p90", _SUPPORT_DIMS, "median"),
    Metric("channel_share", ("channel",), "rate"),
    Metric("active_customers", _BASE_DIMS, "count"),
    Metric("new_customers", _BASE_DIMS, "count"),
    Metric("churned_customers", _BASE_DIMS, "count"),
    Metric("churn_rate", _BASE_DIMS, "rate"),
    Metric("retention_rate", _BASE_DIMS, "rate"),
    Metric("revenue", ("all", "segment", "region", "channel"), "count"),
    Metric("arpu", _BASE_DIMS, "rate"),
    Metric("ltv", _BASE_DIMS, "rate"),
    Metric("average_order_value", ("all", "channel"), "rate"),
    Metric("repeat_purchase_rate", ("all", "segment"), "rate"),
    Metric("upsell_rate", ("all", "channel"), "rate"),
    Metric("referral_rate", ("all", "segment"), "rate"),
    Metric("referral_conversion_rate", ("all",), "rate"),
    Metric("cart_abandonment_rate", ("all",), "rate"),
    Metric("conversion_rate", ("all",), "rate"),
)

FAMILIES = ("metrics_nps", "metrics_surveys", "metrics_tickets", "metrics_customer_base",
            "metrics_revenue", "metrics_orders", "metrics_growth")
"""SQL files under sql/marts, each computing a family of metrics from the intermediate tables."""
DERIVED = ("metrics_ltv", "metrics_without_data")
"""SQL files that read the families' rows: ltv (arpu / churn), then the 'all' rows of empty periods."""

ROW_COLUMNS = ("period_start", "metric", "dimension", "dimension_value", "value", "numerator", "denominator",
               "sample_size", "ci_low", "ci_high")

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


def publish_metrics(warehouse: Warehouse, grain: Grain, start: dt.date, end: dt.date,
                    computed_at: dt.datetime) -> int:
    """Compute every metric for the periods of ``grain`` starting in [start, end] and replace exactly
    those periods' rows of the grain's table, in one transaction. Returns the rows written.
    ``computed_at`` is written as given: pass UTC without a zone (the column is a plain timestamp)."""
    periods = grain.periods(start, end)
    if not periods:
        return 0
    with warehouse.begin() as conn:
        _create_run_tables(conn, periods)
        for family in FAMILIES + DERIVED:
            select = read_sql(f"marts/{family}.sql").strip().rstrip(";")
            warehouse.execute(conn, f"insert into metric_rows ({', '.join(ROW_COLUMNS)})\n{select}")
        conn.execute(sa.text(f"delete from {grain.table} where {grain.date_column} between :start and :end"),
                     {"start": periods[0].start, "end": periods[-1].start})
        published = conn.execute(sa.text(
            f"insert into {grain.table} ({grain.date_column}, {', '.join(ROW_COLUMNS[1:])}, computed_at) "
            f"select {', '.join(ROW_COLUMNS)}, :computed_at from metric_rows"), {"computed_at": computed_at})
        return published.rowcount


def _create_run_tables(conn: sa.Connection, periods: list[Period]) -> None:
    """Temporary tables the mart SQL reads: the periods, every day they reach, the metric catalogue,
    and metric_rows, which collects the rows before they are published."""
    for table in ("periods", "run_days", "metric_catalog", "metric_rows"):
        conn.execute(sa.text(f"drop table if exists {table}"))
    conn.execute(sa.text("create temporary table periods (period_start date, period_end date, window_start date)"))
    conn.execute(sa.text("insert into periods values (:start, :end, :window_start)"),
                 [dataclasses.asdict(p) for p in periods])
    first, last = min(p.window_start for p in periods), max(p.end for p in periods)
    days = [first + dt.timedelta(n) for n in range((last - first).days + 1)]
    conn.execute(sa.text("create temporary table run_days (day date, days_in_month integer)"))
    conn.execute(sa.text("insert into run_days values (:day, :days_in_month)"),
                 [{"day": d, "days_in_month": calendar.monthrange(d.year, d.month)[1]} for d in days])
    conn.execute(sa.text("create temporary table metric_catalog (metric text, empty_value double precision, "
                         "empty_numerator double precision, empty_denominator double precision)"))
    empties = {"count": (0.0, 0.0, None), "rate": (None, 0.0, 0.0), "median": (None, None, None)}
    conn.execute(sa.text("insert into metric_catalog values (:metric, :value, :numerator, :denominator)"),
                 [dict(zip(("metric", "value", "numerator", "denominator"), (m.name, *empties[m.kind])))
                  for m in METRICS if "all" in m.dimensions])
    conn.execute(sa.text(
        "create temporary table metric_rows (period_start date, metric text, dimension text, dimension_value text, "
        "value double precision, numerator double precision, denominator double precision, sample_size bigint, "
        "ci_low double precision, ci_high double precision)"))
