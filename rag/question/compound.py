"""Questions that hold more than one question, and yes/no questions that compare with a number.

* 「网上可办率和审批时限压缩率分别达到多少？“零跑动”事项有多少项？」 asks three things. Each part is
  answered on its own (or marked as not found), so a one-figure answer never passes for all of them.
* 「立案结案率是否达到了100%？」 is a comparison: the verdict comes from the report's figure against
  the threshold (97% < 100% → 否), never from the mere presence of the words.

Pure text analysis, no model. The place and year the question names are carried into every part,
so each part still names its report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rag.lang.figures import Figure, find_figures
from rag.lang.years import YEAR_NIAN

_SENTENCE_END = re.compile(r"(?<=[？?；;])")
# 「A和B分别…」: the items before 分别 share the predicate after it.
_RESPECTIVELY = re.compile(r"分别")
_ITEM_JOIN = re.compile(r"以及|和|与|及|、")
# Context a part needs to name its report: years, 年度, and the words before the first item
# that name a place (kept as written).
_YEAR = YEAR_NIAN  # rag.lang.years
MAX_PARTS = 6  # beyond this a "question" is a pasted text, answered as one

# Comparison words of a yes/no question, with the test they stand for. Longest first.
_COMPARISONS: tuple[tuple[str, str], ...] = (
    ("不低于", ">="), ("不少于", ">="), ("不小于", ">="), ("不超过", "<="), ("不高于", "<="), ("不多于", "<="),
    ("超过了", ">"), ("超过", ">"), ("高于", ">"), ("多于", ">"), ("大于", ">"), ("突破", ">"),
    ("达到了", ">="), ("达到", ">="), ("达", ">="), ("以上", ">="),
    ("低于", "<"), ("少于", "<"), ("小于", "<"), ("不足", "<"), ("不到", "<"), ("以下", "<="),
    ("在", ""),  # only with 以上/以下 after the figure: 「在95%以上」
)
_COMPARE = re.compile(
    r"(?P<word>" + "|".join(w for w, _ in _COMPARISONS if w not in ("以上", "以下")) + r")\s*(?P<figure>[^，。？?；;]{1,16}?)"
    r"(?P<tail>以上|以下)?(?=了?吗|[？?，。；;]|$)"
)
_YESNO = re.compile(r"是否|有没有|是不是|吗[？?]?\s*$")


@dataclass(frozen=True)
class Threshold:
    """「是否达到100%」: the figure asked for is compared with ``value`` by ``op``."""

    op: str  # one of > >= < <=
    value: Figure
    words: str  # the comparison as written ("达到了100%")
    figure_question: str  # the same question asking for the figure ("立案结案率是多少？")


def sub_questions(question: str) -> list[str]:
    """The separate questions in ``question`` (itself alone when it asks one thing)."""
    text = question.strip()
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip(" ？?；;")]
    context = _context(text)
    parts: list[str] = []
    for sentence in sentences:
        parts.extend(_respectively(sentence))
    if len(parts) <= 1 or len(parts) > MAX_PARTS:
        return [text]
    return [p if _names_context(p, context) or not context else context + p for p in parts]


def _context(text: str) -> str:
    """The words that name the report: what stands before the first year, plus the year
    (「潼南区2020年网上可办率…」 → 「潼南区2020年」); "" when the question names no year."""
    m = _YEAR.search(text)
    return text[: m.end()] if m and m.start() <= 20 else ""


def _names_context(part: str, context: str) -> bool:
    return bool(_YEAR.search(part)) or part.startswith(context)


def _respectively(sentence: str) -> list[str]:
    """「A和B分别达到多少？」 → 「A达到多少？」「B达到多少？」."""
    m = _RESPECTIVELY.search(sentence)
    if not m:
        return [sentence]
    head, predicate = sentence[: m.start()], sentence[m.end() :]
    items = [i for i in _ITEM_JOIN.split(head) if i.strip()]
    if len(items) < 2:
        return [head + predicate]
    context = _context(items[0])
    first = items[0]
    rest = [context + i if context and not _YEAR.search(i) else i for i in items[1:]]
    return [item + predicate for item in [first, *rest]]


def threshold(question: str) -> Threshold | None:
    """The comparison a yes/no question makes with a figure, or None."""
    if not _YESNO.search(question):
        return None
    for m in _COMPARE.finditer(question):
        figures = [f for f in find_figures(m.group("figure")) if f.kind in ("number", "percent")]
        if not figures:
            continue
        word = m.group("tail") or m.group("word")
        op = dict(_COMPARISONS)[word]
        if not op:
            continue
        asked = question[: m.start()].replace("是否", "").replace("有没有", "").rstrip("已经了都均")
        return Threshold(op, figures[0], m.group(0), f"{asked}是多少？")
    return None


def _value(figure: Figure) -> Decimal | None:
    try:
        return Decimal(str(figure.key[1]))
    except (InvalidOperation, IndexError):
        return None


def compare(found: Figure, limit: Threshold) -> bool | None:
    """Whether the report's ``found`` figure passes the threshold; None when they cannot be compared
    (another unit, an estimate at the boundary, a masked figure)."""
    a, b = _value(found), _value(limit.value)
    if a is None or b is None or found.masked:
        return None
    if (found.kind == "percent") != (limit.value.kind == "percent"):
        return None
    unit, limit_unit = found.key[2], limit.value.key[2]
    if found.kind != "percent" and unit and limit_unit and unit != limit_unit:
        return None
    if found.key[3] and a == b:  # 「100余件」 against 100: more than 100, but 「约100」 cannot be decided
        return None if found.key[3] != "+" else limit.op in (">", ">=")
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[limit.op]
