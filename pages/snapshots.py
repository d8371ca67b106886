"""Snapshots: the dated reports `cli.py snapshot` writes (DIR/<name>/kpis.json + index.html),
opened in place and compared two at a time."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from ui import components, data, i18n
from ui.i18n import t
from ui.safe import plain

K = "snap_"
try:
    from metrics.registry import METRICS as _METRICS

    METRIC_IDS = set(_METRICS)
except ImportError:  # the page still lists snapshots without the metrics module
    METRIC_IDS = set()


def flat_kpis(kpis) -> dict[str, float | None]:
    """kpis.json as {metric_id: value}: a flat map, or {"kpis": {...}} with values or {"value": x}."""
    if not isinstance(kpis, dict):
        return {}
    body = kpis.get("kpis", kpis)
    out = {}
    for key, value in body.items() if isinstance(body, dict) else []:
        if isinstance(value, dict):
            value = value.get("value", value.get("current"))
        if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = value
    return out


def approximate_ids(kpis) -> set[str]:
    """The ids kpis.json marks approximate ("≈"); none in snapshots written before the mark."""
    marked = kpis.get("approximate") if isinstance(kpis, dict) else None
    return {m for m in marked if isinstance(m, str)} if isinstance(marked, list) else set()


PERIODS = ("last-week", "last-month")


def create_now() -> None:
    """Write a snapshot from the UI, and the exact cron line that writes it every week."""
    with st.container(border=True):
        st.subheader(t("snap.create"))
        st.caption(t("snap.folder", dir=plain(str(data.snapshots_dir()))))
        left, right = st.columns([2, 1], vertical_alignment="bottom")
        period = left.segmented_control(t("snap.period"), PERIODS, default="last-week", key=K + "period",
                                        format_func=i18n.labels("snap.period."), required=True) or "last-week"
        if right.button(t("snap.create_button"), key=K + "create", type="primary", icon=":material/add_a_photo:"):
            try:
                with st.spinner(t("snap.writing")):
                    folder, changed = data.write_snapshot(period, i18n.current())
                st.session_state[K + "written"] = t("snap.written" if changed else "snap.unchanged", path=plain(str(folder)))
                st.session_state[K + "pick"] = folder.name
                st.rerun()
            except Exception as exc:  # a failed write leaves the previous snapshot intact; say why
                st.error(t("snap.failed", error=plain(str(exc).splitlines()[0][:300])))
        if st.session_state.get(K + "written"):
            st.success(st.session_state.pop(K + "written"), icon=":material/check_circle:")  # plain-text: t() with the path through plain(), above
        st.caption(t("snap.cron"))
        st.code(data.cron_line("last-week" if period == "last-week" else "last-month", i18n.current()), language="bash",
                wrap_lines=True)


def body() -> None:
    st.title(t("snap.title"))
    with components.section():
        create_now()
    items = data.snapshots()
    if not items:
        st.info(t("snap.none", dir=plain(data.snapshots_dir())), icon=":material/info:")
        return
    for item in items:
        if item["error"]:
            st.warning(t("snap.bad", path=plain(item["dir"]), error=plain(item["error"])))
    names = [i["name"] for i in items]
    by_name = {i["name"]: i for i in items}
    if st.session_state.get(K + "pick") not in names:
        st.session_state.pop(K + "pick", None)
    pick = st.selectbox(t("snap.pick"), names, key=K + "pick")
    chosen = by_name[pick]
    with st.expander(t("snap.open"), expanded=True, icon=":material/description:"):
        if chosen["html"]:
            st.iframe(Path(chosen["html"]), height=720)
        else:
            st.info(t("snap.no_html"))

    if len(items) < 2:
        return
    st.subheader(t("snap.compare"))
    left, right = st.columns(2)
    a = left.selectbox(t("snap.a"), names, index=1, key=K + "a")
    b = right.selectbox(t("snap.b"), names, index=0, key=K + "b")
    if a == b:
        st.caption(t("snap.same"))
        return
    ka, kb = flat_kpis(by_name[a]["kpis"]), flat_kpis(by_name[b]["kpis"])
    xa, xb = approximate_ids(by_name[a]["kpis"]), approximate_ids(by_name[b]["kpis"])
    rows = []
    for metric_id in [k for k in kb if k in ka] + [k for k in ka if k not in kb] + [k for k in kb if k not in ka]:
        va, vb = ka.get(metric_id), kb.get(metric_id)
        if metric_id not in METRIC_IDS:
            continue  # period bookkeeping in kpis.json (from, to, version), not a figure
        rows.append({t("snap.metric"): i18n.metric_name(metric_id),
                     a: components.marked(i18n.metric_value(metric_id, va), metric_id in xa and va is not None),
                     b: components.marked(i18n.metric_value(metric_id, vb), metric_id in xb and vb is not None),
                     t("snap.change"): i18n.metric_delta(metric_id, vb, va) or ""})
    if rows:
        st.dataframe(pl.DataFrame(rows), hide_index=True, key=K + "table", height=components.table_height(len(rows), 800))
        if (xa & set(ka)) or (xb & set(kb)):
            st.caption(components.approximate_note())


components.run_page(body)
