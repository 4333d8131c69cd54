# Two commands on a fresh machine:  `make run` (the app over the bundled reports) and `make test`.
# Each does the set-up it needs, once: a virtualenv in .venv, the CPU build of torch, everything
# else from pyproject.toml (llama-cpp-python compiles once; pip keeps the wheel in its cache).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
HOST   ?= 127.0.0.1
PORT   ?= 7860
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export CMAKE_BUILD_PARALLEL_LEVEL := $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test setup lint fmt check browser-deps bench eval clean

run: $(STAMP)
	$(BIN)/reportqa serve --host $(HOST) --port $(PORT) --ingest-if-empty data/samples

test: $(STAMP) browser-deps
	$(BIN)/ruff check rag ui tests scripts
	$(BIN)/python -m pytest -q

check: test

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel setuptools
	# The CPU build of torch first: anything else asking for torch then finds it satisfied
	# instead of pulling several GB of CUDA packages.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[all,dev]"
	touch $(STAMP)

# Headless Chromium and CJK fonts for the browser tests (Debian packages; root on these machines).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "browser tests need: sudo apt-get install chromium fonts-noto-cjk (they are skipped without it)"; \
		fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check rag ui tests scripts

fmt: $(STAMP)
	$(BIN)/ruff check --fix rag ui tests scripts

eval: $(STAMP)
	$(BIN)/python scripts/eval_retrieval.py

bench: $(STAMP)
	$(BIN)/python scripts/bench_retrieval.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
