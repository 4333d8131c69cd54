"""Extractive answers by kind of question: several questions in one, and yes/no against a number.

``extractive_answer`` is what every caller uses. A simple question goes to ``quote_answer``
(rag.answer.extractive); a compound one is answered part by part, every part answered or marked
as not found; a yes/no question with a threshold (「是否达到100%」) gets its verdict from the
report's figure compared with the threshold, so a verdict never contradicts its quote.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from rag.answer.extractive import quote_answer
from rag.answer.verify import REFUSAL, renumber, strip_citations
from rag.core.config import AnswerSettings
from rag.core.types import Answer, Citation, Hit
from rag.lang.figures import Figure, find_figures
from rag.question.analysis import analyze_question
from rag.question.compound import Threshold, compare, sub_questions, threshold

# A yes/no question about a status (「是否被评为示范区」) that the quote only names as a goal.
_ASPIRATION = re.compile(r"争创|创建中|正在创建|积极创建|推进创建|申报|争取|力争|努力(创建|打造)|将(创建|争创)|计划")
_DONE = re.compile(r"已经|已|被评|获评|获得|成为|建成|通过|命名|授予|评为")  # the question asks whether it happened
_NEGATED = re.compile(r"(未|没有|尚未|暂未|不)(被|获|通过|达到|实现|完成)")


# A question about the report itself: its 文号, issuer, dates or source (answered from the metadata passage).
_METADATA = re.compile(
    r"文号|发文字号|发布机关|发文机关|印发机关|制发机关|哪个(?:单位|部门|机关)(?:发布|印发|制发)|由谁(?:发布|印发)|谁(?:发布|印发|制发)"
    r"|(?:发布|印发|成文|签发)(?:的)?(?:日期|时间)|何时(?:发布|印发)|什么时候(?:发布|印发)|来源|出处|网址|链接"
)


def structured_kind(question: str) -> str:
    """What makes ``question`` one whose answer is built from the reports' structure, so that a model
    only rephrases it (and may lose a part or the verdict): "compound" (several questions), "threshold"
    (yes/no against a number), "yesno", "metadata" (文号, issuer, dates, source) or "list" (a
    section's parts, problems, plans, measures); "" for a free question a model may phrase."""
    if len(sub_questions(question)) > 1:
        return "compound"
    if threshold(question) is not None:
        return "threshold"
    info = analyze_question(question)
    if "yesno" in info.kinds:
        return "yesno"
    if _METADATA.search(question):
        return "metadata"
    if {"list", "problems", "plans"} & info.kinds and "figure" not in info.kinds:
        return "list"
    return ""


def extractive_answer(
    question: str, hits: list[Hit], settings: AnswerSettings, *, source_text: Callable[[str], str] | None = None
) -> Answer:
    """Answer ``question`` by quoting the reports (no model), or refuse; compound questions part by part."""
    parts = sub_questions(question)
    if len(parts) > 1:
        return _compound(question, parts, hits, settings, source_text)
    limit = threshold(question)
    if limit is not None:
        return _against_threshold(question, limit, hits, settings, source_text)
    answer = quote_answer(question, hits, settings, source_text=source_text)
    if (answer.answer.startswith("是。") and _DONE.search(question) and _ASPIRATION.search(answer.answer)
            and not _NEGATED.search(answer.answer)):
        # 「是否已被评为示范区？」 answered with 「…积极争创示范区」: the quote does not say it happened
        answer.answer = "未能确定。" + answer.answer[len("是。"):]
        answer.notes.append("所引原文只写到目标或正在进行的工作，没有写明已经实现，因此不作“是”的判断。")
    return answer


def _merge(answers: list[Answer]) -> tuple[list[str], list[Citation]]:
    """Each answer's text renumbered into one citation list (the same passage keeps one number)."""
    numbers: dict[tuple[str, tuple[int, int]], int] = {}
    citations: list[Citation] = []
    texts: list[str] = []
    for answer in answers:
        mapping: dict[int, int] = {}
        for c in answer.citations:
            key = (c.report_id, c.source_span)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                citations.append(Citation(numbers[key], c.report_id, c.source, c.title, c.section_path, c.text,
                                          c.source_span, c.quote_span))
            mapping[c.n] = numbers[key]
        texts.append(renumber(answer.answer, mapping))
    return texts, citations


def _label(part: str, question: str) -> str:
    """What a part asks, without the words it shares with the whole question's context."""
    shared = next((i for i, (a, b) in enumerate(zip(part, question, strict=False)) if a != b), min(len(part), len(question)))
    label = part[shared:] if shared >= 4 else part
    return label.rstrip("？?；; ")


def _compound(question: str, parts: list[str], hits: list[Hit], settings: AnswerSettings,
              source_text: Callable[[str], str] | None) -> Answer:
    started = time.perf_counter()
    answers = [extractive_answer(p, hits, settings, source_text=source_text) for p in parts]
    found = [a for a in answers if not a.refused]
    if not found:
        why = [f"「{_label(p, question)}」：{'；'.join(a.notes) or '未找到'}" for p, a in zip(parts, answers, strict=True)]
        return Answer(question, REFUSAL, "extractive", False, True, [], {"total": time.perf_counter() - started}, why)
    texts, citations = _merge(answers)
    lines: list[str] = []
    notes: list[str] = []
    for part, answer, text in zip(parts, answers, texts, strict=True):
        label = _label(part, question)
        if answer.refused:
            lines.append(f"（未找到{label}的相关内容。）")  # a meta line: says what is absent, claims nothing
        else:
            lines.append(text)
        notes.extend(f"「{label}」：{n}" for n in answer.notes)
    return Answer(question, "\n".join(lines), "extractive", False, False, citations,
                  {"total": time.perf_counter() - started}, notes)


def _deciding_figure(answer: Answer, limit: Threshold) -> Figure | None:
    """The figure of the quoted answer that the question asks about (nearest to its keywords), when
    it can be compared with the threshold: a rate with a percentage, a count with the same unit."""
    info = analyze_question(limit.figure_question)
    percent = limit.value.kind == "percent"
    if info.unit == "%" and not percent:
        return None  # 「结案率是否达到100件」: a rate is never compared with a count
    text = strip_citations(answer.answer)
    spots = [m.start() for k in info.keywords for m in re.finditer(re.escape(k), text)] or [0]
    candidates = [f for f in find_figures(text) if f.kind in ("number", "percent") and (f.kind == "percent") == percent
                  and (percent or not limit.value.key[2] or f.key[2] == limit.value.key[2])]
    return min(candidates, key=lambda f: min(abs(f.start - p) for p in spots), default=None)


def _against_threshold(question: str, limit: Threshold, hits: list[Hit], settings: AnswerSettings,
                       source_text: Callable[[str], str] | None) -> Answer:
    started = time.perf_counter()
    figure = quote_answer(limit.figure_question, hits, settings, source_text=source_text)
    if figure.refused:
        return Answer(question, REFUSAL, "extractive", False, True, [], {"total": time.perf_counter() - started},
                      [*figure.notes, f"报告中没有找到可与“{limit.words}”比较的数字，无法判断是或否。"])
    found = _deciding_figure(figure, limit)
    verdict = compare(found, limit) if found else None
    quote = figure.answer
    cut = quote.rfind("[")
    body, marks = (quote[:cut], quote[cut:]) if cut > 0 else (quote, "")
    if verdict is None:
        text = f"未能确定。报告写道：“{body.rstrip('。')}”{marks}"
        why = "所引数字与问题中的标准无法比较（单位不同或为约数）。" if found else "所引原文中没有可比较的数字。"
        notes = [why]
    else:
        # Only the verdict and the quote: a figure that is not in the cited passage is never written.
        text = f"{'是' if verdict else '否'}。报告写道：“{body.rstrip('。')}”{marks}"
        notes = [f"判断依据：报告中为{found.text if found else ''}，问题所问为“{limit.words}”。"]
    return Answer(question, text, "extractive", False, False, figure.citations,
                  {"total": time.perf_counter() - started}, [*figure.notes, *notes])


def contradicts_quote(question: str, answer: Answer) -> bool:
    """True when a yes/no answer's verdict disagrees with the figure it quotes, compared with the
    question's threshold (「是否超过10%」 answered 「是」 over a quoted 9.5%). For evaluation of both modes."""
    limit = threshold(question)
    if limit is None or answer.refused:
        return False
    text = strip_citations(answer.answer).lstrip()
    verdict = True if text.startswith("是") else False if text.startswith("否") else None
    if verdict is None:
        return False
    found = _deciding_figure(answer, limit)
    decided = compare(found, limit) if found else None
    return decided is not None and decided != verdict
