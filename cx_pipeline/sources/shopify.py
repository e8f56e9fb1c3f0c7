"""Shopify: orders and checkouts as the Admin REST API returns them (shopify.dev, Admin REST ``Order`` and
``Checkout`` resources), and the orders CSV the admin exports (Orders → Export). SPEC §6 says what each
becomes: an order whose status follows ``cancelled_at`` and ``financial_status``, amount ``total_price`` (money
as a string, ``"199.00"``), channel ``source_name``; a checkout is a cart, which became the order whose
``checkout_token`` is its ``token``."""

from __future__ import annotations

import re

from cx_pipeline.entities import CHANNELS, Entity, columns

FINANCIAL_STATUSES = ("pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided")


def orders_csv_export(names: list[str], rows: list[dict], numbers: list[int]) -> tuple[list[dict], list[int], list]:
    """The records of the admin's orders export as the orders the API gives.

    The export writes an order over as many lines as it has line items: the first line carries the order
    (``Financial Status``, ``Total``, ``Created at`` …), each further line of the same ``Name`` only its line
    item. Those lines are the order's ``line_items``, one record with the row number of its first line. Its
    columns are named as the admin shows them (``Financial Status``), its times as ``2024-01-15 10:12:44
    -0500``; they become the API's fields (``financial_status``) and ISO 8601 times. A column the API has
    no field for is kept under its own name (and so in ``_extra``)."""
    lowered = {name: name.strip().lower() for name in names}
    missing = [header for header in _REQUIRED_EXPORT_COLUMNS if header not in lowered.values()]
    if missing:
        raise ValueError(f"is not Shopify's orders export: no column {missing[0]!r}")
    objects: list[dict] = []
    object_numbers: list[int] = []
    for row, number in zip(rows, numbers):
        fields = {lowered[k]: v for k, v in row.items()}
        item = {key: fields.get(header) for header, key in _LINE_ITEM_FIELDS.items()
                if fields.get(header) is not None}
        if objects and fields.get("name") == objects[-1].get("name") and not fields.get("financial status") \
                and not fields.get("total"):
            objects[-1].setdefault("line_items", []).append(item)
            continue
        order: dict = {}
        for header, value in fields.items():
            if header in _LINE_ITEM_FIELDS or value is None:
                continue
            key = _ORDER_FIELDS.get(header, header)
            order[key] = _iso_time(value) if key in _TIMES else value
        order["line_items"] = [item] if item else []
        objects.append(order)
        object_numbers.append(number)
    return objects, object_numbers, []


_ORDER_FIELDS = {"id": "id", "name": "name", "email": "email", "financial status": "financial_status",
                 "currency": "currency", "total": "total_price", "created at": "created_at",
                 "cancelled at": "cancelled_at", "paid at": "processed_at", "source": "source_name",
                 "subtotal": "subtotal_price", "taxes": "total_tax", "phone": "phone", "tags": "tags",
                 "fulfillment status": "fulfillment_status"}
"""Columns of the export and the field of the API's order each stands for."""
_LINE_ITEM_FIELDS = {"lineitem quantity": "quantity", "lineitem name": "name", "lineitem price": "price",
                     "lineitem sku": "sku"}
_REQUIRED_EXPORT_COLUMNS = ("name", "financial status", "total", "created at")
_TIMES = {"created_at", "cancelled_at", "processed_at"}
_EXPORT_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2})?) ?([+-]\d{2}):?(\d{2})$")


def _iso_time(value: str) -> str:
    """``2024-01-15 10:12:44 -0500`` (the export's way) as ISO 8601; anything else as it is."""
    found = _EXPORT_TIME.match(value.strip())
    return f"{found[1]}T{found[2]}{found[3]}:{found[4]}" if found else value


ORDERS = Entity(
    "shopify", "orders", ("id",),
    columns("!id", "!created_at:timestamp", "updated_at:timestamp", "cancelled_at:timestamp",
            "!financial_status:enum", "!total_price:number", "currency:currency", "email",
            "customer_email@customer.email", "source_name:enum", "checkout_token", "name"),
    version_column="updated_at",
    enums={"financial_status": FINANCIAL_STATUSES,
           "source_name": CHANNELS + ("pos", "shopify_draft_order", "iphone", "android")},
    vendor=True,
    csv_export=orders_csv_export,
)

CHECKOUTS = Entity(
    "shopify", "checkouts", ("token",),
    columns("!token", "!created_at:timestamp", "updated_at:timestamp", "completed_at:timestamp", "email",
            "customer_email@customer.email", "id"),
    version_column="updated_at",
    vendor=True,
)

OBJECTS = (ORDERS, CHECKOUTS)
