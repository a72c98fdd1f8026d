# The two commands the README promises: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench report-png clean

setup:
	scripts/bootstrap.sh

demo: setup
	$(BIN)/scraper demo

test:
	scripts/bootstrap.sh --test
	$(BIN)/ruff check scraper tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/capture_cost.py
	$(BIN)/python benchmarks/check_loop.py

report-png: setup
	$(BIN)/python scripts/report_png.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
