"""Round 6 of issue 11 (docs/report-patterns.md §17): township kinds, issuer scoring, part boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.lang import places
from rag.report.issuer import _level_of_org, full_form, government_of
from rag.report.metadata import locate_header
from rag.report.parse import load_report


def test_township_kinds_include_sumu_and_ethnic_township() -> None:
    assert {"苏木", "民族乡", "镇", "乡", "街道"} <= set(places.TOWNSHIP_KINDS)
    assert [m.text for m in places.find_places("鄂伦春民族乡人民政府")] == ["鄂伦春民族乡"]
    assert places.find_places("查干诺尔苏木2023年")[0].level == places.TOWN
    assert places.stem_of("鄂伦春民族乡") == "鄂伦春"
    assert government_of("查干诺尔苏木") == "查干诺尔苏木人民政府"
    assert _level_of_org("查干诺尔苏木人民政府", "") == "乡镇街道"


# ----------------------------------------------------------------------------- round-6 mechanisms (§17)
_BODY = "全面落实法治政府建设实施纲要，统筹推进严格规范公正文明执法，法治政府建设取得新进展。"
_PARTS = ("一、主要举措和成效\n全年办理行政执法案件12件，开展执法检查86次。\n二、存在的问题\n一是执法人员偏少。二是培训不够。\n"
          "三、下一步工作安排\n一是充实执法力量。二是开展轮训。\n")


def _report(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    return load_report(path, 2**20)


def test_the_sentence_that_submits_the_report_is_no_title() -> None:
    header = locate_header("现将区水利局2023年度法治政府建设工作报告如下：\n一、主要工作\n全年审查合同9件。\n")
    assert header.title == ""


@pytest.mark.parametrize(("opening", "later", "issuer"), [
    ("2021年，卫生健康委坚持以法治思想为指导，", "印发《江西省卫生健康委关于规范医疗执法的通知》。", "江西省卫生健康委"),
    ("现将市自然资源局2022年度法治政府建设情况报告如下：", "2022年，株洲市自然资源局依法履行职责。", "株洲市自然资源局"),
    ("2023年，区人社局坚持依法行政，", "制定《潮阳区人社局行政执法公示办法》。", "潮阳区人社局"),
])
def test_a_placeless_body_takes_the_one_full_form_the_text_writes(tmp_path: Path, opening: str, later: str,
                                                                  issuer: str) -> None:
    meta = _report(tmp_path, f"{opening}{_BODY}\n一、主要举措和成效\n{later}\n二、存在的问题\n一是执法人员偏少。二是培训不够。\n"
                             "三、下一步工作安排\n一是充实执法力量。二是开展轮训。\n").meta
    assert meta.issuing_body == issuer


def test_full_forms_leave_party_bodies_ministries_and_running_names_alone() -> None:
    assert full_form("市委", "中共宁波市委高度重视") == ""
    assert full_form("应急管理部", "深圳市应急管理部门开展检查") == ""
    assert full_form("教育局", "萍乡市教育局和芦溪县教育局联合检查") == ""  # two full forms: none
    assert full_form("教育局", "萍乡市教育局开展检查") == "萍乡市教育局"


def test_a_short_township_government_is_its_peoples_government(tmp_path: Path) -> None:
    meta = _report(tmp_path, f"2024年，青山镇政府在县委、县政府的领导下，{_BODY}现将我镇情况报告如下：\n{_PARTS}").meta
    assert meta.issuing_body == "青山镇人民政府"
    assert meta.level == "乡镇街道"


def test_a_township_named_once_resolves_wo_zhen_only_when_it_is_a_name(tmp_path: Path) -> None:
    named = _report(tmp_path, f"区委、区政府：\n2024年，我镇{_BODY}\n一、主要举措和成效\n将法治工作纳入东庄镇发展规划。\n"
                              "二、存在的问题\n一是执法人员偏少。二是培训不够。\n三、下一步工作安排\n一是充实执法力量。二是开展轮训。\n").meta
    assert named.issuing_body == "东庄镇人民政府"
    anonymous = _report(tmp_path, f"区委、区政府：\n2024年，我镇{_BODY}\n{_PARTS}").meta
    assert anonymous.issuing_body == ""


def test_township_stems_may_begin_with_xiao() -> None:
    assert [m.text for m in places.find_places("小河街道坚持依法行政")] == ["小河街道"]
    assert places.find_places("建设特色小城镇") == []


def test_an_unheaded_problems_passage_runs_over_its_item_lines(tmp_path: Path) -> None:
    report = _report(tmp_path, "2025年，在区委的领导下，小河街道" + _BODY + "\n一、主要工作举措及成效\n（一）深化学法。集中学法6次。\n"
                     "（二）化解纠纷。全年化解纠纷180件。\n在取得成绩的同时，我们也清醒地看到工作中还存在一些问题。\n"
                     "一是网格员参与普法的积极性不高。\n二是部分调解员调解技巧有待提高。\n二、2026年工作思路\n"
                     "一是把普法纳入网格考核。\n二是开展调解员培训。\n")
    problems = [s for s in report.sections if s.role == "problems"]
    assert problems and "调解技巧有待提高" in report.text[problems[0].span[0] : problems[0].span[1]]
    assert report.meta.issuing_body == "小河街道办事处"
