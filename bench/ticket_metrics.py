#!/usr/bin/env python3
"""Benchmark: ``metrics.derive.build`` (the ``ticket_metrics`` table) on synthetic tickets.

    .venv/bin/python bench/ticket_metrics.py [N] [events]

N tickets (default 1,000,000), one every 30 s from 2023-01-01, 200,000 customers, five
priorities (one NULL), 80% solved, in an in-memory DuckDB; with ``events``, half the tickets
also get 5 events each (customer message, agent reply, customer message, agent reply, solve), so
the event path is timed too. Prints the generation time, derive.build's result (seconds per
step in ``steps``) and the total, then a per-``times_from`` summary as a sanity check. The table
in docs/ticket_metrics.md ("Speed") comes from this script; nothing is written to disk.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from loaders.store import init_schema  # noqa: E402
from metrics import derive  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
EV = len(sys.argv) > 2
con = duckdb.connect()
init_schema(con)
t = time.perf_counter()
con.execute(f"""INSERT INTO tickets (source, source_id, created_at, first_response_at, first_solved_at, solved_at, closed_at, status, priority, channel, customer_id, category, replies, reopens)
SELECT 'z', i::VARCHAR, c, c + (hash(i) % 3000) * INTERVAL 1 MINUTE,
  CASE WHEN i % 10 < 8 THEN c + (3000 + hash(i*7) % 20000) * INTERVAL 1 MINUTE END,
  CASE WHEN i % 10 < 8 THEN c + (3000 + hash(i*7) % 20000 + (i%5)*100) * INTERVAL 1 MINUTE END,
  NULL,
  CASE WHEN i % 10 < 8 THEN 'solved' ELSE 'open' END,
  ['urgent','high','normal','low', NULL][1 + i % 5], 'email', 'c' || (hash(i) % 200000)::VARCHAR, ['a','b',NULL][1 + i % 3], 2, 0
FROM (SELECT range AS i, TIMESTAMP '2023-01-01' + range * INTERVAL 30 SECOND AS c FROM range({N}))
""")
if EV:
    # 5 events per ticket for half of the tickets
    con.execute("""INSERT INTO ticket_events (source, ticket_id, event_at, seq, event_type, actor_role, is_public, value)
    SELECT 'z', t.source_id, t.created_at + x.o * INTERVAL 1 MINUTE * (1 + hash(t.source_id) % 500), 0, x.et, x.role, true, x.v
    FROM tickets t, (VALUES (0,'customer_message','customer',NULL),(1,'agent_reply','agent',NULL),(2,'customer_message','customer',NULL),(3,'agent_reply','agent',NULL),(4,'status_change','agent','solved')) x(o, et, role, v)
    WHERE hash(t.source_id) % 2 = 0""")
print('generated in', round(time.perf_counter() - t, 1), 's; events:', con.execute("SELECT count(*) FROM ticket_events").fetchall()[0][0])
# the store keeps these sort orders on disk (loaders/schema.py SORT_KEYS)
con.execute("CREATE OR REPLACE TABLE tickets AS SELECT * FROM tickets ORDER BY created_at")
con.execute("CREATE OR REPLACE TABLE ticket_events AS SELECT * FROM ticket_events ORDER BY source, ticket_id, event_at, seq")
t = time.perf_counter()
print(derive.build(con))
print('build', round(time.perf_counter() - t, 2), 's')
print(con.execute("SELECT times_from, count(*), median(first_reply_calendar_minutes), median(first_reply_business_minutes), "
                  "count(sla_next_reply_status) FROM ticket_metrics GROUP BY 1").fetchall())
