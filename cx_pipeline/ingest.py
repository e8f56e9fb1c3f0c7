"""Load one entity's extracts for a range of extract dates: read, validate, and replace exactly those
dates in raw.<entity>, quarantine.rejected_rows and raw.extract_files, in one transaction; and the entities of
a run side by side."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Iterator

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from cx_pipeline.affected import keep_dates_of_replaced_records
from cx_pipeline.entities import Entity
from cx_pipeline.extracts import (EXTRACT_DATE, ROW_NUMBER, SOURCE_FILE, Extract, ExtractError, ExtractFiles,
                                  list_extracts, read_extract)
from cx_pipeline.settings import Settings
from cx_pipeline.validation.suites import prepare_suites
from cx_pipeline.validation.validate import EXTRA, ExpectationOutcome, validate_extracts
from cx_pipeline.warehouse import Warehouse

LOAD_PROCESSES = 2
"""Entities read and validated at once, each in a worker process. Parsing and Great Expectations hold
Python's lock, so two loads in threads of one process mostly took turns at it: at 50,000 customers the raw
step of a year's backfill took 36.9 and 33.1 s in two threads, 30.9 and 29.4 s in two processes (by turns),
and a night's 3.9 to 5.1 s against 2.1 to 3.4 s. More workers than cores only take turns at the cores."""

_ARROW_TYPES = {"text": pa.string(), "enum": pa.string(), "currency": pa.string(),
                "timestamp": pa.timestamp("us", tz="UTC"), "number": pa.float64(), "integer": pa.float64(),
                "boolean": pa.bool_(), "date": pa.date32()}


@dataclasses.dataclass(frozen=True)
class FileCount:
    source_file: str
    extract_date: dt.date
    rows_read: int
    rows_loaded: int
    rows_quarantined: int

    @property
    def reconciled(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


@dataclasses.dataclass
class IngestReport:
    entity: Entity
    start: dt.date
    end: dt.date
    failures: list[ExtractError]
    """Files that could not be read, or belong to no real extract date; their date was left as it was."""
    undated: list[Path]
    """Files whose name starts with no date at all: never loaded, named by every run."""
    expectations: list[ExpectationOutcome]
    files: list[FileCount]
    """Per file, rows read and the rows the warehouse now holds for it, loaded and quarantined."""

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def unreconciled(self) -> list[FileCount]:
        return [f for f in self.files if not f.reconciled]


def ingest_entities(entities: list[Entity], start: dt.date, end: dt.date, warehouse: Warehouse,
                    settings: Settings, now: dt.datetime,
                    processes: int = LOAD_PROCESSES) -> Iterator[tuple[Entity, IngestReport]]:
    """Each entity's load of [start, end] (``ingest_entity``); yields every entity with its report as its load
    finishes. ``processes`` entities are read and validated at once, each in a process of its own, the
    largest first, and this process writes each to the warehouse as it comes back.

    The exchange rates load first and alone: the orders and subscriptions of the same run are validated
    against the currencies they hold. A Spark warehouse loads one entity at a time, in order (forking
    beside its JVM gateway was not tried). A load that fails raises once every other load has finished and
    been yielded, so what did load is recorded."""
    warehouse.create_tables()
    prepare_suites(entities)
    first = [e for e in entities if e.name == "fx_rates"]
    rest = [e for e in entities if e not in first]
    for entity in first:
        yield entity, ingest_entity(entity, start, end, warehouse, settings, now)
    if processes <= 1 or warehouse.dialect == "spark" or len(rest) <= 1:
        for entity in rest:
            yield entity, ingest_entity(entity, start, end, warehouse, settings, now)
        return

    currencies = known_currencies(warehouse, settings)
    listings = {entity.table: list_extracts(settings.raw_path, entity, start, end) for entity in rest}
    # Two entities hold most of the rows: started last, either would keep one worker busy long after the other.
    largest_first = sorted(rest, key=lambda entity: -listings[entity.table].size)
    failed: list[Exception] = []
    # Forked, a worker starts with this process's imports and Great Expectations suites (importing them
    # anew costs seconds); it touches no warehouse connection, only files.
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
        with _inherited_objects_left_alone():  # the workers are forked at the first submit
            reads = {pool.submit(read_and_validate, entity, start, end, listings[entity.table], currencies, now,
                                 source_timezone=settings.source_timezone,
                                 future_tolerance_hours=settings.future_tolerance_hours): entity
                     for entity in largest_first}
        for read in as_completed(reads):
            try:
                report = write_load(read.result(), warehouse, now)
            except Exception as error:
                failed.append(error)
            else:
                yield reads[read], report
    if failed:
        raise failed[0]


@contextlib.contextmanager
def _inherited_objects_left_alone() -> Iterator[None]:
    """Processes forked in the block never collect the objects they inherit (``gc.freeze``).

    A worker's garbage collector would otherwise finalize this process's garbage too, such as a warehouse
    connection whose threads do not exist in the fork: two workers crashed so (a segmentation fault while
    collecting) in a test process that had run other tests before. The frozen objects are this process's
    to collect again once the block ends."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclasses.dataclass
class ReadExtracts:
    """One entity's extracts of [start, end], read and validated, ready to be written."""

    entity: Entity
    start: dt.date
    end: dt.date
    failures: list[ExtractError]
    failed_dates: list[dt.date]
    """Extract dates left as they were: one of their files could not be read, or they are no real date."""
    undated: list[Path]
    rows: pa.Table
    """The rows that passed, as ``raw.<entity>`` holds them."""
    rejected: pd.DataFrame
    """Rows for quarantine.rejected_rows."""
    read_counts: pd.DataFrame
    """Rows read per file."""
    file_counts: pd.DataFrame
    """Per file: rows read, loaded and quarantined."""
    expectations: list[ExpectationOutcome]


def ingest_entity(entity: Entity, start: dt.date, end: dt.date, warehouse: Warehouse, settings: Settings,
                  now: dt.datetime) -> IngestReport:
    """One entity's load of [start, end] in this process: its extracts read and validated, then written."""
    warehouse.create_tables()
    read = read_and_validate(entity, start, end, list_extracts(settings.raw_path, entity, start, end),
                             known_currencies(warehouse, settings), now, source_timezone=settings.source_timezone,
                             future_tolerance_hours=settings.future_tolerance_hours)
    return write_load(read, warehouse, now)


def read_and_validate(entity: Entity, start: dt.date, end: dt.date, listing: ExtractFiles, currencies: set[str],
                      now: dt.datetime, *, source_timezone: str, future_tolerance_hours: int) -> ReadExtracts:
    """Read the entity's extracts of [start, end] (``listing``) and validate them against its suite, the
    currencies with a rate and the instant ``now``; no warehouse is touched."""
    failures = [error for _, errors in sorted(listing.failed.items()) for error in errors]
    failed_dates = sorted(listing.failed)
    extracts: list[Extract] = []
    for extract_date, paths in sorted(listing.readable.items()):
        if extract_date in listing.failed:
            continue
        try:
            extracts += [read_extract(path, extract_date, entity) for path in paths]
        except ExtractError as error:
            # One unreadable file fails its whole extract date: the date keeps what it had before.
            failures.append(error)
            failed_dates.append(extract_date)
            extracts = [e for e in extracts if e.extract_date != extract_date]

    validated = validate_extracts(
        entity, extracts, source_timezone=source_timezone, known_currencies=currencies, now=now,
        future_tolerance_hours=future_tolerance_hours,
    )
    utc = pd.Timestamp(now).tz_convert("UTC").tz_localize(None)  # plain timestamp columns hold UTC
    read_counts = pd.DataFrame(
        [(str(e.path), e.extract_date, e.rows_read) for e in extracts],
        columns=["source_file", "extract_date", "rows_read"])
    return ReadExtracts(entity, start, end, failures, failed_dates, listing.undated,
                        _arrow_rows(entity, validated.loaded, now),
                        validated.rejected.assign(stage="raw", quarantined_at=utc), read_counts,
                        _file_counts(read_counts, validated.loaded, validated.rejected).assign(
                            entity=entity.table, loaded_at=utc),
                        validated.expectations)


def write_load(read: ReadExtracts, warehouse: Warehouse, now: dt.datetime) -> IngestReport:
    """Replace the read extract dates in raw.<entity>, quarantine.rejected_rows, raw.extract_files and
    raw.extract_date_loads in one transaction; the report reconciles each file with what was written."""
    entity, start, end, failed_dates = read.entity, read.start, read.end, read.failed_dates
    with warehouse.begin() as conn:
        if start == end and start not in failed_dates:
            keep_dates_of_replaced_records(warehouse, conn, entity, start)
        warehouse.insert_arrow(conn, f"raw.{entity.table}", read.rows)
        dropped = _keys_dropped(conn, entity, start, end, failed_dates, now)
        _delete_dates(conn, f"raw.{entity.table}", EXTRACT_DATE, start, end, failed_dates,
                      "_loaded_at <> :now", now=now)
        _delete_dates(conn, "quarantine.rejected_rows", "extract_date", start, end, failed_dates,
                      "entity = :entity and stage = 'raw'", entity=entity.table)
        _delete_dates(conn, "raw.extract_files", "extract_date", start, end, failed_dates,
                      "entity = :entity", entity=entity.table)
        _delete_dates(conn, "raw.extract_date_loads", "extract_date", start, end, failed_dates,
                      "entity = :entity", entity=entity.table)
        warehouse.insert_arrow(conn, "quarantine.rejected_rows",
                               pa.Table.from_pandas(read.rejected, preserve_index=False))
        warehouse.insert_arrow(conn, "raw.extract_files", pa.Table.from_pandas(read.file_counts, preserve_index=False))
        days = (start + dt.timedelta(n) for n in range((end - start).days + 1))
        replaced = [day for day in days if day not in failed_dates]
        warehouse.insert_arrow(conn, "raw.extract_date_loads", pa.table({
            "entity": [entity.table] * len(replaced), "extract_date": pa.array(replaced, pa.date32()),
            "loaded_at": pa.array([now] * len(replaced), pa.timestamp("us", tz="UTC")),
            "keys_dropped": pa.array([dropped.get(day, 0) for day in replaced], pa.int64())}))
    return IngestReport(entity, start, end, read.failures, read.undated, read.expectations,
                        reconcile(warehouse, entity, start, end, read.read_counts))


def _keys_dropped(conn: sa.Connection, entity: Entity, start: dt.date, end: dt.date, kept: list[dt.date],
                  now: dt.datetime) -> dict[dt.date, int]:
    """Per extract date in [start, end], how many keys its rows held before this load that the rows it
    loads (inserted, at ``now``, beside the old ones) lack: a re-sent file that drops a record. The
    intermediate models re-derive only what the loads since their last run touched, and a dropped key is
    seen only here, so its date makes them rebuild whole (raw.extract_date_loads.keys_dropped)."""
    key = ", ".join(entity.key)
    same_key = " and ".join(f"new.{column} = old.{column}" for column in entity.key)
    statement = sa.text(
        f"select old.{EXTRACT_DATE}, count(*) from (\n"
        f"  select distinct {EXTRACT_DATE}, {key} from raw.{entity.table}\n"
        f"  where {EXTRACT_DATE} between :start and :end and {EXTRACT_DATE} not in :kept and _loaded_at <> :now\n"
        f") as old\n"
        f"where not exists (select 1 from raw.{entity.table} as new\n"
        f"  where new._loaded_at = :now and new.{EXTRACT_DATE} = old.{EXTRACT_DATE} and {same_key})\n"
        f"group by old.{EXTRACT_DATE}"
    ).bindparams(sa.bindparam("kept", expanding=True))
    rows = conn.execute(statement, {"start": start, "end": end, "kept": kept or [dt.date(1, 1, 1)], "now": now}).all()
    return {day: int(count) for day, count in rows}


def _delete_dates(conn: sa.Connection, table: str, date_column: str, start: dt.date, end: dt.date,
                  kept: list[dt.date], condition: str = "true", **params: object) -> None:
    """Delete the rows of the extract dates in [start, end], except the dates in ``kept``."""
    statement = sa.text(
        f"delete from {table} where {date_column} between :start and :end "
        f"and {date_column} not in :kept and {condition}"
    ).bindparams(sa.bindparam("kept", expanding=True))
    conn.execute(statement, {"start": start, "end": end, "kept": kept or [dt.date(1, 1, 1)], **params})


def _file_counts(read_counts: pd.DataFrame, loaded: pd.DataFrame, rejected: pd.DataFrame) -> pd.DataFrame:
    loaded_n = loaded.groupby(SOURCE_FILE).size().rename("rows_loaded")
    rejected_n = rejected.groupby("source_file").size().rename("rows_quarantined")
    files = read_counts.set_index("source_file").join(loaded_n).join(rejected_n).fillna(0)
    return files.astype({"rows_loaded": "int64", "rows_quarantined": "int64"}).reset_index()


def reconcile(warehouse: Warehouse, entity: Entity, start: dt.date, end: dt.date,
              read_counts: pd.DataFrame) -> list[FileCount]:
    """Rows read per file against the rows the warehouse now holds for it (SPEC §3)."""
    with warehouse.begin() as conn:
        loaded = dict(conn.execute(sa.text(
            f"select _source_file, count(*) from raw.{entity.table} "
            "where _extract_date between :start and :end group by 1"), {"start": start, "end": end}).all())
        quarantined = dict(conn.execute(sa.text(
            "select source_file, count(*) from quarantine.rejected_rows "
            "where entity = :entity and stage = 'raw' and extract_date between :start and :end group by 1"),
            {"entity": entity.table, "start": start, "end": end}).all())
    return [FileCount(row.source_file, row.extract_date, int(row.rows_read), int(loaded.get(row.source_file, 0)),
                      int(quarantined.get(row.source_file, 0))) for row in read_counts.itertuples()]


def known_currencies(warehouse: Warehouse, settings: Settings) -> set[str]:
    """Currencies with at least one exchange rate, and the base currency."""
    with warehouse.begin() as conn:
        rows = conn.execute(sa.text("select distinct currency from raw.reference__fx_rates")).scalars().all()
    return {settings.base_currency, *rows}


def _arrow_rows(entity: Entity, loaded: pd.DataFrame, now: dt.datetime) -> pa.Table:
    arrays, fields = [], []
    for column in entity.columns:
        values = loaded[column.name]
        if column.type == "timestamp":
            values = values.dt.tz_localize("UTC")
        elif column.type == "date":
            values = values.dt.date
        arrays.append(pa.array(values, type=_ARROW_TYPES[column.type], from_pandas=True))
        fields.append(column.name)
    arrays += [
        pa.array(loaded[EXTRACT_DATE].dt.date, type=pa.date32()),
        pa.array(loaded[SOURCE_FILE], type=pa.string()),
        pa.array(loaded[ROW_NUMBER], type=pa.int64()),
        pa.array(loaded[EXTRA], type=pa.string(), from_pandas=True),
        pa.array([now] * len(loaded), type=pa.timestamp("us", tz="UTC")),
    ]
    fields += [EXTRACT_DATE, SOURCE_FILE, ROW_NUMBER, EXTRA, "_loaded_at"]
    return pa.Table.from_arrays(arrays, names=fields)
