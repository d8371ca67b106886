"""Satisfaction: CSAT, NPS (with its confidence interval and sample size) and CES over time
and by team/agent/channel, and the comments behind the scores."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t

K = "sat_"
TILES = ["csat", "csat_responses", "csat_response_rate", "nps", "nps_responses", "ces", "ces_responses"]
DRILL = {"csat": ("surveys", "bad_csat"), "nps": ("surveys", "detractor")}
SCORES = ("csat", "nps", "ces")
COLORS = {"csat": "#4C78A8", "nps": "#F58518", "ces": "#54A24B"}


def nps_caption(comparison: dict) -> None:
    nps = (comparison.get("nps") or {}).get("current")
    low = (comparison.get("nps_low") or {}).get("current")
    high = (comparison.get("nps_high") or {}).get("current")
    n = (comparison.get("nps_responses") or {}).get("current")
    if nps is None:
        return
    text = t("sat.nps_ci", nps=i18n.metric_value("nps", nps), low=i18n.number(low, 1), high=i18n.number(high, 1),
             n=i18n.number(n))
    small = data.setting("metrics", "nps_small_sample") or 30
    if n is not None and n < small:
        text += f" · **{t('kpi.small_sample')}**"
    st.caption(text)


def over_time(params: dict[str, str]) -> None:
    st.subheader(t("sat.over_time"))
    series = data.timeseries(filters.key(params), components.grain_for(params), SCORES)
    if series.height == 0:
        st.info(t("empty.filtered"))
        return
    cols = st.columns(3)
    for col, metric_id in zip(cols, SCORES):
        if metric_id not in series.columns or series[metric_id].is_null().all():
            continue
        fig = go.Figure(go.Scatter(x=series["period"].to_list(), y=series[metric_id].to_list(), mode="lines",
                                   line=dict(color=COLORS[metric_id], width=2), name=i18n.metric_name(metric_id)))
        fig.update_layout(title=i18n.metric_name(metric_id), showlegend=False)
        with col:
            components.chart(fig, key=f"{K}ts_{metric_id}", height=260,
                             x_title=components.axis_period(components.grain_for(params)),
                             y_title=components.axis_title(metric_id), rate_y=i18n.metric_unit(metric_id) == "fraction")


def by_dimension(params: dict[str, str]) -> None:
    st.subheader(t("sat.by"))
    by = st.segmented_control(t("sat.by"), ["team", "agent", "channel"], default="team", required=True, key=K + "by",
                              format_func=i18n.labels("dim."), label_visibility="collapsed") or "team"
    ids = ("csat", "csat_responses", "nps", "nps_responses", "ces", "ces_responses")
    frame = data.breakdown(filters.key(params), by, ids)
    frame = frame.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in ("csat", "nps", "ces") if c in frame.columns]))
    if frame.height == 0:
        st.info(t("empty.no_rows"))
        return
    frame = components.name_groups(frame.sort("csat_responses", descending=True, nulls_last=True), by)
    components.table(frame, K + "by_table", {by: (t(f"dim.{by}"), "text"), **components.metric_columns(ids),
                                             "small_sample": (t("ag.small_col"), "bool")})


def comments(params: dict[str, str]) -> None:
    st.subheader(t("sat.comments"))
    left, right = st.columns([3, 1])
    query = left.text_input(t("sat.search"), key=K + "search", placeholder="…")
    kinds = right.multiselect(t("sat.kind"), ["csat", "nps", "ces"], key=K + "kinds", placeholder=t("filters.all"))
    rows = data.drill(filters.key(params), kind="surveys", limit=5000)
    if "comment" not in rows.columns:
        return
    rows = rows.filter(pl.col("comment").is_not_null() & (pl.col("comment").str.strip_chars() != ""))
    if kinds and "kind" in rows.columns:
        rows = rows.filter(pl.col("kind").is_in(kinds))
    if query:
        rows = rows.filter(pl.col("comment").str.contains(query, literal=True, strict=False)
                           | pl.col("comment").str.to_lowercase().str.contains(query.lower(), literal=True))
    if rows.height == 0:
        st.caption(t("sat.no_comments"))
        return
    shown = components.blank_text(rows.select([c for c in ("responded_at", "kind", "score", "comment", "agent", "team",
                                                           "channel", "ticket_id") if c in rows.columns]))
    display = shown
    if "channel" in display.columns:  # canonical channels in the session's language (the download keeps the data)
        display = display.with_columns(pl.col("channel").map_elements(lambda v: i18n.dim_value("channel", v),
                                                                      return_dtype=pl.String))
    if "kind" in display.columns:
        display = display.with_columns(pl.col("kind").str.to_uppercase())
    components.table(display, K + "comments_table", {
        "responded_at": (t("sat.when"), "datetime"), "kind": (t("sat.kind"), "text"), "score": (t("sat.score"), "decimal"),
        "comment": (t("sat.comments"), "text"), "agent": (t("dim.agent"), "text"), "team": (t("dim.team"), "text"),
        "channel": (t("dim.channel"), "text"), "ticket_id": (t("sat.ticket"), "text")},
        height=components.table_height(shown.height, 420))
    components.download_buttons(shown, "deskscope-comments", key=K + "comments_dl")


def body() -> None:
    params = st.session_state.get("flt_params", {})
    components.page_header("sat.title", params)
    if not components.require_metrics() or not components.require("surveys", message_key="empty.no_surveys"):
        return
    comparison = data.compare(filters.key(params))
    components.figure_notes(params, comparison)
    if components.nothing_in_period(comparison, "csat_responses", "nps_responses", "ces_responses"):
        return
    with components.section():
        components.tile_grid([dict(metric_id=m, comparison=comparison.get(m), drill=DRILL.get(m, ("surveys", None)))
                              for m in TILES if m in comparison], columns=4, key=K)
        nps_caption(comparison)
    with components.section():
        over_time(params)
    with components.section():
        by_dimension(params)
    with components.section():
        comments(params)
    with components.section():
        components.drill_section(params, ["surveys"], key=K)


components.run_page(body)
