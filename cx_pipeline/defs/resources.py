"""The resources every asset uses, configured from the environment."""

import dagster as dg

from cx_pipeline.settings import Settings, warehouse_url_from_env
from cx_pipeline.warehouse import Warehouse


def build_resources() -> dict[str, dg.ConfigurableResource]:
    settings = Settings.from_env()
    return {
        "settings": settings,
        "warehouse": Warehouse(url=warehouse_url_from_env(), reporting_timezone=settings.reporting_timezone),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
