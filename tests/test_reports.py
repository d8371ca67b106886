"""Snapshots (`cli.py snapshot`) and service audits (`cli.py audit`), on a small generated sample.

One session-scoped sample (3,000 tickets, seed 11) is generated with hostile text planted in it
(a ticket subject, a survey comment, a team name, a file name); the sample database is loaded
once through the real loaders. Expected figures are computed here from the export files
themselves (csv module), not with the code under test.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TZ = "America/New_York"
WEEK = "2026-11-09..2026-11-15"  # a full week inside the sample (it ends 2026-11-22)


def cli(*args: str, db: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    pre = ["--db", str(db)] if db else []
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *pre, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _rewrite_csv(path: Path, change) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    change(header, body)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *body])


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> dict:
    from sample_data.generate import generate

    base = tmp_path_factory.mktemp("reports")
    exports = base / "exports"
    generate(exports, seed=11, tickets=3000)

    def tickets(header, body):
        subj, group = header.index("Subject"), header.index("Group")
        body[0][subj] = SCRIPT
        body[1][subj] = IMG
        for row in body:
            if row[group] == "Tier 2":
                row[group] = SCRIPT  # a team name reaches the findings

    def surveys(header, body):
        comment, team = header.index("Comment"), header.index("Team")
        body[0][comment] = f"{SCRIPT} {IMG}"
        for row in body:
            if row[team] == "Tier 2":
                row[team] = SCRIPT

    _rewrite_csv(exports / "zendesk_tickets.csv", tickets)
    _rewrite_csv(exports / "survey_responses.csv", surveys)
    # The mixed folder a client sends: a ticket CSV, a CDR, a survey sheet, a customer sheet.
    mixed = base / "mixed"
    mixed.mkdir()
    for name in ("zendesk_tickets.csv", "asterisk_Master.csv", "survey_responses.csv", "customers.csv"):
        shutil.copy(exports / name, mixed / name)
    db = base / "sample.duckdb"
    done = cli("load", *[str(mixed / n) for n in sorted(os.listdir(mixed))], "--tz", TZ, db=db)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {"base": base, "exports": exports, "mixed": mixed, "db": db}


@pytest.fixture(scope="session")
def snapshots(sample) -> dict:
    """Two weekly snapshots and one monthly, written by the command a cron job runs."""
    out = sample["base"] / "snapshots"
    runs = []
    for args in (["--period", "2026-11-02..2026-11-08"], ["--period", WEEK], ["--period", "last-month", "--as-of", "2026-11-25"]):
        done = cli("snapshot", *args, "--out", str(out), db=sample["db"])
        assert done.returncode == 0, done.stdout + done.stderr
        runs.append(done)
    return {"out": out, "week": out / WEEK, "runs": runs}


@pytest.fixture(scope="session")
def audit(sample) -> dict:
    """The audit of the mixed folder, in-process (its gathered figures) and as a file."""
    from reports.audit import run_audit

    out = sample["base"] / "audit" / "audit.html"
    result = run_audit([sample["mixed"]], out, tz=TZ)
    assert result.exit_code == 0, result.messages
    return {"result": result, "html": out.read_text(encoding="utf-8"), "data": result.data}


def _html_files(*roots: Path) -> list[Path]:
    return [p for r in roots for p in ([r] if r.is_file() else r.rglob("*.html"))]


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))


# ----------------------------------------------------------------------------- snapshots
def test_snapshot_holds_the_same_kpis_as_cli_metrics(sample, snapshots):
    folder = snapshots["week"]
    data = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    assert (data["from"], data["to"]) == ("2026-11-09", "2026-11-15")
    done = cli("metrics", "--json", "--from", "2026-11-09", "--to", "2026-11-15", db=sample["db"])
    assert done.returncode == 0, done.stderr
    expected = {k: v for k, v in json.loads(done.stdout).items() if not k.startswith("_")}
    assert set(expected) == set(data["kpis"])
    different = {k: (data["kpis"][k], v) for k, v in expected.items() if not _close(data["kpis"][k], v)}
    assert not different
    assert data["kpis"]["tickets"] > 0
    # The filter state and the definitions' version are recorded.
    assert data["filters"] == json.loads(done.stdout)["_filters"]
    assert re.fullmatch(r"[0-9a-f]{12}", data["definitions_version"])
    # kpis.csv holds the same values.
    with open(folder / "kpis.csv", newline="", encoding="utf-8") as fh:
        rows = {r["metric_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(expected)
    for mid, v in expected.items():
        assert _close(float(rows[mid]["value"]) if rows[mid]["value"] else None, v), mid


def test_snapshot_change_verdicts_use_tests_not_guesses(snapshots):
    data = json.loads((snapshots["week"] / "kpis.json").read_text(encoding="utf-8"))
    ch = data["changes"]
    # Rates: a two-proportion z-test; counts: a Poisson test; medians: the 10% threshold.
    assert ch["sla_breach_rate"]["test"] == "two-proportion z-test"
    t = ch["tickets"]
    assert t["test"] == "poisson"
    now, before = data["kpis"]["tickets"], t["previous"]
    z = abs(now - before) / (now + before) ** 0.5
    assert t["significant"] == (z > 1.959964)
    m = ch["frt_median_minutes"]
    assert m["test"] == "threshold 10%"
    assert m["significant"] == (abs(m["relative"]) >= 0.10)
    html = (snapshots["week"] / "index.html").read_text(encoding="utf-8")
    assert "Real moves (beyond noise)" in html and "Within noise" in html


def test_snapshot_money_figures_come_from_the_churn_analysis(sample, snapshots):
    from loaders.store import Store
    from metrics import churn

    import datetime as dt

    data = json.loads((snapshots["week"] / "kpis.json").read_text(encoding="utf-8"))
    money = data["money"]
    assert money["available"], money
    analysis = churn.analyse(Store(sample["db"]).cursor(), as_of=dt.date(2026, 11, 15))
    est = analysis.estimate
    assert _close(money["attributable_churned"]["estimate"], est.attributable_churned.estimate)
    assert _close(money["lost_revenue_horizon"]["estimate"], analysis.money["lost_revenue_horizon"]["estimate"])
    assert "previous" in money and money["previous"]["available"]
    html = (snapshots["week"] / "index.html").read_text(encoding="utf-8")
    assert "Customers lost to support (attributable)" in html


def test_snapshot_is_byte_identical_for_the_same_period(sample, snapshots, tmp_path):
    first = {p.name: p.read_bytes() for p in snapshots["week"].iterdir()}
    assert set(first) == {"index.html", "kpis.json", "kpis.csv"}
    again = tmp_path / "again"
    for args in (["--period", "2026-11-02..2026-11-08"], ["--period", WEEK], ["--period", "last-month", "--as-of", "2026-11-25"]):
        assert cli("snapshot", *args, "--out", str(again), db=sample["db"]).returncode == 0
    second = {p.name: p.read_bytes() for p in (again / WEEK).iterdir()}
    assert second == first
    assert (again / "index.html").read_bytes() == (snapshots["out"] / "index.html").read_bytes()
    # Re-running into the same folder changes nothing and says so.
    before = {p: p.stat().st_mtime_ns for p in snapshots["week"].iterdir()}
    done = cli("snapshot", "--period", WEEK, "--out", str(snapshots["out"]), db=sample["db"])
    assert done.returncode == 0 and "unchanged" in done.stdout
    assert {p: p.stat().st_mtime_ns for p in snapshots["week"].iterdir()} == before


def test_snapshot_index_lists_every_snapshot_with_trends(snapshots):
    html = (snapshots["out"] / "index.html").read_text(encoding="utf-8")
    for name in ("2026-11-02..2026-11-08", WEEK, "2026-10"):
        assert f'href="{name}/index.html"' in html
        assert (snapshots["out"] / name / "index.html").is_file()
    assert "7-day periods" in html and "<svg" in html  # two snapshots of one kind make a trend
    log = (snapshots["out"] / "snapshots.log").read_text(encoding="utf-8").splitlines()
    assert len(log) >= 3 and all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ snapshot ", line) for line in log)
    # one line per run on stdout too
    assert all(len([l for l in r.stdout.splitlines() if " snapshot " in l]) == 1 for r in snapshots["runs"])


def _prior_snapshot(sample, out: Path) -> dict[str, bytes]:
    """A good snapshot of WEEK in Russian, so that an interrupted English run would show."""
    done = cli("snapshot", "--period", WEEK, "--out", str(out), "--lang", "ru", db=sample["db"])
    assert done.returncode == 0, done.stderr
    return {p.name: p.read_bytes() for p in (out / WEEK).iterdir()}


def test_snapshot_failing_half_way_leaves_the_previous_one_intact(sample, tmp_path, monkeypatch):
    from loaders.store import Store
    from reports import snapshot

    out = tmp_path / "snaps"
    good = _prior_snapshot(sample, out)
    index = (out / "index.html").read_bytes()
    writes = []
    real_fsync = os.fsync

    def fail_after_first_file(fd):
        writes.append(fd)
        if len(writes) == 2:
            raise OSError("disk full (simulated)")
        return real_fsync(fd)

    monkeypatch.setattr(snapshot.os, "fsync", fail_after_first_file)
    with pytest.raises(OSError):
        snapshot.write_snapshot(Store(sample["db"]).cursor(), snapshot.parse_period(WEEK), out, "en")
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in (out / WEEK).iterdir()} == good
    assert (out / "index.html").read_bytes() == index
    # The next run cleans up the half-written folder and succeeds.
    assert cli("snapshot", "--period", WEEK, "--out", str(out), db=sample["db"]).returncode == 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert b"Real moves" in (out / WEEK / "index.html").read_bytes()


@pytest.mark.parametrize("when", ["writing", "swapping"])
def test_snapshot_killed_half_way_leaves_the_previous_one_intact(sample, tmp_path, when):
    out = tmp_path / "snaps"
    good = _prior_snapshot(sample, out)
    # A real process, SIGKILLed while writing the new files or right at the swap.
    hook = {"writing": "import os as _os\n_real = _os.fsync\n_n = [0]\n"
                       "def _fsync(fd):\n    _n[0] += 1\n    if _n[0] == 2: _os.kill(_os.getpid(), 9)\n    return _real(fd)\n"
                       "snapshot.os.fsync = _fsync\n",
            "swapping": "import os as _os\n"
                        "def _exchange(a, b): _os.kill(_os.getpid(), 9)\n"
                        "snapshot._exchange = _exchange\n"}[when]
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        import metrics
        from pathlib import Path
        from loaders.store import Store
        from reports import snapshot
        """) + hook + textwrap.dedent(f"""
        snapshot.write_snapshot(Store({str(sample['db'])!r}).cursor(), snapshot.parse_period({WEEK!r}), Path({str(out)!r}), "en")
        """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert {p.name: p.read_bytes() for p in (out / WEEK).iterdir()} == good
    assert [p for p in out.iterdir() if p.name.startswith(".tmp-")]  # it did die half-way
    assert cli("snapshot", "--period", WEEK, "--out", str(out), db=sample["db"]).returncode == 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_snapshot_runs_while_the_dashboard_holds_the_database(sample, tmp_path):
    import duckdb

    from loaders.store import Store

    db = tmp_path / "busy.duckdb"
    shutil.copy(sample["db"], db)
    dashboard = Store(db).cursor()  # the dashboard's read-only connection, kept open
    raw = duckdb.connect(str(db), read_only=True)  # and another reader
    try:
        before = dashboard.execute("SELECT count(*) FROM tickets").fetchall()[0][0]
        done = cli("snapshot", "--period", WEEK, "--out", str(tmp_path / "s"), "--load",
                   str(next(sample["exports"].rglob("freshdesk_tickets.csv"))), "--tz", TZ, db=db)
        assert done.returncode == 0, done.stdout + done.stderr
        assert dashboard.execute("SELECT count(*) FROM tickets").fetchall()[0][0] == before
    finally:
        raw.close()
        dashboard.close()
    assert Store(db).cursor().execute("SELECT count(*) FROM tickets").fetchall()[0][0] > before  # the load was published


def test_snapshot_exit_codes(sample, tmp_path):
    assert cli("snapshot", "--period", "last-fortnight", "--out", str(tmp_path), db=sample["db"]).returncode == 2
    assert cli("snapshot", "--period", "2026-02-30..2026-03-01", "--out", str(tmp_path), db=sample["db"]).returncode == 2
    assert cli("snapshot", "--period", "2026-03-01..2026-02-01", "--out", str(tmp_path), db=sample["db"]).returncode == 2
    assert cli("snapshot", "--load", str(tmp_path / "nope.csv"), "--out", str(tmp_path), db=sample["db"]).returncode == 2
    done = cli("snapshot", "--period", WEEK, "--out", str(tmp_path / "s"), db=tmp_path / "none.duckdb")
    assert done.returncode == 1 and "no database" in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("this is not, an export\n1,2\n", encoding="utf-8")
    db = tmp_path / "copy.duckdb"
    shutil.copy(sample["db"], db)
    done = cli("snapshot", "--period", WEEK, "--out", str(tmp_path / "s"), "--load", str(bad), db=db)
    assert done.returncode == 1, done.stdout + done.stderr  # the snapshot is written, the failed file reported
    assert (tmp_path / "s" / WEEK / "index.html").is_file()


# ----------------------------------------------------------------------------- self-contained, escaped
EXTERNAL = [re.compile(p, re.I) for p in (r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""",
                                          r"url\(\s*['\"]?\s*(?:https?:)?//", r"<script\b", r"<link\b", r"@import",
                                          r"<iframe\b", r"<img\b", r"<object\b", r"<embed\b")]


def test_snapshots_page_lists_opens_and_compares_them(sample, snapshots, tmp_path, monkeypatch):
    """The dashboard's Snapshots page on the snapshots the command wrote: newest first, the chosen
    one opened in place, and a comparison whose figures are the kpis.json values."""
    from streamlit.testing.v1 import AppTest

    settings = tmp_path / "settings.toml"
    settings.write_text(f'[snapshots]\ndir = "{snapshots["out"].as_posix()}"\n', encoding="utf-8")
    monkeypatch.setenv("DESKSCOPE_DB", str(sample["db"]))
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(settings))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/snapshots.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    names = list(at.selectbox(key="snap_pick").options)
    # the month (to 2026-10-31) sorts below the weeks of November; the later week first
    assert names == ["2026-11-09..2026-11-15", "2026-11-02..2026-11-08", "2026-10"], names
    assert at.selectbox(key="snap_a").value == names[1] and at.selectbox(key="snap_b").value == names[0]
    [table] = [d.value for d in at.dataframe if "Metric" in d.value.columns]
    week = json.loads((snapshots["week"] / "kpis.json").read_text(encoding="utf-8"))["kpis"]
    tickets_row = table[table["Metric"] == "Tickets"]  # AppTest hands dataframes over as pandas
    assert str(list(tickets_row[names[0]])[0]).replace(",", "") == str(week["tickets"])
    # opening another snapshot and comparing two others reruns cleanly
    at.selectbox(key="snap_pick").set_value(names[2]).run()
    at.selectbox(key="snap_a").set_value(names[2]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(names[2] in d.value.columns for d in at.dataframe)


def test_html_outputs_are_self_contained(snapshots, audit):
    files = _html_files(snapshots["out"]) + [Path(audit["result"].out)]
    assert len(files) >= 5
    for f in files:
        html = f.read_text(encoding="utf-8")
        for pattern in EXTERNAL:
            assert not pattern.search(html), (f, pattern.pattern)
        assert "http://" not in html and "https://" not in html, f
        for m in re.finditer(r"""href="([^"]*)\"""", html):
            assert not re.match(r"[a-z]+:", m.group(1)), (f, m.group(1))  # relative links between snapshots only


def test_hostile_text_is_escaped_everywhere(sample, snapshots, audit, tmp_path):
    from loaders.store import Store

    con = Store(sample["db"]).cursor()
    assert con.execute("SELECT count(*) FROM tickets WHERE subject = ?", [SCRIPT]).fetchall()[0][0] == 1
    assert con.execute("SELECT count(*) FROM surveys WHERE comment LIKE ?", [f"%{IMG}%"]).fetchall()[0][0] == 1
    assert con.execute("SELECT count(*) FROM tickets WHERE team = ?", [SCRIPT]).fetchall()[0][0] > 100
    # An audit of a folder whose file name and team name are hostile, in both languages.
    folder = tmp_path / "hostile"
    shutil.copytree(sample["mixed"], folder)
    shutil.move(folder / "customers.csv", folder / f"{IMG}.csv")
    outs = []
    for lang in ("en", "ru"):
        out = tmp_path / f"audit-{lang}.html"
        done = cli("audit", str(folder), "--out", str(out), "--lang", lang, "--tz", TZ)
        assert done.returncode == 0, done.stdout + done.stderr
        outs.append(out)
    files = _html_files(snapshots["out"]) + outs + [Path(audit["result"].out)]
    for f in files:
        html = f.read_text(encoding="utf-8")
        assert SCRIPT not in html and IMG not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), f
        assert "<script" not in html.lower() and "<img" not in html.lower(), f
    for out in outs:
        html = out.read_text(encoding="utf-8")
        assert "&lt;img src=x onerror=alert(1)&gt;.csv" in html  # shown, escaped
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the hostile team is one of the findings' teams


# ----------------------------------------------------------------------------- audit
def _expected_calls(path: Path, short: float = 5.0) -> tuple[int, int, dict]:
    """Abandoned and offered calls from Master.csv (headerless CDR), by the documented rules:
    inbound Queue() calls; abandoned = NO ANSWER, or ANSWERED by the queue with no agent channel;
    a short abandon (shorter than 5 s) is neither offered nor abandoned. Also per (ISO weekday,
    hour) of the PBX's local start time."""
    import datetime as dt

    abandoned = offered = 0
    slots: dict[tuple[int, int], list[int]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            context, dstchannel, app, duration, disposition = row[3], row[6], row[7], int(row[12]), row[14]
            assert app == "Queue" and context == "from-pstn"  # every call in the sample is inbound
            is_abandoned = disposition == "NO ANSWER" or (disposition == "ANSWERED" and not dstchannel)
            if is_abandoned and duration < short:
                continue
            offered += 1
            abandoned += is_abandoned
            start = dt.datetime.fromisoformat(row[9])
            slot = slots.setdefault((start.isoweekday(), start.hour), [0, 0])
            slot[0] += 1
            slot[1] += is_abandoned
    return abandoned, offered, slots


def _expected_csat(tickets: Path, surveys: Path) -> tuple[float, int, dict]:
    """CSAT over every rating: the survey sheet's CSAT (4-5 of 1-5 satisfied) and Zendesk's
    good/bad satisfaction ratings; also per team."""
    sat = n = 0
    teams: dict[str, list[int]] = {}

    def add(team, ok):
        nonlocal sat, n
        sat += ok
        n += 1
        t = teams.setdefault(team, [0, 0])
        t[0] += ok
        t[1] += 1

    with open(surveys, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["Survey"] == "CSAT" and r["Score"]:
                add(r["Team"], int(r["Score"]) >= 4)
    with open(tickets, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["Satisfaction Score"] in ("Good", "Bad"):
                add(r["Group"], r["Satisfaction Score"] == "Good")
    return sat / n, n, {k: v[0] / v[1] for k, v in teams.items() if v[1]}


def _span_days(path: Path, column, tz: str | None) -> float:
    """Days between the first and last timestamp of a column (local times in ``tz``, or ISO with Z)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    stamps = []
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh) if isinstance(column, int) else csv.DictReader(fh)
        for r in rows:
            v = r[column]
            if not v:
                continue
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
            stamps.append(t.replace(tzinfo=ZoneInfo(tz)) if t.tzinfo is None else t)
    return max((max(stamps) - min(stamps)).total_seconds() / 86400.0, 1.0)


def test_audit_findings_cite_figures_that_match_the_data(sample, audit):
    findings = {f["id"]: f for f in audit["data"]["findings"]}
    html = audit["html"]
    # Abandonment, from the CDR itself.
    abandoned, offered, slots = _expected_calls(sample["mixed"] / "asterisk_Master.csv")
    f = findings["abandonment_peaks"]
    assert (f["figures"]["abandoned"], f["figures"]["offered"]) == (abandoned, offered)
    assert f"{abandoned:,} of {offered:,} offered calls were abandoned ({abandoned / offered * 100:.1f}%" in html
    # The peak hours are the worst busy hours on the PBX's own clock (the CDR's local times).
    busy = sorted((a / o for o, a in slots.values() if o >= max(20, offered / 500)), reverse=True)
    assert len(f["figures"]["peaks"]) == 3
    for peak in f["figures"]["peaks"]:
        assert [peak["offered"], peak["abandoned"]] == slots[(peak["dow"], peak["hour"])]
        assert peak["abandoned"] / peak["offered"] >= busy[2]
    # Satisfaction, from the survey sheet and the tickets' ratings.
    overall, n, teams = _expected_csat(sample["mixed"] / "zendesk_tickets.csv", sample["mixed"] / "survey_responses.csv")
    f = findings["low_csat_teams"]
    assert _close(f["figures"]["overall_csat"], overall)
    assert f"Overall CSAT is {overall * 100:.1f}% of {n:,} ratings." in html
    for team, fig in f["figures"]["teams"].items():
        assert _close(fig["csat"], teams[team]) and fig["csat"] < overall - 0.05
    spans = {"tickets": _span_days(sample["mixed"] / "zendesk_tickets.csv", "Created at", TZ),
             "calls": _span_days(sample["mixed"] / "asterisk_Master.csv", 9, TZ),
             "surveys": _span_days(sample["mixed"] / "survey_responses.csv", "Submitted At", None)}
    # Findings are ranked by money (the sample's customer list has revenue), each with evidence and a recommendation.
    model = audit["data"]["model"]
    assert model["revenue_measured"] and model["basis"] == "measured"
    money = [f["money_at_stake"] for f in audit["data"]["findings"]]
    assert money == sorted(money, reverse=True) and money[0] > 0
    assert {"sla_breaches", "slow_off_hours", "repeat_contacts"} <= set(findings)
    for f in audit["data"]["findings"]:
        assert f["evidence"] and f["recommendation"]["en"] and f["recommendation"]["ru"]
        # One model: a finding's money is its share of the customers with a negative experience times
        # the churn-cost model's yearly cost, so it never exceeds that cost (estimate, low and high).
        share = min(1.0, f["customers_affected"] / model["exposed"])
        for end in ("estimate", "low", "high"):
            assert f["stake"][end] == pytest.approx(share * model["cost"][end], rel=1e-9)
            assert f["stake"][end] <= model["cost"][end] + 1e-6
    assert model["cost"]["estimate"] == pytest.approx(audit["data"]["churn"]["calculator"]["total"], rel=1e-9) or model["capped"]
    del spans


def test_audit_kpis_match_cli_metrics_on_the_same_files(sample, audit):
    done = cli("metrics", "--json", db=sample["db"])
    assert done.returncode == 0, done.stderr
    expected = {k: v for k, v in json.loads(done.stdout).items() if not k.startswith("_")}
    got = audit["data"]["kpis"]
    # The audit reads raw rows (exact quantiles); the main database answers from rollups, whose
    # quantiles are within 1% (metrics/engine.py). Counts and rates are equal.
    from metrics.registry import METRICS

    quantile = {k for k in expected if METRICS[k].unit in ("minutes", "hours", "seconds") and ("median" in k or "p90" in k)}
    assert {k: (got[k], expected[k]) for k in expected if k not in quantile and not _close(got[k], expected[k])} == {}
    assert {k: (got[k], expected[k]) for k in quantile if got[k] != pytest.approx(expected[k], rel=0.01)} == {}
    sla = {f["id"]: f for f in audit["data"]["findings"]}["sla_breaches"]["figures"]
    # Zendesk exports carry no SLA verdict of their own: a ticket missed its SLA when any target was
    # breached (or is past due), counted here with a plain query on the main database.
    import duckdb

    con = duckdb.connect(str(sample["db"]), read_only=True)
    try:
        statuses = " || ',' || ".join(f"coalesce(sla_{x}_status, '')" for x in ("first_reply", "next_reply", "resolution"))
        judged, missed = con.execute(f"SELECT count(*) FILTER (WHERE s <> ',,'), count(*) FILTER (WHERE s LIKE '%breach%') "
                                     f"FROM (SELECT {statuses} s FROM ticket_metrics)").fetchall()[0]
    finally:
        con.close()
    assert (sla["judged"], sla["missed"]) == (judged, missed) and not sla["vendor_verdict"]
    calls = {f["id"]: f for f in audit["data"]["findings"]}["abandonment_peaks"]["figures"]
    assert (calls["abandoned"], calls["offered"]) == (expected["calls_abandoned"], expected["calls_offered"])


def test_audit_report_sections(sample, audit):
    html = audit["html"]
    for heading in ("What was received", "Data quality", "KPIs against benchmarks", "Findings, ranked by money at stake",
                    "Churn-cost estimate", "Assumptions"):
        assert heading in html
    for name, fmt in (("zendesk_tickets.csv", "zendesk_csv"), ("asterisk_Master.csv", "asterisk_cdr"),
                      ("survey_responses.csv", "survey_sheet"), ("customers.csv", "crm_customers")):
        assert re.search(rf"<td[^>]*>{re.escape(name)}</td><td[^>]*>{fmt}</td>", html), name
    for source in ("Zendesk CX Trends 2024", "LivePerson", "HubSpot", "Microsoft, PwC", "McKinsey"):
        assert source in html
    churn = audit["data"]["churn"]
    assert churn["measured"] and churn["analysis"]["customers"] > 0
    # The money per finding says what it rests on, and comes from the churn-cost model.
    import html as html_mod

    assert "Money at stake is a finding's share of the customers with a negative support experience" in html_mod.unescape(html)
    assert "measured on the data received" in html
    calc = churn["calculator"]
    assert calc["customers_lost_per_year"] > 0 and calc["total"] == pytest.approx(calc["revenue_lost"] + calc["replacement_cost"])


def test_audit_without_customers_uses_the_benchmark_defaults(sample, tmp_path):
    from metrics import calculator
    from reports.audit import run_audit

    folder = tmp_path / "no-customers"
    folder.mkdir()
    shutil.copy(sample["mixed"] / "zendesk_tickets.csv", folder)
    result = run_audit([folder], tmp_path / "a.html", tz=TZ)
    assert result.exit_code == 0, result.messages
    churn, model = result.data["churn"], result.data["model"]
    assert not churn["measured"] and not model["revenue_measured"] and model["basis"] == "benchmark"
    d = calculator.defaults()
    inputs = churn["calculator_inputs"]
    assert inputs["churn_after_one"]["value"] == pytest.approx(d.churn_after_one)
    assert inputs["arpu_monthly"]["value"] == pytest.approx(d.arpu_monthly)  # USD benchmark, USD report
    # The customers are the distinct customer ids of the tickets, never more.
    with open(sample["mixed"] / "zendesk_tickets.csv", newline="", encoding="utf-8") as fh:
        requesters = {r["Requester email"] or r["Requester"] for r in csv.DictReader(fh)} - {""}
    assert model["customers_source"] == "support_data" and 0 < model["customers"] <= len(requesters)
    assert model["lost"]["high"] <= model["customers"]
    html = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert "HubSpot: 58% stop buying after one bad support experience" in html
    assert "illustrative: benchmark inputs" in html
    # Without revenue data, findings are ranked by the tickets they affected.
    contacts = [f["contacts_affected"] for f in result.data["findings"]]
    assert contacts == sorted(contacts, reverse=True)
    assert "Findings, ranked by tickets and hours affected" in html


def test_audit_currency_needs_an_exchange_rate(sample, audit, tmp_path):
    from reports.audit import run_audit

    # The sample's revenue is in USD: a report in roubles without a rate is refused, nothing written.
    out = tmp_path / "rub.html"
    done = cli("audit", str(sample["mixed"]), "--out", str(out), "--currency", "RUB", "--tz", TZ)
    assert done.returncode == 2 and not out.exists(), done.stdout + done.stderr
    assert "--fx USD/RUB=RATE" in done.stdout + done.stderr
    # With a rate every amount is converted (not relabelled): the same model times the rate.
    result = run_audit([sample["mixed"]], out, tz=TZ, currency="RUB", fx_rates=["USD/RUB=92.5"])
    assert result.exit_code == 0, result.messages
    usd, rub = audit["data"]["model"], result.data["model"]
    assert rub["currency"] == "RUB" and usd["currency"] == "USD"
    for end in ("estimate", "low", "high"):
        assert rub["cost"][end] == pytest.approx(usd["cost"][end] * 92.5, rel=1e-9)
    assert result.data["churn"]["calculator_inputs"]["arpu_monthly"]["value"] == pytest.approx(
        audit["data"]["churn"]["calculator_inputs"]["arpu_monthly"]["value"] * 92.5)
    html = out.read_text(encoding="utf-8")
    assert "RUB" in html or "₽" in html
    assert "$" not in re.sub(r"<style>.*?</style>", "", html, flags=re.S)  # one currency throughout
    # A malformed rate is a usage error.
    assert cli("audit", str(sample["mixed"]), "--out", str(out), "--fx", "92.5").returncode == 2


def test_audit_in_russian(sample, tmp_path):
    out = tmp_path / "ru.html"
    done = cli("audit", str(sample["mixed"]), "--out", str(out), "--lang", "ru", "--currency", "RUB",
               "--fx", "USD/RUB=92.5", "--tz", TZ)
    assert done.returncode == 0, done.stdout + done.stderr
    html = out.read_text(encoding="utf-8")
    assert '<html lang="ru">' in html
    for text in ("Аудит сервиса", "Что получено", "Качество данных", "Выводы по убыванию суммы под риском",
                 "Оценка потерь от оттока", "Допущения", "в год под риском", "Рекомендация", "₽"):
        assert text in html, text
    for english in ("What was received", "Findings, ranked", "at stake per year", "Recommendation", "Customers lost"):
        assert english not in html, english
    # issue 16's sections in Russian, the agent-name caveat included
    for text in ("Инициативы за последние 12 месяцев", "Причины обращений", "Смена канала", "Эскалация после неудачных решений",
                 "Нагрузка агентов и признаки выгорания", "Цели первого ответа по каналам",
                 "В звонках и обращениях нет ни одного общего имени агента"):
        assert text in html, text
    for english in ("Contact drivers", "Calls and tickets name no agent alike", "Share change, last 28 days"):
        assert english not in html, english


def test_audit_pseudonymize_removes_personal_data(sample, tmp_path):
    out = tmp_path / "p.html"
    done = cli("audit", str(sample["mixed"]), "--out", str(out), "--pseudonymize", "--tz", TZ)
    assert done.returncode == 0, done.stdout + done.stderr
    html = out.read_text(encoding="utf-8")
    assert "replaced by stable pseudonyms" in html
    personal = set()
    with open(sample["mixed"] / "zendesk_tickets.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            personal.update(v for v in (r["Requester"], r["Requester email"]) if v)
    with open(sample["mixed"] / "customers.csv", newline="", encoding="utf-8") as fh:
        personal.update(r["Name"] for r in csv.DictReader(fh) if r["Name"])
    assert len(personal) > 100
    assert [p for p in personal if len(p) >= 5 and p in html] == []
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", html)  # no e-mail address at all


def test_audit_exit_codes_and_main_database_untouched(sample, tmp_path):
    main_db = tmp_path / "main.duckdb"
    shutil.copy(sample["db"], main_db)
    before = main_db.read_bytes()
    env_db = {"DESKSCOPE_DB": str(main_db)}
    run = lambda *a: subprocess.run([sys.executable, str(ROOT / "cli.py"), *a], cwd=ROOT, capture_output=True, text=True,  # noqa: E731
                                    timeout=300, env={**os.environ, **env_db})
    assert run("audit").returncode == 2  # no path
    assert run("audit", str(sample["mixed"])).returncode == 2  # no --out
    assert run("audit", str(tmp_path / "missing"), "--out", str(tmp_path / "x.html")).returncode == 2
    assert run("audit", str(sample["mixed"]), "--out", str(tmp_path / "x.html"), "--currency", "dollars").returncode == 2
    assert run("audit", str(sample["mixed"]), "--out", str(tmp_path / "x.html"), "--tz", "Mars/Olympus").returncode == 2
    assert not (tmp_path / "x.html").exists()
    # A file with a rejected row: the report is written, the exit code says so.
    folder = tmp_path / "rejects"
    folder.mkdir()
    src = sample["mixed"] / "survey_responses.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    bad = lines[1].split(",")
    bad[0], bad[4] = "R9999999", "yesterday-ish"
    (folder / "survey_responses.csv").write_text("\n".join(lines + [",".join(bad)]) + "\n", encoding="utf-8")
    done = run("audit", str(folder), "--out", str(tmp_path / "r.html"), "--tz", TZ)
    assert done.returncode == 0, done.stdout + done.stderr  # written: the rejected row is reported inside
    assert "1 rejected rows are listed in it" in done.stdout
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Why rows were rejected" in html and "yesterday-ish" not in html  # the reason, not the cell value
    # Nothing loadable: exit 1, no report.
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    done = run("audit", str(junk), "--out", str(tmp_path / "j.html"))
    assert done.returncode == 1 and not (tmp_path / "j.html").exists()
    assert main_db.read_bytes() == before


def test_pdf_without_chromium_says_what_to_do(tmp_path, monkeypatch):
    from reports import audit

    monkeypatch.setattr(audit.shutil, "which", lambda name: None)
    html = tmp_path / "a.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    message = audit.print_pdf(html, tmp_path / "a.pdf")
    assert "apt-get install -y chromium" in message and "HTML report was written" in message


def test_operations_sections_in_the_snapshot_and_the_audit(snapshots, audit):
    """Issue 16's six analyses in the snapshot (JSON and HTML) and the audit, end to end through the CLI."""
    import html as html_mod

    data = json.loads((snapshots["week"] / "kpis.json").read_text(encoding="utf-8"))
    assert set(data["operations"]) == {"initiatives", "drivers", "channel_switches", "escalation", "agent_load",
                                       "reply_targets"}
    snapshot = html_mod.unescape((snapshots["week"] / "index.html").read_text(encoding="utf-8"))
    report = html_mod.unescape(audit["html"])
    for heading in ("What no helpdesk report shows", "Contact drivers", "Channel switches", "Escalation after failed fixes",
                    "Agent load and burnout signals", "Reply targets per channel"):
        assert heading in snapshot and heading in report, heading
    assert "Initiatives" in snapshot and "Last 12 months' initiatives" in report
    # the sample's phone system names agents by SIP peer ("anna"), the helpdesk in full ("Anna Petrova"): the audit
    # says the agents are over-counted rather than show 2x the agents silently
    load = audit["data"]["operations"]["agent_load"]
    assert any(n.startswith("calls and tickets name no agent alike") for n in load["notes"])
    assert "Calls and tickets name no agent alike" in report
    # what the exports cannot support is named with its reason, never shown as 0
    assert "a contact answered in another channel than it arrived in cannot be seen" in report
    assert "Share change, last 28 days" in report
