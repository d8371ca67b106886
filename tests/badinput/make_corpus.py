"""Write the bad-input corpus (tests/badinput/files/) from code, deterministically.

    .venv/bin/python tests/badinput/make_corpus.py          # rewrite the committed files
    .venv/bin/python tests/badinput/make_corpus.py --check  # exit 1 when a file differs

Every file is made up here (no third-party data). The three big cases (a 200 MB line, 1 MB
values, 10,000 columns) are not committed: ``big(folder)`` writes them when the tests run.
tests/test_badinput.py holds what each file must do when loaded.
"""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
HEADER = "id,created,status,priority,subject"
T0 = dt.datetime(2024, 1, 1)


def created(i: int) -> str:
    return f"{T0 + dt.timedelta(hours=i):%Y-%m-%d %H:%M}"


def rows(ids, subject="v2 subject {i}", status="solved", priority="high") -> list[str]:
    return [f"{i},{created(i)},{status},{priority},{subject.format(i=i)}" for i in ids]


def csv_text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def xlsx_bytes(sheets: dict[str, list[list]], strings_only: bool = False) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    # A fixed creation date: the same bytes on every run.
    wb.set_properties({"created": dt.datetime(2024, 1, 1)})
    for name, table in sheets.items():
        ws = wb.add_worksheet(name)
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for r, row in enumerate(table):
            for c, v in enumerate(row):
                if isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, date_fmt)
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                elif v is None:
                    continue
                else:
                    ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


def ole_encrypted() -> bytes:
    """The shape of a password-protected .xlsx: an OLE2 compound file whose directory holds the
    EncryptionInfo and EncryptedPackage streams (what Excel writes when a password is set)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = struct.pack("<H", 0x3E)  # minor version
    header[26:28] = struct.pack("<H", 3)  # major version 3: 512-byte sectors
    header[28:30] = b"\xfe\xff"  # little-endian
    header[30:32] = struct.pack("<H", 9)
    header[32:34] = struct.pack("<H", 6)
    header[44:48] = struct.pack("<I", 1)  # one FAT sector
    header[48:52] = struct.pack("<I", 1)  # directory starts at sector 1
    header[56:60] = struct.pack("<I", 4096)
    header[60:64] = struct.pack("<I", 0xFFFFFFFE)
    header[68:72] = struct.pack("<I", 0xFFFFFFFE)
    header[76:80] = struct.pack("<I", 0)  # FAT in sector 0
    for i in range(1, 109):
        header[76 + 4 * i:80 + 4 * i] = b"\xff\xff\xff\xff"
    fat = bytearray(b"\xff\xff\xff\xff" * 128)
    fat[0:4] = struct.pack("<I", 0xFFFFFFFD)  # FAT sector
    fat[4:8] = struct.pack("<I", 0xFFFFFFFE)  # directory chain ends
    directory = bytearray()
    for name, kind in (("Root Entry", 5), ("EncryptionInfo", 2), ("EncryptedPackage", 2), ("\x06DataSpaces", 1)):
        entry = bytearray(128)
        encoded = (name + "\x00").encode("utf-16-le")
        entry[0:len(encoded)] = encoded
        entry[64:66] = struct.pack("<H", len(encoded))
        entry[66] = kind
        entry[68:80] = b"\xff" * 12
        directory += entry
    return bytes(header + fat + directory)


def corpus() -> dict[str, bytes]:
    """file name -> bytes."""
    f: dict[str, bytes] = {}

    def text(name: str, lines: list[str], encoding: str = "utf-8") -> None:
        f[name] = csv_text(lines).encode(encoding)

    base = [HEADER] + rows(range(1, 101), subject="base subject {i}", status="open", priority="normal")
    text("base.csv", base)

    # ---- ragged rows: one short or long row never changes how the rest is read
    text("ragged_first_row_short.csv", [HEADER, "1,2024-01-01 01:00,solved"] + rows(range(2, 101)))
    text("ragged_first_row_long.csv", [HEADER, "1,2024-01-01 01:00,solved,high,v2 subject 1,EXTRA"] + rows(range(2, 101)))
    text("ragged_middle_short.csv", [HEADER] + rows(range(1, 50)) + ["50,2024-01-03 02:00"] + rows(range(51, 101)))
    text("ragged_middle_long.csv", [HEADER] + rows(range(1, 50)) + ["50,2024-01-03 02:00,solved,high,a,b,c"] + rows(range(51, 101)))
    text("ragged_trailing_empty.csv", [HEADER] + [r + ",," for r in rows(range(1, 11))])
    text("header_trailing_delimiter.csv", [HEADER + ","] + rows(range(1, 11)))
    text("header_wider_than_rows.csv", [HEADER + ",notes"] + rows(range(1, 11)))
    text("ragged_many.csv", [HEADER] + [r if i % 3 else r.rsplit(",", 2)[0] for i, r in enumerate(rows(range(1, 31)), 1)])
    text("unclosed_quote.csv", [HEADER] + rows(range(1, 5)) + ['5,2024-01-01 05:00,solved,high,"never closed'] + rows(range(6, 9)))
    text("embedded_newlines.csv", [HEADER] + [f'{i},{created(i)},solved,high,"line one\nline two of {i}"' for i in range(1, 6)])
    text("quoted_delimiters.csv", [HEADER] + [f'{i},{created(i)},solved,high,"a, b; c | d {i}"' for i in range(1, 6)])
    text("blank_lines.csv", [HEADER, "", rows([1])[0], "", "", rows([2])[0], rows([3])[0], ""])
    text("crlf.csv", [HEADER + "\r"] + [r + "\r" for r in rows(range(1, 6))])
    text("tab.tsv", [HEADER.replace(",", "\t")] + [r.replace(",", "\t") for r in rows(range(1, 6))])
    text("pipe_delimited.csv", [HEADER.replace(",", "|")] + [r.replace(",", "|") for r in rows(range(1, 6))])
    text("semicolon.csv", [HEADER.replace(",", ";")] + [r.replace(",", ";") for r in rows(range(1, 6))])
    text("repeated_header_names.csv", [HEADER + ",subject"] + [r + ",second subject" for r in rows(range(1, 4))])
    text("missing_tokens.csv", [HEADER] + [f"{i},{created(i)},solved,{p},subject" for i, p in zip(range(1, 6), ["N/A", "-", "?", "", "null"])])

    # ---- encodings
    ru = ["Не работает вход", "Счёт выставлен дважды", "Ошибка оплаты", "Вопрос по тарифу"]
    mixed = [HEADER]
    for i in range(1, 9):
        mixed.append(f"{i},{created(i)},solved,high,{ru[i % 4]} {i}")
    body = csv_text(mixed[:1]).encode() + b"".join(
        (line + "\n").encode("utf-8" if n % 2 else "cp1251") for n, line in enumerate(mixed[1:]))
    f["mixed_utf8_cp1251.csv"] = body
    text("cp1251.csv", [HEADER] + [f"{i},{created(i)},solved,high,{ru[i % 4]}" for i in range(1, 5)], "cp1251")
    text("cp1252.csv", [HEADER] + [f"{i},{created(i)},solved,high,Café crème – €{i}" for i in range(1, 5)], "cp1252")
    f["utf16.csv"] = csv_text([HEADER] + [f"{i},{created(i)},solved,high,Ünïcödé {i}" for i in range(1, 4)]).encode("utf-16")
    f["bom_start.csv"] = b"\xef\xbb\xbf" + csv_text([HEADER] + rows(range(1, 4))).encode()
    # Two exports joined with `cat`: the second brings its BOM and its header into the middle.
    f["bom_middle.csv"] = (b"\xef\xbb\xbf" + csv_text([HEADER] + rows(range(1, 4))).encode()
                           + b"\xef\xbb\xbf" + csv_text([HEADER] + rows(range(4, 7))).encode())
    # A cp1251 file with one byte cp1251 does not define (0x98): that line fits no encoding.
    bad = csv_text([HEADER] + [f"{i},{created(i)},solved,high,{ru[i % 4]}" for i in range(1, 5)]).encode("cp1251")
    f["undecodable_line.csv"] = bad.replace("Счёт".encode("cp1251"), b"\x98\x98\x98")
    nul = csv_text([HEADER] + rows(range(1, 6))).encode()
    f["nul_bytes.csv"] = nul.replace(b"v2 subject 3", b"v2 sub\x00ject 3")
    f["nul_everywhere.csv"] = bytes(range(256)) * 40

    # ---- not text at all, whatever the name says
    f["empty.csv"] = b""
    text("header_only.csv", [HEADER])
    f["whitespace_only.csv"] = b"\n\n   \n\t\n"
    xlsx_ok = xlsx_bytes({"Tickets": [HEADER.split(",")] + [[i, T0 + dt.timedelta(hours=i), "solved", "high", f"xlsx {i}"]
                                                             for i in range(1, 6)]})
    f["zip_named_csv.csv"] = xlsx_ok
    f["pdf_named_csv.csv"] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    f["png_named_csv.csv"] = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0) \
        + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
    f["gzip_named_csv.csv"] = gzip.compress(csv_text(base).encode(), mtime=0)
    f["sqlite_named_csv.csv"] = b"SQLite format 3\x00" + b"\x00" * 84

    # ---- values: duplicates, injection, script, hostile text
    text("duplicate_ids.csv", [HEADER] + rows(range(1, 6), subject="first {i}") + rows([2, 4], subject="second {i}"))
    formulas = ["=HYPERLINK(\"http://x\")", "+SUM(1,2)", "-2+3", "@cmd", "=cmd|' /C calc'!A0"]
    text("formula_injection.csv", [HEADER] + [f'{i},{created(i)},solved,high,"{v.replace(chr(34), chr(34) * 2)}"'
                                              for i, v in enumerate(formulas, 1)])
    script = "<script>alert(1)</script>"
    text("html_script.csv", ["id,created,status,priority,subject,team,agent,channel,category,tags"]
         + [f"{i},{created(i)},{script},{script},<img src=x onerror=alert({i})>,{script},<b>agent</b>,{script},"
            f"</td><script>x()</script>,<a href=javascript:alert(1)>t</a>" for i in range(1, 4)])
    text("missing_required.csv", [HEADER] + rows(range(1, 4)) + [",2024-01-01 04:00,solved,high,no id", "5,,solved,high,no date"])
    text("unreadable_optional.csv", ["id,created,status,replies"] + [f"{i},{created(i)},solved,{r}" for i, r in zip(range(1, 4), ["2", "many", "3"])])
    text("single_column.csv", ["id"] + [str(i) for i in range(1, 4)])
    text("unknown_headers.csv", ["alpha,beta,gamma"] + ["1,2,3", "4,5,6"])

    # ---- dates
    text("five_date_formats.csv", [HEADER,
                                   "1,2024-03-04 14:00,solved,high,iso",
                                   "2,04.03.2024 14:00,solved,high,dotted",
                                   "3,13/03/2024 14:00,solved,high,slash day-first",
                                   "4,\"Mar 4, 2024 2:00 PM\",solved,high,month name",
                                   "5,2024-03-04T14:00:00Z,solved,high,iso with offset"])
    text("ambiguous_dates.csv", [HEADER, "1,01/02/2024 10:00,solved,high,a", "2,03/04/2024 10:00,solved,high,b"])
    for name, value in (("year_0001", "0001-01-01 10:00"), ("year_1899", "1899-12-30 00:00"),
                        ("year_2200", "2200-01-01 10:00"), ("year_9999", "9999-12-31 23:59")):
        text(f"dates_{name}.csv", [HEADER] + rows(range(1, 5)) + [f"5,{value},solved,high,bad year"])
    text("dates_9999_solved.csv", ["id,created,solved,status"] + [f"{i},{created(i)},{created(i + 2)},solved" for i in range(1, 4)]
         + ["4,2024-01-01 04:00,9999-12-31 00:00,solved"])
    text("solved_before_created.csv", ["id,created,solved,status"] + [f"{i},{created(i)},{created(i + 2)},solved" for i in range(1, 5)]
         + ["5,2024-01-02 10:00,2024-01-02 09:00,solved"])
    text("reply_before_created.csv", ["id,created,first reply,status"] + [f"{i},{created(i)},{created(i + 1)},open" for i in range(1, 5)]
         + ["5,2024-01-02 10:00,2024-01-02 09:30,open"])
    text("dst_gap_times.csv", [HEADER, "1,2024-03-10 02:30,solved,high,gap", "2,2024-03-10 03:30,solved,high,after"])
    text("bad_offsets.csv", [HEADER, "1,2024-03-04T14:00:00+25:00,solved,high,bad offset", "2,2024-03-04T14:00:00+02:00,solved,high,ok"])
    text("garbage_dates.csv", [HEADER, "1,yesterday-ish,solved,high,x", "2,2024-13-45 99:99,solved,high,y", "3,2024-03-04 10:00,solved,high,z"])

    # ---- JSON
    f["json_object_not_list.json"] = json.dumps({"id": 1, "created": "2024-01-01 10:00", "status": "open"}).encode()
    f["json_object_with_array.json"] = json.dumps({"count": 2, "tickets": [
        {"id": i, "created": created(i), "status": "solved", "subject": f"json {i}"} for i in (1, 2)]}).encode()
    f["json_malformed.json"] = b'[{"id": 1, "created": "2024-01-01 10:00", "status": "open"},\n {"id": 2, "created": '
    f["ndjson_bad_line.ndjson"] = "\n".join(
        [json.dumps({"id": i, "created": created(i), "status": "solved"}) for i in (1, 2)]
        + ['{"id": 3, "created": "2024-01-01 03:00", "status": "solved"'] +
        [json.dumps({"id": 4, "created": created(4), "status": "solved"})]).encode() + b"\n"
    f["ndjson_all_bad.ndjson"] = b"{oops\nnot json either\n"
    f["json_scalar.json"] = b"42\n"
    f["json_empty_array.json"] = b"[]\n"
    f["json_nested.json"] = json.dumps([{"id": i, "created": created(i), "status": "solved",
                                         "via": {"channel": "email"}, "tags": ["a", "b"]} for i in (1, 2)]).encode()
    f["json_html_values.json"] = json.dumps([{"id": 1, "created": created(1), "status": "solved",
                                              "subject": "<script>alert('x')</script>"}]).encode()

    # ---- XLSX
    f["xlsx_ok.xlsx"] = xlsx_ok
    f["xlsx_two_sheets.xlsx"] = xlsx_bytes({"Notes": [["read me"], ["nothing here"]],
                                            "Data": [HEADER.split(",")] + [[i, created(i), "solved", "high", f"s{i}"] for i in (1, 2, 3)]})
    f["xlsx_empty_sheet.xlsx"] = xlsx_bytes({"Empty": [HEADER.split(",")]})
    f["xlsx_password.xlsx"] = ole_encrypted()
    f["xlsx_truncated.xlsx"] = xlsx_ok[: len(xlsx_ok) // 2]
    f["xlsx_not_zip.xlsx"] = csv_text(base[:3]).encode()
    f["xlsx_dates_9999.xlsx"] = xlsx_bytes({"T": [HEADER.split(",")] + [[i, created(i), "solved", "high", "ok"] for i in (1, 2)]
                                            + [[3, "9999-12-31 10:00", "solved", "high", "bad"]]})
    f["xlsx_formulas_as_text.xlsx"] = xlsx_bytes({"T": [HEADER.split(",")] + [[i, created(i), "solved", "high", v]
                                                                              for i, v in enumerate(formulas[:3], 1)]})
    f["xlsx_ragged_rows.xlsx"] = xlsx_bytes({"T": [HEADER.split(",")] + [[1, created(1), "solved"], [2, created(2), "solved", "high", "x"]]})

    # ---- Parquet (a file cut short)
    import polars as pl

    buf = io.BytesIO()
    pl.DataFrame({"id": ["1", "2"], "created": [created(1), created(2)], "status": ["solved", "solved"]}).write_parquet(buf)
    f["parquet_truncated.parquet"] = buf.getvalue()[: len(buf.getvalue()) // 2]
    f["parquet_not_parquet.parquet"] = csv_text(base[:3]).encode()

    # ---- names that look like patterns: a path that exists is that file
    text("export*.csv", [HEADER] + rows([1]))
    text("export1.csv", [HEADER] + rows([2, 3]))
    text("[a].csv", [HEADER] + rows([4]))
    text("a.csv", [HEADER] + rows([5, 6]))

    # ---- mappings
    f["mapping_bad_timezone.toml"] = b'table = "tickets"\ntimezone = "Mars/Olympus"\n[columns]\nsource_id = "id"\ncreated_at = "created"\n'
    f["mapping_malformed.toml"] = b'table = "tickets"\n[columns\nsource_id = "id"\n'
    f["mapping_unknown_column.toml"] = b'table = "tickets"\n[columns]\nsource_id = "id"\ncreated_at = "Created At"\nmood = "status"\n'
    f["mapping_ok.toml"] = b'table = "tickets"\n[columns]\nsource_id = "id"\ncreated_at = "created"\nstatus = "status"\n'
    return f


def big(folder: Path) -> dict[str, Path]:
    """The cases too big to commit, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    p = folder / "line_200mb.csv"
    with open(p, "w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        fh.write("\n".join(rows(range(1, 4))) + "\n")
        fh.write(f"4,{created(4)},solved,high,")
        chunk = "x" * (1 << 20)
        for _ in range(200):
            fh.write(chunk)
        fh.write("\n")
        fh.write("\n".join(rows(range(5, 8))) + "\n")
    out["line_200mb"] = p
    p = folder / "values_1mb.csv"
    with open(p, "w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        for i in range(1, 4):
            fh.write(f"{i},{created(i)},solved,high,{chr(ord('a') + i) * (1 << 20)}\n")
    out["values_1mb"] = p
    p = folder / "columns_10000.csv"
    with open(p, "w", encoding="utf-8") as fh:
        fh.write(HEADER + "," + ",".join(f"extra_{j}" for j in range(10_000 - 5)) + "\n")
        for i in range(1, 4):
            fh.write(rows([i])[0] + "," + ",".join(str(j % 10) for j in range(10_000 - 5)) + "\n")
    out["columns_10000"] = p
    return out


def main(argv: list[str]) -> int:
    files = corpus()
    if "--check" in argv:
        differ = [n for n, b in files.items() if not (FILES / n).exists() or (FILES / n).read_bytes() != b]
        print("\n".join(differ) or "corpus up to date")
        return 1 if differ else 0
    FILES.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (FILES / name).write_bytes(data)
    print(f"{len(files)} files in {FILES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
