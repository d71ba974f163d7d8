# The README's two commands: `make demo` (the main job) and `make test` (the test suite).
# Both create the virtual environment and install senhance into it on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.senhance-installed
PYTEST_WORKERS ?= 2
PIP_VERSION := 26.3

.PHONY: demo test test-all test-gpu bench install lock clean

# Installs exactly what requirements.lock lists (the set CI passed with), then checks the
# environment is consistent. -qq: pip's own notices about this machine's local package index
# would otherwise scroll past; errors are still printed.
$(STAMP): pyproject.toml setup.py requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq "pip==$(PIP_VERSION)"
	$(PY) -m pip install -qq -c requirements.lock -e ".[dev,metrics,onnx]"
	$(PY) -m pip check
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

test: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not cuda" -n $(PYTEST_WORKERS)

test-all: $(STAMP)
	$(PY) -m pytest -q -m "not cuda" -n $(PYTEST_WORKERS)

# The tests marked `cuda` (they fail, not skip, on a machine without a CUDA GPU).
test-gpu: $(STAMP)
	$(PY) -m pytest -q -m cuda

# bench/peers.py and bench/compare_reports.py are left out: they need recordings / reports to work on (README "Benchmarks").
bench: $(STAMP)
	$(PY) -m pip install -qq -c requirements.lock -e ".[bench]"
	for script in $(filter-out bench/peers.py bench/compare_reports.py,$(wildcard bench/*.py)); do $(PY) $$script || exit 1; done

# Re-resolve requirements.lock from pyproject.toml (after changing a dependency); commit both.
lock: $(STAMP)
	$(PY) -m pip install -qq uv
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.10 -o requirements.lock

clean:
	rm -rf $(VENV) build dist *.egg-info
