"""Query analysis (unit) and hybrid retrieval over a real on-disk index (FAISS + BM25 + SQLite)."""

from __future__ import annotations

import logging
from itertools import pairwise
from pathlib import Path

import pytest

from rag.core.errors import BadQueryError, UnknownReportError
from rag.core.types import Chunk, ReportInfo
from rag.lang.docno import normalize_doc_number
from rag.retrieve.recognition import analyze_query
from rag.retrieve.retriever import (
    MAX_QUERY_CHARS,
    Retriever,
    chunk_roles,
    heading_roles,
    is_furniture,
    keyword_lead,
    opening_roles,
    prepare_query,
    text_heading_roles,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
DISTRACTORS = ROOT / "data" / "distractors"


def info(rid: str, title: str, body: str = "", region: str = "", year: int | None = None, doc: str = "") -> ReportInfo:
    return ReportInfo(rid, title, body, region, "", year, doc, "", f"{rid}.txt", f"/x/{rid}.txt", "", 10)


REPORTS = [
    info("tn20", "重庆市潼南区人民政府办公室 关于2020年度法治政府建设情况的报告", "重庆市潼南区人民政府办公室",
         "重庆市潼南区", 2020, "潼南府办〔2021〕10号"),
    info("tn21", "重庆市潼南区人民政府办公室 关于2021年度法治政府建设情况的报告", "重庆市潼南区人民政府办公室",
         "重庆市潼南区", 2021, "潼南府办〔2022〕13号"),
    info("tl20", "重庆市铜梁区人民政府办公室 关于2020年度法治政府建设情况的报告", "重庆市铜梁区人民政府办公室",
         "重庆市铜梁区", 2020, "铜梁府办〔2021〕15号"),
    info("gz20", "广州市人民政府办公厅2020年法治政府建设年度报告", "广州市人民政府办公厅", "广州市", 2020),
    info("sz20", "深圳市人民政府办公厅2020年法治政府建设年度报告", "深圳市人民政府办公厅", "深圳市", 2020),
    info("tai21", "关于2021年度法治政府建设情况的报告", year=2021, doc="台政办字〔2022〕1号"),
    info("tai20", "关于2020年度法治政府建设情况的报告", year=2020, doc="台政办字〔2021〕4号"),
    info("x20", "X市政府2020年法治政府建设情况报告", "X市政府", "X市", 2020),
    info("szq22", "枣庄市市中区人民政府办公室关于2022年度法治政府建设情况的报告", "枣庄市市中区人民政府办公室",
         "枣庄市市中区", 2022, "市中政办字〔2023〕3号"),
]


# ----------------------------------------------------------------------------- query analysis
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("潼南区2020年依申请公开收到几件？", ("tn20",)),
        ("潼南2020年依申请公开收到几件？", ("tn20",)),  # short form of the place
        ("潼南区2021年度依申请公开收到几件？", ("tn21",)),  # the year reported on picks the report
        ("铜梁区的政务公开做得怎么样", ("tl20",)),
        ("广州市政府办公厅2020年报告提到了哪些不足？", ("gz20",)),
        ("X市政府2020年法治政府建设情况报告说还存在哪些短板？", ("x20",)),
        ("台政办字〔2022〕1号报告中主要负责人如何履行职责？", ("tai21",)),
        ("台政办字[2022]1号的问题", ("tai21",)),  # bracket variants of the 文号
        ("潼南府办〔2022〕13号说了什么", ("tn21",)),  # 文号 beats the place's other report
        ("台政办字报告2020年的不足", ("tai20",)),  # 文号 prefix names the issuer, the year picks
        # questions in English: place names matched through their pinyin
        ("What problems did Guangzhou report in 2020?", ("gz20",)),
        ("How many disclosure requests did Tongnan District receive in 2021?", ("tn21",)),
        ("Tong Nan 2020 open government information", ("tn20",)),
        ("What did Shenzhen plan?", ("sz20",)),
    ],
)
def test_question_names_its_report(question: str, expected: tuple[str, ...]) -> None:
    assert analyze_query(question, REPORTS).report_ids == expected


def test_plans_for_a_year_stand_in_the_report_on_the_year_before() -> None:
    intent = analyze_query("潼南区2021年工作安排有哪些？", REPORTS)
    assert intent.report_ids == ("tn20",) and intent.plan_year == 2021 and "plans" in intent.roles
    assert analyze_query("广州市2021年在政务公开方面有什么安排？", [*REPORTS]).report_ids == ("gz20",)
    # stated explicitly as the year reported on, the year is taken as it is
    assert analyze_query("潼南区2021年度报告的下一步打算", REPORTS).report_ids == ("tn21",)


def test_a_year_after_the_reported_one_means_plans() -> None:
    intent = analyze_query("潼南区2020年度报告中，2021年重点抓好哪几方面的工作？", REPORTS)
    assert intent.report_ids == ("tn20",) and "plans" in intent.roles


def test_place_without_year_keeps_all_its_reports_and_parent_place_is_weak() -> None:
    assert set(analyze_query("潼南区审计反馈问题多少项", REPORTS).report_ids) == {"tn20", "tn21"}
    assert set(analyze_query("重庆市2020年的报告", REPORTS).report_ids) == {"tn20", "tl20"}
    # a specific place beats its parent
    assert analyze_query("重庆市潼南区2021年度报告", REPORTS).report_ids == ("tn21",)


@pytest.mark.parametrize(
    ("question", "role"),
    [("What problems did Guangzhou report?", "problems"), ("What are the plans for next year?", "plans"),
     ("How did the principal leader act as first responsible person?", "responsibility")],
)
def test_english_section_intent(question: str, role: str) -> None:
    assert role in analyze_query(question, REPORTS).roles


def test_pinyin_matches_whole_words_only() -> None:
    from rag.retrieve.recognition import _latin_hits

    words = ("how", "many", "cases", "did", "shanghai", "and", "beijing", "handle")
    assert _latin_hits(frozenset({"海安", "南通", "上海"}), words) == ["上海"]


def test_english_words_that_are_not_place_names_name_nothing() -> None:
    for question in ("What problems were reported about law enforcement in 2020?", "Which shortcomings were listed?"):
        assert not analyze_query(question, REPORTS).report_ids or analyze_query(question, REPORTS).year_only


def test_year_alone_only_nudges_and_unknown_places_name_nothing() -> None:
    intent = analyze_query("2020年依申请公开多少件", REPORTS)
    assert intent.year_only and set(intent.report_ids) == {"tn20", "tl20", "gz20", "sz20", "tai20", "x20"}
    nothing = analyze_query("杭州市的行政复议情况", REPORTS)
    assert nothing.report_ids == () and not nothing.year_only
    assert analyze_query("全市中心工作推进情况", REPORTS).report_ids == ()  # not 市中区
    assert analyze_query("依申请公开", []).report_ids == ()


@pytest.mark.parametrize(
    ("question", "roles"),
    [
        ("存在哪些问题？", {"problems"}),
        ("有什么不足和短板", {"problems"}),
        ("下一步工作计划", {"plans"}),
        ("明年打算怎么做", {"plans"}),
        ("改进措施有哪些", {"plans"}),
        ("主要负责人履行第一责任人职责情况", {"responsibility"}),
        ("采取了哪些举措，取得了什么成效", {"measures"}),
        ("面临什么困难", {"problems"}),
        ("工作还有哪些不够的地方", {"problems"}),
        ("帮扶困难群众多少户", set()),  # 困难群众 are people, not the report's problems
        ("接下来准备怎么整改", {"plans"}),
        ("准备工作做得怎么样", set()),
        ("报告是哪天发布的", {"metadata"}),  # the report itself: its metadata passage
        ("这份报告的文号是多少", {"metadata"}),
        ("报告出自哪个部门", {"metadata"}),
        ("这份报告是哪个单位写的", {"metadata"}),  # everyday wording of 发布/编制
        ("报告的标题怎么写的", {"metadata"}),
        ("报告的索引号是多少", {"metadata"}),
        ("审计反馈问题多少项", set()),  # 问题 as a plain noun is no problems intent
        ("区政府负责人出庭应诉率是多少", set()),
        # everyday wording of the parts
        ("哪些地方还做得不够", {"problems"}),
        ("还有什么没做好的", {"problems"}),
        ("重点要做哪几件事", {"plans"}),
        ("有哪些重点做法", {"measures"}),  # 做法 is work done, not planned
        ("局长是怎么抓法治建设的", {"responsibility"}),
        ("县长带头学法了吗", set()),  # no rule-of-law work of the head's own
        ("市长热线接了多少电话", set()),
    ],
)
def test_section_intent(question: str, roles: set[str]) -> None:
    assert set(analyze_query(question, REPORTS).roles) == roles


def test_topic_drops_the_words_that_only_name_the_report() -> None:
    intent = analyze_query("广州市政府办公厅2020年报告提到了哪些不足？", REPORTS)
    assert "广州" not in intent.topic and "不足" in intent.topic
    assert analyze_query("潼南区2020年", REPORTS).topic == "潼南区2020年"  # nothing left: keep it all
    # the issuer as written from the place on names the report too: its 教育局 would match every 教育局
    reports = [*REPORTS, info("zw24", "", "十堰市张湾区教育局", "", 2024)]
    intent = analyze_query("张湾区教育局2024年查了多少家补习班？", reports)
    assert intent.report_ids == ("zw24",) and "教育局" not in intent.topic and "补习班" in intent.topic


def test_an_issuing_body_of_its_own_kind_names_its_report() -> None:
    reports = [*REPORTS, info("mwr22", "水利部2022年法治政府建设年度报告", "水利部", "", 2022),
               info("office21", "区政府办公室2021年法治政府建设情况报告", "区政府办公室", "", 2021)]
    intent = analyze_query("水利部2022年一共查处了多少起水事违法案件？", reports)
    assert intent.report_ids == ("mwr22",) and not intent.year_only and "水利部" not in intent.topic
    # a level word plus an office stands for one in every place: only the year nudges
    assert analyze_query("区政府办公室2021年有哪些不足？", reports).year_only


def test_a_year_after_the_only_report_of_a_place_asks_for_its_plans() -> None:
    reports = [*REPORTS, info("kf22", "开封市人力资源和社会保障局2022年法治政府建设年度报告",
                              "开封市人力资源和社会保障局", "开封市", 2022)]
    intent = analyze_query("开封市人社局2023年重点工作有哪些？", reports)
    assert intent.report_ids == ("kf22",) and "plans" in intent.roles
    # the place has a report on the asked year: that one, and no plans intent
    assert analyze_query("广州市2020年的工作亮点", REPORTS).roles == ()
    # a year alone names nothing: no plans read into it
    assert "plans" not in analyze_query("2019年依申请公开收到几件？", REPORTS).roles


def test_a_body_under_a_government_names_its_own_place() -> None:
    reports = [*REPORTS, info("dh23", "丰泽区人民政府东海街道办事处关于2023年度法治政府建设情况的报告",
                              "丰泽区人民政府东海街道办事处", "丰泽区人民政府东海街道", 2023)]
    assert analyze_query("东海街道2023年调处了多少纠纷？", reports).report_ids == ("dh23",)
    assert analyze_query("重庆市潼南区2020年依申请公开收到几件", reports).report_ids == ("tn20",)


def test_normalize_doc_number() -> None:
    assert normalize_doc_number("台政办字 [2022] 1号") == normalize_doc_number("台政办字〔2022〕1号")
    assert normalize_doc_number("台政办字【2022】1号") == "台政办字〔2022〕1号"


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "？？？", "……", None, 42])
def test_unusable_queries_are_refused(bad: object) -> None:
    with pytest.raises(BadQueryError, match=r"^问题.*（[a-z ]+）。请") as err:  # Chinese first, English gloss, what to do
        prepare_query(bad)
    assert "BadQueryError" not in str(err.value)


def test_overlong_query_is_cut_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    long = "潼南区依申请公开收到几件。" * 800  # over 10,000 characters
    with caplog.at_level(logging.WARNING, logger="rag.retrieve.retriever"):
        text = prepare_query(long)
    assert 0 < len(text) <= MAX_QUERY_CHARS and text.endswith("。")
    assert any("characters long" in r.message for r in caplog.records)


def _chunk(report: str, text: str, role: str = "measures") -> Chunk:
    return Chunk(f"{report}:0", report, 0, text, "", role, (0, len(text)), (0, len(text)))


def test_keyword_lead_rewards_a_match_only_one_report_holds() -> None:
    chunks = {1: _chunk("a", "x"), 2: _chunk("a", "y"), 3: _chunk("b", "z"), 4: _chunk("c", "w")}
    lead = keyword_lead({1: 20.0, 2: 10.0, 3: 4.0, 4: 2.0}, chunks)
    assert lead[1] == pytest.approx(0.8) and lead[2] == pytest.approx(0.8 * 0.25)  # the leader's own report
    assert lead[3] < 0.05 and lead[4] < lead[3]
    # words every report shares lead nowhere: almost nothing for anyone
    even = keyword_lead({1: 10.0, 3: 9.8, 4: 9.5}, chunks)
    assert max(even.values()) < 0.05
    assert keyword_lead({}, chunks) == {} and keyword_lead({9: 5.0}, chunks) == {}  # rows gone from the index
    assert keyword_lead({1: 0.0}, chunks) == {}


def test_sub_headings_name_a_part_beside_the_top_level_role() -> None:
    assert heading_roles("融水县 2024年度 > 一、2024年主要工作 > （四）履行第一责任人职责") == {"responsibility"}
    assert heading_roles("X市 2020年度 > 三、存在的短板弱项") == {"problems"}
    assert heading_roles("X市 2020年度 > 一、主要工作 > （一）推进依法决策") == frozenset()
    assert heading_roles("第一责任人 2020年度") == frozenset()  # the report's label is no heading


def test_sub_headings_inside_a_chunk_name_its_parts_too() -> None:
    text = "一、2024年主要举措和成效\n（一）规范执法检查。全年检查企业112家。\n（三）压实第一责任人职责。局主要负责人带头述法。"
    assert "responsibility" in text_heading_roles(text)
    assert text_heading_roles("（一）规范执法检查。全年检查企业112家，发现问题47个。") == frozenset()
    chunk = _chunk("a", text)
    assert chunk_roles(chunk) >= {"measures", "responsibility"}


def test_furniture_is_the_metadata_passage_or_a_line_without_a_sentence() -> None:
    assert is_furniture(_chunk("a", "报告标题：《X市2020年报告》。发布机关：X市政府。", "metadata"))
    assert is_furniture(_chunk("a", "X市政府2020年法治政府建设情况报告", "other"))
    assert is_furniture(_chunk("a", "重庆市潼南区人民政府办公室\n2021年2月5日", "other"))
    assert is_furniture(_chunk("a", "主要举措和成效"))
    assert not is_furniture(_chunk("a", "全年办理行政复议案件73件。"))
    assert not is_furniture(_chunk("a", "一是" + "加强执法队伍建设" * 10, "plans"))  # long, even without 。


# ----------------------------------------------------------------------------- a real index
SAMPLE_GZ = "003_340d6b83137f3ef6"
SAMPLE_TN = "002_0158dad679362a71"


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from rag.core.config import load_settings
    from rag.service import ReportQA

    tmp = tmp_path_factory.mktemp("retrieve")
    settings = load_settings(environ={}, overrides={
        "data_dir": str(tmp), "index_dir": str(tmp / "index"),
        "embedder": {"backend": "hash"}, "generator": {"backend": "none"},
    })
    service = ReportQA.from_settings(settings)
    files = sorted(SAMPLES.glob("*.txt")) + [
        DISTRACTORS / name for name in ("d01_tongliang_2020.txt", "d07_tongnan_2021.txt", "d09_shenzhen_2020.txt",
                                        "d13_guangzhou_2021.txt")
    ]
    outcomes = service.ingest(files)
    assert all(o.status == "added" for o in outcomes), [o.message for o in outcomes if o.status != "added"]
    yield service
    service.close()


def _retriever(qa, **changes):  # type: ignore[no-untyped-def]
    return Retriever(qa.store(), qa.embedder(), qa.settings.retrieval.model_copy(update=changes))


def _id(qa, stem: str) -> str:  # type: ignore[no-untyped-def]
    return qa.resolve(f"{stem}.txt").report_id


def test_hits_are_ranked_deduplicated_and_from_the_named_report(qa) -> None:  # type: ignore[no-untyped-def]
    hits = _retriever(qa).search("潼南区2020年依申请公开收到几件？", 5)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1)) and 0 < len(hits) <= 5
    assert all(a.score >= b.score for a, b in pairwise(hits))
    assert {h.chunk.report_id for h in hits} == {_id(qa, SAMPLE_TN)}
    assert any("共收到依申请公开5件" in h.chunk.text for h in hits)
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            inter = min(a.chunk.span[1], b.chunk.span[1]) - max(a.chunk.span[0], b.chunk.span[0])
            assert inter <= 0.5 * (b.chunk.span[1] - b.chunk.span[0])


def test_year_picks_between_reports_of_the_same_place(qa) -> None:  # type: ignore[no-untyped-def]
    hits = _retriever(qa).search("潼南区2021年度依申请公开收到几件？", 3)
    assert hits and {h.report.source for h in hits} == {"d07_tongnan_2021.txt"}


def test_without_report_awareness_other_reports_compete(qa) -> None:  # type: ignore[no-untyped-def]
    question = "潼南区2020年依申请公开收到几件？"
    off = _retriever(qa, report_filter="off").search(question, 10)
    assert len({h.chunk.report_id for h in off}) > 1
    boosted = _retriever(qa, report_filter="boost").search(question, qa.resolve(_id(qa, SAMPLE_TN)).chunk_count + 5)
    assert boosted[0].chunk.report_id == _id(qa, SAMPLE_TN)
    assert len({h.chunk.report_id for h in boosted}) > 1  # boost never excludes


def test_explicit_report_ids_always_restrict(qa) -> None:  # type: ignore[no-untyped-def]
    hits = _retriever(qa).search("潼南区2020年依申请公开收到几件？", 5, report_ids=[f"{SAMPLE_GZ}.txt"])
    assert hits and {h.chunk.report_id for h in hits} == {_id(qa, SAMPLE_GZ)}
    with pytest.raises(UnknownReportError):
        _retriever(qa).search("依申请公开", 5, report_ids=["no-such-report"])


def test_section_role_is_boosted(qa) -> None:  # type: ignore[no-untyped-def]
    question = "广州市政府办公厅2020年报告提到了哪些不足？"
    hits = _retriever(qa).search(question, 3)
    assert hits[0].chunk.role == "problems" and hits[0].chunk.report_id == _id(qa, SAMPLE_GZ)
    assert "普法宣传教育的方式不够多样" in hits[0].chunk.text


def test_a_phrase_one_report_holds_wins_without_naming_the_report(qa) -> None:  # type: ignore[no-untyped-def]
    # hash vectors rank at random: only the keyword match's lead can put the one holder first
    hits = _retriever(qa).search("哪份报告说通过手机发送了普法短信？", 3)
    assert hits[0].chunk.report_id == _id(qa, "001_90f388ef81cabcb7") and "普法短信" in hits[0].chunk.text


def test_metadata_questions_find_the_metadata_passage_and_others_do_not(qa) -> None:  # type: ignore[no-untyped-def]
    hits = _retriever(qa).search("广州市政府办公厅2020年法治政府建设年度报告是哪个单位发布的？", 3)
    assert hits[0].chunk.role == "metadata" and hits[0].chunk.report_id == _id(qa, SAMPLE_GZ)
    content = _retriever(qa).search("广州市政府办公厅2020年法治政府建设年度报告中依申请公开办理了多少件？", 3)
    assert not is_furniture(content[0].chunk)


def test_bad_and_huge_queries(qa) -> None:  # type: ignore[no-untyped-def]
    retriever = _retriever(qa)
    with pytest.raises(BadQueryError):
        retriever.search("   ", 5)
    hits = retriever.search("广州市依申请公开办理了多少件？" * 700, 5)  # ~10,000 characters
    assert 0 < len(hits) <= 5
    assert retriever.search("潼南区依申请公开", 1)[0].rank == 1
    assert len(retriever.search("依申请公开", 100)) > 5  # k above the candidate count is fine


def test_only_a_doc_number_or_an_exact_title_names_a_report_beyond_doubt() -> None:
    assert analyze_query("潼南府办〔2021〕10号说了什么？", REPORTS).certain
    title = "广州市人民政府办公厅2020年法治政府建设年度报告"
    assert analyze_query(f"《{title}》里的问题有哪些？", REPORTS).certain
    # A place and a year are evidence, not proof: report_filter="auto" boosts instead of restricting.
    by_place = analyze_query("潼南区2020年依申请公开收到几件？", REPORTS)
    assert by_place.report_ids == ("tn20",) and not by_place.certain
    elsewhere = analyze_query("恩施州2020年的报告", REPORTS)  # a place with no report: the year only nudges
    assert elsewhere.year_only and not elsewhere.certain


def test_a_title_of_genre_words_alone_names_no_report() -> None:
    # 「关于2021年度法治政府建设情况的报告」 (tai21) stands in every question about any 2021 report: it may
    # not pull that question to tai21, let alone restrict the search to it (dev question u45's failure).
    intent = analyze_query("潼南区关于2021年度法治政府建设情况的报告是谁发布的？", REPORTS)
    assert intent.report_ids == ("tn21",) and not intent.certain
    generic = [info("g", "法治政府建设年度报告", year=2021), info("s", "市政府关于2021年法治政府建设情况的报告", year=2021),
               *REPORTS]
    asked = analyze_query("广州市人民政府办公厅2020年法治政府建设年度报告是哪天发布的？", generic)
    assert asked.report_ids == ("gz20",)


@pytest.mark.parametrize(("question", "place"), [("恩施州", "恩施土家族苗族自治州"), ("台儿庄", "台儿庄区"), ("沛县", "沛县")])
def test_short_place_forms_find_their_report(question: str, place: str) -> None:
    reports = [*REPORTS, info("p1", f"{place}人民政府关于2023年度法治政府建设情况的报告", f"{place}人民政府", place, 2023)]
    assert analyze_query(f"{question}2023年法治政府建设存在哪些问题？", reports).report_ids == ("p1",)


def test_a_question_asking_which_kind_of_body_nudges_reports_of_that_kind() -> None:
    from rag.question.analysis import asked_kind
    from rag.retrieve.recognition import kind_reports

    assert asked_kind("哪个街道用短视频做普法？") == "街道" and asked_kind("哪家局聘了法律顾问") == "局"
    assert asked_kind("哪里的政务服务中心设了窗口") == ""
    reports = [info("dh23", "东海街道办事处2023年报告", "丰泽区人民政府东海街道办事处", "丰泽区东海街道", 2023),
               info("dg23", "大观镇2023年报告", "南溪区大观镇人民政府", "南溪区大观镇", 2023)]
    assert kind_reports("街道", reports) == {"dh23"} and kind_reports("镇", reports) == {"dg23"}
    assert kind_reports("", reports) == set()


def test_keyword_search_gets_the_question_figures_as_reports_write_them(qa, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    store = qa.store()
    original = store.search_sparse

    def spy(text, k, allowed_rows=None):  # type: ignore[no-untyped-def]
        seen.append(text)
        return original(text, k, allowed_rows=allowed_rows)

    monkeypatch.setattr(store, "search_sparse", spy)
    Retriever(store, qa.embedder(), qa.settings.retrieval).search("哪份报告说执法人员只有两个人？", 3)
    assert seen and all("2名" in text and "两名" in text for text in seen)


class _RankedStore:
    """A store whose dense and keyword lists are fixed: rows 1–70 of report b lead both, then rows 100
    and 101 of report a."""

    def __init__(self) -> None:
        self.rows = {**dict.fromkeys(range(1, 71), "b"), 100: "a", 101: "a"}

    def _ranked(self, n: int, allowed_rows=None):  # type: ignore[no-untyped-def]
        scored = [(r, 1.0 / i) for i, r in enumerate([*range(1, 71), 100, 101], 1)]  # one score scale
        return [(r, s) for r, s in scored if allowed_rows is None or r in set(allowed_rows)][:n]

    def search_dense(self, qvec, n, allowed_rows=None):  # type: ignore[no-untyped-def]
        return self._ranked(n, allowed_rows)

    def search_sparse(self, text, n, allowed_rows=None):  # type: ignore[no-untyped-def]
        return self._ranked(n, allowed_rows)

    def rows_for_reports(self, ids):  # type: ignore[no-untyped-def]
        return [r for r, rid in self.rows.items() if rid in ids]

    def chunks_by_rows(self, rows):  # type: ignore[no-untyped-def]
        return {r: _chunk(self.rows[r], "一是执法力量不足，二是培训不够。", "problems" if r == 100 else "measures")
                for r in rows if r in self.rows}


class _ZeroEmbedder:
    def embed_query(self, text: str):  # type: ignore[no-untyped-def]
        return [0.0]


def test_the_asked_part_of_a_named_report_ranks_as_if_the_search_were_restricted() -> None:
    from rag.core.config import RetrievalSettings
    from rag.retrieve.recognition import QueryIntent

    retriever = Retriever(_RankedStore(), _ZeroEmbedder(), RetrievalSettings())  # type: ignore[arg-type]
    intent = QueryIntent("a县还有哪些不足", report_ids=("a",), roles=("problems",))
    rows_a = retriever.store.rows_for_reports({"a"})
    part = retriever._part_rows(intent, rows_a)
    assert part == {100}  # the named report's problems, not its measures
    fused, _, _ = retriever._fuse("还有哪些不足", None, rows_a, part)
    assert fused[100] == pytest.approx(fused[1])  # first in its own report's lists = first globally
    assert fused[101] < fused[60]  # the rest of the named report keeps its global rank
    assert retriever._part_rows(QueryIntent("还有哪些不足", roles=("problems",)), []) == set()
    assert retriever._part_rows(QueryIntent("a县", report_ids=("a",), year_only=True), rows_a) == set()


class _MetadataStore(_RankedStore):
    """Row 101 of report a is its metadata passage."""

    def chunks_by_rows(self, rows):  # type: ignore[no-untyped-def]
        return {r: _chunk(self.rows[r], "报告标题：《a县2024年法治政府建设情况报告》。发布机关：a县人民政府。",
                          "metadata") if r == 101 else _chunk(self.rows[r], "一是执法力量不足。", "problems")
                for r in rows if r in self.rows}


def test_a_question_about_the_named_report_itself_finds_its_metadata_passage() -> None:
    from rag.core.config import RetrievalSettings
    from rag.retrieve.recognition import QueryIntent

    retriever = Retriever(_MetadataStore(), _ZeroEmbedder(), RetrievalSettings())  # type: ignore[arg-type]
    about = QueryIntent("a县2024年的报告是哪个单位写的", report_ids=("a",), roles=("metadata",))
    rows_a = retriever.store.rows_for_reports({"a"})
    assert retriever._part_rows(about, rows_a) == {101}  # furniture elsewhere, the asked part here
    problems = QueryIntent("a县还有哪些不足", report_ids=("a",), roles=("problems",))
    assert 101 not in retriever._part_rows(problems, rows_a)


def test_a_bare_heading_of_the_asked_part_is_not_boosted_as_the_part() -> None:
    from rag.core.config import RetrievalSettings
    from rag.retrieve.recognition import QueryIntent

    class Store(_RankedStore):
        def chunks_by_rows(self, rows):  # type: ignore[no-untyped-def]
            texts = {1: "二、存在的不足和原因", 2: "一是执法力量不足。二是培训不够。"}
            return {r: _chunk("bc"[r - 1], texts[r], "problems") for r in rows if r in texts}  # no overlap

    retriever = Retriever(Store(), _ZeroEmbedder(), RetrievalSettings())  # type: ignore[arg-type]
    hits = retriever._rank({1: 0.033, 2: 0.030}, {}, QueryIntent("b县有哪些不足", roles=("problems",)), set(), 2,
                           {"b": info("b", "b县2020年报告"), "c": info("c", "c县2020年报告")})
    assert [h.chunk.text[:2] for h in hits] == ["一是", "二、"]


def test_a_question_naming_no_report_leans_on_its_words(qa, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rag.core.config import RetrievalSettings

    weights = {lexical: weight for _r, weight, lexical, _o in
               Retriever(_RankedStore(), _ZeroEmbedder(), RetrievalSettings())._candidates("x", None, None, 0.3)}  # type: ignore[arg-type]
    assert weights == {False: pytest.approx(0.3), True: 1.0}
    shares: list[float] = []
    original = Retriever._fuse

    def spy(self, text, restrict, boost, part_rows=frozenset(), dense_share=1.0, fields=()):  # type: ignore[no-untyped-def]
        shares.append(dense_share)
        return original(self, text, restrict, boost, part_rows, dense_share, fields)

    monkeypatch.setattr(Retriever, "_fuse", spy)
    retriever = _retriever(qa, library_dense_share=0.3)
    retriever.search("哪份报告说通过手机发送了普法短信？", 3)
    retriever.search("潼南区2020年依申请公开收到几件？", 3)
    retriever.search("依申请公开收到几件？", 3, report_ids=[f"{SAMPLE_TN}.txt"])
    assert shares == [0.3, 1.0, 1.0]


def test_an_opening_sentence_on_the_first_responsibility_duty_names_that_part() -> None:
    folded = "一、强化领导责任，夯实法治基础\n街道党工委、办事处主要负责人履行推进法治建设第一责任人职责，年初召开专题会议。"
    assert opening_roles(folded) == {"responsibility"}
    assert chunk_roles(_chunk("a", folded)) == {"measures", "responsibility"}
    assert opening_roles("（一）规范执法。全年检查企业112家。把第一责任人职责纳入考核。") == frozenset()  # later sentence
    assert opening_roles("二、存在的问题\n一是执法力量不足。") == frozenset() and opening_roles("") == frozenset()


def test_a_passage_of_the_asked_section_beats_one_that_only_names_the_part() -> None:
    from rag.core.config import RetrievalSettings
    from rag.retrieve.recognition import QueryIntent

    class Store(_RankedStore):
        def chunks_by_rows(self, rows):  # type: ignore[no-untyped-def]
            texts = {1: ("b", "measures", "一、工作开展情况\n我办严格履行主要负责人推进法治建设第一责任人职责，全年学法12次。"),
                     2: ("c", "responsibility", "二、主要负责人履行第一责任人职责情况\n主要负责人带头述法，主持研究法治工作3次。")}
            return {r: _chunk(texts[r][0], texts[r][2], texts[r][1]) for r in rows if r in texts}

    retriever = Retriever(Store(), _ZeroEmbedder(), RetrievalSettings())  # type: ignore[arg-type]
    hits = retriever._rank({1: 0.030, 2: 0.030}, {}, QueryIntent("主要负责人怎样履行第一责任人职责", roles=("responsibility",)),
                           set(), 2, {"b": info("b", "b县2020年报告"), "c": info("c", "c县2020年报告")})
    assert [h.chunk.role for h in hits] == ["responsibility", "measures"]
