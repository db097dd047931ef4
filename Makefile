# One-command entry points. `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint format bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: setup
	$(BIN)/dataops demo

# Two workers (the machines we run on have 2 cores; most tests wait on crawls and Scrapyd), each
# taking whole files so a module's Scrapyd node or fixture site is started once.
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python bench/crawl_throughput.py
	$(BIN)/python bench/extraction_quality.py
	$(BIN)/python bench/api_footprint.py
	$(BIN)/python bench/fetch_strategies.py

clean:
	rm -rf build dist *.egg-info runs .pytest_cache
