"""One customer across all five systems (SPEC §6): HubSpot contacts are the customer master; Stripe
subscriptions, Shopify orders, Zendesk requesters and Qualtrics respondents are tied to them by e-mail. Seven
people, objects shaped like the vendors' documented examples (cx_pipeline_tests/vendor_examples.py), through
the real raw assets, dbt models and metric tables; every expected value is worked out by hand in the
comments. April 2026 is the month measured, March sets who was active before it.

    person  HubSpot (segment = lifecyclestage, country)   Stripe subscription                 other
    ann     101 customer, United States                   sub_A 30.00/month since Mar 1       NPS 10, CSAT 2/5
    bob     102 customer, Germany                         sub_B 60.00/month, ended Apr 10     NPS 3, CES 6/7
    cat     103 customer, Germany                         sub_C 1,200.00/year since Mar 1     NPS 8
    dan     104 evangelist, Japan                         sub_D 45.00/month, canceled Apr 20  NPS 9, Zendesk good
    eve     105 evangelist, no country                    —                                   Shopify order Mar 20
    fay     106 no lifecyclestage                         sub_F 20.00/month, to cancel at     —
                                                          the period's end (still running)
    gus     no contact (a guest)                          sub_G 2 × 10.00 + 5.00 from Apr 5   NPS 10
"""

import datetime as dt

import pytest

from cx_pipeline_tests.vendor_examples import (hubspot_contact, qualtrics_response, shopify_order, stripe_customer,
                                               stripe_subscription, stripe_subscription_item,
                                               zendesk_satisfaction_rating, zendesk_ticket, zendesk_user)


def _unix(day: str) -> int:
    return int(dt.datetime.fromisoformat(f"{day}T00:00:00+00:00").timestamp())


def _contact(id_: str, email: str, country: str | None, stage: str | None) -> dict:
    properties = {"email": email, "country": country, "lifecyclestage": stage}
    return hubspot_contact(id=id_, createdAt="2026-02-01T09:00:00.000Z", updatedAt="2026-02-01T09:00:00.000Z",
                           **{f"properties.{k}": v for k, v in properties.items() if v is not None})


def _subscription(id_: str, customer: str, start: str, items: list[tuple[int, str, int]], *, status: str = "active",
                  ended: str | None = None, canceled: str | None = None) -> dict:
    """items: (unit_amount in cents, interval, quantity)."""
    return stripe_subscription(**{
        "id": id_, "customer": customer, "start_date": _unix(start), "created": _unix(start), "status": status,
        "ended_at": _unix(ended) if ended else None, "canceled_at": _unix(canceled) if canceled else None,
        "items.data": [stripe_subscription_item(**{"price.unit_amount": amount, "price.recurring.interval": interval,
                                                   "quantity": quantity})
                       for amount, interval, quantity in items]})


_METADATA = {k: v for k, v in qualtrics_response()["values"].items() if not k.startswith("QID")}
"""The documented response's values without its answers."""


def _answers(response_id: str, email: str, recorded: str, finished: int = 1, **answers: object) -> dict:
    return qualtrics_response(responseId=response_id, values={
        **_METADATA, "_recordId": response_id, "recordedDate": recorded, "finished": finished,
        "recipientEmail": email, **answers})


@pytest.fixture(scope="module")
def five(scenario):
    raw, pipeline = scenario
    raw.write("hubspot/contacts", "2026-03-01", [
        _contact("101", "ann@a.test", "United States", "customer"),
        _contact("102", "bob@b.test", "Germany", "customer"),
        _contact("103", "cat@c.test", "Germany", "customer"),
        _contact("104", "dan@d.test", "Japan", "evangelist"),
        _contact("105", "eve@e.test", None, "evangelist"),
        _contact("106", "fay@f.test", "United States", None),
    ], fmt="jsonl")
    raw.write("stripe/customers", "2026-03-01", [
        stripe_customer(id="cus_A", email="ann@a.test"), stripe_customer(id="cus_B", email=" Bob@B.test"),
        stripe_customer(id="cus_C", email="cat@c.test"), stripe_customer(id="cus_D", email="dan@d.test"),
        stripe_customer(id="cus_F", email="fay@f.test"), stripe_customer(id="cus_G", email="gus@g.test"),
    ], fmt="jsonl")
    raw.write("stripe/subscriptions", "2026-03-01", [
        _subscription("sub_A", "cus_A", "2026-03-01", [(3000, "month", 1)]),
        _subscription("sub_B", "cus_B", "2026-03-01", [(6000, "month", 1)]),
        _subscription("sub_C", "cus_C", "2026-03-01", [(120000, "year", 1)]),
        _subscription("sub_F", "cus_F", "2026-03-01", [(2000, "month", 1)]),
    ], fmt="jsonl")
    raw.write("stripe/subscriptions", "2026-03-15", [
        _subscription("sub_D", "cus_D", "2026-03-15", [(4500, "month", 1)]),
    ], fmt="jsonl")
    raw.write("shopify/orders", "2026-03-20", [
        shopify_order(**{"id": 820982911946154508, "email": "eve@e.test", "customer.email": "eve@e.test",
                         "created_at": "2026-03-20T10:00:00Z", "updated_at": "2026-03-20T10:00:00Z",
                         "financial_status": "paid", "total_price": "50.00", "checkout_token": None}),
    ], fmt="jsonl")
    raw.write("stripe/subscriptions", "2026-04-05", [
        _subscription("sub_G", "cus_G", "2026-04-05", [(1000, "month", 2), (500, "month", 1)]),
    ], fmt="jsonl")
    # Stripe sends no update time: the later extract is the later version.
    raw.write("stripe/subscriptions", "2026-04-10", [
        _subscription("sub_B", "cus_B", "2026-03-01", [(6000, "month", 1)], status="canceled",
                      ended="2026-04-10", canceled="2026-04-10"),
    ], fmt="jsonl")
    raw.write("stripe/subscriptions", "2026-04-15", [
        # canceled at the period's end: canceled_at is set, the subscription still runs
        _subscription("sub_F", "cus_F", "2026-03-01", [(2000, "month", 1)], canceled="2026-04-15"),
    ], fmt="jsonl")
    raw.write("stripe/subscriptions", "2026-04-20", [
        # canceled with no ended_at: it ends at canceled_at
        _subscription("sub_D", "cus_D", "2026-03-15", [(4500, "month", 1)], status="canceled", canceled="2026-04-20"),
    ], fmt="jsonl")
    raw.write("zendesk/users", "2026-04-01", [zendesk_user(id=9001, email="DAN@d.test", role="end-user", name="Dan")],
              fmt="jsonl")
    raw.write("zendesk/tickets", "2026-04-01", [
        zendesk_ticket(**{"id": 501, "created_at": "2026-04-01T09:00:00Z", "updated_at": "2026-04-01T12:00:00Z",
                          "status": "solved", "via.channel": "email", "requester_id": 9001, "group_id": None,
                          "assignee_id": None}),
    ], fmt="jsonl")
    raw.write("zendesk/satisfaction_ratings", "2026-04-02", [
        zendesk_satisfaction_rating(id=601, ticket_id=501, score="good", updated_at="2026-04-02T08:00:00Z",
                                    created_at="2026-04-02T08:00:00Z", requester_id=9001),
    ], fmt="jsonl")
    raw.write("qualtrics/responses", "2026-04-12", [
        _answers("R_1", "ann@a.test", "2026-04-12T10:00:00Z", QID1=10),
        _answers("R_2", "bob@b.test", "2026-04-12T11:00:00Z", QID1=3, QID3=6),
        _answers("R_3", "cat@c.test", "2026-04-12T12:00:00Z", QID1=8),
        _answers("R_4", "dan@d.test", "2026-04-12T13:00:00Z", QID1=9),
        _answers("R_5", "eve@e.test", "2026-04-12T14:00:00Z", finished=0, QID1=2),
        _answers("R_6", "gus@g.test", "2026-04-12T15:00:00Z", QID1=10),
        _answers("R_7", "nobody@x.test", "2026-04-12T16:00:00Z", QID2=4),
        _answers("R_8", "ann@a.test", "2026-04-12T17:00:00Z", QID1="", QID2=2),
        # off the NPS scale (0–10, whole numbers): quarantined, counted nowhere
        _answers("R_9", "hal@h.test", "2026-04-12T18:00:00Z", QID1=11),
        _answers("R_10", "hal@h.test", "2026-04-12T19:00:00Z", QID1=7.5),
    ], fmt="jsonl")
    pipeline.backfill("2026-03-01", "2026-04-30")
    return pipeline


def test_nps_counts_finished_qualtrics_answers_by_the_segment_of_the_hubspot_contact(five):
    # QID1 answered: ann 10, bob 3, cat 8, dan 9, gus 10 (eve's response is unfinished; ann's R_8 left it
    # blank). Promoters ann, dan, gus; detractor bob: 100 × (3 − 1) / 5 = 40.
    assert five.value("nps", "2026-04-01") == pytest.approx(40.0)
    assert five.metric("nps", "2026-04-01").sample_size == 5
    # customer: ann 10, bob 3, cat 8 → (1 − 1) / 3 = 0; evangelist: dan 9 → 100; the guest gus → unknown, 100.
    assert five.value("nps", "2026-04-01", dimension="segment", value="customer") == pytest.approx(0.0)
    assert five.value("nps", "2026-04-01", dimension="segment", value="evangelist") == pytest.approx(100.0)
    assert five.value("nps", "2026-04-01", dimension="segment", value="unknown") == pytest.approx(100.0)
    # Regions are countries: Germany holds bob 3 and cat 8 → (0 − 1) / 2 = −50.
    assert five.value("nps", "2026-04-01", dimension="region", value="germany") == pytest.approx(-50.0)
    assert five.value("nps", "2026-04-01", dimension="region", value="united_states") == pytest.approx(100.0)


def test_csat_and_ces_from_qualtrics_beside_zendesk(five):
    # CSAT: nobody's QID2 4 on 1–5 (position 0.75: satisfied, 4 on 1–5), ann's 2 (0.25: not, 2), Zendesk
    # good (dan: satisfied, 5) → 2 of 3, mean (4 + 2 + 5) / 3.
    assert five.value("csat_pct", "2026-04-01") == pytest.approx(200 / 3)
    assert five.value("csat_avg", "2026-04-01") == pytest.approx(11 / 3)
    # CES: bob's 6 on 1–7 with 7 = easy is effort (7 − 6) / 6 = 1/6 of the scale: 1 + 4 / 6 on 1–5, easy.
    assert five.value("ces_avg", "2026-04-01") == pytest.approx(1 + 4 / 6)
    assert five.value("ces_easy_pct", "2026-04-01") == pytest.approx(100.0)
    assert five.value("ces_avg", "2026-04-01", dimension="segment", value="customer") == pytest.approx(1 + 4 / 6)


def test_churn_and_retention_across_stripe_shopify_and_hubspot(five):
    # Active on March 31 (S): ann, bob, cat, dan, fay (subscriptions), eve (order of March 20) = 6.
    # Active on April 30 (E): ann, cat, fay (canceled at the period's end, still running), eve (90 days from
    # March 20), gus (new, N = 1) = 5. Churned = 6 − (5 − 1) = 2 (bob, dan): 33.3 %.
    assert five.value("active_customers", "2026-04-01") == 5
    assert five.value("new_customers", "2026-04-01") == 1
    assert five.value("churned_customers", "2026-04-01") == 2
    assert five.value("churn_rate", "2026-04-01") == pytest.approx(100 / 3)
    assert five.value("retention_rate", "2026-04-01") == pytest.approx(200 / 3)
    # customer: S = ann, bob, cat; E = ann, cat → 1 of 3. evangelist: S = dan, eve; E = eve → 1 of 2.
    # unknown: S = fay; E = fay, gus (new) → 0.
    assert five.value("churn_rate", "2026-04-01", dimension="segment", value="customer") == pytest.approx(100 / 3)
    assert five.value("churn_rate", "2026-04-01", dimension="segment", value="evangelist") == pytest.approx(50.0)
    assert five.value("churn_rate", "2026-04-01", dimension="segment", value="unknown") == pytest.approx(0.0)


def test_revenue_and_ltv_from_stripe_items(five):
    # April fees by active day (30 days): ann 30; bob 60 × 9 / 30 = 18 (to April 9); cat 1,200 / 12 = 100;
    # dan 45 × 19 / 30 = 28.5 (to April 19); fay 20; gus (2 × 10 + 5) × 26 / 30 (from April 5).
    gus = 25 * 26 / 30
    revenue = 30 + 18 + 100 + 28.5 + 20 + gus
    assert five.value("revenue", "2026-04-01") == pytest.approx(revenue)
    # Seven customers active on some day of April; ltv = arpu × 100 / churn_rate.
    assert five.value("arpu", "2026-04-01") == pytest.approx(revenue / 7)
    assert five.value("ltv", "2026-04-01") == pytest.approx(revenue / 7 * 100 / (100 / 3))
    # customer: (30 + 18 + 100) / 3 at 33.3 % churn → 148; evangelist: dan 28.5 / 2 (dan, eve) at 50 % → 28.5.
    assert five.value("ltv", "2026-04-01", dimension="segment", value="customer") == pytest.approx(148.0)
    assert five.value("ltv", "2026-04-01", dimension="segment", value="evangelist") == pytest.approx(28.5)
    # unknown: fay and gus, no churn: no lifetime to speak of.
    assert five.value("ltv", "2026-04-01", dimension="segment", value="unknown") is None


def test_each_vendor_record_is_tied_to_the_hubspot_contact_of_its_email(five):
    keys = {(entity, record): (key, rule) for entity, record, key, rule in five.query(
        "select entity, record_id, customer_key, identity_rule from intermediate.customer_keys")}
    assert keys[("stripe__subscriptions", "stripe:sub_B")] == ("hubspot:102", "email_match")
    assert keys[("qualtrics__responses", "qualtrics:R_4:nps")] == ("hubspot:104", "email_match")
    assert keys[("zendesk__tickets", "zendesk:501")] == ("hubspot:104", "email_match")
    assert keys[("shopify__orders", "shopify:820982911946154508")] == ("hubspot:105", "email_match")
    assert keys[("stripe__subscriptions", "stripe:sub_G")][1] == "guest"
    assert keys[("qualtrics__responses", "qualtrics:R_6:nps")][0] == keys[("stripe__subscriptions", "stripe:sub_G")][0]
    # The unfinished response is loaded and counted nowhere.
    finished = dict(five.query("select response_id, is_finished from stg.qualtrics__responses"))
    assert len(finished) == 10 and finished["R_5"] is False


def test_answers_off_their_scale_are_quarantined_by_the_sql(five):
    rejected = five.query("select entity, row_number, raw_row, rule, column_name, detail, stage "
                          "from quarantine.rejected_rows order by row_number")
    assert [tuple(r) for r in rejected] == [
        ("qualtrics__responses", 9, "responseId=R_9, QID1=11", "score_out_of_scale", "values.QID1",
         "score 11 of QID1 (nps) is outside its scale 0–10", "staging"),
        ("qualtrics__responses", 10, "responseId=R_10, QID1=7.5", "score_out_of_scale", "values.QID1",
         "score 7.5 of QID1 (nps) is outside its scale 0–10", "staging"),
    ]
