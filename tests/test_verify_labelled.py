"""The verifier against my labels on 21 real Qwen2.5-Coder-1.5B drafts (tests/data/verifier_drafts.jsonl).

Drafts were collected by scripts/collect_drafts.py for every third held-out answer question and
labelled sentence by sentence by reading their passages before the verifier was run on them.
Measured 2026-12-07: 0/5 unsupported sentences kept, by the verifier and by the whole pipeline;
3/18 supported sentences removed by the verifier, 5/18 by the pipeline (which also drops a true
sentence that does not answer the question). The wrong drafts are the kind a small model writes:
a real figure of another report (3199项, 3%, 13.6%), of another noun (21名 法律顾问 for 卫生监督员),
or a threshold verdict against its own passage (超过200台 over 171台).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _eval():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("eval_verifier", ROOT / "scripts" / "eval_verifier.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_verifier"] = module
    spec.loader.exec_module(module)
    return module


def test_labels_cover_every_sentence_of_every_draft() -> None:
    from rag.answer.verify import split_sentences

    records = _eval().load()
    assert len(records) >= 20
    for r in records:
        bodies = [s.body.strip() for s in split_sentences(r["draft"]) if s.body.strip()]
        assert [label["sentence"] for label in r["labels"]] == bodies, r["id"]
        assert len(r["hits"]) == len(r["passages"])


def test_no_wrong_sentence_is_shown_and_few_right_ones_are_lost() -> None:
    ev = _eval()
    records = ev.load()
    for key, max_rejected in (("kept", 3), ("shown", 5)):
        m = ev.measure(records, key)
        assert m["unsupported"] >= 5  # the set has wrong drafts to catch
        assert m["false_acceptances"] == [], (key, m["false_acceptances"])
        assert len(m["false_rejections"]) <= max_rejected, (key, [o["sentence"] for o in m["false_rejections"]])


def test_dev_labels_cover_every_sentence_and_no_wrong_figure_is_kept() -> None:
    """The dev labelled set (tests/data/verifier_drafts_dev.jsonl: 14 drafts of every third dev question,
    labelled before the verifier was tuned on them). Measured 2026-12-07 after tuning: 1/15 supported
    sentences removed (a lead-in echoing the prompt), 1/5 unsupported kept (a wrong refusal, no figure;
    a yes/no question, answered from the structure in the pipeline)."""
    from rag.answer.verify import split_sentences

    ev = _eval()
    records = ev.load(ev.DEV_DRAFTS)
    assert len(records) >= 14
    for r in records:
        bodies = [s.body.strip() for s in split_sentences(r["draft"]) if s.body.strip()]
        assert [label["sentence"] for label in r["labels"]] == bodies, r["id"]
    for key in ("kept", "shown"):
        m = ev.measure(records, key)
        assert m["false_acceptances_with_figure"] == [], (key, m["false_acceptances_with_figure"])
    m = ev.measure(records, "kept")
    assert len(m["false_rejections"]) <= 1, [o["sentence"] for o in m["false_rejections"]]
