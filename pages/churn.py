"""Churn & revenue: churn of customers with and without a negative support experience, the
dose-response, stated reasons, and the churn-cost calculator with what-if sliders (each input
labelled measured or benchmark)."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import access, components, data, filters, i18n
from ui.i18n import t
from ui.safe import chart_text, plain, plain_table

K = "ch_"
ADJUSTABLE = [  # (input, kind) the user may override in the calculator: every driver of the money
    ("customers", "count"), ("arpu_monthly", "money"), ("lost_customer_revenue_monthly", "money"),
    ("negative_share", "fraction"), ("repeat_negative_share", "fraction"), ("baseline_churn", "fraction"),
    ("churn_after_one", "fraction"), ("churn_after_two", "fraction"), ("gross_margin", "fraction"),
    ("acquisition_cost_multiple", "decimal"), ("retention_cost_months", "decimal"), ("horizon_months", "count"),
]
URL_PREFIX = "calc_"  # the calculator's inputs travel in the URL: ?calc_arpu_monthly=120&calc_churn_after_one=0.4
OUTPUTS = [("customers_lost_per_year", "count"), ("revenue_lost", "money"), ("replacement_cost", "money"),
           ("total", "money"), ("ltv", "money")]


def _source_text(name: str, item: dict) -> str:
    """Where an assumed input comes from, in the page's language (measured inputs need none)."""
    if item["measured"]:
        return ""
    if i18n.current() == "ru":
        from reports.audit import RU_SOURCES  # the calculator writes its sources in English

        return RU_SOURCES.get(name, item["source"])
    return item["source"]


def _tile_money(value: float, currency: str | None) -> dict:
    """A money tile five to a row: 100,000 and more compact ($1.01M) with the exact amount under it
    (a long exact amount is cut off in the tile)."""
    if value is None or abs(value) < 100_000:
        return dict(value=i18n.money(value, currency, short=False))
    return dict(value=i18n.money(value, currency), delta=i18n.money(value, currency, short=False),
                delta_color="off", delta_arrow="off")


def _value(value, kind: str, currency: str | None = None) -> str:
    if kind == "fraction":
        return i18n.percent(value)
    if kind == "money":
        return i18n.money(value, currency, short=False)
    if kind == "count" and isinstance(value, (int, float)):
        return i18n.integer(value)  # whole customers and months
    if isinstance(value, (int, float)):
        return i18n.number(value, 0 if float(value).is_integer() or abs(value) >= 1000 else 1)
    return str(value)


def why(analysis: dict) -> str:
    """The analysis' reason a figure is missing, in the page's language (metrics/churn.py codes)."""
    code = analysis.get("message_code") or ""
    params = {k: (i18n.number(v) if isinstance(v, (int, float)) else plain(v))
              for k, v in (analysis.get("message_params") or {}).items() if not isinstance(v, dict)}
    if f"ch.why.{code}" in i18n.STRINGS:
        return t(f"ch.why.{code}", **params)
    return plain(analysis.get("message", ""))


def _interval(iv: dict | None, fmt) -> str:
    if not iv or iv.get("low") is None or iv.get("high") is None:
        return ""
    return t("ch.ci", low=plain(fmt(iv["low"])), high=plain(fmt(iv["high"])))


def _range(iv: dict | None, fmt) -> str | None:
    """A compact 95% interval for a narrow tile ("21.2%–50.0%"); the tile's help says what it is."""
    if not iv or iv.get("low") is None or iv.get("high") is None:
        return None
    return plain(f"{fmt(iv['low'])}–{fmt(iv['high'])}")


def _pp(x) -> str:
    return f"{i18n.number(None if x is None else x * 100, 1)} {t('ch.pp')}"


def _rate_chart(groups: list[dict], key: str, x_title: str, colors: list[str] | str = "#F58518",
                references: bool = False, height: int = 320) -> None:
    """Churn rate per group with Wilson whiskers; the industry figures as reference lines."""
    shown = [g for g in groups if g["customers"]]
    if not shown:
        return
    fig = go.Figure(go.Bar(
        x=[f"{g['label']}<br>n = {i18n.number(g['customers'])}" for g in shown],
        y=[g["rate"]["estimate"] for g in shown],
        marker_color=[colors[groups.index(g)] for g in shown] if isinstance(colors, list) else colors,
        customdata=[[g["label"], i18n.number(g["churned"]), i18n.number(g["customers"])] for g in shown],
        error_y=dict(type="data", visible=True,
                     array=[(g["rate"]["high"] or 0) - (g["rate"]["estimate"] or 0) for g in shown],
                     arrayminus=[(g["rate"]["estimate"] or 0) - (g["rate"]["low"] or 0) for g in shown]),
        hovertemplate="%{customdata[0]}: %{y:.1%} (%{customdata[1]} / %{customdata[2]})<extra></extra>",
        name=t("ch.churn_rate"), showlegend=False))
    if references:
        # The industry figures behind the bars, named in the legend (clear of the bars and whiskers).
        fig.add_hline(y=0.58, line_dash="dash", line_color="#4C78A8", layer="below")
        fig.add_hrect(y0=0.61, y1=0.67, line_width=0, fillcolor="#E45756", opacity=0.18, layer="below")
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(dash="dash", color="#4C78A8"),
                                 name=t("ch.industry.one"), hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(width=10, color="rgba(228,87,86,0.35)"),
                                 name=t("ch.industry.two"), hoverinfo="skip"))
    fig.update_yaxes(tickformat=".0%", title=t("ch.churn_rate"), rangemode="tozero", range=[0, 1.05] if references else None)
    fig.update_xaxes(title=x_title, type="category")
    components.chart(fig, key=K + key, height=height)


# ---------------------------------------------------------------- the list as a snapshot
def snapshot_section(analysis: dict) -> None:
    s = analysis.get("snapshot") or {}
    st.subheader(t("ch.snap.title"))
    if not s.get("available"):
        st.info(t("ch.snap.none"), icon=":material/info:")
        return
    currency = analysis.get("currency")
    basis = {"list": t("ch.snap.as_of_list"), "data": t("ch.snap.as_of_data")}.get(s.get("as_of_basis"), "")
    st.caption(t("ch.snap.scope", as_of=i18n.date(s.get("as_of")) if s.get("as_of") else t("na"), basis=plain(basis))
               + (" " + t("ch.snap.is_snapshot") if analysis.get("mode") == "snapshot" else ""))
    cols = st.columns(5)
    rate = s["churn_rate"]
    cols[0].metric(t("ch.snap.rate"), i18n.percent(rate["estimate"]),
                   delta=_range(rate, i18n.percent), delta_color="off", delta_arrow="off", border=True,
                   help=t("ch.snap.rate_help", churned=i18n.number(s["churned"]), compared=i18n.number(s["compared"]),
                          joined=i18n.number(s["joined"])))
    na = dict(value="—", delta=t("ch.not_measurable"), delta_color="off", delta_arrow="off")
    off = dict(delta_color="off", delta_arrow="off")
    cols[1].metric(t("ch.snap.lost_monthly"), **(_tile_money(s["lost_monthly_revenue"], currency)
                                                 if s.get("monthly_revenue_column") else na),
                   border=True, help=t("ch.snap.lost_monthly_help"))
    cols[2].metric(t("ch.snap.earned"), **(_tile_money(s["earned_from_churned"], currency)
                                           if s.get("total_revenue_column") else na),
                   border=True, help=t("ch.snap.earned_help"))
    hazard = s.get("monthly_churn") or {}
    cols[3].metric(t("ch.snap.hazard"), **(dict(value=i18n.percent(hazard.get("estimate"), 2),
                                                delta=_range(hazard, lambda v: i18n.percent(v, 2)), **off)
                                           if s.get("monthly_churn_formula") else na),
                   border=True, help=t("ch.snap.hazard_help"))
    cols[4].metric(t("ch.snap.ltv"), **(_tile_money(s["ltv"], currency)
                                        if s.get("ltv") is not None else na),
                   border=True, help=t("ch.snap.ltv_help"))
    lines = [t("ch.snap.counts", customers=i18n.number(s["customers"]), compared=i18n.number(s["compared"]),
               churned=i18n.number(s["churned"]), stayed=i18n.number(s["stayed"]), joined=i18n.number(s["joined"]))]
    if s.get("outcome_unknown"):
        lines.append(t("ch.snap.unknown", n=i18n.number(s["outcome_unknown"])))
    if s.get("monthly_churn_formula"):
        formula = "ch.snap.hazard_formula_period" if s.get("monthly_churn_basis") == "period" else "ch.snap.hazard_formula"
        lines.append(t(formula, churned=i18n.number(s["hazard_churned"]),
                       months=i18n.number(s["customer_months"], 1), rate=i18n.percent(hazard.get("estimate"), 2))
                     + (" " + t("ch.snap.tenure_missing", n=i18n.number(s["tenure_missing"])) if s["tenure_missing"] else ""))
    else:
        lines.append(t("ch.snap.no_tenure"))
    if s.get("ltv") is not None:
        arpu_basis = (t("ch.snap.arpu_list", n=i18n.number(s["arpu_customers"])) if s["arpu_basis"] == "list"
                      else t("ch.snap.arpu_calculator"))
        lines.append(t("ch.snap.ltv_formula", arpu=i18n.money(s["arpu"], currency, short=False),
                       margin=i18n.percent(s["gross_margin"], 0), rate=i18n.percent(hazard.get("estimate"), 2),
                       ltv=i18n.money(s["ltv"], currency, short=False), basis=arpu_basis))
    elif s.get("churned") == 0:
        lines.append(t("ch.snap.no_ltv_no_churn"))
    if not s.get("monthly_revenue_column"):
        lines.append(t("ch.snap.no_monthly"))
    if s.get("negative_monthly_customers"):
        lines.append(t("ch.snap.negative", n=i18n.number(s["negative_monthly_customers"])))
    blanks = (s.get("churned_blank_monthly") if s.get("monthly_revenue_column") else 0) or 0
    blanks_total = (s.get("churned_blank_total") if s.get("total_revenue_column") else 0) or 0
    if blanks or blanks_total:
        lines.append(t("ch.snap.blanks", monthly=i18n.number(blanks), total=i18n.number(blanks_total)))
    if s.get("estimated_starts"):
        lines.append(t("ch.snap.estimated", n=i18n.number(s["estimated_starts"])))
    if s.get("ids_from_rows"):
        lines.append(t("ch.snap.row_ids", n=i18n.number(s["ids_from_rows"])))
    for line in lines:
        st.caption(line)


# ---------------------------------------------------------------- support columns inside the list
def in_list_section(analysis: dict) -> None:
    il = analysis.get("in_list") or {}
    st.subheader(t("ch.il.title"))
    if not il.get("available"):
        st.info(t("ch.il.none"), icon=":material/info:")
        return
    st.caption(t("ch.il.scope", n=i18n.number(il.get("customers"))))
    if il.get("overlap_with_loaded"):
        st.info(t("ch.il.overlap", n=i18n.number(il["overlap_with_loaded"])), icon=":material/call_split:")
    currency = analysis.get("currency")
    low_color, ok_color = "#E45756", "#54A24B"
    if "contacts" in il:
        item = il["contacts"]
        st.markdown(f"**{t('ch.il.contacts')}**")
        left, right = st.columns([3, 2])
        with left:
            _rate_chart(item["buckets"], "il_contacts", t("ch.il.contacts_axis"), references=True)
        with right:
            _comparison_tiles(item["comparison"], currency, "contacts")
        _group_table(item["buckets"], "il_contacts_table", t("ch.il.contacts_axis"))
        _missing_caption(item)
    if "bad_experiences" in il:
        item = il["bad_experiences"]
        st.markdown(f"**{t('ch.il.bad')}**")
        left, right = st.columns([3, 2])
        with left:
            _rate_chart(item["groups"], "il_bad", t("ch.il.bad_axis"), references=True, height=300)
        with right:
            _comparison_tiles(item["comparison"], currency, "bad")
            st.caption(t("ch.il.beside", one=i18n.percent(item.get("after_one")), two=i18n.percent(item.get("after_two_plus"))))
    left, right = st.columns(2)
    if "complaint" in il:
        item = il["complaint"]
        with left:
            st.markdown(f"**{t('ch.il.complaint')}**")
            groups = [{**g, "label": t(f"ch.il.complaint.{g['label']}")} for g in item["groups"]]
            _rate_chart(groups, "il_complaint", t("ch.il.complaint_axis"), colors=[ok_color, low_color], height=280)
            _comparison_tiles(item["comparison"], currency, "complaint")
            _missing_caption(item)
    if "satisfaction" in il:
        item = il["satisfaction"]
        with right:
            st.markdown(f"**{t('ch.il.satisfaction', lo=i18n.number(item['scale_min']), hi=i18n.number(item['scale_max']))}**")
            colors = [low_color if g["low"] else ok_color for g in item["scores"]]
            _rate_chart(item["scores"], "il_satisfaction", t("ch.il.score_axis"), colors=colors, height=280)
            st.caption(t("ch.il.low_rule_nps") if item.get("kind") == "nps"
                       else t("ch.il.low_rule", max=i18n.number(il.get("bad_csat_max"))))
            _comparison_tiles(item["comparison"], currency, "satisfaction")
            _missing_caption(item)
    for signal in il.get("leakage") or []:
        comp = il[signal]["comparison"]
        st.warning(t("ch.il.leakage", what=t(f"ch.il.signal.{signal}"), accuracy=i18n.percent(comp["accuracy"])),
                   icon=":material/warning:")


def _comparison_tiles(comp: dict, currency: str | None, key: str) -> None:
    excess, attributable = comp["excess"], comp["attributable_churned"]
    st.metric(t("ch.il.excess", group=t(f"ch.il.exposed.{key}")), _pp(excess.get("estimate")),
              delta=_interval(excess, _pp) or None, delta_color="off", delta_arrow="off", border=True,
              help=t("ch.il.excess_help"))
    cost = comp.get("cost_monthly") or {}
    cost_h = comp.get("cost_horizon") or {}
    basis = {"list": t("ch.il.basis_list", n=i18n.number(comp["revenue_basis_customers"])),
             "list_arpu": t("ch.il.basis_list_arpu"), "calculator": t("ch.il.basis_calculator")}[comp["revenue_basis"]]
    st.metric(t("ch.il.cost"), i18n.money(cost.get("estimate"), currency, short=False),
              delta=t("ch.il.cost_detail", customers=i18n.number(attributable.get("estimate")),
                      horizon=i18n.money(cost_h.get("estimate"), currency), months=i18n.number(comp["horizon_months"])),
              delta_color="off", delta_arrow="off", border=True,
              help=t("ch.il.cost_help", each=i18n.money(comp["revenue_each_monthly"], currency, short=False), basis=basis))
    st.caption(t("ch.il.cost_basis", each=i18n.money(comp["revenue_each_monthly"], currency, short=False), basis=basis)
               + " " + t("ch.il.cost_interval", low=i18n.money(cost.get("low"), currency),
                         high=i18n.money(cost.get("high"), currency)))


def _group_table(groups: list[dict], key: str, first: str) -> None:
    rows = [{first: g["label"], t("ch.customers"): g["customers"], t("ch.churned"): g["churned"],
             t("ch.churn_rate"): i18n.percent(g["rate"]["estimate"]),
             t("ch.interval"): _interval(g["rate"], i18n.percent) or "—",
             t("ch.il.excess_col"): (f"{_pp(g['excess']['estimate'])} ({_interval(g['excess'], _pp)})"
                                     if g.get("excess") else "—")} for g in groups]
    st.dataframe(pl.DataFrame(rows), hide_index=True, key=K + key)


def _missing_caption(item: dict) -> None:
    if item.get("missing"):
        st.caption(t("ch.il.missing", n=i18n.number(item["missing"])))


# ---------------------------------------------------------------- loaded support data
def exposure(analysis: dict) -> None:
    est = analysis.get("estimate")
    st.subheader(t("ch.exposed"))
    if not est:
        st.info(why(analysis) or t("ch.why.no_estimate"), icon=":material/info:")
        return
    st.caption(t("ch.window_snapshot") if analysis.get("mode") == "snapshot"
               else t("ch.window_dated", days=i18n.number(analysis.get("window_days"))))
    groups = [("exposed", est["exposed"]), ("unexposed", est["unexposed"])]
    names = [t(f"ch.group.{g}") for g, _ in groups]
    rates = [r["rate"]["estimate"] for _, r in groups]
    upper = [(r["rate"]["high"] or 0) - (r["rate"]["estimate"] or 0) for _, r in groups]
    lower = [(r["rate"]["estimate"] or 0) - (r["rate"]["low"] or 0) for _, r in groups]
    # The figures go under the bars (in the axis labels), clear of the interval whiskers.
    labels = [f"{name}<br><b>{i18n.percent(r['rate']['estimate'])}</b> · {i18n.number(r['churned'])} / {i18n.number(r['customers'])}"
              for name, (_, r) in zip(names, groups)]
    fig = go.Figure(go.Bar(
        x=labels, y=rates, marker_color=["#E45756", "#54A24B"],
        error_y=dict(type="data", array=upper, arrayminus=lower, visible=True),
        customdata=names, hovertemplate="%{customdata}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", title=components.axis_share(t("ch.churn_rate")), rangemode="tozero")
    left, right = st.columns([3, 2])
    with left:
        components.chart(fig, key=K + "exposed_chart", height=320, x_title=t("ch.group"))
    with right:
        excess = est.get("excess") or {}
        attributable = est.get("attributable_churned") or {}
        pp = "pp" if i18n.current() == "en" else "п.п."
        st.metric(t("ch.excess"), f"{i18n.number((excess.get('estimate') or 0) * 100, 1)} {pp}",
                  delta=t("ch.ci", low=i18n.number((excess.get("low") or 0) * 100, 1),
                          high=i18n.number((excess.get("high") or 0) * 100, 1)),
                  delta_color="off", delta_arrow="off", border=True)
        digits = 1 if abs(attributable.get("estimate") or 0) < 10 else 0
        st.metric(t("ch.attributable"), i18n.number(attributable.get("estimate"), digits),
                  delta=t("ch.ci", low=i18n.number(attributable.get("low"), digits),
                          high=i18n.number(attributable.get("high"), digits)),
                  delta_color="off", delta_arrow="off", border=True)
        money = components.churn_money(analysis)
        if money and money["lost"] is not None:
            st.metric(t("ch.lost_revenue"), i18n.money(money["lost"], money["currency"]),
                      delta=f"{int(money['months'])} {'mo' if i18n.current() == 'en' else 'мес.'}",
                      delta_color="off", delta_arrow="off", border=True)
    st.caption(plain(_method_text(est.get("method", ""))))


def _method_text(method: str) -> str:
    """metrics/churn.py names its method in English; the Russian page says it in Russian."""
    from reports.text import method_text

    return method_text(method, i18n.current())


def dose_response(analysis: dict) -> None:
    doses = analysis.get("dose_response") or []
    if not doses or not analysis.get("estimate"):
        return
    st.subheader(t("ch.dose"))
    fig = go.Figure(go.Bar(
        x=[f"{chart_text(d['label'])}<br>n = {i18n.number(d['customers'])}" for d in doses], y=[d["rate"]["estimate"] for d in doses],
        marker_color="#F58518", customdata=[chart_text(d["label"]) for d in doses],
        error_y=dict(type="data", visible=True,
                     array=[(d["rate"]["high"] or 0) - (d["rate"]["estimate"] or 0) for d in doses],
                     arrayminus=[(d["rate"]["estimate"] or 0) - (d["rate"]["low"] or 0) for d in doses]),
        hovertemplate="%{customdata}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", title=components.axis_share(t("ch.churn_rate")), rangemode="tozero")
    fig.update_xaxes(title=t("ch.negatives"), type="category")
    components.chart(fig, key=K + "dose_chart", height=300)


CLASS_KEYS = ("support", "possibly_support", "other")


def reasons(analysis: dict) -> None:
    stated = analysis.get("stated_reasons") or {}
    st.subheader(t("ch.reasons"))
    if not stated.get("churned_with_reason"):
        st.info(t("ch.reasons.none") if stated.get("churned") else t("ch.reasons.no_churned"), icon=":material/info:")
        return
    currency = analysis.get("currency")
    classes = stated["classes"]
    st.caption(t("ch.reasons.scope", n=i18n.number(stated["churned_with_reason"]), total=i18n.number(stated["churned"])))
    cols = st.columns(3)
    for col, cls in zip(cols, CLASS_KEYS):
        group = classes[cls]
        col.metric(t(f"ch.class.{cls}"), i18n.number(group["customers"]),
                   delta=t("ch.reasons.revenue", money=i18n.money(group["monthly_revenue"], currency, short=False)),
                   delta_color="off", delta_arrow="off", border=True, help=t(f"ch.class.{cls}.help"))
    rows = []
    for cls in CLASS_KEYS:
        for v in classes[cls]["values"]:
            rows.append({t("ch.reason"): v["value"], t("ch.reasons.field"): t(f"ch.reasons.field.{v['field']}"),
                         t("ch.reasons.class"): t(f"ch.class.{cls}"), t("ch.customers"): v["customers"],
                         t("ch.reasons.monthly"): i18n.money(v["monthly_revenue"], currency, short=False),
                         t("ch.reasons.moved"): t("ch.reasons.moved_yes") if v["moved"] else ""})
    st.dataframe(pl.DataFrame(rows), hide_index=True, key=K + "reason_values")
    measured, diff = stated.get("measured"), stated.get("difference") or {}
    if measured:
        source = (t("ch.reasons.source_loaded") if measured["source"] == "loaded"
                  else t("ch.reasons.source_list", what=t(f"ch.il.signal.{measured.get('signal')}")))
        st.markdown(t("ch.reasons.beside", stated=i18n.number(diff.get("stated_support")),
                      possible=i18n.number(diff.get("stated_support_or_possible")),
                      measured=i18n.number(measured.get("estimate")),  # whole customers, as on the cards
                      interval=_interval(measured, lambda v: i18n.number(v)), source=source,
                      money=i18n.money(measured.get("monthly_revenue"), currency, short=False),
                      stated_money=i18n.money(classes["support"]["monthly_revenue"], currency, short=False)))
    st.caption(t(f"ch.reasons.diff.{diff.get('code', 'no_estimate')}"))
    if access.allows("settings"):  # it writes the settings file (ui/data.move_reason refuses others too)
        move_reasons(stated)


def move_reasons(stated: dict) -> None:
    """Move a stated value to another class: saved to settings [churn.reasons] as_support / ..."""
    values = sorted({v["value"] for cls in CLASS_KEYS for v in stated["classes"][cls]["values"]})
    current = {v["value"]: cls for cls in CLASS_KEYS for v in stated["classes"][cls]["values"]}
    with st.expander(t("ch.reasons.move"), icon=":material/swap_horiz:"):
        st.caption(t("ch.reasons.move_help"))
        left, mid, right = st.columns([3, 2, 1], vertical_alignment="bottom")
        value = left.selectbox(t("ch.reason"), values, key=K + "move_value")
        target = mid.selectbox(t("ch.reasons.class"), CLASS_KEYS, index=CLASS_KEYS.index(current.get(value, "other")),
                               format_func=i18n.labels("ch.class."), key=K + "move_class")
        if right.button(t("ch.reasons.move_save"), key=K + "move_save", icon=":material/save:"):
            path = data.move_reason(value, target)
            st.success(t("ch.reasons.moved_to", value=plain(value), cls=t(f"ch.class.{target}"), path=plain(str(path))))
            st.rerun()


def _url_overrides() -> dict[str, float]:
    """The calculator inputs a shared link carries (?calc_NAME=VALUE, fractions as 0-1)."""
    out = {}
    for name, _ in ADJUSTABLE:
        raw = st.query_params.get(URL_PREFIX + name)
        try:
            if raw is not None:
                out[name] = float(raw)
        except ValueError:
            continue
    return out


def _reset_calculator() -> None:
    for name, _ in ADJUSTABLE:
        st.session_state.pop(K + "in_" + name, None)
        st.query_params.pop(URL_PREFIX + name, None)


def problems(values: dict[str, float], typed: set[str] | None = None) -> list[str]:
    """Why a set of calculator inputs cannot be computed, in words (empty when it can). With ``typed``
    (the inputs the user entered) only those are judged: a measured churn after a bad experience below
    the churn without one is what the data says (support kept customers), not an input to correct."""
    judged = lambda *names: typed is None or any(n in typed for n in names)  # noqa: E731
    out = []
    if judged("customers") and values.get("customers", 1) <= 0:
        out.append(t("ch.invalid.customers"))
    if judged("horizon_months") and values.get("horizon_months", 1) < 1:
        out.append(t("ch.invalid.horizon"))
    base = values.get("baseline_churn")
    for name in ("churn_after_one", "churn_after_two"):
        if judged(name, "baseline_churn") and base is not None and values.get(name) is not None and values[name] < base:
            out.append(t("ch.invalid.below_baseline", what=t(f"calc.{name}"), value=i18n.percent(values[name]),
                         base=i18n.percent(base)))
    for name in ("arpu_monthly", "lost_customer_revenue_monthly"):
        if judged(name) and values.get(name) is not None and values[name] <= 0:
            out.append(t("ch.invalid.revenue", what=t(f"calc.{name}")))
    return out


def below_baseline(values: dict[str, float]) -> list[str]:
    """The churn-after-a-bad-experience inputs below the churn without one (the calculator counts no
    customer lost to support for them)."""
    base = values.get("baseline_churn")
    return [n for n in ("churn_after_one", "churn_after_two")
            if base is not None and values.get(n) is not None and values[n] < base]


def calculator(params: dict[str, str], analysis: dict | None) -> None:
    st.subheader(t("ch.calculator"))
    base = data.calculator(filters.key(params))
    if base is None:
        return
    inputs = base["inputs"]
    currency = (inputs.get("currency") or {}).get("value")
    if base.get("fx_missing"):
        st.warning(t("ch.fx_missing", benchmark=plain(base["fx_missing"]["from"]),
                      currency=plain(base["fx_missing"]["to"])),
                   icon=":material/currency_exchange:")
    from_url = _url_overrides()
    overrides, typed = {}, {}
    with st.expander(t("ch.adjust"), icon=":material/tune:", expanded=bool(from_url)):
        cols = st.columns(4)
        effective = base["outputs"]
        for i, (name, kind) in enumerate(ADJUSTABLE):
            item = inputs.get(name)
            if item is None:
                continue
            value = item["value"]
            if value is None and name == "lost_customer_revenue_monthly":
                value = effective.get("lost_customer_revenue_monthly")  # ARPU unless measured
            if value is None:
                continue
            value = float(value)
            col = cols[i % 4]
            label = t(f"calc.{name}")
            wkey = K + "in_" + name
            if wkey not in st.session_state and name in from_url:
                st.session_state[wkey] = from_url[name] * 100 if kind == "fraction" else from_url[name]
            # The widget starts at the value as shown (rounded); only a different number is the user's own.
            if kind == "fraction":
                shown = round(value * 100, 2)
                entered = col.number_input(label + ", %", 0.0, 100.0, shown, 0.5, key=wkey)
                chosen = entered / 100
            elif kind == "count":
                shown = int(round(value))
                entered = col.number_input(label, 0, 10_000_000, shown, 1, key=wkey)
                chosen = float(entered)
            elif kind == "decimal":
                shown = round(value, 2)
                entered = chosen = col.number_input(label, 0.0, 1000.0, shown, 0.5, key=wkey)
            else:
                shown = round(value, 2)
                entered = chosen = col.number_input(f"{label}, {plain(currency)}", 0.0, 1e9, shown, 10.0, key=wkey)
            typed[name] = chosen if entered != shown else value
            if entered != shown:
                overrides[name] = chosen
        st.button(t("ch.reset"), key=K + "reset", on_click=_reset_calculator, icon=":material/restart_alt:",
                  disabled=not overrides)
    # The inputs the user changed travel in the URL, so a shared link opens the same calculation.
    for name, _ in ADJUSTABLE:
        wanted = overrides.get(name)
        current = st.query_params.get(URL_PREFIX + name)
        if wanted is None and current is not None:
            st.query_params.pop(URL_PREFIX + name, None)
        elif wanted is not None and current != f"{wanted:g}":
            st.query_params[URL_PREFIX + name] = f"{wanted:g}"
    values = {**{n: (inputs.get(n) or {}).get("value") for n, _ in ADJUSTABLE}, **typed}
    why = problems(values, typed=set(overrides))
    if why:
        st.error(t("ch.invalid") + "\n\n" + "\n".join(f"- {w}" for w in why), icon=":material/error:")
        return
    for name in below_baseline(values):  # measured or default values: computed, the excess counted as none
        st.info(t("ch.below_baseline_note", what=t(f"calc.{name}"), value=i18n.percent(values[name]),
                  base=i18n.percent(values["baseline_churn"])), icon=":material/info:")
    result = data.calculator(filters.key(params), overrides) if overrides else base
    out = result["outputs"]
    cols = st.columns(len(OUTPUTS))
    for col, (name, kind) in zip(cols, OUTPUTS):
        full = _value(out.get(name), kind, currency)
        col.metric(t(f"calc.{name}"), i18n.money(out.get(name), currency) if kind == "money" else i18n.integer(out.get(name)),
                   border=True, help=t("kpi.full_value", value=plain(full)))
    rows = []
    for name, item in result["inputs"].items():
        kind = next((k for n, k in ADJUSTABLE if n == name), "money" if name.endswith("_monthly") else "fraction" if name.endswith(("_share", "_churn", "_rate")) or
                    name.startswith("churn_after") or name == "gross_margin" else "count")
        value = item["value"] if item["value"] is not None else out.get(name)
        origin = (t("ch.your_value") if name in overrides else t("ch.measured") if item["measured"]
                  else t("ch.from_settings") if str(item["source"]).startswith("settings ") else t("ch.benchmark"))
        source = "" if item["measured"] or name in overrides else (
            t(f"calc.source.{name}") if f"calc.source.{name}" in i18n.STRINGS else item["source"])
        rows.append({t("ch.input"): t(f"calc.{name}"), t("ch.value"): currency if name == "currency" else
                     _value(value, kind, currency) if value is not None else "—", t("ch.origin"): origin, t("ch.source"): source})
    # A static table: the sources are sentences and wrap here (a data grid would cut them off).
    st.table(plain_table(pl.DataFrame(rows)), border="horizontal", hide_index=True)
    with st.expander(t("ch.steps")):
        for step in steps(out, result["inputs"], currency):
            st.text(step)

    st.subheader(t("ch.what_if"))
    measured_rate = (result["inputs"].get("sla_breach_rate") or {}).get("value") or 0.1
    left, right = st.columns(2)
    start = left.slider(t("ch.breach_from") + ", %", 0.0, 100.0, round(measured_rate * 100, 1), 0.5, key=K + "wi_from",
                        format="%.1f")
    target = right.slider(t("ch.breach_to") + ", %", 0.0, 100.0, round(measured_rate * 50, 1), 0.5, key=K + "wi_to",
                          format="%.1f")
    if start <= 0:
        return
    outcome = data.what_if(filters.key(params), start / 100, target / 100, overrides)
    if outcome is None:
        return
    # Whole customers: "about 136", never "136.4" (a model's fraction of a person reads as false precision).
    st.success(i18n.tn("ch.what_if_result", outcome.get("customers_kept_per_year"), a=i18n.percent(start / 100),
                       b=i18n.percent(target / 100), money=i18n.money(outcome.get("revenue_kept"), currency),
                       months=i18n.number(outcome.get("horizon_months"))), icon=":material/savings:")
    measured = outcome.get("method") == "measured dose-response"
    st.caption(t("ch.what_if_measured" if measured else "ch.what_if_benchmark",
                 ratio=i18n.number(target / start if start else 1, 2)))


def steps(out: dict, inputs: dict, currency: str) -> list[str]:
    """The calculator's worked steps in the session's language (the numbers formatted by formatting.py)."""
    v = {k: item["value"] for k, item in inputs.items()}
    n1 = lambda x: i18n.number(x, 1)  # noqa: E731
    lines = [t("calc.step.exposed", customers=i18n.integer(v["customers"]), share=i18n.percent(v["negative_share"]),
               exposed=n1(out["exposed_customers"])),
             t("calc.step.lost", one=n1(out["exposed_one"]), two=n1(out["exposed_two_plus"]),
               after1=i18n.percent(v["churn_after_one"]), after2=i18n.percent(v["churn_after_two"]),
               base=i18n.percent(v["baseline_churn"]), lost=n1(out["customers_lost_per_year"])),
             t("calc.step.revenue", lost=n1(out["customers_lost_per_year"]),
               each=i18n.money(out["lost_customer_revenue_monthly"], currency, short=False),
               months=i18n.integer(v["horizon_months"]), revenue=i18n.money(out["revenue_lost"], currency)),
             t("calc.step.replacement", lost=n1(out["customers_lost_per_year"]),
               multiple=i18n.number(v["acquisition_cost_multiple"], 1), retain=i18n.money(out["cost_to_retain"], currency, short=False),
               cost=i18n.money(out["replacement_cost"], currency))]
    return lines


def body() -> None:
    params = st.session_state.get("flt_params", {})
    components.page_header("ch.title")
    scope = access.scope()
    st.caption(t("ch.scope") if scope is None else t("auth.ch_scope", teams=plain(", ".join(scope))))
    if not data.has_churn():
        st.warning(t("empty.no_metrics"), icon=":material/construction:")
        return
    analysis = data.churn_analysis() or {}
    if data.rows("customers") == 0:
        components.empty_state("empty.no_customers")
    else:
        with components.section():
            snapshot_section(analysis)
        with components.section():
            in_list_section(analysis)
        with components.section():
            exposure(analysis)
        with components.section():
            dose_response(analysis)
        with components.section():
            reasons(analysis)
        notes = analysis.get("notes") or []
        if notes:
            with st.expander(t("ch.notes"), icon=":material/notes:"):
                for note in notes:
                    st.text(i18n.method_note(note))
    with components.section():
        calculator(params, analysis)


components.run_page(body)
