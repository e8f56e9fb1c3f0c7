"""The vendor reader (SPEC §6): a field is read from the object by its path whatever the file's format —
nested as the API returns it, flattened by dlt (``via__channel``) or named by its path in a CSV header —
and the fields no column reads are kept as ``_extra``. The reader alone, as test_reading_properties calls
it."""

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cx_pipeline.entities import ENTITIES_BY_TABLE
from cx_pipeline.extracts import read_extract
from cx_pipeline_tests.vendor_examples import zendesk_ticket

TICKETS = ENTITIES_BY_TABLE["zendesk__tickets"]
DAY = dt.date(2026, 3, 2)


def _values(extract, column):
    return extract.table.column(column).to_pylist()


def test_nested_fields_are_read_by_their_path(tmp_path):
    path = tmp_path / "2026-03-02.jsonl"
    path.write_text(json.dumps(zendesk_ticket(**{"via.channel": "voice"})) + "\n")
    extract = read_extract(path, DAY, TICKETS)
    assert _values(extract, "via_channel") == ["voice"]
    assert _values(extract, "id") == ["35436"]
    extra = json.loads(extract.extra_json[0])
    # Every field of the documented example that no column reads, nested values kept.
    assert extra["satisfaction_rating"] == {"comment": "Great support!", "id": 1234, "score": "good"}
    assert extra["tags"] == ["enterprise", "other_tag"]
    assert "via" not in extra and "id" not in extra


@pytest.mark.parametrize("fmt", ["jsonl_dlt", "parquet", "csv"])
def test_every_format_gives_the_same_values(tmp_path, fmt):
    ticket = {"id": 35436, "created_at": "2026-03-02T09:00:00Z", "updated_at": "2026-03-02T09:00:00Z",
              "status": "open", "via": {"channel": "web", "source": {"rel": None}}, "requester_id": 20978392}
    if fmt == "jsonl_dlt":
        # dlt's default normalisation: nested objects flattened into `parent__child` columns.
        path = tmp_path / "2026-03-02.jsonl"
        flat = {k: v for k, v in ticket.items() if k != "via"} | {"via__channel": "web", "_dlt_id": "x1"}
        path.write_text(json.dumps(flat) + "\n")
    elif fmt == "parquet":
        path = tmp_path / "2026-03-02.parquet"
        pq.write_table(pa.Table.from_pylist([ticket | {"via": {"channel": "web"}}]), path)
    else:
        path = tmp_path / "2026-03-02.csv"
        path.write_text("id,created_at,updated_at,status,via.channel,requester_id\n"
                        "35436,2026-03-02T09:00:00Z,2026-03-02T09:00:00Z,open,web,20978392\n")
    extract = read_extract(path, DAY, TICKETS)
    assert _values(extract, "via_channel") == ["web"]
    assert _values(extract, "id") == ["35436"]
    assert _values(extract, "requester_id") == ["20978392"]
    assert extract.row_numbers.tolist() == [1]
