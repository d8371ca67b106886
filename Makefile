# Deskscope: `make run` opens the dashboard on the sample data, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run test install browser java sample bench bench-spark clean lint

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# Debian's Chromium for the browser tests (never a downloaded browser).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian's chromium for the browser tests ..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing: run 'sudo apt-get install -y chromium' for the browser tests"; \
	  fi; \
	fi

# Debian's Java 17 for the Spark parity suite (pyspark comes from requirements.txt).
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian's openjdk-17-jre-headless for the Spark parity suite ..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "java is missing: run 'sudo apt-get install -y openjdk-17-jre-headless' for the Spark parity suite"; \
	  fi; \
	fi

sample: install
	$(BIN)/python cli.py demo --all-formats || test $$? -eq 1  # 1 = some rows rejected: still open the dashboard

run: sample
	$(BIN)/python cli.py serve --port $(PORT)  # streamlit run app.py, after logging who can reach it

# Two passes: everything but the browser on two workers (a file stays on one worker, so its
# fixtures are built once), then the browser tests alone, so that Chromium's timings are not
# squeezed by the CPU-heavy tests beside them. The second pass runs even when the first fails.
test: install browser java
	@status=0; \
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not browser" || status=$$?; \
	$(BIN)/python -m pytest -q -m browser || status=$$?; \
	exit $$status

bench: install
	$(BIN)/python bench/metrics.py

bench-spark: install java
	$(BIN)/python bench/spark.py

clean:
	rm -rf data/sample data/deskscope.duckdb* .pytest_cache
