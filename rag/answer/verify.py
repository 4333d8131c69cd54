"""Check an answer against the passages it cites; drop every sentence that is not supported.

Rules, per sentence of the answer (a sentence ends at 。！？!? or a line break; citation markers
right after the end mark belong to it):

1. every cited number ``[n]`` is a passage that was given;
2. every figure (see ``rag.lang.figures``) appears, with the same normalised value and unit, in one of the
   passages the sentence cites; every other run of digits or Chinese numerals (``loose_numerals``:
   not a figure, not a word like 统一 or 一是) appears verbatim, as a whole run, in a cited passage;
3. every quoted phrase (“…” "…" 「…」 『…』 《…》) appears verbatim in a cited passage;
4. a sentence that states something (a figure, a quote, or any content beyond a short connective or
   a statement of absence) carries a citation;
5. a cited sentence shares most of its wording with the cited passages (catches a citation pasted
   onto an invented claim);
6. each figure counts the same thing as in the passage: when the words just before the figure name
   an action or state (保留, 精简, 取消, 下放, 受理, 办结…), the passage has that word next to the
   matching figure too (「保留行政许可事项120项」 is not supported by 「精简120项」); a sentence citing
   several passages has each figure in a passage clause that names what the sentence's clause names;
7. every place the sentence names is named by a cited passage (its header included): a figure of
   广州 is no fact of 杭州;
8. a 文号 is the passage's 文号 as a whole (issuer, year, serial; the answer may leave out the leading
   characters of the issuer, ``rag.lang.docno.same_doc_number``).

「一家企业」「一项制度」 in the model's phrasing are articles, not figures (``rag.lang.figures.is_article``),
unless a cited passage counts that noun with a number.

Attribution: a sentence the model wrote without a marker, or with a wrong one, is not dropped at
once. It is checked against each given passage on its own, best wording overlap first, then against
pairs of passages of one report, and kept with the markers of the first that supports it
(``Sentence.attributed``). So an answer does not depend on the model writing citation markers, and
every kept figure still has its passage.

A sentence that is exactly the refusal (citations and punctuation aside) needs no checks; one that
only contains it is checked like any other.

Property the tests check: no sentence with an unsupported figure survives, and no removal note shows
one (``Verification.notes`` masks them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.lang import sentences as lang_sentences
from rag.lang.docno import parse_doc_numbers, same_doc_number
from rag.lang.figures import Figure, figures_match, find_figures, is_article, is_supported, loose_numerals, numeral_in
from rag.lang.places import find_places

REFUSAL = "已收录的报告中未找到相关内容。"
MASKED_MARK = "原文已遮蔽"
MASKED_SENTENCE = "注：报告原文中的相关数字已遮蔽（原文已遮蔽），无法给出具体数值。"
UNVERIFIED_MARK = "〔未核实数字〕"

_CITE = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、\-–]\s*\d{1,3})*)\s*[\]】］]")
_END = lang_sentences.FULL_STOPS
_CLOSERS = lang_sentences.CLOSERS
_QUOTES = re.compile(r"“([^”]{2,})”|「([^」]{2,})」|『([^』]{2,})』|《([^》]{2,})》|\"([^\"]{2,})\"")
_META = re.compile(
    r"未找到|未提及|没有提及|未提到|没有提到|未说明|未披露|未列出|未全部列出|未能确定|无法确定|无法判断|无法给出|无法回答|"
    r"原文已遮蔽|已遮蔽|报告(中)?没有"
)
_FILLER = re.compile(r"报告(中|里)?(提到|指出|显示|称|写道|表示)|根据(报告|材料|资料)|据(报告|材料)|其中|此外|另外|同时|主要|包括|方面")
_CJK_OR_DIGIT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
MIN_OVERLAP = 0.5
MIN_CONTENT_CHARS = 10


@dataclass(frozen=True)
class Sentence:
    text: str  # as written, citation markers included
    body: str  # without citation markers
    citations: tuple[int, ...]
    start: int
    end: int
    attributed: bool = False  # the citation was found by the verifier, not written by the model


@dataclass(frozen=True)
class Removed:
    sentence: str  # as written: may hold unsupported figures, never show it to a user
    reasons: tuple[str, ...]  # name the unsupported figures: for logs and evaluation only
    shown: str = ""  # the sentence without citation markers, every unsupported figure masked

    def display(self) -> str:
        return self.shown or mask_numbers(strip_citations(self.sentence).strip())


@dataclass
class Verification:
    text: str  # the kept sentences
    kept: list[Sentence] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    citations: list[int] = field(default_factory=list)  # passage numbers cited in ``text``, first use first
    refused: bool = False  # the kept text is only the refusal sentence (and other meta sentences)
    masked: bool = False  # the kept text reports masked figures

    @property
    def ok(self) -> bool:
        return not self.removed

    @property
    def usable(self) -> bool:
        """Something supported and substantive is left (not only a refusal or a bare marker)."""
        return any(s.citations and len(_CJK_OR_DIGIT.findall(s.body)) >= 4 and REFUSAL.rstrip("。") not in s.body for s in self.kept)

    def notes(self) -> list[str]:
        """What was removed and why, for the user: unsupported figures are masked in the sentence, and a
        reason names its kind of failure but not the figures (a rejected figure is never shown)."""
        return [f"已删除未通过核验的句子：“{r.display()}”（{'；'.join(_reason_kind(x) for x in r.reasons)}）" for r in self.removed]


def _reason_kind(reason: str) -> str:
    return reason.split("：", 1)[0]


def mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span replaced by UNVERIFIED_MARK (overlapping or adjacent spans merge)."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        elif a < b:
            merged.append([a, b])
    out, at = [], 0
    for a, b in merged:
        out += [text[at:a], UNVERIFIED_MARK]
        at = b
    out.append(text[at:])
    return "".join(out)


def mask_numbers(text: str) -> str:
    """``text`` with every figure and numeral run masked (when nothing says which ones are supported)."""
    figures = find_figures(text)
    spans = [(f.start, f.end) for f in figures] + [(a, b) for a, b, _ in loose_numerals(text, figures)]
    return mask_spans(text, spans)


def parse_citations(marker_text: str) -> list[int]:
    out: list[int] = []
    for m in _CITE.finditer(marker_text):
        for part in re.split(r"\s*[,，、]\s*", m.group(1)):
            if re.fullmatch(r"\d+\s*[-–]\s*\d+", part):
                a, b = (int(x) for x in re.split(r"\s*[-–]\s*", part))
                out.extend(range(a, b + 1) if 0 < b - a < 20 else (a, b))
            else:
                out.append(int(part))
    return out


def strip_citations(text: str) -> str:
    return _CITE.sub("", text)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of an answer; citation markers after the end mark belong to it."""
    return lang_sentences.sentence_spans(text, trailing=_CITE)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with the citations that follow their words (a marker before any word cites nothing)."""
    out = []
    for a, b in sentence_spans(text):
        raw = text[a:b]
        lead = re.match(r"(?:\s*" + _CITE.pattern + r")+", raw)
        cited = raw[lead.end() :] if lead else raw
        out.append(Sentence(raw, strip_citations(raw).strip(), tuple(parse_citations(cited)), a, b))
    return out


def compact(text: str) -> str:
    """Text for verbatim comparison: no whitespace, no markdown emphasis."""
    return re.sub(r"\s+|\*\*", "", text)


def bigrams(text: str) -> set[str]:
    chars = "".join(_CJK_OR_DIGIT.findall(text))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def overlap(claim: str, evidence: str) -> float:
    wanted = bigrams(_FILLER.sub("", strip_citations(claim)))
    if not wanted:
        return 1.0
    return len(wanted & bigrams(evidence)) / len(wanted)


def quoted_phrases(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _QUOTES.finditer(text)]


def is_refusal(body: str) -> bool:
    """Is ``body`` the refusal sentence and nothing else (citations, punctuation and spaces aside)?"""
    return "".join(_CJK_OR_DIGIT.findall(strip_citations(body))) == "".join(_CJK_OR_DIGIT.findall(REFUSAL))


def is_meta(body: str) -> bool:
    """A sentence that states no fact about the reports: a refusal, a note, a connective."""
    content = "".join(_CJK_OR_DIGIT.findall(body))
    return is_refusal(body) or bool(_META.search(body)) or len(content) < MIN_CONTENT_CHARS


def claim_part(body: str) -> str:
    """``body`` without its meta clauses (a refusal, "报告未提及…"): what it claims about the reports.
    "已收录的报告中未找到相关内容，但应诉案件增加" claims the part after the comma, and is checked."""
    clauses = re.split(r"(?<=[，；,;：:])", body)
    return "".join(c for c in clauses if not (_META.search(c) or REFUSAL.rstrip("。") in c))


def check_sentence(sentence: Sentence, passages: dict[int, str], figure_cache: dict[int, list[Figure]]) -> list[str]:
    """Reasons why ``sentence`` is not supported by ``passages`` (empty when it is)."""
    return _check(sentence, passages, figure_cache)[0]


def _check(
    sentence: Sentence, passages: dict[int, str], figure_cache: dict[int, list[Figure]]
) -> tuple[list[str], list[tuple[int, int]]]:
    """(reasons, spans in ``sentence.body`` of its unsupported figures and unverified numerals)."""
    reasons: list[str] = []
    unknown = [n for n in sentence.citations if n not in passages]
    if unknown:
        reasons.append("引用了不存在的段落 " + "".join(f"[{n}]" for n in unknown))
    cited = [n for n in sentence.citations if n in passages]
    every_figure = find_figures(sentence.body)
    loose = _without_list_number(sentence.body, loose_numerals(sentence.body, every_figure))
    figures = [f for f in every_figure if f.end > _list_number_end(sentence.body)
               and not _only_an_article(sentence.body, f, cited, passages, figure_cache)]
    quotes = quoted_phrases(sentence.body)
    if not sentence.citations:
        if figures or loose:
            reasons.append("含数字但没有引用：" + "、".join([*(f.text for f in figures), *(run for _, _, run in loose)]))
        elif quotes:
            reasons.append("含引文但没有引用")
        elif not is_meta(claim_part(sentence.body)):
            reasons.append("陈述事实但没有引用")
        return reasons, [(f.start, f.end) for f in figures] + [(a, b) for a, b, _ in loose]
    if is_refusal(sentence.body):
        return reasons, []
    missing, miscounted, unverified = _figure_problems(sentence.body, figures, loose, cited, passages, figure_cache)
    if missing:
        reasons.append("数字不在所引段落中：" + "、".join(f.text for f in missing))
    if miscounted:
        reasons.append("数字所指与所引段落不符：" + "、".join(f.text for f in miscounted))
        missing = [*missing, *miscounted]
    if unverified:
        reasons.append("数字字样不在所引段落中：" + "、".join(run for _, _, run in unverified))
    cited_text = "".join(compact(passages[n]) for n in cited)
    bad_quotes = [q for q in quotes if compact(q) not in cited_text]
    if bad_quotes:
        reasons.append("引文不在所引段落中：" + "、".join(bad_quotes))
    claim = claim_part(sentence.body)
    elsewhere = [m.text for m in find_places(claim) if not any(m.key in passages[n] for n in cited)]
    if elsewhere:
        reasons.append("地名不在所引段落中：" + "、".join(elsewhere))
    if cited and not is_meta(claim) and overlap(claim, cited_text) < MIN_OVERLAP:
        reasons.append("与所引段落的文字重合太少")
    return reasons, [(f.start, f.end) for f in missing] + [(a, b) for a, b, _ in unverified]


# The model's own numbering of a list item (「1. 」「2、」「(3)」) at the start of a sentence.
_LIST_NUMBER = re.compile(r"^\s*[(（]?\d{1,2}\s*(?:[.．、)）]|$)")


def _list_number_end(body: str) -> int:
    """Where the numeral that numbers the sentence as a list item ends (0: none): it states no fact."""
    m = _LIST_NUMBER.match(body)
    return m.end() if m else 0


def _without_list_number(body: str, loose: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    return [r for r in loose if r[1] > _list_number_end(body)]


def _figure_problems(
    body: str, figures: list[Figure], loose: list[tuple[int, int, str]], cited: list[int], passages: dict[int, str],
    figure_cache: dict[int, list[Figure]],
) -> tuple[list[Figure], list[Figure], list[tuple[int, int, str]]]:
    """Rules 2 and 6 over the cited passages together: (figures no cited passage holds, figures that count
    something else there, numeral runs no cited passage holds verbatim). Each figure may be found in a
    different cited passage: a sentence can sum up two passages of its report."""
    evidence = [f for n in cited for f in figure_cache.setdefault(n, find_figures(passages[n]))]
    missing = [f for f in figures if not is_supported(f, evidence)
               or (f.kind == "docno" and not _names_the_document(body, f, cited, passages))]
    miscounted = [f for f in figures if f not in missing and not _counts_the_same(body, f, cited, passages, figure_cache)]
    if len(cited) > 1:  # found somewhere is not enough: the passage holding it must name what it counts
        miscounted += [f for f in figures if f not in missing and f not in miscounted
                       and not _named_alike_somewhere(body, f, cited, passages, figure_cache)]
    unverified = [(a, b, run) for a, b, run in loose if not any(numeral_in(run, passages[n]) for n in cited)]
    return missing, miscounted, unverified


_CLAUSE = re.compile(r"[，,。；;！？!?：:]")
MIN_CLAUSE_OVERLAP = 0.4


def _clause_around(text: str, figure: Figure) -> str:
    """The clause holding ``figure``, without it (what the figure counts, in the writer's words)."""
    before = _CLAUSE.split(text[: figure.start])[-1]
    after = _CLAUSE.split(text[figure.end :])[0]
    return before + " " + after


def _named_alike_somewhere(body: str, figure: Figure, cited: list[int], passages: dict[int, str],
                           figure_cache: dict[int, list[Figure]]) -> bool:
    """Some cited passage holds ``figure`` in a clause that shares most of the wording of the sentence's
    clause around it (「卫生监督员21名」 is not 「法律顾问21名」 of the passage beside)."""
    claim = _clause_around(body, figure)
    if len(bigrams(claim)) < 2:
        claim = body[: figure.start]  # 「共5件」: what is counted stands before the clause
    return any(figures_match(figure, g) and overlap(claim, _clause_around(passages[n], g)) >= MIN_CLAUSE_OVERLAP
               for n in cited for g in figure_cache.setdefault(n, find_figures(passages[n])))


def _only_an_article(body: str, figure: Figure, cited: list[int], passages: dict[int, str],
                     figure_cache: dict[int, list[Figure]]) -> bool:
    """「一家企业」 in the model's phrasing is an article, not a figure to find, unless a cited passage
    counts the same noun with a number (「3家企业」): then 一家 is a count and is checked."""
    if not is_article(body, figure):
        return False
    noun = body[figure.end : figure.end + 2]
    unit = figure.key[2]
    return not any(g.kind == "number" and g.key[2] == unit and passages[n][g.end : g.end + 2] == noun
                   for n in cited for g in figure_cache.setdefault(n, find_figures(passages[n])))


def _names_the_document(body: str, figure: Figure, cited: list[int], passages: dict[int, str]) -> bool:
    """The sentence's 文号 is a cited passage's 文号 as a whole (rag.lang.docno.same_doc_number)."""
    claims = [d for d in parse_doc_numbers(body) if d.end == figure.end]
    return bool(claims) and any(same_doc_number(claims[0], d) for n in cited for d in parse_doc_numbers(passages[n]))


# What a figure counts, when the words right before it say so: these verbs/states turn the same
# number into different facts (保留 120 项 vs 精简 120 项), so they must agree with the passage.
_COUNTING_WORDS = re.compile(
    r"保留|精简|取消|下放|承接|调整|新增|增加|减少|压缩|提高|提升|下降|增长|降低|受理|办结|结案|立案|收到|"
    r"撤销|纠正|维持|败诉|胜诉|出庭|培训|审查|备案|清理|废止|修订|制定|出台|处罚|罚款|检查|整改|化解|调解"
)  # not 公开/答复/办理: they are mostly part of the counted noun (依申请公开, 答复率)
_CONTEXT_CHARS = 10


def _counting_words(text: str, start: int) -> set[str]:
    """The counting words in the few characters before ``start`` (within the same clause)."""
    window = re.split(r"[，,。；;！？!?、]", text[max(0, start - _CONTEXT_CHARS) : start])[-1]
    return set(_COUNTING_WORDS.findall(window))


def _counts_the_same(body: str, figure: Figure, cited: list[int], passages: dict[int, str],
                     figure_cache: dict[int, list[Figure]]) -> bool:
    """Rule 6: some occurrence of the figure in a cited passage is preceded by the sentence's counting
    words, and, for a percentage, names the same rate."""
    wanted = _counting_words(body, figure.start)
    rate = _rate_name(body, figure.start) if figure.kind == "percent" else ""
    if (not wanted and not rate) or figure.masked:
        return True
    for n in cited:
        text = passages[n]
        for match in figure_cache.setdefault(n, find_figures(text)):
            if not figures_match(figure, match):
                continue
            if (not wanted or wanted & _counting_words_around(text, match)) and (not rate or _names_rate(text, match, rate)):
                return True
    return False


# The rate a percentage measures, named right before it: 「答复率是99.7%」 → 答复. A passage's
# 「满意和基本满意率为99.7%」 is another fact with the same figure.
_RATE_BEFORE = re.compile(r"([\u4e00-\u9fff]{2})(?:率|比例|占比)\s*(?:是|为|达到|达|约|超过|高达|提高到|提升至|保持)?\s*$")


def _rate_name(text: str, start: int) -> str:
    m = _RATE_BEFORE.search(text[max(0, start - _CONTEXT_CHARS) : start])
    return m.group(1) if m else ""


def _names_rate(text: str, figure: Figure, rate: str) -> bool:
    """Whether the passage names ``rate`` in the clause before its figure (满意率 within 满意和基本满意率)."""
    clause = re.split(r"[，,。；;！？!?]", text[max(0, figure.start - 2 * _CONTEXT_CHARS) : figure.start])[-1]
    return rate in clause


def _counting_words_around(text: str, figure: Figure) -> set[str]:
    """Counting words of a passage figure: just before it, or just after (「精简…事项，共120项」 aside,
    reports also write 「120项审批事项已下放」)."""
    after = re.split(r"[，,。；;！？!?]", text[figure.end : figure.end + _CONTEXT_CHARS])[0]
    return _counting_words(text, figure.start) | set(_COUNTING_WORDS.findall(after))


def attribute(sentence: Sentence, passages: dict[int, str], figure_cache: dict[int, list[Figure]]) -> Sentence | None:
    """``sentence`` cited to the passage that supports it, or to a pair of passages of one report that
    do together (each figure in a clause naming what it counts), best wording overlap first; or None."""
    body = compact(claim_part(sentence.body))
    if not body or not sentence.body.rstrip().rstrip(_CLOSERS).endswith(tuple(_END)):
        return None  # a fragment (cut off, or an echo of a passage header) is no claim to attribute
    ranked = sorted(passages, key=lambda n: overlap(body, compact(passages[n])), reverse=True)[:_ATTRIBUTION_CANDIDATES]
    pairs = [(a, b) for i, a in enumerate(ranked) for b in ranked[i + 1 :] if _same_report(passages[a], passages[b])]
    for group in [*((n,) for n in ranked), *(tuple(sorted(p)) for p in pairs)]:
        marks = "".join(f"[{n}]" for n in group)
        candidate = Sentence(f"{sentence.body.rstrip()}{marks}", sentence.body, group, sentence.start, sentence.end,
                             attributed=True)
        if not _check(candidate, passages, figure_cache)[0]:
            return candidate
    return None


def _same_report(a: str, b: str) -> bool:
    """Both passages carry the header of one report (「《title》 潼南区 2020年度 > …」): a sentence
    sums up one report, never two."""
    def report(passage: str) -> str:
        return passage.split("\n", 1)[0].split(" > ", 1)[0] if passage.startswith("《") else ""
    return bool(report(a)) and report(a) == report(b)


_ATTRIBUTION_CANDIDATES = 4


def _with_marker_before_end(sentence: Sentence) -> Sentence:
    """「…120项。[2]」 reads as 「…120项[2]。」 when the marker was added by the verifier."""
    body = sentence.body.rstrip()
    end = len(body.rstrip(_END + _CLOSERS))
    marks = "".join(f"[{n}]" for n in sentence.citations)
    return Sentence(body[:end] + marks + body[end:], sentence.body, sentence.citations, sentence.start,
                    sentence.end, attributed=True)


def _bare_figure(body: str) -> Figure | None:
    """The figure that is all of ``body`` (「260人」「潼南府办〔2021〕10号。」), or None."""
    figures = find_figures(body)
    if len(figures) != 1:
        return None
    rest = body[: figures[0].start] + body[figures[0].end :]
    return figures[0] if len(_CJK_OR_DIGIT.findall(rest)) <= _BARE_SLACK else None


_BARE_SLACK = 2  # characters around a bare figure that say nothing (「共」「约为」)


def _answer_context(text: str, figure: Figure) -> str:
    """What a passage says a figure counts: the words before it back to the last clause end, and the
    clause after (「全区共有法制审核人员260人」 → 全区共有法制审核人员; 「文号：…」 → 文号)."""
    before = re.split(r"[，,。；;\n]", text[: figure.start])[-1]
    return before + " " + _CLAUSE.split(text[figure.end :])[0]


def attribute_bare(sentence: Sentence, question: str, passages: dict[int, str],
                   figure_cache: dict[int, list[Figure]]) -> Sentence | None:
    """A draft sentence that is only a figure answers the question: it is kept, cited to a passage that
    holds the figure where the passage's words for it are the question's words (most of their bigrams
    are in the question) and that names the places the question names. 「451件」 for 杭州 is not
    广州's 「全年共办理依申请公开451件」."""
    figure = _bare_figure(sentence.body)
    if not question or figure is None or figure.masked:
        return None
    places = [m.key for m in find_places(question)]
    for n in sorted(passages, key=lambda k: overlap(question, compact(passages[k])), reverse=True):
        text = passages[n]
        if not all(p in text for p in places):
            continue
        for g in figure_cache.setdefault(n, find_figures(text)):
            words = _answer_context(text, g)
            if (figures_match(figure, g) and bigrams(words) and overlap(words, question) >= MIN_CLAUSE_OVERLAP
                    and (figure.kind != "docno" or _names_the_document(sentence.body, figure, [n], passages))):
                return Sentence(f"{sentence.body.rstrip()}[{n}]", sentence.body, (n,), sentence.start, sentence.end,
                                attributed=True)
    return None


def verify_answer(text: str, passages: dict[int, str], question: str = "") -> Verification:
    """Keep the sentences of ``text`` that ``passages`` (number -> passage text) support; with the
    ``question``, a draft that is only the asked figure is checked against it (``attribute_bare``)."""
    kept: list[Sentence] = []
    removed: list[Removed] = []
    cache: dict[int, list[Figure]] = {}
    seen: set[str] = set()
    for sentence in split_sentences(text):
        if not _CJK_OR_DIGIT.search(sentence.body):
            continue  # a stray marker or punctuation
        reasons, hidden = _check(sentence, passages, cache)
        if reasons and (not is_meta(claim_part(sentence.body)) or _bare_figure(sentence.body)) and (
                found := attribute(sentence, passages, cache) or attribute_bare(sentence, question, passages, cache)):
            sentence, reasons, hidden = _with_marker_before_end(found), [], []
        if sentence.body in seen:
            reasons.append("重复的句子")
        seen.add(sentence.body)
        if reasons:
            removed.append(Removed(sentence.text, tuple(reasons), mask_spans(sentence.body, hidden)))
        else:
            kept.append(sentence)
    citations = list(dict.fromkeys(n for s in kept for n in s.citations))
    kept_text = "".join(s.text + ("\n" if "\n" in text[s.end : s.end + 2] else "") for s in kept).strip()
    refused = bool(kept) and not citations and any(REFUSAL.rstrip("。") in s.body for s in kept)
    masked = any(f.masked for s in kept for f in find_figures(s.body)) or MASKED_MARK in kept_text
    return Verification(kept_text, kept, removed, citations, refused, masked)


def unsupported_figures(text: str, passages: dict[int, str]) -> list[str]:
    """Figures in ``text`` that no passage cited by their own sentence holds (rule 2, as ``verify_answer``
    checks it), then numeral runs none of those passages holds verbatim (for evaluation)."""
    out: list[str] = []
    cache: dict[int, list[Figure]] = {}
    for sentence in split_sentences(text):
        if is_refusal(sentence.body):
            continue
        cited = [n for n in sentence.citations if n in passages]
        every_figure = find_figures(sentence.body)
        loose = _without_list_number(sentence.body, loose_numerals(sentence.body, every_figure))
        figures = [f for f in every_figure if f.end > _list_number_end(sentence.body)
                   and not _only_an_article(sentence.body, f, cited, passages, cache)]
        missing, _, unverified = _figure_problems(sentence.body, figures, loose, cited, passages, cache)
        out.extend(f.text for f in missing)
        out.extend(run for _, _, run in unverified)
    return out


def renumber(text: str, mapping: dict[int, int]) -> str:
    """Rewrite citation markers with ``mapping`` (old -> new); markers for unmapped numbers are dropped."""

    def repl(m: re.Match[str]) -> str:
        numbers = [mapping[n] for n in parse_citations(m.group(0)) if n in mapping]
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers))

    return _CITE.sub(repl, text)
