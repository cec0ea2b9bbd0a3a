"""The store's schema version and its ordered migrations, for SQLite and PostgreSQL (issue 13: upgrades keep data).

Version 1 is the schema every release before versioning wrote (store/base.py SCHEMA_SQL and the feature modules'
DDL, all CREATE ... IF NOT EXISTS): a database without a version row but with those tables was written by such a
release, is stamped 1 and migrated forward. Every later change that alters what exists (a column, an index, data)
is a new entry of MIGRATIONS, never an edit of an old one; a new table may also be created by its feature's DDL,
which every open runs. A database newer than the code is refused: an older fake-sefaz must not write rows a newer
one's schema does not expect.
"""

from __future__ import annotations

from typing import Callable

from fake_sefaz.store.base import StoreError, Tx, all_ddl

VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), "
                 "version INTEGER NOT NULL)")


def _baseline(tx: Tx) -> None:
    for stmt in all_ddl():
        tx.execute(stmt)


# (version, what it does, the change): applied in order, each once, inside the opening transaction.
MIGRATIONS: tuple[tuple[int, str, Callable[[Tx], None]], ...] = (
    (1, "the schema of the releases before versioning (documents, lots, sequences, events, CSC, faults, registry)",
     _baseline),
)
LATEST = MIGRATIONS[-1][0]


class SchemaTooNew(StoreError):
    """The database was written by a newer fake-sefaz than this one."""


def current_version(tx: Tx) -> int:
    tx.execute(VERSION_TABLE)
    rows = tx.execute("SELECT version FROM schema_version WHERE id = 1")
    return int(rows[0][0]) if rows else 0


def migrate(tx: Tx, where: str) -> int:
    """Bring the database to LATEST inside the caller's transaction (which serializes concurrent openers);
    returns the version found."""
    found = current_version(tx)
    if found > LATEST:
        raise SchemaTooNew(f"database {where} is at schema version {found}; this fake-sefaz knows up to {LATEST}: "
                           "upgrade fake-sefaz")
    _baseline(tx)  # idempotent: the tables of every feature, so a new feature's table exists at any version
    for version, _, change in MIGRATIONS:
        if version > found:
            change(tx)
    if found == 0:
        tx.execute("INSERT INTO schema_version (id, version) VALUES (1, ?)", (LATEST,))
    elif found < LATEST:
        tx.execute("UPDATE schema_version SET version = ? WHERE id = 1", (LATEST,))
    return found
