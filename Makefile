# Bildungsdaten-Hub: `make run` serves the demo district, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run install install-test test test-sqlite test-postgres bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the packaging files change.
$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/bildungsdaten db upgrade
	$(BIN)/bildungsdaten demo --if-empty
	$(BIN)/bildungsdaten monitoring snapshot
	@echo "Bildungsdaten-Hub: http://$(HOST):$(PORT)/"
	$(BIN)/bildungsdaten serve --host $(HOST) --port $(PORT) --workers 2

# SQLite always; PostgreSQL as well when TEST_DATABASE_URL is set (else those cases skip, saying why).
test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench.run_all

# mypy resolves `bildungsdaten.*` through a link (the folders install under that name via setup.py).
lint: install-test
	$(BIN)/ruff check hub feeds validators vocab tests bench
	mkdir -p build/typecheck && ln -sfn ../.. build/typecheck/bildungsdaten
	MYPYPATH=build/typecheck $(BIN)/mypy -p bildungsdaten.vocab -p bildungsdaten.feeds \
		-p bildungsdaten.validators -p bildungsdaten.hub

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
