"""What the operations analyses share: settings with their defaults, table checks, the filter
clauses of tickets and calls, customer outcomes, Wilson intervals and JSON-safe output."""
from __future__ import annotations

import datetime as dt
import math
from statistics import NormalDist

from metrics import clock
from metrics.filters import Filters, MissingDimension

Z95 = NormalDist().inv_cdf(0.975)

# Every setting an analysis reads, with its default (settings.default.toml holds the same values).
DEFAULTS = {
    "reply_targets": {"minutes": {"chat": 5, "email": 1440}, "phone_answer_seconds": 20, "unanswered_hours": 24},
    "agent_load": {"csat_target": 0.9, "csat_min_responses": 20, "top_share": 0.2, "after_hours_warning": 0.2,
                   "overload_ratio": 1.25, "aliases": {}},
    "escalation": {"failed_fixes": 2},
    "channel_switches": {"days": 7},
    "drivers": {"top": 12, "text_clusters": 0},
    "initiative_measurement": {"min_days": 28, "max_days": 91, "min_units": 30, "bootstrap": 1000, "seed": 16},
}

# Ticket and call columns each filter dimension reads (the engine's own maps: metrics/service.py, metrics/calls.py).
TICKET_DIMS = {"team": "team", "agent": "agent", "channel": "channel", "priority": "priority", "category": "category",
               "tag": "tags", "segment": "customer_id", "source": "source"}
CALL_DIMS = {"team": "team", "agent": "agent", "segment": "customer_id", "source": "source"}


def settings_for(section: str, settings: dict | None = None) -> dict:
    """One section of the settings in force, its defaults filled in (nested tables merged)."""
    if settings is None:
        import config

        settings = config.get()
    given = dict((settings or {}).get(section) or {})
    out = {}
    for key, default in DEFAULTS[section].items():
        value = given.get(key, default)
        if isinstance(default, dict) and isinstance(value, dict) and key != "minutes":
            value = {**default, **value}
        out[key] = value
    for key, value in given.items():
        out.setdefault(key, value)
    return out


def metrics_settings(settings: dict | None = None) -> dict:
    if settings is None:
        import config

        settings = config.get()
    return dict((settings or {}).get("metrics") or {})


def churn_settings(settings: dict | None = None) -> dict:
    """The [churn] section in force (window_days, negative.bad_csat_max, ...)."""
    if settings is None:
        import config

        settings = config.get()
    return dict((settings or {}).get("churn") or {})


# ---------------------------------------------------------------- tables
def table_exists(con, table: str) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND database_name = current_database() "
                      "AND schema_name = current_schema()", [table]).fetchall()[0]
    return bool(row[0])


def has_rows(con, table: str) -> bool:
    return table_exists(con, table) and bool(con.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchall()[0][0])


def columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name = current_database() "
        "AND schema_name = current_schema()", [table]).fetchall()}


def rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


# ---------------------------------------------------------------- filters
def where(filters: Filters | None, dims: dict, date_column: str | None, *, dates: bool = True,
          skip: tuple[str, ...] = ()) -> tuple[str, list]:
    """The filters' where-clause for one table (``MissingDimension`` when it lacks a filtered dimension)."""
    return (filters or Filters()).where(dims, date_column, dates=dates, skip=skip)


def ticket_where(filters: Filters | None, alias: str = "f", dates: bool = True) -> tuple[str, list]:
    dims = {k: f"{alias}.{v}" for k, v in TICKET_DIMS.items()}
    return where(filters, dims, f"{alias}.created_at", dates=dates)


def call_where(filters: Filters | None, alias: str = "f", date_column: str = "queued_at",
               dates: bool = True) -> tuple[str, list]:
    dims = {k: f"{alias}.{v}" for k, v in CALL_DIMS.items()}
    return where(filters, dims, f"{alias}.{date_column}", dates=dates)


def missing_note(table_words: str, dim: str) -> str:
    return f"{table_words} have no {dim}: their figures are not shown while that filter is on"


def grain_for(filters: Filters | None, first: dt.date | None, last: dt.date | None) -> str:
    """day up to 2 months, week up to 2 years, month beyond (the dashboard's own rule)."""
    f = filters or Filters()
    start, end = f.date_from or first, f.date_to or last
    if start is None or end is None:
        return "week"
    days = (end - start).days + 1
    return "day" if days <= 62 else "week" if days <= 730 else "month"


def span(con, table: str, column: str) -> tuple[dt.date | None, dt.date | None]:
    if not has_rows(con, table):
        return None, None
    lo, hi = con.execute(f"SELECT {clock.day_sql(f'min({column})')}, {clock.day_sql(f'max({column})')} FROM {table}").fetchall()[0]
    return lo, hi


def as_of_sql() -> str:
    """SQL of each ticket source's "now" (ticket_metrics_info.as_of, else the latest creation)."""
    return ("(SELECT source, max(as_of) AS as_of FROM ticket_metrics_info GROUP BY source)")


# ---------------------------------------------------------------- customers
CUSTOMERS_SQL = """(SELECT source_id AS customer_id, coalesce(churned, churned_at IS NOT NULL) AS churned, churned_at,
       monthly_revenue, plan, segment
FROM customers WHERE source_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY source_id ORDER BY load_id DESC NULLS LAST, source) = 1)"""


def customers_usable(con) -> tuple[bool, str]:
    """(usable, why not): churn comparisons need a customer list with at least one churned customer."""
    if not has_rows(con, "customers"):
        return False, "no customer list loaded (load a CRM or billing export with a churn date or status)"
    churned = con.execute(f"SELECT count(*) FILTER (WHERE churned) FROM {CUSTOMERS_SQL}").fetchall()[0][0]
    if not churned:
        return False, "the customer list has no churned customers (no churn date or status)"
    return True, ""


def churn_by_group(con, relation: str, params: list, groups: list[str]) -> dict:
    """Churn of the customers in ``relation`` (columns customer_id, grp), by group: customers,
    churned, rate with a Wilson 95% interval. Customers missing from the customer list are counted
    apart (``unmatched``)."""
    found = rows(con, f"""
        SELECT g.grp, count(*) AS customers, count(*) FILTER (WHERE c.customer_id IS NULL) AS unmatched,
               count(*) FILTER (WHERE c.churned) AS churned
        FROM (SELECT DISTINCT customer_id, grp FROM {relation}) g
        LEFT JOIN {CUSTOMERS_SQL} c ON c.customer_id = g.customer_id
        GROUP BY ALL""", params)
    by = {r["grp"]: r for r in found}
    out = {}
    for grp in groups:
        r = by.get(grp) or {"customers": 0, "unmatched": 0, "churned": 0}
        matched = int(r["customers"]) - int(r["unmatched"])
        out[grp] = {"customers": matched, "unmatched": int(r["unmatched"]), "churned": int(r["churned"]),
                    "rate": wilson(int(r["churned"]), matched)}
    return out


# ---------------------------------------------------------------- one name per agent across exports
AGENT_NAMES = "_ops_agent_names"


def agent_names(con, settings: dict | None = None) -> list[str]:
    """Make the temp table ``_ops_agent_names`` (name_key, agent): one name per agent across tickets,
    calls and survey responses, and return notes on what it did or could not do.

    A phone system names its agents by extension or SIP peer ("mark"), the helpdesk by full name
    ("Mark Evans"): counted apart, one person who handles both is two agents, the agents are
    over-counted and the load per agent-day under-stated. Names that differ only in case or
    surrounding spaces are one agent (the most frequent spelling is kept); ``[agent_load.aliases]``
    ("name as exported" = "agent", matched without regard to case) joins the rest. When tickets and
    calls both name agents but share none, a note says so and suggests the first-name matches."""
    aliases = {str(k).strip().lower(): str(v).strip() for k, v in
               (settings_for("agent_load", settings).get("aliases") or {}).items() if str(v or "").strip()}
    parts = []
    for table, kind in (("ticket_metrics", "ticket"), ("calls", "call"), ("surveys", "survey")):
        if has_rows(con, table):
            parts.append(f"SELECT agent, '{kind}' AS kind, count(*) AS n FROM {table} WHERE agent IS NOT NULL GROUP BY ALL")
    spellings = rows(con, " UNION ALL ".join(parts)) if parts else []
    counts: dict[str, dict[str, int]] = {}
    kinds: dict[str, set] = {}
    for r in spellings:
        name = str(r["agent"])
        key = name.strip().lower()
        if not key:
            continue
        counts.setdefault(key, {})
        counts[key][name] = counts[key].get(name, 0) + int(r["n"])
        kinds.setdefault(key, set()).add(r["kind"])
    canonical = {key: sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for key, by in counts.items()}
    mapping = {}
    for key in counts:
        target = aliases.get(key)
        if target is not None:  # the alias' target in its own most frequent spelling when it is a name seen
            target = canonical.get(target.lower(), target)
        mapping[key] = target if target is not None else canonical[key]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {AGENT_NAMES} (name_key VARCHAR, agent VARCHAR)")
    if mapping:
        con.executemany(f"INSERT INTO {AGENT_NAMES} VALUES (?, ?)", list(mapping.items()))
    notes = []
    merged = sum(1 for key, by in counts.items() for name in by if name != mapping[key])
    if merged:
        notes.append(f"{merged} agent name spelling(s) taken as another agent's (case, spaces or [agent_load.aliases])")
    ticket_agents = {mapping[k] for k, ks in kinds.items() if "ticket" in ks}
    call_agents = {mapping[k] for k, ks in kinds.items() if "call" in ks}
    if ticket_agents and call_agents and not ticket_agents & call_agents:
        first = {}
        for name in ticket_agents:
            first.setdefault(name.split()[0].lower(), []).append(name)
        matches = sorted((c, first[c.lower()][0]) for c in call_agents if len(first.get(c.lower(), [])) == 1)
        example = f"calls e.g. '{sorted(call_agents)[0]}', tickets e.g. '{sorted(ticket_agents)[0]}'"
        hint = (f"; a first-name match suggests {len(matches)}: " + ", ".join(f'{c} = "{t}"' for c, t in matches[:3])
                + (", …" if len(matches) > 3 else "")) if matches else ""
        notes.append(f"calls and tickets name no agent alike ({example}): whoever handles both is counted as two agents, "
                     f"so the agents are over-counted and the load per agent-day under-stated; name them alike in "
                     f"[agent_load.aliases]{hint}")
    return notes


def agent_relation(relation: str) -> str:
    """``relation`` (a table or a parenthesised SELECT with an ``agent`` column) with each agent under
    its one name (``agent_names`` made the table)."""
    return (f"(SELECT r.* REPLACE (coalesce(n.agent, r.agent) AS agent) FROM {relation} r "
            f"LEFT JOIN {AGENT_NAMES} n ON n.name_key = lower(trim(r.agent)))")


def agent_filters(con, filters: Filters | None) -> Filters:
    """``filters`` with each agent value under its one name (``agent_names`` made the table), so that
    picking "mark" (as the call log spells him) selects Mark Evans' tickets too."""
    filters = filters or Filters()
    if not filters.agent:
        return filters
    import dataclasses

    names = []
    for value in filters.agent:
        found = con.execute(f"SELECT agent FROM {AGENT_NAMES} WHERE name_key = lower(trim(?))", [value]).fetchall()
        names.append(found[0][0] if found else value)
    return dataclasses.replace(filters, agent=tuple(dict.fromkeys(names)))


def drop_agent_names(con) -> None:
    con.execute(f"DROP TABLE IF EXISTS {AGENT_NAMES}")


# ---------------------------------------------------------------- statistics and output
def wilson(k: int, n: int, z: float = Z95) -> dict:
    """{"estimate", "low", "high"}: a proportion with its Wilson score 95% interval (None without n)."""
    if not n:
        return {"estimate": None, "low": None, "high": None}
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return {"estimate": p, "low": max(0.0, centre - half), "high": min(1.0, centre + half)}


def ratio(num, den):
    return None if not den or num is None else num / den


def json_safe(value):
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return json_safe(value.item())
    return value


def result(**figures) -> dict:
    """The common frame of every analysis: figures, ``not_measurable`` {figure: why}, ``notes``."""
    out = {"available": True, "not_measurable": {}, "notes": []}
    out.update(figures)
    return out


def unavailable(why: str, **extra) -> dict:
    return {"available": False, "message": why, "not_measurable": {}, "notes": [], **extra}


__all__ = ["DEFAULTS", "MissingDimension", "settings_for", "ticket_where", "call_where", "wilson", "json_safe",
           "churn_by_group", "customers_usable", "has_rows", "table_exists", "columns", "rows", "result", "unavailable"]
