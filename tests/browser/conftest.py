"""Browser-test fixtures: a sample database, a `streamlit run` server on a free port, and
Debian's Chromium driven by Playwright (never a downloaded browser).

Without /usr/bin/chromium the tests are skipped with the reason, except under CI=true where a
missing browser is a failure (CI installs it).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SAMPLE_TICKETS = int(os.environ.get("DESKSCOPE_BROWSER_TICKETS", "5000"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium (make browser)")
    pytest.skip(f"{CHROMIUM} is missing: `sudo apt-get install -y chromium` to run the browser tests")


def cli(*args: str, db: Path, settings: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"DESKSCOPE_SETTINGS": str(settings)} if settings else {})}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", str(db), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=1200, env=env)


@pytest.fixture(scope="session")
def settings_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("settings") / "settings.toml"


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory, settings_file) -> Path:
    """The sample exports loaded through the real loaders (the same path as `make run`)."""
    _need_chromium()
    try:
        import sample_data.generate  # noqa: F401
    except ModuleNotFoundError:
        if os.environ.get("CI") == "true":
            pytest.fail("sample_data.generate is missing: the browser tests need the sample generator")
        pytest.skip("sample_data.generate is not available yet")
    folder = tmp_path_factory.mktemp("sample")
    db = folder / "sample.duckdb"
    done = cli("demo", "--all-formats", "--tickets", str(SAMPLE_TICKETS), "--out", str(folder / "exports"), "--tz", "America/New_York",
               db=db, settings=settings_file)
    assert db.exists(), f"cli.py demo failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, settings: Path, log_path: Path, extra_args: tuple[str, ...] = (),
                 port: int | None = None) -> tuple[subprocess.Popen, str]:
    """``extra_args``: more Streamlit options (tests/browser/test_security_browser.py passes
    --secrets.files and --server.address)."""
    port = port or free_port()
    env = {**os.environ, "DESKSCOPE_DB": str(db), "DESKSCOPE_SETTINGS": str(settings), "PYTHONUNBUFFERED": "1"}
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         *extra_args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"streamlit did not answer on {url} within 90 s: {log_path.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def server(sample_db, settings_file, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    proc, url = start_server(sample_db, settings_file, log_path)
    yield {"url": url, "db": sample_db, "log": log_path}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def cli_metrics(db: Path, *args: str) -> dict:
    done = cli("metrics", "--json", *args, db=db)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def cli_metrics_by(db: Path, dim: str) -> list[str]:
    """The values of ``dim``, largest first, from `cli.py metrics --by DIM --json`."""
    done = cli("metrics", "--json", "--by", dim, "--metric", "tickets", db=db)
    assert done.returncode in (0, 1), done.stderr
    rows = json.loads(done.stdout)
    rows = rows.get("rows", rows) if isinstance(rows, dict) else rows
    return [str(r[dim]) for r in rows if r.get(dim) not in (None, "")]
