"""Word segmentation: jieba with the domain dictionary, through tokenizers of our own.

jieba's process-wide tokenizer (``jieba.dt``) is left untouched: a host application, or a test, that
uses jieba gets jieba as shipped, and our dictionary cannot leak into it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

DOMAIN_DICT = Path(__file__).resolve().parent.parent / "resources" / "domain_dict.txt"

_lock = threading.Lock()
_cache: dict[str, Any] = {}  # "cut" / "pos": built once; jieba tokenizers ship no type information


def tokenizer() -> Any:
    """A ``jieba.Tokenizer`` of our own with the domain dictionary (loaded once, quietly)."""
    with _lock:
        if "cut" not in _cache:
            try:
                import jieba
            except ImportError as exc:  # pragma: no cover - declared dependency
                raise ImportError("Chinese word segmentation needs jieba: pip install jieba") from exc
            jieba.setLogLevel(logging.WARNING)  # jieba logs "Building prefix dict..." to stderr
            tok = jieba.Tokenizer()
            tok.initialize()
            tok.load_userdict(str(DOMAIN_DICT))
            _cache["cut"] = tok
        return _cache["cut"]


def pos_tokenizer() -> Any:
    """A ``jieba.posseg.POSTokenizer`` over :func:`tokenizer` (words with part-of-speech tags)."""
    cut = tokenizer()
    with _lock:
        if "pos" not in _cache:
            import jieba.posseg

            _cache["pos"] = jieba.posseg.POSTokenizer(cut)
        return _cache["pos"]


def word_tag(word: str) -> str | None:
    """jieba's dictionary tag of ``word`` (ns, n, v …), or None if the dictionary lacks it."""
    return pos_tokenizer().word_tag_tab.get(word)


def word_frequency(word: str) -> int:
    return int(tokenizer().FREQ.get(word, 0))


def cut_at_word(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` characters that ends at a word boundary
    (jieba with the domain dictionary), so that 完善依法行政制度体系 becomes 完善依法行政制度, never 完善依法行."""
    if len(text) <= limit:
        return text
    out = ""
    for word in tokenizer().cut(text, HMM=False):
        if len(out) + len(word) > limit:
            break
        out += word
    return out


def starts_predicate(text: str) -> bool:
    """Whether ``text`` begins with a predicate, as the words after a sentence's subject do: a common
    verb, an adverb, a preposition or a fixed phrase (「坚持以…」, 「深入学习…」, 「在区委…」, 「认真落实…」).
    A noun or a verbal noun (「教育系统…」, 「党委、政府…」) does not. The domain dictionary tags
    phrases such as 认真落实 / 紧紧围绕 as z / l / i, so those count as predicates too."""
    if text.startswith(_ADVERBIAL_NOUNS):
        return True
    for pair in pos_tokenizer().lcut(text[:8]):
        flag = pair.flag
        if flag == "vn":
            return False
        return flag[:1] in ("d", "p", "a", "z", "l", "i") or (flag[:1] == "v" and word_frequency(pair.word) >= 300)
    return False


# Words jieba tags as nouns that stand before a verb as adverbs in these reports (「全面贯彻」, 「着力推进」).
_ADVERBIAL_NOUNS = ("全面", "着力", "锚定")
