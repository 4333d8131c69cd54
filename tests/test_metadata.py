"""Metadata extraction: title, issuing body, region, level, year triangulation, 文号, date."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from rag.core.types import ParseWarning, ReportMeta
from rag.ingest.clean import clean_text
from rag.ingest.readers import read_file
from rag.report.issuer import region_of
from rag.report.metadata import extract_meta, locate_header

_SERIAL = itertools.count(1)


def body(n: int = 2) -> str:
    """Distinct body paragraphs (the cleaner drops repeated paragraphs)."""
    return "\n".join(
        f"围绕第{next(_SERIAL)}项重点任务，认真贯彻落实法治政府建设实施纲要，依法全面履行政府职能，推进严格规范公正文明执法。"
        for _ in range(n)
    )


def meta_of(tmp_path: Path, text: str, name: str = "r.txt") -> tuple[ReportMeta, list[ParseWarning]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = read_file(path, 1_000_000)
    return extract_meta(doc, clean_text(doc))


@pytest.mark.parametrize(
    "number",
    ["潼南府办〔2021〕10号", "台政办字〔2022〕1号", "苏政发[2021]1号", "某政发［2021］3号", "某政办发【2021】12号",
     "某政发（2021）5号", "某政发(2021)7号", "某政发〔 2021 〕8号"],
)
def test_doc_number_bracket_variants(tmp_path: Path, number: str) -> None:
    text = f"{number}\n某区人民政府关于2020年度法治政府建设情况的报告\n2020年，我区{body()}\n一、工作情况\n{body()}\n"
    meta, _ = meta_of(tmp_path, text)
    assert meta.doc_number == number
    assert meta.year == 2020


def test_cited_doc_number_in_body_is_not_the_reports(tmp_path: Path) -> None:
    text = ("某区人民政府关于2020年度法治政府建设情况的报告\n"
            "2020年，我区贯彻落实《法治政府建设实施方案》（潼南委发〔2017〕2号），" + body() + "\n一、工作情况\n" + body() + "\n")
    meta, _ = meta_of(tmp_path, text)
    assert meta.doc_number == ""


def test_doc_number_with_label_line(tmp_path: Path) -> None:
    text = "发文字号：某府办发〔2021〕3号\n某县人民政府关于2020年度法治政府建设情况的报告\n" + body() + "\n"
    meta, _ = meta_of(tmp_path, text)
    assert meta.doc_number == "某府办发〔2021〕3号"


def test_year_triangulation_prefers_reported_year_over_publication_year(tmp_path: Path) -> None:
    text = ("某府办〔2021〕10号\n某区人民政府办公室 关于2020年度法治政府建设情况的报告\n2020年，我办" + body() + "\n"
            "一、2020年工作开展情况\n" + body() + "\n二、存在的问题\n执法力量薄弱。\n三、2021年工作安排\n" + body() + "\n\n"
            "某区人民政府办公室\n\n2021年3月1日\n")
    meta, warnings = meta_of(tmp_path, text)
    assert meta.year == 2020
    assert meta.date == "2021-03-01"
    notes = meta.year_evidence.split("；")
    for clue in ("标题“", "文号", "正文开头“", "章节标题“"):
        assert any(note.startswith(clue) for note in notes), clue
    assert not re.search(r"[A-Za-z]{3}", meta.year_evidence)  # Chinese, no English words left
    assert not [w for w in warnings if w.code == "year_conflict"]


def test_year_without_title_year_comes_from_opening_and_doc_number(tmp_path: Path) -> None:
    text = "某政发〔2020〕1号\n法治政府建设情况的报告\n2019年，我县" + body() + "\n一、工作情况\n" + body() + "\n"
    meta, _ = meta_of(tmp_path, text)
    assert meta.year == 2019


def test_year_conflict_between_title_and_body(tmp_path: Path) -> None:
    text = ("某区2021年度法治政府建设情况报告\n一、2021年度主要举措和成效\n"
            + "\n".join(f"2020年，我区第{i}项工作办结案件{i}件，法治政府建设取得成效。" for i in range(1, 7)) + "\n")
    meta, warnings = meta_of(tmp_path, text)
    assert meta.year == 2021
    assert any(w.code == "year_conflict" and "2020" in w.message for w in warnings)


def test_year_conflict_between_title_and_opening(tmp_path: Path) -> None:
    text = "某区2021年度法治政府建设情况报告\n2019年，我区" + body() + "\n一、工作情况\n" + body() + "\n"
    _, warnings = meta_of(tmp_path, text)
    assert any(w.code == "year_conflict" for w in warnings)


@pytest.mark.parametrize(
    ("tail", "date"),
    [("某区人民政府\n2021年2月5日", "2021-02-05"), ("某区人民政府\n二〇二一年三月五日", "2021-03-05"),
     ("某区人民政府\n2021年12月31日", "2021-12-31"), ("某区人民政府\n二〇一九年十二月三十日", "2019-12-30")],
)
def test_signature_dates(tmp_path: Path, tail: str, date: str) -> None:
    text = "某区人民政府关于2020年度法治政府建设情况的报告\n一、工作情况\n" + body() + "\n\n" + tail + "\n"
    meta, _ = meta_of(tmp_path, text)
    assert meta.date == date


def test_publication_date_from_chrome_line(tmp_path: Path) -> None:
    text = ("当前位置：首页\n某市司法局2020年法治政府建设年度报告\n发布时间：2021-03-29 10:00:01\n来源：某市司法局\n"
            + body() + "\n一、工作情况\n" + body() + "\n")
    meta, _ = meta_of(tmp_path, text)
    assert meta.date == "2021-03-29"


@pytest.mark.parametrize(
    ("title", "body_name", "region", "level"),
    [
        ("重庆市潼南区人民政府办公室 关于2020年度法治政府建设情况的报告", "重庆市潼南区人民政府办公室", "重庆市潼南区", "部门"),
        ("广州市人民政府办公厅2020年法治政府建设年度报告", "广州市人民政府办公厅", "广州市", "部门"),
        ("淮安市人民政府关于2017年度法治政府建设情况的报告", "淮安市人民政府", "淮安市", "市级"),
        ("武汉市市场监管局2022年法治政府建设年度报告", "武汉市市场监管局", "武汉市", "部门"),
        ("湖北省人民政府关于2020年法治政府建设情况的报告", "湖北省人民政府", "湖北省", "省级"),
        ("西翥街道办事处2025年度法治政府建设情况工作报告", "西翥街道办事处", "西翥街道", "乡镇街道"),
        ("清水县人民政府关于清水县2023年度法治政府建设工作总结的报告", "清水县人民政府", "清水县", "区县级"),
        ("新疆维吾尔自治区人民政府关于2017年法治政府建设工作的报告", "新疆维吾尔自治区人民政府", "新疆维吾尔自治区", "省级"),
        # a place opening the title: that place's government reports (report-patterns §16; until the fifth
        # round the body was left empty here, while the corpus labels already named the government)
        ("北碚区2022年度法治政府督察自查报告", "北碚区人民政府", "北碚区", "区县级"),
    ],
)
def test_issuing_body_region_level_from_title(tmp_path: Path, title: str, body_name: str, region: str, level: str) -> None:
    meta, _ = meta_of(tmp_path, title + "\n" + body() + "\n一、工作情况\n" + body() + "\n")
    assert meta.title == title
    assert (meta.issuing_body, meta.region, meta.level) == (body_name, region, level)


def test_never_guesses_issuer_from_place_names(tmp_path: Path) -> None:
    text = ("2021年度法治政府督察自查报告\n一、主要举措和成效\n我区在仙桃数据谷公司、统景镇设立了立法联系点。"
            + body() + "\n")
    meta, _ = meta_of(tmp_path, text)
    assert (meta.issuing_body, meta.region) == ("", "")
    assert meta.level == "区县级"  # "我区" says what kind of government wrote it, not which one


@pytest.mark.parametrize(
    ("opening", "issuer", "level"),
    [
        ("2021年，区政府办公室紧紧围绕区委、区政府重点工作部署，现将区政府办公室2021年度法治政府建设情况汇报如下。",
         "区政府办公室", "部门"),
        ("为全面总结工作，现将市政府办公厅2020年度法治政府建设情况报告如下。", "市政府办公厅", "部门"),
        ("2021年，在县委、县政府的坚强领导下，县司法局坚持依法行政，推进法治建设。", "县司法局", "部门"),
        # 「某某」 is a placeholder for the place: the name is masked, its level still shows (§15)
        ("今年以来，某某街道办事处深入推进依法行政，法治建设取得成效。", "", "乡镇街道"),
        ("2021年，区法治政府建设领导小组办公室紧紧围绕中心工作，推进法治建设。", "区法治政府建设领导小组办公室", None),
        # no organisation named as the report's own: a self-reference, a cited body, a concept, the party
        ("2021年，我区坚持以习近平法治思想为指导，推进法治建设。", "", "区县级"),
        ("根据市政府办公厅通知要求，我局认真开展法治政府建设自查。", "", None),
        ("2021年，区委、区政府高度重视法治政府建设。", "", ""),
        ("2021年，法治政府建设工作取得新成效。", "", ""),
        ("现将我县2021年度法治政府建设情况报告如下。", "", "区县级"),
    ],
)
def test_issuing_body_from_the_opening_sentence(tmp_path: Path, opening: str, issuer: str, level: str | None) -> None:
    title = "关于2021年度法治政府建设情况的报告"
    meta, _ = meta_of(tmp_path, title + "\n" + opening + "\n一、工作情况\n" + body() + "\n")
    assert meta.title == title  # "现将…情况报告如下。" is a sentence, not a title glued to the body
    assert meta.issuing_body == issuer
    if level is not None:
        assert meta.level == level


def test_title_and_signature_win_over_the_opening(tmp_path: Path) -> None:
    text = ("肥东县人民政府关于2021年度法治政府建设情况的报告\n2021年，县司法局认真履职，推进法治建设。\n一、工作情况\n"
            + body() + "\n")
    meta, _ = meta_of(tmp_path, text)
    assert meta.issuing_body == "肥东县人民政府"
    text = ("关于2021年度法治政府建设情况的报告\n2021年，县司法局认真履职，推进法治建设。\n一、工作情况\n" + body()
            + "\n\n肥东县人民政府\n2022年2月1日\n")
    meta, _ = meta_of(tmp_path, text)
    assert meta.issuing_body == "肥东县人民政府"


def test_warning_messages_are_chinese_without_offsets(tmp_path: Path) -> None:
    text = ("某区2021年度法治政府建设情况报告\n2019年，我区" + body() + "\n一、2021年度主要举措和成效\n"
            + "\n".join(f"2020年，我区第{i}项工作办结案件{i}件，法治政府建设取得成效。" for i in range(1, 7)) + "\n")
    _, warnings = meta_of(tmp_path, text)
    conflicts = [w.message for w in warnings if w.code == "year_conflict"]
    assert len(conflicts) == 2
    assert any("正文中出现最多的年份是2020年（6次）" in m for m in conflicts)
    assert any(m.startswith("标题、章节标题与正文开头所写的报告年度不一致") and "正文开头“2019年，”→2019年" in m
               for m in conflicts)
    for m in conflicts:
        assert "（year conflict）" in m and "report says" not in m and "→ " not in m


def test_masked_issuer(tmp_path: Path) -> None:
    meta, warnings = meta_of(tmp_path, "X市政府2020年法治政府建设情况报告\n2020年，我厅" + body() + "\n")
    assert (meta.issuing_body, meta.region, meta.level) == ("", "", "市级")
    assert any(w.code == "masked_names" for w in warnings)


def test_full_width_masked_issuer(tmp_path: Path) -> None:
    meta, warnings = meta_of(tmp_path, "Ｘ市政府2020年法治政府建设情况报告\n2020年，我厅" + body() + "\n")
    assert (meta.issuing_body, meta.region) == ("", "")
    assert any(w.code == "masked_names" and "Ｘ市政府" in w.message for w in warnings)


def test_no_title_warning(tmp_path: Path) -> None:
    meta, warnings = meta_of(tmp_path, "一、工作情况\n" + body(3) + "\n")
    assert meta.title == ""
    assert any(w.code == "no_title" for w in warnings)


def test_title_glued_to_first_sentence_is_cut() -> None:
    text = "潼南府办〔2021〕10号\n重庆市潼南区人民政府办公室 关于2020年度法治政府建设情况的报告2020年，在区委的领导下，我办开展工作。\n"
    header = locate_header(text)
    assert header.title == "重庆市潼南区人民政府办公室 关于2020年度法治政府建设情况的报告"
    assert text[header.body_start :].startswith("2020年，在区委")
    assert header.doc_number == "潼南府办〔2021〕10号"


def test_last_title_line_wins_over_page_title_repeats() -> None:
    text = "2022年年度法治政府督察自查报告\n2022年年度法治政府督察自查报告\n2021年度法治政府督察自查报告\n一、主要举措和成效\n"
    header = locate_header(text)
    assert header.title == "2021年度法治政府督察自查报告"
    assert text[header.body_start :].startswith("一、")


def test_region_of() -> None:
    assert region_of("重庆市潼南区人民政府办公室") == "重庆市潼南区"
    assert region_of("广州市人民政府办公厅") == "广州市"
    assert region_of("新疆维吾尔自治区人民政府") == "新疆维吾尔自治区"


# ----------------------------------------------------------------------------- page lines (issue 11)


def test_publication_and_source_lines_are_kept_as_metadata_with_spans(tmp_path: Path) -> None:
    from rag.report.parse import load_report

    text = ("当前位置：首页 > 政务公开\n某区2023年法治政府建设情况报告\n来源：某区人民政府办公室　发布时间：2024-03-28 09:18\n"
            + body() + "\n一、工作情况\n" + body() + "\n")
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    r = load_report(path, 1_000_000)
    assert "来源" not in r.text and "发布时间" not in r.text  # still out of the body
    assert r.meta.source == "某区人民政府办公室" and r.meta.pub_date == "2024-03-28"
    assert r.meta.source_span and text[slice(*r.meta.source_span)] == "某区人民政府办公室"
    assert r.meta.pub_date_span and text[slice(*r.meta.pub_date_span)] == "2024-03-28 09:18"  # as the page writes it
    from rag.report.parse import report_from_dict, report_to_dict

    assert report_from_dict(report_to_dict(r)) == r  # the index stores parsed reports this way


@pytest.mark.parametrize(
    ("line", "iso"),
    [("发布日期：2018年04月03日", "2018-04-03"), ("更新时间：2021/03/29 11:30:01", "2021-03-29"),
     ("时间：2018-05-03", "2018-05-03"), ("2021-01-11", "2021-01-11")],
)
def test_publication_line_forms(tmp_path: Path, line: str, iso: str) -> None:
    from rag.report.parse import load_report

    text = f"某市2020年法治政府建设年度报告\n{line}\n" + body() + "\n一、工作情况\n" + body() + "\n"
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    r = load_report(path, 1_000_000)
    assert r.meta.pub_date == iso and r.meta.source == ""


def test_official_date_cell_is_not_the_publication_date(tmp_path: Path) -> None:
    from rag.report.parse import load_report

    text = "某市2020年法治政府建设年度报告\n成文日期：2021-01-22\n" + body() + "\n一、工作情况\n" + body() + "\n"
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    assert load_report(path, 1_000_000).meta.pub_date == ""


# ----------------------------------------------------------------------------- report-patterns §13 classes
def test_title_split_over_two_lines_is_joined(tmp_path: Path) -> None:
    text = f"长丰县应急管理局\n关于2023年度法治政府建设情况的报告\n2023年，我局{body()}\n一、主要工作\n{body()}\n"
    meta, _ = meta_of(tmp_path, text)
    assert meta.title == "长丰县应急管理局关于2023年度法治政府建设情况的报告"
    assert meta.issuing_body == "长丰县应急管理局" and meta.level == "部门"


def test_title_without_genre_word_needs_a_body_before_the_year(tmp_path: Path) -> None:
    meta, _ = meta_of(tmp_path, f"安徽省交通运输厅2023年法治政府部门建设工作情况\n2023年，我厅{body()}\n一、主要工作\n{body()}\n")
    assert meta.title == "安徽省交通运输厅2023年法治政府部门建设工作情况" and meta.issuing_body == "安徽省交通运输厅"
    # the bare heading of an unnumbered report is no title
    assert locate_header(f"2023年法治政府建设情况\n2023年，我区{body()}\n").title == ""


def test_title_row_of_a_metadata_block_is_cut_at_the_next_label() -> None:
    header = locate_header(f"索 引 号：000/2024-01\n名 称：某某区2023年法治政府建设工作报告文　　号：无\n2023年，某某区人民政府{body()}\n")
    assert header.title == "某某区2023年法治政府建设工作报告"
    assert locate_header(f"标 题：法治\n2023年，某某区人民政府{body()}\n").title == ""  # a stray cell is no title


def test_transmittal_letter_before_the_report_is_header(tmp_path: Path) -> None:
    text = ("某卫〔2024〕3号\n区委、区政府：\n现将我委2023年度法治政府建设情况报告呈上，请审阅。\n蜀山区卫生健康委员会\n2024年1月20日\n"
            f"蜀山区卫生健康委员会2023年度法治政府建设情况报告\n2023年，区卫生健康委{body()}\n一、主要工作\n{body()}\n")
    meta, _ = meta_of(tmp_path, text)
    assert meta.title == "蜀山区卫生健康委员会2023年度法治政府建设情况报告"
    assert meta.doc_number == "某卫〔2024〕3号" and meta.issuing_body == "蜀山区卫生健康委员会"
    header = locate_header(clean_text(read_file(tmp_path / "r.txt", 1_000_000)).text)
    assert "呈上" not in text[header.body_start :header.body_start + 10]


def test_page_title_fallback_drops_the_site_name(tmp_path: Path) -> None:
    html = ("<html><head><title>某某县2022年法治政府建设情况报告_某某县人民政府门户网站</title></head><body><div>"
            f"<p>2022年，某某县人民政府{body(1)}</p><p>一、主要工作</p><p>{body(3)}</p></div></body></html>")
    meta, _ = meta_of(tmp_path, html, "r.html")
    assert meta.title == "某某县2022年法治政府建设情况报告"


def test_doc_number_in_a_metadata_row_cell(tmp_path: Path) -> None:
    text = f"[ 索引号 ] 000/2021-0020  [ 发文字号 ] 某政文〔2021〕18号\n某某县2020年法治政府建设情况报告\n2020年，我县{body()}\n一、主要工作\n{body()}\n"
    meta, _ = meta_of(tmp_path, text)
    assert meta.doc_number == "某政文〔2021〕18号"


def test_browser_warning_above_the_title_and_a_zone_committee(tmp_path: Path) -> None:
    text = ("您的浏览器版本过低，为了获得更好的浏览体验，请升级浏览器。\n贵安新区2023年法治政府建设情况报告\n"
            f"2023年，新区管委会{body()}\n一、主要工作\n{body()}\n贵安新区管理委员会\n2024年2月20日\n")
    meta, _ = meta_of(tmp_path, text)
    assert meta.title == "贵安新区2023年法治政府建设情况报告"
    assert meta.issuing_body == "贵安新区管理委员会" and meta.level == "区县级"


def test_state_council_department_issuer(tmp_path: Path) -> None:
    meta, _ = meta_of(tmp_path, f"水利部2022年法治政府建设年度报告\n2022年，水利部{body()}\n一、主要工作\n{body()}\n")
    assert meta.issuing_body == "水利部" and meta.level == "部门"


def test_doc_number_line_with_the_signer_and_a_township_office_named_like_a_city(tmp_path: Path) -> None:
    text = (f"邯郸市人民政府关于2017年度法治政府建设情况的报告\n邯政呈〔2018〕7号　　签发人：某某某\n2017年，我市{body()}\n"
            f"一、主要工作\n{body()}\n")
    meta, _ = meta_of(tmp_path, text)
    assert meta.doc_number == "邯政呈〔2018〕7号"
    town, _ = meta_of(tmp_path, f"2025年，沙河源街道办事处{body()}\n一、主要工作\n{body()}\n", "t.txt")
    assert town.issuing_body == "沙河源街道办事处" and town.level == "乡镇街道"  # not 沙河市's


def test_news_copy_headline_and_lead_are_not_the_report(tmp_path: Path) -> None:
    text = ("应急管理部发布2023年法治政府建设年度报告\n2024-03-29 10:21　来源：某某新闻网\n"
            "某某网3月29日电　应急管理部日前对外公布2023年法治政府建设年度报告。报告全文如下：\n"
            f"2023年，应急管理部坚持{body(1)}\n一、主要工作\n{body()}\n")
    path = tmp_path / "n.txt"
    path.write_text(text, encoding="utf-8")
    from rag.report.parse import load_report
    r = load_report(path, 1_000_000)
    assert r.meta.title == "" and r.meta.issuing_body == "应急管理部" and r.meta.level == "部门"
    assert r.meta.source == "某某新闻网" and r.meta.pub_date == "2024-03-29"


def test_government_named_by_its_level_only_is_resolved_where_the_body_names_the_place(tmp_path: Path) -> None:
    text = (f"根据督察工作规定，现将省政府2021年度法治政府建设情况报告如下。\n一、2021年主要工作\n{body()}\n"
            "修订《湖南省人民政府常务会议工作规范》，省政府常务会议专题研究法治政府建设6次。\n")
    meta, _ = meta_of(tmp_path, text)
    assert (meta.issuing_body, meta.level) == ("湖南省人民政府", "省级")
    # two provinces named: 省政府 is not resolved
    other = text.replace("专题研究", "与《江西省行政程序规定》对照，专题研究")
    meta, _ = meta_of(tmp_path, other, "b.txt")
    assert meta.issuing_body == "省政府" and meta.level == "省级"


def test_source_label_with_its_value_on_the_next_line(tmp_path: Path) -> None:
    from rag.report.parse import load_report

    text = (f"滑县留固镇人民政府关于2024年法治政府建设情况的报告\n发布时间：\n2025-03-05\n来源：\n留固镇人民政府\n\n"
            f"2024年，留固镇{body()}\n一、主要工作\n{body()}\n")
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    report = load_report(path, 1_000_000)
    assert (report.meta.source, report.meta.pub_date) == ("留固镇人民政府", "2025-03-05")
    start, end = report.meta.source_span or (0, 0)
    assert report.source.text[start:end] == "留固镇人民政府"
    # an empty 来源 label followed by a sentence gives no source
    path.write_text(text.replace("来源：\n留固镇人民政府\n", "来源：\n2024年，留固镇认真贯彻落实纲要，推进依法行政。\n"), encoding="utf-8")
    assert load_report(path, 1_000_000).meta.source == ""


def test_title_wrapped_mid_phrase_over_three_lines_is_joined(tmp_path: Path) -> None:
    text = f"淇县人民政府\n关于2023年度法治政府建设\n情况的报告\n2023年，全县{body()}\n一、主要工作\n{body()}\n"
    meta, _ = meta_of(tmp_path, text)
    assert meta.title == "淇县人民政府关于2023年度法治政府建设情况的报告" and meta.year == 2023
    # a short slogan line before the title is not its first half
    meta, _ = meta_of(tmp_path, f"法治建设专栏\n淇县2023年度法治政府建设情况报告\n2023年，全县{body()}\n", "b.txt")
    assert meta.title == "淇县2023年度法治政府建设情况报告"


def test_title_set_in_guillemets_or_lenticular_brackets(tmp_path: Path) -> None:
    for i, (opening, closing) in enumerate((("《", "》"), ("【", "】"))):
        text = f"{opening}淇县人民政府关于2023年度法治政府建设情况的报告{closing}\n2023年，全县{body()}\n一、主要工作\n{body()}\n"
        meta, _ = meta_of(tmp_path, text, f"r{i}.txt")
        assert (meta.title, meta.issuing_body) == ("淇县人民政府关于2023年度法治政府建设情况的报告", "淇县人民政府")


def test_repeated_second_title_line_keeps_the_fuller_title() -> None:
    header = locate_header(f"行唐县人民政府\n关于2025年度法治政府建设情况的报告\n\n关于2025年度法治政府建设情况的报告\n2025年，我县{body()}\n")
    assert header.title == "行唐县人民政府关于2025年度法治政府建设情况的报告"


def test_year_from_the_reporting_sentence_of_the_opening(tmp_path: Path) -> None:
    text = f"根据督察工作规定，现将省政府2021年度法治政府建设情况报告如下。\n主要工作\n{body()}\n存在的不足\n{body()}\n"
    meta, _ = meta_of(tmp_path, text)
    assert meta.year == 2021 and "开头" in meta.year_evidence


def test_a_publisher_row_is_kept_and_stands_for_a_missing_source_line_in_the_metadata_passage(tmp_path: Path) -> None:
    from rag.index.chunk import metadata_chunk
    from rag.report.parse import load_report

    text = ("索 引 号：011043264/2024-01532\n发布机构：东湖区司法局\n名 称：东湖区2023年法治政府建设工作报告\n"
            "发布日期：2024-02-06\n\n" + body() + "\n一、工作情况\n" + body() + "\n")
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    r = load_report(path, 1_000_000)
    assert r.meta.publisher == "东湖区司法局" and r.meta.publisher_span
    assert text[slice(*r.meta.publisher_span)] == "东湖区司法局"
    assert r.meta.source == ""  # a 发布机构 row is not a 来源 line (labels, report-patterns §11)
    passage = metadata_chunk(r, 0)
    assert passage is not None and "发布机构：东湖区司法局" in passage.text
    # a 来源 line, where there is one, is the source the passage states
    text2 = "东湖区2023年法治政府建设情况报告\n发布单位：东湖区应急管理局\n来源：东湖区人民政府办公室\n" + body() + "\n一、工作情况\n" + body() + "\n"
    path.write_text(text2, encoding="utf-8")
    r2 = load_report(path, 1_000_000)
    assert r2.meta.source == "东湖区人民政府办公室" and r2.meta.publisher == "东湖区应急管理局"
    passage2 = metadata_chunk(r2, 0)
    assert passage2 is not None and "来源：东湖区人民政府办公室" in passage2.text and "东湖区应急管理局" not in passage2.text
