# The two commands of the README: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := $(wildcard locales/*/LC_MESSAGES/messages.po)
COMPILED := $(LOCALES:.po=.mo)

.PHONY: run test lint format install locales understanding bench clean

# Quiet: one line per step (a step's errors still show).
$(STAMP): pyproject.toml
	@echo "Installing Pedidos into $(VENV) (the first time takes a few minutes)…"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	@$(BIN)/pybabel --quiet compile -i $< -o $@

locales: $(COMPILED)

# The intent classifier: fitted with scikit-learn from the YAML examples, run with numpy.
UNDERSTANDING := handlers/understanding/build/es.npz handlers/understanding/build/en.npz
handlers/understanding/build/%.npz: locales/%/intents.yml handlers/understanding/data/text.yml handlers/understanding/training.py $(STAMP)
	@echo "Training the message classifier ($*), about half a minute…"
	@$(BIN)/python -m handlers.understanding.training --lang $* > /dev/null

understanding: $(UNDERSTANDING)

run: install locales understanding
	@$(BIN)/pedidos db upgrade
	@$(BIN)/pedidos demo
	@$(BIN)/pedidos run

test: install locales understanding
	@$(BIN)/python scripts/ensure_chromium.py  # the browser tests' Chromium (tests/browser)
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/python -m pytest -q -n auto --maxprocesses=4

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/checkout.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis pedidos.db*
