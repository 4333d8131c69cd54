"""Parse cleaned report text into a section tree with roles, problem and plan items, and warnings.

Layout of a parsed report (all spans in cleaned-text offsets):

* ``[0, body_start)`` is the header: page-title residue, the report title, the 文号 line. It belongs
  to ``Report.meta``, not to any section. A title glued to the first sentence by the cleaner
  ("…情况的报告2020年，在区委…") is cut at the end of the title.
* ``[body_start, body_end)`` is the body. The top-level sections tile it exactly, in order, with no
  gaps or overlaps: an optional ``preamble`` (text before the first top-level heading), then one
  section per top-level heading (a merged "存在问题及2021年工作安排" counts as two: its problems part
  and its plans part, both with ``split_from`` set; the plans part has an empty ``heading_span``
  where the text turns to next year, and keeps the merged heading as its label).
* ``[body_end, len)`` is the trailer: the signature (body, date) and leftover short chrome lines.

A section's span runs from the start of its heading paragraph to the start of the next heading of
the same or a higher level. ``level`` is the nominal level of the numbering style (1 一、, 2 （一）,
3 1., 4 （1）, 5 一是), except that top-level sections are always level 1 and a child is always
deeper than its parent. A report without any heading is one ``other`` section (warning
``no_structure``), unless its paragraphs turn to deficits and then to next year: then it is split
there into measures / problems / plans, each headed by its lead sentence. A problems paragraph
without a heading that closes the section before the plans becomes the problems part the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.core.errors import NotAReportError
from rag.core.protocols import Embedder
from rag.core.types import CleanText, Item, ParseWarning, Report, Section, SourceDocument
from rag.ingest.clean import MASK
from rag.report.bare_headings import bare_headings, hinted_texts
from rag.report.headings import (
    MIN_CHUNK,
    MIN_RUN_ON,
    HeadingMatch,
    Line,
    drop_page_chunk_marks,
    find_runins,
    match_heading,
    runin_title_end,
    split_lines,
    split_run_on,
)
from rag.report.items import plain_items, section_items
from rag.report.metadata import extract_meta, locate_header, locate_trailer
from rag.report.page_lines import page_info
from rag.report.parts import STATUS_LABELS, part_status
from rag.report.role_scoring import body_cues, score_roles
from rag.report.roles import INLINE_PROBLEMS, find_plan_turn, heading_role
from rag.report.shadow import restore_original, shadow_inputs
from rag.report.unheaded import lead_sentence, tail_parts

_REPORT_VOCAB = re.compile(r"法治|依法|法制")
_WORK_VOCAB = re.compile(r"政府|行政|工作|建设|执法|推进")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FIGURE_AFTER = set("件项个条次名人余万亿元%％月日天届批场份宗户类期家所")
_MASKED_YEAR = re.compile(r"20[XxＸｘ×*＊]{2}\s*年")
_FANWEN = re.compile(r"小编|范文|本站|供大家参考|会员资料|仅供学习|精心整理|整理的.{0,10}供|VIP会员|下载本文档")
MIN_REPORT_CHARS = 80


@dataclass
class _Node:
    rank: float
    number: int
    marker: str
    start: int
    heading_span: tuple[int, int]
    level: int = 1
    end: int = 0
    children: list[_Node] = field(default_factory=list)


def _check_is_report(doc: SourceDocument, text: str) -> None:
    cjk = len(_CJK.findall(text))
    longest = max((len(_CJK.findall(line)) for line in text.splitlines()), default=0)
    problems = []
    if cjk < MIN_REPORT_CHARS:
        problems.append(f"only {cjk} Chinese characters of text")
    elif longest < 30:
        problems.append("no paragraph of running text (only short lines, like a navigation page)")
    if not (_REPORT_VOCAB.search(text) and _WORK_VOCAB.search(text)):
        problems.append("no rule-of-law report vocabulary (法治/依法 with 政府/行政/工作)")
    if problems:
        raise NotAReportError(
            doc.path,
            "未找到报告正文（no report found）：应为一份法治政府建设情况报告（annual rule-of-law government "
            "report）——成段的正文，通常有“一、二、…”标题；实际只有：" + "; ".join(problems)
            + "。请确认文件是报告全文，而不是网站导航页、目录页或截断的摘要（save the page that holds the full report text）。",
        )


def _build_tree(text: str, lines: list[Line], body_end: int, hinted: frozenset[str] = frozenset()) -> list[_Node]:
    found: list[tuple[Line, HeadingMatch]] = [(ln, m) for ln in lines if (m := match_heading(ln.text))]
    has_top_numbering = any(m.style in ("part", "cn") for _, m in found)
    bare = bare_headings(lines, set(hinted), has_top_numbering)
    if bare:
        found = sorted([*found, *bare], key=lambda pair: pair[0].start)
    if not found:
        return []
    # 第一部分 (and an unnumbered heading) sits above 一、 when a report uses both
    ranks: list[float] = [0 if m.style in ("part", "bare") else m.rank for _, m in found]
    for i in _restarted_run(found):
        ranks[i] += 0.5  # parts of an umbrella heading that number 一、二、 again sit under it
    top_rank = min(ranks)
    first_top = ranks.index(top_rank)
    root = _Node(-1, 0, "", 0, (0, 0), level=0)
    stack = [root]
    for (line, m), rank in list(zip(found, ranks, strict=True))[first_top:]:
        while len(stack) > 1 and stack[-1].rank >= rank:
            stack.pop()
        parent = stack[-1]
        last = next((c for c in reversed(parent.children) if c.rank == rank), None)
        if last is not None and m.number <= last.number:
            continue  # numbering going backwards under one parent: body text, not a heading
        level = 1 if parent is root else max(m.rank, parent.level + 1)
        node = _Node(rank, m.number, m.marker, line.start, (line.start + m.start, line.start + m.end), level)
        parent.children.append(node)
        stack.append(node)
    _set_ends(root.children, body_end)
    return root.children


def _restarted_run(found: list[tuple[Line, HeadingMatch]]) -> list[int]:
    """Indexes of 一、二、三、 headings that restart the numbering right under an umbrella 一、 heading
    (「一、2023年…主要措施」 / 「一、强化…」 / 「二、…」 / 「三、…」 / 「二、存在的问题」): the run counts
    up from 一 and ends where the numbering drops back to the umbrella's next number."""
    styles = {m.style for _, m in found if m.style in ("cn", "arabic")}
    style = "cn" if "cn" in styles else "arabic"  # the numbering that carries the top level
    top = [(i, m) for i, (_, m) in enumerate(found) if m.style == style]
    for k in range(len(top) - 1):
        (i, umbrella), (j, first) = top[k], top[k + 1]
        if j != i + 1 or first.number != 1 or found[i][0].text.strip() == found[j][0].text.strip():
            continue  # not directly under the umbrella, not a restart, or the same heading printed twice
        run = [j]
        for (idx, m), (_, prev) in zip(top[k + 2 :], top[k + 1 :], strict=False):
            if m.number == prev.number + 1:
                run.append(idx)
                continue
            return run if m.number == umbrella.number + 1 and len(run) >= 2 else []
        return []
    return []


def _set_ends(nodes: list[_Node], end: int) -> None:
    for i, node in enumerate(nodes):
        node.end = nodes[i + 1].start if i + 1 < len(nodes) else end
        _set_ends(node.children, node.end)


def _add_runins(text: str, node: _Node) -> None:
    for child in node.children:
        _add_runins(text, child)
    own_end = node.children[0].start if node.children else node.end
    runins = find_runins(text, node.heading_span[1], own_end)
    added = []
    for i, r in enumerate(runins):
        nl = text.find("\n", r.start, own_end)
        stop = runins[i + 1].start if i + 1 < len(runins) else (own_end if nl < 0 else nl)
        title_end = runin_title_end(text, r.marker_end, stop)
        added.append(_Node(5, r.number, r.marker, r.start, (r.start, title_end), max(5, node.level + 1), stop))
    node.children = added + node.children


def _to_section(text: str, clean: CleanText, node: _Node) -> Section:
    return Section(
        heading=text[node.heading_span[0] : node.heading_span[1]],
        number=node.marker,
        level=node.level,
        role="other",
        span=(node.start, node.end),
        heading_span=node.heading_span,
        source_span=clean.source_span(node.start, node.end),
        children=[_to_section(text, clean, c) for c in node.children],
    )


def _set_role(section: Section, role: str, confidence: float | None = None, evidence: str | None = None) -> None:
    section.role = role  # type: ignore[assignment]
    if confidence is not None:
        section.role_confidence = round(confidence, 3)
    if evidence is not None:
        section.role_evidence = evidence
    for child in section.children:
        _set_role(child, role, confidence, evidence)


def _clip(section: Section, end: int, clean: CleanText) -> Section:
    section.span = (section.span[0], min(section.span[1], end))
    section.source_span = clean.source_span(*section.span)
    section.children = [_clip(c, end, clean) for c in section.children if c.span[0] < end]
    return section


def _split_merged(text: str, clean: CleanText, sec: Section) -> list[Section] | None:
    split = next((c.span[0] for c in sec.children if c.level < 5 and heading_role(c.heading) == "plans"), None)
    if split is None:
        split = find_plan_turn(text, sec.heading_span[1], sec.span[1])
    if split is None or not text[sec.heading_span[1] : split].strip() or not text[split : sec.span[1]].strip():
        return None
    problems = Section(sec.heading, sec.number, 1, "problems", (sec.span[0], split), sec.heading_span,
                       clean.source_span(sec.span[0], split),
                       [_clip(c, split, clean) for c in sec.children if c.span[0] < split], split_from=sec.heading)
    plans = Section(sec.heading, sec.number, 1, "plans", (split, sec.span[1]), (split, split),
                    clean.source_span(split, sec.span[1]),
                    [c for c in sec.children if c.span[0] >= split], split_from=sec.heading)
    return [problems, plans]


_REPORT_TITLE = re.compile(r"(法治|依法行政|法制)[^。，,；;！？]{0,40}(报告|总结)\s*$")


def _second_report_start(text: str, body_start: int, body_end: int) -> int | None:
    """Start of a second report's title inside the body: a title line followed by numbering that
    starts again at 一、 (a page carrying two reports)."""
    lines = split_lines(text, body_start, body_end)
    for i, line in enumerate(lines):
        if i == 0 or len(line.text) > 80 or not _REPORT_TITLE.search(line.text) or match_heading(line.text):
            continue
        following = (match_heading(ln.text) for ln in lines[i + 1 : i + 4])
        if any(m is not None and m.style in ("cn", "part") and m.number == 1 for m in following):
            return line.start
    return None


def _turns_to_plans(text: str, parts: list[Section]) -> bool:
    """Whether a split problems section really turns to plans: deficits before, intents after."""
    before = body_cues(text[parts[0].heading_span[1] : parts[0].span[1]])
    after = body_cues(text[parts[1].span[0] : parts[1].span[1]])
    return before.deficit >= 0.3 and after.future >= 0.2 and after.deficit < 0.3 and after.sentences >= 2


def _inline_problems(text: str, start: int, end: int) -> tuple[int, int] | None:
    matches = list(INLINE_PROBLEMS.finditer(text, start, end))
    if not matches:
        return None
    m = matches[-1]
    sent_start = max(start, max(text.rfind(ch, start, m.start()) for ch in "。！？\n") + 1)
    para_end = text.find("\n", m.end(), end)
    para_end = end if para_end < 0 else para_end
    turn = find_plan_turn(text, m.end(), para_end)
    return (sent_start, turn if turn is not None and turn > m.end() else para_end)


def _paragraph_parts(text: str, clean: CleanText, start: int, end: int) -> list[Section] | None:
    """A report without any heading, written as paragraphs: the work done, then a paragraph that
    turns to the deficits (「但也要看到，…还存在一些不足。」), then one that turns to next year
    (「下一步，…」). Split there into measures / problems / plans, or None when the paragraphs do not
    show both turns (the whole text then stays one ``other`` section)."""
    lines = split_lines(text, start, end)
    for i, line in enumerate(lines[1:], 1):
        m = INLINE_PROBLEMS.match(text, line.start, line.end)
        if m is None or round(body_cues(line.text).deficit * body_cues(line.text).sentences) < 2:
            continue
        turn = next((ln.start for ln in lines[i + 1 :] if find_plan_turn(text, ln.start, ln.end) == ln.start), None)
        if turn is None:
            return None
        after = body_cues(text[turn:end])
        if after.future < 0.2 or after.deficit >= 0.5:
            return None
        out = []
        for role, (a, b), conf, why in (("measures", (start, line.start), 0.5, "没有标题：问题段落之前的正文"),
                                        ("problems", (line.start, turn), 0.65, "没有标题：以不足表述开头、多句为不足表述的段落"),
                                        ("plans", (turn, end), 0.65, "没有标题：以“下一步/明年”等开头的段落")):
            lead = lead_sentence(text, a, b)
            sec = Section(text[a:lead], "", 1, role, (a, b), (a, lead), clean.source_span(a, b))  # type: ignore[arg-type]
            _set_role(sec, role, conf, why)
            out.append(sec)
        return out
    return None


def _unheaded_problems(text: str, clean: CleanText, sections: list[Section]) -> Section | None:
    """A problems paragraph without a heading at the end of the section just before the plans
    (「同时也要看到，…还存在一些问题。一是…」 closing the measures): split off as the problems part.

    Only a passage that starts a paragraph, runs to the end of its section, is followed by the
    plans and holds two deficit sentences at least; one 「但也要看到…」 sentence stays inline.
    """
    for i, sec in enumerate(sections[:-1]):
        if sections[i + 1].role != "plans" or sec.role in ("plans", "problems", "preamble"):
            continue
        found = _inline_problems(text, sec.heading_span[1], sec.span[1])
        if found is None:
            return None
        start, end = found
        if start > sec.heading_span[1] and text[start - 1] != "\n":
            return None
        if text[end : sec.span[1]].strip():
            # 「…我们也清醒地看到工作中还存在一些问题。」 then 一是…/二是… on lines of their own, to the end of
            # the section: the items belong to the passage when they state deficits and do not turn to plans
            rest = body_cues(text[end : sec.span[1]])
            if rest.deficit < 0.5 or find_plan_turn(text, end, sec.span[1]) is not None:
                return None
            end = sec.span[1]
        cues = body_cues(text[start:end])
        if round(cues.deficit * cues.sentences) < 2:
            return None
        lead = lead_sentence(text, start, sec.span[1])
        problems = Section(text[start:lead], "", 1, "problems", (start, sec.span[1]), (start, lead),
                           clean.source_span(start, sec.span[1]), split_from=sec.heading or None)
        _set_role(problems, "problems", 0.7, "问题段落没有标题，位于安排部分之前，多句为不足表述")
        _clip(sec, start, clean)
        sections.insert(i + 1, problems)
        return problems
    return None


def _mask_warnings(doc: SourceDocument, text: str, start: int, end: int) -> list[ParseWarning]:
    figures: list[str] = []
    names: list[str] = []
    for m in MASK.finditer(text, start, end):
        before = text[max(0, m.start() - 2) : m.start()]
        after = text[m.end() : m.end() + 1]
        context = text[max(0, m.start() - 6) : m.end() + 6].replace("\n", " ").strip()
        if after in _FIGURE_AFTER or before[-1:].isdigit() or after.isdigit() or after in "-—－~至":
            figures.append(context)
        else:
            names.append(context)
    out = []
    if figures:
        out.append(ParseWarning("masked_figures", f"原文有{len(figures)}处数字被遮蔽（masked figures），如："
                                f"{'｜'.join(figures[:3])}；本报告中的数字无法引用核对"))
    if names:
        out.append(ParseWarning("masked_names", f"原文有{len(names)}处名称或文字被遮蔽（masked names），如："
                                f"{'｜'.join(names[:3])}"))
    fanwen = _FANWEN.search(doc.text)
    masked_year = _MASKED_YEAR.search(doc.text)
    if fanwen or masked_year:
        what = fanwen.group(0) if fanwen else masked_year.group(0)  # type: ignore[union-attr]
        out.append(ParseWarning("template_or_fanwen",
                                f"疑为范文/资料网站转载的文本（见“{what}”），不是官方发布件（template or 范文 site）"))
    return out


def body_bounds(text: str) -> tuple[int, int]:
    """(body_start, body_end) of the cleaned text: after the title/文号 lines, before the signature."""
    header = locate_header(text)
    return header.body_start, max(header.body_start, locate_trailer(text, header.body_start))


def parse_report(doc: SourceDocument, clean: CleanText, report_id: str, embedder: Embedder | None = None) -> Report:
    """Section tree, roles (with confidences), problem/plan items and warnings of one cleaned report.

    ``embedder`` (optional) adds similarity to role exemplars to
    the evidence for sections whose heading names no part; the parser works without one. A report in
    traditional characters is parsed on a simplified shadow of the same length (rag.report.shadow);
    the Report keeps the original text and shows it.
    """
    shadow = shadow_inputs(doc, clean)
    if shadow is not None:
        return restore_original(_parse(shadow[0], shadow[1], report_id, embedder), doc, clean)
    return _parse(doc, clean, report_id, embedder)


def _parse(doc: SourceDocument, clean: CleanText, report_id: str, embedder: Embedder | None) -> Report:
    text = clean.text
    _check_is_report(doc, text)
    meta, warnings = extract_meta(doc, clean)
    info = page_info(doc, clean)
    meta.pub_date, meta.pub_date_span, meta.source, meta.source_span = (
        info.pub_date, info.pub_date_span, info.source, info.source_span)
    meta.publisher, meta.publisher_span = info.publisher, info.publisher_span
    meta.index_number, meta.index_number_span = info.index_number, info.index_number_span
    body_start, body_end = body_bounds(text)
    second = _second_report_start(text, body_start, body_end)
    if second is not None:
        warnings.append(ParseWarning("multiple_reports",
                                     f"页面中还有另一份报告（从“{_snippet(text, second, 40)}”开始），只解析了第一份；"
                                     "请把每份报告存为单独的文件（two reports on one page）"))
        body_end = second
    hinted = frozenset(hinted_texts(doc.metadata))
    paragraphs = split_lines(text, body_start, body_end)
    lines = drop_page_chunk_marks(paragraphs)
    if not any(match_heading(ln.text) for ln in lines):  # page chunks are shorter than run-on copies
        lines = split_run_on(lines, MIN_CHUNK if lines is not paragraphs else MIN_RUN_ON)
    nodes = _build_tree(text, lines, body_end, hinted)
    for node in nodes:
        _add_runins(text, node)
    sections: list[Section] = []
    if not nodes:
        parts = _paragraph_parts(text, clean, body_start, body_end)
        if parts:
            sections.extend(parts)
            warnings.append(ParseWarning(
                "no_structure", f"未找到带编号的标题（一、（一）、1. 等）：按段落开头判断，“{_snippet(text, parts[1].span[0], 24)}”"
                f"起为问题，“{_snippet(text, parts[2].span[0], 24)}”起为下一步安排（no structure; parts found from paragraphs）"))
        else:
            warnings.append(ParseWarning("no_structure", "未找到带编号的标题（一、（一）、1. 等），正文按一整节处理（no structure）"))
            single = _Node(1, 0, "", body_start, (body_start, body_start), 1, body_end)
            _add_runins(text, single)
            sections.append(_to_section(text, clean, single))
    else:
        if text[body_start : nodes[0].start].strip():
            sections.append(Section("", "", 1, "preamble", (body_start, nodes[0].start), (body_start, body_start),
                                    clean.source_span(body_start, nodes[0].start)))
        top = [_to_section(text, clean, n) for n in nodes]
        bodies = [text[s.heading_span[1] : s.span[1]] for s in top]
        guesses = score_roles([s.heading for s in top], bodies, embedder, meta.year)
        for i, (sec, guess) in enumerate(zip(top, guesses, strict=True)):
            role = guess.role
            _set_role(sec, sec.role, guess.confidence, guess.evidence)
            if role == "problems" and not any(g.role in ("plans", "merged", "problems") for g in guesses[i + 1 :]):
                # the last problems section, with no plans after it: a merged section whose heading
                # names only the problems ("不足之处和改进方向") when its body turns to next year
                parts = _split_merged(text, clean, sec)
                if parts and _turns_to_plans(text, parts):
                    role = "merged"
            if role == "merged":
                parts = _split_merged(text, clean, sec)
                if parts:
                    for part in parts:
                        _set_role(part, part.role, guess.confidence, guess.evidence)
                    sections.extend(parts)
                    turn = _snippet(text, parts[1].span[0], 16)
                    warnings.append(ParseWarning("merged_section_split",
                                                 f"“{sec.heading}”一节同时写问题和下一年度安排，已在“{turn}”处拆为"
                                                 "“存在的问题”和“下一年度安排”两部分（merged section split）"))
                    continue
                warnings.append(ParseWarning("merged_section_unsplit",
                                             f"“{sec.heading}”一节同时写问题和下一年度安排，但找不到转入下一年度的位置，"
                                             "整节按“存在的问题”处理（merged section not split）"))
                role = "problems"
            sections.append(sec)
            _set_role(sec, role)
    for sec in sections:
        _set_role(sec, sec.role)
    if nodes and not any(s.role == "problems" for s in sections):
        # the section's role_evidence says why (no warning code of its own: the UI labels every code)
        _unheaded_problems(text, clean, sections)
    if nodes and not any(s.role in ("problems", "plans") for s in sections) and sections[-1].role != "preamble":
        # both parts unheaded, closing the last section (report-patterns §19)
        last = sections[-1]
        tail = tail_parts(text, clean, last.heading_span[1], last.span[1])
        if tail is not None:
            _clip(last, tail[0].span[0], clean)
            sections.extend(tail)
    problems: list[Item] = []
    plans: list[Item] = []
    for sec in sections:
        if sec.role == "problems":
            problems.extend(section_items(clean, sec, "problems"))
        elif sec.role == "plans":
            plans.extend(section_items(clean, sec, "plans"))
    if not any(s.role == "problems" for s in sections):
        warnings.append(ParseWarning("no_problems_section", "未找到“存在的问题/不足”一节（no problems section）"))
        # the last inline passage outside the plans ("同时，针对存在的问题，我们将…" is a plan)
        inline = next((found for sec in reversed(sections) if sec.role != "plans"
                       if (found := _inline_problems(text, *sec.span))), None)
        if inline:
            problems = plain_items(clean, inline[0], inline[1], "problems")
            warnings.append(ParseWarning("problems_inline_only",
                                         f"问题未单列成节，只在正文中顺带提及：“{_snippet(text, inline[0], 80, inline[1])}”"
                                         "（problems inline only）"))
    warnings.extend(_mask_warnings(doc, text, body_start, body_end))
    report = Report(report_id=report_id, source=doc, clean=clean, meta=meta, sections=sections,
                    problems=problems, plans=plans, warnings=warnings)
    report.warnings = _dedupe(warnings + _part_warnings(report))
    return report


_PART_NAMES = {"problems": "存在的不足和原因", "plans": "下一年度工作安排"}


def _part_warnings(report: Report) -> list[ParseWarning]:
    """Say which required parts could not be determined, and which roles are guesses."""
    out = []
    for role, name in _PART_NAMES.items():
        status = part_status(report, role)
        if status == "undetermined":
            guesses = report.sections_with_role(role)
            detail = (f"；“{guesses[0].heading or '（无标题）'}”可能是这一部分（把握度{guesses[0].role_confidence:.0%}）"
                      if guesses else "")
            out.append(ParseWarning(f"{role}_undetermined",
                                    f"“{name}”部分{STATUS_LABELS[status]}{detail}（part not determined: {role}）"))
    return out


def _snippet(text: str, start: int, limit: int, end: int | None = None) -> str:
    """Up to ``limit`` characters of ``text[start:end]`` on one line, "…" when cut."""
    end = len(text) if end is None else end
    flat = " ".join(text[start:end].split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _dedupe(warnings: list[ParseWarning]) -> list[ParseWarning]:
    seen: set[tuple[str, str]] = set()
    out = []
    for w in warnings:
        if (w.code, w.message) not in seen:
            seen.add((w.code, w.message))
            out.append(w)
    return out
