"""Shared test helpers: write raw extract files, run the real assets against a temporary DuckDB file,
read the metric tables back."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from cx_pipeline.defs.changes import metric_changes_monthly  # noqa: E402
from cx_pipeline.defs.metrics import metrics_daily, metrics_monthly  # noqa: E402
from cx_pipeline.defs.raw import raw_assets  # noqa: E402
from cx_pipeline.defs.schedules import range_tags  # noqa: E402
from cx_pipeline.defs.transform import transform  # noqa: E402
from cx_pipeline.settings import Settings  # noqa: E402
from cx_pipeline.warehouse import Warehouse  # noqa: E402

DAILY_ASSETS = [*raw_assets, transform, metrics_daily]


class RawFiles:
    """Writes extract files in the layout of SPEC §1 under a raw directory."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, entity: str, date: str, rows: list[dict], fmt: str = "csv", part: str = "") -> Path:
        folder = self.root / entity
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{date}{part}.{fmt}"
        columns = list(dict.fromkeys(k for row in rows for k in row))
        if fmt in ("csv", "csv.gz"):
            opener = gzip.open if fmt == "csv.gz" else open
            with opener(path, "wt", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
        elif fmt == "jsonl":
            path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        else:
            pq.write_table(pa.Table.from_pylist(rows), path)
        return path


class Pipeline:
    """The real assets over a raw directory and a DuckDB file, as a backfill does it."""

    results: list[dg.ExecuteInProcessResult]
    """The runs of the last backfill."""

    def __init__(self, raw: Path, warehouse_url: str, **settings: object):
        self.settings = Settings(raw_dir=str(raw), **settings)
        self.warehouse = Warehouse(url=warehouse_url, reporting_timezone=self.settings.reporting_timezone)
        self.instance = dg.DagsterInstance.ephemeral()
        """One instance for all runs of the pipeline, as a deployment keeps: staging merges what a run loaded
        only when the instance has recorded how the staging tables were built."""

    @property
    def resources(self) -> dict:
        return {"warehouse": self.warehouse, "settings": self.settings}

    def backfill(self, start: str, end: str, *, months: tuple[str, str] | None = None,
                 raise_on_error: bool = True) -> list[dg.ExecuteInProcessResult]:
        """Extract dates (and daily metrics) start..end in one run, then the months they touch, or
        ``months`` (first, last) when given, in another."""
        daily = dg.materialize(DAILY_ASSETS, resources=self.resources, tags=range_tags(start, end),
                               raise_on_error=raise_on_error, instance=self.instance)
        self.results = [daily]
        if not daily.success:
            return self.results
        first_month, last_month = months or (dt.date.fromisoformat(start).replace(day=1).isoformat(),
                                             dt.date.fromisoformat(end).replace(day=1).isoformat())
        monthly = dg.materialize([metrics_monthly, metric_changes_monthly], resources=self.resources, tags=range_tags(first_month, last_month),
                                 raise_on_error=raise_on_error, instance=self.instance)
        self.results.append(monthly)
        return self.results

    def query(self, sql: str, **params: object) -> list[sa.Row]:
        try:
            with self.warehouse.begin() as conn:
                return conn.execute(sa.text(sql), params).all()
        finally:
            self.warehouse.dispose()  # let other processes open the DuckDB file

    def metric(self, name: str, period: str, grain: str = "monthly", dimension: str = "all",
               value: str = "all") -> sa.Row | None:
        table, column = ("marts.metrics_monthly", "month") if grain == "monthly" else ("marts.metrics_daily",
                                                                                       "metric_date")
        rows = self.query(
            f"select value, numerator, denominator, sample_size, ci_low, ci_high from {table} "
            f"where {column} = :period and metric = :metric and dimension = :dimension "
            "and dimension_value = :value",
            period=dt.date.fromisoformat(period), metric=name, dimension=dimension, value=value)
        assert len(rows) <= 1, f"{len(rows)} rows for {name} {period} {dimension}={value}"
        return rows[0] if rows else None

    def value(self, name: str, period: str, **kwargs: str) -> float | None:
        row = self.metric(name, period, **kwargs)
        assert row is not None, f"no row for {name} {period} {kwargs}"
        return row.value


WAREHOUSES = ["duckdb", "postgresql"]
"""The integration tests run against both: the embedded default and a real PostgreSQL server."""


@pytest.fixture(scope="session")
def postgres(tmp_path_factory) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port; yields its server URL.

    Skipped, saying why, where PostgreSQL is not installed; in CI (CI=true) that is a failure instead."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not binaries:
        message = "PostgreSQL is not installed here (apt-get install postgresql): its half of the tests is skipped"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    bin_dir = binaries[-1].parent
    root = Path(tempfile.mkdtemp(prefix="cx_pg_"))
    root.chmod(0o777)
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    try:
        started = subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-o",
             f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off", "-w", "-t", "180", "start"],
            capture_output=True, text=True)
        if started.returncode != 0:
            log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
            pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{log[-3000:]}")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        # Stopped even when it did not start in time: a server left running keeps the test command from ending.
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate",
                        "stop"], capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def free_port() -> int:
    """A loopback port no process listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_warehouse(kind: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """The URL of an empty warehouse: a DuckDB file in ``folder``, or a new PostgreSQL database."""
    if kind == "duckdb":
        return f"duckdb:///{folder / 'warehouse.duckdb'}"
    server = request.getfixturevalue("postgres")
    name = f"cx_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text(f"create database {name}"))

    def drop() -> None:
        # Each database is a copy of the template (about 8 MB): a session creates a hundred of them.
        with engine.connect() as conn:
            conn.execute(sa.text(f"drop database if exists {name} with (force)"))

    request.addfinalizer(drop)
    return f"{server}/{name}"


@pytest.fixture(scope="session", autouse=True)
def outside_the_repository(tmp_path_factory) -> Iterator[None]:
    """Command-line runs write CX reports and record themselves in a Dagster instance; keep both out of the
    working copy's data/ and dagster_home/."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CX_REPORT_DIR", str(tmp_path_factory.mktemp("reports")))
        patch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
        yield


@pytest.fixture
def raw(tmp_path: Path) -> RawFiles:
    return RawFiles(tmp_path / "raw")


@pytest.fixture(params=WAREHOUSES)
def pipeline(request, tmp_path: Path, raw: RawFiles) -> Pipeline:
    return Pipeline(raw.root, new_warehouse(request.param, tmp_path, request))


@pytest.fixture(scope="module", params=WAREHOUSES)
def scenario(request, tmp_path_factory) -> tuple[RawFiles, Pipeline]:
    """Raw files and a pipeline shared by the tests of one module (one backfill, many assertions)."""
    root = tmp_path_factory.mktemp("scenario")
    raw = RawFiles(root / "raw")
    return raw, Pipeline(raw.root, new_warehouse(request.param, root, request))


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The installed command line in its own process, as a data engineer runs it; by default in a folder of
    its own, so that no .env of the working copy applies."""
    folder = cwd or Path(tempfile.mkdtemp(prefix="cx_cli_"))
    repository = str(Path(__file__).resolve().parent.parent)
    environment = {**os.environ, "PYTHONPATH": repository, **(env or {})}
    return subprocess.run([sys.executable, "-m", "cx_pipeline.cli", *args], capture_output=True, text=True,
                          env=environment, cwd=folder, timeout=600)
