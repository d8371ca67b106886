"""Issue 19 in a real browser (Debian's Chromium through Playwright) on the sample data: numbers a
manager believes at first sight. Every assertion reads the page's DOM.

Change arrows and colours; cards that cut nothing; targets; a relative period in the URL; the rows
behind a number, counted; filters that do not apply; axis titles; tables with separators and blank
blanks; the churn calculator; values merged across sources; snapshots from the UI; every page in
Russian without a stray English word; screenshots of every page in both languages
(tests/browser/screenshots/, look at them).
"""
from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.browser.conftest import start_server
from tests.browser.latin import LATIN_JS, allowed_words, offenders
from tests.browser.test_browser import assert_no_traceback, choose, query, shoot, wait_for, wait_idle

PAGES = ["", "tickets", "calls", "satisfaction", "agents", "churn", "contacts", "initiatives", "data", "settings", "snapshots"]


@pytest.fixture(scope="module")
def site(sample_db, tmp_path_factory):
    """A server of its own, with settings of its own (a snapshots folder in tmp)."""
    folder = tmp_path_factory.mktemp("first-sight")
    settings = folder / "settings.toml"
    settings.write_text(f'[snapshots]\ndir = "{(folder / "snaps").as_posix()}"\n', encoding="utf-8")
    proc, url = start_server(sample_db, settings, folder / "streamlit.log")
    yield {"url": url, "db": sample_db, "snaps": folder / "snaps", "settings": settings}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except Exception:
        proc.kill()


def open_page(page, site, path: str = "", **params) -> None:
    qs = urllib.parse.urlencode(params)
    page.goto(f"{site['url']}/{path}" + (f"?{qs}" if qs else ""))
    wait_idle(page)
    if path in ("", "tickets", "calls", "satisfaction"):
        page.locator('[data-testid="stMain"] [data-testid="stMetric"]').first.wait_for(timeout=60000)
    # no placeholder left: under load a page can sit idle-looking with skeletons where its figures
    # will be, and a check on them would pass on nothing
    page.wait_for_function("() => !document.querySelector('[data-testid=stMain] [data-testid=stSkeleton]')",
                           timeout=120000)
    # the cards, charts and tables are drawn: the number of elements stops changing
    last, stable = -1, 0
    while stable < 3:
        count = page.evaluate("() => document.querySelectorAll('[data-testid=stMain] *').length")
        stable = stable + 1 if count == last else 0
        last = count
        page.wait_for_timeout(300)
    wait_idle(page)


def metric_names() -> dict[str, str]:
    from metrics.registry import METRICS

    return {m.name["en"]: mid for mid, m in METRICS.items()}


CARDS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"]')].map(m => {
  const delta = m.querySelector('[data-testid="stMetricDelta"]');
  const icon = m.querySelector('[data-testid^="stMetricDeltaIcon"]');
  const cut = [...m.querySelectorAll('[data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] p, '
                                     + '[data-testid="stMetricDelta"] p, [data-testid="stMetricDeltaDescription"] p')]
      .filter(p => p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 2)
      .map(p => p.innerText);
  const box = m.closest('[data-testid="stVerticalBlock"]');
  for (const b of (box ? box.querySelectorAll('.stMarkdownBadge') : [])) {
    if (b.scrollWidth > b.clientWidth + 1) cut.push(b.innerText);
  }
  return {label: m.querySelector('[data-testid="stMetricLabel"] p')?.innerText || "",
          value: m.querySelector('[data-testid="stMetricValue"]')?.innerText || "",
          delta: delta ? delta.innerText : "", arrow: icon ? icon.getAttribute('data-testid') : "",
          color: delta ? getComputedStyle(delta).color : "", cut: cut};
})"""


def _rgb(text: str) -> tuple[int, int, int]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def _hue(rgb: tuple[int, int, int]) -> str:
    r, g, b = rgb
    if g > r + 30 and g > b:
        return "green"
    if r > g + 30 and r > b:
        return "red"
    return "gray"


def test_change_arrows_follow_the_sign_and_colours_follow_better(site, page, screenshots):
    from ui import i18n

    names = metric_names()
    seen = {"up": 0, "down": 0, "good_fall": 0, "bad_fall": 0}
    for path in ("", "tickets", "calls"):
        open_page(page, site, path)  # the default: last 30 days against the 30 before
        for card in page.evaluate(CARDS_JS):
            mid = names.get(card["label"])
            if not mid or not card["delta"]:
                continue
            sign = card["delta"].strip()[0]
            if sign not in "+\u2212":
                continue
            rising = sign == "+"
            assert card["arrow"] == ("stMetricDeltaIcon-Up" if rising else "stMetricDeltaIcon-Down"), card
            better = i18n.metric_better(mid)
            expected = "gray" if better is None else "green" if rising == (better == "higher") else "red"
            assert _hue(_rgb(card["color"])) == expected, card
            seen["up" if rising else "down"] += 1
            if not rising and better == "lower":
                seen["good_fall"] += 1
            if not rising and better == "higher":
                seen["bad_fall"] += 1
    # The sample moves both ways: rises and falls, falls that are good news and falls that are bad.
    assert seen["up"] >= 3 and seen["down"] >= 3 and seen["good_fall"] >= 1 and seen["bad_fall"] >= 1, seen


def test_overview_opens_on_a_recent_period_with_relative_url_and_targets(site, page, screenshots):
    from metrics import targets as tg

    open_page(page, site)
    assert query(page).get("period") == ["last-30-days"] and "date_from" not in query(page)
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    assert "Last 30 days" in caption and "compared with the 30 days before" in caption
    # Every KPI with a target shows its state; service level against 80% (metrics.service_level_target).
    cards = {c["label"]: c for c in page.evaluate(CARDS_JS)}
    badges = page.locator('[data-testid="stMain"] .stMarkdownBadge')
    assert badges.count() >= 6, badges.count()
    level = float(cards["Service level"]["value"].rstrip("%")) / 100
    state = tg.state("service_level", level, 0.8, 0.1)
    card = page.locator('[data-testid="stVerticalBlock"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile("^Service level$"))).last
    assert f"target ≥ 80.0% · {state}" in card.inner_text(), card.inner_text()
    # The period stays relative in a shared link: reopening ?period=last-90-days shows "Last 90 days".
    open_page(page, site, "", period="last-90-days")
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    assert "Last 90 days" in caption and "compared with the 90 days before" in caption, caption
    assert query(page).get("period") == ["last-90-days"]
    shoot(page, screenshots / "first-sight-overview-90.png")


def test_cards_never_cut_numbers_or_labels_and_show_the_exact_value(site, page, screenshots):
    page.set_viewport_size({"width": 1440, "height": 900})
    for lang in ("en", "ru"):
        for path in ("", "tickets", "calls", "satisfaction", "churn"):
            open_page(page, site, path, period="all-time", **({"lang": "ru"} if lang == "ru" else {}))
            for card in page.evaluate(CARDS_JS):
                assert card["cut"] == [], (lang, path, card)
    # Compact money with the exact value on hover (the calculator's total).
    open_page(page, site, "churn", period="all-time")
    value = page.locator('[data-testid="stMetric"]').filter(has_text="Total cost").locator('[data-testid="stMetricValue"]').inner_text()
    assert re.fullmatch(r"\$\d+(\.\d+)?[KM]", value.strip()), value
    page.locator('[data-testid="stMetric"]').filter(has_text="Total cost").locator('[data-testid="stTooltipHoverTarget"]').hover()
    tip = page.locator('[data-testid="stTooltipContent"]').first
    tip.wait_for(timeout=10000)
    assert re.search(r"Exact value: \$\d{1,3}(,\d{3})+", tip.inner_text()), tip.inner_text()


def _open_rows(page, label: str) -> str:
    card = page.locator('[data-testid="stVerticalBlock"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{re.escape(label)}$"))).last
    card.locator('[data-testid="stButton"]').filter(has_text="Rows").first.click()
    dialog = page.locator('[role="dialog"]')
    dialog.wait_for(timeout=30000)
    wait_idle(page)
    dialog.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30000)
    dialog.locator('[role="columnheader"]').first.wait_for(state="attached", timeout=30000)
    return dialog.inner_text()


def test_drill_down_lists_exactly_the_rows_behind_the_number(site, page, screenshots):
    open_page(page, site)
    cards = {c["label"]: c["value"] for c in page.evaluate(CARDS_JS)}
    for label in ("Tickets", "Backlog"):
        text = _open_rows(page, label)
        count = re.search(r"([\d,]+) tickets behind", text)
        assert count and count.group(1) == cards[label], (label, text[:300])
        headers = page.evaluate("() => [...document.querySelectorAll('[role=dialog] [role=columnheader]')].map(c => c.textContent)")
        assert "Ticket" in headers and "Created" in headers and not any("_" in h for h in headers), headers
        cells = page.evaluate("() => [...document.querySelectorAll('[role=dialog] [role=gridcell]')].map(c => c.textContent)")
        assert "None" not in cells and "nan" not in cells
        if label == "Tickets":
            shoot(page, screenshots / "first-sight-rows-dialog.png")
        page.keyboard.press("Escape")
        page.locator('[role="dialog"]').wait_for(state="detached", timeout=10000)
    # A rate lists its denominator: the SLA breach rate lists SLA targets, breached ones marked.
    text = _open_rows(page, "SLA breach rate")
    m = re.search(r"Breached: ([\d,]+) of ([\d,]+) completed SLA targets = ([\d.]+)%", text)
    assert m, text[:400]
    breached, targets = (int(x.replace(",", "")) for x in m.groups()[:2])
    assert f"{breached / targets * 100:.1f}" == m.group(3) == cards["SLA breach rate"].rstrip("%")
    headers = page.evaluate("() => [...document.querySelectorAll('[role=dialog] [role=columnheader]')].map(c => c.textContent)")
    assert "SLA target" in headers and "Breached" in headers


def test_a_filter_that_does_not_apply_says_so_on_the_figure(site, page, screenshots):
    open_page(page, site)
    choose(page, "Channel", "email")
    wait_idle(page)
    calls = page.locator('[data-testid="stMetric"]').filter(has_text="Calls offered").first.inner_text()
    assert "calls carry no channel: the filter does not apply" in calls, calls
    shoot(page, screenshots / "first-sight-filter-note.png")


PLOTS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')].map(p => ({
  x: [...p.querySelectorAll('.g-xtitle text, .g-xtitle')].map(t => t.textContent).join(' ').trim(),
  y: [...p.querySelectorAll('.g-ytitle text, .g-ytitle')].map(t => t.textContent).join(' ').trim(),
  colorbar: [...p.querySelectorAll('.colorbar')].length, cbtitle: [...p.querySelectorAll('.cbtitle')].map(t => t.textContent).join(' ').trim(),
  traces: (p.data || []).map(d => ({type: d.type, mode: d.mode || '', xcat: Array.isArray(d.x) && typeof d.x[0] === 'string' && !/^\\d{4}-\\d{2}-\\d{2}/.test(d.x[0])})),
  title: p.querySelector('.gtitle') ? p.querySelector('.gtitle').textContent : ''}))"""


def test_every_chart_has_axis_titles_and_categories_are_not_lines(site, page, screenshots):
    charts = 0
    for path in ("", "tickets", "calls", "satisfaction", "agents", "churn", "contacts", "initiatives"):
        open_page(page, site, path, period="all-time")
        for plot in page.evaluate(PLOTS_JS):
            charts += 1
            assert plot["x"] and plot["y"], (path, plot)
            if plot["colorbar"]:
                assert plot["cbtitle"], (path, plot)
            for trace in plot["traces"]:
                if trace["type"] == "scatter" and trace["xcat"]:
                    assert "lines" not in trace["mode"], (path, plot)  # categories are not a sequence
    assert charts >= 10
    # A rate over time starts from zero: the Overview trend of the breach rate.
    open_page(page, site, "", period="all-time")
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Metric")
    box.locator("input").click()
    box.locator("input").fill("SLA breach rate")
    page.get_by_role("option", name="SLA breach rate", exact=True).click()
    wait_idle(page)
    page.wait_for_timeout(1000)
    ticks = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot .ytick text')].map(t => t.textContent)")
    assert ticks and ticks[0] == "0%", ticks


def test_tables_have_human_headers(site, page, screenshots):
    # (Thousands separators in the cells are the Styler's display values, drawn on a canvas:
    # tests/test_pages.py reads them from the element; here, what the DOM holds.)
    open_page(page, site, "data")
    headers = page.evaluate("() => [...document.querySelectorAll('[data-testid=stMain] [role=columnheader]')].map(c => c.textContent)")
    assert "Rows in file" in headers and "rows_in" not in headers and not any("_" in h for h in headers), headers


def test_values_merged_across_sources_and_select_all_is_no_filter(site, page, screenshots):
    open_page(page, site, "data")
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Values merged across sources" in text
    cells = page.evaluate("() => [...document.querySelectorAll('[data-testid=stMain] [role=gridcell]')].map(c => c.textContent)")
    assert "Group Accounts" in cells and "known prefix" in cells
    shoot(page, screenshots / "first-sight-data-merges.png")
    open_page(page, site)
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Team")
    box.locator("input").click()
    options = page.evaluate("() => [...document.querySelectorAll('[role=option]')].map(o => o.textContent)")
    page.keyboard.press("Escape")
    assert "Accounts" in options and "Group Accounts" not in options, options
    # Choosing every priority ("Select all" of the list) is no filter: the URL carries none and the
    # filter says "All" again.
    choose(page, "Priority", "high")
    wait_idle(page)
    assert query(page).get("priority") == ["high"]
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Priority")
    box.locator("input").click()
    page.get_by_role("option", name="Select all", exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    wait_for(lambda: "priority" not in query(page), "the priority filter to drop out of the URL")
    assert box.locator('[data-baseweb="tag"]').count() == 0  # no chip: the placeholder "All" shows


def test_churn_calculator_inputs_are_labelled_checked_reset_and_in_the_url(site, page, screenshots):
    open_page(page, site, "churn")
    page.get_by_text("Adjust the inputs (what if)").click()
    field = page.get_by_label(re.compile(r"^Revenue of a lost customer a month, USD$"))
    field.wait_for(timeout=20000)
    field.fill("250")
    field.press("Enter")
    wait_idle(page)
    wait_for(lambda: query(page).get("calc_lost_customer_revenue_monthly") == ["250"], "the input in the URL")
    row = page.locator('[data-testid="stTable"] tr').filter(has_text="Revenue of a lost customer a month").first
    assert "your value" in row.inner_text() and "$250" in row.inner_text(), row.inner_text()
    # A shared link opens the same calculation.
    url = page.evaluate("() => window.location.href")
    other = page.context.new_page()
    other.goto(url)
    wait_idle(other)
    row = other.locator('[data-testid="stTable"] tr').filter(has_text="Revenue of a lost customer a month").first
    assert "your value" in row.inner_text() and "$250" in row.inner_text()
    other.close()
    # Invalid input says why.
    base = page.get_by_label(re.compile(r"^Churn without a bad experience, %$"))
    base.fill("90")
    base.press("Enter")
    wait_idle(page)
    error = page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert "is below churn without a bad experience" in error, error
    shoot(page, screenshots / "first-sight-calculator.png")
    # Reset brings back the measured and benchmark values and clears the URL.
    page.get_by_role("button", name=re.compile("Reset to the measured and benchmark values")).click()
    wait_idle(page)
    wait_for(lambda: not any(k.startswith("calc_") for k in query(page)), "the calculator params to leave the URL")
    assert "your value" not in page.locator('[data-testid="stTable"]').first.inner_text()


def test_snapshots_page_creates_one_now_and_shows_the_cron_line(site, page, screenshots):
    open_page(page, site, "snapshots")
    folder = site["snaps"].resolve()
    assert f"Folder: {folder}" in page.locator('[data-testid="stMain"]').inner_text()
    code = page.locator('[data-testid="stCode"]').first.inner_text()
    assert code.startswith(f"0 6 * * 1  mkdir -p {folder} && cd /") and "cli.py" in code and f"--out {folder}" in code and "snapshot" in code
    page.get_by_role("button", name="Create snapshot").click()
    page.get_by_text(re.compile(r"Snapshot written to /")).wait_for(timeout=120000)
    wait_idle(page)
    assert list(folder.glob("*/index.html")), "no snapshot on disk"
    # the snapshot opens below (the rerun streams it in after the message, later on a loaded machine)
    page.locator('[data-testid="stMain"] iframe').first.wait_for(state="attached", timeout=60000)
    shoot(page, screenshots / "first-sight-snapshots.png")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_page_in_both_languages(site, page, screenshots, lang):
    """Screenshots of every page; in Russian, no Latin-alphabet word outside the allowlist (product
    names, metric abbreviations, units, data values), with the calculator and a dialog opened too."""
    allow = allowed_words(site["db"])
    problems = {}
    for path in PAGES:
        params = {"lang": "ru"} if lang == "ru" else {}
        open_page(page, site, path, **params)
        assert_no_traceback(page, f"{path or 'overview'} {lang}")
        if lang == "ru":
            if path == "churn":
                page.get_by_text("Изменить параметры (что если)").click()
                page.get_by_text("Как считается").click()
                wait_idle(page)
            bad = offenders(page.evaluate(LATIN_JS), allow)
            if bad:
                problems[path or "overview"] = bad
        shoot(page, screenshots / f"page-{path or 'overview'}-{lang}.png")
    if lang == "ru":
        # The rows behind a number, in Russian.
        open_page(page, site, "", lang="ru")
        card = page.locator('[data-testid="stVerticalBlock"]').filter(
            has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile("^Обращения$"))).last
        card.locator('[data-testid="stButton"]').filter(has_text="Строки").first.click()
        page.locator('[role="dialog"] [data-testid="stDataFrame"]').first.wait_for(timeout=30000)
        wait_idle(page)
        page.locator('[role="dialog"] [role="columnheader"]').first.wait_for(state="attached", timeout=30000)
        bad = offenders(page.evaluate(LATIN_JS, '[role="dialog"]'), allow)
        if bad:
            problems["rows dialog"] = bad
        shoot(page, screenshots / "page-rows-dialog-ru.png")
    assert problems == {}, problems
