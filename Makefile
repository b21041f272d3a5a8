# lab: two commands do all the set-up.
#   make run    install what is needed, then start the server with the demo deck (SQLite file lab.db)
#   make test   install what is needed (Chromium and axe-core too, where possible), then run the whole test suite
# Both need only python3, make and git.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DECK   ?= sessions/prestatieafspraken.toml
HOST   ?= 0.0.0.0
PORT   ?= 8000

.PHONY: run test check format bench browser pdf-libs services containers clean

run: $(VENV)/.runtime pdf-libs
	$(BIN)/lab serve --deck $(DECK) --host $(HOST) --port $(PORT)

# The whole suite on SQLite (the default store), then on PostgreSQL (a server the tests start themselves) every test
# that uses a store, but those in a browser (tests/conftest.py says why). Two test processes each (pytest-xdist).
# Measured on two cores: SQLite 14 minutes, PostgreSQL 4 (with one process the SQLite pass took 18; with four,
# the countdown and kill -9 tests missed their timing once, so two). Last, on its own, deploy/compose.yaml built and
# run with podman (its image builds take both cores: 2 minutes the first time, under one after).
test: $(VENV)/.dev browser pdf-libs services containers node_modules/.installed
	$(BIN)/pytest -n 2 --store=sqlite -m "not containers"
	$(BIN)/pytest -n 2 --store=postgres -m "not containers"
	$(BIN)/pytest -m containers

check: $(VENV)/.dev
	$(BIN)/ruff format --check lab tests bench
	$(BIN)/ruff check lab tests bench
	$(BIN)/mypy lab bench

format: $(VENV)/.dev
	$(BIN)/ruff format lab tests bench
	$(BIN)/ruff check --fix lab tests bench

bench: $(VENV)/.dev
	$(BIN)/python -m bench

browser:
	@scripts/install-chromium

# Pango and a font for the report's PDF (WeasyPrint), from Debian's packages
pdf-libs:
	@scripts/install-pdf-libs

# PostgreSQL, Redis and nginx, from Debian's packages: the tests start their own servers of each (tests/services.py)
services:
	@scripts/install-services

# podman, runc and mmdebstrap, from Debian's packages: tests/test_compose.py builds and runs deploy/compose.yaml
containers:
	@scripts/install-containers

# axe-core for the accessibility tests (tests/test_a11y.py), exactly as package.json pins it
node_modules/.installed: package.json
	@scripts/install-axe

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
