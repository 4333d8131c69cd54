"""What a question asks for: its type, keywords, the unit a figure question wants, places, years, 文号.

Chinese questions are read with a domain-term list, jieba and a few patterns; English questions are
mapped to Chinese keywords through a small glossary, so that extraction over the Chinese text still
has something to match. Used by ``rag.answer.extractive``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rag.lang import places
from rag.lang.figures import DOCNO, UNITS, find_figures
from rag.lang.words import tokenizer as word_tokenizer
from rag.lang.years import REPORT_YEAR, YEAR_WORD, YearMention, year_mentions, years_in


def _words(text: str) -> list[str]:
    return text.split()


DOMAIN_TERMS = sorted(
    _words("""依申请公开 政府信息公开 信息公开 政务公开 主动公开 行政复议 行政诉讼 行政应诉 出庭应诉 出庭应诉率 败诉率 纠错率 法律援助 人民调解
    行政调解 劳动争议 劳动仲裁 信访 规范性文件 合法性审查 合法性审核 备案审查 重大行政决策 行政执法 综合执法 执法人员 执法证件 执法记录仪
    三项制度 行政执法公示 普法 法治宣传 法律明白人 学法 法治培训 法律顾问 公职律师 建议提案 人大代表建议 政协提案 议案建议 督查督办
    督查 督办 审计 审计监督 放管服 营商环境 简政放权 行政审批 行政许可 权责清单 负面清单 双随机一公开 双随机 互联网+监管 政务服务
    12345 市长热线 热线 第一责任人 党政主要负责人 常务会议 党组会 述法 法治政府 依法行政 公平竞争审查 政府购买服务 公共法律服务
    事业单位 机构改革 疫情防控 复工复产 民法典 宪法 考核 督察 问题 不足 短板 差距 原因 下一步 工作安排 计划 打算 改进措施 发文数量
    办结率 答复率 满意率 完成率 覆盖率 参考率 优秀率 合格率 成功率 调解成功率 网上可办率 即办件 零跑动 最多跑一次 精简率 审查率
    报备率 出庭率 律师 法治思维 法治意识 队伍建设 法制队伍"""),
    key=len,
    reverse=True,
)

STOPWORDS = set(
    _words("""多少 几 几个 几次 哪些 哪个 哪项 什么 是否 有没有 有无 是不是 怎么 怎样 如何 吗 呢 请问 报告 报告中 中 的 了 年度 共 一共 总共 共计 合计
    情况 提到 提及 哪 是 有 在 对 和 与 及 为 等 其 该 这 那 年 全年 今年 去年 当年 数量 数字 具体 分别 主要 一下 介绍 说明 列举 请 给出
    采取 开展 进行 方面 工作 相关 关于 哪一 多大 多高 多长 时间 何时 什么时候 哪天 哪一天 日期 发生 次数 比例 比率 人数 件数 个数""")
)

# 几 asks how many, 哪几 which ones (「从哪几个方面开展」 asks for the parts, a list).
FIGURE_WORDS = re.compile(r"多少|(?<!哪)几[个次件项名人家场户份条类批位]?|数量|数目|比例|比率|占比|百分|率[是为]?|金额|多大|多高|多长|人数|次数|件数|个数|规模")
DATE_WORDS = re.compile(r"何时|什么时候|哪天|哪一天|哪年|哪一年|日期|时间|几月|几号|文号")
LIST_WORDS = re.compile(r"哪些|什么措施|哪几|举措|措施|做法|主要工作|怎么做|如何|采取了|开展了哪|有什么")
YESNO_WORDS = re.compile(r"是否|有没有|有无|是不是|有否|吗[？?]?$")
PROBLEM_WORDS = re.compile(r"问题|不足|短板|差距|薄弱|困难")
PLAN_WORDS = re.compile(r"下一步|下一年|下步|计划|打算|安排|思路")

# The report parts a question asks about (retrieval boosts sections of these roles). Checked in order;
# a question may ask for several parts. Wider than PROBLEM_WORDS / PLAN_WORDS, which decide how an
# answer is written, not where to look.
SECTION_ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("problems", re.compile(r"不足|短板|差距|薄弱|欠缺|不够的地方|差在哪|做得不(?:好|够)|没有?做好|不到位"
                            r"|困难(?!群众|家庭|户|职工|人员)"
                            r"|(?:哪些|什么|存在的?|主要)问题|问题(?:有哪些|是什么)"
                            # why something failed and what a shortfall led to: the required part is
                            # 「存在的不足和原因」, where reports explain both
                            r"|为什么[^，。？?]{0,12}(?:没|不|难|办不|做不|交给|移交)|什么原因|原因是什么|原因在哪"
                            r"|(?:带来|造成|导致)了?(?:什么|哪些)(?:后果|影响)|跟不上|不够用"
                            r"|(?i:\b(?:problems?|shortcomings?|weakness(?:es)?|deficienc(?:y|ies)|gaps?)\b)")),
    ("plans", re.compile(r"下一步|下步|计划|安排|打算|明年|下一年|来年|今后|接下来|准备(?!工作)|思路|改进措施|整改措施"
                         r"|要(?:做|抓)(?:哪|什么|好)|重点(?:要)?(?:做|抓)(?!了|过|法)"
                         r"|(?i:\b(?:plans?|planned|next year|arrangements?)\b)")),
    # 「局长是怎么抓法治建设的」: the head of the body and what he did for the rule of law
    ("responsibility", re.compile(r"第一责任人|主要负责人|一把手|述法"
                                  r"|(?:主要领导|[局厅]长|书记|[省市县区镇乡]长|主任)[^，。？?]{0,8}"
                                  r"(?:抓|推进|推动|重视|带头|履职|履行)[^，。？?]{0,6}法治|(?i:\b(?:first responsib\w*|principal leaders?)\b)")),
    ("measures", re.compile(r"举措|成效|做法|(?<!改进)(?<!整改)措施|采取了|开展了哪些|工作情况|怎么开展|如何开展"
                            r"|(?i:\b(?:measures|achievements)\b)")),
    # the report itself: who issued it, when, under which 文号, from which 来源 (the metadata passage)
    # and under which title: 「标题怎么写的」「哪个单位写的」 are how users ask it; a journalist asks when it
    # went online (「几月几号上网的」「哪天挂出来的」「最后更新是在什么时候」), who supplied it (「供的稿」「署的是
    # 哪个单位」), to whom it is submitted (「报送给谁」「向谁呈报」) and which year it covers (「说的是哪一年的工作」)
    ("metadata", re.compile(r"文号|字号|签发人|来源|出自|索引号|标题|题目|全称|供稿|供的稿|稿子|署名|落款"
                            r"|(?:发布|印发|成文|公布|更新|签发|落款)(?:时间|日期|机关|单位|机构)"
                            # the document's number, seal and signing as people name them: 「文件编号多少」
                            # 「最后盖的是谁的章」「啥时候签发的」「哪个部门往网上放的」
                            r"|文件(?:编号|号|名)|编号是|盖[^，,。？?]{0,4}章|公章|印章|签发"
                            r"|(?:往|到|在)?网上放|放(?:到)?网上|挂(?:到|在)?(?:网上|网站|哪个)"
                            r"|(?:什么时候|何时|哪天|哪一天|哪年|哪一年|几月几[号日]|什么时间|哪[个家]?(?:单位|部门|机关|机构|办公室)|谁)"
                            r"\S{0,6}(?:发布|印发|公布|公开|发出|发的|挂|上网|[放传贴]到网|更新|编制|撰写|起草|制发|提供的|写(?:的|了))"
                            r"|(?:发布|公布|公开|更新|上网|挂网|成文|印发)(?:的|是|于|在){0,3}"
                            r"(?:什么时候|何时|哪天|哪一天|哪年|几月几[号日]|什么时间)"
                            r"|署的?是?哪|(?:报送|呈报|呈送|上报|报给|写给|送给|提交)给?(?:的是)?(?:谁|哪)|向谁"
                            r"|(?:讲|说|写|报告)的?是哪一?年"
                            # the report as the subject of a 是…的 question about who, when or to whom
                            # (「报告是交给谁的」「是哪个司发出来的」「是哪天登出来的」), not about what it says
                            # (「报告里提到哪个单位」)
                            r"|(?:报告|稿件|稿子|文章|全文|这份|那份|这篇|那篇)(?!里|中|内|提|说|讲|写|列|谈|显示|指出|有)"
                            r"(?:是|由|于|在)?[^，,。？?里中]{0,4}?"
                            r"(?:谁|哪一?(?:天|年|月|日|个|家|位|级)|什么时候|何时|几月|几[号日]|什么时间)"
                            r"|(?i:\b(?:published|issued|issuer|document number)\b)")),
)


# 「哪个街道用短视频做普法」: a question naming no report may still say what kind of body it is about.
# 「哪家教育局聘了…」: the kind may carry its field (教育局, 司法局); the answer is a body of that kind,
# which the passage need not name.
_ASKED_KIND = re.compile(r"哪(?:一)?(?:个|家|些|所)([\u4e00-\u9fff]{0,4}?(?:街道|镇|乡|县|区|市|州|省|局|厅|委))")


def asked_kind(text: str) -> str:
    """The kind of place or body a 「哪个X」 question asks for (街道, 镇, 教育局), or ""."""
    m = _ASKED_KIND.search(text)
    return m.group(1) if m else ""


def without_asked_kind(text: str) -> str:
    """``text`` without its 「哪个X」 phrase: the words of what is asked for, not of the answer's kind."""
    return _ASKED_KIND.sub(" ", text, count=1)


def section_roles(text: str) -> tuple[str, ...]:
    return tuple(role for role, pattern in SECTION_ROLE_PATTERNS if pattern.search(text))


ENGLISH_GLOSSARY = {
    "information disclosure": ["信息公开", "依申请公开"],
    "disclosure": ["公开"],
    "open government": ["政务公开"],
    "reconsideration": ["行政复议"],
    "lawsuit": ["行政诉讼"],
    "litigation": ["行政诉讼"],
    "legal aid": ["法律援助"],
    "mediation": ["调解"],
    "petition": ["信访"],
    "legal adviser": ["法律顾问"],
    "legal advisor": ["法律顾问"],
    "lawyer": ["律师"],
    "enforcement": ["行政执法"],
    "normative document": ["规范性文件"],
    "decision": ["重大行政决策"],
    "audit": ["审计"],
    "hotline": ["热线", "12345"],
    "call": ["来电"],
    "proposal": ["建议提案"],
    "suggestion": ["建议"],
    "problem": ["问题", "不足"],
    "shortcoming": ["不足"],
    "weakness": ["不足"],
    "plan": ["下一步", "安排"],
    "training": ["培训"],
    "study": ["学习"],
    "civil code": ["民法典"],
    "constitution": ["宪法"],
    "business environment": ["营商环境"],
    "approval": ["审批"],
    "supervision": ["督查", "监督"],
    "response rate": ["答复率"],
    "completion rate": ["办结率"],
    "satisfaction": ["满意率"],
}


@dataclass(frozen=True)
class QuestionInfo:
    """One analysis of a question, built once (``analyze_question`` memoises it) and only read after."""

    text: str
    kinds: frozenset[str] = frozenset()  # figure, date, list, yesno, problems, plans
    keywords: tuple[str, ...] = ()  # most specific first
    unit: str = ""  # the unit a figure question asks for ("件" in 多少件), "%" for rates
    places: tuple[str, ...] = ()  # the forms to look for in reports ("潼南" for 潼南区, rag.lang.places)
    years: tuple[int, ...] = ()
    report_year: int | None = None  # the year in "YYYY年度", which names the report's year
    doc_numbers: tuple[tuple[object, ...], ...] = ()  # figure keys of 文号 in the question
    english: bool = False
    roles: tuple[str, ...] = ()  # report parts asked about (SECTION_ROLE_PATTERNS), for retrieval
    year_mentions: tuple[YearMention, ...] = ()  # each year with the part it plays (rag.lang.years)

    @property
    def wants_figure(self) -> bool:
        return "figure" in self.kinds or "date" in self.kinds


def is_english(text: str) -> bool:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return latin > 3 * max(cjk, 1)


def _english_info(text: str) -> QuestionInfo:
    low = text.lower()
    keywords: list[str] = []
    kinds: set[str] = set()
    unit = ""
    for term, glossed in ENGLISH_GLOSSARY.items():
        if term in low:
            keywords.extend(w for w in glossed if w not in keywords)
    if re.search(r"how many|how much|number of|what (percentage|share|proportion|rate)|\brate\b|percent", low):
        kinds.add("figure")
        unit = "%" if re.search(r"rate|percent|share|proportion", low) else ""
    if re.search(r"\bwhen\b|what date|which date", low):
        kinds.add("date")
    if re.search(r"which|what (measures|steps|actions)|list", low):
        kinds.add("list")
    if re.match(r"\s*(is|are|was|were|did|does|do|has|have)\b|whether", low):
        kinds.add("yesno")
    if re.search(r"problem|shortcoming|weakness|deficien", low):
        kinds.add("problems")
    return QuestionInfo(text, frozenset(kinds), tuple(keywords), unit, years=years_in(text), english=True,
                        roles=section_roles(text), year_mentions=year_mentions(DOCNO.sub(" ", text)))


def find_places(text: str) -> list[str]:
    """The places a question names, each as the form to look for in reports (潼南区 → 潼南, 恩施州 → 恩施)."""
    return list(dict.fromkeys(m.key for m in places.find_places(text)))


def _keywords(text: str) -> list[str]:
    found = [t for t in DOMAIN_TERMS if t in text]
    # Keep only the longest of overlapping domain terms (信息公开 inside 政府信息公开).
    found = [t for t in found if not any(t != o and t in o for o in found)]
    rest = text
    for term in found:
        rest = rest.replace(term, " ")
    words = [w for w in word_tokenizer().lcut(rest) if len(w) >= 2 and w not in STOPWORDS and re.search(r"[\u4e00-\u9fff]", w)]
    words = [w for w in words if not YEAR_WORD.fullmatch(w)]
    return found + [w for w in dict.fromkeys(words) if w not in found]


@functools.lru_cache(maxsize=2048)
def analyze_question(question: str) -> QuestionInfo:
    """The analysis of ``question``: asked for by retrieval scoping, answering and verification alike,
    so it is memoised (the result is frozen)."""
    text = question.strip()
    if is_english(text):
        return _english_info(text)
    kinds = {kind for kind, words in (
        ("figure", FIGURE_WORDS), ("date", DATE_WORDS), ("yesno", YESNO_WORDS),
        ("problems", PROBLEM_WORDS), ("plans", PLAN_WORDS),
    ) if words.search(text)}
    if LIST_WORDS.search(text) and "figure" not in kinds:
        kinds.add("list")
    unit = ""
    if m := re.search(r"(?:多少|几)\s*(" + "|".join(map(re.escape, UNITS)) + ")", text):
        unit = "元" if m.group(1) in ("万元", "亿元") else m.group(1)
    elif re.search(r"率|比例|比率|占比|百分", text):
        unit = "%"
    doc_numbers = tuple(f.key for f in find_figures(text) if f.kind == "docno")
    text_wo_docno = DOCNO.sub(" ", text)
    report_year = REPORT_YEAR.search(text_wo_docno)
    mentions = places.find_places(text_wo_docno)
    stripped = "".join(" " if any(m.start <= i < m.end for m in mentions) else ch for i, ch in enumerate(text_wo_docno))
    stripped = YEAR_WORD.sub(" ", stripped)
    return QuestionInfo(
        text, frozenset(kinds), tuple(_keywords(stripped)), unit,
        places=tuple(dict.fromkeys(m.key for m in mentions)), years=years_in(text_wo_docno),
        report_year=int(report_year.group(1)) if report_year else None, doc_numbers=doc_numbers,
        roles=section_roles(text), year_mentions=year_mentions(text_wo_docno),
    )
