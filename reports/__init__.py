"""Numbers → people, outside the browser: dated snapshots (`snapshot.py`) and service audits
(`audit.py`), both self-contained HTML built by `html.py` with inline SVG charts (`svg.py`)."""
