"""Rewrite the five sample reports into variants the parser has never seen (issue 11).

Each variant changes one surface property of a sample and keeps its labels (tests/data/
sample_labels.jsonl: title, issuer, level, year, the first and last statements of the problems
and plans sections), so the parse of the variant can be scored against the same truth:

* ``reword``      the problems/plans headings get other reports' wordings
* ``renumber``    top-level numbering 一、 becomes 第一部分 or 一．
* ``unnumbered``  top-level headings lose their numbering
* ``traditional`` the whole text in traditional characters (OpenCC s2t)
* ``docx`` / ``docx_unnumbered``  a Word file, top-level headings in the "Heading 1" style
* ``html`` / ``html_unnumbered``  a web page, top-level headings in <h2>
* ``pdf``         a PDF with hard line breaks every ~36 characters

Every variant also rewords the problems/plans headings from one of two disjoint wording pools:
``dev`` (may be used while tuning the parser) and ``heldout`` (never put in any lexicon: it measures
whether roles generalise). ``write_variant`` writes one variant file and returns its labels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
LABELS = Path(__file__).resolve().parent / "data" / "sample_labels.jsonl"

KINDS = ("reword", "renumber", "unnumbered", "traditional", "docx", "docx_unnumbered", "html",
         "html_unnumbered", "pdf")
POOLS = ("dev", "heldout")

# Heading wordings seen in other reports (docs/report-patterns.md §7, domain notes §3.3). The two
# pools share no wording; the held-out pool includes phrasings no lexicon names.
WORDINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "dev": {
        "problems": ("存在的不足和差距", "主要问题", "工作中存在的短板", "问题和不足", "需要改进的地方"),
        "plans": ("下一步工作打算", "下步工作计划", "今后工作思路", "明年重点工作", "努力方向"),
        "merged": ("存在的问题和下一步打算", "问题不足及今后工作思路"),
    },
    "heldout": {
        "problems": ("还需提升的方面", "检视发现的薄弱环节", "有待改进的事项", "自查中发现的弱项", "不足之处及成因"),
        "plans": ("来年工作谋划", "下阶段工作重点", "改进方向和措施", "持续推进的重点任务", "整改措施与打算"),
        "merged": ("短板弱项与来年谋划", "不足之处和改进方向"),
    },
}

_TOP = re.compile(r"^([ \t\u3000]*)([一二三四五六七八九十]{1,3})、[ \t\u3000]*", re.M)


@dataclass(frozen=True)
class Variant:
    sample: str  # file name of the sample
    kind: str
    pool: str

    @property
    def name(self) -> str:
        return f"{Path(self.sample).stem}__{self.kind}__{self.pool}"


def load_labels() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]


def all_variants(pool: str) -> list[Variant]:
    return [Variant(lab["file"], kind, pool) for lab in load_labels() for kind in KINDS]


def _to_traditional(text: str) -> str:
    import opencc  # opencc-python-reimplemented (test dependency)

    return str(opencc.OpenCC("s2t").convert(text))


def _reworded(text: str, label: dict[str, Any], pool: str, seed: int) -> str:
    """The sample with its problems/plans heading titles replaced by pool wordings."""
    words = WORDINGS[pool]
    merged = not label["plans_heading"]
    for role in ("problems", "plans"):
        heading = label[f"{role}_heading"]
        if not heading:
            continue
        number = re.match(r"[一二三四五六七八九十]+、", heading)
        prefix = number.group(0) if number else ""
        choices = words["merged" if merged else role]
        new = prefix + choices[seed % len(choices)]
        text = text.replace(heading, new, 1)
    return text


def _renumbered(text: str, seed: int) -> str:
    if seed % 2 == 0:
        return _TOP.sub(lambda m: f"{m.group(1)}第{m.group(2)}部分 ", text)
    return _TOP.sub(lambda m: f"{m.group(1)}{m.group(2)}．", text)


def _unnumbered(text: str) -> str:
    return _TOP.sub(lambda m: m.group(1), text)


def _top_heading_lines(text: str) -> set[int]:
    """Indices (in ``text.splitlines()``) of top-level heading lines (一、…)."""
    return {i for i, line in enumerate(text.splitlines()) if _TOP.match(line) and len(line.strip()) <= 60}


def _write_docx(text: str, path: Path, unnumbered: bool) -> None:
    import docx

    document = docx.Document()
    heads = _top_heading_lines(text)
    for i, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        if i in heads:
            document.add_paragraph(_unnumbered(line).strip() if unnumbered else line.strip(), style="Heading 1")
        else:
            document.add_paragraph(line.strip())
    document.save(str(path))


def _write_html(text: str, path: Path, title: str, unnumbered: bool) -> None:
    from html import escape

    heads = _top_heading_lines(text)
    parts = [f"<html><head><meta charset='utf-8'><title>{escape(title)}</title></head><body><article>"]
    for i, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        if i in heads:
            parts.append(f"<h2>{escape(_unnumbered(line).strip() if unnumbered else line.strip())}</h2>")
        else:
            parts.append(f"<p>{escape(line.strip())}</p>")
    parts.append("</article></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def _write_pdf(text: str, path: Path, width: int = 36) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    lines: list[str] = []
    for para in text.splitlines():
        para = para.strip()
        while para:
            lines.append(para[:width])
            para = para[width:]
    c = canvas.Canvas(str(path), pagesize=A4)
    per_page = 38
    for page in range(0, len(lines), per_page):
        c.setFont("STSong-Light", 12)
        y = 800
        for line in lines[page : page + per_page]:
            c.drawString(40, y, line)
            y -= 20
        c.showPage()
    c.save()


def _convert_label(label: dict[str, Any], convert: Any) -> dict[str, Any]:
    out = dict(label)
    for key in ("title", "issuer", "problems_first", "problems_last", "plans_first", "plans_last"):
        if isinstance(out.get(key), str):
            out[key] = convert(out[key])
    return out


def write_variant(variant: Variant, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Write ``variant`` into ``folder``; returns (file path, labels for that file)."""
    labels = {lab["file"]: lab for lab in load_labels()}
    label = dict(labels[variant.sample])
    seed = sorted(labels).index(variant.sample) + KINDS.index(variant.kind)
    text = (SAMPLES / variant.sample).read_text(encoding="utf-8")
    text = _reworded(text, label, variant.pool, seed)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / variant.name
    if variant.kind == "renumber":
        text = _renumbered(text, seed)
    elif variant.kind == "unnumbered":
        text = _unnumbered(text)
    elif variant.kind == "traditional":
        text = _to_traditional(text)
        label = _convert_label(label, _to_traditional)
    if variant.kind in ("docx", "docx_unnumbered"):
        path = stem.with_suffix(".docx")
        _write_docx(text, path, unnumbered=variant.kind.endswith("unnumbered"))
    elif variant.kind in ("html", "html_unnumbered"):
        path = stem.with_suffix(".html")
        _write_html(text, path, label["title"], unnumbered=variant.kind.endswith("unnumbered"))
    elif variant.kind == "pdf":
        path = stem.with_suffix(".pdf")
        _write_pdf(text, path)
    else:
        path = stem.with_suffix(".txt")
        path.write_text(text, encoding="utf-8")
    label["file"] = path.name
    label["variant"] = variant.kind
    return path, label
