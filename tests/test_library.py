"""The library overview (issue 15): rows per report, themes across reports, bodies over years,
one indicator across reports, exports, and every cell citing its passage.

Rows are checked against labels written before the overview existed: the fixture corpus labels
(level, province, year, which parts the report has), the human theme labels of the five samples
(tests/test_themes.py) and tests/data/library_expect.jsonl (problem counts and acceptable themes per
item for eight fixtures, three of them held-out, written by reading the reports).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from test_themes import HUMAN_LABELS

from rag.cli import main
from rag.core.types import Answer, Citation
from rag.library import render
from rag.library.indicator import indicator_question, indicator_table, indicator_value
from rag.library.model import Filters
from rag.library.overview import build_overview, filter_choices
from rag.library.rows import report_row
from rag.report.parse import load_report

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
MAX_BYTES = 20 * 1024 * 1024


def row_of(path: Path):  # type: ignore[no-untyped-def]
    return report_row(load_report(path, MAX_BYTES))


@pytest.fixture(scope="module")
def sample_rows():  # type: ignore[no-untyped-def]
    return {p.name[:3]: row_of(p) for p in sorted(SAMPLES.glob("*.txt"))}


def _labels() -> list[dict]:  # type: ignore[type-arg]
    out = []
    for name in ("labels_dev.jsonl", "labels_heldout.jsonl"):
        out += [json.loads(line) for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


@pytest.fixture(scope="module")
def corpus_rows():  # type: ignore[no-untyped-def]
    return {label["file"]: (label, row_of(CORPUS / label["file"])) for label in _labels()}


def assert_cites(row, cite: int | None, must_contain: str = "") -> None:  # type: ignore[no-untyped-def]
    assert cite is not None
    citation = row.citations[cite]
    assert citation.report_id == row.report_id
    if must_contain:
        assert must_contain in citation.text


# ----------------------------------------------------------------------------- rows
def test_sample_rows_problem_counts_and_themes_match_human_labels(sample_rows) -> None:  # type: ignore[no-untyped-def]
    human: dict[str, Counter[str]] = {}
    for sample, _phrase, code in HUMAN_LABELS:
        human.setdefault(sample, Counter())[code] += 1
    agree = total = 0
    for sample, counts in human.items():
        row = sample_rows[sample]
        assert len(row.problems) == sum(counts.values()), f"{sample}: {len(row.problems)} problem items"
        got = Counter(row.theme_counts())
        agree += sum((got & counts).values())
        total += sum(counts.values())
        for p in row.problems:  # every problem cell quotes its item
            assert_cites(row, p.cite, p.statement.rstrip("…")[:8])
    assert agree / total >= 0.8, f"themes agree on {agree}/{total} items"


def _expectations(split: str) -> tuple[int, int, int, int, list[str]]:
    """(rows with the expected problem count, rows, items with an acceptable theme, items) for one half."""
    lines = [json.loads(line) for line in (DATA / "library_expect.jsonl").read_text(encoding="utf-8").splitlines()]
    lines = [e for e in lines if f"/{split}/" in e["file"]]
    exact = agree = items = 0
    report = []
    for expect in lines:
        row = row_of(DATA / expect["file"])
        exact += len(row.problems) == expect["problems"]
        for p, allowed in zip(row.problems, expect["themes"], strict=False):
            agree += p.theme_code in allowed
        items += expect["problems"]
        report.append(f"{expect['file']}: {len(row.problems)}/{expect['problems']} "
                      f"{[p.theme_code for p in row.problems]} vs {expect['themes']}")
    print("\n".join(report))
    return exact, len(lines), agree, items, report


def test_rows_against_frozen_expectations_dev() -> None:
    exact, rows, agree, items, report = _expectations("dev")
    assert exact / rows >= 0.8, "problem counts: " + "; ".join(report)
    assert agree / items >= 0.7, "themes: " + "; ".join(report)


def test_rows_against_frozen_expectations_heldout_first_items() -> None:
    """Held-out: the first problem of each report is found and themed acceptably (measured, not tuned)."""
    lines = [json.loads(line) for line in (DATA / "library_expect.jsonl").read_text(encoding="utf-8").splitlines()]
    for expect in (e for e in lines if "/heldout/" in e["file"]):
        row = row_of(DATA / expect["file"])
        assert row.problems and row.problems[0].theme_code in expect["themes"][0], expect["file"]


@pytest.mark.xfail(strict=True, reason="known gap on the held-out half, not tuned on: problem counts exact on 1/3 rows "
                   "(0/3 before unnumbered problem sentences were split, a rule taken from dev fixture d02)")
def test_rows_against_frozen_expectations_heldout_counts() -> None:
    exact, rows, _agree, _items, report = _expectations("heldout")
    assert exact / rows >= 0.8, "problem counts: " + "; ".join(report)


def test_corpus_rows_metadata_and_parts_against_labels(corpus_rows) -> None:  # type: ignore[no-untyped-def]
    """Measured 2026-12-07: dev 24/24 province, level, year and 96/96 parts; held-out (24 reports)
    23/24 province, 23/24 level, 24/24 year, 83/96 parts. With dev d25–d56 (55 reports) and null labels
    compared with empty cells: dev 53/55 province, 55/55 level and year, 217/220 parts; held-out 24/24
    province, 23/24 level, 24/24 year, 83/96 parts. With dev d57–d70 (69 reports): dev 65/69 province (d59 names
    its place only in a cited 文号 and is labelled null; d69 names only its 街道, whose province the text does
    not give). With dev d71–d84 (83 reports) and the held-out batch h25–h48 (48 reports), measured
    2026-12-07 after the fourth parsing round: dev 79/83 province, 83/83 level, 82/83 year (d82), 314/332 parts;
    held-out 43/48 province, 43/48 level, 48/48 year, 179/192 parts. With dev d85–d100 (99 reports), after the
    fifth round: dev 92/99 province (d93 and d95 name no province, as d69; d99 is labelled null although its
    text names 盐城, which the row reads as 江苏省), 99/99 level, 98/99 year. The floors below sit under those figures."""
    checks: Counter[tuple[str, str]] = Counter()
    totals: Counter[tuple[str, str]] = Counter()
    for file, (label, row) in corpus_rows.items():
        split = file.split("/")[0]
        for field, got in (("level", row.level), ("province", row.province), ("year", row.year)):
            totals[split, field] += 1
            checks[split, field] += (got or None) == label[field]  # a null label: the row leaves the cell empty
        for key, has in label["parts"].items():
            totals[split, "parts"] += 1
            status = row.part(key).status
            checks[split, "parts"] += (status != "undetermined") == has
            if status != "undetermined":
                assert_cites(row, row.part(key).cite)
    rates = {f"{split}.{field}": checks[split, field] / n for (split, field), n in totals.items()}
    print(rates)
    floors = {"dev": {"year": 0.98, "level": 0.95, "province": 0.92, "parts": 0.94},
              "heldout": {"year": 0.9, "level": 0.88, "province": 0.88, "parts": 0.9}}
    low = {k: v for k, v in rates.items() if v < floors[k.split(".")[0]][k.split(".")[1]]}
    assert not low, f"below the floor: {low}"


def test_every_shown_value_cites_a_passage_that_contains_it(sample_rows, corpus_rows) -> None:  # type: ignore[no-untyped-def]
    rows = [*sample_rows.values(), *(r for _, r in corpus_rows.values())]
    for row in rows:
        for cell in (row.title, row.issuer):
            if cell.cite is not None:
                assert cell.text in row.citations[cell.cite].text
        for c in row.citations:  # the stored span is the source span of the quoted text
            assert c.source_span[1] > c.source_span[0]
    assert sum(r.issuer.cite is not None for r in rows) >= 0.7 * sum(bool(r.issuer.text) for r in rows)


def test_masked_sample_flag_cites_the_masked_sentence(sample_rows) -> None:  # type: ignore[no-untyped-def]
    flagged = [row for row in sample_rows.values() if row.flag("masked_figures")]
    assert flagged, "one sample masks its figures (XX件)"
    for row in flagged:
        flag = row.flag("masked_figures")
        assert_cites(row, flag.cite)
        assert "X" in row.citations[flag.cite].text or "*" in row.citations[flag.cite].text


# ----------------------------------------------------------------------------- overview
def test_filters_and_choices(corpus_rows) -> None:  # type: ignore[no-untyped-def]
    rows = [r for _, r in corpus_rows.values()]
    everything = build_overview(rows)
    assert len(everything.rows) == everything.total_reports == len(rows)
    guizhou = build_overview(rows, Filters(region="贵州"))
    assert guizhou.rows and all("贵州" in (r.province + r.place.text + r.issuer.text) for r in guizhou.rows)
    assert len(guizhou.rows) < len(rows)
    county = build_overview(rows, Filters(level="区县级", year=2022))
    assert all(r.level == "区县级" and r.year == 2022 for r in county.rows)
    none = build_overview(rows, Filters(region="火星"))
    assert not none.rows and "没有符合筛选条件" in none.notes[0]
    choices = filter_choices(rows)
    assert "贵州省" in choices["region"] and "区县级" in choices["level"] and "2022" in choices["year"]


def test_theme_matrix_and_totals_add_up(corpus_rows) -> None:  # type: ignore[no-untyped-def]
    ov = build_overview([r for _, r in corpus_rows.values()])
    assert sum(m.count for m in ov.matrix) == sum(len(r.problems) for r in ov.rows)
    for t in ov.themes:
        assert t.reports == sum(1 for m in ov.matrix if m.theme_code == t.code)
        assert 0 <= t.without_reason <= t.problems and 0 <= t.without_plan <= t.problems
    assert [t.reports for t in ov.themes] == sorted((t.reports for t in ov.themes), reverse=True)
    for m in ov.matrix:
        row = ov.row(m.report_id)
        assert row is not None and len(m.cites) == m.count
        assert all(row.citations[c].text for c in m.cites)


TWO_YEARS = {
    2021: "一是行政复议案件办理质量有待提高，部分案件超期。二是政务公开的及时性不够，个别部门更新滞后。",
    2022: "一是行政复议案件办理质量仍需提升。二是普法宣传方式单一，针对性不强。",
}


def _body_report(tmp_path: Path, year: int) -> Path:
    path = tmp_path / f"qingtian_{year}.txt"
    path.write_text(
        f"青田县人民政府关于{year}年度法治政府建设情况的报告\n\n"
        f"{year}年，县政府深入学习贯彻习近平法治思想，全面推进依法行政。\n"
        "一、主要举措和成效\n（一）加强组织领导。县政府常务会议专题研究法治政府建设工作4次。\n"
        "二、存在的不足\n" + TWO_YEARS[year] + "\n"
        f"三、{year + 1}年工作安排\n一是提升行政复议办案质量。二是加强普法宣传。\n\n"
        f"青田县人民政府\n{year + 1}年3月20日\n", encoding="utf-8")
    return path


def test_same_body_over_two_years(tmp_path: Path) -> None:
    rows = [row_of(_body_report(tmp_path, y)) for y in (2021, 2022)]
    assert {r.body for r in rows} == {"青田县人民政府"}
    ov = build_overview(rows)
    status = {t.theme_code: [c.status for c in t.cells] for t in ov.trends}
    assert status["T13"] == ["", "持续存在"]  # 行政复议, both years
    assert status["T12"] == ["", "不再提及"]  # 政务公开, 2021 only
    assert status["T16"] == ["", "新提出"]  # 普法, 2022 only
    for trend in ov.trends:
        for cell in trend.cells:
            assert cell.cite is not None


# ----------------------------------------------------------------------------- indicator
def _answer(text: str, refused: bool = False) -> Answer:
    cites = [] if refused else [Citation(1, "r1", "a.txt", "A", "一、主要举措", text, (10, 10 + len(text)), None)]
    return Answer("q", text, "extractive", True, refused, cites)


def test_indicator_value_reads_the_figure_the_question_asks_for(sample_rows) -> None:  # type: ignore[no-untyped-def]
    row = next(iter(sample_rows.values()))
    q = indicator_question("行政复议纠错率")
    assert q == "行政复议纠错率是多少？"
    value, cite = indicator_value(q, row, _answer("全年办理行政复议案件120件，行政复议纠错率为8.3%。[1]"))
    assert (value.value, value.unit) == ("8.3%", "%") and cite is not None
    counted, _ = indicator_value(indicator_question("依申请公开数量", "件"), row,
                                 _answer("2020年，共收到依申请公开253件，均按期答复。[1]"))
    assert counted.value.startswith("253") and counted.unit == "件" and counted.figure_year == 2020
    none, cite = indicator_value(q, row, _answer("未在报告中找到。", refused=True))
    assert none.value == "未能确定" and cite is None and none.note
    masked, _ = indicator_value(q, row, _answer("行政复议纠错率为XX%。[1]"))
    assert masked.value == "未能确定"


def test_indicator_table_keeps_one_citation_per_value(sample_rows) -> None:  # type: ignore[no-untyped-def]
    rows = list(sample_rows.values())[:3]
    answers = iter([_answer("出庭应诉率达100%。[1]"), _answer("无", refused=True), _answer("出庭应诉率为95.5%。[1]")])
    table = indicator_table("行政机关负责人出庭应诉率", rows, lambda q, rid: next(answers))
    assert [v.value for v in table.values] == ["100%", "未能确定", "95.5%"]
    assert [v.cite for v in table.values] == [0, None, 1] and len(table.citations) == 2
    assert "95.5%" in render.indicator_to_markdown(table) and "95.5%" in render.indicator_to_csv(table)


# ----------------------------------------------------------------------------- exports
def test_exports_carry_the_same_rows(sample_rows, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ov = build_overview(list(sample_rows.values()))
    text = render.overview_to_csv(ov)
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][: len(render.COLUMNS)] == render.COLUMNS and len(table) == 1 + len(ov.rows)
    assert all("@" in line[-1] for line in table[1:])  # every row lists where its values are
    data = render.overview_to_dict(ov)
    assert len(data["reports"]) == len(ov.rows) and json.dumps(data, ensure_ascii=False)
    md = render.overview_to_markdown(ov)
    assert md.count("\n| ") >= len(ov.rows) and "## 引文" in md
    openpyxl = pytest.importorskip("openpyxl", reason="Excel export needs openpyxl: pip install 'reportqa[xlsx]'")
    book = openpyxl.load_workbook(render.overview_to_xlsx(ov, tmp_path / "o.xlsx"))
    assert book.sheetnames == ["报告", "问题", "主题×报告", "多年对比", "引文"]
    assert book["报告"].max_row == 1 + len(ov.rows)
    assert book["问题"].max_row == 1 + sum(len(r.problems) for r in ov.rows)
    html = render.overview_table_html(ov) + render.heatmap_html(ov) + render.themes_chart_svg(ov)
    assert html.count('class="rq-ov-cite"') > len(ov.rows) and "<svg" in html and "<rect" in html


# ----------------------------------------------------------------------------- service and CLI
@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("lib") / "index"
    assert main(["ingest", "--index", str(index), str(SAMPLES)]) == 0
    return index


def test_cli_overview_formats_and_filters(sample_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overview", "--index", str(sample_index), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["reports"]) == 5 and data["total_reports"] == 5
    assert main(["overview", "--index", str(sample_index), "--format", "json", "--level", "市级"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert 0 < len(data["reports"]) < 5 and all(r["level"] == "市级" for r in data["reports"])
    out = tmp_path / "o.csv"
    assert main(["overview", "--index", str(sample_index), "--format", "csv", "-o", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) >= 6
    assert main(["overview", "--index", str(sample_index)]) == 0
    assert "# 报告总览" in capsys.readouterr().out


def test_cli_indicator_reads_real_answers(sample_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overview", "--index", str(sample_index), "--indicator", "依申请公开", "--unit", "件",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["values"]) == 5
    found = [v for v in data["values"] if v["value"] != "未能确定"]
    assert found, "at least one sample states its 依申请公开 count"
    for v in found:  # the value is verbatim in the quote it cites
        assert v["value"] in v["quote"] and v["cite"] is not None
        assert data["citations"][v["cite"]]["report_id"] == v["report_id"]


def test_cli_overview_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overview", "--index", str(tmp_path / "none")]) != 0
    err = capsys.readouterr().err
    assert "错误" in err and "Traceback" not in err
    assert main(["overview", "--index", str(tmp_path / "none"), "--indicator", " "]) != 0
    assert "错误" in capsys.readouterr().err


def test_service_caches_rows_until_the_report_changes(fast_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from rag.service import ReportQA

    service = ReportQA(fast_settings)
    path = _body_report(tmp_path, 2021)
    service.ingest([path])
    first = service.overview_rows()
    assert service.overview_rows()[0] is first[0]  # cached
    path.write_text(path.read_text(encoding="utf-8").replace("部分案件超期", "部分案件超期，政务公开不及时"), encoding="utf-8")
    service.ingest([path])
    again = service.overview_rows()
    assert again[0] is not first[0] and again[0].sha256 != first[0].sha256
    service.close()
