# The two commands of the README do everything on a fresh machine:
#   make demo   creates .venv and evaluates a shipped example record under the shipped policies
#   make test   creates .venv and runs the whole check: tests, ruff, mypy and the strict docs build
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
EXAMPLE := policies/xj/aksu-2025-12/examples/incomplete.json

.PHONY: demo test install lint typecheck docs bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 13), "ce_policy needs Python 3.11 or 3.12 (durable-rules)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/ce-policy evaluate $(EXAMPLE)
	$(BIN)/ce-policy evaluate $(EXAMPLE) --lang en

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

docs: install
	$(BIN)/mkdocs build --strict --site-dir site

test: install
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory lint typecheck docs

bench: install
	$(BIN)/python bench/bench_evaluate.py

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis dist build
