"""Names of places and bodies: level words, 城乡, streets, short forms of an issuer (rag.lang.places, recognition)."""

from __future__ import annotations

import pytest

from rag.retrieve.recognition import _names_a_body


@pytest.mark.parametrize("title", ["州政府关于2020年法治政府建设情况的报告", "自治区人民政府2021年度法治政府建设情况报告",
                                   "盟政府法治政府建设年度报告", "我镇人民政府2023年法治政府建设情况报告"])
def test_a_government_of_a_level_word_names_no_report(title: str) -> None:
    assert not _names_a_body(title)


@pytest.mark.parametrize("title", ["恩施州人民政府关于2020年法治政府建设情况的报告", "苏州市2022年法治政府建设情况报告"])
def test_a_named_division_names_its_report(title: str) -> None:
    assert _names_a_body(title)


@pytest.mark.parametrize(("name", "region"), [("汉中市南郑区住房和城乡建设局", "汉中市南郑区"), ("北碚区古城乡人民政府", "北碚区古城乡")])
def test_the_word_chengxiang_is_no_township(name: str, region: str) -> None:
    from rag.lang import places
    from rag.report.issuer import region_of

    assert region_of(name) == region
    assert not [m for m in places.find_places("区城乡建设局推进城乡规划") if m.level == places.TOWN]


def _info(rid: str, body: str, region: str, year: int = 2025):
    from rag.core.types import ReportInfo

    return ReportInfo(rid, "", body, region, "", year, "", "", f"{rid}.txt", f"/x/{rid}.txt", "", 10)


def test_a_township_named_after_its_main_street_names_its_report() -> None:
    from rag.retrieve.recognition import analyze_query

    reports = [_info("a", "东关大街街道办事处", "东关大街街道"), _info("b", "西关街道办事处", "西关街道")]
    assert analyze_query("东关大街街道2025年干部多久学一次法？", reports).report_ids == ("a",)


def test_a_body_named_by_a_short_form_of_its_own_name_is_boosted_not_certain() -> None:
    from rag.retrieve.recognition import analyze_query

    reports = [_info("a", "湖北五峰后河国家级自然保护区管理局", ""), _info("b", "神农架林区自然资源局", "神农架林区"),
               _info("c", "某县自然资源局", "某县")]
    intent = analyze_query("后河自然保护区管理局2025年为什么有些案子要移交？", reports)
    assert intent.report_ids == ("a",) and not intent.certain
    assert "后河自然保护区管理局" in intent.topic  # its words stay in the search text
    assert analyze_query("自然资源局2025年做了什么？", reports).report_ids != ("b",)  # a kind of body names none
