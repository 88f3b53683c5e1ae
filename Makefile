# Alur — the README's commands. Everything installs into .venv; nothing needs installing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	ALUR_COOKIE_SECURE=$${ALUR_COOKIE_SECURE:-0} $(BIN)/alur init --demo
	ALUR_COOKIE_SECURE=$${ALUR_COOKIE_SECURE:-0} $(BIN)/alur serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/python -m ruff check engine tasks_ui tests bench

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance test-output .pytest_cache
