"""Data-quality checks on what was loaded: the Data page and the audit show them.

Each check counts the rows with a problem and says why it matters; nothing is fixed silently
(a negative duration is flagged and left out of averages by the metrics, not "corrected").
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Check:
    id: str
    table: str
    title: str
    problem_rows: int
    total_rows: int
    severity: str  # info | warning | error
    detail: str = ""

    @property
    def share(self) -> float | None:
        return self.problem_rows / self.total_rows if self.total_rows else None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["share"] = self.share
        return d


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}


def _count(con, sql: str, params: list | None = None) -> int:
    return int(con.execute(sql, params or []).fetchall()[0][0] or 0)


# (id, table, title, problem predicate, severity, why it matters)
_ROW_CHECKS = [
    ("ticket_no_status", "tickets", "Tickets without a status", "status IS NULL", "warning",
     "open/solved cannot be told: backlog and resolution use the timestamps only"),
    ("solved_without_time", "tickets", "Solved/closed tickets without a solved or closed time",
     "status IN ('solved', 'closed') AND solved_at IS NULL AND closed_at IS NULL", "warning",
     "left out of resolution times"),
    ("reply_before_creation", "tickets", "First reply before creation (negative duration)",
     "first_response_at < created_at", "error", "left out of first-reply times; usually a time-zone mix-up"),
    ("solved_before_creation", "tickets", "Solved or closed before creation (negative duration)",
     "coalesce(solved_at, closed_at) < created_at", "error", "left out of resolution times"),
    ("future_tickets", "tickets", "Tickets created in the future", "created_at > now()::TIMESTAMP + INTERVAL 1 DAY", "error",
     "a wrong time zone or date order"),
    ("no_customer", "tickets", "Tickets without a customer id", "customer_id IS NULL", "info",
     "cannot be linked to churn or repeat contacts"),
    ("calls_negative_wait", "calls", "Calls with a negative wait or talk time", "wait_seconds < 0 OR talk_seconds < 0", "error",
     "left out of ASA and AHT"),
    ("calls_answer_before_queue", "calls", "Calls answered before they were queued", "answered_at < queued_at", "error",
     "timestamps from two clocks or zones"),
    ("surveys_out_of_scale", "surveys", "Survey scores outside their scale",
     "score < scale_min OR score > scale_max", "error", "left out of CSAT/NPS/CES"),
    ("surveys_no_score", "surveys", "Survey responses without a score", "score IS NULL", "info", "not counted as rated"),
    ("customers_no_revenue", "customers", "Customers without revenue", "monthly_revenue IS NULL AND total_revenue IS NULL", "info",
     "money figures use the average revenue instead"),
    ("churn_before_start", "customers", "Churn date before the start date", "churned_at < started_at", "error",
     "tenure is negative; check the date order"),
]


# Russian title and "why it matters" of each check (the audit report in Russian).
RU = {
    "ticket_no_status": ("Обращения без статуса", "нельзя отличить открытые от решённых: бэклог и время решения считаются только по датам"),
    "solved_without_time": ("Решённые/закрытые обращения без времени решения или закрытия", "не входят во время решения"),
    "reply_before_creation": ("Первый ответ раньше создания (отрицательная длительность)",
                              "не входят во время первого ответа; обычно путаница часовых поясов"),
    "solved_before_creation": ("Решено или закрыто раньше создания (отрицательная длительность)", "не входят во время решения"),
    "future_tickets": ("Обращения, созданные в будущем", "неверный часовой пояс или порядок дня и месяца"),
    "no_customer": ("Обращения без идентификатора клиента", "нельзя связать с оттоком и повторными обращениями"),
    "calls_negative_wait": ("Звонки с отрицательным ожиданием или разговором", "не входят в ASA и AHT"),
    "calls_answer_before_queue": ("Звонки, отвеченные раньше постановки в очередь", "время от двух разных часов или поясов"),
    "surveys_out_of_scale": ("Оценки вне шкалы опроса", "не входят в CSAT/NPS/CES"),
    "surveys_no_score": ("Ответы на опросы без оценки", "не считаются оценками"),
    "customers_no_revenue": ("Клиенты без выручки", "в денежных расчётах вместо неё средняя выручка"),
    "churn_before_start": ("Дата ухода раньше даты начала", "стаж отрицательный; проверьте порядок дня и месяца"),
    "duplicate_ids": ("Строки с повторяющимся идентификатором в одном файле (сохранена последняя)",
                      "выгрузка с перекрывающимися страницами или слияние двух выгрузок"),
    "rejected_rows": ("Строки, отклонённые как нечитаемые", "см. отклонённые строки и причины"),
    "assumed_time_zone": ("Файлы, часовой пояс которых предположен, а не указан", ""),
    "duplicate_tickets": ("Вероятные дубли обращений (тот же автор, тема и минута)", "двойные отправки завышают объём"),
}


def run(con) -> list[Check]:
    """Every check that applies to the tables present."""
    present = _tables(con)
    out: list[Check] = []
    for cid, table, title, predicate, severity, why in _ROW_CHECKS:
        if table not in present:
            continue
        total = _count(con, f"SELECT count(*) FROM {table}")
        if not total:
            continue
        bad = _count(con, f"SELECT count(*) FROM {table} WHERE {predicate}")
        out.append(Check(cid, table, title, bad, total, severity if bad else "info", why))
    if "rejects" in present:
        dupes = _count(con, "SELECT count(*) FROM rejects WHERE reason LIKE 'duplicate id%'")
        total = _count(con, "SELECT coalesce(sum(rows_in), 0) FROM loads WHERE coalesce(status, 'loaded') = 'loaded'")
        out.append(Check("duplicate_ids", "rejects", "Rows repeating an id within one file (the later row kept)", dupes, total,
                         "warning" if dupes else "info", "an export with overlapping pages or a merge of two exports"))
        rejected = _count(con, "SELECT count(*) FROM rejects WHERE reason NOT LIKE 'duplicate id%'")
        out.append(Check("rejected_rows", "rejects", "Rows rejected as unreadable", rejected, total,
                         "warning" if rejected else "info", "see the rejected rows and their reasons"))
    if "loads" in present:
        assumed = con.execute(
            "SELECT file_name, source_tz FROM loads WHERE coalesce(status, 'loaded') = 'loaded' "
            "AND (warnings ILIKE '%assum%' OR warnings ILIKE '%time zone%') ORDER BY load_id").fetchall()
        n_loads = _count(con, "SELECT count(*) FROM loads WHERE coalesce(status, 'loaded') = 'loaded'")
        out.append(Check("assumed_time_zone", "loads", "Files whose time zone was assumed, not given", len(assumed), n_loads,
                         "warning" if assumed else "info",
                         "; ".join(f"{f} read as {tz}" for f, tz in assumed[:10]) or "every zone was given or in the data"))
    if "tickets" in present:
        dup_content = _count(con, """
            SELECT coalesce(sum(n - 1), 0) FROM (
              SELECT count(*) n FROM tickets WHERE subject IS NOT NULL AND requester IS NOT NULL
              GROUP BY source, requester, subject, date_trunc('minute', created_at) HAVING count(*) > 1)""")
        total = _count(con, "SELECT count(*) FROM tickets")
        if total:
            out.append(Check("duplicate_tickets", "tickets", "Likely duplicate tickets (same requester, subject and minute)",
                             dup_content, total, "warning" if dup_content else "info", "double submissions inflate volume"))
    return out


def negative_durations(con, limit: int = 1000) -> list[dict]:
    """Every ticket whose reply or solve is stamped before its creation, one row each (first
    ``limit``): these durations are left out of the metrics (metrics/derive.py), never counted as 0."""
    if "tickets" not in _tables(con):
        return []
    rows = con.execute("""
        SELECT source, source_id, created_at, first_response_at, coalesce(solved_at, closed_at) AS solved_at,
               CASE WHEN first_response_at < created_at AND coalesce(solved_at, closed_at) < created_at THEN 'reply, solve'
                    WHEN first_response_at < created_at THEN 'reply' ELSE 'solve' END AS before_creation,
               load_id
        FROM tickets
        WHERE first_response_at < created_at OR coalesce(solved_at, closed_at) < created_at
        ORDER BY created_at, source, source_id LIMIT ?""", [int(limit)]).fetchall()
    names = ("source", "source_id", "created_at", "first_response_at", "solved_at", "before_creation", "load_id")
    return [dict(zip(names, r)) for r in rows]


def reconciliation(con) -> list[dict]:
    """Our per-ticket metrics against the vendor's precomputed values (empty when none)."""
    try:
        from metrics import derive

        return derive.vendor_reconciliation(con)
    except Exception:
        return []
