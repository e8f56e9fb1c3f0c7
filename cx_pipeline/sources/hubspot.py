"""HubSpot: contacts as the CRM API v3 returns them (developers.hubspot.com, CRM API "Contacts", ``GET
/crm/v3/objects/contacts``): ``id``, ``createdAt``, ``updatedAt``, ``archived`` and the requested
``properties``, all text. SPEC §6 says what a contact becomes: a CRM customer, the customer master, with
its e-mail, region ``properties.country`` and the segment in the property ``CX_HUBSPOT_SEGMENT_PROPERTY``
names; the whole ``properties`` object is kept for that, as JSON text. A property the contact lacks is a
missing value."""

from __future__ import annotations

from cx_pipeline.entities import Entity, columns

CONTACTS = Entity(
    "hubspot", "contacts", ("id",),
    columns("!id", "!created_at:timestamp@createdAt", "!updated_at:timestamp@updatedAt", "email@properties.email",
            "country:enum@properties.country", "properties@properties", "archived:boolean"),
    version_column="updated_at",
    vendor=True,
)

OBJECTS = (CONTACTS,)
