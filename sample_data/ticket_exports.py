"""Small deterministic ticket exports in the vendor shapes the main generator does not write:
Freshdesk CSV, Jira Service Management CSV, a ServiceNow incident event log, Zendesk API NDJSON
with comments, and a folder of Zendesk tables as Fivetran syncs them.

Each file loads under its adapter's source name (freshdesk, jira, servicenow, zendesk) and its
customers are `Tenant NNN` organisations, organisation ids 9001-9040 or `User NNNN` callers,
never ids starting with 'C', so they never touch the main customers' churn truth. Ticket ids are
kept out of the ranges other files use (Zendesk API 90,000,001+, Fivetran 95,000,001+,
ServiceNow INC9xxxxxx) so that loading them beside the main Zendesk export or the real
ServiceNow log replaces nothing; pass --source to store them under another name. Local times are America/New_York
(load them with --tz America/New_York); times never fall in the DST gap. Every file loads
through its adapter with no rejected rows (tests/test_adapters_tickets.py checks it).
``sample_data/generate.py`` calls ``write_all``.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("America/New_York")
START = dt.datetime(2024, 1, 2, 0, 0, 0)  # local
DAYS = 90
TEAMS = {"Billing": ["Anna Petrova", "James Carter", "Maria Lopez"],
         "Technical": ["Ivan Sokolov", "Emily Chen", "Raj Patel"],
         "Accounts": ["Laura Rossi", "Mark Evans"]}
CATEGORIES = {"billing": "Billing", "login": "Accounts", "bug": "Technical", "how-to": "Technical", "account": "Accounts"}
SUBJECTS = {"billing": ["Invoice looks wrong", "Charged twice", "Refund request"],
            "login": ["Cannot log in", "Password reset mail missing"],
            "bug": ["Export fails", "Dashboard does not load", "Sync stopped"],
            "how-to": ["How do I add a user?", "Where is the export button?"],
            "account": ["Change account owner", "Update company details"]}
PRIORITIES = ["urgent", "high", "normal", "low"]
PRIORITY_WEIGHTS = [0.06, 0.2, 0.6, 0.14]
CHANNELS = ["email", "web", "chat", "phone", "api"]
CHANNEL_WEIGHTS = [0.4, 0.3, 0.15, 0.1, 0.05]


@dataclass
class Ticket:
    """One simulated ticket; times are naive local (America/New_York)."""

    n: int
    created: dt.datetime
    channel: str
    priority: str
    category: str
    team: str
    agent: str
    customer: int  # organisation number
    requester: int  # person number
    subject: str
    first_reply: dt.datetime | None
    solved: dt.datetime | None
    reopened: dt.datetime | None  # customer reopened after the first solve
    final_solved: dt.datetime | None
    closed: dt.datetime | None
    csat: str | None  # good / bad
    agent_created: bool
    tags: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.closed:
            return "closed"
        if self.final_solved:
            return "solved"
        return "pending" if self.first_reply else "open"


def _safe(t: dt.datetime) -> dt.datetime:
    """Move a local time out of the spring-forward gap (02:00-03:00 does not exist that night)."""
    try:
        aware = t.replace(tzinfo=ZONE)
        back = aware.astimezone(dt.UTC).astimezone(ZONE).replace(tzinfo=None)
    except Exception:  # pragma: no cover - zoneinfo does not raise here
        return t
    return t if back == t else t + dt.timedelta(hours=1)


def _utc(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=ZONE).astimezone(dt.UTC).replace(tzinfo=None)


def _business_minutes(a: dt.datetime, b: dt.datetime) -> float:
    """Local Monday-Friday 09:00-18:00 minutes between two local times."""
    total, day = 0.0, a.date()
    while day <= b.date():
        if day.weekday() < 5:
            lo = max(a, dt.datetime.combine(day, dt.time(9)))
            hi = min(b, dt.datetime.combine(day, dt.time(18)))
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        day += dt.timedelta(days=1)
    return round(total, 1)


def simulate(rng: random.Random, n: int, start: dt.datetime | None = None, days: int | None = None,
             first: int = 1) -> list[Ticket]:
    start = start or START  # read at call time: write_all(start=..., days=...) moves the window
    days = days or DAYS
    out = []
    end = start + dt.timedelta(days=days)
    for i in range(n):
        day = start + dt.timedelta(days=rng.randrange(days))
        created = _safe(day + dt.timedelta(minutes=rng.randrange(7 * 60, 21 * 60)))
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        category = rng.choice(list(CATEGORIES))
        team = CATEGORIES[category]
        agent = rng.choice(TEAMS[team])
        speed = {"urgent": 0.3, "high": 0.6, "normal": 1.0, "low": 1.6}[priority]
        first_reply = _safe(created + dt.timedelta(minutes=max(1, int(rng.expovariate(1 / (120 * speed))))))
        if first_reply > end or rng.random() < 0.05:
            first_reply = None
        solved = reopened = final = closed = None
        if first_reply and rng.random() < 0.85:
            solved = _safe(first_reply + dt.timedelta(minutes=int(rng.expovariate(1 / (600 * speed))) + 5))
            final = solved
            if rng.random() < 0.08:
                reopened = _safe(solved + dt.timedelta(hours=rng.randint(2, 30)))
                final = _safe(reopened + dt.timedelta(minutes=rng.randint(30, 900)))
            if final > end:
                solved = reopened = final = None
            elif rng.random() < 0.6:
                closed = _safe(final + dt.timedelta(days=4))
                if closed > end:
                    closed = None
        csat = None
        if final and rng.random() < 0.3:
            csat = "good" if rng.random() < (0.85 if reopened is None else 0.5) else "bad"
        tags = [category] + ([rng.choice(["mobile", "invoice", "sso", "follow_up"])] if rng.random() < 0.4 else [])
        out.append(Ticket(first + i, created, channel, priority, category, team, agent, rng.randrange(1, 41),
                          rng.randrange(1, 301), rng.choice(SUBJECTS[category]), first_reply, solved, reopened, final,
                          closed, csat, channel == "phone" and rng.random() < 0.5, tags))
    return sorted(out, key=lambda t: (t.created, t.n))


def _minutes(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    return None if a is None or b is None else round((b - a).total_seconds() / 60, 1)


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows([["" if v is None else v for v in r] for r in rows])


def _tenant(k: int) -> str:
    return f"Tenant {k:03d}"


# ----------------------------------------------------------------------------------- Freshdesk
FRESHDESK_HEADER = ["Ticket ID", "Subject", "Description", "Status", "Priority", "Source", "Type", "Agent", "Group",
                    "Created time", "Due by Time", "Resolved time", "Closed time", "Last update time",
                    "Initial response time", "Time tracked", "First response time (in hrs)", "Resolution time (in hrs)",
                    "Agent interactions", "Customer interactions", "Resolution status", "First response status", "Tags",
                    "Survey results", "Product", "Full name", "Email", "Contact ID", "Company Name"]


def _hhmmss(minutes: float | None) -> str:
    if minutes is None:
        return ""
    s = int(round(minutes * 60))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def write_freshdesk(path: Path, rng: random.Random, n: int = 400) -> None:
    fmt = "%Y-%m-%d %H:%M:%S"
    status = {"open": "Open", "pending": "Pending", "solved": "Resolved", "closed": "Closed"}
    source = {"email": "Email", "web": "Portal", "chat": "Chat", "phone": "Phone", "api": "Feedback Widget"}
    rows = []
    for t in simulate(rng, n):
        due = t.created + dt.timedelta(hours={"urgent": 4, "high": 8, "normal": 24, "low": 48}[t.priority])
        frt_b = _business_minutes(t.created, t.first_reply) if t.first_reply else None
        res_b = _business_minutes(t.created, t.final_solved) if t.final_solved else None
        last = t.closed or t.final_solved or t.first_reply or t.created
        rows.append([
            t.n, t.subject, f"Customer wrote about: {t.subject.lower()}", status[t.status], t.priority.title(),
            "Outbound Email" if t.agent_created else source[t.channel], t.category.title(), t.agent, t.team,
            t.created.strftime(fmt), due.strftime(fmt), t.final_solved.strftime(fmt) if t.final_solved else "",
            t.closed.strftime(fmt) if t.closed else "", last.strftime(fmt),
            t.first_reply.strftime(fmt) if t.first_reply else "", _hhmmss(rng.randint(5, 90)),
            _hhmmss(frt_b), _hhmmss(res_b), int(t.first_reply is not None) + (t.reopened is not None),
            1 + (t.reopened is not None), ("Within SLA" if t.final_solved <= due else "SLA Violated") if t.final_solved else "",
            ("Within SLA" if t.first_reply <= due else "SLA Violated") if t.first_reply else "", ",".join(t.tags),
            {"good": "Awesome", "bad": "Not Good"}.get(t.csat or "", ""), "Deskscope Cloud",
            f"Person {t.requester:04d}", f"person{t.requester:04d}@tenant{t.customer:03d}.test", 50000 + t.requester,
            _tenant(t.customer)])
    _write_csv(path, FRESHDESK_HEADER, rows)


# ---------------------------------------------------------------------------------------- Jira
JIRA_HEADER = ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name", "Priority",
               "Resolution", "Assignee", "Assignee Id", "Reporter", "Reporter Id", "Creator", "Created", "Updated",
               "Last Viewed", "Resolved", "Due date", "Labels", "Labels", "Custom field (Organizations)",
               "Custom field (Request Type)", "Custom field (Time to first response)", "Custom field (Time to resolution)",
               "Satisfaction rating", "Custom field (Satisfaction date)", "Comment", "Comment", "Comment", "Comment"]


def _jira_date(t: dt.datetime) -> str:
    return t.strftime("%d/%b/%y %I:%M %p")


def _hhmm(minutes: float) -> str:
    sign = "-" if minutes < 0 else ""
    m = int(abs(minutes))
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


def write_jira(path: Path, rng: random.Random, n: int = 300) -> None:
    status = {"open": "Waiting for support", "pending": "Waiting for customer", "solved": "Resolved", "closed": "Closed"}
    priority = {"urgent": "Highest", "high": "High", "normal": "Medium", "low": "Low"}
    request = {"billing": "Billing question", "login": "Get access", "bug": "Report a system problem",
               "how-to": "Ask a question", "account": "Account change"}
    agents = {a: f"5b10ac8d82e05b22cc7d{i:04x}" for i, a in enumerate(sorted(a for v in TEAMS.values() for a in v))}
    rows = []
    for t in simulate(rng, n):
        reporter_id = f"712020:{t.requester:08x}"
        comments = []
        if t.first_reply:
            comments.append(f"{_jira_date(t.first_reply)};{agents[t.agent]};Thanks, looking into it")
        if t.reopened:
            comments.append(f"{_jira_date(t.reopened)};{reporter_id};Still broken")
        if t.reopened:
            comments.append(f"{_jira_date(t.final_solved - dt.timedelta(minutes=1))};{agents[t.agent]};Fixed now")
        comments += [""] * (4 - len(comments))
        goal_frt = {"urgent": 60, "high": 240, "normal": 480, "low": 960}[t.priority]
        ttfr = _hhmm(goal_frt - _minutes(t.created, t.first_reply)) if t.first_reply else ""
        ttr = _hhmm(goal_frt * 4 - _minutes(t.created, t.final_solved)) if t.final_solved else ""
        sat = (5 if t.csat == "good" else 2) if t.csat else ""
        last = t.final_solved or t.first_reply or t.created
        rows.append([
            t.subject, f"HELP-{t.n}", 10000 + t.n, "[System] Service request" if t.category == "how-to" else "[System] Incident",
            status[t.status], "HELP", "Help Desk", priority[t.priority], "Done" if t.final_solved else "",
            t.agent, agents[t.agent], f"Person {t.requester:04d}", reporter_id, f"Person {t.requester:04d}",
            _jira_date(t.created), _jira_date(last), "", _jira_date(t.final_solved) if t.final_solved else "", "",
            t.tags[0], t.tags[1] if len(t.tags) > 1 else "", _tenant(t.customer), request[t.category], ttfr, ttr, sat,
            _jira_date(t.final_solved + dt.timedelta(hours=2)) if sat else "", *comments])
    _write_csv(path, JIRA_HEADER, rows)


# ---------------------------------------------------------------------------------- ServiceNow
SERVICENOW_HEADER = ["number", "incident_state", "active", "reassignment_count", "reopen_count", "sys_mod_count",
                     "made_sla", "caller_id", "opened_by", "opened_at", "sys_created_by", "sys_created_at",
                     "sys_updated_by", "sys_updated_at", "contact_type", "location", "category", "subcategory",
                     "u_symptom", "cmdb_ci", "impact", "urgency", "priority", "assignment_group", "assigned_to",
                     "knowledge", "u_priority_confirmation", "notify", "problem_id", "rfc", "vendor", "caused_by",
                     "closed_code", "resolved_by", "resolved_at", "closed_at"]


def _snow_date(t: dt.datetime | None) -> str:
    return "?" if t is None else f"{t.day}/{t.month}/{t.year} {t:%H:%M}"


def write_servicenow(path: Path, rng: random.Random, n: int = 350) -> None:
    """The UCI event-log shape: one row per update, the incident's final fields on every row."""
    priority = {"urgent": ("1 - High", "1 - High", "1 - Critical"), "high": ("2 - Medium", "1 - High", "2 - High"),
                "normal": ("2 - Medium", "2 - Medium", "3 - Moderate"), "low": ("3 - Low", "3 - Low", "4 - Low")}
    rows = []
    for t in simulate(rng, n):
        impact, urgency, prio = priority[t.priority]
        states = [("New", t.created + dt.timedelta(minutes=3))]
        if t.first_reply:
            states.append(("Active", t.first_reply))
            if rng.random() < 0.3:
                states.append(("Awaiting User Info", t.first_reply + dt.timedelta(minutes=5)))
                states.append(("Active", t.first_reply + dt.timedelta(minutes=rng.randint(30, 300))))
        if t.solved:
            states.append(("Resolved", max(t.solved, states[-1][1] + dt.timedelta(minutes=1))))
        if t.reopened:
            states.append(("Active", max(t.reopened, states[-1][1] + dt.timedelta(minutes=1))))
            states.append(("Resolved", max(t.final_solved, states[-1][1] + dt.timedelta(minutes=1))))
        if t.closed:
            states.append(("Closed", max(t.closed, states[-1][1] + dt.timedelta(minutes=1))))
        resolved_at = next((at for s, at in reversed(states) if s == "Resolved"), None)
        closed_at = states[-1][1] if states[-1][0] == "Closed" else None
        goal = {"urgent": 240, "high": 480, "normal": 1440, "low": 2880}[t.priority]
        made_sla = "true" if resolved_at is None or _minutes(t.created, resolved_at) <= goal else "false"
        for mod, (state, at) in enumerate(states):
            rows.append([
                f"INC9{t.n:06d}", state, "false" if state == "Closed" else "true", 0, int(t.reopened is not None), mod,
                made_sla, f"User {t.requester:04d}", f"Opened by {rng.randrange(1, 30)}", _snow_date(t.created),
                f"Created by {rng.randrange(1, 30)}", _snow_date(t.created + dt.timedelta(minutes=3)),
                f"Updated by {rng.randrange(1, 60)}", _snow_date(_safe(at)), "Phone" if t.channel == "phone" else "Email",
                f"Location {t.customer}", f"Category {sorted(CATEGORIES).index(t.category) + 1}", "?", "?", "?",
                impact, urgency, prio, f"Group {t.team}", t.agent if state != "New" else "?", "false", "false",
                "Do Not Notify", "?", "?", "?", "?", "code 5" if resolved_at else "?",
                f"Resolved by {t.agent}" if resolved_at else "?", _snow_date(_safe(resolved_at) if resolved_at else None),
                _snow_date(_safe(closed_at) if closed_at else None)])
    _write_csv(path, SERVICENOW_HEADER, rows)


# ----------------------------------------------------------------------------- Zendesk NDJSON
AGENT_IDS = {a: 500 + i for i, a in enumerate(sorted(a for v in TEAMS.values() for a in v))}
GROUP_IDS = {g: 70 + i for i, g in enumerate(sorted(TEAMS))}
VIA = {"email": "email", "web": "web", "chat": "chat", "phone": "voice", "api": "api"}


def _iso(t: dt.datetime) -> str:
    return _utc(t).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_zendesk_ndjson(path: Path, rng: random.Random, n: int = 500) -> None:
    """One Incremental Ticket Export object per line, with its comments and metric set."""
    lines = []
    for t in simulate(rng, n, first=90_000_001):
        requester = 100000 + t.requester
        agent_id = AGENT_IDS[t.agent]
        comments = []
        if not t.agent_created:
            comments.append({"id": len(comments), "author_id": requester, "public": True, "created_at": _iso(t.created),
                             "body": t.subject})
        else:
            comments.append({"id": 0, "author_id": agent_id, "public": True, "created_at": _iso(t.created),
                             "body": "Call summary"})
        if t.first_reply:
            if rng.random() < 0.2:
                comments.append({"id": 1, "author_id": agent_id, "public": False,
                                 "created_at": _iso(t.first_reply - dt.timedelta(minutes=1)), "body": "Internal note"})
            comments.append({"id": 2, "author_id": agent_id, "public": True, "created_at": _iso(t.first_reply),
                             "body": "Reply"})
        if t.reopened:
            comments.append({"id": 3, "author_id": requester, "public": True, "created_at": _iso(t.reopened),
                             "body": "Still broken"})
            comments.append({"id": 4, "author_id": agent_id, "public": True, "created_at": _iso(t.final_solved),
                             "body": "Fixed now"})
        metric = {"reopens": int(t.reopened is not None),
                  "replies": sum(1 for c in comments if c["author_id"] == agent_id and c["public"]) - int(t.agent_created),
                  "solved_at": _iso(t.final_solved) if t.final_solved else None,
                  "reply_time_in_minutes": {"calendar": _minutes(t.created, t.first_reply),
                                            "business": _business_minutes(t.created, t.first_reply) if t.first_reply else None},
                  "first_resolution_time_in_minutes": {"calendar": _minutes(t.created, t.solved), "business": None},
                  "full_resolution_time_in_minutes": {"calendar": _minutes(t.created, t.final_solved), "business": None}}
        last = t.closed or t.final_solved or t.reopened or t.first_reply or t.created
        lines.append({
            "url": f"https://example.zendesk.com/api/v2/tickets/{t.n}.json", "id": t.n, "external_id": None,
            "via": {"channel": VIA[t.channel], "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": _iso(t.created), "updated_at": _iso(last), "type": "question", "subject": t.subject,
            "priority": t.priority, "status": t.status, "requester_id": requester,
            "submitter_id": agent_id if t.agent_created else requester, "assignee_id": agent_id,
            "organization_id": 9000 + t.customer, "group_id": GROUP_IDS[t.team], "tags": t.tags,
            "satisfaction_rating": {"score": t.csat} if t.csat else {"score": "unoffered"},
            "metric_set": metric, "comments": comments})
    # The API's side-loads (?include=users,groups,organizations) as a last page, so names replace ids.
    lines.append({"tickets": [], "users": [{"id": uid, "name": a, "role": "agent"} for a, uid in AGENT_IDS.items()],
                  "groups": [{"id": gid, "name": g} for g, gid in GROUP_IDS.items()],
                  "organizations": [{"id": 9000 + k, "name": _tenant(k)} for k in range(1, 41)]})
    with open(path, "w", encoding="utf-8") as fh:
        for obj in lines:
            fh.write(json.dumps(obj) + "\n")


# ---------------------------------------------------------------------------- Fivetran folder
def _ft(t: dt.datetime | None) -> str:
    return "" if t is None else _utc(t).strftime("%Y-%m-%d %H:%M:%S.000000 UTC")


def write_fivetran(folder: Path, rng: random.Random, n: int = 300) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    synced = f"{(START + dt.timedelta(days=DAYS + 1)).date()} 00:00:00.000000 UTC"
    tickets = simulate(rng, n, first=95_000_001)
    users = [[synced, "false", "true", "", "2023-01-01 00:00:00.000000 UTC", f"{a.split()[0].lower()}@help.test", "", uid,
              "", "en-US", "1", "false", a, "", "", "false", "agent", "false", "false", "false", "",
              "Eastern Time (US & Canada)", "false", "2023-06-01 00:00:00.000000 UTC", "", "true"]
             for a, uid in AGENT_IDS.items()]
    people = sorted({(t.requester, t.customer) for t in tickets})
    users += [[synced, "false", "true", "", "2023-01-01 00:00:00.000000 UTC", f"person{p:04d}@tenant{org:03d}.test", "",
               200000 + p, "", "en-US", "1", "false", f"Person {p:04d}", 9000 + org, "", "false", "end-user", "false",
               "false", "false", "requested", "Eastern Time (US & Canada)", "false", "2023-06-01 00:00:00.000000 UTC", "",
               "true"] for p, org in people]
    _write_csv(folder / "user.csv", ["_fivetran_synced", "_fivetran_deleted", "active", "alias", "created_at", "email",
                                     "external_id", "id", "last_login_at", "locale", "locale_id", "moderator", "name",
                                     "organization_id", "phone", "restricted_agent", "role", "shared", "shared_agent",
                                     "suspended", "ticket_restriction", "time_zone", "two_factor_auth_enabled",
                                     "updated_at", "url", "verified"], users)
    _write_csv(folder / "group.csv", ["_fivetran_deleted", "_fivetran_synced", "created_at", "id", "name", "updated_at", "url"],
               [["false", synced, "2023-01-01 00:00:00.000000 UTC", gid, g, "2023-01-01 00:00:00.000000 UTC", ""]
                for g, gid in GROUP_IDS.items()])
    _write_csv(folder / "organization.csv", ["_fivetran_synced", "created_at", "details", "external_id", "group_id", "id",
                                             "name", "notes", "shared_comments", "shared_tickets", "updated_at", "url"],
               [[synced, "2023-01-01 00:00:00.000000 UTC", "", "", "", 9000 + k, _tenant(k), "", "false", "false",
                 "2023-01-01 00:00:00.000000 UTC", ""] for k in sorted({t.customer for t in tickets})])
    ticket_rows, comment_rows, history_rows, tag_rows, schedule_rows = [], [], [], [], []
    cid = 0
    for t in tickets:
        requester, agent = 200000 + t.requester, AGENT_IDS[t.agent]
        last = t.closed or t.final_solved or t.reopened or t.first_reply or t.created
        ticket_rows.append([synced, "false", "false", agent, 1, _ft(t.created), t.subject, "", "", GROUP_IDS[t.team],
                            "false", t.n, "true", 9000 + t.customer, t.priority, "", "", requester, t.status, t.subject,
                            agent if t.agent_created else requester, 1, "question", _ft(last),
                            f"https://example.zendesk.com/api/v2/tickets/{t.n}.json", VIA[t.channel]])
        msgs = [(t.created, agent if t.agent_created else requester, True)]
        if t.first_reply:
            msgs.append((t.first_reply, agent, True))
        if t.reopened:
            msgs += [(t.reopened, requester, True), (t.final_solved, agent, True)]
        for at, author, public in msgs:
            cid += 1
            comment_rows.append([synced, "false", "...", "", "", _ft(at), "false", cid, "", str(public).lower(), "", "",
                                 t.n, "", "", "true", "false", author, "false", ""])
        changes = [(t.created, requester, "status", "new"), (t.created, None, "assignee_id", str(agent))]
        if t.first_reply:
            changes.append((t.first_reply, agent, "status", "pending"))
        if t.solved:
            changes.append((t.solved, agent, "status", "solved"))
        if t.reopened:
            changes += [(t.reopened, requester, "status", "open"), (t.final_solved, agent, "status", "solved")]
        if t.closed:
            changes.append((t.closed, None, "status", "closed"))
        for at, user, name, value in changes:
            history_rows.append([synced, name, t.n, _ft(at), "" if user is None else user, value])
        for tag in t.tags:
            tag_rows.append([synced, tag, t.n])
        schedule_rows.append([synced, _ft(t.created), 360001, t.n])
    _write_csv(folder / "ticket.csv", ["_fivetran_synced", "_fivetran_deleted", "allow_channelback", "assignee_id",
                                       "brand_id", "created_at", "description", "due_at", "external_id", "group_id",
                                       "has_incidents", "id", "is_public", "organization_id", "priority", "problem_id",
                                       "recipient", "requester_id", "status", "subject", "submitter_id", "ticket_form_id",
                                       "type", "updated_at", "url", "via_channel"], ticket_rows)
    _write_csv(folder / "ticket_comment.csv", ["_fivetran_synced", "_fivetran_deleted", "body", "call_duration", "call_id",
                                               "created", "facebook_comment", "id", "location", "public", "recording_url",
                                               "started_at", "ticket_id", "transcription_status", "transcription_text",
                                               "trusted", "tweet", "user_id", "voice_comment",
                                               "voice_comment_transcription_visible"], comment_rows)
    _write_csv(folder / "ticket_field_history.csv", ["_fivetran_synced", "field_name", "ticket_id", "updated", "user_id",
                                                     "value"], history_rows)
    _write_csv(folder / "ticket_tag.csv", ["_fivetran_synced", "tag", "ticket_id"], tag_rows)
    # Monday-Friday 09:00-18:00: start/end minutes from Sunday 00:00 (Monday 09:00 = 1440 + 540).
    week = [[ "false", synced, "2023-01-01 00:00:00.000000 UTC", day * 1440 + 1080, day * 1440 + 1080 + 300, 360001,
              "New York office", day * 1440 + 540, day * 1440 + 540 + 300, "Eastern Time (US & Canada)"]
            for day in range(1, 6)]
    _write_csv(folder / "schedule.csv", ["_fivetran_deleted", "_fivetran_synced", "created_at", "end_time", "end_time_utc",
                                         "id", "name", "start_time", "start_time_utc", "time_zone"], week)
    _write_csv(folder / "schedule_holiday.csv", ["_fivetran_deleted", "_fivetran_synced", "end_date", "id", "name",
                                                 "schedule_id", "start_date"],
               [["false", synced, str(day), k, name, 360001, str(day)]
                for k, (day, name) in enumerate(_us_holidays(START, DAYS), start=1)])
    _write_csv(folder / "ticket_schedule.csv", ["_fivetran_synced", "created_at", "schedule_id", "ticket_id"], schedule_rows)
    _write_csv(folder / "time_zone.csv", ["_fivetran_synced", "standard_offset", "time_zone"],
               [[synced, "-05:00", "Eastern Time (US & Canada)"]])
    _write_csv(folder / "daylight_time.csv", ["_fivetran_synced", "daylight_end_utc", "daylight_offset",
                                              "daylight_start_utc", "time_zone", "year"],
               [[synced, end, 1, begin, "Eastern Time (US & Canada)", year]
                for year, begin, end in _dst_utc(range(START.year, (START + dt.timedelta(days=DAYS)).year + 1))])


def _us_holidays(start: dt.datetime, days: int) -> list[tuple[dt.date, str]]:
    """US federal holidays inside the export window, as Zendesk's schedule_holiday rows."""
    import holidays

    first, last = start.date(), (start + dt.timedelta(days=days)).date()
    found = holidays.US(years=range(first.year, last.year + 1))
    return sorted((d, name) for d, name in found.items() if first <= d <= last)


def _dst_utc(years) -> list[tuple[int, str, str]]:
    """(year, daylight start UTC, daylight end UTC) for New York, the way Fivetran's daylight_time holds them."""
    out = []
    for year in years:
        hours = [dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=h) for h in range(366 * 24)]
        offsets = [h.astimezone(ZONE).utcoffset() for h in hours]
        switches = [hours[i] for i in range(1, len(hours)) if offsets[i] != offsets[i - 1] and hours[i].year == year]
        if len(switches) == 2:
            out.append((year, switches[0].strftime("%Y-%m-%d %H:%M:%S"), switches[1].strftime("%Y-%m-%d %H:%M:%S")))
    return out


def write_all(out: Path, seed: int, start: dt.datetime | None = None, days: int | None = None) -> None:
    """Write every ticket export into ``out`` (deterministic for a seed). ``start`` (local, naive)
    and ``days`` move the window; by default it is the DAYS from Q1 2024, which the adapter tests'
    figures assume."""
    global START, DAYS
    if (start is not None and start != START) or (days is not None and days != DAYS):
        saved = START, DAYS
        START, DAYS = start or START, days or DAYS
        try:
            return write_all(out, seed)
        finally:
            START, DAYS = saved
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_freshdesk(out / "freshdesk_tickets.csv", random.Random(seed * 100 + 1))
    write_jira(out / "jira_export.csv", random.Random(seed * 100 + 2))
    write_servicenow(out / "servicenow_incidents.csv", random.Random(seed * 100 + 3))
    write_zendesk_ndjson(out / "zendesk_tickets.ndjson", random.Random(seed * 100 + 4))
    write_fivetran(out / "fivetran_zendesk", random.Random(seed * 100 + 5))
