"""The real Qwen GGUF answering through the whole service: retrieval, prompt, llama-cpp, verification.

Runs when the model has been fetched (``reportqa models fetch …``) into the user's models cache or
``$REPORTQA_TEST_MODELS``; a fresh CI machine has no 0.5–1.1 GB model and skips. What is checked is
the contract, not the model's skill: the final answer is either a verified model answer or the
extractive fallback, and no figure stands in it without a cited passage that holds it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.answer.verify import unsupported_figures
from rag.core.config import load_settings
from rag.service import ReportQA

pytestmark = [pytest.mark.llm, pytest.mark.slow]
pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[llm]')")

MODEL = "qwen2.5-coder-0.5b-instruct-q4km"  # the fast one: mechanics, not quality (see models/README.md)
_MODELS = Path(os.environ.get("REPORTQA_TEST_MODELS", Path.home() / ".local/share/reportqa/models"))
GGUF = _MODELS / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"  # the file name the registry entry gives


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, sample_paths: list[Path]) -> ReportQA:
    if not GGUF.is_file():
        pytest.skip(f"{GGUF} not fetched (reportqa models fetch {MODEL})")
    settings = load_settings(overrides={
        "index_dir": str(tmp_path_factory.mktemp("qwen-index")),
        "embedder": {"backend": "hash"},
        "generator": {"backend": "llama-cpp", "model_path": str(GGUF), "max_tokens": 96, "temperature": 0.0},
    })
    svc = ReportQA(settings)
    svc.ingest([str(p) for p in sample_paths])
    return svc


@pytest.mark.parametrize("question", ["潼南区2020年共收到依申请公开多少件？", "广州市2020年报告说市级行政权力精简了多少项？"])
def test_a_real_model_answer_is_verified_or_falls_back(service: ReportQA, question: str) -> None:
    pieces = list(service.ask_stream(question))
    first = next(p for p in pieces if hasattr(p, "provisional"))
    assert first.provisional and first.mode == "extractive"  # the quick answer comes before the model's
    answer = service.ask(question)
    assert answer.mode in ("llm", "extractive")
    assert answer.citations, answer.answer
    passages = {c.n: f"《{c.title}》 {c.section_path}\n{c.text}" for c in answer.citations}
    assert unsupported_figures(answer.answer, passages) == [], answer.answer
