"""The vendor objects of SPEC §6, one module per vendor: each object's key, columns and the JSON paths they
are read from (data, not code paths), and, for a vendor CSV export, how its records become the objects the
API gives."""

from cx_pipeline.sources import shopify, zendesk

VENDOR_OBJECTS = (*zendesk.OBJECTS, *shopify.OBJECTS)
