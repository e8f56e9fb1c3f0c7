"""What an operator meets, through the command line: bad settings, a warehouse that refuses the login,
cannot be reached, is locked by a running backfill or sits on a read-only mount, and a failed file
holding back the metrics of a night until it is fixed (SPEC §3, §5)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from cx_pipeline_tests.conftest import Pipeline, RawFiles, free_port, run_cli


def _survey(rid: str, day: str, score: int) -> dict:
    return {"response_id": rid, "survey_type": "csat", "responded_at": f"{day}T10:00:00Z", "score": score,
            "scale_max": 5}


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory) -> tuple[Path, str]:
    """A raw directory and a DuckDB warehouse backfilled from it: 2026-01-02 and 2026-01-03."""
    root = tmp_path_factory.mktemp("operations")
    raw = RawFiles(root / "raw")
    raw.write("helpdesk/surveys", "2026-01-02", [_survey("R1", "2026-01-02", 5), _survey("R2", "2026-01-02", 3)])
    raw.write("helpdesk/surveys", "2026-01-03", [_survey("R3", "2026-01-03", 4)])
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    result = run_cli("backfill", "--start", "2026-01-02", "--end", "2026-01-03", "--raw-dir", str(raw.root),
                     "--warehouse", url)
    assert result.returncode == 0, result.stderr
    return raw.root, url


@pytest.mark.parametrize("command, variable, value, message", [
    (["run", "--date", "2026-01-03"], "CX_SOURCE_TIMEZONE", "Mars/Phobos",
     "CX_SOURCE_TIMEZONE='Mars/Phobos' is not a time zone of the tz database (such as UTC or Europe/Paris)"),
    (["backfill", "--start", "2026-01-02", "--end", "2026-01-03"], "CX_INACTIVITY_DAYS", "abc",
     "CX_INACTIVITY_DAYS='abc' is not a whole number"),
    (["metrics", "--grain", "daily"], "CX_REPORTING_TIMEZONE", "Europe/Atlantis",
     "CX_REPORTING_TIMEZONE='Europe/Atlantis' is not a time zone of the tz database (such as UTC or Europe/Paris)"),
    (["run", "--date", "2026-01-03"], "CX_START_DATE", "2026-02-30",
     "CX_START_DATE='2026-02-30' is not a date (YYYY-MM-DD)"),
    (["run", "--date", "2026-01-03"], "CX_QUALTRICS_QUESTIONS", "QID1=nps;QID2=csat",
     "CX_QUALTRICS_QUESTIONS='QID1=nps;QID2=csat' has an entry 'QID2=csat' without the scale a csat question "
     "needs (such as :1-5)"),
    (["backfill", "--start", "2026-01-02", "--end", "2026-01-03"], "CX_HUBSPOT_SEGMENT_PROPERTY", "life cycle",
     "CX_HUBSPOT_SEGMENT_PROPERTY='life cycle' is not a HubSpot internal property name (letters, digits and _, "
     "such as lifecyclestage)"),
])
def test_a_bad_setting_is_wrong_usage_naming_its_variable(backfilled, command, variable, value, message):
    raw, url = backfilled
    result = run_cli(*command, "--raw-dir", str(raw), "--warehouse", url, env={variable: value})
    assert (result.returncode, result.stderr) == (2, f"cx-pipeline: bad setting: {message}\n")


def test_reading_commands_say_a_warehouse_has_no_tables_only_when_it_has_none(tmp_path):
    empty = tmp_path / "empty.duckdb"
    import duckdb

    duckdb.connect(str(empty)).close()
    result = run_cli("metrics", "--grain", "monthly", "--warehouse", f"duckdb:///{empty}")
    assert (result.returncode, result.stderr) == (1, "cx-pipeline: the warehouse has no table marts.metrics_monthly: "
                                                     "has the pipeline run against this warehouse?\n")
    result = run_cli("metrics", "--grain", "monthly", "--warehouse", f"duckdb:///{tmp_path / 'nowhere.duckdb'}")
    assert (result.returncode, result.stderr) == (
        1, f"cx-pipeline: there is no warehouse at {tmp_path / 'nowhere.duckdb'}: has the pipeline run against it?\n")


def test_reading_commands_name_a_warehouse_file_locked_by_a_running_backfill(backfilled, tmp_path):
    raw, url = backfilled
    path = url.removeprefix("duckdb:///")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('locked', flush=True); time.sleep(60)", path], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        for command in (["metrics", "--grain", "daily"], ["report", "--month", "2026-01", "--out",
                                                          str(tmp_path / "r.html")]):
            result = run_cli(*command, "--warehouse", url)
            assert (result.returncode, result.stderr) == (
                1, f"cx-pipeline: the warehouse file {path} is in use by another process (PID {holder.pid}, a run "
                   "writing it?): try again when it has finished\n")
    finally:
        holder.kill()
        holder.wait()


def _read_only_mount_available() -> bool:
    probe = tempfile.mkdtemp()
    try:
        return subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {probe} {probe} && "
                               f"mount -o remount,ro,bind {probe} {probe}"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False
    finally:
        shutil.rmtree(probe)


def _in_read_only_mount(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The command line run in a mount namespace of its own, where ``folder`` is mounted read-only, from the
    folder above it."""
    command = " ".join(["exec", sys.executable, "-m", "cx_pipeline.cli", *(f"'{a}'" for a in args)])
    return subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {folder} {folder} && "
                           f"mount -o remount,ro,bind {folder} && {command}"],
                          capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600,
                          # not the project folder, whose .env (written by a demo) would set CX_START_DATE
                          cwd=folder.parent)


@pytest.mark.skipif(not _read_only_mount_available(), reason="mounting read-only needs mount namespaces (root)")
def test_a_warehouse_on_a_read_only_mount_is_read_and_not_retried_when_written(backfilled, tmp_path):
    raw, url = backfilled
    mounted = tmp_path / "mounted"
    mounted.mkdir()
    shutil.copy(url.removeprefix("duckdb:///"), mounted / "warehouse.duckdb")
    read_only_url = f"duckdb:///{mounted / 'warehouse.duckdb'}"

    result = _in_read_only_mount(mounted, "metrics", "--grain", "daily", "--metric", "csat_avg", "--dimension", "all",
                                 "--format", "csv",
                                 "--warehouse", read_only_url)
    assert result.returncode == 0, result.stderr
    assert [line.split(",")[:5] for line in result.stdout.splitlines()[1:]] == [
        ["2026-01-02", "csat_avg", "all", "all", "4.0"], ["2026-01-03", "csat_avg", "all", "all", "4.0"]]

    result = _in_read_only_mount(mounted, "backfill", "--start", "2026-01-02", "--end", "2026-01-02", "-v",
                                 "--raw-dir", str(raw), "--warehouse", read_only_url)
    assert result.returncode == 1
    assert "STEP_UP_FOR_RETRY" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("cx-pipeline: error:")]
    assert len(errors) == 1
    # the raw loads are one step, the first to write; the steps after it do not start
    assert errors[0] == (f"cx-pipeline: error: raw: cannot write the warehouse file {mounted}/warehouse.duckdb: "
                         "its file system is read-only")


@pytest.fixture(scope="module")
def password_postgres() -> Iterator[str]:
    """A PostgreSQL server that asks TCP clients for a password (the shared test server trusts them);
    user postgres, password right-password. Yields its URL without user and password."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not binaries:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed here (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    bin_dir = binaries[-1].parent
    root = Path(tempfile.mkdtemp(prefix="cx_pg_password_"))
    root.chmod(0o777)
    (root / "password").write_text("right-password\n")
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres",
                    "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={root / 'password'}"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"),
                    "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off", "-w", "start"],
                   check=True, capture_output=True)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_reading_commands_tell_a_wrong_password_from_an_unreachable_server(password_postgres, tmp_path):
    wrong = f"postgresql+psycopg://postgres:wrong-password@{password_postgres}/postgres"
    report = ["report", "--month", "2026-01", "--out", str(tmp_path / "r.html")]
    for command in (["metrics", "--grain", "daily"], report):
        result = run_cli(*command, "--warehouse", wrong)
        assert (result.returncode, result.stderr) == (
            1, 'cx-pipeline: the warehouse refused user "postgres": wrong password (check CX_WAREHOUSE_URL)\n')
    unreachable = f"postgresql+psycopg://postgres:right-password@127.0.0.1:{free_port()}/postgres"
    result = run_cli("metrics", "--grain", "daily", "--warehouse", unreachable)
    assert (result.returncode, result.stderr) == (
        1, "cx-pipeline: cannot reach the warehouse server (Connection refused): is it running, and is "
           "CX_WAREHOUSE_URL right?\n")
    right = f"postgresql+psycopg://postgres:right-password@{password_postgres}/postgres"
    result = run_cli("metrics", "--grain", "daily", "--warehouse", right)
    assert (result.returncode, result.stderr) == (1, "cx-pipeline: the warehouse has no table marts.metrics_daily: "
                                                     "has the pipeline run against this warehouse?\n")


def test_runs_say_a_wrong_password_once_and_do_not_retry_it(backfilled, password_postgres):
    raw, _ = backfilled
    wrong = f"postgresql+psycopg://postgres:wrong-password@{password_postgres}/postgres"
    result = run_cli("backfill", "--start", "2026-01-02", "--end", "2026-01-03", "-v", "--raw-dir", str(raw),
                     "--warehouse", wrong)
    assert result.returncode == 1
    assert "STEP_UP_FOR_RETRY" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("cx-pipeline: error:")]
    assert len(errors) == 1
    assert errors[0] == ('cx-pipeline: error: raw: the warehouse refused user "postgres": wrong password '
                         "(check CX_WAREHOUSE_URL)")


def test_a_failed_file_holds_back_its_night_until_a_rerun_after_removing_it(tmp_path):
    raw = RawFiles(tmp_path / "raw")
    raw.write("helpdesk/surveys", "2026-01-02", [_survey("R1", "2026-01-02", 5)])
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    args = ["--raw-dir", str(raw.root), "--warehouse", url]
    assert run_cli("backfill", "--start", "2026-01-01", "--end", "2026-01-02", *args).returncode == 0

    # The night of the 3rd brings two surveys (scores 3 and 4) and an orders file that is not UTF-8.
    raw.write("helpdesk/surveys", "2026-01-03", [_survey("R2", "2026-01-03", 3), _survey("R3", "2026-01-03", 4)])
    broken = raw.root / "ecommerce" / "orders" / "2026-01-03.csv"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"order_id,ordered_at,updated_at,status,amount\nO1,2026-01-03,2026-01-03,completed,caf\xe9\n")
    result = run_cli("run", "--date", "2026-01-03", *args)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "cx-pipeline: held back: daily metrics of 2026-01-03 and monthly metrics of 2026-01 (and those of every "
        "other day the night's records change) were not published; fix or remove the file(s) named above, then "
        "run `cx-pipeline run --date 2026-01-03` again to publish them")
    pipeline = Pipeline(raw.root, url)
    assert pipeline.metric("csat_avg", "2026-01-03", grain="daily") is None
    assert pipeline.value("csat_avg", "2026-01-01") == 5.0  # January as the backfill left it

    broken.unlink()
    result = run_cli("run", "--date", "2026-01-03", *args)
    assert result.returncode == 0, result.stderr
    assert pipeline.value("csat_avg", "2026-01-03", grain="daily") == 3.5  # (3 + 4) / 2
    assert pipeline.value("csat_avg", "2026-01-01") == 4.0  # (5 + 3 + 4) / 3
