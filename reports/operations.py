"""The operations analyses (metrics/operations/) in the snapshots and in the audit: the data each
keeps (small, deterministic: the same data and period give the same bytes) and its HTML sections,
English and Russian. Every value from the data is escaped (reports/html.py)."""
from __future__ import annotations

import datetime as dt
import re

import formatting as fmt
from reports import html as H
from reports.text import fmt_value, number

STRINGS = {
    "operations": {"en": "What no helpdesk report shows", "ru": "Чего не покажет отчёт хелпдеска"},
    "initiatives": {"en": "Initiatives", "ru": "Инициативы"},
    "initiatives_12m": {"en": "Last 12 months' initiatives", "ru": "Инициативы за последние 12 месяцев"},
    "initiatives_note": {"en": "Each initiative against its target: the change in scope after its start against the same weeks a year earlier (or the days just before), beyond the change outside its scope, with a 95% bootstrap interval.",
                         "ru": "Каждая инициатива против своей цели: изменение в охвате после старта против тех же недель годом раньше (или дней перед стартом) с поправкой на изменение вне охвата, с 95% бутстреп-интервалом."},
    "no_initiatives": {"en": "No initiative registered (settings [[initiatives]]).", "ru": "Инициативы не заданы (настройки [[initiatives]])."},
    "no_initiatives_12m": {"en": "No initiative started in the 12 months before the end of the data.", "ru": "За 12 месяцев до конца данных инициатив не начиналось."},
    "initiative": {"en": "Initiative", "ru": "Инициатива"},
    "metric": {"en": "Metric", "ru": "Метрика"},
    "start": {"en": "Start", "ru": "Старт"},
    "before": {"en": "Before", "ru": "До"},
    "after": {"en": "After", "ru": "После"},
    "change": {"en": "Effect (95% CI)", "ru": "Эффект (95% ДИ)"},
    "target": {"en": "Target", "ru": "Цель"},
    "verdict": {"en": "Verdict", "ru": "Вердикт"},
    "why": {"en": "Why", "ru": "Почему"},
    "met": {"en": "met", "ru": "цель достигнута"},
    "not_met": {"en": "not met", "ru": "цель не достигнута"},
    "too_early": {"en": "too early", "ru": "рано судить"},
    "not_measurable": {"en": "not measurable", "ru": "не измерить"},
    "days_needed": {"en": "about {n} more days needed", "ru": "нужно ещё около {n} дн."},
    "problems": {"en": "Initiatives with a problem in the settings (not measured):", "ru": "Инициативы с ошибкой в настройках (не измерены):"},
    "drivers": {"en": "Contact drivers", "ru": "Причины обращений"},
    "drivers_headline": {"en": "{share} of contacts are about {driver}; they take {ratio}× the median resolution time.",
                         "ru": "{share} обращений — о «{driver}»; их решение занимает {ratio}× от медианного времени."},
    "driver": {"en": "Driver", "ru": "Причина"},
    "tickets": {"en": "Tickets", "ru": "Обращения"},
    "share": {"en": "Share", "ru": "Доля"},
    "resolution_ratio": {"en": "Resolution vs median", "ru": "Решение к медиане"},
    "reopen": {"en": "Reopened", "ru": "Переоткрыто"},
    "share_change": {"en": "Share change, last 28 days", "ru": "Изменение доли за 28 дней"},
    "bad_csat": {"en": "Bad CSAT", "ru": "Плохие CSAT"},
    "churned": {"en": "Churned (last touch)", "ru": "Ушли (последнее обращение)"},
    "switches": {"en": "Channel switches", "ru": "Смена канала"},
    "switches_line": {"en": "{rate} of contacts repeated the previous one within {days} days in another channel ({switches} of {contacts}); {repeats} of repeat contacts switched channel; {customers} of customers switched.",
                      "ru": "{rate} обращений повторили предыдущее в течение {days} дн. через другой канал ({switches} из {contacts}); {repeats} повторных обращений — со сменой канала; канал сменили {customers} клиентов."},
    "answered_line": {"en": "Answered in another channel: {rate} of {n} tickets that did not arrive by phone were answered by an outbound call to the customer while open.",
                      "ru": "Ответ по другому каналу: {rate} из {n} обращений, пришедших не по телефону, получили ответ исходящим звонком клиенту, пока были открыты."},
    "escalation": {"en": "Escalation after failed fixes", "ru": "Эскалация после неудачных решений"},
    "escalation_line": {"en": {"one": "{tickets} ticket was reopened {n} or more times.", "other": "{tickets} tickets were reopened {n} or more times."},
                        "ru": {"one": "{tickets} обращение переоткрывалось {n} и более раз.", "few": "{tickets} обращения переоткрывались {n} и более раз.",
                               "other": "{tickets} обращений переоткрывались {n} и более раз."}},
    "escalation_never": {"en": "{never} of those with a group history were never escalated.",
                         "ru": "Из тех, у кого есть история групп, {never} так и не были эскалированы."},
    "escalation_hours": {"en": "Median time to escalation: {hours}.", "ru": "Медиана времени до эскалации: {hours}."},
    "load": {"en": "Agent load and burnout signals", "ru": "Нагрузка агентов и признаки выгорания"},
    "load_line": {"en": "{load} tickets and calls per agent-day; {after} handled after hours; the busiest {top} of {agents} agents carry {share} of the work.",
                  "ru": "{load} обращения и звонка на рабочий день агента; {after} обработано вне графика; {top} самых загруженных из {agents} агентов выполняют {share} работы."},
    "load_csat": {"en": "{csat} of the agents judged on CSAT are at the target.", "ru": "{csat} агентов, оцениваемых по CSAT, не ниже цели."},
    "load_signals": {"en": "Agents with burnout signals: {signals}.", "ru": "Агентов с признаками выгорания: {signals}."},
    "load_who": {"en": "Who (last 28 days): {who}.", "ru": "Кто (последние 28 дней): {who}."},
    "load_more": {"en": "and {n} more", "ru": "и ещё {n}"},
    "signal_overload": {"en": "overload", "ru": "перегрузка"},
    "signal_after_hours": {"en": "after hours", "ru": "вне графика"},
    "signal_rising": {"en": "rising load", "ru": "растущая нагрузка"},
    "load_names": {"en": "Calls and tickets name no agent alike (calls: e.g. '{call}', tickets: e.g. '{ticket}'): whoever handles both is counted as two agents, so the agents are over-counted and the load per agent-day under-stated. Name them alike in [agent_load.aliases] in the settings.",
                   "ru": "В звонках и обращениях нет ни одного общего имени агента (в звонках, например, «{call}», в обращениях — «{ticket}»): кто работает и с теми, и с другими, считается двумя агентами, поэтому агентов слишком много, а нагрузка на рабочий день агента занижена. Сопоставьте имена в [agent_load.aliases] в настройках."},
    "targets": {"en": "Reply targets per channel", "ru": "Цели первого ответа по каналам"},
    "channel": {"en": "Channel", "ru": "Канал"},
    "within": {"en": "Within target", "ru": "В пределах цели"},
    "no_target": {"en": "no target", "ru": "нет цели"},
    "phone_tickets": {"en": "{n} tickets of channel phone (voicemails, callbacks, calls logged as tickets) are not judged here: the phone target is the calls' answer time.",
                      "ru": "Обращения канала «телефон» (голосовая почта, обратные звонки, звонки, записанные как обращения) здесь не оцениваются: {n}. Цель для телефона — время ответа на звонок."},
    "within_of": {"en": "Within / decided", "ru": "В пределах / решено"},
    "unanswered": {"en": "Still unanswered after {hours} h: {count} of {decided} tickets ({rate}); open without a reply now: {open}.",
                   "ru": {"one": "Без ответа дольше {hours} ч: {count} из {decided} обращения ({rate}); открыты без ответа сейчас: {open}.",
                          "other": "Без ответа дольше {hours} ч: {count} из {decided} обращений ({rate}); открыты без ответа сейчас: {open}."}},
    "replies_gap": {"en": "the export records no agent replies, so no reply target can be judged on tickets",
                    "ru": "в выгрузке нет ответов агентов, поэтому цели ответа по обращениям оценить нельзя"},
    "churn_of": {"en": "Churn: {groups}.", "ru": "Отток: {groups}."},
    "not_measurable_because": {"en": "Not measurable from this export: {why}", "ru": "По этой выгрузке не измерить: {why}"},
    "not_available": {"en": "Not available: {why}", "ru": "Нет данных: {why}"},
    "why_met": {"en": "the change reached the target and its interval excludes no change",
                "ru": "изменение достигло цели, и интервал исключает отсутствие изменений"},
    "why_not_met": {"en": "the interval excludes the target: the effect is smaller than hoped (or goes the wrong way)",
                    "ru": "интервал исключает цель: эффект меньше ожидаемого (или направлен не туда)"},
    "why_too_early_window": {"en": "not enough data after the start yet", "ru": "после старта пока мало данных"},
    "why_too_early_wide": {"en": "the interval is still too wide to tell", "ru": "интервал пока слишком широк, чтобы судить"},
    # reasons a figure cannot be measured, by the analyses' not_measurable keys (else the module's own words)
    "nm_handle_time": {"en": "the ticket exports carry no agent handle time (time worked on a ticket), so a driver's cost is its median resolution time against all tickets' instead",
                       "ru": "в выгрузках обращений нет времени работы агента над обращением, поэтому стоимость причины оценивается медианным временем решения относительно всех обращений"},
    "nm_answered_in_another_channel": {"en": "the ticket events carry no channel per message and the call log holds no answered outbound calls to customers (the one other way it shows), so a contact answered in another channel than it arrived in cannot be seen",
                                       "ru": "в событиях обращений нет канала каждого сообщения, а в журнале звонков нет принятых исходящих звонков клиентам (единственный другой способ это увидеть), поэтому не видно, что ответ пришёл по другому каналу"},
    "nm_time_to_escalation_median_hours": {"en": "the group moves carry no time (only a count such as Zendesk's 'Group stations'); an export with ticket events has them",
                                           "ru": "у переходов между группами нет времени (только их число, как «Group stations» в Zendesk); оно есть в выгрузке с событиями"},
    "nm_unescalated_share": {"en": "the export holds no group history (no group-change events, no 'Group stations' column)",
                             "ru": "в выгрузке нет истории групп (ни событий смены группы, ни столбца «Group stations»)"},
    "nm_share_change": {"en": "the period is shorter than 28 days: no earlier part to compare with",
                        "ru": "период короче 28 дней: не с чем сравнить"},
}
GROUP_WORDS = {
    "switched": ("switched channel", "сменили канал"), "did_not_switch": ("did not", "не меняли"),
    "not_escalated": ("a failed fix never escalated", "неудачное решение без эскалации"),
    "escalated": ("all escalated", "все эскалированы"), "no_failed_fixes": ("no repeated failed fix", "без повторных неудач"),
}


def t(key: str, lang: str = "en", plural_n=None, **kw) -> str:
    """A string in ``lang``; an entry of CLDR plural forms takes its form from ``plural_n``."""
    s = STRINGS[key].get(lang) or STRINGS[key]["en"]
    if isinstance(s, dict):
        import formatting

        s = formatting.plural(round(plural_n) if isinstance(plural_n, (int, float)) else 0, s, lang)
    return s.format(**kw) if kw else s


# ---------------------------------------------------------------- data
def _safe(fn, *args, **kwargs) -> dict:
    """An analysis' result; a failure becomes a note, never a failed snapshot or audit."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # one analysis must not sink the report
        return {"available": False, "message": f"{type(exc).__name__}: {exc}", "not_measurable": {}, "notes": []}


def _trim(name: str, result: dict) -> dict:
    """What a report keeps of an analysis: its figures, not its long series."""
    out = {k: v for k, v in result.items() if k not in ("weekly", "agent_rows", "trend")}
    if name == "drivers":
        out["drivers"] = (result.get("drivers") or [])[:8]
    if name == "reply_targets" and result.get("unanswered"):
        out["unanswered"] = {k: v for k, v in result["unanswered"].items() if k != "trend"}
    return out


def gather(con, filters=None, since: dt.date | None = None, as_of: dt.date | None = None) -> dict:
    """Every analysis for a filter state (a snapshot's period, or all of the audit's data), plus the
    initiatives (their own windows; ``since`` keeps those started on or after it)."""
    from metrics.operations import agent_load, channel_switches, drivers, escalation, initiatives, reply_targets

    out = {}
    for name, module in (("drivers", drivers), ("channel_switches", channel_switches), ("escalation", escalation),
                         ("agent_load", agent_load), ("reply_targets", reply_targets)):
        out[name] = _trim(name, _safe(module.analyse, con, filters))
    inits = _safe(initiatives.analyse, con, None, None, as_of, since)
    out["initiatives"] = {k: inits.get(k) for k in ("available", "message", "initiatives", "problems", "counts")}
    for item in out["initiatives"].get("initiatives") or []:
        item.pop("notes", None)
    return out


def audit_gather(con) -> dict:
    """The audit's: all the data, and the initiatives started in the 12 months before its end."""
    from metrics.operations import common

    last = max([d for d in (common.span(con, "ticket_metrics", "created_at")[1], common.span(con, "calls", "queued_at")[1])
                if d is not None], default=None)
    since = last - dt.timedelta(days=365) if last else None
    data = gather(con, None, since)
    data["initiatives_since"] = since.isoformat() if since else None
    return data


# ---------------------------------------------------------------- HTML
def _pct(v, lang) -> str:
    return fmt_value(v, "fraction", lang)


def _metric_value(metric: str, value, lang: str) -> str:
    from metrics.registry import ALL

    if value is None:
        return "—"
    if metric == "operator_load":
        return number(value, lang, 2)
    unit = ALL[metric].unit if metric in ALL else "count"
    if unit == "count" and not float(value).is_integer():
        return number(value, lang, 2)
    return fmt_value(value, unit, lang)


CHANNELS_RU = {"email": "эл. почта", "phone": "телефон", "chat": "чат", "web": "веб-форма", "api": "API",
               "messaging": "мессенджеры", "social": "соцсети", "voice": "телефон", "sms": "SMS", "other": "другое"}


def _channel(value, lang: str) -> str:
    """A canonical channel (Deskscope writes email, phone, chat, ...) in the report's language; other values as they are."""
    if value is None:
        return "—"
    return CHANNELS_RU.get(str(value), str(value)) if lang == "ru" else str(value)


def _metric_name(metric: str, lang: str) -> str:
    from metrics.registry import ALL

    return ALL[metric].label(lang) if metric in ALL else metric


# The analyses' own reasons (metrics/operations) are fixed English phrases: their Russian here.
REASONS_RU = {
    "no customer list loaded (load a CRM or billing export with a churn date or status)":
        "список клиентов не загружен (загрузите выгрузку CRM или биллинга с датой или признаком ухода)",
    "no survey responses loaded": "ответы на опросы не загружены",
    "no calls loaded: the phone target is measured on a call log": "звонки не загружены: цель для телефона считается по журналу звонков",
    "no data loaded for this metric": "нет данных для этого показателя",
    "no tickets loaded": "обращения не загружены",
    "no tickets or calls loaded": "обращения и звонки не загружены",
}


def reason(why: str, lang: str) -> str:
    """An analysis' reason in the report's language (a known phrase), else as written."""
    if lang == "ru" and why:
        if why in REASONS_RU:
            return REASONS_RU[why]
        if why.startswith("no agent has ") and "rated CSAT responses" in why:
            return "ни у одного агента нет достаточно оценок CSAT за период (минимум задан в настройках)"
    return why


def _missing(result: dict, lang: str) -> str:
    parts = [f'<p class="muted small">{H.esc(t("not_measurable_because", lang, why=t(f"nm_{key}", lang) if f"nm_{key}" in STRINGS else reason(why, lang)))}</p>'
             for key, why in (result.get("not_measurable") or {}).items()]
    return "".join(parts)


def _why(i: dict, lang: str) -> str:
    """The verdict's reason in the report's language (a not-measurable reason in the module's words)."""
    verdict = i["verdict"]
    if verdict == "not_measurable":
        return reason(i.get("reason") or "", lang)
    if verdict == "too_early":
        return t("why_too_early_window" if i.get("change") is None else "why_too_early_wide", lang)
    return t(f"why_{verdict}", lang)


def _churn(result: dict, lang: str) -> str:
    churn = result.get("churn") or {}
    if not churn:
        return ""
    ru = lang == "ru"
    groups = "; ".join(f'{GROUP_WORDS.get(g, (g, g))[ru]} {_pct((r.get("rate") or {}).get("estimate"), lang)} '
                       f'({number(r["churned"], lang)} / {number(r["customers"], lang)})' for g, r in churn.items())
    return f'<p>{H.esc(t("churn_of", lang, groups=groups))}</p>'


def initiatives_html(inits: dict, lang: str, title_key: str = "initiatives", empty_key: str = "no_initiatives") -> str:
    body = [f'<h2 id="initiatives">{H.esc(t(title_key, lang))}</h2>',
            f'<p class="muted small">{H.esc(t("initiatives_note", lang))}</p>']
    if inits.get("problems"):
        body.append(f'<p>{H.esc(t("problems", lang))}</p><ul class="small">'
                    + "".join(f"<li>{H.esc(p)}</li>" for p in inits["problems"]) + "</ul>")
    items = inits.get("initiatives") or []
    if not items:
        body.append(f'<p>{H.esc(t(empty_key, lang))}</p>')
        return "".join(body)
    rows = []
    for i in items:
        change = "—" if i.get("change") is None else (
            f'{fmt.signed_percent(i["change"], 1, lang)} ({fmt.signed_percent(i.get("ci_low"), 1, lang)} … {fmt.signed_percent(i.get("ci_high"), 1, lang)})')
        why = _why(i, lang)
        if i.get("days_needed"):
            why = (why + "; " if why else "") + t("days_needed", lang, n=number(i["days_needed"], lang))
        rows.append([i["name"], _metric_name(i["metric"], lang), i["start"], _metric_value(i["metric"], i.get("before"), lang),
                     _metric_value(i["metric"], i.get("after"), lang), change, fmt.signed_percent(i.get("target_change"), 1, lang),
                     t(i["verdict"], lang), why])
    body.append(H.table([t("initiative", lang), t("metric", lang), t("start", lang), t("before", lang), t("after", lang),
                         t("change", lang), t("target", lang), t("verdict", lang), t("why", lang)], rows, {3, 4, 5, 6}))
    return "".join(body)


def analyses_html(ops: dict, lang: str, replies_measurable: bool = True) -> str:
    """The five analyses of a filter state (the initiatives are rendered apart). ``replies_measurable``
    False (an export with no agent replies at all): the ticket channels' reply targets are a data
    gap, not "0 of 0" or "1 of 1 unanswered"."""
    body = [f'<h2 id="operations">{H.esc(t("operations", lang))}</h2>']
    d = ops.get("drivers") or {}
    body.append(f'<h3 id="drivers">{H.esc(t("drivers", lang))}</h3>')
    if d.get("available") and d.get("drivers"):
        h = d.get("headline") or {}
        if h:
            body.append(f'<p>{H.esc(t("drivers_headline", lang, share=_pct(h["share"], lang), driver=h["driver"], ratio=number(h.get("resolution_ratio") or 0, lang, 1)))}</p>')
        rows = [[r["driver"], number(r["tickets"], lang), _pct(r["share"], lang), fmt.points(r.get("share_change"), 1, lang),
                 "—" if r.get("resolution_ratio") is None else number(r["resolution_ratio"], lang, 2),
                 _pct(r.get("reopen_rate"), lang), _pct(r.get("bad_csat_rate"), lang),
                 "—" if r.get("churned_customers") is None else number(r["churned_customers"], lang)] for r in d["drivers"]]
        body.append(H.table([t("driver", lang), t("tickets", lang), t("share", lang), t("share_change", lang),
                             t("resolution_ratio", lang), t("reopen", lang), t("bad_csat", lang), t("churned", lang)],
                            rows, {1, 2, 3, 4, 5, 6, 7}))
    elif not d.get("available"):
        body.append(f'<p class="muted">{H.esc(t("not_available", lang, why=reason(d.get("message") or "", lang)))}</p>')
    body.append(_missing(d, lang))
    s = ops.get("channel_switches") or {}
    body.append(f'<h3 id="channel-switches">{H.esc(t("switches", lang))}</h3>')
    if s.get("available") and s.get("contacts"):
        body.append(f'<p>{H.esc(t("switches_line", lang, rate=_pct(s.get("channel_switch_rate"), lang), days=s.get("days"), switches=number(s.get("switches") or 0, lang), contacts=number(s.get("contacts") or 0, lang), repeats=_pct(s.get("cross_channel_repeat_share"), lang), customers=_pct(s.get("switching_customer_share"), lang)))}</p>')
        answered = s.get("answered_in_another_channel") or {}
        if answered.get("tickets"):
            body.append(f'<p>{H.esc(t("answered_line", lang, rate=_pct(answered.get("rate"), lang), n=number(answered["tickets"], lang)))}</p>')
        body.append(_churn(s, lang))
    elif not s.get("available"):
        body.append(f'<p class="muted">{H.esc(t("not_available", lang, why=reason(s.get("message") or "", lang)))}</p>')
    body.append(_missing(s, lang))
    e = ops.get("escalation") or {}
    body.append(f'<h3 id="escalation">{H.esc(t("escalation", lang))}</h3>')
    if e.get("available"):
        hours = e.get("time_to_escalation_median_hours")
        # A clause whose figure is not measurable is left out (the reason is listed below), never "—".
        line = [t("escalation_line", lang, e.get("failed_fix_tickets") or 0,
                  tickets=number(e.get("failed_fix_tickets") or 0, lang), n=e.get("failed_fixes"))]
        if e.get("unescalated_share") is not None:
            line.append(t("escalation_never", lang, never=_pct(e.get("unescalated_share"), lang)))
        if hours is not None:
            line.append(t("escalation_hours", lang, hours=fmt_value(hours, "hours", lang)))
        body.append(f'<p>{H.esc(" ".join(line))}</p>')
        body.append(_churn(e, lang))
    else:
        body.append(f'<p class="muted">{H.esc(t("not_available", lang, why=reason(e.get("message") or "", lang)))}</p>')
    body.append(_missing(e, lang))
    a = ops.get("agent_load") or {}
    body.append(f'<h3 id="agent-load">{H.esc(t("load", lang))}</h3>')
    if a.get("available") and a.get("items"):
        line = [t("load_line", lang, load=number(a.get("operator_load") or 0, lang, 2), after=_pct(a.get("after_hours_share"), lang),
                  top=number(a.get("top_agents") or 0, lang), agents=number(a.get("agents") or 0, lang),
                  share=_pct(a.get("load_top_share"), lang))]
        if a.get("agents_at_csat_target_share") is not None:
            line.append(t("load_csat", lang, csat=_pct(a.get("agents_at_csat_target_share"), lang)))
        signals = a.get("signals") or []
        line.append(t("load_signals", lang, signals=number(len(signals), lang)))
        if signals:  # who, not only how many: the first ten (busiest first), the rest counted
            who = "; ".join(f'{x["agent"]}{" (" + str(x["team"]) + ")" if x.get("team") else ""}: '
                            + ", ".join(t(f"signal_{k}", lang) if f"signal_{k}" in STRINGS else k for k in x["signals"])
                            for x in signals[:10])
            if len(signals) > 10:
                who += "; " + t("load_more", lang, n=number(len(signals) - 10, lang))
            line.append(t("load_who", lang, who=who))
        body.append(f'<p>{H.esc(" ".join(line))}</p>')
        for note in a.get("notes") or []:  # one person counted twice is a caveat on every figure above
            m = re.match(r"^calls and tickets name no agent alike \(calls e\.g\. '(.*)', tickets e\.g\. '(.*)'\): ", note)
            if m:
                body.append(f'<p class="muted small">{H.esc(t("load_names", lang, call=m.group(1), ticket=m.group(2)))}</p>')
    elif not a.get("available"):
        body.append(f'<p class="muted">{H.esc(t("not_available", lang, why=a.get("message") or ""))}</p>')
    body.append(_missing(a, lang))
    r = ops.get("reply_targets") or {}
    body.append(f'<h3 id="reply-targets">{H.esc(t("targets", lang))}</h3>')
    if r.get("available") is False:  # no tickets or calls: one sentence, not an empty section
        body.append(f'<p class="muted">{H.esc(t("not_available", lang, why=r.get("message") or ""))}</p>')
    rows = []
    for c in r.get("channels") or []:
        if not replies_measurable and c.get("target_seconds") is None:
            continue  # a ticket channel: its replies are not in the export
        target = (fmt_value(c["target_minutes"], "minutes", lang) if c.get("target_minutes") is not None
                  else fmt_value(c["target_seconds"], "seconds", lang) if c.get("target_seconds") is not None
                  else t("no_target", lang))
        rows.append([_channel(c["channel"], lang), target, _pct(c.get("rate"), lang),
                     "—" if c.get("decided") is None else f'{number(c["within"], lang)} / {number(c["decided"], lang)}'])
    if rows:
        body.append(H.table([t("channel", lang), t("target", lang), t("within", lang), t("within_of", lang)], rows, {2, 3}))
    if r.get("phone_tickets_not_judged") and replies_measurable:
        body.append(f'<p class="muted small">{H.esc(t("phone_tickets", lang, n=number(r["phone_tickets_not_judged"], lang)))}</p>')
    u = r.get("unanswered") or {}
    if not replies_measurable:
        body.append(f'<p class="muted small">{H.esc(t("not_measurable_because", lang, why=t("replies_gap", lang)))}</p>')
    elif u.get("decided"):
        body.append(f'<p>{H.esc(t("unanswered", lang, u["decided"], hours=number(u["hours"], lang), count=number(u["count"], lang), decided=number(u["decided"], lang), rate=_pct(u.get("rate"), lang), open=number(u.get("open_now") or 0, lang)))}</p>')
    body.append(_missing(r, lang))
    return "".join(body)
