"""The consultant's one-command service audit.

``run_audit`` loads whatever files it is given into a temporary database (the main one is never
touched), recognises each format, and writes one self-contained HTML report: what was
received, data quality, KPIs against benchmark figures with their sources, findings ranked by
money at stake with their evidence and a recommendation, and the churn-cost estimate with its
assumptions. ``--pseudonymize`` replaces personal data before anything is stored.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from reports import html as H
from reports.text import fmt_value, money, number, t

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
        n, lo, hi = con.execute(f"SELECT count(*), min({column}), max({column}) FROM {table}").fetchall()[0]
        if n:
            rows.append({"table": table, "rows": n, "from": lo, "to": hi})
    return rows


def gather(con, lang: str = "en") -> dict:
    """Every figure the report shows, as plain data."""
    import config
    from metrics import engine, findings, quality
    from metrics.filters import Filters

    settings = config.get()
    data: dict = {"coverage": coverage(con), "quality": [c.to_dict() for c in quality.run(con)],
                  "reconciliation": quality.reconciliation(con)}
    data["rejections"] = [dict(zip(("reason", "rows", "file"), r)) for r in con.execute(
        "SELECT regexp_replace(reason, '''[^'']*''', '''…''', 'g') r, count(*), min(file_name) FROM rejects "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT 15").fetchall()]
    kpis = engine.kpis(con, Filters())
    data["kpis"] = kpis
    chat = engine.kpis(con, Filters(channel=("chat",)), ["frt_median_minutes"]).get("frt_median_minutes")
    churn_info = churn_summary(con)
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
    data["findings"] = [f.to_dict() for f in findings.run(con, churn_info["excess_rate"], churn_info["monthly_revenue"], settings)]
    data["currency"] = churn_info.get("currency") or settings["ui"]["currency"]
    return data


def churn_summary(con) -> dict:
    """The churn figures the audit needs, measured where the data allows, else benchmarks."""
    from metrics import calculator, churn

    out: dict = {"measured": False}
    defaults = calculator.defaults()
    analysis = None
    try:
        analysis = churn.analyse(con)
    except Exception as exc:  # no customers table, no churners ...
        out["message"] = f"{type(exc).__name__}: {exc}"
    d = analysis.to_dict() if analysis is not None else {}
    out["analysis"] = d
    if analysis is not None and d.get("available"):
        out["measured"] = True
        out["excess_rate"] = max(float(d.get("excess_rate") or 0.0), 0.0)
        out["monthly_revenue"] = float(d.get("arpu") or d.get("mean_monthly_revenue") or defaults.arpu)
        dose = {str(r.get("negative_experiences")): r for r in d.get("dose_response") or []}
        one, two = dose.get("1"), dose.get("2") or dose.get("2+")
        out["churn_after_one"] = one.get("churn_rate") if one else None
        out["churn_after_two"] = two.get("churn_rate") if two else None
        total_rev = d.get("total_monthly_revenue")
        lost = d.get("lost_revenue")
        horizon = d.get("horizon_months") or 12
        out["lost_revenue_share"] = (lost / (total_rev * horizon)) if lost and total_rev else None
        out["currency"] = d.get("currency")
        out["message"] = d.get("message")
    else:
        out["excess_rate"] = float(defaults.churn_after_one_negative - defaults.baseline_churn) \
            if hasattr(defaults, "churn_after_one_negative") and hasattr(defaults, "baseline_churn") else 0.1
        out["monthly_revenue"] = float(getattr(defaults, "arpu", 100.0))
        out.setdefault("message", d.get("message"))
    try:
        inputs = calculator.inputs_from_data(analysis, None) if out["measured"] else defaults
        out["calculator"] = calculator.compute(inputs)
        out["calculator_inputs"] = inputs
    except Exception as exc:
        out["calculator"] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


# ----------------------------------------------------------------------------- render
def render(data: dict, reports: list, lang: str, currency: str, pseudonymized: bool) -> str:
    from metrics.registry import METRICS

    cur = currency or data.get("currency") or "USD"
    L = lambda d: d.get(lang) or d.get("en") if isinstance(d, dict) else d
    body = []
    if pseudonymized:
        body.append(f'<p class="headline">{H.esc(t("pseudonymized", lang))}</p>')
    findings = data["findings"]
    if findings:
        top = findings[0]
        body.append(f'<p class="headline">{H.esc(L(top["title"]))}: {H.esc(money(top["money_at_stake"], cur, lang))} '
                    f'{H.esc(t("at_stake", lang))}</p>')
    # What was received
    rows = []
    for r in reports:
        rows.append([r.file, r.loader or "—", f"{r.confidence:.0%}" if r.confidence else "—", number(r.rows_in, lang),
                     number(r.rows_loaded, lang), number(r.rows_rejected, lang),
                     r.status if r.status != "failed" else f"failed: {r.error.splitlines()[0] if r.error else ''}"])
    body.append(f'<h2>{H.esc(t("received", lang))}</h2>' + H.table(
        [t("file", lang), t("format", lang), t("sure", lang), t("rows_in", lang), t("loaded", lang), t("rejected", lang), ""],
        rows, {2, 3, 4, 5}))
    cov = [[c["table"], number(c["rows"], lang), f'{str(c["from"])[:10]} – {str(c["to"])[:10]}'] for c in data["coverage"]]
    body.append(H.table(["", t("rows_in", lang), t("covers", lang)], cov, {1}))
    if data["rejections"]:
        body.append(f'<h3>{H.esc(t("rejections", lang))}</h3>' + H.table(
            [t("reason", lang), t("count", lang), t("file", lang)],
            [[r["reason"], number(r["rows"], lang), r["file"]] for r in data["rejections"]], {1}))
    # Data quality
    q = [[c["title"], f'{number(c["problem_rows"], lang)} / {number(c["total_rows"], lang)}', c["severity"], c["detail"]]
         for c in data["quality"] if c["problem_rows"] or c["severity"] != "info"]
    body.append(f'<h2>{H.esc(t("quality", lang))}</h2>')
    body.append(H.table([t("check", lang), t("result", lang), "", ""], q, {1}) if q else "<p>No problems found.</p>")
    if data["reconciliation"]:
        rec = [[r.get("metric") or r.get("column") or "", number(r.get("compared") or 0, lang), number(r.get("disagree") or 0, lang),
                fmt_value(r.get("median_abs_diff"), "minutes", lang) if r.get("median_abs_diff") is not None else "—"]
               for r in data["reconciliation"]]
        body.append("<h3>Our figures vs the vendor's own</h3>" + H.table(["", "compared", "disagree", "median |diff|"], rec, {1, 2, 3}))
    # KPIs vs benchmarks
    kp = []
    for mid in ("tickets", "backlog", "frt_median_minutes", "frt_p90_minutes", "frt_business_median_minutes",
                "resolution_median_minutes", "sla_breach_rate", "reopen_rate", "one_touch_rate", "repeat_contact_rate",
                "csat", "nps", "ces", "calls_offered", "answer_rate", "abandonment_rate", "asa_seconds", "service_level", "aht_seconds"):
        if mid in METRICS and data["kpis"].get(mid) is not None:
            m = METRICS[mid]
            kp.append([L(m.name), fmt_value(data["kpis"][mid], m.unit, lang, cur)])
    body.append(f'<h2>{H.esc(t("benchmarks", lang))}</h2>' + H.table([t("metric", lang), t("value", lang)], kp, {1}))
    bm = [[L(b["label"]), fmt_value(b["value"], b["unit"], lang, cur), L(b["benchmark"]), b["source"]] for b in data["benchmarks"]]
    body.append(H.table([t("metric", lang), t("value", lang), t("benchmark", lang), t("source", lang)], bm, {1}))
    # Findings
    body.append(f'<h2>{H.esc(t("findings", lang))}</h2>')
    if not findings:
        body.append("<p>No finding: the data shows no failure with money at stake.</p>")
    for i, f in enumerate(findings, 1):
        ev = "".join(f"<li>{H.esc(L(e))}</li>" for e in f["evidence"])
        body.append(f'<div class="finding{" warn" if i == 1 else ""}"><div><b>{i}. {H.esc(L(f["title"]))}</b></div>'
                    f'<div class="money">{H.esc(money(f["money_at_stake"], cur, lang))} {H.esc(t("at_stake", lang))}</div>'
                    f'<div class="small muted">{H.esc(number(f["customers_affected"], lang))} customers</div>'
                    f'<div><b>{H.esc(t("evidence", lang))}</b><ul>{ev}</ul></div>'
                    f'<div><b>{H.esc(t("recommendation", lang))}:</b> {H.esc(L(f["recommendation"]))}</div></div>')
    # Churn cost
    ch = data["churn"]
    body.append(f'<h2>{H.esc(t("churn_cost", lang))}</h2>')
    calc = ch.get("calculator") or {}
    rows = [[k.replace("_", " "), money(v, cur, lang) if "revenue" in k or "cost" in k or "total" in k else fmt_value(v, "count", lang)]
            for k, v in calc.items() if isinstance(v, (int, float))]
    if rows:
        body.append(H.table([t("metric", lang), t("value", lang)], rows, {1}))
    inputs = ch.get("calculator_inputs")
    if inputs is not None:
        measured = set(getattr(inputs, "measured", set()) or set())
        sources = getattr(inputs, "sources", {}) or {}
        arows = []
        for name, value in vars(inputs).items():
            if name in ("measured", "sources") or not isinstance(value, (int, float)):
                continue
            arows.append([name.replace("_", " "), number(value, lang, 2 if isinstance(value, float) and value < 10 else 0),
                          t("measured", lang) if name in measured else t("assumed", lang), sources.get(name, "")])
        body.append(f'<h3>{H.esc(t("assumptions", lang))}</h3>' + H.table(["", t("value", lang), "", t("source", lang)], arows, {1}))
    if ch.get("message"):
        body.append(f'<p class="muted">{H.esc(ch["message"])}</p>')
    body.append(f'<footer>{H.esc(t("footer", lang, what=t("audit_title", lang)))}</footer>')
    return H.page(t("audit_title", lang), "".join(body), lang,
                  subtitle=", ".join(sorted({r.file for r in reports})))


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


def run_audit(paths: list[Path], out: Path, lang: str = "en", pseudonymize: bool = False, currency: str | None = None,
              tz: str | None = None, pdf: bool = False, date_order: str | None = None,
              on_progress=None) -> AuditResult:
    import metrics  # noqa: F401  registers ticket_metrics and rollups as post-load hooks
    from loaders.base import LoadOptions
    from loaders.store import Store

    messages: list[str] = []
    files = expand(paths)
    missing = [str(p) for p in files if not Path(p).exists()]
    if missing:
        return AuditResult(out, 2, [f"no such file or folder: {m}" for m in missing])
    with tempfile.TemporaryDirectory(prefix="deskscope-audit-") as tmp:
        store = Store(Path(tmp) / "audit.duckdb")
        reports = store.load_files(files, LoadOptions(pseudonymize=pseudonymize, tz=tz, date_order=date_order),
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
