"""Differential test of the nightly run (SPEC §3), with Hypothesis: from a backfilled warehouse, a
generated change to a past or current extract (a record added, removed or changed, a file re-sent, a late
file, a new night), then the nightly run of its date; every table of marts must then equal a clean
backfill of the same raw data (computed_at aside).

The nightly run is the real one (``runner.nightly``: Dagster runs of the ingest job, then of exactly the
metric partitions ``affected_dates`` names). The clean backfill is the oracle: the functions the backfill's
assets call, over the whole range, into a new warehouse. DuckDB only: the other tests hold the two engines
to the same rows. Each example costs some thirty seconds, so there are few of them, and no shrinking: six
named changes, each a test of its own, and eight that Hypothesis draws.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import dataclasses
import datetime as dt
import gzip
import io
import json
import math
import shutil
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cx_pipeline import runner
from cx_pipeline.dbt_invocation import environment_set
from cx_pipeline.defs.changes import metric_changes_monthly
from cx_pipeline.defs.metrics import metrics_daily, metrics_monthly
from cx_pipeline.defs.raw import raw_assets
from cx_pipeline.defs.report import cx_report
from cx_pipeline.defs.schedules import daily_job, daily_metrics_job, ingest_job, monthly_metrics_job
from cx_pipeline.defs.transform import transform
from cx_pipeline.generate import FORMATS, generate
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse
from cx_pipeline_tests.conftest import Pipeline

START, END = dt.date(2026, 1, 5), dt.date(2026, 2, 15)
KEYS = {"crm/customers": "customer_id", "crm/subscriptions": "subscription_id", "crm/nps_responses": "response_id",
        "helpdesk/tickets": "ticket_id", "helpdesk/surveys": "response_id", "ecommerce/orders": "order_id",
        "ecommerce/carts": "cart_id", "ecommerce/sessions": "session_id", "ecommerce/referrals": "referral_id",
        "reference/fx_rates": "date"}


def clean_backfill(raw: Path, warehouse_file: Path, end: dt.date,
                   instance: dg.DagsterInstance | None = None) -> None:
    """START..end as a backfill computes it (every raw load, staging, intermediate, both metric tables and
    the changes), by the real assets, into a new warehouse; recorded in ``instance`` when given."""
    pipeline = Pipeline(raw, f"duckdb:///{warehouse_file}")
    pipeline.instance = instance or pipeline.instance
    pipeline.backfill(START.isoformat(), end.isoformat())
    pipeline.warehouse.dispose()


def tables_of(warehouse_file: Path, schema: str = "marts") -> dict[str, list[tuple]]:
    """Every row of every table of ``schema``, computed_at and source_file aside, in a stable order; in
    intermediate, the tables that hold the records and customers (not what one run changed)."""
    engine = sa.create_engine(f"duckdb:///{warehouse_file}", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        tables = conn.execute(sa.text("select table_name from information_schema.tables "
                                      "where table_schema = :schema and table_name not like 'changed_%' "
                                      "order by 1"), {"schema": schema}).scalars().all()
        found = {}
        for table in tables:
            # when the figures were computed, and from which copy of a file (the backfills read copies)
            columns = [c for c in conn.execute(sa.text(f"select * from {schema}.{table} limit 0")).keys()
                       if c not in ("computed_at", "source_file")]
            found[table] = sorted((tuple(row) for row in conn.execute(
                sa.text(f"select {', '.join(columns)} from {schema}.{table}")).all()), key=repr)
    engine.dispose()
    return found


def marts(warehouse_file: Path) -> dict[str, list[tuple]]:
    return tables_of(warehouse_file, "marts")


def differing_records(nightly: dict[str, list[tuple]], backfill: dict[str, list[tuple]]) -> dict[str, int]:
    """Per intermediate table, how many rows one side holds and the other not (figures to 1e-9)."""
    def rounded(row: tuple) -> tuple:
        return tuple(round(v, 9) if isinstance(v, float) and math.isfinite(v) else v for v in row)

    found = {}
    for table in sorted(set(nightly) | set(backfill)):
        left = collections.Counter(map(rounded, nightly.get(table, [])))
        right = collections.Counter(map(rounded, backfill.get(table, [])))
        differing = sum(((left - right) + (right - left)).values())
        if differing:
            found[table] = differing
    return found


def differing_rows(nightly: dict[str, list[tuple]], backfill: dict[str, list[tuple]]) -> dict[str, dict[str, int]]:
    """Per table and metric, the rows (period, metric, dimension, value) that one side lacks or holds
    with other figures (to 1e-9)."""
    def figures(row: tuple) -> tuple:
        return tuple(round(v, 9) if isinstance(v, float) and math.isfinite(v) else v for v in row[4:])

    found: dict[str, dict[str, int]] = {}
    for table in sorted(set(nightly) | set(backfill)):
        left = {row[:4]: figures(row) for row in nightly.get(table, [])}
        right = {row[:4]: figures(row) for row in backfill.get(table, [])}
        for key in set(left) | set(right):
            if left.get(key) != right.get(key):
                metrics = found.setdefault(table, {})
                metrics[key[1]] = metrics.get(key[1], 0) + 1
    return found


@dataclasses.dataclass(frozen=True)
class Backfilled:
    root: Path
    """raw/ and backfilled.duckdb, the warehouse each example starts from."""
    instance: dg.DagsterInstance
    """The Dagster instance that recorded the backfill, as a deployment keeps one: the nightly runs merge
    into staging what their loads touched, as they do in production, instead of rebuilding it whole."""

    @property
    def nightly_warehouse(self) -> Path:
        """Where each example's nightly runs: the backfill was built there (the staging tables' fingerprint
        names their warehouse)."""
        return self.root / "nightly.duckdb"


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory) -> Backfilled:
    root = tmp_path_factory.mktemp("nightly_equals_backfill")
    generate(root / "raw", START, END, customers=120, seed=7)
    backfilled = Backfilled(root, dg.DagsterInstance.ephemeral())
    clean_backfill(root / "raw", backfilled.nightly_warehouse, END, backfilled.instance)
    shutil.copy(backfilled.nightly_warehouse, root / "backfilled.duckdb")
    return backfilled


# --- changes to the extracts -------------------------------------------------------------------------

def read_rows(path: Path) -> list[dict[str, str | None]]:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return pq.read_table(path).to_pylist()
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    text = gzip.decompress(path.read_bytes()).decode() if name.endswith(".gz") else path.read_text()
    return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]


def write_rows(path: Path, rows: list[dict[str, str | None]], columns: list[str]) -> None:
    name = path.name.lower()
    if name.endswith(".parquet"):
        pq.write_table(pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns}), path)
    elif name.endswith(".jsonl"):
        path.write_text("".join(json.dumps({c: r.get(c) for c in columns}) + "\n" for r in rows))
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows([{c: r.get(c) for c in columns} for r in rows])
        data = buffer.getvalue().encode()
        path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)


def _earlier(value: str | None, days: int) -> str | None:
    """An ISO timestamp or date moved ``days`` earlier, in the same form."""
    if not value:
        return value
    try:
        if len(value) == 10:
            return (dt.date.fromisoformat(value) - dt.timedelta(days)).isoformat()
        moved = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) - dt.timedelta(days)
    except ValueError:  # the generator's dirty values stay as they are
        return value
    return moved.strftime("%Y-%m-%dT%H:%M:%SZ") if value.endswith("Z") else moved.strftime("%Y-%m-%d %H:%M:%S")


@dataclasses.dataclass(frozen=True)
class Change:
    """A change to the raw extracts, and the night that follows it."""

    entity: str
    """The entity's folder, e.g. ``ecommerce/orders``."""
    day: dt.date
    """The extract date changed (a past one, the last one, or the night after the last)."""
    kind: str
    """remove, add, change (a record of the file), resend (the file as it was), late (a second file of
    the date, sent after the night), new_night (the file of the night after the last)."""
    pick: int
    """Which record (modulo the file's records)."""
    shift: int
    """Days the changed or added record's timestamps move back."""
    column: int
    """Which of the record's columns a change alters (modulo their number)."""

    def apply(self, raw: Path) -> dt.date:
        """Write the change into ``raw``; returns the extract date the nightly run then loads."""
        folder = raw / self.entity
        ext = FORMATS[self.entity]
        source = folder / f"{min(self.day, END)}.{ext}"
        if not source.exists():  # no file that day: change the nearest earlier one, else the first
            files = sorted(folder.iterdir())
            earlier = [p for p in files if p.name[:10] <= str(self.day)]
            source = earlier[-1] if earlier else files[0]
        rows = read_rows(source)
        columns = list(rows[0]) if rows else list(read_rows(next(folder.iterdir()))[0])
        record = dict(rows[self.pick % len(rows)]) if rows else {}
        target = folder / f"{self.day}.{ext}" if self.day > END else source
        night = END + dt.timedelta(1) if self.day > END else dt.date.fromisoformat(source.name[:10])
        if self.kind == "remove" and rows:
            rows.pop(self.pick % len(rows))
        elif self.kind == "change" and record:
            name = columns[self.column % len(columns)]
            rows[self.pick % len(rows)] = record | {name: self._altered(name, record)}
        elif self.kind in ("add", "late", "new_night") and record:
            added = self._added(record)
            if self.kind == "late":
                target, rows = folder / f"{night}.late.{ext}", [added]
            elif self.kind == "new_night":
                rows = [added]
            else:
                rows.append(added)
        write_rows(target, rows, columns)
        return night

    def _added(self, record: dict) -> dict:
        key = KEYS[self.entity]
        added = {k: (_earlier(v, self.shift) if k.endswith(("_at", "date")) else v) for k, v in record.items()}
        if key != "date":
            added[key] = f"{record[key]}-{self.kind}-{self.pick}"
        if "status" in added and self.entity == "ecommerce/orders":
            added["status"] = "completed"
        return added

    def _altered(self, name: str, record: dict) -> str | None:
        value = record[name]
        if name == KEYS[self.entity]:
            return f"{value}-renamed"
        if name.endswith(("_at", "date")):
            return _earlier(value, self.shift) if value else _earlier(record.get("updated_at")
                                                                       or record.get("created_at"), 0)
        statuses = {"completed": "refunded", "refunded": "cancelled", "cancelled": "completed"}
        if value in statuses:
            return statuses[value]
        segments = {"consumer": "smb", "smb": "enterprise", "enterprise": "consumer"}
        if value in segments:
            return segments[value]
        with contextlib.suppress(TypeError, ValueError):
            return str(round(float(value) * 1.5 + 1, 2))
        return None if value else "C0000001"


changes = st.builds(
    Change,
    entity=st.sampled_from(sorted(KEYS)),
    day=st.dates(START, END + dt.timedelta(1)),
    kind=st.sampled_from(["remove", "add", "change", "resend", "late", "new_night"]),
    pick=st.integers(0, 10_000), shift=st.integers(0, 40), column=st.integers(0, 20),
).map(lambda c: dataclasses.replace(c, kind="new_night") if c.day > END else c)


def nightly(raw: Path, warehouse_file: Path, day: dt.date, instance: dg.DagsterInstance) -> list[runner.RunOutcome]:
    """``cx-pipeline run --date day``: the same jobs and runs, on this raw directory and warehouse."""
    url = f"duckdb:///{warehouse_file}"
    # The daily partitions start where the backfill does: the nightly run restates none before.
    with environment_set({"CX_RAW_DIR": str(raw), "CX_WAREHOUSE_URL": url,
                          "CX_REPORT_DIR": str(raw.parent / "reports"), "CX_START_DATE": START.isoformat()}):
        settings_ = Settings.from_env()
        defs = dg.Definitions(
            assets=[*raw_assets, transform, metrics_daily, metrics_monthly, metric_changes_monthly, cx_report],
            jobs=[ingest_job, daily_job, daily_metrics_job, monthly_metrics_job],
            resources={"settings": settings_, "warehouse": Warehouse(url=url)})
        return runner.nightly(defs, day, instance)


# One test per named change, so that the test processes share them out; Hypothesis hunts beyond them.
NAMED_CHANGES = {
    # The case: a past orders file re-sent without one of its completed orders.
    "past_order_removed": Change("ecommerce/orders", dt.date(2026, 1, 22), "remove", pick=0, shift=0, column=0),
    # New nights followed into intermediate: a customer of the master (e-mails re-tie records), an order of
    # weeks before (which order is the customer's first), a late tickets file.
    "new_night_customer": Change("crm/customers", END + dt.timedelta(1), "new_night", pick=17, shift=3, column=0),
    "new_night_order_of_weeks_before": Change("ecommerce/orders", END + dt.timedelta(1), "new_night", pick=5,
                                              shift=20, column=0),
    "late_tickets_file": Change("helpdesk/tickets", dt.date(2026, 2, 1), "late", pick=2, shift=5, column=0),
    "subscription_changed": Change("crm/subscriptions", dt.date(2026, 1, 12), "change", pick=1, shift=9, column=4),
    "nps_response_added": Change("crm/nps_responses", dt.date(2026, 1, 5), "add", pick=926, shift=33, column=12),
}


@pytest.mark.parametrize("change", NAMED_CHANGES.values(), ids=NAMED_CHANGES)
def test_a_nightly_run_after_a_named_change_leaves_marts_as_a_clean_backfill_would(backfilled, tmp_path_factory,
                                                                                 change):
    assert_nightly_equals_backfill(backfilled, tmp_path_factory, change)


@settings(max_examples=8, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(change=changes)
def test_a_nightly_run_after_any_change_leaves_marts_as_a_clean_backfill_would(backfilled, tmp_path_factory, change):
    assert_nightly_equals_backfill(backfilled, tmp_path_factory, change)


def assert_nightly_equals_backfill(backfilled: Backfilled, tmp_path_factory: pytest.TempPathFactory,
                                   change: Change) -> None:
    """Apply ``change`` to a copy of the extracts, follow it with a nightly run on the backfilled warehouse,
    and compare every intermediate and marts row with a clean backfill of the changed extracts."""
    work = tmp_path_factory.mktemp("change")
    shutil.copytree(backfilled.root / "raw", work / "raw")
    shutil.copy(backfilled.root / "backfilled.duckdb", backfilled.nightly_warehouse)
    night = change.apply(work / "raw")

    outcomes = nightly(work / "raw", backfilled.nightly_warehouse, night, backfilled.instance)
    assert all(o.success for o in outcomes), [o.errors for o in outcomes]
    staged = backfilled.instance.get_latest_materialization_event(dg.AssetKey("stg_helpdesk__tickets"))
    assert staged.asset_materialization.metadata["build"].value == "merged"
    identity = backfilled.instance.get_latest_materialization_event(dg.AssetKey("int_customer_keys"))
    # Records added to a file, in a late file or on a new night drop no key: the intermediate models follow
    # the loads. (A "new night" of a past day replaces that day's file with one record.)
    if change.kind in ("add", "late") or night > END:
        assert identity.asset_materialization.metadata["build"].value.startswith("changes loaded after")
    clean_backfill(work / "raw", work / "backfill.duckdb", max(END, night))
    assert differing_records(tables_of(backfilled.nightly_warehouse, "intermediate"),
                             tables_of(work / "backfill.duckdb", "intermediate")) == {}
    assert differing_rows(marts(backfilled.nightly_warehouse), marts(work / "backfill.duckdb")) == {}
    shutil.rmtree(work)
