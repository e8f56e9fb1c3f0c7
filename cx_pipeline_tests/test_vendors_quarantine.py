"""Bad vendor records (SPEC §3, §6): quarantined with the rule they broke and the column named by its path in
the vendor's object, never dropped; every row read is loaded or quarantined; the raw assets' checks say so;
an export that is no Shopify orders export fails its date with a message naming the file (Qualtrics's
export: test_vendors_reading)."""

import json

import pytest

from cx_pipeline_tests.vendor_examples import (hubspot_contact, qualtrics_response, qualtrics_responses_export,
                                               shopify_checkout, shopify_order, stripe_customer, stripe_subscription,
                                               stripe_subscription_item, zendesk_satisfaction_rating, zendesk_ticket,
                                               zendesk_ticket_metrics)

MARCH_2_9AM = 1772442000
"""2026-03-02T09:00:00Z in Unix seconds: 20514 days (2026-03-02) and 9 hours after 1970-01-01."""


@pytest.fixture(scope="module")
def loaded(scenario):
    raw, pipeline = scenario
    raw.write("reference/fx_rates", "2026-03-01", [{"date": "2026-03-01", "currency": "EUR", "rate_to_base": 1.1}])
    raw.write("zendesk/tickets", "2026-03-02", [
        zendesk_ticket(id=1, created_at="2026-03-02T09:00:00Z", updated_at="2026-03-02T09:00:00Z"),
        zendesk_ticket(id=2, created_at="yesterday", updated_at="2026-03-02T09:00:00Z"),
        zendesk_ticket(id=3, created_at="2026-03-02T09:00:00Z", updated_at=None),
    ], fmt="jsonl")
    metrics = [
        zendesk_ticket_metrics(**{"id": 10, "ticket_id": 1, "updated_at": "2026-03-02T10:00:00Z",
                                  "reply_time_in_minutes.calendar": 30}),
        zendesk_ticket_metrics(**{"id": 11, "ticket_id": 2, "updated_at": "2026-03-02T10:00:00Z",
                                  "reply_time_in_minutes.calendar": "soon"}),
        zendesk_ticket_metrics(**{"id": 12, "ticket_id": 3, "updated_at": "2026-03-02T10:00:00Z",
                                  "reply_time_in_minutes.calendar": -5}),
    ]
    (raw.root / "zendesk/ticket_metrics").mkdir(parents=True)
    (raw.root / "zendesk/ticket_metrics/2026-03-02.jsonl").write_text(
        "".join(json.dumps(m) + "\n" for m in metrics) + "{not json\n")
    raw.write("zendesk/satisfaction_ratings", "2026-03-02", [
        zendesk_satisfaction_rating(id=20, ticket_id=1, updated_at="2026-03-02T11:00:00Z"),
        zendesk_satisfaction_rating(id=21, ticket_id=None, updated_at="2026-03-02T11:00:00Z"),
    ], fmt="jsonl")
    order = lambda id_, **kw: shopify_order(**{"id": id_, "created_at": "2026-03-02T12:00:00Z",  # noqa: E731
                                               "updated_at": "2026-03-02T12:00:00Z", **kw})
    raw.write("shopify/orders", "2026-03-02", [
        order(30),
        order(31, total_price="-5.00"),
        order(32, currency="XYZ"),
        order(33, currency="eur"),
        order(33, currency="EUR"),
        order(34, total_price="199,00"),
        # EUR has a rate from March 1 only: this February order cannot be converted (quarantined at staging).
        order(35, currency="EUR", created_at="2026-02-20T12:00:00Z"),
    ], fmt="jsonl")
    raw.write("shopify/checkouts", "2026-03-02", [
        shopify_checkout(created_at="2026-03-02T12:00:00Z", updated_at="2026-03-02T12:00:00Z"),
        shopify_checkout(token=None, created_at="2026-03-02T12:00:00Z"),
    ], fmt="jsonl")
    raw.write("stripe/customers", "2026-03-02", [
        stripe_customer(created=MARCH_2_9AM),
        stripe_customer(id="cus_2", created=None),
    ], fmt="jsonl")
    subscription = lambda id_, **kw: stripe_subscription(**{  # noqa: E731
        "id": id_, "customer": "cus_NffrFeUfNV2Hib", "created": MARCH_2_9AM, "start_date": MARCH_2_9AM, **kw})
    raw.write("stripe/subscriptions", "2026-03-02", [
        subscription("sub_1", status="canceled", canceled_at=MARCH_2_9AM + 3600, ended_at=MARCH_2_9AM + 3600,
                     **{"items.data": [stripe_subscription_item(**{"price.unit_amount": 120000,
                                                                   "price.recurring.interval": "year"})]}),
        subscription("sub_2", customer=None),
        subscription("sub_3", **{"items.data": [stripe_subscription_item(**{"price.unit_amount": None})]}),
        subscription("sub_4", created=1e20),
        subscription("sub_5", ended_at=MARCH_2_9AM - 86400),
    ], fmt="jsonl")
    contact = lambda id_, **kw: hubspot_contact(**{  # noqa: E731
        "id": id_, "createdAt": "2026-03-02T09:00:00Z", "updatedAt": "2026-03-02T09:00:00Z", **kw})
    raw.write("hubspot/contacts", "2026-03-02", [
        contact("512", **{"properties.lifecyclestage": "customer"}),
        contact("513", properties={}),
        contact("514", updatedAt=None),
    ], fmt="jsonl")
    response = lambda id_, **kw: qualtrics_response(**{  # noqa: E731
        "responseId": id_, "values._recordId": id_, "values.recordedDate": "2026-03-02T10:00:00Z", **kw})
    raw.write("qualtrics/responses", "2026-03-02", [
        response("R_1"),
        response("R_2", **{"values.finished": 0}),
        response(None),
        response("R_4", **{"values.finished": "maybe"}),
    ], fmt="jsonl")
    (raw.root / "qualtrics/responses/2026-03-02.part2.csv").write_text(qualtrics_responses_export([
        {"ResponseId": "R_10", "RecordedDate": "2026-03-02 03:00:00", "Finished": "True", "Q1": "10"},
        {"ResponseId": "R_11", "RecordedDate": "2026-03-02 03:30:00", "Finished": "False", "Q1": "3"},
    ]))
    pipeline.backfill("2026-03-01", "2026-03-02")
    return pipeline


def test_each_bad_vendor_record_is_quarantined_with_its_rule(loaded):
    rows = loaded.query("select entity, row_number, rule, column_name from quarantine.rejected_rows "
                        "order by entity, row_number")
    assert [tuple(r) for r in rows] == [
        ("hubspot__contacts", 3, "missing_required_value", "updatedAt"),
        ("qualtrics__responses", 3, "missing_required_value", "responseId"),
        ("qualtrics__responses", 4, "unparseable_boolean", "values.finished"),
        ("shopify__checkouts", 2, "missing_required_value", "token"),
        ("shopify__orders", 2, "negative_amount", "total_price"),
        ("shopify__orders", 3, "unknown_currency", "currency"),
        ("shopify__orders", 4, "duplicate_key_in_file", "id"),
        ("shopify__orders", 5, "duplicate_key_in_file", "id"),
        ("shopify__orders", 6, "unparseable_number", "total_price"),
        ("shopify__orders", 7, "no_fx_rate", "currency"),
        ("stripe__customers", 2, "missing_required_value", "created"),
        ("stripe__subscriptions", 2, "missing_required_value", "customer"),
        ("stripe__subscriptions", 3, "unparseable_number", "monthly_amount"),
        ("stripe__subscriptions", 4, "unparseable_timestamp", "created"),
        ("stripe__subscriptions", 5, "ended_at_before_start_date", "ended_at"),
        ("zendesk__satisfaction_ratings", 2, "missing_required_value", "ticket_id"),
        ("zendesk__ticket_metrics", 2, "unparseable_number", "reply_time_in_minutes.calendar"),
        ("zendesk__ticket_metrics", 3, "negative_amount", "reply_time_in_minutes.calendar"),
        ("zendesk__ticket_metrics", 4, "invalid_json", None),
        ("zendesk__tickets", 2, "unparseable_timestamp", "created_at"),
        ("zendesk__tickets", 3, "missing_required_value", "updated_at"),
    ]


def test_a_quarantined_object_keeps_its_fields_and_says_why(loaded):
    (raw_row, detail), = loaded.query("select raw_row, detail from quarantine.rejected_rows "
                                      "where entity = 'zendesk__ticket_metrics' and row_number = 2")
    row = json.loads(raw_row)
    # The values read, named by their paths, and every field no column reads, nested as the API gave them.
    assert row["reply_time_in_minutes.calendar"] == "soon"
    assert row["ticket_id"] == "2"
    assert row["agent_wait_time_in_minutes"] == {"business": 737, "calendar": 2391}
    assert detail == "reply_time_in_minutes.calendar 'soon' is not a valid number"


def test_a_subscription_whose_items_cannot_be_read_says_which(loaded):
    (raw_row, detail), = loaded.query("select raw_row, detail from quarantine.rejected_rows "
                                      "where entity = 'stripe__subscriptions' and row_number = 3")
    assert detail == "monthly_amount 'item 1: price.unit_amount None is not a number' is not a valid number"
    assert json.loads(raw_row)["items"]["data"][0]["price"]["unit_amount"] is None


def test_every_vendor_row_read_is_loaded_or_quarantined(loaded):
    files = {f.rsplit("/raw/", 1)[1]: (read, ok, bad) for f, read, ok, bad in loaded.query(
        "select source_file, rows_read, rows_loaded, rows_quarantined from raw.extract_files "
        "where entity <> 'reference__fx_rates'")}
    assert files == {
        "stripe/customers/2026-03-02.jsonl": (2, 1, 1),
        "stripe/subscriptions/2026-03-02.jsonl": (5, 1, 4),
        "hubspot/contacts/2026-03-02.jsonl": (3, 2, 1),
        # Unfinished responses are loaded (and counted nowhere downstream).
        "qualtrics/responses/2026-03-02.jsonl": (4, 2, 2),
        # The export's second and third header rows are no records: neither loaded nor quarantined.
        "qualtrics/responses/2026-03-02.part2.csv": (2, 2, 0),
        "zendesk/tickets/2026-03-02.jsonl": (3, 1, 2),
        "zendesk/ticket_metrics/2026-03-02.jsonl": (4, 1, 3),
        "zendesk/satisfaction_ratings/2026-03-02.jsonl": (2, 1, 1),
        "shopify/orders/2026-03-02.jsonl": (7, 2, 5),
        "shopify/checkouts/2026-03-02.jsonl": (2, 1, 1),
    }


def test_vendor_validation_shows_as_asset_checks(loaded):
    checks = {(e.asset_key.to_user_string(), e.check_name): e
              for e in loaded.results[0].get_asset_check_evaluations()}
    assert checks[("raw_shopify__orders", "rows_reconciled")].passed
    assert checks[("raw_shopify__orders", "files_readable")].passed
    expectations = checks[("raw_shopify__orders", "expectations")]
    assert not expectations.passed
    assert expectations.metadata["negative_amount:total_price"].value == 1
    assert expectations.metadata["unknown_currency:currency"].value == 1


def test_the_good_vendor_rows_load_with_their_values(loaded):
    # "total_price": "598.94", money as the API writes it, a string
    assert [tuple(r) for r in loaded.query("select order_id, amount, currency from stg.shopify__orders "
                                           "order by order_id")] == [("30", 598.94, "USD"), ("35", 598.94, "EUR")]
    assert [tuple(r) for r in loaded.query("select ticket_id, channel, status from stg.zendesk__tickets")] == \
        [("1", "web", "open")]


def test_the_good_new_vendor_rows_load_typed(loaded):
    # 120000 cents a year is 100.00 a month; Stripe's "canceled" folds to "cancelled", its Unix seconds are UTC.
    assert [tuple(r) for r in loaded.query(
        "select id, status, monthly_amount, currency, cast(start_date as varchar), cast(ended_at as varchar) "
        "from raw.stripe__subscriptions")] == [
        ("sub_1", "cancelled", 100.0, "USD", "2026-03-02 09:00:00+00", "2026-03-02 10:00:00+00")]
    # America/Denver is UTC-7 on March 2: the CSV export's local times are those of 10:00 and 10:30 UTC.
    assert [tuple(r) for r in loaded.query("select response_id, finished, cast(recorded_at as varchar) "
                                           "from raw.qualtrics__responses order by response_id")] == [
        ("R_1", True, "2026-03-02 10:00:00+00"), ("R_10", True, "2026-03-02 10:00:00+00"),
        ("R_11", False, "2026-03-02 10:30:00+00"), ("R_2", False, "2026-03-02 10:00:00+00")]
    assert [tuple(r) for r in loaded.query("select id, email from raw.hubspot__contacts order by id")] == [
        ("512", "bh@hubspot.com"), ("513", None)]


def test_a_file_that_is_no_orders_export_fails_its_date_naming_the_file(pipeline, raw):
    path = raw.write("shopify/orders", "2026-03-02", [{"Name": "#1", "Email": "a@b.test", "Total": "1.00"}])
    results = pipeline.backfill("2026-03-02", "2026-03-02", raise_on_error=False)
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in results[0].get_asset_check_evaluations()}
    readable = checks[("raw_shopify__orders", "files_readable")]
    assert not readable.passed
    assert str(path) in readable.description
    assert "is not Shopify's orders export: no column 'financial status'" in readable.description
