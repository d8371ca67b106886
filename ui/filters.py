"""The global filters in the sidebar, synced with the URL query string.

A copied link opens the same view: on a session's first run the widgets take their values from
``st.query_params``; after every run the URL is rewritten from the widgets (only when it
differs). The URL format is ``metrics.filters.Filters.to_params()`` — the same one the CLI and
reports use — so ``?team=Billing,Tech&date_from=2025-01-01`` means the same everywhere.
"""
from __future__ import annotations

import datetime as dt

import streamlit as st

from ui import data, i18n
from ui.i18n import t

DIMENSIONS = ("team", "agent", "channel", "priority", "category", "tag", "segment", "source")
SHOWN_FIRST = ("team", "channel", "priority")  # the rest sit in an expander
PRESETS = ("all", "7", "30", "90", "365", "custom")
KEY = "flt_"  # widget key prefix; the state is created here, called from app.py only


def _query_dict() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in st.query_params.keys()}


def _parse_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _from_url() -> None:
    """Seed the widgets from the URL (first run of a session only)."""
    q = _query_dict()
    if data.has_metrics():
        from metrics.filters import Filters

        try:
            f = Filters.from_params(q)
            values = {d: list(getattr(f, d, ()) or ()) for d in DIMENSIONS}
            date_from, date_to = f.date_from, f.date_to
        except Exception:  # a hand-edited URL with a bad value: open unfiltered rather than fail
            values, date_from, date_to = {d: [] for d in DIMENSIONS}, None, None
    else:
        values = {d: [v for v in (q.get(d) or "").split(",") if v] for d in DIMENSIONS}
        date_from, date_to = _parse_date(q.get("date_from")), _parse_date(q.get("date_to"))
    for d in DIMENSIONS:
        st.session_state[KEY + d] = values[d]
    if date_from or date_to:
        st.session_state[KEY + "preset"] = "custom"
        st.session_state[KEY + "dates"] = tuple(x for x in (date_from, date_to or date_from) if x)
    else:
        st.session_state[KEY + "preset"] = "all"
        st.session_state[KEY + "dates"] = ()


def _reset() -> None:
    for d in DIMENSIONS:
        st.session_state[KEY + d] = []
    st.session_state[KEY + "preset"] = "all"
    st.session_state[KEY + "dates"] = ()


def _date_range(last: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    preset = st.session_state.get(KEY + "preset", "all")
    if preset == "custom":
        dates = tuple(st.session_state.get(KEY + "dates") or ())
        if len(dates) == 2:
            return dates[0], dates[1]
        if len(dates) == 1:  # the user picked the start and not yet the end
            return dates[0], dates[0]
        return None, None
    if preset == "all" or last is None:
        return None, None
    days = int(preset)
    return last - dt.timedelta(days=days - 1), last


def render() -> dict[str, str]:
    """Draw the filters in the sidebar; return the URL params of the current filter state."""
    if KEY + "init" not in st.session_state:
        _from_url()
        st.session_state[KEY + "init"] = True
    status = data.status()
    last = status.get("last")
    st.sidebar.subheader(t("filters.title"))
    st.sidebar.selectbox(t("filters.preset"), PRESETS, key=KEY + "preset",
                         format_func=i18n.labels("filters.preset."))
    if st.session_state.get(KEY + "preset") == "custom":
        kwargs = {}
        if status.get("first") and last:
            chosen = list(st.session_state.get(KEY + "dates") or ())
            kwargs = dict(min_value=min([status["first"], *chosen]), max_value=max([last, *chosen]))
        st.sidebar.date_input(t("filters.dates"), key=KEY + "dates", format="YYYY-MM-DD", **kwargs)

    def multiselect(container, dim: str) -> None:
        chosen = st.session_state.get(KEY + dim) or []
        options = sorted(set(data.dimension_values(dim)) | set(chosen))
        container.multiselect(t(f"filters.{dim}"), options, key=KEY + dim, placeholder=t("filters.all"))

    for dim in SHOWN_FIRST:
        multiselect(st.sidebar, dim)
    with st.sidebar.expander(t("filters.more"), expanded=any(st.session_state.get(KEY + d) for d in DIMENSIONS
                                                             if d not in SHOWN_FIRST)):
        for dim in DIMENSIONS:
            if dim not in SHOWN_FIRST:
                multiselect(st, dim)
    st.sidebar.button(t("filters.reset"), key=KEY + "reset", on_click=_reset, type="tertiary")

    date_from, date_to = _date_range(last)
    values = {d: tuple(st.session_state.get(KEY + d) or ()) for d in DIMENSIONS}
    return to_params(date_from, date_to, values)


def to_params(date_from, date_to, values: dict[str, tuple]) -> dict[str, str]:
    if data.has_metrics():
        from metrics.filters import Filters

        return dict(Filters(date_from=date_from, date_to=date_to, **values).to_params())
    params = {d: ",".join(v) for d, v in values.items() if v}
    if date_from:
        params["date_from"] = date_from.isoformat()
    if date_to:
        params["date_to"] = date_to.isoformat()
    return params


def sync_url(params: dict[str, str], extra: dict[str, str] | None = None) -> None:
    """Rewrite the query string when it differs from the state (no needless browser updates)."""
    wanted = {k: v for k, v in {**params, **(extra or {})}.items() if v not in (None, "")}
    if _query_dict() != wanted:
        st.query_params.from_dict(wanted)


def key(params: dict[str, str]) -> tuple:
    """The hashable cache key of a filter state, with the reader's team scope (ui/access.py): every
    figure a page asks ui/data.py for honours the scope, and the cache never mixes two readers'."""
    from ui import access

    items = tuple(sorted((k, v) for k, v in params.items() if k != data.SCOPE_PARAM))
    return items + ((data.SCOPE_PARAM, access.scope()),)


def describe(params: dict[str, str]) -> str:
    """The filter state in words, in the session's language (shown under every page title)."""
    if not params:
        return t("filters.none")
    date_from, date_to = _parse_date(params.get("date_from")), _parse_date(params.get("date_to"))
    parts = []
    if date_from or date_to:
        parts.append(f"{i18n.date(date_from) if date_from else '…'} – {i18n.date(date_to) if date_to else '…'}")
    else:
        parts.append(t("filters.period.all"))
    for dim in DIMENSIONS:
        if params.get(dim):
            values = _split_values(params[dim])
            parts.append(f"{t('filters.' + dim)}: {', '.join(values)}")
    return " · ".join(parts)


def split_values(text: str) -> list[str]:
    """The values of one dimension in a URL parameter (``\\,`` is a comma inside a value)."""
    return _split_values(text)


def _split_values(text: str) -> list[str]:
    if data.has_metrics():
        from metrics.filters import _split

        return list(_split(text))
    return [v for v in text.split(",") if v]
