"""Column maps and value vocabularies for the call, survey and customer adapters: data, not code.

Header names are matched on their *squashed* form (lower case, everything but letters, digits
and ``#`` removed), so ``StartTime``, ``start_time`` and ``Start Time`` are one name. Each list is
in priority order: the first header present wins. Sources of the vendor names:

* Asterisk: ``cdr/cdr_csv.c`` (``build_csv_record``: the stock Master.csv order) and the
  ``[mappings]`` sample of ``configs/samples/cdr_custom.conf.sample``.
* Twilio: the Call resource (2010-04-01 API: Sid, ParentCallSid, DateCreated, ..., CallerName)
  and its snake_case JSON twin (sid, parent_call_sid, start_time, ...).
* Aircall: the Call object of the public API (id, direction, status, missed_call_reason,
  started_at, answered_at, ended_at, duration, user, number, tags) and the Analytics+ call
  attributes (Call ID (internal), Call direction, Answered, Unanswered Call Reason).
* SurveyMonkey: ``Respondent ID, Collector ID, Start Date, End Date, IP Address, Email Address,
  First Name, Last Name, Custom Data 1`` then one column per question (two header rows).
* Typeform: ``#`` (response token), the questions, hidden fields, ``Response Type``,
  ``Start Date (UTC)``, ``Stage Date (UTC)``, ``Submit Date (UTC)``, ``Network ID``, ``Tags``.
* Delighted: the survey_response object (id, person, survey_type, score, comment, created_at,
  person_properties) and its CSV export (Response ID, Score, Comment, Response timestamp,
  Person ID, Name, Email, ...; person properties as extra columns).
* Customers: IBM/Maven telco churn (Customer Status, Churn Label, Churn Category, Churn Reason,
  Tenure in Months, Monthly Charge, Total Revenue), IBM telco classic (customerID, tenure,
  MonthlyCharges, TotalCharges, Churn), Kaggle bank churn (CustomerId, Surname, Tenure, Exited).
"""
from __future__ import annotations

# ----------------------------------------------------------------------------- Asterisk
# Positional layouts of headerless CDR files. The first whose start/disposition positions match
# the data is used; files narrower than a layout use its first columns.
ASTERISK_LAYOUTS: dict[str, list[str]] = {
    # cdr_csv (Master.csv in /var/log/asterisk/cdr-csv): uniqueid/userfield only when
    # loguniqueid/loguserfield are on.
    "cdr_csv": ["accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
                "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield"],
    # cdr_custom.conf.sample's Master.csv mapping (clid first, accountcode after amaflags).
    "cdr_custom": ["clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "start", "answer",
                   "end", "duration", "billsec", "disposition", "amaflags", "accountcode", "uniqueid", "userfield",
                   "sequence"],
    # A common trimmed cdr_custom mapping.
    "cdr_custom_short": ["clid", "src", "dst", "start", "answer", "end", "duration", "billsec", "disposition", "uniqueid"],
}
ASTERISK_DISPOSITIONS = {"ANSWERED", "NO ANSWER", "NOANSWER", "BUSY", "FAILED", "CONGESTION"}
# Headered CDR dumps (the cdr database table, CDR viewers): header name -> CDR field.
ASTERISK_HEADER_ALIASES: dict[str, list[str]] = {
    "start": ["start", "calldate", "starttime"],
    "answer": ["answer", "answertime"],
    "end": ["end", "endtime"],
    "duration": ["duration"],
    "billsec": ["billsec"],
    "disposition": ["disposition"],
    "accountcode": ["accountcode"],
    "src": ["src"],
    "dst": ["dst"],
    "dcontext": ["dcontext"],
    "clid": ["clid"],
    "channel": ["channel"],
    "dstchannel": ["dstchannel"],
    "lastapp": ["lastapp"],
    "lastdata": ["lastdata"],
    "uniqueid": ["uniqueid"],
    "sequence": ["sequence"],
}
# Direction from the dialplan context (regular expressions, matched lower-case).
ASTERISK_INBOUND_CONTEXT = r"from-pstn|from-trunk|from-did|from-external|from-sip-external|ext-queues|incoming|inbound|from-queue"
ASTERISK_OUTBOUND_CONTEXT = r"outbound|outgoing|out-|from-internal"

# ----------------------------------------------------------------------------- Twilio
TWILIO_COLUMNS: dict[str, list[str]] = {
    "sid": ["sid", "callsid"],
    "parent": ["parentcallsid"],
    "start": ["starttime", "datecreated"],
    "end": ["endtime"],
    "duration": ["duration"],
    "status": ["status", "callstatus"],
    "direction": ["direction"],
    "from": ["from", "fromformatted", "caller"],
    "to": ["to", "toformatted", "called"],
    "answered_by": ["answeredby"],
    "caller_name": ["callername"],
}
TWILIO_SIGNATURE = {"accountsid", "parentcallsid", "phonenumbersid", "priceunit", "answeredby", "forwardedfrom",
                    "callername", "apiversion", "datecreated", "dateupdated"}
# Twilio status -> outcome; "no-answer" depends on the direction (see twilio.py).
TWILIO_OUTCOMES = {"completed": "answered", "busy": "busy", "failed": "failed", "canceled": "abandoned",
                   "cancelled": "abandoned"}
TWILIO_MACHINE = {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}

# ----------------------------------------------------------------------------- Aircall
AIRCALL_COLUMNS: dict[str, list[str]] = {
    "id": ["id", "callidinternal", "callid", "calluuid", "sid"],
    "start": ["startedat", "datetimeutc", "datetime", "starttime", "date"],
    "answer": ["answeredat"],
    "end": ["endedat", "endtime"],
    "duration": ["duration", "durationtotal", "totalduration"],
    "in_call": ["durationincall", "incallduration", "talktime", "talkingtime"],
    "waiting": ["waitingtime", "timetoanswer", "ringingduration"],
    "direction": ["direction", "calldirection"],
    "status": ["status", "calltype"],
    "answered": ["answered"],
    "reason": ["missedcallreason", "unansweredcallreason", "missedreason"],
    "voicemail": ["voicemail", "voicemailurl"],
    "user": ["user.name", "user", "agent", "assignedtoname"],
    "team": ["team", "teams", "teamname"],
    "line": ["numbername", "number", "line", "linename", "number.name"],
    "caller": ["rawdigits", "externalnumber", "contactnumber", "from"],
    "customer": ["customerid", "contactid", "contact.id", "contactcompanyname"],
    "tags": ["tags"],
}
AIRCALL_REASONS = {
    "short_abandoned": "abandoned",
    "abandoned_in_ivr": "abandoned",
    "abandonned_in_ivr": "abandoned",
    "abandoned_in_classic": "abandoned",
    "abandoned": "abandoned",
    "out_of_opening_hours": "missed",
    "no_available_agent": "missed",
    "agents_did_not_answer": "missed",
}
AIRCALL_STATUSES = {"answered": "answered", "missed": "missed", "voicemail": "voicemail", "abandoned": "abandoned",
                    "refused": "missed", "out of business hours": "missed", "outbound": None}

# ----------------------------------------------------------------------------- call sheets
CALL_SHEET_COLUMNS: dict[str, list[str]] = {
    "id": ["callid", "id", "callnumber", "номерзвонка", "idзвонка"],
    "agent": ["agent", "agentname", "operator", "оператор", "агент", "сотрудник"],
    "datetime": ["datetime", "calltime", "starttime", "датаивремя", "времязвонка"],
    "date": ["date", "calldate", "дата", "датазвонка"],
    "time": ["time", "время"],
    "topic": ["topic", "queue", "subject", "reason", "тема", "очередь", "тематика"],
    "answered": ["answeredyn", "answered", "отвечен", "ответ", "принят"],
    "resolved": ["resolved", "resolvedyn", "решено", "вопросрешен"],
    "wait": ["speedofanswerinseconds", "speedofanswer", "asa", "waittime", "waitseconds", "ожидание", "времяожидания"],
    "talk": ["avgtalkduration", "talkduration", "talktime", "talkseconds", "duration", "длительность", "длительностьразговора"],
    "satisfaction": ["satisfactionrating", "satisfaction", "csat", "rating", "оценка"],
    "customer": ["customerid", "customer", "clientid", "клиент", "idклиента"],
    "caller": ["caller", "phone", "callernumber", "телефон", "номер"],
    "team": ["team", "group", "команда", "группа"],
}

# ----------------------------------------------------------------------------- surveys
# Question kinds, scales and answer labels live in loaders/survey_values.py (the generic loader
# and ticket exports use them too).
SURVEY_COLUMNS: dict[str, list[str]] = {
    "id": ["responseid", "id", "respondentid", "#", "surveyid", "respondent", "respondentno", "respondentnumber",
           "idответа", "idреспондента", "респондент", "номеранкеты", "анкета", "token"],
    "kind": ["survey", "surveytype", "kind", "metric", "type", "типопроса", "опрос"],
    "question": ["question", "вопрос"],
    "score": ["score", "rating", "answer", "value", "оценка", "балл"],
    "date": ["submittedat", "submitdateutc", "responsetimestamp", "respondedat", "responsedate", "enddate",
             "datesubmitted", "createdat", "timestamp", "date", "time", "датаответа", "дата", "датаоценки",
             "датаопроса", "датазаполнения"],
    "ticket": ["ticketid", "ticket", "ticketnumber", "номерзаявки", "заявка", "обращение"],
    "customer": ["customerid", "customer", "accountid", "clientid", "idклиента", "клиент"],
    "agent": ["agent", "assignee", "агент", "оператор", "исполнитель"],
    "team": ["team", "group", "команда", "группа"],
    "channel": ["channel", "канал"],
    "comment": ["comment", "comments", "feedback", "verbatim", "комментарий", "отзыв"],
    "email": ["email", "emailaddress", "почта"],
    # What the responses are grouped by: brand, product, airline, region, wave ... (one per sheet, often).
    "segment": ["segment", "brand", "product", "productname", "airline", "carrier", "region", "wave", "country",
                "market", "branch", "store", "hotel", "bank", "customersegment", "clientsegment", "сегментклиента",
                "сегмент", "бренд", "марка", "продукт",
                "регион", "волна", "страна", "рынок", "филиал", "магазин", "авиакомпания", "отель", "банк"],
}
# A free-text question that holds the respondent's comment (wide sheets, SurveyMonkey, Typeform).
COMMENT_PATTERN = (r"comment|feedback|reason|\bwhy\b|tell us|anything else|suggest|what could we|improve|почему|причин|"
                   r"комментар|отзыв|пожелани|улучш|что мы можем")
# The survey file the sample generator writes (sample_data/generate.py).
GENERATOR_SURVEY_HEADER = ["Response ID", "Survey", "Question", "Score", "Submitted At", "Ticket ID", "Customer ID",
                           "Agent", "Team", "Channel", "Comment"]
DELIGHTED_COLUMNS: dict[str, list[str]] = {
    "id": ["responseid", "id"],
    "score": ["score"],
    "kind": ["surveytype", "survey_type"],
    "date": ["responsetimestamp", "createdat", "timestamp"],
    "comment": ["comment"],
    "person": ["personid", "person"],
    "email": ["email", "personemail"],
    "name": ["name", "personname"],
    "customer": ["customerid", "personpropertiescustomerid", "customer", "accountid"],
    "ticket": ["ticketid", "personpropertiesticketid"],
    "agent": ["agent", "personpropertiesagent"],
    "team": ["team", "personpropertiesteam"],
    "channel": ["channel", "personpropertieschannel", "delightedsource"],
}
SURVEYMONKEY_FIXED = ["respondentid", "collectorid", "startdate", "enddate", "ipaddress", "emailaddress", "firstname",
                      "lastname", "customdata1", "customdata"]
TYPEFORM_FIXED = ["#", "responsetype", "startdateutc", "stagedateutc", "submitdateutc", "networkid", "tags", "ending"]

# ----------------------------------------------------------------------------- customers
CUSTOMER_COLUMNS: dict[str, list[str]] = {
    "id": ["customerid", "customer_id", "accountid", "clientid", "id", "idклиента", "клиентid", "номерклиента",
           "кодклиента"],
    "name": ["name", "customername", "accountname", "company", "surname", "наименование", "название", "клиент",
             "компания", "фио"],
    "segment": ["segment", "tier", "customersegment", "сегмент"],
    "plan": ["plan", "tariff", "subscription", "contract", "product", "тариф", "план", "продукт"],
    "start": ["startdate", "customersince", "signupdate", "joined", "joindate", "createdat", "created", "datejoined",
              "start", "датаначала", "клиентс", "датаподключения", "датарегистрации", "датазаключениядоговора"],
    "churn_date": ["churndate", "churnedat", "canceldate", "cancellationdate", "enddate", "датаухода", "датаоттока",
                   "датаотключения", "датарасторжения"],
    "status": ["customerstatus", "status", "churnlabel", "churn", "churned", "exited", "churnvalue", "churnflag",
               "churnstatus", "ischurned", "attritionflag", "active", "isactive", "статус", "отток", "ушел",
               "статусклиента", "статусоттока", "признакоттока"],
    "category": ["churncategory", "reasoncategory", "категорияоттока", "категорияухода", "категорияпричины"],
    "reason": ["churnreason", "cancellationreason", "reasonforleaving", "reasonforchurn", "reasonforcancellation",
               "leavingreason", "exitreason", "cancelreason", "churnreasons", "reason", "причинаухода",
               "причинаоттока", "причинаотказа", "причинарасторжения", "причина"],
    "monthly": ["monthlyrevenue", "mrr", "monthlycharge", "monthlycharges", "monthlyfee", "monthlybill",
                "monthlyspend", "monthlyamount", "arpu", "ежемесячныйдоход", "выручкавмесяц", "абонентскаяплата",
                "mrrруб", "платавмесяц", "ежемесячнаяплата", "платежвмесяц"],
    "total": ["totalrevenue", "totalcharges", "lifetimerevenue", "totalspend", "totalpaid", "ltv", "общаявыручка",
              "выручкавсего", "суммаоплат", "всегооплачено"],
    "currency": ["currency", "валюта"],
    "tenure": ["tenureinmonths", "tenure_months", "tenuremonths", "tenureindays", "tenuredays", "tenureinyears",
               "tenureyears", "tenure", "monthsonbook", "accountlength", "accountage", "customertenure", "срокмесяцев",
               "стажмесяцев", "срокобслуживания", "стажклиента", "стаж", "срокжизниклиента"],
}
# Columns recognised by pattern (regular expressions on the squashed header) when no exact name
# above matched: tenure with its unit in the header, and the support history a churn list carries.
CUSTOMER_PATTERNS: dict[str, str] = {
    "tenure": r"^(tenure|accountlength|accountage|monthsonbook|customertenure|срокобслуживания|стажклиента|"
              r"срокжизни|сроксклиентом|стаж|срокмес|срокдн|сроклет)",
    "contacts": r"(customerservice|custserv|support|service|helpdesk|care)(calls?|tickets?|contacts?|requests?|cases?)|"
                r"(calls?|tickets?|contacts?|requests?)(to)?(customerservice|custserv|support|helpdesk)|"
                r"numberoftickets|ticketcount|numtickets|contactscount|"
                r"обращени.*(поддерж|сервис|колл)|звонк.*(поддерж|сервис|колл)|"
                r"^(число|количество|колво)обращени|^обращений",
    "complaint": r"^(complain|complaint|complaints|complained|hascomplaint|hascomplained|filedcomplaint|жалоб|"
                 r"былажалоба|наличиежалоб)",
    "satisfaction": r"satisf|^csat|удовлетвор|доволен|^nps|npsscore|lastnps|likelihoodtorecommend|recommend|"
                    r"lastsurvey|оценкаклиента|оценкасервиса|порекоменд",
    # Charges with a unit or currency in the header ("Monthly Charges (USD)", "Ежемесячный платёж, руб").
    "monthly": r"^monthly(charges?|revenue|fee|bill|spend|amount|payment|price|subscription)|^(mrr|arpu)|"
               r"^(ежемесячн|месячн)(ый|ая)?(платеж|плата|доход|выручка|сумма|абонплата)|^абонентскаяплата|^абонплата",
    "total": r"^total(charges?|revenue|spend|paid|billed)$|^total(charges?|revenue|spend|paid|billed)(usd|eur|rub|руб)|"
             r"^(общаявыручка|выручкавсего|суммаоплат|всегооплачено|оплаченовсего|суммаплатежей)",
}
# Headers a pattern role must never take (a reason column that mentions satisfaction, ...).
CUSTOMER_PATTERN_EXCLUDE = r"reason|причин|category|категор|date|дата"
# Header words that give a tenure column's unit.
TENURE_UNIT_WORDS = {"days": r"day|дн|сут", "years": r"year|yr|год|лет", "months": r"month|\bmo\b|мес"}
# Headers that hold a churn flag or status (with tenure or charges, enough to tell a churn list).
CHURN_FLAG_HEADERS = {"churn", "churned", "churnlabel", "churnvalue", "churnflag", "churnstatus", "ischurned",
                      "exited", "attritionflag", "customerstatus", "отток", "ушел", "статусоттока", "признакоттока",
                      "статусклиента"}
# Headers only a customer/churn file has (detection).
CUSTOMER_SIGNALS = {"churn", "churned", "churndate", "churnlabel", "churnvalue", "churncategory", "churnreason",
                    "customerstatus", "exited", "tenureinmonths", "tenure", "monthlycharge", "monthlycharges",
                    "monthlyrevenue", "mrr", "totalrevenue", "totalcharges", "cltv", "churnscore", "отток",
                    "датаухода", "датаоттока", "причинаухода", "абонентскаяплата", "customersince", "attritionflag",
                    "churnflag", "monthsonbook", "accountlength"}
# Status/flag values -> churned (True) or not (False). Compared lower-case, stripped, without a
# final full stop ("False." in some telecom sets).
CHURN_VALUES = {
    "churned": True, "churn": True, "yes": True, "y": True, "1": True, "1.0": True, "true": True, "exited": True,
    "lost": True, "cancelled": True, "canceled": True, "inactive": True, "closed": True, "terminated": True,
    "left": True, "former": True, "attrited customer": True, "attrited": True, "churned customer": True,
    "ушел": True, "ушёл": True, "ушла": True, "отток": True, "расторгнут": True, "отключен": True,
    "неактивен": True, "да": True,
    "stayed": False, "joined": False, "active": False, "no": False, "n": False, "0": False, "0.0": False,
    "false": False, "current": False, "new": False, "existing customer": False, "existing": False,
    "retained": False, "активен": False, "активный": False, "действующий": False, "остался": False,
    "осталась": False, "нет": False, "подключен": False, "новый": False,
}
# Status values that mean "joined during the period" (counted apart from the churn rate).
JOINED_VALUES = {"joined", "new", "new customer", "новый", "новая", "новый клиент", "подключился"}
# A flag column that means the opposite (1 = still a customer).
CUSTOMER_ACTIVE_FLAGS = {"active", "isactive"}
# Yes/no values of an in-list complaint flag (a number above 0 also means yes).
COMPLAINT_VALUES = {"yes": True, "y": True, "true": True, "1": True, "да": True, "есть": True, "complained": True,
                    "no": False, "n": False, "false": False, "0": False, "нет": False, "none": False}
