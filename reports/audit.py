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
import formatting as fmt
from reports.text import fmt_value, method_text, money, number, t, tn

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
     {"en": "call-centre 80/20 convention", "ru": "норматив колл-центров 80/20"}, 0.8, "fraction"),
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


# Exit codes of `cli.py audit` (README, docs): the report was written (rows rejected on the way are
# reported inside it), it could not be written, or the command line needs fixing.
EXIT_WRITTEN, EXIT_NOT_WRITTEN, EXIT_USAGE = 0, 1, 2


@dataclass
class Scope:
    """Who the report is for and by whom (the scope block on its first page)."""
    client: str | None = None
    author: str | None = None
    written: dt.date | None = None


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


def gather(con, lang: str = "en", settings: dict | None = None, currency: str | None = None,
           rates: dict | None = None) -> dict:
    """Every figure the report shows, as plain data. Raises metrics.fx.MissingRate when money must
    be shown in a currency no exchange rate leads to."""
    import config
    from metrics import coverage as cov
    from metrics import engine, findings, quality, sla_method, stake
    from metrics.filters import Filters

    settings = settings or config.get()
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
    data["unmeasurable"] = cov.unmeasurable(con)
    data["sla"] = sla_method.method(con, settings)
    chat_figures = engine.kpis(con, Filters(channel=("chat",)), ["frt_median_minutes"])
    chat = chat_figures.get("frt_median_minutes")
    # ids of the figures read from the ticket sample (docs/metrics.md, "Approximate figures")
    data["kpis_approximate"] = sorted(kpis.approximate)
    data["benchmarks_approximate"] = ["chat_frt_median_minutes"] if chat_figures.approximate else []
    churn_info = churn_summary(con, data["kpis"], settings, currency, rates)
    data["churn"] = churn_info
    model = churn_info["model_object"]
    measured = {
        "replied_within_12h": kpis.get("replied_within_12h"),
        "chat_frt_median_minutes": chat,
        "service_level": kpis.get("service_level"),
        "churn_after_one": churn_info.get("churn_after_one"),
        "churn_after_two": churn_info.get("churn_after_two"),
        "lost_revenue_share": churn_info.get("lost_revenue_share"),
    }
    gaps = {"replied_within_12h": data["unmeasurable"].get("replied_within_12h"),
            "chat_frt_median_minutes": data["unmeasurable"].get("frt_median_minutes"),
            "service_level": data["unmeasurable"].get("service_level")}
    data["benchmarks"] = [{"id": bid, "label": label, "benchmark": bench, "source": source, "target": target,
                           "unit": unit, "value": None if gaps.get(bid) else measured.get(bid), "gap": gaps.get(bid)}
                          for bid, label, bench, source, target, unit in BENCHMARKS]
    found = findings.run(con, settings, data["unmeasurable"])
    stake.price(found, model)
    data["findings"] = [f.to_dict() for f in stake.rank(found, model)]
    data["model"] = model.to_dict()
    data["currency"] = model.currency
    data["charts"] = chart_data(con, data["sla"])
    data["settings_used"] = {"sla.policies": settings.get("sla", {}).get("policies") or [],
                             "churn.negative": settings.get("churn", {}).get("negative") or {},
                             "churn.horizon_months": settings.get("churn", {}).get("horizon_months"),
                             "churn.gross_margin": settings.get("churn", {}).get("gross_margin"),
                             "churn.acquisition_cost_multiple": settings.get("churn", {}).get("acquisition_cost_multiple"),
                             "ui.currency": settings.get("ui", {}).get("currency"),
                             "money.exchange_rates": (settings.get("money") or {}).get("exchange_rates") or {}}
    # The rates into the report's currency that were given (settings or --fx): the appendix states them,
    # and a benchmark amount converted by one says so where it is quoted.
    data["fx_used"] = {f"{a}/{b}": r for (a, b), r in (rates or {}).items() if b == model.currency and a != b}
    try:
        from metrics import survey_summary

        data["satisfaction"] = survey_summary.summary(con)
    except Exception as exc:  # the rest of the audit stands without it
        data["satisfaction"] = {"error": f"{type(exc).__name__}: {exc}"}
    from reports import operations  # initiatives, drivers, channel switches, escalation, load, reply targets

    data["operations"] = operations.audit_gather(con)
    return data


def chart_data(con, sla: dict) -> dict:
    """The series the report draws: weekly tickets and SLA misses, misses by priority and by team,
    contact drivers (tickets by category) and repeat contacts by category."""
    from metrics import sla_method

    out: dict = {}
    if "ticket_metrics" not in _tables(con):
        return out
    lead = sla_method.leading_verdict_sql(tuple(sla.get("targets") or sla_method.TARGETS))
    out["weekly"] = [dict(zip(("week", "tickets", "judged", "missed"), r)) for r in con.execute(f"""
        SELECT date_trunc('week', created_at)::DATE w, count(*), count(*) FILTER (WHERE ({lead}) IS NOT NULL),
               count(*) FILTER (WHERE ({lead})) FROM ticket_metrics WHERE created_at IS NOT NULL GROUP BY 1 ORDER BY 1""").fetchall()]
    for dim in ("priority", "team"):
        out[f"missed_by_{dim}"] = [dict(zip(("value", "judged", "missed"), r)) for r in con.execute(f"""
            SELECT {dim}, count(*) FILTER (WHERE ({lead}) IS NOT NULL) n, count(*) FILTER (WHERE ({lead})) m
            FROM ticket_metrics WHERE {dim} IS NOT NULL GROUP BY 1 HAVING n >= 20
            ORDER BY m::DOUBLE / n DESC, n DESC LIMIT 12""").fetchall()]
    out["drivers"] = [dict(zip(("value", "tickets"), r)) for r in con.execute("""
        SELECT category, count(*) n FROM ticket_metrics WHERE category IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT 12""").fetchall()]
    out["repeats"] = [dict(zip(("value", "tickets", "repeats"), r)) for r in con.execute("""
        SELECT category, count(repeat_contact) n, count(*) FILTER (WHERE repeat_contact) r FROM ticket_metrics
        WHERE category IS NOT NULL GROUP BY 1 HAVING r > 0 ORDER BY r DESC, 1 LIMIT 12""").fetchall()]
    return out


def _dose_rate(dose: dict, labels: tuple[str, ...]) -> float | None:
    n = sum(dose[k].customers for k in labels if k in dose)
    c = sum(dose[k].churned for k in labels if k in dose)
    return c / n if n else None


def churn_summary(con, kpis: dict | None = None, settings: dict | None = None, currency: str | None = None,
                  rates: dict | None = None) -> dict:
    """The churn figures the audit needs and the one money model (metrics/stake.py) that prices both
    the findings and the churn-cost section: measured (metrics/churn.py) where the data has customers
    with churn and support records for them; otherwise the customers and negative experiences counted
    in the support data with the calculator's benchmark churn rates and revenue (each input marked
    measured or assumed, with its source)."""
    import config
    from metrics import churn, stake

    settings = settings or config.get()
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
    model, inputs, calc = stake.build(con, analysis if available else None, kpis or {}, settings, currency, rates)
    out["model_object"] = model
    est = analysis.estimate if available else None
    out["measured"] = model.excess_measured
    out["excess_measured"] = model.excess_measured
    out["revenue_measured"] = model.revenue_measured
    out["churn_after_one"] = out["churn_after_two"] = out["lost_revenue_share"] = None
    if model.excess_measured:
        money = analysis.money or {}
        dose = {r.label: r for r in analysis.dose_response}
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
    out["currency"] = model.currency
    out["calculator"] = {k: v for k, v in calc.items() if k != "inputs"}
    out["calculator_inputs"] = inputs.to_dict()
    out["model"] = model.to_dict()
    return out


# ----------------------------------------------------------------------------- render
TABLE_NAMES = {"tickets": ("Tickets", "Обращения"), "ticket_events": ("Ticket events", "События обращений"),
               "calls": ("Calls", "Звонки"), "surveys": ("Survey responses", "Ответы на опросы"),
               "customers": ("Customers", "Клиенты")}
INPUT_LABELS = {
    "customers": ("Customers", "Клиентов"), "arpu_monthly": ("Revenue per customer a month (ARPU)", "Выручка на клиента в месяц (ARPU)"),
    "lost_customer_revenue_monthly": ("Monthly revenue of a customer lost to support", "Месячная выручка ушедшего из-за поддержки клиента"),
    "gross_margin": ("Gross margin", "Валовая маржа"),
    "negative_share": ("Customers with a negative support experience in a year", "Доля клиентов с негативным опытом за год"),
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
# Where an input that was not measured comes from, in words a client reads (the settings key of
# each is in the appendix: SETTINGS_KEYS).
CLIENT_SOURCES = {
    "customers": ("assumed: a business with 1,000 customers", "допущение: бизнес с 1000 клиентов"),
    "arpu_monthly": ("assumed: 100 USD a month per customer (no revenue data was received)",
                     "допущение: 100 USD в месяц на клиента (данных о выручке нет)"),
    "lost_customer_revenue_monthly": ("the customers lost are taken to be average customers",
                                      "ушедшие клиенты считаются средними"),
    "gross_margin": ("audit setting", "настройка аудита"),
    "negative_share": ("assumed: 1 customer in 5 a year (no published benchmark)",
                       "допущение: 1 клиент из 5 за год (опубликованного ориентира нет)"),
    "repeat_negative_share": ("assumed: 30% of them (no published benchmark)", "допущение: 30% из них (опубликованного ориентира нет)"),
    "baseline_churn": ("assumed: 10% of customers leave in a year anyway", "допущение: 10% клиентов уходят за год и так"),
    "churn_after_one": ("HubSpot: 58% stop buying after one bad support experience",
                        "HubSpot: 58% перестают покупать после одного плохого опыта"),
    "churn_after_two": ("Microsoft / PwC: 61-67% leave after two bad experiences (midpoint 64%)",
                        "Microsoft / PwC: 61-67% уходят после двух плохих опытов (середина 64%)"),
    "acquisition_cost_multiple": ("industry benchmark: acquiring a customer costs 5-7 times keeping one",
                                  "отраслевой ориентир: привлечь клиента в 5-7 раз дороже, чем удержать"),
    "retention_cost_months": ("assumed: about one month of the customer's revenue",
                              "допущение: около месячной выручки клиента"),
    "horizon_months": ("audit setting", "настройка аудита"),
    "period_months": ("the churn rates above are per year", "ставки оттока выше — за год"),
    "monthly_churn_rate": ("from the churn without a negative experience", "из оттока без негативного опыта"),
    "sla_breach_rate": ("assumed: 10% of tickets (measure yours)", "допущение: 10% обращений"),
    "frt_p90_hours": ("assumed: 24 hours", "допущение: 24 часа"),
    "slow_reply_hours": ("audit setting (Zendesk 2024: replies after 12 h go with 87% more negative reviews)",
                         "настройка аудита (Zendesk 2024: ответ позже 12 ч — на 87% больше негативных отзывов)"),
    "currency": ("currency of the report", "валюта отчёта"),
}
SETTINGS_KEYS = {"gross_margin": "churn.gross_margin", "horizon_months": "churn.horizon_months",
                 "acquisition_cost_multiple": "churn.acquisition_cost_multiple",
                 "slow_reply_hours": "churn.negative.slow_first_reply_hours", "currency": "ui.currency / --currency"}
RECON_NAMES = {
    "first_reply_calendar": ("First reply time", "Время первого ответа"),
    "first_reply_business": ("First reply time, business hours", "Время первого ответа в рабочих часах"),
    "first_resolution_calendar": ("First resolution time", "Время первого решения"),
    "first_resolution_business": ("First resolution time, business hours", "Время первого решения в рабочих часах"),
    "full_resolution_calendar": ("Full resolution time", "Время полного решения"),
    "full_resolution_business": ("Full resolution time, business hours", "Время полного решения в рабочих часах"),
    "made_sla": ("SLA achieved", "SLA выполнен"),
}
TARGET_NAMES = {"first_reply": ("first reply", "первый ответ"), "next_reply": ("next reply", "следующий ответ"),
                "resolution": ("resolution", "решение")}
KPI_IDS = ("tickets", "backlog", "frt_median_minutes", "frt_p90_minutes", "frt_business_median_minutes",
           "replied_within_12h", "resolution_median_minutes", "sla_breach_rate", "reopen_rate", "one_touch_rate",
           "repeat_contact_rate", "csat", "csat_responses", "nps", "nps_responses", "ces", "calls_offered",
           "answer_rate", "abandonment_rate", "asa_seconds", "service_level", "aht_seconds")
CONTACT_KIND = {"abandonment_peaks": "calls", "low_csat_teams": "ratings"}
WHAT_IF_INPUTS = ("sla_breach_rate", "frt_p90_hours", "slow_reply_hours")


def _section(sid: str, title: str, first: str = "", *rest: str) -> str:
    """A report section whose heading is printed on the same page as what follows it."""
    return (f'<section id="{H.esc(sid)}"><div class="keep"><h2>{H.esc(title)}</h2>{first}</div>'
            + "".join(rest) + "</section>")


def _sub(title: str, block: str) -> str:
    return f'<div class="keep"><h3>{H.esc(title)}</h3>{block}</div>' if block else ""


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{H.esc(text)}</p>' if cls else f"<p>{H.esc(text)}</p>"


def _basis_text(basis: str, lang: str) -> str:
    return t(f"basis_{basis}", lang)


def _input_basis(name: str, item: dict, model: dict, lang: str) -> str:
    if item["measured"]:
        return t("measured_support" if model.get("customers_source") == "support_data" and name in (
            "customers", "negative_share", "repeat_negative_share") else "measured", lang)
    return t("from_settings", lang) if name in SETTINGS_KEYS else t("assumed", lang)


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
        return money(value, cur, lang, short=False)
    if name == "customers":
        return fmt.integer(value, lang)
    return number(value, lang, 0 if float(value).is_integer() or abs(value) >= 100 else 1)


def _stake_text(stake_: dict, lang: str, cur: str) -> str:
    return fmt.money_range(stake_.get("low"), stake_.get("high"), cur, lang)


def _scope(data: dict, scope: Scope | None, lang: str) -> str:
    scope = scope or Scope()
    spans = [c for c in data["coverage"] if c["table"] in ("tickets", "calls", "surveys")] or data["coverage"]
    lo = min((c["from"] for c in spans if c["from"]), default=None)
    hi = max((c["to"] for c in spans if c["to"]), default=None)
    # A client or author not given is left out (a client-facing page never says "not given").
    rows = [(t("scope_client", lang), scope.client),
            (t("scope_period", lang), f"{fmt.date(lo, lang)} – {fmt.date(hi, lang)}" if lo and hi else "—"),
            (t("scope_author", lang), scope.author),
            (t("scope_date", lang), fmt.date(scope.written or dt.date.today(), lang))]
    rows = [(k, v) for k, v in rows if v]
    return ('<dl class="scope" id="scope">' + "".join(f"<dt>{H.esc(k)}</dt><dd>{H.esc(v)}</dd>" for k, v in rows)
            + "</dl>")


def _summary(data: dict, lang: str, cur: str) -> str:
    findings, model = data["findings"], data["model"]
    if not findings:
        return _p(t("no_findings", lang), "headline")
    top = findings[0]
    title = top["title"].get(lang) or top["title"]["en"]
    contacts = tn(f"contacts_{CONTACT_KIND.get(top['id'], 'tickets')}", top["contacts_affected"], lang)
    stake_ = top.get("stake") or {}
    if model["revenue_measured"] and stake_.get("estimate") is not None:
        text = t("headline_money", lang, title=title, money=_stake_text(stake_, lang, cur),
                 basis=_basis_text(model["basis"], lang), contacts=contacts)
    elif stake_.get("estimate") is not None:
        text = t("headline_contacts_money", lang, title=title, contacts=contacts, money=_stake_text(stake_, lang, cur),
                 basis=_basis_text(model["basis"], lang))
    else:
        text = t("headline_contacts", lang, title=title, contacts=contacts)
    return f'<p class="headline" id="headline">{H.esc(text)}</p>'


def _received(data: dict, reports: list, lang: str) -> str:
    ru = lang == "ru"
    rows = []
    for r in reports:
        status = {"loaded": t("st_loaded", lang), "skipped": t("st_skipped", lang)}.get(r.status)
        if status is None:
            status = t("st_failed", lang) + ": " + (r.error.splitlines()[0] if r.error else "")
        rows.append([r.file, r.loader or "—", fmt.percent(r.confidence, 0, lang) if r.confidence else "—",
                     TABLE_NAMES.get(r.target_table, (r.target_table or "—",) * 2)[ru], r.source_tz or "—",
                     number(r.rows_in, lang), number(r.rows_loaded, lang), number(r.rows_rejected, lang), status])
    out = [H.table([t("file", lang), t("format", lang), t("sure", lang), t("table", lang), t("time_zone", lang),
                    t("rows_in", lang), t("loaded", lang), t("rejected", lang), t("status", lang)], rows, {2, 5, 6, 7})]
    cov = [[TABLE_NAMES.get(c["table"], (c["table"],) * 2)[ru], number(c["rows"], lang), _covers(c, lang)]
           for c in data["coverage"]]
    out.append(_sub(t("periods", lang), H.table([t("table", lang), t("rows_in", lang), t("covers", lang)], cov, {1})))
    if data["rejections"]:
        # The loader's reasons are technical text in English: shown as such (code), with their counts.
        head = "".join(f'<th class="{c}">{H.esc(h)}</th>' for h, c in ((t("reason_loader", lang), ""), (t("count", lang), "num"),
                                                                      (t("file", lang), "")))
        body = "".join(f'<tr><td><code>{H.esc(r["reason"])}</code></td><td class="num">{H.esc(number(r["rows"], lang))}</td>'
                       f'<td>{H.esc(r["file"])}</td></tr>' for r in data["rejections"])
        out.append(_sub(t("rejections", lang), f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"))
    return _section("received", t("received", lang), *out)


def _covers(c: dict, lang: str) -> str:
    """The period a table covers; rows without a date (undated survey responses) said as such."""
    undated = c.get("undated") or 0
    if c.get("from") is None:
        return t("no_dates", lang, n=number(undated, lang)) if undated else "—"
    span = f'{fmt.date(c["from"], lang)} – {fmt.date(c["to"], lang)}'
    return span + (f' ({t("undated_rows", lang, n=number(undated, lang))})' if undated else "")


def _satisfaction(data: dict, lang: str) -> str:
    """Every survey response, dated or not (reports/satisfaction.py)."""
    sat = data.get("satisfaction")
    if sat and "error" not in sat:
        from reports.satisfaction import section

        return section(sat, lang)
    if sat:
        return (f'<h2 id="satisfaction">{H.esc(t("sat_title", lang))}</h2>'
                f'<p class="muted">{H.esc(t("not_available", lang, why=sat["error"]))}</p>')
    return ""


def _quality(data: dict, lang: str) -> str:
    from metrics import quality

    ru = lang == "ru"
    severity = {"error": t("sev_error", lang), "warning": t("sev_warning", lang), "info": t("sev_info", lang)}
    q = []
    for c in data["quality"]:
        if not (c["problem_rows"] or c["severity"] != "info"):
            continue
        title, detail = (quality.RU.get(c["id"], (c["title"], c["detail"])) if ru else (c["title"], c["detail"]))
        if c["id"] == "assumed_time_zone":
            detail = c["detail"].replace(" read as ", " прочитан в поясе ") if ru else c["detail"]  # file names and zones
        share = fmt.percent(c["problem_rows"] / c["total_rows"], 1, lang) if c.get("total_rows") else ""
        q.append([title, f'{number(c["problem_rows"], lang)} / {number(c["total_rows"], lang)}' + (f" ({share})" if share else ""),
                  severity.get(c["severity"], c["severity"]), detail])
    out = [H.table([t("check", lang), t("result", lang), t("severity", lang), t("why", lang)], q, {1}) if q
           else _p(t("no_problems", lang))]
    if data["reconciliation"]:
        rec = [[RECON_NAMES.get(r.get("metric", ""), (r.get("metric", "").replace("_", " "),) * 2)[ru],
                number(r.get("compared") or 0, lang), number(r.get("disagreeing") or 0, lang),
                fmt_value(r.get("median_abs_difference_minutes"), "minutes", lang)] for r in data["reconciliation"]]
        out.append(_sub(t("reconciliation", lang), H.table(
            [t("metric", lang), t("compared", lang), t("disagree", lang), t("median_diff", lang)], rec, {1, 2, 3})))
    return _section("quality", t("quality", lang), *out)


def _gaps(data: dict, lang: str) -> str:
    from metrics import coverage as cov
    from metrics.registry import METRICS

    rows = [[METRICS[m].label(lang) if m in METRICS else m, cov.reason(key, lang)]
            for m, key in data["unmeasurable"].items() if m in KPI_IDS or m in ("frt_business_p90_minutes",)]
    present = {c["table"] for c in data["coverage"]}
    for table, key in (("calls", "gap_no_calls"), ("surveys", "gap_no_surveys")):
        if table not in present:
            rows.append([TABLE_NAMES[table][lang == "ru"], t(key, lang)])
    if not data["churn"].get("customer_list"):
        rows.append([t("gap_churn_metric", lang), t("gap_no_customers", lang)])
    elif not data["churn"].get("excess_measured"):
        rows.append([t("gap_churn_metric", lang), t("gap_no_comparison", lang)])
    if not data["churn"].get("revenue_measured"):
        rows.append([t("gap_revenue_metric", lang), t("gap_no_revenue", lang)])
    body = (_p(t("gaps_intro", lang)) + H.table([t("metric", lang), t("why_not", lang)], rows)) if rows else _p(t("no_gaps", lang))
    return _section("gaps", t("gaps", lang), body)


def _kpis(data: dict, lang: str, cur: str) -> str:
    from metrics.registry import METRICS, approximate

    gaps, sla = data["unmeasurable"], data["sla"]
    approx = set(data.get("kpis_approximate") or ())
    approx_bench = set(data.get("benchmarks_approximate") or ())
    kp = []
    for mid in KPI_IDS:
        if mid == "sla_breach_rate" and sla.get("left_out"):
            # Reply targets cannot be judged here: the combined rate would mix in resolution-stopped reply clocks.
            mid = "sla_resolution_breach_rate"
        if mid not in METRICS:
            continue
        m = METRICS[mid]
        if gaps.get(mid):
            kp.append([m.label(lang), t("not_measurable", lang)])
        elif data["kpis"].get(mid) is not None:
            kp.append([m.label(lang), approximate(fmt_value(data["kpis"][mid], m.unit, lang, cur), mid in approx)])
    overall = sla.get("overall") or {}
    if sla.get("vendor") and overall.get("vendor_judged"):
        kp.append([t("kpi_vendor_missed", lang), fmt.percent(overall["vendor_missed"] / overall["vendor_judged"], 1, lang)])
    bm = []
    for b in data["benchmarks"]:
        value = b["value"]
        verdict = ""
        if value is not None and b["id"] in ("churn_after_one", "churn_after_two", "lost_revenue_share"):
            verdict = t("below", lang) if value <= b["target"] else t("above", lang)  # a comparison, not a target
        elif value is not None:
            ok = value <= b["target"] if b["id"] == "chat_frt_median_minutes" else value >= b["target"]
            verdict = t("meets", lang) if ok else t("misses", lang)
        shown = t("not_measurable", lang) if value is None else approximate(fmt_value(value, b["unit"], lang, cur),
                                                                             b["id"] in approx_bench)
        source = b["source"].get(lang) or b["source"]["en"] if isinstance(b["source"], dict) else b["source"]
        bm.append([b["label"].get(lang) or b["label"]["en"], shown, verdict,
                   b["benchmark"].get(lang) or b["benchmark"]["en"], source])
    return _section("kpis", t("benchmarks", lang), _p(t("kpis_all_time", lang), "muted")
                    + H.table([t("metric", lang), t("value", lang)], kp, {1})
                    + (_p(t("approximate_note", lang), "muted small") if approx else ""),
                    _sub(t("against", lang), H.table([t("metric", lang), t("value", lang), t("verdict", lang),
                                                      t("benchmark", lang), t("source", lang)], bm, {1})))


def _duration_target(minutes, lang: str) -> str:
    return "—" if minutes is None else fmt.duration_minutes(minutes, lang)


def _sla(data: dict, lang: str) -> str:
    sla = data["sla"]
    if not sla.get("policies"):
        return ""
    ru = lang == "ru"
    vendor = sla.get("vendor")
    intro = [_p(t("sla_intro_vendor" if vendor else "sla_intro_ours", lang))]
    if sla.get("left_out"):
        intro.append(_p(t("sla_left_out", lang, targets=", ".join(TARGET_NAMES[x][ru] for x in sla["left_out"]),
                          used=", ".join(TARGET_NAMES[x][ru] for x in sla["targets"])) + " " + t("sla_star", lang)))
    head = [t("sla_policy", lang), t("sla_priorities", lang), t("sla_labels", lang),
            t("sla_first_reply", lang), t("sla_next_reply", lang), t("sla_resolution", lang), t("sla_clock", lang),
            t("tickets", lang)]
    if vendor:
        head += [t("sla_vendor_missed", lang), t("sla_ours_missed", lang), t("sla_agreement", lang)]
    else:
        head += [t("sla_ours_missed", lang)]
    rows = []
    for p in sla["policies"]:
        labels = "; ".join(f"{fam.capitalize() if fam != 'servicenow' else 'ServiceNow'}: {', '.join(v)}"
                           for fam, v in p["vendor_labels"].items() if v)
        prios = ", ".join(t("prio_" + x, lang) if x in ("urgent", "high", "normal", "low") else (x or t("prio_none", lang))
                          for x in p["priorities"]) or t("sla_any", lang)
        business = [p[f"{x}_business"] for x in ("first_reply", "next_reply", "resolution") if p.get(f"{x}_minutes") is not None]
        clock = t("sla_business", lang) if business and all(business) else t("sla_calendar", lang) if not any(business) else t("sla_mixed", lang)
        row = [p["name"], prios, labels or "—",
               *(_duration_target(p.get(f"{x}_minutes"), lang) + ("*" if x in sla["left_out"] and p.get(f"{x}_minutes") is not None else "")
                 for x in ("first_reply", "next_reply", "resolution")),
               clock, number(p["tickets"], lang)]
        ours = (f'{fmt.percent(p["ours_missed"] / p["ours_judged"], 1, lang)} ({number(p["ours_missed"], lang)})'
                if p["ours_judged"] else "—")
        if vendor:
            theirs = (f'{fmt.percent(p["vendor_missed"] / p["vendor_judged"], 1, lang)} ({number(p["vendor_missed"], lang)})'
                      if p["vendor_judged"] else "—")
            row += [theirs, ours, fmt.percent(p["agree"] / p["both"], 1, lang) if p["both"] else "—"]
        else:
            row += [ours]
        rows.append(row)
    overall = sla.get("overall") or {}
    tail = []
    if vendor and overall.get("both"):
        tail.append(_p(t("sla_agreement_overall", lang, agree=number(overall["agree"], lang), both=number(overall["both"], lang),
                         share=fmt.percent(overall["agreement"], 1, lang))))
    if sla.get("unmatched"):
        u = sla["unmatched"]
        tail.append(_p(t("sla_unmatched", lang, n=number(u["tickets"], lang),
                         values=", ".join(u["priorities"]) or t("prio_none", lang)), "muted"))
    numeric = {7, 8, 9, 10} if vendor else {7, 8}
    return _section("sla", t("sla_method", lang), "".join(intro) + H.table(head, rows, numeric, "compact sla-table"), *tail)


def _charts(data: dict, lang: str) -> str:
    from reports import svg

    ch = data.get("charts") or {}
    def pct(v):
        # Whole percents, except that a share strictly between 0 and 1 never reads 0% or 100%
        # (99.7% of high-priority tickets missed is not "100%").
        digits = 0
        while v is not None and 0 < v < 1 and round(v * 100, digits) in (0, 100) and digits < 3:
            digits += 1
        return fmt.percent(v, digits, lang)

    num = lambda v: fmt.number(v, 0, lang)  # noqa: E731
    blocks = []
    weekly = ch.get("weekly") or []
    if len(weekly) >= 2:
        labels = [fmt.day_month(w["week"], lang) for w in weekly]
        blocks.append(svg.line_chart(labels, {t("tickets", lang): [w["tickets"] for w in weekly]},
                                     title=t("chart_weekly_tickets", lang), fmt=num, zero=True,
                                     y_title=t("axis_tickets_week", lang), x_title=t("axis_week", lang)))
        blocks.append(svg.line_chart(labels, {t("chart_missed", lang): [w["missed"] / w["judged"] if w["judged"] else None
                                                                          for w in weekly]},
                                     title=t("chart_weekly_missed", lang), fmt=pct, zero=True,
                                     y_title=t("axis_missed_pct", lang), x_title=t("axis_week", lang)))
    for dim in ("priority", "team"):
        rows = ch.get(f"missed_by_{dim}") or []
        if rows:
            names = [t("prio_" + r["value"], lang) if dim == "priority" and r["value"] in ("urgent", "high", "normal", "low")
                     else r["value"] for r in rows]
            blocks.append(svg.bar_chart(names, [r["missed"] / r["judged"] if r["judged"] else None for r in rows],
                                        title=t(f"chart_missed_by_{dim}", lang), fmt=pct, color=svg.PALETTE[1],
                                        x_title=t("axis_missed_pct", lang), category_title=t(f"dim_{dim}", lang)))
    if ch.get("drivers"):
        blocks.append(svg.bar_chart([r["value"] for r in ch["drivers"]], [r["tickets"] for r in ch["drivers"]],
                                    title=t("chart_drivers", lang), fmt=num, x_title=t("axis_tickets", lang),
                                    category_title=t("dim_category", lang)))
    if ch.get("repeats"):
        blocks.append(svg.bar_chart([r["value"] for r in ch["repeats"]], [r["repeats"] for r in ch["repeats"]],
                                    title=t("chart_repeats", lang), fmt=num, color=svg.PALETTE[3],
                                    x_title=t("axis_repeats", lang), category_title=t("dim_category", lang)))
    blocks = [b for b in blocks if b]
    if not blocks:
        return ""
    return _section("charts", t("charts", lang), f'<div class="charts">{"".join(f"<figure>{b}</figure>" for b in blocks)}</div>')


def _findings(data: dict, lang: str, cur: str) -> str:
    findings, model = data["findings"], data["model"]
    intro = [_p(t("money_formula_" + ("money" if model["revenue_measured"] else "contacts"), lang,
                  basis=_basis_text(model["basis"], lang)), "muted")]
    if not findings:
        intro.append(_p(t("no_findings", lang)))
    blocks = []
    for i, f in enumerate(findings, 1):
        L = lambda d: d.get(lang) or d.get("en")  # noqa: E731
        ev = "".join(f"<li>{H.esc(L(e))}</li>" for e in f["evidence"])
        touched = [tn(f"contacts_{CONTACT_KIND.get(f['id'], 'tickets')}", f["contacts_affected"], lang)]
        if f["customers_affected"]:
            touched.append(tn("customers_n", f["customers_affected"], lang))
        if f.get("hours_affected"):
            touched.append(t("hours_over", lang, hours=fmt.hours(f["hours_affected"], lang, 0)))
        stake_ = f.get("stake") or {}
        if stake_.get("estimate") is not None:
            money_line = (f'<div class="money">{H.esc(_stake_text(stake_, lang, cur))} {H.esc(t("at_stake", lang))}'
                          f' <span class="badge basis-{H.esc(model["basis"])}">{H.esc(_basis_text(model["basis"], lang))}</span></div>')
        else:
            money_line = f'<div class="small muted">{H.esc(t("not_priced", lang))}</div>'
        blocks.append(f'<div class="finding{" warn" if i == 1 else ""}" id="finding-{H.esc(f["id"])}">'
                      f'<div><b>{i}. {H.esc(L(f["title"]))}</b></div>'
                      f'<div class="affected">{H.esc(" · ".join(touched))}</div>{money_line}'
                      f'<div><b>{H.esc(t("evidence", lang))}</b><ul>{ev}</ul></div>'
                      f'<div><b>{H.esc(t("recommendation", lang))}:</b> {H.esc(L(f["recommendation"]))}</div></div>')
    title = t("findings_money" if model["revenue_measured"] else "findings_contacts", lang)
    return _section("findings", title, "".join(intro) + (blocks[0] if blocks else ""), *blocks[1:])


def _whole(x) -> bool:
    return x is not None and not fmt.missing(x) and abs(float(x) - round(float(x))) <= 1e-9 * max(1.0, abs(float(x)))


def _pct_exact(x, digits: int = 1) -> bool:
    """Whether fmt.percent(x, digits) shows the fraction x without rounding it."""
    return x is not None and not fmt.missing(x) and abs(x * 100 - round(x * 100, digits)) <= 1e-9 * max(1.0, abs(x * 100))


def _rel(*exact: bool) -> str:
    """The sign of a churn-cost step: "=" when all its figures are shown as they are, else "≈"."""
    return "=" if all(exact) else "≈"


def _steps(data: dict, lang: str, cur: str) -> list[str]:
    calc, inputs = data["churn"]["calculator"], data["churn"]["calculator_inputs"]
    v = {k: item["value"] for k, item in inputs.items()}
    model = data["model"]
    n1 = lambda x: fmt.integer(x, lang)  # noqa: E731  whole customers (the model keeps fractions; the text shows people)
    lost = calc["customers_lost_per_year"]
    # "=" when every figure of the step is shown as it is, "≈" when one of them was rounded for the text
    steps = [t("step_exposed", lang, customers=fmt.integer(v["customers"], lang), share=fmt.percent(v["negative_share"], 1, lang),
               exposed=n1(calc["exposed_customers"]),
               rel=_rel(_whole(v["customers"]), _pct_exact(v["negative_share"]), _whole(calc["exposed_customers"]))),
             t("step_lost", lang, one=n1(calc["exposed_one"]), two=n1(calc["exposed_two_plus"]),
               after1=fmt.percent(v["churn_after_one"], 1, lang), after2=fmt.percent(v["churn_after_two"], 1, lang),
               base=fmt.percent(v["baseline_churn"], 1, lang), lost=n1(lost),
               rel=_rel(_whole(calc["exposed_one"]), _whole(calc["exposed_two_plus"]), _pct_exact(v["churn_after_one"]),
                        _pct_exact(v["churn_after_two"]), _pct_exact(v["baseline_churn"]), _whole(lost))),
             t("step_revenue", lang, lost=n1(lost),
               each=money(calc["lost_customer_revenue_monthly"], cur, lang, short=False),
               months=fmt.integer(v["horizon_months"], lang), revenue=money(calc["revenue_lost"], cur, lang),
               rel=_rel(_whole(lost), fmt.money_is_exact(calc["lost_customer_revenue_monthly"], short=False),
                        _whole(v["horizon_months"]), fmt.money_is_exact(calc["revenue_lost"]))),
             t("step_replacement", lang, lost=n1(lost),
               multiple=fmt.number(v["acquisition_cost_multiple"], 0, lang),
               retain=money(calc["cost_to_retain"], cur, lang, short=False), cost=money(calc["replacement_cost"], cur, lang),
               rel=_rel(_whole(lost), _whole(v["acquisition_cost_multiple"]),
                        fmt.money_is_exact(calc["cost_to_retain"], short=False), fmt.money_is_exact(calc["replacement_cost"])))]
    if model.get("capped"):
        steps.append(t("step_capped", lang, customers=fmt.integer(model["customers"], lang)))
    return steps


def _customers(data: dict, lang: str, cur: str) -> str:
    """The customer list itself (reports/churn_html.py): its churn, revenue and support columns."""
    ch = data["churn"]
    if not ch.get("customer_list"):
        return ""
    from reports import churn_html

    link = (f'<p><a href="#churn">{H.esc(t("see_churn_cost", lang))}</a></p>'
            if ch.get("measured") and ch.get("analysis") else "")
    # the section heading kept with the first churn block (itself kept with its own heading)
    return _section("customers", t("customers_churn", lang), *churn_html.parts(ch["customer_list"], lang, cur,
                                                                               measured_html=link))


def _churn(data: dict, lang: str, cur: str) -> str:
    from reports import churn_html

    ch, model = data["churn"], data["model"]
    blocks = []
    a = ch.get("analysis")
    if ch.get("measured") and a:
        ex, un, excess = a["exposed"], a["unexposed"], a["excess"]
        blocks.append("<p>" + H.esc(t("churn_measured_snapshot" if a.get("mode") == "snapshot" else "churn_measured", lang,
                                      customers=number(a["customers"], lang),
                                      exposed=number(ex["customers"], lang), window=a["window_days"],
                                      exposed_rate=fmt_value(ex["rate"]["estimate"], "fraction", lang),
                                      unexposed_rate=fmt_value(un["rate"]["estimate"], "fraction", lang),
                                      excess=fmt_value(excess["estimate"], "fraction", lang),
                                      low=fmt_value(excess["low"], "fraction", lang), high=fmt_value(excess["high"], "fraction", lang),
                                      attributable=fmt.integer(max(a["attributable_churned"]["estimate"] or 0, 0), lang)))
                      + f' <span class="muted small">({H.esc(method_text(a["method"], lang))})</span></p>')
        dose = [[r["label"], number(r["customers"], lang), number(r["churned"], lang),
                 fmt_value(r["rate"]["estimate"], "fraction", lang),
                 f'{fmt_value(r["rate"]["low"], "fraction", lang)} – {fmt_value(r["rate"]["high"], "fraction", lang)}']
                for r in a["dose_response"] if r["customers"]]
        blocks.append(_sub(t("dose", lang), H.table(
            [t("negatives", lang), t("customers", lang), t("churned", lang), t("churn_rate", lang), t("interval", lang)], dose,
            {1, 2, 3})))
    elif model["customers_source"] == "support_data":
        blocks.append(_p(t("churn_support_data", lang, customers=fmt.integer(model["customers"], lang),
                           exposed=fmt.integer(model["exposed"], lang),
                           months=fmt.number(model["span_months"] or 0, 1, lang))))
    else:
        reason = churn_html.why(ch["customer_list"], lang) + " " if ch.get("customer_list") else ""
        blocks.append(_p(reason + t("churn_benchmark_model", lang)) if reason else _p(t("churn_benchmark", lang)))
    lost, cost = model["lost"], model["cost"]
    calc = ch.get("calculator") or {}
    rows = [[t("calc_lost", lang), f'{fmt.integer(lost["estimate"], lang)} ({fmt.integer(lost["low"], lang)} – {fmt.integer(lost["high"], lang)})'],
            [t("calc_revenue", lang, months=fmt.integer(ch["calculator_inputs"]["horizon_months"]["value"], lang)),
             money(calc.get("revenue_lost"), cur, lang)],
            [t("calc_replacement", lang), money(calc.get("replacement_cost"), cur, lang)],
            [t("calc_total", lang), f'{money(cost["estimate"], cur, lang)} ({fmt.money_range(cost["low"], cost["high"], cur, lang)})'],
            [t("calc_ltv", lang), money(calc.get("ltv"), cur, lang)]]
    blocks.append(_sub(t("calculator", lang), _p(t("money_basis", lang, basis=_basis_text(model["basis"], lang)),
                                                 f"basis basis-{model['basis']}")
                       + H.table([t("metric", lang), t("value", lang)], rows, {1})))
    blocks.append('<ul class="small steps">' + "".join(f"<li>{H.esc(s)}</li>" for s in _steps(data, lang, cur)) + "</ul>")
    inputs = ch.get("calculator_inputs") or {}
    ru = lang == "ru"
    arows = []
    effective = {"lost_customer_revenue_monthly": calc.get("lost_customer_revenue_monthly"),
                 "monthly_churn_rate": calc.get("monthly_churn_rate")}
    for name, item in inputs.items():
        if name in WHAT_IF_INPUTS:
            continue  # the dashboard's what-if inputs: they do not enter the money of this report
        label = INPUT_LABELS.get(name, (name.replace("_", " "),) * 2)[ru]
        value = cur if name == "currency" else _input_value(name, item["value"] if item["value"] is not None
                                                            else effective.get(name), lang, cur)
        source = "" if item["measured"] else CLIENT_SOURCES.get(name, ("", ""))[ru]
        converted = (data.get("fx_used") or {}).get(f"USD/{cur}")
        if name == "arpu_monthly" and not item["measured"] and converted:
            source += t("fx_converted", lang, rate=_rate_text(converted, lang), cur=cur)
        arows.append([label, value, _input_basis(name, item, model, lang), source])
    blocks.append(_sub(t("assumptions", lang), H.table([t("input", lang), t("value", lang), t("basis", lang),
                                                        t("source", lang)], arows, {1})))
    return _section("churn", t("churn_cost", lang), blocks[0], *blocks[1:])


def _toml(value) -> str:
    """A settings value as it is written in the settings file (TOML), for the appendix."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _rate_text(rate: float, lang: str) -> str:
    """An exchange rate as given (92.5, 0.92), in the language's number format."""
    digits = len(f"{rate:g}".split(".")[1]) if "." in f"{rate:g}" else 0
    return fmt.number(rate, min(digits, 6), lang)


def _limitations(data: dict, lang: str, pseudonymized: bool) -> str:
    model, sla = data["model"], data["sla"]
    items = [t("lim_association", lang)]
    items.append(t(f"lim_money_{model['basis']}", lang))
    if model.get("customers_source") == "support_data":
        items.append(t("lim_customers_support", lang))
    if model.get("span_months") and model["span_months"] < 12:
        items.append(t("lim_short_period", lang, months=fmt.number(model["span_months"], 1, lang)))
    if model.get("capped"):
        items.append(t("lim_capped", lang))
    if sla.get("policies"):
        items.append(t("lim_sla_vendor" if sla.get("vendor") else "lim_sla_assumed", lang))
    if any(c["id"] == "assumed_time_zone" and c["problem_rows"] for c in data["quality"]):
        items.append(t("lim_time_zone", lang))
    rejected = sum(r["rows"] for r in data["rejections"])
    if rejected:
        items.append(tn("lim_rejected", rejected, lang))
    if data["unmeasurable"]:
        items.append(t("lim_gaps", lang))
    if pseudonymized:
        items.append(t("lim_pseudonymized", lang))
    return _section("limitations", t("limitations", lang), "<ul>" + "".join(f"<li>{H.esc(i)}</li>" for i in items) + "</ul>")


NOTE_PREFIXES = (("No customer data yet", "note_no_customers"), ("no surveys loaded", "note_no_surveys"),
                 ("no calls loaded", "note_no_calls"), ("no tickets loaded", "note_no_tickets"))


def _note(text: str, lang: str) -> str:
    """A method note from the metrics (written in English) in the report's language where it is a known one."""
    for prefix, key in NOTE_PREFIXES:
        if text.startswith(prefix):
            return t(key, lang)
    if lang == "ru" and text.startswith(("crude:", "Mantel-Haenszel")):
        return t("note_method_stratified" if text.startswith("Mantel") else "note_method_crude", lang)
    return text


def _appendix(data: dict, lang: str) -> str:
    """The technical part for whoever re-runs the audit: settings keys, commands, method notes."""
    ch = data["churn"]
    used = data.get("settings_used") or {}
    rows = []
    for policy in used.get("sla.policies") or []:
        targets = ", ".join(f"{k} = {policy[k]}" for k in ("first_reply_minutes", "next_reply_minutes", "resolution_minutes")
                            if policy.get(k) is not None)
        rows.append([f"sla.policies: {policy.get('name')}", f"conditions = {_toml(policy.get('conditions'))}; {targets}; "
                                                          f"business = {_toml(bool(policy.get('business')))}"])
    for key in ("churn.horizon_months", "churn.gross_margin", "churn.acquisition_cost_multiple"):
        rows.append([key, str(used.get(key))])
    # The currency the report is in (--currency, else the data's or ui.currency) and the rates that led to it.
    rows.append(["--currency / ui.currency", str(data.get("currency") or used.get("ui.currency"))])
    if data.get("fx_used"):
        rows.append(["--fx / money.exchange_rates",
                     ", ".join(f"{k} = {v:g}" for k, v in data["fx_used"].items())])
    rows.append(["churn.negative", ", ".join(f"{k} = {_toml(v)}" for k, v in (used.get("churn.negative") or {}).items())])
    settings_table = ("<table><thead><tr>" + "".join(f"<th>{H.esc(h)}</th>" for h in (t("setting", lang), t("value", lang)))
                      + "</tr></thead><tbody>" + "".join(f"<tr><td><code>{H.esc(k)}</code></td><td><code>{H.esc(v)}</code></td></tr>"
                                                        for k, v in rows) + "</tbody></table>")
    parts = [_p(t("appendix_intro", lang), "muted"), _sub(t("appendix_settings", lang), settings_table)]
    commands = []
    if not ch.get("customer_list"):
        commands.append(t("appendix_load_customers", lang))
    commands.append(t("appendix_rerun", lang))
    parts.append(_sub(t("appendix_commands", lang), "<ul>" + "".join(f"<li><code>{H.esc(c)}</code></li>" for c in commands) + "</ul>"))
    notes = [n for n in ([ch.get("message")] if ch.get("message") else []) + list(ch.get("notes") or []) if n]
    if ch.get("analysis"):
        notes.append(ch["analysis"]["method"])
    notes += data.get("kpi_notes") or []
    notes = [_note(n, lang) for n in notes]
    if notes:
        parts.append(_sub(t("appendix_notes", lang), "<ul>" + "".join(f"<li>{H.esc(n)}</li>" for n in notes) + "</ul>"))
    parts.append(_p(t("appendix_definitions", lang), "muted"))
    return _section("appendix", t("appendix", lang), *parts)


def _operations(data: dict, lang: str) -> str:
    """Initiatives, contact drivers, channel switches, escalation, agent load, reply targets (reports/operations.py)."""
    if not data.get("operations"):
        return ""
    from reports import operations

    return (operations.initiatives_html(data["operations"].get("initiatives") or {}, lang, "initiatives_12m",
                                        "no_initiatives_12m")
            + operations.analyses_html(data["operations"], lang,
                                       replies_measurable="frt_median_minutes" not in (data.get("unmeasurable") or {})))


def render(data: dict, reports: list, lang: str, currency: str | None, pseudonymized: bool,
           scope: Scope | None = None) -> str:
    cur = data.get("currency") or currency or "USD"
    body = [_scope(data, scope, lang)]
    if pseudonymized:
        body.append(f'<p class="headline" id="pseudonymized">{H.esc(t("pseudonymized", lang))}</p>')
    body += [_summary(data, lang, cur), _received(data, reports, lang), _quality(data, lang), _gaps(data, lang),
             _kpis(data, lang, cur), _satisfaction(data, lang), _sla(data, lang), _charts(data, lang), _findings(data, lang, cur),
             _operations(data, lang), _customers(data, lang, cur), _churn(data, lang, cur), _limitations(data, lang, pseudonymized), _appendix(data, lang),
             f'<footer>{H.esc(t("footer", lang, what=t("audit_title", lang)))}</footer>']
    return H.page(t("audit_title", lang), "".join(b for b in body if b), lang,
                  subtitle=tn("audit_subtitle", len(reports), lang, names=", ".join(sorted({r.file for r in reports}))))


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
              on_progress=None, fx_rates: list[str] | tuple[str, ...] = (), scope: Scope | None = None, as_of=None,
              tenure_unit: str | None = None) -> AuditResult:
    """Load, measure and write the report. Exit codes: EXIT_WRITTEN (0) when the report was written,
    whatever rows were rejected on the way (they are reported inside it); EXIT_NOT_WRITTEN (1) when
    nothing could be loaded or the report (or the PDF asked for) could not be written; EXIT_USAGE (2)
    for a missing file or an exchange rate that must be given."""
    import config
    import metrics  # noqa: F401  registers ticket_metrics and rollups as post-load hooks
    from loaders.base import LoadOptions
    from metrics import fx

    _AuditStore = _audit_store_class()
    messages: list[str] = []
    settings = config.get()
    try:
        rates = fx.rates(settings, fx_rates)
    except ValueError as exc:
        return AuditResult(out, EXIT_USAGE, [str(exc)])
    files = [] if _results_folder(paths) else expand(paths)
    missing = [str(p) for p in files if not Path(p).exists()]
    if missing:
        return AuditResult(out, EXIT_USAGE, [f"no such file or folder: {m}" for m in missing])
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
            return AuditResult(out, EXIT_NOT_WRITTEN, messages + ["nothing could be loaded: no report written"])
        con = store.cursor()
        try:
            data = gather(con, lang, settings, currency, rates)
        except fx.MissingRate as exc:
            return AuditResult(out, EXIT_USAGE, messages + [f"no report written: {exc}"])
        finally:
            con.close()
        text = render(data, reports, lang, data["currency"], pseudonymize, scope)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = out.with_name(f".{out.name}.{os.getpid()}")
        tmp_out.write_text(text, encoding="utf-8")
        os.replace(tmp_out, out)
    except OSError as exc:
        return AuditResult(out, EXIT_NOT_WRITTEN, messages + [f"the report could not be written to {out}: {exc}"])
    rejected = sum(r.rows_rejected for r in reports if r.status == "loaded")
    messages.append(f"audit report written to {out}" + (f" ({rejected:,} rejected rows are listed in it)" if rejected else ""))
    code = EXIT_WRITTEN
    if pdf:
        err = print_pdf(out, out.with_suffix(".pdf"))
        if err:
            messages.append(err)
            code = EXIT_NOT_WRITTEN
        else:
            messages.append(f"PDF written to {out.with_suffix('.pdf')}")
    data["churn"].pop("model_object", None)  # the JSON-safe dict "model" stays
    data["generated"] = dt.datetime.now(dt.timezone.utc).isoformat()
    return AuditResult(out, code, messages, data)
