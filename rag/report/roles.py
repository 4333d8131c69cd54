"""Roles of top-level sections (the five required parts of a report) from their headings.

The lexicons follow domain-notes §1 (the five parts), §3.2 (skeletons) and §3.3 (problem and plan
heading variants). Headings that name none of the parts (slogan-style headings such as
"一、充分发挥中枢协调作用…") are classified by position: before the first problems/plans section
they describe the year's work (``measures``), after it they are ``other``. Roles from all the
evidence (wording, body, position) with confidences: ``rag.report.role_scoring``.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])\s*")

# 薄弱 is a deficit word like 不足 (「存在的薄弱环节」, 「薄弱环节和问题」): it outweighs the neutral 环节
# (report-patterns §19)
PROBLEMS = re.compile(
    r"存在(的)?(主要|突出)?(问题|不足|短板|差距|困难|弱项|薄弱)|^(主要)?薄弱环节"
    r"|(问题|不足|困难|短板|差距|弱项)(和|及|与|、)(原因|不足|问题|差距|短板|弱项|难点|困难)"
    r"|^(主要|突出)?(问题|不足|短板|差距|困难)"
    r"|不足之处|(存在|面临)(的)?挑战"
)
PLANS = re.compile(
    r"下一?(年度|步|阶段|年)|下步|今后|明年|来年|展望"
    r"|(工作|主要)(安排|打算|计划|思路|重点|方向)|(安排|打算|计划)$"
    r"|思路|改进措施|整改(措施|方向|举措)|努力方向|(意见|对策)(和|及|与)?建议"
)
RESPONSIBILITY = re.compile(r"第一责任人|主要负责人(履行|推进)|履行推进法治建设")
OTHER = re.compile(r"其[他它](需要)?报告|其[他它]事项|^其[他它]")
MEASURES = re.compile(
    r"举措|成效|成绩|开展情况|工作情况|主要工作|主要做法|基本情况|进展情况|落实情况|完成情况|工作总结|做法和成效"
    r"|建设情况|工作概况|总体情况|推进情况|主要措施"
)
# Problem headings that are really slogans about fixing problems ("着力破解难题…") are measures.
_NOT_PROBLEMS = re.compile(r"(补齐|补强|弥补|破解|解决|整改|化解|攻克|缩小)[^，,]{0,4}(短板|差距|问题|困难|弱项|不足|薄弱)"
                           r"|(加强|夯实|强化)[^，,]{0,4}薄弱")


_DEFICIT_WORD = re.compile(r"问题|不足|困难|短板|差距|弱项|薄弱|挑战|难点")


def mentions_deficit(heading: str) -> bool:
    """Whether a heading names a deficit word outside the lexicon's phrasings (「工作中的问题」), and
    is no slogan about fixing one (「着力破解难题」): weak evidence, to be confirmed by the body."""
    title = heading_title(heading)
    return bool(_DEFICIT_WORD.search(title)) and not _NOT_PROBLEMS.search(title)


def heading_title(heading: str) -> str:
    """The heading without its numbering token and trailing punctuation."""
    return _NUMBER.sub("", heading, count=1).strip().rstrip("。：:；;，, ")


def heading_role(heading: str) -> str | None:
    """Role named by a top-level heading; "merged" for problems-and-plans; None if unnamed."""
    title = heading_title(heading)
    problems = bool(PROBLEMS.search(title)) and not _NOT_PROBLEMS.search(title)
    if problems and PLANS.search(title.split("问题", 1)[-1] if "问题" in title else title):
        return "merged"
    if problems:
        return "problems"
    if RESPONSIBILITY.search(title):
        return "responsibility"
    if OTHER.search(title):
        return "other"
    if PLANS.search(title):
        return "plans"
    if MEASURES.search(title):
        return "measures"
    return None


# Where a merged "problems and plans" section turns to next year (a paragraph or sentence start).
PLAN_TURN = re.compile(
    r"(20\d\d年是|20\d\d年[，,]?\s*(我|本|区|市|县|镇|街道|全)[^。]{0,12}(将|要|继续)|20\d\d年[，,]?\s*(将|要)"
    r"|下一步[，,：:]?|下步[，,：:]?|下一年度|今后[，,]|接下来|明年|新的一年|"
    r"重点抓好|(我们|我办|我厅|我局|我区|我市|我县|我委)将)"
)
_SENTENCE_START = re.compile(r"(?<=[。！？!?\n])")

# Inline problems paragraph (domain-notes §3.3 B, last bullet); measured against the requirements
# (「对照上级要求，我局工作中还有一些问题需要正视。」, report-patterns §19) like 「与…相比」.
INLINE_PROBLEMS = re.compile(
    r"(但|同时|然而|清醒(地)?(认识|看到)|也要看到|在肯定成绩的同时|与[^。]{1,30}相比|对照[^。，,]{1,30}[，,])"
    r"[^。]{0,60}(存在|仍有|还有|尚有|不足|差距|短板|弱项)"
)


def find_plan_turn(text: str, start: int, end: int) -> int | None:
    """Offset in ``text[start:end]`` where the text turns from problems to next year's plans.

    Only sentence and paragraph starts are candidates; ``start`` itself counts as one.
    """
    starts = [start] + [m.start() for m in _SENTENCE_START.finditer(text, start + 1, end)]
    for pos in starts:
        while pos < end and text[pos] in "\n \u3000":
            pos += 1
        if pos < end and PLAN_TURN.match(text, pos, end):
            return pos
    return None
