"""The nightly run over vendor objects (SPEC §3, §6): after a change to a vendor extract (a re-sent file
without a record, a rating answered later, a group renamed, an order refunded, a CRM e-mail changed, a Stripe
subscription canceled, a HubSpot contact's segment changed, a late Qualtrics response), every table of marts equals a clean backfill of the same raw data. The oracle and the nightly run
are those of test_nightly_equals_backfill.py; DuckDB only, as there."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import dagster as dg
import pytest
import sqlalchemy as sa

from cx_pipeline_tests.conftest import RawFiles
from cx_pipeline_tests.test_nightly_equals_backfill import (START, clean_backfill, differing_records, differing_rows,
                                                           marts, nightly, tables_of)
from cx_pipeline_tests.vendor_examples import (hubspot_contact, qualtrics_response, shopify_checkout, shopify_order,
                                               stripe_customer, stripe_subscription, zendesk_group,
                                               zendesk_satisfaction_rating, zendesk_ticket, zendesk_ticket_metrics,
                                               zendesk_user)

BACKFILLED_TO = dt.date(2026, 1, 20)
NIGHT = dt.date(2026, 1, 21)


def _order(id_, financial_status, updated_at, **changes):
    return shopify_order(**{"id": id_, "created_at": "2026-01-09T10:00:00Z", "updated_at": updated_at,
                            "email": "ann@example.com", "customer.email": "ann@example.com",
                            "financial_status": financial_status, **changes})


def _write_vendor_data(raw: RawFiles) -> None:
    raw.write("crm/customers", "2026-01-05", [
        {"customer_id": "C1", "updated_at": "2026-01-05T00:00:00Z", "email": "ann@example.com", "segment": "smb"}])
    raw.write("zendesk/users", "2026-01-05", [zendesk_user(id=1, email="ANN@example.com", role="end-user"),
                                             zendesk_user(id=2, email="zoe@guest.test", role="end-user")],
              fmt="jsonl")
    raw.write("zendesk/groups", "2026-01-05", [zendesk_group(id=10, name="Tier 1")], fmt="jsonl")
    raw.write("zendesk/tickets", "2026-01-06", [
        zendesk_ticket(**{"id": 100, "created_at": "2026-01-06T09:00:00Z", "updated_at": "2026-01-07T09:00:00Z",
                          "status": "solved", "group_id": 10, "requester_id": 1, "via.channel": "email"}),
        zendesk_ticket(**{"id": 101, "created_at": "2026-01-06T10:00:00Z", "updated_at": "2026-01-07T10:00:00Z",
                          "status": "closed", "group_id": 10, "requester_id": 2, "via.channel": "web"}),
    ], fmt="jsonl")
    raw.write("zendesk/ticket_metrics", "2026-01-07", [
        zendesk_ticket_metrics(**{"id": 200, "ticket_id": 100, "reply_time_in_minutes.calendar": 90,
                                  "solved_at": "2026-01-07T09:00:00Z", "updated_at": "2026-01-07T09:00:00Z"}),
        zendesk_ticket_metrics(**{"id": 201, "ticket_id": 101, "reply_time_in_minutes.calendar": 15,
                                  "solved_at": "2026-01-08T10:00:00Z", "updated_at": "2026-01-08T10:00:00Z"}),
    ], fmt="jsonl")
    raw.write("zendesk/satisfaction_ratings", "2026-01-08", [
        zendesk_satisfaction_rating(id=300, ticket_id=100, score="offered", requester_id=1,
                                    updated_at="2026-01-08T08:00:00Z"),
        zendesk_satisfaction_rating(id=301, ticket_id=101, score="bad", requester_id=2,
                                    updated_at="2026-01-08T11:00:00Z"),
    ], fmt="jsonl")
    raw.write("shopify/orders", "2026-01-09", [
        _order(400, "paid", "2026-01-09T10:00:00Z", checkout_token="k1"),
        _order(401, "paid", "2026-01-09T11:00:00Z", checkout_token=None, email="zoe@guest.test",
               **{"customer.email": "zoe@guest.test"}),
    ], fmt="jsonl")
    raw.write("shopify/checkouts", "2026-01-09", [
        shopify_checkout(token="k1", email="ann@example.com", created_at="2026-01-09T09:50:00Z",
                         updated_at="2026-01-09T09:50:00Z"),
        shopify_checkout(token="k2", email="zoe@guest.test", created_at="2026-01-09T09:55:00Z",
                         updated_at="2026-01-09T09:55:00Z"),
    ], fmt="jsonl")
    _crm_part_two(raw, "2026-01-02")
    _qualtrics(raw, "2026-01-10", "R_A", 9)


def _crm_part_two(raw: RawFiles, day: str, *, stage: str = "customer", canceled: bool = False) -> None:
    """Bea: a HubSpot contact billed in Stripe since January 2 (until the night, when ``canceled``)."""
    unix = int(dt.datetime.fromisoformat(f"{day}T00:00:00+00:00").timestamp())
    start = int(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc).timestamp())
    raw.write("hubspot/contacts", day, [hubspot_contact(**{
        "id": "77", "properties.email": "bea@example.com", "properties.lifecyclestage": stage,
        "createdAt": "2026-01-02T00:00:00Z", "updatedAt": f"{day}T00:00:00Z"})], fmt="jsonl")
    raw.write("stripe/customers", day, [stripe_customer(id="cus_B", email="bea@example.com")], fmt="jsonl")
    raw.write("stripe/subscriptions", day, [stripe_subscription(**{
        "id": "sub_B", "customer": "cus_B", "start_date": start,
        **({"status": "canceled", "canceled_at": unix, "ended_at": unix} if canceled else {})})], fmt="jsonl")


def _qualtrics(raw: RawFiles, day: str, response_id: str, score: int) -> None:
    raw.write("qualtrics/responses", day, [qualtrics_response(**{
        "responseId": response_id, "values.recordedDate": f"{day}T12:00:00Z",
        "values.recipientEmail": "bea@example.com", "values.QID1": score})], fmt="jsonl")


def _resend_metrics_without_ticket_100(raw: RawFiles) -> dt.date:
    path = raw.root / "zendesk/ticket_metrics/2026-01-07.jsonl"
    kept = [line for line in path.read_text().splitlines() if json.loads(line)["ticket_id"] != 100]
    path.write_text("".join(line + "\n" for line in kept))
    return dt.date(2026, 1, 7)


def _rating_answered_later(raw: RawFiles) -> dt.date:
    raw.write("zendesk/satisfaction_ratings", NIGHT.isoformat(), [
        zendesk_satisfaction_rating(id=300, ticket_id=100, score="good", requester_id=1,
                                    updated_at="2026-01-21T08:00:00Z")], fmt="jsonl")
    return NIGHT


def _group_renamed(raw: RawFiles) -> dt.date:
    raw.write("zendesk/groups", NIGHT.isoformat(), [zendesk_group(id=10, name="Tier 2",
                                                                  updated_at="2026-01-21T08:00:00Z")], fmt="jsonl")
    return NIGHT


def _order_refunded_and_checkout_token_set(raw: RawFiles) -> dt.date:
    raw.write("shopify/orders", NIGHT.isoformat(), [
        _order(400, "refunded", "2026-01-21T08:00:00Z", checkout_token="k1"),
        _order(401, "paid", "2026-01-21T09:00:00Z", checkout_token="k2", email="zoe@guest.test",
               **{"customer.email": "zoe@guest.test"})], fmt="jsonl")
    return NIGHT


def _crm_email_changed(raw: RawFiles) -> dt.date:
    raw.write("crm/customers", NIGHT.isoformat(), [
        {"customer_id": "C1", "updated_at": "2026-01-21T00:00:00Z", "email": "zoe@guest.test", "segment": "smb"}])
    return NIGHT


def _stripe_subscription_canceled(raw: RawFiles) -> dt.date:
    _crm_part_two(raw, NIGHT.isoformat(), canceled=True)
    return NIGHT


def _hubspot_segment_changed(raw: RawFiles) -> dt.date:
    _crm_part_two(raw, NIGHT.isoformat(), stage="evangelist")
    return NIGHT


def _late_qualtrics_response(raw: RawFiles) -> dt.date:
    _qualtrics(raw, NIGHT.isoformat(), "R_B", 3)
    return NIGHT


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    root = tmp_path_factory.mktemp("vendors_nightly")
    _write_vendor_data(RawFiles(root / "raw"))
    instance = dg.DagsterInstance.ephemeral()
    clean_backfill(root / "raw", root / "nightly.duckdb", BACKFILLED_TO, instance)
    shutil.copy(root / "nightly.duckdb", root / "backfilled.duckdb")
    return root, instance


@pytest.mark.parametrize("change", [_resend_metrics_without_ticket_100, _rating_answered_later, _group_renamed,
                                    _order_refunded_and_checkout_token_set, _crm_email_changed,
                                    _stripe_subscription_canceled, _hubspot_segment_changed,
                                    _late_qualtrics_response])
def test_a_nightly_run_after_a_vendor_change_leaves_marts_as_a_clean_backfill_would(backfilled, tmp_path, change):
    root, instance = backfilled
    shutil.copytree(root / "raw", tmp_path / "raw")
    shutil.copy(root / "backfilled.duckdb", root / "nightly.duckdb")
    night = change(RawFiles(tmp_path / "raw"))

    outcomes = nightly(tmp_path / "raw", root / "nightly.duckdb", night, instance)
    assert all(o.success for o in outcomes), [o.errors for o in outcomes]
    clean_backfill(tmp_path / "raw", tmp_path / "backfill.duckdb", max(BACKFILLED_TO, night))
    # A night's new records are followed into intermediate; a re-sent file without a record is only seen by
    # rebuilding it whole.
    identity = instance.get_latest_materialization_event(dg.AssetKey("int_customer_keys"))
    expected = "rebuilt whole" if change is _resend_metrics_without_ticket_100 else "changes loaded after"
    assert identity.asset_materialization.metadata["build"].value.startswith(expected)
    engine = sa.create_engine(f"duckdb:///{root / 'nightly.duckdb'}", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        dropped = conn.execute(sa.text("select entity, extract_date, keys_dropped from raw.extract_date_loads "
                                       "where keys_dropped > 0")).all()
    engine.dispose()
    assert dropped == ([("zendesk__ticket_metrics", dt.date(2026, 1, 7), 1)]
                       if change is _resend_metrics_without_ticket_100 else [])
    assert differing_records(tables_of(root / "nightly.duckdb", "intermediate"),
                             tables_of(tmp_path / "backfill.duckdb", "intermediate")) == {}
    nightly_marts, backfill_marts = marts(root / "nightly.duckdb"), marts(tmp_path / "backfill.duckdb")
    assert differing_rows(nightly_marts, backfill_marts) == {}
    assert START <= night
