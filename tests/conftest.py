"""Shared fixtures. Tests never touch the real user's data or config directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["conftest_pg"]  # pg_server / pg_dsn: a real PostgreSQL for the PostgreSQL-store tests

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "data" / "samples"
DISTRACTORS_DIR = ROOT / "data" / "distractors"

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in list(os.environ):
        if name.startswith("REPORTQA_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    return sorted(SAMPLES_DIR.glob("*.txt"))


@pytest.fixture
def fast_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings over a fresh index in tmp_path, with the fast deterministic embedder."""
    from rag.core.config import load_settings

    return load_settings(
        environ={},
        overrides={
            "data_dir": str(tmp_path / "data"),
            "index_dir": str(tmp_path / "index"),
            "embedder": {"backend": "hash"},
            "generator": {"backend": "none"},
        },
    )
