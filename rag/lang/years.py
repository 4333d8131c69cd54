"""Years as these reports and their readers write them: the one home of year knowledge.

A year in a question plays one of four parts, and only some of them name a report:

* ``report``: the year reported on — 「2020年度」, 「2020年…报告」, a bare year in an English question;
* ``weak``: any other 「2020年」 — probably the report's year, but it only nudges;
* ``plan``: a year the plans are *for* — 「2021年工作安排」 stands in the report on 2020;
* ``content``: a year inside the content — 「2018年以来」, 「2019年度全省政务公开评估」 (a yearly
  assessment carries its own year, not the report's).

Retrieval (which report?) and answering (which figure?) both read these mentions from one analysis
of the question (rag.question.analysis).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

YEAR = r"(?:19|20)\d{2}"  # the years these reports speak of (the first reports are from 2004 on)
BARE_YEAR = re.compile(rf"(?<!\d)({YEAR})(?!\d)")
YEAR_NIAN = re.compile(rf"(?<!\d)({YEAR})\s*年(度)?")  # 2020年 / 2020年度
REPORT_YEAR = re.compile(rf"(?<!\d)({YEAR})\s*年度")  # 年度 names the year reported on
YEAR_WORD = re.compile(rf"(?<!\d){YEAR}\s*年?度?")  # a year as a word to drop from keywords

_CONTENT_AFTER = re.compile(r"(?:以来|以前|之前|以后|底|初|同期|上半年|下半年)")
_ASSESSMENT_AFTER_NIANDU = re.compile(r"(?:全省|全国|全市)?[^，,。？?]{0,8}(?:考核|评估|评比|排名|评议)")
_PLAN_AFTER = re.compile(r"工作安排|主要安排|安排|计划|打算|思路|下一步|下步|明年|下一年|来年|今后|改进措施|整改措施")
_PLAN_NEAR = re.compile(r"[^，,。？?]{0,8}(?:工作安排|主要安排|工作计划|工作思路)")
_REPORT_NEAR = re.compile(r"[^，,。？?]{0,10}报告")
_LATIN_WORD = re.compile(r"[A-Za-z]{3}")
# 「21年」「22年度」: a two-digit year of this century, not a count of years (近10年, 20年来, 满15年)
SHORT_YEAR_NIAN = re.compile(r"(?<![\d近前后这那每满超过达约数几余])([12]\d)\s*年(度)?"
                             r"(?!来|以来|前|后|内|间|多|里|半|左右|期间|以上|以下)")
_SHORT_REPORT_NEAR = re.compile(r"[^，,。？?]{0,10}(?:报告|年报|总结)")

YearRole = Literal["report", "weak", "plan", "content"]


@dataclass(frozen=True)
class YearMention:
    year: int
    role: YearRole
    text: str  # the substring that says it ("2020年度"), to strip from the question's topic
    start: int


def years_in(text: str) -> tuple[int, ...]:
    """Every four-digit year in ``text``, in order (with or without 年)."""
    return tuple(int(m.group(1)) for m in BARE_YEAR.finditer(text))


def year_mentions(text: str) -> tuple[YearMention, ...]:
    """The years a question mentions, each with the part it plays (see the module docstring).

    ``text`` should have its 文号 removed first: 〔2021〕 in a 文号 is the document's year.
    """
    found: list[YearMention] = []
    for m in YEAR_NIAN.finditer(text):
        year, after = int(m.group(1)), text[m.end() : m.end() + 12]
        role: YearRole
        if _CONTENT_AFTER.match(after) or (m.group(2) and _ASSESSMENT_AFTER_NIANDU.match(after)):
            role = "content"
        elif m.group(2) or _REPORT_NEAR.match(after):
            role = "report"
        elif _PLAN_AFTER.match(after.lstrip("的")) or _PLAN_NEAR.match(after):
            role = "plan"
        else:
            role = "weak"
        found.append(YearMention(year, role, m.group(0), m.start()))
    if not found:  # 「准旗21年的年报」: people shorten the year to two digits when they speak of a report
        for m in SHORT_YEAR_NIAN.finditer(text):
            after = text[m.end() : m.end() + 12]
            role = "report" if m.group(2) or _SHORT_REPORT_NEAR.match(after) else "weak"
            found.append(YearMention(2000 + int(m.group(1)), role, m.group(0), m.start()))
    if not any(f.role != "content" for f in found) and _LATIN_WORD.search(text):
        # English questions ("…in 2020?") write no 年: a bare year is the year reported on.
        found.extend(YearMention(int(m.group(1)), "report", m.group(1), m.start()) for m in BARE_YEAR.finditer(text))
    return tuple(found)


def date_as_written(text: str, iso: str) -> str:
    """The date ``iso`` (YYYY-MM-DD) as ``text`` writes it — 「2018年4月12日」, 「2018-04-12」 — the last such
    writing (a signature stands at the end), or ``iso`` itself when the text has none."""
    parts = iso.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return iso
    year, month, day = parts[0], int(parts[1]), int(parts[2])
    written = re.compile(rf"{year}\s*(?:年\s*0?{month}\s*月\s*0?{day}\s*日|[-/.]0?{month}[-/.]0?{day}(?!\d))")
    found = [m.group(0) for m in written.finditer(text)]
    return found[-1] if found else iso
