"""Referrals, carts, sessions, repeat purchases and upsells (SPEC §4), and the metrics' invariants on
a generated data set."""

import datetime as dt

import pytest

from cx_pipeline.generate import generate
from cx_pipeline.metrics import METRICS


def _order(oid, day, amount, **kw):
    return {"order_id": oid, "ordered_at": f"{day}T12:00:00Z", "updated_at": f"{day}T12:00:00Z",
            "status": "completed", "amount": amount, **kw}


@pytest.fixture(scope="module")
def march(scenario):
    raw, pipeline = scenario
    raw.write("crm/customers", "2026-03-01", [
        {"customer_id": "C1", "updated_at": "2026-03-01T00:00:00Z", "segment": "consumer"},
        {"customer_id": "C9", "updated_at": "2026-03-01T00:00:00Z", "segment": "consumer",
         "referred_by_customer_id": "C1"},
        {"customer_id": "C10", "updated_at": "2026-03-01T00:00:00Z", "segment": "smb"},
    ])
    raw.write("ecommerce/referrals", "2026-03-01", [
        {"referral_id": "F1", "referrer_customer_id": "C1", "sent_at": "2026-03-01T10:00:00Z",
         "signed_up_customer_id": "C9"},
        {"referral_id": "F2", "referrer_customer_id": "C1", "sent_at": "2026-03-01T11:00:00Z",
         "invitee_email": "x@mail.test"},
        {"referral_id": "F3", "referrer_customer_id": "C1", "sent_at": "2026-03-01T12:00:00Z"},
    ], fmt="jsonl")
    raw.write("ecommerce/orders", "2026-02-20", [_order("O0", "2026-02-20", 10, customer_id="C1")])
    raw.write("ecommerce/orders", "2026-03-02", [
        _order("O1", "2026-03-02", 40, customer_id="C1", channel="web", is_upsell="true"),
        _order("O2", "2026-03-02", 20, customer_id="C9", channel="web"),
        _order("O3", "2026-03-02", 30, customer_id="C10", channel="app", is_upsell="no"),
        _order("O4", "2026-03-02", 50, customer_id="C10", channel="app"),
        _order("O5", "2026-03-02", 99, customer_id="C10", channel="app", status="refunded"),
    ])
    raw.write("ecommerce/carts", "2026-03-02", [
        {"cart_id": "K1", "created_at": "2026-03-02T10:00:00Z", "customer_id": "C1"},
        {"cart_id": "K2", "created_at": "2026-03-02T10:00:00Z", "customer_id": "C9"},
        {"cart_id": "K3", "created_at": "2026-03-02T10:00:00Z"},
        {"cart_id": "K4", "created_at": "2026-03-02T10:00:00Z", "customer_id": "C10", "order_id": "O3"},
    ])
    # K1 becomes an order in a later extract.
    raw.write("ecommerce/carts", "2026-03-03", [
        {"cart_id": "K1", "created_at": "2026-03-02T10:00:00Z", "updated_at": "2026-03-03T09:00:00Z",
         "customer_id": "C1", "order_id": "O1"}])
    raw.write("ecommerce/sessions", "2026-03-02", [
        {"session_id": f"W{i}", "started_at": "2026-03-02T09:00:00Z", "order_id": "O1" if i == 0 else None}
        for i in range(4)], fmt="parquet")
    pipeline.backfill("2026-02-20", "2026-03-03", months=("2026-03-01", "2026-03-01"))
    return pipeline


def test_referrals(march):
    # New in March: C9 (referred by C1) and C10; C1 was first active in February.
    assert march.value("new_customers", "2026-03-01") == 2
    assert march.value("referral_rate", "2026-03-01") == 50
    assert march.value("referral_rate", "2026-03-01", dimension="segment", value="consumer") == 100
    assert march.value("referral_conversion_rate", "2026-03-01") == pytest.approx(100 / 3)


def test_funnels(march):
    # Carts K1 (bought later) and K4 led to orders, K2 and K3 did not; one session of four converted.
    assert march.value("cart_abandonment_rate", "2026-03-01") == 50
    assert march.value("conversion_rate", "2026-03-01") == 25


def test_orders(march):
    # Completed in March: 40, 20, 30, 50 (the refunded order does not count).
    assert march.value("average_order_value", "2026-03-01") == pytest.approx(35.0)
    assert march.value("average_order_value", "2026-03-01", dimension="channel", value="app") == 40
    assert march.value("upsell_rate", "2026-03-01") == 25
    # C1 had bought in February, C10 bought twice in March, C9 once: 2 of 3 are repeat buyers.
    assert march.value("repeat_purchase_rate", "2026-03-01") == pytest.approx(200 / 3)
    assert march.value("repeat_purchase_rate", "2026-03-01", dimension="segment", value="smb") == 100


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from cx_pipeline_tests.conftest import Pipeline

    root = tmp_path_factory.mktemp("generated")
    generate(root / "raw", dt.date(2026, 1, 1), dt.date(2026, 3, 31), customers=400, seed=3)
    pipeline = Pipeline(root / "raw", f"duckdb:///{root / 'warehouse.duckdb'}")
    pipeline.backfill("2026-01-01", "2026-03-31")
    return pipeline


def test_churn_and_retention_add_up_to_100(generated):
    rows = generated.query(
        "select c.value + r.value from marts.metrics_monthly c join marts.metrics_monthly r "
        "using (month, dimension, dimension_value) where c.metric = 'churn_rate' and r.metric = 'retention_rate' "
        "and c.denominator > 0 union all "
        "select c.value + r.value from marts.metrics_daily c join marts.metrics_daily r "
        "using (metric_date, dimension, dimension_value) where c.metric = 'churn_rate' "
        "and r.metric = 'retention_rate' and c.denominator > 0")
    assert len(rows) > 100
    assert all(total == pytest.approx(100) for (total,) in rows)


@pytest.mark.parametrize("metric", ["tickets_created", "tickets_resolved", "revenue", "new_customers", "nps",
                                    "csat_pct", "ces_easy_pct", "cart_abandonment_rate", "conversion_rate",
                                    "upsell_rate", "referral_conversion_rate"])
def test_monthly_numerators_sum_the_daily_ones(generated, metric):
    rows = generated.query(
        "select m.dimension, m.dimension_value, m.numerator, m.denominator, d.numerator, d.denominator "
        "from marts.metrics_monthly m join ("
        "  select date_trunc('month', metric_date) as month, dimension, dimension_value, "
        "         sum(numerator) as numerator, sum(denominator) as denominator "
        "  from marts.metrics_daily where metric = :metric group by 1, 2, 3) d "
        "on d.month = m.month and d.dimension = m.dimension and d.dimension_value = m.dimension_value "
        "where m.metric = :metric and m.month between '2026-01-01' and '2026-03-01'", metric=metric)
    assert rows
    for dimension, value, monthly_num, monthly_den, daily_num, daily_den in rows:
        assert monthly_num == pytest.approx(daily_num), (dimension, value)
        if monthly_den is not None:
            assert monthly_den == pytest.approx(daily_den), (dimension, value)


def test_every_rate_within_its_range(generated):
    ranges = {m.name: (0, 100) for m in METRICS if m.name.endswith(("_rate", "_pct", "_share"))}
    ranges.update({"nps": (-100, 100), "csat_avg": (1, 5), "ces_avg": (1, 5)})
    for metric, (low, high) in ranges.items():
        for table in ("marts.metrics_daily", "marts.metrics_monthly"):
            (below, above, count), = generated.query(
                f"select count(*) filter (where value < :low), count(*) filter (where value > :high), count(value) "
                f"from {table} where metric = :metric", metric=metric, low=low, high=high)
            assert (below, above) == (0, 0), (metric, table)
            assert count > 0, (metric, table)


def test_every_metric_has_an_all_row_for_every_period(generated):
    expected = {m.name for m in METRICS if "all" in m.dimensions}
    for table, column, periods in (("marts.metrics_daily", "metric_date", 90), ("marts.metrics_monthly", "month", 3)):
        rows = generated.query(f"select metric, count(distinct {column}), count(*) from {table} "
                               "where dimension = 'all' group by metric")
        assert {r[0] for r in rows} == expected
        assert all(r[1] == periods and r[2] == periods for r in rows), table
