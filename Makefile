# CRA Workbench — the two commands: `make demo` and `make test`.
# Both create the environment (.venv) and register the project's Jupyter
# kernel inside it; nothing needs installing by hand.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
KERNEL := cra-workbench

.PHONY: demo test lab env kernel reveal system-deps demo-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The needs tree's default backend embeds text with torch: the CPU build (plain torch is a multi-GB CUDA build).
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,embeddings]'
	touch $(STAMP)

# reveal.js for the offline workshop decks (cra_helpers/decks inlines it into each deck).
REVEAL_VERSION := 6.0.2
REVEAL_DIR     := $(VENV)/share/reveal.js
REVEAL_STAMP   := $(REVEAL_DIR)/.installed-$(REVEAL_VERSION)

$(REVEAL_STAMP): | $(STAMP)
	rm -rf $(REVEAL_DIR) && mkdir -p $(REVEAL_DIR)
	cd $(REVEAL_DIR) && npm pack --silent reveal.js@$(REVEAL_VERSION) >/dev/null \
	  && tar -xzf reveal.js-$(REVEAL_VERSION).tgz --strip-components=1 package/dist package/LICENSE package/package.json \
	  && rm reveal.js-$(REVEAL_VERSION).tgz
	touch $@

reveal: $(REVEAL_STAMP)

env: $(STAMP) kernel reveal

kernel: $(STAMP)
	@$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "CRA Workbench" >/dev/null
	@echo "Kernel '$(KERNEL)' registered in $(VENV)"

# Debian's Chromium (browser tests, and the chart images of the workshop decks;
# kaleido's own browser download would fail offline) and LibreOffice Calc (the
# action-plan workbook must open in it). `make demo` needs Chromium only.
define need_system
	@missing=""; \
	for pair in $(1); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "$(2):$$missing — sudo apt-get install$$missing"; $(3); \
	  fi; \
	fi
endef

system-deps:
	$(call need_system,chromium:chromium soffice:libreoffice-calc,Tests need,exit 1)

demo-deps:
	$(call need_system,chromium:chromium,The workshop decks need,true)

demo: env demo-deps
	$(BIN)/cra run
	# The planning step on one key account: guides, letters, schedule, capture workbook.
	$(BIN)/cra plan --account A012
	@echo "Explore the sample interactively (browser, offline, Ctrl+C stops it): $(BIN)/cra explore --open"

test: env system-deps
	$(BIN)/python -m pytest

lab: env
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf $(VENV) reports/*/ reports/latest *.egg-info .pytest_cache
