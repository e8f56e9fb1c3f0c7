"""SPEC §4.1: every rate and mean carries its 95 % interval, worked out here by hand (and, for means over many
observations, against SciPy's t quantile as an independent oracle)."""

import math

import pytest
from scipy import stats

Z = 1.959964


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials, in percent, written from its textbook form."""
    p = k / n
    centre = (p + Z ** 2 / (2 * n)) / (1 + Z ** 2 / n)
    half = Z / (1 + Z ** 2 / n) * math.sqrt(p * (1 - p) / n + Z ** 2 / (4 * n ** 2))
    return 100 * (centre - half), 100 * (centre + half)


def _csat(scores, day="2026-02-03", scale_max=5):
    return [{"response_id": f"S{day}-{i}", "survey_type": "csat", "responded_at": f"{day}T09:00:00Z", "score": s,
             "scale_max": scale_max} for i, s in enumerate(scores)]


def test_the_examples_of_the_contract(raw, pipeline):
    # 8 of 10 satisfied → 49.016 … 94.332; CSAT 5, 3, 4, 5, 1 → 3.6 ± 2.776445 × 1.673320 / √5.
    raw.write("helpdesk/surveys", "2026-02-03", _csat([5, 3, 4, 5, 1]))
    raw.write("helpdesk/surveys", "2026-03-03", _csat([5] * 8 + [1] * 2, day="2026-03-03"))
    pipeline.backfill("2026-02-01", "2026-03-31")

    share = pipeline.metric("csat_pct", "2026-03-01")
    assert (share.value, share.numerator, share.denominator) == (80, 8, 10)
    assert (round(share.ci_low, 3), round(share.ci_high, 3)) == (49.016, 94.332)
    assert share.ci_low == pytest.approx(wilson(8, 10)[0], abs=1e-9)
    assert share.ci_high == pytest.approx(wilson(8, 10)[1], abs=1e-9)

    mean = pipeline.metric("csat_avg", "2026-02-01")
    half = 2.776445 * 1.673320 / math.sqrt(5)
    assert mean.value == pytest.approx(3.6)
    assert (round(mean.ci_low, 3), round(mean.ci_high, 3)) == (1.522, 5.678)
    assert mean.ci_low == pytest.approx(3.6 - half, abs=1e-5) and mean.ci_high == pytest.approx(3.6 + half, abs=1e-5)


def test_none_and_all_of_n_give_an_interval_inside_0_to_100(raw, pipeline):
    # February: 0 of 4 satisfied; March: 4 of 4. Wilson keeps a width where p̂ alone would give none.
    raw.write("helpdesk/surveys", "2026-02-03", _csat([1, 2, 3, 1]))
    raw.write("helpdesk/surveys", "2026-03-03", _csat([5, 5, 4, 5], day="2026-03-03"))
    pipeline.backfill("2026-02-01", "2026-03-31")

    none = pipeline.metric("csat_pct", "2026-02-01")
    assert none.value == 0 and none.ci_low == 0
    assert none.ci_high == pytest.approx(wilson(0, 4)[1], abs=1e-9) and 0 < none.ci_high < 100
    every = pipeline.metric("csat_pct", "2026-03-01")
    assert every.value == 100 and every.ci_high == 100
    assert every.ci_low == pytest.approx(wilson(4, 4)[0], abs=1e-9) and 0 < every.ci_low < 100


def test_one_response_has_no_interval_for_its_mean(raw, pipeline):
    raw.write("helpdesk/surveys", "2026-02-03", _csat([4]))
    pipeline.backfill("2026-02-01", "2026-02-28")
    mean = pipeline.metric("csat_avg", "2026-02-01")
    assert mean.value == 4 and mean.ci_low is None and mean.ci_high is None
    share = pipeline.metric("csat_pct", "2026-02-01")
    assert share.ci_low == pytest.approx(wilson(1, 1)[0], abs=1e-9)


def test_a_mean_over_hundreds_of_answers_takes_t_beyond_the_table(raw, pipeline):
    # 401 answers: 400 degrees of freedom, past the tabulated quantiles (up to 300).
    scores = [1, 2, 3, 4, 5] * 80 + [5]
    raw.write("helpdesk/surveys", "2026-02-03", _csat(scores))
    pipeline.backfill("2026-02-01", "2026-02-28")
    mean = pipeline.metric("csat_avg", "2026-02-01")
    n, average = len(scores), sum(scores) / len(scores)
    s = math.sqrt(sum((x - average) ** 2 for x in scores) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * s / math.sqrt(n)
    assert mean.value == pytest.approx(average, rel=1e-12)
    assert mean.ci_low == pytest.approx(average - half, rel=1e-10)
    assert mean.ci_high == pytest.approx(average + half, rel=1e-10)


def test_order_values_churn_and_counts(raw, pipeline):
    # Three completed orders of 10, 20 and 60: mean 30, s = √700; t(0.975, 2) = 4.302653.
    # Customer C1 subscribes from January; C2 from January to February 10: 1 of 2 churned in February.
    raw.write("ecommerce/orders", "2026-02-05", [
        {"order_id": f"O{i}", "ordered_at": "2026-02-05T10:00:00Z", "updated_at": "2026-02-05T10:00:00Z",
         "status": "completed", "amount": amount, "customer_id": "C9"} for i, amount in enumerate([10, 20, 60])])
    raw.write("crm/subscriptions", "2026-01-01", [
        {"subscription_id": "S1", "customer_id": "C1", "started_at": "2026-01-01T00:00:00Z",
         "updated_at": "2026-01-01T00:00:00Z"},
        {"subscription_id": "S2", "customer_id": "C2", "started_at": "2026-01-01T00:00:00Z",
         "updated_at": "2026-02-10T00:00:00Z", "ended_at": "2026-02-10T00:00:00Z"}])
    pipeline.backfill("2026-01-01", "2026-02-28")

    aov = pipeline.metric("average_order_value", "2026-02-01")
    half = 4.302652729749462 * math.sqrt(700) / math.sqrt(3)
    assert aov.value == pytest.approx(30)
    assert aov.ci_low == pytest.approx(30 - half, rel=1e-9) and aov.ci_high == pytest.approx(30 + half, rel=1e-9)
    churn = pipeline.metric("churn_rate", "2026-02-01")
    assert (churn.value, churn.numerator, churn.denominator) == (50, 1, 2)
    assert (churn.ci_low, churn.ci_high) == pytest.approx(wilson(1, 2), abs=1e-9)
    retention = pipeline.metric("retention_rate", "2026-02-01")
    assert (retention.ci_low, retention.ci_high) == pytest.approx(wilson(1, 2), abs=1e-9)
    for counted in ("active_customers", "revenue", "arpu", "ltv", "tickets_created"):
        row = pipeline.metric(counted, "2026-02-01")
        assert row.ci_low is None and row.ci_high is None, counted
