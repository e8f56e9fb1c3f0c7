"""Run the pipeline's jobs in this process, as ordinary Dagster runs: with DAGSTER_HOME set they are
recorded in that instance and appear in the UI's run history beside scheduled runs and backfills."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import re
import sys
import time

import dagster as dg

from cx_pipeline.affected import latest_computed_month, months_of
from cx_pipeline.defs.raw import FILES_READABLE
from cx_pipeline.settings import Settings, warehouse_url
from cx_pipeline.warehouse import Warehouse
from cx_pipeline.defs.schedules import (daily_job, ingest_job, metric_run_requests, monthly_metrics_job,
                                        range_tags)


# Dagster logs a run's events (steps, materializations, checks) at DEBUG: -v shows them all.
_QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
_VERBOSE = {"loggers": {"console": {"config": {"log_level": "DEBUG"}}}}


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    job: str
    run_id: str
    partitions: str
    success: bool
    errors: tuple[str, ...]
    """One line per problem, each said once however many steps met it."""
    seconds: float
    held_back: bool = False
    """A blocking check failed (an unreadable file, rows not reconciled): nothing after it was published."""
    warnings: tuple[str, ...] = ()
    """Checks that failed without blocking the run, such as files that belong to no extract date."""


def execute(defs: dg.Definitions, job_name: str, tags: dict[str, str], *, partition_key: str | None = None,
            on: dg.DagsterInstance, verbose: bool = False) -> RunOutcome:
    job = defs.resolve_job_def(job_name)
    started = time.perf_counter()
    # dagster-dbt echoes dbt's log lines on stdout; stdout is the command's own output (a table, JSON).
    with contextlib.redirect_stdout(sys.stderr if verbose else io.StringIO()):
        result = job.execute_in_process(
            instance=on, partition_key=partition_key, tags=tags, raise_on_error=False,
            run_config=_VERBOSE if verbose else _QUIET,
        )
    partitions = partition_key or f"{tags.get('dagster/asset_partition_range_start')}..{tags.get('dagster/asset_partition_range_end')}"
    checks, warnings = _failed_checks(result)
    return RunOutcome(job_name, result.run_id, partitions, result.success, (*checks, *_step_errors(result)),
                      time.perf_counter() - started, held_back=bool(checks), warnings=warnings)


def _failed_checks(result: dg.ExecuteInProcessResult) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The failed asset checks that block what comes after them (unreadable files, unreconciled rows),
    and those that only warn about files (belonging to no extract date), one line each."""
    blocking, warning = [], []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        line = f"{evaluation.asset_key.to_user_string()}: {evaluation.description}"
        if evaluation.severity == dg.AssetCheckSeverity.ERROR:
            blocking.append(line)
        elif evaluation.check_name == FILES_READABLE:
            warning.append(line)
    return tuple(dict.fromkeys(blocking)), tuple(dict.fromkeys(warning))


def _step_errors(result: dg.ExecuteInProcessResult) -> tuple[str, ...]:
    """Step failures that are not just the consequence of a blocking check, one line per distinct problem:
    a warehouse that refuses the login fails every step with the same message, said once."""
    steps: dict[str, list[str]] = {}
    for event in result.all_events:
        if event.is_step_failure:
            data = event.event_specific_data
            failure = data.user_failure_data
            message = failure.description if failure and failure.description else _root_cause(data.error)
            if "blocking asset check" not in message:
                steps.setdefault(message.splitlines()[0], []).append(event.step_key)
    return tuple(f"{keys[0]}: {message}" if len(keys) == 1 else f"{message} ({len(keys)} steps)"
                 for message, keys in steps.items())


def _root_cause(error) -> str:
    """The innermost error's message, without its class name: Dagster wraps what the asset raised in
    errors of its own."""
    while error.cause is not None:
        error = error.cause
    message = error.message.strip()
    prefix = re.match(rf"[\w.]*\b{re.escape(error.cls_name)}: ", message) if error.cls_name else None
    return message[prefix.end():] if prefix else message


def backfill(defs: dg.Definitions, start: dt.date, end: dt.date, on: dg.DagsterInstance,
             verbose: bool = False) -> list[RunOutcome]:
    """Every daily partition in [start, end] as one run, then every month it touches as one run (and the month
    after, when it was computed before: its changes compare it with the last month rewritten)."""
    outcomes = [execute(defs, daily_job.name, range_tags(start.isoformat(), end.isoformat()), on=on, verbose=verbose)]
    if outcomes[0].success:
        warehouse = Warehouse(url=warehouse_url(), reporting_timezone=Settings.from_env().reporting_timezone)
        try:
            months = months_of([start, end], latest_computed_month(warehouse))
        finally:
            warehouse.dispose()
        tags = range_tags(months[0].isoformat(), months[-1].isoformat())
        outcomes.append(execute(defs, monthly_metrics_job.name, tags, on=on, verbose=verbose))
    return outcomes


def nightly(defs: dg.Definitions, day: dt.date, on: dg.DagsterInstance, verbose: bool = False) -> list[RunOutcome]:
    """What the nightly schedule and its sensor do for ``day``: load that extract date, then rebuild
    exactly the metric partitions its records can change."""
    outcomes = [execute(defs, ingest_job.name, {}, partition_key=day.isoformat(), on=on, verbose=verbose)]
    if not outcomes[0].success:
        return outcomes
    settings = Settings.from_env()
    warehouse = Warehouse(url=warehouse_url(), reporting_timezone=settings.reporting_timezone)
    try:
        requests = metric_run_requests(warehouse, settings, day)
    finally:
        warehouse.dispose()
    for request in requests:
        outcomes.append(execute(defs, request.job_name, dict(request.tags), on=on, verbose=verbose))
    return outcomes
