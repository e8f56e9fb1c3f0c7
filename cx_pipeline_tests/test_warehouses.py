"""DuckDB and PostgreSQL give the same metric rows from the same raw data (SPEC §2)."""

import contextlib
import datetime as dt
import math
import os
from pathlib import Path

from cx_pipeline.generate import generate
from cx_pipeline_tests.conftest import Pipeline, RawFiles, new_warehouse, run_cli

_COLUMNS = "metric, dimension, dimension_value, value, numerator, denominator, sample_size, ci_low, ci_high"


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_duckdb_and_postgresql_give_the_same_metrics(tmp_path, request):
    generate(tmp_path / "raw", dt.date(2026, 1, 1), dt.date(2026, 2, 28), customers=300, seed=21)
    pipelines = [Pipeline(tmp_path / "raw", new_warehouse(kind, tmp_path, request)) for kind in ("duckdb", "postgresql")]
    for pipeline in pipelines:
        pipeline.backfill("2026-01-01", "2026-02-28")
    for table, period in (("marts.metrics_daily", "metric_date"), ("marts.metrics_monthly", "month")):
        query = f"select {period}, {_COLUMNS} from {table} order by 1, 2, 3, 4"
        duck, postgres = (p.query(query) for p in pipelines)
        assert len(duck) == len(postgres) > 100
        for left, right in zip(duck, postgres):
            assert all(_same(a, b) for a, b in zip(left, right)), (left, right)
    quarantine = "select entity, extract_date, row_number, rule from quarantine.rejected_rows order by 1, 2, 3, 4"
    assert pipelines[0].query(quarantine) == pipelines[1].query(quarantine)


def test_the_warehouse_password_stays_out_of_runs_and_logs(tmp_path, request):
    # The throwaway server trusts every local connection, so any password is accepted and must stay hidden.
    url = new_warehouse("postgresql", tmp_path, request).replace("postgres@", "postgres:Sup3r-s3cret@")
    home = tmp_path / "dagster_home"
    home.mkdir()
    raw = RawFiles(tmp_path / "raw")
    raw.write("crm/nps_responses", "2026-01-02", [{"response_id": "a", "customer_id": "c",
                                                   "responded_at": "2026-01-02T10:00:00Z", "score": 9}])
    # -v: Dagster's run log and dbt's log lines on the console too.
    result = run_cli("backfill", "--start", "2026-01-02", "--end", "2026-01-02", "--raw-dir", str(raw.root), "-v",
                     env={"CX_WAREHOUSE_URL": url, "DAGSTER_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert "dbt" in result.stderr and "Sup3r-s3cret" not in result.stdout + result.stderr
    dbt_target = Path(__file__).resolve().parent.parent / "sql" / "target"
    stored = [p for p in home.rglob("*") if p.is_file()]
    assert stored, "the runs should have been recorded in DAGSTER_HOME"
    for path in stored + [p for p in dbt_target.rglob("*") if p.is_file()]:
        # Test processes beside this one remove their dbt run folders as their invocations end.
        with contextlib.suppress(FileNotFoundError):
            assert b"Sup3r-s3cret" not in path.read_bytes(), path


def test_dagster_keeps_its_runs_in_postgresql(postgres, tmp_path, request):
    """The server instance of deploy/dagster.yaml: runs and events in PostgreSQL, warehouse too."""
    import shutil
    from pathlib import Path

    import sqlalchemy as sa

    storage_url = new_warehouse("postgresql", tmp_path, request)
    storage = sa.make_url(storage_url)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).parent.parent / "deploy" / "dagster.yaml", home)
    raw = RawFiles(tmp_path / "raw")
    raw.write("crm/nps_responses", "2026-01-02", [{"response_id": "a", "customer_id": "c",
                                                   "responded_at": "2026-01-02T10:00:00Z", "score": 9}])
    env = {"DAGSTER_HOME": str(home), "DAGSTER_PG_URL": storage.set(drivername="postgresql+psycopg2").render_as_string(),
           "CX_WAREHOUSE_URL": new_warehouse("postgresql", tmp_path, request)}
    result = run_cli("backfill", "--start", "2026-01-02", "--end", "2026-01-02", "--raw-dir", str(raw.root), env=env)
    assert result.returncode == 0, result.stderr

    engine = sa.create_engine(storage_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        runs = conn.execute(sa.text("select pipeline_name, status from runs order by create_timestamp")).all()
        events = conn.execute(sa.text("select count(*) from event_logs")).scalar_one()
    assert [tuple(r) for r in runs] == [("daily", "SUCCESS"), ("monthly_metrics", "SUCCESS")]
    assert events > 50
    assert not list(home.glob("**/*.db")), "nothing should be stored in SQLite files"
    assert Pipeline(raw.root, env["CX_WAREHOUSE_URL"]).value("nps", "2026-01-02", grain="daily") == 100


def test_a_server_runs_a_job_on_postgresql(tmp_path, request):
    """As a deployed instance runs a job: `dagster job execute` with deploy/dagster.yaml and a PostgreSQL
    warehouse. The raw loads are one step, which loads every entity (side by side, in worker processes)."""
    import re
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import sqlalchemy as sa

    storage_url = new_warehouse("postgresql", tmp_path, request)
    warehouse_url = new_warehouse("postgresql", tmp_path, request)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).parent.parent / "deploy" / "dagster.yaml", home)
    generate(tmp_path / "raw", dt.date(2026, 1, 1), dt.date(2026, 1, 3), customers=100, seed=4)
    env = {**os.environ, "DAGSTER_HOME": str(home), "CX_RAW_DIR": str(tmp_path / "raw"),
           "CX_WAREHOUSE_URL": warehouse_url,
           "DAGSTER_PG_URL": sa.make_url(storage_url).set(drivername="postgresql+psycopg2").render_as_string()}
    tags = '{"dagster/asset_partition_range_start": "2026-01-01", "dagster/asset_partition_range_end": "2026-01-03"}'
    result = subprocess.run([sys.executable, "-m", "dagster", "job", "execute", "-m", "cx_pipeline.definitions",
                             "-j", "daily", "--tags", tags], env=env, capture_output=True, text=True, timeout=600,
                            cwd=Path(__file__).parent.parent)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert re.findall(r" - \d+ - (\w+) - STEP_START", log) == ["raw", "transform", "metrics_daily"]
    pipeline = Pipeline(tmp_path / "raw", warehouse_url)
    loaded = pipeline.query("select count(*) from raw.extract_files")[0][0]
    assert loaded == len([p for p in (tmp_path / "raw").rglob("*") if p.is_file()])
    assert pipeline.metric("active_customers", "2026-01-03", grain="daily").value > 0


def test_a_raw_layer_from_before_the_dropped_key_count_gains_it_as_zero(tmp_path):
    """A warehouse whose raw.extract_date_loads predates keys_dropped: its past loads dropped nothing known."""
    import duckdb
    import sqlalchemy as sa

    from cx_pipeline.warehouse import Warehouse

    with duckdb.connect(str(tmp_path / "old.duckdb")) as old:
        old.execute("create schema raw")
        old.execute("create table raw.extract_date_loads (entity text not null, extract_date date not null, "
                    "loaded_at timestamp with time zone not null)")
        old.execute("insert into raw.extract_date_loads values ('crm__customers', date '2026-01-05', now())")
    warehouse = Warehouse(url=f"duckdb:///{tmp_path / 'old.duckdb'}")
    warehouse.create_tables()
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text("select entity, keys_dropped from raw.extract_date_loads")).all()
    warehouse.dispose()
    assert rows == [("crm__customers", 0)]
