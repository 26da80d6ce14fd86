# Huikuan developer commands. `make run` starts the app with demo data; `make test` checks it.
# Needs only python3.11 (with venv), make and a C compiler; everything else goes into .venv.

SHELL := /bin/sh
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
# Stamps inside .venv: pip runs again only when a requirements file is newer than its stamp,
# and a fresh .venv has no stamps.
RUNTIME_STAMP := $(VENV)/.installed-requirements
DEV_STAMP := $(VENV)/.installed-requirements-dev

ADDR ?= 127.0.0.1:8000
# SEED_DEMO=0 skips loading the demo data.
SEED_DEMO ?= 1
SEED_ARGS ?= --customers 200 --seed 42

.PHONY: help run test lint format migrate messages screenshots statement-png bench clean

help:
	@echo "make run      set up .venv, migrate, load demo data, start web + Celery worker + beat"
	@echo "make test     ruff check, ruff format --check, pytest"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make format   ruff format, then ruff check --fix"
	@echo "make migrate  apply database migrations"
	@echo "make messages update and compile the zh-hans translation catalogue"
	@echo "make screenshots  retake the README's pictures (docs/screenshots/) in the test browser"
	@echo "make statement-png  render page 1 of a demo statement to docs/statement-page1.png"
	@echo "make bench    run the benchmarks on a throw-away PostgreSQL (SIZE=tiny|small|default)"
	@echo "make clean    remove var/ and caches (keeps .venv)"

$(PY):
	@py=$$(command -v python3.11 || true); \
	if [ -z "$$py" ] && command -v python3 >/dev/null 2>&1 \
	   && python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
		py=$$(command -v python3); \
	fi; \
	if [ -z "$$py" ]; then \
		echo "Python 3.11 is required: install python3.11 (or make python3 be 3.11)." >&2; \
		exit 1; \
	fi; \
	echo "Creating $(VENV) with $$py"; \
	if ! "$$py" -m venv $(VENV); then \
		rm -rf $(VENV); \
		echo "Could not create $(VENV); on Debian/Ubuntu: apt-get install python3-venv" >&2; \
		exit 1; \
	fi

$(RUNTIME_STAMP): requirements.txt | $(PY)
	@echo "Installing requirements.txt into $(VENV)"
	@$(PIP) install --quiet -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(PY)
	@echo "Installing requirements-dev.txt into $(VENV)"
	@$(PIP) install --quiet -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput
	@if [ -n "$$(find locale -name '*.po' 2>/dev/null | head -n 1)" ] \
	   && command -v msgfmt >/dev/null 2>&1; then \
		echo "$(PY) manage.py compilemessages"; \
		$(PY) manage.py compilemessages --ignore=$(VENV) --ignore=var; \
	fi
	@if [ "$(SEED_DEMO)" != "0" ]; then \
		echo "$(PY) manage.py seed_demo $(SEED_ARGS)"; \
		$(PY) manage.py seed_demo $(SEED_ARGS); \
		echo "$(PY) manage.py seed_demo_bank"; \
		$(PY) manage.py seed_demo_bank; \
	fi
	exec $(PY) scripts/run_dev.py --addr $(ADDR)

# All three checks run even if one fails, so one run shows every problem.
test: $(DEV_STAMP)
	@status=0; \
	echo "ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "ruff format --check ."; $(VENV)/bin/ruff format --check . || status=1; \
	echo "python -m pytest -n 2 --ignore=tests/browser"; \
	$(PY) -m pytest --numprocesses=2 --ignore=tests/browser || status=1; \
	echo "python -m pytest tests/browser"; $(PY) -m pytest tests/browser || status=1; \
	exit $$status

lint: $(DEV_STAMP)
	@status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	exit $$status

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput

screenshots: $(DEV_STAMP)
	HUIKUAN_SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest tests/browser/test_readme_screenshots.py

# A scratch SQLite database with the demo data; needs pdftoppm (poppler-utils) and fonts-noto-cjk.
statement-png: $(RUNTIME_STAMP)
	$(PY) scripts/statement_png.py --output docs/statement-page1.png

# SIZE=tiny|small|default (default: about 100,000 rows where a benchmark has a size).
SIZE ?= default
bench: $(DEV_STAMP)
	$(PY) -m bench --size $(SIZE)

clean:
	rm -rf var .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

# The same folders tests/core/test_translations.py leaves out when it checks the catalogue.
messages: $(DEV_STAMP)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests --ignore=scripts
	$(PY) manage.py compilemessages --ignore=$(VENV) --ignore=var
