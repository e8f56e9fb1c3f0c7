"""Stripe: customers and subscriptions as the API returns them (docs.stripe.com/api, "The Customer object" and
"The Subscription object"). SPEC §6 says what each becomes: a customer is the e-mail of a Stripe customer id;
a subscription runs from ``start_date`` to ``ended_at`` (else ``canceled_at`` once canceled), at the monthly
amount its items add up to. Times are Unix seconds, which the vendor reader turns into ISO 8601. Neither object
has an update time: each is versioned by its file's extract date."""

from __future__ import annotations

from fractions import Fraction

from cx_pipeline.entities import Entity, columns

SUBSCRIPTION_STATUSES = ("incomplete", "incomplete_expired", "trialing", "active", "past_due", "cancelled", "unpaid",
                         "paused")
"""Folded (Stripe's ``canceled`` → ``cancelled``)."""

_MONTHS_PER_INTERVAL = {"day": Fraction(12, 365), "week": Fraction(12, 52), "month": Fraction(1), "year": Fraction(12)}
"""How many months one billing interval lasts: a yearly price is a twelfth of it a month, a weekly one 52/12
of it."""


def monthly_amount(subscription: dict) -> dict:
    """``monthly_amount``: what the subscription's items (``items.data[]``) bill a month, in the currency's
    units: Σ ``price.unit_amount`` × ``quantity`` (default 1) / 100, over ``price.recurring.interval_count``
    (default 1) intervals of ``price.recurring.interval``. None without items. An item whose amount or interval
    cannot be read makes it a sentence saying so, which the ``number`` column does not parse: the subscription
    is quarantined naming ``monthly_amount``."""
    items = subscription.get("items")
    items = items.get("data") if isinstance(items, dict) else None
    if not items:
        return {"monthly_amount": None}
    try:
        if not isinstance(items, list):
            raise ValueError(f"items.data {items!r} is not a list")
        total = Fraction(0)
        for number, item in enumerate(items, start=1):
            total += _item_monthly_cents(number, item)
        return {"monthly_amount": float(total / 100)}
    except ValueError as problem:
        return {"monthly_amount": str(problem)}
    except OverflowError:
        return {"monthly_amount": "the items add up to more than a number holds"}


def _item_monthly_cents(number: int, item: object) -> Fraction:
    """What the ``number``-th item bills a month, in cents; ValueError saying which field cannot be read."""
    price = item.get("price") if isinstance(item, dict) else None
    if not isinstance(price, dict):
        raise ValueError(f"item {number} of items.data has no price")
    recurring = price.get("recurring") if isinstance(price.get("recurring"), dict) else {}
    interval = recurring.get("interval")
    if interval not in _MONTHS_PER_INTERVAL:
        raise ValueError(f"item {number}: price.recurring.interval {interval!r} is not day, week, month or year")
    unit_amount = _number(number, price, "unit_amount", "price.unit_amount", None)
    quantity = _number(number, item, "quantity", "quantity", 1)
    interval_count = _number(number, recurring, "interval_count", "price.recurring.interval_count", 1)
    if interval_count <= 0:
        raise ValueError(f"item {number}: price.recurring.interval_count {interval_count} is not positive")
    return unit_amount * quantity / (interval_count * _MONTHS_PER_INTERVAL[interval])


def _number(number: int, holder: dict, key: str, field: str, default: int | None) -> Fraction:
    """``holder[key]``, a number as the API writes it (or its text), ``default`` when absent; ValueError
    naming the item and ``field`` when it is no number."""
    value = holder.get(key)
    if value is None and default is not None:
        return Fraction(default)
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError
        return Fraction(value)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        raise ValueError(f"item {number}: {field} {value!r} is not a number") from None


CUSTOMERS = Entity(
    "stripe", "customers", ("id",),
    columns("!id", "!created:timestamp", "email", "name", "deleted:boolean"),
    vendor=True,
)

SUBSCRIPTIONS = Entity(
    "stripe", "subscriptions", ("id",),
    columns("!id", "!customer", "!status:enum", "!start_date:timestamp", "ended_at:timestamp", "canceled_at:timestamp",
            "created:timestamp", "currency:currency", "monthly_amount:number"),
    enums={"status": SUBSCRIPTION_STATUSES},
    ordered_pairs=(("ended_at", "start_date"), ("canceled_at", "start_date")),
    vendor=True,
    derive=monthly_amount,
)

OBJECTS = (CUSTOMERS, SUBSCRIPTIONS)
