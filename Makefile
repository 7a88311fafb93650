# ShopLens: `make demo` and `make test` work on a fresh machine with only python3 on it.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install sysdeps demo test lint bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[all,dev]"
	touch $(STAMP)

install: $(STAMP)

# Java for the Spark engine, Chromium for the browser tests (Debian packages).
sysdeps:
	@bash scripts/sysdeps.sh

demo: install sysdeps
	$(BIN)/shoplens demo --out demo-shop --report report
	@echo "Open the report: file://$(CURDIR)/report/index.html"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install sysdeps lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install sysdeps
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) report demo-shop .shoplens .pytest_cache .ruff_cache
