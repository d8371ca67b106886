"""Generate the sample exports: ``generate(out, seed, tickets)`` simulates a support world
(``sample_data.world.simulate``) and writes it as vendor-shaped files plus ``truth.json``.

Same seed and size -> byte-identical files. Run it directly::

    python -m sample_data.generate data/sample --seed 42 --tickets 50000

A world of more than ``CHUNK_TICKETS`` tickets is written in chunks, so that memory stays bounded
whatever the size (a chunk of 1M tickets peaks near 1.5 GB): chunk i is an independent world of
``seed * 1000 + i`` with its ids moved past the previous chunks' (ticket, call, survey and customer
ids stay unique and keep their formats), appended to the same files. Worlds up to ``CHUNK_TICKETS``
are written exactly as before; a chunked world is a different (larger) world, not the one
``simulate`` would hold in memory, and its ``truth.json`` sums the chunks' counts and lists each
chunk's own truth (medians do not add up).
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import shutil
from pathlib import Path

from sample_data.world import World, simulate  # noqa: F401  (re-exported: `from sample_data.generate import simulate`)

# Other generators that add one small export per vendor shape (Freshdesk, Jira, Twilio, ...) into
# ``out/formats/``, dated over the world's whole observation. `make run` loads them too
# (``cli.py demo --all-formats``); tests that check truth.json load only the world's files.
FORMATS_DIR = "formats"
OPTIONAL_WRITERS = ("sample_data.ticket_exports", "sample_data.contact_exports")


CHUNK_TICKETS = 1_000_000


def generate(out: Path, seed: int = 42, tickets: int = 50_000, chunk_tickets: int = CHUNK_TICKETS,
             files: tuple[str, ...] | None = None, compress: bool = False, formats: bool = True,
             on_progress=None) -> dict:
    """Write the world's exports into ``out``; returns the truth. ``files``: which of the world's
    files (tickets, calls, surveys, customers; default all); ``compress``: write them gzipped
    (``.csv.gz``: what a 100M-ticket export needs on a laptop's disk); ``formats``: also the small
    per-vendor exports; ``on_progress(tickets_written, tickets)`` after each chunk."""
    from sample_data.writers import write_all

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if tickets <= chunk_tickets and files is None and not compress:
        world = simulate(seed=seed, tickets=tickets)
        write_all(world, out)
        truth = world.truth
        del world
    else:
        truth = _generate_chunked(out, seed, tickets, chunk_tickets, files, compress, on_progress)
    (out / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not formats:
        return truth
    for name in OPTIONAL_WRITERS:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name != name:  # the module exists but something it imports is missing: a real error
                raise
            continue
        # spread over the world's whole observation: in its last weeks alone they made a step in
        # every volume trend of the demo dashboard
        first = dt.datetime.fromisoformat(truth["observation_start"])
        end = dt.datetime.fromisoformat(truth["observation_end"])
        module.write_all(out / FORMATS_DIR, seed, start=first, days=(end - first).days - 1)
    return truth


def _generate_chunked(out: Path, seed: int, tickets: int, chunk_tickets: int, files, compress: bool,
                      on_progress) -> dict:
    import gzip
    import math
    import tempfile

    from sample_data import writers

    names = tuple(files or writers.FILES)
    n_chunks = math.ceil(tickets / chunk_tickets)
    sizes = [tickets // n_chunks + (1 if i < tickets % n_chunks else 0) for i in range(n_chunks)]
    # customer ids are zero-padded to the width of the whole world's count (worlds keep ~1 per 12 tickets)
    width = max(5, len(str(max(30, round(tickets / 12)) + n_chunks * 30)))
    targets = {name: out / (writers.FILES[name] + (".gz" if compress else "")) for name in names}
    sinks = {name: (gzip.open(path, "wb", compresslevel=1) if compress else open(path, "wb"))
             for name, path in targets.items()}
    offsets = {"tickets": 0, "calls": 0, "surveys": 0, "customers": 0}
    parts, counts = [], {}
    try:
        with tempfile.TemporaryDirectory(prefix="deskscope-gen-", dir=out) as tmp:
            for i, size in enumerate(sizes):
                world = _relabel(simulate(seed=seed * 1000 + i, tickets=size), offsets, width)
                writers.write_all(world, Path(tmp), only=names)
                for name in names:
                    with open(Path(tmp) / writers.FILES[name], "rb") as fh:
                        if i and name != "calls":  # the Asterisk CDR has no header line
                            fh.readline()
                        shutil.copyfileobj(fh, sinks[name], 1 << 22)
                truth = world.truth
                parts.append({"seed": seed * 1000 + i, "tickets": size, "counts": truth["counts"], "kpis": truth["kpis"],
                              "churn": truth["churn"]})
                for key, value in truth["counts"].items():
                    if isinstance(value, int):
                        counts[key] = counts.get(key, 0) + value
                for key, frame in (("tickets", world.tickets), ("calls", world.calls), ("surveys", world.surveys),
                                   ("customers", world.customers)):
                    offsets[key] += frame.height
                first = first if i else truth
                del world
                if on_progress:
                    on_progress(sum(sizes[: i + 1]), tickets)
    finally:
        for sink in sinks.values():
            sink.close()
    merged = {k: v for k, v in first.items() if k not in ("counts", "kpis", "churn")}
    merged.update({"seed": seed, "tickets_requested": tickets, "counts": counts, "chunks": parts,
                   "files": {name: path.name for name, path in targets.items()},
                   "kpis": None, "churn": None,
                   "chunked": f"{n_chunks} independent worlds of {chunk_tickets:,} tickets at most (seed * 1000 + i); "
                              f"medians and churn figures are per chunk, in 'chunks'"})
    return merged


def _relabel(world: World, offsets: dict, width: int) -> World:
    """Move a chunk's ids past the previous chunks' (same formats: numeric ticket ids, C-numbered
    customers, R-numbered survey responses, Asterisk 'epoch.counter' call ids)."""
    import polars as pl

    t0, k0, s0, c0 = offsets["tickets"], offsets["calls"], offsets["surveys"], offsets["customers"]

    def ticket_id(col: str) -> pl.Expr:
        return (pl.col(col).cast(pl.Int64) + t0).cast(pl.String).alias(col)

    def customer_id(col: str) -> pl.Expr:
        return (pl.lit("C") + (pl.col(col).str.slice(1).cast(pl.Int64) + c0).cast(pl.String).str.zfill(width)).alias(col)

    def call_id(col: str) -> pl.Expr:
        parts = pl.col(col).str.split_exact(".", 1)
        return (parts.struct.field("field_0") + "." + (parts.struct.field("field_1").cast(pl.Int64) + k0)
                .cast(pl.String)).alias(col)

    def survey_id(col: str) -> pl.Expr:
        return (pl.lit("R") + (pl.col(col).str.slice(1).cast(pl.Int64) + s0).cast(pl.String).str.zfill(9)).alias(col)

    world.tickets = world.tickets.with_columns(ticket_id("source_id"), customer_id("customer_id"))
    world.ticket_details = world.ticket_details.with_columns(ticket_id("source_id"))
    world.calls = world.calls.with_columns(call_id("source_id"), customer_id("customer_id"))
    world.call_details = world.call_details.with_columns(call_id("source_id"))
    world.surveys = world.surveys.with_columns(survey_id("source_id"), ticket_id("ticket_id"), customer_id("customer_id"))
    world.customers = world.customers.with_columns(customer_id("source_id"))
    world.exposure = world.exposure.with_columns(customer_id("customer_id"))
    return world


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write deterministic sample support exports.")
    parser.add_argument("out", type=Path, nargs="?", default=Path("data/sample"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--only", nargs="+", choices=["tickets", "calls", "surveys", "customers"],
                        help="write only these files of the world (e.g. --only tickets for a load benchmark)")
    parser.add_argument("--gzip", action="store_true", help="write the world's files gzipped (.csv.gz)")
    parser.add_argument("--no-formats", action="store_true", help="skip the small per-vendor exports in formats/")
    args = parser.parse_args(argv)

    def progress(done: int, total: int) -> None:
        print(f"  {done:,} of {total:,} tickets written", flush=True)

    truth = generate(args.out, seed=args.seed, tickets=args.tickets, files=tuple(args.only) if args.only else None,
                     compress=args.gzip, formats=not args.no_formats, on_progress=progress)
    print(f"wrote {args.out}: {truth['counts']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
