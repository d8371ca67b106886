"""Churn lists as they come (issues 13 and 22): snapshot lists without dates, stated reasons in
support / possibly support / other, and the support columns a list carries itself. Every figure is
checked against a hand count written beside it (fixtures in tests/fixtures/churn/, written for
these tests).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

import config
from loaders import registry
from loaders.base import LoadOptions
from loaders.store import Store, init_schema
from metrics import churn, churn_reasons
from metrics.churn_stats import newcombe

FIX = Path(__file__).parent / "fixtures" / "churn"
AS_OF = dt.date(2024, 6, 30)


def settings(**churn_overrides) -> dict:
    s = config.defaults()
    s["churn"].update(churn_overrides)
    return s


def load(tmp_path: Path, *names: str, options: LoadOptions | None = None) -> Store:
    store = Store(tmp_path / "db.duckdb")
    reports = store.load_files([FIX / n if not Path(n).is_absolute() else Path(n) for n in names],
                               options or LoadOptions(as_of=AS_OF))
    for r in reports:
        assert r.status == "loaded", r.text()
    store.reports = reports
    return store


def analyse(store: Store, s: dict | None = None) -> churn.ChurnAnalysis:
    cur = store.cursor()
    try:
        return churn.analyse(cur, s or settings())
    finally:
        cur.close()


# ----------------------------------------------------------------------------- issue 13: Yes/No snapshot
def test_yes_no_list_rate_revenue_and_ltv_by_hand(tmp_path):
    """classic_yes_no.csv (IBM classic shape), 8 customers, as of 2024-06-30:
      churned (Churn = Yes): A03 53.85 / 108.15, A05 70.70 / 151.65, A06 99.65 / 820.50 -> 3
      A07 has tenure 0 and stayed: joined during the period, counted apart (its TotalCharges is ' ')
      compared = 8 - 1 = 7; churn rate = 3 / 7
      lost monthly revenue = 53.85 + 70.70 + 99.65 = 224.20
      already earned from churned = 108.15 + 151.65 + 820.50 = 1,080.30
      customer-months = 1 + 34 + 2 + 45 + 2 + 8 + 0 + 10 = 102; monthly churn = 3 / 102
      ARPU = (29.85 + 56.95 + 53.85 + 42.30 + 70.70 + 99.65 + 20.25 + 29.75) / 8 = 403.30 / 8 = 50.4125
      LTV = 50.4125 x 0.7 / (3 / 102) = 35.28875 x 34 = 1,199.8175"""
    store = load(tmp_path, "classic_yes_no.csv")
    [report] = store.reports
    assert report.loader == "crm_customers" and (report.rows_in, report.rows_loaded) == (8, 8)
    notes = " | ".join(report.notes)
    assert "as of 2024-06-30 (--as-of)" in notes
    assert "'TotalCharges': 1 blank" in notes
    assert "churned 3, stayed 4, joined during the period 1" in notes
    a = analyse(store)
    s = a.snapshot
    assert a.mode == "snapshot" and s["as_of"] == "2024-06-30"
    assert (s["compared"], s["churned"], s["stayed"], s["joined"]) == (7, 3, 4, 1)
    assert s["churn_rate"]["estimate"] == pytest.approx(3 / 7)
    assert s["lost_monthly_revenue"] == pytest.approx(224.20)
    assert s["earned_from_churned"] == pytest.approx(1080.30)
    assert s["customer_months"] == pytest.approx(102)
    assert s["monthly_churn"]["estimate"] == pytest.approx(3 / 102)
    assert s["arpu"] == pytest.approx(50.4125) and s["arpu_basis"] == "list"
    assert s["ltv"] == pytest.approx(1199.8175)
    assert s["ltv_formula"] == "ARPU 50.41 x gross margin 70% / monthly churn 2.9412% = 1,199.82"
    assert s["monthly_churn_formula"] == "3 churned / 102.0 customer-months observed = 2.9412% a month"
    # The estimated start: as of minus tenure (A02: 34 months before 2024-06-30), marked estimated.
    row = store.query("SELECT started_at, started_estimated, joined, total_revenue FROM customers WHERE source_id = 'A02'").row(0)
    assert row[:3] == (dt.date(2021, 8, 30), True, False)
    # No support data and no support columns: said, not zeros.
    assert a.message_code == "no_support_data" and a.crude is None


def test_cli_churn_json_on_the_yes_no_list(tmp_path, capsys):
    import cli

    db = tmp_path / "db.duckdb"
    assert cli.main(["load", "--db", str(db), "--as-of", "2024-06-30", str(FIX / "classic_yes_no.csv")]) == 0
    capsys.readouterr()
    assert cli.main(["churn", "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    snap = data["analysis"]["snapshot"]
    assert snap["lost_monthly_revenue"] == pytest.approx(224.20) and snap["ltv"] == pytest.approx(1199.8175)
    # The calculator takes the measured ARPU and monthly churn, but no share exposed: nothing joins, so
    # that share is unknown (an assumption), never a measured 0.
    inputs = data["calculator"]["inputs"]
    assert inputs["monthly_churn_rate"]["measured"] and inputs["monthly_churn_rate"]["value"] == pytest.approx(3 / 102)
    assert inputs["arpu_monthly"]["value"] == pytest.approx(50.4125)
    assert not inputs["negative_share"]["measured"]
    assert cli.main(["churn", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "churn rate 42.9%" in text and "224.20 USD" in text and "= 1,199.82" in text


def test_as_of_defaults_to_the_file_date_and_bad_dates_are_usage_errors(tmp_path, capsys):
    import cli

    path = tmp_path / "list.csv"
    shutil.copy(FIX / "classic_yes_no.csv", path)
    stamp = dt.datetime(2023, 3, 15, 12, 0).timestamp()
    os.utime(path, (stamp, stamp))
    store = Store(tmp_path / "db.duckdb")
    [r] = store.load_files([path])
    assert any("as of 2023-03-15 (the file's modification date" in n for n in r.notes)
    assert store.query("SELECT DISTINCT as_of FROM customers").item() == dt.date(2023, 3, 15)
    assert cli.main(["load", "--db", str(tmp_path / "x.duckdb"), "--as-of", "30/06/2024", str(path)]) == 2
    assert "is not a date" in capsys.readouterr().err


# ----------------------------------------------------------------------------- issue 13: stated reasons
STATUS_SUPPORT = {"Attitude of support person": 70.00, "Poor expertise of phone support": 45.25,
                  "Долго отвечала поддержка": 50.00}
STATUS_POSSIBLE = {"Service dissatisfaction": 60.10, "Attitude": 0.0}  # C10: category only, charge -5.00 left out
STATUS_OTHER = {"Competitor made better offer": 89.90, "Limited range of services": 99.00,
                "Attitude of service provider": 75.00, "Lack of self-service on website": 35.00}


def test_stated_reasons_strict_and_possible_by_hand(tmp_path):
    """status_reasons.csv: 14 customers, Customer Status Stayed/Churned/Joined.
      churned: C01 C03 C04 C06 C07 C08 C10 C13 C14 -> 9, all with a reason or category
      support: C01 'Attitude of support person' 70.00, C04 'Poor expertise of phone support' 45.25,
               C13 'Долго отвечала поддержка' 50.00 -> 3 customers, 165.25
      possibly support: C07 'Service dissatisfaction' 60.10, C10 category 'Attitude' (no reason;
               its -5.00 charge is a credit, left out) -> 2 customers, 60.10
      other: C03 competitor 89.90, C06 'Limited range of services' 99.00, C08 'Attitude of service
               provider' 75.00, C14 'Lack of self-service on website' 35.00 -> 4 customers, 298.90"""
    store = load(tmp_path, "status_reasons.csv")
    s = analyse(store).stated_reasons
    assert (s["churned"], s["churned_with_reason"]) == (9, 9)
    classes = s["classes"]
    for cls, expected in (("support", STATUS_SUPPORT), ("possibly_support", STATUS_POSSIBLE), ("other", STATUS_OTHER)):
        got = {v["value"]: v["monthly_revenue"] for v in classes[cls]["values"]}
        assert got == pytest.approx(expected), cls
        assert classes[cls]["customers"] == len(expected)
        assert classes[cls]["monthly_revenue"] == pytest.approx(sum(expected.values()))
    assert classes["support"]["monthly_revenue"] == pytest.approx(165.25)
    assert classes["possibly_support"]["monthly_revenue"] == pytest.approx(60.10)
    assert classes["other"]["monthly_revenue"] == pytest.approx(298.90)
    assert {v["field"] for v in classes["possibly_support"]["values"] if v["value"] == "Attitude"} == {"category"}
    assert s["support_reason_churned"] == 3 and s["possibly_support_churned"] == 2


def test_a_reason_moved_in_settings_changes_class_everywhere(tmp_path, capsys, monkeypatch):
    """as_support = ['service dissatisfaction'] (any case): C07 moves from possibly support to
    support: support 4 customers, 165.25 + 60.10 = 225.35; possibly support 1 (C10, 0.00)."""
    store = load(tmp_path, "status_reasons.csv")
    moved = settings()
    moved["churn"]["reasons"]["as_support"] = ["service dissatisfaction"]
    s = analyse(store, moved).stated_reasons
    assert s["classes"]["support"]["customers"] == 4
    assert s["classes"]["support"]["monthly_revenue"] == pytest.approx(225.35)
    assert [v["moved"] for v in s["classes"]["support"]["values"] if v["value"] == "Service dissatisfaction"] == [True]
    assert s["classes"]["possibly_support"]["customers"] == 1
    # The same through the settings file and `churn --json`.
    import cli

    path = tmp_path / "settings.toml"
    path.write_text('[churn.reasons]\nas_support = ["Service dissatisfaction"]\n', encoding="utf-8")
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(path))
    assert cli.main(["churn", "--db", str(store.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["analysis"]["stated_reasons"]
    assert data["classes"]["support"]["customers"] == 4 and data["moved"]["as_support"] == ["Service dissatisfaction"]


@pytest.mark.parametrize("value, expected", [
    # the examples of a generic word that is not enough: company or product reasons
    ("Limited range of services", "other"),
    ("Lack of self-service on website", "other"),
    ("Attitude of service provider", "other"),
    # support staff or support work
    ("Attitude of support person", "support"),
    ("Poor expertise of online support", "support"),
    ("Rude support agent", "support"),
    ("Issue was never resolved", "support"),
    ("Support took too long to reply", "support"),
    ("Грубый оператор", "support"),
    ("Долго отвечала поддержка", "support"),
    # broader wording
    ("Service dissatisfaction", "possibly_support"),
    ("Attitude", "possibly_support"),
    ("Плохое обслуживание", "possibly_support"),
    # neither
    ("Product dissatisfaction", "other"),
    ("Перешёл к другому оператору", "other"),  # a carrier, not a call-centre operator
    ("Price too high", "other"),
    ("Intruder on the account", "other"),      # 'rude' inside a word does not count
])
def test_reason_classes(value, expected):
    words = churn_reasons.reason_settings(config.defaults())
    assert churn_reasons.classify(value, words) == (expected, False)


def test_word_lists_live_in_settings_not_code():
    """Empty lists classify everything as other; the defaults hold English and Russian words."""
    empty = {k: [] for k in ("support", "possibly_support", "not_support", "as_support", "as_possibly_support", "as_other")}
    assert churn_reasons.classify("Attitude of support person", empty) == ("other", False)
    defaults = config.defaults()["churn"]["reasons"]
    assert "support person" in defaults["support"] and "поддержк" in defaults["support"]
    assert "self-service" in defaults["not_support"]


def test_stated_reasons_beside_the_statistical_estimate(tmp_path):
    """status_reasons.csv with surveys for its customers (a snapshot: every response up to the as-of
    date counts). CSAT 1-5, bad at <= 2: C01 1, C04 2, C08 1, C11 2 are exposed (4; churned C01, C04,
    C08 = 3); the other 9 compared customers (C05 joined, counted apart) are unexposed, churned C03,
    C06, C07, C10, C13, C14 = 6. The estimate comes from the loaded surveys and is set beside the 3
    customers who named support."""
    survey = tmp_path / "survey.csv"
    scores = {"C01": 1, "C02": 5, "C03": 4, "C04": 2, "C06": 5, "C07": 4, "C08": 1, "C09": 4, "C11": 2, "C12": 5,
              "C13": 3, "C14": 4}
    survey.write_text("Customer ID,Date,How satisfied were you with our support?\n"
                      + "".join(f"{c},2024-05-{i + 1:02d},{v}\n" for i, (c, v) in enumerate(scores.items())), encoding="utf-8")
    store = load(tmp_path, "status_reasons.csv", str(survey))
    a = analyse(store)
    assert a.mode == "snapshot" and a.excluded == {"joined_during_period": 1}
    assert (a.crude.exposed.customers, a.crude.exposed.churned) == (4, 3)
    assert (a.crude.unexposed.customers, a.crude.unexposed.churned) == (9, 6)
    m = a.stated_reasons["measured"]
    assert m["source"] == "loaded" and m["estimate"] == pytest.approx(a.estimate.attributable_churned.estimate)
    assert a.stated_reasons["difference"]["code"] in ("within", "measured_higher", "stated_higher")
    assert a.stated_reasons["difference"]["stated_support"] == 3


# ----------------------------------------------------------------------------- issue 22: in-list support columns
ANON_BUCKETS = {  # label: (customers, churned), counted from anonymous_service_calls.csv
    "0": (5, 1),   # NJ, AL, MO, WV (churned), RI
    "1": (5, 1),   # KS, OH, LA, IA 168, ID (churned)
    "2": (2, 1),   # OH 84, CO (churned)
    "3": (4, 0),   # OK, MA, MT, VT
    "4": (3, 2),   # IN (churned), IA 62, NY (churned)
    "5+": (3, 2),  # VA 5 (churned), TX 6 (churned), FL 5
}
ANON_DAYS = [128, 107, 137, 84, 75, 118, 121, 147, 117, 141, 65, 74, 168, 95, 62, 161, 85, 93, 76, 73, 77, 130]


def test_anonymous_list_per_bucket_by_hand(tmp_path):
    store = load(tmp_path, "anonymous_service_calls.csv")
    [r] = store.reports
    notes = " | ".join(r.notes)
    assert r.loader == "crm_customers"
    assert "no customer id column: each row's id is the file name and its row number (anonymous_service_calls.csv:2" in notes
    assert "tenure 'Account length' read in days (from the values: the longest is 168" in notes
    assert "support contacts from 'Customer service calls'" in notes
    ids = store.query("SELECT source_id, id_from_row FROM customers ORDER BY source_id").rows()
    assert len(ids) == 22 and ("anonymous_service_calls.csv:2", True) in ids and ("anonymous_service_calls.csv:23", True) in ids
    kansas = store.query("SELECT tenure_months, support_contacts, churned FROM customers "
                         "WHERE source_id = 'anonymous_service_calls.csv:2'").row(0)
    assert kansas == (pytest.approx(128 / (365.25 / 12)), 1, False)

    a = analyse(store)
    il = a.in_list
    got = {b["label"]: (b["customers"], b["churned"]) for b in il["contacts"]["buckets"]}
    assert got == ANON_BUCKETS
    rates = {b["label"]: b["rate"]["estimate"] for b in il["contacts"]["buckets"]}
    assert rates == pytest.approx({k: c / n for k, (n, c) in ANON_BUCKETS.items()})
    # exposed (1+ contacts): 17 customers, 6 churned; unexposed: 5, 1 churned
    comp = il["contacts"]["comparison"]
    assert (comp["exposed"]["customers"], comp["exposed"]["churned"]) == (17, 6)
    assert (comp["unexposed"]["customers"], comp["unexposed"]["churned"]) == (5, 1)
    assert comp["excess"]["estimate"] == pytest.approx(6 / 17 - 1 / 5)
    assert comp["excess"]["low"] == pytest.approx(newcombe(6, 17, 1, 5).low)
    assert comp["attributable_churned"]["estimate"] == pytest.approx((6 / 17 - 1 / 5) * 17)  # 2.6
    # no charges in the list: the calculator's ARPU (100, assumed), and it says so
    assert comp["revenue_basis"] == "calculator" and comp["revenue_each_monthly"] == 100
    assert comp["cost_monthly"]["estimate"] == pytest.approx(2.6 * 100)
    assert comp["cost_horizon"]["estimate"] == pytest.approx(2.6 * 100 * 12)
    # the list's curve beside the industry figures: after one 1/5; after two or more: buckets 2, 3, 4, 5+
    # hold 2 + 4 + 3 + 3 = 12 customers, 1 + 0 + 2 + 2 = 5 churned
    assert il["contacts"]["after_one"] == pytest.approx(0.2) and il["contacts"]["after_two_plus"] == pytest.approx(5 / 12)
    assert [i["rate"] for i in il["industry"]] == [0.58, 0.64]
    # nothing can join a list without ids; the snapshot still gives its figures
    assert a.message_code == "no_support_data_in_list"
    assert a.snapshot["customer_months"] == pytest.approx(sum(ANON_DAYS) / (365.25 / 12))
    assert a.snapshot["monthly_churn"]["estimate"] == pytest.approx(7 / (sum(ANON_DAYS) / (365.25 / 12)))
    assert a.snapshot["lost_monthly_revenue"] is None  # no charge column: not measurable, not 0


def test_tenure_unit_override(tmp_path):
    store = load(tmp_path, "anonymous_service_calls.csv", options=LoadOptions(as_of=AS_OF, tenure_unit="months"))
    [r] = store.reports
    assert any("tenure 'Account length' read in months (from --tenure-unit)" in n for n in r.notes)
    assert store.query("SELECT tenure_months FROM customers WHERE source_id = 'anonymous_service_calls.csv:2'").item() == 128


def test_complaint_and_satisfaction_by_hand(tmp_path):
    """complaint_satisfaction.csv, 16 customers (Exited 1 = churned; Tenure in years, bank layout).
      complained: ids 1 4 7 10 13 -> 5, churned 1 4 7 10 -> 4 (80%)
      did not: 11 customers, churned 6 and 15 -> 2
      per score: 1: ids 4 8 15 -> 3, 2 churned; 2: ids 1 6 10 14 -> 4, 3; 3: ids 2 7 12 -> 3, 1;
                 4: ids 5 9 13 -> 3, 0; 5: ids 3 11 16 -> 3, 0
      low (<= 2 on 1-5): 7 customers, 5 churned; the rest 9, 1 churned
      bad experiences (complaint + low score): 0: ids 2 3 5 9 11 12 16 -> 7, 0;
                 1: ids 6 7 8 13 14 15 -> 6, 3 (6, 7, 15); 2: ids 1 4 10 -> 3, 3
      money, complaint: exposed churners' monthly fees 20, 10, 10, 40 -> 20.00 each;
                 attributable = (4/5 - 2/11) x 5 = 3.0909; cost 61.82 a month
      money, low score: churners 1 (20), 4 (10), 6 (20), 10 (40), 15 (-10: a credit, left out) -> 22.50;
                 attributable = (5/7 - 1/9) x 7 = 4.2222; cost 95.00 a month"""
    store = load(tmp_path, "complaint_satisfaction.csv")
    [r] = store.reports
    notes = " | ".join(r.notes)
    assert "complaint flag from 'Complain'" in notes and "satisfaction score from 'Satisfaction Score' on 1-5" in notes
    il = analyse(store).in_list
    complaint = il["complaint"]
    assert {g["label"]: (g["customers"], g["churned"]) for g in complaint["groups"]} == {"no": (11, 2), "yes": (5, 4)}
    assert complaint["groups"][1]["rate"]["estimate"] == pytest.approx(0.8)
    assert complaint["groups"][1]["excess"]["estimate"] == pytest.approx(0.8 - 2 / 11)
    sat = il["satisfaction"]
    assert (sat["kind"], sat["scale_min"], sat["scale_max"]) == ("csat", 1.0, 5.0)
    assert {g["label"]: (g["customers"], g["churned"], g["low"]) for g in sat["scores"]} == {
        "1": (3, 2, True), "2": (4, 3, True), "3": (3, 1, False), "4": (3, 0, False), "5": (3, 0, False)}
    low = sat["comparison"]
    assert (low["exposed"]["customers"], low["exposed"]["churned"], low["unexposed"]["customers"],
            low["unexposed"]["churned"]) == (7, 5, 9, 1)
    bad = il["bad_experiences"]
    assert {g["label"]: (g["customers"], g["churned"]) for g in bad["groups"]} == {"0": (7, 0), "1": (6, 3), "2": (3, 3)}
    assert (bad["after_one"], bad["after_two_plus"]) == (pytest.approx(0.5), pytest.approx(1.0))
    comp = complaint["comparison"]
    assert comp["revenue_basis"] == "list" and comp["revenue_each_monthly"] == pytest.approx(20.0)
    assert comp["attributable_churned"]["estimate"] == pytest.approx((0.8 - 2 / 11) * 5)
    assert comp["cost_monthly"]["estimate"] == pytest.approx((0.8 - 2 / 11) * 5 * 20)
    assert low["revenue_each_monthly"] == pytest.approx(22.5) and low["revenue_basis_customers"] == 4
    assert low["cost_monthly"]["estimate"] == pytest.approx((5 / 7 - 1 / 9) * 7 * 22.5)
    # 13 of 16 sorted right by the complaint flag (4 complainers left, 9 of 11 others stayed): no caution
    assert comp["accuracy"] == pytest.approx(13 / 16) and not comp["leakage_caution"] and il["leakage"] == []


def test_near_perfect_predictor_is_shown_with_a_leakage_caution(tmp_path):
    """100 customers: 20 complained and 19 of them left; 1 of the 80 others left -> 98 of 100 sorted
    right (98% >= 95%): shown as it is, with the caution."""
    rows = ["Customer ID,Tenure,Monthly Charge,Complaint,Churn"]
    for i in range(100):
        complained = i < 20
        left = (complained and i != 0) or i == 50
        rows.append(f"K{i},{1 + i % 30},10,{'Yes' if complained else 'No'},{'Yes' if left else 'No'}")
    path = tmp_path / "leaky.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    il = analyse(load(tmp_path, str(path))).in_list
    comp = il["complaint"]["comparison"]
    assert comp["exposed"]["rate"]["estimate"] == pytest.approx(19 / 20)
    assert comp["unexposed"]["rate"]["estimate"] == pytest.approx(1 / 80)
    assert comp["accuracy"] == pytest.approx(0.98) and comp["leakage_caution"]
    assert il["leakage"] == ["complaint"]


def test_values_as_they_come(tmp_path):
    """Blank and single-space numbers are empty; a negative monthly charge is kept, counted and left
    out of revenue sums; a third value in a flag column is neither yes nor no."""
    path = tmp_path / "odd.csv"
    path.write_text("Customer ID,Tenure,Monthly Charges,Total Charges,Complaint,Churn\n"
                    "X1,5,50, ,Yes,Yes\n"            # total ' ': empty
                    "X2,3,-20,100,No,Yes\n"         # a credit: kept, left out of sums
                    "X3,7, ,70,No internet service,No\n"  # monthly ' '; complaint: third value
                    "X4,2,30,60,No,No\n", encoding="utf-8")
    store = load(tmp_path, str(path))
    [r] = store.reports
    assert r.rows_loaded == 4 and r.rows_rejected == 0
    assert any("'Monthly Charges': 1 negative" in n and "1 blank" in n for n in r.notes)
    assert any("'No internet service'" in w.lower() or "no internet service" in w for w in r.warnings)
    rows = dict(store.query("SELECT source_id, monthly_revenue FROM customers").rows())
    assert rows == {"X1": 50.0, "X2": -20.0, "X3": None, "X4": 30.0}
    assert store.query("SELECT complained FROM customers WHERE source_id = 'X3'").item() is None
    s = analyse(store).snapshot
    assert s["lost_monthly_revenue"] == pytest.approx(50.0)  # X2's -20 left out
    assert (s["churned_negative_monthly"], s["negative_monthly_customers"], s["churned_blank_total"]) == (1, 1, 1)
    assert s["arpu"] == pytest.approx((50 + 30) / 2) and s["arpu_customers"] == 2


def test_a_churn_list_is_never_tickets():
    for name in ("anonymous_service_calls.csv", "complaint_satisfaction.csv", "classic_yes_no.csv", "status_reasons.csv"):
        adapter, confidence, why = registry.choose(FIX / name)
        assert adapter.name == "crm_customers", (name, adapter.name, why)
        assert confidence >= 0.85


# ----------------------------------------------------------------------------- joins
def test_nothing_joins_is_said_not_zero(tmp_path):
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("id,created,status,customer id\n1,2024-05-01 09:00,open,Z1\n2,2024-05-02 09:00,open,Z2\n",
                       encoding="utf-8")
    store = load(tmp_path, "classic_yes_no.csv")
    store.load_files([tickets], LoadOptions(table="tickets", tz="UTC"), format="generic")
    a = analyse(store)
    assert a.message_code == "nothing_joins" and a.crude is None
    assert a.joins["tables"]["tickets"]["matching_customers"] == 0 and a.joins["customers_joined"] == 0
    assert "Z1" in a.message
    anon = load(tmp_path / "anon", "anonymous_service_calls.csv")
    anon.load_files([tickets], LoadOptions(table="tickets", tz="UTC"), format="generic")
    assert analyse(anon).message_code == "ids_from_rows"


def test_undated_survey_responses_count_in_a_snapshot(tmp_path):
    """A survey sheet without dates (stored with responded_at empty): in a snapshot list every
    response counts, as the window is the whole tenure. A03 and A05 rated 1 (bad) and churned; A02
    rated 5: exposed 2 customers, both churned; the 5 other compared customers, 1 churned (A06)."""
    store = load(tmp_path, "classic_yes_no.csv")
    with store.writer(rebuild=False) as con:
        con.execute("INSERT INTO surveys (source, source_id, responded_at, kind, score, scale_min, scale_max, customer_id) "
                    "VALUES ('s', '1', NULL, 'csat', 1, 1, 5, 'A03'), ('s', '2', NULL, 'csat', 1, 1, 5, 'A05'), "
                    "('s', '3', NULL, 'csat', 5, 1, 5, 'A02')")
    a = analyse(store)
    assert (a.crude.exposed.customers, a.crude.exposed.churned) == (2, 2)
    assert (a.crude.unexposed.customers, a.crude.unexposed.churned) == (5, 1)


def test_one_survey_form_with_two_questions_is_one_contact(tmp_path):
    """An undated survey sheet with an NPS and a CSAT question per row (loaded through the real
    survey reader: one row per answer, ids 'row 2:1', 'row 2:2'), against classic_yes_no.csv:
      A03: NPS 2, CSAT 1 -> both bad, but one form: 1 negative experience (not 2); churned
      A05: NPS 3, CSAT 4 -> 1 (detractor); churned
      A02: NPS 9, CSAT 5 -> none
    exposed 2 customers, both churned, each with exactly 1 negative experience; dose '2' is empty."""
    survey = tmp_path / "survey.csv"
    survey.write_text("Customer ID,How likely are you to recommend Acme to a friend or colleague?,"
                      "How satisfied were you with our support?\nA03,2,1\nA05,3,4\nA02,9,5\n", encoding="utf-8")
    store = load(tmp_path, "classic_yes_no.csv", str(survey))
    assert store.query("SELECT count(*) FROM surveys").item() == 6
    a = analyse(store)
    assert (a.crude.exposed.customers, a.crude.exposed.churned) == (2, 2)
    dose = {d.label: (d.customers, d.churned) for d in a.dose_response}
    assert dose["1"] == (2, 2) and dose["2"] == (0, 0)


def test_in_list_and_loaded_support_are_never_added(tmp_path):
    """complaint_satisfaction.csv has ids 1..16; a survey sheet rates customers 1 and 2. The in-list
    figures stay those of the list (hand count above); the overlap is said."""
    survey = tmp_path / "survey.csv"
    survey.write_text("Customer ID,Date,How satisfied were you with our support?\n1,2024-05-01,1\n2,2024-05-02,1\n",
                      encoding="utf-8")
    a = analyse(load(tmp_path, "complaint_satisfaction.csv", str(survey)))
    assert a.in_list["overlap_with_loaded"] == 2
    assert {g["label"]: (g["customers"], g["churned"]) for g in a.in_list["complaint"]["groups"]} == {"no": (11, 2), "yes": (5, 4)}
    assert any("never added together" in n for n in a.notes)


# ----------------------------------------------------------------------------- older databases
def test_older_database_settles_onto_the_new_columns(tmp_path):
    new = ["as_of", "tenure_months", "started_estimated", "joined", "id_from_row", "support_contacts", "complained",
           "satisfaction_score", "satisfaction_scale_min", "satisfaction_scale_max", "satisfaction_kind"]
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    init_schema(con)
    for c in new:
        con.execute(f'ALTER TABLE customers DROP COLUMN "{c}"')
    con.execute("INSERT INTO customers (source, source_id, churned, monthly_revenue, load_id) "
                "VALUES ('crm', 'O1', true, 10, 1), ('crm', 'O2', false, 20, 1)")
    con.close()
    # A reader on the old file: the missing columns read as empty, nothing fails.
    ro = duckdb.connect(str(path), read_only=True)
    a = churn.analyse(ro, settings())
    assert a.snapshot["churned"] == 1 and a.snapshot["lost_monthly_revenue"] == 10
    ro.close()
    # The next writer adds them (loaders.store.init_schema), keeping the rows.
    store = Store(path)
    with store.writer(rebuild=False):
        pass
    cols = set(store.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'customers'")
               ["column_name"].to_list())
    assert set(new) <= cols
    assert store.query("SELECT count(*) FROM customers").item() == 2


def test_analysis_is_json_safe_everywhere(tmp_path):
    for name in ("classic_yes_no.csv", "status_reasons.csv", "anonymous_service_calls.csv", "complaint_satisfaction.csv"):
        d = analyse(load(tmp_path / name, name)).to_dict()
        json.dumps(d, allow_nan=False)  # raises on NaN or infinity anywhere


# ----------------------------------------------------------------------------- workbooks and Russian lists
def test_workbook_with_a_data_dictionary_sheet_first(tmp_path):
    """E-commerce churn workbooks open on a data-dictionary sheet; the customer sheet comes second.
    Sheet 'E Comm', 6 customers (Churn 1/0, Tenure in months, Complain 1/0, SatisfactionScore 1-5):
      50001 churn 1, tenure 4,  complain 1, score 1
      50002 churn 0, tenure 10, complain 0, score 5
      50003 churn 1, tenure 2,  complain 1, score 3
      50004 churn 0, tenure 0,  complain 0, score 4   <- joined (tenure 0, stayed): counted apart
      50005 churn 0, tenure 20, complain 1, score 2
      50006 churn 1, tenure (blank), complain 0, score 4
    compared 5 (3 churned); complained: 50001 50003 50005 -> 3, 2 churned; did not: 50002 50006 -> 2, 1
    customer-months (known tenure, joiner's 0 included): 4 + 10 + 2 + 0 + 20 = 36, churners among them 2"""
    import xlsxwriter

    path = tmp_path / "E Commerce Dataset.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data Dict")
    for i, row in enumerate([["Data", "Variable", "Discerption"], ["E Comm", "CustomerID", "Unique customer ID"]]):
        ws.write_row(i, 0, row)
    ws = wb.add_worksheet("E Comm")
    ws.write_row(0, 0, ["CustomerID", "Churn", "Tenure", "CityTier", "SatisfactionScore", "Complain", "CashbackAmount"])
    for i, row in enumerate([[50001, 1, 4, 3, 1, 1, 160.2], [50002, 0, 10, 1, 5, 0, 121.0],
                             [50003, 1, 2, 1, 3, 1, 120.3], [50004, 0, 0, 3, 4, 0, 134.1],
                             [50005, 0, 20, 1, 2, 1, 129.6], [50006, 1, None, 1, 4, 0, 139.2]], start=1):
        ws.write_row(i, 0, row)
    wb.close()
    [(best, score, why), *_] = registry.detect(path)
    assert best.name == "crm_customers" and "sheet 'E Comm'" in why
    store = load(tmp_path, str(path))
    [r] = store.reports
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (6, 6, 0)
    notes = " | ".join(r.notes)
    assert "read sheet 'E Comm' of 2 (the customer list)" in notes
    assert "sheet 'Data Dict' not loaded: not a customer list (columns: Data, Variable, Discerption)" in notes
    a = analyse(store)
    s = a.snapshot
    assert (s["compared"], s["churned"], s["joined"], s["tenure_missing"]) == (5, 3, 1, 1)
    assert s["customer_months"] == pytest.approx(36) and s["hazard_churned"] == 2
    assert {g["label"]: (g["customers"], g["churned"]) for g in a.in_list["complaint"]["groups"]} == {
        "no": (2, 1), "yes": (3, 2)}


def test_russian_list_with_charges_in_words_and_decimal_commas(tmp_path):
    """Russian CRM export, ';' and decimal commas, as of 2024-06-30:
      К1 Ушёл   1 500,50 / 9 000,00 ; К2 Активен 800,00 ; К3 Ушёл 1 200,00 / 2 400,00 ; К4 Активен -100,00 (a refund)
      lost monthly revenue = 1 500,50 + 1 200,00 = 2 700,50; earned = 9 000 + 2 400 = 11 400
      ARPU (0 or more) = (1 500,50 + 800 + 1 200) / 3 = 1 166,8333"""
    path = tmp_path / "отток.csv"
    path.write_text("Номер клиента;Стаж, мес;Ежемесячный платёж;Всего оплачено, руб;Статус;Причина ухода\n"
                    "К1;6;1500,50;9000,00;Ушёл;Грубый оператор\n"
                    "К2;12;800,00;9600,00;Активен;\n"
                    "К3;2;1200,00;2400,00;Ушёл;Высокая цена\n"
                    "К4;3;-100,00;300,00;Активен;\n", encoding="utf-8")
    store = load(tmp_path, str(path))
    [r] = store.reports
    notes = " | ".join(r.notes)
    assert "monthly='Ежемесячный платёж'" in notes and "total='Всего оплачено, руб'" in notes
    s = analyse(store).snapshot
    assert (s["compared"], s["churned"]) == (4, 2)
    assert s["lost_monthly_revenue"] == pytest.approx(2700.50)
    assert s["earned_from_churned"] == pytest.approx(11400.0)
    assert s["arpu"] == pytest.approx(3500.50 / 3) and s["negative_monthly_customers"] == 1
    reasons = analyse(store).stated_reasons["classes"]
    assert [v["value"] for v in reasons["support"]["values"]] == ["Грубый оператор"]
    assert reasons["support"]["monthly_revenue"] == pytest.approx(1500.50)


def test_negative_money_puts_the_sign_before_the_symbol():
    from reports.text import money as report_money
    from ui.i18n import money

    assert money(-550, "USD", "en") == "\u2212$550"
    assert money(-59545, "USD", "en") == "\u2212$59.5K"
    assert money(-550, "USD", "ru") == "\u2212550\u00a0$"
    assert money(550, "USD", "en") == "$550"
    assert report_money(-550, "USD", "en") == "-$550"


def test_tenure_zero_in_years_is_not_a_joiner(tmp_path):
    """Bank layout (Tenure in whole years): B1 tenure 0 stayed, B2 tenure 0 exited, B3 tenure 3
    stayed, B4 tenure 5 exited. Tenure 0 years is under a year, not "joined during the period":
    compared 4, churned 2 -> 50% (counting B1 apart would give 2 / 3).
    customer-months = (0 + 0 + 3 + 5) x 12 = 96; monthly churn = 2 / 96."""
    path = tmp_path / "bank.csv"
    path.write_text("RowNumber,CustomerId,Surname,CreditScore,Tenure,NumOfProducts,Exited\n"
                    "1,B1,A,600,0,1,0\n2,B2,B,650,0,2,1\n3,B3,C,700,3,1,0\n4,B4,D,720,5,1,1\n", encoding="utf-8")
    store = load(tmp_path, str(path))
    [r] = store.reports
    notes = " | ".join(r.notes)
    assert "read in years" in notes and "its 2 customer(s) are compared as usual" in notes
    s = analyse(store).snapshot
    assert (s["compared"], s["churned"], s["joined"]) == (4, 2, 0)
    assert s["churn_rate"]["estimate"] == pytest.approx(0.5)
    assert s["customer_months"] == pytest.approx(96) and s["monthly_churn"]["estimate"] == pytest.approx(2 / 96)


def test_suggest_on_a_churn_list_offers_customers_with_its_support_columns(capsys):
    """`suggest` on a churn list says the file loads without a mapping and offers a customers mapping
    (never tickets) that maps tenure, the complaint flag and the satisfaction score too."""
    import cli

    assert cli.main(["suggest", str(FIX / "complaint_satisfaction.csv")]) == 0
    out = capsys.readouterr().out
    assert "# a customer / churn list (churn flag 'Exited'" in out and "reads it without a mapping" in out
    assert 'table = "customers"' in out
    for line in ('source_id = "CustomerId"', 'churned = "Exited"', 'monthly_revenue = "Monthly Fee"',
                 'tenure_months = "Tenure"', 'complained = "Complain"', 'satisfaction_score = "Satisfaction Score"'):
        assert line in out, (line, out)
    # the anonymous list: still customers (it has no id, so the generic reader needs one: said as a TODO)
    assert cli.main(["suggest", str(FIX / "anonymous_service_calls.csv")]) == 0
    out = capsys.readouterr().out
    assert 'table = "customers"' in out and 'support_contacts = "Customer service calls"' in out
    assert "required column 'source_id' of customers is not mapped" in out
