"""The DuckDB check of clean text files (loaders/textread._checked_by_duckdb) must change nothing
but the time: every text file of the bad-input corpus reads to the same table, rejects, warnings
and encoding with it as with the Python record pass alone; clean files take it, bad ones do not."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from loaders import files, textread
from loaders.base import LoadError

CORPUS = Path(__file__).resolve().parent / "badinput" / "files"
TEXT = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".csv", ".tsv", ".txt"))


def _read(path: Path) -> dict:
    try:
        files.preflight(path)  # what every load runs first (empty, binary, whitespace-only files stop here)
    except LoadError as exc:
        return {"refused": str(exc)}
    try:
        with files.collecting_read_issues() as issues:
            raw = files.read_table(path)
    except LoadError as exc:
        return {"error": str(exc)}
    return {"rows": raw.frame.height, "headers": raw.headers, "encoding": raw.encoding,
            "table": hashlib.sha1(raw.frame.write_csv().encode()).hexdigest(), "warnings": raw.warnings,
            "rejected": [(r["row_number"], r["reason"], r["raw"]) for r in raw.rejected],
            "issues": sorted((k[1], len(v[0]), tuple(v[1])) for k, v in issues.items())}


@pytest.mark.parametrize("path", TEXT, ids=[p.name for p in TEXT])
def test_the_duckdb_check_reads_every_corpus_file_as_the_record_pass_does(path, monkeypatch):
    taken = []
    check = textread._checked_by_duckdb
    monkeypatch.setattr(textread, "_checked_by_duckdb", lambda *a: taken.append(r := check(*a)) or r)
    fast = _read(path)
    monkeypatch.setattr(textread, "_checked_by_duckdb", lambda *a: None)
    assert _read(path) == fast
    clean = {"base.csv", "crlf.csv", "bom_start.csv", "embedded_newlines.csv", "quoted_delimiters.csv", "tab.tsv",
             "semicolon.csv", "header_only.csv"}
    bad = {"ragged_middle_short.csv", "ragged_middle_long.csv", "unclosed_quote.csv", "mixed_utf8_cp1251.csv",
           "nul_bytes.csv", "blank_lines.csv", "ragged_trailing_empty.csv"}
    if path.name in clean:
        assert taken and taken[0] is not None, "a clean file takes the DuckDB check"
    if path.name in bad:
        assert not any(taken), "a file with bad records goes through the record pass, which names them"


def test_scan_measures_lines_longer_than_a_chunk(tmp_path):
    # by hand: 'x' * 3,000,000 + ',y' is 3,000,002 bytes; 'a,' + 70 MiB of 'z' is 73,400,322
    for body, longest in ((b"h1,h2\n" + b"x" * 3_000_000 + b",y\nq,r\n", 3_000_002),
                          (b"h1,h2\na," + b"z" * (70 << 20) + b"\nc,d\n", 73_400_322),
                          (b"h1,h2\na," + b"z" * (3 << 20), 3_145_730)):
        path = tmp_path / "f.csv"
        path.write_bytes(body)
        assert textread.scan_bytes(path).longest_line == longest


@pytest.mark.parametrize("body", [b"h1,h2\n" + b"x" * 3_000_000 + b",y\nq,r\n",
                                  b",".join(b"c%d" % i for i in range(1500)) + b"\n" + b",".join([b"v"] * 1500) + b"\n"],
                         ids=["line_over_2mib", "1500_columns"])
def test_long_lines_and_wide_files_skip_the_duckdb_check(tmp_path, body, monkeypatch):
    """A line DuckDB's check would refuse, or a file too wide for one query: the check is not run
    (it mapped ~600 MB for 10,000 columns, and a load under a 2 GiB address-space limit failed),
    and the record pass reads the file the same."""
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    taken = []
    check = textread._checked_by_duckdb
    monkeypatch.setattr(textread, "_checked_by_duckdb", lambda *a: taken.append(r := check(*a)) or r)
    got = _read(path)
    assert not any(taken) and "rows" in got, (taken, got)  # not run, or refused before DuckDB reads
    assert got["rows"] == (2 if len(body) > 3_000_000 else 1)
