"""Initiatives: every service initiative registered in the settings with its measured effect, the
95% interval against the target, and the verdict (met, not met, too early, not measurable)."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, data, i18n
from ui.i18n import t

K = "in_"
COLOURS = {"met": "#2E7D32", "not_met": "#C62828", "too_early": "#EF6C00", "not_measurable": "#757575"}
ICONS = {"met": ":material/check_circle:", "not_met": ":material/cancel:", "too_early": ":material/hourglass_top:",
         "not_measurable": ":material/help:"}


def _scope(scope: dict) -> str:
    return "; ".join(f"{k} = {' | '.join(v) if isinstance(v, list) else v}" for k, v in (scope or {}).items()) \
        or t("in.scope_all")


def _value(metric: str, value) -> str:
    if metric == "operator_load":
        return i18n.number(value, 2)
    return i18n.metric_value(metric, value)


def why(i: dict) -> str:
    """The verdict's reason in the page's language (a not-measurable reason in the words of the metrics module)."""
    verdict = i["verdict"]
    if verdict == "not_measurable":
        return i.get("reason") or ""
    if verdict == "too_early":
        return t("in.why.too_early_window" if i.get("change") is None else "in.why.too_early_wide",
                 units=i18n.number(i.get("units_after")), days=(i.get("windows") or {}).get("days", ""))
    return t(f"in.why.{verdict}")


def effect_chart(items: list[dict]) -> None:
    shown = [i for i in items if i.get("change") is not None]
    if not shown:
        return
    names = [components.chart_text(i["name"]) for i in shown]  # Plotly draws HTML tags
    fig = go.Figure()
    fig.add_scatter(
        x=[i["change"] for i in shown], y=names, mode="markers", name=t("in.change"),
        marker=dict(size=12, color=[COLOURS[i["verdict"]] for i in shown]),
        error_x=dict(type="data", symmetric=False, array=[(i["ci_high"] or i["change"]) - i["change"] for i in shown],
                     arrayminus=[i["change"] - (i["ci_low"] or i["change"]) for i in shown], thickness=2),
        hovertemplate="%{y}: %{x:+.1%}<extra></extra>")
    fig.add_scatter(x=[i["target_change"] for i in shown], y=names, mode="markers", name=t("in.target"),
                    marker=dict(symbol="line-ns-open", size=22, line=dict(width=3, color="#37474F")),
                    hovertemplate="%{y}: " + t("in.target") + " %{x:+.0%}<extra></extra>")
    fig.add_vline(x=0, line=dict(color="#9E9E9E", dash="dot"))
    fig.update_xaxes(tickformat="+.0%", zeroline=False)
    fig.update_yaxes(autorange="reversed")
    st.markdown(f"**{t('in.chart')}**")  # above the chart: its legend takes the top line
    components.chart(fig, key=K + "chart", height=max(220, 70 * len(shown) + 110),
                     x_title=t("axis.effect"), y_title=t("axis.initiative"))


def card(i: dict) -> None:
    verdict = i["verdict"]
    with st.container(border=True):
        head, badge = st.columns([4, 1])
        head.markdown(f"**{components.plain(i['name'])}**")  # a name from the settings: shown as written
        badge.badge(t(f"in.verdict.{verdict}"), icon=ICONS[verdict], color={"met": "green", "not_met": "red",
                    "too_early": "orange", "not_measurable": "gray"}[verdict])
        st.caption(f"{t('in.metric')}: {i18n.metric_name(i['metric'])} · {t('in.scope')}: "
                   f"{components.plain(_scope(i.get('scope')))} · "
                   f"{t('in.start')}: {i18n.date(i['start'])}"
                   + (f" – {i18n.date(i['end'])}" if i.get("end") else "")
                   + (f" · {t('in.owner')}: {components.plain(i['owner'])}" if i.get("owner") else ""))
        cols = st.columns(4)
        cols[0].metric(t("in.before"), _value(i["metric"], i.get("before")))
        cols[1].metric(t("in.after"), _value(i["metric"], i.get("after")))
        ci = t("ops.ci", low=i18n.signed_percent(i.get("ci_low")), high=i18n.signed_percent(i.get("ci_high"))) if i.get("ci_low") is not None else None
        cols[2].metric(t("in.change"), i18n.signed_percent(i.get("change")), delta=ci, delta_color="off", delta_arrow="off")
        cols[3].metric(t("in.target"), i18n.signed_percent(i.get("target_change")))
        st.markdown(components.plain(why(i)) if verdict == "not_measurable" else why(i))  # plain-text: other verdicts' reasons are catalogue strings
        if i.get("days_needed"):
            st.caption(t("in.days_needed", days=i18n.number(i["days_needed"])))
        windows = i.get("windows")
        if windows:
            (b1, b2), (a1, a2) = windows["before"], windows["after"]
            st.caption(t("in.windows", b1=i18n.date(b1), b2=i18n.date(b2), a1=i18n.date(a1), a2=i18n.date(a2),
                         days=i18n.number(windows["days"]), basis=t(f"in.basis.{i['basis']}")))
        if i.get("method"):
            control = (i.get("control") or {}).get("change")
            st.caption(t(f"in.method.{i['method']}") + ". "
                       + t("in.simple", change=i18n.signed_percent(i.get("simple_change")), control=i18n.signed_percent(control)))
        money = i.get("money")
        if money:
            if money.get("revenue_kept") is not None:
                lost = money["customers_kept_per_year"] < 0  # the metric moved the wrong way: customers lost
                st.caption(i18n.tn("in.money_lost" if lost else "in.money", abs(money["customers_kept_per_year"]),  # whole customers
                                   money=i18n.money(abs(money["revenue_kept"]), money.get("currency")),
                                   months=i18n.number(money.get("horizon_months"))))
            else:
                st.caption(t("in.money_none", why=components.plain(money.get("message", ""))))
        for note in i.get("notes") or []:
            st.caption(components.plain(note))


def table(items: list[dict]) -> None:
    st.subheader(t("in.table"))
    rows = [{"name": i["name"], "metric": i18n.metric_name(i["metric"]), "before": i.get("before"), "after": i.get("after"),
             "change": i.get("change"), "ci_low": i.get("ci_low"), "ci_high": i.get("ci_high"),
             "target_change": i.get("target_change"), "verdict": t(f"in.verdict.{i['verdict']}"),
             "reason": why(i)} for i in items]
    frame = pl.DataFrame(rows, schema={"name": pl.String, "metric": pl.String, "before": pl.Float64, "after": pl.Float64,
                                       "change": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
                                       "target_change": pl.Float64, "verdict": pl.String, "reason": pl.String})
    # Before and after in each row's own metric unit (seconds, a rate, ...): as the cards show them.
    shown = frame.with_columns(
        pl.Series("before_text", [i18n.metric_value(i["metric"], i.get("before")) if i.get("before") is not None else ""
                                  for i in items], dtype=pl.String),
        pl.Series("after_text", [i18n.metric_value(i["metric"], i.get("after")) if i.get("after") is not None else ""
                                 for i in items], dtype=pl.String))
    components.table(shown, K + "table", {
        "name": (t("in.name"), "text"), "metric": (t("in.metric"), "text"), "before_text": (t("in.before"), "text"),
        "after_text": (t("in.after"), "text"), "change": (t("in.change"), "signed_fraction"),
        "ci_low": (t("ops.ci_low"), "signed_fraction"), "ci_high": (t("ops.ci_high"), "signed_fraction"),
        "target_change": (t("in.target"), "signed_fraction"), "verdict": (t("in.verdict"), "text"),
        "reason": (t("in.reason"), "text")})
    components.download_buttons(frame, "deskscope-initiatives", key=K + "dl")


def body() -> None:
    components.page_header("in.title")
    st.caption(t("in.caption"))
    result = data.initiatives()
    if result is None:
        st.warning(t("empty.no_metrics"), icon=":material/construction:")
        return
    if result.get("problems"):
        st.warning(t("in.problems"), icon=":material/warning:")
        st.markdown("\n".join(f"- {components.plain(p)}" for p in result["problems"]))
    items = result.get("initiatives") or []
    if not items:
        st.info(t("in.none"), icon=":material/flag:")
        st.page_link("pages/settings.py", label=t("in.go_settings"), icon=":material/settings:")
        return
    counts = result.get("counts") or {}
    cols = st.columns(4)
    for col, verdict in zip(cols, ("met", "not_met", "too_early", "not_measurable")):
        col.metric(t(f"in.verdict.{verdict}"), i18n.number(counts.get(verdict, 0)), border=True)
    with components.section():
        effect_chart(items)
    for i in items:
        with components.section():
            card(i)
    with components.section():
        table(items)


components.run_page(body)
