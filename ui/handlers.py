"""What each button in the page does, as plain functions over a ``ReportQA``-like service.

No gradio import: ``ui/app.py`` wires these to components and turns ``warn`` into ``gr.Warning``.
Every handler catches ``ReportQAError`` (shown as it is) and unexpected exceptions (logged, shown
as a short Chinese message) so the page never shows a stack trace. Nothing here keeps per-user
state: the chat (ui/chat.py) keeps it in the caller's ``gr.State``.
"""

from __future__ import annotations

import atexit
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.core.errors import IndexNotFoundError, ReportQAError
from rag.core.types import ReportInfo

if TYPE_CHECKING:  # the service imports every stage; loaded by whoever builds it
    from rag.service import ReportQA
from ui import render
from ui.uploads import prepare_uploads, stage_files

logger = logging.getLogger(__name__)

Warn = Callable[[str], None]
Progress = Callable[[str, float], None]


def no_warn(message: str) -> None:
    logger.info("ui message: %s", message)


def friendly(exc: BaseException) -> str:
    """A message for the page: the error's own text for our errors, a short note otherwise."""
    if isinstance(exc, IndexNotFoundError):
        return "还没有导入任何报告：请先在“文库”页上传报告文件或 .zip。"
    if isinstance(exc, ReportQAError):
        return str(exc) or exc.__class__.__name__
    logger.exception("unexpected error in a UI handler", exc_info=exc)
    return f"内部错误（{exc.__class__.__name__}），操作未完成。详情已写入服务器日志。"


# --------------------------------------------------------------------------- reports and choices
def list_reports(service: ReportQA) -> list[ReportInfo]:
    """The indexed reports, or [] when there is no index yet."""
    try:
        return list(service.reports())
    except IndexNotFoundError:
        return []


def report_choices(service: ReportQA, warn: Warn = no_warn) -> list[tuple[str, str]]:
    """(label, report_id) pairs for every report picker."""
    try:
        return [(render.report_label(r), r.report_id) for r in list_reports(service)]
    except Exception as exc:
        warn(friendly(exc))
        return []


# --------------------------------------------------------------------------- download files
DOWNLOAD_MAX_AGE_S = 3600.0
_download_root: Path | None = None
_download_lock = threading.Lock()


def download_root() -> Path:
    """This process's folder for summary/comparison downloads (created on first use, removed at exit).

    It lives in the system temp dir because Gradio only serves files from there, the working
    directory or ``allowed_paths``; Gradio copies a returned file into its own cache at once, so
    ours only need to outlive the request.
    """
    global _download_root
    with _download_lock:
        if _download_root is None or not _download_root.is_dir():
            _download_root = Path(tempfile.mkdtemp(prefix="reportqa-downloads-"))
            atexit.register(shutil.rmtree, _download_root, True)
        return _download_root


def _prune_downloads(root: Path, max_age_s: float = DOWNLOAD_MAX_AGE_S) -> None:
    cutoff = time.time() - max_age_s
    for entry in root.iterdir():
        try:
            if entry.lstat().st_mtime >= cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        except OSError as exc:  # another request removed it first, or it is not ours to remove
            logger.debug("could not prune old download %s: %s", entry, exc)


def new_download_dir(kind: str) -> Path:
    """A fresh folder for one request's files inside ``download_root()``, after removing downloads
    older than an hour. One folder per request: two users fetching the same report at once must
    not overwrite each other's file, and the file keeps its readable name."""
    root = download_root()
    _prune_downloads(root)
    return Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=root))


def _save_failed(what: str, exc: OSError) -> str:
    return (
        f"{what}已生成，但下载文件保存失败（could not save the download file: {exc.strerror or exc}）。"
        "请检查临时文件夹的磁盘空间和权限后重试。"
    )


# --------------------------------------------------------------------------- summary and comparison
def summarize(service: ReportQA, ref: str | None, out_dir: str | Path | None = None, warn: Warn = no_warn
              ) -> tuple[str, str | None, str | None]:
    """(markdown to show, .md path, .docx path); paths are None when that file could not be made."""
    if not ref:
        warn("请先选择一份报告。")
        return render.notice_html("请先选择一份报告。"), None, None
    try:
        from rag.summary.render import summary_to_docx, summary_to_markdown

        summary = service.summarize(ref)
        markdown = summary_to_markdown(summary)
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return render.error_html(message), None, None
    stem = _safe_stem(ref)
    try:
        folder = Path(out_dir) if out_dir else new_download_dir("summary")
        md_path = folder / f"{stem}-摘要.md"
        md_path.write_text(markdown, encoding="utf-8")
    except OSError as exc:
        logger.warning("could not save the summary download: %s", exc)
        warn(_save_failed("摘要", exc))
        return markdown, None, None
    docx_file = folder / f"{stem}-摘要.docx"
    docx_path: Path | None = docx_file
    try:
        summary_to_docx(summary, docx_file)
    except OSError as exc:
        warn(f"Word 文件保存失败（could not save the .docx: {exc.strerror or exc}）。请检查临时文件夹的磁盘空间和权限后重试。")
        docx_path = None
    except Exception as exc:
        warn("Word 文件生成失败：" + friendly(exc))
        docx_path = None
    return markdown, str(md_path), str(docx_path) if docx_path else None


def _safe_stem(ref: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff.-]+", "_", Path(ref).stem)[:60] or "report"


def compare(service: ReportQA, ref_a: str | None, ref_b: str | None, out_dir: str | Path | None = None,
            warn: Warn = no_warn) -> tuple[str, str | None]:
    """(HTML of the comparison, .md download path)."""
    if not ref_a or not ref_b:
        warn("请选择两份报告。")
        return render.notice_html("请选择两份报告。"), None
    if ref_a == ref_b:
        warn("请选择两份不同的报告。")
        return render.notice_html("请选择两份不同的报告。"), None
    try:
        from rag.compare.render import comparison_to_html, comparison_to_markdown

        comparison = service.compare(ref_a, ref_b)
        html = comparison_to_html(comparison)
        markdown = comparison_to_markdown(comparison)
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return render.error_html(message), None
    try:
        folder = Path(out_dir) if out_dir else new_download_dir("compare")
        md_path = folder / f"{_safe_stem(ref_a)}-vs-{_safe_stem(ref_b)}-对比.md"
        md_path.write_text(markdown, encoding="utf-8")
    except OSError as exc:
        logger.warning("could not save the comparison download: %s", exc)
        warn(_save_failed("对比结果", exc))
        return html, None
    return html, str(md_path)


# --------------------------------------------------------------------------- library
_STATUS_ZH = {"added": "已导入", "updated": "已更新", "unchanged": "未改动", "failed": "失败", "removed": "已删除"}


def ingest(service: ReportQA, paths: list[str] | None, max_upload_mb: float, progress: Progress | None = None,
           warn: Warn = no_warn) -> str:
    """Check, unpack and ingest uploaded files; returns a Markdown report of what happened."""
    if not paths:
        warn("请先选择要上传的文件。")
        return "请先选择要上传的文件（.txt .md .html .htm .docx .pdf 或 .zip）。"
    prepared = prepare_uploads(list(paths), max_upload_mb)
    lines: list[str] = []
    try:
        if prepared.files:
            staged = stage_files(prepared.files, uploads_dir(service))
            if progress:
                progress(f"准备导入 {len(staged)} 个文件", 0.0)
            outcomes = service.ingest(staged, progress=progress, replace_same_name=True)
            for o in outcomes:
                mark = "✗" if o.status == "failed" else "✓"
                line = f"- {mark} **{render.esc(Path(o.path).name)}**：{_STATUS_ZH.get(o.status, o.status)}"
                if o.message:
                    line += f" — {render.esc(o.message)}"
                if o.warnings:
                    line += "<br>　解析提示：" + "；".join(render.esc(w) for w in o.warnings)
                lines.append(line)
            failed = sum(o.status == "failed" for o in outcomes)
            if failed:
                warn(f"{failed} 个文件导入失败，详见列表。")
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        lines.append(f"- ✗ 导入中断：{render.esc(message)}")
    finally:
        prepared.cleanup()
    lines.extend(f"- 注意：{render.esc(p)}" for p in prepared.problems)
    if prepared.problems and not prepared.files:
        warn("没有可导入的文件：" + prepared.problems[0])
    return "\n".join(lines) or "没有可导入的文件。"


def uploads_dir(service: ReportQA) -> Path:
    """Where uploaded reports are kept: beside the user's data, so re-uploads and re-indexing find them."""
    return Path(service.settings.data_dir) / "uploads"


def _forget_upload(service: ReportQA, info: ReportInfo) -> None:
    """Delete our staged copy of a removed report (never a file the user pointed at on disk)."""
    try:
        path = Path(info.source_path).resolve()
        if path.is_relative_to(uploads_dir(service).resolve()) and path.is_file():
            path.unlink()
            if not any(path.parent.iterdir()):
                path.parent.rmdir()
    except (OSError, ValueError) as exc:
        logger.warning("could not delete the uploaded copy of %s: %s", info.source, exc)


def library_rows(service: ReportQA, warn: Warn = no_warn) -> list[list[Any]]:
    try:
        return render.report_rows(list_reports(service), html_warnings=True)
    except Exception as exc:
        warn(friendly(exc))
        return []


def report_detail(service: ReportQA, ref: str | None, warn: Warn = no_warn) -> str:
    if not ref:
        return render.notice_html("选择一份报告查看其章节结构与解析结果。")
    try:
        return render.section_tree_html(service.load_report(ref))
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return render.error_html(message)


def remove(service: ReportQA, ref: str | None, warn: Warn = no_warn) -> str:
    if not ref:
        warn("请先选择要删除的报告。")
        return "请先选择要删除的报告。"
    try:
        info = service.remove(ref)
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return f"✗ {render.esc(message)}"
    _forget_upload(service, info)
    return f"✓ 已删除：{render.esc(render.report_label(info))}"


def reindex(service: ReportQA, progress: Progress | None = None, warn: Warn = no_warn) -> str:
    try:
        outcomes = service.reindex(progress=progress)
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return f"✗ 重新索引失败：{render.esc(message)}"
    failed = [o for o in outcomes if o.status == "failed"]
    text = f"✓ 已重新索引 {len(outcomes) - len(failed)} 份报告。"
    if failed:
        text += "\n" + "\n".join(f"- ✗ {render.esc(Path(o.path).name)}：{render.esc(o.message)}" for o in failed)
    return text


# --------------------------------------------------------------------------- status
def status(service: ReportQA, warn: Warn = no_warn) -> str:
    try:
        return render.status_markdown(service.status()) + "\n\n" + render.settings_markdown(service.settings)
    except Exception as exc:
        message = friendly(exc)
        warn(message)
        return f"✗ {render.esc(message)}"


def check_server(service: ReportQA, warn: Warn = no_warn) -> str:
    try:
        ok, message = service.check_server()
    except Exception as exc:
        ok, message = False, friendly(exc)
    return render.server_check_markdown(ok, message)

