"""Zendesk Support: tickets, ticket metrics, users, groups and satisfaction ratings, as the Support API
returns them (developer.zendesk.com, api-reference/ticketing). SPEC §6 says what each becomes: a ticket with
its channel (``via.channel``), agent (``assignee_id``), team (its group's name), first response (ticket
metrics' ``reply_time_in_minutes.calendar`` after ``created_at``) and resolution (``solved_at`` while solved
or closed); a satisfaction rating ``good`` or ``bad`` is a CSAT response on the scale 0–1."""

from cx_pipeline.entities import CHANNELS, Entity, columns

TICKET_STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed", "deleted")
"""Folded (``hold`` → ``on_hold``). ``deleted`` is how Zendesk's incremental export sends a deleted ticket."""

TICKETS = Entity(
    "zendesk", "tickets", ("id",),
    columns("!id", "!created_at:timestamp", "!updated_at:timestamp", "status:enum", "priority:enum",
            "via_channel:enum@via.channel", "assignee_id", "group_id", "requester_id"),
    version_column="updated_at",
    enums={"status": TICKET_STATUSES, "priority": ("low", "normal", "high", "urgent"),
           "via_channel": CHANNELS + ("api", "mobile", "twitter", "facebook", "native_messaging", "any_channel")},
    vendor=True,
)

TICKET_METRICS = Entity(
    "zendesk", "ticket_metrics", ("ticket_id",),
    columns("!ticket_id", "!updated_at:timestamp", "reply_time_minutes:number@reply_time_in_minutes.calendar",
            "solved_at:timestamp", "id", "created_at:timestamp"),
    version_column="updated_at",
    vendor=True,
)

USERS = Entity(
    "zendesk", "users", ("id",),
    columns("!id", "!updated_at:timestamp", "email", "role:enum", "created_at:timestamp"),
    version_column="updated_at",
    enums={"role": ("end_user", "agent", "admin")},
    vendor=True,
)

GROUPS = Entity(
    "zendesk", "groups", ("id",),
    columns("!id", "!name:enum", "updated_at:timestamp", "deleted:boolean", "created_at:timestamp"),
    version_column="updated_at",
    vendor=True,
)

SATISFACTION_RATINGS = Entity(
    "zendesk", "satisfaction_ratings", ("id",),
    columns("!id", "!ticket_id", "!score:enum", "!updated_at:timestamp", "created_at:timestamp", "requester_id",
            "assignee_id", "group_id"),
    version_column="updated_at",
    enums={"score": ("good", "bad", "offered", "unoffered")},
    vendor=True,
)

OBJECTS = (TICKETS, TICKET_METRICS, USERS, GROUPS, SATISFACTION_RATINGS)
