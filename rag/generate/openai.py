"""Generation through any OpenAI-compatible HTTP server (llama.cpp server, Ollama, vLLM, Xinference)."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from typing import Any
from urllib.parse import urlparse

import httpx

from rag.core.config import GeneratorSettings
from rag.core.errors import ModelError
from rag.generate.base import Messages, StreamingGenerator, estimate_tokens, validate_messages

START_HINT = (
    "请启动模型服务，例如 `python -m llama_cpp.server --model models/<file>.gguf --host 127.0.0.1 --port 8080`"
    "（或 `ollama serve`、vLLM/Xinference 服务），并检查 REPORTQA_GENERATOR__OPENAI_BASE_URL 是否正确"
)
NOT_OPENAI = "请确认该地址是 OpenAI 兼容的模型服务（检查 REPORTQA_GENERATOR__OPENAI_BASE_URL）。"
# JSON-schema request styles, tried in this order: OpenAI's (vLLM, Ollama, llama.cpp's C++ server),
# then the llama-cpp-python server's, which rejects the OpenAI form with HTTP 422.
SCHEMA_STYLES = ("json_schema", "json_object")


def _shorten(text: str, limit: int = 200) -> str:
    text = text.strip().replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "…"


def _status_hint(status: int) -> str:
    if status == 404:
        return (
            "请检查地址和模型名：REPORTQA_GENERATOR__OPENAI_BASE_URL 通常以 /v1 结尾，"
            "REPORTQA_GENERATOR__OPENAI_MODEL 须是服务提供的模型。"
        )
    if status in (401, 403):
        return "请把 REPORTQA_GENERATOR__OPENAI_API_KEY 设为该服务的密钥。"
    return "请查看模型服务的日志，或稍后重试。"


def response_format(schema: dict[str, Any], style: str) -> dict[str, Any]:
    if style == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "reportqa_answer", "schema": schema, "strict": True}}
    return {"type": "json_object", "schema": schema}


class OpenAIGenerator(StreamingGenerator):
    """Chat completions over HTTP with server-sent events.

    ``count_tokens`` is an estimate (``estimate_tokens``: one token per Chinese character, one per
    four other characters), because the server's tokenizer is not available locally; it
    over-counts Chinese, so prompt budgets stay safe. Set ``n_ctx`` to the server's context size.
    """

    def __init__(
        self,
        base_url: str | GeneratorSettings = "http://127.0.0.1:8080/v1",
        model: str = "local",
        *,
        api_key: str = "",
        timeout: float = 120.0,
        context_size: int = 4096,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if isinstance(base_url, GeneratorSettings):  # OpenAIGenerator(settings.generator)
            settings = base_url
            base_url, model, api_key = settings.openai_base_url, settings.openai_model, settings.openai_api_key
            timeout, context_size = settings.timeout, settings.n_ctx
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}@{self.base_url}"
        self.context_size = context_size
        self.timeout = timeout
        headers = {"Accept": "text/event-stream, application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            # A proxy from the environment must not intercept a server on this machine; remote ones may need it.
            trust_env=urlparse(self.base_url).hostname not in ("127.0.0.1", "localhost", "::1"),
        )
        self._schema_style: str | None = None

    @classmethod
    def from_settings(cls, settings: GeneratorSettings) -> OpenAIGenerator:
        return cls(settings)

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    # -- errors -------------------------------------------------------------------------------
    def _connection_error(self, exc: Exception) -> ModelError:
        if isinstance(exc, httpx.ConnectError):
            why = (
                "connection refused" if "refused" in str(exc).lower() or "111" in str(exc) else f"cannot connect: {exc}"
            )
            return ModelError(f"无法连接到模型服务 {self.base_url}（{why}: is the server running?）。{START_HINT}。")
        if isinstance(exc, httpx.TimeoutException):
            return ModelError(
                f"模型服务 {self.base_url} 超时 (no answer within {self.timeout:g} s)：服务过载或模型太慢。"
                "请调大 REPORTQA_GENERATOR__TIMEOUT，或改用较小的模型。"
            )
        return ModelError(f"模型服务 {self.base_url} 出错（{exc or type(exc).__name__}）。请检查服务是否正常后重试。")

    def check(self) -> tuple[bool, str]:
        """Live status for the UI: (ok, message). Never raises."""
        url = f"{self.base_url}/models"
        try:
            response = self._client.get(url, timeout=min(self.timeout, 5.0))
        except httpx.HTTPError as exc:
            return False, str(self._connection_error(exc))
        if response.status_code != 200:
            return (
                False,
                f"模型服务 {url} 返回错误（HTTP {response.status_code}: {_shorten(response.text)}）。"
                f"{_status_hint(response.status_code)}",
            )
        try:
            ids = [m.get("id", "?") for m in response.json().get("data", [])]
        except (ValueError, AttributeError):
            return (
                False,
                f"模型服务 {url} 的回答不是模型列表（not an OpenAI model list: {_shorten(response.text)}）。"
                f"{NOT_OPENAI}",
            )
        listed = ", ".join(ids) if ids else "no models listed"
        return True, f"已连接 {self.base_url} ({listed})"

    # -- generation ---------------------------------------------------------------------------
    def stream(
        self,
        messages: Messages,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
        json_schema: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        validate_messages(messages)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        if stop:
            body["stop"] = list(stop)
        styles = (
            [None] if json_schema is None else ([self._schema_style] if self._schema_style else list(SCHEMA_STYLES))
        )
        for attempt, style in enumerate(styles):
            if style is not None and json_schema is not None:
                body["response_format"] = response_format(json_schema, style)
            retry = attempt + 1 < len(styles)
            pieces = self._post_stream(body, allow_schema_retry=retry)
            first = next(pieces, None)
            if first is _RETRY:
                pieces.close()
                continue
            if style is not None:
                self._schema_style = style
            if first is not None:
                yield first
            yield from pieces
            return

    def _post_stream(self, body: dict[str, Any], *, allow_schema_retry: bool) -> Generator[Any, None, None]:
        # Text pieces, or only the _RETRY sentinel; a generator, so that the caller can close() it on retry.
        url = f"{self.base_url}/chat/completions"
        try:
            with self._client.stream("POST", url, json=body) as response:
                if response.status_code != 200:
                    raw = response.read().decode("utf-8", "replace")
                    detail = _shorten(raw)
                    # Servers reject an unsupported response_format with 400, 422 or (llama-cpp-python) 500.
                    schema_refused = (
                        response.status_code in (400, 422) or "response_format" in raw or "json_schema" in raw
                    )
                    if allow_schema_retry and schema_refused:
                        yield _RETRY
                        return
                    hint = _status_hint(response.status_code)
                    raise ModelError(
                        f"模型服务 {url} 返回错误（HTTP {response.status_code}: {detail or '(empty body)'}）。{hint}"
                    )
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" in content_type:
                    yield from self._parse_sse(response, url)
                else:
                    yield self._parse_whole(response.read().decode("utf-8", "replace"), url)
        except httpx.HTTPError as exc:
            raise self._connection_error(exc) from exc

    def _parse_whole(self, text: str, url: str) -> str:
        """A server that ignored stream=True and sent one JSON completion."""
        try:
            data = json.loads(text)
        except ValueError:
            raise ModelError(
                f"模型服务 {url} 的回答无法识别（did not answer JSON or an event stream; it sent: "
                f"{_shorten(text) or '(empty body)'}）。{NOT_OPENAI}"
            ) from None
        content = _choice_text(data, url, "message")
        return content

    def _parse_sse(self, response: httpx.Response, url: str) -> Iterator[str]:
        saw_data = False
        for line in response.iter_lines():
            if not line or line.startswith(":"):
                continue
            if not line.startswith("data:"):
                if line.startswith(("event:", "id:", "retry:")):
                    continue
                raise ModelError(
                    f"模型服务 {url} 的流式回答格式错误（malformed event stream line: {_shorten(line)}）。{NOT_OPENAI}"
                )
            payload = line[5:].strip()
            if payload == "[DONE]":
                return
            saw_data = True
            try:
                data = json.loads(payload)
            except ValueError:
                raise ModelError(
                    f"模型服务 {url} 的流式回答无法解析（event is not JSON: {_shorten(payload)}）。{NOT_OPENAI}"
                ) from None
            if isinstance(data, dict) and "error" in data:
                raise ModelError(
                    f"模型服务 {url} 报告错误（{_shorten(json.dumps(data['error'], ensure_ascii=False))}）。"
                    "请查看模型服务的日志，并检查 REPORTQA_GENERATOR__OPENAI_MODEL。"
                )
            text = _choice_text(data, url, "delta")
            if text:
                yield text
        if not saw_data:
            raise ModelError(
                f"模型服务 {url} 没有返回任何内容（closed the event stream without sending any completion）。"
                "请查看模型服务的日志后重试。"
            )

    def close(self) -> None:
        self._client.close()


_RETRY: Any = object()


def _choice_text(data: Any, url: str, key: str) -> str:
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list):
        raise ModelError(
            f"模型服务 {url} 的回答不是对话补全（JSON without 'choices': "
            f"{_shorten(json.dumps(data, ensure_ascii=False))}）。{NOT_OPENAI}"
        )
    if not choices:
        return ""
    part = choices[0].get(key) or choices[0].get("message") or {}
    content = part.get("content") if isinstance(part, dict) else None
    return content if isinstance(content, str) else ""
