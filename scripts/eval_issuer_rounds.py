"""Issuer accuracy per dev round, and how the parser of each round's start did on that round (issue 11, §18).

The dev fixtures were written in rounds, each labelled and committed before the parser ran on it and
followed by rules drawn from it. The parser *as it was when a round's fixtures were committed* never saw
that round: its figure on the round is an honest unseen-page figure inside dev (inner validation). The
gap between it and the figure after the round is how often a new round's pages broke the existing logic.

    PYTHONPATH=$PWD .venv/bin/python scripts/eval_issuer_rounds.py              # current parser, per round
    PYTHONPATH=$PWD .venv/bin/python scripts/eval_issuer_rounds.py --history    # + each round's start parser
    PYTHONPATH=$PWD .venv/bin/python scripts/eval_issuer_rounds.py --parser-root /tmp/old   # a copy of rag/
    ... --rounds R5,R6 -v                                                         # misses of those rounds
    PYTHONPATH=$PWD .venv/bin/python scripts/eval_issuer_rounds.py --tune       # weights on R1–R4, check R5+R6

Dev only: the held-out fixtures are never read here.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"
FIELDS = ("issuer", "level")

# (round, first and last fixture number, the commit that added the round's fixtures: its rag/ is the
# parser before the round's rules). R2 came in four batches, each with its own start commit.
ROUNDS: tuple[tuple[str, int, int, str], ...] = (
    ("R1", 1, 24, ""),
    ("R2a", 25, 37, "8c32cb9"),
    ("R2b", 38, 49, "3e0cb82"),
    ("R2c", 50, 53, "8cd8dcb"),
    ("R2d", 54, 56, "298c4eb"),
    ("R3", 57, 70, "b447142"),
    ("R4", 71, 84, "53792fc"),
    ("R5", 85, 100, "8fa6aca"),
    ("R6", 101, 116, "95f8530"),
)
OLDER = ("R1", "R2a", "R2b", "R2c", "R2d", "R3", "R4")  # features are chosen on these
NEWEST = ("R5", "R6")  # inner held-out
_NUMBER = re.compile(r"dev/d(\d+)_")


def round_of(file: str) -> str:
    m = _NUMBER.search(file)
    n = int(m.group(1)) if m else -1
    return next((name for name, lo, hi, _ in ROUNDS if lo <= n <= hi), "?")


def dev_items() -> list[tuple[Path, dict[str, Any]]]:
    items = []
    for line in (CORPUS / "labels_dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)
            items.append((CORPUS / str(label["file"]), label))
    return items


def _norm(text: str | None) -> str:
    return re.sub(r"[\s*]+", "", text or "")


def score(rounds: set[str] | None, verbose: bool) -> dict[str, dict[str, list[int]]]:
    """{round: {field: [right, total]}} for the parser ``rag`` imports now."""
    from rag.report.parse import load_report

    out: dict[str, dict[str, list[int]]] = {}
    for path, label in dev_items():
        name = round_of(str(label["file"]))
        if rounds and name not in rounds:
            continue
        try:
            meta: Any = load_report(path, 50 * 2**20).meta
            got = {"issuer": meta.issuing_body, "level": meta.level or None}
        except Exception as exc:  # an old parser may reject a file: a miss, not the end of the run
            got = {"issuer": f"<{type(exc).__name__}>", "level": None}
        cells = out.setdefault(name, {f: [0, 0] for f in FIELDS})
        for field in FIELDS:
            if field not in label:
                continue
            ok = (_norm(got["issuer"]) == _norm(label["issuer"]) if field == "issuer"
                  else got["level"] == label["level"])
            cells[field][0] += int(ok)
            cells[field][1] += 1
            if verbose and not ok:
                print(f"  MISS {path.name}: {field} label {label[field]!r} got {got[field]!r}", file=sys.stderr)
    return out


def record_candidates() -> list[dict[str, Any]]:
    """Per dev report: its round, label, the cascade's answer and the scored candidates (as the parser
    ``rag`` imports now collects them), read by wrapping ``_cascade`` and ``issuer_scoring.pick``."""
    from rag.report import issuer, issuer_scoring
    from rag.report.parse import load_report

    rows: list[dict[str, Any]] = []
    seen: dict[str, Any] = {}
    cascade, pick = issuer._cascade, issuer_scoring.pick

    def cascade_spy(*args: Any) -> tuple[str, str]:
        seen["cascade"], seen["text"] = cascade(*args), args[1]
        answer: tuple[str, str] = seen["cascade"]
        return answer

    def pick_spy(candidates: list[Any], **kw: Any) -> Any:
        seen["candidates"] = candidates
        return pick(candidates, **kw)

    issuer._cascade, issuer_scoring.pick = cascade_spy, pick_spy  # type: ignore[assignment]
    try:
        for path, label in dev_items():
            seen.clear()
            load_report(path, 50 * 2**20)
            rows.append({"round": round_of(str(label["file"])), "file": path.name, "label": label.get("issuer"),
                         "cascade": seen.get("cascade", ("", ""))[0], "text": seen.get("text", ""),
                         "candidates": seen.get("candidates", [])})
    finally:
        issuer._cascade, issuer_scoring.pick = cascade, pick
    return rows


def _answers(rows: list[dict[str, Any]], weights: dict[str, float], sources: dict[str, float],
             margin: float) -> list[tuple[str, str]]:
    """(scoring alone, scoring backed by the cascade) per row, masked names as the parser masks them."""
    from rag.report import issuer, issuer_scoring

    out: list[tuple[str, str]] = []
    for row in rows:
        choice = issuer_scoring.pick(row["candidates"], weights=weights, source_weight=sources, margin=margin)
        alone = choice.name
        backed = choice.name or row["cascade"]
        alone, backed = ("" if issuer._is_masked(a, row["text"]) else a for a in (alone, backed))
        out.append((alone, backed))
    return out


def _same(got: str, label: str | None) -> bool:
    """The parser reads a 繁體 report in simplified characters (its shadow restores them afterwards)."""
    from rag.lang.script import to_simplified

    return _norm(got) == _norm(to_simplified(label or ""))


def _right(rows: list[dict[str, Any]], answers: list[tuple[str, str]], k: int) -> int:
    return sum(_same(a[k], r["label"]) for r, a in zip(rows, answers, strict=True))


_GRID = (-8.0, -4.0, -2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0)


def tune(verbose: bool) -> None:
    """Coordinate search of the weights on the older rounds (backed accuracy, then scoring alone), then
    the figures on the newest rounds and on all dev, hand weights beside the tuned ones."""
    from rag.report import issuer_scoring

    rows = record_candidates()
    older = [r for r in rows if r["round"] in OLDER]
    weights, sources = dict(issuer_scoring.WEIGHTS), dict(issuer_scoring.SOURCE_WEIGHT)
    margin = issuer_scoring.MARGIN

    def objective(w: dict[str, float], s: dict[str, float], m: float) -> tuple[int, int]:
        a = _answers(older, w, s, m)
        return _right(older, a, 1), _right(older, a, 0)

    start = (dict(weights), dict(sources), margin)
    best = objective(weights, sources, margin)
    for _ in range(3):
        for table in (sources, weights):
            for key in list(table):
                for value in _GRID:
                    old = table[key]
                    table[key] = value
                    if (score := objective(weights, sources, margin)) > best:
                        best = score
                    else:
                        table[key] = old
        for m in (0.5, 1.0, 1.5, 2.0, 3.0):
            if (score := objective(weights, sources, m)) > best:
                best, margin = score, m
    print(f"{'weights':<10}{'group':<8}{'cascade':>10}{'scoring':>10}{'backed':>10}")
    for name, (w, s, m) in (("hand", start), ("tuned", (weights, sources, margin))):
        for group, members in (("older", OLDER), ("newest", NEWEST), ("all", tuple(r[0] for r in ROUNDS))):
            sub = [r for r in rows if r["round"] in members]
            a = _answers(sub, w, s, m)
            casc = sum(_same(r["cascade"] if not _masked(r) else "", r["label"]) for r in sub)
            print(f"{name:<10}{group:<8}{f'{casc}/{len(sub)}':>10}{f'{_right(sub, a, 0)}/{len(sub)}':>10}"
                  f"{f'{_right(sub, a, 1)}/{len(sub)}':>10}")
            if verbose and name == "tuned":
                for r, (alone, backed) in zip(sub, a, strict=True):
                    if not (_same(backed, r["label"]) and _same(alone, r["label"])):
                        print(f"  MISS {r['file']}: label {r['label']!r} scoring {alone!r} backed {backed!r}")
    print("tuned:", json.dumps({"weights": weights, "sources": sources, "margin": margin}, ensure_ascii=False))


def _masked(row: dict[str, Any]) -> bool:
    from rag.report import issuer

    return bool(issuer._is_masked(row["cascade"], row["text"]))


def _old_parser(commit: str, folder: Path) -> Path:
    """rag/ of ``commit`` unpacked into ``folder`` (no worktree is registered)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "rag"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def _run_with(parser_root: Path, rounds: list[str]) -> dict[str, dict[str, list[int]]]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--parser-root", str(parser_root),
           "--rounds", ",".join(rounds), "--json"]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=str(ROOT))
    result: dict[str, dict[str, list[int]]] = json.loads(done.stdout)
    return result


def _cell(pair: list[int]) -> str:
    ok, n = pair
    return f"{ok}/{n} ({100 * ok / n:.0f}%)" if n else "—"


def _sum(results: dict[str, dict[str, list[int]]], names: tuple[str, ...], field: str) -> list[int]:
    return [sum(results.get(r, {}).get(field, [0, 0])[i] for r in names) for i in (0, 1)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parser-root", type=Path, help="import rag from this folder (a copy of an old rag/)")
    ap.add_argument("--rounds", help="comma-separated round names (R1, R2a, … R6); all by default")
    ap.add_argument("--history", action="store_true",
                    help="also score each round with the parser of the commit that added its fixtures")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss (dev only)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--tune", action="store_true",
                    help="choose the scoring weights on the older rounds and report them on the newest")
    args = ap.parse_args(argv)
    if args.parser_root:
        sys.path.insert(0, str(args.parser_root.resolve()))
    else:
        sys.path.insert(0, str(ROOT))
    if args.tune:
        tune(args.verbose)
        return 0
    wanted = set(args.rounds.split(",")) if args.rounds else None
    now = score(wanted, args.verbose)
    if args.json:
        print(json.dumps(now))
        return 0
    before: dict[str, dict[str, list[int]]] = {}
    if args.history:
        for name, _, _, commit in ROUNDS:
            if commit and (not wanted or name in wanted):
                with tempfile.TemporaryDirectory() as tmp:
                    before.update(_run_with(_old_parser(commit, Path(tmp)), [name]))
    head = f"{'round':<8}{'files':>7}" + "".join(f"{f + ' now':>16}" for f in FIELDS)
    if before:
        head += "".join(f"{f + ' at start':>18}" for f in FIELDS)
    print(head)
    names = [r[0] for r in ROUNDS if r[0] in now]
    groups = [(r, (r,)) for r in names] + [("older", OLDER), ("newest", NEWEST), ("all", tuple(names))]
    for label, members in groups:
        row = f"{label:<8}{_sum(now, members, 'issuer')[1]:>7}"
        row += "".join(f"{_cell(_sum(now, members, f)):>16}" for f in FIELDS)
        if before:
            got = [m for m in members if m in before]
            row += "".join(f"{_cell(_sum(before, tuple(got), f)) if got else '—':>18}" for f in FIELDS)
        print(row)
    if before:
        print("(at start: the parser of the commit that added the round's fixtures, before any rule drawn from them)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
