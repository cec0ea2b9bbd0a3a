"""PostgreSQL store, for many workers or machines. Same SQL as SQLite; '?' placeholders become '%s'."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from fake_sefaz.store.base import Store, ThreadConnections, Tx


class _PgTx(Tx):
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            return cur.fetchall() if cur.description else []

    def lock(self, key: str) -> None:
        # A transaction-scoped advisory lock: released at COMMIT/ROLLBACK.
        self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (key,))


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        import psycopg  # optional dependency: pip install fake-sefaz[postgres]

        self._psycopg = psycopg
        self.url = url
        self._connections = ThreadConnections(lambda: psycopg.connect(url, autocommit=False),
                                              alive=lambda conn: not conn.closed)
        from fake_sefaz.store.migrations import migrate

        try:
            with self.transaction() as tx:
                # Serialize concurrent first starts of several workers creating or migrating the tables.
                tx.execute("SELECT pg_advisory_xact_lock(7340301)")
                migrate(tx, url.rpartition("@")[2])  # no password in messages
        except BaseException:
            self._connections.close_all()
            raise

    def _conn(self) -> Any:
        return self._connections.get()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        conn = self._conn()
        try:
            yield _PgTx(conn)
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    def is_conflict(self, exc: BaseException) -> bool:
        errors = self._psycopg.errors
        return isinstance(exc, (errors.UniqueViolation, errors.SerializationFailure, errors.DeadlockDetected))

    def close(self) -> None:
        self._connections.close_all()
