"""The question-answering messages, built from the templates in rag/prompts/ (see rag.core.templates)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from rag.answer.verify import REFUSAL, sentence_spans
from rag.core.templates import render
from rag.core.types import Hit

MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message (role markers, separators)
ANSWER_MARGIN = 32  # tokens kept free on top of the answer's max_tokens


def passage_title(hit: Hit) -> str:
    return hit.report.title or hit.report.source or hit.chunk.report_id


def render_passage(n: int, hit: Hit, text: str | None = None) -> str:
    return render(
        "passage",
        n=n,
        title=passage_title(hit),
        section_path=hit.chunk.section_path,
        text=(hit.chunk.text if text is None else text).strip(),
    )


def passage_header(hit: Hit) -> str:
    """The header line the model saw; verification treats it as part of the passage."""
    return f"《{passage_title(hit)}》 {hit.chunk.section_path}"


def prompt_budget(context_size: int, max_tokens: int) -> int:
    """Tokens the prompt may use so that an answer of ``max_tokens`` still fits the window."""
    return max(0, context_size - max_tokens - ANSWER_MARGIN)


def _messages(question: str, passages: list[str]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": render("qa_system", refusal=REFUSAL)},
        {"role": "user", "content": render("qa_user", passages="\n\n".join(passages), question=question.strip())},
    ]


def _cost(messages: list[dict[str, str]], count_tokens: Callable[[str], int]) -> int:
    return sum(count_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages)


def _trim_to_fit(
    question: str, kept: list[str], n: int, hit: Hit, budget: int, count_tokens: Callable[[str], int]
) -> str | None:
    """The longest run of whole leading sentences of ``hit`` that still fits, or None."""
    spans = sentence_spans(hit.chunk.text)
    lo, hi, best = 1, len(spans) - 1, None
    while lo <= hi:  # binary search on the number of sentences kept
        mid = (lo + hi) // 2
        text = hit.chunk.text[: spans[mid - 1][1]]
        if _cost(_messages(question, [*kept, render_passage(n, hit, text)]), count_tokens) <= budget:
            best, lo = text, mid + 1
        else:
            hi = mid - 1
    return best


def build_qa_messages(
    question: str, hits: Sequence[Hit], budget_tokens: int, count_tokens: Callable[[str], int]
) -> tuple[list[dict[str, str]], list[Hit]]:
    """Chat messages for ``question`` over the best ``hits`` that fit in ``budget_tokens``.

    Hits are taken best-ranked first and numbered [1], [2], … in that order. The first hit that does
    not fit whole is cut after its last whole sentence that fits (never mid-sentence), and every
    lower-ranked hit is dropped. ``used_hits`` are the hits behind the numbered passages, in order;
    a trimmed hit comes back with its chunk text shortened to what the model saw.
    """
    ordered = sorted(hits, key=lambda h: (h.rank, -h.score))
    kept: list[str] = []
    used: list[Hit] = []
    for hit in ordered:
        n = len(kept) + 1
        whole = render_passage(n, hit)
        if _cost(_messages(question, [*kept, whole]), count_tokens) <= budget_tokens:
            kept.append(whole)
            used.append(hit)
            continue
        text = _trim_to_fit(question, kept, n, hit, budget_tokens, count_tokens)
        if text is not None:
            kept.append(render_passage(n, hit, text))
            used.append(dataclasses.replace(hit, chunk=dataclasses.replace(hit.chunk, text=text)))
        break
    return _messages(question, kept), used
