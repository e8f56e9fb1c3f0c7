"""The dbt project under ``sql/``: its manifest, and the environment every dbt invocation runs in.

Everything a dbt invocation needs from cx_pipeline reaches it as environment variables:

* the connection, derived from ``CX_WAREHOUSE_URL`` for ``sql/profiles.yml`` (the password only as
  ``DBT_ENV_SECRET_PASSWORD``, which dbt keeps out of its logs and artifacts);
* the settings the SQL reads (``CX_BASE_CURRENCY``, ``CX_REPORTING_TIMEZONE``, …), from the Settings
  resource, so that a run configured in code and one configured by the environment compute the same;
* the periods a metrics run replaces (``CX_PERIOD_START``, ``CX_PERIOD_END``).

Not ``--vars``: dbt re-parses the whole project whenever its vars differ from the previous invocation's
(1.6 s here), while a changed environment variable re-parses only the files that read it (0.2 s).

dbt also parses the whole project again when the profile's connection differs from the one it last parsed
for, a DuckDB file's path included (3 to 5 s here), though only the file's name reaches what it parses (the
database is named after it). So the profile names the file alone, and dbt runs in the file's directory
(``DUCKDB_DIRECTORY``): a new warehouse of the usual name, a backfill's first run, parses from the state
the last invocation left.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Mapping

import sqlalchemy as sa

from cx_pipeline.spark import spark_master

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
TARGET_DIR = SQL_DIR / "target"
MANIFEST = TARGET_DIR / "manifest.json"
PARTIAL_PARSE = "partial_parse.msgpack"
PERIOD_VARIABLES = ("CX_PERIOD_START", "CX_PERIOD_END")
"""The periods a metrics run replaces: read when the models run, not when dbt parses the project."""
CHANGES_SINCE_VARIABLE = "CX_INTERMEDIATE_SINCE"
"""The instant of the loads the intermediate models follow (sql/macros/changes.sql)."""
RUN_VARIABLES = (*PERIOD_VARIABLES, CHANGES_SINCE_VARIABLE)
"""What one run tells the models, read while they run: not part of the parsed project."""
DUCKDB_DIRECTORY = "CX_DBT_DUCKDB_DIR"
"""The directory of the DuckDB file, where dbt runs: the profile names the file alone (``CX_DBT_DUCKDB_PATH``)."""

DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt")) if Path(sys.executable).with_name("dbt").exists() \
    else "dbt"
"""The dbt installed beside this Python (no shell shim in between); else whatever ``dbt`` is on PATH."""

_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")


def prepare_manifest() -> Path:
    """``sql/target/manifest.json``, parsed again when a file of the project changed since.

    Called when the definitions load, so that a fresh clone needs no set-up step: the first load parses
    the project (a few seconds), later loads find the manifest up to date. A file lock keeps processes
    that load at the same time from parsing twice."""
    TARGET_DIR.mkdir(exist_ok=True)
    with open(TARGET_DIR / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _manifest_is_stale():
            result = subprocess.run(
                [DBT_EXECUTABLE, "parse", "--quiet"], cwd=SQL_DIR, capture_output=True, text=True,
                env={**os.environ, **_profile_environment(os.environ.get("CX_WAREHOUSE_URL") or
                                                          "duckdb:///data/warehouse.duckdb")})
            if result.returncode != 0:
                raise RuntimeError(f"dbt could not parse {SQL_DIR}: {(result.stdout + result.stderr).strip()}")
    return MANIFEST


def _manifest_is_stale() -> bool:
    if not MANIFEST.exists():
        return True
    built = MANIFEST.stat().st_mtime
    paths = [SQL_DIR / name for name in _PROJECT_FILES]
    files = [p for path in paths for p in ([path] if path.is_file() else path.rglob("*"))]
    return any(p.stat().st_mtime > built for p in files if p.is_file())


def dbt_environment(warehouse_url: str, settings_environment: Mapping[str, str],
                    periods: tuple[dt.date, dt.date] | None = None,
                    changes_since: dt.datetime | None = None) -> dict[str, str]:
    """The variables of one dbt invocation: connection, settings and, for a metrics run, its periods; for a
    run that re-derives only what changed in intermediate, the instant of the loads it follows (unset, the
    intermediate models are rebuilt whole)."""
    variables = {**_profile_environment(warehouse_url), **settings_environment}
    if periods is not None:
        variables.update(zip(PERIOD_VARIABLES, (periods[0].isoformat(), periods[1].isoformat())))
    variables[CHANGES_SINCE_VARIABLE] = changes_since.isoformat() if changes_since else ""
    return variables


def _profile_environment(warehouse_url: str) -> dict[str, str]:
    """The variables ``sql/profiles.yml`` reads, from a SQLAlchemy URL."""
    url = sa.make_url(warehouse_url)
    if url.get_backend_name() == "duckdb":
        path = Path(url.database or "data/warehouse.duckdb").resolve()
        return {"CX_DBT_TARGET": "duckdb", "CX_DBT_DUCKDB_PATH": path.name, DUCKDB_DIRECTORY: str(path.parent)}
    if url.get_backend_name() == "postgresql":
        return {"CX_DBT_TARGET": "postgres", "CX_DBT_HOST": url.host or "localhost",
                "CX_DBT_PORT": str(url.port or 5432), "CX_DBT_USER": url.username or "postgres",
                "CX_DBT_DATABASE": url.database or "postgres", "DBT_ENV_SECRET_PASSWORD": url.password or ""}
    if url.get_backend_name() == "spark":
        return {"CX_DBT_TARGET": "spark", "CX_DBT_SPARK_MASTER": spark_master(url.host, url.port)}
    raise ValueError(f"no dbt adapter for a {url.get_backend_name()} warehouse "
                     "(DuckDB, PostgreSQL and Spark are supported)")


@contextlib.contextmanager
def invocation_target() -> Iterator[Path]:
    """A target folder of one dbt invocation, removed afterwards. Its partial-parse state is kept in
    ``sql/target`` for the next invocation to start from: dbt parses the whole project again when the
    connection differs, so the state follows the warehouse last used."""
    folder = TARGET_DIR / f"run-{os.getpid()}-{dt.datetime.now():%H%M%S%f}"
    try:
        yield folder
    finally:
        state = folder / PARTIAL_PARSE
        if state.exists():
            kept = TARGET_DIR / f".{PARTIAL_PARSE}.{os.getpid()}"
            shutil.copyfile(state, kept)
            os.replace(kept, TARGET_DIR / PARTIAL_PARSE)
        shutil.rmtree(folder, ignore_errors=True)
