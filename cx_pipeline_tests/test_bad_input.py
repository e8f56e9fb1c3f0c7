"""The corpus in bad_inputs/: every rule of SPEC §3 and issues 5 and 14, each with its expected outcome in
bad_inputs/expected.json. Nothing read is lost, bad rows never change the metrics of good ones, and a
file that cannot be read fails its partition with one message naming it."""

import contextlib
import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cx_pipeline_tests.conftest import WAREHOUSES, Pipeline, new_warehouse, run_cli

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def _relative(source_file: str) -> str:
    return source_file.split("/raw/", 1)[1]


@pytest.fixture(scope="module", params=WAREHOUSES)
def first_day(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    shutil.copytree(CORPUS / "raw", root / "raw")
    pipeline = Pipeline(root / "raw", new_warehouse(request.param, root, request))
    pipeline.backfill("2026-04-01", "2026-04-01")
    return pipeline


def test_each_bad_row_is_quarantined_with_its_rule(first_day):
    rows = first_day.query("select source_file, row_number, rule, column_name from quarantine.rejected_rows "
                           "order by source_file, row_number")
    assert [[_relative(f), n, r, c] for f, n, r, c in rows] == sorted(EXPECTED["quarantined"])


def test_quarantined_rows_keep_the_raw_row_and_say_why(first_day):
    (raw_row, detail), = first_day.query(
        "select raw_row, detail from quarantine.rejected_rows where rule = 'score_out_of_scale' "
        "and entity = 'crm__nps_responses'")
    assert json.loads(raw_row) == {"response_id": "N3", "customer_id": "C3",
                                   "responded_at": "2026-04-01T10:00:00Z", "score": "11", "channel": "email"}
    assert detail == "score '11' is outside its scale"


def test_every_row_read_is_loaded_or_quarantined(first_day):
    files = first_day.query("select source_file, rows_read, rows_loaded, rows_quarantined from raw.extract_files")
    assert {_relative(f): loaded for f, _, loaded, _ in files} == \
        {k: v for k, v in EXPECTED["loaded"].items() if "2026-04-01" in k}
    for source_file, read, loaded, quarantined in files:
        assert read == loaded + quarantined, source_file
    assert first_day.query("select count(*) from raw.crm__nps_responses")[0][0] == 3


def test_validation_shows_as_asset_checks(first_day):
    daily = first_day.results[0]
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in daily.get_asset_check_evaluations()}
    expectations = checks[("raw_crm__nps_responses", "expectations")]
    assert not expectations.passed
    assert expectations.metadata["score_out_of_scale:score"].value == 1
    assert expectations.metadata["unknown_enum_value:channel"].value == 1  # 'carrier pigeon' warns only
    assert checks[("raw_crm__nps_responses", "rows_reconciled")].passed
    assert checks[("raw_crm__nps_responses", "files_readable")].passed


def test_enumerations_are_folded_and_unknown_values_kept(first_day):
    channels = dict(first_day.query("select response_id, channel from raw.crm__nps_responses"))
    assert channels == {"N1": "email", "N8": "email", "N9": "carrier_pigeon"}
    assert first_day.query("select status from raw.ecommerce__orders where order_id = 'O7'")[0][0] == "cancelled"
    # The header was messy (byte-order mark, spaces, capitals) and an unknown column was kept aside.
    assert first_day.query("select _extra from raw.helpdesk__tickets where ticket_id = 'T1'")[0][0] == \
        '{"legacy_queue": "q1"}'


def _without_quarantined_rows(source: Path, target: Path) -> None:
    """A copy of the corpus's 2026-04-01 files holding only the rows expected to load: the lines of the
    quarantined records dropped (row n of a CSV file is the line after the header's, of a JSONL file line
    n), or the rows of a Parquet file."""
    bad = {(f, n) for f, n, _, _ in EXPECTED["quarantined"]}
    for path in (source / "raw").rglob("2026-04-01.*"):
        relative = str(path.relative_to(source / "raw"))
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            pq.write_table(table.filter([(relative, n) not in bad for n in range(1, table.num_rows + 1)]), out)
            continue
        zipped = path.name.lower().endswith(".gz")
        lines = (gzip.decompress(path.read_bytes()) if zipped else path.read_bytes()).splitlines(keepends=True)
        header = 0 if ".jsonl" in path.name else 1
        kept = b"".join(line for n, line in enumerate(lines, 1 - header) if (relative, n) not in bad)
        out.write_bytes(gzip.compress(kept) if zipped else kept)


def test_metrics_beside_bad_rows_equal_those_of_the_good_rows_alone(first_day, tmp_path, request):
    _without_quarantined_rows(CORPUS, tmp_path / "raw")
    clean = Pipeline(tmp_path / "raw", new_warehouse(first_day.warehouse.dialect, tmp_path, request))
    clean.backfill("2026-04-01", "2026-04-01")
    columns = "metric, dimension, dimension_value, value, numerator, denominator, sample_size, ci_low, ci_high"
    for table in ("marts.metrics_daily", "marts.metrics_monthly"):
        query = f"select {columns} from {table} order by metric, dimension, dimension_value"
        assert first_day.query(query) == clean.query(query)
    assert first_day.value("nps", "2026-04-01", grain="daily") == pytest.approx(-100 / 3)


def test_rerunning_a_partition_replaces_its_quarantine(first_day):
    before = first_day.query("select count(*) from quarantine.rejected_rows")[0][0]
    first_day.backfill("2026-04-01", "2026-04-01")
    assert first_day.query("select count(*) from quarantine.rejected_rows")[0][0] == before == \
        len(EXPECTED["quarantined"])


def test_good_rows_load_with_their_values(first_day):
    """Values as written in the corpus, converted by hand: ISO 8601 in its basic and reduced forms, a rate
    dated with an offset, JSON keys in other cases, nested Parquet columns kept as JSON, a 2.5 MiB value."""
    created = dict(first_day.query("select ticket_id, created_at from raw.helpdesk__tickets where ticket_id "
                                   "in ('T10', 'T11', 'T12')"))
    assert {k: v.astimezone(dt.timezone.utc).replace(tzinfo=None) for k, v in created.items()} == {
        "T10": dt.datetime(2026, 4, 1, 6, 0), "T11": dt.datetime(2026, 4, 1, 6, 39, 32),
        "T12": dt.datetime(2026, 4, 1, 0, 30)}
    assert sorted(first_day.query("select currency, date, rate_to_base from raw.reference__fx_rates")) == [
        ("EUR", dt.date(2026, 4, 1), 1.1), ("GBP", dt.date(2026, 4, 1), 1.3)]
    assert first_day.query("select referral_id, referrer_customer_id from raw.ecommerce__referrals "
                           "order by 1") == [("F1", "C1"), ("F2", "C1")]
    assert dict(first_day.query("select session_id, _extra from raw.ecommerce__sessions")) == {
        "S1": '{"tags": "[\\"a\\", \\"b\\"]", "device": "{\\"os\\": \\"ios\\", \\"version\\": 17}"}',
        "S2": '{"tags": "[]"}'}
    assert first_day.query("select length(comment) from raw.helpdesk__surveys where response_id = 'L1'") == \
        [(len("long") * 512 * 1024 + 512 * 1024 - 1,)]
    assert first_day.query("select amount from raw.ecommerce__orders where order_id = 'O12'") == [(9999999999999.0,)]
    numbers = first_day.query("select response_id, _row_number from raw.helpdesk__surveys where response_id "
                              "like 'B%' order by 1")
    assert numbers == [("B1", 1), ("B3", 3), ("B5", 5), ("B6", 1)]


def test_unreadable_files_fail_their_partition_with_one_clear_message(tmp_path):
    shutil.copytree(CORPUS / "raw", tmp_path / "raw")
    warehouse = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    result = run_cli("backfill", "--start", "2026-04-01", "--end", "2026-04-02",
                     "--raw-dir", str(tmp_path / "raw"), "--warehouse", warehouse)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "Exception ignored" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("cx-pipeline: error:")]
    assert len(errors) == len(EXPECTED["file_failures"])
    for file, problem in EXPECTED["file_failures"].items():
        assert any(file in line and problem in line for line in errors), (file, errors)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("cx-pipeline: warning:")]
    assert len(warnings) == 1 and EXPECTED["undated"][0] in warnings[0]
    assert "cx-pipeline: held back: daily metrics of 2026-04-01 .. 2026-04-02 and monthly metrics of 2026-04 " \
           "were not published; fix or remove the file(s) named above, then run `cx-pipeline backfill --start " \
           "2026-04-01 --end 2026-04-02` again to publish them" in result.stderr
    # The other partitions and entities went on: both days of NPS and the first day of orders loaded.
    pipeline = Pipeline(tmp_path / "raw", warehouse)
    assert pipeline.query("select count(*) from raw.crm__nps_responses")[0][0] == 4
    assert pipeline.query("select count(*) from raw.ecommerce__orders")[0][0] == 2 + 1  # the day's two files
    assert pipeline.query("select count(*) from raw.crm__customers")[0][0] == 0


_RAW_LAYER = ("quarantine.rejected_rows", "raw.extract_files", "raw.extract_date_loads")


def _raw_layer(warehouse) -> dict[str, list[tuple]]:
    """Every row of every raw table and of the quarantine, as sorted text."""
    import sqlalchemy as sa

    from cx_pipeline.entities import ENTITIES

    with warehouse.begin() as conn:
        tables = {table: conn.execute(sa.text(f"select * from {table}")).all()
                  for table in (*(f"raw.{e.table}" for e in ENTITIES), *_RAW_LAYER)}
    warehouse.dispose()
    return {table: sorted(tuple(map(str, row)) for row in rows) for table, rows in tables.items()}


@pytest.mark.parametrize("kind", WAREHOUSES)
def test_loads_side_by_side_write_what_loads_one_at_a_time_write(kind, tmp_path, request):
    """The raw step reads and validates two entities at a time, each in a process of its own, and writes
    them into shared tables (quarantine, extract files) as they come back: over the whole corpus of bad
    input it writes, row for row, what loading them one after the other writes, and quarantines each bad
    row of the first day as expected.json says."""
    from cx_pipeline.entities import ENTITIES
    from cx_pipeline.ingest import ingest_entities
    from cx_pipeline.warehouse import Warehouse

    shutil.copytree(CORPUS / "raw", tmp_path / "raw")
    now = dt.datetime(2026, 4, 3, 6, tzinfo=dt.timezone.utc)
    layers, loaded = [], []
    for processes in (1, 2):
        folder = tmp_path / f"processes-{processes}"
        folder.mkdir()
        warehouse = Warehouse(url=new_warehouse(kind, folder, request))
        settings = Pipeline(tmp_path / "raw", warehouse.url).settings
        reports = list(ingest_entities(list(ENTITIES), dt.date(2026, 4, 1), dt.date(2026, 4, 1), warehouse,
                                       settings, now, processes=processes))
        loaded.append([(entity.table, report.rows_read, report.rows_loaded, report.rows_quarantined)
                       for entity, report in reports])
        layers.append(_raw_layer(warehouse))
    # One at a time, the entities load in the order given; side by side, as each finishes: the rates first.
    assert [table for table, *_ in loaded[0]] == ["reference__fx_rates", *(e.table for e in ENTITIES
                                                                           if e.table != "reference__fx_rates")]
    assert loaded[1][0] == loaded[0][0]
    assert sorted(loaded[1]) == sorted(loaded[0])
    assert layers[0] == layers[1]
    quarantined = Pipeline(tmp_path / "raw", warehouse.url).query(
        "select source_file, row_number, rule, column_name from quarantine.rejected_rows")
    assert sorted([_relative(f), n, r, c] for f, n, r, c in quarantined) == sorted(EXPECTED["quarantined"])


def test_a_load_that_fails_leaves_the_others_loaded(tmp_path):
    """One entity's table refuses its rows (a column was dropped by hand): the loads beside it finish and are
    reported, and then the error is raised."""
    import duckdb
    import sqlalchemy as sa

    from cx_pipeline.entities import ENTITIES
    from cx_pipeline.ingest import ingest_entities
    from cx_pipeline.warehouse import Warehouse

    shutil.copytree(CORPUS / "raw", tmp_path / "raw")
    warehouse = Warehouse(url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    warehouse.create_tables()
    with warehouse.begin() as conn:
        conn.execute(sa.text("alter table raw.crm__nps_responses drop column comment"))
    settings = Pipeline(tmp_path / "raw", warehouse.url).settings
    reported = []
    with pytest.raises(duckdb.BinderException, match="comment"):
        for entity, report in ingest_entities(list(ENTITIES), dt.date(2026, 4, 1), dt.date(2026, 4, 1), warehouse,
                                              settings, dt.datetime(2026, 4, 2, 6, tzinfo=dt.timezone.utc)):
            reported.append(entity.table)
    assert reported[0] == "reference__fx_rates"
    assert sorted(reported) == sorted(e.table for e in ENTITIES if e.table != "crm__nps_responses")
    with warehouse.begin() as conn:
        files = dict(conn.execute(sa.text("select entity, count(*) from raw.extract_files group by 1")).all())
    warehouse.dispose()
    assert "crm__nps_responses" not in files
    assert files["ecommerce__orders"] == 2 and files["helpdesk__surveys"] == 6


def test_a_forked_load_worker_leaves_the_garbage_it_inherits_alone(tmp_path):
    """A worker forked while the loads start does not finalize the objects it inherits: garbage of this
    process (a connection whose threads are not in the fork, say) is this process's to collect."""
    import gc
    import multiprocessing
    import os

    from cx_pipeline.ingest import _inherited_objects_left_alone

    finalized = tmp_path / "finalized"

    class Cycle:
        def __init__(self) -> None:
            self.itself = self

        def __del__(self) -> None:
            with open(finalized, "a") as log:
                log.write(f"{os.getpid()}\n")

    def collect() -> None:
        gc.collect()

    def fork_while(frozen: bool) -> list[str]:
        finalized.unlink(missing_ok=True)
        gc.collect()
        Cycle()  # unreachable at once, collected at the next collection
        with _inherited_objects_left_alone() if frozen else contextlib.nullcontext():
            worker = multiprocessing.get_context("fork").Process(target=collect)
            worker.start()
        worker.join()
        child = str(worker.pid)
        gc.collect()
        return [("worker" if pid == child else "this process") for pid in finalized.read_text().split()]

    assert fork_while(frozen=False) == ["worker", "this process"]  # the worker finalized a copy
    assert fork_while(frozen=True) == ["this process"]


def test_orders_are_validated_against_the_rates_of_the_same_run(tmp_path, raw):
    """A night's exchange rates bring a currency for the first time, and an order of the same night is quoted
    in it: with the loads side by side, the rates still load before the order is validated, so it loads (not
    quarantined as an unknown currency), whatever the order the entities were asked in."""
    from cx_pipeline.entities import ENTITIES
    from cx_pipeline.ingest import ingest_entities
    from cx_pipeline.warehouse import Warehouse

    raw.write("reference/fx_rates", "2026-04-01", [{"date": "2026-04-01", "currency": "CHF", "rate_to_base": 1.12}])
    raw.write("ecommerce/orders", "2026-04-01", [
        {"order_id": "O1", "ordered_at": "2026-04-01T10:00:00Z", "updated_at": "2026-04-01T10:00:00Z",
         "status": "completed", "amount": 100, "currency": "CHF", "customer_id": "C1"}])
    warehouse = Warehouse(url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    settings = Pipeline(raw.root, warehouse.url).settings
    orders, rates = (next(e for e in ENTITIES if e.name == name) for name in ("orders", "fx_rates"))
    reports = list(ingest_entities([orders, rates], dt.date(2026, 4, 1), dt.date(2026, 4, 1), warehouse, settings,
                                   dt.datetime(2026, 4, 2, 6, tzinfo=dt.timezone.utc), processes=2))
    warehouse.dispose()
    assert [entity for entity, _ in reports] == [rates, orders]
    assert [(r.rows_loaded, r.rows_quarantined) for _, r in reports] == [(1, 0), (1, 0)]
