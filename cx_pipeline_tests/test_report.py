"""The monthly CX report: written by the asset and the command line, opened in real headless Chromium."""

import datetime as dt
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from cx_pipeline.defs.report import cx_report
from cx_pipeline.generate import generate
from cx_pipeline_tests.conftest import Pipeline, run_cli

MONTH = "2026-03"
PANELS = ("nps_trend", "csat_ces_trend", "churn_retention_trend", "ltv_trend", "by_channel", "by_team", "by_agent",
          "by_segment", "support_times", "shop_conversion", "quarantine_by_rule", "identity_shares")
CARD_FORMATS = {"nps": "{:.1f}", "csat_pct": "{:.1f}%", "ces_avg": "{:.2f}", "churn_rate": "{:.1f}%",
                "retention_rate": "{:.1f}%", "ltv": "{:,.0f} USD", "referral_rate": "{:.1f}%"}


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> tuple[Pipeline, dg.ExecuteInProcessResult, Path]:
    """Three generated months through the backfill, then cx_report for the last one."""
    root = tmp_path_factory.mktemp("report")
    generate(root / "raw", dt.date(2026, 1, 1), dt.date(2026, 3, 31), customers=400, seed=11)
    pipeline = Pipeline(root / "raw", f"duckdb:///{root / 'warehouse.duckdb'}", report_dir=str(root / "reports"))
    pipeline.backfill("2026-01-01", "2026-03-31")
    result = dg.materialize([cx_report], partition_key=f"{MONTH}-01", resources=pipeline.resources)
    return pipeline, result, root / "reports" / f"cx_report_{MONTH}.html"


def _headline(pipeline: Pipeline, month: str) -> dict[str, float | None]:
    return {metric: pipeline.value(metric, f"{month}-01") for metric in CARD_FORMATS}


def test_the_asset_writes_the_report_and_shows_its_headline(reported):
    pipeline, result, path = reported
    assert path.is_file()
    metadata = result.asset_materializations_for_node("cx_report")[0].metadata
    assert metadata["path"].path == str(path.resolve())
    assert metadata["charts"].value == len(PANELS)
    assert metadata["panels_without_data"].value == "none"
    nps = pipeline.value("nps", f"{MONTH}-01")
    previous = pipeline.value("nps", "2026-02-01")
    assert f"| nps | {nps:,.2f} | {previous:,.2f} | {nps - previous:+,.2f} |" in metadata["headline"].value

    monthly = pipeline.results[1].asset_materializations_for_node("metrics_monthly")[0].metadata
    assert monthly["report"].path == str(path.resolve())
    assert f"| nps | {nps:,.2f} |" in monthly["headline"].value


class _Tags(HTMLParser):
    """The page's tags with their attributes (a script's own text is not parsed as tags)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_report_is_self_contained(reported):
    html = reported[2].read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    fetched = [(tag, attrs) for tag, attrs in parser.tags if attrs.get("src") or (tag == "link" and attrs.get("href"))]
    assert fetched == [], "the report loads something from outside the page"
    scripts = [tag for tag, _ in parser.tags if tag == "script"]
    assert len(scripts) == 1 + len(PANELS)  # plotly.js inline, then one call per chart
    assert html.count('data-state="chart"') == len(PANELS)
    # plotly.js's basic bundle (scatter and bar charts): the full library made each report 4.8 MB.
    assert "plotly.js (basic - minified)" in html and len(html.encode()) < 1_400_000


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing on CI: .ci/run installs Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def _open_in_chromium(page: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={workdir / 'profile'}",
               "--hide-scrollbars", "--virtual-time-budget=15000", *args, page.resolve().as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_chromium_draws_every_chart_and_the_headline_values(reported, tmp_path):
    from PIL import Image

    pipeline, _, path = reported
    dom = _open_in_chromium(path, tmp_path, "--dump-dom").stdout
    drawn = re.findall(r'<div id="chart-(\w+)" class="[^"]*\bjs-plotly-plot\b', dom)
    assert sorted(drawn) == sorted(PANELS)
    assert dom.count('class="main-svg"') >= len(PANELS)
    assert 'data-state="no-data"' not in dom

    cards = dict(re.findall(r'data-metric="(\w+)">\s*<div class="title">[^<]*</div>\s*<div class="value[^"]*">([^<]*)<',
                            dom))
    expected = {metric: CARD_FORMATS[metric].format(value) for metric, value in _headline(pipeline, MONTH).items()}
    assert cards == expected

    shot = tmp_path / "report.png"
    _open_in_chromium(path, tmp_path, "--window-size=1400,3300", f"--screenshot={shot}")
    image = Image.open(shot).convert("RGB")
    assert image.size == (1400, 3300)
    background = image.getpixel((5, 5))
    pixels = list(image.getdata())
    painted = sum(1 for p in pixels if p != background) / len(pixels)
    colours = len(set(pixels))
    assert painted > 0.3, f"only {painted:.0%} of the page differs from its background"
    assert colours > 500, f"only {colours} colours: the charts did not draw"


def test_a_month_before_any_data_says_so_in_every_panel(reported):
    pipeline, _, path = reported
    out = path.parent / "cx_report_2025-06.html"
    result = run_cli("report", "--month", "2025-06", "--out", str(out), "--warehouse", pipeline.warehouse.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: 0 charts, {len(PANELS)} panels without data")
    html = out.read_text(encoding="utf-8")
    assert html.count('data-state="no-data"') == len(PANELS)
    assert re.findall(r'<div class="value missing">no data</div>', html) == ["<div class=\"value missing\">no data</div>"] * 7
    assert "Plotly.newPlot" not in html and len(html) < 50_000  # no charts, so no plotly.js either


def test_a_month_not_yet_computed_keeps_its_trends_and_says_what_is_missing(reported):
    pipeline, _, path = reported
    out = path.parent / "cx_report_2026-04.html"
    result = run_cli("report", "--month", "2026-04", "--out", str(out), "--warehouse", pipeline.warehouse.url)
    assert result.returncode == 0, result.stderr
    states = dict(re.findall(r'data-panel="(\w+)" data-state="([\w-]+)"', out.read_text(encoding="utf-8")))
    # The trends reach back into January to March; everything about April itself is empty.
    trends = {"nps_trend", "csat_ces_trend", "churn_retention_trend", "ltv_trend", "support_times", "shop_conversion"}
    assert states == {panel: "chart" if panel in trends else "no-data" for panel in PANELS}


def test_bad_months_and_missing_tables_fail_with_one_line(tmp_path):
    bad = run_cli("report", "--month", "2026-13")
    assert bad.returncode == 2 and "'2026-13' is not a month (YYYY-MM)" in bad.stderr
    missing = run_cli("report", "--month", "2026-03", "--warehouse", f"duckdb:///{tmp_path / 'missing.duckdb'}",
                      "--out", str(tmp_path / "r.html"))
    assert missing.returncode == 1
    assert missing.stderr.strip() == (f"cx-pipeline: there is no warehouse at {tmp_path / 'missing.duckdb'}: "
                                      "has the pipeline run against it?")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    empty = run_cli("report", "--month", "2026-03", "--warehouse", f"duckdb:///{tmp_path / 'empty.duckdb'}",
                    "--out", str(tmp_path / "r.html"))
    assert empty.returncode == 1
    assert empty.stderr.strip() == ("cx-pipeline: the warehouse has no table marts.metrics_monthly: "
                                    "has the pipeline run against this warehouse?")
    assert "Traceback" not in empty.stderr
