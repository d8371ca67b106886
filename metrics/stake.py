"""Money at stake: one model, shared by the audit's findings and its churn-cost section.

The model is the churn-cost calculator (metrics/calculator.py) fed with everything the data
can give:

* with a customer list that can be compared (metrics/churn.py), its measured inputs;
* otherwise the customers and their negative support experiences counted in the support data
  itself (distinct customer ids in tickets, calls and surveys; a negative experience as the
  churn settings define it, an SLA miss by the system's own verdict when the export has one),
  with the churn rates and the revenue per customer taken from the benchmarks;
* benchmark amounts are in ``BENCHMARK_CURRENCY`` and converted to the report's currency with
  a rate the user gave (metrics/fx.py), never relabelled.

Customers lost to support a year never exceed the customers that exist. The money is a range:
the confidence interval of the measured excess churn, or the published ranges of the benchmark
figures (churn after two bad experiences 61-67%, acquiring a customer 5-7x keeping one). Its
basis says what it rests on: ``measured``, ``partly_measured`` or ``benchmark`` (illustrative).

A finding's share of the money is the share of the customers with a negative experience it
touched; it never exceeds the model's total. Findings overlap, so shares are not added up.
Without measured revenue, findings are ranked by the contacts (tickets, calls) and hours they
affected, not by money.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from metrics.facts import table_exists

BENCHMARK_CURRENCY = "USD"
BENCHMARK_RANGES = {"churn_after_two": (0.61, 0.67), "acquisition_cost_multiple": (5.0, 7.0)}
MONEY_INPUTS = ("arpu_monthly", "lost_customer_revenue_monthly")
DAYS_PER_MONTH = 365.25 / 12


@dataclass
class Range:
    estimate: float | None
    low: float | None = None
    high: float | None = None

    def scaled(self, factor: float | None) -> "Range":
        if factor is None:
            return Range(None)
        return Range(*(None if v is None else v * factor for v in (self.estimate, self.low, self.high)))


@dataclass
class Model:
    currency: str
    basis: str                       # measured | partly_measured | benchmark
    excess_measured: bool
    revenue_measured: bool
    customers: int | None            # customers that exist (the list, else distinct ids in the support data)
    customers_source: str            # customer_list | support_data | assumed
    exposed: int | None              # of them, with a negative support experience (in the data's span)
    repeat_exposed: int | None       # ... with two or more
    span_months: float | None        # what the support data covers
    lost: Range = field(default_factory=lambda: Range(None))   # customers lost to support a year
    cost: Range = field(default_factory=lambda: Range(None))   # what they cost a year (revenue + replacement)
    capped: bool = False             # lost customers were capped at the customers that exist
    notes: list[str] = field(default_factory=list)

    @property
    def illustrative(self) -> bool:
        return self.basis == "benchmark"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {"illustrative": self.illustrative}


# ---------------------------------------------------------------- exposure in the support data
def _negative_settings(settings: dict) -> dict:
    negative = dict((settings.get("churn") or {}).get("negative") or {})
    for kind in ("sla_breach", "bad_csat", "nps_detractor", "abandoned_call", "reopened", "slow_first_reply"):
        negative.setdefault(kind, True)
    negative.setdefault("repeat_contact", False)
    negative.setdefault("bad_csat_max", 2)
    negative.setdefault("slow_first_reply_hours", 12)
    return negative


def support_exposure(con, settings: dict) -> dict:
    """Distinct customers in the support data, how many had at least one / two negative
    experiences, and the span the data covers (months)."""
    from metrics import sla_method

    negative = _negative_settings(settings)
    short = float((settings.get("metrics") or {}).get("short_abandon_seconds", 5))
    parts, params, spans = [], [], []
    if table_exists(con, "ticket_metrics"):
        verdict = sla_method.leading_verdict_sql(sla_method.measured_targets(con))
        conds = []
        if negative["sla_breach"]:
            conds.append(f"coalesce({verdict}, false)")
        if negative["reopened"]:
            conds.append("coalesce(reopens, 0) > 0")
        if negative["slow_first_reply"]:
            conds.append("coalesce(first_reply_calendar_minutes > ?, false)")
            params.append(float(negative["slow_first_reply_hours"]) * 60)
        if negative["repeat_contact"]:
            conds.append("coalesce(repeat_contact, false)")
        parts.append(f"SELECT customer_id, ({' OR '.join(conds) or 'false'}) AS neg FROM ticket_metrics "
                     "WHERE customer_id IS NOT NULL")
        spans.append("SELECT min(created_at) lo, max(created_at) hi FROM ticket_metrics")
    if table_exists(con, "surveys"):
        conds = []
        if negative["bad_csat"]:
            conds.append("(kind = 'csat' AND score IS NOT NULL AND 1 + 4 * (score - coalesce(scale_min, 1)) / "
                         "nullif(coalesce(scale_max, 5) - coalesce(scale_min, 1), 0) <= ?)")
            params.append(float(negative["bad_csat_max"]))
        if negative["nps_detractor"]:
            conds.append("(kind = 'nps' AND score IS NOT NULL AND 10 * (score - coalesce(scale_min, 0)) / "
                         "nullif(coalesce(scale_max, 10) - coalesce(scale_min, 0), 0) <= 6)")
        parts.append(f"SELECT customer_id, coalesce({' OR '.join(conds) or 'false'}, false) FROM surveys "
                     "WHERE customer_id IS NOT NULL")
        spans.append("SELECT min(responded_at), max(responded_at) FROM surveys")
    if table_exists(con, "calls"):
        cond = "false"
        if negative["abandoned_call"]:
            cond = "(lower(outcome) IN ('abandoned', 'missed') AND coalesce(wait_seconds, 1e18) >= ?)"
            params.append(short)
        parts.append(f"SELECT customer_id, coalesce({cond}, false) FROM calls WHERE customer_id IS NOT NULL")
        spans.append("SELECT min(queued_at), max(queued_at) FROM calls")
    if not parts:
        return {"customers": 0, "exposed": 0, "repeat": 0, "span_months": None}
    customers, exposed, repeat = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE n >= 1), count(*) FILTER (WHERE n >= 2) FROM ("
        f"SELECT customer_id, count(*) FILTER (WHERE neg) n FROM ({' UNION ALL '.join(parts)}) GROUP BY 1)",
        params).fetchall()[0]
    lo, hi = con.execute(f"SELECT min(lo), max(hi) FROM ({' UNION ALL '.join(spans)})").fetchall()[0]
    span = (hi - lo).total_seconds() / 86400 / DAYS_PER_MONTH if lo is not None and hi is not None else None
    return {"customers": int(customers), "exposed": int(exposed), "repeat": int(repeat),
            "span_months": max(span, 1 / DAYS_PER_MONTH) if span is not None else None}


def annual_share(share: float, months: float | None) -> float:
    """A share of customers seen over ``months`` as a share over a year, assuming each month is
    alike: 1 - (1 - share)^(12 / months); at most 1."""
    if not months or share <= 0:
        return max(share, 0.0)
    return min(1.0, 1 - (1 - min(share, 1.0)) ** (12 / months))


# ---------------------------------------------------------------- the model
def _convert(inputs, currency: str, source_currency: str, known: dict):
    from metrics import fx

    changes = {}
    for name in MONEY_INPUTS:
        value = getattr(inputs, name)
        if value is None:
            continue
        what = ("the customers' revenue" if name in inputs.measured else
                f"the benchmark revenue per customer ({value:g} {source_currency} a month)")
        changes[name] = value * fx.rate(source_currency, currency, known, what)
    out = dataclasses.replace(inputs, currency=currency, **changes)
    out.measured = set(inputs.measured)
    return out


def build(con, analysis, kpis: dict, settings: dict, currency: str | None = None,
          rates: dict | None = None):
    """(Model, calculator inputs, calculator outputs) in ``currency`` (default: the data's, else the
    settings'). Raises metrics.fx.MissingRate when an amount needs a rate nobody gave."""
    from metrics import calculator

    rates = rates or {}
    available = analysis is not None and getattr(analysis, "available", False)
    base = calculator.defaults(settings)
    inputs = calculator.inputs_from_data(analysis if available else None, kpis or {}, base)
    est = analysis.estimate if available else None
    excess_measured = est is not None and est.excess.estimate is not None
    exposure = support_exposure(con, settings)
    if available and analysis.customers:
        customers, source = int(analysis.customers), "customer_list"
        exposed = int(est.exposed.customers) if est is not None else int(round(inputs.negative_share * customers))
        repeat = int(round(exposed * (inputs.repeat_negative_share or 0)))
    elif exposure["customers"]:
        customers, source = exposure["customers"], "support_data"
        exposed, repeat = exposure["exposed"], exposure["repeat"]
        share = exposed / customers
        inputs = inputs.replace({"customers": customers,
                                 "negative_share": annual_share(share, exposure["span_months"]),
                                 "repeat_negative_share": repeat / exposed if exposed else None})
    else:
        customers, source, exposed, repeat = int(inputs.customers), "assumed", None, None
    revenue_measured = "arpu_monthly" in inputs.measured
    data_currency = (getattr(analysis, "currency", None) if available else None) or \
        (settings.get("ui") or {}).get("currency", BENCHMARK_CURRENCY)
    currency = (currency or data_currency or BENCHMARK_CURRENCY).upper()
    inputs = _convert(inputs, currency, data_currency if revenue_measured else BENCHMARK_CURRENCY, rates)
    calc = calculator.compute(inputs)

    lost_est = calc["customers_lost_per_year"]
    if excess_measured:
        att = est.attributable_churned
        ratio = (lambda v: None if v is None else max(v, 0.0) / att.estimate) if att.estimate else (lambda v: None)
        lost = Range(lost_est, lost_est * ratio(att.low) if ratio(att.low) is not None else 0.0,
                     lost_est * ratio(att.high) if ratio(att.high) is not None else lost_est)
        per_customer = calc["total"] / lost_est if lost_est else (
            calculator.lost_customer_revenue(inputs) * inputs.horizon_months + calc["acquisition_cost"])
        cost = Range(calc["total"], lost.low * per_customer, lost.high * per_customer)
    else:
        lo_in = inputs if "churn_after_two" in inputs.measured else dataclasses.replace(
            inputs, churn_after_two=BENCHMARK_RANGES["churn_after_two"][0])
        hi_in = inputs if "churn_after_two" in inputs.measured else dataclasses.replace(
            inputs, churn_after_two=BENCHMARK_RANGES["churn_after_two"][1],
            acquisition_cost_multiple=max(inputs.acquisition_cost_multiple, BENCHMARK_RANGES["acquisition_cost_multiple"][1]))
        lo_in.measured = hi_in.measured = set(inputs.measured)
        lo, hi = calculator.compute(lo_in), calculator.compute(hi_in)
        lost = Range(lost_est, lo["customers_lost_per_year"], hi["customers_lost_per_year"])
        cost = Range(calc["total"], min(lo["total"], calc["total"]), max(hi["total"], calc["total"]))
    model = Model(currency=currency, basis="benchmark", excess_measured=excess_measured,
                  revenue_measured=revenue_measured, customers=customers, customers_source=source,
                  exposed=exposed, repeat_exposed=repeat, span_months=exposure["span_months"], lost=lost, cost=cost)
    if excess_measured and revenue_measured:
        model.basis = "measured"
    elif excess_measured or revenue_measured:
        model.basis = "partly_measured"
    # Customers lost a year never exceed the customers that exist (nor those who had a bad experience).
    ceiling = min(v for v in (customers, None if exposed is None else annual_exposed(exposed, customers, exposure["span_months"]))
                  if v is not None) if customers else None
    if ceiling is not None and (lost.high or 0) > ceiling:
        factor = {k: (ceiling / v if v and v > ceiling else 1.0) for k, v in
                  (("estimate", lost.estimate), ("low", lost.low), ("high", lost.high))}
        model.lost = Range(*(None if v is None else min(v, ceiling) for v in (lost.estimate, lost.low, lost.high)))
        model.cost = Range(cost.estimate * factor["estimate"], cost.low * factor["low"], cost.high * factor["high"])
        model.capped = True
    calc = dict(calc, model=model.to_dict())
    return model, inputs, calc


def annual_exposed(exposed: int, customers: int, months: float | None) -> float:
    """Customers with a negative experience in a year (see annual_share), at most ``customers``."""
    return annual_share(exposed / customers, months) * customers if customers else 0.0


# ---------------------------------------------------------------- findings
def price(findings: list, model: Model) -> None:
    """Set each finding's ``stake`` (a share of the model's cost) in place."""
    for f in findings:
        touched = f.customers_affected or 0
        if not model.exposed or not touched or model.cost.estimate is None:
            f.stake = {"estimate": None, "low": None, "high": None, "share": None, "basis": model.basis,
                       "currency": model.currency}
            f.money_at_stake = None
            continue
        share = min(1.0, touched / model.exposed)
        r = model.cost.scaled(share)
        f.stake = {"estimate": r.estimate, "low": r.low, "high": r.high, "share": share, "basis": model.basis,
                   "currency": model.currency}
        f.money_at_stake = r.estimate


def rank(findings: list, model: Model) -> list:
    """Largest money first when revenue was measured; otherwise most contacts, then hours affected."""
    if model.revenue_measured:
        return sorted(findings, key=lambda f: (-(f.money_at_stake or 0), -(f.contacts_affected or 0)))
    return sorted(findings, key=lambda f: (-(f.contacts_affected or 0), -(f.hours_affected or 0)))

