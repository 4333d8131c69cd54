"""Hand-built Report objects for the chunk / store tests (no dependency on the parser).

``build_report`` finds headings with a deliberately simple line-based outline:
``一、`` (level 1), ``（一）`` (level 2), ``1.`` (level 3); text before the first ``一、`` is the
preamble. Cleaned text == source text, offsets are the identity shifted by ``offset_shift``
(so tests can tell a cleaned span from a source span).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rag.core.types import CleanText, Report, ReportMeta, Section, SourceDocument

LEVELS = (
    (1, re.compile(r"[一二三四五六七八九十]{1,3}、")),
    (2, re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)]")),
    (3, re.compile(r"\d{1,2}[.．、](?!\d)")),
)
ROLE_WORDS = (("problems", ("问题", "不足", "短板")), ("plans", ("打算", "安排", "计划")),
              ("responsibility", ("第一责任人",)))


def _role(heading: str) -> str:
    for role, words in ROLE_WORDS:
        if any(w in heading for w in words):
            return role
    return "measures"


def _heading_end(text: str, start: int, line_end: int) -> int:
    """Whole line when it is short, else up to the first 。 (a run-in heading)."""
    line = text[start:line_end]
    if len(line) <= 40 and "。" not in line[:-1]:
        return line_end
    stop = line.find("。")
    return start + stop + 1 if 0 <= stop < 60 else line_end


def build_report(
    text: str,
    report_id: str = "r1",
    path: str | Path | None = None,
    region: str = "测试区",
    year: int | None = 2020,
    title: str = "",
    offset_shift: int = 0,
) -> Report:
    path = str(path or f"/tmp/{report_id}.txt")
    source_text = " " * offset_shift + text
    source = SourceDocument(
        path=path, name=Path(path).name, text=source_text, format="txt", encoding="utf-8",
        sha256=hashlib.sha256(source_text.encode("utf-8")).hexdigest(), size_bytes=len(source_text.encode()),
    )
    clean = CleanText(text=text, offsets=tuple(range(offset_shift, offset_shift + len(text))))
    heads: list[tuple[int, int, int, int]] = []  # level, start, heading_end, line_end
    pos = 0
    for line in text.split("\n"):
        stripped = line.lstrip(" \u3000")
        start = pos + len(line) - len(stripped)
        for level, pattern in LEVELS:
            if pattern.match(stripped):
                heads.append((level, start, _heading_end(text, start, pos + len(line)), pos + len(line)))
                break
        pos += len(line) + 1
    top: list[Section] = []
    stack: list[Section] = []
    first_top = next((h[1] for h in heads if h[0] == 1), len(text))
    if text[:first_top].strip():
        top.append(Section("", "", 1, "preamble", (0, first_top), (0, 0), (offset_shift, offset_shift + first_top)))
    for i, (level, start, h_end, _) in enumerate(heads):
        end = next((h[1] for h in heads[i + 1 :] if h[0] <= level), len(text))
        if level > 1 and not stack:
            continue  # a sub-heading in the preamble: leave it as preamble text
        while stack and stack[-1].level >= level:
            stack.pop()
        heading = text[start:h_end]
        role = _role(heading) if level == 1 else stack[0].role
        section = Section(heading, heading[:4], level, role, (start, end), (start, h_end),
                          clean.source_span(start, end))
        (stack[-1].children if stack else top).append(section)
        stack.append(section)
    meta = ReportMeta(title=title or f"{region}{year or ''}年度法治政府建设情况报告", region=region, year=year)
    return Report(report_id=report_id, source=source, clean=clean, meta=meta, sections=top)


SAMPLE = """测试区人民政府关于2020年度法治政府建设情况的报告
2020年，测试区坚持以习近平法治思想为指导，扎实推进法治政府建设。现将有关情况报告如下：
一、工作开展情况
（一）加强组织领导
区政府常务会议专题研究法治政府建设4次。主要负责人认真履行第一责任人职责。全年开展会前学法12次，领导干部学法用法水平明显提升。
（二）推进政务公开
全年主动公开政府信息3200条。共收到依申请公开56件，均在法定期限内答复。政务公开平台建设不断完善；政策解读率达100%。
（三）规范行政执法
全面落实行政执法三项制度，组织执法人员培训3期。开展“双随机、一公开”抽查120次！行政复议案件办结率98%？
二、存在的问题
一是法治意识有待增强，部分领导干部运用法治思维的能力不足。二是基层执法力量薄弱，执法人员素质参差不齐。
三、下一步工作打算
（一）加强学习。深入学习贯彻习近平法治思想。
（二）强化执法监督。完善行政执法监督机制，提升执法规范化水平。
"""
