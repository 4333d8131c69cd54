"""The question's figures in the spellings reports use (rag.lang.figure_forms)."""

from __future__ import annotations

import pytest

from rag.lang.figure_forms import figure_forms


@pytest.mark.parametrize(("question", "expected"), [
    ("开会前一共集体学了十二次法吗", "12次"),
    ("文化市场执法人员只有五个人", "5名"),
    ("配了八十六个法治副校长", "86名"),
    ("只靠两个兼职的人", "两名"),
    ("执法人员只有2人", "两名"),
    ("有没有百分之九十七", "97%"),
    ("老百姓满意的有百分之九十八点六吗", "98.6%"),
    ("持证的是不是还不到百分之六十", "六成"),
    ("持证的不到六成", "60%"),
    ("翻查了两万三千卷执法档案", "2.3万"),
    ("查处了一万二千件", "1.2万件"),
    ("全年学法12次", "十二次"),
])
def test_report_spelling_added(question: str, expected: str) -> None:
    assert expected in figure_forms(question)


@pytest.mark.parametrize("question", ["2021年3月5日发布的吗", "第三次会议", "2020年报告", "进一步统一一网通办", "", "XX件"])
def test_no_forms_for_dates_years_ordinals_words(question: str) -> None:
    assert figure_forms(question) == ()


def test_forms_are_new_and_unique() -> None:
    forms = figure_forms("五个人和5名")
    assert "5名" not in forms and len(forms) == len(set(forms))


def test_a_count_of_things_gets_no_person_counters() -> None:
    forms = figure_forms("建了五个调解室")
    assert "5个" in forms and "5名" not in forms
