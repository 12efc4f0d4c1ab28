# CRA Workbench — the two commands: `make demo` and `make test`.
# Both create the environment (.venv) and register the project's Jupyter
# kernel inside it; nothing needs installing by hand.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
KERNEL := cra-workbench

.PHONY: demo test lab env kernel browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

env: $(STAMP) kernel

kernel: $(STAMP)
	@$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "CRA Workbench" >/dev/null
	@echo "Kernel '$(KERNEL)' registered in $(VENV)"

# Debian's Chromium for the browser tests (its own browser download would fail offline).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Browser tests need Chromium: sudo apt-get install chromium"; exit 1; \
	  fi; \
	fi

demo: env
	$(BIN)/cra run

test: env browser
	$(BIN)/python -m pytest

lab: env
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf $(VENV) reports/*/ reports/latest *.egg-info .pytest_cache
