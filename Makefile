# Every target sets up .venv first when needed, so a fresh clone needs only `make chat` or `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install chat test lint fmt bench test-postgres check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

chat: $(STAMP)
	$(BIN)/hintbot chat

check: $(STAMP)
	$(BIN)/hintbot check

test: $(STAMP)
	$(BIN)/python -m pytest

# The whole suite again against a real PostgreSQL: the local server on 127.0.0.1:5432 (a fresh
# database, dropped after) or else a throwaway cluster; nothing is left running.
test-postgres: $(STAMP)
	PY=$(BIN)/python .ci/with-postgres.sh $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
