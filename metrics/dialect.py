"""DuckDB-dialect SQL -> Spark SQL: SQLGlot's transpiler plus the rewrites it lacks.

The metric SQL is written once, in DuckDB's dialect. ``translate(sql, params)`` turns one
statement into what Spark must run: the Spark SQL of its query part, the named parameters it
binds, and what kind of statement it is (a query, ``CREATE TABLE ... AS``, an ``INSERT``, ...),
so that ``metrics/execution.py`` can emulate tables on Spark. Every rewrite below exists because
SQLGlot (30.31) maps the construct wrongly or not at all, and each has a parity test in
``tests/test_spark_parity.py`` that runs the same statement on both engines:

* ``isodow(x)`` (Monday 1 .. Sunday 7) and ``dayofweek(x)`` (Sunday 0 .. Saturday 6): Spark's
  DAYOFWEEK is Sunday 1 .. Saturday 7; SQLGlot writes ``(DAYOFWEEK(x) % 7) + 1`` for isodow,
  which is wrong, and leaves dayofweek one off;
* ``GROUP BY ALL``: DuckDB leaves constants out of the grouping (``SELECT NULL AS g, count(*)
  ... GROUP BY ALL`` over no rows gives one row), Spark groups by them (no row); the rewrite
  lists the grouping expressions itself;
* epochs: ``epoch_us`` has no Spark twin; ``epoch(ts)`` keeps the fraction of a second (Spark's
  UNIX_TIMESTAMP drops it); ``epoch(a - b)`` of an interval; ``make_timestamp(us)``;
  ``date_diff('millisecond' | 'second' | 'minute' | 'hour' | 'day', a, b)`` counts unit
  boundaries in DuckDB and whole elapsed units in Spark;
* repeated ``?``: DuckDB's positional markers become named ``:pN`` markers before any rewrite,
  so that a rewrite that repeats an expression (GROUP BY ALL, range(), time zones) repeats
  the same parameter instead of shifting every later one;
* ``quantile_cont(x, q)`` / ``median(x)`` -> Spark's exact ``percentile`` (same definition:
  rank (n - 1) q, linear between neighbours); SQLGlot writes a two-argument PERCENTILE_CONT
  that Spark rejects;
* ``timezone('UTC', timezone(zone, local))`` (local wall clock -> UTC): ICU takes the later
  offset for a wall-clock time a DST switch repeats, Java the earlier one; the rewrite picks
  the later one. ``timezone(zone, timezone('UTC', utc))`` is ``from_utc_timestamp``;
* decimal literals (``3600.0``) are DECIMAL in both, but Spark keeps DECIMAL through a
  division (``1 / 3600.0`` = 0.000278) where DuckDB gives DOUBLE: they become DOUBLE;
* ``CAST(x AS INTEGER)`` rounds in DuckDB (2.5 -> 3) and truncates in Spark (2.7 -> 2);
* NULL ordering (DuckDB sorts NULLs last, Spark first) is SQLGlot's own (``NULLS LAST``);
  string collation is bytewise in both; GREATEST/LEAST skip NULLs in both (parity-tested);
* ``min(x, n)`` / ``max(x, n)`` (the n smallest as a list), ``arg_max_null`` / ``arg_min_null``,
  ``arg_max`` / ``arg_min`` (which skip a NULL value), ``x[i]`` (NULL past the end, not an error),
  ``list_has_any``, ``range()`` as a table or a list, ``row_number() OVER ()``, named windows
  extended with a frame, ``UNION ALL BY NAME``, and DuckDB's catalog functions.

What cannot be mapped raises ``Unsupported`` naming the construct and the fix; never a silent
difference. Known differences that no rewrite removes are listed in docs/scale-out.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

READ, WRITE = "duckdb", "spark"
# DuckDB catalog functions/tables -> the views metrics/execution.py keeps on Spark
CATALOG_VIEWS = {
    "duckdb_tables": "_ds_catalog_tables",
    "duckdb_columns": "_ds_catalog_columns",
    "duckdb_views": "_ds_catalog_views",  # a Spark session holds tables only: always empty
    "pg_timezone_names": "_ds_catalog_timezones",
    "information_schema.tables": "_ds_catalog_tables",
    "information_schema.columns": "_ds_catalog_columns",
}
# DuckDB aggregates SQLGlot does not model (GROUP BY ALL must leave them out of the grouping)
_AGGREGATE_NAMES = {"arg_max_null", "arg_min_null", "bool_or", "bool_and", "bit_or", "bit_and", "bit_xor", "any_value",
                    "quantile_cont", "median", "first", "last", "list", "array_agg", "histogram", "product"}
_INTEGRAL = {exp.DataType.Type.TINYINT, exp.DataType.Type.SMALLINT, exp.DataType.Type.INT, exp.DataType.Type.BIGINT,
             exp.DataType.Type.UTINYINT, exp.DataType.Type.USMALLINT, exp.DataType.Type.UINT,
             exp.DataType.Type.UBIGINT}
_DIFF_UNITS_US = {"MICROSECOND": 1, "MILLISECOND": 1_000, "SECOND": 1_000_000, "MINUTE": 60_000_000,
                  "HOUR": 3_600_000_000}


class Unsupported(ValueError):
    """A DuckDB construct the Spark translation does not map (the message says which, and the fix)."""


@dataclass
class Statement:
    """One DuckDB statement as Spark must run it.

    kind: ``query`` (SELECT/WITH: ``sql``), ``create_as`` (``target`` from ``sql``), ``create``
    (``target`` with ``columns`` [(name, Spark type)]), ``insert`` (rows of ``sql`` into ``target``,
    by position, by name, or into ``insert_columns``), ``delete`` (``sql`` selects the rows that
    stay), ``drop``, ``alter_add`` (``columns``), ``noop`` (transactions, CHECKPOINT, USE).
    """
    kind: str
    sql: str | None = None
    params: dict = field(default_factory=dict)
    target: str | None = None
    replace: bool = False
    if_not_exists: bool = False
    if_exists: bool = False
    by_name: bool = False
    insert_columns: list[str] | None = None
    columns: list[tuple[str, str]] = field(default_factory=list)
    catalog: set[str] = field(default_factory=set)  # catalog views the statement reads
    rowid_tables: set[str] = field(default_factory=set)  # tables whose DuckDB rowid the statement reads


# ------------------------------------------------------------------ entry point
def translate(sql: str, params=None, columns_of: Callable[[str, dict], list[str]] | None = None) -> Statement:
    """Translate one DuckDB statement with its positional ``params``.

    ``columns_of(spark_sql, params)`` returns the output columns of a Spark query; it is needed
    only for ``UNION ALL BY NAME`` (the executor asks Spark's analyser)."""
    params = list(params or [])
    numbered, count = _number_placeholders(sql)
    if count != len(params):
        raise ValueError(f"the statement has {count} ? marker(s) but {len(params)} parameter(s) were given")
    named = {f"p{i + 1}": v for i, v in enumerate(params)}
    try:
        tree = sqlglot.parse_one(numbered, read=READ)
    except sqlglot.errors.ParseError as exc:
        raise Unsupported(f"SQLGlot cannot parse this DuckDB statement ({exc}); simplify it or add a rewrite "
                          f"to metrics/dialect.py") from None
    if tree is None or isinstance(tree, exp.Column) and tree.name.upper() == "CHECKPOINT":
        return Statement("noop")
    if isinstance(tree, (exp.Transaction, exp.Commit, exp.Rollback, exp.Use)):
        return Statement("noop")
    if isinstance(tree, exp.Command):
        if tree.name.upper() in ("CHECKPOINT", "BEGIN", "COMMIT", "ROLLBACK", "SET", "PRAGMA", "VACUUM"):
            return Statement("noop")
        raise Unsupported(f"statement {tree.name!r} has no Spark equivalent here")
    return _statement(tree, named, columns_of)


def _statement(tree: exp.Expression, named: dict, columns_of) -> Statement:
    if isinstance(tree, exp.Create):
        if (tree.args.get("kind") or "").upper() not in ("TABLE", "VIEW"):
            raise Unsupported(f"CREATE {tree.args.get('kind')} is not supported on Spark; create tables or views")
        props = tree.args.get("properties")
        schema = tree.this if isinstance(tree.this, exp.Schema) else None
        target = _table_name(schema.this if schema else tree.this)
        common = dict(target=target, replace=bool(tree.args.get("replace")), if_not_exists=bool(tree.args.get("exists")))
        if tree.expression is not None:
            return _finish(Statement("create_as", **common), tree.expression, named, columns_of)
        columns = [(c.name, _spark_type(c.args["kind"])) for c in (schema.expressions if schema else [])
                   if isinstance(c, exp.ColumnDef)]
        del props
        return Statement("create", columns=columns, **common)
    if isinstance(tree, exp.Insert):
        target = tree.this
        insert_columns = None
        if isinstance(target, exp.Schema):
            insert_columns = [c.name for c in target.expressions]
            target = target.this
        if tree.args.get("overwrite") or tree.args.get("conflict") or tree.args.get("returning"):
            raise Unsupported("INSERT OR REPLACE / ON CONFLICT / RETURNING are not supported on Spark")
        st = Statement("insert", target=_table_name(target), by_name=bool(tree.args.get("by_name")),
                       insert_columns=insert_columns)
        source = tree.expression
        if isinstance(source, exp.Values):
            source = exp.select("*").from_(source.copy())
        return _finish(st, source, named, columns_of)
    if isinstance(tree, exp.Delete):
        table = tree.this
        where = tree.args.get("where")
        keep = exp.select("*").from_(table.copy())
        if where is not None:
            keep = keep.where(exp.Not(this=exp.Paren(this=exp.func("coalesce", where.this.copy(), exp.false()))))
        else:
            keep = keep.where(exp.false())
        return _finish(Statement("delete", target=_table_name(table)), keep, named, columns_of)
    if isinstance(tree, exp.Drop):
        kind = (tree.args.get("kind") or "").upper()
        if kind not in ("TABLE", "VIEW"):
            raise Unsupported(f"DROP {kind} is not supported on Spark")
        tables = tree.args.get("tables") or [tree.this]
        if len(tables) != 1:
            raise Unsupported("DROP of several tables at once; drop them one by one")
        return Statement("drop", target=_table_name(tables[0]), if_exists=bool(tree.args.get("exists")))
    if isinstance(tree, exp.Alter):
        actions = tree.args.get("actions") or []
        if not actions or not all(isinstance(a, exp.ColumnDef) for a in actions):
            raise Unsupported("ALTER TABLE other than ADD COLUMN is not supported on Spark")
        return Statement("alter_add", target=_table_name(tree.this),
                         columns=[(a.name, _spark_type(a.args["kind"])) for a in actions])
    if isinstance(tree, exp.Query):
        return _finish(Statement("query"), tree, named, columns_of)
    raise Unsupported(f"{type(tree).__name__} statements are not supported on Spark")


def _finish(st: Statement, query: exp.Expression, named: dict, columns_of) -> Statement:
    query = rewrite(query.copy(), st.catalog)
    if any(c.name.lower() == "rowid" for c in query.find_all(exp.Column)):
        st.rowid_tables = {t.name for t in query.find_all(exp.Table) if isinstance(t.this, exp.Identifier)}
    if _has_by_name_union(query):
        query = _union_by_name(query, named, columns_of)
    st.sql = query.sql(dialect=WRITE)
    used = set(re.findall(r":(p\d+)\b", st.sql))
    st.params = {k: v for k, v in named.items() if k in used}
    return st


def _table_name(node: exp.Expression) -> str:
    if not isinstance(node, exp.Table) or not isinstance(node.this, exp.Identifier):
        raise Unsupported(f"expected a table name, got {node.sql(dialect=READ)!r}")
    if node.args.get("db") and node.args["db"].name.lower() not in ("main", "memory", "temp", "ds"):
        raise Unsupported(f"table {node.sql(dialect=READ)} in another schema; use plain table names on Spark")
    return node.name


def _spark_type(kind: exp.DataType) -> str:
    kind = kind.copy()
    for node in kind.find_all(exp.DataType):
        if node.this in (exp.DataType.Type.INT128, exp.DataType.Type.UINT128):
            node.replace(exp.DataType.build("DECIMAL(38, 0)"))
    return kind.sql(dialect=WRITE)


def translate_many(sql: str, rows: list, columns_of=None) -> Statement:
    """``executemany``: one ``INSERT ... VALUES (?, ...)`` with every row's values in one statement."""
    rows = [list(r) for r in rows]
    if not rows:
        return Statement("noop")
    numbered, count = _number_placeholders(sql)
    tree = sqlglot.parse_one(numbered, read=READ)
    values = tree.find(exp.Values) if isinstance(tree, exp.Insert) else None
    if values is None or len(values.expressions) != 1 or any(len(r) != count for r in rows):
        raise Unsupported("executemany on Spark takes one INSERT ... VALUES (?, ...) with one row of markers")
    template = values.expressions[0]
    tuples = []
    for i in range(len(rows)):
        t = template.copy()
        for ph in t.find_all(exp.Placeholder):
            ph.set("this", int(ph.this) + i * count)
        tuples.append(t)
    values.set("expressions", tuples)
    named = {f"p{i + 1}": v for i, v in enumerate(v for r in rows for v in r)}
    return _statement(tree, named, columns_of)


# ------------------------------------------------------------------ placeholders
def _number_placeholders(sql: str) -> tuple[str, int]:
    """Positional ``?`` -> ``$1, $2, ...`` in textual order (strings, identifiers and comments
    untouched). A ``?::TYPE`` is one token for SQLGlot's tokenizer."""
    tokens = sqlglot.Dialect.get_or_raise(READ).tokenize(sql)
    out, last, n = [], 0, 0
    for tok in tokens:
        if tok.token_type == TokenType.PLACEHOLDER and tok.text == "?" or tok.token_type == TokenType.QDCOLON:
            n += 1
            out.append(sql[last:tok.start])
            out.append(f"${n}" + ("::" if tok.token_type == TokenType.QDCOLON else ""))
            last = tok.end + 1
    out.append(sql[last:])
    return "".join(out), n


# ------------------------------------------------------------------ expression rewrites
def _tpl(template: str, *args: exp.Expression) -> exp.Expression:
    """A Spark expression from a template whose ``_0, _1, ...`` columns stand for ``args``."""
    node = sqlglot.parse_one(template, read=WRITE)

    def fill(n):
        if isinstance(n, exp.Column) and not n.table and re.fullmatch(r"_\d+", n.name):
            return args[int(n.name[1:])].copy()
        return n

    return node.transform(fill)


def _num(value) -> exp.Literal:
    return exp.Literal.number(value)


def rewrite(tree: exp.Expression, catalog: set[str] | None = None) -> exp.Expression:
    """Every expression-level rewrite, in a fixed order (each pass sees the previous one's result).
    A pass rewrites children before their parent, and never revisits what it wrote."""
    catalog = catalog if catalog is not None else set()
    tree = _bottom_up(tree, _placeholder)
    tree = _inline_named_windows(tree)
    tree = _expand_group_by_all(tree)
    tree = _bottom_up(tree, _check_unsupported)
    tree = _bottom_up(tree, _top_n)
    tree = _bottom_up(tree, _functions)
    tree = _bottom_up(tree, lambda n: _catalog(n, catalog))
    tree = _bottom_up(tree, _generate_series)
    tree = _bottom_up(tree, _decimal_literal)
    tree = _bottom_up(tree, _integer_cast)
    return tree


def _bottom_up(node: exp.Expression, fn) -> exp.Expression:
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expression):
            node.set(key, _bottom_up(value, fn))
        elif isinstance(value, list):
            node.set(key, [_bottom_up(v, fn) if isinstance(v, exp.Expression) else v for v in value])
    return fn(node)


def _placeholder(node):
    if isinstance(node, exp.Placeholder) and node.this is not None:
        return exp.Placeholder(this=f"p{node.this}")
    if isinstance(node, exp.Parameter):
        raise Unsupported("$name parameters: use ? markers")
    return node


def _check_unsupported(node):
    if isinstance(node, exp.Join) and (node.args.get("method") or "").upper() == "ASOF":
        raise Unsupported("ASOF JOIN has no Spark equivalent; write it as a join on a range plus a window "
                          "(business_time.add_business_minutes_sql is DuckDB-only for this reason)")
    if isinstance(node, (exp.ArrayAgg, exp.GroupConcat)) and node.find(exp.Order):
        raise Unsupported("an ordered aggregate (list/string_agg ... ORDER BY) loses its order in Spark's "
                          "collect_list; sort the list afterwards (array_sort)")
    if isinstance(node, exp.RegexpReplace):
        modifiers = node.args.get("modifiers")
        flags = modifiers.name if isinstance(modifiers, exp.Literal) else ""
        if "g" not in flags:
            raise Unsupported("regexp_replace without the 'g' flag replaces the first match in DuckDB and every "
                              "match in Spark; add 'g' (or anchor the pattern)")
        if set(flags) - {"g", "i"}:
            raise Unsupported(f"regexp_replace flags {flags!r}: only 'g' and 'i' map to Spark")
    if isinstance(node, exp.PercentileDisc):
        raise Unsupported("quantile_disc has no exact Spark twin here; use quantile_cont")
    if isinstance(node, exp.UnixToTime) and node.args.get("scale") is not None \
            and node.args["scale"].name not in ("6", "0"):
        raise Unsupported("epoch_ms(x) means milliseconds -> timestamp or timestamp -> milliseconds depending on x; "
                          "write epoch_us(ts) // 1000 or make_timestamp(ms * 1000)")
    return node


def _inline_named_windows(tree):
    """``OVER win`` / ``OVER (win ROWS ...)`` -> the window's definition written out (Spark cannot
    extend a named window with a frame)."""
    for select in list(tree.find_all(exp.Select)):
        windows = select.args.get("windows")
        if not windows:
            continue
        named = {w.this.name: w for w in windows}
        for w in select.find_all(exp.Window):
            ref = w.args.get("alias")
            if ref is None or ref.name not in named or w.parent_select is not select:
                continue
            base = named[ref.name]
            w.set("alias", None)
            if base.args.get("partition_by") and not w.args.get("partition_by"):
                w.set("partition_by", [p.copy() for p in base.args["partition_by"]])
            if base.args.get("order") and not w.args.get("order"):
                w.set("order", base.args["order"].copy())
            if base.args.get("spec") and not w.args.get("spec"):
                w.set("spec", base.args["spec"].copy())
        select.set("windows", None)
    return tree


def _is_aggregate(node: exp.Expression) -> bool:
    for n in node.walk(prune=lambda n: isinstance(n, (exp.Subquery, exp.Exists)) and n is not node):
        if isinstance(n, exp.Window):
            return True
        if isinstance(n, exp.AggFunc) and not isinstance(n.parent, exp.Window):
            return True
        if isinstance(n, exp.Anonymous) and n.name.lower() in _AGGREGATE_NAMES:
            return True
    return False


def _expand_group_by_all(tree):
    """``GROUP BY ALL`` -> the select expressions that hold no aggregate and some column; no
    grouping left means a global aggregate (one row even over no rows), as in DuckDB."""
    for select in list(tree.find_all(exp.Select)):
        group = select.args.get("group")
        if group is None or not group.args.get("all"):
            continue
        keys = []
        for e in select.expressions:
            inner = e.this if isinstance(e, exp.Alias) else e
            if _is_aggregate(inner) or not any(True for _ in inner.find_all(exp.Column)):
                continue
            if isinstance(inner, exp.Star) or inner.find(exp.Star):
                raise Unsupported("GROUP BY ALL with SELECT *: name the columns")
            keys.append(inner.copy())
        select.set("group", exp.Group(expressions=keys) if keys else None)
    return tree


def _top_n(node):
    """``min(x, n)`` (FILTER ...) -> the n smallest values, sorted, as a list (NULL over no rows)."""
    agg = node.this if isinstance(node, exp.Filter) else node
    if not isinstance(agg, (exp.Min, exp.Max)) or agg.args.get("count") is None:
        return node
    if agg is node and isinstance(node.parent, exp.Filter):
        return node  # rewritten with its FILTER, when the pass reaches the Filter
    collected = exp.func("collect_list", agg.this.copy())
    if isinstance(node, exp.Filter):
        collected = exp.Filter(this=collected, expression=node.expression.copy())
    ordered = exp.func("array_sort", collected)
    if isinstance(agg, exp.Max):
        ordered = exp.func("reverse", ordered)
    return exp.func("nullif", exp.func("slice", ordered, _num(1), agg.args["count"].copy()), exp.func("array"))


def _unit(node) -> str:
    unit = node.args.get("unit")
    return (unit.name if unit is not None else "DAY").upper()


def _hex_cast(node):
    """DuckDB reads ``CAST('0x' || hex AS BIGINT)`` as a hexadecimal number; Spark's cast gives NULL.
    Spark's ``conv(hex, 16, 10)`` gives the same number (as digits). Only the ``'0x' || ...`` form
    is rewritten (metrics/rollups.py spells the ticket sample's number from md5() that way)."""
    value = node.this.this if isinstance(node.this, exp.Paren) else node.this
    if isinstance(value, exp.DPipe) and isinstance(value.this, exp.Literal) and value.this.is_string \
            and value.this.name.lower() == "0x":
        return type(node)(this=exp.Anonymous(this="conv", expressions=[value.expression.copy(), _num(16), _num(10)]),
                          to=node.to.copy())
    return None


def _functions(node):
    if isinstance(node, (exp.Cast, exp.TryCast)) and node.to.this in _INTEGRAL:
        hexed = _hex_cast(node)
        if hexed is not None:
            return hexed
    # day of week: DuckDB isodow Monday=1..Sunday=7, dayofweek Sunday=0..Saturday=6; Spark DAYOFWEEK Sunday=1..7
    if isinstance(node, exp.DayOfWeekIso):
        return exp.Paren(this=_tpl("((DAYOFWEEK(_0) + 5) % 7) + 1", node.this))
    if isinstance(node, exp.DayOfWeek):
        return exp.Paren(this=_tpl("DAYOFWEEK(_0) - 1", node.this))
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        args = node.expressions
        if name == "epoch_us":
            return exp.func("unix_micros", args[0].copy())
        if name in ("arg_max_null", "arg_min_null"):
            return exp.func("max_by" if name == "arg_max_null" else "min_by", args[0].copy(), args[1].copy())
        if name == "timezone":
            return _timezone(node)
        if name in ("epoch_ns", "epoch_ms", "make_timestamptz", "strptime", "strftime"):
            raise Unsupported(f"{name}() has no checked Spark mapping; see metrics/dialect.py")
        return node
    if isinstance(node, (exp.ArgMax, exp.ArgMin)):
        # DuckDB's arg_max/arg_min skip rows whose value is NULL; Spark's max_by/min_by keep them
        key = exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=node.this.copy(), expression=exp.null())),
                                   true=node.expression.copy())])
        return exp.func("max_by" if isinstance(node, exp.ArgMax) else "min_by", node.this.copy(), key)
    if isinstance(node, exp.TimeToUnix):  # epoch(): seconds with the fraction
        arg = node.this
        if isinstance(arg, exp.Paren):
            arg = arg.this
        if isinstance(arg, exp.Sub):  # epoch(a - b) of two timestamps: the interval's seconds
            return exp.Paren(this=_tpl("(UNIX_MICROS(_0) - UNIX_MICROS(_1)) / 1000000.0D", arg.this, arg.expression))
        return exp.Paren(this=_tpl("UNIX_MICROS(_0) / 1000000.0D", arg))
    if isinstance(node, exp.UnixToTime):
        scale = node.args.get("scale")
        if scale is not None and scale.name == "6":
            return exp.func("timestamp_micros", node.this.copy())
        return exp.func("timestamp_seconds", node.this.copy())
    if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary"):
        unit = _unit(node)
        end, start = node.this, node.expression
        if unit in _DIFF_UNITS_US:
            us = _num(_DIFF_UNITS_US[unit])
            return exp.Paren(this=_tpl("(UNIX_MICROS(_0) DIV _2) - (UNIX_MICROS(_1) DIV _2)", end, start, us))
        if unit == "DAY":
            return exp.func("datediff", exp.cast(end.copy(), "DATE"), exp.cast(start.copy(), "DATE"))
        raise Unsupported(f"date_diff('{unit.lower()}', ...) has no checked Spark mapping; use epoch_us differences")
    if isinstance(node, exp.PercentileCont):
        return exp.func("percentile", node.this.copy(), node.expression.copy())
    if isinstance(node, exp.Median):
        return exp.func("percentile", node.this.copy(), exp.Literal.number("0.5"))
    if isinstance(node, exp.ArrayOverlaps):
        return exp.func("arrays_overlap", node.this.copy(), node.expression.copy())
    if isinstance(node, exp.Bracket) and node.expressions and not node.expressions[0].is_string \
            and len(node.expressions) == 1:
        index = node.expressions[0]  # SQLGlot holds it 0-based; try_element_at counts from 1
        one_based = _num(int(index.name) + 1) if index.is_int else exp.Add(this=index.copy(), expression=_num(1))
        return exp.func("try_element_at", node.this.copy(), one_based)
    if isinstance(node, exp.RegexpReplace):
        flags = node.args["modifiers"].name
        pattern = node.expression.copy()
        if "i" in flags:
            pattern = exp.func("concat", exp.Literal.string("(?i)"), pattern)
        return exp.func("regexp_replace", node.this.copy(), pattern, node.args["replacement"].copy())
    if isinstance(node, exp.WindowSpec) and (node.args.get("kind") or "").upper() == "RANGE":
        # Spark wants both bounds of a RANGE frame in one interval type (7 days and 1 microsecond are not)
        for side in ("start", "end"):
            bound = node.args.get(side)
            if isinstance(bound, (exp.Interval, exp.Placeholder)):
                node.set(side, exp.cast(bound.copy(), exp.DataType.build("INTERVAL DAY TO SECOND", dialect=WRITE)))
        return node
    if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) \
            and not node.args.get("partition_by") and not node.args.get("order"):
        # DuckDB numbers rows in scan order, an order Spark does not have: a unique, increasing id
        return exp.Paren(this=_tpl("MONOTONICALLY_INCREASING_ID() + 1"))
    return node


def _timezone(node: exp.Anonymous):
    """DuckDB's ``timezone(zone, ts)`` pairs: naive UTC <-> naive local wall-clock time."""
    if isinstance(node.parent, exp.Anonymous) and node.parent.name.lower() == "timezone":
        return node  # the inner call of a pair: rewritten with the outer one
    if len(node.expressions) != 2:
        raise Unsupported("timezone() takes a zone and a timestamp")
    zone, inner = node.expressions
    if isinstance(inner, exp.Anonymous) and inner.name.lower() == "timezone":
        inner_zone, value = inner.expressions
        if _is_utc(inner_zone):  # UTC -> local wall clock
            return exp.func("from_utc_timestamp", value.copy(), zone.copy())
        if _is_utc(zone):  # local wall clock -> UTC; a repeated wall-clock time takes the later offset (ICU)
            return exp.Paren(this=_tpl(
                "CASE WHEN FROM_UTC_TIMESTAMP(TIMESTAMP_MICROS(UNIX_MICROS(_0) - (UNIX_MICROS(FROM_UTC_TIMESTAMP("
                "TO_UTC_TIMESTAMP(_0, _1) + INTERVAL 1 DAY, _1)) - UNIX_MICROS(TO_UTC_TIMESTAMP(_0, _1) + INTERVAL 1 DAY))), _1)"
                " = _0 AND TIMESTAMP_MICROS(UNIX_MICROS(_0) - (UNIX_MICROS(FROM_UTC_TIMESTAMP(TO_UTC_TIMESTAMP(_0, _1)"
                " + INTERVAL 1 DAY, _1)) - UNIX_MICROS(TO_UTC_TIMESTAMP(_0, _1) + INTERVAL 1 DAY))) > TO_UTC_TIMESTAMP(_0, _1)"
                " THEN TIMESTAMP_MICROS(UNIX_MICROS(_0) - (UNIX_MICROS(FROM_UTC_TIMESTAMP(TO_UTC_TIMESTAMP(_0, _1)"
                " + INTERVAL 1 DAY, _1)) - UNIX_MICROS(TO_UTC_TIMESTAMP(_0, _1) + INTERVAL 1 DAY)))"
                " ELSE TO_UTC_TIMESTAMP(_0, _1) END", value, inner_zone))
    raise Unsupported("timezone(zone, ts) alone yields a TIMESTAMPTZ, which Spark does not have; write "
                      "timezone(zone, timezone('UTC', utc)) or timezone('UTC', timezone(zone, local))")


def _is_utc(node) -> bool:
    return isinstance(node, exp.Literal) and node.is_string and node.name.upper() in ("UTC", "ETC/UTC")


def _catalog(node, catalog: set[str]):
    if isinstance(node, exp.Table):
        fn = node.this
        name = None
        if isinstance(fn, exp.Anonymous) and fn.name.lower() in CATALOG_VIEWS:
            name = fn.name.lower()
        elif isinstance(fn, exp.Identifier) and node.args.get("db") is not None \
                and node.args["db"].name.lower() == "information_schema":
            name = f"information_schema.{fn.name.lower()}"
            if name not in CATALOG_VIEWS:
                raise Unsupported(f"{name} is not available on Spark")
        if name:
            catalog.add(CATALOG_VIEWS[name])
            alias = node.args.get("alias")
            table = exp.to_table(CATALOG_VIEWS[name])
            if alias is not None:
                table.set("alias", alias.copy())
            return table
    return node


def _series_array(node: exp.GenerateSeries) -> exp.Expression:
    start, end = node.args["start"], node.args["end"]
    step = node.args.get("step")
    exclusive = bool(node.args.get("is_end_exclusive"))
    if isinstance(step, exp.Interval):  # DuckDB: a range over dates or timestamps yields timestamps
        start, end = exp.cast(start.copy(), "TIMESTAMP"), exp.cast(end.copy(), "TIMESTAMP")
    elif step is None:
        step = _num(1)
    elif not (step.is_int and int(step.name) > 0):
        raise Unsupported("range()/generate_series() with a step that is not a positive constant")
    last = exp.Sub(this=end.copy(), expression=step.copy()) if exclusive else end.copy()
    nonempty = exp.GT(this=end.copy(), expression=start.copy()) if exclusive else \
        exp.GTE(this=end.copy(), expression=start.copy())
    return exp.Case(ifs=[exp.If(this=nonempty, true=exp.func("sequence", start.copy(), last, step.copy()))],
                    default=exp.func("array"))


def _generate_series(node):
    """``range(a, b[, step])`` / ``generate_series``: a list, or a table with one column (``range``)."""
    if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
        series = node.this
        alias = node.args.get("alias")
        column = "range" if series.args.get("is_end_exclusive") else "generate_series"
        if alias is not None and alias.columns:
            column = alias.columns[0].name
        sub = exp.select(exp.alias_(exp.Explode(this=_series_array(series)), column))
        return exp.Subquery(this=sub, alias=exp.TableAlias(this=exp.to_identifier(alias.name if alias is not None
                                                                                      else "_range")))
    if isinstance(node, exp.GenerateSeries) and not isinstance(node.parent, exp.Table):
        return _series_array(node)
    return node


def _decimal_literal(node):
    if isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"\d+\.\d*|\.\d+", node.name) \
            and not isinstance(node.parent, (exp.DataType, exp.Cast)) \
            and not (isinstance(node.parent, exp.Neg) and isinstance(node.parent.parent, exp.Cast)):
        return exp.cast(node.copy(), "DOUBLE")
    return node


def _integer_cast(node):
    """DuckDB rounds a DOUBLE half to even when casting it to an integer type (2.5 -> 2, 3.5 -> 4);
    Spark truncates (2.7 -> 2). A value that is whole by construction (an integer literal, count,
    floor, round, a bit operation ...) is cast as it is; anything else (a column, whose type the
    translation does not know) goes through DECIMAL and bround(), half to even, which leaves an
    integer or a boolean as it is. (DuckDB rounds a DECIMAL half away from zero; canonical
    columns are DOUBLE and decimal literals become DOUBLE here.)"""
    if not isinstance(node, (exp.Cast, exp.TryCast)) or node.to.this not in _INTEGRAL:
        return node
    value = node.this
    inner = value.this if isinstance(value, exp.Paren) else value
    if _whole(inner):
        return node
    literal = inner.this if isinstance(inner, exp.Neg) else inner
    if isinstance(literal, exp.Literal) and not literal.is_string:  # a DECIMAL literal: half away from zero
        return type(node)(this=exp.func("round", exp.cast(value.copy(), "DECIMAL(38, 10)")), to=node.to.copy())
    rounded = exp.func("bround", exp.cast(value.copy(), "DECIMAL(38, 10)"))
    return type(node)(this=rounded, to=node.to.copy())


def _whole(node) -> bool:
    if isinstance(node, exp.Literal):
        return not node.is_string and node.is_int
    if isinstance(node, (exp.Floor, exp.Ceil, exp.Round, exp.Count, exp.IntDiv, exp.BitwiseAnd, exp.BitwiseOr,
                         exp.BitwiseLeftShift, exp.BitwiseRightShift, exp.BitwiseXor)):
        return True
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return node.to.this in _INTEGRAL
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in ("unix_micros", "bit_count", "dayofweek", "hour", "minute", "conv")
    if isinstance(node, exp.Func):
        return node.sql_name().lower() in ("unix_micros", "bit_count", "hour", "minute", "year", "month", "day",
                                           "shiftleft", "shiftright")
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Mod)):
        return _whole(node.this) and _whole(node.expression)
    if isinstance(node, exp.Coalesce):
        return _whole(node.this) and all(_whole(e) for e in node.expressions)
    if isinstance(node, (exp.Sum, exp.Max, exp.Min)):
        return _whole(node.this)
    if isinstance(node, exp.Window):
        return _whole(node.this)
    if isinstance(node, exp.Paren):
        return _whole(node.this)
    return False


# ------------------------------------------------------------------ UNION ALL BY NAME
def _has_by_name_union(tree) -> bool:
    return any(u.args.get("by_name") for u in tree.find_all(exp.Union))


def _union_by_name(tree, named: dict, columns_of):
    """Each branch of a ``UNION [ALL] BY NAME`` selects the union of all branches' columns (in
    order of first appearance), NULL where it lacks one, so that a positional union lines up."""
    def fix(node):
        if not (isinstance(node, exp.Union) and node.args.get("by_name")):
            return node
        if columns_of is None:
            raise Unsupported("UNION BY NAME needs the branches' columns: run it through metrics/execution.py")
        branches, distinct = [], node.args.get("distinct")

        def flatten(n):
            if isinstance(n, exp.Union) and n.args.get("by_name") and n.args.get("distinct") == distinct:
                flatten(n.this)
                flatten(n.expression)
            else:
                branches.append(n)

        flatten(node)
        cols = []
        per_branch = []
        for b in branches:
            sql = b.sql(dialect=WRITE)
            names = columns_of(sql, {k: v for k, v in named.items() if re.search(rf":{k}\b", sql)})
            per_branch.append(names)
            for c in names:
                if c not in cols:
                    cols.append(c)
        selects = []
        for b, names in zip(branches, per_branch):
            projection = [exp.column(c, table="_b", quoted=True) if c in names else exp.alias_(exp.null(), c, quoted=True)
                          for c in cols]
            selects.append(exp.select(*projection).from_(exp.Subquery(this=b.copy(), alias=exp.TableAlias(
                this=exp.to_identifier("_b")))))
        out = selects[0]
        for s in selects[1:]:
            out = exp.Union(this=out, expression=s, distinct=distinct)
        return out

    return tree.transform(fix)
