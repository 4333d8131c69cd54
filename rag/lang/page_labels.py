"""Labels of the page lines a government site prints around a report: the one home of that knowledge.

「来源：XX区司法局　发布时间：2024-03-28」, 「发布机构：XX区人民政府」, 「成文日期：…」: the reader keeps
such lines when its main-text extractor drops them (rag.ingest.readers), the cleaner takes them out
of the body as page info (rag.ingest.clean), and the parser reads the publication date, the 来源 and
the 发布机构 back from them (rag.report.page_lines). All three read the labels from here.

Labels are regular-expression fragments without groups of their own. They are written in simplified
characters; ``in_either_script`` widens one to 繁體 for readers that see the page before the
simplified shadow is made (rag.report.shadow).
"""

from __future__ import annotations

import functools
import re

from rag.lang.script import to_traditional

# when a page went up: 发布/更新/发表 时间 — 「公文生成时间」 is when a document system produced the
# file, not when the page was published
PUBLICATION_DATE_LABEL = r"(?:发布|更新|发表|(?<!公文)生成)(?:时间|日期)"
# every dated label of the furniture, the signature (成文/印发) date included: none of them is report
# text, and each dates the document when no signature does
DATED_LABEL = r"(?:发布|更新|发表|成文|印发|生成)(?:时间|日期)"
# 「来源：」 and its longer forms (文章来源, 信息来源 …)
SOURCE_LABEL = r"(?:文章|信息|稿件|新闻|内容)?来源"
# the 政府信息公开 grid's row naming the body that posted or issued the page
PUBLISHER_LABEL = r"(?:发布|发文|制发)(?:机构|单位|机关)"

# the 政府信息公开 catalogue number of the page (「索 引 号：011043264/2024-01532」, 「[ 索引号 ] …」)
INDEX_NUMBER_LABEL = r"索\s*引\s*号"

_HAN = re.compile(r"[\u4e00-\u9fff]")


@functools.cache
def in_either_script(label: str) -> str:
    """``label`` with each Han character that has a traditional form matched in both (发 → [发發])."""

    def both(m: re.Match[str]) -> str:
        simplified = m.group(0)
        traditional = to_traditional(simplified)
        return simplified if traditional == simplified else f"[{simplified}{traditional}]"

    return _HAN.sub(both, label)
