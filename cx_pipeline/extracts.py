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

import pandas as pd
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
    """One file's records as text columns, with the records that could not be split."""

    path: Path
    extract_date: dt.date
    frame: pd.DataFrame
    unreadable: list[Unreadable]
    extra_columns: list[str]

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.unreadable)


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
            frame, unreadable = _read_csv(path)
        elif fmt == "jsonl":
            frame, unreadable = _read_jsonl(path)
        else:
            frame, unreadable = _read_parquet(path), []
    except UnicodeDecodeError:
        raise ExtractError(path, "is not valid UTF-8 text") from None
    except (pa.ArrowInvalid, OSError, EOFError, gzip.BadGzipFile, csv.Error) as exc:
        if "invalid UTF8" in str(exc):
            raise ExtractError(path, "is not valid UTF-8 text") from None
        raise ExtractError(path, f"cannot be read as {fmt}: {_first_line(exc)}") from None

    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if frame.columns.duplicated().any():
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise ExtractError(path, f"column {dupes[0]!r} appears more than once")
    has_records = len(frame.columns) > 0 or fmt in ("csv", "csv.gz", "parquet")
    missing = [c for c in entity.required if c not in frame.columns]
    if missing and has_records:
        raise ExtractError(path, f"missing required column {missing[0]!r}"
                           + (f" (and {', '.join(missing[1:])})" if missing[1:] else ""))
    known = {c.name for c in entity.columns}
    extra = [c for c in frame.columns if c not in known]
    for column in entity.columns:
        if column.name not in frame.columns:
            frame[column.name] = None
    return Extract(path, extract_date, frame, unreadable, extra)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _open_text(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[Unreadable]]:
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
    frame = table.to_pandas()
    frame.columns = names
    return frame, []


def _read_csv_by_record(path: Path, names: list[str]) -> tuple[pd.DataFrame, list[Unreadable]]:
    rows, numbers, unreadable = [], [], []
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        next(reader)
        for number, record in enumerate(reader, start=1):
            if len(record) != len(names):
                unreadable.append(Unreadable(number, ",".join(record),
                                             f"wrong_field_count: expected {len(names)}, got {len(record)}"))
                continue
            rows.append([v if v != "" else None for v in record])
            numbers.append(number)
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    frame.index = pd.Index(numbers) - 1
    return frame, unreadable


def _read_jsonl(path: Path) -> tuple[pd.DataFrame, list[Unreadable]]:
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
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    frame = frame.astype(object)
    frame.index = pd.Index(numbers, dtype="int64") - 1
    return frame, unreadable


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _read_parquet(path: Path) -> pd.DataFrame:
    table = pq.read_table(path)
    columns = [
        col if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) else col.cast(pa.string())
        for col in table.columns
    ]
    return pa.Table.from_arrays(columns, names=table.column_names).to_pandas()
