"""DuckDB and PostgreSQL give the same metric rows from the same raw data (SPEC §2)."""

import datetime as dt
import math

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
    result = run_cli("backfill", "--start", "2026-01-02", "--end", "2026-01-02", "--raw-dir", str(raw.root),
                     env={"CX_WAREHOUSE_URL": url, "DAGSTER_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert "Sup3r-s3cret" not in result.stdout + result.stderr
    stored = [p for p in home.rglob("*") if p.is_file()]
    assert stored, "the runs should have been recorded in DAGSTER_HOME"
    for path in stored:
        assert b"Sup3r-s3cret" not in path.read_bytes(), path
