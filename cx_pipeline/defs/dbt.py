"""The dbt project under ``sql/`` as Dagster assets: which asset each dbt node is, and how an asset runs
dbt. Every model is an asset, every dbt test an asset check (blocking when its severity is error), and
the raw tables are dbt sources mapped onto the raw assets, so lineage runs from each extract to each
metric table."""

from __future__ import annotations

import datetime as dt
from typing import Any, Collection, Iterator, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from cx_pipeline.dbt_invocation import run_dbt
from cx_pipeline.dbt_project import dbt_environment, invocation_target, prepare_manifest
from cx_pipeline.defs.partitions import judged_over
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse

MANIFEST = prepare_manifest()

_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts", "quarantine": "quarantine"}


class CxDbtTranslator(DagsterDbtTranslator):
    """Asset keys are the dbt node names (stg_crm__customers, int_customer_keys, metrics_daily); a raw
    table, declared as source('raw', …), is the raw asset that loads it (raw_crm__customers). Groups follow
    the project's folders; the seeds (the metric catalogue, the t quantiles) are the group `reference`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(f"{dbt_resource_props['source_name']}_{dbt_resource_props['name']}")
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return _GROUPS.get(dbt_resource_props["fqn"][1])


TRANSLATOR = CxDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def dbt_build(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings,
              periods: tuple[dt.date, dt.date] | None = None, full_refresh: bool = False,
              leave_out: Collection[str] = (), threads: int | None = None,
              changes_since: dt.datetime | None = None) -> Iterator[Any]:
    """``dbt build`` of the step's selection (models, then their tests) but the models in ``leave_out``, as
    Dagster events; ``threads`` nodes at a time instead of the profile's one; intermediate models re-derive
    what the loads after ``changes_since`` touched (without it, they are rebuilt whole).

    The warehouse resource lets go of its connection first: dbt opens one of its own, and DuckDB admits
    one configuration of a file per process."""
    warehouse.dispose()
    with invocation_target() as target:
        environment = dbt_environment(warehouse.url, settings.sql_environment(), periods, changes_since)
        for event in run_dbt(context, "build", environment, target, full_refresh, leave_out, threads):
            checked = isinstance(event, dg.AssetCheckResult) and periods is not None
            yield judged_over(event, *periods) if checked else event
