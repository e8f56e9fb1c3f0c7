"""Staging, intermediate and quarantine: the dbt models between the raw tables and the metric tables.

They hold the current state of every record, derived from everything in raw (a record's latest version may
come from any extract date), so they are not partitioned: a run over any range of extract dates brings them
up to date once, after its raw partitions and before its metric partitions.

Staging models are incremental: a run re-derives only the keys of the extract dates loaded since
(sql/macros/latest_version.sql). That is right only while the staging SQL, and the settings it reads, are
those the tables were built with. Each staging materialization records a fingerprint of both (and of the
warehouse); when the current one differs from the latest recorded in the Dagster instance, or none is
recorded, the run passes ``--full-refresh`` and dbt rebuilds the staging tables whole. Intermediate models
are rebuilt whole."""

import hashlib
import json
from typing import Any, Mapping

import dagster as dg
import sqlalchemy as sa
from dagster_dbt import dbt_assets

from cx_pipeline.defs.dbt import MANIFEST, TRANSLATOR, dbt_build
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, retried_when_transient

CUSTOMER_KEYS = "int_customer_keys"
FINGERPRINT = "staging_fingerprint"


@dbt_assets(manifest=MANIFEST, select="staging intermediate quarantine resource_type:seed", name="transform",
            dagster_dbt_translator=TRANSLATOR, pool="warehouse")
def transform(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings):
    fingerprint = staging_fingerprint(json.loads(MANIFEST.read_text()),
                                      {**settings.sql_environment(), "warehouse": warehouse.location})
    with retried_when_transient():
        staged = _staged_tables(warehouse)
        rebuild = any(_recorded_fingerprint(context, key) != fingerprint for key in context.selected_asset_keys
                      if key.to_user_string().startswith("stg_"))
        events = list(dbt_build(context, warehouse, settings, full_refresh=rebuild))
        for event in events:
            if isinstance(event, dg.Output) and event.output_name.startswith("stg_"):
                build = "merged" if event.output_name.removeprefix("stg_") in staged and not rebuild else "rebuilt whole"
                event = event.with_metadata({**event.metadata, "build": build, FINGERPRINT: fingerprint})
            elif isinstance(event, dg.Output) and event.output_name == CUSTOMER_KEYS:
                event = event.with_metadata({**event.metadata, **identity_metadata(warehouse)})
            yield event


def staging_fingerprint(manifest: Mapping[str, Any], inputs: Mapping[str, str]) -> str:
    """A hash of what the staging tables are built from: each staging model's SQL, the macros it calls
    (transitively), the settings the project reads and the warehouse they are in (one Dagster instance may
    serve several warehouses, each with tables of its own)."""
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["fqn"][1] == "staging"]
    macros, pending = set(), [m for n in models for m in n["depends_on"]["macros"]]
    while pending:
        macro = pending.pop()
        if macro not in macros:
            macros.add(macro)
            pending += manifest["macros"][macro]["depends_on"]["macros"]
    payload = [sorted((n["name"], n["checksum"]["checksum"]) for n in models),
               sorted((m, manifest["macros"][m]["macro_sql"]) for m in macros), sorted(inputs.items())]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]


def _recorded_fingerprint(context: dg.AssetExecutionContext, key: dg.AssetKey) -> str | None:
    event = context.instance.get_latest_materialization_event(key)
    recorded = event.asset_materialization.metadata.get(FINGERPRINT) if event and event.asset_materialization else None
    return recorded.value if recorded is not None else None


def _staged_tables(warehouse: Warehouse) -> set[str]:
    with warehouse.begin() as conn:
        names = conn.execute(sa.text(
            "select table_name from information_schema.tables where table_schema = 'stg'")).scalars().all()
    warehouse.dispose()
    return set(names)


def identity_metadata(warehouse: Warehouse) -> dict[str, object]:
    """How many records each customer-identity rule resolved (SPEC §1), per entity and in all."""
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text(
            "select entity, identity_rule, count(*) from intermediate.customer_keys group by 1, 2 order by 1, 2")).all()
    warehouse.dispose()
    by_entity: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for entity, rule, count in rows:
        by_entity.setdefault(entity, {})[rule] = int(count)
        totals[rule] = totals.get(rule, 0) + int(count)
    return {**{f"identity/{entity}": dg.MetadataValue.json(rules) for entity, rules in by_entity.items()},
            **{f"resolved_by/{rule}": n for rule, n in sorted(totals.items())}}
