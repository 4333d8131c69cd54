"""The model registry (models/registry.toml): parse it, resolve a name to a GGUF path, verify files.

Used by the llama-cpp backend (``model_path`` may be a registry name) and by
``scripts/download_models.py``. No heavy imports here.
"""

from __future__ import annotations

import hashlib
import importlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.config import default_data_dir
from rag.errors import ConfigError, ModelError

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "models"
REGISTRY_PATH = MODELS_DIR / "registry.toml"
REQUIRED_FIELDS = (
    "name", "source", "repo_id", "revision", "filename", "size_bytes", "sha256", "url",
    "chat_format", "n_ctx", "memory_gb", "license", "notes",
)  # fmt: skip
SOURCES = ("hub", "package")
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelEntry:
    name: str
    source: str  # "hub" (download from Hugging Face) or "package" (bundled in a Python package)
    repo_id: str
    revision: str
    filename: str
    size_bytes: int  # 0 = exact size unknown
    sha256: str  # "" = not verified: never report such a file as verified
    url: str
    chat_format: str  # "" = the chat template stored in the GGUF
    n_ctx: int
    memory_gb: float
    license: str
    notes: str
    package: str = ""
    checksum_source: str = ""

    @property
    def download_command(self) -> str:
        return f"python scripts/download_models.py {self.name}"


@dataclass(frozen=True)
class Registry:
    default: str
    models: dict[str, ModelEntry]
    path: Path

    def get(self, name: str) -> ModelEntry:
        try:
            return self.models[name]
        except KeyError:
            known = ", ".join(sorted(self.models))
            raise ModelError(f"Unknown model '{name}' (not in {self.path}). Known models: {known}.") from None


def load_registry(path: str | Path = REGISTRY_PATH) -> Registry:
    """Parse the registry; a missing field, an unknown source or a bad checksum string is an error."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Model registry {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Model registry {path} is not valid TOML: {exc}") from exc
    models: dict[str, ModelEntry] = {}
    for raw in data.get("model", []):
        label = raw.get("name", "<no name>")
        missing = [f for f in REQUIRED_FIELDS if f not in raw]
        if missing:
            raise ConfigError(f"Model registry {path}: entry '{label}' lacks {', '.join(missing)}.")
        unknown = set(raw) - set(ModelEntry.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"Model registry {path}: entry '{label}' has unknown keys {sorted(unknown)}.")
        entry = ModelEntry(**raw)
        if entry.source not in SOURCES:
            raise ConfigError(
                f"Model registry {path}: entry '{label}' has source '{entry.source}', not one of {SOURCES}."
            )
        if entry.sha256 and (len(entry.sha256) != 64 or any(c not in "0123456789abcdef" for c in entry.sha256)):
            raise ConfigError(f"Model registry {path}: entry '{label}' sha256 is not 64 lowercase hex digits.")
        if entry.source == "package" and not entry.package:
            raise ConfigError(f"Model registry {path}: entry '{label}' has source 'package' but no package.")
        if entry.name in models:
            raise ConfigError(f"Model registry {path}: duplicate entry '{label}'.")
        models[entry.name] = entry
    default = data.get("default", "")
    if default and default not in models:
        raise ConfigError(f"Model registry {path}: default '{default}' is not an entry.")
    return Registry(default=default, models=models, path=path)


def search_dirs() -> list[Path]:
    """Where downloaded GGUF files are looked for, in order."""
    return [MODELS_DIR, default_data_dir() / "models"]


def package_model_path(entry: ModelEntry) -> Path:
    """Assemble (if needed) and return the GGUF shipped inside a Python package."""
    try:
        module = importlib.import_module(entry.package)
    except ImportError:
        pip_name = entry.package.replace("_", "-")
        raise ModelError(
            f"Model '{entry.name}' comes from the Python package {entry.package!r}, which is not installed. "
            f'Run: pip install "{pip_name}"'
        ) from None
    return Path(module.assemble())


def find_model_file(entry: ModelEntry, extra_dirs: list[Path] | None = None) -> tuple[Path | None, list[Path]]:
    """Return (existing path or None, every path that was looked at)."""
    if entry.source == "package":
        path = package_model_path(entry)
        return (path if path.is_file() else None), [path]
    looked = [Path(d) / entry.filename for d in [*(extra_dirs or []), *search_dirs()]]
    for candidate in looked:
        if candidate.is_file():
            return candidate, looked
    return None, looked


def resolve_model_path(model_path: str, registry: Registry | None = None) -> tuple[Path, ModelEntry | None]:
    """Turn settings.generator.model_path (a file path or a registry name) into a GGUF path.

    Raises ModelError naming every place looked at and the download command.
    """
    if not model_path.strip():
        reg = registry or _try_registry()
        hint = f" e.g. {reg.default}" if reg and reg.default else ""
        raise ModelError(
            "No model configured for the llama-cpp backend: set REPORTQA_GENERATOR__MODEL_PATH to a GGUF file "
            f"or a name from models/registry.toml{hint} (list them with `python scripts/download_models.py --list`)."
        )
    candidate = Path(model_path).expanduser()
    if candidate.is_file():
        return candidate, None
    if candidate.is_dir():
        ggufs = sorted(p.name for p in candidate.glob("*.gguf"))
        inside = f" (it holds: {', '.join(ggufs)})" if ggufs else ""
        raise ModelError(f"{candidate} is a folder; set the model path to a .gguf file inside it{inside}.")
    reg = registry or _try_registry()
    if reg and model_path in reg.models:
        entry = reg.models[model_path]
        found, looked = find_model_file(entry)
        if found:
            return found, entry
        where = ", ".join(str(p) for p in looked)
        raise ModelError(
            f"Model '{entry.name}' is not downloaded yet (looked in: {where}). "
            f"Download it with: {entry.download_command}"
        )
    names = ", ".join(sorted(reg.models)) if reg else "(registry not found)"
    default = reg.default if reg and reg.default else "NAME"
    raise ModelError(
        f"Model file {candidate} does not exist and '{model_path}' is not a registry name ({names}). "
        f"Download a model with: python scripts/download_models.py {default}"
    )


def _try_registry() -> Registry | None:
    try:
        return load_registry()
    except ConfigError:
        return None


def sha256_file(path: str | Path, progress: Callable[[int], None] | None = None) -> str:
    """Streamed sha256 (1 MiB reads), so multi-GB files never sit in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


@dataclass(frozen=True)
class Verification:
    ok: bool  # size and checksum match the registry
    verified: bool  # ok AND the registry has a checksum to compare with
    sha256: str  # computed ("" when the size check already failed)
    message: str


def verify_file(path: str | Path, entry: ModelEntry) -> Verification:
    path = Path(path)
    if not path.is_file():
        return Verification(False, False, "", f"{path} does not exist")
    size = path.stat().st_size
    if entry.size_bytes and size != entry.size_bytes:
        return Verification(
            False, False, "", f"{path} has {size} bytes, expected {entry.size_bytes} (incomplete or wrong file)"
        )
    digest = sha256_file(path)
    if not entry.sha256:
        return Verification(
            True, False, digest,
            f"{path}: the registry has no checksum for '{entry.name}', so the file is NOT verified. "
            f"Its sha256 is {digest}; compare it with the one on the model page ({entry.url or entry.repo_id}).",
        )  # fmt: skip
    if digest != entry.sha256:
        return Verification(
            False, False, digest, f"{path}: sha256 {digest} does not match the registry's {entry.sha256}"
        )
    return Verification(True, True, digest, f"{path}: size and sha256 verified")
