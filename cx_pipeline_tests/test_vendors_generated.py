"""``cx-pipeline generate --vendors`` (SPEC §6): the generated data set with its customers, subscriptions, surveys,
tickets, orders and carts as HubSpot, Stripe, Qualtrics, Zendesk and Shopify objects gives every metric the same
data gives in SPEC §1 layout (the generator's ``section1_as_vendors``: what the vendors can say, as SPEC §1
extracts), and its objects say what those extracts say. DuckDB only."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from cx_pipeline.generate import generate
from cx_pipeline.generate_vendors import SEGMENT_PROPERTY
from cx_pipeline_tests.conftest import Pipeline, run_cli
from cx_pipeline_tests.test_nightly_equals_backfill import differing_rows, marts

START, END = dt.date(2026, 1, 5), dt.date(2026, 2, 10)


def test_vendor_objects_give_the_metrics_of_the_same_data_in_section_1_layout(tmp_path):
    warehouses = {}
    for layout in ("vendors", "section1_as_vendors"):
        # No dirty rows: an order quarantined for a bad amount leaves its Shopify checkout abandoned (the order
        # names the checkout), while a SPEC §1 cart names its order itself and stays converted.
        generate(tmp_path / layout, START, END, customers=250, seed=11, dirty_share=0, layout=layout)
        # The generated segments are in the contact property cx_segment (the demo's .env says so too).
        pipeline = Pipeline(tmp_path / layout, f"duckdb:///{tmp_path / layout}.duckdb",
                            hubspot_segment_property=SEGMENT_PROPERTY)
        pipeline.backfill(START.isoformat(), END.isoformat())
        pipeline.warehouse.dispose()
        warehouses[layout] = marts(tmp_path / f"{layout}.duckdb")
    vendors, section1 = warehouses["vendors"], warehouses["section1_as_vendors"]
    assert differing_rows(vendors, section1) == {}
    # Not a comparison of two empty tables: each family has values.
    rows = {(row[1], row[2]) for row in vendors["metrics_monthly"] if row[4] is not None}
    for metric in ("tickets_created", "first_response_hours_median", "resolution_hours_median", "csat_pct",
                   "nps", "ces_avg", "revenue", "cart_abandonment_rate", "active_customers", "churn_rate", "ltv"):
        assert (metric, "all") in rows, metric


def test_the_vendor_objects_say_what_the_section_1_extracts_say(tmp_path):
    """Each Stripe subscription bills its SPEC §1 monthly amount (some of them yearly) and ends when it ends;
    each CES answer is on Qualtrics' 1–7 with 7 = easy (a SPEC §1 2 on 1–7, low = easy, is a 6); each NPS answer
    is a finished response beside a few unfinished ones; each contact holds its segment and, as its country,
    its region."""
    for layout in ("vendors", "section1_as_vendors"):
        generate(tmp_path / layout, START, END, customers=250, seed=11, dirty_share=0, layout=layout)
    section1 = {path: _latest(_csv(tmp_path / "section1_as_vendors" / path), key) for path, key in (
        ("crm/subscriptions", "subscription_id"), ("crm/customers", "customer_id"),
        ("crm/nps_responses", "response_id"), ("helpdesk/surveys", "response_id"))}
    objects = {path: _jsonl(tmp_path / "vendors" / path)
               for path in ("stripe/subscriptions", "qualtrics/responses", "hubspot/contacts")}

    subscriptions = section1["crm/subscriptions"]
    stripe = {obj["id"].removeprefix("sub_"): obj for obj in objects["stripe/subscriptions"]}  # the last version
    assert set(stripe) == set(subscriptions.index)
    intervals = set()
    for subscription_id, obj in stripe.items():
        items = obj["items"]["data"]
        intervals |= {item["price"]["recurring"]["interval"] for item in items}
        cents = sum(item["price"]["unit_amount"] * item["quantity"]
                    / {"month": 1, "year": 12}[item["price"]["recurring"]["interval"]] for item in items)
        assert cents / 100 == subscriptions.loc[subscription_id, "monthly_amount"]
        ended = subscriptions.loc[subscription_id, "ended_at"]
        assert obj["ended_at"] == (None if pd.isna(ended) else int(pd.Timestamp(ended).timestamp()))
        assert obj["status"] == ("active" if obj["ended_at"] is None else "canceled")
    assert intervals == {"month", "year"}

    responses = {obj["responseId"]: obj["values"] for obj in objects["qualtrics/responses"]}
    surveys = section1["helpdesk/surveys"]
    ces = surveys[surveys["survey_type"] == "ces"]
    assert (ces["scale_min"] == 1).all() and (ces["scale_max"] == 7).all()
    pairs = {(score, responses[f"R_{response_id}"]["QID3"]) for response_id, score in ces["score"].items()}
    assert all(qualtrics == 8 - score for score, qualtrics in pairs) and (2, 6) in pairs
    nps = section1["crm/nps_responses"]
    finished = {rid.removeprefix("R_"): values["QID1"] for rid, values in responses.items()
                if values["finished"] == 1 and "QID1" in values}
    assert finished == nps["score"].to_dict()
    assert any(values["finished"] == 0 for values in responses.values())

    customers = section1["crm/customers"]
    contacts = {obj["id"]: obj["properties"] for obj in objects["hubspot/contacts"]}  # the last version
    for customer_id, customer in customers.iterrows():
        properties = contacts[str(int(customer_id.removeprefix("C")) + 1)]
        assert properties[SEGMENT_PROPERTY] == customer["segment"]
        assert properties["country"].lower().replace(" ", "_") == customer["region"]


def _csv(folder: Path) -> pd.DataFrame:
    return pd.concat([pd.read_csv(path) for path in sorted(folder.glob("*.csv"))], ignore_index=True)


def _jsonl(folder: Path) -> list[dict]:
    """The objects of every file, in the order of their extract dates."""
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text().splitlines()]


def _latest(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The last version of each record (the files are read in the order of their extract dates)."""
    return frame.drop_duplicates(key, keep="last").set_index(key)


def test_the_command_line_writes_the_vendor_layout(tmp_path):
    result = run_cli("generate", "--vendors", "--out", str(tmp_path / "raw"), "--start", "2026-01-05",
                     "--end", "2026-01-12", "--customers", "50", "--seed", "3")
    assert result.returncode == 0, result.stderr
    folders = {p.relative_to(tmp_path / "raw").as_posix() for p in (tmp_path / "raw").glob("*/*")}
    assert {"hubspot/contacts", "stripe/customers", "stripe/subscriptions", "qualtrics/responses",
            "zendesk/tickets", "zendesk/ticket_metrics", "zendesk/users", "zendesk/groups",
            "zendesk/satisfaction_ratings", "shopify/orders", "shopify/checkouts",
            "ecommerce/sessions", "ecommerce/referrals", "reference/fx_rates"} <= folders
    assert not {"crm/customers", "crm/subscriptions", "crm/nps_responses", "helpdesk/tickets", "helpdesk/surveys",
                "ecommerce/orders", "ecommerce/carts"} & folders
