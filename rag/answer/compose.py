"""Answer a question over retrieved passages: a checked LLM answer, or an extractive one.

``stream_answer`` yields the text as it is produced, then the final ``Answer`` (always the last
item). With a generator, the streamed text is the model's raw draft; the final ``Answer.answer`` is
what survived verification (or the extractive fallback), so a UI must replace the streamed draft
with it. The model is never trusted: every sentence is checked by ``rag.answer.verify``; when nothing
supported is left, when the model refuses although the reports answer the question, or when the
model fails, the extractive answer is given instead, and ``notes`` say why.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

from rag.answer.extractive import answers_question, gives_asked_unit, out_of_scope, quote_source_span
from rag.answer.kinds import extractive_answer, structured_kind
from rag.answer.prompts import build_qa_messages, passage_header, prompt_budget
from rag.answer.verify import (
    MASKED_MARK,
    MASKED_SENTENCE,
    REFUSAL,
    Verification,
    overlap,
    renumber,
    sentence_spans,
    verify_answer,
)
from rag.core.config import Settings
from rag.core.errors import ModelError
from rag.core.protocols import Generator
from rag.core.types import Answer, Citation, Hit
from rag.question.compound import sub_questions

_THINK = re.compile(r"<think>.*?(</think>|$)", re.S)
_LEAD = re.compile(r"^\s*(?:答案|回答|答)\s*[:：]\s*")
# Lines that repeat the prompt: a passage header "[1] 《title》 section", "报告段落：", "问题：…".
_ECHO = re.compile(r"^\s*(?:\[\d+\]\s*《[^\n]*|报告段落[:：]?|问题[:：].*|请根据以上段落.*)$", re.M)


def clean_model_text(text: str) -> str:
    """Drop reasoning blocks, echoed prompt lines and a leading "答：" label; keep the rest as written."""
    return _LEAD.sub("", _ECHO.sub("", _THINK.sub("", text))).strip()


def _best_sentence(hit: Hit, claims: list[str]) -> tuple[int, int] | None:
    """The passage sentence that shares most wording with the answer sentences citing it."""
    spans = sentence_spans(hit.chunk.text)
    scored = [(max((overlap(claim, hit.chunk.text[a:b]) for claim in claims), default=0.0), a, b) for a, b in spans]
    best = max(scored, default=None)
    return (best[1], best[2]) if best and best[0] > 0 else None


def _citations(
    hits: list[Hit], check: Verification, source_text: Callable[[str], str] | None
) -> list[Citation]:
    out = []
    for new, old in enumerate(check.citations, start=1):
        hit = hits[old - 1]
        c = hit.chunk
        sentence = _best_sentence(hit, [s.body for s in check.kept if old in s.citations])
        quote = quote_source_span(hit, *sentence, source_text) if sentence else None
        out.append(Citation(new, c.report_id, hit.report.source, hit.report.title, c.section_path, c.text, c.source_span, quote))
    return out


def _fallback(
    question: str,
    hits: list[Hit],
    settings: Settings,
    notes: list[str],
    source_text: Callable[[str], str] | None,
    ready: Answer | None = None,
) -> Answer:
    """The extractive answer (``ready`` when it was already computed) with ``notes`` first."""
    answer = replace(ready, provisional=False, notes=list(ready.notes)) if ready else extractive_answer(
        question, hits, settings.answer, source_text=source_text)
    answer.notes = [*notes, *answer.notes]
    return answer


def _llm_answer(question: str, hits: list[Hit], check: Verification, source_text: Callable[[str], str] | None) -> Answer:
    mapping = {old: new for new, old in enumerate(check.citations, start=1)}
    text = renumber(check.text, mapping)
    notes = check.notes()
    if check.masked and MASKED_MARK not in text:
        text += "\n" + MASKED_SENTENCE
    if check.masked:
        notes.append("原文已遮蔽部分数字（XX/***）。")
    return Answer(question, text, "llm", True, False, _citations(hits, check, source_text), {}, notes)


_STRUCTURED_NOTE = {
    "compound": "多问题：逐个小问按原文作答，未调用模型改写。",
    "threshold": "是否类问题：按报告中的数字与问题中的标准比较作答，未调用模型改写。",
    "yesno": "是否类问题：判断与所引原文一同给出，未调用模型改写。",
    "metadata": "报告信息类问题：按报告的元数据作答，未调用模型改写。",
    "list": "列表类问题：按报告原文逐条列出，未调用模型改写。",
}


def _parts_found(parts: list[str], hits: list[Hit], settings: Settings) -> int:
    """How many parts of a several-part question the extractive mode answers."""
    return sum(not extractive_answer(p, hits, settings.answer).refused for p in parts)


def _parts_covered(parts: list[str], check: Verification, used: list[Hit]) -> int:
    """How many parts some kept sentence of the model's answer answers, from the report each names and
    with the kind of figure each asks for."""
    return sum(any(answers_question(p, s.body, [used[n - 1] for n in s.citations]) and gives_asked_unit(p, s.body)
                   for s in check.kept if s.citations) for p in parts)


def stream_answer(
    question: str,
    hits: list[Hit],
    generator: Generator | None,
    settings: Settings,
    *,
    retrieval_seconds: float = 0.0,
    source_text: Callable[[str], str] | None = None,
) -> Iterator[str | Answer]:
    """Yield answer text pieces, then the final ``Answer``.

    ``retrieval_seconds`` is copied into ``timings``; ``source_text`` (report id -> source text)
    makes extractive quote spans exact.
    """
    started = time.perf_counter()
    first_token: float | None = None
    hits = sorted(hits, key=lambda h: h.rank)

    def finish(answer: Answer) -> Answer:
        total = time.perf_counter() - started
        answer.timings = {
            "retrieval": retrieval_seconds,
            "first_token": first_token if first_token is not None else total,
            "total": total,
        }
        # seconds until the user had a checked answer: the quick extractive one, else this one
        answer.timings["first_useful"] = quick_seconds if quick_seconds is not None else total
        return answer

    quick_seconds: float | None = None

    if generator is None:
        answer = extractive_answer(question, hits, settings.answer, source_text=source_text)
        first_token = time.perf_counter() - started
        yield answer.answer
        yield finish(answer)
        return

    scope_problem = out_of_scope(question, hits)
    if scope_problem:  # no passage is from the report the question names: nothing for a model to read
        answer = extractive_answer(question, hits, settings.answer, source_text=source_text)
        yield answer.answer
        yield finish(answer)
        return

    gen = settings.generator
    budget = prompt_budget(generator.context_size, gen.max_tokens)
    try:
        messages, used = build_qa_messages(question, hits, budget, generator.count_tokens)
    except ModelError as exc:  # the model's tokenizer can fail too
        answer = _fallback(question, hits, settings, [f"模型出错，已改用摘录模式：{exc}"], source_text)
        yield answer.answer
        yield finish(answer)
        return
    if not used:
        answer = _fallback(question, hits, settings, ["检索到的段落放不进模型的上下文窗口，已改用摘录模式。"], source_text)
        yield answer.answer
        yield finish(answer)
        return

    # The extractive answer costs milliseconds: show it at once, the model's answer once verified.
    quick = extractive_answer(question, hits, settings.answer, source_text=source_text)
    quick_seconds = time.perf_counter() - started
    kind = structured_kind(question)
    parts = sub_questions(question)
    quick_parts = _parts_found(parts, hits, settings) if kind == "compound" else 0
    if kind and not quick.refused and (kind != "compound" or quick_parts == len(parts)):
        # Built from the structure (every part, the verdict against its figure, the report's metadata,
        # a whole list): a model could only lose some of it in rephrasing, so it is not asked.
        answer = replace(quick, provisional=False, notes=[_STRUCTURED_NOTE[kind], *quick.notes])
        yield answer.answer
        yield finish(answer)
        return
    yield replace(quick, provisional=True, timings={"retrieval": retrieval_seconds, "first_useful": quick_seconds})
    pieces: list[str] = []
    try:
        for piece in generator.stream(messages, max_tokens=gen.max_tokens, temperature=gen.temperature):
            if first_token is None:
                first_token = time.perf_counter() - started
            pieces.append(piece)
            yield piece
    except ModelError as exc:
        answer = _fallback(question, hits, settings, [f"模型出错，已改用摘录模式：{exc}"], source_text, quick)
        yield finish(answer)
        return

    draft = clean_model_text("".join(pieces))
    passages = {i: f"{passage_header(h)}\n{h.chunk.text}" for i, h in enumerate(used, start=1)}
    check = verify_answer(draft, passages, question)
    if check.usable and answers_question(question, check.text, [used[n - 1] for n in check.citations]):
        model_parts = _parts_covered(parts, check, used) if kind == "compound" else 0
        if model_parts < quick_parts:
            note = f"模型的回答只答了{len(parts)}个小问中的{model_parts}个，摘录模式答了{quick_parts}个，已改用摘录模式。"
            yield finish(_fallback(question, hits, settings, [note], source_text, quick))
            return
        yield finish(_llm_answer(question, used, check, source_text))
        return
    if check.usable:
        note = "模型的回答虽有原文依据，但没有回答所问的内容，已改用摘录模式。"
        yield finish(_fallback(question, hits, settings, [note, *check.notes()], source_text, quick))
        return
    if check.refused and not check.removed:
        extractive = replace(quick, provisional=False, notes=list(quick.notes))
        if extractive.refused:
            notes = ["模型与摘录模式都未在报告中找到答案。", *extractive.notes]
            yield finish(Answer(question, REFUSAL, "llm", False, True, [], {}, notes))
            return
        extractive.notes = ["模型表示未找到答案，但摘录模式找到了相关原文，已改用摘录模式。", *extractive.notes]
        yield finish(extractive)
        return
    why = "模型回答为空。" if not draft else "模型回答中没有能被所引段落证实的句子，已改用摘录模式。"
    yield finish(_fallback(question, hits, settings, [why, *check.notes()], source_text, quick))
