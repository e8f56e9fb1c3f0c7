"""The project's Dagster instance, where command-line runs are recorded, and its event log on SQLite.

A run over a range of partitions records one materialization per partition of every partitioned asset:
a year's backfill records thousands. Dagster's SQLite storage writes each in two transactions of their
own (the run's database and the cross-run index), which made recording the history cost twice the
backfill itself. Dagster hands such events to ``store_event_batch`` when ``DAGSTER_EVENT_BATCH_SIZE`` is
set (``definitions.py`` sets it), and so are the events a run plans when it is created (one for each
asset, one for each check and partition: 150 for a nightly load); its PostgreSQL storage writes a batch
at once, its SQLite storage one event at a time. ``BatchingSqliteEventLogStorage`` writes a batch of
either in one transaction per database.

Every other event (a step starting, a check evaluated: a nightly run records several hundred) is still
stored on its own. Dagster's SQLite storage opens a new database engine for each, and checks that the
check tables exist each time it stores a check's result: 3 to 10 ms an event here, seconds of a nightly
run. This storage keeps the engines of the index and of the latest runs open instead (0.7 ms an event).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
from dagster._core.event_api import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable, SqlEventLogStorageTable
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import serialize_value

PROJECT_HOME = Path(__file__).resolve().parent.parent / "dagster_home"
"""The project's Dagster instance (run, event and schedule storage in SQLite beside its dagster.yaml)."""

EVENT_BATCH_SIZE = "1000"
"""Materializations of one step stored together: a year of daily partitions of an asset is one batch."""

OPEN_DATABASES = 4
"""SQLite databases whose engines the event log keeps open: the index and the shards of the latest runs."""

_ASSET_EVENTS = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_OBSERVATION,
                 dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED}
_CHECK_PLANNED = dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED


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
    """SQLite event-log storage that stores a batch of asset materializations, observations, planned
    materializations and planned checks of one run in one transaction per database, the asset's latest entry
    taken from the batch's last event of each kind, and keeps the engines of the databases it used last open.

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
            sa.event.listen(engine, "connect", _synced_at_checkpoints)
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
        if len(runs) != 1 or not kinds <= _ASSET_EVENTS | {_CHECK_PLANNED}:
            super().store_event_batch(events)
            return
        rows = [self._event_to_row(event) for event in events]
        with self.run_connection(runs.pop()) as conn:
            conn.execute(SqlEventLogStorageTable.insert(), rows)
        with self.index_transaction() as conn:
            # SQLAlchemy's "insertmanyvalues": a few multi-row statements compiled once, the ids returned in the
            # order of the rows.
            ids = conn.execute(SqlEventLogStorageTable.insert().returning(
                SqlEventLogStorageTable.c.id, sort_by_parameter_order=True), rows).scalars().all()
            stored = list(zip(events, ids))
            assets = [(event, event_id) for event, event_id in stored
                      if event.get_dagster_event().event_type in _ASSET_EVENTS]
            if assets:
                self._store_asset_event_tags(conn, *zip(*assets))
            latest = {(event.get_dagster_event().asset_key, event.get_dagster_event().event_type): (event, event_id)
                      for event, event_id in assets}
            for event, event_id in latest.values():
                self._store_asset_event(conn, event, event_id)
            planned = [_planned_check_rows(event, event_id) for event, event_id in stored
                       if event.get_dagster_event().event_type == _CHECK_PLANNED]
            if planned:
                conn.execute(AssetCheckExecutionsTable.insert(), [row for rows in planned for row in rows])


def _planned_check_rows(event: EventLogEntry, event_id: int) -> list[dict[str, object]]:
    """The rows Dagster's storage records for a planned check, one per partition it is planned for, each
    holding the whole event: serialized once here, not once per partition (a year's range holds 365)."""
    planned = event.get_dagster_event().event_specific_data
    partitions = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
    row = dict(asset_key=planned.asset_key.to_string(), check_name=planned.check_name, run_id=event.run_id,
               execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
               evaluation_event=serialize_value(event),
               evaluation_event_timestamp=dt.datetime.fromtimestamp(event.timestamp, dt.timezone.utc).replace(tzinfo=None),
               evaluation_event_storage_id=event_id)
    return [{**row, "partition": partition} for partition in partitions]


def _synced_at_checkpoints(connection, _record) -> None:
    """Dagster keeps its SQLite event logs in write-ahead mode, synced at each commit by default: 0.33 ms a
    commit here, and a nightly run stores about 900 events, most of them in commits of their own. Synced at
    the log's checkpoints, a commit takes 0.02 ms; SQLite's documentation calls this safe from corruption in
    write-ahead mode, where a power cut may lose the last commits and an application crash none."""
    connection.execute("pragma synchronous=normal")
