"""ReportQA over a real on-disk index: batches, concurrency while writing, replacement rules."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from rag.errors import ReportQAError
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
    before = {h.chunk.report_id for h in qa.search("法治政府建设", k=20)}
    results: list[set[str]] = []
    errors: list[BaseException] = []
    started = threading.Event()

    def progress(stage: str, fraction: float) -> None:
        if not started.is_set():
            started.set()

    def search_while_writing() -> None:
        started.wait(30)
        try:
            for _ in range(5):
                results.append({h.chunk.report_id for h in qa.search("法治政府建设", k=20)})
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    reader = threading.Thread(target=search_while_writing)
    reader.start()
    qa.ingest(sample_paths[2:], progress=progress)
    reader.join(60)
    assert not errors, errors
    assert results
    for seen in results:  # either the old committed state or the new one, never a half-written mix
        assert seen <= before | {p.stem for p in sample_paths}
    assert {h.chunk.report_id for h in qa.search("法治政府建设", k=50)} - before


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
    from rag.config import load_settings

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
