# Veche: two commands do everything.
#   make run   - set up .venv, migrate, seed the demo, serve on http://127.0.0.1:8000 (embedded defaults)
#   make test  - set up .venv with test tools, then run the whole suite on embedded defaults
#                and again on PostgreSQL + Redis
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
BASE_STAMP := $(VENV)/.installed-base
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8000
# Databases and Redis used by the second test pass (the machine's own services).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/veche
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test test-embedded test-services lint messages browser services bench clean screenshots

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel

$(BASE_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e ".[test]"
	touch $@ $(BASE_STAMP)

messages: $(BASE_STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v0

run: $(BASE_STAMP) messages
	$(PY) manage.py migrate --noinput -v0
	PORT=$(PORT) $(PY) manage.py seed_demo
	$(PY) manage.py embed_ideas
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) backend.asgi:application

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) \
	  || { echo "could not install chromium (need root and the Debian mirror)"; exit 1; }; }

# PostgreSQL and Redis run on the machine; start them if a reboot stopped them.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp || true

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v1
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

test-embedded: $(TEST_STAMP) messages browser
	env -u DATABASE_URL -u REDIS_URL VECHE_VAR_DIR=$(CURDIR)/var/test $(VENV)/bin/pytest $(PYTEST_ARGS)

# tests/ml is left to the embedded pass: `ml` has no Django (a contract enforces it), so those
# tests touch neither PostgreSQL nor Redis and would only repeat two minutes of model work.
test-services: $(TEST_STAMP) messages browser services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) VECHE_CACHE_PREFIX=veche-test \
	  VECHE_CHANNEL_PREFIX=veche-test VECHE_VAR_DIR=$(CURDIR)/var/test $(VENV)/bin/pytest --ignore=tests/ml $(PYTEST_ARGS)

test: lint test-embedded test-services

# The pictures in docs/screenshots: the browser tests that take them, told to write there
# (a plain test run writes them to a temporary directory and leaves tracked files alone).
SCREENSHOT_TESTS := tests/e2e/test_participant.py::test_phone_joins_posts_sees_similar_and_votes_and_the_screen_follows \
  tests/e2e/test_moderation.py::test_moderator_hides_merges_and_groups_and_every_screen_follows \
  tests/e2e/test_contests.py::test_a_juror_scores_two_entries_the_screen_follows_the_organiser_finalises \
  tests/e2e/test_contest_vote.py::test_a_phone_joins_by_code_votes_once_and_a_second_vote_is_refused \
  tests/e2e/test_ceremony.py::test_the_organiser_steps_by_keyboard_and_a_phone_follows
screenshots: $(TEST_STAMP) messages browser
	env -u DATABASE_URL -u REDIS_URL VECHE_VAR_DIR=$(CURDIR)/var/test VECHE_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots \
	  $(VENV)/bin/pytest -p no:cacheprovider $(SCREENSHOT_TESTS)

bench: $(TEST_STAMP)
	@echo "see README.md, section Benchmarks"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
