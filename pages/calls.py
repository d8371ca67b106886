"""Calls: offered/answered/abandoned, answer speed, service level, handle time by queue or
agent, and the hour-of-week heatmap of load against answer rate."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t
from ui.safe import plain

K = "cl_"
TILES = ["calls_offered", "calls_answered", "calls_abandoned", "short_abandons", "answer_rate", "abandonment_rate",
         "asa_seconds", "service_level", "aht_seconds", "fcr_rate"]
DRILL = {"calls_abandoned": ("calls", "abandoned"), "abandonment_rate": ("calls", "abandoned")}
BY_IDS = ("calls_offered", "answer_rate", "abandonment_rate", "asa_seconds", "service_level", "aht_seconds")


def volume(params: dict[str, str], grain: str) -> None:
    st.subheader(t("cl.volume"))
    series = data.timeseries(filters.key(params), grain, ("calls_answered", "calls_abandoned", "calls_offered"))
    if series.height == 0:
        st.info(t("empty.filtered"))
        return
    periods = series["period"].to_list()
    fig = go.Figure()
    fig.add_bar(x=periods, y=series["calls_answered"].to_list(), name=i18n.metric_name("calls_answered"), marker_color="#54A24B")
    fig.add_bar(x=periods, y=series["calls_abandoned"].to_list(), name=i18n.metric_name("calls_abandoned"), marker_color="#E45756")
    fig.add_scatter(x=periods, y=series["calls_offered"].to_list(), name=i18n.metric_name("calls_offered"),
                    mode="lines", line=dict(color="#4C78A8", width=2))
    fig.update_layout(barmode="stack")
    components.chart(fig, key=K + "volume_chart", height=320)


def by_dimension(params: dict[str, str]) -> None:
    st.subheader(t("cl.aht_by"))
    by = st.segmented_control(t("cl.by"), ["queue", "agent", "team"], default="queue", key=K + "by", required=True,
                              format_func=i18n.labels("dim.")) or "queue"
    frame = data.breakdown(filters.key(params), by, BY_IDS)
    if frame.height == 0:
        st.info(t("empty.no_rows"))
        return
    frame = components.name_groups(frame.sort("calls_offered", descending=True, nulls_last=True), by)
    config = {by: t(f"dim.{by}")}
    for m in BY_IDS:
        unit = i18n.metric_unit(m)
        fmt = components.PERCENT if unit == "fraction" else "%.0f s" if unit == "seconds" else "%.0f"
        config[m] = st.column_config.NumberColumn(i18n.metric_name(m), format=fmt, help=i18n.metric_help(m))
    if "small_sample" in frame.columns:
        config["small_sample"] = st.column_config.CheckboxColumn(t("ag.small_col"))
    st.dataframe(components.as_percent(frame.drop("n", strict=False)), hide_index=True, key=K + "by_table",
                 column_config=config,
                 height=components.table_height(frame.height))


def heatmap(params: dict[str, str]) -> None:
    st.subheader(t("cl.heatmap"))
    grid = data.hour_of_week(filters.key(params))
    if grid is None:
        return
    show = st.segmented_control(t("cl.heat.metric"), ["offered", "answer_rate"], default="offered", required=True,
                                key=K + "heat", format_func=i18n.labels("cl.heat.")) or "offered"
    z = grid["offered"] if show == "offered" else grid["answer_rate"]
    days = i18n.WEEKDAYS[i18n.current()]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(24)), y=days, colorscale="Blues" if show == "offered" else "RdYlGn",
        zmin=0, zmax=1 if show == "answer_rate" else None, customdata=grid["answer_rate"],
        hovertemplate="%{y} %{x}:00 — %{z}<extra></extra>" if show == "offered"
        else "%{y} %{x}:00 — %{z:.0%}<extra></extra>", colorbar=dict(tickformat=".0%" if show == "answer_rate" else None)))
    fig.update_yaxes(autorange="reversed", title=t("cl.weekday"))
    fig.update_xaxes(title=t("cl.hour"), dtick=2)
    components.chart(fig, key=K + "heat_chart", height=340)


def body() -> None:
    params = st.session_state.get("flt_params", {})
    components.page_header("cl.title", params)
    if not components.require_metrics() or not components.require("calls", message_key="empty.no_calls"):
        return
    comparison = data.compare(filters.key(params))
    components.figure_notes(params, comparison)
    if components.nothing_in_period(comparison, "calls_offered"):
        return
    with components.section():
        components.tile_grid([dict(metric_id=m, comparison=comparison.get(m), drill=DRILL.get(m, ("calls", None)))
                              for m in TILES if m in comparison], columns=5, key=K)
        target = data.setting("metrics", "service_level_target")
        seconds = data.setting("metrics", "service_level_seconds")
        if target is not None and seconds is not None:
            st.caption(i18n.metric_name("service_level") + ": "
                       + t("cl.sl_target", target=plain(f"{i18n.percent(target, 0)} / {seconds} s")))
    with components.section():
        volume(params, components.grain_for(params))
    with components.section():
        by_dimension(params)
    with components.section():
        heatmap(params)
    with components.section():
        components.drill_section(params, ["calls"], key=K)


components.run_page(body)
