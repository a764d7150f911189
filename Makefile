# dangke — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL
BACKUP_DIR ?= var/backups

# Where `make run` serves: the demo's Wagtail site and admin links point here.
run demo: export WAGTAILADMIN_BASE_URL ?= http://$(HOST):$(PORT)
# The terminal shows the request lines and warnings as text; everything (the
# worker's task lines too) goes to var/log/dangke.log as JSON. LOG_LEVEL=INFO shows
# it all on the terminal.
run: export LOG_FORMAT ?= text

.DEFAULT_GOAL := help
.PHONY: help setup ffmpeg espeak nginx-rtmp node chromium browser-libs run serve test test-sqlite test-postgres test-heavy lint format check migrate demo backup restore bench-first-playable bench-%

help: ## list the targets
	@grep -E '^[a-zA-Z%_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

ffmpeg: ## install ffmpeg/ffprobe from Debian's packages when missing
	@if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then \
		echo "installing ffmpeg (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq ffmpeg >/dev/null; \
	fi

espeak: ## install espeak-ng (the demo lessons' Mandarin voice) and fonts-noto-cjk (their slides) when missing
	@if ! command -v espeak-ng >/dev/null || [ ! -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then \
		echo "installing espeak-ng and fonts-noto-cjk (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq espeak-ng fonts-noto-cjk >/dev/null; \
	fi

node: ## install Node.js and npm from Debian's packages when missing
	@if ! command -v npm >/dev/null; then \
		echo "installing nodejs and npm (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; \
	fi

node_modules/.installed: package.json package-lock.json | node
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

browser-libs: node_modules/.installed $(VENV)/.installed ## copy hls.js, three.js and axe-core (npm, pinned) to static files
	@$(PY) -m themes.vendor

nginx-rtmp: ## install nginx-light and its RTMP module (live lectures' ingest) from Debian's packages when missing
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] || [ ! -e /usr/lib/nginx/modules/ngx_rtmp_module.so ]; then \
		echo "installing nginx-light and libnginx-mod-rtmp (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nginx-light libnginx-mod-rtmp >/dev/null; \
	fi

chromium: ## install Debian's Chromium (browser tests) and poppler-utils (PDF tests) when missing
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdffonts >/dev/null; then \
		echo "installing chromium and poppler-utils (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; \
	fi

setup: $(VENV)/.installed ffmpeg espeak nginx-rtmp browser-libs ## install everything: .venv, requirements, ffmpeg, espeak-ng and the CJK font, nginx-rtmp, browser libraries

migrate: setup ## apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate ## load the demo content (idempotent)
	$(PY) manage.py load_demo --base-url http://$(HOST):$(PORT)

run: demo ## set up, migrate, load the demo and serve web + worker on 127.0.0.1:8000
	$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py demo_banner --base-url http://$(HOST):$(PORT)
	@trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A dangke --quiet worker -B -Q default,media,search -c 2 & \
	NGINX_CONF=$$($(PY) manage.py broadcasts_nginx_conf --platform-url http://$(HOST):$(PORT)) && \
	$$(command -v nginx || echo /usr/sbin/nginx) -c "$$NGINX_CONF" -p "$$(dirname "$$NGINX_CONF")" & \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

# Our JavaScript only: the vendored libraries under static/themes/vendor/ are ignored
# by eslint.config.mjs.
JS_SOURCES := themes/static media_pipeline/static

lint: setup node_modules/.installed ## ruff lint and format check, ESLint (npm, pinned) over the portal's JavaScript
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	node_modules/.bin/eslint --max-warnings 0 $(JS_SOURCES)

format: setup ## ruff fix and format
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: setup ## Django system checks and the migrations check
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: setup chromium check test-sqlite test-postgres test-heavy ## install and run the whole suite (SQLite, PostgreSQL, then the heavy tests)

# Browser tests (tests/e2e, marker e2e) run once, in the PostgreSQL pass.
# Both passes run on every core (pytest-xdist, TEST_WORKERS; each worker has its own
# test database); the PostgreSQL pass then runs the browser tests in one process.
TEST_WORKERS ?= auto
test-sqlite: setup
	@echo "== SQLite pass, $(TEST_WORKERS) workers (browser tests run in the PostgreSQL pass)"
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(PY) -m pytest -m "not e2e and not heavy" -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-postgres: setup
	@if problem=$$($(PY) -m tests.services postgres 2>&1); then \
		echo "== PostgreSQL pass ($(TEST_DATABASE_URL)), $(TEST_WORKERS) workers"; \
		DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -m "not heavy and not e2e" -n $(TEST_WORKERS) $(PYTEST_ARGS) || exit $$?; \
		echo "== PostgreSQL pass: the browser tests, one process"; \
		DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -m "e2e and not heavy" $(PYTEST_ARGS) || exit $$?; \
	elif [ "$$CI" = true ]; then \
		echo "CI=true and $$problem" >&2; exit 1; \
	else \
		echo "SKIPPED PostgreSQL pass: $$problem"; \
	fi

# Load, size and crash tests (marker heavy): PostgreSQL only, after the two passes.
test-heavy: setup ## the heavy tests: load, large uploads, crashes, backup and restore (PostgreSQL)
	@if problem=$$($(PY) -m tests.services postgres 2>&1); then \
		echo "== heavy tests ($(TEST_DATABASE_URL))"; \
		DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -m heavy $(PYTEST_ARGS); rc=$$?; \
		[ $$rc = 5 ] && rc=0; exit $$rc; \
	elif [ "$$CI" = true ]; then \
		echo "CI=true and $$problem" >&2; exit 1; \
	else \
		echo "SKIPPED heavy tests: $$problem"; \
	fi

backup: $(VENV)/.installed ## back up the database and the media storage into BACKUP_DIR/dangke-<timestamp>/
	$(PY) manage.py backup --to "$(BACKUP_DIR)"

restore: $(VENV)/.installed ## restore BACKUP=<folder> into an empty RESTORE_DATABASE_URL and RESTORE_MEDIA_ROOT (or RESTORE_BUCKET)
	@if [ -z "$(BACKUP)" ] || [ -z "$(RESTORE_DATABASE_URL)" ] || [ -z "$(RESTORE_MEDIA_ROOT)$(RESTORE_BUCKET)" ]; then \
		echo "usage: make restore BACKUP=<backup folder> RESTORE_DATABASE_URL=<empty database> RESTORE_MEDIA_ROOT=<empty folder> (or RESTORE_BUCKET=<empty bucket>)" >&2; exit 2; \
	fi
	$(PY) manage.py restore "$(BACKUP)" --database-url "$(RESTORE_DATABASE_URL)" \
		$(if $(RESTORE_BUCKET),--bucket "$(RESTORE_BUCKET)",--media-root "$(RESTORE_MEDIA_ROOT)")

bench-%: setup ## run a benchmark from bench/ (e.g. make bench-transcode)
	$(PY) bench/$*.py

bench-first-playable: setup ## seconds from upload to the first playable preview segment, and to the publish
	$(PY) bench/first_playable.py
