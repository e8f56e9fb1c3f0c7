"""The headline of a period: every metric's 'all' row beside the period before, read from a metric table.

One reading serves the command line's month summary, the markdown on the metric assets' pages and the
cards of the CX report. A month is read against what the data holds (``DataSpan``): a month the extracts
cover only in part is marked partial and compared like for like, with the same days of the month before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from cx_pipeline.affected import next_month
from cx_pipeline.changes import Change, changes_of
from cx_pipeline.metrics import METRICS, MONTHLY, Grain
from cx_pipeline.warehouse import Warehouse, read_sql


@dataclasses.dataclass(frozen=True)
class HeadlineRow:
    metric: str
    value: float | None
    previous: float | None
    """The value in the period compared with; None when undefined, not computed or not comparable."""
    sample_size: int
    ci_low: float | None
    ci_high: float | None
    previous_sample_size: int = 0
    denominator: float | None = None

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous


def previous_period(grain: Grain, period_start: dt.date) -> dt.date:
    before = period_start - dt.timedelta(days=1)
    return before if grain.name == "daily" else before.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def headline_rows(warehouse: Warehouse, grain: Grain, period_start: dt.date) -> list[HeadlineRow]:
    """One row per metric that has an 'all' row, in catalogue order, for the period starting on
    ``period_start`` against the whole period before; a metric not computed for the period shows no value
    and a sample of 0."""
    previous = previous_period(grain, period_start)
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text(
            f"select {grain.date_column} as period, metric, value, denominator, sample_size, ci_low, ci_high "
            f"from {grain.table} where dimension = 'all' and {grain.date_column} in (:period, :previous)"),
            {"period": period_start, "previous": previous}).all()
    found = {(r.metric, r.period): r for r in rows}
    headline = []
    for metric in _HEADLINE_METRICS:
        now, before = found.get((metric, period_start)), found.get((metric, previous))
        headline.append(HeadlineRow(
            metric, now.value if now else None, before.value if before else None,
            int(now.sample_size or 0) if now else 0, now.ci_low if now else None, now.ci_high if now else None,
            int(before.sample_size or 0) if before else 0, now.denominator if now else None))
    return headline


_HEADLINE_METRICS = tuple(m.name for m in METRICS if "all" in m.dimensions)
_KIND = {m.name: m.kind for m in METRICS}


# --- what the data holds -------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DataSpan:
    """The first and last extract date the warehouse holds: no metric is known before the first, and a
    month the two do not enclose whole is known only in part."""

    first_day: dt.date
    last_day: dt.date

    def days_of(self, month: dt.date) -> tuple[dt.date, dt.date] | None:
        """The first and last day of ``month`` the data covers; None when it covers none."""
        first, last = max(month, self.first_day), min(month_end(month), self.last_day)
        return (first, last) if first <= last else None

    def covers_whole(self, month: dt.date) -> bool:
        return self.days_of(month) == (month, month_end(month))

    def covers(self, first: dt.date, last: dt.date) -> bool:
        return self.first_day <= first and last <= self.last_day


def read_data_span(warehouse: Warehouse) -> DataSpan | None:
    """The span of the loaded extracts; None when nothing was loaded."""
    with warehouse.begin() as conn:
        first, last = Warehouse.execute(conn, read_sql("report/report_data_span.sql")).one()
    return None if first is None else DataSpan(first, last)


def day_range_text(first: dt.date, last: dt.date) -> str:
    """'1–27 Oct 2026', or 'Oct 2026' for a whole month, or '29 May 2026' for one day."""
    if (first, last) == (first.replace(day=1), month_end(first)):
        return f"{first:%b %Y}"
    if first == last:
        return f"{first.day} {first:%b %Y}"
    return f"{first.day}–{last.day} {last:%b %Y}"


# --- a month against the month before, like for like ----------------------------------------------------

SUMMED_OVER_DAYS = {
    **dict.fromkeys(("tickets_created", "tickets_resolved", "new_customers", "revenue"), "count"),
    **dict.fromkeys(("nps", "csat_pct", "ces_easy_pct", "upsell_rate", "referral_rate", "referral_conversion_rate",
                     "cart_abandonment_rate", "conversion_rate"), "share"),
    **dict.fromkeys(("csat_avg", "ces_avg", "average_order_value"), "mean"),
}
"""Metrics whose value over any run of days follows from their daily 'all' rows: counts add up, shares
(and NPS) are 100 × Σ numerator / Σ denominator, means Σ numerator / Σ denominator. The others (customer
base, churn, retention, ARPU, LTV, repeat purchases, medians) exist only for a whole month."""


@dataclasses.dataclass(frozen=True)
class MonthHeadline:
    month: dt.date
    days: tuple[dt.date, dt.date] | None
    """The days of the month the data covers; None when it covers none."""
    compared_days: tuple[dt.date, dt.date] | None
    """The days of the month before the month is compared with; None when there is no like for like."""
    rows: list[HeadlineRow]
    verdicts: dict[str, str] = dataclasses.field(default_factory=dict)
    """Whether each metric's change against the whole month before is real (SPEC §4.2): 'significant',
    'within noise', or why it was not tested. Only whole months are tested: a partial month's like-for-like
    change is shown without a verdict."""

    @property
    def is_partial(self) -> bool:
        return self.days is not None and self.days != (self.month, month_end(self.month))

    @property
    def compared_with(self) -> str:
        return "" if self.compared_days is None else day_range_text(*self.compared_days)

    def is_compared(self, metric: str) -> bool:
        """Whether ``metric``'s change is like for like: a whole month against the whole month before, or a
        partial month's summable metric against the same days of the month before."""
        return self.compared_days is not None and (not self.is_partial or metric in SUMMED_OVER_DAYS)

    def why_not_compared(self, metric: str) -> str:
        if self.days is None:
            return "no data for this month"
        if self.compared_days is None:
            return f"{previous_period(MONTHLY, self.month):%b %Y} is not in the data in full"
        return "partial month: compared once it is complete" if not self.is_compared(metric) else ""


def month_headline(warehouse: Warehouse, month: dt.date, span: DataSpan | None, min_sample: int) -> MonthHeadline:
    """The month's headline against the month before, as far as the data supports a comparison: a whole
    month against the whole month before, each change with its verdict; a partial month (the last one, the
    data up to its 27th, say) against the same days of the month before, for the metrics that follow from
    daily rows."""
    rows = headline_rows(warehouse, MONTHLY, month)
    days = span.days_of(month) if span else None
    compared = _compared_days(month, days, span)
    verdicts: dict[str, str] = {}
    if compared is None:
        rows = [dataclasses.replace(r, previous=None, previous_sample_size=0) for r in rows]
    elif days != (month, month_end(month)):
        same_days = _summed_over_days(warehouse, *compared)
        rows = [dataclasses.replace(r, previous=same_days.get(r.metric, (None, 0))[0],
                                    previous_sample_size=same_days.get(r.metric, (None, 0))[1]) for r in rows]
    else:
        verdicts = {c.metric: verdict(c, min_sample) for c in changes_of(warehouse, [month], min_sample)
                    if c.dimension == "all"}
    return MonthHeadline(month, days, compared, rows, verdicts)


def verdict(change: Change, min_sample: int) -> str:
    """A change in words: significant, within noise, or not tested for want of observations."""
    if change.is_significant is None:
        return f"not tested (fewer than {min_sample} observations)"
    return "significant" if change.is_significant else "within noise"


def _compared_days(month: dt.date, days: tuple[dt.date, dt.date] | None,
                   span: DataSpan | None) -> tuple[dt.date, dt.date] | None:
    if days is None or span is None:
        return None
    before = previous_period(MONTHLY, month)
    if days == (month, month_end(month)):
        first, last = before, month_end(before)
    else:
        last_day = month_end(before).day
        first, last = (before.replace(day=min(d.day, last_day)) for d in days)
    return (first, last) if span.covers(first, last) else None


def _summed_over_days(warehouse: Warehouse, first: dt.date, last: dt.date) -> dict[str, tuple[float | None, int]]:
    """(value, sample size) of each summable metric over the days first..last, from metrics_daily."""
    with warehouse.begin() as conn:
        rows = Warehouse.execute(conn, read_sql("report/report_summed_days.sql"),
                                 {"first_day": first, "last_day": last}).all()
    summed = {}
    for row in rows:
        how = SUMMED_OVER_DAYS.get(row.metric)
        if how is None:
            continue
        if how == "count":
            value = row.value
        else:
            value = None if not row.denominator else (100 if how == "share" else 1) * row.numerator / row.denominator
        summed[row.metric] = (value, int(row.sample_size or 0))
    return summed


# --- how far a value can be read ------------------------------------------------------------------------

def observations(metric: str, sample_size: float, denominator: float | None) -> float | None:
    """How many observations a value rests on, for the CX_MIN_SAMPLE rule; None for counts, which are exact.
    LTV divides by the churn rate, so it is as unsure as the number of customers lost: S × churn share
    (its denominator), not S."""
    if _KIND.get(metric) == "count":
        return None
    if metric == "ltv":
        return round(sample_size * denominator) if denominator is not None else 0
    return sample_size


def too_few(metric: str, sample_size: float, denominator: float | None, min_sample: int) -> bool:
    n = observations(metric, sample_size, denominator)
    return n is not None and n < min_sample


# --- text ----------------------------------------------------------------------------------------------

def format_number(value: float | None, decimals: int = 2, signed: bool = False) -> str:
    """``value`` with thousands separators; a sign when ``signed``, except on what rounds to zero (no
    "-0.00": a change too small to show has no direction)."""
    if value is None:
        return "—"
    rounded = round(value, decimals)
    if rounded == 0:
        return f"{0:.{decimals}f}"
    return f"{rounded:+,.{decimals}f}" if signed else f"{rounded:,.{decimals}f}"


def headline_markdown(rows: list[HeadlineRow], title: str) -> str:
    """The headline as a markdown table, as the Dagster UI shows asset metadata."""
    lines = [f"**{title}**", "", "| metric | value | previous | change | sample |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r.metric} | {format_number(r.value)} | {format_number(r.previous)} "
              f"| {format_number(r.change, signed=True)} | {r.sample_size:,} |" for r in rows]
    return "\n".join(lines)
