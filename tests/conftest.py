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

import pytest

# Spark (tests/test_spark_*.py): one local[2] session for the whole test session. Without Java
# the Spark tests are skipped and the run's summary says so in one line (CI=true: a failure).
_SPARK_SKIPPED: list[str] = []


@pytest.fixture(scope="session")
def spark_session():
    from metrics import execution

    ok, why = execution.java_status()
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Spark parity suite cannot run: {why}")
        _SPARK_SKIPPED.append(why)
        pytest.skip(f"Spark parity suite skipped: {why}")
    return execution.spark_session("local[2]", {"spark.driver.memory": "1g"})


def pytest_terminal_summary(terminalreporter):
    if _SPARK_SKIPPED:
        terminalreporter.write_line(f"Spark parity suite SKIPPED: {_SPARK_SKIPPED[0]}")
