"""The KPI engine against answers computed by hand on a tiny fixture, on raw rows and on rollups
(every test in the first part runs twice: ``con`` is parametrised), plus rollup-vs-raw agreement on
synthetic data, NPS properties, drill-downs and ``cli.py metrics`` end to end."""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from loaders.store import init_schema
from metrics import engine, rollups, satisfaction
from metrics.facts import BIN_RATIO, bin_value, hist_quantile
from metrics.filters import Filters
from metrics.registry import METRICS

ROOT = Path(__file__).resolve().parents[1]
T = dt.datetime

from bench.synthetic import TICKET_METRICS_DDL  # noqa: E402  one hand-typed copy of the table, checked below


def test_the_hand_typed_ticket_metrics_table_matches_derive():
    """The fixtures here and bench/synthetic.py build ticket_metrics by hand; it must be derive's table."""
    from metrics import derive

    c = duckdb.connect()
    c.execute(TICKET_METRICS_DDL)
    assert tuple(r[0] for r in c.execute("DESCRIBE ticket_metrics").fetchall()) == derive.COLUMNS



def _ticket(id_, created, team, agent, channel, priority, category, tags, customer, is_open, frt, frt_b, res, res_b,
            reopens, replies, one_touch, repeat, sla, satisfaction_, solved=None, first_solved=None):
    fr, nr, rs = sla
    return dict(source="hd", source_id=str(id_), created_at=created, status="open" if is_open else "solved",
                is_open=is_open, priority=priority, channel=channel, team=team, agent=agent, customer_id=customer,
                category=category, tags=tags, subject=f"ticket {id_}",
                first_reply_at=None if frt is None else created + dt.timedelta(minutes=frt),
                first_reply_calendar_minutes=frt, first_reply_business_minutes=frt_b,
                first_solved_at=first_solved or solved, solved_at=solved,
                full_resolution_calendar_minutes=res, full_resolution_business_minutes=res_b,
                reopens=reopens, agent_replies=replies, one_touch=one_touch, repeat_contact=repeat,
                sla_first_reply_status=fr, sla_next_reply_status=nr, sla_resolution_status=rs,
                sla_breached=any(s in ("breached", "active_breach") for s in sla if s),
                _satisfaction=satisfaction_)


TICKETS = [
    #       id created               team agent  channel  prio     category   tags           cust  open   frt  frt_b res   res_b reop repl 1touch repeat  (fr, nr, res)                        satisfaction
    _ticket(1, T(2024, 3, 1, 9), "A", "ann", "email", "high", "billing", "vip billing", "C1", False, 30, 20, 120, 100, 0, 1, True, False,
            ("achieved", None, "achieved"), "good", solved=T(2024, 3, 1, 11)),
    _ticket(2, T(2024, 3, 2, 10), "A", "ann", "chat", "normal", "billing", "billing", "C2", False, 90, 60, 600, 400, 1, 3, False, True,
            ("breached", "achieved", "achieved"), "bad", solved=T(2024, 3, 2, 20), first_solved=T(2024, 3, 2, 15)),
    _ticket(3, T(2024, 3, 3, 8), "B", "bob", "email", "urgent", "tech", "bug", "C1", True, None, None, None, None, 0, 0, None, False,
            ("active_breach", None, "active"), "offered"),
    _ticket(4, T(2024, 3, 5, 12), "B", "bob", "web", "low", "tech", None, "C3", False, 800, 500, 2000, 1500, 0, 2, False, None,
            ("achieved", "breached", "achieved"), "unoffered", solved=T(2024, 3, 6, 21, 20)),
    _ticket(5, T(2024, 3, 10, 15), "B", "cat", "email", "normal", None, "vip", None, True, 45, 45, None, None, 1, 1, None, None,
            ("achieved", None, "active"), None, solved=T(2024, 3, 10, 16)),
    # April: outside the March period.
    _ticket(6, T(2024, 4, 2, 9), "A", "ann", "email", "normal", "billing", None, "C2", False, 10, 10, 50, 50, 0, 1, True, False,
            ("achieved", None, "achieved"), "good", solved=T(2024, 4, 2, 9, 50)),
]

SURVEYS = [
    # id   kind    score scale      ticket team   customer responded
    ("s1", "csat", 5, (1, 5), "1", None, None, T(2024, 3, 1, 12)),
    ("s2", "csat", 3, (1, 5), "2", None, None, T(2024, 3, 3, 12)),
    ("s3", "csat", 1, (0, 1), "4", None, None, T(2024, 3, 7, 12)),     # good on good/bad
    ("s4", "csat", 4, (None, None), None, "B", None, T(2024, 3, 8, 12)),  # no scale: 1-5
    ("s5", "nps", 10, (0, 10), None, None, "C1", T(2024, 3, 2, 12)),
    ("s6", "nps", 9, (0, 10), None, None, None, T(2024, 3, 4, 12)),
    ("s7", "nps", 7, (0, 10), None, None, None, T(2024, 3, 5, 12)),
    ("s8", "nps", 3, (0, 10), None, None, None, T(2024, 3, 6, 12)),
    ("s9", "nps", 6, (0, 10), None, None, None, T(2024, 3, 9, 12)),
    ("s10", "ces", 5, (1, 7), None, None, None, T(2024, 3, 9, 13)),
    ("s11", "ces", 3, (1, 7), None, None, None, T(2024, 3, 9, 14)),
    ("s12", "csat", 2, (1, 5), "6", None, None, T(2024, 4, 3, 12)),
]

CALLS = [
    # id  direction  outcome      wait talk hold wrap resolved team agent queue
    ("c1", "inbound", "answered", 10, 300, 30, 60, True, "A", "ann", "Q1", T(2024, 3, 1, 10)),
    ("c2", "inbound", "answered", 30, 200, None, 40, False, "B", "bob", "Q1", T(2024, 3, 2, 10)),
    ("c3", "inbound", "abandoned", 3, None, None, None, None, "B", None, "Q2", T(2024, 3, 3, 10)),
    ("c4", "inbound", "abandoned", 40, None, None, None, None, "B", None, "Q2", T(2024, 3, 4, 10)),
    ("c5", "inbound", "missed", 8, None, None, None, None, "B", None, "Q1", T(2024, 3, 5, 10)),
    ("c6", "outbound", "answered", 0, 500, 0, 0, True, "A", "ann", "Q1", T(2024, 3, 6, 10)),
    ("c7", None, "answered", 20, 100, None, None, None, "B", "cat", "Q2", T(2024, 3, 7, 10)),
    ("c8", "inbound", "voicemail", 60, None, None, None, None, "B", None, "Q1", T(2024, 3, 8, 10)),
]

CUSTOMERS = [("C1", "SMB"), ("C2", "Enterprise"), ("C3", "SMB")]


def fill(con) -> None:
    init_schema(con)
    con.execute(TICKET_METRICS_DDL)
    for t in TICKETS:
        row = {k: v for k, v in t.items() if not k.startswith("_")}
        cols = ", ".join(row)
        con.execute(f"INSERT INTO ticket_metrics ({cols}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
        con.execute("INSERT INTO tickets (source, source_id, created_at, status, priority, channel, team, agent, customer_id, "
                    "category, tags, satisfaction) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [t["source"], t["source_id"], t["created_at"], t["status"], t["priority"], t["channel"], t["team"],
                     t["agent"], t["customer_id"], t["category"], t["tags"], t["_satisfaction"]])
    for sid, kind, score, (lo, hi), ticket, team, customer, at in SURVEYS:
        con.execute("INSERT INTO surveys (source, source_id, responded_at, kind, score, scale_min, scale_max, ticket_id, team, "
                    "customer_id) VALUES ('sv', ?, ?, ?, ?, ?, ?, ?, ?, ?)", [sid, at, kind, score, lo, hi, ticket, team, customer])
    for cid, direction, outcome, wait, talk, hold, wrap, resolved, team, agent, queue, at in CALLS:
        con.execute("INSERT INTO calls (source, source_id, queued_at, direction, outcome, wait_seconds, talk_seconds, hold_seconds, "
                    "wrap_seconds, resolved, team, agent, queue) VALUES ('pbx', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [cid, at, direction, outcome, wait, talk, hold, wrap, resolved, team, agent, queue])
    for cid, segment in CUSTOMERS:
        con.execute("INSERT INTO customers (source, source_id, segment) VALUES ('crm', ?, ?)", [cid, segment])


@pytest.fixture(params=["raw", "rollup"])
def con(request):
    c = duckdb.connect()
    fill(c)
    if request.param == "rollup":
        rollups.build_rollups(c)
    yield c
    c.close()


MARCH = Filters(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 31))


def approx_q(value):
    """Quantiles from rollups are within sqrt(BIN_RATIO) - 1 (0.75%) of the exact ones."""
    return pytest.approx(value, rel=math.sqrt(BIN_RATIO) - 1 + 1e-9)


def test_ticket_kpis_by_hand(con):
    k = engine.kpis(con, MARCH)
    assert k["tickets"] == 5  # tickets 1-5 created in March
    # Open at the end of March 31: ticket 3 and 5 (open now); 4 was solved on March 6.
    assert k["backlog"] == 2
    # Ages at April 1 00:00: #3 from Mar 3 08:00 = 28 d 16 h = 688 h; #5 from Mar 10 15:00 = 513 h.
    assert k["backlog_age_median_hours"] == pytest.approx((688 + 513) / 2)
    # First replies 30, 45, 90, 800 -> median (45 + 90) / 2; p90 rank 3 * 0.9 = 2.7 -> 90 + 0.7 * (800 - 90).
    assert k["frt_median_minutes"] == approx_q(67.5)
    assert k["frt_p90_minutes"] == approx_q(90 + 0.7 * 710)
    assert k["frt_mean_minutes"] == pytest.approx((30 + 45 + 90 + 800) / 4)
    # Business: 20, 45, 60, 500 -> median 52.5, p90 60 + 0.7 * 440.
    assert k["frt_business_median_minutes"] == approx_q(52.5)
    assert k["frt_business_p90_minutes"] == approx_q(60 + 0.7 * 440)
    # Needed a reply: the 4 replied + #3 (open, unreplied) = 5. Within 60: 30, 45; within 720: 30, 45, 90.
    assert k["replied_within_1h"] == pytest.approx(2 / 5)
    assert k["replied_within_12h"] == pytest.approx(3 / 5)
    # Solved (not open): 120, 600, 2000 -> median 600, p90 rank 1.8 -> 600 + 0.8 * 1400; business 100, 400, 1500.
    assert k["resolution_median_minutes"] == approx_q(600)
    assert k["resolution_p90_minutes"] == approx_q(600 + 0.8 * 1400)
    assert k["resolution_business_median_minutes"] == approx_q(400)
    # Targets achieved: #1 x2, #2 x2, #4 x2, #5 x1 = 7; breached: #2 first reply, #4 next reply = 2.
    assert k["sla_breach_rate"] == pytest.approx(2 / 9)
    assert k["sla_first_reply_breach_rate"] == pytest.approx(1 / 4)  # achieved 1, 4, 5; breached 2
    assert k["sla_next_reply_breach_rate"] == pytest.approx(1 / 2)   # achieved 2; breached 4
    assert k["sla_resolution_breach_rate"] == pytest.approx(0 / 3)   # achieved 1, 2, 4
    assert k["sla_active_breaches"] == 1                             # #3
    # Solved at least once: 1, 2, 4, 5 (5 was solved, then reopened); reopened: 2, 5.
    assert k["reopen_rate"] == pytest.approx(2 / 4)
    assert k["one_touch_rate"] == pytest.approx(1 / 3)               # 1 of 1, 2, 4
    assert k["repeat_contact_rate"] == pytest.approx(1 / 3)          # 2 of 1, 2, 3
    assert k["replies_per_ticket"] == pytest.approx((1 + 3 + 2) / 3)  # solved 1, 2, 4


def test_survey_kpis_by_hand(con):
    k = engine.kpis(con, MARCH)
    # Rated CSAT in March: s1 5, s2 3, s3 good, s4 4 (1-5 by default); satisfied s1, s3, s4.
    assert k["csat_responses"] == 4
    assert k["csat"] == pytest.approx(3 / 4)
    # tickets.satisfaction in March: offered = good, bad, offered (3); rated = good, bad (2).
    assert k["csat_response_rate"] == pytest.approx(2 / 3)
    # NPS: 10, 9 promoters; 7 passive; 3, 6 detractors: (2 - 2) / 5 = 0.
    assert k["nps"] == pytest.approx(0)
    assert k["nps_responses"] == 5
    # p = d = 0.4: Var = (0.8 - 0) / 5 = 0.16, se 0.4; 95% CI = 0 +- 1.96 * 40.
    assert k["nps_low"] == pytest.approx(-100 * satisfaction.Z95 * 0.4)
    assert k["nps_high"] == pytest.approx(100 * satisfaction.Z95 * 0.4)
    assert k.flags["nps_small_sample"] is True  # 5 < 30
    assert k["ces"] == pytest.approx((5 + 3) / 2)
    assert k["ces_responses"] == 2


def test_call_kpis_by_hand(con):
    k = engine.kpis(con, MARCH)
    # Inbound (or unknown direction): c1, c2, c3, c4, c5, c7, c8 = 7; short abandon c3 (3 s < 5 s).
    assert k["short_abandons"] == 1
    assert k["calls_offered"] == 6
    assert k["calls_answered"] == 3    # c1, c2, c7
    assert k["calls_abandoned"] == 2   # c4, c5 (missed)
    assert k["answer_rate"] == pytest.approx(3 / 6)
    assert k["abandonment_rate"] == pytest.approx(2 / 6)
    assert k["asa_seconds"] == pytest.approx((10 + 30 + 20) / 3)
    assert k["service_level"] == pytest.approx(2 / 6)  # c1 (10 s), c7 (20 s) within 20 s
    assert k["aht_seconds"] == pytest.approx(((300 + 30 + 60) + (200 + 40) + 100) / 3)
    assert k["fcr_rate"] == pytest.approx(1 / 2)       # c1 yes, c2 no, c7 unknown


def test_every_registered_metric_is_computed(con):
    k = engine.kpis(con, MARCH)
    assert set(k) == set(METRICS)
    assert all(k[m] is not None for m in METRICS), [m for m in METRICS if k[m] is None]


def test_empty_store_gives_none_not_zero():
    c = duckdb.connect()
    init_schema(c)
    c.execute(TICKET_METRICS_DDL)
    k = engine.kpis(c, Filters())
    assert all(v is None for v in k.values()), {m: v for m, v in k.items() if v is not None}
    assert any("no calls loaded" in n for n in k.notes)
    # Without ticket_metrics at all (before the first load) nothing fails either.
    bare = duckdb.connect()
    assert all(v is None for v in engine.kpis(bare, Filters()).values())
    assert engine.timeseries(bare, Filters(), "day").height == 0


def test_period_without_rows_gives_zero_counts_and_none_rates(con):
    k = engine.kpis(con, Filters(date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 1, 31)))
    assert k["tickets"] == 0 and k["calls_offered"] == 0
    assert k["frt_median_minutes"] is None and k["sla_breach_rate"] is None and k["csat"] is None
    assert k["backlog"] == 0  # nothing created before February


def test_filters_by_dimension(con):
    def tickets(**kw):
        return engine.kpis(con, Filters(**kw), ["tickets"])["tickets"]

    assert tickets(team=["A"]) == 3                  # 1, 2, 6
    assert tickets(team=["A", "B"]) == 6
    assert tickets(agent=["bob"]) == 2               # 3, 4
    assert tickets(channel=["email"]) == 4           # 1, 3, 5, 6
    assert tickets(priority=["normal"]) == 3         # 2, 5, 6
    assert tickets(category=["tech"]) == 2           # 3, 4
    assert tickets(tag=["vip"]) == 2                 # 1, 5
    assert tickets(tag=["billing", "vip"]) == 3      # 1, 2, 5 (1 has both: counted once)
    assert tickets(segment=["SMB"]) == 3             # customers C1 (1, 3) and C3 (4)
    assert tickets(source=["hd"]) == 6
    assert tickets(team=["A"], channel=["email"]) == 2  # 1, 6
    # Inclusive date range: one day holds ticket 1 only.
    assert tickets(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 1)) == 1
    assert tickets(date_from=dt.date(2024, 3, 2), date_to=dt.date(2024, 3, 5)) == 3  # 2, 3, 4


def test_team_filter_on_every_table(con):
    k = engine.kpis(con, MARCH.replace(team=("A",)))
    assert k["tickets"] == 2
    assert k["frt_median_minutes"] == approx_q((30 + 90) / 2)
    assert k["calls_offered"] == 1 and k["asa_seconds"] == 10  # c1 (c6 is outbound)
    # Surveys take the linked ticket's team: s1 (ticket 1), s2 (ticket 2).
    assert k["csat_responses"] == 2 and k["csat"] == pytest.approx(1 / 2)


def test_filter_on_a_dimension_calls_lack(con):
    k = engine.kpis(con, MARCH.replace(channel=("email",)))
    assert k["tickets"] == 3  # 1, 3, 5
    assert k["calls_offered"] is None and k["asa_seconds"] is None
    assert any("calls have no channel" in n for n in k.notes)
    # Surveys linked to a ticket take its category; unlinked ones drop out of a category filter.
    k = engine.kpis(con, MARCH.replace(category=("billing",)))
    assert k["csat_responses"] == 2  # s1, s2


def test_segment_filter_on_calls_and_surveys(con):
    k = engine.kpis(con, MARCH.replace(segment=("SMB",)))
    assert k["tickets"] == 3
    assert k["nps_responses"] == 1      # s5 (customer C1)
    assert k["csat_responses"] == 2     # s1 (ticket 1 -> C1), s3 (ticket 4 -> C3); s2's ticket is C2
    assert k["calls_offered"] == 0      # no call has a customer


def test_previous_period_arithmetic():
    f = Filters(date_from=dt.date(2024, 3, 11), date_to=dt.date(2024, 3, 20), team=("A",))
    p = f.previous()
    assert (p.date_from, p.date_to, p.team) == (dt.date(2024, 3, 1), dt.date(2024, 3, 10), ("A",))
    # Across a month end and a leap day: 2024-03-01..03-31 (31 days) -> 2024-01-30..02-29.
    p = MARCH.previous()
    assert (p.date_from, p.date_to) == (dt.date(2024, 1, 30), dt.date(2024, 2, 29))
    assert Filters().previous() is None


def test_compare(con):
    current = Filters(date_from=dt.date(2024, 3, 6), date_to=dt.date(2024, 3, 10))
    c = engine.compare(con, current, ["tickets", "calls_offered", "answer_rate"])
    # Mar 6-10: ticket 5; previous Mar 1-5: tickets 1-4.
    assert c["tickets"]["current"] == 1 and c["tickets"]["previous"] == 4 and c["tickets"]["change"] == -3
    assert c["tickets"]["significant"] is True  # moved by more than 10%
    # Calls Mar 6-10: c7 answered, c8 voicemail (c6 outbound): 2 offered, 1 answered.
    # Mar 1-5: c1, c2 answered, c4, c5 abandoned (c3 short): 4 offered, 2 answered -> 0.5 vs 0.5.
    assert c["answer_rate"]["current"] == pytest.approx(0.5) and c["answer_rate"]["previous"] == pytest.approx(0.5)
    assert c["answer_rate"]["change"] == pytest.approx(0) and c["answer_rate"]["significant"] is False
    # All time has no previous period.
    assert engine.compare(con, Filters(), ["tickets"])["tickets"]["previous"] is None


def test_counts_are_not_compared_with_a_period_the_data_only_partly_cover(con):
    # Every table's first record is on 2024-03-01. Mar 4-8 (5 days) -> previous Feb 28 - Mar 3,
    # which holds only 3 days of data: its counts would make any growth look like +60% or more.
    current = Filters(date_from=dt.date(2024, 3, 4), date_to=dt.date(2024, 3, 8))
    c = engine.compare(con, current, ["tickets", "backlog", "calls_offered", "answer_rate", "sla_breach_rate"])
    for count in ("tickets", "backlog", "calls_offered"):
        assert c[count]["previous"] is None and c[count]["change"] is None and c[count]["significant"] is False, count
    # per-row figures are still compared: calls Mar 4-8 c4 abandoned, c5 abandoned, c7 answered, c8 voicemail
    # -> 1 of 4 answered; Feb 28 - Mar 3: c1, c2 answered (c3 a short abandon) -> 2 of 2
    assert c["answer_rate"]["current"] == pytest.approx(0.25) and c["answer_rate"]["previous"] == pytest.approx(1.0)
    assert c["sla_breach_rate"]["change"] is not None
    assert c.meta["previous_before_data"] == {"tickets": "2024-03-01", "calls": "2024-03-01", "surveys": "2024-03-01"}
    assert any(n.startswith("the previous period (2024-02-28 to 2024-03-03) starts before the first record of")
               for n in c.meta["notes"])
    # a previous period inside the data is compared as before (test_compare: Mar 1-5 vs Mar 6-10)
    c = engine.compare(con, Filters(date_from=dt.date(2024, 3, 6), date_to=dt.date(2024, 3, 10)), ["tickets"])
    assert c["tickets"]["change"] == -3 and c.meta["previous_before_data"] == {}


def test_two_proportion_test_by_hand():
    # 60/100 vs 40/100: pooled 0.5, se = sqrt(0.25 * 0.02) = 0.0707, z = 2.828, p = 0.00468.
    assert engine.two_proportion_p(60, 100, 40, 100) == pytest.approx(0.004678, rel=1e-3)
    assert engine.two_proportion_p(6, 10, 4, 10) > 0.05  # same rates, small samples: not significant


def test_breakdown_flags_small_samples(con):
    frame = engine.breakdown(con, MARCH, "team", ["tickets", "frt_median_minutes", "calls_offered"])
    rows = {r["team"]: r for r in frame.to_dicts()}
    assert rows["A"]["tickets"] == 2 and rows["B"]["tickets"] == 3
    assert rows["A"]["n"] == 2 and rows["A"]["small_sample"] is True  # 2 < 20 (metrics.small_sample)
    assert rows["B"]["calls_offered"] == 5  # c2, c4, c5, c7, c8 (c3 is a short abandon)
    assert frame.columns[0] == "team" and "small_sample" in frame.columns


def test_breakdown_by_tag_and_queue(con):
    tags = {r["tag"]: r["tickets"] for r in engine.breakdown(con, MARCH, "tag", ["tickets"]).to_dicts()}
    assert tags == {"vip": 2, "billing": 2, "bug": 1}  # ticket 4 has no tags: no row
    queues = {r["queue"]: r for r in engine.breakdown(con, MARCH, "queue", ["calls_offered", "tickets"]).to_dicts()}
    # Q1: c1, c2, c5, c8 (c6 outbound); Q2: c4, c7 (c3 short).
    assert queues["Q1"]["calls_offered"] == 4 and queues["Q2"]["calls_offered"] == 2
    assert queues["Q1"]["tickets"] is None  # tickets have no queue


def test_timeseries_grains(con):
    days = engine.timeseries(con, Filters(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 5)), "day",
                             ["tickets", "backlog", "frt_median_minutes"])
    assert days["period"].to_list() == [dt.date(2024, 3, d) for d in range(1, 6)]
    assert days["tickets"].to_list() == [1, 1, 1, None, 1]  # no ticket on March 4: None, not 0
    # Backlog at each day's end: Mar 1: #1 solved same day -> 0; Mar 2: 0; Mar 3: #3 -> 1; Mar 4: 1;
    # Mar 5: #3 and #4 (solved Mar 6) -> 2.
    assert days["backlog"].to_list() == [0, 0, 1, 1, 2]
    assert days["frt_median_minutes"].to_list()[0] == pytest.approx(30)
    weeks = engine.timeseries(con, MARCH, "week", ["tickets"])
    # ISO weeks starting Mondays Feb 26, Mar 4, 11, 18, 25: tickets 1-3 | 4, 5 | - | - | -.
    assert weeks["period"].to_list()[0] == dt.date(2024, 2, 26)
    assert weeks["tickets"].to_list() == [3, 2, None, None, None]
    months = engine.timeseries(con, Filters(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 4, 30)), "month",
                               ["tickets", "frt_median_minutes", "csat"])
    assert months["period"].to_list() == [dt.date(2024, 3, 1), dt.date(2024, 4, 1)]
    assert months["tickets"].to_list() == [5, 1]
    assert months["frt_median_minutes"].to_list()[1] == approx_q(10)
    assert months["csat"].to_list() == [pytest.approx(0.75), 0.0]  # April: s12 (2 of 5) unsatisfied


@pytest.mark.parametrize("where, metric", [
    ("abandoned", "calls_abandoned"), ("short_abandon", "short_abandons"), ("answered", "calls_answered"),
    ("sla_active_breach", "sla_active_breaches"), ("csat", "csat_responses"), ("nps", "nps_responses"),
    ("ces", "ces_responses"), ("backlog", "backlog"),
])
def test_drill_counts_match_the_figure(con, where, metric):
    rows = engine.drill(con, MARCH, where=where)
    assert rows.height == engine.kpis(con, MARCH, [metric])[metric]


def test_drill_predicates_by_hand(con):
    ids = lambda where, f=MARCH: sorted(engine.drill(con, f, where=where)["source_id"].to_list())  # noqa: E731
    assert ids("unreplied") == ["3"]
    assert ids("open") == ["3", "5"]
    assert ids("sla_breached") == ["2", "4"]
    assert ids("reopened") == ["2", "5"]
    assert ids("detractor") == ["s8", "s9"]
    assert ids("bad_csat") == ["s2"]           # 3 on 1-5
    assert ids("late_reply_1h") == ["2", "3", "4"]  # reply_needed 5 - within_1h 2
    assert ids("outside_service_level") == ["c2", "c4", "c5", "c8"]  # offered 6 - within 2
    assert ids("abandoned", MARCH.replace(team=("B",))) == ["c4", "c5"]
    assert engine.drill(con, MARCH, "tickets").height == 5
    assert engine.drill(con, MARCH, "tickets", limit=2).height == 2
    with pytest.raises(ValueError, match="valid"):
        engine.drill(con, MARCH, where="nonsense")


def test_dimension_values_and_status(con):
    assert engine.dimension_values(con, "team") == ["A", "B"]
    assert engine.dimension_values(con, "tag") == ["billing", "bug", "vip"]
    assert engine.dimension_values(con, "segment") == ["Enterprise", "SMB"]
    assert engine.dimension_values(con, "queue") == ["Q1", "Q2"]
    assert engine.dimension_values(con, "priority") == ["high", "low", "normal", "urgent"]
    assert engine.dimension_values(con, "channel") == ["chat", "email", "web"]
    status = engine.data_status(con)
    assert status["tables"]["tickets"]["rows"] == 6 and status["tables"]["calls"]["rows"] == 8
    assert status["tables"]["tickets"]["first"] == dt.date(2024, 3, 1)
    assert status["tables"]["tickets"]["last"] == dt.date(2024, 4, 2)


# ---------------------------------------------------------------- NPS and quantile properties
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
@hsettings(max_examples=300, deadline=None)
def test_nps_bounds_and_interval(prom, passive, det):
    aggs = {"nps_n": prom + passive + det, "nps_prom": prom, "nps_det": det}
    nps = satisfaction.nps_value(aggs)
    if aggs["nps_n"] == 0:
        assert nps is None and satisfaction.nps_interval(aggs) is None
        return
    assert -100 <= nps <= 100
    lo, hi = satisfaction.nps_interval(aggs)
    assert -100 <= lo <= nps + 1e-9 and nps - 1e-9 <= hi <= 100


@given(st.lists(st.floats(0, 1e5, allow_nan=False), min_size=1, max_size=300), st.sampled_from([0.5, 0.9, 0.1]))
@hsettings(max_examples=200, deadline=None)
def test_histogram_quantile_within_bin_error(values, q):
    import numpy as np

    from metrics.facts import V0

    counts: dict[int, int] = {}
    for v in values:
        k = -1 if v < V0 else math.floor(math.log(v / V0) / math.log(BIN_RATIO))
        counts[k] = counts.get(k, 0) + 1
    got = hist_quantile(sorted(counts.items()), q)
    exact = float(np.quantile(values, q))  # numpy's default = quantile_cont
    assert abs(got - exact) <= (math.sqrt(BIN_RATIO) - 1) * exact + V0 + 1e-9
    assert bin_value(-1) == 0


# ---------------------------------------------------------------- rollups against raw rows
def _synthetic():
    spec = importlib.util.spec_from_file_location("bench_synthetic", ROOT / "bench" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic_con():
    c = duckdb.connect()
    _synthetic().generate(c, tickets=20_000, days=120, start=dt.date(2024, 1, 1))
    rollups.build_rollups(c)
    yield c
    c.close()


@pytest.fixture
def histograms(tmp_path, monkeypatch):
    """Quantiles from the ticket sample whatever the row count (exact_quantile_max_rows = 0): the
    20,000 synthetic tickets are below the default, which would make every quantile exact. (A store
    this small keeps every ticket in its sample: the approximate path reads all of them.)"""
    settings = tmp_path / "settings.toml"
    settings.write_text("[metrics]\nexact_quantile_max_rows = 0\n", encoding="utf-8")
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(settings))


def _raw(c, fn):
    c.execute("ALTER TABLE rollup_meta RENAME TO rollup_meta_off")
    try:
        return fn()
    finally:
        c.execute("ALTER TABLE rollup_meta_off RENAME TO rollup_meta")


QUANTILE_IDS = {m for m, f in engine.FORMULAS.items() if f.kind == "quantile"}


def _assert_same(rolled, raw, context=""):
    for mid in raw:
        a, b = rolled[mid], raw[mid]
        if mid in QUANTILE_IDS and mid != "backlog_age_median_hours" and b is not None:
            assert a == pytest.approx(b, rel=0.01), (context, mid)  # quantiles within 1%
        elif isinstance(b, float):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-12), (context, mid)  # sums of the same counts
        else:
            assert a == b, (context, mid)


@pytest.mark.parametrize("filters", [
    Filters(),
    Filters(team=("Team 1",)),
    Filters(team=("Team 1", "Team 2")),
    Filters(tag=("vip",)),
    Filters(segment=("SMB",)),
    Filters(date_from=dt.date(2024, 1, 15), date_to=dt.date(2024, 3, 10)),   # partial months at both edges
    Filters(date_from=dt.date(2024, 2, 1), date_to=dt.date(2024, 2, 29), priority=("high",)),
    Filters(date_from=dt.date(2024, 3, 5), date_to=dt.date(2024, 3, 20), agent=("Agent 1-2",)),  # no whole month
    Filters(team=("Team 1",), channel=("chat",)),  # two dimensions: the base cube answers them too
    Filters(agent=("Agent 1-2",), tag=("vip",)),  # an agent and a tag: raw rows answer
    # agents over all time / up to a month's end: the agent cuboid's months answer the backlog too
    Filters(agent=("Agent 1-2", "Agent 3-1"), priority=("high", "low")),
    Filters(date_from=dt.date(2024, 1, 10), date_to=dt.date(2024, 2, 29), agent=("Agent 1-2",), channel=("chat",)),
])
def test_rollup_answers_equal_raw_answers(synthetic_con, filters, histograms):
    c = synthetic_con
    rolled = engine.kpis(c, filters)
    raw = _raw(c, lambda: engine.kpis(c, filters))
    assert set(raw.plan.values()) == {"raw"}
    cubed = not {"agent", "tag"} <= set(filters.active_dimensions())
    assert rolled.plan["tickets"] == ("rollup" if cubed else "raw")
    _assert_same(rolled, raw, filters.describe())
    # the quantiles read from the sample, and only those, are marked approximate, with an interval
    # around the value (exact_quantile_max_rows = 0: every quantile the cubes count goes to the sample)
    assert raw.approximate == set()
    assert rolled.approximate == ({m for m in QUANTILE_IDS - {"backlog_age_median_hours"} if rolled[m] is not None}
                                  if cubed else set())
    for m in rolled.approximate:
        low, high = rolled.intervals[m]
        assert low <= rolled[m] <= high


@pytest.mark.parametrize("by", ["team", "tag", "segment", "priority", "queue"])
def test_rollup_breakdowns_equal_raw(synthetic_con, by, histograms):
    c = synthetic_con
    f = Filters(date_from=dt.date(2024, 1, 10), date_to=dt.date(2024, 3, 31))
    ids = ["tickets", "backlog", "frt_median_minutes", "sla_breach_rate", "csat", "nps", "calls_offered", "asa_seconds"]
    rolled = {r[by]: r for r in engine.breakdown(c, f, by, ids).to_dicts()}
    raw = {r[by]: r for r in _raw(c, lambda: engine.breakdown(c, f, by, ids)).to_dicts()}
    assert rolled.keys() == raw.keys()
    for key in raw:
        _assert_same({m: rolled[key][m] for m in ids}, {m: raw[key][m] for m in ids}, f"{by}={key}")


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_rollup_timeseries_equal_raw(synthetic_con, grain, histograms):
    c = synthetic_con
    f = Filters(date_from=dt.date(2024, 1, 20), date_to=dt.date(2024, 4, 10), team=("Team 3",))
    ids = ["tickets", "backlog", "frt_median_minutes", "reopen_rate", "calls_offered", "csat"]
    rolled = engine.timeseries(c, f, grain, ids).to_dicts()
    raw = _raw(c, lambda: engine.timeseries(c, f, grain, ids)).to_dicts()
    assert [r["period"] for r in rolled] == [r["period"] for r in raw]
    for a, b in zip(rolled, raw):
        _assert_same({m: a[m] for m in ids}, {m: b[m] for m in ids}, f"{grain} {b['period']}")


def test_stale_rollup_is_not_used(synthetic_con):
    c = synthetic_con
    c.execute("CREATE TEMP TABLE keep AS SELECT * FROM ticket_metrics WHERE source_id = '0'")
    c.execute("DELETE FROM ticket_metrics WHERE source_id = '0'")
    try:
        assert engine.kpis(c, Filters(), ["tickets"]).plan["tickets"] == "raw"
    finally:
        c.execute("INSERT INTO ticket_metrics SELECT * FROM keep")
        c.execute("DROP TABLE keep")
    assert engine.kpis(c, Filters(), ["tickets"]).plan["tickets"] == "rollup"


# ---------------------------------------------------------------- the command line
def _cli(*args):
    p = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    from loaders.store import Store

    path = tmp_path_factory.mktemp("cli") / "d.duckdb"
    # rebuild=False: keep the hand-made ticket_metrics (no derive hook), then build rollups ourselves.
    with Store(path).writer(rebuild=False) as w:
        fill(w)
        rollups.build_rollups(w)
    return path


def test_cli_metrics_json(store_path):
    code, out, err = _cli("metrics", "--json", "--db", str(store_path), "--from", "2024-03-01", "--to", "2024-03-31")
    assert code == 0, err
    data = json.loads(out)
    assert data["tickets"] == 5 and data["calls_offered"] == 6
    assert data["csat"] == pytest.approx(0.75) and data["nps"] == pytest.approx(0)
    assert data["_filters"] == {"date_from": "2024-03-01", "date_to": "2024-03-31"}
    assert set(METRICS) <= set(data)


def test_cli_metrics_filters_breakdown_and_errors(store_path):
    db = ["--db", str(store_path)]
    code, out, err = _cli("metrics", "--json", *db, "--filter", "team=A", "--metric", "tickets,calls_offered")
    assert code == 0, err
    assert json.loads(out)["tickets"] == 3 and json.loads(out)["_filters"] == {"team": "A"}
    code, out, err = _cli("metrics", "--json", *db, "--by", "team", "--metric", "tickets")
    rows = {r["team"]: r["tickets"] for r in json.loads(out)}
    assert code == 0 and rows == {"A": 3, "B": 3}
    code, out, err = _cli("metrics", *db)
    assert code == 0 and "First reply time (median)" in out and "min" in out
    code, _, err = _cli("metrics", *db, "--filter", "colour=red")
    assert code == 2 and "valid names" in err and "team" in err
    code, _, err = _cli("metrics", *db, "--from", "31.03.2024")
    assert code == 2 and "YYYY-MM-DD" in err


# ---------------------------------------------------------------- rollups on the sample data, through the store
def _sample_store(tmp_path_factory, seed=7, tickets=3000):
    import metrics  # noqa: F401  registers derive.build and rollups.build_rollups as post-load hooks
    from loaders.store import Store
    from sample_data.generate import generate

    out = tmp_path_factory.mktemp("sample")
    generate(out, seed=seed, tickets=tickets)
    tz = json.loads((out / "truth.json").read_text()).get("timezone")
    return out, Store(out / "d.duckdb"), tz


def _load(store, files, tz):
    from loaders.base import LoadOptions

    reports = store.load_files(files, LoadOptions(tz=tz))
    assert all(r.status == "loaded" for r in reports), [r.text() for r in reports]


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    out, store, tz = _sample_store(tmp_path_factory)
    _load(store, [out / "zendesk_tickets.csv", out / "asterisk_Master.csv", out / "survey_responses.csv",
                  out / "customers.csv"], tz)
    return store


def test_hooks_rebuild_rollups_after_ticket_metrics():
    import metrics
    from loaders.store import POST_LOAD_HOOKS

    names = [getattr(h, "__qualname__", "") for h in POST_LOAD_HOOKS]
    assert names.index("build_rollups") > names.index("build")
    assert metrics.HOOKS[-1] is rollups.build_rollups


SAMPLE_STATES = [
    Filters(),
    Filters(team=("Billing",)),
    Filters(priority=("high", "urgent")),
    Filters(tag=("billing",)),
    Filters(segment=("SMB",)),
    Filters(source=("zendesk",)),
]


@pytest.fixture(scope="module")
def sample_months(sample_store):
    cur = sample_store.cursor()
    lo, hi = engine.data_span(cur)
    cur.close()
    first = rollups._next_month(lo)
    return [Filters(date_from=first, date_to=rollups._next_month(rollups._next_month(first)) - dt.timedelta(days=1)),
            Filters(date_from=first + dt.timedelta(days=9), date_to=hi - dt.timedelta(days=20), channel=("email",))]


def test_sample_data_rollups_equal_raw_rows(sample_store, sample_months, histograms):
    cur = sample_store.cursor()
    try:
        for f in SAMPLE_STATES + sample_months:
            rolled = engine.kpis(cur, f)
            assert set(rolled.plan.values()) == {"rollup"}, (f.describe(), rolled.plan)
            raw = _raw_on_reader(cur, lambda: engine.kpis(cur, f))
            assert set(raw.plan.values()) == {"raw"}
            assert rolled["tickets"] > 0 or f.active_dimensions() == ["segment"]
            _assert_same(rolled, raw, f.describe())
        for by in ("team", "priority", "channel"):
            ids = ["tickets", "backlog", "frt_median_minutes", "sla_breach_rate", "csat", "calls_offered"]
            a = {r[by]: r for r in engine.breakdown(cur, sample_months[0], by, ids).to_dicts()}
            b = {r[by]: r for r in _raw_on_reader(cur, lambda: engine.breakdown(cur, sample_months[0], by, ids)).to_dicts()}
            assert a.keys() == b.keys()
            for key in b:
                _assert_same({m: a[key][m] for m in ids}, {m: b[key][m] for m in ids}, f"{by}={key}")
    finally:
        cur.close()


def _raw_on_reader(cur, fn):
    """Raw-row answers on a read-only cursor: the same call with every rollup marked unusable."""
    original = rollups.Rollups.usable
    rollups.Rollups.usable = lambda self, fact: False
    try:
        return fn()
    finally:
        rollups.Rollups.usable = original


def _team_counts(store):
    cur = store.cursor()
    try:
        rolled = {r["priority"]: r["tickets"] for r in engine.breakdown(cur, Filters(), "priority", ["tickets"]).to_dicts()}
        raw = {r["priority"]: r["tickets"] for r in
               _raw_on_reader(cur, lambda: engine.breakdown(cur, Filters(), "priority", ["tickets"])).to_dicts()}
        plan = engine.kpis(cur, Filters(), ["tickets", "calls_offered"]).plan
        return rolled, raw, plan
    finally:
        cur.close()


def test_every_load_updates_the_rollups(tmp_path_factory):
    """Stale rollups would show old numbers as if they were current: every load (and a reload that
    changes values but not the row count) must rebuild them."""
    import csv

    out, store, tz = _sample_store(tmp_path_factory, seed=11, tickets=1500)
    _load(store, [out / "zendesk_tickets.csv"], tz)
    rolled, raw, plan = _team_counts(store)
    assert rolled == raw and plan == {"tickets": "rollup"}
    n_before = sum(raw.values())
    # A second file: calls get rollups, the ticket rollups are rebuilt and still fresh.
    _load(store, [out / "asterisk_Master.csv"], tz)
    cur = store.cursor()
    k = engine.kpis(cur, Filters(), ["tickets", "calls_offered"])
    raw_k = _raw_on_reader(cur, lambda: engine.kpis(cur, Filters(), ["tickets", "calls_offered"]))
    cur.close()
    assert k.plan == {"tickets": "rollup", "calls": "rollup"} and dict(k) == dict(raw_k) and k["calls_offered"] > 0
    # The same tickets again with every priority changed to "low": same row count, new values.
    src = out / "zendesk_tickets.csv"
    with open(src, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    col = [h.strip().lower() for h in rows[0]].index("priority")
    changed = out / "zendesk_tickets_reprioritised.csv"
    with open(changed, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0]] + [r[:col] + ["Low"] + r[col + 1:] for r in rows[1:]])
    _load(store, [changed], tz)
    rolled, raw, plan = _team_counts(store)
    assert sum(raw.values()) == n_before and raw == {"low": n_before}
    assert rolled == raw and plan["tickets"] == "rollup"


def test_ticket_metrics_rebuilt_without_rollups_is_not_read_from_them(tmp_path_factory, sample_store):
    """derive.build alone (other SLA policies, same row count) makes the rollups stale: raw rows answer."""
    import shutil

    import config
    from metrics import derive

    path = tmp_path_factory.mktemp("stale") / "d.duckdb"
    shutil.copy(sample_store.path, path)
    c = duckdb.connect(str(path))
    try:
        before = engine.kpis(c, Filters(), ["sla_breach_rate"])
        assert before.plan["tickets"] == "rollup"
        settings = config.defaults()
        settings["sla"] = {"policies": [{"name": "strict", "conditions": {}, "first_reply_minutes": 1}]}
        derive.build(c, settings)
        after = engine.kpis(c, Filters(), ["sla_breach_rate"])
        assert after.plan["tickets"] == "raw"
        assert after["sla_breach_rate"] != pytest.approx(before["sla_breach_rate"])
        rollups.build_rollups(c)
        again = engine.kpis(c, Filters(), ["sla_breach_rate"])
        assert again.plan["tickets"] == "rollup" and again["sla_breach_rate"] == pytest.approx(after["sla_breach_rate"])
    finally:
        c.close()


def test_cli_metrics_on_a_loaded_store(sample_store):
    code, out, err = _cli("metrics", "--json", "--db", str(sample_store.path))
    assert code == 0, err
    data = json.loads(out)
    required = ["tickets", "backlog", "frt_median_minutes", "frt_p90_minutes", "frt_business_median_minutes",
                "resolution_median_minutes", "sla_breach_rate", "reopen_rate", "one_touch_rate", "csat",
                "csat_responses", "nps", "nps_responses", "ces", "calls_offered", "calls_answered", "answer_rate",
                "abandonment_rate", "asa_seconds", "service_level", "aht_seconds"]
    assert all(data[m] is not None for m in required), [m for m in required if data[m] is None]
    for m, metric in METRICS.items():
        if metric.unit == "fraction" and data[m] is not None:
            assert 0 <= data[m] <= 1, m
    assert -100 <= data["nps"] <= 100 and data["csat_responses"] > 0 and data["calls_answered"] <= data["calls_offered"]
    cur = sample_store.cursor()
    direct = engine.kpis(cur, Filters())
    cur.close()
    assert data["tickets"] == direct["tickets"] and data["csat"] == pytest.approx(direct["csat"])
    code, out, err = _cli("metrics", "--json", "--db", str(sample_store.path), "--by", "priority",
                          "--metric", "tickets,frt_median_minutes")
    assert code == 0, err
    rows = json.loads(out)
    assert len({r["priority"] for r in rows}) == len(rows) and sum(r["tickets"] or 0 for r in rows) == data["tickets"]


# ---------------------------------------------------------------- chart data for the dashboard
def _bins(frame):
    return {r["bin"]: r["tickets"] for r in frame.to_dicts() if r["tickets"]}


def test_distribution_by_hand(con):
    d = engine.distribution(con, MARCH)
    assert d["lower_minutes"].to_list() == [float(e) for e in engine.DISTRIBUTION_EDGES]
    assert d["upper_minutes"].to_list()[-1] is None and d["label"][0] == "0 min–15 min"
    # First replies 30, 45 in [30, 60); 90 in [60, 120); 800 in [720, 1440).
    assert _bins(d) == {2: 2, 3: 1, 7: 1}
    assert d["share"].sum() == pytest.approx(1)
    # Business 20 [15, 30), 45 [30, 60), 60 [60, 120), 500 [480, 720).
    assert _bins(engine.distribution(con, MARCH, business=True)) == {1: 1, 2: 1, 3: 1, 6: 1}
    # Solved: 120 [120, 240), 600 [480, 720), 2000 [1440, 2880); #5 is open.
    assert _bins(engine.distribution(con, MARCH, metric="resolution")) == {4: 1, 6: 1, 8: 1}
    assert _bins(engine.distribution(con, MARCH, bins=[0, 100, 1000])) == {0: 3, 1: 1}
    # Two equal bins up to the p99 (90 + 0.97 * 710 = 778.7): 800 lands in the open-ended last bin.
    two = engine.distribution(con, MARCH, bins=2)
    assert two["upper_minutes"][1] == pytest.approx(778.7) and _bins(two) == {0: 3, 2: 1}
    assert _bins(engine.distribution(con, MARCH.replace(team=("B",)))) == {7: 1, 2: 1}  # #4 800, #5 45
    with pytest.raises(ValueError):
        engine.distribution(con, MARCH, metric="csat")


def test_distribution_counts_match_the_figures(con):
    k = engine.kpis(con, Filters())
    total = engine.distribution(con, Filters())["tickets"].sum()
    assert total == len(engine.drill(con, Filters(), where="replied"))
    assert engine.distribution(con, Filters(), metric="resolution")["tickets"].sum() == \
        len(engine.drill(con, Filters(), where="solved"))
    assert k["tickets"] == 6


def test_backlog_aging_by_hand(con):
    a = engine.backlog_aging(con, MARCH)
    # End of March: #3 (urgent, 688 h) and #5 (normal, 513 h), both 7-30 days.
    assert a["age_bucket"].unique(maintain_order=True).to_list() == ["<1d", "1-3d", "3-7d", "7-30d", ">30d"]
    assert a["priority"].unique(maintain_order=True).to_list() == ["urgent", "normal"]
    nonzero = {(r["age_bucket"], r["priority"]): r["tickets"] for r in a.to_dicts() if r["tickets"]}
    assert nonzero == {("7-30d", "urgent"): 1, ("7-30d", "normal"): 1}
    assert a["tickets"].sum() == engine.kpis(con, MARCH, ["backlog"])["backlog"]
    # At the end of March 5: #3 open (64 h: 1-3 d) and #4 (low, created 12 h before, solved on the 6th).
    early = engine.backlog_aging(con, Filters(date_to=dt.date(2024, 3, 5)))
    assert {(r["age_bucket"], r["priority"]): r["tickets"] for r in early.to_dicts() if r["tickets"]} == \
        {("1-3d", "urgent"): 1, ("<1d", "low"): 1}
    # Open-ended: the tickets open now, aged at the latest timestamp (April 2 09:50): #3 721.8 h, #5 546.8 h.
    now = engine.backlog_aging(con, Filters())
    assert {(r["age_bucket"], r["priority"]): r["tickets"] for r in now.to_dicts() if r["tickets"]} == \
        {(">30d", "urgent"): 1, ("7-30d", "normal"): 1}
    assert engine.backlog_aging(con, Filters(team=("A",)))["tickets"].sum() == 0


def test_hour_of_week_by_hand(con):
    h = engine.hour_of_week(con, MARCH, tz="UTC")
    assert h.height == 168 and h["calls_offered"].sum() == engine.kpis(con, MARCH, ["calls_offered"])["calls_offered"]
    cells = {(r["day"], r["hour"]): (r["calls_offered"], r["calls_answered"]) for r in h.to_dicts() if r["calls_offered"]}
    # All at 10:00 UTC: Fri 1 c1 answered + Fri 8 c8 voicemail; Sat 2 c2; Mon 4 c4; Tue 5 c5; Thu 7 c7.
    # c3 (Sun, a short abandon) and c6 (outbound) are not offered.
    assert cells == {("Fri", 10): (2, 1), ("Sat", 10): (1, 1), ("Mon", 10): (1, 0), ("Tue", 10): (1, 0),
                     ("Thu", 10): (1, 1)}
    fri = h.filter((engine.pl.col("day") == "Fri") & (engine.pl.col("hour") == 10))
    assert fri["answer_rate"][0] == pytest.approx(0.5) and fri["weekday"][0] == 4
    assert h.filter(engine.pl.col("calls_offered") == 0)["answer_rate"].null_count() == 168 - 5
    # New York before the March 10 DST switch is UTC-5: the same days at 05:00.
    ny = engine.hour_of_week(con, MARCH, tz="America/New_York")
    assert {(r["day"], r["hour"]) for r in ny.to_dicts() if r["calls_offered"]} == {
        (d, 5) for d in ("Fri", "Sat", "Mon", "Tue", "Thu")}
    assert engine.hour_of_week(con, MARCH.replace(team=("A",)), tz="UTC")["calls_answered"].sum() == 1
    assert engine.hour_of_week(con, MARCH.replace(channel=("email",))).height == 0  # calls have no channel


def test_hour_of_week_uses_the_source_time_zone(con):
    con.execute("UPDATE calls SET source_tz = 'Asia/Tokyo'")  # UTC+9: 10:00 UTC is 19:00
    try:
        h = engine.hour_of_week(con, MARCH)
        assert {r["hour"] for r in h.to_dicts() if r["calls_offered"]} == {19}
    finally:
        con.execute("UPDATE calls SET source_tz = NULL")


def test_chart_functions_without_data():
    bare = duckdb.connect()
    assert engine.distribution(bare).height == 0
    assert engine.backlog_aging(bare).height == 0
    assert engine.hour_of_week(bare).height == 0
    init_schema(bare)
    bare.execute(TICKET_METRICS_DDL)
    assert engine.distribution(bare)["tickets"].sum() == 0
    assert engine.backlog_aging(bare).height == 0
    assert engine.hour_of_week(bare, tz="UTC")["calls_offered"].sum() == 0


def test_dimension_values_from_whichever_tables_have_the_column():
    c = duckdb.connect()
    init_schema(c)  # canonical tables, surveys only: no ticket_metrics, no priority or category anywhere
    c.execute("INSERT INTO surveys (source, source_id, responded_at, kind, score, team, channel) VALUES "
              "('sv', 's1', TIMESTAMP '2024-03-01 10:00', 'csat', 5, 'A', 'chat')")
    for state in ("raw", "rollup"):
        for dim in engine.BREAKDOWN_DIMENSIONS:
            engine.dimension_values(c, dim)  # never raises
        assert engine.dimension_values(c, "priority") == [] and engine.dimension_values(c, "category") == []
        assert engine.dimension_values(c, "team") == ["A"] and engine.dimension_values(c, "channel") == ["chat"]
        rollups.build_rollups(c)
    # Surveys linked to tickets take the ticket's priority and category.
    c.execute(TICKET_METRICS_DDL)
    c.execute("INSERT INTO ticket_metrics (source, source_id, created_at, priority, category, team) VALUES "
              "('hd', '9', TIMESTAMP '2024-03-01 09:00', 'high', 'billing', 'B')")
    c.execute("UPDATE surveys SET ticket_id = '9'")
    rollups.build_rollups(c)
    c.execute("DELETE FROM ticket_metrics")  # survey_facts still holds the linked ticket's values
    assert engine.dimension_values(c, "priority") == ["high"]
    assert engine.dimension_values(c, "category") == ["billing"]
    assert engine.dimension_values(c, "team") == ["A"]  # the survey's own team wins
