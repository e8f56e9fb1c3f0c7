"""Staging, intermediate and quarantine: the dbt models between the raw tables and the metric tables.

They hold the current state of every record, derived from everything in raw (a record's latest version may
come from any extract date), so they are not partitioned: a run over any range of extract dates brings them
up to date once, after its raw partitions and before its metric partitions.

Staging models are incremental: a run re-derives only the keys of the extract dates loaded since
(sql/macros/latest_version.sql). That is right only while the staging SQL, and the settings it reads, are
those the tables were built with. Each staging materialization records a fingerprint of both (and of the
warehouse); when the current one differs from the latest recorded in the Dagster instance, or none is
recorded, the run passes ``--full-refresh`` and dbt rebuilds the staging tables whole.

Intermediate models are incremental too: a run re-derives only the records and customers the loads since
their last run touched (sql/macros/changes.sql). Each records the latest load it had seen and a fingerprint
of the staging and intermediate SQL; the next run follows the loads after it when every intermediate model
recorded the same, else they are rebuilt whole (``changes_since``).

Two kinds of model are left out of a run that merges, as building them would write what they hold: the
staging of a source that has never delivered a record (its raw and staging tables are empty), and a seed
whose file, column types and warehouse are those its latest materialization recorded."""

import datetime as dt
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
LOADED_UNTIL = "loaded_until"
"""Of an intermediate table: the latest raw load its run had seen; the next run follows the loads after it."""


@dbt_assets(manifest=MANIFEST, select="staging intermediate quarantine resource_type:seed", name="transform",
            dagster_dbt_translator=TRANSLATOR, pool="warehouse")
def transform(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings):
    manifest = get_manifest_and_translator_from_dbt_assets([context.assets_def])[0]
    inputs = {**settings.sql_environment(), "warehouse": warehouse.location}
    fingerprint = sql_fingerprint(manifest, ("staging",), inputs)
    intermediate_fingerprint = sql_fingerprint(manifest, ("staging", "intermediate"), inputs)
    intermediate = {node["name"]: node["alias"] for node in manifest["nodes"].values()
                    if node["resource_type"] == "model" and node["fqn"][1] == "intermediate"}
    seeds = {node["name"]: seed_fingerprint(node, warehouse.location) for node in manifest["nodes"].values()
             if node["resource_type"] == "seed"}
    with retried_when_transient():
        tables = _tables_by_schema(warehouse)
        staged = tables.get("stg", set())
        rebuild = any(_recorded(context, key, FINGERPRINT) != fingerprint for key in context.selected_asset_keys
                      if key.to_user_string().startswith("stg_"))
        silent = set() if rebuild else {f"stg_{table}" for table in _silent_sources(warehouse, staged)}
        loaded = set() if rebuild else {name for name in seeds.keys() & tables.get("marts", set())
                                        if _recorded(context, dg.AssetKey(name), FINGERPRINT) == seeds[name]}
        loaded_until = _latest_load(warehouse)
        since = None if rebuild else changes_since(context, warehouse, intermediate, tables, intermediate_fingerprint)
        left_out = [*([f"{', '.join(sorted(silent))} (their sources have delivered no record yet)"] if silent else []),
                    *([f"{', '.join(sorted(loaded))} (loaded as they are)"] if loaded else [])]
        if left_out:
            context.log.info(f"left out of dbt build: {'; '.join(left_out)}")
        # Nodes at a time overlap one's SQL with the others' Python. Merging a night's keys, each node's SQL
        # is short and dbt's own work around it dominates: four at a time. Rebuilding whole (on Spark, always),
        # the SQL is long and two cores serve two nodes best. At 50,000 customers, a night: 9.9 s two at a
        # time, 8.8 s four; a year: 12.9 s two, 14.6 s four (the mean of two runs each).
        merges = not rebuild and warehouse.dialect != "spark"
        events = list(dbt_build(context, warehouse, settings, full_refresh=rebuild, threads=4 if merges else 2,
                                leave_out=silent | loaded, changes_since=since))
        for event in events:
            if isinstance(event, dg.Output) and event.output_name.startswith("stg_"):
                build = "merged" if event.output_name.removeprefix("stg_") in staged and not rebuild else "rebuilt whole"
                event = event.with_metadata({**event.metadata, "build": build, FINGERPRINT: fingerprint})
            elif isinstance(event, dg.Output) and event.output_name in seeds:
                event = event.with_metadata({**event.metadata, FINGERPRINT: seeds[event.output_name]})
            elif isinstance(event, dg.Output) and event.output_name in intermediate:
                build = f"changes loaded after {since.isoformat()}" if since else "rebuilt whole"
                event = event.with_metadata({
                    **event.metadata, "build": build, FINGERPRINT: intermediate_fingerprint,
                    LOADED_UNTIL: loaded_until.isoformat() if loaded_until else "",
                    **(identity_metadata(warehouse) if event.output_name == CUSTOMER_KEYS else {})})
            yield event


def changes_since(context: dg.AssetExecutionContext, warehouse: Warehouse, intermediate: Mapping[str, str],
                  tables: Mapping[str, set[str]], fingerprint: str) -> dt.datetime | None:
    """The instant after which loads are followed into the intermediate models (sql/macros/changes.sql): the
    latest load their last run had seen. None, and the models are rebuilt whole, unless that run built every
    intermediate model from the same SQL, settings and warehouse, and this step builds them all again; on
    Spark (Parquet tables have no delete); and when a load since dropped a key its extract date held, which
    only a whole rebuild takes away."""
    if warehouse.dialect == "spark" or not set(intermediate.values()) <= tables.get("intermediate", set()):
        return None
    if {key.to_user_string() for key in context.selected_asset_keys} >= intermediate.keys():
        recorded = {(_recorded(context, dg.AssetKey(name), FINGERPRINT),
                     _recorded(context, dg.AssetKey(name), LOADED_UNTIL)) for name in intermediate}
        if len(recorded) == 1 and (until := recorded.pop())[0] == fingerprint and until[1]:
            since = dt.datetime.fromisoformat(until[1])
            with warehouse.begin() as conn:
                dropped = conn.execute(sa.text("select count(*) from raw.extract_date_loads "
                                               "where loaded_at > :since and keys_dropped > 0"),
                                       {"since": since}).scalar_one()
            warehouse.dispose()
            return None if dropped else since
    return None


def sql_fingerprint(manifest: Mapping[str, Any], layers: tuple[str, ...], inputs: Mapping[str, str]) -> str:
    """A hash of what the tables of ``layers`` are built from: each model's SQL, the macros it calls
    (transitively), the settings the project reads and the warehouse they are in (one Dagster instance may
    serve several warehouses, each with tables of its own)."""
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["fqn"][1] in layers]
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


def _recorded(context: dg.AssetExecutionContext, key: dg.AssetKey, name: str) -> str | None:
    """A metadata value the asset's latest materialization recorded."""
    event = context.instance.get_latest_materialization_event(key)
    recorded = event.asset_materialization.metadata.get(name) if event and event.asset_materialization else None
    return recorded.value if recorded is not None else None


def _latest_load(warehouse: Warehouse) -> dt.datetime | None:
    with warehouse.begin() as conn:
        latest = conn.execute(sa.text("select max(loaded_at) from raw.extract_date_loads")).scalar()
    warehouse.dispose()
    return latest


def _tables_by_schema(warehouse: Warehouse) -> dict[str, set[str]]:
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text("select table_schema, table_name from information_schema.tables "
                                    "where table_schema in ('stg', 'intermediate', 'marts')")).all()
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
