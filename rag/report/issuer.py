"""The issuing body of a report: its name, area, level and where it was read (issue 11, §3, §13–§16).

``find_issuer`` weighs what a report says of itself — the title (「XX人民政府关于…」 or a bare place in
front of the year), the signature block, the opening sentence's subject, a report named in a news item,
self-designations (我镇, 区人社局) resolved by the places the text names, the page's 来源 line — and
returns one :class:`Issuer`. ``rag.report.metadata`` calls it; the title, dates, 文号 and year stay there.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rag.core.types import ParseWarning, SourceDocument
from rag.ingest.clean import MASK
from rag.lang import places, words
from rag.lang.page_labels import PUBLISHER_LABEL
from rag.lang.years import YEAR
from rag.report import issuer_scoring
from rag.report.headings import match_heading
from rag.report.line_shapes import HEADLINE, NEWS_LEAD, SALUTATION, SENTENCE_PUNCT


@dataclass(frozen=True)
class Issuer:
    """The issuing body as the parser reads it ("" for each field it cannot tell)."""

    body: str  # 「潮南区人社局」, "" when masked or unknown
    region: str  # the area at the start of the name (潮南区), "" when masked or unknown
    level: str  # 省级 / 市级 / 区县级 / 乡镇街道 / 部门, or ""
    evidence: str  # where the body was read (「标题“…”」, 「落款」, 「正文开头」 …), "" without a body


# 行政公署: the government of a 盟 or 地区 (report-patterns §19)
ORG_SUFFIX = (
    "行政公署|人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府办公厅|政府|办公室|办公厅|委员会|街道办事处|办事处|"
    "管理委员会|管委会|局|厅|委|办|部"
)
TITLE_ORG = re.compile(rf"^(.{{2,30}}?(?:{ORG_SUFFIX}))\s*(?=关于|{YEAR}|[（(《]|$)")
SIGNATURE_ORG = re.compile(rf"^\s*(.{{2,30}}(?:{ORG_SUFFIX}))\s*$")
# The other shapes of a signature line every printed report has (report-patterns §18): the body with its
# seal note (「X县人民政府（盖章）」) and the body with the date on the same line (「X县人民政府 2024年3月1日」).
_SEAL_NOTE = r"\s*[（(]\s*(?:盖章|印章|公章|章)\s*[)）]"
SIGNATURE_SEALED = re.compile(rf"^\s*(.{{2,30}}?(?:{ORG_SUFFIX})){_SEAL_NOTE}\s*$")
SIGNATURE_DATED = re.compile(
    rf"^\s*(.{{2,30}}?(?:{ORG_SUFFIX})(?:{_SEAL_NOTE})?)[\s\u3000]+(?=(?:{YEAR}|[〇零○一二三四五六七八九]{{4}})\s*年)"
)


def signature_org(line: str) -> str:
    """The body a signature line names — alone, with its seal note, or followed by the date — or ""."""
    for shape in (SIGNATURE_ORG, SIGNATURE_SEALED, SIGNATURE_DATED):
        if m := shape.match(line):
            return re.sub(_SEAL_NOTE + "$", "", m.group(1)).strip()
    return ""
# 州 ends a prefecture (甘孜州) but not 原州区 / 鄞州区 / 郑州市, where it is part of the name
REGION = re.compile(
    r"^((?:[^省市县区镇乡\s]{1,7}(?:省|自治区))?(?:[^省市县区镇乡\s]{1,7}(?:市|州(?![区县市])|盟|地区))?"
    r"(?:[^省市县区镇乡\s]{1,7}(?:区|县|旗|市))?" rf"(?:[^省市县区镇乡\s]{{1,7}}(?:{places.TOWNSHIP}){places.NOT_URBAN_RURAL})?)"
)
_SOURCE_LABEL = re.compile(rf"(?:来源|{PUBLISHER_LABEL})\s*[:：]\s*([\u4e00-\u9fff]{{2,30}})")


def _title_place(title: str) -> str:
    """A place name opening the title and followed by the year ("北碚区2022年度…"), or ""."""
    m = REGION.match(title.strip())
    if m and m.group(1) and re.match(rf"\s*(关于|{YEAR})", title.strip()[m.end(1) :]):
        return m.group(1)
    return ""


def org_from_title(title: str) -> str:
    m = TITLE_ORG.match(title.strip())
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
_PLACE_WORD = re.compile(rf"[省市县区旗州盟]|{places.TOWNSHIP}")
_NOT_SELF_ORG = re.compile(
    r"^(?:现[将就]|我|本|全|各|该|其|有关|相关|上级|主要|根据|按照|依据|依照|遵照|对照|结合|围绕|贯彻|落实|关于|经|为|在|受|由|向|对|按)"
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
_DIVISION_END = re.compile(rf"(省|自治区|市|州|盟|地区|县|区|旗|{places.TOWNSHIP})$")


def _is_top_furniture(line: str) -> bool:
    """A short line without sentence punctuation that is no heading: a site name or column name."""
    t = line.strip()
    return len(t) <= 30 and not SENTENCE_PUNCT.search(t) and match_heading(t) is None


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
        if not (NEWS_LEAD.search(paragraph) or HEADLINE.match(paragraph)) or nl < 0:
            break
        body_start = nl + 1
        nl = text.find("\n", body_start, body_end)
        paragraph = text[body_start : nl if nl >= 0 else body_end]
    # 「城东区委全面依法治区委员会：」 names the addressee; a short line without a sentence in it
    # (「芒康县人民政府」, 「政府信息公开」) above an untitled report is the site's header, not its subject
    while nl >= 0 and (SALUTATION.match(paragraph.strip()) or _is_top_furniture(paragraph)):
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


# An organisation noun without its place (「教育厅」「市人力资源和社会保障局」「区人社局」) as the opening's subject
# or the object of 现将.
# Departments only: a bare 县政府/省人民政府 is resolved by ``_resolve_bare_government``, and a party committee
# (市委, 党工委) never issues the report alone.
_PLACELESS_ORG = re.compile(r"[\u4e00-\u9fff]{1,12}?(?:管理委员会|委员会|管委会|办公室|办公厅|局|厅|委|办)")
_PARTY_BODY = re.compile(r"(?:^|[省市县区州旗盟镇乡])委$|党委|党工委|党组")
# what may follow a name where it ends (not 「…应急管理部门」, 「…教育局机关」)
_NAME_CONTINUES = re.compile(r"[门分署队位长系属]|机关|" + _NAME_GOES_ON.pattern)
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{1,12}$")


def full_form(name: str, text: str) -> str:
    """The one fuller form of ``name`` the text writes with a place in front (「教育厅」 → 「四川省教育厅」 from
    a cited 《四川省教育厅关于…》, 「市人力资源和社会保障局」 → 「新乡市人力资源和社会保障局」 in running text),
    or "" when there is none or more than one. A report that names its body without its place names it in
    full elsewhere, in its running text or in the titles of its own documents (report-patterns §16, §17)."""
    forms: set[str] = set()
    if _PARTY_BODY.search(name) or name.endswith("政府") or _MINISTRY.fullmatch(name):
        return ""
    for m in re.finditer(re.escape(name), text):
        run = _HAN_RUN.search(text, 0, m.start())
        if run is None or _NAME_CONTINUES.match(text, m.end()):
            continue
        before = run.group(0)
        for k in range(len(before), 0, -1):
            candidate = before[-k:] + name
            mentions = places.find_places(candidate)
            if mentions and mentions[0].start == 0 and mentions[0].end >= k and not _NOT_SELF_ORG.match(candidate):
                forms.add(candidate)
                break
    return next(iter(forms)) if len(forms) == 1 else ""


def _placeless_subject(text: str, body_start: int, body_end: int) -> str:
    """The opening's subject or 现将 object when it is an organisation noun without a place, named in full
    elsewhere in the text (see ``full_form``), else ""."""
    opening = _opening(text, body_start, body_end)
    if opening is None:
        return ""
    paragraph, pos = opening
    starts = [pos] + [m.end() for m in _REPORTING.finditer(paragraph)]
    for start in starts:
        m = _PLACELESS_ORG.match(paragraph, start)
        if (m and not _NOT_SELF_ORG.match(m.group(0)) and not _NAME_GOES_ON.match(paragraph, m.end())
                and (found := full_form(m.group(0), text[body_start:body_end]))):
            return found
    return ""


# 「白沙镇政府」: a township government's short name; the body is its 人民政府 (report-patterns §17).
_SHORT_TOWNSHIP_GOVERNMENT = re.compile(rf"(.+(?:{places.TOWNSHIP}))政府")


# How a township report names itself: 「我镇」「本乡」「我街道」.
_SELF_TOWNSHIP = re.compile(rf"[我本]({places.TOWNSHIP})")


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
    m = REGION.match(org)
    return m.group(1) if m else ""


_ZONE_GOVERNMENT = re.compile(r"(新区|开发区|高新区|试验区|示范区)(管理委员会|管委会)$")


def _level_of_org(org: str, region: str) -> str:
    if not org:
        return ""
    # A government's 办公室/办公厅 reporting under its own name reports on its own work, as any
    # department does (「在区委、区政府的领导下，区政府办公室…」); a 街道办事处 is a township government.
    government = re.search(rf"(行政公署|人民政府|政府|办事处|{places.TOWNSHIP})$", org)
    if _ZONE_GOVERNMENT.search(org):
        return "区县级"  # the 管委会 of a 新区/开发区 governs the zone (report-patterns §13.3)
    if not government and re.search(r"(局|委员会|委|厅|办公室|办公厅|办|部)$", org):
        return "部门"
    # A body named after a township is a township's, whatever place names its stem contains
    # (沙河源街道办事处 is no office of 沙河市).
    if re.search(rf"({places.TOWNSHIP})(人民政府|政府|办事处)?$", org):
        return "乡镇街道"
    # The national division data knows a county-level city (巩义市) from a prefecture (郑州市).
    if located := places.locate(org).level:
        return located
    place = region or re.sub(rf"({ORG_SUFFIX})+$", "", org)
    if re.search(rf"({places.TOWNSHIP})$", place) or "街道" in org:
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
    ("乡镇街道", re.compile("|".join(f"我{k}" for k in places.TOWNSHIP_KINDS) + "|本街道|街道办事处")),
    ("省级", re.compile(r"我省|省政府办公厅")),
)
_AREA_REF = (
    ("区县级", re.compile(r"全区|全县|全旗")),
    ("市级", re.compile(r"全市|全州|全盟")),
    ("乡镇街道", re.compile("|".join(f"全{k}" for k in places.TOWNSHIP_KINDS if k != "街道"))),
    ("省级", re.compile(r"全省")),
)


def level_from_text(text: str, *, self_only: bool = False) -> str:
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


def _is_government_of(org: str, place: str) -> bool:
    """Whether ``org`` is the government (not an office or department) of ``place``."""
    return (bool(re.search(r"(人民政府|政府|办事处)$", org)) or bool(_ZONE_GOVERNMENT.search(org))) and place in org


# A name whose place the text masks elsewhere (「*区教育局」, 「XX区教育局」): the bare 「区教育局」 is masked too.
_MASKED_BEFORE = r"(?:[*＊×]+|[XxＸｘ]{2,}|某)"
# 「某县人民政府」「某某市」: a placeholder for a place name (范文 and document-sharing copies), not a place.
_PLACEHOLDER = re.compile(rf"某{{1,2}}(?=[省市县区旗州盟]|{places.TOWNSHIP}|自治)")


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
    if org := org_from_title(title):
        return org, f"标题“{title}”"
    if sig_org:
        return sig_org, "落款"
    if org := _org_from_opening(text, body_start, body_end):
        return org, "正文开头"
    if org := _org_of_named_report(text, body_start, body_end):
        return org, "正文中提到的报告名称"
    return "", ""




def _cascade(doc: SourceDocument, text: str, title: str, signature_org: str, body_start: int, body_end: int,
             said: str, place_of_title: str) -> tuple[str, str]:
    """The issuing body by the rules of rounds 1–6, in their order of precedence, with where it was read."""
    body = text[body_start:body_end]
    org_raw, why = _issuer_evidence(title, signature_org, text, body_start, body_end)
    if org_raw and org_raw not in text and said and said != _level_of_org(org_raw, region_of(org_raw)):
        # a government built from the opening's place (「2024年，X区深入推进…」) in a text that calls
        # itself 我局 is a bureau's report about its district: its issuer is not that government
        org_raw, why = "", ""
    if why != f"标题“{title}”":
        org_raw = _normalise(org_raw, body)
    elif org_raw and not region_of(org_raw) and (fuller := full_form(org_raw, body)):
        org_raw = _resolve_bare_government(fuller, body)
    else:
        org_raw = _resolve_bare_government(org_raw, body)
    if not org_raw and place_of_title:
        # 「徐中乡2024年法治政府建设情况报告」 with nothing else naming the body: the place's own report
        org_raw, why = government_of(place_of_title), f"标题开头的地名“{place_of_title}”"
    if not org_raw and (org_raw := _placeless_subject(text, body_start, body_end)):
        why = "正文开头（全称见正文）"
    if not org_raw and (own := _resolve_self_township(body)):
        # 「我镇」 throughout, the township named only in running text (report-patterns §16)
        org_raw, why = own, f"自称“我镇/我乡/我街道”，正文中只出现“{own.removesuffix('人民政府').removesuffix('办事处')}”"
    if not org_raw and (posted := _posting_body(doc, said)):
        org_raw, why = posted
    if (place_of_title and org_raw and not _is_government_of(org_raw, place_of_title)
            and government_of(place_of_title)):
        # 「宝坻区2020年度法治政府建设情况报告」 is the district's own report: a 来源 or signature
        # naming its 政府办公室 or 司法局 names the office that drafted or posted it, not the issuer.
        org_raw, why = government_of(place_of_title), f"标题开头的地名“{place_of_title}”"
    return org_raw, why


def _normalise(org: str, body: str) -> str:
    """A name as the text writes it, completed: the text's one full form of a placeless name (市人社局),
    a level-only government resolved (省政府), 「X镇政府」 as 「X镇人民政府」."""
    if org and not region_of(org) and (fuller := full_form(org, body)):
        org = fuller
    org = _resolve_bare_government(org, body)
    if short := _SHORT_TOWNSHIP_GOVERNMENT.fullmatch(org):
        org = short.group(1) + "人民政府"
    return org


# An office that posts a government's pages (its 来源 row, its site header) rather than writing the report.
_POSTING_OFFICE = re.compile(r"办公室|办公厅|司法局|法制|信息|融媒体|网站|新闻|门户|大数据")
_HEADER_LINES = 12


def issuer_candidates(doc: SourceDocument, text: str, title: str, signature_org: str, body_start: int,
                      body_end: int, said: str, place_of_title: str) -> list[issuer_scoring.Candidate]:
    """Every organisation name the report offers for its issuer, one :class:`Candidate` per distinct name
    with its sources and features (see ``rag.report.issuer_scoring``)."""
    body = text[body_start:body_end]
    found: list[tuple[str, str, str]] = []  # (name, source, evidence)
    if org := org_from_title(title):
        found.append((org if region_of(org) else _normalise(org, body), "title", f"标题“{title}”"))
    if place_of_title and (gov := government_of(place_of_title)):
        found.append((gov, "title_place", f"标题开头的地名“{place_of_title}”"))
    if signature_org:
        found.append((_normalise(signature_org, body), "signature", "落款"))
    if org := _org_from_opening(text, body_start, body_end):
        found.append((_normalise(org, body), "opening", "正文开头"))
    if org := _placeless_subject(text, body_start, body_end):
        found.append((org, "opening", "正文开头（全称见正文）"))
    if org := _org_of_named_report(text, body_start, body_end):
        found.append((_normalise(org, body), "named_report", "正文中提到的报告名称"))
    if own := _resolve_self_township(body):
        found.append((own, "self_township", f"自称“我镇/我乡/我街道”，正文中只出现“{own.removesuffix('人民政府').removesuffix('办事处')}”"))
    if (m := _SOURCE_LABEL.search(doc.text[:3000])) and re.search(rf"({ORG_SUFFIX})$", m.group(1)):
        found.append((_normalise(m.group(1), body), "posting", f"页面“{m.group(0)}”"))
    for line in text[:body_start].splitlines()[-_HEADER_LINES:]:
        if (m := SIGNATURE_ORG.match(line)) and m.group(1).strip() != title.strip():
            found.append((_normalise(m.group(1).strip(), body), "header", f"页首“{m.group(1).strip()}”"))
    addressees = [line for line in body[:600].splitlines() if SALUTATION.match(line.strip())]
    candidates: dict[str, issuer_scoring.Candidate] = {}
    for name, source, note in found:
        if name:
            candidates.setdefault(name, issuer_scoring.Candidate(name)).sources.setdefault(source, note)
    for cand in candidates.values():
        level = _level_of_org(cand.name, region_of(cand.name))
        cand.features = {
            "mentions": float(min(3, body.count(cand.name))),
            "kind": 0.0 if not (said and level) else (1.0 if said == level else -1.0),
            "title_place": (0.0 if not (place_of_title and government_of(place_of_title))
                            else 1.0 if _is_government_of(cand.name, place_of_title) else -1.0),
            "addressee": float(any(cand.name in a for a in addressees)),
            "poster_only": float(set(cand.sources) <= {"posting", "header"}
                                 and bool(_POSTING_OFFICE.search(cand.name))),
        }
    return list(candidates.values())


def find_issuer(doc: SourceDocument, text: str, title: str, signature_org: str,
                body_start: int, body_end: int) -> tuple[Issuer, list[ParseWarning]]:
    """The issuing body of the report in ``text[body_start:body_end]`` (cleaned text) titled ``title``,
    with ``signature_org`` the body in its signature block ("" when none) and ``doc`` the page it was
    read from (for the 来源 line). The candidates are scored (``issuer_candidates``); when no candidate
    leads by the margin, the rules' cascade answers, and a warning says when neither can tell."""
    warnings: list[ParseWarning] = []
    body = text[body_start:body_end]
    place_of_title = "" if org_from_title(title) else _title_place(title)
    said = level_from_text(body, self_only=True)
    org_raw, why = _cascade(doc, text, title, signature_org, body_start, body_end, said, place_of_title)
    candidates = issuer_candidates(doc, text, title, signature_org, body_start, body_end, said, place_of_title)
    choice = issuer_scoring.pick(candidates)
    if choice.name:
        org_raw, why = choice.name, choice.evidence
    elif not org_raw and len(choice.contenders) > 1:
        warnings.append(ParseWarning("issuer_undetermined",
                                     f"发布机关未能确定（候选：{'、'.join(choice.contenders)}）（issuer undetermined）"))
    masked = _is_masked(org_raw, text)
    issuing_body = "" if masked else org_raw
    region = "" if masked else region_of(org_raw)
    if not org_raw and (place := _title_place(title)):
        masked = _is_masked(place, text)
        region = "" if masked else place
        org_raw = place  # for the level only: "北碚区2022年度…报告" is a district's report
    if masked:
        warnings.append(ParseWarning("masked_names", f"发布机关名称在原文中被遮蔽（“{org_raw}”）（masked names）"))
    level = (_level_of_org(org_raw, region) or _joint_subject_level(text, body_start, body_end)
             or level_from_text(body))
    return Issuer(issuing_body, region, level, why if issuing_body else ""), warnings
