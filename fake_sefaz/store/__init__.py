"""Persistence: one interface, SQLite by default, PostgreSQL for many workers or machines."""

from __future__ import annotations

from fake_sefaz.store.base import Store, StoreError, Tx, numbering_key
from fake_sefaz.domain.records import AUTHORIZED, CANCELLED, DENIED, DocumentRecord, LotRecord


def open_store(url: str, *, sqlite_synchronous: str = "FULL") -> Store:
    """sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:///:memory: or postgresql://..."""
    if url.startswith("sqlite:"):
        from fake_sefaz.store.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///").removeprefix("sqlite://"), synchronous=sqlite_synchronous)
    if url.startswith(("postgresql:", "postgres:")):
        from fake_sefaz.store.postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError(f"unsupported database URL: {url}")


__all__ = ["Store", "Tx", "StoreError", "numbering_key", "open_store", "DocumentRecord", "LotRecord", "AUTHORIZED", "DENIED", "CANCELLED"]
