"""Atomic problem statements and plan items of a report's problems / plans sections.

An item's ``text`` is always exactly ``clean.text[span[0]:span[1]]``: lead-ins ("经过梳理，…还存在
一定短板，比如"), numbering markers and trailing punctuation / "等等" are left out of the span rather
than edited out of the text.

Splitting follows the author's own enumeration first: child headings (（一）, 1.), then run-in
一是/二是, then semicolons. Only a problems paragraph with no enumeration at all is split on commas,
and only when every clause ends in a hedge or deficit predicate (不到位, 有待…, 不够…): "部分干部
职工对法治的价值认识不到位，依法行政意识、依法办事能力还有待进一步提高，法制队伍建设有待进一步加强"
holds three problems; "能按要求落实…，但方式方法还不够新颖" holds one.
"""

from __future__ import annotations

import re

from rag.core.types import CleanText, Item, Section
from rag.lang.sentences import FULL_STOP, sentence_spans
from rag.report.headings import find_runins, split_lines

_TRIM_END = " \t\u3000\n*；;，,。、：:"
_TRIM_START = " \t\u3000\n*：:，,、"
_ETC = re.compile(r"([，,]?\s*等等|[，,]\s*等)\s*[。；;]?\s*$")  # not the 等 of 平等
_LEAD_IN = re.compile(
    r"[^。：:；;]{0,80}?(比如|例如|譬如|具体(表现|体现)(为|在)|主要(表现|体现)(为|在)|主要(是|有)|表现(为|在))\s*[：:，,]?"
)
_GENERIC_SENTENCE = re.compile(
    r"[^。]{0,80}(存在|还有|仍有|也有|尚有)着?(一些|一定的?|部分|诸多|不少|某些|以下|如下|几个方面的?|若干|许多|较多)?的?"
    r"(不足|问题|短板|差距|弱项|困难)(之处|和不足|和问题|和短板)?"
    r"(主要(是|有|表现在))?\s*[。：:]"
)
_INTRO_ONLY = re.compile(r"[：:]\s*$|(如下|以下几?(点|个方面|方面))[。：:]?\s*$")
HEDGE_END = re.compile(
    r"(不到位|不够[\u4e00-\u9fff]{0,4}|不足|不强|不高|不多|不深|不细|不实|不广|不全|不一|不够|滞后|薄弱|欠缺|落后"
    r"|缺乏[\u4e00-\u9fff]{0,6}|有待[\u4e00-\u9fff]{0,8}|需要?进一步[\u4e00-\u9fff]{0,6}|仍需[\u4e00-\u9fff]{0,8}"
    r"|还需[\u4e00-\u9fff]{0,8}|亟[需待][\u4e00-\u9fff]{0,6}|不完善|不健全|不规范|不平衡|不充分|不明显|不深入|不彻底"
    r"|较弱|较低|偏弱|偏低|依然存在|仍然存在|时有发生|参差不齐|有差距|存在差距|不够到位|还不够|尚未[\u4e00-\u9fff]{0,6})$"
)
# A deficit stated anywhere in a sentence (HEDGE_END without its end anchor).
_DEFICIT = re.compile(HEDGE_END.pattern.removesuffix("$"))
# 「…仍有一些短板需要正视。」: a sentence that announces the problems without stating one.
_ANNOUNCES = re.compile(r"(存在|还有|仍有|也有|尚有|有)[^。！？]{0,6}(不足|问题|短板|差距|弱项|薄弱环节|困难)")
_REASON = re.compile(r"^(究其原因|原因|分析原因|主要原因|之所以)")
MAX_ITEM_HEADING = 25


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM_START:
        start += 1
    while True:
        m = _ETC.search(text, start, end)
        if m and m.start() > start:
            end = m.start()
        while end > start and text[end - 1] in _TRIM_END:
            end -= 1
        if not (m and m.start() > start):
            break
    return start, end


def _item(clean: CleanText, start: int, end: int, marker: str, heading: str = "") -> Item | None:
    start, end = _trim(clean.text, start, end)
    if end - start < 2:
        return None
    return Item(clean.text[start:end], marker, (start, end), clean.source_span(start, end), heading)


def _first_sentence_heading(text: str, start: int, end: int) -> str:
    m = FULL_STOP.search(text, start, end)
    if m and m.start() - start <= MAX_ITEM_HEADING and text[m.end() : end].strip(_TRIM_END):
        return text[start : m.start()].strip(_TRIM_START + _TRIM_END)
    return ""


def strip_lead_in(text: str, start: int, end: int) -> int:
    """Offset after a lead-in at ``text[start:end]`` ("经过梳理，…比如", "但还存在一些不足。比如：")."""
    pos = start
    m = _GENERIC_SENTENCE.match(text, pos, end)
    if m and text[m.end() : end].strip(_TRIM_END):
        pos = m.end()
    m = _LEAD_IN.match(text, pos, end)
    if m and text[m.end() : end].strip(_TRIM_END):
        pos = m.end()
    return pos


def _comma_clauses(text: str, start: int, end: int) -> list[tuple[int, int]] | None:
    """Clauses of ``text[start:end]`` when it is a comma-joined list of deficits, else None."""
    body_end = end
    while body_end > start and text[body_end - 1] in _TRIM_END:
        body_end -= 1
    if FULL_STOP.search(text, start, body_end):
        return None  # several sentences: not a single comma-joined list
    clauses: list[tuple[int, int]] = []
    pos = start
    for m in re.finditer(r"[，,]", text[start:body_end]):
        clauses.append((pos, start + m.start()))
        pos = start + m.end()
    clauses.append((pos, body_end))
    if len(clauses) < 2:
        return None
    for a, b in clauses:
        clause = text[a:b].strip()
        if len(clause) < 4 or not HEDGE_END.search(clause):
            return None
    return clauses


def _deficit_sentences(text: str, start: int, end: int) -> list[tuple[int, int]] | None:
    """Sentences of an unnumbered problems paragraph when each states a deficit, else None.

    Many reports list their problems as plain sentences, with no 一是/（一）: 「…仍有一些短板需要正视。
    部分镇街…重视程度不够均衡…。行政执法规范化水平有待提高…。」. An announcing first sentence is
    dropped, a reason sentence (究其原因…) stays with the problem before it, and the paragraph is left
    whole unless at least two sentences state a deficit and every other one is a reason.
    """
    spans = [(a, b) for a, b in sentence_spans(text, start, end) if text[a:b].strip(_TRIM_END)]
    if len(spans) < 3:
        return None
    if _ANNOUNCES.search(text[spans[0][0] : spans[0][1]]):
        spans = spans[1:]
    out: list[tuple[int, int]] = []
    for a, b in spans:
        sentence = text[a:b].strip(_TRIM_START)
        if _REASON.match(sentence) and out:
            out[-1] = (out[-1][0], b)
        elif _DEFICIT.search(sentence):
            out.append((a, b))
        else:
            return None
    return out if len(out) >= 2 else None


def plain_items(clean: CleanText, start: int, end: int, kind: str) -> list[Item]:
    """Items of a region without headings: run-ins, else semicolons, else (problems) comma lists."""
    text = clean.text
    runins = find_runins(text, start, end)
    if runins:
        out: list[Item] = []
        for i, r in enumerate(runins):
            stop = runins[i + 1].start if i + 1 < len(runins) else _paragraph_end(text, r.start, end)
            heading = _first_sentence_heading(text, r.marker_end, stop)
            item = _item(clean, r.marker_end, stop, r.marker, heading)
            if item:
                out.append(item)
        return out
    out = []
    for line in split_lines(text, start, end):
        a = strip_lead_in(text, line.start, line.end)
        if a >= line.end or not text[a : line.end].strip(_TRIM_END):
            continue
        if a == line.start and _INTRO_ONLY.search(line.text) and len(line.text) < 150:
            continue  # "重点抓好以下几点：": an introduction, not an item
        pieces = [(a, line.end)]
        marker = ""
        semis = [m.start() for m in re.finditer(r"[；;]", text[a : line.end])]
        if semis:
            bounds = [a, *[a + s + 1 for s in semis], line.end]
            pieces = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
            pieces = [(p, q) for p, q in pieces if text[p:q].strip(_TRIM_END)]
            marker = "；" if len(pieces) > 1 else ""
        if len(pieces) == 1 and kind == "problems":
            sentences = _deficit_sentences(text, a, line.end)
            clauses = None if sentences else _comma_clauses(text, a, line.end)
            if sentences:
                pieces, marker = sentences, "。"
            elif clauses:
                pieces, marker = clauses, "，"
        for p, q in pieces:
            heading = _first_sentence_heading(text, p, q) if marker == "" else ""
            item = _item(clean, p, q, marker, heading)
            if item:
                out.append(item)
    return out


def _paragraph_end(text: str, pos: int, limit: int) -> int:
    nl = text.find("\n", pos, limit)
    return limit if nl < 0 else nl


def _title_start(text: str, section: Section) -> int:
    pos = section.heading_span[0]
    idx = text.find(section.number, pos, section.heading_span[1] + len(section.number)) if section.number else -1
    pos = idx + len(section.number) if idx >= 0 else pos
    while pos < section.span[1] and text[pos] in " \t\u3000*":
        pos += 1
    return pos


def _own_text_blank(text: str, section: Section) -> bool:
    first_child = section.children[0].span[0] if section.children else section.span[1]
    return not text[section.heading_span[1] : first_child].strip(_TRIM_END)


def section_items(clean: CleanText, section: Section, kind: str) -> list[Item]:
    """Items of one problems/plans section (or of one part of a split merged section).

    The author's first level of enumeration gives the items; a child that is only a container
    (a heading line with numbered children and no text of its own, like 001's "(一)“十四五”期间…",
    or a title sentence followed straight by 一是…二是…, like 001's "3.持续推进法治建设的重点工作。
    一是…八是…") is replaced by its children, down to the 一是 level. Run-in 一是… that follow
    text of the item's own stay part of that item.
    """
    text = clean.text
    start = section.heading_span[1]
    if not section.children:
        return plain_items(clean, start, section.span[1], kind)
    out: list[Item] = []
    for child in section.children:
        if child.children and _own_text_blank(text, child) and not child.number.endswith("是"):
            out.extend(section_items(clean, child, kind))
            continue
        title_start = _title_start(text, child)
        heading = ""
        h_end = child.heading_span[1]
        # only a real title counts as the item's heading: a whole heading line or a first sentence,
        # not the first clause a long numbered sentence was cut at
        if h_end > title_start and (text[h_end - 1] in "。！？!?" or text[h_end : h_end + 1] in ("", "\n")):
            heading = text[title_start:h_end].strip(_TRIM_START + _TRIM_END)
        item = _item(clean, title_start, child.span[1], child.number, heading)
        if item:
            out.append(item)
    return out
