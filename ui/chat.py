"""The 问答 tab: one conversation per browser session, streamed answers, citations and their passages.

No gradio import. ``ChatSession`` is kept by the caller in ``gr.State``; nothing is shared between
users. A follow-up question that names no report keeps the previous question's reports.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.core.errors import UnknownReportError
from rag.core.types import Answer, Citation, ReportInfo

if TYPE_CHECKING:  # the service imports every stage; loaded by whoever builds it
    from rag.service import ReportQA
from ui import render
from ui.handlers import Warn, friendly, list_reports, no_warn

logger = logging.getLogger(__name__)


@dataclass
class ChatSession:
    """One browser session's conversation: kept in ``gr.State``, never shared."""

    history: list[dict[str, str]] = field(default_factory=list)
    citations: dict[int, list[Citation]] = field(default_factory=dict)  # assistant message index -> citations
    scope: list[str] = field(default_factory=list)  # report ids the conversation is about
    scope_names: list[str] = field(default_factory=list)
    shown: int | None = None  # message index whose citations the side panel shows


_MASKED = re.compile(r"[X×*＊]")
_REGION_SUFFIX = re.compile(r"(省|自治区|市|区|县|旗|镇|乡|街道)$")


def _name_keys(info: ReportInfo) -> set[str]:
    keys = {info.region, info.issuing_body, info.doc_number, Path(info.source).stem}
    if info.region:
        keys.add(_REGION_SUFFIX.sub("", info.region))
    return {k for k in keys if k and len(k) >= 2 and not _MASKED.search(k)}


def mentioned_reports(question: str, infos: list[ReportInfo]) -> list[ReportInfo]:
    """Reports the question names by place, issuing body, document number or file name.

    Uses the retriever's own recogniser, so the page and the search agree on what a question names;
    a year alone does not name a report. Falls back to plain name matching if that fails.
    """
    try:
        from rag.retrieve.recognition import analyze_query

        intent = analyze_query(question, infos)
        named = set() if intent.year_only else set(intent.report_ids)
    except Exception as exc:
        logger.warning("analyze_query failed, matching names directly: %s", exc)
        named = set()
    named |= {r.report_id for r in infos if any(key in question for key in _name_keys(r))}
    return [r for r in infos if r.report_id in named]


def resolve_scope(question: str, selected: list[str] | None, session: ChatSession, infos: list[ReportInfo]
                  ) -> tuple[list[str] | None, list[str], str]:
    """(report_ids for the service, ids to remember as the conversation's scope, a note for the user).

    Chosen reports win. A question naming reports lets the service route it and becomes the new
    scope. A follow-up naming none keeps the previous question's reports.
    """
    if selected:
        return list(selected), list(selected), "已按所选报告检索"
    named = mentioned_reports(question, infos)
    if named:
        return None, [r.report_id for r in named], ""
    known = {r.report_id for r in infos}
    carried = [r for r in session.scope if r in known]
    if carried:
        return carried, carried, "沿用上一问的报告范围"
    return None, [], ""


def scope_markdown(session: ChatSession, infos: list[ReportInfo]) -> str:
    if not session.scope:
        return "当前范围：**全部报告**"
    names = {r.report_id: render.report_label(r) for r in infos}
    shown = "；".join(render.esc(names.get(i, i)) for i in session.scope)
    return f"当前对话范围：**{shown}**（后续问题未指明报告时沿用；可点“新对话”清除）"


@dataclass
class ChatUpdate:
    """Everything one step of the chat changes in the page."""

    history: list[dict[str, str]]
    citation_choices: list[tuple[str, str]] | None  # None = leave the citation picker as it is
    citation_value: str | None
    passage: str | None  # None = leave the passage panel as it is
    scope: str
    done: bool = False


def _citation_choices(session: ChatSession, index: int | None) -> list[tuple[str, str]]:
    if index is None:
        return []
    return [(render.citation_label(c), f"{index}:{c.n}") for c in session.citations.get(index, [])]


def chat(service: ReportQA, question: str, selected: list[str] | None, session: ChatSession,
         warn: Warn = no_warn) -> Iterator[ChatUpdate]:
    """Stream one question's answer into ``session.history``; the last update has ``done=True``."""
    question = (question or "").strip()
    if not question:
        warn("请输入问题。")
        return
    try:
        infos = list_reports(service)
    except Exception as exc:
        infos = []
        logger.warning("could not list reports for scoping: %s", exc)
    report_ids, new_scope, note = resolve_scope(question, selected, session, infos)
    session.history.append({"role": "user", "content": question})
    session.history.append({"role": "assistant", "content": "正在检索…"})
    index = len(session.history) - 1
    scope_text = scope_markdown(ChatSession(scope=new_scope), infos)
    previous = (None, None, None)
    yield ChatUpdate(list(session.history), *previous, scope=scope_text)
    text = ""
    shown_first = ""  # the extractive answer shown while the model writes
    answer: Answer | None = None
    try:
        for piece in service.ask_stream(question, report_ids):
            if isinstance(piece, Answer) and piece.provisional:
                shown_first = render.provisional_html(piece, index)
                session.history[index] = {"role": "assistant", "content": shown_first}
                yield ChatUpdate(list(session.history), *previous, scope=scope_text)
                continue
            if isinstance(piece, Answer):
                answer = piece
                break
            text += piece
            session.history[index] = {"role": "assistant", "content": shown_first + render.draft_html(text)}
            yield ChatUpdate(list(session.history), *previous, scope=scope_text)
    except Exception as exc:
        message = friendly(exc)
        if isinstance(exc, UnknownReportError):
            session.scope = []
            message += "（已清除对话范围，请重新选择报告）"
        warn(message)
        session.history[index] = {"role": "assistant", "content": render.error_html(message)}
        yield ChatUpdate(list(session.history), *previous, scope=scope_markdown(session, infos), done=True)
        return
    if answer is None:
        message = "没有得到回答，请换个问法再试。"
        session.history[index] = {"role": "assistant", "content": render.error_html(message)}
        yield ChatUpdate(list(session.history), *previous, scope=scope_markdown(session, infos), done=True)
        return
    session.history[index] = {"role": "assistant", "content": render.answer_markdown(answer, index)}
    session.scope = new_scope
    if note:
        session.history[index]["content"] += f'\n<div class="rq-muted">{render.esc(note)}</div>'
    if answer.citations:
        session.citations[index] = list(answer.citations)
        session.shown = index
        first = answer.citations[0]
        yield ChatUpdate(list(session.history), _citation_choices(session, index), f"{index}:{first.n}",
                         citation_passage(service, session, f"{index}:{first.n}", warn),
                         scope_markdown(session, infos), done=True)
    else:
        yield ChatUpdate(list(session.history), [], None, render.notice_html("这次回答没有引用原文。"),
                         scope_markdown(session, infos), done=True)


def citation_passage(service: ReportQA, session: ChatSession, value: str | None, warn: Warn = no_warn) -> str:
    """The passage HTML for a picker value ``"<message index>:<n>"``."""
    if not value:
        return ""
    try:
        index_text, n_text = str(value).split(":", 1)
        index, n = int(index_text), int(n_text)
    except ValueError:
        return render.error_html("无效的引用编号。")
    cite = next((c for c in session.citations.get(index, []) if c.n == n), None)
    if cite is None:
        return render.error_html(f"找不到引用 [{n}]，它可能属于已清除的对话。")
    try:
        return render.passage_html(cite, service.source_text(cite.report_id))
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return render.error_html(message)


def select_message(session: ChatSession, index: int | None) -> tuple[list[tuple[str, str]], str | None]:
    """Point the citation panel at the answer whose bubble was clicked (if it has citations)."""
    if index is None or index not in session.citations:
        return _citation_choices(session, session.shown), None
    session.shown = index
    first = session.citations[index][0]
    return _citation_choices(session, index), f"{index}:{first.n}"
