"""The vendor objects of SPEC §6, one module per vendor: each object's key, columns and the JSON paths they
are read from (data, not code paths); for a vendor CSV export, how its records become the objects the API
gives; for a value the vendor does not send (a Stripe subscription's monthly amount), how it is computed."""

from cx_pipeline.sources import hubspot, qualtrics, shopify, stripe, zendesk

VENDOR_OBJECTS = (*zendesk.OBJECTS, *shopify.OBJECTS, *stripe.OBJECTS, *hubspot.OBJECTS, *qualtrics.OBJECTS)
