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
                      raw=None, notes: list[str] | None = None, dedupe: bool = True) -> Batch:
    """Read ``path`` and apply ``mapping``: the shared path of every mapping-based adapter.
    ``dedupe=False``: keep every row, duplicates of an id included (a streamed load's batches:
    the store finds duplicates across all of them)."""
    raw = raw if raw is not None else read_table(path, sheet=options.sheet or mapping.get("sheet"))
    tz = options.tz or mapping.get("timezone") or default_tz(options)
    table = mapping["table"]
    rejects = Rejects()
    frame, rejects, warnings = mapping_mod.apply(raw, mapping, tz=tz, date_order=options.date_order, rejects=rejects)
    if table != "ticket_events" and dedupe:
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
        return self._load_raw(path, options, read_table(path, sheet=options.sheet))

    def load_stream(self, path: Path, options: LoadOptions, staged):
        """The file's batches (loaders/stream.py): the mapping decided on the header, the date
        order on the whole file, each batch typed as a whole-file load types the file."""
        from dataclasses import replace

        first = True
        for raw in staged.batches():
            if first:
                mapping = self._mapping(path, options, raw.headers)
                dates = [h for c, h in (mapping.get("columns") or {}).items()
                         if c in _timestamp_columns(mapping["table"]) and h in raw.headers]
                options = replace(options, date_order=staged.date_order(dates, options.date_order or mapping.get("date_order")))
                first = False
            yield load_with_mapping(path, options, mapping, default_source=Path(path).stem.lower().removesuffix(".csv"),
                                    raw=raw, notes=[f"mapping: {mapping.get('columns')}"], dedupe=False)

    def _load_raw(self, path: Path, options: LoadOptions, raw) -> Batch:
        m = self._mapping(path, options, raw.headers)
        return load_with_mapping(path, options, m, default_source=Path(path).stem.lower(),
                                 raw=raw, notes=[f"mapping: {m.get('columns')}"])

    def _mapping(self, path: Path, options: LoadOptions, headers: list[str]) -> dict:
        if options.mapping:
            m = dict(options.mapping)
            m.setdefault("table", options.table)
        else:
            table, cols, coverage = mapping_mod.suggest(headers, options.table)
            m = {"table": table, "columns": cols}
            if coverage < 1.0:
                problems = _missing_columns(m, headers, path.name)
                raise LoadError(path.name, problems or ["could not tell which columns hold what"], found=headers,
                                fix=f"rename the file's column to one of the names shown, or write a column mapping: "
                                    f"`cli.py suggest {path.name} > map.toml`, edit it, then `cli.py load {path.name} --mapping map.toml`"
                                    + ("" if options.table else f" (if the file is not {table}, add --table NAME)"))
        return m


def _timestamp_columns(table: str) -> set[str]:
    from loaders import schema

    return {c.name for c in schema.columns(table) if c.type in ("TIMESTAMP", "DATE")}
