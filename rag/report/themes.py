"""Problem-theme taxonomy T01–T17 (domain-notes §4) and the companion tags of §4.1.

``classify_problem`` scores the lexicon of ``resources/themes.toml`` first; an embedder breaks ties
and is the fallback when no term matches; an optional LLM judge may only pick one of the taxonomy
codes (constrained JSON enum) and is ignored otherwise. The tags (specificity, reason given, plan
link) are plain lexical rules so that a user can see why an item got them.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from rag.core.protocols import Embedder, Generator

THEMES_FILE = Path(__file__).resolve().parent.parent / "resources" / "themes.toml"
STRONG_WEIGHT = 3.0
TERM_WEIGHT = 1.0
# The first sentence of an item is usually the author's own run-in title ("理论学习需要进一步加强。"),
# so its terms count double.
TITLE_WEIGHT = 2.0
UNCLASSIFIED = "T00"

Specificity = Literal["具体", "领域", "套话"]

HEDGES = ("有待", "仍需", "还需", "尚需", "需要进一步", "进一步", "不够", "不足", "不强", "欠缺", "不到位",
          "不充分", "个别", "少数", "一定程度上", "还不", "仍然", "依然", "加强", "提升", "提高")
# Markers of a reason, as opposed to a restated problem (rubric C7).
REASON_RE = re.compile(r"原因|由于|受制于|受限于|导致|造成|因为|究其|根源|源于|归因于|缺少专业|缺乏专业|人员不足|经费不足|编制不足|力量不足")
FIGURE_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|‰)?")
# Names of concrete units, platforms, documents or acts: what makes a problem 具体 (domain-notes §4.1).
CONCRETE_RE = re.compile(
    r"《[^》]{2,40}》|“[^”]{2,20}”|\"[^\"]{2,20}\""
    r"|[\u4e00-\u9fa5]{2,10}(?:平台|系统|目录|清单|热线|窗口|专栏|大厅)"
    r"|(?:区|县|市|镇|街道)?[\u4e00-\u9fa5]{1,8}(?:局|委员会|办公室|中心|街道|镇政府)"
    r"|未(?:对|及时|按|开展|建立|进行|编制|落实)|仅对|推进困难|受制于|上位法|后评估|建议提案|代表委员"
)
STOP_WORDS = ("进一步", "有待", "需要", "还需", "仍需", "不断", "持续", "加强", "推进", "提升", "提高", "完善",
              "健全", "深化", "工作", "建设", "法治", "政府", "全面", "着力", "坚持", "强化", "不够", "水平",
              "我区", "我市", "我县", "我厅", "我办", "部分", "一些", "存在", "问题", "方面", "切实", "落实")


@dataclass(frozen=True)
class Theme:
    code: str
    short: str
    label: str
    description: str
    strong: tuple[str, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class ThemeLabel:
    code: str  # "T01".."T17", or "T00" when nothing matched
    label: str
    score: float  # lexicon score; cosine similarity when source == "embedding"
    evidence_terms: tuple[str, ...]
    source: Literal["lexicon", "embedding", "llm", "none"] = "lexicon"
    runner_up: str = ""  # second-best code, for the confusion printout and the UI


@dataclass
class ProblemTags:
    theme: ThemeLabel
    specificity: Specificity
    reason_given: bool
    plan_index: int | None = None  # index into the report's plans that answers this problem
    plan_score: float = 0.0
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def load_taxonomy(path: str | None = None) -> dict[str, Theme]:
    data = tomllib.loads(Path(path or THEMES_FILE).read_text(encoding="utf-8"))
    return {
        code: Theme(code, v["short"], v["label"], v["description"], tuple(v.get("strong", ())), tuple(v.get("terms", ())))
        for code, v in sorted(data.items())
    }


def theme_label(code: str) -> str:
    theme = load_taxonomy().get(code)
    return theme.label if theme else "未归类"


def theme_short(code: str) -> str:
    theme = load_taxonomy().get(code)
    return theme.short if theme else "未归类"


@lru_cache(maxsize=4096)
def _hits(text: str) -> tuple[tuple[int, int, str, str, float], ...]:
    """(start, end, code, term, weight) for every lexicon term, minus hits nested in longer hits."""
    found: list[tuple[int, int, str, str, float]] = []
    for theme in load_taxonomy().values():
        for terms, weight in ((theme.strong, STRONG_WEIGHT), (theme.terms, TERM_WEIGHT)):
            for term in terms:
                for m in re.finditer(re.escape(term), text):
                    found.append((m.start(), m.end(), theme.code, term, weight))
    found.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept = []
    for hit in found:
        nested = any(o[0] <= hit[0] and hit[1] <= o[1] and (o[1] - o[0]) > (hit[1] - hit[0]) for o in found)
        if not nested:
            kept.append(hit)
    return tuple(kept)


def lexicon_scores(text: str) -> dict[str, tuple[float, list[str]]]:
    """Per theme: score and evidence terms. Each term counts once; a term in the title counts double."""
    title_end = _title_end(text)
    best: dict[tuple[str, str], float] = {}
    for start, _end, code, term, weight in _hits(text):
        factor = TITLE_WEIGHT if start < title_end else 1.0
        best[(code, term)] = max(best.get((code, term), 0.0), weight * factor)
    scores: dict[str, tuple[float, list[str]]] = {}
    for (code, term), value in best.items():
        total, terms = scores.get(code, (0.0, []))
        scores[code] = (total + value, [*terms, term])
    return scores


def _title_end(text: str) -> int:
    m = re.search(r"[。；;！!]", text)
    if not m or m.end() >= len(text.rstrip()) - 1:
        return 0  # a single sentence has no separate title
    return m.end() if m.end() <= 40 else 0


_VECTOR_CACHE: dict[str, np.ndarray] = {}


def theme_vectors(embedder: Embedder) -> np.ndarray:
    """Embedded theme descriptions, cached per embedder name (they never change)."""
    key = getattr(embedder, "name", type(embedder).__name__)
    if key not in _VECTOR_CACHE:
        themes = list(load_taxonomy().values())
        texts = [f"{t.label}：{t.description}" for t in themes]
        _VECTOR_CACHE[key] = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    return _VECTOR_CACHE[key]


def _cosines(text: str, embedder: Embedder) -> dict[str, float]:
    vecs = theme_vectors(embedder)
    q = np.asarray(embedder.embed_query(text), dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1) * (np.linalg.norm(q) or 1.0)
    sims = vecs @ q / np.where(norms == 0, 1.0, norms)
    return {code: float(s) for code, s in zip(load_taxonomy(), sims, strict=True)}


def classify_problem(text: str, embedder: Embedder | None = None,
                     generator: Generator | None = None) -> ThemeLabel:
    """Assign one T-code to a problem statement (lexicon, then embedding, then optional LLM judge).

    The embedder is only consulted when the lexicon ties or finds nothing (embedding is the slow part).
    """
    scores = lexicon_scores(text)
    # Ties: more distinct terms first, then the theme named first (the sentence's subject: "应急状态下执法…").
    first = {code: min(h[0] for h in _hits(text) if h[2] == code) for code in scores}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], -len(kv[1][1]), first[kv[0]], kv[0]))
    tied = [kv for kv in ranked if kv[1][0] == ranked[0][1][0]] if ranked else []
    need_embedding = len(tied) != 1 or generator is not None
    cosines = _cosines(text, embedder) if embedder is not None and need_embedding else {}
    label: ThemeLabel
    if ranked:
        if len(tied) > 1 and cosines:
            tied.sort(key=lambda kv: -cosines.get(kv[0], 0.0))
        code, (score, terms) = tied[0]
        runner = next((c for c, _ in ranked if c != code), "")
        label = ThemeLabel(code, theme_label(code), round(score, 3), tuple(terms), "lexicon", runner)
    elif cosines:
        order = sorted(cosines, key=lambda c: -cosines[c])
        label = ThemeLabel(order[0], theme_label(order[0]), round(cosines[order[0]], 4), (), "embedding", order[1])
    else:
        label = ThemeLabel(UNCLASSIFIED, "未归类", 0.0, (), "none")
    if generator is not None:
        candidates = [c for c, _ in ranked[:3]] + sorted(cosines, key=lambda c: -cosines[c])[:2]
        judged = llm_judge(text, generator, candidates)
        if judged and (judged in candidates or label.code == UNCLASSIFIED) and judged != label.code:
            evidence = scores.get(judged, (0.0, []))[1]
            label = ThemeLabel(judged, theme_label(judged), label.score, tuple(evidence), "llm", label.code)
    return label


def judge_schema() -> dict[str, Any]:
    codes = list(load_taxonomy())
    return {"type": "object", "properties": {"code": {"type": "string", "enum": codes}}, "required": ["code"]}


def llm_judge(text: str, generator: Generator, candidates: list[str]) -> str | None:
    """Ask the generator for one taxonomy code; anything else (or an error) is ignored."""
    from rag.core.templates import render

    taxonomy = "\n".join(f"{t.code} {t.label}：{t.description}" for t in load_taxonomy().values())
    messages = [
        {"role": "system", "content": render("compare_theme_system")},
        {"role": "user", "content": render("compare_theme_user", taxonomy=taxonomy, problem=text,
                                                  candidates="、".join(dict.fromkeys(candidates)) or "无")},
    ]
    try:
        raw = generator.complete(messages, max_tokens=24, temperature=0.0, json_schema=judge_schema())
        code = json.loads(raw).get("code")
    except Exception:  # a judge that fails or answers garbage is simply not used
        return None
    return code if isinstance(code, str) and code in load_taxonomy() else None


def specificity(text: str) -> Specificity:
    """具体: names a unit, platform, document, number or concrete act; 领域: an area only; 套话: hedges."""
    if FIGURE_RE.search(text) or CONCRETE_RE.search(text):
        return "具体"
    if lexicon_scores(_strip_hedges(text)):
        area_terms = sum(len(t) for _, terms in lexicon_scores(text).values() for t in terms)
        if area_terms >= 4:
            return "领域"
    return "套话"


def _strip_hedges(text: str) -> str:
    for hedge in HEDGES:
        text = text.replace(hedge, " ")
    return text


def is_formulaic(text: str) -> bool:
    return specificity(text) == "套话"


def reason_given(text: str) -> bool:
    return bool(REASON_RE.search(text))


def _bigrams(text: str) -> set[str]:
    for word in STOP_WORDS:
        text = text.replace(word, "|")
    chars = re.sub(r"[^\u4e00-\u9fa5A-Za-z0-9|]", "|", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1) if "|" not in chars[i : i + 2]}


def text_similarity(a: str, b: str) -> float:
    """Dice overlap of content character bigrams (filler words like 进一步/加强 removed)."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def link_score(problem: str, problem_code: str, plan: str) -> float:
    """Theme share of the plan (1.0 when the problem's theme dominates it) / 2 + content overlap."""
    scores = lexicon_scores(plan)
    top = max((v[0] for v in scores.values()), default=0.0)
    share = scores.get(problem_code, (0.0, []))[0] / top if top and problem_code != UNCLASSIFIED else 0.0
    return 0.5 * share + text_similarity(problem, plan)


LINK_THRESHOLD = 0.52  # the problem's theme dominates the plan (0.5) plus some shared content, or a strong overlap


def link_plans(problems: list[str], plans: list[str], embedder: Embedder | None = None,
               codes: list[str] | None = None) -> tuple[list[int | None], list[float]]:
    """For each problem, the index of the plan that answers it (theme + lexical overlap), or None."""
    codes = codes or [classify_problem(p, embedder).code for p in problems]
    links: list[int | None] = []
    scores: list[float] = []
    for text, code in zip(problems, codes, strict=True):
        best, best_score = None, 0.0
        for j, plan in enumerate(plans):
            s = link_score(text, code, plan)
            if s > best_score:
                best, best_score = j, s
        ok = best is not None and best_score >= LINK_THRESHOLD
        links.append(best if ok else None)
        scores.append(round(best_score, 3))
    return links, scores


def tag_problems(problems: list[str], plans: list[str], embedder: Embedder | None = None,
                 generator: Generator | None = None) -> list[ProblemTags]:
    themes = [classify_problem(text, embedder, generator) for text in problems]
    links, link_scores = link_plans(problems, plans, codes=[t.code for t in themes])
    return [
        ProblemTags(theme, specificity(text), reason_given(text), link, score)
        for text, theme, link, score in zip(problems, themes, links, link_scores, strict=True)
    ]
