"""Churn & revenue: churn of customers with and without a negative support experience, the
dose-response, stated reasons, and the churn-cost calculator with what-if sliders (each input
labelled measured or benchmark)."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components, data, filters, i18n
from ui.i18n import t

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


def exposure(analysis: dict) -> None:
    est = analysis.get("estimate")
    if not est:
        return
    st.subheader(t("ch.exposed"))
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
        st.metric(t("ch.attributable"), i18n.number(attributable.get("estimate")),
                  delta=t("ch.ci", low=i18n.number(attributable.get("low")), high=i18n.number(attributable.get("high"))),
                  delta_color="off", delta_arrow="off", border=True)
        money = components.churn_money(analysis)
        if money and money["lost"] is not None:
            st.metric(t("ch.lost_revenue"), i18n.money(money["lost"], money["currency"]),
                      delta=f"{money['months']} {'mo' if i18n.current() == 'en' else 'мес.'}",
                      delta_color="off", delta_arrow="off", border=True)
    st.caption(i18n.method_note(est.get("method", "")))


def dose_response(analysis: dict) -> None:
    doses = analysis.get("dose_response") or []
    if not doses:
        return
    st.subheader(t("ch.dose"))
    fig = go.Figure(go.Bar(
        x=[f"{d['label']}<br>n = {i18n.number(d['customers'])}" for d in doses], y=[d["rate"]["estimate"] for d in doses],
        marker_color="#F58518", customdata=[d["label"] for d in doses],
        error_y=dict(type="data", visible=True,
                     array=[(d["rate"]["high"] or 0) - (d["rate"]["estimate"] or 0) for d in doses],
                     arrayminus=[(d["rate"]["estimate"] or 0) - (d["rate"]["low"] or 0) for d in doses]),
        hovertemplate="%{customdata}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", title=components.axis_share(t("ch.churn_rate")), rangemode="tozero")
    fig.update_xaxes(title=t("ch.negatives"), type="category")
    components.chart(fig, key=K + "dose_chart", height=300)


def reasons(analysis: dict) -> None:
    stated = analysis.get("stated_reasons") or {}
    categories = stated.get("support_reason_categories") or {}
    if not stated.get("churned_with_reason"):
        return
    st.subheader(t("ch.reasons"))
    st.caption(t("ch.reasons_summary", support=i18n.number(stated.get("support_reason_churned")),
                 total=i18n.number(stated.get("churned_with_reason")),
                 share=i18n.percent(stated.get("support_reason_share"))))
    if categories:
        frame = pl.DataFrame({t("ch.reason"): list(categories), t("ch.churned"): list(categories.values())})
        st.dataframe(frame, hide_index=True, key=K + "reasons")


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


def problems(values: dict[str, float]) -> list[str]:
    """Why a set of calculator inputs cannot be computed, in words (empty when it can)."""
    out = []
    if values.get("customers", 1) <= 0:
        out.append(t("ch.invalid.customers"))
    if values.get("horizon_months", 1) < 1:
        out.append(t("ch.invalid.horizon"))
    base = values.get("baseline_churn")
    for name in ("churn_after_one", "churn_after_two"):
        if base is not None and values.get(name) is not None and values[name] < base:
            out.append(t("ch.invalid.below_baseline", what=t(f"calc.{name}"), value=i18n.percent(values[name]),
                         base=i18n.percent(base)))
    for name in ("arpu_monthly", "lost_customer_revenue_monthly"):
        if values.get(name) is not None and values[name] <= 0:
            out.append(t("ch.invalid.revenue", what=t(f"calc.{name}")))
    return out


def calculator(params: dict[str, str], analysis: dict | None) -> None:
    st.subheader(t("ch.calculator"))
    base = data.calculator(filters.key(params))
    if base is None:
        return
    inputs = base["inputs"]
    currency = (inputs.get("currency") or {}).get("value")
    if base.get("fx_missing"):
        st.warning(t("ch.fx_missing", benchmark=base["fx_missing"]["from"], currency=base["fx_missing"]["to"]),
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
                entered = chosen = col.number_input(f"{label}, {currency}", 0.0, 1e9, shown, 10.0, key=wkey)
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
    why = problems({**{n: (inputs.get(n) or {}).get("value") for n, _ in ADJUSTABLE}, **typed})
    if why:
        st.error(t("ch.invalid") + "\n\n" + "\n".join(f"- {w}" for w in why), icon=":material/error:")
        return
    result = data.calculator(filters.key(params), overrides) if overrides else base
    out = result["outputs"]
    cols = st.columns(len(OUTPUTS))
    for col, (name, kind) in zip(cols, OUTPUTS):
        full = _value(out.get(name), kind, currency)
        col.metric(t(f"calc.{name}"), i18n.money(out.get(name), currency) if kind == "money" else i18n.integer(out.get(name)),
                   border=True, help=t("kpi.full_value", value=full))
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
    st.table(pl.DataFrame(rows), border="horizontal", hide_index=True)
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
    st.caption(t("ch.scope"))
    if not data.has_churn():
        st.warning(t("empty.no_metrics"), icon=":material/construction:")
        return
    analysis = data.churn_analysis() or {}
    if not analysis.get("available"):
        if data.rows("customers") == 0:
            components.empty_state("empty.no_customers")
        else:
            st.info(t("ch.unavailable", why=i18n.method_note(analysis.get("message", ""))), icon=":material/info:")
    else:
        if not analysis.get("estimate") and analysis.get("message"):
            st.info(i18n.method_note(analysis["message"]), icon=":material/info:")
        with components.section():
            exposure(analysis)
        left, right = st.columns(2)
        with left, components.section():
            dose_response(analysis)
        with right, components.section():
            reasons(analysis)
        for note in analysis.get("notes") or []:
            st.caption(i18n.method_note(note))
    with components.section():
        calculator(params, analysis)


components.run_page(body)
