"""Word (.docx) reader: paragraphs and tables in document order, automatic list numbers rendered.

Split from ``rag.ingest.readers`` (which owns the public API and the error wording) to keep modules small.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from rag.core.errors import ReaderError
from rag.lang.figures import int_to_cn

if TYPE_CHECKING:  # python-docx is imported when a .docx is read, not with the module
    from docx.document import Document
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph


def read_docx(raw: bytes, where: str) -> tuple[str, dict[str, str]]:
    """Text of a .docx (one paragraph or table row per line) and its core properties."""
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReaderError(
            where, "这是旧版 Word .doc 文件，只是扩展名为 .docx（legacy .doc）。请用 Word 或 WPS 另存为 .docx。"
        )
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ReaderError(
            where, "不是有效的 Word .docx 文件（not a .docx / corrupt）。请用 Word 或 WPS 重新另存为 .docx。"
        )
    import docx

    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx raises KeyError, PackageNotFoundError, XML errors…
        raise ReaderError(
            where,
            f"Word 文件已损坏，无法打开（corrupt .docx: {type(exc).__name__}）。请用 Word 或 WPS 重新另存为 .docx。",
        ) from exc
    lines: list[str] = []
    headings: list[str] = []
    _blocks(document.element.body, document, _Numbering(document), lines, headings)
    metadata: dict[str, str] = {}
    if headings:  # a hint for the structure parser (unnumbered headings); the text is unchanged
        metadata["heading_lines"] = "\n".join(headings)
    props = document.core_properties
    for key in ("title", "author", "subject"):
        value = getattr(props, key, None)
        if value:
            metadata[key] = str(value)
    if props.created:
        metadata["created"] = props.created.isoformat()
    return "\n".join(lines), metadata


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


_NUM_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "chineseCounting": int_to_cn,
    "chineseCountingThousand": int_to_cn,
    "chineseLegalSimplified": int_to_cn,
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalFullWidth": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
    "lowerLetter": lambda n: chr(ord("a") + (n - 1) % 26),
    "upperLetter": lambda n: chr(ord("A") + (n - 1) % 26),
}


class _Numbering:
    """Word's automatic list numbers ("一、", "（一）", "1.") are not in ``paragraph.text``;
    rebuild them from numbering.xml so numbered headings keep their numbers."""

    def __init__(self, document: Document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in root.iterchildren(_W + "abstractNum"):
            lvls = {}
            for lvl in node.iterchildren(_W + "lvl"):
                fmt, text, start = lvl.find(_W + "numFmt"), lvl.find(_W + "lvlText"), lvl.find(_W + "start")
                lvls[int(lvl.get(_W + "ilvl", "0"))] = (
                    fmt.get(_W + "val", "decimal") if fmt is not None else "decimal",
                    text.get(_W + "val", "") if text is not None else "",
                    int(start.get(_W + "val", "1")) if start is not None else 1,
                )
            abstract[node.get(_W + "abstractNumId", "")] = lvls
        for num in root.iterchildren(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            if ref is not None:
                self.levels[num.get(_W + "numId", "")] = abstract.get(ref.get(_W + "val", ""), {})

    def label(self, paragraph: Paragraph) -> str:
        num_pr = self._num_pr(paragraph)
        if num_pr is None:
            return ""
        num_id_el, ilvl_el = num_pr.find(_W + "numId"), num_pr.find(_W + "ilvl")
        num_id = num_id_el.get(_W + "val", "0") if num_id_el is not None else "0"
        ilvl = int(ilvl_el.get(_W + "val", "0")) if ilvl_el is not None else 0
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counts = self.counters.setdefault(num_id, [0] * 10)
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else levels[ilvl][2]
        for deeper in range(ilvl + 1, len(counts)):
            counts[deeper] = 0
        fmt, text, _ = levels[ilvl]
        if fmt in ("bullet", "none") or not text:
            return ""

        def render(m: re.Match[str]) -> str:
            level = int(m.group(1)) - 1
            lfmt, _, lstart = levels.get(level, ("decimal", "", 1))
            return _NUM_FORMATS.get(lfmt, str)(counts[level] or lstart)

        return re.sub(r"%(\d)", render, text)

    @staticmethod
    def _num_pr(paragraph: Paragraph) -> BaseOxmlElement | None:
        p_pr = paragraph._p.pPr
        if p_pr is not None and p_pr.find(_W + "numPr") is not None:
            return p_pr.find(_W + "numPr")
        style = paragraph.style
        while style is not None:
            s_pr = style.element.find(_W + "pPr")
            if s_pr is not None and s_pr.find(_W + "numPr") is not None:
                return s_pr.find(_W + "numPr")
            style = style.base_style
        return None


def _blocks(parent: BaseOxmlElement, document: Document, numbering: _Numbering, lines: list[str],
            headings: list[str] | None = None) -> None:
    """Paragraphs and tables in document order, also inside content controls (w:sdt); the lines of
    paragraphs in a heading style (Heading 1-3 / 标题 1-3, or an outline level 1-3) go to ``headings``."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in parent.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            lines.append(numbering.label(paragraph) + paragraph.text)
            if headings is not None and paragraph.text.strip() and _is_heading_style(paragraph):
                headings.append(lines[-1].strip())
        elif tag == "tbl":
            _table_lines(Table(child, document), document, numbering, lines)
        elif tag == "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                _blocks(content, document, numbering, lines, headings)


_HEADING_STYLE = re.compile(r"^(heading|标题)\s*[1-3]$", re.I)


def _is_heading_style(paragraph: Paragraph) -> bool:
    """A heading by its style name or outline level (Word's navigation-pane headings)."""
    style = paragraph.style
    while style is not None:
        if _HEADING_STYLE.match(style.name or ""):
            return True
        style = style.base_style
    p_pr = paragraph._p.pPr
    level = p_pr.find(_W + "outlineLvl") if p_pr is not None else None
    return level is not None and level.get(_W + "val", "9") in ("0", "1", "2")


def _table_lines(table: Table, document: Document, numbering: _Numbering, lines: list[str]) -> None:
    """One line per row, cells joined by " | "; a row that is a single cell (a report laid out
    inside a one-cell table, a title row) keeps its paragraphs as lines."""
    for row in table.rows:
        cells: list[_Cell] = []
        for cell in row.cells:
            if not cells or cell._tc is not cells[-1]._tc:  # a merged cell repeats across its columns
                cells.append(cell)
        if len(cells) == 1:
            _blocks(cells[0]._tc, document, numbering, lines)
            continue
        texts = [" ".join(cell.text.split()) for cell in cells]
        if any(texts):
            lines.append(" | ".join(texts))
