"""``cx-pipeline bench``: where the pipeline stands against the least work that touches all the data.

In one process: generate a data set, then measure (a) the floor — DuckDB reading every raw file once
and counting each entity's rows by month, best of three — (b) a full backfill into a fresh warehouse,
(c) the nightly runs on top of it. The backfill covers every day but the last ``NIGHTS``, which nightly runs
then load one by one, as the schedule would. Each step reports rows, bytes, wall seconds, rows/s and its peak
memory (sampled: this process's RSS and the pages its raw-load workers hold of their own).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Iterator

from cx_pipeline.entities import ENTITIES
from cx_pipeline.extracts import extract_format

_READERS = {"csv": "read_csv({files}, all_varchar=true, filename=true, union_by_name=true)",
            "csv.gz": "read_csv({files}, all_varchar=true, filename=true, union_by_name=true)",
            "jsonl": "read_json({files}, format='newline_delimited', filename=true, union_by_name=true)",
            "parquet": "read_parquet({files}, filename=true, union_by_name=true)"}


FLOOR_REPEATS = 3
"""The floor is the best of this many reads: it is the least the machine needs, and single reads of
freshly written files vary by half from one to the next on this 2-core machine."""

NIGHTS = 3
"""Nightly runs measured, one after the other: a night's cost moves with what it brings (a customer who
changes segment restates every day since they were first active) and with the machine, so the figure to
compare is their median."""


@dataclasses.dataclass
class Step:
    name: str
    rows: int
    bytes: int
    seconds: float
    peak_rss_mb: float
    parts: list[tuple[str, float]] = dataclasses.field(default_factory=list)
    """What the step's time is made of: each floor read, or each Dagster run, with its seconds."""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class _PeakRss:
    """The highest memory of this process and its worker processes while a step runs: this process's
    resident set, sampled every 20 ms, plus the pages its workers hold of their own (the rest they share
    with it, forked), sampled every 100 ms as reading them costs more."""

    def __init__(self) -> None:
        self.peak = 0

    @staticmethod
    def _current_kb() -> int:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    @staticmethod
    def _workers_own_kb() -> int:
        total = 0
        for children in Path("/proc/self/task").glob("*/children"):
            for pid in children.read_text().split():
                with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as rollup:
                    total += sum(int(line.split()[1]) for line in rollup if line.startswith("Private_"))
        return total

    @contextlib.contextmanager
    def watch(self) -> Iterator[None]:
        self.peak = self._current_kb()
        done = threading.Event()

        def sample() -> None:
            workers, samples = 0, 0
            while not done.wait(0.02):
                if samples % 5 == 0:
                    workers = self._workers_own_kb()
                samples += 1
                self.peak = max(self.peak, self._current_kb() + workers)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
            self.peak = max(self.peak, self._current_kb())


def raw_files(raw: Path) -> list[Path]:
    return [p for p in raw.rglob("*") if p.is_file() and extract_format(p)]


def floor(raw: Path) -> int:
    """Read every raw file once with DuckDB and count each entity's rows by month; returns rows read."""
    import duckdb

    connection = duckdb.connect()
    total = 0
    for entity in ENTITIES:
        by_format: dict[str, list[str]] = {}
        for path in raw_files(raw / entity.path):
            by_format.setdefault(extract_format(path), []).append(str(path))
        for fmt, files in by_format.items():
            reader = _READERS[fmt].format(files=files)
            rows = connection.execute(
                f"select substr(regexp_extract(filename, '(\\d{{4}}-\\d{{2}})-\\d{{2}}[^/]*$', 1), 1, 7) as month, "
                f"count(*) from {reader} group by 1").fetchall()
            total += sum(n for _, n in rows)
    connection.close()
    return total


def run_bench(workdir: Path, customers: int, start: dt.date, end: dt.date, seed: int = 1,
              without_history: bool = False, spark_url: str | None = None) -> list[Step]:
    """Generate, then time the floor, a backfill of every day but the last ``NIGHTS`` and the nightly run of
    each of those, recorded in a Dagster instance of their own as the command line records its runs; with
    ``without_history``, the backfill again into a fresh warehouse on an ephemeral instance, which keeps no
    run history. The warehouse is a new DuckDB
    file in ``workdir``, or with ``spark_url`` new Spark tables there. Sets CX_RAW_DIR, CX_WAREHOUSE_URL
    and CX_REPORT_DIR for the runs, so it is meant for a process of its own (the command line)."""
    import dagster as dg

    from cx_pipeline.generate import generate

    raw, warehouse = workdir / "raw", workdir / "warehouse.duckdb"
    summary = generate(raw, start, end, customers, seed)
    extracts = raw_files(raw)
    size = sum(p.stat().st_size for p in extracts)
    os.environ["CX_RAW_DIR"] = str(raw)
    os.environ["CX_WAREHOUSE_URL"] = spark_url or f"duckdb:///{warehouse}"
    if spark_url:
        os.environ["CX_SPARK_WAREHOUSE_DIR"] = str(workdir / "spark-warehouse")
    os.environ["CX_REPORT_DIR"] = str(workdir / "reports")
    from cx_pipeline import dagster_instance, runner
    from cx_pipeline.definitions import defs

    rss = _PeakRss()
    steps = []

    reads = []
    with rss.watch():
        for _ in range(FLOOR_REPEATS):
            started = time.perf_counter()
            rows = floor(raw)
            reads.append(time.perf_counter() - started)
    steps.append(Step("floor (DuckDB reads all)", rows, size, min(reads), rss.peak / 1024,
                      [(f"read {n + 1}", seconds) for n, seconds in enumerate(reads)]))

    instance = dagster_instance.in_folder(workdir / "dagster_home")
    nights = [end - dt.timedelta(n) for n in reversed(range(NIGHTS))]
    night_files = {night: [p for p in extracts if p.name.startswith(night.isoformat())] for night in nights}
    night_rows = {night: _rows_in(files) for night, files in night_files.items()}
    started = time.perf_counter()
    with rss.watch():
        outcomes = runner.backfill(defs, start, nights[0] - dt.timedelta(1), instance)
    seconds = time.perf_counter() - started
    _raise_on_failure(outcomes)
    history_rows = summary.total_rows - sum(night_rows.values())
    history_bytes = size - sum(p.stat().st_size for files in night_files.values() for p in files)
    steps.append(Step("backfill", history_rows, history_bytes, seconds, rss.peak / 1024, _runs(outcomes)))

    for night, files in night_files.items():
        started = time.perf_counter()
        with rss.watch():
            outcomes = runner.nightly(defs, night, instance)
        _raise_on_failure(outcomes)
        steps.append(Step(f"nightly run {night}", night_rows[night], sum(p.stat().st_size for p in files),
                          time.perf_counter() - started, rss.peak / 1024, _runs(outcomes)))

    if without_history:
        for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
            path.unlink(missing_ok=True)
        started = time.perf_counter()
        with rss.watch():
            outcomes = runner.backfill(defs, start, nights[0] - dt.timedelta(1), dg.DagsterInstance.ephemeral())
        _raise_on_failure(outcomes)
        steps.append(Step("backfill, no run history", history_rows, history_bytes, time.perf_counter() - started,
                          rss.peak / 1024, _runs(outcomes)))
    return steps


def nightly_median(steps: list[Step]) -> float:
    """The median of the nightly runs' seconds."""
    return statistics.median(s.seconds for s in steps if s.name.startswith("nightly run"))


def _runs(outcomes) -> list[tuple[str, float]]:
    return [(f"{o.job} {o.partitions}", o.seconds) for o in outcomes]


def _rows_in(files: list[Path]) -> int:
    from cx_pipeline.entities import ENTITIES_BY_TABLE
    from cx_pipeline.extracts import read_extract

    total = 0
    for path in files:
        entity = ENTITIES_BY_TABLE["__".join(path.parent.parts[-2:])]
        total += read_extract(path, dt.date.fromisoformat(path.name[:10]), entity).rows_read
    return total


def _raise_on_failure(outcomes) -> None:
    failed = [error for outcome in outcomes if not outcome.success for error in outcome.errors]
    if failed or not all(o.success for o in outcomes):
        raise RuntimeError("; ".join(failed) or "a run failed")
