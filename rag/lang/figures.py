"""Find figures (counts, amounts, percentages, fractions, multiples, dates, years, 文号) in Chinese report text.

Each figure gets a normalised ``key`` so that an answer's "5件" matches a passage's "5件" but not
"15件" or "5项", "2021年2月5日" matches "2021-02-05", "1.1万余条" matches "11000余条" and "百分之百"
matches "100%". Masked figures ("XXX件", "X月", "***") are found too (``kind == "masked"``): they
carry no value and can only be matched verbatim.

Fractions ("三分之二" = "2/3"), multiples ("翻一番", "两倍") and Chinese numerals without a unit
("达到一百", "近千") are figures too. Numeral characters that no figure covers (the 一 of 统一, the
十一五 of 十一五期间) are returned by ``loose_numerals``: a verifier checks them verbatim. Words in
``WORD_NUMERALS`` (一些, 统一, 三项制度, 十四五 …) and enumerations (一是, 二是) are neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rag.lang.docno import DOC_NUMBER
from rag.lang.years import YEAR

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10_000, "亿": 100_000_000}
CN_NUM = "零〇一二两三四五六七八九十百千"
CN_ALL = CN_NUM + "万亿"

def _words(text: str) -> list[str]:
    return text.split()


# Longest first so that "人次" wins over "人" and "万元" over "元".
UNITS = sorted(
    _words("""件次 人次 场次 户次 批次 个工作日 工作日 个月 小时 万元 亿元 元 件 项 次 个 名 场 家 户 份 宗 条 人 类 支 期 台 批 轮 届 位 部 所 座
    篇 本 处 起 个百分点 百分点 倍 天 日 周 年 岁 亩 平方米 公里 米 吨 成 例 只 套 张 间 辆 架 组 队 级 种 门 封 枚 块 册 页 首 单 笔 节 课 点 家次"""),
    key=len,
    reverse=True,
)
_UNIT_RE = "|".join(map(re.escape, UNITS))
_APPROX = "余|多|以上|左右|许"
_MASK = "[XＸx×*＊]"
_DASH = "[-－—–~～至到]"

DOCNO = DOC_NUMBER  # the one 文号 pattern (rag.lang.docno)
_ISO_DATE = re.compile(rf"(?<!\d)({YEAR})[-/.](\d{{1,2}})[-/.](\d{{1,2}})(?!\d)")
_CN_DATE = re.compile(r"(?<!\d)(?:((?:19|20)\d{2})年)?(\d{1,2})月(?:(\d{1,2})[日号])?(?!\d)")
_YEAR_RANGE = re.compile(rf"(?<!\d)({YEAR})\s*{_DASH}\s*({YEAR})(?!\d)")
_YEAR = re.compile(rf"(?<!\d)({YEAR})(?=年)")
_PCT_CN = re.compile(r"百分之([零〇一二两三四五六七八九十百千点]+)")
_NUMBER = re.compile(
    rf"(第)?(?<![\d.,])(\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*([万亿千]?)\s*({_APPROX})?\s*([%％‰]|{_UNIT_RE})?\s*({_APPROX})?"
)
_CN_NUMBER = re.compile(
    rf"(第)?(?<![{CN_NUM}万亿])([{CN_NUM}]+(?:[万亿][{CN_NUM}]*)*)\s*({_APPROX})?\s*({_UNIT_RE})\s*({_APPROX})?"
)
_MASKED = re.compile(rf"(?:20{_MASK}{{2}}|{_MASK}+\s*{_DASH}\s*{_MASK}+\s*[月年]|{_MASK}+(?:余|多)?\s*(?:[%％]|{_UNIT_RE}|[月年])|\*{{3,}})")
# Chinese numerals that are words, not quantities.
_CN_WORDS = re.compile(r"^(?:一|两|二|三|四|五|六|七|八|九|十)$")
# Words and names whose numeral characters state no quantity. Tight on purpose: a numeral hidden here
# is checked by nothing, so only fixed expressions belong (each one is tested).
WORD_NUMERALS = (
    "一些", "一定", "统一", "一体化", "一致", "一律", "一般", "进一步", "一起", "一并", "三项制度",
    "双随机一公开", "第一责任人", "第一时间", "十四五", "十三五", "十五五", "百姓", "一把手", "一站式", "一网通办",
)
_WORD_NUMERAL_RE = re.compile(
    rf"(?<![{CN_ALL}])[一二三四五六七八九十]{{1,2}}是|" + "|".join(map(re.escape, sorted(WORD_NUMERALS, key=len, reverse=True)))
)
_CN_SECTION = "(?:[一二两三四五六七八九]?千)?(?:[零〇]?[一二两三四五六七八九]?百)?(?:[零〇]?[一二两三四五六七八九]?十)?(?:[零〇]?[一二两三四五六七八九])?"
_CN_WELL_FORMED = re.compile(rf"(?:{_CN_SECTION}亿)?(?:{_CN_SECTION}万)?{_CN_SECTION}")
_CN_RUN = re.compile(rf"[{CN_ALL}]+")
_DIGIT_RUN = re.compile(r"[0-9０-９]+(?:[.,．][0-9０-９]+)*")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_FRACTION = re.compile(
    rf"(?<![{CN_ALL}\d])(\d{{1,4}}|[{CN_NUM}]+)分之(\d{{1,4}}|[{CN_NUM}]+)(?![{CN_ALL}\d])\s*({_APPROX})?|(一半)"
)
_FRACTION_DIGITS = re.compile(rf"(?<![\d/.])(\d{{1,3}})\s*/\s*(\d{{1,4}})(?![\d/])\s*({_APPROX})?")
_MULTIPLE = re.compile(r"翻了?([一两二三四五六七八九十]|\d{1,2})?番")
# Words before a bare Chinese numeral that make it a quantity, and the estimate they express.
_BARE_CUES = {"将近": "~", "接近": "~", "近": "~", "约": "~", "超过": "+", "逾": "+", "突破": "+", "上": "+",
              "数": "+", "几": "+", "达到": "", "达": "", "共计": "", "共": "", "累计": "", "合计": ""}
_BARE_CUE_RE = re.compile("(?:" + "|".join(sorted(_BARE_CUES, key=len, reverse=True)) + ")$")
_APPROX_AFTER = re.compile(rf"\s*({_APPROX})")


@dataclass(frozen=True)
class Figure:
    text: str  # as written
    start: int
    end: int
    kind: str  # number, percent, fraction, multiple, date, year, docno, masked
    key: tuple[object, ...]  # normalised value for matching

    @property
    def masked(self) -> bool:
        return self.kind == "masked"


def cn_to_int(text: str) -> int | None:
    """Chinese numeral to int: 三十五 -> 35, 两万三千 -> 23000, 一〇二 -> 102; None if not a numeral.

    cn2an reads the positional forms; written by hand only what it refuses: digit-by-digit numerals
    (一〇二, 二〇二一) and 两 for 二 (两万三千), both everyday in reports.
    """
    if not text:
        return None
    if all(ch in CN_DIGITS for ch in text) and len(text) > 1:
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    cn2an = _cn2an()
    try:
        # A bare unit counts one of it (百分之百, 千余人); cn2an wants the 一 written.
        numeral = ("一" + text if text[0] in "百千万亿" else text).replace("两", "二")
        value = cn2an.cn2an(numeral, "strict")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if float(value).is_integer() else None


def int_to_cn(n: int) -> str:
    """A count in Chinese numerals as lists number it (一, 十二, 一百零五): the inverse of cn_to_int."""
    return str(_cn2an().an2cn(n, "low")) if n >= 0 else str(n)


def _cn2an() -> Any:
    try:
        import cn2an  # declared dependency
    except ImportError as exc:  # pragma: no cover
        raise ImportError("Chinese numerals need cn2an: pip install cn2an") from exc
    return cn2an


def _cn_decimal(text: str) -> Decimal | None:
    whole, _, frac = text.partition("点")
    value = cn_to_int(whole) if whole else 0
    if value is None or any(ch not in CN_DIGITS for ch in frac):
        return None
    digits = "".join(str(CN_DIGITS[ch]) for ch in frac)
    return Decimal(f"{value}.{digits}") if digits else Decimal(value)


def _cn_value(text: str) -> int | None:
    """Value of a numeral written the positional way (三十五, 一千二百万), None for 十四五, 三五, 一一."""
    if not text or not _CN_WELL_FORMED.fullmatch(text):
        return None
    return cn_to_int(text)


def _either_value(text: str) -> Decimal | None:
    if text[0].isdigit():
        return Decimal(text.translate(_FULL_WIDTH))
    value = _cn_value(text)
    return None if value is None else Decimal(value)


def _norm(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _approx(*parts: str | None) -> str:
    for part in parts:
        if part in ("余", "多", "以上", "许"):
            return "+"
        if part == "左右":
            return "~"
    return ""


def _unit_key(unit: str) -> tuple[str, int]:
    """Split "万元" into ("元", 10000) so that 24598.45万元 equals 245984500元."""
    if unit in ("万元", "亿元"):
        return "元", CN_BIG[unit[0]]
    if unit in ("％", "%"):
        return "%", 1
    if unit == "个百分点":
        return "百分点", 1
    return unit, 1


def find_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, in order, without overlaps (the longest reading wins)."""
    found: list[Figure] = []
    taken = [False] * len(text)

    def add(start: int, end: int, kind: str, key: tuple[object, ...]) -> None:
        if start >= end or any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        found.append(Figure(text[start:end], start, end, kind, key))

    for m in _WORD_NUMERAL_RE.finditer(text):
        for i in range(m.start(), m.end()):
            taken[i] = True  # a word, not a figure: nothing may claim its numerals
    for m in _MASKED.finditer(text):
        add(m.start(), m.end(), "masked", ("masked", re.sub(r"\s+", "", m.group(0))))
    for m in DOCNO.finditer(text):
        prefix = m.group(1)[-2:]
        add(m.start(1) + len(m.group(1)) - len(prefix), m.end(), "docno", ("docno", prefix, int(m.group(2)), int(m.group(3))))
    for m in _ISO_DATE.finditer(text):
        if 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            add(m.start(), m.end(), "date", ("date", int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _CN_DATE.finditer(text):
        year, month, day = m.group(1), int(m.group(2)), m.group(3)
        if not 1 <= month <= 12 or (day and not 1 <= int(day) <= 31):
            continue
        add(m.start(), m.end(), "date", ("date", int(year) if year else None, month, int(day) if day else None))
    for m in _YEAR_RANGE.finditer(text):
        add(m.start(1), m.end(1), "year", ("year", int(m.group(1))))
        add(m.start(2), m.end(2), "year", ("year", int(m.group(2))))
    for m in _YEAR.finditer(text):
        end = m.end() + 1 + (text[m.end() + 1 : m.end() + 2] == "度")
        add(m.start(), end, "year", ("year", int(m.group(1))))
    for m in _FRACTION.finditer(text):
        if m.group(4):
            add(m.start(), m.end(), "fraction", ("fraction", "1", "2", ""))
            continue
        if m.group(1) == "百":
            continue  # 百分之…, a percentage
        den, num = _either_value(m.group(1)), _either_value(m.group(2))
        if den and num is not None:
            add(m.start(), m.end(), "fraction", ("fraction", _norm(num), _norm(den), _approx(m.group(3))))
    for m in _FRACTION_DIGITS.finditer(text):
        top, bottom = int(m.group(1)), int(m.group(2))
        if 0 < top < bottom:
            add(m.start(), m.end(), "fraction", ("fraction", str(top), str(bottom), _approx(m.group(3))))
    for m in _MULTIPLE.finditer(text):
        times = m.group(1) or "一"
        count = int(times) if times.isdigit() else cn_to_int(times)
        add(m.start(), m.end(), "multiple", ("multiple", count, "番"))
    for m in _PCT_CN.finditer(text):
        value = _cn_decimal(m.group(1))
        if value is not None:
            add(m.start(), m.end(), "percent", ("number", _norm(value), "%", "", False))
    for m in _NUMBER.finditer(text):
        ordinal, digits, mult, approx1, unit, approx2 = m.groups()
        try:
            value = Decimal(digits.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the regex only admits digits
            continue
        unit = unit or ""
        if unit == "年" and not ordinal and len(digits) == 4 and digits[:2] in ("19", "20"):
            continue  # a year, already taken
        unit_name, factor = _unit_key(unit)
        value *= (CN_BIG.get(mult) or (1000 if mult == "千" else 1)) * factor
        start = m.start(1) if ordinal else m.start(2)
        end = m.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        kind = "percent" if unit_name == "%" else "number"
        add(start, end, kind, ("number", _norm(value), unit_name, _approx(approx1, approx2), bool(ordinal)))
    for m in _CN_NUMBER.finditer(text):
        ordinal, numeral, approx1, unit, approx2 = m.groups()
        if numeral.startswith(("千", "万", "亿")):
            continue
        # 一〇二 and 二〇二一 are digit by digit; 十一五 or 三五 is a name or a range, not 15 or 35.
        digit_by_digit = (len(numeral) >= 3 and all(ch in CN_DIGITS for ch in numeral)) or "〇" in numeral
        numeral_value = _cn_value(numeral) if not digit_by_digit else cn_to_int(numeral)
        if numeral_value is None:
            continue
        unit_name, factor = _unit_key(unit)
        start = m.start(1) if ordinal else m.start(2)
        end = m.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        add(start, end, "number", ("number", _norm(Decimal(numeral_value * factor)), unit_name, _approx(approx1, approx2), bool(ordinal)))
    for m in _CN_RUN.finditer(text):
        _add_bare_numeral(text, m, add)
    found.sort(key=lambda f: f.start)
    return found


def _add_bare_numeral(text: str, m: re.Match[str], add: Callable[[int, int, str, tuple[object, ...]], None]) -> None:
    """A Chinese numeral with no unit after it is a figure when it reads as a quantity: a positional
    numeral of two characters or more (一百, 十九), or 十/百/千/万/亿 after a cue (近千, 上万) or before
    余/多/左右 (千余). A lone 一…九 is a word (统一, 一网通办), never a figure."""
    numeral = m.group(0)
    value = _cn_value(numeral)
    if value is None or value < 10:
        return
    ordinal = text[m.start() - 1 : m.start()] == "第"
    cue = _BARE_CUE_RE.search(text, max(0, m.start() - 2), m.start())
    after = _APPROX_AFTER.match(text, m.end())
    if len(numeral) == 1 and not cue and not after:
        return
    approx = (after and _approx(after.group(1))) or (cue and _BARE_CUES[cue.group(0)]) or ""
    start = m.start() - 1 if ordinal else m.start()
    add(start, after.end() if after else m.end(), "number", ("number", str(value), "", approx, ordinal))


def loose_numerals(text: str, figures: list[Figure] | None = None) -> list[tuple[int, int, str]]:
    """(start, end, run) of each run of digits or Chinese numerals in ``text`` that no figure covers
    and that is not part of a word in ``WORD_NUMERALS`` (or an enumeration like 一是)."""
    figures = find_figures(text) if figures is None else figures
    covered = [False] * len(text)
    for f in figures:
        for i in range(f.start, f.end):
            covered[i] = True
    for m in _WORD_NUMERAL_RE.finditer(text):
        for i in range(m.start(), m.end()):
            covered[i] = True
    runs = [*_DIGIT_RUN.finditer(text), *_CN_RUN.finditer(text)]
    return sorted((m.start(), m.end(), m.group(0)) for m in runs if not all(covered[m.start() : m.end()]))


# 一 with a classifier before a noun is the model's article, not a count: 「指导一家企业」「建立一项制度」
# (a report writes the count as 1家 or states it in its own words). Not for time or frequency (一次,
# 一年): those are counts.
ARTICLE_UNITS = "个项家支套种批份所座位名张部"
# Words that make 一X a stated quantity (共一家, 仅一项, 新增一个, 数量为一家, 全区有一家).
_QUANTITY_BEFORE = re.compile(r"(?:共|计|达|仅|只|近|约|逾|超过|新增|增加|减少|增至|为|是|有)$")


def is_article(text: str, figure: Figure) -> bool:
    """Whether ``figure`` of ``text`` is 一 + classifier used as an article before a noun."""
    return (figure.kind == "number" and len(figure.text) == 2 and figure.text[0] == "一"
            and figure.text[1] in ARTICLE_UNITS and bool(re.match(r"[\u4e00-\u9fff]", text[figure.end : figure.end + 1]))
            and not _QUANTITY_BEFORE.search(text[max(0, figure.start - 2) : figure.start]))


def numeral_in(run: str, text: str) -> bool:
    """Does ``run`` appear in ``text`` as a whole run (so 999 is not in 1999, nor 一百 in 一百二十)?"""
    if run[0] in CN_ALL:
        pattern = rf"(?<![{CN_ALL}]){re.escape(run)}(?![{CN_ALL}])"
        return re.search(pattern, text) is not None
    run = run.translate(_FULL_WIDTH)
    pattern = rf"(?<![0-9])(?<![0-9][.,]){re.escape(run)}(?![0-9])(?![.,][0-9])"
    return re.search(pattern, text.translate(_FULL_WIDTH)) is not None


def figures_match(claim: Figure, evidence: Figure) -> bool:
    """Does ``evidence`` (a passage figure) support ``claim`` (an answer figure)?"""
    if claim.kind == "masked" or evidence.kind == "masked":
        return claim.key == evidence.key
    if claim.kind == "date" and evidence.kind == "date":
        # A less precise date supports nothing it does not state: 2020年6月 is supported by 2020年6月28日.
        return all(c is None or c == e for c, e in zip(claim.key[1:], evidence.key[1:], strict=True)) and (
            claim.key[1] is not None or claim.key[3] is not None or evidence.key[1] is None
        )
    if claim.kind == "fraction" and evidence.kind == "fraction":
        # Same numerator and denominator (三分之二 = 2/3); as with counts, an estimate never becomes exact.
        return claim.key[1:3] == evidence.key[1:3] and not (evidence.key[3] and not claim.key[3])
    if claim.kind == "year" and evidence.kind in ("year", "date", "docno"):
        year = evidence.key[1] if evidence.kind != "docno" else evidence.key[2]
        return claim.key[1] == year
    if claim.key[0] == "number" and evidence.key[0] == "number":
        value, unit, approx, ordinal = claim.key[1:]
        e_value, e_unit, e_approx, e_ordinal = evidence.key[1:]
        if value != e_value or ordinal != e_ordinal:
            return False
        # A bare number ("1+1+N", "12345") makes no claim about a unit.
        if unit and unit != e_unit:
            return False
        # Dropping "余" turns an estimate into an exact claim; adding one is harmless.
        return not (e_approx and not approx)
    return claim.key == evidence.key


def is_supported(claim: Figure, evidence: list[Figure]) -> bool:
    return any(figures_match(claim, e) for e in evidence)


def has_masked(text: str) -> bool:
    return any(f.masked for f in find_figures(text))
