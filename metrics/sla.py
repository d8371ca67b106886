"""SLA policies from settings, and the per-ticket outcome of each target.

A policy (``[[sla.policies]]`` in settings) has a ``name``, ``conditions`` (canonical ticket
column = a value or a list of values; ``""`` matches NULL/empty) and a target in minutes per
metric: ``first_reply_minutes``, ``next_reply_minutes``, ``resolution_minutes``. ``business =
true`` counts business minutes for every target of the policy; ``<metric>_business`` overrides
it for one target. The first policy whose conditions all match a ticket applies.

Outcome per ticket and target (``docs/ticket_metrics.md``, ``docs/decisions.md``):

* ``achieved``: completed within the target (elapsed <= target);
* ``breached``: completed after the target;
* ``active``: the ticket is open, the clock still runs and is within the target;
* ``active_breach``: the ticket is open and already past the target;
* NULL: no policy, no target for this metric, or nothing measurable (e.g. no next-reply wait).

"Still runs" is measured to ``as_of``, the latest timestamp in the data, not the wall clock,
so the same data always gives the same answer.

Breach rate = breached / (achieved + breached); active breaches are reported beside it.
"""
from __future__ import annotations

from typing import Any

from loaders import schema

TARGETS = ("first_reply", "next_reply", "resolution")
STATUSES = ("achieved", "breached", "active", "active_breach")
POLICY_TABLE = "_tm_sla_policies"
_POLICY_KEYS = {"name", "conditions", "business"} | {f"{t}_minutes" for t in TARGETS} | {f"{t}_business" for t in TARGETS}


def policies(settings: dict) -> list[dict[str, Any]]:
    """The configured policies, validated (raises ValueError listing every problem)."""
    raw = (settings.get("sla") or {}).get("policies") or []
    problems = validate(raw)
    if problems:
        raise ValueError("settings [[sla.policies]] has problems:\n- " + "\n- ".join(problems))
    return raw


def validate(raw: Any) -> list[str]:
    """Every problem of a policy list at once, each with its fix (empty list = fine)."""
    if not isinstance(raw, list):
        return [f"sla.policies: expected a list of [[sla.policies]] tables, got {type(raw).__name__}; "
                "see docs/ticket_metrics.md (SLA) for an example"]
    problems: list[str] = []
    columns = set(schema.column_names("tickets"))
    for i, policy in enumerate(raw, start=1):
        where = f"sla.policies #{i}"
        if not isinstance(policy, dict):
            problems.append(f"{where}: expected a table with name, conditions and *_minutes keys, got {policy!r}")
            continue
        where = f"sla.policies #{i} ({policy.get('name', 'no name')!r})"
        if not isinstance(policy.get("name"), str) or not policy.get("name", "").strip():
            problems.append(f"{where}: `name` is missing; give every policy a name, e.g. name = \"Urgent\"")
        for key in sorted(set(policy) - _POLICY_KEYS):
            problems.append(f"{where}: unknown key `{key}`; the keys are {', '.join(sorted(_POLICY_KEYS))}")
        conditions = policy.get("conditions", {})
        if not isinstance(conditions, dict):
            problems.append(f"{where}: `conditions` must be a table such as {{ priority = \"urgent\" }}, got {conditions!r}")
            conditions = {}
        for column, value in conditions.items():
            if column not in columns:
                problems.append(f"{where}: condition on `{column}`, which is not a ticket column; use one of "
                                f"{', '.join(sorted(columns - {'load_id', 'source_tz'}))}")
            values = value if isinstance(value, list) else [value]
            if not values or any(isinstance(v, (dict, list)) for v in values):
                problems.append(f"{where}: condition `{column}` must be a value or a non-empty list of values, got {value!r}")
        for target in TARGETS:
            minutes = policy.get(f"{target}_minutes")
            if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes < 0):
                problems.append(f"{where}: `{target}_minutes` must be a number of minutes >= 0 (or left out for no "
                                f"target), got {minutes!r}")
        for key in ["business"] + [f"{t}_business" for t in TARGETS]:
            if key in policy and not isinstance(policy[key], bool):
                problems.append(f"{where}: `{key}` must be true or false, got {policy[key]!r}")
    return problems


def _values(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if isinstance(v, bool):
            out.append("true" if v else "false")
        else:
            out.append(str(v).strip().lower())
    return out


def condition_sql(column: str, value: Any, alias: str = "t") -> tuple[str, list]:
    """One condition as SQL with bound values. ``tags`` matches when any tag is listed."""
    values = _values(value)
    wants_empty = "" in values
    values = [v for v in values if v != ""]
    col = f'{alias}."{column}"'
    parts: list[str] = []
    params: list = []
    if column == "tags":
        if values:
            parts.append(f"list_has_any(string_split(lower(coalesce({col}, '')), ' '), [{', '.join('?' for _ in values)}])")
            params += values
        if wants_empty:
            parts.append(f"trim(coalesce({col}, '')) = ''")
    else:
        text = f"lower(trim(coalesce(CAST({col} AS VARCHAR), '')))"
        if values:
            parts.append(f"{text} IN ({', '.join('?' for _ in values)})")
            params += values
        if wants_empty:
            parts.append(f"{text} = ''")
    return "(" + " OR ".join(parts) + ")", params


def policy_sql(policy_list: list[dict] | None = None, alias: str = "t") -> tuple[str, list]:
    """The CASE expression giving the (1-based) index of the first matching policy, or NULL,
    and its bound parameters. Columns are referenced as ``<alias>."<column>"``."""
    if policy_list is None:
        import config

        policy_list = policies(config.get())
    if not policy_list:
        return "CAST(NULL AS INTEGER)", []
    whens: list[str] = []
    params: list = []
    for i, policy in enumerate(policy_list, start=1):
        conditions = policy.get("conditions") or {}
        if conditions:
            parts = []
            for column, value in conditions.items():
                sql, p = condition_sql(column, value, alias)
                parts.append(sql)
                params += p
            whens.append(f"WHEN {' AND '.join(parts)} THEN {i}")
        else:
            whens.append(f"WHEN TRUE THEN {i}")  # no conditions: matches every ticket
    return "CASE " + " ".join(whens) + " END", params


def create_policy_table(con, policy_list: list[dict]) -> None:
    """A small table of targets per policy index, for joining: ``_tm_sla_policies``."""
    cols = ", ".join(f"{t}_minutes DOUBLE, {t}_business BOOLEAN" for t in TARGETS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {POLICY_TABLE} (idx INTEGER, name VARCHAR, {cols})")
    for i, p in enumerate(policy_list, start=1):
        row = [i, p["name"]]
        for t in TARGETS:
            minutes = p.get(f"{t}_minutes")
            row += [None if minutes is None else float(minutes), bool(p.get(f"{t}_business", p.get("business", False)))]
        con.execute(f"INSERT INTO {POLICY_TABLE} VALUES ({', '.join('?' for _ in row)})", row)


def status_sql(*, target: str, elapsed: str, completed: str, running: str) -> str:
    """CASE giving the status from SQL expressions: ``elapsed`` minutes (in the target's unit),
    ``completed`` (the clock stopped), ``running`` (the ticket is open and the clock runs)."""
    return (f"CASE WHEN {target} IS NULL OR {elapsed} IS NULL THEN NULL "
            f"WHEN {completed} THEN CASE WHEN {elapsed} <= {target} THEN 'achieved' ELSE 'breached' END "
            f"WHEN {running} THEN CASE WHEN {elapsed} <= {target} THEN 'active' ELSE 'active_breach' END END")


def breach_rate(counts: dict[str, int]) -> float | None:
    """breached / (achieved + breached); None when nothing completed."""
    done = counts.get("achieved", 0) + counts.get("breached", 0)
    return counts.get("breached", 0) / done if done else None
