"""Raw layer: one asset per entity of SPEC §1 and per vendor object of SPEC §6, partitioned by extract date.

Each asset reads the extract files of its dates, validates them with the entity's Great Expectations
suite, and replaces exactly those dates in raw.<entity>, quarantining the rows that fail. Its checks
show, per run, whether every file could be read, whether every row read was loaded or quarantined,
and which expectations failed.
"""


import datetime as dt

import dagster as dg

from cx_pipeline.defs.partitions import daily_partitions, judged_over, partition_dates
from cx_pipeline.entities import ENTITIES, Entity
from cx_pipeline.ingest import IngestReport, ingest_entity
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
    return [
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


def build_raw_asset(entity: Entity) -> dg.AssetsDefinition:
    key = raw_asset_key(entity)
    # Orders and subscriptions are validated against the currencies that have a rate.
    deps = [raw_asset_key(e) for e in ENTITIES if e.name == "fx_rates"] if entity.columns_of_type("currency") \
        and entity.name != "fx_rates" else []

    @dg.asset(
        key=key,
        group_name="raw",
        description=f"One row per record of `{entity.path}` per extract date (the file's date), typed and "
                    f"validated, with its source file and row number. Table `raw.{entity.table}`.",
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        deps=deps,
        pool="warehouse",
        kinds={"python", "duckdb"},
        metadata={"table": f"raw.{entity.table}", "source_path": entity.path, "key": ", ".join(entity.key)},
        check_specs=[
            dg.AssetCheckSpec(FILES_READABLE, asset=key, blocking=True,
                              description="Every extract file of the partition could be read and has the "
                                          "required columns."),
            dg.AssetCheckSpec(ROWS_RECONCILED, asset=key, blocking=True,
                              description="Rows read = rows loaded + rows quarantined, for every file."),
            dg.AssetCheckSpec(EXPECTATIONS, asset=key,
                              description="The entity's Great Expectations suite; failing rows are quarantined."),
        ],
    )
    def _raw(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings) -> dg.MaterializeResult:
        start, end = partition_dates(context)
        with retried_when_transient():
            report = ingest_entity(entity, start, end, warehouse, settings, dt.datetime.now(dt.timezone.utc))
        for failure in report.failures:
            context.log.error(str(failure))
        for path in report.undated:
            context.log.warning(f"not loaded, the name starts with no date (YYYY-MM-DD): {path}")
        return dg.MaterializeResult(
            metadata={"rows_read": report.rows_read, "rows_loaded": report.rows_loaded,
                      "rows_quarantined": report.rows_quarantined, "files": len(report.files),
                      "extract_dates": f"{start} .. {end}"},
            check_results=_check_results(report),
        )

    return _raw


raw_assets = [build_raw_asset(entity) for entity in ENTITIES]
