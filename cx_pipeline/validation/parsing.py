"""Text columns to typed columns, vectorised: each parser returns the typed values and a mask of the
values that were present but did not parse."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cx_pipeline.entities import ENUM_SYNONYMS, ColumnType

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def clean_text(values: pd.Series) -> pd.Series:
    """Trimmed text; empty strings become missing. Done by Arrow over the whole column at once."""
    trimmed = pc.utf8_trim_whitespace(pa.array(values, type=pa.string(), from_pandas=True))
    cleaned = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pd.Series(cleaned.to_pandas(), index=values.index)


@dataclasses.dataclass
class IsoDateTimes:
    """ISO 8601 date-times read from text, one entry per value: the instant in microseconds since the
    epoch as written (the offset not applied), the offset in minutes, and what the value held."""

    parsed: np.ndarray
    """Whether the value is an ISO 8601 calendar date, or date-time, that exists."""
    date: np.ndarray
    """The calendar date as written, datetime64[D] (NaT where not parsed)."""
    local_us: np.ndarray
    """Date and time of day as written, in microseconds since 1970-01-01."""
    has_offset: np.ndarray
    offset_minutes: np.ndarray


_LONGEST_ISO = len("2026-01-09T06:39:32.123456789+05:30") + 10
"""No ISO 8601 date-time is longer (ten more digits of fraction allowed); longer text is not one."""


def read_iso_8601(text: pd.Series) -> IsoDateTimes:
    """Read ISO 8601 calendar dates and date-times, vectorised over the text's UTF-8 bytes.

    Accepted: ``YYYY-MM-DD`` or ``YYYYMMDD``; then optionally ``T`` (or ``t`` or a space) and a time of
    day ``hh``, ``hh:mm``, ``hh:mm:ss`` or their basic forms ``hhmm``, ``hhmmss``, seconds with a decimal
    fraction after ``.`` or ``,`` (kept to the microsecond); then optionally ``Z`` or an offset ``±hh``,
    ``±hh:mm``, ``±hhmm``. The date must exist (no 30 February) and the time be a time of day (no 24:00,
    no leap second). Anything else (``now``, ``today``, ``yesterday-ish``) is not a timestamp.

    Written here rather than left to pandas: pandas reads ``now`` and ``today`` as the wall clock, fails a
    whole column when offsets and naive values mix, and picks its resolution from the other values."""
    values = pa.array(text, type=pa.string(), from_pandas=True)
    if isinstance(values, pa.ChunkedArray):  # pandas' Arrow-backed text
        values = values.combine_chunks()
    lengths = pc.fill_null(pc.binary_length(values), 0).to_numpy(zero_copy_only=False).astype("int64")
    lengths[lengths > _LONGEST_ISO] = 0
    # Position by position: row k of ``chars`` holds the k-th character of every value.
    chars = np.ascontiguousarray(_byte_matrix(values, lengths).T)
    rows = np.arange(len(values))
    last = chars.shape[0] - 1

    def at(position: np.ndarray | int) -> np.ndarray:
        # Within a column the values mostly share one layout: a position common to all of them reads a
        # row of ``chars``, far cheaper than picking one character per value.
        if isinstance(position, np.ndarray) and len(position) and (position == position[0]).all():
            position = int(position[0])
        if isinstance(position, int):
            return chars[min(position, last)]
        return chars[np.minimum(position, last), rows]

    def number(position: np.ndarray | int, digits: int) -> tuple[np.ndarray, np.ndarray]:
        value, ok = np.zeros(len(rows), dtype="int32"), np.ones(len(rows), dtype=bool)
        for k in range(digits):
            c = at(position + k)
            ok &= _is_digit(c)
            value = value * 10 + c - 48
        return value, ok

    ok = lengths > 0
    year, good = number(0, 4)
    ok &= good & (year >= 1)
    extended = at(4) == ord("-")
    position = 4 + extended
    month, good = number(position, 2)
    ok &= good
    position = position + 2
    ok &= ~extended | (at(position) == ord("-"))
    position = position + extended
    day, good = number(position, 2)
    ok &= good
    position = position + 2

    has_time = np.isin(at(position), _TIME_SEPARATORS) & (position < lengths)
    position = position + has_time
    hour, good = number(position, 2)
    ok &= ~has_time | good
    hour = np.where(has_time, hour, 0)
    position = position + 2 * has_time
    minute, has_minute, position = _next_part(at, number, position, has_time)
    ok &= ~has_minute | (minute >= 0)
    second, has_second, position = _next_part(at, number, position, has_minute)
    ok &= ~has_second | (second >= 0)

    has_fraction = has_second & np.isin(at(position), _DECIMAL_SIGNS)
    position = position + has_fraction
    microsecond = np.zeros(len(rows), dtype="int64")
    running = has_fraction.copy()
    fraction_digits = np.zeros(len(rows), dtype="int64")
    for k in range(_LONGEST_ISO):
        c = at(position + k)
        running &= _is_digit(c)
        if not running.any():
            break
        fraction_digits += running
        if k < 6:
            microsecond += np.where(running, (c.astype("int64") - 48) * 10 ** (5 - k), 0)
    ok &= ~has_fraction | (fraction_digits > 0)
    position = position + fraction_digits

    zulu = has_time & np.isin(at(position), _ZULU)
    position = position + zulu
    signed = has_time & np.isin(at(position), _SIGNS)
    negative = at(position) == ord("-")
    position = position + signed
    offset_hour, good = number(position, 2)
    ok &= ~signed | good
    offset_hour = np.where(signed, offset_hour, 0)
    position = position + 2 * signed
    offset_minute, has_offset_minute, position = _next_part(at, number, position, signed)
    ok &= ~has_offset_minute | (offset_minute >= 0)
    ok &= position == lengths

    offset_minute = np.where(has_offset_minute, offset_minute, 0)
    minute, second = np.where(has_minute, minute, 0), np.where(has_second, second, 0)
    ok &= (month >= 1) & (month <= 12) & (hour <= 23) & (minute <= 59) & (second <= 59)
    ok &= (offset_hour <= 23) & (offset_minute <= 59)
    first_of_month = ((np.where(ok, year, 1970) - 1970) * 12 + np.where(ok, month, 1) - 1).astype("datetime64[M]")
    first_day = first_of_month.astype("datetime64[D]")
    days_in_month = ((first_of_month + 1).astype("datetime64[D]") - first_day).astype("int64")
    ok &= (day >= 1) & (day <= days_in_month)

    date = first_day + np.where(ok, day - 1, 0)
    seconds_of_day = (hour * 60 + minute) * 60 + second
    time_of_day = seconds_of_day.astype("int64") * 1_000_000 + microsecond
    local_us = date.astype("datetime64[us]").astype("int64") + time_of_day
    sign = np.where(negative, -1, 1)
    return IsoDateTimes(ok, np.where(ok, date, np.datetime64("NaT")), local_us, ok & (zulu | signed),
                        (sign * (offset_hour * 60 + offset_minute)).astype("int64"))


_TIME_SEPARATORS = np.array([ord("T"), ord("t"), ord(" ")], dtype="uint8")
_DECIMAL_SIGNS = np.array([ord("."), ord(",")], dtype="uint8")
_ZULU = np.array([ord("Z"), ord("z")], dtype="uint8")
_SIGNS = np.array([ord("+"), ord("-")], dtype="uint8")


def _is_digit(c: np.ndarray) -> np.ndarray:
    return (c >= ord("0")) & (c <= ord("9"))


def _next_part(at, number, position: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two-digit part (minutes, seconds, offset minutes) that may follow a part present in ``after``:
    ``:mm`` (extended) or ``mm`` (basic). Returns its value (-1 where malformed), whether it is there, and
    the position after it."""
    c = at(position)
    extended = after & (c == ord(":"))
    present = extended | (after & _is_digit(c))
    position = position + extended
    value, good = number(position, 2)
    return np.where(good, value, -1), present, position + 2 * present


def _byte_matrix(values: pa.StringArray, lengths: np.ndarray) -> np.ndarray:
    """The values as rows of ASCII codes, padded with ``#`` to one column more than the longest, so that
    reading at or past a value's end reads ``#``. Values that are not ASCII, or too long, are all ``#``:
    they cannot be ISO 8601."""
    width = int(lengths.max(initial=0)) + 1
    if len(values) == 0:
        return np.zeros((0, width), dtype="uint8")
    usable = pc.and_(pc.string_is_ascii(values), pa.array(lengths > 0))
    text = pc.if_else(usable, values, "")
    padded = pc.utf8_rpad(pc.fill_null(text, ""), width=width, padding="#")
    return np.frombuffer(padded.buffers()[2], dtype="uint8", count=len(values) * width).reshape(len(values), width)


def parse_timestamps(text: pd.Series, source_timezone: str) -> pd.Series:
    """ISO 8601 text to naive UTC timestamps: offsets are honoured, values without one are read in
    ``source_timezone``. What is not ISO 8601 (see ``read_iso_8601``) becomes NaT."""
    iso = read_iso_8601(text)
    utc_us = iso.local_us - iso.offset_minutes * 60_000_000
    result = pd.Series(np.where(iso.parsed, utc_us, np.iinfo("int64").min).view("datetime64[us]"), index=text.index)
    local = iso.parsed & ~iso.has_offset
    if local.any() and source_timezone.upper() != "UTC":
        naive = result[local]
        result[local] = (naive.dt.tz_localize(source_timezone, ambiguous=np.ones(len(naive), dtype=bool),
                                              nonexistent="shift_forward")
                         .dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"))
    return result


def parse_numbers(text: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))


def parse_integers(text: pd.Series) -> pd.Series:
    numbers = parse_numbers(text)
    return numbers.where(numbers == np.floor(numbers))


def parse_booleans(text: pd.Series) -> pd.Series:
    lowered = text.str.lower()
    return lowered.map(lambda v: True if v in _TRUE else False if v in _FALSE else None).astype("object")


def parse_dates(text: pd.Series) -> pd.Series:
    """ISO 8601 text to dates: the calendar date as written; a time of day or an offset after it is
    ignored (a rate dated ``2026-01-09T00:00:00+02:00`` is the rate of 9 January)."""
    return pd.Series(read_iso_8601(text).date.astype("datetime64[us]"), index=text.index)


def fold_enum(text: pd.Series) -> pd.Series:
    """Trim, lower-case, join words with ``_`` and fold common spellings (SPEC §1 Enumerations).

    Enumerations hold few distinct values: each is folded once, then spread back over the rows."""
    codes, distinct = pd.factorize(text)
    folded = pd.Series(distinct, dtype="object").str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    spellings = np.array([ENUM_SYNONYMS.get(v, v) for v in folded] + [None], dtype=object)
    return pd.Series(spellings[codes], index=text.index, dtype="object")


def parse_column(text: pd.Series, type_: ColumnType, source_timezone: str) -> tuple[pd.Series, pd.Series]:
    """Typed values and the mask of values present but unparseable."""
    if type_ == "timestamp":
        typed = parse_timestamps(text, source_timezone)
    elif type_ == "number":
        typed = parse_numbers(text)
    elif type_ == "integer":
        typed = parse_integers(text)
    elif type_ == "boolean":
        typed = parse_booleans(text)
    elif type_ == "date":
        typed = parse_dates(text)
    elif type_ == "enum":
        typed = fold_enum(text)
    elif type_ == "currency":
        typed = text.str.upper()
    else:
        typed = text
    return typed, text.notna() & typed.isna()
