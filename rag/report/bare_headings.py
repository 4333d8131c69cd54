"""Top-level headings without numbering ("存在的不足和原因" standing alone on its line).

Two kinds of evidence, used only when the body has no top-level numbering (一、 / 第一部分):

* reader hints: lines a .docx marks with a heading style, or a web page with <h1>-<h6> / an
  all-bold block (``SourceDocument.metadata["heading_lines"]``, one heading per line; the text
  itself is never changed by the reader);
* line shape: a short line
  without sentence punctuation, with running text (or a numbered sub-heading) after it and not
  directly after another such line (two short lines in a row are a signature or a title block).

A bare heading is ranked above every numbered heading (rank 0, like 第一部分), so the (一)/1.
headings below it become its children.
"""

from __future__ import annotations

import re

from rag.report.headings import HeadingMatch, Line, match_heading
from rag.report.roles import heading_role

MAX_BARE_HEADING = 30
MAX_HINTED_HEADING = 60
_NOT_HEADING_PUNCT = re.compile(r"[。！？!?；;：:|]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RUNIN_START = re.compile(r"^[\s*]*[一二三四五六七八九十]{1,3}是")
_DATE_LIKE = re.compile(r"^\s*(19|20)\d{2}\s*年(\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?)?\s*$")
_SLOGAN_END = re.compile(r"[，,、]$")
# a line that is only a body's name (a 来源 value, a signature) is no heading
_ORG_ONLY = re.compile(r"(人民政府|政府|办事处|管委会|委员会|局|厅|办公室)$")


def hinted_texts(metadata: dict[str, str]) -> set[str]:
    """Heading lines a reader marked, compared without spaces."""
    return {"".join(t.split()) for t in metadata.get("heading_lines", "").splitlines() if t.strip()}


def _shape_ok(text: str, limit: int) -> bool:
    t = text.strip().strip("*")
    return (
        4 <= len(t) <= limit
        and len(_CJK.findall(t)) >= 4
        and not _NOT_HEADING_PUNCT.search(t)
        and not _SLOGAN_END.search(t)
        and not _RUNIN_START.match(t)
        and not _DATE_LIKE.match(t)
        and not _ORG_ONLY.search(t)
    )


def _is_body(line: Line) -> bool:
    return len(line.text.strip()) >= 40 or match_heading(line.text) is not None


def _match(line: Line, number: int) -> HeadingMatch:
    lead = len(line.text) - len(line.text.lstrip(" \t\u3000*"))
    end = len(line.text.rstrip(" \t\u3000*"))
    return HeadingMatch("bare", 0, number, "", lead, lead, end)


def bare_headings(lines: list[Line], hinted: set[str], has_top_numbering: bool) -> list[tuple[Line, HeadingMatch]]:
    """Unnumbered top-level heading lines among ``lines`` (body lines), in order (see module doc)."""
    found: list[tuple[Line, HeadingMatch]] = []
    previous_candidate = False
    for i, line in enumerate(lines):
        if match_heading(line.text) is not None:
            previous_candidate = False
            continue
        squeezed = "".join(line.text.split())
        # with 一、 numbering present, a bold or styled unnumbered line is emphasis inside a part
        by_hint = not has_top_numbering and squeezed in hinted and _shape_ok(line.text, MAX_HINTED_HEADING)
        by_shape = (not has_top_numbering and _shape_ok(line.text, MAX_BARE_HEADING)
                    and i + 1 < len(lines) and _is_body(lines[i + 1]) and not previous_candidate)
        # the wording of a required part (「存在的不足和原因」) makes a heading even when what follows is a
        # short lead line (「存在的问题主要有：」) or one-line items
        by_wording = (not has_top_numbering and _shape_ok(line.text, MAX_BARE_HEADING) and i + 1 < len(lines)
                      and heading_role(line.text) in ("problems", "plans", "merged"))
        if by_hint or by_shape or by_wording:
            found.append((line, _match(line, len(found) + 1)))
        previous_candidate = _shape_ok(line.text, MAX_BARE_HEADING)
    if len(found) < 2:  # one short line is an odd sentence, not a structure
        return []
    return found
