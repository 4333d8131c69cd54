"""What every generator backend shares: ``complete`` from ``stream``, a token estimate, message checks."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

# The protocol lives in core (earlier stages hold generators too); re-exported here for the backends.
from rag.core.protocols import Generator, Messages

__all__ = ["Generator", "Messages", "StreamingGenerator", "estimate_tokens", "validate_messages"]


class StreamingGenerator:
    """Base class: ``complete`` is the joined ``stream``."""

    name: str = ""
    context_size: int = 0

    def stream(
        self,
        messages: Messages,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        raise NotImplementedError

    def complete(
        self,
        messages: Messages,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        json_schema: dict[str, Any] | None = None,
    ) -> str:
        return "".join(
            self.stream(messages, max_tokens=max_tokens, temperature=temperature, stop=stop, json_schema=json_schema)
        )


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms (，。：)
        or 0x20000 <= code <= 0x2FFFF
    )


def estimate_tokens(text: str) -> int:
    """Token count estimate for backends without a local tokenizer (OpenAI server, fake).

    One token per CJK character or full-width punctuation mark, one per 4 other characters
    (rounded up). Qwen/Llama tokenizers put 1.3-1.6 Chinese characters in a token, so this
    over-counts Chinese by ~30-40%: prompt budgets built on it stay inside the context window.
    """
    cjk = sum(1 for ch in text if _is_cjk(ch))
    return cjk + math.ceil((len(text) - cjk) / 4)


def validate_messages(messages: Messages) -> None:
    from rag.core.errors import ModelError

    if not messages:
        raise ModelError("Generator called with no messages.")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("system", "user", "assistant"):
            raise ModelError(f"Message {i} must be a dict with role system/user/assistant, got {message!r:.120}.")
        if not isinstance(message.get("content"), str):
            raise ModelError(f"Message {i} has no text content.")
