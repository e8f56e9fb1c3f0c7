"""Qualtrics: survey responses as the Response Export API writes them in JSON (api.qualtrics.com, "Response
Exports", ``format: json``: one response per line, ``responseId`` and its ``values`` keyed by the fields'
ImportIds, ``recordedDate``, ``finished``, ``QID1`` …), and the CSV that Data & Analysis → Export & Import →
Export Data writes (qualtrics.com/support, "Understanding Your Dataset"). SPEC §6 says what a response
becomes: an NPS, CSAT or CES response for each question ``CX_QUALTRICS_QUESTIONS`` maps, read from the whole
``values`` object, kept as JSON text; an unfinished response is loaded and not counted."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

from cx_pipeline.entities import Entity, columns

_RESPONSE_ID = "_recordId"
"""The ImportId of the export's ``ResponseId`` column: the ``responseId`` of the API's response."""
_REQUIRED_IMPORT_IDS = (_RESPONSE_ID, "recordedDate")


def responses_csv_export(names: list[str], rows: list[dict], numbers: list[int]) -> tuple[list[dict], list[int], list]:
    """The records of the responses CSV export as the responses the JSON export gives.

    The export has three header rows: the column names (``RecordedDate``, ``Q1``), the question texts, and
    each column's ImportId as JSON (``{"ImportId":"QID1"}``, ``{"ImportId":"recordedDate","timeZone":
    "America/Denver"}``). The second and third are headers, not responses: they are neither loaded nor
    quarantined. A response's ``values`` are keyed by the ImportIds, as in the JSON export (``Q1`` is
    ``QID1``), its ``responseId`` is the ``_recordId``. A column whose ImportId names a time zone writes its
    times in that zone without an offset (``2024-03-01 05:00:00``): they become ISO 8601 with the zone's
    offset. An empty cell is a value the response does not have."""
    if len(rows) < 2 or not _import_ids(rows[1]) or _import_ids(rows[0]):
        raise ValueError("is not Qualtrics's responses export: the second and third rows are not its question "
                         "texts and ImportIds")
    import_ids = _import_ids(rows[1])
    present = {spec["ImportId"] for spec in import_ids.values()}
    missing = [import_id for import_id in _REQUIRED_IMPORT_IDS if import_id not in present]
    if missing:
        raise ValueError(f"is not Qualtrics's responses export: no column with ImportId {missing[0]!r}")
    zones = {name: _zone(name, spec["timeZone"]) for name, spec in import_ids.items() if spec.get("timeZone")}
    responses = []
    for row in rows[2:]:
        values = {import_ids[name]["ImportId"]: _aware_time(value, zones[name]) if name in zones else value
                  for name, value in row.items() if value is not None}
        responses.append({"responseId": values.get(_RESPONSE_ID), "values": values})
    return responses, numbers[2:], []


def _import_ids(row: dict) -> dict[str, dict] | None:
    """Each column's ImportId specification (``{"ImportId": "QID1"}``) when the row holds one in every column,
    as the export's third row does; else None."""
    specs = {}
    for name, value in row.items():
        try:
            spec = json.loads(value or "")
        except ValueError:
            return None
        if not isinstance(spec, dict) or not isinstance(spec.get("ImportId"), str):
            return None
        specs[name] = spec
    return specs


def _zone(name: str, zone: object) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(str(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"column {name!r} is in the time zone {zone!r}, which the tz database does not know") \
            from None


def _aware_time(value: str, zone: zoneinfo.ZoneInfo) -> str:
    """A time written without an offset, in ``zone``, as ISO 8601 with the zone's offset; anything else
    (a time with an offset, no time at all) as it is."""
    try:
        local = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    return local.replace(tzinfo=zone).isoformat() if local.tzinfo is None else value


RESPONSES = Entity(
    "qualtrics", "responses", ("response_id",),
    columns("!response_id@responseId", "!recorded_at:timestamp@values.recordedDate",
            "finished:boolean@values.finished", "email@values.recipientEmail",
            "channel:enum@values.distributionChannel", "answers@values"),
    vendor=True,
    csv_export=responses_csv_export,
)

OBJECTS = (RESPONSES,)
