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
            from loaders.suggest import suggestion, unrecognised

            s = suggestion(raw.headers, options.table, path.name)
            if s.coverage < 1.0:
                from loaders import registry

                raise unrecognised(path, raw.headers, options.table, registry.detect(path))
            m = s.mapping()
        notes = [f"mapping: {m.get('columns')}" + (f", constants {m['constants']}" if m.get("constants") else "")]
        default_source = Path(path).stem.lower()
        if m.get("table") == "surveys":
            from loaders.adapters._survey_common import load_mapped

            return load_mapped(path, options, m, raw, default_source, notes)
        batch = load_with_mapping(path, options, m, default_source=default_source, raw=raw, notes=notes)
        tickets = batch.tables.get("tickets")
        if tickets is not None and "satisfaction" in (m.get("columns") or {}) and "surveys" not in batch.tables:
            from loaders.adapters._survey_common import ticket_ratings

            surveys, rating_notes, rating_warnings = ticket_ratings(tickets, m["columns"]["satisfaction"])
            if surveys.height:
                batch.tables["surveys"] = surveys
            batch.notes += rating_notes
            batch.warnings += rating_warnings
        return batch
