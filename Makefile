# Developer commands (README.md). `make run` needs only python3.11; `make test` needs
# local PostgreSQL and Redis, as on the CI machine.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# `make test` runs against these unless DATABASE_URL / REDIS_URL are already set.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/mediation)
TEST_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/15)
# `make worker` / `make beat` use this broker unless REDIS_URL is set.
LOCAL_REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/0)

.PHONY: run test lint fmt worker beat bench messages

# --- the virtualenv: created when missing, reinstalled when a requirements file changes ---

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

# --- run: the embedded default (SQLite, tasks run eagerly, SMS on the console) -----------

# Without Redis there is no beat: a second process runs beat's jobs (CELERY_BEAT_SCHEDULE) on
# beat's schedule, and stops with runserver. Ctrl-C reaches both (one process group), so the
# shell only waits for the jobs to finish; however else runserver ends, the shell stops them.
run: $(VENV)/.installed-runtime
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Periodic jobs (deadlines and reminders, the outbox sweep) run in a second process on beat's"
	@echo "schedule (its first line says how often): manage.py run_periodic_jobs"
	@echo "Serving http://127.0.0.1:8000 (Ctrl-C stops both)"
	@$(MANAGE) run_periodic_jobs & jobs=$$!; \
	trap 'wait $$jobs' INT; \
	trap 'kill $$jobs 2>/dev/null; wait $$jobs' EXIT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

# --- test: the whole suite on PostgreSQL and Redis --------------------------------------

# Fails loudly when a service is missing: the suite never falls back to SQLite.
define CHECK_TEST_SERVICES
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
import django
django.setup()
import redis
from django.db import connection
url = os.environ["DATABASE_URL"]
if connection.vendor != "postgresql":
    sys.exit(f"make test runs on PostgreSQL; DATABASE_URL={url} is not a postgres:// URL.")
try:
    connection.ensure_connection()
except Exception as exc:
    sys.exit(f"make test: PostgreSQL at {url} does not answer: {exc}\n"
             "Start it and create the database (createdb -h 127.0.0.1 -U postgres mediation), "
             "or set DATABASE_URL.")
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=2).ping()
except Exception as exc:
    sys.exit(f"make test: Redis at {os.environ['REDIS_URL']} does not answer: {exc}")
print(f"Testing on {connection.settings_dict['HOST']}/{connection.settings_dict['NAME']} and {os.environ['REDIS_URL']}")
endef
export CHECK_TEST_SERVICES

# Unit tests run in two processes side by side, each on its own test database. They keep
# their cache in process memory: a shared Redis cache would mix the two processes' throttle
# counters. The integration tests (a real Celery worker on Redis, which they flush) run
# after them, one at a time. Then the fault tests (tests/faults: the stack as separate
# processes, each test on a Redis, and for one a PostgreSQL, of its own) in two processes.
# Every stage runs, and any failing fails the target.
test: $(VENV)/.installed-dev
	@DATABASE_URL='$(TEST_DATABASE_URL)' REDIS_URL='$(TEST_REDIS_URL)' $(PY) -c "$$CHECK_TEST_SERVICES"
	DATABASE_URL='$(TEST_DATABASE_URL)' $(MANAGE) makemigrations --check --dry-run
	@status=0; \
	echo "== unit tests (pytest -n 2)"; \
	env -u REDIS_URL DATABASE_URL='$(TEST_DATABASE_URL)' \
		$(VENV)/bin/pytest -n 2 -m "not integration" || status=$$?; \
	echo "== integration tests (PostgreSQL, Redis, Celery worker)"; \
	DATABASE_URL='$(TEST_DATABASE_URL)' REDIS_URL='$(TEST_REDIS_URL)' \
		$(VENV)/bin/pytest -m integration --ignore=tests/faults -p no:cacheprovider || { rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "(no integration tests collected)"; else status=$$rc; fi; }; \
	echo "== fault tests (gunicorn, Celery worker and beat as processes; pytest -n 2)"; \
	DATABASE_URL='$(TEST_DATABASE_URL)' REDIS_URL='$(TEST_REDIS_URL)' \
		$(VENV)/bin/pytest -n 2 tests/faults -p no:cacheprovider || status=$$?; \
	exit $$status

# --- lint and format --------------------------------------------------------------------

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run

fmt: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# --- the full stack's background processes (see README "Running the full stack") --------

worker: $(VENV)/.installed-runtime
	REDIS_URL='$(LOCAL_REDIS_URL)' $(VENV)/bin/celery -A mediation worker -l info

beat: $(VENV)/.installed-runtime
	REDIS_URL='$(LOCAL_REDIS_URL)' $(VENV)/bin/celery -A mediation beat -l info

# --- benchmarks ---------------------------------------------------------------------------

# `make bench` needs wrk (apt-get install wrk) and pgbench (PostgreSQL's client package) besides
# the services; the peer (django-helpdesk) gets a virtualenv of its own in var/.
$(VENV)/.installed-bench: bench/requirements.txt $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -r bench/requirements.txt
	touch $@

bench: $(VENV)/.installed-bench
	@command -v wrk >/dev/null || { echo "make bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
	@command -v pgbench >/dev/null || { echo "make bench: pgbench is missing (apt-get install postgresql-client)" >&2; exit 1; }
	bash bench/run.sh

# --- translations -------------------------------------------------------------------------

messages: $(VENV)/.installed-runtime
	mkdir -p locale
	$(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=bench --ignore=tests --ignore=artifacts --ignore=node_modules
	$(MANAGE) compilemessages --ignore=.venv --ignore=var
