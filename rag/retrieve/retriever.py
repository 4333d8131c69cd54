"""Hybrid retrieval: dense (FAISS) + sparse (BM25) fused by weighted reciprocal rank fusion.

Report awareness: ``analyze_query`` (rag.retrieve.recognition) recognises which report(s) a question
is about (place name or its short form, issuing body, the year reported on, 文号) and which part of a
report it asks for (problems, plans, responsibility, measures). ``Retriever.search`` restricts to or boosts the named
reports (``settings.report_filter``), boosts chunks of the asked-about section role and removes
chunks that mostly repeat a better-ranked one. The asked part of a boosted report ranks as in a search
restricted to it (``Retriever._part_rows``); a question naming no report leans on its words
(``settings.library_dense_share``); the keywords carry the question's everyday wording and figures in the
report's spellings (rag.lang.synonyms, rag.lang.figure_forms).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import replace
from typing import Any

from rag.core.config import RetrievalSettings
from rag.core.errors import BadQueryError
from rag.core.protocols import Embedder
from rag.core.types import Chunk, Hit, ReportInfo
from rag.index.chunk import METADATA_ROLE
from rag.index.store_base import ReportStore
from rag.lang.figure_forms import figure_forms
from rag.lang.synonyms import report_fields, report_wording
from rag.question.analysis import asked_kind, section_roles, without_asked_kind
from rag.report.headings import match_heading
from rag.retrieve.recognition import QueryIntent, analyze_query, kind_reports

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
        kind = asked_kind(text)
        if not named and not report_ids and kind:
            # 「哪家教育局聘了…」: the kind of body asked for nudges its reports (below); as a keyword it
            # would rank every passage naming such a body above the one holding the answer
            search_text = without_asked_kind(search_text)
        dense_share = 1.0 if named or report_ids else self.settings.library_dense_share
        boost_rows = rows_for_reports(self.store, boost) if boost else []  # read once, for both uses
        # a question about the report itself asks for fields of the metadata passage by their labels
        fields = report_fields(text) if METADATA_ROLE in intent.roles else ()
        fused, keyword, chunks = self._fuse(search_text, restrict, boost_rows, self._part_rows(intent, boost_rows),
                                            dense_share, fields)
        nudge = set() if intent.report_ids or report_ids else kind_reports(kind, reports)
        hits = self._rank(fused, keyword, intent, boost, k, {info.report_id: info for info in reports}, nudge,
                          chunks)
        if METADATA_ROLE in intent.roles and not intent.report_ids and not report_ids:
            hits = self._metadata_of_described_report(hits, k)
        return hits

    def _metadata_of_described_report(self, hits: list[Hit], k: int) -> list[Hit]:
        """「那篇讲组织志愿者给老年人讲防诈骗的镇级总结，标题是什么」: a question about a report it names only
        by what the report says. The report whose text matches best is the one described; its metadata
        passage (title, issuer, dates, to whom) answers, ahead of other reports' metadata passages."""
        described = next((h for h in hits if h.chunk.role != METADATA_ROLE and not is_furniture(h.chunk)), None)
        if described is None:
            return hits
        passage = next((c for c in self.store.chunks(described.chunk.report_id) if c.role == METADATA_ROLE), None)
        if passage is None:
            return hits
        rest = [h for h in hits if h.chunk.chunk_id != passage.chunk_id]
        ordered = [Hit(rank=1, score=hits[0].score, chunk=passage, report=described.report), *rest][:k]
        return [replace(h, rank=i) for i, h in enumerate(ordered, 1)]

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
              dense_share: float = 1.0, fields: tuple[str, ...] = ()) -> tuple[
                  dict[int, float], dict[int, float], dict[int, Chunk]]:
        """Weighted reciprocal rank fusion, score(row) = sum of weight / (rrf_k + rank); and the keyword
        list's BM25 scores, for ``keyword_lead``; and the candidates' chunks (read once). Rows in
        ``part_rows`` take the better of their global and their own reports' ranks (``_part_rows``)."""
        rows = rows_for_reports(self.store, restrict) if restrict is not None else None
        if rows is not None and not rows:
            return {}, {}, {}
        fused: dict[int, float] = {}
        own_fused: dict[int, float] = {}
        keyword: dict[int, float] = {}
        candidates = self._candidates(text, rows, boost_rows or None, dense_share, fields)
        chunks = self.store.chunks_by_rows({row for ranked, _w, _l, own in candidates for row, _s in (*ranked, *own)})

        def in_content_order(items: list[tuple[int, float]]) -> list[tuple[int, float]]:
            # equal scores in report and passage order, not in row order: rows follow insertion, which a
            # parallel ingest (or several workers writing one PostgreSQL) does not fix
            def key(item: tuple[int, float]) -> tuple[float, str, int, int]:
                chunk = chunks.get(item[0])
                return (-item[1], chunk.report_id if chunk else "", chunk.ordinal if chunk else 0, item[0])
            return sorted(items, key=key)

        for ranked, weight, lexical, own in candidates:
            ranked, own = in_content_order(ranked), in_content_order(own)
            for rank, (row, _score) in enumerate(ranked, 1):
                fused[row] = fused.get(row, 0.0) + weight / (self.settings.rrf_k + rank)
            for rank, (row, _score) in enumerate((item for item in own if item[0] in part_rows), 1):
                own_fused[row] = own_fused.get(row, 0.0) + weight / (self.settings.rrf_k + rank)
            if lexical:
                keyword = dict(ranked)
        for row, score in own_fused.items():
            fused[row] = max(fused.get(row, 0.0), score)
        return fused, keyword, chunks

    def _rank(self, fused: dict[int, float], keyword: dict[int, float], intent: QueryIntent, boost: set[str],
              k: int, infos: dict[str, ReportInfo], nudge: frozenset[str] | set[str] = frozenset(),
              chunks: dict[int, Chunk] | None = None) -> list[Hit]:
        scored: list[tuple[float, int, Chunk, ReportInfo]] = []
        if chunks is None or not set(fused) <= set(chunks):
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
        scored.sort(key=lambda item: (-item[0], item[2].report_id, item[2].ordinal))  # content order, as above
        kept: list[tuple[float, Chunk, ReportInfo]] = []
        for score, _row, chunk, info in scored:
            if any(_overlap(chunk, other) > DUPLICATE_OVERLAP for _s, other, _i in kept):
                continue
            kept.append((score, chunk, info))
            if len(kept) == k:
                break
        return [Hit(rank=i, score=s, chunk=c, report=r) for i, (s, c, r) in enumerate(kept, 1)]
