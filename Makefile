# The README's commands. Everything a fresh Debian-like machine needs is installed from here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Two xdist workers: the suite is mostly waiting on PostgreSQL and subprocesses (PYTEST_ARGS= for one process).
PYTEST_ARGS ?= -n 2
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo stop test test-fast lint bench migrate install ui chromium pg-client clean-data help redis-server

help:
	@echo "make demo       run the demo region on http://spmp.localhost:$(PORT) (embedded PostgreSQL)"
	@echo "make stop       stop the embedded PostgreSQL the demo leaves running"
	@echo "make test       the whole test suite"
	@echo "make test-fast  skip the slow tiers (browser, fuzzing, worker, embedded database)"
	@echo "make lint       ruff, mypy, the import contracts and pip-audit of the pinned versions"
	@echo "make bench      benchmarks, as ratios against baselines measured in the same run"
	@echo "make pg-client  Debian's pg_dump/pg_restore matching DATABASE_URL's server (backup_force, restore_force)"

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=...)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ui

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node 20) is required: install nodejs and npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/app.css: node_modules/.installed static/scss/app.scss
	npm run --silent build:css

ui: static/build/app.css

# Browser tests use Debian's Chromium; never a downloaded browser.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is required for the browser tests: sudo apt-get install chromium"; exit 1; fi; }

# The reminders' reliability tests start their own Debian redis-server (a free port, append-only).
redis-server:
	@command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else echo "redis-server is required for the reliability tests: sudo apt-get install redis-server"; exit 1; fi; }

# backup_force and restore_force need the client of the server's major version (the embedded
# server brings its own). Debian's postgresql-client-<major>, asked of the server itself.
pg-client: install
	@major=$$($(PY) -c 'import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings"); import django; django.setup(); from tenants.backup import server_major; print(server_major())'); \
	if [ -x /usr/lib/postgresql/$$major/bin/pg_dump ]; then echo "pg_dump $$major is installed"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client-$$major >/dev/null; \
	else echo "run: sudo apt-get install postgresql-client-$$major"; exit 1; fi

migrate: install
	$(PY) manage.py migrate_all

demo: install migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py run_demo --port $(PORT)

# Stop the embedded PostgreSQL the demo leaves running for its next start (its data stays).
stop:
	DJANGO_SETTINGS_MODULE=spmp_platform.settings $(PY) -c 'import django; django.setup(); from django.conf import settings; from spmp_platform.embedded import stop_embedded_database; settings.EMBEDDED_DATABASE and stop_embedded_database(settings.EMBEDDED_DATABASE_DIR)'

test: install chromium redis-server
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(PY) -m tools.audit_dependencies

bench: install
	$(PY) -m bench

clean-data:
	rm -rf .data
