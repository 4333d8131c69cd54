"""The issuing body by candidate scoring (issue 11, report-patterns §18).

``rag.report.issuer`` collects every organisation name a report offers for its issuer — title, signature
block, opening subject, self-designation resolved to a place, a report named in a news item, the page's
来源/发布机构 row, the header lines above the title — and describes each distinct name by general features
(where it stands, how often the text names it, whether its kind agrees with the report's self-designation
and its place with the title's, whether it is the addressee of the salutation). This module only weighs
them: no text is read here. Below ``MARGIN`` the caller keeps the cascade's answer.

The weights were chosen on the older dev rounds (R1–R4, ``scripts/eval_issuer_rounds.py``) and checked on
the two newest (R5, R6) before the whole dev figure was looked at (§18).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a name was read: the weight of that position as evidence of the issuer. Hand values (title 4,
# signature 3.5, opening 3, title_place 2.5) moved by the coordinate search on R1–R4 to these.
SOURCE_WEIGHT: dict[str, float] = {
    "title": 5.0,  # 「X县人民政府关于…的报告」
    "signature": 4.0,  # the name above (or beside) the date at the end, 「…（盖章）」
    "named_report": 3.0,  # 「…作X省人民政府关于…的报告」 in a news item
    "opening": 2.0,  # the opening sentence's subject / the object of 现将
    "title_place": 0.0,  # 「X乡2024年…报告」: the place's government (its weight is the title_place feature)
    "self_township": 2.0,  # 「我镇」 resolved by the one township the text names
    "posting": 1.0,  # 来源 / 发布机构 row: often the office that posts the page
    "header": 0.5,  # a short organisation line above the title: often the site's name
}
# Weights of the features (hand values, left unchanged by the search on R1–R4) (each feature is a number, most of them -1, 0 or 1).
WEIGHTS: dict[str, float] = {
    "mentions": 0.5,  # how often the body names it (capped at 3)
    "kind": 2.0,  # +1 its kind (局/镇/区…) agrees with 我局/我镇/我区, -1 it disagrees
    "title_place": 2.0,  # +1 the government of the title's place, -1 another body when the title has a place
    "addressee": -6.0,  # 1: the salutation names it (the report is addressed to it)
    "poster_only": -1.0,  # 1: read only from a 来源/发布机构 row or a header line, and an office or 司法局
}
MARGIN = 1.0  # best minus runner-up below this: not decided by scoring


@dataclass
class Candidate:
    """One distinct organisation name and what speaks for it."""

    name: str
    sources: dict[str, str] = field(default_factory=dict)  # source -> evidence note
    features: dict[str, float] = field(default_factory=dict)

    def score(self, weights: dict[str, float] | None = None, source_weight: dict[str, float] | None = None) -> float:
        w, sw = weights or WEIGHTS, source_weight or SOURCE_WEIGHT
        return sum(sw.get(s, 0.0) for s in self.sources) + sum(w.get(k, 0.0) * v for k, v in self.features.items())

    @property
    def evidence(self) -> str:
        """The note of the strongest source it was read from."""
        best = max(self.sources, key=lambda s: SOURCE_WEIGHT.get(s, 0.0))
        return self.sources[best]


@dataclass(frozen=True)
class Choice:
    """The scoring's answer: the best candidate when it leads by ``MARGIN``; else ``name`` is ""."""

    name: str
    evidence: str
    margin: float  # best minus runner-up (the best's own score when alone)
    contenders: tuple[str, ...]  # the names within the margin when undecided


def pick(candidates: list[Candidate], weights: dict[str, float] | None = None,
         source_weight: dict[str, float] | None = None, margin: float = MARGIN) -> Choice:
    """The best-scoring candidate, or an undecided choice when the runner-up is within ``margin``."""
    if not candidates:
        return Choice("", "", 0.0, ())
    ranked = sorted(candidates, key=lambda c: c.score(weights, source_weight), reverse=True)
    best = ranked[0].score(weights, source_weight)
    second = ranked[1].score(weights, source_weight) if len(ranked) > 1 else 0.0
    if best <= 0 or best - second < margin:
        close = tuple(c.name for c in ranked if best - c.score(weights, source_weight) < margin)
        return Choice("", "", best - second, close)
    return Choice(ranked[0].name, ranked[0].evidence, best - second, ())
