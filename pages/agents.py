"""Agents & teams: one row per agent or team; small samples are flagged and not ranked."""
from __future__ import annotations

import polars as pl
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t

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
    # Durations read better in hours at agent level (presentation only).
    frame = frame.with_columns([(pl.col(m) / 60).alias(m) for m in IDS if i18n.metric_unit(m) == "minutes"])
    st.caption(t("ag.small", n=data.setting("metrics", "small_sample") or 20))
    approximate = components.approximate_columns(frame)
    if approximate:
        st.caption(components.approximate_note())
    config = {level: st.column_config.TextColumn(t(f"dim.{level}"), width="medium"), "rank": st.column_config.NumberColumn(t("ag.rank"), format="%.0f"),
              "small_sample": st.column_config.CheckboxColumn(t("ag.small_col"))}
    for m in IDS:
        unit = i18n.metric_unit(m)
        fmt = {"fraction": components.PERCENT, "minutes": "%.1f h" if i18n.current() == "en" else "%.1f ч",
               "score": "%.2f"}.get(unit, "%.1f" if m == "replies_per_ticket" else "%.0f")
        if m in approximate:
            fmt = components.approximate_format(fmt)
        config[m] = st.column_config.NumberColumn(i18n.metric_name(m), format=fmt, help=i18n.metric_help(m))
    order = ["rank", level] + [m for m in IDS if m in frame.columns] + (["small_sample"] if "small_sample" in frame.columns else [])
    st.dataframe(components.as_percent(frame.select(order)), hide_index=True, key=K + "table", column_config=config,
                 height=components.table_height(frame.height))
    components.download_buttons(frame.select(order + (["approximate"] if "approximate" in frame.columns else [])),
                                f"deskscope-{level}s", key=K + "dl")
    with components.section():
        components.drill_section(params, ["tickets"], key=K)


components.run_page(body)
