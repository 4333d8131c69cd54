"""Rules of the fifth parsing round (docs/report-patterns.md §16): where the issuing body stands when
no 「XX人民政府关于…」 title names it. Each rule on short texts of its own, with the cases it must leave alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.lang import places, words
from rag.report.issuer import government_of
from rag.report.issuer import level_from_text as _level_from_text
from rag.report.parse import load_report

_BODY = ("全面落实法治政府建设实施纲要，统筹推进严格规范公正文明执法，"
         "法治政府建设取得新进展，为经济社会高质量发展提供了有力法治保障。")
_PARTS = ("一、主要举措和成效\n全年办理行政执法案件12件，开展执法检查86次。\n二、存在的问题\n一是执法人员偏少。二是培训不够。\n"
          "三、下一步工作安排\n一是充实执法力量。二是开展轮训。\n")


def _meta(tmp_path: Path, text: str, name: str = "r.txt"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_report(path, 2**20).meta


# ----------------------------------------------------------------------------- the title's place
@pytest.mark.parametrize(("title", "issuer"), [
    ("索县热瓦乡2024年法治政府建设情况报告", "索县热瓦乡人民政府"),
    ("石桥铺街道关于2025年度法治政府建设情况的报告", "石桥铺街道办事处"),
    ("鹤峰县2023年度法治政府建设工作报告", "鹤峰县人民政府"),
])
def test_a_title_that_opens_with_a_place_is_that_place_governments_report(tmp_path: Path, title: str,
                                                                           issuer: str) -> None:
    meta = _meta(tmp_path, f"{title}\n2024年以来，我们{_BODY}\n{_PARTS}")
    assert meta.issuing_body == issuer
    assert "标题" in meta.issuer_evidence


def test_a_zone_title_names_no_government(tmp_path: Path) -> None:
    """Who governs a 经济开发区 (管委会, 党工委, a company) the title does not say: left empty."""
    meta = _meta(tmp_path, f"经济开发区2024年度法治政府建设情况报告\n2024年以来，园区{_BODY}\n{_PARTS}")
    assert meta.issuing_body == ""
    assert government_of("宁河经济开发区") == ""


# ----------------------------------------------------------------------------- the opening's subject
def test_a_bare_place_after_several_lead_clauses_is_the_subject(tmp_path: Path) -> None:
    text = ("2023年，在县委、县政府的坚强领导下，在县司法局的具体指导下，沙湾镇深入学习贯彻习近平法治思想，"
            + _BODY + "现将有关情况报告如下：\n" + _PARTS)
    meta = _meta(tmp_path, text)
    assert meta.issuing_body == "沙湾镇人民政府"
    assert meta.level == "乡镇街道"


def test_a_place_followed_by_more_nouns_is_not_the_issuer(tmp_path: Path) -> None:
    text = "2023年，张湾区教育系统坚持以习近平法治思想为指导，" + _BODY + "\n" + _PARTS
    assert _meta(tmp_path, text).issuing_body == ""


def test_a_circumstance_clause_after_the_subject_is_no_part_of_its_name(tmp_path: Path) -> None:
    text = "2023年，月湖街道在区委区政府的坚强领导下，坚持以习近平法治思想为指导，" + _BODY + "\n" + _PARTS
    assert _meta(tmp_path, text).issuing_body == "月湖街道办事处"


def test_a_salutation_names_the_addressee_not_the_issuer(tmp_path: Path) -> None:
    text = ("城西区委全面依法治区委员会：\n在全面建设社会主义现代化国家新征程上，古城街道办事处坚持以习近平法治思想为指导，"
            + _BODY + "\n" + _PARTS)
    meta = _meta(tmp_path, text)
    assert meta.issuing_body == "古城街道办事处"
    assert meta.level == "乡镇街道"


# ----------------------------------------------------------------------------- 我镇
def test_we_the_town_is_the_one_town_the_body_names(tmp_path: Path) -> None:
    text = ("2022年，我镇" + _BODY + "\n一、主要举措和成效\n把法治课程列入龙山镇党校计划，推动新法在龙山镇落地见效。\n"
            "二、存在的问题\n一是执法人员偏少。\n三、下一步工作安排\n一是充实执法力量。\n")
    meta = _meta(tmp_path, text)
    assert meta.issuing_body == "龙山镇人民政府"
    assert "我镇" in meta.issuer_evidence


def test_we_the_town_stays_empty_when_two_towns_or_none_are_named(tmp_path: Path) -> None:
    two = ("2022年，我镇" + _BODY + "\n一、主要举措和成效\n与龙山镇、石门镇联合执法，龙山镇、石门镇各出人员。\n"
           "二、存在的问题\n一是执法人员偏少。\n三、下一步工作安排\n一是充实执法力量。\n")
    assert _meta(tmp_path, two).issuing_body == ""
    none = "2022年，我镇" + _BODY + "推进依法治镇，完善依法治镇工作机制。\n" + _PARTS
    assert _meta(tmp_path, none, "n.txt").issuing_body == ""


def test_township_names_trim_a_verb_in_front() -> None:
    text = "列入西岸镇党校培训，推动精神在西岸镇落地，完善依法治镇机制，依法治镇取得实效。"
    assert places.township_names(text, "镇") == {"西岸镇": 2}


# ----------------------------------------------------------------------------- placeless names
def test_a_placeless_bureau_takes_the_one_district_named_in_full(tmp_path: Path) -> None:
    text = ("2024年，在区委、区政府的坚强领导下，区人社局坚持以习近平法治思想为指导，落实《中共揭阳市榕城区委全面依法治区"
            "委员会2024年工作要点》《揭阳市榕城区2024年法治政府建设工作要点》，" + _BODY + "\n" + _PARTS)
    assert _meta(tmp_path, text).issuing_body == "榕城区人社局"


def test_a_short_form_in_a_cited_document_number_is_not_the_place(tmp_path: Path) -> None:
    text = ("2024年，区人社局坚持以习近平法治思想为指导，修订议事规则（榕城人社〔2024〕3号），" + _BODY + "\n" + _PARTS)
    assert _meta(tmp_path, text).issuing_body == "区人社局"


def test_a_province_may_be_named_by_its_short_form(tmp_path: Path) -> None:
    text = ("省人民政府关于2021年度法治政府建设情况的报告\n2021年，省政府坚持以习近平法治思想为指导，为安徽高质量发展"
            "提供法治保障，" + _BODY + "\n" + _PARTS)
    assert _meta(tmp_path, text).issuing_body == "安徽省人民政府"


def test_a_bureau_naming_its_own_party_body_is_a_department() -> None:
    assert _level_from_text("全县教育系统深入学习，局党委理论学习中心组全年学法，全县学校") == "部门"


# ----------------------------------------------------------------------------- 繁體
def test_a_built_name_keeps_the_original_characters(tmp_path: Path) -> None:
    text = ("2022年，在區委、區政府的正確領導下，石佛鎮堅持以習近平法治思想為指導，全面落實法治政府建設實施綱要，"
            "法治政府建設取得新進展。\n一、主要做法\n全年檢查140次。\n二、存在問題\n一是執法力量分散。\n三、下一步工作計劃\n一是整合執法力量。\n")
    assert _meta(tmp_path, text).issuing_body == "石佛鎮人民政府"


# ----------------------------------------------------------------------------- words
@pytest.mark.parametrize(("text", "expected"), [
    ("坚持以习近平法治思想为指导", True), ("在区委区政府的领导下", True), ("认真落实", True), ("全面贯彻", True),
    ("教育系统坚持", False), ("党委、政府坚持", False), ("人民政府", False),
])
def test_starts_predicate(text: str, expected: bool) -> None:
    assert words.starts_predicate(text) is expected


# ----------------------------------------------------------------------------- HTML grid above the title
def test_html_grid_cells_keep_label_and_value_together(tmp_path: Path) -> None:
    html = ("<html><head><title>x</title></head><body><table>"
            "<tr><td>索引号：</td><td>1133/2024-00012</td><td>发布机构：</td><td>某区人民政府办公室</td></tr>"
            "<tr><td>成文日期：</td><td>2024-01-12</td><td>发布日期：</td><td>2024-01-15</td></tr></table>"
            "<article><h1>石碶街道2023年度法治政府建设工作报告</h1><p>2023年，石碶街道坚持以习近平法治思想为指导，"
            + _BODY + "</p>" + "".join(f"<p>{line}</p>" for line in _PARTS.splitlines()) + "</article></body></html>")
    meta = _meta(tmp_path, html, "r.html")
    assert meta.pub_date == "2024-01-15"
    assert meta.publisher == "某区人民政府办公室"
    assert meta.issuing_body == "石碶街道办事处"


def test_a_built_suffix_is_written_as_the_document_writes_it(tmp_path: Path) -> None:
    text = ("2023年，荔灣街道堅持以習近平法治思想為指導，依托社區辦公場所和調解辦，全面落實法治政府建設實施綱要，"
            "法治政府建設取得新進展。\n一、主要做法\n全年檢查140次。\n二、存在問題\n一是執法力量分散。\n三、下一步工作計劃\n一是整合執法力量。\n")
    assert _meta(tmp_path, text).issuing_body == "荔灣街道辦事處"


def test_a_place_as_the_object_of_xianjiang_is_the_issuer(tmp_path: Path) -> None:
    text = ("2022年，全镇上下" + _BODY + "现将青龙镇2022年度法治政府建设工作落实情况报告如下：\n" + _PARTS)
    assert _meta(tmp_path, text).issuing_body == "青龙镇人民政府"


def test_a_site_name_above_an_untitled_report_is_not_its_issuer(tmp_path: Path) -> None:
    """A county portal prints its own name above a township's report (report-patterns §16)."""
    text = ("八宿县人民政府\n政府信息公开\n2024年，在县委、县政府的坚强领导下，我乡坚持以习近平法治思想为指导，" + _BODY
            + "现将有关情况报告如下：\n" + _PARTS)
    meta = _meta(tmp_path, text)
    assert meta.issuing_body == ""
    assert meta.level == "乡镇街道"


def test_a_posting_office_is_not_the_issuer_of_a_town_report(tmp_path: Path) -> None:
    """来源 the county's 司法局, the text says 我镇 and names no town: the issuer is not determined."""
    text = "来源：桑植县司法局\n2024年，我镇" + _BODY + "\n" + _PARTS
    meta = _meta(tmp_path, text)
    assert meta.issuing_body == ""
    assert meta.source == "桑植县司法局"
    assert meta.level == "乡镇街道"


def test_a_posting_body_of_the_same_kind_is_taken(tmp_path: Path) -> None:
    text = "来源：桑植县农业农村局\n2024年，我局" + _BODY + "\n" + _PARTS
    assert _meta(tmp_path, text).issuing_body == "桑植县农业农村局"


def test_zhou_inside_a_district_name_is_no_prefecture(tmp_path: Path) -> None:
    from rag.report.issuer import region_of
    assert region_of("原州区头营镇人民政府") == "原州区头营镇"
    assert region_of("郑州市人民政府") == "郑州市"
    assert region_of("甘孜州人民政府") == "甘孜州"
    meta = _meta(tmp_path, f"原州区头营镇2022年法治政府建设情况报告\n2022年，头营镇法治政府建设工作在区委、区政府的领导下，{_BODY}\n{_PARTS}")
    assert meta.issuing_body == "原州区头营镇人民政府"


def test_a_town_whose_name_begins_like_a_verb_is_found() -> None:
    text = "推动精神在下太镇落地生根，列入下太镇委党校课程，推动全镇工作，推动全镇发展。"
    assert places.township_names(text, "镇") == {"下太镇": 2}


def test_a_prefecture_calls_itself_our_zhou() -> None:
    assert _level_from_text("州党委、政府始终将法治政府建设摆在突出位置，全州各级") == "市级"


def test_a_joint_party_and_government_subject_gives_the_level_only(tmp_path: Path) -> None:
    meta = _meta(tmp_path, "2023年，清江镇党委、政府坚持以习近平法治思想为指导，" + _BODY + "\n" + _PARTS)
    assert meta.issuing_body == ""
    assert meta.level == "乡镇街道"


def test_the_subject_after_a_basis_clause_and_the_year(tmp_path: Path) -> None:
    text = ("根据上级关于实行法治建设年度报告制度的要求，以及市、区的具体部署，2023年，紫阳街道以深入学习贯彻习近平法治思想为核心，"
            + _BODY + "\n" + _PARTS)
    assert _meta(tmp_path, text).issuing_body == "紫阳街道办事处"


def test_an_opening_that_begins_with_its_basis_is_no_title(tmp_path: Path) -> None:
    text = ("根据上级关于实行法治建设年度报告制度的要求，2023年，紫阳街道坚持以习近平法治思想为指导，" + _BODY + "\n" + _PARTS)
    assert _meta(tmp_path, text).title == ""


def test_a_place_subject_in_a_bureau_report_is_not_its_issuer(tmp_path: Path) -> None:
    text = ("2024年，鄞州区深入推进农业农村领域依法行政，我局坚持以习近平法治思想为指导，" + _BODY + "我局全年办理案件。\n" + _PARTS)
    meta = _meta(tmp_path, text)
    assert meta.issuing_body == ""
    assert meta.level == "部门"
