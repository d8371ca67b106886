"""The dashboard's one data module: the store connection and every cached result.

* The ``Store`` lives in ``st.cache_resource`` keyed by the database path; its reader reopens
  by itself when a writer publishes a new file.
* Every result is cached with ``st.cache_data`` keyed by (inputs, database version, settings
  fingerprint: a hash of the settings' content, ``settings_stamp()``): a rerun whose inputs did
  not change runs no query, a load or a settings change recomputes. Only small results are cached (dicts, aggregates, drill pages of at most
  ``limit`` rows) — ``st.cache_data`` pickles a copy on every hit.
* Pages call these functions and never touch SQL; the numbers come from ``metrics/*``.
* The reader's team scope (ui/access.py) is part of every cache key: ``ui.filters.key()`` adds it
  to the filter state, and the functions without one (status, filter values, churn, data quality)
  take it as an argument. A result computed for one reader is never served to another whose
  scope differs. Code that writes (loads, removals, recompute, settings) calls
  ``access.require`` right before it acts.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Callable

import polars as pl
import streamlit as st

from loaders.store import Store, resolve_db_path
from ui import access

log = logging.getLogger("deskscope.ui")
Params = tuple  # the filter state: sorted ((name, value), ...) + ((SCOPE_PARAM, scope),) from ui.filters.key
SCOPE_PARAM = "_scope"  # the reader's team scope inside a filter key (never a URL parameter)
CACHE = dict(show_spinner=False, max_entries=512)
# Drill pages hold rows (up to ``limit`` each): few of them, so the server keeps to its memory budget.
ROWS_CACHE = dict(show_spinner=False, max_entries=16)
DIMENSION_TABLES = {"segment": "customers"}


# ---------------------------------------------------------------- connection
@st.cache_resource(show_spinner=False)
def _store(db_path: str) -> Store:
    try:
        import metrics  # noqa: F401  registers the derived-table hooks the writer runs
    except ModuleNotFoundError as exc:
        if exc.name != "metrics":
            raise
    return Store(db_path)


def db_path() -> str:
    return str(resolve_db_path().absolute())


def store() -> Store:
    return _store(db_path())


def version() -> tuple | None:
    """Changes whenever a writer publishes a new database file (os.stat only, no query)."""
    return store().version()


_FINGERPRINTS: dict[tuple, str] = {}


def settings_stamp() -> str:
    """A hash of the settings in force (defaults overlaid with the user's file): every cached
    result takes it as an argument (``settings_fp``, no leading underscore, so st.cache_data hashes
    it), so a changed threshold, time zone or schedule recomputes, and an unchanged one does not.
    Hashed once per (settings path, mtime): a rerun costs one os.stat."""
    import config

    path = config.user_path()
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        stamp = (str(path), None)
    fp = _FINGERPRINTS.get(stamp)
    if fp is None:
        text = json.dumps(config.get(), sort_keys=True, default=str)
        fp = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        _FINGERPRINTS.clear()
        _FINGERPRINTS[stamp] = fp
    return fp


def _key() -> tuple:
    return (db_path(), version(), settings_stamp())


def _module(name: str):
    """A metrics module, or None while it is not installed (pages show an empty state)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == name or name.startswith(exc.name + ".") or exc.name == "metrics"):
            return None
        raise


def has_metrics() -> bool:
    return _module("metrics.engine") is not None and _module("metrics.filters") is not None


def has_churn() -> bool:
    return _module("metrics.churn") is not None and _module("metrics.calculator") is not None


class _Cursor:
    """A cursor of this thread on the newest published version, closed after use."""

    def __init__(self, db: str):
        self.db = db

    def __enter__(self):
        store = _store(self.db)
        store.ensure()
        self.cur = store.cursor()
        return self.cur

    def __exit__(self, *exc):
        try:
            self.cur.close()
        except Exception:
            pass


# ---------------------------------------------------------------- warm-up
_WARMED: dict[tuple, threading.Thread] = {}
_WARM_LOCK = threading.Lock()


def warm_up() -> threading.Thread | None:
    """Once per published database version, read in a background thread what the first queries
    need (the cubes, the ticket sample, the Overview's figures), so that the first filter change
    after the server starts or after a load is not the slow one. Returns the thread (tests join it)."""
    db, v = db_path(), version()
    if v is None or not has_metrics():
        return None
    with _WARM_LOCK:
        if (db, v) in _WARMED:
            return _WARMED[(db, v)]
        thread = threading.Thread(target=_warm, args=(db,), name="deskscope-warm-up", daemon=True)
        _WARMED[(db, v)] = thread
    thread.start()
    return thread


def _warm(db: str) -> None:
    try:
        from metrics import engine, rollups
        from metrics.filters import Filters
        from metrics.registry import OVERVIEW

        with _Cursor(db) as cur:
            tables = {r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            for fact in rollups._facts():
                if rollups.cube_table(fact) in tables:  # every column a filter state may read
                    cols = ", ".join(f"sum({n})" for n in rollups.agg_names(fact))
                    cur.execute(f"SELECT {cols} FROM {rollups.cube_table(fact)}").fetchall()
            if rollups.SAMPLE_TABLE in tables:
                cur.execute(f"SELECT count(*), sum(frt), sum(res), sum(frt_b), sum(res_b) FROM {rollups.SAMPLE_TABLE} "
                            f"WHERE u < {rollups.SAMPLE_SHARE}").fetchall()
            engine.compare(cur, Filters(), OVERVIEW)
    except Exception as exc:  # a warm-up is a bonus: the pages compute what they need anyway
        log.warning("warm-up failed: %s", exc)


def prefetch(*calls: tuple[Callable, tuple]) -> list[threading.Thread]:
    """Start computing a page's independent results side by side: each ``(function, args)`` runs in
    a thread carrying this run's script context, so the cached functions here fill their caches
    while the page computes something else. The page then makes the same calls and gets the cached
    result; a call made while a thread still computes the same result waits for it
    (``st.cache_data`` holds a lock per result) instead of computing it twice. A failure in a thread
    is left for the page's own call to meet (and show); the threads are returned for tests."""
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    ctx = get_script_run_ctx()
    threads = []
    for fn, args in calls:
        def run(fn=fn, args=args) -> None:
            try:
                fn(*args)
            except Exception as exc:  # the page's own call raises it again, where it is handled
                log.debug("prefetch of %s failed: %s", getattr(fn, "__name__", fn), exc)

        thread = threading.Thread(target=run, name=f"deskscope-prefetch-{getattr(fn, '__name__', 'call')}", daemon=True)
        if ctx is not None:
            add_script_run_ctx(thread, ctx)
        thread.start()
        threads.append(thread)
    return threads


def filters_from(params: Params):
    """The Filters of a filter key, with the reader's scope. A key built without ui.filters.key()
    carries no scope: refused, so that a forgotten scope can never show every team."""
    from metrics.filters import Filters

    values = dict(params)
    if SCOPE_PARAM not in values:
        raise ValueError("a filter state without the reader's team scope: build it with ui.filters.key(params)")
    scope = values.pop(SCOPE_PARAM)
    return Filters.from_params(values).replace(scope=scope)


def _scope_filters(scope):
    from metrics.filters import Filters

    return Filters(scope=scope)


def _restricted(cur, scope):
    """The cursor with the whole-table names limited to the scope's teams (metrics/scope.py)."""
    if scope is None:
        return cur
    from metrics import scope as scope_mod

    return scope_mod.restrict(cur, _scope_filters(scope))


# ---------------------------------------------------------------- data status
@st.cache_data(**CACHE)
def _status(db: str, db_version, settings_fp, scope=None) -> dict:
    out: dict = {"tables": {}, "first": None, "last": None, "last_load": None}
    if db_version is None:
        return out
    with _Cursor(db) as cur:
        cur = _restricted(cur, scope)
        for table in ("tickets", "calls", "surveys", "customers", "ticket_events"):
            try:
                out["tables"][table] = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except Exception:  # an older file without the table
                out["tables"][table] = 0
        spans = []
        for table, column in (("tickets", "created_at"), ("calls", "queued_at"), ("surveys", "responded_at")):
            if out["tables"].get(table):
                from metrics import clock  # the reports' local days

                first, last = cur.execute(f"SELECT {clock.day_sql(f'min({column})')}, "
                                          f"{clock.day_sql(f'max({column})')} FROM {table}").fetchone()
                out[f"{table}_first"], out[f"{table}_last"] = first, last
                if first:
                    spans.append((first, last))
        if spans:
            out["first"] = min(s[0] for s in spans)
            out["last"] = max(s[1] for s in spans)
        row = cur.execute("SELECT max(finished_at) FROM loads WHERE status = 'loaded'").fetchone()
        out["last_load"] = row[0] if row else None
    return out


def status() -> dict:
    """Rows per table, first/last date, last load time (of the reader's teams)."""
    db, v, s = _key()
    return _status(db, v, s, access.scope())


def rows(table: str) -> int:
    return int(status()["tables"].get(table) or 0)


@st.cache_data(**CACHE)
def _dimension_values(db: str, db_version, settings_fp, dim: str, scope=None) -> list[str]:
    if db_version is None:
        return []
    engine = _module("metrics.engine")
    with _Cursor(db) as cur:
        if engine is None:
            return []
        try:
            if scope is not None:
                return [str(v) for v in engine.dimension_values(cur, dim, _scope_filters(scope))]
            return [str(v) for v in engine.dimension_values(cur, dim)]
        except Exception as exc:  # one broken dimension must not take the other filters down
            log.warning("dimension values for %s failed: %s", dim, exc)
            return []


def dimension_values(dim: str) -> list[str]:
    """The values a filter can take (sorted, in the reader's teams), empty before any load."""
    db, v, s = _key()
    return _dimension_values(db, v, s, dim, access.scope())


# ---------------------------------------------------------------- metrics
@st.cache_data(**CACHE)
def _kpis(db, db_version, settings_fp, params: Params, ids) -> dict:
    from metrics import engine

    with _Cursor(db) as cur:
        return engine.kpis(cur, filters_from(params), ids=list(ids) if ids else None)


@st.cache_data(**CACHE)
def _compare(db, db_version, settings_fp, params: Params, ids) -> dict:
    from metrics import engine

    with _Cursor(db) as cur:
        return engine.compare(cur, filters_from(params), ids=list(ids) if ids else None)


@st.cache_data(**CACHE)
def _breakdown(db, db_version, settings_fp, params: Params, by: str, ids) -> pl.DataFrame:
    from metrics import engine

    with _Cursor(db) as cur:
        return engine.breakdown(cur, filters_from(params), by, ids=list(ids) if ids else None)


@st.cache_data(**CACHE)
def _timeseries(db, db_version, settings_fp, params: Params, grain: str, ids) -> pl.DataFrame:
    from metrics import engine

    with _Cursor(db) as cur:
        return engine.timeseries(cur, filters_from(params), grain=grain, ids=list(ids) if ids else None)


@st.cache_data(**ROWS_CACHE)
def _drill(db, db_version, settings_fp, params: Params, kind: str, where, limit: int) -> pl.DataFrame:
    from metrics import engine

    with _Cursor(db) as cur:
        return engine.drill(cur, filters_from(params), kind=kind, where=where, limit=limit)


@st.cache_data(**CACHE)
def _notes(db, db_version, settings_fp, params: Params) -> list[str]:
    from metrics import engine

    with _Cursor(db) as cur:
        return list(engine.notes(cur, filters_from(params)))


@st.cache_data(**CACHE)
def _undated(db, db_version, settings_fp, params: Params) -> int:
    from metrics import engine

    with _Cursor(db) as cur:
        return engine.undated_responses(cur, filters_from(params))


def undated_responses(params: Params) -> int:
    """Survey responses without a date matching the filters' dimensions (the dates do not apply)."""
    if not has_metrics() or rows("surveys") == 0:
        return 0
    db, v, s = _key()
    return _undated(db, v, s, params)


def notes(params: Params) -> list[str]:
    """Why some figures are None for these filters (e.g. calls have no channel)."""
    if not has_metrics():
        return []
    db, v, s = _key()
    return _notes(db, v, s, params)


def kpis(params: Params, ids: tuple | None = None) -> dict:
    db, v, s = _key()
    return _kpis(db, v, s, params, tuple(ids) if ids else None)


def compare(params: Params, ids: tuple | None = None) -> dict:
    db, v, s = _key()
    return _compare(db, v, s, params, tuple(ids) if ids else None)


def breakdown(params: Params, by: str, ids: tuple | None = None) -> pl.DataFrame:
    db, v, s = _key()
    return _breakdown(db, v, s, params, by, tuple(ids) if ids else None)


def timeseries(params: Params, grain: str = "week", ids: tuple | None = None) -> pl.DataFrame:
    db, v, s = _key()
    return _timeseries(db, v, s, params, grain, tuple(ids) if ids else None)


def drill(params: Params, kind: str = "tickets", where: str | None = None, limit: int = 5000) -> pl.DataFrame:
    db, v, s = _key()
    return _drill(db, v, s, params, kind, where, limit)


@st.cache_data(**CACHE)
def _unmeasurable(db, db_version, settings_fp, scope=None) -> dict[str, str]:
    from metrics import coverage

    with _Cursor(db) as cur:
        return coverage.unmeasurable(_restricted(cur, scope))  # what the reader's teams' rows support


def unmeasurable() -> dict[str, str]:
    """{metric id: reason key} of the metrics the loaded exports cannot support (metrics/coverage.py)."""
    if not has_metrics():
        return {}
    db, v, s = _key()
    return _unmeasurable(db, v, s, access.scope()) if v is not None else {}


@st.cache_data(**CACHE)
def _drill_rows(db, db_version, settings_fp, params: Params, metric_id: str, limit: int) -> dict:
    from metrics import drilldown

    with _Cursor(db) as cur:
        return drilldown.rows(cur, filters_from(params), metric_id, limit)


def drill_rows(params: Params, metric_id: str, limit: int = 2000) -> dict | None:
    """The rows behind one card (metrics/drilldown.py): {"frame", "total", "numerator", "kind"}."""
    from metrics import drilldown

    if not drilldown.supported(metric_id):
        return None
    db, v, s = _key()
    return _drill_rows(db, v, s, params, metric_id, limit)


def filter_gap(metric_id: str, params: dict[str, str]) -> tuple[str, list[str]] | None:
    """(table word, dimensions) when a filter is on a dimension the metric's table lacks (calls carry
    no channel, priority or category): the figure is not filtered, so it is not shown."""
    try:
        from metrics import engine
        from metrics.filters import DIMENSIONS

        fact = engine.FACTS[engine.FORMULAS[metric_id].fact]
    except (ImportError, KeyError):
        return None
    missing = [d for d in DIMENSIONS if params.get(d) and d not in fact.dims]
    return (engine.TABLE_WORDS.get(fact.name, fact.name), missing) if missing else None


def targets() -> tuple[dict[str, float], float]:
    """KPI targets from the settings and the watch margin (metrics/targets.py)."""
    import config
    from metrics import targets as tg

    settings = config.get()
    return tg.targets(settings), tg.margin(settings)


def _optional(module: str, function: str):
    mod = _module(module)
    return getattr(mod, function, None) if mod is not None else None


@st.cache_data(**CACHE)
def _extra(db, db_version, settings_fp, module: str, function: str, params: Params, args: tuple) -> object:
    fn = _optional(module, function)
    filters = filters_from(params)
    with _Cursor(db) as cur:
        # Such modules may also read whole tables: under a scope they get the scoped views as well.
        return fn(_restricted(cur, filters.scope), filters, *args)


def extra(module: str, function: str, params: Params, *args):
    """A metrics function ``fn(con, filters, *args)`` that may not exist yet; None when missing."""
    if _optional(module, function) is None:
        return None
    db, v, s = _key()
    return _extra(db, v, s, module, function, params, tuple(args))


# ---------------------------------------------------------------- operations analyses (metrics/operations/)
OPERATIONS = ("drivers", "channel_switches", "escalation", "agent_load", "reply_targets")


def operations(analysis: str, params: Params, *args) -> dict | None:
    """One analysis of metrics/operations for the filter state: its JSON-safe dict (None while the
    module is missing). Cached like every result here (database version and settings in the key)."""
    if analysis not in OPERATIONS:
        raise ValueError(f"unknown analysis {analysis!r}; valid: {', '.join(OPERATIONS)}")
    return extra(f"metrics.operations.{analysis}", "analyse", params, *args)


@st.cache_data(**CACHE)
def _initiatives(db, db_version, settings_fp, scope=None) -> dict:
    from metrics.operations import initiatives as mod

    if db_version is None:
        items, problems = mod.register()
        return {"available": False, "initiatives": [], "problems": problems, "counts": {},
                "message": "", "registered": len(items)}
    with _Cursor(db) as cur:
        return mod.analyse(_restricted(cur, scope))  # a reader limited to some teams: their rows only


def initiatives() -> dict | None:
    """Every registered initiative, measured (the sidebar filters do not apply)."""
    if _module("metrics.operations.initiatives") is None:
        return None
    db, v, s = _key()
    return _initiatives(db, v, s, access.scope())


def initiative_register() -> tuple[list[dict], list[str]]:
    """The register as the settings hold it (tables), and its problems."""
    from metrics.operations import initiatives as mod

    import config

    raw = config.get().get("initiatives") or []
    _, problems = mod.parse(raw)
    return [dict(r) for r in raw if isinstance(r, dict)], problems


def check_initiatives(items: list[dict]) -> list[str]:
    """Problems of an edited register (each with its fix); [] when it can be saved."""
    from metrics.operations import initiatives as mod

    return mod.parse(items, where="initiative")[1]


def initiative_metrics() -> list[str]:
    from metrics.operations import initiatives as mod

    return mod.known_metrics()


# ---------------------------------------------------------------- distributions
# The engine's frames, turned into what the charts draw (labels are presentation).
AGE_BUCKETS = ("lt1d", "1_3d", "3_7d", "7_30d", "gt30d")  # i18n age.* keys, in engine.AGE_BUCKETS order


@st.cache_data(**CACHE)
def _distribution(db, db_version, settings_fp, params: Params, measure: str, clock: str) -> dict | None:
    from metrics import engine

    with _Cursor(db) as cur:
        frame = engine.distribution(cur, filters_from(params), "frt" if measure == "first_reply" else measure,
                                    business=clock == "business")
    return {"lower": frame.get_column("lower_minutes").to_list(), "upper": frame.get_column("upper_minutes").to_list(),
            "counts": frame.get_column("tickets").to_list()}


def distribution(params: Params, measure: str, clock: str) -> dict | None:
    """Tickets per duration bucket: {"lower", "upper" (minutes; None = open-ended), "counts"}; measure
    first_reply|resolution, clock calendar|business (the labels are the page's, in its language)."""
    if not has_metrics():
        return None
    db, v, s = _key()
    return _distribution(db, v, s, params, measure, clock)


@st.cache_data(**CACHE)
def _backlog_aging(db, db_version, settings_fp, params: Params) -> dict | None:
    from metrics import engine

    with _Cursor(db) as cur:
        frame = engine.backlog_aging(cur, filters_from(params))
    totals = dict(frame.group_by("bucket").agg(pl.col("tickets").sum()).iter_rows())
    return {"buckets": list(AGE_BUCKETS), "counts": [int(totals.get(i, 0)) for i in range(len(AGE_BUCKETS))] if totals else []}


def backlog_aging(params: Params) -> dict | None:
    """Open tickets at the period's end by age bucket: {"buckets", "counts"}."""
    if not has_metrics():
        return None
    db, v, s = _key()
    return _backlog_aging(db, v, s, params)


@st.cache_data(**CACHE)
def _hour_of_week(db, db_version, settings_fp, params: Params) -> dict | None:
    from metrics import engine

    with _Cursor(db) as cur:
        frame = engine.hour_of_week(cur, filters_from(params))
    offered: list[list[int]] = [[0] * 24 for _ in range(7)]
    rate: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    for wd, h, n, r in frame.select("weekday", "hour", "calls_offered", "answer_rate").iter_rows():
        offered[wd][h], rate[wd][h] = n, r
    return {"offered": offered, "answer_rate": rate}


def hour_of_week(params: Params) -> dict | None:
    """Calls offered and answer rate per local weekday (Mon..Sun) x hour: {"offered", "answer_rate"} 7x24."""
    if not has_metrics():
        return None
    db, v, s = _key()
    return _hour_of_week(db, v, s, params)


# ---------------------------------------------------------------- churn and money
@st.cache_data(**CACHE)
def _analysis(db, db_version, settings_fp, scope=None):
    """The ChurnAnalysis object (pickled by the cache; the calculator needs its attributes), over
    the reader's teams' customers and contacts (metrics/scope.py)."""
    from metrics import churn

    with _Cursor(db) as cur:
        return churn.analyse(_restricted(cur, scope))


def _safe_currency(analysis: dict) -> dict:
    """A currency "code" from the customer data that is not an ISO code is not shown (it is data,
    and money labels are Markdown)."""
    import re

    currency = analysis.get("currency")
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", str(currency)):
        analysis["currency"] = None
    return analysis


def churn_analysis() -> dict | None:
    """The attributable-churn analysis as a JSON-safe dict (None while metrics/churn.py is missing)."""
    if not has_churn():
        return None
    db, v, s = _key()
    if v is None:
        return {"available": False, "message": ""}
    return _safe_currency(_analysis(db, v, s, access.scope()).to_dict())


def move_reason(value: str, target: str):
    """Move a stated churn reason (exact value) to a class: settings [churn.reasons] as_support /
    as_possibly_support / as_other (metrics/churn_reasons.py). Returns the settings file written.
    A settings change: admins only (ui/access.py)."""
    import config

    access.require("settings")
    keys = {"support": "as_support", "possibly_support": "as_possibly_support", "other": "as_other"}
    reasons = (config.get().get("churn") or {}).get("reasons") or {}
    low = value.strip().lower()
    moved = {k: [v for v in (reasons.get(k) or []) if v.strip().lower() != low] for k in keys.values()}
    moved[keys[target]].append(value.strip())
    path = config.save({"churn": {"reasons": moved}})
    # The cached functions take the settings' fingerprint (settings_fp), so the next call
    # recomputes; clearing also drops the results of the settings before (never read again).
    clear()
    return path


def _calculator_inputs(db, db_version, settings_fp, params: Params, overrides: tuple):
    from metrics import calculator

    analysis = _analysis(db, db_version, settings_fp, dict(params).get(SCOPE_PARAM)) if db_version is not None else None
    figures = _kpis(db, db_version, settings_fp, params, ("sla_breach_rate", "frt_p90_minutes")) \
        if db_version is not None and has_metrics() else {}
    inputs = calculator.inputs_from_data(analysis, figures)
    inputs, fx_missing = _benchmark_currency(inputs)
    if overrides:
        inputs = inputs.replace(**dict(overrides))  # the user's what-if values: assumed, not measured
    return analysis, inputs, fx_missing


def _benchmark_currency(inputs):
    """Benchmark revenue is in USD: converted to the settings' currency with the user's rate
    (money.exchange_rates), never relabelled; without a rate the calculator stays in USD and says so."""
    import dataclasses

    import config
    from metrics import fx, stake

    if "arpu_monthly" in inputs.measured or (inputs.currency or "").upper() == stake.BENCHMARK_CURRENCY:
        return inputs, None
    try:
        rate = fx.rate(stake.BENCHMARK_CURRENCY, inputs.currency, fx.rates(config.get()))
    except (fx.MissingRate, ValueError):
        out = dataclasses.replace(inputs, currency=stake.BENCHMARK_CURRENCY)
        out.measured = set(inputs.measured)
        return out, {"from": stake.BENCHMARK_CURRENCY, "to": inputs.currency}
    out = dataclasses.replace(inputs, arpu_monthly=inputs.arpu_monthly * rate)
    out.measured = set(inputs.measured)
    return out, None


@st.cache_data(**CACHE)
def _calculator(db, db_version, settings_fp, params: Params, overrides: tuple) -> dict:
    from metrics import calculator

    _, inputs, fx_missing = _calculator_inputs(db, db_version, settings_fp, params, overrides)
    return {"inputs": inputs.to_dict(), "measured": sorted(inputs.measured), "outputs": calculator.compute(inputs),
            "fx_missing": fx_missing}


def calculator(params: Params, overrides: dict | None = None) -> dict | None:
    """Calculator inputs (measured where the data allows, each with its source) and outputs."""
    if not has_churn():
        return None
    db, v, s = _key()
    return _calculator(db, v, s, params, tuple(sorted((overrides or {}).items())))


@st.cache_data(**CACHE)
def _what_if(db, db_version, settings_fp, params: Params, overrides: tuple, breach_from: float, breach_to: float) -> dict:
    from metrics import calculator

    analysis, inputs, _ = _calculator_inputs(db, db_version, settings_fp, params, overrides)
    return calculator.what_if(inputs, analysis if analysis is not None and analysis.available else None,
                              breach_from, breach_to)


def what_if(params: Params, breach_from: float, breach_to: float, overrides: dict | None = None) -> dict | None:
    if not has_churn():
        return None
    db, v, s = _key()
    return _what_if(db, v, s, params, tuple(sorted((overrides or {}).items())), round(breach_from, 4), round(breach_to, 4))


# ---------------------------------------------------------------- loads and data quality
@st.cache_data(**CACHE)
def _loads(db, db_version, journal_stamp) -> pl.DataFrame:
    # journal_stamp: no leading underscore, or st.cache_data would not hash it and a failed load
    # (database unchanged, journal changed) would keep showing the old list
    if db_version is None and journal_stamp is None:
        return pl.DataFrame()
    return _store(db).loads()


def _journal_stamp(db: str) -> tuple | None:
    """A failed load leaves the database as it was: its record (the journal) has its own stamp."""
    from loaders import journal

    try:
        st_ = journal.journal_path(db).stat()
        return (st_.st_mtime_ns, st_.st_size)
    except OSError:
        return None


def loads() -> pl.DataFrame:
    """Every load attempt: the database's loads and the journal's failed/skipped attempts."""
    db, v, _ = _key()
    return _loads(db, v, _journal_stamp(db))


@st.cache_data(**ROWS_CACHE)
def _rejects(db, db_version, load_id: int, limit: int) -> pl.DataFrame:
    return _store(db).rejects(load_id).head(limit)


def rejects(load_id: int, limit: int = 1000) -> pl.DataFrame:
    db, v, _ = _key()
    return _rejects(db, v, load_id, limit)


@st.cache_data(**CACHE)
def _quality(db, db_version, settings_fp, scope=None) -> dict:
    """metrics.quality's checks, the loads' warnings and the vendor reconciliation (the checks of
    the reader's teams' rows; the loads' warnings only for a reader who sees every team)."""
    out = {"checks": [], "warnings": [], "reconciliation": None, "available": False}
    if db_version is None:
        return out
    quality_mod = _module("metrics.quality")
    with _Cursor(db) as cur:
        cur = _restricted(cur, scope)
        if quality_mod is not None:
            out["available"] = True
            out["checks"] = [c.to_dict() for c in quality_mod.run(cur)
                             # the bookkeeping (loads, rejected rows) covers every team
                             if scope is None or c.table not in ("loads", "rejects")]
            try:
                recon = quality_mod.reconciliation(cur)
                if isinstance(recon, pl.DataFrame):
                    recon = recon.to_dicts()
                out["reconciliation"] = recon or None
            except Exception as exc:  # reconciliation is a bonus: never hide the checks
                log.warning("vendor reconciliation failed: %s", exc)
            if hasattr(quality_mod, "negative_durations"):
                out["negative"] = quality_mod.negative_durations(cur)
    history = _store(db).loads() if db_version is not None and scope is None else pl.DataFrame()
    if history.height and "warnings" in history.columns and "status" in history.columns:
        for r in history.filter((pl.col("status") == "loaded") & (pl.col("warnings").fill_null("") != "")).iter_rows(named=True):
            for w in r["warnings"].splitlines():
                out["warnings"].append({"load_id": r["load_id"], "file_name": r["file_name"], "warning": w})
    return out


@st.cache_data(**CACHE)
def _value_merges(db, db_version) -> list[dict]:
    from metrics import values

    with _Cursor(db) as cur:
        return values.merges(cur)


def value_merges() -> list[dict]:
    """Team and category spellings merged into one value on load (metrics/values.py). They name every
    team's values: none for a reader limited to some teams."""
    if _module("metrics.values") is None or access.scope() is not None:
        return []
    db, v, _ = _key()
    return _value_merges(db, v) if v is not None else []


def quality() -> dict:
    db, v, s = _key()
    return _quality(db, v, s, access.scope())


# ---------------------------------------------------------------- files (Data page)
@st.cache_data(**CACHE)
def _detect(path: str, stamp: tuple) -> list[dict]:
    from loaders import registry

    return [{"name": a.name, "title": a.title or a.name, "confidence": float(score), "why": why}
            for a, score, why in registry.detect(Path(path))]


def _file_stamp(path: Path) -> tuple:
    st_ = path.stat()
    return (st_.st_mtime_ns, st_.st_size)


def detect(path: Path) -> list[dict]:
    """Every format's score for a file, best first."""
    return _detect(str(path), _file_stamp(path))


@st.cache_data(**CACHE)
def formats() -> list[dict]:
    from loaders import registry

    return [{"name": a.name, "title": a.title or a.name, "family": a.family} for a in registry.adapters()]


@st.cache_data(**CACHE)
def _preview(path: str, stamp: tuple, rows: int) -> dict:
    from loaders import mapping as mp
    from loaders.files import ROW, read_table

    raw = read_table(Path(path))
    table, columns, coverage = mp.suggest(raw.headers)
    return {"headers": raw.headers, "head": raw.frame.drop(ROW).head(rows), "rows": raw.rows,
            "suggested": {"table": table, "columns": columns, "coverage": coverage}}


def preview(path: Path, rows: int = 10) -> dict:
    """Headers, first rows and the suggested mapping of an uploaded file."""
    return _preview(str(path), _file_stamp(path), rows)


def suggest(headers: list[str], table: str) -> dict[str, str]:
    """The columns `cli.py suggest --table` maps (a survey's question header as its score too)."""
    from loaders.suggest import suggestion

    return suggestion(headers, table).columns


def validate_mapping(mapping: dict, headers: list[str], file_name: str) -> list[str]:
    from loaders import mapping as mp

    return mp.validate(mapping, headers, file_name)


def load_files(paths: list[Path], options, format: str | None,
               on_progress: Callable[[int, int, str], None] | None = None,
               on_rows: Callable[[str, int, int], None] | None = None) -> list:
    """Load files in one write session; the cached results follow the new database version.
    ``on_rows(file, rows read, rows in the file)`` while a large file is read batch by batch."""
    access.require("load")
    reports = store().load_files(paths, options, format=format, on_progress=on_progress, on_rows=on_rows)
    return reports


def remove_load(load_id: int) -> dict:
    access.require("remove")
    return store().remove_load(int(load_id))


def rebuild(on_phase: Callable[[str, int, int], None] | None = None) -> None:
    """Recompute derived tables (ticket_metrics, rollups) with the current settings;
    ``on_phase(step, i, n)`` before each step."""
    access.require("recompute")
    store().recompute(on_phase=on_phase)


def save_settings(changes: dict) -> Path:
    """Write the user's settings file (config.save), for a reader allowed to change settings."""
    import config

    access.require("settings")
    return config.save(changes)


def check_report_timezone(name: str) -> str:
    """The zone name metrics.report_timezone would hold; ValueError with the fix otherwise."""
    from metrics import clock

    return clock.check(name)


def setting(section: str, name: str):
    """One value of the settings in force (None when absent)."""
    import config

    return (config.get().get(section) or {}).get(name)


def snapshots_dir() -> Path:
    """settings snapshots.dir as an absolute path: a relative one is read from the project folder,
    as `cli.py snapshot` reads it (and the cron line the Snapshots page shows runs there)."""
    import config

    settings = config.get()
    for section, key in (("snapshots", "dir"), ("reports", "snapshots_dir"), ("snapshots", "path")):
        value = settings.get(section, {}).get(key)
        if value:
            path = Path(value).expanduser()
            return path if path.is_absolute() else (config.HERE / path).resolve()
    return (config.HERE / "snapshots").resolve()


def write_snapshot(period_text: str, lang: str) -> tuple[Path, bool]:
    """Write one snapshot now (the same function `cli.py snapshot` runs); returns (folder, changed)."""
    import config
    from reports.snapshot import parse_period, write_snapshot as write

    period = parse_period(period_text)
    store().ensure()
    cur = store().cursor()
    try:
        return write(cur, period, snapshots_dir(), lang, config.get()["ui"]["currency"])
    finally:
        cur.close()


def cron_line(period: str = "last-week", lang: str = "en") -> str:
    """The exact crontab line that writes this snapshot every Monday at 06:00 from this installation."""
    import shlex
    import sys

    import config

    root = config.HERE
    out = snapshots_dir()
    python = Path(sys.executable)
    # mkdir first: the log's redirection into a folder that does not exist yet fails before
    # cli.py runs (sh: "Directory nonexistent"), so the first Monday would write nothing
    return (f"0 6 * * 1  mkdir -p {shlex.quote(str(out))} && cd {shlex.quote(str(root))} && "
            f"{shlex.quote(str(python))} cli.py --db {shlex.quote(db_path())} "
            f"snapshot --period {period} --lang {lang} --out {shlex.quote(str(out))} "
            f">> {shlex.quote(str(out / 'cron.log'))} 2>&1")


def snapshots() -> list[dict]:
    """Snapshots on disk (DIR/*/kpis.json), newest first. Reads small JSON files; not cached.
    Snapshots cover every team: admins only."""
    access.require("snapshots")
    root = snapshots_dir()
    out = []
    if not root.is_dir():
        return out
    for kpi_file in root.glob("*/kpis.json"):
        item = {"name": kpi_file.parent.name, "dir": str(kpi_file.parent), "kpis": None, "error": None,
                "html": str(kpi_file.parent / "index.html") if (kpi_file.parent / "index.html").exists() else None}
        try:
            item["kpis"] = json.loads(kpi_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            item["error"] = str(exc)
        out.append(item)
    # Newest period first (the folder names mix weeks, months and ranges).
    return sorted(out, key=lambda i: (str((i["kpis"] or {}).get("to", "")), str((i["kpis"] or {}).get("from", "")), i["name"]),
                  reverse=True)


def clear() -> None:
    """Forget cached results (tests; the Data page after a failed load never needs it)."""
    st.cache_data.clear()


def environment_db_note() -> str:
    return os.environ.get("DESKSCOPE_DB", "")
