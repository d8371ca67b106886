"""Contact drivers: what customers contact support about, by volume, trend and cost.

Each ticket gets one *driver*:

1. its category (``category``: the export's category, type or topic), when set, in lower case (so that
   "Billing" and "billing" from two exports are one driver);
2. else its first tag (lower case), when it has tags;
3. else a *text cluster* of its subject (and description, where the export has one): TF-IDF over
   words and two-word phrases (scikit-learn, offline) with the English and Russian stop-word lists
   of the ``stop-words`` package, grouped by k-means (a fixed seed: the same data gives the same
   clusters); a cluster is named by its three heaviest terms ("refund / return / order").
   Fewer than 20 such tickets are one group, "(no category)".

Per driver, over tickets created in the period: tickets and share; trend (share in the last 28 days
of the period against the rest, and weekly counts); cost: median resolution time and its ratio to
the median of all tickets (the exports carry no agent handle time: resolution time stands in for
it and is named so), reopen rate, bad CSAT share (linked CSAT responses at or below
``churn.negative.bad_csat_max`` on 1-5), and churned customers attributed by *last touch*: a
churned customer whose last ticket in the ``churn.window_days`` (90) days before their churn date
was about this driver (association, not cause), with their monthly revenue.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from metrics import clock
from metrics.filters import Filters, MissingDimension
from metrics.operations import common as C

NO_CATEGORY = "(no category)"
MIN_TEXTS = 20
MAX_FIT = 50_000
RECENT_DAYS = 28
TOKEN = r"(?u)\b[^\W\d_]{3,}\b"  # words of three letters or more, any alphabet, no digits


def stop_words() -> list[str]:
    """English and Russian stop words (the stop-words package ships them; nothing is downloaded)."""
    import re

    from stop_words import get_stop_words

    words = {w.lower() for w in get_stop_words("english") + get_stop_words("russian")}
    # the lists hold contractions ("ain't"): add the pieces the tokenizer cuts them into
    return sorted(words | {piece for w in words for piece in re.findall(TOKEN, w)})


def cluster_texts(texts: list[str], k: int | None = None, seed: int = 0) -> tuple[list[str], dict]:
    """A label per text (its cluster's three heaviest terms) and the clustering's terms.

    k: clusters (None = automatic: about one per 50 texts, 2 to 10). Texts with no term left after
    the stop words fall in "(no category)"."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    if n < MIN_TEXTS:
        return [NO_CATEGORY] * n, {"clusters": 0, "terms": []}
    vectorizer = TfidfVectorizer(lowercase=True, token_pattern=TOKEN, stop_words=stop_words(), ngram_range=(1, 2),
                                 min_df=2, max_df=0.6, sublinear_tf=True, norm="l2")
    fit_texts = texts if n <= MAX_FIT else [texts[i] for i in range(0, n, -(-n // MAX_FIT))]
    try:
        matrix = vectorizer.fit_transform(fit_texts)
    except ValueError:  # nothing left after the stop words
        return [NO_CATEGORY] * n, {"clusters": 0, "terms": []}
    terms = vectorizer.get_feature_names_out()
    k = int(k) if k else max(2, min(10, round((len(fit_texts) / 50) ** 0.5)))
    k = min(k, matrix.shape[0])
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(matrix)
    names = []
    for centre in model.cluster_centers_:
        top = [terms[i] for i in centre.argsort()[::-1][:3] if centre[i] > 0]
        names.append(" / ".join(top) or NO_CATEGORY)
    everything = vectorizer.transform(texts) if fit_texts is not texts else matrix
    empty = (everything.getnnz(axis=1) == 0)
    labels = model.predict(everything)
    weights = matrix.sum(axis=0).A1
    top_terms = [terms[i] for i in weights.argsort()[::-1][:20]]
    return [NO_CATEGORY if e else names[c] for c, e in zip(labels, empty)], {"clusters": k, "terms": top_terms}


def analyse(con, filters: Filters | None = None, settings: dict | None = None, top: int | None = None) -> dict:
    filters = filters or Filters()
    s = C.settings_for("drivers", settings)
    top = int(top or s["top"])
    if not C.has_rows(con, "ticket_metrics"):
        return C.unavailable("no tickets loaded")
    try:
        where, params = C.ticket_where(filters)
    except MissingDimension as exc:
        return C.unavailable(C.missing_note("tickets", exc.dim))
    # one driver whatever the case of its spelling ("Billing" in one export, "billing" in another)
    first_tag = "nullif(lower(split_part(trim(coalesce(f.tags, '')), ' ', 1)), '')"
    category = "nullif(lower(trim(f.category)), '')"
    has_description = C.table_exists(con, "tickets") and "description" in C.columns(con, "tickets")
    text = "coalesce(f.subject, '')"
    join = ""
    if has_description:
        join = "LEFT JOIN (SELECT source, source_id, description FROM tickets) d ON d.source = f.source AND d.source_id = f.source_id"
        text = "coalesce(f.subject, '') || ' ' || coalesce(d.description, '')"
    uncategorised = C.rows(con, f"SELECT f.source, f.source_id, {text} AS text FROM ticket_metrics f {join} "
                                f"WHERE {category} IS NULL AND {first_tag} IS NULL AND ({where}) ORDER BY f.created_at, f.source_id",
                           params)
    clusters = {"clusters": 0, "terms": []}
    assigned = pl.DataFrame(schema={"source": pl.String, "source_id": pl.String, "driver": pl.String})
    if uncategorised:
        labels, clusters = cluster_texts([r["text"] for r in uncategorised], int(s["text_clusters"]) or None)
        assigned = pl.DataFrame({"source": [r["source"] for r in uncategorised],
                                 "source_id": [r["source_id"] for r in uncategorised], "driver": labels},
                                schema=assigned.schema)
    name = "_ops_text_drivers"
    con.register(name, assigned)
    try:
        out = _figures(con, filters, settings, where, params, category, first_tag, name, top)
    finally:
        con.unregister(name)
    out["text"] = {"tickets": len(uncategorised), **clusters, "description": has_description}
    if uncategorised and not has_description:
        out["notes"].append(f"{len(uncategorised):,} tickets have no category and no tags: grouped by the words of their "
                            "subject (the export has no description text)")
    return C.json_safe(out)


def _figures(con, filters, settings, where, params, category, first_tag, text_table, top) -> dict:
    churn = C.churn_settings(settings)
    window = int(churn.get("window_days", 90))
    bad_max = float((churn.get("negative") or {}).get("bad_csat_max", 2))
    driver = f"coalesce({category}, {first_tag}, x.driver, '{NO_CATEGORY}')"
    driver_from = (f"CASE WHEN {category} IS NOT NULL THEN 'category' WHEN {first_tag} IS NOT NULL THEN 'tag' "
                   f"WHEN x.driver IS NOT NULL AND x.driver <> '{NO_CATEGORY}' THEN 'text' ELSE 'none' END")
    has_surveys = C.has_rows(con, "surveys")
    csat = ("LEFT JOIN (SELECT ticket_id, count(*) AS rated, count(*) FILTER (WHERE "
            "1 + 4 * (score - coalesce(scale_min, 1)) / nullif(coalesce(scale_max, 5) - coalesce(scale_min, 1), 0) <= ?) AS bad "
            "FROM surveys WHERE kind = 'csat' AND score IS NOT NULL AND ticket_id IS NOT NULL GROUP BY ticket_id) s "
            "ON s.ticket_id = f.source_id") if has_surveys else ""
    csat_params = [bad_max] if has_surveys else []
    rated, bad = ("coalesce(s.rated, 0)", "coalesce(s.bad, 0)") if has_surveys else ("0", "0")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ops_drivers AS
        SELECT f.source, f.source_id, f.customer_id, f.created_at, {clock.day_sql('f.created_at')} AS day,
               {driver} AS driver, {driver_from} AS driver_from,
               CASE WHEN f.is_open IS NOT TRUE AND f.full_resolution_calendar_minutes >= 0
                    THEN f.full_resolution_calendar_minutes END AS resolution,
               f.reopens, (f.first_solved_at IS NOT NULL OR f.solved_at IS NOT NULL OR f.is_open IS NOT TRUE) AS solved_ever,
               {rated} AS rated, {bad} AS bad
        FROM ticket_metrics f LEFT JOIN {text_table} x ON x.source = f.source AND x.source_id = f.source_id {csat}
        WHERE {where}""", csat_params + params)
    try:
        return _aggregate(con, top, window)
    finally:
        con.execute("DROP TABLE IF EXISTS _ops_drivers")


def _aggregate(con, top: int, window: int) -> dict:
    t = C.rows(con, "SELECT count(*) AS tickets, median(resolution) AS median_resolution, min(day) AS first, max(day) AS last, "
                    "count(*) FILTER (WHERE driver_from = 'category') AS by_category, "
                    "count(*) FILTER (WHERE driver_from = 'tag') AS by_tag, count(*) FILTER (WHERE driver_from = 'text') AS by_text, "
                    "sum(rated) AS rated FROM _ops_drivers")[0]
    total = int(t["tickets"])
    out = C.result(tickets=total, median_resolution_minutes=t["median_resolution"], first_day=t["first"], last_day=t["last"],
                   driven_by={"category": int(t["by_category"] or 0), "tag": int(t["by_tag"] or 0),
                              "text": int(t["by_text"] or 0)},
                   drivers=[], weekly=[], headline=None, other=None)
    if not total:
        out["not_measurable"]["drivers"] = "no tickets in this period"
        return out
    recent_from = t["last"] - dt.timedelta(days=RECENT_DAYS - 1)
    split = t["first"] < recent_from  # a period shorter than the recent window has no "before"
    found = C.rows(con, """
        SELECT driver, any_value(driver_from) AS driver_from, count(*) AS tickets,
               count(*) FILTER (WHERE day >= ?) AS recent, median(resolution) AS median_resolution,
               count(*) FILTER (WHERE solved_ever AND reopens IS NOT NULL) AS reopen_den,
               count(*) FILTER (WHERE solved_ever AND reopens > 0) AS reopened,
               sum(rated) AS rated, sum(bad) AS bad, count(DISTINCT customer_id) AS customers
        FROM _ops_drivers GROUP BY driver ORDER BY tickets DESC, driver""", [recent_from])
    recent_total = sum(int(r["recent"]) for r in found)
    churn = _last_touch_churn(con, window)
    overall = t["median_resolution"]
    drivers = []
    for r in found:
        n, recent = int(r["tickets"]), int(r["recent"])
        earlier, earlier_total = n - recent, total - recent_total
        ch = churn.get(r["driver"], {"churned": 0, "revenue": 0.0}) if churn is not None else {}
        drivers.append({
            "driver": r["driver"], "from": r["driver_from"], "tickets": n, "share": n / total,
            "customers": int(r["customers"]),
            "recent_share": C.ratio(recent, recent_total) if split else None,
            "earlier_share": C.ratio(earlier, earlier_total) if split else None,
            "median_resolution_minutes": r["median_resolution"],
            "resolution_ratio": C.ratio(r["median_resolution"], overall) if overall else None,
            "reopen_rate": C.ratio(int(r["reopened"]), int(r["reopen_den"])),
            "rated": int(r["rated"] or 0), "bad_csat_rate": C.ratio(int(r["bad"] or 0), int(r["rated"] or 0)),
            "churned_customers": ch.get("churned"), "churned_monthly_revenue": ch.get("revenue")})
    for d in drivers:
        if d["recent_share"] is not None and d["earlier_share"] is not None:
            d["share_change"] = d["recent_share"] - d["earlier_share"]
        else:
            d["share_change"] = None
    shown, rest = drivers[:top], drivers[top:]
    out["drivers"] = shown
    if rest:
        out["other"] = {"drivers": len(rest), "tickets": sum(d["tickets"] for d in rest),
                        "share": sum(d["tickets"] for d in rest) / total}
    # Tickets carry no time worked on them (the canonical tickets table has no such column; Zendesk's CSV,
    # Freshdesk's and the event logs export none): resolution time stands in, and is named so.
    out["not_measurable"]["handle_time"] = ("the ticket exports carry no agent handle time (time worked on a ticket), "
                                            "so a driver's cost is its median resolution time against all tickets' instead")
    if churn is None:
        out["not_measurable"]["churned_customers"] = C.customers_usable(con)[1] or "no churn dates in the customer list"
    top_names = [d["driver"] for d in shown[:6]]
    out["weekly"] = [{"period": r["period"], "driver": r["driver"], "tickets": int(r["n"])}
                     for r in C.rows(con, "SELECT date_trunc('week', day)::DATE AS period, driver, count(*) AS n "
                                          "FROM _ops_drivers WHERE list_contains(?, driver) GROUP BY ALL ORDER BY period, driver",
                                     [top_names])] if top_names else []
    lead = shown[0]
    out["headline"] = {"driver": lead["driver"], "share": lead["share"], "resolution_ratio": lead["resolution_ratio"],
                       "costliest": max(shown, key=lambda d: (d["resolution_ratio"] or 0) * d["tickets"])["driver"]}
    if not split:
        out["not_measurable"]["share_change"] = f"the period is shorter than {RECENT_DAYS} days: no earlier part to compare"
    return out


def _last_touch_churn(con, window: int) -> dict | None:
    """{driver: {"churned", "revenue"}}: churned customers whose last ticket (in this period) within
    ``window`` days before their churn date was about the driver; None without churn dates."""
    usable, _ = C.customers_usable(con)
    if not usable:
        return None
    dated = con.execute(f"SELECT count(*) FROM {C.CUSTOMERS_SQL} WHERE churned AND churned_at IS NOT NULL").fetchall()[0][0]
    if not dated:
        return None
    found = C.rows(con, f"""
        SELECT driver, count(*) AS churned, sum(monthly_revenue) AS revenue FROM (
            SELECT c.customer_id, arg_max(d.driver, d.created_at) AS driver, any_value(c.monthly_revenue) AS monthly_revenue
            FROM _ops_drivers d JOIN {C.CUSTOMERS_SQL} c ON c.customer_id = d.customer_id
            WHERE c.churned AND c.churned_at IS NOT NULL AND d.created_at < c.churned_at::TIMESTAMP + INTERVAL 1 DAY
              AND d.created_at >= c.churned_at::TIMESTAMP - to_days(?)
            GROUP BY c.customer_id) GROUP BY driver""", [window])
    return {r["driver"]: {"churned": int(r["churned"]), "revenue": r["revenue"]} for r in found}
