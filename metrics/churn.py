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

import duckdb
import polars as pl

from metrics.churn_stats import Z95, Interval, Rate, mantel_haenszel_rd, newcombe, wilson  # noqa: F401  (re-exported)

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
    mode: str = "dated"                      # 'dated' (churn dates) | 'snapshot' (flags only: a list as of a date)
    message_code: str = ""                   # why the comparison cannot be made (pages translate it)
    message_params: dict = field(default_factory=dict)
    snapshot: dict = field(default_factory=dict)   # metrics/churn_snapshot.py: rate, revenue, hazard, LTV
    in_list: dict = field(default_factory=dict)    # metrics/churn_inlist.py: the list's own support columns
    joins: dict = field(default_factory=dict)      # which support records join the list on the customer id

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
    churn.setdefault("leakage_accuracy", 0.95)
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


CUSTOMER_VIEW = "churn_customers_latest"


def read_customers(con) -> pl.DataFrame:
    """The latest row per customer id (latest load wins), every canonical column; columns an older
    database lacks come back empty (a writer adds them: loaders.store.init_schema)."""
    from loaders import schema

    present = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'customers' "
        "AND table_schema = current_schema()").fetchall()}
    cols = [f'"{c.name}"' if c.name in present else f'NULL::{c.type} AS "{c.name}"' for c in schema.columns("customers")]
    return con.sql(f"SELECT {', '.join(cols)} FROM customers WHERE source_id IS NOT NULL "
                   "QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY load_id DESC NULLS LAST, source) = 1 "
                   "ORDER BY source_id").pl()


def _customer_frame(con, customers: pl.DataFrame, churn: dict, negative: dict, short_abandon_seconds: float,
                    as_of: dt.datetime, ticket_table: str | None, has_calls: bool, has_surveys: bool,
                    snapshot: bool) -> pl.DataFrame:
    """One row per customer: churn outcome, window counts of negative contacts (total, with an SLA
    breach, with a slow first reply), and a negative contact in the last 30 days.

    Dated lists: the window is ``window_days`` before the churn date (or the end). Snapshot lists
    (churn flags, no dates): the window is the whole tenure up to the as-of date, and undated
    survey responses count (they need no timing)."""
    slow_minutes = float(negative["slow_first_reply_hours"]) * 60
    bad_max = float(negative["bad_csat_max"])
    parts = [f"SELECT contact, customer_id, contact_at, breach, reopened, slow, repeat_flag, false AS bad_csat, "
             f"false AS detractor, false AS abandoned FROM tickets_c"]
    params: list = [slow_minutes]
    if has_surveys:
        # A survey on a ticket is the same contact as the ticket (one contact counts once). The answers
        # of one form (a wide sheet's row: NPS and CSAT questions, ids 'R1:1', 'R1:2') are one contact too:
        # same base id, customer and time.
        parts.append(
            "SELECT coalesce(tk.contact, 'survey:' || coalesce(s.source, '') || ':' || "
            "  regexp_replace(s.source_id, ':[0-9]+$', '') || ':' || coalesce(s.customer_id, '') || ':' || "
            "  coalesce(CAST(s.responded_at AS VARCHAR), '')) AS contact, "
            "coalesce(s.customer_id, tk.customer_id) AS customer_id, coalesce(tk.contact_at, s.responded_at) AS contact_at, "
            "false, false, false, false, "
            "s.kind = 'csat' AND s.score IS NOT NULL AND "
            "  1 + 4 * (s.score - coalesce(s.scale_min, 1)) / nullif(coalesce(s.scale_max, 5) - coalesce(s.scale_min, 1), 0) <= ?, "
            "s.kind = 'nps' AND s.score IS NOT NULL AND "
            "  10 * (s.score - coalesce(s.scale_min, 0)) / nullif(coalesce(s.scale_max, 10) - coalesce(s.scale_min, 0), 0) <= 6, "
            "false FROM surveys s LEFT JOIN ticket_keys tk ON tk.ticket_key = s.ticket_id "
            "WHERE s.responded_at IS NOT NULL OR ?")
        params += [bad_max, snapshot]
    if has_calls:
        parts.append(
            "SELECT 'call:' || coalesce(source, '') || ':' || source_id, customer_id, queued_at, false, false, false, false, "
            "false, false, true FROM calls WHERE outcome = 'abandoned' AND coalesce(wait_seconds, 1e18) >= ? "
            "AND queued_at IS NOT NULL")
        params.append(float(short_abandon_seconds))
    flags = [bool(negative[k]) for k in ("sla_breach", "reopened", "slow_first_reply", "repeat_contact", "bad_csat",
                                          "nps_detractor", "abandoned_call")]
    window = int(churn["window_days"])
    in_window = ("n.customer_id IS NOT NULL AND ((n.contact_at IS NULL AND ?) OR (n.contact_at < o.outcome_end "
                 "AND (? OR n.contact_at >= o.outcome_end - to_days(?))))")
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
               joined, tenure_months,
               CASE WHEN churned IS NULL AND churned_at IS NULL THEN NULL
                    ELSE coalesce(churned, churned_at IS NOT NULL) AND (churned_at IS NULL OR churned_at <= ?::DATE) END
                 AS is_churned
        FROM {CUSTOMER_VIEW}),
    outcome AS (
        SELECT *, CASE WHEN is_churned AND NOT ? THEN churned_at::TIMESTAMP + INTERVAL 1 DAY
                       ELSE ?::TIMESTAMP + INTERVAL 1 MICROSECOND END AS outcome_end
        FROM cust)
    SELECT o.source_id, o.segment, o.plan, o.started_at, o.churned_at, o.is_churned AS churned, o.churn_category,
           o.churn_reason, o.monthly_revenue, o.joined, o.tenure_months, o.outcome_end,
           count(*) FILTER (WHERE {in_window}) AS negatives,
           count(*) FILTER (WHERE n.breach AND {in_window}) AS breach_negatives,
           count(*) FILTER (WHERE n.slow AND {in_window}) AS slow_negatives,
           count(n.contact_at) FILTER (WHERE n.contact_at >= ?::TIMESTAMP - to_days(?) AND n.contact_at <= ?::TIMESTAMP) > 0 AS recent_negative
    FROM outcome o LEFT JOIN negatives n ON n.customer_id = o.source_id
    GROUP BY ALL
    """
    win = [snapshot, snapshot, window]
    params = (params + [flags[0], flags[2]] + flags + [as_of.date(), snapshot, as_of] + win * 3
              + [as_of, RECENT_DAYS, as_of])
    con.register(CUSTOMER_VIEW, customers.to_arrow())
    try:
        return con.sql(sql, params=params).pl()
    finally:
        con.unregister(CUSTOMER_VIEW)


def _joins(con, customers: pl.DataFrame, ticket_table: str | None, has_calls: bool, has_surveys: bool) -> dict:
    """Which loaded support records join the customer list on the customer id, per table."""
    out: dict = {"tables": {}, "customers_joined": 0, "ids_from_rows": bool(
        customers.height and customers.get_column("id_from_row").fill_null(False).all())}
    parts = []
    for name, table, enabled in (("tickets", ticket_table, ticket_table is not None), ("calls", "calls", has_calls),
                                 ("surveys", "surveys", has_surveys)):
        if enabled:
            parts.append((name, table))
    if not parts:
        return out
    con.register(CUSTOMER_VIEW, customers.select("source_id").to_arrow())
    try:
        for name, table in parts:
            records, with_id, ids, matching = _one(con, f"""
                SELECT count(*), count(customer_id), count(DISTINCT customer_id),
                       count(DISTINCT customer_id) FILTER (WHERE customer_id IN (SELECT source_id FROM {CUSTOMER_VIEW}))
                FROM {table}""")
            example = _one(con, f"SELECT min(customer_id) FROM {table} WHERE customer_id IS NOT NULL "
                                f"AND customer_id NOT IN (SELECT source_id FROM {CUSTOMER_VIEW})")
            out["tables"][name] = {"records": records, "with_customer_id": with_id, "customer_ids": ids,
                                   "matching_customers": matching, "unmatched_example": example[0] if example else None}
        union = " UNION ".join(f"SELECT customer_id FROM {table}" for _, table in parts)
        joined = [r[0] for r in con.execute(
            f"SELECT source_id FROM {CUSTOMER_VIEW} WHERE source_id IN ({union})").fetchall()]
    finally:
        con.unregister(CUSTOMER_VIEW)
    out["customers_joined"] = len(joined)
    out["joined_ids"] = joined
    out["list_example"] = customers.get_column("source_id").head(1).to_list()[0] if customers.height else None
    return out


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


def _cohort(frame: pl.DataFrame, end: dt.datetime, support_start: dt.datetime | None,
            snapshot: bool) -> tuple[pl.DataFrame, dict]:
    """Customers whose outcome can be compared, and how many were left out for which reason.
    Dated lists: a dated outcome inside the period the support data covers. Snapshot lists: a known
    churn flag; customers who joined during the period are counted apart."""
    churned_at, started_at = pl.col("churned_at"), pl.col("started_at")
    rules = {"outcome_unknown": pl.col("churned").is_null()}
    if snapshot:
        rules["joined_during_period"] = ~pl.col("churned") & pl.col("joined").fill_null(False)
    else:
        rules["churned_without_date"] = pl.col("churned") & churned_at.is_null()
    rules["started_after_end"] = started_at.is_not_null() & (started_at > pl.lit(end.date()))
    rules["churned_before_start"] = churned_at.is_not_null() & started_at.is_not_null() & (churned_at < started_at)
    if support_start is not None and not snapshot:
        rules["churned_before_support_data"] = pl.col("churned") & (churned_at < pl.lit(support_start.date()))
    excluded = {}
    for reason, rule in rules.items():  # in order: a customer is counted under the first reason only
        dropped = frame.filter(rule.fill_null(False))
        if dropped.height:
            excluded[reason] = dropped.height
        frame = frame.filter(~rule.fill_null(False))
    return frame, excluded


def _with_strata_columns(frame: pl.DataFrame, reference: dt.date, snapshot: bool) -> pl.DataFrame:
    """Tenure band at the start of the period (see _tenure_band_expr), and '(none)' for a missing
    plan or segment. A snapshot has no period start: its tenure is the list's, which for churners
    ends when they left, so it is kept for information and never used as a stratum."""
    months = (pl.col("tenure_months") if snapshot
              else (pl.lit(reference) - pl.col("started_at")).dt.total_days() / DAYS_PER_MONTH)
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


def _say(base: ChurnAnalysis, code: str, text: str, **params) -> None:
    """Why the comparison cannot be made: English text, and a code + figures the pages translate."""
    base.message, base.message_code, base.message_params = text, code, params


def _say_no_support(base: ChurnAnalysis) -> None:
    if base.in_list.get("available"):
        _say(base, "no_support_data_in_list", "No tickets, calls or surveys are loaded, so churn attributable to support "
             "is measured only from the list's own support columns (above).")
    else:
        _say(base, "no_support_data", "No tickets, calls or surveys are loaded and the list has no support columns "
             "(service calls, complaint, satisfaction), so churn attributable to support cannot be measured; load "
             "support exports whose customer id matches the list.")


def _end_of(as_of, settings: dict, latest: dt.datetime | None) -> dt.datetime | None:
    if as_of is None:
        return latest
    if isinstance(as_of, dt.datetime):
        return as_of
    from metrics import clock  # a date: the whole (local, metrics.report_timezone) day counts

    return clock.utc_end(as_of, clock.report_tz(settings.get("metrics") or {})) - dt.timedelta(microseconds=1)


def _why_nothing_joins(base: ChurnAnalysis) -> bool:
    """Say so when support records are loaded but none joins the list; True when that is the case."""
    joins = base.joins
    if not joins.get("tables") or joins.get("customers_joined"):
        return False
    if joins.get("ids_from_rows"):
        _say(base, "ids_from_rows", "Nothing joins: the customer list has no customer id (its rows are numbered), so "
             "tickets, calls and surveys cannot be matched to its customers. Add the customer id column to the list "
             "to measure churn attributable to support.")
        return True
    tables = joins["tables"]
    records = sum(t["records"] for t in tables.values())
    with_id = sum(t["with_customer_id"] for t in tables.values())
    example = next((t["unmatched_example"] for t in tables.values() if t["unmatched_example"]), None)
    if not with_id:
        _say(base, "no_customer_ids", f"Nothing joins: none of the {records:,} loaded tickets, calls or survey responses "
             "carries a customer id, so none can be matched to the customer list.", records=records)
    else:
        _say(base, "nothing_joins", f"Nothing joins: none of the customer ids on {with_id:,} loaded tickets, calls or survey "
             f"responses is in the customer list (for example {example!r} against the list's {joins.get('list_example')!r}); "
             "check that both hold the same id.", records=with_id, example=example, list_example=joins.get("list_example"))
    return True


def analyse(con, settings: dict | None = None, as_of: dt.date | dt.datetime | None = None) -> ChurnAnalysis:
    settings = _settings(settings)
    churn, negative = _churn_settings(settings)
    window = int(churn["window_days"])
    kinds = {k: negative[k] for k in NEGATIVE_KINDS} | {"bad_csat_max": negative["bad_csat_max"],
                                                         "slow_first_reply_hours": negative["slow_first_reply_hours"]}
    base = ChurnAnalysis(available=False, currency=(settings.get("ui") or {}).get("currency", "USD"),
                         window_days=window, negative_kinds=kinds)
    if not _has_table(con, "customers") or not _scalar(con, "SELECT count(*) FROM customers"):
        _say(base, "no_customers", f"No customer data yet: {LOAD_CUSTOMERS_HINT}.")
        return base
    currencies = [r[0] for r in con.execute("SELECT DISTINCT currency FROM customers WHERE currency IS NOT NULL").fetchall()]
    if len(currencies) == 1:
        base.currency = currencies[0]
    elif len(currencies) > 1:
        base.notes.append(f"customers.currency holds {len(currencies)} currencies ({', '.join(sorted(currencies))}); "
                          f"revenue is summed as is (no conversion) and shown in {base.currency} from settings ui.currency")

    from metrics import calculator, churn_inlist, churn_reasons, churn_snapshot

    customers = read_customers(con)
    ticket_table, ticket_note = _ticket_source(con)
    if ticket_note:
        base.notes.append(ticket_note)
    has_calls, has_surveys = _has_rows(con, "calls"), _has_rows(con, "surveys")
    support_start, latest, customer_start = _observation_bounds(con, ticket_table, has_calls, has_surveys)
    # A list whose churners carry no churn date is a snapshot: outcomes as of the list's date.
    churners = customers.filter(pl.col("churned").fill_null(False) | pl.col("churned_at").is_not_null())
    snapshot = churners.height > 0 and churners.get_column("churned_at").is_null().all()
    base.mode = "snapshot" if snapshot else "dated"
    list_as_of = customers.get_column("as_of").max()
    if snapshot and list_as_of is not None:
        end = dt.datetime.combine(list_as_of, dt.time(23, 59, 59))
        if as_of is not None and _end_of(as_of, settings, latest).date() != list_as_of:
            base.notes.append(f"the customer list describes {list_as_of.isoformat()} (its as-of date); churn figures are "
                              f"as of that date, not {as_of}")
    else:
        end = _end_of(as_of, settings, latest)
    fallback_arpu = calculator.defaults(settings).arpu_monthly
    as_seen = customers
    if not snapshot and end is not None:
        # A dated list seen at the end of observation: a later churn date means still a customer then.
        later = pl.col("churned_at") > pl.lit(end.date())
        as_seen = customers.with_columns(pl.when(later).then(False).otherwise(pl.col("churned")).alias("churned"),
                                         pl.when(later).then(None).otherwise(pl.col("churned_at")).alias("churned_at"),
                                         pl.lit(end.date()).alias("as_of"))
    base.snapshot = churn_snapshot.figures(as_seen, settings, end.date() if end else None, fallback_arpu)
    if not snapshot and end is not None:
        base.snapshot["as_of_basis"] = "data"
    base.in_list = churn_inlist.analyse(customers, settings, fallback_arpu)
    base.joins = _joins(con, customers, ticket_table, has_calls, has_surveys)
    in_time = (customers.filter(pl.col("churned_at").is_null() | (pl.col("churned_at") <= pl.lit(end.date())))
               if end else customers)
    base.stated_reasons = churn_reasons.stated_reasons(in_time, settings)
    if base.in_list.get("available") and base.joins.get("customers_joined"):
        overlap = base.in_list["overlap_with_loaded"] = int(customers.filter(
            pl.col("source_id").is_in(base.joins["joined_ids"])
            & pl.any_horizontal(pl.col(c).is_not_null() for c in ("support_contacts", "complained", "satisfaction_score"))
        ).height)
        if overlap:
            base.notes.append(f"{overlap:,} customers have support columns in the list and loaded tickets, calls or surveys "
                              "too: the in-list figures use only the list's columns, the measured comparison only the "
                              "loaded records; they are never added together")
    base.joins.pop("joined_ids", None)
    if not churners.height:
        _say(base, "no_churned", "No churned customers in the customer list: load one with churn dates or a churn flag "
             "or status (Churn Yes/No, Exited 1/0, Customer Status Churned/Stayed) so churn can be compared.")
        return base
    base.available = True
    if end is None:  # no dates anywhere: no support data and a list without dates or an as-of date
        _say_no_support(base)
        return base
    base.as_of = end.isoformat(sep=" ", timespec="seconds")
    start = support_start or customer_start
    base.period_start = support_start.isoformat(sep=" ", timespec="seconds") if support_start else None
    if has_surveys and not snapshot:
        undated = _scalar(con, "SELECT count(*) FROM surveys WHERE responded_at IS NULL")
        if undated:
            base.notes.append(f"{undated:,} survey responses have no date: they cannot be placed in the window before a "
                              "churn date and are left out of the comparison (a snapshot list counts them)")

    frame = _customer_frame(con, customers, churn, negative, settings.get("metrics", {}).get("short_abandon_seconds", 5),
                            end, ticket_table, has_calls, has_surveys, snapshot)
    frame, base.excluded = _cohort(frame, end, support_start, snapshot)
    frame = _with_strata_columns(frame, (start or end).date(), snapshot)
    base.customers = frame.height
    base.churned = int(frame["churned"].sum())
    churn_start = None
    if not snapshot:
        # Churn is counted from the first churn date among the compared customers (or the first support
        # record, if later): an export that lists only last year's churners covers one year, however old
        # the tickets are. Rates per year and per month use this period.
        first_churn = frame.filter(pl.col("churned"))["churned_at"].min()
        churn_start = max([d for d in (start, first_churn and dt.datetime.combine(first_churn, dt.time())) if d is not None],
                          default=None)
        base.churn_period_start = churn_start.isoformat(sep=" ", timespec="seconds") if churn_start else None
        if churn_start is not None:
            base.period_months = max((end - churn_start).total_seconds() / 86400 / DAYS_PER_MONTH, 0.0)
    else:
        base.notes.append("snapshot list: churn flags without dates, so every support record up to the as-of date counts "
                          "(the exposure window is the whole tenure) and contacts after a customer left cannot be told "
                          "apart; rates have no period (docs/churn.md, 'Snapshot lists')")
    exposed = frame.filter(pl.col("negatives") > 0)
    unexposed = frame.filter(pl.col("negatives") == 0)
    a, n1 = int(exposed["churned"].sum()), exposed.height
    c, n0 = int(unexposed["churned"].sum()), unexposed.height

    no_support = ticket_table is None and not has_calls and not has_surveys
    if no_support:
        _say_no_support(base)
    elif _why_nothing_joins(base):
        pass
    elif base.churned == 0:
        _say(base, "no_churn_in_period", "No churned customer can be placed in the period the support data covers ("
             + (", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in base.excluded.items()) or "none churned")
             + "). Load churn dates (a churn date column in the customer list) for churned customers.",
             excluded=dict(base.excluded))
    elif n1 == 0:
        _say(base, "none_exposed", "No customer in the list had a negative support experience "
             + ("while a customer (up to the as-of date)" if snapshot else "in the window before their outcome")
             + f"; {base.joins.get('customers_joined', 0):,} customers have support records at all.",
             joined=base.joins.get("customers_joined", 0))
    elif n0 == 0:
        _say(base, "all_exposed", "Every customer had a negative support experience: there is nobody to compare them with.")
    if n1 and n0 and base.churned:
        base.crude = _compare(a, n1, c, n0, newcombe(a, n1, c, n0), base.churned,
                              "crude: risk difference with Newcombe's hybrid score interval (Wilson)")
        dims = [d for d in (("plan", "segment") if snapshot else ("plan", "segment", "tenure_band"))
                if frame[d].n_unique() > 1]
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
    hazard = (base.snapshot.get("monthly_churn") or {}).get("estimate") if snapshot else None
    base.money = _money(frame, headline, churn, settings, end, churn_start,
                        (hazard, base.snapshot.get("customer_months")) if snapshot else None,
                        base.snapshot.get("arpu") if base.snapshot.get("arpu_basis") == "list" else None)
    if not snapshot and base.money.get("monthly_churn_rate") and base.snapshot.get("available"):
        # A dated list: one monthly churn on the page, the churn period's (customer-months at risk),
        # not the tenure-based one, which counts years before the churners the export lists.
        churn_snapshot.with_monthly_churn(base.snapshot, base.churned, base.money["customer_months"], "period")
    base.stated_reasons["measured"] = _measured_beside_reasons(base, headline)
    base.stated_reasons["difference"] = churn_reasons.difference(base.stated_reasons, base.stated_reasons["measured"])
    base.stated_reasons["measured_attributable_churned"] = (
        dataclasses.asdict(headline.attributable_churned) if headline else None)
    base.what_if_data = {
        "negatives_histogram": [
            {"negatives": int(r["negatives"]), "breach": int(r["breach_negatives"]), "slow": int(r["slow_negatives"]),
             "customers": int(r["len"])}
            for r in exposed.group_by(["negatives", "breach_negatives", "slow_negatives"]).len()
            .sort(["negatives", "breach_negatives", "slow_negatives"]).iter_rows(named=True)],
        **_frt_profile(con, ticket_table, negative),
    }
    return base


def _measured_beside_reasons(base: ChurnAnalysis, headline: Comparison | None) -> dict | None:
    """The statistical estimate shown next to the stated reasons: the measured comparison on loaded
    support data, else the list's own headline support column; None when neither exists."""
    if headline is not None:
        each = (base.money or {}).get("exposed_churned_mean_monthly_revenue")
        lost = headline.attributable_churned.scaled(each).estimate if each is not None else None
        return {"source": "loaded", "label": "negative support experience (tickets, calls, surveys)",
                **dataclasses.asdict(headline.attributable_churned), "monthly_revenue": lost, "revenue_basis": "list"}
    in_list = base.in_list or {}
    signal = in_list.get("headline")
    if not signal:
        return None
    comp = in_list[signal]["comparison"]
    cost = comp.get("cost_monthly") or {}
    return {"source": "in_list", "signal": signal, "label": comp["exposed_label"], **comp["attributable_churned"],
            "monthly_revenue": cost.get("estimate"), "revenue_basis": comp.get("revenue_basis")}


def _money(frame: pl.DataFrame, headline: Comparison | None, churn: dict, settings: dict, end: dt.datetime,
           start: dt.datetime | None, from_tenure: tuple[float | None, float | None] | None = None,
           list_arpu: float | None = None) -> dict:
    """Money of the comparison. ``from_tenure`` (snapshot lists): the monthly churn and customer-months
    from tenure (metrics/churn_snapshot.py), as there is no churn period to count them in.
    ``list_arpu``: the mean monthly charge of every customer in the list (the snapshot's ARPU), so
    the page shows one ARPU; else the mean over the compared customers."""
    horizon = float(churn["horizon_months"])
    margin = float(churn["gross_margin"])
    multiple = float(churn["acquisition_cost_multiple"])
    revenue = frame.filter(pl.col("monthly_revenue") >= 0)  # credits and refunds stay out of revenue
    arpu = list_arpu if list_arpu is not None else (float(revenue["monthly_revenue"].mean()) if revenue.height else None)
    exposed_churned = revenue.filter(pl.col("churned") & (pl.col("negatives") > 0))
    exposed_churned_revenue = float(exposed_churned["monthly_revenue"].mean()) if exposed_churned.height else arpu

    monthly_churn = customer_months = None
    if from_tenure is not None:
        monthly_churn, customer_months = from_tenure
        monthly_churn = monthly_churn or None
    elif start is not None:
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
    at_risk_monthly = float(recent.filter(pl.col("monthly_revenue") >= 0)["monthly_revenue"].sum())
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
