"""The command line as a user (or cron) runs it: real processes, real files, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, db=None, check=None):
    cmd = [sys.executable, str(ROOT / "cli.py"), *args] + (["--db", str(db)] if db else [])
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_help_on_every_command():
    code, out, _ = cli("--help")
    assert code == 0
    commands = ["load", "demo", "formats", "detect", "suggest", "loads", "rejects", "remove-load"]
    for name in commands:
        assert name in out
        code, sub_out, err = cli(name, "--help")
        assert code == 0 and "usage:" in sub_out, (name, err)


def test_exit_codes_clean_rejected_usage(tmp_path):
    db = tmp_path / "d.duckdb"
    good = tmp_path / "good.csv"
    good.write_text("id,created\n1,2024-03-04 14:00\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,created\n2,2024-03-04 15:00\n3,\n")  # row 3 has no creation time
    assert cli("load", str(good), "--table", "tickets", db=db)[0] == 0
    code, out, _ = cli("load", str(bad), "--table", "tickets", db=db)
    assert code == 1 and "rejected" in out
    assert cli("load", db=db)[0] == 2  # no file given
    assert cli("load", str(good), "--tz", "Mars/Olympus", db=db)[0] == 2
    assert cli("no-such-command")[0] == 2
    code, out, _ = cli("loads", "--json", db=db)
    loads = json.loads(out)
    assert [(r["file_name"], r["rows_in"], r["rows_loaded"], r["rows_rejected"]) for r in loads] == [
        ("good.csv", 1, 1, 0), ("bad.csv", 2, 1, 1)]
    code, out, _ = cli("rejects", "--json", db=db)
    [reject] = json.loads(out)
    assert reject["row_number"] == 3 and "empty but required" in reject["reason"]


def test_missing_file_is_reported_with_its_path(tmp_path):
    code, out, err = cli("load", str(tmp_path / "nope.csv"), db=tmp_path / "d.duckdb")
    assert code == 1 and "nope.csv" in out + err


def test_the_snapshots_pages_cron_line_runs_as_cron_would_into_a_folder_not_made_yet(tmp_path, monkeypatch):
    """The line the Snapshots page shows, run by sh as cron runs it (schedule fields cut off), on a
    database with tickets, when the snapshots folder does not exist yet: the folder, the snapshot
    and the log are written."""
    db = tmp_path / "d.duckdb"
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("id,created,solved\n1,2024-03-04 14:00,2024-03-04 16:00\n2,2024-03-05 09:00,\n")
    assert cli("load", str(csv_file), "--table", "tickets", "--tz", "UTC", db=db)[0] == 0
    out = tmp_path / "not" / "made" / "yet"
    settings = tmp_path / "settings.toml"
    settings.write_text(f'[snapshots]\ndir = "{out}"\n')
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(settings))
    monkeypatch.setenv("DESKSCOPE_DB", str(db))
    from ui import data

    line = data.cron_line("last-week", "en")
    assert line.startswith("0 6 * * 1  ")
    done = subprocess.run(["sh", "-c", line[len("0 6 * * 1  "):]], capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "DESKSCOPE_SETTINGS": str(settings)})
    assert done.returncode == 0, done.stderr
    assert (out / "cron.log").exists()
    assert list(out.glob("*/kpis.json")), (out / "cron.log").read_text()
