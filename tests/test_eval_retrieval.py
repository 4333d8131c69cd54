"""The retrieval question set is valid, and the evaluation's judge counts hits correctly."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "retrieval_questions.jsonl"
SAMPLES = ROOT / "data" / "samples"
DISTRACTORS = ROOT / "data" / "distractors"
CORPUS = ROOT / "tests" / "data" / "corpus"
HELDOUT_TYPES = {"number", "paraphrase", "section", "metadata", "no_report", "yesno"}
REQUIRED_TYPES = {"number", "paraphrase", "section", "place_year", "plans", "responsibility", "doc_number"}


def _load_script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def all_questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def questions(all_questions: list[dict]) -> list[dict]:
    """The dev split's questions over the five samples."""
    stems = {p.stem for p in SAMPLES.glob("*.txt")}
    return [q for q in all_questions if q["split"] == "dev" and q["report"] in stems]


@pytest.fixture(scope="module")
def dev_fixture_questions(all_questions: list[dict], questions: list[dict]) -> list[dict]:
    """The dev split's questions over the dev fixtures, or naming no report."""
    return [q for q in all_questions if q["split"] == "dev" and q not in questions]


@pytest.fixture(scope="module")
def heldout(all_questions: list[dict]) -> list[dict]:
    return [q for q in all_questions if q["split"] == "heldout"]


@pytest.fixture(scope="module")
def fixture_texts() -> dict[str, str]:
    from rag.ingest.readers import read_file

    return {p.stem: read_file(p, 10 * 1024 * 1024).text
            for split in ("dev", "heldout") for p in sorted((CORPUS / split).iterdir())
            if p.suffix in (".txt", ".html", ".docx")}


def test_question_records_are_well_formed(all_questions: list[dict], questions: list[dict]) -> None:
    assert len(questions) >= 40
    ids = [q["id"] for q in all_questions]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    stems = {p.stem for p in SAMPLES.glob("*.txt")}
    for q in all_questions:
        keys = {"id", "question", "report", "evidence", "type", "split"}
        assert set(q) in (keys, keys | {"batch"}), q["id"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}[a-z]?", q.get("batch", "2000-01-01")), q["id"]  # the date it was written (a letter: a second batch that day)
        assert q["split"] in ("dev", "heldout"), q["id"]
        assert q["question"].strip() and q["evidence"], q["id"]
        assert all(isinstance(e, str) and len(e) >= 4 for e in q["evidence"]), q["id"]
    for q in all_questions:
        if q["split"] == "dev":
            assert q["report"] is None or q["report"] in stems or q["report"].startswith("d"), q["id"]


def test_type_coverage(questions: list[dict]) -> None:
    types = Counter(q["type"] for q in questions)
    assert set(types) >= REQUIRED_TYPES, REQUIRED_TYPES - set(types)
    assert types["number"] >= 10 and types["paraphrase"] >= 5 and types["section"] >= 4
    per_report = Counter(q["report"] for q in questions)
    assert len(per_report) == 5 and min(per_report.values()) >= 5


def test_evidence_is_verbatim_in_source_once(questions: list[dict]) -> None:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SAMPLES.glob("*.txt")}
    for q in questions:
        for ev in q["evidence"]:
            assert texts[q["report"]].count(ev) == 1, (q["id"], ev)
            assert "\n" not in ev, (q["id"], ev)


def test_dev_fixture_questions_cover_the_weak_types_over_dev_fixtures_only(
        dev_fixture_questions: list[dict], heldout: list[dict], fixture_texts: dict[str, str]) -> None:
    types = Counter(q["type"] for q in dev_fixture_questions)
    assert types["no_report"] >= 8 and types["paraphrase"] >= 8 and types["section"] >= 8 and types["metadata"] >= 3
    heldout_reports = {q["report"] for q in heldout if q["report"]}
    for q in dev_fixture_questions:
        assert (q["report"] is None) == (q["type"] == "no_report"), q["id"]
        # never a held-out fixture, and never a report a held-out question asks about
        assert q["report"] is None or (q["report"] in fixture_texts and q["report"].startswith("d")
                                       and q["report"] not in heldout_reports), q["id"]
        for ev in q["evidence"]:
            assert "\n" not in ev, (q["id"], ev)
            holders = [stem for stem, text in fixture_texts.items() if ev in text]
            dev_holders = [stem for stem in holders if stem.startswith("d")]
            if q["report"] is None:  # a no_report question's answer is held by one dev fixture alone
                assert holders == dev_holders and len(holders) == 1, (q["id"], ev, holders)
            else:  # held by the question's report (another page may share a phrase: the judge counts only
                # hits from the named report)
                assert q["report"] in dev_holders, (q["id"], ev, holders)


def test_evidence_survives_cleaning(questions: list[dict]) -> None:
    from rag.ingest.clean import clean_text
    from rag.ingest.readers import read_file

    cleaned = {p.stem: clean_text(read_file(p, 10 * 1024 * 1024)).text for p in SAMPLES.glob("*.txt")}
    for q in questions:
        for ev in q["evidence"]:
            assert ev in cleaned[q["report"]], (q["id"], ev)


def test_heldout_split_covers_every_type_over_fixture_reports(heldout: list[dict], fixture_texts: dict[str, str]) -> None:
    assert len(heldout) >= 40
    types = Counter(q["type"] for q in heldout)
    assert set(types) == HELDOUT_TYPES, set(types) ^ HELDOUT_TYPES
    assert min(types.values()) >= 5, types
    for q in heldout:
        assert (q["report"] is None) == (q["type"] == "no_report"), q["id"]
        assert q["report"] is None or q["report"] in fixture_texts, q["id"]
    # both halves of the fixture corpus are asked about, and many reports, not a few
    asked = {q["report"] for q in heldout if q["report"]}
    assert {r[0] for r in asked} == {"d", "h"} and len(asked) >= 25


def _page_text(stem: str, loaded: str) -> str:
    """What the page shows: for HTML also the tag-stripped source, because the question's author wrote the
    evidence from the page, not from what the reader keeps of it (a reader that drops a line is a miss of
    the system, to be measured, not a broken question)."""
    path = next((CORPUS / "heldout").glob(f"{stem}.*"), None)
    if path is None or path.suffix != ".html":
        return loaded
    raw = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
    return loaded + "\n" + raw.replace("\xa0", " ")


def test_heldout_evidence_is_verbatim_in_its_report(heldout: list[dict], fixture_texts: dict[str, str]) -> None:
    for q in heldout:
        for ev in q["evidence"]:
            assert "\n" not in ev, (q["id"], ev)
            if q["report"] is not None:
                assert ev in _page_text(q["report"], fixture_texts[q["report"]]), (q["id"], ev)
            else:  # a question that names no report still has an answer somewhere
                holders = [stem for stem, text in fixture_texts.items() if ev in text]
                assert len(holders) == 1, (q["id"], ev, holders)


def test_heldout_questions_are_not_the_answer_questions(heldout: list[dict]) -> None:
    answer = [json.loads(line) for line in (ROOT / "tests/data/answer_questions.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    assert not {q["question"] for q in heldout} & {a["question"] for a in answer}


def test_distractors_are_generated_and_current() -> None:
    make = _load_script("make_distractors")
    files = sorted(DISTRACTORS.glob("*.txt"))
    assert len(files) >= 24
    assert make.main(["--check", "--out", str(DISTRACTORS)]) == 0, "run scripts/make_distractors.py"


def test_distractors_repeat_sentence_shapes_for_other_places_and_years() -> None:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in DISTRACTORS.glob("*.txt")}
    # the same sentence shape exists for another place …
    assert any("共收到依申请公开" in t and "潼南" not in t for t in texts.values())
    # … and for the same place in another year, under its own title and 文号
    tongnan = [t for t in texts.values() if "重庆市潼南区人民政府办公室 关于2021年度" in t]
    assert tongnan and "潼南府办〔2022〕" in tongnan[0]
    # problems sections say other things than the sample's
    assert all("部分干部职工对法治的价值认识不到位" not in t for t in texts.values())


def test_judge_counts_text_and_span_hits_in_the_right_report_only() -> None:
    ev = _load_script("eval_retrieval")
    q = ev.Question("x", "?", "002_0158dad679362a71", ("共收到依申请公开5件",), "number")
    source = {q.report: (SAMPLES / f"{q.report}.txt").read_text(encoding="utf-8")}
    spans = ev.evidence_spans(q, source)
    assert len(spans) == 1
    _stem, a, b = spans[0]
    right_text = ev.Passage(q.report, "……共收到依申请公开5件，答复率100%。", (0, 1))
    right_span = ev.Passage(q.report, "cleaned text differs", (a - 5, b + 5))
    partial = ev.Passage(q.report, "共收到依申请", (a, b - 3))
    wrong_report = ev.Passage("d01_tongliang_2020", "共收到依申请公开5件", (a - 5, b + 5))
    assert ev.is_correct(right_text, q, spans)
    assert ev.is_correct(right_span, q, spans)
    assert not ev.is_correct(partial, q, spans)
    assert not ev.is_correct(wrong_report, q, spans)
    assert ev.first_correct_rank([wrong_report, partial, right_span], q, spans) == 3
    metrics = ev.score([1, 3, None, 6])
    assert metrics["R@1"] == 0.25 and metrics["R@3"] == 0.5 and metrics["R@5"] == 0.5
    assert metrics["MRR"] == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)


def test_judge_for_a_question_that_names_no_report() -> None:
    ev = _load_script("eval_retrieval")
    q = ev.Question("x", "哪里在游客中心设立了法治宣传栏？", None, ("设立法治宣传栏",), "no_report", "heldout")
    source = {"a": "……在游客中心设立法治宣传栏。", "b": "没有这句话。", "c": "也在社区设立法治宣传栏。"}
    spans = ev.evidence_spans(q, source)
    assert {s[0] for s in spans} == {"a", "c"}
    assert ev.is_correct(ev.Passage("c", "社区设立法治宣传栏", (0, 1)), q, spans)  # any report holding it
    start = source["a"].index("设立")
    assert ev.is_correct(ev.Passage("a", "cleaned", (start - 1, start + 8)), q, spans)  # by span
    assert not ev.is_correct(ev.Passage("b", "cleaned", (start - 1, start + 8)), q, spans)  # span, wrong report
    assert not ev.is_correct(ev.Passage("b", "没有这句话。", (0, 6)), q, spans)


def test_fixed_windows_cover_the_text_with_overlap() -> None:
    ev = _load_script("eval_retrieval")
    text = "字" * 1230
    windows = ev.fixed_windows(text, 500, 50)
    assert windows[0] == (0, 500) and windows[1] == (450, 950) and windows[-1][1] == 1230
    assert all(b - a <= 500 for a, b in windows)


def test_recursive_windows_cut_at_sentence_ends_within_size_and_overlap() -> None:
    ev = _load_script("eval_retrieval")
    sentences = [f"第{i}句" + "字" * (30 + i % 7) + "。" for i in range(40)]
    text = "".join(sentences[:20]) + "\n\n" + "".join(sentences[20:])
    windows = ev.recursive_windows(text, 250, 50)
    assert len(windows) > 4
    assert all(b - a <= 250 for a, b in windows)
    # every window ends at a sentence end (or the paragraph break) and nothing is lost
    assert all(text[b - 1] in "。\n" for a, b in windows)
    covered = set().union(*(range(a, b) for a, b in windows))
    assert covered >= {i for i, c in enumerate(text) if not c.isspace()}
    # consecutive windows of a paragraph share at most `overlap` characters, and do share some
    shared = [max(0, windows[i][1] - windows[i + 1][0]) for i in range(len(windows) - 1)]
    assert max(shared) <= 50 and sum(1 for s in shared if s > 0) >= 2
    # a sentence longer than the window is cut at commas, then by characters
    long = "很长的句子，" * 60 + "。"
    assert all(b - a <= 250 for a, b in ev.recursive_windows(long, 250, 50))


def test_bm25_ranks_the_document_with_the_rare_query_word_first() -> None:
    ev = _load_script("eval_retrieval")
    docs = [["行政", "复议", "申请"], ["行政", "执法", "记录仪"], ["行政", "普法"]]
    scores = ev.BM25(docs).scores(["记录仪", "行政"])
    assert int(np.argmax(scores)) == 1 and scores[1] > scores[0]
    assert ev.BM25(docs).scores(["未出现"]).tolist() == [0.0, 0.0, 0.0]


def test_baselines_search_only_the_filtered_reports() -> None:
    from rag.index.embed import HashEmbedder

    ev = _load_script("eval_retrieval")
    texts = {"a": "全年收到复议申请118件，纠错11件。" * 3, "b": "全年收到复议申请43件，纠错5件。" * 3,
             "c": "培育法律明白人175名。" * 3}
    baselines = ev.make_baselines(texts, HashEmbedder())
    assert set(baselines) == set(ev.BASELINES)
    for name, retriever in baselines.items():
        top = retriever.search("收到复议申请43件", 3)
        assert top and top[0].report == "b", name
        only_a = retriever.search("收到复议申请43件", 5, {"a"})
        assert only_a and {p.report for p in only_a} == {"a"}, name
        assert all(texts[p.report][p.source_span[0]:p.source_span[1]] == p.text for p in only_a)


def test_report_filter_uses_the_systems_recognition(tmp_path: Path) -> None:
    ev = _load_script("eval_retrieval")
    files = [CORPUS / "dev" / "d07_zhungeer_2021.txt", CORPUS / "dev" / "d19_tongwei_2017.txt",
             CORPUS / "heldout" / "h02_xuhui_2022.html"]
    qa, _seconds = ev.build_system(tmp_path / "index", {"embedder": {"backend": "hash"}}, files)
    try:
        named = ev.report_filter(qa.reports())
        assert named("准格尔旗2021年收到复议申请多少件？") == {"d07_zhungeer_2021"}
        assert named("徐汇区2022年存在哪些短板？") == {"h02_xuhui_2022"}
        assert named("哪里培育了法律明白人？") is None  # names no report: search everything
        search = ev.system_search(qa)
        q = ev.Question("x", "准格尔旗2021年收到复议申请多少件？", "d07_zhungeer_2021", ("全年收到复议申请70件",),
                        "number", "heldout")
        texts = ev.load_texts(files)
        ranks, _ = ev.evaluate(search, [q], texts)
        assert ranks[0] is not None and ranks[0] <= 3
    finally:
        qa.close()


def test_summary_compares_the_system_with_the_best_baseline_per_split_and_type() -> None:
    ev = _load_script("eval_retrieval")
    qs = [ev.Question("a", "?", "r", ("e",), "number", "dev"), ev.Question("b", "?", "r", ("e",), "number", "heldout"),
          ev.Question("c", "?", None, ("e",), "no_report", "heldout")]
    ranks = {"system": [1, 1, None], "chatchat": [2, 3, 1], "bm25": [None, 1, 2], "dense": [1, None, None]}
    out = ev.summarize(qs, ranks)
    assert list(out) == ["dev", "heldout"]
    dev, held = out["dev"], out["heldout"]
    assert dev["systems"]["system"]["R@1"] == 1.0 and dev["ratio_to_best_baseline"]["R@1"] == 1.0
    assert held["systems"]["system"]["R@5"] == 0.5 and held["systems"]["chatchat"]["R@5"] == 1.0
    assert held["ratio_to_best_baseline"]["R@5"] == 0.5
    assert held["system_at_or_above_best_baseline_by_type"] == {"no_report": False, "number": True}


def test_a_later_batch_is_scored_apart_as_well_as_inside_its_split() -> None:
    ev = _load_script("eval_retrieval")
    qs = [ev.Question("a", "?", "r", ("e",), "number", "heldout"),
          ev.Question("b", "?", "r", ("e",), "number", "heldout", "2026-12-07"),
          ev.Question("c", "?", "r", ("e",), "number", "dev")]
    assert ev.question_groups(qs) == {"dev": [2], "heldout": [0, 1], "heldout earlier": [0], "heldout 2026-12-07": [1]}
    ranks = {"system": [1, None, 1], "chatchat": [1, 1, 1], "bm25": [1, 1, 1], "dense": [1, 1, 1]}
    out = ev.summarize(qs, ranks)
    assert out["heldout"]["systems"]["system"]["R@5"] == 0.5
    assert out["heldout 2026-12-07"]["systems"]["system"]["R@5"] == 0.0
    assert out["heldout earlier"]["systems"]["system"]["R@5"] == 1.0
