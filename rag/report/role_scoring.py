"""Roles of top-level sections from several kinds of evidence, each with a confidence.

A closed list of heading phrases fails on reports that word their headings differently
("工作中存在的短板", "今后工作思路"). The role of a top-level section is therefore scored from:

* the heading's wording (``roles.heading_role``: the lexicon of domain-notes §3.3; strong when it hits);
* the body: the share of sentences carrying deficit predicates (有待、不够、不足、仍需、滞后、薄弱、欠缺…)
  for problems, future/intent markers (将、要、进一步、持续、力争、计划…) for plans, past results
  (figures with units, 完成、实现、开展了…) for measures, 第一责任人 cues for the responsibility part;
* the section's position (the five parts come in the order of the 规定: measures and responsibility,
  then problems, then plans, then other);
* optionally, similarity of heading + opening to role exemplars with an ``Embedder``.

``score_roles`` returns one ``RoleGuess`` per section (role + confidence 0–1). A required part
whose best section scores below ``CONFIDENT`` is reported as undetermined (「未能确定」), never as
absent: the parser does not assert what the text does not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.core.protocols import Embedder
from rag.report.items import HEDGE_END
from rag.report.roles import PLAN_TURN, heading_role, heading_title, mentions_deficit

CONFIDENT = 0.6  # below this a role is a guess: shown as 「未能确定」 for required parts

_SENTENCE = re.compile(r"[^。！？!?；;\n]+")
# Deficit predicates (problems); "存在…问题/不足" sentences too.
DEFICIT = re.compile(
    r"有待|不够|不足|仍需|还需|尚需|亟需|亟待|滞后|薄弱|欠缺|缺乏|不到位|不充分|不完善|不健全|不规范|不平衡|不深入|"
    r"不明显|不高|不强|较弱|偏弱|较低|短板|弱项|差距|尚未|还不|仍然存在|依然存在|时有发生|参差不齐|不同程度|"
    r"存在[^。；]{0,20}(问题|不足|困难|情况)|(问题|不足)(主要)?(表现|体现)|"
    # problems are also written with plain quantity and quality words (report-patterns §14.3):
    # 形式单一, 覆盖面窄, 人员短缺, 作用发挥有限, 年龄偏大, 流于形式, 仍面临一些困难
    r"单一|偏[少大低小窄高]|较少|面窄|[窄缺]乏|短缺|匮乏|有限(?!公司|责任)|流于形式|走过场|不熟|不及时|跟不上|"
    r"面临[^。；]{0,12}(困难|挑战|问题|压力)|不相?(匹配|适应|协调)"
)
# Intent and future markers (plans): a sentence that commits to doing something.
FUTURE = re.compile(
    r"(^|[，,：:])\s*(将|要|需要?|必须|应当|着力|力争|持续|继续|进一步|加快|全面|深入|不断|坚持|切实|确保|计划|拟|争取)"
    r"|(下一步|下一年度|今后|明年|来年|新的一年|20\d\d年[，,])"
)
# Reported results (measures): figures with units, completion verbs, past aspect.
PAST = re.compile(
    r"\d+(\.\d+)?\s*(件|项|次|场|个|人次|人|名|万|亿|%|％|份|条|家|批)|完成|实现|开展了|举办|召开|出台|印发|制定了|办理|"
    r"已|累计|共计|获评|获得|被评为|取得"
)
_INTENT = re.compile(r"(^|[，,：:])\s*(将|要|力争|计划|拟|争取)|下一步|明年|来年")  # "力争实现…" is no result
RESPONSIBILITY = re.compile(r"第一责任人|主要负责(人|同志)|党政主要负责|述法|履行推进法治建设")
# An enumerated item (一是…, 1., （一）) that reports no result and states no deficit is a task to do:
# plans are often written as bare imperatives (「一是健全…衔接机制。二是推进…」) without 将 or 要.
_ITEM_START = re.compile(r"^([一二三四五六七八九十]{1,3}是|\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]{1,3}[）)])")

# Exemplars for the optional embedder feature: what each part's opening typically says (written
# for this purpose, not copied from a report).
EXEMPLARS: dict[str, tuple[str, ...]] = {
    "measures": ("主要举措和成效：全年办理行政复议案件，完成规范性文件备案审查，开展普法宣传活动。",),
    "responsibility": ("党政主要负责人履行推进法治建设第一责任人职责，主要负责同志亲自部署、亲自督办。",),
    "problems": ("存在的不足：依法行政意识有待提高，执法队伍建设仍然薄弱，制度落实还不够到位。",),
    "plans": ("下一年度工作安排：我们将进一步加强法治政府建设，持续深化改革，力争取得新成效。",),
}


@dataclass(frozen=True)
class RoleGuess:
    role: str  # a Role, or "merged" (problems and plans in one section; the caller splits it)
    confidence: float
    evidence: str  # why, in a few words (for inspect and debugging)


@dataclass(frozen=True)
class BodyCues:
    deficit: float  # share of sentences with a deficit predicate
    future: float  # share of sentences with an intent/future marker
    past: float  # share of sentences reporting results
    responsibility: int  # 第一责任人 cues
    sentences: int


def body_cues(body: str, limit: int = 3000) -> BodyCues:
    sentences = [s for s in _SENTENCE.findall(body[:limit]) if len(s.strip()) >= 6]
    n = len(sentences)
    if not n:
        return BodyCues(0.0, 0.0, 0.0, 0, 0)
    deficit = sum(1 for s in sentences if DEFICIT.search(s) or HEDGE_END.search(s.strip()))
    future = sum(1 for s in sentences if not PAST.search(s) and (FUTURE.search(s.strip()) or (
        _ITEM_START.match(s.strip()) and not DEFICIT.search(s) and not HEDGE_END.search(s.strip()))))
    past = sum(1 for s in sentences if PAST.search(s) and not _INTENT.search(s))
    return BodyCues(deficit / n, future / n, past / n, len(RESPONSIBILITY.findall(body[:limit])), n)


def _body_scores(cues: BodyCues, body: str) -> dict[str, float]:
    opening = body.lstrip()[:80]
    plan_opening = 1.0 if PLAN_TURN.match(opening) else 0.0
    return {
        "problems": cues.deficit - 0.5 * cues.past,
        "plans": cues.future + 0.4 * plan_opening - 0.5 * cues.past - 0.4 * cues.deficit,
        "measures": cues.past + 0.2,
        "responsibility": min(1.0, cues.responsibility / max(3, cues.sentences)),
    }


def _embedding_scores(texts: list[str], embedder: Embedder) -> list[dict[str, float]]:
    roles = list(EXEMPLARS)
    exemplar_vecs = embedder.embed_documents([" ".join(EXEMPLARS[r]) for r in roles])
    vecs = embedder.embed_documents(texts)
    sims = np.asarray(vecs) @ np.asarray(exemplar_vecs).T
    return [{r: float(row[j]) for j, r in enumerate(roles)} for row in sims]


_HEADING_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_PAST_OR_DEFICIT = re.compile(r"成效|成绩|完成情况|开展情况|工作情况|存在|不足|问题|责任")


def _names_next_year(heading: str, year: int | None) -> bool:
    """Whether a heading names the year after the one reported on and nothing of the year's results
    (「2023年重点工作措施」 in a 2022 report): it announces the plans, whatever its other words."""
    title = heading_title(heading)
    years = [int(m.group(1)) for m in _HEADING_YEAR.finditer(title)]
    return year is not None and bool(years) and all(y == year + 1 for y in years) and not _PAST_OR_DEFICIT.search(title)


def score_roles(headings: list[str], bodies: list[str], embedder: Embedder | None = None,
                year: int | None = None) -> list[RoleGuess]:
    """A role and a confidence for each top-level section of one report (see the module docstring).

    ``year`` is the year reported on, if known: a heading naming the next year announces the plans.
    """
    n = len(headings)
    named = [heading_role(h) for h in headings]
    cues = [body_cues(b) for b in bodies]
    body = [_body_scores(c, b) for c, b in zip(cues, bodies, strict=True)]
    embedded = (_embedding_scores([heading_title(h) + "。" + b[:200] for h, b in zip(headings, bodies, strict=True)],
                                  embedder) if embedder is not None and n else [{} for _ in headings])
    guesses: list[RoleGuess | None] = [None] * n
    for i, role in enumerate(named):
        if role in (None, "measures") and _names_next_year(headings[i], year):
            guesses[i] = RoleGuess("plans", 0.85, f"标题写的是报告年度的下一年（{year + 1 if year else ''}年）")
        elif role is None and HEDGE_END.search(heading_title(headings[i])):
            guesses[i] = RoleGuess("problems", 0.75, "标题本身是不足表述")
        elif role is not None:
            agrees = role == "merged" or role == max(body[i], key=lambda r: body[i][r])
            guesses[i] = RoleGuess(role, 0.95 if agrees else 0.85, "标题用语")
    # Unnamed sections: the body decides, within the order of the parts.
    first_late = next((i for i, g in enumerate(guesses) if g and g.role in ("problems", "plans", "merged")), n)
    seen_problems = False
    for i in range(n):
        if guesses[i] is not None:
            seen_problems = seen_problems or guesses[i].role in ("problems", "merged")  # type: ignore[union-attr]
            continue
        seen_problems = any(g is not None and g.role in ("problems", "merged") and g.confidence >= CONFIDENT
                            for g in guesses[:i])
        scores = dict(body[i])
        for role, sim in embedded[i].items():
            scores[role] = scores.get(role, 0.0) + 0.5 * (sim - 0.5)
        tail = i >= max(1, n - 3)  # problems and plans are the last parts of a report
        later_problems = any(g and g.role in ("problems", "merged") for g in guesses[i + 1 :])
        if (mentions_deficit(headings[i]) and cues[i].deficit >= 0.5 and scores["problems"] > scores["plans"]
                and not later_problems):
            # 「工作中的问题」「面临的困难和挑战」: the heading names a deficit word, the body says so
            guesses[i] = RoleGuess("problems", 0.7, f"标题提到问题或困难，正文{cues[i].deficit:.0%}的句子是不足表述")
        elif scores["responsibility"] >= 0.3 and i < first_late and not seen_problems:
            guesses[i] = RoleGuess("responsibility", 0.7, "正文多处提及第一责任人职责")
        elif (scores["problems"] >= 0.45 and scores["problems"] > scores["plans"] and not later_problems
              and round(cues[i].deficit * cues[i].sentences) >= 2 and (tail or cues[i].deficit >= 0.6)):
            # two deficit sentences at least: one "但也要看到…仍有不足" in a measures section is not a part
            conf = min(0.9, 0.5 + scores["problems"] * 0.6)
            guesses[i] = RoleGuess("problems", conf, f"正文{cues[i].deficit:.0%}的句子是不足表述")
        elif seen_problems and scores["plans"] >= 0.15 and scores["plans"] > scores["problems"]:
            conf = min(0.9, 0.55 + scores["plans"] * 0.6)
            guesses[i] = RoleGuess("plans", conf, f"位于问题部分之后，正文{cues[i].future:.0%}的句子是打算、安排")
        elif tail and not later_problems and scores["plans"] >= 0.45:
            conf = min(0.55, 0.3 + scores["plans"] * 0.4)  # no problems part before it: a guess
            guesses[i] = RoleGuess("plans", conf, f"正文{cues[i].future:.0%}的句子是打算、安排")
        elif i < first_late and not seen_problems:
            guesses[i] = RoleGuess("measures", 0.7 if cues[i].past >= 0.2 else 0.5, "位于问题部分之前")
        else:
            guesses[i] = RoleGuess("other", 0.4, "位于问题、安排部分之后，正文未表明用途")
    return [g for g in guesses if g is not None]


def assign_roles(headings: list[str], bodies: list[str] | None = None) -> list[str]:
    """The roles of ``score_roles`` without their confidences ("merged" kept for the caller)."""
    return [g.role for g in score_roles(headings, bodies if bodies is not None else [""] * len(headings))]
