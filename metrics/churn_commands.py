"""`python cli.py churn [--json]`: churn attributable to support, its cost, and the calculator."""
from __future__ import annotations

import json


def _pct(v, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v * 100:.{digits}f}%"


def _num(v, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def _ci(iv: dict | None, fmt=_num) -> str:
    if not iv or iv.get("estimate") is None:
        return "n/a"
    if iv.get("low") is None:
        return fmt(iv["estimate"])
    return f"{fmt(iv['estimate'])} (95% CI {fmt(iv['low'])} to {fmt(iv['high'])})"


def _kpis(con) -> dict:
    try:
        from metrics import engine
        from metrics.filters import Filters
    except ImportError:
        return {}
    try:
        return engine.kpis(con, Filters(), ids=["sla_breach_rate", "frt_p90_minutes"]) or {}
    except Exception:  # the churn report must not fail because a KPI could not be computed
        return {}


def report(con, settings: dict | None = None) -> dict:
    """Everything the command (and a report page) shows, as one JSON-safe dict."""
    from metrics import calculator, churn

    analysis = churn.analyse(con, settings)
    kpis = _kpis(con)
    inputs = calculator.inputs_from_data(analysis, kpis, base=calculator.defaults(settings))
    result = calculator.compute(inputs)
    breach_from = inputs.sla_breach_rate
    frt_from = inputs.frt_p90_hours
    return {
        "analysis": analysis.to_dict(),
        "calculator": result,
        "what_if": {
            "breach_rate_halved": calculator.what_if(inputs, analysis, breach_from, breach_from / 2),
            "frt_p90_halved": calculator.what_if_frt(inputs, analysis, frt_from, frt_from / 2),
        },
    }


def _money_text(v, cur: str) -> str:
    return "n/a" if v is None else f"{v:,.2f} {cur}"


def render_snapshot(a: dict) -> list[str]:
    """The customer list read as a snapshot: churn rate, revenue, monthly churn from tenure, LTV."""
    s = a.get("snapshot") or {}
    if not s:
        return []
    cur = a.get("currency", "")
    lines = [f"Customer list as of {s['as_of'] or 'n/a'}" + (" (snapshot: churn flags without dates)"
                                                            if a.get("mode") == "snapshot" else "")]
    if not s.get("available"):
        lines.append("  no customer with a known outcome (churn flag or date)")
        return lines
    lines.append(f"  customers {s['customers']:,}: compared {s['compared']:,} (churned {s['churned']:,}, stayed "
                 f"{s['stayed']:,}); joined during the period {s['joined']:,} (counted apart)"
                 + (f"; outcome unknown {s['outcome_unknown']:,}" if s["outcome_unknown"] else ""))
    lines.append(f"  churn rate {_ci(s['churn_rate'], _pct)}")
    if s.get("monthly_revenue_column"):
        extra = [f"{s['churned_negative_monthly']:,} negative left out" if s["churned_negative_monthly"] else "",
                 f"{s['churned_blank_monthly']:,} blank" if s["churned_blank_monthly"] else ""]
        lines.append(f"  lost monthly revenue (churned customers' monthly charges): {_money_text(s['lost_monthly_revenue'], cur)}"
                     + (f" ({', '.join(e for e in extra if e)})" if any(extra) else ""))
    else:
        lines.append("  lost monthly revenue: not measurable (the list has no monthly charge column)")
    if s.get("total_revenue_column"):
        extra = [f"{s['churned_negative_total']:,} negative left out" if s["churned_negative_total"] else "",
                 f"{s['churned_blank_total']:,} blank" if s["churned_blank_total"] else ""]
        lines.append(f"  revenue already earned from churned customers (total charges): "
                     f"{_money_text(s['earned_from_churned'], cur)}" + (f" ({', '.join(e for e in extra if e)})" if any(extra) else ""))
    else:
        lines.append("  revenue already earned from churned customers: not measurable (no total charges column)")
    if s.get("negative_monthly_customers"):
        n_neg = s['negative_monthly_customers']
        lines.append(f"  {n_neg:,} customer{' has' if n_neg == 1 else 's have'} a negative monthly charge (credits or refunds): "
                     "kept as loaded, left out of every revenue sum")
    if s.get("monthly_churn_formula"):
        lines.append(f"  monthly churn{' from tenure' if s.get('monthly_churn_basis') == 'tenure' else ''}: "
                     f"{s['monthly_churn_formula']} (95% CI "
                     f"{_pct(s['monthly_churn']['low'], 2)} to {_pct(s['monthly_churn']['high'], 2)})"
                     + (f"; {s['tenure_missing']:,} customers without tenure left out" if s["tenure_missing"] else ""))
    else:
        lines.append("  monthly churn: not measurable (no tenure or start dates)")
    arpu_from = (f"mean monthly charge of {s['arpu_customers']:,} customers" if s["arpu_basis"] == "list"
                 else "the calculator's assumed ARPU: the list has no monthly charges")
    if s.get("ltv_formula"):
        lines.append(f"  LTV = ARPU x gross margin / monthly churn: {s['ltv_formula']} {cur} (ARPU: {arpu_from})")
    else:
        lines.append("  LTV: not measurable (" + ("no churned customers, so no monthly churn" if not s["churned"]
                                                 else "no monthly churn") + ")")
    return lines


def render_in_list(a: dict) -> list[str]:
    """Churn by the list's own support columns."""
    il = a.get("in_list") or {}
    if not il.get("available"):
        return []
    cur = a.get("currency", "")
    lines = ["Support columns inside the customer list (from the list alone)"]
    names = {"contacts": "number of support contacts", "complaint": "complaint flag", "satisfaction": "satisfaction score",
             "bad_experiences": "number of bad experiences (complaint, low score)"}
    for key in ("contacts", "complaint", "satisfaction", "bad_experiences"):
        item = il.get(key)
        if not item:
            continue
        groups = item.get("buckets") or item.get("groups") or item.get("scores") or []
        lines.append(f"  churn by {names[key]}:")
        for g in groups:
            excess = g.get("excess")
            low = " (low)" if g.get("low") else ""
            lines.append(f"    {g['label'] + low:<12}{g['customers']:>8,} customers {g['churned']:>7,} churned  "
                         f"{_ci(g['rate'], _pct)}" + (f"; excess {_ci(excess, _pct)}" if excess else ""))
        comp = item["comparison"]
        basis = {"list": f"mean monthly charge of {comp['revenue_basis_customers']:,} exposed churners",
                 "list_arpu": "the list's ARPU (the exposed churners have no charge)",
                 "calculator": "the calculator's assumed ARPU (the list has no charges)"}[comp["revenue_basis"]]
        lines.append(f"    excess churn, {comp['exposed_label']} vs the rest: {_ci(comp['excess'], _pct)}; attributable "
                     f"{_ci(comp['attributable_churned'])} customers, costing {_ci(comp['cost_monthly'], lambda v: _num(v, 0))} "
                     f"{cur} a month ({_ci(comp['cost_horizon'], lambda v: _num(v, 0))} over {comp['horizon_months']:g} months; "
                     f"{_num(comp['revenue_each_monthly'], 2)} each: {basis})")
        if comp.get("leakage_caution"):
            lines.append(f"    caution: this column tells churn {_pct(comp['accuracy'])} right; it may have been recorded "
                         "after the customer left (leakage)")
        if item.get("missing"):
            lines.append(f"    {item['missing']:,} customers have no value in this column and are left out")
        if "after_one" in item:
            lines.append(f"    beside the industry figures: after one {_pct(item['after_one'])} (HubSpot: 58% stop buying "
                         f"after one bad experience); after two or more {_pct(item['after_two_plus'])} (Microsoft, PwC: "
                         "61-67% leave after two)")
    return lines


def render_reasons(a: dict) -> list[str]:
    s = a.get("stated_reasons") or {}
    cur = a.get("currency", "")
    if not s:
        return []
    if not s.get("churned_with_reason"):
        return ["Stated reasons: the customer list has no churn category or reason"
                + ("" if s.get("churned") else " (and no churned customers)")]
    lines = [f"Stated reasons ({s['churned_with_reason']:,} of {s['churned']:,} churned customers give one)"]
    titles = {"support": "support", "possibly_support": "possibly support", "other": "other"}
    for cls in ("support", "possibly_support", "other"):
        group = s["classes"][cls]
        lines.append(f"  {titles[cls]}: {group['customers']:,} customer{'' if group['customers'] == 1 else 's'}, monthly revenue {_num(group['monthly_revenue'], 2)} {cur}")
        for v in group["values"]:
            lines.append(f"    {v['value']!r} ({v['field']}{', moved by you' if v['moved'] else ''}): {v['customers']:,}")
    m, diff = s.get("measured"), s.get("difference") or {}
    if m:
        lines.append(f"  statistical estimate beside it ({'loaded support data' if m['source'] == 'loaded' else 'the list: ' + m['label']}): "
                     f"{_ci(m)} customers attributable")
    lines.append("  " + DIFFERENCE_TEXT[diff.get("code", "no_estimate")])
    return lines


DIFFERENCE_TEXT = {
    "no_estimate": "no statistical estimate to compare with: stated reasons are what churned customers said, not a "
                   "measurement",
    "within": "the stated count lies within the statistical estimate's interval: what customers said and what the data "
              "shows agree",
    "measured_higher": "the statistical estimate is higher: customers often give a polite reason (price, competitor) for a "
                       "support problem, and many churners give no reason",
    "stated_higher": "stated reasons count more: some who named support would have left anyway (the estimate counts only "
                     "churn above comparable customers without a bad experience)",
}


def render(data: dict) -> str:
    a = data["analysis"]
    cur = a.get("currency", "")
    lines = render_snapshot(a) + render_in_list(a) + render_reasons(a)
    lines.append("Churn attributable to support (loaded tickets, calls, surveys)")
    if not a["available"] or a.get("message_code", "").startswith(("no_support_data", "ids_from_rows", "no_customer_ids",
                                                                    "nothing_joins")):
        lines.append(f"  {a['message']}")
    else:
        lines.append(f"  as of {a['as_of']} (end of observation)"
                     + (f"; period from {a['period_start']} (first support record)" if a["period_start"] else "")
                     + (f"; window {a['window_days']} days before each customer's churn date or the end of observation"
                        if a.get("mode") != "snapshot" else "; window: each customer's whole tenure up to the as-of date"))
        lines.append(f"  customers compared {a['customers']:,}, churned {a['churned']:,}"
                     + (("; excluded: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in a["excluded"].items()))
                        if a["excluded"] else ""))
        if a["message"]:
            lines.append(f"  {a['message']}")
        est = a.get("estimate")
        if est:
            lines.append(f"  {'':<28}{'customers':>10}{'churned':>9}  churn rate")
            for key in ("exposed", "unexposed"):
                r = est[key]
                title = "had a negative experience" if key == "exposed" else "had none"
                lines.append(f"  {title:<28}{r['customers']:>10,}{r['churned']:>9,}  {_ci(r['rate'], _pct)}")
            crude = a["crude"]
            lines.append(f"  excess churn rate, crude: {_ci(crude['excess'], _pct)}")
            if a["stratified"]:
                lines.append(f"  excess churn rate, within {' x '.join(d.replace('_band', '') for d in a['stratified_by'])} (headline): "
                             f"{_ci(a['stratified']['excess'], _pct)}")
            lines.append(f"  customers lost to support: {_ci(est['attributable_churned'])}"
                         f" = {_ci(est['attributable_fraction'], _pct)} of churned customers")
            lines.append("  churn by number of negative experiences: " + "; ".join(
                f"{r['label']}: {_pct(r['rate']['estimate'])} of {r['customers']:,}" for r in a["dose_response"]))
    m = a.get("money") or {}
    if m and a.get("estimate"):
        lines.append(f"Money ({cur})")
        lines.append(f"  ARPU {_num(m['arpu_monthly'], 2)} a month, gross margin {_pct(m['gross_margin'], 0)}, "
                     f"monthly churn {_pct(m['monthly_churn_rate'], 2)} -> LTV {_num(m['ltv'], 0)}")
        lines.append(f"  lost revenue over {m['horizon_months']:g} months: {_ci(m['lost_revenue_horizon'], lambda v: _num(v, 0))}")
        lines.append(f"  lost lifetime value: {_ci(m['lost_lifetime_value'], lambda v: _num(v, 0))}")
        lines.append(f"  revenue at risk now: {m['revenue_at_risk_customers']:,} customers with a negative experience in the last "
                     f"{m['recent_days']} days, {_num(m['revenue_at_risk_monthly'], 0)} a month "
                     f"({_num(m['revenue_at_risk_horizon'], 0)} over {m['horizon_months']:g} months)")
        lines.append(f"  replacement cost: {_ci(m['replacement_cost'], lambda v: _num(v, 0))} "
                     f"(acquisition cost {_num(m['acquisition_cost'], 2)} = {m['acquisition_cost_multiple']:g} x cost to retain, "
                     f"{m['cost_to_retain_basis']})")
    c = data["calculator"]
    lines.append(f"Calculator ({'measured where marked *' if any(v['measured'] for v in c['inputs'].values()) else 'benchmark defaults'})")
    lines += [f"  {step}" for step in c["steps"]]
    lines.append(f"  total: {_num(c['total'], 0)} {c['currency']} a year")
    for name, v in c["inputs"].items():
        value = v["value"]
        shown = f"{value:,.4g}" if isinstance(value, float) else str(value)
        lines.append(f"    {'*' if v['measured'] else ' '} {name} = {shown}: {v['source']}")
    for key, w in data["what_if"].items():
        lines.append(f"What-if ({key.replace('_', ' ')}): {_num(w['customers_kept_per_year'])} customers and "
                     f"{_num(w['revenue_kept'], 0)} {w['currency']} kept a year ({w['method']}: {w['assumption']})")
    for note in a.get("notes") or []:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def cmd_churn(args) -> int:
    from loaders.store import Store

    try:
        import metrics  # noqa: F401  registers derived-table hooks when the package has them
    except ModuleNotFoundError as exc:
        if exc.name != "metrics":
            raise
    cur = Store(args.db).cursor()
    try:
        data = report(cur)
    finally:
        cur.close()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(render(data))
    return 0


def add_commands(add) -> None:
    p = add("churn", cmd_churn, "Churn attributable to support, its cost, the churn-cost calculator and what-ifs.")
    p.add_argument("--json", action="store_true", help="print everything as JSON")
