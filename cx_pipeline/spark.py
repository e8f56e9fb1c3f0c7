"""Apache Spark as the warehouse (SPEC §2.1): ``spark://local`` for Spark in local mode on this machine,
``spark://HOST:PORT`` for a standalone cluster.

The process holds one Spark session, made here with Hive support so that the catalog outlives the process:
tables are Parquet files under ``CX_SPARK_WAREHOUSE_DIR`` (default ``data/spark-warehouse``), their catalog
an embedded Derby database beside them. Like a DuckDB file, that catalog admits one process at a time; the
"warehouse" concurrency pool, which lets one run write the warehouse at a time, keeps runs apart on both.
dbt-spark's ``session`` method runs dbt's SQL in the same session (dbt runs in the process).

The Python side reads and writes through SQLAlchemy, as on the other engines, through the small dialect
below: its cursor runs ``spark.sql(statement)``, with the parameters written in as literals, and hands the
results back through Arrow. Spark SQL lacks four things the Python side's SQL uses, which the cursor
provides:

* the type names ``text`` and ``double precision`` (``string`` and ``double`` in Spark), and a plain
  ``timestamp`` without a zone (``timestamp_ntz``; Spark's ``timestamp`` is an instant, as
  ``timestamp with time zone`` is elsewhere);
* ``create table`` storing Parquet, raw tables partitioned by their extract date;
* ``delete``: Parquet tables have none, so the cursor rewrites the partitions holding matching rows with
  the rows that remain (the whole table when it is not partitioned);
* ``information_schema.tables``, from Spark's catalog.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import re
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

from sqlalchemy.engine import default

SPARK_WAREHOUSE_DIR_ENV = "CX_SPARK_WAREHOUSE_DIR"
DEFAULT_SPARK_WAREHOUSE_DIR = "data/spark-warehouse"
SHUFFLE_PARTITIONS = os.environ.get("CX_SPARK_SHUFFLE_PARTITIONS", "8")
"""Spark's default of 200 shuffle partitions is sized for a cluster's data; a year at one machine's scale is
a few hundred MB (a month of 300 customers took the same time with 2 and with 8)."""
DRIVER_MEMORY = os.environ.get("CX_SPARK_DRIVER_MEMORY", "2g")
"""The local JVM's heap: a year of 50,000 customers ran in 2g (the JVM held about 3 GB in all)."""

_session_lock = threading.Lock()


def spark_warehouse_dir() -> Path:
    return Path(os.environ.get(SPARK_WAREHOUSE_DIR_ENV, "").strip() or DEFAULT_SPARK_WAREHOUSE_DIR).resolve()


def spark_master(host: str | None, port: int | None) -> str:
    """``local[*]`` for ``spark://local``, else the standalone cluster's master URL."""
    if not host or host == "local":
        return "local[*]"
    return f"spark://{host}:{port or 7077}"


def spark_session(master: str = "local[*]"):
    """The process's Spark session, started at the first call (a few seconds: a JVM starts)."""
    # pyspark 4 warns at import that it does not "fully support" pandas 3; what it is used for here (Arrow
    # in and out) gives DuckDB's rows to 1e-9 (test_spark.py).
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession

    with _session_lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        folder = spark_warehouse_dir()
        folder.mkdir(parents=True, exist_ok=True)
        session = (
            SparkSession.builder.master(master).appName("cx_pipeline").enableHiveSupport()
            .config("spark.sql.warehouse.dir", str(folder))
            .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                    f"jdbc:derby:;databaseName={folder / 'metastore_db'};create=true")
            # Derby cannot filter partitions by a date: Spark lists a table's partitions and filters them itself
            .config("spark.sql.hive.metastorePartitionPruning", "false")
            # derby.log beside the catalog, not in the working directory
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={folder}")
            .config("spark.driver.memory", DRIVER_MEMORY)
            .config("spark.sql.shuffle.partitions", SHUFFLE_PARTITIONS)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        return session


# --- DB-API 2.0 over the session, for SQLAlchemy -------------------------------------------------------

apilevel = "2.0"
threadsafety = 1
paramstyle = "named"


class Error(Exception):
    pass


class Warning(Exception):  # noqa: A001 - the name DB-API gives it
    pass


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


def connect(master: str = "local[*]") -> "Connection":
    try:
        return Connection(spark_session(master))
    except Exception as error:  # the JVM would not start, or the catalog is held by another process
        raise OperationalError(f"cannot start Spark ({master}): {error}") from error


class Connection:
    """Spark has no transactions: commit and rollback do nothing, and each statement takes effect at once."""

    def __init__(self, session):
        self.session = session

    def cursor(self) -> "Cursor":
        return Cursor(self.session)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        """The session stays for the process's life: starting one costs seconds."""


class Cursor:
    arraysize = 1000

    def __init__(self, session):
        self.session = session
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self._rows: list[tuple] = []

    def execute(self, operation: str, parameters: Mapping[str, Any] | None = None) -> None:
        statement = _bound(spark_statement(operation), parameters or {})
        try:
            deletion = _DELETE.match(statement)
            if deletion:
                self._set_result(None)
                delete_where(self.session, deletion["table"], deletion["condition"])
                return
            if "information_schema.tables" in statement:
                _register_information_schema(self.session)
                statement = statement.replace("information_schema.tables", _INFORMATION_SCHEMA_VIEW)
            self._set_result(self.session.sql(statement).toArrow())
        except Exception as error:
            raise _dbapi_error(error) from error

    def executemany(self, operation: str, seq_of_parameters: Sequence[Mapping[str, Any]]) -> None:
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)

    def _set_result(self, table) -> None:
        if table is None or table.num_columns == 0:
            self.description, self._rows, self.rowcount = None, [], -1
            return
        self.description = [(field.name, str(field.type), None, None, None, None, field.nullable)
                            for field in table.schema]
        columns = [column.to_pylist() for column in table.columns]
        self._rows = list(zip(*columns))
        self.rowcount = len(self._rows)

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        size = size or self.arraysize
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        self._rows = []

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass


def _dbapi_error(error: Exception) -> Error:
    name = type(error).__name__
    if name in ("AnalysisException", "ParseException", "IllegalArgumentException"):
        return ProgrammingError(str(error))
    if name in ("Py4JNetworkError", "Py4JError", "ConnectionRefusedError"):
        return OperationalError(str(error))
    return DatabaseError(str(error))


# --- what the cursor provides that Spark SQL lacks --------------------------------------------------------

_COLUMN_TYPES = {"timestamp with time zone": "timestamp", "timestamp": "timestamp_ntz",
                 "double precision": "double", "text": "string"}
_COLUMN_TYPE = re.compile(r"\b(timestamp with time zone|timestamp|double precision|text)\b", re.I)
_CAST_TYPE = re.compile(r"\bas (text|double precision)\b", re.I)
_CREATE_TABLE = re.compile(r"^\s*create table (?P<if_not_exists>if not exists )?(?P<table>[\w.]+)\s*"
                           r"\((?P<columns>.*)\)\s*$", re.S | re.I)
_DELETE = re.compile(r"^\s*delete from (?P<table>[\w.]+) where (?P<condition>.*)$", re.S | re.I)
_INFORMATION_SCHEMA_VIEW = "cx_information_schema_tables"


def spark_statement(sql: str) -> str:
    """``sql`` as Spark SQL: type names translated; a table created as Parquet (a raw table partitioned
    by ``_extract_date``), without constraints (Parquet tables hold none)."""
    created = _CREATE_TABLE.match(sql)
    if created is None:
        return _CAST_TYPE.sub(lambda m: "as " + _COLUMN_TYPES[m[1].lower()], sql)
    columns = _COLUMN_TYPE.sub(lambda m: _COLUMN_TYPES[m[1].lower()], created["columns"])
    columns = re.sub(r"\s+not null\b", "", columns, flags=re.I)
    partitioned = " partitioned by (_extract_date)" if re.search(r"\b_extract_date date\b", columns) else ""
    return (f"create table {created['if_not_exists'] or ''}{created['table']} ({columns}) "
            f"using parquet{partitioned}")


def delete_where(session, table: str, condition: str) -> None:
    """``delete from table where condition`` on a Parquet table: the partitions holding matching rows are
    dropped and what remains of them is written back (the whole table when it is not partitioned)."""
    partition_columns = [c.name for c in session.catalog.listColumns(table) if c.isPartition]
    remaining = f"select * from {table} where not coalesce(({condition}), false)"
    if not partition_columns:
        kept = session.sql(remaining).localCheckpoint()
        kept.write.insertInto(table, overwrite=True)
        return
    listed = ", ".join(partition_columns)
    touched = session.sql(f"select distinct {listed} from {table} where {condition}").collect()
    if not touched:
        return
    in_touched = " or ".join(
        "(" + " and ".join(f"{column} = {_literal(row[column])}" for column in partition_columns) + ")"
        for row in touched)
    kept = session.sql(f"{remaining} and ({in_touched})").localCheckpoint()
    for row in touched:
        spec = ", ".join(f"{column} = {_literal(row[column])}" for column in partition_columns)
        session.sql(f"alter table {table} drop if exists partition ({spec})")
    kept.write.insertInto(table)


_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


def _bound(statement: str, parameters: Mapping[str, Any]) -> str:
    """The statement with its ``:name`` parameters written in as literals. (Spark's own parameter markers take
    no date before 1900 and no marker in DDL.)"""
    if not parameters:
        return statement
    return _PARAMETER.sub(lambda m: _literal(parameters[m[1]]) if m[1] in parameters else m[0], statement)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return f"timestamp_ntz'{value.isoformat(sep=' ')}'"
        return f"timestamp'{value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=' ')}Z'"
    if isinstance(value, dt.date):
        return f"date'{value.isoformat()}'"
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"cast('{value}' as double)"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _register_information_schema(session) -> None:
    rows = [(database.name, table.name) for database in session.catalog.listDatabases()
            for table in session.catalog.listTables(database.name) if not table.isTemporary]
    frame = session.createDataFrame(rows or [("", "")], "table_schema string, table_name string")
    if not rows:
        frame = frame.limit(0)
    frame.createOrReplaceTempView(_INFORMATION_SCHEMA_VIEW)


class SparkDialect(default.DefaultDialect):
    """SQLAlchemy's view of the process's Spark session (``spark://local``, ``spark://HOST:PORT``)."""

    name = "spark"
    driver = "pyspark"
    supports_statement_cache = True
    supports_native_boolean = True
    supports_native_decimal = True
    default_paramstyle = "named"
    supports_sane_rowcount = False
    supports_sane_multi_rowcount = False

    @classmethod
    def import_dbapi(cls):
        return sys.modules[__name__]

    def create_connect_args(self, url) -> tuple[list, dict]:
        return [], {"master": spark_master(url.host, url.port)}

    def do_begin(self, dbapi_connection) -> None:
        pass

    def do_commit(self, dbapi_connection) -> None:
        pass

    def do_rollback(self, dbapi_connection) -> None:
        pass

    def do_ping(self, dbapi_connection) -> bool:
        return True

    def _get_server_version_info(self, connection) -> tuple:
        return ()

    def _get_default_schema_name(self, connection) -> str:
        return "default"

    def has_table(self, connection, table_name: str, schema: str | None = None, **kw: Any) -> bool:
        session = connection.connection.driver_connection.session
        return session.catalog.tableExists(f"{schema or 'default'}.{table_name}")
