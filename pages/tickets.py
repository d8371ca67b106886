"""Tickets & SLA: reply and resolution times (calendar or business hours), SLA outcomes by
priority/team/channel with active breaches, backlog aging, top categories."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t
from ui.safe import chart_texts

K = "tk_"
BY = ["priority", "team", "channel"]
TILES = {
    "calendar": ["frt_median_minutes", "frt_p90_minutes", "resolution_median_minutes", "resolution_p90_minutes"],
    "business": ["frt_business_median_minutes", "frt_business_p90_minutes", "resolution_business_median_minutes",
                 "resolution_p90_minutes"],
}
SLA_TILES = ["sla_breach_rate", "sla_active_breaches", "replied_within_1h", "replied_within_12h",
             "backlog", "backlog_age_median_hours", "reopen_rate", "repeat_contact_rate"]
DRILL = {"sla_breach_rate": ("tickets", "sla_breached"), "sla_active_breaches": ("tickets", "sla_active_breach"),
         "backlog": ("tickets", "backlog"), "backlog_age_median_hours": ("tickets", "backlog")}


def tile_row(ids: list[str], comparison: dict) -> None:
    components.tile_grid([dict(metric_id=m, comparison=comparison.get(m), drill=DRILL.get(m, ("tickets", None)))
                          for m in ids if m in comparison], columns=4, key=K)


def distribution(params: dict[str, str], measure: str, clock: str, title_key: str, chart_key: str) -> None:
    bins = data.distribution(filters.key(params), measure, clock)
    if bins is None:
        return
    if not bins["counts"] or sum(bins["counts"]) == 0:
        st.caption(t("tk.no_times"))
        return
    labels = components.duration_bins(bins["lower"], bins["upper"])
    fig = go.Figure(go.Bar(x=labels, y=bins["counts"], marker_color="#4C78A8",
                           hovertemplate="%{x}: %{y:,}<extra></extra>"))
    title = t(title_key) + f" — {t('tk.clock.' + clock).lower()}"
    fig.update_layout(title=title, bargap=0.1)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=",d", rangemode="tozero")
    components.chart(fig, key=chart_key, height=300, x_title=t("axis.time_to", name=t(title_key)), y_title=t("axis.tickets"))


def sla_by(params: dict[str, str]) -> None:
    st.subheader(t("tk.sla_outcomes"))
    by = st.segmented_control(t("tk.sla_by"), BY, default="priority", key=K + "sla_by", required=True,
                              format_func=i18n.labels("dim."))
    frame = data.breakdown(filters.key(params), by, ("tickets", "sla_breach_rate", "sla_active_breaches"))
    frame = frame.filter(frame["sla_breach_rate"].is_not_null()) if "sla_breach_rate" in frame.columns else frame
    if frame.height == 0:
        st.info(t("tk.no_sla"))
        return
    frame = components.name_groups(frame.sort("sla_breach_rate", descending=False), by)
    labels = chart_texts(frame[by].to_list())  # data values: Plotly draws HTML tags
    fig = go.Figure()
    fig.add_bar(y=labels, x=frame["sla_breach_rate"].to_list(), orientation="h", name=t("tk.breach_rate"),
                marker_color="#E45756", text=[i18n.percent(v) for v in frame["sla_breach_rate"].to_list()],
                textposition="auto", hovertemplate="%{y}: %{x:.1%}<extra></extra>")
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    fig.update_layout(title=t("tk.sla_outcomes") + " · " + t(f"dim.{by}"), showlegend=False)
    left, right = st.columns([2, 3])  # the table wider: Russian headers are longer (no cut column at 1440 px)
    with left:
        components.chart(fig, key=K + "sla_chart", height=max(260, 40 * frame.height + 80),
                         x_title=components.axis_share(t("tk.breach_rate")), y_title=t(f"dim.{by}"))
    with right:
        shown = frame.sort("sla_active_breaches", descending=True, nulls_last=True)
        components.table(shown, K + "sla_table", {
            by: (t(f"dim.{by}"), "text"), **components.metric_columns(("tickets", "sla_breach_rate", "sla_active_breaches"))})


def backlog_aging(params: dict[str, str]) -> None:
    st.subheader(t("tk.backlog_aging"))
    aging = data.backlog_aging(filters.key(params))
    if aging is None:
        return
    if not aging["counts"] or sum(aging["counts"]) == 0:
        st.success(t("tk.no_backlog"))
        return
    fig = go.Figure(go.Bar(x=[t(f"age.{b}") for b in aging["buckets"]], y=aging["counts"],
                           marker_color=["#54A24B", "#88D27A", "#F58518", "#E45756", "#B279A2"][:len(aging["counts"])],
                           hovertemplate="%{x}: %{y:,}<extra></extra>"))
    fig.update_yaxes(tickformat=",d", rangemode="tozero")
    components.chart(fig, key=K + "aging_chart", height=300, x_title=t("axis.age"), y_title=t("axis.tickets"))


def top_categories(params: dict[str, str]) -> None:
    st.subheader(t("tk.top_categories"))
    frame = data.breakdown(filters.key(params), "category", ("tickets", "sla_breach_rate", "sla_active_breaches",
                                                             "frt_median_minutes"))
    frame = frame.filter(frame["category"].is_not_null()).sort("tickets", descending=True).head(12)
    if frame.height == 0:
        st.caption(t("empty.no_rows"))
        return
    fig = go.Figure()
    categories = chart_texts(frame["category"].to_list())
    fig.add_bar(x=categories, y=frame["tickets"].to_list(), name=i18n.metric_name("tickets"),
                marker_color="#4C78A8")
    # Categories are not a sequence: the breach rate is a marker per bar, never a line across them.
    fig.add_scatter(x=categories, y=frame["sla_breach_rate"].to_list(), name=t("tk.breach_rate"),
                    yaxis="y2", mode="markers", marker=dict(size=11, color="#E45756", symbol="diamond"))
    fig.update_layout(yaxis=dict(title=t("axis.tickets"), tickformat=",d", rangemode="tozero"),
                      yaxis2=dict(title=components.axis_share(t("tk.breach_rate")), overlaying="y", side="right",
                                  tickformat=".0%", rangemode="tozero"))
    components.chart(fig, key=K + "cat_chart", height=340, x_title=t("axis.category"))


def body() -> None:
    params = st.session_state.get("flt_params", {})
    components.page_header("tk.title", params)
    if not components.require_metrics() or not components.require("tickets"):
        return
    comparison = data.compare(filters.key(params))
    components.figure_notes(params, comparison)
    if components.nothing_in_period(comparison, "tickets"):
        return
    clock = st.segmented_control(t("tk.clock"), ["calendar", "business"], default="calendar", key=K + "clock",
                                 required=True, format_func=i18n.labels("tk.clock.")) or "calendar"
    with components.section():
        tile_row(TILES[clock], comparison)
        tile_row(SLA_TILES, comparison)
    left, right = st.columns(2)
    with left, components.section():
        distribution(params, "first_reply", clock, "tk.frt_dist", K + "frt_chart")
    with right, components.section():
        distribution(params, "resolution", clock, "tk.res_dist", K + "res_chart")
    with components.section():
        sla_by(params)
    left, right = st.columns(2)
    with left, components.section():
        backlog_aging(params)
    with right, components.section():
        top_categories(params)
    with components.section():
        reply_targets(params)
    with components.section():
        components.drill_section(params, ["tickets"], key=K)


def reply_targets(params: dict[str, str]) -> None:
    """First reply within each channel's target (settings [reply_targets]); phone from the calls."""
    st.subheader(t("rt.section"))
    result = data.operations("reply_targets", filters.key(params))
    if not result or not result.get("channels"):
        return
    rows = result["channels"]
    targeted = [r for r in rows if r.get("rate") is not None]

    def target(r):
        if r.get("target_minutes") is not None:
            return i18n.duration_minutes(r["target_minutes"])
        if r.get("target_seconds") is not None:
            return i18n.duration_seconds(r["target_seconds"])
        return t("rt.no_target")

    if targeted:
        labels = [f"{i18n.dim_value('channel', r['channel'])} · {target(r)}" for r in targeted]
        fig = go.Figure(go.Bar(x=labels, y=[r["rate"] for r in targeted], marker_color="#54A24B",
                               text=[i18n.percent(r["rate"]) for r in targeted], textposition="inside",
                               insidetextanchor="middle",  # the interval's whisker sits on the bar's top
                               error_y=dict(type="data", visible=True,
                                            array=[(r["rate_ci"] or {}).get("high", r["rate"]) - r["rate"] for r in targeted],
                                            arrayminus=[r["rate"] - (r["rate_ci"] or {}).get("low", r["rate"]) for r in targeted]),
                               hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
        fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
        components.chart(fig, key=K + "rt_chart", height=300, x_title=t("axis.channel_target"),
                         y_title=components.axis_share(t("rt.within")))
    frame = pl.DataFrame([{"channel": r["channel"], "target": target(r), "rate": r.get("rate"),
                           "within": r.get("within"), "decided": r.get("decided"), "pending": r.get("pending")} for r in rows],
                         schema={"channel": pl.String, "target": pl.String, "rate": pl.Float64, "within": pl.Int64,
                                 "decided": pl.Int64, "pending": pl.Int64})
    components.table(components.name_groups(frame, "channel"), K + "rt_table", {
        "channel": (t("rt.channel"), "text"), "target": (t("rt.target"), "text"),
        "rate": (t("rt.within"), "fraction", i18n.metric_help("replied_within_target")),
        "within": (t("rt.within_n"), "count"), "decided": (t("rt.decided"), "count"),
        "pending": (t("rt.pending"), "count")})
    st.caption(t("rt.caption"))
    if result.get("phone_tickets_not_judged"):
        st.caption(t("rt.phone_tickets", n=i18n.number(result["phone_tickets_not_judged"])))
    for key, why in (result.get("not_measurable") or {}).items():
        components.not_measurable(key, why)


components.run_page(body)
