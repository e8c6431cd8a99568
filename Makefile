# The README's two commands: `make demo` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.tsmem-installed

.PHONY: setup demo test lint clean

# torch==2.13.0 first: its CPU build lies on this machine's disk, and with it in
# place the project's own range (torch>=2.2) installs nothing more, so no
# multi-GB CUDA build is ever downloaded.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/tsmem demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check tsmem tests experiments datasets

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
