"""Whether a report's required parts were found: what summaries, comparisons and the UI may claim.

``part_status(report, role)`` is one of

* ``"present"``: a top-level section has this role with confidence ≥ ``CONFIDENT``;
* ``"folded"``: the part has no section of its own but sits inside another one (problems mentioned
  only in a paragraph of the measures, a 第一责任人 sub-heading or paragraph inside part 1);
* ``"undetermined"``: the parser could not find it with confidence (no section, or only one whose
  role is a guess below ``CONFIDENT``). Show 「未能确定」, never 「未见」: a parser miss is not
  evidence that the report lacks the part.
"""

from __future__ import annotations

import re
from typing import Literal

from rag.core.types import Report
from rag.report.role_scoring import CONFIDENT

PartStatus = Literal["present", "folded", "undetermined"]
REQUIRED_PARTS: tuple[str, ...] = ("measures", "responsibility", "problems", "plans")
STATUS_LABELS: dict[str, str] = {"present": "", "folded": "未单列成节（并入其他部分）", "undetermined": "未能确定"}

_RESPONSIBILITY = re.compile(r"第一责任人")


def part_status(report: Report, role: str) -> PartStatus:
    """See the module docstring."""
    sections = report.sections_with_role(role)
    if any(s.role_confidence >= CONFIDENT for s in sections):
        return "present"
    if sections:
        return "undetermined"  # there is a section, but its role is only a guess
    if role == "problems" and report.problems:
        return "folded"  # problems_inline_only: items taken from a paragraph of another section
    if role == "responsibility":
        children = [c for s in report.sections for c in s.walk()[1:]]
        if any(_RESPONSIBILITY.search(c.heading) for c in children) or _RESPONSIBILITY.search(report.text):
            return "folded"
    return "undetermined"


def part_statuses(report: Report) -> dict[str, str]:
    """``part_status`` of every required part (what ``inspect --json`` shows as ``parts``)."""
    return {role: part_status(report, role) for role in REQUIRED_PARTS}
