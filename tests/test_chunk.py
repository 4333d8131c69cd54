from __future__ import annotations

import random
import re
from itertools import pairwise
from pathlib import Path

import pytest
from index_helpers import SAMPLE, build_report

from rag.core.types import Chunk, Report
from rag.index.chunk import chunk_report, embedding_text, report_label, split_sentences

SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*[”’）)」』]*")


def sentences_of(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """An independent sentence splitter for the tests (word-bearing sentences only)."""
    out = []
    for m in SENTENCE.finditer(text, start, end):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and re.search(r"\w", text[a:b]):
            out.append((a, b))
    return out


def heading_spans(report: Report) -> set[tuple[int, int]]:
    spans = set()
    for s in report.all_sections():
        a, b = s.heading_span
        while b > a and report.text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.add((a, b))
    return spans


def check_invariants(report: Report, chunks: list[Chunk], size: int, overlap: int) -> None:
    text = report.text
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.chunk_id == f"{report.report_id}:{c.ordinal}"
        assert c.report_id == report.report_id
        # spans map back exactly, to the cleaned and to the source text
        assert text[c.span[0] : c.span[1]] == c.text
        assert c.source_span == report.clean.source_span(*c.span)
        assert c.text.strip() == c.text and c.text
        assert c.section_path.startswith(report_label(report))
    # no chunk crosses a top-level section; the role is the section's
    tops = sorted(report.sections, key=lambda s: s.span[0])
    for c in chunks:
        owners = [s for s in tops if s.span[0] < c.span[1] and c.span[0] < s.span[1]]
        assert len(owners) <= 1, (c.chunk_id, [s.heading for s in owners])
        if owners:
            assert owners[0].span[0] <= c.span[0] and c.span[1] <= owners[0].span[1]
            assert c.role == owners[0].role
        else:
            assert c.role == "other"
    # every sentence of every section is in some chunk (an over-long one across consecutive chunks)
    covered = [False] * len(text)
    for c in chunks:
        covered[c.span[0] : c.span[1]] = [True] * (c.span[1] - c.span[0])
    cuts = sorted({s.span[0] for s in report.all_sections()} | {s.heading_span[1] for s in report.all_sections()})
    for s in report.all_sections():
        inner = [x for x in cuts if s.span[0] < x < s.span[1]]  # a section may start mid-sentence (一是…)
        pieces = zip([s.span[0], *inner], [*inner, s.span[1]], strict=True)
        for a, b in (sent for piece in pieces for sent in sentences_of(text, *piece)):
            if b - a <= 2 * size:
                assert any(c.span[0] <= a and b <= c.span[1] for c in chunks), text[a:b]
            assert all(covered[a:b]), text[a:b]
    # headings stay with their body: no chunk ends on a heading that has body text after it
    heads = heading_spans(report)
    for c in chunks:
        ending = [h for h in heads if h[1] == c.span[1] and c.span[0] <= h[0]]
        for h in ending:
            owner = next(s for s in report.all_sections() if s.heading_span[0] == h[0])
            assert not text[h[1] : owner.span[1]].strip(), f"heading left at the end of {c.chunk_id}: {text[h[0]:h[1]]}"
    # sizes: over the budget only when one (non-heading) sentence fills the chunk
    for c in chunks:
        if len(c.text) > size:
            body = [
                (a, b)
                for a, b in split_sentences(text, c.span[0], c.span[1], size)
                if not any(h[0] <= a and b <= h[1] for h in heads)
            ]
            assert len(body) == 1, (c.chunk_id, len(c.text))
            assert body[0][1] - body[0][0] <= 2 * size
    # overlap: consecutive chunks share at most `overlap` characters
    for prev, nxt in pairwise(chunks):
        shared = prev.span[1] - nxt.span[0]
        assert shared <= overlap
        assert nxt.span[1] > prev.span[1]


@pytest.mark.parametrize(("size", "overlap"), [(60, 20), (80, 30), (150, 0), (300, 60), (2000, 100)])
def test_invariants_on_hand_built_report(size: int, overlap: int) -> None:
    report = build_report(SAMPLE, offset_shift=7)
    chunks = chunk_report(report, size, overlap)
    assert chunks
    check_invariants(report, chunks, size, overlap)
    # the cleaned->source mapping really moves the span (identity shifted by 7)
    assert all(c.source_span == (c.span[0] + 7, c.span[1] + 7) for c in chunks)
    assert all(report.source.text[slice(*c.source_span)] == c.text for c in chunks)


def test_section_path_names_report_and_headings() -> None:
    report = build_report(SAMPLE, region="潼南区", year=2020)
    chunks = chunk_report(report, 120, 30)
    hit = next(c for c in chunks if "依申请公开56件" in c.text)
    assert hit.section_path == "潼南区 2020年度 > 一、工作开展情况 > （二）推进政务公开"
    assert hit.role == "measures"
    problems = [c for c in chunks if c.role == "problems"]
    assert problems and all("二、存在的问题" in c.section_path for c in problems)
    assert {c.role for c in chunks} == {"preamble", "measures", "problems", "plans"}


def test_headings_travel_with_their_body() -> None:
    report = build_report(SAMPLE)
    for size in (40, 60, 80, 100):
        for c in chunk_report(report, size, 0):
            assert not re.fullmatch(r"[一二三四五六七八九十]+、[^\n。]*|[（(][一二三四五六七八九十]+[）)][^\n。]*", c.text), c.text


def test_prefers_sub_section_boundaries() -> None:
    report = build_report(SAMPLE)
    chunks = chunk_report(report, 150, 0)
    subsections = [s for top in report.sections for s in top.children]
    merged = 0
    for c in chunks:
        touched = [s for s in subsections if s.span[0] < c.span[1] and c.span[0] < s.span[1]]
        if len(touched) > 1:  # allowed only when the first part is short (under a third of the budget)
            assert touched[1].span[0] - c.span[0] < 150 / 3, c.text
            merged += 1
    assert merged == 1  # the two short plan items


def test_overlap_repeats_trailing_sentences_of_the_same_sub_section() -> None:
    text = "一、工作情况\n" + "".join(f"第{i}项工作已经全部完成并通过验收。" for i in range(1, 30)) + "\n"
    report = build_report(text)
    chunks = chunk_report(report, 100, 40)
    assert len(chunks) > 3
    for prev, nxt in pairwise(chunks):
        shared = text[nxt.span[0] : prev.span[1]]
        assert 0 < len(shared) <= 40
        assert shared.endswith("。") and nxt.text.startswith(shared)
    without = chunk_report(report, 100, 0)
    assert all(a.span[1] <= b.span[0] for a, b in pairwise(without))


def test_overlong_sentence_is_cut_at_commas() -> None:
    long = "，".join(f"第{i}个事项按要求办理" for i in range(60)) + "。"
    report = build_report("一、工作情况\n" + long + "\n二、存在的问题\n问题不少。\n")
    chunks = chunk_report(report, 100, 20)
    pieces = [c for c in chunks if c.role == "measures"]
    assert len(pieces) >= 5
    assert all(len(c.text) <= 100 + len("一、工作情况\n") for c in pieces)
    assert all(c.text.endswith(("，", "。")) for c in pieces)
    check_invariants(report, chunks, 100, 20)


def test_sentence_between_size_and_twice_size_is_kept_whole() -> None:
    sentence = "全面落实行政执法三项制度" * 12 + "。"  # 145 chars
    report = build_report("一、工作情况\n" + sentence + "短句一。短句二。\n")
    chunks = chunk_report(report, 100, 0)
    assert any(sentence in c.text for c in chunks)


def test_report_without_sections_is_chunked_as_other() -> None:
    text = "这是一段没有任何标题的文字。" * 40
    report = build_report(text)
    assert report.sections and report.sections[0].role == "preamble"
    report.sections = []
    chunks = chunk_report(report, 100, 20)
    assert chunks and {c.role for c in chunks} == {"other"}
    assert "".join(c.text for c in chunk_report(report, 100, 0)) == text


@pytest.mark.parametrize("text", ["", "   \n\n  ", "***\n———\n"])
def test_empty_or_wordless_reports_give_no_chunks(text: str) -> None:
    report = build_report(text)
    assert chunk_report(report, 100, 20) == []


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        chunk_report(build_report(SAMPLE), 0, 0)
    with pytest.raises(ValueError):
        chunk_report(build_report(SAMPLE), 100, -1)


def test_embedding_text_has_context_header_and_the_chunk_text() -> None:
    report = build_report(SAMPLE, region="潼南区")
    chunk = next(c for c in chunk_report(report, 120, 0) if "依申请公开" in c.text)
    out = embedding_text(chunk, "潼南区2020年度法治政府建设情况报告")
    assert out.startswith("潼南区2020年度法治政府建设情况报告 | 潼南区 2020年度 > 一、工作开展情况")
    assert out.endswith(chunk.text)
    assert embedding_text(chunk, "").startswith(chunk.section_path)


def test_label_falls_back_when_metadata_is_missing() -> None:
    report = build_report(SAMPLE, region="", year=None, title="")
    report.meta.title = ""
    assert report_label(report) == "r1"
    report.meta.issuing_body = "某某市人民政府办公室"
    report.meta.year = 2021
    assert report_label(report) == "某某市人民政府办公室 2021年度"


@pytest.mark.parametrize(("size", "overlap"), [(100, 20), (300, 60), (800, 0)])
def test_invariants_on_real_samples(sample_paths, size: int, overlap: int) -> None:  # type: ignore[no-untyped-def]
    from rag.report.parse import load_report

    for path in sample_paths:
        report = load_report(path, 50_000_000)
        chunks = chunk_report(report, size, overlap)
        assert len(chunks) >= 3, path.name
        check_invariants(report, chunks, size, overlap)
        # the source span shows the same passage in the source text, modulo cleaning
        for c in chunks:
            src = re.sub(r"[\s*]", "", report.source.text[slice(*c.source_span)])
            passage = re.sub(r"[\s*]", "", c.text)
            assert src.startswith(passage[:4]) and src.endswith(passage[-4:])


def random_report_text(rng: random.Random) -> str:
    cn = "一二三四五六七八九十"
    words = ["法治政府", "依申请公开", "行政复议", "执法", "规范性文件", "合法性审核", "普法", "营商环境", "12345热线"]
    lines = ["某区人民政府关于2020年度法治政府建设情况的报告"]
    for top in range(rng.randint(0, 4)):
        lines.append(f"{cn[top]}、{rng.choice(words)}情况")
        for sub in range(rng.randint(0, 3)):
            if rng.random() < 0.7:
                lines.append(f"（{cn[sub]}）{rng.choice(words)}")
            for _ in range(rng.randint(0, 3)):
                sentence_count = rng.randint(1, 6)
                body = ""
                for _ in range(sentence_count):
                    body += "，".join(rng.choice(words) * rng.randint(1, 3) for _ in range(rng.randint(1, 8)))
                    body += rng.choice("。。。；！？")
                lines.append(body)
    return "\n".join(lines) + rng.choice(["", "\n", "\n\n某区人民政府\n2021年3月1日\n"])


@pytest.mark.parametrize("seed", range(40))
def test_invariants_on_random_reports(seed: int) -> None:
    rng = random.Random(seed)
    report = build_report(random_report_text(rng), offset_shift=rng.randint(0, 3))
    for size, overlap in ((50, 20), (120, 30), (400, 0)):
        check_invariants(report, chunk_report(report, size, overlap), size, min(overlap, size // 2))


def test_metadata_chunk_states_what_the_page_says_about_the_report() -> None:
    from rag.index.chunk import METADATA_ROLE, metadata_chunk
    from rag.report.parse import load_report

    path = sorted((Path(__file__).resolve().parent.parent / "data" / "samples").glob("003_*.txt"))[0]
    report = load_report(path, 50 * 2**20)
    chunk = metadata_chunk(report, 7)
    assert chunk is not None and chunk.role == METADATA_ROLE and chunk.chunk_id.endswith(":7")
    assert "发布日期：2021-01-11。" in chunk.text and "来源：广州市人民政府办公厅。" in chunk.text
    a, b = chunk.source_span
    assert "2021-01-11" in report.source.text[a:b] and "来源" in report.source.text[a:b]
