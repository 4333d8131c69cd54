"""文号 (document numbers): 潼府办〔2021〕10号 in every bracket style people type.

Official numbers use 〔〕 (GB/T 9704), but pages and questions write [], ［］, 【】, （） or () and add
spaces or 第; all of them are the same number.
"""

from __future__ import annotations

import re

# group 1: the issuer's prefix (潼府办), group 2: the year, group 3: the serial number.
DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,12})\s*[〔\[［【（(]\s*((?:19|20)\d{2})\s*[〕\]］】）)]\s*第?\s*(\d{1,4})\s*号"
)
_BRACKETS = str.maketrans({"[": "〔", "［": "〔", "【": "〔", "(": "〔", "（": "〔",
                           "]": "〕", "］": "〕", "】": "〕", ")": "〕", "）": "〕"})


def normalize_doc_number(text: str) -> str:
    """The comparable form of a 文号: no spaces, no 第, brackets as 〔〕."""
    flat = re.sub(r"\s+", "", text).translate(_BRACKETS)
    return re.sub(r"〕第(\d)", r"〕\1", flat)


def find_doc_numbers(text: str) -> list[str]:
    """The 文号 in ``text`` as written."""
    return [m.group(0) for m in DOC_NUMBER.finditer(text)]
