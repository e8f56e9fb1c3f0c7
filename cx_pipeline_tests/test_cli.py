"""The command line as a new user meets it: wrong names and ranges, months, what a run found, the run log,
and mistyped warehouse URLs. Each call runs the installed command line in its own process."""

import json
import re

import pytest

from cx_pipeline.metrics import METRICS
from cx_pipeline_tests.conftest import RawFiles, run_cli

START, END = "2026-01-01", "2026-01-03"


def _survey(rid: str, day: str, score: int) -> dict:
    return {"response_id": rid, "survey_type": "csat", "responded_at": f"{day}T10:00:00Z", "score": score,
            "scale_max": 5}


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    """Two extract files of CSAT answers, one answer off its scale (quarantined), backfilled by the CLI."""
    root = tmp_path_factory.mktemp("cli")
    raw = RawFiles(root / "raw")
    raw.write("helpdesk/surveys", "2026-01-02", [_survey("R1", "2026-01-02", 5), _survey("R2", "2026-01-02", 9)])
    raw.write("helpdesk/surveys", "2026-01-03", [_survey("R3", "2026-01-03", 4)])
    args = ["--raw-dir", str(raw.root), "--warehouse", f"duckdb:///{root / 'warehouse.duckdb'}"]
    result = run_cli("backfill", "--start", START, "--end", END, *args)
    assert result.returncode == 0, result.stderr
    return result, args


def test_a_run_says_what_it_found(backfilled):
    result, _ = backfilled
    lines = [line.strip() for line in result.stdout.splitlines()]
    daily = lines.index(next(line for line in lines if line.startswith("run daily")))
    assert lines[daily + 1].startswith("2 extract files: 2 rows loaded, 1 quarantined (see quarantine.rejected_rows); ")
    monthly = lines.index(next(line for line in lines if line.startswith("run monthly_metrics")))
    assert lines[monthly + 1].endswith("monthly metric rows; 1 CX report")


def test_a_day_without_extract_files_says_so(backfilled):
    _, args = backfilled
    result = run_cli("run", "--date", START, *args)
    assert result.returncode == 0, result.stderr
    raw_dir = args[1]
    assert f"no extract files for {START} in {raw_dir}" in result.stdout


def test_verbose_shows_dagsters_run_log(backfilled):
    _, args = backfilled
    quiet = run_cli("run", "--date", "2026-01-03", *args)
    loud = run_cli("run", "--date", "2026-01-03", *args, "-v")
    assert quiet.returncode == loud.returncode == 0, loud.stderr
    assert "STEP_START" not in quiet.stdout + quiet.stderr
    log = loud.stdout + loud.stderr
    assert "STEP_START" in log and "ASSET_MATERIALIZATION" in log and "raw_helpdesk__surveys" in log


def test_monthly_commands_take_months(backfilled):
    _, args = backfilled
    common = ["metrics", "--metric", "csat_pct", "--dimension", "all", "--format", "json", *args]
    monthly = run_cli(*common, "--grain", "monthly", "--start", "2026-01", "--end", "2026-01")
    assert monthly.returncode == 0, monthly.stderr
    rows = json.loads(monthly.stdout)
    assert [(r["month"], r["value"], r["numerator"]) for r in rows] == [("2026-01-01", 100.0, 2.0)]
    # A date inside a month selects that month; a month on the daily grain is every day of it.
    inside = run_cli(*common, "--grain", "monthly", "--start", "2026-01-15")
    assert [r["month"] for r in json.loads(inside.stdout)] == ["2026-01-01"]
    daily = run_cli(*common, "--grain", "daily", "--start", "2026-01", "--end", "2026-01")
    assert [r["metric_date"] for r in json.loads(daily.stdout)] == ["2026-01-01", "2026-01-02", "2026-01-03"]


def _usage_error(*args: str) -> str:
    result = run_cli(*args)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_unknown_metric_and_dimension_names_list_the_valid_ones(backfilled):
    _, args = backfilled
    metric = _usage_error("metrics", "--grain", "monthly", "--metric", "npz", *args)
    listed = re.fullmatch(r"cx-pipeline: unknown metric 'npz'; the metrics are: (.*)", metric).group(1)
    assert listed.split(", ") == [m.name for m in METRICS]
    assert _usage_error("metrics", "--grain", "daily", "--dimension", "agents", *args) == \
        "cx-pipeline: unknown dimension 'agents'; the dimensions are: all, channel, segment, region, agent, team"
    assert _usage_error("metrics", "--grain", "daily", "--metric", "churn_rate", "--dimension", "agent", *args) == \
        "cx-pipeline: churn_rate has no dimension 'agent'; its dimensions are: all, segment, region"


def test_reversed_ranges_are_usage_errors(backfilled):
    _, args = backfilled
    assert _usage_error("metrics", "--grain", "daily", "--start", "2026-01-03", "--end", "2026-01-02", *args) == \
        "cx-pipeline: the range ends (2026-01-02) before it starts (2026-01-03)"
    assert _usage_error("metrics", "--grain", "monthly", "--start", "2026-02", "--end", "2026-01-31", *args) == \
        "cx-pipeline: the range ends (2026-01-01) before it starts (2026-02-01)"
    assert _usage_error("backfill", "--start", "2026-01-03", "--end", "2026-01-02", *args) == \
        "cx-pipeline: the range ends (2026-01-02) before it starts (2026-01-03)"


def test_an_unknown_option_before_any_command_is_named():
    assert _usage_error("--nonsense") == (
        "cx-pipeline: error: unrecognized arguments: --nonsense; name a command first: "
        "demo, bench, generate, run, backfill, metrics, report (cx-pipeline COMMAND --help)")
    assert _usage_error("metrics", "--grain", "daily", "--colour", "red").endswith(
        "unrecognized arguments for metrics: --colour red (cx-pipeline metrics --help)")


def test_a_mistyped_duckdb_url_leaves_nothing_behind(tmp_path):
    missing_folder = tmp_path / "no_such_folder"
    reading = run_cli("metrics", "--grain", "monthly", "--warehouse", f"duckdb:///{missing_folder / 'w.duckdb'}")
    assert reading.returncode == 1
    assert reading.stderr.strip() == (f"cx-pipeline: there is no warehouse at {missing_folder / 'w.duckdb'}: "
                                      "has the pipeline run against it?")
    typo = tmp_path / "wherehouse.duckdb"
    assert run_cli("report", "--month", "2026-01", "--warehouse", f"duckdb:///{typo}",
                   "--out", str(tmp_path / "r.html")).returncode == 1
    writing = run_cli("backfill", "--start", START, "--end", END, "--raw-dir", str(tmp_path / "raw"),
                      "--warehouse", f"duckdb:///{missing_folder / 'w.duckdb'}")
    assert writing.returncode == 2
    assert writing.stderr.strip() == (f"cx-pipeline: the folder of the DuckDB warehouse {missing_folder / 'w.duckdb'} "
                                      "does not exist (see --warehouse)")
    assert list(tmp_path.iterdir()) == []


def test_the_demo_starts_the_partitions_with_its_data_and_records_its_runs(tmp_path):
    """The demo over extracts that start on 2026-03-02: .env then says CX_START_DATE=2026-03-02 (read by every
    command run from the folder, and by `dagster dev`), and its runs are in the Dagster instance."""
    import dagster as dg

    raw = RawFiles(tmp_path / "raw")
    raw.write("helpdesk/surveys", "2026-03-02", [_survey("R1", "2026-03-02", 5)])
    raw.write("helpdesk/surveys", "2026-03-04", [_survey("R2", "2026-03-04", 2)])
    home = tmp_path / "dagster_home"
    home.mkdir()
    folder = tmp_path / "project"
    folder.mkdir()
    args = ["--raw-dir", str(raw.root), "--warehouse", f"duckdb:///{tmp_path / 'warehouse.duckdb'}"]
    demo = run_cli("demo", *args, cwd=folder, env={"DAGSTER_HOME": str(home)})
    assert demo.returncode == 0, demo.stderr
    assert "backfill 2026-03-02 .. 2026-03-04" in demo.stdout
    assert (folder / ".env").read_text() == "CX_START_DATE=2026-03-02\n"
    before = run_cli("backfill", "--start", "2026-03-01", "--end", "2026-03-04", *args, cwd=folder)
    assert before.returncode == 2 and "2026-03-01 is before the first partition 2026-03-02" in before.stderr
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert sorted(r.job_name for r in instance.get_runs()) == ["daily", "monthly_metrics"]
        checks = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("raw_helpdesk__surveys"), "rows_reconciled"), limit=1)
        evaluation = checks[0].event.dagster_event.event_specific_data
        assert evaluation.description.startswith("2026-03-02 .. 2026-03-04: ")


def test_without_dagster_home_the_demo_points_dagster_dev_at_the_project_instance(tmp_path, monkeypatch):
    """`dagster dev` started where the demo ran finds the instance the demo recorded in: Dagster's own CLI reads
    DAGSTER_HOME from the .env the demo wrote (without it, it would start on a temporary instance)."""
    import datetime as dt

    from dagster._cli.utils import get_possibly_temporary_instance_for_cli

    from cx_pipeline import cli, dagster_instance

    # Both are set by what runs here; setting them through monkeypatch first makes teardown remove them again,
    # so that no later test of this process starts its partitions on 2026-03-02.
    for name in ("DAGSTER_HOME", "CX_START_DATE"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    cli._settle_in_this_folder(dt.date(2026, 3, 2), made_sample=False)
    assert (tmp_path / ".env").read_text() == f"CX_START_DATE=2026-03-02\nDAGSTER_HOME={dagster_instance.PROJECT_HOME}\n"
    monkeypatch.delenv("CX_START_DATE")
    with get_possibly_temporary_instance_for_cli("dagster dev") as instance:
        assert instance.root_directory == str(dagster_instance.PROJECT_HOME)


def test_the_demos_sample_data_has_its_segments_read_where_it_holds_them(tmp_path, monkeypatch, capsys):
    """The sample data the demo makes holds the segments in the HubSpot contact property cx_segment: .env then
    says CX_HUBSPOT_SEGMENT_PROPERTY=cx_segment, unless the environment names a property itself."""
    import datetime as dt

    from cx_pipeline import cli

    monkeypatch.setenv("CX_START_DATE", "2026-03-02")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    # Set by what runs here: set through monkeypatch first, so that teardown removes it again.
    monkeypatch.setenv("CX_HUBSPOT_SEGMENT_PROPERTY", "")
    monkeypatch.delenv("CX_HUBSPOT_SEGMENT_PROPERTY")
    monkeypatch.chdir(tmp_path)
    cli._settle_in_this_folder(dt.date(2026, 3, 2), made_sample=True)
    assert (tmp_path / ".env").read_text() == "CX_HUBSPOT_SEGMENT_PROPERTY=cx_segment\n"
    (tmp_path / ".env").unlink()
    monkeypatch.setenv("CX_HUBSPOT_SEGMENT_PROPERTY", "lifecyclestage")
    cli._settle_in_this_folder(dt.date(2026, 3, 2), made_sample=True)
    assert not (tmp_path / ".env").exists()
    assert capsys.readouterr().out.splitlines()[-1] == (
        "segments read from the HubSpot contact property lifecyclestage (CX_HUBSPOT_SEGMENT_PROPERTY is set), "
        "not from cx_segment, where the sample data holds them")


def test_without_dagster_home_runs_are_recorded_in_the_project(monkeypatch):
    from cx_pipeline import dagster_instance

    monkeypatch.delenv("DAGSTER_HOME")
    with dagster_instance.get() as instance:
        assert not instance.is_ephemeral and instance.root_directory == str(dagster_instance.PROJECT_HOME)
        storage = instance.event_log_storage
        assert isinstance(storage, dagster_instance.BatchingSqliteEventLogStorage)
        assert storage.path_for_shard("index") == str(dagster_instance.PROJECT_HOME / "history" / "runs" / "index.db")
