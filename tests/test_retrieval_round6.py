"""Retrieval, sixth round (blind dev questions, batches h–k): 繁體 names, questions about the report in
everyday words, the signature date as written, a report described by its content (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _info(rid: str, title: str, body: str, region: str, year: int):
    from rag.core.types import ReportInfo

    return ReportInfo(rid, title, body, region, "", year, "", "", f"{rid}.txt", f"/x/{rid}.txt", "", 10)


def test_a_traditional_report_is_found_by_a_simplified_question_and_back() -> None:
    from rag.retrieve.recognition import analyze_query

    reports = [_info("t", "廣西壯族自治區2019年度法治政府建設工作情況的報告", "廣西壯族自治區人民政府", "廣西壯族自治區", 2019),
               _info("s", "广西壮族自治区2017年法治政府建设情况报告", "广西壮族自治区人民政府", "广西壮族自治区", 2017)]
    assert analyze_query("广西2019年度的报告更新时间是哪天？", reports).report_ids == ("t",)
    assert analyze_query("廣西2017年的報告有哪些不足？", reports).report_ids == ("s",)


@pytest.mark.parametrize("question", ["七星关区2022年那份报告文件编号多少？", "这份东西最后盖的是谁的章？",
                                      "江津区人社局2022年的报告是啥时候签发的？", "河西区的报告是哪个部门往网上放的？",
                                      "网页上显示的更新时间是哪天", "那篇文档原文件名叫什么"])
def test_the_document_s_number_seal_signing_and_posting_in_everyday_words(question: str) -> None:
    from rag.question.analysis import section_roles

    assert "metadata" in section_roles(question)


def test_the_signature_date_is_stated_as_the_report_writes_it() -> None:
    from rag.lang.years import date_as_written

    assert date_as_written("……\n宿迁市人民政府\n2018年4月12日", "2018-04-12") == "2018年4月12日"
    assert date_as_written("没有日期", "2018-04-12") == "2018-04-12"
    assert date_as_written("2018-04-120", "2018-04-12") == "2018-04-12"  # no date inside a longer number


def test_a_report_described_by_what_it_says_answers_with_its_metadata_passage(tmp_path: Path) -> None:
    from rag.core.config import load_settings
    from rag.retrieve.retriever import Retriever
    from rag.service import ReportQA

    corpus = ROOT / "tests" / "data" / "corpus" / "dev"
    files = [corpus / n for n in ("d98_fanwen-zhen_2023.txt", "d89_wozhen-anon_2022.txt", "d103_baisha-z_2023.txt")]
    settings = load_settings(environ={}, overrides={
        "data_dir": str(tmp_path), "index_dir": str(tmp_path / "index"),
        "embedder": {"backend": "hash"}, "generator": {"backend": "none"}})
    qa = ReportQA.from_settings(settings)
    try:
        assert all(o.status == "added" for o in qa.ingest([str(p) for p in files]))
        retriever = Retriever(qa.store(), qa.embedder(), qa.settings.retrieval)
        hits = retriever.search("提到组织志愿者入户为老年人讲解防诈骗法律知识的那篇总结，标题是什么？", 5)
        assert hits[0].chunk.role == "metadata" and hits[0].chunk.report_id.startswith("d98")
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
        assert any(h.chunk.role != "metadata" and h.chunk.report_id.startswith("d98") for h in hits[1:])
    finally:
        qa.close()


@pytest.mark.parametrize(("question", "year"), [("准旗21年的法治政府年报是啥时候挂到网上的？", 2021), ("22年度报告说了啥", 2022)])
def test_a_two_digit_year_of_a_report_is_its_year(question: str, year: int) -> None:
    from rag.lang.years import year_mentions

    assert [m.year for m in year_mentions(question)] == [year]


@pytest.mark.parametrize("question", ["近10年建设情况", "20年来的变化", "连续3年获评先进", "满15年的老干部"])
def test_a_count_of_years_is_no_year(question: str) -> None:
    from rag.lang.years import year_mentions

    assert year_mentions(question) == ()


def test_the_metadata_passage_states_the_signing_body() -> None:
    from rag.index.chunk import metadata_chunk
    from rag.report.parse import load_report

    report = load_report(ROOT / "tests" / "data" / "corpus" / "dev" / "d101_suqian-s_2017.txt", 10**7)
    passage = metadata_chunk(report, 0)
    assert report.meta.signature == "宿迁市人民政府"
    assert passage is not None and "落款：宿迁市人民政府。成文日期：2018年4月12日。" in passage.text
