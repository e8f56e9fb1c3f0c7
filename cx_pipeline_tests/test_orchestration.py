"""Nightly runs, backfills and crashes as a data engineer meets them, through the command line."""

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from hypothesis import given, strategies as st

from cx_pipeline.affected import contiguous_ranges
from cx_pipeline.generate import generate

from cx_pipeline_tests.conftest import WAREHOUSES, Pipeline, RawFiles, new_warehouse, run_cli

_COLUMNS = {
    "marts.metrics_daily": "metric_date, metric, dimension, dimension_value, value, numerator, denominator, "
                           "sample_size, ci_low, ci_high",
    "marts.metrics_monthly": "month, metric, dimension, dimension_value, value, numerator, denominator, "
                             "sample_size, ci_low, ci_high",
    "quarantine.rejected_rows": "entity, extract_date, source_file, row_number, raw_row, rule, column_name, stage",
    "raw.ecommerce__orders": "order_id, status, amount, _extract_date, _source_file, _row_number",
    "stg.helpdesk__tickets": "ticket_id, status, channel, created_at, resolved_at, email",
}


def _snapshot(url: str) -> dict[str, list]:
    """Every row of the public and raw tables, computed_at and load times aside, in a stable order, figures
    to 1e-9: a parallel aggregate may add floating-point terms in another order from one run to the next."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return {table: [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in conn.execute(sa.text(
            f"select {columns} from {table} order by {', '.join(str(n + 1) for n in range(columns.count(',') + 1))}"
        )).all()] for table, columns in _COLUMNS.items()}


def _survey(rid, day):
    return {"response_id": rid, "survey_type": "csat", "responded_at": f"{day}T10:00:00Z", "score": 5,
            "scale_max": 5}


def test_a_late_survey_changes_exactly_its_partitions(tmp_path):
    raw = RawFiles(tmp_path / "raw")
    for day in range(1, 11):
        raw.write("helpdesk/surveys", f"2026-01-{day:02d}", [_survey(f"R{day}", f"2026-01-{day:02d}")])
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    args = ["--raw-dir", str(raw.root), "--warehouse", url]
    assert run_cli("backfill", "--start", "2026-01-01", "--end", "2026-01-10", *args).returncode == 0
    pipeline = Pipeline(raw.root, url)
    before = dict(pipeline.query("select metric_date, max(computed_at) from marts.metrics_daily group by 1"))
    month_before = pipeline.query("select max(computed_at) from marts.metrics_monthly")[0][0]

    # Last night's extract brings one survey answered a week ago (a score of 1 on the 4th).
    late = _survey("R99", "2026-01-04") | {"score": 1}
    raw.write("helpdesk/surveys", "2026-01-11", [late])
    result = run_cli("run", "--date", "2026-01-11", *args)
    assert result.returncode == 0, result.stderr

    after = dict(pipeline.query("select metric_date, max(computed_at) from marts.metrics_daily group by 1"))
    rewritten = {str(day) for day, at in after.items() if before.get(day) != at}
    assert rewritten == {"2026-01-04", "2026-01-11"}
    assert pipeline.query("select max(computed_at) from marts.metrics_monthly")[0][0] > month_before
    assert pipeline.value("csat_avg", "2026-01-04", grain="daily") == 3.0  # (5 + 1) / 2
    assert pipeline.value("csat_avg", "2026-01-05", grain="daily") == 5.0
    assert pipeline.value("csat_pct", "2026-01-01") == 100 * 10 / 11

    # The next night brings one answered on the 8th: three days lie between it and the 12th, so one run
    # restates the 8th to the 12th (BRIDGED_DAYS), the days between to the rows they held.
    raw.write("helpdesk/surveys", "2026-01-12", [_survey("R100", "2026-01-08") | {"score": 1}])
    before = after
    result = run_cli("run", "--date", "2026-01-12", *args)
    assert result.returncode == 0, result.stderr
    after = dict(pipeline.query("select metric_date, max(computed_at) from marts.metrics_daily group by 1"))
    assert {str(day) for day, at in after.items() if before.get(day) != at} == {
        "2026-01-08", "2026-01-09", "2026-01-10", "2026-01-11", "2026-01-12"}
    assert pipeline.value("csat_avg", "2026-01-08", grain="daily") == 3.0
    assert pipeline.value("csat_avg", "2026-01-09", grain="daily") == 5.0
    assert pipeline.value("csat_pct", "2026-01-01") == 100 * 10 / 12



@given(days=st.sets(st.dates(dt.date(2026, 1, 1), dt.date(2026, 3, 31)), max_size=30), bridged=st.integers(0, 5))
def test_affected_days_run_in_ranges_that_bridge_only_short_gaps(days, bridged):
    ranges = contiguous_ranges(sorted(days), bridged=bridged)
    # Each range starts and ends on an affected day, and holds every affected day between its ends.
    assert [d for a, b in ranges for d in sorted(days) if a <= d <= b] == sorted(days)
    assert all(a in days and b in days for a, b in ranges)
    # Inside a range no more than `bridged` days lie between two affected days; between ranges, more.
    for a, b in ranges:
        inside = sorted(d for d in days if a <= d <= b)
        assert all((later - earlier).days <= bridged + 1 for earlier, later in zip(inside, inside[1:]))
    assert all((later[0] - earlier[1]).days > bridged + 1 for earlier, later in zip(ranges, ranges[1:]))


def test_a_segment_change_restates_the_days_of_the_customers_responses(tmp_path):
    """A customer who never bought: their NPS days count under their segment all the same."""
    raw = RawFiles(tmp_path / "raw")
    customer = {"customer_id": "C1", "updated_at": "2026-01-02T08:00:00Z", "segment": "smb", "region": "emea"}
    raw.write("crm/customers", "2026-01-02", [customer])
    raw.write("crm/nps_responses", "2026-01-03", [
        {"response_id": "N1", "customer_id": "C1", "responded_at": "2026-01-03T10:00:00Z", "score": 10}])
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    args = ["--raw-dir", str(raw.root), "--warehouse", url]
    assert run_cli("backfill", "--start", "2026-01-01", "--end", "2026-01-10", *args).returncode == 0
    pipeline = Pipeline(raw.root, url)
    assert pipeline.value("nps", "2026-01-03", grain="daily", dimension="segment", value="smb") == 100

    moved = customer | {"segment": "enterprise", "updated_at": "2026-01-11T08:00:00Z"}
    raw.write("crm/customers", "2026-01-11", [moved])
    result = run_cli("run", "--date", "2026-01-11", *args)
    assert result.returncode == 0, result.stderr
    assert pipeline.value("nps", "2026-01-03", grain="daily", dimension="segment", value="enterprise") == 100
    assert pipeline.metric("nps", "2026-01-03", grain="daily", dimension="segment", value="smb") is None
    assert pipeline.value("nps", "2026-01-01", dimension="segment", value="enterprise") == 100  # January

@pytest.mark.parametrize("kind", WAREHOUSES)
def test_two_backfills_give_identical_tables(tmp_path, request, kind):
    generate(tmp_path / "raw", *_days("2026-02-01", "2026-02-20"), customers=150, seed=11)
    url = new_warehouse(kind, tmp_path, request)
    pipeline = Pipeline(tmp_path / "raw", url)
    pipeline.backfill("2026-02-01", "2026-02-20")
    first = _snapshot(url)
    pipeline.backfill("2026-02-01", "2026-02-20")
    assert _snapshot(url) == first
    assert len(first["marts.metrics_daily"]) > 500 and first["quarantine.rejected_rows"]


def _days(start, end):
    import datetime as dt

    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


def test_a_backfill_killed_half_way_is_repaired_by_running_it_again(tmp_path):
    generate(tmp_path / "raw", *_days("2026-02-01", "2026-02-28"), customers=300, seed=5)
    clean_url = f"duckdb:///{tmp_path / 'clean.duckdb'}"
    Pipeline(tmp_path / "raw", clean_url).backfill("2026-02-01", "2026-02-28")

    warehouse = tmp_path / "killed.duckdb"
    args = ["backfill", "--start", "2026-02-01", "--end", "2026-02-28", "--raw-dir", str(tmp_path / "raw"),
            "--warehouse", f"duckdb:///{warehouse}"]
    process = subprocess.Popen([sys.executable, "-m", "cx_pipeline.cli", *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=tmp_path)  # as run_cli: no .env of the working copy
    # Kill it while it writes: DuckDB keeps a write-ahead log beside the file during a transaction.
    wal = warehouse.with_name(warehouse.name + ".wal")
    deadline = time.monotonic() + 120
    while not wal.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert _snapshot(f"duckdb:///{warehouse}") == _snapshot(clean_url)


def test_command_line_runs_appear_in_the_dagster_instance(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(os.path.join(os.path.dirname(__file__), "..", "dagster_home", "dagster.yaml"), home)
    raw = RawFiles(tmp_path / "raw")
    raw.write("helpdesk/surveys", "2026-01-02", [_survey("R1", "2026-01-02")])
    result = run_cli("backfill", "--start", "2026-01-01", "--end", "2026-01-03", "--raw-dir", str(raw.root),
                     "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}", env={"DAGSTER_HOME": str(home)})
    assert result.returncode == 0, result.stderr

    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert sorted(r.job_name for r in runs) == ["daily", "monthly_metrics"]
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        daily = next(r for r in runs if r.job_name == "daily")
        assert daily.tags["dagster/asset_partition_range_start"] == "2026-01-01"
        assert daily.tags["dagster/asset_partition_range_end"] == "2026-01-03"


def test_a_locked_warehouse_is_retried_until_it_is_free(tmp_path):
    raw = RawFiles(tmp_path / "raw")
    raw.write("helpdesk/surveys", "2026-01-02", [_survey("R1", "2026-01-02")])
    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('locked', flush=True); time.sleep(3)", str(path)], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "locked"
    pipeline = Pipeline(raw.root, f"duckdb:///{path}")
    daily, _monthly = pipeline.backfill("2026-01-02", "2026-01-02")
    holder.wait()
    retried = [e for e in daily.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retried, "the first attempt should have met the lock"
    assert pipeline.value("csat_pct", "2026-01-02", grain="daily") == 100


def test_duckdb_out_of_memory_is_reported_once_and_not_retried(tmp_path):
    raw = RawFiles(tmp_path / "raw")
    generate(raw.root, dt.date(2026, 1, 1), dt.date(2026, 1, 10), customers=2000, seed=3)
    result = run_cli("backfill", "--start", "2026-01-01", "--end", "2026-01-10", "--raw-dir", str(raw.root),
                     "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}", "-v",
                     env={"CX_DUCKDB_MEMORY_LIMIT": "2MB"})
    assert result.returncode == 1
    assert "DuckDB ran out of memory at CX_DUCKDB_MEMORY_LIMIT=2MB" in result.stdout + result.stderr
    assert "STEP_UP_FOR_RETRY" not in result.stdout + result.stderr


def _tables(pipeline: Pipeline, schema: str) -> dict[str, list[tuple]]:
    """Every row of every table of ``schema``, as sorted tuples, without ``loaded_at`` (when the row's
    version was loaded, which differs between two warehouses by construction)."""
    names = [r[0] for r in pipeline.query(
        "select table_name from information_schema.tables where table_schema = :schema and table_type = 'BASE TABLE'",
        schema=schema)]
    tables = {}
    for name in names:
        rows = [row._asdict() for row in pipeline.query(f"select * from {schema}.{name}")]
        tables[name] = sorted((tuple(v for k, v in row.items() if k != "loaded_at") for row in rows), key=repr)
    return tables


def _load(pipeline: Pipeline, start: str, end: str) -> dict[str, str]:
    """Extract dates start..end through raw, staging and intermediate; how each staging table was built."""
    import dagster as dg

    from cx_pipeline.defs.raw import raw_assets
    from cx_pipeline.defs.schedules import range_tags
    from cx_pipeline.defs.transform import transform

    result = dg.materialize([*raw_assets, transform], resources=pipeline.resources, tags=range_tags(start, end),
                            instance=pipeline.instance)
    return {e.asset_key.to_user_string(): e.materialization.metadata["build"].value
            for e in result.get_asset_materialization_events() if e.asset_key.to_user_string().startswith("stg_")}


@pytest.mark.parametrize("kind", WAREHOUSES)
def test_nightly_loads_merge_into_staging_what_a_backfill_builds_whole(tmp_path, request, kind):
    import json

    raw = tmp_path / "raw"
    generate(raw, *_days("2026-01-01", "2026-02-23"), customers=150, seed=3)
    # The 22nd also brings a ticket first seen that night and a later version of an older ticket.
    tickets = raw / "helpdesk" / "tickets"
    versions = [json.loads(line) for path in sorted(tickets.glob("*.jsonl")) for line in path.read_text().splitlines()]
    seen_once = [t for t in versions if [v["ticket_id"] for v in versions].count(t["ticket_id"]) == 1]
    older = seen_once[0]
    update = older | {"status": "closed", "updated_at": "2026-02-22T12:00:00Z"}
    new = older | {"ticket_id": "T-NEW", "created_at": "2026-02-22 09:00:00", "updated_at": "2026-02-22T09:00:00Z",
                   "status": "open", "first_response_at": None, "resolved_at": None}
    night = tickets / "2026-02-22.jsonl"
    generated = night.read_text()
    night.write_text(generated + json.dumps(update) + "\n" + json.dumps(new) + "\n")

    nightly = Pipeline(raw, new_warehouse(kind, tmp_path, request))
    assert set(_load(nightly, "2026-01-01", "2026-02-20").values()) == {"rebuilt whole"}
    # Staging was built with the same SQL and settings: each night merges the keys it loaded.
    for day in ("2026-02-21", "2026-02-22", "2026-02-23"):
        builds = _load(nightly, day, day)
        assert all(builds[f"stg_{table}"] == "merged" for table in (
            "crm__customers", "helpdesk__tickets", "ecommerce__orders", "ecommerce__sessions")), builds
    assert _ticket(nightly, "T-NEW") is not None and _ticket(nightly, older["ticket_id"]) == "closed"

    # The 22nd's file is sent again as generated: the new ticket must leave staging, and the older
    # ticket's earlier version must come back.
    night.write_text(generated)
    assert _load(nightly, "2026-02-22", "2026-02-22")["stg_helpdesk__tickets"] == "merged"
    assert _ticket(nightly, "T-NEW") is None and _ticket(nightly, older["ticket_id"]) == older["status"]

    whole = Pipeline(raw, new_warehouse(kind, tmp_path / "whole", request))
    assert set(_load(whole, "2026-01-01", "2026-02-23").values()) == {"rebuilt whole"}
    assert _tables(nightly, "stg") == _tables(whole, "stg")
    assert _tables(nightly, "intermediate") == _tables(whole, "intermediate")


def _ticket(pipeline: Pipeline, ticket_id: str) -> str | None:
    """The staged status of a ticket, None when staging does not hold it."""
    rows = pipeline.query("select status from stg.helpdesk__tickets where ticket_id = :id", id=ticket_id)
    return rows[0][0] if rows else None


def test_a_source_without_records_and_an_unchanged_seed_are_left_out_of_a_merging_run(tmp_path):
    import dagster as dg

    raw = RawFiles(tmp_path / "raw")
    raw.write("crm/nps_responses", "2026-01-05", [
        {"response_id": "N1", "customer_id": "C1", "responded_at": "2026-01-05T03:00:00Z", "score": 10}])
    pipeline = Pipeline(raw.root, f"duckdb:///{tmp_path / 'warehouse.duckdb'}")

    def seeded_in() -> str:
        return pipeline.instance.get_latest_materialization_event(dg.AssetKey("metric_catalog")).run_id

    # Built whole, every staging model runs, empty or not, and the seeds are loaded.
    first = _load(pipeline, "2026-01-05", "2026-01-05")
    assert len(first) == 21 and set(first.values()) == {"rebuilt whole"}
    seeded = seeded_in()
    # Merging, only the staging of a source that has delivered a record runs; the seeds stay as loaded.
    assert _load(pipeline, "2026-01-06", "2026-01-06") == {"stg_crm__nps_responses": "merged"}
    raw.write("crm/customers", "2026-01-07", [
        {"customer_id": "C1", "updated_at": "2026-01-07T00:00:00Z", "segment": "consumer"}])
    assert _load(pipeline, "2026-01-07", "2026-01-07") == {"stg_crm__nps_responses": "merged",
                                                            "stg_crm__customers": "merged"}
    assert seeded_in() == seeded
    assert pipeline.query("select customer_id, segment from stg.crm__customers") == [("C1", "consumer")]


def test_staging_is_rebuilt_whole_when_a_setting_it_reads_changes(tmp_path):
    raw = RawFiles(tmp_path / "raw")
    raw.write("crm/nps_responses", "2026-01-05", [
        {"response_id": "N1", "customer_id": "C1", "responded_at": "2026-01-05T03:00:00Z", "score": 10}])
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    utc = Pipeline(raw.root, url)
    assert set(_load(utc, "2026-01-05", "2026-01-05").values()) == {"rebuilt whole"}
    assert set(_load(utc, "2026-01-06", "2026-01-06").values()) == {"merged"}
    assert utc.query("select responded_date from stg.crm__nps_responses")[0][0] == dt.date(2026, 1, 5)

    # 03:00 UTC is 22:00 the evening before in New York: the staged day must move, though no record did.
    new_york = Pipeline(raw.root, url, reporting_timezone="America/New_York")
    new_york.instance = utc.instance
    assert set(_load(new_york, "2026-01-06", "2026-01-06").values()) == {"rebuilt whole"}
    assert new_york.query("select responded_date from stg.crm__nps_responses")[0][0] == dt.date(2026, 1, 4)
    assert set(_load(new_york, "2026-01-07", "2026-01-07").values()) == {"merged"}


def test_the_metric_tables_tests_judge_the_runs_periods_only(tmp_path):
    """A marts test's `where` names the run's periods (`__run_start__`, `__run_end__`), filled in when the test
    runs, not when dbt parses the project: one parsed project serves runs over different periods."""
    from dbt.cli.main import dbtRunner

    from cx_pipeline.dbt_invocation import invocation_environment
    from cx_pipeline.dbt_project import SQL_DIR, dbt_environment

    raw = RawFiles(tmp_path / "raw")
    for day in range(1, 5):
        raw.write("helpdesk/surveys", f"2026-01-0{day}", [_survey(f"R{day}", f"2026-01-0{day}")])
    pipeline = Pipeline(raw.root, f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    pipeline.backfill("2026-01-01", "2026-01-04")
    pipeline.query("insert into marts.metrics_daily select * from marts.metrics_daily "
                   "where metric_date = '2026-01-02' and metric = 'csat_avg'")  # a duplicate on the 2nd
    pipeline.warehouse.dispose()

    parsed = dbtRunner().invoke(["parse", "--project-dir", str(SQL_DIR), "--profiles-dir", str(SQL_DIR),
                                 "--target-path", str(tmp_path / "target"), "--log-level", "none"])
    runner = dbtRunner(manifest=parsed.result)

    def uniqueness_test_passes(first: str, last: str) -> bool:
        periods = (dt.date.fromisoformat(first), dt.date.fromisoformat(last))
        with invocation_environment(dbt_environment(pipeline.warehouse.url, pipeline.settings.sql_environment(), periods)):
            result = runner.invoke(["test", "--project-dir", str(SQL_DIR), "--profiles-dir", str(SQL_DIR),
                                    "--target-path", str(tmp_path / "target"), "--log-level", "none",
                                    "--select", "metrics_daily_one_row_per_metric_and_dimension_value"])
        return result.success

    assert uniqueness_test_passes("2026-01-03", "2026-01-04")
    assert not uniqueness_test_passes("2026-01-01", "2026-01-02")
    assert uniqueness_test_passes("2026-01-04", "2026-01-04")


def test_a_run_that_follows_the_loads_tests_the_rows_it_wrote(tmp_path):
    """In a run that follows the loads since an instant (CX_INTERMEDIATE_SINCE), a staging test judges the rows
    loaded after it and an intermediate test the rows of the run's change set; without one, every row."""
    from dbt.cli.main import dbtRunner

    from cx_pipeline.dbt_invocation import invocation_environment
    from cx_pipeline.dbt_project import SQL_DIR, dbt_environment

    raw = RawFiles(tmp_path / "raw")
    for day in range(1, 4):
        raw.write("helpdesk/surveys", f"2026-01-0{day}", [_survey(f"R{day}", f"2026-01-0{day}")])
    pipeline = Pipeline(raw.root, f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    pipeline.backfill("2026-01-01", "2026-01-03")
    loaded_at = pipeline.query("select loaded_at from stg.helpdesk__surveys where response_id = 'R2'")[0][0]
    pipeline.query("insert into stg.helpdesk__surveys select * from stg.helpdesk__surveys where response_id = 'R2'")
    pipeline.query("insert into intermediate.survey_responses select * from intermediate.survey_responses "
                   "where response_id = 'R2'")
    pipeline.query("delete from intermediate.changed_records")
    pipeline.warehouse.dispose()

    parsed = dbtRunner().invoke(["parse", "--project-dir", str(SQL_DIR), "--profiles-dir", str(SQL_DIR),
                                 "--target-path", str(tmp_path / "target"), "--log-level", "none"])
    runner = dbtRunner(manifest=parsed.result)

    def passes(test: str, since: dt.datetime | None) -> bool:
        environment = dbt_environment(pipeline.warehouse.url, pipeline.settings.sql_environment(), None, since)
        with invocation_environment(environment):
            result = runner.invoke(["test", "--project-dir", str(SQL_DIR), "--profiles-dir", str(SQL_DIR),
                                    "--target-path", str(tmp_path / "target"), "--log-level", "none",
                                    "--select", test])
        return result.success

    staging, intermediate = "unique_stg_helpdesk__surveys_response_id", "unique_int_survey_responses_response_id"
    assert not passes(staging, None) and not passes(intermediate, None)
    assert not passes(staging, loaded_at - dt.timedelta(seconds=1))
    assert passes(staging, loaded_at)
    assert passes(intermediate, loaded_at)  # R2 is not among the changed records
    pipeline.query("insert into intermediate.changed_records values ('helpdesk__surveys', 'R2', null)")
    pipeline.warehouse.dispose()
    assert not passes(intermediate, loaded_at)


def test_a_new_warehouse_of_the_same_name_is_parsed_from_the_last_state(tmp_path):
    """dbt parses the whole project again when the profile's connection differs from the one its state was
    parsed for. The profile names the DuckDB file alone, so a warehouse of the same name in another folder
    starts from the state the last parse left; one of another name is parsed in full."""
    from dbt.cli.main import dbtRunner

    from cx_pipeline.dbt_invocation import invocation_environment
    from cx_pipeline.dbt_project import PARTIAL_PARSE, SQL_DIR, dbt_environment
    from cx_pipeline.settings import Settings

    target = tmp_path / "target"

    def parse(warehouse: str) -> list[str]:
        """Why dbt could not parse from its state, one reason per parse that could not."""
        reasons: list[str] = []

        def listen(event) -> None:
            if event.info.name == "UnableToPartialParse":
                reasons.append(event.data.reason)

        environment = dbt_environment(f"duckdb:///{tmp_path / warehouse}", Settings().sql_environment())
        with invocation_environment(environment):
            result = dbtRunner(callbacks=[listen]).invoke([
                "parse", "--project-dir", str(SQL_DIR), "--profiles-dir", str(SQL_DIR), "--target-path",
                str(target), "--log-path", str(target), "--log-level", "none", "--no-write-json"])
        assert result.success
        assert (target / PARTIAL_PARSE).exists()
        return reasons

    parse("first/warehouse.duckdb")
    assert parse("second/warehouse.duckdb") == []
    assert (tmp_path / "second").is_dir()
    assert parse("second/other.duckdb") == ["profile has changed"]


def test_a_process_loads_the_project_an_earlier_process_parsed(tmp_path, monkeypatch):
    """A process's first dbt invocation loads the parsed project an earlier process saved for the same project,
    dbt and environment; it parses when the settings differ or the saved file cannot be read. The password is
    no part of what it is saved under: dbt reads it in the profile only."""
    from dbt.cli.main import dbtRunner

    from cx_pipeline import dbt_invocation
    from cx_pipeline.dbt_project import SQL_DIR, dbt_environment
    from cx_pipeline.settings import Settings

    saved = tmp_path / "parsed"
    monkeypatch.setattr(dbt_invocation, "PARSED_DIR", saved)
    parses: list[list[str]] = []
    invoke = dbtRunner.invoke

    def counted(self, args, **kwargs):
        if args[0] == "parse":
            parses.append(args)
        return invoke(self, args, **kwargs)

    monkeypatch.setattr(dbtRunner, "invoke", counted)
    target = tmp_path / "target"
    project = ["--project-dir", str(SQL_DIR), "--profiles-dir", str(SQL_DIR), "--target-path", str(target),
               "--log-path", str(target), "--log-level", "none", "--no-write-json"]

    def parsed_in_a_new_process(settings: Settings):
        monkeypatch.setattr(dbt_invocation, "_parsed", {})
        environment = dbt_environment(f"duckdb:///{tmp_path / 'warehouse.duckdb'}", settings.sql_environment())
        with dbt_invocation.invocation_environment(environment):
            return dbt_invocation._parsed_project(project, environment, target)

    first = parsed_in_a_new_process(Settings())
    assert len(parses) == 1 and len(list(saved.glob("*.pickle"))) == 1
    loaded = parsed_in_a_new_process(Settings())
    assert len(parses) == 1
    assert loaded is not first and sorted(loaded.nodes) == sorted(first.nodes)
    assert "model.cx_pipeline.metrics_daily" in loaded.nodes
    parsed_in_a_new_process(Settings(base_currency="EUR"))
    assert len(parses) == 2 and len(list(saved.glob("*.pickle"))) == 2
    for path in saved.glob("*.pickle"):
        path.write_bytes(path.read_bytes()[:1000])  # unreadable, as a disk that filled would leave it
    parsed_in_a_new_process(Settings())
    assert len(parses) == 3

    # dbt resolves ref() and source() through lookups it builds on first use: a saved project whose lookups
    # were built (as a parse builds some) resolves both as the project it was saved from.
    first.resolve_source("raw", "crm__customers", "cx_pipeline", "cx_pipeline")
    first.resolve_ref(None, "stg_crm__customers", None, None, "cx_pipeline", "cx_pipeline")
    dbt_invocation._save(first, saved / "built.pickle")
    built = dbt_invocation._load_saved(saved / "built.pickle")
    assert built.resolve_source("raw", "crm__customers", "cx_pipeline", "cx_pipeline").unique_id == \
        "source.cx_pipeline.raw.crm__customers"
    assert built.resolve_ref(None, "stg_crm__customers", None, None, "cx_pipeline", "cx_pipeline").unique_id == \
        "model.cx_pipeline.stg_crm__customers"

    postgres = dbt_environment("postgresql://postgres:first-secret@localhost/cx", Settings().sql_environment())
    key = dbt_invocation._parse_key(postgres)
    assert key == dbt_invocation._parse_key({**postgres, "DBT_ENV_SECRET_PASSWORD": "second-secret"})
    assert "first-secret" not in repr(key)
