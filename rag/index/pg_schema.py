"""PostgreSQL side of the shared store: connecting (with clear messages), the schema and its version,
and the literal forms of vectors and token lists.

Tables (one store per database, or per schema via ``options=-csearch_path=...`` in the DSN)::

    schema_version  one row: the layout version of these tables (SCHEMA_VERSION)
    store_settings  what built the store: embedder, dim, chunking (a store never mixes them)
    store_state     one row: a generation counter, bumped by every commit (readers refresh on change)
    reports         metadata, parsed report (jsonb), source text, chunk and token counts
    chunks          text, spans, jieba tokens as a 'simple' tsvector (GIN), float32 vector with an
                    HNSW index over its half-precision cast (half the index memory, re-ranked exactly)
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.core.errors import DependencyMissingError, IndexMismatchError, IndexNotFoundError, ReportQAError

SCHEMA_VERSION = 1
FORMAT = "reportqa-pg-store"
MAX_LEXEME_BYTES = 2046  # PostgreSQL refuses longer lexemes
MAX_POSITION = 16383  # and larger positions
MAX_POSITIONS = 256  # and keeps at most this many positions (= term frequency) per lexeme
ADVISORY_NAMESPACE = 7_416_001  # first key of our advisory locks (second: a hash of the locked name)


def schema_sql(dim: int) -> str:
    return f"""
CREATE TABLE schema_version (version integer NOT NULL);
CREATE TABLE store_settings (key text PRIMARY KEY, value jsonb NOT NULL);
CREATE TABLE store_state (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), generation bigint NOT NULL,
    created timestamptz NOT NULL DEFAULT now(), updated timestamptz NOT NULL DEFAULT now());
CREATE TABLE reports (
    report_id text PRIMARY KEY, source_path text NOT NULL, source_name text NOT NULL, sha256 text NOT NULL,
    title text NOT NULL, issuing_body text NOT NULL, region text NOT NULL, level text NOT NULL, year integer,
    doc_number text NOT NULL, date text NOT NULL, warnings jsonb NOT NULL, report_json jsonb NOT NULL,
    source_text text NOT NULL, added_at timestamptz NOT NULL DEFAULT now(),
    chunk_count integer NOT NULL, token_count bigint NOT NULL);
CREATE INDEX reports_by_source ON reports (source_path);
CREATE INDEX reports_by_sha256 ON reports (sha256);
CREATE TABLE chunks (
    chunk_row bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, chunk_id text NOT NULL UNIQUE,
    report_id text NOT NULL REFERENCES reports (report_id) ON DELETE CASCADE,
    ordinal integer NOT NULL, text text NOT NULL, section_path text NOT NULL, role text NOT NULL,
    span_start integer NOT NULL, span_end integer NOT NULL, src_start integer NOT NULL, src_end integer NOT NULL,
    tokens tsvector NOT NULL, token_count integer NOT NULL, embedding vector({dim}) NOT NULL);
CREATE INDEX chunks_by_report ON chunks (report_id, ordinal);
CREATE INDEX chunks_tokens ON chunks USING gin (tokens);
CREATE INDEX chunks_embedding ON chunks USING hnsw ((embedding::halfvec({dim})) halfvec_ip_ops);
INSERT INTO schema_version VALUES ({SCHEMA_VERSION});
INSERT INTO store_state (generation) VALUES (0);
"""


def redact_dsn(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    try:
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        parts = conninfo_to_dict(dsn)
    except Exception:  # not parseable (or psycopg missing): hide anything after a colon in user:pw@
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", dsn)
    if "password" in parts:
        parts["password"] = "***"
    return make_conninfo("", **{k: str(v) for k, v in parts.items() if v is not None})


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise DependencyMissingError("psycopg[binary]", "The PostgreSQL store (store.backend = \"postgres\")",
                                     extra="pg") from exc
    return psycopg


def connect(dsn: str, autocommit: bool = False) -> Any:
    """A psycopg connection, or a ReportQAError that says what is wrong (Chinese first)."""
    psycopg = _psycopg()
    shown = redact_dsn(dsn)
    if not dsn.strip():
        raise ReportQAError(
            "未设置 PostgreSQL 连接串（store.dsn is empty）。请设置 REPORTQA_STORE__DSN=postgresql://用户:密码@主机:5432/库名，"
            "或把 store.backend 改回 \"faiss\"。"
        )
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10, application_name="reportqa")
    except psycopg.ProgrammingError as exc:  # a malformed DSN
        raise ReportQAError(f"PostgreSQL 连接串格式不对（invalid DSN {shown}: {exc}）。请检查 store.dsn。") from exc
    except psycopg.OperationalError as exc:
        text = " ".join(str(exc).split())  # libpq's multi-line detail, kept on the message's one line
        if "password" in text or "authentication" in text or ("role" in text and "does not exist" in text):
            raise ReportQAError(
                f"PostgreSQL 拒绝了用户名或密码（authentication failed for {shown}）。请检查 store.dsn 中的用户和密码。"
            ) from exc
        if "database" in text and "does not exist" in text:
            raise IndexNotFoundError(
                f"PostgreSQL 中没有这个数据库（database does not exist: {shown}）。请先建库：createdb 库名，再导入报告。"
            ) from exc
        raise ReportQAError(
            f"无法连接 PostgreSQL 数据库（database unreachable: {shown}: {text}）。"
            "请检查数据库是否已启动、主机和端口是否正确、网络是否可达。"
        ) from exc


def read_schema(conn: Any) -> tuple[int | None, dict[str, Any]]:
    """(schema version or None when the tables are not there, the stored settings)."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not row[0]:
        return None, {}
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version").fetchall()]
    version = max(versions) if versions else 0
    if version != SCHEMA_VERSION:
        return version, {}
    return version, dict(conn.execute("SELECT key, value FROM store_settings").fetchall())


def create_schema(conn: Any, settings: dict[str, Any]) -> None:
    """Create the extension and tables in one transaction (serialised by an advisory lock, so two
    processes opening a new database at once create it once). ``conn`` is in autocommit mode."""
    # A session lock taken before the transaction: a transaction that waited for the lock would
    # keep its catalog snapshot from before the other process's commit and not see its tables.
    conn.execute("SELECT pg_advisory_lock(%s, 0)", (ADVISORY_NAMESPACE,))
    try:
        _create_schema_locked(conn, settings)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s, 0)", (ADVISORY_NAMESPACE,))


def _create_schema_locked(conn: Any, settings: dict[str, Any]) -> None:
    psycopg = _psycopg()
    with conn.transaction():
        if read_schema(conn)[0] is not None:
            return  # another process created it while we waited
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as exc:
            raise ReportQAError(
                f"数据库中无法启用 pgvector 扩展（CREATE EXTENSION vector failed: {exc}）。"
                "请在数据库服务器上安装 pgvector 0.8 或更新版本，并用有权限的用户执行 CREATE EXTENSION vector。"
            ) from exc
        conn.execute(schema_sql(int(settings["dim"])))
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO store_settings VALUES (%s, %s)",
                            [(k, json.dumps(v, ensure_ascii=False)) for k, v in settings.items()])


def check_schema(version: int | None, stored: dict[str, Any], wanted: dict[str, Any], shown: str) -> None:
    if version is None:
        raise IndexNotFoundError(
            f"该数据库中还没有 reportqa 索引（no reportqa store in {shown}）。请先导入报告："
            "reportqa ingest 报告文件或文件夹（store.backend = \"postgres\"），或 reportqa migrate --to DSN。"
        )
    if version < SCHEMA_VERSION:
        raise IndexMismatchError(
            f"数据库 {shown} 的表结构版本较旧（schema version {version}, this reportqa needs {SCHEMA_VERSION}）。"
            "本程序不会自动改写它：请先用 pg_dump 备份，再用 `reportqa migrate --to 新的DSN` 导入到一个新数据库，"
            "或改用建立该库的 reportqa 版本。"
        )
    if version > SCHEMA_VERSION:
        raise IndexMismatchError(
            f"数据库 {shown} 由更新版本的 reportqa 建立（schema version {version} > {SCHEMA_VERSION}）。"
            "请升级 reportqa 后再使用该库。"
        )
    got = {k: stored.get(k) for k in wanted}
    if got != wanted:
        raise IndexMismatchError(
            f"数据库 {shown} 中的索引是用其他设置建立的（store built with {_desc(got)}; current: {_desc(wanted)}）。"
            "请改用同样的嵌入模型和分块设置，或把 store.dsn 指向另一个数据库。"
        )


def _desc(d: dict[str, Any]) -> str:
    return (f"embedder={d.get('embedder')}, dim={d.get('dim')}, chunk_size={d.get('chunk_size')}, "
            f"chunk_overlap={d.get('chunk_overlap')}")


# ------------------------------------------------------------------ literals
def vector_literal(vec: np.ndarray) -> str:
    """pgvector's text form; repr of float32 values keeps them exact."""
    return "[" + ",".join(repr(float(x)) for x in np.asarray(vec, dtype=np.float32).ravel()) + "]"


def _quote_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def usable_tokens(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t and len(t.encode("utf-8")) <= MAX_LEXEME_BYTES]


def tsvector_literal(tokens: Sequence[str]) -> str:
    """The tokens as a tsvector with one position per occurrence, so a lexeme's positions give its
    term frequency. Built here, not by to_tsvector: PostgreSQL's parser would split Chinese its own way."""
    positions: dict[str, list[int]] = {}
    for i, token in enumerate(usable_tokens(tokens), 1):
        positions.setdefault(token, []).append(min(i, MAX_POSITION))
    return " ".join(
        f"{_quote_lexeme(t)}:{','.join(map(str, sorted(set(p))[:MAX_POSITIONS]))}" for t, p in positions.items()
    )


def tsquery_term(token: str) -> str:
    return _quote_lexeme(token)
