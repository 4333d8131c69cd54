"""A 是…的 question whose subject is the report asks about the report itself (rag.question.analysis)."""

from __future__ import annotations

import pytest

from rag.question.analysis import section_roles


@pytest.mark.parametrize("question", ["双河乡2025年的法治政府建设报告是交给谁的？", "水利部2022年那份报告是哪个司发出来的？",
                                      "炼铁乡2022年的报告是哪天登出来的？", "这篇稿件是什么时候贴出来的"])
def test_who_when_and_to_whom_of_the_report_are_metadata_questions(question: str) -> None:
    assert "metadata" in section_roles(question)


@pytest.mark.parametrize("question", ["报告里提到哪个单位聘了法律顾问？", "2023年报告中哪个乡镇的调解率最高？",
                                      "报告有哪些不足", "这份报告说了哪些问题"])
def test_what_the_report_says_is_no_metadata_question(question: str) -> None:
    assert "metadata" not in section_roles(question)


def test_the_kind_asked_for_carries_its_field_and_leaves_the_search_words() -> None:
    from rag.question.analysis import asked_kind, without_asked_kind

    assert asked_kind("哪家教育局聘了校外培训社会监督员？") == "教育局"
    assert without_asked_kind("哪家教育局聘了校外培训社会监督员？").strip() == "聘了校外培训社会监督员？"
    assert asked_kind("哪里的政务服务中心设了窗口") == "" and asked_kind("哪个街道用短视频做普法") == "街道"


@pytest.mark.parametrize("question", ["劳动监察人手跟不上，带来了什么后果？", "为什么有些案子自己办不了，要交给地方？",
                                      "执法力量薄弱的原因是什么"])
def test_why_a_thing_failed_and_what_it_led_to_ask_for_the_problems_part(question: str) -> None:
    assert "problems" in section_roles(question)


def test_devolved_powers_in_everyday_words_bring_the_reports_words() -> None:
    from rag.lang.synonyms import report_wording

    words = report_wording("哪个镇接手了县里放下来的17项事情？")
    assert "承接" in words and "下放" in words
