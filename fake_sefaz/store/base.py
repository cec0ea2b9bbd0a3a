"""The store interface and the SQL both implementations share.

A unit of work runs inside one transaction that serializes writers (SQLite: BEGIN IMMEDIATE;
PostgreSQL: row locks on the sequence plus unique constraints). When a unique constraint fires
(two workers inserting the same key at the same instant) the whole unit is run again: the second
run sees the first one's row and answers 204/539 instead of issuing a second protocol.
"""

from __future__ import annotations

import abc
import threading
import time
from contextlib import AbstractContextManager
from typing import Any, Callable, Sequence, TypeVar

from fake_sefaz.domain.records import DocumentRecord, LotRecord

T = TypeVar("T")

SCHEMA_SQL = [
    """CREATE TABLE IF NOT EXISTS documents (
        chNFe TEXT PRIMARY KEY,
        tpAmb INTEGER NOT NULL, cUF INTEGER NOT NULL, mod INTEGER NOT NULL, serie INTEGER NOT NULL,
        nNF INTEGER NOT NULL, issuer TEXT NOT NULL, dhEmi TEXT NOT NULL, tpEmis INTEGER NOT NULL,
        state TEXT NOT NULL, cStat INTEGER NOT NULL, nProt TEXT NOT NULL, dhRecbto TEXT NOT NULL,
        received_ts DOUBLE PRECISION NOT NULL, nRec TEXT NOT NULL, digVal TEXT NOT NULL, vNF TEXT NOT NULL,
        prot_xml TEXT NOT NULL, nfe_xml TEXT NOT NULL,
        UNIQUE (tpAmb, issuer, mod, serie, nNF)
    )""",
    """CREATE TABLE IF NOT EXISTS lots (
        nRec TEXT PRIMARY KEY, tpAmb INTEGER NOT NULL, cUF INTEGER NOT NULL, idLote TEXT NOT NULL,
        dhRecbto TEXT NOT NULL, received_ts DOUBLE PRECISION NOT NULL, ready_ts DOUBLE PRECISION NOT NULL,
        cStat INTEGER NOT NULL, xMotivo TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS lot_items (
        nRec TEXT NOT NULL, position INTEGER NOT NULL, prot_xml TEXT NOT NULL,
        PRIMARY KEY (nRec, position)
    )""",
    """CREATE TABLE IF NOT EXISTS sequences (
        name TEXT NOT NULL, year INTEGER NOT NULL, value BIGINT NOT NULL,
        PRIMARY KEY (name, year)
    )""",
]

# Tables of later features live beside their functions (store/<feature>.py exposing DDL = [...]); this is the
# one list of those modules. Their functions take a Tx and use tx.execute with '?' placeholders.
FEATURE_MODULES: tuple[str, ...] = ("events", "csc", "faults", "registry", "portal", "national", "contingency")


def all_ddl() -> list[str]:
    import importlib

    ddl = list(SCHEMA_SQL)
    for name in FEATURE_MODULES:
        ddl.extend(importlib.import_module(f"{__package__}.{name}").DDL)
    return ddl


_DOC_COLUMNS = [f for f in DocumentRecord.__dataclass_fields__]
_LOT_COLUMNS = [f for f in LotRecord.__dataclass_fields__ if f != "prot_xml"]
# The statements of the authorization hot path, built once (read-only).
_SELECT_DOC = f"SELECT {', '.join(_DOC_COLUMNS)} FROM documents"
_INSERT_DOC = f"INSERT INTO documents ({', '.join(_DOC_COLUMNS)}) VALUES ({', '.join('?' for _ in _DOC_COLUMNS)})"
_INSERT_LOT = f"INSERT INTO lots ({', '.join(_LOT_COLUMNS)}) VALUES ({', '.join('?' for _ in _LOT_COLUMNS)})"


class StoreError(Exception):
    """The database failed in a way a retry will not fix."""


def numbering_key(tpAmb: int, issuer: str, mod: int, serie: int) -> str:
    """The lock that serializes what uses numbers of one series: authorization (204/539/206) and voiding
    (241/256/563) check each other's tables, so they must not interleave (Tx.lock)."""
    return f"numbering:{tpAmb}:{issuer}:{mod}:{serie}"


class Tx(abc.ABC):
    """One transaction. SQL is written with '?' placeholders; the dialect rewrites them."""

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one statement and return its rows (empty for statements without rows)."""

    def lock(self, key: str) -> None:
        """Serialize units of work on one key until this transaction ends. SQLite's BEGIN IMMEDIATE already
        serializes every writer, so only PostgreSQL (many workers, READ COMMITTED) needs to do something."""

    def next_seq(self, name: str, year: int) -> int:
        rows = self.execute(
            "INSERT INTO sequences (name, year, value) VALUES (?, ?, 1) "
            "ON CONFLICT (name, year) DO UPDATE SET value = sequences.value + 1 RETURNING value",
            (name, year),
        )
        return int(rows[0][0])

    # --- documents
    def document(self, chNFe: str) -> DocumentRecord | None:
        rows = self.execute(_SELECT_DOC + " WHERE chNFe = ?", (chNFe,))
        return DocumentRecord(*rows[0]) if rows else None

    def document_by_number(self, tpAmb: int, issuer: str, mod: int, serie: int, nNF: int) -> DocumentRecord | None:
        rows = self.execute(
            _SELECT_DOC + " WHERE tpAmb = ? AND issuer = ? AND mod = ? AND serie = ? AND nNF = ?",
            (tpAmb, issuer, mod, serie, nNF),
        )
        return DocumentRecord(*rows[0]) if rows else None

    def insert_document(self, doc: DocumentRecord) -> None:
        self.execute(_INSERT_DOC, tuple(getattr(doc, c) for c in _DOC_COLUMNS))

    def set_document_state(self, chNFe: str, state: str) -> None:
        self.execute("UPDATE documents SET state = ? WHERE chNFe = ?", (state, chNFe))

    # --- lots
    def insert_lot(self, lot: LotRecord) -> None:
        self.execute(_INSERT_LOT, tuple(getattr(lot, c) for c in _LOT_COLUMNS))
        for i, prot in enumerate(lot.prot_xml):
            self.execute("INSERT INTO lot_items (nRec, position, prot_xml) VALUES (?, ?, ?)", (lot.nRec, i, prot))

    def lot(self, nRec: str) -> LotRecord | None:
        rows = self.execute(f"SELECT {', '.join(_LOT_COLUMNS)} FROM lots WHERE nRec = ?", (nRec,))
        if not rows:
            return None
        prots = self.execute("SELECT prot_xml FROM lot_items WHERE nRec = ? ORDER BY position", (nRec,))
        return LotRecord(*rows[0], prot_xml=tuple(r[0] for r in prots))

    def count(self, table: str) -> int:
        if table not in ("documents", "lots", "lot_items"):
            raise ValueError(table)
        return int(self.execute(f"SELECT COUNT(*) FROM {table}")[0][0])


class _OneStatement(Tx):
    """The Tx a Store.peek unit gets: it lets one statement through and refuses a second."""

    def __init__(self, tx: Tx) -> None:
        self._tx: Tx | None = tx

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        tx, self._tx = self._tx, None
        if tx is None:
            raise StoreError("Store.peek runs one statement; use Store.read for more")
        return tx.execute(sql, params)


class ThreadConnections:
    """One DB-API connection per thread (sqlite3 and psycopg connections are not shared between threads),
    all closed together when the store closes."""

    def __init__(self, connect: Callable[[], Any], alive: Callable[[Any], bool] = lambda conn: True) -> None:
        self._connect = connect
        self._alive = alive
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def get(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or not self._alive(conn):
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close_all(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except Exception:  # noqa: BLE001 - closing a connection that is already broken
                    pass
            self._all.clear()
        self._local = threading.local()


class CommitGroup:
    """Several requests' units of work in ONE transaction and one durable commit (issue 18, group commit): each unit
    runs inside a savepoint of the group's transaction (a failing unit rolls back alone), and the caller answers none
    of them before commit() returned. Opened, fed and committed by one thread (a worker's event loop,
    server/group_commit.py); while it is open the store runs that thread's units, reads and peeks inside it."""

    _SAVEPOINT = "fake_sefaz_unit"

    def __init__(self, store: "Store") -> None:
        self.store = store
        # called once the group is committed (None) or failed (the error) outside its owner's own commit, e.g. when
        # an admin write flushes it: the owner releases the answers that waited for it
        self.on_flush: Callable[[BaseException | None], None] | None = None
        self.thread = threading.get_ident()
        self.members = 0
        self.opened = time.monotonic()
        self._cm = store.transaction()
        self.tx: Tx = self._cm.__enter__()

    def run(self, unit: Callable[[Tx], T]) -> T:
        tx = self.tx
        for attempt in range(self.store.retries):
            tx.execute(f"SAVEPOINT {self._SAVEPOINT}")
            try:
                result = unit(tx)
            except Exception as exc:  # noqa: BLE001 - re-raised unless it is a retryable conflict
                tx.execute(f"ROLLBACK TO SAVEPOINT {self._SAVEPOINT}")
                tx.execute(f"RELEASE SAVEPOINT {self._SAVEPOINT}")
                if not self.store.is_conflict(exc) or attempt == self.store.retries - 1:
                    raise
                continue
            tx.execute(f"RELEASE SAVEPOINT {self._SAVEPOINT}")
            return result
        raise StoreError("unreachable")

    def commit(self) -> None:
        """COMMIT (the one fsync of every member); raises when the database refuses, after rolling back."""
        self.store._group = None
        self._cm.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        """Roll the group back (after a failed COMMIT the transaction may still be open)."""
        self.store._group = None
        try:
            self._cm.__exit__(type(exc), exc, exc.__traceback__)
        except BaseException:  # noqa: BLE001 - the context manager re-raises, or had already ended at COMMIT
            try:
                self.tx.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - nothing left to roll back
                pass


class Store(abc.ABC):
    """A database holding the authorizer's state. Safe to share between threads; one per worker process."""

    retries = 5
    # Whether a worker groups its commits here (server/group_commit.py). SQLite: yes, one writer at a time, every
    # commit an fsync of its own. PostgreSQL: no - concurrent transactions already share WAL flushes, and a group
    # holding one worker's row and advisory locks while it waits made the other workers queue behind it (measured:
    # 2 workers 0.86x one, p99 1.1 s, against 1.97-2.47x without).
    supports_group_commit = False
    _group: CommitGroup | None = None  # the open commit group of this store (server/group_commit.py), if any
    _accepting: int | None = None  # the thread whose units join (or open) the commit group right now

    def grouping(self, on: bool) -> None:
        """While on, the calling thread's units of work join the commit group, opening it at the first write: a
        request that only reads never takes the write lock."""
        self._accepting = threading.get_ident() if on else None

    def open_group(self) -> CommitGroup:
        """Start a commit group on the calling thread (see CommitGroup)."""
        if self._group is not None:
            raise StoreError("a commit group is already open")
        self._group = CommitGroup(self)
        return self._group

    @property
    def group(self) -> CommitGroup | None:
        """The open commit group, if any."""
        return self._group

    def _grouped(self) -> CommitGroup | None:
        g = self._group
        return g if g is not None and g.thread == threading.get_ident() else None

    def flush_group(self) -> None:
        """Commit the open group now (a write outside the grouped requests, such as an admin call, comes after it
        so that nothing it answers depends on an uncommitted group)."""
        g = self._grouped()
        if g is not None:
            on_flush = g.on_flush
            try:
                g.commit()
            except BaseException as exc:
                g.abort(exc)
                if on_flush is not None:
                    on_flush(exc)
                raise
            if on_flush is not None:
                on_flush(None)

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Tx]:
        """A write transaction: commits on success (durably, before the caller answers), rolls back on error."""

    @abc.abstractmethod
    def is_conflict(self, exc: BaseException) -> bool:
        """Whether exc is a unique-constraint or serialization conflict worth running the unit again."""

    def run(self, unit: Callable[[Tx], T]) -> T:
        """Run a unit of work in a transaction, again from the start after a conflict. Inside a grouped request it
        joins the open commit group instead (committed, durably, before the request is answered)."""
        g = self._grouped()
        if self._accepting is not None and self._accepting == threading.get_ident():
            return (g or self.open_group()).run(unit)
        if g is not None:
            self.flush_group()
        for attempt in range(self.retries):
            try:
                with self.transaction() as tx:
                    return unit(tx)
            except Exception as exc:  # noqa: BLE001 - re-raised unless it is a retryable conflict
                if not self.is_conflict(exc) or attempt == self.retries - 1:
                    raise
        raise StoreError("unreachable")

    def read(self, unit: Callable[[Tx], T]) -> T:
        g = self._grouped()
        if g is not None:  # the worker's own uncommitted writes are part of what it reads
            return unit(g.tx)
        with self.transaction() as tx:
            return unit(tx)

    def peek(self, unit: Callable[[Tx], T]) -> T:
        """A read of exactly one statement (a second one raises StoreError). One statement sees one consistent
        state by itself, so a store may run it without an explicit transaction; SQLite does, which saves the
        BEGIN and ROLLBACK round trips of the two reads every authorization makes (fault generation, registry)."""
        g = self._grouped()
        if g is not None:
            return unit(_OneStatement(g.tx))
        return self.read(lambda tx: unit(_OneStatement(tx)))

    @abc.abstractmethod
    def close(self) -> None: ...
