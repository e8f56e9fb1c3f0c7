"""The vendor reader (SPEC §6): a field is read from the object by its path whatever the file's format —
nested as the API returns it, flattened by dlt (``via__channel``) or named by its path in a CSV header —
and the fields no column reads are kept as ``_extra``. The reader alone, as test_reading_properties calls
it."""

import datetime as dt
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cx_pipeline.entities import ENTITIES_BY_TABLE
from cx_pipeline.extracts import ExtractError, read_extract
from cx_pipeline.validation.parsing import fold_enum, parse_booleans, parse_timestamps
from cx_pipeline_tests.vendor_examples import (hubspot_contact, qualtrics_response, qualtrics_responses_export,
                                               stripe_customer, stripe_subscription, stripe_subscription_item,
                                               zendesk_ticket)

TICKETS = ENTITIES_BY_TABLE["zendesk__tickets"]
DAY = dt.date(2026, 3, 2)


def _values(extract, column):
    return extract.table.column(column).to_pylist()


def test_nested_fields_are_read_by_their_path(tmp_path):
    path = tmp_path / "2026-03-02.jsonl"
    path.write_text(json.dumps(zendesk_ticket(**{"via.channel": "voice"})) + "\n")
    extract = read_extract(path, DAY, TICKETS)
    assert _values(extract, "via_channel") == ["voice"]
    assert _values(extract, "id") == ["35436"]
    extra = json.loads(extract.extra_json[0])
    # Every field of the documented example that no column reads, nested values kept.
    assert extra["satisfaction_rating"] == {"comment": "Great support!", "id": 1234, "score": "good"}
    assert extra["tags"] == ["enterprise", "other_tag"]
    assert "via" not in extra and "id" not in extra


@pytest.mark.parametrize("fmt", ["jsonl_dlt", "parquet", "csv"])
def test_every_format_gives_the_same_values(tmp_path, fmt):
    ticket = {"id": 35436, "created_at": "2026-03-02T09:00:00Z", "updated_at": "2026-03-02T09:00:00Z",
              "status": "open", "via": {"channel": "web", "source": {"rel": None}}, "requester_id": 20978392}
    if fmt == "jsonl_dlt":
        # dlt's default normalisation: nested objects flattened into `parent__child` columns.
        path = tmp_path / "2026-03-02.jsonl"
        flat = {k: v for k, v in ticket.items() if k != "via"} | {"via__channel": "web", "_dlt_id": "x1"}
        path.write_text(json.dumps(flat) + "\n")
    elif fmt == "parquet":
        path = tmp_path / "2026-03-02.parquet"
        pq.write_table(pa.Table.from_pylist([ticket | {"via": {"channel": "web"}}]), path)
    else:
        path = tmp_path / "2026-03-02.csv"
        path.write_text("id,created_at,updated_at,status,via.channel,requester_id\n"
                        "35436,2026-03-02T09:00:00Z,2026-03-02T09:00:00Z,open,web,20978392\n")
    extract = read_extract(path, DAY, TICKETS)
    assert _values(extract, "via_channel") == ["web"]
    assert _values(extract, "id") == ["35436"]
    assert _values(extract, "requester_id") == ["20978392"]
    assert extract.row_numbers.tolist() == [1]


SUBSCRIPTIONS = ENTITIES_BY_TABLE["stripe__subscriptions"]
CUSTOMERS = ENTITIES_BY_TABLE["stripe__customers"]
CONTACTS = ENTITIES_BY_TABLE["hubspot__contacts"]
RESPONSES = ENTITIES_BY_TABLE["qualtrics__responses"]


def _read_objects(tmp_path, entity, objects):
    path = tmp_path / "2026-03-02.jsonl"
    path.write_text("".join(json.dumps(obj) + "\n" for obj in objects))
    return read_extract(path, DAY, entity)


def _item(unit_amount, interval, interval_count=1, quantity=1):
    return stripe_subscription_item(**{"price.unit_amount": unit_amount, "price.recurring.interval": interval,
                                       "price.recurring.interval_count": interval_count, "quantity": quantity})


@pytest.mark.parametrize("items, monthly", [
    # The documented item: 1000 cents a month.
    ([stripe_subscription_item()], 10.0),
    # 120000 cents a year: 1200.00 / 12.
    ([_item(120000, "year")], 100.0),
    # Both: 10.00 + 100.00.
    ([stripe_subscription_item(), _item(120000, "year")], 110.0),
    # 3 × 1200 cents every 2 weeks: 18.00 a week, × 52 / 12 = 78.00 a month.
    ([_item(1200, "week", interval_count=2, quantity=3)], 78.0),
    # 1000 cents every 3 days: 10.00 / 3 a day, × 365 / 12 = 3650 / 36 = 101.388… a month.
    ([_item(1000, "day", interval_count=3)], 3650 / 36),
    # 3000 cents a quarter (every 3 months), quantity and interval_count absent count 1 each.
    ([stripe_subscription_item(**{"price.unit_amount": 3000, "price.recurring.interval_count": 3,
                                  "quantity": None})], 10.0),
    ([], None),
])
def test_a_stripe_subscription_bills_its_items_per_month(tmp_path, items, monthly):
    subscription = stripe_subscription(**{"items.data": items})
    extract = _read_objects(tmp_path, SUBSCRIPTIONS, [subscription])
    # The amount as the number column reads it: the float written out.
    assert _values(extract, "monthly_amount") == [None if monthly is None else str(monthly)]
    # The items are kept as Stripe gave them.
    assert json.loads(extract.extra_json[0])["items"]["data"] == items


def test_a_subscription_without_items_has_no_monthly_amount(tmp_path):
    subscription = {k: v for k, v in stripe_subscription().items() if k != "items"}
    assert _values(_read_objects(tmp_path, SUBSCRIPTIONS, [subscription]), "monthly_amount") == [None]


@pytest.mark.parametrize("item, problem", [
    (_item(None, "month"), "item 1: price.unit_amount None is not a number"),
    (_item("ten", "month"), "item 1: price.unit_amount 'ten' is not a number"),
    (_item(1000, "fortnight"), "item 1: price.recurring.interval 'fortnight' is not day, week, month or year"),
    (_item(1000, "month", interval_count=0), "item 1: price.recurring.interval_count 0 is not positive"),
    ({"id": "si_x", "quantity": 1}, "item 1 of items.data has no price"),
])
def test_an_item_that_cannot_be_read_leaves_a_monthly_amount_that_is_no_number(tmp_path, item, problem):
    extract = _read_objects(tmp_path, SUBSCRIPTIONS, [stripe_subscription(**{"items.data": [item]})])
    assert _values(extract, "monthly_amount") == [problem]


def test_unix_seconds_in_a_timestamp_column_are_read_as_utc(tmp_path):
    extract = _read_objects(tmp_path, SUBSCRIPTIONS, [
        # 1679609767 = 19439 days (2023-03-23) and 80167 s (22:16:07) after 1970-01-01T00:00:00Z
        stripe_subscription(),
        stripe_subscription(id="sub_2", start_date=1679609767.5, ended_at="2023-04-01T00:00:00Z", created=1e20,
                            canceled_at=True),
    ])
    assert _values(extract, "start_date") == ["2023-03-23T22:16:07+00:00", "2023-03-23T22:16:07.500000+00:00"]
    assert _values(extract, "created") == ["2023-03-23T22:16:07+00:00", "1e+20"]
    assert _values(extract, "ended_at") == [None, "2023-04-01T00:00:00Z"]
    assert _values(extract, "canceled_at") == [None, "true"]
    assert _values(extract, "customer") == ["cus_Na6dX7aXxi11N4"] * 2
    assert _values(extract, "currency") == ["usd"] * 2


def test_a_stripe_customer_is_read_from_the_documented_object(tmp_path):
    extract = _read_objects(tmp_path, CUSTOMERS, [stripe_customer()])
    # 1680893993 = 19454 days (2023-04-07) and 68393 s (18:59:53) after the epoch
    assert extract.table.select(["id", "created", "email", "name", "deleted"]).to_pylist() == [
        {"id": "cus_NffrFeUfNV2Hib", "created": "2023-04-07T18:59:53+00:00", "email": "jennyrosen@example.com",
         "name": "Jenny Rosen", "deleted": None}]


def test_a_canceled_subscription_folds_to_cancelled():
    assert fold_enum(pd.Series(["canceled", "past_due", "incomplete_expired"])).tolist() == \
        ["cancelled", "past_due", "incomplete_expired"]


def test_a_hubspot_contact_is_read_by_its_camel_case_paths(tmp_path):
    contacts = [hubspot_contact(**{"properties.country": "Germany", "properties.lifecyclestage": "customer"}),
                hubspot_contact(id="513", properties={}),
                {k: v for k, v in hubspot_contact(id="514").items() if k != "properties"}]
    extract = _read_objects(tmp_path, CONTACTS, contacts)
    assert _values(extract, "id") == ["512", "513", "514"]
    assert _values(extract, "created_at") == ["2019-10-30T03:30:17.883Z"] * 3
    assert _values(extract, "updated_at") == ["2019-12-07T16:50:06.678Z"] * 3
    assert _values(extract, "archived") == ["false"] * 3
    # A property the contact lacks is missing, whichever: one, all, or the whole properties object.
    assert _values(extract, "email") == ["bh@hubspot.com", None, None]
    assert _values(extract, "country") == ["Germany", None, None]
    properties = _values(extract, "properties")
    assert json.loads(properties[0]) == {**hubspot_contact()["properties"], "country": "Germany",
                                         "lifecyclestage": "customer"}
    assert properties[1:] == ["{}", None]


def _export_line(response_id, recorded, finished, email, channel, answers):
    return {"ResponseId": response_id, "RecordedDate": recorded, "Finished": finished, "RecipientEmail": email,
            "DistributionChannel": channel, "Status": "0", "Progress": "100" if finished == "True" else "40",
            **answers}


def test_the_qualtrics_csv_export_gives_the_responses_of_the_json_export(tmp_path):
    responses = [
        qualtrics_response(),
        # Unfinished: loaded like any other (it counts nowhere, downstream).
        qualtrics_response(**{"responseId": "R_2", "values._recordId": "R_2", "values.finished": 0,
                              "values.recordedDate": "2026-03-02T10:04:05Z", "values.distributionChannel": "anonymous",
                              "values.recipientEmail": None, "values.QID2": None, "values.QID3": None}),
    ]
    responses[1]["values"] = {k: v for k, v in responses[1]["values"].items() if v is not None}
    json_extract = _read_objects(tmp_path, RESPONSES, responses)
    # The export writes times in the survey's time zone, without an offset: America/Denver is UTC-7 in
    # November (MST) and in early March (DST starts on March 8, 2026).
    path = tmp_path / "2026-03-02.csv"
    path.write_text(qualtrics_responses_export([
        _export_line("R_1LhXEyX3GsqV5ck", "2019-11-18 10:56:30", "True", "jennyrosen@example.com", "email",
                     {"Q1": "9", "Q2": "4", "Q3": "6"}),
        _export_line("R_2", "2026-03-02 03:04:05", "False", "", "anonymous", {"Q1": "9"}),
    ]))
    csv_extract = read_extract(path, DAY, RESPONSES)

    for extract in (json_extract, csv_extract):
        assert _values(extract, "response_id") == ["R_1LhXEyX3GsqV5ck", "R_2"]
        assert _values(extract, "email") == ["jennyrosen@example.com", None]
        assert _values(extract, "channel") == ["email", "anonymous"]
        recorded = parse_timestamps(pd.Series(_values(extract, "recorded_at")), "UTC")
        # The JSON export's recordedDate carries milliseconds the CSV export does not write.
        assert recorded.dt.floor("s").tolist() == [pd.Timestamp("2019-11-18T17:56:30"),
                                                   pd.Timestamp("2026-03-02T10:04:05")]
        # 1 and 0 in the JSON export, True and False in the CSV export.
        assert parse_booleans(pd.Series(_values(extract, "finished"))).tolist() == [True, False]
        answers = [json.loads(text) for text in _values(extract, "answers")]
        assert [{qid: str(a[qid]) for qid in ("QID1", "QID2", "QID3") if qid in a} for a in answers] == [
            {"QID1": "9", "QID2": "4", "QID3": "6"}, {"QID1": "9"}]
    # The second question's text spans two lines: the responses start on the file's lines 4 and 5.
    assert csv_extract.row_numbers.tolist() == [4, 5]
    assert csv_extract.rows_read == 2


@pytest.mark.parametrize("fmt", ["jsonl_dlt", "parquet"])
def test_a_qualtrics_response_reads_the_same_nested_or_flattened(tmp_path, fmt):
    response = qualtrics_response()
    if fmt == "jsonl_dlt":
        path = tmp_path / "2026-03-02.jsonl"
        flat = {"responseId": response["responseId"], "_dlt_id": "x1",
                **{f"values__{key}": value for key, value in response["values"].items()}}
        path.write_text(json.dumps(flat) + "\n")
    else:
        path = tmp_path / "2026-03-02.parquet"
        pq.write_table(pa.Table.from_pylist([{k: v for k, v in response.items() if k != "displayedValues"}]), path)
    extract = read_extract(path, DAY, RESPONSES)
    assert extract.table.select(["response_id", "recorded_at", "finished", "email", "channel"]).to_pylist() == [
        {"response_id": "R_1LhXEyX3GsqV5ck", "recorded_at": "2019-11-18T17:56:30.041Z", "finished": "1",
         "email": "jennyrosen@example.com", "channel": "email"}]
    assert json.loads(_values(extract, "answers")[0])["QID1"] == 9


def _without_records(text, *dropped):
    """The export's text without its records (lines ending in CRLF) at the positions ``dropped``."""
    records = text.split("\r\n")
    return "\r\n".join(record for number, record in enumerate(records) if number not in dropped)


@pytest.mark.parametrize("edit, problem", [
    # The two header rows removed, as people do before opening the file in a spreadsheet.
    (lambda text: _without_records(text, 1, 2), "the second and third rows are not its question texts and ImportIds"),
    (lambda text: _without_records(text, 2), "the second and third rows are not its question texts and ImportIds"),
    (lambda text: _without_records(text, 1), "the second and third rows are not its question texts and ImportIds"),
    (lambda text: text.replace('"{""ImportId"":""_recordId""}"', '"{""ImportId"":""responseId""}"'),
     "no column with ImportId '_recordId'"),
])
def test_a_csv_that_is_no_responses_export_is_rejected_whole(tmp_path, edit, problem):
    text = qualtrics_responses_export([_export_line("R_1", "2026-03-02 03:04:05", "True", "", "email", {})])
    path = tmp_path / "2026-03-02.csv"
    path.write_text(edit(text))
    with pytest.raises(ExtractError, match=f"is not Qualtrics's responses export: {problem}"):
        read_extract(path, DAY, RESPONSES)
