"""A body named by its level word alone names no place (rag.lang.places.LEVEL_WORD), wherever it is read."""

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
