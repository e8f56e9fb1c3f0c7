"""Property-based tests of the readers and validation (SPEC §3), with Hypothesis.

Files of every format are generated from a model of their rows: good rows (every ISO 8601 form, numbers
written many ways, free text with commas, quotes, line breaks and any Unicode) and bad ones (each with
the rule it must be quarantined under), written with random quoting, line endings, blank lines, byte-order
marks, header spellings and extension case. For every file: no exception escapes the reader or the
validation, rows read = loaded + quarantined, every good row loads with its values and row number, every
bad row is quarantined under its rule, column and row number. The readers and validation are called
directly (no Dagster run): each example costs milliseconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import io
import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cx_pipeline.entities import ENTITIES_BY_TABLE
from cx_pipeline.extracts import ROW_NUMBER, ExtractError, list_extracts, read_extract
from cx_pipeline.validation.validate import validate_extracts

ORDERS = ENTITIES_BY_TABLE["ecommerce__orders"]
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
COLUMNS = ["order_id", "ordered_at", "updated_at", "status", "amount", "currency", "customer_email", "is_upsell"]
EXAMPLES = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclasses.dataclass
class Row:
    """One record of a generated file: its text per column as written, and what must become of it."""

    text: dict[str, str | None]
    expected: dict[str, object] | None = None
    """The typed values a good row loads with (None for a bad row)."""
    rule: str | None = None
    column: str | None = None
    shape: str = "record"
    """How a bad record is broken beyond its values: 'wrong_width', 'unclosed' (CSV), 'not_json',
    'not_object', 'duplicate_key', 'surrogate' (JSONL)."""


# --- values ------------------------------------------------------------------------------------------

@st.composite
def iso_timestamps(draw) -> tuple[str, dt.datetime]:
    """An ISO 8601 date or date-time in any of the accepted forms, and the naive UTC instant it means."""
    local = draw(st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2026, 12, 31)))
    basic = draw(st.booleans())
    date = local.strftime("%Y%m%d" if basic else "%Y-%m-%d")
    precision = draw(st.sampled_from(["date", "hour", "minute", "second", "fraction"]))
    if precision == "date":
        return date, local.replace(hour=0, minute=0, second=0, microsecond=0)
    digits = draw(st.integers(1, 9))
    fraction = f"{local.microsecond:06d}{draw(st.integers(0, 999)):03d}"[:digits]
    local = local.replace(microsecond=int(fraction.ljust(6, "0")[:6]) if precision == "fraction" else 0)
    if precision in ("hour", "minute"):
        local = local.replace(second=0, **({"minute": 0} if precision == "hour" else {}))
    sep = "" if draw(st.booleans()) else ":"
    time = {"hour": f"{local:%H}", "minute": f"{local:%H}{sep}{local:%M}",
            "second": f"{local:%H}{sep}{local:%M}{sep}{local:%S}"}.get(precision)
    time = time or f"{local:%H}{sep}{local:%M}{sep}{local:%S}{draw(st.sampled_from('.,'))}{fraction}"
    text = date + draw(st.sampled_from("Tt ")) + time
    offset = draw(st.none() | st.integers(-12 * 4, 14 * 4).map(lambda quarters: quarters * 15))
    if offset is None:
        return text, local
    hours, minutes = divmod(abs(offset), 60)
    sign = "-" if offset < 0 else "+"
    if offset == 0 and draw(st.booleans()):
        suffix = draw(st.sampled_from("Zz"))
    elif minutes == 0 and draw(st.booleans()):
        suffix = f"{sign}{hours:02d}"
    else:
        suffix = f"{sign}{hours:02d}{draw(st.sampled_from(['', ':']))}{minutes:02d}"
    return text + suffix, local - dt.timedelta(minutes=offset)


_TEXT = st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=["Cs"])
_EDGE = st.characters(codec="utf-8", exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc"])
"""Characters a value may start and end with: none that Arrow's trimming would take off."""


@st.composite
def free_text(draw) -> tuple[str, str]:
    """Text with commas, quotes, line breaks and any Unicode, padded with blanks; and the value it loads as."""
    core = draw(_EDGE) + "".join(draw(st.lists(_TEXT | st.sampled_from([",", '"', "\n", "\r", "\r\n", " "]),
                                               max_size=12)))
    core = core + (draw(_EDGE) if len(core) > 1 else "")
    return draw(st.sampled_from(["", " ", "\t"])) + core + draw(st.sampled_from(["", " ", "  "])), core


@st.composite
def amounts(draw) -> tuple[str, float]:
    value = draw(st.floats(0, 1e12, allow_nan=False) | st.integers(0, 10 ** 12).map(float))
    text = draw(st.sampled_from([repr(value), f"{value:.2f}", f"{value:e}", f"{value:.17g}", f"+{value:.1f}"]))
    return text, float(text)


_STATUSES = {"completed": "completed", "Completed": "completed", " CANCELLED ": "cancelled",
             "Canceled": "cancelled", "refunded": "refunded"}
_CURRENCIES = {"USD": "USD", "usd": "USD", " EUR ": "EUR", None: None}
_BOOLEANS = {"true": True, "False": False, "yes": True, "0": False, "f": False, None: None}


@st.composite
def good_rows(draw, number: int) -> Row:
    ordered, ordered_utc = draw(iso_timestamps())
    updated, updated_utc = draw(iso_timestamps())
    status = draw(st.sampled_from(sorted(_STATUSES)))
    amount, amount_value = draw(amounts())
    currency = draw(st.sampled_from(list(_CURRENCIES)))
    email = draw(st.none() | free_text())
    upsell = draw(st.sampled_from(list(_BOOLEANS)))
    text = {"order_id": f"O{number}", "ordered_at": ordered, "updated_at": updated, "status": status,
            "amount": amount, "currency": currency, "customer_email": email and email[0], "is_upsell": upsell}
    expected = {"order_id": f"O{number}", "ordered_at": ordered_utc, "updated_at": updated_utc,
                "status": _STATUSES[status], "amount": amount_value, "currency": _CURRENCIES[currency],
                "customer_email": email and email[1], "is_upsell": _BOOLEANS[upsell]}
    return Row(text, expected)


_BAD_VALUES = [
    ("amount", "abc", "unparseable_number"), ("amount", "1,5", "unparseable_number"),
    ("amount", "-5", "negative_amount"), ("amount", "1e27", "number_out_of_range"),
    ("amount", "-1e300", "number_out_of_range"), ("ordered_at", "now", "unparseable_timestamp"),
    ("ordered_at", "today", "unparseable_timestamp"), ("updated_at", "2026-02-30", "unparseable_timestamp"),
    ("updated_at", "2026-01-09T24:00", "unparseable_timestamp"), ("ordered_at", "1600-01-01", "timestamp_out_of_range"),
    ("ordered_at", "0001-01-01T00:00:00Z", "timestamp_out_of_range"),
    ("updated_at", "9999-12-31", "timestamp_in_future"),
    ("status", "  ", "missing_required_value"), ("currency", "XYZ", "unknown_currency"),
    ("is_upsell", "maybe", "unparseable_boolean"), ("customer_email", "a\x00b", "invalid_text"),
]


@st.composite
def bad_rows(draw, number: int, fmt: str) -> Row:
    row = draw(good_rows(number))
    shapes = {"csv": ["wrong_width"], "jsonl": ["not_json", "not_object", "duplicate_key", "surrogate"],
              "parquet": []}[fmt.removesuffix(".gz")]
    choice = draw(st.sampled_from(_BAD_VALUES + shapes))
    if isinstance(choice, str):
        rule = {"wrong_width": "wrong_field_count", "not_json": "invalid_json", "not_object": "invalid_json",
                "duplicate_key": "duplicate_field", "surrogate": "invalid_text"}[choice]
        column = "customer_email" if choice == "surrogate" else None
        if choice == "wrong_width":  # a record too wide or too narrow must stay on one line
            row.text["customer_email"] = "plain"
        return Row(row.text, None, rule, column, shape=choice)
    column, value, rule = choice
    row.text[column] = value
    return Row(row.text, None, rule, column)


@st.composite
def files(draw, fmt: str) -> list[Row]:
    count = draw(st.integers(0, 8))
    rows = [draw(st.one_of(good_rows(n), bad_rows(n, fmt))) for n in range(count)]
    if fmt.startswith("csv") and rows and draw(st.booleans()):
        # A quote opened on the last line and never closed (earlier, a quote further down could close it);
        # the record must start on that line too.
        rows[-1].text["customer_email"] = "plain"
        rows[-1] = Row(rows[-1].text, None, "unclosed_quote", None, shape="unclosed")
    return rows


# --- writers -----------------------------------------------------------------------------------------

def _header_name(draw, name: str) -> str:
    return draw(st.sampled_from([name, name.upper(), f" {name.title()} "]))


def _csv_field(draw, value: str | None) -> str:
    if value is None:
        return ""
    needs_quotes = any(c in value for c in ',"\r\n')
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if needs_quotes or draw(st.booleans()) else value


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def write_csv(draw, rows: list[Row]) -> tuple[bytes, list[int]]:
    """The CSV file of ``rows``, and each row's number: the line it starts on, after the header."""
    columns = draw(st.permutations(COLUMNS))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = ",".join(_header_name(draw, c) for c in columns) + newline
    numbers, line = [], 1
    for index, row in enumerate(rows):
        while draw(st.integers(0, 5)) == 0:  # blank lines are lines, and no records
            text += newline
            line += 1
        fields = [_csv_field(draw, row.text[c]) for c in columns]
        if row.shape == "wrong_width":
            fields = fields[:-1] if draw(st.booleans()) else fields + ["extra"]
        if row.shape == "unclosed":
            fields[-1] = '"never closed'
        record = ",".join(fields)
        last = index == len(rows) - 1
        record += "" if last and draw(st.booleans()) else newline
        numbers.append(line)
        line += _line_breaks(record)
        text += record
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data if draw(st.booleans()) else data), numbers


def write_jsonl(draw, rows: list[Row]) -> tuple[bytes, list[int]]:
    lines, numbers = [], []
    for row in rows:
        while draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "  "])))
        record = {_header_name(draw, c): v for c, v in row.text.items() if v is not None or draw(st.booleans())}
        if row.expected and draw(st.booleans()):  # numbers and booleans as JSON gives them
            record = {k: (row.expected["amount"] if k.strip().lower() == "amount" else
                          row.expected["is_upsell"] if k.strip().lower() == "is_upsell" else v)
                      for k, v in record.items()}
        ensure_ascii = draw(st.booleans())
        if row.shape == "not_json":
            line = "{" + json.dumps(record)
        elif row.shape == "not_object":
            line = json.dumps(list(record.values()))
        elif row.shape == "duplicate_key":
            line = json.dumps(record, ensure_ascii=ensure_ascii)[:-1] + ', " order_ID ": "again"}'
        elif row.shape == "surrogate":
            record = {k: v for k, v in record.items() if k.strip().lower() != "customer_email"}
            line = json.dumps(record | {"customer_email": "b\ud800c"})
        else:
            line = json.dumps(record, ensure_ascii=ensure_ascii)
        numbers.append(len(lines) + 1)
        lines.append(line)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return (newline.join(lines) + (newline if draw(st.booleans()) else "")).encode("utf-8"), numbers


def write_parquet(draw, rows: list[Row]) -> tuple[bytes, list[int]]:
    columns = {_header_name(draw, c): pa.array([r.text[c] for r in rows], type=pa.string()) for c in COLUMNS}
    if draw(st.booleans()):  # a nested column beside the entity's is kept as JSON, never a reason to fail
        columns["tags"] = pa.array([[n, n + 1] for n in range(len(rows))], type=pa.list_(pa.int64()))
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue(), list(range(1, len(rows) + 1))


WRITERS = {"csv": write_csv, "csv.gz": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}


# --- the properties ----------------------------------------------------------------------------------

def read_and_validate(path: Path):
    """One file through the reader and the validation, as a raw load takes it."""
    extract = read_extract(path, dt.date(2026, 1, 9), ORDERS)
    validated = validate_extracts(ORDERS, [extract], source_timezone="UTC", known_currencies={"USD", "EUR"},
                                  now=NOW, future_tolerance_hours=24)
    return extract, validated


def _loaded_values(loaded: pd.DataFrame) -> dict[int, dict[str, object]]:
    values = {}
    for record in loaded.to_dict("records"):
        values[int(record[ROW_NUMBER])] = {
            c: (None if record[c] is None or record[c] != record[c] else
                record[c].to_pydatetime() if isinstance(record[c], pd.Timestamp) else record[c])
            for c in COLUMNS}
    return values


@settings(max_examples=50, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_row_of_generated_files_is_loaded_intact_or_quarantined_under_its_rule(data):
    """One to three files of any formats, validated together as one run validates an entity's files (the
    Great Expectations suite costs a third of a second a run: files share it)."""
    formats = data.draw(st.lists(st.sampled_from(sorted(WRITERS)), min_size=1, max_size=3), label="formats")
    with tempfile.TemporaryDirectory() as folder:
        models, extracts = {}, []
        for part, fmt in enumerate(formats):
            rows = data.draw(files(fmt), label=f"rows of file {part}")
            content, numbers = WRITERS[fmt](data.draw, rows)
            extension = data.draw(st.sampled_from([fmt, fmt.upper()]), label="extension")
            path = Path(folder) / f"2026-01-09.part{part}.{extension}"
            path.write_bytes(gzip.compress(content) if fmt == "csv.gz" else content)
            models[str(path)] = list(zip(numbers, rows))
            extracts.append(read_extract(path, dt.date(2026, 1, 9), ORDERS))
        validated = validate_extracts(ORDERS, extracts, source_timezone="UTC", known_currencies={"USD", "EUR"},
                                      now=NOW, future_tolerance_hours=24)

    for extract in extracts:
        source = str(extract.path)
        loaded = validated.loaded[validated.loaded._source_file == source]
        rejected = validated.rejected[validated.rejected.source_file == source]
        assert extract.rows_read == len(models[source]) == len(loaded) + len(rejected)
        assert _loaded_values(loaded) == {n: r.expected for n, r in models[source] if r.expected is not None}
        quarantined = sorted((n, rule, column if isinstance(column, str) else None)
                             for n, rule, column in zip(rejected.row_number, rejected.rule, rejected.column_name))
        assert quarantined == sorted((n, r.rule, r.column) for n, r in models[source] if r.expected is None)


@EXAMPLES
@given(data=st.data())
def test_the_record_by_record_reader_agrees_with_arrow_on_every_file_arrow_reads_line_by_line(data):
    """The fast path and the slow path of the CSV reader give the same rows and numbers: whichever reads a
    file, no row's outcome depends on another row."""
    from cx_pipeline.extracts import _read_csv_by_record

    rows = [r for r in data.draw(files("csv"), label="rows") if r.expected is not None]
    content, _ = write_csv(data.draw, rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "2026-01-09.csv"
        path.write_bytes(content)
        extract = read_extract(path, dt.date(2026, 1, 9), ORDERS)
    text = content.decode("utf-8").removeprefix("\ufeff")
    header_end = text.index("\n") + 1
    table, numbers, unreadable = _read_csv_by_record(text, header_end, text[:header_end].rstrip("\r\n").split(","))
    names = [n.strip().lower() for n in table.column_names]
    slow = {int(n): dict(zip(names, values)) for n, values in zip(numbers, zip(*table.to_pydict().values()))}
    fast = {int(n): {c: row[c] for c in names} for n, row in zip(extract.row_numbers, extract.table.to_pylist())}
    assert not unreadable and not extract.unreadable
    assert fast == slow


@settings(max_examples=150, deadline=None, database=None)
@given(content=st.binary(max_size=300) | st.builds(
    lambda good, at, noise: good[:at] + noise + good[at:],
    st.just(b"order_id,ordered_at,updated_at,status,amount\nO1,2026-01-09T10:00:00Z,2026-01-09T10:00:00Z,"
            b'completed,"12.5"\nO2,2026-01-09,2026-01-09,completed,3\n'),
    st.integers(0, 110), st.binary(min_size=1, max_size=8)),
    fmt=st.sampled_from(sorted(WRITERS)))
def test_any_bytes_are_read_row_by_row_or_rejected_whole(content, fmt):
    """Whatever the bytes: an ExtractError naming the file, or every record loaded or quarantined."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"2026-01-09.{fmt}"
        path.write_bytes(content)
        try:
            extract, validated = read_and_validate(path)
        except ExtractError as error:
            assert str(path) in str(error)
            return
    assert extract.rows_read == len(validated.loaded) + len(validated.rejected)


_NAMES = st.builds(
    lambda date, part, ext: f"{date}{part}.{ext}",
    st.dates(dt.date(2026, 1, 1), dt.date(2026, 3, 31)).map(str)
    | st.builds(lambda y, m, d: f"{y}-{m}-{d}", st.just(2026),
                st.integers(0, 13).map(str) | st.sampled_from(["01", "1"]),
                st.integers(0, 32).map(str) | st.sampled_from(["09", "9"]))
    | st.sampled_from(["latest", "orders", "01-20-2026", "20260120"]),
    st.sampled_from(["", ".part2", "_late"]),
    st.sampled_from(["csv", "CSV", "csv.gz", "Csv.Gz", "jsonl", "parquet", "xlsx", "json", "csv.tmp"]))


@settings(max_examples=100, deadline=None, database=None)
@given(names=st.sets(_NAMES, max_size=12))
def test_no_file_of_an_entity_folder_is_skipped_without_a_word(names):
    """A file whose name starts like a date belongs to one extract date (a real one, read; otherwise the
    date it sorts into fails); one with an extract's extension and no date is named as undated."""
    with tempfile.TemporaryDirectory() as folder:
        entity_folder = Path(folder) / ORDERS.path
        entity_folder.mkdir(parents=True)
        for name in names:
            (entity_folder / name).write_bytes(b"")
        listing = list_extracts(Path(folder), ORDERS, dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    readable = {p.name for paths in listing.readable.values() for p in paths}
    failed = {Path(e.path).name for errors in listing.failed.values() for e in errors}
    undated = {p.name for p in listing.undated}
    assert readable.isdisjoint(failed) and (readable | failed).isdisjoint(undated)
    assert readable | failed | undated == {n for n in names if re.match(r"\d{4}-\d{1,2}-\d{1,2}(?!\d)", n)
                                           or n.lower().endswith((".csv", ".csv.gz", ".jsonl", ".parquet"))}
    for date, paths in listing.readable.items():
        assert all(p.name.startswith(date.isoformat()) and p.suffix.lower() in (".csv", ".gz", ".jsonl", ".parquet")
                   for p in paths)
    for date, errors in listing.failed.items():
        for error in errors:
            name = Path(error.path).name
            real = name[:10] == date.isoformat()
            assert ("is not an extract" in error.problem) == real
            assert (f"held against {date}" in error.problem) == (not real)
