"""Which metric partitions one night's extracts can change (the nightly run rebuilds exactly those)."""

from __future__ import annotations

import datetime as dt
from typing import Callable

import sqlalchemy as sa

from cx_pipeline.entities import Entity
from cx_pipeline.warehouse import Warehouse, read_sql


def affected_dates(warehouse: Warehouse, extract_date: dt.date, first_day: dt.date) -> list[dt.date]:
    """Metric dates that the records loaded for ``extract_date`` can change, from ``first_day`` on.

    The extract date itself is always among them: who is active, and so churn and retention, move
    with the calendar even on a day that brings no records. What carries forward (activity, the first
    order ever, rates, customer attributes) changes every day up to the latest published one: a re-sent
    or late file of a past date changes the windows of the days after it too."""
    with warehouse.begin() as conn:
        rows = warehouse.execute(conn, read_sql("affected_dates.sql"), {"extract_date": extract_date}).all()
        latest = conn.execute(sa.text("select max(metric_date) from marts.metrics_daily")).scalar() \
            if warehouse.has_table(conn, "marts", "metrics_daily") else None
    days = {extract_date} | {day for _, kind, day in rows if kind == "day"}
    until = max(days | ({latest} if latest else set()))
    for _, kind, day in rows:
        if kind == "from":
            days.update(day + dt.timedelta(n) for n in range((until - day).days + 1))
    return sorted(d for d in days if d >= first_day)


def keep_dates_of_replaced_records(warehouse: Warehouse, conn: sa.Connection, entity: Entity,
                                   extract_date: dt.date) -> None:
    """Before a reload of ``extract_date`` replaces ``entity``'s raw rows, keep the metric dates its
    current records can change in raw.replaced_record_dates, which ``affected_dates`` reads: a record
    the re-sent file drops is gone from every table after the reload, and its dates with it. Nothing is
    kept when no metric was published yet, or the date was never loaded."""
    params = {"extract_date": extract_date, "entity": entity.table}
    if not warehouse.has_table(conn, "marts", "metrics_daily"):
        return
    loaded_before = conn.execute(sa.text(
        "select exists (select 1 from raw.extract_files where entity = :entity and extract_date = :extract_date) "
        "and exists (select 1 from marts.metrics_daily)"), params).scalar_one()
    if not loaded_before:
        return
    # A vendor object's records change the figures of other objects (a Zendesk ticket's metrics, group and
    # requester; a Shopify order's checkout), which affected_dates.sql names by the object they show in:
    # a vendor object keeps every day its date's records reach.
    rows = warehouse.execute(conn, f"select distinct kind, day from (\n{read_sql('affected_dates.sql')}\n) as affected "
                                   "where entity = :entity or :vendor", params | {"vendor": entity.vendor}).all()
    conn.execute(sa.text("delete from raw.replaced_record_dates where entity = :entity and extract_date = :extract_date"),
                 params)
    if rows:
        conn.execute(sa.text("insert into raw.replaced_record_dates values (:entity, :extract_date, :kind, :day)"),
                     [params | {"kind": kind, "day": day} for kind, day in rows])


def next_day(day: dt.date) -> dt.date:
    return day + dt.timedelta(1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


BRIDGED_DAYS = 3
"""Affected days with at most this many days between them are restated in one run: a metric run costs about a
second of Dagster and dbt whatever it computes, a day of metric SQL under a hundredth at 200,000 customers (a
day between is computed again, to the rows it holds). A late record of last week still rewrites its own day."""


def contiguous_ranges(values: list[dt.date], following: Callable[[dt.date], dt.date] = next_day,
                      bridged: int = 0) -> list[tuple[dt.date, dt.date]]:
    """Sorted days (or months, with ``following=next_month``) grouped into (first, last) runs of
    consecutive values, or of values with at most ``bridged`` values between them: one Dagster run per
    range."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for value in values:
        if ranges and value in _next(ranges[-1][1], bridged + 1, following):
            ranges[-1] = (ranges[-1][0], value)
        else:
            ranges.append((value, value))
    return ranges


def _next(value: dt.date, count: int, following: Callable[[dt.date], dt.date]) -> list[dt.date]:
    """The ``count`` values that follow ``value``."""
    after = []
    for _ in range(count):
        value = following(value)
        after.append(value)
    return after


def months_of(days: list[dt.date], latest_computed: dt.date | None = None) -> list[dt.date]:
    """The months of ``days``, and the month after each one up to ``latest_computed``: a month's changes
    (metric_changes_monthly) and its report are measured against the month before, so they are stale too
    once that month is rewritten (a late record in February re-tests March)."""
    months = {d.replace(day=1) for d in days}
    if latest_computed is not None:
        months |= {next_month(m) for m in months if next_month(m) <= latest_computed}
    return sorted(months)


def latest_computed_month(warehouse: Warehouse) -> dt.date | None:
    """The latest month metrics_monthly holds; None before the first monthly run."""
    with warehouse.begin() as conn:
        if not warehouse.has_table(conn, "marts", "metrics_monthly"):
            return None
        return conn.execute(sa.text("select max(month) from marts.metrics_monthly")).scalar_one()
