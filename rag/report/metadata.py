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
from rag.lang import places, words
from rag.lang.docno import DOC_NUMBER
from rag.lang.years import YEAR
from rag.report.headings import CN_DIGITS, Line, cn_to_int, match_heading, split_lines

_TITLE_END = re.compile(r"(报告|总结|汇报)")
_TITLE_WORDS = re.compile(r"法治|依法行政|法制|依法治")
_CHROME = re.compile(r"小编|整理的|下面是|范文|供大家")
_SENTENCE_PUNCT = re.compile(r"[。，,；;！？!?]")
_DOC_NUMBER_LABEL = re.compile(r"^\s*(发文字号|文号|发文号)\s*[:：]\s*")
ORG_SUFFIX = (
    "人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府办公厅|政府|办公室|办公厅|委员会|街道办事处|办事处|"
    "管理委员会|管委会|局|厅|委|办|部"
)
_ORG = re.compile(rf"^(.{{2,30}}?(?:{ORG_SUFFIX}))\s*(?=关于|{YEAR}|[（(《]|$)")
_SIGNATURE_ORG = re.compile(rf"^\s*(.{{2,30}}(?:{ORG_SUFFIX}))\s*$")
# 州 ends a prefecture (甘孜州) but not 原州区 / 鄞州区 / 郑州市, where it is part of the name
_REGION = re.compile(
    r"^((?:[^省市县区镇乡\s]{1,7}(?:省|自治区))?(?:[^省市县区镇乡\s]{1,7}(?:市|州(?![区县市])|盟|地区))?"
    r"(?:[^省市县区镇乡\s]{1,7}(?:区|县|旗|市))?(?:[^省市县区镇乡\s]{1,7}(?:镇|乡|街道))?)"
)
_DATE_CN = re.compile(rf"({YEAR}|[〇零○一二三四五六七八九]{{4}})\s*年\s*(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月\s*(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*日")
_DATE_ISO = re.compile(rf"(?<!\d)({YEAR})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?!\d)")
_PUB_LABEL = re.compile(r"(发布|更新|发表|成文|印发)(时间|日期)\s*[:：]?\s*")
_SOURCE_LABEL = re.compile(r"(?:来源|发布机构|发文机关|制发机构)\s*[:：]\s*([\u4e00-\u9fff]{2,30})")
_YEAR = re.compile(rf"({YEAR})\s*年")
_BODY_YEAR = re.compile(rf"(?<![\d—\-–~至])({YEAR})\s*年(?![\d—\-–~])")


def _is_title(text: str) -> bool:
    t = text.strip().strip("*")
    return (
        4 <= len(t) <= 80
        and bool(_TITLE_END.search(t) or _is_status_title(t))
        and bool(_TITLE_WORDS.search(t))
        and not _SENTENCE_PUNCT.search(t)
        and not _LABEL_COLON.search(t)
        and not _HEADLINE.match(t)
        and match_heading(t) is None
        and not _CHROME.search(t)
        and not _BASIS_START.match(t)
    )


# A sentence that begins with its basis (「根据上级关于实行法治建设年度报告制度的要求，…」) is no title,
# however much title vocabulary its first clause has.
_BASIS_START = re.compile(r"(?:根据|按照|依据|依照|为了|遵照)")


# A title without a genre word, as provincial 厅 pages write it: 「XX厅2023年法治政府部门建设工作情况」.
# Only with a body or place in front of the year, so the bare section heading 「2023年法治政府建设情况」
# of an unnumbered report is not taken for a title.
_STATUS_END = re.compile(r"(建设|工作)(工作)?情况$")
_LABEL_COLON = re.compile(r"[\u4e00-\u9fff]\s*[:：]\s*\S")  # 「名 称：…」 rows and 「发布时间：…」 lines are not titles


# A news headline about a report (「应急管理部发布2023年法治政府建设年度报告」) is not the report's title.
_HEADLINE = re.compile(r"^[^关]{2,24}?(发布|公布|公开|晒出|出炉)(了)?\s*(?:{y}|《)".replace("{y}", YEAR)
                       + r"|^[^关]{0,12}[丨|｜][^关]{0,30}?(听取|审议|解读)")  # 「人大之声丨…会议听取审议…的报告」
# A news lead before the report text: 「某某网3月29日电　…报告全文如下：」
_NEWS_LEAD = re.compile(r"\d{1,2}月\d{1,2}日电[\s　]|全文如下[:：]?\s*$")


def _is_status_title(t: str) -> bool:
    if not _STATUS_END.search(t):
        return False
    m = _REGION.match(t)
    lead = _ORG.match(t)
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
    if (len(value) < 8 or not _TITLE_WORDS.search(value) or _SENTENCE_PUNCT.search(value)
            or not (_TITLE_END.search(value) or _STATUS_END.search(value))):
        return None  # an empty or stray cell is no title
    return value_start, value_start + len(value)


# A transmittal letter in front of the report: salutation 「区委、区政府：」, a sentence submitting the
# report, the body's name and a date — and only then the report's own title.
_SALUTATION = re.compile(r"^[\u4e00-\u9fff、，,\s]{2,30}[:：]$")
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
    if following is None or _is_title(first) or len(first) > 40 or _SENTENCE_PUNCT.search(first):
        return None
    rest = following.text.strip()
    if (len(rest) > 30 or _SENTENCE_PUNCT.search(rest) or match_heading(rest) is not None or _is_title(rest)
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
    m = _SIGNATURE_ORG.match(text)
    return bool(m) and not _SENTENCE_PUNCT.search(text) and not _LABEL_COLON.search(text)


def _letter_end(lines: list[Line]) -> int | None:
    """Index of the report title that follows a transmittal letter at the top, or None.

    The letter: a salutation line, then (after its text) a line with the sender's name and a line
    with only a date; the next line is the title of the report itself.
    """
    salutation = next((i for i, ln in enumerate(lines[:8]) if _SALUTATION.match(ln.text.strip())), None)
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
            if (previous is not None and _bare_org(previous.text.strip()) and not _org_from_title(found)
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
        if _DATE_ONLY.match(t) or (len(t) <= 40 and not _SENTENCE_PUNCT.search(t)):
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
        m = _SIGNATURE_ORG.match(line.text)
        if m and not MASK.search(m.group(1)):
            org = m.group(1).strip()
    date = ""
    tail_lines = [ln.strip() for ln in doc.text[-800:].splitlines() if ln.strip()][-6:]
    for tail in tail_lines:
        m = _DATE_ONLY.match(tail)
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


def _title_place(title: str) -> str:
    """A place name opening the title and followed by the year ("北碚区2022年度…"), or ""."""
    m = _REGION.match(title.strip())
    if m and m.group(1) and re.match(rf"\s*(关于|{YEAR})", title.strip()[m.end(1) :]):
        return m.group(1)
    return ""


def _org_from_title(title: str) -> str:
    m = _ORG.match(title.strip())
    return m.group(1).strip() if m else ""


# A report naming itself in its opening sentence: "2021年，区政府办公室紧紧围绕…", "现将区政府办公室
# 2021年度法治政府建设情况汇报如下". Only organisation nouns with a place word count (not 区委, not
# 法治政府, not a bare place), the name must be the sentence's subject or the object of 现将, and
# "我区/我局/全局" name no organisation.
_SELF_ORG_SUFFIX = re.compile(
    "(?:人民政府办公室|人民政府办公厅|政府办公室|政府办公厅|办公室|办公厅|人民政府|政府|街道办事处|办事处|"
    "管理委员会|管委会|委员会|局)+"
)
# The lead before the subject: a year phrase, then up to three 「在…下，」 / 「在…上，」 clauses
# (「在县委、县政府的正确领导下，在上级部门的大力支持下，宁厂镇…」, 「在…新征程上，…街道办事处…」).
_OPENING_LEAD = re.compile(
    rf"\s*(?:(?:{YEAR}\s*年度?(?:以来)?|一年来|今年以来|过去一年)\s*[，,]?\s*)?"
    r"(?:在[^。；;]{1,40}?[下上中]\s*[，,]\s*){0,3}"
)
# 「南门街道在区委区政府的坚强领导下，」: the 在…下 clause after the subject is no part of its name
_TRAILING_CIRCUMSTANCE = re.compile(r"在[\u4e00-\u9fff]{1,30}[下上中]$")
_REPORTING = re.compile(r"现[将就]\s*")
_ORG_CLAUSE = re.compile(r"[\u4e00-\u9fffXxＸｘ×*＊]{3,24}")
_PLACE_WORD = re.compile(r"[省市县区镇乡旗州盟]|街道")
_NOT_SELF_ORG = re.compile(
    r"^(?:我|本|全|各|该|其|有关|相关|上级|主要|根据|按照|依据|依照|遵照|对照|结合|围绕|贯彻|落实|关于|经|为|在|受|由|向|对|按)"
)
# "区法治政府建设领导小组办公室": 政府 followed by these is a modifier, not the end of the name
_NAME_GOES_ON = re.compile(r"建设|工作|职能|信息|网站|门户|部门|机构|规章|法律|法制|法治|领导|职责|系统|服务|数据|督查|采购")


def _org_at(paragraph: str, pos: int) -> str:
    """The organisation name starting exactly at ``paragraph[pos]``, or ""."""
    clause = _ORG_CLAUSE.match(paragraph, pos)
    if clause is None or _NOT_SELF_ORG.match(clause.group(0)):
        return ""
    words = _TRAILING_CIRCUMSTANCE.sub("", clause.group(0))
    for suffix in _SELF_ORG_SUFFIX.finditer(words):
        name = words[: suffix.end()]
        if _NAME_GOES_ON.match(words, suffix.end()):
            continue
        if len(name) >= 3 and (_PLACE_WORD.search(words[: suffix.start()]) or suffix.group(0).startswith("街道")):
            return name
        return ""
    # a 国务院部门 names no place: 「2023年，应急管理部坚持…」 (not 干部, 部分, 部门)
    ministry = _MINISTRY.match(words)
    if ministry and not ministry.group(0).endswith("干部"):
        return ministry.group(0)
    return _place_subject(paragraph, pos)


# A division's own suffix: a place written so (徐中乡, 奉节县青龙镇) is a subject; a bare short form
# (江西, 恩施) in an opening is too loose to name a government.
_DIVISION_END = re.compile(r"(省|自治区|市|州|盟|地区|县|区|旗|镇|乡|街道)$")


def _is_top_furniture(line: str) -> bool:
    """A short line without sentence punctuation that is no heading: a site name or column name."""
    t = line.strip()
    return len(t) <= 30 and not _SENTENCE_PUNCT.search(t) and match_heading(t) is None


def _place_subject(paragraph: str, pos: int) -> str:
    """The government of a place that is the subject of the opening sentence (「2024年，在县委、县政府的
    坚强领导下，徐中乡坚持…」 → 徐中乡人民政府) or the object of its 现将, or "". The place must be
    followed by a predicate, by the report's own topic (「头营镇法治政府建设工作在…」) or by the year
    reported on, not by more nouns (「张湾区教育系统…」)."""
    window = paragraph[pos : pos + 30]
    name, end = "", 0
    for mention in places.find_places(window):
        if mention.start != end:
            break
        name, end = name + mention.text, mention.end
    if not name or not _DIVISION_END.search(name):
        return ""
    rest = window[end:]
    # 「现将青龙镇2022年度…情况报告如下」: the place as the object of 现将, followed by the year
    if not (words.starts_predicate(rest) or rest.startswith("法治") or re.match(rf"\s*{YEAR}", rest)):
        return ""
    return government_of(name)


def government_of(place: str) -> str:
    """The government of a place as reports name it: 徐中乡 → 徐中乡人民政府, 化龙桥街道 → 化龙桥街道办事处.
    "" for a function zone (经济开发区, 高新区): a 管委会, a 党工委 or a company may govern it, and the
    text must say which (report-patterns §14.2)."""
    if _ZONE_PLACE.search(place):
        return ""
    return place + ("办事处" if place.endswith("街道") else "人民政府")


_ZONE_PLACE = re.compile(r"(新区|开发区|高新区|试验区|示范区|合作区|园区|管理区)$")


_MINISTRY = re.compile(r"[\u4e00-\u9fff]{2,8}?部(?![门分署队位长])")


def _opening(text: str, body_start: int, body_end: int) -> tuple[str, int] | None:
    """The report's first paragraph and where its subject starts (after the year and 在…下 lead), or None."""
    nl = text.find("\n", body_start, body_end)
    paragraph = text[body_start : nl if nl >= 0 else body_end]
    for _ in range(2):  # a news copy: its headline and lead stand before the report's first paragraph
        if not (_NEWS_LEAD.search(paragraph) or _HEADLINE.match(paragraph)) or nl < 0:
            break
        body_start = nl + 1
        nl = text.find("\n", body_start, body_end)
        paragraph = text[body_start : nl if nl >= 0 else body_end]
    # 「城东区委全面依法治区委员会：」 names the addressee; a short line without a sentence in it
    # (「芒康县人民政府」, 「政府信息公开」) above an untitled report is the site's header, not its subject
    while nl >= 0 and (_SALUTATION.match(paragraph.strip()) or _is_top_furniture(paragraph)):
        body_start = nl + 1
        nl = text.find("\n", body_start, body_end)
        paragraph = text[body_start : nl if nl >= 0 else body_end]
    if match_heading(paragraph) is not None:
        return None
    lead = _OPENING_LEAD.match(paragraph)
    return paragraph, lead.end() if lead else 0


def _org_from_opening(text: str, body_start: int, body_end: int) -> str:
    """The issuing body as the report's first paragraph names itself, or "" (see ``_SELF_ORG_SUFFIX``)."""
    opening = _opening(text, body_start, body_end)
    if opening is None:
        return ""
    paragraph, pos = opening
    org = _org_at(paragraph, pos)
    if not org and _BASIS_LEAD.match(paragraph) and (year := _YEAR_COMMA.search(paragraph, 0, 240)):
        # 「根据…要求，以及市、区的部署，2023年，清波街道以…」: the subject follows the year after the basis
        lead = _OPENING_LEAD.match(paragraph, year.start())
        org = _org_at(paragraph, lead.end() if lead else year.end())
    if not org and (m := _REPORTING.search(paragraph)):
        org = _org_at(paragraph, m.end())
    return org


_BASIS_LEAD = re.compile(r"\s*(?:根据|按照|依据|依照|为)")
_YEAR_COMMA = re.compile(rf"(?<![\d《])({YEAR})\s*年度?(?:以来)?\s*[，,]")


# 「巴州党委、政府坚持…」「清江镇党委政府…」: the party committee and the government of a place together
_JOINT_SUBJECT = re.compile(r"(?:党委|党工委)[、，,和及]?(?:政府|人民政府|办事处|管委会)")


def _joint_subject_level(text: str, body_start: int, body_end: int) -> str:
    """The level of a place whose party committee and government are the opening's subject together.
    No issuer is read from it (a joint body is named so only in titles, §14.3), but its level is the
    place's (report-patterns §16)."""
    opening = _opening(text, body_start, body_end)
    if opening is None:
        return ""
    paragraph, pos = opening
    window = paragraph[pos : pos + 30]
    mentions = places.find_places(window)
    if not mentions or mentions[0].start != 0 or not _JOINT_SUBJECT.match(window, mentions[0].end):
        return ""
    return mentions[0].level


# 「省政府」「县人民政府」「区人社局」: a government or department named by its level only
# (report-patterns §14.3, §16).
_BARE_GOVERNMENT = re.compile(r"(省|自治区|市|州|盟|县|区|旗)((?:人民)?政府|[\u4e00-\u9fff]{1,12}?(?:局|委员会|委|办公室|办))")
_LEVEL_OF_WORD = {"省": places.PROVINCE, "自治区": places.PROVINCE, "市": places.CITY, "州": places.CITY,
                  "盟": places.CITY, "县": places.COUNTY, "区": places.COUNTY, "旗": places.COUNTY}


def _resolve_bare_government(org: str, body: str) -> str:
    """「省政府」 as 「湖南省人民政府」, 「区人社局」 as 「潮南区人社局」, when the body names exactly one
    division of that level and kind, in running text or in a cited title (《汕头市潮南区…工作要点》);
    else ``org`` unchanged. A province may be named by its short form (「为江西高质量发展…」); a lower
    division only by its full name: a short form in a cited 文号 (「沙坪坝教育工委〔2022〕12号」) abbreviates
    the sender of that document, not the reporting body's place (report-patterns §14.3, §16)."""
    m = _BARE_GOVERNMENT.fullmatch(org)
    if m is None:
        return org
    word, rest = m.group(1), m.group(2)
    level = _LEVEL_OF_WORD[word]
    names = {d.name for p in places.find_places(body) if p.level == level
             for d in p.divisions[:1] if d.name.endswith(word) and (level == places.PROVINCE or d.name in body)}
    if len(names) != 1:
        return org
    return next(iter(names)) + ("人民政府" if rest.endswith("政府") else rest)


# How a township report names itself: 「我镇」「本乡」「我街道」.
_SELF_TOWNSHIP = re.compile(r"[我本](镇|乡|街道)")


def _resolve_self_township(body: str) -> str:
    """The government of the township a report calls 「我镇」 when the body names exactly one township
    of that kind at least twice (「在西岸镇落地见效」, 「列入西岸镇党校培训课程」), else ""."""
    kinds = Counter(m.group(1) for m in _SELF_TOWNSHIP.finditer(body))
    if not kinds:
        return ""
    names = places.township_names(body, kinds.most_common(1)[0][0])
    return government_of(next(iter(names))) if len(names) == 1 else ""


def region_of(org: str) -> str:
    """The administrative area at the start of an organisation name ("" when there is none)."""
    m = _REGION.match(org)
    return m.group(1) if m else ""


_ZONE_GOVERNMENT = re.compile(r"(新区|开发区|高新区|试验区|示范区)(管理委员会|管委会)$")


def _level_of_org(org: str, region: str) -> str:
    if not org:
        return ""
    # A government's 办公室/办公厅 reporting under its own name reports on its own work, as any
    # department does (「在区委、区政府的领导下，区政府办公室…」); a 街道办事处 is a township government.
    government = re.search(r"(人民政府|政府|办事处|街道|镇|乡)$", org)
    if _ZONE_GOVERNMENT.search(org):
        return "区县级"  # the 管委会 of a 新区/开发区 governs the zone (report-patterns §13.3)
    if not government and re.search(r"(局|委员会|委|厅|办公室|办公厅|办|部)$", org):
        return "部门"
    # A body named after a township is a township's, whatever place names its stem contains
    # (沙河源街道办事处 is no office of 沙河市).
    if re.search(r"(街道|镇|乡)(人民政府|政府|办事处)?$", org):
        return "乡镇街道"
    # The national division data knows a county-level city (巩义市) from a prefecture (郑州市).
    if located := places.locate(org).level:
        return located
    place = region or re.sub(rf"({ORG_SUFFIX})+$", "", org)
    if re.search(r"(街道|镇|乡)$", place) or "街道" in org:
        return "乡镇街道"
    if re.search(r"(省|自治区)$", place):
        return "省级"
    if re.search(r"(区|县|旗)$", place) or re.search(r"(市|州|盟)[^市州盟]{1,7}市$", place):
        return "区县级"
    if re.search(r"(市|州|盟|地区)$", place):
        return "市级"
    return ""


# How a report names its own body (我局, 我区) decides its level before the area it serves (全市, 全区):
# a 市水利局 writes 「全市水利改革」 and 「我局」 (report-patterns §15).
_SELF_REF = (
    ("区县级", re.compile(r"我区|我县|我旗")),
    ("市级", re.compile(r"我市|我州|我盟")),
    # 「局党委理论学习中心组」: a bureau's own party body, said only by a department of itself
    ("部门", re.compile(r"(?:区|县|市|省|州|旗)政府办(?:公室|公厅)|我局|本局|我委|本委|我厅|本厅|本部门|本单位|"
                        r"局党委|局党组|局机关")),
    ("乡镇街道", re.compile(r"我镇|我乡|我街道|本街道|街道办事处")),
    ("省级", re.compile(r"我省|省政府办公厅")),
)
_AREA_REF = (
    ("区县级", re.compile(r"全区|全县|全旗")),
    ("市级", re.compile(r"全市|全州|全盟")),
    ("乡镇街道", re.compile(r"全镇|全乡")),
    ("省级", re.compile(r"全省")),
)


def _level_from_text(text: str, *, self_only: bool = False) -> str:
    """The level the report's self-designations (我局, 我镇) say, else its area words (全市, 全县)."""
    for table in ((_SELF_REF,) if self_only else (_SELF_REF, _AREA_REF)):
        counts = {level: len(p.findall(text)) for level, p in table}
        best = max(counts, key=lambda k: counts[k])
        if counts[best]:
            return best
    return ""


# A news item or 解读 page names the report it is about: 「…副省长作青海省人民政府关于2024年法治政府建设
# 情况的报告」, 「《中共X区委 X区人民政府关于2024年…的报告》」: the body before 关于 issues it.
_NAMED_REPORT = re.compile(
    rf"(?:作|印发|发布|审议|听取|《)\s*([\u4e00-\u9fff]{{2,30}}?(?:{ORG_SUFFIX}))\s*关于\s*(?:{YEAR})\s*年度?"
    r"[^。《》\n]{0,20}?法治政府建设[^。《》\n]{0,16}?报告"
)


def _org_of_named_report(text: str, body_start: int, body_end: int) -> str:
    m = _NAMED_REPORT.search(text, body_start, min(body_end, body_start + 800))
    return m.group(1) if m else ""


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
    opening = text[body_start : body_start + 12]
    if m := re.match(rf"\s*({YEAR})\s*年(度)?\s*[，,以来]", opening):
        vote(int(m.group(1)), 2, f"正文开头“{m.group(0).strip()}”", states_year=True)
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


def _is_government_of(org: str, place: str) -> bool:
    """Whether ``org`` is the government (not an office or department) of ``place``."""
    return (bool(re.search(r"(人民政府|政府|办事处)$", org)) or bool(_ZONE_GOVERNMENT.search(org))) and place in org


# The file name a document-sharing site prints in its banner: 「《X县…工作总结 .docx》由会员分享」.
_SHARED_FILE = re.compile(r"《([^《》\n]{4,80}?)\s*\.(?:docx?|pdf|wps|txt)》")
# A name whose place the text masks elsewhere (「*区教育局」, 「XX区教育局」): the bare 「区教育局」 is masked too.
_MASKED_BEFORE = r"(?:[*＊×]+|[XxＸｘ]{2,}|某)"
# 「某县人民政府」「某某市」: a placeholder for a place name (范文 and document-sharing copies), not a place.
_PLACEHOLDER = re.compile(r"某{1,2}(?=[省市县区镇乡旗州盟]|街道|自治)")


def _is_masked(name: str, text: str) -> bool:
    return bool(MASK.search(name) or _PLACEHOLDER.search(name)
                or (name and re.search(_MASKED_BEFORE + re.escape(name), text)))


def _posting_body(doc: SourceDocument, said: str) -> tuple[str, str] | None:
    """The body on the page's 来源/发布机构 line, as the issuer of a report that names itself nowhere —
    unless the report's self-designation (``said``: the level 「我镇」「我局」 give, not 全县, which a
    county's bureaus say too) says it is another kind of body: a 「我镇」 report posted by the county's
    司法局 or 政府办公室 is the town's, not theirs (report-patterns §13.3, §16)."""
    m = _SOURCE_LABEL.search(doc.text[:3000])
    if not m or not re.search(rf"({ORG_SUFFIX})$", m.group(1)):
        return None
    if said and said != _level_of_org(m.group(1), region_of(m.group(1))):
        return None
    return m.group(1), f"页面“{m.group(0)}”"


def _issuer_evidence(title: str, sig_org: str, text: str, body_start: int, body_end: int) -> tuple[str, str]:
    """The issuing body as the report names it — title, signature, opening sentence, a report named in
    a news item — with a note of where it was read ("", "" when none of them names it)."""
    if org := _org_from_title(title):
        return org, f"标题“{title}”"
    if sig_org:
        return sig_org, "落款"
    if org := _org_from_opening(text, body_start, body_end):
        return org, "正文开头"
    if org := _org_of_named_report(text, body_start, body_end):
        return org, "正文中提到的报告名称"
    return "", ""


def extract_meta(doc: SourceDocument, clean: CleanText) -> tuple[ReportMeta, list[ParseWarning]]:
    text = clean.text
    header = locate_header(text)
    warnings: list[ParseWarning] = []
    body_end = locate_trailer(text, header.body_start)
    title = header.title
    page_title = next((t for t in header.title_candidates if t != title), "") or doc.metadata.get("title", "")
    if not title and (shared := _SHARED_FILE.search(text[:400])) and _is_title(shared.group(1)):
        title = shared.group(1).strip()  # 「《区教育局2023年…工作总结 .docx》由会员分享」
    if not title:
        title = _page_title(doc.metadata.get("title", ""))
        warnings.append(ParseWarning("no_title", "文本开头未找到报告标题（no title）"
                                     + (f"，改用网页标题“{title}”" if title else "")))
    doc_number = header.doc_number or _doc_number_from_source(doc)
    sig_org, sig_date = _signature(doc, clean, body_end)
    date = sig_date or _publication_date(doc)
    body = text[header.body_start : body_end]
    title_place = "" if _org_from_title(title) else _title_place(title)
    org_raw, why = _issuer_evidence(title, sig_org, text, header.body_start, body_end)
    said = _level_from_text(body, self_only=True)
    if org_raw and org_raw not in text and said and said != _level_of_org(org_raw, region_of(org_raw)):
        # a government built from the opening's place (「2024年，X区深入推进…」) in a text that calls
        # itself 我局 is a bureau's report about its district: its issuer is not that government
        org_raw, why = "", ""
    org_raw = _resolve_bare_government(org_raw, body)
    if not org_raw and title_place:
        # 「徐中乡2024年法治政府建设情况报告」 with nothing else naming the body: the place's own report
        org_raw, why = government_of(title_place), f"标题开头的地名“{title_place}”"
    if not org_raw and (own := _resolve_self_township(body)):
        # 「我镇」 throughout, the township named only in running text (report-patterns §16)
        org_raw, why = own, f"自称“我镇/我乡/我街道”，正文中只出现“{own.removesuffix('人民政府').removesuffix('办事处')}”"
    if not org_raw and (posted := _posting_body(doc, said)):
        org_raw, why = posted
    if title_place and org_raw and not _is_government_of(org_raw, title_place) and government_of(title_place):
        # 「宝坻区2020年度法治政府建设情况报告」 is the district's own report: a 来源 or signature
        # naming its 政府办公室 or 司法局 names the office that drafted or posted it, not the issuer.
        org_raw, why = government_of(title_place), f"标题开头的地名“{title_place}”"
    masked = _is_masked(org_raw, text)
    issuing_body = "" if masked else org_raw
    region = "" if masked else region_of(org_raw)
    if not org_raw and (place := _title_place(title)):
        masked = _is_masked(place, text)
        region = "" if masked else place
        org_raw = place  # for the level only: "北碚区2022年度…报告" is a district's report
    if masked:
        warnings.append(ParseWarning("masked_names", f"发布机关名称在原文中被遮蔽（“{org_raw}”）（masked names）"))
    level = (_level_of_org(org_raw, region) or _joint_subject_level(text, header.body_start, body_end)
             or _level_from_text(body))
    year, evidence, year_warnings = _year_evidence(header, text, header.body_start, doc_number, date,
                                                   page_title or (title if title != header.title else ""))
    warnings.extend(year_warnings)
    meta = ReportMeta(title=title, issuing_body=issuing_body, region=region, level=level, year=year,
                      year_evidence=evidence, doc_number=doc_number, date=date,
                      issuer_evidence=why if issuing_body else "")
    return meta, warnings
