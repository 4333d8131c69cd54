"""Report metadata: title, issuing body, region, level, year reported on, 文号, date.

Both texts are used: the cleaned text for the title and body, the source text for what the cleaner
may have dropped as page chrome (publication dates, "来源：" lines, signature dates).

The title and 文号 lines at the top and the signature lines at the bottom belong to the metadata,
not to any section: ``locate_header`` and ``locate_trailer`` give the structure parser the bounds
of the report body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rag.core.types import CleanText, ParseWarning, ReportMeta, SourceDocument
from rag.ingest.clean import MASK
from rag.lang.docno import DOC_NUMBER
from rag.lang.page_labels import DATED_LABEL
from rag.lang.years import YEAR
from rag.report.headings import CN_DIGITS, Line, cn_to_int, match_heading, split_lines
from rag.report.issuer import (
    REGION,
    SIGNATURE_DATED,
    SIGNATURE_ORG,
    TITLE_ORG,
    find_issuer,
    org_from_title,
    signature_org,
)
from rag.report.line_shapes import HEADLINE, SALUTATION, SENTENCE_PUNCT

_TITLE_END = re.compile(r"(报告|总结|汇报)")
_TITLE_WORDS = re.compile(r"法治|依法行政|法制|依法治")
_CHROME = re.compile(r"小编|整理的|下面是|范文|供大家")
_DOC_NUMBER_LABEL = re.compile(r"^\s*(发文字号|文号|发文号)\s*[:：]\s*")
_DATE_CN = re.compile(rf"({YEAR}|[〇零○一二三四五六七八九]{{4}})\s*年\s*(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月\s*(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*日")
_DATE_ISO = re.compile(rf"(?<!\d)({YEAR})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?!\d)")
_PUB_LABEL = re.compile(rf"{DATED_LABEL}\s*[:：]?\s*")
_YEAR = re.compile(rf"({YEAR})\s*年")
_BODY_YEAR = re.compile(rf"(?<![\d—\-–~至])({YEAR})\s*年(?![\d—\-–~])")


def _is_title(text: str) -> bool:
    t = text.strip().strip("*")
    return (
        4 <= len(t) <= 80
        and bool(_TITLE_END.search(t) or _is_status_title(t))
        and bool(_TITLE_WORDS.search(t))
        and not SENTENCE_PUNCT.search(t)
        and not _LABEL_COLON.search(t)
        and not HEADLINE.match(t)
        and match_heading(t) is None
        and not _CHROME.search(t)
        and not _BASIS_START.match(t)
        and not _REPORTING_SENTENCE.search(t)
    )


# 「现将市人社局2019年度法治政府建设工作报告如下：」 is the sentence that submits the report, not its title,
# although it names the report and has no sentence punctuation before its colon (report-patterns §17).
_REPORTING_SENTENCE = re.compile(r"^现[将就]|如下\s*[:：]?$")


# A sentence that begins with its basis (「根据上级关于实行法治建设年度报告制度的要求，…」) is no title,
# however much title vocabulary its first clause has.
_BASIS_START = re.compile(r"(?:根据|按照|依据|依照|为了|遵照)")


# A title without a genre word, as provincial 厅 pages write it: 「XX厅2023年法治政府部门建设工作情况」.
# Only with a body or place in front of the year, so the bare section heading 「2023年法治政府建设情况」
# of an unnumbered report is not taken for a title.
_STATUS_END = re.compile(r"(建设|工作)(工作)?情况$")
_LABEL_COLON = re.compile(r"[\u4e00-\u9fff]\s*[:：]\s*\S")  # 「名 称：…」 rows and 「发布时间：…」 lines are not titles


def _is_status_title(t: str) -> bool:
    if not _STATUS_END.search(t):
        return False
    m = REGION.match(t)
    lead = TITLE_ORG.match(t)
    return bool((lead and lead.group(1)) or (m and m.group(1) and re.match(rf"\s*{YEAR}", t[m.end(1):])))


# A metadata row carrying the title (政府信息公开 tables): 「标 题：…」, 「名 称：…」, 「[ 标题 ] …」.
_TITLE_ROW = re.compile(r"^\s*[\[【［]?\s*(?:标\s*题|名\s*称|文\s*件\s*名\s*称)\s*[\]】］]?\s*[:：]?\s*(\S.*?)\s*$")
_ROW_LABEL = re.compile(r"\s*[\[【［]?\s*(?:文\s*号|发文字号|索\s*引\s*号|发布机构|成文日期|发布日期|主题分类|有\s*效\s*性)")


def _title_row(line: str) -> tuple[int, int] | None:
    """Offsets of the title value in a 「标 题：」/「名 称：」 row (cut where the next row label starts)."""
    m = _TITLE_ROW.match(line)
    if m is None:
        return None
    value_start = m.start(1)
    stop = _ROW_LABEL.search(line, value_start)
    value_end = stop.start() if stop else m.end(1)
    value = line[value_start:value_end].strip()
    half = len(value) // 2
    if len(value) % 2 == 0 and value[:half] == value[half:]:
        value = value[:half]  # the row joined with the title printed again under it (report-patterns §19)
    if (len(value) < 8 or not _TITLE_WORDS.search(value) or SENTENCE_PUNCT.search(value)
            or not (_TITLE_END.search(value) or _STATUS_END.search(value))):
        return None  # an empty or stray cell is no title
    return value_start, value_start + len(value)


# A transmittal letter in front of the report: salutation 「区委、区政府：」, a sentence submitting the
# report, the body's name and a date — and only then the report's own title.
_PAGE_NOTICE = re.compile(r"浏览器|瀏覽器|分辨率|请升级|請升級")
_SITE_SUFFIX = re.compile(r"\s*(?:[_|｜]|\s[-–—]+\s|--)\s*")


def _title_prefix(text: str) -> int | None:
    """Length of a title glued to the start of a paragraph (the cleaner joined the title line with
    the first sentence: "…情况的报告2020年，在区委…"), or None."""
    for m in _TITLE_END.finditer(text, 0, 80):
        prefix = text[: m.end()]
        rest = text[m.end() :].lstrip()
        if (_is_title(prefix) and rest and re.match(r"[\u4e00-\u9fff\d]", rest) and not _CHROME.search(prefix)
                and not rest.startswith("如下")):  # "现将…情况报告如下。" is a sentence
            return m.end()
    return None


_SIGNER = re.compile(r"\s*(签发人|簽發人)\s*[:：].*$")  # 「保政呈〔2017〕5号　签发人：XXX」 on one line


def _is_doc_number_line(text: str) -> bool:
    t = _SIGNER.sub("", _DOC_NUMBER_LABEL.sub("", text.strip()))
    m = DOC_NUMBER.search(t)
    return m is not None and len(t) - len(m.group(0)) <= 4


_WRAPPERS = {"《": "》", "【": "】", "[": "]", "［": "］"}


def _unwrapped(title: str) -> str:
    """A title line set in 《…》 or 【…】 as a page heading, without them (they are no part of the title)."""
    close = _WRAPPERS.get(title[:1])
    inner = title[1:-1]
    if close and title.endswith(close) and title[0] not in inner and close not in inner:
        return inner.strip()
    return title


def _wrapped_title_end(first: str, following: Line | None) -> Line | None:
    """The next line when it ends a title wrapped in the middle of a phrase (「关于2023年度法治政府建设」 /
    「情况的报告」, Word layouts copied to text), else None. Neither line alone is a title."""
    if following is None or _is_title(first) or len(first) > 40 or SENTENCE_PUNCT.search(first):
        return None
    rest = following.text.strip()
    if (len(rest) > 30 or SENTENCE_PUNCT.search(rest) or match_heading(rest) is not None or _is_title(rest)
            or not _TITLE_WORDS.search(first)):
        return None
    return following if _is_title(first + rest) else None


@dataclass(frozen=True)
class Header:
    title: str
    title_span: tuple[int, int] | None
    title_candidates: tuple[str, ...]
    doc_number: str
    body_start: int


def _bare_org(text: str) -> bool:
    """A line that is only a body's name (the first line of a title split over two lines)."""
    m = SIGNATURE_ORG.match(text)
    return bool(m) and not SENTENCE_PUNCT.search(text) and not _LABEL_COLON.search(text)


def _letter_end(lines: list[Line]) -> int | None:
    """Index of the report title that follows a transmittal letter at the top, or None.

    The letter: a salutation line, then (after its text) a line with the sender's name and a line
    with only a date; the next line is the title of the report itself.
    """
    salutation = next((i for i, ln in enumerate(lines[:8]) if SALUTATION.match(ln.text.strip())), None)
    if salutation is None:
        return None
    for i in range(salutation + 2, min(len(lines) - 1, salutation + 12)):
        if (_DATE_ONLY.match(lines[i].text) and _bare_org(lines[i - 1].text.strip())
                and _is_title(lines[i + 1].text.strip())):
            return i + 1
    return None


def locate_header(text: str) -> Header:
    """Title and 文号 lines at the top of the cleaned text, and where the report body starts."""
    titles: list[tuple[str, tuple[int, int]]] = []
    doc_number = ""
    body_start: int | None = None
    lines = split_lines(text)
    letter = _letter_end(lines)
    if letter is not None:  # a transmittal letter first: its 文号 counts, its text is not the report
        for line in lines[:letter]:
            if not doc_number and (dm := DOC_NUMBER.search(line.text)) and _is_doc_number_line(line.text):
                doc_number = dm.group(0)
        lines = lines[letter:]
    previous: Line | None = None
    wrapped: Line | None = None  # the second line of a title wrapped mid-phrase, already taken
    for i, line in enumerate(lines[:25]):
        if match_heading(line.text) is not None:
            break
        if line is wrapped:
            continue
        stripped = line.text.strip()
        lead = line.start + line.text.index(stripped[0])
        wrapped = _wrapped_title_end(stripped, lines[i + 1] if i + 1 < len(lines) else None)
        if wrapped is not None:
            stripped = stripped + wrapped.text.strip()
        if _is_title(stripped):
            end = wrapped.start + len(wrapped.text.rstrip()) if wrapped is not None else lead + len(stripped)
            found, where = _unwrapped(stripped.strip("*").strip()), (lead, end)
            if (previous is not None and _bare_org(previous.text.strip()) and not org_from_title(found)
                    and re.match(rf"(关于|{YEAR})", found)):
                # 「XX乡人民政府」 / 「关于2023年度…的报告」: one title over two lines
                org = previous.text.strip()
                found = org + found
                where = (previous.start + previous.text.index(org[0]), where[1])
            titles.append((found, where))
            body_start = wrapped.end if wrapped is not None else line.end
            previous = wrapped or line
            continue
        row = _title_row(line.text)
        if row is not None:
            titles.append((line.text[row[0] : row[1]], (line.start + row[0], line.start + row[1])))
            body_start = line.end
            previous = line
            continue
        previous = line
        if _is_doc_number_line(stripped):
            doc_number = doc_number or DOC_NUMBER.search(stripped).group(0)  # type: ignore[union-attr]
            body_start = line.end
            continue
        prefix = _title_prefix(stripped)
        if prefix is not None:
            titles.append((stripped[:prefix], (lead, lead + prefix)))
            body_start = lead + prefix
            break
        if _ROW_LABEL.match(stripped):
            continue  # 「索引号：… 发布机构：…」 rows above the title, however long, are page furniture
        if _PAGE_NOTICE.search(stripped) and len(stripped) <= 60:
            previous = line
            continue  # a browser-upgrade warning above the title is page furniture
        if len(stripped) > 60 or "。" in stripped:
            break  # the first real paragraph: nothing after it is header
    start = body_start if body_start is not None else (lines[0].start if lines else 0)
    while start < len(text) and text[start] in "\n \t\u3000":
        start += 1
    title, span = titles[-1] if titles else ("", None)
    # 「X县人民政府关于…的报告」 then its second line printed again: the fuller form is the title
    fuller = next((t for t in titles if t[0] != title and t[0].endswith(title)), None)
    if fuller is not None:
        title, span = fuller
    # The page heading 「X市人民政府关于…的报告」 and the article's own 「X市…情况报告」: the print that names
    # the issuing body is the title (report-patterns §2, §19)
    if not org_from_title(title):
        named = next((t for t in titles if org_from_title(t[0])), None)
        if named is not None:
            title, span = named
    return Header(title, span, tuple(t for t, _ in titles), doc_number, start)


_DATE_ONLY = re.compile(r"^\s*" + _DATE_CN.pattern + r"\s*$")


def locate_trailer(text: str, body_start: int) -> int:
    """Start of the trailing signature/chrome lines (short lines without sentence punctuation)."""
    lines = [ln for ln in split_lines(text, body_start) if ln.text.strip()]
    cut = len(text)
    for line in reversed(lines[-8:]):
        t = line.text.strip()
        if line.start <= body_start or match_heading(t) is not None:
            break
        if _DATE_ONLY.match(t) or (len(t) <= 40 and not SENTENCE_PUNCT.search(t)):
            cut = line.start
            continue
        break
    return cut


def _date_iso(m: re.Match[str]) -> str:
    y, mo, d = m.group(1), m.group(2), m.group(3)
    year = int(y) if y.isdigit() else int("".join(str(CN_DIGITS.get(c, 0)) for c in y))
    month = int(mo) if mo.isdigit() else (cn_to_int(mo) or 0)
    day = int(d) if d.isdigit() else (cn_to_int(d) or 0)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}"


def _signature(doc: SourceDocument, clean: CleanText, body_end: int) -> tuple[str, str]:
    """(issuing body, ISO date) from the signature block at the end, '' where absent."""
    org = ""
    for line in split_lines(clean.text, body_end):
        name = signature_org(line.text)
        if name and not MASK.search(name):
            org = name
    date = ""
    tail_lines = [ln.strip() for ln in doc.text[-800:].splitlines() if ln.strip()][-6:]
    for tail in tail_lines:
        m = _DATE_ONLY.match(tail)
        if m is None and (dated := SIGNATURE_DATED.match(tail)):
            m = _DATE_ONLY.match(tail[dated.end():])  # 「X县人民政府　2024年3月1日」
        if m:
            date = _date_iso(m)
    return org, date


def _publication_date(doc: SourceDocument) -> str:
    """Publication date from page chrome near the top ("2021-01-11", "发布时间：…")."""
    for line in doc.text[:3000].splitlines():
        t = line.strip(" \t\u3000•·-|")
        label = _PUB_LABEL.search(t)
        if label:
            m = _DATE_ISO.search(t, label.end()) or _DATE_CN.search(t, label.end())
            if m:
                return _date_iso(m)
            continue
        m = _DATE_ISO.match(t) or (_DATE_CN.match(t) if len(t) <= 30 else None)
        if m:
            return _date_iso(m)
    return ""


# A 发文字号 cell in a row of the 政府信息公开 metadata block: 「[ 索引号 ] … [ 发文字号 ] 巩政文〔2021〕18号」.
_DOC_NUMBER_CELL = re.compile(r"(?:发文字号|文\s*号|发文号)\s*[\]】］]?\s*[:：]?\s*(?=\S)")


def _doc_number_from_source(doc: SourceDocument) -> str:
    for line in doc.text[:4000].splitlines()[:40]:
        t = line.strip()
        if _is_doc_number_line(t):
            return DOC_NUMBER.search(_DOC_NUMBER_LABEL.sub("", t)).group(0)  # type: ignore[union-attr]
        for cell in _DOC_NUMBER_CELL.finditer(t):
            if m := DOC_NUMBER.match(t, cell.end()):
                return m.group(0)
    return ""


def _page_title(raw: str) -> str:
    """The report title in an HTML ``<title>``/docx title, without the site name after 「_」「|」「 - 」."""
    parts = [p.strip() for p in _SITE_SUFFIX.split(raw.strip()) if p.strip()]
    if len(parts) <= 1:
        return raw.strip()
    return next((p for p in parts if _is_title(p)), next((p for p in parts if _TITLE_WORDS.search(p)), parts[0]))


def _page_heading(raw: str, title: str) -> str:
    """The page's own heading when it is ``title`` with the issuing body's name in front of it
    (「武侯区市场监督管理局<br>2025年…年度报告」 read as its last line only), else ""."""
    heading = re.sub(r"\s+(?=关于|\d)", "", _page_title(raw).strip())
    if heading != title and heading.endswith(title) and _is_title(heading) and org_from_title(heading):
        return heading
    return ""


def _year_evidence(header: Header, text: str, body_start: int, doc_number: str, date: str,
                   page_title: str) -> tuple[int | None, str, list[ParseWarning]]:
    votes: dict[int, float] = {}  # year -> summed evidence weight
    notes: list[str] = []  # kept as ``year_evidence`` and quoted by the year_conflict warning
    stated: set[int] = set()  # years the report states itself: title, section headings, opening

    def vote(year: int, weight: float, why: str, *, states_year: bool = False) -> None:
        votes[year] = votes.get(year, 0.0) + weight
        notes.append(f"{why}→{year}年")
        if states_year:
            stated.add(year)

    if header.title and (m := _YEAR.search(header.title)):
        vote(int(m.group(1)), 3, f"标题“{header.title}”", states_year=True)
    heading_years: list[int] = []
    for line in split_lines(text, body_start):
        hm = match_heading(line.text)
        if hm is None or hm.rank != 1:
            continue
        heading = line.text[hm.start : hm.end]
        for m in _YEAR.finditer(heading):
            y = int(m.group(1))
            future = re.search(r"安排|计划|打算|思路|下一|工作要点", heading[m.end() :])
            if future and not re.search(r"举措|成效|存在|不足|问题|责任", heading[: m.start()] + heading[m.end():]):
                vote(y - 1, 1, f"下一年度安排标题“{heading}”")
            elif not future:
                vote(y, 2, f"章节标题“{heading}”", states_year=True)
                heading_years.append(y)
    # a short line of page furniture left above the opening (a site name 「昆山市人民政府」 when the page
    # has no title line, report-patterns §5, §19) does not hide the opening's year
    opening = text[body_start : body_start + 40]
    if m := re.match(rf"(?:[^\n。，,：:]{{2,20}}\n)?\s*({YEAR})\s*年(度)?\s*[，,以来]", opening):
        vote(int(m.group(1)), 2, f"正文开头“{m.group(0).split(chr(10))[-1].strip()}”", states_year=True)
    if m := _REPORTING_YEAR.search(text, body_start, body_start + 400):
        # 「现将省政府2021年度法治政府建设情况报告如下」: the opening says which year it reports on
        vote(int(m.group(1)), 2, f"开头“{m.group(0)[:30]}”", states_year=True)
    if m := DOC_NUMBER.search(doc_number):
        vote(int(m.group(2)) - 1, 1, f"文号{doc_number}（次年印发）")
    if date and int(date[5:7]) <= 6:
        vote(int(date[:4]) - 1, 0.5, f"日期{date}（次年上半年）")
    if not votes:
        return None, "", []
    year = max(votes, key=lambda y: (votes[y], -y))
    warnings: list[ParseWarning] = []
    if len(stated) > 1:
        warnings.append(ParseWarning("year_conflict", "标题、章节标题与正文开头所写的报告年度不一致（year conflict）："
                                     + "；".join(notes)))
    body_years = Counter(int(m.group(1)) for m in _BODY_YEAR.finditer(re.sub(r"《[^》]{0,80}》", "", text[body_start:])))
    if body_years:
        (top, n), *rest = [*body_years.most_common(2), (0, 0)]
        second = rest[0][1]
        if top != year and n >= 3 and n >= 2 * second:
            warnings.append(ParseWarning(
                "year_conflict",
                f"报告年度判定为{year}年，但正文中出现最多的年份是{top}年（{n}次）"
                + (f"；网页标题为“{page_title}”" if page_title else "") + "（year conflict）",
            ))
    if page_title and (m := _YEAR.search(page_title)) and int(m.group(1)) not in (year, year + 1):
        warnings.append(ParseWarning("year_conflict", f"网页标题“{page_title}”写的是{m.group(1)}年，"
                                     f"而报告年度判定为{year}年（year conflict）"))
    evidence = "；".join(notes)
    if page_title and page_title != header.title:
        evidence += f"；网页标题“{page_title}”未计入（网站的标题，不是报告的）"
    return year, evidence, warnings


_REPORTING_YEAR = re.compile(rf"现[将就][^。\n]{{0,30}}?({YEAR})\s*年度?[^。\n]{{0,30}}?(?:报告|汇报|总结)如下")


# The file name a document-sharing site prints in its banner: 「《X县…工作总结 .docx》由会员分享」.
_SHARED_FILE = re.compile(r"《([^《》\n]{4,80}?)\s*\.(?:docx?|pdf|wps|txt)》")


def extract_meta(doc: SourceDocument, clean: CleanText) -> tuple[ReportMeta, list[ParseWarning]]:
    text = clean.text
    header = locate_header(text)
    warnings: list[ParseWarning] = []
    body_end = locate_trailer(text, header.body_start)
    title = header.title
    page_title = next((t for t in header.title_candidates if t != title), "") or doc.metadata.get("title", "")
    if title and not org_from_title(title) and (heading := _page_heading(doc.metadata.get("title", ""), title)):
        title = heading  # an <h1> split by <br>: the reader kept only its last line (report-patterns §19)
    if not title and (shared := _SHARED_FILE.search(text[:400])) and _is_title(shared.group(1)):
        title = shared.group(1).strip()  # 「《区教育局2023年…工作总结 .docx》由会员分享」
    if not title:
        title = _page_title(doc.metadata.get("title", ""))
        warnings.append(ParseWarning("no_title", "文本开头未找到报告标题（no title）"
                                     + (f"，改用网页标题“{title}”" if title else "")))
    doc_number = header.doc_number or _doc_number_from_source(doc)
    sig_org, sig_date = _signature(doc, clean, body_end)
    date = sig_date or _publication_date(doc)
    issuer, issuer_warnings = find_issuer(doc, text, title, sig_org, header.body_start, body_end)
    warnings.extend(issuer_warnings)
    year, evidence, year_warnings = _year_evidence(header, text, header.body_start, doc_number, date,
                                                   page_title or (title if title != header.title else ""))
    warnings.extend(year_warnings)
    meta = ReportMeta(title=title, issuing_body=issuer.body, region=issuer.region, level=issuer.level, year=year,
                      year_evidence=evidence, doc_number=doc_number, date=date,
                      issuer_evidence=issuer.evidence, signature=sig_org)
    return meta, warnings
