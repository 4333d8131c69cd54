"""Traditional and simplified characters: one character for one, so offsets never move.

Reports from 香港/澳门/台湾-facing offices and some provincial sites are written in 繁體. Parsing reads
them through a same-length simplified *shadow* (rag.report.shadow); search must meet them too: a
user who types 「权责清单」 has to find 「權責清單」. OpenCC's character table (TSCharacters, shipped
with opencc-python-reimplemented) maps each traditional character to its simplified one; where it
offers several, the first is the common one. Phrase tables (TSPhrases) are left out on purpose: they
change lengths and would break the offsets that citations rely on.
"""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def _table(name: str = "TSCharacters") -> dict[int, str]:
    """ord(character) -> its counterpart in OpenCC's character table ``name`` (TSCharacters:
    traditional -> simplified, STCharacters: simplified -> traditional); {} when OpenCC is missing."""
    try:
        import opencc
    except ImportError:  # a declared dependency; without it traditional text stays as it is
        return {}
    path = Path(opencc.__file__).parent / "dictionary" / f"{name}.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[ord(source)] = target
    return table


def to_simplified(text: str) -> str:
    """``text`` with every traditional character replaced by its simplified one (same length)."""
    return text.translate(_table()) if text else text


def simplified_shadow(text: str) -> str:
    """Same-length simplified copy of a traditional-character text ("" when nothing changes)."""
    shadow = to_simplified(text)
    return shadow if shadow != text else ""


def to_traditional(text: str) -> str:
    """``text`` with each simplified character replaced by its first traditional one (same length).
    Only for the few characters the parser adds to a name it builds (办事处 → 辦事處); a report's own
    text is never converted this way (one simplified character can stand for several traditional ones)."""
    return text.translate(_table("STCharacters")) if text else text
