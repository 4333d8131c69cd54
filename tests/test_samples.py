"""The five sample reports through the real pipeline: read_file -> clean_text -> parse_report."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from rag.core.types import Report, Section
from rag.report.parse import load_report, report_from_dict, report_to_dict
from rag.report.structure import body_bounds

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
MAX_BYTES = 5_000_000


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    return {p.name[:3]: load_report(p, MAX_BYTES) for p in sorted(SAMPLES.glob("*.txt"))}


def _text(report: Report, section: Section) -> str:
    return report.text[section.span[0] : section.span[1]].strip()


def _top(report: Report) -> list[tuple[str, str]]:
    return [(s.role, s.heading) for s in report.sections]


def _only(report: Report, role: str) -> Section:
    found = report.sections_with_role(role)
    assert len(found) == 1, [s.heading for s in found]
    return found[0]


def _codes(report: Report) -> set[str]:
    return {w.code for w in report.warnings}


# ----------------------------------------------------------------------------------------------
# Properties every sample must have


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_top_level_sections_tile_the_body(reports: dict[str, Report], key: str) -> None:
    report = reports[key]
    start, end = body_bounds(report.text)
    spans = [s.span for s in report.sections]
    assert spans[0][0] == start
    assert spans[-1][1] == end
    for (_, a_end), (b_start, _) in itertools.pairwise(spans):
        assert a_end == b_start  # no gap, no overlap
    assert report.meta.title in report.text[:start]  # the title line is header, not body
    if report.meta.doc_number:
        assert report.meta.doc_number in report.text[:start]


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_children_nest_inside_parents_and_spans_map_to_source(reports: dict[str, Report], key: str) -> None:
    report = reports[key]
    src = report.source.text
    for top in report.sections:
        for sec in top.walk():
            assert sec.role == top.role
            assert sec.span[0] <= sec.heading_span[0] <= sec.heading_span[1] <= sec.span[1]
            assert report.text[sec.heading_span[0] : sec.heading_span[1]] == sec.heading or sec.split_from
            for child in sec.children:
                assert sec.span[0] <= child.span[0] < child.span[1] <= sec.span[1]
                assert child.level > sec.level
            for a, b in itertools.pairwise(sec.children):
                assert a.span[1] <= b.span[0]
    for item in report.problems + report.plans:
        assert item.text == report.text[item.span[0] : item.span[1]]
        assert item.text
        s0, s1 = item.source_span
        assert src[s0] == item.text[0] and src[s1 - 1] == item.text[-1]


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_dict_round_trip_is_exact(reports: dict[str, Report], key: str) -> None:
    report = reports[key]
    d = json.loads(json.dumps(report_to_dict(report), ensure_ascii=False))
    assert report_from_dict(d) == report
    light = report_to_dict(report, include_text=False)
    assert "text" not in light["source"] and "text" not in light["clean"]
    assert light["sections"] == d["sections"] and light["problems"] == d["problems"]
    json.dumps(light, ensure_ascii=False)


# ----------------------------------------------------------------------------------------------
# 000: a city government general office, most figures masked


def test_000_metadata_and_sections(reports: dict[str, Report]) -> None:
    r = reports["000"]
    m = r.meta
    assert m.title == "X市政府2020年法治政府建设情况报告"
    assert (m.issuing_body, m.region, m.level) == ("", "", "市级")  # city masked; 市政府 + 我厅 -> 市级
    assert (m.year, m.doc_number, m.date) == (2020, "", "")
    assert _top(r) == [
        ("preamble", ""),
        ("measures", "一、充分发挥中枢协调作用，助力XX打造法治城市示范。"),
        ("measures", "二、深入学习贯彻中央、省、市法治建设工作部署，切实推进厅内各项工作纳入法治轨道。"),
        ("problems", "三、存在的问题"),
        ("plans", "四、下一步工作思路"),
    ]
    assert _text(r, r.sections[0]).startswith("2020年，我厅深入学习贯彻")
    assert "酷乐文行" not in r.text[r.sections[0].span[0] :]
    assert {"masked_figures", "masked_names", "template_or_fanwen"} <= _codes(r)
    assert "year_conflict" not in _codes(r)


def test_000_problems(reports: dict[str, Report]) -> None:
    r = reports["000"]
    body = _text(r, _only(r, "problems"))
    assert body.startswith("三、存在的问题\n经过梳理，法治政府建设工作还存在一定短板")
    assert body.endswith("“重答复、轻落实”现象依然存在，等等。")
    assert "下一步工作思路" not in body and "接下来" not in body
    assert [p.text[:10] for p in r.problems] == ["在政府信息公开方面，", "在“放管服”改革方面", "在建议提案督查督办工"]
    assert all(p.marker == "；" for p in r.problems)
    assert "比如" not in r.problems[0].text  # lead-in dropped
    assert r.problems[-1].text.endswith("现象依然存在")  # "，等等。" dropped
    # （三）进一步改进建议提案办理工作。一是…二是…三是…: a container of run-ins, split at the author's 一是 level
    assert [p.marker for p in r.plans] == ["（一）", "（二）", "一是", "二是", "三是", "（四）"]
    assert [p.heading for p in r.plans] == ["持续深化“放管服”改革", "不断提升政务公开水平", "", "", "", "严格依法依规履职"]
    assert [p.text[:6] for p in r.plans[2:5]] == ["强化规范办理", "加强督查考核", "做好持续跟踪"]
    assert "进一步改进建议提案办理工作" not in " ".join(p.text for p in r.plans)  # the container title is no item


# ----------------------------------------------------------------------------------------------
# 001: a district's 2021年度 self-inspection report on a 范文 site (page title says 2022)


def test_001_metadata_and_sections(reports: dict[str, Report]) -> None:
    r = reports["001"]
    m = r.meta
    assert m.title == "2021年度法治政府督察自查报告"
    assert m.year == 2021
    assert "2022年年度" in m.year_evidence and "章节标题" in m.year_evidence
    assert (m.issuing_body, m.region, m.level, m.doc_number) == ("", "", "区县级", "")
    assert m.date == "2022-06-30"  # the page's posting date; there is no signature date
    assert _top(r) == [
        ("measures", "一、2021年度推进法治政府建设的主要举措和成效"),
        ("responsibility", "二、2021年主要负责人履行推进法治建设第一责任人职责,加强法治政府建设的有关情况"),
        ("problems", "三、2021年推进法治政府建设存在的不足"),
        ("plans", "四、“十四五”期间及下阶段推进法治政府建设的工作思路目标举措"),
    ]
    assert [c.number for c in r.sections[0].children] == [f"({n})" for n in "一二三四五六七八"]
    assert len(r.sections[0].children[0].children) == 7
    assert {"year_conflict", "template_or_fanwen"} <= _codes(r)


def test_001_problems_and_plans(reports: dict[str, Report]) -> None:
    r = reports["001"]
    body = _text(r, _only(r, "problems"))
    assert body.startswith("三、2021年推进法治政府建设存在的不足\n一是政府职能依法全面履行有待推进")
    assert body.endswith("亲自研究、部署安排、督促落实的力度还有待加强。")
    assert "十四五" not in body and "(四)强化严格考核" not in body
    assert [p.marker for p in r.problems] == ["一是", "二是", "三是", "四是", "五是", "六是"]
    assert [p.text[:8] for p in r.problems] == ["政府职能依法全面", "依法行政制度体系", "重大行政决策法定", "行政执法规范化有",
                                               "矛盾纠纷依法化解", "法治政府建设组织"]
    assert r.problems[2].heading == "重大行政决策法定程序有待优化"
    # plans: (一) 1.-9. and (二) 1.-2. plus 3.'s run-ins 一是-八是; (一)/(二) and "3.持续推进法治建设的重点工作。"
    # are only containers
    assert len(r.plans) == 19
    assert r.plans[0].heading == "健全完善政府机构职能体系"
    assert [p.marker for p in r.plans[9:]] == ["1.", "2.", *(f"{n}是" for n in "一二三四五六七八")]
    assert r.plans[10].heading == "继续抓好法治政府示范区创建工作"
    assert r.plans[11].text.startswith("深入抓好全面履行政府职能。加强事中事后监管")
    assert r.plans[12].heading == "深入开展普法宣传工作"
    assert r.plans[-1].text.startswith("全面提高政府工作人员法治思维和依法行政能力。加强党对法治政府建设的领导")
    assert not any("持续推进法治建设的重点工作" in p.text for p in r.plans)


# ----------------------------------------------------------------------------------------------
# 002: 重庆市潼南区人民政府办公室, merged "存在问题及2021年工作安排"


def test_002_metadata(reports: dict[str, Report]) -> None:
    m = reports["002"].meta
    assert m.title == "重庆市潼南区人民政府办公室 关于2020年度法治政府建设情况的报告"
    assert (m.issuing_body, m.region, m.level) == ("重庆市潼南区人民政府办公室", "重庆市潼南区", "部门")
    assert (m.year, m.doc_number, m.date) == (2020, "潼南府办〔2021〕10号", "2021-02-05")
    assert "潼南委发〔2017〕2号" not in m.doc_number  # cited in the body, not this report's number


def test_002_sections_and_merged_split(reports: dict[str, Report]) -> None:
    r = reports["002"]
    merged = "三、存在问题及2021年工作安排"
    assert [(s.role, s.heading, s.split_from) for s in r.sections] == [
        ("preamble", "", None),
        ("measures", "一、工作开展情况", None),
        ("responsibility", "二、党政主要负责人履行法治建设第一责任人职责情况", None),
        ("problems", merged, merged),
        ("plans", merged, merged),
    ]
    assert _text(r, r.sections[0]).startswith("2020年，在区委、区政府的坚强领导下")
    assert "潼南府办〔2021〕10号" not in _text(r, r.sections[0])
    problems = _text(r, r.sections[3])
    assert problems.startswith(merged + "\n虽然我办在推进依法行政过程中取得了一定成效")
    assert problems.endswith("法制队伍建设有待进一步加强。")
    assert "2021年是" not in problems
    plans = _text(r, r.sections[4])
    assert plans.startswith("2021年是中国共产党建党100周年")
    assert plans.endswith("确保完成法治政府建设各项工作任务。")
    assert "重庆市潼南区人民政府办公室" not in plans  # the signature stays out of the plans section
    assert "merged_section_split" in _codes(r)
    assert [c.number for c in r.sections[1].children] == ["（一）", "（二）", "（三）", "(四)"]


def test_002_comma_joined_problems_are_three_items(reports: dict[str, Report]) -> None:
    r = reports["002"]
    assert [p.text for p in r.problems] == [
        "部分干部职工对法治的价值认识不到位",
        "依法行政意识、依法办事能力还有待进一步提高",
        "法制队伍建设有待进一步加强",
    ]
    assert [p.heading for p in r.plans] == ["进一步提升法治意识", "进一步提升工作实效", "进一步加强法制队伍建设"]


# ----------------------------------------------------------------------------------------------
# 003: 广州市人民政府办公厅, a web page with navigation text


def test_003_metadata_and_sections(reports: dict[str, Report]) -> None:
    r = reports["003"]
    m = r.meta
    assert m.title == "广州市人民政府办公厅2020年法治政府建设年度报告"
    assert (m.issuing_body, m.region, m.level) == ("广州市人民政府办公厅", "广州市", "部门")
    assert (m.year, m.doc_number, m.date) == (2020, "", "2021-01-11")  # date from the removed chrome line
    assert _top(r) == [
        ("preamble", ""),
        ("measures", "一、2020年推进法治政府建设的主要举措和成效"),
        ("responsibility", "二、2020年党政主要负责人履行推进法治建设第一责任人职责,加强法治政府建设的有关情况"),
        ("problems", "三、存在的不足和原因"),
        ("plans", "四、2021年推进法治政府建设的主要安排"),
    ]
    assert [c.number for c in r.sections[1].children[0].children] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert not {"year_conflict", "no_problems_section", "no_title"} & _codes(r)


def test_003_problems_and_plans(reports: dict[str, Report]) -> None:
    r = reports["003"]
    body = _text(r, _only(r, "problems"))
    assert body.startswith("三、存在的不足和原因\n一是普法宣传教育的方式不够多样")
    assert body.endswith("二是基层政务公开规范化标准化工作有待进一步深化,政务公开队伍建设有待加强。")
    assert "四、2021年" not in body and "(三)坚持民主集中制" not in body
    # the author numbered two problems; the comma split applies only to unnumbered paragraphs
    assert [p.text[:10] for p in r.problems] == ["普法宣传教育的方式不", "基层政务公开规范化标"]
    assert len(r.plans) == 4
    assert "关注" not in r.text[r.sections[-1].span[0] :]


# ----------------------------------------------------------------------------------------------
# 004: a Shandong district government office, 台政办字〔2022〕1号


def test_004_metadata_and_sections(reports: dict[str, Report]) -> None:
    r = reports["004"]
    m = r.meta
    assert m.title == "关于2021年度法治政府建设情况的报告"
    # the opening names the body ("2021年，区政府办公室紧紧围绕…"); no place is named, so no region
    assert (m.issuing_body, m.region, m.level) == ("区政府办公室", "", "部门")  # a government office reporting on its own work
    assert (m.year, m.doc_number, m.date) == (2021, "台政办字〔2022〕1号", "")
    assert _top(r) == [("preamble", ""), ("measures", "一、工作情况"), ("problems", "二、存在问题"), ("plans", "三、改进措施")]
    assert not r.sections_with_role("responsibility")


def test_004_problems_and_plans(reports: dict[str, Report]) -> None:
    r = reports["004"]
    body = _text(r, _only(r, "problems"))
    assert body.startswith("二、存在问题\n（一）理论学习需要进一步加强。对习近平法治思想学习的重要性")
    assert body.endswith("政府法律顾问作用发挥不够充分，依法行政水平需要进一步提升。")
    assert "改进措施" not in body
    assert [p.heading for p in r.problems] == ["理论学习需要进一步加强", "法治意识需要进一步筑牢", "制度机制需要进一步健全"]
    assert [p.marker for p in r.problems] == ["（一）", "（二）", "（三）"]
    assert r.problems[0].text.startswith("理论学习需要进一步加强。对习近平法治思想")
    assert [p.heading for p in r.plans] == ["进一步强化法治建设领导责任", "进一步加强法治建设教育学习", "进一步完善依法行政制度体系"]


def test_report_id_for_is_the_safe_file_stem() -> None:
    from rag.report.parse import report_id_for

    assert report_id_for(SAMPLES / "002_0158dad679362a71.txt") == "002_0158dad679362a71"
    assert report_id_for("/x/潼南区 2020年度 报告(终稿).docx") == "潼南区_2020年度_报告_终稿"
    assert report_id_for("/x/###.txt") == "report"
    assert len(report_id_for("/x/" + "长" * 300 + ".txt")) == 80


def test_report_from_dict_refuses_a_text_less_dict(reports: dict[str, Report]) -> None:
    light = report_to_dict(reports["004"], include_text=False)
    with pytest.raises(ValueError, match="include_text=False"):
        report_from_dict(light)
