"""Satisfaction: CSAT, NPS (with its confidence interval and sample size) and CES over time and
by segment/team/agent/channel (each score with its interval and responses, small segments
flagged), and the comments behind the scores. Responses without a date count in every figure
that has no period and are named where they are left out (trends, date filters)."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t
from ui.safe import plain

K = "sat_"
TILES = ["csat", "csat_responses", "csat_response_rate", "nps", "nps_responses", "ces", "ces_responses"]
DRILL = {"csat": ("surveys", "bad_csat"), "nps": ("surveys", "detractor")}
SCORES = ("csat", "nps", "ces")
RESPONSES = {"csat": "csat_responses", "nps": "nps_responses", "ces": "ces_responses"}
COLORS = {"csat": "#4C78A8", "nps": "#F58518", "ces": "#54A24B"}
BY = ("segment", "team", "agent", "channel")
EXTRA = ["nps_low", "nps_high", "csat_rated_tickets", "survey_undated"]


def _current(comparison: dict, metric_id: str):
    return (comparison.get(metric_id) or {}).get("current")


def _dated(params: dict[str, str]) -> bool:
    return bool(params.get("date_from") or params.get("date_to"))


def tile_notes(params: dict[str, str], comparison: dict) -> dict[str, str]:
    """Why a tile has no value, in a few words (shown on the tile instead of a number)."""
    notes: dict[str, str] = {}
    loaded = data.kpis(filters.key({}), tuple(RESPONSES.values()))  # all time, no filter (the reader's teams): any of each kind?
    for kind, n_id in RESPONSES.items():
        if _current(comparison, n_id):
            continue
        key = "sat.none_filtered" if loaded.get(n_id) else "sat.none_loaded"
        notes[kind] = notes[n_id] = t(key, kind=kind.upper())
    if _current(comparison, "csat_response_rate") is None:
        notes["csat_response_rate"] = t("sat.rate_needs_offers" if data.rows("tickets") else "sat.rate_needs_tickets")
    return notes


def nps_caption(comparison: dict) -> None:
    nps = _current(comparison, "nps")
    low, high, n = _current(comparison, "nps_low"), _current(comparison, "nps_high"), _current(comparison, "nps_responses")
    if nps is None:
        return
    text = t("sat.nps_ci", nps=i18n.metric_value("nps", nps), low=i18n.metric_value("nps", low), high=i18n.metric_value("nps", high),
             n=i18n.number(n))
    small = data.setting("metrics", "nps_small_sample") or 30
    if n is not None and n < small:
        text += f" · **{t('kpi.small_sample')}**"
    st.caption(text)


def where_from(params: dict[str, str], comparison: dict) -> None:
    """Ratings read from ticket exports, and the responses without a date: counted where, and not where."""
    rated = _current(comparison, "csat_rated_tickets")
    if rated:
        st.caption(f":material/confirmation_number: {t('sat.from_tickets', n=i18n.number(rated))}")
    if _dated(params):
        left_out = data.undated_responses(filters.key(params))
        if left_out:
            st.caption(f":material/event_busy: {t('sat.undated_filtered', n=i18n.number(left_out))}")
    else:
        undated = _current(comparison, "survey_undated")
        if undated:
            st.caption(f":material/event_busy: {t('sat.undated_here', n=i18n.number(undated))}")


def over_time(params: dict[str, str], comparison: dict | None = None) -> None:
    st.subheader(t("sat.over_time"))
    series = data.timeseries(filters.key(params), components.grain_for(params), SCORES)
    undated = data.undated_responses(filters.key(params))
    drawn = [m for m in SCORES if m in series.columns and not series[m].is_null().all()] if series.height else []
    if not drawn:
        if undated and not _dated(params):
            st.info(t("sat.trend_needs_dates", n=i18n.number(undated)), icon=":material/event_busy:")
        else:
            st.info(t("empty.filtered"))
        return
    # A kind with responses but none dated gets its column and one sentence, not a silent gap.
    undrawn = [m for m in SCORES if m not in drawn and _current(comparison or {}, RESPONSES[m])]
    cols = st.columns(3)
    for col, metric_id in zip(cols[len(drawn):], undrawn):
        with col:
            st.markdown(f"**{i18n.metric_name(metric_id)}**")
            st.caption(":material/event_busy: " + t("sat.kind_undated", kind=plain(metric_id.upper())))
    for col, metric_id in zip(cols, drawn):
        fig = go.Figure(go.Scatter(x=series["period"].to_list(), y=series[metric_id].to_list(), mode="lines+markers",
                                   line=dict(color=COLORS[metric_id], width=2), name=i18n.metric_name(metric_id)))
        fig.update_layout(title=i18n.metric_name(metric_id), showlegend=False)
        with col:
            components.chart(fig, key=f"{K}ts_{metric_id}", height=260,
                             x_title=components.axis_period(components.grain_for(params)),
                             y_title=components.axis_title(metric_id), rate_y=i18n.metric_unit(metric_id) == "fraction")
    if undated:
        st.caption(f":material/event_busy: {t('sat.undated_trend', n=i18n.number(undated))}")


def _interval(low, high, unit: str) -> str:
    if low is None or high is None:
        return ""
    if unit == "fraction":
        return f"{i18n.percent(low)} … {i18n.percent(high)}"
    if unit == "nps":  # signed like the score beside it: −45.3 … +45.3, not -45.3 … 45.3
        return f"{i18n.metric_value('nps', low)} … {i18n.metric_value('nps', high)}"
    return f"{i18n.number(low, 1)} … {i18n.number(high, 1)}"


def by_dimension(params: dict[str, str]) -> None:
    st.subheader(t("sat.by"))
    options = list(BY)
    default = "segment" if data.dimension_values("segment") else "team"
    by = st.segmented_control(t("sat.by"), options, default=default, required=True, key=K + "by",
                              format_func=i18n.labels("dim."), label_visibility="collapsed") or default
    frame = data.breakdown(filters.key(params), by, SCORES)
    present = [m for m in SCORES if m in frame.columns and frame[m].is_not_null().any()]
    if frame.height == 0 or not present:
        st.info(t("empty.no_rows"))
        return
    frame = frame.filter(pl.any_horizontal([pl.col(m).is_not_null() for m in present]))
    frame = components.name_groups(frame, by)
    small = int(data.setting("metrics", "survey_small_segment") or 30)
    shown = {by: frame.get_column(by).to_list()}
    columns = {by: (t(f"dim.{by}"), "text")}
    flags = [[] for _ in range(frame.height)]
    for m in present:
        low, high, n_id = f"{m}_low", f"{m}_high", RESPONSES[m]
        unit = i18n.metric_unit(m)
        values = frame.get_column(m).to_list()
        shown[m] = values
        shown[low] = [_interval(a, b, unit) for a, b in zip(frame.get_column(low).to_list(), frame.get_column(high).to_list())]
        shown[n_id] = [int(v or 0) for v in frame.get_column(n_id).to_list()]
        columns[m] = (i18n.metric_name(m), unit if unit in ("fraction", "nps") else "decimal", i18n.metric_help(m))
        columns[low] = (t("sat.ci", kind=m.upper()), "text")
        columns[n_id] = (i18n.metric_name(n_id), "count")
        for i, (v, n) in enumerate(zip(values, shown[n_id])):
            if v is not None and n < small:
                flags[i].append(m.upper())
    shown["small"] = [", ".join(f) for f in flags]
    columns["small"] = (t("sat.small_col"), "text", t("sat.small_help", n=small))
    table = pl.DataFrame(shown, strict=False)
    components.table(table, K + "by_table", columns)
    notes = [t("sat.small_note", n=small)]
    missing = [m.upper() for m in SCORES if m not in present]
    if missing:
        notes.append(t("sat.kinds_missing", kinds=", ".join(missing)))
    st.caption(" ".join(notes))


def comments(params: dict[str, str]) -> None:
    st.subheader(t("sat.comments"))
    rows = data.drill(filters.key(params), kind="surveys", limit=5000)
    if "comment" not in rows.columns or rows.filter(pl.col("comment").is_not_null()
                                                     & (pl.col("comment").str.strip_chars() != "")).height == 0:
        st.caption(t("sat.no_comments_at_all"))
        return
    left, right = st.columns([3, 1])
    query = left.text_input(t("sat.search"), key=K + "search", placeholder="…")
    kinds = right.multiselect(t("sat.kind"), ["csat", "nps", "ces"], key=K + "kinds", placeholder=t("filters.all"),
                              format_func=str.upper)
    rows = rows.filter(pl.col("comment").is_not_null() & (pl.col("comment").str.strip_chars() != ""))
    if kinds and "kind" in rows.columns:
        rows = rows.filter(pl.col("kind").is_in(kinds))
    if query:
        rows = rows.filter(pl.col("comment").str.contains(query, literal=True, strict=False)
                           | pl.col("comment").str.to_lowercase().str.contains(query.lower(), literal=True))
    if rows.height == 0:
        st.caption(t("sat.no_comments"))
        return
    import formatting as fmt

    lang, no_date = i18n.current(), t("sat.no_date")
    # Agent, team, channel, ticket, segment: shown when some comment has one (a survey sheet
    # without tickets has none, and five empty columns read as missing data).
    optional = ("segment", "agent", "team", "channel", "ticket_id")
    keep = [c for c in ("responded_at", "kind", "score", "segment", "comment", "agent", "team", "channel", "ticket_id")
            if c in rows.columns and (c not in optional or rows.filter(
                pl.col(c).is_not_null() & (pl.col(c).cast(pl.String).str.strip_chars() != "")).height)]
    shown = components.blank_text(rows.select(keep))
    # A display copy: dates in the session's language ("no date" for undated answers), canonical channels
    # translated, survey kinds as CSAT/NPS/CES; the download keeps the data.
    display = shown.with_columns(pl.col("responded_at").map_elements(lambda v: fmt.datetime(v, lang), return_dtype=pl.String)
                                 .fill_null(no_date))
    if "channel" in display.columns:
        display = display.with_columns(pl.col("channel").map_elements(lambda v: i18n.dim_value("channel", v),
                                                                      return_dtype=pl.String))
    if "kind" in display.columns:
        display = display.with_columns(pl.col("kind").str.to_uppercase())
    components.table(display, K + "comments_table", {
        "responded_at": (t("sat.when"), "text"), "kind": (t("sat.kind"), "text"), "score": (t("sat.score"), "count"),
        "segment": (t("dim.segment"), "text"), "comment": (t("sat.comments"), "text"), "agent": (t("dim.agent"), "text"),
        "team": (t("dim.team"), "text"), "channel": (t("dim.channel"), "text"), "ticket_id": (t("sat.ticket"), "text")},
        height=components.table_height(shown.height, 420))
    components.download_buttons(shown, "deskscope-comments", key=K + "comments_dl")


def body() -> None:
    params = st.session_state.get("flt_params", {})
    components.page_header("sat.title", params)
    if not components.require_metrics() or not components.require("surveys", message_key="empty.no_surveys"):
        return
    comparison = data.compare(filters.key(params), tuple(TILES + EXTRA))
    components.figure_notes(params, comparison, skip_empty_tables=True)
    if components.nothing_in_period(comparison, "csat_responses", "nps_responses", "ces_responses"):
        left_out = data.undated_responses(filters.key(params)) if _dated(params) else 0
        if left_out:
            st.caption(f":material/event_busy: {t('sat.undated_filtered', n=i18n.number(left_out))}")
        return
    with components.section():
        notes = tile_notes(params, comparison)
        components.tile_grid([dict(metric_id=m, comparison=comparison.get(m), note=notes.get(m),
                                   drill=DRILL.get(m, ("surveys", None)))
                              for m in TILES if m in comparison], columns=4, key=K)
        nps_caption(comparison)
        where_from(params, comparison)
    with components.section():
        over_time(params, comparison)
    with components.section():
        by_dimension(params)
    with components.section():
        comments(params)
    with components.section():
        components.drill_section(params, ["surveys"], key=K)


components.run_page(body)
