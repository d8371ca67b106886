"""The churn-cost calculator (metrics/calculator.py): benchmark defaults, measured inputs, what-ifs."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from types import SimpleNamespace

import pytest

from metrics import calculator
from metrics.churn import Comparison, Interval, Rate


def test_every_input_has_a_source():
    sources = calculator.Inputs.sources()
    fields = {f.name for f in dataclasses.fields(calculator.Inputs)} - {"measured"}
    assert set(sources) == fields
    assert all(len(s) > 10 for s in sources.values())
    assert "HubSpot" in sources["churn_after_one"] and "58%" in sources["churn_after_one"]
    assert "61-67%" in sources["churn_after_two"]
    assert "5-7x" in sources["acquisition_cost_multiple"]


def test_compute_with_benchmark_defaults_by_hand():
    inputs = calculator.Inputs()
    r = calculator.compute(inputs)
    # exposed = 1000 x 20% = 200; two or more = 200 x 30% = 60; one = 140
    # lost = 140 x (0.58 - 0.10) + 60 x (0.64 - 0.10) = 67.2 + 32.4 = 99.6 a year
    assert r["exposed_customers"] == pytest.approx(200)
    assert r["customers_lost_per_year"] == pytest.approx(99.6)
    # revenue lost = 99.6 x 100 a month x 12 months = 119,520
    assert r["revenue_lost"] == pytest.approx(119_520)
    # replacement = 99.6 x 5 x (1 month x 100) = 49,800; total = 169,320
    assert r["replacement_cost"] == pytest.approx(49_800)
    assert r["total"] == pytest.approx(169_320)
    # monthly churn from 10% a year: 1 - 0.9^(1/12) = 1 - exp(ln 0.9 / 12) = 1 - exp(-0.0087800) = 0.0087416
    # LTV = 100 x 0.7 / 0.0087416 = 8007.7
    assert r["monthly_churn_rate"] == pytest.approx(0.0087416, rel=1e-4)
    assert r["ltv"] == pytest.approx(8007.7, rel=1e-4)
    assert not any(v["measured"] for v in r["inputs"].values())
    json.dumps(r)


def test_ltv_by_hand():
    inputs = calculator.Inputs(arpu_monthly=50.0, gross_margin=0.8, monthly_churn_rate=0.02)
    # 50 x 0.8 / 0.02 = 2000
    assert calculator.compute(inputs)["ltv"] == pytest.approx(2000.0)


def test_defaults_follow_settings():
    s = {"churn": {"gross_margin": 0.5, "horizon_months": 6, "acquisition_cost_multiple": 7,
                   "negative": {"slow_first_reply_hours": 4}}, "ui": {"currency": "RUB"}}
    d = calculator.defaults(s)
    assert (d.gross_margin, d.horizon_months, d.acquisition_cost_multiple, d.slow_reply_hours, d.currency) == (0.5, 6, 7, 4, "RUB")


# ----------------------------------------------------------------------------- with data
def rate(label, n, k):
    return Rate(label, n, k, Interval(k / n if n else None))


def fake_analysis(headline_excess=None):
    """Dose-response 0: 10/100, 1: 15/50, 2: 8/20, 3+: 5/10; exposed 80 (28 churned); 6-month period.
    Histogram: 50 customers with 1 negative (a breach), 20 with 2 (one a breach), 10 with 3 (all breaches)."""
    dose = [rate("0", 100, 10), rate("1", 50, 15), rate("2", 20, 8), rate("3+", 10, 5)]
    crude_excess = 28 / 80 - 10 / 100  # 0.35 - 0.10 = 0.25
    crude = Comparison("crude", rate("exposed", 80, 28), rate("unexposed", 100, 10), Interval(crude_excess),
                       Interval(crude_excess * 80), Interval(None), Interval(None))
    strat = None
    if headline_excess is not None:
        strat = dataclasses.replace(crude, excess=Interval(headline_excess), attributable_churned=Interval(headline_excess * 80))
    return SimpleNamespace(
        available=True, currency="EUR", customers=180, churned=38, period_months=6.0, crude=crude,
        stratified=strat, estimate=strat or crude, dose_response=dose,
        money={"arpu_monthly": 120.0, "monthly_churn_rate": 0.03, "exposed_churned_mean_monthly_revenue": 200.0},
        what_if_data={"negatives_histogram": [
            {"negatives": 1, "breach": 1, "slow": 0, "customers": 50},
            {"negatives": 2, "breach": 1, "slow": 1, "customers": 20},
            {"negatives": 3, "breach": 3, "slow": 0, "customers": 10}]})


def test_inputs_from_data_mark_measured_values():
    inputs = calculator.inputs_from_data(fake_analysis(), {"sla_breach_rate": 0.2, "frt_p90_minutes": 600})
    assert inputs.customers == 180 and inputs.arpu_monthly == 120.0 and inputs.currency == "EUR"
    assert inputs.lost_customer_revenue_monthly == 200.0  # the exposed churners' mean
    assert inputs.negative_share == pytest.approx(80 / 180)
    assert inputs.repeat_negative_share == pytest.approx(30 / 80)    # 20 + 10 with two or more
    assert inputs.baseline_churn == pytest.approx(0.10)
    assert inputs.churn_after_one == pytest.approx(0.30)             # 15/50
    assert inputs.churn_after_two == pytest.approx(13 / 30)          # (8 + 5)/(20 + 10)
    assert inputs.sla_breach_rate == 0.2 and inputs.frt_p90_hours == pytest.approx(10.0)
    assert {"customers", "arpu_monthly", "baseline_churn", "churn_after_one", "sla_breach_rate"} <= inputs.measured
    assert "gross_margin" not in inputs.measured and "acquisition_cost_multiple" not in inputs.measured
    r = calculator.compute(inputs)
    # lost in the 6 months = 50 x (0.30 - 0.10) + 30 x (13/30 - 0.10) = 10 + 10 = 20 = the crude 0.25 x 80
    # a year: 20 x 12/6 = 40
    assert r["customers_lost_per_year"] == pytest.approx(40.0)
    assert r["inputs"]["customers"]["measured"] and r["inputs"]["customers"]["source"] == "measured from your data"
    # LTV from the measured monthly churn: 120 x 0.7 / 0.03 = 2800
    assert r["ltv"] == pytest.approx(2800.0)
    # revenue lost = 40 x 200 (exposed churners' revenue) x 12 = 96,000; replacement = 40 x 5 x 120 (ARPU) = 24,000
    assert r["revenue_lost"] == pytest.approx(96_000)
    assert r["replacement_cost"] == pytest.approx(24_000)


def test_inputs_from_data_follow_the_stratified_estimate():
    # stratification halves the gap (0.125 vs crude 0.25): the calculator's loss halves too
    inputs = calculator.inputs_from_data(fake_analysis(headline_excess=0.125), {})
    # churn_after_one = 0.10 + 0.5 x 0.20 = 0.20; lost = 50 x 0.10 + 30 x 0.5 x (13/30 - 0.10) = 5 + 5 = 10 in 6 months
    assert inputs.churn_after_one == pytest.approx(0.20)
    assert calculator.compute(inputs)["customers_lost_per_year"] == pytest.approx(20.0)


def test_without_data_nothing_is_measured():
    inputs = calculator.inputs_from_data(SimpleNamespace(available=False), None)
    assert inputs.measured == set()
    assert inputs == calculator.defaults()


def test_what_if_breach_rate_halved_uses_the_dose_response():
    analysis = fake_analysis()
    inputs = calculator.inputs_from_data(analysis, {})
    r = calculator.what_if(inputs, analysis, 0.10, 0.05)
    # excess by count: 1 -> 0.20, 2 -> 0.30, 3+ -> 0.40; each breach contact removed with probability 0.5
    #   1 negative (a breach), 50 customers: 0.20 - (0.5 x 0.20 + 0.5 x 0) = 0.10 -> 5
    #   2 negatives (one a breach), 20:      0.30 - (0.5 x 0.30 + 0.5 x 0.20) = 0.05 -> 1
    #   3 breaches, 10: 0.40 - (1/8 x 0.40 + 3/8 x 0.30 + 3/8 x 0.20 + 1/8 x 0) = 0.40 - 0.2375 = 0.1625 -> 1.625
    # 7.625 in 6 months = 15.25 a year; revenue 15.25 x 200 x 12 months = 36,600
    assert r["customers_kept_per_year"] == pytest.approx(15.25)
    assert r["revenue_kept"] == pytest.approx(36_600)
    assert r["method"] == "measured dose-response"
    assert calculator.what_if(inputs, analysis, 0.10, 0.10)["customers_kept_per_year"] == pytest.approx(0.0)


def test_what_if_without_data_is_proportional():
    inputs = calculator.Inputs()
    r = calculator.what_if(inputs, None, 0.10, 0.04)
    # 99.6 lost a year x (1 - 0.04/0.10) = 59.76; revenue 59.76 x 100 x 12 = 71,712
    assert r["customers_kept_per_year"] == pytest.approx(59.76)
    assert r["revenue_kept"] == pytest.approx(71_712)
    assert r["method"] == "benchmark model"


def test_what_if_frt_without_data_assumes_exponential_replies():
    inputs = calculator.Inputs()  # slow = 12 h
    r = calculator.what_if_frt(inputs, None, 24.0, 12.0)
    # P(reply > 12 h) with p90 24 h: 10^(-12/24) = 0.316228; with p90 12 h: 10^(-1) = 0.1; ratio 0.316228
    # kept = 99.6 x (1 - 0.316228) = 68.1037
    assert r["slow_share_ratio"] == pytest.approx(0.316228, rel=1e-5)
    assert r["customers_kept_per_year"] == pytest.approx(99.6 * (1 - 0.316228), rel=1e-5)


def test_what_if_frt_with_measured_percentiles():
    analysis = fake_analysis()
    # first replies: percentile i = 10 x i minutes (1 -> 10 min ... 99 -> 990 min); slow = 12 h = 720 min
    analysis.what_if_data["frt_percentiles_minutes"] = [10.0 * i for i in range(1, 100)]
    inputs = calculator.inputs_from_data(analysis, {"frt_p90_minutes": 900})
    r = calculator.what_if_frt(inputs, analysis, 15.0, 7.5)
    # today 28% of replies exceed 720 min (percentile 72); twice as fast, a reply is slow if it took > 1440 min
    #   today: beyond the 99th percentile, 0.01 x 10^(-(1440 - 990)/(990 - 900)) = 0.01 x 10^-5 = 1e-7
    # ratio = 1e-7 / 0.28 = 3.5714e-7: virtually every slow contact goes
    assert r["slow_share_ratio"] == pytest.approx(1e-7 / 0.28, rel=1e-3)
    # histogram slow counts: 20 customers with 2 negatives, one slow: 0.30 - 0.20 = 0.10 each -> 2 (x ~1)
    # 2 in 6 months -> 4 a year
    assert r["customers_kept_per_year"] == pytest.approx(4.0, rel=1e-4)
    assert r["method"] == "measured dose-response"


def test_calculator_on_a_measured_analysis():
    """End to end: the analysis of a small store feeds the calculator (no hand figures beyond the
    identity: calculator loss over the period = headline attributable churned)."""
    import duckdb

    from loaders.store import init_schema
    from metrics import churn

    con = duckdb.connect(":memory:")
    init_schema(con)
    con.execute("CREATE TABLE ticket_metrics (source VARCHAR, source_id VARCHAR, customer_id VARCHAR, created_at TIMESTAMP, "
                "sla_breached BOOLEAN, first_reply_calendar_minutes DOUBLE, reopens INTEGER, repeat_contact BOOLEAN)")
    # 4 customers: a (churned, breached), b (stayed, breached), c (churned), d, e (stayed)
    con.execute("INSERT INTO customers (source, source_id, started_at, churned_at, churned, monthly_revenue) VALUES "
                "('crm','a','2023-01-01','2024-06-01',true,100), ('crm','b','2023-01-01',NULL,false,100), "
                "('crm','c','2023-01-01','2024-07-01',true,100), ('crm','d','2023-01-01',NULL,false,100), "
                "('crm','e','2023-01-01',NULL,false,100)")
    con.execute("INSERT INTO ticket_metrics VALUES ('zd','1','a','2024-05-01',true,10,0,false), "
                "('zd','2','b','2024-12-01',true,10,0,false), ('zd','3','d','2024-01-01',false,10,0,false)")
    a = churn.analyse(con, None, as_of=dt.date(2024, 12, 31))
    inputs = calculator.inputs_from_data(a, {})
    r = calculator.compute(inputs)
    # exposed a, b: 1/2 churned; unexposed c, d, e: 1/3 -> excess 1/6, attributable 2 x 1/6 = 1/3 over the period
    assert a.crude.attributable_churned.estimate == pytest.approx(1 / 3)
    assert r["customers_lost_per_year"] == pytest.approx(1 / 3 * 12 / a.period_months)


def test_what_if_falls_back_when_breaches_are_not_counted():
    analysis = fake_analysis()
    analysis.negative_kinds = {"sla_breach": False}
    inputs = calculator.inputs_from_data(analysis, {})
    r = calculator.what_if(inputs, analysis, 0.10, 0.05)
    # benchmark model on the measured inputs: 40 lost a year (see above) x (1 - 0.5) = 20
    assert r["method"] == "benchmark model"
    assert r["customers_kept_per_year"] == pytest.approx(20.0)


def test_steps_say_when_a_group_churns_below_the_baseline():
    """Two or more bad experiences churning less than none (13.2% vs 30%) counts as no excess:
    exposed = 1,000 x 20% = 200: one 140, two or more 60;
    lost = 140 x (31.9% - 30%) + 60 x max(0, 13.2% - 30%) = 2.66 + 0 = 2.66."""
    r = calculator.compute(calculator.Inputs(customers=1000, negative_share=0.2, repeat_negative_share=0.3,
                                             baseline_churn=0.30, churn_after_one=0.319, churn_after_two=0.132))
    assert r["customers_lost_per_year"] == pytest.approx(2.66)
    assert r["steps"][1] == "lost = 140.0 x (31.9% - 30.0%) + 60.0 x max(0, 13.2% - 30.0%) = 2.7 a year"


def test_scaled_churn_rates_stay_within_100_percent():
    """Every customer with two or more bad experiences churned (13/30 -> here 30/30) and the
    stratified excess is 1.2x the crude one: 0.10 + 1.2 x (1.0 - 0.10) = 1.18 would be a churn rate
    of 118%; it is kept at 100%. After one: 0.10 + 1.2 x (15/50 - 0.10) = 0.34."""
    a = fake_analysis()
    a.dose_response = [rate("0", 100, 10), rate("1", 50, 15), rate("2", 20, 20), rate("3+", 10, 10)]
    crude_excess = 45 / 80 - 0.10
    a.crude = dataclasses.replace(a.crude, exposed=rate("exposed", 80, 45), excess=Interval(crude_excess))
    a.stratified = dataclasses.replace(a.crude, excess=Interval(crude_excess * 1.2))
    a.estimate = a.stratified
    inputs = calculator.inputs_from_data(a, {})
    assert inputs.churn_after_two == 1.0
    assert inputs.churn_after_one == pytest.approx(0.34)
