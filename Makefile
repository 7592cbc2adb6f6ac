# Two commands from a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The dev settings build the admin's URL (printed by ensure_admin, linked from notices) from them.
export HOST PORT
# pip's warnings about the machine's configuration ("Location ... is ignored") are not ours.
PIP := $(PY) -m pip --quiet --quiet --disable-pip-version-check

.PHONY: run test install migrate demo serve worker lint format messages bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The compiled .mo files are committed too, so a machine without gettext still runs.
messages: install
	@if command -v msgfmt >/dev/null; then \
		$(PY) manage.py compilemessages --ignore '.venv' --verbosity 0; fi

migrate: install messages
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py ensure_admin
	$(PY) manage.py demo_users

# The site queues notices in the database and a worker beside it sends them, as in production:
# the worker's console shows each mail and SMS, and the notice log (通知发送记录) lists them.
# Stopping the server (Ctrl+C) stops the worker too.
serve: export TASKS_BACKEND ?= database
serve:
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT)

run: demo serve

# Sends queued notices alone, e.g. beside a site started otherwise (`make serve` runs one itself).
worker: migrate
	TASKS_BACKEND=$${TASKS_BACKEND:-database} $(PY) manage.py db_worker

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint messages
	DJANGO_SETTINGS_MODULE=academy.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) bench/pages.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
