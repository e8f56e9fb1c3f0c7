"""Staging and intermediate layers: SQL files under sql/ rebuilt inside the warehouse.

Both layers hold the current state of every record, so each build replaces its tables whole from
everything in raw (a record's latest version may come from any extract date).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from cx_pipeline.entities import ENTITIES, Entity
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, read_sql

INTERMEDIATE = ("fx_rates", "customer_keys", "orders", "subscriptions", "customer_activity", "customers",
                "tickets", "survey_responses")
"""Intermediate models in build order: each reads only staging and the models before it."""


def latest_version_sql(entity: Entity) -> str:
    """The raw rows of ``entity``, one per key: the latest ``version_column`` wins, ties go to the
    later extract date, then to the later file and row (SPEC §1)."""
    order = f"{entity.version_column} desc nulls last, " if entity.version_column else ""
    return (
        f"select * from (\n  select *, row_number() over (\n    partition by {', '.join(entity.key)}\n"
        f"    order by {order}_extract_date desc, _source_file desc, _row_number desc\n  ) as version_rank\n"
        f"  from raw.{entity.table}\n) as ranked\nwhere version_rank = 1"
    )


def build_staging(warehouse: Warehouse, settings: Settings) -> dict[str, int]:
    """Rebuild stg.<entity> for every entity; returns row counts by table."""
    counts = {}
    with warehouse.begin() as conn:
        for entity in ENTITIES:
            select = read_sql(f"staging/stg_{entity.table}.sql").strip().rstrip(";")
            counts[entity.table] = warehouse.rebuild_table(
                conn, f"stg.{entity.table}", f"with latest_version as (\n{latest_version_sql(entity)}\n)\n{select}",
                settings.sql_params())
    return counts


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
