"""Reports in traditional characters: parse a simplified shadow, show and cite the original.

The shadow has the same length as the original (character-for-character conversion), so every
span found on the shadow is a span of the original. ``restore_original`` puts the original's
characters back into everything a user sees (headings, items, title, issuer); warnings and
evidence notes may quote the shadow.
"""

from __future__ import annotations

from dataclasses import replace

from rag.core.types import CleanText, Item, ParseWarning, Report, Section, SourceDocument
from rag.lang.script import simplified_shadow, to_traditional


def shadow_inputs(doc: SourceDocument, clean: CleanText) -> tuple[SourceDocument, CleanText] | None:
    """Simplified copies of ``doc`` and ``clean`` when the text has traditional characters, else None."""
    shadow = simplified_shadow(clean.text)
    if not shadow:
        return None
    source_shadow = simplified_shadow(doc.text) or doc.text
    metadata = {k: (simplified_shadow(v) or v) for k, v in doc.metadata.items()}
    return replace(doc, text=source_shadow, metadata=metadata), replace(clean, text=shadow)


class _Restorer:
    def __init__(self, doc: SourceDocument, clean: CleanText, shadow_doc: SourceDocument,
                 shadow_clean: CleanText) -> None:
        self.pairs = ((shadow_clean.text, clean.text), (shadow_doc.text, doc.text))
        self.metadata = {shadow_doc.metadata.get(k, ""): v for k, v in doc.metadata.items()}
        # simplified -> traditional as this very document writes it (辦 where the shadow has 办)
        self.back = {ord(a): b for a, b in zip(shadow_clean.text, clean.text, strict=False) if a != b}

    def original(self, shown: str, near: int = 0) -> str:
        """The original characters of a shadow string (found in the cleaned or source shadow)."""
        if not shown:
            return shown
        for shadow, original in self.pairs:
            pos = shadow.find(shown, max(0, near))
            if pos < 0:
                pos = shadow.find(shown)
            if pos >= 0:
                return original[pos : pos + len(shown)]
        if not any(ch.isspace() for ch in shown):  # a title joined from two lines: match across the break
            for shadow, original in self.pairs:
                kept = [i for i, ch in enumerate(shadow) if not ch.isspace()]
                pos = "".join(shadow[i] for i in kept).find(shown)
                if pos >= 0:
                    return "".join(original[i] for i in kept[pos : pos + len(shown)])
        for shadow, original in self.metadata.items():  # a title cut out of the page <title>
            pos = shadow.find(shown)
            if pos >= 0 and len(shadow) == len(original):
                return original[pos : pos + len(shown)]
        # a name built from the text (瓦店镇 + 人民政府, 蓮花街道 + 辦事處): restore the longest part the text
        # has, and write the added characters as the document writes them elsewhere
        for cut in range(len(shown) - 1, 1, -1):
            for shadow, original in self.pairs:
                pos = shadow.find(shown[:cut], max(0, near))
                if pos < 0:
                    pos = shadow.find(shown[:cut])
                if pos >= 0:
                    return original[pos : pos + cut] + to_traditional(shown[cut:].translate(self.back))
        return shown


def _restore_section(section: Section, text: str, restorer: _Restorer) -> None:
    start, end = section.heading_span
    if end > start:
        section.heading = text[start:end]
    else:
        section.heading = restorer.original(section.heading)
    if section.split_from:
        section.split_from = restorer.original(section.split_from)
    for child in section.children:
        _restore_section(child, text, restorer)


def _restore_item(item: Item, text: str, restorer: _Restorer) -> Item:
    return replace(item, text=text[item.span[0] : item.span[1]],
                   heading=restorer.original(item.heading, item.span[0] - 80))


def restore_original(report: Report, doc: SourceDocument, clean: CleanText) -> Report:
    """``report`` (parsed from the shadow) with the original document and characters."""
    restorer = _Restorer(doc, clean, report.source, report.clean)
    for section in report.sections:
        _restore_section(section, clean.text, restorer)
    meta = report.meta
    meta.title = restorer.original(meta.title)
    meta.issuing_body = restorer.original(meta.issuing_body)
    meta.region = restorer.original(meta.region)
    meta.doc_number = restorer.original(meta.doc_number)
    meta.signature = restorer.original(meta.signature)
    if meta.source_span:
        meta.source = doc.text[meta.source_span[0] : meta.source_span[1]]
    if meta.publisher_span:
        meta.publisher = doc.text[meta.publisher_span[0] : meta.publisher_span[1]]
    warnings = [*report.warnings, ParseWarning(
        "traditional_characters",
        "原文为繁体字：按简体对照分析，显示和引用的仍是原文（traditional characters, analysed on a simplified shadow）")]
    return replace(report, source=doc, clean=clean,
                   problems=[_restore_item(i, clean.text, restorer) for i in report.problems],
                   plans=[_restore_item(i, clean.text, restorer) for i in report.plans],
                   warnings=warnings)
