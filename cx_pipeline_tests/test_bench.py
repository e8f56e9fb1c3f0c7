"""The benchmark command completes on a small data set and prints its fields (the real benchmark is
run by hand, never in the test suite)."""

import datetime as dt
import json

from cx_pipeline_tests.conftest import run_cli


def test_bench_smoke(tmp_path):
    result = run_cli("bench", "--customers", "500", "--days", "10", "--json", "--without-history",
                     "--workdir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    end = dt.date.fromisoformat(report["end"])
    nights = [end - dt.timedelta(n) for n in (2, 1, 0)]
    assert [s["step"] for s in report["steps"]] == ["floor (DuckDB reads all)", "backfill",
                                                    *(f"nightly run {night}" for night in nights),
                                                    "backfill, no run history"]
    floor, backfill, *nightly, unrecorded = report["steps"]
    # The backfill loads every day but the last three, which three nightly runs then load one by one.
    assert floor["rows"] == backfill["rows"] + sum(n["rows"] for n in nightly) and backfill["rows"] == unrecorded["rows"]
    assert all(backfill["rows"] > n["rows"] > 0 for n in nightly)
    assert [p["part"].split()[0] for p in unrecorded["parts"]] == ["daily", "monthly_metrics"]
    # The timed runs are recorded in the bench's own instance, never in the project's.
    assert (tmp_path / "dagster_home" / "history" / "runs.db").exists()
    assert floor["vs_floor"] == 1
    for step in report["steps"]:
        assert step["seconds"] > 0 and step["peak_rss_mb"] > 0 and step["bytes"] > 0
    assert len(floor["parts"]) == 3 and floor["seconds"] == min(p["seconds"] for p in floor["parts"])
    assert [p["part"].split()[0] for p in backfill["parts"]] == ["daily", "monthly_metrics"]
    assert backfill["parts"][0]["part"] == f"daily {report['start']}..{nights[0] - dt.timedelta(1)}"
    for night, step in zip(nights, nightly):
        assert step["parts"][0]["part"] == f"ingest {night}"
        assert abs(sum(p["seconds"] for p in step["parts"]) - step["seconds"]) < 1
    assert report["nightly_median_seconds"] == sorted(n["seconds"] for n in nightly)[1]


def _hold_for_a_while(megabytes: int) -> None:
    import time

    held = b"\x01" * (megabytes * 2**20)
    time.sleep(0.6)
    del held


def test_peak_memory_counts_the_pages_a_worker_process_holds_of_its_own():
    """The raw step reads in forked worker processes: a worker that fills 256 MB of its own while a step is
    watched raises the step's peak by as much, though this process's resident set does not grow."""
    import multiprocessing

    from cx_pipeline.bench import _PeakRss

    memory = _PeakRss()
    before = memory._current_kb()
    with memory.watch():
        worker = multiprocessing.get_context("fork").Process(target=_hold_for_a_while, args=(256,))
        worker.start()
        worker.join()
    assert worker.exitcode == 0
    assert memory.peak - before >= 250 * 1024
    assert memory._current_kb() - before < 64 * 1024
