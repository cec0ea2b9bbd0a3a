"""SQLite store: WAL journal, durable commits (synchronous=FULL by default), writers serialized by
BEGIN IMMEDIATE so several worker processes can share one file. One connection per thread."""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

from fake_sefaz.store.base import Store, ThreadConnections, Tx, _OneStatement

_SYNC_MODES = {"OFF", "NORMAL", "FULL", "EXTRA"}


class _SqliteTx(Tx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()


class _WriterLock:
    """One writer at a time across this database's processes and threads, queued in the kernel.

    Why not rely on BEGIN IMMEDIATE alone: a writer that finds the lock taken gets SQLITE_BUSY and the busy handler
    sleeps 1, 2, 5, 10... ms before trying again, even when the lock is freed microseconds later. With two workers
    committing ~400 times a second each, those sleeps made the p99 (decision 0008). flock() wakes the next writer
    as soon as the lock is released. Within a process a thread lock comes first (flock is per open file). Where
    flock does not exist (Windows) or the database is in memory, BEGIN IMMEDIATE's busy handler does the work."""

    def __init__(self, db_path: str) -> None:
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        if fcntl is not None and db_path != ":memory:" and not db_path.startswith("file:"):
            try:
                self._fd = os.open(db_path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                self._fd = None

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._thread_lock.release()
                raise

    def __exit__(self, *exc: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class SqliteStore(Store):
    supports_group_commit = True

    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        if synchronous.upper() not in _SYNC_MODES:
            raise ValueError(f"sqlite_synchronous must be one of {sorted(_SYNC_MODES)}")
        self.path = path
        self.synchronous = synchronous.upper()
        self._connections = ThreadConnections(self._connect)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = _WriterLock(path)
        from fake_sefaz.store.migrations import migrate

        conn = self._conn()
        with self._writer:  # several workers opening one file: one migrates, the others find it done
            conn.execute("BEGIN IMMEDIATE")
            try:
                migrate(_SqliteTx(conn), path)
            except BaseException:
                conn.execute("ROLLBACK")
                self._connections.close_all()
                self._writer.close()
                raise
            conn.execute("COMMIT")

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        conn = self._conn()
        with self._writer:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield _SqliteTx(conn)
        finally:
            conn.execute("ROLLBACK")

    def read(self, unit):  # type: ignore[override]
        # Readers do not take the write lock (WAL lets them run beside a writer).
        g = self._grouped()
        if g is not None:
            return unit(g.tx)
        with self.reading() as tx:
            return unit(tx)

    def peek(self, unit):  # type: ignore[override]
        # Autocommit: the one statement is its own read transaction (WAL snapshot), no BEGIN/ROLLBACK. Inside an
        # open commit group the statement runs in the group's transaction (the same connection).
        return unit(_OneStatement(_SqliteTx(self._conn())))

    def is_conflict(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)

    def close(self) -> None:
        self._connections.close_all()
        self._writer.close()
