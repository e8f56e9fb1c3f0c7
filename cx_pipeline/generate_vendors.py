"""The generated data set as the objects of the five vendors of SPEC §6 (``cx-pipeline generate --vendors``).

The generator's SPEC §1 tables become the vendor objects that say the same (``vendor_objects``):

* HubSpot contacts carry the CRM's customers, the segment in the custom property ``cx_segment``
  (``SEGMENT_PROPERTY``: HubSpot's own ``lifecyclestage`` says ``customer`` or ``lead``), the region as a
  country (``COUNTRIES``);
* Stripe customers and subscriptions carry the subscriptions, each subscription again in the file of the day
  it ended (Stripe sends no update time: the extract date is its version), some billed yearly;
* Qualtrics responses carry the NPS answers (``QID1``) and the CES answers (``QID3``, 1–7 with 7 = easy, as
  the default CX_QUALTRICS_QUESTIONS maps them), each tied to its customer by ``recipientEmail``, beside a few
  unfinished responses that count nowhere;
* Zendesk carries the tickets and the CSAT answers (users, groups, tickets, ticket metrics, satisfaction
  ratings);
* Shopify carries the orders and carts (orders, checkouts).

Sessions, referrals and exchange rates stay in SPEC §1 layout (no vendor of SPEC §6 holds them), their
customers named as the vendor layout knows them (``beside_vendor_objects``): a session by its customer's
e-mail (the column the entity has), a referral's referrer and signed-up customer by the pipeline's key of the
HubSpot contact, ``hubspot:<id>`` (the entity has no e-mail column for them).

What a vendor cannot say is first taken out of the SPEC §1 tables (``vendor_expressible``), so that the two
layouts hold the same data and give the same metrics:

* HubSpot: the region is the country, folded as the pipeline folds it (``united_states``); a contact names no
  referrer, so ``referred_by_customer_id`` is dropped (referral_rate has no referred customers);
* Stripe: timestamps in whole seconds; no plan (the pipeline reads none from a Stripe price);
* Qualtrics: a response has no ticket, so a CES answer loses its ticket (and with it agent and team) and
  keeps the e-mail and channel it had through it; it is on Qualtrics' 1–7 scale (a 5-point answer goes to the
  nearest point, one halfway to the easier), answered at a UTC time; the channel is Qualtrics' distribution
  channel (``QUALTRICS_CHANNELS``), for NPS answers as well;
* Zendesk rates a ticket good or bad (CSAT on 0–1), counts reply time in whole minutes, and names agents by
  number;
* Shopify has no upsell flag.

Every generated customer has an e-mail, so every Stripe customer and Qualtrics respondent is tied to its
HubSpot contact. The objects are a function of the tables (no random draws): ids are derived from the
SPEC §1 keys."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from cx_pipeline.validation.parsing import fold_enum

REPLACED = ("crm/customers", "crm/subscriptions", "crm/nps_responses", "helpdesk/tickets", "helpdesk/surveys",
            "ecommerce/orders", "ecommerce/carts")
"""The SPEC §1 tables whose records the vendor objects carry instead."""

SEGMENT_PROPERTY = "cx_segment"
"""The HubSpot contact property that holds the generated segment: CX_HUBSPOT_SEGMENT_PROPERTY must name it."""

COUNTRIES = {"na": "United States", "emea": "Germany", "apac": "Japan", "latam": "Brazil"}
"""The HubSpot ``country`` of the contacts of each generated region."""

QUALTRICS_CHANNELS = {"email": "email", "phone": "smsinvite"}
"""Qualtrics' ``distributionChannel`` of a survey on a SPEC §1 channel (folded): an e-mail invitation, a text
message after a call; on any other channel (the app, the web, after a chat) it is an ``anonymous`` link."""

YEARLY_ONE_IN = 5
"""About one subscription in this many is billed yearly (12 × the monthly price, so the month stays exact)."""

UNFINISHED_ONE_IN = 20
"""After about one NPS answer in this many, the same recipient opened the survey again and left it unfinished."""

FIRST_NAMES = ("Ana", "Ben", "Chen", "Dara", "Emil", "Fatima", "Hiro", "Ines", "Jonas", "Lea", "Malik", "Nora")
LAST_NAMES = ("Alvarez", "Becker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
              "Kowalski")


def vendor_expressible(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The SPEC §1 tables with only what the five vendors can say (see the module's docstring)."""
    tables = dict(tables)
    customers = tables["crm/customers"].copy()
    customers["region"] = fold_enum(customers["region"].map(COUNTRIES))
    customers["referred_by_customer_id"] = None
    tables["crm/customers"] = customers

    subscriptions = tables["crm/subscriptions"].copy()
    for column in ("started_at", "updated_at", "ended_at"):
        subscriptions[column] = subscriptions[column].dt.floor("s")
    subscriptions["plan"] = None
    tables["crm/subscriptions"] = subscriptions

    nps = tables["crm/nps_responses"].copy()
    nps["channel"] = _qualtrics_channels(nps["channel"])
    tables["crm/nps_responses"] = nps

    tickets = tables["helpdesk/tickets"].copy()
    answered = tickets["first_response_at"].notna()
    minutes = ((tickets.loc[answered, "first_response_at"] - tickets.loc[answered, "created_at"])
               .dt.total_seconds() // 60).astype("int64")
    tickets.loc[answered, "first_response_at"] = tickets.loc[answered, "created_at"] + pd.to_timedelta(minutes, "m")
    tickets["agent_id"] = tickets["agent_id"].str.removeprefix("A")
    tables["helpdesk/tickets"] = tickets

    surveys = tables["helpdesk/surveys"]
    csat = surveys[surveys["survey_type"] == "csat"].copy()
    csat["score"] = (_position(csat) >= 0.75).astype(int)
    csat["scale_min"], csat["scale_max"] = 0, 1
    ces = surveys[surveys["survey_type"] == "ces"].copy()
    ticket = tickets.drop_duplicates("ticket_id").set_index("ticket_id").loc[ces["ticket_id"]]
    ces["requester_email"] = _own_or_customers_email(ticket, "requester_email", _emails(customers))
    ces["channel"] = _qualtrics_channels(ticket["channel"]).to_numpy()
    ces["ticket_id"] = None
    # Qualtrics asks on 1–7: a 5-point answer halfway between two points takes the easier, so an easy answer
    # (a quarter of the scale at most) stays easy.
    ces["score"] = 1 + np.ceil(6 * _position(ces) - 0.5).astype(int)
    ces["scale_min"], ces["scale_max"] = 1, 7
    # Qualtrics records in UTC, where the SPEC §1 survey tool writes local time without an offset.
    ces["responded_at"] = pd.to_datetime(ces["responded_at"]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    tables["helpdesk/surveys"] = pd.concat([csat, ces])

    orders = tables["ecommerce/orders"].copy()
    orders["is_upsell"] = False
    tables["ecommerce/orders"] = orders
    return tables


def vendor_objects(tables: dict[str, pd.DataFrame], start: np.datetime64) -> dict[str, list[tuple[int, dict]]]:
    """Per vendor folder, its objects as the API returns them, each with its extract day (days after
    ``start``), from tables that hold only what the vendors can say (``vendor_expressible``)."""
    replaced = {path: tables[path].rename(columns={"_day": "extract_day"}) for path in REPLACED}
    emails = _emails(tables["crm/customers"])
    return {**_hubspot(replaced), **_stripe(replaced, emails), **_qualtrics(replaced, emails),
            **_zendesk(replaced, emails, start), **_shopify(replaced, emails)}


def beside_vendor_objects(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The SPEC §1 tables no vendor carries, their customers named as in the vendor layout: a session by the
    customer's e-mail, a referral's customers by the keys of their HubSpot contacts."""
    customer_ids = tables["crm/customers"]["customer_id"].unique()
    keys = dict(zip(customer_ids, "hubspot:" + _contact_ids(pd.Series(customer_ids))))
    rest = {path: frame for path, frame in tables.items() if path not in REPLACED}
    sessions = rest["ecommerce/sessions"].copy()
    sessions["customer_email"] = _own_or_customers_email(sessions, "customer_email", _emails(tables["crm/customers"]))
    sessions["customer_id"] = None
    rest["ecommerce/sessions"] = sessions
    referrals = rest["ecommerce/referrals"].copy()
    for column in ("referrer_customer_id", "signed_up_customer_id"):
        referrals[column] = referrals[column].map(keys)
    rest["ecommerce/referrals"] = referrals
    return rest


def _hubspot(tables: dict[str, pd.DataFrame]) -> dict[str, list[tuple[int, dict]]]:
    """Contacts (CRM API v3), a version per version of the CRM customer."""
    customers = tables["crm/customers"]
    buyers = set(tables["crm/subscriptions"]["customer_id"]) | set(tables["ecommerce/orders"]["customer_id"].dropna())
    country = dict(zip(fold_enum(pd.Series(list(COUNTRIES.values()))), COUNTRIES.values()))
    contacts = []
    for row, contact_id in zip(customers.itertuples(index=False), _contact_ids(customers["customer_id"])):
        first, last = _name(row.customer_id)
        created, updated = _iso(row.created_at), _iso(row.updated_at)
        contacts.append((row.extract_day, {
            "id": contact_id,
            "properties": {
                "email": row.email, "country": country[row.region],
                "lifecyclestage": "customer" if row.customer_id in buyers else "lead",
                SEGMENT_PROPERTY: row.segment, "createdate": created, "lastmodifieddate": updated,
                "hs_object_id": contact_id, "firstname": first, "lastname": last,
            },
            "createdAt": created, "updatedAt": updated, "archived": False}))
    return {"hubspot/contacts": contacts}


def _stripe(tables: dict[str, pd.DataFrame], emails: dict[str, str]) -> dict[str, list[tuple[int, dict]]]:
    """Customers, each in the file of its first subscription's day, and subscriptions."""
    subscriptions = tables["crm/subscriptions"]
    first = subscriptions.sort_values(["extract_day", "started_at"], kind="stable").drop_duplicates("customer_id")
    customers = [(row.extract_day, {
        "id": f"cus_{row.customer_id}", "object": "customer", "email": emails.get(row.customer_id),
        "created": _unix(row.started_at), "name": " ".join(_name(row.customer_id))})
        for row in first.itertuples(index=False)]
    objects = []
    for row in subscriptions.itertuples(index=False):
        currency = row.currency.lower()
        yearly = zlib.crc32(row.subscription_id.encode()) % YEARLY_ONE_IN == 0
        unit_amount = round(row.monthly_amount * 100) * (12 if yearly else 1)
        interval = "year" if yearly else "month"
        ended = _unix(row.ended_at)
        objects.append((row.extract_day, {
            "id": f"sub_{row.subscription_id}", "object": "subscription", "customer": f"cus_{row.customer_id}",
            "status": "active" if ended is None else "canceled", "start_date": _unix(row.started_at),
            "created": _unix(row.started_at), "ended_at": ended, "canceled_at": ended, "currency": currency,
            "items": {"object": "list", "data": [{
                "id": f"si_{row.subscription_id}", "object": "subscription_item", "quantity": 1,
                "price": {"id": f"price_{unit_amount}{currency}_{interval}", "object": "price",
                          "unit_amount": unit_amount, "currency": currency,
                          "recurring": {"interval": interval, "interval_count": 1}}}]}}))
    return {"stripe/customers": customers, "stripe/subscriptions": objects}


def _qualtrics(tables: dict[str, pd.DataFrame], emails: dict[str, str]) -> dict[str, list[tuple[int, dict]]]:
    """Responses (Response Export JSON): NPS answers as ``QID1``, CES answers as ``QID3`` turned to 7 = easy,
    and the unfinished responses of ``UNFINISHED_ONE_IN``."""
    nps = tables["crm/nps_responses"]
    surveys = tables["helpdesk/surveys"]
    responses = []
    for number, row in enumerate(nps.itertuples(index=False)):
        email = emails.get(row.customer_id)
        responses.append((row.extract_day, _qualtrics_response(
            f"R_{row.response_id}", row.responded_at, email, row.channel, "QID1", int(row.score), number)))
        if number % UNFINISHED_ONE_IN == 0:
            responses.append((row.extract_day, _qualtrics_response(
                f"R_P{row.response_id}", row.responded_at, email, row.channel, "QID1", int(row.score), number,
                finished=False)))
    for number, row in enumerate(surveys[surveys["survey_type"] == "ces"].itertuples(index=False)):
        # SPEC §1 CES is low = easy (the generator's convention); Qualtrics' QID3 is high = easy.
        easy_high = round(7 - 6 * (row.score - row.scale_min) / (row.scale_max - row.scale_min))
        responses.append((row.extract_day, _qualtrics_response(
            f"R_{row.response_id}", row.responded_at, row.requester_email, row.channel, "QID3", easy_high, number)))
    return {"qualtrics/responses": responses}


def _qualtrics_response(response_id: str, recorded_at, email: str | None, channel: str, question: str,
                        answer: int, number: int, finished: bool = True) -> dict:
    """One response answering ``question``, the ``number``-th of its kind (which spreads the durations)."""
    recorded = _iso(recorded_at)
    duration = 40 + number * 37 % 260
    ended = pd.to_datetime(recorded, errors="coerce", utc=True)
    started = recorded if pd.isna(ended) else _iso(ended - pd.Timedelta(seconds=duration))
    values = {"startDate": started, "endDate": recorded, "status": 0, "progress": 100 if finished else 50,
              "duration": duration, "finished": int(finished), "recordedDate": recorded, "_recordId": response_id,
              "recipientEmail": email, "distributionChannel": channel, "userLanguage": "EN", question: answer}
    labels = {"status": "IP Address", "finished": str(finished), question: str(answer)}
    if question == "QID1":
        group = 1 if answer <= 6 else 2 if answer <= 8 else 3
        values["QID1_NPS_GROUP"] = group
        labels["QID1_NPS_GROUP"] = ("Detractor", "Passive", "Promoter")[group - 1]
    scale = range(11) if question == "QID1" else range(1, 8)
    return {"responseId": response_id, "values": values, "labels": labels, "displayedFields": [question],
            "displayedValues": {question: list(scale)}}


def _zendesk(tables: dict[str, pd.DataFrame], emails: dict[str, str],
             start: np.datetime64) -> dict[str, list[tuple[int, dict]]]:
    """Users, groups, tickets, ticket metrics and the CSAT answers as satisfaction ratings."""
    tickets, surveys = tables["helpdesk/tickets"], tables["helpdesk/surveys"]
    requester_email = _own_or_customers_email(tickets, "requester_email", emails)
    users = {email: number for number, email in enumerate(pd.unique(requester_email), start=1)}
    groups = {team: number for number, team in enumerate(sorted(tickets["team"].dropna().unique()), start=1)}
    # Users and groups are there from the first day.
    since = _iso(pd.Timestamp(start))
    objects: dict[str, list[tuple[int, dict]]] = {
        "zendesk/users": [(0, {"id": n, "email": e, "role": "end-user", "created_at": since, "updated_at": since})
                          for e, n in users.items()],
        "zendesk/groups": [(0, {"id": n, "name": t, "deleted": False, "updated_at": since})
                           for t, n in groups.items()],
        "zendesk/tickets": [], "zendesk/ticket_metrics": [], "zendesk/satisfaction_ratings": [],
    }
    requester_of = {}
    for row, email in zip(tickets.itertuples(index=False), requester_email):
        requester_of[row.ticket_id] = users[email]
        objects["zendesk/tickets"].append((row.extract_day, {
            "id": row.ticket_id, "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at),
            "status": row.status, "priority": row.priority, "via": {"channel": _zendesk_channel(row.channel)},
            "assignee_id": _number(row.agent_id), "group_id": groups.get(row.team), "requester_id": users[email],
        }))
        if isinstance(row.first_response_at, pd.Timestamp) and isinstance(row.created_at, pd.Timestamp):
            minutes = int((row.first_response_at - row.created_at).total_seconds() // 60)
            objects["zendesk/ticket_metrics"].append((row.extract_day, {
                "ticket_id": row.ticket_id, "reply_time_in_minutes": {"calendar": minutes, "business": None},
                "solved_at": _iso(row.resolved_at), "updated_at": _iso(row.updated_at),
                "created_at": _iso(row.created_at)}))
    for row in surveys[surveys["survey_type"] == "csat"].itertuples(index=False):
        objects["zendesk/satisfaction_ratings"].append((row.extract_day, {
            "id": row.response_id, "ticket_id": row.ticket_id, "score": "good" if row.score == 1 else "bad",
            "updated_at": row.responded_at, "created_at": row.responded_at,
            "requester_id": requester_of.get(row.ticket_id)}))
    return objects


def _shopify(tables: dict[str, pd.DataFrame], emails: dict[str, str]) -> dict[str, list[tuple[int, dict]]]:
    """Orders and checkouts: an order names the checkout it came from by its token."""
    orders, carts = tables["ecommerce/orders"], tables["ecommerce/carts"]
    checkout_of = dict(zip(carts.loc[carts["order_id"].notna(), "order_id"],
                           carts.loc[carts["order_id"].notna(), "cart_id"]))
    objects: dict[str, list[tuple[int, dict]]] = {"shopify/orders": [], "shopify/checkouts": []}
    for row in orders.itertuples(index=False):
        email = row.customer_email if row.customer_id is None or row.customer_id != row.customer_id \
            else emails.get(row.customer_id)
        objects["shopify/orders"].append((row.extract_day, {
            "id": row.order_id, "created_at": _iso(row.ordered_at), "updated_at": _iso(row.updated_at),
            "cancelled_at": _iso(row.updated_at) if row.status == "cancelled" else None,
            "financial_status": {"refunded": "refunded"}.get(row.status, "paid"),
            "total_price": row.amount if isinstance(row.amount, str) else f"{row.amount:.2f}",
            "currency": row.currency, "email": email, "customer": {"email": email},
            "source_name": row.channel, "checkout_token": checkout_of.get(row.order_id)}))
    for row in carts.itertuples(index=False):
        email = row.customer_email if row.customer_id is None or row.customer_id != row.customer_id \
            else emails.get(row.customer_id)
        objects["shopify/checkouts"].append((row.extract_day, {
            "token": row.cart_id, "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at),
            "completed_at": _iso(row.updated_at) if pd.notna(row.order_id) else None, "email": email}))
    return objects


def _emails(customers: pd.DataFrame) -> dict[str, str]:
    return dict(zip(customers["customer_id"], customers["email"]))


def _own_or_customers_email(records: pd.DataFrame, column: str, emails: dict[str, str]) -> np.ndarray:
    """The e-mail of each record: its own (``column``), else its customer's."""
    return np.where(records[column].notna(), records[column], records["customer_id"].map(emails))


def _position(surveys: pd.DataFrame) -> pd.Series:
    """Each answer's place on its scale, 0 at scale_min and 1 at scale_max."""
    return (surveys["score"] - surveys["scale_min"]) / (surveys["scale_max"] - surveys["scale_min"])


def _qualtrics_channels(channels: pd.Series) -> pd.Series:
    return fold_enum(channels).map(lambda channel: QUALTRICS_CHANNELS.get(channel, "anonymous"))


def _contact_ids(customer_ids: pd.Series) -> pd.Series:
    """The HubSpot contact id of each SPEC §1 customer id (``C0000041`` → ``42``): a number, as HubSpot's."""
    return (customer_ids.str.removeprefix("C").astype("int64") + 1).astype(str)


def _name(customer_id: str) -> tuple[str, str]:
    number = int(customer_id.removeprefix("C"))
    return FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[number // len(FIRST_NAMES) % len(LAST_NAMES)]


def _iso(value) -> str | None:
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unix(value) -> int | None:
    """Unix seconds, as Stripe writes times."""
    return None if pd.isna(value) else int(pd.Timestamp(value).timestamp())


def _zendesk_channel(channel: str) -> str:
    """Zendesk's `via.channel` for a SPEC §1 channel: a phone call is `voice`."""
    folded = str(channel).strip().lower().replace("-", "")
    return {"phone": "voice"}.get(folded, folded)


def _number(agent: str):
    return int(agent) if isinstance(agent, str) and agent.isdigit() else agent


def write_objects(out: Path, objects: dict[str, list[tuple[int, dict]]], start: np.datetime64) -> int:
    """One JSONL file per object and extract day, a line per object; returns the files written."""
    written = 0
    for folder, dated in objects.items():
        by_day: dict[int, list[str]] = {}
        for day, obj in dated:
            by_day.setdefault(int(day), []).append(json.dumps(obj, default=_json_default))
        (out / folder).mkdir(parents=True, exist_ok=True)
        for day, lines in sorted(by_day.items()):
            (out / folder / f"{(start + day * np.timedelta64(1, 'D')).astype(str)}.jsonl").write_text(
                "".join(line + "\n" for line in lines))
            written += 1
    return written


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
