# Call Portal. `make run` serves the demo site; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
# The first Python 3.11+ on the PATH.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: run run-stack test lint format messages compilemessages assets migrate seed screenshots clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# htmx and axe-core come from npm at set-up; without npm the pages still work (htmx only enhances).
assets:
	@if [ -d node_modules/htmx.org ] && [ -d node_modules/axe-core ]; then :; \
	elif command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: front-end assets (htmx, axe-core) not installed; pages work without them."; fi

migrate: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: $(VENV)/.runtime assets seed
	@$(BIN)/python manage.py demo_logins
	@echo "Serving on http://127.0.0.1:$(PORT)/"
	$(BIN)/uvicorn portal.asgi:application --host 127.0.0.1 --port $(PORT) \
		--ws websockets-sansio --ws-per-message-deflate false --lifespan off

# The production stack on one machine: PostgreSQL and Redis must be reachable
# through DATABASE_URL and REDIS_URL. Starts the Procfile (honcho): pages and the API on
# PORT (the web group), websockets on WS_PORT (the ws group; pages open their sockets there,
# WEBSOCKET_PORT), the workers and beat. Behind deploy/nginx.conf set WEBSOCKET_PORT= (empty).
WS_PORT ?= 8001
run-stack: $(VENV)/.runtime assets
	@test -n "$$DATABASE_URL" && test -n "$$REDIS_URL" || { echo "Set DATABASE_URL and REDIS_URL first (see README)."; exit 1; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@$(BIN)/python manage.py demo_logins
	@echo "Pages on http://127.0.0.1:$(PORT)/, websockets on port $(WS_PORT)"
	PATH=$(CURDIR)/$(BIN):$$PATH WS_PORT=$(WS_PORT) WEBSOCKET_PORT=$${WEBSOCKET_PORT-$(WS_PORT)} \
		SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
		CSRF_TRUSTED_ORIGINS=$${CSRF_TRUSTED_ORIGINS:-http://127.0.0.1:$(PORT),http://localhost:$(PORT)} \
		$(BIN)/honcho start --port $(PORT)

# Browser tests need Chromium; the reliability drills need PostgreSQL and Redis (DATABASE_URL,
# REDIS_URL). Where one is missing `make test` says so and runs the rest; CI requires both.
test: $(VENV)/.dev assets
	@skip=""; \
	if [ ! -x "$(CHROMIUM)" ]; then \
		if [ -n "$$REQUIRE_BROWSER" ]; then echo "Chromium is required (REQUIRE_BROWSER is set) but $(CHROMIUM) is missing."; exit 1; fi; \
		echo "*** Chromium not found at $(CHROMIUM): the browser tests are NOT run. Install it with: apt-get install chromium ***"; \
		skip="browser"; \
	fi; \
	if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then \
		echo "*** DATABASE_URL/REDIS_URL not set: the reliability drills (tests/reliability) are NOT run; see the README's real stack. ***"; \
		skip="$${skip:+$$skip or }reliability"; \
	fi; \
	BIN=$(BIN) tests/run_suite.sh "$$skip" $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Both domains: django (templates, Python) and djangojs (static JS, only if it ever calls gettext).
# --add-location=file keeps the file name as context for translators but drops line numbers,
# so an edit that only shifts lines leaves the .po files unchanged.
MAKEMESSAGES := $(BIN)/python manage.py makemessages -l fr -l ar --no-obsolete --add-location=file \
	--ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=tests --ignore=bench --ignore=docs --ignore=media
messages: $(VENV)/.dev
	$(MAKEMESSAGES) -d django
	$(MAKEMESSAGES) -d djangojs

compilemessages: $(VENV)/.dev
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules

# Pictures of the demo site for the README and docs (needs Chromium).
screenshots: $(VENV)/.dev assets
	$(BIN)/python -m tests.browser.screenshots docs/screenshots $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 .test-db.sqlite3
