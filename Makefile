# Peer Support Manager. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run migrate demo test test-dates test-fast lint format worker beat assets bench clean

help: ## List every target
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its development tools

migrate: install ## Apply database migrations and load the councils
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_councils

demo: migrate ## Load the demo programme and the demo sign-ins (idempotent)
	$(BIN)/python manage.py seed_demo

run: demo ## Install, migrate, load reference and demo data, serve on http://127.0.0.1:8000
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole test suite (SQLite, or DATABASE_URL when set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-dates: install ## Run the suite (browser tests aside) with the clock on 31 March, 1 April and 2 December of this year
	set -e; year=$$(date +%Y); for day in $$year-03-31 $$year-04-01 $$year-12-02; do \
	  echo "== the suite on $$day"; \
	  TEST_TODAY=$$day $(BIN)/python -m pytest -n 2 -q --ignore=tests/browser $(PYTEST_ARGS); \
	done

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install ## Run a Celery worker (needs REDIS_URL)
	$(BIN)/celery -A peersupport worker --loglevel=INFO --max-tasks-per-child=50

beat: install ## Run the one Celery beat (needs REDIS_URL; run exactly one)
	$(BIN)/celery -A peersupport beat --loglevel=INFO

assets: ## Rebuild the GOV.UK Frontend CSS and JS into static/ (needs Node and npm)
	npm ci --no-audit --no-fund
	npm run build

bench: install ## Measure pages, API, stocktake and matching at scale 1 and 10 (writes bench/results.*)
	$(BIN)/python bench/run.py

clean: ## Remove the virtualenv, the SQLite database and generated files
	rm -rf $(VENV) db.sqlite3 var test-artifacts
