"""The one sentence splitter. Offsets are kept: every span indexes the text it was given.

Whether ； ends a sentence depends on the use, so it is an option: chunking and summaries split
enumerations at ； (each clause is a statement of its own), while answer verification keeps a
sentence with its ；-joined clauses, since a model writes them as one claim.
"""

from __future__ import annotations

import re

FULL_STOPS = "。！？!?"
SEMICOLONS = "；;"
CLOSERS = "”’」』）)】》\"'"
FULL_STOP = re.compile(f"[{FULL_STOPS}]")  # a full stop anywhere: a line holding one is running text


def sentence_spans(
    text: str,
    start: int = 0,
    end: int | None = None,
    *,
    semicolons: bool = False,
    trailing: re.Pattern[str] | None = None,
) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text[start:end]``, whitespace-trimmed, in order.

    A sentence ends after 。！？!? (and ；; with ``semicolons``), together with the closing quotes
    and further end marks right after it, or at a line break. ``trailing`` (e.g. citation markers
    [1]) is matched after the end mark and kept with the sentence before it.
    """
    stop = len(text) if end is None else end
    ends = FULL_STOPS + (SEMICOLONS if semicolons else "")
    spans: list[tuple[int, int]] = []
    begin = i = start
    while i < stop:
        ch = text[i]
        if ch in ends or ch == "\n":
            j = i + 1
            if ch != "\n":
                while j < stop and (text[j] in CLOSERS or text[j] in ends):
                    j += 1
                while trailing is not None and (m := trailing.match(text, j, stop)) and m.end() > j:
                    j = m.end()
            spans.append((begin, j))
            begin = i = j
        else:
            i += 1
    spans.append((begin, stop))
    return _trimmed(text, spans)


def _trimmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans without leading and trailing whitespace; empty ones dropped."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


CLAUSE_ENDS = "，,：:；;" + FULL_STOPS


def clause_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each clause of ``text[start:end]``: a run ending after ，：；。！？ (the mark kept),
    whitespace-trimmed. A mark inside quotes or 《》 does not end a clause, so a name stays whole."""
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    depth = 0
    begin = start
    for i in range(start, stop):
        ch = text[i]
        if ch in "“《「（(":
            depth += 1
        elif ch in "”》」）)" and depth:
            depth -= 1
        elif ch in CLAUSE_ENDS and not depth:
            spans.append((begin, i + 1))
            begin = i + 1
        elif ch == "\n":
            spans.append((begin, i))
            begin, depth = i + 1, 0
    spans.append((begin, stop))
    return _trimmed(text, spans)
