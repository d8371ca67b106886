"""The generic adapter: any CSV, TSV, XLSX, JSON, NDJSON or Parquet file into any canonical
table through a column mapping (given, or suggested from the headers)."""
from __future__ import annotations

from pathlib import Path

from loaders import mapping as mapping_mod
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Rejects, Sample
from loaders.files import EXCEL_SUFFIXES, read_table
from loaders.registry import register


def default_tz(options: LoadOptions) -> str:
    if options.tz:
        return options.tz
    try:
        import config

        return config.get()["loading"]["default_timezone"]
    except Exception:
        return "UTC"


def load_with_mapping(path: Path, options: LoadOptions, mapping: dict, default_source: str,
                      raw=None, notes: list[str] | None = None) -> Batch:
    """Read ``path`` and apply ``mapping``: the shared path of every mapping-based adapter."""
    raw = raw if raw is not None else read_table(path, sheet=options.sheet or mapping.get("sheet"))
    tz = options.tz or mapping.get("timezone") or default_tz(options)
    table = mapping["table"]
    rejects = Rejects()
    frame, rejects, warnings = mapping_mod.apply(raw, mapping, tz=tz, date_order=options.date_order, rejects=rejects)
    if table != "ticket_events":
        frame = mapping_mod.dedupe_ids(frame, raw, rejects)
    source = options.source or mapping.get("source") or default_source
    info = [f"read {raw.rows:,} rows" + (f" ({raw.encoding}, delimiter {raw.delimiter!r})" if raw.delimiter else "")
            + (f" from sheet {raw.sheet!r}" if raw.sheet else "")]
    return Batch(tables={table: frame}, rows_in=raw.rows, rejects=rejects, warnings=raw.warnings + warnings,
                 target_table=table, source=source, source_tz=tz, mapping=mapping, notes=(notes or []) + info)


def _missing_columns(m: dict, headers: list[str], file_name: str) -> list[str]:
    """The guessed table's missing required columns, each with what it is and the headers looked for."""
    from loaders import schema, vocab

    problems = mapping_mod.validate(m, headers, file_name)
    table = m["table"]
    described = {c.name: c.description for c in schema.columns(table)}
    out = []
    for p in problems:
        name = p.split("'")[1] if p.startswith("required column '") else None
        if name is None:
            out.append(p)
            continue
        looked_for = vocab.SYNONYMS.get(table, {}).get(name, [])[:4]
        what = described.get(name, "").rstrip(".")
        what = what[:1].lower() + what[1:]
        out.append(f"the file looks like {table} but no column holds {name}" + (f" ({what})" if what else "")
                   + (f"; headers recognised for it: {', '.join(repr(h) for h in looked_for)}" if looked_for else ""))
    return out


@register
class GenericAdapter(Adapter):
    name = "generic"
    title = "Any table with a column mapping"
    family = "any"
    accepts = "CSV, TSV, XLSX, JSON, NDJSON, Parquet; columns mapped by --mapping or suggested from English/Russian headers"

    def detect(self, sample: Sample) -> float:
        if sample.is_dir or not sample.headers:
            return 0.0
        table, cols, coverage = mapping_mod.suggest(sample.headers)
        return 0.3 if coverage >= 1.0 else 0.05

    def explain(self, sample: Sample) -> str:
        table, cols, coverage = mapping_mod.suggest(sample.headers)
        return f"headers suggest {table} ({len(cols)} columns matched)"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raw = read_table(path, sheet=options.sheet)
        if options.mapping:
            m = dict(options.mapping)
            m.setdefault("table", options.table)
        else:
            table, cols, coverage = mapping_mod.suggest(raw.headers, options.table)
            m = {"table": table, "columns": cols}
            if coverage < 1.0:
                problems = _missing_columns(m, raw.headers, path.name)
                raise LoadError(path.name, problems or ["could not tell which columns hold what"], found=raw.headers,
                                fix=f"rename the file's column to one of the names shown, or write a column mapping: "
                                    f"`cli.py suggest {path.name} > map.toml`, edit it, then `cli.py load {path.name} --mapping map.toml`"
                                    + ("" if options.table else f" (if the file is not {table}, add --table NAME)"))
        return load_with_mapping(path, options, m, default_source=Path(path).stem.lower(),
                                 raw=raw, notes=[f"mapping: {m.get('columns')}"])
