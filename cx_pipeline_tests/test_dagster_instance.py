"""The project instance's event log stores a ranged run's materializations, and the materializations and
checks a run plans, in batches and records exactly what Dagster's own SQLite event log records: the same
partitions, events, tags, latest materialization and check executions."""

import dagster as dg

from cx_pipeline import dagster_instance
from cx_pipeline.defs.schedules import range_tags

DAYS = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-11")


@dg.multi_asset(specs=[dg.AssetSpec("loaded", partitions_def=DAYS)], partitions_def=DAYS,
                backfill_policy=dg.BackfillPolicy.single_run(), can_subset=True,
                check_specs=[dg.AssetCheckSpec("read", asset="loaded"), dg.AssetCheckSpec("planned_only", asset="loaded")])
def loaded(context: dg.AssetExecutionContext):
    # A subsettable step may leave a planned check unevaluated, as dbt does with the tests of a model it
    # leaves out.
    yield dg.MaterializeResult(asset_key="loaded", metadata={"days": len(context.partition_keys)},
                               data_version=dg.DataVersion("v1"),
                               check_results=[dg.AssetCheckResult(check_name="read", passed=True)])


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run(), deps=[loaded])
def derived(context: dg.AssetExecutionContext) -> None:
    pass


def _record(instance: dg.DagsterInstance) -> dict:
    """What the UI reads of the two assets after a ranged run and a single-partition run."""
    dg.materialize([loaded, derived], instance=instance, tags=range_tags("2026-01-01", "2026-01-10"))
    dg.materialize([loaded], instance=instance, partition_key="2026-01-04")
    recorded = {}
    for asset in (loaded, derived):
        key = asset.key
        records = instance.fetch_materializations(key, limit=100).records
        latest = instance.get_latest_materialization_event(key)
        recorded[key.to_user_string()] = {
            "materialized partitions": sorted(instance.get_materialized_partitions(key)),
            "materializations by partition": sorted(r.partition_key for r in records),
            "latest": latest.dagster_event.partition,
            # `derived` has no data version of its own: Dagster derives one that differs from run to run.
            "data versions": sorted((r.partition_key, r.asset_materialization.tags["dagster/data_version"])
                                    for r in records) if asset is loaded else None,
            "in the run's own log": sorted(
                e.dagster_event.partition for run in instance.get_runs()
                for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
                if e.dagster_event.asset_key == key),
            "last run": instance.get_latest_materialization_event(key).run_id == instance.get_runs(limit=1)[0].run_id,
            "planned in the last run": instance.get_latest_planned_materialization_info(key).run_id
            == instance.get_runs(limit=1)[0].run_id if asset is loaded else None,
        }
    runs = [run.run_id for run in reversed(instance.get_runs())]
    for check in ("read", "planned_only"):
        history = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(loaded.key, check), limit=100)
        recorded[check] = sorted((runs.index(r.run_id), r.partition or "", r.status.value) for r in history)
    return recorded


def test_a_ranged_run_is_recorded_in_batches_and_as_dagsters_own_sqlite_storage_records_it(tmp_path, monkeypatch):
    # As definitions.py sets them: batches, and a ranged run planning each asset's range in one event.
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", dagster_instance.EVENT_BATCH_SIZE)
    monkeypatch.setenv("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
    batches, transactions = [], []
    store_event_batch = dagster_instance.BatchingSqliteEventLogStorage.store_event_batch
    connect = dagster_instance.BatchingSqliteEventLogStorage._connect

    storing = []

    def counted(storage, events):
        batches.append(len(events))
        transactions.append(0)
        storing.append(True)
        try:
            store_event_batch(storage, events)
        finally:
            storing.pop()

    def counted_connect(storage, shard):
        if storing:
            transactions[-1] += 1
        return connect(storage, shard)

    monkeypatch.setattr(dagster_instance.BatchingSqliteEventLogStorage, "store_event_batch", counted)
    monkeypatch.setattr(dagster_instance.BatchingSqliteEventLogStorage, "_connect", counted_connect)

    (tmp_path / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as plain, \
            dagster_instance.in_folder(tmp_path / "batching") as batching:
        assert type(plain.event_log_storage).__name__ == "SqliteEventLogStorage"
        expected = _record(plain)
        batches.clear()
        transactions.clear()
        assert _record(batching) == expected

    days = [f"2026-01-{day:02d}" for day in range(1, 11)]
    assert expected["loaded"]["materialized partitions"] == days
    assert expected["loaded"]["materializations by partition"] == sorted([*days, "2026-01-04"])
    assert expected["loaded"]["latest"] == "2026-01-04"
    assert expected["derived"]["latest"] == "2026-01-10"
    assert set(expected["loaded"]["data versions"]) == {(day, "v1") for day in days}
    # A check planned for a range is recorded as planned once per partition (as Dagster's storage does); the
    # result of one that ran is recorded beside them.
    planned = sorted([(0, day, "PLANNED") for day in days] + [(1, "2026-01-04", "PLANNED")])
    assert expected["planned_only"] == planned
    assert expected["read"] == sorted([*planned, (0, "", "SUCCEEDED"), (1, "", "SUCCEEDED")])
    # Each run's planned events in one batch (one for each asset and each check: 2 + 2, then 1 + 2), and the
    # ten materializations of each asset in one.
    assert batches == [4, 10, 10, 3]
    # Each batch in one transaction on the run's database and one on the index.
    assert transactions == [2, 2, 2, 2]


def test_the_event_log_lives_where_dagster_keeps_a_sqlite_instances_runs(tmp_path, monkeypatch):
    """Without DAGSTER_HOME, in the project's dagster_home/: test_cli asks the project instance for it."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    storage = dagster_instance.BatchingSqliteEventLogStorage()
    assert storage.path_for_shard("index") == str(tmp_path / "history" / "runs" / "index.db")


def test_an_open_engine_reads_what_another_instance_stored_since(tmp_path):
    """The webserver keeps its engines open while command-line runs store events through instances of their own."""
    reader = dagster_instance.BatchingSqliteEventLogStorage(str(tmp_path / "history" / "runs"))
    assert reader.get_materialized_partitions(loaded.key) == set()
    with dagster_instance.in_folder(tmp_path) as writer:
        dg.materialize([loaded], instance=writer, partition_key="2026-01-05")
    assert reader.get_materialized_partitions(loaded.key) == {"2026-01-05"}


def test_the_event_log_is_synced_at_its_checkpoints_and_keeps_what_it_stored(tmp_path):
    """SQLite's synchronous=NORMAL (1) on Dagster's write-ahead logs: what a closed instance stored, a new one
    reads."""
    with dagster_instance.in_folder(tmp_path) as instance:
        dg.materialize([loaded], instance=instance, partition_key="2026-01-05")
        with instance.event_log_storage.index_connection() as connection:
            modes = [connection.exec_driver_sql(f"pragma {name}").scalar() for name in ("journal_mode", "synchronous")]
    assert modes == ["wal", 1]
    with dagster_instance.in_folder(tmp_path) as instance:
        assert instance.get_materialized_partitions(loaded.key) == {"2026-01-05"}
