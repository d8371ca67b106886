"""Files uploaded on the Data page: checked, then stored under names Deskscope makes up.

* Size: a file larger than ``uploads.max_mb`` (settings) is refused before it is written
  (Streamlit's ``server.maxUploadSize`` in .streamlit/config.toml caps every upload as well).
* Type: only the extensions in ``uploads.extensions`` are accepted (the file uploader is told
  too, and Streamlit checks the name on the server).
* Name: the user's file name never becomes a path. Each file goes to a new random folder in the
  session's private temporary folder, as ``<name>.<ext>`` where ``<name>`` keeps only letters,
  digits, ``-`` and ``_`` of the original (so ``../../x``, ``C:\\x``, control characters, very long
  names and two uploads of the same name cannot reach or overwrite anything, while detection and
  the default source name still see a recognisable stem such as ``zendesk_export``). The
  original name is kept as text only, for display through ``ui.safe.plain()``.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
STEM_CHARS = re.compile(r"[^\w-]+")  # \w: letters and digits of any script, and _
MAX_STEM = 60


@dataclass(frozen=True)
class Upload:
    path: Path            # where Deskscope stored it (generated)
    original_name: str    # the name the browser sent: text for display only
    size: int


@dataclass(frozen=True)
class Refusal:
    original_name: str
    reason: str           # "size" or "type"
    size: int
    extension: str


def limits(settings: dict) -> tuple[int, list[str]]:
    """(max_mb, allowed extensions without dots, lower case) from the settings."""
    section = settings.get("uploads") or {}
    max_mb = int(section.get("max_mb") or 500)
    extensions = [str(e).lower().lstrip(".") for e in section.get("extensions") or []]
    return max_mb, extensions


def extension(name: str) -> str:
    """The last extension of a file name, lower case without the dot ("" when there is none)."""
    base = re.split(r"[\\/]", name)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""


def stored_name(original: str, ext: str) -> str:
    """A safe file name for an upload: the original stem reduced to letters, digits, - and _."""
    base = re.split(r"[\\/]", original)[-1]
    stem = base[: -(len(ext) + 1)] if ext and base.lower().endswith("." + ext) else base
    stem = STEM_CHARS.sub("_", stem).strip("_-")[:MAX_STEM] or "upload"
    return f"{stem}.{ext}" if ext else stem


def store(files, folder: Path, known: dict, max_mb: int, extensions: list[str]) -> tuple[list[Upload], list[Refusal]]:
    """Write accepted uploads to ``folder`` (once per uploaded file: ``known`` maps the uploader's
    file id to the stored path across reruns); return the stored files and the refused ones."""
    stored, refused = [], []
    for f in files:
        original = str(f.name)
        size = int(getattr(f, "size", None) or len(f.getvalue()))
        ext = extension(original)
        if ext not in extensions:
            refused.append(Refusal(original, "type", size, ext))
            continue
        if size > max_mb * MB:
            refused.append(Refusal(original, "size", size, ext))
            continue
        file_id = str(getattr(f, "file_id", None) or id(f))
        path = known.get(file_id)
        if path is None or not Path(path).is_file():
            target = folder / secrets.token_hex(8)
            target.mkdir(parents=True, exist_ok=False)
            path = target / stored_name(original, ext)
            path.write_bytes(f.getvalue())
            known[file_id] = path
        stored.append(Upload(Path(path), original, size))
    return stored, refused
