"""The project's Dagster instance, where command-line runs are recorded, and its event log on SQLite.

A run over a range of partitions records one materialization per partition of every partitioned asset:
a year's backfill records thousands. Dagster's SQLite storage writes each in two transactions of their
own (the run's database and the cross-run index), which made recording the history cost twice the
backfill itself. Dagster hands such events to ``store_event_batch`` when ``DAGSTER_EVENT_BATCH_SIZE`` is
set (``definitions.py`` sets it); its PostgreSQL storage writes a batch at once, its SQLite storage one
event at a time. ``BatchingSqliteEventLogStorage`` writes a batch as the PostgreSQL storage does.

Every other event (a step starting, a check evaluated: a nightly run records about a thousand) is still
stored on its own. Dagster's SQLite storage opens a new database engine for each, and checks that the
check tables exist each time it stores a check's result: 3 to 10 ms an event here, seconds of a nightly
run. This storage keeps the engines of the index and of the latest runs open instead (0.7 ms an event).
"""

from __future__ import annotations

import contextlib
import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
from dagster._core.event_api import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS

PROJECT_HOME = Path(__file__).resolve().parent.parent / "dagster_home"
"""The project's Dagster instance (run, event and schedule storage in SQLite beside its dagster.yaml)."""

EVENT_BATCH_SIZE = "1000"
"""Materializations of one step stored together: a year of daily partitions of an asset is one batch."""

OPEN_DATABASES = 4
"""SQLite databases whose engines the event log keeps open: the index and the shards of the latest runs."""

_BATCHED = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_OBSERVATION}


def get() -> dg.DagsterInstance:
    """Where command-line runs are recorded: DAGSTER_HOME, else the project's dagster_home/, so that
    `dagster dev` right after the demo shows its runs, partitions and checks."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.from_config(str(PROJECT_HOME))


def in_folder(home: Path) -> dg.DagsterInstance:
    """An instance in ``home`` configured as the project's (the bench records its runs in one of its own)."""
    home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}, "event_log_storage": {
        "module": __name__, "class": BatchingSqliteEventLogStorage.__name__,
        "config": {"base_dir": str(home / "history" / "runs")}}})


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    """SQLite event-log storage that stores a batch of asset materializations or observations of one run
    in one transaction per database, the asset's latest entry taken from the batch's last event, and keeps
    the engines of the databases it used last open.

    ``base_dir`` defaults to where Dagster keeps a SQLite instance's event logs: ``history/runs`` in
    DAGSTER_HOME, else in the project's dagster_home/ (where ``get`` records without DAGSTER_HOME)."""

    def __init__(self, base_dir: str | None = None, inst_data=None):
        home = os.environ.get("DAGSTER_HOME") or str(PROJECT_HOME)
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir or os.path.join(home, "history", "runs"), inst_data=inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": dg.Field(dg.StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> BatchingSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = sa.create_engine(self.conn_string_for_shard(shard),
                                      connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def has_table(self, table_name: str) -> bool:
        # Tables are created by migrations and never dropped: one that exists is not looked up again.
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def _close_engines(self) -> None:
        while self._engines:
            self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_engines()
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        kinds = {event.get_dagster_event().event_type for event in events}
        runs = {event.run_id for event in events}
        if len(runs) != 1 or len(kinds) != 1 or not kinds <= _BATCHED:
            super().store_event_batch(events)
            return
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(runs.pop()) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        with self.index_transaction() as conn:
            # One statement inserts the rows in order, so their ids ascend with the events.
            ids = sorted(conn.execute(SqlEventLogStorageTable.insert().values(rows)
                                      .returning(SqlEventLogStorageTable.c.id)).scalars())
            self._store_asset_event_tags(conn, events, ids)
            latest = {event.get_dagster_event().asset_key: (event, event_id) for event, event_id in zip(events, ids)}
            for event, event_id in latest.values():
                self._store_asset_event(conn, event, event_id)
