"""Everyday wording and the words reports use for the same thing.

A reader asks 「帮多少人讨回了工钱」; the report says 「为2106名劳动者追发工资报酬」. Keyword search finds
nothing in common, so the report's words are added to the question's keywords (``report_wording``).
Each entry is a phrase readers use and the report words it stands for; the phrase is matched as a
substring, so entries are specific enough not to fire inside unrelated words.
"""

from __future__ import annotations

import functools

# (everyday phrase, the words reports write for it)
EVERYDAY_TO_REPORT: tuple[tuple[str, tuple[str, ...]], ...] = (
    # people and parties
    ("老百姓", ("群众",)),
    ("农民工", ("劳动者", "务工人员")),
    ("打工", ("务工", "劳动者")),
    ("老板", ("企业", "经营者")),
    ("开公司", ("企业开办",)),
    ("办企业", ("企业开办",)),
    ("一把手", ("主要负责人",)),
    ("孩子", ("青少年", "学生")),
    ("学生", ("青少年", "中小学")),
    ("外卖", ("新就业群体", "骑手")),
    ("快递", ("新就业群体", "快递员")),
    ("少数民族", ("民族",)),
    ("工人", ("劳动者", "职工")),
    ("上任前", ("任前",)),
    # wages, money, penalties
    ("讨薪", ("欠薪", "追讨", "追发", "工资")),
    ("讨回", ("追讨", "追发")),
    ("要回", ("追讨", "追发")),
    ("工钱", ("工资", "劳动报酬")),
    ("欠工资", ("欠薪", "拖欠", "工资")),
    ("罚款", ("处罚", "罚没")),
    ("罚了", ("处罚",)),
    ("没有罚", ("免罚", "不予处罚")),
    ("不罚", ("免罚", "不予处罚")),
    ("没被罚", ("免罚", "免予处罚", "不予处罚")),
    ("小错", ("轻微违法",)),
    ("花了多少钱", ("资金", "投入", "万元")),
    ("不到", ("不足",)),  # 不到六成 → 不足六成
    ("大多是", ("多为",)),
    # cases and disputes
    ("案子", ("案件",)),
    ("官司", ("诉讼", "应诉")),
    ("告政府", ("行政诉讼", "行政复议")),
    ("官司输", ("败诉",)),
    ("输官司", ("败诉",)),
    ("老是输", ("败诉",)),
    ("解决", ("化解", "调处")),
    ("先劝", ("劝导",)),
    ("劝说", ("劝导",)),
    ("乱堆乱放", ("违规堆放",)),
    ("打架", ("纠纷",)),
    ("吵架", ("纠纷",)),
    ("矛盾", ("矛盾纠纷", "调解")),
    ("违反", ("违法",)),
    ("处理了", ("查处", "办理")),
    ("管一管", ("监管", "执法")),
    # services and offices
    ("网上办", ("网办", "网上办理", "一网通办")),
    ("上网办", ("网办", "网上办理", "一网通办")),
    ("跑腿", ("跑动", "跑一次")),
    ("少跑", ("跑动", "跑一次", "减少")),
    ("跑几趟", ("跑动次数",)),
    ("跑几次", ("跑动次数",)),
    ("多长时间", ("时限", "时长", "压缩", "工作日")),
    ("多久", ("时限", "时长", "压缩", "工作日")),
    ("投诉", ("诉求", "投诉", "热线")),
    ("打电话", ("来电", "热线")),
    ("开证明", ("证明事项", "证明材料")),
    ("结婚", ("婚姻登记",)),
    ("离婚", ("婚姻登记",)),
    ("超载", ("治超", "超限")),
    ("补习", ("校外培训",)),
    ("补课", ("校外培训",)),
    ("课外班", ("校外培训",)),
    ("培训班", ("培训机构",)),
    # law, learning and publicity
    ("讲法律", ("普法", "法治宣传")),
    ("宣传法律", ("普法", "法治宣传")),
    ("普及法律", ("普法", "法治宣传")),
    ("法律知识", ("普法", "学法", "法律知识")),
    ("学法律", ("学法",)),
    ("考法律", ("学法考试", "法律知识考试")),
    ("请律师", ("法律顾问", "律师")),
    ("请的律师", ("法律顾问",)),
    ("聘的律师", ("法律顾问",)),
    ("政府开会", ("常务会议",)),
    ("开会", ("会议",)),
    ("旁听", ("列席",)),
    ("把关", ("审查", "审核")),
    ("开会讨论", ("集体讨论",)),
    ("定规矩", ("制度", "规定")),
    ("立规矩", ("制度", "规定")),
    ("村规", ("村规民约",)),
    ("懂法的专家", ("法律顾问",)),
    ("懂法", ("法律明白人", "法治带头人")),  # 「村里懂法的骨干」: the 法律明白人 a report counts
    ("村里的规矩", ("村规民约",)),
    ("说和", ("调解",)),
    ("劝和", ("调解",)),
    ("讲法", ("普法", "法治宣传")),
    ("个体户", ("市场主体", "个体工商户")),
    ("打工人", ("员工", "职工", "劳动者")),
    ("办事大厅", ("便民服务中心", "政务服务中心")),
    ("上门查", ("检查",)),
    # devolved powers: 「接手了县里放下来的事情」 for 「承接县级下放事项」
    ("接手", ("承接",)),
    ("放下来", ("下放",)),
    ("下放下来", ("下放",)),
    ("培养", ("培育", "培训")),
    ("录好几遍", ("重复录入",)),
    ("重复录", ("重复录入",)),
    # appraisal
    ("打分", ("考核", "分值")),
    ("分量", ("权重", "分值")),
    ("年终", ("年度",)),
)


@functools.lru_cache(maxsize=2048)
def report_wording(text: str) -> tuple[str, ...]:
    """The report words for the everyday phrases in ``text`` that ``text`` does not already contain."""
    out: list[str] = []
    for phrase, words in EVERYDAY_TO_REPORT:
        if phrase in text:
            out.extend(w for w in words if w not in text and w not in out)
    return tuple(out)


# A question about the report itself (「哪天挂出来的」「哪个单位供的稿」) shares no word with the passage that
# answers it, the metadata passage (rag.index.chunk.metadata_chunk), whose labels say which field each value
# is. Each entry: a label of that passage and the question words that ask for its field.
REPORT_FIELD_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("发布日期", ("什么时候", "何时", "哪天", "哪一天", "几月几", "什么时间", "日期", "时间", "上网", "挂", "公开",
              "公布", "发布", "发出", "更新", "网上放", "放到网上", "放网上")),
    ("成文日期", ("成文", "印发", "落款", "签发", "签署")),
    ("落款", ("落款", "盖", "章", "署名", "签署", "署的")),
    ("发布机关", ("哪个单位", "哪家单位", "哪个部门", "哪个机关", "哪个机构", "谁", "发文", "落款", "署", "章")),
    ("来源", ("来源", "出自", "供稿", "稿子", "供的稿", "署", "哪个单位", "哪家单位", "哪个部门", "哪个机构",
            "办公室", "网站", "网上")),
    ("发布机构", ("发布机构", "发布单位", "挂", "网站", "网上", "放")),
    ("文号", ("文号", "字号", "编号", "文件号")),
    ("报告年度", ("哪年", "哪一年")),
    ("报告标题", ("标题", "题目", "全称", "名称", "叫什么", "文件名")),
    ("索引号", ("索引号", "索引")),
    ("报送", ("报送", "呈报", "呈送", "上报", "报给", "写给", "送给", "交给", "提交", "主送", "向谁", "给谁")),
)


@functools.lru_cache(maxsize=2048)
def report_fields(text: str) -> tuple[str, ...]:
    """The metadata passage's labels of the fields a question about the report itself asks for."""
    return tuple(label for label, cues in REPORT_FIELD_CUES if any(cue in text for cue in cues))
