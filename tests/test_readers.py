"""Readers: every format from a real file written in tmp_path, and every bad input's message."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from rag.core.errors import ReaderError
from rag.ingest.readers import SUPPORTED_SUFFIXES, expand_inputs, read_file

MB = 1024 * 1024
REPORT = (
    "关于2020年度法治政府建设情况的报告\n"
    "一、主要举措和成效\n"
    "（一）依法全面履行政府职能。深化“放管服”改革，取消行政许可事项12项。\n"
    "二、存在的不足和原因\n"
    "一是依法行政意识有待提升；二是执法队伍建设有待加强。\n"
)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _reason(exc_info: pytest.ExceptionInfo[ReaderError]) -> str:
    return exc_info.value.reason


# ----------------------------------------------------------------------------- text encodings


@pytest.mark.parametrize(
    ("codec", "expected_encoding"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16-le"),  # Python writes a little-endian BOM
        ("utf-16-be", None),
        ("utf-32", "utf-32-le"),
        ("gbk", "gb18030"),
        ("gb2312", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_txt_encodings_decode_to_the_same_chinese(tmp_path: Path, codec: str, expected_encoding: str | None) -> None:
    data = REPORT.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
        expected_encoding = "utf-16-be"
    path = _write(tmp_path / "report.txt", data)
    doc = read_file(path, MB)
    assert doc.text == REPORT
    assert doc.encoding == expected_encoding
    assert doc.format == "txt"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size_bytes == len(data)
    assert doc.name == "report.txt"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path: Path, codec: str) -> None:
    doc = read_file(_write(tmp_path / "nobom.txt", REPORT.encode(codec)), MB)
    assert doc.text == REPORT and doc.encoding == codec


def test_gbk_file_named_txt_is_not_mojibake(tmp_path: Path) -> None:
    text = "潼南府办〔2021〕10号\n重庆市潼南区人民政府办公室关于2020年度法治政府建设情况的报告\n" * 3
    doc = read_file(_write(tmp_path / "潼南.txt", text.encode("gbk")), MB)
    assert doc.text == text
    assert "潼南区人民政府办公室" in doc.text


def test_markdown_and_crlf_line_endings(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.md", "# 报告\r\n\r\n一、工作情况\r\n正文。\r".encode())
    doc = read_file(path, MB)
    assert doc.format == "md"
    assert doc.text == "# 报告\n\n一、工作情况\n正文。\n"


def test_undecodable_bytes_fall_back_with_replacements(tmp_path: Path) -> None:
    # Valid UTF-8 Chinese with a few stray bytes that no single codec accepts cleanly.
    data = ("法治政府建设情况报告。" * 40).encode() + b"\xff\xfe\x80" + ("依法行政。" * 40).encode()
    doc = read_file(_write(tmp_path / "broken.txt", data), MB)
    assert "法治政府建设情况报告" in doc.text
    assert "依法行政" in doc.text
    assert doc.encoding.endswith("(with replacements)")
    assert "\ufffd" in doc.text


# ----------------------------------------------------------------------------- HTML

GOV_PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>关于2020年度法治政府建设情况的报告_政务公开_某市人民政府</title></head>
<body>
<div class="header"><ul class="nav"><li><a href="/">网站首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/hd">互动交流</a></li><li><a href="/fw">办事服务</a></li></ul></div>
<div class="crumb">您所在的位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 工作报告</div>
<div class="article">
<h1>关于2020年度法治政府建设情况的报告</h1>
<div class="info">发布时间：2021-03-01 来源：市司法局 浏览次数：123 字号：<a>大</a> <a>中</a> <a>小</a> <a>打印</a></div>
<div id="zoom">
<p>2020年，我市坚持以习近平新时代中国特色社会主义思想为指导，深入推进法治政府建设，取得明显成效。</p>
<p>一、主要举措和成效</p>
<p>（一）依法全面履行政府职能。深化“放管服”改革，取消行政许可事项12项。<br>全年办理政务服务事项5万件。</p>
<table><tr><td>指标名称</td><td>数量（件）</td></tr><tr><td>行政复议案件受理</td><td>35件</td></tr>
<tr><td>行政诉讼案件应诉</td><td>12件</td></tr></table>
<p>二、存在的不足和原因</p>
<p>一是依法行政意识有待提升。二是执法队伍建设有待加强。</p>
</div>
<div class="share">分享到：微信 微博 QQ空间</div>
</div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/a">市政府召开常务会议研究部署重点工作</a></li>
<li><a href="/b">市领导调研政务服务中心建设</a></li></ul></div>
<div class="footer"><p>主办：某市人民政府办公室 备案号：京ICP备12345678号</p><p>扫一扫在手机打开当前页</p></div>
</body></html>
"""
BODY_SENTENCES = (
    "2020年，我市坚持以习近平新时代中国特色社会主义思想为指导，深入推进法治政府建设，取得明显成效。",
    "一、主要举措和成效",
    "（一）依法全面履行政府职能。深化“放管服”改革，取消行政许可事项12项。",
    "全年办理政务服务事项5万件。",
    "二、存在的不足和原因",
    "一是依法行政意识有待提升。二是执法队伍建设有待加强。",
)


def test_html_keeps_the_report_and_drops_site_chrome(tmp_path: Path) -> None:
    path = _write(tmp_path / "page.html", GOV_PAGE.format(charset="utf-8").encode())
    doc = read_file(path, MB)
    assert doc.format == "html"
    for sentence in BODY_SENTENCES:
        assert sentence in doc.text
    lines = doc.text.split("\n")
    assert "全年办理政务服务事项5万件。" in lines  # <br> and <p> keep their line breaks
    assert any("行政复议案件受理" in line and "35件" in line for line in lines)  # table row on one line
    for chrome in ("网站首页", "互动交流", "办事服务", "您所在的位置", "备案号", "市领导调研政务服务中心建设"):
        assert chrome not in doc.text
    assert doc.metadata["html_title"].startswith("关于2020年度法治政府建设情况的报告_")
    assert doc.metadata["title"] == "关于2020年度法治政府建设情况的报告"


def test_html_declared_gbk_is_decoded_by_its_meta_charset(tmp_path: Path) -> None:
    path = _write(tmp_path / "gbk.htm", GOV_PAGE.format(charset="gb2312").encode("gbk"))
    doc = read_file(path, MB)
    assert doc.encoding == "gb18030"
    for sentence in BODY_SENTENCES:
        assert sentence in doc.text


def test_html_http_equiv_gbk_declaration(tmp_path: Path) -> None:
    page = GOV_PAGE.format(charset="utf-8").replace(
        '<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=GBK" />'
    )
    doc = read_file(_write(tmp_path / "equiv.htm", page.encode("gbk")), MB)
    assert doc.encoding == "gb18030"
    assert BODY_SENTENCES[0] in doc.text


def test_html_with_a_wrong_charset_declaration_is_sniffed(tmp_path: Path) -> None:
    doc = read_file(_write(tmp_path / "wrong.html", GOV_PAGE.format(charset="utf-8").encode("gbk")), MB)
    assert doc.encoding == "gb18030"
    assert BODY_SENTENCES[0] in doc.text


def test_html_without_charset_declaration_is_sniffed(tmp_path: Path) -> None:
    page = GOV_PAGE.format(charset="utf-8").replace('<meta charset="utf-8">', "")
    doc = read_file(_write(tmp_path / "nocharset.html", page.encode("gbk")), MB)
    assert BODY_SENTENCES[0] in doc.text


def test_html_bare_fragment_is_read(tmp_path: Path) -> None:
    page = "<html><body><div>一、工作情况</div><div>依法行政。</div><script>var a=1;</script></body></html>"
    doc = read_file(_write(tmp_path / "tiny.html", page.encode()), MB)
    assert doc.text.split("\n") == ["一、工作情况", "依法行政。"]


def test_html_falls_back_to_lxml_when_trafilatura_finds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    path = _write(tmp_path / "page.html", GOV_PAGE.format(charset="utf-8").encode())
    doc = read_file(path, MB)
    assert doc.metadata["extractor"] == "lxml"
    lines = doc.text.split("\n")
    for sentence in BODY_SENTENCES[:3]:
        assert sentence in lines
    assert "行政复议案件受理 | 35件" in lines
    assert "var " not in doc.text and "<" not in doc.text


# ----------------------------------------------------------------------------- Word


def _make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "测试报告"
    document.add_paragraph("关于2021年度法治政府建设情况的报告")
    document.add_paragraph("一、工作情况")
    document.add_paragraph("（一）坚持高标站位，加强法治建设组织领导。")
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([("指标", "2020年", "2021年"), ("行政复议", "30件", "35件")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("二、存在问题")
    document.save(str(path))
    return path


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    doc = read_file(_make_docx(tmp_path / "r.docx"), MB)
    assert doc.format == "docx"
    lines = doc.text.split("\n")
    assert lines[0] == "关于2021年度法治政府建设情况的报告"
    assert "指标 | 2020年 | 2021年" in lines
    assert lines.index("行政复议 | 30件 | 35件") < lines.index("二、存在问题")
    assert lines.index("（一）坚持高标站位，加强法治建设组织领导。") < lines.index("指标 | 2020年 | 2021年")
    assert doc.metadata["title"] == "测试报告"


def test_corrupt_docx_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.docx", "这不是Word文件".encode())
    with pytest.raises(ReaderError) as info:
        read_file(path, MB)
    assert info.value.path == str(path)
    assert "docx" in _reason(info) and "另存为" in _reason(info)


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "zip.docx", buf.getvalue()), MB)
    assert "损坏" in _reason(info)


def test_legacy_doc_renamed_docx(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), MB)
    assert ".doc" in _reason(info)


# ----------------------------------------------------------------------------- PDF


def _make_pdf(path: Path, pages: list[list[str]]) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        c.setFont("STSong-Light", 12)
        y = 800
        for line in lines:
            c.drawString(60, y, line)
            y -= 20
        c.showPage()
    c.save()
    return path


def test_pdf_text_layer_page_by_page(tmp_path: Path) -> None:
    pages = [
        ["关于2020年度法治政府建设情况的报告", "一、主要举措和成效", "我市依法全面履行政府职能。"],
        ["二、存在的不足和原因", "依法行政意识有待提升。"],
    ]
    doc = read_file(_make_pdf(tmp_path / "r.pdf", pages), MB)
    assert doc.format == "pdf"
    assert len(doc.page_starts) == 2 and doc.page_starts[0] == 0
    first, second = doc.text[: doc.page_starts[1]], doc.text[doc.page_starts[1] :]
    assert "关于2020年度法治政府建设情况的报告" in first and "我市依法全面履行政府职能。" in first
    assert second.startswith("二、存在的不足和原因")
    assert doc.metadata["pages"] == "2"
    assert "title" not in doc.metadata  # reportlab's default "untitled" is not a title


def test_scanned_pdf_without_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(50, 50, 400, 600, fill=1)  # a page that is only an image-like shape
    c.showPage()
    c.save()
    with pytest.raises(ReaderError) as info:
        read_file(path, MB)
    assert "扫描" in _reason(info) and "OCR" in _reason(info) and "ocrmypdf" in _reason(info)


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "fake.pdf", "一、工作情况".encode()), MB)
    assert "不是 PDF" in _reason(info)


def test_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    good = _make_pdf(tmp_path / "good.pdf", [["法治政府建设情况报告，依法行政。"]]).read_bytes()
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "cut.pdf", good[:200]), MB)
    assert "PDF" in _reason(info)


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    src = _make_pdf(tmp_path / "plain.pdf", [["法治政府建设情况报告，依法行政。"]])
    writer = PdfWriter()
    for page in PdfReader(str(src)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    with pytest.raises(ReaderError) as info:
        read_file(path, MB)
    assert "加密" in _reason(info)


# ----------------------------------------------------------------------------- bad inputs


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(tmp_path / "nope.txt", MB)
    assert "不存在" in _reason(info) and "nope.txt" in str(info.value)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "empty.txt", b""), MB)
    assert "文件为空" in _reason(info) and "empty" in _reason(info)


def test_whitespace_only_file(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "blank.txt", "  \n\u3000\n".encode()), MB)
    assert "没有文字" in _reason(info)


def test_png_renamed_txt_is_binary(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "image.txt", data), MB)
    assert "PNG" in _reason(info) and "binary" in _reason(info)


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "blob.md", b"abc\x00\x01\x02def" * 100), MB)
    assert "binary" in _reason(info)


def test_control_characters_are_binary(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "ctl.txt", bytes([1, 2, 3, 4, 5, 6, 7, 65, 66]) * 200), MB)
    assert "binary" in _reason(info)


def test_file_over_the_limit_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "big.txt", "法治".encode() * 400_000)  # 2.4 MB

    def boom(self: Path) -> bytes:
        raise AssertionError("read_bytes must not be called for a file over the limit")

    monkeypatch.setattr(Path, "read_bytes", boom)
    with pytest.raises(ReaderError) as info:
        read_file(path, 1 * MB)
    reason = _reason(info)
    assert "ingest.max_file_mb" in reason and "1 MB" in reason and "2.3 MB" in reason


def test_unsupported_suffix(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(_write(tmp_path / "report.doc", b"whatever"), MB)
    assert ".doc" in _reason(info) and ".docx" in _reason(info)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_file(tmp_path, MB)
    assert "文件夹" in _reason(info)


# ----------------------------------------------------------------------------- expand_inputs


def test_expand_inputs_folder_with_a_broken_file_among_good_ones(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    good_b = _write(root / "b.txt", REPORT.encode())
    good_a = _write(root / "sub" / "a.md", REPORT.encode("gbk"))
    broken = _write(root / "c.pdf", b"not a pdf at all")
    _write(root / "notes.xlsx", b"PK\x03\x04")
    _write(root / ".DS_Store", b"\0\0")
    _write(root / ".hidden" / "x.txt", b"secret")
    _write(root / "~$temp.docx", b"lock")
    missing = tmp_path / "missing.txt"

    files, problems = expand_inputs([root, missing, good_b])
    assert files == sorted([good_b, good_a, broken])  # sorted, recursive, hidden skipped, no duplicates
    problem_paths = [p for p, _ in problems]
    assert str(root / "notes.xlsx") in problem_paths
    assert str(missing) in problem_paths
    assert all(".hidden" not in p and ".DS_Store" not in p and "~$" not in p for p in problem_paths)

    read, failed = [], []
    for f in files:
        try:
            read.append(read_file(f, MB))
        except ReaderError as exc:
            failed.append(exc.path)
    assert [d.name for d in read] == ["b.txt", "a.md"]
    assert read[1].text == REPORT
    assert failed == [str(broken)]


def test_expand_inputs_unsupported_file_given_directly(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.png", b"\x89PNG")
    files, problems = expand_inputs([path])
    assert files == [] and problems and problems[0][0] == str(path)
    assert all(s.startswith(".") for s in SUPPORTED_SUFFIXES)


def test_docx_automatic_numbering_is_rendered(tmp_path: Path) -> None:
    """Word list numbers live in numbering.xml, not in the paragraph text; headings need them."""
    import docx
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = docx.Document()
    numbering = document.part.numbering_part.element
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")]
    lvl_xml = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.find(f"{{{w}}}num").addprevious(
        etree.fromstring(f'<w:abstractNum xmlns:w="{w}" w:abstractNumId="90">{lvl_xml}</w:abstractNum>')
    )
    numbering.append(etree.fromstring(f'<w:num xmlns:w="{w}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int) -> None:
        p = document.add_paragraph(text)
        p._p.get_or_add_pPr().append(
            etree.fromstring(f'<w:numPr xmlns:w="{w}"><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )

    numbered("工作情况", 0)
    numbered("加强组织领导。", 1)
    numbered("开展学法活动。", 2)
    numbered("完善法律顾问制度。", 2)
    numbered("完善制度建设。", 1)
    for i in range(10):
        numbered(f"第{i + 2}部分标题", 0)
    document.add_paragraph("正文段落。")
    document.add_paragraph("样式编号", style="List Number")
    path = tmp_path / "numbered.docx"
    document.save(str(path))

    lines = read_file(path, MB).text.split("\n")
    assert lines[:5] == [
        "一、工作情况",
        "（一）加强组织领导。",
        "1.开展学法活动。",
        "2.完善法律顾问制度。",
        "（二）完善制度建设。",
    ]
    assert lines[5] == "二、第2部分标题" and lines[14] == "十一、第11部分标题"
    assert lines[15] == "正文段落。"
    assert lines[16] == "1.样式编号"  # numbering inherited from the paragraph style


# ----------------------------------------------------------------------------- reader + cleaner


def test_pdf_hard_wrapped_lines_and_page_numbers_clean_to_paragraphs(tmp_path: Path) -> None:
    from rag.ingest.clean import clean_text

    para1 = (
        "2020年，在区委、区政府的坚强领导下，区政府办公室坚持以习近平新时代中国特色社会主义思想为指导，"
        "深学笃用习近平法治思想，紧紧围绕建设法治政府目标，全面完成各项工作任务。"
    )
    para2 = (
        "我办始终把法治政府建设摆在重要位置严格履行主要负责人推进法治建设第一责任人职责"
        "全面落实办公室承担的法治政府建设各项任务具体做好以下五个方面工作。"
    )
    wrap = 26
    page1 = ["关于2020年度法治政府建设情况的报告", "潼南府办〔2021〕10号"]
    page1 += [para1[i : i + wrap] for i in range(0, len(para1), wrap)] + ["- 1 -"]
    page2 = ["一、工作开展情况"] + [para2[i : i + wrap] for i in range(0, len(para2), wrap)] + ["2"]
    doc = read_file(_make_pdf(tmp_path / "wrapped.pdf", [page1, page2]), MB)
    clean = clean_text(doc)
    assert clean.text.split("\n") == [
        "关于2020年度法治政府建设情况的报告",
        "潼南府办〔2021〕10号",
        para1,
        "一、工作开展情况",
        para2,
    ]
    assert {r.reason for r in clean.removals} == {"page_number"}
    assert all(doc.text[o] == ch for ch, o in zip(clean.text, clean.offsets, strict=True))


def test_html_page_cleans_to_the_report_body(tmp_path: Path) -> None:
    from rag.ingest.clean import clean_text

    doc = read_file(_write(tmp_path / "page.html", GOV_PAGE.format(charset="utf-8").encode()), MB)
    lines = clean_text(doc).text.split("\n")
    assert lines[0] == "关于2020年度法治政府建设情况的报告"
    for sentence in BODY_SENTENCES:
        assert sentence in lines
    for chrome in ("发布时间", "浏览次数", "分享到", "相关新闻", "扫一扫"):
        assert not any(chrome in line for line in lines), chrome


def test_web_page_saved_as_txt_is_read_as_html(tmp_path: Path) -> None:
    doc = read_file(_write(tmp_path / "saved.txt", GOV_PAGE.format(charset="utf-8").encode()), MB)
    assert doc.format == "html" and doc.metadata["saved_as"] == ".txt"
    assert BODY_SENTENCES[0] in doc.text and "<p>" not in doc.text and "网站首页" not in doc.text


def test_docx_report_inside_a_one_cell_table_and_a_content_control(tmp_path: Path) -> None:
    import docx
    from lxml import etree

    document = docx.Document()
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "关于2021年度法治政府建设情况的报告"
    cell.add_paragraph("一、工作情况")
    cell.add_paragraph("我办坚持依法行政，成效明显。")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    sdt = etree.fromstring(
        f'<w:sdt xmlns:w="{w}"><w:sdtContent><w:p><w:r><w:t>二、存在问题</w:t></w:r></w:p></w:sdtContent></w:sdt>'
    )
    document.element.body.insert(len(document.element.body) - 1, sdt)  # before the section properties
    path = tmp_path / "cell.docx"
    document.save(str(path))
    assert read_file(path, MB).text.split("\n") == [
        "关于2021年度法治政府建设情况的报告",
        "一、工作情况",
        "我办坚持依法行政，成效明显。",
        "二、存在问题",
    ]


# ----------------------------------------------------------------------------- heading hints (issue 11)


def test_docx_heading_styles_are_marked_without_changing_the_text(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("关于2021年度法治政府建设情况的报告", style="Title")
    document.add_paragraph("主要举措和成效", style="Heading 1")
    document.add_paragraph("全年办理行政复议案件120件，完成规范性文件审查35件。")
    document.add_paragraph("存在的不足", style="Heading 1")
    document.add_paragraph("执法队伍建设有待加强。")
    document.save(str(tmp_path / "h.docx"))
    doc = read_file(tmp_path / "h.docx", MB)
    assert doc.metadata["heading_lines"].split("\n") == ["主要举措和成效", "存在的不足"]
    assert doc.text.split("\n")[1] == "主要举措和成效"  # the text itself is unchanged


def test_html_headings_and_all_bold_blocks_are_marked(tmp_path: Path) -> None:
    body = "全年办理行政复议案件120件，完成规范性文件审查35件，依法全面履行政府职能，推进严格规范公正文明执法。"
    page = ("<html><head><meta charset='utf-8'><title>某县2021年法治政府建设情况报告</title></head><body><article>"
            "<h1>某县2021年法治政府建设情况报告</h1>"
            f"<h2>主要举措和成效</h2><p>{body}</p><p><strong>存在的不足</strong></p><p>执法队伍建设<b>有待</b>加强。{body}</p>"
            "</article></body></html>")
    path = _write(tmp_path / "h.html", page.encode("utf-8"))
    doc = read_file(path, MB)
    marked = doc.metadata["heading_lines"].split("\n")
    assert "主要举措和成效" in marked and "存在的不足" in marked
    assert not any("执法队伍" in line for line in marked)  # partly bold is not a heading
