"""Every metric declared once: id, names and descriptions (en/ru), unit, definition, tables.

The formulas live beside their facts (metrics/service.py, metrics/satisfaction.py,
metrics/calls.py); docs/metrics.md explains each id and tests/test_docs.py fails when one is
missing there. Units: ``count``, ``minutes``, ``seconds``, ``hours``, ``fraction`` (0-1),
``score`` (on the survey's scale), ``nps`` (-100..100).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    id: str
    name: dict
    description: dict
    unit: str
    definition: str
    tables: tuple
    better: str | None = None  # 'higher' | 'lower' | None

    def label(self, lang: str = "en") -> str:
        return self.name.get(lang) or self.name["en"]


def _m(id_, en, ru, unit, definition, tables, better=None, desc_en="", desc_ru="") -> Metric:
    return Metric(id_, {"en": en, "ru": ru}, {"en": desc_en or definition, "ru": desc_ru or ru}, unit,
                  definition, tuple(tables), better)


TM = ("ticket_metrics",)
_LIST = [
    # ---------------------------------------------------------------- tickets
    _m("tickets", "Tickets", "Обращения", "count",
       "Tickets created in the period.", TM, None,
       desc_ru="Обращения, созданные за период."),
    _m("backlog", "Backlog", "Бэклог", "count",
       "Tickets open at the end of the period: created by then and not solved by then (currently open, or "
       "solved after the period end). Without an end date: the tickets open now.", TM, "lower",
       desc_ru="Открытые обращения на конец периода: созданы до его конца и не решены к нему."),
    _m("backlog_age_median_hours", "Backlog age (median)", "Возраст бэклога (медиана)", "hours",
       "Median age, in hours, of the backlog tickets at the end of the period (or at the latest timestamp in the "
       "data when the period is open-ended).", TM, "lower",
       desc_ru="Медианный возраст открытых обращений на конец периода, в часах."),
    _m("frt_median_minutes", "First reply time (median)", "Время первого ответа (медиана)", "minutes",
       "Median calendar minutes from creation to the first public agent reply, tickets created in the period "
       "that have one (exact, interpolated: quantile_cont).", TM, "lower",
       desc_ru="Медиана календарных минут от создания до первого публичного ответа агента."),
    _m("frt_p90_minutes", "First reply time (90th percentile)", "Время первого ответа (90-й процентиль)", "minutes",
       "90th percentile of first reply calendar minutes (quantile_cont).", TM, "lower",
       desc_ru="90-й процентиль календарных минут до первого ответа."),
    _m("frt_mean_minutes", "First reply time (mean)", "Время первого ответа (среднее)", "minutes",
       "Mean first reply calendar minutes; shown only beside the median (long tails inflate it).", TM, "lower",
       desc_ru="Среднее время первого ответа (показывается только рядом с медианой)."),
    _m("frt_business_median_minutes", "First reply time, business hours (median)",
       "Время первого ответа в рабочих часах (медиана)", "minutes",
       "Median first reply time counted in business minutes of the schedule in force.", TM, "lower",
       desc_ru="Медиана времени первого ответа в рабочих минутах по графику."),
    _m("frt_business_p90_minutes", "First reply time, business hours (90th percentile)",
       "Время первого ответа в рабочих часах (90-й процентиль)", "minutes",
       "90th percentile of first reply business minutes.", TM, "lower",
       desc_ru="90-й процентиль времени первого ответа в рабочих минутах."),
    _m("replied_within_1h", "Replied within 1 h", "Ответ в течение 1 ч", "fraction",
       "Share of tickets that needed a reply (replied, or open without a reply) whose first reply came within "
       "the first target of metrics.reply_targets_minutes (default 60 calendar minutes).", TM, "higher",
       desc_ru="Доля обращений, требовавших ответа, с первым ответом в пределах первой цели (по умолчанию 60 мин)."),
    _m("replied_within_12h", "Replied within 12 h", "Ответ в течение 12 ч", "fraction",
       "As replied_within_1h with the second target (default 720 calendar minutes; Zendesk 2024: replies later "
       "than 12 h raise negative reviews by 87%).", TM, "higher",
       desc_ru="То же для второй цели (по умолчанию 12 ч)."),
    _m("resolution_median_minutes", "Resolution time (median)", "Время решения (медиана)", "minutes",
       "Median calendar minutes from creation to the last solve (full resolution), tickets created in the "
       "period and solved now.", TM, "lower",
       desc_ru="Медиана календарных минут от создания до последнего решения (решённые обращения)."),
    _m("frt_left_out", "Left out of first reply time", "Не вошли во время первого ответа", "count",
       "Tickets created in the period whose first reply is stamped before their creation (a negative duration): "
       "left out of every first reply figure, shown beside them and listed in the data-quality report.", TM, "lower",
       desc_ru="Обращения, первый ответ на которые отмечен раньше создания: не входят во время первого ответа."),
    _m("resolution_left_out", "Left out of resolution time", "Не вошли во время решения", "count",
       "Solved tickets created in the period whose solve time is before their creation (a negative duration): "
       "left out of every resolution figure, shown beside them and listed in the data-quality report.", TM, "lower",
       desc_ru="Решённые обращения со временем решения раньше создания: не входят во время решения."),
    _m("resolution_p90_minutes", "Resolution time (90th percentile)", "Время решения (90-й процентиль)", "minutes",
       "90th percentile of full resolution calendar minutes.", TM, "lower",
       desc_ru="90-й процентиль времени полного решения."),
    _m("resolution_business_median_minutes", "Resolution time, business hours (median)",
       "Время решения в рабочих часах (медиана)", "minutes",
       "Median full resolution time in business minutes.", TM, "lower",
       desc_ru="Медиана времени полного решения в рабочих минутах."),
    _m("sla_breach_rate", "SLA breach rate", "Доля нарушений SLA", "fraction",
       "Completed SLA targets that were breached: breached / (achieved + breached), over every target "
       "(first reply, next reply, resolution) of tickets created in the period. Active breaches are apart.", TM,
       "lower", desc_ru="Нарушенные цели SLA / (выполненные + нарушенные), по всем целям."),
    _m("sla_first_reply_breach_rate", "SLA breach rate: first reply", "Нарушения SLA: первый ответ", "fraction",
       "breached / (achieved + breached) for first reply targets only.", TM, "lower",
       desc_ru="Нарушения SLA только по цели первого ответа."),
    _m("sla_next_reply_breach_rate", "SLA breach rate: next reply", "Нарушения SLA: следующий ответ", "fraction",
       "breached / (achieved + breached) for next reply targets only.", TM, "lower",
       desc_ru="Нарушения SLA только по цели следующего ответа."),
    _m("sla_resolution_breach_rate", "SLA breach rate: resolution", "Нарушения SLA: решение", "fraction",
       "breached / (achieved + breached) for resolution targets only.", TM, "lower",
       desc_ru="Нарушения SLA только по цели решения."),
    _m("sla_active_breaches", "Active SLA breaches", "Активные нарушения SLA", "count",
       "Open tickets (created in the period) with at least one target past due and not yet completed.", TM,
       "lower", desc_ru="Открытые обращения, у которых хотя бы одна цель SLA уже просрочена."),
    _m("reopen_rate", "Reopen rate", "Доля переоткрытых", "fraction",
       "Tickets solved at least once that were reopened (reopens > 0) / tickets solved at least once.", TM, "lower",
       desc_ru="Переоткрытые решённые обращения / решённые обращения."),
    _m("one_touch_rate", "One-touch resolution", "Решено с одного ответа", "fraction",
       "Solved tickets with at most one public agent reply / solved tickets.", TM, "higher",
       desc_ru="Решённые обращения не более чем с одним публичным ответом / решённые обращения."),
    _m("repeat_contact_rate", "Repeat contact rate", "Доля повторных обращений", "fraction",
       "Tickets whose customer opened another ticket (same category when both have one) in the "
       "metrics.repeat_contact_days days before / tickets with a customer.", TM, "lower",
       desc_ru="Обращения клиента, уже обращавшегося за N дней до этого (та же категория) / обращения с клиентом."),
    _m("replies_per_ticket", "Replies per ticket", "Ответов на обращение", "count",
       "Mean public agent replies per solved ticket.", TM, "lower",
       desc_ru="Среднее число публичных ответов агента на решённое обращение."),
    # ---------------------------------------------------------------- surveys
    _m("csat", "CSAT", "CSAT", "fraction",
       "Satisfied / rated CSAT responses: score >= metrics.csat_satisfied_min on 1-5 (4-5), 'good' on good/bad; "
       "other scales by position.", ("surveys",), "higher",
       desc_ru="Доля довольных среди оценок CSAT (4-5 из 5, «хорошо» для хорошо/плохо)."),
    _m("csat_responses", "CSAT responses", "Оценки CSAT", "count",
       "Rated CSAT responses in the period.", ("surveys",), None,
       desc_ru="Число оценок CSAT за период."),
    _m("csat_response_rate", "CSAT response rate", "Доля ответов на CSAT", "fraction",
       "Tickets rated good or bad / tickets where a survey was offered (tickets.satisfaction offered, good or bad, "
       "Zendesk's states); None when the export does not say which tickets were offered one.", ("tickets",), "higher",
       desc_ru="Обращения с оценкой / обращения, где опрос был предложен."),
    _m("nps", "NPS", "NPS", "nps",
       "% promoters (9-10) - % detractors (0-6) of NPS responses on 0-10, passives in the denominator; "
       "-100..100.", ("surveys",), "higher",
       desc_ru="% промоутеров (9-10) минус % критиков (0-6), от -100 до 100."),
    _m("nps_low", "NPS 95% CI low", "NPS: нижняя граница 95% ДИ", "nps",
       "Lower end of the 95% confidence interval of NPS (normal approximation, see docs).", ("surveys",), None,
       desc_ru="Нижняя граница 95% доверительного интервала NPS."),
    _m("nps_high", "NPS 95% CI high", "NPS: верхняя граница 95% ДИ", "nps",
       "Upper end of the 95% confidence interval of NPS.", ("surveys",), None,
       desc_ru="Верхняя граница 95% доверительного интервала NPS."),
    _m("nps_responses", "NPS responses", "Ответы NPS", "count",
       "NPS responses in the period (flagged as a small sample below metrics.nps_small_sample).", ("surveys",),
       None, desc_ru="Число ответов NPS за период."),
    _m("ces", "CES", "CES", "score",
       "Mean customer effort score on its scale (1-7 by default; mixed scales are rescaled to 1-7).", ("surveys",),
       None, desc_ru="Средняя оценка усилий клиента по её шкале (по умолчанию 1-7)."),
    _m("ces_responses", "CES responses", "Ответы CES", "count",
       "CES responses in the period.", ("surveys",), None, desc_ru="Число ответов CES за период."),
    _m("csat_low", "CSAT 95% CI low", "CSAT: нижняя граница 95% ДИ", "fraction",
       "Lower end of the 95% Wilson score interval of CSAT.", ("surveys",), None,
       desc_ru="Нижняя граница 95% доверительного интервала CSAT (интервал Уилсона)."),
    _m("csat_high", "CSAT 95% CI high", "CSAT: верхняя граница 95% ДИ", "fraction",
       "Upper end of the 95% Wilson score interval of CSAT.", ("surveys",), None,
       desc_ru="Верхняя граница 95% доверительного интервала CSAT (интервал Уилсона)."),
    _m("ces_low", "CES 95% CI low", "CES: нижняя граница 95% ДИ", "score",
       "Lower end of the 95% interval of the CES mean (mean - 1.96 standard errors, on the CES scale).", ("surveys",),
       None, desc_ru="Нижняя граница 95% доверительного интервала среднего CES."),
    _m("ces_high", "CES 95% CI high", "CES: верхняя граница 95% ДИ", "score",
       "Upper end of the 95% interval of the CES mean (mean + 1.96 standard errors).", ("surveys",), None,
       desc_ru="Верхняя граница 95% доверительного интервала среднего CES."),
    _m("csat_rated_tickets", "CSAT from rated tickets", "CSAT по оценкам в обращениях", "count",
       "CSAT responses read from the rating column of a ticket export (one per rated ticket), in the period; "
       "they are part of csat and csat_responses.", ("surveys",), None,
       desc_ru="Оценки CSAT, прочитанные из колонки оценки в выгрузке обращений (по одной на оценённое обращение)."),
    _m("survey_undated", "Undated survey responses", "Ответы без даты", "count",
       "Survey responses without a date: counted in all-time and per-segment figures, left out of trends and of "
       "every date filter (which says how many it leaves out).", ("surveys",), None,
       desc_ru="Ответы на опросы без даты: входят в показатели за всё время и по сегментам, но не в динамику и не в "
               "фильтр по датам."),
    # ---------------------------------------------------------------- calls
    _m("calls_offered", "Calls offered", "Поступившие звонки", "count",
       "Inbound calls queued in the period, short abandons excluded.", ("calls",), None,
       desc_ru="Входящие звонки за период без коротких сбросов."),
    _m("calls_answered", "Calls answered", "Принятые звонки", "count",
       "Offered calls an agent answered.", ("calls",), "higher", desc_ru="Звонки, принятые агентом."),
    _m("calls_abandoned", "Calls abandoned", "Потерянные звонки", "count",
       "Offered calls the caller hung up on (or that were missed) before an answer, short abandons excluded.",
       ("calls",), "lower", desc_ru="Звонки, сброшенные до ответа (без коротких сбросов)."),
    _m("short_abandons", "Short abandons", "Короткие сбросы", "count",
       "Inbound calls abandoned within metrics.short_abandon_seconds (default 5 s): excluded from offered.",
       ("calls",), None, desc_ru="Сбросы быстрее порога (по умолчанию 5 с), не входят в поступившие."),
    _m("answer_rate", "Answer rate", "Доля принятых", "fraction",
       "Answered / offered calls.", ("calls",), "higher", desc_ru="Принятые / поступившие."),
    _m("abandonment_rate", "Abandonment rate", "Доля потерянных", "fraction",
       "Abandoned / offered calls (short abandons excluded from both).", ("calls",), "lower",
       desc_ru="Потерянные / поступившие."),
    _m("asa_seconds", "Average speed of answer", "Среднее время ответа", "seconds",
       "Mean queue wait of answered calls, seconds.", ("calls",), "lower",
       desc_ru="Среднее ожидание в очереди у принятых звонков, секунды."),
    _m("service_level", "Service level", "Уровень сервиса", "fraction",
       "Calls answered within metrics.service_level_seconds (default 20 s) / offered calls.", ("calls",), "higher",
       desc_ru="Принятые за T секунд (по умолчанию 20) / поступившие."),
    _m("aht_seconds", "Average handle time", "Среднее время обработки", "seconds",
       "(talk + hold + wrap-up) seconds per answered call.", ("calls",), "lower",
       desc_ru="(разговор + удержание + постобработка) на принятый звонок, секунды."),
    _m("fcr_rate", "First-contact resolution (calls)", "Решено с первого звонка", "fraction",
       "Answered calls marked resolved / answered calls with a resolved flag; None when the data has none.",
       ("calls",), "higher", desc_ru="Решённые с первого звонка / принятые звонки с этой отметкой."),
]

METRICS: dict[str, Metric] = {m.id: m for m in _LIST}

# ---------------------------------------------------------------- operations analyses (metrics/operations/)
# Figures of the analysis modules: not engine formulas (engine.kpis does not compute them), each
# computed by its module's analyse() and defined in docs/metrics.md, "Analyses".
TK, CL, SV, CU = "ticket_metrics", "calls", "surveys", "customers"
_ANALYSES = [
    # reply targets (metrics/operations/reply_targets.py)
    _m("replied_within_target", "Replied within target", "Ответ в пределах цели", "fraction",
       "Tickets whose first reply came within their channel's [reply_targets.minutes] target / tickets decided "
       "(replied, or open without a reply and older than the target), over channels with a target.", (TK,), "higher",
       desc_ru="Обращения с первым ответом в пределах цели своего канала / обращения, по которым всё решено."),
    _m("phone_answered_within_target", "Calls answered within target", "Звонки, принятые в пределах цели", "fraction",
       "Inbound calls answered within reply_targets.phone_answer_seconds (20 s) / offered calls whose wait is known.",
       (CL,), "higher", desc_ru="Звонки, принятые за N секунд (по умолчанию 20) / поступившие звонки с известным ожиданием."),
    _m("unanswered_after_24h", "Still unanswered after 24 h", "Без ответа дольше 24 ч", "count",
       "Tickets that needed a reply and got it later than reply_targets.unanswered_hours (24), or are open without "
       "one and older than that.", (TK,), "lower",
       desc_ru="Обращения, получившие первый ответ позже 24 ч или открытые без ответа дольше 24 ч."),
    _m("unanswered_after_24h_rate", "Still unanswered after 24 h (share)", "Доля без ответа дольше 24 ч", "fraction",
       "unanswered_after_24h / tickets replied, or open without a reply for longer than 24 h.", (TK,), "lower",
       desc_ru="Без ответа дольше 24 ч / обращения с ответом или без ответа дольше 24 ч."),
    # agent load (metrics/operations/agent_load.py)
    _m("operator_load", "Operator load", "Нагрузка на оператора", "count",
       "Tickets and calls handled per agent-day: tickets with an assignee on the day of their first reply (or "
       "first solve) plus answered calls with an agent / days on which each agent handled at least one.",
       (TK, CL), None, desc_ru="Обращения и звонки, обработанные за один рабочий день агента."),
    _m("after_hours_share", "Handled after hours", "Обработано в нерабочее время", "fraction",
       "Handled items outside the default business hours (holidays included) / handled items in the schedule's range.",
       (TK, CL), "lower", desc_ru="Доля обработанных вне рабочего графика."),
    _m("load_top_share", "Load of the busiest 20%", "Нагрузка самых загруженных 20%", "fraction",
       "Items handled by the busiest agent_load.top_share (20%, rounded up) of agents / all items handled.",
       (TK, CL), None, desc_ru="Доля всех обработанных, пришедшаяся на 20% самых загруженных агентов."),
    _m("agents_at_csat_target_share", "Agents at the CSAT target", "Агенты с CSAT не ниже цели", "fraction",
       "Agents with at least agent_load.csat_min_responses (20) rated CSAT responses whose CSAT is at or above "
       "agent_load.csat_target (90%) / such agents.", (SV,), "higher",
       desc_ru="Агенты (от 20 оценок), у которых CSAT не ниже цели (90%) / все такие агенты."),
    # escalation (metrics/operations/escalation.py)
    _m("failed_fix_tickets", "Tickets with repeated failed fixes", "Обращения с повторными неудачными решениями",
       "count", "Tickets reopened after a solve at least escalation.failed_fixes (2) times.", (TK,), "lower",
       desc_ru="Обращения, переоткрытые после решения не менее 2 раз."),
    _m("unescalated_failed_fix_share", "Failed fixes never escalated", "Неудачные решения без эскалации", "fraction",
       "failed_fix_tickets never moved to another group / those from sources with a group history.", (TK,), "lower",
       desc_ru="Обращения с повторными неудачными решениями, не переданные в другую группу / такие обращения с историей групп."),
    _m("time_to_escalation_median_hours", "Time to escalation (median)", "Время до эскалации (медиана)", "hours",
       "Median hours from creation to the first move to another group, over escalated failed-fix tickets with events.",
       (TK,), "lower", desc_ru="Медиана часов от создания до первой передачи в другую группу."),
    # channel switches (metrics/operations/channel_switches.py)
    _m("channel_switch_rate", "Channel switches", "Смена канала", "fraction",
       "Contacts (tickets and inbound calls with a customer) that repeat the customer's previous contact within "
       "channel_switches.days (7) in another channel / contacts.", (TK, CL), "lower",
       desc_ru="Повторные обращения клиента в течение 7 дней через другой канал / все обращения."),
    _m("cross_channel_repeat_share", "Repeats in another channel", "Повторы через другой канал", "fraction",
       "Channel switches / repeat contacts within channel_switches.days.", (TK, CL), None,
       desc_ru="Смены канала / повторные обращения."),
    _m("switching_customer_share", "Customers who switched channel", "Клиенты, сменившие канал", "fraction",
       "Customers with at least one channel switch in the period / customers with a contact in it.", (TK, CL), "lower",
       desc_ru="Клиенты хотя бы с одной сменой канала / клиенты с обращениями."),
    _m("answered_in_another_channel_rate", "Answered in another channel", "Ответ по другому каналу", "fraction",
       "Tickets that did not arrive by phone answered by an answered outbound call to the customer while open / such "
       "tickets (needs outbound calls with customer ids in the call log; else not measurable).", (TK, CL), None,
       desc_ru="Обращения, пришедшие не по телефону, на которые ответили исходящим звонком клиенту, пока они были "
               "открыты / такие обращения."),
    # contact drivers (metrics/operations/drivers.py)
    _m("driver_share", "Share of contacts", "Доля обращений", "fraction",
       "Tickets of a driver (category, else first tag, else text cluster) / tickets in the period.", (TK,), None,
       desc_ru="Обращения по причине / все обращения за период."),
    _m("driver_resolution_ratio", "Resolution time vs median", "Время решения к медиане", "score",
       "Median resolution time of a driver's solved tickets / median of all solved tickets in the period.", (TK,),
       "lower", desc_ru="Медиана времени решения по причине / медиана по всем обращениям."),
    _m("driver_bad_csat_rate", "Bad CSAT share", "Доля плохих CSAT", "fraction",
       "Linked CSAT responses at or below churn.negative.bad_csat_max (2 on 1-5) / linked CSAT responses, per driver.",
       (TK, SV), "lower", desc_ru="Плохие оценки CSAT (не выше 2 из 5) / все оценки, по причине."),
    _m("driver_churned_customers", "Churned customers (last touch)", "Ушедшие клиенты (последнее обращение)", "count",
       "Churned customers whose last ticket in the churn.window_days (90) before their churn date was about the driver.",
       (TK, CU), "lower", desc_ru="Ушедшие клиенты, чьё последнее обращение за 90 дней до ухода было по этой причине."),
    # initiatives (metrics/operations/initiatives.py)
    _m("initiative_change", "Initiative effect", "Эффект инициативы", "fraction",
       "Relative change of the initiative's metric in scope, after vs before over equal windows (the same weeks a "
       "year earlier when the data allow), divided by the out-of-scope change (difference-in-differences).", (TK, CL, SV),
       None, desc_ru="Относительное изменение метрики инициативы в её охвате: после против до, с поправкой на "
                     "изменение вне охвата."),
]
ANALYSES: dict[str, Metric] = {m.id: m for m in _ANALYSES}
# Every declared number: the engine's metrics and the analyses' figures.
ALL: dict[str, Metric] = {**METRICS, **ANALYSES}

# The tiles the Overview shows (and the benchmark times).
OVERVIEW = ("tickets", "backlog", "frt_median_minutes", "frt_p90_minutes", "frt_business_median_minutes",
            "resolution_median_minutes", "sla_breach_rate", "reopen_rate", "one_touch_rate", "csat", "nps",
            "asa_seconds", "abandonment_rate", "service_level", "aht_seconds")


def get(metric_id: str) -> Metric:
    try:
        return ALL[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric {metric_id!r}; known: {', '.join(ALL)}") from None


# Put before a figure that is approximate (a quantile read from the ticket sample, with a 95 %
# confidence interval; docs/metrics.md, "Approximate figures"): on pages, in reports and in the CLI's text.
APPROXIMATE_MARK = "≈"


def approximate(text: str, is_approximate: bool) -> str:
    """``text`` with the approximate mark before it when ``is_approximate``."""
    return f"{APPROXIMATE_MARK} {text}" if is_approximate else text


def format_value(metric_id: str, value, lang: str = "en") -> str:
    """A value with its unit, for text output (CLI, plain reports)."""
    if value is None:
        return "—"
    unit = ALL[metric_id].unit if metric_id in ALL else ""
    if unit == "fraction":
        return f"{value * 100:.1f}%"
    if unit == "nps":
        return f"{value:+.1f}"
    if unit in ("minutes", "seconds", "hours"):
        short = {"minutes": "min", "seconds": "s", "hours": "h"}[unit]
        return f"{value:,.1f} {short}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{value:,.2f}"
