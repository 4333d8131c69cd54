"""Read + clean + parse one file, and the JSON form of a parsed report.

``report_to_dict(report)`` is what the index stores and ``report_from_dict`` restores it exactly
(``report_from_dict(report_to_dict(r)) == r``). The cleaned-text offset map is stored run-length
encoded (``[clean_start, source_start, length]`` per run of consecutive offsets) to keep the JSON
small. ``report_to_dict(report, include_text=False)`` is the `reportqa inspect --json` view: no
source text, cleaned text or offsets, so it cannot be restored.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rag.core.protocols import Embedder
from rag.core.types import CleanText, Item, ParseWarning, Removal, Report, ReportMeta, Section, SourceDocument
from rag.report.parts import part_statuses

SCHEMA_VERSION = 1
_UNSAFE = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff._-]+")


def report_id_for(path: str | Path) -> str:
    """The file stem, reduced to letters, digits, CJK, '.', '_' and '-' (at most 80 characters)."""
    stem = _UNSAFE.sub("_", Path(path).stem).strip("._-")
    return stem[:80] or "report"


def load_report(path: str | Path, max_bytes: int, report_id: str | None = None,
                embedder: Embedder | None = None) -> Report:
    """read_file -> clean_text -> parse_report (``embedder``: see parse_report). Raises ReaderError /
    NotAReportError."""
    from rag.ingest.clean import clean_text
    from rag.ingest.readers import read_file
    from rag.report.structure import parse_report

    doc = read_file(path, max_bytes)
    return parse_report(doc, clean_text(doc), report_id or report_id_for(path), embedder)


def _offset_runs(offsets: tuple[int, ...]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i, off in enumerate(offsets):
        if runs and runs[-1][1] + runs[-1][2] == off and runs[-1][0] + runs[-1][2] == i:
            runs[-1][2] += 1
        else:
            runs.append([i, off, 1])
    return runs


def _offsets_from_runs(runs: list[list[int]]) -> tuple[int, ...]:
    out: list[int] = []
    for _start, source_start, length in runs:
        out.extend(range(source_start, source_start + length))
    return tuple(out)


def _section_to_dict(s: Section) -> dict[str, Any]:
    return {
        "heading": s.heading,
        "number": s.number,
        "level": s.level,
        "role": s.role,
        "span": list(s.span),
        "heading_span": list(s.heading_span),
        "source_span": list(s.source_span),
        "split_from": s.split_from,
        "role_confidence": s.role_confidence,
        "role_evidence": s.role_evidence,
        "children": [_section_to_dict(c) for c in s.children],
    }


def _section_from_dict(d: dict[str, Any]) -> Section:
    return Section(
        heading=d["heading"],
        number=d["number"],
        level=int(d["level"]),
        role=d["role"],
        span=_span(d["span"]),
        heading_span=_span(d["heading_span"]),
        source_span=_span(d["source_span"]),
        children=[_section_from_dict(c) for c in d["children"]],
        split_from=d.get("split_from"),
        role_confidence=float(d.get("role_confidence", 1.0)),
        role_evidence=d.get("role_evidence", ""),
    )


def _item_to_dict(item: Item) -> dict[str, Any]:
    return {"text": item.text, "marker": item.marker, "heading": item.heading,
            "span": list(item.span), "source_span": list(item.source_span)}


def _item_from_dict(d: dict[str, Any]) -> Item:
    return Item(d["text"], d["marker"], _span(d["span"]), _span(d["source_span"]), d.get("heading", ""))


def _meta_from_dict(d: dict[str, Any]) -> ReportMeta:
    fields: dict[str, Any] = dict(d)
    for key in ("pub_date_span", "source_span", "publisher_span", "index_number_span"):  # JSON lists back to span tuples
        if fields.get(key) is not None:
            fields[key] = _span(fields[key])
    return ReportMeta(**fields)


def _span(v: list[int]) -> tuple[int, int]:
    return (int(v[0]), int(v[1]))


def report_to_dict(report: Report, include_text: bool = True) -> dict[str, Any]:
    """JSON-safe form of a parsed report (see the module docstring)."""
    src = report.source
    source: dict[str, Any] = {
        "path": src.path, "name": src.name, "format": src.format, "encoding": src.encoding,
        "sha256": src.sha256, "size_bytes": src.size_bytes, "page_starts": list(src.page_starts),
        "metadata": dict(src.metadata),
    }
    clean: dict[str, Any] = {
        "masked_spans": [list(s) for s in report.clean.masked_spans],
        "removals": [{"source_span": list(r.source_span), "reason": r.reason} for r in report.clean.removals],
    }
    if include_text:
        source["text"] = src.text
        clean["text"] = report.clean.text
        clean["offset_runs"] = _offset_runs(report.clean.offsets)
    return {
        "schema": SCHEMA_VERSION,
        "report_id": report.report_id,
        "meta": asdict(report.meta),
        "warnings": [{"code": w.code, "message": w.message} for w in report.warnings],
        "sections": [_section_to_dict(s) for s in report.sections],
        "problems": [_item_to_dict(i) for i in report.problems],
        "plans": [_item_to_dict(i) for i in report.plans],
        # required parts: "present" | "folded" | "undetermined" (rag.report.parts); derived, not restored
        "parts": part_statuses(report),
        "source": source,
        "clean": clean,
    }


def report_from_dict(d: dict[str, Any]) -> Report:
    """Inverse of ``report_to_dict(report, include_text=True)``."""
    if d.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"parsed-report schema {d.get('schema')!r} is not {SCHEMA_VERSION}; re-parse the file")
    src, cl = d["source"], d["clean"]
    if "text" not in src or "text" not in cl:
        raise ValueError("this report dict was written with include_text=False and cannot be restored")
    source = SourceDocument(
        path=src["path"], name=src["name"], text=src["text"], format=src["format"], encoding=src["encoding"],
        sha256=src["sha256"], size_bytes=int(src["size_bytes"]), page_starts=tuple(src["page_starts"]),
        metadata=dict(src["metadata"]),
    )
    clean = CleanText(
        text=cl["text"],
        offsets=_offsets_from_runs(cl["offset_runs"]),
        masked_spans=tuple(_span(s) for s in cl["masked_spans"]),
        removals=tuple(Removal(_span(r["source_span"]), r["reason"]) for r in cl["removals"]),
    )
    return Report(
        report_id=d["report_id"],
        source=source,
        clean=clean,
        meta=_meta_from_dict(d["meta"]),
        sections=[_section_from_dict(s) for s in d["sections"]],
        problems=[_item_from_dict(i) for i in d["problems"]],
        plans=[_item_from_dict(i) for i in d["plans"]],
        warnings=[ParseWarning(w["code"], w["message"]) for w in d["warnings"]],
    )
