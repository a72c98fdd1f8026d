# The two commands the README promises: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
SHELL_SCRIPTS := scripts/*.sh .ci/run
# Bytecode is written (an environment may turn it off): the tests start `python -m scraper` a few
# hundred times, and each would compile scraper again (about 0.2 s of CPU).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup demo test lint lock bench bench-quick soak report-png dashboard-png builder-png clean

setup:
	scripts/bootstrap.sh

demo: setup
	$(BIN)/scraper demo

test:
	scripts/bootstrap.sh --test
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -n 4 --dist loadfile --no-loadscope-reorder --durations=15

lint:
	shellcheck $(SHELL_SCRIPTS)
	$(BIN)/ruff check scraper tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The lock file (see "The lock file" in docs/development.md): a throwaway virtualenv takes the
# newest releases pyproject.toml allows, and constraints.txt pins what it got. Run it after changing
# a dependency, then run the tests on the result (`make test` installs from it).
PYTHON ?= python3.11
LOCK_VENV := .lock-venv
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q -e '.[test,postgres,distributed]' $(LOCK_EXTRA)
	$(LOCK_VENV)/bin/python scripts/lock.py $(LOCK_EXTRA) > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf $(LOCK_VENV)

# The accuracy benchmark reads the tests' pages and runs the test WordPress: the test set-up.
bench:
	scripts/bootstrap.sh --test
	$(BIN)/pip install -q -c constraints.txt -e '.[bench]'
	$(BIN)/python benchmarks/daemon_bench.py
	$(BIN)/python benchmarks/check_phases.py
	$(BIN)/python benchmarks/capture_cost.py
	$(BIN)/python benchmarks/render_modes.py
	$(BIN)/python benchmarks/check_loop.py
	$(BIN)/python benchmarks/big_pages.py
	$(BIN)/python benchmarks/screenshot_cost.py
	$(BIN)/python benchmarks/accuracy.py --chart benchmarks/accuracy.svg
	$(BIN)/python benchmarks/dashboard.py

# CI runs this one (1-2 minutes): it fails only on a gross regression (see the README's Benchmarks).
bench-quick: setup
	$(BIN)/pip install -q -c constraints.txt -e '.[bench]'
	$(BIN)/python benchmarks/daemon_bench.py --quick

# Not part of CI: 30 minutes of the daemon under mutations and injected faults.
soak: setup
	$(BIN)/python benchmarks/soak.py --minutes 30

report-png: setup
	$(BIN)/python scripts/report_png.py

dashboard-png: setup
	$(BIN)/python scripts/dashboard_png.py

# The profile builder's picture is the last step of its own test, taken by the browser that drives it.
builder-png: setup
	SCRAPER_BUILDER_PNG=$(CURDIR)/docs/builder.png $(BIN)/pytest -q tests/test_builder.py -k point

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .mypy_cache .ruff_cache
