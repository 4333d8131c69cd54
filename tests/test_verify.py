"""Verification of answers against cited passages, on adversarial answers built from real sample text."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from rag.answer.verify import (
    REFUSAL,
    UNVERIFIED_MARK,
    renumber,
    sentence_spans,
    split_sentences,
    unsupported_figures,
    verify_answer,
)
from rag.lang.figures import WORD_NUMERALS, cn_to_int, figures_match, find_figures, loose_numerals, numeral_in

# Real sentences from data/samples (002 潼南, 003 广州, 000 masked city).
TONGNAN = (
    "扎实推进重点领域信息公开，围绕全区经济运行、重大项目建设、医疗卫生、教育、脱贫攻坚、“放管服”改革等重点领域，"
    "主动公开政府信息1.1万余条。共收到依申请公开5件，答复率100%。"
)
GUANGZHOU = (
    "依法规范办理市本级政府信息公开申请，全年共办理依申请公开451件，办理信息公开行政复议2宗、行政诉讼2宗，"
    "全市政府信息公开类败诉案件数量持续大幅下降。今年市政府收到的各级人大和政协交办的建议提案1206件已全部答复完毕，满意和基本满意率为99.7%。"
)
MASKED = "依法依规抓好依申请公开，X-XX月共牵头办理政府信息公开申请XXX件、指导督促全市办理XXXX件。"
HEADER = "《重庆市潼南区人民政府办公室关于2020年度法治政府建设情况的报告》 一、工作开展情况\n"
# Passages as the model sees them carry their report's header (rag.answer.prompts.passage_header).
GUANGZHOU_HEADER = "《广州市人民政府办公厅2020年法治政府建设年度报告》 广州市 2020年度 > 一、工作\n"
PASSAGES = {1: HEADER + TONGNAN, 2: GUANGZHOU_HEADER + GUANGZHOU, 3: MASKED}


def keys(text: str) -> list[tuple[object, ...]]:
    return [f.key for f in find_figures(text)]


# ------------------------------------------------------------------------------ find_figures
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("共收到依申请公开5件", ["5件"]),
        ("主动公开政府信息1.1万余条", ["1.1万余条"]),
        ("共接诉群众来电2.2万余次，办结率100%", ["2.2万余次", "100%"]),
        ("答复率达到百分之百", ["百分之百"]),
        ("针对市级督查平台交办事项(共计35项)", ["35项"]),
        ("具体做好以下五个方面工作", ["五个"]),
        ("累计三十五项任务", ["三十五项"]),
        ("提供法律咨询4465人次", ["4465人次"]),
        ("执行金额24598.45万元，占14.4%", ["24598.45万元", "14.4%"]),
        ("查出问题资金52.31亿元", ["52.31亿元"]),
        ("共有民营经济市场主体12.9万户", ["12.9万户"]),
        ("于2020年6月28日完成实施清单编制", ["2020年6月28日"]),
        ("重庆市潼南区人民政府办公室 2021年2月5日", ["2021年2月5日"]),
        ("发布时间 2021-01-11 来源", ["2021-01-11"]),
        ("潼南府办〔2021〕10号", ["府办〔2021〕10号"]),
        ("台政办字〔2022〕1号", ["办字〔2022〕1号"]),
        ("《实施方案（2017—2020年）》", ["2017", "2020"]),
        ("区委十四届第140次常委会", ["十四届", "第140次"]),
        ("共牵头办理政府信息公开申请XXX件", ["XXX件"]),
        ("1,206件", ["1,206件"]),
    ],
)
def test_find_figures_surface(text: str, expected: list[str]) -> None:
    assert [f.text for f in find_figures(text)] == expected


def test_figure_keys_distinguish_value_and_unit() -> None:
    five = find_figures("5件")[0]
    assert figures_match(five, find_figures("共收到5件")[0])
    assert not figures_match(five, find_figures("共收到15件")[0])
    assert not figures_match(five, find_figures("共收到5项")[0])
    assert not figures_match(find_figures("85%")[0], find_figures("87%")[0])
    assert figures_match(find_figures("百分之百")[0], find_figures("100%")[0])
    assert figures_match(find_figures("100％")[0], find_figures("100%")[0])
    assert figures_match(find_figures("2021年2月5日")[0], find_figures("2021-02-05")[0])
    assert figures_match(find_figures("1,206件")[0], find_figures("1206件")[0])
    assert figures_match(find_figures("11000余条")[0], find_figures("1.1万余条")[0])
    # Dropping 余 makes an estimate exact: not supported. Ordinals are not counts.
    assert not figures_match(find_figures("1.1万条")[0], find_figures("1.1万余条")[0])
    assert not figures_match(find_figures("140次")[0], find_figures("第140次")[0])
    assert not figures_match(find_figures("潼南府发〔2021〕10号")[0], find_figures("潼南府办〔2021〕10号")[0])


def test_cn_numerals() -> None:
    assert [cn_to_int(t) for t in ("五", "十", "三十五", "一百零二", "两万三千", "一〇二")] == [5, 10, 35, 102, 23000, 102]
    assert cn_to_int("是") is None


def test_chinese_words_with_numerals_are_not_counts() -> None:
    assert keys("一是强化领导责任，二是完善体制机制，落实一把手责任") == []


# ------------------------------------------------------------------------------ sentences
def test_citations_after_the_full_stop_belong_to_the_sentence() -> None:
    parts = split_sentences("共收到依申请公开5件。[1] 答复率100%[1]。\n全年办理451件。[2][3]")
    assert [p.citations for p in parts] == [(1,), (1,), (2, 3)]
    assert [p.body for p in parts] == ["共收到依申请公开5件。", "答复率100%。", "全年办理451件。"]


def test_sentence_spans_cover_text_without_gaps() -> None:
    spans = sentence_spans(TONGNAN)
    assert "".join(TONGNAN[a:b] for a, b in spans) == TONGNAN
    assert TONGNAN[spans[-1][0] : spans[-1][1]] == "共收到依申请公开5件，答复率100%。"


# ------------------------------------------------------------------------------ verify_answer
def test_supported_answer_passes() -> None:
    check = verify_answer("潼南区共收到依申请公开5件，答复率100%。[1] 广州市全年共办理依申请公开451件。[2]", PASSAGES)
    assert check.ok and check.usable
    assert check.citations == [1, 2]


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ("全年共办理依申请公开451件。[1]", "全年共办理依申请公开451件[2]。"),  # right figure, wrong citation
        ("共收到依申请公开5件。[9]", "共收到依申请公开5件[1]。"),  # a citation that does not exist
        ("共收到依申请公开5件。", "共收到依申请公开5件[1]。"),  # the model wrote no marker
    ],
)
def test_a_supported_sentence_is_attributed_to_its_passage(answer: str, kept: str) -> None:
    check = verify_answer(answer, PASSAGES)
    assert check.ok and check.usable and check.text == kept
    assert check.kept[0].attributed


def test_attribution_never_rescues_a_figure_that_counts_something_else() -> None:
    passages = {1: "全市共精简行政许可事项120项，保留行政许可事项86项。", 2: "全年办结复议案件120件。"}
    assert verify_answer("全市保留行政许可事项86项。", passages).text == "全市保留行政许可事项86项[1]。"
    for wrong in ("全市保留行政许可事项120项。", "全市保留行政许可事项120项。[1]", "全市精简行政许可事项86项。[1]"):
        check = verify_answer(wrong, passages)
        assert check.text == "" and not check.usable, wrong


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("潼南区共收到依申请公开15件。[1]", "数字不在所引段落中"),  # 5件 -> 15件
        ("潼南区共收到依申请公开5项。[1]", "数字不在所引段落中"),  # unit changed
        ("建议提案满意和基本满意率为99.5%。[2]", "数字不在所引段落中"),  # 99.7% -> 99.5%
        ("潼南区“全面实现政务公开零投诉”。[1]", "引文不在所引段落中"),  # fabricated quote
        ("报告提到潼南区建立了政务公开考核问责机制并开展了第三方评估。[1]", "重合太少"),  # invented claim
        ("潼南区大力推进法治宣传教育，建成法治文化公园。", "没有引用"),  # uncited factual sentence
        ("共收到依申请公开15件。", "没有引用"),  # uncited, and no passage supports it
        ("共收到依申请公开15件。[9]", "不存在的段落"),  # citation that does not exist
        ("潼南区保留依申请公开5件。[1]", "数字所指与所引段落不符"),  # the figure counts something else
        ("两地合计办理依申请公开456件。[1][2]", "数字不在所引段落中"),  # computed figure
    ],
)
def test_adversarial_sentence_is_removed(answer: str, reason: str) -> None:
    check = verify_answer(answer, PASSAGES)
    assert not check.ok
    assert check.text == ""
    assert not check.usable
    assert reason in "；".join(check.removed[0].reasons)


def test_only_the_bad_sentence_is_removed() -> None:
    text = "潼南区共收到依申请公开5件。[1]答复率为87%。[1]广州市全年共办理依申请公开451件。[2]"
    check = verify_answer(text, PASSAGES)
    assert check.text == "潼南区共收到依申请公开5件。[1]广州市全年共办理依申请公开451件。[2]"
    assert [r.sentence for r in check.removed] == ["答复率为87%。[1]"]
    assert check.usable and not check.ok
    # The reason names the figure for logs; the note a user reads masks it (never shows a rejected figure).
    assert "87%" in check.removed[0].reasons[0]
    assert check.notes() and "87%" not in check.notes()[0]
    assert "答复率为〔未核实数字〕" in check.notes()[0] and "数字不在所引段落中" in check.notes()[0]


def test_masked_figures_must_be_quoted_as_masked() -> None:
    good = verify_answer("牵头办理政府信息公开申请XXX件，原文已遮蔽。[3]", PASSAGES)
    assert good.ok and good.masked
    guessed = verify_answer("牵头办理政府信息公开申请300件。[3]", PASSAGES)
    assert not guessed.usable


def test_refusal_and_absence_statements_need_no_citation() -> None:
    check = verify_answer(REFUSAL, PASSAGES)
    assert check.ok and check.refused and not check.usable
    check = verify_answer("共收到依申请公开5件。[1]报告未提及行政复议的数量。", PASSAGES)
    assert check.ok and not check.refused


def test_header_title_supports_year_and_place() -> None:
    assert verify_answer("潼南区2020年共收到依申请公开5件。[1]", PASSAGES).ok


def test_renumber_maps_and_drops() -> None:
    assert renumber("甲。[2] 乙。[3][2] 丙[4]", {2: 1, 3: 2}) == "甲。[1] 乙。[2][1] 丙"


def test_unsupported_figures_lists_each_bad_figure() -> None:
    assert unsupported_figures("共收到依申请公开6件，答复率100%。[1]", PASSAGES) == ["6件"]
    assert unsupported_figures("共收到依申请公开5件。", PASSAGES) == ["5件"]


def test_property_no_mutated_figure_survives() -> None:
    """Change one digit of one figure in a supported answer: the sentence never survives."""
    rng = random.Random(20240521)
    base = [
        "主动公开政府信息1.1万余条。[1]",
        "共收到依申请公开5件，答复率100%。[1]",
        "全年共办理依申请公开451件，办理信息公开行政复议2宗、行政诉讼2宗。[2]",
        "满意和基本满意率为99.7%。[2]",
    ]
    for sentence in base:
        assert verify_answer(sentence, PASSAGES).ok, sentence
    tried = 0
    for _ in range(300):
        sentence = rng.choice(base)
        digits = [m.start() for m in re.finditer(r"\d", sentence[: sentence.index("[")])]
        at = rng.choice(digits)
        new = str((int(sentence[at]) + rng.randint(1, 9)) % 10)
        mutated = sentence[:at] + new + sentence[at + 1 :]
        if mutated.replace("。", "") in (PASSAGES[1] + PASSAGES[2]).replace("。", ""):
            continue  # the mutation happens to be another true statement
        tried += 1
        check = verify_answer(mutated, PASSAGES)
        assert check.text == "", mutated
    assert tried > 200


@pytest.mark.parametrize(
    ("answer", "ok", "usable"),
    [
        ("共收到依申请公开５件。[1]", True, True),  # full-width digits are the same figure
        ("共收到依申请公开5件。【1】", True, True),
        ("共收到依申请公开五件。[1]", True, True),
        ("答复率百分之百。[1]", True, True),
        ("答复率百分之九十九。[1]", False, False),
        ("共收到依申请公开5件。[1-2]", True, True),  # a range reaching a missing passage: re-attributed
        ("共收到依申请公开5件。[0]", True, True),
        ("[1]", True, False),  # a bare marker is nothing
        ("", True, False),
        ("Five requests were received.[1]", False, False),
    ],
)
def test_odd_answers(answer: str, ok: bool, usable: bool) -> None:
    check = verify_answer(answer, {1: TONGNAN})
    assert (check.ok, check.usable) == (ok, usable)


def test_repeated_sentences_are_dropped() -> None:
    check = verify_answer("共收到依申请公开5件。[1]" * 5, {1: TONGNAN})
    assert check.text == "共收到依申请公开5件。[1]"
    assert len(check.removed) == 4


def test_marker_before_the_words_cites_nothing() -> None:
    check = verify_answer("[1] 《重庆市潼南区人民政府办公室关于2020年", PASSAGES)
    assert not check.usable
    check = verify_answer("[1]共收到依申请公开5件。", PASSAGES)  # the marker cites nothing, the verifier finds [1]
    assert check.usable and check.text == "共收到依申请公开5件[1]。"


# ------------------------------------------------------------------------------ refusal inside a sentence
REVIEW = "潼南区共收到行政复议申请12件，其中维持8件。"


def test_refusal_phrase_does_not_shield_the_rest_of_a_sentence() -> None:
    check = verify_answer("潼南区共收到行政复议申请12件[1]。已收录的报告中未找到相关内容，但行政诉讼应诉案件999件[1]。", {1: REVIEW})
    assert not check.ok
    assert "999" not in check.text and check.text == "潼南区共收到行政复议申请12件[1]。"
    assert "数字不在所引段落中" in check.removed[0].reasons[0]


@pytest.mark.parametrize(
    "answer",
    [
        "已收录的报告中未找到相关内容，但潼南区建成了法治文化公园[1]。",  # invented claim after the refusal
        "已收录的报告中未找到相关内容，但潼南区建成了法治文化公园。",  # ... and uncited
        "已收录的报告中未找到相关内容，潼南区“全面实现零投诉”[1]。",  # fabricated quote
    ],
)
def test_claim_after_a_refusal_is_checked(answer: str) -> None:
    check = verify_answer(answer, {1: REVIEW})
    assert not check.ok and check.text == ""


@pytest.mark.parametrize(
    "answer", [REFUSAL, "已收录的报告中未找到相关内容[1]。", "**已收录的报告中未找到相关内容。**", "已收录的报告中未找到相关内容！"]
)
def test_the_bare_refusal_still_passes(answer: str) -> None:
    check = verify_answer(answer, {1: REVIEW})
    assert check.ok and check.text and not check.usable


# ------------------------------------------------------------------------------ fractions, multiples, bare numerals
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("约占三分之二", [("三分之二", "fraction")]),
        ("约占2/3", [("2/3", "fraction")]),
        ("占三分之二以上", [("三分之二以上", "fraction")]),
        ("约占一半", [("一半", "fraction")]),
        ("答复率达到百分之百", [("百分之百", "percent")]),  # a percentage, not 百/百
        ("收入翻一番", [("翻一番", "multiple")]),
        ("收入翻了两番", [("翻了两番", "multiple")]),
        ("案件增长两倍", [("两倍", "number")]),
        ("案件增长3倍", [("3倍", "number")]),
        ("受理量达到一百", [("一百", "number")]),
        ("受理量近千", [("千", "number")]),
        ("培训千余", [("千余", "number")]),
        ("党的十九大以来", [("十九", "number")]),
    ],
)
def test_find_fractions_multiples_and_bare_numerals(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(f.text, f.kind) for f in find_figures(text)] == expected


def test_new_figure_kinds_match_by_value() -> None:
    def match(a: str, b: str) -> bool:
        return figures_match(find_figures(a)[0], find_figures(b)[0])

    assert match("三分之二", "2/3") and match("2/3", "三分之二") and match("一半", "二分之一")
    assert not match("三分之二", "三分之一") and not match("三分之二", "四分之三")
    assert not match("三分之二", "三分之二以上")  # an estimate never becomes exact
    assert match("翻一番", "翻了一番") and not match("翻一番", "翻两番")
    assert match("增长两倍", "增长2倍") and not match("增长两倍", "增长一倍")
    assert match("达到一百", "达到100") and not match("达到一百", "达到一百二十")
    assert match("近千", "近千") and not match("达到千", "近千")


@pytest.mark.parametrize(
    ("answer", "passage", "ok"),
    [
        ("潼南区共收到行政复议申请12件，约占三分之二[1]。", REVIEW, False),  # the reviewer's case
        ("潼南区共收到行政复议申请12件，约占三分之二[1]。", REVIEW + "约占三分之二。", True),
        ("潼南区共收到行政复议申请12件，约占三分之二[1]。", REVIEW + "约占2/3。", True),
        ("潼南区共收到行政复议申请12件，约占2/3[1]。", REVIEW, False),  # not two bare numbers 2 and 3
        ("潼南区共收到行政复议申请12件，比上年翻一番[1]。", REVIEW + "比上年翻两番。", False),
        ("潼南区共收到行政复议申请12件，比上年增长两倍[1]。", REVIEW + "比上年增长一倍。", False),
        ("潼南区共收到行政复议申请12件，调解结案达到一百[1]。", REVIEW + "调解结案达到一百二十。", False),
        ("潼南区共收到行政复议申请12件，受理咨询近千[1]。", REVIEW, False),
        ("潼南区共收到行政复议申请12件，受理咨询近千[1]。", REVIEW + "受理咨询近千。", True),
    ],
)
def test_fractions_multiples_and_bare_numerals_are_verified(answer: str, passage: str, ok: bool) -> None:
    check = verify_answer(answer, {1: passage})
    assert check.ok == ok
    assert bool(check.text) == ok


# ------------------------------------------------------------------------------ the numeral safety net
WORDS_WITH_NUMERALS = [*WORD_NUMERALS, "一是", "二是", "十一是"]


@pytest.mark.parametrize("word", WORDS_WITH_NUMERALS)
def test_words_with_numerals_are_not_figures(word: str) -> None:
    text = f"各部门{word}推进工作"
    assert find_figures(text) == [] and loose_numerals(text) == []


@pytest.mark.parametrize("word", WORDS_WITH_NUMERALS)
def test_words_with_numerals_do_not_remove_a_supported_sentence(word: str) -> None:
    answer = f"潼南区{word}共收到行政复议申请12件，其中维持8件[1]。"
    passage = "潼南区共收到行政复议申请12件，其中维持8件。"  # has none of the words
    assert verify_answer(answer, {1: passage}).ok, word


def test_word_list_stays_tight() -> None:
    # Each listed word is a fixed expression; a list that grows without review hides numerals from every check.
    assert len(WORD_NUMERALS) <= 25
    assert all(any(ch in "一二三四五六七八九十百千万亿" for ch in w) for w in WORD_NUMERALS)


def test_loose_numerals_must_appear_verbatim() -> None:
    answer = "潼南区在十一五期间共收到行政复议申请12件[1]。"  # 十一五 is no figure and not a listed word
    assert [run for _, _, run in loose_numerals(answer)] == ["十一五"]
    removed = verify_answer(answer, {1: REVIEW})
    assert not removed.ok and "数字字样不在所引段落中" in removed.removed[0].reasons[0]
    assert verify_answer(answer, {1: "潼南区在十一五期间" + REVIEW}).ok
    assert unsupported_figures(answer, {1: REVIEW}) == ["十一五"]
    assert verify_answer("潼南区在十一五期间共收到行政复议申请。", {}).removed  # uncited numerals


def test_numeral_in_means_a_whole_run() -> None:
    assert numeral_in("999", "共999件") and not numeral_in("999", "1999年")
    assert not numeral_in("一百", "达到一百二十") and numeral_in("十一五", "“十一五”期间")
    assert numeral_in("５", "共5件")


def _sample_sentences() -> list[str]:
    out = []
    for path in sorted(Path(__file__).resolve().parent.parent.joinpath("data", "samples").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            out += [line[a:b] for a, b in sentence_spans(line) if re.search(r"[0-9一二三四五六七八九十百千万亿两〇零]", line[a:b])]
    return out


def test_net_never_removes_a_sentence_whose_numerals_are_in_the_passage() -> None:
    """Every real sample sentence with a numeral, cited against its own paragraph, keeps all its figures
    and numerals (the net and the new figure kinds read answer and passage the same way)."""
    sentences = _sample_sentences()
    assert len(sentences) > 300
    for sentence in sentences:
        body = sentence.rstrip()
        assert unsupported_figures(body + "[1]", {1: "前文。" + body + "后文。"}) == [], body


# ------------------------------------------------------------------------------ removal notes
def test_notes_never_show_a_rejected_figure() -> None:
    check = verify_answer("潼南区共收到行政复议申请99999件[1]。潼南区共收到行政复议申请12件，约占三分之二[1]。", {1: REVIEW})
    notes = "".join(check.notes())
    assert len(check.removed) == 2
    for figure in ("99999", "三分之二"):
        assert figure not in notes and any(figure in r.reasons[0] for r in check.removed)
    assert "潼南区共收到行政复议申请" + UNVERIFIED_MARK in notes
    assert "12件" in notes  # a supported figure stays readable
    assert notes.count("数字不在所引段落中") == 2


def test_notes_mask_uncited_and_unverified_numerals() -> None:
    check = verify_answer("共收到行政复议申请15件。潼南区在十一五期间共收到行政复议申请12件[1]。", {1: REVIEW})
    notes = "".join(check.notes())
    assert len(check.removed) == 2 and "15件" not in notes.split("”")[0]
    assert "十一五" not in notes and "没有引用" in notes and "数字字样不在所引段落中" in notes


def test_property_no_mutated_figure_is_shown_in_notes() -> None:
    rng = random.Random(7)
    base = "全年共办理依申请公开451件，办理信息公开行政复议2宗、行政诉讼2宗。[2]"
    for _ in range(100):
        digits = [m.start() for m in re.finditer(r"\d", base[: base.index("[")])]
        at = rng.choice(digits)
        mutated = base[:at] + str((int(base[at]) + rng.randint(1, 9)) % 10) + base[at + 1 :]
        check = verify_answer(mutated, PASSAGES)
        assert check.text == ""
        shown = "".join(check.notes())
        for bad in unsupported_figures(mutated, PASSAGES):
            assert bad not in shown.replace("2宗", ""), (mutated, shown)


def test_a_percentage_must_measure_the_same_rate() -> None:
    # Seen from the real 1.5B: the figure is in the passage, but it measures another rate.
    passages = {1: "建议提案1206件已全部答复完毕，满意和基本满意率为99.7%。"}
    wrong = verify_answer("政府信息公开申请的答复率是99.7%[1]。", passages)
    assert wrong.text == "" and "数字所指与所引段落不符" in wrong.removed[0].reasons[0]
    right = verify_answer("建议提案满意率为99.7%。", passages)
    assert right.text == "建议提案满意率为99.7%[1]。"


# ------------------------------------------------------------------------------ small sets of passages
TONGNAN_HEADER = "《重庆市潼南区人民政府办公室关于2020年度法治政府建设情况的报告》 潼南区 2020年度 > "
ONE_REPORT = {
    1: TONGNAN_HEADER + "一、工作开展情况\n共收到依申请公开5件，答复率100%。",
    2: TONGNAN_HEADER + "二、法治宣传\n全年开展法治讲座12场，聘请法律顾问21名。",
    3: "《广州市人民政府办公厅2020年法治政府建设年度报告》 广州市 2020年度 > 一、工作\n组织卫生监督员培训12场。",
}


def test_a_sentence_may_sum_up_two_passages_of_one_report() -> None:
    check = verify_answer("潼南区共收到依申请公开5件，开展法治讲座12场。", ONE_REPORT)
    assert check.ok and check.kept[0].citations == (1, 2) and check.kept[0].attributed


def test_two_passages_of_different_reports_never_support_one_sentence() -> None:
    check = verify_answer("潼南区共收到依申请公开5件，组织卫生监督员培训12场。", ONE_REPORT)
    assert not check.ok and not check.usable


def test_each_figure_of_a_pair_must_count_what_its_passage_counts() -> None:
    # 21名 is in passage 2, but there it counts 法律顾问, not 卫生监督员
    check = verify_answer("潼南区共收到依申请公开5件，配备卫生监督员21名。", ONE_REPORT)
    assert not check.ok
    check = verify_answer("潼南区共收到依申请公开5件，配备卫生监督员21名。[1][2]", ONE_REPORT)
    assert not check.ok and "数字所指与所引段落不符" in "；".join(check.removed[0].reasons)
    assert unsupported_figures("潼南区共收到依申请公开5件，聘请法律顾问21名。[1][2]", ONE_REPORT) == []


# ------------------------------------------------------------------------------ 一家 as an article
ARTICLE_PASSAGE = {1: "对全区重点企业开展合规指导，帮助企业建立合规管理制度，发现问题全部整改到位。"}


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("帮助一家企业建立合规管理制度。[1]", True),  # the model's article: no count is claimed
        ("对企业开展合规指导，建立一项合规管理制度。[1]", True),
        ("全区共有一家企业建立合规管理制度。[1]", False),  # 共有一家: a stated count the passage lacks
        ("仅一家企业建立合规管理制度。[1]", False),
        ("帮助两家企业建立合规管理制度。[1]", False),  # not 一: always a figure
    ],
)
def test_yi_with_a_classifier_before_a_noun_is_an_article(answer: str, ok: bool) -> None:
    assert verify_answer(answer, ARTICLE_PASSAGE).ok is ok


def test_yi_is_a_count_when_the_passage_counts_that_noun() -> None:
    passages = {1: "帮助3家企业建立合规管理制度，发现问题全部整改到位。"}
    assert not verify_answer("帮助一家企业建立合规管理制度。[1]", passages).ok
    assert verify_answer("帮助3家企业建立合规管理制度。[1]", passages).ok


def test_is_article() -> None:
    from rag.lang.figures import is_article

    def first(text: str) -> bool:
        return is_article(text, find_figures(text)[0])

    assert first("指导一家企业") and first("建立一项制度") and first("组建一支队伍")
    assert not first("共一家企业") and not first("新增一个") and not first("开展一次检查") and not first("一家。")
    assert not first("1家企业")


# ------------------------------------------------------------------------------ 文号 as a whole
DOCNO_PASSAGE = {1: "《潼南区2020年度报告》 潼南区 2020年度 > 报告信息\n发布机关：重庆市潼南区人民政府办公室。文号：潼南府办〔2021〕10号。"}


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("该报告的文号是潼南府办〔2021〕10号。[1]", True),
        ("该报告的文号为南府办〔2021〕10号。[1]", True),  # the issuer's first character left out
        ("该报告的文号为府办[2021]10号。[1]", True),  # only the agency code, another bracket
        ("该报告的文号是广府办〔2021〕10号。[1]", False),  # another issuer
        ("该报告的文号是潼南府发〔2021〕10号。[1]", False),  # another kind of document
        ("该报告的文号是潼南府办〔2020〕10号。[1]", False),
        ("该报告的文号是潼南府办〔2021〕1号。[1]", False),
        ("该报告的文号是〔2021〕10号。[1]", False),  # no agency code at all
    ],
)
def test_a_doc_number_is_matched_as_a_whole(answer: str, ok: bool) -> None:
    assert verify_answer(answer, DOCNO_PASSAGE).ok is ok


def test_same_doc_number() -> None:
    from rag.lang.docno import parse_doc_numbers, same_doc_number

    [passage] = parse_doc_numbers("根据台政办字〔2022〕1号文件")
    assert passage.issuer == "根据台政办字"
    for claim, ok in (("文号为台政办字〔2022〕1号", True), ("政办字（2022）第1号", True), ("台府办字〔2022〕1号", False),
                      ("办字〔2022〕1号", True), ("字〔2022〕1号", False)):
        assert same_doc_number(parse_doc_numbers(claim)[0], passage) is ok, claim


def test_a_place_the_sentence_names_must_be_named_by_its_passage() -> None:
    passages = {1: "《广州市人民政府办公厅2020年法治政府建设年度报告》 广州市 2020年度 > 一、工作\n全年共办理依申请公开451件。"}
    assert verify_answer("广州市2020年全年共办理依申请公开451件。", passages).ok
    check = verify_answer("杭州市2020年全年共办理依申请公开451件。[1]", passages)
    assert not check.ok and not check.usable
    assert "地名不在所引段落中" in "；".join(check.removed[0].reasons)


# ------------------------------------------------------------------------------ a bare figure answers the question
BARE_PASSAGES = {
    1: "《广州市人民政府办公厅2020年法治政府建设年度报告》 广州市 2020年度 > 一、工作\n全年共办理依申请公开451件，办理行政复议2宗。",
    2: TONGNAN_HEADER + "一、工作\n全区共有法制审核人员260人，配备执法记录仪2764台。",
}


@pytest.mark.parametrize(
    ("question", "draft", "ok"),
    [
        ("全区共有法制审核人员多少人？", "260人", True),
        ("潼南区2020年全区共有法制审核人员多少人？", "260人。", True),
        ("潼南区2020年全区共有法制审核人员多少人？", "2764台", False),  # in the passage, but it counts 执法记录仪
        ("潼南区2020年全区共有法制审核人员多少人？", "261人", False),
        ("杭州市2020年共办理依申请公开多少件？", "451件", False),  # 广州's figure
        ("广州市2020年共办理依申请公开多少件？", "451件", True),
        ("", "451件", False),  # without the question a bare figure says nothing
    ],
)
def test_a_bare_figure_is_checked_as_the_answer_to_the_question(question: str, draft: str, ok: bool) -> None:
    check = verify_answer(draft, BARE_PASSAGES, question)
    assert check.ok is ok and (not ok or check.kept[0].citations in ((1,), (2,)))


def test_the_models_list_numbering_is_no_figure() -> None:
    passages = {1: "一是法治政府建设组织领导还有待加强。二是行政执法规范化有待强化。"}
    check = verify_answer("1. 法治政府建设组织领导还有待加强。\n2. 行政执法规范化有待强化。", passages)
    assert check.ok and len(check.kept) == 2
    assert not verify_answer("1. 法治政府建设组织领导还有待加强3项。", passages).ok  # a figure later on is checked
