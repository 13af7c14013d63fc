# OpenAIMS: `make demo` and `make test` work on a fresh machine with Python 3.11+ and apt.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RUNTIME_STAMP := $(VENV)/.runtime-stamp
PREFIX ?= $(HOME)/.local
PYTEST_WORKERS ?= auto

.PHONY: all runtime venv install lock system-deps lint typecheck test demo docs bench clean

all: test

# Dependencies come from the hash-pinned lock files (scripts/lock.sh writes them); the
# package itself is installed editable on top, without resolving anything again.
$(RUNTIME_STAMP): pyproject.toml requirements/runtime.lock
	@bash scripts/ensure-python.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/runtime.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml requirements/dev.lock requirements/model-libs.txt
	@bash scripts/ensure-python.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# Libraries whose saved models the tests scan: pinned, without hashes (torch is the CPU build on disk).
	$(BIN)/python -m pip install --quiet -c requirements/model-libs.txt -e '.[model-libs]'
	@touch $(STAMP) $(RUNTIME_STAMP)

# What `aims` needs to run (make demo, make install); `make venv` adds the test tools.
runtime: $(RUNTIME_STAMP)

venv: $(STAMP)

# Put `aims` on PATH: a link in $(PREFIX)/bin to this checkout's .venv/bin/aims.
install: runtime
	@mkdir -p "$(PREFIX)/bin"
	@ln -sf "$(CURDIR)/$(BIN)/aims" "$(PREFIX)/bin/aims"
	@echo "aims is $(PREFIX)/bin/aims"
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "Add $(PREFIX)/bin to PATH, e.g. export PATH=\"$(PREFIX)/bin:\$$PATH\"";; esac

lock:
	@bash scripts/lock.sh

system-deps:
	@bash scripts/ensure-system-deps.sh

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports --config .importlinter

typecheck: venv
	$(BIN)/mypy

test: venv system-deps lint typecheck
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --timeout=600 --no-skips

demo: runtime
	@bash scripts/demo.sh

bench: venv
	$(BIN)/python benchmarks/scan.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-output
