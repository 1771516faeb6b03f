# The README's two commands: `make demo` and `make test`. Both create .venv and install what is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PACKAGES := catalog guests charts edge cloud_sync simulators

.PHONY: demo test lint audit bench venv clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,llrp,payments]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	@command -v mosquitto >/dev/null || test -x /usr/sbin/mosquitto || $(BIN)/python -c 'import amqtt' 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet -e '.[embedded-broker]'
	$(BIN)/python -m simulators.demo

# Tests run on TEST_WORKERS processes (pytest-xdist), a test file to a process: most of the suite's time is
# spent waiting on real brokers, servers and browsers, so two overlap well even on two cores.
# TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check $(PACKAGES) tests bench
	$(BIN)/ruff format --check $(PACKAGES) tests bench
	$(BIN)/mypy --strict $(PACKAGES)
	@$(MAKE) --no-print-directory audit

# Known vulnerabilities in the installed dependencies (the project itself, editable, is not on PyPI).
# --strict: a dependency it cannot look up (no route to PyPI's vulnerability data) fails the step instead
# of passing unaudited. Offline, FITROOM_AUDIT=off skips it, saying so.
audit: $(STAMP)
	@if [ "$$FITROOM_AUDIT" = off ]; then echo "pip-audit SKIPPED (FITROOM_AUDIT=off): dependencies NOT audited"; \
	else $(BIN)/pip-audit --progress-spinner off --strict --skip-editable || { \
	  echo "pip-audit FAILED: a known vulnerability above, or dependencies it could not audit (is PyPI's"; \
	  echo "vulnerability service reachable? offline: FITROOM_AUDIT=off make lint)"; exit 1; }; fi

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/presence.py
	$(BIN)/python bench/analytics.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
