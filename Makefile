# The two commands: `make run` serves the demo directory; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
DEMO_COUNT ?= 2000
# One test process per core (pytest-xdist); `make test TEST_WORKERS=0` runs them in one.
TEST_WORKERS ?= auto

.PHONY: run test lint install install-dev browser db clean

# The web server and the background worker (imports, mail retries, reminders) together;
# stopping one (Ctrl-C) stops both.
run: install db
	$(BIN)/flask jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask catalogs load
	$(BIN)/flask demo load --count $(DEMO_COUNT)
	$(BIN)/flask demo accounts
	$(BIN)/flask notifications scan
	$(BIN)/flask search check >/dev/null 2>&1 || $(BIN)/flask search reindex

test: install-dev browser
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

# Browser tests drive the system's Chromium (Playwright's own download needs a network).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else \
	    echo "Chromium is missing: install it (e.g. sudo apt-get install chromium) or browser tests are skipped."; \
	  fi; }

lint: install-dev
	$(BIN)/ruff check .

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ReferFit needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .hypothesis
