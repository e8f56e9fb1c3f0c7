"""Staging and intermediate layers: SQL files under sql/ rebuilt inside the warehouse.

Both layers hold the current state of every record, derived from everything in raw (a record's latest
version may come from any extract date). Staging merges the keys that new loads touched; intermediate is
rebuilt whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

import sqlalchemy as sa

from cx_pipeline.entities import ENTITIES, Entity
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, read_sql

INTERMEDIATE = ("fx_rates", "customer_keys", "orders", "subscriptions", "customer_activity", "customers",
                "tickets", "survey_responses")
"""Intermediate models in build order: each reads only staging and the models before it."""


STAGED_KEY = {"reference__fx_rates": ("rate_date", "currency")}
"""Key columns of a staging table where they are not named as in raw (the entity's key)."""

MERGE_SHARE = 0.1
"""Staging merges the keys of newly loaded extract dates while those dates hold less than this share of
an entity's raw rows; past it (a backfill), rebuilding the table whole is the cheaper way."""


def latest_version_sql(entity: Entity, touched_keys: str | None = None) -> str:
    """The raw rows of ``entity``, one per key: the latest ``version_column`` wins, ties go to the
    later extract date, then to the later file and row (SPEC §1). With ``touched_keys`` (a table of key
    columns), only the keys in it."""
    order = f"{entity.version_column} desc nulls last, " if entity.version_column else ""
    only = "" if touched_keys is None else (
        f"\n  where exists (select 1 from {touched_keys} as t where {_key_match(entity, 't', 'r', entity.key)})")
    return (
        f"select * from (\n  select *, row_number() over (\n    partition by {', '.join(entity.key)}\n"
        f"    order by {order}_extract_date desc, _source_file desc, _row_number desc\n  ) as version_rank\n"
        f"  from raw.{entity.table} as r{only}\n) as ranked\nwhere version_rank = 1"
    )


def _key_match(entity: Entity, touched: str, other: str, other_key: tuple[str, ...]) -> str:
    return " and ".join(f"{touched}.{k} = {other}.{o}" for k, o in zip(entity.key, other_key))


@dataclasses.dataclass(frozen=True)
class StagingBuild:
    rows: int
    merged_keys: int | None
    """Keys re-derived from raw when the table was merged into; None when it was rebuilt whole."""

    @property
    def description(self) -> str:
        return "rebuilt whole" if self.merged_keys is None else f"merged {self.merged_keys} keys"


def build_staging(warehouse: Warehouse, settings: Settings) -> dict[str, StagingBuild]:
    """Bring stg.<entity> up to date with raw for every entity.

    Raw loads list the extract dates they replaced in raw.extract_dates_to_stage. Staging re-derives
    just the keys those dates hold, now or before the reload, when they are a small part of raw (the
    nightly run); otherwise, or when the staging SQL or its settings changed since the table was built,
    it rebuilds the table whole. Either way the table ends up the same."""
    warehouse.create_tables()
    builds = {}
    with warehouse.begin() as conn:
        for entity in ENTITIES:
            select = read_sql(f"staging/stg_{entity.table}.sql").strip().rstrip(";")
            whole = f"with latest_version as (\n{latest_version_sql(entity)}\n)\n{select}"
            params = settings.sql_params()
            fingerprint = hashlib.sha256(
                json.dumps([whole, warehouse.reporting_timezone, params], default=str).encode()).hexdigest()
            merged_keys = None
            if _mergeable(conn, entity, fingerprint):
                merged_keys = _merge_touched_keys(warehouse, conn, entity, select, params)
            else:
                warehouse.rebuild_table(conn, f"stg.{entity.table}", whole, params)
                conn.execute(sa.text("delete from stg.build_state where entity = :entity"), {"entity": entity.table})
                conn.execute(sa.text("insert into stg.build_state values (:entity, :fingerprint)"),
                             {"entity": entity.table, "fingerprint": fingerprint})
            conn.execute(sa.text("delete from raw.extract_dates_to_stage where entity = :entity"),
                         {"entity": entity.table})
            rows = int(conn.execute(sa.text(f"select count(*) from stg.{entity.table}")).scalar_one())
            builds[entity.table] = StagingBuild(rows, merged_keys)
    return builds


def _mergeable(conn: sa.Connection, entity: Entity, fingerprint: str) -> bool:
    built = conn.execute(sa.text("select fingerprint from stg.build_state where entity = :entity"),
                         {"entity": entity.table}).scalar_one_or_none()
    if built != fingerprint:
        return False
    pending, total = conn.execute(sa.text(
        f"select count(*) filter (where _extract_date in ({_PENDING_DATES})), count(*) from raw.{entity.table}"),
        {"entity": entity.table}).one()
    return pending < MERGE_SHARE * total


_PENDING_DATES = "select extract_date from raw.extract_dates_to_stage where entity = :entity"


def _merge_touched_keys(warehouse: Warehouse, conn: sa.Connection, entity: Entity, select: str,
                        params: dict[str, object]) -> int:
    """Replace the staging rows of the keys that the pending extract dates hold now, or held before
    their reload (a key dropped from a reloaded file falls back to its previous version, or goes).
    Returns the number of keys."""
    staged_key = STAGED_KEY.get(entity.table, entity.key)
    conn.execute(sa.text("drop table if exists touched_keys"))
    conn.execute(sa.text(
        f"create temporary table touched_keys as\n"
        f"select {', '.join(entity.key)} from raw.{entity.table} where _extract_date in ({_PENDING_DATES})\n"
        f"union\n"
        f"select {', '.join(staged_key)} from stg.{entity.table} where extract_date in ({_PENDING_DATES})"),
        {"entity": entity.table})
    conn.execute(sa.text(f"delete from stg.{entity.table} using touched_keys as t "
                         f"where {_key_match(entity, 't', f'stg.{entity.table}', staged_key)}"))
    warehouse.execute(conn, f"insert into stg.{entity.table}\nwith latest_version as (\n"
                            f"{latest_version_sql(entity, 'touched_keys')}\n)\n{select}", params)
    return int(conn.execute(sa.text("select count(*) from touched_keys")).scalar_one())


def build_intermediate(warehouse: Warehouse, settings: Settings, now: dt.datetime) -> dict[str, int]:
    """Rebuild the intermediate tables and the staging-level quarantine; returns row counts by table."""
    counts = {}
    with warehouse.begin() as conn:
        for name in INTERMEDIATE:
            select = read_sql(f"intermediate/int_{name}.sql").strip().rstrip(";")
            counts[name] = warehouse.rebuild_table(conn, f"intermediate.{name}", select, settings.sql_params())
        warehouse.execute_file(conn, "intermediate/quarantine_missing_fx_rate.sql", {"now": now})
    return counts


def identity_counts(warehouse: Warehouse) -> dict[str, dict[str, int]]:
    """How many records each customer-identity rule resolved, by entity (SPEC §1)."""
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text(
            "select entity, identity_rule, count(*) from intermediate.customer_keys group by 1, 2 order by 1, 2"))
        counts: dict[str, dict[str, int]] = {}
        for entity, rule, count in rows:
            counts.setdefault(entity, {})[rule] = int(count)
    return counts
