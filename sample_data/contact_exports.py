"""Small deterministic call and survey exports in the vendor shapes the main generator does not
write: Twilio, Aircall, a call-centre XLSX sheet, Delighted, SurveyMonkey and Typeform.

Customer ids here start with 'P' (or are absent) so they never touch the main customers'
churn truth (ids 'C...'). Every file loads through its adapter with no rejected rows
(tests/test_adapters_contacts.py checks it). ``sample_data/generate.py`` calls ``write_all``.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

AGENTS = ["anna", "boris", "chen", "dana", "eli", "fatima"]
NAMES = ["Ann Lee", "Bob Ray", "Cy Dee", "Di Ell", "Ed Fox", "Flo Gee", "Gus Hay", "Ida Jo"]
START = dt.datetime(2024, 1, 1, 8, 0, 0)
DAYS = 90


def _moment(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    """A working-hours moment (08:00-18:00) on one of ``days`` days, whole seconds."""
    return start + dt.timedelta(days=rng.randrange(days), seconds=rng.randrange(10 * 3600))


def _rfc2822(t: dt.datetime) -> str:
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _write_csv(path: Path, header: list[str], rows: list[list], extra_header: list[str] | None = None) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        if extra_header:
            w.writerow(extra_header)
        w.writerows(rows)


def write_twilio(path: Path, rng: random.Random, calls: int = 320, start: dt.datetime = START, days: int = DAYS) -> None:
    header = ["Sid", "DateCreated", "DateUpdated", "ParentCallSid", "AccountSid", "To", "ToFormatted", "From",
              "FromFormatted", "PhoneNumberSid", "Status", "StartTime", "EndTime", "Duration", "Price", "PriceUnit",
              "Direction", "AnsweredBy", "Annotation", "ApiVersion", "ForwardedFrom", "GroupSid", "CallerName", "Uri"]
    rows, n = [], 0
    for _ in range(calls):
        n += 1
        sid = f"CA{n:032x}"
        t0 = _moment(rng, start, days)
        inbound = rng.random() < 0.8
        caller = f"+1415555{rng.randrange(10000):04d}"
        line = "+15005550006"
        r = rng.random()
        status = ("completed" if r < 0.78 else "no-answer" if r < 0.86 else "canceled" if r < 0.93
                  else "busy" if r < 0.97 else "failed")
        answered = status == "completed"
        duration = rng.randint(40, 900) if answered else 0
        ring = rng.randint(3, 60)
        end = t0 + dt.timedelta(seconds=duration if answered else ring if status in ("no-answer", "canceled") else 1)
        answered_by = "machine_start" if answered and not inbound and rng.random() < 0.15 else ""
        to, frm = (line, caller) if inbound else (caller, line)
        rows.append([sid, _rfc2822(t0), _rfc2822(end), "", "AC" + "0" * 32, to, to, frm, frm, "PN" + "0" * 32, status,
                     _rfc2822(t0), _rfc2822(end), duration, f"-{duration * 0.0085 / 60:.4f}" if answered else "", "USD",
                     "inbound" if inbound else "outbound-api", answered_by, "", "2010-04-01", "", "", "",
                     f"/2010-04-01/Accounts/AC{'0' * 32}/Calls/{sid}.json"])
        if inbound and answered:  # the <Dial> leg to the agent who took it
            n += 1
            leg = f"CA{n:032x}"
            agent = rng.choice(AGENTS)
            t1 = t0 + dt.timedelta(seconds=min(ring, duration - 1))
            rows.append([leg, _rfc2822(t1), _rfc2822(end), sid, "AC" + "0" * 32, f"client:{agent}", f"client:{agent}",
                         caller, caller, "", "completed", _rfc2822(t1), _rfc2822(end), int((end - t1).total_seconds()),
                         "-0.0040", "USD", "outbound-dial", "", "", "2010-04-01", "", "", "",
                         f"/2010-04-01/Accounts/AC{'0' * 32}/Calls/{leg}.json"])
    _write_csv(path, header, rows)


def write_aircall(path: Path, rng: random.Random, calls: int = 500, start: dt.datetime = START, days: int = DAYS) -> None:
    header = ["id", "direction", "status", "missed_call_reason", "started_at", "answered_at", "ended_at", "duration",
              "raw_digits", "number", "user", "tags", "voicemail"]
    reasons = ["short_abandoned", "abandoned_in_ivr", "agents_did_not_answer", "no_available_agent", "out_of_opening_hours"]
    rows = []
    for i in range(calls):
        t0 = int((_moment(rng, start, days) - dt.datetime(1970, 1, 1)).total_seconds())
        inbound = rng.random() < 0.85
        answered = rng.random() < 0.8
        caller = f"+33 1 {rng.randrange(100):02d} {rng.randrange(100):02d} {rng.randrange(100):02d} {rng.randrange(100):02d}"
        line = "Support FR" if inbound else "Sales FR"
        if answered:
            wait = rng.randint(2, 90)
            talk = rng.randint(30, 1200)
            rows.append([70000 + i, "inbound" if inbound else "outbound", "done", "", t0, t0 + wait, t0 + wait + talk,
                         wait + talk, caller, line, rng.choice(AGENTS), rng.choice(["", "billing", "bug", "howto"]), ""])
            continue
        reason = rng.choice(reasons) if inbound else ""
        ring = rng.randint(1, 9) if reason == "short_abandoned" else rng.randint(11, 120)
        voicemail = f"https://example.invalid/voicemail/{70000 + i}.mp3" if inbound and reason == "no_available_agent" \
            and rng.random() < 0.5 else ""
        rows.append([70000 + i, "inbound" if inbound else "outbound", "done", reason, t0, "", t0 + ring, ring, caller, line,
                     "" if inbound else rng.choice(AGENTS), "", voicemail])
    _write_csv(path, header, rows)


def write_call_sheet(path: Path, rng: random.Random, calls: int = 400, start: dt.datetime = START, days: int = DAYS) -> None:
    """The well-known call-centre sheet; dates as text, times and talk durations as Excel time values."""
    import xlsxwriter

    topics = ["Contract related", "Technical Support", "Payment related", "Streaming", "Admin Support"]
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": start})  # a fixed date: the same seed gives the same bytes
    ws = wb.add_worksheet("Calls")
    time_format = wb.add_format({"num_format": "hh:mm:ss"})
    ws.write_row(0, 0, ["Call Id", "Agent", "Date", "Time", "Topic", "Answered (Y/N)", "Resolved",
                        "Speed of answer in seconds", "AvgTalkDuration", "Satisfaction rating"])
    for i in range(1, calls + 1):
        t = _moment(rng, start, days)
        answered = rng.random() < 0.81
        ws.write_string(i, 0, f"ID{i:04d}")
        ws.write_string(i, 1, rng.choice(AGENTS).title())
        ws.write_string(i, 2, t.strftime("%Y-%m-%d"))
        ws.write_number(i, 3, (t.hour * 3600 + t.minute * 60 + t.second) / 86400, time_format)
        ws.write_string(i, 4, rng.choice(topics))
        ws.write_string(i, 5, "Y" if answered else "N")
        ws.write_string(i, 6, ("Y" if rng.random() < 0.9 else "N") if answered else "N")
        if answered:
            ws.write_number(i, 7, rng.randint(10, 125))
            ws.write_number(i, 8, rng.randint(30, 420) / 86400, time_format)
            ws.write_number(i, 9, rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5, 5]))
    wb.close()


def write_delighted(path: Path, rng: random.Random, responses: int = 300, start: dt.datetime = START,
                    days: int = DAYS) -> None:
    header = ["Response ID", "Score", "Comment", "Response timestamp", "Person ID", "Name", "Email", "Customer ID"]
    comments = ["", "", "", "Great support", "Took too long", "Friendly agent", "Still not fixed"]
    rows = []
    for i in range(responses):
        score = rng.choice([10, 10, 9, 9, 9, 8, 8, 7, 6, 5, 3, 0])
        name = rng.choice(NAMES)
        person = 5000 + rng.randrange(200)
        rows.append([90000 + i, score, rng.choice(comments), _moment(rng, start, days).strftime("%Y-%m-%d %H:%M:%S +0000"),
                     person, name, f"person{person}@example.com", f"P{person:05d}"])
    _write_csv(path, header, rows)


def write_surveymonkey(path: Path, rng: random.Random, responses: int = 300, start: dt.datetime = START,
                       days: int = DAYS) -> None:
    """Two header rows; CSAT answers as choice labels, agent ratings as a 1-5 matrix."""
    header = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
              "Last Name", "Custom Data 1", "How satisfied were you with our support?", "How would you rate our agent on:",
              "", "Any other comments?"]
    second = ["", "", "", "", "", "", "", "", "", "Response", "Speed", "Knowledge", "Open-Ended Response"]
    labels = ["Very satisfied", "Very satisfied", "Satisfied", "Satisfied", "Neither satisfied nor dissatisfied",
              "Dissatisfied", "Very dissatisfied"]
    rows = []
    for i in range(responses):
        end = _moment(rng, start, days)
        begin = end - dt.timedelta(seconds=rng.randint(30, 400))
        customer = f"P{2000 + rng.randrange(300):05d}"
        matrix = [rng.randint(1, 5), rng.randint(1, 5)] if rng.random() < 0.7 else ["", ""]
        rows.append([11400000 + i, 4001, begin.strftime("%m/%d/%Y %I:%M:%S %p"), end.strftime("%m/%d/%Y %I:%M:%S %p"),
                     f"10.0.{i // 250}.{i % 250}", f"{customer.lower()}@example.com", "", "", customer, rng.choice(labels),
                     *matrix, rng.choice(["", "", "Quick", "Slow to answer"])])
    _write_csv(path, header, rows, extra_header=second)


def write_typeform(path: Path, rng: random.Random, responses: int = 300, start: dt.datetime = START,
                   days: int = DAYS) -> None:
    header = ["#", "How easy was it to get your issue resolved today?", "Anything else you want to tell us?",
              "customer_id", "ticket_id", "Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)",
              "Network ID", "Tags"]
    rows = []
    for i in range(responses):
        submit = _moment(rng, start, days)
        rows.append([f"tf{rng.getrandbits(64):016x}{i:04d}", rng.choice([7, 7, 6, 6, 6, 5, 5, 4, 3, 2, 1]),
                     rng.choice(["", "", "", "Took three calls", "Easy, thanks"]), f"P{3000 + rng.randrange(300):05d}", "",
                     "completed", (submit - dt.timedelta(seconds=rng.randint(20, 200))).strftime("%Y-%m-%d %H:%M:%S"), "",
                     submit.strftime("%Y-%m-%d %H:%M:%S"), f"{rng.getrandbits(40):010x}", ""])
    _write_csv(path, header, rows)


def write_all(out: Path, seed: int, start: dt.datetime | None = None, days: int | None = None) -> None:
    """Write the six extra vendor files into ``out`` (deterministic for a seed), dated over ``days``
    (default DAYS) from ``start``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    writers = [("twilio_calls.csv", write_twilio), ("aircall_calls.csv", write_aircall),
               ("call_sheet.xlsx", write_call_sheet), ("delighted_nps.csv", write_delighted),
               ("surveymonkey_csat.csv", write_surveymonkey), ("typeform_ces.csv", write_typeform)]
    for offset, (name, writer) in enumerate(writers):
        # one stream per file: each is stable on its own
        writer(out / name, random.Random(seed * 1000 + offset), start=START if start is None else start.replace(hour=8),
               days=days or DAYS)
