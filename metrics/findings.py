"""Audit findings: the service failures in the data, each with its evidence (in English and
Russian, numbers formatted by formatting.py), a recommendation, and what it touched: distinct
customers (real customer ids only: a ticket without one is counted among the contacts, never
as a customer of its own), contacts (tickets or calls) and, where it means something, hours.

The money a finding puts at stake is not computed here: metrics/stake.py prices every finding
from the one money model the audit's churn-cost section shows, and ranks them (by money when
revenue was measured, by contacts and hours otherwise). A finding states what the data shows;
that customers with such experiences churn more is an association the churn analysis measures,
never a cause asserted here. A metric the export cannot measure (metrics/coverage.py) never
becomes a finding.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import formatting as fmt
from metrics.calls import wait_sql


@dataclass
class Finding:
    id: str
    title: dict[str, str]
    evidence: list[dict[str, str]]  # one dict per line: {"en": ..., "ru": ...}
    recommendation: dict[str, str]
    customers_affected: int          # distinct customer ids
    contacts_affected: int = 0       # tickets or calls
    hours_affected: float | None = None
    figures: dict = field(default_factory=dict)  # the numbers the evidence cites (tests check them)
    money_at_stake: float | None = None          # set by metrics.stake.price
    stake: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


_ABANDON_LIKE = "lower(outcome) IN ('abandoned', 'missed')"
_INBOUND = "coalesce(lower(direction), 'inbound') = 'inbound'"
# Timestamps are stored in UTC; peak hours are read on the phone system's clock (the zone it was loaded in).
_LOCAL_QUEUED = "timezone(coalesce(nullif(source_tz, ''), 'UTC'), timezone('UTC', queued_at))"
_WAIT = wait_sql("")


class _N:
    """A number in an evidence line, formatted in each line's language."""

    def __init__(self, value, kind: str = "int", digits: int = 1):
        self.value, self.kind, self.digits = value, kind, digits

    def text(self, lang: str) -> str:
        if self.kind == "pct":
            return fmt.percent(self.value, 1, lang)
        if self.kind == "hours":
            return fmt.hours(self.value, lang, self.digits)
        if self.kind == "dec":
            return fmt.number(self.value, self.digits, lang)
        return fmt.integer(self.value, lang)


def _say(en: str, ru: str, **values) -> dict[str, str]:
    """One evidence line in both languages; ``_N`` values are formatted per language, {"en", "ru"}
    dicts give each language its words, text values (team names from the data) are kept as they are."""
    def value(v, lang):
        return v.text(lang) if isinstance(v, _N) else v[lang] if isinstance(v, dict) else v

    return {lang: template.format(**{k: value(v, lang) for k, v in values.items()})
            for lang, template in (("en", en), ("ru", ru))}


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}


def _one(con, sql, params=None):
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _sla_finding(con, settings: dict) -> Finding | None:
    """SLA misses by the leading verdict (the system's own when the export has one)."""
    from metrics import sla_method

    targets = sla_method.measured_targets(con)
    lead = sla_method.leading_verdict_sql(targets)
    ours = sla_method.our_verdict_sql(targets)
    row = _one(con, f"""
        SELECT count(*) FILTER (WHERE ({lead})), count(*) FILTER (WHERE ({lead}) IS NOT NULL),
               count(DISTINCT customer_id) FILTER (WHERE ({lead})),
               count(*) FILTER (WHERE ({lead}) AND customer_id IS NULL),
               count(*) FILTER (WHERE vendor_made_sla IS NOT NULL),
               count(*) FILTER (WHERE vendor_made_sla IS NOT NULL AND ({ours}) IS NOT NULL),
               count(*) FILTER (WHERE vendor_made_sla IS NOT NULL AND ({ours}) = (NOT vendor_made_sla)),
               sum(greatest(sla_resolution_elapsed_minutes - sla_resolution_target_minutes, 0))
                   FILTER (WHERE ({lead})) / 60.0
        FROM ticket_metrics""")
    missed, judged, customers, no_customer, vendor, both, agree, hours = row
    if not missed:
        return None
    worst = _one(con, f"""
        SELECT team, count(*) FILTER (WHERE ({lead})) b, count(*) FILTER (WHERE ({lead}) IS NOT NULL) n
        FROM ticket_metrics WHERE team IS NOT NULL GROUP BY team
        HAVING count(*) FILTER (WHERE ({lead}) IS NOT NULL) >= 20 ORDER BY b::DOUBLE / n DESC, n DESC LIMIT 1""")
    whose = ({"en": "by the system's own verdict (made_sla)", "ru": "по собственной оценке системы (made_sla)"}
             if vendor else {"en": "against the SLA policies in the method below", "ru": "по политикам SLA из раздела о методе"})
    ev = [_say("{missed} of {judged} tickets missed their SLA {whose} ({rate}).",
               "{missed} из {judged} обращений не уложились в SLA {whose} ({rate}).",
               missed=_N(missed), judged=_N(judged), whose=whose, rate=_N(missed / judged, "pct"))]
    if vendor and both:
        ev.append(_say("Our recomputation agrees with the system's verdict on {agree} of {both} tickets ({share}).",
                       "Наш пересчёт совпадает с оценкой системы на {agree} из {both} обращений ({share}).",
                       agree=_N(agree), both=_N(both), share=_N(agree / both, "pct")))
    ev.append(_say("{customers} customers had at least one ticket that missed its SLA.",
                   "У {customers} клиентов было хотя бы одно обращение, не уложившееся в SLA.", customers=_N(customers)))
    if worst:
        ev.append(_say("Most misses, as a share: team {team}, {rate} of its {n} tickets.",
                       "Наибольшая доля нарушений — у команды {team}: {rate} из {n} обращений.",
                       team=str(worst[0]), rate=_N(worst[1] / worst[2], "pct"), n=_N(worst[2])))
    if no_customer:
        ev.append(_say("Tickets among them without a customer id: {n} (counted as tickets, not as customers).",
                       "Обращений среди них без идентификатора клиента: {n} (учтены как обращения, но не как клиенты).",
                       n=_N(no_customer)))
    return Finding(
        "sla_breaches", {"en": "SLA targets missed", "ru": "Сроки SLA не соблюдаются"}, ev,
        {"en": "Staff the queues and hours where misses concentrate, alert before a ticket's due time, and review "
               "the routing of the team with the most misses.",
         "ru": "Усильте смены и очереди, где копятся нарушения, предупреждайте до истечения срока и проверьте "
               "маршрутизацию команды с наибольшей долей нарушений."},
        int(customers), int(missed), float(hours) if hours else None,
        {"missed": missed, "judged": judged, "customers": customers, "miss_rate": missed / judged if judged else None,
         "vendor_verdict": bool(vendor), "agreement": agree / both if both else None,
         "worst_team": worst[0] if worst else None, "without_customer": no_customer})


def run(con, settings: dict | None = None, unmeasurable: dict | None = None) -> list[Finding]:
    """Every finding the data supports (unordered: metrics.stake prices and ranks them)."""
    import config
    from metrics import coverage

    settings = settings or config.get()
    present = _tables(con)
    gaps = coverage.unmeasurable(con) if unmeasurable is None else unmeasurable
    out: list[Finding] = []

    if "ticket_metrics" in present and _one(con, "SELECT count(*) FROM ticket_metrics")[0]:
        sla = _sla_finding(con, settings)
        if sla:
            out.append(sla)
        # Slow replies to tickets created outside business hours (needs replies in the export).
        limit = float(settings["churn"]["negative"].get("slow_first_reply_hours", 12)) * 60
        if "frt_median_minutes" not in gaps:
            row = _one(con, """
                SELECT quantile_cont(first_reply_calendar_minutes, 0.5) FILTER (WHERE NOT created_in_business_hours),
                       quantile_cont(first_reply_calendar_minutes, 0.5) FILTER (WHERE created_in_business_hours),
                       count(*) FILTER (WHERE NOT created_in_business_hours AND first_reply_calendar_minutes > ?),
                       count(*) FILTER (WHERE NOT created_in_business_hours AND first_reply_calendar_minutes IS NOT NULL),
                       count(DISTINCT customer_id) FILTER (WHERE NOT created_in_business_hours AND first_reply_calendar_minutes > ?),
                       sum(first_reply_calendar_minutes - ?) FILTER (WHERE NOT created_in_business_hours
                                                                     AND first_reply_calendar_minutes > ?) / 60.0
                FROM ticket_metrics""", [limit, limit, limit, limit])
            off_median, in_median, slow, off_total, customers, hours = row
            if slow and off_median is not None:
                out.append(Finding(
                    "slow_off_hours", {"en": "Slow first replies outside business hours",
                                       "ru": "Медленные первые ответы вне рабочего времени"},
                    [_say("Median first reply is {off} for tickets created outside business hours vs {inside} inside.",
                          "Медиана первого ответа — {off} для обращений вне рабочего времени против {inside} в рабочее время.",
                          off=_N(off_median / 60, "hours"), inside=_N((in_median or 0) / 60, "hours")),
                     _say("{slow} of {total} off-hours tickets waited more than {limit} (a reply later than 12 h goes with "
                          "87% more negative reviews, Zendesk CX Trends 2024).",
                          "{slow} из {total} обращений вне рабочего времени ждали дольше {limit} (ответ позже 12 ч "
                          "сопровождается ростом негативных отзывов на 87%, Zendesk CX Trends 2024).",
                          slow=_N(slow), total=_N(off_total), limit=_N(limit / 60, "hours", 0))],
                    {"en": "Cover evenings and weekends with a rota, an auto-acknowledgement with a realistic reply time, "
                           "or a follow-the-sun team for urgent tickets.",
                     "ru": "Закройте вечера и выходные дежурствами, автоответом с реальным сроком ответа или "
                           "распределённой командой для срочных обращений."},
                    int(customers), int(slow), float(hours) if hours else None,
                    {"off_hours_median_minutes": off_median, "in_hours_median_minutes": in_median, "slow": slow,
                     "off_hours_replied": off_total, "customers": customers}))
        # Repeat contacts (needs customer ids).
        if "repeat_contact_rate" not in gaps:
            repeats, total, customers = _one(con, """
                SELECT count(*) FILTER (WHERE repeat_contact), count(*),
                       count(DISTINCT customer_id) FILTER (WHERE repeat_contact) FROM ticket_metrics""")
            if repeats:
                days = settings["metrics"]["repeat_contact_days"]
                out.append(Finding(
                    "repeat_contacts", {"en": "Customers have to contact support again",
                                        "ru": "Клиентам приходится обращаться повторно"},
                    [_say("{repeats} of {total} tickets ({rate}) came from a customer who had contacted support in the "
                          "previous {days} days about the same topic.",
                          "{repeats} из {total} обращений ({rate}) — повторные: клиент уже обращался по той же теме "
                          "за предыдущие {days} дн.",
                          repeats=_N(repeats), total=_N(total), rate=_N(repeats / total, "pct"), days=_N(days)),
                     _say("{customers} customers contacted support again.", "Повторно обращались клиентов: {customers}.",
                          customers=_N(customers))],
                    {"en": "Review the top repeat topics for missing answers in the knowledge base and for tickets solved "
                           "before the problem was fixed.",
                     "ru": "Разберите частые темы повторных обращений: нет ли пробелов в базе знаний и не закрываются ли "
                           "обращения до решения проблемы."},
                    int(customers), int(repeats), None, {"repeats": repeats, "tickets": total, "customers": customers}))

    if "calls" in present and _one(con, "SELECT count(*) FROM calls")[0]:
        short = float(settings["metrics"]["short_abandon_seconds"])
        # The definitions of metrics/calls.py: inbound (or unknown direction) calls; abandoned =
        # abandoned or missed; a short abandon (wait under the threshold) is neither offered nor abandoned.
        rows = con.execute(f"""
            SELECT isodow({_LOCAL_QUEUED}) dow, hour({_LOCAL_QUEUED}) h,
                   count(*) FILTER (WHERE NOT coalesce({_ABANDON_LIKE} AND {_WAIT} < ?, false)) offered,
                   count(*) FILTER (WHERE {_ABANDON_LIKE} AND NOT coalesce({_WAIT} < ?, false)) abandoned
            FROM calls WHERE {_INBOUND} GROUP BY 1, 2""", [short, short]).fetchall()
        offered = sum(r[2] for r in rows)
        abandoned = sum(r[3] for r in rows)
        if abandoned and offered:
            overall = abandoned / offered
            busy = [r for r in rows if r[0] is not None and r[2] >= max(20, offered / 500)]
            peaks = sorted(busy, key=lambda r: r[3] / r[2], reverse=True)[:3]

            def peak_text(lang: str) -> str:
                days = fmt.weekday_names(lang)
                word = " of " if lang == "en" else " из "
                return ", ".join(f"{days[r[0] - 1]} {r[1]:02d}:00 ({fmt.percent(r[3] / r[2], 1, lang)}{word}"
                                 f"{fmt.integer(r[2], lang)})" for r in peaks)

            customers = _one(con, f"""SELECT count(DISTINCT customer_id) FROM calls
                                      WHERE {_INBOUND} AND {_ABANDON_LIKE}
                                        AND NOT coalesce({_WAIT} < ?, false)""", [short])[0]
            out.append(Finding(
                "abandonment_peaks", {"en": "Callers hang up at peak hours", "ru": "Звонящие бросают трубку в часы пик"},
                [_say("{abandoned} of {offered} offered calls were abandoned ({rate}; short abandons under {short} s excluded).",
                      "{abandoned} из {offered} звонков брошены ({rate}; короткие до {short} с не учтены).",
                      abandoned=_N(abandoned), offered=_N(offered), rate=_N(overall, "pct"), short=_N(short)),
                 {"en": f"Worst hours (local to the phone system): {peak_text('en')}.",
                  "ru": f"Худшие часы (время АТС): {peak_text('ru')}."}],
                {"en": "Shift staff to the peak hours, offer call-back instead of queueing, and publish wait times on the IVR.",
                 "ru": "Перенесите смены на часы пик, предложите обратный звонок вместо ожидания и сообщайте время "
                       "ожидания в голосовом меню."},
                int(customers), int(abandoned), None,
                {"abandoned": abandoned, "offered": offered, "abandonment_rate": overall,
                 "peaks": [{"dow": r[0], "hour": r[1], "offered": r[2], "abandoned": r[3]} for r in peaks]}))

    if "surveys" in present:
        threshold = float(settings["metrics"]["csat_satisfied_min"])
        small = int(settings["metrics"]["small_sample"])
        # Satisfied on any scale: the position on 1-5 at or above the threshold (good/bad: score 1 of 0-1).
        sat = f"""CASE WHEN scale_max - scale_min = 1 THEN score >= scale_max
                       ELSE 1 + (score - scale_min) * 4.0 / (scale_max - scale_min) >= {threshold} END"""
        rows = con.execute(f"""
            SELECT team, count(*) n, avg(({sat})::INT) csat,
                   count(DISTINCT customer_id) FILTER (WHERE NOT ({sat})) unhappy,
                   count(*) FILTER (WHERE NOT ({sat})) unhappy_responses
            FROM surveys WHERE kind = 'csat' AND score IS NOT NULL AND team IS NOT NULL GROUP BY team""").fetchall()
        overall = _one(con, f"SELECT avg(({sat})::INT), count(*) FROM surveys WHERE kind = 'csat' AND score IS NOT NULL")
        if rows and overall and overall[0] is not None:
            low = [r for r in rows if r[1] >= small and r[2] is not None and r[2] < overall[0] - 0.05]
            if low:
                customers = sum(r[3] for r in low)
                out.append(Finding(
                    "low_csat_teams", {"en": "Teams with low satisfaction", "ru": "Команды с низкой удовлетворённостью"},
                    [_say("Overall CSAT is {csat} of {n} ratings.", "Общий CSAT — {csat} по {n} оценкам.",
                          csat=_N(overall[0], "pct"), n=_N(overall[1]))]
                    + [_say("{team}: {csat} of {n} ratings.", "{team}: {csat} по {n} оценкам.",
                            team=str(r[0]), csat=_N(r[2], "pct"), n=_N(r[1])) for r in sorted(low, key=lambda r: r[2])],
                    {"en": "Read the low-rated comments of these teams, coach on the recurring themes, and check whether "
                           "they get the hardest topics.",
                     "ru": "Прочитайте комментарии с низкими оценками этих команд, проведите обучение по повторяющимся "
                           "темам и проверьте, не достаются ли им самые сложные вопросы."},
                    int(customers), int(sum(r[4] for r in low)), None,
                    {"overall_csat": overall[0], "teams": {r[0]: {"csat": r[2], "n": r[1]} for r in low}}))
    return out
