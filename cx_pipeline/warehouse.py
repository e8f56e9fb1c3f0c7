"""The warehouse as the Python side sees it: a SQLAlchemy URL (embedded DuckDB file by default,
PostgreSQL for a team, Spark past one machine through the dialect of ``cx_pipeline.spark``).

The raw layer writes through it, and the command line, the report and the nightly sensor read through
it; everything between raw and marts is the dbt project under ``sql/``. What differs between the engines
on this side lives here: bulk loading (DuckDB reads Arrow in place, PostgreSQL takes COPY) and the
connection pool.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import os
import re
import zoneinfo
from pathlib import Path
from typing import Iterator, Mapping

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from pydantic import PrivateAttr

from cx_pipeline.dbt_project import SQL_DIR
from cx_pipeline.entities import ENTITIES, Entity
from cx_pipeline.extracts import EXTRACT_DATE, ROW_NUMBER, SOURCE_FILE

sa.dialects.registry.register("spark", "cx_pipeline.spark", "SparkDialect")

_SQL_TYPES = {"text": "text", "enum": "text", "currency": "text", "timestamp": "timestamp with time zone",
              "number": "double precision", "integer": "double precision", "boolean": "boolean", "date": "date"}
_BIND = re.compile(r"(?<![:\w]):(\w+)")


def raw_table_ddl(entity: Entity) -> str:
    columns = [f"{c.name} {_SQL_TYPES[c.type]}" for c in entity.columns]
    columns += [f"{EXTRACT_DATE} date not null", f"{SOURCE_FILE} text not null",
                f"{ROW_NUMBER} bigint not null", "_extra text", "_loaded_at timestamp with time zone not null"]
    return f"create table if not exists raw.{entity.table} (\n  " + ",\n  ".join(columns) + "\n)"


_RAW_LAYER_TABLES = (
    """create table if not exists raw.extract_files (
      entity text not null,
      extract_date date not null,
      source_file text not null,
      rows_read bigint not null,
      rows_loaded bigint not null,
      rows_quarantined bigint not null,
      loaded_at timestamp not null
    )""",
    # Which extract dates each raw load replaced, and when, whether or not the date had a file: staging
    # re-derives the keys of the dates loaded since it was last brought up to date, intermediate the
    # records they touch, unless a load dropped keys the date held before (a re-sent file without a record).
    """create table if not exists raw.extract_date_loads (
      entity text not null,
      extract_date date not null,
      loaded_at timestamp with time zone not null,
      keys_dropped bigint not null
    )""",
    # Metric dates that records replaced by a reload of their extract date could change (kind as in
    # affected_dates.sql, which reads them): a re-sent file may drop a record, and after the reload no other
    # table holds it.
    """create table if not exists raw.replaced_record_dates (
      entity text not null,
      extract_date date not null,
      kind text not null,
      day date not null
    )""",
    """create table if not exists quarantine.rejected_rows (
      entity text not null,
      extract_date date,
      source_file text,
      row_number bigint,
      raw_row text,
      rule text not null,
      column_name text,
      detail text,
      stage text not null,
      quarantined_at timestamp not null
    )""",
)
"""Tables of the raw layer besides one per entity: files read per extract date and their row counts,
the extract dates each load replaced, the metric dates replaced records reached, and the rows rejected
(SPEC §3)."""


def read_sql(relative: str) -> str:
    """A query under ``sql/`` that Python runs (the report's, the nightly's affected dates)."""
    return (SQL_DIR / relative).read_text()


DUCKDB_MEMORY_LIMIT = os.environ.get("CX_DUCKDB_MEMORY_LIMIT", "1GB")
"""DuckDB's buffer pool lives in the pipeline's process; past this it spills to disk beside the file.
1GB keeps a year of 50,000 customers under 1.6 GB in all; at 512MB the daily revenue query of 200,000
customers ran out of memory (not every operator of a query can spill)."""

RETRIES = 5
RETRY_SECONDS = 2


@dataclasses.dataclass(frozen=True)
class WarehouseProblem:
    """What keeps the warehouse from being used, in words for an operator, and whether waiting can cure it."""

    message: str
    lasting: bool
    """True when no retry can help (a wrong password, a read-only file system); False when waiting may
    (a file locked by another process, a server restarting)."""


_PROBLEMS = [
    (r'password authentication failed for user "(?P<user>[^"]*)"', True,
     'the warehouse refused user "{user}": wrong password (check CX_WAREHOUSE_URL)'),
    (r'role "(?P<user>[^"]*)" does not exist', True,
     'the warehouse server has no user "{user}" (check CX_WAREHOUSE_URL)'),
    (r'database "(?P<database>[^"]*)" does not exist', True,
     'the warehouse server has no database "{database}" (check CX_WAREHOUSE_URL)'),
    (r'Cannot open database "(?P<path>[^"]*)" in read-only mode: database does not exist', True,
     "there is no warehouse at {path}: has the pipeline run against it?"),
    (r'Could not set lock on file "(?P<path>[^"]*)": Conflicting lock is held in .*?\(PID (?P<pid>\d+)\)', False,
     "the warehouse file {path} is in use by another process (PID {pid}, a run writing it?): try again when it "
     "has finished"),
    (r'Cannot open file "(?P<path>[^"]*)": Read-only file system', True,
     "cannot write the warehouse file {path}: its file system is read-only"),
    (r'Cannot open file "(?P<path>[^"]*)": Permission denied', True,
     "cannot write the warehouse file {path}: permission denied"),
    (r"Another instance of Derby may have already booted the database (?P<path>\S+?)/metastore_db", False,
     "the Spark warehouse {path} is in use by another process (a run writing it?): try again when it has "
     "finished"),
    (r"cannot start Spark \((?P<master>[^)]*)\): .*(JAVA_HOME|Java gateway)", True,
     "cannot start Spark ({master}): Java did not start (is Java 17 installed, or JAVA_HOME set?)"),
    (r"cannot start Spark \((?P<master>[^)]*)\): No module named 'pyspark'", True,
     "a Spark warehouse needs pyspark: pip install -e '.[spark]'"),
    (r"(?P<reason>Connection refused|Name or service not known|failed to resolve host|timeout expired|"
     r"No route to host|Network is unreachable)", False,
     "cannot reach the warehouse server ({reason}): is it running, and is CX_WAREHOUSE_URL right?"),
]
"""(what the driver says, whether it lasts, what to tell the operator), first match wins."""


def warehouse_problem(error: BaseException) -> WarehouseProblem | None:
    """The operator's reading of an error met opening or using the warehouse, or None for one that is
    not about reaching the warehouse (a bad query, a missing table)."""
    if isinstance(getattr(error, "orig", None), duckdb.OutOfMemoryException):
        return WarehouseProblem(f"DuckDB ran out of memory at CX_DUCKDB_MEMORY_LIMIT={DUCKDB_MEMORY_LIMIT}: "
                                "raise the limit or give the process more memory", lasting=True)
    text = str(getattr(error, "orig", None) or error)
    for pattern, lasting, message in _PROBLEMS:
        found = re.search(pattern, text)
        if found:
            return WarehouseProblem(message.format(**found.groupdict()), lasting)
    return None


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be used, for a reason no retry cures; the message says which."""


@contextlib.contextmanager
def retried_when_transient() -> Iterator[None]:
    """Inside an asset: a warehouse that is briefly unreachable or locked by another process
    (OperationalError) makes Dagster retry the step. Errors in the data are never retried, and nor are
    lasting problems (a wrong password, a read-only file system, DuckDB out of memory: the same query
    would need the same memory again), which fail the step at once with one sentence saying why."""
    try:
        yield
    except sa.exc.DBAPIError as error:
        problem = warehouse_problem(error)
        if problem is not None and problem.lasting:
            raise WarehouseUnavailable(problem.message) from None
        if isinstance(error, sa.exc.OperationalError):
            raise dg.RetryRequested(max_retries=RETRIES, seconds_to_wait=RETRY_SECONDS) from error
        raise


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


class Warehouse(dg.ConfigurableResource):
    """The SQL warehouse the pipeline writes to, from a SQLAlchemy URL (env ``CX_WAREHOUSE_URL``)."""

    url: str
    reporting_timezone: str = "UTC"
    """Session time zone: timestamps are stored with their zone, and cast(ts as date) gives the day in
    this zone, the same way on DuckDB and PostgreSQL."""
    read_only: bool = False
    """Open a DuckDB file for reading only: commands that only read (metrics, report) then work on a
    read-only mount, and beside other readers."""

    _engine: sa.Engine | None = PrivateAttr(default=None)
    _tables_created: bool = PrivateAttr(default=False)

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            url = sa.make_url(self.url)
            if url.get_backend_name() == "duckdb":
                if url.database and url.database != ":memory:" and not self.read_only:
                    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
                # One connection for the resource's life: opening a DuckDB file costs ~25 ms. It is closed
                # when the run ends (teardown_after_execution), which releases the file to other processes.
                self._engine = sa.create_engine(url, poolclass=sa.pool.StaticPool, connect_args={
                    "read_only": self.read_only, "config": {"memory_limit": DUCKDB_MEMORY_LIMIT}})
            elif url.get_backend_name() == "spark":
                # The process's Spark session is the connection (cx_pipeline.spark).
                self._engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
            else:
                self._engine = sa.create_engine(url, pool_pre_ping=True)
        return self._engine

    @property
    def location(self) -> str:
        """The URL without its password: which warehouse this is, safe to record or show."""
        return sa.make_url(self.url).render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return sa.make_url(self.url).get_backend_name()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.dispose()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._tables_created = False

    @contextlib.contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """One transaction: everything inside commits together or not at all."""
        with self.engine.begin() as conn:
            if self.dialect == "duckdb":
                # SET takes no bound parameter; the zone name was checked against the tz database.
                conn.execute(sa.text(f"set TimeZone = '{self._checked_timezone()}'"))
            elif self.dialect == "spark":
                conn.execute(sa.text(f"set time zone '{self._checked_timezone()}'"))
            else:
                conn.execute(sa.text("select set_config('TimeZone', :tz, true)"), {"tz": self._checked_timezone()})
            yield conn

    def _checked_timezone(self) -> str:
        if self.reporting_timezone not in _known_timezones():
            raise ValueError(f"unknown reporting time zone {self.reporting_timezone!r}")
        return self.reporting_timezone

    def create_tables(self) -> None:
        """The schemas and tables the raw layer writes (idempotent; once per connection's life, as the ten
        raw loads of a run would otherwise repeat it). dbt creates its own."""
        if self._tables_created:
            return
        with self.begin() as conn:
            if self.dialect == "postgresql":
                # Steps running side by side would race to create the same tables; one goes at a time.
                conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('cx_pipeline.create_tables'))"))
            for schema in ("raw", "quarantine"):
                conn.execute(sa.text(f"create schema if not exists {schema}"))
            for statement in [raw_table_ddl(entity) for entity in ENTITIES] + list(_RAW_LAYER_TABLES):
                conn.execute(sa.text(statement))
            if self.dialect != "spark" and not conn.execute(sa.text(
                    "select count(*) from information_schema.columns where table_schema = 'raw' "
                    "and table_name = 'extract_date_loads' and column_name = 'keys_dropped'")).scalar_one():
                # a warehouse whose raw layer predates the count
                conn.execute(sa.text("alter table raw.extract_date_loads add column keys_dropped bigint default 0"))
        self._tables_created = True

    @staticmethod
    def has_table(conn: sa.Connection, schema: str, table: str) -> bool:
        """Whether the table exists, asked without failing the transaction when it does not (PostgreSQL
        aborts a transaction at its first error): the metric tables exist once dbt has built them."""
        return bool(conn.execute(sa.text(
            "select count(*) from information_schema.tables where table_schema = :schema and table_name = :table"),
            {"schema": schema, "table": table}).scalar_one())

    @staticmethod
    def execute(conn: sa.Connection, statement: str, params: Mapping[str, object] | None = None) -> sa.CursorResult:
        """Run ``statement`` with the parameters it names (``:name``) out of ``params``."""
        names = set(_BIND.findall(statement))
        return conn.execute(sa.text(statement), {k: v for k, v in (params or {}).items() if k in names})

    def insert_arrow(self, conn: sa.Connection, table: str, data: pa.Table) -> None:
        """Append an Arrow table whose columns are named like the target's, set-based, never row by row."""
        if data.num_rows == 0:
            return
        columns = ", ".join(data.column_names)
        if self.dialect == "spark":
            session = conn.connection.driver_connection.session
            # insertInto matches columns by position, and Spark puts partition columns last
            session.createDataFrame(data).select(*session.table(table).columns).write.insertInto(table)
        elif self.dialect == "duckdb":
            duck = conn.connection.driver_connection
            view = f"_arrow_{id(data)}"
            duck.register(view, data)
            try:
                duck.execute(f"insert into {table} ({columns}) select {columns} from {view}")
            finally:
                # After a failed insert DuckDB refuses every call until the rollback, this one too: the
                # insert's own error is the one to raise.
                with contextlib.suppress(duckdb.TransactionException):
                    duck.unregister(view)
        else:
            buffer = io.BytesIO()
            pacsv.write_csv(data, buffer, write_options=pacsv.WriteOptions(include_header=False,
                                                                             quoting_style="needed"))
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"copy {table} ({columns}) from stdin with (format csv)") as copy:
                copy.write(buffer.getvalue())
