"""Data: upload exports, check what was detected, map columns, load, and audit the loads.

Uploading, loading, removing and recomputing are drawn only for a reader who may do them
(ui/access.py); ui/data.py refuses them on the server as well. Uploads are checked and stored
under generated names (ui/uploads.py); every file name is shown through ui.safe.plain()."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from loaders import schema
from loaders.base import LoadOptions
from ui import access, components, data, i18n, uploads
from ui.i18n import t
from ui.safe import plain, plain_list

K = "data_"
GENERIC = "generic"
HIDDEN_COLUMNS = {"source", "load_id", "source_tz"}


def upload_dir() -> Path:
    if K + "dir" not in st.session_state:
        st.session_state[K + "dir"] = tempfile.mkdtemp(prefix="deskscope-upload-")
    return Path(st.session_state[K + "dir"])


def upload_limits() -> tuple[int, list[str]]:
    import config

    return uploads.limits(config.get())


def save_uploads(files) -> list[uploads.Upload]:
    """Store the accepted uploads in this session's folder under generated names (ui/uploads.py);
    say why the others were refused."""
    max_mb, extensions = upload_limits()
    stored, refused = uploads.store(files, upload_dir(), st.session_state.setdefault(K + "stored", {}),
                                    max_mb, extensions)
    for r in refused:
        if r.reason == "size":
            st.error(t("data.upload_too_big", name=plain(r.original_name), size=i18n.file_size(r.size),
                       limit=i18n.file_size(max_mb * uploads.MB)), icon=":material/block:")
        else:
            st.error(t("data.upload_bad_type", name=plain(r.original_name), ext=plain("." + r.extension if r.extension else "—"),
                       allowed=plain(", ".join(extensions))), icon=":material/block:")
    return stored


def default_tz() -> str:
    import config

    return config.get().get("loading", {}).get("default_timezone", "UTC")


def valid_tz(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
        return True
    except Exception:
        return False


def mapping_editor(i: int, path: Path, info: dict) -> tuple[dict, list[str]]:
    """The generic format's mapping: table + canonical column <- header, editable."""
    suggested = info["suggested"]
    tables = list(schema.DATA_TABLES)
    table = st.selectbox(t("data.table"), tables, index=tables.index(suggested["table"]), key=f"{K}table_{i}")
    columns = suggested["columns"] if table == suggested["table"] else data.suggest(info["headers"], table)
    canonical = [c for c in schema.column_names(table) if c not in HIDDEN_COLUMNS]
    start = pl.DataFrame({"canonical": list(columns.keys()), "header": list(columns.values())},
                         schema={"canonical": pl.String, "header": pl.String})
    st.caption(t("data.mapping"))
    edited = st.data_editor(
        start, key=f"{K}map_{i}_{table}", num_rows="dynamic", hide_index=True,
        column_config={
            "canonical": st.column_config.SelectboxColumn(t("data.mapping.canonical"), options=canonical, required=True),
            "header": st.column_config.SelectboxColumn(t("data.mapping.header"), options=info["headers"], required=True),
        })
    mapping = {"table": table, "columns": {r["canonical"]: r["header"] for r in edited.to_dicts()
                                            if r.get("canonical") and r.get("header")}}
    problems = data.validate_mapping(mapping, info["headers"], path.name)
    if problems and table != "surveys":
        # A ticket export without a creation date still holds its ratings: say how to load them.
        rating = data.suggest(info["headers"], "surveys").get("score")
        if rating:
            st.info(t("data.mapping.rating_as_surveys", column=plain(rating), table=plain(table)), icon=":material/lightbulb:")
    return mapping, problems


def file_card(i: int, upload: uploads.Upload, formats: dict[str, str]) -> dict | None:
    """One uploaded file: detection, format override, options, mapping, preview."""
    path = upload.path
    with st.container(border=True):
        st.markdown(f"**{plain(upload.original_name)}** · {i18n.file_size(upload.size)}")
        scored = data.detect(path)
        names = list(formats)
        if scored:
            best = scored[0]
            st.caption(t("data.detected", format=plain(best["title"]), confidence=i18n.percent(best["confidence"], 0))
                       + " — " + plain(best["why"]))
            default = names.index(best["name"]) if best["name"] in names else 0
        else:
            st.warning(t("data.not_detected"))
            default = names.index(GENERIC) if GENERIC in names else 0
        left, mid, right = st.columns(3)
        chosen = left.selectbox(t("data.format"), names, index=default, key=f"{K}fmt_{i}",
                                format_func=lambda n: f"{formats[n]} ({n})")
        tz = mid.text_input(t("data.tz"), value=default_tz(), key=f"{K}tz_{i}")
        source = right.text_input(t("data.source"), key=f"{K}src_{i}")
        problems = [] if valid_tz(tz) else [f"{tz!r}: not an IANA time zone name (e.g. Europe/Moscow, America/New_York)"]
        info = None
        try:
            info = data.preview(path) if path.is_file() else None
        except Exception as exc:  # unreadable file: the load report will name the problem
            st.warning(plain(str(exc).splitlines()[0][:300]))
        mapping = None
        if chosen == GENERIC and info is not None:
            mapping, mapping_problems = mapping_editor(i, path, info)
            problems += mapping_problems
        if info is not None:
            with st.expander(t("data.preview") + f" ({i18n.number(info['rows'])})"):
                st.dataframe(info["head"], hide_index=True)
        if problems:
            st.error(t("data.mapping.problems") + "\n\n" + plain_list(problems))
        auto = bool(scored) and chosen == scored[0]["name"] and chosen != GENERIC
        return {"path": path, "format": None if auto else chosen, "tz": tz.strip() or None,
                "source": source.strip() or None, "mapping": mapping, "problems": problems}


def load(plans: list[dict]) -> list[dict]:
    """Load files grouped by identical options: one write session per group."""
    groups: dict[str, list[dict]] = {}
    for plan in plans:
        signature = json.dumps([plan["format"], plan["tz"], plan["source"], plan["mapping"]], sort_keys=True)
        groups.setdefault(signature, []).append(plan)
    bar = st.progress(0.0, text="")
    total = len(plans)
    done = 0
    reports = []
    for group in groups.values():
        first = group[0]
        options = LoadOptions(source=first["source"], tz=first["tz"], mapping=first["mapping"],
                              table=(first["mapping"] or {}).get("table"))

        def progress(i, n, name, offset=done):
            if name:
                bar.progress(min(1.0, (offset + i) / total), text=t("data.loading", name=plain(name), i=int(offset + i + 1), n=total))

        def rows(name, got, of, offset=done, started={}):
            """A large file read batch by batch: rows read, rows/s and the time left."""
            import time

            t0 = started.setdefault(name, (time.monotonic(), got))
            elapsed = max(time.monotonic() - t0[0], 1e-6)
            rate = (got - t0[1]) / elapsed
            share = got / of if of else 1.0
            if got >= of:
                text = t("data.rows_writing", name=plain(name), total=i18n.number(of))
            else:
                left = (of - got) / rate if rate > 0 else None
                text = t("data.rows_progress", name=plain(name), done=i18n.number(got), total=i18n.number(of),
                         rate=i18n.number(round(rate)), left=i18n.duration_seconds(left) if left is not None else "…")
            bar.progress(min(1.0, (offset + share) / total), text=text)

        for r in data.load_files([p["path"] for p in group], options, first["format"], on_progress=progress,
                                 on_rows=rows):
            reports.append(r.as_dict() | {"text": r.text()})
        done += len(group)
    bar.progress(1.0, text="")
    return reports


def show_reports(reports: list[dict]) -> None:
    st.subheader(t("data.report"))
    loaded = sum(r["rows_loaded"] for r in reports)
    rejected = sum(r["rows_rejected"] for r in reports)
    (st.success if not rejected and all(r["status"] != "failed" for r in reports) else st.warning)(
        t("data.loaded", rows=i18n.number(loaded), rejected=i18n.number(rejected)))
    for r in reports:
        icon = {"loaded": ":material/check_circle:", "skipped": ":material/skip_next:"}.get(r["status"], ":material/error:")
        with st.expander(plain(f"{r['file']} — {r['status']}"), icon=icon,
                         expanded=r["status"] == "failed" or bool(r["rows_rejected"])):
            st.code(r["text"], language=None, wrap_lines=True)
            if r.get("rejects_preview"):
                st.caption(t("data.rejected"))
                st.dataframe(pl.DataFrame(r["rejects_preview"]).drop("raw", strict=False), hide_index=True)


def uploads_section() -> None:
    if not access.allows("load"):
        st.info(t("data.admin_only"), icon=":material/lock:")
        return
    max_mb, extensions = upload_limits()
    files = st.file_uploader(t("data.upload"), accept_multiple_files=True, key=K + "upload", help=t("data.upload_help"),
                             type=extensions, max_upload_size=max_mb)
    if not files:
        return
    stored = save_uploads(files)
    formats = {f["name"]: f["title"] for f in data.formats()}
    plans = []
    for i, upload in enumerate(stored):
        with components.section():
            plan = file_card(i, upload, formats)
            if plan:
                plans.append(plan)
    blocked = any(p["problems"] for p in plans)
    if st.button(t("data.load", n=len(plans)), type="primary", key=K + "load", disabled=blocked or not plans,
                 icon=":material/upload:"):
        st.session_state[K + "reports"] = load(plans)
        st.rerun()  # the sidebar status and every cached figure follow the new database version


def history_section() -> None:
    st.subheader(t("data.history"))
    if access.scope() is not None:  # the bookkeeping covers every team
        st.info(t("data.scoped"), icon=":material/lock:")
        return
    history = data.loads()
    if history.height == 0:
        st.info(t("data.no_history"))
        return
    shown = history.reverse()  # newest first; failed attempts (no load id) too
    # The attempt and its reason only matter when an attempt failed: no empty columns otherwise.
    shown = shown.drop([c for c in ("attempt_id", "reason") if c in shown.columns and shown[c].null_count() == shown.height])
    if "status" in shown.columns:
        shown = shown.with_columns(pl.col("status").replace({v: t(f"data.status.{v}") for v in ("loaded", "failed", "removed", "skipped")}))
    if "target_table" in shown.columns:
        shown = shown.with_columns(pl.col("target_table").replace(
            {v: t(f"data.table.{v}") for v in ("tickets", "ticket_events", "calls", "surveys", "customers")}))
    components.table(shown, K + "history", {
        "load_id": ("#", "count"), "attempt_id": (t("data.col.attempt"), "text"),
        "finished_at": (t("data.col.finished"), "datetime"), "status": (t("data.col.status"), "text"),
        "file_name": (t("data.col.file"), "text"), "reason": (t("data.col.reason"), "text"),
        "loader": (t("data.format"), "text"), "target_table": (t("data.col.table"), "text"),
        "source": (t("dim.source"), "text"), "source_tz": (t("data.col.tz"), "text"), "rows_in": (t("data.col.rows_in"), "count"),
        "rows_loaded": (t("data.col.rows_loaded"), "count"), "rows_rejected": (t("data.col.rows_rejected"), "count"),
        "rows_inserted": (t("data.col.rows_inserted"), "count"), "rows_updated": (t("data.col.rows_updated"), "count"),
        "sha256": (t("data.col.sha256"), "text")})
    failed = history.filter(pl.col("status") == "failed") if "status" in history.columns else pl.DataFrame()
    if failed.height:
        with st.expander(t("data.failed_attempts", n=i18n.number(failed.height)), icon=":material/error:"):
            for r in failed.reverse().head(20).iter_rows(named=True):
                # The reason quotes file names and values: plain text, never Markdown.
                st.code(f"{r['attempt_id']}  {str(r['finished_at'])[:19]}  {r['reason'] or ''}", language=None,
                        wrap_lines=True)
    if "rows_rejected" not in history.columns:
        return
    history = history.filter(pl.col("load_id").is_not_null())
    with_rejects = history.filter(pl.col("rows_rejected") > 0)
    if with_rejects.height:
        with st.expander(t("data.rejected")):
            options = with_rejects["load_id"].to_list()
            pick = st.selectbox("load", options, key=K + "rej_pick", label_visibility="collapsed",
                                format_func=lambda i: f"#{i} {history.filter(pl.col('load_id') == i)['file_name'][0]}")
            rows = data.rejects(int(pick))
            st.dataframe(rows, hide_index=True)
            components.download_buttons(rows, f"deskscope-rejects-{pick}", key=K + "rej_dl")
    active = history.filter(pl.col("status") == "loaded")
    if active.height and access.allows("remove"):
        with st.expander(t("data.remove"), icon=":material/delete:"):
            pick = st.selectbox(t("data.remove_pick"), active["load_id"].to_list(), key=K + "rm_pick",
                                format_func=lambda i: f"#{i} {active.filter(pl.col('load_id') == i)['file_name'][0]}")
            sure = st.checkbox(t("data.remove_confirm"), key=K + "rm_sure")
            if st.button(t("data.remove_button"), key=K + "rm", disabled=not sure, type="primary"):
                removed = data.remove_load(int(pick))
                st.session_state[K + "removed"] = t("data.removed", id=pick, rows=", ".join(
                    f"{tb} {i18n.number(n)}" for tb, n in removed.items()) or "0")
                st.rerun()


def merges_section() -> None:
    """Team and category values merged across sources (metrics/values.py), and the settings that steer it."""
    st.subheader(t("data.merges"))
    st.caption(t("data.merges.help", prefixes=plain(", ".join(f"«{p}»" for p in (data.setting("values", "prefixes") or [])) or "—")))
    if access.scope() is not None:  # the merges name every team's values
        st.info(t("data.merges.scoped"), icon=":material/lock:")
        return
    merged = data.value_merges()
    if not merged:
        st.caption(t("data.merges.none"))
        return
    frame = pl.DataFrame(merged).with_columns(
        pl.col("dimension").replace({d: t(f"dim.{d}") for d in ("team", "category")}),
        pl.col("why").replace({w: t(f"data.merges.why.{w}") for w in ("case", "prefix", "settings")}))
    components.table(frame, K + "merges", {"dimension": (t("data.merges.dimension"), "text"),
                                           "loaded": (t("data.merges.loaded"), "text"), "shown": (t("data.merges.shown"), "text"),
                                           "rows": (t("data.quality.rows"), "count"), "why": (t("data.merges.why"), "text")})


def quality_section() -> None:
    st.subheader(t("data.quality"))
    q = data.quality()
    problems = [c for c in q["checks"] if c["problem_rows"]]
    if q["available"] and not problems and not q["warnings"]:
        st.success(t("data.quality.ok"))
    if problems:
        from metrics import quality as quality_mod

        ru = i18n.current() == "ru"
        table = pl.DataFrame({
            "severity": [t("severity." + c["severity"]) for c in problems],
            "check": [t("dq." + c["id"]) if "dq." + c["id"] in i18n.STRINGS else
                      quality_mod.RU.get(c["id"], (c["title"],))[0] if ru else c["title"] for c in problems],
            "rows": [c["problem_rows"] for c in problems],
            "share": [c["share"] for c in problems],
            "why": [(quality_mod.RU.get(c["id"], ("", c["detail"]))[1] or c["detail"]) if ru and c["id"] != "assumed_time_zone"
                    else c["detail"].replace(" read as ", " прочитан в поясе ") if ru else c["detail"] for c in problems],
        })
        components.table(table, K + "checks", {"severity": (t("data.quality.severity"), "text"),
                                               "check": (t("data.quality.check"), "text"),
                                               "rows": (t("data.quality.rows"), "count"), "share": (t("col.share"), "fraction"),
                                               "why": (t("data.quality.why"), "text")})
    if q.get("negative"):
        with st.expander(t("data.quality.negative", n=i18n.number(len(q["negative"])))):
            negative = pl.DataFrame(q["negative"])
            if "before_creation" in negative.columns:
                negative = negative.with_columns(pl.col("before_creation").replace(
                    {v: t(f"data.negative.{v.replace(', ', '_')}") for v in ("reply", "solve", "reply, solve")}))
            components.table(negative, K + "negative", {
                "source": (t("dim.source"), "text"), "source_id": (t("data.negative.id"), "text"),
                "created_at": (t("data.negative.created"), "datetime"),
                "first_response_at": (t("data.negative.replied"), "datetime"),
                "solved_at": (t("data.negative.solved"), "datetime"),
                "before_creation": (t("data.negative.which"), "text"), "load_id": (t("data.negative.load"), "count")})
    if q["warnings"]:
        with st.expander(t("data.quality.warnings") + f" ({len(q['warnings'])})"):
            components.table(pl.DataFrame(q["warnings"]), K + "warnings", {
                "load_id": ("#", "count"), "file_name": (t("data.col.file"), "text"),
                "warning": (t("data.col.warning"), "text")})
    if q["reconciliation"]:
        st.caption(t("data.quality.reconciliation"))
        recon = pl.DataFrame(q["reconciliation"])
        if "metric" in recon.columns:
            recon = recon.with_columns(pl.col("metric").replace({m: t(f"recon.{m}") for m in recon["metric"].to_list()
                                                                 if f"recon.{m}" in i18n.STRINGS}))
        columns = {"metric": (t("col.metric"), "text"), "compared": (t("data.recon.compared"), "count"),
                   "disagreeing": (t("data.recon.disagreeing"), "count"),
                   "disagreeing_share": (t("data.recon.disagreeing_share"), "fraction"),
                   "median_abs_difference_minutes": (t("data.recon.median_diff"), "minutes")}
        components.table(recon, K + "recon", columns)
    if access.allows("recompute") and st.button(t("data.quality.rebuild"), key=K + "rebuild", icon=":material/refresh:"):
        bar = st.progress(0.0, text="")

        def phase(step: str, i: int, n: int) -> None:
            bar.progress(min(1.0, i / n) if n else 1.0, text=t("data.rebuilding", step=plain(step), i=i18n.integer(i + 1), n=i18n.integer(n)))

        data.rebuild(on_phase=phase)
        bar.progress(1.0, text="")
        st.session_state[K + "removed"] = t("data.quality.rebuilt")
        st.rerun()


def body() -> None:
    st.title(t("data.title"))
    if st.session_state.get(K + "removed"):
        st.success(plain(st.session_state.pop(K + "removed")))
    with components.section():
        uploads_section()
    if st.session_state.get(K + "reports"):
        show_reports(st.session_state[K + "reports"])
    with components.section():
        history_section()
    if data.loads().height:
        with components.section():
            quality_section()
        with components.section():
            merges_section()


components.run_page(body)
