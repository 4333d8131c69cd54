"""Which reports a question names, and which part of them it asks for: ``analyze_query``.

A question names a report by its place (full or short form, even in pinyin), its issuing body, the year
reported on or its 文号; a report's own names come from its metadata (``ReportInfo``). The result
(``QueryIntent``) is evidence for the retriever (rag.retrieve.retriever), which restricts to the named
reports only when the match is certain and otherwise boosts them.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from rag.core.types import ReportInfo
from rag.lang import places
from rag.lang.docno import DOC_NUMBER, normalize_doc_number
from rag.lang.script import to_simplified
from rag.lang.years import YEAR
from rag.question.analysis import QuestionInfo, analyze_question

# 州 ends a place only when no 市/区/县 follows (广州市, 杭州市 are cities, 阿坝州 is a prefecture).
_ISSUER_WORDS = re.compile(r"(?:人民)?政府办公[厅室]|人民政府")
_ORG_TAIL = re.compile(r"人民政府|政府|办公厅|办公室|党委|委员会|司法局|关于|\d")


@dataclass(frozen=True)
class QueryIntent:
    """What a question says about *which* report and *which part* of it it is about."""

    query: str  # the (possibly truncated) question
    report_ids: tuple[str, ...] = ()  # reports the question names; () = none named
    roles: tuple[str, ...] = ()  # asked-about section roles, e.g. ("problems",)
    years: tuple[int, ...] = ()  # the year(s) reported on, as the question says it
    plan_year: int | None = None  # a year that the question's plans are *for* ("2021年工作安排")
    doc_number: str = ""
    matched: tuple[str, ...] = ()  # the query substrings that named the report (place, 文号, year)
    reasons: tuple[str, ...] = ()  # human-readable, for --explain / debugging
    year_only: bool = False  # only a year was recognised: boost, never restrict
    certain: bool = False  # named beyond doubt (its 文号 or its exact title): report_filter="auto" restricts

    @property
    def topic(self) -> str:
        """The question without the words that only name the report (they say nothing inside it)."""
        text = self.query
        for part in sorted(self.matched, key=len, reverse=True):
            text = text.replace(part, " ")
        text = _ISSUER_WORDS.sub(" ", text)
        text = re.sub(r"(?:的)?(?:法治政府建设)?(?:年度|情况|工作)*(?:的)?报告(?:中|里|说|提到|列出)?", " ", text)
        text = re.sub(r"\s+", " ", text).strip(" ，,、：:")
        return text if len(re.findall(r"[\u4e00-\u9fa5A-Za-z0-9]", text)) >= 2 else self.query


@functools.lru_cache(maxsize=8192)  # ReportInfo is frozen; this runs for every report on every query
def _names_for(info: ReportInfo) -> tuple[frozenset[str], frozenset[str]]:
    """(specific names, parent names) of the place a report is about: 潼南区/潼南, 重庆市."""
    specific: set[str] = set()
    parents: set[str] = set()
    title_head = re.split(rf"{YEAR}|关于|法治政府", to_simplified(info.title or ""))[0]
    for source in (to_simplified(info.region or ""), to_simplified(info.issuing_body or ""), title_head):
        # a body under a government names its own place after it: 「丰泽区人民政府东海街道办事处」
        pieces = [p for p in _ORG_TAIL.split(source or "") if p.strip()][:2]
        mentions = [m for piece in pieces for m in places.find_places(piece.strip())]
        if not mentions:
            continue
        *upper, last = mentions
        for mention in upper:
            parents.update(places.names_of(mention))
        specific.update(places.names_of(last))
    return frozenset(specific), frozenset(parents - specific)


# The words every report title is made of: a title of these alone (「法治政府建设年度报告」, 「关于2021年度
# 法治政府建设工作情况的报告」) names no report, though each question about such reports contains it.
_GENRE_WORDS = re.compile(rf"{YEAR}|[年度]|关于|的|法治政府建设|法治建设|依法行政|法治|工作|情况|报告|推进|[\s《》“”\"]")

# 「市政府关于…」「我镇人民政府…」 name no place
_BARE_GOVERNMENT = re.compile(rf"[本我]?(?:{places.LEVEL_WORD}|{places.TOWNSHIP})?{places.GOVERNMENT}(?:办公室|办)?")


def _names_a_body(title: str) -> bool:
    """Whether a title says whose report it is (at least two characters beyond the genre words)."""
    rest = _GENRE_WORDS.sub("", title)
    return len(rest) >= 2 and not _BARE_GOVERNMENT.fullmatch(rest)


@functools.lru_cache(maxsize=8192)  # ReportInfo is frozen; the same reports come with every query
def _simplified_names(info: ReportInfo) -> tuple[str, str]:
    """(title without whitespace, issuing body) in simplified characters, as questions are matched."""
    return to_simplified(re.sub(r"\s+", "", info.title or "")), to_simplified(info.issuing_body or "")


def _issuer_named(issuing_body: str, flat_question: str) -> bool:
    """The question writes out the report's issuing body, and that body is one of a kind: not a bare
    level word plus an office (区政府办公室, 市住房城乡建设局 stand for one in every place)."""
    issuer = _own_issuer(issuing_body)
    return bool(issuer) and issuer in flat_question


def _issuer_from(issuing_body: str, places_named: list[str], flat_question: str) -> list[str]:
    """The issuer as the question writes it from the place on: 「张湾区教育局」 of 「十堰市张湾区教育局」. Its
    words name the report; left in the search text they match every 教育局 report."""
    issuer = re.sub(r"\s+", "", issuing_body)
    out = []
    for name in places_named:
        at = issuer.find(name)
        tail = issuer[at:] if at >= 0 else ""
        if len(tail) > len(name) and tail in flat_question:
            out.append(tail)
    return out


# an organisation as a question writes it: 「后河自然保护区管理局」, 「南郑区住建局」
_ORG_IN_QUESTION = re.compile(r"[\u4e00-\u9fff]{2,14}?(?:管理局|管委会|委员会|办事处|局|委|厅|办|中心)")
SHORT_ISSUER_CHARS = 6  # shorter forms (教育局, 司法局) name a kind of body, not one


def _issuer_shortened(issuing_body: str, flat_question: str) -> str:
    """The body the question names by a short form of the report's issuer, or "": the question's name keeps
    the issuer's characters in order and opens with two of them side by side (后河自然保护区管理局 of
    湖北五峰后河国家级自然保护区管理局, 人社局 of 人力资源和社会保障局 after the place)."""
    issuer = _own_issuer(issuing_body)
    if not issuer:
        return ""
    for m in _ORG_IN_QUESTION.finditer(flat_question):
        name = m.group(0)
        if len(name) < SHORT_ISSUER_CHARS or name[0] in places.LEVEL_CHARACTERS:
            continue
        at = issuer.find(name[:2])
        if at >= 0 and _in_order(name[2:], issuer[at + 2 :]):
            return name
    return ""


def _in_order(chars: str, text: str) -> bool:
    rest = iter(text)
    return all(ch in rest for ch in chars)


@functools.lru_cache(maxsize=8192)
def _own_issuer(issuing_body: str) -> str:
    issuer = re.sub(r"\s+", "", issuing_body)
    return issuer if len(issuer) >= 3 and issuer[0] not in places.LEVEL_CHARACTERS else ""


@functools.lru_cache(maxsize=4096)
def _pinyin(name: str) -> str:
    """Toneless pinyin of a place name ("广州" -> "guangzhou"), for questions asked in English."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - declared dependency
        return ""
    return "".join(lazy_pinyin(name)).lower()


def _latin_hits(names: frozenset[str], words: tuple[str, ...]) -> list[str]:
    """Names whose pinyin equals a word of the question, or two adjacent words ("Tong Nan").

    Whole words only: joining all letters made "Shanghai and" match 海安 (hai + an).
    """
    candidates = set(words) | {a + b for a, b in itertools.pairwise(words)}
    return [n for n in names if len(n) >= 2 and len(p := _pinyin(n)) >= 5 and p in candidates]


def _year_mentions(question: QuestionInfo) -> tuple[list[int], list[int], int | None, list[str]]:
    """(report years, weak years, plan year, matched strings) of the years a question mentions.

    The mentions and their parts come from the one analysis of the question (rag.lang.years);
    content years (「2018年以来」) name no report.
    """
    strong = [m.year for m in question.year_mentions if m.role == "report"]
    weak = [m.year for m in question.year_mentions if m.role == "weak"]
    plan_year = next((m.year for m in question.year_mentions if m.role == "plan"), None)
    matched = [m.text for m in question.year_mentions if m.role in ("report", "weak")]
    return strong, weak, plan_year, matched


def analyze_query(query: str, reports: list[ReportInfo]) -> QueryIntent:
    """Recognise the report(s) and the section a question is about. Never raises on odd input."""
    text = query.strip()
    question = analyze_question(text)
    roles = question.roles
    reasons: list[str] = []
    matched: list[str] = []

    # 1. 文号: an exact number names one report; its prefix (台政办字) names an issuer.
    doc_number = ""
    scores: dict[str, int] = {}
    for m in DOC_NUMBER.finditer(text):
        doc_number = normalize_doc_number(m.group(0))
    text_wo_docs = DOC_NUMBER.sub(" ", text)
    flat_docs = normalize_doc_number(text)
    for info in reports:
        own = normalize_doc_number(info.doc_number or "")
        if own and own in flat_docs:
            scores[info.report_id] = 10
            matched.append(info.doc_number)
            continue
        prefix = own.split("〔")[0]
        if len(prefix) >= 2 and prefix in flat_docs:
            scores[info.report_id] = 3
            matched.append(prefix)
    if any(s == 10 for s in scores.values()):
        ids = tuple(r for r, s in scores.items() if s == 10)
        return QueryIntent(text, ids, roles, doc_number=doc_number, matched=tuple(matched),
                           reasons=(f"文号 {doc_number}",), certain=len(ids) == 1)

    # 2. Place names (specific beats parent) and the full title.
    # names are matched in simplified characters on both sides: a 繁體 report (廣西) is asked about as 广西,
    # and the other way round (one character for one, so the matched strings keep their length)
    flat = to_simplified(re.sub(r"\s+", "", text_wo_docs))
    latin = tuple(re.findall(r"[a-z]+", text_wo_docs.lower()))  # "Guangzhou", "Tong Nan" -> pinyin match
    for info in reports:
        specific, parents = _names_for(info)
        hit_specific = [n for n in specific if n in flat]
        hit_parent = [n for n in parents if n in flat]
        if latin and not hit_specific:
            hit_specific = _latin_hits(specific, latin)
            hit_parent = hit_parent or _latin_hits(parents, latin)
        score = scores.get(info.report_id, 0)
        title, issuer = _simplified_names(info)
        if title and _names_a_body(info.title) and title in flat:
            score = max(score, 4)
            matched.append(info.title.strip())
        if _issuer_named(issuer, flat):  # 水利部, 应急管理部: a body that no place name stands for
            score = max(score, 3)
            matched.append(info.issuing_body)
        if hit_specific:
            score = max(score, 3)
            matched.extend(hit_specific)
            matched.extend(_issuer_from(issuer, hit_specific, flat))
        elif hit_parent:
            score = max(score, 1)
            matched.extend(hit_parent)
        if score:
            scores[info.report_id] = score
    shortened: set[str] = set()
    if not scores:  # no place, title or full name: a body may still be named by a short form of its own
        for info in reports:
            if short := _issuer_shortened(_simplified_names(info)[1], flat):
                scores[info.report_id] = 2
                shortened.add(short)  # kept in the search text: its words are all the report's name the query has
    best = max(scores.values(), default=0)
    named = [r for r, s in scores.items() if s == best] if best else []
    if named:
        reasons.append("place/issuer: " + "、".join(sorted(set(matched) | shortened)))

    # 3. Years: the year reported on narrows the named reports; alone it only nudges.
    strong, weak, plan_year, year_strings = _year_mentions(question)
    matched.extend(year_strings)
    if strong and any(y > max(strong) for y in weak) and "plans" not in roles:
        roles = (*roles, "plans")  # "2020年度报告中，2021年重点抓好…": the year after is planned work
        reasons.append("a year after the reported one → plans")
    wanted = strong or weak
    if not wanted and plan_year is not None:
        wanted = [plan_year - 1]
        reasons.append(f"plans for {plan_year} → report on {plan_year - 1}")
    elif weak and not strong and "plans" in roles:
        # "广州市2021年有什么安排": plans for 2021 are in the 2020 report, unless there is none.
        wanted = [y - 1 for y in weak] + weak
        reasons.append(f"plans for {weak[0]} → report on {weak[0] - 1} preferred")
    by_id = {info.report_id: info for info in reports}
    year_only = False
    if wanted:
        pool = named or ([] if best else list(by_id))
        for year in wanted:  # first wanted year that some candidate report has wins
            same_year = [r for r in pool if by_id[r].year == year]
            if same_year:
                named = same_year
                year_only = not best
                reasons.append(f"year {year}")
                break
        else:
            # 「开封市人社局2023年重点要做哪几件事」 and the place has only its 2022 report: what it says
            # about the year after its own is its plans.
            asked = max(wanted)
            year_before = [r for r in named if (by_id[r].year or 0) + 1 == asked]
            if best and year_before:
                named = year_before
                if "plans" not in roles:
                    roles = (*roles, "plans")
                reasons.append(f"no report on {asked}; the one on {asked - 1} → its plans")
    return QueryIntent(
        query=text,
        report_ids=tuple(named),
        roles=roles,
        years=tuple(wanted),
        plan_year=plan_year,
        doc_number=doc_number,
        matched=tuple(dict.fromkeys(m for m in matched if m)),
        reasons=tuple(reasons),
        year_only=year_only,
        certain=len(named) == 1 and best == 4,  # the exact title of one report
    )


def kind_reports(kind: str, reports: list[ReportInfo]) -> set[str]:
    """Reports by a body of the asked kind (「哪个街道…」 → the 街道 reports): nudged, like a year alone."""
    if not kind:
        return set()
    return {info.report_id for info in reports
            if kind in _ORG_TAIL.sub("", info.issuing_body or "") or kind in (info.region or "")}
