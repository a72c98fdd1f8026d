# The two commands the README promises: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
SHELL_SCRIPTS := scripts/*.sh .ci/run

.PHONY: setup demo test lint bench bench-quick soak report-png dashboard-png clean

setup:
	scripts/bootstrap.sh

demo: setup
	$(BIN)/scraper demo

test:
	scripts/bootstrap.sh --test
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest

lint:
	shellcheck $(SHELL_SCRIPTS)
	$(BIN)/ruff check scraper tests benchmarks
	$(BIN)/mypy

# The accuracy benchmark reads the tests' pages and runs the test WordPress: the test set-up.
bench:
	scripts/bootstrap.sh --test
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/daemon_bench.py
	$(BIN)/python benchmarks/capture_cost.py
	$(BIN)/python benchmarks/check_loop.py
	$(BIN)/python benchmarks/big_pages.py
	$(BIN)/python benchmarks/accuracy.py --chart benchmarks/accuracy.svg
	$(BIN)/python benchmarks/dashboard.py

# CI runs this one (1-2 minutes): it fails only on a gross regression (see the README's Benchmarks).
bench-quick: setup
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/daemon_bench.py --quick

# Not part of CI: 30 minutes of the daemon under mutations and injected faults.
soak: setup
	$(BIN)/python benchmarks/soak.py --minutes 30

report-png: setup
	$(BIN)/python scripts/report_png.py

dashboard-png: setup
	$(BIN)/python scripts/dashboard_png.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
