"""The Gradio web app over ``rag.service.ReportQA``: 问答 · 摘要 · 对比 · 总览 · 文库 · 设置/状态.

``build_app(service)`` wires components to the plain functions in ``ui.handlers``;
``launch(service, host, port, username, password)`` serves it. Per-user state lives in ``gr.State``;
long work runs in Gradio's queue. Nothing leaves the machine: analytics are off, fonts are system fonts.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: no telemetry, no version check

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.core.errors import ConfigError
from rag.library.indicator import COMMON_INDICATORS

if TYPE_CHECKING:  # the service imports every stage; loaded by whoever builds it
    from rag.service import ReportQA
from ui import chat, handlers
from ui import overview as ov_handlers
from ui.render import REPORT_COLUMNS, REPORT_DATATYPES
from ui.uploads import UPLOAD_SUFFIXES

logger = logging.getLogger(__name__)

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
EXAMPLE_QUESTIONS = [
    "潼南区2020年依申请公开收到几件？",
    "广州市政府办公厅2020年报告存在哪些不足？",
    "各地在行政复议方面有哪些做法？",
    "下一年度有哪些工作安排？",
]
SYSTEM_FONTS = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Source Han Sans SC", "system-ui", "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "ui-monospace", "Menlo", "Consolas", "monospace"]
CSS_PATH = Path(__file__).with_name("theme.css")

# Clicking a [n] mark in an answer asks the server for that passage through a hidden textbox.
CITE_CLICK_JS = r"""
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.rq-cite');
    if (!link) return;
    event.preventDefault();
    const match = /rq-cite-(\d+)-(\d+)/.exec(link.getAttribute('href') || '');
    const box = document.querySelector('#rq-cite-request textarea, #rq-cite-request input');
    if (!match || !box) return;
    event.stopPropagation();  // the bubble's own click would select its first citation instead
    box.value = `${match[1]}:${match[2]}:${Date.now()}`;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    const panel = document.querySelector('#rq-passage-box');
    if (panel) panel.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }, true);
  // A cell of the library overview or the indicator table: its passage opens beside the table.
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.rq-ov-cite');
    if (!link) return;
    event.preventDefault();
    const href = link.getAttribute('href') || '';
    const cell = /rq-ov-(\d+)-(\d+)/.exec(href);
    const ind = /rq-ind-(\d+)/.exec(href);
    const box = document.querySelector('#rq-ov-request textarea, #rq-ov-request input');
    if (!box || !(cell || ind)) return;
    event.stopPropagation();
    box.value = cell ? `ov:${cell[1]}:${cell[2]}:${Date.now()}` : `ind:${ind[1]}:${Date.now()}`;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    const panel = document.querySelector('#rq-ov-passage');
    if (panel) panel.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  }, true);
  // Whenever a passage is shown, scroll its highlighted span to the middle of the passage box.
  const centre = () => {
    for (const box of ['#rq-passage-box', '#rq-ov-passage']) {
      const body = document.querySelector(`${box} .rq-passage-body`);
      const mark = body && body.querySelector('mark.rq-hl');
      if (mark) body.scrollTop = Math.max(0, mark.offsetTop - body.offsetTop - body.clientHeight / 3);
    }
  };
  new MutationObserver(() => requestAnimationFrame(centre)).observe(document.body, { childList: true, subtree: true });
}
"""


def make_theme() -> Any:
    return gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS, primary_hue="blue")


def load_css() -> str:
    try:
        return CSS_PATH.read_text(encoding="utf-8")
    except OSError:
        logger.warning("UI stylesheet %s is missing; using the plain theme", CSS_PATH)
        return ""


def _progress_callback(progress: Any) -> handlers.Progress:
    def report(stage: str, fraction: float) -> None:
        progress(fraction, desc=stage)

    return report


def _pickers_update(choices: list[tuple[str, str]], *current: Any) -> list[Any]:
    """Refresh every report picker, dropping selections of reports that are gone."""
    valid = {value for _, value in choices}
    out = []
    for value in current:
        # Only touch the value when it must change: setting it fires .change and races the user's pick.
        if isinstance(value, list):
            kept = [v for v in value if v in valid]
            out.append(gr.update(choices=choices) if kept == value else gr.update(choices=choices, value=kept))
        elif value is None or value in valid:
            out.append(gr.update(choices=choices))
        else:
            out.append(gr.update(choices=choices, value=None))
    return out


def build_app(service: ReportQA) -> gr.Blocks:
    """The whole page over ``service`` (a ``ReportQA`` or anything with the same methods)."""
    max_mb = float(service.settings.ui.max_upload_mb)

    # delete_cache: uploaded files in Gradio's cache are removed after an hour (they are private reports).
    with gr.Blocks(title="法治政府建设报告助手", delete_cache=(3600, 3600)) as demo:
        session = gr.State(chat.ChatSession())
        gr.HTML(
            '<div class="rq-header"><h1>法治政府建设报告助手</h1>'
            "<p>在本机运行，不联网。回答均附原文出处；没有可靠依据时会直说。</p></div>"
        )
        with gr.Tabs():
            with gr.Tab("问答", id="qa") as qa_tab, gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    qa_filter = gr.Dropdown(label="限定报告（不选则检索全部）", multiselect=True, choices=[],
                                            elem_id="rq-filter")
                    scope_md = gr.Markdown("当前范围：**全部报告**", elem_id="rq-scope")
                    chatbot = gr.Chatbot(
                        label="问答", height=520, elem_id="rq-chat", feedback_options=None,
                        placeholder="**可以问：** 某地某年依申请公开收到几件？某报告存在哪些问题？下一年度有何安排？<br>"
                        "还没有报告？先到“文库”页上传文件、文件夹或 .zip。",
                        examples=[{"text": q} for q in EXAMPLE_QUESTIONS], buttons=["copy"],
                    )
                    with gr.Row():
                        question = gr.Textbox(label="问题", placeholder="输入问题，回车发送", scale=6,
                                              elem_id="rq-question", lines=1, max_lines=4)
                        with gr.Column(scale=1, min_width=100):
                            send = gr.Button("发送", variant="primary", elem_id="rq-send")
                            new_chat = gr.Button("新对话", size="sm", elem_id="rq-new-chat")
                with gr.Column(scale=2):
                    gr.Markdown("#### 引用原文")
                    cite_pick = gr.Radio(label="点击引用查看原文", choices=[], elem_id="rq-cite-list")
                    passage = gr.HTML(elem_id="rq-passage-box")
                    cite_request = gr.Textbox(visible="hidden", elem_id="rq-cite-request")
            with gr.Tab("摘要", id="summary") as summary_tab:
                with gr.Row():
                    sum_pick = gr.Dropdown(label="选择报告", choices=[], scale=4, elem_id="rq-sum-pick")
                    sum_btn = gr.Button("生成摘要", variant="primary", scale=1, elem_id="rq-sum-btn")
                with gr.Row():
                    sum_md_file = gr.File(label="下载 Markdown", interactive=False, elem_id="rq-sum-md")
                    sum_docx_file = gr.File(label="下载 Word", interactive=False, elem_id="rq-sum-docx")
                sum_view = gr.Markdown(elem_id="rq-summary")
            with gr.Tab("对比", id="compare") as compare_tab:
                with gr.Row():
                    cmp_a = gr.Dropdown(label="报告 A", choices=[], elem_id="rq-cmp-a")
                    cmp_b = gr.Dropdown(label="报告 B", choices=[], elem_id="rq-cmp-b")
                    cmp_btn = gr.Button("对比", variant="primary", elem_id="rq-cmp-btn")
                cmp_view = gr.HTML(elem_id="rq-compare")
                cmp_file = gr.File(label="下载对比（Markdown）", interactive=False, elem_id="rq-cmp-file")
            with gr.Tab("总览", id="overview") as overview_tab:
                ov_view = gr.State(ov_handlers.View())
                with gr.Row():
                    ov_level = gr.Dropdown(label="层级", choices=[ov_handlers.ALL], value=ov_handlers.ALL,
                                           elem_id="rq-ov-level")
                    ov_region = gr.Dropdown(label="地区（省份，或输入地名）", choices=[ov_handlers.ALL],
                                            value=ov_handlers.ALL, allow_custom_value=True, elem_id="rq-ov-region")
                    ov_year = gr.Dropdown(label="年度", choices=[ov_handlers.ALL], value=ov_handlers.ALL,
                                          elem_id="rq-ov-year")
                    ov_btn = gr.Button("生成总览", variant="primary", elem_id="rq-ov-btn")
                ov_notes = gr.Markdown(elem_id="rq-ov-notes")
                ov_table = gr.HTML(elem_id="rq-overview")
                with gr.Row():
                    ov_csv_btn = gr.Button("导出 CSV", size="sm", elem_id="rq-ov-csv")
                    ov_xlsx_btn = gr.Button("导出 Excel", size="sm", elem_id="rq-ov-xlsx")
                    ov_file = gr.File(label="导出文件", interactive=False, elem_id="rq-ov-file", height=80)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        gr.Markdown("#### 问题主题 × 报告")
                        ov_heat = gr.HTML(elem_id="rq-ov-heat")
                        ov_chart = gr.HTML(elem_id="rq-ov-chart")
                        gr.Markdown("#### 同一机关的多年对比（持续存在 / 新提出 / 不再提及）")
                        ov_trends = gr.HTML(elem_id="rq-ov-trends")
                        gr.Markdown("#### 一个指标在各报告中的数值")
                        with gr.Row():
                            ind_name = gr.Dropdown(label="指标（可输入）", choices=list(COMMON_INDICATORS),
                                                   value=None, allow_custom_value=True, elem_id="rq-ind-name", scale=4)
                            ind_btn = gr.Button("查询指标", elem_id="rq-ind-btn", scale=1)
                        ind_table = gr.HTML(elem_id="rq-ind-table")
                        ind_file = gr.File(label="下载指标表（CSV）", interactive=False, elem_id="rq-ind-file")
                    with gr.Column(scale=2):
                        gr.Markdown("#### 原文")
                        ov_passage = gr.HTML(elem_id="rq-ov-passage")
                        ov_request = gr.Textbox(visible="hidden", elem_id="rq-ov-request")
            with gr.Tab("文库", id="library") as library_tab:
                with gr.Row():
                    with gr.Column(scale=3):
                        upload = gr.File(label=f"上传报告（{' '.join(UPLOAD_SUFFIXES)}，单个不超过 {max_mb:g} MB）",
                                         file_count="multiple", file_types=list(UPLOAD_SUFFIXES), elem_id="rq-upload")
                        with gr.Accordion("或上传整个文件夹", open=False):
                            folder = gr.File(label="选择文件夹", file_count="directory", elem_id="rq-folder")
                        ingest_btn = gr.Button("导入", variant="primary", elem_id="rq-ingest")
                    ingest_log = gr.Markdown(elem_id="rq-ingest-log")
                table = gr.Dataframe(headers=REPORT_COLUMNS, datatype=REPORT_DATATYPES, value=[], interactive=False,
                                     wrap=True, label="已导入的报告", elem_id="rq-table")
                with gr.Row():
                    lib_pick = gr.Dropdown(label="查看 / 管理报告", choices=[], scale=4, elem_id="rq-lib-pick")
                    remove_btn = gr.Button("删除", variant="stop", scale=1)
                    confirm_btn = gr.Button("确认删除", variant="stop", visible=False, scale=1)
                    reindex_btn = gr.Button("重新索引全部", scale=1)
                lib_msg = gr.Markdown()
                detail = gr.HTML(elem_id="rq-detail")
            with gr.Tab("设置/状态", id="status") as status_tab:
                status_md = gr.Markdown(elem_id="rq-status")
                with gr.Row():
                    status_btn = gr.Button("刷新状态")
                    check_btn = gr.Button("检查模型服务器")
                check_md = gr.Markdown()

        pickers = [qa_filter, sum_pick, cmp_a, cmp_b, lib_pick]

        def refresh_pickers(*current: Any) -> list[Any]:
            return _pickers_update(handlers.report_choices(service, gr.Warning), *current)

        def refresh_library(*current: Any) -> list[Any]:
            return [handlers.library_rows(service, gr.Warning), *refresh_pickers(*current)]

        # ---- 问答
        def on_chat(text: str, selected: list[str] | None, state: chat.ChatSession) -> Iterator[tuple[Any, ...]]:
            for upd in chat.chat(service, text, selected, state, warn=gr.Warning):
                choices = gr.update() if upd.citation_choices is None else gr.update(
                    choices=upd.citation_choices, value=upd.citation_value)
                shown = gr.update() if upd.passage is None else upd.passage
                yield upd.history, "", state, choices, shown, upd.scope

        chat_outputs = [chatbot, question, session, cite_pick, passage, scope_md]
        for trigger in (question.submit, send.click):
            trigger(on_chat, [question, qa_filter, session], chat_outputs, concurrency_id="ask")

        def on_example(state: chat.ChatSession, selected: list[str] | None, evt: gr.SelectData
                       ) -> Iterator[tuple[Any, ...]]:
            value = evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value)
            yield from on_chat(value, selected, state)

        chatbot.example_select(on_example, [session, qa_filter], chat_outputs, concurrency_id="ask")

        def on_new_chat() -> tuple[Any, ...]:
            fresh = chat.ChatSession()
            return [], fresh, gr.update(choices=[], value=None), "", "当前范围：**全部报告**"

        new_chat.click(on_new_chat, None, [chatbot, session, cite_pick, passage, scope_md])
        chatbot.clear(on_new_chat, None, [chatbot, session, cite_pick, passage, scope_md])

        cite_pick.input(lambda v, s: chat.citation_passage(service, s, v, gr.Warning), [cite_pick, session], passage)

        def on_cite_link(request: str, state: chat.ChatSession) -> tuple[Any, Any]:
            msg, n = ([*request.split(":"), "", ""])[:2]
            if not msg.isdigit() or not n.isdigit():
                return gr.update(), gr.update()
            choices, _ = chat.select_message(state, int(msg))
            value = f"{msg}:{n}"
            return gr.update(choices=choices, value=value), chat.citation_passage(service, state, value, gr.Warning)

        cite_request.change(on_cite_link, [cite_request, session], [cite_pick, passage])

        def on_select_message(state: chat.ChatSession, evt: gr.SelectData) -> tuple[Any, Any]:
            index = evt.index if isinstance(evt.index, int) else (evt.index[0] if evt.index else None)
            choices, value = chat.select_message(state, index)
            if value is None:
                return gr.update(), gr.update()
            return gr.update(choices=choices, value=value), chat.citation_passage(service, state, value, gr.Warning)

        chatbot.select(on_select_message, [session], [cite_pick, passage])

        # ---- 摘要 / 对比
        sum_btn.click(lambda ref: handlers.summarize(service, ref, warn=gr.Warning), [sum_pick],
                      [sum_view, sum_md_file, sum_docx_file], concurrency_id="heavy")
        cmp_btn.click(lambda a, b: handlers.compare(service, a, b, warn=gr.Warning), [cmp_a, cmp_b],
                      [cmp_view, cmp_file], concurrency_id="heavy")

        # ---- 总览
        def on_overview(level: str, region: str, year: str, view: ov_handlers.View) -> tuple[Any, ...]:
            filters = ov_handlers.parse_filters(level, region, year)
            view, page = ov_handlers.show_overview(service, filters, view, gr.Warning)
            return view, page.table, page.heatmap, page.chart, page.trends, page.notes, None

        ov_btn.click(on_overview, [ov_level, ov_region, ov_year, ov_view],
                     [ov_view, ov_table, ov_heat, ov_chart, ov_trends, ov_notes, ov_file], concurrency_id="heavy")
        ov_csv_btn.click(lambda v: ov_handlers.export(v, "csv", warn=gr.Warning), [ov_view], [ov_file])
        ov_xlsx_btn.click(lambda v: ov_handlers.export(v, "xlsx", warn=gr.Warning), [ov_view], [ov_file])

        def on_indicator(name: str, level: str, region: str, year: str, view: ov_handlers.View) -> tuple[Any, ...]:
            filters = ov_handlers.parse_filters(level, region, year)
            return ov_handlers.show_indicator(service, name, filters, view, warn=gr.Warning)

        ind_btn.click(on_indicator, [ind_name, ov_level, ov_region, ov_year, ov_view], [ov_view, ind_table, ind_file],
                      concurrency_id="heavy")

        def on_cell(request: str, view: ov_handlers.View) -> Any:
            shown = ov_handlers.cell_passage(service, view, request, gr.Warning)
            return gr.update() if shown is None else shown

        ov_request.change(on_cell, [ov_request, ov_view], [ov_passage])

        def on_overview_tab(level: str, region: str, year: str) -> tuple[Any, ...]:
            choices = ov_handlers.filter_choices(service)
            return tuple(gr.update(choices=choices[key], value=value if value in choices[key] or key == "region" else ov_handlers.ALL)
                         for key, value in (("level", level), ("region", region), ("year", year)))

        overview_tab.select(on_overview_tab, [ov_level, ov_region, ov_year], [ov_level, ov_region, ov_year])

        # ---- 文库
        def on_ingest(files: list[str] | None, folder_files: list[str] | None,
                      progress: gr.Progress = gr.Progress()) -> tuple[str, None, None]:  # noqa: B008
            paths = list(files or []) + list(folder_files or [])
            if folder_files:  # a folder brings along files of every kind: skip the others quietly
                paths = list(files or []) + [p for p in folder_files if Path(p).suffix.lower() in UPLOAD_SUFFIXES]
            return handlers.ingest(service, paths, max_mb, _progress_callback(progress), gr.Warning), None, None

        ingest_btn.click(on_ingest, [upload, folder], [ingest_log, upload, folder],
                         concurrency_id="index-write", concurrency_limit=1).then(
            refresh_library, pickers, [table, *pickers])

        lib_pick.input(lambda ref: handlers.report_detail(service, ref, gr.Warning), [lib_pick], detail)
        remove_btn.click(lambda ref: (gr.update(visible=bool(ref)), "" if ref else "请先选择要删除的报告。"),
                         [lib_pick], [confirm_btn, lib_msg])

        def on_remove(ref: str | None) -> tuple[Any, ...]:
            return handlers.remove(service, ref, gr.Warning), gr.update(visible=False), ""

        confirm_btn.click(on_remove, [lib_pick], [lib_msg, confirm_btn, detail],
                          concurrency_id="index-write", concurrency_limit=1).then(
            refresh_library, pickers, [table, *pickers])

        def on_reindex(progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
            return handlers.reindex(service, _progress_callback(progress), gr.Warning)

        reindex_btn.click(on_reindex, None, [lib_msg], concurrency_id="index-write", concurrency_limit=1).then(
            refresh_library, pickers, [table, *pickers])

        # ---- 设置/状态
        status_btn.click(lambda: handlers.status(service, gr.Warning), None, status_md)
        check_btn.click(lambda: handlers.check_server(service, gr.Warning), None, check_md)
        status_tab.select(lambda: handlers.status(service, gr.Warning), None, status_md)

        for tab in (qa_tab, summary_tab, compare_tab):
            tab.select(refresh_pickers, pickers, pickers)
        library_tab.select(refresh_library, pickers, [table, *pickers])
        demo.load(refresh_library, pickers, [table, *pickers])
    return demo


def check_bind(host: str, username: str, password: str) -> tuple[str, str] | None:
    """The Gradio auth pair, or None on a local address without credentials; refuses open exposure."""
    if username and password:
        return (username, password)
    if host in LOCAL_HOSTS:
        return None
    raise ConfigError(
        f"拒绝启动：界面将绑定到 {host}（本机以外也能访问），必须设置用户名和密码。"
        "请在配置文件 [ui] 中设置 username 和 password，或设置环境变量 "
        "REPORTQA_UI__USERNAME 与 REPORTQA_UI__PASSWORD；只在本机使用时请用 --host 127.0.0.1。"
    )


def launch(service: ReportQA, host: str = "127.0.0.1", port: int = 7860, username: str = "", password: str = "",
           *, block: bool = True, concurrency: int = 2, quiet: bool = False) -> gr.Blocks:
    """Build and serve the app. ``block=False`` returns at once (tests); call ``.close()`` to stop."""
    auth = check_bind(host, username, password)
    demo = build_app(service)
    demo.queue(default_concurrency_limit=concurrency, max_size=64)
    demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        auth_message="法治政府建设报告助手：请登录" if auth else None,
        share=False,
        inbrowser=False,
        show_error=False,
        quiet=quiet,
        prevent_thread_lock=not block,
        max_file_size=int(service.settings.ui.max_upload_mb * 1024 * 1024),
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        footer_links=[],
        theme=make_theme(),
        css=load_css(),
        js=CITE_CLICK_JS,
    )
    return demo
