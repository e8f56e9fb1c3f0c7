"""The Dagster code location: everything under defs/ (raw → staging → intermediate → marts, their
checks, jobs and schedules) with the resources configured from the environment."""

from pathlib import Path

import dagster as dg

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent / "defs")
