"""The churn sections of snapshots and audits: the customer list as a snapshot (churn rate,
revenue, monthly churn, LTV), the support columns inside the list (dose-response beside the
industry figures, excess churn and what it costs, a leakage caution), and stated reasons by class.
Every section shows numbers or says in one sentence why it cannot, in English or Russian.

``summary(analysis_dict)`` keeps what the reports need from ``metrics.churn.analyse(...).to_dict()``
(JSON-safe, deterministic: it goes into kpis.json); ``render(summary, lang, currency)`` is HTML with
every value escaped (reports/html.py) and charts as inline SVG.
"""
from __future__ import annotations

from html import escape

from reports import html as H
from reports.text import fmt_value, money, number

STRINGS = {
    "list": {"en": "The customer list", "ru": "Список клиентов"},
    "list_none": {"en": "No customer list with a known churn outcome is loaded, so churn rate, lost revenue and LTV cannot be given.",
                  "ru": "Список клиентов с известным исходом не загружен, поэтому долю оттока, потерянную выручку и LTV назвать нельзя."},
    "as_of": {"en": "As of {as_of}. {snapshot}", "ru": "На {as_of}. {snapshot}"},
    "is_snapshot": {"en": "A snapshot: churn flags without dates, so it gives rates, revenue and LTV, but not when anyone left.",
                    "ru": "Снимок: признаки оттока без дат, поэтому он даёт доли, выручку и LTV, но не время ухода."},
    "rate": {"en": "Churn rate", "ru": "Доля оттока"},
    "lost_monthly": {"en": "Lost monthly revenue", "ru": "Потери выручки в месяц"},
    "earned": {"en": "Already earned from churned customers", "ru": "Уже получено от ушедших"},
    "hazard": {"en": "Monthly churn", "ru": "Отток в месяц"},
    "ltv": {"en": "LTV", "ru": "LTV"},
    "not_measurable": {"en": "not measurable", "ru": "не измеримо"},
    "counts": {"en": "{customers} customers: {compared} compared ({churned} churned, {stayed} stayed); {joined} joined during the period and are counted apart.",
               "ru": "Клиентов {customers}: сравниваются {compared} (ушли {churned}, остались {stayed}); {joined} новых за период считаются отдельно."},
    "hazard_formula": {"en": "Monthly churn = {churned} churned / {months} customer-months observed = {rate} (95% interval {low} – {high}).",
                       "ru": "Отток в месяц = {churned} ушедших / {months} клиенто-месяцев наблюдения = {rate} (95% интервал {low} – {high})."},
    "hazard_formula_period": {"en": "Monthly churn = {churned} churned / {months} customer-months at risk in the churn period = {rate} (95% interval {low} – {high}).",
                              "ru": "Отток в месяц = {churned} ушедших / {months} клиенто-месяцев риска в периоде оттока = {rate} (95% интервал {low} – {high})."},
    "no_tenure": {"en": "Monthly churn and LTV are not measurable: the list has no tenure and no start dates.",
                  "ru": "Месячный отток и LTV не измеримы: в списке нет ни стажа, ни дат начала."},
    "ltv_formula": {"en": "LTV = ARPU {arpu} × gross margin {margin} / monthly churn {rate} = {ltv}; ARPU {basis}.",
                    "ru": "LTV = ARPU {arpu} × валовая маржа {margin} / отток в месяц {rate} = {ltv}; ARPU {basis}."},
    "arpu_list": {"en": "is the mean monthly charge of {n} customers", "ru": "— средний ежемесячный платёж {n} клиентов"},
    "arpu_calculator": {"en": "is the calculator's assumed figure (the list has no monthly charges)",
                        "ru": "— допущение калькулятора (в списке нет ежемесячных платежей)"},
    "no_ltv": {"en": "LTV is not measurable: nobody in the list churned, so there is no monthly churn to divide by.",
               "ru": "LTV не измерима: никто из списка не ушёл, и месячный отток неизвестен."},
    "no_monthly": {"en": "The list has no monthly charge column: lost revenue is not measurable.",
                   "ru": "В списке нет столбца ежемесячного платежа: потерянная выручка не измерима."},
    "no_total": {"en": "The list has no total charges column: revenue already earned from churned customers is not measurable.",
                 "ru": "В списке нет столбца общих платежей: выручку, полученную от ушедших, измерить нельзя."},
    "negative": {"en": "{n} customers have a negative monthly charge (credits or refunds): kept as loaded, left out of every revenue sum.",
                 "ru": "У {n} клиентов отрицательный ежемесячный платёж (кредиты или возвраты): сохранены как есть, в суммы выручки не входят."},
    "row_ids": {"en": "{n} customers have no id in the list: they are named by file and row number, so no ticket, call or survey can join them.",
                "ru": "У {n} клиентов нет идентификатора: они названы по файлу и номеру строки, обращения, звонки и опросы к ним не привязать."},
    "in_list": {"en": "Support columns inside the list", "ru": "Поддержка в столбцах самого списка"},
    "in_list_none": {"en": "The list has no support columns (a count of support contacts, a complaint flag or a satisfaction score), so it cannot show churn by support history on its own.",
                     "ru": "В списке нет столбцов о поддержке (число обращений, признак жалобы или оценка удовлетворённости), поэтому сам по себе он не показывает отток по истории поддержки."},
    "in_list_scope": {"en": "From the list alone, over {n} customers with a known outcome (joiners counted apart). A contact is a support exposure; a complaint and a low score are each one bad experience.",
                      "ru": "Только по списку, {n} клиентов с известным исходом (новые считаются отдельно). Обращение — контакт с поддержкой; жалоба и низкая оценка — по одному плохому опыту."},
    "overlap": {"en": "{n} customers also have loaded tickets, calls or surveys: these figures use only the list's columns, the measured comparison only the loaded records; they are never added together.",
                "ru": "У {n} клиентов есть и загруженные обращения, звонки или опросы: здесь используются только столбцы списка, в измеренном сравнении — только загруженные записи; они не складываются."},
    "signal.contacts": {"en": "Churn by number of support contacts", "ru": "Отток по числу обращений в поддержку"},
    "signal.complaint": {"en": "Churn by complaint flag", "ru": "Отток по признаку жалобы"},
    "signal.satisfaction": {"en": "Churn by satisfaction score ({lo}–{hi}; low: at or below {max} on 1–5)",
                            "ru": "Отток по оценке удовлетворённости ({lo}–{hi}; низкая: не выше {max} по шкале 1–5)"},
    "signal.satisfaction_nps": {"en": "Churn by likelihood to recommend (0–10; low: 6 or below)",
                                "ru": "Отток по готовности рекомендовать (0–10; низкая: 6 и ниже)"},
    "signal.bad_experiences": {"en": "Churn by number of bad experiences (complaint, low score)",
                               "ru": "Отток по числу плохих случаев (жалоба, низкая оценка)"},
    "name.contacts": {"en": "support contact count", "ru": "число обращений"},
    "name.complaint": {"en": "complaint flag", "ru": "признак жалобы"},
    "name.satisfaction": {"en": "satisfaction score", "ru": "оценка удовлетворённости"},
    "name.bad_experiences": {"en": "bad experience count", "ru": "число плохих случаев"},
    "group": {"en": "Group", "ru": "Группа"},
    "customers": {"en": "Customers", "ru": "Клиенты"},
    "churned": {"en": "Churned", "ru": "Ушли"},
    "interval": {"en": "95% interval", "ru": "95% интервал"},
    "excess": {"en": "Excess over the reference", "ru": "Превышение над базой"},
    "complaint.no": {"en": "no complaint", "ru": "без жалобы"},
    "complaint.yes": {"en": "complained", "ru": "жаловались"},
    "low": {"en": "low", "ru": "низкая"},
    "exposed.contacts": {"en": "customers with 1+ contacts", "ru": "клиенты с 1+ обращениями"},
    "exposed.complaint": {"en": "customers who complained", "ru": "жаловавшиеся клиенты"},
    "exposed.satisfaction": {"en": "customers with a low score", "ru": "клиенты с низкой оценкой"},
    "exposed.bad_experiences": {"en": "customers with 1+ bad experiences", "ru": "клиенты с 1+ плохими случаями"},
    "excess_line": {"en": "Excess churn of {group} over the rest: {excess} (95% interval {low} – {high}); {customers} churned customers are attributable, costing {cost} a month ({horizon} over {months} months; 95% interval {cost_low} – {cost_high} a month). Each lost customer counts {each} a month: {basis}.",
                    "ru": "Избыточный отток ({group}) относительно остальных: {excess} (95% интервал {low} – {high}); {customers} ушедших клиентов приходится на поддержку, это {cost} в месяц ({horizon} за {months} мес.; 95% интервал {cost_low} – {cost_high} в месяц). Каждый ушедший клиент — {each} в месяц: {basis}."},
    "basis.list": {"en": "the mean monthly charge of the {n} exposed churners in the list",
                   "ru": "средний ежемесячный платёж {n} ушедших с опытом по списку"},
    "basis.list_arpu": {"en": "the list's ARPU (the exposed churners have no charge)", "ru": "ARPU списка (у ушедших с опытом нет платежа)"},
    "basis.calculator": {"en": "the calculator's ARPU, as the list has no charges", "ru": "ARPU калькулятора, так как в списке нет платежей"},
    "beside": {"en": "Beside the industry figures: in this list {one} churned after one and {two} after two or more; HubSpot: 58% stop buying after one bad experience; Microsoft, PwC: 61–67% leave after two.",
               "ru": "Рядом с отраслевыми цифрами: в этом списке после одного случая ушли {one}, после двух и более — {two}; HubSpot: 58% перестают покупать после одного плохого опыта; Microsoft, PwC: 61–67% уходят после двух."},
    "leakage": {"en": "Caution: the {what} tells churn almost perfectly ({accuracy} of customers sorted right); it may have been recorded after the customer left (leakage), so read its excess as an upper bound.",
                "ru": "Осторожно: «{what}» почти безошибочно предсказывает уход ({accuracy} клиентов разделены верно); возможно, столбец заполнен уже после ухода (утечка), считайте превышение верхней границей."},
    "missing": {"en": "{n} customers have no value in this column and are left out.", "ru": "У {n} клиентов в этом столбце нет значения: они не учитываются."},
    "reasons": {"en": "Stated churn reasons", "ru": "Названные причины ухода"},
    "reasons_none": {"en": "The customer list has no churn reason or category column, so stated reasons cannot be shown.",
                     "ru": "В списке клиентов нет столбца с причиной или категорией ухода, поэтому названные причины показать нельзя."},
    "reasons_no_churned": {"en": "Nobody in the customer list churned, so there are no stated reasons.",
                           "ru": "Никто из списка не ушёл, поэтому названных причин нет."},
    "reasons_scope": {"en": "{n} of {total} churned customers gave a reason or category; each is classed by its most specific value (the reason, else the category). Word lists: settings [churn.reasons].",
                      "ru": "{n} из {total} ушедших клиентов назвали причину или категорию; класс определяется самым точным значением (причиной, иначе категорией). Списки слов: настройки [churn.reasons]."},
    "class": {"en": "Class", "ru": "Класс"},
    "class.support": {"en": "Support", "ru": "Поддержка"},
    "class.possibly_support": {"en": "Possibly support", "ru": "Возможно, поддержка"},
    "class.other": {"en": "Other", "ru": "Другое"},
    "values": {"en": "Values it holds", "ru": "Значения"},
    "monthly": {"en": "Monthly revenue", "ru": "Выручка в месяц"},
    "moved": {"en": " (moved by you)", "ru": " (перенесено вами)"},
    "beside_reasons": {"en": "Stated: {stated} churned customers named support ({stated_money} a month), {possible} with the possible ones. Statistical estimate: {measured} customers attributable ({low} – {high}), {source}.",
                       "ru": "Названо: {stated} ушедших клиентов указали поддержку ({stated_money} в месяц), {possible} вместе с возможными. Статистическая оценка: {measured} клиентов ушли из-за поддержки ({low} – {high}), {source}."},
    "source.loaded": {"en": "measured on the loaded tickets, calls and surveys", "ru": "измерено по загруженным обращениям, звонкам и опросам"},
    "source.in_list": {"en": "measured from the list's {what}", "ru": "измерено по столбцу списка «{what}»"},
    "diff.no_estimate": {"en": "There is no statistical estimate to set beside them: stated reasons are what churned customers said, not a measurement.",
                         "ru": "Статистической оценки для сравнения нет: названные причины — это слова ушедших клиентов, а не измерение."},
    "diff.within": {"en": "The stated count lies within the estimate's interval: what customers said and what the data shows agree.",
                    "ru": "Названное число попадает в интервал оценки: слова клиентов и данные согласуются."},
    "diff.measured_higher": {"en": "The estimate is higher: customers often give a polite reason (price, competitor) for a support problem, and many give none.",
                             "ru": "Оценка выше: клиенты часто называют вежливую причину (цена, конкурент) вместо проблемы с поддержкой, а многие не называют никакой."},
    "diff.stated_higher": {"en": "Stated reasons count more: some who named support would have left anyway; the estimate counts only churn above comparable customers without a bad experience.",
                           "ru": "Названных больше: часть назвавших поддержку ушла бы и так; оценка считает только отток сверх сопоставимых клиентов без плохого опыта."},
    "measured": {"en": "Churn attributable to support (loaded tickets, calls, surveys)",
                 "ru": "Отток из-за поддержки (загруженные обращения, звонки, опросы)"},
    "why.no_customers": {"en": "No customer list is loaded, so churn attributable to support cannot be measured.",
                         "ru": "Список клиентов не загружен, поэтому отток из-за поддержки измерить нельзя."},
    "why.no_churned": {"en": "Nobody in the customer list churned, so churn cannot be compared.",
                       "ru": "Никто из списка клиентов не ушёл, поэтому сравнивать отток не с чем."},
    "why.no_support_data": {"en": "No tickets, calls or surveys are loaded and the list has no support columns, so churn attributable to support cannot be measured.",
                            "ru": "Обращения, звонки и опросы не загружены, а в списке нет столбцов о поддержке, поэтому отток из-за поддержки измерить нельзя."},
    "why.no_support_data_in_list": {"en": "No tickets, calls or surveys are loaded, so churn attributable to support is measured only from the list's own support columns.",
                                    "ru": "Обращения, звонки и опросы не загружены, поэтому отток из-за поддержки измерен только по столбцам самого списка."},
    "why.ids_from_rows": {"en": "Nothing joins: the customer list has no customer id, so tickets, calls and surveys cannot be matched to its customers.",
                          "ru": "Ничего не связывается: в списке клиентов нет идентификатора, поэтому обращения, звонки и опросы не сопоставить с клиентами."},
    "why.no_customer_ids": {"en": "Nothing joins: none of the {records} loaded tickets, calls or survey responses carries a customer id.",
                            "ru": "Ничего не связывается: ни одно из {records} загруженных обращений, звонков или ответов не содержит идентификатора клиента."},
    "why.nothing_joins": {"en": "Nothing joins: no customer id on the {records} loaded tickets, calls or surveys is in the customer list.",
                          "ru": "Ничего не связывается: ни один идентификатор клиента из {records} загруженных обращений, звонков или опросов не найден в списке."},
    "why.no_churn_in_period": {"en": "No churned customer can be placed in the period the support data covers; churn dates are needed.",
                               "ru": "Ни одного ушедшего клиента нельзя отнести к периоду данных поддержки; нужны даты ухода."},
    "why.none_exposed": {"en": "No customer in the list had a negative support experience, so there is nobody to compare.",
                         "ru": "Ни у одного клиента из списка не было негативного опыта, сравнивать некого."},
    "why.all_exposed": {"en": "Every customer had a negative support experience: there is nobody to compare them with.",
                        "ru": "У каждого клиента был негативный опыт: сравнивать не с кем."},
    "why.unknown": {"en": "Churn attributable to support cannot be measured from this data.",
                    "ru": "Отток из-за поддержки по этим данным измерить нельзя."},
    "industry.one": {"en": "58%: after one (HubSpot)", "ru": "58%: после одного"},
    "industry.two": {"en": "61–67%: after two", "ru": "61–67%: после двух"},
}


def _n(v, lang: str, digits: int = 0) -> str:
    return "—" if v is None else number(v, lang, digits)


def t(key: str, lang: str, **values) -> str:
    entry = STRINGS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def why(summary: dict, lang: str) -> str:
    """The one sentence saying why the measured comparison is missing."""
    code = summary.get("message_code") or "unknown"
    params = {k: _n(v, lang) if isinstance(v, (int, float)) else v for k, v in (summary.get("message_params") or {}).items()}
    key = f"why.{code}" if f"why.{code}" in STRINGS else "why.unknown"
    try:
        return t(key, lang, **params)
    except KeyError:
        return t("why.unknown", lang)


def summary(analysis: dict) -> dict:
    """What the reports keep of an analysis (metrics.churn ChurnAnalysis.to_dict())."""
    stated = dict(analysis.get("stated_reasons") or {})
    stated.pop("words", None)
    in_list = dict(analysis.get("in_list") or {})
    in_list.pop("industry", None)
    return {"available": analysis.get("available"), "mode": analysis.get("mode"), "currency": analysis.get("currency"),
            "message_code": analysis.get("message_code"),
            "message_params": {k: v for k, v in (analysis.get("message_params") or {}).items() if not isinstance(v, dict)},
            "measured": bool(analysis.get("estimate")),
            "snapshot": analysis.get("snapshot") or {}, "in_list": in_list, "stated_reasons": stated}


def _pct(v, lang: str, digits: int = 1) -> str:
    if v is None:
        return "—"
    return fmt_value(v, "fraction", lang) if digits == 1 else _n(v * 100, lang, digits) + "%"


def _pp(v, lang: str) -> str:
    return "—" if v is None else _n(v * 100, lang, 1) + (" п.п." if lang == "ru" else " pp")


def rate_chart(groups: list[dict], lang: str, title: str, colors: dict | None = None,
               references: bool = False, width: int = 640, height: int = 220) -> str:
    """Vertical bars of churn rate per group with Wilson whiskers; the industry figures (58% after
    one, 61-67% after two) as a line and a band. Self-contained SVG, labels escaped."""
    shown = [g for g in groups if g.get("customers")]
    if not shown:
        return ""
    left, right, top, bottom = 44, (190 if references else 10), 10, 40
    inner_w, inner_h = width - left - right, height - top - bottom
    y = lambda v: top + inner_h * (1 - min(max(v, 0.0), 1.0))  # noqa: E731
    step = inner_w / len(shown)
    bar = step * 0.62
    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}">']
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(frac):.1f}" y2="{y(frac):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(frac) + 4:.1f}" text-anchor="end" class="ax">{int(frac * 100)}%</text>')
    if references:
        # The industry figures as a band and a line, labelled in the right margin (clear of the bars).
        label_x = width - right + 6
        parts.append(f'<rect x="{left}" y="{y(0.67):.1f}" width="{inner_w}" height="{y(0.61) - y(0.67):.1f}" fill="#dc2626" opacity="0.13"/>'
                     f'<text x="{label_x}" y="{y(0.64) - 4:.1f}" class="ax" style="fill:#b91c1c">{escape(t("industry.two", lang))}</text>'
                     f'<line x1="{left}" x2="{width - right}" y1="{y(0.58):.1f}" y2="{y(0.58):.1f}" stroke="#2563eb" stroke-dasharray="5,4"/>'
                     f'<text x="{label_x}" y="{y(0.58) + 12:.1f}" class="ax" style="fill:#2563eb">{escape(t("industry.one", lang))}</text>')
    for i, g in enumerate(shown):
        cx = left + step * i + step / 2
        rate = g["rate"]
        est = rate.get("estimate") or 0.0
        color = (colors or {}).get(g["label"], "#ea580c") if isinstance(colors, dict) else "#ea580c"
        tip = f'{g["label"]}: {_pct(est, lang)} ({g["churned"]} / {g["customers"]})'
        parts.append(f'<rect x="{cx - bar / 2:.1f}" y="{y(est):.1f}" width="{bar:.1f}" height="{y(0) - y(est):.1f}" '
                     f'fill="{color}" rx="2"><title>{escape(tip)}</title></rect>')
        if rate.get("low") is not None and rate.get("high") is not None:
            parts.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(rate["high"]):.1f}" y2="{y(rate["low"]):.1f}" stroke="#111827"/>'
                         f'<line x1="{cx - 5:.1f}" x2="{cx + 5:.1f}" y1="{y(rate["high"]):.1f}" y2="{y(rate["high"]):.1f}" stroke="#111827"/>'
                         f'<line x1="{cx - 5:.1f}" x2="{cx + 5:.1f}" y1="{y(rate["low"]):.1f}" y2="{y(rate["low"]):.1f}" stroke="#111827"/>')
        parts.append(f'<text x="{cx:.1f}" y="{height - bottom + 14}" text-anchor="middle" class="ax">{escape(str(g["label"]))}</text>'
                     f'<text x="{cx:.1f}" y="{height - bottom + 27}" text-anchor="middle" class="ax">n = {escape(_n(g["customers"], lang))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _group_rows(groups: list[dict], lang: str) -> list[list[str]]:
    rows = []
    for g in groups:
        rate, ex = g["rate"], g.get("excess")
        rows.append([str(g["label"]), _n(g["customers"], lang), _n(g["churned"], lang), _pct(rate.get("estimate"), lang),
                     f'{_pct(rate.get("low"), lang)} – {_pct(rate.get("high"), lang)}' if rate.get("low") is not None else "—",
                     f'{_pp(ex["estimate"], lang)} ({_pp(ex["low"], lang)} – {_pp(ex["high"], lang)})' if ex else "—"])
    return rows


def _snapshot_html(s: dict, lang: str, cur: str) -> str:
    heading = f'<h3>{H.esc(t("list", lang))}</h3>'
    if not s.get("available"):
        return _kept(heading, f'<p>{H.esc(t("list_none", lang))}</p>')
    out = [heading, f'<p class="muted small">{H.esc(t("as_of", lang, as_of=s.get("as_of") or "—", snapshot=t("is_snapshot", lang) if s.get("mode") == "snapshot" else ""))}</p>']
    rate, hz = s["churn_rate"], s.get("monthly_churn") or {}
    na = ("—", t("not_measurable", lang))
    tiles = [H.tile(t("rate", lang), _pct(rate.get("estimate"), lang),
                    f'95%: {_pct(rate.get("low"), lang)} – {_pct(rate.get("high"), lang)}'),
             H.tile(t("lost_monthly", lang), *((money(s["lost_monthly_revenue"], cur, lang),) if s.get("monthly_revenue_column") else na)),
             H.tile(t("earned", lang), *((money(s["earned_from_churned"], cur, lang),) if s.get("total_revenue_column") else na)),
             H.tile(t("hazard", lang), *((_pct(hz.get("estimate"), lang, 2), f'95%: {_pct(hz.get("low"), lang, 2)} – {_pct(hz.get("high"), lang, 2)}')
                                         if s.get("monthly_churn_formula") else na)),
             H.tile(t("ltv", lang), *((money(s["ltv"], cur, lang),) if s.get("ltv") is not None else na))]
    out = [_kept(*out, f'<div class="grid">{"".join(tiles)}</div>')]
    lines = [t("counts", lang, customers=_n(s["customers"], lang), compared=_n(s["compared"], lang),
               churned=_n(s["churned"], lang), stayed=_n(s["stayed"], lang), joined=_n(s["joined"], lang))]
    if s.get("monthly_churn_formula"):
        lines.append(t("hazard_formula_period" if s.get("monthly_churn_basis") == "period" else "hazard_formula", lang,
                       churned=_n(s["hazard_churned"], lang), months=_n(s["customer_months"], lang, 1),
                       rate=_pct(hz.get("estimate"), lang, 2), low=_pct(hz.get("low"), lang, 2), high=_pct(hz.get("high"), lang, 2)))
    else:
        lines.append(t("no_tenure", lang))
    if s.get("ltv") is not None:
        basis = t("arpu_list", lang, n=_n(s["arpu_customers"], lang)) if s["arpu_basis"] == "list" else t("arpu_calculator", lang)
        lines.append(t("ltv_formula", lang, arpu=money(s["arpu"], cur, lang), margin=_pct(s["gross_margin"], lang),
                       rate=_pct(hz.get("estimate"), lang, 2), ltv=money(s["ltv"], cur, lang), basis=basis))
    elif not s.get("churned"):
        lines.append(t("no_ltv", lang))
    if not s.get("monthly_revenue_column"):
        lines.append(t("no_monthly", lang))
    if not s.get("total_revenue_column"):
        lines.append(t("no_total", lang))
    if s.get("negative_monthly_customers"):
        lines.append(t("negative", lang, n=_n(s["negative_monthly_customers"], lang)))
    if s.get("ids_from_rows"):
        lines.append(t("row_ids", lang, n=_n(s["ids_from_rows"], lang)))
    out.append('<ul class="small">' + "".join(f"<li>{H.esc(x)}</li>" for x in lines) + "</ul>")
    return "".join(out)


def _in_list_html(il: dict, lang: str, cur: str) -> str:
    heading = f'<h3>{H.esc(t("in_list", lang))}</h3>'
    if not il.get("available"):
        return _kept(heading, f'<p>{H.esc(t("in_list_none", lang))}</p>')
    out = [_kept(heading, f'<p class="muted small">{H.esc(t("in_list_scope", lang, n=_n(il.get("customers") or 0, lang)))}</p>')]
    if il.get("overlap_with_loaded"):
        out.append(f'<p class="small">{H.esc(t("overlap", lang, n=_n(il["overlap_with_loaded"], lang)))}</p>')
    headers = [t("group", lang), t("customers", lang), t("churned", lang), t("rate", lang), t("interval", lang), t("excess", lang)]
    for key in ("contacts", "bad_experiences", "complaint", "satisfaction"):
        item = il.get(key)
        if not item:
            continue
        groups = item.get("buckets") or item.get("groups") or item.get("scores") or []
        colors = None
        if key == "complaint":
            groups = [{**g, "label": t(f"complaint.{g['label']}", lang)} for g in groups]
            colors = {t("complaint.no", lang): "#16a34a", t("complaint.yes", lang): "#dc2626"}
        if key == "satisfaction":
            colors = {g["label"]: "#dc2626" if g.get("low") else "#16a34a" for g in groups}
            title = (t("signal.satisfaction_nps", lang) if item.get("kind") == "nps" else
                     t("signal.satisfaction", lang, lo=_n(item["scale_min"], lang), hi=_n(item["scale_max"], lang),
                       max=_n(il.get("bad_csat_max") or 2, lang)))
        else:
            title = t(f"signal.{key}", lang)
        out.append(_kept(f'<h4>{H.esc(title)}</h4>',
                         rate_chart(groups, lang, title, colors, references=key in ("contacts", "bad_experiences"))))
        rows = _group_rows(groups, lang)
        if key == "satisfaction":
            rows = [[r[0] + (f' ({t("low", lang)})' if g.get("low") else "")] + r[1:] for r, g in zip(rows, groups)]
        out.append(H.table(headers, rows, {1, 2, 3}))
        comp = item["comparison"]
        ex, attr = comp["excess"], comp["attributable_churned"]
        cost, cost_h = comp.get("cost_monthly") or {}, comp.get("cost_horizon") or {}
        basis = t(f"basis.{comp['revenue_basis']}", lang, **({"n": _n(comp["revenue_basis_customers"], lang)}
                                                            if comp["revenue_basis"] == "list" else {}))
        out.append("<p>" + H.esc(t("excess_line", lang, group=t(f"exposed.{key}", lang), excess=_pp(ex.get("estimate"), lang),
                                   low=_pp(ex.get("low"), lang), high=_pp(ex.get("high"), lang),
                                   customers=_n(attr.get("estimate"), lang), cost=money(cost.get("estimate"), cur, lang),
                                   horizon=money(cost_h.get("estimate"), cur, lang), months=_n(comp["horizon_months"], lang),
                                   cost_low=money(cost.get("low"), cur, lang), cost_high=money(cost.get("high"), cur, lang),
                                   each=money(comp["revenue_each_monthly"], cur, lang), basis=basis)) + "</p>")
        if "after_one" in item:
            out.append(f'<p class="small">{H.esc(t("beside", lang, one=_pct(item.get("after_one"), lang), two=_pct(item.get("after_two_plus"), lang)))}</p>')
        if comp.get("leakage_caution"):
            out.append(f'<p class="small"><b>{H.esc(t("leakage", lang, what=t(f"name.{key}", lang), accuracy=_pct(comp["accuracy"], lang)))}</b></p>')
        if item.get("missing"):
            out.append(f'<p class="muted small">{H.esc(t("missing", lang, n=_n(item["missing"], lang)))}</p>')
    return "".join(out)


def _reasons_html(s: dict, lang: str, cur: str) -> str:
    heading = f'<h3>{H.esc(t("reasons", lang))}</h3>'
    if not s.get("churned_with_reason"):
        return _kept(heading, f'<p>{H.esc(t("reasons_none" if s.get("churned") else "reasons_no_churned", lang))}</p>')
    out = [_kept(heading, f'<p class="muted small">{H.esc(t("reasons_scope", lang, n=_n(s["churned_with_reason"], lang), total=_n(s["churned"], lang)))}</p>')]
    rows = []
    for cls in ("support", "possibly_support", "other"):
        group = s["classes"][cls]
        values = "; ".join(f'{v["value"]} ×{v["customers"]}' + (t("moved", lang) if v.get("moved") else "") for v in group["values"])
        rows.append([t(f"class.{cls}", lang), _n(group["customers"], lang), money(group["monthly_revenue"], cur, lang), values or "—"])
    out.append(H.table([t("class", lang), t("customers", lang), t("monthly", lang), t("values", lang)], rows, {1, 2}))
    measured, diff = s.get("measured"), s.get("difference") or {}
    if measured and measured.get("estimate") is not None:
        source = (t("source.loaded", lang) if measured.get("source") == "loaded"
                  else t("source.in_list", lang, what=t(f"name.{measured.get('signal')}", lang)))
        out.append("<p>" + H.esc(t("beside_reasons", lang, stated=_n(diff.get("stated_support") or 0, lang),
                                   stated_money=money(s["classes"]["support"]["monthly_revenue"], cur, lang),
                                   possible=_n(diff.get("stated_support_or_possible") or 0, lang),
                                   measured=_n(measured["estimate"], lang), low=_n(measured.get("low"), lang),
                                   high=_n(measured.get("high"), lang), source=source)) + "</p>")
    out.append(f'<p class="small">{H.esc(t("diff." + (diff.get("code") or "no_estimate"), lang))}</p>')
    return "".join(out)


def _kept(heading: str, *first: str) -> str:
    """A heading and what follows it in one block a printed page never splits (reports/html.py's
    ``.keep``), so no heading is left alone at the foot of a page."""
    return f'<div class="keep">{heading}{"".join(first)}</div>'


def parts(summary: dict, lang: str, currency: str | None = None, measured_html: str = "") -> list[str]:
    """The churn sections, one HTML block each, every one starting with its heading kept with what
    follows it. ``measured_html``: the caller's own rendering of the measured comparison (audit,
    snapshot); when empty, the one-sentence reason it is missing is shown instead."""
    cur = currency or summary.get("currency") or "USD"
    snap = {**(summary.get("snapshot") or {}), "mode": summary.get("mode")}
    in_list, stated = summary.get("in_list") or {}, summary.get("stated_reasons") or {}
    # Without a customer list there is no list to have support columns or stated reasons: the
    # first section's sentence says so once, instead of two sections describing a list that is not there.
    has_list = bool(snap.get("available"))
    blocks = [_snapshot_html(snap, lang, cur)]
    if has_list or in_list.get("available"):
        blocks.append(_in_list_html(in_list, lang, cur))
    blocks.append(_kept(f'<h3>{H.esc(t("measured", lang))}</h3>', measured_html or f"<p>{H.esc(why(summary, lang))}</p>"))
    if has_list or stated.get("churned_with_reason"):
        blocks.append(_reasons_html(stated, lang, cur))
    return blocks


def render(summary: dict, lang: str, currency: str | None = None, measured_html: str = "") -> str:
    """The churn sections as one block of HTML (see ``parts``)."""
    return "".join(parts(summary, lang, currency, measured_html))
