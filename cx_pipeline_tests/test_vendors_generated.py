"""``cx-pipeline generate --vendors`` (SPEC §6): the generated data set with its tickets, CSAT, orders and carts
as Zendesk and Shopify objects gives every metric the same data gives in SPEC §1 layout (the generator's
``section1_as_vendors``: what the vendors can say, as SPEC §1 extracts). DuckDB only."""

from __future__ import annotations

import datetime as dt

from cx_pipeline.generate import generate
from cx_pipeline_tests.conftest import Pipeline, run_cli
from cx_pipeline_tests.test_nightly_equals_backfill import differing_rows, marts

START, END = dt.date(2026, 1, 5), dt.date(2026, 2, 10)


def test_vendor_objects_give_the_metrics_of_the_same_data_in_section_1_layout(tmp_path):
    warehouses = {}
    for layout in ("vendors", "section1_as_vendors"):
        # No dirty rows: an order quarantined for a bad amount leaves its Shopify checkout abandoned (the order
        # names the checkout), while a SPEC §1 cart names its order itself and stays converted.
        generate(tmp_path / layout, START, END, customers=250, seed=11, dirty_share=0, layout=layout)
        pipeline = Pipeline(tmp_path / layout, f"duckdb:///{tmp_path / layout}.duckdb")
        pipeline.backfill(START.isoformat(), END.isoformat())
        pipeline.warehouse.dispose()
        warehouses[layout] = marts(tmp_path / f"{layout}.duckdb")
    vendors, section1 = warehouses["vendors"], warehouses["section1_as_vendors"]
    assert differing_rows(vendors, section1) == {}
    # Not a comparison of two empty tables: each family has values.
    rows = {(row[1], row[2]) for row in vendors["metrics_monthly"] if row[4] is not None}
    for metric in ("tickets_created", "first_response_hours_median", "resolution_hours_median", "csat_pct",
                   "revenue", "cart_abandonment_rate", "active_customers"):
        assert (metric, "all") in rows, metric


def test_the_command_line_writes_the_vendor_layout(tmp_path):
    result = run_cli("generate", "--vendors", "--out", str(tmp_path / "raw"), "--start", "2026-01-05",
                     "--end", "2026-01-12", "--customers", "50", "--seed", "3")
    assert result.returncode == 0, result.stderr
    folders = {p.relative_to(tmp_path / "raw").as_posix() for p in (tmp_path / "raw").glob("*/*")}
    assert {"zendesk/tickets", "zendesk/ticket_metrics", "zendesk/users", "zendesk/groups",
            "shopify/orders", "shopify/checkouts", "crm/customers"} <= folders
    assert not {"helpdesk/tickets", "helpdesk/surveys", "ecommerce/orders", "ecommerce/carts"} & folders
