#!/usr/bin/env python
"""Download a GGUF model from models/registry.toml and verify its size and sha256.

    python scripts/download_models.py --list
    python scripts/download_models.py qwen2.5-3b-instruct-q4km
    python scripts/download_models.py qwen2.5-3b-instruct-q4km --endpoint https://hf-mirror.com   # mirror (China)
    python scripts/download_models.py qwen2.5-3b-instruct-q4km --verify-only

Downloads go through huggingface_hub (`hf_hub_download`, pinned to the registry's revision) into
--dest (default: models/), resume after an interruption, and are hashed afterwards: a file whose
size or sha256 differs from the registry is deleted. The mirror is --endpoint, else $HF_ENDPOINT.

Exit status: 0 = ready and verified; 1 = failed (nothing usable left behind);
2 = downloaded but NOT verified (the registry has no checksum; compare the printed sha256 yourself).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.core.errors import ReportQAError
from rag.generate.registry import (
    MODELS_DIR,
    REGISTRY_PATH,
    ModelEntry,
    Registry,
    find_model_file,
    load_registry,
    package_model_path,
    search_dirs,
    verify_file,
)

EXIT_OK, EXIT_FAILED, EXIT_UNVERIFIED = 0, 1, 2
Downloader = Callable[[ModelEntry, Path, "str | None"], Path]


def hub_download(entry: ModelEntry, dest: Path, endpoint: str | None) -> Path:
    """Fetch one file with huggingface_hub into dest (resumes a partial download)."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise SystemExit('Downloading needs huggingface_hub: pip install "huggingface-hub>=0.23"') from None
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
    print(f"Models in {registry.path} (default: {registry.default}):")
    for entry in registry.models.values():
        mark = "*" if entry.name == registry.default else " "
        size = human(entry.size_bytes) if entry.size_bytes else "size ?"
        checksum = "sha256 pinned" if entry.sha256 else "NO CHECKSUM"
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
            state = f"downloaded: {found} (run --verify-only to hash it)"
        print(f" {mark} {entry.name:<28} {size:>9}  RAM ~{entry.memory_gb:g} GB  n_ctx {entry.n_ctx:<5} {checksum}")
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


def fetch(entry: ModelEntry, dest: Path, endpoint: str | None, downloader: Downloader = hub_download) -> int:
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
            print(f"Existing {target} is unusable ({check.message}); deleting it and downloading again.")
            target.unlink()
    free = shutil.disk_usage(dest).free
    if entry.size_bytes and free < entry.size_bytes:
        print(
            f"ERROR: {entry.filename} needs {human(entry.size_bytes)} but {dest} has only {human(free)} free.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    where = endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    print(
        f"Downloading {entry.repo_id}/{entry.filename} @ {entry.revision[:12] or 'main'} from {where} into {dest} ..."
    )
    try:
        path = downloader(entry, dest, endpoint)
    except KeyboardInterrupt:
        print("\nInterrupted: run the same command again to resume.", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # network, 404, offline mode: say what to try next
        print(
            f"ERROR: download failed: {type(exc).__name__}: {exc}\n"
            "  Check the network. From mainland China use a mirror: --endpoint https://hf-mirror.com "
            "(or export HF_ENDPOINT=https://hf-mirror.com). If HF_HUB_OFFLINE=1 is set, unset it. "
            "Re-running resumes a partial download.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    status = report(entry, path)
    if status == EXIT_FAILED and path.is_file():
        path.unlink()
        print(f"Deleted the mismatching file {path}. Run the command again to retry.", file=sys.stderr)
    return status


def main(argv: list[str] | None = None, downloader: Downloader = hub_download) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", help="registry name (see --list); default: the registry's default")
    parser.add_argument("--list", action="store_true", help="list the registry and what is downloaded")
    parser.add_argument("--dest", type=Path, default=MODELS_DIR, help=f"download folder (default {MODELS_DIR})")
    parser.add_argument("--endpoint", default=None, help="Hugging Face endpoint or mirror, e.g. https://hf-mirror.com")
    parser.add_argument("--verify-only", action="store_true", help="hash an existing file, download nothing")
    parser.add_argument("--registry", type=Path, default=REGISTRY_PATH, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        registry = load_registry(args.registry)
    except ReportQAError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.list:
        print_list(registry, args.dest)
        return EXIT_OK
    try:
        entry = registry.get(args.name or registry.default)
    except ReportQAError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.verify_only:
        found, looked = find_model_file(entry, [args.dest])
        if found is None:
            print(
                f"ERROR: '{entry.name}' is not downloaded (looked in {', '.join(map(str, looked))}).", file=sys.stderr
            )
            return EXIT_FAILED
        return report(entry, found)
    return fetch(entry, args.dest, args.endpoint, downloader)


if __name__ == "__main__":
    sys.exit(main())
