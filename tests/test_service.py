"""ReportQA over a real on-disk index: batches, concurrency while writing, replacement rules."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from rag.core.errors import ReportQAError
from rag.service import ReportQA

ROOT = Path(__file__).resolve().parent.parent
TONGNAN = "002_0158dad679362a71"


def test_one_large_batch_commits_without_locking(fast_settings, sample_paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    """Regression: a big pending write transaction used to lock the search connection out."""
    distractors = sorted((ROOT / "data" / "distractors").glob("*.txt"))
    assert len(distractors) >= 20
    qa = ReportQA.from_settings(fast_settings)
    outcomes = qa.ingest([*sample_paths, *distractors])
    assert [o.status for o in outcomes] == ["added"] * (len(sample_paths) + len(distractors))
    again = qa.ingest([*sample_paths, *distractors])
    assert {o.status for o in again} == {"unchanged"}
    assert len(qa.reports()) == len(sample_paths) + len(distractors)


def test_searches_during_an_ingest_see_the_committed_index(fast_settings, sample_paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    qa = ReportQA.from_settings(fast_settings)
    qa.ingest(sample_paths[:2])
    query = "法治政府建设"
    before = {h.chunk.report_id for h in qa.search(query, k=50)}
    during: list[set[str]] = []
    errors: list[BaseException] = []

    def search_from_another_thread() -> None:
        try:
            during.append({h.chunk.report_id for h in qa.search(query, k=50)})
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    def progress(stage: str, fraction: float) -> None:
        if fraction >= 0.99 and not during:  # everything staged, nothing committed yet
            reader = threading.Thread(target=search_from_another_thread)
            reader.start()
            reader.join(60)

    qa.ingest(sample_paths[2:], progress=progress)
    assert not errors, errors
    assert during == [before]  # the staged batch is invisible until commit
    after = {h.chunk.report_id for h in qa.search(query, k=50)}
    assert after - before, "the committed batch is searchable"
    assert after >= {p.stem for p in sample_paths[2:]} & after


def test_failure_during_a_batch_keeps_the_index_and_releases_the_lock(fast_settings, sample_paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    qa = ReportQA.from_settings(fast_settings)
    qa.ingest(sample_paths[:1])

    def explode(stage: str, fraction: float) -> None:
        if fraction >= 0.99:
            raise KeyboardInterrupt  # Ctrl-C just before the commit

    with pytest.raises(KeyboardInterrupt):
        qa.ingest(sample_paths[1:], progress=explode)
    assert [r.report_id for r in qa.reports()] == [sample_paths[0].stem]
    other = ReportQA.from_settings(fast_settings)  # another process-like user can still write
    assert {o.status for o in other.ingest(sample_paths[1:2])} == {"added"}
    assert len(ReportQA.from_settings(fast_settings).reports()) == 2


def test_two_files_with_the_same_name_in_one_batch_are_both_kept(fast_settings, tmp_path: Path, samples_dir: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = tmp_path / "2020", tmp_path / "2021"
    a.mkdir()
    b.mkdir()
    shutil.copy(samples_dir / f"{TONGNAN}.txt", a / "报告.txt")
    shutil.copy(samples_dir / "003_340d6b83137f3ef6.txt", b / "报告.txt")
    for replace in (False, True):  # also for browser uploads, which replace by file name
        settings = fast_settings.with_index(tmp_path / f"ix-{replace}")
        qa = ReportQA.from_settings(settings)
        outcomes = qa.ingest([a / "报告.txt", b / "报告.txt"], replace_same_name=replace)
        assert [o.status for o in outcomes] == ["added", "added"]
        assert len({o.report_id for o in outcomes}) == 2
        assert len(qa.reports()) == 2


def test_same_stem_from_another_folder_is_added_beside(fast_settings, tmp_path: Path, samples_dir: Path) -> None:  # type: ignore[no-untyped-def]
    qa = ReportQA.from_settings(fast_settings)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    shutil.copy(samples_dir / f"{TONGNAN}.txt", a)
    shutil.copy(samples_dir / "003_340d6b83137f3ef6.txt", b / f"{TONGNAN}.txt")
    first = qa.ingest([a / f"{TONGNAN}.txt"])[0]
    second = qa.ingest([b / f"{TONGNAN}.txt"])[0]
    assert first.report_id == TONGNAN
    assert second.status == "added" and second.report_id.startswith(f"{TONGNAN}-")
    assert len(qa.reports()) == 2


def test_upload_of_a_new_version_replaces_by_name(fast_settings, tmp_path: Path, samples_dir: Path) -> None:  # type: ignore[no-untyped-def]
    qa = ReportQA.from_settings(fast_settings)
    first_dir, second_dir = tmp_path / "upload1", tmp_path / "upload2"
    first_dir.mkdir()
    second_dir.mkdir()
    shutil.copy(samples_dir / f"{TONGNAN}.txt", first_dir)
    edited = (samples_dir / f"{TONGNAN}.txt").read_text(encoding="utf-8").replace("收到依申请公开5件", "收到依申请公开8件")
    (second_dir / f"{TONGNAN}.txt").write_text(edited, encoding="utf-8")
    qa.ingest([first_dir / f"{TONGNAN}.txt"], replace_same_name=True)
    outcome = qa.ingest([second_dir / f"{TONGNAN}.txt"], replace_same_name=True)[0]
    assert outcome.status == "updated"
    assert [r.report_id for r in qa.reports()] == [TONGNAN]
    assert "8件" in qa.source_text(TONGNAN)


def test_generator_that_cannot_load_leaves_extractive_mode(tmp_path: Path, sample_paths: list[Path]) -> None:
    from rag.core.config import load_settings

    settings = load_settings(environ={}, overrides={
        "index_dir": str(tmp_path / "ix"), "embedder": {"backend": "hash"},
        "generator": {"backend": "llama-cpp", "model_path": str(tmp_path / "missing.gguf")},
    })
    qa = ReportQA.from_settings(settings)
    qa.ingest(sample_paths)
    answer = qa.ask("潼南区2020年依申请公开收到几件？")
    assert answer.mode == "extractive"
    assert "5件" in answer.answer
    assert any("missing.gguf" in note for note in answer.notes)
    assert "missing.gguf" in qa.status()["generator_detail"]


def test_compare_same_report_is_refused(fast_settings, sample_paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    qa = ReportQA.from_settings(fast_settings)
    qa.ingest(sample_paths)
    with pytest.raises(ReportQAError, match="同一份报告"):
        qa.compare(TONGNAN, f"{TONGNAN}.txt")


def test_reindex_keeps_a_report_that_no_longer_parses(fast_settings, sample_paths: list[Path], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import rag.report.structure

    qa = ReportQA.from_settings(fast_settings)
    qa.ingest(sample_paths)
    real = rag.report.structure.parse_report

    def fail_for_tongnan(doc, clean, report_id):  # type: ignore[no-untyped-def]
        if report_id == TONGNAN:
            raise rag.core.errors.NotAReportError(doc.path, "simulated parser regression")
        return real(doc, clean, report_id)

    monkeypatch.setattr(rag.report.structure, "parse_report", fail_for_tongnan)
    outcomes = qa.reindex()
    assert len(outcomes) == len(sample_paths)
    kept = next(o for o in outcomes if o.report_id == TONGNAN)
    assert "沿用上次的解析结果" in kept.message
    assert TONGNAN in {r.report_id for r in ReportQA.from_settings(fast_settings).reports()}
    assert qa.search("依申请公开", report_ids=[TONGNAN])


def test_reindex_then_ingest_is_visible_to_a_fresh_process(fast_settings, sample_paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    qa = ReportQA.from_settings(fast_settings)
    qa.ingest(sample_paths[:2])
    seen: list[int] = []
    qa.reindex(progress=lambda stage, f: seen.append(len(qa.reports())))  # reads during the rebuild
    assert seen and all(n == 2 for n in seen[:-1])
    qa.ingest(sample_paths[2:3])
    fresh = ReportQA.from_settings(fast_settings)
    assert {r.report_id for r in fresh.reports()} == {p.stem for p in sample_paths[:3]}
    assert not fast_settings.index_path.with_name(fast_settings.index_path.name + ".old").exists()


def test_a_compound_question_retrieves_every_part(fast_settings, sample_paths) -> None:  # type: ignore[no-untyped-def]
    from rag.service import ReportQA

    service = ReportQA(fast_settings)
    service.ingest(sample_paths)
    answer = service.ask("潼南区主动公开政府信息多少条？劳动争议案件的立案结案率是多少？")
    assert "1.1万余条" in answer.answer and "97%" in answer.answer, answer.answer
    assert len({c.report_id for c in answer.citations}) == 2  # each part from its own report


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("广州市人民政府办公厅的年度报告是哪天发布的？", "2021-01-11"),
        ("潼南区这份报告的文号是什么？", "潼南府办〔2021〕10号"),
        ("广州市这份报告来源是哪里？", "广州市人民政府办公厅"),
    ],
)
def test_who_and_when_are_answered_from_the_report_metadata(fast_settings, sample_paths, question, expected) -> None:  # type: ignore[no-untyped-def]
    from rag.service import ReportQA

    service = ReportQA(fast_settings)
    service.ingest(sample_paths)
    answer = service.ask(question)
    assert expected in answer.answer and answer.citations, answer.answer
    cited = answer.citations[0]
    assert "报告信息" in cited.section_path and expected in cited.text
    source = service.store().source_text(cited.report_id)
    assert cited.source_span[1] > cited.source_span[0] and source[cited.source_span[0] : cited.source_span[1]].strip()
