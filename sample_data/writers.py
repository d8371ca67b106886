"""Write a simulated world as the files real systems export: a Zendesk ticket CSV, an Asterisk
Master.csv, a survey-tool CSV and a CRM customer list. Column names and value formats follow the
vendors' own exports (see sample_data/README.md); the loaders detect each file from its header."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from sample_data import vocab as V
from sample_data.clock import TZ
from sample_data.world import World

ZENDESK_HEADER = [
    "Summation column", "ID", "Requester", "Requester id", "Requester external id", "Requester email",
    "Requester domain", "Submitter", "Assignee", "Group", "Subject", "Tags", "Status", "Priority", "Via",
    "Ticket type", "Created at", "Updated at", "Assigned at", "Organization", "Due date", "Initially assigned at",
    "Solved at", "Resolution time", "Satisfaction Score", "Group stations", "Assignee stations", "Reopens",
    "Replies", "First reply time in minutes", "First reply time in minutes within business hours",
    "First resolution time in minutes", "First resolution time in minutes within business hours",
    "Full resolution time in minutes", "Full resolution time in minutes within business hours",
    "Agent wait time in minutes", "Agent wait time in minutes within business hours",
    "Requester wait time in minutes", "Requester wait time in minutes within business hours",
    "On hold time in minutes", "On hold time in minutes within business hours", "Category",
]
ASTERISK_FIELDS = ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
                   "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield"]
SURVEY_HEADER = ["Response ID", "Survey", "Question", "Score", "Submitted At", "Ticket ID", "Customer ID", "Agent",
                 "Team", "Channel", "Comment"]
CUSTOMER_HEADER = ["Customer ID", "Name", "Segment", "Plan", "Start Date", "Status", "Churn Date", "Churn Category",
                   "Churn Reason", "Monthly Revenue", "Total Revenue", "Currency"]

FILES = {"tickets": "zendesk_tickets.csv", "calls": "asterisk_Master.csv", "surveys": "survey_responses.csv",
         "customers": "customers.csv"}


def _local(col: str) -> pl.Expr:
    """A UTC-naive timestamp as New York local time, the way Zendesk and Asterisk print it."""
    return pl.col(col).dt.replace_time_zone("UTC").dt.convert_time_zone(TZ).dt.strftime("%Y-%m-%d %H:%M:%S")


def _label(expr: pl.Expr, mapping: dict) -> pl.Expr:
    return expr.replace_strict(mapping, default=None, return_dtype=pl.String)


def _money(col: str) -> pl.Expr:
    cents = (pl.col(col) * 100).round().cast(pl.Int64)
    return (cents // 100).cast(pl.String) + "." + (cents % 100).cast(pl.String).str.zfill(2)


def _hex8(expr: pl.Expr) -> pl.Expr:
    digits = [((expr // (16 ** k)) % 16) for k in range(7, -1, -1)]
    table = {i: c for i, c in enumerate("0123456789abcdef")}
    return pl.concat_str([_label(d, table) for d in digits])


def _people(person: pl.Expr, owner: pl.Expr, customer_domain: pl.Expr) -> dict[str, pl.Expr]:
    """Requester name, id and e-mail from a person number (customers' people >= 0, others < 0)."""
    anonymous = person < 0
    p = pl.when(anonymous).then(-person).otherwise(person)
    mixed = (p * 2_654_435_761) % (2 ** 32)
    first = _label(mixed % len(V.FIRST_NAMES), dict(enumerate(V.FIRST_NAMES)))
    last = _label((mixed // len(V.FIRST_NAMES)) % len(V.LAST_NAMES), dict(enumerate(V.LAST_NAMES)))
    public = _label(p % len(V.PUBLIC_MAIL), dict(enumerate(V.PUBLIC_MAIL)))
    domain = pl.when(anonymous).then(public).otherwise(customer_domain)
    local = (first + "." + last).str.to_lowercase()
    local = pl.when(anonymous).then(local + p.cast(pl.String)).otherwise(local)
    return {
        "name": first + " " + last,
        "id": pl.when(anonymous).then(362_000_000_000 + p).otherwise(361_000_000_000 + p).cast(pl.String),
        "email": local + "@" + domain,
        "domain": domain,
    }


def _customer_domains(world: World) -> pl.DataFrame:
    words = world.customers["name"].str.split(" ")
    slug = (words.list.get(0) + words.list.get(1)).str.to_lowercase() + ".com"
    return pl.DataFrame({"_owner": np.arange(world.customers.height, dtype=np.int64), "_domain": slug})


def write_zendesk(world: World, path: Path) -> None:
    frame = world.tickets.join(world.ticket_details, on="source_id", how="left", maintain_order="left")
    frame = frame.join(_customer_domains(world), on="_owner", how="left", maintain_order="left")
    person = _people(pl.col("_person"), pl.col("_owner"), pl.col("_domain"))

    def minutes(col: str) -> pl.Expr:
        return pl.col(col).round().cast(pl.Int64)

    out = frame.select(
        pl.lit(None, pl.String).alias("Summation column"),
        pl.col("source_id").alias("ID"),
        person["name"].alias("Requester"),
        person["id"].alias("Requester id"),
        pl.lit(None, pl.String).alias("Requester external id"),
        person["email"].alias("Requester email"),
        person["domain"].alias("Requester domain"),
        pl.when(pl.col("created_by_agent")).then(pl.col("agent").fill_null(pl.col("team"))).otherwise(person["name"])
        .alias("Submitter"),
        pl.col("agent").alias("Assignee"),
        pl.col("team").alias("Group"),
        pl.col("subject").alias("Subject"),
        pl.col("tags").alias("Tags"),
        _label(pl.col("status"), {"new": "New", "open": "Open", "pending": "Pending", "on_hold": "On-hold",
                                  "solved": "Solved", "closed": "Closed"}).alias("Status"),
        _label(pl.col("priority"), {"urgent": "Urgent", "high": "High", "normal": "Normal", "low": "Low"}).alias("Priority"),
        _label(pl.col("channel"), V.VIA).alias("Via"),
        pl.col("_ticket_type").alias("Ticket type"),
        _local("created_at").alias("Created at"),
        _local("updated_at").alias("Updated at"),
        _local("_assigned_at").alias("Assigned at"),
        pl.col("customer_id").alias("Organization"),
        pl.lit(None, pl.String).alias("Due date"),
        _local("_assigned_at").alias("Initially assigned at"),
        _local("solved_at").alias("Solved at"),
        (pl.col("vendor_full_resolution_minutes") / 60).round().cast(pl.Int64).alias("Resolution time"),
        _label(pl.col("satisfaction"), {"good": "Good", "bad": "Bad", "offered": "Offered", "unoffered": "Unoffered"})
        .alias("Satisfaction Score"),
        pl.col("_group_stations").alias("Group stations"),
        pl.col("_assignee_stations").alias("Assignee stations"),
        pl.col("reopens").alias("Reopens"),
        pl.col("replies").alias("Replies"),
        minutes("vendor_first_reply_minutes").alias("First reply time in minutes"),
        minutes("vendor_first_reply_business_minutes").alias("First reply time in minutes within business hours"),
        minutes("vendor_first_resolution_minutes").alias("First resolution time in minutes"),
        minutes("vendor_first_resolution_business_minutes").alias("First resolution time in minutes within business hours"),
        minutes("vendor_full_resolution_minutes").alias("Full resolution time in minutes"),
        minutes("vendor_full_resolution_business_minutes").alias("Full resolution time in minutes within business hours"),
        minutes("vendor_agent_wait_minutes").alias("Agent wait time in minutes"),
        minutes("_agent_wait_business").alias("Agent wait time in minutes within business hours"),
        minutes("vendor_requester_wait_minutes").alias("Requester wait time in minutes"),
        minutes("_requester_wait_business").alias("Requester wait time in minutes within business hours"),
        minutes("vendor_on_hold_minutes").alias("On hold time in minutes"),
        minutes("_on_hold_business").alias("On hold time in minutes within business hours"),
        pl.col("category").alias("Category"),
    )
    assert out.columns == ZENDESK_HEADER
    out.write_csv(path)


def write_asterisk(world: World, path: Path) -> None:
    """Headerless cdr_csv Master.csv: every text field quoted, duration and billsec bare integers
    (as cdr_csv.c writes them). Unanswered calls: empty answer, NO ANSWER; a quarter of the
    abandons are Queue() calls the PBX answered with no agent (ANSWERED, empty dstchannel)."""
    frame = world.calls.join(world.call_details, on="source_id", how="left", maintain_order="left")
    frame = frame.join(_customer_domains(world), on="_owner", how="left", maintain_order="left")
    person = _people(pl.col("_person"), pl.col("_owner"), pl.col("_domain"))
    counter = pl.int_range(0, pl.len(), dtype=pl.Int64) * 2 + 0x1000
    answered = pl.col("outcome") == "answered"
    pbx = pl.col("_pbx_answered")
    queued_s = pl.col("queued_at").cast(pl.Int64) // 1_000_000
    ended_s = pl.col("ended_at").cast(pl.Int64) // 1_000_000
    answered_s = pl.col("answered_at").cast(pl.Int64) // 1_000_000
    out = frame.select(
        pl.col("customer_id").fill_null("").alias("accountcode"),
        pl.col("caller").alias("src"),
        _label(pl.col("queue"), V.QUEUE_EXTENSION).alias("dst"),
        pl.lit("from-pstn").alias("dcontext"),
        ('"' + person["name"] + '" <' + pl.col("caller") + ">").alias("clid"),
        ("SIP/trunk-" + _hex8(counter)).alias("channel"),
        pl.when(answered).then("SIP/" + pl.col("agent") + "-" + _hex8(counter + 1)).otherwise(pl.lit("")).alias("dstchannel"),
        pl.lit("Queue").alias("lastapp"),
        pl.col("queue").alias("lastdata"),
        _local("queued_at").alias("start"),
        pl.when(answered).then(_local("answered_at")).when(pbx).then(_local("queued_at")).otherwise(pl.lit("")).alias("answer"),
        _local("ended_at").alias("end"),
        (ended_s - queued_s).alias("duration"),
        pl.when(answered).then(ended_s - answered_s).when(pbx).then(ended_s - queued_s).otherwise(0).alias("billsec"),
        pl.col("vendor_outcome").alias("disposition"),
        pl.lit("DOCUMENTATION").alias("amaflags"),
        pl.col("source_id").alias("uniqueid"),
        pl.lit("").alias("userfield"),
    )
    assert out.columns == ASTERISK_FIELDS
    out.write_csv(path, include_header=False, quote_style="non_numeric")


def write_surveys(world: World, path: Path) -> None:
    kinds = {"csat": "CSAT", "nps": "NPS", "ces": "CES"}
    out = world.surveys.select(
        pl.col("source_id").alias("Response ID"),
        _label(pl.col("kind"), kinds).alias("Survey"),
        _label(pl.col("kind"), {k: V.SURVEY_QUESTIONS[v] for k, v in kinds.items()}).alias("Question"),
        pl.col("score").cast(pl.Int64).alias("Score"),
        pl.col("responded_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("Submitted At"),
        pl.col("ticket_id").alias("Ticket ID"),
        pl.col("customer_id").alias("Customer ID"),
        pl.col("agent").alias("Agent"),
        pl.col("team").alias("Team"),
        pl.col("channel").alias("Channel"),
        pl.col("comment").alias("Comment"),
    )
    assert out.columns == SURVEY_HEADER
    out.write_csv(path)


def write_customers(world: World, path: Path) -> None:
    out = world.customers.select(
        pl.col("source_id").alias("Customer ID"),
        pl.col("name").alias("Name"),
        pl.col("segment").alias("Segment"),
        pl.col("plan").alias("Plan"),
        pl.col("started_at").dt.strftime("%Y-%m-%d").alias("Start Date"),
        pl.when(pl.col("churned")).then(pl.lit("Churned")).otherwise(pl.lit("Active")).alias("Status"),
        pl.col("churned_at").dt.strftime("%Y-%m-%d").alias("Churn Date"),
        pl.col("churn_category").alias("Churn Category"),
        pl.col("churn_reason").alias("Churn Reason"),
        _money("monthly_revenue").alias("Monthly Revenue"),
        _money("total_revenue").alias("Total Revenue"),
        pl.col("currency").alias("Currency"),
    )
    assert out.columns == CUSTOMER_HEADER
    out.write_csv(path)


def write_all(world: World, out: Path, only: tuple[str, ...] | None = None) -> dict[str, Path]:
    paths = {name: out / file for name, file in FILES.items() if only is None or name in only}
    writers = {"tickets": write_zendesk, "calls": write_asterisk, "surveys": write_surveys, "customers": write_customers}
    for name, path in paths.items():
        writers[name](world, path)
    return paths
