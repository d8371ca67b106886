"""Every UI string in English and Russian, and locale formatting of numbers, dates and money.

Pages never write a literal sentence: they call ``t(key)``. Metric names and descriptions come
from ``metrics.registry`` (declared there once, in both languages). ``tests/test_pages.py``
fails when a key lacks a language.
"""
from __future__ import annotations

import formatting as fmt

LANGUAGES = {"en": "English", "ru": "Русский"}
NBSP = "\u00a0"

STRINGS: dict[str, dict[str, str]] = {
    # ---- frame
    "app.title": {"en": "Deskscope", "ru": "Deskscope"},
    "app.tagline": {"en": "Support operations analytics", "ru": "Аналитика службы поддержки"},
    "nav.overview": {"en": "Overview", "ru": "Обзор"},
    "nav.tickets": {"en": "Tickets & SLA", "ru": "Обращения и SLA"},
    "nav.calls": {"en": "Calls", "ru": "Звонки"},
    "nav.satisfaction": {"en": "Satisfaction", "ru": "Удовлетворённость"},
    "nav.agents": {"en": "Agents & teams", "ru": "Агенты и команды"},
    "nav.churn": {"en": "Churn & revenue", "ru": "Отток и выручка"},
    "nav.data": {"en": "Data", "ru": "Данные"},
    "nav.settings": {"en": "Settings", "ru": "Настройки"},
    "nav.snapshots": {"en": "Snapshots", "ru": "Снимки"},
    "nav.section.analyse": {"en": "Analyse", "ru": "Анализ"},
    "nav.section.manage": {"en": "Manage", "ru": "Управление"},
    "lang.label": {"en": "Language", "ru": "Язык"},
    # ---- filters
    "filters.title": {"en": "Filters", "ru": "Фильтры"},
    "filters.dates": {"en": "Dates (UTC)", "ru": "Даты (UTC)"},
    "filters.team": {"en": "Team", "ru": "Команда"},
    "filters.agent": {"en": "Agent", "ru": "Агент"},
    "filters.channel": {"en": "Channel", "ru": "Канал"},
    "filters.priority": {"en": "Priority", "ru": "Приоритет"},
    "filters.category": {"en": "Category", "ru": "Категория"},
    "filters.tag": {"en": "Tag", "ru": "Тег"},
    "filters.segment": {"en": "Segment", "ru": "Сегмент"},
    "filters.source": {"en": "Source", "ru": "Источник"},
    "filters.all": {"en": "All", "ru": "Все"},
    "filters.reset": {"en": "Reset filters", "ru": "Сбросить фильтры"},
    "filters.more": {"en": "More filters", "ru": "Ещё фильтры"},
    "filters.none": {"en": "No filters: all data", "ru": "Без фильтров: все данные"},
    "filters.vs_previous": {"en": {"one": "compared with the day before", "other": "compared with the {n} days before"},
                            "ru": {"one": "в сравнении с предыдущим {n} днём", "few": "в сравнении с предыдущими {n} днями",
                                   "many": "в сравнении с предыдущими {n} днями", "other": "в сравнении с предыдущими {n} дня"}},
    "filters.period.all": {"en": "All time", "ru": "За всё время"},
    "filters.preset": {"en": "Period", "ru": "Период"},
    "filters.preset.all": {"en": "All time", "ru": "Всё время"},
    "filters.preset.7": {"en": "Last 7 days", "ru": "7 дней"},
    "filters.preset.30": {"en": "Last 30 days", "ru": "30 дней"},
    "filters.preset.90": {"en": "Last 90 days", "ru": "90 дней"},
    "filters.preset.365": {"en": "Last 12 months", "ru": "12 месяцев"},
    "filters.preset.custom": {"en": "Custom", "ru": "Выбрать"},
    # ---- data status
    "status.none": {"en": "No data loaded yet", "ru": "Данные ещё не загружены"},
    "status.line": {"en": "{tickets} tickets · {calls} calls · {surveys} surveys · {customers} customers",
                    "ru": "{tickets} обращ. · {calls} звонков · {surveys} опросов · {customers} клиентов"},
    "status.range": {"en": "{first} – {last}", "ru": "{first} – {last}"},
    "status.loaded": {"en": "last load {when}", "ru": "загружено {when}"},
    "status.db": {"en": "Database: {path}", "ru": "База данных: {path}"},
    # ---- empty / error states
    "empty.no_tickets": {"en": "No tickets loaded yet — go to Data to load your exports.",
                         "ru": "Обращения ещё не загружены — загрузите выгрузки на странице «Данные»."},
    "empty.no_data": {"en": "No data loaded yet — go to Data to load your exports.",
                      "ru": "Данные ещё не загружены — загрузите выгрузки на странице «Данные»."},
    "empty.no_calls": {"en": "No calls loaded — the call figures appear once a call log (Asterisk, Twilio, Aircall or any sheet) is loaded.",
                       "ru": "Звонки не загружены — показатели звонков появятся после загрузки журнала звонков (Asterisk, Twilio, Aircall или любая таблица)."},
    "empty.no_surveys": {"en": "No survey responses loaded — CSAT, NPS and CES appear once a survey export is loaded.",
                         "ru": "Ответы на опросы не загружены — CSAT, NPS и CES появятся после загрузки выгрузки опросов."},
    "empty.no_customers": {"en": "No customer list loaded — churn is estimated from industry benchmarks until a CRM/billing sheet is loaded.",
                           "ru": "Список клиентов не загружен — отток оценивается по отраслевым нормам, пока не загружена таблица CRM/биллинга."},
    "empty.no_rows": {"en": "No rows match these filters.", "ru": "Нет строк, подходящих под фильтры."},
    "empty.filtered": {"en": "Nothing in this period for these filters — widen the dates or clear a filter.",
                       "ru": "За этот период с этими фильтрами ничего нет — расширьте даты или снимите фильтр."},
    "empty.go_data": {"en": "Go to Data", "ru": "Перейти к данным"},
    "empty.no_metrics": {"en": "The metrics module is not available yet (metrics/engine.py); the figures appear once it is installed.",
                         "ru": "Модуль метрик пока недоступен (metrics/engine.py); показатели появятся после его установки."},
    "error.page": {"en": "This page could not be drawn: {error}. Try widening the filters or reloading the page; if it persists, check the data on the Data page. The details are in the console log.",
                   "ru": "Не удалось показать страницу: {error}. Попробуйте расширить фильтры или обновить страницу; если ошибка повторяется, проверьте данные на странице «Данные». Подробности — в журнале консоли."},
    "error.section": {"en": "This section could not be drawn: {error}. The rest of the page is fine; details are in the console log.",
                      "ru": "Не удалось показать этот раздел: {error}. Остальная страница в порядке; подробности — в журнале консоли."},
    "na": {"en": "n/a", "ru": "н/д"},
    # ---- KPI tiles
    "kpi.vs_previous": {"en": "vs previous period", "ru": "к прошлому периоду"},
    "kpi.no_previous": {"en": "no previous period", "ru": "нет прошлого периода"},
    "kpi.show_rows": {"en": "Rows", "ru": "Строки"},
    "kpi.significant": {"en": "significant change", "ru": "значимое изменение"},
    "kpi.small_sample": {"en": "small sample", "ru": "малая выборка"},
    "kpi.no_calls": {"en": "no calls loaded", "ru": "звонки не загружены"},
    "kpi.no_surveys": {"en": "no surveys loaded", "ru": "опросы не загружены"},
    "kpi.not_measurable": {"en": "not measurable yet", "ru": "пока не измерить"},
    "kpi.no_customers": {"en": "no customer data", "ru": "нет данных о клиентах"},
    "kpi.approximate": {"en": "≈ approximate: read from a uniform sample of the tickets; the exact value lies in the "
                              "interval shown with 95% confidence (more than {n} tickets behind it, or an exact value would "
                              "read more than {scan} tickets; metrics.exact_quantile_max_rows and "
                              "metrics.exact_quantile_max_scan_rows in the settings).",
                        "ru": "≈ приблизительно: по равномерной выборке обращений; точное значение с вероятностью 95% "
                              "лежит в указанном интервале (за числом больше {n} обращений или точное значение "
                              "потребовало бы прочитать больше {scan} обращений; metrics.exact_quantile_max_rows и "
                              "metrics.exact_quantile_max_scan_rows в настройках)."},
    # ---- drill-down
    "drill.title": {"en": "Rows behind the numbers", "ru": "Строки за показателями"},
    "drill.below": {"en": "The rows are shown at the bottom of the page.", "ru": "Строки показаны внизу страницы."},
    "drill.what": {"en": "Show", "ru": "Показать"},
    "drill.show": {"en": "Show rows", "ru": "Показать строки"},
    "drill.hide": {"en": "Hide rows", "ru": "Скрыть строки"},
    "drill.count": {"en": "The first {limit} rows (there are more; narrow the filters to see them all) · {filters}",
                    "ru": "Первые {limit} строк (есть и другие; сузьте фильтры, чтобы увидеть все) · {filters}"},
    "drill.count_all": {"en": "{n} rows · {filters}", "ru": "{n} строк · {filters}"},
    "drill.tickets": {"en": "All tickets", "ru": "Все обращения"},
    "drill.sla_breached": {"en": "Tickets with an SLA breach", "ru": "Обращения с нарушением SLA"},
    "drill.backlog": {"en": "Open at the end of the period (backlog)", "ru": "Открыты на конец периода (бэклог)"},
    "drill.sla_active_breach": {"en": "Open tickets past an SLA target", "ru": "Открытые обращения с истёкшим сроком SLA"},
    "drill.reopened": {"en": "Reopened tickets", "ru": "Переоткрытые обращения"},
    "drill.outside_service_level": {"en": "Calls not answered within the service level", "ru": "Звонки, не отвеченные в пределах уровня сервиса"},
    "drill.unreplied": {"en": "Tickets without a reply", "ru": "Обращения без ответа"},
    "drill.calls": {"en": "All calls", "ru": "Все звонки"},
    "drill.abandoned": {"en": "Abandoned calls", "ru": "Брошенные звонки"},
    "drill.surveys": {"en": "All survey responses", "ru": "Все ответы на опросы"},
    "drill.detractor": {"en": "NPS detractors", "ru": "Критики NPS"},
    "drill.bad_csat": {"en": "Bad CSAT responses", "ru": "Плохие оценки CSAT"},
    "download.csv": {"en": "Download CSV", "ru": "Скачать CSV"},
    "download.xlsx": {"en": "Download XLSX", "ru": "Скачать XLSX"},
    # ---- overview
    "ov.title": {"en": "Overview", "ru": "Обзор"},
    "ov.money": {"en": "About {amount} of revenue over {months} months goes with customers who churned after a bad support experience",
                 "ru": "Около {amount} выручки за {months} мес. приходится на клиентов, ушедших после негативного опыта в поддержке"},
    "ov.money_detail": {"en": "{customers} customers (95% CI {low} … {high}) churned beyond what comparable customers without a negative support experience show, measured on your data (an association, not proof of cause); another {at_risk} is at risk from customers with a recent bad experience.",
                        "ru": "{customers} клиентов (95% ДИ {low} … {high}) ушли сверх того, что показывают похожие клиенты без негативного опыта в поддержке, — измерено на ваших данных (это связь, а не доказательство причины); ещё {at_risk} под угрозой у клиентов с недавним негативным опытом."},
    "ov.money_none": {"en": "Lost revenue needs a customer list with churn and revenue linked to the support data; load one on the Data page. Churn & revenue has a benchmark estimate meanwhile.",
                      "ru": "Для потерянной выручки нужен список клиентов с оттоком и выручкой, связанный с данными поддержки; загрузите его на странице «Данные». Пока оценка по отраслевым нормам — на странице «Отток и выручка»."},
    "ov.basis.measured": {"en": "measured on your data", "ru": "измерено на ваших данных"},
    "ov.basis.benchmark": {"en": "benchmark inputs", "ru": "отраслевые нормы"},
    "ov.section.tickets": {"en": "Tickets", "ru": "Обращения"},
    "ov.section.satisfaction": {"en": "Satisfaction", "ru": "Удовлетворённость"},
    "ov.section.calls": {"en": "Calls", "ru": "Звонки"},
    "ov.section.churn": {"en": "Churn and money", "ru": "Отток и деньги"},
    "ov.churn_scope": {"en": "Over every customer in the customer list: the filters do not apply to churn.",
                       "ru": "По всем клиентам из списка: фильтры на отток не влияют."},
    "ov.trend": {"en": "Trend", "ru": "Динамика"},
    "ov.grain": {"en": "Grain", "ru": "Шаг"},
    "ov.partial": {"en": "Hollow points are partial periods: the data shown runs from {first} to {last}.",
                   "ru": "Полые точки — неполные периоды: данные охватывают {first} — {last}."},
    "grain.day": {"en": "Day", "ru": "День"},
    "grain.week": {"en": "Week", "ru": "Неделя"},
    "grain.month": {"en": "Month", "ru": "Месяц"},
    "ov.attributable": {"en": "Attributable churn", "ru": "Отток из-за поддержки"},
    "ov.revenue_at_risk": {"en": "Revenue at risk", "ru": "Выручка под угрозой"},
    "ov.attributable_help": {"en": "Customers who churned because of a negative support experience: excess churn of exposed customers over comparable unexposed ones, times the exposed customers (docs/churn.md).",
                             "ru": "Клиенты, ушедшие из-за негативного опыта в поддержке: избыточный отток клиентов с таким опытом по сравнению с похожими клиентами без него, умноженный на число клиентов с опытом (docs/churn.md)."},
    "ov.lost_help": {"en": "Revenue of the attributable churned customers over {months} months.",
                     "ru": "Выручка клиентов, ушедших из-за поддержки, за {months} мес."},
    "ov.at_risk_help": {"en": "Monthly revenue x {months} months of customers who had a negative experience in the last 30 days and have not left (yet).",
                        "ru": "Месячная выручка × {months} мес. клиентов, у которых за последние 30 дней был негативный опыт и которые (пока) не ушли."},
    "ov.at_risk_customers": {"en": "{n} customers", "ru": "клиентов: {n}"},
    "ov.customers": {"en": "customers", "ru": "клиентов"},
    "ov.customers_n": {"en": {"one": "{n} customer", "other": "{n} customers"},
                       "ru": {"one": "{n} клиент", "few": "{n} клиента", "many": "{n} клиентов", "other": "{n} клиента"}},
    # ---- tickets & SLA
    "tk.title": {"en": "Tickets & SLA", "ru": "Обращения и SLA"},
    "tk.clock": {"en": "Clock", "ru": "Часы"},
    "tk.clock.calendar": {"en": "Calendar time", "ru": "Календарное время"},
    "tk.clock.business": {"en": "Business hours", "ru": "Рабочее время"},
    "tk.frt_dist": {"en": "First reply time", "ru": "Время первого ответа"},
    "tk.res_dist": {"en": "Resolution time", "ru": "Время решения"},
    "tk.hours": {"en": "hours", "ru": "часы"},
    "tk.tickets": {"en": "tickets", "ru": "обращения"},
    "tk.sla_by": {"en": "SLA outcomes by", "ru": "Исходы SLA по"},
    "tk.sla_outcomes": {"en": "SLA outcomes", "ru": "Исходы SLA"},
    "tk.breach_rate": {"en": "Breach rate", "ru": "Доля нарушений"},
    "tk.active_breaches": {"en": "Active breaches", "ru": "Активные нарушения"},
    "tk.backlog_aging": {"en": "Backlog aging", "ru": "Возраст бэклога"},
    "tk.age": {"en": "Age", "ru": "Возраст"},
    "tk.top_categories": {"en": "Top categories by volume and breaches", "ru": "Главные категории по объёму и нарушениям"},
    "tk.no_sla": {"en": "No SLA targets apply to these tickets — define policies on the Settings page.",
                  "ru": "К этим обращениям не применяются цели SLA — задайте политики на странице «Настройки»."},
    "tk.no_times": {"en": "No reply or resolution times in these tickets.", "ru": "В этих обращениях нет времени ответа или решения."},
    "tk.no_backlog": {"en": "No open tickets: the backlog is empty.", "ru": "Открытых обращений нет: бэклог пуст."},
    "age.lt1d": {"en": "< 1 day", "ru": "< 1 дня"},
    "age.1_3d": {"en": "1–3 days", "ru": "1–3 дня"},
    "age.3_7d": {"en": "3–7 days", "ru": "3–7 дней"},
    "age.7_30d": {"en": "7–30 days", "ru": "7–30 дней"},
    "age.gt30d": {"en": "> 30 days", "ru": "> 30 дней"},
    "dim.team": {"en": "Team", "ru": "Команда"},
    "dim.agent": {"en": "Agent", "ru": "Агент"},
    "dim.channel": {"en": "Channel", "ru": "Канал"},
    "dim.priority": {"en": "Priority", "ru": "Приоритет"},
    "dim.category": {"en": "Category", "ru": "Категория"},
    "dim.queue": {"en": "Queue", "ru": "Очередь"},
    "dim.segment": {"en": "Segment", "ru": "Сегмент"},
    "dim.source": {"en": "Source", "ru": "Источник"},
    "sla.achieved": {"en": "Achieved", "ru": "Выполнено"},
    "sla.breached": {"en": "Breached", "ru": "Нарушено"},
    "sla.active": {"en": "Active", "ru": "В работе"},
    "sla.active_breach": {"en": "Active breach", "ru": "Активное нарушение"},
    # ---- rows behind a number (dialog) and human column names
    "drill.dialog_title": {"en": "Rows behind: {what}", "ru": "Строки за показателем: {what}"},
    "drill.count_caption": {"en": "**{total}** {noun} behind **{what} = {value}**", "ru": "**{total}** — {noun} за показателем **{what} = {value}**"},
    "drill.rate_caption": {"en": "**{what}: {numerator}** of **{total}** {noun} = **{value}**",
                           "ru": "**{what}: {numerator}** из **{total}** ({noun}) = **{value}**"},
    "drill.first_rows": {"en": "The table shows the first {shown} of {total}; narrow the filters to see them all.",
                         "ru": "В таблице первые {shown} из {total}; сузьте фильтры, чтобы увидеть все."},
    "drill.noun.tickets": {"en": "tickets", "ru": "обращения"},
    "drill.noun.sla_targets": {"en": "completed SLA targets", "ru": "завершённые цели SLA"},
    "drill.noun.calls": {"en": "calls", "ru": "звонки"},
    "drill.noun.surveys": {"en": "responses", "ru": "ответы"},
    "drill.num.sla_breach_rate": {"en": "Breached", "ru": "Нарушено"},
    "drill.num.sla_first_reply_breach_rate": {"en": "Breached", "ru": "Нарушено"},
    "drill.num.sla_next_reply_breach_rate": {"en": "Breached", "ru": "Нарушено"},
    "drill.num.sla_resolution_breach_rate": {"en": "Breached", "ru": "Нарушено"},
    "drill.num.replied_within_1h": {"en": "Replied in time", "ru": "Ответ вовремя"},
    "drill.num.replied_within_12h": {"en": "Replied in time", "ru": "Ответ вовремя"},
    "drill.num.reopen_rate": {"en": "Reopened", "ru": "Переоткрыто"},
    "drill.num.one_touch_rate": {"en": "One touch", "ru": "С одного ответа"},
    "drill.num.repeat_contact_rate": {"en": "Repeat contact", "ru": "Повторное"},
    "drill.num.csat": {"en": "Satisfied", "ru": "Доволен"},
    "drill.num.nps": {"en": "Promoters", "ru": "Промоутеры"},
    "drill.num.answer_rate": {"en": "Answered", "ru": "Принят"},
    "drill.num.abandonment_rate": {"en": "Abandoned", "ru": "Брошен"},
    "drill.num.service_level": {"en": "Within service level", "ru": "В пределах норматива"},
    "drill.num.fcr_rate": {"en": "Resolved", "ru": "Решён"},
    "col.ticket": {"en": "Ticket", "ru": "Обращение"},
    "col.call": {"en": "Call", "ru": "Звонок"},
    "col.response": {"en": "Response", "ru": "Ответ"},
    "col.created": {"en": "Created", "ru": "Создано"},
    "col.queued": {"en": "Queued", "ru": "Поступил"},
    "col.responded": {"en": "Answered", "ru": "Дата ответа"},
    "col.status": {"en": "Status", "ru": "Статус"},
    "col.customer": {"en": "Customer", "ru": "Клиент"},
    "col.subject": {"en": "Subject", "ru": "Тема"},
    "col.first_reply": {"en": "First reply", "ru": "Первый ответ"},
    "col.resolution": {"en": "Resolution", "ru": "Решение"},
    "col.reopens": {"en": "Reopens", "ru": "Переоткрытий"},
    "col.replies": {"en": "Replies", "ru": "Ответов"},
    "col.sla_policy": {"en": "SLA policy", "ru": "Политика SLA"},
    "col.sla_target": {"en": "SLA target", "ru": "Цель SLA"},
    "col.sla_status": {"en": "Outcome", "ru": "Исход"},
    "col.target": {"en": "Target", "ru": "Срок"},
    "col.elapsed": {"en": "Took", "ru": "Заняло"},
    "col.outcome": {"en": "Outcome", "ru": "Исход"},
    "col.wait": {"en": "Wait", "ru": "Ожидание"},
    "col.talk": {"en": "Talk", "ru": "Разговор"},
    "col.direction": {"en": "Direction", "ru": "Направление"},
    "col.kind": {"en": "Survey", "ru": "Опрос"},
    "col.score": {"en": "Score", "ru": "Оценка"},
    "col.comment": {"en": "Comment", "ru": "Комментарий"},
    "value.priority.urgent": {"en": "urgent", "ru": "срочный"},
    "value.priority.high": {"en": "high", "ru": "высокий"},
    "value.priority.normal": {"en": "normal", "ru": "обычный"},
    "value.priority.low": {"en": "low", "ru": "низкий"},
    "value.channel.email": {"en": "email", "ru": "эл. почта"},
    "value.channel.web": {"en": "web", "ru": "веб-форма"},
    "value.channel.chat": {"en": "chat", "ru": "чат"},
    "value.channel.phone": {"en": "phone", "ru": "телефон"},
    "value.channel.social": {"en": "social", "ru": "соцсети"},
    "value.channel.api": {"en": "api", "ru": "API"},
    "enum.new": {"en": "new", "ru": "новое"},
    "enum.open": {"en": "open", "ru": "открыто"},
    "enum.pending": {"en": "pending", "ru": "ожидает"},
    "enum.on_hold": {"en": "on hold", "ru": "приостановлено"},
    "enum.solved": {"en": "solved", "ru": "решено"},
    "enum.closed": {"en": "closed", "ru": "закрыто"},
    "enum.achieved": {"en": "achieved", "ru": "выполнено"},
    "enum.breached": {"en": "breached", "ru": "нарушено"},
    "enum.active": {"en": "running", "ru": "идёт"},
    "enum.active_breach": {"en": "past due", "ru": "просрочено"},
    "enum.first_reply": {"en": "first reply", "ru": "первый ответ"},
    "enum.next_reply": {"en": "next reply", "ru": "следующий ответ"},
    "enum.resolution": {"en": "resolution", "ru": "решение"},
    "enum.answered": {"en": "answered", "ru": "принят"},
    "enum.abandoned": {"en": "abandoned", "ru": "брошен"},
    "enum.missed": {"en": "missed", "ru": "пропущен"},
    "enum.voicemail": {"en": "voicemail", "ru": "голосовая почта"},
    "enum.busy": {"en": "busy", "ru": "занято"},
    "enum.failed": {"en": "failed", "ru": "ошибка"},
    "enum.inbound": {"en": "inbound", "ru": "входящий"},
    "enum.outbound": {"en": "outbound", "ru": "исходящий"},
    "enum.internal": {"en": "internal", "ru": "внутренний"},
    "note.method.crude": {"en": "Crude comparison: risk difference with Newcombe's hybrid score interval (Wilson).",
                          "ru": "Прямое сравнение: разность долей с гибридным интервалом Ньюкомба (Уилсон)."},
    "note.method.stratified": {"en": "Stratified comparison (Mantel-Haenszel risk difference over {dims}, Sato variance).",
                               "ru": "Стратифицированное сравнение (разность долей по Мантелю — Хензелю по группам: {dims}; дисперсия Сато)."},
    "note.strata": {"en": "{n} of {m} customer groups have only customers with or only customers without a negative experience and carry no weight in the stratified estimate.",
                    "ru": "{n} из {m} групп клиентов состоят только из клиентов с негативным опытом или только без него и не влияют на стратифицированную оценку."},
    "note.no_customers": {"en": "No customer data yet: load a customer list (customer id, start date, churn date or status, monthly revenue) on the Data page.",
                          "ru": "Данных о клиентах пока нет: загрузите список клиентов (id, дата начала, дата или признак ухода, месячная выручка) на странице «Данные»."},
    "note.no_churned": {"en": "No churned customers in the customer list: load one with churn dates or a churn status.",
                        "ru": "В списке клиентов нет ушедших: загрузите список с датами или признаком ухода."},
    "note.all_exposed": {"en": "Every customer had a negative support experience: there is nobody to compare them with.",
                         "ru": "У каждого клиента был негативный опыт: сравнивать не с кем."},
    "note.none_exposed": {"en": "No customer in the list had a negative support experience in the window before their outcome; check that the support data carries the same customer ids as the list.",
                          "ru": "Ни у одного клиента из списка не было негативного опыта в окне до исхода; проверьте, что в данных поддержки те же id клиентов, что в списке."},
    "note.no_support": {"en": "No support data (tickets, calls or surveys) is loaded, so nobody can be compared; only stated churn reasons are shown.",
                        "ru": "Данные поддержки (обращения, звонки, опросы) не загружены, сравнивать некого; показаны только названные причины ухода."},
    "note.no_churn_in_period": {"en": "No churned customer can be placed in the period the support data covers: load churn dates for churned customers.",
                                "ru": "Ни одного ушедшего клиента нельзя отнести к периоду данных поддержки: загрузите даты ухода."},
    "note.no_dates": {"en": "The customer list has no start or churn dates and no support data is loaded: only stated churn reasons are shown.",
                      "ru": "В списке клиентов нет дат начала и ухода, данные поддержки не загружены: показаны только названные причины ухода."},
    "note.no_table": {"en": "No {table} loaded.", "ru": "Нет загруженных данных: {table}."},
    "note.agent_merged": {"en": "Agent name spellings taken as another agent's (case, spaces or [agent_load.aliases] in the settings): {n}.",
                          "ru": "Написаний имён агентов, отнесённых к другому агенту (регистр, пробелы или [agent_load.aliases] в настройках): {n}."},
    "note.agent_split": {"en": "Calls and tickets name no agent alike (calls: e.g. '{call}', tickets: e.g. '{ticket}'): whoever handles both is counted as two agents, so the agents are over-counted and the load per agent-day under-stated. Name them alike in [agent_load.aliases] in the settings.",
                         "ru": "В звонках и обращениях нет ни одного общего имени агента (в звонках, например, «{call}», в обращениях — «{ticket}»): кто работает и с теми, и с другими, считается двумя агентами, поэтому агентов слишком много, а нагрузка на рабочий день агента занижена. Сопоставьте имена в [agent_load.aliases] в настройках."},
    "note.agent_split_hint": {"en": "Calls and tickets name no agent alike (calls: e.g. '{call}', tickets: e.g. '{ticket}'): whoever handles both is counted as two agents, so the agents are over-counted and the load per agent-day under-stated. Name them alike in [agent_load.aliases] in the settings; first names match {n}, e.g. {hint}",
                              "ru": "В звонках и обращениях нет ни одного общего имени агента (в звонках, например, «{call}», в обращениях — «{ticket}»): кто работает и с теми, и с другими, считается двумя агентами, поэтому агентов слишком много, а нагрузка на рабочий день агента занижена. Сопоставьте имена в [agent_load.aliases] в настройках; по совпадению имени подходят {n}, например: {hint}"},
    "note.filter_gap": {"en": "{table} have no {dims}: their figures are not shown while that filter is on.",
                        "ru": "У {table} нет поля «{dims}»: их показатели не показаны, пока включён этот фильтр."},
    "note.currencies": {"en": "customers.currency holds {n} currencies ({list}); revenue is summed as is (no conversion) and shown in {cur} from settings ui.currency.",
                        "ru": "В customers.currency {n} валют(ы) ({list}); выручка суммируется как есть (без пересчёта) и показана в {cur} из настройки ui.currency."},
    "note.no_ticket_metrics": {"en": "ticket_metrics is missing (metrics/derive.py has not run), so SLA breaches and repeat contacts are not counted; slow replies use tickets.first_response_at.",
                               "ru": "Таблицы ticket_metrics нет (metrics/derive.py не запускался): нарушения SLA и повторные обращения не считаются; медленные ответы берутся из tickets.first_response_at."},
    "note.list_as_of": {"en": "The customer list describes {list_date} (its as-of date); churn figures are as of that date, not {asked}.",
                        "ru": "Список клиентов описывает состояние на {list_date} (его дата); показатели оттока — на эту дату, а не на {asked}."},
    "note.overlap": {"en": "{n} customers have support columns in the list and loaded tickets, calls or surveys too: the in-list figures use only the list's columns, the measured comparison only the loaded records; they are never added together.",
                     "ru": "У {n} клиентов есть и столбцы поддержки в списке, и загруженные обращения, звонки или опросы: показатели по списку берут только его столбцы, измеренное сравнение — только загруженные записи; они не складываются."},
    "note.undated_surveys_churn": {"en": "{n} survey responses have no date: they cannot be placed in the window before a churn date and are left out of the comparison (a snapshot list counts them).",
                                   "ru": "{n} ответов на опросы без даты: их нельзя отнести к окну до даты ухода, и они не входят в сравнение (список-снимок их учитывает)."},
    "note.snapshot_list": {"en": "Snapshot list: churn flags without dates, so every support record up to the as-of date counts (the exposure window is the whole tenure) and contacts after a customer left cannot be told apart; rates have no period (docs/churn.md, 'Snapshot lists').",
                           "ru": "Список-снимок: признаки ухода без дат, поэтому учитывается каждая запись поддержки до даты списка (окно — весь срок жизни клиента), а обращения после ухода отличить нельзя; у долей нет периода (docs/churn.md, «Snapshot lists»)."},
    "note.undated_filtered": {"en": "{n} survey responses have no date: the date filter leaves them out (they count in all-time figures).",
                              "ru": "{n} ответов на опросы без даты: фильтр по датам их не учитывает (они входят в показатели за всё время)."},
    # ---- charts: axis titles with units (issue 19)
    "axis.period.day": {"en": "Day", "ru": "День"},
    "axis.period.week": {"en": "Week starting", "ru": "Начало недели"},
    "axis.period.month": {"en": "Month", "ru": "Месяц"},
    "axis.tickets": {"en": "Tickets", "ru": "Обращения"},
    "axis.calls": {"en": "Calls", "ru": "Звонки"},
    "axis.hour": {"en": "Hour of day (local time)", "ru": "Час суток (местное время)"},
    "axis.weekday": {"en": "Weekday", "ru": "День недели"},
    "axis.share": {"en": "{name}, %", "ru": "{name}, %"},
    "axis.duration": {"en": "{name}, {unit}", "ru": "{name}, {unit}"},
    "axis.driver": {"en": "Contact driver", "ru": "Причина обращения"},
    "axis.switches": {"en": "Contacts that switched", "ru": "Обращения со сменой канала"},
    "axis.effect": {"en": "Effect on the metric, % change (95% interval)", "ru": "Эффект на показатель, изменение в % (95% интервал)"},
    "axis.initiative": {"en": "Initiative", "ru": "Инициатива"},
    "axis.channel_target": {"en": "Channel · target", "ru": "Канал · цель"},
    "axis.nps": {"en": "{name}, points (−100…+100)", "ru": "{name}, пункты (−100…+100)"},
    "axis.age": {"en": "Age of open tickets", "ru": "Возраст открытых обращений"},
    "axis.time_to": {"en": "{name} (bins)", "ru": "{name} (интервалы)"},
    "axis.customers_pct": {"en": "Customers who churned, %", "ru": "Ушедшие клиенты, %"},
    "axis.category": {"en": "Category", "ru": "Категория"},
    "axis.value": {"en": "{name}", "ru": "{name}"},
    "bin.lt": {"en": "under {b}", "ru": "до {b}"},
    "bin.range": {"en": "{a}–{b}", "ru": "{a}–{b}"},
    "bin.ge": {"en": "{a} and more", "ru": "{a} и больше"},
    # ---- targets and card states
    "target.state.good": {"en": "good", "ru": "в норме"},
    "target.state.watch": {"en": "watch", "ru": "под наблюдением"},
    "target.state.bad": {"en": "bad", "ru": "плохо"},
    "target.badge": {"en": "target {op} {target} · {state}", "ru": "цель {op} {target} · {state}"},
    "target.help": {"en": "Target {op} {target} (settings); within {margin} of it counts as watch.",
                    "ru": "Цель {op} {target} (настройки); отклонение до {margin} от неё — «под наблюдением»."},
    "kpi.full_value": {"en": "Exact value: {value}", "ru": "Точное значение: {value}"},
    "kpi.filter_not_applicable": {"en": "{table} carry no {dims}: the filter does not apply",
                                  "ru": "у {table} нет поля «{dims}»: фильтр к ним не применяется"},
    "nm.agents_at_csat_target_share": {"en": "no agent has enough rated CSAT responses in this period to be judged (the minimum is a setting)",
                                       "ru": "ни у одного агента нет достаточно оценок CSAT за период, чтобы его оценить (минимум задан в настройках)"},
    "kpi.not_measurable_export": {"en": "not measurable from this export", "ru": "не измеряется по этой выгрузке"},
    "table.tickets": {"en": "tickets", "ru": "обращений"},
    "note.previous_before_data": {"en": "The previous period ({start} – {end}) begins before the first record of {tables}: its counts and backlog age cover only part of it, so they are not compared.",
                                  "ru": "Предыдущий период ({start} – {end}) начинается раньше первой записи: {tables}; количества и возраст очереди за него неполные и не сравниваются."},
    "table.calls": {"en": "calls", "ru": "звонков"},
    "table.surveys": {"en": "survey responses", "ru": "ответов на опросы"},
    # ---- calls
    "cl.title": {"en": "Calls", "ru": "Звонки"},
    "cl.by": {"en": "By", "ru": "По"},
    "cl.heatmap": {"en": "Hour of week: calls offered and answer rate", "ru": "Час недели: поступившие звонки и доля отвеченных"},
    "cl.heat.metric": {"en": "Show", "ru": "Показать"},
    "cl.heat.offered": {"en": "Calls offered", "ru": "Поступило звонков"},
    "cl.heat.answer_rate": {"en": "Answer rate", "ru": "Доля отвеченных"},
    "cl.hour": {"en": "Hour (local time)", "ru": "Час (местное время)"},
    "cl.weekday": {"en": "Weekday", "ru": "День недели"},
    "cl.sl_target": {"en": "target {target}", "ru": "цель {target}"},
    "cl.volume": {"en": "Offered, answered, abandoned", "ru": "Поступило, отвечено, брошено"},
    "cl.aht_by": {"en": "Handle time and answer speed", "ru": "Время обработки и скорость ответа"},
    # ---- satisfaction
    "sat.title": {"en": "Satisfaction", "ru": "Удовлетворённость"},
    "sat.over_time": {"en": "Over time", "ru": "Динамика"},
    "sat.by": {"en": "By", "ru": "По"},
    "sat.comments": {"en": "Comments", "ru": "Комментарии"},
    "sat.search": {"en": "Search comments", "ru": "Поиск по комментариям"},
    "sat.kind": {"en": "Survey", "ru": "Опрос"},
    "sat.nps_ci": {"en": "NPS {nps} (95% CI {low} … {high}), n = {n}", "ru": "NPS {nps} (95% ДИ {low} … {high}), n = {n}"},
    "sat.no_comments": {"en": "No comments match.", "ru": "Нет подходящих комментариев."},
    "sat.when": {"en": "Answered", "ru": "Дата ответа"},
    "sat.ticket": {"en": "Ticket", "ru": "Обращение"},
    "sat.score": {"en": "Score", "ru": "Оценка"},
    "sat.none_loaded": {"en": "no {kind} responses loaded", "ru": "ответов {kind} не загружено"},
    "sat.none_filtered": {"en": "no {kind} responses for these filters", "ru": "нет ответов {kind} для этих фильтров"},
    "sat.rate_needs_tickets": {"en": "needs tickets: none loaded", "ru": "нет обращений"},
    "sat.rate_needs_offers": {"en": "the ticket exports do not say which tickets were sent a survey",
                              "ru": "в выгрузке обращений не видно, каким отправляли опрос"},
    "sat.from_tickets": {"en": "CSAT includes {n} ratings read from ticket exports (one per rated ticket).",
                         "ru": "CSAT включает оценки из выгрузок обращений (по одной на оценённое обращение): {n}."},
    "sat.undated_here": {"en": "{n} responses have no date: they count in these all-time figures and in the table by "
                               "segment, not in the trend or any date filter.",
                         "ru": "Ответов без даты: {n}. Они учтены в этих показателях за всё время и в таблице по "
                               "сегментам, но не в динамике и не в фильтре по датам."},
    "sat.undated_filtered": {"en": "{n} responses have no date: the date filter leaves them out of every figure on "
                                   "this page (choose “All time” to count them).",
                             "ru": "Ответов без даты: {n}. Фильтр по датам исключает их из всех показателей страницы "
                                   "(выберите «Всё время», чтобы их учесть)."},
    "sat.trend_needs_dates": {"en": "No trend: none of the {n} responses has a date (they count in the figures above "
                                    "and in the table below).",
                              "ru": "Динамики нет: ни у одного ответа нет даты (ответов: {n}; они учтены в показателях "
                                    "выше и в таблице ниже)."},
    "sat.undated_trend": {"en": "{n} responses have no date and are not in this trend.",
                          "ru": "Ответов без даты: {n}. В эту динамику они не вошли."},
    "sat.ci": {"en": "{kind} 95% CI", "ru": "{kind}: 95% ДИ"},
    "sat.no_date": {"en": "no date", "ru": "без даты"},
    "sat.kind_undated": {"en": "No trend: none of the {kind} responses for these filters has a date.",
                         "ru": "Динамики нет: ни у одного ответа {kind} для этих фильтров нет даты."},
    "sat.small_col": {"en": "Small sample", "ru": "Малая выборка"},
    "sat.small_help": {"en": "Scores resting on fewer than {n} responses (metrics.survey_small_segment): shown with "
                             "their interval, not to be ranked.",
                       "ru": "Оценки, основанные менее чем на {n} ответах (metrics.survey_small_segment): показаны с "
                             "интервалом, сравнивать их не стоит."},
    "sat.small_note": {"en": "A score with fewer than {n} responses is marked in “Small sample”: read its interval, "
                             "do not rank it.",
                       "ru": "Оценка, основанная менее чем на {n} ответах, отмечена в колонке «Малая выборка»: "
                             "смотрите на интервал, не ранжируйте."},
    "sat.kinds_missing": {"en": "No {kinds} responses for these filters, so no {kinds} columns.",
                          "ru": "Нет ответов {kinds} для этих фильтров, поэтому нет колонок {kinds}."},
    "sat.no_comments_at_all": {"en": "The responses for these filters carry no comments.",
                               "ru": "У ответов для этих фильтров нет комментариев."},
    # ---- agents
    "ag.title": {"en": "Agents & teams", "ru": "Агенты и команды"},
    "ag.level": {"en": "Rows", "ru": "Строки"},
    "ag.small": {"en": "Rows with fewer than {n} tickets are marked as small samples and not ranked: their figures move too much to compare.",
                 "ru": "Строки, где меньше {n} обращений, отмечены как малая выборка и не ранжируются: их показатели слишком неустойчивы для сравнения."},
    "ag.rank": {"en": "Rank", "ru": "Место"},
    "ag.sort": {"en": "Rank by", "ru": "Ранжировать по"},
    "ag.small_col": {"en": "Small sample", "ru": "Малая выборка"},
    # ---- churn
    "ch.title": {"en": "Churn & revenue", "ru": "Отток и выручка"},
    "ch.scope": {"en": "Churn is measured over every customer in the customer list; the sidebar filters apply to the calculator's measured breach rate and reply times only.",
                 "ru": "Отток считается по всем клиентам из списка; фильтры на боковой панели влияют только на измеренную долю нарушений и время ответа в калькуляторе."},
    "ch.exposed": {"en": "Exposed vs unexposed customers (loaded tickets, calls, surveys)", "ru": "Клиенты с негативным опытом и без (загруженные обращения, звонки, опросы)"},
    "ch.group": {"en": "Group", "ru": "Группа"},
    "ch.group.exposed": {"en": "Had a negative experience", "ru": "Был негативный опыт"},
    "ch.group.unexposed": {"en": "No negative experience", "ru": "Без негативного опыта"},
    "ch.churn_rate": {"en": "Churn rate", "ru": "Доля оттока"},
    "ch.customers": {"en": "Customers", "ru": "Клиенты"},
    "ch.churned": {"en": "Churned", "ru": "Ушли"},
    "ch.dose": {"en": "Churn by number of negative experiences", "ru": "Отток по числу негативных случаев"},
    "ch.negatives": {"en": "Negative experiences", "ru": "Негативных случаев"},
    "ch.reasons": {"en": "Stated churn reasons", "ru": "Названные причины ухода"},
    "ch.reason": {"en": "Reason", "ru": "Причина"},
    "ch.support_related": {"en": "support-related", "ru": "связано с поддержкой"},
    "ch.calculator": {"en": "Churn cost calculator", "ru": "Калькулятор стоимости оттока"},
    "ch.what_if": {"en": "What if the SLA breach rate changed?", "ru": "Что если доля нарушений SLA изменится?"},
    "ch.breach_from": {"en": "Breach rate now", "ru": "Доля нарушений сейчас"},
    "ch.breach_to": {"en": "Breach rate target", "ru": "Целевая доля нарушений"},
    "ch.what_if_result": {"en": {"one": "Cutting the breach rate from {a} to {b} keeps about {n} customer a year and {money} of revenue over {months} months.",
                                 "other": "Cutting the breach rate from {a} to {b} keeps about {n} customers a year and {money} of revenue over {months} months."},
                          "ru": {"one": "Снижение доли нарушений с {a} до {b} сохранит около {n} клиента в год и {money} выручки за {months} мес.",
                                 "few": "Снижение доли нарушений с {a} до {b} сохранит около {n} клиентов в год и {money} выручки за {months} мес.",
                                 "many": "Снижение доли нарушений с {a} до {b} сохранит около {n} клиентов в год и {money} выручки за {months} мес.",
                                 "other": "Снижение доли нарушений с {a} до {b} сохранит около {n} клиентов в год и {money} выручки за {months} мес."}},
    "ch.input": {"en": "Input", "ru": "Параметр"},
    "ch.value": {"en": "Value", "ru": "Значение"},
    "ch.origin": {"en": "From", "ru": "Основа"},
    "ch.measured": {"en": "measured (your data)", "ru": "измерено (ваши данные)"},
    "ch.from_settings": {"en": "settings", "ru": "настройки"},
    "dim.not_set": {"en": "(not set)", "ru": "(не указано)"},
    "set.report_tz": {"en": "Report time zone", "ru": "Часовой пояс отчётов"},
    "set.report_tz.help": {"en": "Days, weeks and months of every report are local days of this IANA zone (e.g. America/New_York); the rollups are rebuilt on the next load or Recompute.",
                           "ru": "Дни, недели и месяцы всех отчётов считаются по этому поясу IANA (например, Europe/Moscow); сводные таблицы пересчитываются при следующей загрузке или по кнопке «Пересчитать»."},
    "ch.benchmark": {"en": "benchmark", "ru": "отраслевая норма"},
    "ch.outputs": {"en": "Result", "ru": "Результат"},
    "ch.unavailable": {"en": "Attributable churn needs customers with churn outcomes linked to tickets: {why}",
                       "ru": "Для оттока из-за поддержки нужны клиенты с данными об уходе, связанные с обращениями: {why}"},
    "ch.ci": {"en": "95% CI {low} … {high}", "ru": "95% ДИ {low} … {high}"},
    "ch.excess": {"en": "Excess churn", "ru": "Избыточный отток"},
    "ch.attributable": {"en": "Attributable churned customers", "ru": "Ушло из-за поддержки"},
    "ch.lost_revenue": {"en": "Lost revenue", "ru": "Потерянная выручка"},
    "ch.adjust": {"en": "Adjust the inputs (what if)", "ru": "Изменить параметры (что если)"},
    "ch.your_value": {"en": "your value", "ru": "ваше значение"},
    "ch.source": {"en": "Source or assumption", "ru": "Источник или допущение"},
    "ch.steps": {"en": "How it is calculated", "ru": "Как считается"},
    "ch.reasons_summary": {"en": "{support} of {total} churned customers with a stated reason named support ({share}).",
                           "ru": "{support} из {total} ушедших клиентов, назвавших причину, указали поддержку ({share})."},
    "ch.reset": {"en": "Reset to the measured and benchmark values", "ru": "Вернуть измеренные и отраслевые значения"},
    "ch.invalid": {"en": "These inputs cannot be computed:", "ru": "С такими параметрами расчёт невозможен:"},
    "ch.invalid.customers": {"en": "Customers must be above 0.", "ru": "Число клиентов должно быть больше 0."},
    "ch.invalid.horizon": {"en": "The horizon must be at least 1 month.", "ru": "Горизонт — не меньше 1 месяца."},
    "ch.invalid.below_baseline": {"en": "{what} ({value}) is below churn without a bad experience ({base}): support would keep customers rather than lose them. Raise it, or lower the churn without a bad experience.",
                                  "ru": "{what} ({value}) ниже оттока без негативного опыта ({base}): поддержка удерживала бы клиентов, а не теряла их. Увеличьте значение или уменьшите отток без негативного опыта."},
    "ch.below_baseline_note": {"en": "{what} ({value}) is below churn without a bad experience ({base}): here support is not linked to extra churn, so the calculator counts no customer lost to it from this group.",
                               "ru": "{what} ({value}) ниже оттока без негативного опыта ({base}): здесь поддержка не связана с дополнительным оттоком, поэтому калькулятор не считает потерянных из‑за неё клиентов в этой группе."},
    "ch.invalid.revenue": {"en": "{what} must be above 0.", "ru": "{what}: значение должно быть больше 0."},
    "ch.fx_missing": {"en": "The benchmark revenue is in {benchmark} and no {benchmark}/{currency} exchange rate is set: the calculator shows {benchmark}. Set money.exchange_rates in the settings file to see {currency}.",
                      "ru": "Отраслевая выручка указана в {benchmark}, а курс {benchmark}/{currency} не задан: калькулятор считает в {benchmark}. Задайте money.exchange_rates в файле настроек, чтобы видеть {currency}."},
    "ch.what_if_measured": {"en": "Measured dose-response: customers' negative experiences that include an SLA breach fall in proportion to the breach rate (×{ratio}); each customer's churn then follows the churn measured for their new number of negative experiences.",
                            "ru": "Измеренная зависимость: негативные случаи с нарушением SLA сокращаются пропорционально доле нарушений (×{ratio}); отток каждого клиента затем следует измеренному оттоку для нового числа негативных случаев."},
    "ch.what_if_benchmark": {"en": "Benchmark model: customers lost to support fall in proportion to the breach rate (×{ratio}); an upper bound, as other bad experiences stay.",
                             "ru": "Модель по отраслевым нормам: клиенты, уходящие из-за поддержки, сокращаются пропорционально доле нарушений (×{ratio}); это верхняя граница, другие негативные случаи остаются."},
    "calc.step.exposed": {"en": "Customers with a negative experience: {customers} × {share} = {exposed}",
                          "ru": "Клиенты с негативным опытом: {customers} × {share} = {exposed}"},
    "calc.step.lost": {"en": "Lost to support a year: {one} × ({after1} − {base}) + {two} × ({after2} − {base}) = {lost}",
                       "ru": "Уходят из-за поддержки за год: {one} × ({after1} − {base}) + {two} × ({after2} − {base}) = {lost}"},
    "calc.step.revenue": {"en": "Their revenue: {lost} × {each} a month × {months} months = {revenue}",
                          "ru": "Их выручка: {lost} × {each} в месяц × {months} мес. = {revenue}"},
    "calc.step.replacement": {"en": "Replacing them: {lost} × {multiple} × {retain} = {cost}",
                              "ru": "Замена клиентов: {lost} × {multiple} × {retain} = {cost}"},
    "calc.source.customers": {"en": "assumed: a business with 1,000 customers (replace with yours)", "ru": "допущение: бизнес с 1000 клиентов (замените своими данными)"},
    "calc.source.arpu_monthly": {"en": "assumed: 100 USD a month per customer (replace with yours)", "ru": "допущение: 100 USD в месяц на клиента (замените своими данными)"},
    "calc.source.lost_customer_revenue_monthly": {"en": "revenue per customer: the customers lost are taken to be average customers", "ru": "выручка на клиента: ушедшие клиенты считаются средними"},
    "calc.source.gross_margin": {"en": "settings (default 70%)", "ru": "настройки (по умолчанию 70 %)"},
    "calc.source.negative_share": {"en": "assumed: 1 customer in 5 has a negative support experience in a year (no published benchmark)", "ru": "допущение: у 1 клиента из 5 за год бывает негативный опыт (опубликованного ориентира нет)"},
    "calc.source.repeat_negative_share": {"en": "assumed: 30% of them have two or more (no published benchmark)", "ru": "допущение: у 30 % из них два и более (опубликованного ориентира нет)"},
    "calc.source.baseline_churn": {"en": "assumed: 10% of customers leave in a year without any bad support experience", "ru": "допущение: 10 % клиентов уходят за год без негативного опыта"},
    "calc.source.churn_after_one": {"en": "HubSpot: 58% stop buying after one bad support experience", "ru": "HubSpot: 58 % перестают покупать после одного плохого опыта"},
    "calc.source.churn_after_two": {"en": "Microsoft / PwC: 61-67% leave after two bad experiences (midpoint 64%)", "ru": "Microsoft / PwC: 61–67 % уходят после двух плохих опытов (середина 64 %)"},
    "calc.source.acquisition_cost_multiple": {"en": "industry benchmark: acquiring a customer costs 5-7 times keeping one (5 taken)", "ru": "отраслевой ориентир: привлечь клиента в 5–7 раз дороже, чем удержать (взято 5)"},
    "calc.source.retention_cost_months": {"en": "assumed: keeping a customer costs about one month of their revenue", "ru": "допущение: удержание стоит около месячной выручки клиента"},
    "calc.source.horizon_months": {"en": "settings (default 12 months)", "ru": "настройки (по умолчанию 12 мес.)"},
    "calc.source.period_months": {"en": "the churn rates above are per year", "ru": "доли оттока выше — за год"},
    "calc.source.monthly_churn_rate": {"en": "from the churn without a bad experience: 1 − (1 − yearly)^(1/12)", "ru": "из оттока без негативного опыта: 1 − (1 − годовой)^(1/12)"},
    "calc.source.sla_breach_rate": {"en": "assumed: 10% of tickets breach their SLA (measure yours)", "ru": "допущение: 10 % обращений нарушают SLA (измерьте свою долю)"},
    "calc.source.frt_p90_hours": {"en": "assumed: 90% of first replies within 24 hours", "ru": "допущение: 90 % первых ответов в течение 24 часов"},
    "calc.source.slow_reply_hours": {"en": "settings (Zendesk 2024: replies after 12 hours go with 87% more negative reviews)", "ru": "настройки (Zendesk 2024: ответ позже 12 часов — на 87 % больше негативных отзывов)"},
    "calc.source.currency": {"en": "settings", "ru": "настройки"},
    # ---- churn: the list as a snapshot, its own support columns, stated reasons (pages/churn.py)
    "ch.pp": {"en": "pp", "ru": "п.п."},
    "ch.interval": {"en": "95% interval", "ru": "95% интервал"},
    "ch.not_measurable": {"en": "not measurable", "ru": "не измеримо"},
    "ch.notes": {"en": "Technical notes", "ru": "Технические примечания"},
    "ch.industry.one": {"en": "HubSpot: 58% stop buying after one bad experience",
                        "ru": "HubSpot: 58% перестают покупать после одного плохого опыта"},
    "ch.industry.two": {"en": "Microsoft, PwC: 61–67% leave after two", "ru": "Microsoft, PwC: 61–67% уходят после двух"},
    "ch.snap.title": {"en": "The customer list", "ru": "Список клиентов"},
    "ch.snap.none": {"en": "No customer in the list has a known outcome (a churn flag, status or churn date), so no churn rate can be given.",
                     "ru": "Ни у одного клиента в списке нет известного исхода (признака оттока, статуса или даты ухода), поэтому долю оттока назвать нельзя."},
    "ch.snap.as_of_list": {"en": "the list's date: --as-of, else the file's date", "ru": "дата списка: --as-of или дата файла"},
    "ch.snap.as_of_data": {"en": "the end of the data", "ru": "конец данных"},
    "ch.snap.scope": {"en": "As of {as_of} ({basis}).", "ru": "На {as_of} ({basis})."},
    "ch.snap.is_snapshot": {"en": "A snapshot: churn flags without dates, so it gives rates, revenue and LTV, but not when anyone left.",
                            "ru": "Снимок: признаки оттока без дат, поэтому он даёт доли, выручку и LTV, но не время ухода."},
    "ch.snap.rate": {"en": "Churn rate", "ru": "Доля оттока"},
    "ch.snap.rate_help": {"en": "{churned} churned of {compared} customers, with the 95% interval below; {joined} who joined during the period are counted apart.",
                          "ru": "Ушли {churned} из {compared} клиентов, ниже 95% интервал; {joined} новых за период считаются отдельно."},
    "ch.snap.lost_monthly": {"en": "Lost monthly revenue", "ru": "Потери в месяц"},
    "ch.snap.lost_monthly_help": {"en": "Sum of the churned customers' monthly charges (negative and blank charges left out).",
                                  "ru": "Сумма ежемесячных платежей ушедших клиентов (отрицательные и пустые не учитываются)."},
    "ch.snap.earned": {"en": "Earned from churned", "ru": "Выручка ушедших"},
    "ch.snap.earned_help": {"en": "Sum of the churned customers' total charges: revenue they brought before leaving.",
                            "ru": "Сумма общих платежей ушедших клиентов: выручка, которую они принесли до ухода."},
    "ch.snap.hazard": {"en": "Monthly churn", "ru": "Отток в месяц"},
    "ch.snap.hazard_help": {"en": "Churned customers / customer-months observed: every customer counts their tenure, churners up to when they left. Below: the 95% interval.",
                            "ru": "Ушедшие клиенты / наблюдаемые клиенто-месяцы: каждый клиент учитывается за свой стаж, ушедшие — до ухода. Ниже: 95% интервал."},
    "ch.snap.ltv": {"en": "LTV", "ru": "LTV"},
    "ch.snap.ltv_help": {"en": "ARPU × gross margin / monthly churn: gross profit over the expected lifetime.",
                         "ru": "ARPU × валовая маржа / месячный отток: валовая прибыль за ожидаемый срок жизни клиента."},
    "ch.snap.counts": {"en": "{customers} customers: {compared} compared ({churned} churned, {stayed} stayed), {joined} joined during the period and are counted apart.",
                       "ru": "Клиентов {customers}: сравниваются {compared} (ушли {churned}, остались {stayed}), {joined} новых за период считаются отдельно."},
    "ch.snap.unknown": {"en": "{n} customers have a status that says neither churned nor stayed and are left out.",
                        "ru": "У {n} клиентов статус не говорит ни об уходе, ни о продолжении: они не учитываются."},
    "ch.snap.hazard_formula": {"en": "Monthly churn = {churned} churned / {months} customer-months observed = {rate}.",
                               "ru": "Отток в месяц = {churned} ушедших / {months} клиенто-месяцев наблюдения = {rate}."},
    "ch.snap.hazard_formula_period": {"en": "Monthly churn = {churned} churned / {months} customer-months at risk in the churn period = {rate} (a dated list: the same figure as the money below).",
                                      "ru": "Отток в месяц = {churned} ушедших / {months} клиенто-месяцев риска в периоде оттока = {rate} (список с датами: та же величина, что и в деньгах ниже)."},
    "ch.snap.tenure_missing": {"en": "{n} customers without tenure are left out of it.", "ru": "{n} клиентов без стажа не учитываются."},
    "ch.snap.no_tenure": {"en": "Monthly churn and LTV are not measurable: the list has no tenure and no start dates.",
                          "ru": "Месячный отток и LTV не измеримы: в списке нет ни стажа, ни дат начала."},
    "ch.snap.arpu_list": {"en": "ARPU: the mean monthly charge of {n} customers", "ru": "ARPU: средний ежемесячный платёж {n} клиентов"},
    "ch.snap.arpu_calculator": {"en": "ARPU: the calculator's assumed figure, as the list has no monthly charges",
                                "ru": "ARPU: допущение калькулятора, так как в списке нет ежемесячных платежей"},
    "ch.snap.ltv_formula": {"en": "LTV = ARPU {arpu} × gross margin {margin} / monthly churn {rate} = {ltv} ({basis}).",
                            "ru": "LTV = ARPU {arpu} × валовая маржа {margin} / отток в месяц {rate} = {ltv} ({basis})."},
    "ch.snap.no_ltv_no_churn": {"en": "LTV is not measurable: nobody in the list churned, so there is no monthly churn to divide by.",
                                "ru": "LTV не измерима: никто из списка не ушёл, и месячный отток неизвестен."},
    "ch.snap.no_monthly": {"en": "The list has no monthly charge column: lost revenue is not measurable and money figures use the calculator's ARPU.",
                           "ru": "В списке нет столбца ежемесячного платежа: потерянная выручка не измерима, денежные оценки используют ARPU калькулятора."},
    "ch.snap.negative": {"en": "{n} customers have a negative monthly charge (credits or refunds): kept as loaded, left out of every revenue sum.",
                         "ru": "У {n} клиентов отрицательный ежемесячный платёж (кредиты или возвраты): сохранены как есть, в суммы выручки не входят."},
    "ch.snap.blanks": {"en": "Blank charges among churned customers: {monthly} monthly, {total} total (left out of the sums).",
                       "ru": "Пустые платежи у ушедших клиентов: ежемесячных {monthly}, общих {total} (не входят в суммы)."},
    "ch.snap.estimated": {"en": "{n} start dates are estimated as the as-of date minus the tenure.",
                          "ru": "{n} дат начала оценены как дата списка минус стаж."},
    "ch.snap.row_ids": {"en": "{n} customers have no id in the list: they are named by file and row number, so no ticket, call or survey can join them.",
                        "ru": "У {n} клиентов в списке нет идентификатора: они названы по файлу и номеру строки, и обращения, звонки и опросы к ним не привязать."},
    "ch.il.title": {"en": "Support columns inside the list", "ru": "Поддержка в столбцах самого списка"},
    "ch.il.none": {"en": "The list has no support columns (a count of support contacts, a complaint flag or a satisfaction score), so it cannot show churn by support history on its own.",
                   "ru": "В списке нет столбцов о поддержке (число обращений, признак жалобы или оценка удовлетворённости), поэтому сам по себе он не показывает отток по истории поддержки."},
    "ch.il.scope": {"en": "From the list alone, over {n} customers with a known outcome (joiners counted apart). A contact is a support exposure; a complaint and a low score are each one bad experience.",
                    "ru": "Только по списку, {n} клиентов с известным исходом (новые считаются отдельно). Обращение — это контакт с поддержкой; жалоба и низкая оценка — по одному плохому опыту."},
    "ch.il.overlap": {"en": "{n} customers have support columns in the list and loaded tickets, calls or surveys too: the figures here use only the list's columns, the comparison below only the loaded records. They are never added together.",
                      "ru": "У {n} клиентов есть и столбцы поддержки в списке, и загруженные обращения, звонки или опросы: здесь используются только столбцы списка, в сравнении ниже — только загруженные записи. Они никогда не складываются."},
    "ch.il.contacts": {"en": "Churn by number of support contacts", "ru": "Отток по числу обращений в поддержку"},
    "ch.il.contacts_axis": {"en": "Support contacts", "ru": "Обращений в поддержку"},
    "ch.il.bad": {"en": "Churn by number of bad experiences (complaint, low score)", "ru": "Отток по числу плохих случаев (жалоба, низкая оценка)"},
    "ch.il.bad_axis": {"en": "Bad experiences", "ru": "Плохих случаев"},
    "ch.il.beside": {"en": "This list: {one} churned after one bad experience and {two} after two; the industry figures are 58% and 61–67%.",
                     "ru": "В этом списке после одного плохого случая ушли {one}, после двух — {two}; отраслевые цифры — 58% и 61–67%."},
    "ch.il.complaint": {"en": "Churn by complaint flag", "ru": "Отток по признаку жалобы"},
    "ch.il.complaint.no": {"en": "No complaint", "ru": "Без жалобы"},
    "ch.il.complaint.yes": {"en": "Complained", "ru": "Жаловались"},
    "ch.il.complaint_axis": {"en": "Complaint", "ru": "Жалоба"},
    "ch.il.satisfaction": {"en": "Churn by satisfaction score ({lo}–{hi})", "ru": "Отток по оценке удовлетворённости ({lo}–{hi})"},
    "ch.il.score_axis": {"en": "Score", "ru": "Оценка"},
    "ch.il.low_rule": {"en": "Red: a low score, at or below {max} on 1–5 (the survey CSAT threshold, settings churn.negative.bad_csat_max).",
                       "ru": "Красным: низкая оценка, не выше {max} по шкале 1–5 (порог CSAT опросов, настройка churn.negative.bad_csat_max)."},
    "ch.il.low_rule_nps": {"en": "Red: a detractor answer, 6 or lower on 0–10.", "ru": "Красным: ответ критика, 6 и ниже по шкале 0–10."},
    "ch.il.leakage": {"en": "The {what} tells churn almost perfectly ({accuracy} of customers sorted right). It may have been recorded after the customer left (leakage): read its excess as an upper bound.",
                      "ru": "Столбец «{what}» почти безошибочно предсказывает уход ({accuracy} клиентов разделены верно). Возможно, он заполнен уже после ухода клиента (утечка): считайте избыточный отток верхней границей."},
    "ch.il.signal.contacts": {"en": "support contact count", "ru": "число обращений"},
    "ch.il.signal.complaint": {"en": "complaint flag", "ru": "признак жалобы"},
    "ch.il.signal.satisfaction": {"en": "satisfaction score", "ru": "оценка удовлетворённости"},
    "ch.il.signal.bad_experiences": {"en": "bad experience count", "ru": "число плохих случаев"},
    "ch.il.excess": {"en": "Excess churn, {group}", "ru": "Избыточный отток, {group}"},
    "ch.il.exposed.contacts": {"en": "1+ contacts vs none", "ru": "1+ обращений против 0"},
    "ch.il.exposed.bad": {"en": "1+ bad experiences vs none", "ru": "1+ плохих случаев против 0"},
    "ch.il.exposed.complaint": {"en": "complained vs not", "ru": "жаловались против нет"},
    "ch.il.exposed.satisfaction": {"en": "low score vs the rest", "ru": "низкая оценка против остальных"},
    "ch.il.excess_help": {"en": "Churn rate of the exposed group minus that of the unexposed, with Newcombe's 95% interval (docs/churn.md).",
                          "ru": "Доля оттока в группе с опытом минус доля без него, с 95% интервалом Ньюкомба (docs/churn.md)."},
    "ch.il.excess_col": {"en": "Excess over the reference", "ru": "Превышение над базой"},
    "ch.il.cost": {"en": "What the excess costs a month", "ru": "Во что обходится превышение в месяц"},
    "ch.il.cost_detail": {"en": "{customers} customers · {horizon} over {months} mo", "ru": "{customers} клиентов · {horizon} за {months} мес."},
    "ch.il.cost_help": {"en": "Attributable churned customers (excess × exposed customers) × {each} a month ({basis}).",
                        "ru": "Ушедшие из-за поддержки (превышение × клиенты с опытом) × {each} в месяц ({basis})."},
    "ch.il.cost_basis": {"en": "Each lost customer counts {each} a month: {basis}.", "ru": "Каждый ушедший клиент — {each} в месяц: {basis}."},
    "ch.il.cost_interval": {"en": "95% interval {low} … {high} a month.", "ru": "95% интервал {low} … {high} в месяц."},
    "ch.il.basis_list": {"en": "the mean monthly charge of the {n} exposed churners in the list", "ru": "средний ежемесячный платёж {n} ушедших клиентов с опытом по списку"},
    "ch.il.basis_list_arpu": {"en": "the list's ARPU (the exposed churners have no charge)", "ru": "ARPU списка (у ушедших с опытом нет платежа)"},
    "ch.il.basis_calculator": {"en": "the calculator's ARPU, as the list has no charges", "ru": "ARPU калькулятора, так как в списке нет платежей"},
    "ch.il.missing": {"en": "{n} customers have no value in this column and are left out.", "ru": "У {n} клиентов в этом столбце нет значения: они не учитываются."},
    "ch.window_snapshot": {"en": "Snapshot list: every negative experience while a customer (up to the as-of date) counts; timing cannot be told.",
                           "ru": "Список-снимок: учитывается любой негативный опыт за время жизни клиента (до даты списка); время ухода неизвестно."},
    "ch.window_dated": {"en": "Negative experiences in the {days} days before each customer's churn date or the end of the data.",
                        "ru": "Негативный опыт за {days} дней до даты ухода клиента или до конца данных."},
    "ch.why.no_customers": {"en": "No customer list is loaded.", "ru": "Список клиентов не загружен."},
    "ch.why.no_churned": {"en": "Nobody in the customer list churned, so churn cannot be compared.",
                          "ru": "Никто из списка клиентов не ушёл, поэтому сравнивать отток не с чем."},
    "ch.why.no_support_data": {"en": "No tickets, calls or surveys are loaded and the list has no support columns, so churn attributable to support cannot be measured.",
                               "ru": "Обращения, звонки и опросы не загружены, а в списке нет столбцов о поддержке, поэтому отток из-за поддержки измерить нельзя."},
    "ch.why.no_support_data_in_list": {"en": "No tickets, calls or surveys are loaded, so churn attributable to support is measured only from the list's own support columns (above).",
                                       "ru": "Обращения, звонки и опросы не загружены, поэтому отток из-за поддержки измерен только по столбцам самого списка (выше)."},
    "ch.why.ids_from_rows": {"en": "Nothing joins: the customer list has no customer id, so tickets, calls and surveys cannot be matched to its customers.",
                             "ru": "Ничего не связывается: в списке клиентов нет идентификатора, поэтому обращения, звонки и опросы не сопоставить с клиентами."},
    "ch.why.no_customer_ids": {"en": "Nothing joins: none of the {records} loaded tickets, calls or survey responses carries a customer id.",
                               "ru": "Ничего не связывается: ни одно из {records} загруженных обращений, звонков или ответов не содержит идентификатора клиента."},
    "ch.why.nothing_joins": {"en": "Nothing joins: no customer id on the {records} loaded tickets, calls or surveys is in the customer list (for example {example} against the list's {list_example}).",
                             "ru": "Ничего не связывается: ни один идентификатор клиента из {records} загруженных обращений, звонков или опросов не найден в списке (например, {example} против {list_example} в списке)."},
    "ch.why.no_churn_in_period": {"en": "No churned customer can be placed in the period the support data covers; load churn dates for churned customers.",
                                  "ru": "Ни одного ушедшего клиента нельзя отнести к периоду данных поддержки; загрузите даты ухода."},
    "ch.why.none_exposed": {"en": "No customer in the list had a negative support experience ({joined} customers have support records at all), so there is nobody to compare.",
                            "ru": "Ни у одного клиента из списка не было негативного опыта (записи поддержки есть у {joined} клиентов), сравнивать некого."},
    "ch.why.all_exposed": {"en": "Every customer had a negative support experience: there is nobody to compare them with.",
                           "ru": "У каждого клиента был негативный опыт: сравнивать не с кем."},
    "ch.why.no_estimate": {"en": "Churn attributable to support cannot be measured from this data.",
                           "ru": "Отток из-за поддержки по этим данным измерить нельзя."},
    "ch.reasons.none": {"en": "The customer list has no churn reason or category column, so stated reasons cannot be shown.",
                        "ru": "В списке клиентов нет столбца с причиной или категорией ухода, поэтому названные причины показать нельзя."},
    "ch.reasons.no_churned": {"en": "Nobody in the customer list churned, so there are no stated reasons.",
                              "ru": "Никто из списка не ушёл, поэтому названных причин нет."},
    "ch.reasons.scope": {"en": "{n} of {total} churned customers gave a reason or category; each is classed by its most specific value (the reason, else the category).",
                         "ru": "{n} из {total} ушедших клиентов назвали причину или категорию; каждый отнесён к классу по самому точному значению (причине, иначе категории)."},
    "ch.class.support": {"en": "Support", "ru": "Поддержка"},
    "ch.class.possibly_support": {"en": "Possibly support", "ru": "Возможно, поддержка"},
    "ch.class.other": {"en": "Other", "ru": "Другое"},
    "ch.class.support.help": {"en": "The reason names support staff or support work: their attitude, expertise, speed, politeness, an unresolved request.",
                              "ru": "Причина называет сотрудников или работу поддержки: отношение, компетентность, скорость, вежливость, нерешённый вопрос."},
    "ch.class.possibly_support.help": {"en": "Broader wording that may be about support (\"Service dissatisfaction\", the category \"Attitude\").",
                                       "ru": "Более широкая формулировка, которая может относиться к поддержке («Недовольство сервисом», категория «Отношение»)."},
    "ch.class.other.help": {"en": "Product, price, competitor and company reasons; a generic word beside them is not enough (\"Attitude of service provider\").",
                            "ru": "Продукт, цена, конкуренты и компания; одного общего слова рядом мало («Attitude of service provider»)."},
    "ch.reasons.revenue": {"en": "{money} a month", "ru": "{money} в месяц"},
    "ch.reasons.field": {"en": "Stated as", "ru": "Указано как"},
    "ch.reasons.field.reason": {"en": "reason", "ru": "причина"},
    "ch.reasons.field.category": {"en": "category", "ru": "категория"},
    "ch.reasons.class": {"en": "Class", "ru": "Класс"},
    "ch.reasons.monthly": {"en": "Monthly revenue", "ru": "Выручка в месяц"},
    "ch.reasons.moved": {"en": "Moved", "ru": "Перенесено"},
    "ch.reasons.moved_yes": {"en": "by you", "ru": "вами"},
    "ch.reasons.source_loaded": {"en": "measured on the loaded tickets, calls and surveys", "ru": "измерено по загруженным обращениям, звонкам и опросам"},
    "ch.reasons.source_list": {"en": "measured from the list's {what}", "ru": "измерено по столбцу списка «{what}»"},
    "ch.reasons.beside": {"en": "**Stated:** {stated} churned customers named support ({stated_money} a month), {possible} with the possible ones. **Statistical estimate:** {measured} customers attributable ({interval}; {money} a month), {source}.",
                          "ru": "**Названо:** {stated} ушедших клиентов указали поддержку ({stated_money} в месяц), {possible} вместе с возможными. **Статистическая оценка:** {measured} клиентов ушли из-за поддержки ({interval}; {money} в месяц), {source}."},
    "ch.reasons.diff.no_estimate": {"en": "There is no statistical estimate to set beside them: stated reasons are what churned customers said, not a measurement.",
                                    "ru": "Статистической оценки для сравнения нет: названные причины — это слова ушедших клиентов, а не измерение."},
    "ch.reasons.diff.within": {"en": "The stated count lies within the estimate's interval: what customers said and what the data shows agree.",
                               "ru": "Названное число попадает в интервал оценки: слова клиентов и данные согласуются."},
    "ch.reasons.diff.measured_higher": {"en": "The estimate is higher: customers often give a polite reason (price, competitor) for a support problem, and many give none.",
                                        "ru": "Оценка выше: клиенты часто называют вежливую причину (цена, конкурент) вместо проблемы с поддержкой, а многие не называют никакой."},
    "ch.reasons.diff.stated_higher": {"en": "Stated reasons count more: some who named support would have left anyway; the estimate counts only churn above comparable customers without a bad experience.",
                                      "ru": "Названных больше: часть назвавших поддержку ушла бы и так; оценка считает только отток сверх сопоставимых клиентов без плохого опыта."},
    "ch.reasons.move": {"en": "Move a reason to another class", "ru": "Перенести причину в другой класс"},
    "ch.reasons.move_help": {"en": "Saved to your settings file ([churn.reasons] as_support, as_possibly_support, as_other) and used everywhere: this page, churn --json, snapshots and audits.",
                             "ru": "Сохраняется в файл настроек ([churn.reasons] as_support, as_possibly_support, as_other) и действует везде: на этой странице, в churn --json, снимках и аудитах."},
    "ch.reasons.move_save": {"en": "Move", "ru": "Перенести"},
    "ch.reasons.moved_to": {"en": "{value} moved to {cls} ({path}).", "ru": "«{value}» перенесено в класс «{cls}» ({path})."},
    "calc.customers": {"en": "Customers", "ru": "Клиенты"},
    "calc.arpu_monthly": {"en": "Revenue per customer a month", "ru": "Выручка с клиента в месяц"},
    "calc.lost_customer_revenue_monthly": {"en": "Revenue of a lost customer a month",
                                           "ru": "Выручка потерянного клиента в месяц"},
    "calc.gross_margin": {"en": "Gross margin", "ru": "Валовая маржа"},
    "calc.negative_share": {"en": "Customers with a negative experience", "ru": "Клиенты с негативным опытом"},
    "calc.repeat_negative_share": {"en": "…of them with two or more", "ru": "…из них с двумя и более"},
    "calc.baseline_churn": {"en": "Churn without a bad experience", "ru": "Отток без негативного опыта"},
    "calc.churn_after_one": {"en": "Churn after one bad experience", "ru": "Отток после одного негативного случая"},
    "calc.churn_after_two": {"en": "Churn after two or more", "ru": "Отток после двух и более"},
    "calc.acquisition_cost_multiple": {"en": "Acquisition cost (x retention cost)", "ru": "Стоимость привлечения (× удержания)"},
    "calc.retention_cost_months": {"en": "Retention cost (months of revenue)", "ru": "Стоимость удержания (мес. выручки)"},
    "calc.horizon_months": {"en": "Horizon (months)", "ru": "Горизонт (мес.)"},
    "calc.period_months": {"en": "Period of the churn rates (months)", "ru": "Период долей оттока (мес.)"},
    "calc.monthly_churn_rate": {"en": "Monthly churn rate", "ru": "Месячная доля оттока"},
    "calc.sla_breach_rate": {"en": "SLA breach rate", "ru": "Доля нарушений SLA"},
    "calc.frt_p90_hours": {"en": "First reply p90 (hours)", "ru": "Первый ответ p90 (часы)"},
    "calc.slow_reply_hours": {"en": "Slow reply threshold (hours)", "ru": "Порог медленного ответа (часы)"},
    "calc.currency": {"en": "Currency", "ru": "Валюта"},
    "calc.customers_lost_per_year": {"en": "Customers lost a year", "ru": "Клиентов теряется в год"},
    "calc.revenue_lost": {"en": "Revenue lost", "ru": "Потерянная выручка"},
    "calc.replacement_cost": {"en": "Cost to replace them", "ru": "Стоимость замены"},
    "calc.total": {"en": "Total cost", "ru": "Итого"},
    "calc.ltv": {"en": "Customer lifetime value", "ru": "Пожизненная ценность клиента"},
    # ---- data page
    "data.title": {"en": "Data", "ru": "Данные"},
    "data.upload": {"en": "Export files (tickets, calls, surveys, customers)", "ru": "Файлы выгрузок (обращения, звонки, опросы, клиенты)"},
    "data.upload_help": {"en": "Zendesk, Freshdesk, Jira, ServiceNow, Asterisk, Twilio, Aircall, survey tools, or any CSV/TSV/XLSX/JSON/Parquet with a column mapping. Nothing leaves this machine.",
                         "ru": "Zendesk, Freshdesk, Jira, ServiceNow, Asterisk, Twilio, Aircall, сервисы опросов или любой CSV/TSV/XLSX/JSON/Parquet с сопоставлением столбцов. Данные не покидают этот компьютер."},
    "data.detected": {"en": "Detected: {format} ({confidence} sure)", "ru": "Распознано: {format} (уверенность {confidence})"},
    "data.not_detected": {"en": "No format recognised this file: choose one, or use the generic format with a column mapping.",
                          "ru": "Формат файла не распознан: выберите его или используйте универсальный формат с сопоставлением столбцов."},
    "data.format": {"en": "Format", "ru": "Формат"},
    "data.tz": {"en": "Time zone of timestamps without an offset", "ru": "Часовой пояс времени без смещения"},
    "data.source": {"en": "Source name (optional)", "ru": "Имя источника (необязательно)"},
    "data.table": {"en": "Load into table", "ru": "Загрузить в таблицу"},
    "data.mapping": {"en": "Column mapping (canonical column ← column in the file)", "ru": "Сопоставление столбцов (столбец Deskscope ← столбец файла)"},
    "data.mapping.canonical": {"en": "Deskscope column", "ru": "Столбец Deskscope"},
    "data.mapping.header": {"en": "Column in the file", "ru": "Столбец файла"},
    "data.mapping.problems": {"en": "Mapping problems to fix before loading:", "ru": "Что исправить в сопоставлении перед загрузкой:"},
    "data.mapping.rating_as_surveys": {
        "en": "This file cannot load as {table} as it is, but its column “{column}” can load as survey answers "
              "(CSAT, linked to the ticket id when there is one): choose “surveys” in “Load into table”.",
        "ru": "Как {table} этот файл без правок не загрузить, но его столбец «{column}» можно загрузить как ответы "
              "на опрос (CSAT, с привязкой к номеру обращения, если он есть): выберите «surveys» в поле «Загрузить в "
              "таблицу»."},
    "data.mapping.coverage": {"en": "{found} of the required columns found", "ru": "найдено {found} обязательных столбцов"},
    "data.preview": {"en": "First rows", "ru": "Первые строки"},
    "data.load": {"en": "Load {n} file(s)", "ru": "Загрузить файлов: {n}"},
    "data.loading": {"en": "Loading {name} ({i} of {n}) …", "ru": "Загрузка {name} ({i} из {n}) …"},
    "data.rows_progress": {"en": "{name}: {done} of {total} rows read ({rate} rows/s, about {left} left)",
                           "ru": "{name}: прочитано {done} из {total} строк ({rate} строк/с, осталось около {left})"},
    "data.rows_writing": {"en": "{name}: {total} rows read; writing them and updating the derived tables …",
                          "ru": "{name}: прочитано {total} строк; запись и обновление производных таблиц …"},
    "data.rebuilding": {"en": "Recomputing: {step} ({i} of {n}) …", "ru": "Пересчёт: {step} ({i} из {n}) …"},
    "data.loaded": {"en": "Done: {rows} rows loaded, {rejected} rejected.", "ru": "Готово: загружено строк {rows}, отклонено {rejected}."},
    "data.report": {"en": "Load report", "ru": "Отчёт о загрузке"},
    "data.rejected": {"en": "Rejected rows (kept with the reason)", "ru": "Отклонённые строки (сохранены с причиной)"},
    "data.history": {"en": "Load history", "ru": "История загрузок"},
    "data.failed_attempts": {"en": "{n} load attempt(s) failed and changed nothing: why",
                             "ru": "Неудачных попыток загрузки: {n}, они ничего не изменили: почему"},
    "data.quality.negative": {"en": "Tickets with a reply or solve before their creation ({n}): left out of the duration figures",
                              "ru": "Обращения с ответом или решением раньше создания ({n}): не входят во время ответа и решения"},
    "kpi.left_out": {"en": "{n} left out: stamped before creation", "ru": "не вошли {n}: время раньше создания"},
    "data.no_history": {"en": "Nothing loaded yet. Upload files above, or run `python cli.py demo` for the sample data.",
                        "ru": "Пока ничего не загружено. Загрузите файлы выше или выполните `python cli.py demo` для демо-данных."},
    "data.remove": {"en": "Remove a load", "ru": "Удалить загрузку"},
    "data.remove_pick": {"en": "Load to remove", "ru": "Какую загрузку удалить"},
    "data.remove_confirm": {"en": "I understand every row this load wrote will be deleted", "ru": "Понимаю, что все строки этой загрузки будут удалены"},
    "data.remove_button": {"en": "Remove load", "ru": "Удалить загрузку"},
    "data.removed": {"en": "Load #{id} removed: {rows}", "ru": "Загрузка #{id} удалена: {rows}"},
    "data.quality": {"en": "Data quality", "ru": "Качество данных"},
    "data.quality.ok": {"en": "No data-quality problems found.", "ru": "Проблем с качеством данных не найдено."},
    "data.quality.check": {"en": "Check", "ru": "Проверка"},
    "data.quality.rows": {"en": "Rows", "ru": "Строк"},
    "data.quality.missing_created": {"en": "Tickets without a creation time", "ru": "Обращения без времени создания"},
    "data.quality.solved_no_time": {"en": "Solved/closed tickets without a solve time", "ru": "Решённые/закрытые без времени решения"},
    "data.quality.reply_before_created": {"en": "First reply before creation (negative duration)", "ru": "Первый ответ раньше создания (отрицательная длительность)"},
    "data.quality.solved_before_created": {"en": "Solved before creation (negative duration)", "ru": "Решено раньше создания (отрицательная длительность)"},
    "data.quality.negative_call": {"en": "Calls with negative wait or talk time", "ru": "Звонки с отрицательным ожиданием или разговором"},
    "data.quality.duplicate_ids": {"en": "Duplicate ticket ids within a source", "ru": "Повторяющиеся номера обращений в одном источнике"},
    "data.quality.future": {"en": "Tickets created in the future", "ru": "Обращения, созданные в будущем"},
    "data.quality.unlinked_surveys": {"en": "Survey responses not linked to a ticket", "ru": "Ответы на опросы без связи с обращением"},
    "dq.ticket_no_status": {"en": "Tickets without a status", "ru": "Обращения без статуса"},
    "dq.solved_without_time": {"en": "Solved/closed tickets without a solved or closed time", "ru": "Решённые/закрытые обращения без времени решения или закрытия"},
    "dq.reply_before_creation": {"en": "First reply before creation (negative duration)", "ru": "Первый ответ раньше создания (отрицательная длительность)"},
    "dq.solved_before_creation": {"en": "Solved or closed before creation (negative duration)", "ru": "Решено или закрыто раньше создания (отрицательная длительность)"},
    "dq.future_tickets": {"en": "Tickets created in the future", "ru": "Обращения, созданные в будущем"},
    "dq.no_customer": {"en": "Tickets without a customer id", "ru": "Обращения без идентификатора клиента"},
    "dq.calls_negative_wait": {"en": "Calls with a negative wait or talk time", "ru": "Звонки с отрицательным ожиданием или разговором"},
    "dq.calls_answer_before_queue": {"en": "Calls answered before they were queued", "ru": "Звонки, отвеченные раньше постановки в очередь"},
    "dq.surveys_out_of_scale": {"en": "Survey scores outside their scale", "ru": "Оценки вне шкалы опроса"},
    "dq.surveys_no_score": {"en": "Survey responses without a score", "ru": "Ответы на опросы без оценки"},
    "dq.customers_no_revenue": {"en": "Customers without revenue", "ru": "Клиенты без выручки"},
    "dq.churn_before_start": {"en": "Churn date before the start date", "ru": "Дата ухода раньше даты начала"},
    "dq.duplicate_ids": {"en": "Rows repeating an id within one file (the later row kept)", "ru": "Строки с повторяющимся идентификатором в одном файле (сохранена последняя)"},
    "dq.rejected_rows": {"en": "Rows rejected as unreadable", "ru": "Строки, отклонённые как нечитаемые"},
    "dq.assumed_time_zone": {"en": "Files whose time zone was assumed, not given", "ru": "Файлы, часовой пояс которых предположен, а не указан"},
    "dq.duplicate_tickets": {"en": "Likely duplicate tickets (same requester, subject and minute)", "ru": "Вероятные дубли обращений (тот же автор, тема и минута)"},
    "data.quality.severity": {"en": "Severity", "ru": "Важность"},
    "severity.error": {"en": "error", "ru": "ошибка"},
    "severity.warning": {"en": "warning", "ru": "предупреждение"},
    "severity.info": {"en": "info", "ru": "сведения"},
    "data.quality.why": {"en": "Why it matters", "ru": "Почему это важно"},
    "data.quality.warnings": {"en": "Warnings from the loads (assumed time zones, unreadable values)", "ru": "Предупреждения загрузок (предполагаемые часовые пояса, нечитаемые значения)"},
    "data.quality.reconciliation": {"en": "Our times vs the vendor's own figures", "ru": "Наше время против цифр поставщика"},
    "data.quality.rebuild": {"en": "Recompute derived tables (after changing SLA policies or business hours)", "ru": "Пересчитать производные таблицы (после изменения SLA или рабочих часов)"},
    "data.quality.rebuilt": {"en": "Derived tables recomputed.", "ru": "Производные таблицы пересчитаны."},
    "data.col.finished": {"en": "Finished", "ru": "Завершена"},
    "data.col.status": {"en": "Status", "ru": "Статус"},
    "data.col.file": {"en": "File", "ru": "Файл"},
    "data.col.table": {"en": "Table", "ru": "Таблица"},
    "data.col.tz": {"en": "Time zone", "ru": "Часовой пояс"},
    "data.col.rows_in": {"en": "Rows in file", "ru": "Строк в файле"},
    "data.col.rows_loaded": {"en": "Loaded", "ru": "Загружено"},
    "data.col.rows_rejected": {"en": "Rejected", "ru": "Отклонено"},
    "data.col.rows_inserted": {"en": "New", "ru": "Новых"},
    "data.col.rows_updated": {"en": "Updated", "ru": "Обновлено"},
    "data.col.attempt": {"en": "Attempt", "ru": "Попытка"},
    "data.col.warning": {"en": "Warning (as the loader words it)", "ru": "Предупреждение (текст загрузчика)"},
    "in.verdict": {"en": "Verdict", "ru": "Вердикт"},
    "data.col.reason": {"en": "Why it failed", "ru": "Почему не удалась"},
    "data.col.sha256": {"en": "File checksum (SHA-256)", "ru": "Контрольная сумма файла (SHA-256)"},
    "data.negative.id": {"en": "Ticket", "ru": "Обращение"},
    "data.negative.created": {"en": "Created", "ru": "Создано"},
    "data.negative.replied": {"en": "First reply", "ru": "Первый ответ"},
    "data.negative.solved": {"en": "Solved", "ru": "Решено"},
    "data.negative.which": {"en": "Before creation", "ru": "Раньше создания"},
    "data.negative.load": {"en": "Load #", "ru": "Загрузка №"},
    "data.negative.reply": {"en": "reply", "ru": "ответ"},
    "data.negative.solve": {"en": "solve", "ru": "решение"},
    "data.negative.reply_solve": {"en": "reply and solve", "ru": "ответ и решение"},
    "data.table.tickets": {"en": "tickets", "ru": "обращения"},
    "data.table.ticket_events": {"en": "ticket events", "ru": "события обращений"},
    "data.table.calls": {"en": "calls", "ru": "звонки"},
    "data.table.surveys": {"en": "surveys", "ru": "опросы"},
    "data.table.customers": {"en": "customers", "ru": "клиенты"},
    "data.status.loaded": {"en": "loaded", "ru": "загружено"},
    "data.status.failed": {"en": "failed", "ru": "ошибка"},
    "data.status.removed": {"en": "removed", "ru": "удалено"},
    "data.status.skipped": {"en": "already loaded", "ru": "уже загружено"},
    "data.recon.compared": {"en": "Tickets compared", "ru": "Сравнено обращений"},
    "data.recon.disagreeing": {"en": "Disagree", "ru": "Расходятся"},
    "data.recon.disagreeing_share": {"en": "Share disagreeing", "ru": "Доля расхождений"},
    "data.recon.median_diff": {"en": "Median difference", "ru": "Медиана расхождения"},
    "recon.first_reply_calendar": {"en": "First reply time", "ru": "Время первого ответа"},
    "recon.first_reply_business": {"en": "First reply time, business hours", "ru": "Время первого ответа в рабочих часах"},
    "recon.first_resolution_calendar": {"en": "First resolution time", "ru": "Время первого решения"},
    "recon.first_resolution_business": {"en": "First resolution time, business hours", "ru": "Время первого решения в рабочих часах"},
    "recon.full_resolution_calendar": {"en": "Full resolution time", "ru": "Время полного решения"},
    "recon.full_resolution_business": {"en": "Full resolution time, business hours", "ru": "Время полного решения в рабочих часах"},
    "recon.made_sla": {"en": "SLA achieved (the system's verdict)", "ru": "SLA выполнен (оценка системы)"},
    "data.merges": {"en": "Values merged across sources", "ru": "Значения, объединённые между источниками"},
    "data.merges.help": {"en": "Teams and categories that differ only in case, or by a known prefix ({prefixes}), are one value in every filter and figure. Explicit merges go in the values.team and values.category tables of the settings file.",
                         "ru": "Команды и категории, различающиеся только регистром или известным префиксом ({prefixes}), — одно значение во всех фильтрах и показателях. Явные объединения задаются в таблицах values.team и values.category файла настроек."},
    "data.merges.none": {"en": "No values needed merging.", "ru": "Объединять значения не понадобилось."},
    "data.merges.scoped": {"en": "The merged values cover every team, so they are shown only to readers who see all teams.",
                           "ru": "Объединённые значения относятся ко всем командам, поэтому видны только тем, кому доступны все команды."},
    "data.merges.dimension": {"en": "Field", "ru": "Поле"},
    "data.merges.loaded": {"en": "As loaded", "ru": "Как в выгрузке"},
    "data.merges.shown": {"en": "Shown as", "ru": "Показывается как"},
    "data.merges.why": {"en": "Why", "ru": "Почему"},
    "data.merges.why.case": {"en": "differs only in case", "ru": "отличается только регистром"},
    "data.merges.why.prefix": {"en": "known prefix", "ru": "известный префикс"},
    "data.merges.why.settings": {"en": "settings", "ru": "настройки"},
    "data.browse": {"en": "Upload", "ru": "Выбрать файлы"},
    "data.limit": {"en": "{size} per file", "ru": "до {size} на файл"},
    "data.remove_file": {"en": "Clear uploaded files", "ru": "Очистить загруженные файлы"},
    # ---- settings page
    "set.title": {"en": "Settings", "ru": "Настройки"},
    "set.saved": {"en": "Saved to {path}. SLA and business-hours changes apply after the derived tables are recomputed (Data page, or the next load).",
                  "ru": "Сохранено в {path}. Изменения SLA и рабочих часов вступят в силу после пересчёта производных таблиц (страница «Данные» или следующая загрузка)."},
    "set.problems": {"en": "Nothing was saved; fix these first:", "ru": "Ничего не сохранено; сначала исправьте:"},
    "set.save": {"en": "Save settings", "ru": "Сохранить настройки"},
    "set.sla": {"en": "SLA policies (the first policy whose conditions all match applies)", "ru": "Политики SLA (применяется первая, чьи условия совпали)"},
    "set.sla.name": {"en": "Name", "ru": "Название"},
    "set.sla.conditions": {"en": "Conditions (column=value|value; …)", "ru": "Условия (столбец=значение|значение; …)"},
    "set.sla.first_reply": {"en": "First reply (min)", "ru": "Первый ответ (мин)"},
    "set.sla.next_reply": {"en": "Next reply (min)", "ru": "Следующий ответ (мин)"},
    "set.sla.resolution": {"en": "Resolution (min)", "ru": "Решение (мин)"},
    "set.sla.business": {"en": "Business hours", "ru": "Рабочие часы"},
    "set.sla.clock.calendar": {"en": "calendar time", "ru": "календарное время"},
    "set.sla.clock.business": {"en": "business hours", "ru": "рабочие часы"},
    "set.err.condition": {"en": "SLA row {row}: condition “{part}” needs column=value (e.g. priority=urgent|high)",
                          "ru": "Политика SLA, строка {row}: условию «{part}» нужен вид столбец=значение (например, priority=urgent|high)"},
    "set.err.column": {"en": "SLA row {row}: “{column}” is not a ticket column to match on; use one of {columns}",
                       "ru": "Политика SLA, строка {row}: «{column}» — не столбец обращений для условия; возможные: {columns}"},
    "set.err.name": {"en": "SLA row {row}: give the policy a name", "ru": "Политика SLA, строка {row}: дайте политике название"},
    "set.err.minutes": {"en": "SLA row {row} ({name}): {target} must be a positive number of minutes, not {value}",
                        "ru": "Политика SLA, строка {row} ({name}): {target} — положительное число минут, а не {value}"},
    "set.err.no_target": {"en": "SLA row {row} ({name}): set at least one target (first reply, next reply or resolution)",
                          "ru": "Политика SLA, строка {row} ({name}): задайте хотя бы один срок (первый ответ, следующий ответ или решение)"},
    "set.err.interval": {"en": "{day}: “{part}” is not an interval like 09:00-18:00 (start before end)",
                         "ru": "{day}: «{part}» — не интервал вида 09:00-18:00 (начало раньше конца)"},
    "set.err.holiday": {"en": "Extra days off: “{line}” is not a date YYYY-MM-DD", "ru": "Дополнительные выходные: «{line}» — не дата ГГГГ-ММ-ДД"},
    "set.err.tz": {"en": "Business hours: “{tz}” is not an IANA time zone name (e.g. Europe/Moscow)",
                   "ru": "Рабочие часы: «{tz}» — не название часового пояса IANA (например, Europe/Moscow)"},
    "set.err.country": {"en": "Holiday country “{country}” is not a country code the calendar knows (e.g. US, RU, GB)",
                        "ru": "Страна праздников «{country}» — неизвестный код страны (например, US, RU, GB)"},
    "set.err.currency": {"en": "Currency “{currency}” must be a three-letter ISO code such as USD, EUR, RUB",
                         "ru": "Валюта «{currency}» — трёхбуквенный код ISO, например USD, EUR, RUB"},
    "set.default_period": {"en": "Dashboard opens on", "ru": "Панель открывается на"},
    "set.usd_rate": {"en": "1 USD in {currency}", "ru": "1 USD в {currency}"},
    "set.usd_rate.help": {"en": "The exchange rate for benchmark amounts (in USD) shown in {currency}; without one the calculator stays in USD.",
                          "ru": "Курс для отраслевых сумм (в USD) при показе в {currency}; без него калькулятор считает в USD."},
    "set.hours": {"en": "Business hours", "ru": "Рабочие часы"},
    "set.hours.tz": {"en": "Time zone", "ru": "Часовой пояс"},
    "set.hours.help": {"en": "Intervals like 09:00-18:00, several separated by commas; empty = day off.",
                       "ru": "Интервалы вида 09:00-18:00, несколько — через запятую; пусто = выходной."},
    "set.hours.country": {"en": "Public holidays of country (ISO code, empty = none)", "ru": "Праздники страны (код ISO, пусто = нет)"},
    "set.hours.holidays": {"en": "Extra days off (YYYY-MM-DD, one per line)", "ru": "Дополнительные выходные (ГГГГ-ММ-ДД, по одному в строке)"},
    "set.metrics": {"en": "Thresholds", "ru": "Пороги"},
    "set.csat_min": {"en": "CSAT: lowest satisfied score (1-5)", "ru": "CSAT: минимальная «довольная» оценка (1-5)"},
    "set.short_abandon": {"en": "Short abandon under (seconds)", "ru": "Короткий сброс до (секунд)"},
    "set.sl_seconds": {"en": "Service level: answered within (seconds)", "ru": "Уровень сервиса: ответ в течение (секунд)"},
    "set.sl_target": {"en": "Service level target", "ru": "Цель уровня сервиса"},
    "set.repeat_days": {"en": "Repeat contact window (days)", "ru": "Окно повторного обращения (дней)"},
    "set.small_sample": {"en": "Small sample below (tickets)", "ru": "Малая выборка — меньше (обращений)"},
    "set.nps_small": {"en": "NPS small sample below (responses)", "ru": "Малая выборка NPS — меньше (ответов)"},
    "set.ui": {"en": "Display", "ru": "Отображение"},
    "set.currency": {"en": "Currency (ISO code)", "ru": "Валюта (код ISO)"},
    "set.language": {"en": "Default language", "ru": "Язык по умолчанию"},
    "set.churn": {"en": "Churn: what counts as a negative support experience", "ru": "Отток: что считается негативным опытом в поддержке"},
    "set.neg.sla_breach": {"en": "SLA breach", "ru": "Нарушение SLA"},
    "set.neg.bad_csat": {"en": "Bad CSAT", "ru": "Плохая оценка CSAT"},
    "set.neg.bad_csat_max": {"en": "Bad CSAT: score at or below", "ru": "Плохая CSAT: оценка не выше"},
    "set.neg.nps_detractor": {"en": "NPS detractor (0-6)", "ru": "Критик NPS (0-6)"},
    "set.neg.abandoned_call": {"en": "Abandoned call", "ru": "Брошенный звонок"},
    "set.neg.reopened": {"en": "Reopened ticket", "ru": "Повторно открытое обращение"},
    "set.neg.slow_first_reply": {"en": "Slow first reply", "ru": "Медленный первый ответ"},
    "set.neg.slow_first_reply_hours": {"en": "Slow first reply: later than (hours)", "ru": "Медленный ответ: позже чем (часов)"},
    "set.neg.repeat_contact": {"en": "Repeat contact", "ru": "Повторное обращение"},
    "set.churn.window": {"en": "Window before the outcome (days)", "ru": "Окно до исхода (дней)"},
    "set.churn.horizon": {"en": "Lost revenue horizon (months)", "ru": "Горизонт потерянной выручки (мес.)"},
    "set.churn.margin": {"en": "Gross margin", "ru": "Валовая маржа"},
    "weekday.monday": {"en": "Monday", "ru": "Понедельник"},
    "weekday.tuesday": {"en": "Tuesday", "ru": "Вторник"},
    "weekday.wednesday": {"en": "Wednesday", "ru": "Среда"},
    "weekday.thursday": {"en": "Thursday", "ru": "Четверг"},
    "weekday.friday": {"en": "Friday", "ru": "Пятница"},
    "weekday.saturday": {"en": "Saturday", "ru": "Суббота"},
    "weekday.sunday": {"en": "Sunday", "ru": "Воскресенье"},
    # ---- snapshots page
    "snap.title": {"en": "Snapshots", "ru": "Снимки"},
    "snap.none": {"en": "No snapshots yet in {dir}: create one above, or schedule the line above.",
                  "ru": "В {dir} пока нет снимков: создайте снимок выше или запланируйте строку выше."},
    "snap.pick": {"en": "Snapshot", "ru": "Снимок"},
    "snap.open": {"en": "Show the snapshot report", "ru": "Показать отчёт снимка"},
    "snap.no_html": {"en": "This snapshot has no index.html.", "ru": "В этом снимке нет index.html."},
    "snap.compare": {"en": "Compare two snapshots", "ru": "Сравнить два снимка"},
    "snap.a": {"en": "Earlier", "ru": "Ранний"},
    "snap.b": {"en": "Later", "ru": "Поздний"},
    "snap.same": {"en": "Pick two different snapshots to compare.", "ru": "Выберите два разных снимка для сравнения."},
    "snap.metric": {"en": "Metric", "ru": "Показатель"},
    "snap.change": {"en": "Change", "ru": "Изменение"},
    "snap.create": {"en": "Create a snapshot now", "ru": "Создать снимок сейчас"},
    "snap.folder": {"en": "Folder: {dir}", "ru": "Папка: {dir}"},
    "snap.period": {"en": "Period", "ru": "Период"},
    "snap.period.last-week": {"en": "Last full week", "ru": "Прошлая полная неделя"},
    "snap.period.last-month": {"en": "Last full month", "ru": "Прошлый полный месяц"},
    "snap.create_button": {"en": "Create snapshot", "ru": "Создать снимок"},
    "snap.writing": {"en": "Writing the snapshot…", "ru": "Записываем снимок…"},
    "snap.written": {"en": "Snapshot written to {path}.", "ru": "Снимок записан в {path}."},
    "snap.unchanged": {"en": "The snapshot in {path} is already up to date.", "ru": "Снимок в {path} уже актуален."},
    "snap.failed": {"en": "The snapshot could not be written: {error}. The previous one, if any, is intact.",
                    "ru": "Не удалось записать снимок: {error}. Предыдущий снимок, если он был, не тронут."},
    "snap.cron": {"en": "To write it every Monday at 06:00, add this line to the crontab of this machine (crontab -e):",
                  "ru": "Чтобы записывать его каждый понедельник в 06:00, добавьте эту строку в crontab этой машины (crontab -e):"},
    "snap.bad": {"en": "{path} could not be read: {error}", "ru": "Не удалось прочитать {path}: {error}"},
    # ---- sign-in, roles and team scope (ui/access.py, docs/security.md)
    "auth.title": {"en": "Sign in to Deskscope", "ru": "Вход в Deskscope"},
    "auth.intro": {"en": "This dashboard shows your organisation's support figures. Sign in with your work account to continue.",
                   "ru": "Здесь показатели службы поддержки вашей организации. Чтобы продолжить, войдите с рабочей учётной записью."},
    "auth.sign_in": {"en": "Sign in", "ru": "Войти"},
    "auth.sign_in_with": {"en": "Sign in with {provider}", "ru": "Войти через {provider}"},
    "auth.sign_out": {"en": "Sign out", "ru": "Выйти"},
    "auth.signed_in": {"en": "Signed in as {name}", "ru": "Вы вошли как {name}"},
    "auth.role": {"en": "Role: {role}", "ru": "Роль: {role}"},
    "auth.role.admin": {"en": "admin", "ru": "администратор"},
    "auth.role.viewer": {"en": "viewer", "ru": "читатель"},
    "auth.teams": {"en": "Teams: {teams}", "ru": "Команды: {teams}"},
    "auth.all_teams": {"en": "Teams: all", "ru": "Команды: все"},
    "auth.refused_title": {"en": "No access", "ru": "Нет доступа"},
    "auth.refused": {"en": "You are signed in, but you may not open this dashboard: {why}. Ask an admin to add your address or domain to access.admins or access.viewers in the settings.",
                     "ru": "Вы вошли, но открыть эту панель не можете: {why}. Попросите администратора добавить ваш адрес или домен в access.admins или access.viewers в настройках."},
    "auth.broken": {"en": "Sign-in is configured but cannot work, so nobody can open the dashboard: {problems}. An admin must fix .streamlit/secrets.toml (see docs/security.md).",
                    "ru": "Вход настроен, но не работает, поэтому панель недоступна никому: {problems}. Администратор должен исправить .streamlit/secrets.toml (см. docs/security.md)."},
    "auth.exposed": {"en": "This dashboard listens on {address} without sign-in: anyone who can reach it sees every figure and can load data, remove loads and change settings. Configure sign-in (docs/security.md) or listen on 127.0.0.1.",
                     "ru": "Панель доступна по адресу {address} без входа: любой, кто до неё доберётся, видит все показатели и может загружать и удалять данные и менять настройки. Настройте вход (docs/security.md) или слушайте только 127.0.0.1."},
    "auth.scope": {"en": "Only the rows of your teams: {teams}", "ru": "Только строки ваших команд: {teams}"},
    "auth.scope_none": {"en": "Your access lists no team: nothing to show.", "ru": "В вашем доступе нет ни одной команды: показывать нечего."},
    "auth.outside_scope": {"en": "{teams}: not among the teams you may see, so none of its rows are shown.",
                           "ru": "{teams}: этих команд нет в вашем доступе, их строки не показываются."},
    "auth.churn_scope": {"en": "Over the customers of your teams ({teams}): the other filters do not apply to churn.",
                         "ru": "По клиентам ваших команд ({teams}): остальные фильтры на отток не влияют."},
    "auth.ch_scope": {"en": "Churn is measured over the customers of your teams ({teams}): those with a ticket, call or survey response of them; the sidebar filters apply to the calculator's measured breach rate and reply times only.",
                      "ru": "Отток считается по клиентам ваших команд ({teams}): с обращением, звонком или ответом на опрос в них; фильтры на боковой панели влияют только на измеренную долю нарушений и время ответа в калькуляторе."},
    "auth.scope_empty": {"en": "None of these rows belong to your teams ({teams}).",
                         "ru": "Ни одна из этих строк не относится к вашим командам ({teams})."},
    "auth.denied": {"en": "Not allowed: {why}", "ru": "Не разрешено: {why}"},
    "data.admin_only": {"en": "Loading files, removing loads and recomputing are for admins; you can read and export.",
                        "ru": "Загрузка файлов, удаление загрузок и пересчёт доступны администраторам; вы можете смотреть и выгружать."},
    "data.scoped": {"en": "The load history and the rejected rows cover every team, so they are shown only to readers who see all teams.",
                    "ru": "История загрузок и отклонённые строки относятся ко всем командам, поэтому видны только тем, кому доступны все команды."},
    "data.upload_too_big": {"en": "{name} is {size}, more than the upload limit of {limit} (uploads.max_mb in the settings): not loaded.",
                            "ru": "{name}: {size}, больше предела {limit} (uploads.max_mb в настройках): файл не загружен."},
    "data.upload_bad_type": {"en": "{name}: files ending in {ext} are not loaded here; allowed: {allowed} (uploads.extensions in the settings).",
                             "ru": "{name}: файлы с окончанием {ext} здесь не загружаются; можно: {allowed} (uploads.extensions в настройках)."},
    "set.readonly": {"en": "The settings in force. Only admins may change them.", "ru": "Действующие настройки. Менять их могут только администраторы."},
    "set.col.key": {"en": "Setting", "ru": "Настройка"},
    # ---- generic table headers
    "col.metric": {"en": "Metric", "ru": "Показатель"},
    "col.value": {"en": "Value", "ru": "Значение"},
    "col.period": {"en": "Period", "ru": "Период"},
    "col.count": {"en": "Count", "ru": "Количество"},
    "col.share": {"en": "Share", "ru": "Доля"},
    # ---- operations analyses (issue 16): initiatives, contact drivers, channel switches, escalation, load, reply targets
    "nav.initiatives": {"en": "Initiatives", "ru": "Инициативы"},
    "nav.contacts": {"en": "Contact drivers", "ru": "Причины обращений"},
    "ops.not_measurable": {"en": "Not measurable from this export: {why}", "ru": "По этой выгрузке не измерить: {why}"},
    "ops.filters_apply_to": {"en": "The sidebar filters apply to {what}.", "ru": "Фильтры на боковой панели применяются к {what}."},
    "ops.ci": {"en": "95% CI {low} … {high}", "ru": "95% ДИ {low} … {high}"},
    "nm.handle_time": {"en": "the ticket exports carry no agent handle time (time worked on a ticket), so a driver's cost is its median resolution time against all tickets' instead.",
                       "ru": "в выгрузках обращений нет времени работы агента над обращением, поэтому стоимость причины оценивается медианным временем решения относительно всех обращений."},
    "nm.answered_in_another_channel": {"en": "the ticket events carry no channel per message and the call log holds no answered outbound calls to customers (the one other way it shows), so a contact answered in another channel than it arrived in cannot be seen.",
                                       "ru": "в событиях обращений нет канала каждого сообщения, а в журнале звонков нет принятых исходящих звонков клиентам (единственный другой способ это увидеть), поэтому не видно, что ответ пришёл по другому каналу, чем вопрос."},
    "nm.time_to_escalation_median_hours": {"en": "the group moves carry no time (only a count such as Zendesk's 'Group stations'); an export with ticket events has them.",
                                           "ru": "у переходов между группами нет времени (только их число, как «Group stations» в Zendesk); оно есть в выгрузке с событиями обращений."},
    "nm.unescalated_share": {"en": "the export holds no group history (no group-change events and no 'Group stations' column), so a move to another group cannot be seen.",
                             "ru": "в выгрузке нет истории групп (ни событий смены группы, ни столбца «Group stations»), поэтому передачу в другую группу не увидеть."},
    "nm.share_change": {"en": "the period is shorter than 28 days: there is no earlier part to compare the last 28 days with.",
                        "ru": "период короче 28 дней: последние 28 дней не с чем сравнить."},
    "nm.after_hours_share": {"en": "there is no default business-hours schedule in the database (it is written from [business_hours] when tickets are loaded).",
                             "ru": "в базе нет графика рабочего времени по умолчанию (он записывается из [business_hours] при загрузке обращений)."},
    "nm.phone_answered_within_target": {"en": "calls are not in this view (no call log loaded, or a filter calls do not have).",
                                        "ru": "звонков в этом представлении нет (журнал звонков не загружен или фильтр к звонкам не применим)."},
    "ops.ci_low": {"en": "95% CI from", "ru": "95% ДИ от"},
    "ops.ci_high": {"en": "95% CI to", "ru": "95% ДИ до"},
    "ops.churn_compare": {"en": "Churn of their customers", "ru": "Отток их клиентов"},
    "ops.churn_note": {"en": "Churned / customers in the customer list, with a 95% interval; an association, not the effect of the cause.",
                       "ru": "Ушедшие / клиенты из списка клиентов, с 95% интервалом; это связь, а не доказанная причина."},
    "ops.group": {"en": "Group", "ru": "Группа"},
    "ops.customers": {"en": "Customers", "ru": "Клиенты"},
    "ops.churned": {"en": "Churned", "ru": "Ушли"},
    "ops.churn_rate": {"en": "Churn rate", "ru": "Доля оттока"},
    "ops.period": {"en": "Period", "ru": "Период"},
    "ops.tickets": {"en": "Tickets", "ru": "Обращения"},
    "ops.share": {"en": "Share", "ru": "Доля"},
    # initiatives page
    "in.title": {"en": "Initiatives and their measured effect", "ru": "Инициативы и их измеренный эффект"},
    "in.caption": {"en": "Each initiative is measured on its own scope and windows (the sidebar filters do not apply): after its start against the same weeks a year earlier (or the days just before), beside the change outside its scope.",
                   "ru": "Каждая инициатива измеряется в своём охвате и своих окнах (фильтры на боковой панели не применяются): после старта против тех же недель годом раньше (или дней перед стартом), с поправкой на изменение вне охвата."},
    "in.none": {"en": "No initiatives registered yet. Add them on the Settings page: name, start date, scope, metric and target change.",
                "ru": "Инициативы ещё не заданы. Добавьте их на странице «Настройки»: название, дата старта, охват, метрика и целевое изменение."},
    "in.go_settings": {"en": "Go to Settings", "ru": "Перейти к настройкам"},
    "in.problems": {"en": "These initiatives in the settings have a problem and are not measured:", "ru": "У этих инициатив в настройках есть ошибки, они не измеряются:"},
    "in.verdict.met": {"en": "Met", "ru": "Цель достигнута"},
    "in.verdict.not_met": {"en": "Not met", "ru": "Цель не достигнута"},
    "in.verdict.too_early": {"en": "Too early", "ru": "Рано судить"},
    "in.verdict.not_measurable": {"en": "Not measurable", "ru": "Не измерить"},
    "in.count": {"en": "{n} initiatives", "ru": "Инициатив: {n}"},
    "in.metric": {"en": "Metric", "ru": "Метрика"},
    "in.scope": {"en": "Scope", "ru": "Охват"},
    "in.scope_all": {"en": "everything", "ru": "всё"},
    "in.owner": {"en": "Owner", "ru": "Ответственный"},
    "in.target": {"en": "Target", "ru": "Цель"},
    "in.before": {"en": "Before", "ru": "До"},
    "in.after": {"en": "After", "ru": "После"},
    "in.change": {"en": "Effect", "ru": "Эффект"},
    "in.simple": {"en": "Before/after in scope: {change}; outside the scope: {control}.", "ru": "До/после в охвате: {change}; вне охвата: {control}."},
    "in.windows": {"en": "Before {b1} – {b2}, after {a1} – {a2} ({days} days each; {basis}).",
                   "ru": "До {b1} – {b2}, после {a1} – {a2} (по {days} дн.; {basis})."},
    "in.basis.same_weeks_last_year": {"en": "the same weeks a year earlier", "ru": "те же недели годом раньше"},
    "in.basis.days_before": {"en": "the days just before the start", "ru": "дни перед стартом"},
    "in.method.difference_in_differences": {"en": "Difference-in-differences against out-of-scope rows", "ru": "Разность разностей против данных вне охвата"},
    "in.method.before_after": {"en": "Before/after only (nothing out of scope to compare with)", "ru": "Только до/после (вне охвата сравнивать не с чем)"},
    "in.days_needed": {"en": "About {days} more days of data are needed to decide.", "ru": "Чтобы судить, нужно ещё около {days} дн. данных."},
    "in.money": {"en": {"one": "Money effect: about {n} customer kept a year, {money} of revenue over {months} months (taking one negative experience avoided as one customer less exposed: an upper bound).",
                        "other": "Money effect: about {n} customers kept a year, {money} of revenue over {months} months (taking one negative experience avoided as one customer less exposed: an upper bound)."},
                 "ru": {"one": "Эффект в деньгах: около {n} сохранённого клиента в год, {money} выручки за {months} мес. (одно предотвращённое негативное событие считается одним клиентом без негативного опыта: оценка сверху).",
                        "few": "Эффект в деньгах: около {n} сохранённых клиентов в год, {money} выручки за {months} мес. (одно предотвращённое негативное событие считается одним клиентом без негативного опыта: оценка сверху).",
                        "many": "Эффект в деньгах: около {n} сохранённых клиентов в год, {money} выручки за {months} мес. (одно предотвращённое негативное событие считается одним клиентом без негативного опыта: оценка сверху).",
                        "other": "Эффект в деньгах: около {n} сохранённых клиентов в год, {money} выручки за {months} мес. (одно предотвращённое негативное событие считается одним клиентом без негативного опыта: оценка сверху)."}},
    "in.why.met": {"en": "The change reached the target and its interval excludes no change.",
                   "ru": "Изменение достигло цели, и его интервал исключает отсутствие изменений."},
    "in.why.not_met": {"en": "The interval excludes the target: the effect is smaller than hoped (or goes the wrong way).",
                       "ru": "Интервал исключает цель: эффект меньше ожидаемого (или направлен не туда)."},
    "in.why.too_early_window": {"en": "Not enough data after the start yet: {days} days and {units} rows in scope.",
                                "ru": "После старта пока мало данных: {days} дн. и {units} строк в охвате."},
    "in.why.too_early_wide": {"en": "The interval is still too wide to tell whether the target is met.",
                              "ru": "Интервал пока слишком широк, чтобы сказать, достигнута ли цель."},
    "in.money_none": {"en": "Money effect not measured: {why}", "ru": "Эффект в деньгах не измерен: {why}"},
    "in.money_lost": {"en": {"one": "Money effect: about {n} more customer lost a year, {money} of revenue over {months} months (the metric moved the wrong way; taking one more negative experience as one more customer exposed: an upper bound).",
                             "other": "Money effect: about {n} more customers lost a year, {money} of revenue over {months} months (the metric moved the wrong way; taking one more negative experience as one more customer exposed: an upper bound)."},
                      "ru": {"one": "Эффект в деньгах: около {n} потерянного клиента в год сверх прежнего, {money} выручки за {months} мес. (показатель сдвинулся не в ту сторону; одно лишнее негативное событие считается одним клиентом с негативным опытом: оценка сверху).",
                             "few": "Эффект в деньгах: около {n} потерянных клиентов в год сверх прежнего, {money} выручки за {months} мес. (показатель сдвинулся не в ту сторону; одно лишнее негативное событие считается одним клиентом с негативным опытом: оценка сверху).",
                             "many": "Эффект в деньгах: около {n} потерянных клиентов в год сверх прежнего, {money} выручки за {months} мес. (показатель сдвинулся не в ту сторону; одно лишнее негативное событие считается одним клиентом с негативным опытом: оценка сверху).",
                             "other": "Эффект в деньгах: около {n} потерянных клиентов в год сверх прежнего, {money} выручки за {months} мес. (показатель сдвинулся не в ту сторону; одно лишнее негативное событие считается одним клиентом с негативным опытом: оценка сверху)."}},
    "in.chart": {"en": "Effect (dot) with its 95% interval, and the target (bar)", "ru": "Эффект (точка) с 95% интервалом и цель (черта)"},
    "in.table": {"en": "All initiatives", "ru": "Все инициативы"},
    "in.reason": {"en": "Why", "ru": "Почему"},
    "in.name": {"en": "Initiative", "ru": "Инициатива"},
    "in.start": {"en": "Start", "ru": "Старт"},
    # contact drivers page
    "dr.title": {"en": "Contact drivers and journeys", "ru": "Причины обращений и путь клиента"},
    "dr.section": {"en": "What customers contact you about", "ru": "О чём обращаются клиенты"},
    "dr.headline": {"en": "{share} of contacts are about {driver}; they take {ratio}× the median resolution time.",
                    "ru": "{share} обращений — о «{driver}»; их решение занимает {ratio}× от медианного времени."},
    "dr.driver": {"en": "Driver", "ru": "Причина"},
    "dr.from": {"en": "From", "ru": "Источник"},
    "dr.from.category": {"en": "category", "ru": "категория"},
    "dr.from.tag": {"en": "tag", "ru": "тег"},
    "dr.from.text": {"en": "subject text", "ru": "текст темы"},
    "dr.from.none": {"en": "none", "ru": "нет"},
    "dr.resolution": {"en": "Median resolution", "ru": "Медиана решения"},
    "dr.ratio": {"en": "× median", "ru": "× медианы"},
    "dr.reopen": {"en": "Reopened", "ru": "Переоткрыто"},
    "dr.bad_csat": {"en": "Bad CSAT", "ru": "Плохие CSAT"},
    "dr.churned": {"en": "Churned (last touch)", "ru": "Ушли (последнее обращение)"},
    "dr.revenue": {"en": "Their monthly revenue", "ru": "Их месячная выручка"},
    "dr.change": {"en": "Share change, last 28 days", "ru": "Изменение доли за 28 дней"},
    "dr.weekly": {"en": "Weekly tickets of the largest drivers", "ru": "Обращения по неделям: крупнейшие причины"},
    "dr.text_note": {"en": "{n} tickets without category or tags are grouped by the words of their subject (TF-IDF, English and Russian stop words).",
                     "ru": "{n} обращений без категории и тегов сгруппированы по словам темы (TF-IDF, стоп-слова для английского и русского)."},
    "dr.calls_note": {"en": "Drivers come from tickets: calls carry no category.", "ru": "Причины берутся из обращений: у звонков нет категории."},
    "dr.costliest": {"en": "The costliest: {driver} ({share} of contacts) takes {ratio}× the median resolution time, and {reopen} of them are reopened.",
                     "ru": "Самая дорогая причина: «{driver}» ({share} обращений) — решение занимает {ratio}× от медианы, переоткрывается {reopen}."},
    "dr.other": {"en": "{n} more drivers: {share} of tickets", "ru": "Ещё причин: {n}, {share} обращений"},
    "sw.section": {"en": "Channel switches: customers who had to explain again", "ru": "Смена канала: клиентам пришлось объяснять заново"},
    "sw.pairs": {"en": "From → to", "ru": "Откуда → куда"},
    "sw.answered": {"en": "Answered in another channel: {rate} of {n} tickets that did not arrive by phone were answered by an outbound call to the customer while open ({k}; 95% CI {low} – {high}). Replies in other written channels are not in the exports.",
                    "ru": "Ответ по другому каналу: {rate} из {n} обращений, пришедших не по телефону, получили ответ исходящим звонком клиенту, пока были открыты ({k}; 95% ДИ {low} – {high}). Ответы в других письменных каналах в выгрузках не видны."},
    "sw.trend": {"en": "Share of contacts that switched channel", "ru": "Доля обращений со сменой канала"},
    "sw.group.switched": {"en": "Switched channel", "ru": "Сменили канал"},
    "sw.group.did_not_switch": {"en": "Did not switch", "ru": "Не меняли канал"},
    "sw.caption": {"en": "A repeat contact within {days} days in another channel than the previous one (tickets and inbound calls with a customer id).",
                   "ru": "Повторное обращение в течение {days} дн. через другой канал, чем предыдущее (обращения и входящие звонки с кодом клиента)."},
    "es.section": {"en": "Escalation after failed fixes", "ru": "Эскалация после неудачных решений"},
    "es.caption": {"en": "Tickets reopened after a solve {n} or more times, and whether they were moved to another group or tier.",
                   "ru": "Обращения, переоткрытые после решения {n} и более раз, и были ли они переданы в другую группу или линию."},
    "es.not_escalated": {"en": "Never escalated", "ru": "Без эскалации"},
    "es.escalated": {"en": "Escalated", "ru": "С эскалацией"},
    "es.cannot_tell": {"en": "No group history", "ru": "Нет истории групп"},
    "es.by_team": {"en": "By team", "ru": "По командам"},
    "es.group.not_escalated": {"en": "A failed-fix ticket never escalated", "ru": "Есть неудачное решение без эскалации"},
    "es.group.escalated": {"en": "Failed-fix tickets all escalated", "ru": "Все неудачные решения эскалированы"},
    "es.group.no_failed_fixes": {"en": "No repeated failed fix", "ru": "Без повторных неудачных решений"},
    # agents: load
    "ld.section": {"en": "Load and burnout signals", "ru": "Нагрузка и признаки выгорания"},
    "ld.caption": {"en": "Tickets (on the day of their first reply) and answered calls per agent-day; the sidebar's dates select the handling days.",
                   "ru": "Обращения (в день первого ответа) и принятые звонки на рабочий день агента; даты на боковой панели выбирают дни обработки."},
    "ld.trend": {"en": "Weekly load per agent-day", "ru": "Нагрузка на рабочий день агента по неделям"},
    "ld.items": {"en": "Handled", "ru": "Обработано"},
    "ld.days": {"en": "Active days", "ru": "Рабочих дней"},
    "ld.load": {"en": "Per day", "ru": "В день"},
    "ld.recent": {"en": "Per day, last 28 days", "ru": "В день, 28 дней"},
    "ld.after_hours": {"en": "After hours", "ru": "Вне графика"},
    "ld.csat": {"en": "CSAT", "ru": "CSAT"},
    "ld.signals": {"en": "Signals", "ru": "Сигналы"},
    "ld.signal.overload": {"en": "overload", "ru": "перегрузка"},
    "ld.signal.after_hours": {"en": "after hours", "ru": "вне графика"},
    "ld.signal.rising": {"en": "rising load", "ru": "растущая нагрузка"},
    "ld.top": {"en": "The busiest {k} of {n} agents carry {share} of the work.", "ru": "{k} самых загруженных из {n} агентов выполняют {share} работы."},
    "ld.csat_line": {"en": "{share} of the {n} agents with {min}+ rated responses are at or above the {target} CSAT target.",
                     "ru": "{share} из {n} агентов (от {min} оценок) имеют CSAT не ниже цели {target}."},
    # tickets: reply targets; overview: unanswered
    "rt.section": {"en": "Replied within target, per channel", "ru": "Ответ в пределах цели по каналам"},
    "rt.channel": {"en": "Channel", "ru": "Канал"},
    "rt.target": {"en": "Target", "ru": "Цель"},
    "rt.no_target": {"en": "no target", "ru": "нет цели"},
    "rt.within": {"en": "Within target", "ru": "В пределах цели"},
    "rt.decided": {"en": "Decided", "ru": "Учтено"},
    "rt.within_n": {"en": "Replied in time", "ru": "Ответ вовремя"},
    "rt.pending": {"en": "Not yet due", "ru": "Срок не истёк"},
    "rt.caption": {"en": "Targets are settings ([reply_targets]); phone = calls answered within the seconds target. Open tickets younger than their target are not counted yet.",
                   "ru": "Цели задаются в настройках ([reply_targets]); телефон — звонки, принятые в пределах цели в секундах. Открытые обращения моложе цели пока не учитываются."},
    "rt.phone_tickets": {"en": "{n} tickets of channel phone (voicemails, callbacks, calls logged as tickets) are not judged here: the phone target is the calls' answer time (reply_targets.minutes.phone would judge them as tickets too).",
                         "ru": "Обращения канала «телефон» (голосовая почта, обратные звонки, звонки, записанные как обращения) здесь не оцениваются: {n}. Цель для телефона — время ответа на звонок (reply_targets.minutes.phone оценит и их как обращения)."},
    "ov.unanswered": {"en": "Still unanswered after {hours} h", "ru": "Без ответа дольше {hours} ч"},
    "ov.unanswered_detail": {"en": "{count} of {decided} tickets ({share}) waited longer than {hours} h for a first reply or still have none; {open} are open without a reply now.",
                             "ru": "{count} из {decided} обращений ({share}) ждали первого ответа дольше {hours} ч или ещё не получили его; {open} открыты без ответа сейчас."},
    # settings: the initiative register
    "set.init": {"en": "Initiatives (their effect is measured on the Initiatives page)", "ru": "Инициативы (их эффект измеряется на странице «Инициативы»)"},
    "set.init.help": {"en": "Scope: dimension=value|value; … with the filter names (team, agent, channel, priority, category, tag, segment, source). Target: relative change, e.g. -0.40 for down by 40%.",
                      "ru": "Охват: измерение=значение|значение; … с именами фильтров (team, agent, channel, priority, category, tag, segment, source). Цель: относительное изменение, например -0.40 — снижение на 40%."},
    "set.init.name": {"en": "Name", "ru": "Название"},
    "set.init.start": {"en": "Start (YYYY-MM-DD)", "ru": "Старт (ГГГГ-ММ-ДД)"},
    "set.init.end": {"en": "End (optional)", "ru": "Конец (необязательно)"},
    "set.init.scope": {"en": "Scope", "ru": "Охват"},
    "set.init.metric": {"en": "Metric", "ru": "Метрика"},
    "set.init.target": {"en": "Target change", "ru": "Целевое изменение"},
    "set.init.owner": {"en": "Owner", "ru": "Ответственный"},
}

def weekdays(lang: str | None = None) -> list[str]:
    """Mon..Sun in the session's language (CLDR)."""
    return fmt.weekday_names(lang or current())


def current() -> str:
    """The language of this session (the sidebar switch; app.py creates the state)."""
    try:
        import streamlit as st

        lang = st.session_state.get("lang")
    except Exception:  # outside a Streamlit run (tests, reports)
        lang = None
    return lang if lang in LANGUAGES else "en"


def t(key: str, lang: str | None = None, **values) -> str:
    """The string ``key`` in the session's language, with ``{placeholders}`` filled.

    An entry whose text is a dict of CLDR plural forms (``{"one": ..., "few": ..., "many": ...,
    "other": ...}``) picks the form for the value ``n``."""
    lang = lang or current()
    entry = STRINGS.get(key)
    text = key if entry is None else entry.get(lang) or entry["en"]
    if isinstance(text, dict):
        text = fmt.plural(values.get("count", values.get("n")), text, lang) if isinstance(
            values.get("count", values.get("n")), (int, float)) else text["other"]
    return text.format(**values) if values else text


def tn(key: str, count, lang: str | None = None, **values) -> str:
    """A plural string for ``count`` (its form chosen by the language's CLDR rules), ``{n}`` being
    the count formatted as a whole number."""
    lang = lang or current()
    entry = STRINGS.get(key) or {}
    forms = entry.get(lang) or entry.get("en") or {"other": key}
    if isinstance(forms, str):
        forms = {"other": forms}
    text = fmt.plural(round(count) if not fmt.missing(count) else count, forms, lang)
    return text.format(n=fmt.integer(count, lang, na=t("na", lang)), **values)


def labels(prefix: str = ""):
    """A widget format_func: ``prefix + value`` translated in the language of this run (bound now,
    so a later call from outside the run — AppTest, a callback — gives the same text)."""
    lang = current()
    return lambda value: t(f"{prefix}{value}", lang)


def dim_value(dim: str, value):
    """A value of a dimension as shown: the canonical priorities and channels Deskscope writes
    (urgent, email, ...) in the session's language; values from the data as they are."""
    key = f"value.{dim}.{value}"
    return t(key) if isinstance(value, str) and key in STRINGS else value


def dim_values(dim: str):
    """A widget format_func for a dimension's values, bound to the language of this run."""
    lang = current()
    return lambda value: t(f"value.{dim}.{value}", lang) if f"value.{dim}.{value}" in STRINGS else value


def metric_labels():
    """A widget format_func naming metrics in the language of this run."""
    lang = current()
    return lambda metric_id: metric_name(metric_id, lang)


# ---------------------------------------------------------------- numbers (formatting.py, Babel/CLDR)
def _missing(x) -> bool:
    return fmt.missing(x)


def number(x, digits: int = 0, lang: str | None = None) -> str:
    """1,234.5 in English, 1 234,5 in Russian; None -> n/a."""
    lang = lang or current()
    return fmt.number(x, digits, lang, na=t("na", lang))


def integer(x, lang: str | None = None) -> str:
    """A whole number of people or things (99.6 customers -> 100)."""
    lang = lang or current()
    return fmt.integer(x, lang, na=t("na", lang))


def compact(x, lang: str | None = None) -> str:
    """12.3K / 1.97M (en), 12,3 тыс. / 1,97 млн (ru) for large counts."""
    lang = lang or current()
    return fmt.compact(x, lang, na=t("na", lang))


def percent(fraction, digits: int = 1, lang: str | None = None) -> str:
    lang = lang or current()
    return fmt.percent(fraction, digits, lang, na=t("na", lang))


def signed_percent(relative, digits: int = 1, lang: str | None = None) -> str:
    """A relative change, signed: +12.5% / −17,8 % (0.0% unsigned; never "+<0.1%")."""
    lang = lang or current()
    return fmt.signed_percent(relative, digits, lang, na=t("na", lang))


def money(x, currency: str | None = None, lang: str | None = None, short: bool | None = None) -> str:
    """$1,500 / 1 500 ₽; compact from 10,000 ($1.97M / 1,97 млн ₽) unless ``short`` says otherwise."""
    lang = lang or current()
    return fmt.money(x, currency or _settings_currency(), lang, short=short, na=t("na", lang))


def money_range(low, high, currency: str | None = None, lang: str | None = None) -> str:
    lang = lang or current()
    return fmt.money_range(low, high, currency or _settings_currency(), lang, na=t("na", lang))


def _settings_currency() -> str:
    try:
        import config

        return config.get().get("ui", {}).get("currency", "USD")
    except Exception:
        return "USD"


def file_size(n_bytes: int, lang: str | None = None) -> str:
    lang = lang or current()
    return fmt.file_size(n_bytes, lang, na=t("na", lang))


def duration_minutes(minutes, lang: str | None = None) -> str:
    """45 min / 3.5 hr / 2.1 days — the unit that keeps the number readable."""
    lang = lang or current()
    return fmt.duration_minutes(minutes, lang, na=t("na", lang))


def duration_seconds(seconds, lang: str | None = None) -> str:
    lang = lang or current()
    return fmt.duration_seconds(seconds, lang, na=t("na", lang))


def unit_name(unit_id: str, lang: str | None = None) -> str:
    """Short CLDR unit name for axis titles: hr / ч."""
    return fmt.unit_name(unit_id, lang or current())


def date(value, lang: str | None = None) -> str:
    """Mar 5, 2025 (en) / 05.03.2025 (ru)."""
    lang = lang or current()
    if isinstance(value, str) and fmt._as_date(value) is None:
        return value
    return fmt.date(value, lang, na=t("na", lang))


def datetime(value, lang: str | None = None) -> str:
    lang = lang or current()
    if isinstance(value, str) and fmt._as_date(value) is None:
        return value
    return fmt.datetime(value, lang, na=t("na", lang))


# ---------------------------------------------------------------- metrics
def _metric(metric_id: str):
    try:
        from metrics.registry import ALL
    except ImportError:
        return None
    return ALL.get(metric_id)


def metric_name(metric_id: str, lang: str | None = None) -> str:
    lang = lang or current()
    m = _metric(metric_id)
    if m is None:
        return metric_id
    return m.name.get(lang) or m.name.get("en") or metric_id


def metric_help(metric_id: str, lang: str | None = None) -> str | None:
    lang = lang or current()
    m = _metric(metric_id)
    if m is None:
        return None
    text = m.description.get(lang) or m.description.get("en") or ""
    return f"{text}\n\n{m.definition}" if getattr(m, "definition", "") else text


def metric_unit(metric_id: str) -> str:
    m = _metric(metric_id)
    return m.unit if m is not None else "count"


def metric_value(metric_id: str, value, lang: str | None = None) -> str:
    """A metric's value in its unit: counts, durations, percentages, scores, NPS."""
    lang = lang or current()
    unit = metric_unit(metric_id)
    if _missing(value):
        return t("na", lang)
    if unit == "minutes":
        return duration_minutes(value, lang)
    if unit == "hours":
        return duration_minutes(value * 60, lang)
    if unit == "seconds":
        return duration_seconds(value, lang)
    if unit == "fraction":
        return percent(value, 1, lang)
    if unit == "nps":
        return fmt.signed_number(value, 1, lang, na=t("na", lang))
    if unit == "score":
        return number(value, 2, lang)
    if unit == "money":
        return money(value, lang=lang)
    if isinstance(value, float) and not value.is_integer():
        return number(value, 2, lang)
    return compact(value, lang) if abs(value) >= 100_000 else number(value, 0, lang)


def metric_value_full(metric_id: str, value, lang: str | None = None) -> str:
    """The value without compact shortening (the hover text of a card that shows 1.97M)."""
    lang = lang or current()
    unit = metric_unit(metric_id)
    if _missing(value):
        return t("na", lang)
    if unit == "money":
        return money(value, lang=lang, short=False)
    if unit == "count":
        return number(value, 0 if float(value).is_integer() else 2, lang)
    return metric_value(metric_id, value, lang)


def metric_delta(metric_id: str, current_value, previous_value, lang: str | None = None) -> str | None:
    """Change vs the previous period, signed (+ or the minus sign): points for rates, points of NPS
    and score, percent for the rest (the raw difference when the previous value was 0)."""
    lang = lang or current()
    if _missing(current_value) or _missing(previous_value):
        return None
    unit = metric_unit(metric_id)
    diff = current_value - previous_value
    if unit == "fraction":
        return fmt.points(diff, 1, lang)
    if unit in ("nps", "score"):
        return fmt.signed_number(diff, 1 if unit == "nps" else 2, lang)
    if previous_value == 0:
        return fmt.signed_number(diff, 0, lang)
    return fmt.signed_percent(diff / abs(previous_value), 1, lang)


def delta_style(metric_id: str, current_value, previous_value, shown: str | None = None) -> tuple[str, str]:
    """(arrow, colour) of a change for ``st.metric``: the arrow follows the sign of the change
    ("up", "down", "off" when unchanged), the colour follows the metric's ``better`` (a fall of a
    lower-is-better figure is "green"; "gray" when the metric has no better direction). ``shown``:
    the change as the tile writes it; one that reads as zero ("0.0 pp") gets no arrow and no colour
    (a red arrow beside "0.0" says the opposite of the number)."""
    if _missing(current_value) or _missing(previous_value) or current_value == previous_value:
        return "off", "gray"
    if shown is not None and not any(ch in "123456789" for ch in shown):
        return "off", "gray"
    rising = current_value > previous_value
    better = metric_better(metric_id)
    if better not in ("higher", "lower"):
        return ("up" if rising else "down"), "gray"
    good = rising == (better == "higher")
    return ("up" if rising else "down"), ("green" if good else "red")


NOTE_PATTERNS = [  # (regex over the metrics' English notes, catalogue key)
    (r"^crude: risk difference with Newcombe's hybrid score interval \(Wilson\)$", "note.method.crude"),
    (r"^Mantel-Haenszel risk difference over (?P<dims>.+), Sato variance$", "note.method.stratified"),
    (r"^(?P<n>\d+) of (?P<m>\d+) strata have only exposed or only unexposed customers and carry no weight in the stratified estimate$",
     "note.strata"),
    (r"^No customer data yet", "note.no_customers"),
    (r"^No churned customers in the customer list", "note.no_churned"),
    (r"^Every customer had a negative support experience", "note.all_exposed"),
    (r"^No customer in the list had a negative support experience", "note.none_exposed"),
    (r"^No support data \(tickets, calls or surveys\) is loaded", "note.no_support"),
    (r"^No churned customer can be placed in the period", "note.no_churn_in_period"),
    (r"^The customer list has no start or churn dates", "note.no_dates"),
    (r"^no (?P<table>tickets|calls|surveys) loaded$", "note.no_table"),
    (r"^(?P<n>\d+) agent name spelling\(s\) taken as another agent's", "note.agent_merged"),
    (r"^calls and tickets name no agent alike \(calls e\.g\. '(?P<call>.*)', tickets e\.g\. '(?P<ticket>.*)'\): .*"
     r"\[agent_load\.aliases\]; a first-name match suggests (?P<n>\d+): (?P<hint>.+)$", "note.agent_split_hint"),
    (r"^calls and tickets name no agent alike \(calls e\.g\. '(?P<call>.*)', tickets e\.g\. '(?P<ticket>.*)'\): ",
     "note.agent_split"),
    (r"^(?P<table>tickets|calls|surveys) have no (?P<dims>.+): their figures are not shown while (that filter is|those filters are) on$",
     "note.filter_gap"),
    (r"^customers\.currency holds (?P<n>[\d,]+) currencies \((?P<list>[^)]*)\); .* shown in (?P<cur>\S+) from settings", "note.currencies"),
    (r"^ticket_metrics is missing", "note.no_ticket_metrics"),
    (r"^the customer list describes (?P<list_date>\S+) \(its as-of date\); churn figures are as of that date, not (?P<asked>\S+)$",
     "note.list_as_of"),
    (r"^(?P<n>[\d,]+) customers have support columns in the list and loaded", "note.overlap"),
    (r"^(?P<n>[\d,]+) survey responses have no date: they cannot be placed", "note.undated_surveys_churn"),
    (r"^snapshot list: churn flags without dates", "note.snapshot_list"),
    (r"^the previous period \((?P<start>\S+) to (?P<end>\S+)\) starts before the first record of (?P<tables>.+): their counts",
     "note.previous_before_data"),
    (r"^(?P<n>[\d,]+) survey response\(s\) have no date: the date filter", "note.undated_filtered"),
]
STRATA_WORDS = {"plan": "тариф", "segment": "сегмент", "tenure_band": "срок жизни клиента", " x ": " × "}


def method_note(text: str, lang: str | None = None) -> str:
    """A note the metrics write in English (method names, why something is missing) in the session's
    language when it is a known one; otherwise as written."""
    import re

    lang = lang or current()
    if not text or lang == "en":
        return text
    for pattern, key in NOTE_PATTERNS:
        m = re.match(pattern, text)
        if m:
            values = dict(m.groupdict())
            if "dims" in values:
                dims = values["dims"]
                for en, ru in STRATA_WORDS.items():
                    dims = dims.replace(en, ru)
                for d in ("team", "agent", "channel", "priority", "category", "tag", "segment", "source"):
                    dims = re.sub(rf"\b{d}\b", t(f"filters.{d}", lang).lower(), dims)
                values["dims"] = dims.replace(" or ", " или ")
            if "table" in values:
                values["table"] = t(f"table.{values['table']}", lang)
            if "tables" in values:  # "tickets (2024-03-01), calls (2024-03-05)"
                values["tables"] = re.sub(r"\b(tickets|calls|surveys)\b", lambda w: t(f"table.{w.group(1)}", lang),
                                          values["tables"])
            for name in ("n", "m"):
                if re.fullmatch(r"[\d,]+", values.get(name) or ""):
                    values[name] = number(int(values[name].replace(",", "")), 0, lang)
            return t(key, lang, **values)
    return text


def metric_better(metric_id: str) -> str | None:
    m = _metric(metric_id)
    return getattr(m, "better", None) if m is not None else None
