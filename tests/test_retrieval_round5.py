"""Fifth retrieval round (issue 12): questions about the report itself in a journalist's words.

Each test failed before its change: the wordings were not read as questions about the report (the metadata
passage stayed weighted down as furniture), the passage's labels never joined the keywords (it shares no word
with 「哪天挂出来的」), and the passage did not say to whom a report is submitted.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.question.analysis import section_roles

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("question", [
    "X区2020年度的法治政府建设报告是哪个部门挂到网上的？",
    "X区那份2020年法治报告是几月几号上网的？",
    "X省2021年法治政府建设年度报告的稿子是哪家单位提供的？",
    "X县2019年度报告是什么时候更新到网站上的？",
    "X旗2021年年度报告在网站上署的是哪个单位？",
    "X局2021年法治政府建设年度报告的发文字号是什么？",
    "X局的2021年法治报告哪天挂出来的？",
    "X厅2017年度工作报告最后更新是在什么时候？",
    "X镇2019年度法治政府建设报告是向谁呈报的？",
    "X镇2025年报告是写给哪一级领导机关的？",
    "X县2025年的法治政府建设报告成文于哪一天？",
    "X市2024年法治政府建设年度报告是哪天公开的？",
    "X市2018年度法治政府建设工作报告是哪个单位供的稿？",
    "X府（2023）4号这份报告讲的是哪一年的法治政府建设？",
])
def test_a_journalist_s_wording_asks_about_the_report_itself(question: str) -> None:
    assert "metadata" in section_roles(question)


@pytest.mark.parametrize("question", [
    "哪个单位为群众提供法律咨询最多？",
    "X市2024年主动公开了多少条政府信息？",
    "哪个区给中小学配了八十六个法治副校长？",
    "哪个单位一年办理人大代表建议和政协委员提案179件？",
    "X县2020年网上可办事项占比是多少？",
    "X镇2021年收到行政复议申请多少件？",
])
def test_questions_about_the_work_stay_questions_about_the_work(question: str) -> None:
    assert "metadata" not in section_roles(question)


def test_the_asked_field_brings_the_metadata_passage_s_label() -> None:
    from rag.lang.synonyms import report_fields

    assert "发布日期" in report_fields("哪天挂出来的？")
    assert "发布日期" in report_fields("最后更新是在什么时候")
    assert "来源" in report_fields("是哪个单位供的稿？")
    assert "文号" in report_fields("发文字号是什么？")
    assert "成文日期" in report_fields("成文于哪一天？")
    assert "报告年度" in report_fields("讲的是哪一年的法治政府建设？")
    assert "报送" in report_fields("是向谁呈报的？")
    assert "报告标题" in report_fields("标题怎么写的")
    assert report_fields("怎么样") == ()


def test_every_asked_label_is_a_label_the_metadata_passage_writes() -> None:
    import inspect

    from rag.index import chunk
    from rag.lang.synonyms import REPORT_FIELD_CUES

    written = set(re.findall(r'\("([\u4e00-\u9fff]+)",', inspect.getsource(chunk.metadata_chunk)))
    assert {label for label, _cues in REPORT_FIELD_CUES} <= written


def _report(text: str):  # type: ignore[no-untyped-def]
    from index_helpers import build_report

    return build_report(text, title=text.split("\n", 1)[0])


def test_the_metadata_passage_says_to_whom_the_report_is_submitted() -> None:
    from rag.index.chunk import addressee, metadata_chunk

    text = ("乔甸镇2019年度法治政府建设工作情况报告\n县委、县政府：\n2019年，乔甸镇人民政府坚持依法行政。现将有关情况报告如下。\n"
            "一、主要工作\n（一）推进政务公开。全年公开信息57条。\n")
    report = _report(text)
    to_whom, span = addressee(report)
    assert to_whom == "县委、县政府" and span is not None
    passage = metadata_chunk(report, 0)
    assert passage is not None and "报送：县委、县政府。" in passage.text
    a, b = passage.source_span
    assert "县委、县政府：" in report.source.text[a:b]  # the cited span covers the salutation line
    no_letter = _report("X县2019年法治政府建设报告\n2019年，X县人民政府坚持依法行政。\n一、主要工作：\n全年公开信息57条。\n")
    assert addressee(no_letter) == ("", None)  # a heading ending in a colon is no salutation


def test_a_question_about_the_report_itself_ranks_its_metadata_passage_first(tmp_path: Path) -> None:
    from rag.core.config import load_settings
    from rag.retrieve.retriever import Retriever
    from rag.service import ReportQA

    corpus = ROOT / "tests" / "data" / "corpus" / "dev"
    files = [corpus / name for name in ("d07_zhungeer_2021.txt", "d19_tongwei_2017.txt", "d23_dongtai_2018.txt",
                                        "d15_qiaodian_2019.txt")]
    settings = load_settings(environ={}, overrides={
        "data_dir": str(tmp_path), "index_dir": str(tmp_path / "index"),
        "embedder": {"backend": "hash"}, "generator": {"backend": "none"}})
    qa = ReportQA.from_settings(settings)
    try:
        outcomes = qa.ingest([str(p) for p in files])
        assert all(o.status == "added" for o in outcomes), [o.message for o in outcomes]
        retriever = Retriever(qa.store(), qa.embedder(), qa.settings.retrieval)
        for question, answer in (("准格尔旗2021年法治政府建设年度报告在网站上署的是哪个单位？", "准格尔旗司法局"),
                                 ("东台市2018年度法治政府建设工作报告是哪个单位供的稿？", "东台市司法局"),
                                 ("通渭县2017年的法治报告哪天挂出来的？", "2018-03-12"),
                                 ("乔甸镇2019年度法治政府建设报告是向谁呈报的？", "县委、县政府")):
            top = retriever.search(question, 3)[0]
            assert top.chunk.role == "metadata" and answer in top.chunk.text, (question, top.chunk.text[:60])
    finally:
        qa.close()


def test_a_salutation_below_the_title_and_the_doc_number_rows_is_found() -> None:
    from rag.index.chunk import addressee

    report = _report("邢台市人民政府关于2016年度法治政府建设情况的报告\n发布单位：邢台市人民政府\n邢政呈〔2017〕3号　签发人：某某\n"
                     "河北省人民政府：\n2016年，邢台市人民政府认真贯彻落实纲要。现报告如下。\n一、主要工作\n全年公开信息57条。\n")
    assert addressee(report)[0] == "河北省人民政府"
    late = _report("X县2019年法治政府建设报告\n2019年，X县人民政府坚持依法行政。\n县委、县政府：\n一、主要工作\n")
    assert addressee(late) == ("", None)  # after the text has begun, a colon line is no salutation


def test_everyday_words_for_putting_a_report_online_and_for_appraisal() -> None:
    from rag.lang.synonyms import report_wording

    assert "metadata" in section_roles("X市政府2019年的法治报告几月几号放到网上的？")
    assert "法律明白人" in report_wording("培养了多少个在村里懂法能帮忙的骨干？")
    assert "法律顾问" in report_wording("请了多少位懂法的专家当参谋？")
    assert {"考核", "权重"} <= set(report_wording("把法治纳入年终打分，占了多大分量？"))


def test_field_labels_join_only_the_search_confined_to_the_named_reports() -> None:
    from rag.core.config import RetrievalSettings
    from rag.retrieve.retriever import Retriever

    seen: list[tuple[str, bool]] = []

    class Store:
        def search_dense(self, qvec, n, allowed_rows=None):  # type: ignore[no-untyped-def]
            return []

        def search_sparse(self, text, n, allowed_rows=None):  # type: ignore[no-untyped-def]
            seen.append((text, allowed_rows is not None))
            return []

    class Embedder:
        def embed_query(self, text):  # type: ignore[no-untyped-def]
            return [0.0]

    retriever = Retriever(Store(), Embedder(), RetrievalSettings())  # type: ignore[arg-type]
    retriever._candidates("哪天挂出来的", None, [1, 2], 1.0, ("发布日期",))
    assert seen == [("哪天挂出来的", False), ("哪天挂出来的 发布日期", True)]  # global list, then the named reports
    seen.clear()
    retriever._candidates("哪天挂出来的", [1, 2], None, 1.0, ("发布日期",))  # restricted to the named reports
    assert seen == [("哪天挂出来的 发布日期", True)]


def test_a_named_report_asked_for_no_part_ranks_all_its_text_as_in_a_restricted_search() -> None:
    from test_retrieve import _RankedStore, _ZeroEmbedder

    from rag.core.config import RetrievalSettings
    from rag.retrieve.recognition import QueryIntent
    from rag.retrieve.retriever import Retriever

    retriever = Retriever(_RankedStore(), _ZeroEmbedder(), RetrievalSettings())  # type: ignore[arg-type]
    rows_a = retriever.store.rows_for_reports({"a"})
    intent = QueryIntent("a县让几个村重新定了村里的规矩", report_ids=("a",))
    part = retriever._part_rows(intent, rows_a)
    assert part == {100, 101}  # the whole named report: the same work told by report b ranks above it otherwise
    fused, _, _ = retriever._fuse("让几个村重新定了村里的规矩", None, rows_a, part)
    assert fused[100] == pytest.approx(fused[1])  # first in its own report = first globally
    year_only = QueryIntent("2023年让几个村重新定了村里的规矩", report_ids=("a",), year_only=True)
    assert retriever._part_rows(year_only, rows_a) == set()  # a year alone names no report


@pytest.mark.parametrize(("question", "words"), [
    ("炼铁乡2022年让几个村重新定了村里的规矩？", {"村规民约"}),
    ("劳动争议里有多大比例是靠说和解决的？", {"调解"}),
    ("新冒出来多少家企业和个体户？", {"市场主体"}),
    ("镇里的办事大厅一年办了多少件事？", {"便民服务中心"}),
    ("给园区里的打工人讲法的活动覆盖了多少人？", {"员工", "普法"}),
])
def test_everyday_words_of_the_new_paraphrases(question: str, words: set[str]) -> None:
    from rag.lang.synonyms import report_wording

    assert words <= set(report_wording(question))
