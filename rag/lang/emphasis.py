"""What makes a statement of achievement informative: figures, firsts, honours, named mechanisms.

Reports describe results in a few recognisable ways (domain-notes §2, rubric C5 evidence density):
a figure with its unit, a first (全省率先, 首次, 首创), a ranking or an award (排名第一, 获评…),
or a named mechanism or reform (“三审四议”制度, 首违不罚清单, 信用分级分类监管). Slogans and
openings (习近平…思想为指导, 高度重视, 营造…氛围) carry none of them. ``informativeness`` scores a
clause by these signals; ``highlights`` says which ones it found. The word lists are the only place
the summary builder's notion of "what matters" is written down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.lang.figures import Figure, find_figures

FIRSTS = ("全国率先", "全省率先", "全市率先", "全区率先", "率先", "首次", "首个", "首家", "首批", "首创",
          "第一个", "零的突破", "填补")
HONOURS = ("排名第一", "排名全省第一", "名列前茅", "位居前列", "前列", "获评", "评为", "荣获", "授予", "表彰",
           "通报表扬", "充分肯定", "好评", "优秀", "示范", "先进", "候选", "典型经验", "标杆", "全国模范")
# Nouns that name a mechanism, a reform or a system when something precedes them (“三审四议”制度).
MECHANISMS = ("制度", "机制", "模式", "清单", "平台", "体系", "品牌", "目录", "指引", "系统", "中心", "基准",
              "改革", "标准", "规则", "办法", "工作法", "服务站", "联席会议")
# Verbs that say the mechanism is the unit's own act rather than a duty it restates.
CREATION = ("创建", "创设", "创新", "首创", "建立", "建成", "推行", "实行", "构建", "探索", "出台", "制定",
            "组建", "实现", "上线", "开通", "设立", "编制", "试行", "推出", "打造")
# Words of slogans, openings and generic duties: informative statements rarely need them.
GENERIC = ("习近平", "新时代", "指导思想", "重要讲话", "决策部署", "精神", "高度重视", "摆在", "始终",
           "坚决", "牢固树立", "贯穿", "营造", "氛围", "意识", "不断提升", "有效提升", "进一步增强", "大力",
           "切实", "扎实", "认真", "全力", "积极", "努力", "着力", "紧紧围绕", "坚强领导", "有力保障")
# Quoted slogans of political language: in quotes like a name, but no mechanism of the reporting unit.
SLOGANS = ("四个意识", "四个自信", "两个维护", "两个确立", "一岗双责", "关键少数", "三会一课", "不忘初心",
           "两学一做", "放管服", "七五", "八五", "十四五", "十三五")
_QUOTED = re.compile(r"[“\"「]([^”\"」]{2,18})[”\"」]")
_TITLED = re.compile(r"《([^》]{2,40})》")


def _counts(figure: Figure) -> bool:
    """A figure that states a quantity: written in digits, or a Chinese numeral of a share (四成,
    百分之九十) or of ten and more (十九个); a lone 两次 or 三个 is usually a way of speaking."""
    if re.search(r"\d", figure.text):
        return True
    unit, value = figure.key[2], figure.key[1]
    return unit in ("成", "%") or (isinstance(value, str) and value.isdigit() and int(value) >= 10)


@dataclass(frozen=True)
class Highlight:
    kind: str  # figure, percent, first, honour, named, mechanism, document
    text: str
    start: int
    end: int


def highlights(text: str) -> list[Highlight]:
    """The informative signals of ``text``, in order (years, dates, masked and ordinal figures excluded)."""
    return list(_highlights(text))


@lru_cache(maxsize=16384)
def _highlights(text: str) -> tuple[Highlight, ...]:
    out: list[Highlight] = []
    names = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    for f in find_figures(text):
        if any(a <= f.start < b for a, b in names):
            continue  # the 1 of “1+X”, the 3 of “三项制度”: part of a name, not a count
        if f.kind in ("number", "percent") and not f.key[-1] and _counts(f):
            out.append(Highlight("percent" if f.kind == "percent" else "figure", f.text, f.start, f.end))
    for kind, words in (("first", FIRSTS), ("honour", HONOURS)):
        taken = list(names)  # “创建全国法治政府示范城市” names a goal; it is not an honour
        for word in sorted(words, key=len, reverse=True):
            for m in re.finditer(re.escape(word), text):
                if not any(a <= m.start() < b for a, b in taken):
                    taken.append((m.start(), m.end()))
                    out.append(Highlight(kind, word, m.start(), m.end()))
    for m in _QUOTED.finditer(text):
        if m.group(1) not in SLOGANS:
            out.append(Highlight("named", m.group(0), m.start(), m.end()))
    for m in _TITLED.finditer(text):
        out.append(Highlight("document", m.group(0), m.start(), m.end()))
    if any(v in text for v in CREATION):
        for word in MECHANISMS:
            at = text.find(word)
            if at >= 2:  # a mechanism with a name before it, not the bare word
                out.append(Highlight("mechanism", word, at, at + len(word)))
                break
    out.sort(key=lambda h: h.start)
    return tuple(out)


# A first or an honour is rarer, and tells an inspector more, than one more count.
WEIGHTS = {"percent": 1.6, "figure": 1.0, "first": 4.0, "honour": 3.0, "named": 1.5, "mechanism": 1.0, "document": 0.5}
CAPS = {"percent": 2, "figure": 3, "first": 1, "honour": 1, "named": 2, "mechanism": 1, "document": 1}
FIGURES_CAP = 3.5  # figures and percentages together: a run of counts is one result, not five


@lru_cache(maxsize=16384)
def informativeness(text: str) -> float:
    """How much ``text`` tells: weighted signals (each kind capped), minus slogan words."""
    found = _highlights(text)
    parts = {kind: weight * min(CAPS[kind], sum(1 for h in found if h.kind == kind)) for kind, weight in WEIGHTS.items()}
    score = min(FIGURES_CAP, parts.pop("percent") + parts.pop("figure")) + sum(parts.values())
    score -= 0.6 * sum(word in text for word in GENERIC)
    return score
