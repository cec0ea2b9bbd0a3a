"""Store.peek: the one-statement read the authorization hot path uses for the fault generation and the registry."""

from __future__ import annotations

import pytest

from fake_sefaz.store import open_store
from fake_sefaz.store.base import StoreError
from fake_sefaz.store.faults import generation

from support.db import fresh_postgres


def _check(url: str, **kw) -> None:
    store = open_store(url, **kw)
    other = open_store(url, **kw)  # another worker's connection
    try:
        before = store.peek(generation)
        other.run(lambda tx: tx.next_seq("peek-test", 0))
        assert store.peek(lambda tx: tx.execute("SELECT value FROM sequences WHERE name = ?", ("peek-test",))) == [(1,)]
        other.run(lambda tx: tx.next_seq("peek-test", 0))
        # A new statement sees the other connection's commit: no snapshot is left open between peeks.
        assert store.peek(lambda tx: tx.execute("SELECT value FROM sequences WHERE name = ?", ("peek-test",))) == [(2,)]
        assert store.peek(generation) == before
        with pytest.raises(StoreError):
            store.peek(lambda tx: (tx.execute("SELECT 1"), tx.execute("SELECT 2")))
        # The refused unit left nothing behind: writes still go through.
        assert store.run(lambda tx: tx.next_seq("peek-test", 0)) == 3
    finally:
        store.close()
        other.close()


def test_peek_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path}/peek.db")


def test_peek_sqlite_opens_no_transaction(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/peek.db")
    try:
        store.peek(generation)
        assert not store._conn().in_transaction
    finally:
        store.close()


def test_peek_postgres():
    with fresh_postgres() as url:
        _check(url)
