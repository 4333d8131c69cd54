"""Heading detection, tree building, roles, items and warnings (rag.report.headings/roles/items/structure)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from rag.core.errors import NotAReportError, ReaderError
from rag.core.types import CleanText, Report, SourceDocument
from rag.report.headings import cn_to_int, find_runins, match_heading
from rag.report.parse import load_report
from rag.report.role_scoring import assign_roles
from rag.report.roles import heading_role
from rag.report.structure import body_bounds, parse_report

FILLER = "认真贯彻落实上级关于法治政府建设的各项决策部署，依法全面履行政府职能，持续推进严格规范公正文明执法。"
_AREAS = itertools.cycle(["行政审批", "政务公开", "行政复议", "行政调解", "普法宣传", "执法监督", "决策程序", "规范性文件"])
_SERIAL = itertools.count(1)


def para() -> str:
    """A distinct filler paragraph (the cleaner drops repeated paragraphs as duplicated page bodies)."""
    return f"围绕{next(_AREAS)}工作第{next(_SERIAL)}项任务，" + FILLER


def parse_text(tmp_path: Path, text: str, name: str = "report.txt") -> Report:
    """Through the real pipeline: read_file -> clean_text -> parse_report."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_report(path, 1_000_000)


def _doc(text: str) -> tuple[SourceDocument, CleanText]:
    doc = SourceDocument("mem.txt", "mem.txt", text, "txt", "utf-8", "0" * 64, len(text.encode()))
    return doc, CleanText(text, tuple(range(len(text))))


# ----------------------------------------------------------------------------------------------
# headings


@pytest.mark.parametrize(
    ("line", "style", "rank", "number", "heading"),
    [
        ("十一、加强行政复议工作", "cn", 1, 11, "十一、加强行政复议工作"),
        ("二十、其他需要报告的情况", "cn", 1, 20, "二十、其他需要报告的情况"),
        ("（十二）深化政务公开", "paren_cn", 2, 12, "（十二）深化政务公开"),
        ("(一)依法全面履行政府职能", "paren_cn", 2, 1, "(一)依法全面履行政府职能"),
        ("1. 组织开展学法活动。", "arabic", 3, 1, "1. 组织开展学法活动。"),
        ("2.公众参与。实行决策公开。", "arabic", 3, 2, "2.公众参与。"),
        ("3、加强执法监督", "arabic", 3, 3, "3、加强执法监督"),
        ("4．完善制度", "arabic", 3, 4, "4．完善制度"),
        ("（1）建立台账", "paren_arabic", 4, 1, "（1）建立台账"),
        ("(2)建立台账", "paren_arabic", 4, 2, "(2)建立台账"),
        ("第一部分 工作开展情况", "part", 1, 1, "第一部分 工作开展情况"),
        ("**一、工作情况**", "cn", 1, 1, "一、工作情况"),
    ],
)
def test_heading_styles(line: str, style: str, rank: int, number: int, heading: str) -> None:
    m = match_heading(line)
    assert m is not None
    assert (m.style, m.rank, m.number) == (style, rank, number)
    assert line[m.start : m.end] == heading


def test_run_in_heading_stops_at_first_sentence() -> None:
    line = "（一）加强组织领导，完善机制保障。一是强化领导责任。按照规定要求，由一把手领导依法行政工作。"
    m = match_heading(line)
    assert m is not None and line[m.start : m.end] == "（一）加强组织领导，完善机制保障。"


def test_numbered_paragraph_without_short_title_is_number_only() -> None:
    line = "2." + "印发了《全面依法治区督察工作办法》规定明确了督察对象及方式并将法治建设工作开展情况等七项重要事项纳入督察内容" * 2 + "。"
    m = match_heading(line)
    assert m is not None and m.end == m.marker_end


@pytest.mark.parametrize(
    "line",
    ["2020年，我区深入学习贯彻习近平法治思想。", "1.2万件行政许可事项全部网上办理。", "12.5%的案件调解结案。",
     "一、二、三产业融合发展取得成效。", "3.", "2021年2月5日"],
)
def test_not_headings(line: str) -> None:
    assert match_heading(line) is None


def test_cn_to_int() -> None:
    assert [cn_to_int(t) for t in ["一", "九", "十", "十一", "十九", "二十", "二十三", "一二", "十十", "甲"]] == [
        1, 9, 10, 11, 19, 20, 23, None, None, None]


def test_find_runins_needs_a_sequence_after_punctuation() -> None:
    text = "主要做法：一是强化领导；二是完善制度；三是加强监督。"
    assert [r.marker for r in find_runins(text, 0, len(text))] == ["一是", "二是", "三是"]
    lone = "工作的统一是前提，一是关键。"
    assert find_runins(lone, 0, len(lone)) == []


def test_numbering_inside_a_long_paragraph_is_not_a_heading(tmp_path: Path) -> None:
    text = ("2020年法治政府建设情况报告\n一、主要举措和成效\n" + para() + "主要包括：1.加强学法；2.规范执法。" + para() + "\n"
            "二、存在的问题\n执法力量薄弱，信息化建设滞后。\n")
    r = parse_text(tmp_path, text)
    assert [s.heading for s in r.sections] == ["一、主要举措和成效", "二、存在的问题"]
    assert r.sections[0].children == []


def test_tree_handles_skipped_levels_eleven_and_backwards_numbers(tmp_path: Path) -> None:
    cn = "一二三四五六七八九十"
    tops = [f"{cn[i]}、工作{i + 1}" for i in range(10)] + ["十一、存在的问题", "十二、下一步工作打算"]
    parts = ["2021年度法治政府建设情况报告", "2021年，我区" + para()]
    for i, t in enumerate(tops):
        parts.append(t)
        if i == 0:
            parts += ["1. 加强学法。" + para(), "2. 规范执法。" + para(), "（1）细项。" + para()]
        if i == 2:
            parts += ["二、这一行编号倒退，是正文而不是标题。" + para()]
        parts.append(para())
    r = parse_text(tmp_path, "\n".join(parts) + "\n")
    top = [s for s in r.sections if s.role != "preamble"]
    assert [s.number for s in top] == [f"{cn[i]}、" for i in range(10)] + ["十一、", "十二、"]
    first = top[0]
    assert [(c.number, c.level) for c in first.children] == [("1.", 3), ("2.", 3)]  # 1. directly under 一、
    assert [(c.number, c.level) for c in first.children[1].children] == [("（1）", 4)]
    assert top[10].role == "problems" and top[11].role == "plans"
    assert all(s.role == "measures" for s in top[:10])


def test_parts_above_cn_headings(tmp_path: Path) -> None:
    text = ("2020年度法治政府建设情况报告\n第一部分 主要举措和成效\n一、依法履职\n" + para() + "\n二、规范执法\n" + para()
            + "\n第二部分 存在的问题\n执法力量薄弱。\n")
    r = parse_text(tmp_path, text)
    assert [(s.number, s.role) for s in r.sections] == [("第一部分", "measures"), ("第二部分", "problems")]
    assert [(c.number, c.level) for c in r.sections[0].children] == [("一、", 2), ("二、", 2)]


# ----------------------------------------------------------------------------------------------
# roles


@pytest.mark.parametrize(
    ("heading", "role"),
    [
        ("二、存在的问题", "problems"), ("三、存在问题", "problems"), ("三、存在的不足和原因", "problems"),
        ("三、2021年推进法治政府建设存在的不足", "problems"), ("四、问题和不足", "problems"),
        ("三、困难和问题", "problems"), ("（三）短板和不足", "problems"), ("三、存在的差距", "problems"),
        ("四、下一步工作打算", "plans"), ("四、下步打算", "plans"), ("四、2021年工作安排", "plans"),
        ("四、下一年度推进法治政府建设的主要安排", "plans"), ("三、改进措施", "plans"), ("三、整改措施", "plans"),
        ("四、“十四五”期间及下阶段推进法治政府建设的工作思路目标举措", "plans"),
        ("二、党政主要负责人履行推进法治建设第一责任人职责情况", "responsibility"),
        ("五、其他需要报告的情况", "other"),
        ("一、2021年度推进法治政府建设的主要举措和成效", "measures"), ("一、工作开展情况", "measures"),
        ("一、主要工作", "measures"), ("三、存在问题及2021年工作安排", "merged"), ("三、存在问题及下步打算", "merged"),
        ("一、充分发挥中枢协调作用，助力XX打造法治城市示范。", None),
        ("二、着力补齐短板，切实解决群众反映强烈的问题", None),
    ],
)
def test_heading_roles(heading: str, role: str | None) -> None:
    assert heading_role(heading) == role


def test_slogan_headings_are_measures_before_problems_and_other_after() -> None:
    roles = assign_roles(["一、充分发挥中枢协调作用", "二、深入学习贯彻中央部署", "三、存在的问题", "四、下一步工作思路",
                          "五、加强宣传引导"])
    assert roles == ["measures", "measures", "problems", "plans", "other"]


def test_unnamed_headings_are_classified_by_content() -> None:
    headings = ["一、坚持依法行政，建设法治政府", "二、依法行政还需要扎实推进", "三、聚焦短板弱项，精准施策"]
    bodies = ["2020年，我区" + FILLER, "部分干部法治意识不强。", "2021年，我区将加强执法培训。"]
    assert assign_roles(headings, bodies) == ["measures", "problems", "plans"]
    assert assign_roles([*headings[:2], "三、加强宣传引导"], [*bodies[:2], "全年开展宣传活动20场。"])[2] == "other"


# ----------------------------------------------------------------------------------------------
# parse_report on synthetic reports (real read + clean)


def test_single_paragraph_report_has_no_structure(tmp_path: Path) -> None:
    text = "2020年，我镇" + para() + para() + para() + "\n"
    r = parse_text(tmp_path, text)
    assert len(r.sections) == 1 and r.sections[0].role == "other"
    assert {"no_structure", "no_problems_section"} <= {w.code for w in r.warnings}
    assert r.problems == []


def test_inline_problems_are_found_and_split(tmp_path: Path) -> None:
    text = ("2020年，我区" + para() + para() + "但与上级要求和群众期盼相比，仍存在依法行政水平不够高、执法监督力度不够强等不足。"
            "下一步，我区将继续" + para() + "\n")
    r = parse_text(tmp_path, text)
    codes = {w.code for w in r.warnings}
    assert {"no_problems_section", "problems_inline_only"} <= codes
    assert len(r.problems) == 1
    assert r.problems[0].text.startswith("但与上级要求和群众期盼相比，仍存在依法行政水平不够高")
    assert "下一步" not in r.problems[0].text


def test_report_without_problems_section_warns(tmp_path: Path) -> None:
    text = "2020年法治政府建设情况报告\n一、主要举措和成效\n" + para() + para() + "\n二、下一步工作打算\n" + para() + "\n"
    r = parse_text(tmp_path, text)
    assert "no_problems_section" in {w.code for w in r.warnings}
    assert "problems_inline_only" not in {w.code for w in r.warnings}
    assert r.problems == [] and len(r.plans) == 1


def test_merged_section_split_inside_one_paragraph(tmp_path: Path) -> None:
    text = ("2020年法治政府建设情况报告\n一、工作开展情况\n" + para() + "\n三、存在问题及下步打算\n"
            "执法人员素质参差不齐，信息化建设滞后。下一步，我局将加强执法培训；推进信息化建设。\n")
    r = parse_text(tmp_path, text)
    problems, plans = r.sections[-2], r.sections[-1]
    assert (problems.role, plans.role) == ("problems", "plans")
    assert r.text[plans.span[0] : plans.span[1]].startswith("下一步，我局将")
    assert problems.split_from == plans.split_from == "三、存在问题及下步打算"
    assert [p.text for p in r.problems] == ["执法人员素质参差不齐", "信息化建设滞后"]
    assert "merged_section_split" in {w.code for w in r.warnings}


def test_merged_section_without_turn_stays_problems(tmp_path: Path) -> None:
    text = ("2020年法治政府建设情况报告\n一、工作开展情况\n" + para() + "\n二、存在问题及下步打算\n"
            "部分干部依法行政意识不强，执法监督有待加强。\n")
    r = parse_text(tmp_path, text)
    assert r.sections[-1].role == "problems"
    assert "merged_section_unsplit" in {w.code for w in r.warnings}
    assert len(r.problems) == 2


def test_comma_split_only_when_every_clause_is_a_deficit(tmp_path: Path) -> None:
    text = ("2020年法治政府建设情况报告\n一、工作开展情况\n" + para() + "\n二、存在的问题\n"
            "虽然取得了一定成效，但还存在一些不足。比如：执法队伍专业化程度不高，基层执法力量依然薄弱。\n"
            "部分单位按要求开展了普法宣传，但宣传形式还不够新颖。\n三、下一步工作打算\n" + para() + "\n")
    r = parse_text(tmp_path, text)
    assert [p.text for p in r.problems] == ["执法队伍专业化程度不高", "基层执法力量依然薄弱",
                                            "部分单位按要求开展了普法宣传，但宣传形式还不够新颖"]
    for p in r.problems:
        assert r.text[p.span[0] : p.span[1]] == p.text


def test_trailing_signature_is_not_in_the_last_section(tmp_path: Path) -> None:
    text = ("潼南区司法局关于2020年度法治政府建设情况的报告\n一、工作开展情况\n" + para() + "\n二、存在的问题\n执法力量薄弱。\n"
            "三、2021年工作安排\n" + para() + "\n\n潼南区司法局\n\n2021年3月1日\n")
    r = parse_text(tmp_path, text)
    last = r.sections[-1]
    assert r.text[last.span[0] : last.span[1]].rstrip().endswith("文明执法。")
    assert body_bounds(r.text)[1] == last.span[1]
    assert r.meta.date == "2021-03-01"


def test_masked_template_warnings(tmp_path: Path) -> None:
    text = ("XX镇20XX年法治政府建设情况报告\n下面是小编为大家整理的报告，供大家参考。\n一、工作开展情况\n"
            "20XX年，全镇共办理行政复议案件XX件，召开会议***次。" + para() + "\n二、存在的问题\n执法力量薄弱。\n")
    r = parse_text(tmp_path, text)
    codes = {w.code for w in r.warnings}
    assert {"masked_figures", "template_or_fanwen"} <= codes
    assert r.meta.region == ""


def test_mask_warnings_count_what_the_cleaner_marks_as_masked(tmp_path: Path) -> None:
    text = ("XX镇2020年法治政府建设情况报告\n一、工作开展情况\n" + para() + "\n建立“1+X”决策制度体系，开通iXX服务平台，"
            "X-XX月共办理行政复议案件XX件。\n二、存在的问题\n执法力量薄弱。\n")
    r = parse_text(tmp_path, text)
    by_code = {w.code: w.message for w in r.warnings}
    start, end = body_bounds(r.text)
    body_masks = [r.text[a:b] for a, b in r.clean.masked_spans if start <= a and b <= end]
    assert body_masks == ["XX", "X-XX", "XX"]  # iXX is masked, 1+X is a policy name
    assert by_code["masked_figures"].startswith("原文有3处数字被遮蔽")  # X, XX (of X-XX月) and XX件
    assert by_code["masked_names"].startswith("原文有1处名称或文字被遮蔽") and "iXX服务" in by_code["masked_names"]
    assert "1+X" not in by_code["masked_names"] + by_code["masked_figures"]


def test_not_a_report_raises(tmp_path: Path) -> None:
    nav = "\n".join(["首页", "政务公开", "法治政府建设", "通知公告", "联系我们", "网站地图", "政府信息公开目录"] * 5)
    with pytest.raises(NotAReportError, match="法治政府建设情况报告"):
        parse_report(*_doc(nav), "nav")
    with pytest.raises(NotAReportError):
        parse_report(*_doc("今天天气很好。" * 40), "weather")
    with pytest.raises(NotAReportError):
        parse_report(*_doc("法治政府建设工作报告。"), "short")
    html = "<html><head><title>首页</title></head><body><ul>" + "".join(
        f"<li><a href='/{i}'>法治政府建设栏目{i}</a></li>" for i in range(30)) + "</ul></body></html>"
    (tmp_path / "nav.html").write_text(html, encoding="utf-8")
    with pytest.raises(ReaderError):  # NotAReportError is a ReaderError; the reader may refuse first
        load_report(tmp_path / "nav.html", 1_000_000)


def test_stand_in_clean_text_gives_same_sections_as_real_clean(tmp_path: Path) -> None:
    text = "关于2020年度法治政府建设情况的报告\n一、工作情况\n" + para() + "\n二、存在问题\n执法力量薄弱；信息化建设滞后。\n"
    real = parse_text(tmp_path, text)
    stand_in = parse_report(*_doc(text), "x")
    assert [s.heading for s in real.sections] == [s.heading for s in stand_in.sections]
    assert [p.text for p in real.problems] == [p.text for p in stand_in.problems] == ["执法力量薄弱", "信息化建设滞后"]


def test_lead_in_is_dropped_but_a_real_first_problem_is_kept(tmp_path: Path) -> None:
    text = ("2020年法治政府建设情况报告\n一、工作开展情况\n" + para() + "\n二、存在的问题\n"
            "部分单位还存在规范性文件审核不严的问题。\n我们也清醒地认识到，仍存在一些不足，主要表现在：城乡公共法律服务发展不平等，等等。\n"
            "三、下一步工作打算\n" + para() + "\n")
    r = parse_text(tmp_path, text)
    assert [p.text for p in r.problems] == ["部分单位还存在规范性文件审核不严的问题", "城乡公共法律服务发展不平等"]


def test_inline_problems_are_not_taken_from_the_plans(tmp_path: Path) -> None:
    text = ("2020年法治政府建设情况报告\n一、工作开展情况\n" + para() + "但与群众期盼相比，仍存在执法监督力度不够强等不足。\n"
            "二、下一步工作打算\n同时，针对存在的问题，我们将加强执法监督，提升依法行政水平。\n")
    r = parse_text(tmp_path, text)
    assert {"no_problems_section", "problems_inline_only"} <= {w.code for w in r.warnings}
    assert [p.text for p in r.problems] == ["但与群众期盼相比，仍存在执法监督力度不够强等不足"]
    assert len(r.plans) == 1


def test_item_that_only_holds_runins_is_split_at_the_runins(tmp_path: Path) -> None:
    text = ("2020年法治政府建设情况报告\n一、工作开展情况\n" + para() + "\n二、存在的问题\n执法力量薄弱。\n三、下一步工作打算\n"
            "（一）加强执法监督。一是开展执法案卷评查；二是推行执法全过程记录。\n"
            "（二）深化普法宣传。围绕群众关切开展普法，一是送法进社区；二是送法进企业。\n")
    r = parse_text(tmp_path, text)
    # （一） is only a title over its 一是/二是; （二） says something of its own first, so it stays one item
    assert [p.marker for p in r.plans] == ["一是", "二是", "（二）"]
    assert [p.text for p in r.plans[:2]] == ["开展执法案卷评查", "推行执法全过程记录"]
    assert r.plans[2].text.startswith("深化普法宣传。围绕群众关切开展普法，一是送法进社区")
    assert r.plans[2].heading == "深化普法宣传"


def test_structure_warnings_are_chinese_without_offsets(tmp_path: Path) -> None:
    merged = ("2020年法治政府建设情况报告\n一、工作开展情况\n" + para() + "\n三、存在问题及下步打算\n"
              "执法人员素质参差不齐，信息化建设滞后。下一步，我局将加强执法培训；推进信息化建设。\n")
    inline = ("2020年，我区" + para() + "共办理案件XX件。但与上级要求相比，仍存在依法行政水平不够高等不足。"
              "下一步，我区将继续" + para() + "\n下面是小编为大家整理的报告。\n")
    warnings = parse_text(tmp_path, merged, "a.txt").warnings + parse_text(tmp_path, inline, "b.txt").warnings
    by_code = {w.code: w.message for w in warnings}
    assert {"merged_section_split", "no_structure", "no_problems_section", "problems_inline_only",
            "masked_figures", "template_or_fanwen"} <= set(by_code)
    assert by_code["merged_section_split"].startswith("“三、存在问题及下步打算”一节同时写问题和下一年度安排，已在“下一步，我局将")
    assert by_code["problems_inline_only"].startswith("问题未单列成节，只在正文中顺带提及：“但与上级要求相比")
    assert by_code["masked_figures"].startswith("原文有1处数字被遮蔽")
    for message in by_code.values():
        assert re.search(r"[\u4e00-\u9fff]{4}", message)
        assert not re.search(r"offset|span|\(\d+, \d+\)|masked figures \(e\.g", message)


# ----------------------------------------------------------------------------------------------
# roles from body evidence, confidences and part status (issue 11)

from rag.report.parts import part_status, part_statuses  # noqa: E402
from rag.report.role_scoring import CONFIDENT, body_cues, score_roles  # noqa: E402

_DEFICITS = ["执法人员素质参差不齐，业务能力有待提高。", "行政复议工作还不够规范，办案力量薄弱。",
             "普法宣传方式欠缺创新，针对性不强。"]
_INTENTS = ["我们将进一步加强执法队伍建设，持续开展业务培训。", "要加快推进数字政府建设，力争实现全程网办。",
            "继续深化“放管服”改革，不断优化营商环境。"]


def _report(heads: list[str], bodies: list[str]) -> str:
    out = ["2021年某县法治政府建设情况报告", "2021年，我县" + para()]
    for head, body in zip(heads, bodies, strict=True):
        out += [head, body]
    return "\n".join(out) + "\n"


def test_body_cues_separate_deficits_intents_and_results() -> None:
    problems, plans = body_cues("".join(_DEFICITS)), body_cues("".join(_INTENTS))
    measures = body_cues("全年办理行政复议案件120件，完成规范性文件审查35件。举办培训班6期，培训1200人次。")
    assert problems.deficit == 1.0 and plans.deficit == 0.0 and measures.deficit == 0.0
    assert plans.future >= 0.66 and problems.future == 0.0
    assert measures.past == 1.0 and plans.past == 0.0


def test_headings_outside_the_lexicon_get_roles_from_their_bodies(tmp_path: Path) -> None:
    heads = ["一、坚持依法行政，夯实工作基础", "二、值得关注的几个方面", "三、抓好几项重点"]
    assert heading_role(heads[1]) is None and heading_role(heads[2]) is None
    r = parse_text(tmp_path, _report(heads, [para() + "全年办理案件120件。", "".join(_DEFICITS), "".join(_INTENTS)]))
    roles = {s.heading: (s.role, s.role_confidence) for s in r.sections}
    assert roles[heads[1]][0] == "problems" and roles[heads[1]][1] >= CONFIDENT
    assert roles[heads[2]][0] == "plans" and roles[heads[2]][1] >= CONFIDENT
    assert part_status(r, "problems") == "present" and part_status(r, "plans") == "present"
    assert r.problems and r.problems[0].text.startswith("执法人员素质参差不齐，业务能力有待提高")


def test_lexicon_headings_are_most_confident() -> None:
    guesses = score_roles(["一、主要举措和成效", "二、存在的问题", "三、下一步工作打算"],
                          ["全年办理案件120件。", "".join(_DEFICITS), "".join(_INTENTS)])
    assert [g.role for g in guesses] == ["measures", "problems", "plans"]
    assert all(g.confidence >= 0.9 for g in guesses)


def test_one_deficit_sentence_in_a_measures_section_is_not_a_problems_part(tmp_path: Path) -> None:
    heads = ["一、主要工作", "二、加强执法监督", "三、强化组织保障"]
    bodies = [para(), para() + "但也要看到，我县执法队伍建设仍有不足，执法人员素质有待提高。", para()]
    r = parse_text(tmp_path, _report(heads, bodies))
    assert not r.sections_with_role("problems")
    assert part_status(r, "problems") == "folded"  # found only inline
    assert {"no_problems_section", "problems_inline_only"} <= {w.code for w in r.warnings}
    # a section after the measures that merely sounds forward-looking is at most a guess
    plans = r.sections_with_role("plans")
    assert all(s.role_confidence < CONFIDENT for s in plans)
    assert part_status(r, "plans") == "undetermined"
    assert any(w.code == "plans_undetermined" and "未能确定" in w.message for w in r.warnings)


def test_report_without_headings_says_parts_are_undetermined(tmp_path: Path) -> None:
    text = "2021年法治政府建设情况报告\n" + "\n".join("2021年，我县" + para() for _ in range(4)) + "\n"
    r = parse_text(tmp_path, text)
    assert part_statuses(r) == {"measures": "undetermined", "responsibility": "undetermined",
                                "problems": "undetermined", "plans": "undetermined"}
    messages = " ".join(w.message for w in r.warnings)
    assert "未能确定" in messages and "未见" not in messages


def test_problems_heading_that_also_holds_plans_is_split_by_its_body(tmp_path: Path) -> None:
    heads = ["一、主要举措和成效", "二、不足之处和努力方向"]
    body = "".join(_DEFICITS) + "\n下一步，" + "".join(_INTENTS)
    r = parse_text(tmp_path, _report(heads, [para() + "全年办理案件120件。", body]))
    assert [s.role for s in r.sections][-2:] == ["problems", "plans"]
    assert r.sections[-1].split_from == heads[1]
    assert any(w.code == "merged_section_split" for w in r.warnings)


def test_unnumbered_top_level_headings_by_line_shape(tmp_path: Path) -> None:
    text = ("2021年某县法治政府建设情况报告\n2021年，我县" + para() + "\n主要举措和成效\n（一）依法全面履行政府职能\n"
            + para() + "全年办理案件120件。\n（二）推进严格规范公正文明执法\n" + para() + "\n存在的不足和原因\n"
            + "".join(_DEFICITS) + "\n下一年度工作安排\n" + "".join(_INTENTS) + "\n")
    r = parse_text(tmp_path, text)
    top = [(s.heading, s.role) for s in r.sections if s.role != "preamble"]
    assert top == [("主要举措和成效", "measures"), ("存在的不足和原因", "problems"), ("下一年度工作安排", "plans")]
    assert [c.heading for c in r.sections[1].children][:2] == ["（一）依法全面履行政府职能", "（二）推进严格规范公正文明执法"]
    assert r.sections[1].number == ""


def test_short_lines_are_not_headings_when_the_report_has_top_numbering(tmp_path: Path) -> None:
    text = ("2021年某县法治政府建设情况报告\n一、主要举措和成效\n" + para() + "\n依法行政示范创建\n" + para()
            + "\n二、存在的问题\n" + "".join(_DEFICITS) + "\n")
    r = parse_text(tmp_path, text)
    assert [s.heading for s in r.sections] == ["一、主要举措和成效", "二、存在的问题"]


def test_two_reports_on_one_page_parse_the_first_and_say_so(tmp_path: Path) -> None:
    one = ("甲县人民政府关于2020年度法治政府建设情况的报告\n一、主要举措和成效\n" + para() + "\n二、存在的不足\n"
           + "".join(_DEFICITS) + "\n三、下一步工作安排\n" + "".join(_INTENTS) + "\n")
    two = one.replace("甲县", "乙县").replace("2020", "2019")
    r = parse_text(tmp_path, one + two.replace(FILLER, "依法全面履行政府职能。"))
    assert r.meta.issuing_body == "甲县人民政府" and r.meta.year == 2020
    assert [s.role for s in r.sections] == ["measures", "problems", "plans"]
    assert "乙县" not in r.text[r.sections[0].span[0] : r.sections[-1].span[1]]
    assert any(w.code == "multiple_reports" and "只解析了第一份" in w.message for w in r.warnings)


def test_embedder_is_optional_evidence(tmp_path: Path) -> None:
    from rag.index.embed import HashEmbedder

    heads = ["一、坚持依法行政，夯实工作基础", "二、值得关注的几个方面", "三、抓好几项重点"]
    bodies = [para() + "全年办理案件120件。", "".join(_DEFICITS), "".join(_INTENTS)]
    path = tmp_path / "r.txt"
    path.write_text(_report(heads, bodies), encoding="utf-8")
    from rag.ingest.clean import clean_text
    from rag.ingest.readers import read_file

    doc = read_file(path, 1_000_000)
    with_embedder = parse_report(doc, clean_text(doc), "r", embedder=HashEmbedder())
    without = parse_report(doc, clean_text(doc), "r")
    assert [s.role for s in with_embedder.sections] == [s.role for s in without.sections]


def test_traditional_report_is_parsed_on_a_shadow_and_shows_the_original(tmp_path: Path) -> None:
    opencc = pytest.importorskip("opencc")
    to_traditional = opencc.OpenCC("s2t").convert
    heads = ["一、主要舉措和成效", "二、存在的不足", "三、下一步工作安排"]
    text = to_traditional(_report(["一、主要举措和成效", "二、存在的不足", "三、下一步工作安排"],
                                  [para() + "全年办理案件120件。", "".join(_DEFICITS), "".join(_INTENTS)]))
    r = parse_text(tmp_path, text)
    assert [s.heading for s in r.sections if s.heading] == heads  # the original characters
    assert [s.role for s in r.sections if s.heading] == ["measures", "problems", "plans"]
    assert r.meta.title == "2021年某縣法治政府建設情況報告" and r.meta.year == 2021
    assert r.problems and r.problems[0].text == r.text[slice(*r.problems[0].span)]
    assert "執法人員" in r.problems[0].text
    assert any(w.code == "traditional_characters" for w in r.warnings)


@pytest.mark.slow
def test_real_embedder_as_role_evidence(tmp_path: Path) -> None:
    from rag.index.embed import USEEmbedder

    heads = ["一、坚持依法行政，夯实工作基础", "二、值得关注的几个方面", "三、抓好几项重点"]
    path = tmp_path / "r.txt"
    path.write_text(_report(heads, [para() + "全年办理案件120件。", "".join(_DEFICITS), "".join(_INTENTS)]),
                    encoding="utf-8")
    from rag.ingest.clean import clean_text
    from rag.ingest.readers import read_file

    doc = read_file(path, 1_000_000)
    r = parse_report(doc, clean_text(doc), "r", embedder=USEEmbedder())
    assert [s.role for s in r.sections if s.heading] == ["measures", "problems", "plans"]


def test_bold_line_inside_a_numbered_html_report_is_not_a_top_heading(tmp_path: Path) -> None:
    page = ("<html><head><meta charset='utf-8'></head><body><article><h1>2021年某县法治政府建设情况报告</h1>"
            f"<p><strong>一、主要举措和成效</strong></p><p>{para()}</p><p><strong>典型经验做法</strong></p><p>{para()}</p>"
            f"<p><strong>二、存在的问题</strong></p><p>{''.join(_DEFICITS)}</p>"
            f"<p><strong>三、下一步工作安排</strong></p><p>{''.join(_INTENTS)}</p></article></body></html>")
    r = parse_text(tmp_path, page, "r.html")
    assert [s.heading for s in r.sections if s.heading] == ["一、主要举措和成效", "二、存在的问题", "三、下一步工作安排"]


def test_unheaded_problems_paragraph_before_the_plans_is_the_problems_part(tmp_path: Path) -> None:
    text = ("2020年法治政府建设情况报告\n一、2020年法治政府建设情况\n" + para() + "\n"
            "同时也要看到，全市法治政府建设还存在一些问题。一些县审核程序走过场；部分单位执法装备陈旧，执法能力不强；督察整改不到位。\n"
            "二、2021年工作打算\n2021年，我市将重点做好以下工作。一是落实审核机制。二是加大执法装备投入。\n")
    r = parse_text(tmp_path, text)
    problems = r.sections_with_role("problems")
    assert len(problems) == 1 and problems[0].heading == "同时也要看到，全市法治政府建设还存在一些问题。"
    assert "没有标题" in problems[0].role_evidence and "no_problems_section" not in {w.code for w in r.warnings}
    assert r.text[slice(*r.sections_with_role("plans")[0].span)].startswith("二、2021年工作打算")


def test_report_without_headings_is_split_at_the_turns_of_its_paragraphs(tmp_path: Path) -> None:
    text = ("2019年，我县" + para() + "\n" + para() + "\n"
            "但也要看到，我县法治政府建设还存在一些不足。部分乡镇执法程序不够规范；法制审核能力有待加强。\n"
            "下一步，县政府将从三方面着力改进。一是加强执法培训。二是充实审核力量。\n")
    r = parse_text(tmp_path, text)
    assert [s.role for s in r.sections] == ["measures", "problems", "plans"]
    assert "按段落开头判断" in next(w.message for w in r.warnings if w.code == "no_structure")
    assert r.text[slice(*r.sections[1].span)].startswith("但也要看到")
    # one deficit sentence inside a paragraph stays inline (no split)
    inline = parse_text(tmp_path, "2019年，我县" + para() + "但仍存在执法不够规范的问题。\n下一步，我县将加强培训。\n", "b.txt")
    assert len(inline.sections) == 1


# ----------------------------------------------------------------------------------------------
# third round of page patterns (docs/report-patterns.md §14)


def test_problems_written_with_plain_quantity_words_count_as_deficits() -> None:
    from rag.report.role_scoring import body_cues

    cues = body_cues("一是普法宣传形式较为单一，青年群体参与面窄。二是执法队伍年龄偏大，专业人员短缺。"
                     "三是法律顾问作用发挥有限。四是执法能力与监管任务不相匹配。")
    assert cues.deficit == 1.0
    # 有限公司 and 困难群众 are no deficits
    assert body_cues("为某某有限公司提供法律服务，全年帮扶困难群众120户。").deficit == 0.0


def test_heading_naming_the_next_year_is_plans_whatever_its_words() -> None:
    from rag.report.role_scoring import score_roles

    headings = ["一、2022年法治政府建设主要举措和成效", "二、存在的不足和原因", "三、2023年重点工作措施"]
    bodies = ["办理案件316件，追发工资2860万元。", "一是执法人员数量偏少。二是应诉败诉率仍然偏高。",
              "一是健全衔接机制。二是推进一网通办。"]
    guesses = score_roles(headings, bodies, year=2022)
    assert [g.role for g in guesses] == ["measures", "problems", "plans"]
    assert "下一年" in guesses[2].evidence
    # the same heading in the report of 2023 names the year itself: not taken for plans by its year
    assert score_roles(headings[:1], bodies[:1], year=2023)[0].role == "measures"


def test_bare_imperative_items_after_the_problems_are_plans() -> None:
    headings = ["一、主要举措和成效", "二、存在的问题", "三、目标任务"]
    bodies = ["全年审核合同42份，开展普法活动26场。", "一是村干部依法办事意识不强。二是执法文书不够规范。",
              "一是分批次开展村干部法治轮训。二是每季度组织一次执法案卷交叉评查。"]
    assert assign_roles(headings, bodies) == ["measures", "problems", "plans"]


def test_heading_with_a_deficit_word_and_a_deficit_body_is_problems() -> None:
    headings = ["一、主要举措和成效", "二、工作中的问题", "三、主要负责人履行第一责任人职责情况", "四、2024年主要安排"]
    bodies = ["开展检查214家次，查处违规机构3家。", "个别学校依法治校意识不强，制度执行打折扣。执法人员多为兼职，执法能力与任务不相匹配。",
              "局长认真履行第一责任人职责，召开会议4次。", "2024年，区教育局将重点抓好以下工作。"]
    assert assign_roles(headings, bodies)[1] == "problems"
    # a slogan about solving problems is no problems heading, whatever its body
    assert assign_roles(["一、着力破解执法难题", "二、下一步打算"], ["执法力量不足，装备落后。", "下一步将加强培训。"])[0] != "problems"


def test_umbrella_heading_whose_numbering_restarts_keeps_the_later_parts(tmp_path: Path) -> None:
    text = ("仓前街道2023年度法治政府建设工作报告\n2023年，仓前街道" + para() + "\n"
            "一、2023年法治政府建设主要措施\n一、强化领导责任\n" + para() + "\n二、规范行政行为\n" + para() + "\n"
            "三、深化普法宣传\n" + para() + "\n二、存在的问题\n一是法治工作人员多为兼职，专业能力有待提升。二是居民法治意识仍然不强。\n"
            "三、下一步工作计划\n一是开展兼职法治工作人员培训。二是引导居民依法表达诉求。\n")
    r = parse_text(tmp_path, text)
    assert [s.heading for s in r.sections if s.role != "preamble"] == [
        "一、2023年法治政府建设主要措施", "二、存在的问题", "三、下一步工作计划"]
    assert [c.heading for c in r.sections[1].children] == ["一、强化领导责任", "二、规范行政行为", "三、深化普法宣传"]
    # the same heading printed twice is no restart; nor is a run that never drops back
    doubled = parse_text(tmp_path, text.replace("一、强化领导责任", "一、2023年法治政府建设主要措施")
                         .replace("二、存在的问题", "四、存在的问题").replace("三、下一步工作计划", "五、下一步工作计划"), "b.txt")
    assert [s.heading for s in doubled.sections if s.role in ("problems", "plans")] == ["四、存在的问题", "五、下一步工作计划"]


def test_copy_without_line_breaks_is_cut_at_its_run_on_headings(tmp_path: Path) -> None:
    text = ("某县2025年度法治政府建设情况报告2025年，全县" + FILLER + "一、主要举措和成效（一）强化法治责任落实。" + para()
            + "（二）规范行政决策和执法。" + para() + para() + "二、存在的问题法治政府建设仍有不足。一是合法性审查力量不足。"
            "二是行政复议作用发挥不够。三、2026年工作安排2026年，全县将重点做好以下工作。一是推动审查全覆盖。二是完善调解机制。\n")
    r = parse_text(tmp_path, text)
    assert [s.role for s in r.sections] == ["preamble", "measures", "problems", "plans"]
    assert [c.heading for c in r.sections[1].children] == ["（一）强化法治责任落实。", "（二）规范行政决策和执法。"]
    assert [i.text for i in r.problems] == ["合法性审查力量不足", "行政复议作用发挥不够"]
    # a long paragraph of a report that has headings at line starts is left alone
    from rag.report.headings import Line, split_run_on

    short = Line(0, 20, "一是加强学习。二、三产业。")
    assert split_run_on([short]) == [short]


def test_arabic_heading_before_a_year_is_a_heading_but_a_decimal_is_not() -> None:
    m = match_heading("5.2024年工作思路")
    assert m is not None and (m.style, m.number) == ("arabic", 5)
    assert match_heading("3.5亿元用于执法装备。") is None and match_heading("1.2万件案件全部办结。") is None


def test_unnumbered_part_heading_before_a_lead_line_or_short_items(tmp_path: Path) -> None:
    text = ("留固镇2024年法治政府建设情况报告\n留固镇人民政府\n2024年，留固镇" + para() + "\n主要工作及成效\n" + para() + "\n"
            + para() + "\n存在的问题及原因\n存在的问题主要有：\n一是村干部依法办事意识不强；\n二是执法文书制作不够规范。\n"
            "下一步工作计划\n一是开展村干部法治轮训。\n二是组织执法案卷交叉评查。\n")
    r = parse_text(tmp_path, text)
    assert [(s.heading, s.role) for s in r.sections if s.role in ("problems", "plans")] == [
        ("存在的问题及原因", "problems"), ("下一步工作计划", "plans")]
    assert "留固镇人民政府" not in [s.heading for s in r.sections]  # a body's name alone is no heading
