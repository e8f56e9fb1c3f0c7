"""The entities of SPEC §1 and the vendor objects of SPEC §6 as data: one description drives the readers,
the validation suites, the raw tables and the raw assets.

A vendor object (``cx_pipeline/sources/``) is an entity whose columns name where the vendor's JSON holds
each value (``Column.path``, keys joined by dots: ``via.channel``, ``reply_time_in_minutes.calendar``); the
reader takes the values from the objects by those paths, whatever else the objects hold."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Literal

ColumnType = Literal["text", "timestamp", "number", "integer", "boolean", "date", "enum", "currency"]


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = False
    path: str | None = None
    """Where a vendor object holds the value: its keys joined by dots (``via.channel``); None for the columns
    of SPEC §1, which are named as the extract names them."""

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys leading to the value in a vendor object, outermost first."""
        return tuple((self.path or self.name).split("."))

    @property
    def label(self) -> str:
        """How messages name the column: its path in the vendor's object, else its name."""
        return self.path or self.name


@dataclasses.dataclass(frozen=True)
class Entity:
    source: str
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    version_column: str | None = None
    """Column whose latest value wins between versions of a key (SPEC §1), if the entity has one."""
    enums: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Folded values each enumeration column is expected to take (unknown ones warn, not reject)."""
    ordered_pairs: tuple[tuple[str, str], ...] = ()
    """(later, earlier): the first timestamp may not come before the second."""
    vendor: bool = False
    """A vendor object of SPEC §6: read from the vendor's JSON by the columns' paths."""
    csv_export: Callable[..., Any] | None = dataclasses.field(default=None, compare=False)
    """Of a vendor object with a CSV export of its own (Shopify's orders, Qualtrics's responses): the function
    that turns the export's records into the objects the API gives (``extracts.read_extract`` calls it)."""
    derive: Callable[[dict], dict] | None = dataclasses.field(default=None, compare=False)
    """Of a vendor object with a value the vendor does not send (a Stripe subscription's monthly amount): the
    function that adds to each object the fields computed from it, read then by the columns like any other."""

    @property
    def path(self) -> str:
        """Folder of the extracts under the raw directory, e.g. ``crm/customers``."""
        return f"{self.source}/{self.name}"

    @property
    def table(self) -> str:
        """Table name inside the raw and staging schemas, e.g. ``crm__customers``."""
        return f"{self.source}__{self.name}"

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def columns_of_type(self, *types: ColumnType) -> list[str]:
        return [c.name for c in self.columns if c.type in types]

    def label(self, name: str) -> str:
        """How a message names a column: its path in a vendor object (``via.channel``), else its name."""
        found = [c for c in self.columns if c.name == name]
        return found[0].label if found else name


def _c(spec: str) -> Column:
    """``"!name:type@path"``: a leading ``!`` marks a required column, the type defaults to text, the path
    (of a vendor object's column) to the name."""
    required = spec.startswith("!")
    spec, _, path = spec.lstrip("!").partition("@")
    name, _, type_ = spec.partition(":")
    return Column(name, type_ or "text", required, path or None)  # type: ignore[arg-type]


def columns(*specs: str) -> tuple[Column, ...]:
    return tuple(map(_c, specs))


CHANNELS = ("email", "phone", "chat", "web", "app", "social", "sms", "store", "referral", "search", "ads")

# Exchange rates come first: orders and subscriptions are validated against the currencies they know.
EXTRACT_ENTITIES: tuple[Entity, ...] = (
    Entity(
        "reference", "fx_rates", ("date", "currency"),
        tuple(map(_c, ["!date:date", "!currency:currency", "!rate_to_base:number"])),
    ),
    Entity(
        "crm", "customers", ("customer_id",),
        tuple(map(_c, ["!customer_id", "!updated_at:timestamp", "email", "phone", "created_at:timestamp",
                       "segment:enum", "region:enum", "referred_by_customer_id"])),
        version_column="updated_at",
        enums={"segment": ("consumer", "smb", "enterprise"),
               "region": ("na", "emea", "apac", "latam")},
    ),
    Entity(
        "crm", "subscriptions", ("subscription_id",),
        tuple(map(_c, ["!subscription_id", "!customer_id", "!started_at:timestamp", "!updated_at:timestamp",
                       "ended_at:timestamp", "plan:enum", "monthly_amount:number", "currency:currency"])),
        version_column="updated_at",
        enums={"plan": ("basic", "standard", "premium")},
        ordered_pairs=(("ended_at", "started_at"),),
    ),
    Entity(
        "crm", "nps_responses", ("response_id",),
        tuple(map(_c, ["!response_id", "!customer_id", "!responded_at:timestamp", "!score:integer",
                       "channel:enum", "comment"])),
        enums={"channel": CHANNELS},
    ),
    Entity(
        "helpdesk", "tickets", ("ticket_id",),
        tuple(map(_c, ["!ticket_id", "!created_at:timestamp", "!updated_at:timestamp", "customer_id",
                       "requester_email", "channel:enum", "agent_id", "team:enum", "priority:enum",
                       "status:enum", "first_response_at:timestamp", "resolved_at:timestamp"])),
        version_column="updated_at",
        enums={"channel": CHANNELS,
               "priority": ("low", "normal", "medium", "high", "urgent"),
               "status": ("new", "open", "pending", "on_hold", "solved", "resolved", "closed")},
        ordered_pairs=(("first_response_at", "created_at"), ("resolved_at", "created_at")),
    ),
    Entity(
        "helpdesk", "surveys", ("response_id",),
        tuple(map(_c, ["!response_id", "!survey_type:enum", "!responded_at:timestamp", "!score:number",
                       "!scale_max:number", "scale_min:number", "ticket_id", "customer_id",
                       "requester_email", "channel:enum", "comment"])),
        enums={"survey_type": ("csat", "ces"), "channel": CHANNELS},
    ),
    Entity(
        "ecommerce", "orders", ("order_id",),
        tuple(map(_c, ["!order_id", "!ordered_at:timestamp", "!updated_at:timestamp", "!status:enum",
                       "!amount:number", "currency:currency", "customer_id", "customer_email",
                       "channel:enum", "is_upsell:boolean"])),
        version_column="updated_at",
        enums={"status": ("completed", "cancelled", "refunded"), "channel": CHANNELS},
    ),
    Entity(
        "ecommerce", "carts", ("cart_id",),
        tuple(map(_c, ["!cart_id", "!created_at:timestamp", "updated_at:timestamp", "customer_id",
                       "customer_email", "order_id"])),
        version_column="updated_at",
    ),
    Entity(
        "ecommerce", "sessions", ("session_id",),
        tuple(map(_c, ["!session_id", "!started_at:timestamp", "customer_id", "customer_email", "order_id"])),
    ),
    Entity(
        "ecommerce", "referrals", ("referral_id",),
        tuple(map(_c, ["!referral_id", "!referrer_customer_id", "!sent_at:timestamp", "invitee_email",
                       "signed_up_customer_id"])),
    ),
)
"""The entities of SPEC §1."""

ENUM_SYNONYMS = {
    "e_mail": "email", "mail": "email", "telephone": "phone", "call": "phone", "voice": "phone",
    "live_chat": "chat", "livechat": "chat", "hold": "on_hold", "onhold": "on_hold",
    "canceled": "cancelled",
}
"""Common spellings folded onto one value (SPEC §1 Enumerations), keyed by their folded form
(trimmed, lower-cased, words joined by ``_``)."""

# The vendor objects use the classes above.
from cx_pipeline.sources import VENDOR_OBJECTS  # noqa: E402

ENTITIES: tuple[Entity, ...] = EXTRACT_ENTITIES + VENDOR_OBJECTS
"""Every entity the raw layer loads: SPEC §1's, then the vendor objects of SPEC §6."""

ENTITIES_BY_TABLE = {e.table: e for e in ENTITIES}
