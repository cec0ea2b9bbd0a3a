"""The taxpayer registry's table (one row per registration: CNPJ or CPF + IE in a UF) and its SQL.

Lookups are by primary key prefix (doc) or by the ie index, so their cost does not grow with the registry:
100 000 rows answer as fast as 10 (numbers in docs/readme/registry.md). Portable SQL: SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    from fake_sefaz.domain.taxpayers import Taxpayer
    from fake_sefaz.store.base import Store, Tx

# Column order = Taxpayer field order (registry.Taxpayer is built from rows positionally).
COLUMNS: tuple[str, ...] = (
    "doc", "ie", "uf", "xNome", "xFant", "CNAE", "xRegApur",
    "xLgr", "nro", "xCpl", "xBairro", "cMun", "xMun", "CEP", "dIniAtiv",
    "situation", "since", "susp_by", "susp_notified", "susp_ban", "dBaixa",
    "nfe_cred", "nfe_from", "nfe_revoked", "nfce_cred", "nfce_from", "nfce_revoked", "source",
)
_KEY = ("doc", "ie")

DDL = [
    """CREATE TABLE IF NOT EXISTS taxpayers (
        doc TEXT NOT NULL, ie TEXT NOT NULL, uf TEXT NOT NULL,
        xNome TEXT NOT NULL, xFant TEXT, CNAE TEXT, xRegApur TEXT,
        xLgr TEXT, nro TEXT, xCpl TEXT, xBairro TEXT, cMun TEXT, xMun TEXT, CEP TEXT, dIniAtiv TEXT,
        situation TEXT NOT NULL, since TEXT, susp_by TEXT, susp_notified INTEGER NOT NULL DEFAULT 0,
        susp_ban INTEGER NOT NULL DEFAULT 0, dBaixa TEXT,
        nfe_cred TEXT NOT NULL, nfe_from TEXT, nfe_revoked TEXT,
        nfce_cred TEXT NOT NULL, nfce_from TEXT, nfce_revoked TEXT,
        source TEXT NOT NULL,
        PRIMARY KEY (doc, ie)
    )""",
    # (ie, uf) and no index led by uf: with uf first the planner may pick it (one value) and scan the UF.
    "CREATE INDEX IF NOT EXISTS taxpayers_ie_uf ON taxpayers (ie, uf)",
    # Files already loaded (by content hash): workers starting after `serve` prepared the store skip them.
    """CREATE TABLE IF NOT EXISTS registry_loads (
        fingerprint TEXT PRIMARY KEY, path TEXT NOT NULL, rows INTEGER NOT NULL
    )""",
]

_COLUMN_LIST = ", ".join(COLUMNS)
_SELECT = f"SELECT {_COLUMN_LIST} FROM taxpayers"
_BATCH = 200  # rows per INSERT statement (30 columns -> 6000 parameters, under both databases' limits)


def _upsert_sql(n: int, on_conflict_update: bool) -> str:
    row = "(" + ", ".join("?" for _ in COLUMNS) + ")"
    sql = f"INSERT INTO taxpayers ({', '.join(COLUMNS)}) VALUES " + ", ".join(row for _ in range(n))
    if on_conflict_update:
        sets = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in _KEY)
        return sql + f" ON CONFLICT (doc, ie) DO UPDATE SET {sets}"
    return sql + " ON CONFLICT (doc, ie) DO NOTHING"


def upsert_many(tx: "Tx", rows: Iterable[Sequence]) -> int:
    """Insert or replace registrations in batches (one statement per 200 rows). Returns how many."""
    count = 0
    batch: list[Sequence] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            tx.execute(_upsert_sql(len(batch), True), [v for r in batch for v in r])
            count += len(batch)
            batch = []
    if batch:
        tx.execute(_upsert_sql(len(batch), True), [v for r in batch for v in r])
        count += len(batch)
    return count


def insert_if_absent(tx: "Tx", row: Sequence) -> None:
    tx.execute(_upsert_sql(1, False), list(row))


def by_doc(tx: "Tx", doc: str, uf: str | None = None) -> list[tuple]:
    if uf is None:
        return tx.execute(_SELECT + " WHERE doc = ? ORDER BY ie", (doc,))
    return tx.execute(_SELECT + " WHERE doc = ? AND uf = ? ORDER BY ie", (doc, uf))


def by_base(tx: "Tx", base: str) -> list[tuple]:
    """Every establishment (CNPJ + IE) of a CNPJ base: what an e-CNPJ opens in the portal (seed 001)."""
    return tx.execute(_SELECT + " WHERE doc LIKE ? ORDER BY doc, ie", (base[:8] + "______",))


def by_ie(tx: "Tx", ie: str, uf: str) -> list[tuple]:
    return tx.execute(_SELECT + " WHERE ie = ? AND uf = ? ORDER BY doc", (ie, uf))


def lookups(tx: "Tx", uf: str, wanted: Sequence[tuple[str, str | None]]) -> list[list[tuple]]:
    """Several by_doc / by_ie lookups of one UF in one statement (the authorization hot path reads up to four:
    issuer and recipient, by document and by IE). wanted: ("doc" | "ie", value or None for "nothing");
    the answer has one row list per entry, ordered like by_doc / by_ie."""
    parts, params = [], []
    for k, (column, value) in enumerate(wanted):
        if value:
            parts.append(f"SELECT {k}, {_COLUMN_LIST} FROM taxpayers WHERE {'doc' if column == 'doc' else 'ie'}"
                         " = ? AND uf = ?")
            params += [value, uf]
    out: list[list[tuple]] = [[] for _ in wanted]
    if parts:
        for row in tx.execute(" UNION ALL ".join(parts), params):
            out[row[0]].append(row[1:])
    for k, (column, _value) in enumerate(wanted):
        out[k].sort(key=lambda r: r[1] if column == "doc" else r[0])  # by_doc orders by ie, by_ie by doc
    return out


def get(tx: "Tx", doc: str, ie: str) -> tuple | None:
    rows = tx.execute(_SELECT + " WHERE doc = ? AND ie = ?", (doc, ie))
    return rows[0] if rows else None


def delete(tx: "Tx", doc: str, ie: str | None = None) -> int:
    if ie is None:
        n = tx.execute("SELECT COUNT(*) FROM taxpayers WHERE doc = ?", (doc,))[0][0]
        tx.execute("DELETE FROM taxpayers WHERE doc = ?", (doc,))
    else:
        n = tx.execute("SELECT COUNT(*) FROM taxpayers WHERE doc = ? AND ie = ?", (doc, ie))[0][0]
        tx.execute("DELETE FROM taxpayers WHERE doc = ? AND ie = ?", (doc, ie))
    return int(n)


def page(tx: "Tx", offset: int, limit: int, uf: str | None = None, situation: str | None = None,
         source: str | None = None) -> tuple[int, list[tuple]]:
    where, params = [], []
    for col, value in (("uf", uf), ("situation", situation), ("source", source)):
        if value:
            where.append(f"{col} = ?")
            params.append(value)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = int(tx.execute("SELECT COUNT(*) FROM taxpayers" + clause, params)[0][0])
    rows = tx.execute(_SELECT + clause + " ORDER BY doc, ie LIMIT ? OFFSET ?", [*params, limit, offset])
    return total, rows


def count(tx: "Tx") -> int:
    return int(tx.execute("SELECT COUNT(*) FROM taxpayers")[0][0])


def was_loaded(tx: "Tx", fingerprint: str) -> bool:
    return bool(tx.execute("SELECT 1 FROM registry_loads WHERE fingerprint = ?", (fingerprint,)))


def mark_loaded(tx: "Tx", fingerprint: str, path: str, rows: int) -> None:
    tx.execute("INSERT INTO registry_loads (fingerprint, path, rows) VALUES (?, ?, ?) ON CONFLICT (fingerprint) "
               "DO NOTHING", (fingerprint, path, rows))


def rows_of(taxpayers: Iterable["Taxpayer"]) -> Iterable[tuple]:
    for t in taxpayers:
        yield t.row()


def load_file(store: "Store", path: str | Path, *, force: bool = False) -> int:
    """Upsert a file's taxpayers in one transaction. A file already loaded (same content) is skipped unless
    force, so several workers starting on one store load it once and admin edits made since survive a
    restart. Returns the number of rows written (0 when skipped)."""
    from fake_sefaz.domain.taxpayers import parse_file

    raw = Path(path).read_bytes()
    fingerprint = hashlib.sha256(raw).hexdigest()
    if not force and store.read(lambda tx: was_loaded(tx, fingerprint)):
        return 0
    taxpayers = parse_file(path)

    def unit(tx) -> int:
        n = upsert_many(tx, rows_of(taxpayers))
        mark_loaded(tx, fingerprint, str(path), n)
        return n

    return store.run(unit)


def load_taxpayers(store: "Store", taxpayers: Iterable["Taxpayer"]) -> int:
    """Upsert taxpayers (a generated registry, say) in one transaction, in batched multi-row INSERTs."""
    return store.run(lambda tx: upsert_many(tx, rows_of(taxpayers)))
