"""The retrieval question set is valid, and the evaluation's judge counts hits correctly."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "retrieval_questions.jsonl"
SAMPLES = ROOT / "data" / "samples"
DISTRACTORS = ROOT / "data" / "distractors"
REQUIRED_TYPES = {"number", "paraphrase", "section", "place_year", "plans", "responsibility", "doc_number"}


def _load_script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_question_records_are_well_formed(questions: list[dict]) -> None:
    assert len(questions) >= 40
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    stems = {p.stem for p in SAMPLES.glob("*.txt")}
    for q in questions:
        assert set(q) == {"id", "question", "report", "evidence", "type"}, q["id"]
        assert q["report"] in stems, q["id"]
        assert q["question"].strip() and q["evidence"], q["id"]
        assert all(isinstance(e, str) and len(e) >= 4 for e in q["evidence"]), q["id"]


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


def test_evidence_survives_cleaning(questions: list[dict]) -> None:
    from rag.ingest.clean import clean_text
    from rag.ingest.readers import read_file

    cleaned = {p.stem: clean_text(read_file(p, 10 * 1024 * 1024)).text for p in SAMPLES.glob("*.txt")}
    for q in questions:
        for ev in q["evidence"]:
            assert ev in cleaned[q["report"]], (q["id"], ev)


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
    a, b = spans[0]
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
