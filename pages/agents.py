"""Agents & teams: one row per agent or team; small samples are flagged and not ranked."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t
from ui.safe import plain

K = "ag_"
IDS = ("tickets", "frt_median_minutes", "resolution_median_minutes", "sla_breach_rate", "one_touch_rate",
       "reopen_rate", "replies_per_ticket", "csat", "csat_responses")
RANKABLE = ("sla_breach_rate", "frt_median_minutes", "resolution_median_minutes", "csat", "one_touch_rate", "reopen_rate")


def ranked(frame: pl.DataFrame, metric_id: str) -> pl.DataFrame:
    """Rank only rows with enough tickets; the better direction comes from the metric's declaration."""
    small = pl.col("small_sample").fill_null(False) if "small_sample" in frame.columns else pl.lit(False)
    descending = i18n.metric_better(metric_id) == "higher"
    rank = (pl.when(~small & pl.col(metric_id).is_not_null())
            .then(pl.col(metric_id)).otherwise(None)
            .rank("min", descending=descending).cast(pl.Int64))
    return frame.with_columns(rank.alias("rank")).sort(["rank", "tickets"], descending=[False, True], nulls_last=True)


def body() -> None:
    params = st.session_state.get("flt_params", {})
    components.page_header("ag.title", params)
    if not components.require_metrics() or not components.require("tickets"):
        return
    left, right = st.columns([1, 2])
    level = left.segmented_control(t("ag.level"), ["agent", "team"], default="agent", required=True, key=K + "level",
                                   format_func=i18n.labels("dim.")) or "agent"
    sort_by = right.selectbox(t("ag.sort"), RANKABLE, key=K + "sort", format_func=i18n.metric_labels())
    frame = data.breakdown(filters.key(params), level, IDS)
    if frame.height == 0:
        st.info(t("empty.no_rows"))
        return
    frame = components.name_groups(ranked(frame, sort_by), level)
    st.caption(t("ag.small", n=plain(data.setting("metrics", "small_sample") or 20)))
    approximate = components.approximate_columns(frame)
    if approximate:
        st.caption(components.approximate_note())
    # The same units as the cards (a median of 86 min reads "86 min" here too, 10.4 hr as "10.4 hr").
    columns = {"rank": (t("ag.rank"), "count"), level: (t(f"dim.{level}"), "text"), **components.metric_columns(IDS),
               "small_sample": (t("ag.small_col"), "bool")}
    columns["replies_per_ticket"] = (i18n.metric_name("replies_per_ticket"), "decimal", i18n.metric_help("replies_per_ticket"))
    components.table(frame, K + "table", columns, approximate=approximate)
    order = ["rank", level] + [m for m in IDS if m in frame.columns] + (["small_sample"] if "small_sample" in frame.columns else [])
    components.download_buttons(frame.select(order + (["approximate"] if "approximate" in frame.columns else [])),
                                f"deskscope-{level}s", key=K + "dl")
    with components.section():
        load_section(params)
    with components.section():
        components.drill_section(params, ["tickets"], key=K)


def load_section(params: dict[str, str]) -> None:
    """Tickets and calls per agent-day, after-hours work, concentration, CSAT target, burnout signals."""
    st.subheader(t("ld.section"))
    result = data.operations("agent_load", filters.key(params))
    if not result or not result.get("available"):
        if result:
            st.info(components.plain(result.get("message", "")))
        return
    st.caption(t("ld.caption"))
    cols = st.columns(4)
    for col, mid in zip(cols, ("operator_load", "after_hours_share", "load_top_share", "agents_at_csat_target_share")):
        value = result.get(mid)
        shown = i18n.number(value, 2) if mid == "operator_load" else i18n.percent(value)
        col.metric(i18n.metric_name(mid), shown, help=i18n.metric_help(mid), border=True)
    if result.get("top_agents"):
        st.caption(t("ld.top", k=i18n.number(result["top_agents"]), n=i18n.number(result["agents"]), share=i18n.percent(result.get("load_top_share"))))
    if result.get("agents_judged_on_csat"):
        st.caption(t("ld.csat_line", share=i18n.percent(result.get("agents_at_csat_target_share")),
                     n=i18n.number(result["agents_judged_on_csat"]), min=i18n.number(result["csat_min_responses"]),
                     target=i18n.percent(result["csat_target"], 0)))
    for key, why in (result.get("not_measurable") or {}).items():
        components.not_measurable(key, why)
    for note in result.get("notes") or []:
        st.caption(":material/info: " + components.plain(i18n.method_note(note)))
    trend = result.get("trend") or []
    if trend:
        # a week the period (or the data) cuts is hollow: two weekend days are not a week's load
        symbols = components.partial_symbols([p["period"] for p in trend], "week", params)
        fig = go.Figure(go.Scatter(x=[p["period"] for p in trend], y=[p["load"] for p in trend], mode="lines+markers",
                                   line=dict(color="#4C78A8"), hovertemplate="%{x}: %{y:.2f}<extra></extra>",
                                   marker=dict(size=8, symbol=symbols)))
        fig.update_yaxes(rangemode="tozero", title=i18n.metric_name("operator_load"))
        fig.update_layout(title=t("ld.trend"))
        components.chart(fig, key=K + "load_trend", height=300, x_title=components.axis_period("week"))
        if "circle-open" in symbols:
            components.partial_note(params)
    rows = result.get("agent_rows") or []
    if rows:
        frame = pl.DataFrame([{"agent": r["agent"], "team": r["team"], "items": r["items"], "days": r["days"],
                               "load": r["load"], "recent": r["recent_load"], "after_hours": r["after_hours_share"],
                               "csat": r["csat"], "signals": ", ".join(t(f"ld.signal.{s}") for s in r["signals"])}
                              for r in rows],
                             schema={"agent": pl.String, "team": pl.String, "items": pl.Int64, "days": pl.Int64,
                                     "load": pl.Float64, "recent": pl.Float64, "after_hours": pl.Float64,
                                     "csat": pl.Float64, "signals": pl.String})
        frame = components.name_groups(frame.sort(["signals", "items"], descending=[True, True]), "team")
        components.table(frame, K + "load_table", {
            "agent": (t("dim.agent"), "text"), "team": (t("dim.team"), "text"), "items": (t("ld.items"), "count"),
            "days": (t("ld.days"), "count"), "load": (t("ld.load"), "score"), "recent": (t("ld.recent"), "score"),
            "after_hours": (t("ld.after_hours"), "fraction"), "csat": (t("ld.csat"), "fraction"),
            "signals": (t("ld.signals"), "text")}, height=components.table_height(frame.height, cap=420))
        components.download_buttons(frame, "deskscope-agent-load", key=K + "load_dl")


components.run_page(body)
