"""The Ambiente Nacional's copy of the documents, as NSUs per interested party (NT 2014.002 §3.3-§3.4), and each
party's DF-e distribution state (§3.6: the cursor it was given, the hour to wait, the key/NSU query count, a block).

NSUs are a gapless sequence per party (a CNPJ or CPF), in the order the AN received the documents, written in the
same transaction as the authorization or event they copy: what was answered is distributable. Instants are epoch
seconds from the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from fake_sefaz.store.base import Tx

DDL = [
    """CREATE TABLE IF NOT EXISTS dfe_docs (
        party TEXT NOT NULL, nsu BIGINT NOT NULL, chNFe TEXT NOT NULL, doc_schema TEXT NOT NULL, xml TEXT NOT NULL,
        received_ts DOUBLE PRECISION NOT NULL, PRIMARY KEY (party, nsu)
    )""",
    """CREATE TABLE IF NOT EXISTS dfe_parties (
        party TEXT PRIMARY KEY, last_dist_ts DOUBLE PRECISION, last_ult_nsu BIGINT, empty_ts DOUBLE PRECISION,
        blocked_until DOUBLE PRECISION, block_reason TEXT, window_start DOUBLE PRECISION, key_queries INTEGER
    )""",
]


@dataclass(frozen=True)
class PartyState:
    party: str
    last_dist_ts: float | None = None  # last distNSU call: NSUs are generated while it is recent (60 days)
    last_ult_nsu: int | None = None  # the ultNSU of the last distNSU answer: the next call must continue from it
    empty_ts: float | None = None  # when a distNSU answer said nothing was left (137 or ultNSU == maxNSU)
    blocked_until: float | None = None
    block_reason: str = ""
    window_start: float | None = None  # the hour consChNFe / consNSU are counted in
    key_queries: int = 0


@dataclass(frozen=True)
class Item:
    nsu: int
    chNFe: str
    schema: str
    xml: str
    received_ts: float


_P = "party, last_dist_ts, last_ult_nsu, empty_ts, blocked_until, block_reason, window_start, key_queries"


def state(tx: Tx, party: str) -> PartyState:
    rows = tx.execute(f"SELECT {_P} FROM dfe_parties WHERE party = ?", (party,))
    if not rows:
        return PartyState(party)
    r = rows[0]
    return PartyState(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6], r[7] or 0)


def save(tx: Tx, s: PartyState) -> None:
    tx.execute("DELETE FROM dfe_parties WHERE party = ?", (s.party,))
    tx.execute(f"INSERT INTO dfe_parties ({_P}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               (s.party, s.last_dist_ts, s.last_ult_nsu, s.empty_ts, s.blocked_until, s.block_reason or None,
                s.window_start, s.key_queries))


def forget(tx: Tx, party: str | None = None) -> int:
    """Admin reset: a party's NSU history and distribution state (every party's when None)."""
    where, params = (" WHERE party = ?", (party,)) if party else ("", ())
    n = len(tx.execute("SELECT party FROM dfe_parties" + where, params))
    tx.execute("DELETE FROM dfe_docs" + where, params)
    tx.execute("DELETE FROM dfe_parties" + where, params)
    return n


def max_nsu(tx: Tx, party: str) -> int:
    rows = tx.execute("SELECT MAX(nsu) FROM dfe_docs WHERE party = ?", (party,))
    return int(rows[0][0] or 0)


def users(tx: Tx, parties: list[str], now_ts: float, idle_s: float) -> set[str]:
    """Which of `parties` use the distribution (a distNSU call within idle_s): only they get NSUs (NT 2014.002 §3.4:
    none retroactive for a new or idle party). One query for a document's parties, on the authorization path."""
    if not parties:
        return set()
    marks = ", ".join("?" for _ in parties)
    rows = tx.execute(f"SELECT party FROM dfe_parties WHERE party IN ({marks}) AND last_dist_ts >= ?",
                      (*parties, now_ts - idle_s))
    return {r[0] for r in rows}


def publish(tx: Tx, party: str, chNFe: str, schema: str, xml: str, now_ts: float) -> int:
    """Give `party` (a user: see users()) the next NSU for this document."""
    nsu = max_nsu(tx, party) + 1
    tx.execute("INSERT INTO dfe_docs (party, nsu, chNFe, doc_schema, xml, received_ts) VALUES (?, ?, ?, ?, ?, ?)",
               (party, nsu, chNFe, schema, xml, now_ts))
    return nsu


def after(tx: Tx, party: str, ult_nsu: int, limit: int, since_ts: float) -> list[Item]:
    """Up to `limit` documents after ult_nsu, in NSU order, received after since_ts (the 90-day window)."""
    rows = tx.execute("SELECT nsu, chNFe, doc_schema, xml, received_ts FROM dfe_docs WHERE party = ? AND nsu > ? "
                      "AND received_ts >= ? ORDER BY nsu LIMIT ?", (party, ult_nsu, since_ts, limit))
    return [Item(*r) for r in rows]


def at(tx: Tx, party: str, nsu: int) -> Item | None:
    rows = tx.execute("SELECT nsu, chNFe, doc_schema, xml, received_ts FROM dfe_docs WHERE party = ? AND nsu = ?",
                      (party, nsu))
    return Item(*rows[0]) if rows else None


def has_key(tx: Tx, party: str, chNFe: str, schema_prefix: str) -> bool:
    rows = tx.execute("SELECT 1 FROM dfe_docs WHERE party = ? AND chNFe = ? AND doc_schema LIKE ?",
                      (party, chNFe, schema_prefix + "%"))
    return bool(rows)
