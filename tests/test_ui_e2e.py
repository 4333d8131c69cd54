"""The real app over a real ReportQA (hash embedder), driven in headless Chromium.

Screenshots go to the test's tmp_path (printed; run with -s), or to $UI_SCREENSHOT_DIR/<test name>
when that is set (pytest prunes old tmp_path folders).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
TONGNAN = SAMPLES / "002_0158dad679362a71.txt"
GUANGZHOU = SAMPLES / "003_340d6b83137f3ef6.txt"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LONG = 90_000  # ms: ingestion and first answers on a 2-core machine
SHORT = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service(tmp_path: Path) -> Any:
    from rag.core.config import load_settings
    from rag.service import ReportQA

    settings = load_settings(environ={}, overrides={"index_dir": str(tmp_path / "index"), "data_dir": str(tmp_path / "data"),
                                                    "embedder": {"backend": "hash"}, "generator": {"backend": "none"},
                                                    "ui": {"max_upload_mb": 2}})
    return ReportQA.from_settings(settings)


@pytest.fixture
def app_url(service: Any) -> Iterator[str]:
    from ui.app import launch

    port = _free_port()
    demo = launch(service, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
        service.close()


@pytest.fixture
def shots(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    base = os.environ.get("UI_SCREENSHOT_DIR")
    folder = Path(base) / request.node.name if base else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A page in its own browser context (= its own Gradio session), plus what it requested."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(SHORT)
        self.external: list[str] = []
        self.page.on("request", self._record)
        self.page.goto(url)
        self.page.locator("#rq-question textarea").wait_for()

    def _record(self, request: Any) -> None:
        if not re.match(r"^(https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:)", request.url):
            self.external.append(request.url)

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()

    def upload(self, *files: Path) -> None:
        self.tab("文库")
        self.page.locator("#rq-upload input[type=file]").set_input_files([str(f) for f in files])
        for f in files:  # the upload must finish before the button sends the file list
            self.wait_uploaded(f)
        self.page.locator("#rq-ingest").click()
        log = self.page.locator("#rq-ingest-log")
        for f in files:
            log.get_by_text(re.compile(re.escape(f.name) + "：(已导入|已更新|未改动|失败)")).first.wait_for(timeout=LONG)

    def wait_uploaded(self, f: Path) -> None:
        # The file list shows the name's stem and suffix in separate cells.
        self.page.wait_for_function(
            "([stem, suffix]) => { const t = document.querySelector('#rq-upload').innerText;"
            " return t.includes(stem) && t.includes(suffix); }", arg=[f.stem, f.suffix], timeout=LONG)

    def ask(self, question: str, answers_before: int) -> Any:
        self.tab("问答")
        self.page.locator("#rq-question textarea").fill(question)
        self.page.locator("#rq-send").click()
        return self.wait_answers(answers_before + 1)

    def wait_answers(self, count: int) -> Any:
        self.page.wait_for_function(f"document.querySelectorAll('#rq-chat .rq-badge, #rq-chat .rq-error').length >= {count}",
                                    timeout=LONG)
        return self.page.locator("#rq-chat .message-row").last

    def pick(self, dropdown: str, text: str) -> None:
        self.page.locator(f"{dropdown} input").click()
        self.page.get_by_role("option").filter(has_text=text).first.click()

    def shot(self, path: Path) -> None:
        self.page.screenshot(path=str(path), full_page=True)


def test_upload_ask_cite_summarize_compare(app_url: str, browser: Any, shots: Path) -> None:
    ui = Page(browser, app_url)
    page = ui.page
    ui.shot(shots / "00_start.png")

    ui.upload(TONGNAN)
    log = page.locator("#rq-ingest-log").inner_text()
    assert "已导入" in log, log
    page.locator("#rq-table").get_by_text("重庆市潼南区人民政府办公室").first.wait_for(state="attached")
    ui.pick("#rq-lib-pick", "潼南")
    page.locator("#rq-detail").get_by_text("章节结构").wait_for()
    assert "存在的问题" in page.locator("#rq-detail").inner_text()
    ui.shot(shots / "01_library.png")

    bubble = ui.ask("潼南区2020年依申请公开收到几件？", 0)
    text = bubble.inner_text()
    assert "5件" in text and "来源" in text, text
    assert re.search("摘录|模型生成", text)
    passage = page.locator("#rq-passage-box")
    passage.locator("mark.rq-hl").first.wait_for()  # the first citation opens by itself
    # Clicking the [1] mark in the answer shows that passage with the cited span highlighted.
    page.evaluate("document.querySelector('#rq-passage-box').scrollIntoView()")
    bubble.locator("a.rq-cite").first.click()
    passage.locator(".rq-passage-n", has_text="[1]").wait_for()
    assert "依申请公开5件" in passage.locator("mark.rq-hl").first.inner_text()
    assert "rq-quote" in passage.inner_html()
    ui.shot(shots / "02_answer_citation.png")

    follow = ui.ask("答复率是多少？", 1)  # names no report: keeps 潼南区
    assert "潼南" in page.locator("#rq-scope").inner_text()
    assert "沿用上一问" in follow.inner_text()

    ui.tab("摘要")
    ui.pick("#rq-sum-pick", "潼南")
    page.locator("#rq-sum-btn").click()
    page.locator("#rq-summary").get_by_text("一页摘要").first.wait_for(timeout=LONG)
    page.locator("#rq-sum-docx").get_by_text(".docx").first.wait_for()
    page.locator("#rq-sum-md").get_by_text(".md").first.wait_for()
    ui.shot(shots / "03_summary.png")

    ui.upload(GUANGZHOU)
    ui.tab("对比")
    ui.pick("#rq-cmp-a", "潼南")
    ui.pick("#rq-cmp-b", "广州")
    page.locator("#rq-cmp-btn").click()
    page.locator("#rq-compare").get_by_text("问题部分对比").first.wait_for(timeout=LONG)
    assert page.locator("#rq-compare table").count() >= 1
    ui.shot(shots / "04_compare.png")

    ui.tab("设置/状态")
    page.locator("#rq-status").get_by_text("报告数").wait_for()
    assert "hash" in page.locator("#rq-status").inner_text()
    ui.shot(shots / "05_status.png")
    assert ui.external == [], f"the page reached outside this machine: {ui.external}"
    print(f"\nscreenshots: {shots}")


def test_bad_inputs_show_messages(app_url: str, browser: Any, tmp_path: Path, shots: Path) -> None:
    ui = Page(browser, app_url)
    page = ui.page
    # No index yet: asking explains what to do instead of failing.
    bubble = ui.ask("潼南区2020年依申请公开收到几件？", 0)
    assert "文库" in bubble.inner_text()
    # Empty question: a warning, nothing sent.
    page.locator("#rq-send").click()
    page.get_by_text("请输入问题").first.wait_for()
    # A file of an unsupported type put into the picker anyway.
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ\x00\x00")
    evil = tmp_path / "evil.zip"
    import zipfile

    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escape.txt", TONGNAN.read_text(encoding="utf-8"))
        zf.writestr("reports/002.txt", TONGNAN.read_text(encoding="utf-8"))
    ui.tab("文库")
    page.locator("#rq-upload input[type=file]").set_input_files([str(bad), str(evil)])
    # Gradio refuses the .exe by name at upload; the zip goes through and is unpacked safely.
    page.locator(".toast-body, [data-testid='toast-body']").get_by_text(re.compile(r"notes\.exe")).first.wait_for()
    ui.wait_uploaded(evil)
    page.locator("#rq-ingest").click()
    page.locator("#rq-ingest-log").get_by_text("路径不安全").first.wait_for(timeout=LONG)
    log = page.locator("#rq-ingest-log").inner_text()
    assert "002.txt：已导入" in log, log
    assert "notes.exe" not in log
    ui.shot(shots / "bad_inputs.png")
    # Over the upload limit (2 MB here): refused by the upload itself, with a message.
    big = tmp_path / "big.txt"
    big.write_bytes("法治".encode() * (1024 * 1024))  # 6 MB
    page.locator("#rq-upload input[type=file]").set_input_files([str(big)])
    page.get_by_text(re.compile(r"exceed.*big\.txt|最大.*big\.txt", re.S)).first.wait_for(timeout=SHORT)
    ui.shot(shots / "oversized.png")
    assert not (tmp_path.parent / "escape.txt").exists()
    # A whole folder: reports are imported, other files are skipped quietly.
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "004.txt").write_bytes((SAMPLES / "004_0c07f546518aa335.txt").read_bytes())
    (folder / "Thumbs.db").write_bytes(b"\x00junk")
    page.get_by_text("或上传整个文件夹").click()
    page.locator("#rq-folder input[type=file]").set_input_files(str(folder))
    page.wait_for_function("document.querySelector('#rq-folder').innerText.includes('004')", timeout=LONG)
    page.locator("#rq-ingest").click()
    page.locator("#rq-ingest-log").get_by_text(re.compile("004.txt：(已导入|失败)")).first.wait_for(timeout=LONG)
    assert "Thumbs" not in page.locator("#rq-ingest-log").inner_text()


def test_two_sessions_get_their_own_answers(app_url: str, browser: Any, service: Any, shots: Path) -> None:
    service.ingest([TONGNAN, GUANGZHOU])
    a, b = Page(browser, app_url), Page(browser, app_url)
    questions = {a: "潼南区2020年依申请公开收到几件？", b: "广州市政府办公厅2020年报告存在哪些不足？"}
    for ui, q in questions.items():  # both in flight before either is awaited
        ui.page.locator("#rq-question textarea").fill(q)
        ui.page.locator("#rq-send").click()
    for ui in (a, b):
        ui.wait_answers(1)
    chat_a, chat_b = (ui.page.locator("#rq-chat").inner_text() for ui in (a, b))
    assert questions[a] in chat_a and questions[b] not in chat_a
    assert questions[b] in chat_b and questions[a] not in chat_b
    assert "5件" in chat_a
    assert "广州" in b.page.locator("#rq-passage-box").inner_text()
    assert "潼南" in a.page.locator("#rq-passage-box").inner_text()
    a.shot(shots / "session_a.png")
    b.shot(shots / "session_b.png")
    # "新对话" starts afresh; then an example question asks at once, in that session only.
    a.page.locator("#rq-new-chat").click()
    a.page.wait_for_function("document.querySelectorAll('#rq-chat .rq-badge').length === 0")
    assert "全部报告" in a.page.locator("#rq-scope").inner_text()
    a.page.locator("#rq-chat").get_by_text("下一年度有哪些工作安排？").first.click()
    a.wait_answers(1)
    assert "下一年度有哪些工作安排？" in a.page.locator("#rq-chat").inner_text()
    assert "下一年度有哪些工作安排？" not in b.page.locator("#rq-chat").inner_text()


def test_library_overview_filter_export_and_cells(app_url: str, browser: Any, service: Any, shots: Path) -> None:
    service.ingest([SAMPLES])
    ui = Page(browser, app_url)
    page = ui.page
    ui.tab("总览")
    page.locator("#rq-ov-btn").click()
    rows = page.locator("#rq-ov-table tbody tr")
    page.wait_for_function("document.querySelectorAll('#rq-ov-table tbody tr').length === 5", timeout=LONG)
    assert "5 / 5 份报告" in page.locator("#rq-ov-notes").inner_text()
    assert page.locator("#rq-heatmap td.rq-heat-cell").count() >= 5  # every sample lists problems
    assert page.locator("#rq-theme-chart rect.rq-bar").count() >= 3  # the chart is drawn in the page
    ui.shot(shots / "10_overview.png")

    # A theme cell opens the problem item it counts.
    theme_link = page.locator("#rq-heatmap a.rq-ov-cite").first
    theme_link.click()
    passage = page.locator("#rq-ov-passage")
    passage.locator("mark.rq-hl").first.wait_for()
    assert passage.locator(".rq-passage-path").inner_text().strip()
    # A part cell opens the heading of that part.
    rows.first.locator("td.rq-ov-present a.rq-ov-cite").first.click()
    page.wait_for_function("document.querySelector('#rq-ov-passage mark.rq-hl') !== null")
    ui.shot(shots / "11_cell_passage.png")

    ui.pick("#rq-ov-level", "市级")
    page.locator("#rq-ov-btn").click()
    page.wait_for_function("document.querySelectorAll('#rq-ov-table tbody tr').length < 5", timeout=LONG)
    shown = rows.count()
    assert shown >= 1 and all("市级" in rows.nth(i).inner_text() for i in range(shown))
    assert "层级=市级" in page.locator("#rq-ov-notes").inner_text()

    page.locator("#rq-ov-csv").click()
    page.locator("#rq-ov-file").get_by_text(".csv").first.wait_for()
    page.locator("#rq-ov-xlsx").click()
    page.locator("#rq-ov-file").get_by_text(".xlsx").first.wait_for()
    ui.shot(shots / "12_filtered_export.png")

    page.locator("#rq-ind-name input").fill("依申请公开数量")
    page.locator("#rq-ind-btn").click()
    page.locator("#rq-indicator tbody tr").first.wait_for(timeout=LONG)
    assert page.locator("#rq-indicator tbody tr").count() == shown
    assert ui.external == [], f"the page reached outside this machine: {ui.external}"
    print(f"\nscreenshots: {shots}")
