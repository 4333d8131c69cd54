"""Ingestion on Ray workers (rag.index.distributed) with a real local Ray, into the embedded index and
into a real PostgreSQL: the same reports and searches as a serial ingest; a worker dying mid-report
leaves nothing half-written; two writers of one report; an unreachable cluster; Ray not installed."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.core.config import Settings
from rag.core.errors import ReportQAError
from rag.index.distributed import FAULT_ENV, IngestWorker, WorkItem
from rag.service import ReportQA

ray = pytest.importorskip("ray")

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
QUERIES = ["行政复议案件", "存在的不足和问题", "下一步工作打算", "法治政府建设第一责任人职责"]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray for the module (about 5 s to start); run_workers joins it and leaves it running."""
    if ray.is_initialized():
        yield
        return
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 1024 * 1024)
    try:
        yield
    finally:
        ray.shutdown()


def _settings(tmp_path: Path, workers: int, **store: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", index_dir=tmp_path / "index", embedder={"backend": "hash"},
                    chunking={"size": 300, "overlap": 40}, ingest={"workers": workers}, store=store or {})


def _corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    shutil.copytree(SAMPLES, folder)
    return folder


def _searches(service: ReportQA) -> list[list[tuple[str, str]]]:
    return [[(h.chunk.report_id, h.chunk.chunk_id) for h in service.search(q, k=5)] for q in QUERIES]


def _contents(service: ReportQA) -> dict[str, list[str]]:
    store = service.store()
    return {info.report_id: [c.text for c in store.chunks(info.report_id)] for info in service.reports()}


@pytest.mark.slow
def test_workers_build_the_same_embedded_index_as_a_serial_ingest(tmp_path: Path, local_ray: None) -> None:
    corpus = _corpus(tmp_path)
    serial = ReportQA(_settings(tmp_path / "serial", workers=0))
    parallel = ReportQA(_settings(tmp_path / "parallel", workers=2))
    serial_out = serial.ingest([corpus])
    parallel_out = parallel.ingest([corpus])
    assert [o.status for o in parallel_out] == ["added"] * 5
    # outcomes come back in input order, whichever worker finished first
    assert [o.path for o in parallel_out] == [o.path for o in serial_out]
    assert [o.report_id for o in parallel_out] == [o.report_id for o in serial_out]
    assert _contents(parallel) == _contents(serial)
    assert _searches(parallel) == _searches(serial)
    # again: nothing changed, nothing sent to the workers
    assert {o.status for o in parallel.ingest([corpus])} == {"unchanged"}


@pytest.mark.slow
def test_workers_write_each_report_to_postgres_themselves(tmp_path: Path, local_ray: None, pg_dsn: str) -> None:
    corpus = _corpus(tmp_path)
    serial = ReportQA(_settings(tmp_path / "serial", workers=0))
    shared = ReportQA(_settings(tmp_path / "pg", workers=2, backend="postgres", dsn=pg_dsn))
    serial.ingest([corpus])
    outcomes = shared.ingest([corpus])
    assert [o.status for o in outcomes] == ["added"] * 5, [o.message for o in outcomes]
    assert _contents(shared) == _contents(serial)
    assert _searches(shared) == _searches(serial)
    shared.close()


@pytest.mark.slow
def test_a_worker_dying_mid_report_leaves_nothing_half_written(
    tmp_path: Path, local_ray: None, pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _corpus(tmp_path)
    victim = sorted(p.name for p in corpus.iterdir())[2]
    monkeypatch.setenv(FAULT_ENV, victim)  # that worker exits after staging the report, before its commit
    service = ReportQA(_settings(tmp_path, workers=2, backend="postgres", dsn=pg_dsn))
    outcomes = {Path(o.path).name: o for o in service.ingest([corpus])}
    assert outcomes[victim].status == "failed"
    assert "中途退出" in outcomes[victim].message and "重新导入" in outcomes[victim].message
    assert sorted(o.status for n, o in outcomes.items() if n != victim) == ["added"] * 4
    stem = Path(victim).stem
    assert stem not in {i.report_id for i in service.reports()}
    assert not service.store().chunks(stem)  # not one chunk of it
    # the replaced worker and a second run finish the job; the four others are skipped
    monkeypatch.delenv(FAULT_ENV)
    again = {Path(o.path).name: o.status for o in service.ingest([corpus])}
    assert again[victim] == "added"
    assert sorted(again.values()) == ["added"] + ["unchanged"] * 4
    assert len(service.reports()) == 5
    service.close()


@pytest.mark.slow
def test_a_dying_worker_on_the_embedded_index_keeps_the_rest_of_the_batch(
    tmp_path: Path, local_ray: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _corpus(tmp_path)
    victim = sorted(p.name for p in corpus.iterdir())[0]
    monkeypatch.setenv(FAULT_ENV, victim)
    service = ReportQA(_settings(tmp_path, workers=2))
    outcomes = {Path(o.path).name: o.status for o in service.ingest([corpus])}
    assert outcomes.pop(victim) == "failed"
    assert sorted(outcomes.values()) == ["added"] * 4
    assert Path(victim).stem not in {i.report_id for i in service.reports()}


def test_two_writers_of_one_report_the_second_is_told_and_the_first_wins(tmp_path: Path, pg_dsn: str) -> None:
    """The worker's own path, in this process: another writer holds the report's lock."""
    settings = _settings(tmp_path, workers=1, backend="postgres", dsn=pg_dsn)
    path = sorted(SAMPLES.iterdir())[1]
    first = ReportQA(settings)
    first_store = first._open_store(create=True)
    from rag.index.staging import stage_report
    from rag.report.parse import load_report

    report = load_report(path, 50 * 1024 * 1024, report_id=path.stem)
    staged = stage_report(first_store, report, first.embedder(), settings.chunking)  # holds the lock, uncommitted
    worker = IngestWorker(settings.model_dump_json(), write_to_store=True)
    result = worker.ingest(WorkItem(str(path), path.stem, existed=False))
    assert result.outcome.status == "failed"
    assert "另一个导入程序" in result.outcome.message
    first_store.commit()
    assert [c.text for c in first.store().chunks(path.stem)] == [c.text for c in staged]
    worker._shared_store().close()
    first.close()


def test_an_unreachable_cluster_is_one_clear_message_and_imports_nothing(tmp_path: Path) -> None:
    import socket

    if ray.is_initialized():  # the module's local Ray would be joined instead; later users start their own
        ray.shutdown()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = _settings(tmp_path, workers=2).model_copy(deep=True)
    settings.ingest.ray_address = f"127.0.0.1:{port}"
    service = ReportQA(settings)
    with pytest.raises(ReportQAError) as raised:
        service.ingest([SAMPLES])
    assert "无法连接 Ray 集群" in str(raised.value) and "ray_address" in str(raised.value)
    assert service.reports() == []


def test_without_ray_installed_the_message_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ReportQAError, match=r"reportqa\[distributed\]"):
        ReportQA(_settings(tmp_path, workers=2)).ingest([SAMPLES])


def test_cli_refuses_a_negative_worker_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag.cli import main

    code = main(["ingest", str(SAMPLES), "--index", str(tmp_path / "i"), "--workers", "-1"])
    assert code == 2
    assert "导入选项无效" in capsys.readouterr().err
