"""The customer base of SPEC §4: activity from subscriptions and completed orders, S / E / N, churn,
retention and new customers, monthly and over the trailing 30 days."""

import datetime as dt

import pytest


def _subscription(sid, customer, started, ended=None, updated=None, **extra):
    return {"subscription_id": sid, "customer_id": customer, "started_at": started,
            "updated_at": updated or started, "ended_at": ended or "", **extra}


def test_spec_example_100_customers_25_lost(raw, pipeline):
    raw.write("crm/subscriptions", "2025-12-01",
              [_subscription(f"S{i}", f"C{i}", "2025-12-01T00:00:00Z") for i in range(1, 101)])
    raw.write("crm/subscriptions", "2026-01-15",
              [_subscription(f"S{i}", f"C{i}", "2025-12-01T00:00:00Z", ended="2026-01-15T12:00:00Z",
                             updated="2026-01-15T12:00:00Z") for i in range(1, 26)])
    pipeline.backfill("2025-12-01", "2026-01-15")

    assert pipeline.value("churn_rate", "2026-01-01") == 25
    assert pipeline.value("retention_rate", "2026-01-01") == 75
    churned = pipeline.metric("churned_customers", "2026-01-01")
    assert (churned.value, churned.sample_size) == (25, 100)
    assert pipeline.value("active_customers", "2026-01-01") == 75
    assert pipeline.value("new_customers", "2026-01-01") == 0
    assert pipeline.value("new_customers", "2025-12-01") == 100
    # No one was active before December: churn is undefined there, not 0.
    assert pipeline.metric("churn_rate", "2025-12-01").value is None
    # Daily: the trailing 30 days ending on the 15th (S on Dec 16) lose the 25 that end that day.
    assert pipeline.value("churn_rate", "2026-01-15", grain="daily") == 25
    assert pipeline.value("churn_rate", "2026-01-14", grain="daily") == 0
    assert pipeline.value("active_customers", "2026-01-15", grain="daily") == 75


def test_period_boundaries(raw, pipeline):
    # Ends on Feb 1 at midnight: active through Jan 31, not on Feb 1.
    raw.write("crm/subscriptions", "2025-11-15", [_subscription("SX", "CX", "2025-11-15T08:00:00Z")])
    raw.write("crm/subscriptions", "2026-02-01", [_subscription("SX", "CX", "2025-11-15T08:00:00Z",
                                                                ended="2026-02-01T00:00:00Z",
                                                                updated="2026-02-01T00:00:00Z")])
    # Exactly 90 days before February: active Nov 3 .. Jan 31. One day earlier: through Jan 30.
    assert dt.date(2026, 2, 1) - dt.timedelta(days=90) == dt.date(2025, 11, 3)
    raw.write("ecommerce/orders", "2025-11-03", [
        {"order_id": "O1", "customer_id": "CO", "ordered_at": "2025-11-03T10:00:00Z",
         "updated_at": "2025-11-03T10:00:00Z", "status": "completed", "amount": 10},
    ])
    raw.write("ecommerce/orders", "2025-11-02", [
        {"order_id": "O2", "customer_id": "CP", "ordered_at": "2025-11-02T10:00:00Z",
         "updated_at": "2025-11-02T10:00:00Z", "status": "completed", "amount": 10},
    ])
    pipeline.backfill("2025-11-01", "2026-02-01", months=("2026-01-01", "2026-02-01"))

    january = pipeline.metric("churned_customers", "2026-01-01")
    assert (january.value, january.sample_size) == (1, 3)  # CP leaves on Jan 31; S = CX, CO, CP
    february = pipeline.metric("churned_customers", "2026-02-01")
    assert (february.value, february.sample_size) == (2, 2)  # S on Jan 31 = CX, CO; no one on Feb 28
    assert pipeline.value("active_customers", "2026-01-01") == 2
    assert pipeline.value("active_customers", "2026-02-01") == 0


def test_a_customer_who_churns_and_comes_back(raw, pipeline):
    order = lambda oid, day: {"order_id": oid, "customer_id": "A", "ordered_at": f"{day}T12:00:00Z",  # noqa: E731
                              "updated_at": f"{day}T12:00:00Z", "status": "completed", "amount": 20}
    raw.write("ecommerce/orders", "2026-01-01", [order("O1", "2026-01-01")])
    raw.write("ecommerce/orders", "2026-07-15", [order("O2", "2026-07-15")])
    pipeline.backfill("2026-01-01", "2026-07-31")

    # Jan 1 + 89 days = Mar 31, the last active day: April loses A, July wins A back.
    april = pipeline.metric("churned_customers", "2026-04-01")
    assert (april.value, april.sample_size) == (1, 1)
    assert pipeline.value("churn_rate", "2026-04-01") == 100
    assert pipeline.value("active_customers", "2026-07-01") == 1
    assert pipeline.value("new_customers", "2026-07-01") == 0  # came back, not new
    assert pipeline.metric("churn_rate", "2026-07-01").value is None  # S = 0
    assert pipeline.value("new_customers", "2026-01-01") == 1
    assert pipeline.value("repeat_purchase_rate", "2026-07-01") == 100



def test_a_customer_away_for_part_of_the_window_is_retained_and_counted_once(raw, pipeline):
    order = lambda oid, day: {"order_id": oid, "customer_id": "A", "ordered_at": f"{day}T12:00:00Z",  # noqa: E731
                              "updated_at": f"{day}T12:00:00Z", "status": "completed", "amount": 20}
    raw.write("ecommerce/orders", "2026-02-01", [order("O1", "2026-02-01")])
    raw.write("ecommerce/orders", "2026-05-20", [order("O2", "2026-05-20")])
    pipeline.backfill("2026-02-01", "2026-05-31", months=("2026-05-01", "2026-05-01"))

    # Active Feb 1 .. May 1 (90 days), away May 2 .. 19, active again from May 20: A is in S (Apr 30)
    # and in E (May 31), so May keeps A, and A counts once among May's customers for ARPU.
    assert pipeline.value("churned_customers", "2026-05-01") == 0
    assert pipeline.value("retention_rate", "2026-05-01") == 100
    assert pipeline.value("arpu", "2026-05-01") == 20
    # The daily window of May 25 (Apr 26 .. May 25) meets both of A's spells: one customer, 20 of revenue.
    assert pipeline.value("arpu", "2026-05-25", grain="daily") == 20
    assert pipeline.value("retention_rate", "2026-05-31", grain="daily") == 100  # S on May 1, E on May 31

@pytest.mark.parametrize("inactivity_days, active_on_apr_1", [(90, 0), (91, 1)])
def test_inactivity_days_is_a_setting(raw, tmp_path, inactivity_days, active_on_apr_1):
    from cx_pipeline_tests.conftest import Pipeline

    raw.write("ecommerce/orders", "2026-01-01", [
        {"order_id": "O1", "customer_id": "A", "ordered_at": "2026-01-01T12:00:00Z",
         "updated_at": "2026-01-01T12:00:00Z", "status": "completed", "amount": 20}])
    pipeline = Pipeline(raw.root, f"duckdb:///{tmp_path / 'w.duckdb'}", inactivity_days=inactivity_days)
    pipeline.backfill("2026-01-01", "2026-01-01", months=("2026-04-01", "2026-04-01"))
    assert pipeline.value("new_customers", "2026-04-01") == 0
    assert pipeline.metric("churned_customers", "2026-04-01").sample_size == 1  # active on Mar 31 either way
    assert pipeline.value("churned_customers", "2026-04-01") == 1  # gone by Apr 30 either way
    assert pipeline.query("select count(*) from intermediate.customer_activity "
                          "where cast('2026-04-01' as date) between active_from and active_to")[0][0] \
        == active_on_apr_1
