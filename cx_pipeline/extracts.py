"""Find extract files (SPEC §1 layout) and read them, whatever their format, into text columns.

Every value is read as text here; types are parsed in one place, by validation, so that a value that
does not parse becomes a quarantined row and not a reader error. Whatever the bytes, a file is either
read record by record (each record a row, or an ``Unreadable`` record for the quarantine) or rejected
whole with an ``ExtractError`` naming it (SPEC §3).

Row numbers (``_row_number``, and ``row_number`` in the quarantine) say where a record is in its file:
- CSV: the line on which the record starts, counting the first line after the header as 1. Blank
  lines are not records, but they are lines: they move the numbers of the records after them on, as a
  value spanning several lines does.
- JSONL: the line number (blank lines count as lines, and are not records).
- Parquet: the row's position in the file, from 1.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import gzip
import io
import json
import os
import re
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cx_pipeline.entities import ColumnType, Entity

EXTENSIONS = ("csv", "csv.gz", "jsonl", "parquet")

ROW_NUMBER = "_row_number"
SOURCE_FILE = "_source_file"
EXTRACT_DATE = "_extract_date"

_DATE_SHAPED = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
"""A name that starts like a date: four digits for the year, one or two for the month and the day."""
_BYTE_ORDER_MARK = "\ufeff"
_FIELD_END = re.compile(r"[,\r\n]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_JSON = json.JSONDecoder()


class ExtractError(Exception):
    """A file that cannot be read at all; its message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem

    def __reduce__(self):
        # Raised in a worker process, it reaches the run through pickle, which by default would call the
        # class with the message alone.
        return ExtractError, (self.path, self.problem)


@dataclasses.dataclass
class Unreadable:
    """A record that could not be taken as a row: a bad JSON line, a CSV record of the wrong width or
    with a quote that never closes, a value no warehouse can store as text."""

    row_number: int
    raw: str
    """The record as read. A NUL character is written as ``\\u0000``: no warehouse text holds it."""
    rule: str
    detail: str
    column: str | None = None

    def __post_init__(self) -> None:
        self.raw = self.raw.replace("\x00", "\\u0000")


@dataclasses.dataclass
class Extract:
    """One file's records as Arrow text columns, with the records that could not be taken as rows."""

    path: Path
    extract_date: dt.date
    table: pa.Table
    """Every column of the entity (empty where the file lacks it), then the file's unknown columns."""
    row_numbers: np.ndarray
    """Where each row of ``table`` is in its file (see the module's docstring)."""
    unreadable: list[Unreadable]
    extra_columns: list[str]
    extra_json: list[str | None] | None = None
    """Of a vendor object: each row's fields that no column reads, as a JSON object (None when none)."""

    @property
    def rows_read(self) -> int:
        return len(self.row_numbers) + len(self.unreadable)


@dataclasses.dataclass
class ExtractFiles:
    """An entity's files for a range of extract dates, as its raw load takes them."""

    readable: dict[dt.date, list[Path]]
    """Files named ``<date>…<ext>``, the date real and in the range, the extension an extract format."""
    failed: dict[dt.date, list[ExtractError]]
    """Files that hold back an extract date of the range: the date in the name is not a real one written
    YYYY-MM-DD (``2026-02-30``, ``2026-1-20``: held against the last real date at or before it, where
    the name sorts), or the extension is not an extract format."""
    undated: list[Path]
    """Files with an extract format's extension and no date at the start of the name: they belong to
    no extract date and are never loaded; every run of the entity names them."""

    @property
    def size(self) -> int:
        """Bytes of the readable files: what reading and validating them takes grows with it."""
        return sum(path.stat().st_size for paths in self.readable.values() for path in paths)


def extract_format(path: Path) -> str | None:
    name = path.name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith("." + ext):
            return ext
    return None


def list_extracts(raw_dir: Path, entity: Entity, start: dt.date, end: dt.date) -> ExtractFiles:
    """Sort the files of ``entity``'s folder by the extract date they belong to (SPEC §1: everything
    whose name starts with the date). Hidden files (``.name``) are no extracts and are left alone."""
    files = ExtractFiles({}, {}, [])
    folder = Path(raw_dir) / entity.path
    if not folder.is_dir():
        return files
    # Entries of a directory scan know whether they are files without a stat each: a nightly run looks at
    # a year's files of every entity.
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        if not entry.is_file() or entry.name.startswith("."):
            continue
        path = Path(entry.path)
        shaped = _DATE_SHAPED.match(path.name)
        if not shaped:
            if extract_format(path):
                files.undated.append(path)
            continue
        date = _last_real_date(*(int(part) for part in shaped.groups()))
        if date is None or not start <= date <= end:
            continue
        if shaped.group(0) != date.isoformat():
            problem = (f"{shaped.group(0)} in the name is not a real date written YYYY-MM-DD; the file is held "
                       f"against {date}, where it sorts")
        elif extract_format(path) is None:
            problem = "is not an extract: the name does not end in " + ", ".join("." + e for e in EXTENSIONS)
        else:
            files.readable.setdefault(date, []).append(path)
            continue
        files.failed.setdefault(date, []).append(
            ExtractError(path, f"{problem}: rename it to its extract date (or remove it) and run {date} again"))
    return files


def _last_real_date(year: int, month: int, day: int) -> dt.date | None:
    """The last real date at or before (year, month, day) in calendar order: where a name sorts among real
    dates. None before year 1."""
    if month > 12:
        month, day = 12, 31
    elif month < 1:
        year, month, day = year - 1, 12, 31
    elif day < 1:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        day = 31
    if year < 1:
        return None
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def read_extract(path: Path, extract_date: dt.date, entity: Entity) -> Extract:
    """Read one file into text columns named as in SPEC §1 (trimmed, lower-cased), or as the vendor object's
    columns (SPEC §6)."""
    if entity.vendor:
        return _read_vendor_extract(path, extract_date, entity)
    fmt = extract_format(path)
    try:
        if fmt == "parquet":
            names, table, row_numbers, unreadable = _read_parquet(path)
        else:
            data = _decompressed(path) if fmt == "csv.gz" else path.read_bytes()
            text = _utf8_text(path, data)
            if fmt == "jsonl":
                names, table, row_numbers, unreadable = _read_jsonl(text)
            else:
                names, table, row_numbers, unreadable = _read_csv(path, data, text)
    except OSError as exc:
        raise ExtractError(path, f"cannot be read: {exc.strerror or exc}") from None
    except pa.ArrowException as exc:
        raise ExtractError(path, f"cannot be read as {fmt}: {_first_line(exc)}") from None

    names = [str(c).strip().lower() for c in names]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ExtractError(path, f"column {duplicated[0]!r} appears more than once")
    table = table.rename_columns(names)
    has_records = bool(names) or fmt != "jsonl"
    missing = [c for c in entity.required if c not in names]
    if missing and has_records:
        raise ExtractError(path, f"missing required column {missing[0]!r}"
                           + (f" (and {', '.join(missing[1:])})" if missing[1:] else ""))
    known = [c.name for c in entity.columns]
    extra = [c for c in names if c not in known]
    # The row count comes from the row numbers: a JSON line of {} is a record with no columns at all.
    columns = [table.column(c) if c in names else pa.nulls(len(row_numbers), pa.string()) for c in known + extra]
    table, row_numbers = _without_nul_rows(pa.table(columns, names=known + extra), row_numbers, known, unreadable)
    return Extract(path, extract_date, table, row_numbers, unreadable, extra)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _decompressed(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ExtractError(path, f"cannot be read as csv.gz: {_first_line(exc)}") from None


def _utf8_text(path: Path, data: bytes) -> str:
    """The file's text, without a byte-order mark; a file that is not UTF-8 is rejected whole, naming the
    line of the first byte that does not decode."""
    try:
        return data.decode("utf-8").removeprefix(_BYTE_ORDER_MARK)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ExtractError(path, f"is not valid UTF-8 text (line {line}: byte 0x{data[exc.start]:02x})") from None


def _text_table(columns: list[list[str | None]], names: list[str]) -> pa.Table:
    """Columns of text (None where missing) as an Arrow table."""
    return pa.table([pa.array(values, type=pa.string()) for values in columns], names=names)


def _without_nul_rows(table: pa.Table, row_numbers: np.ndarray, known: list[str],
                      unreadable: list[Unreadable]) -> tuple[pa.Table, np.ndarray]:
    """Move the rows holding a NUL character in an entity column to ``unreadable``: PostgreSQL text cannot
    store it. (Unknown columns are kept as JSON, which writes it as ``\\u0000``.)"""
    holding = [pc.fill_null(pc.match_substring(table.column(name), "\x00"), False)
               for name in known if _has_zero_byte(table.column(name))]
    holding = [marks for marks in holding if pc.any(marks).as_py()]
    if not holding:
        return table, row_numbers
    any_nul = holding[0]
    for marks in holding[1:]:
        any_nul = pc.or_(any_nul, marks)
    for index in np.flatnonzero(any_nul.to_numpy(zero_copy_only=False)):
        row = table.slice(int(index), 1).to_pylist()[0]
        column = next(name for name in known if "\x00" in (row[name] or ""))
        raw = json.dumps({k: v for k, v in row.items() if v is not None})
        unreadable.append(Unreadable(int(row_numbers[index]), raw, "invalid_text",
                                     f"{column} holds a NUL character, which warehouse text cannot store", column))
    keep = pc.invert(any_nul)
    return table.filter(keep), row_numbers[keep.to_numpy(zero_copy_only=False)]


def _has_zero_byte(column: pa.ChunkedArray) -> bool:
    """Whether any byte of the column's text is 0: a scan of its buffers, far cheaper than matching text."""
    return any(chunk.buffers()[2] is not None and not np.frombuffer(chunk.buffers()[2], dtype="uint8").all()
               for chunk in column.chunks)


# --- CSV ---------------------------------------------------------------------------------------------

def _read_csv(path: Path, data: bytes, text: str) -> tuple[list[str], pa.Table, np.ndarray, list[Unreadable]]:
    """Arrow reads the file when every record is one well-formed line (the hot path); any other file is
    read record by record, and both ways give the same rows, numbers and quarantined records."""
    start = len(text) - len(text.lstrip("\r\n"))
    if start == len(text):
        raise ExtractError(path, "is empty: a CSV extract needs a header row")
    names, _, body_start, closed = _parse_record(text, start)
    if not closed:
        raise ExtractError(path, "the header's quoted name is never closed")
    byte_order_mark = len(_BYTE_ORDER_MARK.encode("utf-8")) if data.startswith(_BYTE_ORDER_MARK.encode("utf-8")) else 0
    body = data[byte_order_mark + len(text[:body_start].encode("utf-8")):]
    if not _content_end(body):
        return names, _text_table([[] for _ in names], names), np.zeros(0, dtype="int64"), []
    table = _arrow_csv(body, names)
    if table is not None and _one_line_per_record(body, table.num_rows) and not _ends_inside_quotes(body):
        return names, table, np.arange(1, table.num_rows + 1, dtype="int64"), []
    return (names, *_read_csv_by_record(text, body_start, names))


def _arrow_csv(body: bytes, names: list[str]) -> pa.Table | None:
    """The records after the header as read by Arrow, or None where Arrow cannot read them as they stand
    (a record of the wrong width)."""
    try:
        return pacsv.read_csv(
            io.BytesIO(body),
            # One block for the whole file: a quoted value longer than a block cannot straddle blocks.
            read_options=pacsv.ReadOptions(column_names=names, block_size=max(len(body) + 1, 1 << 20)),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""],
                quoted_strings_can_be_null=True, check_utf8=False,  # the text was decoded already
            ),
        )
    except pa.ArrowInvalid:
        return None


def _one_line_per_record(body: bytes, records: int) -> bool:
    """Whether the body, up to its last record, has as many lines as Arrow found records: no blank line
    (Arrow skips it, and so does not count it), no value spanning lines, no lines swallowed after an
    unclosed quote. Only then are the row numbers 1, 2, 3, … without reading record by record."""
    end = _content_end(body)
    breaks = body.count(b"\n", 0, end)
    if b"\r" in body:
        breaks += body.count(b"\r", 0, end) - body.count(b"\r\n", 0, end)
    return breaks + 1 == records


def _ends_inside_quotes(body: bytes) -> bool:
    """Whether the last record opens a quote it never closes (Arrow takes the rest of the file as its
    value, the record-by-record reader quarantines it)."""
    end = _content_end(body)
    last_line = body[max(body.rfind(b"\n", 0, end), body.rfind(b"\r", 0, end)) + 1:end]
    return b'"' in last_line and not _parse_record(last_line.decode("utf-8"), 0)[3]


def _content_end(body: bytes) -> int:
    """Where the body ends without its trailing line breaks."""
    end = len(body)
    while end and body[end - 1] in b"\r\n":
        end -= 1
    return end


def _line_breaks(text: str, start: int, end: int) -> int:
    breaks = text.count("\n", start, end)
    return breaks + text.count("\r", start, end) - text.count("\r\n", start, end)


def _parse_record(text: str, pos: int) -> tuple[list[str], int, int, bool]:
    """The CSV record starting at ``pos``: its fields, where its content ends, where the next record
    starts, and whether its quotes close. RFC 4180 read as leniently as Arrow reads it: a quote opens a
    quoted value only at the start of a field, and text after a closing quote joins the value."""
    fields: list[str] = []
    end = len(text)
    while True:
        value = []
        if text.startswith('"', pos):
            pos += 1
            while True:
                quote = text.find('"', pos)
                if quote < 0:
                    fields.append("".join(value) + text[pos:])
                    return fields, end, end, False
                value.append(text[pos:quote])
                if text.startswith('"', quote + 1):
                    value.append('"')
                    pos = quote + 2
                else:
                    pos = quote + 1
                    break
        delimiter = _FIELD_END.search(text, pos)
        stop = end if delimiter is None else delimiter.start()
        value.append(text[pos:stop])
        fields.append("".join(value))
        if delimiter is None:
            return fields, end, end, True
        if text[stop] != ",":
            return fields, stop, stop + 2 if text.startswith("\r\n", stop) else stop + 1, True
        pos = stop + 1


def _read_csv_by_record(text: str, pos: int, names: list[str]) -> tuple[pa.Table, np.ndarray, list[Unreadable]]:
    """Every record after the header, one at a time: blank lines are skipped; a record of the wrong
    width is quarantined; a quote that opens a value spanning lines which never makes a record of the
    right width (it is never closed, or the record it makes is too wide or narrow) quarantines the line
    it opens on alone, and reading goes on at the next line, so that no row is swallowed into another."""
    rows, numbers, unreadable = [], [], []
    line = 1
    while pos < len(text):
        blank = _LINE_BREAK.match(text, pos)
        if blank:
            pos, line = blank.end(), line + 1
            continue
        fields, content_end, next_pos, closed = _parse_record(text, pos)
        spanned = _line_breaks(text, pos, content_end)
        if closed and len(fields) == len(names):
            rows.append([value if value != "" else None for value in fields])
            numbers.append(line)
        elif spanned == 0:
            rule, detail = ("wrong_field_count", f"expected {len(names)} fields, got {len(fields)}") if closed else \
                ("unclosed_quote", "the quoted value opened on this line is never closed")
            unreadable.append(Unreadable(line, text[pos:content_end], rule, detail))
        else:
            first_line_end = _LINE_BREAK.search(text, pos)
            unreadable.append(Unreadable(
                line, text[pos:first_line_end.start()], "unclosed_quote",
                "the quoted value opened on this line " + ("is never closed" if not closed else
                f"runs over {spanned} more line(s) into a record of {len(fields)} fields, not {len(names)}")))
            next_pos, spanned = first_line_end.end(), 0
        pos, line = next_pos, line + spanned + 1
    columns = [list(values) for values in zip(*rows)] if rows else [[] for _ in names]
    return _text_table(columns, names), np.array(numbers, dtype="int64"), unreadable


# --- JSONL -------------------------------------------------------------------------------------------

def _json_lines(text: str) -> Iterator[tuple[int, str, dict | Unreadable]]:
    """Each non-blank line's number, its text and the JSON object it holds, or why it holds none: not JSON
    or not an object (``invalid_json``), or two keys that are one name matched as column names are, trimmed
    and case-insensitive (``duplicate_field``)."""
    # The objects of a file mostly share one set of keys: each set is checked once.
    distinct: dict[tuple[str, ...], bool] = {}
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if not line.strip():
            continue
        raw = line.rstrip("\r\n")
        try:
            record = _JSON.decode(line)
        except (ValueError, RecursionError) as exc:
            yield number, raw, Unreadable(number, raw, "invalid_json", getattr(exc, "msg", "nested too deeply"))
            continue
        if not isinstance(record, dict):
            yield number, raw, Unreadable(number, raw, "invalid_json", "not an object")
            continue
        keys = tuple(record)
        if keys not in distinct:
            distinct[keys] = len({key.strip().lower() for key in keys}) == len(keys)
        if not distinct[keys]:
            yield number, raw, Unreadable(number, raw, "duplicate_field",
                                          "two keys are the same name (keys match trimmed and case-insensitively)")
            continue
        yield number, raw, record


def _read_jsonl(text: str) -> tuple[list[str], pa.Table, np.ndarray, list[Unreadable]]:
    """One JSON object per line (``_json_lines``), its keys as column names; a string holding a lone
    surrogate (``"\\ud800"``), which is no Unicode text at all, cannot be taken."""
    records, numbers, unreadable = [], [], []
    names: dict[str, None] = {}
    named: set[tuple[str, ...]] = set()
    for number, raw, record in _json_lines(text):
        if isinstance(record, Unreadable):
            unreadable.append(record)
            continue
        keys = tuple(record)
        fields = {key.strip().lower(): v if v is None or v.__class__ is str else _json_text(v)
                  for key, v in record.items()}
        surrogate = _lone_surrogate(fields) if "\\u" in raw else None
        if surrogate is not None:
            unreadable.append(Unreadable(number, raw, "invalid_text",
                                         f"{surrogate} holds a lone surrogate, which is no Unicode text", surrogate))
            continue
        if keys not in named:
            names.update(dict.fromkeys(fields))
            named.add(keys)
        records.append(fields)
        numbers.append(number)
    ordered = list(names)
    return ordered, _text_table([[r.get(n) for r in records] for n in ordered], ordered), \
        np.array(numbers, dtype="int64"), unreadable


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, default=str)


def _lone_surrogate(fields: dict[str, str | None]) -> str | None:
    """The first key whose name or text cannot be encoded as UTF-8 (a lone surrogate), if any, as
    printable text."""
    for key, value in fields.items():
        try:
            key.encode("utf-8")
            (value or "").encode("utf-8")
        except UnicodeEncodeError:
            return key.encode("utf-8", "backslashreplace").decode("utf-8")
    return None


# --- Parquet -----------------------------------------------------------------------------------------

def _read_parquet(path: Path) -> tuple[list[str], pa.Table, np.ndarray, list[Unreadable]]:
    table = pq.read_table(path)
    columns = [_as_text(path, name, column) for name, column in zip(table.column_names, table.columns)]
    return table.column_names, pa.table(columns, names=table.column_names), \
        np.arange(1, table.num_rows + 1, dtype="int64"), []


def _as_text(path: Path, name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A Parquet column as text: cast where Arrow can (numbers, timestamps, text); written as JSON value
    by value where it cannot (lists, structs, maps: a nested column is kept, not a reason to fail)."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        try:
            column.validate(full=True)  # Parquet readers take string columns on trust
        except pa.ArrowInvalid:
            raise ExtractError(path, f"is not valid UTF-8 text (column {name!r})") from None
    try:
        return column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.chunked_array([pa.array([_json_text(v) for v in column.to_pylist()], type=pa.string())])


# --- Vendor objects (SPEC §6) ------------------------------------------------------------------------

def _read_vendor_extract(path: Path, extract_date: dt.date, entity: Entity) -> Extract:
    """A vendor object's file: each record is one object as the vendor's API returns it (a JSONL line; a
    Parquet row, nested columns kept; a row of the vendor's own CSV export, turned into that object). In
    any format a field may also be named by its path, ``via.channel``, or as dlt flattens nested fields,
    ``via__channel``. Fields the object's ``derive`` computes are added to it first. Each column's value is
    read from the object by its path; the fields no column reads are kept as ``_extra``. A path the object
    lacks is a missing value, not a reason to fail the file."""
    fmt = extract_format(path)
    try:
        if fmt == "parquet":
            table = pq.read_table(path)
            objects = [_unflattened(row) for row in table.to_pylist()]
            numbers, unreadable = list(range(1, table.num_rows + 1)), []
        else:
            data = _decompressed(path) if fmt == "csv.gz" else path.read_bytes()
            text = _utf8_text(path, data)
            if fmt == "jsonl":
                objects, numbers, unreadable = _read_json_objects(text)
                objects = [_unflattened(obj) for obj in objects]
            else:
                objects, numbers, unreadable = _read_csv_objects(path, entity, data, text)
    except OSError as exc:
        raise ExtractError(path, f"cannot be read: {exc.strerror or exc}") from None
    except pa.ArrowException as exc:
        raise ExtractError(path, f"cannot be read as {fmt}: {_first_line(exc)}") from None

    known = [c.name for c in entity.columns]
    values: list[list[str | None]] = [[] for _ in known]
    extra: list[str | None] = []
    read_keys = {c.keys[0].lower() for c in entity.columns}
    for obj in objects:
        if entity.derive is not None:
            obj = {**obj, **entity.derive(obj)}
        lowered = _lowered_keys(obj)
        for column, out in zip(entity.columns, values):
            out.append(_column_text(_at_path(obj, column.keys, lowered), column.type))
        rest = {key: value for key, value in obj.items() if key.strip().lower() not in read_keys}
        extra.append(json.dumps(rest, default=str) if rest else None)
    table = _text_table(values, known)
    row_numbers = np.array(numbers, dtype="int64")
    # Rows holding a NUL character in a column leave the table: their _extra goes with them.
    kept_before = len(row_numbers)
    table, kept_numbers = _without_nul_rows(table, row_numbers, known, unreadable)
    if len(kept_numbers) != kept_before:
        keep = set(kept_numbers.tolist())
        extra = [e for e, n in zip(extra, numbers) if n in keep]
    return Extract(path, extract_date, table, kept_numbers, unreadable, [], extra)


def _read_json_objects(text: str) -> tuple[list[dict], list[int], list[Unreadable]]:
    """One JSON object per line (``_json_lines``), as the vendor's API returns it, nested fields and all;
    an object holding a lone surrogate anywhere cannot be taken."""
    objects, numbers, unreadable = [], [], []
    for number, raw, record in _json_lines(text):
        if isinstance(record, Unreadable):
            unreadable.append(record)
            continue
        if "\\u" in raw:
            try:
                json.dumps(record, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                unreadable.append(Unreadable(number, raw, "invalid_text",
                                             "holds a lone surrogate, which is no Unicode text"))
                continue
        objects.append(record)
        numbers.append(number)
    return objects, numbers, unreadable


def _read_csv_objects(path: Path, entity: Entity, data: bytes, text: str) -> tuple[list[dict], list[int],
                                                                                   list[Unreadable]]:
    """A CSV of a vendor object: the vendor's own export where the object has one (its function turns the
    records into objects), else columns named by the fields' paths."""
    names, table, row_numbers, unreadable = _read_csv(path, data, text)
    rows, numbers = table.to_pylist(), row_numbers.tolist()
    if entity.csv_export is not None:
        try:
            objects, numbers, rejected = entity.csv_export(names, rows, numbers)
        except ValueError as exc:
            raise ExtractError(path, str(exc)) from None
        return objects, numbers, unreadable + [Unreadable(*r) for r in rejected]
    objects = [_unflattened(row) for row in rows]
    present = {name.strip().lower().replace("__", ".") for name in names}
    missing = [c.label for c in entity.columns if c.required and c.label.lower() not in present]
    if missing:
        raise ExtractError(path, f"missing required column {missing[0]!r}"
                           + (f" (and {', '.join(missing[1:])})" if missing[1:] else ""))
    return objects, numbers, unreadable


def _unflattened(row: dict) -> dict:
    """A row or object whose names may be paths (``via.channel``, or ``via__channel`` as dlt flattens nested
    fields) as the nested object they name, merged with the nested objects it holds; empty values are left
    out."""
    nested: dict = {}
    for name, value in row.items():
        if value is None:
            continue
        keys = str(name).strip().replace("__", ".").split(".")
        node = nested
        for key in keys[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        before = node.get(keys[-1])
        node[keys[-1]] = {**before, **value} if isinstance(before, dict) and isinstance(value, dict) else value
    return nested


def _lowered_keys(obj: dict) -> dict[str, str]:
    return {key.strip().lower(): key for key in obj}


def _at_path(obj: object, keys: tuple[str, ...], lowered: dict[str, str] | None = None) -> object:
    """The value at ``keys`` in a nested object (keys matched trimmed and case-insensitively), None when the
    object has no such path."""
    for number, key in enumerate(keys):
        if not isinstance(obj, dict):
            return None
        if key in obj:
            obj = obj[key]
            continue
        names = lowered if number == 0 and lowered is not None else _lowered_keys(obj)
        found = names.get(key.lower())
        if found is None:
            return None
        obj = obj[found]
    return obj


def _column_text(value: object, type_: ColumnType) -> str | None:
    """A value read from an object as the text the validation parses: scalars as written, a nested value
    as JSON. A number in a timestamp column is Unix seconds (Stripe's way): it becomes ISO 8601 in UTC, or,
    beyond the dates Python knows, stays as written, to be quarantined as no timestamp."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    if type_ == "timestamp" and isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            pass
    return _json_text(value)
