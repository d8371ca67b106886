"""Who the reader is and what they may see and do: the one place that knows about sign-in and roles.

``app.py`` (the frame every page passes through) calls ``establish()`` on every run; it stores an
``Access`` in the session state that pages read with ``current()``. Pages never look at roles:
they ask ``allows(action)`` before drawing a control, and the code that performs an admin action
(ui/data.py: loading, removing a load, recomputing, saving settings; reading snapshots) calls
``require(action)`` right before it, so a forged widget event is refused by the server too.

* Sign-in is Streamlit's own OIDC support (``st.login`` / ``st.user`` / ``st.logout``), on when
  ``.streamlit/secrets.toml`` has an ``[auth]`` section (docs/security.md shows it for Google,
  Microsoft Entra ID and Keycloak). Without it nobody signs in and the reader is an admin over
  every team: right for one person on 127.0.0.1, the default address. Served on any other
  address without sign-in, every page shows a warning banner and the log says so at start-up.
* Roles come from the ``[access]`` settings, by e-mail or e-mail domain: ``admins`` may load
  data, remove loads, recompute, change settings and open snapshots; ``viewers`` read and export.
  A signed-in user listed in neither is refused (a Google sign-in alone proves only that someone
  has a Google account).
* ``[access.teams]`` maps an e-mail or a domain to the teams that user sees (``Filters.scope``);
  a user it does not list sees every team.
"""
from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field

import streamlit as st

log = logging.getLogger("deskscope.access")

ACCESS_KEY = "access"  # session state; created by app.py only
ACTIONS = {
    "admin": frozenset({"read", "export", "load", "remove", "recompute", "settings", "snapshots"}),
    "viewer": frozenset({"read", "export"}),
}
REQUIRED_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
PROVIDER_OPTIONS = {"client_kwargs"}  # tables inside [auth] that are options, not named providers


class Denied(PermissionError):
    """An action the current reader may not perform (the message says who, what and why)."""


@dataclass(frozen=True)
class Access:
    role: str | None                     # "admin", "viewer", or None (not allowed in)
    scope: tuple[str, ...] | None = None  # teams the reader sees; None = every team
    email: str | None = None             # the signed-in user's e-mail (None: sign-in is off)
    name: str | None = None
    sign_in: str = "off"                  # "off", "on", or "broken" (an [auth] section Streamlit cannot use)
    signed_in: bool = False
    problems: tuple[str, ...] = field(default_factory=tuple)  # why sign-in is broken / the user is refused

    def allows(self, action: str) -> bool:
        return action in ACTIONS.get(self.role or "", frozenset())

    def who(self) -> str:
        return self.email or ("local user" if self.sign_in == "off" else "anonymous")


# ---------------------------------------------------------------- sign-in configuration
def auth_section() -> dict:
    """``[auth]`` of the secrets (``.streamlit/secrets.toml`` or ``--secrets.files``), {} without it."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        section = st.secrets.get("auth")
    except Exception as exc:  # an unreadable secrets file: treat as broken, never as "off"
        return {"_error": str(exc)}
    return dict(section) if section else {}


def providers(section: dict | None = None) -> list[str]:
    """The provider names ``st.login`` takes: named ``[auth.NAME]`` tables, else the default one."""
    section = auth_section() if section is None else section
    named = [k for k, v in section.items() if k not in PROVIDER_OPTIONS and (isinstance(v, dict) or hasattr(v, "keys"))]
    return named or ["default"]


def sign_in_state(section: dict | None = None) -> tuple[str, list[str]]:
    """("off" | "on" | "broken", problems). Broken keeps everyone out rather than letting them in."""
    section = auth_section() if section is None else section
    if not section:
        return "off", []
    if "_error" in section:
        return "broken", [f"the secrets file cannot be read: {section['_error']}"]
    problems = [f"[auth] needs {key}" for key in ("redirect_uri", "cookie_secret") if not section.get(key)]
    redirect = str(section.get("redirect_uri") or "")
    if redirect and not redirect.endswith("/oauth2callback"):
        problems.append("[auth] redirect_uri must end with /oauth2callback (e.g. https://deskscope.example.com/oauth2callback)")
    named = [k for k in providers(section) if k != "default"]
    for name in named or ["default"]:
        block = section if name == "default" else dict(section[name])
        where = "[auth]" if name == "default" else f"[auth.{name}]"
        problems += [f"{where} needs {key}" for key in REQUIRED_PROVIDER_KEYS if not block.get(key)]
    try:
        import authlib  # noqa: F401  Streamlit's st.login needs it (requirements.txt pins it)
    except ImportError:
        problems.append("the Authlib package is missing: pip install -r requirements.txt")
    return ("broken" if problems else "on"), problems


def address() -> str:
    try:
        return str(st.get_option("server.address") or "")
    except Exception:
        return ""


def is_local(host: str) -> bool:
    """True when the server listens on the loopback interface only (127.0.0.0/8, ::1, localhost)."""
    host = (host or "").strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "" (every interface), 0.0.0.0, a host name


def exposed_without_sign_in() -> bool:
    return sign_in_state()[0] == "off" and not is_local(address())


def startup_messages(settings: dict | None = None) -> list[str]:
    """What the log must say about access when the server starts (empty when all is well)."""
    state, problems = sign_in_state()
    host = address() or "every interface"
    out = []
    if state == "off" and not is_local(address()):
        out.append(f"the dashboard listens on {host} without sign-in: anyone who reaches this port sees every "
                   "figure and can load data, remove loads and change settings. Configure [auth] in "
                   ".streamlit/secrets.toml (docs/security.md) or listen on 127.0.0.1.")
    if state == "broken":
        out.append("sign-in is configured but unusable, so nobody can open the dashboard: " + "; ".join(problems))
    if state == "on":
        rules = _rules(settings)
        if not rules["admins"] and not rules["viewers"]:
            out.append("sign-in is on but access.admins and access.viewers are empty: everyone who signs in "
                       "is refused. List e-mails or @domains in settings.toml, [access].")
    return out


# ---------------------------------------------------------------- roles and team scope
def _rules(settings: dict | None) -> dict:
    if settings is None:
        import config

        settings = config.get()
    section = settings.get("access") or {}
    teams = section.get("teams") or {}
    return {"admins": [str(x) for x in section.get("admins") or []],
            "viewers": [str(x) for x in section.get("viewers") or []],
            "teams": {str(k): v for k, v in teams.items()}}


def _domain_of(entry: str) -> str | None:
    """The domain an entry names ("@example.com" or "example.com"), None for an e-mail address."""
    entry = entry.strip().lower()
    if entry.startswith("@"):
        return entry[1:]
    return None if "@" in entry else entry


def matches(entry: str, email: str) -> bool:
    """An access entry against an e-mail: the same address, or the address's exact domain (a
    domain entry does not match its subdomains or look-alikes such as evil-example.com)."""
    email = email.strip().lower()
    entry = entry.strip().lower()
    if not entry or "@" not in email:
        return False
    domain = _domain_of(entry)
    if domain is None:
        return email == entry
    return email.rsplit("@", 1)[1] == domain


def role_and_scope(email: str, settings: dict | None = None) -> tuple[str | None, tuple[str, ...] | None]:
    """The role (admin beats viewer) and the team scope of an e-mail under the ``[access]`` settings.
    For the scope an entry naming the address beats one naming its domain."""
    rules = _rules(settings)
    role = None
    if any(matches(e, email) for e in rules["admins"]):
        role = "admin"
    elif any(matches(e, email) for e in rules["viewers"]):
        role = "viewer"
    scope = None
    exact = [v for k, v in rules["teams"].items() if _domain_of(k) is None and matches(k, email)]
    by_domain = [v for k, v in rules["teams"].items() if _domain_of(k) is not None and matches(k, email)]
    for found in (exact, by_domain):
        if found:
            teams = found[0]
            scope = tuple(sorted({str(x) for x in ([teams] if isinstance(teams, str) else teams)}))
            break
    return role, scope


def _claim(user, name: str):
    try:
        return user.get(name)
    except Exception:
        return None


def _identity(user) -> tuple[str | None, str | None, bool | None]:
    """(e-mail, display name, e-mail verified?) from st.user's claims. Entra ID may send the address
    only as preferred_username; an explicit email_verified = false is not trusted."""
    email = _claim(user, "email")
    if not email:
        candidate = _claim(user, "preferred_username") or _claim(user, "upn")
        email = candidate if isinstance(candidate, str) and "@" in candidate else None
    verified = _claim(user, "email_verified")
    if isinstance(verified, str):
        verified = verified.strip().lower() == "true"
    name = _claim(user, "name") or email
    return (str(email).strip().lower() if email else None), (str(name) if name else None), verified


def establish(settings: dict | None = None) -> Access:
    """Work out this session's Access from the sign-in state, st.user and the settings (app.py)."""
    state, problems = sign_in_state()
    if state == "off":
        access = Access(role="admin", scope=None, sign_in="off")
    elif state == "broken":
        access = Access(role=None, sign_in="broken", problems=tuple(problems))
    elif not _claim(st.user, "is_logged_in"):
        access = Access(role=None, sign_in="on")
    else:
        email, name, verified = _identity(st.user)
        if not email:
            access = Access(role=None, sign_in="on", signed_in=True, name=name,
                            problems=("the identity provider sent no e-mail address (add the email scope/claim)",))
        elif verified is False:
            access = Access(role=None, sign_in="on", signed_in=True, email=email, name=name,
                            problems=(f"the identity provider says {email} is not verified",))
        else:
            role, scope = role_and_scope(email, settings)
            why = () if role else (f"{email} is not listed in access.admins or access.viewers",)
            access = Access(role=role, scope=scope, email=email, name=name, sign_in="on", signed_in=True,
                            problems=why)
    st.session_state[ACCESS_KEY] = access
    return access


def current() -> Access:
    """The Access app.py established for this run; no Access means no rights at all."""
    access = st.session_state.get(ACCESS_KEY)
    return access if isinstance(access, Access) else Access(role=None, sign_in="broken",
                                                             problems=("the app frame did not run",))


def scope() -> tuple[str, ...] | None:
    return current().scope


def allows(action: str) -> bool:
    return current().allows(action)


def require(action: str) -> Access:
    """Refuse ``action`` unless the current reader may perform it: called by the code that performs
    an admin action, right before it acts (a forged widget event reaches this and stops here)."""
    access = current()
    if not access.allows(action):
        log.warning("refused %s for %s (role %s)", action, access.who(), access.role or "none")
        raise Denied(f"{access.who()} may not {action.replace('_', ' ')}: only admins may "
                     "(access.admins in the settings)")
    return access


_LOGGED: set[tuple] = set()
LOGGED_ENV = "DESKSCOPE_ACCESS_LOGGED"  # set by `cli.py serve`, which logs before Streamlit starts


def log_startup(settings: dict | None = None) -> str:
    """Write startup_messages() to the log once per server process (app.py calls it on every run;
    Streamlit runs no app code before the first page is opened, so under ``streamlit run`` the
    lines come with the first page; ``cli.py serve`` writes them before the server starts and
    tells the server so through the environment). Returns the stamp of what was logged."""
    import os

    state = sign_in_state()[0]
    stamp = (address(), state)
    text = f"{stamp[0]}|{stamp[1]}"
    if stamp in _LOGGED or os.environ.get(LOGGED_ENV) == text:
        return text
    _LOGGED.add(stamp)
    messages = startup_messages(settings)
    for message in messages:
        log.warning(message)
    if not messages:
        log.info("access: sign-in %s, listening on %s", state, address() or "every interface")
    return text
