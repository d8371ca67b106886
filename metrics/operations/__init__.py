"""Operations analyses: what no helpdesk report shows end to end (issue 16).

One module per analysis, each with one entry point ``analyse(con, filters=None, settings=None)``
returning a JSON-safe dict, never raising on thin data (what the export cannot support is named
in ``not_measurable`` with the reason, never reported as 0):

* ``initiatives``: the register of service initiatives (``[[initiatives]]`` in the settings) and
  their measured effect, with a confidence interval and a verdict;
* ``drivers``: what customers contact support about, by volume, trend and cost;
* ``channel_switches``: customers who had to come back through another channel;
* ``escalation``: tickets with repeated failed fixes that were (not) escalated;
* ``agent_load``: tickets and calls per agent-day, after-hours work, concentration, burnout signals;
* ``reply_targets``: first reply within a target per channel and tickets still unanswered after 24 h.

They read the canonical tables and ``ticket_metrics`` only (never the rollups), honour the global
filters (``metrics.filters.Filters``) where they apply and say so where they do not. The numbers
are declared in ``metrics/registry.py`` (``ANALYSES``) and defined in ``docs/metrics.md``.
"""
