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


def body() -> None:
    st.title(t("snap.title"))
    items = data.snapshots()
    if not items:
        st.info(t("snap.none", dir=plain(data.snapshots_dir())), icon=":material/info:")
        return
    for item in items:
        if item["error"]:
            st.warning(t("snap.bad", path=plain(item["dir"]), error=plain(item["error"])))
    names = [i["name"] for i in items]
    by_name = {i["name"]: i for i in items}
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
        rows.append({t("snap.metric"): i18n.metric_name(metric_id),
                     a: components.marked(i18n.metric_value(metric_id, va), metric_id in xa and va is not None),
                     b: components.marked(i18n.metric_value(metric_id, vb), metric_id in xb and vb is not None),
                     t("snap.change"): i18n.metric_delta(metric_id, vb, va) or ""})
    if rows:
        st.dataframe(pl.DataFrame(rows), hide_index=True, key=K + "table", height=components.table_height(len(rows), 800))
        if (xa & set(ka)) or (xb & set(kb)):
            st.caption(components.approximate_note())


components.run_page(body)
