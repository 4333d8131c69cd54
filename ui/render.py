"""Pure rendering for the web UI: answers, citations, passages, report tables, section trees, status.

No gradio import: every function takes plain data (the dataclasses of ``rag.core.types``) and returns a
string or rows, so it can be unit-tested without a browser. Everything that comes from a report or a
user is HTML-escaped here; the Chatbot's own sanitizer is a second line of defence, not the first.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from rag.core.config import Settings
from rag.core.types import Answer, Citation, Report, ReportInfo, Section

ROLE_LABELS: dict[str, str] = {
    "preamble": "导语",
    "measures": "主要举措和成效",
    "responsibility": "第一责任人职责",
    "problems": "存在的问题",
    "plans": "下一年度安排",
    "other": "其他",
}

REPORT_COLUMNS: list[str] = ["文件", "标题", "发布机关", "地区", "层级", "年度", "文号", "日期", "片段数", "解析提示"]
# For gr.Dataframe(datatype=...) when rows come from ``report_rows(..., html_warnings=True)``: the
# last column then holds escaped HTML (labels with the warning code as a tooltip).
# (the cell types gr.Dataframe accepts per column)
ColumnType = Literal["str", "number", "bool", "date", "markdown", "html"]
_TEXT_COLUMNS: list[ColumnType] = ["str"] * 8
REPORT_DATATYPES: list[ColumnType] = [*_TEXT_COLUMNS, "number", "html"]

# Parse-warning codes (rag/structure.py, rag/metadata.py) as short Chinese labels for tables.
WARNING_LABELS: dict[str, str] = {
    "masked_figures": "数字被遮蔽",
    "masked_names": "名称被遮蔽",
    "template_or_fanwen": "疑为范文网站转载",
    "year_conflict": "年度不一致",
    "no_title": "未找到标题",
    "issuer_undetermined": "发布机关未能确定",
    "no_structure": "未识别出章节",
    "no_problems_section": "无“存在问题”一节",
    "problems_inline_only": "问题仅在正文中提及",
    "merged_section_split": "问题与安排合并成节（已拆分）",
    "merged_section_unsplit": "问题与安排合并成节（未能拆分）",
    "traditional_characters": "原文为繁体字（按简体对照分析）",
    "multiple_reports": "一页含多份报告",
}

SNIPPET_CHARS = 80
CONTEXT_CHARS = 240

_CITE_MARK = re.compile(r"\[(\d{1,3})\]")
_WS = re.compile(r"\s+")


def esc(text: object) -> str:
    """HTML-escape anything (quotes too, so the result is safe inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role or "其他")


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """One line of at most ``limit`` characters, whitespace collapsed (not escaped)."""
    flat = _WS.sub(" ", text or "").strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def mode_badge(answer: Answer) -> str:
    """The answer's provenance as a small coloured label (HTML)."""
    if answer.refused:
        return '<span class="rq-badge rq-badge-refused">未找到可靠依据</span>'
    if answer.mode == "llm":
        if answer.verified:
            return '<span class="rq-badge rq-badge-llm">模型生成·已核验</span>'
        return '<span class="rq-badge rq-badge-unverified">模型生成·未完全核验</span>'
    return '<span class="rq-badge rq-badge-extractive">摘录</span>'


def report_label(info: ReportInfo) -> str:
    """A human name for a report in pickers: region/body, year, file name."""
    who = info.region or info.issuing_body or info.title or info.source
    year = f"{info.year}年度" if info.year else "年度未知"
    body = f" · {info.issuing_body}" if info.issuing_body and info.issuing_body != who else ""
    return f"{who} {year}{body}（{info.source}）"


def citation_label(citation: Citation) -> str:
    """The text of one entry in the citation picker (plain text, not HTML)."""
    place = citation.title or citation.source
    section = citation.section_path.split(" > ")[-1] if citation.section_path else ""
    tail = f" › {snippet(section, 30)}" if section else ""
    return f"[{citation.n}] {snippet(place, 40)}{tail}"


def _cite_link(n: int, message_index: int | None) -> str:
    # The chat sanitizer strips data-* attributes but keeps href: the target travels in the fragment.
    target = f"rq-cite-{message_index}-{n}" if message_index is not None else "rq-passage"
    return f'<a class="rq-cite" href="#{target}">[{n}]</a>'


def _link_citation_marks(escaped_text: str, numbers: set[int], message_index: int | None) -> str:
    def repl(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in numbers:
            return match.group(0)
        return _cite_link(n, message_index)

    return _CITE_MARK.sub(repl, escaped_text)


def answer_markdown(answer: Answer, message_index: int | None = None) -> str:
    """The final chat bubble for an answer: badge, text with linked [n] marks, numbered sources.

    Returned as HTML fragments inside Markdown (the Chatbot renders both). ``message_index`` is the
    bubble's position in the chat, carried on each [n] link so a click can open that passage.
    """
    numbers = {c.n for c in answer.citations}
    body = esc(answer.answer.strip()) or "（没有生成回答）"
    body = _link_citation_marks(body, numbers, message_index).replace("\n", "<br>")
    parts = [f"{mode_badge(answer)}", f'<div class="rq-answer">{body}</div>']
    if answer.citations:
        items = []
        for c in answer.citations:
            section = f' · <span class="rq-src-section">{esc(c.section_path)}</span>' if c.section_path else ""
            items.append(
                f"<li>{_cite_link(c.n, message_index)} "
                f'<span class="rq-src-file">{esc(c.title or c.source)}</span>{section}'
                f'<br><span class="rq-src-snippet">“{esc(snippet(c.text))}”</span></li>'
            )
        parts.append('<div class="rq-sources"><b>来源</b>（点击编号或右侧列表查看原文）<ol>' + "".join(items) + "</ol></div>")
    elif not answer.refused:
        parts.append('<div class="rq-sources rq-muted">（无引用）</div>')
    if answer.notes:
        notes = "".join(f"<li>{esc(n)}</li>" for n in answer.notes)
        parts.append(f'<details class="rq-notes"><summary>核验说明</summary><ul>{notes}</ul></details>')
    total = answer.timings.get("total") if answer.timings else None
    if total is not None:
        parts.append(f'<div class="rq-muted rq-timing">用时 {total:.1f} 秒</div>')
    return "\n".join(parts)


def _clamp_span(span: Sequence[int] | None, length: int) -> tuple[int, int] | None:
    if span is None or len(span) != 2:
        return None
    start, end = int(span[0]), int(span[1])
    start = max(0, min(start, length))
    end = max(start, min(end, length))
    return start, end


def passage_html(
    citation: Citation, source_text: str, context_chars: int = CONTEXT_CHARS, report_name: str = ""
) -> str:
    """The cited passage inside its surrounding text, with the passage and quoted sentence marked.

    Spans are clamped to the text; a zero-length span shows an insertion mark; a span that lies
    wholly past the end of the text (a stale index) shows the stored passage text instead.
    """
    text = source_text or ""
    n = len(text)
    header = (
        f'<div class="rq-passage-head"><span class="rq-passage-n">[{citation.n}]</span> '
        f'<b>{esc(report_name or citation.title or citation.source)}</b>'
        f'<div class="rq-passage-path">{esc(citation.section_path or "（无章节）")}</div>'
        f'<div class="rq-muted">文件：{esc(citation.source)}</div></div>'
    )
    raw = citation.source_span
    passage = _clamp_span(raw, n)
    if passage is None or (raw and int(raw[0]) >= n and n > 0) or n == 0:
        return (
            f'<div class="rq-passage" id="rq-passage">{header}'
            f'<div class="rq-warn">原文中找不到该引用的位置（索引可能已过期，可在“文库”中重新索引）。以下为索引中保存的片段：</div>'
            f'<div class="rq-passage-body"><mark class="rq-hl">{esc(citation.text)}</mark></div></div>'
        )
    quote = _clamp_span(citation.quote_span, n)
    if quote is not None:
        quote = (max(quote[0], passage[0]), min(quote[1], passage[1]))
        if quote[1] < quote[0]:
            quote = None
    a, b = passage
    lo, hi = max(0, a - context_chars), min(n, b + context_chars)
    body: list[str] = ["…" if lo > 0 else ""]
    body.append(esc(text[lo:a]))
    if b == a:
        body.append('<mark class="rq-hl rq-empty" title="引用位置">▍</mark>')
    elif quote and quote[1] > quote[0]:
        qa, qb = quote
        body.append(f'<mark class="rq-hl">{esc(text[a:qa])}<span class="rq-quote">{esc(text[qa:qb])}</span>{esc(text[qb:b])}</mark>')
    else:
        body.append(f'<mark class="rq-hl">{esc(text[a:b])}</mark>')
    body.append(esc(text[b:hi]))
    body.append("…" if hi < n else "")
    clipped = raw is not None and (int(raw[1]) > n or int(raw[0]) < 0)
    note = '<div class="rq-warn">引用位置超出原文范围，已截断显示。</div>' if clipped else ""
    return (
        f'<div class="rq-passage" id="rq-passage">{header}{note}'
        f'<div class="rq-passage-body">{"".join(body)}</div></div>'
    )


def warning_label(code: str) -> str:
    """Short Chinese label of a parse-warning code; an unknown code is shown as it is."""
    return WARNING_LABELS.get(code, code)


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(c for c in codes if c))


def warnings_text(codes: Iterable[str]) -> str:
    """Warning codes as plain Chinese labels, each once, joined by "；"."""
    return "；".join(warning_label(c) for c in _unique(codes))


def warnings_html(codes: Iterable[str]) -> str:
    """Warning codes as Chinese labels (escaped HTML), each carrying its code as a tooltip."""
    return "；".join(
        f'<span class="rq-warn-tag" title="{esc(c)}">{esc(warning_label(c))}</span>' for c in _unique(codes)
    )


def report_rows(infos: Iterable[ReportInfo], html_warnings: bool = False) -> list[list[Any]]:
    """Rows for the library table, columns as in ``REPORT_COLUMNS``.

    The last column shows the report's parse warnings as Chinese labels; with ``html_warnings`` it
    holds HTML with each code as a tooltip (the table must then use ``REPORT_DATATYPES``).
    """
    show = warnings_html if html_warnings else warnings_text
    rows = []
    for r in infos:
        rows.append(
            [
                r.source,
                r.title,
                r.issuing_body,
                r.region,
                r.level,
                str(r.year) if r.year else "",
                r.doc_number,
                r.date,
                r.chunk_count,
                show(r.warnings),
            ]
        )
    return rows


def _section_item(section: Section, text: str) -> str:
    role = role_label(section.role)
    heading = section.heading.strip() if section.heading else ""
    if not heading:
        heading = "（导语）" if section.role == "preamble" else "（无标题）"
    a, b = section.span
    size = max(0, min(b, len(text)) - max(0, a))
    split = f' <span class="rq-muted">（拆分自：{esc(section.split_from)}）</span>' if section.split_from else ""
    tag = f'<span class="rq-role rq-role-{esc(section.role)}">{esc(role)}</span> ' if section.level <= 1 else ""
    kids = "".join(_section_item(c, text) for c in section.children)
    kids_html = f"<ul>{kids}</ul>" if kids else ""
    return f'<li>{tag}{esc(heading)} <span class="rq-muted">{size}字</span>{split}{kids_html}</li>'


def section_tree_html(report: Report) -> str:
    """The report's metadata, warnings, section tree (roles in Chinese) and extracted items."""
    m = report.meta
    meta_rows = [
        ("标题", m.title),
        ("发布机关", m.issuing_body),
        ("地区", m.region),
        ("层级", m.level),
        ("年度", f"{m.year}（{m.year_evidence}）" if m.year and m.year_evidence else (m.year or "")),
        ("文号", m.doc_number),
        ("日期", m.date),
        ("文件", report.source.name),
    ]
    meta = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v) or '—'}</td></tr>" for k, v in meta_rows)
    parts = [f'<div class="rq-report"><table class="rq-meta">{meta}</table>']
    if report.warnings:
        warn = "".join(f"<li><b title='{esc(w.code)}'>{esc(warning_label(w.code))}</b>：{esc(w.message)} "
                       f"<span class='rq-muted'>({esc(w.code)})</span></li>" for w in report.warnings)
        parts.append(f'<div class="rq-warn"><b>解析提示</b><ul>{warn}</ul></div>')
    if report.sections:
        tree = "".join(_section_item(s, report.text) for s in report.sections)
        parts.append(f'<h4>章节结构</h4><ul class="rq-tree">{tree}</ul>')
    else:
        parts.append('<div class="rq-warn">未识别出章节结构。</div>')
    for title, items in (("存在的问题", report.problems), ("下一年度安排", report.plans)):
        if items:
            lis = "".join(f"<li>{esc(snippet(i.text, 120))}</li>" for i in items)
            parts.append(f"<h4>{title}（{len(items)}条）</h4><ol class='rq-items'>{lis}</ol>")
    parts.append("</div>")
    return "".join(parts)


_STATUS_LABELS: dict[str, str] = {
    "embedder": "向量模型",
    "generator": "生成模型后端",
    "generator_detail": "生成模型",
    "index_dir": "索引目录",
    "index_bytes": "索引大小",
    "reports": "报告数",
    "chunks": "片段数",
    "index_error": "索引状态",
    "add_model_hint": "如何接入真实模型（在终端运行）",
}
_COMMAND_KEYS = ("add_model_hint",)


def _human_size(value: object) -> str:
    try:
        size = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(value)


def _md_cell(value: object) -> str:
    return esc(value).replace("|", "&#124;").replace("\n", "<br>")


def _status_value(key: str, value: object) -> str:
    if key.endswith("bytes"):
        return esc(_human_size(value))
    if value is None or value == "":
        return "—"
    if isinstance(value, Mapping):
        return "<br>".join(f"{_md_cell(k)}: {_md_cell(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "<br>".join(_md_cell(v) for v in value) or "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return _md_cell(value)


def status_markdown(status: Mapping[str, object]) -> str:
    """``service.status()`` as a two-column table; commands (how to add a model) as code blocks."""
    rows = ["| 项目 | 状态 |", "|---|---|"]
    commands: list[str] = []
    for key, value in status.items():
        label = _STATUS_LABELS.get(key, key)
        if key in _COMMAND_KEYS or (isinstance(value, str) and "\n" in value):
            commands.append(f"**{esc(label)}**\n\n```\n{value}\n```")
            continue
        rows.append(f"| {esc(label)} | {_status_value(key, value)} |")
    return "\n".join(rows) + ("\n\n" + "\n\n".join(commands) if commands else "")


def settings_markdown(settings: Settings) -> str:
    """The settings a user may want to know (never passwords or API keys), and how to change them."""
    gen, ui = settings.generator, settings.ui
    rows = [
        ("回答方式", "摘录（不使用模型）" if gen.backend == "none" else
         "本地模型（已下载时）生成后核验，否则摘录" if gen.backend == "auto" else f"模型生成后核验（{gen.backend}）"),
        ("OpenAI 兼容服务地址", gen.openai_base_url if gen.backend == "openai" else "未使用"),
        ("本地模型文件", gen.model_path or "未设置"),
        ("每次检索片段数", settings.retrieval.k),
        ("分块大小 / 重叠（字）", f"{settings.chunking.size} / {settings.chunking.overlap}"),
        ("单个上传文件上限", f"{ui.max_upload_mb:g} MB"),
        ("登录保护", "已开启" if ui.username and ui.password else "未开启（仅本机访问时可不设）"),
    ]
    table = "\n".join(f"| {esc(k)} | {_md_cell(v)} |" for k, v in rows)
    return (
        "| 设置 | 当前值 |\n|---|---|\n" + table + "\n\n"
        "设置来自 `~/.config/reportqa/config.toml` 或 `REPORTQA_*` 环境变量，修改后重启服务生效。"
        "接入 OpenAI 兼容服务（如 llama.cpp server）：\n\n```\n"
        "REPORTQA_GENERATOR__BACKEND=openai REPORTQA_GENERATOR__OPENAI_BASE_URL=http://127.0.0.1:8080/v1 reportqa serve\n```"
    )


def server_check_markdown(ok: bool, message: str) -> str:
    icon = "✓ 可以连接" if ok else "✗ 无法使用"
    return f"**{icon}**：{esc(message)}"


def error_html(message: str) -> str:
    return f'<div class="rq-error"><b>出错了：</b>{esc(message)}</div>'


def provisional_html(answer: Answer, index: int) -> str:
    """The extractive answer shown at once, labelled as such, while the model's answer is checked."""
    return (answer_markdown(answer, index)
            + '<div class="rq-muted">模型正在作答；核验通过后将替换上面的摘录答案。</div>')


def draft_html(text: str) -> str:
    """The model's draft while it is being written: labelled, muted, never shown as the answer."""
    return ('<div class="rq-draft"><span class="rq-badge rq-badge-draft">草稿·核验中</span>'
            f'<div class="rq-draft-text">{esc(text)} ▍</div></div>')


def notice_html(message: str) -> str:
    return f'<div class="rq-notice">{esc(message)}</div>'
