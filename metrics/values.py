"""One value per team and category across sources.

Exports spell the same team or category differently: Zendesk "billing" and Freshdesk "Billing",
ServiceNow's assignment group "Group Accounts" and Zendesk's "Accounts". After every load this
post-load hook (first in metrics.HOOKS, before ticket_metrics and the rollups are rebuilt) makes
them one value:

* values that differ only in case (and surrounding spaces) are one value;
* a value that is another value after a known prefix (``values.prefixes``, default "Group ") is
  that value — only when the other value exists, so ServiceNow's "Group 9" stays "Group 9";
* the explicit table of the settings (``values.team``, ``values.category``: "from" = "to", matched
  without regard to case) wins over both.

The spelling kept is the explicit target, else the most frequent spelling (ties: the first
alphabetically). The hook rewrites ``tickets.team/category``, ``calls.team`` and ``surveys.team``
to that spelling and records every merge in ``value_merges`` (dimension, value as loaded,
value shown, rows, why), which the Data page shows. It is idempotent: a second run changes nothing.

``value_merges`` is a canonical table (``loaders/schema.py``), not a derived one: the rows it
describes no longer hold the spelling as loaded, so it cannot be computed again from the other
tables. ``cli.py export-parquet`` writes it with them, ``cli.py build`` reads it (and appends the
merges its own run of this hook makes on a lake's data) and writes it back among the canonical
tables, and installing a build's results keeps it: the Data page lists the same merges.
"""
from __future__ import annotations

from collections import defaultdict

from loaders import schema
from metrics.facts import table_exists

COLUMNS = {"team": (("tickets", "team"), ("calls", "team"), ("surveys", "team")),
           "category": (("tickets", "category"),)}
TABLE = "value_merges"


def _settings(settings: dict | None) -> dict:
    if settings is None:
        import config

        settings = config.get()
    return settings.get("values") or {}


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                      "AND database_name = current_database() AND schema_name = current_schema()",
                                      [table]).fetchall()}


def _counts(con, dim: str) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for table, column in COLUMNS[dim]:
        if table_exists(con, table) and column in _columns(con, table):
            for value, n in con.execute(f"SELECT {column}, count(*) FROM {table} WHERE {column} IS NOT NULL "
                                        f"GROUP BY 1").fetchall():
                counts[value] += n
    return dict(counts)


def plan(counts: dict[str, int], prefixes: list[str], explicit: dict[str, str]) -> dict[str, tuple[str, str]]:
    """{value as loaded: (value shown, why)} for every value that changes; why is case, prefix or settings."""
    fold = lambda v: " ".join(v.split()).casefold()  # noqa: E731
    explicit_folded = {fold(k): v for k, v in (explicit or {}).items()}
    keys = {fold(v) for v in counts}
    groups: dict[str, list[str]] = defaultdict(list)
    reason: dict[str, str] = {}
    for value in counts:
        key = fold(value)
        for prefix in prefixes or []:
            p = fold(prefix)
            if p and key.startswith(p) and key[len(p):].strip() in keys and key[len(p):].strip() != key:
                key = key[len(p):].strip()
                reason[value] = "prefix"
                break
        groups[key].append(value)
    out: dict[str, tuple[str, str]] = {}
    for key, members in groups.items():
        target = next((explicit_folded[fold(m)] for m in members if fold(m) in explicit_folded), None)
        why_target = "settings" if target is not None else None
        if target is None:
            target = sorted(members, key=lambda v: (-counts[v], v))[0]
        for m in members:
            if m != target:
                out[m] = (target, why_target or reason.get(m, "case"))
    return out


def _is_view(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND database_name = current_database()",
                            [table]).fetchall()[0][0])


def apply(con, settings: dict | None = None) -> None:
    """Rewrite merged team and category values in the loaded tables; record them in value_merges.

    On a delta write of the store (loaders/store.py: the tables are views over the base and the
    delta) nothing is rewritten in place: when the new rows bring no spelling to merge, nothing
    changes; when they do, the write is redone in full (``NeedsFullRebuild``), which rewrites the
    tables here. A load that brings a new spelling therefore costs a full write (said in
    docs/decisions.md), every later load of already-merged spellings a delta write."""
    conf = _settings(settings)
    prefixes = list(conf.get("prefixes", ["Group "]))
    if any(table_exists(con, t) and _is_view(con, t) for dim in COLUMNS for t, _ in COLUMNS[dim]):
        if any(plan(_counts(con, dim), prefixes, dict(conf.get(dim) or {})) for dim in COLUMNS):
            from loaders.store import NeedsFullRebuild

            raise NeedsFullRebuild("team or category spellings to merge")
        return
    # Cumulative: a merged spelling is gone from the tables after its load, so its record is kept. A
    # canonical table (loaders/schema.py): the store creates it; a build reads it with the others.
    con.execute(schema.create_sql(TABLE))
    for dim in COLUMNS:
        counts = _counts(con, dim)
        changes = plan(counts, prefixes, dict(conf.get(dim) or {}))
        for loaded, (shown, why) in sorted(changes.items()):
            for table, column in COLUMNS[dim]:
                if table_exists(con, table) and column in _columns(con, table):
                    con.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [shown, loaded])
            # earlier merges into a value that is merged now follow it
            con.execute(f"UPDATE {TABLE} SET shown = ? WHERE dimension = ? AND shown = ?", [shown, dim, loaded])
            known = con.execute(f"SELECT count(*) FROM {TABLE} WHERE dimension = ? AND loaded = ?", [dim, loaded]).fetchall()[0][0]
            if known:
                con.execute(f"UPDATE {TABLE} SET shown = ?, rows = rows + ?, why = ? WHERE dimension = ? AND loaded = ?",
                            [shown, counts[loaded], why, dim, loaded])
            else:
                con.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?)", [dim, loaded, shown, counts[loaded], why])


def merges(con) -> list[dict]:
    """The merges of the last load: [{"dimension", "loaded", "shown", "rows", "why"}]."""
    if not table_exists(con, TABLE):
        return []
    return [dict(zip(("dimension", "loaded", "shown", "rows", "why"), r))
            for r in con.execute(f"SELECT * FROM {TABLE} ORDER BY dimension, shown, loaded").fetchall()]
