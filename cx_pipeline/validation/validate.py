"""Validate the extracts of one entity: parse every column, run its Great Expectations suite once over
all files of the run, and split the rows into loaded and quarantined (SPEC §3)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa

from cx_pipeline.entities import Entity
from cx_pipeline.extracts import EXTRACT_DATE, ROW_NUMBER, SOURCE_FILE, Extract
from cx_pipeline.validation.parsing import clean_text, parse_column
from cx_pipeline.validation.suites import (EARLIEST_TIMESTAMP, LARGEST_NUMBER, PARSES, PRESENT, build_rules,
                                           columns_checked, run_suite)

EXTRA = "_extra"
QUARANTINE_COLUMNS = ["entity", "extract_date", "source_file", "row_number", "raw_row", "rule", "column_name", "detail"]


@dataclasses.dataclass(frozen=True)
class ExpectationOutcome:
    rule: str
    column: str
    success: bool
    unexpected_count: int
    quarantines: bool


@dataclasses.dataclass
class ValidatedExtracts:
    entity: Entity
    loaded: pd.DataFrame
    """Typed rows that passed, with _extract_date, _source_file, _row_number and _extra."""
    rejected: pd.DataFrame
    """Rows for quarantine.rejected_rows."""
    expectations: list[ExpectationOutcome]
    rows_read: dict[str, int]
    """Rows read per source file."""


def validate_extracts(
    entity: Entity,
    extracts: list[Extract],
    *,
    source_timezone: str,
    known_currencies: set[str],
    now: dt.datetime,
    future_tolerance_hours: int,
) -> ValidatedExtracts:
    rows_read = {str(e.path): e.rows_read for e in extracts}
    unreadable = _unreadable_rows(entity, extracts)
    text = _combine(entity, extracts)
    rules = build_rules(entity, known_currencies, now, future_tolerance_hours)
    checked = columns_checked(rules)
    candidates: dict[str, pd.Series] = {SOURCE_FILE: text[SOURCE_FILE]}
    typed: dict[str, pd.Series] = {}
    for column in entity.columns:
        values = clean_text(text[column.name])
        typed[column.name], unparsed = parse_column(values, column.type, source_timezone)
        if column.name in checked:
            candidates[column.name] = typed[column.name]
        if column.required:
            candidates[column.name + PRESENT] = pd.Series(pd.array(values.notna(), dtype="boolean"),
                                                          index=values.index).where(values.notna())
        if column.type in ("timestamp", "number", "integer", "boolean", "date"):
            candidates[column.name + PARSES] = ~unparsed
    if entity.table == "helpdesk__surveys":
        typed["scale_min"] = typed["scale_min"].fillna(1.0)
        candidates["scale_min"] = typed["scale_min"]
    check = pd.DataFrame({name: _checkable(candidates[name]) for name in sorted(checked)}, index=text.index)
    outcomes = run_suite(entity, check, rules) if len(check) else [(r, True, 0, []) for r in rules]

    broken = pd.Series(None, index=text.index, dtype="object")
    broken_column = pd.Series(None, index=text.index, dtype="object")
    for rule, _success, _count, indices in outcomes:
        if not rule.quarantine or not indices:
            continue
        first_time = broken.loc[indices].isna()
        fresh = first_time[first_time].index
        broken.loc[fresh] = rule.name
        broken_column.loc[fresh] = rule.column
    rejected_mask = broken.notna()

    loaded = pd.DataFrame({name: series[~rejected_mask] for name, series in typed.items()})
    for meta in (EXTRACT_DATE, SOURCE_FILE, ROW_NUMBER, EXTRA):
        loaded[meta] = text.loc[~rejected_mask, meta]
    rejected = pd.concat([unreadable, _quarantine_rows(entity, text[rejected_mask], broken[rejected_mask],
                                                       broken_column[rejected_mask])], ignore_index=True)
    expectations = [ExpectationOutcome(r.name, r.column, ok, count, r.quarantine) for r, ok, count, _ in outcomes]
    return ValidatedExtracts(entity, loaded.reset_index(drop=True), rejected, expectations, rows_read)


_NANOSECOND_RANGE = (pd.Timestamp.min.ceil("us").as_unit("us"), pd.Timestamp.max.floor("us").as_unit("us"))


def _checkable(values: pd.Series) -> pd.Series:
    """The column as Great Expectations checks it fastest: text as categories (GX fingerprints each
    batch by hashing it, and hashes categories once each), timestamps in nanoseconds (GX compares
    those vectorised, other resolutions value by value)."""
    if pd.api.types.is_datetime64_dtype(values):
        # Nanoseconds reach 1677..2262 only; clipped to the microseconds inside that range, a year 9999
        # still compares as later than any limit, and a year 1600 as earlier.
        return values.clip(_NANOSECOND_RANGE[0], _NANOSECOND_RANGE[1]).astype("datetime64[ns]")
    if values.dtype.kind in "fiub":
        return values
    return values.astype("category")


def _combine(entity: Entity, extracts: list[Extract]) -> pd.DataFrame:
    """All files' rows in one frame with their origin; unknown columns packed as JSON in _extra."""
    known = [c.name for c in entity.columns]
    if not extracts:
        empty = {c: pd.Series(dtype="object") for c in known + [SOURCE_FILE, EXTRA]}
        return pd.DataFrame({**empty, ROW_NUMBER: pd.Series(dtype="int64"),
                             EXTRACT_DATE: pd.Series(dtype="datetime64[us]")})
    frame = pa.concat_tables([e.table.select(known) for e in extracts]).to_pandas()
    counts = [len(e.row_numbers) for e in extracts]
    frame[ROW_NUMBER] = np.concatenate([e.row_numbers for e in extracts])
    frame[SOURCE_FILE] = np.repeat(np.array([str(e.path) for e in extracts], dtype=object), counts)
    frame[EXTRACT_DATE] = np.repeat(np.array([e.extract_date for e in extracts], dtype="datetime64[us]"), counts)
    frame[EXTRA] = np.concatenate([_extra_json(e) for e in extracts])
    return frame


def _extra_json(extract: Extract) -> np.ndarray:
    """Each row's unknown columns (of a vendor object: the fields no column reads) as a JSON object, or None
    when the file has none."""
    if extract.extra_json is not None:
        return np.array(extract.extra_json, dtype=object)
    if not extract.extra_columns:
        return np.full(len(extract.row_numbers), None, dtype=object)
    rows = extract.table.select(extract.extra_columns).to_pylist()
    return np.array([json.dumps({k: v for k, v in row.items() if v is not None}) for row in rows], dtype=object)


def _quarantine_rows(entity: Entity, text: pd.DataFrame, rules: pd.Series, columns: pd.Series) -> pd.DataFrame:
    known = [c.name for c in entity.columns]
    records = text[known].to_dict("records")
    # A vendor object's row is shown by its fields' paths (via.channel), with the fields no column reads.
    raw_rows = [json.dumps({**{entity.label(k): v for k, v in row.items() if v is not None and v == v},
                            **(json.loads(extra) if entity.vendor and isinstance(extra, str) else {})}, default=str)
                for row, extra in zip(records, text[EXTRA])]
    values = [row.get(col) for row, col in zip(records, columns)]
    columns = columns.map(entity.label)
    return pd.DataFrame({
        "entity": entity.table,
        "extract_date": text[EXTRACT_DATE].dt.date.to_numpy(),
        "source_file": text[SOURCE_FILE].to_numpy(),
        "row_number": text[ROW_NUMBER].to_numpy(dtype="int64"),
        "raw_row": raw_rows,
        "rule": rules.to_numpy(),
        "column_name": columns.to_numpy(),
        "detail": [_detail(rule, column, value) for rule, column, value in zip(rules, columns, values)],
    }, columns=QUARANTINE_COLUMNS)


_DETAILS = {
    "missing_required_value": "required column {column} is empty",
    "number_out_of_range": f"{{column}} {{value}} is beyond ±{LARGEST_NUMBER:.0e}, more than the metrics can sum",
    "timestamp_out_of_range": f"{{column}} {{value}} is before {EARLIEST_TIMESTAMP:%Y-%m-%d}",
    "duplicate_key_in_file": "key {column} {value} appears more than once in the file",
    "score_out_of_scale": "score {value} is outside its scale",
    "invalid_scale": "scale_max {value} is not above scale_min",
    "negative_amount": "{column} {value} is negative",
    "non_positive_rate": "{column} {value} is not positive",
    "timestamp_in_future": "{column} {value} is in the future",
    "unknown_currency": "currency {value} has no exchange rate",
}


def _detail(rule: str, column: str, value: object) -> str:
    """One sentence naming the column and the value that broke the rule."""
    shown = "empty" if value is None or value != value else repr(str(value).strip())
    if rule.startswith("unparseable_"):
        return f"{column} {shown} is not a valid {rule.removeprefix('unparseable_')}"
    if "_before_" in rule:
        later, earlier = rule.split("_before_")
        return f"{later} {shown} is before {earlier}"
    return _DETAILS.get(rule, "{column} {value} breaks " + rule).format(column=column, value=shown)


def _unreadable_rows(entity: Entity, extracts: list[Extract]) -> pd.DataFrame:
    rows = [
        (entity.table, e.extract_date, str(e.path), u.row_number, u.raw, u.rule, u.column, u.detail)
        for e in extracts for u in e.unreadable
    ]
    return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS).astype({"row_number": "int64"}) if rows else \
        pd.DataFrame({c: pd.Series(dtype="int64" if c == "row_number" else "object") for c in QUARANTINE_COLUMNS})
