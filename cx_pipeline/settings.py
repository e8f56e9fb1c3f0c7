"""Every setting of cx_pipeline in one place: its environment variable, default and meaning.

The warehouse URL is not here: it may carry a password, so it reaches the ``Warehouse`` resource only
through ``dg.EnvVar("CX_WAREHOUSE_URL")`` and is never written to run configuration or logs.
"""

from __future__ import annotations

import dataclasses
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


def _property_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_]+", text):
        raise ValueError("is not a HubSpot internal property name (letters, digits and _, such as lifecyclestage)")
    return text


@dataclasses.dataclass(frozen=True)
class SurveyQuestion:
    """A Qualtrics question that is an NPS, CSAT or CES question (CX_QUALTRICS_QUESTIONS)."""

    question_id: str
    """Its ImportId, ``QID1`` (or a sub-question's, ``QID3_1``): the key of its answer in a response's values."""
    family: str
    """``nps``, ``csat`` or ``ces``."""
    scale_min: float
    scale_max: float
    low_is_easy: bool | None = None
    """Of a CES question: its own direction (None: the setting CX_CES_LOW_IS_EASY's); None for the others."""


_QUESTION = re.compile(r"(?P<id>QID\w+)=(?P<family>[a-z]+)(?::(?P<min>-?\d+(?:\.\d+)?)-(?P<max>-?\d+(?:\.\d+)?))?"
                       r"(?::(?P<direction>high_is_easy|low_is_easy))?", re.ASCII)
_SURVEY_FAMILIES = ("nps", "csat", "ces")


def survey_questions(text: str) -> tuple[SurveyQuestion, ...]:
    """The questions of CX_QUALTRICS_QUESTIONS: ``;``-separated ``<question id>=<family>[:<min>-<max>]
    [:high_is_easy|low_is_easy]``, e.g. ``QID1=nps;QID2=csat:1-5;QID3=ces:1-7:high_is_easy``. NPS is on 0–10
    (the scale may be written, as ``0-10`` only); CSAT and CES need their scale; only CES takes a direction.
    ValueError saying what is wrong."""
    questions: dict[str, SurveyQuestion] = {}
    for entry in (part.strip() for part in text.split(";")):
        if not entry:
            continue
        found = _QUESTION.fullmatch(entry.replace(" ", ""))
        if not found:
            raise ValueError(f"has an entry {entry!r} that is not <question id>=<family>[:<min>-<max>]"
                             "[:high_is_easy|low_is_easy], the question id QID…")
        question_id, family, direction = found["id"], found["family"], found["direction"]
        if family not in _SURVEY_FAMILIES:
            raise ValueError(f"has an entry {entry!r} whose family {family!r} is not nps, csat or ces")
        if question_id in questions:
            raise ValueError(f"names the question {question_id} more than once")
        if found["min"] is None and family != "nps":
            raise ValueError(f"has an entry {entry!r} without the scale a {family} question needs (such as :1-5)")
        low, high = (float(found["min"]), float(found["max"])) if found["min"] is not None else (0.0, 10.0)
        if family == "nps" and (low, high) != (0.0, 10.0):
            raise ValueError(f"has an entry {entry!r}: an NPS question is on the scale 0-10")
        if low >= high:
            raise ValueError(f"has an entry {entry!r} whose scale does not rise from its minimum to its maximum")
        if direction and family != "ces":
            raise ValueError(f"has an entry {entry!r}: only a ces question takes a direction")
        questions[question_id] = SurveyQuestion(question_id, family, low, high,
                                                None if direction is None else direction == "low_is_easy")
    if not questions:
        raise ValueError("names no question")
    return tuple(questions.values())


def canonical_questions(questions: tuple[SurveyQuestion, ...], ces_low_is_easy: bool) -> str:
    """The questions as the dbt project reads them: every entry ``<qid>=<family>:<min>-<max>`` (numbers without
    a trailing ``.0``) and, for CES, its direction, the setting CX_CES_LOW_IS_EASY's where the entry names none:
    ``QID1=nps:0-10;QID3=ces:1-7:low_is_easy``."""
    def number(value: float) -> str:
        return repr(value).removesuffix(".0")

    entries = []
    for question in questions:
        entry = f"{question.question_id}={question.family}:{number(question.scale_min)}-{number(question.scale_max)}"
        if question.family == "ces":
            low_is_easy = ces_low_is_easy if question.low_is_easy is None else question.low_is_easy
            entry += ":low_is_easy" if low_is_easy else ":high_is_easy"
        entries.append(entry)
    return ";".join(entries)


def _questions(text: str) -> str:
    survey_questions(text)
    return text


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
    "hubspot_segment_property": ("CX_HUBSPOT_SEGMENT_PROPERTY", "lifecyclestage", _property_name),
    "qualtrics_questions": ("CX_QUALTRICS_QUESTIONS", "QID1=nps;QID2=csat:1-5;QID3=ces:1-7:high_is_easy", _questions),
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
    hubspot_segment_property: str = "lifecyclestage"
    """The HubSpot contact property (its internal name) that holds a customer's segment
    (CX_HUBSPOT_SEGMENT_PROPERTY)."""
    qualtrics_questions: str = "QID1=nps;QID2=csat:1-5;QID3=ces:1-7:high_is_easy"
    """Which Qualtrics questions are NPS, CSAT or CES questions, on which scale (CX_QUALTRICS_QUESTIONS; syntax
    in ``survey_questions``)."""

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
                  "inactivity_days": str(self.inactivity_days), "ces_low_is_easy": str(self.ces_low_is_easy).lower(),
                  "hubspot_segment_property": self.hubspot_segment_property,
                  "qualtrics_questions": canonical_questions(survey_questions(self.qualtrics_questions),
                                                             self.ces_low_is_easy)}
        return {_ENV[field][0]: value for field, value in values.items()}


def warehouse_url() -> str:
    """The warehouse URL in force, for code running outside a Dagster run (the command line)."""
    return os.environ.get(WAREHOUSE_URL_ENV, "").strip() or DEFAULT_WAREHOUSE_URL


def warehouse_url_from_env() -> str | dg.EnvVar:
    """The warehouse URL as an EnvVar when set, so that it is never stored in run configuration."""
    return dg.EnvVar(WAREHOUSE_URL_ENV) if os.environ.get(WAREHOUSE_URL_ENV, "").strip() else DEFAULT_WAREHOUSE_URL
