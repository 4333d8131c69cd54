"""The verifier against hand labels on real model drafts (tests/data/verifier_drafts.jsonl).

    .venv/bin/python scripts/eval_verifier.py [--drafts FILE] [--json]
    .venv/bin/python scripts/eval_verifier.py --drafts tests/data/verifier_drafts_dev.jsonl   # dev drafts

Two labelled sets: tests/data/verifier_drafts.jsonl (drafts of held-out questions: measured, never
tuned on) and tests/data/verifier_drafts_dev.jsonl (drafts of dev questions: the verifier's rules were
tuned on these, after they were labelled and committed).

Each record holds a question, the numbered passages the model read, the model's draft (collected by
scripts/collect_drafts.py) and my labels, one per sentence of the draft: ``supported`` when the
passages say what the sentence says (its figures with their units, the thing counted, quoted
phrases), else not. The labels were written by reading the passages, before this script was run on
them. ``rag.answer.verify.verify_answer`` keeps or removes each sentence; the script counts

* false rejections: supported sentences the verifier removed (a correct answer lost);
* false acceptances: unsupported sentences it kept (a wrong answer shown) — the target is 0 for
  sentences with a figure;
* per draft: correct drafts (every sentence supported) that lost a sentence, and wrong drafts
  (some sentence unsupported) that were shown whole.

Both for the sentence verifier alone and for what the answer pipeline shows
(``rag.answer.compose``: the kept text must also answer the question from the report it names,
``answers_question``; otherwise the extractive answer is shown instead and nothing of the draft).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DRAFTS = ROOT / "tests" / "data" / "verifier_drafts.jsonl"
DEV_DRAFTS = ROOT / "tests" / "data" / "verifier_drafts_dev.jsonl"


def load(path: Path = DRAFTS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def outcomes(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Per labelled sentence: its label, whether the verifier kept it, whether it carries a figure."""
    from rag.answer.extractive import answers_question
    from rag.answer.verify import split_sentences, verify_answer
    from rag.lang.figures import find_figures

    passages = {int(n): text for n, text in record["passages"].items()}
    check = verify_answer(record["draft"], passages, record["question"])
    kept = {s.body.strip() for s in check.kept}
    hits = _hits(record)
    shown_at_all = check.usable and (hits is None or answers_question(
        record["question"], check.text, [hits[n - 1] for n in check.citations if 0 < n <= len(hits)]))
    bodies = [s.body.strip() for s in split_sentences(record["draft"])]
    out = []
    for label in record["labels"]:
        body = label["sentence"].strip()
        if body not in bodies:
            raise ValueError(f"{record['id']}: labelled sentence not in the draft: {body!r}")
        figures = [f for f in find_figures(body) if f.kind in ("number", "percent", "date", "docno")]
        out.append({"id": record["id"], "sentence": body, "supported": bool(label["supported"]),
                    "kept": body in kept, "shown": body in kept and shown_at_all, "figure": bool(figures)})
    return out


def _hits(record: dict[str, Any]) -> list[Any] | None:
    """The passages as Hits (their reports' metadata), when the record carries them."""
    from rag.core.types import Chunk, Hit, ReportInfo

    if "hits" not in record:
        return None
    out = []
    for rank, h in enumerate(record["hits"]):
        info = ReportInfo(h["report_id"], h["title"], h["issuing_body"], h["region"], h["level"], h["year"],
                          h["doc_number"], h["date"], h["source"], "", "", 0)
        chunk = Chunk(f"{h['report_id']}:{rank}", h["report_id"], rank, h["text"], h["section_path"], h["role"], (0, 0), (0, 0))
        out.append(Hit(rank, 0.0, chunk, info))
    return out


def measure(records: list[dict[str, Any]], key: str = "kept") -> dict[str, Any]:
    """Counts for ``key`` = "kept" (the sentence verifier) or "shown" (what the pipeline shows)."""
    rows = [{**o, "kept": o[key]} for r in records for o in outcomes(r)]
    supported = [o for o in rows if o["supported"]]
    unsupported = [o for o in rows if not o["supported"]]
    by_draft: dict[str, list[dict[str, Any]]] = {}
    for o in rows:
        by_draft.setdefault(o["id"], []).append(o)
    correct = [v for v in by_draft.values() if all(o["supported"] for o in v)]
    wrong = [v for v in by_draft.values() if not all(o["supported"] for o in v)]
    return {
        "drafts": len(records), "sentences": len(rows),
        "supported": len(supported), "unsupported": len(unsupported),
        "false_rejections": [o for o in supported if not o["kept"]],
        "false_acceptances": [o for o in unsupported if o["kept"]],
        "false_acceptances_with_figure": [o for o in unsupported if o["kept"] and o["figure"]],
        "correct_drafts": len(correct), "correct_drafts_cut": sum(any(not o["kept"] for o in v) for v in correct),
        "wrong_drafts": len(wrong), "wrong_drafts_shown_whole": sum(all(o["kept"] for o in v) for v in wrong),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drafts", type=Path, default=DRAFTS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    records = load(args.drafts)
    results = {key: measure(records, key) for key in ("kept", "shown")}
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    for key, title in (("kept", "sentence verifier (verify_answer)"), ("shown", "answer pipeline (verify + answers_question)")):
        print(f"== {title}")
        _print(results[key])
    return 0


def _print(m: dict[str, Any]) -> None:
    fr, fa = len(m["false_rejections"]), len(m["false_acceptances"])
    print(f"{m['drafts']} drafts, {m['sentences']} labelled sentences ({m['supported']} supported, {m['unsupported']} not)")
    print(f"false rejections  {fr}/{m['supported']} supported sentences removed")
    print(f"false acceptances {fa}/{m['unsupported']} unsupported sentences kept "
          f"({len(m['false_acceptances_with_figure'])} with a figure; target 0)")
    print(f"drafts: {m['correct_drafts_cut']}/{m['correct_drafts']} correct drafts lost a sentence; "
          f"{m['wrong_drafts_shown_whole']}/{m['wrong_drafts']} wrong drafts shown whole")
    for o in m["false_rejections"]:
        print(f"  rejected {o['id']}: {o['sentence']}")
    for o in m["false_acceptances"]:
        print(f"  accepted {o['id']}: {o['sentence']}")


if __name__ == "__main__":
    sys.exit(main())
