"""ui/render.py: escaping, highlight boundaries, badges, tables, trees, status."""

from __future__ import annotations

import html
import re

import pytest
from ui_fakes import QUOTE, FakeService

from rag.core.types import Answer, Citation, ReportInfo
from ui import render

XSS = "<script>alert('x')</script>"


def _citation(span: tuple[int, int], quote: tuple[int, int] | None = None, **kw: object) -> Citation:
    base = {"n": 1, "report_id": "r", "source": "r.txt", "title": "报告", "section_path": "报告 > 一、工作 > （一）公开", "text": "片段"}
    base.update(kw)
    return Citation(source_span=span, quote_span=quote, **base)  # type: ignore[arg-type]


def _marked(html: str) -> str:
    """The text inside the highlight, tags removed."""
    match = re.search(r'<mark class="rq-hl[^"]*">(.*?)</mark>', html, re.S)
    assert match, html
    return re.sub(r"<[^>]+>", "", match.group(1))


# ---------------------------------------------------------------- answers
def test_answer_escapes_text_and_citation_fields() -> None:
    cite = _citation((0, 3), title=XSS, section_path=XSS, text=XSS, source=XSS)
    out = render.answer_markdown(Answer("q", f"答案{XSS}[1]", "extractive", True, False, [cite]), 3)
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert 'href="#rq-cite-3-1"' in out  # the [1] mark became a link to message 3, citation 1


def test_answer_badges_by_mode() -> None:
    cite = [_citation((0, 1))]
    assert "模型生成·已核验" in render.answer_markdown(Answer("q", "a[1]", "llm", True, False, cite))
    assert "未完全核验" in render.answer_markdown(Answer("q", "a[1]", "llm", False, False, cite))
    assert "摘录" in render.answer_markdown(Answer("q", "a[1]", "extractive", True, False, cite))


def test_refused_answer_has_refusal_badge_and_no_sources() -> None:
    out = render.answer_markdown(Answer("q", "报告中没有相关内容。", "extractive", False, True, []))
    assert "未找到可靠依据" in out
    assert "rq-sources" not in out
    assert "报告中没有相关内容" in out


def test_answer_without_citations_says_so_and_unknown_marks_stay_plain() -> None:
    out = render.answer_markdown(Answer("q", "见[7]", "extractive", True, False, []))
    assert "（无引用）" in out
    assert "[7]" in out and "rq-cite-" not in out


def test_answer_lists_numbered_sources_with_snippet() -> None:
    cites = [_citation((0, 3), n=1, text="第一段" * 50), _citation((5, 9), n=2, section_path="B > 二、问题")]
    out = render.answer_markdown(Answer("q", "甲[1]乙[2]", "extractive", True, False, cites, notes=["删去一句"]), 1)
    assert out.index("rq-cite-1-1") < out.index("rq-cite-1-2")
    assert "B &gt; 二、问题" in out
    assert "…" in out  # long snippet shortened
    assert "删去一句" in out


# ---------------------------------------------------------------- passages
TEXT = "甲乙丙丁戊己庚辛壬癸" * 3  # 30 chars


def test_passage_highlights_exact_span_with_quote_inside() -> None:
    out = render.passage_html(_citation((5, 15), (8, 12)), TEXT, context_chars=3)
    assert _marked(out) == TEXT[5:15]
    assert re.search(r'<span class="rq-quote">(.*?)</span>', out).group(1) == TEXT[8:12]  # type: ignore[union-attr]
    assert out.count("…") == 2  # context clipped on both sides
    assert "报告 &gt; 一、工作 &gt; （一）公开" in out


@pytest.mark.parametrize(("span", "expected"), [((0, 4), TEXT[:4]), ((26, 30), TEXT[26:]), ((0, 30), TEXT)])
def test_passage_at_text_edges(span: tuple[int, int], expected: str) -> None:
    out = render.passage_html(_citation(span), TEXT, context_chars=5)
    assert _marked(out) == expected
    body = re.search(r'<div class="rq-passage-body">(.*)</div></div>', out, re.S).group(1)  # type: ignore[union-attr]
    assert body.startswith("…") == (span[0] > 5)
    assert body.endswith("…") == (span[1] < 25)


def test_zero_length_span_shows_insertion_mark() -> None:
    out = render.passage_html(_citation((10, 10)), TEXT, context_chars=4)
    assert "rq-empty" in out
    assert TEXT[6:10] in out and TEXT[10:14] in out


def test_span_running_past_end_is_clamped_with_note() -> None:
    out = render.passage_html(_citation((25, 99), (28, 120)), TEXT)
    assert _marked(out) == TEXT[25:]
    assert "超出原文范围" in out


def test_span_wholly_past_end_falls_back_to_stored_passage() -> None:
    out = render.passage_html(_citation((100, 120), text="存档片段<b>"), TEXT)
    assert "找不到该引用的位置" in out
    assert "存档片段&lt;b&gt;" in out


def test_quote_outside_passage_is_ignored() -> None:
    out = render.passage_html(_citation((5, 10), (20, 25)), TEXT)
    assert "rq-quote" not in out
    assert _marked(out) == TEXT[5:10]


def test_passage_escapes_source_text() -> None:
    text = "前文" + XSS + "后文"
    out = render.passage_html(_citation((2, 2 + len(XSS))), text)
    assert "<script>" not in out
    assert html.unescape(_marked(out)) == XSS  # exactly the span, shown as text
    assert "&lt;script&gt;" in out


def test_passage_on_real_sample_marks_the_quoted_sentence() -> None:
    fake = FakeService()
    cite = fake.citation()
    out = render.passage_html(cite, fake.text)
    assert re.search(r'<span class="rq-quote">(.*?)</span>', out).group(1) == QUOTE  # type: ignore[union-attr]


# ---------------------------------------------------------------- reports, tree, status
def _info(**kw: object) -> ReportInfo:
    base = {"report_id": "r1", "title": "标题", "issuing_body": "某区政府", "region": "某区", "level": "区县级", "year": 2020,
                "doc_number": "某府发〔2021〕1号", "date": "2021-01", "source": "r1.txt", "source_path": "/x/r1.txt", "sha256": "0",
                "chunk_count": 7, "warnings": ("年度冲突", "数字遮蔽")}
    base.update(kw)
    return ReportInfo(**base)  # type: ignore[arg-type]


def test_report_rows_follow_columns() -> None:
    rows = render.report_rows([_info(), _info(year=None, warnings=())])
    assert len(rows[0]) == len(render.REPORT_COLUMNS)
    assert rows[0][render.REPORT_COLUMNS.index("年度")] == "2020"
    assert rows[0][-1] == "年度冲突；数字遮蔽"
    assert rows[1][render.REPORT_COLUMNS.index("年度")] == "" and rows[1][-1] == ""
    assert render.report_rows([]) == []


def test_report_rows_show_warning_codes_as_chinese_labels() -> None:
    codes = ("masked_figures", "template_or_fanwen", "masked_names", "masked_names", "new_code<x>")
    plain = render.report_rows([_info(warnings=codes)])[0][-1]
    assert plain == "数字被遮蔽；疑为范文网站转载；名称被遮蔽；new_code<x>"  # each once, unknown code as is
    cell = render.report_rows([_info(warnings=codes)], html_warnings=True)[0][-1]
    tags = re.findall(r'<span class="rq-warn-tag" title="([^"]*)">([^<]*)</span>', cell)
    assert tags == [("masked_figures", "数字被遮蔽"), ("template_or_fanwen", "疑为范文网站转载"),
                    ("masked_names", "名称被遮蔽"), ("new_code&lt;x&gt;", "new_code&lt;x&gt;")]
    assert "<x>" not in cell
    assert render.report_rows([_info(warnings=())], html_warnings=True)[0][-1] == ""
    assert len(render.REPORT_DATATYPES) == len(render.REPORT_COLUMNS) and render.REPORT_DATATYPES[-1] == "html"


def test_every_parse_warning_code_has_a_chinese_label() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "rag"
    codes = set()
    for path in sorted(root.rglob("*.py")):  # every stage that can warn about a parse
        codes |= set(re.findall(r'ParseWarning\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert {"masked_figures", "year_conflict", "template_or_fanwen", "merged_section_split"} <= codes
    for code in codes:
        label = render.warning_label(code)
        assert label != code and re.search(r"[\u4e00-\u9fff]", label), code


def test_section_tree_labels_each_warning() -> None:
    report = FakeService().load_report("002")
    out = render.section_tree_html(report)
    for w in report.warnings:
        assert f"<b title='{html.escape(w.code)}'>{html.escape(render.warning_label(w.code))}</b>" in out


def test_report_label_names_place_year_and_file() -> None:
    label = render.report_label(_info())
    assert "某区" in label and "2020年度" in label and "r1.txt" in label
    assert "年度未知" in render.report_label(_info(year=None))


def test_section_tree_shows_roles_in_chinese_and_escapes() -> None:
    report = FakeService().load_report("002")
    report.sections[1].heading = "一、工作<script>"
    out = render.section_tree_html(report)
    for label in ("主要举措和成效", "存在的问题", "导语"):
        assert label in out
    assert "<script>" not in out and "工作&lt;script&gt;" in out
    assert "有数字被遮蔽 &lt;XX&gt;" in out  # parse warning, escaped
    assert "&lt;b&gt;学法&lt;/b&gt;" in out  # extracted problem, escaped
    assert "（一）加强组织领导" in out  # child section listed


def test_role_labels_cover_every_role() -> None:
    from rag.core.types import ROLES

    assert {render.role_label(r) for r in ROLES} == {"导语", "主要举措和成效", "第一责任人职责", "存在的问题", "下一年度安排", "其他"}


def test_status_markdown_labels_sizes_and_commands() -> None:
    out = render.status_markdown({"embedder": "hash", "reports": 2, "index_bytes": 2048, "index_error": XSS,
                                  "add_model_hint": "reportqa serve --x", "extra_key": True})
    assert "| 向量模型 | hash |" in out
    assert "2.0 KB" in out
    assert "```\nreportqa serve --x\n```" in out
    assert "<script>" not in out
    assert "| extra_key | 是 |" in out


def test_server_check_and_error_boxes_escape() -> None:
    assert "可以连接" in render.server_check_markdown(True, "ok")
    assert "&lt;b&gt;" in render.server_check_markdown(False, "<b>")
    assert "&lt;script&gt;" in render.error_html(XSS)
    assert "&lt;script&gt;" in render.notice_html(XSS)


def test_citation_label_is_short_plain_text() -> None:
    label = render.citation_label(_citation((0, 1), title="很长的标题" * 20, n=3))
    assert label.startswith("[3] ") and "（一）公开" in label and len(label) < 90


def test_settings_markdown_never_shows_secrets() -> None:
    from rag.core.config import load_settings

    settings = load_settings(environ={}, overrides={"ui": {"username": "admin", "password": "hunter2"},
                                                    "generator": {"backend": "openai", "openai_api_key": "sk-secret"}})
    out = render.settings_markdown(settings)
    assert "hunter2" not in out and "sk-secret" not in out and "admin" not in out
    assert "已开启" in out and "http://127.0.0.1:8080/v1" in out
