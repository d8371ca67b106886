"""The sample-data generator: determinism, exact export shapes, visible seasonality, and the churn
truth (each customer's injected negatives K_i recomputed independently from the frames)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tomllib
from pathlib import Path

import polars as pl
import pytest

from sample_data.generate import generate, simulate

ROOT = Path(__file__).resolve().parents[1]
TZ = "America/New_York"
MY_FILES = ["zendesk_tickets.csv", "asterisk_Master.csv", "survey_responses.csv", "customers.csv", "truth.json"]


@pytest.fixture(scope="module")
def world():
    return simulate(seed=7, tickets=3000)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample42")
    generate(path, seed=42, tickets=3000)
    return path


def _local(col: str) -> pl.Expr:
    return pl.col(col).dt.replace_time_zone("UTC").dt.convert_time_zone(TZ)


# ---------------------------------------------------------------------------------------------
# Determinism and shapes
# ---------------------------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes_and_another_seed_differs(out, tmp_path):
    generate(tmp_path / "again", seed=42, tickets=3000)
    for name in MY_FILES:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    generate(tmp_path / "other", seed=43, tickets=3000)
    assert (out / "zendesk_tickets.csv").read_bytes() != (tmp_path / "other" / "zendesk_tickets.csv").read_bytes()


def test_world_frames_have_the_canonical_columns_and_types(world):
    from loaders import schema

    for name in ("tickets", "calls", "surveys", "customers"):
        frame = getattr(world, name)
        assert frame.schema == pl.Schema(schema.polars_schema(name)), name
        for col in schema.required_columns(name):
            assert frame[col].null_count() == 0, (name, col)
        assert frame["source_id"].n_unique() == frame.height, name


def test_headers_are_exactly_the_vendor_shapes(out):
    def header(name):
        return (out / name).read_text(encoding="utf-8").split("\n", 1)[0]

    assert header("zendesk_tickets.csv") == (
        "Summation column,ID,Requester,Requester id,Requester external id,Requester email,Requester domain,Submitter,"
        "Assignee,Group,Subject,Tags,Status,Priority,Via,Ticket type,Created at,Updated at,Assigned at,Organization,"
        "Due date,Initially assigned at,Solved at,Resolution time,Satisfaction Score,Group stations,Assignee stations,"
        "Reopens,Replies,First reply time in minutes,First reply time in minutes within business hours,"
        "First resolution time in minutes,First resolution time in minutes within business hours,"
        "Full resolution time in minutes,Full resolution time in minutes within business hours,"
        "Agent wait time in minutes,Agent wait time in minutes within business hours,Requester wait time in minutes,"
        "Requester wait time in minutes within business hours,On hold time in minutes,"
        "On hold time in minutes within business hours,Category")
    assert header("survey_responses.csv") == ("Response ID,Survey,Question,Score,Submitted At,Ticket ID,Customer ID,"
                                              "Agent,Team,Channel,Comment")
    assert header("customers.csv") == ("Customer ID,Name,Segment,Plan,Start Date,Status,Churn Date,Churn Category,"
                                       "Churn Reason,Monthly Revenue,Total Revenue,Currency")


def test_zendesk_values_look_like_a_zendesk_export(out):
    rows = list(csv.DictReader(io.StringIO((out / "zendesk_tickets.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 3000
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    assert all(stamp.match(r["Created at"]) for r in rows)
    assert {r["Status"] for r in rows} <= {"New", "Open", "Pending", "On-hold", "Solved", "Closed"}
    assert {r["Priority"] for r in rows} == {"Urgent", "High", "Normal", "Low", ""}
    assert {r["Via"] for r in rows} == {"Email", "Web Form", "Chat", "Phone call (inbound)", "API"}
    assert {r["Satisfaction Score"] for r in rows} == {"Good", "Bad", "Offered", "Unoffered"}
    assert any(re.fullmatch(r"C\d{5}", r["Organization"]) for r in rows)
    for r in rows:
        if r["First reply time in minutes"]:
            assert int(r["First reply time in minutes within business hours"]) <= int(r["First reply time in minutes"])
        if r["Full resolution time in minutes"]:
            assert int(r["First resolution time in minutes"]) <= int(r["Full resolution time in minutes"])


def test_zendesk_times_are_new_york_local(out):
    """Created at + First reply minutes of ticket 1001 match the world's UTC values shifted to New York."""
    world = simulate(seed=42, tickets=3000)
    row = next(csv.DictReader(io.StringIO((out / "zendesk_tickets.csv").read_text(encoding="utf-8"))))
    ticket = world.tickets.filter(pl.col("source_id") == row["ID"]).row(0, named=True)
    from zoneinfo import ZoneInfo

    local = ticket["created_at"].replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(TZ))
    assert row["Created at"] == local.strftime("%Y-%m-%d %H:%M:%S")
    minutes = (ticket["first_response_at"] - ticket["created_at"]).total_seconds() / 60
    assert int(row["First reply time in minutes"]) == round(minutes)


def test_asterisk_master_csv_is_headerless_cdr_csv(out):
    text = (out / "asterisk_Master.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert all(len(r) == 18 for r in rows)
    assert rows[0][0] != "accountcode"  # no header
    assert {r[14] for r in rows} <= {"ANSWERED", "NO ANSWER", "BUSY", "FAILED"}
    assert {r[15] for r in rows} == {"DOCUMENTATION"}
    assert all(re.fullmatch(r"\d{10}\.\d+", r[16]) for r in rows)
    # cdr_csv quotes every text field and leaves duration, billsec bare.
    line = text.split("\n", 1)[0]
    assert re.fullmatch(r'("[^"]*(""[^"]*)*",){12}\d+,\d+,("[^"]*",){3}""', line), line
    for r in rows:
        start = dt.datetime.fromisoformat(r[9])
        end = dt.datetime.fromisoformat(r[11])
        assert int(r[12]) == (end - start).total_seconds()  # duration = end - start (no DST switch mid-call)
        if r[10]:
            assert int(r[13]) == (end - dt.datetime.fromisoformat(r[10])).total_seconds()  # billsec = end - answer
        else:
            assert r[13] == "0" and r[6] == ""
        if r[6]:
            assert re.fullmatch(r"SIP/[a-z]+-[0-9a-f]{8}", r[6])


def test_surveys_and_customers_files(out):
    surveys = list(csv.DictReader(io.StringIO((out / "survey_responses.csv").read_text(encoding="utf-8"))))
    assert {r["Survey"] for r in surveys} == {"CSAT", "NPS", "CES"}
    assert all(r["Submitted At"].endswith("Z") for r in surveys)
    ranges = {"CSAT": range(1, 6), "NPS": range(0, 11), "CES": range(1, 8)}
    assert all(int(r["Score"]) in ranges[r["Survey"]] for r in surveys)
    comments = [r["Comment"] for r in surveys if r["Comment"]]
    assert any("\n" in c for c in comments) and any("," in c for c in comments)
    assert any(re.search("[а-яА-Я]", c) for c in comments)
    customers = list(csv.DictReader(io.StringIO((out / "customers.csv").read_text(encoding="utf-8"))))
    assert len(customers) == 250  # 3000 tickets / 12
    for r in customers:
        assert (r["Status"] == "Churned") == bool(r["Churn Date"])
        assert re.fullmatch(r"\d+\.\d{2}", r["Monthly Revenue"]) and r["Currency"] == "USD"


def test_truth_json_matches_the_files(out):
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 42 and truth["tickets_requested"] == 3000
    assert truth["timezone"] == TZ and truth["window_days"] == 90 and truth["observation_end"] == "2026-11-22"
    assert truth["counts"]["tickets"] == 3000
    calls = (out / "asterisk_Master.csv").read_text(encoding="utf-8").count("\n")
    assert truth["counts"]["calls"] == calls
    k = truth["kpis"]
    assert k["calls_offered"] == k["calls_answered"] + k["calls_abandoned"]
    assert k["calls_offered"] + k["calls_busy"] + k["calls_failed"] == calls


# ---------------------------------------------------------------------------------------------
# Realism: seasonality, off-hours replies, reopens, backlog, calls
# ---------------------------------------------------------------------------------------------

def test_weekday_and_daytime_volume(world):
    t = world.tickets.with_columns(_local("created_at").alias("local")).with_columns(
        pl.col("local").dt.weekday().alias("dow"), pl.col("local").dt.hour().alias("hour"))
    weekdays = t.filter(pl.col("dow") <= 5).height / 5  # per weekday (Mon..Fri)
    weekends = t.filter(pl.col("dow") >= 6).height / 2
    assert weekdays > 1.5 * weekends
    day = t.filter(pl.col("hour").is_between(10, 15)).height  # 6 hours
    night = t.filter(pl.col("hour").is_between(0, 5)).height  # 6 hours
    assert day > 4 * night


def test_off_hours_tickets_wait_longer_for_a_first_reply(world):
    t = world.tickets.filter(pl.col("first_response_at").is_not_null()).with_columns(
        _local("created_at").alias("local"),
        ((pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds() / 60).alias("frt"))
    inside = (pl.col("local").dt.weekday() <= 5) & pl.col("local").dt.hour().is_between(9, 17)
    in_hours = t.filter(inside)["frt"].median()
    off_hours = t.filter(~inside)["frt"].median()
    assert off_hours > 2 * in_hours


def test_slow_teams_reply_slower(world):
    frt = (pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds() / 60
    by_team = dict(world.tickets.group_by("team").agg(frt.median()).iter_rows())
    assert by_team["Tier 2"] > by_team["Onboarding"] and by_team["Billing"] > by_team["Accounts"]


def test_reopens_backlog_and_agent_created(world):
    t = world.tickets
    solved = t.filter(pl.col("solved_at").is_not_null())
    assert 0.05 < (solved["reopens"] > 0).mean() < 0.12  # ~8 %
    open_ = t.filter(~pl.col("status").is_in(["solved", "closed"]))
    assert open_.height > 0
    assert open_.filter(pl.col("first_response_at").is_null()).height > 0  # unreplied backlog, past its SLA
    assert 0 < t["created_by_agent"].sum() < 0.1 * t.height


def test_abandonment_rises_with_wait(world):
    offered = world.calls.filter(pl.col("outcome").is_in(["answered", "abandoned"]) & (pl.col("wait_seconds") >= 5))
    rates = []
    for lo, hi in ((5, 30), (30, 120), (120, 10 ** 9)):
        bucket = offered.filter(pl.col("wait_seconds").is_between(lo, hi, closed="left"))
        rates.append((bucket["outcome"] == "abandoned").mean())
    assert rates[0] < rates[1] < rates[2]
    short = world.calls.filter((pl.col("outcome") == "abandoned") & (pl.col("wait_seconds") < 5))
    assert short.height > 0


# ---------------------------------------------------------------------------------------------
# Churn truth
# ---------------------------------------------------------------------------------------------

def _settings() -> dict:
    with open(ROOT / "settings.default.toml", "rb") as fh:
        return tomllib.load(fh)


def _negatives_per_customer(world, start_shift_days: int = 0, end_shift_days: int = 0) -> pl.DataFrame:
    """Negative experiences in the window before each outcome, recomputed from the frames with the
    default definitions (written out here, independently of the generator's code)."""
    settings = _settings()
    first_reply, resolution = {}, {}
    for policy in settings["sla"]["policies"]:
        values = policy["conditions"]["priority"]
        for value in [values] if isinstance(values, str) else values:
            first_reply.setdefault(value, policy["first_reply_minutes"])
            resolution.setdefault(value, policy["resolution_minutes"])
    export = dt.datetime.fromisoformat(world.truth["export_at_utc"])
    t = world.tickets.with_columns(pl.col("priority").fill_null(""))
    elapsed_reply = (pl.col("first_response_at").fill_null(export) - pl.col("created_at")).dt.total_seconds() / 60
    elapsed_solve = (pl.col("solved_at").fill_null(export) - pl.col("created_at")).dt.total_seconds() / 60
    breach = ((elapsed_reply > pl.col("priority").replace_strict(first_reply, return_dtype=pl.Float64))
              | (elapsed_solve > pl.col("priority").replace_strict(resolution, return_dtype=pl.Float64)))
    slow = ((pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds() / 3600
            > settings["churn"]["negative"]["slow_first_reply_hours"]).fill_null(False)
    bad_tickets = t.filter(breach | slow | (pl.col("reopens") > 0) | (pl.col("satisfaction") == "bad"))
    bad_surveys = world.surveys.filter(pl.col("ticket_id").is_null() & (
        ((pl.col("kind") == "csat") & (pl.col("score") <= settings["churn"]["negative"]["bad_csat_max"]))
        | ((pl.col("kind") == "nps") & (pl.col("score") <= 6))))
    abandoned = world.calls.filter((pl.col("outcome") == "abandoned")
                                   & (pl.col("wait_seconds") >= settings["metrics"]["short_abandon_seconds"]))
    contacts = pl.concat([bad_tickets.select("customer_id", pl.col("created_at").alias("at")),
                          bad_surveys.select("customer_id", pl.col("responded_at").alias("at")),
                          abandoned.select("customer_id", pl.col("queued_at").alias("at"))]
                         ).filter(pl.col("customer_id").is_not_null())
    window = settings["churn"]["window_days"]
    outcome = world.customers.select(
        pl.col("source_id").alias("customer_id"),
        pl.when(pl.col("churned")).then(pl.col("churned_at").cast(pl.Datetime("us")) + pl.duration(days=1))
        .otherwise(pl.lit(export)).alias("outcome_end"))
    joined = outcome.join(contacts, on="customer_id", how="left").with_columns(
        ((pl.col("at") >= pl.col("outcome_end") - pl.duration(days=window + start_shift_days))
         & (pl.col("at") < pl.col("outcome_end") + pl.duration(days=end_shift_days))).fill_null(False).alias("inside"))
    return joined.group_by("customer_id").agg(pl.col("inside").sum().alias("found"))


@pytest.mark.parametrize("start_shift, end_shift", [(0, 0), (2, 0), (-2, 0), (0, -1), (0, 2)])
def test_every_customer_has_exactly_k_negatives_in_the_window(world, start_shift, end_shift):
    """The key property: with the default definitions, the negatives found in the 90 days before each
    customer's outcome equal the injected K_i, whatever the boundary convention (+-2 days at the
    start, -1..+2 days at the end)."""
    found = _negatives_per_customer(world, start_shift, end_shift)
    check = world.exposure.join(found, on="customer_id", how="left")
    wrong = check.filter(pl.col("found") != pl.col("negatives"))
    assert wrong.height == 0, wrong.head(10)
    assert check["negatives"].sum() > 50  # the property is not vacuous


def test_churners_have_no_contact_after_their_churn_date(world):
    churn = world.customers.filter(pl.col("churned")).select(pl.col("source_id").alias("customer_id"), "churned_at")
    times = pl.concat([world.tickets.select("customer_id", pl.col("created_at").alias("at")),
                       world.tickets.select("customer_id", pl.col("solved_at").alias("at")),
                       world.calls.select("customer_id", pl.col("ended_at").alias("at")),
                       world.surveys.select("customer_id", pl.col("responded_at").alias("at"))]).drop_nulls()
    late = times.join(churn, on="customer_id").filter(pl.col("at") >= pl.col("churned_at").cast(pl.Datetime("us")))
    assert late.height == 0


def test_churn_truth_is_consistent_with_the_frames(world):
    truth = world.truth["churn"]
    exposure = world.exposure
    assert truth["customers"] == world.customers.height == 250
    assert truth["churned"] == world.customers["churned"].sum()
    assert truth["exposed"] == (exposure["negatives"] > 0).sum()
    assert truth["churned"] == truth["churned_exposed"] + truth["churned_unexposed"]
    assert 0 < truth["true_attributable_churned"] <= truth["churned_exposed"]
    # Support-caused churners are all exposed, and mostly state a support reason.
    caused = exposure.filter(pl.col("churn_cause") == "support")
    assert (caused["negatives"] > 0).all()
    reasons = world.customers.join(caused.select(pl.col("customer_id").alias("source_id")), on="source_id")
    assert set(reasons["churn_category"].drop_nulls()) <= {"Dissatisfaction", "Attitude"}
    # Confounding: Basic customers are exposed more often than Enterprise ones.
    plans = truth["by_plan"]
    assert plans["Basic"]["exposed"] / plans["Basic"]["customers"] > plans["Enterprise"]["exposed"] / plans["Enterprise"]["customers"]
    assert sum(p["customers"] for p in plans.values()) == 250


def test_no_churn_effect_means_no_attributable_churn():
    world = simulate(seed=7, tickets=3000, churn_effect=0)
    assert world.truth["churn"]["true_attributable_churned"] == 0
    assert world.exposure.filter(pl.col("churn_cause") == "support").height == 0
    assert world.truth["churn"]["churned"] > 0


def test_kpis_in_truth_are_computed_from_the_frames(world):
    k = world.truth["kpis"]
    t, calls = world.tickets, world.calls
    assert k["tickets"] == t.height == 3000
    assert k["backlog"] == t.filter(~pl.col("status").is_in(["solved", "closed"])).height
    assert k["calls_answered"] == calls.filter(pl.col("outcome") == "answered").height
    assert k["short_abandons"] == calls.filter((pl.col("outcome") == "abandoned") & (pl.col("wait_seconds") < 5)).height
    frt = ((t["first_response_at"] - t["created_at"]).dt.total_seconds() / 60).drop_nulls().sort()
    # median of an even count (all 3000 replied or not) is the mean of the two middle values
    assert k["frt_median_minutes"] == pytest.approx(frt.median(), abs=1e-5)


def test_real_loaders_and_churn_module_recover_the_injected_exposure(out, tmp_path):
    """End to end: the four files through the real adapters, then metrics/churn.py. The exposed
    and churned counts it measures must be the injected ones (truth.json)."""
    churn = pytest.importorskip("metrics.churn")
    import metrics  # noqa: F401  registers the derived-table hooks (ticket_metrics)
    from loaders.base import LoadOptions
    from loaders.store import Store

    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    store = Store(tmp_path / "sample.duckdb")
    files = [out / name for name in MY_FILES if name != "truth.json"]
    reports = store.load_files(files, LoadOptions(tz=truth["timezone"]))
    assert all(r.status != "failed" and not r.rows_rejected for r in reports), [r.text() for r in reports]
    result = churn.analyse(store.cursor()).to_dict()
    crude = result["crude"]
    assert result["customers"] == truth["churn"]["customers"]
    assert result["churned"] == truth["churn"]["churned"]
    assert crude["exposed"]["customers"] == truth["churn"]["exposed"]
    assert crude["exposed"]["churned"] == truth["churn"]["churned_exposed"]
    assert crude["unexposed"]["churned"] == truth["churn"]["churned_unexposed"]
