# Debtor portal. Quick start: `make demo` (try it in a browser) and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app portal
HOST ?= 127.0.0.1
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/portal_test
# pip prints a warning per missing optional local index; keep the output readable.
QUIET_PIP := 2>&1 | { grep -v -e '^WARNING: Location' -e 'is ignored: it is neither' || true; }

.DEFAULT_GOAL := help
.PHONY: help install demo migrate seed test test-postgres e2e coverage-domain lint check translations clean \
	bench wrk haproxy cluster-up cluster-down test-scale

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "Installing the app and its test tools into $(VENV) (first time: a few minutes)…"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools wheel $(QUIET_PIP)
	@$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' $(QUIET_PIP)
	@$(PY) -c 'import portal, flask, pytest' || { echo "installation failed" >&2; exit 1; }
	@touch $@

install: $(VENV)/.installed ## create .venv with the app and the test dependencies
	@$(VENV)/bin/pybabel --quiet compile -d portal/translations

migrate: install ## apply the database migrations
	@$(FLASK) db upgrade 2>&1 | grep -v 'alembic.runtime.migration: Will assume' || true
	@$(FLASK) db current >/dev/null

seed: migrate ## load the demo data (idempotent)
	@$(FLASK) seed-demo

demo: seed ## install, migrate, seed, then serve on $(HOST):$(PORT)
	@PORT=$(PORT) $(FLASK) demo-info
	@PORT=$(PORT) $(FLASK) run --host $(HOST) --port $(PORT) --no-debugger

test: install ## run the whole suite (SQLite; browser tests skip without Chromium)
	@$(PY) -m pytest -q

test-postgres: install ## run the suite on a fresh PostgreSQL database ($$PG_TEST_URL; benchmarks: make bench)
	@TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q -m 'not e2e and not slow'

e2e: install ## only the browser journeys (headless Chromium)
	@$(PY) -m pytest -q tests/e2e

coverage-domain: install ## the pure domain with 100 % branch coverage
	@$(PY) -m pytest -q -p no:cacheprovider tests/domain --cov=portal/domain --cov-branch \
		--cov-report=term-missing:skip-covered --cov-fail-under=100

lint: install ## ruff (lint + format), mypy (strict on portal/domain) and the import contracts
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy portal
	@$(VENV)/bin/mypy --strict --follow-imports=silent portal/domain
	@$(VENV)/bin/lint-imports --no-cache

check: lint coverage-domain test-postgres ## lint, domain coverage and the suite on PostgreSQL

translations: install ## extract messages and update the English catalogue
	@$(VENV)/bin/pybabel --quiet extract -F babel.cfg -k _l -k N_ --no-location --sort-output \
		-o portal/translations/messages.pot .
	@$(VENV)/bin/pybabel --quiet update -i portal/translations/messages.pot -d portal/translations \
		--no-fuzzy-matching --ignore-obsolete

wrk: # the load generator of `make bench` (Debian package)
	@command -v wrk >/dev/null 2>&1 || { apt-get install -y -qq wrk >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }

bench: install wrk ## pages and bulk work against a bare Flask app, one run (docs/performance.md)
	@$(PY) -m bench.run
	@echo "régua, CSV import (BENCH_IMPORT_ROWS) and bulk links (BENCH_LINKS) on PostgreSQL ($(PG_TEST_URL))"
	@TEST_DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest -q -s -p no:cacheprovider \
		tests/services/regua/test_run_benchmark.py \
		tests/services/integration/test_csv_import_benchmark.py \
		tests/services/access/test_links_benchmark.py

haproxy: # the load balancer of the local cluster (Debian package)
	@command -v haproxy >/dev/null 2>&1 || { apt-get install -y -qq haproxy >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }; }

cluster-up: install haproxy ## 2 app servers behind HAProxy, Celery worker and beat (docs/deploy.md)
	@$(PY) -m cluster up

test-scale: install haproxy ## the cluster under load: simulate, accept, pay while a server dies
	@$(PY) -m pytest -q -m scale tests/scale

cluster-down: ## stop every process of the local cluster
	@$(PY) -m cluster down

clean: ## remove the virtualenv and local state
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .coverage
