"""The benchmark command completes on a small data set and prints its fields (the real benchmark is
run by hand, never in the test suite)."""

import json

from cx_pipeline_tests.conftest import run_cli


def test_bench_smoke(tmp_path):
    result = run_cli("bench", "--customers", "500", "--days", "10", "--json", "--without-history",
                     "--workdir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [s["step"] for s in report["steps"]] == ["floor (DuckDB reads all)", "backfill", "nightly run",
                                                    "backfill, no run history"]
    floor, backfill, nightly, unrecorded = report["steps"]
    # The backfill loads every day but the last, which the nightly run then loads.
    assert floor["rows"] == backfill["rows"] + nightly["rows"] and backfill["rows"] == unrecorded["rows"]
    assert backfill["rows"] > nightly["rows"] > 0
    assert [p["part"].split()[0] for p in unrecorded["parts"]] == ["daily", "monthly_metrics"]
    # The timed runs are recorded in the bench's own instance, never in the project's.
    assert (tmp_path / "dagster_home" / "history" / "runs.db").exists()
    assert floor["vs_floor"] == 1
    for step in report["steps"]:
        assert step["seconds"] > 0 and step["peak_rss_mb"] > 0 and step["bytes"] > 0
    assert len(floor["parts"]) == 3 and floor["seconds"] == min(p["seconds"] for p in floor["parts"])
    assert [p["part"].split()[0] for p in backfill["parts"]] == ["daily", "monthly_metrics"]
    assert nightly["parts"][0]["part"] == f"ingest {report['end']}"
    assert abs(sum(p["seconds"] for p in nightly["parts"]) - nightly["seconds"]) < 1
