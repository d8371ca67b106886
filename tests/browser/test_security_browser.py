"""Shared deployments in a real browser (Debian's Chromium through Playwright): docs/security.md.

* No request leaves the machine: every request of every page (and of a drill-down, an upload
  and the language switch) goes to 127.0.0.1.
* Hostile text is inert: a database whose teams, agents, categories, channels, tags, segments,
  currency, churn reasons and comments are Markdown/HTML attacks, every page opened with such text
  in every filter parameter, and a file uploaded under such a name: no image, link or formatting
  element made from it exists in the DOM, and nothing fetches the attacker's address.
* Served on another address without sign-in: a warning banner on every page, and the log says so.
* Sign-in against a real OpenID Connect provider process on 127.0.0.1 (oidc-provider-mock from
  PyPI, started and stopped here): signing in and out; a viewer sees no load controls and no
  save button, and widget events forged from an admin's session change nothing; a reader limited
  to Billing sees KPI values equal to a hand count of Billing's rows (and different from the
  admin's), exports only Billing's rows, and a forged ``?team=`` shows nothing of another team.

Screenshots land in tests/browser/screenshots/security-*.png (look at them).
"""
from __future__ import annotations

import io
import json
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import polars as pl
import pytest

from playwright.sync_api import expect

from tests.browser.conftest import ROOT, free_port, start_server
from tests.browser import test_browser
from tests.browser.test_browser import assert_no_traceback, tile_value

# Every page app.py registers (the first one, the default, is at "/"), read from app.py itself so
# that a page added later is covered without anyone remembering to list it here.
_URLS = re.findall(r'\(\s*"pages/\w+\.py",\s*"[\w.]+",\s*"[^"]*",\s*"(\w+)"\s*\)', (ROOT / "app.py").read_text(encoding="utf-8"))
PAGES = ["", *_URLS[1:]]
FILTERS = ("team", "agent", "channel", "priority", "category", "tag", "segment", "source", "date_from", "date_to")
ATTACKER = "127.0.0.9"  # a loopback address nothing listens on: a request to it means an injection worked

# One payload with every trick: each token, if Streamlit's Markdown (or Plotly's HTML subset)
# interpreted it, would leave its inner word (PWNbold ...) without the syntax around it.
TOKENS = [("PWNbold", "**PWNbold**"), ("PWNit", "_PWNit_"), ("PWNdel", "~~PWNdel~~"), ("PWNcode", "`PWNcode`"),
          ("PWNhtml", "<b>PWNhtml<"), ("PWNred", ":red[PWNred]"), ("PWNmath", "$PWNmath$"),
          ("PWNlink", "[PWNlink]"), ("PWNimg", "![PWNimg]"), ("PWNhead", "# PWNhead")]
PAYLOAD = (f"# PWNhead **PWNbold** _PWNit_ ~~PWNdel~~ `PWNcode` [PWNlink](http://{ATTACKER}/l) "
           f"![PWNimg](http://{ATTACKER}/i.png) <b>PWNhtml</b> <img src=http://{ATTACKER}/h.png> :red[PWNred] "
           f"$PWNmath$ :streamlit: :material_pest_control: http://{ATTACKER}/auto pwn@{ATTACKER}")

FIND_INJECTED = """(tokens) => {
  const bad = [];
  const clean = (t) => (t || "").replace(/\\u2060/g, "");
  for (const el of document.querySelectorAll("img")) {
    const s = (el.getAttribute("src") || "") + " " + (el.getAttribute("alt") || "");
    if (/127\\.0\\.0\\.9|PWN|Streamlit logo/.test(s)) bad.push("img " + s.slice(0, 150));
  }
  for (const el of document.querySelectorAll("[href], [src], [xlink\\\\:href]")) {
    const h = el.getAttribute("href") || el.getAttribute("src") || el.getAttribute("xlink:href") || "";
    if (/127\\.0\\.0\\.9|pwn/i.test(h)) bad.push(el.tagName + " → " + h.slice(0, 150));
  }
  for (const el of document.querySelectorAll("a")) {
    if (/PWN|127\\.0\\.0\\.9/i.test(clean(el.textContent))) bad.push("a: " + clean(el.textContent).slice(0, 150));
  }
  const formatting = "strong, em, b, i, u, s, del, code, pre, kbd, mark, h1, h2, h3, h4, h5, h6, li, blockquote, " +
    "sub, sup, table, .katex, span[style*=color], span[class*=badge], tspan, text, [data-testid=stIconMaterial]";
  for (const el of document.querySelectorAll(formatting)) {
    // Text that is plain by construction: st.code blocks and the data grid's accessible table.
    if (el.closest('[data-testid="stCode"], [data-testid="stDataFrame"]')) continue;
    const text = clean(el.textContent);
    for (const [inner, raw] of tokens) {
      if (text.includes(inner) && !text.includes(raw)) { bad.push(el.tagName + ": " + text.slice(0, 150)); break; }
    }
    if (el.matches("[data-testid=stIconMaterial]") && /pest_control/.test(text)) bad.push("icon " + text);
  }
  return bad;
}"""


# ---------------------------------------------------------------- helpers
SLOW = 180  # seconds: the machine is shared, and a first run of a page may wait for others' tests


def wait_idle(page, timeout: float = SLOW) -> float:
    return test_browser.wait_idle(page, timeout=timeout)


def tile(page, label: str) -> str:
    """A KPI tile's value, once the tile is drawn."""
    page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{re.escape(label)}$")).first.wait_for(
        timeout=SLOW * 1000)
    return tile_value(page, label)


def shoot(page, path) -> None:
    """A screenshot to look at; on a machine too busy to take it in time, none (it asserts nothing)."""
    try:
        test_browser.shoot(page, path)
    except Exception as exc:  # noqa: BLE001
        print(f"no screenshot {path}: {exc}")
        page.set_viewport_size({"width": 1440, "height": 1000})

def host_of(url: str) -> str | None:
    parsed = urllib.parse.urlparse(url)
    return parsed.hostname if parsed.scheme in ("http", "https", "ws", "wss") else None


class Requests:
    """Every request a browser context makes; any host but 127.0.0.1 is refused (never leaves)
    and remembered."""

    def __init__(self, context, allow_ports: tuple[int, ...] = ()):
        self.urls: list[str] = []
        self.outside: list[str] = []
        context.on("request", lambda r: self.urls.append(r.url))
        context.on("websocket", lambda ws: self.urls.append(ws.url))
        context.route("**/*", self._route)

    def _route(self, route):
        if host_of(route.request.url) in (None, "127.0.0.1"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def hosts(self) -> set:
        return {host_of(u) for u in self.urls} - {None}


def injected(page) -> list[str]:
    return page.evaluate(FIND_INJECTED, [list(t) for t in TOKENS])


def new_page(browser, **kwargs):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US", **kwargs)
    context.set_default_timeout(SLOW * 1000)
    return context, context.new_page()


def wait_server_gone(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---------------------------------------------------------------- no request leaves the machine
def test_no_request_leaves_the_machine(server, browser, screenshots, tmp_path):
    context, page = new_page(browser)
    seen = Requests(context)
    try:
        for path in PAGES:
            page.goto(f"{server['url']}/{path}")
            wait_idle(page)
            assert_no_traceback(page, path or "overview")
        # The favicon is Deskscope's own file (a data: URL), not an icon font from a font server.
        icon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\").href")
        assert icon.startswith("data:image/svg+xml"), icon[:80]
        # A drill-down, the language switch and an upload too.
        page.goto(server["url"] + "/tickets")
        wait_idle(page)
        page.locator('[data-testid="stButton"]').filter(has_text="Show rows").first.click()
        wait_idle(page)
        page.locator('[data-testid="stSidebar"] button').filter(has_text="Русский").click()
        wait_idle(page)
        csv = tmp_path / "net.csv"
        csv.write_text("id,created,status,group\nN1,2024-05-01 09:00,open,Net\n", encoding="utf-8")
        page.goto(server["url"] + "/data")
        wait_idle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
        page.get_by_text("net.csv").first.wait_for(timeout=SLOW * 1000)
        wait_idle(page)
    finally:
        context.close()
    assert not seen.outside, f"requests to other hosts: {seen.outside}"
    assert seen.hosts() == {"127.0.0.1"}, seen.hosts()
    assert len(seen.urls) > 20


# ---------------------------------------------------------------- hostile text
def hostile_world(folder: Path) -> Path:
    """Tickets, calls, surveys and customers whose text columns are the payload."""
    from loaders.base import LoadOptions
    from loaders.store import Store
    import metrics  # noqa: F401

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    team, agent, cat = PAYLOAD + " T", PAYLOAD + " A", PAYLOAD + " C"
    tickets = ["id,created,first response,solved,status,priority,channel,group,assignee,customer id,category,tags,subject"]
    for i in range(40):
        created = f"2024-03-{1 + i % 28:02d} {9 + i % 8:02d}:00"
        reply = f"2024-03-{1 + i % 28:02d} {10 + i % 8:02d}:30"
        tickets.append(",".join([str(500 + i), created, reply, reply if i % 3 else "", "solved" if i % 3 else "open",
                                 cell(PAYLOAD + " P") if i % 5 == 0 else "normal", cell(PAYLOAD + " CH"),
                                 cell(team) if i % 2 else "Tech", cell(agent), f"H{i % 8}", cell(cat),
                                 cell("pwn-tag " + PAYLOAD), cell(PAYLOAD)]))
    calls = ["call id,start time,answered at,end time,wait time,talk time,queue,agent,team,customer id,outcome"]
    for k in range(20):
        calls.append(",".join([f"HK{k}", f"2024-03-{1 + k:02d} 10:00:00", f"2024-03-{1 + k:02d} 10:00:20" if k % 4 else "",
                               f"2024-03-{1 + k:02d} 10:04:00", "20", "0" if k % 4 == 0 else "220", cell(PAYLOAD + " Q"),
                               cell(agent), cell(team), f"H{k % 8}", "answered" if k % 4 else "abandoned"]))
    surveys = ["response id,submitted at,score,survey type,ticket id,customer id,agent,team,comment"]
    for j in range(16):
        surveys.append(",".join([f"HS{j}", f"2024-03-{1 + j:02d} 12:00", str(j % 5 + 1), "csat", str(500 + j), f"H{j % 8}",
                                 cell(agent), cell(team), cell(PAYLOAD)]))
    customers = ["customer id,name,segment,start date,churn date,churned,churn reason,monthly revenue,currency"]
    for c in range(8):
        churned = c % 2 == 0
        customers.append(",".join([f"H{c}", cell(PAYLOAD + " N"), cell(PAYLOAD + " SEG"), "2023-01-01",
                                   "2024-04-20" if churned else "", "yes" if churned else "no",
                                   cell("slow support " + PAYLOAD) if churned else "", str(100 + c), cell(PAYLOAD[:40])]))
    store = Store(folder / "hostile.duckdb")
    for table, lines in (("tickets", tickets), ("calls", calls), ("surveys", surveys), ("customers", customers)):
        path = folder / f"{table}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        [report] = store.load_files([path], LoadOptions(table=table, tz="UTC", source="hostile"), format="generic")
        assert report.status == "loaded", report.text()
    return store.path


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    db = hostile_world(folder)
    # An initiative whose name, owner and scope are the payload (the Initiatives page shows them).
    toml_text = lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    (folder / "settings.toml").write_text(
        "[[initiatives]]\n"
        f"name = {toml_text(PAYLOAD + ' I')}\n"
        'start = "2024-03-15"\n'
        f"scope = {{ team = [{toml_text(PAYLOAD + ' T')}] }}\n"
        'metric = "frt_median_minutes"\n'
        "target_change = -0.1\n"
        f"owner = {toml_text(PAYLOAD + ' O')}\n", encoding="utf-8")
    proc, url = start_server(db, folder / "settings.toml", folder / "streamlit.log")
    yield {"url": url, "db": db, "folder": folder}
    wait_server_gone(proc)


def test_hostile_text_is_shown_as_text(hostile_server, browser, screenshots):
    context, page = new_page(browser)
    seen = Requests(context)
    dimensions = urllib.parse.urlencode({name: PAYLOAD for name in FILTERS if not name.startswith("date")})
    dates = urllib.parse.urlencode({"date_from": PAYLOAD, "date_to": PAYLOAD})
    problems = {}
    try:
        # The hostile data alone, then hostile text in every dimension filter; every page each time.
        # (A date that is not a date opens the page unfiltered, so the dates get a pass of their own.)
        for label, query, paths in (("data", "", PAGES), ("url", dimensions, PAGES), ("dates", dates, ["", "tickets"])):
            for path in paths:
                name = f"{path or 'overview'}-{label}"
                page.goto(f"{hostile_server['url']}/{path}" + (f"?{query}" if query else ""))
                wait_idle(page)
                assert_no_traceback(page, name)
                found = injected(page)
                if found:
                    problems[name] = found
                if path in ("", "tickets", "agents", "churn", "contacts", "initiatives") and label != "dates":
                    shoot(page, screenshots / f"security-hostile-{name}.png")
        # The hostile text is on screen, as text: the filter description under the title says it.
        page.goto(hostile_server["url"] + "/?" + dimensions)
        wait_idle(page)
        main = page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
        assert "**PWNbold**" in main and f"![PWNimg](http://{ATTACKER}/i.png)" in main, main[:1500]
        # A file uploaded under a hostile name (a browser file name may hold any of it but "/").
        upload_name = PAYLOAD.replace("/", "∕") + ".csv"
        page.goto(hostile_server["url"] + "/data")
        wait_idle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files=[{
            "name": upload_name, "mimeType": "text/csv",
            "buffer": "id,created,status,group\nU1,2024-03-05 09:00,open,Upload\n".encode()}])
        page.get_by_text("PWNbold", exact=False).first.wait_for(timeout=SLOW * 1000)
        wait_idle(page)
        page.locator('[data-testid="stButton"]').filter(has_text=re.compile("Load 1 file")).click()
        page.get_by_text("Load report").wait_for(timeout=SLOW * 1000)
        wait_idle(page)
        shoot(page, screenshots / "security-hostile-upload.png")
        found = injected(page)
        if found:
            problems["data after a hostile upload"] = found
        card = page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
        assert "**PWNbold**" in card
        # The detector itself finds what an interpreted payload would leave (it can fail).
        page.evaluate("document.querySelector('[data-testid=stMain]').insertAdjacentHTML('beforeend', "
                      "'<p><strong>PWNbold</strong><img src=\"data:,\" alt=\"PWNimg\"></p>')")
        assert len(injected(page)) == 2, injected(page)
    finally:
        context.close()
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)[:6000]
    assert not seen.outside, seen.outside
    assert ATTACKER not in seen.hosts() and seen.hosts() == {"127.0.0.1"}, seen.hosts()
    # The upload went to a generated folder under a name made of letters, digits, - and _ only.
    import duckdb

    with duckdb.connect(str(hostile_server["db"]), read_only=True) as con:
        path, name = con.execute("SELECT file_path, file_name FROM loads ORDER BY load_id DESC LIMIT 1").fetchone()
    assert re.fullmatch(r"[\w-]+\.csv", name) and "PWN" in name, name
    assert re.search(r"deskscope-upload-[^/]+/[0-9a-f]{16}/[\w-]+\.csv$", path), path


# ---------------------------------------------------------------- served beyond this machine without sign-in
def test_exposed_without_sign_in_warns_on_every_page_and_in_the_log(sample_db, settings_file, browser, tmp_path,
                                                                   screenshots):
    log = tmp_path / "exposed.log"
    # Listening on every interface; the browser still connects through 127.0.0.1.
    proc, _ = start_server(sample_db, settings_file, log, ("--server.address", "0.0.0.0",
                                                          "--browser.serverAddress", "127.0.0.1"))
    url = f"http://127.0.0.1:{proc.args[proc.args.index('--server.port') + 1]}"
    context, page = new_page(browser)
    try:
        for path in ("", "tickets", "data", "settings"):
            page.goto(f"{url}/{path}")
            wait_idle(page)
            banner = page.locator('[data-testid="stAlert"]').filter(has_text="without sign-in")
            assert banner.count() == 1, path
            assert "0.0.0.0" in banner.inner_text()
        shoot(page, screenshots / "security-exposed.png")
        text = log.read_text(encoding="utf-8", errors="replace")
        assert re.search(r"WARNING deskscope\.access: the dashboard listens on 0\.0\.0\.0 without sign-in", text), text[-3000:]
        assert text.count("listens on 0.0.0.0 without sign-in") == 1  # once per server, not per page
    finally:
        context.close()
        wait_server_gone(proc)


# ---------------------------------------------------------------- sign-in with a real OIDC provider
USERS = {  # sub -> claims the provider puts in the ID token
    "admin": {"email": "admin@example.com", "name": "Ada Admin", "email_verified": True},
    "viewer": {"email": "viewer@example.com", "name": "Vic Viewer", "email_verified": True},
    "lead": {"email": "lead@example.com", "name": "Lee Lead", "email_verified": True},
    "stranger": {"email": "eve@elsewhere.org", "name": "Eve", "email_verified": True},
}
ACCESS_SETTINGS = """
[access]
admins = ["admin@example.com"]
viewers = ["@example.com"]
teams = { "lead@example.com" = ["Billing"] }
"""


def _get(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory):
    """oidc-provider-mock (PyPI, pinned in requirements.txt) on 127.0.0.1, with predefined users."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("oidc") / "provider.log", "w")
    args = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for sub, claims in USERS.items():
        args += ["--user-claims", json.dumps({"sub": sub, **claims})]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        _get(url + "/.well-known/openid-configuration")
        yield url
    finally:
        wait_server_gone(proc)


@pytest.fixture(scope="module")
def oidc_server(oidc_provider, tmp_path_factory):
    """Deskscope with sign-in on: the three-team world of tests/test_access.py, an extra load an
    admin may remove, [access] rules, and [auth] pointing at the provider."""
    from tests.test_access import build, calls_csv, customers_csv, surveys_csv, tickets_csv

    folder = tmp_path_factory.mktemp("signed")
    db = build(folder, {"tickets": tickets_csv(), "calls": calls_csv(), "surveys": surveys_csv(),
                        "customers": customers_csv()})
    # One more load, of a customer with no contact, for an admin to remove in the forged-event test.
    from loaders.base import LoadOptions
    from loaders.store import Store

    extra = folder / "extra_customers.csv"
    extra.write_text("customer id,name,segment,start date,churned,monthly revenue\nC9,Customer 9,SMB,2023-01-01,no,90\n",
                     encoding="utf-8")
    [report] = Store(db).load_files([extra], LoadOptions(table="customers", tz="UTC", source="t"), format="generic")
    assert report.status == "loaded", report.text()
    settings = folder / "settings.toml"
    settings.write_text(ACCESS_SETTINGS, encoding="utf-8")
    port = free_port()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "deskscope-test"\n'
        'client_secret = "deskscope-test-secret"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n', encoding="utf-8")
    log = folder / "streamlit.log"
    proc, url = start_server(db, settings, log, ("--secrets.files", str(secrets_file)), port=port)
    yield {"url": url, "db": db, "settings": settings, "log": log, "provider": oidc_provider}
    wait_server_gone(proc)


def sign_in(page, server: dict, sub: str, path: str = "") -> None:
    page.goto(f"{server['url']}/{path}")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == "Sign in to Deskscope"
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"), timeout=SLOW * 1000)
    page.get_by_role("button", name=sub, exact=True).click()
    page.wait_for_url(re.compile(re.escape(server["url"]) + r"/.*"), timeout=SLOW * 1000)
    wait_idle(page)


def loads_of(db: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT load_id, status FROM loads ORDER BY load_id").fetchall()


def test_sign_in_and_sign_out(oidc_server, browser, screenshots):
    context, page = new_page(browser)
    Requests(context)
    try:
        # Before signing in: the sign-in page on every path, and not one figure.
        for path in ("", "tickets", "data", "settings"):
            page.goto(f"{oidc_server['url']}/{path}")
            wait_idle(page)
            assert page.locator("h1").first.inner_text().strip() == "Sign in to Deskscope", path
            assert page.locator('[data-testid="stMetric"]').count() == 0
            assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        shoot(page, screenshots / "security-sign-in.png")
        sign_in(page, oidc_server, "admin")
        assert page.locator("h1").first.inner_text().strip() == "Overview"
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text().replace("\u2060", "")
        assert "Signed in as Ada Admin" in sidebar and "admin@example.com" in sidebar and "Role: admin" in sidebar
        assert tile(page, "Tickets") == "12"
        assert any(c["name"].startswith("_streamlit_user") for c in context.cookies())
        shoot(page, screenshots / "security-signed-in.png")
        # Sign out: the provider ends its session and sends the browser back, signed out.
        page.locator('[data-testid="stSidebar"] button').filter(has_text="Sign out").click()
        page.wait_for_url(re.compile(r".*/oauth2/end_session.*"), timeout=SLOW * 1000)
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(re.compile(re.escape(oidc_server["url"]) + r"/.*"), timeout=SLOW * 1000)
        wait_idle(page)
        assert page.locator("h1").first.inner_text().strip() == "Sign in to Deskscope"
        assert not any(c["name"].startswith("_streamlit_user") for c in context.cookies())
        page.goto(oidc_server["url"] + "/tickets")
        wait_idle(page)
        assert page.locator("h1").first.inner_text().strip() == "Sign in to Deskscope"
        # Someone the settings do not list is refused after signing in.
        sign_in(page, oidc_server, "stranger")
        assert page.locator("h1").first.inner_text().strip() == "No access"
        assert "eve@elsewhere.org is not listed" in page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")
        assert page.locator('[data-testid="stMetric"]').count() == 0
    finally:
        context.close()


def _is_trigger(payload, key: str) -> bool:
    """Whether a websocket frame is a rerun whose widget states press the button ``key``."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    if not isinstance(payload, (bytes, bytearray)):
        return False
    msg = BackMsg()
    try:
        msg.ParseFromString(bytes(payload))
    except Exception:
        return False
    if msg.WhichOneof("type") != "rerun_script":
        return False
    return any(w.id.endswith("-" + key) and w.WhichOneof("value") == "trigger_value" and w.trigger_value
               for w in msg.rerun_script.widget_states.widgets)


SOCKETS: dict = {}  # page -> the server side of its routed websocket (to send forged frames on)


def capture(page, key: str, forward: bool) -> list:
    """Route the page's websocket through us; frames pressing ``key`` are kept (and forwarded or not)."""
    kept: list = []

    def handler(ws):
        server = ws.connect_to_server()

        def to_server(message):
            if _is_trigger(message, key):
                kept.append(message)
                if not forward:
                    return
            server.send(message)

        ws.on_message(to_server)
        server.on_message(lambda message: ws.send(message))
        SOCKETS[id(page)] = server

    page.route_web_socket(re.compile(r".*/_stcore/stream"), handler)
    return kept


def test_viewer_cannot_load_or_change_settings(oidc_server, browser, screenshots):
    settings_before = oidc_server["settings"].read_bytes()
    loads_before = loads_of(oidc_server["db"])
    admin_ctx, admin = new_page(browser)
    viewer_ctx, viewer = new_page(browser)
    Requests(admin_ctx)
    Requests(viewer_ctx)
    try:
        # What the viewer sees: no upload, load, remove or recompute control, no save button.
        saved_frames_for_viewer = capture(viewer, "set_save", forward=True)
        sign_in(viewer, oidc_server, "viewer", "data")
        viewer.goto(oidc_server["url"] + "/data")
        wait_idle(viewer)
        main = viewer.locator('[data-testid="stMain"]')
        assert viewer.locator('[data-testid="stFileUploader"]').count() == 0
        for label in ("Load ", "Remove load", "Recompute"):
            assert main.locator('[data-testid="stButton"]').filter(has_text=label).count() == 0, label
        assert "for admins" in main.inner_text()
        shoot(viewer, screenshots / "security-viewer-data.png")
        viewer.goto(oidc_server["url"] + "/settings")
        wait_idle(viewer)
        assert viewer.locator('[data-testid="stButton"]').filter(has_text="Save").count() == 0
        assert viewer.locator('[data-testid="stTextInput"]').count() == 0
        shoot(viewer, screenshots / "security-viewer-settings.png")
        assert not saved_frames_for_viewer

        # The admin's real widget events: a settings save (let through: it saves) and a load
        # removal (held back: nothing is removed yet).
        save_frames = capture(admin, "set_save", forward=True)
        sign_in(admin, oidc_server, "admin", "settings")
        admin.goto(oidc_server["url"] + "/settings")
        wait_idle(admin)
        currency = admin.locator('[data-testid="stTextInput"]').filter(has_text="Currency").locator("input")
        currency.fill("EUR")
        currency.press("Enter")
        wait_idle(admin)
        admin.locator('[data-testid="stButton"]').filter(has_text="Save").click()
        admin.get_by_text("Saved").first.wait_for(timeout=SLOW * 1000)
        assert save_frames and 'currency = "EUR"' in oidc_server["settings"].read_text(encoding="utf-8")
        oidc_server["settings"].write_bytes(settings_before)  # back to what the viewer must not change
        admin_ctx.close()
        admin_ctx, admin = new_page(browser)
        Requests(admin_ctx)
        remove_frames = capture(admin, "data_rm", forward=False)
        sign_in(admin, oidc_server, "admin", "data")
        admin.goto(oidc_server["url"] + "/data")
        wait_idle(admin)
        admin.locator('[data-testid="stExpander"]').filter(has_text="Remove a load").locator("summary").click()
        pick = admin.locator('[data-testid="stSelectbox"]').filter(has_text="Load to remove")
        # Pick the extra load. Typing and pressing Enter can leave the typed text in the box while the
        # selection stays on the first load (the tickets): only the option's whole label, shown once the
        # box is closed, proves the pick; else try again.
        extra_id = loads_before[-1][0]
        label = f"#{extra_id} extra_customers.csv"
        for attempt in range(3):
            pick.locator("input").click()
            admin.keyboard.type("extra_customers")
            admin.keyboard.press("Enter")
            wait_idle(admin)
            admin.keyboard.press("Escape")
            try:
                expect(pick.locator("input")).to_have_value(label, timeout=10000)
                break
            except AssertionError:
                if attempt == 2:
                    raise
        admin.locator('[data-testid="stCheckbox"]').filter(has_text="I understand").locator("label").click()
        wait_idle(admin)
        remove = admin.locator('[data-testid="stButton"]').filter(has_text="Remove load").locator("button")
        expect(remove).to_be_enabled(timeout=SLOW * 1000)
        remove.click()
        deadline = time.time() + 30
        while not remove_frames and time.time() < deadline:
            admin.wait_for_timeout(200)
        assert remove_frames and loads_of(oidc_server["db"]) == loads_before

        # The viewer's own session is sent those exact events: nothing is saved or removed.
        viewer.goto(oidc_server["url"] + "/settings")
        wait_idle(viewer)
        SOCKETS[id(viewer)].send(save_frames[-1])
        time.sleep(3)
        wait_idle(viewer)
        viewer.goto(oidc_server["url"] + "/data")
        wait_idle(viewer)
        SOCKETS[id(viewer)].send(remove_frames[-1])
        time.sleep(3)
        wait_idle(viewer)
        assert oidc_server["settings"].read_bytes() == settings_before
        assert loads_of(oidc_server["db"]) == loads_before
        assert_no_traceback(viewer, "viewer after forged events")
        # ... while the same removal event from an admin's session does remove the load.
        admin.goto(oidc_server["url"] + "/data")
        wait_idle(admin)
        SOCKETS[id(admin)].send(remove_frames[-1])
        deadline = time.time() + 60
        while loads_of(oidc_server["db"]) == loads_before and time.time() < deadline:
            time.sleep(0.5)
        # That load and no other: the team-scoped test below counts the tickets this world was built with.
        after = loads_of(oidc_server["db"])
        assert [row for row in after if row[0] != extra_id] == [row for row in loads_before if row[0] != extra_id]
        assert after != loads_before
    finally:
        admin_ctx.close()
        viewer_ctx.close()


def test_team_scoped_reader_sees_their_teams_only(oidc_server, browser, screenshots, tmp_path):
    import duckdb

    # The hand count, straight from the loaded rows (not through the engine): Billing has tickets
    # 100, 103, 106, 109 and calls K0, K3, K6 of 12 tickets and 9 calls.
    with duckdb.connect(str(oidc_server["db"]), read_only=True) as con:
        billing_tickets = con.execute("SELECT count(*) FROM tickets WHERE team = 'Billing'").fetchone()[0]
        billing_calls = con.execute("SELECT count(*) FROM calls WHERE team = 'Billing'").fetchone()[0]
        all_tickets = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    assert (billing_tickets, billing_calls, all_tickets) == (4, 3, 12)
    lead_ctx, lead = new_page(browser, accept_downloads=True)
    admin_ctx, admin = new_page(browser)
    Requests(lead_ctx)
    Requests(admin_ctx)
    try:
        sign_in(lead, oidc_server, "lead")
        sign_in(admin, oidc_server, "admin")
        assert tile(lead, "Tickets") == str(billing_tickets)
        assert tile(lead, "Calls offered") == str(billing_calls)
        assert tile(admin, "Tickets") == str(all_tickets) != tile(lead, "Tickets")
        sidebar = lead.locator('[data-testid="stSidebar"]').inner_text()
        assert "Teams: Billing" in sidebar and "4 tickets" in sidebar
        assert "Only the rows of your teams: Billing" in lead.locator('[data-testid="stMain"]').inner_text()
        shoot(lead, screenshots / "security-lead-overview.png")
        # The team filter offers Billing only.
        lead.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Team").locator("input").click()
        options = [o.inner_text() for o in lead.get_by_role("option").all()]
        lead.keyboard.press("Escape")
        assert options == ["Billing"], options
        # Drill-down and its CSV/XLSX exports: Billing's rows only.
        lead.goto(oidc_server["url"] + "/tickets")
        wait_idle(lead)
        lead.locator('[data-testid="stButton"]').filter(has_text="Show rows").first.click()
        wait_idle(lead)
        buttons = lead.locator('[data-testid="stDownloadButton"]')
        buttons.nth(1).wait_for(timeout=SLOW * 1000)
        with lead.expect_download() as csv_download:
            buttons.filter(has_text="CSV").first.click()
        rows = pl.read_csv(io.BytesIO(Path(csv_download.value.path()).read_bytes()))
        assert rows.height == billing_tickets and set(rows["team"].to_list()) == {"Billing"}
        with lead.expect_download() as xlsx_download:
            buttons.filter(has_text="XLSX").first.click()
        book = pl.read_excel(Path(xlsx_download.value.path()))
        assert book.height == billing_tickets and set(book["team"].to_list()) == {"Billing"}
        # A forged ?team= for another team shows nothing of it.
        lead.goto(oidc_server["url"] + "/?team=Tech")
        wait_idle(lead)
        main = lead.locator('[data-testid="stMain"]').inner_text()
        assert "Tech: not among the teams you may see" in main.replace("\u2060", "")
        assert lead.locator('[data-testid="stMetric"]').count() == 0 or tile(lead, "Tickets") in ("0", "—")
        shoot(lead, screenshots / "security-lead-forged-team.png")
        lead.goto(oidc_server["url"] + "/agents?team=Tech")
        wait_idle(lead)
        assert lead.locator('[data-testid="stDataFrame"]').count() == 0
        # Churn figures and the Data page's bookkeeping follow the scope too.
        lead.goto(oidc_server["url"] + "/churn")
        wait_idle(lead)
        assert_no_traceback(lead, "churn (lead)")
        lead.goto(oidc_server["url"] + "/data")
        wait_idle(lead)
        assert "shown only to readers who see all teams" in lead.locator('[data-testid="stMain"]').inner_text()
    finally:
        lead_ctx.close()
        admin_ctx.close()
