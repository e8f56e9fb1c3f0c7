"""The code location loads, with every layer, check, job and schedule the UI shows."""

import dagster as dg

from cx_pipeline.definitions import defs
from cx_pipeline.entities import ENTITIES


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_every_layer_has_its_assets():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {f"raw_{e.table}" for e in ENTITIES} <= keys
    assert {f"stg_{e.table}" for e in ENTITIES} <= keys
    assert {"int_customer_keys", "int_customer_activity", "metrics_daily", "metrics_monthly", "cx_report"} <= keys


def test_raw_assets_carry_their_validation_checks():
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    for entity in ENTITIES:
        for name in ("files_readable", "rows_reconciled", "expectations"):
            assert (f"raw_{entity.table}", name) in checks


def test_metrics_reach_back_to_every_raw_entity():
    graph = defs.resolve_asset_graph()
    for table in ("metrics_daily", "metrics_monthly"):
        upstream = {k.to_user_string() for k in graph.get_ancestor_asset_keys(dg.AssetKey(table))}
        assert {f"raw_{e.table}" for e in ENTITIES} <= upstream


def test_jobs_and_schedules():
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"ingest", "daily", "daily_metrics", "monthly_metrics"}
    monthly = defs.resolve_job_def("monthly_metrics")
    assert {k.to_user_string() for k in monthly.asset_layer.selected_asset_keys} == {
        "metrics_monthly", "metric_changes_monthly", "cx_report"}
    schedules = {name: defs.resolve_schedule_def(name) for name in ("nightly", "monthly")}
    assert {s.name for s in defs.schedules} == {"nightly", "monthly"}
    assert schedules["nightly"].cron_schedule == "0 2 * * *"
    assert schedules["monthly"].cron_schedule == "0 3 1 * *"
    assert {s.name for s in defs.sensors} == {"nightly_metrics"}
