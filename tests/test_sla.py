"""SLA policies and outcomes on hand-checkable tickets (metrics/sla.py, metrics/derive.py).

Business hours: the default schedule, Mon-Fri 09:00-18:00 America/New_York (EST = UTC-5 until
2024-03-10, EDT = UTC-4 after).
"""
from __future__ import annotations

import copy
import datetime as dt
import random

import duckdb
import pytest

import config
from loaders.store import init_schema
from metrics import derive, sla

T = dt.datetime
M = dt.timedelta(minutes=1)
AS_OF = T(2024, 3, 6, 17)  # Wed 12:00 EST


def new_db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    init_schema(con)
    return con


def add_tickets(con, *rows: dict) -> None:
    for row in rows:
        row = {"source": "z", **row}
        cols = list(row)
        con.execute(f"INSERT INTO tickets ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", list(row.values()))


def add_events(con, ticket_id: str, events: list[tuple]) -> None:
    """events: (event_at, event_type, actor_role, value)."""
    for seq, (at, kind, role, value) in enumerate(events):
        con.execute("INSERT INTO ticket_events (source, ticket_id, event_at, seq, event_type, actor_role, is_public, value) "
                    "VALUES ('z', ?, ?, ?, ?, ?, ?, ?)", [ticket_id, at, seq, kind, role, kind != "internal_note", value])


def settings_with(*policies: dict) -> dict:
    settings = copy.deepcopy(config.defaults())
    settings["sla"] = {"policies": list(policies)}
    return settings


def build(con, settings: dict) -> dict[str, dict]:
    derive.build(con, settings)
    rows = con.execute("SELECT * FROM ticket_metrics").fetchall()
    names = [d[0] for d in con.description]
    return {r[names.index("source_id")]: dict(zip(names, r)) for r in rows}


def outcome(m: dict, target: str) -> tuple:
    return (m[f"sla_{target}_status"], m[f"sla_{target}_elapsed_minutes"])


# ------------------------------------------------------------------ which policy applies

POLICIES = [
    {"name": "VIP", "conditions": {"tags": "vip"}, "first_reply_minutes": 30},
    {"name": "High email", "conditions": {"priority": "high", "channel": ["email", "web"]}, "first_reply_minutes": 60},
    {"name": "Urgent", "conditions": {"priority": "urgent"}, "first_reply_minutes": 60},
    {"name": "Normal", "conditions": {"priority": ["normal", ""]}, "first_reply_minutes": 480},
    {"name": "Everything else", "first_reply_minutes": 1440},
]


def test_first_matching_policy_wins():
    con = new_db()
    c = T(2024, 3, 4, 15)
    add_tickets(con, *[{"source_id": sid, "created_at": c, "priority": prio, "channel": channel, "tags": tags}
                       for sid, prio, channel, tags in [
                           ("urgent-vip", "urgent", "chat", "billing vip"),  # VIP comes first
                           ("urgent", "urgent", "chat", "vipish"),           # a tag must match whole
                           ("high-email", "high", "email", None),            # both conditions hold
                           ("high-chat", "high", "chat", None),              # only one: falls through
                           ("no-priority", None, "email", None),             # "" matches NULL
                           ("empty-priority", "", "email", None),
                           ("low", "low", "email", None)]])
    m = build(con, settings_with(*POLICIES))
    assert {k: v["sla_policy"] for k, v in m.items()} == {
        "urgent-vip": "VIP", "urgent": "Urgent", "high-email": "High email", "high-chat": "Everything else",
        "no-priority": "Normal", "empty-priority": "Normal", "low": "Everything else"}


def test_policy_sql_binds_values_and_is_case_insensitive():
    con = new_db()
    add_tickets(con, {"source_id": "1", "created_at": T(2024, 3, 4), "priority": "urgent"},
                {"source_id": "2", "created_at": T(2024, 3, 4), "priority": "x' OR '1'='1"})
    case, params = sla.policy_sql([{"name": "U", "conditions": {"priority": "URGENT"}}], alias="t")
    assert "urgent" not in case.lower().replace("case", "") and params == ["urgent"]
    rows = con.execute(f"SELECT source_id, {case} FROM tickets t ORDER BY 1", params).fetchall()
    assert rows == [("1", 1), ("2", None)]
    assert sla.policy_sql([], alias="t") == ("CAST(NULL AS INTEGER)", [])


def test_no_policies_means_no_targets():
    con = new_db()
    add_tickets(con, {"source_id": "1", "created_at": T(2024, 3, 4, 15), "status": "new"})
    m = build(con, settings_with())["1"]
    assert m["sla_policy"] is None and m["sla_first_reply_status"] is None and m["sla_breached"] is None


def test_invalid_policies_are_reported_all_at_once():
    problems = sla.validate([{"name": "", "conditions": {"colour": "red"}, "first_reply_minutes": -5, "busines": True},
                             "oops", {"name": "ok", "resolution_minutes": "8h", "business": "yes"}])
    text = "\n".join(problems)
    for expected in ("`name` is missing", "`colour`, which is not a ticket column", "`first_reply_minutes` must be",
                     "unknown key `busines`", "#2: expected a table", "`resolution_minutes` must be", "`business` must be"):
        assert expected in text
    con = new_db()
    with pytest.raises(ValueError, match="sla.policies"):
        derive.build(con, settings_with({"name": "bad", "conditions": {"colour": "red"}}))


# ------------------------------------------------------------------ achieved / breached / active / active_breach

def test_statuses_for_first_reply_and_resolution():
    con = new_db()
    ago = lambda minutes: AS_OF - minutes * M  # noqa: E731
    add_tickets(con,
                # replied after 30 (<= 60), solved after 200 (<= 240)
                {"source_id": "A", "created_at": ago(600), "first_response_at": ago(570), "solved_at": ago(400), "status": "solved"},
                # replied after exactly 60 (= target: achieved), solved after 300 (> 240)
                {"source_id": "B", "created_at": ago(600), "first_response_at": ago(540), "solved_at": ago(300), "status": "closed"},
                # open, unanswered for 30 so far
                {"source_id": "C", "created_at": ago(30), "status": "open"},
                # open, unanswered for 300 so far
                {"source_id": "D", "created_at": ago(300), "status": "new"},
                # open, answered after 20, open for 300 so far
                {"source_id": "E", "created_at": ago(300), "first_response_at": ago(280), "status": "pending"},
                # solved after 50 without a reply: the solve stops the first-reply clock
                {"source_id": "F", "created_at": ago(600), "solved_at": ago(550), "status": "solved"},
                # closed with no timestamps at all: nothing to measure
                {"source_id": "G", "created_at": ago(600), "status": "closed"},
                # sets as_of
                {"source_id": "S", "created_at": ago(60), "first_response_at": ago(59), "solved_at": ago(1),
                 "updated_at": AS_OF, "status": "solved"})
    m = build(con, settings_with({"name": "P", "first_reply_minutes": 60, "resolution_minutes": 240}))
    assert {k: outcome(v, "first_reply") for k, v in m.items()} == {
        "A": ("achieved", 30), "B": ("achieved", 60), "C": ("active", 30), "D": ("active_breach", 300),
        "E": ("achieved", 20), "F": ("achieved", 50), "G": (None, None), "S": ("achieved", 1)}
    assert {k: outcome(v, "resolution") for k, v in m.items()} == {
        "A": ("achieved", 200), "B": ("breached", 300), "C": ("active", 30), "D": ("active_breach", 300),
        "E": ("active_breach", 300), "F": ("achieved", 50), "G": (None, None), "S": ("achieved", 59)}
    assert {k: v["sla_breached"] for k, v in m.items()} == {
        "A": False, "B": True, "C": False, "D": True, "E": True, "F": False, "G": None, "S": False}
    # a target applies when it can be measured: target, flag and elapsed are NULL with the status
    assert (m["G"]["sla_first_reply_target_minutes"], m["G"]["sla_first_reply_business"]) == (None, None)
    assert (m["A"]["sla_first_reply_target_minutes"], m["A"]["sla_first_reply_business"]) == (60, False)
    assert m["A"]["sla_next_reply_status"] is None  # no events: no next-reply waits


def test_business_hours_target():
    con = new_db()
    # Fri 2024-03-08 22:00 UTC (17:00 EST) -> Mon 2024-03-11 14:00 UTC (10:00 EDT):
    # 120 business minutes (Fri 17-18, Mon 9-10) but 3840 calendar minutes
    times = {"created_at": T(2024, 3, 8, 22), "first_response_at": T(2024, 3, 11, 14), "status": "open"}
    add_tickets(con, {"source_id": "email", "channel": "email", **times}, {"source_id": "chat", "channel": "chat", **times},
                # open since Sat 2024-03-09 15:00 UTC; as_of = Mon 14:00 UTC: 60 business minutes so far
                {"source_id": "weekend", "channel": "email", "created_at": T(2024, 3, 9, 15), "status": "open"})
    m = build(con, settings_with(
        {"name": "Business", "conditions": {"channel": "email"}, "first_reply_minutes": 120, "resolution_minutes": 60,
         "business": True, "resolution_business": False},
        {"name": "Calendar", "first_reply_minutes": 120}))
    assert outcome(m["email"], "first_reply") == ("achieved", pytest.approx(120))
    assert m["email"]["sla_first_reply_business"] is True
    assert outcome(m["chat"], "first_reply") == ("breached", 3840)
    assert outcome(m["weekend"], "first_reply") == ("active", pytest.approx(60))
    # resolution_business = false overrides business = true for that target: calendar minutes
    # Sat 15:00 -> Mon 14:00 UTC = 47 h = 2820 > 60
    assert m["weekend"]["sla_resolution_business"] is False
    assert outcome(m["weekend"], "resolution") == ("active_breach", 2820)


def test_next_reply_waits():
    con = new_db()
    c = T(2024, 3, 4, 15)
    at = lambda minutes: c + minutes * M  # noqa: E731
    for sid in ("N1", "N2", "N3", "N4", "N5"):
        add_tickets(con, {"source_id": sid, "created_at": c, "status": "open" if sid == "N2" else "solved"})
    # waits 60 (20 -> 80) and 10 (the oldest unanswered message 100 -> 110); worst 60
    add_events(con, "N1", [(at(0), "customer_message", "customer", None), (at(10), "agent_reply", "agent", None),
                           (at(20), "customer_message", "customer", None), (at(80), "agent_reply", "agent", None),
                           (at(100), "customer_message", "customer", None), (at(105), "customer_message", "customer", None),
                           (at(110), "agent_reply", "agent", None), (at(120), "status_change", "agent", "solved")])
    # still waiting since 10; as_of = 120 (the latest timestamp: N1's solve): 110 so far
    add_events(con, "N2", [(at(0), "customer_message", "customer", None), (at(5), "agent_reply", "agent", None),
                           (at(10), "customer_message", "customer", None), (at(15), "internal_note", "agent", None),
                           (at(16), "agent_reply", "system", None)])
    # no customer message after the first reply: no wait
    add_events(con, "N3", [(at(0), "customer_message", "customer", None), (at(5), "agent_reply", "agent", None),
                           (at(6), "status_change", "agent", "solved")])
    # the customer writes at 10, the agent solves at 30 without replying: the solve ends the wait (20)
    add_events(con, "N4", [(at(0), "customer_message", "customer", None), (at(5), "agent_reply", "agent", None),
                           (at(10), "customer_message", "customer", None), (at(30), "status_change", "agent", "solved")])
    # agent-opened: the customer's message at 10 waits for the FIRST reply (40), not a next one;
    # the next wait is 50 -> 55
    add_events(con, "N5", [(at(0), "agent_reply", "agent", None), (at(10), "customer_message", "customer", None),
                           (at(40), "agent_reply", "agent", None), (at(50), "customer_message", "customer", None),
                           (at(55), "agent_reply", "agent", None), (at(56), "status_change", "agent", "solved")])
    strict = build(con, settings_with({"name": "P", "next_reply_minutes": 45}))
    assert {k: outcome(v, "next_reply") for k, v in strict.items()} == {
        "N1": ("breached", 60), "N2": ("active_breach", 110), "N3": (None, None), "N4": ("achieved", 20), "N5": ("achieved", 5)}
    assert strict["N5"]["first_reply_calendar_minutes"] == 40
    assert strict["N3"]["sla_next_reply_target_minutes"] is None and strict["N1"]["sla_next_reply_target_minutes"] == 45
    lenient = build(con, settings_with({"name": "P", "next_reply_minutes": 110}))
    assert outcome(lenient["N1"], "next_reply") == ("achieved", 60)
    assert outcome(lenient["N2"], "next_reply") == ("active", 110)


# ------------------------------------------------------------------ integrity

def test_statuses_add_up_to_the_tickets_with_a_target():
    rng = random.Random(3)
    con = new_db()
    start = T(2024, 1, 8)
    for i in range(400):
        created = start + rng.randrange(0, 60 * 24 * 60) * M
        status = rng.choice(["new", "open", "pending", "solved", "closed", None])
        reply = created + rng.randrange(0, 60 * 24 * 3) * M if rng.random() < 0.7 else None
        solved = created + rng.randrange(0, 60 * 24 * 10) * M if status in ("solved", "closed") and rng.random() < 0.9 else None
        add_tickets(con, {"source_id": str(i), "created_at": created, "status": status, "first_response_at": reply,
                          "solved_at": solved, "priority": rng.choice(["urgent", "high", "normal", "low", None]),
                          "channel": rng.choice(["email", "chat"])})
        if i % 3 == 0:
            events, at = [], created
            for _ in range(rng.randrange(1, 8)):
                kind = rng.choice(["customer_message", "agent_reply", "status_change"])
                events.append((at, kind, "customer" if kind == "customer_message" else "agent",
                               rng.choice(["open", "pending", "solved"]) if kind == "status_change" else None))
                at += rng.randrange(1, 2000) * M
            add_events(con, str(i), events)
    settings = settings_with(*config.defaults()["sla"]["policies"][:3],
                             {"name": "Business", "first_reply_minutes": 240, "next_reply_minutes": 240,
                              "resolution_minutes": 2400, "business": True})
    build(con, settings)
    for target in sla.TARGETS:
        counts = dict(con.execute(f"SELECT sla_{target}_status, count(*) FROM ticket_metrics GROUP BY 1").fetchall())
        with_target = con.execute(f"SELECT count(*) FROM ticket_metrics WHERE sla_{target}_target_minutes IS NOT NULL").fetchone()[0]
        assert sum(counts.get(s, 0) for s in sla.STATUSES) == with_target, target
        assert set(counts) <= set(sla.STATUSES) | {None}
        assert counts.get("achieved", 0) and counts.get("breached", 0), f"the fixture should exercise {target}"
        # elapsed decides: achieved/active within the target, breached/active_breach past it
        wrong = con.execute(f"""SELECT count(*) FROM ticket_metrics WHERE
            (sla_{target}_status IN ('achieved', 'active') AND sla_{target}_elapsed_minutes > sla_{target}_target_minutes)
            OR (sla_{target}_status IN ('breached', 'active_breach') AND sla_{target}_elapsed_minutes <= sla_{target}_target_minutes)
            OR (sla_{target}_status LIKE 'active%' AND NOT is_open)""").fetchone()[0]
        assert wrong == 0, target
    rows = con.execute("SELECT sla_breached, sla_first_reply_status, sla_next_reply_status, sla_resolution_status "
                       "FROM ticket_metrics").fetchall()
    for flag, *statuses in rows:
        known = [s for s in statuses if s is not None]
        assert flag == (any(s in ("breached", "active_breach") for s in known) if known else None)


def test_breach_rate():
    # 3 breached of 3 + 9 completed: 0.25; active breaches are reported beside it, not inside
    assert sla.breach_rate({"achieved": 9, "breached": 3, "active": 4, "active_breach": 2}) == 0.25
    assert sla.breach_rate({"active": 2}) is None
