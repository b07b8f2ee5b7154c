# twofa — every set-up step lives here, so a fresh machine needs only `make run` or `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
FAST_TESTS := not browser and not server and not slow
# test-fast keeps its SQLite files in memory where there is a tmpfs: each commit's fsync to
# disk would otherwise be a large part of its time.
FAST_TMPDIR := $(if $(wildcard /dev/shm/.),TMPDIR=/dev/shm)

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint format schema check-schema clients migration bench soak clean

help: ## list the targets (what make with no target does)
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## create .venv and install twofa with its development tools

run: install ## migrate, seed a demo account on an empty database, serve on 127.0.0.1:8000 (make run PORT=8123)
	$(BIN)/twofa migrate
	$(BIN)/twofa seed-demo --port $(PORT)
	$(BIN)/twofa serve --host 127.0.0.1 --port $(PORT)

test: install ## the whole test suite (SQLite; PostgreSQL when TEST_DATABASE_URL is set)
	$(BIN)/pytest

test-fast: install ## in a minute: the suite less browser tests, tests that start twofa processes and tests marked slow
	$(FAST_TMPDIR) $(BIN)/pytest -m "$(FAST_TESTS)"

lint: install ## ruff (lint and format) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: install ## regenerate schema.graphql from the code
	$(BIN)/twofa export-schema > schema.graphql

check-schema: install ## fail when schema.graphql differs from the code
	$(BIN)/twofa export-schema | diff -u schema.graphql - && echo "schema.graphql is up to date"

clients: install ## generate the Python and TypeScript clients from schema.graphql and type-check them
	PYTHON=$(PYTHON) clients/check.sh

migration: install ## write a migration for model changes: make migration name=what_changed
	$(BIN)/tortoise -c twofa.database.MIGRATIONS_AUTHORING_CONFIG makemigrations --name $(name)

clean: ## remove .venv and the tools' caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

bench: install ## load benchmarks on SQLite and PostgreSQL (needs wrk: installed here if missing)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run

soak: install ## 20 clients of mixed traffic on PostgreSQL, then consistency checks
	$(BIN)/python -m bench.soak
