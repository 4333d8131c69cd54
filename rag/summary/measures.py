"""Measures and achievements for each measure area (issue 14), extractive.

A measure area is a second-level section of a measures part (（一）依法全面履行政府职能), or the
part itself when it has none. In each area every sentence is compressed to its most informative
verbatim phrase: the run of whole clauses (rag.lang.sentences.clause_spans) that carries the most
figures, firsts, honours and named mechanisms (rag.lang.emphasis) for its length. The best phrases
of each area become its items, ranked; the page is then filled area by area, best first
(``rag.summary.render.fit_to_page`` drops the lowest-ranked phrases first). Each phrase cites the
clause run it was cut from. Area titles are shortened at clause or word boundaries, never mid-word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.core.types import Report, Section
from rag.lang.emphasis import highlights, informativeness
from rag.lang.sentences import clause_spans, sentence_spans
from rag.lang.words import cut_at_word
from rag.summary.model import MeasureGroup, SummaryItem, body_span, cite, real_figures

PHRASE_MAX = 44  # characters of one phrase; a clause longer than this is cut at a word boundary
PER_AREA = 6  # ranked phrases kept per area before the page is fitted (the page keeps fewer)
SHORT_CLAUSE = 10  # an opening clause shorter than this (标准在全市处于前列) takes the clause before it
RUN_IN_TITLE_MAX = 20  # an enumerated sentence this short is a run-in title (一是明确工作责任。)
MIN_PLAIN = 12  # a phrase with no figure, first, honour or name must say at least this much
TITLE_MAX = 14
LONG_MAX = 80  # characters of a phrase's longer version (whole clauses around it)
LENGTH_COST = 0.02  # informativeness one character of phrase costs (44 characters ≈ one figure)
_NUMBERING = re.compile(r"\s*(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、.．]|\d+[、.．]|[一二三四五六七八九十]+是)\s*")
_LEAD = re.compile(r"(?:[一二三四五六七八九十]+是|同时|其中|此外|另外|今年以来|全年|目前)[，,、：:]?")
_TRAIL = "，,、；;：:。"


@dataclass
class Phrase:
    start: int  # cleaned-text span of the phrase
    end: int
    text: str
    score: float
    long_start: int = 0  # the phrase with its neighbouring clauses, up to LONG_MAX characters
    long_end: int = 0

    @property
    def span(self) -> tuple[int, int]:
        return (self.long_start, self.long_end) if self.long_end else (self.start, self.end)


def measure_areas(report: Report) -> list[Section]:
    areas: list[Section] = []
    for top in report.sections_with_role("measures"):
        subs = [c for c in top.children if c.level == 2]
        for area in subs or [top]:
            start, end = body_span(area)
            if report.text[start:end].strip():
                areas.append(area)
    return areas


def area_title(heading: str, limit: int = TITLE_MAX) -> str:
    """A measure area's heading, short: numbering off, cut at its run-in end, then at a comma, then
    after a whole word (“…” marks a word cut)."""
    head = heading.strip().strip("*")
    head = head[m.end():] if (m := _NUMBERING.match(head)) else head
    m = re.search(r"[。：:；;！!]", head)
    if m and m.start() >= 2:
        head = head[: m.start()]
    if len(head) <= limit:
        return head
    clauses = [c for c in re.split(r"[，,]", head) if c]
    for clause in clauses:
        if 4 <= len(clause) <= limit:
            return clause
    cut = _balanced(cut_at_word(head, limit - 1) or head[: limit - 1])
    return cut + "…"


def _balanced(text: str) -> str:
    """``text`` without an opening quote or 《 left unclosed at its end (and the 和/及 before it)."""
    for opening, closing in (("“", "”"), ("《", "》"), ("「", "」")):
        if text.count(opening) > text.count(closing):
            text = text[: text.rfind(opening)]
    return text.rstrip("和及与、，,")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop an enumerator or a connective before the phrase and the punctuation after it."""
    m = _LEAD.match(text, start, end)
    if m and m.end() < end:
        start = m.end()
    while end > start and text[end - 1] in _TRAIL:
        end -= 1
    return start, end


def _cut_long(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """A clause longer than ``limit``: keep from its start (or from just before its first signal) to
    the last word boundary that fits."""
    found = highlights(text[start:end])
    if found and found[0].end > limit:
        lead = text.rfind("、", start, start + found[0].start)
        start = lead + 1 if lead >= 0 else start + found[0].start
    kept = _balanced(cut_at_word(text[start:end], limit))
    return start, start + (len(kept) if len(kept) >= limit // 2 else len(cut_at_word(text[start:end], limit)))


def best_phrase(text: str, start: int, end: int, score: Callable[[str], float] = informativeness,
                limit: int = PHRASE_MAX) -> Phrase | None:
    """The verbatim clause run of ``text[start:end]`` (one sentence) with the best score for its
    length; the first clauses when no clause scores above zero."""
    clauses = clause_spans(text, start, end)
    if not clauses:
        return None
    scores = [score(text[a:b]) for a, b in clauses]
    best: tuple[float, int, int] | None = None
    if max(scores) > 0:
        for i in range(len(clauses)):
            total = 0.0
            for j in range(i, len(clauses)):
                total += scores[j]
                length = clauses[j][1] - clauses[i][0]
                if length > limit and j > i:
                    break
                value = total - LENGTH_COST * min(length, limit)
                if (scores[i] > 0 or scores[j] > 0) and (best is None or value > best[0]):
                    best = (value, i, j)
        assert best is not None
        _, i, j = best
        # A short opening clause ("成功率为78.43%") needs the clause before it to say what it measures.
        if (i > 0 and clauses[i][1] - clauses[i][0] < SHORT_CLAUSE and clauses[i - 1][1] - clauses[i - 1][0] <= 16
                and clauses[j][1] - clauses[i - 1][0] <= limit + 8):
            i -= 1
    else:  # no signal: the first clauses that are not slogan (高度重视…，始终把…摆在…)
        i = next((k for k, sc in enumerate(scores) if sc >= 0), 0)
        j = i
        while j + 1 < len(clauses) and scores[j + 1] >= 0 and clauses[j + 1][1] - clauses[i][0] <= limit // 2:
            j += 1
    a, b = _trim(text, clauses[i][0], clauses[j][1])
    if b - a > limit + 8:
        a, b = _cut_long(text, a, b, limit)
        a, b = _trim(text, a, b)
    if b - a < 4:
        return None
    phrase = text[a:b]
    out = Phrase(a, b, phrase, round(score(phrase) - LENGTH_COST * len(phrase), 3))
    li, lj = i, j  # the longer version: neighbouring clauses, after first, while it stays short
    while True:
        if lj + 1 < len(clauses) and clauses[lj + 1][1] - clauses[li][0] <= LONG_MAX:
            lj += 1
        elif li > 0 and clauses[lj][1] - clauses[li - 1][0] <= LONG_MAX:
            li -= 1
        else:
            break
    la, lb = _trim(text, clauses[li][0], clauses[lj][1])
    if (li, lj) != (i, j) and la <= a and lb >= b and lb - la > b - a:
        out.long_start, out.long_end = la, lb
    return out


def _sentence_phrases(report: Report, start: int, end: int, skip: set[tuple[int, int]]) -> list[Phrase]:
    found = []
    for s, e in sentence_spans(report.text, start, end, semicolons=True):
        numbering = _NUMBERING.match(report.text, s, e)
        if numbering and numbering.end() < e:
            s = numbering.end()  # "1." is an enumerator, not a figure
        signals = highlights(report.text[s:e])
        if (any(hs <= s < he for hs, he in skip) or (numbering and e - s <= RUN_IN_TITLE_MAX)) and not any(
                h.kind in ("figure", "percent", "first", "honour") for h in signals):
            continue  # a sub-heading ("1.行政审批制度改革深入推进。", "三是积极做好…工作。") says what follows shows
        phrase = best_phrase(report.text, s, e)
        if phrase is None or phrase.score <= -1.0 or (not signals and len(phrase.text) < MIN_PLAIN):
            continue
        found.append(phrase)
    found.sort(key=lambda p: (-p.score, p.start))
    return found


def area_phrases(report: Report, area: Section, per_area: int = PER_AREA) -> list[Phrase]:
    """The area's best phrases, best first, at most one per sentence. An area with sub-areas
    (1. 2. 3. under （一）) takes the best phrase of every sub-area before any second one."""
    start, end = body_span(area)
    heads = {s.heading_span for s in area.walk() if s is not area}
    subs = [c for c in area.children if report.text[c.span[0] : c.span[1]].strip()]
    if not subs:
        return _sentence_phrases(report, start, end, heads)[:per_area]
    pools = [_sentence_phrases(report, start, subs[0].span[0], heads)] if subs[0].span[0] > start else []
    pools += [_sentence_phrases(report, c.span[0], c.span[1], heads) for c in subs]
    ranked: list[Phrase] = []
    for depth in range(per_area):
        layer = sorted((pool[depth] for pool in pools if len(pool) > depth), key=lambda p: (-p.score, p.start))
        ranked.extend(layer)
    return ranked[: max(per_area, len(pools) + 1)]


def phrase_item(report: Report, phrase: Phrase, rank: int) -> SummaryItem:
    """An item showing the phrase's longer version while the page has room (``short_text`` = the phrase)."""
    start, end = phrase.span
    text = report.text[start:end]
    return SummaryItem(text, [cite(report, start, end)], "extractive", real_figures(text), phrase.score, rank,
                       phrase.text if text != phrase.text else "")


def measure_groups(report: Report, per_area: int = PER_AREA) -> list[MeasureGroup]:
    """One group per measure area: its short title and its ranked phrases (in reading order), each cited."""
    groups = []
    for area in measure_areas(report):
        ranked = area_phrases(report, area, per_area)
        items = [phrase_item(report, p, rank) for rank, p in sorted(enumerate(ranked), key=lambda r: r[1].start)]
        hs, he = area.heading_span
        groups.append(MeasureGroup(area_title(area.heading), items, cite(report, hs, he)))
    return groups
