"""Which metric partitions one night's extracts can change (the nightly run rebuilds exactly those)."""

from __future__ import annotations

import datetime as dt
from typing import Callable


from cx_pipeline.warehouse import Warehouse, read_sql


def affected_dates(warehouse: Warehouse, extract_date: dt.date, first_day: dt.date) -> list[dt.date]:
    """Metric dates that the records loaded for ``extract_date`` can change, from ``first_day`` on.

    The extract date itself is always among them: who is active, and so churn and retention, move
    with the calendar even on a day that brings no records."""
    with warehouse.begin() as conn:
        rows = warehouse.execute(conn, read_sql("affected_dates.sql"), {"extract_date": extract_date}).all()
    days = {extract_date} | {day for kind, day in rows if kind == "day" and day is not None}
    # What carries forward (activity, customer attributes) changes every day up to the latest one touched.
    until = max(days)
    for kind, day in rows:
        if kind == "from" and day is not None:
            days.update(day + dt.timedelta(n) for n in range((until - day).days + 1))
    return sorted(d for d in days if d >= first_day)


def next_day(day: dt.date) -> dt.date:
    return day + dt.timedelta(1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def contiguous_ranges(values: list[dt.date], following: Callable[[dt.date], dt.date] = next_day,
                      ) -> list[tuple[dt.date, dt.date]]:
    """Sorted days (or months, with ``following=next_month``) grouped into (first, last) runs of
    consecutive values: one Dagster run per range."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for value in values:
        if ranges and value == following(ranges[-1][1]):
            ranges[-1] = (ranges[-1][0], value)
        else:
            ranges.append((value, value))
    return ranges


def months_of(days: list[dt.date]) -> list[dt.date]:
    return sorted({d.replace(day=1) for d in days})
