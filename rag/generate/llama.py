"""In-process generation with llama-cpp-python on a local GGUF file."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.core.config import GeneratorSettings
from rag.core.errors import ModelError, require
from rag.generate.base import Messages, StreamingGenerator, validate_messages
from rag.generate.registry import Registry, load_registry, resolve_model_path

GGUF_MAGIC = b"GGUF"
# Chat format for GGUFs that carry no chat template (base models, old conversions).
ARCH_CHAT_FORMATS = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma", "qwen2": "chatml", "qwen3": "chatml"}
MEMINFO = Path("/proc/meminfo")
BUSY_TIMEOUT_S = 600.0


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo; None where that file does not exist (not Linux)."""
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_gguf(path: Path) -> None:
    """Refuse anything that is not a GGUF before llama.cpp sees it (its own errors are cryptic)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise ModelError(
            f"无法读取模型文件 {path}（cannot read model file: {exc.strerror or exc}）。请检查路径和文件权限。"
        ) from exc
    if head[:4] == GGUF_MAGIC:
        return
    if head.startswith(b"version https://git-lfs"):
        reason = "it is a Git LFS pointer, not the model itself (the download did not fetch the weights)"
    elif not head:
        reason = "it is empty"
    else:
        reason = f"it starts with {head[:4]!r}; a GGUF file starts with b'GGUF'"
    raise ModelError(
        f"{path} 不是 GGUF 模型文件（is not a GGUF model file: {reason}）。请使用为 llama.cpp 制作的 .gguf 文件；"
        "`python scripts/download_models.py --list` 列出 reportqa 已知的模型。"
    )


def check_memory(path: Path, registry: Registry | None) -> None:
    available = available_memory_bytes()
    size = path.stat().st_size
    if available is None or size <= available:
        return
    smaller = []
    if registry:
        smaller = [e.name for e in sorted(registry.models.values(), key=lambda e: e.memory_gb)
                   if e.source == "hub" and e.memory_gb * 1e9 < available]  # fmt: skip
    advice = (
        f"models/registry.toml 中的较小模型：{'、'.join(smaller)}"
        if smaller
        else "models/registry.toml 中的较小模型（`python scripts/download_models.py --list` 列出全部）"
    )
    raise ModelError(
        f"内存不足，无法加载模型 {path.name}（{size / 1e9:.1f} GB, but only {available / 1e9:.1f} GB of memory is "
        f"available; pick a smaller model）。请关闭其他程序，或改用{advice}。"
    )


def known_chat_formats() -> list[str]:
    fmt = require("llama_cpp.llama_chat_format", "llama-cpp-python", "The llama-cpp generator")
    return sorted(fmt.LlamaChatCompletionHandlerRegistry()._chat_handlers)


class LlamaCppGenerator(StreamingGenerator):
    """A GGUF model in this process. The Llama instance is created on first use and reused.

    One generation at a time: a llama.cpp context is not re-entrant, so concurrent callers wait.
    Prompt-prefix reuse: llama-cpp-python keeps the KV cache of the previous prompt and evaluates
    only what differs, so a shared system prompt/context costs nothing on the next call. An extra
    LlamaRAMCache (``cache_bytes`` > 0) restores older prompts too, but saving the state after
    every call made generation slower overall (scripts/bench_generate.py: TTFT x0.79, total x1.14),
    so it is off by default.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        n_ctx: int = 4096,
        n_threads: int = 0,
        chat_format: str = "",
        cache_bytes: int = 0,
        registry: Registry | None = None,
    ) -> None:
        self._registry: Registry | None
        try:
            self._registry = registry or load_registry()
        except Exception:
            self._registry = None
        self.path, self.entry = resolve_model_path(str(model_path), self._registry)
        check_gguf(self.path)
        check_memory(self.path, self._registry)
        self._llama_cpp = require("llama_cpp", "llama-cpp-python", "The llama-cpp generator")
        if chat_format and chat_format not in known_chat_formats():
            raise ModelError(
                f"未知的对话格式 chat_format（Unknown chat_format '{chat_format}'）。请留空以使用 GGUF 自带的模板，"
                f"或改用以下之一：{', '.join(known_chat_formats())}。"
            )
        self.name = f"llama-cpp:{self.entry.name if self.entry else self.path.name}"
        self.context_size = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self.requested_chat_format = chat_format
        self.chat_format = chat_format  # effective format, known once the model is loaded
        self.cache_bytes = cache_bytes
        self._llama: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: GeneratorSettings) -> LlamaCppGenerator:
        return cls(
            settings.model_path, n_ctx=settings.n_ctx, n_threads=settings.n_threads, chat_format=settings.chat_format
        )

    @property
    def llama(self) -> Any:
        """The llama_cpp.Llama instance (loaded on first access)."""
        return self.load()

    def load(self) -> Any:
        if self._llama is not None:
            return self._llama
        with self._load_lock:
            if self._llama is None:
                self._llama = self._create()
        return self._llama

    def _create(self) -> Any:
        try:
            llm = self._llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=self.context_size,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                chat_format=self.requested_chat_format or None,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                f"无法加载模型 {self.path}（llama.cpp could not load it: {exc}）。文件可能不完整：请重新下载"
                "（re-download；`python scripts/download_models.py NAME` 会校验文件），或该模型架构不受当前 "
                "llama-cpp-python 版本支持：请升级 llama-cpp-python。"
            ) from exc
        if not self.requested_chat_format:
            if "tokenizer.chat_template" in llm.metadata:
                self.chat_format = "gguf"
            else:
                arch = llm.metadata.get("general.architecture", "")
                fallback = (self.entry.chat_format if self.entry else "") or ARCH_CHAT_FORMATS.get(arch, "")
                if fallback:
                    llm.chat_format = fallback
                self.chat_format = llm.chat_format
        if self.cache_bytes:
            llm.set_cache(self._llama_cpp.LlamaRAMCache(capacity_bytes=self.cache_bytes))
        return llm

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        return len(self.load().tokenize(text.encode("utf-8"), add_bos=False, special=False))

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
        llm = self.load()
        kwargs: dict[str, Any] = {
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stop": list(stop) if stop else None,
            "stream": True,
        }
        if json_schema is not None:
            # llama-cpp-python compiles the schema to a GBNF grammar (LlamaGrammar.from_json_schema).
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        if not self._run_lock.acquire(timeout=BUSY_TIMEOUT_S):
            raise ModelError(f"模型 {self.name} 正在处理另一个请求（model busy）。请稍后再试。")
        try:
            for chunk in llm.create_chat_completion(**kwargs):
                choices = chunk.get("choices") or [{}]
                text = choices[0].get("delta", {}).get("content")
                if text:
                    yield text
        except ValueError as exc:
            if "exceed context window" in str(exc):
                raise ModelError(
                    f"提示内容超出模型上下文长度（the prompt does not fit the model's context: {exc}）。"
                    f"请减少引用段落，或调大 REPORTQA_GENERATOR__N_CTX（当前 {self.context_size}）。"
                ) from exc
            raise ModelError(self._failed(exc)) from exc
        except RuntimeError as exc:
            raise ModelError(self._failed(exc)) from exc
        finally:
            self._run_lock.release()

    @staticmethod
    def _failed(exc: Exception) -> str:
        return (
            f"模型生成失败（llama.cpp generation failed: {exc}）。请重试；若反复出现，请换用其他模型"
            "或检查模型文件是否完整。"
        )

    def close(self) -> None:
        """Free the model's memory now instead of at garbage collection."""
        with self._load_lock:
            llm, self._llama = self._llama, None
        if llm is not None and hasattr(llm, "close"):
            llm.close()
