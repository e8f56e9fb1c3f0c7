"""The report shows only what the data supports, on a small data set worked out by hand.

Extracts run from 30 January to 10 March 2026: January is known for two days, February whole, March for
ten days. metrics_monthly also holds December 2025, before the first extract, where four subscriptions
started long ago make churn 0 % and retention 100 %: an artefact the report must not draw.
CX_MIN_SAMPLE is 3 here, so that a handful of rows crosses it.
"""

import datetime as dt
import math

import pytest

from cx_pipeline.headline import format_number
from cx_pipeline.report import build_panels, read_report_data, render_html
from cx_pipeline.settings import Settings
from cx_pipeline_tests.conftest import Pipeline, RawFiles

MIN_SAMPLE = 3


def _survey(rid: str, day: str, score: int) -> dict:
    return {"response_id": rid, "survey_type": "csat", "responded_at": f"{day}T10:00:00Z", "score": score,
            "scale_max": 5}


def _nps(rid: str, day: str, customer: str, score: int) -> dict:
    return {"response_id": rid, "customer_id": customer, "responded_at": f"{day}T10:00:00Z", "score": score}


def _subscription(customer: str, updated: str, ended: str = "") -> dict:
    return {"subscription_id": f"S{customer}", "customer_id": customer, "started_at": "2025-06-01T00:00:00Z",
            "updated_at": updated, "ended_at": ended, "plan": "basic", "monthly_amount": 30}


@pytest.fixture(scope="module")
def march(tmp_path_factory):
    root = tmp_path_factory.mktemp("truth")
    raw = RawFiles(root / "raw")
    raw.write("crm/subscriptions", "2026-01-30",
              [_subscription(c, "2025-06-01T00:00:00Z") for c in ("C1", "C2", "C3", "C4")])
    raw.write("crm/subscriptions", "2026-02-15", [_subscription("C4", "2026-02-15T09:00:00Z", "2026-02-15T09:00:00Z")])
    # CSAT: January one unsatisfied answer; February 3 of 4 satisfied, 2 of 3 in its first ten days;
    # March (to the 10th) 2 of 3.
    for rid, day, score in (("R1", "2026-01-30", 1), ("R2", "2026-02-02", 5), ("R3", "2026-02-03", 4),
                            ("R4", "2026-02-05", 2), ("R5", "2026-02-20", 5), ("R6", "2026-03-02", 5),
                            ("R7", "2026-03-04", 5), ("R8", "2026-03-09", 1)):
        raw.write("helpdesk/surveys", day, [_survey(rid, day, score)])
    # NPS in February: 10, 10, 8 -> 66.7, its interval reaching past 100; the last extract is on 10 March.
    raw.write("crm/nps_responses", "2026-02-10", [_nps("N1", "2026-02-10", "C1", 10),
                                                  _nps("N2", "2026-02-10", "C2", 10),
                                                  _nps("N3", "2026-02-10", "C3", 8)])
    raw.write("crm/nps_responses", "2026-03-10", [_nps("N4", "2026-03-10", "C1", 9)])
    pipeline = Pipeline(raw.root, f"duckdb:///{root / 'warehouse.duckdb'}", min_sample=MIN_SAMPLE)
    pipeline.backfill("2026-01-30", "2026-03-10", months=("2025-12-01", "2026-03-01"))
    data, = read_report_data(pipeline.warehouse, [dt.date(2026, 3, 1)], pipeline.settings)
    pipeline.warehouse.dispose()
    return pipeline, data, {panel.id: panel.figure for panel in build_panels(data)}


def _traces(figure: dict, name: str) -> list[dict]:
    return [t for t in figure["data"] if t.get("name") == name]


def test_no_month_before_the_first_extract(march):
    pipeline, _, figures = march
    # The table holds December's artefact ...
    assert pipeline.value("churn_rate", "2025-12-01") == 0 and pipeline.value("retention_rate", "2025-12-01") == 100
    # ... and no chart draws December.
    months = {x for figure in figures.values() if figure for trace in figure["data"]
              if trace.get("xaxis", "x").startswith("x") and trace["type"] == "scatter" for x in trace["x"]}
    assert months == {"2026-01-01", "2026-02-01", "2026-03-01"}


def test_partial_months_and_thin_values_are_hollow_points_off_the_line(march):
    pipeline, _, figures = march
    assert pipeline.value("csat_pct", "2026-01-01") == 0 and pipeline.value("csat_pct", "2026-02-01") == 75
    line, hollow = _traces(figures["csat_ces_trend"], "CSAT %")
    assert line["y"] == [None, 75.0, None]
    assert hollow["marker"]["symbol"] == "circle-open"
    assert hollow["y"][0] == 0.0 and hollow["y"][1] is None and hollow["y"][2] == pytest.approx(200 / 3)
    assert [reason for _, reason in hollow["customdata"]] == [
        "partial month: data 30–31 Jan 2026; n = 1, fewer than 3", "", "partial month: data 1–10 Mar 2026"]


def test_ltv_is_a_fact_only_where_enough_customers_churned(march):
    pipeline, _, figures = march
    # February: 1 of 4 customers lost (churn 25 %): LTV rests on one churned customer. January and March lost
    # none, so their LTV is undefined.
    assert pipeline.value("churn_rate", "2026-02-01") == 25
    assert pipeline.value("ltv", "2026-02-01") is not None and pipeline.value("ltv", "2026-03-01") is None
    line, hollow = _traces(figures["ltv_trend"], "LTV")
    assert line["x"] == ["2026-02-01"] and line["y"] == [None]
    assert hollow["customdata"] == [["4", "n = 1, fewer than 3"]]


def test_intervals_are_clamped_to_the_metrics_range(march):
    pipeline, _, figures = march
    row = pipeline.metric("nps", "2026-02-01")
    p = 2 / 3
    half = 1.96 * 100 * math.sqrt((p - p ** 2) / 3)
    assert row.value == pytest.approx(200 / 3) and row.ci_high == pytest.approx(200 / 3 + half) and row.ci_high > 100
    upper, lower = (t for t in figures["nps_trend"]["data"] if t.get("hoverinfo") == "skip")
    assert upper["x"] == lower["x"] == ["2026-02-01", "2026-03-01"]
    assert upper["y"][0] == 100 and lower["y"][0] == pytest.approx(200 / 3 - half)
    assert upper["y"][1] is None  # March: a partial month with one answer has no band


def test_a_partial_month_is_compared_with_the_same_days_of_the_month_before(march):
    _, data, _ = march
    html = " ".join(render_html(data, build_panels(data)).split())
    assert ("Partial month: the data covers 1–10 Mar 2026. Changes are against the same days of the month "
            "before (1–10 Feb 2026)") in html
    cards = {card["metric"]: card for card in _cards(data)}
    # CSAT 2 of 3 in 1–10 March against 2 of 3 in 1–10 February, not against February's 3 of 4.
    assert cards["csat_pct"]["value"] == "66.7%" and cards["csat_pct"]["change"] == "0.0 pts vs 1–10 Feb 2026"
    assert cards["churn_rate"]["change"] == "partial month: compared once it is complete"


def _cards(data):
    from cx_pipeline.report import CARDS, _card

    return [_card(card, data) for card in CARDS]


def test_no_funnel_and_every_axis_titled_on_its_own_scale(march):
    _, _, figures = march
    for panel, figure in figures.items():
        if figure is None:
            continue
        assert all(t["type"] in ("scatter", "bar") for t in figure["data"]), panel
        axes = {k: v for k, v in figure["layout"].items() if k.startswith(("xaxis", "yaxis"))}
        used = {t.get(a, a[0]) for t in figure["data"] for a in ("xaxis", "yaxis")}
        assert {f"{n[0]}axis{n[1:]}" for n in used} <= set(axes), panel
        for name, axis in axes.items():
            assert axis["title"]["text"], (panel, name)
            assert "overlaying" not in axis, (panel, name)  # overlaid axes get unround "synced" ticks


def test_a_change_that_rounds_to_zero_has_no_sign():
    assert format_number(-0.001, 2, signed=True) == "0.00"
    assert format_number(-0.004, 1) == "0.0"
    assert format_number(-0.006, 2, signed=True) == "-0.01"
    assert format_number(1234.5, 0, signed=True) == "+1,234"


def test_the_minimum_sample_is_a_setting(monkeypatch):
    assert Settings.from_env().min_sample == 30
    monkeypatch.setenv("CX_MIN_SAMPLE", "50")
    assert Settings.from_env().min_sample == 50


def test_the_demo_summary_marks_the_partial_month_and_compares_like_for_like(march, monkeypatch):
    from cx_pipeline.cli import month_summary

    pipeline, _, _ = march
    monkeypatch.setenv("CX_MIN_SAMPLE", str(MIN_SAMPLE))
    lines = month_summary(pipeline.warehouse, dt.date(2026, 3, 1)).splitlines()
    pipeline.warehouse.dispose()
    assert lines[1] == ("Partial month: the data covers 1–10 Mar 2026; compared with the same days of the month "
                        "before (1–10 Feb 2026).")
    assert lines[2].split() == ["metric", "Mar", "2026", "1–10", "Feb", "2026", "change", "verdict", "sample", "note"]
    rows = {line.split()[0]: line.split(maxsplit=1)[1] for line in lines[4:]}
    assert rows["csat_pct"].split() == ["66.67", "66.67", "0.00", "3"]
    assert rows["churn_rate"].split(maxsplit=4) == ["0.00", "—", "—", "3",
                                                    "partial month: compared once it is complete"]
    assert rows["nps"].split(maxsplit=4) == ["100.00", "66.67", "—", "1", "fewer than 3 observations"]
