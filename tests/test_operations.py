"""The operations analyses (metrics/operations/): each against a small fixture built for it, with the
answer counted by hand in the comments; the initiatives also against the sample generator's injected
effects; the CLI, the snapshot and the audit sections."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

import config
from loaders import schema
from loaders.store import init_schema
from metrics import derive
from metrics.filters import Filters
from metrics.operations import agent_load, channel_switches, drivers, escalation, initiatives, reply_targets
from ui.safe import plain

ROOT = Path(__file__).resolve().parents[1]
D = dt.datetime


def settings(**sections) -> dict:
    """The default settings with some sections replaced (never the user's file)."""
    s = config.defaults()
    for name, value in sections.items():
        s[name] = value
    return s


def database(tickets=(), calls=(), surveys=(), customers=(), events=(), s: dict | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory store with the canonical tables filled from dicts and ticket_metrics built."""
    con = duckdb.connect(":memory:")
    init_schema(con)
    for table, rows in (("tickets", tickets), ("calls", calls), ("surveys", surveys), ("customers", customers),
                        ("ticket_events", events)):
        rows = list(rows)
        if not rows:
            continue
        types = schema.polars_schema(table)
        frame = pl.DataFrame([{c: r.get(c) for c in types} for r in rows], schema=types, orient="row")
        con.register("incoming", frame.to_arrow())
        con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
        con.unregister("incoming")
    derive.build(con, s or settings())
    return con


def ticket(i, created, reply=None, solved=None, status=None, **extra) -> dict:
    return {"source": extra.pop("source", "t"), "source_id": str(i), "created_at": created, "first_response_at": reply,
            "solved_at": solved, "status": status or ("solved" if solved else "open"), **extra}


# ================================================================ reply targets
@pytest.fixture(scope="module")
def targets_db():
    """as_of = the latest timestamp of source t: T10's creation, 2025-01-08 10:00."""
    day6, day7, day8 = D(2025, 1, 6), D(2025, 1, 7), D(2025, 1, 8)
    tickets = [
        ticket(1, day6.replace(hour=10), day6.replace(hour=10, minute=3), day6.replace(hour=10, minute=30), channel="chat"),
        ticket(2, day6.replace(hour=11), day6.replace(hour=11, minute=10), day6.replace(hour=12), channel="chat"),
        ticket(3, day6.replace(hour=12), channel="chat"),                               # open, unreplied, 46 h old
        ticket(4, day8.replace(hour=9, minute=58), channel="chat"),                     # open, unreplied, 2 min old
        ticket(5, day6.replace(hour=9), day7.replace(hour=8), day7.replace(hour=9), channel="email"),    # 23 h
        ticket(6, day6.replace(hour=9), day7.replace(hour=10), day7.replace(hour=11), channel="email"),  # 25 h
        ticket(7, day7.replace(hour=12), channel="email"),                              # open, unreplied, 22 h old
        ticket(8, day6.replace(hour=8), day6.replace(hour=8, minute=30), day6.replace(hour=9), channel="web"),
        ticket(9, day6.replace(hour=13), None, day6.replace(hour=14), channel="email"),  # solved without a reply
        ticket(10, day8.replace(hour=10), channel="web"),                               # open, 0 min old
    ]
    calls = [
        {"source": "pbx", "source_id": "c1", "queued_at": day6.replace(hour=15), "wait_seconds": 10, "outcome": "answered", "talk_seconds": 60},
        {"source": "pbx", "source_id": "c2", "queued_at": day6.replace(hour=16), "wait_seconds": 25, "outcome": "answered", "talk_seconds": 60},
        {"source": "pbx", "source_id": "c3", "queued_at": day6.replace(hour=17), "wait_seconds": 40, "outcome": "abandoned"},
        {"source": "pbx", "source_id": "c4", "queued_at": day6.replace(hour=18), "wait_seconds": 3, "outcome": "abandoned"},  # short
        {"source": "pbx", "source_id": "c5", "queued_at": day6.replace(hour=19), "outcome": "answered", "talk_seconds": 60},  # no wait
    ]
    return database(tickets, calls)


def test_reply_targets_per_channel_by_hand(targets_db):
    r = reply_targets.analyse(targets_db, settings=settings())
    by = {row["channel"]: row for row in r["channels"]}
    # chat (5 min): decided = T1 (3 min), T2 (10 min), T3 (open 46 h) = 3; within = T1; pending = T4 (2 min old)
    assert (by["chat"]["decided"], by["chat"]["within"], by["chat"]["pending"]) == (3, 1, 1)
    assert by["chat"]["rate"] == pytest.approx(1 / 3)
    # email (1440 min): decided = T5 (1380), T6 (1500) = 2; within = T5; pending = T7 (1320 min old); T9 needed no reply
    assert (by["email"]["decided"], by["email"]["within"], by["email"]["pending"]) == (2, 1, 1)
    assert by["email"]["tickets"] == 4 and by["email"]["needing_reply"] == 3
    # web has no target: listed, not judged, and named in a note
    assert by["web"]["target_minutes"] is None and by["web"]["rate"] is None
    assert any("web" in n for n in r["notes"])
    assert r["replied_within_target"] == pytest.approx((1 + 1) / (3 + 2))
    # phone (20 s): c1 (10 s) within; c2 (25 s), c3 (abandoned after 40 s) not; c4 a short abandon, c5 no wait: left out
    assert (by["phone"]["decided"], by["phone"]["within"]) == (3, 1)
    assert r["phone_answered_within_target"] == pytest.approx(1 / 3)


def test_still_unanswered_after_24h_by_hand(targets_db):
    u = reply_targets.analyse(targets_db, settings=settings())["unanswered"]
    # late: T6 (replied after 25 h) and T3 (open, unreplied, 46 h); decided at 24 h: the 5 replied tickets
    # (T1, T2, T5, T6, T8) + T3; T4, T7, T10 are open and younger than 24 h; T9 needed no reply
    assert (u["count"], u["decided"], u["open_now"]) == (2, 6, 1)
    assert u["rate"] == pytest.approx(2 / 6)
    # three days of data: by day (T7 was created on the 7th and is pending, T4/T10 on the 8th)
    assert u["grain"] == "day"
    assert [(p["period"], p["count"], p["decided"]) for p in u["trend"]] == [
        ("2025-01-06", 2, 6), ("2025-01-07", 0, 0), ("2025-01-08", 0, 0)]
    weekly = reply_targets.analyse(targets_db, settings=settings(), grain="week")["unanswered"]["trend"]
    assert [(p["period"], p["count"], p["decided"]) for p in weekly] == [("2025-01-06", 2, 6)]
    # a 48 h threshold: only... nobody (T3 is 46 h old, T6 replied after 25 h)
    s = settings(reply_targets={"minutes": {"chat": 5, "email": 1440}, "phone_answer_seconds": 20, "unanswered_hours": 48})
    assert reply_targets.analyse(targets_db, settings=s)["unanswered"]["count"] == 0


def test_the_overviews_lean_unanswered_pass_equals_the_full_analysis(targets_db):
    """The Overview reads ``unanswered_only`` (one lean pass, no per-channel medians): the same
    counts, rates and trend as ``analyse`` for every threshold, grain and filter tried."""
    for hours in (24, 48, 0.01):
        s = settings(reply_targets={"minutes": {"chat": 5, "email": 1440}, "phone_answer_seconds": 20,
                                    "unanswered_hours": hours})
        for f in (Filters(), Filters(channel=("chat",)), Filters(date_from="2025-01-07")):
            full = reply_targets.analyse(targets_db, f, settings=s)["unanswered"]
            lean = reply_targets.unanswered_only(targets_db, f, settings=s)["unanswered"]
            assert lean == full, (hours, f)
    lean = reply_targets.unanswered_only(targets_db, settings=settings())["unanswered"]
    assert (lean["count"], lean["decided"], lean["open_now"]) == (2, 6, 1)  # by hand: see the test above


def test_reply_targets_honour_filters_and_say_when_calls_cannot(targets_db):
    r = reply_targets.analyse(targets_db, Filters(channel=("chat",)), settings=settings())
    assert [row["channel"] for row in r["channels"]] == ["chat"]
    assert r["phone_answered_within_target"] is None
    assert "channel" in r["not_measurable"]["phone_answered_within_target"]
    r = reply_targets.analyse(targets_db, Filters(date_from="2025-01-07"), settings=settings())
    by = {row["channel"]: row for row in r["channels"]}
    # created from 2025-01-07: chat T4 (pending), email T7 (pending): nothing decided yet
    assert by["chat"]["decided"] == 0 and by["chat"]["rate"] is None and by["chat"]["pending"] == 1


def test_phone_tickets_beside_the_call_target():
    day = D(2025, 1, 6)
    tickets = [ticket(1, day.replace(hour=10), day.replace(hour=10, minute=30), day.replace(hour=11), channel="phone"),
               ticket(2, day.replace(hour=11), day.replace(hour=13), day.replace(hour=14), channel="phone"),
               ticket(3, day.replace(hour=12), day.replace(hour=12, minute=2), day.replace(hour=13), channel="chat")]
    calls = [{"source": "pbx", "source_id": "c1", "queued_at": day.replace(hour=15), "wait_seconds": 10, "outcome": "answered"}]
    con = database(tickets, calls)
    r = reply_targets.analyse(con, settings=settings())
    # the phone row is the calls' (c1 within 20 s: 1 of 1); the 2 phone tickets are named apart, not "phone has no target"
    assert [(row["channel"], row["from"]) for row in r["channels"]] == [("chat", "tickets"), ("phone", "calls")]
    assert r["phone_tickets_not_judged"] == 2
    assert any(n.startswith("2 ticket(s) of channel phone") for n in r["notes"])
    assert not any(n.startswith("no first-reply target") for n in r["notes"])
    # a minutes target for phone judges the tickets too: T1 (30 min) within 60 min, T2 (120 min) not -> both rows
    s = settings(reply_targets={"minutes": {"chat": 5, "phone": 60}, "phone_answer_seconds": 20, "unanswered_hours": 24})
    rows = [(row["channel"], row["from"], row["within"], row["decided"]) for row in reply_targets.analyse(con, settings=s)["channels"]]
    assert sorted(rows) == [("chat", "tickets", 1, 1), ("phone", "calls", 1, 1), ("phone", "tickets", 1, 2)]
    from reports import operations

    html = operations.analyses_html({"reply_targets": r}, "en")
    assert "2 tickets of channel phone" in html and "Within / decided" in html


# ================================================================ agent load
@pytest.fixture(scope="module")
def load_db():
    """Monday 2025-01-06 .. Wednesday 01-08; New York is UTC-5: 15:00 UTC = 10:00 there (in hours),
    02:00 UTC on the 7th = 21:00 on the 6th there (after hours)."""
    mon, tue, wed = D(2025, 1, 6), D(2025, 1, 7), D(2025, 1, 8)
    tickets = [
        ticket(1, mon.replace(hour=14), mon.replace(hour=15), mon.replace(hour=16), agent="Anna"),
        ticket(2, mon.replace(hour=14), mon.replace(hour=15, minute=30), mon.replace(hour=17), agent="Anna"),
        ticket(3, mon.replace(hour=14), mon.replace(hour=16), mon.replace(hour=17), agent="Anna"),
        ticket(4, tue.replace(hour=1), tue.replace(hour=2), tue.replace(hour=3), agent="Anna"),
        ticket(5, mon.replace(hour=14), mon.replace(hour=15), mon.replace(hour=16), agent="Boris"),
        ticket(6, mon.replace(hour=14), mon.replace(hour=15)),  # no assignee: nobody's load
    ]
    calls = [
        {"source": "pbx", "source_id": "k1", "queued_at": wed.replace(hour=15), "answered_at": wed.replace(hour=15, second=5),
         "wait_seconds": 5, "outcome": "answered", "agent": "Anna", "talk_seconds": 100},
        {"source": "pbx", "source_id": "k2", "queued_at": tue.replace(hour=16), "answered_at": tue.replace(hour=16, second=5),
         "wait_seconds": 5, "outcome": "answered", "agent": "Vera", "talk_seconds": 100},
        {"source": "pbx", "source_id": "k3", "queued_at": tue.replace(hour=17), "wait_seconds": 50, "outcome": "abandoned",
         "agent": "Vera"},  # not answered: not handled
    ]
    surveys = ([{"source": "s", "source_id": f"a{i}", "responded_at": tue, "kind": "csat", "score": 5 if i < 19 else 1,
                 "agent": "Anna"} for i in range(20)]
               + [{"source": "s", "source_id": f"b{i}", "responded_at": tue, "kind": "csat", "score": 4 if i < 17 else 2,
                   "agent": "Boris"} for i in range(20)]
               + [{"source": "s", "source_id": f"v{i}", "responded_at": tue, "kind": "csat", "score": 5, "agent": "Vera"}
                  for i in range(5)])
    return database(tickets, calls, surveys)


def test_agent_load_by_hand(load_db):
    r = agent_load.analyse(load_db, settings=settings())
    # handled: Anna 4 tickets (Mon x3, Tue) + 1 call (Wed) = 5 over 3 days; Boris 1 (Mon); Vera 1 call (Tue)
    assert (r["items"], r["tickets"], r["calls"], r["agents"], r["agent_days"]) == (7, 5, 2, 3, 5)
    assert r["operator_load"] == pytest.approx(7 / 5)
    # after hours: only Anna's reply at 02:00 UTC (21:00 in New York) of the 7 handled items
    assert r["after_hours_share"] == pytest.approx(1 / 7)
    # the busiest 20% of 3 agents = ceil(0.6) = 1 agent (Anna) carries 5 of 7
    assert r["top_agents"] == 1 and r["load_top_share"] == pytest.approx(5 / 7)
    # CSAT target 90%: Anna 19/20 = 95% (at it), Boris 17/20 = 85% (below); Vera's 5 responses are too few to judge
    assert r["agents_judged_on_csat"] == 2 and r["agents_at_csat_target_share"] == pytest.approx(0.5)
    rows = {a["agent"]: a for a in r["agent_rows"]}
    assert rows["Anna"]["load"] == pytest.approx(5 / 3) and rows["Vera"]["csat_responses"] == 5
    # signals over the last 28 days: median load of (5/3, 1, 1) = 1; Anna >= 1.25 x 1 (overload) and
    # handled 1 of 5 after hours (>= 20%); nothing before to call a rise
    assert r["signals"] == [{"agent": "Anna", "team": None, "signals": ["overload", "after_hours"]}]
    assert r["trend"] == [{"period": "2025-01-06", "items": 7, "agent_days": 5, "agents": 3, "load": 7 / 5}]


def test_agent_load_date_filter_picks_handling_days(load_db):
    r = agent_load.analyse(load_db, Filters(date_from="2025-01-07"), settings=settings())
    # Tue/Wed: Anna's 02:00 reply and her Wednesday call (2 days), Vera's Tuesday call (1 day)
    assert (r["items"], r["agent_days"]) == (3, 3) and r["operator_load"] == pytest.approx(1.0)


def test_agent_load_channel_filter_counts_tickets_only_and_says_so(load_db):
    r = agent_load.analyse(load_db, Filters(agent=("Anna",), channel=("email",)), settings=settings())
    assert r["available"] is False or r["calls"] == 0
    assert any("calls have no channel" in n for n in r["notes"])


def test_rising_load_compares_four_whole_weeks_whatever_the_period():
    """56 days to Sunday 2025-03-02 and a 30-day period. Anna handles 3 tickets a day, but 1 on the
    period's first two days (which are the last two of the four weeks before): read inside the
    period, those two days alone made her load "rising" (3 against 1). Over the whole four weeks
    before her load is (26 x 3 + 2 x 1) / 28 = 2.857, and 3 is not 1.2 times that. Boris goes from 1
    a day to 2: rising. Vera starts 3 days before the recent window, so only 3 days of the weeks before
    hold her work: too few to call a rise."""
    last = dt.date(2025, 3, 2)
    days = [last - dt.timedelta(days=55 - i) for i in range(56)]
    rows, n = [], 0

    def handle(agent, day, k):
        nonlocal n
        for _ in range(k):
            n += 1
            at = D(day.year, day.month, day.day, 15)
            rows.append(ticket(n, at - dt.timedelta(hours=1), at, at + dt.timedelta(hours=1), agent=agent))

    period_start = last - dt.timedelta(days=29)
    for i, day in enumerate(days):
        handle("Anna", day, 1 if day in (period_start, period_start + dt.timedelta(days=1)) else 3)
        handle("Boris", day, 1 if i < 28 else 2)
        if i >= 25:
            handle("Vera", day, 1 if i < 28 else 4)
    con = database(rows)
    r = agent_load.analyse(con, Filters(date_from=period_start, date_to=last), settings=settings())
    by = {a["agent"]: a for a in r["agent_rows"]}
    assert by["Anna"]["previous_load"] == pytest.approx(80 / 28) and by["Anna"]["recent_load"] == pytest.approx(3.0)
    assert (by["Boris"]["previous_load"], by["Boris"]["recent_load"]) == (pytest.approx(1.0), pytest.approx(2.0))
    assert by["Vera"]["previous_load"] is None  # 3 days before the window: not judged
    rising = {s["agent"] for s in r["signals"] if "rising" in s["signals"]}
    assert rising == {"Boris"}
    # the other filters still apply to the weeks before: Anna alone, her figures unchanged
    r = agent_load.analyse(con, Filters(date_from=period_start, date_to=last, agent=("Anna",)), settings=settings())
    assert r["agent_rows"][0]["previous_load"] == pytest.approx(80 / 28)


def names_db():
    """Tickets name agents in full, the phone system by SIP peer (lower-case first name), a survey in
    lower case: Monday 2025-01-06 and Tuesday 01-07."""
    mon, tue = D(2025, 1, 6), D(2025, 1, 7)
    tickets = [ticket(1, mon.replace(hour=14), mon.replace(hour=15), mon.replace(hour=16), agent="Mark Evans"),
               ticket(2, mon.replace(hour=14), mon.replace(hour=15, minute=30), mon.replace(hour=16), agent="Mark Evans"),
               ticket(3, tue.replace(hour=14), tue.replace(hour=15), tue.replace(hour=16), agent="Anna Berg")]
    calls = [{"source": "pbx", "source_id": f"c{i}", "queued_at": at, "answered_at": at + dt.timedelta(seconds=5),
              "wait_seconds": 5, "outcome": "answered", "agent": agent, "talk_seconds": 100}
             for i, (at, agent) in enumerate(((mon.replace(hour=16), "mark"), (tue.replace(hour=16), "mark"),
                                              (tue.replace(hour=17), "anna")), start=1)]
    surveys = [{"source": "s", "source_id": "m1", "responded_at": tue, "kind": "csat", "score": 5, "agent": "mark evans"}]
    return database(tickets, calls, surveys)


def test_agent_load_counts_one_agent_under_two_names_once():
    con = names_db()
    r = agent_load.analyse(con, settings=settings())
    # without aliases: Mark Evans (t1, t2 on Mon), Anna Berg (t3 Tue), mark (c1 Mon, c2 Tue), anna (c3 Tue):
    # 4 agents, 1 + 1 + 2 + 1 = 5 agent-days, 6 items -> 1.2 a day, and a note that says why it is low
    assert (r["items"], r["agents"], r["agent_days"]) == (6, 4, 5) and r["operator_load"] == pytest.approx(6 / 5)
    [split] = [n for n in r["notes"] if n.startswith("calls and tickets name no agent alike")]
    assert 'suggests 2: anna = "Anna Berg", mark = "Mark Evans"' in split
    # "mark evans" (1 survey) is "Mark Evans" (2 tickets) by case alone: one spelling merged
    assert any(n.startswith("1 agent name spelling(s)") for n in r["notes"])
    s = settings(agent_load={"aliases": {"MARK": "Mark Evans", "anna": "anna berg"}, "csat_min_responses": 1})
    r = agent_load.analyse(con, settings=s)
    # with aliases: Mark Evans = t1, t2, c1 (Mon) + c2 (Tue): 4 items over 2 days; Anna Berg = t3 + c3 (Tue): 2 over 1
    # -> 2 agents, 3 agent-days, 6 / 3 = 2.0; the busiest ceil(0.2 x 2) = 1 agent carries 4 of 6
    assert (r["items"], r["agents"], r["agent_days"]) == (6, 2, 3) and r["operator_load"] == pytest.approx(2.0)
    assert r["load_top_share"] == pytest.approx(4 / 6)
    rows = {a["agent"]: a for a in r["agent_rows"]}
    assert set(rows) == {"Mark Evans", "Anna Berg"}  # the alias target in the spelling the data use
    assert (rows["Mark Evans"]["tickets"], rows["Mark Evans"]["calls"], rows["Mark Evans"]["days"]) == (2, 2, 2)
    # the survey's "mark evans" is Mark Evans' one CSAT response (score 5: satisfied)
    assert (rows["Mark Evans"]["csat"], rows["Mark Evans"]["csat_responses"]) == (1.0, 1)
    assert not any(n.startswith("calls and tickets") for n in r["notes"])
    assert any(n.startswith("3 agent name spelling(s)") for n in r["notes"])  # mark, anna, mark evans
    # the agent filter picks the agent under every name: Mark Evans' 4 items on 2 days
    r = agent_load.analyse(con, Filters(agent=("Mark Evans",)), settings=s)
    assert (r["items"], r["agent_days"]) == (4, 2)
    # ... and so does picking him as the call log spells him
    r = agent_load.analyse(con, Filters(agent=("mark",)), settings=s)
    assert (r["items"], r["agent_days"], [a["agent"] for a in r["agent_rows"]]) == (4, 2, ["Mark Evans"])
    # the temp table is gone: the connection is left as it was
    assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_ops_agent_names'").fetchall()[0][0]


def test_operator_load_initiative_counts_agents_once():
    con = names_db()
    item = {"name": "x", "start": "2025-01-07", "metric": "operator_load", "target_change": 0.1}
    plain_ = initiatives.analyse(con, settings=settings(initiatives=[item]))["initiatives"][0]
    joined = initiatives.analyse(con, settings=settings(initiatives=[item], agent_load={
        "aliases": {"mark": "Mark Evans", "anna": "Anna Berg"}}))["initiatives"][0]
    # one day before (Mon), one after (Tue). Apart: Mon 3 items / 2 agent-days (Mark Evans, mark) = 1.5,
    # Tue 3 / 3 (Anna Berg, mark, anna) = 1.0. Joined: Mon 3 / 1 = 3.0, Tue 3 / 2 (Mark Evans, Anna Berg) = 1.5
    assert (plain_["before"], plain_["after"]) == (pytest.approx(1.5), pytest.approx(1.0))
    assert (joined["before"], joined["after"]) == (pytest.approx(3.0), pytest.approx(1.5))


# ================================================================ escalation
@pytest.fixture(scope="module")
def escalation_db():
    t0 = D(2025, 2, 3, 9)

    def status_events(tid, statuses, hours, group_at=None):
        out = [{"source": "ev", "ticket_id": tid, "event_at": t0, "seq": 0, "event_type": "created", "actor_role": "customer"}]
        for k, (st, h) in enumerate(zip(statuses, hours), start=1):
            out.append({"source": "ev", "ticket_id": tid, "event_at": t0 + dt.timedelta(hours=h), "seq": k,
                        "event_type": "status_change", "value": st})
        if group_at is not None:
            out.append({"source": "ev", "ticket_id": tid, "event_at": t0 + dt.timedelta(hours=group_at), "seq": 99,
                        "event_type": "group_change", "value": "Tier 2", "previous_value": "Front line"})
        return out

    two = (["open", "solved", "open", "solved", "open", "solved"], [0, 1, 2, 3, 4, 6])
    events = (status_events("E1", *two, group_at=5) + status_events("E2", *two)
              + status_events("E3", ["open", "solved", "open", "solved", "open", "solved", "open", "solved"],
                              [0, 1, 2, 3, 4, 5, 6, 12], group_at=11)
              + status_events("E4", ["open", "solved", "open", "solved"], [0, 1, 2, 3])
              + status_events("E5", ["open", "solved"], [0, 1]))
    tickets = ([ticket(e, t0, source="ev", customer_id=c, team="Front line")
                for e, c in (("E1", "Cb"), ("E2", "Ca"), ("E3", "Cb"), ("E4", "Cc"), ("E5", "Cc"))]
               + [ticket("Z1", t0, t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=9), source="zd", reopens=2,
                         group_stations=2, customer_id="Ce", team="Billing"),
                  ticket("Z2", t0, t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=9), source="zd", reopens=2,
                         group_stations=1, customer_id="Cd", team="Billing"),
                  ticket("Z3", t0, t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=2), source="zd", reopens=0,
                         group_stations=1, customer_id="Cf", team="Billing"),
                  ticket("N1", t0, t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=9), source="nx", reopens=2,
                         customer_id="Cg", team="Billing")])
    customers = [{"source": "crm", "source_id": c, "churned": churned, "churned_at": dt.date(2025, 4, 1) if churned else None}
                 for c, churned in (("Ca", True), ("Cb", False), ("Cc", True), ("Cd", False), ("Ce", False), ("Cf", False),
                                    ("Cg", True))]
    return database(tickets, customers=customers, events=events)


def test_escalation_by_hand(escalation_db):
    r = escalation.analyse(escalation_db, settings=settings())
    # reopened 2+ times: E1, E2, E3 (events), Z1, Z2 (Zendesk's Reopens), N1 = 6 of the 9 tickets
    assert r["failed_fix_tickets"] == 6 and r["failed_fix_rate"] == pytest.approx(6 / 9)
    assert r["one_failed_fix_tickets"] == 1  # E4
    # escalated: E1, E3 (a group change), Z1 (2 group stations); never: E2, Z2; N1's source has no group history
    assert (r["escalated"], r["not_escalated"], r["cannot_tell"]) == (3, 2, 1)
    assert r["unescalated_share"] == pytest.approx(2 / 5)
    # time to escalation (events only): E1 5 h, E3 11 h -> median 8 h, p90 = 5 + 0.9 x 6 = 10.4 h
    assert r["time_to_escalation_median_hours"] == pytest.approx(8.0)
    assert r["time_to_escalation_p90_hours"] == pytest.approx(10.4)
    assert r["time_to_escalation_tickets"] == 2
    assert any("without a group history" in n for n in r["notes"])
    # churn: not escalated = Ca (E2, churned), Cd (Z2); escalated = Cb (E1, E3), Ce (Z1);
    # no failed fix = Cc (E4, E5; churned), Cf (Z3); Cg (N1, no history) is in no group
    churn = r["churn"]
    assert (churn["not_escalated"]["customers"], churn["not_escalated"]["churned"]) == (2, 1)
    assert (churn["escalated"]["customers"], churn["escalated"]["churned"]) == (2, 0)
    assert (churn["no_failed_fixes"]["customers"], churn["no_failed_fixes"]["churned"]) == (2, 1)
    teams = {t["team"]: t for t in r["by_team"]}
    assert (teams["Billing"]["failed_fix"], teams["Billing"]["escalated"], teams["Billing"]["not_escalated"]) == (3, 1, 1)


def test_escalation_without_group_history_is_not_measurable():
    t0 = D(2025, 2, 3, 9)
    con = database([ticket(1, t0, t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=5), reopens=3)])
    r = escalation.analyse(con, settings=settings())
    assert r["failed_fix_tickets"] == 1 and r["cannot_tell"] == 1
    assert r["unescalated_share"] is None and "no group history" in r["not_measurable"]["unescalated_share"]
    assert "customer list" in r["not_measurable"]["churn"]
    r = escalation.analyse(con, settings=settings(escalation={"failed_fixes": 4}))
    assert r["failed_fix_tickets"] == 0


# ================================================================ channel switches
@pytest.fixture(scope="module")
def switches_db():
    tickets = [
        ticket("x1", D(2025, 1, 6, 10), customer_id="X", channel="email"),
        ticket("x3", D(2025, 1, 17, 10), customer_id="X", channel="email"),   # 10 days after the call: not a repeat
        ticket("y1", D(2025, 1, 6, 9), customer_id="Y", channel="chat"),
        ticket("y2", D(2025, 1, 6, 12), customer_id="Y", channel="chat"),    # repeat, same channel
        ticket("y3", D(2025, 1, 14, 12), customer_id="Y", channel="email"),  # 8 days later: not a repeat
        ticket("z1", D(2025, 1, 6, 8), customer_id="Z", channel="web"),
        ticket("z2", D(2025, 1, 13, 8), customer_id="Z", channel="web"),     # exactly 7 days: a repeat, same channel
        ticket("w1", D(2025, 1, 8, 8), customer_id="W", channel="email"),
        ticket("n1", D(2025, 1, 8, 9), channel="email"),                     # no customer: not a contact
    ]
    calls = [
        {"source": "pbx", "source_id": "x2", "queued_at": D(2025, 1, 7, 10), "outcome": "answered", "customer_id": "X"},
        {"source": "pbx", "source_id": "z3", "queued_at": D(2025, 1, 13, 9), "outcome": "answered", "customer_id": "Z"},
        {"source": "pbx", "source_id": "o1", "queued_at": D(2025, 1, 7, 11), "outcome": "answered", "customer_id": "W",
         "direction": "outbound"},                                             # outbound: not a contact
    ]
    customers = [{"source": "crm", "source_id": c, "churned": churned} for c, churned in
                 (("X", True), ("Y", True), ("Z", False), ("W", True))]
    return database(tickets, calls, customers=customers)


def test_channel_switches_by_hand(switches_db):
    r = channel_switches.analyse(switches_db, settings=settings())
    # contacts: X 3 (x1, call x2, x3), Y 3, Z 3 (z1, z2, call z3), W 1 = 10; repeats within 7 days: x2, y2, z2, z3;
    # switches: x2 (email -> phone), z3 (web -> phone)
    assert (r["contacts"], r["repeat_contacts"], r["switches"], r["calls"]) == (10, 4, 2, 2)
    assert r["channel_switch_rate"] == pytest.approx(2 / 10)
    assert r["cross_channel_repeat_share"] == pytest.approx(2 / 4)
    assert (r["customers"], r["switching_customers"]) == (4, 2)
    assert sorted((p["from"], p["to"], p["switches"]) for p in r["pairs"]) == [("email", "phone", 1), ("web", "phone", 1)]
    # churn: switched X (churned), Z -> 1 of 2; did not: Y, W (both churned) -> 2 of 2
    assert (r["churn"]["switched"]["churned"], r["churn"]["switched"]["customers"]) == (1, 2)
    assert (r["churn"]["did_not_switch"]["churned"], r["churn"]["did_not_switch"]["customers"]) == (2, 2)
    # answered in another channel: the one outbound call (o1, to W on the 7th) came before W's ticket (the 8th):
    # 0 of the 8 non-phone tickets with a customer (x1, x3, y1, y2, y3, z1, z2, w1): measured, so a real 0
    a = r["answered_in_another_channel"]
    assert (a["tickets"], a["answered_by_phone"], r["answered_in_another_channel_rate"]) == (8, 0, 0.0)
    assert "answered_in_another_channel" not in r["not_measurable"]


def test_answered_in_another_channel_by_hand():
    mon = D(2025, 1, 6)
    tickets = [ticket("a1", mon.replace(hour=10), None, D(2025, 1, 7, 10), customer_id="A", channel="email"),
               ticket("a2", mon.replace(hour=10), customer_id="B", channel="chat"),          # never solved
               ticket("a3", mon.replace(hour=10), None, mon.replace(hour=12), customer_id="C", channel="web"),
               ticket("a4", mon.replace(hour=10), customer_id="A", channel="phone"),         # arrived by phone
               ticket("a5", mon.replace(hour=10), channel="email")]                          # no customer

    def call(i, at, customer, direction="outbound", outcome="answered"):
        return {"source": "pbx", "source_id": i, "queued_at": at, "outcome": outcome, "customer_id": customer,
                "direction": direction}

    calls = [call("o1", mon.replace(hour=15), "A"),                    # while a1 is open: answered by phone
             call("o2", D(2025, 1, 8, 9), "B"),                        # a2 unsolved, within 7 days: answered by phone
             call("o3", mon.replace(hour=13), "C"),                    # after a3 was solved: not an answer to it
             call("o4", mon.replace(hour=11), "C", outcome="missed"),  # not answered
             call("i1", mon.replace(hour=11), "C", direction="inbound")]  # the customer calling: not an answer
    r = channel_switches.analyse(database(tickets, calls), settings=settings())
    # judged: a1, a2, a3 (a4 arrived by phone, a5 has no customer); answered by an outbound call: a1, a2 -> 2 of 3
    a = r["answered_in_another_channel"]
    assert (a["tickets"], a["answered_by_phone"]) == (3, 2) and r["answered_in_another_channel_rate"] == pytest.approx(2 / 3)
    from metrics.operations.commands import TEXT

    assert "answered in another channel: 66.7% of 3 non-phone tickets (2 answered" in TEXT["channel-switches"](r)
    # the date filter picks tickets by creation: nothing created from the 7th
    r = channel_switches.analyse(database(tickets, calls), Filters(date_from="2025-01-07"), settings=settings())
    assert r["answered_in_another_channel"]["tickets"] == 0 and r["answered_in_another_channel_rate"] is None
    # inbound calls only (as the sample's PBX logs): not measurable, with the reason, never 0
    r = channel_switches.analyse(database(tickets, calls[-1:]), settings=settings())
    assert "answered_in_another_channel" not in r
    assert "no answered outbound calls" in r["not_measurable"]["answered_in_another_channel"]


def test_channel_switches_date_filter_looks_back_beyond_it(switches_db):
    r = channel_switches.analyse(switches_db, Filters(date_from="2025-01-13"), settings=settings())
    # repeat contacts judged: z2 (its previous, z1, is before the filter), z3, y3, x3 -> 4 contacts, 2 repeats, 1 switch
    assert (r["contacts"], r["repeat_contacts"], r["switches"]) == (4, 2, 1)
    r = channel_switches.analyse(switches_db, settings=settings(channel_switches={"days": 10}))
    # within 10 days x3 (10 days after x2, phone -> email) and y3 (8 days, chat -> email) are switches too
    assert r["switches"] == 4


# ================================================================ contact drivers
@pytest.fixture(scope="module")
def drivers_db():
    t0 = D(2025, 3, 3, 9)
    rows = []
    for i, (cat, tags, minutes, reopens, cust) in enumerate((
            ("returns", None, 60, 0, "R"), ("returns", None, 120, 1, "B"), ("returns", None, 180, 0, "R"),
            ("billing", None, 30, 0, "B"), ("billing", None, 90, 0, "Q"), (None, "shipping vip", 600, 0, "Q"))):
        created = t0 + dt.timedelta(hours=i)
        solved = created + dt.timedelta(minutes=minutes)
        rows.append(ticket(f"d{i}", created, created + dt.timedelta(minutes=5), solved, category=cat, tags=tags,
                           reopens=reopens, customer_id=cust))
    rows.append(ticket("d6", t0 + dt.timedelta(hours=6), customer_id="Q"))  # nothing to go by: "(no category)", open
    surveys = [{"source": "s", "source_id": "s1", "responded_at": t0 + dt.timedelta(days=1), "kind": "csat", "score": 1,
                "ticket_id": "d0"},
               {"source": "s", "source_id": "s2", "responded_at": t0 + dt.timedelta(days=1), "kind": "csat", "score": 5,
                "ticket_id": "d1"}]
    customers = [{"source": "crm", "source_id": "R", "churned": True, "churned_at": dt.date(2025, 3, 20), "monthly_revenue": 100.0},
                 {"source": "crm", "source_id": "B", "churned": True, "churned_at": dt.date(2025, 3, 20), "monthly_revenue": 40.0},
                 {"source": "crm", "source_id": "Q", "churned": False, "monthly_revenue": 70.0}]
    return database(rows, surveys=surveys, customers=customers)


def test_drivers_volume_and_cost_by_hand(drivers_db):
    r = drivers.analyse(drivers_db, settings=settings())
    by = {d["driver"]: d for d in r["drivers"]}
    assert r["tickets"] == 7 and r["driven_by"] == {"category": 5, "tag": 1, "text": 0}
    assert [d["driver"] for d in r["drivers"]] == ["returns", "billing", "(no category)", "shipping"]
    # median resolution of all solved tickets: (30, 60, 90, 120, 180, 600) -> (90 + 120) / 2 = 105 min
    assert r["median_resolution_minutes"] == pytest.approx(105)
    assert by["returns"]["share"] == pytest.approx(3 / 7)
    assert by["returns"]["median_resolution_minutes"] == pytest.approx(120)
    assert by["returns"]["resolution_ratio"] == pytest.approx(120 / 105)
    assert by["shipping"]["from"] == "tag" and by["shipping"]["resolution_ratio"] == pytest.approx(600 / 105)
    assert by["returns"]["reopen_rate"] == pytest.approx(1 / 3)
    # linked CSAT on returns: d0 scored 1 (bad, <= 2), d1 scored 5 -> 1 of 2
    assert by["returns"]["bad_csat_rate"] == pytest.approx(1 / 2) and by["billing"]["bad_csat_rate"] is None
    # last touch before churn: R's last ticket is d2 (returns); B's is d3 (billing, after d1 returns)
    assert (by["returns"]["churned_customers"], by["returns"]["churned_monthly_revenue"]) == (1, 100.0)
    assert (by["billing"]["churned_customers"], by["billing"]["churned_monthly_revenue"]) == (1, 40.0)
    assert by["shipping"]["churned_customers"] == 0
    assert r["headline"]["driver"] == "returns" and r["headline"]["resolution_ratio"] == pytest.approx(120 / 105)
    # one week of data: no earlier part to compare the last 28 days with
    assert by["returns"]["share_change"] is None and "share_change" in r["not_measurable"]
    # tickets carry no time worked: handle time is named not measurable (resolution time stands in), never 0
    assert "no agent handle time" in r["not_measurable"]["handle_time"]


def test_drivers_filters_apply(drivers_db):
    r = drivers.analyse(drivers_db, Filters(category=("returns", "billing")), settings=settings())
    assert r["tickets"] == 5 and {d["driver"] for d in r["drivers"]} == {"returns", "billing"}


def test_drivers_trend_by_hand_in_the_json_and_the_report():
    from reports import operations

    d = dt.date(2025, 1, 1)
    at = [(0, "returns"), (1, "returns"), (2, "billing"),                    # Jan 1-3: the earlier part
          (39, "returns"), (39, "billing"), (40, "billing"), (41, "billing")]  # Feb 9-11: the last 28 days
    con = database([ticket(i, D(d.year, d.month, d.day, 12) + dt.timedelta(days=k), category=c) for i, (k, c) in enumerate(at)])
    r = drivers.analyse(con, settings=settings())
    by = {x["driver"]: x for x in r["drivers"]}
    # last day Feb 11 -> the last 28 days start Jan 15: earlier returns 2 of 3, billing 1 of 3; recent returns 1 of 4,
    # billing 3 of 4 -> returns 1/4 - 2/3 = -5/12 (-41.7 points), billing 3/4 - 1/3 = +5/12
    assert (by["returns"]["earlier_share"], by["returns"]["recent_share"]) == (pytest.approx(2 / 3), pytest.approx(1 / 4))
    assert by["returns"]["share_change"] == pytest.approx(-5 / 12) and by["billing"]["share_change"] == pytest.approx(5 / 12)
    en, ru = operations.analyses_html({"drivers": r}, "en"), operations.analyses_html({"drivers": r}, "ru")
    assert "Share change, last 28 days" in en and "+41.7\u00a0pp" in en and "41.7\u00a0pp" in en.split("returns")[1]
    assert "Изменение доли за 28 дней" in ru and "+41,7\u00a0п.\u00a0п." in ru


def test_text_clusters_in_english_and_russian():
    refunds = ["Refund not received for my order", "Where is my refund for the order", "Refund for returned order missing",
               "Order refund still not received", "Please refund my order", "Refund delay on order",
               "Refund request for damaged order", "My order refund was not paid", "Refund for order 1234",
               "Refund status of my order", "Refund order cancelled", "Refund not processed order"]
    passwords = ["Не могу войти, пароль не подходит", "Сброс пароля не работает", "Пароль не принимается при входе",
                 "Забыл пароль от входа", "Вход в кабинет: неверный пароль", "Пароль сброшен, но вход не работает",
                 "Не приходит письмо для сброса пароля", "Пароль и вход в приложение", "Ошибка входа, пароль верный",
                 "Смена пароля для входа", "Пароль не меняется", "Вход заблокирован после ввода пароля"]
    labels, info = drivers.cluster_texts(refunds + passwords, k=2)
    assert len(set(labels[:12])) == 1 and len(set(labels[12:])) == 1 and labels[0] != labels[12]
    assert "refund" in labels[0] and "пароль" in labels[12]
    # stop words are gone from the terms: neither "my", "for" nor "не", "для"
    assert not {"my", "for", "the", "не", "для"} & set(info["terms"])
    assert drivers.cluster_texts(["one subject"] * 5)[0] == [drivers.NO_CATEGORY] * 5  # fewer than 20: one group


def test_drivers_fall_back_to_subject_clusters():
    t0 = D(2025, 3, 3, 9)
    subjects = ([f"Refund not received for order {i}" for i in range(12)]
                + [f"Пароль не подходит при входе {i}" for i in range(12)])
    con = database([ticket(i, t0 + dt.timedelta(minutes=i), subject=s) for i, s in enumerate(subjects)])
    r = drivers.analyse(con, settings=settings())
    assert r["driven_by"]["text"] == 24 and r["text"]["tickets"] == 24
    shares = sorted(d["share"] for d in r["drivers"])
    assert shares == [pytest.approx(0.5), pytest.approx(0.5)]
    assert any("refund" in d["driver"] for d in r["drivers"]) and any("пароль" in d["driver"] for d in r["drivers"])


# ================================================================ initiatives
@pytest.fixture(scope="module")
def initiative_db():
    """2025-02-01 .. 2025-03-28 (no data a year earlier: the before window is the days before the start).
    Every day: team A 10 solved tickets, team B 10 solved; A's reopened: 3 on odd days, 2 on even days of
    February (70 of 280 = 25%), 1 a day in March (28 of 280 = 10%); B's: 2 a day throughout (20%). From
    March B also gets 2 open tickets a day (never solved: outside the reopen rate's population)."""
    rows, n = [], 0
    day = dt.date(2025, 2, 1)
    while day <= dt.date(2025, 3, 28):
        after = day >= dt.date(2025, 3, 1)
        reopened_a = 1 if after else (3 if day.day % 2 else 2)
        for team, reopened, extra_open in (("A", reopened_a, 0), ("B", 2, 2 if after else 0)):
            for k in range(10 + extra_open):
                created = D(day.year, day.month, day.day, 10) + dt.timedelta(minutes=k)
                solved = None if k >= 10 else created + dt.timedelta(hours=1)
                rows.append(ticket(f"i{n}", created, created + dt.timedelta(minutes=2), solved, team=team,
                                   reopens=(1 if k < reopened else 0) if solved else 0))
                n += 1
        day += dt.timedelta(days=1)
    return database(rows)


def measure(con, **item):
    base = {"name": "x", "start": "2025-03-01", "scope": {"team": "A"}, "metric": "reopen_rate", "target_change": -0.3}
    s = settings(initiatives=[{**base, **item}])
    result = initiatives.analyse(con, settings=s)
    assert not result["problems"], result["problems"]
    return result["initiatives"][0]


def test_initiative_difference_in_differences_by_hand(initiative_db):
    i = measure(initiative_db)
    assert i["basis"] == "days_before" and i["windows"]["days"] == 28
    assert i["windows"]["before"] == ["2025-02-01", "2025-02-28"] and i["windows"]["after"] == ["2025-03-01", "2025-03-28"]
    assert i["before"] == pytest.approx(0.25) and i["after"] == pytest.approx(0.10)
    # shares move by points: counterfactual = 0.25 + (0.20 - 0.20) = 0.25 -> 0.10 / 0.25 - 1 = -60%
    assert i["control"]["before"] == pytest.approx(0.2) and i["control"]["after"] == pytest.approx(0.2)
    assert i["change"] == pytest.approx(-0.6) and i["simple_change"] == pytest.approx(-0.6)
    assert i["method"] == "difference_in_differences" and i["units_after"] == 280
    assert i["ci_low"] < -0.6 < i["ci_high"] < 0
    assert i["verdict"] == "met"
    # the money effect of fewer reopens: 0.25 - 0.10 avoided on 280 solved tickets in 28 days, 365 days a year;
    # no customer list, so no money: it says why
    assert i["money"]["kind"] == "reopened"
    assert i["money"]["negatives_avoided_per_year"] == pytest.approx(0.15 * 280 * 365 / 28)
    assert i["money"]["available"] is False and i["money"]["message"]


def test_initiative_counts_move_by_a_factor(initiative_db):
    i = measure(initiative_db, metric="tickets", target_change=-0.1)
    # tickets a day: A 10 -> 10, B 10 -> 12: counterfactual 10 x 12 / 10 = 12 -> 10 / 12 - 1 = -1/6; every day alike,
    # so every bootstrap replicate gives the same
    assert i["before"] == pytest.approx(10) and i["after"] == pytest.approx(10) and i["simple_change"] == pytest.approx(0)
    assert i["change"] == pytest.approx(-1 / 6)
    assert i["ci_low"] == pytest.approx(-1 / 6) and i["ci_high"] == pytest.approx(-1 / 6)
    assert i["verdict"] == "met"
    i = measure(initiative_db, metric="tickets", target_change=-0.3)
    assert i["verdict"] == "not_met"  # -1/6 for sure, the target -30% is outside the interval


def test_initiative_too_early_and_not_measurable(initiative_db):
    i = measure(initiative_db, start="2025-03-19")
    # 10 days after the start (19th .. 28th) of the 28 needed
    assert i["verdict"] == "too_early" and i["days_needed"] == 18
    assert i["simple_change"] is not None and i["change"] is None
    i = measure(initiative_db, start="2025-04-10")
    assert i["verdict"] == "too_early" and "no data after the start" in i["reason"]
    i = measure(initiative_db, scope={"team": "C"})
    assert i["verdict"] == "not_measurable" and "scope matches nothing" in i["reason"]
    i = measure(initiative_db, start="2025-02-01")
    assert i["verdict"] == "not_measurable" and "no data before the start" in i["reason"]
    i = measure(initiative_db, metric="abandonment_rate")
    assert i["verdict"] == "not_measurable" and "no data" in i["reason"]


def test_initiative_register_problems_are_listed_with_the_fix(initiative_db):
    s = settings(initiatives=[
        {"name": "ok", "start": "2025-03-01", "scope": {"team": "A"}, "metric": "reopen_rate", "target_change": -0.3},
        {"name": "bad date", "start": "2025-13-01", "metric": "reopen_rate", "target_change": -0.3},
        {"name": "bad metric", "start": "2025-03-01", "metric": "happiness", "target_change": -0.3},
        {"name": "backlog", "start": "2025-03-01", "metric": "backlog", "target_change": -0.3},
        {"name": "bad scope", "start": "2025-03-01", "scope": {"colour": "red"}, "metric": "csat", "target_change": 0.1},
        {"name": "no target", "start": "2025-03-01", "metric": "csat"},
        {"start": "2025-03-01", "metric": "csat", "target_change": 0.1, "end": "2025-02-01"},
    ])
    result = initiatives.analyse(initiative_db, settings=s)
    assert [i["name"] for i in result["initiatives"]] == ["ok"]
    text = "\n".join(result["problems"])
    for expected in ("'2025-13-01' is not a date", "'happiness' is not a metric id", "'backlog' cannot be compared",
                     "'colour' is not a filter dimension", "target_change must be", "give it a name",
                     "end 2025-02-01 is before start"):
        assert expected in text, expected


def test_initiative_money_effect_by_hand_both_ways(monkeypatch):
    from types import SimpleNamespace

    from metrics import churn
    from ui import i18n

    # the churn analysis' measured excess churn (10 points) and lost customers' monthly revenue (50), 12 months
    fake = SimpleNamespace(available=True, estimate=SimpleNamespace(excess=SimpleNamespace(estimate=0.10)), message=None,
                           money={"exposed_churned_mean_monthly_revenue": 50.0, "horizon_months": 12}, currency="USD")
    monkeypatch.setattr(churn, "analyse", lambda con, settings=None: fake)

    def money(metric, before, change):
        item = initiatives.Initiative(name="x", start=dt.date(2025, 3, 1), end=None, scope={}, metric=metric,
                                      target_change=-0.3, owner="")
        return initiatives._money(None, item, {"before": before, "change": change, "units_after": 100}, None, 50)

    # reopens 25% -> 25% x (1 - 0.6) = 10% on 100 solved tickets in 50 days (730 a year): 0.15 x 730 = 109.5 avoided;
    # x 0.10 excess = 10.95 customers kept; x 50 x 12 = 6,570 kept
    m = money("reopen_rate", 0.25, -0.6)
    assert (m["direction"], m["negatives_avoided_per_year"]) == ("kept", pytest.approx(109.5))
    assert (m["customers_kept_per_year"], m["revenue_kept"]) == (pytest.approx(10.95), pytest.approx(6570))
    # reopens 20% -> 30% (+50%): (0.2 - 0.3) x 730 = -73 -> 7.3 more customers lost, 4,380 of revenue: "lost", never
    # "-7 customers kept"
    m = money("reopen_rate", 0.20, 0.5)
    assert m["direction"] == "lost" and m["customers_kept_per_year"] == pytest.approx(-7.3)
    assert m["revenue_kept"] == pytest.approx(-4380)
    # a share whose complement is the negative one: replied within 12 h 90% -> 81% (-10%): late 10% -> 19%:
    # (0.10 - 0.19) x 730 = -65.7 -> -6.57 customers
    m = money("replied_within_12h", 0.90, -0.1)
    assert m["direction"] == "lost" and m["customers_kept_per_year"] == pytest.approx(-6.57)
    text = i18n.tn("in.money_lost", 7.3, "ru", money="4 380 $", months="12")
    assert "около 7 потерянных клиентов" in text and "-" not in text.split("выручки")[0]
    assert "7 more customers lost a year" in i18n.tn("in.money_lost", 7.3, "en", money="$4,380", months="12")
    from metrics.operations.commands import text_initiatives

    out = text_initiatives({"initiatives": [{"name": "x", "metric": "reopen_rate", "start": "2025-03-01", "target_change": -0.3,
                                              "verdict": "not_met", "money": m}]})
    assert "6.6 more customers lost a year" in out and "-" not in out.split("money:")[1].split("USD")[0]


# ---------------------------------------------------------------- the generator's injected effects
@pytest.fixture(scope="module")
def generated_world():
    from sample_data.world import simulate

    world = simulate(seed=42, tickets=50_000)
    con = duckdb.connect(":memory:")
    init_schema(con)
    for table in ("tickets", "calls", "surveys", "customers"):
        frame = getattr(world, table)
        cols = [c for c in frame.columns if c in schema.column_names(table)]
        con.register("incoming", frame.select(cols).to_arrow())
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM incoming")
        con.unregister("incoming")
    derive.build(con, settings())
    return world, con


def test_generator_initiatives_are_recovered(generated_world):
    world, con = generated_world
    truth = world.truth["initiatives"]
    registered = [{k: v for k, v in t.items() if k not in ("injected_effect", "true_effect")} for t in truth]
    result = initiatives.analyse(con, settings=settings(initiatives=registered))
    scripts, music = result["initiatives"]
    # Enterprise call scripts: handle time x0.75 from the start (true effect -25%), target -15%: met
    assert truth[0]["true_effect"] == pytest.approx(-0.25, abs=0.002)
    assert scripts["verdict"] == "met" and scripts["basis"] == "same_weeks_last_year"
    assert scripts["ci_low"] <= truth[0]["true_effect"] <= scripts["ci_high"]
    # Mid-market hold music: nothing injected (true effect 0), target -20%: not met, 0 inside the interval
    assert truth[1]["true_effect"] == 0
    assert music["verdict"] == "not_met" and music["ci_low"] <= 0 <= music["ci_high"]
    assert music["windows"]["after"] == [truth[1]["start"], truth[1]["end"]]


# ================================================================ command line, snapshot, audit
def test_cli_initiatives_json_lists_the_fields(tmp_path, initiative_db):
    db = tmp_path / "d.duckdb"
    initiative_db.execute(f"ATTACH '{db}' AS out")
    for table in ("tickets", "ticket_metrics", "ticket_metrics_info", "schedules", "schedule_holidays", "loads"):
        initiative_db.execute(f"CREATE TABLE out.{table} AS SELECT * FROM {table}")
    initiative_db.execute("DETACH out")
    user = tmp_path / "settings.toml"
    user.write_text('[[initiatives]]\nname = "Fewer reopens"\nstart = "2025-03-01"\nscope = { team = "A" }\n'
                    'metric = "reopen_rate"\ntarget_change = -0.3\nowner = "Ann"\n', encoding="utf-8")
    env = {**__import__("os").environ, "DESKSCOPE_SETTINGS": str(user)}
    p = subprocess.run([sys.executable, str(ROOT / "cli.py"), "initiatives", "--json", "--db", str(db)],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    [item] = json.loads(p.stdout)["initiatives"]
    assert {"name", "metric", "before", "after", "change", "ci_low", "ci_high", "verdict"} <= set(item)
    assert (item["name"], item["verdict"]) == ("Fewer reopens", "met") and item["change"] == pytest.approx(-0.6)
    p = subprocess.run([sys.executable, str(ROOT / "cli.py"), "initiatives", "--db", str(db)],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert p.returncode == 0 and "verdict: met" in p.stdout and "change -60.0%" in p.stdout
    for command in ("drivers", "channel-switches", "escalation", "agent-load", "reply-targets"):
        p = subprocess.run([sys.executable, str(ROOT / "cli.py"), command, "--json", "--db", str(db), "--filter", "team=A"],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert p.returncode == 0, (command, p.stderr)
        assert json.loads(p.stdout)["filters"] == {"team": "A"}
    p = subprocess.run([sys.executable, str(ROOT / "cli.py"), "drivers", "--db", str(db), "--filter", "colour=red"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert p.returncode == 2 and "not a filter name" in p.stderr


def test_report_sections(drivers_db, initiative_db):
    from reports import operations

    s = settings(initiatives=[{"name": "Fewer <reopens>", "start": "2025-03-01", "scope": {"team": "A"},
                               "metric": "reopen_rate", "target_change": -0.3}])
    original = config.get
    config.get = lambda: s  # the report reads the settings in force
    try:
        data = operations.gather(initiative_db)
        audit = operations.audit_gather(initiative_db)
    finally:
        config.get = original
    assert data["initiatives"]["initiatives"][0]["verdict"] == "met"
    assert audit["initiatives_since"] == "2024-03-28"  # 12 months before the last day of data
    for lang in ("en", "ru"):
        html = operations.initiatives_html(audit["initiatives"], lang, "initiatives_12m", "no_initiatives_12m")
        assert ("Last 12 months' initiatives" if lang == "en" else "Инициативы за последние 12 месяцев") in html.replace("&#x27;", "'")
        assert "Fewer &lt;reopens&gt;" in html and "<reopens>" not in html
        assert ("met" if lang == "en" else "цель достигнута") in html
        body = operations.analyses_html(operations.gather(drivers_db), lang)
        assert "returns" in body and ("Contact drivers" if lang == "en" else "Причины обращений") in body


def test_agent_names_note_in_the_report_and_on_the_page_in_both_languages():
    from reports import operations
    from ui import i18n

    r = agent_load.analyse(names_db(), settings=settings())
    [split] = [n for n in r["notes"] if n.startswith("calls and tickets")]
    en = operations.analyses_html({"agent_load": r}, "en")
    ru = operations.analyses_html({"agent_load": r}, "ru")
    assert "calls: e.g. &#x27;anna&#x27;, tickets: e.g. &#x27;Anna Berg&#x27;" in en and "[agent_load.aliases]" in en
    assert "в звонках, например, «anna», в обращениях — «Anna Berg»" in ru
    # who has a burnout signal, not only how many: Mark Evans' 2 tickets on Monday (load 2); the others (Anna Berg 1/1,
    # mark 2/2, anna 1/1) load 1 -> median of (2, 1, 1, 1) = 1 and 2 >= 1.25 x 1: overload
    assert [x["agent"] for x in r["signals"]] == ["Mark Evans"]
    assert "Who (last 28 days): Mark Evans: overload." in en and "Кто (последние 28 дней): Mark Evans: перегрузка." in ru
    page_ru = i18n.method_note(split, "ru")
    assert page_ru.startswith("В звонках и обращениях нет ни одного общего имени агента")
    assert 'по совпадению имени подходят 2, например: anna = "Anna Berg", mark = "Mark Evans"' in page_ru
    assert i18n.method_note("3 agent name spelling(s) taken as another agent's (case, spaces or [agent_load.aliases])",
                            "ru").endswith(": 3.")


# ================================================================ pages (Streamlit AppTest)
from tests.test_pages import app, assert_clean, loaded_db, open_page, texts  # noqa: E402,F401  (fixtures too)

SECTIONS = {  # page -> (English, Russian) text its operations section shows
    "contacts": ("What customers contact you about", "О чём обращаются клиенты"),
    "initiatives": ("Initiatives and their measured effect", "Инициативы и их измеренный эффект"),
    "agents": ("Load and burnout signals", "Нагрузка и признаки выгорания"),
    "tickets": ("Replied within target, per channel", "Ответ в пределах цели по каналам"),
    "overview": ("Still unanswered after 24 h", "Без ответа дольше 24 ч"),
}


@pytest.fixture
def registered(tmp_path, monkeypatch):
    """A settings file of this test's own with two initiatives on the loaded fixture's data (March 2024)."""
    path = tmp_path / "settings.toml"
    path.write_text('[[initiatives]]\nname = "Chat <b>bot</b>"\nstart = "2024-03-20"\nscope = { team = "Tech" }\n'
                    'metric = "tickets"\ntarget_change = -0.2\nowner = "Ann"\n\n'
                    '[[initiatives]]\nname = "Too late"\nstart = "2030-01-01"\nmetric = "csat"\ntarget_change = 0.1\n',
                    encoding="utf-8")
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(path))
    return path


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("page", list(SECTIONS))
def test_operations_sections_render(monkeypatch, loaded_db, registered, page, lang):
    at = app(monkeypatch, loaded_db, {"lang": lang} if lang == "ru" else None)
    at.run()
    open_page(at, page)
    assert_clean(at, page)
    body = texts(at)
    assert SECTIONS[page][0 if lang == "en" else 1] in body, body[:2000]


def test_initiatives_page_shows_verdicts_and_plain_names(monkeypatch, loaded_db, registered):
    at = app(monkeypatch, loaded_db).run()
    open_page(at, "initiatives")
    assert_clean(at, "initiatives")
    body = texts(at)
    # the loaded fixture: one ticket a day from 2024-03-01, Tech every other day. "Chat bot" starts on the 20th:
    # 19 days before it, so both windows are 19 days, with about 10 Tech tickets after (30 are needed): too early.
    # "Too late" starts in 2030: no data after it yet: too early.
    # a name from the settings stays text: escaped in the Markdown it is given (texts() shows what a reader sees)
    assert "Too early" in body and any(plain("Chat <b>bot</b>") in m.value for m in at.markdown)
    counts = {m.label: m.value for m in at.metric}
    assert counts["Too early"] == "2" and counts["Met"] == "0"


def test_settings_page_keeps_the_register_when_saving(monkeypatch, loaded_db, registered):
    import tomllib

    at = app(monkeypatch, loaded_db).run()
    open_page(at, "settings")
    assert_clean(at, "settings")
    at.button(key="set_save").click().run()
    assert_clean(at, "settings")
    saved = tomllib.loads(registered.read_text(encoding="utf-8"))
    assert [i["name"] for i in saved["initiatives"]] == ["Chat <b>bot</b>", "Too late"]
    assert saved["initiatives"][0]["scope"] == {"team": "Tech"} and saved["initiatives"][0]["target_change"] == -0.2
