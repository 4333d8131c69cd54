"""Round 7 of issue 11 (docs/report-patterns.md §19): titles printed twice, <br>-split headings, part
boundaries without headings, deficit words in headings."""

from __future__ import annotations

from pathlib import Path

from rag.report.metadata import locate_header
from rag.report.parse import load_report

_PARTS = ("一、主要工作\n全年审查合同9件，开展执法检查40次，办理行政复议案件12件，行政机关负责人出庭应诉率达到百分之百。\n二、存在的问题\n一是执法人员偏少。\n"
          "三、下一步工作安排\n一是充实执法力量。\n")


def _report(tmp_path: Path, text: str, name: str = "r.txt"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_report(path, 2**20)


# ----------------------------------------------------------------------------- titles (§19)
def test_a_title_row_joined_with_the_title_printed_again_is_one_title() -> None:
    title = "宜兴市人民政府关于2021年度法治政府建设情况的报告"
    header = locate_header(f"标题：{title}{title}\n2021年，全市上下深入推进依法行政。\n" + _PARTS)
    assert header.title == title


def test_of_two_prints_the_one_naming_the_issuing_body_is_the_title() -> None:
    full = "东阳市人民政府关于2023年度法治政府建设情况的报告"
    header = locate_header(f"{full}\n东阳市2023年度法治政府建设情况报告\n2023年，东阳市全面推进依法行政。\n"
                           + _PARTS)
    assert header.title == full


def test_an_h1_split_by_br_is_one_title(tmp_path: Path) -> None:
    html = ("<html><head><title>温江区交通运输局2024年法治政府建设年度报告_某某网</title></head><body>"
            "<h1>温江区交通运输局<br>2024年法治政府建设年度报告</h1>"
            "<p>2024年，我局坚持依法行政，全面推进交通运输领域法治建设。现将有关情况报告如下：</p>"
            "<p>一、主要工作</p><p>全年审查合同9件，开展执法检查40次，办理行政处罚案件31件。</p>"
            "<p>二、存在的问题</p><p>一是执法人员偏少。</p><p>三、下一步工作安排</p><p>一是充实执法力量。</p>"
            "</body></html>")
    report = _report(tmp_path, html, "r.html")
    assert report.meta.title == "温江区交通运输局2024年法治政府建设年度报告"
    assert report.meta.issuing_body == "温江区交通运输局"


# ----------------------------------------------------------------------------- 行政公署 (§19)
def test_a_league_or_prefecture_administrative_office_is_a_government(tmp_path: Path) -> None:
    text = ("2023年法治政府建设情况报告\n2023年，我盟认真落实法治政府建设各项部署，统筹推进依法行政。\n" + _PARTS
            + "\n阿拉善盟行政公署　2024年3月8日\n")
    report = _report(tmp_path, text)
    assert report.meta.issuing_body == "阿拉善盟行政公署"
    assert report.meta.level == "市级"
    titled = _report(tmp_path, "大兴安岭地区行政公署2022年法治政府建设情况报告\n2022年，全区依法行政水平不断提高。\n"
                     + _PARTS)
    assert titled.meta.issuing_body == "大兴安岭地区行政公署"
    assert titled.meta.level == "市级"


# ----------------------------------------------------------------------------- part boundaries (§19)
def test_a_weak_links_heading_is_the_problems_and_an_unheaded_next_step_paragraph_the_plans(tmp_path: Path) -> None:
    from rag.report.roles import heading_role

    assert heading_role("二、存在的薄弱环节") == "problems"
    assert heading_role("三、薄弱环节和原因") == "problems"
    assert heading_role("（二）加强薄弱环节建设") != "problems"
    text = ("东坪乡2023年法治政府建设情况报告\n2023年，我乡坚持依法行政，扎实推进法治乡村建设。\n"
            "一、主要工作\n乡政府研究重大事项二十项，全年审查合同十份，调处矛盾纠纷一百二十起，开展法治宣传十场。\n"
            "二、存在的薄弱环节\n一是乡执法力量不足，执法人员多为兼职。\n二是村干部依法办事意识不强。\n"
            "下一步，我乡将重点抓好两项工作。一是配强乡综合行政执法队。二是每半年组织一次村干部法律培训。\n")
    report = _report(tmp_path, text)
    roles = [(s.role, s.span) for s in report.sections if s.role in ("problems", "plans")]
    assert [r for r, _ in roles] == ["problems", "plans"]
    assert report.problems[0].text.startswith("乡执法力量不足")
    assert text[roles[1][1][0]:].startswith("下一步，我乡将重点抓好两项工作")
    assert report.plans[0].text.startswith("配强乡综合行政执法队")


def test_a_paragraph_measured_against_the_requirements_closing_the_measures_is_the_problems(tmp_path: Path) -> None:
    text = ("临平区司法局2022年法治政府建设情况报告\n2022年，我局坚持依法行政，全面推进司法行政工作。\n"
            "一、主要举措和成效\n（一）规范行政决策。全年审核合同和文件二十件，开展执法检查三十次，办理复议案件十二件。\n"
            "对照上级要求，我局工作中还有一些差距。执法人员办案经验不足，文书质量有待提高。部分制度落实不够到位。\n"
            "二、努力方向\n一是开展执法文书评查。\n二是组织新进人员跟班学习。\n")
    report = _report(tmp_path, text)
    problems = next(s for s in report.sections if s.role == "problems")
    assert text[problems.span[0]:].startswith("对照上级要求，我局工作中还有一些差距。")
    assert text[problems.span[0]:problems.span[1]].rstrip().endswith("部分制度落实不够到位。")


def test_unheaded_problems_and_next_step_paragraphs_close_the_last_section(tmp_path: Path) -> None:
    text = ("千灯镇2016年度法治政府建设工作总结\n2016年，千灯镇坚持依法行政，法治政府建设取得新进展。\n"
            "一、全年工作情况\n（一）依法决策。全年研究重大事项十五项，均事先听取法律顾问意见，审查合同三十份。\n"
            "（二）法治宣传。建成镇级法治文化广场一处、村级法治宣传长廊十二处，开展法治讲座二十场。\n"
            "同时也要看到，我镇法治政府建设中还有一些不足。执法人员数量偏少，执法主体资格有待进一步明确。\n"
            "下一步，千灯镇将在以下方面着力：一是完善调解工作格局；二是配合开展综合执法改革。\n")
    report = _report(tmp_path, text)
    parts = {s.role: text[s.span[0]:s.span[1]] for s in report.sections}
    assert parts["problems"].startswith("同时也要看到，我镇法治政府建设中还有一些不足。")
    assert parts["plans"].startswith("下一步，千灯镇将在以下方面着力")
    assert "同时也要看到" not in parts["measures"]


def test_lost_part_headings_deficit_items_then_items_restarting_at_yi_shi(tmp_path: Path) -> None:
    # an HTML page whose <h2> part headings the extractor dropped: only the items stand
    text = ("某某自治区人民政府关于2017年法治政府建设情况的报告\n2017年，自治区人民政府扎实推进依法行政。\n"
            "（一）深化简政放权。自治区本级行政许可事项精简到四百项以内，全年办理审批事项三千件。\n"
            "（二）加强政府立法。制定修改政府规章七件，提请审议法规草案十件。\n"
            "（三）严格规范执法。组织执法人员资格考试两次，评查执法案卷三百件，办理复议案件九十件。\n"
            "一是基层法治工作力量薄弱。\n二是立法评估工作开展不够。\n三是执法信息化建设总体滞后。\n"
            "一是加大对基层法治工作的扶持力度。\n二是建立规章立法后评估制度。\n")
    report = _report(tmp_path, text)
    parts = {s.role: text[s.span[0]:s.span[1]] for s in report.sections}
    assert parts["problems"].startswith("一是基层法治工作力量薄弱。")
    assert parts["problems"].rstrip().endswith("三是执法信息化建设总体滞后。")
    assert parts["plans"].startswith("一是加大对基层法治工作的扶持力度。")


def test_a_site_name_above_the_opening_does_not_hide_its_year() -> None:
    from rag.core.types import SourceDocument
    from rag.ingest.clean import clean_text
    from rag.report.metadata import extract_meta

    text = ("昆山市人民政府\n2016年，千灯镇坚持以法治思维推动经济社会发展，依法行政工作取得新进展。现将全年工作总结如下：\n"
            + _PARTS)
    doc = SourceDocument(path="r.txt", name="r.txt", text=text, format="txt", encoding="utf-8",
                         sha256="0", size_bytes=len(text.encode()))
    meta, _ = extract_meta(doc, clean_text(doc))
    assert meta.year == 2016
