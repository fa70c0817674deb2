# Vigil — `make run` starts the app, `make test` runs every check. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYPROJECT_HASH := $(shell sha1sum pyproject.toml | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.runtime-$(PYPROJECT_HASH)
DEV_STAMP := $(VENV)/.dev-$(PYPROJECT_HASH)

.PHONY: run test lint install install-dev format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP)

## Start API, sockets and dashboard on http://127.0.0.1:8000 (PORT or VIGIL_PORT to change).
run: install
	$(BIN)/vigil serve

## Lint, type-check and run every test (slow ones included).
test: install-dev lint
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check backend tests alembic
	$(BIN)/ruff format --check backend tests alembic
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format backend tests alembic
	$(BIN)/ruff check --fix backend tests alembic

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
