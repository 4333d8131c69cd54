"""Rules of the fourth parsing round (docs/report-patterns.md §15), each on a short text of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.report.headings import Line, drop_page_chunk_marks, split_lines
from rag.report.issuer import level_from_text as _level_from_text
from rag.report.parse import load_report

_BODY = ("坚持以习近平法治思想为指导，全面落实法治政府建设实施纲要，统筹推进严格规范公正文明执法，"
         "法治政府建设取得新进展，为经济社会高质量发展提供了有力法治保障。")
_PARTS = ("一、主要举措和成效\n全年办理行政复议案件12件，开展执法检查86次。\n二、存在的不足\n一是执法人员偏少。二是培训不够。\n"
          "三、下一步工作安排\n一是充实执法力量。二是开展轮训。\n")


def _parse(tmp_path: Path, text: str, name: str = "r.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_report(path, 2**20)


def test_self_designation_decides_level_before_area_words() -> None:
    assert _level_from_text("围绕全市水利工作，我局全年……全市河道") == "部门"
    assert _level_from_text("全市共办理案件，全市执法") == "市级"


def test_news_about_a_report_names_its_issuer_and_has_no_title(tmp_path: Path) -> None:
    text = ("人大之声丨省人大常委会会议听取审议2024年法治政府建设情况的报告\n"
            "3月27日，在省人大常委会会议上，受省人民政府委托，副省长作甘肃省人民政府关于2024年法治政府建设情况的报告。"
            + _BODY + "\n常委会组成人员认为，省政府依法行政水平不断提升，法治政府建设取得积极成效。" + _BODY + "\n")
    meta = _parse(tmp_path, text).meta
    assert meta.title == ""
    assert meta.issuing_body == "甘肃省人民政府"
    assert meta.level == "省级"


def test_breadcrumb_and_long_index_rows_stand_before_the_title(tmp_path: Path) -> None:
    text = ("您现在所在的位置： 首页>政务公开>部门信息公开>某局>规划信息\n"
            "索引号： A1--2024-0001 主题分类： 综合政务发布机构： 湾里区文化广电新闻出版旅游局 生成日期： 2024-03-04文件编号： 有效性： 有效\n"
            "湾里区文化广电旅游局2023年法治政府建设年度报告\n2023年，我局" + _BODY + "\n" + _PARTS)
    report = _parse(tmp_path, text)
    assert report.meta.title == "湾里区文化广电旅游局2023年法治政府建设年度报告"
    assert report.meta.issuing_body == "湾里区文化广电旅游局"
    assert report.meta.pub_date == "2024-03-04"
    assert {s.role for s in report.sections} >= {"problems", "plans"}


def test_traditional_title_over_two_lines_is_shown_in_the_original(tmp_path: Path) -> None:
    text = ("汕頭市濠江區教育局2022年法治政府建設\n年度報告\n2022年，我局堅持以習近平法治思想為指導，全面落實法治政府建設實施綱要，"
            "統籌推進嚴格規範公正文明執法，法治政府建設取得新進展，為教育高質量發展提供了有力法治保障。\n"
            "一、主要做法\n全年檢查校外培訓機構140家次。\n二、存在問題\n一是執法力量分散。\n三、下一步工作計劃\n一是整合執法力量。\n")
    assert _parse(tmp_path, text).meta.title == "汕頭市濠江區教育局2022年法治政府建設年度報告"


def test_page_chunk_numbers_are_not_headings() -> None:
    text = ("1、" + "甲" * 120 + "，\n2、乙" + "丙" * 120 + "。\n3、丁戊。")
    lines = drop_page_chunk_marks(split_lines(text))
    assert [ln.text[:1] for ln in lines] == ["甲", "乙", "丁"]
    assert all(text[ln.start : ln.end] == ln.text for ln in lines)
    items = [Line(0, 10, "1、健全机制。"), Line(11, 20, "2、规范执法。")]  # a list, not page chunks
    assert drop_page_chunk_marks(items) is items


def test_title_from_the_file_name_of_a_document_sharing_banner(tmp_path: Path) -> None:
    text = ("《区教育局2023年法治政府建设工作总结 .docx》由会员分享，可在线阅读，更多相关文档请在某某文库网上搜索。\n"
            "2023年，*区教育局" + _BODY + "\n" + _PARTS)
    meta = _parse(tmp_path, text).meta
    assert meta.title == "区教育局2023年法治政府建设工作总结"
    assert meta.issuing_body == ""  # its place is masked in the text (「*区教育局」)
    assert meta.level == "部门"


@pytest.mark.parametrize("org", ["某县人民政府", "某某市人民政府"])
def test_placeholder_places_are_masked_not_made_up(tmp_path: Path, org: str) -> None:
    report = _parse(tmp_path, f"{org}关于2023年度法治政府建设情况的报告\n2023年，{org[:2]}" + _BODY + "\n" + _PARTS)
    assert report.meta.issuing_body == "" and report.meta.region == ""
    assert report.meta.level == ("区县级" if "县" in org else "市级")
    assert "masked_names" in {w.code for w in report.warnings}
