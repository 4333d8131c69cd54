"""The page-line labels (rag.lang.page_labels) are read the same way by reader, cleaner and parser."""

from __future__ import annotations

import re

import pytest

from rag.lang.page_labels import PUBLICATION_DATE_LABEL, PUBLISHER_LABEL, SOURCE_LABEL, in_either_script

_SIMPLIFIED = str.maketrans("來聞發時間單", "来闻发时间单")


@pytest.mark.parametrize(
    ("label", "line"),
    [(SOURCE_LABEL, "來源："), (SOURCE_LABEL, "新聞来源："), (PUBLICATION_DATE_LABEL, "發布時間："),
     (PUBLISHER_LABEL, "發文單位："), (PUBLISHER_LABEL, "发布机构：")],
)
def test_a_label_in_either_script_matches_both_scripts(label: str, line: str) -> None:
    pytest.importorskip("opencc")
    assert re.fullmatch(rf"{in_either_script(label)}[:：]", line)
    assert re.fullmatch(rf"{in_either_script(label)}[:：]", line.translate(_SIMPLIFIED))


def test_a_document_system_date_is_no_publication_date() -> None:
    assert re.search(PUBLICATION_DATE_LABEL, "发布时间") and re.search(PUBLICATION_DATE_LABEL, "生成日期")
    assert not re.search(PUBLICATION_DATE_LABEL, "公文生成时间")


@pytest.mark.parametrize("row", ["发文单位：东湖区司法局", "发布机构：东湖区司法局", "发文机关：东湖区司法局"])
def test_every_publisher_label_gives_the_publisher_and_leaves_the_body(tmp_path, row: str) -> None:
    from rag.report.parse import load_report

    body = "2023年，我区深入推进依法行政，全面建设法治政府，深化行政审批制度改革，推进严格规范公正文明执法，各项工作取得新成效。" * 3
    text = f"东湖区2023年法治政府建设情况报告\n{row}\n发布日期：2024-02-06\n{body}\n一、主要工作\n{body}\n"
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    report = load_report(path, 1_000_000)
    assert report.meta.publisher == "东湖区司法局" and report.meta.pub_date == "2024-02-06"
    assert "2024-02-06" not in report.text


@pytest.mark.parametrize(("row", "number"), [("索 引 号：011043264/2024-01532", "011043264/2024-01532"),
                                            ("[ 索引号 ] 11500237MB1A52718Q/2026-00004  [ 发文字号 ] ", "11500237MB1A52718Q/2026-00004")])
def test_the_index_number_row_is_kept_and_stated_in_the_metadata_passage(tmp_path, row: str, number: str) -> None:
    from rag.index.chunk import metadata_chunk
    from rag.report.parse import load_report, report_from_dict, report_to_dict

    body = "2023年，我区深入推进依法行政，全面建设法治政府，深化行政审批制度改革，推进严格规范公正文明执法，各项工作取得新成效。" * 3
    text = f"{row}\n东湖区2023年法治政府建设情况报告\n发布日期：2024-02-06\n{body}\n一、主要工作\n{body}\n"
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    report = load_report(path, 1_000_000)
    assert report.meta.index_number == number and report.meta.index_number_span
    assert text[slice(*report.meta.index_number_span)] == number
    passage = metadata_chunk(report, 0)
    assert passage is not None and f"索引号：{number}" in passage.text
    assert report_from_dict(report_to_dict(report)).meta == report.meta  # spans survive the store's JSON


def test_the_metadata_passage_cites_the_page_lines_with_their_labels_and_the_time_as_written(tmp_path) -> None:
    from rag.index.chunk import metadata_chunk
    from rag.report.parse import load_report

    body = "2023年，我区深入推进依法行政，全面建设法治政府，深化行政审批制度改革，推进严格规范公正文明执法，各项工作取得新成效。" * 3
    text = f"东湖区2023年法治政府建设情况报告\n稿件来源：东湖区司法局　发布时间：2024-02-06 09:30\n{body}\n一、主要工作\n{body}\n"
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    report = load_report(path, 1_000_000)
    assert report.meta.pub_date == "2024-02-06" and text[slice(*report.meta.pub_date_span)] == "2024-02-06 09:30"
    passage = metadata_chunk(report, 0)
    assert passage is not None and "发布日期：2024-02-06 09:30" in passage.text and "来源：东湖区司法局" in passage.text
    cited = text[slice(*passage.source_span)]
    assert "稿件来源：东湖区司法局" in cited and "发布时间：2024-02-06 09:30" in cited
