"""Overview: the money headline, KPI tiles with change vs the previous period and sparklines,
a trend chart, and the rows behind the numbers."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t
from ui.safe import plain

K = "ov_"
TICKET_TILES = [
    ("tickets", ("tickets", None)), ("backlog", ("tickets", "backlog")), ("frt_median_minutes", ("tickets", None)),
    ("frt_p90_minutes", ("tickets", None)), ("sla_breach_rate", ("tickets", "sla_breached")),
    ("resolution_median_minutes", ("tickets", None)), ("reopen_rate", ("tickets", None)),
    ("one_touch_rate", ("tickets", None)),
]
SATISFACTION_TILES = [("csat", ("surveys", "bad_csat")), ("nps", ("surveys", "detractor")), ("ces", ("surveys", None))]
CALL_TILES = [("calls_offered", ("calls", None)), ("asa_seconds", ("calls", None)),
              ("abandonment_rate", ("calls", "abandoned")), ("service_level", ("calls", None))]
TILE_IDS = tuple(m for m, _ in TICKET_TILES + SATISFACTION_TILES + CALL_TILES)
# What the page reads from the comparison: the tiles, the left-out counts beside them and the counts
# that say whether the period has anything (not every metric: the backlog's age and the other
# quantiles are raw scans at 10M tickets, and the Overview shows none of them).
COMPARE_IDS = TILE_IDS + ("frt_left_out", "resolution_left_out", "csat_responses", "nps_responses", "ces_responses")
UNANSWERED = ("metrics.operations.reply_targets", "unanswered_only")  # data.extra: the lean pass
TREND_CHOICES = ["tickets", "backlog", "frt_median_minutes", "sla_breach_rate", "csat", "nps", "calls_offered",
                 "abandonment_rate"]


def tiles(section_key: str, entries, comparison: dict, series, note: str | None) -> None:
    st.subheader(t(section_key))
    items = []
    for metric_id, drill in entries:
        if metric_id not in comparison and note is None:
            continue
        spark = series.get_column(metric_id).to_list() if series is not None and metric_id in series.columns else None
        items.append(dict(metric_id=metric_id, comparison=comparison.get(metric_id), spark=spark, note=note,
                          drill=None if note else drill))
    components.tile_grid(items, columns=4, key=K)
    # Negative durations are left out of the duration tiles: say how many, beside them.
    notes = [t("kpi.left_out", n=i18n.number(n)) + f" ({i18n.metric_name(shown)})"
             for m, shown in (("frt_left_out", "frt_median_minutes"), ("resolution_left_out", "resolution_median_minutes"))
             if any(e[0] == shown for e in entries) and (n := (comparison.get(m) or {}).get("current"))]
    for note_text in notes:
        st.caption(f":material/info: {note_text}")


def money_headline(params: dict[str, str]) -> None:
    """The one sentence a manager repeats: how much revenue bad support costs."""
    analysis = data.churn_analysis()
    if analysis is None:
        return
    money = components.churn_money(analysis)
    if money is None or money["lost"] is None:
        st.info(t("ov.money_none"), icon=":material/payments:")
        return
    cur = money["currency"]
    with st.container(border=True):
        st.markdown(f"#### :material/payments: {t('ov.money', amount=i18n.money(money['lost'], cur), months=int(money['months']))}")
        st.caption(t("ov.money_detail", customers=i18n.integer(money["customers"]),
                     low=i18n.integer(money["low"]), high=i18n.integer(money["high"]),
                     at_risk=i18n.money(money["at_risk"], cur)))


def trend(params: dict[str, str], available: set[str]) -> None:
    st.subheader(t("ov.trend"))
    choices = [m for m in TREND_CHOICES if m in available]
    if not choices:
        return
    left, right = st.columns([3, 1])
    metric_id = left.selectbox(t("col.metric"), choices, key=K + "trend_metric", format_func=i18n.metric_labels())
    grain = right.segmented_control(t("ov.grain"), ["day", "week", "month"], default=components.grain_for(params),
                                    key=K + "trend_grain", format_func=i18n.labels("grain."), required=True)
    # The tiles' own series when the grain matches: one query serves the sparklines and the trend.
    series = data.timeseries(filters.key(params), grain or "week", TILE_IDS)
    if series.height == 0:
        st.info(t("empty.filtered"))
        return
    periods = series["period"].to_list()
    symbols = components.partial_symbols(periods, grain or "week", params)
    fig = go.Figure(go.Scatter(x=periods, y=series[metric_id].to_list(), mode="lines+markers",
                               name=i18n.metric_name(metric_id), line=dict(width=2, color="#4C78A8"),
                               marker=dict(size=8, color="#4C78A8",
                                           symbol=symbols,
                                           line=dict(width=2, color="#4C78A8"))))
    unit = i18n.metric_unit(metric_id)
    name = i18n.metric_name(metric_id)
    fig.update_layout(title=name, showlegend=False)
    if unit in ("minutes", "hours", "seconds"):
        fig.update_yaxes(rangemode="tozero")
    components.chart(fig, key=K + "trend_chart", height=320, x_title=components.axis_period(grain or "week"),
                     y_title=components.axis_title(metric_id), rate_y=unit == "fraction")
    if "circle-open" in symbols:
        components.partial_note(params)


def unanswered(params: dict[str, str]) -> None:
    """Tickets still unanswered after 24 h (reply_targets.unanswered_hours), with the trend."""
    result = data.extra(*UNANSWERED, filters.key(params))
    u = (result or {}).get("unanswered")
    if not u or not u.get("decided"):
        return
    hours = i18n.number(u["hours"])
    left, right = st.columns([1, 3])
    with left:
        st.metric(t("ov.unanswered", hours=hours), i18n.number(u["count"]), border=True,
                  delta=i18n.percent(u["rate"]), delta_color="off", delta_arrow="off",
                  help=i18n.metric_help("unanswered_after_24h"))
    with right:
        trend = u.get("trend") or []
        fig = go.Figure(go.Scatter(x=[p["period"] for p in trend], y=[p["rate"] for p in trend], mode="lines+markers",
                                   line=dict(width=2, color="#E45756"), hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
        fig.update_layout(title=t("ov.unanswered", hours=hours), showlegend=False)
        components.chart(fig, key=K + "unanswered_chart", height=240, x_title=components.axis_period(u.get("grain") or "week"),
                         y_title=components.axis_share(t("axis.tickets")))
    st.caption(t("ov.unanswered_detail", count=i18n.number(u["count"]), decided=i18n.number(u["decided"]),
                 share=i18n.percent(u["rate"]), hours=hours, open=i18n.number(u["open_now"])))


def body() -> None:
    params = st.session_state.get("flt_params", {})
    components.page_header("ov.title", params)
    if not components.require_metrics() or not components.require_any("tickets", "calls", "surveys"):
        return
    key = filters.key(params)
    # the series, the unanswered trend and the notes do not depend on the comparison: computed side
    # by side with it (at 10M tickets each is a query of 0.1-0.4 s)
    data.prefetch((data.timeseries, (key, components.grain_for(params), TILE_IDS)),
                  (data.extra, (*UNANSWERED, key)),
                  (data.notes, (key,)))
    comparison = data.compare(key, COMPARE_IDS)
    components.figure_notes(params, comparison)
    if components.nothing_in_period(comparison, "tickets", "calls_offered", "csat_responses", "nps_responses",
                                    "ces_responses"):
        return
    series = data.timeseries(key, components.grain_for(params), TILE_IDS)
    with components.section():
        money_headline(params)
    if data.rows("tickets"):
        with components.section():
            tiles("ov.section.tickets", TICKET_TILES, comparison, series, None)
        with components.section():
            unanswered(params)
    with components.section():
        tiles("ov.section.satisfaction", SATISFACTION_TILES, comparison, series,
              None if data.rows("surveys") else t("kpi.no_surveys"))
    with components.section():
        tiles("ov.section.calls", CALL_TILES, comparison, series, None if data.rows("calls") else t("kpi.no_calls"))
    with components.section():
        components.churn_tiles(data.churn_analysis())
    with components.section():
        trend(params, set(comparison))
    with components.section():
        components.drill_section(params, ["tickets", "calls", "surveys"], key=K)


components.run_page(body)
