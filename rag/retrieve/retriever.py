"""Hybrid retrieval: dense (FAISS) + sparse (BM25) fused by weighted reciprocal rank fusion.

Report awareness: ``analyze_query`` recognises which report(s) a question is about (place name or
its short form, issuing body, the year reported on, 文号) and which part of a report it asks for
(problems, plans, responsibility, measures). ``Retriever.search`` restricts to or boosts the named
reports (``settings.report_filter``), boosts chunks of the asked-about section role and removes
chunks that mostly repeat a better-ranked one. The asked part of a boosted report ranks as in a search
restricted to it (``Retriever._part_rows``); a question naming no report leans on its words
(``settings.library_dense_share``); the keywords carry the question's everyday wording and figures in the
report's spellings (rag.lang.synonyms, rag.lang.figure_forms).
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
from dataclasses import dataclass
from typing import Any

from rag.core.config import RetrievalSettings
from rag.core.errors import BadQueryError
from rag.core.protocols import Embedder
from rag.core.types import Chunk, Hit, ReportInfo
from rag.index.chunk import METADATA_ROLE
from rag.index.store_base import ReportStore
from rag.lang import places
from rag.lang.docno import DOC_NUMBER, normalize_doc_number
from rag.lang.figure_forms import figure_forms
from rag.lang.synonyms import report_fields, report_wording
from rag.lang.years import YEAR
from rag.question.analysis import QuestionInfo, analyze_question, asked_kind, section_roles
from rag.report.headings import match_heading

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500  # longer questions are cut: embedders truncate anyway, BM25 drowns in noise
REPORT_BOOST = 1.0  # report_filter="boost": named reports' fused scores are multiplied by 1 + this
YEAR_ONLY_BOOST = 0.2  # a year alone does not name a report; it only nudges reports of that year
SECONDARY_ROLE_SHARE = 0.8  # share of role_boost for a chunk that names the asked part outside its section role
DUPLICATE_OVERLAP = 0.5  # a chunk overlapping a better hit by more than this share of itself is dropped
# A title line, a signature, a bare heading, or the metadata passage says nothing about the work a
# question asks about, yet it shares the report's names with every question: it is weighted down unless
# the question asks about the report itself (who issued it, when, its 文号, its 来源).
FURNITURE_WEIGHT = 0.5
FURNITURE_CHARS = 60  # a passage without a sentence end and shorter than this is a line, not text
_SENTENCE_END = re.compile(r"[。！？；!?;]")

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
    title_head = re.split(rf"{YEAR}|关于|法治政府", info.title or "")[0]
    for source in (info.region, info.issuing_body, title_head):
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


def _issuer_named(info: ReportInfo, flat_question: str) -> bool:
    """The question writes out the report's issuing body, and that body is one of a kind: not a bare
    level word plus an office (区政府办公室, 市住房城乡建设局 stand for one in every place)."""
    issuer = _own_issuer(info.issuing_body or "")
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
    flat = re.sub(r"\s+", "", text_wo_docs)
    latin = tuple(re.findall(r"[a-z]+", text_wo_docs.lower()))  # "Guangzhou", "Tong Nan" -> pinyin match
    for info in reports:
        specific, parents = _names_for(info)
        hit_specific = [n for n in specific if n in flat]
        hit_parent = [n for n in parents if n in flat]
        if latin and not hit_specific:
            hit_specific = _latin_hits(specific, latin)
            hit_parent = hit_parent or _latin_hits(parents, latin)
        score = scores.get(info.report_id, 0)
        if info.title and _names_a_body(info.title) and re.sub(r"\s+", "", info.title) in flat:
            score = max(score, 4)
            matched.append(info.title.strip())
        if _issuer_named(info, flat):  # 水利部, 应急管理部: a body that no place name stands for
            score = max(score, 3)
            matched.append(info.issuing_body)
        if hit_specific:
            score = max(score, 3)
            matched.extend(hit_specific)
            matched.extend(_issuer_from(info.issuing_body or "", hit_specific, flat))
        elif hit_parent:
            score = max(score, 1)
            matched.extend(hit_parent)
        if score:
            scores[info.report_id] = score
    best = max(scores.values(), default=0)
    named = [r for r, s in scores.items() if s == best] if best else []
    if named:
        reasons.append("place/issuer: " + "、".join(sorted(set(matched))))

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


def prepare_query(query: Any) -> str:
    """Validate and tidy a question: empty → BadQueryError; overlong → cut (logged)."""
    if not isinstance(query, str):
        raise BadQueryError("问题必须是文字（the question must be text）。请输入要在报告中查找的内容。")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", query).strip()
    if not text:
        raise BadQueryError(
            "问题为空（empty question）。请输入要在报告中查找的内容，例如：2020年收到多少件行政复议申请？"
        )
    if not re.search(r"[\u4e00-\u9fa5A-Za-z0-9]", text):
        raise BadQueryError(
            "问题中没有可检索的文字或数字（no words or figures to search for）。请用中文写出要查找的内容。"
        )
    if len(text) > MAX_QUERY_CHARS:
        log.warning("Question is %d characters long; searching with its first %d.", len(text), MAX_QUERY_CHARS)
        cut = text[:MAX_QUERY_CHARS]
        # prefer to cut at a sentence end when one is near the limit
        end = max(cut.rfind(p) for p in "。？！?!；;\n")
        text = cut[: end + 1] if end > MAX_QUERY_CHARS // 2 else cut
    return text


def kind_reports(kind: str, reports: list[ReportInfo]) -> set[str]:
    """Reports by a body of the asked kind (「哪个街道…」 → the 街道 reports): nudged, like a year alone."""
    if not kind:
        return set()
    return {info.report_id for info in reports
            if kind in _ORG_TAIL.sub("", info.issuing_body or "") or kind in (info.region or "")}


def rows_for_reports(store: ReportStore, report_ids: set[str]) -> list[int]:
    """Index rows of the given reports' chunks."""
    return [int(r) for r in store.rows_for_reports(sorted(report_ids))]


@functools.lru_cache(maxsize=8192)
def heading_roles(section_path: str) -> frozenset[str]:
    """The parts a chunk's headings name, beside the role of its top-level section: 「（四）履行第一责任人
    职责」 under 「一、主要工作」 is about responsibility too."""
    headings = section_path.split(" > ")[1:]  # the first element is the report's label
    return frozenset(role for heading in headings for role in section_roles(heading) if role != METADATA_ROLE)


@functools.lru_cache(maxsize=8192)
def text_heading_roles(text: str) -> frozenset[str]:
    """The parts named by the headings inside a chunk's text. A chunk that packs 「（一）…（二）…（三）压实
    第一责任人职责」 carries only its first heading in its path, yet it is about responsibility too."""
    roles: set[str] = set()
    for line in text.split("\n"):
        m = match_heading(line)
        if m is not None and m.end > m.marker_end:
            roles.update(r for r in section_roles(line[m.marker_end : m.end]) if r != METADATA_ROLE)
    return frozenset(roles)


_DUTY = "第一责任人"  # the duty the required part 「履行推进法治建设第一责任人职责情况」 reports on


@functools.lru_cache(maxsize=8192)
def opening_roles(text: str) -> frozenset[str]:
    """The part a chunk's first sentence of body text states it is about. A report that folds the
    responsibility part into its measures (「一、强化领导责任……\n主要负责人履行推进法治建设第一责任人职责，…」)
    names it in the opening sentence, not in a heading."""
    for line in text.split("\n"):
        m = match_heading(line)
        body = line[m.end :] if m is not None else line
        if not body.strip(" 。：:"):
            continue  # a heading on its own line
        sentence = re.split(r"[。；;！？]", body, maxsplit=1)[0]
        return frozenset(("responsibility",)) if _DUTY in sentence else frozenset()
    return frozenset()


def chunk_roles(chunk: Chunk) -> frozenset[str]:
    """Every part a chunk is about: its section's role, its headings', the sub-headings it holds and
    the part its opening sentence states."""
    return (frozenset((chunk.role,)) | heading_roles(chunk.section_path) | text_heading_roles(chunk.text)
            | opening_roles(chunk.text))


def is_furniture(chunk: Chunk) -> bool:
    """The metadata passage, or a line without a sentence (title, signature, date, bare heading)."""
    if chunk.role == METADATA_ROLE:
        return True
    text = chunk.text.strip()
    return len(text) < FURNITURE_CHARS and not _SENTENCE_END.search(text)


def keyword_lead(scores: dict[int, float], chunks: dict[int, Chunk]) -> dict[int, float]:
    """How clearly the keyword match singles a passage out, per row: (BM25 score / the best)^2 times the
    best report's lead, 1 - (the best score in any other report) / the best.

    Rank fusion sees only ranks: a phrase that one report holds (BM25 five times the runner-up's) is
    worth no more than a close second, and a weak dense ranking outvotes it. Words that every report
    uses lead nowhere and add nothing.
    """
    known = {row: s for row, s in scores.items() if row in chunks and s > 0}
    if not known:
        return {}
    best = max(known, key=lambda row: (known[row], -row))
    top, leader = known[best], chunks[best].report_id
    runner_up = max((s for row, s in known.items() if chunks[row].report_id != leader), default=0.0)
    lead = 1.0 - runner_up / top
    return {row: lead * (s / top) ** 2 for row, s in known.items()}


def _overlap(a: Chunk, b: Chunk) -> float:
    if a.report_id != b.report_id:
        return 0.0
    inter = min(a.span[1], b.span[1]) - max(a.span[0], b.span[0])
    return max(0, inter) / max(1, a.span[1] - a.span[0])


class Retriever:
    """Hybrid search over an IndexStore; cheap to build (the service builds one per query)."""

    def __init__(self, store: ReportStore, embedder: Embedder, settings: RetrievalSettings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def search(self, query: str, k: int | None = None, report_ids: list[str] | None = None) -> list[Hit]:
        text = prepare_query(query)
        k = max(1, int(k or self.settings.k))
        reports = self.store.reports()
        intent = analyze_query(text, reports)
        restrict: set[str] | None = None
        boost: set[str] = set()
        if report_ids:
            restrict = {self.store.resolve(ref).report_id for ref in report_ids}
        elif intent.report_ids and self.settings.report_filter != "off":
            mode = self.settings.report_filter
            if not intent.year_only and (mode == "restrict" or (mode == "auto" and intent.certain)):
                restrict = set(intent.report_ids)
            else:
                boost = set(intent.report_ids)
        log.debug("query intent: %s", intent)
        named = bool(restrict and not report_ids) or bool(boost and not intent.year_only)
        search_text = intent.topic if named else text  # place words say nothing inside the named reports
        dense_share = 1.0 if named or report_ids else self.settings.library_dense_share
        boost_rows = rows_for_reports(self.store, boost) if boost else []  # read once, for both uses
        # a question about the report itself asks for fields of the metadata passage by their labels
        fields = report_fields(text) if METADATA_ROLE in intent.roles else ()
        fused, keyword = self._fuse(search_text, restrict, boost_rows, self._part_rows(intent, boost_rows), dense_share,
                                    fields)
        nudge = set() if intent.report_ids or report_ids else kind_reports(asked_kind(text), reports)
        return self._rank(fused, keyword, intent, boost, k, {info.report_id: info for info in reports}, nudge)

    def _part_rows(self, intent: QueryIntent, boost_rows: list[int]) -> set[int]:
        """Rows of the asked part (problems, plans …) among ``boost_rows``, the rows of the reports a
        question names and boosts.

        A question for a part of a named report (「X县2024年还有哪些不足」) shares its words with the same
        part of every report; in the global lists the named report's part can rank below the other
        reports' parts, where a boost does not reach. These rows are ranked as in a search restricted
        to their reports (as the baselines' report filter does), the other reports' rows as usual.
        For a question about the report itself (who issued it, when, its title) the asked part is the
        metadata passage, furniture though it is elsewhere. A question that names a report and asks for
        no part asks for any of its text (「炼铁乡2022年让几个村重新定了村里的规矩」): all its rows but
        furniture rank as in the restricted search, so the same work told in other reports does not
        outrank it."""
        if not boost_rows or intent.year_only:
            return set()
        chunks = self.store.chunks_by_rows(boost_rows)
        if not intent.roles:
            return {row for row, chunk in chunks.items() if not is_furniture(chunk)}
        about_report = METADATA_ROLE in intent.roles
        return {row for row, chunk in chunks.items()
                if (about_report and chunk.role == METADATA_ROLE)
                or (not is_furniture(chunk) and not chunk_roles(chunk).isdisjoint(intent.roles))}

    def _candidates(self, text: str, rows: list[int] | None, extra_rows: list[int] | None = None,
                    dense_share: float = 1.0, fields: tuple[str, ...] = ()) -> list[
                        tuple[list[tuple[int, float]], float, bool, list[tuple[int, float]]]]:
        """(ranked rows, weight, lexical?, the restricted search's own ranking) per retriever;
        ``extra_rows`` adds a restricted search's candidates to the global list (same score scale), so
        boosted reports compete even when the global list missed them, and the other reports'
        strongest hits stay among the candidates."""
        n = self.settings.candidates
        out = []
        searches = []
        if self.settings.dense_weight > 0:
            qvec = self.embedder.embed_query(text)
            searches.append((lambda allowed: self.store.search_dense(qvec, n, allowed_rows=allowed),
                             self.settings.dense_weight * dense_share, False))
        if self.settings.sparse_weight > 0:
            # the report's words for the question's everyday ones (讨回工钱 → 追发 工资) and its figures as
            # reports write them (五个人 → 5名, 百分之六十 → 60% 六成) join its keywords
            keywords = " ".join((text, *report_wording(text), *figure_forms(text)))
            # the asked fields' labels stand in every report's metadata passage: they join the keywords only
            # where the search is confined to the named reports (restricted, or the boosted reports' own search)
            own_keywords = " ".join((keywords, *fields))

            def sparse(allowed: list[int] | None) -> list[tuple[int, float]]:
                confined = allowed is not None and (allowed is extra_rows or not extra_rows)
                return self.store.search_sparse(own_keywords if confined else keywords, n, allowed_rows=allowed)

            searches.append((sparse, self.settings.sparse_weight, True))
        for run, weight, lexical in searches:
            ranked = run(rows)
            own: list[tuple[int, float]] = []
            if extra_rows:
                own = run(extra_rows)
                best = dict(ranked)
                for row, score in own:
                    best[row] = max(score, best.get(row, score))
                ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
            out.append((ranked, weight, lexical, own))
        return out

    def _fuse(self, text: str, restrict: set[str] | None, boost_rows: list[int],
              part_rows: set[int] | frozenset[int] = frozenset(),
              dense_share: float = 1.0, fields: tuple[str, ...] = ()) -> tuple[dict[int, float], dict[int, float]]:
        """Weighted reciprocal rank fusion, score(row) = sum of weight / (rrf_k + rank); and the keyword
        list's BM25 scores, for ``keyword_lead``. Rows in ``part_rows`` take the better of their global
        and their own reports' ranks (``_part_rows``)."""
        rows = rows_for_reports(self.store, restrict) if restrict is not None else None
        if rows is not None and not rows:
            return {}, {}
        fused: dict[int, float] = {}
        own_fused: dict[int, float] = {}
        keyword: dict[int, float] = {}
        for ranked, weight, lexical, own in self._candidates(text, rows, boost_rows or None, dense_share, fields):
            for rank, (row, _score) in enumerate(ranked, 1):
                fused[row] = fused.get(row, 0.0) + weight / (self.settings.rrf_k + rank)
            for rank, (row, _score) in enumerate((item for item in own if item[0] in part_rows), 1):
                own_fused[row] = own_fused.get(row, 0.0) + weight / (self.settings.rrf_k + rank)
            if lexical:
                keyword = dict(ranked)
        for row, score in own_fused.items():
            fused[row] = max(fused.get(row, 0.0), score)
        return fused, keyword

    def _rank(self, fused: dict[int, float], keyword: dict[int, float], intent: QueryIntent, boost: set[str],
              k: int, infos: dict[str, ReportInfo], nudge: frozenset[str] | set[str] = frozenset()) -> list[Hit]:
        scored: list[tuple[float, int, Chunk, ReportInfo]] = []
        chunks = self.store.chunks_by_rows(list(fused))
        first_rank = self.settings.sparse_weight / (self.settings.rrf_k + 1)
        lead = keyword_lead(keyword, chunks) if self.settings.lexical_boost > 0 else {}
        for row, score in fused.items():
            chunk = chunks.get(row)
            if chunk is None:  # the index changed under us; skip what is gone
                continue
            score += self.settings.lexical_boost * first_rank * lead.get(row, 0.0)
            info = infos.get(chunk.report_id) or self.store.report_for_row(row)
            if METADATA_ROLE not in intent.roles and is_furniture(chunk):
                score *= FURNITURE_WEIGHT  # a bare heading of the asked part names it, it says nothing of it
            elif intent.roles and chunk.role in intent.roles:
                score *= 1.0 + self.settings.role_boost
            elif intent.roles and not chunk_roles(chunk).isdisjoint(intent.roles):
                # a sub-heading or the opening sentence names the part: surely about it, less surely than
                # a passage of the part's own section
                score *= 1.0 + SECONDARY_ROLE_SHARE * self.settings.role_boost
            if chunk.report_id in boost:
                score *= 1.0 + (YEAR_ONLY_BOOST if intent.year_only else REPORT_BOOST)
            elif chunk.report_id in nudge:
                score *= 1.0 + YEAR_ONLY_BOOST
            scored.append((score, row, chunk, info))
        scored.sort(key=lambda item: (-item[0], item[1]))
        kept: list[tuple[float, Chunk, ReportInfo]] = []
        for score, _row, chunk, info in scored:
            if any(_overlap(chunk, other) > DUPLICATE_OVERLAP for _s, other, _i in kept):
                continue
            kept.append((score, chunk, info))
            if len(kept) == k:
                break
        return [Hit(rank=i, score=s, chunk=c, report=r) for i, (s, c, r) in enumerate(kept, 1)]
