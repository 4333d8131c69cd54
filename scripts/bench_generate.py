#!/usr/bin/env python
"""Generation speed per backend on one RAG-shaped prompt: time to first token, total, tokens/s.

    python scripts/bench_generate.py                  # bundled Gemma 270M GGUF, 5 runs
    python scripts/bench_generate.py --model qwen2.5-3b-instruct-q4km --runs 3 --max-tokens 128

Backends: raw llama-cpp-python (`Llama.create_chat_completion(stream=True)`, the baseline),
ours in process (LlamaCppGenerator, same parameters), ours with a LlamaRAMCache, OpenAIGenerator
against a llama_cpp.server this script starts on 127.0.0.1, and the fake. Raw and ours run
interleaved on separate Llama instances with the same prompt sequence, so the overhead is a
ratio from one run (target: ours/raw <= 1.10). Each run asks a different question over the same
context, so llama.cpp's own prefix reuse applies equally to every backend.

The cache scenario alternates two contexts (A, B, A, ...): llama.cpp only reuses the prefix of the
*previous* prompt, while a LlamaRAMCache can restore the state of an older one.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.generate.factory import FakeGenerator, LlamaCppGenerator, OpenAIGenerator
from rag.generate.registry import resolve_model_path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["存在的主要问题有哪些？", "下一步工作安排是什么？", "党政主要负责人如何履行第一责任人职责？",
             "行政复议工作情况如何？", "法治宣传教育做了什么？", "行政执法有哪些改进？"]  # fmt: skip


def context_text(chars: int, offset: int = 0) -> str:
    samples = sorted((ROOT / "data" / "samples").glob("*.txt"))
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in samples[:2]) or "依法行政。" * chars
    return text[offset : offset + chars]


def messages(question: str, context: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "你是政府法治报告助手。只依据给出的材料回答，并用[1]标注出处。"},
        {"role": "user", "content": f"材料：\n[1] {context}\n\n问题：{question}"},
    ]


def timed(pieces: Iterator[str]) -> dict[str, float]:
    start = time.perf_counter()
    first = None
    count = 0
    for piece in pieces:
        if piece:
            count += 1
            if first is None:
                first = time.perf_counter() - start
    total = time.perf_counter() - start
    return {"ttft": first if first is not None else total, "total": total, "pieces": count}


def raw_stream(llm: Any, msgs: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
    for chunk in llm.create_chat_completion(msgs, max_tokens=max_tokens, temperature=0.0, stream=True):
        text = chunk["choices"][0]["delta"].get("content")
        if text:
            yield text


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def summarize(runs: list[dict[str, float]]) -> dict[str, float]:
    ttft = statistics.median(r["ttft"] for r in runs)
    total = statistics.median(r["total"] for r in runs)
    pieces = statistics.median(r["pieces"] for r in runs)
    gen_time = max(total - ttft, 1e-9)
    return {"ttft_s": ttft, "total_s": total, "tokens": pieces, "tok_per_s": max(pieces - 1, 0) / gen_time, "runs": len(runs)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(model: Path, n_ctx: int, threads: int, chat_format: str, log: Any) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(threads), "--model_alias", "bench"]  # fmt: skip
    if chat_format:
        cmd += ["--chat_format", chat_format]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    gen = OpenAIGenerator(base, "bench", timeout=300)
    for _ in range(480):  # bounded: 120 s
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}")
        if gen.check()[0]:
            return proc, base
        time.sleep(0.25)
    proc.terminate()
    raise RuntimeError("llama_cpp.server did not start within 120 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gemma3-270m-test", help="GGUF path or registry name")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--context-chars", type=int, default=1200)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--no-server", action="store_true", help="skip the OpenAI-server backend")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    import llama_cpp

    path, entry = resolve_model_path(args.model)
    ours = LlamaCppGenerator(path if entry is None else args.model, n_ctx=args.n_ctx, n_threads=args.threads)
    ours.load()
    chat_format = ours.chat_format if ours.chat_format != "gguf" else ""
    raw = llama_cpp.Llama(model_path=str(path), n_ctx=args.n_ctx, n_threads=ours.n_threads,
                          n_threads_batch=ours.n_threads, chat_format=chat_format or None, verbose=False)  # fmt: skip
    context = context_text(args.context_chars)
    prompts = [messages(QUESTIONS[i % len(QUESTIONS)], context) for i in range(args.runs + 1)]
    print(f"model {path.name}, chat format {ours.chat_format}, {ours.n_threads} threads, prompt "
          f"{ours.count_tokens(json.dumps(prompts[0], ensure_ascii=False))} tokens, max_tokens {args.max_tokens}",
          file=sys.stderr)  # fmt: skip

    results: dict[str, list[dict[str, float]]] = {"raw llama-cpp": [], "ours llama-cpp": []}
    # warm-up (first evaluation of the shared prefix) for both, not measured
    timed(raw_stream(raw, prompts[-1], 4))
    timed(ours.stream(prompts[-1], max_tokens=4, temperature=0.0))
    for i in range(args.runs):
        order: list[tuple[str, Callable[[], Iterator[str]]]] = [
            ("raw llama-cpp", lambda m=prompts[i]: raw_stream(raw, m, args.max_tokens)),
            ("ours llama-cpp", lambda m=prompts[i]: ours.stream(m, max_tokens=args.max_tokens, temperature=0.0)),
        ]
        for name, run in order if i % 2 == 0 else order[::-1]:
            results[name].append(timed(run()))
            progress(f"{name} run {i + 1}: {results[name][-1]}")

    # prompt cache: alternate two contexts A/B so the previous prompt is never the one to reuse
    other = context_text(args.context_chars, offset=args.context_chars)
    for label, cache_bytes in (("ours, A/B alternating, no cache", 0), ("ours, A/B alternating, RAM cache", 1 << 30)):
        gen = LlamaCppGenerator(path if entry is None else args.model, n_ctx=args.n_ctx, n_threads=args.threads,
                                cache_bytes=cache_bytes)  # fmt: skip
        runs = []
        for i in range(args.runs * 2):
            msgs = messages(QUESTIONS[i % len(QUESTIONS)], context if i % 2 == 0 else other)
            measured = timed(gen.stream(msgs, max_tokens=args.max_tokens, temperature=0.0))
            if i >= 2:  # the first A and B fill the cache
                runs.append(measured)
            progress(f"{label} run {i + 1}: {measured}")
        results[label] = runs
        gen.close()

    if not args.no_server:
        with tempfile.TemporaryFile() as log:
            proc, base = start_server(path, args.n_ctx, ours.n_threads, chat_format, log)
            try:
                progress("server started")
                client = OpenAIGenerator(base, "bench", timeout=300)
                timed(client.stream(prompts[-1], max_tokens=4, temperature=0.0))
                results["openai (llama_cpp.server)"] = [
                    timed(client.stream(prompts[i], max_tokens=args.max_tokens, temperature=0.0)) for i in range(args.runs)
                ]
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()

    fake = FakeGenerator(piece_chars=2)
    results["fake"] = [timed(fake.stream(prompts[i], max_tokens=args.max_tokens, temperature=0.0)) for i in range(args.runs)]

    table = {name: summarize(runs) for name, runs in results.items()}
    raw_s, ours_s = table["raw llama-cpp"], table["ours llama-cpp"]
    ratios = {
        "ours/raw total": ours_s["total_s"] / raw_s["total_s"],
        "ours/raw ttft": ours_s["ttft_s"] / raw_s["ttft_s"],
        "RAM cache/no cache ttft": table["ours, A/B alternating, RAM cache"]["ttft_s"]
        / table["ours, A/B alternating, no cache"]["ttft_s"],
    }
    if args.json:
        print(json.dumps({"model": path.name, "max_tokens": args.max_tokens, "results": table, "ratios": ratios}, indent=2))
        return 0
    print(f"{'backend':<36} {'TTFT s':>8} {'total s':>8} {'tokens':>7} {'tok/s':>7}")
    for name, row in table.items():
        print(f"{name:<36} {row['ttft_s']:>8.3f} {row['total_s']:>8.3f} {row['tokens']:>7.0f} {row['tok_per_s']:>7.1f}")
    for name, value in ratios.items():
        print(f"{name:<36} {value:>8.3f}")
    verdict = "OK" if ratios["ours/raw total"] <= 1.10 else "ABOVE TARGET"
    print(f"overhead target ours/raw <= 1.10: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
