"""Run CLI commands each in its own process under a memory limit, and measure them.

    python tests/badinput/runner.py JOBS.json RESULTS.json

JOBS.json: a list of {"name", "argv", "cwd"}. The runner imports Deskscope once, then forks one
child per job (two at a time): the child sets RLIMIT_AS (default 4 GiB, $BADINPUT_MEMORY_LIMIT),
sends stdout/stderr to files and runs ``cli.main(argv)``. The parent reads the child's peak
resident memory from ``wait4``. Forking after the imports keeps each job from paying Python's
start-up, and nothing has started a thread pool before the fork: the parent only imports.
RESULTS.json: per job {"name", "exit", "stdout", "stderr", "max_rss_mb", "seconds", "signal"}.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# The address-space limit is a safety net against a runaway load, not the measure: the measure is
# the peak resident memory each test asserts (under 2 GiB). Address space counts memory reserved
# and never touched: the 10,000-column case reserves 3.0 GB for 0.36 GB resident (VmPeak against
# VmHWM, two DuckDB threads), so a 2 GiB address-space limit failed it with "Out of Memory" while
# it used a sixth of that.
LIMIT = int(os.environ.get("BADINPUT_MEMORY_LIMIT", str(4 << 30)))
PARALLEL = int(os.environ.get("BADINPUT_PARALLEL", "2"))


def _child(job: dict, out: Path, err: Path) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
        os.chdir(job.get("cwd") or ROOT)
        for fd, path in ((1, out), (2, err)):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(f, fd)
            os.close(f)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        for key, value in (job.get("env") or {}).items():
            os.environ[key] = value
        import cli

        code = cli.main(job["argv"])
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 0)
    except BaseException as exc:  # a traceback is a finding: the test reads it from stderr
        import traceback

        try:
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(99 if not isinstance(exc, MemoryError) else 98)


def main(jobs_path: str, results_path: str) -> int:
    import cli  # noqa: F401  everything the jobs need, imported once
    import loaders.adapters  # noqa: F401
    import loaders.generic  # noqa: F401
    import metrics  # noqa: F401
    import reports.commands  # noqa: F401
    from loaders import registry

    registry.adapters()
    jobs = json.loads(Path(jobs_path).read_text())
    work = Path(tempfile.mkdtemp(prefix="badinput-run-"))
    results, running, queue = [], {}, list(enumerate(jobs))
    while queue or running:
        while queue and len(running) < PARALLEL:
            i, job = queue.pop(0)
            out, err = work / f"{i}.out", work / f"{i}.err"
            pid = os.fork()
            if pid == 0:
                _child(job, out, err)
            running[pid] = (i, job, out, err, time.monotonic())
        pid, status, usage = os.wait4(-1, 0)
        if pid not in running:
            continue
        i, job, out, err, started = running.pop(pid)
        results.append({"index": i, "name": job["name"],
                        "exit": os.waitstatus_to_exitcode(status),
                        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                        "stdout": out.read_text(encoding="utf-8", errors="replace"),
                        "stderr": err.read_text(encoding="utf-8", errors="replace"),
                        "max_rss_mb": usage.ru_maxrss / 1024, "seconds": round(time.monotonic() - started, 2)})
    results.sort(key=lambda r: r["index"])
    Path(results_path).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
