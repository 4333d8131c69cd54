"""Expert flags of a one-page summary (rubric C1, C2, C6–C9): what an expert would want to know.

Absences are findings: a missing part, masked figures or names, a copy from a 范文 site, problems
without reasons or without a matching plan, plans answering no problem, a year that does not add
up, a late publication. ``rag.summary.build.build_summary`` calls ``quality_flags`` once the extractive
parts are built.
"""

from __future__ import annotations

import re

from rag.core.types import Report
from rag.lang.figures import find_figures
from rag.lang.years import YEAR_NIAN
from rag.report.themes import reason_given
from rag.summary.model import UNDETERMINED_NOTE, Flag, Summary, cite, element_heading, short_heading

PROBLEM_REASON_HEADING = re.compile(r"原因")
PLAN_HEADING_RE = re.compile(r"安排|打算|计划|思路|下一?步|下阶段")


def quality_flags(report: Report, summary: Summary) -> list[Flag]:
    """What an expert would want to know (rubric C1, C2, C6–C9): absences are findings."""
    flags: list[Flag] = []
    for element in summary.elements:
        if element.status == "undetermined" and element.key != "other":
            flags.append(Flag(f"undetermined_{element.key}", UNDETERMINED_NOTE[element.key]))
    if summary.element("responsibility").status == "folded":
        flags.append(Flag("no_responsibility_section", summary.responsibility_note,
                          summary.element("responsibility").citations))
    masked = [f for f in find_figures(report.text) if f.masked]
    numbers = [f.text for f in masked if not re.fullmatch(r"\*+", f.text)]
    words = len(masked) - len(numbers)
    if numbers or any(w.code == "masked_figures" for w in report.warnings):
        examples = "、".join(list(dict.fromkeys(numbers))[:5])
        flags.append(Flag("masked_figures", f"{len(numbers)}处数字被遮蔽（如 {examples}），无法核对"))
    names = next((w for w in report.warnings if w.code == "masked_names"), None)
    if words or names:
        count = re.match(r"原文有(\d+)处", names.message) if names else None
        n = int(count.group(1)) if count else words
        flags.append(Flag("masked_names", f"{n}处名称或文字被遮蔽（X/XX/***）" if n else "机关名称被遮蔽（X/XX）"))
    copied = next((w for w in report.warnings if w.code == "template_or_fanwen"), None)
    if copied:
        flags.append(Flag("not_official", "疑似范文/资料网站转载的文本，不是官方发布件；发布日期不可作准"))
    secs = report.sections_with_role("problems")
    if summary.problems:
        texts = " ".join(p.item.citations[0].quote for p in summary.problems)
        heading = element_heading(secs)
        if not any(p.reason_given for p in summary.problems) and not reason_given(texts):
            if PROBLEM_REASON_HEADING.search(heading):
                flags.append(Flag("no_reasons", f"标题“{heading}”含'原因'，但正文未分析原因"))
            else:
                flags.append(Flag("no_reasons", "问题部分未分析原因"))
        formulaic = [i + 1 for i, p in enumerate(summary.problems) if p.specificity == "套话"]
        if formulaic:
            flags.append(Flag("formulaic_problems", f"问题{'、'.join(map(str, formulaic))}仅以套话表述（有待/仍需/不够/进一步），未点明领域、单位或数据",
                              [summary.problems[i - 1].item.citations[0] for i in formulaic]))
        unanswered = [i + 1 for i, p in enumerate(summary.problems) if not p.plan_indexes]
        if unanswered and summary.plans:
            flags.append(Flag("problems_without_plan", f"问题{'、'.join(map(str, unanswered))}在下一年度安排中找不到对应措施"))
    idle = [j + 1 for j, p in enumerate(summary.plans) if not p.answers]
    if idle and summary.problems:
        flags.append(Flag("plans_without_problem", f"{len(idle)}/{len(summary.plans)}条安排不对应任何已列问题（第{'、'.join(map(str, idle[:8]))}{'…' if len(idle) > 8 else ''}条）"))
    flags.extend(_year_flags(report))
    if summary.basic.on_time is False and not copied:
        flags.append(Flag("late", f"发布日期 {summary.basic.date} 晚于次年3月31日"))
    return flags


def _year_flags(report: Report) -> list[Flag]:
    flags = [Flag("year_conflict", f"年度不一致：{w.message}") for w in report.warnings if w.code == "year_conflict"]
    year = report.meta.year
    if year is None or flags:
        return flags
    for section in report.sections:
        if section.role not in ("measures", "problems", "responsibility"):
            continue
        years = {int(m.group(1)) for m in YEAR_NIAN.finditer(section.heading)}
        plans_year = year + 1 if PLAN_HEADING_RE.search(section.heading) else year  # "存在问题及2021年工作安排"
        wrong = sorted(y for y in years if y not in (year, plans_year))
        if wrong:
            hs, he = section.heading_span
            flags.append(Flag("year_conflict", f"报告年度为{year}年，但标题“{short_heading(section.heading)}”写{wrong[0]}年",
                              [cite(report, hs, he)]))
    return flags
