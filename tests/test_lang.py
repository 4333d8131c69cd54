"""The language module: places of every level and form, 文号, sentences, our own jieba tokenizer."""

from __future__ import annotations

import re

import pytest

from rag.lang import places
from rag.lang.docno import find_doc_numbers, normalize_doc_number
from rag.lang.sentences import sentence_spans
from rag.lang.words import tokenizer

# (as written, level, province, prefecture or "", county or "") — real divisions, every level and form.
FULL_NAMES = [
    ("贵州省", "省级", "贵州省", "", ""),
    ("广西壮族自治区", "省级", "广西壮族自治区", "", ""),
    ("内蒙古自治区", "省级", "内蒙古自治区", "", ""),
    ("新疆维吾尔自治区", "省级", "新疆维吾尔自治区", "", ""),
    ("重庆市", "省级", "重庆市", "", ""),
    ("北京市", "省级", "北京市", "", ""),
    ("石家庄市", "市级", "河北省", "石家庄市", ""),
    ("鄂尔多斯市", "市级", "内蒙古自治区", "鄂尔多斯市", ""),
    ("恩施土家族苗族自治州", "市级", "湖北省", "恩施土家族苗族自治州", ""),
    ("黔东南苗族侗族自治州", "市级", "贵州省", "黔东南苗族侗族自治州", ""),
    ("锡林郭勒盟", "市级", "内蒙古自治区", "锡林郭勒盟", ""),
    ("阿里地区", "市级", "西藏自治区", "阿里地区", ""),
    ("乌鲁木齐市", "市级", "新疆维吾尔自治区", "乌鲁木齐市", ""),
    ("广州市", "市级", "广东省", "广州市", ""),
    ("台儿庄区", "区县级", "山东省", "枣庄市", "台儿庄区"),
    ("沛县", "区县级", "江苏省", "徐州市", "沛县"),
    ("潼南区", "区县级", "重庆市", "", "潼南区"),
    ("准格尔旗", "区县级", "内蒙古自治区", "鄂尔多斯市", "准格尔旗"),
    ("巩义市", "区县级", "河南省", "郑州市", "巩义市"),
    ("东台市", "区县级", "江苏省", "盐城市", "东台市"),
    ("神农架林区", "区县级", "湖北省", "", "神农架林区"),
    ("长阳土家族自治县", "区县级", "湖北省", "宜昌市", "长阳土家族自治县"),
    ("浦东新区", "区县级", "上海市", "", "浦东新区"),
    ("七星关区", "区县级", "贵州省", "毕节市", "七星关区"),
    ("赵县", "区县级", "河北省", "石家庄市", "赵县"),
    ("公安县", "区县级", "湖北省", "荆州市", "公安县"),
]

# (as written, the division's full name, level) — the short forms people really use.
SHORT_FORMS = [
    ("潼南", "潼南区", "区县级"),
    ("台儿庄", "台儿庄区", "区县级"),
    ("石家庄", "石家庄市", "市级"),
    ("恩施州", "恩施土家族苗族自治州", "市级"),
    ("黔东南州", "黔东南苗族侗族自治州", "市级"),
    ("鄂尔多斯", "鄂尔多斯市", "市级"),
    ("沛县", "沛县", "区县级"),
    ("广西", "广西壮族自治区", "省级"),
    ("内蒙古", "内蒙古自治区", "省级"),
    ("巩义", "巩义市", "区县级"),
    ("准格尔", "准格尔旗", "区县级"),
    ("神农架", "神农架林区", "区县级"),
]

TOWNS = ["城厢街道", "碧阳街道", "雅溪镇", "谋道镇", "桥店乡", "新城街道办事处", "城关镇"]

# Words that contain a place suffix or a county's short form but name no place.
NOT_PLACES = [
    "全市", "我区", "本县", "各乡镇", "乡镇街道", "城镇化", "社区", "园区", "市场监管", "区级部门", "县长",
    "公安机关", "加强合作", "维护和平", "依法治镇", "推进镇村建设", "特色小镇", "重点镇", "自治区党委",
    "市中心", "城市管理", "区县政府",
]


@pytest.mark.parametrize(("name", "level", "province", "city", "county"), FULL_NAMES)
def test_full_names_are_located(name: str, level: str, province: str, city: str, county: str) -> None:
    found = places.find_places(f"{name}人民政府关于2022年度法治政府建设情况的报告")
    assert found and found[0].text == name and found[0].level == level
    where = places.locate(name + "人民政府")
    assert (where.province, where.level) == (province, level)
    assert where.city == city and where.county == county


@pytest.mark.parametrize(("written", "full", "level"), SHORT_FORMS)
def test_short_forms_denote_their_division(written: str, full: str, level: str) -> None:
    found = places.find_places(f"{written}2021年的报告里说了什么")
    assert [m.text for m in found] == [written]
    assert full in {d.name for d in found[0].divisions}
    assert found[0].level == level
    assert found[0].key in full  # the key is what is looked for in report titles and issuers
    assert full in places.names_of(found[0])


@pytest.mark.parametrize("town", TOWNS)
def test_townships_by_their_full_name(town: str) -> None:
    found = places.find_places(f"{town}人民政府2023年法治政府建设工作报告")
    assert [(m.text, m.level) for m in found] == [(town, "乡镇街道")]


def test_a_township_after_its_county() -> None:
    where = places.locate("莆田市城厢区龙桥街道办事处")
    assert (where.province, where.city, where.county, where.town) == ("福建省", "莆田市", "城厢区", "龙桥街道办事处")
    assert where.level == "乡镇街道"


@pytest.mark.parametrize("text", NOT_PLACES)
def test_no_place_is_read_into_ordinary_words(text: str) -> None:
    assert places.find_places(text) == [], text


def test_never_a_two_character_fragment() -> None:
    # The old recogniser kept 「儿庄」, 「家庄」, 「木齐」, 「自治」 and lost 沛县.
    keys = {m.key for m in places.find_places("台儿庄区、石家庄市、乌鲁木齐市、广西壮族自治区和沛县")}
    assert keys == {"台儿庄", "石家庄", "乌鲁木齐", "广西", "沛县"}
    assert places.stem_of("沛县") == "" and places.stem_of("市中区") == ""


def test_a_name_shared_by_two_divisions_keeps_both() -> None:
    found = places.find_places("朝阳区")
    assert len(found) == 1 and len({d.city or d.province for d in found[0].divisions}) >= 2


def test_a_text_without_places_locates_nothing() -> None:
    assert places.locate("司法局") == places.Location()
    assert places.locate("我市法治政府建设") == places.Location()


DOC_NUMBERS = [
    ("潼府办〔2021〕10号", "潼府办〔2021〕10号"),
    ("潼府办[2021]10号", "潼府办〔2021〕10号"),
    ("潼府办［2021］10号", "潼府办〔2021〕10号"),
    ("潼府办【2021】10号", "潼府办〔2021〕10号"),
    ("潼府办（2021）10号", "潼府办〔2021〕10号"),
    ("潼府办(2021)10号", "潼府办〔2021〕10号"),
    ("潼府办〔2021〕第10号", "潼府办〔2021〕10号"),
    ("潼府办 〔 2021 〕 10 号", "潼府办〔2021〕10号"),
]


@pytest.mark.parametrize(("written", "normal"), DOC_NUMBERS)
def test_doc_numbers_in_every_bracket_style(written: str, normal: str) -> None:
    text = f"（文号：{written}）现将情况报告如下。"
    assert [normalize_doc_number(d) for d in find_doc_numbers(text)] == [normal]


def test_not_a_doc_number() -> None:
    assert find_doc_numbers("2021年10号文件精神") == []
    assert find_doc_numbers("全年办结（2021）件") == []


def test_sentences_keep_offsets_and_choose_semicolons() -> None:
    text = "  一是完善制度；二是强化监督。  “依法行政”落实！[1]\n下一步打算"
    spans = sentence_spans(text, trailing=re.compile(r"\[\d+\]"))
    assert [text[a:b] for a, b in spans] == ["一是完善制度；二是强化监督。", "“依法行政”落实！[1]", "下一步打算"]
    assert [text[a:b] for a, b in sentence_spans(text)][1:3] == ["“依法行政”落实！", "[1]"]
    with_semis = sentence_spans(text, semicolons=True)
    assert [text[a:b] for a, b in with_semis][:2] == ["一是完善制度；", "二是强化监督。"]
    assert sentence_spans(text, 2, 9, semicolons=True) == [(2, 9)]
    assert sentence_spans("") == [] and sentence_spans("   \n  ") == []


def test_closing_quotes_and_repeated_marks_stay_with_their_sentence() -> None:
    text = "他说：“好！”真的吗？！是的。"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["他说：“好！”", "真的吗？！", "是的。"]


def test_our_tokenizer_has_the_domain_dictionary_and_leaves_jiebas_alone() -> None:
    import jieba

    ours = tokenizer()
    assert ours is not jieba.dt
    assert "双随机一公开" in ours.lcut("推行双随机一公开监管")
    assert "双随机一公开" not in jieba.dt.FREQ  # the process-wide dictionary is untouched


def test_chinese_counting_numerals_round_trip() -> None:
    from rag.lang.figures import cn_to_int, int_to_cn

    assert [int_to_cn(n) for n in (1, 10, 12, 20, 105)] == ["一", "十", "十二", "二十", "一百零五"]
    assert all(cn_to_int(int_to_cn(n)) == n for n in range(1, 300))


# --- years: the one home of year knowledge (rag.lang.years) ---------------------------------------

def test_year_mentions_give_each_year_its_part():
    from rag.lang.years import year_mentions

    roles = {m.text: m.role for m in year_mentions("2020年度报告里，2018年以来的成效和2021年工作安排有哪些？2019年度全省考核排第几？")}
    assert roles == {"2020年度": "report", "2018年": "content", "2021年": "plan", "2019年度": "content"}
    assert [(m.year, m.role) for m in year_mentions("潼南区2020年行政复议多少件")] == [(2020, "weak")]
    assert [(m.year, m.role) for m in year_mentions("2020年法治政府建设报告")] == [(2020, "report")]


def test_english_questions_name_the_report_year_without_nian():
    from rag.lang.years import year_mentions

    assert [(m.year, m.role) for m in year_mentions("How many cases in Tongnan in 2020?")] == [(2020, "report")]
    assert year_mentions("多少件") == ()


def test_retrieval_and_answering_read_one_analysis_of_the_years():
    from rag.question.analysis import analyze_question
    from rag.retrieve.recognition import analyze_query

    info = analyze_question("2021年工作安排有哪些？")
    assert [m.role for m in info.year_mentions] == ["plan"] and "plans" in info.roles
    intent = analyze_query("2021年工作安排有哪些？", [])
    assert intent.plan_year == 2021 and intent.years == (2020,)


def test_traditional_to_simplified_one_for_one() -> None:
    from rag.lang.script import simplified_shadow, to_simplified

    text = "廣西壯族自治區人民政府調整權責清單207項，發佈辦事指南。"
    simple = to_simplified(text)
    assert simple == "广西壮族自治区人民政府调整权责清单207项，发布办事指南。"
    assert len(simple) == len(text)  # offsets never move
    assert simplified_shadow("潼南区人民政府") == "" and to_simplified("") == ""


def test_a_township_alone_is_located_without_guessing_its_county() -> None:
    from rag.lang.places import TOWN, locate

    where = locate("莲花街道办事处")
    assert (where.province, where.city, where.county, where.level) == ("", "", "", TOWN)
    assert where.town.startswith("莲花街道")
    assert locate("余杭区仓前街道办事处").province == "浙江省"


def test_everyday_wording_brings_the_report_words() -> None:
    from rag.lang.synonyms import report_wording

    words = report_wording("江津区2022年帮多少劳动者讨回了工钱？")
    assert {"追发", "工资", "劳动报酬"} <= set(words)
    assert "案件" in report_wording("一共处理了多少起案子") and "查处" in report_wording("一共处理了多少起案子")
    assert report_wording("罚款和罚没款共42万元") == ("处罚",)  # words the text already has are not added
    assert report_wording("全年办理行政复议案件73件") == ()
    assert "婚姻登记" in report_wording("给外地人办了多少对结婚登记")
    assert "不足" in report_wording("持证的不到六成") and "多为" in report_wording("执法人员大多是兼职的")
    assert report_wording("") == ()
    assert "法律顾问" in report_wording("请的律师参加了几次政府开会？") and "常务会议" in report_wording("政府开会")
    assert {"轻微违法", "免予处罚"} <= set(report_wording("有几家企业第一次犯小错没被罚？"))
    assert "败诉" in report_wording("工伤认定官司老是输") and "化解" in report_wording("帮群众解决了多少纠纷")
