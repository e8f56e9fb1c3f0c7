"""Staging and intermediate layers: the current state of every record, and the building blocks the
metrics share.

Both derive from everything in raw (a record's latest version may come from any extract date), so they
are not partitioned: a run over any range of extract dates brings them up to date once, after its raw
partitions and before its metric partitions. Staging merges just the keys the run's loads touched when
that is the cheaper way (a nightly run) and rebuilds whole otherwise; intermediate is rebuilt whole."""


import datetime as dt

import dagster as dg

from cx_pipeline.defs.raw import raw_asset_key
from cx_pipeline.entities import ENTITIES
from cx_pipeline.settings import Settings
from cx_pipeline.transform import INTERMEDIATE, build_intermediate, build_staging, identity_counts
from cx_pipeline.warehouse import Warehouse, retried_when_transient

_STAGING_GRAIN = {
    "crm__customers": "one row per CRM customer",
    "crm__subscriptions": "one row per subscription",
    "crm__nps_responses": "one row per NPS response",
    "helpdesk__tickets": "one row per ticket",
    "helpdesk__surveys": "one row per CSAT or CES response",
    "ecommerce__orders": "one row per order",
    "ecommerce__carts": "one row per cart",
    "ecommerce__sessions": "one row per session",
    "ecommerce__referrals": "one row per referral sent",
    "reference__fx_rates": "one row per (date, currency) exchange rate",
}

INTERMEDIATE_ASSETS = {
    "fx_rates": ("One row per currency and validity interval of its rate to the base currency.",
                 ["stg_reference__fx_rates"]),
    "customer_keys": ("One row per ticket, survey, order, cart and session, with its date: the customer it is "
                      "tied to and the identity rule that tied it (customer_id, email_match, ticket, guest).",
                      ["stg_crm__customers", "stg_helpdesk__tickets", "stg_helpdesk__surveys",
                       "stg_ecommerce__orders", "stg_ecommerce__carts", "stg_ecommerce__sessions"]),
    "orders": ("One row per order with its amount in the base currency and customer key.",
               ["stg_ecommerce__orders", "stg_crm__customers", "int_fx_rates", "int_customer_keys"]),
    "subscriptions": ("One row per subscription whose currency can be converted.",
                      ["stg_crm__subscriptions", "int_fx_rates"]),
    "customer_activity": ("One row per spell of activity of a customer (subscription, or a completed "
                          "order within inactivity_days).", ["int_orders", "int_subscriptions"]),
    "customers": ("One row per customer key: segment, region, referrer and first active day.",
                  ["stg_crm__customers", "int_customer_activity"]),
    "tickets": ("One row per ticket with hours to first response and to resolution.",
                ["stg_helpdesk__tickets", "int_customer_keys"]),
    "survey_responses": ("One row per CSAT or CES response with its position on its scale and the "
                         "channel, agent, team and segment it counts under.",
                         ["stg_helpdesk__surveys", "stg_helpdesk__tickets", "int_customer_keys", "int_customers"]),
}
"""Intermediate models: what one row is, and the assets each reads (built in the order of INTERMEDIATE)."""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(f"stg_{e.table}", group_name="staging", deps=[raw_asset_key(e)], kinds={"sql"},
                     description=f"{_STAGING_GRAIN[e.table].capitalize()}: the latest version of each key "
                                 f"(SPEC §1), dates in the reporting time zone. Table `stg.{e.table}`.",
                     metadata={"table": f"stg.{e.table}"})
        for e in ENTITIES
    ],
    pool="warehouse",
)
def staging(warehouse: Warehouse, settings: Settings):
    with retried_when_transient():
        builds = build_staging(warehouse, settings)
    for table, build in builds.items():
        yield dg.MaterializeResult(asset_key=f"stg_{table}", metadata={"rows": build.rows, "build": build.description})


@dg.multi_asset(
    specs=[
        dg.AssetSpec(f"int_{name}", group_name="intermediate", kinds={"sql"},
                     description=f"{INTERMEDIATE_ASSETS[name][0]} Table `intermediate.{name}`.",
                     deps=INTERMEDIATE_ASSETS[name][1], metadata={"table": f"intermediate.{name}"})
        for name in INTERMEDIATE
    ],
    pool="warehouse",
)
def intermediate(warehouse: Warehouse, settings: Settings):
    with retried_when_transient():
        counts = build_intermediate(warehouse, settings, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
        identities = identity_counts(warehouse)
    for name in INTERMEDIATE:
        metadata: dict[str, object] = {"rows": counts[name]}
        if name == "customer_keys":
            # How many records each identity rule resolved (SPEC §1), per entity and in all.
            totals: dict[str, int] = {}
            for entity, rules in identities.items():
                metadata[f"identity/{entity}"] = dg.MetadataValue.json(rules)
                for rule, n in rules.items():
                    totals[rule] = totals.get(rule, 0) + n
            metadata.update({f"resolved_by/{rule}": n for rule, n in sorted(totals.items())})
        yield dg.MaterializeResult(asset_key=f"int_{name}", metadata=metadata)
