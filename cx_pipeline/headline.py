"""The headline of a period: every metric's 'all' row beside the period before, read from a metric table.

One reading serves the command line's month summary, the markdown on the metric assets' pages and the
cards of the CX report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from cx_pipeline.metrics import METRICS, Grain
from cx_pipeline.warehouse import Warehouse


@dataclasses.dataclass(frozen=True)
class HeadlineRow:
    metric: str
    value: float | None
    previous: float | None
    """The value in the period before; None when undefined or not computed."""
    sample_size: int
    ci_low: float | None
    ci_high: float | None

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous


def previous_period(grain: Grain, period_start: dt.date) -> dt.date:
    before = period_start - dt.timedelta(days=1)
    return before if grain.name == "daily" else before.replace(day=1)


def headline_rows(warehouse: Warehouse, grain: Grain, period_start: dt.date) -> list[HeadlineRow]:
    """One row per metric that has an 'all' row, in catalogue order, for the period starting on
    ``period_start``; a metric not computed for the period shows no value and a sample of 0."""
    previous = previous_period(grain, period_start)
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text(
            f"select {grain.date_column} as period, metric, value, sample_size, ci_low, ci_high from {grain.table} "
            f"where dimension = 'all' and {grain.date_column} in (:period, :previous)"),
            {"period": period_start, "previous": previous}).all()
    found = {(r.metric, r.period): r for r in rows}
    headline = []
    for metric in (m.name for m in METRICS if "all" in m.dimensions):
        now, before = found.get((metric, period_start)), found.get((metric, previous))
        headline.append(HeadlineRow(
            metric, now.value if now else None, before.value if before else None,
            int(now.sample_size or 0) if now else 0, now.ci_low if now else None, now.ci_high if now else None))
    return headline


def headline_markdown(rows: list[HeadlineRow], title: str) -> str:
    """The headline as a markdown table, as the Dagster UI shows asset metadata."""
    def number(value: float | None, signed: bool = False) -> str:
        return "—" if value is None else f"{value:+,.2f}" if signed else f"{value:,.2f}"

    lines = [f"**{title}**", "", "| metric | value | previous | change | sample |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r.metric} | {number(r.value)} | {number(r.previous)} | {number(r.change, signed=True)} "
              f"| {r.sample_size:,} |" for r in rows]
    return "\n".join(lines)
