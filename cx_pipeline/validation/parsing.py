"""Text columns to typed columns, vectorised: each parser returns the typed values and a mask of the
values that were present but did not parse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cx_pipeline.entities import ENUM_SYNONYMS, ColumnType

_OFFSET = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def clean_text(values: pd.Series) -> pd.Series:
    """Trimmed text; empty strings become missing. Done by Arrow over the whole column at once."""
    trimmed = pc.utf8_trim_whitespace(pa.array(values, type=pa.string(), from_pandas=True))
    cleaned = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pd.Series(cleaned.to_pandas(), index=values.index)


def parse_timestamps(text: pd.Series, source_timezone: str) -> pd.Series:
    """ISO 8601 text to naive UTC timestamps: offsets are honoured, naive values are read in
    ``source_timezone``. Unparseable values become NaT."""
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    present = text.notna()
    if not present.any():
        return result
    with_offset = present & text.str.contains(_OFFSET, regex=True, na=False)
    if with_offset.any():
        parsed = pd.to_datetime(text[with_offset], utc=True, format="ISO8601", errors="coerce")
        result[with_offset] = parsed.dt.tz_localize(None).astype("datetime64[us]")
    naive = present & ~with_offset
    if naive.any():
        parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        if parsed.dt.tz is not None:  # pandas read an offset the pattern did not see
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        elif source_timezone.upper() != "UTC":
            parsed = (parsed.dt.tz_localize(source_timezone, ambiguous=np.ones(len(parsed), dtype=bool),
                                            nonexistent="shift_forward")
                      .dt.tz_convert("UTC").dt.tz_localize(None))
        result[naive] = parsed.astype("datetime64[us]")
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
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.dt.normalize().astype("datetime64[us]")


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
