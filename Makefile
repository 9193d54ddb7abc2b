# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bootstrap browser migrate demo messages openapi lock bench clean

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $(STAMP)

bootstrap: $(STAMP) messages

# Translations are compiled with polib so a fresh machine needs no gettext.
messages: $(STAMP)
	$(MANAGE) translations_compile

migrate: bootstrap
	$(MANAGE) migrate --no-input

demo: migrate
	$(MANAGE) seed_demo

run: demo
	$(MANAGE) serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium (never a downloaded browser) and check each page with
# axe-core from npm; a missing browser, node or npm, or a failed install, is an error.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || \
	      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
	  else echo "browser tests need /usr/bin/chromium: sudo apt-get install -y chromium"; exit 1; fi; \
	fi
	@# axe-core (pinned in package-lock.json) checks every page the browser tests open.
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
	  command -v npm >/dev/null && command -v node >/dev/null || \
	    { echo "browser tests need node and npm for axe-core: sudo apt-get install -y nodejs npm"; exit 1; }; \
	  npm ci --silent --no-audit --no-fund || { echo "npm ci failed: axe-core is required"; exit 1; }; \
	  test -f node_modules/axe-core/axe.min.js || { echo "npm ci did not install axe-core"; exit 1; }; \
	fi

# The whole suite. DATABASE_URL=postgres://… runs it on PostgreSQL.
test: bootstrap browser
	$(BIN)/pytest -n 2 --dist loadfile; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$rc

lint: bootstrap
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) openapi_schema --check

openapi: bootstrap
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) openapi_schema --write

# Regenerate the lock after editing pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --quiet --python-version 3.11 --generate-hashes --extra dev pyproject.toml -o requirements.lock

bench: bootstrap
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var/*.sqlite3
