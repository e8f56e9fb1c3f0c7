"""The ``cx-pipeline`` command line (SPEC §5): parse, call, print.

Exit codes: 0 success, 1 the pipeline failed (a blocking check or an error), 2 wrong usage.
Bad input is reported as one line per problem on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Sequence

OK, FAILED, USAGE = 0, 1, 2


class CliError(Exception):
    def __init__(self, message: str, code: int = FAILED):
        super().__init__(message)
        self.code = code


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month (YYYY-MM)") from None


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--raw-dir", help="root of the extract files (env CX_RAW_DIR, default data/raw)")
    common.add_argument("--warehouse", help="SQLAlchemy URL of the warehouse (env CX_WAREHOUSE_URL, "
                                            "default duckdb:///data/warehouse.duckdb)")
    common.add_argument("-v", "--verbose", action="store_true", help="show Dagster's run log")

    parser = argparse.ArgumentParser(prog="cx-pipeline", description="Customer-experience metrics pipeline.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("demo", parents=[common], help="make a sample data set if the raw directory is empty, "
                                                        "run the whole pipeline, print the latest month")
    generate = commands.add_parser("generate", parents=[common], help="write a synthetic data set")
    generate.add_argument("--out", type=Path, help="output directory (default: the raw directory)")
    generate.add_argument("--start", type=_date, required=True)
    generate.add_argument("--end", type=_date, required=True)
    generate.add_argument("--customers", type=int, default=5000)
    generate.add_argument("--seed", type=int, default=1)

    run = commands.add_parser("run", parents=[common], help="the nightly job for one extract date")
    run.add_argument("--date", type=_date, required=True)

    backfill = commands.add_parser("backfill", parents=[common], help="every day in a range and every month it touches")
    backfill.add_argument("--start", type=_date, required=True)
    backfill.add_argument("--end", type=_date, required=True)

    bench = commands.add_parser("bench", parents=[common], help="measure backfill and nightly run against the floor")
    bench.add_argument("--customers", type=int, default=50_000)
    bench.add_argument("--days", type=int, default=365, help="length of the generated history (default a year)")
    bench.add_argument("--workdir", type=Path, help="where data and warehouse go (default a temporary folder)")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")

    report = commands.add_parser("report", parents=[common], help="write the month's CX report as one HTML file")
    report.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    report.add_argument("--out", type=Path, help="the HTML file (default <CX_REPORT_DIR>/cx_report_YYYY-MM.html)")

    metrics = commands.add_parser("metrics", parents=[common], help="print metric rows from the warehouse")
    metrics.add_argument("--grain", choices=["daily", "monthly"], required=True)
    metrics.add_argument("--metric")
    metrics.add_argument("--dimension")
    metrics.add_argument("--start", type=_date, help="first metric date or month")
    metrics.add_argument("--end", type=_date, help="last metric date or month")
    metrics.add_argument("--format", choices=["table", "csv", "json"], default="table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.raw_dir:
        os.environ["CX_RAW_DIR"] = args.raw_dir
    if args.warehouse:
        os.environ["CX_WAREHOUSE_URL"] = args.warehouse
    if not args.verbose:
        warnings.filterwarnings("ignore")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
    try:
        if args.command != "generate" or args.out is None:
            _settings()  # a bad setting is wrong usage, said before anything reads it
        return COMMANDS[args.command](args)
    except CliError as error:
        print(f"cx-pipeline: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return FAILED
    except Exception as error:  # noqa: BLE001 - the last line of defence against a traceback
        if args.verbose:
            raise
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"cx-pipeline: error: {first_line} (run again with --verbose for details)", file=sys.stderr)
        return FAILED


def _settings():
    from cx_pipeline.settings import SettingError, Settings

    try:
        return Settings.from_env()
    except SettingError as error:
        raise CliError(f"bad setting: {error}", USAGE) from None


def _warehouse(read_only: bool = False):
    import sqlalchemy as sa

    from cx_pipeline.settings import warehouse_url
    from cx_pipeline.warehouse import Warehouse

    try:
        sa.make_url(warehouse_url())
    except sa.exc.ArgumentError:
        raise CliError("the warehouse URL is not a SQLAlchemy URL (see --warehouse)", USAGE) from None
    return Warehouse(url=warehouse_url(), reporting_timezone=_settings().reporting_timezone, read_only=read_only)


def _unreadable_warehouse(error, table: str) -> CliError:
    """Why a reading command could not read ``table``: the warehouse cannot be reached or opened (and why),
    or it has no such table yet, or the database said something else (its first line)."""
    import sqlalchemy as sa

    from cx_pipeline.warehouse import warehouse_problem

    problem = warehouse_problem(error)
    if problem is not None:
        return CliError(problem.message)
    if isinstance(error, sa.exc.ProgrammingError) and "does not exist" in str(error.orig):
        return CliError(f"the warehouse has no table {table}: has the pipeline run against this warehouse?")
    return CliError(f"cannot read {table}: {str(error.orig).strip().splitlines()[0]}")


def _check_range(start: dt.date, end: dt.date) -> None:
    first = _settings().first_day
    if end < start:
        raise CliError(f"the range ends ({end}) before it starts ({start})", USAGE)
    if start < first:
        raise CliError(f"{start} is before the first partition {first} (set CX_START_DATE)", USAGE)
    if end > dt.date.today():
        raise CliError(f"{end} is in the future: there are no partitions after today", USAGE)


def _report(outcomes, started: float, held_back: str, rerun: str) -> int:
    """Print each run, then its problems on stderr. When a blocking check stopped a run, say which metric
    periods were not published (``held_back``) and how to publish them (``rerun``)."""
    failed = [o for o in outcomes if not o.success]
    for outcome in outcomes:
        state = "ok" if outcome.success else "FAILED"
        print(f"  run {outcome.job:<15} {outcome.partitions:<23} {state:<6}  {outcome.seconds:5.1f} s  "
              f"({outcome.run_id[:8]})")
    for outcome in outcomes:
        for warning in outcome.warnings:
            print(f"cx-pipeline: warning: {warning}", file=sys.stderr)
    for outcome in failed:
        for error in outcome.errors or ("the run failed (run again with --verbose for its log)",):
            print(f"cx-pipeline: error: {error}", file=sys.stderr)
    if any(outcome.held_back for outcome in failed):
        print(f"cx-pipeline: held back: {held_back} were not published; fix or remove the file(s) named above, "
              f"then run `{rerun}` again to publish them", file=sys.stderr)
    print(f"  {len(outcomes)} run(s) in {time.perf_counter() - started:.1f} s")
    return FAILED if failed else OK


def _periods(start: dt.date, end: dt.date) -> str:
    """The metric partitions of a range: its days and the months they touch."""
    days = f"{start}" if start == end else f"{start} .. {end}"
    months = f"{start:%Y-%m}" + ("" if (start.year, start.month) == (end.year, end.month) else f" .. {end:%Y-%m}")
    return f"daily metrics of {days} and monthly metrics of {months}"


def cmd_generate(args) -> int:
    from cx_pipeline.generate import generate

    out = args.out or _settings().raw_path
    if args.customers < 1:
        raise CliError("--customers must be at least 1", USAGE)
    started = time.perf_counter()
    try:
        summary = generate(out, args.start, args.end, args.customers, args.seed)
    except ValueError as error:
        raise CliError(str(error), USAGE) from None
    print(f"wrote {summary.files} files, {summary.total_rows:,} rows ({summary.dirty_rows} dirty on purpose) "
          f"to {out} in {time.perf_counter() - started:.1f} s")
    for path, rows in summary.rows.items():
        print(f"  {path:<22} {rows:>10,}")
    return OK


def cmd_backfill(args) -> int:
    from cx_pipeline import runner
    from cx_pipeline.definitions import defs

    _check_range(args.start, args.end)
    started = time.perf_counter()
    print(f"backfill {args.start} .. {args.end}")
    return _report(runner.backfill(defs, args.start, args.end, runner.instance(), args.verbose), started,
                   _periods(args.start, args.end), f"cx-pipeline backfill --start {args.start} --end {args.end}")


def cmd_run(args) -> int:
    from cx_pipeline import runner
    from cx_pipeline.definitions import defs

    _check_range(args.date, args.date)
    started = time.perf_counter()
    print(f"nightly run for extract date {args.date}")
    return _report(runner.nightly(defs, args.date, runner.instance(), args.verbose), started,
                   f"{_periods(args.date, args.date)} (and those of every other day the night's records change)",
                   f"cx-pipeline run --date {args.date}")


def cmd_metrics(args) -> int:
    import sqlalchemy as sa

    from cx_pipeline.metrics import GRAINS

    grain = GRAINS[args.grain]
    conditions, params = ["true"], {}
    for name, column, value in (("metric", "metric", args.metric), ("dimension", "dimension", args.dimension),
                                ("start", grain.date_column, args.start), ("end", grain.date_column, args.end)):
        if value is not None:
            operator = {"start": ">=", "end": "<="}.get(name, "=")
            conditions.append(f"{column} {operator} :{name}")
            params[name] = value
    columns = [grain.date_column, "metric", "dimension", "dimension_value", "value", "numerator", "denominator",
               "sample_size", "ci_low", "ci_high"]
    warehouse = _warehouse(read_only=True)
    try:
        with warehouse.begin() as conn:
            rows = conn.execute(sa.text(
                f"select {', '.join(columns)} from {grain.table} where {' and '.join(conditions)} "
                f"order by {grain.date_column}, metric, dimension, dimension_value"), params).all()
    except sa.exc.DBAPIError as error:
        raise _unreadable_warehouse(error, grain.table) from None
    finally:
        warehouse.dispose()
    print(format_rows(columns, rows, args.format), end="")
    return OK


def cmd_report(args) -> int:
    import sqlalchemy as sa

    from cx_pipeline.report import read_report_data, write_report

    settings = _settings()
    path = args.out or settings.report_file(args.month)
    warehouse = _warehouse(read_only=True)
    try:
        summary = write_report(read_report_data(warehouse, [args.month], settings.base_currency)[0], path)
    except sa.exc.DBAPIError as error:
        raise _unreadable_warehouse(error, "marts.metrics_monthly") from None
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}") from None
    finally:
        warehouse.dispose()
    print(f"wrote {path}: {summary.charts} charts, {len(summary.empty_panels)} panels without data"
          + (f" ({', '.join(summary.empty_panels)})" if summary.empty_panels else ""))
    return OK


def cmd_demo(args) -> int:
    from cx_pipeline import runner
    from cx_pipeline.definitions import defs
    from cx_pipeline.entities import ENTITIES
    from cx_pipeline.extracts import list_extracts
    from cx_pipeline.generate import generate

    settings = _settings()
    raw = settings.raw_path
    started = time.perf_counter()
    if not raw.is_dir() or not any(p.is_file() for p in raw.rglob("*")):
        end = dt.date.today() - dt.timedelta(days=1)
        start = end - dt.timedelta(days=182)
        summary = generate(raw, start, end, customers=3000, seed=7)
        print(f"made a sample data set in {raw}: {summary.files} files, {summary.total_rows:,} rows, "
              f"{start} .. {end}")
    dates = sorted(date for entity in ENTITIES
                   for date in list_extracts(raw, entity, dt.date.min, dt.date.max).readable)
    if not dates:
        raise CliError(f"{raw} holds no extract files")
    start, end = max(dates[0], settings.first_day), dates[-1]
    print(f"backfill {start} .. {end}")
    code = _report(runner.backfill(defs, start, end, runner.instance(), args.verbose), started,
                   _periods(start, end), "cx-pipeline demo")
    if code == OK:
        print()
        print(month_summary(_warehouse(), end.replace(day=1)))
        print(f"CX report: {settings.report_file(end.replace(day=1))} (open it in a browser)")
    return code


def month_summary(warehouse, month: dt.date) -> str:
    """The month's headline metrics against the month before."""
    from cx_pipeline.headline import headline_rows, previous_period
    from cx_pipeline.metrics import MONTHLY

    rows = headline_rows(warehouse, MONTHLY, month)
    quarantined = _scalar(warehouse, "select count(*) from quarantine.rejected_rows")
    warehouse.dispose()
    table = [(r.metric, _number(r.value), _number(r.previous), _number(r.change, signed=True), f"{r.sample_size:,}")
             for r in rows]
    previous = previous_period(MONTHLY, month)
    header = f"Metrics for {month:%B %Y} (monthly, dimension all; {quarantined:,} rows quarantined in all)\n"
    return header + format_rows(["metric", f"{month:%b %Y}", f"{previous:%b %Y}", "change", "sample"], table, "table")


def _scalar(warehouse, sql: str) -> int:
    import sqlalchemy as sa

    with warehouse.begin() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def _number(value, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"


def format_rows(columns: list[str], rows, fmt: str) -> str:
    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return repr(value) if fmt != "table" else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    if fmt == "json":
        return json.dumps([{c: (v.isoformat() if isinstance(v, dt.date) else v) for c, v in zip(columns, row)}
                           for row in rows], indent=1) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[text(v) for v in row] for row in rows])
        return buffer.getvalue()
    cells = [[text(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [bool(cells) and all(_looks_numeric(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        lines.append("  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(row, widths, numeric)).rstrip())
    return "\n".join(lines) + "\n"


def _looks_numeric(text: str) -> bool:
    if text in ("", "—"):
        return True
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def cmd_bench(args) -> int:
    import tempfile

    from cx_pipeline.bench import run_bench

    if args.customers < 1 or args.days < 2:
        raise CliError("--customers must be at least 1 and --days at least 2", USAGE)
    end = dt.date.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=args.days - 1)
    with tempfile.TemporaryDirectory(prefix="cx_bench_") as scratch:
        workdir = args.workdir or Path(scratch)
        steps = run_bench(workdir, args.customers, start, end)
    floor_seconds = steps[0].seconds
    records = [{"step": s.name, "rows": s.rows, "bytes": s.bytes, "seconds": round(s.seconds, 3),
                "rows_per_second": round(s.rows_per_second), "peak_rss_mb": round(s.peak_rss_mb, 1),
                "vs_floor": round(s.seconds / floor_seconds, 2),
                "parts": [{"part": name, "seconds": round(seconds, 3)} for name, seconds in s.parts]} for s in steps]
    if args.json:
        print(json.dumps({"customers": args.customers, "days": args.days, "start": start.isoformat(),
                          "end": end.isoformat(), "cpus": os.cpu_count(), "steps": records}, indent=1))
    else:
        print(f"bench: {args.customers:,} customers, {start} .. {end}, {os.cpu_count()} CPUs")
        columns = [c for c in records[0] if c != "parts"]
        print(format_rows(columns, [[r[c] for c in columns] for r in records], "table"), end="")
        print(f"backfill / floor = {records[1]['vs_floor']}")
        for step in steps:
            print(f"{step.name}: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in step.parts))
    return OK


COMMANDS = {"demo": cmd_demo, "bench": cmd_bench, "generate": cmd_generate, "run": cmd_run, "backfill": cmd_backfill,
            "metrics": cmd_metrics, "report": cmd_report}


if __name__ == "__main__":
    sys.exit(main())
