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
    "money": {"en": "Money", "ru": "Деньги"},
    "trend": {"en": "Trend", "ru": "Динамика"},
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
    "pseudonymized": {"en": "Customer names, e-mails, phone numbers and personal data in free text were replaced by stable pseudonyms before anything was stored.",
                      "ru": "Имена клиентов, e-mail, телефоны и персональные данные в тексте заменены на устойчивые псевдонимы до сохранения."},
    "not_available": {"en": "not available: {why}", "ru": "нет данных: {why}"},
    "none": {"en": "—", "ru": "—"},
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
    return f"{body}\u00a0{sym}" if lang == "ru" else f"{sym}{body}"
