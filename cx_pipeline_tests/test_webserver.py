"""The Dagster UI: the real webserver over the real code location, asked over GraphQL."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cx_pipeline.entities import ENTITIES
from cx_pipeline_tests.conftest import free_port

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def graphql(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    log = home / "webserver.log"
    port = free_port()
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env={**os.environ, "DAGSTER_HOME": str(home)}, stdout=output, stderr=subprocess.STDOUT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    # Whatever happens while it starts, the server does not outlive the tests: a process left running
    # would keep the test command from ending.
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/server_info", timeout=2).read()
                break
            except OSError:
                said = log.read_text(errors="replace")[-3000:]
                assert server.poll() is None, f"the webserver exited:\n{said}"
                assert time.monotonic() < deadline, f"the webserver did not start within 180 s:\n{said}"
                time.sleep(0.5)

        def ask(query: str, variables: dict | None = None) -> dict:
            request = urllib.request.Request(f"{base}/graphql", json.dumps({"query": query, "variables": variables or {}})
                                             .encode(), {"Content-Type": "application/json"})
            answer = json.loads(urllib.request.urlopen(request, timeout=60).read())
            assert "errors" not in answer, answer
            return answer["data"]

        yield ask
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_code_location_loads_with_both_schedules(graphql):
    data = graphql("""{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
        locationOrLoadError { __typename ... on RepositoryLocation { repositories {
          schedules { name cronSchedule scheduleState { status } } sensors { name sensorState { status } } } } } } } } }""")
    entry, = data["workspaceOrError"]["locationEntries"]
    assert (entry["name"], entry["loadStatus"]) == ("cx_pipeline", "LOADED")
    repository, = entry["locationOrLoadError"]["repositories"]
    assert {(s["name"], s["cronSchedule"]) for s in repository["schedules"]} == \
        {("nightly", "0 2 * * *"), ("monthly", "0 3 1 * *")}
    # One switch: the sensor that follows each load with its metrics is on from the start, the schedules are not.
    assert [(s["name"], s["sensorState"]["status"]) for s in repository["sensors"]] == [("nightly_metrics", "RUNNING")]
    assert {s["scheduleState"]["status"] for s in repository["schedules"]} == {"STOPPED"}


def test_metric_assets_with_their_partitions(graphql):
    for name, kind in (("metrics_daily", "TIME_WINDOW"), ("metrics_monthly", "TIME_WINDOW"), ("cx_report", "TIME_WINDOW")):
        node = graphql("""query($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode {
            partitionDefinition { type description } partitionKeys } } }""",
                       {"key": {"path": [name]}})["assetNodeOrError"]
        assert node["partitionDefinition"]["type"] == kind
        assert node["partitionKeys"][0] in ("2020-01-01",)
    daily = graphql("""{ assetNodeOrError(assetKey: {path: ["metrics_daily"]}) { ... on AssetNode {
        partitionKeys } } }""")["assetNodeOrError"]["partitionKeys"]
    monthly = graphql("""{ assetNodeOrError(assetKey: {path: ["metrics_monthly"]}) { ... on AssetNode {
        partitionKeys } } }""")["assetNodeOrError"]["partitionKeys"]
    assert len(daily) > 365 * 6 and len(monthly) > 12 * 6
    assert all(key.endswith("-01") for key in monthly)


def test_lineage_reaches_every_raw_entity_and_checks_are_attached(graphql):
    nodes = graphql("""{ assetNodes { assetKey { path } dependencyKeys { path }
        assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }""")["assetNodes"]
    parents = {n["assetKey"]["path"][0]: {d["path"][0] for d in n["dependencyKeys"]} for n in nodes}
    assert parents["cx_report"] == {"metrics_monthly"}
    for metric in ("metrics_daily", "metrics_monthly"):
        seen, todo = set(), [metric]
        while todo:
            for parent in parents[todo.pop()] - seen:
                seen.add(parent)
                todo.append(parent)
        assert {f"raw_{e.table}" for e in ENTITIES} <= seen, metric
    checks = {n["assetKey"]["path"][0]: {c["name"]: c["blocking"] for c in n["assetChecksOrError"]["checks"]}
              for n in nodes}
    for entity in ENTITIES:
        assert checks[f"raw_{entity.table}"] == {"files_readable": True, "rows_reconciled": True,
                                                 "expectations": False}


def test_every_dbt_model_is_an_asset_with_its_description_lineage_and_tests_as_checks(graphql):
    """The dbt project as the UI shows it: one asset per model and seed, described as in its schema YAML,
    lineage from the raw assets (dbt sources) through staging and intermediate to both metric tables, and
    each dbt test a check on its model, blocking where its severity is error."""
    manifest = json.loads((REPO / "sql" / "target" / "manifest.json").read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")}
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    nodes = graphql("""{ assetNodes { assetKey { path } description groupName dependencyKeys { path }
        assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }""")["assetNodes"]
    by_key = {n["assetKey"]["path"][0]: n for n in nodes}

    assert set(models) <= set(by_key)
    for name, model in models.items():
        assert by_key[name]["description"].startswith(model["description"].strip()[:40]), name
    assert {by_key[n]["groupName"] for n in models if n.startswith("stg_")} == {"staging"}
    assert {by_key[n]["groupName"] for n in models if n.startswith("int_")} == {"intermediate"}

    parents = {key: {d["path"][0] for d in node["dependencyKeys"]} for key, node in by_key.items()}
    assert parents["stg_helpdesk__tickets"] == {"raw_helpdesk__tickets"}
    # Tickets of every source system meet in one shape before the intermediate model reads them.
    assert {"stg_helpdesk__tickets", "stg_zendesk__tickets", "stg_zendesk__ticket_metrics"} <= parents["int_tickets_unioned"]
    assert "int_tickets_unioned" in parents["int_tickets"]
    assert {"int_tickets", "int_survey_responses", "int_customers", "metric_catalog"} <= parents["metrics_daily"]
    for metric_table in ("metrics_daily", "metrics_monthly"):
        seen, todo = set(), [metric_table]
        while todo:
            for parent in parents[todo.pop()] - seen:
                seen.add(parent)
                todo.append(parent)
        assert {f"raw_{e.table}" for e in ENTITIES} <= seen
        assert {n for n in models if n.startswith("stg_")} <= seen

    checks = {(key, c["name"]): c["blocking"] for key, node in by_key.items()
              for c in node["assetChecksOrError"]["checks"]}
    for test in tests:
        model = manifest["nodes"][test["attached_node"]]["name"]
        severity = test["config"]["severity"].lower()
        assert checks[(model, test["name"])] is (severity == "error"), test["name"]
    assert checks[("metrics_daily", "metrics_daily_churn_and_retention_add_up_to_100")] is True
    assert checks[("stg_helpdesk__tickets", "accepted_values_stg_helpdesk__tickets_status__new__open__pending__on_hold__solved__resolved__closed")] is False
