"""Extractive answers: quote the report sentences that answer the question, with citations, or refuse.

No model involved. The question is read for its type (a figure, a date, a list, yes/no, the problems
or plans section), its keywords (domain terms first), the unit a figure question asks for ("多少件"),
and the places and years it names. Sentences of the retrieved passages are scored by keyword and
character-bigram overlap; a figure question needs a figure next to the keywords; a question about a
place or year that none of the passages is from is refused. Quotes are verbatim, so every figure in
an extractive answer is in its cited passage.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from rag.answer.verify import MASKED_SENTENCE, REFUSAL, bigrams, sentence_spans
from rag.core.config import AnswerSettings
from rag.core.types import Answer, Citation, Hit, Span
from rag.lang.figures import Figure, find_figures, has_masked
from rag.question.analysis import DOMAIN_TERMS, PLAN_WORDS, PROBLEM_WORDS, QuestionInfo, analyze_question

# ----------------------------------------------------------------------------------- answering
NEAR = 30  # characters between a figure and the question's keywords for the figure to count
LONG_SENTENCE = 80  # longer sentences are quoted as the clauses around the figure and keywords
NEGATION = re.compile(r"(未|没有|无|不|尚未|杜绝)[\u4e00-\u9fff]{0,3}$")
MARKERS = re.compile(r"^\s*(?:[一二三四五六七八九十]+是|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[.、．])")
PROBLEM_CUES = re.compile(r"不到位|有待|不够|不足|欠缺|薄弱|滞后|不强|不高|不深入|不细致|不充分|不彻底|不一|短板|差距|还需|仍需|需要进一步|依然存在")
LEAD_IN = re.compile(r"(存在|还有|仍有)(一些|以下|一定|如下)?的?(不足|问题|短板|差距)[。：:]?$")
LIST_CUT = "（列表未全部列出，其余见所引原文。）"
GENERIC_TERMS = {"问题", "不足", "短板", "差距", "原因", "下一步", "工作安排", "计划", "打算", "改进措施", "考核", "法治政府", "依法行政"}


def anchors(info: QuestionInfo) -> list[str]:
    """The question's specific domain terms: an answer must mention at least one of them."""
    return [k for k in info.keywords if k in DOMAIN_TERMS and k not in GENERIC_TERMS]


@dataclass
class Candidate:
    hit: Hit
    start: int  # quote span inside hit.chunk.text
    end: int
    score: float
    evidence: float
    masked: bool = False


def _coverage(keywords: list[str], text: str) -> tuple[float, list[tuple[int, int]]]:
    """Weighted share of ``keywords`` found in ``text``, and where they are."""
    total = found = 0.0
    positions: list[tuple[int, int]] = []
    for kw in keywords:
        weight = len(kw) * (1.5 if kw in DOMAIN_TERMS else 1.0)
        total += weight
        at = [(m.start(), m.end()) for m in re.finditer(re.escape(kw), text)]
        found += weight if at else 0.0
        positions.extend(at)
    return (found / total if total else 0.0), positions


def _figure_ok(info: QuestionInfo, fig: Figure) -> bool:
    if "date" in info.kinds and "figure" not in info.kinds:
        return fig.kind in ("date", "docno") or (fig.kind == "year" and bool(re.search("哪一?年", info.text)))
    return fig.kind == "masked" or (fig.kind in ("number", "percent") and not fig.key[4] and bool(fig.key[2]))


def _wrong_kind(info: QuestionInfo, fig: Figure) -> bool:
    """A rate is answered by a percentage, and a count never is."""
    return bool(info.unit) and not fig.masked and (info.unit == "%") != (fig.kind == "percent")


def _unit_match(info: QuestionInfo, fig: Figure) -> bool:
    return fig.kind in ("number", "percent") and bool(info.unit) and (
        fig.key[2] == info.unit or (info.unit == "%" and fig.kind == "percent")
    )


def _window(sentence: str, a: int, b: int) -> tuple[int, int]:
    """Smallest run of whole clauses (split at ，；：) of ``sentence`` covering [a, b)."""
    cuts = [0] + [i + 1 for i, ch in enumerate(sentence) if ch in "，；：,;:"] + [len(sentence)]
    start, end = max(c for c in cuts if c <= a), min(c for c in cuts if c >= b)
    while end > start and sentence[end - 1] in "，；：,;:":
        end -= 1
    return start, end


def _best_figure(
    info: QuestionInfo, sentence: str, positions: list[tuple[int, int]], own_docno: str = ""
) -> tuple[float, Figure] | None:
    """The figure the question asks for: right unit, nearest to the keywords, within NEAR characters.
    A question about the 文号 takes the report's own 文号 wherever it stands."""
    best: tuple[float, Figure] | None = None
    own = {f.key for f in find_figures(own_docno)} if "文号" in info.text else set()
    for fig in find_figures(sentence):
        dist = 0 if fig.key in own else min((max(p0 - fig.end, fig.start - p1, 0) for p0, p1 in positions), default=NEAR + 1)
        if not _figure_ok(info, fig) or dist > NEAR or _wrong_kind(info, fig):
            continue
        value = 0.25 * _unit_match(info, fig) - 0.004 * dist - (0.1 if fig.masked and info.unit else 0.0)
        if best is None or value > best[0]:
            best = (value, fig)
    return best


def figure_for(question: str, sentence: str) -> Figure | None:
    """The figure of ``sentence`` that answers ``question``: the right unit, nearest its keywords
    (what a figure answer quotes; the library's indicator table reads its value with it)."""
    info = analyze_question(question)
    _, positions = _coverage(list(info.keywords), sentence)
    best = _best_figure(info, sentence, positions)
    return best[1] if best else None


def _candidates(info: QuestionInfo, hit: Hit) -> list[Candidate]:
    text, heading, title = hit.chunk.text, hit.chunk.section_path, hit.report.title
    # Words that name the report ("自查报告", "办公厅") say which report, not what is asked.
    keywords = [k for k in info.keywords if k not in title] or list(info.keywords)
    required = [k for k in anchors(info) if k in keywords]
    q_bigrams = bigrams(" ".join(keywords))
    problems = "problems" in info.kinds and (hit.chunk.role == "problems" or bool(PROBLEM_WORDS.search(heading)))
    plans = "plans" in info.kinds and (hit.chunk.role == "plans" or bool(PLAN_WORDS.search(heading)))
    head_cov = _coverage(keywords, heading)[0]
    out: list[Candidate] = []
    previous = (0, 0)
    for a, b in sentence_spans(text):
        sentence, prev_text = text[a:b], text[previous[0] : previous[1]]
        prev_span, previous = previous, (a, b)
        if len(bigrams(sentence)) < 4 or sentence.rstrip("。") in title or sentence.rstrip("。") in heading:
            continue
        same_paragraph = "\n" not in text[prev_span[1] : a]
        # The term may sit in the sentence before, inside the same paragraph ("通过“12345”市长热线…。今年以来，共接诉…").
        anchor_before = bool(required) and same_paragraph and not any(t in sentence for t in required) and any(
            t in prev_text for t in required
        )
        if required and not anchor_before and not any(t in sentence or (not info.wants_figure and t in heading) for t in required):
            continue
        kw_cov, positions = _coverage(keywords, sentence)
        # A short lead-in ("一是组织开展市级行政权力大幅精简工作。") carries the sentence's subject.
        joined = prev_text.endswith("。") and same_paragraph and (len(prev_text) <= 60 or anchor_before)
        with_prev = _coverage(keywords, prev_text + sentence)[0] if joined else 0.0
        use_prev = info.wants_figure and (with_prev > kw_cov + 0.2 or anchor_before)
        cov = max(kw_cov, 0.9 * with_prev, 0.5 * head_cov)
        bi_cov = len(q_bigrams & bigrams(sentence)) / len(q_bigrams) if q_bigrams else 0.0
        evidence = 0.65 * cov + 0.35 * bi_cov if keywords else bi_cov
        if problems or plans:
            evidence = max(evidence, 0.35) + 0.3 + (0.2 if problems and PROBLEM_CUES.search(sentence) else 0.0)
            evidence -= 0.3 if LEAD_IN.search(sentence) else 0.0
        score = evidence + 0.05 / (1 + hit.rank) + (0.05 if MARKERS.match(sentence) else 0.0)
        start, end, masked = (prev_span[0] if use_prev else a), b, False
        if info.wants_figure:
            if anchor_before:
                others = [k for k in keywords if k not in required]
                cov_here, positions = _coverage(others, sentence) if others else (1.0, [(0, 0)])
                if cov_here < 0.5:
                    continue
            elif required:
                positions = [(m.start(), m.end()) for t in required for m in re.finditer(re.escape(t), sentence)]
            if max(kw_cov, 0.9 * with_prev) < 0.5 and not required and "文号" not in info.text:
                continue
            best = _best_figure(info, sentence, positions, hit.report.doc_number)
            if best is None:
                continue
            score, masked = score + best[0], best[1].masked
            if best[1].kind == "docno" and "文号" in info.text:
                evidence = max(evidence, 0.6)
            if len(sentence) > LONG_SENTENCE and not use_prev:
                near = min(positions, key=lambda p: abs(p[0] - best[1].start))
                w0, w1 = _window(sentence, min(near[0], best[1].start), max(near[1], best[1].end))
                start, end = a + w0, a + w1
        out.append(Candidate(hit, start, end, score, min(evidence, 1.0), masked))
    return out


def _scope(info: QuestionInfo, hits: list[Hit]) -> list[Hit]:
    """The hits from the report the question names (文号, place, year). Reports that *are* from a place
    or year win over reports that merely mention it (a 2021 report quoting 2020 figures)."""

    def meta(h: Hit) -> str:
        return " ".join([h.report.title, h.report.region, h.report.issuing_body, h.report.source])

    def about(h: Hit) -> str:
        return " ".join([meta(h), h.chunk.section_path, h.chunk.text])

    if info.doc_numbers:
        hits = [h for h in hits if any(f.key in info.doc_numbers for f in find_figures(h.report.doc_number))]
    scoped = [h for h in hits if all(p in about(h) for p in info.places) and all(str(y) in about(h) for y in info.years)]
    if info.places and (own := [h for h in scoped if all(p in meta(h) for p in info.places)]):
        scoped = own
    wanted = [info.report_year] if info.report_year else info.years
    if wanted and (own := [h for h in scoped if h.report.year in wanted]):
        scoped = own
    return scoped


def quote_source_span(hit: Hit, start: int, end: int, source_text: Callable[[str], str] | None) -> Span:
    """Source offsets of chunk.text[start:end]: exact when the source text is at hand, else estimated."""
    s0, s1 = hit.chunk.source_span
    if source_text is not None:
        try:
            region = source_text(hit.chunk.report_id)[s0:s1]
        except Exception:  # a missing source only costs precision of the highlight
            region = ""
        # Match ignoring what cleaning removes (whitespace, markdown **), then map back.
        kept = [i for i, ch in enumerate(region) if not ch.isspace() and ch != "*"]
        squeezed = "".join(region[i] for i in kept)
        quote = re.sub(r"\s+|\*", "", hit.chunk.text[start:end])
        at = squeezed.find(quote) if quote else -1
        if at >= 0:
            return (s0 + kept[at], s0 + kept[at + len(quote) - 1] + 1)
    if s1 - s0 == len(hit.chunk.text):
        return (s0 + start, s0 + end)
    scale = (s1 - s0) / max(1, len(hit.chunk.text))
    return (s0 + int(start * scale), min(s1, s0 + round(end * scale)))


def _scope_note(info: QuestionInfo) -> str:
    named = "、".join([*info.places, *(f"{y}年" for y in info.years), *("文号" for _ in info.doc_numbers[:1])])
    return f"检索到的报告都不是问题所指的报告（{named}）。"


def out_of_scope(question: str, hits: list[Hit]) -> str | None:
    """Why no hit can answer ``question`` (it names a place, year or 文号 none of them is from), or None."""
    info = analyze_question(question)
    return None if not hits or _scope(info, hits) else _scope_note(info)


def answers_question(question: str, text: str, cited: list[Hit]) -> bool:
    """Does ``text`` (a verified answer citing ``cited``) address ``question``: every cited passage from
    the report the question names, the asked-for kind of figure for a figure question, one of the
    question's specific terms otherwise? Verification proves an answer true; this catches a true
    sentence that answers something else."""
    info = analyze_question(question)
    if (info.places or info.years or info.doc_numbers) and len(_scope(info, cited)) < len(cited):
        return False
    if info.wants_figure and not any(_figure_ok(info, f) and not _wrong_kind(info, f) for f in find_figures(text)):
        return False
    required = anchors(info)
    return not required or any(t in text for t in required)


def gives_asked_unit(question: str, text: str) -> bool:
    """``text`` holds a figure in the unit the question asks for (「多少件」 → 件, a rate → %), or the
    question names no unit: a part of a several-part question is covered only by its own kind of figure."""
    info = analyze_question(question)
    return not info.unit or any(_unit_match(info, f) for f in find_figures(text))


def _refusal(question: str, started: float, *notes: str) -> Answer:
    return Answer(question, REFUSAL, "extractive", False, True, [], {"total": time.perf_counter() - started}, list(notes))


def _select(info: QuestionInfo, cands: list[Candidate], settings: AnswerSettings) -> tuple[list[Candidate], int]:
    """The quotes that answer, and how many more list items there were than ``max_sentences`` allows."""
    cands.sort(key=lambda c: -c.score)
    best, limit = cands[0], settings.max_sentences
    if info.wants_figure or "yesno" in info.kinds:
        return [best], 0
    if not {"list", "problems", "plans"} & info.kinds:
        return [c for c in cands if c.score >= 0.8 * best.score][: min(2, limit)], 0
    same: list[Candidate] = []
    for c in cands:  # best first; a quote overlapping one already taken adds nothing
        if c.hit is best.hit and c.score >= 0.6 * best.score and not any(c.start < o.end and o.start < c.end for o in same):
            same.append(c)
    left_out = max(0, len(same) - limit)
    chosen = sorted(same[:limit], key=lambda c: c.start)
    text = best.hit.chunk.text
    if re.search(r"[一1]是|[:：]$", text[chosen[0].start : chosen[0].end].rstrip("。")):
        # A lead-in that opens an enumeration: the items that follow are the answer.
        items = [Candidate(best.hit, a, b, 0.0, best.evidence) for a, b in sentence_spans(text)
                 if a >= chosen[0].end and MARKERS.match(text[a:b])]
        left_out = max(0, len(items) + 1 - limit)
        chosen = [chosen[0], *items][:limit]
    return chosen, left_out


def quote_answer(
    question: str, hits: list[Hit], settings: AnswerSettings, *, source_text: Callable[[str], str] | None = None
) -> Answer:
    """Answer one simple question by quoting the report sentences that best match it, or refuse
    (compound and comparison questions: ``rag.answer.kinds.extractive_answer``).

    ``source_text`` (report id -> source text, e.g. ``IndexStore.source_text``) makes each
    citation's ``quote_span`` exact; without it the span is estimated from the chunk's spans.
    """
    started = time.perf_counter()
    info = analyze_question(question)
    english_note = "英文问题：摘录模式在中文报告原文中匹配（English question: matched against the Chinese text）。"
    if not hits:
        return _refusal(question, started, "没有检索到相关段落。")
    if info.english and not info.keywords:
        return _refusal(question, started, english_note, "无法从问题中提取中文关键词（no Chinese keyword could be derived）。请用中文提问。")
    scoped = _scope(info, hits)
    if not scoped:
        return _refusal(question, started, _scope_note(info))
    cands = [c for h in scoped for c in _candidates(info, h)]
    if not cands:
        why = "报告中没有与问题关键词相邻的数字。" if info.wants_figure else "没有与问题匹配的句子。"
        return _refusal(question, started, why, *([english_note] if info.english else []))
    chosen, left_out = _select(info, cands, settings)
    confidence = max(c.evidence for c in chosen)
    if confidence < settings.min_confidence:
        return _refusal(question, started, f"证据不足（匹配度 {confidence:.2f} 低于阈值 {settings.min_confidence:.2f}）。")
    numbers: dict[str, int] = {}
    parts: list[str] = []
    for c in chosen:
        n = numbers.setdefault(c.hit.chunk.chunk_id, len(numbers) + 1)
        quote = c.hit.chunk.text[c.start : c.end].strip()
        quote += "" if quote.endswith(tuple("。！？；")) else "。"
        # Every sentence of the quote carries the citation, as verification requires.
        parts.append("".join(f"{quote[a:b]}[{n}]" for a, b in sentence_spans(quote)))
    notes = [english_note] if info.english else []
    if "yesno" in info.kinds:
        c = chosen[0]
        quote = c.hit.chunk.text[c.start : c.end]
        _, positions = _coverage([k for k in info.keywords if k not in c.hit.report.title], quote)
        negated = any(NEGATION.search(quote[:p0]) for p0, _ in positions)
        verdict = "否。" if negated else "是。"
        if confidence < 0.5:
            verdict, notes = "", [*notes, "匹配度不高，未给出是/否判断，请核对原文。"]
        cut = parts[0].rindex("[")
        parts[0] = f"{verdict}报告提到：“{parts[0][:cut].rstrip('。')}”{parts[0][cut:]}"
    if any(c.masked or has_masked(c.hit.chunk.text[c.start : c.end]) for c in chosen):
        parts.append(MASKED_SENTENCE)
        notes.append("原文已遮蔽部分数字（XX/***）。")
    citations = []
    for chunk_id, n in numbers.items():
        group = [c for c in chosen if c.hit.chunk.chunk_id == chunk_id]
        hit = group[0].hit
        spans = [quote_source_span(hit, c.start, c.end, source_text) for c in group]
        quote_span = (min(s[0] for s in spans), max(s[1] for s in spans))
        citations.append(Citation(n, hit.chunk.report_id, hit.report.source, hit.report.title, hit.chunk.section_path,
                                  hit.chunk.text, hit.chunk.source_span, quote_span))
    if left_out:
        parts.append(LIST_CUT)
        notes.append(f"列表较长：只列出前{len(chosen)}条，其余见所引原文（可调 answer.max_sentences）。")
    text = "\n".join(parts) if len(chosen) > 1 or left_out else "".join(parts)
    return Answer(question, text, "extractive", False, False, citations, {"total": time.perf_counter() - started}, notes)
