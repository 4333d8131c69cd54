"""The Embedder and Generator protocols: one definition (rag.core.protocols), met by every backend.

mypy (``make test``) checks the signatures wherever a backend is used as its protocol; these tests
pin what it cannot: that the old import paths still name the same class, and that ``isinstance``
rejects objects lacking a member, which is what the service relies on when handed a fake.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from rag.core.protocols import Embedder, Generator, Messages
from rag.generate.factory import FakeGenerator, LlamaCppGenerator, OpenAIGenerator
from rag.index.embed import HashEmbedder, SentenceTransformerEmbedder, USEEmbedder


def test_one_definition_behind_every_import_path() -> None:
    import rag.generate.base
    import rag.generate.factory
    import rag.index.embed
    import rag.report.themes

    assert rag.index.embed.Embedder is Embedder
    assert rag.report.themes.Embedder is Embedder
    assert rag.generate.base.Generator is Generator
    assert rag.generate.factory.Generator is Generator
    assert rag.generate.base.Messages is Messages


def test_backend_classes_have_every_member() -> None:
    # Class-level check (no model is loaded): methods on the class, attributes set in __init__
    # are checked on instances below where they are cheap to build.
    for cls in (USEEmbedder, SentenceTransformerEmbedder, HashEmbedder):
        assert callable(cls.embed_documents) and callable(cls.embed_query), cls
    for gen_cls in (FakeGenerator, LlamaCppGenerator, OpenAIGenerator):
        for member in ("count_tokens", "stream", "complete"):
            assert callable(getattr(gen_cls, member)), (gen_cls, member)


def test_cheap_backends_are_instances() -> None:
    embedder = HashEmbedder(dim=32)
    assert isinstance(embedder, Embedder)
    rows = embedder.embed_documents(["行政复议", "执法监督"])
    assert rows.shape == (2, embedder.dim) and rows.dtype == np.float32
    assert embedder.embed_query("行政复议").shape == (embedder.dim,)

    generator = FakeGenerator(["好的"])
    assert isinstance(generator, Generator)
    assert generator.complete([{"role": "user", "content": "你好"}], max_tokens=8, temperature=0.0) == "好的"

    server = OpenAIGenerator("http://127.0.0.1:9/v1")  # no request is made until a completion is asked for
    try:
        assert isinstance(server, Generator)
    finally:
        server.close()


class _NoQuery:
    name = "partial"
    dim = 4

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.zeros((len(texts), self.dim), dtype=np.float32)


class _NoTokens:
    name = "partial"
    context_size = 512

    def stream(self, messages: Messages, **kwargs: object) -> Iterator[str]:
        yield ""

    def complete(self, messages: Messages, **kwargs: object) -> str:
        return ""


def test_incomplete_objects_are_not_instances() -> None:
    assert not isinstance(_NoQuery(), Embedder)  # no embed_query
    assert not isinstance(_NoTokens(), Generator)  # no count_tokens: prompt budgets need it
    assert not isinstance(object(), Embedder)
