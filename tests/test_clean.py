"""Cleaning: the five real samples, each named step on its own, and the exact offset map."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from rag.core.types import CleanText, SourceDocument
from rag.ingest.clean import (
    _Tracked,
    boilerplate_reason,
    clean_text,
    find_masked_spans,
    remove_inline_fragments,
    should_join,
    strip_line_whitespace,
    strip_markdown,
)

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def _doc(text: str, name: str = "t.txt", fmt: str = "txt") -> SourceDocument:
    return SourceDocument(
        path=name,
        name=name,
        text=text,
        format=fmt,
        encoding="utf-8",
        sha256="",
        size_bytes=len(text.encode()),  # type: ignore[arg-type]
    )


def _sample(prefix: str) -> tuple[SourceDocument, CleanText]:
    (path,) = SAMPLES.glob(f"{prefix}_*.txt")
    doc = _doc(path.read_text(encoding="utf-8"), path.name)
    return doc, clean_text(doc)


def assert_offsets_exact(doc: SourceDocument, clean: CleanText) -> None:
    assert len(clean.offsets) == len(clean.text)
    for i, (ch, off) in enumerate(zip(clean.text, clean.offsets, strict=True)):
        assert doc.text[off] == ch, (i, ch, off)
    assert all(a < b for a, b in zip(clean.offsets, clean.offsets[1:], strict=False))
    for removal in clean.removals:
        start, end = removal.source_span
        assert 0 <= start < end <= len(doc.text)
    for start, end in clean.masked_spans:
        assert 0 <= start < end <= len(clean.text)


def assert_layout(clean: CleanText) -> None:
    assert "\n\n" not in clean.text
    assert clean.text == clean.text.strip()
    for line in clean.text.split("\n"):
        assert line == line.strip(" \t\u3000\xa0"), line


# Every source line the cleaner drops, per sample; everything else must survive.
EXPECTED_REMOVED_LINES = {
    "000": {
        "仅供学习 禁止外传 用后删除",
        "酷乐文行",
        "【会员资料仅供内部交流使用，严禁外传及用于商业用途，违者后果自负】",
        "酷乐文行整理，其他任何途径获取的资料均不完整，获得完整版资料咨询唯一指定QQ206157060",
        "自建平台、实时分享",
        "根据实际需求和形式任务不断迭代",
        "现在订阅立享成立以来所有权益和资料",
        "【打击倒卖活动】",
        "举报倒卖会员资料的人，举报成功免费赠送一年会员材料！",
        "会员群：                      免费QQ群：",
    },
    "001": {
        "位置: 首页 >专题范文 > 自查报告 > 文章内容",
        "2022-06-30 16:00:05 投稿作者:网友投稿 点击:",
        "下面是小编为大家整理的2022年年度法治政府督察自查报告,供大家参考。",
        "推荐访问:自查 督察 法治 2021年度法治政府督察自查报告 2021年法治政府建设自查报告 2021年法治督察工作计划",
        "猜你喜欢",
    },
    "002": set(),
    "003": {
        "当前位置:首页",
        "• 听全文",
        "• 2021-01-11",
        "• 来源:广州市人民政府办公厅",
        "• 分享到",
        "• -",
        "相关附件",
        "相关新闻",
        "扫一扫在手机打开当前页",
        "-",
        "关注 · 广州政府网",
    },
    "004": set(),
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED_LINES))
def test_sample_removes_exactly_the_boilerplate_lines(prefix: str) -> None:
    doc, clean = _sample(prefix)
    removed_lines = set()
    for removal in clean.removals:
        start, end = removal.source_span
        fragment = doc.text[start:end]
        if removal.reason not in ("markdown", "paywall", "duplicate"):
            removed_lines.add(fragment.strip())
    assert removed_lines == EXPECTED_REMOVED_LINES[prefix]
    joined = clean.text.replace("\n", "")
    for line in doc.text.split("\n"):
        line = re.sub(r"(?<!\*)\*\*(?!\*)", "", line.strip(" \t\u3000\xa0\r")).replace(" 当前隐藏内容免费查看", "")
        if line and line not in EXPECTED_REMOVED_LINES[prefix]:
            assert line in joined, line
    for boilerplate in EXPECTED_REMOVED_LINES[prefix]:
        if len(boilerplate) > 2:
            assert boilerplate not in clean.text


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED_LINES))
def test_sample_offsets_are_exact_and_layout_is_one_paragraph_per_line(prefix: str) -> None:
    doc, clean = _sample(prefix)
    assert_offsets_exact(doc, clean)
    assert_layout(clean)
    assert clean_text(_doc(clean.text)).text == clean.text  # cleaning clean text changes nothing


SAMPLE_PARAGRAPHS = {
    "000": [
        "X市政府2020年法治政府建设情况报告",
        "一、充分发挥中枢协调作用，助力XX打造法治城市示范。",
        "三、存在的问题",
        "四、下一步工作思路",
    ],
    "001": [
        "2021年度法治政府督察自查报告",
        "一、2021年度推进法治政府建设的主要举措和成效",
        "(一)依法全面履行政府职能",
        "三、2021年推进法治政府建设存在的不足",
        "(二)2021年推进法治政府建设的工作思路目标举措",
    ],
    "002": [
        "潼南府办〔2021〕10号",
        "重庆市潼南区人民政府办公室 关于2020年度法治政府建设情况的报告",
        "一、工作开展情况",
        "三、存在问题及2021年工作安排",
        "重庆市潼南区人民政府办公室",
        "2021年2月5日",
    ],
    "003": [
        "广州市人民政府办公厅2020年法治政府建设年度报告",
        "一、2020年推进法治政府建设的主要举措和成效",
        "1. 组织开展市政府党组会议、常务会议学法活动。",
        "三、存在的不足和原因",
        "四、2021年推进法治政府建设的主要安排",
    ],
    "004": ["关于2021年度法治政府建设情况的报告", "台政办字〔2022〕1号", "二、存在问题", "三、改进措施"],
}
SAMPLE_SENTENCES = {
    "000": [
        "（四）全面落实法律顾问制度。选聘X名公职律师，常态化承担市政府机关党组、市政府办公厅规范性文件制定",
        "经过梳理，法治政府建设工作还存在一定短板",
        "依法依规抓好依申请公开，X-XX月共牵头办理政府信息公开申请XXX件、指导督促全市办理XXXX件。",
    ],
    "001": [
        "共完成16次抽查任务,涉及抽查市场主体10002户,发现问题857户",
        "构建了《区政府重大决策程序规定》10余个“1+X”的重大行政决策制度体系",
    ],
    "002": [
        "按要求报送市政府和市人大常委会备案，依法撤销和纠正不合法的行政规范性文件。",
        "持续并及时发布疫情方面的权威信息,控制舆情",
        "市委全面依法治市工作会议精神，认真落实区委、区政府关于法治政府建设各项工作部署",
        "一是推进科学民主依法决策。严格落实国务院",
        "二是完善体制机制。制定《中共",
    ],
    "003": ["一是全力组织做好建议提案的办理工作。今年市政府收到的各级人大和政协交办的建议提案1206件已全部答复完毕"],
    "004": ["（一）理论学习需要进一步加强。对习近平法治思想学习的重要性和紧迫性认识有待进一步提升。"],
}


@pytest.mark.parametrize("prefix", sorted(SAMPLE_PARAGRAPHS))
def test_sample_headings_are_whole_lines_and_sentences_survive(prefix: str) -> None:
    _, clean = _sample(prefix)
    lines = clean.text.split("\n")
    for paragraph in SAMPLE_PARAGRAPHS[prefix]:
        assert paragraph in lines, paragraph
    for sentence in SAMPLE_SENTENCES[prefix]:
        assert sentence in clean.text, sentence


def test_sample_001_repeated_page_title_is_kept_once() -> None:
    doc, clean = _sample("001")
    assert doc.text.count("2022年年度法治政府督察自查报告\n") == 3
    lines = clean.text.split("\n")
    assert lines[:2] == ["2022年年度法治政府督察自查报告", "2021年度法治政府督察自查报告"]
    assert [r.reason for r in clean.removals].count("duplicate") == 2


def test_duplicated_body_after_the_footer_is_dropped() -> None:
    body = [
        "一、主要举措和成效",
        "我区坚持以习近平新时代中国特色社会主义思想为指导，深入推进法治政府建设，全面履行政府职能，取得积极成效。",
        "二、存在的不足和原因",
        "一是依法行政意识有待提升，部分干部运用法治思维和法治方式解决问题的能力不足，二是执法队伍建设有待加强。",
    ]
    text = "\n".join(
        ["关于2021年度法治政府建设情况的报告", *body, "【纠错】【责任编辑:赵文涵】", *body, "短句。", "短句。"]
    )
    clean = clean_text(_doc(text))
    assert clean.text.split("\n") == ["关于2021年度法治政府建设情况的报告", *body, "短句。", "短句。"]


def test_sample_002_broken_sentences_are_joined_and_map_back() -> None:
    doc, clean = _sample("002")
    assert "**" not in clean.text
    i = clean.text.index("备案，依法撤销")
    start, end = clean.source_span(i, i + len("备案，依法撤销"))
    assert doc.text[start:end] == "备\n\n案，依法撤销"
    # the heading stays on its own line, the body follows on the next one
    lines = clean.text.split("\n")
    assert lines[lines.index("一、工作开展情况") + 1].startswith("我办始终把法治政府建设摆在重要位置")


def test_sample_masks() -> None:
    _, clean0 = _sample("000")
    masks0 = [clean0.text[a:b] for a, b in clean0.masked_spans]
    assert {"X", "XX", "XXX", "XXXX", "X-XX", "20XX"} <= set(masks0)
    assert "iXX" not in masks0 and "XX" in masks0
    _, clean1 = _sample("001")
    masks1 = {clean1.text[a:b] for a, b in clean1.masked_spans}
    assert masks1 == {"***", "******", "************"}  # "1+X" is a policy name, not a mask
    for prefix in ("003", "004"):
        assert _sample(prefix)[1].masked_spans == ()


def test_sample_001_inline_paywall_removed_inside_the_sentence() -> None:
    doc, clean = _sample("001")
    assert "当前隐藏" not in clean.text
    (removal,) = [r for r in clean.removals if r.reason == "paywall"]
    assert doc.text[removal.source_span[0] : removal.source_span[1]] == " 当前隐藏内容免费查看"


# ----------------------------------------------------------------------------- single steps


@pytest.mark.parametrize(
    "line",
    [
        "仅供学习 禁止外传 用后删除",
        "【会员资料仅供内部交流使用，严禁外传及用于商业用途，违者后果自负】",
        "某某文库整理，获得完整版资料咨询唯一指定QQ123456789",
        "加入会员群，每日更新",
        "【打击倒卖活动】",
        "现在订阅立享全部资料",
        "推荐访问:法治 报告 自查",
        "猜你喜欢",
        "听全文",
        "分享到",
        "• 分享到：微信 微博 QQ空间",
        "当前位置:首页",
        "当前位置：首页 > 政务公开 > 工作报告",
        "您所在的位置：政务公开 > 工作报告",
        "您现在的位置：首页>>正文内容",
        "首页 > 文章中心 > 正文",
        "位置: 首页 >专题范文 > 自查报告 > 文章内容",
        "2022-06-30 16:00:05 投稿作者:网友投稿 点击:",
        "下面是小编为大家整理的2021年法治政府建设报告，供大家参考。",
        "前言：本站为你精心整理了法治政府建设报告范文",
        "相关附件",
        "相关新闻",
        "扫一扫在手机打开当前页",
        "关注 · 广州政府网",
        "•",
        "-",
        "来源:广州市人民政府办公厅",
        "文章来源：司法局 更新时间：2021-01-05",
        "浏览次数：1024",
        "字号：大 中 小",
        "字体：【大 中 小】",
        "【小 中 大】",
        "字号：默认 超大 | 打印 |",
        "打印本页",
        "关闭窗口",
        "【我要纠错】 责任编辑：朱英 扫一扫在手机打开当前页",
        "【纠错】【责任编辑:赵文涵】",
        "今天是：2019年10月31日 星期三 农历十月初七",
        "您的IP:1.2.3.4, Processed in 0.06 second(s)",
        "此处隐藏2591个字。VIP会员可见",
        "已阅读5页,还剩9页未读 继续免费阅读",
        "法治政府建设工作的方案_第1页",
        "无障碍 简体| 繁体",
        "返回顶部",
        "99热精品在线国产_真钱牛牛app",
        "2021-01-11",
        "打开网易新闻 查看精彩图片",
        "APP下载",
        "微信扫码 QQ扫码",
        "点击右上角微信好友 朋友圈 请使用浏览器分享功能进行分享",
        "您的浏览器版本过低，为了获得更好的浏览体验，请升级浏览器。",
        "请升级你的浏览器",
        "- 3 -",
        "第 2 页 共 9 页",
    ],
)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert boilerplate_reason(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "一、工作开展情况",
        "（三）优化政务服务，打造阳光政府。",
        "开通政务微信订阅号，全年发布信息200条。",
        "数据来源广泛，统计口径一致。",
        "资金来源：区级财政预算安排。共计投入300万元。",
        "全面落实责任编辑制度，确保信息发布准确。",
        "重庆市潼南区人民政府办公室",
        "2021年2月5日",
        "潼南府办〔2021〕10号",
        "三、存在的问题",
        "打印机等办公设备按规定采购。",
        "关于2020年度法治政府建设情况的报告",
        "在区政府网站首页/政务公开专栏发布信息",
        "打开政务APP查看办理进度",
        "推广政务APP下载安装",
        "（三）严厉打击线上棋牌赌博活动",
        "今天是第一个全国生态日",
        "”",
        "2",
    ],
)
def test_report_lines_are_kept(line: str) -> None:
    assert boilerplate_reason(line) is None


def test_inline_fragments_are_cut_out_of_sentences() -> None:
    src = '涉及抽查市场主体 当前隐藏内容免费查看10002户。全文如下此处隐藏2591个字。VIP会员可见继续<rt id="1espg"></rt>建设。'
    t = _Tracked(src, list(range(len(src))))
    remove_inline_fragments(t)
    assert t.text == "涉及抽查市场主体10002户。全文如下继续建设。"
    assert {r.reason for r in t.removals} == {"paywall", "html_residue"}


def test_strip_line_whitespace_keeps_punctuation_width() -> None:
    src = "\u3000\u3000一、工作情况 \r\n  2020年,我办依法行政（全角）。\u3000\n\t\n"
    t = _Tracked(src, list(range(len(src))))
    strip_line_whitespace(t)
    assert t.text == "一、工作情况\n2020年,我办依法行政（全角）。\n\n"


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("**二是完善体制机制。**制定《规则》", "二是完善体制机制。制定《规则》"),
        ("一是**推进科学民主依法决策**。严格落实", "一是推进科学民主依法决策。严格落实"),
        ("深入贯彻落实党的十九大和***二中、三中***精神", "深入贯彻落实党的十九大和***二中、三中***精神"),
        ("以******新时代思想为指导", "以******新时代思想为指导"),
        ("## 一、工作情况", "一、工作情况"),
        ("__加强领导__。", "加强领导。"),
        ("- 依法行政", "依法行政"),
        ("| 指标名称 | 数量（件） |", "指标名称 | 数量（件）"),
        ("-1.5%的增长", "-1.5%的增长"),
        ("——坚持党的领导", "——坚持党的领导"),
    ],
)
def test_strip_markdown(src: str, expected: str) -> None:
    t = _Tracked(src, list(range(len(src))))
    strip_markdown(t)
    assert t.text == expected
    assert all(src[o] == c for c, o in zip(t.text, t.offsets, strict=True))


@pytest.mark.parametrize(
    ("prev", "nxt", "joined"),
    [
        ("文件正式印发后，按要求报送市政府和市人大常委会备", "案，依法撤销和纠正不合法的行政规范性文件。", True),
        ("市委全面依法治市", "工作会议精神，认真落实区委、区政府关于法治政府建设各项工作部署。", False),
        (
            "深入学习贯彻习近平法治思想和中央全面依法治国工作会议精神、市委全面依法治市",
            "工作会议精神，认真落实。",
            True,
        ),
        ("一、工作开展情况", "我办始终把法治政府建设摆在重要位置，全面落实各项任务。", False),
        ("我办始终把法治政府建设摆在重要位置，全面落实各项任务", "（一）加强组织领导，完善机制保障。", False),
        ("主要工作情况如下，具体包括", "一是强化领导责任，二是完善制度。", False),
        ("加强组织领导，完善机制保障", "区政府办公室成立法治政府建设领导小组，统筹推进各项工作。", False),
        ("区政府办公室成立法治政府建设领导小组，统筹推进各项", "工作。", True),
        ("主要工作情况如下，具体包括", "1. 组织开展学法活动。", False),
        ("重点抓好以下工作：", "进一步提升法治意识，坚持领导干部学法制度。", False),
        (
            "重庆市潼南区人民政府办公室 关于2020年度法治政府建设情况的报告",
            "2020年，在区委、区政府的坚强领导下。",
            False,
        ),
        ("认真落实区委、区政府关于法治政府建设的部署，全年", "重庆市潼南区人民政府办公室", False),
        (
            "二、2021年主要负责人履行推进法治建设第一责任人职责,加强法治政府建设的有关情况",
            "近年来,我区认真落实。",
            False,
        ),
    ],
)
def test_should_join(prev: str, nxt: str, joined: bool) -> None:
    assert should_join(prev, nxt) is joined


@pytest.mark.parametrize(
    ("text", "masks"),
    [
        ("X市政府2020年报告", ["X"]),
        ("X-XX月共办理XXX件，选聘X名律师", ["X-XX", "XXX", "X"]),
        ("对照《纲要（20XX-2020）》和20xx年计划", ["20XX", "20xx"]),
        ("×××同志，＊＊局，*区召开会议*次", ["×××", "＊＊", "*", "*"]),
        ("全镇共有x名人员，x镇", ["x", "x"]),
        ("(单字替换)书记（三字名称替换）", ["(单字替换)", "（三字名称替换）"]),
        ("微博、iXX、数据开放", ["XX"]),
        ("QQ群、APP、5G网络、XXL号、X光机、1+X制度、Windows XP、3×4矩阵", []),
        ("Ｘ市政府20ＸＸ年办理ＸＸ件，ｘ镇，Ｘ光机", ["Ｘ", "20ＸＸ", "ＸＸ", "ｘ"]),
    ],
)
def test_find_masked_spans(text: str, masks: list[str]) -> None:
    assert [text[a:b] for a, b in find_masked_spans(text)] == masks


# ----------------------------------------------------------------------------- property test

_PIECES = [
    "一、工作情况", "（一）加强领导。", "我办依法行政，", "成效明显。", "备", "案，", "**", "***", "XX", "X市",
    " ", "\u3000", "\t", "\r", "\n", "\n\n", "• ", "-", "分享到", "当前位置:首页", "酷乐文行", "QQ123456",
    "当前隐藏内容免费查看", "来源:区政府", "字号：大 中 小", "<br/>", "2021-01-11", "20XX", "、", "：", "。",
    "法治", "政府", "a", "1.", "二是", "今天是星期一", "\ufeff", "\xa0", "- 3 -", "12", "建設(shè)", "责任编辑：张三",
]  # fmt: skip


def test_random_documents_keep_the_offset_invariant() -> None:
    rng = random.Random(20240611)
    for _ in range(400):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 60)))
        doc = _doc(text, fmt=rng.choice(["txt", "md", "html", "docx", "pdf"]))
        clean = clean_text(doc)
        assert_offsets_exact(doc, clean)
        assert_layout(clean)
        for start, end in clean.masked_spans:
            assert clean.text[start:end]


def test_empty_and_whitespace_only_text() -> None:
    for text in ("", "\n\n", " \u3000\n\t"):
        clean = clean_text(_doc(text))
        assert clean.text == "" and clean.offsets == ()


def test_advert_block_takes_wedged_lines_but_does_not_cascade() -> None:
    lines = [
        "仅供学习 禁止外传",
        "根据需求不断迭代",
        "现在订阅立享全部资料",
        "关于2020年度法治政府建设情况的报告",
        "正文第一段，依法行政。",
        "联系人：张三",
        "第二个短行",
        "举报倒卖会员资料的人，举报成功免费赠送一年会员材料！",
    ]
    clean = clean_text(_doc("\n".join(lines)))
    assert clean.text.split("\n") == [lines[3], lines[4], lines[5], lines[6]]


def test_brand_learned_from_an_advert_line() -> None:
    text = "某某文库\n关于2020年度法治政府建设情况的报告\n某某文库整理，获得完整版资料咨询唯一指定QQ123456789\n正文，依法行政。\n某某文库"
    clean = clean_text(_doc(text))
    assert clean.text == "关于2020年度法治政府建设情况的报告\n正文，依法行政。"


# ----------------------------------------------------------------------------- page lines kept as metadata (issue 11)


@pytest.mark.parametrize(
    "line",
    ["来源：某区人民政府办公室 发布时间：2024-03-28", "发布日期：2018-04-03 16:13", "信息来源：某县司法局", "2021-01-11"],
)
def test_publication_and_source_lines_leave_the_text_as_page_info(line: str) -> None:
    from rag.ingest.clean import PAGE_INFO

    doc = _doc(f"某区2023年法治政府建设情况报告\n{line}\n2023年，我区依法全面履行政府职能，推进严格规范公正文明执法。\n")
    clean = clean_text(doc)
    assert line not in clean.text
    removed = [doc.text[slice(*r.source_span)] for r in clean.removals if r.reason == PAGE_INFO]
    assert removed == [line]


def test_traditional_text_is_cleaned_by_the_simplified_rules_and_stays_traditional() -> None:
    pytest.importorskip("opencc")
    doc = _doc("下面是小編為大家整理的2021年度法治政府建設情況報告，供大家參考。\n2021年，我區依法全面履行政府職能，推進嚴格規範公正文明執法。\n")
    clean = clean_text(doc)
    assert clean.text == "2021年，我區依法全面履行政府職能，推進嚴格規範公正文明執法。"
    assert all(doc.text[o] == ch for o, ch in zip(clean.offsets, clean.text, strict=True))
