# OpenAIMS: `make demo` and `make test` work on a fresh machine with Python 3.11+ and apt.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= auto

.PHONY: all venv system-deps lint typecheck test demo docs bench clean

all: test

$(STAMP): pyproject.toml
	@bash scripts/ensure-python.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,model-libs]'
	@touch $(STAMP)

venv: $(STAMP)

system-deps:
	@bash scripts/ensure-system-deps.sh

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports --config .importlinter

typecheck: venv
	$(BIN)/mypy

test: venv system-deps lint typecheck
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --timeout=600

demo: venv
	@bash scripts/demo.sh

bench: venv
	$(BIN)/python benchmarks/scan.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-output
