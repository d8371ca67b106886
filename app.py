"""Deskscope dashboard: the st.navigation router and the frame every page shares (language,
global filters synced with the URL, data status line). Run with ``streamlit run app.py``."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import streamlit as st  # noqa: E402

import config  # noqa: E402
from ui import components, data, filters, i18n  # noqa: E402
from ui.i18n import t  # noqa: E402

import time  # noqa: E402

RUN_STARTED = time.perf_counter()
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Deskscope", page_icon=":material/support_agent:", layout="wide")

# ---- shared state (created here only): language and filter params
if "lang" not in st.session_state:
    wanted = st.query_params.get("lang")
    try:
        default = config.get().get("ui", {}).get("language", "en")
    except Exception:  # unreadable settings must not stop the app
        default = "en"
    st.session_state["lang"] = wanted if wanted in i18n.LANGUAGES else (default if default in i18n.LANGUAGES else "en")

ANALYSE = [
    ("pages/overview.py", "nav.overview", ":material/dashboard:", "overview"),
    ("pages/tickets.py", "nav.tickets", ":material/confirmation_number:", "tickets"),
    ("pages/calls.py", "nav.calls", ":material/call:", "calls"),
    ("pages/satisfaction.py", "nav.satisfaction", ":material/sentiment_satisfied:", "satisfaction"),
    ("pages/agents.py", "nav.agents", ":material/groups:", "agents"),
    ("pages/churn.py", "nav.churn", ":material/trending_down:", "churn"),
    ("pages/contacts.py", "nav.contacts", ":material/forum:", "contacts"),
    ("pages/initiatives.py", "nav.initiatives", ":material/flag:", "initiatives"),
]
MANAGE = [
    ("pages/data.py", "nav.data", ":material/upload_file:", "data"),
    ("pages/settings.py", "nav.settings", ":material/settings:", "settings"),
    ("pages/snapshots.py", "nav.snapshots", ":material/history:", "snapshots"),
]


def _pages(entries, first_default=False):
    return [st.Page(path, title=t(title), icon=icon, url_path=url, default=first_default and i == 0)
            for i, (path, title, icon, url) in enumerate(entries)]


analyse_pages = _pages(ANALYSE, first_default=True)
manage_pages = _pages(MANAGE)
page = st.navigation({t("nav.section.analyse"): analyse_pages, t("nav.section.manage"): manage_pages})
on_analysis_page = page.url_path in {url for *_, url in ANALYSE} or page.url_path == ""

with st.sidebar:
    st.segmented_control(t("lang.label"), list(i18n.LANGUAGES), key="lang", format_func=i18n.LANGUAGES.get,
                         required=True, label_visibility="collapsed")

params: dict[str, str] = {}
try:
    if on_analysis_page:
        params = filters.render()
        filters.sync_url(params, {"lang": "ru"} if st.session_state["lang"] == "ru" else None)
    else:
        # Filter widgets are not drawn here: keep their values for the way back.
        for name in list(st.session_state.keys()):
            if isinstance(name, str) and name.startswith(filters.KEY) and name != filters.KEY + "reset":
                st.session_state[name] = st.session_state[name]
        params = st.session_state.get("flt_params", {})
except Exception as exc:  # a broken filter must not take the page down
    logging.getLogger("deskscope.ui").exception("filters failed")
    st.sidebar.error(t("error.section", error=str(exc)[:200]))
st.session_state["flt_params"] = params

# ---- data status line (and, once per database version, a warm-up of what the first queries read)
try:
    data.warm_up()
    status = data.status()
    counts = status["tables"]
    if not any(counts.get(tb) for tb in ("tickets", "calls", "surveys", "customers")):
        st.sidebar.caption(t("status.none"))
    else:
        lines = [t("status.line", **{tb: i18n.number(counts.get(tb, 0)) for tb in ("tickets", "calls", "surveys", "customers")})]
        if status.get("first"):
            lines.append(t("status.range", first=i18n.date(status["first"]), last=i18n.date(status["last"])))
        if status.get("last_load"):
            lines.append(t("status.loaded", when=i18n.datetime(status["last_load"])))
        st.sidebar.caption("  \n".join(lines))
except Exception as exc:
    logging.getLogger("deskscope.ui").exception("data status failed")
    st.sidebar.caption(t("error.section", error=str(exc)[:200]))

st.session_state[components.FRAME_MARK] = True
components.guard(page.run)
# One line per run: how long the server took (the browser adds its drawing time).
logging.getLogger("deskscope.ui").info("%s drawn in %.3f s", page.url_path or "overview", time.perf_counter() - RUN_STARTED)
