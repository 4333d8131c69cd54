"""Extractive answers over hand-made hits cut from the real sample reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer.extractive import LIST_CUT
from rag.answer.kinds import extractive_answer
from rag.answer.verify import REFUSAL, verify_answer
from rag.core.config import AnswerSettings
from rag.core.types import Answer, Chunk, Hit, ReportInfo
from rag.question.analysis import analyze_question, find_places

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
META = {
    "000_b860dcfb9e60ff33": ("X市政府2020年法治政府建设情况报告", "", 2020),
    "001_90f388ef81cabcb7": ("2021年度法治政府督察自查报告", "", 2021),
    "002_0158dad679362a71": ("重庆市潼南区人民政府办公室关于2020年度法治政府建设情况的报告", "重庆市潼南区", 2020),
    "003_340d6b83137f3ef6": ("广州市人民政府办公厅2020年法治政府建设年度报告", "广州市", 2020),
    "004_0c07f546518aa335": ("关于2021年度法治政府建设情况的报告", "", 2021),
}


def source(report_id: str) -> str:
    return (SAMPLES / f"{report_id}.txt").read_text(encoding="utf-8")


def para_hit(report_id: str, needle: str, rank: int = 0, role: str = "measures", section: str = "", shift: int = 0) -> Hit:
    """The paragraph of a sample containing ``needle``, as a chunk whose source span starts at ``shift``
    characters of removed boilerplate (so cleaned and source offsets differ, as they do after cleaning)."""
    text = source(report_id)
    at = text.index(needle)
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    title, region, year = META[report_id]
    info = ReportInfo(report_id, title, "", region, "", year, "", "", f"{report_id}.txt", "", "", 1)
    chunk = Chunk(
        f"{report_id}:{start}", report_id, rank, text[start:end], section or title, role, (start - shift, end - shift), (start, end)
    )
    return Hit(rank, 1.0 / (rank + 1), chunk, info)


SETTINGS = AnswerSettings()


def ask(question: str, *hits: Hit, settings: AnswerSettings = SETTINGS) -> Answer:
    answer = extractive_answer(question, list(hits), settings, source_text=source)
    assert answer.mode == "extractive" and not answer.verified
    return answer


def assert_grounded(answer: Answer) -> None:
    """An extractive answer passes verification against its own citations, quote spans included."""
    check = verify_answer(answer.answer, {c.n: c.text for c in answer.citations})
    assert check.ok, check.removed
    for c in answer.citations:
        assert c.quote_span is not None
        quoted = source(c.report_id)[c.quote_span[0] : c.quote_span[1]]
        assert quoted and quoted in c.text


# ------------------------------------------------------------------------------ figures
def test_figure_question_finds_the_count() -> None:
    hits = [para_hit("002_0158dad679362a71", "二是**加大政府信息公开力度**"), para_hit("002_0158dad679362a71", "发文数量同比下降6%", 1)]
    answer = ask("潼南区2020年共收到依申请公开多少件？", *hits)
    assert not answer.refused
    assert "共收到依申请公开5件" in answer.answer
    assert answer.answer.endswith("[1]")
    assert [c.n for c in answer.citations] == [1]
    assert source(answer.citations[0].report_id)[slice(*answer.citations[0].quote_span)] == "共收到依申请公开5件，答复率100%。"
    assert_grounded(answer)


@pytest.mark.parametrize(
    ("question", "report_id", "needle", "gold"),
    [
        ("2021年区政府门户网站公开政府文件、政策法规等信息多少条？", "004_0c07f546518aa335", "5164条", "5164条"),
        ("2021年共办理人大代表议案建议和政协委员提案多少件？", "004_0c07f546518aa335", "186件", "186件"),
        ("广州市人民政府办公厅2020年全年共办理依申请公开多少件？", "003_340d6b83137f3ef6", "依申请公开451件", "451件"),
        ("广州市建议提案满意和基本满意率是多少？", "003_340d6b83137f3ef6", "99.7%", "99.7%"),
        ("区政府负责人出庭应诉率是多少？", "001_90f388ef81cabcb7", "出庭应诉率40%", "40%"),
        ("2020年区政府作为复议机关办理行政复议案件的综合纠错率是多少？", "001_90f388ef81cabcb7", "综合纠错率13.6%", "13.6%"),
        ("潼南区主动公开政府信息多少条？", "002_0158dad679362a71", "1.1万余条", "1.1万余条"),
    ],
)
def test_figure_questions_over_samples(question: str, report_id: str, needle: str, gold: str) -> None:
    answer = ask(question, para_hit(report_id, needle))
    assert not answer.refused, answer.notes
    assert gold in answer.answer
    assert_grounded(answer)


def test_long_sentence_is_quoted_as_the_clauses_around_the_figure() -> None:
    hit = para_hit("001_90f388ef81cabcb7", "综合纠错率13.6%")
    answer = ask("2020年区政府作为复议机关办理行政复议案件的综合纠错率是多少？", hit)
    assert len(answer.answer) < 120
    assert "13.6%" in answer.answer


def test_masked_figure_is_reported_as_masked() -> None:
    answer = ask("X市牵头办理政府信息公开申请多少件？", para_hit("000_b860dcfb9e60ff33", "X-XX月共牵头办理"))
    assert not answer.refused
    assert "XXX件" in answer.answer and "原文已遮蔽" in answer.answer
    assert any("遮蔽" in n for n in answer.notes)
    assert_grounded(answer)


# ------------------------------------------------------------------------------ lists, yes/no
def test_problem_question_lists_the_problem_items() -> None:
    problems = para_hit("003_340d6b83137f3ef6", "一是普法宣传教育的方式不够多样", role="problems", section="三、存在的不足和原因")
    other = para_hit("003_340d6b83137f3ef6", "三是依法规范开展依申请公开", rank=1)
    answer = ask("广州市人民政府办公厅存在哪些不足？", problems, other)
    assert not answer.refused
    lines = answer.answer.split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("一是普法宣传教育的方式不够多样") and lines[1].startswith("二是基层政务公开")
    assert_grounded(answer)


def test_list_answer_respects_max_sentences() -> None:
    plans = para_hit("002_0158dad679362a71", "重点抓好三方面的工作", role="plans", section="三、存在问题及2021年工作安排")
    answer = ask("潼南区2020年报告中下一步有什么打算？", plans, settings=AnswerSettings(max_sentences=2))
    assert not answer.refused
    lines = answer.answer.split("\n")
    assert len(lines) == 3 and lines[-1] == LIST_CUT  # two items, and it says the list was cut
    assert any("未全部列出" in n or "只列出" in n for n in answer.notes)
    assert_grounded(answer)
    full = ask("潼南区2020年报告中下一步有什么打算？", plans, settings=AnswerSettings(max_sentences=10))
    assert LIST_CUT not in full.answer and len(full.answer.split("\n")) > 2


def test_yes_no_with_negative_evidence() -> None:
    answer = ask("2020年是否发生重大群体性事件？", para_hit("001_90f388ef81cabcb7", "未发生重大群体性事件"))
    assert answer.answer.startswith("否。报告提到：“")
    assert "未发生重大群体性事件" in answer.answer
    assert_grounded(answer)


def test_yes_no_with_positive_evidence() -> None:
    answer = ask("潼南区是否开设了疫情防控专题专栏？", para_hit("002_0158dad679362a71", "专题专栏"))
    assert answer.answer.startswith("是。报告提到：“")
    assert_grounded(answer)


# ------------------------------------------------------------------------------ refusals
@pytest.mark.parametrize(
    "question",
    [
        "潼南区2020年收到行政复议申请多少件？",  # a figure the passage does not report
        "北京市海淀区2020年依申请公开多少件？",  # a district that is not in the corpus
        "潼南区2018年共收到依申请公开多少件？",  # a year none of the hits is from
        "今天天气怎么样？",  # nothing to do with the reports
    ],
)
def test_absent_answers_are_refused(question: str) -> None:
    hits = [para_hit("002_0158dad679362a71", "二是**加大政府信息公开力度**"), para_hit("002_0158dad679362a71", "发文数量同比下降6%", 1)]
    answer = ask(question, *hits)
    assert answer.refused
    assert answer.answer == REFUSAL
    assert answer.citations == []
    assert answer.notes


def test_no_hits_is_a_refusal() -> None:
    answer = ask("潼南区2020年共收到依申请公开多少件？")
    assert answer.refused and answer.notes


def test_min_confidence_is_honoured() -> None:
    hit = para_hit("002_0158dad679362a71", "二是**加大政府信息公开力度**")
    question = "潼南区在政务公开和行政复议方面做了什么？"  # half of what is asked is in the passage
    assert ask(question, hit, settings=AnswerSettings(min_confidence=0.9)).refused
    assert not ask(question, hit).refused


def test_report_from_the_named_year_wins_over_one_that_mentions_it() -> None:
    old = para_hit("001_90f388ef81cabcb7", "出庭应诉率40%")  # a 2021 report quoting 2020 figures
    answer = ask("2021年度报告中区政府负责人出庭应诉率是多少？", old)
    assert "40%" in answer.answer


# ------------------------------------------------------------------------------ English
def test_english_question_gets_a_chinese_extract_with_a_note() -> None:
    hit = para_hit("002_0158dad679362a71", "二是**加大政府信息公开力度**")
    answer = ask("How many information disclosure requests were received?", hit)
    assert not answer.refused
    assert "5件" in answer.answer
    assert any("English" in n for n in answer.notes)


def test_english_question_without_known_terms_is_refused_with_a_note() -> None:
    answer = ask("What is the weather like?", para_hit("002_0158dad679362a71", "二是**加大政府信息公开力度**"))
    assert answer.refused
    assert any("Chinese" in n for n in answer.notes)


# ------------------------------------------------------------------------------ question analysis
def test_question_analysis() -> None:
    info = analyze_question("潼南区2020年共收到依申请公开多少件？")
    assert info.kinds == {"figure"} and info.unit == "件" and info.places == ("潼南",) and info.years == (2020,)
    assert info.keywords[0] == "依申请公开"
    # Built once: every later stage gets the same frozen analysis.
    assert analyze_question("潼南区2020年共收到依申请公开多少件？") is info
    with pytest.raises(AttributeError):
        info.places = ()  # type: ignore[misc]
    assert analyze_question("恩施州2021年报告提到公安机关了吗？").places == ("恩施",)  # not 「公安」
    assert analyze_question("出庭应诉率是多少？").unit == "%"
    assert "yesno" in analyze_question("是否开展了法治培训？").kinds
    assert {"list", "problems"} <= analyze_question("存在哪些问题？").kinds


def test_place_detection_skips_generic_words() -> None:
    assert find_places("全区法治社区建设和各镇街、市政府的工作") == []
    assert find_places("重庆市潼南区和广州市人民政府") == ["重庆", "潼南", "广州"]


def test_term_in_the_sentence_before_the_figure() -> None:
    hit = para_hit("004_0c07f546518aa335", "2.2万余次")
    answer = ask("2021年“12345”市长热线共接诉群众来电多少次？", hit)
    assert "2.2万余次" in answer.answer and "12345" in answer.answer
    assert answer.answer.count("[1]") == 2  # each quoted sentence carries its citation
    assert_grounded(answer)


def test_lead_in_sentence_gives_the_subject() -> None:
    hit = para_hit("003_340d6b83137f3ef6", "精简3200余项")
    answer = ask("广州市人民政府办公厅2020年报告中，市级行政权力精简了多少项？", hit)
    assert "3200余项" in answer.answer
    assert_grounded(answer)


def test_rate_question_is_not_answered_with_a_count() -> None:
    answer = ask("广州市人民政府办公厅2020年政府信息公开申请的答复率是多少？", para_hit("003_340d6b83137f3ef6", "依申请公开451件"))
    assert answer.refused


def test_doc_number_question_and_doc_number_scope() -> None:
    title = para_hit("002_0158dad679362a71", "潼南府办〔2021〕10号")
    title = Hit(0, 1.0, title.chunk, ReportInfo(**{**title.report.__dict__, "doc_number": "潼南府办〔2021〕10号"}))
    answer = ask("潼南区政府办公室2020年度报告的文号是什么？", title)
    assert "潼南府办〔2021〕10号" in answer.answer
    assert ask("潼南府办〔2022〕13号报告的文号是什么？", title).refused  # another report's 文号


def test_quote_span_without_source_text_stays_inside_the_passage() -> None:
    hit = para_hit("002_0158dad679362a71", "二是**加大政府信息公开力度**", shift=7)
    answer = extractive_answer("潼南区2020年共收到依申请公开多少件？", [hit], SETTINGS)
    (citation,) = answer.citations
    s0, s1 = citation.source_span
    q0, q1 = citation.quote_span
    assert s0 <= q0 < q1 <= s1
    # cleaned and source spans have the same length here, so the estimate is exact
    assert source(citation.report_id)[q0:q1] == "共收到依申请公开5件，答复率100%。"


# ------------------------------------------------------------------------------ compound and comparison questions
LABOUR = "立案结案率97%"
PETITIONS = "对信访机构满意率为99.09%"


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("2020年劳动争议立案结案率是否达到了100%？", "否。"),  # 97% < 100%: never 「是」 while quoting 97%
        ("2020年劳动争议立案结案率是否超过90%？", "是。"),
        ("2020年劳动争议立案结案率是否低于95%？", "否。"),
        ("2020年对信访机构满意率在99%以上吗？", "是。"),
        ("2020年对信访机构满意率是否不低于99.5%？", "否。"),
    ],
)
def test_yes_no_against_a_threshold_follows_the_figure(question: str, verdict: str) -> None:
    answer = ask(question, para_hit("001_90f388ef81cabcb7", LABOUR), para_hit("001_90f388ef81cabcb7", PETITIONS, 1))
    assert answer.answer.startswith(verdict), answer.answer
    assert not answer.refused and answer.citations
    quoted = answer.answer.split("“", 1)[1]
    assert ("97%" in quoted) or ("99.09%" in quoted)
    assert_grounded(answer)


def test_threshold_in_another_unit_gets_no_verdict() -> None:
    answer = ask("2020年劳动争议立案结案率是否达到了100件？", para_hit("001_90f388ef81cabcb7", LABOUR))
    assert answer.answer.startswith(("未能确定", REFUSAL)), answer.answer


def test_multi_part_question_answers_every_part() -> None:
    hit = para_hit("002_0158dad679362a71", "共收到依申请公开5件")
    answer = ask("潼南区2020年主动公开政府信息多少条？共收到依申请公开多少件？", hit)
    lines = answer.answer.split("\n")
    assert len(lines) == 2 and "1.1万余条" in lines[0] and "5件" in lines[1]
    assert [c.n for c in answer.citations] == [1]  # one passage, one number
    assert_grounded(answer)


def test_multi_part_question_marks_the_part_it_cannot_answer() -> None:
    hit = para_hit("002_0158dad679362a71", "共收到依申请公开5件")
    answer = ask("潼南区2020年共收到依申请公开多少件？行政复议纠错率是多少？", hit)
    assert not answer.refused
    lines = answer.answer.split("\n")
    assert "5件" in lines[0] and "未找到" in lines[1] and "纠错率" in lines[1]
    assert_grounded(answer)


def test_respectively_splits_the_items_and_keeps_the_place_and_year() -> None:
    from rag.question.compound import sub_questions, threshold

    assert sub_questions("潼南区2020年网上可办率和行政审批时限压缩率分别达到多少？“零跑动”事项有多少项？") == [
        "潼南区2020年网上可办率达到多少？", "潼南区2020年行政审批时限压缩率达到多少？", "潼南区2020年“零跑动”事项有多少项？"]
    assert sub_questions("潼南区2020年共收到依申请公开多少件？") == ["潼南区2020年共收到依申请公开多少件？"]
    assert sub_questions("") == [""]
    assert threshold("2020年共收到依申请公开多少件？") is None
    assert threshold("是否已经被正式评为全国法治政府建设示范区？") is None
    t = threshold("复议纠错率是否超过5%？")
    assert t is not None and t.op == ">" and t.value.text == "5%" and t.figure_question == "复议纠错率是多少？"


def test_a_goal_is_not_a_yes() -> None:
    text = "2020年，我区积极争创全国法治政府建设示范区，已按要求完成示范区申报材料报送。"
    info = ReportInfo("x", "某区2020年法治政府建设情况报告", "", "某区", "", 2020, "", "", "x.txt", "", "", 1)
    hit = Hit(0, 1.0, Chunk("x:0", "x", 0, text, "一、主要工作", "measures", (0, len(text)), (0, len(text))), info)
    answer = extractive_answer("是否已经被正式评为全国法治政府建设示范区？", [hit], SETTINGS)
    assert not answer.answer.startswith("是"), answer.answer  # a goal or an application is no 「是」
    close = extractive_answer("是否已经争创全国法治政府建设示范区？", [hit], SETTINGS)  # matched well, asks if done
    assert close.answer.startswith("未能确定。") and any("没有写明已经实现" in n for n in close.notes), close.answer
    goal = extractive_answer("是否争创全国法治政府建设示范区？", [hit], SETTINGS)  # asks about the effort: yes
    assert goal.answer.startswith("是。"), goal.answer
