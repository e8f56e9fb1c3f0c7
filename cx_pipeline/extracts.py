"""Find extract files (SPEC §1 layout) and read them, whatever their format, into text columns.

Every value is read as text here; types are parsed in one place, by validation, so that a value that
does not parse becomes a quarantined row and not a reader error.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import gzip
import io
import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cx_pipeline.entities import Entity

EXTENSIONS = ("csv", "csv.gz", "jsonl", "parquet")
_DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})")

ROW_NUMBER = "_row_number"
SOURCE_FILE = "_source_file"
EXTRACT_DATE = "_extract_date"


class ExtractError(Exception):
    """A file that cannot be read at all; its message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclasses.dataclass
class Unreadable:
    """A record that could not be split into columns (bad JSON line, wrong number of CSV fields)."""

    row_number: int
    raw: str
    rule: str


@dataclasses.dataclass
class Extract:
    """One file's records as Arrow text columns, with the records that could not be split."""

    path: Path
    extract_date: dt.date
    table: pa.Table
    """Every column of the entity (empty where the file lacks it), then the file's unknown columns."""
    row_numbers: np.ndarray
    """The 1-based record number in the file of each row of ``table``."""
    unreadable: list[Unreadable]
    extra_columns: list[str]

    @property
    def rows_read(self) -> int:
        return len(self.row_numbers) + len(self.unreadable)


def extract_format(path: Path) -> str | None:
    name = path.name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith("." + ext):
            return ext
    return None


def files_by_date(raw_dir: Path, entity: Entity, start: dt.date, end: dt.date) -> dict[dt.date, list[Path]]:
    """The extract files of ``entity`` whose name starts with a date in [start, end], by date."""
    folder = Path(raw_dir) / entity.path
    found: dict[dt.date, list[Path]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        match = _DATED_NAME.match(path.name)
        if not path.is_file() or not match or extract_format(path) is None:
            continue
        try:
            date = dt.date.fromisoformat(match.group(1))
        except ValueError:
            continue
        if start <= date <= end:
            found.setdefault(date, []).append(path)
    return found


def read_extract(path: Path, extract_date: dt.date, entity: Entity) -> Extract:
    """Read one file into text columns named as in SPEC §1 (trimmed, lower-cased)."""
    fmt = extract_format(path)
    try:
        if fmt in ("csv", "csv.gz"):
            table, row_numbers, unreadable = _read_csv(path)
        elif fmt == "jsonl":
            table, row_numbers, unreadable = _read_jsonl(path)
        else:
            table, unreadable = _read_parquet(path), []
            row_numbers = np.arange(1, table.num_rows + 1, dtype="int64")
    except UnicodeDecodeError:
        raise ExtractError(path, "is not valid UTF-8 text") from None
    except (pa.ArrowInvalid, OSError, EOFError, gzip.BadGzipFile, csv.Error) as exc:
        if "invalid UTF8" in str(exc):
            raise ExtractError(path, "is not valid UTF-8 text") from None
        raise ExtractError(path, f"cannot be read as {fmt}: {_first_line(exc)}") from None

    names = [str(c).strip().lower() for c in table.column_names]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ExtractError(path, f"column {duplicated[0]!r} appears more than once")
    table = table.rename_columns(names)
    has_records = bool(names) or fmt in ("csv", "csv.gz", "parquet")
    missing = [c for c in entity.required if c not in names]
    if missing and has_records:
        raise ExtractError(path, f"missing required column {missing[0]!r}"
                           + (f" (and {', '.join(missing[1:])})" if missing[1:] else ""))
    known = [c.name for c in entity.columns]
    extra = [c for c in names if c not in known]
    # The row count comes from the row numbers: a JSON line of {} is a record with no columns at all.
    columns = [table.column(c) if c in names else pa.nulls(len(row_numbers), pa.string()) for c in known + extra]
    return Extract(path, extract_date, pa.table(columns, names=known + extra), row_numbers, unreadable, extra)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _open_text(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _read_csv(path: Path) -> tuple[pa.Table, np.ndarray, list[Unreadable]]:
    with _open_text(path) as handle:
        header = next(csv.reader(handle), None)
    if header is None:
        raise ExtractError(path, "is empty: a CSV extract needs a header row")
    names = [h.strip().lower() for h in header]
    invalid: list[object] = []

    def skip(row: object) -> str:
        invalid.append(row)
        return "skip"

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True,
            null_values=[""], quoted_strings_can_be_null=True,
        ),
    )
    if invalid:
        # Rows of the wrong width are rare: re-read record by record so that every row keeps its number.
        return _read_csv_by_record(path, names)
    return table, np.arange(1, table.num_rows + 1, dtype="int64"), []


def _read_csv_by_record(path: Path, names: list[str]) -> tuple[pa.Table, np.ndarray, list[Unreadable]]:
    rows, numbers, unreadable = [], [], []
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        next(reader)
        for number, record in enumerate(reader, start=1):
            if len(record) != len(names):
                unreadable.append(Unreadable(number, ",".join(record),
                                             f"wrong_field_count: expected {len(names)}, got {len(record)}"))
                continue
            rows.append({name: value if value != "" else None for name, value in zip(names, record)})
            numbers.append(number)
    return _text_table(rows, names), np.array(numbers, dtype="int64"), unreadable


def _read_jsonl(path: Path) -> tuple[pa.Table, np.ndarray, list[Unreadable]]:
    records, numbers, unreadable = [], [], []
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                unreadable.append(Unreadable(number, line.rstrip("\r\n"), f"invalid_json: {exc.msg}"))
                continue
            if not isinstance(record, dict):
                unreadable.append(Unreadable(number, line.rstrip("\r\n"), "invalid_json: not an object"))
                continue
            records.append({str(k): _json_text(v) for k, v in record.items()})
            numbers.append(number)
    names = list(dict.fromkeys(k for record in records for k in record))
    return _text_table(records, names), np.array(numbers, dtype="int64"), unreadable


def _text_table(records: list[dict[str, str | None]], names: list[str]) -> pa.Table:
    """Records (dicts of text, some keys missing) as an Arrow table of text columns."""
    return pa.table({name: pa.array([r.get(name) for r in records], type=pa.string()) for name in names})


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _read_parquet(path: Path) -> pa.Table:
    table = pq.read_table(path)
    return pa.table([col.cast(pa.string()) for col in table.columns], names=table.column_names)
