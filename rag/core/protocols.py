"""The two model interfaces every stage may hold: an ``Embedder`` and a ``Generator``.

They live in core, not beside their backends (``rag.index.embed``, ``rag.generate``), because
stages earlier than those use them: report parsing scores roles and themes with an embedder and
may ask a generator to judge a theme. Typing against these protocols keeps that possible without
a backward import, and lets a test pass any fake with the same shape.

Both are ``runtime_checkable`` so a test can assert that a backend satisfies its protocol
(``isinstance`` checks only that the members exist, not their signatures: mypy checks those).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

# One chat turn per dict: {"role": "system" | "user" | "assistant", "content": text}.
Messages = list[dict[str, str]]


@runtime_checkable
class Embedder(Protocol):
    """Sentence embedder: float32, L2-normalised rows, so inner product == cosine.

    ``name`` identifies backend and model (it is written into the index manifest, so an index is
    never searched with another model's vectors); ``dim`` is the width of every vector.
    """

    name: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, shape (len(texts), dim); (0, dim) for no texts."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One vector, shape (dim,). Some models embed queries differently from passages."""
        ...


@runtime_checkable
class Generator(Protocol):
    """A chat model: streamed or whole completions of a message list, and its token count.

    ``context_size`` is the window in tokens that prompt and reply share; ``count_tokens`` measures
    a text in the model's own tokens (or an over-estimate where the tokenizer is remote), so
    callers can budget prompts. ``json_schema`` asks for output constrained to the schema.
    """

    name: str
    context_size: int

    def count_tokens(self, text: str) -> int: ...

    def stream(
        self,
        messages: Messages,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]: ...

    def complete(
        self,
        messages: Messages,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        json_schema: dict[str, Any] | None = None,
    ) -> str: ...
