"""The entities of SPEC §1 as data: one description drives the readers, the validation suites,
the raw tables and the raw assets."""

from __future__ import annotations

import dataclasses
from typing import Literal

ColumnType = Literal["text", "timestamp", "number", "integer", "boolean", "date", "enum", "currency"]


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = False


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


def _c(spec: str) -> Column:
    """``"!name:type"``: a leading ``!`` marks a required column, the type defaults to text."""
    required = spec.startswith("!")
    name, _, type_ = spec.lstrip("!").partition(":")
    return Column(name, type_ or "text", required)  # type: ignore[arg-type]


CHANNELS = ("email", "phone", "chat", "web", "app", "social", "sms", "store", "referral", "search", "ads")

# Exchange rates come first: orders and subscriptions are validated against the currencies they know.
ENTITIES: tuple[Entity, ...] = (
    Entity(
        "reference", "fx_rates", ("date", "currency"),
        tuple(map(_c, ["!date:date", "!currency:currency", "!rate_to_base:number"])),
    ),    Entity(
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

ENTITIES_BY_TABLE = {e.table: e for e in ENTITIES}

ENUM_SYNONYMS = {
    "e_mail": "email", "mail": "email", "telephone": "phone", "call": "phone", "voice": "phone",
    "live_chat": "chat", "livechat": "chat", "hold": "on_hold", "onhold": "on_hold",
    "canceled": "cancelled",
}
"""Common spellings folded onto one value (SPEC §1 Enumerations), keyed by their folded form
(trimmed, lower-cased, words joined by ``_``)."""
