"""Contact drivers and journeys: what customers contact about (volume, trend, cost), customers who had
to switch channel and explain again, and tickets that kept failing without going to an expert."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t

K = "ct_"


def _not_measurable(result: dict, *keys: str) -> None:
    for key in keys:
        why = (result.get("not_measurable") or {}).get(key)
        if why:
            components.not_measurable(key, why)


def _notes(result: dict) -> None:
    for note in result.get("notes") or []:
        st.caption(":material/info: " + components.plain(note))


def churn_table(churn: dict | None, prefix: str, key: str) -> None:
    if not churn:
        return
    st.markdown(f"**{t('ops.churn_compare')}**")
    rows = [{"group": t(f"{prefix}{grp}"), "customers": r["customers"], "churned": r["churned"],
             "rate": (r["rate"] or {}).get("estimate"), "low": (r["rate"] or {}).get("low"),
             "high": (r["rate"] or {}).get("high")} for grp, r in churn.items()]
    frame = pl.DataFrame(rows, schema={"group": pl.String, "customers": pl.Int64, "churned": pl.Int64, "rate": pl.Float64,
                                       "low": pl.Float64, "high": pl.Float64})
    components.table(frame, key, {
        "group": (t("ops.group"), "text"), "customers": (t("ops.customers"), "count"), "churned": (t("ops.churned"), "count"),
        "rate": (t("ops.churn_rate"), "fraction"), "low": (t("ops.ci_low"), "fraction"), "high": (t("ops.ci_high"), "fraction")})
    st.caption(t("ops.churn_note"))


# ---------------------------------------------------------------- drivers
def drivers(params: dict[str, str]) -> None:
    st.subheader(t("dr.section"))
    result = data.operations("drivers", filters.key(params))
    if result is None:
        return
    if not result.get("available"):
        st.info(components.plain(result.get("message", "")))
        return
    h = result.get("headline")
    if h:
        st.success(t("dr.headline", share=i18n.percent(h["share"], 0), driver=components.plain(h["driver"]),
                     ratio=i18n.number(h["resolution_ratio"], 1)), icon=":material/campaign:")
    rows = result.get("drivers") or []
    if not rows:
        _not_measurable(result, "drivers")
        return
    frame = pl.DataFrame([{"driver": r["driver"], "from": t(f"dr.from.{r['from']}"), "tickets": r["tickets"],
                           "share": r["share"], "share_change": r.get("share_change"),
                           "resolution": (r["median_resolution_minutes"] or 0) / 60 if r["median_resolution_minutes"] is not None else None,
                           "ratio": r.get("resolution_ratio"), "reopen": r.get("reopen_rate"), "bad_csat": r.get("bad_csat_rate"),
                           "churned": r.get("churned_customers"), "revenue": r.get("churned_monthly_revenue")} for r in rows],
                         schema={"driver": pl.String, "from": pl.String, "tickets": pl.Int64, "share": pl.Float64,
                                 "share_change": pl.Float64, "resolution": pl.Float64, "ratio": pl.Float64,
                                 "reopen": pl.Float64, "bad_csat": pl.Float64, "churned": pl.Int64, "revenue": pl.Float64})
    left, right = st.columns([2, 3])
    with left:
        shown = frame.sort("share")
        fig = go.Figure(go.Bar(x=shown["share"].to_list(), y=shown["driver"].to_list(), orientation="h",
                               marker=dict(color=shown["ratio"].fill_null(1).to_list(), colorscale="OrRd", cmin=0, cmax=2.5,
                                           colorbar=dict(title=t("dr.ratio"), thickness=10)),
                               text=[i18n.percent(v, 0) for v in shown["share"].to_list()], textposition="auto",
                               hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
        fig.update_xaxes(tickformat=".0%", rangemode="tozero")
        components.chart(fig, key=K + "drivers_chart", height=max(260, 30 * frame.height + 90),
                         x_title=components.axis_share(t("ops.share")), y_title=t("axis.driver"))
    with right:
        # "from" is a short text (the field the driver comes from); money in the settings' currency.
        components.table(frame, K + "drivers_table", {
            "driver": (t("dr.driver"), "text"), "from": (t("dr.from"), "text"), "tickets": (t("ops.tickets"), "count"),
            "share": (t("ops.share"), "fraction", i18n.metric_help("driver_share")),
            "share_change": (t("dr.change"), "points"), "resolution": (t("dr.resolution"), "hours"),
            "ratio": (t("dr.ratio"), "score", i18n.metric_help("driver_resolution_ratio")),
            "reopen": (t("dr.reopen"), "fraction"),
            "bad_csat": (t("dr.bad_csat"), "fraction", i18n.metric_help("driver_bad_csat_rate")),
            "churned": (t("dr.churned"), "count", i18n.metric_help("driver_churned_customers")),
            "revenue": (t("dr.revenue"), "money")})
    components.download_buttons(frame, "deskscope-contact-drivers", key=K + "drivers_dl")
    if h and h.get("costliest") and h["costliest"] != h["driver"]:
        worst = next(r for r in rows if r["driver"] == h["costliest"])
        st.warning(t("dr.costliest", driver=components.plain(worst["driver"]), share=i18n.percent(worst["share"], 0),
                     ratio=i18n.number(worst["resolution_ratio"], 1), reopen=i18n.percent(worst["reopen_rate"], 0)),
                   icon=":material/priority_high:")
    other = result.get("other")
    if other:
        st.caption(t("dr.other", n=i18n.number(other["drivers"]), share=i18n.percent(other["share"])))
    weekly = result.get("weekly") or []
    if weekly:
        st.markdown(f"**{t('dr.weekly')}**")  # above the chart: its legend takes the top line
        fig = go.Figure()
        # a week the period (or the data) cuts is hollow: its count is not a whole week's
        partial_any = False
        for name in dict.fromkeys(w["driver"] for w in weekly):
            points = [w for w in weekly if w["driver"] == name]
            symbols = components.partial_symbols([w["period"] for w in points], "week", params)
            partial_any = partial_any or "circle-open" in symbols
            fig.add_scatter(x=[w["period"] for w in points], y=[w["tickets"] for w in points], mode="lines+markers", name=name,
                            marker=dict(size=7, symbol=symbols))
        fig.update_yaxes(rangemode="tozero", tickformat=",d")
        components.chart(fig, key=K + "drivers_weekly", height=320, x_title=components.axis_period("week"),
                         y_title=t("ops.tickets"))
        if partial_any:
            components.partial_note(params)
    text = result.get("text") or {}
    if text.get("tickets"):
        st.caption(t("dr.text_note", n=i18n.number(text["tickets"])))
    st.caption(t("dr.calls_note"))
    _not_measurable(result, "handle_time", "churned_customers", "share_change")
    _notes(result)


# ---------------------------------------------------------------- channel switches
def switches(params: dict[str, str]) -> None:
    st.subheader(t("sw.section"))
    result = data.operations("channel_switches", filters.key(params))
    if result is None:
        return
    if not result.get("available"):
        st.info(components.plain(result.get("message", "")))
        return
    st.caption(t("sw.caption", days=i18n.number(result.get("days"))))
    cols = st.columns(3)
    ci = result.get("channel_switch_rate_ci") or {}
    cols[0].metric(i18n.metric_name("channel_switch_rate"), i18n.percent(result.get("channel_switch_rate")),
                   delta=t("ops.ci", low=i18n.percent(ci.get("low")), high=i18n.percent(ci.get("high"))) if ci.get("low") is not None else None,
                   delta_color="off", delta_arrow="off", help=i18n.metric_help("channel_switch_rate"), border=True)
    cols[1].metric(i18n.metric_name("cross_channel_repeat_share"), i18n.percent(result.get("cross_channel_repeat_share")),
                   help=i18n.metric_help("cross_channel_repeat_share"), border=True)
    cols[2].metric(i18n.metric_name("switching_customer_share"), i18n.percent(result.get("switching_customer_share")),
                   help=i18n.metric_help("switching_customer_share"), border=True)
    left, right = st.columns(2)
    pairs = result.get("pairs") or []
    with left:
        if pairs:
            labels = [f"{i18n.dim_value('channel', p['from'])} → {i18n.dim_value('channel', p['to'])}" for p in reversed(pairs)]
            fig = go.Figure(go.Bar(x=[p["switches"] for p in reversed(pairs)], y=labels, orientation="h",
                                   marker_color="#F58518", hovertemplate="%{y}: %{x:,}<extra></extra>"))
            fig.update_layout(title=t("sw.pairs"))
            fig.update_xaxes(rangemode="tozero", tickformat=",d")
            components.chart(fig, key=K + "pairs", height=max(260, 26 * len(pairs) + 90),
                             x_title=t("axis.switches"), y_title=t("sw.pairs"))
    with right:
        trend = result.get("trend") or []
        if trend:
            fig = go.Figure(go.Scatter(x=[p["period"] for p in trend], y=[p["rate"] for p in trend], mode="lines+markers",
                                       line=dict(color="#4C78A8"), hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
            fig.update_yaxes(tickformat=".0%", rangemode="tozero")
            fig.update_layout(title=t("sw.trend"))
            components.chart(fig, key=K + "switch_trend", height=320, x_title=components.axis_period(result.get("grain") or "week"),
                             y_title=components.axis_share(t("axis.switches")))
    answered = result.get("answered_in_another_channel")
    if answered and answered.get("tickets"):
        ci = answered.get("rate_ci") or {}
        st.caption(t("sw.answered", rate=i18n.percent(answered["rate"]), n=i18n.number(answered["tickets"]),
                     k=i18n.number(answered["answered_by_phone"]), low=i18n.percent(ci.get("low")),
                     high=i18n.percent(ci.get("high"))))
    churn_table(result.get("churn"), "sw.group.", K + "switch_churn")
    _not_measurable(result, "answered_in_another_channel", "channel_switch_rate", "churn")
    _notes(result)


# ---------------------------------------------------------------- escalation
def escalation(params: dict[str, str]) -> None:
    result = data.operations("escalation", filters.key(params))
    st.subheader(t("es.section"))
    if result is None:
        return
    if not result.get("available"):
        st.info(components.plain(result.get("message", "")))
        return
    st.caption(t("es.caption", n=i18n.number(result.get("failed_fixes"))))
    cols = st.columns(4)
    cols[0].metric(i18n.metric_name("failed_fix_tickets"), i18n.number(result.get("failed_fix_tickets")),
                   help=i18n.metric_help("failed_fix_tickets"), border=True)
    ci = result.get("unescalated_share_ci") or {}
    cols[1].metric(i18n.metric_name("unescalated_failed_fix_share"), i18n.percent(result.get("unescalated_share")),
                   delta=t("ops.ci", low=i18n.percent(ci.get("low")), high=i18n.percent(ci.get("high"))) if ci.get("low") is not None else None,
                   delta_color="off", delta_arrow="off", help=i18n.metric_help("unescalated_failed_fix_share"), border=True)
    unmeasurable = "time_to_escalation_median_hours" in (result.get("not_measurable") or {})
    cols[2].metric(i18n.metric_name("time_to_escalation_median_hours"),
                   t("ch.not_measurable") if unmeasurable else
                   i18n.metric_value("time_to_escalation_median_hours", result.get("time_to_escalation_median_hours")),
                   help=i18n.metric_help("time_to_escalation_median_hours"), border=True)
    cols[3].metric(t("es.cannot_tell"), i18n.number(result.get("cannot_tell")), border=True)
    teams = result.get("by_team") or []
    if teams:
        st.markdown(f"**{t('es.by_team')}**")
        frame = pl.DataFrame(teams, schema={"team": pl.String, "failed_fix": pl.Int64, "escalated": pl.Int64,
                                            "not_escalated": pl.Int64, "unescalated_share": pl.Float64})
        components.table(components.name_groups(frame, "team"), K + "esc_teams", {
            "team": (t("dim.team"), "text"), "failed_fix": (i18n.metric_name("failed_fix_tickets"), "count"),
            "escalated": (t("es.escalated"), "count"), "not_escalated": (t("es.not_escalated"), "count"),
            "unescalated_share": (i18n.metric_name("unescalated_failed_fix_share"), "fraction")})
    churn_table(result.get("churn"), "es.group.", K + "esc_churn")
    _not_measurable(result, "failed_fix_tickets", "unescalated_share", "time_to_escalation_median_hours", "churn")
    _notes(result)


def body() -> None:
    params = st.session_state.get("flt_params", {})
    components.page_header("dr.title", params)
    if not components.require_metrics() or not components.require_any("tickets", "calls"):
        return
    with components.section():
        drivers(params)
    with components.section():
        switches(params)
    with components.section():
        escalation(params)


components.run_page(body)
