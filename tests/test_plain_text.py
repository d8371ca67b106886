"""Text from data, files, URLs and users is shown as plain text (ui/safe.py).

* ``plain()`` against hostile input, checked on the Markdown it produces;
* a static check over app.py, pages/ and ui/: every argument that Streamlit renders as Markdown
  (st.markdown, captions, titles, alerts, toasts, labels, help, metric values and deltas,
  progress text, expander labels ...) must be provably free of data: a literal, a catalogue
  string ``t(key, **values)`` whose values are themselves safe, a number/date/metric formatter,
  or text passed through ``plain()``. Anything else (a variable holding a file name, an exception
  message, a value from the database or the URL) fails the test with its file and line, unless
  the line says why it is safe with a ``# plain-text: <reason>`` comment;
* ``unsafe_allow_html`` is never used.

The browser counterpart (hostile filters, data and file names on every page, DOM inspected) is
tests/browser/test_security_browser.py.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ui.safe import WORD_JOINER, chart_text, plain, plain_list, plain_table

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]


# ---------------------------------------------------------------- plain()
def _unescape(text: str) -> str:
    """What CommonMark shows for backslash escapes (every ASCII punctuation may be escaped)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text).replace(WORD_JOINER, "")


@pytest.mark.parametrize("hostile", [
    "![x](http://127.0.0.9/pixel.png)", "[link](http://127.0.0.9/)", "**bold** _it_ ~~del~~ `code`",
    "<img src=x onerror=alert(1)><b>b</b>", ":red[red] :streamlit: :material_home: :material/home: $x^2$",
    "http://127.0.0.9/a www.example.com anna@example.com", "# head", "- item", "1. item", "> quote", "|a|b|",
    "&lt;i&gt; &amp;", "back\\slash", "Billing, Tech", "Обращения: 5", "",
])
def test_plain_shows_exactly_the_text(hostile):
    out = plain(hostile)
    # Every ASCII punctuation character is escaped: no Markdown/HTML/LaTeX/directive syntax is left.
    assert not re.search(r"[!-/:-@\[-`{-~]", re.sub(r"\\[!-/:-@\[-`{-~]", "", out)), out
    # Text-node rewrites (autolinks, e-mail links, :streamlit:, :material_x:) are broken by a word joiner.
    for pattern in (r"https?:", r"www\.", r"@\w", r":\w"):
        assert not re.search(pattern, out.replace("\\", "")), (pattern, out)
    # ... and the reader sees the original text.
    assert _unescape(out) == " ".join(hostile.split())


def test_plain_flattens_line_structure():
    # A line break followed by "# " or four spaces would start a heading or a code block.
    assert "\n" not in plain("a\n# head\n\n    code\r\n- item")
    assert _unescape(plain("a\n# head\n\n    code")) == "a # head code"
    assert plain(None) == ""
    assert _unescape(plain(12.5)) == "12.5"


def test_plain_table_escapes_cells_and_headers():
    import polars as pl

    frame = plain_table(pl.DataFrame({"**h**": ["**x**", None], "n": [1, 2]}))
    assert frame.columns == ["\\*\\*h\\*\\*", "n"]
    assert frame.to_dicts() == [{"\\*\\*h\\*\\*": "\\*\\*x\\*\\*", "n": 1}, {"\\*\\*h\\*\\*": None, "n": 2}]  # a missing cell stays missing


def test_plain_list_and_chart_text():
    assert plain_list(["**a**", "b"]) == "- \\*\\*a\\*\\*\n- b"
    assert chart_text('<a href="http://x">x</a> & <b>') == '&lt;a href="http://x"&gt;x&lt;/a&gt; &amp; &lt;b&gt;'
    assert chart_text(None) == ""


# ---------------------------------------------------------------- the static check
# Streamlit calls whose arguments are rendered as Markdown: name -> (positional indexes, keywords).
MARKDOWN_ARGS = {
    "markdown": ((0,), ("body",)), "caption": ((0,), ("body",)), "title": ((0,), ("body",)),
    "header": ((0,), ("body",)), "subheader": ((0,), ("body",)), "text": ((), ()),
    "info": ((0,), ("body",)), "warning": ((0,), ("body",)), "error": ((0,), ("body",)),
    "success": ((0,), ("body",)), "toast": ((0,), ("body",)), "exception": ((), ()),
    "expander": ((0,), ("label",)), "popover": ((0,), ("label",)), "status": ((0,), ("label",)),
    "tabs": ((0,), ("tabs",)), "metric": ((0, 1, 2), ("label", "value", "delta", "delta_description")),
    "progress": ((1,), ("text",)), "spinner": ((0,), ("text",)),
    "button": ((0,), ("label",)), "download_button": ((0,), ("label",)), "link_button": ((0,), ("label",)),
    "page_link": ((), ("label",)), "form_submit_button": ((0,), ("label",)),
    "checkbox": ((0,), ("label",)), "toggle": ((0,), ("label",)), "radio": ((0,), ("label", "captions")),
    "selectbox": ((0,), ("label",)), "multiselect": ((0,), ("label",)), "select_slider": ((0,), ("label",)),
    "slider": ((0,), ("label",)), "text_input": ((0,), ("label",)), "text_area": ((0,), ("label",)),
    "number_input": ((0,), ("label",)), "date_input": ((0,), ("label",)), "time_input": ((0,), ("label",)),
    "file_uploader": ((0,), ("label",)), "color_picker": ((0,), ("label",)),
    "segmented_control": ((0,), ("label",)), "pills": ((0,), ("label",)), "feedback": ((), ()),
    "write": ((0,), ()),
    "table": ((0,), ("data",)),  # st.table renders its cells as Markdown
}
HELP = "help"  # every widget's tooltip is Markdown too
# Widgets whose option labels are Markdown as well (st.radio, st.segmented_control, st.pills):
# the options must be free of data, or format_func one of these formatters.
OPTION_MARKDOWN = {"radio", "segmented_control", "pills"}
SAFE_FORMATTERS = {"labels", "metric_labels", "plain", "i18n.LANGUAGES.get", "LANGUAGES.get"}
NOT_STREAMLIT = {"log", "logger", "logging", "_LOGGER", "LOG", "re", "os", "sys", "json", "fh", "f", "path", "book",
                 "sheet_", "buffer", "io"}
SAFE_CALLS = {
    # the escaping helpers
    "plain", "plain_list", "plain_table",
    # formatters of numbers, dates and metric ids declared in code (metrics/registry.py)
    "number", "percent", "compact", "file_size", "duration_minutes", "duration_seconds", "date", "datetime",
    "metric_name", "metric_help", "metric_value", "metric_delta", "money", "len", "int", "round", "float", "bool",
    # ... and formatting.py's (Babel/CLDR), through ui/i18n.py
    "integer", "money_range", "metric_value_full", "unit_name", "duration_in", "signed_percent",
    # ui/components.py helpers that return catalogue text with numbers only
    "approximate_note",
}
PASS_THROUGH = {"marked"}  # components.marked(text, flag): "≈ " + text; safe when its arguments are
CATALOGUE = {"t"}  # t(key, **values): safe when every value is
PLURAL = {"tn"}  # tn(key, count, **values): the count is formatted as a whole number; safe when every value is


class Checker(ast.NodeVisitor):
    def __init__(self, path: Path, source: str):
        self.path = path
        self.lines = source.splitlines()
        self.problems: list[str] = []
        self.scopes: list[dict[str, list[ast.AST | None]]] = [{}]
        self.functions: dict[str, ast.FunctionDef] = {}  # module-level functions, by name
        self._checking: set[str] = set()

    # ---- bindings of names in the enclosing function (None: bound by something unknown)
    def _collect(self, func: ast.AST) -> dict[str, list[ast.AST | None]]:
        bound: dict[str, list[ast.AST | None]] = {}
        args = getattr(func, "args", None)
        if args is not None:
            for a in args.args + args.kwonlyargs + args.posonlyargs + ([args.vararg] if args.vararg else []) + \
                    ([args.kwarg] if args.kwarg else []):
                bound.setdefault(a.arg, []).append(None)
        for node in ast.walk(func):
            if node is not func and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in _names(target):
                        bound.setdefault(name, []).append(node.value if isinstance(target, ast.Name) else None)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                bound.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                bound.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, (ast.For, ast.comprehension)):
                if isinstance(node.target, ast.Name):  # an item of what it loops over
                    bound.setdefault(node.target.id, []).append(ast.Subscript(value=node.iter, slice=ast.Constant(0)))
                    continue
                for name in _names(node.target):
                    bound.setdefault(name, []).append(None)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                for name in _names(node.optional_vars):
                    bound.setdefault(name, []).append(None)
            elif isinstance(node, ast.NamedExpr):
                bound.setdefault(node.target.id, []).append(node.value)
        return bound

    def visit_FunctionDef(self, node):
        self.scopes.append(self._collect(node))
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Module(self, node):
        self.scopes = [self._collect(node)]
        self.functions = {f.name: f for f in node.body if isinstance(f, ast.FunctionDef)}
        self.generic_visit(node)

    def returns_safe(self, name: str, depth: int) -> bool:
        """A function of this module whose every return value is free of data (its parameters
        count as data): e.g. a page's own number formatter."""
        func = self.functions.get(name)
        if func is None or name in self._checking:
            return False
        self._checking.add(name)
        saved = self.scopes
        try:
            self.scopes = [saved[0], self._collect(func)]
            returns = [n.value for n in ast.walk(func) if isinstance(n, ast.Return)]
            return bool(returns) and all(r is not None and self.safe(r, depth + 1) for r in returns)
        finally:
            self.scopes = saved
            self._checking.discard(name)

    # ---- is an expression free of data?
    def safe(self, node: ast.AST, depth: int = 0) -> bool:
        if depth > 20:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(v.value, depth + 1) for v in node.values if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            return self.safe(node.left, depth + 1) and self.safe(node.right, depth + 1)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, depth + 1) and self.safe(node.orelse, depth + 1)
        if isinstance(node, ast.Compare) or isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return True  # a bool
        if isinstance(node, ast.BoolOp):
            return all(self.safe(v, depth + 1) for v in node.values)
        if isinstance(node, (ast.List, ast.Tuple)):
            return all(self.safe(e, depth + 1) for e in node.elts)
        if isinstance(node, ast.Call):
            name = _callee(node.func)
            if name in SAFE_CALLS:
                return True
            if isinstance(node.func, ast.Name) and self.returns_safe(name, depth):
                return True
            if name in PASS_THROUGH:
                return all(self.safe(a, depth + 1) for a in node.args) and \
                    all(self.safe(k.value, depth + 1) for k in node.keywords)
            if name in PLURAL:
                return all(self.safe(a, depth + 1) for a in node.args[2:]) and \
                    all(self.safe(k.value, depth + 1) for k in node.keywords)
            if name in CATALOGUE:
                return all(self.safe(a, depth + 1) for a in node.args[1:]) and \
                    all(self.safe(k.value, depth + 1) for k in node.keywords)
            if name == "join" and isinstance(node.func, ast.Attribute) and self.safe(node.func.value, depth + 1):
                return all(self.safe(a, depth + 1) for a in node.args)
            return False
        if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
            return self.safe(node.elt, depth + 1)
        if isinstance(node, ast.DictComp):
            return self.safe(node.value, depth + 1)
        if isinstance(node, ast.Dict):
            return all(self.safe(v, depth + 1) for v in node.values)
        if isinstance(node, ast.Subscript):  # an item of a safe list (labels[0])
            return self.safe(node.value, depth + 1)
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope:
                    values = scope[node.id]
                    return all(v is not None and self.safe(v, depth + 1) for v in values)
            return False
        return False

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        receiver = _callee(func.value) if not isinstance(func.value, ast.Call) else "<call>"
        if receiver in NOT_STREAMLIT:
            return
        name = func.attr
        checked: list[ast.AST] = []
        if name in MARKDOWN_ARGS:
            if name == "write" and receiver not in ("st", "sidebar"):
                return
            if name in ("text", "table") and receiver not in ("st", "sidebar"):
                return
            positions, keywords = MARKDOWN_ARGS[name]
            checked += [node.args[i] for i in positions if i < len(node.args)]
            checked += [k.value for k in node.keywords if k.arg in keywords]
        checked += [k.value for k in node.keywords if k.arg == HELP]
        if name in OPTION_MARKDOWN:
            formatter = next((k.value for k in node.keywords if k.arg == "format_func"), None)
            if formatter is None:
                checked += [node.args[1]] if len(node.args) > 1 else []
                checked += [k.value for k in node.keywords if k.arg == "options"]
            elif not (_callee(formatter.func) in SAFE_FORMATTERS if isinstance(formatter, ast.Call)
                      else ast.unparse(formatter) in SAFE_FORMATTERS):
                self.problems.append(f"{self._where(node)}: {name}() shows its options through "
                                     f"{ast.unparse(formatter)!r} as Markdown; format them with ui.safe.plain()")
        if any(k.arg == "unsafe_allow_html" for k in node.keywords):
            self.problems.append(f"{self._where(node)}: unsafe_allow_html is never allowed")
        line = self.lines[node.lineno - 1] if node.lineno - 1 < len(self.lines) else ""
        end_line = self.lines[(node.end_lineno or node.lineno) - 1]
        if "# plain-text:" in line or "# plain-text:" in end_line:
            return
        for arg in checked:
            if not self.safe(arg):
                self.problems.append(f"{self._where(node)}: {name}() shows {ast.unparse(arg)!r} as Markdown; "
                                     "pass data through ui.safe.plain()")

    def _where(self, node) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path.name
        return f"{path}:{node.lineno}"


def _names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _callee(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def problems_in(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    checker = Checker(path, source)
    checker.visit(ast.parse(source))
    return checker.problems


def test_pages_render_no_data_as_markdown():
    problems = [p for path in SOURCES for p in problems_in(path)]
    assert not problems, "data reaches Streamlit's Markdown:\n" + "\n".join(problems)


def test_the_check_catches_data(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        "import streamlit as st\n"
        "from ui.i18n import t\n"
        "from ui.safe import plain\n"
        "def body(files, params):\n"
        "    name = files[0].name\n"
        "    st.markdown(f'**{name}**')\n"                       # 6: a file name
        "    st.caption(t('x', error=str(Exception())))\n"       # 7: an exception message
        "    st.expander(params['team'])\n"                      # 8: a URL value
        "    st.metric('a', 1, help=files[0].why)\n"             # 9: help text from data
        "    st.markdown('<b>x</b>', unsafe_allow_html=True)\n"  # 10
        "    st.markdown(f'**{plain(name)}**')\n"                # fine
        "    label = t('y', n=len(files))\n"
        "    st.caption(label)\n"                                # fine
        "    st.caption(name)  # plain-text: reviewed\n"         # fine (reviewed)
        "    st.radio('r', [name, 'b'])\n"                      # 15: an option from data
        "    st.pills('p', files, format_func=str)\n"           # 16: options shown through str()
        "    st.segmented_control('s', files, format_func=plain)\n"  # fine
        "    st.radio('r', ['a', 'b'], format_func=i18n.labels('x.'))\n",  # fine
        encoding="utf-8")
    checker = Checker(page, page.read_text())
    checker.visit(ast.parse(page.read_text()))
    lines = sorted(int(p.split(":")[1]) for p in checker.problems)
    assert lines == [6, 7, 8, 9, 10, 15, 16], checker.problems
