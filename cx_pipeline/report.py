"""The monthly CX report: one self-contained HTML page of Plotly charts, read from the warehouse.

The page carries plotly.js (its "basic" bundle: scatter and bar charts, a quarter of the full library),
its styles and its data inline, so it opens offline and can be mailed as one file. Every panel either
shows a chart or says plainly that the month has no data for it.

It shows only what the data supports: no month before the first extract or after the last; a month the
extracts cover in part is marked partial; a value resting on fewer than CX_MIN_SAMPLE observations is
drawn hollow or grey and says so, never as a fact; intervals are clamped to the metric's range.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.resources
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cx_pipeline.headline import (DataSpan, MonthHeadline, day_range_text, format_number, month_end, month_headline,
                                  observations, previous_period, read_data_span, too_few)
from cx_pipeline.metrics import MONTHLY
from cx_pipeline.settings import Settings
from cx_pipeline.warehouse import Warehouse, read_sql

TREND_MONTHS = 12
TOP_AGENTS = 15


@dataclasses.dataclass(frozen=True)
class Card:
    """A headline card: how a metric's value and its change are written."""

    metric: str
    title: str
    unit: str
    """'%', 'currency' or '' (a plain score)."""
    decimals: int
    higher_is_better: bool
    hint: str = ""


CARDS = (
    Card("nps", "NPS", "", 1, True),
    Card("csat_pct", "CSAT", "%", 1, True),
    Card("ces_avg", "CES", "", 2, False, "1–5, lower is easier"),
    Card("churn_rate", "Churn", "%", 1, False),
    Card("retention_rate", "Retention", "%", 1, True),
    Card("ltv", "LTV", "currency", 0, True),
    Card("referral_rate", "Referral rate", "%", 1, True),
)


@dataclasses.dataclass(frozen=True)
class ReportData:
    """What the report of ``month`` shows, as read from the warehouse."""

    month: dt.date
    headline: MonthHeadline
    metrics: pd.DataFrame
    """metrics_monthly rows of the months the report shows (the twelve ending with ``month``, none outside
    the data), every dimension."""
    quarantine: pd.DataFrame
    """Rows quarantined from the month's extracts, by rule and entity."""
    identity: pd.DataFrame
    """The month's records, by entity and customer-identity rule."""
    span: DataSpan | None
    base_currency: str
    min_sample: int


@dataclasses.dataclass(frozen=True)
class Panel:
    id: str
    section: str
    title: str
    note: str
    figure: dict | None
    """A plotly.js figure (data and layout), or None when the month has no data for the panel."""
    empty: str = "No data for this month."


@dataclasses.dataclass(frozen=True)
class ReportSummary:
    month: dt.date
    path: Path
    charts: int
    empty_panels: tuple[str, ...]
    headline: MonthHeadline


def trend_start(month: dt.date) -> dt.date:
    first = month
    for _ in range(TREND_MONTHS - 1):
        first = previous_period(MONTHLY, first)
    return first


def read_report_data(warehouse: Warehouse, months: list[dt.date], settings: Settings) -> list[ReportData]:
    """What the reports of ``months`` (first days, ascending) show, read in one pass over the warehouse."""
    params = {"first_month": trend_start(months[0]), "last_month": months[-1], "first_day": months[0],
              "last_day": month_end(months[-1])}
    span = read_data_span(warehouse)
    with warehouse.begin() as conn:
        metrics, quarantine, identity = (_frame(conn, f"report/report_{name}.sql", params)
                                         for name in ("metric_rows", "quarantine_by_rule", "identity_shares"))
    # The charts select rows by metric and dimension dozens of times: categories make each pick cheap.
    metrics = metrics.astype({"metric": "category", "dimension": "category"})
    if span is not None:  # a month the data does not reach is not shown, whatever the table holds for it
        metrics = metrics[metrics.month.between(pd.Timestamp(span.first_day.replace(day=1)),
                                                pd.Timestamp(span.last_day))]
    else:
        metrics = metrics.iloc[0:0]
    reports = []
    for month in months:
        first, this = pd.Timestamp(trend_start(month)), pd.Timestamp(month)
        reports.append(ReportData(
            month, month_headline(warehouse, month, span, settings.min_sample), metrics[metrics.month.between(first, this)],
            quarantine[quarantine.month == this], identity[identity.month == this], span, settings.base_currency,
            settings.min_sample))
    return reports


def _frame(conn: sa.Connection, relative: str, params: dict[str, object]) -> pd.DataFrame:
    result = Warehouse.execute(conn, read_sql(relative), params)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def write_report(data: ReportData, path: Path) -> ReportSummary:
    """Render one month's report to ``path`` (written whole, then moved into place)."""
    panels = build_panels(data)
    html = render_html(data, panels)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(path)
    return ReportSummary(data.month, path, sum(p.figure is not None for p in panels),
                         tuple(p.id for p in panels if p.figure is None), data.headline)


# --- what a value may be read as -------------------------------------------------------------------------

def display_range(metric: str) -> tuple[float, float] | None:
    """The values a metric can take, to which its axis and interval are clamped; None when unbounded."""
    if metric == "nps":
        return -100, 100
    if metric in ("csat_avg", "ces_avg"):
        return 1, 5
    if metric.endswith(("_pct", "_rate", "_share")):
        return 0, 100
    return None


def clamped(metric: str, value: float | None) -> float | None:
    if value is None or pd.isna(value):
        return None
    bounds = display_range(metric)
    return float(value) if bounds is None else min(max(float(value), bounds[0]), bounds[1])


def _too_few_text(data: ReportData, metric: str, sample_size: float, denominator: float | None) -> str:
    """'n = 12, fewer than 30' when the value rests on fewer than CX_MIN_SAMPLE observations, else ''."""
    if not too_few(metric, sample_size, denominator, data.min_sample):
        return ""
    return f"n = {observations(metric, sample_size, denominator):,.0f}, fewer than {data.min_sample}"


def _caveat(data: ReportData, metric: str, month: pd.Timestamp, sample_size: float, denominator: float | None) -> str:
    """Why a month's point on a trend is not a fact ('' when it is): the data covers the month in part, or
    the value rests on too few observations."""
    days = data.span.days_of(month.date()) if data.span else None
    partial = days is not None and days != (month.date(), month_end(month.date()))
    reasons = [f"partial month: data {day_range_text(*days)}" if partial else "",
               _too_few_text(data, metric, sample_size, denominator)]
    return "; ".join(r for r in reasons if r)


# --- charts -------------------------------------------------------------------------------------------

_COLORS = ("#2563eb", "#f97316", "#10b981", "#a855f7", "#ef4444", "#0ea5e9", "#eab308", "#64748b")
_THIN = "#cbd5e1"
"""Bars resting on too few observations, or of a partial month."""


@dataclasses.dataclass(frozen=True)
class Axis:
    """One chart of a panel: its y-axis title and the metrics drawn against it (metric -> legend label)."""

    title: str
    lines: dict[str, str]


def build_panels(data: ReportData) -> list[Panel]:
    rows = data.metrics
    overall = rows[rows.dimension == "all"]
    this_month = rows[rows.month == pd.Timestamp(data.month)]
    currency = data.base_currency
    hollow = (f"Hollow points: a month the data covers in part, or a value resting on fewer than "
              f"{data.min_sample} observations.")
    return [
        Panel("nps_trend", "Trends over 12 months", "NPS",
              f"Net Promoter Score with its 95% confidence band (clamped to −100…100). {hollow}",
              _trend(data, overall, [Axis("NPS", {"nps": "NPS"})])),
        Panel("csat_ces_trend", "Trends over 12 months", "CSAT and CES",
              f"Share of satisfied responses, and the average effort score on 1–5 (lower is easier). {hollow}",
              _trend(data, overall, [Axis("CSAT %", {"csat_pct": "CSAT %"}),
                                     Axis("CES average (1–5)", {"ces_avg": "CES average"})])),
        Panel("churn_retention_trend", "Trends over 12 months", "Churn and retention",
              f"Share of the customers active at the start of the month lost, and kept, by its end. {hollow}",
              _trend(data, overall, [Axis("churn %", {"churn_rate": "Churn %"}),
                                     Axis("retention %", {"retention_rate": "Retention %"})])),
        Panel("ltv_trend", "Trends over 12 months", "Lifetime value",
              f"LTV = ARPU × 100 / churn rate, in {currency}. LTV is as unsure as the number of customers lost: "
              f"it is drawn solid only where at least {data.min_sample} customers churned.",
              _trend(data, overall, [Axis(f"LTV ({currency})", {"ltv": "LTV"}),
                                     Axis(f"ARPU ({currency})", {"arpu": "ARPU"})])),
        Panel("by_channel", "Breakdowns", "By channel",
              "CSAT of the month's survey responses, and each channel's share of the tickets created. "
              f"Grey bars rest on fewer than {data.min_sample} observations.",
              _breakdown(data, this_month, "channel", {"csat_pct": "CSAT %", "channel_share": "share of tickets %"})),
        Panel("by_team", "Breakdowns", "By team",
              f"CSAT and the median hours to resolve a ticket, by team. Grey bars rest on fewer than "
              f"{data.min_sample} observations.",
              _breakdown(data, this_month, "team", {"csat_pct": "CSAT %",
                                                    "resolution_hours_median": "median resolution hours"})),
        Panel("by_agent", "Breakdowns", "By agent",
              f"CSAT of the {TOP_AGENTS} agents with the most survey responses this month (responses in the label); "
              f"grey bars rest on fewer than {data.min_sample}.",
              _agents(data, this_month)),
        Panel("by_segment", "Breakdowns", "By segment",
              f"NPS, churn and LTV by customer segment. Grey bars rest on fewer than {data.min_sample} "
              "observations (for LTV: customers lost).",
              _breakdown(data, this_month, "segment", {"nps": "NPS", "churn_rate": "churn %",
                                                       "ltv": f"LTV ({currency})"})),
        Panel("support_times", "Support and shop", "Support times",
              f"Hours to the first response and to resolution: medians and 90th percentiles. {hollow}",
              _trend(data, overall, [Axis("hours", {"first_response_hours_median": "First response, median",
                                                    "first_response_hours_p90": "First response, p90",
                                                    "resolution_hours_median": "Resolution, median",
                                                    "resolution_hours_p90": "Resolution, p90"})])),
        Panel("shop_conversion", "Support and shop", "Sessions and carts",
              "Two separate rates, not one funnel: a cart and a web session are not linked in the extracts, so "
              f"neither is a step of the other. {hollow}",
              _trend(data, overall, [Axis("sessions with an order %", {"conversion_rate": "Conversion %"}),
                                     Axis("carts abandoned %", {"cart_abandonment_rate": "Cart abandonment %"})])),
        Panel("quarantine_by_rule", "Data quality", "Rows quarantined by rule",
              "Rows of the month's extracts held back from the metrics, by the rule they broke.",
              _quarantine(data.quarantine), empty="No row of this month's extracts was quarantined."),
        Panel("identity_shares", "Data quality", "Customer identity",
              "How the month's records were tied to a customer: own customer_id, e-mail matched to the CRM, "
              "the ticket's customer, or a guest key.",
              _identity(data.identity)),
    ]


_AXIS = dict(gridcolor="#e5e7eb", linecolor="#cbd5e1", zerolinecolor="#cbd5e1", automargin=True)

# Figures are plain plotly.js figure specs (data and layout as dicts), not plotly.graph_objects: building
# and validating graph objects cost 0.3 s a report, about ten times what drawing the data takes. The
# Chromium test checks that plotly.js draws every one of them.
Figure = dict


def _layout(**overrides) -> dict:
    layout = dict(height=330, margin=dict(l=60, r=30, t=20, b=50), colorway=_COLORS, paper_bgcolor="white",
                  plot_bgcolor="white", legend=dict(orientation="h", y=-0.3), font=dict(size=12, color="#334155"),
                  xaxis=_AXIS, yaxis=_AXIS)
    for axis in [name for name in overrides if name.startswith(("xaxis", "yaxis"))]:
        overrides[axis] = _AXIS | overrides[axis]
    return layout | overrides


def _figure(traces: list[dict], **layout) -> Figure:
    return {"data": traces, "layout": _layout(**layout)}


def _title(text: str) -> dict:
    return {"title": {"text": text}}


def _side_by_side(columns: int) -> list[tuple[str, str, list[float]]]:
    """(x axis name, y axis name, horizontal domain) of ``columns`` charts in one row, each on its own axes."""
    spacing = 0.1 + 0.04 * columns
    width = (1 - spacing * (columns - 1)) / columns
    placed = []
    for column in range(columns):
        left = column * (width + spacing)
        suffix = "" if column == 0 else str(column + 1)
        placed.append((f"x{suffix}", f"y{suffix}", [left, left + width]))
    return placed


def _axis_layout(name: str, anchor: str, **settings) -> tuple[str, dict]:
    """Layout key and settings of axis ``name`` ('x', 'y2', …) anchored on ``anchor``."""
    return f"{name[0]}axis{name[1:]}", {"anchor": anchor, **settings}


def _value_range(metric: str) -> dict:
    """Autorange, but never past the values the metric can take: round ticks, and no band beyond ±100. An
    unbounded value (money, hours) is ticked short (1k, 2k) so that a narrow chart keeps its labels level."""
    bounds = display_range(metric)
    if bounds is None:
        return {"tickformat": "~s"}
    return {"autorangeoptions": {"clipmin": bounds[0], "clipmax": bounds[1]}}


def _trend(data: ReportData, overall: pd.DataFrame, axes: list[Axis]) -> Figure | None:
    """Lines over the report's months, one chart per axis side by side. A month that is not a fact (partial,
    or too few observations) is a hollow point off the line; a metric with an interval gets its band."""
    if not any(((overall.metric == m) & overall.value.notna()).any() for axis in axes for m in axis.lines):
        return None
    traces, layout, colour = [], {}, iter(_COLORS)
    months_shown = overall.month.nunique()
    every = "M1" if months_shown <= 4 else "M2" if months_shown <= 8 else "M3"  # round, uncrowded month ticks
    for (x_name, y_name, domain), axis in zip(_side_by_side(len(axes)), axes):
        key, settings = _axis_layout(x_name, y_name, domain=domain, type="date", tickformat="%b %Y", dtick=every,
                                     **_title("month"))
        layout[key] = settings
        key, settings = _axis_layout(y_name, x_name, **_title(axis.title),
                                     **_value_range(next(iter(axis.lines))))
        layout[key] = settings
        for metric, label in axis.lines.items():
            rows = overall[(overall.metric == metric) & overall.value.notna()].sort_values("month")
            caveats = [_caveat(data, metric, month, n, d)
                       for month, n, d in zip(rows.month, rows.sample_size, rows.denominator)]
            months = [f"{m:%Y-%m-%d}" for m in rows.month]
            values = [clamped(metric, v) for v in rows.value]
            line_colour = next(colour)
            common = dict(type="scatter", xaxis=x_name, yaxis=y_name, legendgroup=metric)
            if rows.ci_low.notna().any():
                facts_only = [(None, None) if caveat else (low, high)
                              for low, high, caveat in zip(rows.ci_low, rows.ci_high, caveats)]
                traces.append(common | dict(x=months, y=[clamped(metric, hi) for _, hi in facts_only], mode="lines",
                                            line=dict(width=0), showlegend=False, hoverinfo="skip"))
                traces.append(common | dict(x=months, y=[clamped(metric, lo) for lo, _ in facts_only], mode="lines",
                                            line=dict(width=0), fill="tonexty", fillcolor="rgba(37,99,235,0.15)",
                                            name="95% interval", hoverinfo="skip"))
            samples = [[f"{int(n):,}", c] for n, c in zip(rows.sample_size, caveats)]
            traces.append(common | dict(
                x=months, y=[None if c else v for v, c in zip(values, caveats)], mode="lines+markers", name=label,
                line=dict(color=line_colour, width=2.5), customdata=samples, showlegend=len(axis.lines) > 1,
                hovertemplate=f"{label}: %{{y:,.2f}} (n=%{{customdata[0]}})<extra></extra>"))
            if any(caveats):
                traces.append(common | dict(
                    x=months, y=[v if c else None for v, c in zip(values, caveats)], mode="markers", name=label,
                    marker=dict(symbol="circle-open", size=9, color=line_colour, line=dict(width=2)),
                    customdata=samples, showlegend=False,
                    hovertemplate=f"{label}: %{{y:,.2f}} (%{{customdata[1]}})<extra></extra>"))
    legend = any(len(axis.lines) > 1 for axis in axes)
    return _figure(traces, hovermode="closest", showlegend=legend, **layout,
                   **({"margin": dict(l=60, r=30, t=20, b=90)} if legend else {}))


def _bars(data: ReportData, rows: pd.DataFrame, metric: str, labels: list[str], colour: str,
          x_name: str = "x", y_name: str = "y") -> dict:
    """Horizontal bars of one month, grey where a value rests on too few observations (a partial month is
    said once, in the page's header, not on every bar)."""
    caveats = [_too_few_text(data, metric, n, d) for n, d in zip(rows.sample_size, rows.denominator)]
    values = [clamped(metric, v) for v in rows.value]
    # The 95 % interval as an error bar, clamped to the metric's range; none on a value resting on too few.
    above = [None if c or hi != hi or hi is None else clamped(metric, hi) - v
             for v, hi, c in zip(values, rows.ci_high, caveats)]
    below = [None if c or lo != lo or lo is None else v - clamped(metric, lo)
             for v, lo, c in zip(values, rows.ci_low, caveats)]
    return dict(type="bar", x=values, y=labels, orientation="h",
                error_x=dict(type="data", symmetric=False, array=above, arrayminus=below, color="#475569",
                             thickness=1.2, width=3),
                xaxis=x_name, yaxis=y_name, marker=dict(color=[_THIN if c else colour for c in caveats]),
                customdata=[[f"{int(n):,}", c or "n ≥ " + str(data.min_sample)]
                            for n, c in zip(rows.sample_size, caveats)],
                hovertemplate="%{y}: %{x:,.1f} (n=%{customdata[0]}; %{customdata[1]})<extra></extra>")


def _breakdown(data: ReportData, this_month: pd.DataFrame, dimension: str, metrics: dict[str, str]) -> Figure | None:
    rows = this_month[(this_month.dimension == dimension) & this_month.metric.isin(metrics) & this_month.value.notna()]
    if rows.empty:
        return None
    traces, layout = [], {}
    for (x_name, y_name, domain), (column, (metric, label)) in zip(_side_by_side(len(metrics)),
                                                                     enumerate(metrics.items())):
        bars = rows[rows.metric == metric].sort_values("value")
        traces.append(_bars(data, bars, metric, list(bars.dimension_value), _COLORS[column], x_name, y_name))
        key, settings = _axis_layout(x_name, y_name, domain=domain, **_title(label), **_value_range(metric))
        layout[key] = settings
        key, settings = _axis_layout(y_name, x_name, **_title(dimension))
        layout[key] = settings
    return _figure(traces, showlegend=False, margin=dict(l=60, r=30, t=20, b=50), **layout)


def _agents(data: ReportData, this_month: pd.DataFrame) -> Figure | None:
    rows = this_month[(this_month.dimension == "agent") & (this_month.metric == "csat_pct") & this_month.value.notna()]
    if rows.empty:
        return None
    top = rows.sort_values(["sample_size", "dimension_value"], ascending=[False, True]).head(TOP_AGENTS)
    top = top.sort_values("value")
    labels = [f"{agent} ({n:,})" for agent, n in zip(top.dimension_value, top.sample_size)]
    return _figure([_bars(data, top, "csat_pct", labels, _COLORS[2])], height=420,
                   xaxis=dict(range=[0, 100], **_title("CSAT %")), yaxis=_title("agent (responses)"), showlegend=False)


def _quarantine(quarantine: pd.DataFrame) -> Figure | None:
    if quarantine.empty:
        return None
    most = int(quarantine.groupby("rule").quarantined_rows.sum().max())
    traces = [dict(type="bar", x=[int(n) for n in rows.quarantined_rows], y=list(rows.rule), orientation="h",
                   name=entity)
              for entity, rows in quarantine.groupby("entity", sort=True)]
    # The legend goes below the axis title: at the default height the two overlap.
    return _figure(traces, barmode="stack", xaxis=dict(dtick=max(1, -(-most // 5)), **_title("rows")),
                   yaxis=_title("rule"), margin=dict(l=170, r=30, t=20, b=40), legend=dict(orientation="h", y=-0.3))


def _identity(identity: pd.DataFrame) -> Figure | None:
    if identity.empty:
        return None
    shares = identity.assign(share=100 * identity.records / identity.groupby("entity").records.transform("sum"))
    traces = [dict(type="bar", x=[float(v) for v in rows.share], y=list(rows.entity), orientation="h", name=rule,
                   customdata=[[int(n)] for n in rows.records],
                   hovertemplate="%{y}: %{x:.1f}% (%{customdata[0]:,} records)<extra></extra>")
              for rule, rows in shares.groupby("identity_rule", sort=True)]
    return _figure(traces, barmode="stack", xaxis=dict(range=[0, 100], ticksuffix="%", **_title("share of records")),
                   yaxis=_title("entity"), margin=dict(l=150, r=30, t=20, b=40), legend=dict(orientation="h", y=-0.3))


# --- page ---------------------------------------------------------------------------------------------

def format_card_value(card: Card, value: float | None, currency: str) -> str:
    if value is None:
        return "no data"
    number = format_number(value, card.decimals)
    return f"{number} {currency}" if card.unit == "currency" else f"{number}{card.unit}"


def _change_text(card: Card, change: float, currency: str) -> str:
    unit = {"%": " pts", "currency": f" {currency}"}.get(card.unit, "")
    return f"{format_number(change, card.decimals, signed=True)}{unit}"


def _card(card: Card, data: ReportData) -> dict:
    headline = data.headline
    row = next(r for r in headline.rows if r.metric == card.metric)
    thin = row.value is not None and too_few(card.metric, row.sample_size, row.denominator, data.min_sample)
    n = observations(card.metric, row.sample_size, row.denominator)
    detail = [f"n = {row.sample_size:,}"]
    if card.metric == "ltv" and n is not None:
        detail = [f"{n:,.0f} customers lost"]
    if thin:
        detail.append(f"fewer than {data.min_sample}: not a reliable figure")
    bounds = display_range(card.metric)
    if row.ci_low is not None and row.ci_high is not None and bounds is not None and not thin:
        detail.append(f"95% CI {clamped(card.metric, row.ci_low):.1f} to {clamped(card.metric, row.ci_high):.1f}")
    if card.hint:
        detail.append(card.hint)
    change, tone = "", ""
    if row.value is None:
        pass
    elif not headline.is_compared(card.metric):
        change = headline.why_not_compared(card.metric)
    elif row.previous is None:
        change = f"no value in {headline.compared_with} to compare with"
    elif thin or too_few(card.metric, row.previous_sample_size, None, data.min_sample):
        change = f"too few observations to compare with {headline.compared_with}"
    else:
        change = f"{_change_text(card, row.change, data.base_currency)} vs {headline.compared_with}"
        rounded = round(row.change, card.decimals)
        verdict = headline.verdicts.get(card.metric)
        if verdict:
            change = f"{change} · {verdict}"
        # Only a change that is real is coloured good or bad; one within noise stays neutral.
        real = verdict in (None, "significant")
        tone = "" if rounded == 0 or not real else "good" if (rounded > 0) == card.higher_is_better else "bad"
    return {"metric": card.metric, "title": card.title,
            "value": format_card_value(card, row.value, data.base_currency), "thin": thin,
            "detail": " · ".join(detail), "change": change, "tone": tone}


@functools.cache
def _plotly_js() -> str:
    # The "basic" bundle of plotly.js (scatter, bar, pie), vendored from npm's plotly.js-basic-dist-min at
    # the version the plotly package embeds: 1.2 MB instead of the full library's 4.8 MB.
    return (importlib.resources.files("cx_pipeline") / "static" / "plotly-basic.min.js").read_text(encoding="utf-8")


@functools.cache
def _template():
    import jinja2

    environment = jinja2.Environment(loader=jinja2.PackageLoader("cx_pipeline", "templates"),
                                     autoescape=jinja2.select_autoescape(["html"]))
    return environment.get_template("cx_report.html")


def render_html(data: ReportData, panels: list[Panel]) -> str:
    import plotly.io

    config = {"displayModeBar": False, "responsive": True}
    sections: dict[str, list[dict]] = {}
    for panel in panels:
        chart = None if panel.figure is None else plotly.io.to_html(
            panel.figure, validate=False, full_html=False, include_plotlyjs=False, div_id=f"chart-{panel.id}",
            config=config)
        sections.setdefault(panel.section, []).append(
            {"id": panel.id, "title": panel.title, "note": panel.note, "chart": chart, "empty": panel.empty})
    headline = data.headline
    return _template().render(
        month=data.month, previous=previous_period(MONTHLY, data.month), cards=[_card(c, data) for c in CARDS],
        sections=sections, partial=headline.is_partial,
        covered=day_range_text(*headline.days) if headline.days else "",
        compared_with=headline.compared_with, span=data.span, min_sample=data.min_sample,
        plotly_js=_plotly_js() if any(p.figure is not None for p in panels) else "",
        quarantined=int(data.quarantine.quarantined_rows.sum()) if not data.quarantine.empty else 0,
    )
