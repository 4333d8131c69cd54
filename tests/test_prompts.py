"""Prompt templates: strict rendering, golden renders, and the context budget of build_qa_messages."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from rag.answer.prompts import MESSAGE_OVERHEAD, build_qa_messages, prompt_budget, render_passage
from rag.answer.verify import REFUSAL, sentence_spans
from rag.core.templates import TemplateError, render
from rag.core.types import Chunk, Hit, ReportInfo

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def _hit(rank: int, report_id: str, title: str, section: str, needle: str, length: int = 160) -> Hit:
    text = (SAMPLES / f"{report_id}.txt").read_text(encoding="utf-8")
    start = text.index(needle)
    end = min(len(text), start + length)
    info = ReportInfo(report_id, title, "", "", "", 2020, "", "", f"{report_id}.txt", "", "", 1)
    chunk = Chunk(f"{report_id}:{rank}", report_id, rank, text[start:end], section, "measures", (start, end), (start, end))
    return Hit(rank, 1.0 / (rank + 1), chunk, info)


@pytest.fixture
def hits() -> list[Hit]:
    return [
        _hit(0, "002_0158dad679362a71", "重庆市潼南区人民政府办公室关于2020年度法治政府建设情况的报告",
             "潼南区 2020年度 > 一、工作开展情况 > （三）规范行政决策，打造阳光政府", "扎实推进重点领域信息公开"),
        _hit(1, "003_340d6b83137f3ef6", "广州市人民政府办公厅2020年法治政府建设年度报告",
             "广州市 2020年度 > 一、主要举措和成效 > 3. 着力深化政务公开工作", "三是依法规范开展依申请公开"),
        _hit(2, "004_0c07f546518aa335", "关于2021年度法治政府建设情况的报告",
             "2021年度 > 一、工作情况 > （三）坚持高效落实", "一是全力推行政务公开"),
        _hit(3, "000_b860dcfb9e60ff33", "X市政府2020年法治政府建设情况报告",
             "X市 2020年度 > 一、充分发挥中枢协调作用 > （一）全面推进政务公开", "依法依规抓好依申请公开"),
    ]


def chars(text: str) -> int:
    return len(text)


def cost(messages: list[dict[str, str]]) -> int:
    return sum(chars(m["content"]) + MESSAGE_OVERHEAD for m in messages)


def passages_of(messages: list[dict[str, str]]) -> list[str]:
    user = messages[1]["content"]
    return re.findall(r"^\[\d+\] 《[^》]*》 [^\n]*\n([^\n]*)", user, flags=re.M)


# ------------------------------------------------------------------------------ render
def test_render_fills_every_placeholder() -> None:
    text = render("qa_user", passages="[1] 《甲》 乙\n丙", question="问题？")
    assert "[1] 《甲》 乙\n丙" in text and "问题：问题？" in text
    assert "$" not in text


def test_render_missing_variable_is_an_error() -> None:
    with pytest.raises(TemplateError, match="missing question"):
        render("qa_user", passages="x")


def test_render_unused_variable_is_an_error() -> None:
    with pytest.raises(TemplateError, match="unused qestion"):
        render("qa_user", passages="x", question="y", qestion="typo")


def test_unknown_template_is_an_error() -> None:
    with pytest.raises(TemplateError, match="No prompt template"):
        render("no_such_template")


def test_system_prompt_carries_the_rules() -> None:
    system = render("qa_system", refusal=REFUSAL)
    for rule in (REFUSAL, "原文已遮蔽", "[1]", "不要计算", "一字不差"):
        assert rule in system


# ------------------------------------------------------------------------------ goldens
@pytest.mark.parametrize("part", ["qa_system", "qa_user"])
def test_golden_render(hits: list[Hit], part: str) -> None:
    messages, used = build_qa_messages("潼南区2020年共收到依申请公开多少件？", hits, 100_000, chars)
    assert used == hits
    rendered = messages[0 if part == "qa_system" else 1]["content"]
    path = GOLDEN / f"{part}.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"golden file missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert rendered == path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ budget
def test_all_hits_fit_in_rank_order(hits: list[Hit]) -> None:
    messages, used = build_qa_messages("问题？", list(reversed(hits)), 100_000, chars)
    assert [h.rank for h in used] == [0, 1, 2, 3]
    assert passages_of(messages) == [h.chunk.text for h in hits]
    assert [m["role"] for m in messages] == ["system", "user"]


def test_lowest_ranked_are_trimmed_then_dropped(hits: list[Hit]) -> None:
    full, _ = build_qa_messages("问题？", hits, 100_000, chars)
    two, _ = build_qa_messages("问题？", hits[:2], 100_000, chars)
    budget = cost(two) + 70  # room for the third passage's header and about one sentence
    messages, used = build_qa_messages("问题？", hits, budget, chars)
    assert cost(messages) <= budget < cost(full)
    assert [h.rank for h in used] == [0, 1, 2]
    third = passages_of(messages)[2]
    original = hits[2].chunk.text
    assert original.startswith(third) and len(third) < len(original)
    assert any(third == original[:end] for _, end in sentence_spans(original))
    assert used[2].chunk.text == third


@pytest.mark.parametrize("budget", range(600, 2400, 37))
def test_budget_is_never_exceeded_and_sentences_are_whole(hits: list[Hit], budget: int) -> None:
    messages, used = build_qa_messages("潼南区2020年共收到依申请公开多少件？", hits, budget, chars)
    assert cost(messages) <= budget or not used
    for hit, text in zip(used, passages_of(messages), strict=True):
        original = next(h for h in hits if h.rank == hit.rank).chunk.text
        ends = {end for _, end in sentence_spans(original)}
        assert text == original or (original.startswith(text) and len(text) in ends)


def test_nothing_fits_gives_no_passages(hits: list[Hit]) -> None:
    messages, used = build_qa_messages("问题？", hits, 10, chars)
    assert used == []
    assert "[1]" not in messages[1]["content"]


def test_prompt_budget_reserves_the_answer() -> None:
    assert prompt_budget(4096, 512) < 4096 - 512
    assert prompt_budget(256, 512) == 0


def test_passage_format(hits: list[Hit]) -> None:
    text = render_passage(3, hits[0])
    assert text.startswith("[3] 《重庆市潼南区人民政府办公室关于2020年度法治政府建设情况的报告》 潼南区 2020年度 > ")
    assert text.endswith(hits[0].chunk.text.strip())
