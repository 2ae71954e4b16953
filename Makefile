# The two commands of the README do everything on a fresh machine:
#   make demo   creates .venv and evaluates a shipped example record under the shipped policies
#   make test   creates .venv and runs the whole check: tests, ruff, mypy and the strict docs build; where
#               Python 3.13 is installed too, the tests run again on it (.venv-3.13), and either failing fails
# The first interpreter of these that runs (a pyenv shim of a version not selected does not), as its full path.
find_python = $(shell for p in $(1); do $$p -c 'import sys; print(sys.executable)' 2>/dev/null && break; done)
PYENV_313 := $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13)
PYTHON ?= $(call find_python,python3.11 python3.12 python3.13 python3)
PYTHON313 ?= $(call find_python,python3.13 $(PYENV_313))
VENV   := .venv
BIN    := $(VENV)/bin
VENV313 := .venv-3.13
# durable-rules 2.0.28 is built from source; its C module calls PyEval_CallObject, which Python 3.13 removed.
# On 3.13 it is built with this flag (its setup.py overwrites CFLAGS, not CPPFLAGS), and never from a cached
# wheel, which may have been built without it.
DURABLE := durable-rules==2.0.28
DURABLE_313 := CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject
EXAMPLE := policies/xj/aksu-2025-12/examples/incomplete.json

.PHONY: demo test test-3.13 install lint typecheck docs bench clean

# $(call venv,PYTHON,VENV): a virtual environment with ce_policy installed for development.
define venv
	$(1) -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 14), "ce_policy needs Python 3.11, 3.12 or 3.13"'
	$(1) -m venv $(2)
	$(2)/bin/python -m pip install --quiet --upgrade pip
	if $(2)/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 13))'; then \
	    $(DURABLE_313) $(2)/bin/python -m pip install --quiet --no-cache-dir '$(DURABLE)'; fi
	$(2)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(2)/bin/.installed
endef

$(BIN)/.installed: pyproject.toml
	$(call venv,$(PYTHON),$(VENV))

$(VENV313)/bin/.installed: pyproject.toml
	$(call venv,$(PYTHON313),$(VENV313))

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
	CE_POLICY_PYTHON313=$(PYTHON313) $(BIN)/python -m pytest
	$(MAKE) --no-print-directory lint typecheck docs
	$(MAKE) --no-print-directory test-3.13

# The tests on Python 3.13 too, when it is installed and is not the Python of .venv already.
test-3.13:
ifeq ($(PYTHON313),)
	@echo "Python 3.13 not found: the tests ran on $$($(BIN)/python -V) only"
else
	@if $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'; then \
	    echo ".venv is Python 3.13 already"; else $(MAKE) --no-print-directory $(VENV313)/bin/.installed && \
	    $(VENV313)/bin/python -m pytest -q -p no:cacheprovider; fi
endif

bench: install
	$(BIN)/python bench/bench_evaluate.py

clean:
	rm -rf $(VENV) $(VENV313) site .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis dist build
