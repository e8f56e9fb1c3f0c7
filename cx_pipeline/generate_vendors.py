"""The generated data set as Zendesk and Shopify objects (``cx-pipeline generate --vendors``, SPEC §6).

The generator's SPEC §1 tables of tickets, surveys, orders and carts become the vendor objects that say the
same (``vendor_objects``); the other tables stay in SPEC §1 layout (no vendor of part 1 holds them). What a
vendor cannot say is first taken out of the SPEC §1 tables (``vendor_expressible``), so that the two layouts
hold the same data and give the same metrics: Zendesk rates a ticket good or bad (CSAT on 0–1, no CES),
counts reply time in whole minutes, and names agents by number; Shopify has no upsell flag."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

REPLACED = ("helpdesk/tickets", "helpdesk/surveys", "ecommerce/orders", "ecommerce/carts")
"""The SPEC §1 tables whose records the vendor objects carry instead."""


def vendor_expressible(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The SPEC §1 tables with only what Zendesk and Shopify can say (see the module's docstring)."""
    tables = dict(tables)
    tickets = tables["helpdesk/tickets"].copy()
    answered = tickets["first_response_at"].notna()
    minutes = ((tickets.loc[answered, "first_response_at"] - tickets.loc[answered, "created_at"])
               .dt.total_seconds() // 60).astype("int64")
    tickets.loc[answered, "first_response_at"] = tickets.loc[answered, "created_at"] + pd.to_timedelta(minutes, "m")
    tickets["agent_id"] = tickets["agent_id"].str.removeprefix("A")
    tables["helpdesk/tickets"] = tickets

    surveys = tables["helpdesk/surveys"]
    surveys = surveys[surveys["survey_type"] == "csat"].copy()
    position = (surveys["score"] - surveys["scale_min"]) / (surveys["scale_max"] - surveys["scale_min"])
    surveys["score"] = (position >= 0.75).astype(int)
    surveys["scale_min"], surveys["scale_max"] = 0, 1
    tables["helpdesk/surveys"] = surveys

    orders = tables["ecommerce/orders"].copy()
    orders["is_upsell"] = False
    tables["ecommerce/orders"] = orders
    return tables


def vendor_objects(tables: dict[str, pd.DataFrame], start: np.datetime64) -> dict[str, list[tuple[int, dict]]]:
    """Per vendor folder, its objects as the API returns them, each with its extract day (days after
    ``start``), from tables that hold only what the vendors can say (``vendor_expressible``)."""
    emails = dict(zip(tables["crm/customers"]["customer_id"], tables["crm/customers"]["email"]))
    tickets, surveys, orders, carts = (tables[path].rename(columns={"_day": "extract_day"}) for path in REPLACED)

    requester_email = np.where(tickets["requester_email"].notna(), tickets["requester_email"],
                               tickets["customer_id"].map(emails))
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
        "shopify/orders": [], "shopify/checkouts": [],
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
    for row in surveys.itertuples(index=False):
        objects["zendesk/satisfaction_ratings"].append((row.extract_day, {
            "id": row.response_id, "ticket_id": row.ticket_id, "score": "good" if row.score == 1 else "bad",
            "updated_at": row.responded_at, "created_at": row.responded_at,
            "requester_id": requester_of.get(row.ticket_id)}))

    checkout_of = dict(zip(carts.loc[carts["order_id"].notna(), "order_id"],
                           carts.loc[carts["order_id"].notna(), "cart_id"]))
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


def _iso(value) -> str | None:
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


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
