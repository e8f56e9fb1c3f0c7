"""Every setting of cx_pipeline in one place: its environment variable, default and meaning.

The warehouse URL is not here: it may carry a password, so it reaches the ``Warehouse`` resource only
through ``dg.EnvVar("CX_WAREHOUSE_URL")`` and is never written to run configuration or logs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zoneinfo
from pathlib import Path

import dagster as dg

WAREHOUSE_URL_ENV = "CX_WAREHOUSE_URL"
DEFAULT_WAREHOUSE_URL = "duckdb:///data/warehouse.duckdb"


def _whole_number(least: int, most: int | None = None):
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise ValueError("is not a whole number") from None
        if number < least or (most is not None and number > most):
            raise ValueError(f"is not between {least} and {most}" if most is not None else f"is below {least}")
        return number
    return parse


def _time_zone(text: str) -> str:
    if text != "UTC" and text not in zoneinfo.available_timezones():
        raise ValueError("is not a time zone of the tz database (such as UTC or Europe/Paris)")
    return text


def _date(text: str) -> str:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a date (YYYY-MM-DD)") from None
    return text


def _currency(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{3}", text):
        raise ValueError("is not a three-letter currency code (ISO 4217)")
    return text.upper()


def _yes_or_no(text: str) -> bool:
    if text.lower() in {"1", "true", "yes", "on"}:
        return True
    if text.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError("is not true or false")


_ENV = {
    "raw_dir": ("CX_RAW_DIR", "data/raw", str),
    "start_date": ("CX_START_DATE", "2020-01-01", _date),
    "source_timezone": ("CX_SOURCE_TIMEZONE", "UTC", _time_zone),
    "reporting_timezone": ("CX_REPORTING_TIMEZONE", "UTC", _time_zone),
    "base_currency": ("CX_BASE_CURRENCY", "USD", _currency),
    "inactivity_days": ("CX_INACTIVITY_DAYS", "90", _whole_number(1)),
    "ces_low_is_easy": ("CX_CES_LOW_IS_EASY", "true", _yes_or_no),
    "future_tolerance_hours": ("CX_FUTURE_TOLERANCE_HOURS", "24", _whole_number(0)),
    "nightly_hour": ("CX_NIGHTLY_HOUR", "2", _whole_number(0, 22)),
    "report_dir": ("CX_REPORT_DIR", "data/reports", str),
    "min_sample": ("CX_MIN_SAMPLE", "30", _whole_number(1)),
}
"""Each setting: its environment variable, its default, and how its text is read (ValueError when bad)."""


class SettingError(ValueError):
    """An environment variable that holds no valid value for its setting; the message names it."""


class Settings(dg.ConfigurableResource):
    """The pipeline's settings, each overridable by the environment variable named in ``_ENV``."""

    raw_dir: str = "data/raw"
    """Root of the extracts, laid out as <raw_dir>/<source>/<entity>/<YYYY-MM-DD>.<ext> (CX_RAW_DIR)."""
    start_date: str = "2020-01-01"
    """First daily partition (CX_START_DATE)."""
    source_timezone: str = "UTC"
    """Time zone of timestamps written without an offset (CX_SOURCE_TIMEZONE)."""
    reporting_timezone: str = "UTC"
    """Time zone in which the dates of metrics are taken (CX_REPORTING_TIMEZONE)."""
    base_currency: str = "USD"
    """Currency every amount is converted to (CX_BASE_CURRENCY)."""
    inactivity_days: int = 90
    """A completed order keeps its customer active for this many days (CX_INACTIVITY_DAYS)."""
    ces_low_is_easy: bool = True
    """CES direction: true when a low score means little effort (CX_CES_LOW_IS_EASY)."""
    future_tolerance_hours: int = 24
    """Timestamps later than now plus this many hours are quarantined (CX_FUTURE_TOLERANCE_HOURS)."""
    nightly_hour: int = 2
    """Hour of the nightly schedule, in the reporting time zone (CX_NIGHTLY_HOUR)."""
    report_dir: str = "data/reports"
    """Where the asset cx_report writes the monthly HTML reports (CX_REPORT_DIR)."""
    min_sample: int = 30
    """A value resting on fewer observations is shown as such, not as a fact (CX_MIN_SAMPLE, SPEC §4.2)."""

    @classmethod
    def from_env(cls) -> "Settings":
        """The settings in force; raises SettingError naming the first variable that holds a bad value."""
        values: dict[str, object] = {}
        for field, (env, default, read) in _ENV.items():
            text = os.environ.get(env, "").strip() or default
            try:
                values[field] = read(text)
            except ValueError as error:
                raise SettingError(f"{env}={text!r} {error}") from None
        return cls(**values)

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir)

    @property
    def first_day(self) -> dt.date:
        return dt.date.fromisoformat(self.start_date)

    def report_file(self, month: dt.date) -> Path:
        """The CX report of ``month``, as the asset cx_report writes it."""
        return Path(self.report_dir) / f"cx_report_{month:%Y-%m}.html"

    def sql_environment(self) -> dict[str, str]:
        """The settings the dbt project reads, as the CX_* variables it reads them from (sql/macros/setting.sql)."""
        values = {"base_currency": self.base_currency, "reporting_timezone": self.reporting_timezone,
                  "inactivity_days": str(self.inactivity_days), "ces_low_is_easy": str(self.ces_low_is_easy).lower()}
        return {_ENV[field][0]: value for field, value in values.items()}


def warehouse_url() -> str:
    """The warehouse URL in force, for code running outside a Dagster run (the command line)."""
    return os.environ.get(WAREHOUSE_URL_ENV, "").strip() or DEFAULT_WAREHOUSE_URL


def warehouse_url_from_env() -> str | dg.EnvVar:
    """The warehouse URL as an EnvVar when set, so that it is never stored in run configuration."""
    return dg.EnvVar(WAREHOUSE_URL_ENV) if os.environ.get(WAREHOUSE_URL_ENV, "").strip() else DEFAULT_WAREHOUSE_URL
