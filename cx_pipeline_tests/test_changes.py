"""SPEC §4.2: which month-on-month changes are real. The contract's example and a Benjamini–Hochberg case worked
by hand, the tests' distributions held against SciPy and statsmodels as independent oracles on random counts,
and the table written by a backfill."""

import datetime as dt
import math

import pytest
from hypothesis import given, settings, strategies as st
from scipy import special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from cx_pipeline.changes import MonthValue, month_changes
from cx_pipeline.statistics import (benjamini_hochberg, regularized_incomplete_beta, t_quantile_975,
                                    t_two_sided_p)

MARCH = dt.date(2026, 3, 1)


def _share(k: int, n: int) -> MonthValue:
    return MonthValue(100.0 * k / n, k, n, n, None)


def test_the_contracts_example():
    # csat_pct 160/200 in March against 120/200 in February: delta 20, z = 4.3644, p = 1.275e-05.
    change, = month_changes(MARCH, {("csat_pct", "all", "all"): _share(160, 200)},
                            {("csat_pct", "all", "all"): _share(120, 200)}, min_sample=30)
    assert (change.value, change.previous_value, change.delta) == (80, 60, 20)
    pooled = math.sqrt(0.7 * 0.3 * (1 / 200 + 1 / 200))
    assert round(0.2 / pooled, 4) == 4.3644
    assert change.p_value == pytest.approx(1.275e-05, rel=1e-3)
    assert change.p_value == pytest.approx(math.erfc(0.2 / pooled / math.sqrt(2)), rel=1e-12)
    half = 1.959964 * 100 * math.sqrt(0.8 * 0.2 / 200 + 0.6 * 0.4 / 200)
    assert (change.delta_ci_low, change.delta_ci_high) == pytest.approx((20 - half, 20 + half), rel=1e-12)
    assert change.q_value == change.p_value and change.is_significant is True


def test_benjamini_hochberg_worked_by_hand():
    # m = 4, sorted p: 0.005, 0.01, 0.03, 0.04 → p × m / rank: 0.02, 0.02, 0.04, 0.04 (already monotone).
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # 0.02 × 3 / 2 = 0.03 exceeds the next rank's 0.021 × 3 / 3 = 0.021: the running minimum takes over.
    assert benjamini_hochberg([0.02, 0.021, 0.001]) == pytest.approx([0.021, 0.021, 0.003])
    assert benjamini_hochberg([0.9, 0.8]) == pytest.approx([0.9, 0.9])


def test_changes_on_too_few_observations_are_not_judged():
    # 29 answers in February (CX_MIN_SAMPLE 30): the change is shown, its test is not made.
    change, = month_changes(MARCH, {("csat_pct", "all", "all"): _share(25, 40)},
                            {("csat_pct", "all", "all"): _share(10, 29)}, min_sample=30)
    assert change.delta == pytest.approx(62.5 - 100 * 10 / 29)
    assert change.delta_ci_low is not None
    assert (change.p_value, change.q_value, change.is_significant) == (None, None, None)


def test_metrics_without_an_interval_and_one_sided_rows_give_no_change():
    now = {("revenue", "all", "all"): MonthValue(10.0, 10.0, None, 3, None),
           ("csat_pct", "channel", "chat"): _share(1, 2)}
    before = {("revenue", "all", "all"): MonthValue(5.0, 5.0, None, 2, None)}
    assert month_changes(MARCH, now, before, min_sample=1) == []


@settings(max_examples=200, deadline=None)
@given(n1=st.integers(1, 5000), n2=st.integers(1, 5000), data=st.data())
def test_the_share_test_is_statsmodels_pooled_z_test(n1, n2, data):
    k1, k2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    change, = month_changes(MARCH, {("csat_pct", "all", "all"): _share(k1, n1)},
                            {("csat_pct", "all", "all"): _share(k2, n2)}, min_sample=1)
    if k1 + k2 in (0, n1 + n2):
        assert change.p_value == 1.0  # both months all or nothing: the pooled variance is 0
    else:
        _z, oracle = proportions_ztest([k1, k2], [n1, n2])
        assert change.p_value == pytest.approx(oracle, rel=1e-9, abs=1e-300)


@settings(max_examples=200, deadline=None)
@given(m1=st.floats(1, 5), m2=st.floats(1, 5), s1=st.floats(0.01, 3), s2=st.floats(0.01, 3),
       n1=st.integers(2, 2000), n2=st.integers(2, 2000))
def test_the_mean_test_is_scipys_welch_t_test(m1, m2, s1, s2, n1, n2):
    # Each month's row as the metric table stores it: the mean and its t interval.
    def row(mean, s, n):
        return MonthValue(mean, mean * n, n, n, mean + t_quantile_975(n - 1) * s / math.sqrt(n))

    change, = month_changes(MARCH, {("csat_avg", "all", "all"): row(m1, s1, n1)},
                            {("csat_avg", "all", "all"): row(m2, s2, n2)}, min_sample=1)
    oracle = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False).pvalue
    assert change.p_value == pytest.approx(oracle, rel=1e-7, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(p=st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_q_values_are_statsmodels_fdr_bh(p):
    assert benjamini_hochberg(p) == pytest.approx(list(multipletests(p, method="fdr_bh")[1]), abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(t=st.floats(0, 50), df=st.floats(1, 5000))
def test_t_tail_and_incomplete_beta_are_scipys(t, df):
    # P(|T| ≥ t) = 1 − I_y(1/2, ν/2) with y = t²/(ν+t²), which SciPy's complemented incomplete beta gives to
    # full precision near t = 0, where 1 − x (and SciPy's t.sf, off by 1e-9 at t = 1.3e-8, ν = 1) loses it.
    assert t_two_sided_p(t, df) == pytest.approx(special.betaincc(0.5, df / 2, t * t / (df + t * t)),
                                                 rel=1e-9, abs=1e-300)
    x = df / (df + t * t)
    assert regularized_incomplete_beta(x, df / 2, 0.5) == pytest.approx(special.betainc(df / 2, 0.5, x),
                                                                         rel=1e-9, abs=1e-300)


def test_t_quantiles_match_scipy_on_both_sides_of_the_table():
    for df in (1, 2, 5, 29, 300, 301, 450, 1000, 100000):
        assert t_quantile_975(df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-12), df


def test_an_nps_change_is_tested_in_shares_with_each_months_variance():
    # March: 60 promoters, 20 detractors of 100 (NPS 40); February: 40 and 30 of 100 (NPS 10).
    def nps(promoters, detractors, n):
        p, d = promoters / n, detractors / n
        v = p + d - (p - d) ** 2
        value = 100 * (p - d)
        return MonthValue(value, promoters - detractors, n, n, value + 1.96 * 100 * math.sqrt(v / n)), v

    (march, v1), (february, v2) = nps(60, 20, 100), nps(40, 30, 100)
    change, = month_changes(MARCH, {("nps", "all", "all"): march}, {("nps", "all", "all"): february}, min_sample=30)
    z = (0.4 - 0.1) / math.sqrt(v1 / 100 + v2 / 100)
    assert change.delta == pytest.approx(30)
    assert change.p_value == pytest.approx(2 * stats.norm.sf(z), rel=1e-9)
    half = 1.959964 * 100 * math.sqrt(v1 / 100 + v2 / 100)
    assert (change.delta_ci_low, change.delta_ci_high) == pytest.approx((30 - half, 30 + half), rel=1e-9)


def test_a_backfill_writes_the_changes_of_its_months(raw, pipeline):
    # CSAT: 120 of 200 satisfied in February, 160 of 200 in March (the contract's example), by channel chat.
    def answers(day, satisfied, total):
        return [{"response_id": f"{day}-{i}", "survey_type": "csat", "responded_at": f"{day}T09:00:00Z",
                 "score": 5 if i < satisfied else 2, "scale_max": 5, "channel": "chat"} for i in range(total)]

    raw.write("helpdesk/surveys", "2026-02-10", answers("2026-02-10", 120, 200))
    raw.write("helpdesk/surveys", "2026-03-10", answers("2026-03-10", 160, 200))
    pipeline.backfill("2026-02-01", "2026-03-31")
    rows = pipeline.query(
        "select month, dimension, delta, p_value, q_value, is_significant from marts.metric_changes_monthly "
        "where metric = 'csat_pct' order by month, dimension")
    # Every breakdown holds the same answers: all, agent unknown, channel chat, segment unknown, team unknown.
    assert [(r.month, r.dimension) for r in rows] == [(MARCH, d) for d in ("agent", "all", "channel", "segment", "team")]
    for row in rows:
        assert row.delta == pytest.approx(20) and row.p_value == pytest.approx(1.275e-05, rel=1e-3)
        assert row.is_significant is True
    # csat_avg and csat_pct by those five: ten tests in March, adjusted together; February has no month before.
    tested = pipeline.query("select month, count(*), max(q_value) from marts.metric_changes_monthly "
                            "where p_value is not null group by month")
    assert [(month, count) for month, count, _ in tested] == [(MARCH, 10)]


def test_the_summary_the_report_and_the_asset_page_say_which_changes_are_real(raw, pipeline):
    # CSAT 120/200 → 160/200 (significant); CES on 1–5 moves from 2.0 to 2.1 on 40 answers each (within noise).
    from cx_pipeline.cli import month_summary
    from cx_pipeline.report import read_report_data

    def answers(day, kind, scores):
        return [{"response_id": f"{kind}-{day}-{i}", "survey_type": kind, "responded_at": f"{day}T09:00:00Z",
                 "score": s, "scale_max": 5} for i, s in enumerate(scores)]

    raw.write("helpdesk/surveys", "2026-02-01", answers("2026-02-01", "csat", [5] * 120 + [2] * 80)
              + answers("2026-02-01", "ces", [1, 2, 3] * 10 + [2] * 10))
    raw.write("helpdesk/surveys", "2026-03-31", answers("2026-03-31", "csat", [5] * 160 + [2] * 40)
              + answers("2026-03-31", "ces", [1, 2, 3] * 10 + [3] * 4 + [2] * 6))
    pipeline.backfill("2026-02-01", "2026-03-31")

    summary = {line.split()[0]: line for line in month_summary(pipeline.warehouse, MARCH).splitlines()[3:]}
    assert "significant" in summary["csat_pct"] and "within noise" in summary["ces_avg"]
    report, = read_report_data(pipeline.warehouse, [MARCH], pipeline.settings)
    assert report.headline.verdicts["csat_pct"] == "significant"
    assert report.headline.verdicts["ces_avg"] == "within noise"
    monthly = pipeline.results[1].get_asset_materialization_events()
    page = next(e.materialization.metadata["significant_changes"].value for e in monthly
                if e.asset_key.to_user_string() == "metrics_monthly")
    assert "| csat_pct | all=all | 80.00 | 60.00 | +20.00 |" in page and "ces_avg" not in page
