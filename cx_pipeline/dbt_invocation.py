"""dbt run inside the asset's own process, its events handed to dagster-dbt.

dagster-dbt starts a ``dbt`` process per invocation and reads its JSON log lines. Here that costs about 4 s
of CPU before dbt does any work (starting Python, importing dbt and its adapter, loading the parsed
project), three times in a nightly run: more than the nightly's whole budget. dbt's programmatic API,
``dbtRunner``, runs the same command in this process, where the imports are paid once per process and an
invocation starts in about 0.3 s. Its events are turned into the JSON lines dbt would have written, and
dagster-dbt's ``DbtCliInvocation`` turns those into materializations and asset-check results exactly as it
does for the subprocess.

dbt also parses the project at each invocation (about 2 s here, even from its partial-parse state, and
1.4 s more to write a manifest.json nobody reads). A run's parsed project depends only on the connection
and the settings, not on the periods it computes (macros read those when the models run), so the parsed
project is kept for the invocations that follow in the process, as dbt's programmatic API allows
(``dbtRunner(manifest=…)``), and no JSON artifacts are written. It is also saved, pickled, in
``sql/target/parsed/``: the first invocation of the next process with the same project, dbt version and
environment loads it (about 0.05 s) instead of parsing (1.8 s at a nightly's or a backfill's start).

Dagster takes the events once dbt has finished. Handed over as dbt fires them (dbt in a thread), they were
recorded while dbt ran, but the two threads contended for the interpreter: a year's backfill took 2.3 s
longer and a nightly run no less (measured at 50,000 customers).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.metadata
import os
import pickle
import shutil
from pathlib import Path
from typing import Any, Collection, Iterator, Mapping, Sequence

import dagster as dg
import orjson
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets
from packaging import version

from cx_pipeline.dbt_project import DUCKDB_DIRECTORY, MANIFEST, PARTIAL_PARSE, RUN_VARIABLES, SQL_DIR, TARGET_DIR
from cx_pipeline.spark import spark_session

_parsed: dict[tuple, Any] = {}
"""The project as dbt parsed it for the last connection and settings used in this process."""
PARSED_DIR = TARGET_DIR / "parsed"
"""Parsed projects saved for the processes that follow, one file per project, dbt version and environment."""
PARSED_KEPT = 8
"""Saved parsed projects kept (about 1 MB each): the latest, for as many warehouses and settings."""


class _FinishedDbt:
    """A dbt invocation that has run, in the shape of the ``subprocess.Popen`` dagster-dbt reads: its events
    as JSON lines on ``stdout``, its exit code as ``returncode``."""

    def __init__(self, args: Sequence[str], lines: list[bytes], returncode: int):
        self.args = list(args)
        self.stdout = _Lines(lines)
        self.returncode = returncode

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode

    def send_signal(self, signal: int) -> None:
        """Nothing to interrupt: the invocation ran to its end before its events were read."""


class _Lines(list):
    closed = False

    def __enter__(self) -> "_Lines":
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


def run_dbt(context: dg.AssetExecutionContext, command: str, environment: Mapping[str, str],
            target_path: Path, full_refresh: bool = False, leave_out: Collection[str] = (),
            threads: int | None = None) -> Iterator[Any]:
    """``dbt <command>`` over the models (and their tests) the context selects but those in ``leave_out``,
    in this process, with ``environment`` set while it runs (and ``threads`` instead of the profile's);
    yields the Dagster events dagster-dbt makes of it."""
    from dbt.cli.main import dbtRunner
    from dbt.version import __version__ as dbt_version

    manifest, translator, _project = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    project = ["--project-dir", str(SQL_DIR), "--profiles-dir", str(SQL_DIR), "--target-path", str(target_path),
               "--log-path", str(target_path), "--log-level", "none", "--log-level-file", "none", "--no-write-json"]
    args = [command, *project, "--indirect-selection", "buildable",
            "--select", *sorted(set(_selected_nodes(context, translator, manifest)) - set(leave_out)),
            *(["--full-refresh"] if full_refresh else []), *(["--threads", str(threads)] if threads else [])]
    lines: list[bytes] = []
    with invocation_environment(environment):
        if environment.get("CX_DBT_TARGET") == "spark":
            # dbt-spark's session method takes the process's session: start it as cx_pipeline configures it.
            # The zone the Python side sets for its transactions outlasts them on Spark: dbt's SQL runs in
            # UTC, as it does on a DuckDB or PostgreSQL session of its own.
            spark_session(environment["CX_DBT_SPARK_MASTER"]).conf.set("spark.sql.session.timeZone", "UTC")
        parsed = _parsed_project(project, environment, target_path)
        result = dbtRunner(manifest=parsed, callbacks=[_collect_into(lines)]).invoke(args)
    returncode = 0 if result.success else 2 if result.exception is not None else 1
    if result.exception is not None:
        lines.append(orjson.dumps({"info": {"name": "MainEncounteredError", "level": "error",
                                            "msg": str(result.exception)}, "data": {}}))
    invocation = DbtCliInvocation(
        process=_FinishedDbt(["dbt", *args], lines, returncode), manifest=manifest, dagster_dbt_translator=translator,
        project_dir=SQL_DIR, target_path=target_path, raise_on_error=True,
        cli_version=version.parse(dbt_version), context=context)
    yield from invocation.stream()


def _parsed_project(project: list[str], environment: Mapping[str, str], target_path: Path) -> Any:
    """dbt's parsed project for this environment: the one this process parsed or loaded last, else the one an
    earlier process saved (``PARSED_DIR``), else parsed now (from the partial-parse state the last invocation
    left) and saved. ``None`` when dbt cannot parse it: the invocation then parses the project itself and
    reports why it cannot."""
    key = _parse_key(environment)
    if key not in _parsed:
        saved = PARSED_DIR / f"{hashlib.sha256(repr(key).encode()).hexdigest()[:32]}.pickle"
        manifest = _load_saved(saved)
        if manifest is None:
            from dbt.cli.main import dbtRunner

            _start_from_partial_parse(target_path)
            result = dbtRunner().invoke(["parse", *project])
            if not result.success:
                return None
            manifest = result.result
            _save(manifest, saved)
        _parsed.clear()
        _parsed[key] = manifest
    return _parsed[key]


def _parse_key(environment: Mapping[str, str]) -> tuple:
    """What a parsed project depends on: the project's files (the manifest is parsed again when one changes),
    dbt and its adapters, and the environment but for what a run tells the models while they run, the
    DuckDB file's directory and the password (dbt reads secrets in the profile only, never in models)."""
    versions = tuple(_version(name) for name in ("dbt-core", f"dbt-{environment.get('CX_DBT_TARGET', 'duckdb')}"))
    variables = sorted((name, value) for name, value in environment.items()
                       if name not in (*RUN_VARIABLES, DUCKDB_DIRECTORY) and not name.startswith("DBT_ENV_SECRET"))
    return (MANIFEST.stat().st_mtime_ns, *versions, *variables)


@functools.cache  # installed versions do not change while the process runs: look them up once
def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _load_saved(path: Path) -> Any:
    """The parsed project saved at ``path``; None when there is none or it cannot be read."""
    from dbt.contracts.graph.manifest import Manifest

    try:
        return Manifest(**pickle.loads(path.read_bytes()))
    except Exception:  # missing, or unreadable (a disk that filled while it was written): parse again
        return None


def _save(manifest: Any, path: Path) -> None:
    """Save the parsed project at ``path`` (written whole, then renamed into place), keeping only the
    ``PARSED_KEPT`` latest saved beside it.

    Only the manifest's public fields are saved; the lookups dbt builds from them are built again as they are
    first used. dbt's own pickling of a manifest (``Manifest.__reduce_ex__``, dbt-core 1.11) passes its fields
    by position and leaves one out, which puts each built lookup into the field of another."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = path.with_name(f".{path.name}.{os.getpid()}")
    public = {field.name: getattr(manifest, field.name) for field in dataclasses.fields(manifest)
              if not field.name.startswith("_")}
    try:
        written.write_bytes(pickle.dumps(public, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(written, path)
    except Exception:  # a project dbt cannot pickle is parsed by each process, as without the cache
        written.unlink(missing_ok=True)
        return
    _keep_latest(path.parent)


def _keep_latest(folder: Path) -> None:
    """Remove all but the ``PARSED_KEPT`` latest saved parsed projects in ``folder``."""
    saved = []
    for other in folder.glob("*.pickle"):
        with contextlib.suppress(FileNotFoundError):  # removed meanwhile by another process
            saved.append((other.stat().st_mtime, other))
    for _, old in sorted(saved)[:-PARSED_KEPT]:
        old.unlink(missing_ok=True)


def _collect_into(lines: list[bytes]):
    """A dbt callback keeping each event above debug level as the JSON line dbt's log would hold (the
    results of models and tests dagster-dbt reads are at info level)."""
    from dbt_common.events.functions import msg_to_dict

    def collect(message) -> None:
        if message.info.level != "debug":
            lines.append(orjson.dumps(msg_to_dict(message)))

    return collect


def _selected_nodes(context: dg.AssetExecutionContext, translator: DagsterDbtTranslator,
                    manifest: Mapping[str, Any]) -> list[str]:
    """dbt node names of the assets this step materializes (an asset key is its node's name)."""
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    nodes = {**manifest["nodes"], **manifest.get("sources", {})}
    return sorted(node["name"] for node in nodes.values()
                  if node["resource_type"] in ("model", "seed")
                  and translator.get_asset_key(node).to_user_string() in selected)


def release_duckdb() -> None:
    """dbt-duckdb keeps its database open in the process for the next invocation; close it, so that the rest
    of the run, and other processes, can open the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with contextlib.suppress(Exception):  # no environment: nothing was opened
        DuckDBConnectionManager.env().close()
    DuckDBConnectionManager.close_all_connections()


def _start_from_partial_parse(target_path: Path) -> None:
    state = TARGET_DIR / PARTIAL_PARSE
    target_path.mkdir(parents=True, exist_ok=True)
    if state.exists():
        shutil.copyfile(state, target_path / PARTIAL_PARSE)


@contextlib.contextmanager
def invocation_environment(environment: Mapping[str, str]) -> Iterator[None]:
    """What a dbt invocation runs in: ``environment`` set (``environment_set``) and, on DuckDB, the file's
    directory as the working directory, as the profile names the file alone (``DUCKDB_DIRECTORY``); the
    arguments name every other path in full. dbt-duckdb keeps the file it opened for the process's next
    invocation, whose profile may name a file of the same name elsewhere: it is closed when the block ends."""
    directory = environment.get(DUCKDB_DIRECTORY)
    previous = os.getcwd()
    with environment_set(environment):
        try:
            if directory:
                Path(directory).mkdir(parents=True, exist_ok=True)
                os.chdir(directory)
            yield
        finally:
            release_duckdb()
            os.chdir(previous)


@contextlib.contextmanager
def environment_set(variables: Mapping[str, str]) -> Iterator[None]:
    """``variables`` set in this process for the time of the block (dbt reads them from ``os.environ``), then
    put back as they were."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
