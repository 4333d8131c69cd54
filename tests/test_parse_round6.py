"""Round 6 of issue 11 (docs/report-patterns.md §17): township kinds, issuer scoring, part boundaries."""

from __future__ import annotations

from rag.lang import places
from rag.report.issuer import _level_of_org, government_of


def test_township_kinds_include_sumu_and_ethnic_township() -> None:
    assert {"苏木", "民族乡", "镇", "乡", "街道"} <= set(places.TOWNSHIP_KINDS)
    assert [m.text for m in places.find_places("鄂伦春民族乡人民政府")] == ["鄂伦春民族乡"]
    assert places.find_places("查干诺尔苏木2023年")[0].level == places.TOWN
    assert places.stem_of("鄂伦春民族乡") == "鄂伦春"
    assert government_of("查干诺尔苏木") == "查干诺尔苏木人民政府"
    assert _level_of_org("查干诺尔苏木人民政府", "") == "乡镇街道"
