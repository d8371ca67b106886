"""The consultant's one-command service audit.

``run_audit`` loads whatever files it is given into a temporary database (the main one is never
touched), recognises each format, and writes one self-contained HTML report: what was
received, data quality, KPIs against benchmark figures with their sources, findings ranked by
money at stake with their evidence and a recommendation, and the churn-cost estimate with its
assumptions. ``--pseudonymize`` replaces personal data before anything is stored.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from reports import html as H
from reports.text import fmt_value, method_text, money, number, t

# Benchmarks quoted in ../shared/PRODUCT.md, each with its source.
BENCHMARKS = [
    ("replied_within_12h", {"en": "Replies within 12 hours", "ru": "Ответы в течение 12 часов"},
     {"en": "all of them: a reply later than 12 h raises negative reviews by 87%", "ru": "все: ответ позже 12 ч повышает число негативных отзывов на 87%"},
     "Zendesk CX Trends 2024", 1.0, "fraction"),
    ("chat_frt_median_minutes", {"en": "Median first reply on chat", "ru": "Медиана первого ответа в чате"},
     {"en": "5 minutes: 70% of customers expect a chat reply within 5 minutes", "ru": "5 минут: 70% клиентов ждут ответа в чате в течение 5 минут"},
     "LivePerson", 5.0, "minutes"),
    ("service_level", {"en": "Calls answered within the service-level time", "ru": "Звонки, принятые в пределах норматива"},
     {"en": "80% within 20 s (the common call-centre service level)", "ru": "80% за 20 с (распространённый норматив колл-центров)"},
     "call-centre 80/20 convention", 0.8, "fraction"),
    ("churn_after_one", {"en": "Churn after one negative experience", "ru": "Отток после одного негативного опыта"},
     {"en": "58% stop buying after one bad support experience", "ru": "58% перестают покупать после одного плохого опыта"},
     "HubSpot", 0.58, "fraction"),
    ("churn_after_two", {"en": "Churn after two or more negative experiences", "ru": "Отток после двух и более негативных опытов"},
     {"en": "61-67% leave after two bad experiences", "ru": "61-67% уходят после двух плохих опытов"},
     "Microsoft, PwC", 0.64, "fraction"),
    ("lost_revenue_share", {"en": "Revenue lost to support-related churn", "ru": "Выручка, потерянная из-за оттока по вине поддержки"},
     {"en": "companies that ignore service lose up to 20% of revenue", "ru": "компании, пренебрегающие сервисом, теряют до 20% выручки"},
     "McKinsey", 0.20, "fraction"),
]


@dataclass
class AuditResult:
    out: Path
    exit_code: int
    messages: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)


def expand(paths: list[Path]) -> list[Path]:
    """Files and folders to load: a folder an adapter recognises as a whole (a Fivetran
    export) is loaded as one; any other folder contributes its files."""
    from loaders import registry

    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            scored = registry.detect(p)
            if scored and scored[0][1] >= 0.5:
                out.append(p)
                continue
            for child in sorted(p.iterdir()):
                if child.name.startswith(".") or child.name == "truth.json":
                    continue
                out.extend(expand([child]) if child.is_dir() else [child])
        else:
            out.append(p)
    return out


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}


def coverage(con) -> list[dict]:
    """Rows and covered period per canonical table."""
    spans = {"tickets": "created_at", "ticket_events": "event_at", "calls": "queued_at", "surveys": "responded_at",
             "customers": "started_at"}
    rows = []
    present = _tables(con)
    for table, column in spans.items():
        if table not in present:
            continue
        n, lo, hi, undated = con.execute(f"SELECT count(*), min({column}), max({column}), count(*) - count({column}) "
                                         f"FROM {table}").fetchall()[0]
        if n:
            rows.append({"table": table, "rows": n, "from": lo, "to": hi, "undated": undated})
    return rows


def gather(con, lang: str = "en") -> dict:
    """Every figure the report shows, as plain data."""
    import config
    from metrics import engine, findings, quality
    from metrics.filters import Filters

    settings = config.get()
    data: dict = {"coverage": coverage(con), "quality": [c.to_dict() for c in quality.run(con)],
                  "reconciliation": quality.reconciliation(con)}
    present = _tables(con)
    data["rejections"] = []
    if "rejects" in present:
        # Quoted values are cut out of the reasons so that the same problem groups into one line
        # and no cell value (personal data) reaches the report.
        data["rejections"] = [dict(zip(("reason", "rows", "file"), r)) for r in con.execute(
            "SELECT regexp_replace(reason, '''[^'']*''', '''…''', 'g') r, count(*), min(file_name) FROM rejects "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15").fetchall()]
    kpis = engine.kpis(con, Filters())
    data["kpis"] = dict(kpis)
    data["kpi_notes"] = list(kpis.notes)
    chat_figures = engine.kpis(con, Filters(channel=("chat",)), ["frt_median_minutes"])
    chat = chat_figures.get("frt_median_minutes")
    # ids of the figures read from the ticket sample (docs/metrics.md, "Approximate figures")
    data["kpis_approximate"] = sorted(kpis.approximate)
    data["benchmarks_approximate"] = ["chat_frt_median_minutes"] if chat_figures.approximate else []
    churn_info = churn_summary(con, data["kpis"], settings)
    data["churn"] = churn_info
    measured = {
        "replied_within_12h": kpis.get("replied_within_12h"),
        "chat_frt_median_minutes": chat,
        "service_level": kpis.get("service_level"),
        "churn_after_one": churn_info.get("churn_after_one"),
        "churn_after_two": churn_info.get("churn_after_two"),
        "lost_revenue_share": churn_info.get("lost_revenue_share"),
    }
    data["benchmarks"] = [{"id": bid, "label": label, "benchmark": bench, "source": source, "target": target,
                           "unit": unit, "value": measured.get(bid)} for bid, label, bench, source, target, unit in BENCHMARKS]
    data["findings"] = [f.to_dict() for f in findings.run(con, churn_info["excess_rate"], churn_info["monthly_revenue"],
                                                          settings)]
    try:
        from metrics import survey_summary

        data["satisfaction"] = survey_summary.summary(con)
    except Exception as exc:  # the rest of the audit stands without it
        data["satisfaction"] = {"error": f"{type(exc).__name__}: {exc}"}
    data["currency"] = churn_info.get("currency") or settings["ui"]["currency"]
    from reports import operations  # initiatives, drivers, channel switches, escalation, load, reply targets

    data["operations"] = operations.audit_gather(con)
    return data


def _dose_rate(dose: dict, labels: tuple[str, ...]) -> float | None:
    n = sum(dose[k].customers for k in labels if k in dose)
    c = sum(dose[k].churned for k in labels if k in dose)
    return c / n if n else None


def churn_summary(con, kpis: dict | None = None, settings: dict | None = None) -> dict:
    """The churn figures the audit needs: measured (metrics/churn.py) where the data has customers
    with churn and support records for them, otherwise the calculator's benchmark defaults
    (metrics/calculator.py), each input marked measured or assumed with its source.

    ``excess_rate`` (excess churn after a negative support experience) and ``monthly_revenue`` (of a
    customer lost to support) price the findings (metrics/findings.py)."""
    from metrics import calculator, churn

    out: dict = {"measured": False, "message": None, "notes": []}
    analysis = None
    try:
        analysis = churn.analyse(con, settings)
    except Exception as exc:  # analyse() reports thin data itself; anything else must not sink the audit
        out["message"] = f"churn analysis failed: {type(exc).__name__}: {exc}"
    if analysis is not None:
        from reports import churn_html

        out["message"] = analysis.message or None
        out["notes"] = list(analysis.notes)
        out["customer_list"] = churn_html.summary(analysis.to_dict())
    available = analysis is not None and analysis.available
    inputs = calculator.inputs_from_data(analysis if available else None, kpis or {}, calculator.defaults(settings))
    calc = calculator.compute(inputs)
    est = analysis.estimate if available else None
    if est is not None and est.excess.estimate is not None:
        money = analysis.money or {}
        dose = {r.label: r for r in analysis.dose_response}
        out["measured"] = True
        out["excess_rate"] = max(float(est.excess.estimate), 0.0)
        out["monthly_revenue"] = float(money.get("exposed_churned_mean_monthly_revenue") or money.get("arpu_monthly")
                                       or inputs.arpu_monthly)
        out["churn_after_one"] = _dose_rate(dose, ("1",))
        out["churn_after_two"] = _dose_rate(dose, ("2", "3+"))
        arpu, with_revenue = money.get("arpu_monthly"), money.get("customers_with_revenue")
        lost_each = money.get("exposed_churned_mean_monthly_revenue")
        months = analysis.period_months
        attributable = est.attributable_churned.estimate
        # Monthly revenue of the customers lost to support in a year / monthly revenue of all customers.
        out["lost_revenue_share"] = (max(attributable, 0.0) * 12 / months * lost_each / (arpu * with_revenue)
                                     if attributable is not None and months and lost_each and arpu and with_revenue else None)
        out["analysis"] = {
            "method": est.method, "customers": analysis.customers, "churned": analysis.churned, "mode": analysis.mode,
            "window_days": analysis.window_days, "period_months": months, "as_of": analysis.as_of,
            "churn_period_start": analysis.churn_period_start,
            "exposed": dataclasses.asdict(est.exposed), "unexposed": dataclasses.asdict(est.unexposed),
            "excess": dataclasses.asdict(est.excess), "attributable_churned": dataclasses.asdict(est.attributable_churned),
            "dose_response": [dataclasses.asdict(r) for r in analysis.dose_response],
            "money": {k: money.get(k) for k in ("arpu_monthly", "exposed_churned_mean_monthly_revenue", "horizon_months",
                                                "lost_revenue_horizon", "replacement_cost", "revenue_at_risk_customers",
                                                "revenue_at_risk_horizon", "ltv", "monthly_churn_rate")},
        }
        out["currency"] = analysis.currency
    else:
        # No measurable comparison: price findings with the benchmark model (churn after one bad
        # experience minus the baseline churn, and the assumed revenue per customer).
        out["excess_rate"] = float(calc["excess_after_one"])
        out["monthly_revenue"] = float(calculator.lost_customer_revenue(inputs))
        out["churn_after_one"] = out["churn_after_two"] = out["lost_revenue_share"] = None
        out["currency"] = analysis.currency if available else None
    out["excess_measured"] = out["measured"]
    out["revenue_measured"] = out["measured"] or "arpu_monthly" in inputs.measured
    out["calculator"] = {k: v for k, v in calc.items() if k != "inputs"}
    out["calculator_inputs"] = inputs.to_dict()
    return out


# ----------------------------------------------------------------------------- render
TABLE_NAMES = {"tickets": ("Tickets", "Обращения"), "ticket_events": ("Ticket events", "События обращений"),
               "calls": ("Calls", "Звонки"), "surveys": ("Survey responses", "Ответы на опросы"),
               "customers": ("Customers", "Клиенты")}
CALC_ROWS = [  # (key, en, ru, kind)
    ("customers_lost_per_year", "Customers lost to support per year", "Клиентов в год уходит из-за поддержки", "count"),
    ("revenue_lost", "Their revenue over the horizon", "Их выручка за горизонт", "money"),
    ("replacement_cost", "Cost to replace them", "Стоимость замены клиентов", "money"),
    ("total", "Total cost per year", "Итого потерь в год", "money"),
    ("ltv", "Lifetime value of a customer", "Пожизненная ценность клиента (LTV)", "money"),
]
INPUT_LABELS = {
    "customers": ("Customers", "Клиентов"), "arpu_monthly": ("Revenue per customer a month (ARPU)", "Выручка на клиента в месяц (ARPU)"),
    "lost_customer_revenue_monthly": ("Monthly revenue of a customer lost to support", "Месячная выручка ушедшего из-за поддержки клиента"),
    "gross_margin": ("Gross margin", "Валовая маржа"),
    "negative_share": ("Customers with a negative support experience", "Доля клиентов с негативным опытом"),
    "repeat_negative_share": ("… of them with two or more", "… из них с двумя и более"),
    "baseline_churn": ("Churn without a negative experience", "Отток без негативного опыта"),
    "churn_after_one": ("Churn after one negative experience", "Отток после одного негативного опыта"),
    "churn_after_two": ("Churn after two or more", "Отток после двух и более"),
    "acquisition_cost_multiple": ("Acquiring vs keeping a customer", "Привлечение / удержание клиента"),
    "retention_cost_months": ("Cost of keeping a customer, months of revenue", "Стоимость удержания, месяцев выручки"),
    "horizon_months": ("Horizon, months", "Горизонт, месяцев"), "period_months": ("Churn rates measured over, months", "Период измерения оттока, месяцев"),
    "monthly_churn_rate": ("Monthly churn rate", "Месячный отток"), "sla_breach_rate": ("SLA breach rate", "Доля нарушений SLA"),
    "frt_p90_hours": ("First reply, 90th percentile, hours", "Первый ответ, 90-й перцентиль, ч"),
    "slow_reply_hours": ("A slow first reply, hours", "Медленный первый ответ, ч"), "currency": ("Currency", "Валюта"),
}
INPUT_UNITS = {"negative_share": "fraction", "repeat_negative_share": "fraction", "baseline_churn": "fraction",
               "churn_after_one": "fraction", "churn_after_two": "fraction", "gross_margin": "fraction",
               "monthly_churn_rate": "fraction", "sla_breach_rate": "fraction", "arpu_monthly": "money",
               "lost_customer_revenue_monthly": "money"}


def _basis(item: dict, lang: str) -> str:
    """Measured on the data, taken from the settings file, or a published/assumed benchmark."""
    if item["measured"]:
        return t("measured", lang)
    return t("from_settings", lang) if str(item["source"]).startswith("settings ") else t("assumed", lang)


def _input_value(name: str, value, lang: str, cur: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    unit = INPUT_UNITS.get(name)
    if name == "acquisition_cost_multiple":
        return number(value, lang, 0 if float(value).is_integer() else 1) + "×"
    if unit == "fraction":
        return fmt_value(value, "fraction", lang)
    if unit == "money":
        return money(value, cur, lang)
    return number(value, lang, 0 if float(value).is_integer() or abs(value) >= 100 else 1)


def render(data: dict, reports: list, lang: str, currency: str, pseudonymized: bool) -> str:
    from metrics import quality
    from metrics.registry import METRICS, approximate

    cur = currency or data.get("currency") or "USD"
    approx = set(data.get("kpis_approximate") or ())
    approx_bench = set(data.get("benchmarks_approximate") or ())
    ru = lang == "ru"
    L = lambda d: (d.get(lang) or d.get("en")) if isinstance(d, dict) else d  # noqa: E731
    body = []
    if pseudonymized:
        body.append(f'<p class="headline" id="pseudonymized">{H.esc(t("pseudonymized", lang))}</p>')
    findings = data["findings"]
    if findings:
        top = findings[0]
        stake = (f'{H.esc(money(top["money_at_stake"], cur, lang))} {H.esc(t("at_stake", lang))}'
                 if top["money_at_stake"] else H.esc(t("no_money_at_stake", lang)))  # never "$0.00 at stake"
        body.append(f'<p class="headline">{H.esc(t("top_finding", lang))}: <b>{H.esc(L(top["title"]))}</b>, {stake}.</p>')
    # ------------------------------------------------------------------ what was received
    rows = []
    for r in reports:
        status = {"loaded": t("st_loaded", lang), "skipped": t("st_skipped", lang)}.get(r.status)
        if status is None:
            status = t("st_failed", lang) + ": " + (r.error.splitlines()[0] if r.error else "")
        rows.append([r.file, r.loader or "—", f"{r.confidence:.0%}" if r.confidence else "—",
                     TABLE_NAMES.get(r.target_table, (r.target_table or "—",) * 2)[ru], r.source_tz or "—",
                     number(r.rows_in, lang), number(r.rows_loaded, lang), number(r.rows_rejected, lang), status])
    body.append(f'<h2 id="received">{H.esc(t("received", lang))}</h2>' + H.table(
        [t("file", lang), t("format", lang), t("sure", lang), t("table", lang), t("time_zone", lang), t("rows_in", lang),
         t("loaded", lang), t("rejected", lang), t("status", lang)], rows, {2, 5, 6, 7}))
    cov = [[TABLE_NAMES.get(c["table"], (c["table"],) * 2)[ru], number(c["rows"], lang), _covers(c, lang)]
           for c in data["coverage"]]
    body.append(f'<h3>{H.esc(t("periods", lang))}</h3>' + H.table([t("table", lang), t("rows_in", lang), t("covers", lang)], cov, {1}))
    if data["rejections"]:
        body.append(f'<h3>{H.esc(t("rejections", lang))}</h3>' + H.table(
            [t("reason", lang), t("count", lang), t("file", lang)],
            [[r["reason"], number(r["rows"], lang), r["file"]] for r in data["rejections"]], {1}))
    # ------------------------------------------------------------------ data quality
    severity = {"error": t("sev_error", lang), "warning": t("sev_warning", lang), "info": t("sev_info", lang)}
    q = []
    for c in data["quality"]:
        if not (c["problem_rows"] or c["severity"] != "info"):
            continue
        title, detail = (quality.RU.get(c["id"], (c["title"], c["detail"])) if ru else (c["title"], c["detail"]))
        if c["id"] == "assumed_time_zone":
            detail = c["detail"]  # file names and zones
        share = f' ({fmt_value(c["share"], "fraction", lang)})' if c.get("share") is not None else ""
        q.append([title, f'{number(c["problem_rows"], lang)} / {number(c["total_rows"], lang)}{share}',
                  severity.get(c["severity"], c["severity"]), detail])
    body.append(f'<h2 id="quality">{H.esc(t("quality", lang))}</h2>')
    body.append(H.table([t("check", lang), t("result", lang), t("severity", lang), t("why", lang)], q, {1}) if q
                else f'<p>{H.esc(t("no_problems", lang))}</p>')
    if data["reconciliation"]:
        rec = [[RECON_NAMES.get(r.get("metric", ""), (r.get("metric", "").replace("_", " "),) * 2)[ru], number(r.get("compared") or 0, lang),
                number(r.get("disagreeing") or 0, lang),
                fmt_value(r.get("median_abs_difference_minutes"), "minutes", lang)] for r in data["reconciliation"]]
        body.append(f'<h3>{H.esc(t("reconciliation", lang))}</h3>' + H.table(
            [t("metric", lang), t("compared", lang), t("disagree", lang), t("median_diff", lang)], rec, {1, 2, 3}))
    # ------------------------------------------------------------------ KPIs vs benchmarks
    kp = []
    for mid in ("tickets", "backlog", "frt_median_minutes", "frt_p90_minutes", "frt_business_median_minutes",
                "replied_within_12h", "resolution_median_minutes", "sla_breach_rate", "reopen_rate", "one_touch_rate",
                "repeat_contact_rate", "csat", "csat_responses", "nps", "nps_responses", "ces", "calls_offered",
                "answer_rate", "abandonment_rate", "asa_seconds", "service_level", "aht_seconds"):
        if mid in METRICS and data["kpis"].get(mid) is not None:
            m = METRICS[mid]
            kp.append([m.label(lang), approximate(fmt_value(data["kpis"][mid], m.unit, lang, cur), mid in approx)])
    body.append(f'<h2 id="kpis">{H.esc(t("benchmarks", lang))}</h2>'
                f'<p class="muted">{H.esc(t("kpis_all_time", lang))}</p>' + H.table([t("metric", lang), t("value", lang)], kp, {1}))
    if approx:
        body.append(f'<p class="muted small">{H.esc(t("approximate_note", lang))}</p>')
    bm = []
    for b in data["benchmarks"]:
        value = b["value"]
        verdict = ""
        if value is not None and b["id"] in ("churn_after_one", "churn_after_two", "lost_revenue_share"):
            verdict = t("below", lang) if value <= b["target"] else t("above", lang)  # a comparison, not a target
        elif value is not None:
            ok = value <= b["target"] if b["id"] == "chat_frt_median_minutes" else value >= b["target"]
            verdict = t("meets", lang) if ok else t("misses", lang)
        bm.append([L(b["label"]), approximate(fmt_value(value, b["unit"], lang, cur), b["id"] in approx_bench and value is not None),
                   verdict, L(b["benchmark"]), b["source"]])
    body.append(f'<h3>{H.esc(t("against", lang))}</h3>' + H.table(
        [t("metric", lang), t("value", lang), "", t("benchmark", lang), t("source", lang)], bm, {1}))
    # ------------------------------------------------------------------ satisfaction
    sat = data.get("satisfaction")
    if sat and "error" not in sat:
        from reports.satisfaction import section

        body.append(section(sat, lang))
    elif sat:
        body.append(f'<h2 id="satisfaction">{H.esc(t("sat_title", lang))}</h2>'
                    f'<p class="muted">{H.esc(t("not_available", lang, why=sat["error"]))}</p>')
    # ------------------------------------------------------------------ findings
    ch = data["churn"]
    body.append(f'<h2 id="findings">{H.esc(t("findings", lang))}</h2>')
    basis_excess = t("measured", lang) if ch.get("excess_measured") else t("assumed", lang)
    basis_revenue = t("measured", lang) if ch.get("revenue_measured") else t("assumed", lang)
    body.append(f'<p class="muted">{H.esc(t("money_formula", lang, excess=fmt_value(ch["excess_rate"], "fraction", lang), excess_basis=basis_excess, revenue=money(ch["monthly_revenue"], cur, lang), revenue_basis=basis_revenue))}</p>')
    if not findings:
        body.append(f'<p>{H.esc(t("no_findings", lang))}</p>')
    for i, f in enumerate(findings, 1):
        ev = "".join(f"<li>{H.esc(L(e))}</li>" for e in f["evidence"])
        body.append(f'<div class="finding{" warn" if i == 1 else ""}" id="finding-{H.esc(f["id"])}">'
                    f'<div><b>{i}. {H.esc(L(f["title"]))}</b></div>'
                    f'<div class="money">{H.esc(money(f["money_at_stake"], cur, lang))} {H.esc(t("at_stake", lang))}</div>'
                    f'<div class="small muted">{H.esc(t("customers_affected", lang, n=number(f["customers_affected"], lang)))}</div>'
                    f'<div><b>{H.esc(t("evidence", lang))}</b><ul>{ev}</ul></div>'
                    f'<div><b>{H.esc(t("recommendation", lang))}:</b> {H.esc(L(f["recommendation"]))}</div></div>')
    # ------------------------------------------------------------------ operations (reports/operations.py)
    if data.get("operations"):
        from reports import operations

        body.append(operations.initiatives_html(data["operations"].get("initiatives") or {}, lang,
                                                "initiatives_12m", "no_initiatives_12m"))
        body.append(operations.analyses_html(data["operations"], lang))
    # ------------------------------------------------------------------ customers and churn
    from reports import churn_html

    a = ch.get("analysis")
    if ch.get("customer_list"):
        body.append(f'<h2 id="customers">{H.esc(t("customers_churn", lang))}</h2>')
        body.append(churn_html.render(ch["customer_list"], lang, cur,
                                      measured_html=f'<p><a href="#churn">{H.esc(t("see_churn_cost", lang))}</a></p>'
                                      if ch.get("measured") and a else ""))
    # ------------------------------------------------------------------ churn cost
    body.append(f'<h2 id="churn">{H.esc(t("churn_cost", lang))}</h2>')
    if ch.get("measured") and a:
        ex, un, excess = a["exposed"], a["unexposed"], a["excess"]
        body.append("<p>" + H.esc(t("churn_measured_snapshot" if a.get("mode") == "snapshot" else "churn_measured", lang,
                                    customers=number(a["customers"], lang),
                                    exposed=number(ex["customers"], lang), window=a["window_days"],
                                    exposed_rate=fmt_value(ex["rate"]["estimate"], "fraction", lang),
                                    unexposed_rate=fmt_value(un["rate"]["estimate"], "fraction", lang),
                                    excess=fmt_value(excess["estimate"], "fraction", lang),
                                    low=fmt_value(excess["low"], "fraction", lang), high=fmt_value(excess["high"], "fraction", lang),
                                    attributable=number(a["attributable_churned"]["estimate"] or 0, lang, 1)))
                    + f' <span class="muted small">({H.esc(method_text(a["method"], lang))})</span></p>')
        dose = [[r["label"], number(r["customers"], lang), number(r["churned"], lang),
                 fmt_value(r["rate"]["estimate"], "fraction", lang),
                 f'{fmt_value(r["rate"]["low"], "fraction", lang)} – {fmt_value(r["rate"]["high"], "fraction", lang)}']
                for r in a["dose_response"] if r["customers"]]
        body.append(f'<h3>{H.esc(t("dose", lang))}</h3>' + H.table(
            [t("negatives", lang), t("customers", lang), t("churned", lang), t("churn_rate", lang), t("interval", lang)], dose, {1, 2, 3}))
    else:
        reason = churn_html.why(ch["customer_list"], lang) + " " if ch.get("customer_list") else ""
        body.append(f'<p>{H.esc(reason + t("churn_benchmark_model", lang))}</p>' if reason
                    else f'<p>{H.esc(t("churn_benchmark", lang))}</p>')
    calc = ch.get("calculator") or {}
    rows = [[en if not ru else r_, fmt_value(calc[k], "count", lang) if kind == "count" else money(calc[k], cur, lang)]
            for k, en, r_, kind in CALC_ROWS if calc.get(k) is not None]
    if rows:
        body.append(f'<h3>{H.esc(t("calculator", lang))}</h3>' + H.table([t("metric", lang), t("value", lang)], rows, {1}))
    if calc.get("steps"):
        steps = [_ru_steps(s) for s in calc["steps"]] if ru else calc["steps"]
        body.append('<ul class="small">' + "".join(f"<li>{H.esc(s)}</li>" for s in steps) + "</ul>")
    inputs = ch.get("calculator_inputs") or {}
    if inputs:
        arows = []
        for name, item in inputs.items():
            label = INPUT_LABELS.get(name, (name.replace("_", " "),) * 2)[ru]
            source = "" if item["measured"] else (RU_SOURCES.get(name, item["source"]) if ru else item["source"])
            arows.append([label, _input_value(name, item["value"], lang, cur),
                          _basis(item, lang), source])
        body.append(f'<h3>{H.esc(t("assumptions", lang))}</h3>' + H.table(
            [t("input", lang), t("value", lang), t("basis", lang), t("source", lang)], arows, {1}))
    for note in ([ch["message"]] if ch.get("message") else []) + list(ch.get("notes") or []):
        body.append(f'<p class="muted small">{H.esc(note)}</p>')
    body.append(f'<footer>{H.esc(t("footer", lang, what=t("audit_title", lang)))}</footer>')
    return H.page(t("audit_title", lang), "".join(body), lang,
                  subtitle=t("audit_subtitle", lang, files=len(reports), names=", ".join(sorted({r.file for r in reports}))))


def _covers(c: dict, lang: str) -> str:
    """The period a table covers; rows without a date (undated survey responses) said as such."""
    undated = c.get("undated") or 0
    if c.get("from") is None:
        return t("no_dates", lang, n=number(undated, lang)) if undated else "—"
    span = f'{str(c["from"])[:10]} – {str(c["to"])[:10]}'
    return span + (f' ({t("undated_rows", lang, n=number(undated, lang))})' if undated else "")


RECON_NAMES = {
    "first_reply_calendar": ("First reply time", "Время первого ответа"),
    "first_reply_business": ("First reply time, business hours", "Время первого ответа в рабочих часах"),
    "first_resolution_calendar": ("First resolution time", "Время первого решения"),
    "first_resolution_business": ("First resolution time, business hours", "Время первого решения в рабочих часах"),
    "full_resolution_calendar": ("Full resolution time", "Время полного решения"),
    "full_resolution_business": ("Full resolution time, business hours", "Время полного решения в рабочих часах"),
    "made_sla": ("SLA achieved", "SLA выполнен"),
}
_STEP_WORDS = [("replacement cost", "стоимость замены"), ("revenue lost", "потерянная выручка"), ("exposed", "с негативным опытом"),
               ("lost", "ушли"), ("customers", "клиентов"), (" a year", " в год"), (" months", " мес."), (" over ", " за ")]


def _ru_steps(step: str) -> str:
    """The calculator's worked steps (metrics/calculator.py writes them in English) in Russian."""
    for en, ru_word in _STEP_WORDS:
        step = step.replace(en, ru_word)
    step = re.sub(r"(?<=\d),(?=\d{3}\b)", "\u00a0", step)
    step = re.sub(r"(?<=\d),(?=\d{3}\b)", "\u00a0", step)
    return re.sub(r"(?<=\d)\.(?=\d)", ",", step).replace(" x ", " × ")


RU_SOURCES = {
    "customers": "допущение: бизнес с 1000 клиентов (замените своими данными)",
    "arpu_monthly": "допущение: 100 в месяц на клиента (замените своими данными)",
    "lost_customer_revenue_monthly": "ARPU: ушедшие клиенты считаются средними",
    "gross_margin": "настройка churn.gross_margin (по умолчанию 0,7)",
    "negative_share": "допущение: у 1 клиента из 5 за год бывает негативный опыт (опубликованного ориентира нет; измерьте свой)",
    "repeat_negative_share": "допущение: у 30% из них два и более (опубликованного ориентира нет; измерьте свой)",
    "baseline_churn": "допущение: 10% клиентов в год уходят без негативного опыта (замените своим оттоком)",
    "churn_after_one": "HubSpot: 58% перестают покупать после одного плохого опыта",
    "churn_after_two": "Microsoft / PwC: 61-67% уходят после двух плохих опытов (середина 64%)",
    "acquisition_cost_multiple": "отраслевой ориентир: привлечь клиента в 5-7 раз дороже, чем удержать (взято 5x)",
    "retention_cost_months": "допущение: удержание стоит около месячной выручки клиента",
    "horizon_months": "настройка churn.horizon_months (по умолчанию 12)",
    "period_months": "ставки оттока выше — за год",
    "monthly_churn_rate": "из базового оттока: 1 - (1 - годовой)^(1/12)",
    "sla_breach_rate": "допущение: 10% обращений нарушают SLA (измерьте свой)",
    "frt_p90_hours": "допущение: 90% первых ответов в течение 24 часов (измерьте свой)",
    "slow_reply_hours": "настройка churn.negative.slow_first_reply_hours (Zendesk 2024: ответ позже 12 ч — на 87% больше негативных отзывов)",
    "currency": "настройка ui.currency",
}


def print_pdf(html_path: Path, pdf_path: Path) -> str | None:
    """Print with headless Chromium; returns an error message, or None when done."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        return "--pdf needs Chromium, which is not installed: run `apt-get install -y chromium` (the HTML report was written)"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
           f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
    try:
        subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Chromium could not print the PDF: {exc}"
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        return "Chromium ran but wrote no PDF; open the HTML report and print it from the browser"
    return None


def _results_folder(paths: list[Path]) -> bool:
    if len(paths) != 1:
        return False
    from metrics.build import is_results

    return is_results(Path(paths[0]))


def _installed_results(store, folder: Path) -> list:
    """Install a result folder (docs/scale-out.md) and describe the loads it was built from."""
    from loaders.store import LoadReport
    from metrics.build import install

    install(store, folder)
    return [LoadReport(file=r["file_name"] or "-", status="loaded", loader=r["loader"] or "", confidence=r["confidence"] or 0.0,
                       load_id=r["load_id"], rows_in=r["rows_in"] or 0, rows_loaded=r["rows_loaded"] or 0,
                       rows_rejected=r["rows_rejected"] or 0, target_table=r["target_table"] or "", source=r["source"] or "",
                       source_tz=r["source_tz"] or "")
            for r in store.loads().iter_rows(named=True) if r.get("load_id") is not None and r.get("status") != "removed"]


def _audit_store_class():
    from loaders.store import POST_LOAD_HOOKS, Store

    class AuditStore(Store):
        """The audit's throwaway database: the derived tables (ticket_metrics) are built, but the
        tables are not re-sorted and no rollups are built. Both exist for interactive filtering
        in the dashboard; the report reads every row once, and skipping them halves the time of
        an audit of a million tickets (bench/audit.py)."""

        def _finish(self, con) -> None:
            for hook in POST_LOAD_HOOKS:
                if getattr(hook, "__module__", "") != "metrics.rollups":
                    hook(con)

    return AuditStore


def run_audit(paths: list[Path], out: Path, lang: str = "en", pseudonymize: bool = False, currency: str | None = None,
              tz: str | None = None, pdf: bool = False, date_order: str | None = None,
              on_progress=None, as_of=None, tenure_unit: str | None = None) -> AuditResult:
    import metrics  # noqa: F401  registers ticket_metrics and rollups as post-load hooks
    from loaders.base import LoadOptions

    _AuditStore = _audit_store_class()
    messages: list[str] = []
    files = [] if _results_folder(paths) else expand(paths)
    missing = [str(p) for p in files if not Path(p).exists()]
    if missing:
        return AuditResult(out, 2, [f"no such file or folder: {m}" for m in missing])
    with tempfile.TemporaryDirectory(prefix="deskscope-audit-") as tmp:
        store = _AuditStore(Path(tmp) / "audit.duckdb")
        if _results_folder(paths):  # `cli.py build` results: installed as built, the loads they record listed
            reports = _installed_results(store, Path(paths[0]))
        else:
            reports = store.load_files(files, LoadOptions(pseudonymize=pseudonymize, tz=tz, date_order=date_order,
                                                          as_of=as_of, tenure_unit=tenure_unit),
                                       on_progress=on_progress)
        for r in reports:
            messages.append(f"{r.file}: {r.status}" + (f" as {r.loader} ({r.confidence:.0%}), {r.rows_loaded:,} rows loaded, "
                                                        f"{r.rows_rejected:,} rejected" if r.status == "loaded" else "")
                            + (f"\n{r.error}" if r.error else ""))
        if not any(r.status == "loaded" for r in reports):
            return AuditResult(out, 1, messages + ["nothing could be loaded: no report written"])
        con = store.cursor()
        data = gather(con, lang)
        cur = currency or data["currency"]
        text = render(data, reports, lang, cur, pseudonymize)
        con.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(f".{out.name}.{os.getpid()}")
    tmp_out.write_text(text, encoding="utf-8")
    os.replace(tmp_out, out)
    messages.append(f"audit report written to {out}")
    code = 0 if all(r.status in ("loaded", "skipped") and not r.rows_rejected for r in reports) else 1
    if pdf:
        err = print_pdf(out, out.with_suffix(".pdf"))
        if err:
            messages.append(err)
            code = 1
        else:
            messages.append(f"PDF written to {out.with_suffix('.pdf')}")
    data["generated"] = dt.datetime.now(dt.timezone.utc).isoformat()
    return AuditResult(out, code, messages, data)
