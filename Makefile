# Two commands: `make demo` sets up and serves the demo, `make test` runs every check.
# Both install what they need: the Python packages of the lock into .venv, and the Debian
# packages below (as root; otherwise they print the command to run).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements-dev.txt
INSTALLED := $(VENV)/.installed-$(shell cksum $(LOCK) | cut -d' ' -f1)

DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000
DEMO_URL := http://$(DEMO_HOST):$(DEMO_PORT)
# The demo's emails link to the address it serves.
DEMO_ENV := DJANGO_DEBUG=1 DJANGO_SITE_URL=$(DEMO_URL)

# Pango renders the PDF roadmap; libharfbuzz-subset0 makes that ~3x faster; DejaVu is the
# font the print CSS names. The tests add Chromium (browser tests) and poppler-utils (PDFs
# to text and images).
DEMO_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_PACKAGES := $(DEMO_PACKAGES) chromium poppler-utils
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

.PHONY: demo test install lint format lock audit

$(INSTALLED): $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	@# A dangling link (a virtualenv kept elsewhere and since removed) is replaced by a folder.
	@if [ -L $(VENV) ] && [ ! -e $(VENV) ]; then rm $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	rm -f $(VENV)/.installed-* && touch $@

install: $(INSTALLED)

demo: $(INSTALLED)
	@scripts/debian-packages $(DEMO_PACKAGES)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_questionnaire
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(DEMO_HOST):$(DEMO_PORT)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	@scripts/debian-packages $(TEST_PACKAGES)
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# After a change to pyproject.toml's dependencies: the locks again, keeping every pin that
# still fits (`make lock UPGRADE=--upgrade` takes the newest that fit).
lock: $(INSTALLED)
	$(PIP_COMPILE) $(UPGRADE) --output-file=requirements.txt pyproject.toml
	$(PIP_COMPILE) $(UPGRADE) --extra=dev --output-file=requirements-dev.txt pyproject.toml

# Known vulnerabilities in the locked packages. Needs a machine that reaches a vulnerability
# database (pip-audit reports "could not be audited" and passes where none answers), so it is
# not part of `make test`.
# pip-audit lives in a virtualenv of its own, so its dependencies never change the tested one.
audit:
	test -x var/audit/bin/pip-audit || \
		($(PYTHON) -m venv var/audit && var/audit/bin/pip install --quiet pip-audit==2.10.1)
	var/audit/bin/pip-audit --strict --disable-pip --require-hashes -r $(LOCK)
