"""Churn attributable to support, and what it costs.

Compares churn among customers who had a negative support experience in the window before their
outcome (churn date, or the end of observation for customers who stayed) with churn among
customers who had none, crude and stratified by plan/segment/tenure (Mantel-Haenszel), and turns
the excess into customers and money. Every definition is written down in ``docs/churn.md``.

``analyse(con, settings, as_of)`` is the one entry point; it reads the store through ``con`` and
returns a ``ChurnAnalysis`` (``to_dict()`` is JSON-safe). It never raises on thin data: it
reports what is missing in ``message`` / ``notes`` instead.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from statistics import NormalDist

import duckdb
import polars as pl

Z95 = NormalDist().inv_cdf(0.975)
DAYS_PER_MONTH = 365.25 / 12
RECENT_DAYS = 30  # "revenue at risk now": a negative experience in the last 30 days
DOSE_LABELS = ("0", "1", "2", "3+")
NEW_IN_PERIOD = "joined during the period"
TENURE_BANDS = ((3, "under 3 months"), (12, "3-12 months"), (24, "12-24 months"), (None, "24+ months"))
NEGATIVE_KINDS = ("sla_breach", "bad_csat", "nps_detractor", "abandoned_call", "reopened", "slow_first_reply",
                  "repeat_contact")

LOAD_CUSTOMERS_HINT = ("load a customer list (CRM or billing export with a customer id, start date, churn date or churn "
                       "status, and monthly revenue): `python cli.py load FILE --table customers`, then tickets, calls "
                       "or surveys whose customer id matches it")


# ----------------------------------------------------------------------------- result types
@dataclass
class Interval:
    estimate: float | None
    low: float | None = None
    high: float | None = None

    def scaled(self, factor: float | None) -> "Interval":
        if factor is None:
            return Interval(None)
        return Interval(*(None if v is None else v * factor for v in (self.estimate, self.low, self.high)))


@dataclass
class Rate:
    """Churned out of customers, with a Wilson 95% interval."""
    label: str
    customers: int
    churned: int
    rate: Interval


@dataclass
class Comparison:
    method: str
    exposed: Rate
    unexposed: Rate
    excess: Interval                 # churn-rate difference, exposed minus unexposed
    attributable_churned: Interval   # excess x exposed customers
    attributable_fraction: Interval  # attributable churned / all churned customers in the analysis
    attributable_fraction_exposed: Interval  # excess / churn rate of the exposed
    strata: list[dict] = field(default_factory=list)


@dataclass
class ChurnAnalysis:
    available: bool
    message: str = ""
    currency: str = "USD"
    as_of: str | None = None                 # end of observation (UTC)
    period_start: str | None = None          # first support record (UTC)
    churn_period_start: str | None = None    # churn counted from here (first churn date or first support record)
    period_months: float | None = None       # churn period length
    window_days: int = 90
    negative_kinds: dict = field(default_factory=dict)
    customers: int = 0                       # customers in the comparison
    churned: int = 0                         # of them, churned in the period
    excluded: dict = field(default_factory=dict)
    crude: Comparison | None = None
    stratified: Comparison | None = None
    stratified_by: list[str] = field(default_factory=list)
    headline: str | None = None              # 'stratified' | 'crude' | None
    dose_response: list[Rate] = field(default_factory=list)
    stated_reasons: dict = field(default_factory=dict)
    money: dict = field(default_factory=dict)
    what_if_data: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def estimate(self) -> Comparison | None:
        """The headline comparison: stratified when strata exist, else crude."""
        return self.stratified if self.headline == "stratified" else self.crude

    def to_dict(self) -> dict:
        out = _json_safe(dataclasses.asdict(self))
        out["estimate"] = out["stratified"] if self.headline == "stratified" else out["crude"]
        return out


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# ----------------------------------------------------------------------------- statistics
def wilson(churned: int, customers: int, z: float = Z95) -> Interval:
    """Wilson score interval for a proportion (good at small counts and rates near 0 or 1)."""
    if customers <= 0:
        return Interval(None)
    p = churned / customers
    denom = 1 + z * z / customers
    centre = (p + z * z / (2 * customers)) / denom
    half = z * math.sqrt(p * (1 - p) / customers + z * z / (4 * customers * customers)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def newcombe(a: int, n1: int, c: int, n0: int, z: float = Z95) -> Interval:
    """Risk difference a/n1 - c/n0 with Newcombe's hybrid score interval (method 10, 1998)."""
    if n1 <= 0 or n0 <= 0:
        return Interval(None)
    r1, r0 = wilson(a, n1, z), wilson(c, n0, z)
    d = r1.estimate - r0.estimate
    low = d - math.sqrt((r1.estimate - r1.low) ** 2 + (r0.high - r0.estimate) ** 2)
    high = d + math.sqrt((r1.high - r1.estimate) ** 2 + (r0.estimate - r0.low) ** 2)
    return Interval(d, low, high)


def mantel_haenszel_rd(tables: list[tuple[int, int, int, int]], z: float = Z95) -> Interval:
    """Mantel-Haenszel common risk difference over strata (a, n1, c, n0) with Sato's (1989)
    variance, which stays valid with many small strata. The interval solves
    (d - theta)^2 = z^2 (theta P + Q) / W^2 for theta (the 'Sato0' form in epiR), so the
    variance is taken at the boundary rather than at the estimate."""
    used = [(a, n1, c, n0) for a, n1, c, n0 in tables if n1 > 0 and n0 > 0]
    if not used:
        return Interval(None)
    w = sum(n1 * n0 / (n1 + n0) for a, n1, c, n0 in used)
    d = sum((a * n0 - c * n1) / (n1 + n0) for a, n1, c, n0 in used) / w
    p = sum((n1 * n1 * c - n0 * n0 * a + 0.5 * n1 * n0 * (n0 - n1)) / (n1 + n0) ** 2 for a, n1, c, n0 in used)
    q = sum((a * (n0 - c) + c * (n1 - a)) / (2 * (n1 + n0)) for a, n1, c, n0 in used)
    mid = d + 0.5 * z * z * p / (w * w)
    spread = mid * mid - d * d + z * z * q / (w * w)
    half = math.sqrt(max(spread, 0.0))
    return Interval(d, max(-1.0, mid - half), min(1.0, mid + half))


# ----------------------------------------------------------------------------- settings
def _settings(settings: dict | None) -> dict:
    if settings is None:
        import config

        settings = config.get()
    return settings


def _churn_settings(settings: dict) -> tuple[dict, dict]:
    churn = dict(settings.get("churn") or {})
    negative = dict(churn.get("negative") or {})
    churn.setdefault("window_days", 90)
    churn.setdefault("horizon_months", 12)
    churn.setdefault("gross_margin", 0.7)
    churn.setdefault("acquisition_cost_multiple", 5)
    churn.setdefault("support_reason_keywords", [])
    for kind in NEGATIVE_KINDS:
        negative.setdefault(kind, kind != "repeat_contact")
    negative.setdefault("bad_csat_max", 2)
    negative.setdefault("slow_first_reply_hours", 12)
    return churn, negative


# ----------------------------------------------------------------------------- reading
def _has_table(con, name: str) -> bool:
    try:
        con.execute(f"SELECT 1 FROM {name} LIMIT 0").fetchall()
        return True
    except duckdb.Error:
        return False


def _has_rows(con, name: str) -> bool:
    return _has_table(con, name) and bool(con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name} LIMIT 1)").fetchall()[0][0])


def _scalar(con, sql: str, params: list | None = None):
    return _one(con, sql, params)[0]


def _one(con, sql: str, params: list | None = None) -> tuple:
    """The first row (DuckDB 2.0 wants every result fetched before the next statement)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else ()


def _ticket_source(con) -> tuple[str | None, str]:
    """ticket_metrics when derive.py built it; else the raw tickets table (no SLA verdicts)."""
    if _has_rows(con, "ticket_metrics"):
        return "ticket_metrics", ""
    if _has_rows(con, "tickets"):
        return "tickets", ("ticket_metrics is missing (metrics/derive.py has not run), so SLA breaches and repeat "
                           "contacts are not counted; slow replies use tickets.first_response_at")
    return None, ""


def _ticket_select(table: str | None) -> str:
    if table == "ticket_metrics":
        return ("SELECT 'ticket:' || coalesce(source, '') || ':' || source_id AS contact, source_id AS ticket_key, "
                "customer_id, created_at AS contact_at, coalesce(sla_breached, false) AS breach, coalesce(reopens, 0) > 0 AS reopened, "
                "coalesce(first_reply_calendar_minutes > ?, false) AS slow, coalesce(repeat_contact, false) AS repeat_flag, "
                "first_reply_calendar_minutes AS frt FROM ticket_metrics WHERE created_at IS NOT NULL")
    if table == "tickets":
        return ("SELECT 'ticket:' || coalesce(source, '') || ':' || source_id AS contact, source_id AS ticket_key, "
                "customer_id, created_at AS contact_at, false AS breach, coalesce(reopens, 0) > 0 AS reopened, "
                "coalesce(date_diff('second', created_at, first_response_at) / 60.0 > ?, false) AS slow, false AS repeat_flag, "
                "date_diff('second', created_at, first_response_at) / 60.0 AS frt FROM tickets WHERE created_at IS NOT NULL")
    return ("SELECT NULL::VARCHAR AS contact, NULL::VARCHAR AS ticket_key, NULL::VARCHAR AS customer_id, NULL::TIMESTAMP AS contact_at, "
            "false AS breach, false AS reopened, (? < 0) AS slow, false AS repeat_flag, NULL::DOUBLE AS frt WHERE false")


def _observation_bounds(con, ticket_table: str | None, has_calls: bool, has_surveys: bool) -> tuple:
    support = []
    if ticket_table:
        support.append(f"SELECT min(created_at) lo, max(created_at) hi FROM {ticket_table}")
    if has_calls:
        support.append("SELECT min(queued_at) lo, max(queued_at) hi FROM calls")
    if has_surveys:
        support.append("SELECT min(responded_at) lo, max(responded_at) hi FROM surveys")
    support_lo = support_hi = None
    if support:
        support_lo, support_hi = _one(con, f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(support)})")
    cust_lo, cust_hi = _one(
        con, "SELECT least(min(started_at), min(churned_at))::TIMESTAMP, greatest(max(started_at), max(churned_at))::TIMESTAMP "
        "FROM customers")
    latest = max([v for v in (support_hi, cust_hi) if v is not None], default=None)
    return support_lo, latest, cust_lo


def _customer_frame(con, churn: dict, negative: dict, short_abandon_seconds: float, as_of: dt.datetime,
                    ticket_table: str | None, has_calls: bool, has_surveys: bool) -> pl.DataFrame:
    """One row per customer (latest load wins per id): churn outcome, window counts of negative
    contacts (total, with an SLA breach, with a slow first reply), and a negative contact in the
    last 30 days."""
    slow_minutes = float(negative["slow_first_reply_hours"]) * 60
    bad_max = float(negative["bad_csat_max"])
    parts = [f"SELECT contact, customer_id, contact_at, breach, reopened, slow, repeat_flag, false AS bad_csat, "
             f"false AS detractor, false AS abandoned FROM tickets_c"]
    params: list = [slow_minutes]
    if has_surveys:
        # A survey on a ticket is the same contact as the ticket (one contact counts once).
        parts.append(
            "SELECT coalesce(tk.contact, 'survey:' || coalesce(s.source, '') || ':' || s.source_id) AS contact, "
            "coalesce(s.customer_id, tk.customer_id) AS customer_id, coalesce(tk.contact_at, s.responded_at) AS contact_at, "
            "false, false, false, false, "
            "s.kind = 'csat' AND s.score IS NOT NULL AND "
            "  1 + 4 * (s.score - coalesce(s.scale_min, 1)) / nullif(coalesce(s.scale_max, 5) - coalesce(s.scale_min, 1), 0) <= ?, "
            "s.kind = 'nps' AND s.score IS NOT NULL AND "
            "  10 * (s.score - coalesce(s.scale_min, 0)) / nullif(coalesce(s.scale_max, 10) - coalesce(s.scale_min, 0), 0) <= 6, "
            "false FROM surveys s LEFT JOIN ticket_keys tk ON tk.ticket_key = s.ticket_id WHERE s.responded_at IS NOT NULL")
        params.append(bad_max)
    if has_calls:
        parts.append(
            "SELECT 'call:' || coalesce(source, '') || ':' || source_id, customer_id, queued_at, false, false, false, false, "
            "false, false, true FROM calls WHERE outcome = 'abandoned' AND coalesce(wait_seconds, 1e18) >= ? "
            "AND queued_at IS NOT NULL")
        params.append(float(short_abandon_seconds))
    flags = [bool(negative[k]) for k in ("sla_breach", "reopened", "slow_first_reply", "repeat_contact", "bad_csat",
                                          "nps_detractor", "abandoned_call")]
    window = int(churn["window_days"])
    sql = f"""
    WITH tickets_c AS ({_ticket_select(ticket_table)}),
    ticket_keys AS (SELECT ticket_key, min(contact) AS contact, min(customer_id) AS customer_id, min(contact_at) AS contact_at
                    FROM tickets_c GROUP BY ticket_key),
    raw_contacts AS ({' UNION ALL '.join(parts)}),
    contacts AS (
        SELECT contact, any_value(customer_id) AS customer_id, min(contact_at) AS contact_at,
               bool_or(breach) AS breach, bool_or(reopened) AS reopened, bool_or(slow) AS slow,
               bool_or(repeat_flag) AS repeat_flag, bool_or(bad_csat) AS bad_csat, bool_or(detractor) AS detractor,
               bool_or(abandoned) AS abandoned
        FROM raw_contacts WHERE customer_id IS NOT NULL GROUP BY contact),
    negatives AS (
        SELECT customer_id, contact_at, ? AND breach AS breach, ? AND slow AS slow
        FROM contacts
        WHERE (? AND breach) OR (? AND reopened) OR (? AND slow) OR (? AND repeat_flag) OR (? AND bad_csat)
           OR (? AND detractor) OR (? AND abandoned)),
    cust AS (
        SELECT source_id, segment, plan, started_at, churned_at, churn_category, churn_reason, monthly_revenue,
               coalesce(churned, churned_at IS NOT NULL) AND (churned_at IS NULL OR churned_at <= ?::DATE) AS is_churned
        FROM customers WHERE source_id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY load_id DESC NULLS LAST, source) = 1),
    outcome AS (
        SELECT *, CASE WHEN is_churned THEN churned_at::TIMESTAMP + INTERVAL 1 DAY
                       ELSE ?::TIMESTAMP + INTERVAL 1 MICROSECOND END AS outcome_end
        FROM cust)
    SELECT o.source_id, o.segment, o.plan, o.started_at, o.churned_at, o.is_churned AS churned, o.churn_category,
           o.churn_reason, o.monthly_revenue, o.outcome_end,
           count(n.contact_at) FILTER (WHERE n.contact_at >= o.outcome_end - to_days(?) AND n.contact_at < o.outcome_end) AS negatives,
           count(n.contact_at) FILTER (WHERE n.breach AND n.contact_at >= o.outcome_end - to_days(?) AND n.contact_at < o.outcome_end) AS breach_negatives,
           count(n.contact_at) FILTER (WHERE n.slow AND n.contact_at >= o.outcome_end - to_days(?) AND n.contact_at < o.outcome_end) AS slow_negatives,
           count(n.contact_at) FILTER (WHERE n.contact_at >= ?::TIMESTAMP - to_days(?) AND n.contact_at <= ?::TIMESTAMP) > 0 AS recent_negative
    FROM outcome o LEFT JOIN negatives n ON n.customer_id = o.source_id
    GROUP BY ALL
    """
    params = params + [flags[0], flags[2]] + flags + [as_of.date(), as_of, window, window, window, as_of, RECENT_DAYS, as_of]
    return con.sql(sql, params=params).pl()


def _frt_profile(con, ticket_table: str | None, negative: dict) -> dict:
    """Percentiles 1..99 of first reply time (minutes) for the FRT what-if."""
    if ticket_table is None:
        return {}
    expr = ("first_reply_calendar_minutes" if ticket_table == "ticket_metrics"
            else "date_diff('second', created_at, first_response_at) / 60.0")
    qs = [i / 100 for i in range(1, 100)]
    row = _one(con, f"SELECT quantile_cont({expr}, ?), count({expr}) FROM {ticket_table} WHERE {expr} IS NOT NULL", [qs])
    if not row or not row[1]:
        return {}
    return {"frt_percentiles_minutes": [round(v, 2) for v in row[0]], "frt_replies": int(row[1]), "frt_p90_minutes": row[0][89],
            "slow_reply_minutes": float(negative["slow_first_reply_hours"]) * 60}


# ----------------------------------------------------------------------------- analysis
def _tenure_band_expr(months: pl.Expr) -> pl.Expr:
    """Tenure band from tenure in months at the start of the period: a baseline trait, known
    before anyone churned. (Tenure at the churn date would be shorter for churners because they
    churned, and stratifying on it would bias the comparison.)"""
    expr = pl.when(months.is_null() | months.is_nan()).then(pl.lit("unknown")).when(months < 0).then(pl.lit(NEW_IN_PERIOD))
    for limit, label in TENURE_BANDS:
        expr = expr.when(months < limit).then(pl.lit(label)) if limit is not None else expr.otherwise(pl.lit(label))
    return expr


def _compare(a: int, n1: int, c: int, n0: int, excess: Interval, churned_total: int, method: str,
             strata: list[dict] | None = None) -> Comparison:
    attributable = excess.scaled(n1)
    fraction = attributable.scaled(1 / churned_total) if churned_total else Interval(None)
    exposed_rate = a / n1 if n1 else None
    frac_exposed = excess.scaled(1 / exposed_rate) if exposed_rate else Interval(None)
    return Comparison(method, Rate("exposed", n1, a, wilson(a, n1)), Rate("unexposed", n0, c, wilson(c, n0)), excess,
                      attributable, fraction, frac_exposed, strata or [])


def _matches_keywords(text: str | None, keywords: list[str]) -> bool:
    if not text:
        return False
    low = text.lower().replace("ё", "е")
    return any(k.lower().replace("ё", "е") in low for k in keywords if k)


def _stated_reasons(con, keywords: list[str], as_of: dt.datetime | None) -> dict:
    """Churned customers (dated or not) whose stated category or reason names support."""
    rows = con.execute(
        "SELECT source_id, churn_category, churn_reason, monthly_revenue FROM customers "
        "WHERE source_id IS NOT NULL AND coalesce(churned, churned_at IS NOT NULL) "
        "AND (churned_at IS NULL OR ?::DATE IS NULL OR churned_at <= ?::DATE) "
        "QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY load_id DESC NULLS LAST, source) = 1",
        [as_of.date() if as_of else None] * 2).fetchall()
    with_reason = [r for r in rows if (r[1] or "").strip() or (r[2] or "").strip()]
    support = [r for r in with_reason if _matches_keywords(r[1], keywords) or _matches_keywords(r[2], keywords)]
    categories: dict[str, int] = {}
    for r in support:
        key = (r[1] or r[2] or "").strip()
        categories[key] = categories.get(key, 0) + 1
    return {
        "churned": len(rows),
        "churned_with_reason": len(with_reason),
        "support_reason_churned": len(support),
        "support_reason_monthly_revenue": float(sum(r[3] or 0.0 for r in support)),
        "support_reason_share": len(support) / len(with_reason) if with_reason else None,
        "support_reason_categories": dict(sorted(categories.items(), key=lambda kv: -kv[1])),
        "keywords": list(keywords),
        "measured_attributable_churned": None,  # filled in beside it once the comparison ran
    }


def _cohort(frame: pl.DataFrame, end: dt.datetime, support_start: dt.datetime | None) -> tuple[pl.DataFrame, dict]:
    """Customers with a dated outcome inside the period the support data covers, and how many
    were left out for which reason."""
    churned_at, started_at = pl.col("churned_at"), pl.col("started_at")
    rules = {
        "churned_without_date": pl.col("churned") & churned_at.is_null(),
        "started_after_end": started_at.is_not_null() & (started_at > pl.lit(end.date())),
        "churned_before_start": churned_at.is_not_null() & started_at.is_not_null() & (churned_at < started_at),
    }
    if support_start is not None:
        rules["churned_before_support_data"] = pl.col("churned") & (churned_at < pl.lit(support_start.date()))
    excluded = {}
    for reason, rule in rules.items():  # in order: a customer is counted under the first reason only
        dropped = frame.filter(rule.fill_null(False))
        if dropped.height:
            excluded[reason] = dropped.height
        frame = frame.filter(~rule.fill_null(False))
    return frame, excluded


def _with_strata_columns(frame: pl.DataFrame, reference: dt.date) -> pl.DataFrame:
    """Tenure band at the start of the period (see _tenure_band_expr), and '(none)' for a missing plan or segment."""
    months = (pl.lit(reference) - pl.col("started_at")).dt.total_days() / DAYS_PER_MONTH
    return frame.with_columns(months.alias("tenure_months")).with_columns(
        _tenure_band_expr(pl.col("tenure_months")).alias("tenure_band"),
        pl.col("plan").fill_null("(none)"), pl.col("segment").fill_null("(none)"))


def _stratified(frame: pl.DataFrame, dims: list[str], a: int, n1: int, c: int, n0: int,
                churned: int) -> tuple[Comparison | None, str]:
    strata = (frame.group_by(dims)
              .agg(pl.len().alias("customers"), pl.col("churned").sum().alias("churned"),
                   (pl.col("negatives") > 0).sum().alias("exposed"),
                   (pl.col("churned") & (pl.col("negatives") > 0)).sum().alias("exposed_churned"))
              .sort(dims))
    tables, rows = [], []
    for r in strata.iter_rows(named=True):
        sa, sn1 = int(r["exposed_churned"]), int(r["exposed"])
        sc, sn0 = int(r["churned"]) - sa, int(r["customers"]) - sn1
        tables.append((sa, sn1, sc, sn0))
        rows.append({**{d: r[d] for d in dims}, "exposed": sn1, "exposed_churned": sa, "unexposed": sn0,
                     "unexposed_churned": sc, "informative": sn1 > 0 and sn0 > 0})
    mh = mantel_haenszel_rd(tables)
    if mh.estimate is None:
        return None, "no plan/segment/tenure group has both exposed and unexposed customers: only the crude comparison is shown"
    method = "Mantel-Haenszel risk difference over " + " x ".join(dims) + ", Sato variance"
    uninformative = sum(1 for r in rows if not r["informative"])
    note = (f"{uninformative} of {len(rows)} strata have only exposed or only unexposed customers and carry no weight "
            "in the stratified estimate") if uninformative else ""
    return _compare(a, n1, c, n0, mh, churned, method, rows), note


def analyse(con, settings: dict | None = None, as_of: dt.date | dt.datetime | None = None) -> ChurnAnalysis:
    settings = _settings(settings)
    churn, negative = _churn_settings(settings)
    window = int(churn["window_days"])
    kinds = {k: negative[k] for k in NEGATIVE_KINDS} | {"bad_csat_max": negative["bad_csat_max"],
                                                         "slow_first_reply_hours": negative["slow_first_reply_hours"]}
    base = ChurnAnalysis(available=False, currency=(settings.get("ui") or {}).get("currency", "USD"),
                         window_days=window, negative_kinds=kinds)
    if not _has_table(con, "customers") or not _scalar(con, "SELECT count(*) FROM customers"):
        base.message = f"No customer data yet: {LOAD_CUSTOMERS_HINT}."
        return base
    currencies = [r[0] for r in con.execute("SELECT DISTINCT currency FROM customers WHERE currency IS NOT NULL").fetchall()]
    if len(currencies) == 1:
        base.currency = currencies[0]
    elif len(currencies) > 1:
        base.notes.append(f"customers.currency holds {len(currencies)} currencies ({', '.join(sorted(currencies))}); "
                          f"revenue is summed as is (no conversion) and shown in {base.currency} from settings ui.currency")

    ticket_table, ticket_note = _ticket_source(con)
    if ticket_note:
        base.notes.append(ticket_note)
    has_calls, has_surveys = _has_rows(con, "calls"), _has_rows(con, "surveys")
    support_start, latest, customer_start = _observation_bounds(con, ticket_table, has_calls, has_surveys)
    if as_of is None:
        end = latest
    elif isinstance(as_of, dt.datetime):
        end = as_of
    else:  # a date: the whole (local, metrics.report_timezone) day counts
        from metrics import clock

        end = clock.utc_end(as_of, clock.report_tz(settings.get("metrics") or {})) - dt.timedelta(microseconds=1)
    base.stated_reasons = _stated_reasons(con, list(churn["support_reason_keywords"]), end)
    if not base.stated_reasons["churned"]:
        base.message = ("No churned customers in the customer list: load one with churn dates or a churn status "
                        "(e.g. a `churned_at` or `churned` column) so churn can be compared.")
        return base
    if end is None:
        base.available = True
        base.message = ("The customer list has no start or churn dates and no support data is loaded, so churn cannot "
                        "be compared; only stated churn reasons are shown. Load support exports (tickets, calls, "
                        "surveys) whose customer id matches the customer list, and churn dates.")
        return base
    base.as_of = end.isoformat(sep=" ", timespec="seconds")
    start = support_start or customer_start
    base.period_start = support_start.isoformat(sep=" ", timespec="seconds") if support_start else None

    frame = _customer_frame(con, churn, negative, settings.get("metrics", {}).get("short_abandon_seconds", 5), end,
                            ticket_table, has_calls, has_surveys)

    frame, base.excluded = _cohort(frame, end, support_start)
    frame = _with_strata_columns(frame, (start or end).date())
    base.available = True
    base.customers = frame.height
    base.churned = int(frame["churned"].sum())
    # Churn is counted from the first churn date among the compared customers (or the first support
    # record, if later): an export that lists only last year's churners covers one year, however old
    # the tickets are. Rates per year and per month use this period.
    first_churn = frame.filter(pl.col("churned"))["churned_at"].min()
    churn_start = max([d for d in (start, first_churn and dt.datetime.combine(first_churn, dt.time())) if d is not None],
                      default=None)
    base.churn_period_start = churn_start.isoformat(sep=" ", timespec="seconds") if churn_start else None
    if churn_start is not None:
        base.period_months = max((end - churn_start).total_seconds() / 86400 / DAYS_PER_MONTH, 0.0)
    exposed = frame.filter(pl.col("negatives") > 0)
    unexposed = frame.filter(pl.col("negatives") == 0)
    a, n1 = int(exposed["churned"].sum()), exposed.height
    c, n0 = int(unexposed["churned"].sum()), unexposed.height

    if ticket_table is None and not has_calls and not has_surveys:
        base.message = ("No support data (tickets, calls or surveys) is loaded, so nobody can be compared; only stated "
                        "churn reasons are shown. Load support exports whose customer id matches the customer list.")
    elif base.churned == 0:
        base.message = ("No churned customer can be placed in the period the support data covers ("
                        + (", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in base.excluded.items()) or "none churned")
                        + "). Load churn dates (a churn date column in the customer list) for churned customers.")
    elif n1 == 0:
        base.message = ("No customer in the list had a negative support experience in the window before their outcome. "
                        "If that is unexpected, check that tickets.customer_id / calls.customer_id / surveys.customer_id "
                        "hold the same ids as customers.source_id.")
    elif n0 == 0:
        base.message = "Every customer had a negative support experience: there is nobody to compare them with."
    if n1 and n0 and base.churned:
        base.crude = _compare(a, n1, c, n0, newcombe(a, n1, c, n0), base.churned,
                              "crude: risk difference with Newcombe's hybrid score interval (Wilson)")
        dims = [d for d in ("plan", "segment", "tenure_band") if frame[d].n_unique() > 1]
        if dims:
            base.stratified, note = _stratified(frame, dims, a, n1, c, n0, base.churned)
            base.stratified_by = dims if base.stratified else []
            if note:
                base.notes.append(note)
        base.headline = "stratified" if base.stratified else "crude"

    doses = frame.with_columns(pl.col("negatives").clip(upper_bound=3).alias("dose"))
    for i, label in enumerate(DOSE_LABELS):
        grp = doses.filter(pl.col("dose") == i)
        n, k = grp.height, int(grp["churned"].sum())
        base.dose_response.append(Rate(label, n, k, wilson(k, n)))

    headline = base.estimate
    base.stated_reasons["measured_attributable_churned"] = (
        dataclasses.asdict(headline.attributable_churned) if headline else None)
    base.money = _money(frame, headline, churn, settings, end, churn_start)
    base.what_if_data = {
        "negatives_histogram": [
            {"negatives": int(r["negatives"]), "breach": int(r["breach_negatives"]), "slow": int(r["slow_negatives"]),
             "customers": int(r["len"])}
            for r in exposed.group_by(["negatives", "breach_negatives", "slow_negatives"]).len()
            .sort(["negatives", "breach_negatives", "slow_negatives"]).iter_rows(named=True)],
        **_frt_profile(con, ticket_table, negative),
    }
    return base


def _money(frame: pl.DataFrame, headline: Comparison | None, churn: dict, settings: dict, end: dt.datetime,
           start: dt.datetime | None) -> dict:
    horizon = float(churn["horizon_months"])
    margin = float(churn["gross_margin"])
    multiple = float(churn["acquisition_cost_multiple"])
    revenue = frame.filter(pl.col("monthly_revenue").is_not_null())
    arpu = float(revenue["monthly_revenue"].mean()) if revenue.height else None
    exposed_churned = revenue.filter(pl.col("churned") & (pl.col("negatives") > 0))
    exposed_churned_revenue = float(exposed_churned["monthly_revenue"].mean()) if exposed_churned.height else arpu

    monthly_churn = customer_months = None
    if start is not None:
        period_start = start.date()
        begin = pl.max_horizontal(pl.col("started_at").fill_null(pl.lit(period_start)), pl.lit(period_start))
        stop = pl.when(pl.col("churned")).then(pl.col("churned_at")).otherwise(pl.lit(end.date()))
        days = frame.select(((stop - begin).dt.total_days().clip(lower_bound=0)).sum()).item()
        customer_months = float(days or 0) / DAYS_PER_MONTH
        churned_in_period = int(frame["churned"].sum())
        if customer_months > 0 and churned_in_period:
            monthly_churn = churned_in_period / customer_months
    ltv = arpu * margin / monthly_churn if arpu is not None and monthly_churn else None

    cost_months = float(churn.get("retention_cost_months", 1.0))
    cost_to_retain = churn.get("cost_to_retain")
    cost_to_retain = float(cost_to_retain) if cost_to_retain is not None else (arpu * cost_months if arpu is not None else None)
    acquisition_cost = cost_to_retain * multiple if cost_to_retain is not None else None

    recent = frame.filter(~pl.col("churned") & pl.col("recent_negative"))
    at_risk_monthly = float(recent["monthly_revenue"].fill_null(0).sum())
    attributable = headline.attributable_churned if headline else Interval(None)
    return {
        "currency_note": "revenue columns summed as loaded",
        "horizon_months": horizon,
        "gross_margin": margin,
        "arpu_monthly": arpu,
        "customers_with_revenue": revenue.height,
        "exposed_churned_mean_monthly_revenue": exposed_churned_revenue,
        "customer_months": customer_months,
        "monthly_churn_rate": monthly_churn,
        "ltv": ltv,
        "lost_revenue_horizon": dataclasses.asdict(attributable.scaled(
            exposed_churned_revenue * horizon if exposed_churned_revenue is not None else None)),
        "lost_lifetime_value": dataclasses.asdict(attributable.scaled(ltv)),
        "revenue_at_risk_customers": recent.height,
        "revenue_at_risk_monthly": at_risk_monthly,
        "revenue_at_risk_horizon": at_risk_monthly * horizon,
        "recent_days": RECENT_DAYS,
        "cost_to_retain": cost_to_retain,
        "cost_to_retain_basis": ("settings churn.cost_to_retain" if churn.get("cost_to_retain") is not None
                                 else f"{cost_months:g} month(s) of ARPU"),
        "acquisition_cost_multiple": multiple,
        "acquisition_cost": acquisition_cost,
        "replacement_cost": dataclasses.asdict(attributable.scaled(acquisition_cost)),
    }
