"""Incremental derived tables: after a load, only the affected tickets, customers and days.

The store (loaders/store.py) calls ``INCREMENTAL.before(session, changes)`` before it writes a
load's rows and ``after(session, changes, state)`` after; a settings change, ``recompute`` or a
schedule load rebuild everything instead (``derive.build`` + ``rollups.build_rollups``).

What a change reaches (docs/decisions.md, "Incremental derived tables"):

* **tickets to derive again** (``ticket_metrics``): the loaded or removed tickets, the tickets whose
  events or schedules were loaded or removed, every ticket of the same customer created up to
  ``metrics.repeat_contact_days`` after an old or new version of a changed ticket (its repeat
  contact flag looks back at them), and the open tickets of a source whose ``as_of`` moved (their
  "so far" times and running SLA targets are measured to it);
* **customers whose segment changed**: their tickets, surveys and calls move between segment
  cells of the cubes (and sample rows), without being derived again;
* **survey facts**: surveys loaded or removed, surveys of changed tickets (they take the
  ticket's dimensions) and of customers whose segment changed;
* **cubes**: for every fact, the contributions of the affected rows before the load are
  subtracted and those after it added, per day (so a ticket moving between days, changing its
  SLA outcome or its segment moves between cells), and the same per month.
"""
from __future__ import annotations

import datetime as dt
import time

from loaders.store import FLOAT_ZERO
from metrics import business_time, clock, derive, rollups
from metrics.facts import table_exists, table_has_rows
from metrics.filters import SEGMENT_MAP_SQL

KEYS = ("source", "source_id")
TICKET_TIMES = ("created_at", "updated_at", "first_response_at", "first_solved_at", "solved_at", "closed_at")


def _settings() -> dict:
    import config

    return config.get()


def _names(con) -> set[str]:
    """Tables and views of the current catalog (one catalog query instead of one per table)."""
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = current_schema() "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
        "AND schema_name = current_schema()").fetchall()}


def _union(parts: list[str]) -> str:
    return " UNION ".join(parts) if parts else "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS source_id LIMIT 0"


WHOLE = ...  # a span that cannot narrow the read (a row without a date): the contribution reads every row


def _span(con, relation: str, column: str, scope: str | None = None):
    """(min, max) of ``column`` over the rows of ``relation`` whose keys are in ``scope`` (all rows
    without one); None when there is no such row; WHOLE when one of them has no value."""
    where = (f" WHERE EXISTS (SELECT 1 FROM {scope} _s WHERE _s.source = r.source AND _s.source_id = r.source_id)"
             if scope else "")
    n, undated, lo, hi = con.execute(f"SELECT count(*), count(*) FILTER (WHERE r.{column} IS NULL), min(r.{column}), "
                                     f"max(r.{column}) FROM {relation} r{where}").fetchall()[0]
    if not n:
        return None
    return WHOLE if undated else (lo, hi)


def _widen(a, b):
    """The span covering both (None: no rows; WHOLE: everything)."""
    if a is None or b is None:
        return a if b is None else b
    if a is WHOLE or b is WHOLE:
        return WHOLE
    return (min(a[0], b[0]), max(a[1], b[1]))


class Incremental:
    """The store's incremental hook for ``derive.build`` and ``rollups.build_rollups``."""

    def before(self, w, changes) -> dict:
        con = w.con
        settings = _settings()
        metric_settings = settings.get("metrics", {})
        inc, rem = changes.incoming, changes.removed
        state: dict = {"settings": settings, "started": time.perf_counter()}
        names = _names(con)
        if "ticket_metrics" not in names:
            state["full"] = True  # nothing derived yet: build it all (small by construction)
            return state

        # ---- tickets whose raw row changes, and every ticket to derive again
        changed = []
        if "tickets" in inc:
            changed.append(f"SELECT DISTINCT source, source_id FROM {inc['tickets']}")
        if "tickets" in rem:
            changed.append(f"SELECT source, source_id FROM {rem['tickets']}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_changed AS {_union(changed)}")
        derive_parts = ["SELECT source, source_id FROM _inc_changed"]
        for table in ("ticket_events", "ticket_schedules"):
            if table in inc:
                derive_parts.append(f"SELECT DISTINCT source, ticket_id FROM {inc[table]}")
            if table in rem:
                derive_parts.append(f"SELECT source, ticket_id FROM {rem[table]}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_a AS {_union(derive_parts)}")

        # repeat contacts look back N days: later tickets of the same customers
        days = int(metric_settings.get("repeat_contact_days", 7))
        versions = ["SELECT nullif(trim(m.customer_id), '') AS ck, m.created_at FROM ticket_metrics m "
                    "WHERE EXISTS (SELECT 1 FROM _inc_changed c WHERE c.source = m.source AND c.source_id = m.source_id)"]
        if "tickets" in inc:
            versions.append(f"SELECT nullif(trim(customer_id), ''), created_at FROM {inc['tickets']}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_versions AS SELECT DISTINCT * FROM ({' UNION ALL '.join(versions)}) "
                    f"WHERE ck IS NOT NULL AND created_at IS NOT NULL")
        n, first, last = con.execute("SELECT count(*), min(created_at), max(created_at) FROM _inc_versions").fetchall()[0]
        if n:
            # the later tickets lie between the first version and N days after the last: a time span
            # of the time-sorted table, not all of it
            con.execute("""INSERT INTO _inc_a
                SELECT m.source, m.source_id FROM ticket_metrics m
                JOIN _inc_versions v ON nullif(trim(m.customer_id), '') = v.ck
                 AND m.created_at > v.created_at AND m.created_at <= v.created_at + ?::INTERVAL
                WHERE m.created_at > ? AND m.created_at <= ?::TIMESTAMP + ?::INTERVAL
                  AND nullif(trim(m.customer_id), '') IN (SELECT ck FROM _inc_versions)""",
                        [dt.timedelta(days=days), first, last, dt.timedelta(days=days)])

        # as_of per source: open tickets are measured to it
        state["asof"] = self._asof_before(con, inc, rem, names)
        moved = [s for s, (old, new, maybe) in state["asof"].items() if new is not None and new != old]
        if moved:
            con.execute("CREATE OR REPLACE TEMP TABLE _inc_moved (source VARCHAR)")
            con.executemany("INSERT INTO _inc_moved VALUES (?)", [[s] for s in moved])
            con.execute("INSERT INTO _inc_a SELECT source, source_id FROM ticket_metrics WHERE is_open "
                        "AND source IN (SELECT source FROM _inc_moved)")
        con.execute("CREATE OR REPLACE TEMP TABLE _inc_a AS SELECT DISTINCT source, source_id FROM _inc_a")

        # ---- customers whose segment changes
        self._segments(con, inc, rem)
        seg_tickets = ("SELECT source, source_id FROM ticket_metrics WHERE customer_id IN (SELECT customer_id FROM _inc_seg)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_t AS SELECT source, source_id FROM _inc_a UNION {seg_tickets}")
        # ticket_sat (raw tickets): raw changes and segment changes
        con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_ts AS SELECT source, source_id FROM _inc_changed UNION "
                    f"SELECT source, source_id FROM tickets WHERE customer_id IN (SELECT customer_id FROM _inc_seg)")
        # survey facts: surveys changed, of changed tickets (their dimensions), of changed segments
        survey_parts = []
        if "surveys" in inc:
            survey_parts.append(f"SELECT DISTINCT source, source_id FROM {inc['surveys']}")
        if "surveys" in rem:
            survey_parts.append(f"SELECT source, source_id FROM {rem['surveys']}")
        if "surveys" in names:
            survey_parts.append("SELECT source, source_id FROM surveys WHERE ticket_id IN (SELECT source_id FROM _inc_changed)"
                                " OR customer_id IN (SELECT customer_id FROM _inc_seg)")
        if "survey_facts" in names:
            survey_parts.append("SELECT source, source_id FROM survey_facts WHERE customer_id IN "
                                "(SELECT customer_id FROM _inc_seg)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_s AS {_union(survey_parts)}")
        call_parts = []
        if "calls" in inc:
            call_parts.append(f"SELECT DISTINCT source, source_id FROM {inc['calls']}")
        if "calls" in rem:
            call_parts.append(f"SELECT source, source_id FROM {rem['calls']}")
        if "calls" in names:
            call_parts.append("SELECT source, source_id FROM calls WHERE customer_id IN (SELECT customer_id FROM _inc_seg)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _inc_k AS {_union(call_parts)}")

        # ---- what the affected rows contribute now (subtracted after the write), read only in the
        # time span of the affected rows (one narrow scan finds it: the contributions then skip
        # every other block of the time-sorted tables)
        state["ranges"] = {}
        if "ticket_metrics" in names:
            state["ranges"]["tickets"] = _span(con, "ticket_metrics", "created_at", "_inc_t")
            # the raw rows of _inc_ts are tickets of _inc_t (changed tickets, tickets of changed
            # segments) and ticket_metrics keeps each ticket's created_at: the same span holds them
            state["ranges"]["ticket_sat"] = state["ranges"]["tickets"]
        elif "tickets" in names:
            state["ranges"]["ticket_sat"] = _span(con, "tickets", "created_at", "_inc_ts")
        state["old"] = self._contributions(con, metric_settings, "old", names=names, ranges=state["ranges"])
        return state

    # ------------------------------------------------------------------ after the write
    def after(self, w, changes, state: dict) -> None:
        con = w.con
        settings = state["settings"]
        metric_settings = settings.get("metrics", {})
        if state.get("full"):
            from loaders.store import POST_LOAD_HOOKS

            for hook in POST_LOAD_HOOKS:
                if getattr(hook, "__module__", "").startswith("metrics."):
                    hook(con)
            return
        t0 = time.perf_counter()
        names = _names(con)
        asof = self._asof_after(con, state["asof"])
        # sources whose as_of turned out to move only now (a removed row held the latest time)
        late = [s for s, (old, new, maybe) in state["asof"].items() if maybe and asof.get(s) != old]
        if late:
            con.execute("CREATE OR REPLACE TEMP TABLE _inc_late AS SELECT source, source_id FROM ticket_metrics "
                        "WHERE is_open AND source IN (SELECT unnest(?::VARCHAR[])) EXCEPT SELECT source, source_id FROM _inc_t",
                        [late])
            con.execute("INSERT INTO _inc_a SELECT * FROM _inc_late")
            con.execute("INSERT INTO _inc_t SELECT * FROM _inc_late")
            late_span = _span(con, "ticket_metrics", "created_at", "_inc_late")
            state["ranges"]["tickets"] = _widen(state["ranges"].get("tickets"), late_span)
            if late_span is not None:  # (WHOLE included: read whole)
                self._contributions(con, metric_settings, "old", only_tickets="_inc_late", append=True, names=names,
                                    ranges={"tickets": late_span}, old=state["old"])
        con.execute("CREATE OR REPLACE TEMP TABLE _tm_asof (source VARCHAR, as_of TIMESTAMP)")
        con.executemany("INSERT INTO _tm_asof VALUES (?, ?)", [[s, a] for s, a in asof.items() if a is not None])
        self._calendar(con, settings)
        before_counts = dict(con.execute("SELECT source, count(*) FROM ticket_metrics m WHERE EXISTS "
                                         "(SELECT 1 FROM _inc_a a WHERE a.source = m.source AND a.source_id = m.source_id) "
                                         "GROUP BY source").fetchall())
        # the raw rows to derive: unchanged ones (their created_at is ticket_metrics' own, inside the
        # span found before the write) and the incoming ones
        incoming = _span(con, changes.incoming["tickets"], "created_at") if "tickets" in changes.incoming else None
        span = _widen(state["ranges"].get("tickets", WHOLE), incoming)
        result = derive.build(con, settings, scope="_inc_a", time_range=None if span in (None, WHOLE) else span)
        old_span = state["ranges"].get("tickets", WHOLE)  # the old rows of _inc_a (_inc_t holds them all)
        w.replace("ticket_metrics", KEYS, "_inc_a", "SELECT * FROM _tm_new",
                  narrow=None if old_span in (None, WHOLE) else ("created_at", *old_span))
        after_counts = dict(con.execute("SELECT source, count(*) FROM _tm_new GROUP BY source").fetchall())
        # after the write the scope's rows are the re-derived ones (_tm_new) and the untouched ones
        # (segment changes: inside the span before); the raw tickets likewise with the incoming rows
        ranges = dict(state["ranges"])
        ranges["tickets"] = _widen(ranges.get("tickets"), _span(con, "_tm_new", "created_at"))
        if "tickets" in changes.incoming:
            ranges["ticket_sat"] = _widen(ranges.get("ticket_sat"), _span(con, changes.incoming["tickets"], "created_at"))
        self._info(w, con, asof, before_counts, after_counts, time.perf_counter() - t0)
        con.execute("DROP TABLE IF EXISTS _tm_new")
        self._survey_facts(w, con, names)
        names = _names(con)
        new = self._contributions(con, metric_settings, "new", names=names, ranges=ranges)
        meta = rollups.read_meta(con)
        for fact in rollups._facts():
            exists = rollups.cube_table(fact) in names
            if fact.table not in names or not table_has_rows(con, fact.table):
                continue
            if not exists:  # the first rows of this kind: its cubes in full (a small table by construction)
                rollups.build_fact(con, fact, metric_settings)
                w.forget()
            else:
                self._apply_diffs(w, con, fact, state["old"], new)
            meta[fact.name] = {"fingerprint": fact.fingerprint(metric_settings), "version": rollups.VERSION}
        share = float((meta.get("sample") or {}).get("share", rollups.SAMPLE_SHARE))
        if rollups.SAMPLE_TABLE in names:
            span = ranges.get("tickets", WHOLE)  # the scope's rows after the write
            if span is None:
                w.replace(rollups.SAMPLE_TABLE, KEYS, "_inc_t", None)
            else:
                narrowed = span is not WHOLE
                w.replace(rollups.SAMPLE_TABLE, KEYS, "_inc_t",
                          rollups.sample_sql(con, metric_settings, scope="_inc_t", share=share, time_range=narrowed),
                          list(span) if narrowed else None)
        else:
            con.execute(f"CREATE OR REPLACE TABLE {rollups.SAMPLE_TABLE} AS SELECT * FROM "
                        f"({rollups.sample_sql(con, metric_settings, share=share)}) ORDER BY u")
            w.forget()
        meta["sample"] = {"share": share, "version": rollups.VERSION}
        rollups.write_meta(con, {k: {kk: vv for kk, vv in v.items() if kk not in ("stamp", "rows")}
                                 for k, v in meta.items()})
        for temp in ("_inc_changed", "_inc_a", "_inc_versions", "_inc_moved", "_inc_seg", "_inc_t", "_inc_ts", "_inc_s",
                     "_inc_k", "_inc_late", "_tm_asof", *state["old"].values(), *new.values()):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
        w.seconds["derived"] = w.seconds.get("derived", 0.0) + time.perf_counter() - t0
        w.seconds["derive_rows"] = result["rows"]

    # ------------------------------------------------------------------ pieces
    def _asof_before(self, con, inc: dict, rem: dict, names: set) -> dict:
        """{source: (old as_of, new as_of or None when unknown yet, maybe lower: a changed row held it)}."""
        old = {}
        if derive.INFO_TABLE in names:
            old = dict(con.execute(f"SELECT source, as_of FROM {derive.INFO_TABLE}").fetchall())
        incoming: dict = {}
        latest = "greatest(" + ", ".join(f"max({c})" for c in TICKET_TIMES) + ")"
        if "tickets" in inc:
            for s, at in con.execute(f"SELECT source, {latest} FROM {inc['tickets']} GROUP BY source").fetchall():
                incoming[s] = max(at, incoming.get(s, at)) if at is not None else incoming.get(s)
        if "ticket_events" in inc:
            for s, at in con.execute(f"SELECT source, max(event_at) FROM {inc['ticket_events']} GROUP BY source").fetchall():
                if at is not None:
                    incoming[s] = max(at, incoming[s]) if incoming.get(s) is not None else at
        # old versions holding a source's latest time: the source's as_of may go down
        held: set = set()
        row_latest = "greatest(" + ", ".join(f"t.{c}" for c in TICKET_TIMES) + ")"
        keysets = []
        if "tickets" in inc:
            keysets.append(f"SELECT DISTINCT source, source_id FROM {inc['tickets']}")
        if "tickets" in rem:
            keysets.append(f"SELECT source, source_id FROM {rem['tickets']}")
        if keysets and "tickets" in names:
            held |= {s for (s,) in con.execute(
                f"SELECT DISTINCT t.source FROM tickets t JOIN {derive.INFO_TABLE} i ON i.source = t.source "
                f"WHERE {row_latest} >= i.as_of AND EXISTS (SELECT 1 FROM ({_union(keysets)}) k "
                f"WHERE k.source = t.source AND k.source_id = t.source_id)").fetchall()}
        ev = []
        if "ticket_events" in inc:
            ev.append(f"SELECT DISTINCT source, ticket_id FROM {inc['ticket_events']}")
        if "ticket_events" in rem:
            ev.append(f"SELECT source, ticket_id FROM {rem['ticket_events']}")
        if ev and "ticket_events" in names:
            held |= {s for (s,) in con.execute(
                f"SELECT DISTINCT e.source FROM ticket_events e JOIN {derive.INFO_TABLE} i ON i.source = e.source "
                f"WHERE e.event_at >= i.as_of AND EXISTS (SELECT 1 FROM ({' UNION '.join(ev)}) k "
                f"WHERE k.source = e.source AND k.ticket_id = e.ticket_id)").fetchall()}
        out = {}
        for s in set(old) | set(incoming):
            before, new_max = old.get(s), incoming.get(s)
            if s in held:
                out[s] = (before, None, True)  # known after the write (a scan of that source)
            elif new_max is not None and (before is None or new_max > before):
                out[s] = (before, new_max, False)
            else:
                out[s] = (before, before, False)
        return out

    def _asof_after(self, con, before: dict) -> dict:
        out = {s: new for s, (old, new, maybe) in before.items() if not maybe}
        maybe = [s for s, (_, _, m) in before.items() if m]
        if maybe:
            latest = "greatest(" + ", ".join(f"max({c})" for c in TICKET_TIMES) + ")"
            for s in maybe:
                t = con.execute(f"SELECT {latest} FROM tickets WHERE source = ?", [s]).fetchone()[0]
                e = con.execute("SELECT max(event_at) FROM ticket_events WHERE source = ?", [s]).fetchone()[0]
                out[s] = max((x for x in (t, e) if x is not None), default=None)
        return out

    def _calendar(self, con, settings: dict) -> None:
        """The business calendar covers every derived interval: extend it when a load reaches past it."""
        lo, hi = con.execute("SELECT min(t.created_at), (SELECT max(as_of) FROM _tm_asof) FROM tickets t WHERE EXISTS "
                             "(SELECT 1 FROM _inc_a a WHERE a.source = t.source AND a.source_id = t.source_id)").fetchone()
        if lo is None or hi is None:
            return
        from loaders import parsing

        earliest, latest = parsing.plausible_window(settings)  # never past the plausible window (docs/plausibility.md)
        lo = min(max(lo, earliest), latest)
        hi = min(max(hi, lo), latest)
        covered = business_time.calendar_range(con)
        if covered is not None and covered[0].date() <= lo.date() and covered[1].date() > hi.date():
            return
        first = min(lo.date(), covered[0].date()) if covered else lo.date()
        last = max(hi.date(), (covered[1] - dt.timedelta(days=1)).date()) if covered else hi.date()
        business_time.ensure_default_schedule(con, settings.get("business_hours", {}), range(first.year, last.year + 1))
        business_time.build_calendar(con, first, last)

    def _info(self, w, con, asof: dict, before: dict, after: dict, seconds: float) -> None:
        old = {}
        if table_exists(con, derive.INFO_TABLE):
            old = {s: n for s, n in con.execute(f"SELECT source, tickets FROM {derive.INFO_TABLE}").fetchall()}
        rows = []
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for s in sorted(set(asof) | set(old)):
            if asof.get(s) is None:
                continue
            n = int(old.get(s) or 0) - int(before.get(s) or 0) + int(after.get(s) or 0)
            rows.append([s, asof[s], n, now, seconds])
        con.execute(f"CREATE OR REPLACE TABLE {derive.INFO_TABLE} (source VARCHAR, as_of TIMESTAMP, tickets BIGINT, "
                    f"built_at TIMESTAMP, build_seconds DOUBLE)")
        if rows:
            con.executemany(f"INSERT INTO {derive.INFO_TABLE} VALUES (?, ?, ?, ?, ?)", rows)

    def _segments(self, con, inc: dict, rem: dict) -> None:
        """_inc_seg(customer_id): customers whose segment (filters.SEGMENT_MAP_SQL) the write changes."""
        con.execute("CREATE OR REPLACE TEMP TABLE _inc_seg (customer_id VARCHAR)")
        if "customers" not in inc and "customers" not in rem:
            return
        parts = []
        if "customers" in inc:
            parts.append(f"SELECT source, source_id FROM {inc['customers']}")
        if "customers" in rem:
            parts.append(f"SELECT source, source_id FROM {rem['customers']}")
        keys = " UNION ".join(parts)
        ids = f"(SELECT DISTINCT source_id FROM ({keys}))"
        kept = (f"SELECT source_id, segment FROM customers c WHERE c.source_id IN {ids} AND NOT EXISTS "
                f"(SELECT 1 FROM ({keys}) k WHERE k.source = c.source AND k.source_id = c.source_id)")
        new_rows = kept + (f" UNION ALL SELECT source_id, segment FROM {inc['customers']}" if "customers" in inc else "")
        con.execute(f"""INSERT INTO _inc_seg
            SELECT coalesce(o.customer_id, n.customer_id) FROM
              (SELECT * FROM {SEGMENT_MAP_SQL} m WHERE m.customer_id IN {ids}) o
            FULL JOIN (SELECT source_id AS customer_id, min(segment) AS segment FROM ({new_rows})
                       WHERE segment IS NOT NULL GROUP BY source_id) n ON n.customer_id = o.customer_id
            WHERE o.segment IS DISTINCT FROM n.segment""")

    def _survey_facts(self, w, con, names: set) -> None:
        if "surveys" not in names or not table_has_rows(con, "surveys"):
            return
        from metrics.satisfaction import survey_facts_sql

        sql = survey_facts_sql(con)
        if "survey_facts" not in names:
            con.execute(f"CREATE OR REPLACE TABLE survey_facts AS SELECT * FROM ({sql}) ORDER BY responded_at")
            w.forget()
            return
        scoped = ("(SELECT * FROM surveys _sv WHERE EXISTS (SELECT 1 FROM _inc_s k WHERE k.source = _sv.source "
                  "AND k.source_id = _sv.source_id))")
        narrowed = sql.replace("FROM surveys s", f"FROM {scoped} s").replace(
            "SELECT ticket_id FROM surveys WHERE", f"SELECT ticket_id FROM {scoped} WHERE")
        if narrowed.count(scoped) < 1:  # a survey_facts query this module does not know: the whole table
            narrowed = f"SELECT * FROM ({sql}) f WHERE EXISTS (SELECT 1 FROM _inc_s k WHERE k.source = f.source " \
                       f"AND k.source_id = f.source_id)"
        w.replace("survey_facts", KEYS, "_inc_s", narrowed)

    def _contributions(self, con, metric_settings: dict, label: str, only_tickets: str | None = None,
                       append: bool = False, names: set | None = None, ranges: dict | None = None,
                       old: dict | None = None) -> dict:
        """Temp tables of what the affected rows add to the cubes, at the finest grain: {fact: temp table}.
        ``ranges``: {fact: (lo, hi) of its date column over the scope's rows, None: no rows, WHOLE};
        a fact without an entry is read whole. ``append`` adds to the tables of ``old``."""
        scopes = {"tickets": "_inc_t", "ticket_sat": "_inc_ts", "surveys": "_inc_s", "calls": "_inc_k"}
        ranges = ranges or {}
        out = {}
        for fact in rollups._facts():
            if only_tickets is not None and fact.name != "tickets":
                continue
            names = names if names is not None else _names(con)
            if fact.table not in names or rollups.cube_table(fact) not in names:
                continue
            if fact.name == "surveys" and "survey_facts" not in names:
                continue
            span = ranges.get(fact.name, WHOLE)
            if span is None:
                continue  # no row of the scope: it contributes nothing
            temp = f"_inc_{label}_{fact.name}"
            sql, params = rollups.contribution_sql(fact, con, metric_settings, scope=only_tickets or scopes[fact.name],
                                                   time_range=None if span is WHOLE else span)
            if append and old is not None and fact.name in old:
                con.execute(f"INSERT INTO {temp} BY NAME {sql}", params)
            else:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS {sql}", params)
                if old is not None:
                    old[fact.name] = temp
            out[fact.name] = temp
        return out

    def _apply_diffs(self, w, con, fact, old: dict, new: dict) -> None:
        """New contributions minus old ones, per cuboid, day and month: the cubes' correction rows."""
        if fact.name not in old and fact.name not in new:
            return
        names = rollups.agg_names(fact)
        keys = ", ".join(["day"] + [rollups._col(d) for d in rollups.all_dims(fact)])
        parts = []
        if fact.name in new:
            parts.append(f"SELECT {keys}, {', '.join(names)} FROM {new[fact.name]}")
        if fact.name in old:
            parts.append(f"SELECT {keys}, {', '.join(f'-{n} AS {n}' for n in names)} FROM {old[fact.name]}")
        sums = ", ".join(f"coalesce(sum({n}), 0)::{rollups._agg_type(fact, n)} AS {n}" for n in names)
        nonzero = " OR ".join(f"abs(coalesce(sum({n}), 0)) > {FLOAT_ZERO}" if rollups._agg_type(fact, n) == "DOUBLE"
                              else f"coalesce(sum({n}), 0) <> 0" for n in names)  # float residue is no change
        diff = f"_inc_diff_{fact.name}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {diff} AS SELECT {keys}, {sums} FROM "
                    f"({' UNION ALL '.join(parts)}) GROUP BY ALL HAVING {nonzero}")
        if con.execute(f"SELECT count(*) FROM {diff}").fetchone()[0]:
            w.append(rollups.cube_table(fact), rollups.cube_sql(fact, diff))
        con.execute(f"DROP TABLE {diff}")


INCREMENTAL = Incremental()
