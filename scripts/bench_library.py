"""Time the library overview over N ingested reports (issue 15: 100 reports in under 5 s).

    .venv/bin/python scripts/bench_library.py [--reports 100] [--repeat 3]

The library is the five samples and the fixture corpus (tests/data/corpus), copied with a line of
their own until there are N distinct files, ingested with the hash embedder into a fresh index.
Timed in the same run:
  * baseline: loading every parsed report from the store (what any overview must at least do);
  * cold overview: the first ``ReportQA.overview()`` after ingestion (rows built, then cached);
  * warm overview: the next one (rows from the cache) and a filtered one;
  * rendering: the HTML table, heat map and chart, and the CSV.
Figures are printed as seconds and as ratios to the baseline and to the 5 s target, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from bench_summary import timed  # noqa: E402  (median of repeated runs)

TARGET_S = 5.0


def _library(folder: Path, count: int) -> list[Path]:
    sources = sorted((ROOT / "data" / "samples").glob("*.txt"))
    sources += sorted(p for p in (ROOT / "tests" / "data" / "corpus").glob("*/*") if p.suffix in (".txt", ".html"))
    out = []
    for n in range(count):
        src = sources[n % len(sources)]
        dst = folder / f"{n:03d}_{src.name}"
        if n < len(sources):
            shutil.copy(src, dst)
        else:  # a distinct file (its own sha256) with the same report in it
            text = src.read_text(encoding="utf-8", errors="replace")
            dst.write_text(text + ("\n" if src.suffix == ".txt" else "<p>") + f"（副本 {n}）", encoding="utf-8")
        out.append(dst)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from rag.core.config import load_settings
    from rag.library import render
    from rag.library.model import Filters
    from rag.service import ReportQA

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reports"
        folder.mkdir()
        files = _library(folder, args.reports)
        settings = load_settings(environ={}, overrides={
            "data_dir": str(Path(tmp) / "data"), "index_dir": str(Path(tmp) / "index"),
            "embedder": {"backend": "hash"}, "generator": {"backend": "none"}})
        service = ReportQA(settings)
        started = time.perf_counter()
        outcomes = service.ingest(files)
        ingest_s = time.perf_counter() - started
        failed = [o for o in outcomes if o.status == "failed"]
        infos = service.reports()
        print(f"library: {len(infos)} reports ingested in {ingest_s:.1f} s ({len(failed)} failed)")

        baseline = timed(lambda: [service.load_report(i.report_id) for i in infos], args.repeat)
        cold = timed(lambda: service.overview(), 1)
        overview = service.overview()
        warm = timed(lambda: service.overview(), args.repeat)
        filtered = timed(lambda: service.overview(Filters(level="区县级")), args.repeat)
        rendering = timed(lambda: (render.overview_table_html(overview), render.heatmap_html(overview),
                                    render.themes_chart_svg(overview), render.trends_html(overview),
                                    render.overview_to_csv(overview)), args.repeat)
        service.close()

    first_view = cold + rendering
    print(f"baseline  load {len(infos)} parsed reports from the store: {baseline:.2f} s")
    print(f"overview  cold (rows built): {cold:.2f} s = {cold / baseline:.2f}× baseline")
    print(f"overview  warm (rows cached): {warm:.3f} s = {warm / baseline:.3f}× baseline")
    print(f"overview  filtered 区县级: {filtered:.3f} s")
    print(f"render    table + heat map + chart + trends + CSV: {rendering:.3f} s")
    print(f"first view after ingestion: {first_view:.2f} s = {first_view / TARGET_S:.2f}× the {TARGET_S:.0f} s target "
          f"({'met' if first_view < TARGET_S else 'NOT met'}); {len(overview.rows)} rows, "
          f"{sum(len(r.problems) for r in overview.rows)} problem items, {len(overview.themes)} themes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
