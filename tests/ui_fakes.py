"""A small stand-in for ``rag.service.ReportQA`` over canned data, for the fast UI tests.

Built from the real sample text so spans are real offsets; the real service is exercised by
tests/test_ui_e2e.py. Every method mirrors the service contract in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

from rag.core.config import load_settings
from rag.core.errors import BadQueryError, IndexNotFoundError, UnknownReportError
from rag.core.types import (
    Answer,
    Citation,
    CleanText,
    IngestOutcome,
    Item,
    ParseWarning,
    Report,
    ReportInfo,
    ReportMeta,
    Section,
    SourceDocument,
)

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "002_0158dad679362a71.txt"
QUOTE = "共收到依申请公开5件，答复率100%。"


def _info(report_id: str, source: str, region: str, body: str, year: int | None) -> ReportInfo:
    return ReportInfo(
        report_id=report_id, title=f"{body}关于{year}年度法治政府建设情况的报告", issuing_body=body, region=region,
        level="区县级", year=year, doc_number="潼南府办〔2021〕10号" if region == "潼南区" else "", date="2021-03",
        source=source, source_path=f"/tmp/{source}", sha256="0" * 64, chunk_count=12,
        warnings=("部分数字被遮蔽",) if region != "潼南区" else (),
    )


class FakeService:
    """Implements the ReportQA methods the UI calls, with switches to make them fail."""

    def __init__(self, index_exists: bool = True, delay: float = 0.0) -> None:
        self.settings = load_settings(overrides={"ui": {"max_upload_mb": 1}})
        self.text = SAMPLE.read_text(encoding="utf-8")
        self.index_exists = index_exists
        self.delay = delay
        self.fail_with: Exception | None = None
        self.calls: list[tuple[str, object]] = []
        self._lock = threading.Lock()
        self._reports = {
            "002": _info("002", "002_0158dad679362a71.txt", "潼南区", "重庆市潼南区人民政府办公室", 2020),
            "003": _info("003", "003_340d6b83137f3ef6.txt", "广州市", "广州市人民政府办公厅", 2020),
        }

    # -- helpers
    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        if not self.index_exists:
            raise IndexNotFoundError("no index yet")

    def resolve(self, ref: str) -> ReportInfo:
        self._check()
        for info in self._reports.values():
            if ref in (info.report_id, info.source):
                return info
        raise UnknownReportError(f"没有这份报告：{ref}")

    def citation(self, n: int = 1) -> Citation:
        start = self.text.index(QUOTE)
        return Citation(
            n=n, report_id="002", source="002_0158dad679362a71.txt", title=self._reports["002"].title,
            section_path="潼南区 2020年度 > 一、工作开展情况 > （三）规范行政决策，打造阳光政府",
            text=self.text[start - 60 : start + len(QUOTE)], source_span=(start - 60, start + len(QUOTE)),
            quote_span=(start, start + len(QUOTE)),
        )

    # -- service API
    def reports(self) -> list[ReportInfo]:
        self._check()
        return list(self._reports.values())

    def ask_stream(self, question: str, report_ids: list[str] | None = None):  # type: ignore[no-untyped-def]
        self.calls.append(("ask", (question, report_ids)))
        if not question.strip():
            raise BadQueryError("问题为空")
        self._check()
        for rid in report_ids or []:
            self.resolve(rid)
        refused = "火星" in question
        text = "未找到可靠依据。" if refused else f"{question} —— 共收到依申请公开5件[1]。工作开展情况见[2]。"
        for i in range(0, len(text), 4):
            if self.delay:
                time.sleep(self.delay)
            yield text[i : i + 4]
        yield Answer(question=question, answer=text, mode="extractive", verified=True, refused=refused,
                     citations=[] if refused else [self.citation(1), self.second_citation()], timings={"total": 0.01})

    def second_citation(self) -> Citation:
        start = self.text.index("一、工作开展情况")
        return Citation(n=2, report_id="002", source="002_0158dad679362a71.txt", title=self._reports["002"].title,
                        section_path="潼南区 2020年度 > 一、工作开展情况", text=self.text[start : start + 80],
                        source_span=(start, start + 80), quote_span=None)

    def source_text(self, ref: str) -> str:
        self.resolve(ref)
        return self.text

    def load_report(self, ref: str) -> Report:
        info = self.resolve(ref)
        doc = SourceDocument(path=info.source_path, name=info.source, text=self.text, format="txt",
                             encoding="utf-8", sha256=info.sha256, size_bytes=len(self.text.encode()))
        clean = CleanText(text=self.text, offsets=tuple(range(len(self.text))))
        n = len(self.text)
        child = Section("（一）加强组织领导", "（一）", 2, "measures", (100, 400), (100, 110), (100, 400))
        sections = [
            Section("", "", 0, "preamble", (0, 100), (0, 0), (0, 100)),
            Section("一、工作开展情况", "一、", 1, "measures", (100, n - 500), (100, 108), (100, n - 500), [child]),
            Section("二、存在的问题", "二、", 1, "problems", (n - 500, n), (n - 500, n - 493), (n - 500, n)),
        ]
        return Report(report_id=info.report_id, source=doc, clean=clean,
                      meta=ReportMeta(title=info.title, issuing_body=info.issuing_body, region=info.region,
                                      year=info.year, doc_number=info.doc_number),
                      sections=sections, problems=[Item("<b>学法</b>不够深入", "一是", (0, 5), (0, 5))],
                      warnings=[ParseWarning("masked_figures", "有数字被遮蔽 <XX>")])

    def summarize(self, ref: str) -> SimpleNamespace:
        info = self.resolve(ref)
        return SimpleNamespace(title=info.title, points=["完成政务公开要点"])

    def compare(self, ref_a: str, ref_b: str) -> SimpleNamespace:
        a, b = self.resolve(ref_a), self.resolve(ref_b)
        return SimpleNamespace(a=a.title, b=b.title)

    def ingest(self, paths, progress=None, replace_same_name=False):  # type: ignore[no-untyped-def]
        self.calls.append(("ingest", [str(p) for p in paths]))
        if self.fail_with is not None:
            raise self.fail_with
        outcomes = []
        for i, p in enumerate(paths):
            if progress:
                progress(f"解析 {Path(p).name}", i / max(1, len(paths)))
            if Path(p).read_bytes().strip():
                outcomes.append(IngestOutcome(str(p), "added", Path(p).stem, "3 个部分", 4, ("年度不明",)))
            else:
                outcomes.append(IngestOutcome(str(p), "failed", message="文件为空"))
        self.index_exists = True
        return outcomes

    def remove(self, ref: str) -> ReportInfo:
        info = self.resolve(ref)
        del self._reports[info.report_id]
        return info

    def reindex(self, progress=None):  # type: ignore[no-untyped-def]
        self._check()
        return [IngestOutcome(i.source_path, "updated", i.report_id) for i in self._reports.values()]

    def status(self) -> dict[str, object]:
        return {"index_dir": "/tmp/idx", "embedder": "hash", "generator": "none", "reports": len(self._reports),
                "chunks": 24, "index_bytes": 123456, "add_model_hint": "reportqa serve --generator llama-cpp"}

    def check_server(self) -> tuple[bool, str]:
        return False, "未配置 OpenAI 兼容服务"
