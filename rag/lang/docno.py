"""文号 (document numbers): 潼府办〔2021〕10号 in every bracket style people type.

Official numbers use 〔〕 (GB/T 9704), but pages and questions write [], ［］, 【】, （） or () and add
spaces or 第; all of them are the same number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


# Words an answer writes between its own text and the issuer prefix (「文号为潼南府办〔2021〕10号」): the
# capture of DOC_NUMBER runs over them, they are not part of the issuer.
_LEAD_WORDS = re.compile(r"^.*(?:文号|字号|编号|[为是即：:的])")
AGENCY_CODE = 2  # the issuer's last characters that name the kind of document (府办, 府发, 办字)


@dataclass(frozen=True)
class DocNumber:
    """A 文号 as a whole: the issuer prefix as written (lead words dropped), the year and the serial."""

    issuer: str
    year: int
    serial: int
    start: int  # where the 文号 (its bracket year and number, see rag.lang.figures) ends in the text
    end: int


def parse_doc_numbers(text: str) -> list[DocNumber]:
    return [DocNumber(_LEAD_WORDS.sub("", m.group(1)), int(m.group(2)), int(m.group(3)), m.start(), m.end())
            for m in DOC_NUMBER.finditer(text)]


def same_doc_number(claim: DocNumber, evidence: DocNumber) -> bool:
    """Whether an answer's 文号 names the passage's: the same year and serial, and the answer's issuer
    prefix is the end of the passage's, at least its agency code. So 南府办〔2021〕10号 or 府办〔2021〕10号
    for 潼南府办〔2021〕10号 (leading characters omitted), never 广府办 or 潼南府发 for it."""
    return (claim.year == evidence.year and claim.serial == evidence.serial
            and len(claim.issuer) >= AGENCY_CODE and evidence.issuer.endswith(claim.issuer))
