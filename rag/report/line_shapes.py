"""Line shapes that both the header reader (rag.report.metadata) and the issuer reader
(rag.report.issuer) recognise: sentence punctuation, news headlines and leads, salutations."""

from __future__ import annotations

import re

from rag.lang.years import YEAR

SENTENCE_PUNCT = re.compile(r"[。，,；;！？!?]")
# A news headline about a report (「应急管理部发布2023年法治政府建设年度报告」) is not the report's title.
HEADLINE = re.compile(r"^[^关]{2,24}?(发布|公布|公开|晒出|出炉)(了)?\s*(?:{y}|《)".replace("{y}", YEAR)
                      + r"|^[^关]{0,12}[丨|｜][^关]{0,30}?(听取|审议|解读)")  # 「人大之声丨…会议听取审议…的报告」
# A news lead before the report text: 「某某网3月29日电　…报告全文如下：」
NEWS_LEAD = re.compile(r"\d{1,2}月\d{1,2}日电[\s　]|全文如下[:：]?\s*$")
# A salutation line (「区委、区政府：」): the addressee of a letter or report, never its issuer.
SALUTATION = re.compile(r"^[\u4e00-\u9fff、，,\s]{2,30}[:：]$")
