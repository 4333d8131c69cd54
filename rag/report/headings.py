"""Heading and enumeration detection for report text (one paragraph per line).

A heading is recognised only at the start of a paragraph line; numbering inside a paragraph is
never a heading. The one exception are the run-in enumerations 一是…二是…三是…, which report
writers put inside paragraphs; they are found by ``find_runins`` and only count when they form a
sequence (一是 then 二是 …).

Nominal ranks: 1 = ``一、`` / ``第一部分``, 2 = ``（一）`` / ``(一)``, 3 = ``1.`` ``1、`` ``1．``,
4 = ``（1）`` / ``(1)``, 5 = ``一是`` run-in.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rag.lang.figures import CN_DIGITS
from rag.lang.figures import cn_to_int as numeral_value
from rag.lang.sentences import FULL_STOP

# CN_DIGITS is imported from rag.lang.figures, where the numeral knowledge lives.
_CN_NUM = "一二三四五六七八九十"

# A run-in heading is the prefix up to the first sentence end, when that prefix is this short.
MAX_RUNIN_TITLE = 50
# A paragraph this short with no sentence end inside is a heading line as a whole.
MAX_HEADING_LINE = 60
MAX_CLAUSE_TITLE = 40

_SKIP = " \t\u3000*"  # leading layout and leftover markdown before a numbering token
_HEADING_RE = (
    ("part", 1, re.compile(r"第([一二三四五六七八九十]{1,3})部分[、，,：:．.\s]*")),
    ("cn", 1, re.compile(r"([一二三四五六七八九十]{1,3})\s*[、．.]")),
    ("paren_cn", 2, re.compile(r"[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]")),
    # not 「3.5亿元」, but 「5.2024年工作思路」 (a lost 五、 before a year) is a heading
    ("arabic", 3, re.compile(r"(\d{1,2})\s*[.．、](?!(?!(?:19|20)\d{2}\s*年)\d)")),
    ("paren_arabic", 4, re.compile(r"[（(]\s*(\d{1,2})\s*[）)]")),
)
_CLAUSE_END = re.compile(r"[，,；;：:]")
_RUNIN_RE = re.compile(r"([一二三四五六七八九十]{1,3})是")
_RUNIN_BEFORE = set("。；;：:！？!?，,\n")


def cn_to_int(token: str) -> int | None:
    """A heading ordinal: '一' -> 1, '十一' -> 11, '二十三' -> 23; None for anything else (headings
    never count past 99, so 一百 or 一〇 is no ordinal)."""
    if not token or any(ch not in CN_DIGITS and ch != "十" for ch in token) or "〇" in token or "零" in token:
        return None
    if len(token) > 1 and "十" not in token:
        return None
    value = numeral_value(token)
    return value if value is not None and 0 < value < 100 else None


@dataclass(frozen=True)
class Line:
    """One paragraph of the cleaned text: ``text == clean_text[start:end]`` (no newline)."""

    start: int
    end: int
    text: str


def split_lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """The non-blank lines of ``text[start:end]`` with their absolute offsets."""
    end = len(text) if end is None else end
    out: list[Line] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        if text[pos:stop].strip():
            out.append(Line(pos, stop, text[pos:stop]))
        pos = stop + 1
    return out


# A copy that lost every line break (document-sharing sites, report-patterns §14.3) runs its headings
# on inside one paragraph: 「…提供法治保障。一、主要举措和成效（一）强化…。（二）…。二、存在的问题…」.
MIN_RUN_ON = 300
_INLINE_TOP = re.compile(r"(?<=[。！？!?；;])[ \t\u3000]*([一二三四五六七八九十]{1,3})、")
_INLINE_SUB = re.compile(r"[（(]([一二三四五六七八九十]{1,3})[）)]")


def _counting_up(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[int]:
    """Starts of the markers of ``pattern`` in ``text[start:end]`` that count 一, 二, 三 … in order."""
    starts: list[int] = []
    for m in pattern.finditer(text, start, end):
        if cn_to_int(m.group(1)) == len(starts) + 1:
            starts.append(m.start(1) - (1 if pattern is _INLINE_SUB else 0))
    return starts if len(starts) >= 2 else []


# Document-sharing pages cut the text into numbered page chunks (「1、…」「2、…」) that start mid-sentence:
# 「…每季度至少开展一次集中学法，」 / 「2、带头进行法治专题导学。」 (report-patterns §15).
_CHUNK_MARK = re.compile(r"^\s*(\d{1,2})、")
MIN_CHUNK = 100
_OPEN_END = "。！？!?：:；;"


def drop_page_chunk_marks(lines: list[Line]) -> list[Line]:
    """``lines`` without the page-chunk numbers of a document-sharing copy, or unchanged.

    Chunk numbers are told from list items by their shape: they count 1, 2, 3… over long paragraphs,
    and at least one of them continues a sentence the previous paragraph left open.
    """
    marked = [(i, m) for i, ln in enumerate(lines) if (m := _CHUNK_MARK.match(ln.text))]
    if (len(marked) < 2 or [int(m.group(1)) for _, m in marked] != list(range(1, len(marked) + 1))
            or any(len(lines[i].text) < MIN_CHUNK for i, _ in marked[:-1])  # the last chunk may be short
            or not any(i > 0 and lines[i - 1].text.rstrip()[-1:] not in _OPEN_END for i, _ in marked)):
        return lines
    out = list(lines)
    for i, m in marked:
        out[i] = Line(lines[i].start + m.end(), lines[i].end, lines[i].text[m.end():])
    return out


def split_run_on(lines: list[Line], min_length: int = MIN_RUN_ON) -> list[Line]:
    """``lines`` with each long paragraph that holds run-on headings cut before them (一、… and the
    （一）… inside each part), so that headings start lines again. Offsets stay those of the text."""
    out: list[Line] = []
    for line in lines:
        top = _counting_up(_INLINE_TOP, line.text, 0, len(line.text)) if len(line.text) >= min_length else []
        if not top:
            out.append(line)
            continue
        bounds = [0, *top, len(line.text)]
        cuts: list[int] = []
        for a, b in itertools.pairwise(bounds):
            cuts.extend([a, *_counting_up(_INLINE_SUB, line.text, a, b)])
        for a, b in zip(cuts, [*cuts[1:], len(line.text)], strict=True):
            if line.text[a:b].strip():
                out.append(Line(line.start + a, line.start + b, line.text[a:b]))
    return out


@dataclass(frozen=True)
class HeadingMatch:
    style: str  # part, cn, paren_cn, arabic, paren_arabic
    rank: int  # nominal rank 1-4
    number: int
    marker: str  # the numbering token as written, e.g. "十一、", "(一)", "1. "
    start: int  # offsets relative to the line: numbering token start
    marker_end: int
    end: int  # end of the heading (a run-in heading stops after its first sentence)


def heading_end(text: str, pos: int) -> int:
    """Where a heading starting its title at ``pos`` ends within its paragraph ``text``."""
    rest = text[pos:]
    stripped = rest.rstrip()
    sentence = FULL_STOP.search(rest)
    if (sentence is None or sentence.end() >= len(stripped)) and len(stripped) <= MAX_HEADING_LINE:
        return pos + len(stripped)
    if sentence is not None and sentence.start() <= MAX_RUNIN_TITLE:
        return pos + sentence.end()
    clause = _CLAUSE_END.search(rest)
    if clause is not None and clause.start() <= MAX_CLAUSE_TITLE:
        return pos + clause.start()
    return pos  # a numbered paragraph without a short title: the heading is the number only


def match_heading(text: str) -> HeadingMatch | None:
    """The numbered heading at the start of paragraph ``text``, or None."""
    lead = len(text) - len(text.lstrip(_SKIP))
    for style, rank, pattern in _HEADING_RE:
        m = pattern.match(text, lead)
        if m is None:
            continue
        token = m.group(1)
        number = int(token) if token.isdigit() else cn_to_int(token)
        if number is None or number == 0 or number > 60:
            return None
        marker_end = m.end()
        while marker_end < len(text) and text[marker_end] in _SKIP:
            marker_end += 1
        rest = text[marker_end:]
        if not rest.strip() and style not in ("part",):
            return None  # a bare number on its own line is layout residue, not a heading
        if style == "cn" and re.match(r"[一二三四五六七八九十]{1,3}[、．.]", rest):
            return None  # "一、二、三产业": an enumeration inside a sentence
        if style == "arabic" and (rest[:1] in "%％" or re.match(r"\d(?!\d{3}\s*年)", rest)):
            return None
        end = heading_end(text, marker_end)
        while end > marker_end and text[end - 1] in _SKIP:
            end -= 1
        return HeadingMatch(style, rank, number, text[lead:marker_end].rstrip(_SKIP), lead, marker_end, max(end, marker_end))
    return None


@dataclass(frozen=True)
class RunIn:
    number: int
    marker: str  # "一是"
    start: int  # absolute offset of the marker
    marker_end: int


def _runin_candidates(text: str, start: int, end: int) -> list[RunIn]:
    out: list[RunIn] = []
    for m in _RUNIN_RE.finditer(text, start, end):
        number = cn_to_int(m.group(1))
        if number is None or number == 0:
            continue
        j = m.start() - 1
        while j >= start and text[j] in " \t\u3000*":
            j -= 1
        if j >= start and text[j] not in _RUNIN_BEFORE:
            continue
        if text[m.end() : m.end() + 1] in ("否", "非", "指"):
            continue
        out.append(RunIn(number, m.group(0), m.start(), m.end()))
    return out


def find_runins(text: str, start: int, end: int) -> list[RunIn]:
    """Run-in markers 一是/二是/… in ``text[start:end]`` that form sequences starting at 一是.

    A sequence needs at least two members in order; a later 一是 starts a new sequence. Only the
    first sequence found is returned (a second 一是…二是 block inside the same region belongs to
    a lower level, which the caller handles by searching inside each item).
    """
    seq: list[RunIn] = []
    for cand in _runin_candidates(text, start, end):
        if cand.number == 1:
            if len(seq) >= 2:
                break
            seq = [cand]
        elif seq and cand.number == seq[-1].number + 1:
            seq.append(cand)
    return seq if len(seq) >= 2 else []


def runin_title_end(text: str, marker_end: int, limit: int) -> int:
    """End of the short title after a run-in marker: its first sentence when short ("一是强化领导
    责任。"), else its first clause when short ("一是加强对本单位法治政府建设的组织领导"), else
    ``marker_end``."""
    m = FULL_STOP.search(text, marker_end, limit)
    if m is not None and m.start() - marker_end <= 30 and m.end() < limit:
        return m.end()
    c = _CLAUSE_END.search(text, marker_end, limit)
    if c is not None and 4 <= c.start() - marker_end <= 24:
        return c.start()
    return marker_end
