# The README's two commands: `make demo` (the main job) and `make test` (the test suite).
# Both create the virtual environment and install senhance into it on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.senhance-installed
PYTEST_WORKERS ?= 2

.PHONY: demo test test-all test-gpu bench install clean

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,metrics,onnx]"
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

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info
