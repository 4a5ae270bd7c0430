# motcua: two commands.
#   make run   install into .venv, migrate, load the demo data, serve the portal with a Celery worker and beat
#   make test  install the test dependencies, run ruff, import-linter (the layering contracts in
#              pyproject.toml) and the whole pytest suite
# Settings come from the environment (see .env.example); with none, SQLite and an embedded broker are used.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
HOST ?= 127.0.0.1
# The embedded defaults' folder (SQLite, broker, uploads, mail); portal/settings.py reads the same VAR_DIR.
VAR_DIR ?= var
export VAR_DIR

.PHONY: run test lint serve migrate demo bench bench-deps bench-scale clean help

help:
	@echo "make run   – serve the portal with demo data on http://$(HOST):$(PORT)/"
	@echo "make test  – ruff + import-linter + the whole test suite"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

$(VAR_DIR):
	mkdir -p $(VAR_DIR)/broker/processed $(VAR_DIR)/broker/control $(VAR_DIR)/media

# Browser tests drive Debian's chromium (never a downloaded browser).
/usr/bin/chromium:
	@if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; \
	else echo "chromium is not installed and we are not root: the browser tests will be skipped"; fi

# The fonts with Vietnamese glyphs the signed printables (PDF) and the signature block are written in (Debian's
# fonts-dejavu-core; settings PRINT_PDF_FONT_DIR and SIGNING_STAMP_FONT).
DEJAVU := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
$(DEJAVU):
	@if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-dejavu-core; \
	else echo "fonts-dejavu-core is not installed and we are not root: the signed PDF printables will be unavailable"; fi

migrate: $(VENV)/.run-installed | $(VAR_DIR)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: $(DEJAVU) demo serve

# serve: the web server (gunicorn, 2 workers), a Celery worker and beat under honcho, on data already migrated.
# SITE_URL (links, the demo payment gateway's return address) defaults to this address; it is passed to every
# process here because honcho gives each process type its own PORT (web PORT, worker PORT+100, beat PORT+200).
serve: | $(VAR_DIR)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  motcua: http://$(HOST):$(PORT)/   (Ctrl-C stops the web server, the worker and beat)"
	@echo ""
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" PORT=$(PORT) HOST=$(HOST) $(VENV)/bin/honcho -f Procfile start

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: $(VENV)/.test-installed /usr/bin/chromium | $(VAR_DIR)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2

bench: $(VENV)/.test-installed
	$(PY) bench/bench_calendar.py

# Scale benchmarks (bench/README.md) on PostgreSQL: DATABASE_URL (and REDIS_URL for the sweeps' worker) must be set;
# the generator replaces that database's dossiers and postal orders. `make bench-deps` first for the mixed load.
bench-deps:
	$(PYTHON) -m venv var/bench-venv
	var/bench-venv/bin/pip install --quiet -r bench/requirements.txt
	@command -v pgbench >/dev/null || echo "pgbench missing: apt-get install postgresql-client (Debian ships it there)"

bench-scale: $(VENV)/.run-installed
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "bench-scale needs DATABASE_URL=postgres://…"; exit 1;; esac
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) bench/generate.py --truncate
	$(PY) bench/bench_throughput.py
	$(PY) bench/bench_scale.py
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) staticfiles
