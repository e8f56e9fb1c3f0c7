"""Which month-on-month changes are real (SPEC §4.2): marts.metric_changes_monthly.

One row per (month, metric, dimension, dimension_value) that has a value in the month and in the month before,
for every metric with an interval (shares, means, NPS). The change's interval uses each month's own variance;
its p-value comes from the test SPEC §4.2 names for the metric's kind; q-values adjust the month's p-values
together (Benjamini–Hochberg); a change is significant when q < 0.05, and not judged at all when either month
rests on fewer than CX_MIN_SAMPLE observations.

The variance of one observation is not a column of metrics_monthly; it is recovered from the interval stored
with the value, which was built from it (sql/macros/intervals.sql): for NPS v = n × (half width / 196)², for a
mean s² = n × (half width / t(0.975, n − 1))², for a share p(1 − p) from its counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Iterable

import pyarrow as pa
import sqlalchemy as sa

from cx_pipeline.metrics import METRICS
from cx_pipeline.statistics import (Z_975, benjamini_hochberg, normal_two_sided_p, t_quantile_975,
                                    t_two_sided_p)
from cx_pipeline.warehouse import Warehouse

TABLE = "marts.metric_changes_monthly"
SIGNIFICANCE = 0.05

_DDL = f"""create table if not exists {TABLE} (
  month date not null,
  metric text not null,
  dimension text not null,
  dimension_value text not null,
  value double precision,
  previous_value double precision,
  delta double precision,
  delta_ci_low double precision,
  delta_ci_high double precision,
  p_value double precision,
  q_value double precision,
  is_significant boolean,
  computed_at timestamp not null
)"""

INTERVALS = {m.name: m.interval for m in METRICS if m.interval}
"""The metrics that have an interval, and which (wilson, t, nps)."""


@dataclasses.dataclass(frozen=True)
class MonthValue:
    """One row of metrics_monthly, as the test of a change needs it."""

    value: float
    numerator: float | None
    denominator: float | None
    sample_size: int
    ci_high: float | None


@dataclasses.dataclass(frozen=True)
class Change:
    month: dt.date
    metric: str
    dimension: str
    dimension_value: str
    value: float
    previous_value: float
    delta: float
    delta_ci_low: float | None
    delta_ci_high: float | None
    p_value: float | None
    q_value: float | None
    is_significant: bool | None


def _observation_variance(kind: str, row: MonthValue) -> float | None:
    """The variance of one observation, in the metric's own unit (points for shares and NPS)."""
    n = row.sample_size
    if kind == "wilson":
        if not row.denominator:
            return None
        share = row.numerator / row.denominator
        return 100.0 ** 2 * share * (1.0 - share)
    if row.ci_high is None or n < 2 and kind == "t":
        return None
    if kind == "nps":
        return n * ((row.ci_high - row.value) / 1.96) ** 2
    return n * ((row.ci_high - row.value) / t_quantile_975(n - 1)) ** 2


def _p_value(kind: str, now: MonthValue, before: MonthValue, var_now: float, var_before: float) -> float | None:
    """Two-sided p-value of the change (SPEC §4.2): pooled two-proportion z-test for shares, z for NPS, Welch's
    t-test for means."""
    if kind == "wilson":
        k1, n1, k2, n2 = now.numerator, now.denominator, before.numerator, before.denominator
        pooled = (k1 + k2) / (n1 + n2)
        spread = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
        return 1.0 if spread == 0 else normal_two_sided_p((k1 / n1 - k2 / n2) / spread)
    standard_error = math.sqrt(var_now / now.sample_size + var_before / before.sample_size)
    delta = now.value - before.value
    if standard_error == 0:
        return 1.0 if delta == 0 else 0.0
    if kind == "nps":
        return normal_two_sided_p(delta / standard_error)
    a, b = var_now / now.sample_size, var_before / before.sample_size
    degrees_of_freedom = (a + b) ** 2 / (a ** 2 / (now.sample_size - 1) + b ** 2 / (before.sample_size - 1))
    return t_two_sided_p(delta / standard_error, degrees_of_freedom)


def month_changes(month: dt.date, now: dict[tuple[str, str, str], MonthValue],
                  before: dict[tuple[str, str, str], MonthValue], min_sample: int) -> list[Change]:
    """The changes of ``month`` against the month before, from both months' rows keyed by
    (metric, dimension, dimension_value)."""
    pending = []
    for key in sorted(now.keys() & before.keys()):
        kind = INTERVALS.get(key[0])
        this, last = now[key], before[key]
        if kind is None or this.value is None or last.value is None:
            continue
        var_now, var_before = _observation_variance(kind, this), _observation_variance(kind, last)
        delta = this.value - last.value
        half = None
        if var_now is not None and var_before is not None:
            half = Z_975 * math.sqrt(var_now / this.sample_size + var_before / last.sample_size)
        judged = min(this.sample_size, last.sample_size) >= min_sample and half is not None
        p = _p_value(kind, this, last, var_now, var_before) if judged else None
        pending.append((key, this.value, last.value, delta, half, p))
    tested = [p for *_, p in pending if p is not None]
    q_values = iter(benjamini_hochberg(tested))
    changes = []
    for (metric, dimension, value), current, previous, delta, half, p in pending:
        q = next(q_values) if p is not None else None
        changes.append(Change(month, metric, dimension, value, current, previous, delta,
                              None if half is None else delta - half, None if half is None else delta + half,
                              p, q, None if q is None else q < SIGNIFICANCE))
    return changes


def read_month_values(warehouse: Warehouse, months: Iterable[dt.date]) -> dict[dt.date, dict]:
    """metrics_monthly's rows of ``months``, keyed by month, then (metric, dimension, dimension_value)."""
    wanted = sorted(set(months))
    found: dict[dt.date, dict] = {month: {} for month in wanted}
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text(
            "select month, metric, dimension, dimension_value, value, numerator, denominator, sample_size, ci_high "
            "from marts.metrics_monthly where month in :months and metric in :metrics"
        ).bindparams(sa.bindparam("months", expanding=True), sa.bindparam("metrics", expanding=True)),
            {"months": wanted, "metrics": sorted(INTERVALS)}).all()
    for row in rows:
        found[row.month][(row.metric, row.dimension, row.dimension_value)] = MonthValue(
            row.value, row.numerator, row.denominator, int(row.sample_size or 0), row.ci_high)
    return found


def changes_of(warehouse: Warehouse, months: list[dt.date], min_sample: int) -> list[Change]:
    """The changes of every month in ``months`` against the month before it."""
    previous = {month: (month - dt.timedelta(days=1)).replace(day=1) for month in months}
    values = read_month_values(warehouse, [*months, *previous.values()])
    return [change for month in months
            for change in month_changes(month, values[month], values[previous[month]], min_sample)]


def significant_changes_markdown(changes: list[Change], month: dt.date) -> str:
    """The significant changes of ``month`` as a markdown table, most certain first, as asset pages show it."""
    significant = sorted((c for c in changes if c.month == month and c.is_significant), key=lambda c: c.q_value)
    lines = [f"**Significant changes in {month:%B %Y}** (q < {SIGNIFICANCE}; {len(significant)} of "
             f"{sum(1 for c in changes if c.month == month and c.p_value is not None)} tested)", "",
             "| metric | dimension | value | previous | change | q |", "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {c.metric} | {c.dimension}={c.dimension_value} | {c.value:,.2f} | {c.previous_value:,.2f} "
              f"| {c.delta:+,.2f} | {c.q_value:.2g} |" for c in significant]
    return "\n".join(lines)


def publish_changes(warehouse: Warehouse, months: list[dt.date], min_sample: int, computed_at: dt.datetime) -> list[Change]:
    """Replace the rows of ``months`` in marts.metric_changes_monthly, in one transaction."""
    changes = changes_of(warehouse, months, min_sample)
    table = pa.Table.from_pylist([{**dataclasses.asdict(c), "computed_at": computed_at} for c in changes],
                                 schema=_SCHEMA)
    with warehouse.begin() as conn:
        conn.execute(sa.text(_DDL))
        conn.execute(sa.text(f"delete from {TABLE} where month between :first and :last"),
                     {"first": min(months), "last": max(months)})
        warehouse.insert_arrow(conn, TABLE, table)
    return changes


_SCHEMA = pa.schema([
    ("month", pa.date32()), ("metric", pa.string()), ("dimension", pa.string()), ("dimension_value", pa.string()),
    ("value", pa.float64()), ("previous_value", pa.float64()), ("delta", pa.float64()),
    ("delta_ci_low", pa.float64()), ("delta_ci_high", pa.float64()), ("p_value", pa.float64()),
    ("q_value", pa.float64()), ("is_significant", pa.bool_()), ("computed_at", pa.timestamp("us")),
])
