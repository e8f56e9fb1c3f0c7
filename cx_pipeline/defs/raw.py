"""Raw layer: one asset per entity of SPEC §1 and per vendor object of SPEC §6, partitioned by extract date.

Each asset reads the extract files of its dates, validates them with the entity's Great Expectations
suite, and replaces exactly those dates in raw.<entity>, quarantining the rows that fail. Its checks
show, per run, whether every file could be read, whether every row read was loaded or quarantined,
and which expectations failed.

The assets are one step (a multi-asset that runs any subset of them): it reads and validates two entities
at a time in worker processes and writes each as it comes back, as steps of their own could not (a DuckDB
file admits one writing process, and Dagster runs the steps of a process one after the other).
"""


import datetime as dt
from typing import Iterator

import dagster as dg

from cx_pipeline.defs.partitions import daily_partitions, judged_over, partition_dates
from cx_pipeline.entities import ENTITIES, Entity
from cx_pipeline.ingest import IngestReport, ingest_entities
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, retried_when_transient

FILES_READABLE = "files_readable"
ROWS_RECONCILED = "rows_reconciled"
EXPECTATIONS = "expectations"


def raw_asset_key(entity: Entity) -> dg.AssetKey:
    return dg.AssetKey(f"raw_{entity.table}")


def _held_back(report: IngestReport) -> str:
    return (f"the metric partitions that the extracts of {report.start} .. {report.end} change are held back: "
            "a rerun after fixing (or removing) the file publishes them")


def _files_readable(report: IngestReport) -> dg.AssetCheckResult:
    """Failed, blocking, when a file of the run's dates could not be read or belongs to no real extract date
    (write-audit-publish: SPEC §3); failed as a warning only when files named without any date lie beside
    the extracts, never loaded."""
    undated = [f"not loaded, the name starts with no date (YYYY-MM-DD): {path}" for path in report.undated]
    return dg.AssetCheckResult(
        check_name=FILES_READABLE,
        passed=not report.failures and not undated,
        severity=dg.AssetCheckSeverity.ERROR if report.failures else dg.AssetCheckSeverity.WARN,
        description="; ".join([*map(str, report.failures), *undated]) or "every extract file was read",
        metadata={"files_read": len(report.files), "files_failed": len(report.failures),
                  "files_undated": len(undated), **({"held_back": _held_back(report)} if report.failures else {})},
    )


def _check_results(report: IngestReport) -> list[dg.AssetCheckResult]:
    """The three checks of a load, each naming the extract dates it judged: the UI shows no partition for a
    check of a run over a range."""
    return [judged_over(result, report.start, report.end) for result in _judged(report)]


def _judged(report: IngestReport) -> list[dg.AssetCheckResult]:
    failed_expectations = [e for e in report.expectations if not e.success]
    checks = [
        _files_readable(report),
        dg.AssetCheckResult(
            check_name=ROWS_RECONCILED,
            passed=not report.unreconciled,
            description=("every row read was loaded or quarantined" if not report.unreconciled else
                         "; ".join(f"{f.source_file}: read {f.rows_read}, loaded {f.rows_loaded}, "
                                   f"quarantined {f.rows_quarantined}" for f in report.unreconciled)),
            metadata={"rows_read": report.rows_read, "rows_loaded": report.rows_loaded,
                      "rows_quarantined": report.rows_quarantined},
        ),
        dg.AssetCheckResult(
            check_name=EXPECTATIONS,
            passed=not any(e.quarantines for e in failed_expectations),
            severity=dg.AssetCheckSeverity.WARN,
            description=(f"{len(report.expectations) - len(failed_expectations)} of {len(report.expectations)} "
                         "expectations met; rows breaking them were quarantined"),
            metadata={f"{e.rule}:{e.column}": e.unexpected_count for e in failed_expectations},
        ),
    ]
    return [check._replace(asset_key=raw_asset_key(report.entity)) for check in checks]


def _spec(entity: Entity) -> dg.AssetSpec:
    # Orders and subscriptions are validated against the currencies that have a rate.
    deps = [raw_asset_key(e) for e in ENTITIES if e.name == "fx_rates"] if entity.columns_of_type("currency") \
        and entity.name != "fx_rates" else []
    return dg.AssetSpec(
        raw_asset_key(entity), group_name="raw", deps=deps, kinds={"python", "duckdb"},
        description=f"One row per record of `{entity.path}` per extract date (the file's date), typed and "
                    f"validated, with its source file and row number. Table `raw.{entity.table}`.",
        metadata={"table": f"raw.{entity.table}", "source_path": entity.path, "key": ", ".join(entity.key)})


def _check_specs(entity: Entity) -> list[dg.AssetCheckSpec]:
    key = raw_asset_key(entity)
    return [
        dg.AssetCheckSpec(FILES_READABLE, asset=key, blocking=True,
                          description="Every extract file of the partition could be read and has the "
                                      "required columns."),
        dg.AssetCheckSpec(ROWS_RECONCILED, asset=key, blocking=True,
                          description="Rows read = rows loaded + rows quarantined, for every file."),
        dg.AssetCheckSpec(EXPECTATIONS, asset=key,
                          description="The entity's Great Expectations suite; failing rows are quarantined."),
    ]


@dg.multi_asset(
    name="raw",
    specs=[_spec(entity) for entity in ENTITIES],
    check_specs=[spec for entity in ENTITIES for spec in _check_specs(entity)],
    can_subset=True,
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
)
def raw(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings) -> Iterator[dg.MaterializeResult]:
    """Load the extract dates of the run for every selected entity; one materialization per entity."""
    start, end = partition_dates(context)
    entities = [entity for entity in ENTITIES if raw_asset_key(entity) in context.selected_asset_keys]
    with retried_when_transient():
        for entity, report in ingest_entities(entities, start, end, warehouse, settings,
                                              dt.datetime.now(dt.timezone.utc)):
            for failure in report.failures:
                context.log.error(str(failure))
            for path in report.undated:
                context.log.warning(f"not loaded, the name starts with no date (YYYY-MM-DD): {path}")
            yield dg.MaterializeResult(
                asset_key=raw_asset_key(entity),
                metadata={"rows_read": report.rows_read, "rows_loaded": report.rows_loaded,
                          "rows_quarantined": report.rows_quarantined, "files": len(report.files),
                          "extract_dates": f"{start} .. {end}"},
                check_results=_check_results(report),
            )


raw_assets = [raw]
