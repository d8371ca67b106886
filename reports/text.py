"""Report wording and number formatting, English and Russian (the dashboard's strings live in
ui/i18n.py; reports need no Streamlit)."""
from __future__ import annotations

import math

STRINGS = {
    "snapshot_title": {"en": "Support snapshot {period}", "ru": "Срез поддержки {period}"},
    "snapshots_title": {"en": "Support snapshots", "ru": "Срезы поддержки"},
    "audit_title": {"en": "Service audit", "ru": "Аудит сервиса"},
    "generated_from": {"en": "Data as of {as_of}; period {start} – {end}; compared with {pstart} – {pend}.",
                       "ru": "Данные на {as_of}; период {start} – {end}; сравнение с {pstart} – {pend}."},
    "kpis": {"en": "Key figures", "ru": "Ключевые показатели"},
    "changes": {"en": "What changed", "ru": "Что изменилось"},
    "real_moves": {"en": "Real moves (beyond noise)", "ru": "Значимые изменения"},
    "noise": {"en": "Within noise", "ru": "В пределах шума"},
    "no_real_moves": {"en": "No change is beyond noise this period.", "ru": "В этом периоде нет значимых изменений."},
    "money": {"en": "Money: churn attributable to support", "ru": "Деньги: отток из-за поддержки"},
    "money_note": {"en": "Measured on the customer list as of {as_of} ({customers} customers compared; revenue over {horizon} months); previous = as of the end of the previous period.",
                   "ru": "Измерено по списку клиентов на {as_of} (сравнено клиентов: {customers}; выручка за {horizon} мес.); «было» — на конец предыдущего периода."},
    "no_money": {"en": "Not available: {why}", "ru": "Нет данных: {why}"},
    "changes_note": {"en": "Against the previous period of the same length (what the previous snapshot showed when it ran every period). Rates: two-proportion z-test; NPS: z-test on the difference; counts: Poisson test; medians and other figures: a move of 10% or more. p < 0.05 counts as a real move.",
                     "ru": "Сравнение с предыдущим периодом той же длины (его показывал предыдущий срез). Доли: z-тест двух долей; NPS: z-тест разности; количества: тест Пуассона; медианы и прочее: изменение на 10% и более. p < 0,05 — значимое изменение."},
    "test": {"en": "Test", "ru": "Проверка"},
    "test_threshold": {"en": "±10% threshold", "ru": "порог ±10%"},
    "trend": {"en": "Trend", "ru": "Динамика"},
    "weekly_note": {"en": "Week by week, the twelve weeks up to the end of the period.", "ru": "По неделям, двенадцать недель до конца периода."},
    "no_weekly": {"en": "Nothing to draw: none of these twelve weeks holds a dated ticket, call or survey response.",
                  "ru": "Рисовать нечего: ни в одной из этих двенадцати недель нет датированных обращений, звонков или ответов на опросы."},
    "approximate_note": {"en": "≈ approximate: a median or percentile read from the precomputed histograms, within 0.75% of the exact value (used when more tickets than metrics.exact_quantile_max_rows are behind it).",
                         "ru": "≈ приблизительно: медиана или перцентиль по заранее посчитанным гистограммам, не дальше 0,75% от точного значения (когда за числом больше обращений, чем metrics.exact_quantile_max_rows)."},
    "approximate_note": {"en": "≈ approximate: a median or percentile read from a uniform sample of the tickets, with a 95% confidence interval for the exact value (used when more tickets than metrics.exact_quantile_max_rows are behind it, or when an exact value would read more than metrics.exact_quantile_max_scan_rows tickets).",
                         "ru": "≈ приблизительно: медиана или перцентиль по равномерной выборке обращений, с 95% доверительным интервалом для точного значения (когда за числом больше обращений, чем metrics.exact_quantile_max_rows, или точное значение потребовало бы прочитать больше обращений, чем metrics.exact_quantile_max_scan_rows)."},
    "weekly": {"en": "Weekly snapshots", "ru": "Еженедельные срезы"},
    "monthly": {"en": "Monthly snapshots", "ru": "Ежемесячные срезы"},
    "n_day": {"en": "{n}-day periods", "ru": "Периоды по {n} дн."},
    "trend_later": {"en": "Trends appear once there are two snapshots of the same kind (two weeks, or two months).",
                    "ru": "Динамика появится, когда будет два среза одного вида (две недели или два месяца)."},
    "all_snapshots": {"en": "All snapshots", "ru": "Все срезы"},
    "dates": {"en": "Dates", "ru": "Даты"},
    "kind": {"en": "Kind", "ru": "Вид"},
    "metric": {"en": "Metric", "ru": "Показатель"},
    "value": {"en": "Value", "ru": "Значение"},
    "previous": {"en": "Previous", "ru": "Было"},
    "change": {"en": "Change", "ru": "Изменение"},
    "definition": {"en": "Definition", "ru": "Определение"},
    "period": {"en": "Period", "ru": "Период"},
    "open": {"en": "open", "ru": "открыть"},
    "no_snapshots": {"en": "No snapshots yet.", "ru": "Срезов пока нет."},
    "received": {"en": "What was received", "ru": "Что получено"},
    "file": {"en": "File", "ru": "Файл"},
    "format": {"en": "Recognised as", "ru": "Распознан как"},
    "sure": {"en": "Sure", "ru": "Уверенность"},
    "rows_in": {"en": "Rows", "ru": "Строк"},
    "loaded": {"en": "Loaded", "ru": "Загружено"},
    "rejected": {"en": "Rejected", "ru": "Отклонено"},
    "covers": {"en": "Covers", "ru": "Период данных"},
    "rejections": {"en": "Why rows were rejected", "ru": "Почему строки отклонены"},
    "reason": {"en": "Reason", "ru": "Причина"},
    "count": {"en": "Rows", "ru": "Строк"},
    "quality": {"en": "Data quality", "ru": "Качество данных"},
    "check": {"en": "Check", "ru": "Проверка"},
    "result": {"en": "Result", "ru": "Результат"},
    "benchmarks": {"en": "KPIs against benchmarks", "ru": "Показатели и отраслевые ориентиры"},
    "benchmark": {"en": "Benchmark", "ru": "Ориентир"},
    "source": {"en": "Source", "ru": "Источник"},
    "findings": {"en": "Findings, ranked by money at stake", "ru": "Выводы по убыванию суммы под риском"},
    "evidence": {"en": "Evidence", "ru": "Факты"},
    "recommendation": {"en": "Recommendation", "ru": "Рекомендация"},
    "at_stake": {"en": "at stake per year", "ru": "под риском в год"},
    "churn_cost": {"en": "Churn-cost estimate", "ru": "Оценка потерь от оттока"},
    "assumptions": {"en": "Assumptions", "ru": "Допущения"},
    "measured": {"en": "measured", "ru": "измерено"},
    "assumed": {"en": "benchmark", "ru": "ориентир"},
    "from_settings": {"en": "settings", "ru": "настройки"},
    "pseudonymized": {"en": "Customer names, e-mails, phone numbers and personal data in free text were replaced by stable pseudonyms before anything was stored.",
                      "ru": "Имена клиентов, e-mail, телефоны и персональные данные в тексте заменены на устойчивые псевдонимы до сохранения."},
    "top_finding": {"en": "Largest finding", "ru": "Главный вывод"},
    "no_money_at_stake": {"en": "no money at stake is measured: customers with a negative support experience churned no more than the others",
                          "ru": "денежный ущерб не измерен: клиенты с негативным опытом уходили не чаще остальных"},
    "st_loaded": {"en": "loaded", "ru": "загружен"},
    "st_skipped": {"en": "already loaded", "ru": "уже загружен"},
    "st_failed": {"en": "failed", "ru": "ошибка"},
    "table": {"en": "Table", "ru": "Таблица"},
    "time_zone": {"en": "Time zone", "ru": "Часовой пояс"},
    "status": {"en": "Status", "ru": "Статус"},
    "periods": {"en": "Periods covered", "ru": "Охваченные периоды"},
    "severity": {"en": "Severity", "ru": "Важность"},
    "sev_error": {"en": "error", "ru": "ошибка"},
    "sev_warning": {"en": "warning", "ru": "предупреждение"},
    "sev_info": {"en": "info", "ru": "к сведению"},
    "why": {"en": "Why it matters", "ru": "Почему это важно"},
    "no_problems": {"en": "No data-quality problems found.", "ru": "Проблем с качеством данных не найдено."},
    "reconciliation": {"en": "Our figures against the vendor's own", "ru": "Наши расчёты и расчёты системы-источника"},
    "compared": {"en": "Tickets compared", "ru": "Сравнено обращений"},
    "disagree": {"en": "Disagree", "ru": "Расходятся"},
    "median_diff": {"en": "Median difference", "ru": "Медиана расхождения"},
    "kpis_all_time": {"en": "All the data received, every team and channel.", "ru": "Все полученные данные, все команды и каналы."},
    "against": {"en": "Against published benchmarks", "ru": "Сравнение с опубликованными ориентирами"},
    "meets": {"en": "meets", "ru": "в норме"},
    "below": {"en": "below", "ru": "ниже"},
    "above": {"en": "above", "ru": "выше"},
    "misses": {"en": "misses", "ru": "хуже ориентира"},
    "money_formula": {"en": "Money at stake = customers touched per year × excess churn after a negative experience ({excess}, {excess_basis}) × monthly revenue of a customer lost ({revenue}, {revenue_basis}) × 12. One customer can be in several findings, so the amounts are not added up.",
                      "ru": "Сумма под риском = затронутые клиенты в год × дополнительный отток после негативного опыта ({excess}, {excess_basis}) × месячная выручка ушедшего клиента ({revenue}, {revenue_basis}) × 12. Один клиент может попасть в несколько выводов, поэтому суммы не складываются."},
    "no_findings": {"en": "No finding: the data shows no failure with money at stake.", "ru": "Выводов нет: в данных не найдено сбоев, стоящих денег."},
    "customers_affected": {"en": "{n} customers affected", "ru": "Затронуто клиентов: {n}"},
    "churn_measured": {"en": "Of {customers} customers compared, {exposed} had a negative support experience in the {window} days before they left or the data ends; {exposed_rate} of them churned against {unexposed_rate} of the others. Excess churn {excess} (95% interval {low} – {high}): {attributable} churned customers are attributable to support.",
                       "ru": "Из {customers} сравниваемых клиентов у {exposed} был негативный опыт с поддержкой за {window} дней до ухода или конца данных; ушли {exposed_rate} из них против {unexposed_rate} остальных. Дополнительный отток {excess} (95% интервал {low} – {high}): {attributable} ушедших клиентов приходятся на поддержку."},
    "churn_measured_snapshot": {"en": "Of {customers} customers compared (a snapshot list: churn flags without dates), {exposed} had a negative support experience while they were customers, up to the list's date; {exposed_rate} of them churned against {unexposed_rate} of the others. Excess churn {excess} (95% interval {low} – {high}): {attributable} churned customers are attributable to support.",
                                "ru": "Из {customers} сравниваемых клиентов (список-снимок: признаки оттока без дат) у {exposed} был негативный опыт с поддержкой за время жизни клиента, до даты списка; ушли {exposed_rate} из них против {unexposed_rate} остальных. Дополнительный отток {excess} (95% интервал {low} – {high}): {attributable} ушедших клиентов приходятся на поддержку."},
    "churn_benchmark": {"en": "The data has no customer list with churn that can be matched to the support records, so the estimate below uses the benchmark figures (each with its source); load a customer list to measure it.",
                        "ru": "В данных нет списка клиентов с оттоком, который можно сопоставить с обращениями, поэтому оценка ниже построена на отраслевых ориентирах (с источниками); загрузите список клиентов, чтобы измерить её."},
    "dose": {"en": "Churn by number of negative experiences", "ru": "Отток по числу негативных случаев"},
    "negatives": {"en": "Negative experiences", "ru": "Негативных случаев"},
    "customers": {"en": "Customers", "ru": "Клиентов"},
    "churned": {"en": "Churned", "ru": "Ушли"},
    "churn_rate": {"en": "Churn rate", "ru": "Отток"},
    "interval": {"en": "95% interval", "ru": "95% интервал"},
    "calculator": {"en": "What it costs", "ru": "Во что это обходится"},
    "input": {"en": "Input", "ru": "Параметр"},
    "basis": {"en": "Basis", "ru": "Основа"},
    "measured_from_data": {"en": "measured from the data received", "ru": "измерено по полученным данным"},
    "audit_subtitle": {"en": "{files} file(s): {names}", "ru": "Файлов: {files}: {names}"},
    "not_available": {"en": "not available: {why}", "ru": "нет данных: {why}"},
    "none": {"en": "—", "ru": "—"},
    # ---- satisfaction (reports/satisfaction.py)
    "sat_title": {"en": "Satisfaction: all responses", "ru": "Удовлетворённость: все ответы"},
    "sat_scope": {"en": "Every survey response received, dated or not: {n} answers.",
                  "ru": "Все полученные ответы на опросы, с датой и без: {n}."},
    "sat_none": {"en": "No survey responses were loaded, so CSAT, NPS and CES cannot be shown: they need a survey export "
                       "or a ticket export with a rating column.",
                 "ru": "Ответы на опросы не загружены, поэтому CSAT, NPS и CES показать нельзя: нужна выгрузка опроса "
                       "или выгрузка обращений с колонкой оценки."},
    "sat_kind_missing": {"en": "no {kind} responses were loaded", "ru": "ответов {kind} не загружено"},
    "sat_responses": {"en": "Responses", "ru": "Ответов"},
    "sat_small": {"en": "small sample: fewer than {n} responses, read the interval", "ru": "малая выборка: меньше {n} ответов, смотрите на интервал"},
    "sat_undated": {"en": "{n} of these answers have no date: they count in these figures and by segment, never in a period's figures or trend.",
                    "ru": "Ответов без даты: {n}. Они учтены здесь и по сегментам, но никогда — в показателях периода и динамике."},
    "sat_all_undated_period": {"en": "None of the {kinds} responses is dated in this period, so the period's {kinds} tiles above are empty; the all-time figures below count every response.",
                               "ru": "Ни один ответ {kinds} не датирован этим периодом, поэтому плитки {kinds} за период пусты; показатели ниже учитывают все ответы."},
    "sat_rated_tickets": {"en": "CSAT includes {n} ratings read from ticket exports (one per rated ticket).",
                          "ru": "CSAT включает оценки из выгрузок обращений (по одной на оценённое обращение): {n}."},
    "no_dates": {"en": "no dates: all {n} rows are undated", "ru": "без дат (строк без даты: {n})"},
    "undated_rows": {"en": "{n} rows without a date", "ru": "строк без даты: {n}"},
    "sat_by_segment": {"en": "By segment", "ru": "По сегментам"},
    "sat_segment": {"en": "Segment", "ru": "Сегмент"},
    "sat_not_set": {"en": "(not set)", "ru": "(не указан)"},
    "sat_no_segments": {"en": "The responses carry no segment (brand, region, wave or workbook sheet) and no customer with a segment, so there is no breakdown by segment.",
                        "ru": "У ответов нет сегмента (бренда, региона, волны или листа книги) и клиентов с сегментом, поэтому разбивки по сегментам нет."},
    "sat_small_col": {"en": "Small sample", "ru": "Малая выборка"},
    "sat_small_note": {"en": "A score resting on fewer than {n} responses (metrics.survey_small_segment) is listed under “Small sample”: shown with its interval, not to be ranked.",
                       "ru": "Оценка, основанная менее чем на {n} ответах (metrics.survey_small_segment), указана в колонке «Малая выборка»: показана с интервалом, ранжировать её не стоит."},
    "customers_churn": {"en": "Customers and churn", "ru": "Клиенты и отток"},
    "see_churn_cost": {"en": "Measured on the loaded tickets, calls and surveys: see the churn-cost estimate below.",
                       "ru": "Измерено по загруженным обращениям, звонкам и опросам: см. оценку потерь от оттока ниже."},
    "churn_benchmark_model": {"en": "The estimate below therefore uses the benchmark figures, each with its source.",
                              "ru": "Поэтому оценка ниже опирается на отраслевые цифры, у каждой указан источник."},
    "customer_list_title": {"en": "Customers and churn", "ru": "Клиенты и отток"},
    "see_money_above": {"en": "Measured on the loaded tickets, calls and surveys: see the money section above.",
                        "ru": "Измерено по загруженным обращениям, звонкам и опросам: см. раздел о деньгах выше."},
    "footer": {"en": "Deskscope {what}. Every figure is defined in docs/metrics.md; this file works offline.",
               "ru": "Deskscope: {what}. Определения показателей — docs/metrics.md; файл открывается без сети."},
}


def t(key: str, lang: str = "en", **kw) -> str:
    s = STRINGS[key].get(lang) or STRINGS[key]["en"]
    return s.format(**kw) if kw else s


def number(v: float, lang: str = "en", digits: int = 0) -> str:
    s = f"{v:,.{digits}f}"
    if lang == "ru":
        s = s.replace(",", "\u00a0").replace(".", ",")
    return s


def fmt_value(value, unit: str, lang: str = "en", currency: str = "USD") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "fraction":
        return number(value * 100, lang, 1) + "%"
    if unit == "minutes":
        if abs(value) >= 120:
            return number(value / 60, lang, 1) + (" ч" if lang == "ru" else " h")
        return number(value, lang, 0) + (" мин" if lang == "ru" else " min")
    if unit == "hours":
        return number(value, lang, 1) + (" ч" if lang == "ru" else " h")
    if unit == "seconds":
        return number(value, lang, 0) + (" с" if lang == "ru" else " s")
    if unit == "nps":
        return number(value, lang, 1)
    if unit == "score":
        return number(value, lang, 2)
    if unit == "money":
        return money(value, currency, lang)
    return number(value, lang, 0 if float(value).is_integer() else 1)


SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "RUB": "₽"}


def money(value, currency: str = "USD", lang: str = "en") -> str:
    if value is None:
        return "—"
    sym = SYMBOLS.get(currency.upper(), currency.upper() + " ")
    digits = 0 if abs(value) >= 100 else 2
    body = number(value, lang, digits)
    if lang != "ru" and body[:1] in ("-", "\u2212"):
        return f"{body[:1]}{sym}{body[1:]}"  # -$550, not $-550
    return f"{body}\u00a0{sym}" if lang == "ru" else f"{sym}{body}"


def method_text(method: str, lang: str = "en") -> str:
    """metrics/churn.py names its comparison method in English; Russian readers get it in Russian."""
    if lang != "ru" or not method:
        return method
    for en, ru in (("crude: risk difference with Newcombe's hybrid score interval (Wilson)",
                    "без стратификации: разность долей, интервал Ньюкомба (гибридный, по Уилсону)"),
                   ("Mantel-Haenszel risk difference over ", "Разность рисков Мантеля–Хензеля по "),
                   (", Sato variance", ", дисперсия Сато"), ("tenure_band", "стажу"), ("plan", "тарифу"),
                   ("segment", "сегменту"), (" x ", " × ")):
        method = method.replace(en, ru)
    return method
