# Bildungsdaten-Hub: `make run` serves the demo district, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run install install-test test test-sqlite test-postgres bench lint clean vendor-leaflet

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
	MYPYPATH=build/typecheck $(BIN)/mypy bench

# Leaflet for the optional tile map (MAP_TILE_URL), committed under hub/static/vendor/leaflet:
# only to update it. The package from the npm registry, checked against its known digest.
LEAFLET_VERSION := 1.9.4
LEAFLET_SHA256 := 84c65a256e50657896f54c33bd857b6849ebe94c817803be818bf32a3dde0b77
LEAFLET_DIR := hub/static/vendor/leaflet
vendor-leaflet:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent leaflet@$(LEAFLET_VERSION) \
	&& echo "$(LEAFLET_SHA256)  leaflet-$(LEAFLET_VERSION).tgz" | sha256sum -c - \
	&& tar xzf leaflet-$(LEAFLET_VERSION).tgz && cd $(CURDIR) && rm -rf $(LEAFLET_DIR) \
	&& mkdir -p $(LEAFLET_DIR)/images \
	&& cp $$tmp/package/dist/leaflet.js $$tmp/package/dist/leaflet.css $(LEAFLET_DIR)/ \
	&& cp $$tmp/package/dist/images/*.png $(LEAFLET_DIR)/images/ \
	&& cp $$tmp/package/LICENSE $(LEAFLET_DIR)/LICENSE && rm -rf $$tmp

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
