"""A reader's team scope for code that reads whole tables rather than a ``Filters`` where-clause:
the churn analysis, the data-quality checks and the data status line.

The KPI engine honours ``Filters.scope`` in every where-clause it writes (metrics/filters.py).
Modules such as metrics/churn.py read ``tickets``, ``calls``, ``surveys`` and ``customers``
directly; ``restrict(con, filters)`` gives them a connection on which those names are TEMP views
holding the reader's rows only (DuckDB resolves an unqualified name to a temp view before the
table of the same name; temp views belong to the one cursor that made them):

* ``tickets``, ``ticket_metrics``, ``calls``: rows whose ``team`` is in the scope;
* ``ticket_events``: events of those tickets;
* ``survey_facts`` and ``surveys``: responses whose team (their own, else their linked ticket's,
  as the survey figures read it) is in the scope;
* ``customers``: customers with at least one ticket, call or survey response in the scope (a
  customer with no contact at all belongs to no team and is left out);
* ``rollup_meta`` (empty): no rollup, built over every team, is ever used on this connection.

The cursor must be a fresh one that is closed after use (ui/data.py's ``_Cursor``).
"""
from __future__ import annotations

from metrics.facts import table_exists
from metrics.filters import Filters

TEAM_TABLES = ("tickets", "ticket_metrics", "calls", "survey_facts")


def team_clause(filters: Filters, column: str = "team") -> tuple[str, list]:
    """``column IN (...)`` for the scope (``FALSE`` for an empty one, ``TRUE`` without a scope)."""
    if filters.scope is None:
        return "TRUE", []
    if not filters.scope:
        return "FALSE", []
    return f"{column} IN ({', '.join('?' for _ in filters.scope)})", list(filters.scope)


def _qualified(con, table: str) -> str:
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    return f'"{database}".main."{table}"'


def customer_ids_sql(con, filters: Filters, qualify: bool = False) -> tuple[str, list] | None:
    """A query of the customer ids with a contact in the scope (None: no contact table at all)."""
    name = (lambda t: _qualified(con, t)) if qualify else (lambda t: t)
    parts, params = [], []
    survey_table = "survey_facts" if table_exists(con, "survey_facts") else None
    ticket_table = "ticket_metrics" if table_exists(con, "ticket_metrics") else (
        "tickets" if table_exists(con, "tickets") else None)
    for table in (ticket_table, "calls" if table_exists(con, "calls") else None, survey_table):
        if table is None:
            continue
        clause, p = team_clause(filters)
        parts.append(f"SELECT customer_id FROM {name(table)} WHERE customer_id IS NOT NULL AND {clause}")
        params += p
    if not parts:
        return None
    return " UNION ".join(parts), params


SCOPE_TABLE = "_reader_teams"  # a TEMP table of the scope's teams (filled with bound parameters)


def restrict(con, filters: Filters | None):
    """``con`` with the whole-table names shadowed by the scope's rows (unchanged without a scope)."""
    if filters is None or filters.scope is None:
        return con
    con.execute(f"CREATE OR REPLACE TEMP TABLE {SCOPE_TABLE} (team VARCHAR)")
    if filters.scope:
        con.executemany(f"INSERT INTO {SCOPE_TABLE} VALUES (?)", [[team] for team in filters.scope])
    in_scope = f"team IN (SELECT team FROM {SCOPE_TABLE})"

    def view(table: str, where: str) -> None:
        if table_exists(con, table):
            con.execute(f'CREATE OR REPLACE TEMP VIEW "{table}" AS SELECT * FROM {_qualified(con, table)} WHERE {where}')

    ticket_source = _qualified(con, "ticket_metrics" if table_exists(con, "ticket_metrics") else "tickets")
    survey_facts = table_exists(con, "survey_facts")
    contacts = [f"SELECT customer_id FROM {_qualified(con, t)} WHERE {in_scope}"
                for t in ("ticket_metrics" if table_exists(con, "ticket_metrics") else "tickets", "calls",
                          "survey_facts" if survey_facts else "surveys") if table_exists(con, t)]
    # Views over the real tables (qualified names), made after every name they read was resolved.
    view("ticket_events", f"(source, ticket_id) IN (SELECT source, source_id FROM {ticket_source} WHERE {in_scope})")
    view("surveys", f"(source, source_id) IN (SELECT source, source_id FROM {_qualified(con, 'survey_facts')} "
                    f"WHERE {in_scope})" if survey_facts else in_scope)
    view("customers", f"source_id IN ({' UNION '.join(contacts)})" if contacts else "FALSE")
    for table in TEAM_TABLES:
        view(table, in_scope)
    view("rollup_meta", "FALSE")
    return con
