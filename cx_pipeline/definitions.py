"""The Dagster code location: everything under defs/ (raw → staging → intermediate → marts, their
checks, jobs and schedules) with the resources configured from the environment."""

import os
from pathlib import Path

import dagster as dg

from cx_pipeline.dagster_instance import EVENT_BATCH_SIZE

# A backfill of a year is one run over 365 partitions of a dozen assets. Dagster plans a materialization
# per partition unless told to plan each asset's range in one event, which halves what recording a year
# costs (README, "Performance"); a failed ranged run then shows as failed for its range, not per partition.
os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
# Its materializations are still one per partition; batched, the instance's event log stores each
# asset's range in one transaction (cx_pipeline/dagster_instance.py).
os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent / "defs")
