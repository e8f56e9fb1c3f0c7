"""Reports: the monthly CX report, an HTML page of charts over metrics_monthly."""

import dagster as dg

from cx_pipeline.defs.partitions import monthly_partitions, partition_dates
from cx_pipeline.headline import headline_markdown
from cx_pipeline.metrics import MONTHLY
from cx_pipeline.report import CARDS, read_report_data, write_report
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, retried_when_transient


@dg.asset(
    group_name="reports",
    description="One HTML file per calendar month (`cx_report_YYYY-MM.html` under CX_REPORT_DIR): the month at a "
                "glance for analysts and managers. Headline cards against the month before, 12-month trends, "
                "breakdowns by channel, team, agent and segment, support times, the shop funnel and data "
                "quality. Self-contained: it opens offline.",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["metrics_monthly"],
    kinds={"html", "plotly"},
)
def cx_report(context: dg.AssetExecutionContext, warehouse: Warehouse, settings: Settings) -> dg.MaterializeResult:
    start, end = partition_dates(context)
    with retried_when_transient():
        months = MONTHLY.period_starts(start, end)
        summaries = [write_report(data, settings.report_file(data.month))
                     for data in read_report_data(warehouse, months, settings)]
    latest = summaries[-1]
    cards = {card.metric for card in CARDS}
    headline = [row for row in latest.headline.rows if row.metric in cards]
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(latest.path.resolve())),
        "reports": len(summaries),
        "charts": latest.charts,
        "panels_without_data": ", ".join(latest.empty_panels) or "none",
        "headline": dg.MetadataValue.md(headline_markdown(headline, f"CX report {latest.month:%Y-%m}")),
    })
