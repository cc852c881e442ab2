# Homemade o1: one command to open the collection, one to test it.
#   make lab      install into .venv (first time only) and open JupyterLab on notebook 00
#   make test     install the test tools too, then lint and run every test
#   make local    add local mode: llama-cpp-python and a small model run on this computer
# Windows without make: see "Windows" in README.md for the same steps by hand.

PYTHON   ?= python3
LAB_ARGS ?=
VENV     ?= .venv
BIN    := $(VENV)/bin

.PHONY: lab test install install-dev install-local local check notebooks record benchmark clean

lab: install
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/00_start_here.ipynb

test: install-dev
	$(BIN)/ruff check helpers tests notebooks scripts
	$(BIN)/ruff format --check helpers tests scripts
	$(BIN)/mypy
	$(BIN)/pytest

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Local mode: a small open model answers in the notebooks' own kernel (docs/local-model.md).
# `make install-local` only installs the extra (CI uses it); `make local` also downloads the
# model once (about 640 MB; another one with MODEL=owner/repo/file.gguf).
MODEL ?=
install-local: $(VENV)/.installed-local

$(VENV)/.installed-local: $(VENV)/.installed pyproject.toml
	@echo "Installing llama-cpp-python: the first time, pip compiles llama.cpp (about 5 minutes)."
	$(BIN)/python -m pip install --quiet -e ".[local]"
	touch $@

local: install-local
	@$(BIN)/python -m helpers.modes.local.download $(MODEL)

# the install check, from a terminal
check: install
	$(BIN)/python -m helpers.checks.checkup

# run every notebook offline and save its outputs (do this after changing a notebook)
notebooks: install
	$(BIN)/python scripts/run_notebooks.py

# re-record every answer from a live model (needs OPENAI_API_KEY or OPENAI_BASE_URL),
# then refresh the saved outputs offline from the new recordings
record: install
	$(BIN)/python scripts/run_notebooks.py --record

# the speed reports and targets: notebook run times (a report), live step reveal, evaluation
# throughput and resume
benchmark: install-dev
	@status=0; \
	$(BIN)/python scripts/time_notebooks.py --runs 3 || status=1; \
	$(BIN)/python scripts/bench_live_reveal.py || status=1; \
	$(BIN)/python scripts/bench_evaluate.py || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
