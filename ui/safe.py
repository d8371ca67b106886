"""Text from data, files, URLs and users shown as plain text: the one helper every page uses.

Almost every Streamlit text element renders Markdown: ``st.markdown``, captions, titles, alerts,
toasts, progress text, expander and widget labels, metric labels/values/deltas and help
tooltips. A team called ``![x](http://host/pixel.png)`` would put an image (a tracking pixel)
on the page, ``[x](http://host)`` a link, ``**x**`` bold text. ``plain()`` makes such text inert:

* every ASCII punctuation character is backslash-escaped (CommonMark allows it for all of
  them), so no Markdown, HTML tag, entity, LaTeX ``$``, directive (``:red[...]``) or table
  syntax survives;
* Streamlit and GFM also rewrite *text nodes* after parsing, where escapes no longer count:
  bare URLs and ``www.`` become links, e-mail addresses ``mailto:`` links, ``:streamlit:`` an
  image, ``:material_name:`` an icon. A WORD JOINER (U+2060, invisible, zero width) after
  ``http``/``https``/``ftp``/``www``, after ``@`` and after a colon before a letter breaks
  those patterns without changing what the reader sees;
* line breaks and runs of blanks become one space, so text cannot start a heading, a list or
  an indented code block.

``plain()`` is for Markdown sinks only; a dataframe cell, a select box option or a file name
given to a download are not Markdown (escaping there would show the backslashes).

Plotly draws its titles, tick labels and hover text with a small HTML subset (``<a href>``,
``<b>``, ``<br>``...): ``chart_text()`` escapes data for those.

``tests/test_plain_text.py`` checks statically that pages and ui modules pass data through
these helpers, and ``tests/browser/test_security_browser.py`` opens every page with hostile
text in every filter, in the data and in an uploaded file's name.
"""
from __future__ import annotations

import html
import re
from typing import Iterable

WORD_JOINER = "\u2060"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_BLANKS = re.compile(r"\s+")
# Patterns Streamlit/GFM rewrite on text nodes (after escapes are gone): break each one.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www)(?=[:.])")
_AT = re.compile(r"@")
_SHORTCODE = re.compile(r":(?=\w)")


def plain(value) -> str:
    """``value`` as text that Streamlit's Markdown shows exactly as written (None: empty)."""
    if value is None:
        return ""
    text = _BLANKS.sub(" ", str(value)).strip()
    text = _AUTOLINK.sub(lambda m: m.group(1) + WORD_JOINER, text)
    text = _AT.sub("@" + WORD_JOINER, text)
    text = _SHORTCODE.sub(":" + WORD_JOINER, text)
    return _PUNCTUATION.sub(r"\\\1", text)


def plain_list(values: Iterable, bullet: str = "- ") -> str:
    """A Markdown bullet list whose items are plain text (e.g. problems found in the user's input)."""
    return "\n".join(bullet + plain(v) for v in values)


def chart_text(value) -> str:
    """Data shown in a Plotly title, tick label, legend or hover text: HTML-escaped (Plotly turns
    ``&lt;`` back into ``<`` when it draws)."""
    if value is None:
        return ""
    return html.escape(str(value), quote=False)


def chart_texts(values: Iterable) -> list[str]:
    return [chart_text(v) for v in values]


def shown(markdown: str) -> str:
    """What a reader sees of text made by ``plain()`` (backslash escapes and word joiners gone):
    for tests that look for data in the Markdown an element was given."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(markdown)).replace(WORD_JOINER, "")


def plain_table(frame):
    """A polars frame for ``st.table``, whose cells (and headers) Streamlit renders as Markdown:
    every text cell and column name passed through ``plain()``."""
    import polars as pl

    out = frame.with_columns([pl.col(c).map_elements(plain, return_dtype=pl.String)
                              for c, dtype in frame.schema.items() if dtype == pl.String])
    return out.rename({c: plain(c) for c in out.columns})
