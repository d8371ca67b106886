"""The SLA method of an audit, stated: which targets were applied to which priorities, and how
our verdict compares with the system's own.

Every vendor's priorities reach ``tickets.priority`` through ``loaders/vocab.py`` (ServiceNow
"1 - Critical" .. "4 - Low", Jira "Highest" .. "Lowest", Freshdesk and Zendesk "Urgent" ..
"Low" become urgent, high, normal, low); the policies in the settings match those canonical
values. ``method(con)`` returns one row per policy with the export's own labels beside the
canonical value, the targets, the clock and the tickets it matched.

When the export carries the system's own verdict (ServiceNow ``made_sla``, kept in
``ticket_metrics.vendor_made_sla``) that verdict leads: a ticket missed its SLA when the system
says so. Our recomputation is shown beside it, with the share of tickets on which the two agree.
A target the export cannot measure (first and next reply on a log without replies) is left out
of the recomputation and named.
"""
from __future__ import annotations

from loaders import vocab
from metrics import coverage
from metrics.facts import table_exists

# The priority labels each vendor's export writes, per canonical value (loaders/vocab.py maps them).
VENDOR_PRIORITIES = {
    "servicenow": {"urgent": ["1 - Critical"], "high": ["2 - High"], "normal": ["3 - Moderate"],
                   "low": ["4 - Low", "5 - Planning"]},
    "jira": {"urgent": ["Highest", "Blocker", "Critical"], "high": ["High", "Major"], "normal": ["Medium"],
             "low": ["Low", "Lowest", "Minor", "Trivial"]},
    "freshdesk": {"urgent": ["Urgent"], "high": ["High"], "normal": ["Medium"], "low": ["Low"]},
    "zendesk": {"urgent": ["Urgent"], "high": ["High"], "normal": ["Normal"], "low": ["Low"]},
}
SOURCE_FAMILY = {"servicenow": "servicenow", "jira": "jira", "freshdesk": "freshdesk", "freshservice": "freshdesk",
                 "zendesk": "zendesk", "zendesk_csv": "zendesk", "zendesk_json": "zendesk", "fivetran_zendesk": "zendesk"}
TARGETS = ("first_reply", "next_reply", "resolution")


def canonical_priority(label: str) -> str:
    """The canonical priority a vendor label becomes on load (unknown labels stay, lower-cased)."""
    key = vocab.normalise_value(label)
    return vocab.VALUES["priority"].get(key, key)


def _family(source: str | None) -> str | None:
    text = (source or "").lower()
    for name, family in SOURCE_FAMILY.items():
        if text == name or text.startswith(name):
            return family
    return None


def leading_verdict_sql(measured_targets=TARGETS) -> str:
    """SQL (over ticket_metrics) of "this ticket missed its SLA": the vendor's verdict when the
    export has one, else ours over the targets the export can measure; NULL when neither judges."""
    ours = " OR ".join(f"coalesce(sla_{t}_status IN ('breached', 'active_breach'), false)" for t in measured_targets) or "NULL"
    judged = " OR ".join(f"coalesce(sla_{t}_status IN ('achieved', 'breached', 'active_breach'), false)"
                         for t in measured_targets) or "FALSE"
    return (f"CASE WHEN vendor_made_sla IS NOT NULL THEN NOT vendor_made_sla "
            f"WHEN {judged} THEN ({ours}) END")


def our_verdict_sql(measured_targets=TARGETS) -> str:
    ours = " OR ".join(f"coalesce(sla_{t}_status IN ('breached', 'active_breach'), false)" for t in measured_targets) or "NULL"
    judged = " OR ".join(f"coalesce(sla_{t}_status IN ('achieved', 'breached', 'active_breach'), false)"
                         for t in measured_targets) or "FALSE"
    return f"CASE WHEN {judged} THEN ({ours}) END"


def measured_targets(con) -> tuple[str, ...]:
    """The SLA targets this export can judge (reply targets need replies)."""
    gaps = coverage.unmeasurable(con)
    return tuple(t for t in TARGETS if not (t != "resolution" and gaps.get("frt_median_minutes") == "no_replies"))


def method(con, settings: dict | None = None) -> dict:
    """{"policies": [...], "targets": measured targets, "left_out": targets left out, "vendor": bool,
    "overall": {...}, "unmatched": {...}}. Empty policies when no tickets are loaded."""
    import config

    settings = settings or config.get()
    out = {"policies": [], "targets": list(TARGETS), "left_out": [], "vendor": False, "overall": {}, "unmatched": {}}
    if not table_exists(con, "ticket_metrics") or not con.execute("SELECT count(*) FROM ticket_metrics").fetchall()[0][0]:
        return out
    targets = measured_targets(con)
    out["targets"], out["left_out"] = list(targets), [t for t in TARGETS if t not in targets]
    ours = our_verdict_sql(targets)
    families = sorted({f for (s,) in con.execute("SELECT DISTINCT source FROM ticket_metrics").fetchall()
                       if (f := _family(s))})
    rows = {r[0]: r[1:] for r in con.execute(f"""
        SELECT sla_policy, count(*), list(DISTINCT priority ORDER BY priority),
               count(*) FILTER (WHERE vendor_made_sla IS NOT NULL),
               count(*) FILTER (WHERE vendor_made_sla = false),
               count(*) FILTER (WHERE ({ours}) IS NOT NULL),
               count(*) FILTER (WHERE ({ours}) = true),
               count(*) FILTER (WHERE vendor_made_sla IS NOT NULL AND ({ours}) IS NOT NULL),
               count(*) FILTER (WHERE vendor_made_sla IS NOT NULL AND ({ours}) = (NOT vendor_made_sla))
        FROM ticket_metrics GROUP BY 1""").fetchall()}
    for policy in settings.get("sla", {}).get("policies") or []:
        conditions = policy.get("conditions") or {}
        wanted = conditions.get("priority")
        priorities = [str(v) for v in (wanted if isinstance(wanted, list) else [wanted])] if wanted is not None else []
        labels = {fam: [label for p in priorities for label in VENDOR_PRIORITIES[fam].get(p, [])] for fam in families}
        n, seen, vendor_n, vendor_missed, ours_n, ours_missed, both, agree = rows.get(policy.get("name"), (0, [], 0, 0, 0, 0, 0, 0))
        out["policies"].append({
            "name": policy.get("name"), "priorities": priorities,
            "other_conditions": {k: v for k, v in conditions.items() if k != "priority"},
            "vendor_labels": labels,
            **{f"{t}_minutes": policy.get(f"{t}_minutes") for t in TARGETS},
            **{f"{t}_business": bool(policy.get(f"{t}_business", policy.get("business", False))) for t in TARGETS},
            "tickets": n, "vendor_judged": vendor_n, "vendor_missed": vendor_missed,
            "ours_judged": ours_n, "ours_missed": ours_missed, "both": both, "agree": agree,
        })
    n_all = sum(r[0] for r in rows.values())
    vendor_n, vendor_missed, ours_n, ours_missed, both, agree = (
        sum(r[i] for r in rows.values()) for i in (2, 3, 4, 5, 6, 7))
    out["vendor"] = vendor_n > 0
    out["overall"] = {"tickets": n_all, "vendor_judged": vendor_n, "vendor_missed": vendor_missed,
                      "ours_judged": ours_n, "ours_missed": ours_missed, "both": both, "agree": agree,
                      "agreement": agree / both if both else None}
    unmatched = rows.get(None)
    if unmatched and unmatched[0]:
        out["unmatched"] = {"tickets": unmatched[0], "priorities": [p for p in unmatched[1] if p is not None],
                            "no_priority": con.execute("SELECT count(*) FROM ticket_metrics WHERE sla_policy IS NULL "
                                                       "AND priority IS NULL").fetchall()[0][0]}
    return out
