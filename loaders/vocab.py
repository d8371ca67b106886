"""Column-name synonyms (for suggesting a mapping) and value vocabularies (for normalising
statuses, priorities, channels, outcomes). Data, not code: add a word here, not a branch.

Header matching is done on a normalised form: lower case, ``ё``→``е``, every run of characters
other than letters and digits collapsed to one space.
"""
from __future__ import annotations

import re

# canonical table -> canonical column -> header names seen in exports (English and Russian).
SYNONYMS: dict[str, dict[str, list[str]]] = {
    "tickets": {
        "source_id": ["id", "ticket id", "ticket", "ticket number", "number", "incident", "incident id", "case id",
                      "case number", "issue id", "issue key", "key", "request id", "sr number", "unique key",
                      "номер", "номер заявки", "номер обращения", "id заявки", "id обращения", "заявка", "обращение", "№"],
        "created_at": ["created", "created at", "created time", "created date", "creation date", "date created",
                       "opened", "opened at", "open date", "submitted", "submitted at", "date", "created on",
                       "дата создания", "создано", "создана", "дата открытия", "дата обращения", "дата регистрации", "создан"],
        "updated_at": ["updated", "updated at", "last update time", "last updated", "sys updated at",
                       "дата изменения", "обновлено", "изменено"],
        "first_response_at": ["first response", "first response at", "first reply at", "first responded at",
                              "initial response time", "первый ответ", "дата первого ответа", "время первого ответа"],
        "solved_at": ["solved", "solved at", "resolved", "resolved at", "resolved time", "resolution date",
                      "resolution time stamp", "дата решения", "решено", "решена", "дата выполнения", "выполнено"],
        "closed_at": ["closed", "closed at", "closed time", "closed date", "close date", "date closed",
                      "дата закрытия", "закрыто", "закрыта"],
        "due_at": ["due", "due at", "due date", "due by", "due by time", "sla due", "срок", "срок исполнения", "крайний срок"],
        "status": ["status", "state", "ticket status", "incident state", "статус", "состояние"],
        "priority": ["priority", "urgency", "severity", "приоритет", "срочность", "важность"],
        "channel": ["channel", "via", "source", "contact type", "origin", "medium", "канал", "источник", "способ обращения"],
        "team": ["group", "team", "assignment group", "queue", "department", "agency", "группа", "команда", "отдел",
                 "очередь", "подразделение"],
        "agent": ["assignee", "agent", "assigned to", "owner", "responsible", "исполнитель", "ответственный", "агент",
                  "оператор", "сотрудник", "специалист"],
        "requester": ["requester", "requester email", "caller", "caller id", "reporter", "contact", "customer email",
                      "customer name", "requester name", "contact name", "заявитель", "автор", "инициатор", "контакт",
                      "email клиента", "имя клиента", "фио клиента"],
        "customer_id": ["customer id", "account id", "organization", "organisation", "company", "account", "customer",
                        "client", "клиент", "id клиента", "организация", "компания", "контрагент"],
        "category": ["category", "type", "ticket type", "issue type", "topic", "complaint type", "subcategory",
                     "категория", "тип", "тематика", "тип обращения", "вид"],
        "tags": ["tags", "labels", "теги", "метки"],
        "subject": ["subject", "summary", "title", "short description", "descriptor", "тема", "тема письма", "заголовок",
                    "краткое описание"],
        "description": ["description", "details", "body", "first message", "message", "problem description",
                        "описание", "текст", "текст обращения", "суть обращения", "описание проблемы", "сообщение"],
        "reopens": ["reopens", "reopen count", "reopened", "переоткрытия", "количество переоткрытий"],
        "replies": ["replies", "agent replies", "agent interactions", "ответов", "количество ответов"],
        "satisfaction": ["satisfaction", "satisfaction score", "satisfaction rating", "customer satisfaction",
                         "customer satisfaction rating", "customer satisfaction score", "csat", "csat score",
                         "csat rating", "survey results", "survey result", "rating", "оценка", "оценка клиента",
                         "оценка качества", "оценка обслуживания", "удовлетворенность"],
        "sla_policy": ["sla", "sla policy", "sla policy name", "политика sla"],
    },
    "calls": {
        "source_id": ["id", "call id", "call sid", "sid", "uniqueid", "unique id", "id звонка", "номер звонка"],
        "queued_at": ["start", "start time", "started at", "date", "datetime", "call start", "call time", "time",
                      "date created", "начало", "время звонка", "дата звонка", "дата и время", "начало звонка"],
        "answered_at": ["answer", "answered at", "answer time", "ответ", "время ответа"],
        "ended_at": ["end", "end time", "ended at", "hangup time", "конец", "окончание", "время окончания"],
        "wait_seconds": ["wait", "wait time", "waiting time", "speed of answer", "speed of answer in seconds",
                         "queue time", "ring time", "hold before answer", "ожидание", "время ожидания"],
        "talk_seconds": ["talk", "talk time", "talk duration", "billsec", "duration", "call duration",
                         "avg talk duration", "разговор", "длительность", "длительность разговора"],
        "hold_seconds": ["hold", "hold time", "удержание"],
        "wrap_seconds": ["wrap", "wrap up", "wrap-up time", "after call work", "acw", "постобработка"],
        "direction": ["direction", "call direction", "направление"],
        "outcome": ["outcome", "status", "disposition", "result", "answered", "answered y n", "результат", "статус"],
        "queue": ["queue", "line", "number", "dst", "очередь", "линия"],
        "agent": ["agent", "user", "operator", "answered by", "агент", "оператор", "сотрудник"],
        "team": ["team", "group", "команда", "группа"],
        "customer_id": ["customer id", "account id", "customer", "клиент", "id клиента"],
        "caller": ["caller", "from", "src", "caller number", "phone", "номер", "звонящий", "телефон"],
        "resolved": ["resolved", "resolved y n", "решено", "вопрос решен"],
        "satisfaction": ["satisfaction", "satisfaction rating", "csat", "оценка"],
    },
    "surveys": {
        "source_id": ["id", "response id", "respondent id", "#", "survey id", "respondent", "id ответа", "респондент"],
        "responded_at": ["date", "submitted at", "submit date utc", "submit date", "responded at", "response date",
                         "created at", "end date", "date submitted", "time", "дата", "дата ответа", "дата оценки"],
        "score": ["score", "rating", "csat", "nps", "ces", "satisfaction", "answer", "оценка", "балл", "рейтинг"],
        "ticket_id": ["ticket id", "ticket", "ticket number", "номер заявки", "заявка", "обращение"],
        "customer_id": ["customer id", "account id", "customer", "account", "client", "клиент", "id клиента"],
        "agent": ["agent", "assignee", "агент", "оператор", "исполнитель"],
        "team": ["team", "group", "команда", "группа"],
        "channel": ["channel", "канал"],
        "comment": ["comment", "comments", "feedback", "verbatim", "reason", "why", "комментарий", "отзыв", "почему"],
        "kind": ["survey type", "kind", "metric", "тип опроса"],
        "segment": ["segment", "brand", "airline", "region", "wave", "country", "market", "branch", "store",
                    "customer segment", "client segment", "сегмент", "бренд", "регион", "волна", "страна", "филиал",
                    "магазин", "сегмент клиента"],
    },
    "customers": {
        "source_id": ["id", "customer id", "account id", "client id", "customerid", "id клиента", "клиент id", "номер клиента"],
        "name": ["name", "customer", "customer name", "account name", "company", "client", "название", "клиент", "наименование", "компания"],
        "segment": ["segment", "tier", "customer segment", "сегмент"],
        "plan": ["plan", "product", "subscription", "contract", "offer", "тариф", "план", "продукт"],
        "started_at": ["start date", "customer since", "created", "signup date", "joined", "start", "дата начала",
                       "клиент с", "дата подключения", "дата регистрации"],
        "churned_at": ["churn date", "churned at", "cancel date", "cancellation date", "end date", "дата ухода", "дата оттока",
                       "дата отключения", "дата расторжения"],
        "churned": ["churned", "churn", "status", "customer status", "exited", "churn label", "active", "ушел", "отток", "статус"],
        "churn_category": ["churn category", "category", "категория оттока", "категория ухода"],
        "churn_reason": ["churn reason", "reason", "cancellation reason", "причина ухода", "причина оттока", "причина"],
        "monthly_revenue": ["monthly revenue", "mrr", "monthly charge", "monthly charges", "monthly fee", "arpu",
                            "ежемесячный доход", "выручка в месяц", "абонентская плата", "mrr руб"],
        "total_revenue": ["total revenue", "total charges", "ltv", "lifetime revenue", "общая выручка", "выручка всего"],
        "currency": ["currency", "валюта"],
        # A churn list's tenure (months; the crm_customers reader also takes days and years) and the
        # support history it carries (docs/churn.md, "Support columns inside the list").
        "tenure_months": ["tenure", "tenure in months", "tenure months", "months on book", "стаж", "стаж, мес",
                          "срок обслуживания"],
        "support_contacts": ["customer service calls", "support calls", "support contacts", "number of support tickets",
                             "support tickets", "contacts count 12 mon", "обращений в поддержку", "число обращений"],
        "complained": ["complain", "complaint", "complained", "жалоба"],
        "satisfaction_score": ["satisfaction score", "satisfaction", "csat", "оценка клиента", "удовлетворенность"],
    },
    "ticket_events": {
        "ticket_id": ["ticket id", "ticket", "case id", "case", "incident", "number", "sr number", "id", "номер заявки", "заявка"],
        "event_at": ["timestamp", "time", "date", "event time", "change date time", "updated at", "sys updated at",
                     "дата", "время", "дата события"],
        "value": ["activity", "status", "event", "state", "действие", "статус", "событие"],
        "actor": ["resource", "user", "actor", "agent", "author", "updated by", "исполнитель", "пользователь"],
        "event_type": ["event type", "type", "тип события"],
    },
}

# canonical column -> {normalised source value -> canonical value}. Unknown values are kept,
# lower-cased, so nothing is lost.
VALUES: dict[str, dict[str, str]] = {
    "status": {
        "new": "new", "open": "open", "opened": "open", "in progress": "open", "active": "open", "assigned": "open",
        "awaiting": "pending", "pending": "pending", "waiting on customer": "pending", "waiting for customer": "pending",
        "awaiting user info": "pending", "hold": "on_hold", "on hold": "on_hold", "on-hold": "on_hold",
        "solved": "solved", "resolved": "solved", "done": "solved", "completed": "solved", "fixed": "solved",
        "closed": "closed", "cancelled": "closed", "canceled": "closed",
        "новая": "new", "новый": "new", "открыта": "open", "открыт": "open", "в работе": "open",
        "ожидание": "pending", "ожидает ответа": "pending", "приостановлена": "on_hold",
        "решена": "solved", "решен": "solved", "решено": "solved", "выполнена": "solved",
        "закрыта": "closed", "закрыт": "closed", "закрыто": "closed",
    },
    "priority": {
        "urgent": "urgent", "critical": "urgent", "1 critical": "urgent", "p1": "urgent", "highest": "urgent", "blocker": "urgent",
        "high": "high", "2 high": "high", "p2": "high", "major": "high",
        "normal": "normal", "medium": "normal", "3 moderate": "normal", "moderate": "normal", "p3": "normal",
        "low": "low", "4 low": "low", "p4": "low", "lowest": "low", "minor": "low", "trivial": "low", "5 planning": "low",
        "срочный": "urgent", "критический": "urgent", "высокий": "high", "средний": "normal", "обычный": "normal",
        "нормальный": "normal", "низкий": "low",
    },
    "channel": {
        "mail": "email", "email": "email", "e mail": "email", "web form": "web", "web": "web", "portal": "web",
        "self service": "web", "chat": "chat", "live chat": "chat", "messaging": "chat", "voice": "phone",
        "phone": "phone", "call": "phone", "api": "api", "twitter": "social", "facebook": "social", "social": "social",
        "почта": "email", "телефон": "phone", "чат": "chat", "сайт": "web", "портал": "web",
    },
    "outcome": {
        "answered": "answered", "completed": "answered", "yes": "answered", "y": "answered", "true": "answered",
        "1": "answered", "да": "answered", "отвечен": "answered",
        "abandoned": "abandoned", "no answer": "abandoned", "no": "abandoned", "n": "abandoned", "false": "abandoned",
        "0": "abandoned", "нет": "abandoned", "пропущен": "missed", "брошен": "abandoned",
        "missed": "missed", "no-answer": "abandoned", "canceled": "abandoned", "cancelled": "abandoned",
        "voicemail": "voicemail", "busy": "busy", "failed": "failed", "congestion": "failed",
    },
    "direction": {
        "inbound": "inbound", "in": "inbound", "incoming": "inbound", "входящий": "inbound",
        "outbound": "outbound", "out": "outbound", "outgoing": "outbound", "outbound api": "outbound",
        "outbound dial": "outbound", "исходящий": "outbound", "internal": "internal",
    },
    "kind": {"csat": "csat", "nps": "nps", "ces": "ces"},
}

# The entity a table's rows are: exports prefix (English) or suffix (Russian genitive) column names
# with it, "Ticket Priority", "Customer Email", "Call Duration", "Приоритет обращения", "Номер
# заявки". Such a header is read as the column it names ("Ticket Priority" -> priority) when its
# full name matches no synonym.
ENTITY_PREFIXES: dict[str, list[str]] = {
    "tickets": ["support ticket", "service request", "ticket", "case", "issue", "incident", "request"],
    "calls": ["call", "phone call"],
    "surveys": ["survey", "response", "respondent"],
    "customers": ["customer", "client", "account"],
    "ticket_events": ["event", "activity"],
}
ENTITY_SUFFIXES: dict[str, list[str]] = {
    "tickets": ["заявки", "обращения", "тикета", "инцидента", "запроса"],
    "calls": ["звонка", "вызова"],
    "surveys": ["опроса", "ответа", "респондента", "анкеты"],
    "customers": ["клиента", "абонента"],
    "ticket_events": ["события"],
}

_NON_WORD = re.compile(r"[^0-9a-zа-я#№]+")


def normalise_header(name: str) -> str:
    return _NON_WORD.sub(" ", name.lower().replace("ё", "е")).strip()


def normalise_value(value: str) -> str:
    return _NON_WORD.sub(" ", value.lower().replace("ё", "е")).strip()


def strip_entity(normalised: str, table: str) -> str | None:
    """A normalised header without its table's entity word ("ticket priority" -> "priority",
    "приоритет обращения" -> "приоритет"); None when it carries none (or nothing else)."""
    for word in ENTITY_PREFIXES.get(table, []):
        if normalised.startswith(word + " ") and len(normalised) > len(word) + 1:
            return normalised[len(word) + 1:]
    for word in ENTITY_SUFFIXES.get(table, []):
        if normalised.endswith(" " + word) and len(normalised) > len(word) + 1:
            return normalised[: -len(word) - 1]
    return None
