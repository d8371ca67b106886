"""The churn-cost calculator: pure functions over an ``Inputs`` model.

Works with no customer data at all (every input has a default taken from the benchmark figures
in PRODUCT.md, or a stated assumption, each carrying its source) and with data
(``inputs_from_data`` replaces the defaults with the customer's own measured values and names
them in ``Inputs.measured``). ``docs/churn.md`` explains every formula.

Model (per year):
    exposed customers      = customers x negative_share
    with one / two or more = exposed x (1 - repeat_negative_share) / exposed x repeat_negative_share
    lost to support        = one x (churn_after_one - baseline_churn) + two_plus x (churn_after_two - baseline_churn)
The benchmark churn figures are total churn among customers after bad experiences; the
customers who would have left anyway (baseline_churn) are not support's doing, so only the
excess over the baseline counts.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

DAYS_PER_MONTH = 365.25 / 12


def _f(default, source: str):
    return field(default=default, metadata={"source": source})


@dataclass
class Inputs:
    customers: float = _f(1000, "assumed: a business with 1,000 customers (replace with yours)")
    arpu_monthly: float = _f(100.0, "assumed: 100 a month per customer (replace with yours)")
    lost_customer_revenue_monthly: float | None = _f(None, "ARPU: the customers lost are taken to be average customers")
    gross_margin: float = _f(0.7, "settings churn.gross_margin (default 0.7)")
    negative_share: float = _f(0.2, "assumed: 1 customer in 5 has a negative support experience in a year (no published benchmark; measure yours)")
    repeat_negative_share: float = _f(0.3, "assumed: 30% of them have two or more (no published benchmark; measure yours)")
    baseline_churn: float = _f(0.10, "assumed: 10% of customers leave in a year without any bad support experience (replace with your churn)")
    churn_after_one: float = _f(0.58, "HubSpot: 58% stop buying after one bad support experience")
    churn_after_two: float = _f(0.64, "Microsoft / PwC: 61-67% leave after two bad experiences (midpoint 64%)")
    acquisition_cost_multiple: float = _f(5.0, "industry benchmark: acquiring a customer costs 5-7x retaining one (low end, 5x, so the figure is not inflated)")
    retention_cost_months: float = _f(1.0, "assumed: keeping a customer costs about one month of their revenue (a save offer or credit)")
    horizon_months: float = _f(12, "settings churn.horizon_months (default 12)")
    period_months: float = _f(12, "the churn rates above are per year")
    monthly_churn_rate: float | None = _f(None, "derived from baseline_churn: 1 - (1 - annual)^(1/12)")
    sla_breach_rate: float = _f(0.10, "assumed: 10% of tickets breach their SLA (measure yours)")
    frt_p90_hours: float = _f(24.0, "assumed: 90% of first replies within 24 hours (measure yours)")
    slow_reply_hours: float = _f(12.0, "settings churn.negative.slow_first_reply_hours (Zendesk 2024: replies after 12 h raise negative reviews by 87%)")
    currency: str = _f("USD", "settings ui.currency")
    measured: set = field(default_factory=set, metadata={"source": "names of the inputs measured from your own data"})

    @classmethod
    def sources(cls) -> dict[str, str]:
        return {f.name: f.metadata["source"] for f in dataclasses.fields(cls) if f.name != "measured"}

    def source(self, name: str) -> str:
        return "measured from your data" if name in self.measured else self.sources()[name]

    def replace(self, measured: dict | None = None, **assumed) -> "Inputs":
        """A copy with ``measured`` values (marked as measured) and ``assumed`` ones (not marked)."""
        measured = {k: v for k, v in (measured or {}).items() if v is not None}
        out = dataclasses.replace(self, **assumed, **measured)
        out.measured = set(self.measured) | set(measured)
        return out

    def to_dict(self) -> dict:
        return {name: {"value": getattr(self, name), "source": self.source(name), "measured": name in self.measured}
                for name in self.sources()}


def defaults(settings: dict | None = None) -> Inputs:
    """The benchmark defaults, with the settings' margin, horizon, multiple, threshold and currency."""
    if settings is None:
        try:
            import config

            settings = config.get()
        except Exception:  # the calculator works without any settings file
            settings = {}
    churn = settings.get("churn") or {}
    negative = churn.get("negative") or {}
    base = Inputs()
    return dataclasses.replace(
        base,
        gross_margin=float(churn.get("gross_margin", base.gross_margin)),
        horizon_months=float(churn.get("horizon_months", base.horizon_months)),
        acquisition_cost_multiple=float(churn.get("acquisition_cost_multiple", base.acquisition_cost_multiple)),
        slow_reply_hours=float(negative.get("slow_first_reply_hours", base.slow_reply_hours)),
        currency=(settings.get("ui") or {}).get("currency", base.currency),
    )


def monthly_churn(inputs: Inputs) -> float:
    if inputs.monthly_churn_rate is not None:
        return inputs.monthly_churn_rate
    return 1 - (1 - inputs.baseline_churn) ** (1 / 12)


def lost_customer_revenue(inputs: Inputs) -> float:
    """Monthly revenue of a customer lost to support (ARPU unless measured)."""
    if inputs.lost_customer_revenue_monthly is not None:
        return inputs.lost_customer_revenue_monthly
    return inputs.arpu_monthly


def _excess_text(after: float, baseline: float) -> str:
    """'(58.0% - 10.0%)', or 'max(0, 13.2% - 30.0%)' where a group churns less than the baseline
    (counted as no excess, as compute() does)."""
    return (f"({after:.1%} - {baseline:.1%})" if after >= baseline
            else f"max(0, {after:.1%} - {baseline:.1%})")


def compute(inputs: Inputs) -> dict:
    """Customers lost to support per year and what they cost."""
    i = inputs
    exposed = i.customers * i.negative_share
    two_plus = exposed * i.repeat_negative_share
    one = exposed - two_plus
    excess_one = max(0.0, i.churn_after_one - i.baseline_churn)
    excess_two = max(0.0, i.churn_after_two - i.baseline_churn)
    lost_in_period = one * excess_one + two_plus * excess_two
    per_year = 12 / i.period_months if i.period_months else 1.0
    lost = lost_in_period * per_year
    lost_revenue_each = lost_customer_revenue(i)
    revenue_lost = lost * lost_revenue_each * i.horizon_months
    cost_to_retain = i.arpu_monthly * i.retention_cost_months
    acquisition_cost = cost_to_retain * i.acquisition_cost_multiple
    replacement_cost = lost * acquisition_cost
    churn_m = monthly_churn(i)
    ltv = i.arpu_monthly * i.gross_margin / churn_m if churn_m > 0 else None
    return {
        "customers_lost_per_year": lost,
        "revenue_lost": revenue_lost,
        "replacement_cost": replacement_cost,
        "total": revenue_lost + replacement_cost,
        "exposed_customers": exposed,
        "exposed_one": one,
        "exposed_two_plus": two_plus,
        "excess_after_one": excess_one,
        "excess_after_two": excess_two,
        "lost_customer_revenue_monthly": lost_revenue_each,
        "cost_to_retain": cost_to_retain,
        "acquisition_cost": acquisition_cost,
        "monthly_churn_rate": churn_m,
        "ltv": ltv,
        "lifetime_value_lost": lost * ltv if ltv is not None else None,
        "currency": i.currency,
        "steps": [
            f"exposed = {i.customers:,.0f} customers x {i.negative_share:.1%} = {exposed:,.1f}",
            f"lost = {one:,.1f} x {_excess_text(i.churn_after_one, i.baseline_churn)} + {two_plus:,.1f} x "
            f"{_excess_text(i.churn_after_two, i.baseline_churn)} = {lost_in_period:,.1f}"
            + (f" over {i.period_months:g} months = {lost:,.1f} a year" if i.period_months != 12 else " a year"),
            f"revenue lost = {lost:,.1f} x {lost_revenue_each:,.2f} x {i.horizon_months:g} months = {revenue_lost:,.0f} {i.currency}",
            f"replacement cost = {lost:,.1f} x {i.acquisition_cost_multiple:g} x {cost_to_retain:,.2f} = {replacement_cost:,.0f} {i.currency}",
        ],
        "inputs": i.to_dict(),
    }


# ----------------------------------------------------------------------------- from data
def _dose(analysis) -> dict[str, tuple[int, int]]:
    return {r.label: (r.customers, r.churned) for r in analysis.dose_response}


def confounding_factor(analysis) -> float:
    """Headline excess / crude excess: how much of the crude gap survives stratification (1 when
    there is no stratified estimate; 0 when stratification removes it)."""
    crude = analysis.crude.excess.estimate if analysis.crude else None
    head = analysis.estimate.excess.estimate if analysis.estimate else None
    if crude is None or head is None or crude <= 0:
        return 1.0
    return max(0.0, head / crude)


def dose_excess(analysis) -> dict[int, float]:
    """Excess churn over customers with no negative experience, by count (0, 1, 2, 3+), scaled by
    the confounding factor and floored at 0 (a negative gap is read as 'no measurable effect')."""
    dose = _dose(analysis)
    n0, c0 = dose.get("0", (0, 0))
    if not n0:
        return {}
    r0 = c0 / n0
    k = confounding_factor(analysis)
    out = {0: 0.0}
    for i, label in enumerate(("1", "2", "3+"), start=1):
        n, c = dose.get(label, (0, 0))
        out[i] = max(0.0, k * (c / n - r0)) if n else out[i - 1]
    return out


# metrics/churn.py message codes meaning no support record joins the customer list.
NO_SUPPORT_CODES = {"no_support_data", "no_support_data_in_list", "ids_from_rows", "no_customer_ids", "nothing_joins"}


def inputs_from_data(analysis, kpis: dict | None = None, base: Inputs | None = None) -> Inputs:
    """The defaults with every input the data can give replaced and marked as measured."""
    inputs = base or defaults()
    measured: dict = {}
    kpis = kpis or {}
    if analysis is not None and getattr(analysis, "available", False):
        money = analysis.money or {}
        measured["arpu_monthly"] = money.get("arpu_monthly")
        measured["lost_customer_revenue_monthly"] = money.get("exposed_churned_mean_monthly_revenue")
        measured["monthly_churn_rate"] = money.get("monthly_churn_rate")
        dose = _dose(analysis)
        n1, c1 = dose.get("1", (0, 0))
        n2 = dose.get("2", (0, 0))[0] + dose.get("3+", (0, 0))[0]
        c2 = dose.get("2", (0, 0))[1] + dose.get("3+", (0, 0))[1]
        exposed = n1 + n2
        if analysis.customers:
            # Counts stand even when nobody can be compared (all exposed, or none churned), but not when
            # no support record reaches the list: then the share exposed is unknown, not 0.
            measured["customers"] = analysis.customers
            if getattr(analysis, "message_code", "") not in NO_SUPPORT_CODES:
                measured["negative_share"] = exposed / analysis.customers
                measured["repeat_negative_share"] = n2 / exposed if exposed else None
        if analysis.crude is not None and dose.get("0", (0, 0))[0]:
            n0, c0 = dose["0"]
            r0 = c0 / n0
            k = confounding_factor(analysis)
            measured["baseline_churn"] = r0
            # Scaled so that the calculator's loss equals the headline (stratified) estimate.
            # A rate stays within 0-100%: scaling a group that all churned by a ratio above 1 must not
            # give 100.2%.
            measured["churn_after_one"] = min(1.0, max(0.0, r0 + k * (c1 / n1 - r0))) if n1 else None
            measured["churn_after_two"] = min(1.0, max(0.0, r0 + k * (c2 / n2 - r0))) if n2 else None
            measured["period_months"] = analysis.period_months or None
    if kpis.get("sla_breach_rate") is not None:
        measured["sla_breach_rate"] = kpis["sla_breach_rate"]
    if kpis.get("frt_p90_minutes") is not None:
        measured["frt_p90_hours"] = kpis["frt_p90_minutes"] / 60
    elif (getattr(analysis, "what_if_data", None) or {}).get("frt_p90_minutes") is not None:
        measured["frt_p90_hours"] = analysis.what_if_data["frt_p90_minutes"] / 60
    # The currency is the settings' (the analysis carries it through), not a measurement.
    currency = getattr(analysis, "currency", None) or inputs.currency
    return inputs.replace(measured, currency=currency)


# ----------------------------------------------------------------------------- what-if
def _binomial(n: int, p: float) -> list[float]:
    return [math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(n + 1)]


def _kept_from_histogram(analysis, kind: str, keep_ratio: float) -> float | None:
    """Customers (over the analysis period) who would not have churned if each negative contact of
    ``kind`` ('breach' or 'slow') were removed with probability 1 - keep_ratio."""
    data = getattr(analysis, "what_if_data", None) or {}
    setting = {"breach": "sla_breach", "slow": "slow_first_reply"}[kind]
    if not (getattr(analysis, "negative_kinds", None) or {}).get(setting, True):
        return None  # that kind is not counted as negative, so the data cannot say what fixing it keeps
    hist = data.get("negatives_histogram")
    excess = dose_excess(analysis) if hist else {}
    if not hist or not excess:
        return None
    ex = lambda n: excess[min(n, 3)]  # noqa: E731
    remove = min(1.0, max(0.0, 1.0 - keep_ratio))
    kept = 0.0
    for row in hist:
        n, k = row["negatives"], row[kind]
        after = sum(p * ex(n - j) for j, p in enumerate(_binomial(k, remove)))
        kept += row["customers"] * (ex(n) - after)
    return kept


def _result(inputs: Inputs, analysis, kept_period: float | None, fallback_ratio: float, assumption: str) -> dict:
    period = inputs.period_months or 12
    revenue = lost_customer_revenue(inputs)
    if kept_period is not None:
        kept = kept_period * 12 / (getattr(analysis, "period_months", None) or period)
        method = "measured dose-response"
    else:
        kept = compute(inputs)["customers_lost_per_year"] * (1 - fallback_ratio)
        method = "benchmark model"
    return {"customers_kept_per_year": kept, "revenue_kept": kept * revenue * inputs.horizon_months,
            "horizon_months": inputs.horizon_months, "currency": inputs.currency, "method": method,
            "assumption": assumption}


def what_if(inputs: Inputs, analysis, breach_rate_from: float, breach_rate_to: float) -> dict:
    """Customers and revenue kept per year if the SLA breach rate fell from X to Y."""
    ratio = breach_rate_to / breach_rate_from if breach_rate_from else 1.0
    ratio = min(max(ratio, 0.0), 1.0)
    kept = _kept_from_histogram(analysis, "breach", ratio)
    assumption = (f"negative experiences that include an SLA breach fall in proportion to the breach rate "
                  f"({breach_rate_from:.1%} -> {breach_rate_to:.1%}, x{ratio:.2f}); each customer's churn then follows "
                  "the measured churn rate for their new number of negative experiences" if kept is not None else
                  f"customers lost to support fall in proportion to the breach rate (x{ratio:.2f}); an upper bound, as "
                  "other kinds of bad experience stay")
    return {**_result(inputs, analysis, kept, ratio, assumption), "breach_rate_from": breach_rate_from,
            "breach_rate_to": breach_rate_to}


def _share_slower(percentiles: list[float], minutes: float) -> float:
    """Share of first replies slower than ``minutes``, from percentiles 1..99: linear between
    them, and beyond the 99th an exponential tail through the 90th and 99th (S(p90) = 0.1,
    S(p99) = 0.01), so a threshold in the far tail still gives a usable share."""
    p = percentiles
    if minutes <= p[0]:
        return 0.99
    if minutes > p[-1]:
        spread = p[98] - p[89] if len(p) == 99 else 0.0
        return 0.01 * 10 ** (-(minutes - p[-1]) / spread) if spread > 0 else 0.0
    for i in range(1, len(p)):
        lo, hi = p[i - 1], p[i]
        if minutes <= hi:
            frac = (minutes - lo) / (hi - lo) if hi > lo else 1.0
            return 1 - (i + frac) / 100
    return 0.0


def what_if_frt(inputs: Inputs, analysis, frt_p90_from_hours: float, frt_p90_to_hours: float) -> dict:
    """Customers and revenue kept per year if FRT p90 fell from X to under Y hours. Every first
    reply is assumed to speed up by the same factor (Y/X), so a reply is no longer slow when it
    was under threshold x X/Y; slow-reply contacts fall by that share."""
    if frt_p90_from_hours <= 0 or frt_p90_to_hours >= frt_p90_from_hours:
        ratio = 1.0
        kept = _kept_from_histogram(analysis, "slow", 1.0)
    else:
        scale = frt_p90_to_hours / frt_p90_from_hours
        threshold = inputs.slow_reply_hours * 60
        profile = (analysis.what_if_data or {}) if analysis is not None else {}
        pct = profile.get("frt_percentiles_minutes")
        if pct:
            before, after = _share_slower(pct, threshold), _share_slower(pct, threshold / scale)
        else:  # no data: exponential reply times with the given p90, P(X > t) = 10^(-t/p90)
            before = 10 ** (-inputs.slow_reply_hours / frt_p90_from_hours)
            after = 10 ** (-inputs.slow_reply_hours / frt_p90_to_hours)
        ratio = after / before if before > 0 else 1.0
        kept = _kept_from_histogram(analysis, "slow", ratio)
    assumption = (f"every first reply speeds up by the same factor ({frt_p90_from_hours:.1f} h -> {frt_p90_to_hours:.1f} h at p90), "
                  f"so replies slower than {inputs.slow_reply_hours:g} h fall to x{ratio:.2f} of today's; "
                  + ("each customer's churn then follows the measured dose-response" if kept is not None else
                     "customers lost to support fall by the same share (an upper bound)"))
    return {**_result(inputs, analysis, kept, ratio, assumption), "frt_p90_from_hours": frt_p90_from_hours,
            "frt_p90_to_hours": frt_p90_to_hours, "slow_share_ratio": ratio}
