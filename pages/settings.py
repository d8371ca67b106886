"""Settings: SLA policies, business hours, thresholds, money and language, validated and
written to the user's settings file (ui/data.save_settings). A reader who may not change
settings (ui/access.py) sees the settings in force as a table, with no form and no save button."""
from __future__ import annotations

import datetime as dt
import re

import polars as pl
import streamlit as st

import config
from ui import access, components, data, i18n
from ui.i18n import t
from ui.safe import plain, plain_list

K = "set_"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INTERVAL = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
CONDITION_COLUMNS = ("priority", "channel", "team", "category", "source", "agent", "status", "tags", "sla_policy")


# ---------------------------------------------------------------- SLA conditions as text
def conditions_text(conditions: dict) -> str:
    parts = []
    for column, value in (conditions or {}).items():
        values = value if isinstance(value, list) else [value]
        parts.append(f"{column}=" + "|".join(str(v) for v in values))
    return "; ".join(parts)


def parse_conditions(text: str, row: int, problems: list[str]) -> dict:
    out: dict = {}
    for part in [p.strip() for p in (text or "").split(";") if p.strip()]:
        if "=" not in part:
            problems.append(f"SLA row {row}: condition {part!r} needs column=value (e.g. priority=urgent|high)")
            continue
        column, values = (x.strip() for x in part.split("=", 1))
        if column not in CONDITION_COLUMNS:
            problems.append(f"SLA row {row}: {column!r} is not a ticket column to match on; use one of {', '.join(CONDITION_COLUMNS)}")
            continue
        items = [v.strip() for v in values.split("|")]
        out[column] = items[0] if len(items) == 1 else items
    return out


def policies_frame(policies: list[dict]) -> pl.DataFrame:
    return pl.DataFrame({
        "name": [p.get("name", "") for p in policies],
        "conditions": [conditions_text(p.get("conditions", {})) for p in policies],
        "first_reply_minutes": [p.get("first_reply_minutes") for p in policies],
        "next_reply_minutes": [p.get("next_reply_minutes") for p in policies],
        "resolution_minutes": [p.get("resolution_minutes") for p in policies],
        "business": [bool(p.get("business", False)) for p in policies],
    }, schema={"name": pl.String, "conditions": pl.String, "first_reply_minutes": pl.Float64,
               "next_reply_minutes": pl.Float64, "resolution_minutes": pl.Float64, "business": pl.Boolean})


def policies_from(frame: pl.DataFrame, problems: list[str]) -> list[dict]:
    policies = []
    for i, r in enumerate(frame.to_dicts(), start=1):
        if not (r.get("name") or "").strip():
            problems.append(f"SLA row {i}: give the policy a name")
            continue
        policy = {"name": r["name"].strip(), "conditions": parse_conditions(r.get("conditions") or "", i, problems)}
        for target in ("first_reply_minutes", "next_reply_minutes", "resolution_minutes"):
            value = r.get(target)
            if value is None:
                continue
            if value <= 0:
                problems.append(f"SLA row {i} ({policy['name']}): {target} must be a positive number of minutes, not {value}")
                continue
            policy[target] = int(value) if float(value).is_integer() else float(value)
        if not any(k.endswith("_minutes") for k in policy):
            problems.append(f"SLA row {i} ({policy['name']}): set at least one target (first reply, next reply or resolution)")
        policy["business"] = bool(r.get("business"))
        policies.append(policy)
    return policies


# ---------------------------------------------------------------- the initiative register
def scope_text(scope: dict) -> str:
    return conditions_text(scope)


def parse_scope(text: str, row: int, problems: list[str]) -> dict:
    from metrics.filters import DIMENSIONS

    out: dict = {}
    for part in [p.strip() for p in (text or "").split(";") if p.strip()]:
        if "=" not in part:
            problems.append(f"initiative row {row}: scope {part!r} needs dimension=value (e.g. channel=chat)")
            continue
        dim, values = (x.strip() for x in part.split("=", 1))
        if dim not in DIMENSIONS:
            problems.append(f"initiative row {row}: {dim!r} is not a filter dimension; use one of {', '.join(DIMENSIONS)}")
            continue
        items = [v.strip() for v in values.split("|") if v.strip()]
        out[dim] = items[0] if len(items) == 1 else items
    return out


def initiatives_frame(items: list[dict]) -> pl.DataFrame:
    def day(value):
        try:
            return dt.date.fromisoformat(str(value)) if value else None
        except ValueError:
            return None

    return pl.DataFrame({
        "name": [str(i.get("name", "")) for i in items],
        "start": [day(i.get("start")) for i in items],
        "end": [day(i.get("end")) for i in items],
        "scope": [scope_text(i.get("scope") or {}) for i in items],
        "metric": [str(i.get("metric", "")) for i in items],
        "target_change": [i.get("target_change") if isinstance(i.get("target_change"), (int, float)) else None
                          for i in items],
        "owner": [str(i.get("owner", "")) for i in items],
    }, schema={"name": pl.String, "start": pl.Date, "end": pl.Date, "scope": pl.String, "metric": pl.String,
               "target_change": pl.Float64, "owner": pl.String})


def _iso_day(value) -> str:
    """A date the editor returns (a date, a datetime at midnight, or text) as YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")[:10]


def initiatives_from(frame: pl.DataFrame, problems: list[str]) -> list[dict]:
    items = []
    for i, r in enumerate(frame.to_dicts(), start=1):
        if not any(v not in (None, "") for v in r.values()):
            continue  # an empty row the editor added
        item = {"name": (r.get("name") or "").strip(), "start": _iso_day(r.get("start")),
                "scope": parse_scope(r.get("scope") or "", i, problems), "metric": (r.get("metric") or "").strip(),
                "target_change": r.get("target_change"), "owner": (r.get("owner") or "").strip()}
        if r.get("end"):
            item["end"] = _iso_day(r["end"])
        items.append(item)
    problems.extend(data.check_initiatives(items))
    return items


def parse_intervals(day: str, text: str, problems: list[str]) -> list[str]:
    out = []
    for part in [p.strip().replace(" ", "") for p in (text or "").split(",") if p.strip()]:
        m = INTERVAL.match(part)
        if not m or part.split("-")[0] >= part.split("-")[1]:
            problems.append(f"{day}: {part!r} is not an interval like 09:00-18:00 (start before end)")
            continue
        out.append(part)
    return out


def parse_holidays(text: str, problems: list[str]) -> list[str]:
    out = []
    for line in [x.strip() for x in (text or "").replace(",", "\n").splitlines() if x.strip()]:
        try:
            out.append(dt.date.fromisoformat(line).isoformat())
        except ValueError:
            problems.append(f"holidays: {line!r} is not a date YYYY-MM-DD")
    return out


def flat_settings(settings: dict, prefix: str = "") -> list[tuple[str, str]]:
    """(key, value as text) of every setting, for the read-only view ([access] left out: it names people)."""
    rows = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if name == "access":
            continue
        if isinstance(value, dict):
            rows += flat_settings(value, name + ".")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            rows += [(f"{name}[{i}]", config.to_toml(v).strip().replace("\n", "; ")) for i, v in enumerate(value)]
        else:
            rows.append((name, config.to_toml({"v": value}).strip()[4:]))
    return rows


def read_only(settings: dict) -> None:
    st.info(t("set.readonly"), icon=":material/lock:")
    rows = flat_settings(settings)
    st.dataframe(pl.DataFrame({t("set.col.key"): [k for k, _ in rows], t("col.value"): [v for _, v in rows]}),
                 hide_index=True, key=K + "readonly", height=components.table_height(len(rows), 900))


def body() -> None:
    st.title(t("set.title"))
    s = config.get()
    if not access.allows("settings"):
        read_only(s)
        return
    problems: list[str] = []

    st.subheader(t("set.sla"))
    edited = st.data_editor(
        policies_frame(s.get("sla", {}).get("policies", [])), num_rows="dynamic", hide_index=True, key=K + "sla",
        column_config={
            "name": st.column_config.TextColumn(t("set.sla.name"), required=True),
            "conditions": st.column_config.TextColumn(t("set.sla.conditions"), width="medium"),
            "first_reply_minutes": st.column_config.NumberColumn(t("set.sla.first_reply"), min_value=0, step=1),
            "next_reply_minutes": st.column_config.NumberColumn(t("set.sla.next_reply"), min_value=0, step=1),
            "resolution_minutes": st.column_config.NumberColumn(t("set.sla.resolution"), min_value=0, step=1),
            "business": st.column_config.CheckboxColumn(t("set.sla.business")),
        })
    policies = policies_from(edited, problems)

    st.subheader(t("set.init"))
    edited_initiatives = st.data_editor(
        initiatives_frame(s.get("initiatives") or []), num_rows="dynamic", hide_index=True, key=K + "initiatives",
        column_config={
            "name": st.column_config.TextColumn(t("set.init.name"), required=True, width="medium"),
            "start": st.column_config.DateColumn(t("set.init.start"), format="YYYY-MM-DD"),
            "end": st.column_config.DateColumn(t("set.init.end"), format="YYYY-MM-DD"),
            "scope": st.column_config.TextColumn(t("set.init.scope"), help=t("set.init.help")),
            "metric": st.column_config.SelectboxColumn(t("set.init.metric"), options=data.initiative_metrics()),
            "target_change": st.column_config.NumberColumn(t("set.init.target"), min_value=-0.99, step=0.05,
                                                           format="%+.2f", help=t("set.init.help")),
            "owner": st.column_config.TextColumn(t("set.init.owner")),
        })
    st.caption(t("set.init.help"))
    initiative_items = initiatives_from(edited_initiatives, problems)

    st.subheader(t("set.hours"))
    hours = s.get("business_hours", {})
    left, right = st.columns(2)
    tz = left.text_input(t("set.hours.tz"), value=hours.get("time_zone", "UTC"), key=K + "tz")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception:
        problems.append(f"business hours: {tz!r} is not an IANA time zone name (e.g. Europe/Moscow)")
    country = right.text_input(t("set.hours.country"), value=hours.get("holiday_country", ""), key=K + "country")
    if country.strip():
        try:
            import holidays

            holidays.country_holidays(country.strip().upper())
        except Exception:
            problems.append(f"holiday country {country!r} is not a country code the holidays package knows (e.g. US, RU, GB)")
    week = {}
    cols = st.columns(7)
    for col, day in zip(cols, WEEKDAYS):
        text = col.text_input(t(f"weekday.{day}"), value=", ".join(hours.get(day, [])), key=K + day,
                              help=t("set.hours.help"))
        week[day] = parse_intervals(day, text, problems)
    extra_days = parse_holidays(st.text_area(t("set.hours.holidays"), value="\n".join(hours.get("holidays", [])),
                                             key=K + "holidays", height=100), problems)

    st.subheader(t("set.metrics"))
    m = s.get("metrics", {})
    c1, c2, c3, c4 = st.columns(4)
    csat_min = c1.number_input(t("set.csat_min"), 1, 5, int(m.get("csat_satisfied_min", 4)), key=K + "csat")
    short_abandon = c2.number_input(t("set.short_abandon"), 0, 600, int(m.get("short_abandon_seconds", 5)), key=K + "short")
    sl_seconds = c3.number_input(t("set.sl_seconds"), 1, 3600, int(m.get("service_level_seconds", 20)), key=K + "slsec")
    sl_target = c4.number_input(t("set.sl_target"), 0.0, 1.0, float(m.get("service_level_target", 0.8)), 0.05,
                                key=K + "sltarget")
    c1, c2, c3, c4 = st.columns(4)
    repeat_days = c1.number_input(t("set.repeat_days"), 1, 365, int(m.get("repeat_contact_days", 7)), key=K + "repeat")
    small = c2.number_input(t("set.small_sample"), 1, 10_000, int(m.get("small_sample", 20)), key=K + "small")
    nps_small = c3.number_input(t("set.nps_small"), 1, 10_000, int(m.get("nps_small_sample", 30)), key=K + "npssmall")
    report_tz = c4.text_input(t("set.report_tz"), value=m.get("report_timezone", "UTC"), key=K + "reporttz",
                              help=t("set.report_tz.help")).strip()
    try:
        report_tz = data.check_report_timezone(report_tz)
    except ValueError as exc:
        problems.append(str(exc))

    st.subheader(t("set.churn"))
    ch = s.get("churn", {})
    neg = ch.get("negative", {})
    toggles = {}
    cols = st.columns(4)
    for i, name in enumerate(("sla_breach", "bad_csat", "nps_detractor", "abandoned_call", "reopened",
                              "slow_first_reply", "repeat_contact")):
        toggles[name] = cols[i % 4].toggle(t(f"set.neg.{name}"), value=bool(neg.get(name, False)), key=K + "neg_" + name)
    c1, c2, c3, c4, c5 = st.columns(5)
    bad_csat_max = c1.number_input(t("set.neg.bad_csat_max"), 1, 5, int(neg.get("bad_csat_max", 2)), key=K + "badcsat")
    slow_hours = c2.number_input(t("set.neg.slow_first_reply_hours"), 1, 720, int(neg.get("slow_first_reply_hours", 12)),
                                 key=K + "slowh")
    window = c3.number_input(t("set.churn.window"), 1, 730, int(ch.get("window_days", 90)), key=K + "window")
    horizon = c4.number_input(t("set.churn.horizon"), 1, 120, int(ch.get("horizon_months", 12)), key=K + "horizon")
    margin = c5.number_input(t("set.churn.margin"), 0.0, 1.0, float(ch.get("gross_margin", 0.7)), 0.05, key=K + "margin")

    st.subheader(t("set.ui"))
    ui = s.get("ui", {})
    c1, c2, _ = st.columns([1, 1, 2])
    currency = c1.text_input(t("set.currency"), value=ui.get("currency", "USD"), key=K + "currency").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        problems.append(f"currency {currency!r} must be a three-letter ISO code such as USD, EUR, RUB")
    languages = list(i18n.LANGUAGES)
    language = c2.selectbox(t("set.language"), languages, index=languages.index(ui.get("language", "en"))
                            if ui.get("language") in languages else 0, format_func=i18n.LANGUAGES.get, key=K + "lang")

    if st.button(t("set.save"), type="primary", key=K + "save", icon=":material/save:"):
        if problems:
            st.error(t("set.problems") + "\n\n" + plain_list(problems))
            return
        changes = {
            "ui": {"currency": currency, "language": language},
            "business_hours": {"time_zone": tz, "holiday_country": country.strip().upper(), "holidays": extra_days, **week},
            "metrics": {"csat_satisfied_min": int(csat_min), "short_abandon_seconds": int(short_abandon),
                        "service_level_seconds": int(sl_seconds), "service_level_target": float(sl_target),
                        "repeat_contact_days": int(repeat_days), "small_sample": int(small),
                        "nps_small_sample": int(nps_small), "report_timezone": report_tz},
            "sla": {"policies": policies},
            "initiatives": initiative_items,
            "churn": {"window_days": int(window), "horizon_months": int(horizon), "gross_margin": float(margin),
                      "negative": {**toggles, "bad_csat_max": int(bad_csat_max), "slow_first_reply_hours": int(slow_hours)}},
        }
        path = data.save_settings(changes)
        st.success(t("set.saved", path=plain(path)))
    elif problems:
        st.warning(t("set.problems") + "\n\n" + plain_list(problems))


components.run_page(body)
