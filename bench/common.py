"""Helpers the scale benchmarks share: where big files live, generating exports, timing a command
with its peak memory, watching a folder's size, and the machine's description."""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SCRATCH = Path(os.environ.get("DESKSCOPE_BENCH_DIR", ROOT / "bench" / "results"))


def machine() -> str:
    import duckdb
    import polars

    load = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} CPUs, {mem:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}, Polars {polars.__version__}; load average {load[0]:.1f} at the start "
            f"(the machine is shared)")


def world(tickets: int, files: tuple[str, ...] = ("tickets",), gzip: bool = False, seed: int = 42) -> Path:
    """The sample generator's export of ``tickets`` tickets (written once, then reused)."""
    out = SCRATCH / f"world_{tickets}{'_gz' if gzip else ''}"
    truth = out / "truth.json"
    if truth.exists():
        data = json.loads(truth.read_text())
        wanted = set(files)
        have = set(data.get("files", {}) or ["tickets", "calls", "surveys", "customers"])
        if data.get("tickets_requested") == tickets and wanted <= have:
            return out
    out.mkdir(parents=True, exist_ok=True)
    cmd = [PY, "-m", "sample_data.generate", str(out), "--seed", str(seed), "--tickets", str(tickets), "--no-formats"]
    if set(files) != {"tickets", "calls", "surveys", "customers"}:
        cmd += ["--only", *files]
    if gzip:
        cmd.append("--gzip")
    print("generating:", " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)
    return out


def export_file(folder: Path, name: str = "tickets") -> Path:
    from sample_data.writers import FILES

    plain = folder / FILES[name]
    return plain if plain.exists() else folder / (FILES[name] + ".gz")


def rss_of_tree(pid: int) -> int:
    """Resident bytes of a process and its children (from /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


class Watch:
    """Samples a value (a folder's size, a process's memory) every ``every`` seconds in a thread."""

    def __init__(self, fn, every: float = 0.05):
        self.fn, self.every = fn, every
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.fn())
                self.samples += 1
            except Exception:
                pass
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        try:
            self.peak = max(self.peak, self.fn())
        except Exception:
            pass


def folder_bytes(folder: Path, prefix: str | None = None) -> int:
    total = 0
    for entry in os.scandir(folder):
        if prefix and not entry.name.startswith(prefix):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
            elif entry.is_dir(follow_symlinks=False):
                total += folder_bytes(Path(entry.path))
        except FileNotFoundError:
            pass
    return total


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path = ROOT, watch_dir: Path | None = None,
                 prefix: str | None = None) -> dict:
    """Run a command: wall seconds, its peak resident memory (process tree) and, with
    ``watch_dir``, the peak size of that folder (files starting with ``prefix``)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    mem = Watch(lambda: rss_of_tree(proc.pid), every=0.1)
    disk = Watch(lambda: folder_bytes(watch_dir, prefix), every=0.05) if watch_dir else None
    with mem:
        if disk:
            with disk:
                out, err = proc.communicate()
        else:
            out, err = proc.communicate()
    return {"seconds": time.perf_counter() - started, "peak_rss": mem.peak, "peak_disk": disk.peak if disk else None,
            "returncode": proc.returncode, "stdout": out, "stderr": err}


def median(values) -> float:
    return statistics.median(values)


def fmt_s(x: float) -> str:
    return f"{x:,.2f} s" if x < 100 else f"{x:,.0f} s"


def fmt_gb(n: int) -> str:
    return f"{n / 2**30:,.2f} GB"
