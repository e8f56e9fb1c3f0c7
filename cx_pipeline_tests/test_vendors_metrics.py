"""Zendesk and Shopify data as their APIs give it (SPEC §6): objects shaped like the vendors' documented
examples (cx_pipeline_tests/vendor_examples.py) through the real raw assets, dbt models and metric tables,
beside SPEC §1 extracts whose keys are the same numbers. Every expected value is worked out by hand in the
comments."""

import pytest

from cx_pipeline_tests.vendor_examples import (shopify_checkout, shopify_order, shopify_orders_export,
                                               zendesk_group, zendesk_satisfaction_rating, zendesk_ticket,
                                               zendesk_ticket_metrics, zendesk_user)

ANN = 35436          # Zendesk user of the CRM customer C1 (ann@example.com)
ZOE = 7881           # Zendesk user who is no CRM customer
AGENT, AGENT_2 = 235323, 235324
LEVEL_1, BILLING = 98738, 44


def _ticket(id_, created, updated, status, channel, group, assignee, requester):
    return zendesk_ticket(**{"id": id_, "created_at": created, "updated_at": updated, "status": status,
                             "via.channel": channel, "group_id": group, "assignee_id": assignee,
                             "requester_id": requester, "url": f"https://company.zendesk.com/api/v2/tickets/{id_}.json"})


def _metrics(id_, ticket, reply_minutes, solved_at, updated):
    return zendesk_ticket_metrics(**{"id": id_, "ticket_id": ticket, "reply_time_in_minutes.calendar": reply_minutes,
                                     "solved_at": solved_at, "updated_at": updated})


def _rating(id_, ticket, score, updated, requester):
    return zendesk_satisfaction_rating(id=id_, ticket_id=ticket, score=score, updated_at=updated, created_at=updated,
                                       requester_id=requester)


def _order(id_, email, created, financial_status, total, **changes):
    return shopify_order(**{"id": id_, "email": email, "customer.email": email, "created_at": created,
                            "updated_at": created, "processed_at": created, "financial_status": financial_status,
                            "total_price": total, "checkout_token": None, **changes})


@pytest.fixture(scope="module")
def shop(scenario):
    raw, pipeline = scenario
    raw.write("crm/customers", "2026-03-01", [
        {"customer_id": "C1", "updated_at": "2026-03-01T00:00:00Z", "email": "Ann@Example.com", "segment": "SMB"},
    ])
    # SPEC §1 records whose keys are the numbers of vendor records: they must not meet.
    raw.write("helpdesk/tickets", "2026-03-02", [
        {"ticket_id": "35436", "created_at": "2026-03-02T12:00:00Z", "updated_at": "2026-03-02T12:00:00Z",
         "channel": "chat", "team": "Billing", "agent_id": "A9"},
    ])
    raw.write("ecommerce/orders", "2026-03-09", [
        {"order_id": "450789469", "ordered_at": "2026-03-09T12:00:00Z", "updated_at": "2026-03-09T12:00:00Z",
         "status": "completed", "amount": 5, "customer_id": "C1", "channel": "web"},
    ])

    raw.write("zendesk/users", "2026-03-01", [
        zendesk_user(id=ANN, email=" Ann@EXAMPLE.com", role="end-user", name="Ann"),
        zendesk_user(id=ZOE, email="zoe@guest.test", role="end-user", name="Zoe"),
        zendesk_user(id=AGENT, email="agent@company.test", role="agent", name="Johnny Agent"),
    ], fmt="jsonl")
    raw.write("zendesk/groups", "2026-03-01", [
        zendesk_group(id=LEVEL_1, name="First Level Support"),
        zendesk_group(id=BILLING, name="Billing", default=False),
    ], fmt="jsonl")
    raw.write("zendesk/tickets", "2026-03-02", [
        _ticket(35436, "2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z", "open", "web", LEVEL_1, AGENT, ANN),
        _ticket(35437, "2026-03-02T10:00:00Z", "2026-03-02T16:00:00Z", "closed", "voice", BILLING, AGENT_2, ANN),
    ], fmt="jsonl")
    raw.write("zendesk/tickets", "2026-03-03", [
        # 35436 again, solved: the later updated_at wins
        _ticket(35436, "2026-03-02T09:00:00Z", "2026-03-03T12:00:00Z", "solved", "web", LEVEL_1, AGENT, ANN),
        _ticket(35438, "2026-03-03T08:00:00Z", "2026-03-03T12:00:00Z", "hold", "email", LEVEL_1, AGENT, ZOE),
        _ticket(35439, "2026-03-03T09:00:00Z", "2026-03-03T09:30:00Z", "deleted", "web", LEVEL_1, AGENT, ZOE),
    ], fmt="jsonl")
    raw.write("zendesk/ticket_metrics", "2026-03-03", [
        _metrics(33, 35436, 120, "2026-03-03T12:00:00Z", "2026-03-03T12:00:00Z"),
        _metrics(34, 35437, 30, "2026-03-02T16:00:00Z", "2026-03-02T16:00:00Z"),
        # solved once, then put on hold: no resolution while not solved or closed
        _metrics(35, 35438, 240, "2026-03-03T10:00:00Z", "2026-03-03T12:00:00Z"),
        _metrics(36, 35439, 60, "2026-03-03T09:30:00Z", "2026-03-03T09:30:00Z"),
    ], fmt="jsonl")
    raw.write("zendesk/satisfaction_ratings", "2026-03-03", [
        _rating(1001, 35436, "offered", "2026-03-03T12:05:00Z", ANN),
    ], fmt="jsonl")
    raw.write("zendesk/satisfaction_ratings", "2026-03-04", [
        _rating(1001, 35436, "good", "2026-03-04T08:00:00Z", ANN),
        _rating(1002, 35437, "bad", "2026-03-04T09:00:00Z", ANN),
        _rating(1003, 35438, "good", "2026-03-04T10:00:00Z", ZOE),
        _rating(1004, 35437, "unoffered", "2026-03-04T11:00:00Z", ANN),
    ], fmt="jsonl")

    raw.write("shopify/orders", "2026-03-05", [
        # 11:00 at UTC-5 is 16:00 UTC
        _order(450789469, " ANN@example.com", "2026-03-05T11:00:00-05:00", "partially_refunded", "598.94",
               checkout_token="bd5a8aa1ecd019dd3520ff791ee3a24c"),
    ], fmt="jsonl")
    raw.write("shopify/orders", "2026-03-06", [
        _order(450789470, None, "2026-03-06T10:00:00Z", "paid", "100.00", source_name="pos",
               checkout_token="c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", **{"customer.email": "zoe@guest.test"}),
        _order(450789471, "ann@example.com", "2026-03-06T12:00:00Z", "paid", "50.00"),
    ], fmt="jsonl")
    raw.write("shopify/orders", "2026-03-07", [
        _order(450789471, "ann@example.com", "2026-03-06T12:00:00Z", "paid", "50.00",
               cancelled_at="2026-03-07T09:00:00Z", updated_at="2026-03-07T09:00:00Z"),
        _order(450789472, "bob@guest.test", "2026-03-07T10:00:00Z", "voided", "20.00"),
        _order(450789473, "bob@guest.test", "2026-03-07T11:00:00Z", "refunded", "30.00"),
        _order(450789474, "bob@guest.test", "2026-03-07T12:00:00Z", "pending", "40.00"),
    ], fmt="jsonl")
    raw.write("shopify/orders", "2026-03-08", shopify_orders_export([
        {"Name": "#1007", "Email": "ann@example.com", "Financial Status": "paid", "Currency": "USD",
         "Subtotal": "10.00", "Taxes": "0.00", "Total": "10.00", "Created at": "2026-03-08 10:00:00 -0500",
         "Id": "450789476", "Source": "web",
         "line_items": [{"Lineitem quantity": "1", "Lineitem name": "Sticker", "Lineitem price": "4.00"},
                        {"Lineitem quantity": "2", "Lineitem name": "Pin", "Lineitem price": "3.00"}]},
    ]))
    raw.write("shopify/checkouts", "2026-03-05", [
        shopify_checkout(token="bd5a8aa1ecd019dd3520ff791ee3a24c", email="ann@example.com",
                         created_at="2026-03-05T10:50:00-05:00", updated_at="2026-03-05T11:00:00-05:00"),
        shopify_checkout(created_at="2026-03-05T12:00:00Z", updated_at="2026-03-05T12:00:00Z"),
    ], fmt="jsonl")
    raw.write("shopify/checkouts", "2026-03-06", [
        shopify_checkout(token="c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", email="zoe@guest.test",
                         created_at="2026-03-06T09:50:00Z", updated_at="2026-03-06T10:00:00Z"),
        shopify_checkout(token="d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4", email="bob@guest.test",
                         created_at="2026-03-06T11:00:00Z", updated_at="2026-03-06T11:00:00Z"),
    ], fmt="jsonl")
    pipeline.backfill("2026-03-01", "2026-03-31")
    return pipeline


def test_tickets_count_by_their_zendesk_channel_and_beside_section_1_tickets(shop):
    # March 2: Zendesk 35436 (web) and 35437 (voice = phone), and the SPEC §1 ticket "35436" (chat).
    assert shop.value("tickets_created", "2026-03-02", grain="daily") == 3
    for channel in ("web", "phone", "chat"):
        assert shop.value("tickets_created", "2026-03-02", grain="daily", dimension="channel", value=channel) == 1
    # March 3: 35438 only; 35439 was deleted in Zendesk.
    assert shop.value("tickets_created", "2026-03-03", grain="daily") == 1
    # The month: 4 tickets, one per channel, 25 % each.
    assert shop.value("tickets_created", "2026-03-01") == 4
    for channel in ("web", "phone", "email", "chat"):
        assert shop.value("channel_share", "2026-03-01", dimension="channel", value=channel) == pytest.approx(25.0)


def test_teams_are_group_names_and_agents_assignee_ids(shop):
    # First Level Support: 35436, 35438; Billing: 35437 and the SPEC §1 ticket of team "Billing".
    assert shop.value("tickets_created", "2026-03-01", dimension="team", value="first_level_support") == 2
    assert shop.value("tickets_created", "2026-03-01", dimension="team", value="billing") == 2
    assert shop.value("tickets_created", "2026-03-01", dimension="agent", value=str(AGENT)) == 2
    assert shop.value("tickets_created", "2026-03-01", dimension="agent", value=str(AGENT_2)) == 1


def test_first_response_is_creation_plus_the_calendar_reply_time(shop):
    # March 2: 35436 answered 120 min after 09:00 (2 h), 35437 30 min after 10:00 (0.5 h).
    assert shop.value("first_response_hours_median", "2026-03-02", grain="daily") == pytest.approx(1.25)
    # p90 of 0.5, 2: 0.5 + 0.9 × 1.5 = 1.85
    assert shop.value("first_response_hours_p90", "2026-03-02", grain="daily") == pytest.approx(1.85)
    # The month: 0.5, 2, 4 (35438: 240 min) → median 2, p90 at rank 1.8: 2 + 0.8 × 2 = 3.6.
    assert shop.value("first_response_hours_median", "2026-03-01") == pytest.approx(2.0)
    assert shop.value("first_response_hours_p90", "2026-03-01") == pytest.approx(3.6)


def test_resolution_is_solved_at_while_solved_or_closed(shop):
    # 35437 closed, solved 16:00 on March 2 (6 h); 35436 solved 12:00 on March 3 (27 h, its later version);
    # 35438 is on hold, so its solved_at is no resolution.
    assert shop.value("tickets_resolved", "2026-03-02", grain="daily") == 1
    assert shop.value("resolution_hours_median", "2026-03-02", grain="daily") == pytest.approx(6.0)
    assert shop.value("tickets_resolved", "2026-03-03", grain="daily") == 1
    assert shop.value("resolution_hours_median", "2026-03-03", grain="daily") == pytest.approx(27.0)
    assert shop.value("tickets_resolved", "2026-03-01") == 2
    assert shop.value("resolution_hours_median", "2026-03-01") == pytest.approx(16.5)


def test_satisfaction_ratings_are_csat_on_zero_to_one(shop):
    # Answers on March 4: 1001 good (offered on the 3rd, answered later: the later version wins), 1002 bad,
    # 1003 good; 1004 unoffered is no answer. 2 of 3 satisfied; means of 5, 1, 5 = 11 / 3.
    assert shop.value("csat_pct", "2026-03-04", grain="daily") == pytest.approx(200 / 3)
    assert shop.value("csat_avg", "2026-03-04", grain="daily") == pytest.approx(11 / 3)
    assert shop.metric("csat_pct", "2026-03-04", grain="daily").sample_size == 3
    # The offered rating of March 3 is not a response: March 3 has none.
    offered_day = shop.metric("csat_pct", "2026-03-03", grain="daily")
    assert (offered_day.value, offered_day.sample_size) == (None, 0)


def test_a_rating_takes_its_tickets_channel_agent_and_team(shop):
    assert shop.value("csat_pct", "2026-03-01", dimension="channel", value="web") == pytest.approx(100.0)
    assert shop.value("csat_pct", "2026-03-01", dimension="channel", value="phone") == pytest.approx(0.0)
    assert shop.value("csat_pct", "2026-03-01", dimension="channel", value="email") == pytest.approx(100.0)
    assert shop.value("csat_pct", "2026-03-01", dimension="team", value="first_level_support") == pytest.approx(100.0)
    assert shop.value("csat_pct", "2026-03-01", dimension="team", value="billing") == pytest.approx(0.0)
    assert shop.value("csat_pct", "2026-03-01", dimension="agent", value=str(AGENT_2)) == pytest.approx(0.0)


def test_one_customer_across_crm_zendesk_and_shopify(shop):
    # C1 is in the CRM as Ann@Example.com, in Zendesk as " Ann@EXAMPLE.com", in Shopify as " ANN@example.com"
    # and ann@example.com: one customer. Active on March 31: C1 (completed orders) and the guest
    # zoe@guest.test (a paid order); bob's orders were voided, refunded or pending.
    assert shop.value("active_customers", "2026-03-01") == 2
    assert shop.value("active_customers", "2026-03-01", dimension="segment", value="smb") == 1
    assert shop.value("active_customers", "2026-03-01", dimension="segment", value="unknown") == 1
    # C1's answers: good (1001) and bad (1002) → 50 %, mean of 5 and 1 = 3; Zoe's good → 100 %.
    assert shop.value("csat_pct", "2026-03-01", dimension="segment", value="smb") == pytest.approx(50.0)
    assert shop.value("csat_avg", "2026-03-01", dimension="segment", value="smb") == pytest.approx(3.0)
    assert shop.value("csat_pct", "2026-03-01", dimension="segment", value="unknown") == pytest.approx(100.0)
    keys = {(entity, record): key for entity, record, key in shop.query(
        "select entity, record_id, customer_key from intermediate.customer_keys")}
    assert keys[("zendesk__tickets", "zendesk:35436")] == "C1"
    assert keys[("zendesk__satisfaction_ratings", "zendesk:1002")] == "C1"
    assert keys[("shopify__orders", "shopify:450789469")] == "C1"
    assert keys[("shopify__orders", "shopify:450789476")] == "C1"
    assert keys[("helpdesk__tickets", "35436")] is None  # no customer of its own, no e-mail
    assert keys[("shopify__orders", "shopify:450789470")].startswith("guest:")


def test_shopify_status_amount_and_channel(shop):
    # Completed: 450789469 partially refunded 598.94 (web), 450789470 paid 100.00 (pos), the export's
    # #1007 paid 10.00 (web); the SPEC §1 order "450789469" 5 (web). Cancelled (cancelled_at, voided),
    # refunded and pending orders are not revenue.
    assert shop.value("revenue", "2026-03-01") == pytest.approx(713.94)
    assert shop.value("revenue", "2026-03-01", dimension="channel", value="web") == pytest.approx(613.94)
    assert shop.value("revenue", "2026-03-01", dimension="channel", value="pos") == pytest.approx(100.0)
    assert shop.value("average_order_value", "2026-03-01") == pytest.approx(713.94 / 4)
    assert shop.value("revenue", "2026-03-05", grain="daily") == pytest.approx(598.94)
    # The order cancelled on March 7 was paid on the 6th: only 100.00 counts that day.
    assert shop.value("revenue", "2026-03-06", grain="daily") == pytest.approx(100.0)
    statuses = dict(shop.query("select order_id, status from stg.shopify__orders"))
    assert statuses == {"450789469": "completed", "450789470": "completed", "450789471": "cancelled",
                        "450789472": "cancelled", "450789473": "refunded", "450789474": "pending",
                        "450789476": "completed"}
    # Buyers with a completed order in March: C1 (three orders, two not its first) and Zoe → 1 of 2.
    assert shop.value("repeat_purchase_rate", "2026-03-01") == pytest.approx(50.0)


def test_checkouts_are_carts_tied_to_orders_by_token(shop):
    # March 5: the checkout of order 450789469 and the documented abandoned one → 1 of 2 abandoned.
    assert shop.value("cart_abandonment_rate", "2026-03-05", grain="daily") == pytest.approx(50.0)
    # The month: 4 checkouts, 2 became orders (450789469, 450789470).
    assert shop.value("cart_abandonment_rate", "2026-03-01") == pytest.approx(50.0)


def test_every_vendor_row_read_is_loaded(shop):
    loaded = dict(shop.query("select entity, sum(rows_loaded) from raw.extract_files group by entity"))
    # The export's #1007 spans two lines (two line items) and is one order.
    assert loaded["shopify__orders"] == 8
    assert loaded["zendesk__tickets"] == 5
    assert loaded["zendesk__satisfaction_ratings"] == 5
    assert shop.query("select count(*) from quarantine.rejected_rows")[0][0] == 0
