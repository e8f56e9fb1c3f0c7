"""The ``cx-pipeline`` command line (SPEC §5): parse, call, print.

Exit codes: 0 success, 1 the pipeline failed (a blocking check or an error), 2 wrong usage.
Bad input is reported as one line per problem on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import calendar
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

from dotenv import load_dotenv

OK, FAILED, USAGE = 0, 1, 2

ENV_FILE = Path(".env")
"""Settings for this folder: read by every command (the environment wins) and by `dagster dev`."""


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


def _days(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day that a date (YYYY-MM-DD) or a month (YYYY-MM) names."""
    try:
        day = dt.date.fromisoformat(text)
        return day, day
    except ValueError:
        pass
    try:
        first = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a date (YYYY-MM-DD) nor a month (YYYY-MM)") from None
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--raw-dir", help="root of the extract files (env CX_RAW_DIR, default data/raw)")
    common.add_argument("--warehouse", help="SQLAlchemy URL of the warehouse (env CX_WAREHOUSE_URL, "
                                            "default duckdb:///data/warehouse.duckdb)")
    common.add_argument("-v", "--verbose", action="store_true", help="show Dagster's run log")

    parser = argparse.ArgumentParser(prog="cx-pipeline", description="Customer-experience metrics pipeline.")
    # Not required: argparse would then answer `cx-pipeline --nonsense` with "COMMAND is missing" instead of
    # naming the option it does not know (main says both).
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("demo", parents=[common], help="make a sample data set of vendor objects if the raw "
                                                        "directory is empty, run the whole pipeline, print the "
                                                        "latest month")
    generate = commands.add_parser("generate", parents=[common], help="write a synthetic data set")
    generate.add_argument("--out", type=Path, help="output directory (default: the raw directory)")
    generate.add_argument("--start", type=_date, required=True)
    generate.add_argument("--end", type=_date, required=True)
    generate.add_argument("--customers", type=int, default=5000)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--vendors", action="store_true",
                          help="customers, subscriptions, NPS and CES, tickets and CSAT, orders and carts as HubSpot, "
                               "Stripe, Qualtrics, Zendesk and Shopify objects (SPEC §6)")

    run = commands.add_parser("run", parents=[common], help="the nightly job for one extract date")
    run.add_argument("--date", type=_date, required=True)

    backfill = commands.add_parser("backfill", parents=[common], help="every day in a range and every month it touches")
    backfill.add_argument("--start", type=_date, required=True)
    backfill.add_argument("--end", type=_date, required=True)

    bench = commands.add_parser("bench", parents=[common], help="measure backfill and nightly runs against the floor")
    bench.add_argument("--customers", type=int, default=50_000)
    bench.add_argument("--days", type=int, default=365, help="length of the generated history (default a year)")
    bench.add_argument("--workdir", type=Path, help="where data and warehouse go (default a temporary folder)")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.add_argument("--without-history", action="store_true",
                       help="also time the backfill on an ephemeral instance (no run history), to weigh what recording costs")

    report = commands.add_parser("report", parents=[common], help="write the month's CX report as one HTML file")
    report.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    report.add_argument("--out", type=Path, help="the HTML file (default <CX_REPORT_DIR>/cx_report_YYYY-MM.html)")

    metrics = commands.add_parser("metrics", parents=[common], help="print metric rows from the warehouse")
    metrics.add_argument("--grain", choices=["daily", "monthly"], required=True)
    metrics.add_argument("--metric", help="a metric of docs/contract.md section 4 (default: all)")
    metrics.add_argument("--dimension", help="all, channel, segment, region, agent or team (default: every one)")
    metrics.add_argument("--start", type=_days, help="first metric date or month (YYYY-MM-DD or YYYY-MM)")
    metrics.add_argument("--end", type=_days, help="last metric date or month (YYYY-MM-DD or YYYY-MM)")
    metrics.add_argument("--format", choices=["table", "csv", "json"], default="table")
    return parser


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command is None:
        unknown_text = f"unrecognized arguments: {' '.join(unknown)}; " if unknown else ""
        parser.error(f"{unknown_text}name a command first: {', '.join(COMMANDS)} (cx-pipeline COMMAND --help)")
    if unknown:
        parser.error(f"unrecognized arguments for {args.command}: {' '.join(unknown)} "
                     f"(cx-pipeline {args.command} --help)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    # As `dagster dev` does: a .env in the working directory sets what the environment does not.
    load_dotenv(ENV_FILE, override=False)
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


def _warehouse(*, reading: bool):
    """The warehouse of --warehouse / CX_WAREHOUSE_URL, refused before anything is opened when a DuckDB file
    cannot be meant: opening one creates it (and Warehouse creates its folder), so a mistyped path would
    otherwise leave an empty database behind. A reading command needs the file, and opens it read-only (it
    then works on a read-only mount and beside other readers); a writing one needs its folder."""
    from cx_pipeline.settings import warehouse_url
    from cx_pipeline.warehouse import Warehouse

    _check_warehouse_url(reading=reading)
    return Warehouse(url=warehouse_url(), reporting_timezone=_settings().reporting_timezone, read_only=reading)


def _duckdb_file() -> Path | None:
    """The file of a DuckDB warehouse URL; None for another engine or an in-memory database."""
    import sqlalchemy as sa

    from cx_pipeline.settings import warehouse_url

    try:
        url = sa.make_url(warehouse_url())
    except sa.exc.ArgumentError:
        raise CliError("the warehouse URL is not a SQLAlchemy URL (see --warehouse)", USAGE) from None
    if url.get_backend_name() != "duckdb" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _check_warehouse_url(*, reading: bool) -> None:
    path = _duckdb_file()
    if path is None:
        return
    if reading and not path.is_file():
        raise CliError(f"there is no warehouse at {path}: has the pipeline run against it?")
    if not path.parent.is_dir():
        raise CliError(f"the folder of the DuckDB warehouse {path} does not exist (see --warehouse)", USAGE)


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


def _report(outcomes, started: float, instance, held_back: str, rerun: str) -> int:
    """Print each run and what it found, then its problems on stderr. When a blocking check stopped a run,
    say which metric periods were not published (``held_back``) and how to publish them (``rerun``)."""
    failed = [o for o in outcomes if not o.success]
    for outcome in outcomes:
        state = "ok" if outcome.success else "FAILED"
        print(f"  run {outcome.job:<15} {outcome.partitions:<23} {state:<6}  {outcome.seconds:5.1f} s  "
              f"({outcome.run_id[:8]})")
        found = what_a_run_found(instance, outcome)
        if found:
            print(f"      {found}")
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


def what_a_run_found(instance, outcome) -> str:
    """What a run read and wrote, from its assets' materialization metadata: extract files, rows loaded and
    quarantined (summed over the raw assets), metric rows and reports written."""
    import dagster as dg

    metadata: dict[str, dict[str, object]] = {}
    records = instance.get_records_for_run(outcome.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    for record in records:
        materialization = record.event_log_entry.asset_materialization
        # A ranged run materializes each partition with the same metadata: one per asset is the run's.
        metadata[materialization.asset_key.to_user_string()] = {k: v.value for k, v in materialization.metadata.items()}
    parts = []
    raw = [values for key, values in metadata.items() if key.startswith("raw_")]
    if raw:
        files, loaded, quarantined = (sum(int(v[field]) for v in raw) for field in ("files", "rows_loaded",
                                                                                   "rows_quarantined"))
        if files == 0:
            parts.append(f"no extract files for {outcome.partitions} in {_settings().raw_path}")
        else:
            parts.append(f"{_count(files, 'extract file')}: {_count(loaded, 'row')} loaded, {quarantined:,} quarantined"
                         + (" (see quarantine.rejected_rows)" if quarantined else ""))
    for asset, grain in (("metrics_daily", "daily"), ("metrics_monthly", "monthly")):
        if asset in metadata:
            parts.append(f"{_count(int(metadata[asset]['rows']), f'{grain} metric row')}")
    if "cx_report" in metadata:
        parts.append(_count(int(metadata["cx_report"]["reports"]), "CX report"))
    return "; ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


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
        summary = generate(out, args.start, args.end, args.customers, args.seed,
                           layout="vendors" if args.vendors else "section1")
    except ValueError as error:
        raise CliError(str(error), USAGE) from None
    print(f"wrote {summary.files} files, {summary.total_rows:,} rows ({summary.dirty_rows} dirty on purpose) "
          f"to {out} in {time.perf_counter() - started:.1f} s")
    for path, rows in summary.rows.items():
        print(f"  {path:<22} {rows:>10,}")
    return OK


def cmd_backfill(args) -> int:
    from cx_pipeline import dagster_instance, runner
    from cx_pipeline.definitions import defs

    _check_range(args.start, args.end)
    _check_warehouse_url(reading=False)
    started = time.perf_counter()
    print(f"backfill {args.start} .. {args.end}")
    instance = dagster_instance.get()
    return _report(runner.backfill(defs, args.start, args.end, instance, args.verbose), started, instance,
                   _periods(args.start, args.end), f"cx-pipeline backfill --start {args.start} --end {args.end}")


def cmd_run(args) -> int:
    from cx_pipeline import dagster_instance, runner
    from cx_pipeline.definitions import defs

    _check_range(args.date, args.date)
    _check_warehouse_url(reading=False)
    started = time.perf_counter()
    print(f"nightly run for extract date {args.date}")
    instance = dagster_instance.get()
    return _report(runner.nightly(defs, args.date, instance, args.verbose), started, instance,
                   f"{_periods(args.date, args.date)} (and those of every other day the night's records change)",
                   f"cx-pipeline run --date {args.date}")


def cmd_metrics(args) -> int:
    import sqlalchemy as sa

    from cx_pipeline.metrics import GRAINS

    grain = GRAINS[args.grain]
    _check_metric_and_dimension(args.metric, args.dimension)
    start = args.start[0] if args.start else None
    end = args.end[1] if args.end else None
    if grain.name == "monthly":  # a month row is keyed by its first day
        start, end = (day.replace(day=1) if day else None for day in (start, end))
    if start and end and end < start:
        raise CliError(f"the range ends ({end}) before it starts ({start})", USAGE)
    conditions, params = ["true"], {}
    for name, column, value in (("metric", "metric", args.metric), ("dimension", "dimension", args.dimension),
                                ("start", grain.date_column, start), ("end", grain.date_column, end)):
        if value is not None:
            operator = {"start": ">=", "end": "<="}.get(name, "=")
            conditions.append(f"{column} {operator} :{name}")
            params[name] = value
    columns = [grain.date_column, "metric", "dimension", "dimension_value", "value", "numerator", "denominator",
               "sample_size", "ci_low", "ci_high"]
    warehouse = _warehouse(reading=True)
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


def _check_metric_and_dimension(metric: str | None, dimension: str | None) -> None:
    """Unknown names are wrong usage, not an empty table: say which names there are."""
    from cx_pipeline.metrics import METRICS

    dimensions_of = {m.name: m.dimensions for m in METRICS}
    if metric is not None and metric not in dimensions_of:
        raise CliError(f"unknown metric {metric!r}; the metrics are: {', '.join(dimensions_of)}", USAGE)
    known = dimensions_of[metric] if metric else tuple(dict.fromkeys(d for m in METRICS for d in m.dimensions))
    if dimension is not None and dimension not in known:
        whose = f"{metric} has no dimension {dimension!r}; its" if metric else f"unknown dimension {dimension!r}; the"
        raise CliError(f"{whose} dimensions are: {', '.join(known)}", USAGE)


def cmd_report(args) -> int:
    import sqlalchemy as sa

    from cx_pipeline.report import read_report_data, write_report

    settings = _settings()
    path = args.out or settings.report_file(args.month)
    warehouse = _warehouse(reading=True)
    try:
        summary = write_report(read_report_data(warehouse, [args.month], settings)[0], path)
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
    from cx_pipeline import dagster_instance, runner
    from cx_pipeline.entities import ENTITIES
    from cx_pipeline.extracts import list_extracts
    from cx_pipeline.generate import generate

    settings = _settings()
    raw = settings.raw_path
    warehouse_file = _duckdb_file()
    if warehouse_file is not None:  # the demo sets everything up, the warehouse's folder included
        warehouse_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    made_sample = not raw.is_dir() or not any(p.is_file() for p in raw.rglob("*"))
    if made_sample:
        end = dt.date.today() - dt.timedelta(days=1)
        start = end - dt.timedelta(days=182)
        summary = generate(raw, start, end, customers=3000, seed=7, layout="vendors")
        print(f"made a sample data set of vendor objects in {raw}: {summary.files} files, {summary.total_rows:,} "
              f"rows, {start} .. {end}")
    dates = sorted(date for entity in ENTITIES
                   for date in list_extracts(raw, entity, dt.date.min, dt.date.max).readable)
    if not dates:
        raise CliError(f"{raw} holds no extract files")
    _settle_in_this_folder(dates[0], made_sample=made_sample)
    from cx_pipeline.definitions import defs  # its partitions start at CX_START_DATE

    start, end = max(dates[0], _settings().first_day), dates[-1]
    print(f"backfill {start} .. {end}")
    instance = dagster_instance.get()
    code = _report(runner.backfill(defs, start, end, instance, args.verbose), started, instance,
                   _periods(start, end), "cx-pipeline demo")
    if code == OK:
        print()
        print(month_summary(_warehouse(reading=True), end.replace(day=1)))
        print(f"CX report: {settings.report_file(end.replace(day=1))} (open it in a browser)")
    return code


def _settle_in_this_folder(first_day: dt.date, *, made_sample: bool) -> None:
    """Let `dagster dev` run from this folder show what the demo did: the partitions start with the data
    (SPEC §5: CX_START_DATE), the segments of the sample data the demo made are read from the HubSpot property
    that holds them (CX_HUBSPOT_SEGMENT_PROPERTY), and the instance is the one the demo records its runs in
    (DAGSTER_HOME, the project's dagster_home/ unless set). Each goes to .env, which every command and
    `dagster dev` read, unless the environment or .env sets it already."""
    from cx_pipeline import dagster_instance
    from cx_pipeline.generate_vendors import SEGMENT_PROPERTY

    lines = []
    if not os.environ.get("CX_START_DATE"):
        lines.append(f"CX_START_DATE={first_day.isoformat()}")
        os.environ["CX_START_DATE"] = first_day.isoformat()
        print(f"partitions start at {first_day}, the data's first day (CX_START_DATE in {ENV_FILE})")
    segment_property = os.environ.get("CX_HUBSPOT_SEGMENT_PROPERTY")
    if made_sample and not segment_property:
        lines.append(f"CX_HUBSPOT_SEGMENT_PROPERTY={SEGMENT_PROPERTY}")
        os.environ["CX_HUBSPOT_SEGMENT_PROPERTY"] = SEGMENT_PROPERTY
        print(f"segments read from the HubSpot contact property {SEGMENT_PROPERTY}, where the sample data holds "
              f"them (CX_HUBSPOT_SEGMENT_PROPERTY in {ENV_FILE})")
    elif made_sample and segment_property != SEGMENT_PROPERTY:
        print(f"segments read from the HubSpot contact property {segment_property} (CX_HUBSPOT_SEGMENT_PROPERTY is "
              f"set), not from {SEGMENT_PROPERTY}, where the sample data holds them")
    if not os.environ.get("DAGSTER_HOME"):
        # Without it, `dagster dev` would start on a temporary instance that knows none of the demo's runs.
        lines.append(f"DAGSTER_HOME={dagster_instance.PROJECT_HOME}")
        print(f"runs recorded in {dagster_instance.PROJECT_HOME} (DAGSTER_HOME in {ENV_FILE}, for dagster dev)")
    if lines:
        with open(ENV_FILE, "a", encoding="utf-8") as env:
            env.write("".join(f"{line}\n" for line in lines))


def month_summary(warehouse, month: dt.date) -> str:
    """The month's headline metrics against the month before, as far as the data supports a comparison
    (headline.month_headline): a partial month against the same days of the month before, and a value
    resting on fewer than CX_MIN_SAMPLE observations marked as such."""
    from cx_pipeline.headline import day_range_text, format_number, month_headline, read_data_span, too_few

    min_sample = _settings().min_sample
    headline = month_headline(warehouse, month, read_data_span(warehouse), min_sample)
    quarantined = _scalar(warehouse, "select count(*) from quarantine.rejected_rows")
    warehouse.dispose()
    table = []
    for r in headline.rows:
        compared = headline.is_compared(r.metric)
        note = "" if r.value is None else headline.why_not_compared(r.metric)
        if r.value is not None and too_few(r.metric, r.sample_size, r.denominator, min_sample):
            note = f"fewer than {min_sample} observations"
        shown = compared and not note
        table.append((r.metric, format_number(r.value), format_number(r.previous if compared else None),
                      format_number(r.change if shown else None, signed=True),
                      headline.verdicts.get(r.metric, "") if shown else "", f"{r.sample_size:,}", note))
    lines = [f"Metrics for {month:%B %Y} (monthly, dimension all; {quarantined:,} rows quarantined in all)"]
    if headline.is_partial:
        lines.append(f"Partial month: the data covers {day_range_text(*headline.days)}; "
                     + (f"compared with the same days of the month before ({headline.compared_with})."
                        if headline.compared_days else "not compared with the month before."))
    this = f"{month:%b %Y}"
    return "\n".join(lines) + "\n" + format_rows(
        ["metric", this, headline.compared_with or "before", "change", "verdict", "sample", "note"], table, "table")


def _scalar(warehouse, sql: str) -> int:
    import sqlalchemy as sa

    with warehouse.begin() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


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

    from cx_pipeline.bench import NIGHTS, nightly_median, run_bench

    import sqlalchemy as sa

    from cx_pipeline.settings import warehouse_url

    if args.customers < 1 or args.days <= NIGHTS:
        raise CliError(f"--customers must be at least 1 and --days at least {NIGHTS + 1}", USAGE)
    # A Spark URL benches Spark; any other, the embedded default: a new DuckDB file in the work folder.
    spark_url = warehouse_url() if sa.make_url(warehouse_url()).get_backend_name() == "spark" else None
    if spark_url and args.without_history:
        raise CliError("--without-history is for the embedded warehouse (it deletes the DuckDB file between runs)",
                       USAGE)
    end = dt.date.today() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=args.days - 1)
    with tempfile.TemporaryDirectory(prefix="cx_bench_") as scratch:
        workdir = args.workdir or Path(scratch)
        steps = run_bench(workdir, args.customers, start, end, without_history=args.without_history,
                          spark_url=spark_url)
    floor_seconds = steps[0].seconds
    records = [{"step": s.name, "rows": s.rows, "bytes": s.bytes, "seconds": round(s.seconds, 3),
                "rows_per_second": round(s.rows_per_second), "peak_rss_mb": round(s.peak_rss_mb, 1),
                "vs_floor": round(s.seconds / floor_seconds, 2),
                "parts": [{"part": name, "seconds": round(seconds, 3)} for name, seconds in s.parts]} for s in steps]
    if args.json:
        print(json.dumps({"customers": args.customers, "warehouse": spark_url or "duckdb", "days": args.days,
                          "start": start.isoformat(), "end": end.isoformat(), "cpus": os.cpu_count(),
                          "nightly_median_seconds": round(nightly_median(steps), 3), "steps": records}, indent=1))
    else:
        print(f"bench: {args.customers:,} customers, {start} .. {end}, {os.cpu_count()} CPUs"
              + (f", warehouse {spark_url} (peak RSS: this process, not Spark's JVM)" if spark_url else ""))
        columns = [c for c in records[0] if c != "parts"]
        print(format_rows(columns, [[r[c] for c in columns] for r in records], "table"), end="")
        print(f"backfill / floor = {records[1]['vs_floor']}")
        print(f"nightly run, median of {NIGHTS} nights = {nightly_median(steps):.2f} s")
        if args.without_history:
            print(f"backfill with run history / without = {steps[1].seconds / steps[-1].seconds:.2f}")
        for step in steps:
            print(f"{step.name}: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in step.parts))
    return OK


COMMANDS = {"demo": cmd_demo, "bench": cmd_bench, "generate": cmd_generate, "run": cmd_run, "backfill": cmd_backfill,
            "metrics": cmd_metrics, "report": cmd_report}


if __name__ == "__main__":
    sys.exit(main())
