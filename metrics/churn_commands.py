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


def render(data: dict) -> str:
    a = data["analysis"]
    cur = a.get("currency", "")
    lines = ["Churn attributable to support"]
    if not a["available"]:
        lines.append(f"  {a['message']}")
    else:
        lines.append(f"  as of {a['as_of']} (end of observation)"
                     + (f"; period from {a['period_start']} (first support record)" if a["period_start"] else "")
                     + f"; window {a['window_days']} days before each customer's churn date or the end of observation")
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
    s = a.get("stated_reasons") or {}
    if s and not s.get("churned_with_reason"):
        lines.append("  stated reasons: the customer list has no churn category or reason")
    elif s:
        lines.append(f"  stated reasons: {s['support_reason_churned']:,} of {s['churned_with_reason']:,} churned customers "
                     f"with a reason name support (monthly revenue {_num(s['support_reason_monthly_revenue'], 2)} {cur})"
                     + (f"; measured: {_ci(s.get('measured_attributable_churned'))}" if s.get("measured_attributable_churned") else ""))
    m = a.get("money") or {}
    if m:
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
