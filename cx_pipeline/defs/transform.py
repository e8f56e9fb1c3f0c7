"""Staging, intermediate and quarantine: the dbt models between the raw tables and the metric tables.

They hold the current state of every record, derived from everything in raw (a record's latest version may
come from any extract date), so they are not partitioned: a run over any range of extract dates brings them
up to date once, after its raw partitions and before its metric partitions.

Staging models are incremental: a run re-derives only the keys of the extract dates loaded since
(sql/macros/latest_version.sql). That is right only while the staging SQL, and the settings it reads, are
those the tables were built with. Each staging materialization records a fingerprint of both (and of the
warehouse); when the current one differs from the latest recorded in the Dagster instance, or none is
recorded, the run passes ``--full-refresh`` and dbt rebuilds the staging tables whole. Intermediate models
are rebuilt whole.

Two kinds of model are left out of a run that merges, as building them would write what they hold: the
staging of a source that has never delivered a record (its raw and staging tables are empty), and a seed
whose file, column types and warehouse are those its latest materialization recorded."""

import hashlib
import json
from typing import Any, Mapping

import dagster as dg
import sqlalchemy as sa
from dagster_dbt import dbt_assets
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

from cx_pipeline.defs.dbt import MANIFEST, TRANSLATOR, dbt_build
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, retried_when_transient

CUSTOMER_KEYS = "int_customer_keys"
FINGERPRINT = "staging_fingerprint"


@dbt_assets(manifest=MANIFEST, select="staging intermediate quarantine resource_type:seed", name="transform",
            dagster_dbt_translator=TRANSLATOR, pool="warehouse")
def transform(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings):
    manifest = get_manifest_and_translator_from_dbt_assets([context.assets_def])[0]
    fingerprint = staging_fingerprint(manifest, {**settings.sql_environment(), "warehouse": warehouse.location})
    seeds = {node["name"]: seed_fingerprint(node, warehouse.location) for node in manifest["nodes"].values()
             if node["resource_type"] == "seed"}
    with retried_when_transient():
        tables = _tables_by_schema(warehouse)
        staged = tables.get("stg", set())
        rebuild = any(_recorded_fingerprint(context, key) != fingerprint for key in context.selected_asset_keys
                      if key.to_user_string().startswith("stg_"))
        silent = set() if rebuild else {f"stg_{table}" for table in _silent_sources(warehouse, staged)}
        loaded = set() if rebuild else {name for name in seeds.keys() & tables.get("marts", set())
                                        if _recorded_fingerprint(context, dg.AssetKey(name)) == seeds[name]}
        left_out = [*([f"{', '.join(sorted(silent))} (their sources have delivered no record yet)"] if silent else []),
                    *([f"{', '.join(sorted(loaded))} (loaded as they are)"] if loaded else [])]
        if left_out:
            context.log.info(f"left out of dbt build: {'; '.join(left_out)}")
        # Merging a night's keys, each node's SQL is short and dbt's own work around it dominates: two nodes
        # at a time overlap one's SQL with the other's Python. Rebuilding whole, one query already keeps both
        # cores busy, and two at a time were slower (measured at 50,000 customers).
        events = list(dbt_build(context, warehouse, settings, full_refresh=rebuild, threads=1 if rebuild else 2,
                                leave_out=silent | loaded))
        for event in events:
            if isinstance(event, dg.Output) and event.output_name.startswith("stg_"):
                build = "merged" if event.output_name.removeprefix("stg_") in staged and not rebuild else "rebuilt whole"
                event = event.with_metadata({**event.metadata, "build": build, FINGERPRINT: fingerprint})
            elif isinstance(event, dg.Output) and event.output_name in seeds:
                event = event.with_metadata({**event.metadata, FINGERPRINT: seeds[event.output_name]})
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


def seed_fingerprint(seed: Mapping[str, Any], warehouse: str) -> str:
    """A hash of what a seed's table holds: its file, its column types and the warehouse it is in. A seed
    whose latest materialization recorded the same is not loaded again."""
    payload = [seed["checksum"]["checksum"], seed["config"].get("column_types") or {}, warehouse]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _recorded_fingerprint(context: dg.AssetExecutionContext, key: dg.AssetKey) -> str | None:
    event = context.instance.get_latest_materialization_event(key)
    recorded = event.asset_materialization.metadata.get(FINGERPRINT) if event and event.asset_materialization else None
    return recorded.value if recorded is not None else None


def _tables_by_schema(warehouse: Warehouse) -> dict[str, set[str]]:
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text("select table_schema, table_name from information_schema.tables "
                                    "where table_schema in ('stg', 'marts')")).all()
    warehouse.dispose()
    tables: dict[str, set[str]] = {}
    for schema, name in rows:
        tables.setdefault(schema, set()).add(name)
    return tables


def _silent_sources(warehouse: Warehouse, staged: set[str]) -> set[str]:
    """Staged tables whose source has never delivered a record (a vendor the company does not use): their
    raw and staging tables are empty, so a run would merge nothing into them and test empty tables again.
    Their models are left out of the run; they run again with the first record their source delivers."""
    if not staged:
        return set()
    with warehouse.begin() as conn:
        silent = conn.execute(sa.text(" union all ".join(
            f"select '{table}' where not exists (select 1 from raw.{table}) "
            f"and not exists (select 1 from stg.{table})" for table in sorted(staged)))).scalars().all()
    warehouse.dispose()
    return set(silent)


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
