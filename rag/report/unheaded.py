"""Problems and plans parts that close the last section without headings of their own.

Two classes of real reports (docs/report-patterns.md §12 d33, §13.3, §17.3, §19):

* the year's work under its headings, then a paragraph that turns to the deficits (「同时也要看到，
  我镇…还有一些不足。…」) and one that turns to next year (「下一步，…将…」), both unheaded, closing the
  last measures section;
* a copy whose reader lost the part headings (an HTML page whose ``<h2>`` the extractor dropped): after
  the measures, a run of 一是/二是… deficit items, then a run that starts again at 一是 with the tasks.

``tail_parts`` finds both turns inside one section body and returns the problems and plans parts, or
None when the body does not show both (one 「但也要看到…」 sentence stays inline).
"""

from __future__ import annotations

import re

from rag.core.types import CleanText, Section
from rag.report.headings import Line, split_lines
from rag.report.role_scoring import body_cues
from rag.report.roles import INLINE_PROBLEMS, find_plan_turn

_FIRST_ITEM = re.compile(r"\s*一是")
_ITEM = re.compile(r"\s*[一二三四五六七八九十]{1,3}是")


def _deficits(text: str) -> int:
    cues = body_cues(text)
    return round(cues.deficit * cues.sentences)


def _problems_start(text: str, lines: list[Line]) -> int | None:
    """Index of the line that opens the problems: a lead paragraph with two deficit sentences at least,
    or the first line of a 一是/二是… run whose items are mostly deficits (two at least)."""
    for i, line in enumerate(lines[1:], 1):
        if INLINE_PROBLEMS.match(text, line.start, line.end) and _deficits(line.text) >= 2:
            return i
        if _FIRST_ITEM.match(line.text):
            run = [line]
            for nxt in lines[i + 1 :]:
                if not _ITEM.match(nxt.text) or _FIRST_ITEM.match(nxt.text):
                    break
                run.append(nxt)
            deficit = sum(1 for ln in run if _deficits(ln.text) >= 1)
            if len(run) >= 2 and deficit >= 2 and deficit * 2 >= len(run) + 1:
                return i
    return None


def _plans_start(text: str, lines: list[Line], first: int) -> int | None:
    """Index of the line after the problems that turns to next year (「下一步，…」) or starts the
    item numbering again at 一是."""
    for j in range(first + 1, len(lines)):
        line = lines[j]
        if find_plan_turn(text, line.start, line.end) == line.start or _FIRST_ITEM.match(line.text):
            return j
    return None


def tail_parts(text: str, clean: CleanText, start: int, end: int) -> tuple[Section, Section] | None:
    """The unheaded problems and plans parts closing ``text[start:end]``, or None."""
    lines = [ln for ln in split_lines(text, start, end) if ln.text.strip()]
    first = _problems_start(text, lines)
    if first is None:
        return None
    turn = _plans_start(text, lines, first)
    if turn is None:
        return None
    a, b = lines[first].start, lines[turn].start
    if _deficits(text[a:b]) < 2:
        return None
    after = body_cues(text[b:end])
    if after.future < 0.2 or after.deficit >= 0.5 or after.sentences < 1:
        return None
    out = []
    for role, (s, e), why in (("problems", (a, b), "没有标题：收在最后一节末尾、多句为不足表述的段落或条目"),
                              ("plans", (b, end), "没有标题：问题之后以“下一步”开头或重新从“一是”编号的段落")):
        lead = lead_sentence(text, s, e)
        sec = Section(text[s:lead], "", 1, role, (s, e), (s, lead), clean.source_span(s, e))  # type: ignore[arg-type]
        sec.role_confidence = 0.65
        sec.role_evidence = why
        out.append(sec)
    return out[0], out[1]


def lead_sentence(text: str, start: int, end: int) -> int:
    """End of the first sentence of ``text[start:end]``: it stands as the heading of a part that has
    none (「同时也要看到，…还存在一些问题。」), so the part can be shown and cited by it."""
    m = re.compile(r"[。！？!?：:\n]").search(text, start, min(end, start + 80))
    return m.end() if m and text[m.start()] != "\n" else (m.start() if m else min(end, start + 40))
