"""Generate the sample exports: ``generate(out, seed, tickets)`` simulates a support world
(``sample_data.world.simulate``) and writes it as vendor-shaped files plus ``truth.json``.

Same seed and size -> byte-identical files. Run it directly::

    python -m sample_data.generate data/sample --seed 42 --tickets 50000
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
from pathlib import Path

from sample_data.world import World, simulate  # noqa: F401  (re-exported: `from sample_data.generate import simulate`)

# Other generators that add one small export per vendor shape (Freshdesk, Jira, Twilio, ...) into
# ``out/formats/``, dated over the world's whole observation. `make run` loads them too
# (``cli.py demo --all-formats``); tests that check truth.json load only the world's files.
FORMATS_DIR = "formats"
OPTIONAL_WRITERS = ("sample_data.ticket_exports", "sample_data.contact_exports")


def generate(out: Path, seed: int = 42, tickets: int = 50_000) -> dict:
    from sample_data.writers import write_all

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = simulate(seed=seed, tickets=tickets)
    write_all(world, out)
    truth = world.truth
    (out / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write deterministic sample support exports.")
    parser.add_argument("out", type=Path, nargs="?", default=Path("data/sample"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tickets", type=int, default=50_000)
    args = parser.parse_args(argv)
    truth = generate(args.out, seed=args.seed, tickets=args.tickets)
    print(f"wrote {args.out}: {truth['counts']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
