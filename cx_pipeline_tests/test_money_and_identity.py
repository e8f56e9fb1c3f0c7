"""Currency conversion, customer identity and revenue (SPEC §1 Money and Customer identity, §4)."""

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def shop(scenario):
    raw, pipeline = scenario
    raw.write("reference/fx_rates", "2026-01-01", [
        {"date": "2026-01-01", "currency": "EUR", "rate_to_base": 1.10},
        {"date": "2026-01-05", "currency": "EUR", "rate_to_base": 1.20},
        {"date": "2026-01-10", "currency": "EUR", "rate_to_base": 1.30},
    ])
    raw.write("crm/customers", "2026-01-01", [
        {"customer_id": "C1", "updated_at": "2026-01-01T00:00:00Z", "email": "Ann@Example.com", "segment": "SMB"},
        {"customer_id": "C2", "updated_at": "2026-01-01T00:00:00Z", "email": "bob@example.com",
         "segment": "consumer"},
    ])
    raw.write("crm/subscriptions", "2026-01-01", [
        {"subscription_id": "S1", "customer_id": "C2", "started_at": "2026-01-01T09:00:00Z",
         "updated_at": "2026-01-01T09:00:00Z", "monthly_amount": 31, "currency": "USD"},
    ])
    raw.write("crm/subscriptions", "2026-02-15", [
        {"subscription_id": "S1", "customer_id": "C2", "started_at": "2026-01-01T09:00:00Z",
         "ended_at": "2026-02-15T09:00:00Z", "updated_at": "2026-02-15T09:00:00Z", "monthly_amount": 31,
         "currency": "USD"},
    ])
    order = lambda oid, day, amount, **kw: {"order_id": oid, "ordered_at": f"{day}T12:00:00Z",  # noqa: E731
                                            "updated_at": f"{day}T12:00:00Z", "status": "completed",
                                            "amount": amount, **kw}
    raw.write("ecommerce/orders", "2026-01-07", [
        order("E1", "2026-01-07", 100, currency="EUR", customer_email="  ann@example.COM ", channel="web"),
        order("U1", "2026-01-07", 10, customer_id="C2", channel="Store"),
    ], fmt="csv.gz")
    raw.write("ecommerce/orders", "2026-01-10", [
        order("E2", "2026-01-10", 50, currency="eur", customer_email="walk-in@guest.test", channel="web"),
        order("E3", "2026-01-10", 80, currency="EUR", customer_email="walk-in@guest.test", status="cancelled"),
    ])
    # Before the first EUR rate: cannot be converted, so quarantined at staging.
    raw.write("ecommerce/orders", "2025-12-20", [order("E0", "2025-12-20", 70, currency="EUR", customer_id="C1")])
    pipeline.backfill("2025-12-20", "2026-02-15", months=("2026-01-01", "2026-02-01"))
    return pipeline


def test_orders_convert_at_the_latest_rate_on_or_before_their_day(shop):
    # 100 EUR on Jan 7 at the Jan 5 rate, 10 USD (no currency given would be USD too).
    assert shop.value("revenue", "2026-01-07", grain="daily", dimension="channel", value="web") == \
        pytest.approx(120.0)
    # 50 EUR on Jan 10 at that day's rate; the cancelled order does not count.
    assert shop.value("revenue", "2026-01-10", grain="daily", dimension="channel", value="web") == \
        pytest.approx(65.0)


def test_revenue_adds_subscription_fees_per_active_day(shop):
    # January: orders 120 + 10 + 65, and 31 days of a 31/month subscription = 31.
    assert shop.value("revenue", "2026-01-01") == pytest.approx(226.0)
    # February: active Feb 1..14 (ends on the 15th): 14 × 31 / 28 = 15.5.
    assert shop.value("revenue", "2026-02-01") == pytest.approx(15.5)
    # One day of January's subscription: 31 / 31 = 1.
    assert shop.value("revenue", "2026-01-02", grain="daily") == pytest.approx(1.0)


def test_email_identity_is_trimmed_and_case_insensitive(shop):
    keys = dict(shop.query("select record_id, customer_key from intermediate.customer_keys "
                               "where entity = 'ecommerce__orders'"))
    assert keys["E1"] == "C1"
    assert keys["E2"] == keys["E3"] and keys["E2"].startswith("guest:")
    assert shop.value("revenue", "2026-01-01", dimension="segment", value="smb") == pytest.approx(120.0)
    assert shop.value("revenue", "2026-01-01", dimension="segment", value="unknown") == pytest.approx(65.0)


def test_identity_rules_are_counted_in_asset_metadata(shop):
    daily = shop.results[0]
    metadata = next(e.materialization.metadata for e in daily.get_asset_materialization_events()
                    if e.asset_key == dg.AssetKey("int_customer_keys"))
    # Orders: U1 by customer_id, E1 by e-mail, E2 and E3 as one guest; E0 by customer_id.
    assert metadata["identity/ecommerce__orders"].value == {"customer_id": 2, "email_match": 1, "guest": 2}


def test_an_order_without_a_rate_is_quarantined_not_dropped(shop):
    rows = shop.query("select entity, rule, stage, source_file from quarantine.rejected_rows")
    assert [(r.entity, r.rule, r.stage) for r in rows] == [("ecommerce__orders", "no_fx_rate", "staging")]
    assert rows[0].source_file.endswith("2025-12-20.csv")
    assert shop.value("revenue", "2025-12-20", grain="daily") == 0


def test_shop_metrics(shop):
    # January completed orders: 120, 10, 65 → AOV 65; no upsells.
    assert shop.value("average_order_value", "2026-01-01") == pytest.approx(65.0)
    assert shop.value("upsell_rate", "2026-01-01") == 0
    # arpu: January revenue over the 3 customers active in it (C1 via E1, C2, the guest).
    assert shop.value("arpu", "2026-01-01") == pytest.approx(226.0 / 3)
