import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"

# Tests must never read or write the user's settings or database.
import tempfile

os.environ["DESKSCOPE_SETTINGS"] = str(Path(tempfile.mkdtemp(prefix="deskscope-settings-")) / "settings.toml")
os.environ.pop("DESKSCOPE_DB", None)
