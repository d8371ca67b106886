"""Russian completeness: the Latin-alphabet words a page shows that are neither product names,
metric abbreviations, units nor values from the data.

``LATIN_JS`` collects what a reader sees: the visible text of the main area and the sidebar
(innerText skips hidden and collapsed parts), the text of the charts (SVG labels, titles and
axis titles), the cells and headers of data grids, and the labels of widgets; code blocks (a cron
line, a shell command) are left out, as they are commands, not language.
"""
from __future__ import annotations

import re
from pathlib import Path

LATIN_JS = r"""(rootSelector) => {
  const out = [];
  const rootsSel = rootSelector || '[data-testid="stMain"], [data-testid="stSidebar"]';
  const skip = 'pre, code, [data-testid="stCode"], [data-testid="stIconMaterial"], .material-symbols-rounded, ' +
               '[data-testid="stMarkdownContainer"] code, svg, canvas, style, script';
  for (const root of document.querySelectorAll(rootsSel)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const el = node.parentElement;
      if (!el || el.closest(skip)) continue;
      if (getComputedStyle(el).fontFamily.includes('Material')) continue;  // an icon's ligature name
      if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
      const text = node.textContent.trim();
      if (text) out.push(text);
    }
  }
  for (const t of document.querySelectorAll(rootsSel.split(',').map(r => r + ' .js-plotly-plot svg text').join(','))) {
    if (t.getBoundingClientRect().width > 0) out.push(t.textContent);
  }
  for (const cell of document.querySelectorAll(rootsSel.split(',').map(r => r + ' [role="columnheader"]').join(','))) {
    out.push(cell.textContent);
  }
  return {text: out.join("\n")};
}"""

# Names and abbreviations that stay Latin in Russian text.
ALLOW = {
    # product and vendor names, formats, sources of the benchmarks
    "deskscope", "zendesk", "freshdesk", "freshservice", "jira", "servicenow", "asterisk", "twilio", "aircall",
    "typeform", "surveymonkey", "delighted", "fivetran", "hubspot", "microsoft", "pwc", "mckinsey", "liveperson",
    "cx", "trends", "excel", "csv", "tsv", "xlsx", "json", "ndjson", "parquet", "pdf", "html", "crm", "cdr", "ivr",
    "streamlit", "duckdb", "cron", "crontab", "oidc", "api", "id", "url", "e", "mail",
    # standards, codes and units that are Latin in Russian too
    "iso", "iana", "utc", "usd", "rub", "eur", "gbp", "p", "n", "x",
    # metric abbreviations
    "nps", "csat", "ces", "sla", "asa", "aht", "fcr", "frt", "arpu", "ltv", "ci", "kpi",
    # settings keys the settings page is about (its own file), and time-zone names
    "group", "stations",  # Zendesk's "Group stations" column, quoted by name
    "english", "toml", "money", "exchange_rates", "reply_targets", "agent_load", "aliases", "values", "team", "category", "america", "new_york", "europe", "moscow",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'_]*")
PATH = re.compile(r"\S*[/\\]\S*")


def data_words(db: Path) -> set[str]:
    """Every word of every text value in the loaded tables and the load history (data values are
    shown as loaded), lower-cased."""
    import duckdb

    words: set[str] = set()
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                              "AND data_type = 'VARCHAR'", [table]).fetchall()]
            for col in cols:
                for (value,) in con.execute(f'SELECT DISTINCT "{col}" FROM "{table}" WHERE "{col}" IS NOT NULL LIMIT 20000').fetchall():
                    words.update(w.lower() for w in WORD.findall(str(value)))
    finally:
        con.close()
    return words


def allowed_words(db: Path, extra: set[str] | None = None) -> set[str]:
    import config

    settings = config.get()
    words = set(ALLOW) | data_words(db) | set(extra or ())
    # the settings' own values (SLA policy names, time zones) are the user's data
    for policy in settings.get("sla", {}).get("policies", []):
        words.update(w.lower() for w in WORD.findall(str(policy.get("name", ""))))
    return words


def offenders(collected: dict, allow: set[str]) -> dict[str, int]:
    """{word: times} of the Latin words outside ``allow``."""
    out: dict[str, int] = {}
    text = collected["text"] if isinstance(collected, dict) else collected
    text = PATH.sub(" ", text)  # file and folder paths are where things are, not language
    for word in WORD.findall(text):
        if word.lower() not in allow:
            out[word] = out.get(word, 0) + 1
    return out
