"""Roles, team scope and uploads (ui/access.py, metrics.filters.Filters.scope, metrics/scope.py,
ui/uploads.py), checked against hand counts and against an independent calculation: the figures
of a reader limited to Billing equal the figures of a database that holds Billing's rows only.

The AppTest part runs the real app with a reader injected in place of the sign-in (st.user
cannot be set in AppTest; the browser tests in tests/browser/test_security_browser.py sign in
for real against an OIDC provider)."""
from __future__ import annotations

import contextlib
import datetime as dt
import tomllib
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import config
from loaders.base import LoadOptions
from loaders.store import Store
from metrics import engine
from metrics import scope as scope_mod
from metrics.filters import Filters
from ui import access, uploads
from ui.safe import shown

ROOT = Path(__file__).resolve().parents[1]
TEAMS = ("Billing", "Tech", "Sales")


# ---------------------------------------------------------------- a small world with three teams
def team_of(i: int) -> str:
    return TEAMS[i % 3]


def tickets_csv(keep=lambda team: True) -> str:
    """12 tickets, one a day from 2024-03-01: ticket i is team TEAMS[i % 3], agent A{i % 4},
    customer C{i % 6}. Billing has i = 0, 3, 6, 9 (agents A0, A3, A2, A1; customers C0, C3)."""
    lines = ["id,created,first response,solved,status,priority,channel,group,assignee,customer id,category"]
    for i in range(12):
        if not keep(team_of(i)):
            continue
        created = dt.datetime(2024, 3, 1, 9) + dt.timedelta(days=i)
        reply = created + dt.timedelta(minutes=10 * (i + 1))
        solved = created + dt.timedelta(hours=5)
        lines.append(",".join([str(100 + i), f"{created:%Y-%m-%d %H:%M}", f"{reply:%Y-%m-%d %H:%M}",
                               f"{solved:%Y-%m-%d %H:%M}", "solved", "normal", "email", team_of(i), f"A{i % 4}",
                               f"C{i % 6}", ["refund", "login"][i % 2]]))
    return "\n".join(lines) + "\n"


def calls_csv(keep=lambda team: True) -> str:
    """9 calls, k = 0..8: team TEAMS[k % 3], customer C{(k + 1) % 6}; every third (k % 3 == 2) abandoned.
    Billing: k = 0, 3, 6 (customers C1, C4, C1), all answered."""
    lines = ["call id,start time,answered at,end time,wait time,talk time,queue,agent,team,customer id,outcome"]
    for k in range(9):
        if not keep(team_of(k)):
            continue
        queued = dt.datetime(2024, 3, 2, 10) + dt.timedelta(days=k)
        abandoned = k % 3 == 2
        answered = None if abandoned else queued + dt.timedelta(seconds=30)
        ended = (answered or queued) + dt.timedelta(seconds=200)
        lines.append(",".join([f"K{k}", f"{queued:%Y-%m-%d %H:%M:%S}", f"{answered:%Y-%m-%d %H:%M:%S}" if answered else "",
                               f"{ended:%Y-%m-%d %H:%M:%S}", "30", "0" if abandoned else "170", "Q", f"A{k % 4}",
                               team_of(k), f"C{(k + 1) % 6}", "abandoned" if abandoned else "answered"]))
    return "\n".join(lines) + "\n"


def surveys_csv(keep=lambda team: True) -> str:
    """6 CSAT responses: S0-S2 name their team (Billing, Tech, Sales); S3-S5 name none and link
    tickets 103 (Billing), 104 (Tech), 105 (Sales), whose team they take. Scores 5, 1, 4, 2, 5, 3.
    Billing: S0 (5) and S3 (2): CSAT = 1 satisfied / 2 rated = 50%."""
    lines = ["response id,submitted at,score,survey type,ticket id,customer id,team,comment"]
    for j, score in enumerate((5, 1, 4, 2, 5, 3)):
        team = team_of(j)
        if not keep(team):
            continue
        ticket = "" if j < 3 else str(100 + j)
        lines.append(",".join([f"S{j}", f"2024-03-{j + 3:02d} 12:00", str(score), "csat", ticket, f"C{j % 6}",
                               team if j < 3 else "", ""]))
    return "\n".join(lines) + "\n"


def customers_csv(keep_ids=None) -> str:
    """C0-C5, every other one churned (C0, C2, C4), revenue 100 + 10 i."""
    lines = ["customer id,name,segment,start date,churn date,churned,monthly revenue"]
    for i in range(6):
        if keep_ids is not None and f"C{i}" not in keep_ids:
            continue
        churned = i % 2 == 0
        lines.append(",".join([f"C{i}", f"Customer {i}", ["SMB", "Enterprise", "Mid"][i % 3], "2023-01-01",
                               "2024-04-20" if churned else "", "yes" if churned else "no", str(100 + 10 * i)]))
    return "\n".join(lines) + "\n"


def build(folder: Path, texts: dict[str, str]) -> Path:
    import metrics  # noqa: F401  derived tables and rollups are built by its hooks

    store = Store(folder / "d.duckdb")
    for table, text in texts.items():
        path = folder / f"{table}.csv"
        path.write_text(text, encoding="utf-8")
        [report] = store.load_files([path], LoadOptions(table=table, tz="UTC", source="t"), format="generic")
        assert report.status == "loaded" and report.rows_rejected == 0, report.text()
    return store.path


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("world"), {"tickets": tickets_csv(), "calls": calls_csv(),
                                                    "surveys": surveys_csv(), "customers": customers_csv()})


@pytest.fixture(scope="module")
def billing_only(tmp_path_factory) -> Path:
    """The independent calculation: a database holding Billing's rows, and the customers that
    have a Billing ticket (C0, C3), call (C1, C4) or survey response (S0: C0; S3: C3)."""
    billing = lambda team: team == "Billing"  # noqa: E731
    return build(tmp_path_factory.mktemp("billing"), {
        "tickets": tickets_csv(billing), "calls": calls_csv(billing), "surveys": surveys_csv(billing),
        "customers": customers_csv({"C0", "C1", "C3", "C4"})})


@contextlib.contextmanager
def reader(db: Path):
    cur = Store(db).cursor()  # the store's shared reader stays open; this cursor is ours
    try:
        yield cur
    finally:
        cur.close()


# ---------------------------------------------------------------- Filters.scope
def test_scope_narrows_and_never_widens():
    f = Filters(scope=("Tech", "Billing"))
    assert f.scope == ("Billing", "Tech") and f.values("team") == ("Billing", "Tech")
    assert f.replace(team=("Billing",)).values("team") == ("Billing",)              # narrows
    assert f.replace(team=("Sales",)).values("team") == ()                         # never widens: nothing
    assert f.replace(team=("Sales",)).outside_scope() == ("Sales",)
    assert Filters(scope=()).values("team") == ()                                  # an empty scope: nothing
    assert Filters().values("team") is None and Filters(scope=None).active_dimensions() == []
    # The scope never travels in a URL, either way.
    assert "scope" not in f.to_params()
    assert Filters.from_params({"scope": "Sales", "team": "Tech"}).scope is None
    where, params = f.replace(team=("Sales",)).where({"team": "f.team"}, None)
    assert where == "FALSE" and params == []
    where, params = f.where({"team": "f.team"}, None, skip=("team",))  # skipping the team filter keeps the scope
    assert where == "f.team IN (?, ?)" and params == ["Billing", "Tech"]
    # A period comparison keeps the scope.
    assert Filters(date_from="2024-03-08", date_to="2024-03-14", scope=("Billing",)).previous().scope == ("Billing",)


def test_scoped_kpis_equal_the_team_alone(world, billing_only):
    ids = ["tickets", "frt_median_minutes", "calls_offered", "calls_answered", "csat", "csat_responses"]
    with reader(world) as con:
        everyone = engine.kpis(con, Filters(), ids)
        scoped = engine.kpis(con, Filters(scope=("Billing",)), ids)
        scoped_plan = dict(engine.kpis(con, Filters(scope=("Billing",)), ["tickets"]).plan)
    with reader(billing_only) as con:
        alone = engine.kpis(con, Filters(), ids)
    # Hand count: Billing has tickets 0, 3, 6, 9; calls 0, 3, 6 (all answered); CSAT S0 = 5, S3 = 2 -> 50 %.
    assert scoped["tickets"] == 4 and everyone["tickets"] == 12
    assert scoped["calls_offered"] == 3 and scoped["calls_answered"] == 3 and everyone["calls_offered"] == 9
    assert scoped["csat_responses"] == 2 and scoped["csat"] == pytest.approx(0.5)
    # First reply after 10 (i + 1) minutes: Billing 10, 40, 70, 100 -> median 55 (rollup quantiles: within 1%).
    assert scoped["frt_median_minutes"] == pytest.approx(55, rel=0.01)
    for mid in ids:
        assert scoped[mid] == pytest.approx(alone[mid], rel=0.01 if "median" in mid else 1e-9), mid
    assert scoped_plan["tickets"] == "rollup"  # the scope alone is answered from the team rollup


def test_forged_team_outside_the_scope_shows_nothing(world):
    with reader(world) as con:
        figures = engine.kpis(con, Filters(team=("Tech",), scope=("Billing",)), ["tickets", "calls_offered"])
        rows = engine.drill(con, Filters(team=("Tech",), scope=("Billing",)), kind="tickets")
        both = engine.kpis(con, Filters(team=("Tech", "Billing"), scope=("Billing",)), ["tickets"])
    assert figures["tickets"] == 0 and figures["calls_offered"] == 0
    assert rows.height == 0
    assert both["tickets"] == 4  # Tech is dropped, Billing stays


def test_scoped_breakdown_drill_and_filter_values(world):
    billing = Filters(scope=("Billing",))
    with reader(world) as con:
        by_team = engine.breakdown(con, billing, "team", ["tickets"])
        by_agent = engine.breakdown(con, billing, "agent", ["tickets"])
        drilled = engine.drill(con, billing, kind="tickets")
        calls = engine.drill(con, billing, kind="calls")
        surveys = engine.drill(con, billing, kind="surveys")
        teams = engine.dimension_values(con, "team", billing)
        agents = engine.dimension_values(con, "agent", billing)
        segments = engine.dimension_values(con, "segment", billing)
        all_agents = engine.dimension_values(con, "agent")
    assert by_team["team"].to_list() == ["Billing"] and by_team["tickets"].to_list() == [4]
    assert sorted(by_agent["agent"].to_list()) == ["A0", "A1", "A2", "A3"]  # tickets 0, 9, 6, 3
    assert sorted(drilled["source_id"].to_list()) == ["100", "103", "106", "109"]
    assert sorted(calls["source_id"].to_list()) == ["K0", "K3", "K6"]
    assert sorted(surveys["source_id"].to_list()) == ["S0", "S3"]  # S3 takes ticket 103's team
    assert teams == ["Billing"]
    assert agents == ["A0", "A1", "A2", "A3"] and all_agents == ["A0", "A1", "A2", "A3"]
    # Customers with a Billing contact: C0, C3 (tickets), C1, C4 (calls) -> SMB (C0, C3), Enterprise (C1, C4).
    assert segments == ["Enterprise", "SMB"]


def test_restricted_tables_and_churn_equal_the_team_alone(world, billing_only):
    from metrics import churn

    with reader(world) as cur, reader(world) as other_cur:
        scope_mod.restrict(cur, Filters(scope=("Billing",)))
        counts = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                  for t in ("tickets", "ticket_metrics", "calls", "surveys", "survey_facts", "customers")}
        customers = sorted(r[0] for r in cur.execute("SELECT source_id FROM customers").fetchall())
        scoped = churn.analyse(cur).to_dict()
        # The restriction belongs to that cursor only.
        other = other_cur.execute("SELECT count(*) FROM tickets").fetchall()[0][0]
    with reader(billing_only) as con:
        alone = churn.analyse(con).to_dict()
    assert counts == {"tickets": 4, "ticket_metrics": 4, "calls": 3, "surveys": 2, "survey_facts": 2, "customers": 4}
    assert customers == ["C0", "C1", "C3", "C4"] and other == 12
    for key in ("available", "customers", "churned"):
        assert scoped.get(key) == alone.get(key), key
    assert scoped["estimate"] == alone["estimate"]


# ---------------------------------------------------------------- roles
RULES = {"access": {"admins": ["boss@example.com", "@ops.example.com"], "viewers": ["@example.com", "guest@other.org"],
                    "teams": {"lead@example.com": ["Billing"], "@example.com": ["Tech", "Sales"]}}}


@pytest.mark.parametrize("email, role, scope", [
    ("boss@example.com", "admin", ("Sales", "Tech")),        # admin by address, scope by domain
    ("BOSS@Example.com", "admin", ("Sales", "Tech")),        # addresses compare case-insensitively
    ("anna@ops.example.com", "admin", None),                 # admin by domain; no team entry: every team
    ("lead@example.com", "viewer", ("Billing",)),            # the address's team entry beats its domain's
    ("guest@other.org", "viewer", None),
    ("eve@evil-example.com", None, None),                    # a look-alike domain matches nothing
    ("eve@sub.example.com", None, None),                     # nor does a subdomain
    ("eve@example.com.evil.org", None, None),
    ("nobody", None, None),
])
def test_roles_and_scope_by_email_or_domain(email, role, scope):
    assert access.role_and_scope(email, RULES) == (role, scope)


def test_what_each_role_may_do():
    admin, viewer, refused = access.Access("admin"), access.Access("viewer"), access.Access(None)
    for action in ("load", "remove", "recompute", "settings", "snapshots", "read", "export"):
        assert admin.allows(action)
    assert viewer.allows("read") and viewer.allows("export")
    assert not any(viewer.allows(a) for a in ("load", "remove", "recompute", "settings", "snapshots"))
    assert not refused.allows("read")


def test_sign_in_state_and_address():
    assert access.sign_in_state({}) == ("off", [])
    complete = {"redirect_uri": "https://d.example.com/oauth2callback", "cookie_secret": "x" * 32,
                "client_id": "c", "client_secret": "s", "server_metadata_url": "https://idp/.well-known/openid-configuration"}
    assert access.sign_in_state(complete) == ("on", [])
    state, problems = access.sign_in_state({**complete, "client_secret": "", "redirect_uri": "https://d/callback"})
    assert state == "broken" and any("client_secret" in p for p in problems) and any("oauth2callback" in p for p in problems)
    named = {"redirect_uri": complete["redirect_uri"], "cookie_secret": "x" * 32,
             "google": {k: complete[k] for k in access.REQUIRED_PROVIDER_KEYS}, "keycloak": {"client_id": "c"}}
    state, problems = access.sign_in_state(named)
    assert state == "broken" and problems == ["[auth.keycloak] needs client_secret", "[auth.keycloak] needs server_metadata_url"]
    assert access.providers(named) == ["google", "keycloak"] and access.providers(complete) == ["default"]
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert access.is_local(host), host
    for host in ("", "0.0.0.0", "192.168.1.5", "deskscope.example.com", "::"):
        assert not access.is_local(host), host


# ---------------------------------------------------------------- uploads
class FakeUpload:
    def __init__(self, name: str, content: bytes, file_id: str):
        self.name, self._content, self.file_id, self.size = name, content, file_id, len(content)

    def getvalue(self) -> bytes:
        return self._content


def test_uploads_are_stored_under_generated_names(tmp_path):
    files = [FakeUpload("../../etc/passwd.csv", b"a\n1\n", "f1"), FakeUpload("![x](http://127.0.0.9/p.png).csv", b"b\n2\n", "f2"),
             FakeUpload("tickets.csv", b"c\n3\n", "f3"), FakeUpload("tickets.csv", b"d\n4\n", "f4"),
             FakeUpload("Обращения январь.XLSX", b"x", "f5"), FakeUpload("run.sh", b"#!", "f6"),
             FakeUpload("big.csv", b"x" * (2 * uploads.MB + 1), "f7")]
    known: dict = {}
    stored, refused = uploads.store(files, tmp_path, known, max_mb=2, extensions=["csv", "xlsx"])
    assert [(r.original_name, r.reason) for r in refused] == [("run.sh", "type"), ("big.csv", "size")]
    assert [u.original_name for u in stored] == ["../../etc/passwd.csv", "![x](http://127.0.0.9/p.png).csv",
                                                 "tickets.csv", "tickets.csv", "Обращения январь.XLSX"]
    for u in stored:
        assert u.path.parent.parent == tmp_path and u.path.is_file()   # a fresh folder each, inside the session's
        assert u.path.parent.name != u.original_name and len(u.path.parent.name) == 16
    assert [u.path.name for u in stored] == ["passwd.csv", "p_png.csv", "tickets.csv", "tickets.csv",
                                             "Обращения_январь.xlsx"]
    assert stored[2].path != stored[3].path and stored[3].path.read_bytes() == b"d\n4\n"  # same name, no overwrite
    assert not (tmp_path.parent / "etc").exists()
    # A rerun stores nothing again.
    again, _ = uploads.store(files[:1], tmp_path, known, max_mb=2, extensions=["csv"])
    assert again[0].path == stored[0].path and len(list(tmp_path.iterdir())) == 5
    assert uploads.limits(config.get()) == (500, ["csv", "tsv", "txt", "tab", "dat", "xlsx", "xlsm", "xls", "xlsb", "ods",
                                                  "json", "ndjson", "jsonl", "parquet", "pq"])


def test_settings_file_keeps_email_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(tmp_path / "settings.toml"))
    (tmp_path / "settings.toml").write_text('[access]\nadmins = ["a@example.com"]\n\n[access.teams]\n'
                                            '"lead@example.com" = ["Billing"]\n', encoding="utf-8")
    config.save({"ui": {"currency": "EUR"}})  # what the Settings page does
    saved = tomllib.loads((tmp_path / "settings.toml").read_text(encoding="utf-8"))
    assert saved["access"]["teams"] == {"lead@example.com": ["Billing"]} and saved["ui"]["currency"] == "EUR"


# ---------------------------------------------------------------- the app, with a reader injected
def as_reader(monkeypatch, who: access.Access) -> None:
    def establish(settings=None):
        import streamlit as st

        st.session_state[access.ACCESS_KEY] = who
        return who

    monkeypatch.setattr(access, "establish", establish)


def run_app(monkeypatch, db: Path, who: access.Access, query: dict | None = None, page: str | None = None) -> AppTest:
    as_reader(monkeypatch, who)
    monkeypatch.setenv("DESKSCOPE_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


VIEWER = access.Access("viewer", email="v@example.com", sign_in="on", signed_in=True)
BILLING_LEAD = access.Access("viewer", scope=("Billing",), email="lead@example.com", sign_in="on", signed_in=True)


def tile(at: AppTest, metric_id: str) -> str:
    from ui import i18n

    return next(m.value for m in at.metric if m.label == i18n.metric_name(metric_id))


def test_viewer_sees_no_load_controls_and_cannot_load(monkeypatch, world, tmp_path):
    at = run_app(monkeypatch, world, VIEWER, page="data")
    assert not at.get("file_uploader")
    keys = {getattr(b, "key", None) for b in at.button}
    assert not keys & {"data_load", "data_rm", "data_rebuild"}
    assert any("for admins" in shown(i.value) for i in at.info)
    # The server-side refusal next to the action: even called directly, nothing is written.
    import streamlit as st

    before = world.read_bytes()
    st.session_state[access.ACCESS_KEY] = VIEWER
    from ui import data

    path = tmp_path / "t.csv"
    path.write_text(tickets_csv(), encoding="utf-8")
    for call in (lambda: data.load_files([path], LoadOptions(table="tickets"), "generic"), lambda: data.remove_load(1),
                 data.rebuild, lambda: data.save_settings({"ui": {"currency": "EUR"}}), data.snapshots,
                 lambda: data.move_reason("Slow support", "support")):  # the churn page's reason classes
        with pytest.raises(access.Denied):
            call()
    assert world.read_bytes() == before


def test_viewer_reads_settings_without_a_save_button(monkeypatch, world):
    at = run_app(monkeypatch, world, VIEWER, page="settings")
    assert not [b for b in at.button if getattr(b, "key", None) == "set_save"]
    assert not at.text_input and any("Only admins" in shown(i.value) for i in at.info)
    table = at.dataframe[0].value
    assert "ui.currency" in table.iloc[:, 0].tolist()
    assert not any(str(k).startswith("access") for k in table.iloc[:, 0].tolist())


def test_snapshots_page_is_for_admins_over_every_team(monkeypatch, world):
    admin = run_app(monkeypatch, world, access.Access("admin"))
    admin.switch_page("pages/snapshots.py")  # registered for an admin
    for who in (VIEWER, access.Access("admin", scope=("Billing",))):
        at = run_app(monkeypatch, world, who)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("pages/snapshots.py")  # not among the reader's pages at all


def test_team_scoped_reader_sees_their_teams_only(monkeypatch, world):
    lead = run_app(monkeypatch, world, BILLING_LEAD)
    admin = run_app(monkeypatch, world, access.Access("admin"))
    # Hand count: Billing has 4 of the 12 tickets and 3 of the 9 calls offered.
    assert tile(lead, "tickets") == "4" and tile(admin, "tickets") == "12"
    assert tile(lead, "calls_offered") == "3" and tile(admin, "calls_offered") == "9"
    assert lead.multiselect(key="flt_team").options == ["Billing"]
    status = " ".join(shown(c.value) for c in lead.sidebar.caption)
    assert "4 tickets" in status and "3 calls" in status and "2 surveys" in status and "4 customers" in status
    assert "Billing" in " ".join(shown(c.value) for c in lead.caption)


def test_forged_team_in_the_url_shows_nothing_of_it(monkeypatch, world):
    at = run_app(monkeypatch, world, BILLING_LEAD, {"team": "Tech"})
    assert any("Tech" in shown(i.value) and "not among the teams" in shown(i.value) for i in at.info)
    assert not at.metric or tile(at, "tickets") in ("0", "—")
    body = " ".join(shown(e.value) for kind in ("markdown", "caption", "info") for e in getattr(at, kind))
    assert "A1" not in body


# Every page app.py registers (read from app.py, so a page added later is covered too).
PAGE_FILES = __import__("re").findall(r'\(\s*"pages/(\w+)\.py"', (ROOT / "app.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_works_for_a_scoped_reader(monkeypatch, world, page):
    """A page that asks ui/data.py for figures without the reader's scope (a filter state not built
    with ui.filters.key) is refused there: it would show an error box here instead of its figures."""
    if page == "snapshots":  # not among a scoped reader's pages (test_snapshots_page_is_for_admins...)
        return
    at = run_app(monkeypatch, world, BILLING_LEAD, {"date_from": "2024-03-01", "date_to": "2024-03-31"}, page=page)
    errors = [shown(e.value) for e in at.error]
    assert not errors, errors
    at = run_app(monkeypatch, world, BILLING_LEAD, page=page)
    errors = [shown(e.value) for e in at.error]
    assert not errors, errors


def test_scoped_reader_is_told_their_teams_have_no_rows(monkeypatch, world):
    # Calls are loaded (9), but none is Support's: not "no calls loaded" and a link to load some.
    support = access.Access("viewer", scope=("Support",), email="s@example.com", sign_in="on", signed_in=True)
    at = run_app(monkeypatch, world, support, page="calls")
    infos = [shown(i.value) for i in at.info]
    assert "None of these rows belong to your teams (Support)." in infos, infos
    assert not any("No calls loaded" in i for i in infos) and not at.metric
    # The churn page says whose customers it counts.
    lead = run_app(monkeypatch, world, BILLING_LEAD, page="churn")
    captions = " ".join(shown(c.value) for c in lead.caption)
    assert "customers of your teams (Billing)" in captions and "every customer in the customer list" not in captions
    admin = run_app(monkeypatch, world, access.Access("admin"), page="churn")
    assert "every customer in the customer list" in " ".join(shown(c.value) for c in admin.caption)


def test_start_up_messages(monkeypatch):
    monkeypatch.setattr(access, "address", lambda: "0.0.0.0")
    monkeypatch.setattr(access, "sign_in_state", lambda section=None: ("off", []))
    [message] = access.startup_messages({})
    assert "listens on 0.0.0.0 without sign-in" in message and "docs/security.md" in message
    monkeypatch.setattr(access, "address", lambda: "127.0.0.1")
    assert access.startup_messages({}) == []  # the default: one person on this machine
    monkeypatch.setattr(access, "sign_in_state", lambda section=None: ("on", []))
    [message] = access.startup_messages({"access": {"admins": [], "viewers": []}})
    assert "everyone who signs in is refused" in message
    assert access.startup_messages({"access": {"admins": ["a@example.com"]}}) == []
    monkeypatch.setattr(access, "sign_in_state", lambda section=None: ("broken", ["[auth] needs cookie_secret"]))
    [message] = access.startup_messages({})
    assert "nobody can open the dashboard" in message and "cookie_secret" in message


def test_serve_logs_exposure_before_any_page_is_opened(tmp_path):
    """`cli.py serve` says in the log, before the server answers anyone, that it listens on every
    interface without sign-in (`streamlit run app.py` can only say it with the first page)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    env = {**os.environ, "DESKSCOPE_SETTINGS": str(tmp_path / "settings.toml"), "PYTHONUNBUFFERED": "1"}
    env.pop(access.LOGGED_ENV, None)
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "--db", str(tmp_path / "d.duckdb"), "serve",
                                 "--address", "0.0.0.0", "--port", str(port), "--",
                                 "--browser.serverAddress", "127.0.0.1", "--server.fileWatcherType", "none"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline, healthy = time.time() + 180, False
        while time.time() < deadline and not healthy and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    healthy = r.read().strip() == b"ok"
            except OSError:
                time.sleep(0.5)
        text = log.read_text(encoding="utf-8", errors="replace")
        assert healthy, text[-3000:]
        # No page was opened: the warning comes from the start-up, once, before Streamlit's own lines.
        warning = "WARNING deskscope.access: the dashboard listens on 0.0.0.0 without sign-in"
        assert text.count(warning) == 1, text[-3000:]
        assert text.index(warning) < text.index(str(port)), text[-3000:]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_server_does_not_repeat_what_serve_logged(monkeypatch, caplog):
    monkeypatch.setattr(access, "address", lambda: "0.0.0.0")
    monkeypatch.setattr(access, "sign_in_state", lambda section=None: ("off", []))
    monkeypatch.setattr(access, "_LOGGED", set())
    monkeypatch.setenv(access.LOGGED_ENV, "0.0.0.0|off")  # what `cli.py serve` hands the server
    with caplog.at_level("INFO", logger="deskscope.access"):
        access.log_startup({})
    assert not caplog.records
    monkeypatch.delenv(access.LOGGED_ENV)  # plain `streamlit run`: the first page logs it, once
    with caplog.at_level("INFO", logger="deskscope.access"):
        access.log_startup({})
        access.log_startup({})
    assert [r.levelname for r in caplog.records] == ["WARNING"]


@pytest.mark.parametrize("analysis", ["agent_load", "reply_targets", "escalation", "drivers", "channel_switches"])
def test_operations_under_a_scope_equal_the_team_alone(world, billing_only, analysis):
    """The operations analyses (metrics/operations) read with the reader's scope, as ui/data.py
    runs them: the Filters carry the scope and the cursor holds the scoped views."""
    import importlib
    import json

    mod = importlib.import_module(f"metrics.operations.{analysis}")
    with reader(world) as cur:
        scoped = mod.analyse(scope_mod.restrict(cur, Filters(scope=("Billing",))), Filters(scope=("Billing",)))
    with reader(billing_only) as cur:
        alone = mod.analyse(cur, Filters())
    assert json.dumps(scoped, sort_keys=True, default=str) == json.dumps(alone, sort_keys=True, default=str)
