"""Deskscope dashboard: the st.navigation router and the frame every page shares (who is reading
and what they may see, language, global filters synced with the URL, data status line). Run with
``streamlit run app.py``.

Every run starts here: ui/access.py works out the reader (sign-in, role, team scope) before any
page is chosen. A reader who is not allowed in gets the sign-in page and nothing else; pages only
ever see the scope and the actions the reader may perform (docs/security.md)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import streamlit as st  # noqa: E402

import config  # noqa: E402
from ui import access, components, data, filters, i18n  # noqa: E402
from ui.i18n import t  # noqa: E402
from ui.safe import plain  # noqa: E402

import time  # noqa: E402

RUN_STARTED = time.perf_counter()
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
# The icon ships with the app: a ":material/...:" page icon makes the browser fetch it from a font server.
st.set_page_config(page_title="Deskscope", page_icon=str(HERE / "ui" / "assets" / "icon.svg"), layout="wide")

# ---- shared state (created here only): language and filter params
if "lang" not in st.session_state:
    wanted = st.query_params.get("lang")
    try:
        default = config.get().get("ui", {}).get("language", "en")
    except Exception:  # unreadable settings must not stop the app
        default = "en"
    st.session_state["lang"] = wanted if wanted in i18n.LANGUAGES else (default if default in i18n.LANGUAGES else "en")

# ---- who is reading: sign-in, role and team scope (ui/access.py), before any page is chosen
try:
    SETTINGS = config.get()
except Exception:  # unreadable settings: access rules fall back to none (nobody signed in is let in)
    SETTINGS = {}
reader = access.establish(SETTINGS)
access.log_startup(SETTINGS)


def gate() -> None:
    """The only page of a reader who is not allowed in: sign in, or why they are refused."""
    if reader.sign_in == "broken":
        st.title(t("auth.refused_title"))
        st.error(t("auth.broken", problems=plain("; ".join(reader.problems))), icon=":material/lock:")
        return
    if not reader.signed_in:
        st.title(t("auth.title"))
        st.write(t("auth.intro"))
        for provider in access.providers():
            label = t("auth.sign_in") if provider == "default" else t("auth.sign_in_with", provider=plain(provider.title()))
            if st.button(label, key=f"auth_login_{provider}", type="primary", icon=":material/login:"):
                st.login(provider if provider != "default" else None)
        return
    st.title(t("auth.refused_title"))
    st.error(t("auth.refused", why=plain("; ".join(reader.problems))), icon=":material/lock:")
    if st.button(t("auth.sign_out"), key="auth_logout_refused", icon=":material/logout:"):
        st.logout()


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
if reader.role is None:
    # Every address of the app leads to the sign-in page (a shared link to /tickets included).
    with st.sidebar:
        st.segmented_control(t("lang.label"), list(i18n.LANGUAGES), key="lang", format_func=i18n.LANGUAGES.get,
                             required=True, label_visibility="collapsed")
    gates = [st.Page(gate, title=t("auth.title"), url_path="signin", default=True)]
    gates += [st.Page(gate, title=t("auth.title"), url_path=url) for *_, url in ANALYSE + MANAGE]
    st.navigation(gates, position="hidden").run()
    st.stop()

# Snapshots are reports over every team: only for a reader who may open them and sees every team.
if not reader.allows("snapshots") or reader.scope is not None:
    MANAGE = [entry for entry in MANAGE if entry[3] != "snapshots"]


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
        filters.sync_url(params, {"lang": "ru"} if st.session_state["lang"] == "ru" else None,
                         keep_prefix="calc_" if page.url_path == "churn" else None)
    else:
        # Filter widgets are not drawn here: keep their values for the way back.
        for name in list(st.session_state.keys()):
            if isinstance(name, str) and name.startswith(filters.KEY) and name != filters.KEY + "reset":
                st.session_state[name] = st.session_state[name]
        params = st.session_state.get("flt_params", {})
except Exception as exc:  # a broken filter must not take the page down
    logging.getLogger("deskscope.ui").exception("filters failed")
    st.sidebar.error(t("error.section", error=plain(str(exc)[:200])))
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
        st.sidebar.caption("  \n".join(plain(line) for line in lines))
except Exception as exc:
    logging.getLogger("deskscope.ui").exception("data status failed")
    st.sidebar.caption(t("error.section", error=plain(str(exc)[:200])))

# ---- the reader, their role and teams, and sign-out (when sign-in is on)
if reader.signed_in:
    with st.sidebar.container(border=True):
        st.caption(t("auth.signed_in", name=plain(reader.name or reader.email)) + "  \n"
                   + plain(reader.email) + "  \n" + t("auth.role", role=t(f"auth.role.{reader.role}")) + "  \n"
                   + (t("auth.teams", teams=plain(", ".join(reader.scope))) if reader.scope is not None
                      else t("auth.all_teams")))
        if st.button(t("auth.sign_out"), key="auth_logout", icon=":material/logout:", type="tertiary"):
            st.logout()

# Served beyond this machine without sign-in: say so on every page.
if access.exposed_without_sign_in():
    st.warning(t("auth.exposed", address=plain(access.address() or "0.0.0.0")), icon=":material/warning:")

components.card_css()
st.session_state[components.FRAME_MARK] = True
components.guard(page.run)
# One line per run: how long the server took (the browser adds its drawing time).
logging.getLogger("deskscope.ui").info("%s drawn in %.3f s", page.url_path or "overview", time.perf_counter() - RUN_STARTED)
