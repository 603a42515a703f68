# merx: `make demo` runs the simulation, `make test` runs every check CI runs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck imports unit bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-demo

# `make demo ARGS="--store memory --orders 10000"`: options of examples/simulate.py
demo: $(VENV)/.installed-demo
	$(BIN)/python examples/simulate.py $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict src tests examples benchmarks

imports: $(VENV)/.installed-dev
	$(BIN)/lint-imports

# beside a throwaway PostgreSQL cluster (its DSN in MERX_TEST_POSTGRES), stopped afterwards
unit: $(VENV)/.installed-dev
	bash .ci/with-postgres $(BIN)/pytest

test: lint typecheck imports unit

# beside a throwaway PostgreSQL cluster too, so bench_stores.py shows PostgreSQL's figures
bench: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	bash .ci/with-postgres sh -c 'for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done'

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis .import_linter_cache build src/*.egg-info
