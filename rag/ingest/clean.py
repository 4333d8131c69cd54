"""Turn a decoded source document into clean report text, one paragraph per line.

The cleaner only ever *deletes* characters of the source (boilerplate lines, inline adverts,
markdown markers, layout whitespace, line breaks inside sentences), so every cleaned character is
a source character: ``doc.text[clean.offsets[i]] == clean.text[i]`` for every ``i`` and the offsets
strictly increase. Paragraph breaks are real source newlines.

Steps (``STEPS``) run in order; each is a plain function over a ``_Tracked`` text, testable on
its own: ``strip_line_whitespace``, ``remove_boilerplate_lines``, ``remove_inline_fragments``,
``strip_markdown``, ``join_broken_lines``, ``remove_duplicate_paragraphs``,
``collapse_blank_lines``; then ``find_masked_spans`` marks anonymised spans (text unchanged).
Every deletion that is not plain whitespace is recorded as a ``Removal`` with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from rag.core.types import CleanText, Removal, SourceDocument, Span
from rag.lang.page_labels import DATED_LABEL, SOURCE_LABEL
from rag.lang.script import simplified_shadow
from rag.lang.sentences import FULL_STOP

# Layout whitespace: ASCII blanks, ideographic space, NBSP, BOM, zero-width characters, form feed.
_BLANKS = " \t\r\f\v\u3000\xa0\ufeff\u200b\u200c\u200d\u2060"
# A line ending in one of these closes its sentence (or introduces a list), so it is not joined.
CLOSING = "。！？；：…”」』）】!?;:)\"'"
_HEADING_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+(?:部分|章|节|条)"
    r"|[一二三四五六七八九十]+[、.．]"
    r"|[（(][一二三四五六七八九十]+[）)]"
    r"|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)]"
    r"|[①-⑳]"
    r"|[一二三四五六七八九十]是"
    r"|——"
    r"|附件)"
)
_RUNNING_PUNCT = re.compile(r"[，,、；;。！？!?：:]")


# ---------------------------------------------------------------------------------------------
# Boilerplate rules. A line rule drops a whole line when its pattern matches and the line is short
# enough to be chrome; unless the rule is marked ``sentences``, a line that ends a sentence
# (。！？) is treated as report content and kept.


PAGE_INFO = "page_info"  # removal reason of publication-date and 来源 lines (kept as metadata)


@dataclass(frozen=True)
class LineRule:
    reason: str
    pattern: re.Pattern[str]
    max_len: int = 80
    sentences: bool = False


def _rule(reason: str, pattern: str, max_len: int = 80, sentences: bool = False) -> LineRule:
    return LineRule(reason, re.compile(pattern, re.I), max_len, sentences)


LINE_RULES: tuple[LineRule, ...] = (
    # Strong markers: never found in a report, so they may drop a line that ends in 。 or ！.
    _rule(
        "ad",
        r"(禁止|严禁|请勿)外传|用后(即)?删除|仅供(学习|内部)|会员(资料|材料|权益|专享)|VIP会员|唯一指定|"
        r"资料均不完整|倒卖会员|QQ\s*[:：]?\s*\d{5,}",
        120,
        True,
    ),
    _rule("ad", r"会员群|Q{2}\s*群|微信号\s*[:：]|订阅|立享|自建平台|实时分享|完整版|打击倒卖", 60),
    _rule("ad", r"\d+热精品|精品在线|国产(精品|自拍)|真钱|牛牛app|官网游戏平台|娱乐(城|平台)|无码|在线观看", 80),
    _rule(
        "paywall",
        r"此处隐藏.{0,12}字|会员可见|仅展示\d+字|已省略\d+字|已阅读\d+页|还剩\d+页未读|下载本文档|本文档由用户提供|_第\d+页$",
        120,
        True,
    ),
    _rule("paywall", r"继续(免费)?阅读|版权说明", 40),
    _rule(
        "template_site",
        r"(小编|本站).{0,30}(整理|收集|精心|为大家|为您).{0,60}(供大家参考|仅供参考|欢迎阅读)|^(下面|以下)是小编|"
        r"本站为(你|您)?精心整理|范文网",
        120,
        True,
    ),
    _rule(
        "navigation",
        r"^(当前|[您你](现在)?(所在)?的)?(位置|所在位置)\s*[:：]|首页\s*(>|＞|»|›)|首页\s+/\s+|>>\s*正文",
        150,
    ),
    # Publication and source lines leave the body text but not the report: the parser reads them
    # back from these removals (rag.report.page_lines) as ReportMeta.pub_date / source, with spans.
    _rule(PAGE_INFO, rf"{DATED_LABEL}\s*([:：]|[\]】］]\s*(19|20)\d\d)|^{SOURCE_LABEL}\s*[:：]|^(日期|时间)\s*[:：]\s*(19|20)\d\d", 120),
    _rule(
        "page_meta",
        r"投稿(作者|人)|^点击\s*[:：]|点击(数|量|次数)?\s*[:：]\s*\d*$|(录入)(时间|日期)\s*[:：]|"
        r"浏览(次数|量)?\s*[:：]|阅读(次数|量)?\s*[:：]\s*\d*|"
        r"^(作者|责任编辑|编辑|审核|校对|供稿)\s*[:：]|^(【[^】]{0,8}】\s*)*【?责任编辑|^.{0,20}责任编辑\s*[:：].{0,12}$|【?纠错】",
        120,
    ),
    _rule(PAGE_INFO, r"^\d{4}([-/.])\d{1,2}\1\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?$", 30),
    _rule(
        "widget",
        r"^今天是\s*[:：]?\s*(\d{4}年|显示时间|.{0,20}星期)|您的\s*IP|Processed in|Powered by|404 Not Found|^关注\s*[·•:：]|"
        r"^(推荐访问|猜你喜欢|相关(附件|新闻|文章|链接|阅读|推荐)|上一篇|下一篇)|扫一扫|请使用浏览器|点击右上角|"
        r"打开.{0,8}查看精彩|^(APP|客户端)\s*下载",
        200,
    ),
    # 「您的浏览器版本过低，为了获得更好的浏览体验，请升级浏览器。」: a site's notice, a sentence of its own
    _rule("widget", r"浏览器版本(过低|太低)|请升级(您的|你的)?浏览器", 60, True),
)
_WIDGET_WORDS = re.compile(
    r"听全文|分享到|分享|打印本页|打印|关闭窗口|关闭|收藏本页|收藏|字号|字体|默认|超大|[大中小]|我要纠错|纠错|返回顶部|"
    r"无障碍|简体|繁体|微信好友|朋友圈|微信扫码|QQ扫码|微信|微博|QQ空间|QQ|[【】\[\]|｜:：·•/,，、\s\-]"
)
_PAGE_NUMBER = re.compile(r"[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?")
_BULLETS = re.compile(r"^[•·▪●◆■□○◦‣⁃\-–—]+\s*")
_BULLET_ONLY = re.compile(r"[\s•·▪●◆■□○◦‣⁃\-–—_=~|]*")
_REPORT_WORDS = re.compile(r"报告|法治|政府|依法|建设|工作|情况|年度|〔|号|办公室|人民")
_BRAND = re.compile(r"^([\u4e00-\u9fffA-Za-z]{2,8}?)整理")
AD_REASONS = frozenset({"ad", "paywall"})


def looks_like_report_line(line: str) -> bool:
    return bool(_REPORT_WORDS.search(line))


def learn_brands(lines: list[str]) -> frozenset[str]:
    """Site names an advert line introduces ("酷乐文行整理，…QQ…") so their bare lines can go too."""
    brands = set()
    for line in lines:
        m = _BRAND.match(line)
        if m and boilerplate_reason(line, frozenset()) in AD_REASONS:
            brands.add(m.group(1))
    return frozenset(brands)


def boilerplate_reason(line: str, brands: frozenset[str] = frozenset()) -> str | None:
    """Why a whole (stripped) line is boilerplate, or None when it may be report content."""
    core = _BULLETS.sub("", line).strip(_BLANKS)
    if _BULLET_ONLY.fullmatch(line):
        return "bullet_only"
    if _PAGE_NUMBER.fullmatch(line):
        return "page_number"
    if core in brands:
        return "ad"
    if len(core) <= 40 and re.search(r"\w", core) and not _WIDGET_WORDS.sub("", core):
        return "widget"
    for rule in LINE_RULES:
        if (
            len(core) <= rule.max_len
            and rule.pattern.search(core)
            and (rule.sentences or not FULL_STOP.search(core))
        ):
            return rule.reason
    return None


_SP = r"[ \t\u3000]*"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
INLINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("paywall", re.compile(_SP + r"当前隐藏内容免费查看" + _SP)),
    ("paywall", re.compile(r"此处隐藏\d*个?字[。.，,]?" + _SP + r"(?:VIP)?会员可见[。.]?", re.I)),
    ("paywall", re.compile(r"仅展示\d+字[，,]?" + _SP + r"全文共\d+字[。.]?")),
    ("paywall", re.compile(r"[.…。]*[（(]开头部分已省略\d+字[）)]")),
    ("paywall", re.compile(r"已阅读\d+页[，,]?" + _SP + r"还剩\d+页未读[，,]?" + _SP + r"(?:继续免费阅读)?")),
    (
        "page_meta",
        re.compile(_SP + r"[【\[]?责任编辑" + _SP + r"[:：]" + _SP + r"[\u4e00-\u9fff]{2,4}[】\]]?" + _SP + "$", re.M),
    ),
    ("html_residue", re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>\n]{0,120})?/?>")),
    # Traditional-character pages with pinyin: 建設(shè) -> 建設
    ("pinyin_annotation", re.compile(rf"(?<=[\u4e00-\u9fff])\((?=[a-zü]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)")),
)


@dataclass
class _Tracked:
    """Text under cleaning with the source offset of every character."""

    text: str
    offsets: list[int]
    removals: list[Removal] = field(default_factory=list)
    fmt: str = "txt"  # SourceDocument.format: PDFs have page numbers and hard-wrapped lines

    def delete(self, ranges: list[tuple[int, int, str | None]]) -> None:
        """Delete ``[start, end)`` ranges of the current text; a reason records a Removal."""
        spans = sorted((r for r in ranges if r[1] > r[0]), key=lambda r: (r[0], r[1]))
        if not spans:
            return
        parts: list[str] = []
        offsets: list[int] = []
        pos = 0
        for start, end, reason in spans:
            if reason is not None:
                self.removals.append(Removal((self.offsets[start], self.offsets[end - 1] + 1), reason))
            if start > pos:
                parts.append(self.text[pos:start])
                offsets.extend(self.offsets[pos:start])
            pos = max(pos, end)
        parts.append(self.text[pos:])
        offsets.extend(self.offsets[pos:])
        self.text = "".join(parts)
        self.offsets = offsets

    def lines(self) -> list[tuple[int, int]]:
        """(start, end) of every line of the current text, newline excluded."""
        out, start = [], 0
        for match in re.finditer("\n", self.text):
            out.append((start, match.start()))
            start = match.end()
        out.append((start, len(self.text)))
        return out


def is_heading_start(line: str) -> bool:
    return bool(_HEADING_START.match(line))


def is_heading(line: str) -> bool:
    """A numbered heading standing on its own line (not a run-in heading with its paragraph)."""
    return is_heading_start(line) and "。" not in line and len(line) <= 60


def strip_line_whitespace(t: _Tracked) -> None:
    """Drop leading and trailing layout whitespace (half- and full-width) of every line."""
    ranges: list[tuple[int, int, str | None]] = []
    for start, end in t.lines():
        line = t.text[start:end]
        left = len(line) - len(line.lstrip(_BLANKS))
        if left == len(line):
            ranges.append((start, end, None))
            continue
        right = len(line) - len(line.rstrip(_BLANKS))
        ranges.append((start, start + left, None))
        ranges.append((end - right, end, None))
    t.delete(ranges)


def remove_boilerplate_lines(t: _Tracked) -> None:
    """Delete whole lines of site chrome and advertising; the line's newline stays."""
    spans = t.lines()
    texts = [t.text[a:b] for a, b in spans]
    brands = learn_brands(texts)
    reasons = [boilerplate_reason(line, brands) if line else None for line in texts]
    if t.fmt == "pdf":  # a bare number on its own line of a PDF is a page number
        reasons = [
            r or ("page_number" if re.fullmatch(r"\d{1,4}", line) else None)
            for r, line in zip(reasons, texts, strict=True)
        ]
    # A short unlabelled line wedged between adverts (or between an advert and the start or end of
    # the file) belongs to the advert block. One pass over the first labels, so nothing cascades.
    filled = [i for i, line in enumerate(texts) if line]
    labels = {i: reasons[i] for i in filled}
    for pos, i in enumerate(filled):
        line = texts[i]
        if labels[i] is not None or len(line) > 30 or FULL_STOP.search(line) or looks_like_report_line(line):
            continue
        before = labels[filled[pos - 1]] if pos > 0 else "edge"
        after = labels[filled[pos + 1]] if pos + 1 < len(filled) else "edge"
        if {before, after} <= AD_REASONS | {"edge"} and {before, after} != {"edge"}:
            reasons[i] = "ad"
    t.delete([(a, b, r) for (a, b), r in zip(spans, reasons, strict=True) if r])


def remove_inline_fragments(t: _Tracked) -> None:
    """Delete adverts and page residue that sit inside a line of report text."""
    ranges: list[tuple[int, int, str | None]] = []
    for reason, pattern in INLINE_RULES:
        ranges.extend((m.start(), m.end(), reason) for m in pattern.finditer(t.text) if m.end() > m.start())
    t.delete(_disjoint(ranges))
    strip_line_whitespace(t)


_EMPHASIS = re.compile(
    r"(?<!\*)\*\*(?![*\s])([^*\n]+?)(?<![*\s])\*\*(?!\*)|(?<!\w)__(?![_\s])([^_\n]+?)(?<![_\s])__(?!\w)"
)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.M)
# List bullets ("- 依法行政" from <li>) and the outer pipes of a table row ("| 指标 | 数量 |").
_LIST_MARK = re.compile(r"^(?:[-*•·▪●◆■|][ \t]+(?=\S)|\|(?=[^|\n]*\|))|(?<=\S)[ \t]*\|$", re.M)


def strip_markdown(t: _Tracked) -> None:
    """Delete markdown emphasis (``**二是…**``), ``#`` heading marks, list bullets and the outer
    pipes of table rows, keeping the words."""
    ranges: list[tuple[int, int, str | None]] = []
    for m in _EMPHASIS.finditer(t.text):
        inner = m.span(1) if m.group(1) is not None else m.span(2)
        ranges.append((m.start(), inner[0], "markdown"))
        ranges.append((inner[1], m.end(), "markdown"))
    ranges.extend((m.start(), m.end(), "markdown") for m in _MD_HEADING.finditer(t.text))
    ranges.extend((m.start(), m.end(), "list_marker") for m in _LIST_MARK.finditer(t.text))
    t.delete(_disjoint(ranges))
    strip_line_whitespace(t)


def _running_text(line: str, punctuated_len: int, bare_len: int) -> bool:
    """Prose rather than a title, signature, date or 文号 line: those are short and carry little or
    no inner punctuation ("加强组织领导，完善机制保障" is an unnumbered heading, not a broken line)."""
    return len(line) >= bare_len or (len(line) >= punctuated_len and bool(_RUNNING_PUNCT.search(line)))


def should_join(prev: str, nxt: str) -> bool:
    """Whether two non-empty lines are one sentence broken by the page layout."""
    if not prev or not nxt or prev[-1] in CLOSING:
        return False
    if is_heading(prev) or is_heading_start(nxt):
        return False
    return _running_text(prev, 20, 60) and _running_text(nxt, 1, 30)


def join_broken_lines(t: _Tracked) -> None:
    """Delete the line breaks (and blank lines) inside a sentence split across lines."""
    filled = [(a, b) for a, b in t.lines() if b > a]
    full_width = _full_line_width([b - a for a, b in filled]) if t.fmt == "pdf" else 0
    ranges: list[tuple[int, int, str | None]] = []
    for (a1, b1), (a2, b2) in pairwise(filled):
        prev, nxt = t.text[a1:b1], t.text[a2:b2]
        wrapped = full_width and len(prev) >= full_width and prev[-1] not in CLOSING
        if should_join(prev, nxt) or (wrapped and not is_heading(prev) and not is_heading_start(nxt)):
            ranges.append((b1, a2, None))
    t.delete(ranges)


def _full_line_width(lengths: list[int]) -> int:
    """Length of a full printed line in a PDF (most lines of a paragraph are full width)."""
    if len(lengths) < 5:
        return 0
    ordered = sorted(lengths)
    return max(8, int(ordered[int(len(ordered) * 0.9)] * 0.85))


def remove_duplicate_paragraphs(t: _Tracked) -> None:
    """Drop repeated page content: a title repeated on the next line, or a whole body repeated
    after the footer (news.cn pages). Long paragraphs are compared with every earlier one; a short
    repeated line goes only when it repeats the line before it or heads a dropped repeat."""
    filled = [(a, b) for a, b in t.lines() if b > a]
    texts = [t.text[a:b] for a, b in filled]
    first: dict[str, int] = {}
    for i, text in enumerate(texts):
        first.setdefault(text, i)
    repeated = [first[text] < i for i, text in enumerate(texts)]
    drop = [
        rep and (len(text) >= 50 or (texts[i - 1] == text and len(text) >= 6))
        for i, (text, rep) in enumerate(zip(texts, repeated, strict=True))
    ]
    for i in range(len(texts) - 2, -1, -1):
        if not drop[i] and drop[i + 1] and repeated[i]:
            drop[i] = True
    t.delete([(a, b, "duplicate") for (a, b), d in zip(filled, drop, strict=True) if d])


def collapse_blank_lines(t: _Tracked) -> None:
    """Keep exactly one newline between paragraphs and none at the ends."""
    ranges: list[tuple[int, int, str | None]] = []
    for m in re.finditer(r"\n{2,}", t.text):
        ranges.append((m.start() + 1, m.end(), None))
    lead = len(t.text) - len(t.text.lstrip("\n"))
    ranges.append((0, lead, None))
    trail = len(t.text) - len(t.text.rstrip("\n"))
    ranges.append((len(t.text) - trail, len(t.text), None))
    t.delete(_disjoint(ranges))


# The one mask detector: the cleaner's ``masked_spans`` and the parser's masked_figures / masked_names
# warnings and masked-issuer check (rag/structure.py, rag/metadata.py) all use it, so they agree.
MASK = re.compile(
    r"(?:19|20)[XxＸｘ]{2}(?![A-Za-z])"  # 20XX年, 20xx年
    r"|(?<![A-Z])X{2,}(?![A-Za-z])"  # XX局, XXX件, iXX (an app name with the city masked)
    r"|(?<![A-Za-z])x{2,}(?![A-Za-z])"
    r"|(?<![A-Za-z0-9+])[Xx](?=[\u4e00-\u9fff]|-[Xx\d])(?![光射线])"  # X市, X名, X-XX月; not 1+X, X光
    r"|(?<![Ａ-Ｚａ-ｚ])[Ｘｘ]+(?![Ａ-Ｚａ-ｚ光射线])"  # full-width Ｘ市, ＸＸ件
    r"|[*＊]+"  # ***, ******, *区, 召开会议*次
    r"|(?<!\d)×+(?!\d)|□+|○{2,}"
    r"|[（(](?:单字|[一二三四五六七八九十两\d]+字)(?:名字|名称|名字和称呼|称呼)?替换[）)]"
)


def find_masked_spans(text: str) -> tuple[Span, ...]:
    """Spans of anonymised content (XX, X市, ***, ×××, 20XX, (单字替换)) in ``text``."""
    spans: list[Span] = []
    for m in MASK.finditer(text):
        # "X-XX月" is one masked range.
        if spans and (m.start() <= spans[-1][1] or (m.start() == spans[-1][1] + 1 and text[m.start() - 1] in "-—～~")):
            spans[-1] = (spans[-1][0], max(spans[-1][1], m.end()))
        else:
            spans.append(m.span())
    return tuple(spans)


def _disjoint(ranges: list[tuple[int, int, str | None]]) -> list[tuple[int, int, str | None]]:
    """Drop ranges overlapping an earlier-starting one so each character is removed once."""
    out: list[tuple[int, int, str | None]] = []
    for start, end, reason in sorted(ranges, key=lambda r: (r[0], -r[1])):
        if out and start < out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end, out[-1][2])
            continue
        out.append((start, end, reason))
    return out


STEPS: tuple[tuple[str, Callable[[_Tracked], None]], ...] = (
    ("strip_line_whitespace", strip_line_whitespace),
    ("remove_boilerplate_lines", remove_boilerplate_lines),
    ("remove_inline_fragments", remove_inline_fragments),
    ("strip_markdown", strip_markdown),
    ("join_broken_lines", join_broken_lines),
    ("remove_duplicate_paragraphs", remove_duplicate_paragraphs),
    ("collapse_blank_lines", collapse_blank_lines),
)


def clean_text(doc: SourceDocument) -> CleanText:
    """Clean ``doc.text``: remove boilerplate, join broken sentences, one paragraph per line.

    A text in traditional characters is cleaned on its simplified shadow (the rules are written in
    simplified characters); as the cleaner only deletes, the kept characters are then read back
    from the original through the offsets.
    """
    text = doc.text
    shadow = simplified_shadow(text)
    tracked = _Tracked(shadow or text, list(range(len(text))), fmt=doc.format)
    for _name, step in STEPS:
        step(tracked)
    removals = tuple(sorted(tracked.removals, key=lambda r: r.source_span))
    if shadow:
        tracked.text = "".join(text[i] for i in tracked.offsets)
    return CleanText(
        text=tracked.text,
        offsets=tuple(tracked.offsets),
        masked_spans=find_masked_spans(tracked.text),
        removals=removals,
    )
