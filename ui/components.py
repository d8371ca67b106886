"""Shared page pieces: the page guard (never a traceback), empty states, KPI tiles, charts,
drill-down tables and safe CSV/XLSX downloads."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import traceback
from typing import Callable, Iterable

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from ui import access, data, i18n
from ui.i18n import t
from ui.safe import chart_text, plain  # noqa: F401  (pages call components.plain/chart_text too)

log = logging.getLogger("deskscope.ui")
DATA_PAGE = "pages/data.py"
# A spreadsheet treats a cell starting with one of these as a formula (CSV/XLSX injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------- errors and empty states
def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


FRAME_MARK = "_frame_run"  # app.py sets it on every run before the page runs


def _outside_frame() -> bool:
    """True when Streamlit ran a page file without app.py (see ``run_page``)."""
    return not st.session_state.get(FRAME_MARK)


def _enter_frame() -> None:
    """Streamlit runs a page file without app.py while it still believes this is a pages/-folder
    app: on a fresh server's first request for a deep link (/data), and on every AppTest run.
    Switch Streamlit to st.navigation mode and run the frame (app.py) in this same run — the
    URL path names the same page in both modes — then stop the bare page. Rerunning instead
    would drop the click that started this run."""
    try:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
    except Exception:  # a future Streamlit without the flag needs no help
        return
    import runpy
    from pathlib import Path

    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"), run_name="__main__")
    st.stop()


def run_page(body: Callable[[], None]) -> None:
    """Run a page body inside the frame; an exception becomes a readable error box."""
    if _outside_frame():
        _enter_frame()
    st.session_state[FRAME_MARK] = False
    guard(body)


def guard(body: Callable[[], None]) -> None:
    """Run ``body``; an exception becomes a readable error box (traceback to the console)."""
    try:
        body()
    except (StopException, RerunException):
        raise
    except access.Denied as exc:  # an admin action asked for by a reader who may not (ui/access.py)
        st.warning(t("auth.denied", why=plain(_short(exc))), icon=":material/lock:")
    except Exception as exc:
        log.error("page failed:\n%s", traceback.format_exc())
        st.error(t("error.page", error=plain(_short(exc))), icon=":material/error:")


@contextlib.contextmanager
def section():
    """Like run_page for one part of a page: the rest still draws."""
    try:
        yield
    except (StopException, RerunException):
        raise
    except access.Denied as exc:
        st.warning(t("auth.denied", why=plain(_short(exc))), icon=":material/lock:")
    except Exception as exc:
        log.error("section failed:\n%s", traceback.format_exc())
        st.error(t("error.section", error=plain(_short(exc))), icon=":material/error:")


def empty_state(message_key: str, link: bool = True, **values) -> None:
    st.info(t(message_key, **{k: plain(v) for k, v in values.items()}), icon=":material/info:")
    if link:
        st.page_link(DATA_PAGE, label=t("empty.go_data"), icon=":material/upload_file:")


def _scoped_empty() -> bool:
    """A reader limited to some teams whose teams have none of these rows: say so (the rows may be
    loaded, for other teams), rather than "nothing loaded" and a link to the Data page."""
    scope = access.scope()
    if not scope:  # every team (None), or no team at all (scope_note already says so)
        return scope is not None
    st.info(t("auth.scope_empty", teams=plain(", ".join(scope))), icon=":material/lock:")
    return True


def require(*tables: str, message_key: str = "empty.no_tickets") -> bool:
    """True when every table has rows; otherwise an empty state pointing to Data."""
    if all(data.rows(tb) > 0 for tb in tables):
        return True
    if _scoped_empty():
        return False
    nothing = not any(data.rows(tb) for tb in ("tickets", "calls", "surveys", "customers"))
    empty_state("empty.no_data" if nothing and message_key != "empty.no_tickets" else message_key)
    return False


def require_any(*tables: str, message_key: str = "empty.no_data") -> bool:
    """True when at least one table has rows; otherwise an empty state pointing to Data."""
    if any(data.rows(tb) > 0 for tb in tables):
        return True
    if _scoped_empty():
        return False
    empty_state(message_key)
    return False


def require_metrics() -> bool:
    if data.has_metrics():
        return True
    st.warning(t("empty.no_metrics"), icon=":material/construction:")
    return False


def page_header(title_key: str, params: dict[str, str] | None = None) -> None:
    st.title(t(title_key))
    if params is not None:
        from ui import filters

        st.caption(plain(filters.describe(params)))
    scope_note(params)


def scope_note(params: dict[str, str] | None = None) -> None:
    """Which teams the reader's figures cover (a reader limited to some teams), and a team filter
    outside them (e.g. a forged ?team=) that therefore matches nothing."""
    scope = access.scope()
    if scope is None:
        return
    if not scope:
        st.warning(t("auth.scope_none"), icon=":material/lock:")
        return
    st.caption(":material/lock: " + t("auth.scope", teams=plain(", ".join(scope))))
    if params and params.get("team"):
        from ui import filters

        outside = [v for v in filters.split_values(params["team"]) if v not in scope]
        if outside:
            st.info(t("auth.outside_scope", teams=plain(", ".join(outside))), icon=":material/lock:")


TABLE_OF = {"ticket_metrics": "tickets", "ticket_sat": "tickets"}


def _has_rows(metric_id: str) -> bool:
    try:
        from metrics.registry import METRICS

        tables = METRICS[metric_id].tables
    except (ImportError, KeyError):
        return True
    return any(data.rows(TABLE_OF.get(tb, tb)) > 0 for tb in tables)


def nothing_in_period(comparison: dict, *metric_ids: str) -> bool:
    """True (and an explanation shown) when the filters leave none of these counts above zero."""
    if any(((comparison.get(m) or {}).get("current") or 0) > 0 for m in metric_ids):
        return False
    st.info(t("empty.filtered"), icon=":material/filter_alt_off:")
    return True


def figure_notes(params: dict[str, str], comparison: dict, skip_empty_tables: bool = False) -> None:
    """The engine's reasons for missing figures (a filter a table lacks, no rows loaded); asked
    only when a figure is missing, as it costs one more KPI query. ``skip_empty_tables``: leave
    out "no ... loaded" and the undated survey responses a date filter leaves out (the page's
    tiles and captions say both in the page's language)."""
    from ui import filters

    if any((v or {}).get("approximate") for v in comparison.values()):
        st.caption(approximate_note())
    meta = getattr(comparison, "meta", None) or {}
    previous = meta.get("previous_filters")
    shown_tables = {t for m in comparison for t in [_table_of(m)] if t}
    cut = {tb: d for tb, d in (meta.get("previous_before_data") or {}).items() if tb in shown_tables}
    if cut and previous is not None:  # e.g. the data begin mid-way through the previous period
        tables = ", ".join(f"{t(f'table.{tb}')} ({i18n.date(d)})" for tb, d in sorted(cut.items()))
        st.caption(":material/history_toggle_off: " + plain(t("note.previous_before_data", tables=tables,
                   start=i18n.date(previous.date_from), end=i18n.date(previous.date_to))))
    missing = [m for m, v in comparison.items() if (v or {}).get("current") is None]
    # A figure missing because its table is empty is explained by the tile itself; ask the engine
    # only about figures whose data exists (a filter the table lacks, an empty period).
    if not any(_has_rows(m) for m in missing):
        return
    for note in data.notes(filters.key(params)):
        if skip_empty_tables and ((note.startswith("no ") and note.endswith(" loaded")) or "have no date" in note):
            continue
        st.caption(":material/info: " + plain(i18n.method_note(note)))


def _table_of(metric_id: str) -> str | None:
    from metrics import engine

    return engine._table_of(metric_id)


def approximate_note() -> str:
    """What "≈" before a figure means (shown wherever one is)."""
    return t("kpi.approximate", n=i18n.number(int(data.setting("metrics", "exact_quantile_max_rows") or 200_000), 0),
             scan=i18n.number(int(data.setting("metrics", "exact_quantile_max_scan_rows") or 2_000_000), 0))


def approximate_columns(frame: pl.DataFrame) -> set[str]:
    """The metric columns of an engine.breakdown frame whose values are approximate (its
    ``approximate`` column: the engine decides per call, so a whole column is or is not)."""
    if "approximate" not in frame.columns or not frame.get_column("approximate").fill_null(False).any():
        return set()
    from metrics.engine import can_be_approximate

    return {c for c in frame.columns if can_be_approximate(c)}


def marked(text: str, is_approximate: bool) -> str:
    """A formatted figure with "≈" before it when it is approximate."""
    if not is_approximate:
        return text
    from metrics.registry import approximate

    return approximate(text, True)


def approximate_format(fmt: str) -> str:
    """A table column's number format with "≈" before every cell."""
    from metrics.registry import APPROXIMATE_MARK

    return f"{APPROXIMATE_MARK} {fmt}"


# ---------------------------------------------------------------- KPI tiles
# Cards never cut a number or a label: labels wrap, values are compact ($1.97M) with the exact
# value in the tooltip. Streamlit truncates both with an ellipsis by default.
CARD_CSS = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; height: auto !important;}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; overflow-wrap: anywhere;}
[data-testid="stMetricValue"] {font-size: clamp(1.4rem, 2.2vw, 2.25rem) !important; line-height: 1.2 !important;}
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] *, [data-testid="stMetricDeltaDescription"],
[data-testid="stMetricDeltaDescription"] * {white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; max-width: none !important;}
div:has(> [data-testid="stMetricDelta"]) {flex-wrap: wrap !important; row-gap: 0.2rem;}
[data-testid="stMetricDeltaDescription"] {flex: 1 1 9rem; min-width: 9rem;}
[data-testid="stMetricDeltaDescription"] p, [data-testid="stMetricLabel"] p {word-break: normal !important;
  overflow-wrap: normal !important;}
[data-testid="stCheckbox"] p, [data-testid="stWidgetLabel"] p {white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important;}
.stMarkdownBadge, .stMarkdownBadge * {white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; max-width: 100% !important; height: auto !important;}
[data-testid="stMetricDeltaDescription"]:has(+ *), [data-testid="stMetricDelta"] {flex-wrap: wrap;}
</style>"""


def card_css() -> None:
    """The card rules above; app.py injects them once per run (a style block, no content). In Russian
    the file uploader's own English ("Upload", "2GB per file") is replaced by the catalogue's words."""
    css = CARD_CSS
    if i18n.current() == "ru":
        limit = st.get_option("server.maxUploadSize") or 200
        size = i18n.file_size(limit * 1024 * 1024)
        css += ("<style>[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p {display: none;}"
                f"[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer']::after {{content: {_css_text(t('data.browse'))};}}"
                "[data-testid='stFileUploaderDropzoneInstructions'] span {display: none;}"
                f"[data-testid='stFileUploaderDropzoneInstructions'] > div::after {{content: {_css_text(t('data.limit', size=size))};"
                "font-size: 0.875rem; opacity: 0.7;}</style>")
    st.html(css)


def _css_text(text: str) -> str:
    """A CSS string literal (quotes and backslashes escaped): catalogue text only, never data."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'



def _tile_note(metric_id: str, params: dict[str, str]) -> str | None:
    """Why a card has no value: the export cannot measure it, or a filter does not apply to it."""
    if metric_id in data.unmeasurable():
        return t("kpi.not_measurable_export")
    gap = data.filter_gap(metric_id, params)
    if gap:
        table, dims = gap
        return t("kpi.filter_not_applicable", table=t(f"table.{table}"), dims=", ".join(t(f"filters.{d}").lower() for d in dims))
    return None


def target_badge(metric_id: str, current) -> None:
    """The figure against its target: good / watch / bad, coloured."""
    if current is None:
        return
    from metrics import targets as tg

    goals, margin = data.targets()
    goal = goals.get(metric_id)
    state = tg.state(metric_id, current, goal, margin)
    if state is None:
        return
    op = "≤" if i18n.metric_better(metric_id) == "lower" else "≥"
    shown = i18n.metric_value(metric_id, goal)
    per_second = {"seconds": 1, "minutes": 60, "hours": 3600}.get(i18n.metric_unit(metric_id))
    if per_second:
        # The target in the unit of the value beside it: "1.6 hr · target ≤ 1.0 hr", not "≤ 60 min".
        import formatting as fmt

        shown = fmt.duration_in(goal * per_second, fmt.duration_unit(current * per_second), i18n.current())
    st.badge(t("target.badge", op=op, target=shown, state=t(f"target.state.{state}")),
             color={"good": "green", "watch": "orange", "bad": "red"}[state],
             icon={"good": ":material/check_circle:", "watch": ":material/visibility:", "bad": ":material/error:"}[state],
             help=t("target.help", op=op, target=shown, margin=i18n.percent(margin, 0)))


def kpi_tile(metric_id: str, comparison: dict | None, spark: Iterable | None = None, note: str | None = None,
             drill: tuple[str, str | None] | None = None, key: str = "") -> None:
    """A metric with its change vs the previous period, its target state and a sparkline.

    comparison: {"current", "previous", "change", "significant"} from engine.compare.
    note: shown instead of the value when the data for it is missing (e.g. "no calls loaded").
    drill: (kind, where) — the "Rows" button opens exactly the rows behind the number
    (metrics/drilldown.py) next to it; ``drill`` presets the page's rows section otherwise.
    """
    comparison = comparison or {}
    current = comparison.get("current")
    previous = comparison.get("previous")
    label = i18n.metric_name(metric_id)
    params = st.session_state.get("flt_params", {})
    with st.container(border=True, height="stretch"):
        if current is None:
            why = _tile_note(metric_id, params) or note
            if why:
                st.metric(label, "—", delta=plain(why), delta_color="off", delta_arrow="off", help=i18n.metric_help(metric_id))
                return
        delta = i18n.metric_delta(metric_id, current, previous)
        # Streamlit reads a delta's direction from a leading "-" only; the typographic minus of
        # our deltas would point every fall up. The arrow and colour are therefore set here.
        arrow, color = i18n.delta_style(metric_id, current, previous, delta)
        description = None
        if delta:
            description = t("kpi.vs_previous") + (" · " + t("kpi.significant") if comparison.get("significant") else "")
        chart = [float(v) for v in (spark or []) if v is not None]
        approx = bool(comparison.get("approximate")) and current is not None
        shown = marked(i18n.metric_value(metric_id, current), approx)
        full = marked(i18n.metric_value_full(metric_id, current), approx)
        help_text = "\n\n".join(x for x in (t("kpi.full_value", value=full), i18n.metric_help(metric_id)) if x)
        st.metric(label, shown, delta=delta, delta_color=color, delta_arrow=arrow,
                  help=help_text, chart_data=chart if len(chart) > 1 else None,
                  chart_type="area", delta_description=description)
        target_badge(metric_id, current)
        if drill and current is not None:
            if st.button(t("kpi.show_rows"), key=f"{key}drill_{metric_id}", type="tertiary",
                         icon=":material/table_rows:"):
                if data.drill_rows(filter_key(params), metric_id, 1) is not None:
                    rows_dialog(metric_id, params, current)
                else:
                    st.session_state[f"{key}drill"] = drill
                    st.toast(t("drill.below"), icon=":material/arrow_downward:")


def filter_key(params: dict[str, str]) -> tuple:
    from ui import filters

    return filters.key(params)


# Human column names and units of the rows behind a number (canonical column -> (label key, unit)).
ROW_COLUMNS = {
    "tickets": {"source_id": ("col.ticket", "text"), "created_at": ("col.created", "datetime"),
                "status": ("col.status", "enum"), "priority": ("dim.priority", "text"), "channel": ("dim.channel", "text"),
                "team": ("dim.team", "text"), "agent": ("dim.agent", "text"), "customer_id": ("col.customer", "text"),
                "category": ("dim.category", "text"), "subject": ("col.subject", "text"),
                "first_reply_calendar_minutes": ("col.first_reply", "minutes"),
                "full_resolution_calendar_minutes": ("col.resolution", "minutes"), "reopens": ("col.reopens", "count"),
                "agent_replies": ("col.replies", "count"), "sla_policy": ("col.sla_policy", "text"),
                "source": ("dim.source", "text")},
    "sla_targets": {"source_id": ("col.ticket", "text"), "created_at": ("col.created", "datetime"),
                    "sla_target": ("col.sla_target", "enum"), "status": ("col.sla_status", "enum"),
                    "target_minutes": ("col.target", "minutes"), "elapsed_minutes": ("col.elapsed", "minutes"),
                    "sla_policy": ("col.sla_policy", "text"), "priority": ("dim.priority", "text"),
                    "team": ("dim.team", "text"), "agent": ("dim.agent", "text"), "source": ("dim.source", "text")},
    "calls": {"source_id": ("col.call", "text"), "queued_at": ("col.queued", "datetime"), "outcome": ("col.outcome", "enum"),
              "queue": ("dim.queue", "text"), "agent": ("dim.agent", "text"), "team": ("dim.team", "text"),
              "customer_id": ("col.customer", "text"), "wait_seconds": ("col.wait", "seconds"),
              "talk_seconds": ("col.talk", "seconds"), "direction": ("col.direction", "enum"), "source": ("dim.source", "text")},
    "surveys": {"source_id": ("col.response", "text"), "responded_at": ("col.responded", "datetime"),
                "kind": ("col.kind", "text"), "score": ("col.score", "decimal"), "comment": ("col.comment", "text"),
                "agent": ("dim.agent", "text"), "team": ("dim.team", "text"), "channel": ("dim.channel", "text"),
                "ticket_id": ("col.ticket", "text"), "customer_id": ("col.customer", "text"), "source": ("dim.source", "text")},
}


def _translate_enums(frame: pl.DataFrame, columns: dict) -> pl.DataFrame:
    """Canonical values Deskscope itself writes (status, outcome, SLA status) in the session's language."""
    lang = i18n.current()
    exprs = []
    for column, (_, unit) in columns.items():
        if unit == "enum" and column in frame.columns and frame.schema[column] == pl.String:
            values = [v for v in frame.get_column(column).unique().to_list() if v is not None]
            mapping = {v: t(f"enum.{v}", lang) for v in values if f"enum.{v}" in i18n.STRINGS}
            if mapping:
                exprs.append(pl.col(column).replace(mapping))
    return frame.with_columns(exprs) if exprs else frame


def show_rows(frame: pl.DataFrame, kind: str, key: str, numerator_label: str | None = None, height: int | None = None) -> None:
    """Rows from the data with human column names, blanks as blanks, values formatted like the cards."""
    columns = {c: (t(label), "text" if unit == "enum" else unit) for c, (label, unit) in ROW_COLUMNS[kind].items()}
    frame = frame.with_columns([pl.col(d).map_elements(lambda v, d=d: i18n.dim_value(d, v), return_dtype=pl.String)
                                for d in ("priority", "channel") if d in frame.columns and frame.schema[d] == pl.String])
    if numerator_label and "in_numerator" in frame.columns:
        columns = {**dict(list(columns.items())[:2]), "in_numerator": (numerator_label, "bool"), **dict(list(columns.items())[2:])}
    frame = _translate_enums(frame, ROW_COLUMNS[kind])
    table(frame, key, columns, height=height if height is not None else table_height(frame.height, 420))


def rows_dialog(metric_id: str, params: dict[str, str], current) -> None:
    """Open, next to the card, exactly the rows behind its number."""
    label = i18n.metric_name(metric_id)

    def body() -> None:
        result = data.drill_rows(filter_key(params), metric_id)
        if not result or result["total"] == 0:
            st.info(t("empty.no_rows"))
            return
        frame, total, numerator, kind = result["frame"], result["total"], result["numerator"], result["kind"]
        noun = t(f"drill.noun.{kind}")
        if numerator is not None:
            st.markdown(t("drill.rate_caption", numerator=i18n.number(numerator), total=i18n.number(total), noun=noun,
                          what=t(f"drill.num.{metric_id}") if f"drill.num.{metric_id}" in i18n.STRINGS else label,
                          value=i18n.metric_value(metric_id, current)))
        else:
            st.markdown(t("drill.count_caption", total=i18n.number(total), noun=noun, what=label,
                          value=i18n.metric_value(metric_id, current)))
        from ui import filters

        st.caption(plain(filters.describe(params)))
        if frame.height < total:
            st.caption(t("drill.first_rows", shown=i18n.number(frame.height), total=i18n.number(total)))
        show_rows(frame, kind, f"dlg_{metric_id}_table",
                  t(f"drill.num.{metric_id}") if f"drill.num.{metric_id}" in i18n.STRINGS else None)
        download_buttons(frame, f"deskscope-{metric_id}", key=f"dlg_{metric_id}_dl")

    st.dialog(t("drill.dialog_title", what=label), width="large")(body)()


def tile_grid(items: list[dict], columns: int = 4, key: str = "") -> None:
    """Lay tiles out in rows of ``columns``; each item holds kpi_tile's keyword arguments."""
    for start in range(0, len(items), columns):
        cols = st.columns(columns)
        for col, item in zip(cols, items[start:start + columns]):
            with col:
                kpi_tile(key=key, **item)


def name_groups(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """A breakdown's group column as text, the rows with no value named "(not set)" (shown only)."""
    if by not in frame.columns:
        return frame
    frame = frame.with_columns(pl.col(by).cast(pl.String).fill_null(t("dim.not_set")))
    return frame.with_columns(pl.col(by).map_elements(lambda v: i18n.dim_value(by, v), return_dtype=pl.String))


PERCENT = "%.1f%%"  # rates in tables: one decimal everywhere (Streamlit's "percent" drops trailing zeros)


def as_percent(frame: pl.DataFrame, columns: Iterable[str] | None = None) -> pl.DataFrame:
    """A display copy with fractions as percentages (for the ``PERCENT`` format): the named
    ``columns``, by default every column that is a metric measured as a fraction."""
    if columns is None:
        columns = [c for c in frame.columns if i18n.metric_unit(c) == "fraction"]
    return frame.with_columns([(pl.col(c) * 100).alias(c) for c in columns if c in frame.columns])


def _cell_formatter(unit: str, lang: str):
    """A Babel/CLDR formatter for one table column's unit (the same text a card shows); blanks stay blank."""
    import formatting as fmt

    def wrap(fn):
        return lambda v: "" if fmt.missing(v) or v == "" else v if isinstance(v, str) and unit != "text" else fn(v)

    return wrap({
        "count": lambda v: fmt.number(v, 0 if float(v).is_integer() else 1, lang),
        "decimal": lambda v: fmt.number(v, 1, lang),
        "fraction": lambda v: fmt.percent(v, 1, lang),
        "minutes": lambda v: fmt.duration_minutes(v, lang),
        "hours": lambda v: fmt.duration_minutes(v * 60, lang),
        "seconds": lambda v: fmt.duration_seconds(v, lang),
        "score": lambda v: fmt.number(v, 2, lang),
        "points": lambda v: fmt.points(v, 1, lang),
        "signed_fraction": lambda v: fmt.signed_percent(v, 1, lang),
        "nps": lambda v: fmt.signed_number(v, 1, lang),
        "money": lambda v: fmt.money(v, i18n._settings_currency(), lang, short=False),
        "date": lambda v: fmt.date(v, lang),
        "datetime": lambda v: fmt.datetime(v, lang),
        "bool": lambda v: v if isinstance(v, str) else "✓" if v else "",
        "text": lambda v: str(v),
    }.get(unit, lambda v: str(v)))


def table(frame: pl.DataFrame, key: str, columns: dict[str, tuple] | None = None, height: int | None = None,
          width: str = "stretch", approximate: set[str] | None = None) -> None:
    """A data table whose cells read like the cards: numbers, money, durations and dates formatted by
    formatting.py in the session's language (thousands separators, one unit per figure), blanks as
    blanks (never "None"), human column names. The values underneath stay numbers, so sorting a
    column sorts numbers. ``columns``: {column: (label, unit[, help])}, in the order shown; columns
    not listed are left out. Text from the data is shown as plain text."""
    import formatting as fmt

    lang = i18n.current()
    columns = columns or {c: (c, "text") for c in frame.columns}
    shown = [c for c in columns if c in frame.columns]
    # A yes/no column as a mark: a grid shows booleans as checkboxes whose text is "true"/"false".
    marks = [pl.col(c).map_elements(lambda v: "✓" if v else "", return_dtype=pl.String).alias(c)
             for c in shown if columns[c][1] == "bool" and frame.schema[c] == pl.Boolean]
    frame = frame.with_columns(marks) if marks else frame
    pdf = frame.select(shown).to_pandas()
    labels = {c: columns[c][0] for c in shown}
    pdf.columns = [labels[c] for c in shown]
    # One unit per duration column: the unit of its median value, in every cell.
    per_second = {"seconds": 1, "minutes": 60, "hours": 3600}
    fixed = {}
    for c in shown:
        if columns[c][1] in per_second and frame.schema[c].is_numeric():
            values = frame[c].drop_nulls()
            if len(values):
                fixed[c] = fmt.duration_unit(float(values.abs().median()) * per_second[columns[c][1]])

    def formatter(c):
        fn = _cell_formatter(columns[c][1], lang)
        if c in fixed:
            scale, unit_name = per_second[columns[c][1]], fixed[c]
            fn = lambda v, scale=scale, unit_name=unit_name: (  # noqa: E731
                "" if fmt.missing(v) or v == "" else v if isinstance(v, str) else fmt.duration_in(v * scale, unit_name, lang))
        if c in (approximate or ()):  # "≈" before every value of an approximate column
            return lambda v: marked(fn(v), fn(v) != "")
        return fn

    styler = pdf.style.format({labels[c]: formatter(c) for c in shown}, na_rep="")
    config = {labels[c]: st.column_config.Column(labels[c], help=columns[c][2] if len(columns[c]) > 2 else None)  # plain-text: headers' help is catalogue text the callers give (metric_help, t())
              for c in shown}
    # placeholder="": a missing value is a blank cell, not the grid's own word "None".
    st.dataframe(styler, hide_index=True, key=key, column_config=config, width=width, placeholder="",
                 height=height if height is not None else table_height(frame.height))


def metric_columns(ids: Iterable[str]) -> dict[str, tuple]:
    """Table columns for metric ids: their names, units and definitions."""
    return {m: (i18n.metric_name(m), i18n.metric_unit(m), i18n.metric_help(m)) for m in ids}


def blank_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Empty text cells shown empty rather than as "None" (a display copy; numbers are left alone)."""
    return frame.with_columns([pl.col(c).fill_null("") for c, dtype in frame.schema.items() if dtype == pl.String])


def table_height(rows: int, cap: int = 520) -> int:
    """A dataframe's height that fits its rows (no empty grid below a short table)."""
    return min(cap, 35 * (rows + 1) + 3)


def _day(value) -> dt.date | None:
    """A date from a filter value or a status date ("2024-03-01", a date, a datetime); None if not one."""
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def grain_for(params: dict[str, str]) -> str:
    """Enough points for a trend without hundreds of them: day up to 2 months, week up to 2 years."""
    status = data.status()
    start = _day(params.get("date_from") or status.get("first"))
    end = _day(params.get("date_to") or status.get("last"))
    if start is None or end is None:
        return "week"
    days = (end - start).days + 1
    return "day" if days <= 62 else "week" if days <= 730 else "month"


def shown_span(params: dict[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of data a chart can show: the date filter within the data's span
    (the trend's grain follows the filter alone, see ``grain_for``)."""
    status = data.status()
    first, last = _day(status.get("first")), _day(status.get("last"))
    since, until = _day(params.get("date_from")), _day(params.get("date_to"))
    first = max(d for d in (first, since) if d) if first or since else None
    last = min(d for d in (last, until) if d) if last or until else None
    return first, last


def partial_periods(periods: Iterable, grain: str, first: dt.date | None, last: dt.date | None) -> list[bool]:
    """For each period start, whether the period reaches outside [first, last] (its count is not
    comparable with a whole period's)."""
    flags = []
    for period in periods:
        start = period.date() if isinstance(period, dt.datetime) else period
        if grain == "day":
            end = start
        elif grain == "week":
            end = start + dt.timedelta(days=6)
        else:
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        flags.append(bool((first and start < first) or (last and end > last)))
    return flags


def partial_symbols(periods: Iterable, grain: str, params: dict[str, str]) -> list[str]:
    """Marker symbols for a trend's points (period starts as dates or ISO text): hollow for a period
    the date filter or the data cut, whose count is not a whole period's; ``partial_note`` says so."""
    first, last = shown_span(params)
    flags = partial_periods([_day(p) for p in periods], grain, first, last)
    return ["circle-open" if f else "circle" for f in flags]


def partial_note(params: dict[str, str]) -> None:
    """The caption under a trend with hollow (partial) points."""
    first, last = shown_span(params)
    st.caption(t("ov.partial", first=i18n.date(first), last=i18n.date(last)))


# ---------------------------------------------------------------- charts
def _has_date_x(fig) -> bool:
    """Whether a trace's x values are dates (date objects, or ISO dates as text)."""
    import re

    for trace in fig.data:
        x = getattr(trace, "x", None)
        if x is None or not len(x):
            continue
        first = x[0]
        if isinstance(first, (dt.date, dt.datetime)) or (isinstance(first, str) and re.match(r"^\d{4}-\d{2}-\d{2}", first)):
            return True
    return False


def axis_period(grain: str) -> str:
    return t(f"axis.period.{grain}")


def axis_share(name: str) -> str:
    """A rate axis title with its unit: "SLA breach rate, %"."""
    return t("axis.share", name=name)


def axis_duration(name: str, unit_id: str = "duration-hour") -> str:
    """A duration axis title with its unit: "First reply time, hr" (CLDR unit name)."""
    return t("axis.duration", name=name, unit=i18n.unit_name(unit_id))


def duration_bins(lower: list, upper: list) -> list[str]:
    """Labels of duration bins from their edges in minutes, in the session's language: "under 15 min",
    "15–30 min", "1–2 hr", "7 days and more" (CLDR units, formatting.py)."""
    import formatting as fmt

    lang = i18n.current()

    def unit_of(m: float) -> tuple[str, float]:
        if m >= 1440 and m % 1440 == 0:
            return "duration-day", m / 1440
        if m >= 60 and m % 60 == 0:
            return "duration-hour", m / 60
        return "duration-minute", m

    out = []
    for lo, hi in zip(lower, upper):
        if hi is None:
            u, v = unit_of(lo)
            out.append(t("bin.ge", a=fmt.unit(v, u, lang)))
        elif not lo:
            u, v = unit_of(hi)
            out.append(t("bin.lt", b=fmt.unit(v, u, lang)))
        else:
            u_lo, v_lo = unit_of(lo)
            u_hi, v_hi = unit_of(hi)
            a = fmt.number(v_lo, 0 if float(v_lo).is_integer() else 1, lang) if u_lo == u_hi else fmt.unit(v_lo, u_lo, lang)
            out.append(t("bin.range", a=a, b=fmt.unit(v_hi, u_hi, lang)))
    return out


def axis_title(metric_id: str) -> str:
    """A metric's axis title with its unit: "%" for rates, the CLDR unit name for durations."""
    name, unit = i18n.metric_name(metric_id), i18n.metric_unit(metric_id)
    if unit == "fraction":
        return axis_share(name)
    if unit in ("minutes", "hours", "seconds"):
        return axis_duration(name, {"minutes": "duration-minute", "hours": "duration-hour", "seconds": "duration-second"}[unit])
    if unit == "nps":
        return t("axis.nps", name=name)
    return name


def chart(fig, key: str, height: int = 360, x_title: str | None = None, y_title: str | None = None,
          rate_y: bool = False) -> None:
    """A Plotly chart with axis titles (with units) and, for rates, a y axis from zero in percent."""
    if i18n.current() == "ru" and _has_date_x(fig):
        # Plotly's bundled locale is English: write Russian dates as numbers instead of "Mar 3".
        fig.update_xaxes(tickformat="%d.%m.%Y")
    if x_title is not None:
        fig.update_xaxes(title=x_title)
    if y_title is not None:
        fig.update_yaxes(title=y_title)
    if rate_y:
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    # Quantities from zero unless a chart sets its own range: a count axis starting at 20 exaggerates
    # every dip (category axes are left alone).
    for axis in fig.select_yaxes():
        if axis.range is None and axis.rangemode is None and axis.type not in ("category", "multicategory"):
            axis.rangemode = "tozero"
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
                      separators=", " if i18n.current() == "ru" else ".,")
    st.plotly_chart(fig, key=key, config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]})


# ---------------------------------------------------------------- safe exports
def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells a spreadsheet would run as a formula with a single quote."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = col.str.starts_with(FORMULA_STARTS[0])
            for start in FORMULA_STARTS[1:]:
                risky = risky | col.str.starts_with(start)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists and structs as text so every writer can take them."""
    exprs = [pl.col(n).cast(pl.String) if isinstance(dt_, (pl.List, pl.Struct, pl.Array, pl.Object)) else pl.col(n)
             for n, dt_ in frame.schema.items()]
    return frame.select(exprs)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    safe = neutralise(_flat(frame).with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S"),
                                                pl.col(pl.Date).dt.strftime("%Y-%m-%d")))
    # BOM so Excel opens UTF-8 (Cyrillic names) correctly.
    return "\ufeff".encode("utf-8") + safe.write_csv().encode("utf-8")


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "rows") -> bytes:
    """An XLSX written cell by cell with strings never turned into formulas or links."""
    import xlsxwriter

    safe = neutralise(_flat(frame))
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    sheet_ = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for c, name in enumerate(safe.columns):
        sheet_.write_string(0, c, str(name), bold)
        sheet_.set_column(c, c, min(40, max(10, len(str(name)) + 2)))
    for r, row in enumerate(safe.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet_.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                if value == value and value not in (float("inf"), float("-inf")):
                    sheet_.write_number(r, c, value)
            elif isinstance(value, dt.datetime):
                sheet_.write_datetime(r, c, value, stamp)
            elif isinstance(value, dt.date):
                sheet_.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
            else:
                sheet_.write_string(r, c, str(value))
    sheet_.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def download_buttons(frame: pl.DataFrame, basename: str, key: str) -> None:
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("download.csv"), data=lambda: csv_bytes(frame), file_name=f"{basename}.csv",
                         mime="text/csv", key=f"{key}_csv", icon=":material/download:", on_click="ignore")
    right.download_button(t("download.xlsx"), data=lambda: xlsx_bytes(frame), file_name=f"{basename}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", icon=":material/download:", on_click="ignore")


# ---------------------------------------------------------------- drill-down
DRILLS = {  # (kind, engine.drill predicate, label) — predicates are metrics.engine.DRILLS
    "tickets": [("tickets", None, "drill.tickets"), ("tickets", "sla_breached", "drill.sla_breached"),
                ("tickets", "sla_active_breach", "drill.sla_active_breach"), ("tickets", "backlog", "drill.backlog"),
                ("tickets", "unreplied", "drill.unreplied"), ("tickets", "reopened", "drill.reopened")],
    "calls": [("calls", None, "drill.calls"), ("calls", "abandoned", "drill.abandoned"),
              ("calls", "outside_service_level", "drill.outside_service_level")],
    "surveys": [("surveys", None, "drill.surveys"), ("surveys", "bad_csat", "drill.bad_csat"),
                ("surveys", "detractor", "drill.detractor")],
}


def drill_section(params: dict[str, str], kinds: Iterable[str], key: str, limit: int = 5000) -> None:
    """The rows behind the page's numbers for the current filters, with downloads.

    A tile's "Rows" button preselects its drill (``{key}drill`` in the session state).
    """
    from ui import filters

    choices = [c for kind in kinds for c in DRILLS[kind]
               if data.rows(kind) > 0]
    if not choices:
        return
    st.subheader(t("drill.title"))
    preset = st.session_state.get(f"{key}drill")
    labels = [c[2] for c in choices]
    if preset:
        match = next((c[2] for c in choices if (c[0], c[1]) == tuple(preset)), None)
        if match:
            st.session_state[f"{key}drill_pick"] = match
        st.session_state[f"{key}drill"] = None
        st.session_state[f"{key}drill_open"] = True
    pick_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    picked = pick_col.selectbox(t("drill.what"), labels, key=f"{key}drill_pick", format_func=i18n.labels())
    is_open = st.session_state.get(f"{key}drill_open", False)
    if button_col.button(t("drill.hide") if is_open else t("drill.show"), key=f"{key}drill_toggle"):
        is_open = not is_open
        st.session_state[f"{key}drill_open"] = is_open
    if not is_open:
        return
    kind, where, _ = next(c for c in choices if c[2] == picked)
    frame = data.drill(filters.key(params), kind=kind, where=where, limit=limit)
    if frame.height == 0:
        st.info(t("empty.no_rows"))
        return
    count_key = "drill.count" if frame.height >= limit else "drill.count_all"
    if count_key == "drill.count":
        st.caption(t(count_key, limit=i18n.number(limit), filters=plain(filters.describe(params))))
    else:
        st.caption(t(count_key, n=i18n.number(frame.height), filters=plain(filters.describe(params))))
    show_rows(frame, kind, f"{key}drill_table")
    download_buttons(frame, f"deskscope-{kind}{'-' + where if where else ''}", key=f"{key}drill_dl")


# ---------------------------------------------------------------- churn figures
def churn_money(analysis: dict | None) -> dict | None:
    """The headline money figures of a churn analysis (metrics/churn.py), None when not available.

    customers: attributable churned customers (estimate, low, high); lost: their revenue over the
    horizon; at_risk: monthly revenue x horizon of customers with a recent negative experience
    who have not left yet.
    """
    if not analysis or not analysis.get("available") or not analysis.get("estimate"):
        return None
    attributable = analysis["estimate"].get("attributable_churned") or {}
    money = analysis.get("money") or {}
    lost = money.get("lost_revenue_horizon") or {}
    if attributable.get("estimate") is None:
        return None
    return {"customers": attributable.get("estimate"), "low": attributable.get("low"), "high": attributable.get("high"),
            "lost": lost.get("estimate"), "lost_low": lost.get("low"), "lost_high": lost.get("high"),
            "at_risk": money.get("revenue_at_risk_horizon"), "at_risk_customers": money.get("revenue_at_risk_customers"),
            "months": int(money.get("horizon_months") or 12), "currency": analysis.get("currency")}


def churn_tiles(analysis: dict | None) -> None:
    """Attributable churn, lost revenue and revenue at risk as tiles (or why they are missing)."""
    if analysis is None:
        return
    st.subheader(t("ov.section.churn"))
    scope = access.scope()
    st.caption(t("ov.churn_scope") if scope is None else t("auth.churn_scope", teams=plain(", ".join(scope))))
    money = churn_money(analysis)
    cols = st.columns(4)
    labels = [t("ov.attributable"), t("ch.lost_revenue"), t("ov.revenue_at_risk")]
    if money is None:
        # No customers at all, or customers the analysis cannot compare yet (its message says why).
        note = t("kpi.no_customers") if data.rows("customers") == 0 else t("kpi.not_measurable")
        code = f"ch.why.{analysis.get('message_code') or ''}"  # metrics/churn.py's reason, translated
        params = {k: plain(v) for k, v in (analysis.get("message_params") or {}).items() if not isinstance(v, dict)}
        why = (t(code, **params) if code in i18n.STRINGS else plain(i18n.method_note(analysis.get("message") or ""))) or None
        for i, col in enumerate(cols[:len(labels)]):
            col.metric(labels[i], "—", delta=note, delta_color="off", delta_arrow="off", border=True, help=why)
        return
    ci = None
    if money["low"] is not None and money["high"] is not None:
        ci = t("ch.ci", low=i18n.integer(money["low"]), high=i18n.integer(money["high"]))
    cur = money["currency"]
    cols[0].metric(labels[0], i18n.tn("ov.customers_n", money["customers"]), delta=ci,
                   delta_color="off", delta_arrow="off", border=True, help=t("ov.attributable_help"))
    lost_ci = None
    if money["lost_low"] is not None and money["lost_high"] is not None:
        lost_ci = t("ch.ci", low=i18n.money(money["lost_low"], cur), high=i18n.money(money["lost_high"], cur))
    cols[1].metric(labels[1], i18n.money(money["lost"], cur), delta=lost_ci, delta_color="off", delta_arrow="off",
                   border=True, help=t("ov.lost_help", months=int(money["months"])))
    cols[2].metric(labels[2], i18n.money(money["at_risk"], cur),
                   delta=i18n.tn("ov.customers_n", money["at_risk_customers"]),
                   delta_color="off", delta_arrow="off", border=True, help=t("ov.at_risk_help", months=int(money["months"])))


def not_measurable(key: str, why: str) -> None:
    """A figure the export cannot support, and why: the catalogue's sentence for ``key`` when it has
    one (``nm.<key>``), else the metrics module's own words as plain text."""
    if f"nm.{key}" in i18n.STRINGS:
        text = t(f"nm.{key}")
    else:
        from reports.operations import reason

        text = plain(reason(why, i18n.current()))
    st.caption(":material/block: " + t("ops.not_measurable", why=text))
