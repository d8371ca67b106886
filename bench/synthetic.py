"""A quick synthetic support dataset written straight into DuckDB with SQL (no files, no loaders):
canonical ``tickets``, ``calls``, ``surveys``, ``customers`` and a ``ticket_metrics`` table with the
columns of the shared contract. 10M tickets take about a minute on 2 cores.

Deterministic: every random draw is a hash of (row number, draw number), so the data does not
depend on thread scheduling. Used by bench/metrics.py and by the rollup-vs-raw tests.
"""
from __future__ import annotations

import datetime as dt

# ticket_metrics as the contract (/tmp/contracts.md, docs/ticket_metrics.md) describes it.
TICKET_METRICS_DDL = """
CREATE OR REPLACE TABLE ticket_metrics (
  source VARCHAR, source_id VARCHAR, created_at TIMESTAMP, status VARCHAR, is_open BOOLEAN, priority VARCHAR,
  channel VARCHAR, team VARCHAR, agent VARCHAR, customer_id VARCHAR, category VARCHAR, tags VARCHAR, subject VARCHAR,
  created_by_agent BOOLEAN, times_from VARCHAR, created_in_business_hours BOOLEAN,
  first_reply_at TIMESTAMP, first_reply_calendar_minutes DOUBLE, first_reply_business_minutes DOUBLE,
  first_solved_at TIMESTAMP, solved_at TIMESTAMP, first_resolution_calendar_minutes DOUBLE,
  first_resolution_business_minutes DOUBLE, full_resolution_calendar_minutes DOUBLE,
  full_resolution_business_minutes DOUBLE, reopens INTEGER, agent_replies INTEGER, one_touch BOOLEAN,
  requester_wait_minutes DOUBLE, agent_wait_minutes DOUBLE, on_hold_minutes DOUBLE, repeat_contact BOOLEAN,
  sla_policy VARCHAR,
  sla_first_reply_target_minutes DOUBLE, sla_first_reply_business BOOLEAN, sla_first_reply_elapsed_minutes DOUBLE,
  sla_first_reply_status VARCHAR,
  sla_next_reply_target_minutes DOUBLE, sla_next_reply_business BOOLEAN, sla_next_reply_elapsed_minutes DOUBLE,
  sla_next_reply_status VARCHAR,
  sla_resolution_target_minutes DOUBLE, sla_resolution_business BOOLEAN, sla_resolution_elapsed_minutes DOUBLE,
  sla_resolution_status VARCHAR,
  sla_breached BOOLEAN, vendor_first_reply_minutes DOUBLE, vendor_first_reply_business_minutes DOUBLE,
  vendor_full_resolution_minutes DOUBLE, vendor_full_resolution_business_minutes DOUBLE, vendor_made_sla BOOLEAN,
  negative_duration VARCHAR
)
"""

def _u(k: int) -> str:
    """A uniform draw in [0, 1) from the row number i and draw number k."""
    return f"((hash(i * 131 + {k}) % 1000003) / 1000003.0)"


def _normal(k: int) -> str:
    return f"(sqrt(-2 * ln(greatest({_u(k)}, 1e-9))) * cos(2 * pi() * {_u(k + 1)}))"


def generate(con, tickets: int = 100_000, days: int = 730, start: dt.date = dt.date(2023, 1, 1),
             teams: int = 8, agents_per_team: int = 8) -> None:
    """Write the five tables into ``con`` (replacing them)."""
    from loaders.store import init_schema

    init_schema(con)
    span = days * 86400
    customers = max(tickets // 20, 10)
    t0 = dt.datetime.combine(start, dt.time())
    con.execute("DELETE FROM tickets; DELETE FROM calls; DELETE FROM surveys; DELETE FROM customers")
    base = f"""
    CREATE OR REPLACE TEMP TABLE _gen AS
    SELECT i,
      ?::TIMESTAMP + to_seconds((i * {span}::DOUBLE / {tickets})::BIGINT) AS created_at,
      'Team ' || (floor({_u(1)} * {teams})::INT) AS team,
      floor({_u(1)} * {teams})::INT AS team_no,
      floor({_u(2)} * {agents_per_team})::INT AS agent_no,
      ['email', 'web', 'chat', 'phone', 'api'][1 + floor({_u(3)} * 5)::INT] AS channel,
      CASE WHEN {_u(4)} < 0.05 THEN 'urgent' WHEN {_u(4)} < 0.25 THEN 'high' WHEN {_u(4)} < 0.9 THEN 'normal' ELSE 'low' END AS priority,
      'Category ' || floor({_u(5)} * 12)::INT AS category,
      nullif(concat_ws(' ', CASE WHEN {_u(6)} < 0.1 THEN 'vip' END, CASE WHEN {_u(7)} < 0.3 THEN 'billing' END,
                       CASE WHEN {_u(8)} < 0.2 THEN 'bug' END, CASE WHEN {_u(9)} < 0.05 THEN 'refund' END), '') AS tags,
      'C' || floor({_u(10)} * {customers})::INT AS customer_id,
      CASE WHEN i > {tickets} * (1 - 30.0 / {days}) THEN {_u(11)} < 0.3 ELSE {_u(11)} < 0.02 END AS is_open,
      CASE WHEN {_u(12)} < 0.05 THEN NULL ELSE exp(ln(90) + 1.4 * {_normal(13)}) END AS frt,
      exp(ln(1440) + 1.2 * {_normal(15)}) AS res_extra,
      CASE WHEN {_u(17)} < 0.08 THEN 1 ELSE 0 END AS reopens,
      1 + floor({_u(18)} * 4)::INT AS replies,
      {_u(19)} < 0.1 AS repeat_contact,
      {_u(20)} AS u_next
    FROM range({tickets}) r(i)
    """
    con.execute(base, [t0])
    con.execute(TICKET_METRICS_DDL)
    targets = "CASE priority WHEN 'urgent' THEN 60 WHEN 'high' THEN 240 WHEN 'normal' THEN 480 ELSE 1440 END"
    res_targets = "CASE priority WHEN 'urgent' THEN 480 WHEN 'high' THEN 1440 WHEN 'normal' THEN 4320 ELSE 10080 END"
    end_ts = t0 + dt.timedelta(days=days)
    con.execute(f"""
    INSERT INTO ticket_metrics BY NAME
    SELECT 'synthetic' AS source, i::VARCHAR AS source_id, created_at,
      CASE WHEN is_open THEN 'open' ELSE 'solved' END AS status, is_open, priority, channel, team,
      'Agent ' || team_no || '-' || agent_no AS agent, customer_id, category, tags, 'Ticket ' || i AS subject,
      false AS created_by_agent, 'summary' AS times_from, true AS created_in_business_hours,
      CASE WHEN frt IS NOT NULL THEN created_at + to_seconds((frt * 60)::BIGINT) END AS first_reply_at,
      round(frt * 60) / 60 AS first_reply_calendar_minutes, round(frt * 36) / 60 AS first_reply_business_minutes,
      CASE WHEN NOT is_open THEN created_at + to_seconds(((coalesce(frt, 0) + res_extra) * 60 * 0.8)::BIGINT) END AS first_solved_at,
      CASE WHEN NOT is_open THEN created_at + to_seconds(((coalesce(frt, 0) + res_extra) * 60)::BIGINT) END AS solved_at,
      CASE WHEN NOT is_open THEN round((coalesce(frt, 0) + res_extra) * 48) / 60 END AS first_resolution_calendar_minutes,
      CASE WHEN NOT is_open THEN round((coalesce(frt, 0) + res_extra) * 24) / 60 END AS first_resolution_business_minutes,
      CASE WHEN NOT is_open THEN round((coalesce(frt, 0) + res_extra) * 60) / 60 END AS full_resolution_calendar_minutes,
      CASE WHEN NOT is_open THEN round((coalesce(frt, 0) + res_extra) * 30) / 60 END AS full_resolution_business_minutes,
      reopens, replies AS agent_replies, CASE WHEN NOT is_open THEN replies <= 1 END AS one_touch,
      repeat_contact, priority AS sla_policy,
      {targets} AS sla_first_reply_target_minutes, false AS sla_first_reply_business,
      frt AS sla_first_reply_elapsed_minutes,
      CASE WHEN frt IS NOT NULL THEN CASE WHEN frt <= {targets} THEN 'achieved' ELSE 'breached' END
           WHEN is_open THEN CASE WHEN epoch(?::TIMESTAMP - created_at) / 60 > {targets} THEN 'active_breach' ELSE 'active' END
      END AS sla_first_reply_status,
      {targets} * 2 AS sla_next_reply_target_minutes, false AS sla_next_reply_business, NULL AS sla_next_reply_elapsed_minutes,
      CASE WHEN replies > 1 THEN CASE WHEN u_next < 0.1 THEN 'breached' ELSE 'achieved' END END AS sla_next_reply_status,
      {res_targets} AS sla_resolution_target_minutes, false AS sla_resolution_business,
      CASE WHEN NOT is_open THEN coalesce(frt, 0) + res_extra END AS sla_resolution_elapsed_minutes,
      CASE WHEN NOT is_open THEN CASE WHEN coalesce(frt, 0) + res_extra <= {res_targets} THEN 'achieved' ELSE 'breached' END
           WHEN epoch(?::TIMESTAMP - created_at) / 60 > {res_targets} THEN 'active_breach' ELSE 'active' END AS sla_resolution_status
    FROM _gen ORDER BY created_at
    """, [end_ts, end_ts])
    con.execute("""UPDATE ticket_metrics SET sla_breached = coalesce(sla_first_reply_status IN ('breached', 'active_breach'), false)
                   OR coalesce(sla_next_reply_status = 'breached', false)
                   OR coalesce(sla_resolution_status IN ('breached', 'active_breach'), false)""")
    con.execute("""
    INSERT INTO tickets BY NAME
    SELECT source, source_id, created_at, first_reply_at AS first_response_at, first_solved_at, solved_at, status, priority,
      channel, team, agent, customer_id, category, tags, subject, reopens, agent_replies AS replies,
      CASE WHEN hash(source_id) % 4 = 0 THEN 'unoffered' WHEN hash(source_id) % 4 = 1 THEN 'offered'
           WHEN hash(source_id) % 4 = 2 THEN 'good' ELSE 'bad' END AS satisfaction,
      sla_policy, 0 AS load_id
    FROM ticket_metrics ORDER BY created_at
    """)
    calls = max(tickets // 3, 1)
    con.execute(f"""
    INSERT INTO calls BY NAME
    SELECT 'pbx' AS source, 'call-' || i AS source_id,
      ?::TIMESTAMP + to_seconds((i * {span}::DOUBLE / {calls})::BIGINT) AS queued_at,
      CASE WHEN {_u(31)} < 0.82 THEN 'answered' WHEN {_u(31)} < 0.95 THEN 'abandoned' WHEN {_u(31)} < 0.98 THEN 'missed'
           ELSE 'voicemail' END AS outcome,
      round(-ln(greatest({_u(32)}, 1e-9)) * 25, 1) AS wait_seconds,
      CASE WHEN {_u(31)} < 0.82 THEN round(60 + {_u(33)} * 600) END AS talk_seconds,
      CASE WHEN {_u(31)} < 0.82 THEN round({_u(34)} * 60) END AS hold_seconds,
      CASE WHEN {_u(31)} < 0.82 THEN round({_u(35)} * 120) END AS wrap_seconds,
      CASE WHEN {_u(36)} < 0.9 THEN 'inbound' ELSE 'outbound' END AS direction,
      'Line ' || floor({_u(37)} * 4)::INT AS queue,
      'Team ' || floor({_u(38)} * {teams})::INT AS team,
      'Agent ' || floor({_u(38)} * {teams})::INT || '-' || floor({_u(39)} * {agents_per_team})::INT AS agent,
      'C' || floor({_u(40)} * {customers})::INT AS customer_id,
      CASE WHEN {_u(31)} < 0.82 THEN {_u(41)} < 0.7 END AS resolved,
      0 AS load_id
    FROM range({calls}) r(i) ORDER BY queued_at
    """, [t0])
    con.execute(f"""UPDATE calls SET answered_at = queued_at + to_milliseconds((wait_seconds * 1000)::BIGINT)
                    WHERE outcome = 'answered'""")
    surveys = max(tickets // 10, 1)
    con.execute(f"""
    INSERT INTO surveys BY NAME
    SELECT 'survey' AS source, 's-' || i AS source_id, t.created_at + INTERVAL 2 DAY AS responded_at,
      CASE WHEN {_u(51)} < 0.7 THEN 'csat' WHEN {_u(51)} < 0.9 THEN 'nps' ELSE 'ces' END AS kind,
      CASE WHEN {_u(51)} < 0.7 THEN 1 + floor({_u(52)} * 5) WHEN {_u(51)} < 0.9 THEN floor({_u(52)} * 11)
           ELSE 1 + floor({_u(52)} * 7) END AS score,
      CASE WHEN {_u(51)} < 0.7 THEN 1 WHEN {_u(51)} < 0.9 THEN 0 ELSE 1 END AS scale_min,
      CASE WHEN {_u(51)} < 0.7 THEN 5 WHEN {_u(51)} < 0.9 THEN 10 ELSE 7 END AS scale_max,
      t.source_id AS ticket_id, 0 AS load_id
    FROM range({surveys}) r(i) JOIN ticket_metrics t ON t.source_id = (i * 10)::VARCHAR
    ORDER BY responded_at
    """)
    con.execute(f"""
    INSERT INTO customers BY NAME
    SELECT 'crm' AS source, 'C' || i AS source_id,
      ['SMB', 'Mid-market', 'Enterprise'][1 + floor({_u(61)} * 3)::INT] AS segment,
      100 + floor({_u(62)} * 900) AS monthly_revenue, 0 AS load_id
    FROM range({customers}) r(i)
    """)
    con.execute("DROP TABLE _gen")
