"""Audit findings: the service failures in the data, each with its evidence, a recommendation
and the money at stake, so a consultant can rank them.

Money at stake for a finding = customers it touched in a year × the excess churn rate after a
negative support experience × monthly revenue per customer × 12. The excess churn rate and the
revenue come from the customer's own data when it has customers with churn (metrics/churn.py),
otherwise from the benchmark defaults of the churn-cost calculator (each with its source). When
tickets carry no customer id, customers touched = tickets touched (an upper bound; said so in
the evidence). Findings overlap (one customer can be in several), so their sum is not a total.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from metrics.calls import wait_sql


@dataclass
class Finding:
    id: str
    title: dict[str, str]
    evidence: list[dict[str, str]]  # one dict per language line: {"en": ..., "ru": ...}
    recommendation: dict[str, str]
    customers_affected: int
    money_at_stake: float
    figures: dict = field(default_factory=dict)  # the numbers the evidence cites (tests check them)

    def to_dict(self) -> dict:
        return asdict(self)


_ABANDON_LIKE = "lower(outcome) IN ('abandoned', 'missed')"
_INBOUND = "coalesce(lower(direction), 'inbound') = 'inbound'"
# Timestamps are stored in UTC; peak hours are read on the phone system's clock (the zone it was loaded in).
_LOCAL_QUEUED = "timezone(coalesce(nullif(source_tz, ''), 'UTC'), timezone('UTC', queued_at))"
_WAIT = wait_sql("")
_SLA_TARGETS = ("first_reply", "next_reply", "resolution")


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}


def _one(con, sql, params=None):
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _span_days(con, table: str, column: str) -> float:
    lo, hi = _one(con, f"SELECT min({column}), max({column}) FROM {table}")
    if lo is None or hi is None:
        return 365.0
    return max((hi - lo).total_seconds() / 86400.0, 1.0)


def _pct(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def run(con, excess_rate: float, monthly_revenue: float, settings: dict | None = None) -> list[Finding]:
    """Every finding the data supports, ranked by money at stake (largest first)."""
    import config

    settings = settings or config.get()
    present = _tables(con)
    out: list[Finding] = []
    value = lambda customers, years: customers / years * excess_rate * monthly_revenue * 12

    if "ticket_metrics" in present and _one(con, "SELECT count(*) FROM ticket_metrics")[0]:
        years = _span_days(con, "ticket_metrics", "created_at") / 365.0
        # 1. SLA breaches
        row = _one(con, """
            SELECT count(*) FILTER (WHERE sla_breached),
                   count(*) FILTER (WHERE sla_first_reply_status IN ('achieved','breached')
                                       OR sla_resolution_status IN ('achieved','breached')
                                       OR sla_first_reply_status = 'active_breach' OR sla_resolution_status = 'active_breach'),
                   count(DISTINCT coalesce(customer_id, source || ':' || source_id)) FILTER (WHERE sla_breached),
                   count(*) FILTER (WHERE sla_breached AND customer_id IS NULL)
            FROM ticket_metrics""")
        breached, with_target, customers, no_customer = row
        per_target = _one(con, "SELECT " + " + ".join(f"count(*) FILTER (WHERE sla_{t}_status = 'breached')" for t in _SLA_TARGETS)
                          + ", " + " + ".join(f"count(*) FILTER (WHERE sla_{t}_status IN ('achieved', 'breached'))"
                                              for t in _SLA_TARGETS) + " FROM ticket_metrics")
        target_rate = per_target[0] / per_target[1] if per_target and per_target[1] else None
        if breached:
            worst = _one(con, """
                SELECT team, count(*) FILTER (WHERE sla_breached) b, count(*) n,
                       count(*) FILTER (WHERE sla_breached)::DOUBLE / count(*) r
                FROM ticket_metrics WHERE team IS NOT NULL GROUP BY team HAVING count(*) >= 20 ORDER BY r DESC LIMIT 1""")
            ev = [{"en": f"{breached:,} of {with_target:,} tickets with an SLA target breached it ({_pct(breached / with_target if with_target else None)}).",
                   "ru": f"{breached:,} из {with_target:,} обращений с целевым сроком нарушили SLA ({_pct(breached / with_target if with_target else None)})."},
                  {"en": f"SLA breach rate {_pct(target_rate)}: {per_target[0]:,} of {per_target[1]:,} completed targets (first reply, next reply, resolution) were breached.",
                   "ru": f"Доля нарушений SLA {_pct(target_rate)}: нарушено {per_target[0]:,} из {per_target[1]:,} завершённых целей (первый ответ, следующий ответ, решение)."},
                  {"en": f"{customers:,} customers had at least one breached ticket.",
                   "ru": f"У {customers:,} клиентов было хотя бы одно обращение с нарушением SLA."}]
            if worst:
                ev.append({"en": f"Worst team: {worst[0]} with {_pct(worst[3])} of its {worst[2]:,} tickets breached.",
                           "ru": f"Хуже всего у команды {worst[0]}: нарушено {_pct(worst[3])} из {worst[2]:,} обращений."})
            if no_customer:
                ev.append({"en": f"{no_customer:,} breached tickets have no customer id and count as one customer each.",
                           "ru": f"{no_customer:,} обращений с нарушением без id клиента считаются отдельными клиентами."})
            out.append(Finding(
                "sla_breaches", {"en": "SLA breaches drive churn", "ru": "Нарушения SLA ведут к оттоку"}, ev,
                {"en": "Staff the queues and hours where breaches concentrate, add breach-risk alerts before the due time, and review the worst team's routing.",
                 "ru": "Усильте смены и очереди, где копятся нарушения, настройте предупреждения до истечения срока и проверьте маршрутизацию худшей команды."},
                customers, value(customers, years),
                {"breached": breached, "with_target": with_target, "customers": customers,
                 "breach_rate": breached / with_target if with_target else None, "target_breach_rate": target_rate,
                 "targets_breached": per_target[0], "targets_completed": per_target[1], "worst_team": worst[0] if worst else None}))
        # 2. Slow replies to tickets created outside business hours
        limit = float(settings["churn"]["negative"].get("slow_first_reply_hours", 12)) * 60
        row = _one(con, """
            SELECT quantile_cont(first_reply_calendar_minutes, 0.5) FILTER (WHERE NOT created_in_business_hours),
                   quantile_cont(first_reply_calendar_minutes, 0.5) FILTER (WHERE created_in_business_hours),
                   count(*) FILTER (WHERE NOT created_in_business_hours AND first_reply_calendar_minutes > ?),
                   count(*) FILTER (WHERE NOT created_in_business_hours AND first_reply_calendar_minutes IS NOT NULL),
                   count(DISTINCT coalesce(customer_id, source || ':' || source_id))
                       FILTER (WHERE NOT created_in_business_hours AND first_reply_calendar_minutes > ?)
            FROM ticket_metrics""", [limit, limit])
        off_median, in_median, slow, off_total, customers = row
        if slow and off_median is not None:
            out.append(Finding(
                "slow_off_hours", {"en": "Slow first replies outside business hours", "ru": "Медленные первые ответы вне рабочего времени"},
                [{"en": f"Median first reply is {off_median / 60:.1f} h for tickets created outside business hours vs {(in_median or 0) / 60:.1f} h inside.",
                  "ru": f"Медиана первого ответа — {off_median / 60:.1f} ч для обращений вне рабочего времени против {(in_median or 0) / 60:.1f} ч в рабочее время."},
                 {"en": f"{slow:,} of {off_total:,} off-hours tickets waited more than {limit / 60:.0f} h (a reply later than 12 h raises negative reviews by 87%, Zendesk CX Trends 2024).",
                  "ru": f"{slow:,} из {off_total:,} обращений вне рабочего времени ждали дольше {limit / 60:.0f} ч (ответ позже 12 ч повышает число негативных отзывов на 87%, Zendesk CX Trends 2024)."}],
                {"en": "Cover evenings and weekends with a rota, an auto-acknowledgement with a realistic reply time, or a follow-the-sun team for urgent tickets.",
                 "ru": "Закройте вечера и выходные дежурствами, автоответом с реальным сроком ответа или распределённой командой для срочных обращений."},
                customers, value(customers, years),
                {"off_hours_median_minutes": off_median, "in_hours_median_minutes": in_median, "slow": slow,
                 "off_hours_replied": off_total, "customers": customers}))
        # 5. Repeat contacts
        row = _one(con, """SELECT count(*) FILTER (WHERE repeat_contact), count(*),
                                  count(DISTINCT customer_id) FILTER (WHERE repeat_contact) FROM ticket_metrics""")
        repeats, total, customers = row
        if repeats:
            days = settings["metrics"]["repeat_contact_days"]
            out.append(Finding(
                "repeat_contacts", {"en": "Customers have to contact support again", "ru": "Клиентам приходится обращаться повторно"},
                [{"en": f"{repeats:,} of {total:,} tickets ({_pct(repeats / total)}) came from a customer who had contacted support in the previous {days} days about the same topic.",
                  "ru": f"{repeats:,} из {total:,} обращений ({_pct(repeats / total)}) — повторные: клиент уже обращался по той же теме за {days} дн."},
                 {"en": f"{customers:,} customers were affected.", "ru": f"Затронуто клиентов: {customers:,}."}],
                {"en": "Review the top repeat topics for missing answers in the knowledge base and for tickets solved before the problem was fixed.",
                 "ru": "Разберите частые темы повторных обращений: нет ли пробелов в базе знаний и не закрываются ли обращения до решения проблемы."},
                customers, value(customers, years), {"repeats": repeats, "tickets": total, "customers": customers}))

    if "calls" in present and _one(con, "SELECT count(*) FROM calls")[0]:
        years = _span_days(con, "calls", "queued_at") / 365.0
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
            days = {1: ("Mon", "Пн"), 2: ("Tue", "Вт"), 3: ("Wed", "Ср"), 4: ("Thu", "Чт"), 5: ("Fri", "Пт"), 6: ("Sat", "Сб"), 7: ("Sun", "Вс")}
            peak_en = ", ".join(f"{days[r[0]][0]} {r[1]:02d}:00 ({_pct(r[3] / r[2])} of {r[2]:,})" for r in peaks)
            peak_ru = ", ".join(f"{days[r[0]][1]} {r[1]:02d}:00 ({_pct(r[3] / r[2])} из {r[2]:,})" for r in peaks)
            customers = _one(con, f"""SELECT count(DISTINCT coalesce(customer_id, caller, source_id)) FROM calls
                                      WHERE {_INBOUND} AND {_ABANDON_LIKE}
                                        AND NOT coalesce({_WAIT} < ?, false)""", [short])[0]
            out.append(Finding(
                "abandonment_peaks", {"en": "Callers hang up at peak hours", "ru": "Звонящие бросают трубку в часы пик"},
                [{"en": f"{abandoned:,} of {offered:,} offered calls were abandoned ({_pct(overall)}; short abandons under {short:.0f} s excluded).",
                  "ru": f"{abandoned:,} из {offered:,} звонков брошены ({_pct(overall)}; короткие до {short:.0f} с не учтены)."},
                 {"en": f"Worst hours (local to the phone system): {peak_en}.", "ru": f"Худшие часы (время АТС): {peak_ru}."}],
                {"en": "Shift staff to the peak hours, offer call-back instead of queueing, and publish wait times on the IVR.",
                 "ru": "Перенесите смены на часы пик, предложите обратный звонок вместо ожидания и сообщайте время ожидания в IVR."},
                customers, value(customers, years),
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
                   count(DISTINCT customer_id) FILTER (WHERE NOT ({sat})) unhappy
            FROM surveys WHERE kind = 'csat' AND score IS NOT NULL AND team IS NOT NULL GROUP BY team""").fetchall()
        overall = _one(con, f"SELECT avg(({sat})::INT), count(*) FROM surveys WHERE kind = 'csat' AND score IS NOT NULL")
        if rows and overall and overall[0] is not None:
            low = [r for r in rows if r[1] >= small and r[2] is not None and r[2] < overall[0] - 0.05]
            if low:
                years = _span_days(con, "surveys", "responded_at") / 365.0
                customers = sum(r[3] for r in low)
                out.append(Finding(
                    "low_csat_teams", {"en": "Teams with low satisfaction", "ru": "Команды с низкой удовлетворённостью"},
                    [{"en": f"Overall CSAT is {_pct(overall[0])} of {overall[1]:,} ratings.",
                      "ru": f"Общий CSAT — {_pct(overall[0])} по {overall[1]:,} оценкам."}]
                    + [{"en": f"{r[0]}: {_pct(r[2])} of {r[1]:,} ratings.", "ru": f"{r[0]}: {_pct(r[2])} по {r[1]:,} оценкам."} for r in sorted(low, key=lambda r: r[2])],
                    {"en": "Read the low-rated comments of these teams, coach on the recurring themes, and check whether they get the hardest topics.",
                     "ru": "Прочитайте комментарии с низкими оценками этих команд, проведите обучение по повторяющимся темам и проверьте, не достаются ли им самые сложные вопросы."},
                    customers, value(customers, years),
                    {"overall_csat": overall[0], "teams": {r[0]: {"csat": r[2], "n": r[1]} for r in low}}))
    for f in out:
        for line in f.evidence:
            line["ru"] = _ru_numbers(line["ru"])
    return sorted(out, key=lambda f: f.money_at_stake, reverse=True)


def _ru_numbers(text: str) -> str:
    """Russian number style in the Russian evidence: 1 234 (thin space) and 12,5 (decimal comma)."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "\u00a0", text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "\u00a0", text)  # 1,234,567 needs two passes
    return re.sub(r"(?<=\d)\.(?=\d)", ",", text)
