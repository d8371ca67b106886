"""``ticket_metrics``: one row per ticket with its times, counts and SLA outcomes, rebuilt after
every load (a post-load hook, see ``metrics/__init__.py``). Every column is documented in
``docs/ticket_metrics.md``; every opinionated choice in ``docs/decisions.md``.

The build is set-based SQL in a few steps, each a temporary table:

1. ``_tm_sc``: status changes with normalised statuses (``loaders/vocab.py``).
2. ``_tm_ev``: per ticket, from the event stream: its first message, its first two public agent
   replies, the number of replies. ``_tm_st``: per ticket, from the status changes: solves,
   closes, reopens and time per status.
3. ``_tm_base``: the tickets with the times chosen (events when the stream has them, otherwise
   the summary timestamps), the SLA policy and repeat contacts.
4. ``_tm_waits``: next-reply waits (a customer message after the first reply waiting for the
   next public agent reply or a solve).
5. ``_tm_iv`` -> business minutes of every interval in one pass (``metrics/business_time.py``).
6. ``ticket_metrics``: calendar minutes, business minutes and SLA statuses, sorted by creation.
"""
from __future__ import annotations

import datetime as dt
import time

import duckdb

from loaders import parsing, vocab
from metrics import business_time, sla

TABLE = "ticket_metrics"
INFO_TABLE = "ticket_metrics_info"

# The contract (docs/ticket_metrics.md documents each one).
COLUMNS = (
    "source", "source_id", "created_at", "status", "is_open", "priority", "channel", "team", "agent",
    "customer_id", "category", "tags", "subject",
    "created_by_agent", "times_from", "created_in_business_hours",
    "first_reply_at", "first_reply_calendar_minutes", "first_reply_business_minutes",
    "first_solved_at", "solved_at", "first_resolution_calendar_minutes", "first_resolution_business_minutes",
    "full_resolution_calendar_minutes", "full_resolution_business_minutes",
    "reopens", "agent_replies", "one_touch",
    "requester_wait_minutes", "agent_wait_minutes", "on_hold_minutes",
    "repeat_contact",
    "sla_policy",
    *[f"sla_{t}_{part}" for t in sla.TARGETS for part in ("target_minutes", "business", "elapsed_minutes", "status")],
    "sla_breached",
    "vendor_first_reply_minutes", "vendor_first_reply_business_minutes",
    "vendor_full_resolution_minutes", "vendor_full_resolution_business_minutes", "vendor_made_sla",
    "negative_duration",
)

SOLVED_STATES = ("solved", "closed")
# A public agent reply: an agent_reply event that is not marked private and not by a customer or
# system actor (missing flags count as "yes": the event type already says it is an agent reply).
IS_REPLY = ("(e.event_type = 'agent_reply' AND coalesce(e.is_public, TRUE) "
            "AND coalesce(e.actor_role, 'agent') = 'agent')")
IS_CUSTOMER = "(e.event_type = 'customer_message' AND coalesce(e.actor_role, 'customer') <> 'system')"
IS_MESSAGE = ("(e.event_type IN ('agent_reply', 'customer_message', 'internal_note') "
              "AND coalesce(e.actor_role, '') <> 'system')")
# loaders.vocab.normalise_value, in SQL
_NORM = "trim(regexp_replace(replace(lower({}), 'ё', 'е'), '[^0-9a-zа-я#№]+', ' ', 'g'))"


def _minutes(start: str, end: str) -> str:
    """Calendar minutes from ``start`` to ``end``: NULL when either is NULL, and NULL when ``end``
    comes before ``start`` (a negative duration is bad data: left out, flagged by metrics/quality.py,
    never counted as 0)."""
    return (f"CASE WHEN {start} IS NULL OR {end} IS NULL OR {end} < {start} THEN NULL "
            f"ELSE (epoch_us({end}) - epoch_us({start})) / 60e6 END")


_AS_OF_SQL = """
SELECT source, max(latest) AS as_of FROM (
    SELECT source, greatest(max(created_at), max(updated_at), max(first_response_at), max(first_solved_at),
                            max(solved_at), max(closed_at)) AS latest
    FROM tickets GROUP BY source
    UNION ALL
    SELECT source, max(event_at) FROM ticket_events GROUP BY source
) GROUP BY source
"""


def as_of_by_source(con: duckdb.DuckDBPyConnection) -> dict[str, dt.datetime]:
    """"Now" for open tickets, per source: the latest timestamp of that source's tickets and
    events. Reproducible, unlike the clock; per source, because each export is a snapshot taken
    at its own time (an old export next to a new one must not age its open tickets)."""
    return {source: at for source, at in con.execute(_AS_OF_SQL).fetchall() if at is not None}


def as_of(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The latest timestamp in the whole data (the newest source's as_of)."""
    return max(as_of_by_source(con).values(), default=None)


def build(con: duckdb.DuckDBPyConnection, settings: dict | None = None, scope: str | None = None,
          time_range: tuple | None = None) -> dict:
    """(Re)build ``ticket_metrics`` on ``con``. Returns {rows, as_of, seconds, steps (seconds per step)}.

    ``scope``: a relation of (source, source_id): derive only those tickets, into the temporary
    table ``_tm_new`` (same columns; metrics/incremental.py writes it into the store). A scoped
    build needs ``_tm_asof`` (source, as_of) and a calendar covering the tickets (the caller's job)."""
    import config

    started = time.perf_counter()
    settings = settings if settings is not None else config.get()
    policy_list = sla.policies(settings)  # validate settings before touching anything
    repeat_days = int(settings.get("metrics", {}).get("repeat_contact_days", 7))
    steps: dict[str, float] = {}

    def step(name: str, fn, *args) -> None:
        t0 = time.perf_counter()
        fn(*args)
        steps[name] = round(time.perf_counter() - t0, 3)

    if scope is None:
        src = _Sources("tickets", "t.rowid", "ticket_events")
        first_created = con.execute("SELECT min(created_at) FROM tickets").fetchone()[0]
        now = as_of(con)
        if first_created is None or now is None:  # no tickets: an empty, typed table
            first_created = now = dt.datetime(2000, 1, 1)
        # The business calendar spans only the data's plausible range: a year-9999 date left in an
        # older database must not make it cover millennia (loaders reject such rows; docs/plausibility.md).
        earliest, latest = parsing.plausible_window(settings)
        first_created = min(max(first_created, earliest), latest)
        now = min(max(now, first_created), latest)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _tm_asof AS {_AS_OF_SQL}")
        step("schedule", business_time.ensure_default_schedule, con, settings.get("business_hours", {}),
             range(first_created.year, now.year + 1))
        step("calendar", business_time.build_calendar, con, first_created.date(), now.date())
    else:
        src = _Sources("_tm_tickets", "t._r", "_tm_events")
        # time_range (lo, hi): every scoped ticket's created_at lies within it (bound values; the
        # table is sorted by creation time, so the scan skips the other blocks instead of reading
        # every column of every ticket: 1.6 s at 10M tickets for a 1,000-ticket load)
        narrow = " AND t.created_at >= ? AND t.created_at <= ?" if time_range is not None else ""
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _tm_tickets AS
            SELECT row_number() OVER () AS _r, t.* FROM tickets t
            WHERE EXISTS (SELECT 1 FROM {scope} s WHERE s.source = t.source AND s.source_id = t.source_id){narrow}""",
                    list(time_range) if time_range is not None else [])
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _tm_events AS
            SELECT e.* FROM ticket_events e
            WHERE EXISTS (SELECT 1 FROM {scope} s WHERE s.source = e.source AND s.source_id = e.ticket_id)""")
        now = None
    step("policies", sla.create_policy_table, con, policy_list)
    step("status_changes", _status_changes, con, src)
    step("event_summary", _event_summary, con, src)
    step("base", _base, con, policy_list, repeat_days, src, scope is not None)
    step("waits", _waits, con, src)
    step("business_minutes", _business_minutes, con)
    step("final", _final, con, src, TABLE if scope is None else None)
    seconds = time.perf_counter() - started
    if scope is not None:
        rows = con.execute("SELECT count(*) FROM _tm_new").fetchone()[0]
        _drop_temps(con, keep=("_tm_new", "_tm_asof"))
        return {"rows": rows, "as_of": None, "seconds": seconds, "steps": steps}
    rows = con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
    con.execute(f"""CREATE OR REPLACE TABLE {INFO_TABLE} AS
        SELECT a.source, a.as_of, count(m.source) AS tickets, CAST(? AS TIMESTAMP) AS built_at, CAST(? AS DOUBLE) AS build_seconds
        FROM _tm_asof a LEFT JOIN {TABLE} m ON m.source = a.source GROUP BY ALL ORDER BY a.source""",
                [dt.datetime.now(dt.UTC).replace(tzinfo=None), seconds])
    _drop_temps(con)
    return {"rows": rows, "as_of": now, "seconds": seconds, "steps": steps}


class _Sources:
    """Where a build reads tickets and events: the tables, or the scoped copies of an incremental build."""

    def __init__(self, tickets: str, rowid: str, events: str):
        self.tickets, self.rowid, self.events = tickets, rowid, events


_TEMPS = ("_tm_asof", "_tm_status_vocab", "_tm_sc", "_tm_ev", "_tm_st", "_tm_base", "_tm_waits", "_tm_iv", "_tm_bm",
          "_tm_bt", "_tm_wt", "_tm_rc", "_tm_bh", "_tm_tickets", "_tm_events", "_tm_new", sla.POLICY_TABLE)


def _drop_temps(con, keep: tuple[str, ...] = ()) -> None:
    for temp in _TEMPS:
        if temp not in keep:
            con.execute(f"DROP TABLE IF EXISTS {temp}")


def _status_changes(con, src: _Sources) -> None:
    """Status changes with statuses normalised like the tickets table's (loaders/vocab.py)."""
    pairs = {vocab.normalise_value(raw): canon for raw, canon in vocab.VALUES["status"].items()}
    for canon in set(vocab.VALUES["status"].values()):
        pairs.setdefault(vocab.normalise_value(canon), canon)
    con.execute("CREATE OR REPLACE TEMP TABLE _tm_status_vocab (raw VARCHAR, status VARCHAR)")
    con.executemany("INSERT INTO _tm_status_vocab VALUES (?, ?)", sorted(pairs.items()))
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _tm_sc AS
SELECT e.source, e.ticket_id, e.event_at, e.seq,
       coalesce(v.status, nullif(e.value_key, '')) AS new_status,
       coalesce(pv.status, nullif(e.previous_key, '')) AS old_status
FROM (SELECT source, ticket_id, event_at, coalesce(seq, 0) AS seq,
             {_NORM.format('value')} AS value_key, {_NORM.format('previous_value')} AS previous_key
      FROM {src.events} WHERE event_type = 'status_change') e
LEFT JOIN _tm_status_vocab v ON v.raw = e.value_key
LEFT JOIN _tm_status_vocab pv ON pv.raw = e.previous_key
""")


def _event_summary(con, src: _Sources) -> None:
    # Messages: the first one (is it a public agent reply? then an agent opened the ticket) and
    # the first two public agent replies (the second is the first reply of an agent-opened ticket).
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _tm_ev AS
SELECT e.source, e.ticket_id,
       min({{'at': e.event_at, 'seq': coalesce(e.seq, 0), 'reply': {IS_REPLY}}}) FILTER (WHERE {IS_MESSAGE}) AS first_message,
       min({{'at': e.event_at, 'seq': coalesce(e.seq, 0)}}, 2) FILTER (WHERE {IS_REPLY}) AS first_replies,
       count(*) FILTER (WHERE {IS_REPLY}) AS reply_count,
       -- NULL without a 'created' event: unknown, not false
       bool_or(e.actor_role = 'agent') FILTER (WHERE e.event_type = 'created') AS created_event_by_agent
FROM {src.events} e
GROUP BY e.source, e.ticket_id
""")
    solved_list = ", ".join(f"'{s}'" for s in SOLVED_STATES)
    # Status segments: each status lasts until the next change. The segment still running at the
    # end is not counted (as in Zendesk's native wait metrics, which add a segment when it ends).
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _tm_st AS
WITH w AS (
    SELECT *, lag(new_status) OVER win AS lag_status, lead(event_at) OVER win AS next_at
    FROM _tm_sc
    WINDOW win AS (PARTITION BY source, ticket_id ORDER BY event_at, seq)
)
SELECT source, ticket_id,
       count(*) AS changes,
       count(*) FILTER (WHERE coalesce(lag_status, old_status) IN ({solved_list})
                          AND new_status NOT IN ({solved_list})) AS reopens,
       min(event_at) FILTER (WHERE new_status = 'solved') AS first_solved_at,
       max(event_at) FILTER (WHERE new_status = 'solved') AS last_solved_at,
       min(event_at) FILTER (WHERE new_status = 'closed') AS first_closed_at,
       -- the _null variants: a NULL value of the first/last change must not be skipped
       arg_max_null(new_status, {{'at': event_at, 'seq': seq}}) AS last_status,
       min(event_at) AS first_change_at,
       coalesce(arg_min_null(old_status, {{'at': event_at, 'seq': seq}}), 'new') AS initial_status,
       sum({_minutes('event_at', 'next_at')}) FILTER (WHERE new_status NOT IN ('pending', {solved_list})) AS requester_wait,
       sum({_minutes('event_at', 'next_at')}) FILTER (WHERE new_status = 'pending') AS agent_wait,
       sum({_minutes('event_at', 'next_at')}) FILTER (WHERE new_status = 'on_hold') AS on_hold
FROM w
GROUP BY source, ticket_id
""")


def _base(con, policy_list: list[dict], repeat_days: int, src: _Sources, scoped: bool = False) -> None:
    policy_case, policy_params = sla.policy_sql(policy_list, alias="t")
    solved_list = ", ".join(f"'{s}'" for s in SOLVED_STATES)
    # Narrow rows (the ticket's own columns are joined back by rowid at the end): copying the
    # wide tickets rows around is what costs time at a million tickets.
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _tm_base AS
WITH j AS (
    SELECT {src.rowid} AS r, t.source, t.source_id, t.created_at, t.category, t.status, t.first_response_at,
           t.first_solved_at, t.solved_at, t.closed_at, t.replies, t.reopens, t.created_by_agent,
           t.vendor_requester_wait_minutes, t.vendor_agent_wait_minutes, t.vendor_on_hold_minutes,
           nullif(trim(t.customer_id), '') AS customer_key,
           a.as_of AS as_of_at,
           ({policy_case}) AS policy_idx,
           ev.source IS NOT NULL OR st.source IS NOT NULL AS has_events,
           ev.first_message IS NOT NULL AS has_messages,
           -- an agent opened the ticket with a public message: that message is not a reply
           coalesce(ev.first_message.reply AND coalesce(t.created_by_agent, ev.created_event_by_agent, TRUE), FALSE)
               AS skip_opening,
           ev.first_replies, ev.reply_count, ev.created_event_by_agent, ev.first_message.reply AS opening_is_reply,
           st.changes, st.reopens AS ev_reopens, st.first_solved_at AS ev_first_solved_at,
           st.last_solved_at AS ev_last_solved_at, st.first_closed_at AS ev_first_closed_at, st.last_status,
           st.first_change_at, st.initial_status, st.requester_wait AS ev_requester_wait,
           st.agent_wait AS ev_agent_wait, st.on_hold AS ev_on_hold,
           coalesce(st.first_solved_at, st.first_closed_at) IS NOT NULL AS has_solve_events
    FROM {src.tickets} t
    LEFT JOIN _tm_ev ev ON ev.source = t.source AND ev.ticket_id = t.source_id
    LEFT JOIN _tm_st st ON st.source = t.source AND st.ticket_id = t.source_id
    LEFT JOIN _tm_asof a ON a.source = t.source
),
k AS (
    SELECT j.*,
           CASE WHEN has_messages THEN (CASE WHEN skip_opening THEN first_replies[2] ELSE first_replies[1] END) END AS fr_key,
           coalesce(status, last_status) AS status_now,
           CASE WHEN has_solve_events THEN ev_first_solved_at ELSE coalesce(first_solved_at, solved_at) END AS first_solved,
           CASE WHEN has_solve_events THEN ev_last_solved_at ELSE coalesce(solved_at, first_solved_at) END AS last_solved,
           CASE WHEN has_solve_events THEN coalesce(ev_first_closed_at, closed_at) ELSE closed_at END AS close_at
    FROM j
),
o AS (
    SELECT k.*,
           CASE WHEN status_now IS NULL THEN last_solved IS NULL AND close_at IS NULL
                ELSE status_now NOT IN ({solved_list}) END AS open_now,
           CASE WHEN initial_status IS NULL THEN 0 ELSE {_minutes('created_at', 'first_change_at')} END AS initial_minutes
    FROM k
)
SELECT r, source, source_id, created_at, as_of_at, category, customer_key, policy_idx, has_events, fr_key, status_now,
       open_now, first_solved, last_solved,
       CASE WHEN has_messages THEN fr_key.at ELSE first_response_at END AS first_reply,
       CASE WHEN has_messages THEN reply_count - CAST(skip_opening AS INTEGER) ELSE replies END AS agent_reply_count,
       CASE WHEN has_messages THEN coalesce(created_by_agent, created_event_by_agent, opening_is_reply)
            ELSE coalesce(created_by_agent, created_event_by_agent) END AS agent_created,
       CASE WHEN changes IS NOT NULL THEN ev_reopens ELSE reopens END AS reopen_count,
       coalesce(first_solved, close_at) AS first_resolution_end,
       -- a reopened ticket that is open again is not (fully) resolved
       CASE WHEN open_now THEN NULL ELSE coalesce(last_solved, close_at) END AS full_resolution_end,
       -- the initial status lasts from creation to the first change
       CASE WHEN changes IS NULL THEN vendor_requester_wait_minutes
            ELSE coalesce(ev_requester_wait, 0)
                 + CASE WHEN initial_status NOT IN ('pending', {solved_list}) THEN initial_minutes ELSE 0 END END AS requester_wait,
       CASE WHEN changes IS NULL THEN vendor_agent_wait_minutes
            ELSE coalesce(ev_agent_wait, 0) + CASE WHEN initial_status = 'pending' THEN initial_minutes ELSE 0 END END AS agent_wait,
       CASE WHEN changes IS NULL THEN vendor_on_hold_minutes
            ELSE coalesce(ev_on_hold, 0) + CASE WHEN initial_status = 'on_hold' THEN initial_minutes ELSE 0 END END AS on_hold_time
FROM o
""", policy_params)
    _repeat_contacts(con, repeat_days, scoped)


def _repeat_contacts(con, repeat_days: int, scoped: bool = False) -> None:
    """Repeat contact: the same customer opened another ticket in the N days before this one
    (strictly earlier), in the same category when both tickets have one. Narrow rows: windows
    sort what they carry. A scoped build looks back at every ticket of its customers in the
    window (context rows, r NULL), not only at the tickets it derives."""
    window = "RANGE BETWEEN ? PRECEDING AND INTERVAL 1 MICROSECOND PRECEDING"
    repeat = dt.timedelta(days=repeat_days)
    rows = "(SELECT r, customer_key, category, created_at FROM _tm_base WHERE customer_key IS NOT NULL)"
    params: list = []
    if scoped:
        # the span as bound values (not subqueries): the time-sorted table is then read only there
        lo, hi = con.execute("SELECT min(created_at), max(created_at) FROM _tm_base").fetchall()[0]
        rows = f"""(SELECT b.r, c.customer_key, c.category, c.created_at
            FROM (SELECT source, source_id, nullif(trim(customer_id), '') AS customer_key, category, created_at
                  FROM tickets
                  WHERE nullif(trim(customer_id), '') IN (SELECT customer_key FROM _tm_base WHERE customer_key IS NOT NULL)
                    AND created_at >= ?::TIMESTAMP - ?::INTERVAL
                    AND created_at <= ?::TIMESTAMP) c
            LEFT JOIN _tm_base b ON b.source = c.source AND b.source_id = c.source_id)"""
        params = [lo, repeat, hi]
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _tm_rc AS
SELECT r, is_repeat FROM (
SELECT r,
       CASE WHEN category IS NULL THEN count(*) OVER (PARTITION BY customer_key ORDER BY created_at {window}) > 0
            ELSE count(*) OVER (PARTITION BY customer_key, category ORDER BY created_at {window}) > 0
              OR coalesce(sum(CASE WHEN category IS NULL THEN 1 ELSE 0 END)
                   OVER (PARTITION BY customer_key ORDER BY created_at {window}), 0) > 0
       END AS is_repeat
FROM {rows}) WHERE r IS NOT NULL
""", [repeat, repeat, repeat] + params)  # the window's intervals come first in the text, then the rows


def _waits(con, src: _Sources) -> None:
    """Next-reply waits: a customer message after the first reply whose previous message was an
    agent reply or a solve (the oldest unanswered one) waits until the next public agent reply
    or solve. A wait still unanswered counts only while the ticket is open."""
    solved_list = ", ".join(f"'{s}'" for s in SOLVED_STATES)
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _tm_waits AS
WITH k AS (
    SELECT e.source, e.ticket_id, e.event_at, coalesce(e.seq, 0) AS seq,
           CASE WHEN {IS_REPLY} THEN 'R' ELSE 'C' END AS kind
    FROM {src.events} e
    WHERE {IS_REPLY} OR {IS_CUSTOMER}
    UNION ALL
    SELECT source, ticket_id, event_at, seq, 'S' FROM _tm_sc WHERE new_status IN ({solved_list})
),
w AS (
    SELECT *, lag(kind) OVER win AS prev_kind,
           min(CASE WHEN kind <> 'C' THEN event_at END)
               OVER (win ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS wait_until
    FROM k
    WINDOW win AS (PARTITION BY source, ticket_id ORDER BY event_at, seq, kind)
)
SELECT row_number() OVER () AS wid, w.source, w.ticket_id, w.event_at AS wait_from, w.wait_until, b.as_of_at
FROM w
JOIN _tm_base b ON b.source = w.source AND b.source_id = w.ticket_id
WHERE w.kind = 'C' AND w.prev_kind IN ('R', 'S')
  AND b.fr_key IS NOT NULL AND {{'at': w.event_at, 'seq': w.seq}} > b.fr_key
  AND (w.wait_until IS NOT NULL OR b.open_now)
""")


def _business_minutes(con) -> None:
    """Every interval that needs business minutes, in one pass."""
    con.execute("""
CREATE OR REPLACE TEMP TABLE _tm_iv AS
SELECT r * 8 + 0 AS k, source, source_id AS ticket_id, created_at AS start_at, first_reply AS end_at
FROM _tm_base WHERE first_reply IS NOT NULL
UNION ALL
SELECT r * 8 + 1, source, source_id, created_at, first_resolution_end FROM _tm_base WHERE first_resolution_end IS NOT NULL
UNION ALL
-- full resolution differs from the first only for reopened tickets; the others reuse the first
SELECT r * 8 + 2, source, source_id, created_at, full_resolution_end FROM _tm_base
WHERE full_resolution_end IS DISTINCT FROM first_resolution_end AND full_resolution_end IS NOT NULL
UNION ALL
SELECT r * 8 + 4, source, source_id, created_at, as_of_at FROM _tm_base WHERE open_now
UNION ALL
SELECT -wid, source, ticket_id, wait_from, coalesce(wait_until, as_of_at) FROM _tm_waits
""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _tm_bm AS {business_time.business_minutes_sql('_tm_iv')}")
    con.execute("""
CREATE OR REPLACE TEMP TABLE _tm_bt AS
SELECT k // 8 AS r,
       max(business_minutes) FILTER (WHERE k % 8 = 0) AS first_reply_bus,
       max(business_minutes) FILTER (WHERE k % 8 = 1) AS first_resolution_bus,
       max(business_minutes) FILTER (WHERE k % 8 = 2) AS full_resolution_bus,
       max(business_minutes) FILTER (WHERE k % 8 = 4) AS so_far_bus
FROM _tm_bm WHERE k >= 0
GROUP BY 1
""")
    # Created in business hours: the creation instant's minute is a business minute of the schedule
    # in force for the ticket then (its latest ticket_schedules row at or before creation, else its
    # source's default_schedules row, else the settings' default): one lookup in the hour index.
    us_hour, us_minute = business_time.US_PER_HOUR, business_time.US_PER_MINUTE
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _tm_bh AS
WITH at_creation AS (
    SELECT b.r, max({{'v': ts.valid_from, 's': ts.schedule_id}}).s AS schedule_id  -- ties: as business_minutes_sql
    FROM _tm_base b
    JOIN ticket_schedules ts ON ts.source = b.source AND ts.ticket_id = b.source_id AND ts.valid_from <= b.created_at
    GROUP BY b.r
)
SELECT b.r,
       coalesce(((h.minute_mask >> CAST((epoch_us(b.created_at) - h.hour * {us_hour}) // {us_minute} AS INTEGER)) & 1) = 1,
                FALSE) AS in_hours  -- outside the calendar: not in hours
FROM _tm_base b
LEFT JOIN at_creation a ON a.r = b.r
LEFT JOIN default_schedules d ON d.source = b.source
LEFT JOIN {business_time.HOURS_TABLE} h
  ON h.schedule_id = coalesce(a.schedule_id, d.schedule_id, ?) AND h.hour = epoch_us(b.created_at) // {us_hour}
""", [business_time.DEFAULT_SCHEDULE])
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _tm_wt AS
SELECT w.source, w.ticket_id, count(*) AS waits,
       max({_minutes('w.wait_from', 'w.wait_until')}) FILTER (WHERE w.wait_until IS NOT NULL) AS done_cal,
       max(bm.business_minutes) FILTER (WHERE w.wait_until IS NOT NULL) AS done_bus,
       max({_minutes('w.wait_from', 'w.as_of_at')}) FILTER (WHERE w.wait_until IS NULL) AS open_cal,
       max(bm.business_minutes) FILTER (WHERE w.wait_until IS NULL) AS open_bus
FROM _tm_waits w
LEFT JOIN _tm_bm bm ON bm.k = -w.wid
GROUP BY w.source, w.ticket_id
""")


def _final(con, src: _Sources, target: str | None = TABLE) -> None:
    """The rows of ``target`` (a table replaced whole), or of the temporary ``_tm_new`` (target None)."""
    def unit(target: str, business: str, calendar: str) -> str:
        return f"CASE WHEN {target}_business THEN {business} ELSE {calendar} END"

    # first reply: the reply stops the clock; a ticket solved/closed without one stops it at the
    # (first) resolution; an open ticket without one runs to as_of
    fr_elapsed = unit("first_reply",
                      "CASE WHEN first_reply IS NOT NULL THEN first_reply_bus WHEN NOT open_now THEN first_resolution_bus ELSE so_far_bus END",
                      "CASE WHEN first_reply IS NOT NULL THEN first_reply_cal WHEN NOT open_now THEN first_resolution_cal ELSE so_far_cal END")
    res_elapsed = unit("resolution", "CASE WHEN open_now THEN so_far_bus ELSE full_resolution_bus END",
                       "CASE WHEN open_now THEN so_far_cal ELSE full_resolution_cal END")
    fr_status = sla.status_sql(target="first_reply_minutes", elapsed="sla_first_reply_elapsed",
                               completed="(first_reply IS NOT NULL OR (NOT open_now AND first_resolution_end IS NOT NULL))",
                               running="(open_now AND first_reply IS NULL)")
    res_status = sla.status_sql(target="resolution_minutes", elapsed="sla_resolution_elapsed",
                                completed="(NOT open_now AND full_resolution_end IS NOT NULL)", running="open_now")
    # next reply: a breached completed wait is final; otherwise the open wait decides; otherwise achieved
    nr_status = ("CASE WHEN next_reply_minutes IS NULL OR waits IS NULL THEN NULL "
                 "WHEN nr_done > next_reply_minutes THEN 'breached' "
                 "WHEN nr_open IS NOT NULL AND open_now THEN "
                 "CASE WHEN nr_open <= next_reply_minutes THEN 'active' ELSE 'active_breach' END "
                 "WHEN nr_done IS NOT NULL THEN 'achieved' END")
    statuses = [f"sla_{t}_status" for t in sla.TARGETS]
    # a target applies to a ticket when its outcome can be measured: target, flag and elapsed
    # are NULL together with the status
    sla_cols = []
    for t in sla.TARGETS:
        known = f"sla_{t}_status IS NOT NULL"
        sla_cols += [f"CASE WHEN {known} THEN {t}_minutes END AS sla_{t}_target_minutes",
                     f"CASE WHEN {known} THEN {t}_business END AS sla_{t}_business",
                     f"CASE WHEN {known} THEN sla_{t}_elapsed END AS sla_{t}_elapsed_minutes",
                     f"sla_{t}_status"]
    breached = " OR ".join(f"coalesce({c} IN ('breached', 'active_breach'), FALSE)" for c in statuses)
    create = f"CREATE OR REPLACE TABLE {target}" if target else "CREATE OR REPLACE TEMP TABLE _tm_new"
    con.execute(f"""
{create} AS
WITH m AS (
    SELECT b.*, t.priority, t.channel, t.team, t.agent, t.customer_id, t.tags, t.subject,
           t.vendor_first_reply_minutes, t.vendor_first_reply_business_minutes, t.vendor_full_resolution_minutes,
           t.vendor_full_resolution_business_minutes, t.vendor_made_sla,
           CASE WHEN b.first_reply < b.created_at THEN NULL ELSE bt.first_reply_bus END AS first_reply_bus,
           CASE WHEN b.first_resolution_end < b.created_at THEN NULL ELSE bt.first_resolution_bus END AS first_resolution_bus,
           bh.in_hours, bt.so_far_bus,
           CASE WHEN b.full_resolution_end < b.created_at THEN NULL
                WHEN b.full_resolution_end = b.first_resolution_end THEN bt.first_resolution_bus
                ELSE bt.full_resolution_bus END AS full_resolution_bus,
           rc.is_repeat, wt.waits, wt.done_cal, wt.done_bus, wt.open_cal, wt.open_bus,
           p.name AS policy_name,
           p.first_reply_minutes, p.first_reply_business, p.next_reply_minutes, p.next_reply_business,
           p.resolution_minutes, p.resolution_business,
           {_minutes('b.created_at', 'b.first_reply')} AS first_reply_cal,
           {_minutes('b.created_at', 'b.first_resolution_end')} AS first_resolution_cal,
           {_minutes('b.created_at', 'b.full_resolution_end')} AS full_resolution_cal,
           CASE WHEN b.open_now THEN {_minutes('b.created_at', 'b.as_of_at')} END AS so_far_cal
    FROM _tm_base b
    JOIN {src.tickets} t ON {src.rowid} = b.r
    LEFT JOIN _tm_bt bt ON bt.r = b.r
    LEFT JOIN _tm_rc rc ON rc.r = b.r
    LEFT JOIN _tm_bh bh ON bh.r = b.r
    LEFT JOIN _tm_wt wt ON wt.source = b.source AND wt.ticket_id = b.source_id
    LEFT JOIN {sla.POLICY_TABLE} p ON p.idx = b.policy_idx
),
e AS (
    SELECT *,
           {fr_elapsed} AS sla_first_reply_elapsed,
           {res_elapsed} AS sla_resolution_elapsed,
           {unit("next_reply", "done_bus", "done_cal")} AS nr_done,
           {unit("next_reply", "open_bus", "open_cal")} AS nr_open
    FROM m
),
s AS (
    SELECT *,
           greatest(nr_done, nr_open) AS sla_next_reply_elapsed,
           {fr_status} AS sla_first_reply_status,
           {nr_status} AS sla_next_reply_status,
           {res_status} AS sla_resolution_status
    FROM e
)
SELECT
    source, source_id, created_at, status_now AS status, open_now AS is_open, priority, channel, team, agent,
    customer_id, category, tags, subject,
    agent_created AS created_by_agent,
    CASE WHEN has_events THEN 'events' ELSE 'summary' END AS times_from,
    in_hours AS created_in_business_hours,
    first_reply AS first_reply_at,
    first_reply_cal AS first_reply_calendar_minutes,
    first_reply_bus AS first_reply_business_minutes,
    first_solved AS first_solved_at,
    last_solved AS solved_at,
    first_resolution_cal AS first_resolution_calendar_minutes,
    first_resolution_bus AS first_resolution_business_minutes,
    full_resolution_cal AS full_resolution_calendar_minutes,
    full_resolution_bus AS full_resolution_business_minutes,
    CAST(reopen_count AS INTEGER) AS reopens,
    CAST(agent_reply_count AS INTEGER) AS agent_replies,
    CASE WHEN open_now OR agent_reply_count IS NULL THEN NULL ELSE agent_reply_count <= 1 END AS one_touch,
    requester_wait AS requester_wait_minutes,
    agent_wait AS agent_wait_minutes,
    on_hold_time AS on_hold_minutes,
    is_repeat AS repeat_contact,
    policy_name AS sla_policy,
    {', '.join(sla_cols)},
    CASE WHEN {' AND '.join(f'{c} IS NULL' for c in statuses)} THEN NULL ELSE {breached} END AS sla_breached,
    vendor_first_reply_minutes, vendor_first_reply_business_minutes,
    vendor_full_resolution_minutes, vendor_full_resolution_business_minutes, vendor_made_sla,
    nullif(concat_ws(', ', CASE WHEN first_reply < created_at THEN 'first_reply' END,
                     CASE WHEN NOT open_now AND full_resolution_end < created_at THEN 'resolution' END), '') AS negative_duration
FROM s
ORDER BY created_at, source, source_id
""")


# ------------------------------------------------------------------ reconciliation with the vendor

# (name, our expression, the vendor's expression, rows compared): minutes unless noted
RECONCILED = (
    ("first_reply_calendar", "m.first_reply_calendar_minutes", "t.vendor_first_reply_minutes", "TRUE"),
    ("first_reply_business", "m.first_reply_business_minutes", "t.vendor_first_reply_business_minutes", "TRUE"),
    ("first_resolution_calendar", "m.first_resolution_calendar_minutes", "t.vendor_first_resolution_minutes", "TRUE"),
    ("first_resolution_business", "m.first_resolution_business_minutes", "t.vendor_first_resolution_business_minutes", "TRUE"),
    ("full_resolution_calendar", "m.full_resolution_calendar_minutes", "t.vendor_full_resolution_minutes", "TRUE"),
    ("full_resolution_business", "m.full_resolution_business_minutes", "t.vendor_full_resolution_business_minutes", "TRUE"),
    # ours equal the vendor's by construction when no events give them: compare event tickets only
    ("requester_wait", "m.requester_wait_minutes", "t.vendor_requester_wait_minutes", "m.times_from = 'events'"),
    ("agent_wait", "m.agent_wait_minutes", "t.vendor_agent_wait_minutes", "m.times_from = 'events'"),
    ("on_hold", "m.on_hold_minutes", "t.vendor_on_hold_minutes", "m.times_from = 'events'"),
)
TOLERANCE_MINUTES = 1.0  # vendors export whole minutes: a rounding difference is not a disagreement


def vendor_reconciliation(con, include_empty: bool = False) -> list[dict]:
    """Our values against the vendor's precomputed ones, per pair: tickets compared (both known),
    tickets disagreeing by more than a minute (or in the SLA verdict), and the median and p90 of
    the absolute difference (minutes). ``median_difference_minutes`` > 0: ours are longer."""
    out = []
    for name, ours, vendor, where in RECONCILED:
        row = con.execute(f"""
            SELECT count(*), count(*) FILTER (WHERE abs(o - v) > ?),
                   median(abs(o - v)), quantile_cont(abs(o - v), 0.9), median(o - v)
            FROM (SELECT {ours} AS o, {vendor} AS v
                  FROM {TABLE} m JOIN tickets t ON t.source = m.source AND t.source_id = m.source_id
                  WHERE {where}) d
            WHERE o IS NOT NULL AND v IS NOT NULL""", [TOLERANCE_MINUTES]).fetchone()
        out.append({"metric": name, "ours": ours.split(".", 1)[1], "vendor": vendor.split(".", 1)[1], "unit": "minutes",
                    "compared": row[0], "disagreeing": row[1],
                    "disagreeing_share": row[1] / row[0] if row[0] else None,
                    "median_abs_difference_minutes": row[2], "p90_abs_difference_minutes": row[3],
                    "median_difference_minutes": row[4]})
    # the SLA verdict: the vendor's made_sla against ours (no target breached or breaching)
    row = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE (NOT sla_breached) <> vendor_made_sla)
        FROM {TABLE} WHERE sla_breached IS NOT NULL AND vendor_made_sla IS NOT NULL""").fetchone()
    out.append({"metric": "made_sla", "ours": "sla_breached (negated)", "vendor": "vendor_made_sla", "unit": "verdict",
                "compared": row[0], "disagreeing": row[1], "disagreeing_share": row[1] / row[0] if row[0] else None,
                "median_abs_difference_minutes": None, "p90_abs_difference_minutes": None,
                "median_difference_minutes": None})
    return out if include_empty else [r for r in out if r["compared"]]
