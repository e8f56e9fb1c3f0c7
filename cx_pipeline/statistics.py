"""The distributions the month-on-month tests need (SPEC §4.2), written out so that the tests can hold them
against SciPy as an independent oracle.

No warehouse engine has a normal or Student's t distribution function in SQL, so the p-values and the
Benjamini–Hochberg q-values are computed here; the intervals of SPEC §4.1 are computed in SQL
(``sql/macros/intervals.sql``), where the metrics are.
"""

from __future__ import annotations

import csv
import functools
import math

from cx_pipeline.dbt_project import SQL_DIR

Z_975 = 1.959964
"""The 97.5th percentile of the normal distribution, as SPEC §4.1 gives it."""


def normal_two_sided_p(z: float) -> float:
    """P(|Z| ≥ |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def t_two_sided_p(t: float, degrees_of_freedom: float) -> float:
    """P(|T| ≥ |t|) for Student's t with (possibly fractional) degrees of freedom ν:
    I_{ν/(ν+t²)}(ν/2, 1/2), the regularized incomplete beta function. Near t = 0 that x rounds to 1, and
    1 − x would lose the digits that make the p-value: its complement t²/(ν+t²) is passed as computed."""
    spread = degrees_of_freedom + t * t
    return regularized_incomplete_beta(degrees_of_freedom / spread, degrees_of_freedom / 2, 0.5,
                                       complement=t * t / spread)


def regularized_incomplete_beta(x: float, a: float, b: float, complement: float | None = None) -> float:
    """I_x(a, b) by its continued fraction (modified Lentz), taken on whichever side converges fast;
    ``complement`` is 1 − x when the caller has it more exactly than 1 − x can be taken from x."""
    y = 1.0 - x if complement is None else complement
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_y = math.log1p(-x) if complement is None else math.log(y)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * log_y)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(x, a, b) / a
    return 1.0 - front * _beta_continued_fraction(y, b, a) / b


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    tiny = 1e-300

    def guarded(value: float) -> float:
        return tiny if abs(value) < tiny else value

    c, d = 1.0, 1.0 / guarded(1.0 - (a + b) * x / (a + 1.0))
    result = d
    for m in range(1, 1000):
        even = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
        d = 1.0 / guarded(1.0 + even * d)
        c = guarded(1.0 + even / c)
        result *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
        d = 1.0 / guarded(1.0 + odd * d)
        c = guarded(1.0 + odd / c)
        step = d * c
        result *= step
        if abs(step - 1.0) < 1e-16:
            break
    return result


@functools.cache
def _tabulated_t_quantiles() -> dict[int, float]:
    with open(SQL_DIR / "seeds" / "t_quantiles.csv", newline="") as handle:
        return {int(row["degrees_of_freedom"]): float(row["t_975"]) for row in csv.DictReader(handle)}


def t_quantile_975(degrees_of_freedom: int) -> float:
    """t(0.975, ν) exactly as the SQL takes it (``t_quantile`` in sql/macros/intervals.sql): the seed's value
    up to 300 degrees of freedom, the Cornish-Fisher expansion beyond."""
    tabulated = _tabulated_t_quantiles().get(degrees_of_freedom)
    if tabulated is not None:
        return tabulated
    z, v = 1.959963984540054, float(degrees_of_freedom)
    return (z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2)
            + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3)
            + (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / (92160 * v ** 4))


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given: q₍ᵢ₎ = min over j ≥ i of
    p₍ⱼ₎ × m / j for the p-values sorted ascending, capped at 1."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        q[index] = running
    return q
