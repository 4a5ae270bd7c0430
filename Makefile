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
# process here because honcho gives each process type its own PORT (web PORT, worker PORT+100, beat PORT+200,
# idp PORT+300: the local provider binds IDP_PORT, the same number unless set).
# Single sign-on: with no OIDC_ISSUER (in the environment or .env) the local OpenID Connect provider of idp/ is
# prepared (its database, demo citizens, motcua registered with a fresh client secret written to
# $(VAR_DIR)/idp/client.env, mode 0600, never printed) and run as the honcho process `idp`; the web process reads
# OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET from that file. With OIDC_ISSUER set (the real national
# SSO) neither happens and honcho runs web, worker and beat only.
IDP_PORT := $(or $(IDP_PORT),$(shell expr $(PORT) + 300))
IDP_HOST := $(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST))
IDP_ISSUER := $(or $(IDP_ISSUER),http://$(IDP_HOST):$(IDP_PORT)/o)
IDP_ENV := $(abspath $(VAR_DIR))/idp/client.env

serve: | $(VAR_DIR)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@site="$${SITE_URL:-http://$(IDP_HOST):$(PORT)}"; \
	if [ -z "$$OIDC_ISSUER" ] && ! grep -qs '^OIDC_ISSUER=.' .env; then \
		IDP_ISSUER=$(IDP_ISSUER) $(PY) -m idp idp_setup --env-file "$(IDP_ENV)" \
			--redirect-uri "$$site/dang-nhap/dinh-danh/callback/" --post-logout-uri "$$site/" \
			--redirect-uri "http://localhost:$(PORT)/dang-nhap/dinh-danh/callback/" --post-logout-uri "http://localhost:$(PORT)/"; \
	else rm -f "$(IDP_ENV)"; fi
	@echo ""
	@echo "  motcua: http://$(HOST):$(PORT)/   (Ctrl-C stops the web server, the worker and beat)"
	@if [ -f "$(IDP_ENV)" ]; then echo "  Cổng định danh điện tử (mô phỏng): $(IDP_ISSUER)"; fi
	@echo ""
	@if [ -f "$(IDP_ENV)" ]; then set -a; . "$(IDP_ENV)"; set +a; processes=""; else processes="web worker beat"; fi; \
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" PORT=$(PORT) HOST=$(HOST) IDP_PORT=$(IDP_PORT) IDP_ISSUER=$(IDP_ISSUER) \
		$(VENV)/bin/honcho -f Procfile start $$processes

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
