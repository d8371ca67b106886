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
        order on the whole file, each batch typed as a whole-file load types the file. Survey
        answers are typed in one batch: their scale is chosen from all the answers (the load
        summary says so)."""
        from dataclasses import replace

        first = True
        for raw in staged.batches():
            if first:
                mapping = self._mapping(path, options, raw.headers)
                dates = [h for c, h in (mapping.get("columns") or {}).items()
                         if c in _timestamp_columns(mapping["table"]) and h in raw.headers]
                options = replace(options, date_order=staged.date_order(dates, options.date_order or mapping.get("date_order")))
                first = False
                if mapping.get("table") == "surveys":
                    whole = next(iter(staged.batches(size=max(staged.rows, 1))))
                    batch = self._typed(path, options, mapping, whole, dedupe=False)
                    batch.notes.append("survey answers typed in one batch, not streamed: their scale is chosen "
                                       "from all the answers (memory grows with the file)")
                    yield batch
                    return
            yield self._typed(path, options, mapping, raw, dedupe=False)

    def _load_raw(self, path: Path, options: LoadOptions, raw) -> Batch:
        return self._typed(path, options, self._mapping(path, options, raw.headers), raw)

    def _typed(self, path: Path, options: LoadOptions, m: dict, raw, dedupe: bool = True) -> Batch:
        """One table's rows typed through the mapping; survey answers by the survey reader (scales,
        question headers), a ticket export's rating column also as survey responses."""
        notes = [f"mapping: {m.get('columns')}" + (f", constants {m['constants']}" if m.get("constants") else "")]
        default_source = Path(path).stem.lower().removesuffix(".csv")
        if m.get("table") == "surveys":
            from loaders.adapters._survey_common import load_mapped

            return load_mapped(path, options, m, raw, default_source, notes)
        batch = load_with_mapping(path, options, m, default_source=default_source, raw=raw, notes=notes, dedupe=dedupe)
        tickets = batch.tables.get("tickets")
        if tickets is not None and "satisfaction" in (m.get("columns") or {}) and "surveys" not in batch.tables:
            from loaders.adapters._survey_common import ticket_ratings

            surveys, rating_notes, rating_warnings = ticket_ratings(tickets, m["columns"]["satisfaction"])
            if surveys.height:
                batch.tables["surveys"] = surveys
            batch.notes += rating_notes
            batch.warnings += rating_warnings
        return batch

    def _mapping(self, path: Path, options: LoadOptions, headers: list[str]) -> dict:
        if options.mapping:
            m = dict(options.mapping)
            m.setdefault("table", options.table)
        else:
            from loaders.suggest import suggestion, unrecognised

            s = suggestion(headers, options.table, path.name)
            if s.coverage < 1.0:
                from loaders import registry

                raise unrecognised(path, headers, options.table, registry.detect(path))
            m = s.mapping()
        return m


def _timestamp_columns(table: str) -> set[str]:
    from loaders import schema

    return {c.name for c in schema.columns(table) if c.type in ("TIMESTAMP", "DATE")}
