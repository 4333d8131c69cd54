"""ui/app.py + ui/handlers.py + ui/uploads.py over a fake service (fast) and the real one (slow)."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from ui_fakes import SAMPLE, FakeService

from rag.core.errors import ConfigError, IndexNotFoundError, ReportQAError, UnknownReportError
from ui import chat, handlers, uploads
from ui.chat import ChatSession

ROOT = Path(__file__).resolve().parent.parent


class Warnings(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


def _ask(service: FakeService, question: str, session: ChatSession, selected: list[str] | None = None,
         warn: Warnings | None = None) -> list[chat.ChatUpdate]:
    return list(chat.chat(service, question, selected, session, Warnings() if warn is None else warn))


# ---------------------------------------------------------------- the page
def test_build_app_constructs_every_tab_and_control() -> None:
    from ui.app import build_app

    demo = build_app(FakeService())
    ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    for elem in ("rq-chat", "rq-question", "rq-send", "rq-cite-list", "rq-passage-box", "rq-filter", "rq-sum-pick",
                 "rq-cmp-a", "rq-cmp-b", "rq-upload", "rq-ingest", "rq-table", "rq-lib-pick", "rq-status"):
        assert elem in ids, elem
    labels = {getattr(b, "label", None) for b in demo.blocks.values()}
    assert {"问答", "摘要", "对比", "文库", "设置/状态"} <= labels


def test_ui_render_handlers_and_rag_never_import_gradio() -> None:
    code = ("import sys, ui.render, ui.handlers, ui.chat, ui.uploads, rag.service, rag.cli; "
            "assert 'gradio' not in sys.modules, 'gradio imported'")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_launch_refuses_open_address_without_credentials() -> None:
    from ui.app import check_bind, launch

    with pytest.raises(ConfigError, match="用户名和密码"):
        launch(FakeService(), host="0.0.0.0", port=1)  # refused before anything is served
    with pytest.raises(ConfigError):
        check_bind("192.168.1.5", "admin", "")
    assert check_bind("0.0.0.0", "admin", "s3cret") == ("admin", "s3cret")
    assert check_bind("127.0.0.1", "", "") is None
    assert check_bind("localhost", "u", "p") == ("u", "p")


def test_launch_with_credentials_requires_login() -> None:
    import socket

    import httpx

    from ui.app import launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = launch(FakeService(), port=port, username="u", password="p", block=False, quiet=True)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=30) as client:
            assert client.get(f"{base}/config").status_code == 401
            assert client.post(f"{base}/login", data={"username": "u", "password": "wrong"}).status_code >= 400
            assert client.post(f"{base}/login", data={"username": "u", "password": "p"}).status_code == 200
            assert client.get(f"{base}/config").status_code == 200
    finally:
        demo.close()


# ---------------------------------------------------------------- chat
def test_chat_streams_then_shows_answer_with_citation_and_passage() -> None:
    service, session = FakeService(), ChatSession()
    updates = _ask(service, "潼南区2020年依申请公开收到几件？", session)
    assert len(updates) > 3  # placeholder, streamed pieces, final
    partial = updates[1].history[-1]["content"]
    assert "草稿·核验中" in partial and "▍" in partial  # a streamed draft, labelled as not yet checked
    final = updates[-1]
    assert final.done
    assert "草稿·核验中" not in final.history[1]["content"]  # the checked answer replaces the draft
    assert "rq-cite-1-1" in final.history[1]["content"] and "摘录" in final.history[1]["content"]
    assert final.citation_value == "1:1"
    assert [v for _, v in final.citation_choices or []] == ["1:1", "1:2"]
    assert "rq-quote" in (final.passage or "")
    assert session.citations[1][0].n == 1


def test_follow_up_without_a_report_name_keeps_the_previous_report() -> None:
    service, session = FakeService(), ChatSession()
    _ask(service, "潼南区2020年依申请公开收到几件？", session)
    assert service.calls[-1] == ("ask", ("潼南区2020年依申请公开收到几件？", None))  # service routes it
    assert session.scope == ["002"]
    final = _ask(service, "答复率是多少？", session)[-1]
    assert service.calls[-1] == ("ask", ("答复率是多少？", ["002"]))
    assert "沿用上一问" in final.history[-1]["content"]
    _ask(service, "广州市存在哪些不足？", session)  # names another report: scope moves
    assert session.scope == ["003"]
    assert service.calls[-1][1][1] is None


def test_chosen_reports_win_and_new_session_starts_unscoped() -> None:
    service, session = FakeService(), ChatSession()
    _ask(service, "潼南区收到几件？", session, selected=["003"])
    assert service.calls[-1][1][1] == ["003"]
    _ask(service, "有哪些安排？", ChatSession())
    assert service.calls[-1][1][1] is None


def test_empty_question_warns_and_asks_nothing() -> None:
    service, warn = FakeService(), Warnings()
    assert _ask(service, "   ", ChatSession(), warn=warn) == []
    assert warn == ["请输入问题。"]
    assert service.calls == []


def test_no_index_yet_gives_a_chinese_hint_not_a_traceback() -> None:
    service, warn, session = FakeService(index_exists=False), Warnings(), ChatSession()
    final = _ask(service, "依申请公开几件？", session, warn=warn)[-1]
    assert "请先在“文库”页上传" in final.history[-1]["content"]
    assert "Traceback" not in final.history[-1]["content"]
    assert warn and "文库" in warn[0]


def test_unknown_report_in_scope_is_reported_and_scope_cleared() -> None:
    service, warn = FakeService(), Warnings()
    session = ChatSession()
    _ask(service, "收到几件？", session, selected=["gone"], warn=warn)
    assert "没有这份报告" in warn[0]
    assert session.scope == []


def test_unexpected_error_is_logged_and_shown_briefly(caplog: pytest.LogCaptureFixture) -> None:
    service, warn = FakeService(), Warnings()
    service.fail_with = ZeroDivisionError("boom")
    final = _ask(service, "潼南区几件？", ChatSession(), warn=warn)[-1]
    assert "内部错误（ZeroDivisionError）" in final.history[-1]["content"]
    assert "boom" not in final.history[-1]["content"]
    assert "unexpected error" in caplog.text


def test_refused_answer_clears_citation_panel() -> None:
    final = _ask(FakeService(), "火星上有几件？", ChatSession())[-1]
    assert final.citation_choices == [] and "没有引用" in (final.passage or "")
    assert "未找到可靠依据" in final.history[-1]["content"]


def test_citation_picker_values_and_message_selection() -> None:
    service, session = FakeService(), ChatSession()
    _ask(service, "潼南区几件？", session)
    _ask(service, "答复率？", session)
    assert "[2]" in chat.citation_passage(service, session, "1:2")
    assert "无效的引用编号" in chat.citation_passage(service, session, "x")
    assert "找不到引用 [9]" in chat.citation_passage(service, session, "1:9")
    assert chat.citation_passage(service, session, None) == ""
    choices, value = chat.select_message(session, 1)
    assert value == "1:1" and session.shown == 1 and len(choices) == 2
    assert chat.select_message(session, 0)[1] is None  # a question bubble has no citations


# ---------------------------------------------------------------- summary, comparison, library, status
def test_summary_writes_markdown_and_word(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rag.summary.render as sr

    monkeypatch.setattr(sr, "summary_to_markdown", lambda s: f"# {s.title}\n")
    monkeypatch.setattr(sr, "summary_to_docx", lambda s, p: Path(p).write_bytes(b"PK"))
    markdown, md, docx = handlers.summarize(FakeService(), "002", tmp_path)
    assert markdown.startswith("# 重庆市潼南区")
    assert Path(md).read_text(encoding="utf-8") == markdown and Path(docx).is_file()  # type: ignore[arg-type]


def test_summary_and_compare_errors_become_messages(tmp_path: Path) -> None:
    service, warn = FakeService(), Warnings()
    assert handlers.summarize(service, None, tmp_path, warn)[1:] == (None, None)
    out, md, docx = handlers.summarize(service, "nope", tmp_path, warn)
    assert "没有这份报告" in out and md is None and docx is None
    assert "两份不同" in handlers.compare(service, "002", "002", tmp_path, warn)[0]
    assert "请选择两份报告" in handlers.compare(service, "002", None, tmp_path, warn)[0]
    assert "没有这份报告" in handlers.compare(service, "002", "zzz", tmp_path, warn)[0]
    assert len(warn) == 5


def _fake_renderers(monkeypatch: pytest.MonkeyPatch) -> None:
    """FakeService returns bare namespaces; the real renderers need real Summary/Comparison objects."""
    import rag.compare.render as cr
    import rag.summary.render as sr

    monkeypatch.setattr(sr, "summary_to_markdown", lambda s: f"# {s.title}\n")
    monkeypatch.setattr(sr, "summary_to_docx", lambda s, p: Path(p).write_bytes(b"PK"))
    monkeypatch.setattr(cr, "comparison_to_html", lambda c: f"<p>{c.a} / {c.b}</p>")
    monkeypatch.setattr(cr, "comparison_to_markdown", lambda c: f"# {c.a} / {c.b}\n")


def test_downloads_share_one_process_folder_and_old_ones_are_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import tempfile
    import time

    _fake_renderers(monkeypatch)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(handlers, "_download_root", None)
    service = FakeService()
    _, md1, docx1 = handlers.summarize(service, "002")
    _, md2, _ = handlers.summarize(service, "002")
    _, cmp_md = handlers.compare(service, "002", "003")
    root = handlers.download_root()
    assert root.parent == tmp_path and [p.name for p in tmp_path.iterdir()] == [root.name]  # one folder per process
    files = [Path(f) for f in (md1, docx1, md2, cmp_md)]  # type: ignore[arg-type]
    assert all(f.is_file() and f.parent.parent == root for f in files)
    assert files[0].name == files[2].name and files[0] != files[2]  # same readable name, never overwritten
    stale = files[0].parent
    hour_ago = time.time() - handlers.DOWNLOAD_MAX_AGE_S - 60
    os.utime(stale, (hour_ago, hour_ago))
    (root / "stray.md").write_text("x", encoding="utf-8")
    os.utime(root / "stray.md", (hour_ago, hour_ago))
    _, md3, _ = handlers.summarize(service, "003")
    assert not stale.exists() and not (root / "stray.md").exists()  # older than an hour: removed on the next write
    assert all(f.is_file() for f in files[2:]) and Path(md3).is_file()  # type: ignore[arg-type]


def test_download_that_cannot_be_saved_keeps_the_result_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_renderers(monkeypatch)
    service, warn = FakeService(), Warnings()
    gone = tmp_path / "no-such-folder"
    markdown, md, docx = handlers.summarize(service, "002", gone, warn)
    assert markdown.startswith("# 重庆市潼南区") and md is None and docx is None
    html, cmp_md = handlers.compare(service, "002", "003", gone, warn)
    assert html.startswith("<p>") and "rq-error" not in html and cmp_md is None
    assert len(warn) == 2 and all("下载文件保存失败" in w and "could not save" in w for w in warn)
    assert not any("内部错误" in w or "Error" in w for w in warn)


def test_library_detail_remove_status() -> None:
    service, warn = FakeService(), Warnings()
    assert len(handlers.library_rows(service)) == 2
    assert "章节结构" in handlers.report_detail(service, "002")
    assert "没有这份报告" in handlers.report_detail(service, "zzz", warn)
    assert "已删除" in handlers.remove(service, "003")
    assert "没有这份报告" in handlers.remove(service, "003", warn)
    assert [c[1] for c in handlers.report_choices(service)] == ["002"]
    assert "已重新索引 1 份" in handlers.reindex(service)
    assert "| 报告数 | 1 |" in handlers.status(service)
    assert "无法使用" in handlers.check_server(service)
    assert handlers.library_rows(FakeService(index_exists=False)) == []


# ---------------------------------------------------------------- uploads
def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_ingest_accepts_reports_and_refuses_bad_uploads(tmp_path: Path) -> None:
    service, warn, steps = FakeService(), Warnings(), []
    good = tmp_path / "潼南.txt"
    good.write_bytes(SAMPLE.read_bytes())
    exe = tmp_path / "virus.exe"
    exe.write_bytes(b"MZ")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (2 * 1024 * 1024))  # the fake's limit is 1 MB
    evil = _zip(tmp_path / "evil.zip", {"../../escape.txt": b"x", "/abs.txt": b"y", "ok/报告.md": b"# ok", "a.exe": b"z"})
    log = handlers.ingest(service, [str(good), str(exe), str(big), str(evil), str(tmp_path / "missing.txt")], 1,
                          lambda stage, frac: steps.append((stage, frac)), warn)
    assert "潼南.txt</strong>" in log or "**潼南.txt**" in log
    assert "virus.exe：不支持的文件类型" in log
    assert "big.txt：文件过大" in log
    assert "../../escape.txt：路径不安全" in log and "/abs.txt：路径不安全" in log
    assert "a.exe：不支持的文件类型" in log
    assert "missing.txt：文件不存在" in log
    ingested = service.calls[-1][1]
    assert [Path(p).name for p in ingested] == ["潼南.txt", "报告.md"]  # type: ignore[union-attr]
    assert all(Path(p).is_relative_to(handlers.uploads_dir(service)) for p in ingested)  # type: ignore[union-attr]
    assert not (tmp_path.parent / "escape.txt").exists()
    assert steps and steps[0][1] == 0.0


def test_same_upload_twice_is_staged_at_the_same_path(tmp_path: Path) -> None:
    a = tmp_path / "a" / "r.txt"
    b = tmp_path / "b" / "r.txt"
    for p in (a, b):
        p.parent.mkdir()
        p.write_text("同一内容", encoding="utf-8")
    root = tmp_path / "stage"
    assert uploads.stage_files([a], root) == uploads.stage_files([b], root)


def test_zip_limits_bombs_and_not_a_zip(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"  # 3 MB of zeros compresses to a few KB: passes the upload check
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.txt", b"0" * (3 * 1024 * 1024))
        zf.writestr("small.txt", b"ok")
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"not a zip")
    prepared = uploads.prepare_uploads([bomb, fake], max_upload_mb=1)
    assert [p.name for p in prepared.files] == ["small.txt"]
    assert any("huge.txt：文件过大" in p for p in prepared.problems)
    assert any("fake.zip：不是有效的 .zip" in p for p in prepared.problems)
    prepared.cleanup()
    assert not any(d.exists() for d in prepared.temp_dirs)


def test_zip_member_lying_about_its_size_is_stopped(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("liar.txt", b"1" * 50_000)
    _folder, files, problems = uploads.extract_zip(_write(tmp_path / "l.zip", buf.getvalue()), 10_000, 10**9)
    assert files == [] and "liar.txt：文件过大" in problems[0]
    _folder2, files2, problems2 = uploads.extract_zip(_write(tmp_path / "l2.zip", buf.getvalue()), 10**6, 20_000)
    assert files2 == [] and "超过限制" in problems2[0]


def test_gbk_member_names_from_windows_zips_are_decoded(tmp_path: Path) -> None:
    gbk = "潼南区报告.txt".encode("gbk")
    placeholder = b"A" * (len(gbk) - 4) + b".txt"  # ASCII, so zipfile leaves the UTF-8 flag off
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(placeholder.decode(), "内容")
    _write(tmp_path / "w.zip", buf.getvalue().replace(placeholder, gbk))
    _, files, problems = uploads.extract_zip(tmp_path / "w.zip", 10**6, 10**7)
    assert [f.name for f in files] == ["潼南区报告.txt"] and problems == []


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_ingest_with_nothing_selected_and_service_failure(tmp_path: Path) -> None:
    service, warn = FakeService(), Warnings()
    assert "请先选择" in handlers.ingest(service, [], 1, None, warn)
    good = _write(tmp_path / "r.txt", b"report")
    service.fail_with = ReportQAError("磁盘已满，请清理后重试。")
    log = handlers.ingest(service, [str(good)], 1, None, warn)
    assert "导入中断：磁盘已满" in log


def test_friendly_messages() -> None:
    assert "文库" in handlers.friendly(IndexNotFoundError("x"))
    assert handlers.friendly(UnknownReportError("没有 r")) == "没有 r"
    assert "KeyError" in handlers.friendly(KeyError("secret path"))
    assert "secret path" not in handlers.friendly(KeyError("secret path"))


# ---------------------------------------------------------------- the real service, no browser
@pytest.mark.slow
def test_handlers_over_the_real_service(tmp_path: Path) -> None:
    from rag.core.config import load_settings
    from rag.service import ReportQA

    service = ReportQA.from_settings(load_settings(overrides={"index_dir": str(tmp_path / "idx"),
                                                              "embedder": {"backend": "hash"}}))
    session, warn = ChatSession(), Warnings()
    assert handlers.report_choices(service) == []  # no index yet: empty pickers, no error
    assert "文库" in _ask(service, "潼南区2020年依申请公开收到几件？", session, warn=warn)[-1].history[-1]["content"]  # type: ignore[arg-type]
    samples = ROOT / "data" / "samples"
    log = handlers.ingest(service, [str(samples / "002_0158dad679362a71.txt"), str(samples / "003_340d6b83137f3ef6.txt")], 50)
    assert log.count("已导入") == 2, log
    again = handlers.ingest(service, [str(samples / "002_0158dad679362a71.txt")], 50)
    assert "未改动" in again, again  # staged at the same path: recognised as unchanged
    ids = [v for _, v in handlers.report_choices(service)]
    final = _ask(service, "潼南区2020年依申请公开收到几件？", ChatSession())[-1]  # type: ignore[arg-type]
    assert final.citation_value and "rq-hl" in (final.passage or "")
    markdown, md, docx = handlers.summarize(service, ids[0], tmp_path)
    assert "摘要" in markdown and Path(md).is_file() and Path(docx).stat().st_size > 0  # type: ignore[arg-type]
    html, cmp_md = handlers.compare(service, ids[0], ids[1], tmp_path)
    assert "问题部分对比" in html and Path(cmp_md).is_file()  # type: ignore[arg-type]
    assert "存在的问题" in handlers.report_detail(service, ids[0])
    assert "已重新索引 2 份" in handlers.reindex(service, lambda stage, fraction: None)
    staged = Path(service.resolve(ids[0]).source_path)
    assert staged.is_relative_to(handlers.uploads_dir(service)) and staged.is_file()
    assert "已删除" in handlers.remove(service, ids[0])
    assert not staged.exists()  # our copy of a removed upload goes too
    assert [v for _, v in handlers.report_choices(service)] == ids[1:]
