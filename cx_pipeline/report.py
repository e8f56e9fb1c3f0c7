"""The monthly CX report: one self-contained HTML page of Plotly charts, read from the warehouse.

The page carries plotly.js, its styles and its data inline, so it opens offline and can be mailed as one
file. Every panel either shows a chart or says plainly that the month has no data for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from cx_pipeline.affected import next_month
from cx_pipeline.headline import HeadlineRow, headline_rows, previous_period
from cx_pipeline.metrics import MONTHLY
from cx_pipeline.warehouse import Warehouse, read_sql

TREND_MONTHS = 12
TOP_AGENTS = 15


@dataclasses.dataclass(frozen=True)
class Card:
    """A headline card: how a metric's value and its change are written."""

    metric: str
    title: str
    unit: str
    """'%', 'pts', 'currency' or '' (a plain score)."""
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
    headline: list[HeadlineRow]
    metrics: pd.DataFrame
    """metrics_monthly rows of the twelve months ending with ``month``, every dimension."""
    quarantine: pd.DataFrame
    """Rows quarantined from the month's extracts, by rule and entity."""
    identity: pd.DataFrame
    """The month's records, by entity and customer-identity rule."""
    base_currency: str


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
    headline: list[HeadlineRow]


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def trend_start(month: dt.date) -> dt.date:
    first = month
    for _ in range(TREND_MONTHS - 1):
        first = previous_period(MONTHLY, first)
    return first


def read_report_data(warehouse: Warehouse, months: list[dt.date], base_currency: str) -> list[ReportData]:
    """What the reports of ``months`` (first days, ascending) show, read in one pass over the warehouse."""
    params = {"first_month": trend_start(months[0]), "last_month": months[-1], "first_day": months[0],
              "last_day": month_end(months[-1])}
    with warehouse.begin() as conn:
        metrics, quarantine, identity = (_frame(conn, f"report/report_{name}.sql", params)
                                         for name in ("metric_rows", "quarantine_by_rule", "identity_shares"))
    # The charts select rows by metric and dimension dozens of times: categories make each pick cheap.
    metrics = metrics.astype({"metric": "category", "dimension": "category"})
    reports = []
    for month in months:
        first, this = pd.Timestamp(trend_start(month)), pd.Timestamp(month)
        reports.append(ReportData(
            month, headline_rows(warehouse, MONTHLY, month), metrics[metrics.month.between(first, this)],
            quarantine[quarantine.month == this], identity[identity.month == this], base_currency))
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


# --- charts -------------------------------------------------------------------------------------------

_COLORS = ("#2563eb", "#f97316", "#10b981", "#a855f7", "#ef4444", "#0ea5e9", "#eab308", "#64748b")


def build_panels(data: ReportData) -> list[Panel]:
    rows = data.metrics
    overall = rows[rows.dimension == "all"]
    this_month = rows[rows.month == pd.Timestamp(data.month)]
    currency = data.base_currency
    return [
        Panel("nps_trend", "Trends over 12 months", "NPS", "Net Promoter Score with its 95% confidence band.",
              _nps_trend(overall)),
        Panel("csat_ces_trend", "Trends over 12 months", "CSAT and CES",
              "Share of satisfied responses (left) and the average effort score on 1–5 (right).",
              _lines(overall, {"csat_pct": "CSAT %"}, secondary={"ces_avg": "CES average"})),
        Panel("churn_retention_trend", "Trends over 12 months", "Churn and retention",
              "Share of the customers active at the start of the month lost, and kept, by its end.",
              _lines(overall, {"churn_rate": "Churn %", "retention_rate": "Retention %"})),
        Panel("ltv_trend", "Trends over 12 months", "Lifetime value",
              f"LTV = ARPU × 100 / churn rate, in {currency}; ARPU on the right axis.",
              _lines(overall, {"ltv": f"LTV ({currency})"}, secondary={"arpu": f"ARPU ({currency})"})),
        Panel("by_channel", "Breakdowns", "By channel",
              "CSAT of the month's survey responses, and each channel's share of the tickets created.",
              _breakdown(this_month, "channel", {"csat_pct": "CSAT %", "channel_share": "Share of tickets %"})),
        Panel("by_team", "Breakdowns", "By team", "CSAT and the median hours to resolve a ticket, by team.",
              _breakdown(this_month, "team", {"csat_pct": "CSAT %",
                                              "resolution_hours_median": "Median resolution hours"})),
        Panel("by_agent", "Breakdowns", "By agent",
              f"CSAT of the {TOP_AGENTS} agents with the most survey responses this month (responses in the label).",
              _agents(this_month)),
        Panel("by_segment", "Breakdowns", "By segment", "NPS, churn and LTV by customer segment.",
              _breakdown(this_month, "segment", {"nps": "NPS", "churn_rate": "Churn %", "ltv": f"LTV ({currency})"})),
        Panel("support_times", "Support and shop", "Support times",
              "Hours to the first response and to resolution: medians and 90th percentiles.",
              _lines(overall, {"first_response_hours_median": "First response, median",
                               "first_response_hours_p90": "First response, p90",
                               "resolution_hours_median": "Resolution, median",
                               "resolution_hours_p90": "Resolution, p90"})),
        Panel("funnel", "Support and shop", "Sessions, carts and orders",
              "Sessions started, those that led to an order, carts created and carts that became orders.",
              _funnel(this_month[this_month.dimension == "all"])),
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
    layout = dict(height=330, margin=dict(l=50, r=30, t=20, b=40), colorway=_COLORS, paper_bgcolor="white",
                  plot_bgcolor="white", legend=dict(orientation="h", y=-0.18), font=dict(size=12, color="#334155"),
                  xaxis=_AXIS, yaxis=_AXIS)
    for axis in [name for name in overrides if name.startswith(("xaxis", "yaxis"))]:
        overrides[axis] = _AXIS | overrides[axis]
    return layout | overrides


def _figure(traces: list[dict], **layout) -> Figure:
    return {"data": traces, "layout": _layout(**layout)}


def _months(index: pd.Index | pd.Series) -> list[str]:
    return [f"{month:%Y-%m-%d}" for month in index]


def _values(values: pd.Series) -> list:
    return [None if pd.isna(v) else float(v) for v in values]


def _series(rows: pd.DataFrame, metric: str, column: str = "value") -> pd.Series:
    found = rows[rows.metric == metric].set_index("month")[column].astype(float)
    return found.dropna().sort_index()


def _nps_trend(overall: pd.DataFrame) -> Figure | None:
    nps = overall[(overall.metric == "nps") & overall.value.notna()].sort_values("month")
    if nps.empty:
        return None
    months = _months(nps.month)
    return _figure([
        dict(type="scatter", x=months, y=_values(nps.ci_high), mode="lines", line=dict(width=0), showlegend=False,
             hoverinfo="skip"),
        dict(type="scatter", x=months, y=_values(nps.ci_low), mode="lines", line=dict(width=0), fill="tonexty",
             fillcolor="rgba(37,99,235,0.15)", name="95% interval", hoverinfo="skip"),
        dict(type="scatter", x=months, y=_values(nps.value), mode="lines+markers", name="NPS",
             line=dict(color=_COLORS[0], width=3), customdata=[[int(n)] for n in nps.sample_size],
             hovertemplate="%{y:.1f} (n=%{customdata[0]})"),
    ], yaxis=dict(title=dict(text="NPS"), range=[-100, 100]), hovermode="x unified")


def _lines(overall: pd.DataFrame, metrics: dict[str, str], secondary: dict[str, str] | None = None) -> Figure | None:
    """One line per metric over the months; ``secondary`` metrics read against a right-hand axis."""
    secondary = secondary or {}
    series = {m: _series(overall, m) for m in (*metrics, *secondary)}
    if all(s.empty for s in series.values()):
        return None
    traces = [dict(type="scatter", x=_months(series[metric].index), y=_values(series[metric]), mode="lines+markers",
                   name=label, hovertemplate="%{y:,.2f}", yaxis="y2" if metric in secondary else "y")
              for metric, label in {**metrics, **secondary}.items()]
    right = {"yaxis2": dict(overlaying="y", side="right", showgrid=False)} if secondary else {}
    return _figure(traces, hovermode="x unified", **right)


def _side_by_side(columns: int, titles: list[str]) -> dict:
    """Layout of ``columns`` charts in one row, each on its own axes and titled above, as Plotly's
    make_subplots lays them out."""
    spacing = 0.1 + 0.04 * columns
    width = (1 - spacing * (columns - 1)) / columns
    layout: dict = {"annotations": []}
    for column, title in enumerate(titles, start=1):
        left = (column - 1) * (width + spacing)
        suffix = "" if column == 1 else str(column)
        layout[f"xaxis{suffix}"] = dict(domain=[left, left + width], anchor=f"y{suffix}")
        layout[f"yaxis{suffix}"] = dict(domain=[0, 1], anchor=f"x{suffix}")
        layout["annotations"].append(dict(text=title, x=left + width / 2, y=1, xref="paper", yref="paper",
                                          xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=14)))
    return layout


def _breakdown(this_month: pd.DataFrame, dimension: str, metrics: dict[str, str]) -> Figure | None:
    rows = this_month[(this_month.dimension == dimension) & this_month.metric.isin(metrics) & this_month.value.notna()]
    if rows.empty:
        return None
    traces = []
    for column, (metric, label) in enumerate(metrics.items(), start=1):
        bars = rows[rows.metric == metric].sort_values("value")
        suffix = "" if column == 1 else str(column)
        traces.append(dict(type="bar", x=_values(bars.value), y=list(bars.dimension_value), orientation="h",
                           name=label, marker=dict(color=_COLORS[column - 1]), xaxis=f"x{suffix}", yaxis=f"y{suffix}",
                           customdata=[[int(n)] for n in bars.sample_size],
                           hovertemplate="%{y}: %{x:,.1f} (n=%{customdata[0]})<extra></extra>"))
    return _figure(traces, showlegend=False, margin=dict(l=50, r=30, t=30, b=40),
                   **_side_by_side(len(metrics), list(metrics.values())))


def _agents(this_month: pd.DataFrame) -> Figure | None:
    rows = this_month[(this_month.dimension == "agent") & (this_month.metric == "csat_pct") & this_month.value.notna()]
    if rows.empty:
        return None
    top = rows.sort_values(["sample_size", "dimension_value"], ascending=[False, True]).head(TOP_AGENTS)
    top = top.sort_values("value")
    labels = [f"{agent} ({n:,})" for agent, n in zip(top.dimension_value, top.sample_size)]
    return _figure([dict(type="bar", x=_values(top.value), y=labels, orientation="h", marker=dict(color=_COLORS[2]),
                         hovertemplate="%{y}: %{x:.1f}%<extra></extra>")],
                   height=420, xaxis=dict(title=dict(text="CSAT %"), range=[0, 100]), showlegend=False)


def _funnel(overall_month: pd.DataFrame) -> Figure | None:
    def part(metric: str, column: str) -> float:
        found = overall_month.loc[overall_month.metric == metric, column].dropna()
        return float(found.iloc[0]) if len(found) else 0.0

    sessions, carts = part("conversion_rate", "denominator"), part("cart_abandonment_rate", "denominator")
    if sessions == 0 and carts == 0:
        return None
    stages = {"Sessions": sessions, "Sessions with an order": part("conversion_rate", "numerator"),
              "Carts created": carts,
              "Carts that became orders": carts - part("cart_abandonment_rate", "numerator"),
              "Completed orders": part("average_order_value", "denominator")}
    return _figure([dict(type="funnel", y=list(stages), x=list(stages.values()), textinfo="value+percent initial",
                         marker=dict(color=list(_COLORS[:len(stages)])))],
                   showlegend=False, margin=dict(l=170, r=30, t=20, b=30))


def _quarantine(quarantine: pd.DataFrame) -> Figure | None:
    if quarantine.empty:
        return None
    most = int(quarantine.groupby("rule").quarantined_rows.sum().max())
    traces = [dict(type="bar", x=[int(n) for n in rows.quarantined_rows], y=list(rows.rule), orientation="h",
                   name=entity)
              for entity, rows in quarantine.groupby("entity", sort=True)]
    # The legend goes below the axis title: at the default height the two overlap.
    return _figure(traces, barmode="stack", xaxis=dict(title=dict(text="rows"), dtick=max(1, -(-most // 5))),
                   margin=dict(l=170, r=30, t=20, b=40), legend=dict(orientation="h", y=-0.3))


def _identity(identity: pd.DataFrame) -> Figure | None:
    if identity.empty:
        return None
    shares = identity.assign(share=100 * identity.records / identity.groupby("entity").records.transform("sum"))
    traces = [dict(type="bar", x=_values(rows.share), y=list(rows.entity), orientation="h", name=rule,
                   customdata=[[int(n)] for n in rows.records],
                   hovertemplate="%{y}: %{x:.1f}% (%{customdata[0]:,} records)<extra></extra>")
              for rule, rows in shares.groupby("identity_rule", sort=True)]
    return _figure(traces, barmode="stack", xaxis=dict(range=[0, 100], ticksuffix="%"),
                   margin=dict(l=150, r=30, t=20, b=40))


# --- page ---------------------------------------------------------------------------------------------

def format_card_value(card: Card, value: float | None, currency: str) -> str:
    if value is None:
        return "no data"
    if card.unit == "currency":
        return f"{value:,.{card.decimals}f} {currency}"
    return f"{value:,.{card.decimals}f}{card.unit}"


def _change_text(card: Card, change: float, currency: str) -> str:
    unit = {"%": " pts", "currency": f" {currency}"}.get(card.unit, "")
    return f"{change:+,.{card.decimals}f}{unit}"


@functools.cache
def _plotly_js() -> str:
    import plotly.offline

    return plotly.offline.get_plotlyjs()


@functools.cache
def _template():
    import jinja2

    environment = jinja2.Environment(loader=jinja2.PackageLoader("cx_pipeline", "templates"),
                                     autoescape=jinja2.select_autoescape(["html"]))
    return environment.get_template("cx_report.html")


def render_html(data: ReportData, panels: list[Panel]) -> str:
    import plotly.io

    previous = previous_period(MONTHLY, data.month)
    headline = {row.metric: row for row in data.headline}
    cards = []
    for card in CARDS:
        row = headline[card.metric]
        change = row.change
        cards.append({
            "metric": card.metric, "title": card.title,
            "value": format_card_value(card, row.value, data.base_currency),
            "sample": row.sample_size, "hint": card.hint,
            "interval": (f"95% CI {row.ci_low:.1f} to {row.ci_high:.1f}"
                         if card.metric == "nps" and row.ci_low is not None and row.ci_high is not None else ""),
            "change": "" if change is None else _change_text(card, change, data.base_currency),
            "tone": "" if not change else "good" if (change > 0) == card.higher_is_better else "bad",
        })
    config = {"displayModeBar": False, "responsive": True}
    sections: dict[str, list[dict]] = {}
    for panel in panels:
        chart = None if panel.figure is None else plotly.io.to_html(
            panel.figure, validate=False, full_html=False, include_plotlyjs=False, div_id=f"chart-{panel.id}",
            config=config)
        sections.setdefault(panel.section, []).append(
            {"id": panel.id, "title": panel.title, "note": panel.note, "chart": chart, "empty": panel.empty})
    return _template().render(
        month=data.month, previous=previous, cards=cards, sections=sections,
        plotly_js=_plotly_js() if any(p.figure is not None for p in panels) else "",
        quarantined=int(data.quarantine.quarantined_rows.sum()) if not data.quarantine.empty else 0,
    )
