"""Read report files (.txt .md .html .htm .docx .pdf) into a ``SourceDocument``.

Every problem a user can cause (missing, empty, binary, too large, wrong format, corrupt, scanned
PDF) raises ``ReaderError(path, reason)`` whose reason says what is wrong and what to do, in
Chinese with a short English gloss. ``SourceDocument.text`` keeps the decoded text as it is (only
line endings are normalised to ``\\n``), because citations point into it.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.core.errors import ReaderError
from rag.core.types import SourceDocument
from rag.lang.page_labels import PUBLICATION_DATE_LABEL, PUBLISHER_LABEL, SOURCE_LABEL, in_either_script

if TYPE_CHECKING:  # lxml ships no types (no stubs installed): HtmlElement is Any to mypy, a name to the reader
    from lxml.html import HtmlElement

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
_FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
_SUPPORTED_LIST = " ".join(SUPPORTED_SUFFIXES)

# Magic numbers of files people rename by mistake; text files never start with these bytes.
_MAGIC: tuple[tuple[bytes, str], ...] = tuple(
    (magic, kind)
    for kind, magics in {
        "PNG 图片": [b"\x89PNG\r\n\x1a\n"], "JPEG 图片": [b"\xff\xd8\xff"], "GIF 图片": [b"GIF87a", b"GIF89a"],
        "PDF 文件（请把扩展名改为 .pdf）": [b"%PDF-"],
        "ZIP 压缩包或 Office 文档（.docx 请用 .docx 扩展名）": [b"PK\x03\x04"],
        "旧版 Office 文档（.doc/.xls）": [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"],
        "压缩包": [b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf\x27\x1c"], "可执行程序": [b"\x7fELF"],
    }.items()
    for magic in magics
)  # fmt: skip
# BOMs, longest first: the UTF-32 LE BOM begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2010-\u206f\u00b7]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_CHINESE_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


def read_file(path: str | Path, max_bytes: int) -> SourceDocument:
    """Read one report file; raise ``ReaderError`` with a user-facing reason when it cannot be used."""
    p = Path(path)
    where = str(p)
    if not p.exists():
        raise ReaderError(where, "文件不存在（file not found）。请检查路径和文件名。")
    if p.is_dir():
        raise ReaderError(where, "这是一个文件夹，不是文件（is a directory）。请指定文件，或让程序递归读取该文件夹。")
    suffix = p.suffix.lower()
    if suffix not in _FORMATS:
        raise ReaderError(
            where,
            f"不支持的文件类型 {suffix or '（无扩展名）'}（unsupported file type）。支持：{_SUPPORTED_LIST}。"
            "请另存为其中一种格式（例如 Word 另存为 .docx）。",
        )
    try:
        size = p.stat().st_size
        if size == 0:
            raise ReaderError(where, "文件为空（empty file）。请确认文件已完整保存或下载。")
        if size > max_bytes:  # checked before reading: a huge file is never loaded
            raise ReaderError(
                where,
                f"文件过大（file too large）：{_mb(size)} MB，超过上限 {_mb(max_bytes)} MB。"
                "请拆分文件，或在设置中调大 ingest.max_file_mb（环境变量 REPORTQA_INGEST__MAX_FILE_MB）。",
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise ReaderError(where, f"无法读取文件（cannot read）：{exc.strerror or exc}。请检查文件权限。") from exc
    fmt = _FORMATS[suffix]
    metadata: dict[str, str] = {}
    page_starts: tuple[int, ...] = ()
    if fmt in ("txt", "md") and _HTML_START.match(raw[:2048]):
        fmt = "html"  # a saved web page with a .txt name: extract the page's main text
        metadata["saved_as"] = suffix
    if fmt in ("txt", "md"):
        text, encoding = decode_text_bytes(raw, where)
    elif fmt == "html":
        text, encoding, html_meta = _read_html(raw, where)
        metadata.update(html_meta)
    elif fmt == "docx":
        from rag.ingest.docx import read_docx

        text, metadata = read_docx(raw, where)
        encoding = "docx"
    else:
        text, page_starts, metadata = _read_pdf(raw, where)
        encoding = "pdf"
    text = normalize_newlines(text)
    if not text.strip():
        raise ReaderError(where, "文件中没有文字内容（no text found）。请确认这是一份报告正文。")
    return SourceDocument(
        path=where,
        name=p.name,
        text=text,
        format=fmt,  # type: ignore[arg-type]
        encoding=encoding,
        sha256=hashlib.sha256(raw).hexdigest(),
        size_bytes=size,
        page_starts=page_starts,
        metadata=metadata,
    )


def expand_inputs(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to read from files and folders (recursive, sorted, hidden files skipped).

    Missing paths and unsupported files become ``(path, message)`` problems instead of errors,
    so one bad entry never stops a batch.
    """
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            files.append(p)

    for entry in paths:
        p = Path(entry).expanduser()
        if p.is_dir():
            found = False
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p).parts
                if any(part.startswith((".", "~$")) for part in rel) or not child.is_file():
                    continue
                found = True
                if child.suffix.lower() in _FORMATS:
                    add(child)
                else:
                    problems.append((str(child), f"跳过：不支持的文件类型（unsupported）。支持：{_SUPPORTED_LIST}。"))
            if not found:
                problems.append((str(p), "文件夹中没有可读取的文件（empty folder）。"))
        elif p.is_file():
            if p.suffix.lower() in _FORMATS:
                add(p)
            else:
                problems.append((str(p), f"不支持的文件类型（unsupported file type）。支持：{_SUPPORTED_LIST}。"))
        else:
            problems.append((str(p), "文件或文件夹不存在（not found）。请检查路径。"))
    return files, problems


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".") or "0"


# ---------------------------------------------------------------------------------------------
# Plain text


def _binary_kind(raw: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    if b"\x00" in raw[:65536]:
        return "二进制文件"
    return None


def _looks_cjk(text: str) -> bool:
    """Most non-ASCII characters are CJK ideographs or CJK punctuation."""
    non_ascii = [c for c in text[:200_000] if ord(c) > 127]
    if not non_ascii:
        return True
    return sum(1 for c in non_ascii if _CJK.match(c)) / len(non_ascii) >= 0.9


def _control_ratio(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    bad = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    return bad / len(sample)


def decode_text_bytes(raw: bytes, where: str = "") -> tuple[str, str]:
    """Decode text bytes: BOM, strict UTF-8, GB18030 when it reads as Chinese, charset-normalizer,
    then UTF-8 with replacements. Raises ``ReaderError`` for binary content."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            name = {"utf-8-sig": "utf-8-sig"}.get(codec, codec + ("-le" if bom[0] == 0xFF else "-be"))
            try:
                return raw.decode(codec), name
            except UnicodeDecodeError:
                return raw.decode(codec, errors="replace"), f"{name} (with replacements)"
    kind = _binary_kind(raw)
    if kind == "二进制文件":  # NUL bytes: maybe UTF-16 written without a BOM
        for codec in ("utf-16-le", "utf-16-be"):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if _looks_cjk(text) and _control_ratio(text) < 0.01:
                return text, codec
    if kind:
        gap = " " if kind[0].isascii() else ""
        raise ReaderError(
            where, f"这是{gap}{kind}，不是文本文件（binary file）。请提供报告的文本、网页、Word 或 PDF 文件。"
        )
    text, encoding = _decode_unmarked(raw)
    if _control_ratio(text) > 0.02:
        raise ReaderError(
            where, "文件含大量控制字符，不是文本文件（binary file）。请提供报告的文本、Word 或 PDF 文件。"
        )
    if text.count("\ufffd") > max(20, len(text) // 10):
        raise ReaderError(where, "无法识别文件编码（undecodable text）。请用 UTF-8 编码另存后再导入。")
    return text, encoding


def _decode_unmarked(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
        if _looks_cjk(text):
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    return raw.decode("utf-8", errors="replace"), "utf-8 (with replacements)"


# ---------------------------------------------------------------------------------------------
# HTML


def decode_html_bytes(raw: bytes, where: str = "") -> tuple[str, str]:
    """Decode an HTML page, trusting a BOM, then the declared <meta charset>, then sniffing."""
    if not any(raw.startswith(bom) for bom, _ in _BOMS):
        m = _META_CHARSET.search(raw[:8192])
        if m:
            declared = m.group(1).decode("ascii", "ignore").lower()
            codec = _CHINESE_ALIASES.get(declared, declared)
            try:
                codecs.lookup(codec)
                return raw.decode(codec), codec
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration is common: sniff instead
    return decode_text_bytes(raw, where)


def _read_html(raw: bytes, where: str) -> tuple[str, str, dict[str, str]]:
    import trafilatura
    from trafilatura.settings import Document

    html, encoding = decode_html_bytes(raw, where)
    html = _XML_DECL.sub("", html, count=1)
    metadata: dict[str, str] = {}
    tree = _parse_html(html)
    if tree is not None:
        titles = tree.xpath("//title")
        if titles:
            metadata["html_title"] = " ".join(titles[0].text_content().split())
    text = ""
    try:
        doc = trafilatura.bare_extraction(
            html,
            include_tables=True,
            include_comments=False,
            include_images=False,
            favor_recall=True,
            deduplicate=False,
            with_metadata=True,
        )
    except Exception:  # trafilatura fails on some malformed pages; the lxml fallback covers them
        doc = None
    if isinstance(doc, Document):  # a dict only with as_dict=True, which is not asked for
        text = doc.text or ""
        for key in ("title", "date", "sitename", "author"):
            value = getattr(doc, key, None)
            if value:
                metadata[key] = str(value)
    metadata["extractor"] = "trafilatura"
    if not text.strip() and tree is not None:
        text = _lxml_text(tree)
        metadata["extractor"] = "lxml"
    if "title" not in metadata and "html_title" in metadata:
        metadata["title"] = metadata["html_title"]
    info_lines = _page_info_lines(tree, text) if tree is not None else []
    if info_lines:  # the extractor dropped them; they carry the publication date and 来源
        text = "\n".join(info_lines) + "\n" + text
        metadata["page_info_lines"] = str(len(info_lines))
    headings = _html_heading_lines(tree, text) if tree is not None else []
    if headings:  # a hint for the structure parser (unnumbered headings); the text is unchanged
        metadata["heading_lines"] = "\n".join(headings)
    if not text.strip():
        raise ReaderError(where, "网页中没有找到正文（no main text found in the page）。请确认页面包含报告全文。")
    return text, encoding, metadata


# simplified and traditional labels: a 繁體 page (or the 繁体 view of a portal) keeps the same furniture.
# 发布机构/发布单位 rows of the 政府信息公开 grid above the title name the body that posted the page.
_PAGE_INFO_LABEL = re.compile("|".join(
    rf"{in_either_script(label)}\s*[:：]" for label in (PUBLICATION_DATE_LABEL, SOURCE_LABEL, PUBLISHER_LABEL)))
# a grid cell holding only its label (「发布日期：」): the value stands in the next cell of the same row
_LABEL_ONLY = re.compile(r"^[\u4e00-\u9fff\s]{2,8}[:：]\s*$")


def _page_info_lines(tree: HtmlElement, text: str) -> list[str]:
    """Publication-date and 来源 lines of the page (innermost short element holding the label) that
    the main-text extractor left out; the cleaner later takes them out of the body as page info."""
    squeezed = "".join(text.split())
    out: list[str] = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in _CHROME_TAGS:
            continue
        line = " ".join(el.text_content().split())
        if not line or len(line) > 150 or not _PAGE_INFO_LABEL.search(line):
            continue
        if any(isinstance(c.tag, str) and _PAGE_INFO_LABEL.search(c.text_content()) for c in el.iterdescendants()):
            continue  # a child holds the label: take the innermost element
        row = el.getparent()
        if el.tag in ("td", "th") and _LABEL_ONLY.match(line) and row is not None and row.tag == "tr":
            # 「发布日期：」|「2024-01-15」: the row carries label and value, a cell to a word
            line = " ".join(" ".join(c.text_content().split()) for c in row if isinstance(c.tag, str)).strip()
        if "".join(line.split()) not in squeezed and line not in out:
            out.append(line)
    return out[:3]


def _html_heading_lines(tree: HtmlElement, text: str) -> list[str]:
    """Lines of the extracted ``text`` that the page marks as headings: <h1>-<h6>, or a block whose
    whole text is bold (<p><strong>…</strong></p>). Compared without spaces, as extractors re-space."""
    marked: set[str] = set()
    for el in tree.xpath("//h1 | //h2 | //h3 | //h4 | //h5 | //h6 | //p[strong or b] | //div[strong or b]"):
        whole = "".join(el.text_content().split())
        if el.tag in ("p", "div"):
            bold = "".join("".join(b.text_content().split()) for b in el.xpath("./strong | ./b"))
            if bold != whole:
                continue
        if 2 <= len(whole) <= 60:
            marked.add(whole)
    return [line.strip() for line in text.splitlines() if line.strip() and "".join(line.split()) in marked]


def _parse_html(html: str) -> HtmlElement | None:
    import lxml.html

    try:
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except Exception:  # lxml raises several types for junk input; no tree means no fallback
        return None


_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
    "blockquote", "pre", "ul", "ol", "dd", "dt",
}  # fmt: skip
_CHROME_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "select")


def _lxml_text(tree: HtmlElement) -> str:
    """Text of a page when trafilatura finds no main content: scripts and nav dropped, blocks on lines."""
    for el in tree.xpath("//" + " | //".join(_CHROME_TAGS)):
        el.drop_tree()
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("td", "th"):
            el.tail = " | " + (el.tail or "")
        elif el.tag in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
    body = tree.find("body")
    text = (body if body is not None else tree).text_content()
    lines = (" ".join(line.split()).strip(" |") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------
# PDF

_MIN_CHARS_PER_PAGE = 10


def _read_pdf(raw: bytes, where: str) -> tuple[str, tuple[int, ...], dict[str, str]]:
    if b"%PDF-" not in raw[:1024]:
        raise ReaderError(where, "不是 PDF 文件（no %PDF header）。请确认文件类型，或改用正确的扩展名。")
    import logging

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReaderError(where, "PDF 已加密，需要密码（encrypted PDF）。请先解除密码保护后再导入。")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReaderError:
        raise
    except (FileNotDecryptedError, NotImplementedError) as exc:
        raise ReaderError(where, f"PDF 已加密，无法读取（encrypted PDF: {exc}）。请先解除密码保护后再导入。") from exc
    except Exception as exc:  # pypdf raises many types (PdfReadError, ValueError…) for damaged files
        raise ReaderError(
            where, f"PDF 文件已损坏，无法读取（corrupt PDF: {type(exc).__name__}）。请重新导出或下载该 PDF。"
        ) from exc
    if not pages:
        raise ReaderError(where, "PDF 没有页面（no pages）。请重新导出或下载该 PDF。")
    visible = [len("".join(p.split())) for p in pages]
    if sum(visible) < _MIN_CHARS_PER_PAGE * len(pages):
        raise ReaderError(
            where,
            "这是扫描版 PDF，没有文字层（scanned PDF, no text layer）。请先做文字识别（OCR），"
            "例如 `ocrmypdf -l chi_sim 输入.pdf 输出.pdf`，再导入输出文件。",
        )
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for page_text in pages:
        page_text = normalize_newlines(page_text).rstrip("\n")
        starts.append(offset)
        parts.append(page_text)
        offset += len(page_text) + 1
    metadata = {"pages": str(len(pages))}
    empty = [str(i + 1) for i, n in enumerate(visible) if n < _MIN_CHARS_PER_PAGE]
    if empty:
        metadata["pages_without_text"] = ",".join(empty)
    info: Mapping[str, Any] = reader.metadata or {}
    for key, name in (("/Title", "title"), ("/Author", "author")):
        value = re.sub(r"^Microsoft Word - ", "", str(info.get(key) or "")).strip()
        if value and value.lower() not in ("untitled", "无标题", "anonymous"):  # tool defaults, not data
            metadata[name] = value
    return "\n".join(parts), tuple(starts), metadata
