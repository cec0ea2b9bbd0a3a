"""Contingency state: the SVC activation windows each origin SEFAZ registered, and the EPECs the Ambiente Nacional
holds with their reconciliation state (issue 16; reference national-services-and-transport.md §5.3, §5.4).

Every function takes a Tx (store/base.py) and writes portable SQL with '?' placeholders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fake_sefaz.domain.contingency import Activation

DDL = [
    """CREATE TABLE IF NOT EXISTS svc_activations (
        uf TEXT NOT NULL, tpAmb INTEGER NOT NULL, start_ts DOUBLE PRECISION NOT NULL,
        end_ts DOUBLE PRECISION, reason TEXT NOT NULL,
        PRIMARY KEY (uf, tpAmb, start_ts)
    )""",
    """CREATE TABLE IF NOT EXISTS epecs (
        chNFe TEXT PRIMARY KEY, tpAmb INTEGER NOT NULL, cUF INTEGER NOT NULL, issuer TEXT NOT NULL,
        mod INTEGER NOT NULL, serie INTEGER NOT NULL, nNF INTEGER NOT NULL, nProt TEXT NOT NULL,
        received_ts DOUBLE PRECISION NOT NULL, fields TEXT NOT NULL, state TEXT NOT NULL,
        UNIQUE (tpAmb, issuer, mod, serie, nNF)
    )""",
]

# EPEC states (MOC-VG §3.3.10-3.3.17): pending until an NF-e with its key is authorized or denied; waived when
# the SEFAZ releases it (the AN extranet; here the admin API).
PENDING, RECONCILED, WAIVED = "pending", "reconciled", "waived"


# --- SVC activation windows

def activations(tx, uf: str | None = None, tpAmb: int | None = None) -> list[Activation]:
    sql, params = "SELECT uf, tpAmb, start_ts, end_ts, reason FROM svc_activations", []
    where = []
    if uf is not None:
        where.append("uf = ?")
        params.append(uf)
    if tpAmb is not None:
        where.append("tpAmb = ?")
        params.append(tpAmb)
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [Activation(*r) for r in tx.execute(sql + " ORDER BY uf, tpAmb, start_ts", tuple(params))]


def activate(tx, w: Activation) -> None:
    tx.execute("DELETE FROM svc_activations WHERE uf = ? AND tpAmb = ? AND start_ts = ?", (w.uf, w.tpAmb, w.start_ts))
    tx.execute("INSERT INTO svc_activations (uf, tpAmb, start_ts, end_ts, reason) VALUES (?, ?, ?, ?, ?)",
               (w.uf, w.tpAmb, w.start_ts, w.end_ts, w.reason))


def schedule_end(tx, uf: str, tpAmb: int, now_ts: float, end_ts: float) -> int:
    """End the windows of the UF that are open at now_ts (or start later) at end_ts; windows starting after end_ts
    are dropped. The number of windows changed."""
    dropped = tx.execute("DELETE FROM svc_activations WHERE uf = ? AND tpAmb = ? AND start_ts >= ? RETURNING uf",
                         (uf, tpAmb, end_ts))
    changed = tx.execute("UPDATE svc_activations SET end_ts = ? WHERE uf = ? AND tpAmb = ? AND start_ts < ? "
                         "AND (end_ts IS NULL OR end_ts > ?) RETURNING uf", (end_ts, uf, tpAmb, end_ts, now_ts))
    return len(dropped) + len(changed)


# --- EPEC

@dataclass(frozen=True, slots=True)
class EpecRecord:
    chNFe: str
    tpAmb: int
    cUF: int
    issuer: str  # CNPJ, or a CPF zero-padded to 14, as in the key
    mod: int
    serie: int
    nNF: int
    nProt: str
    received_ts: float
    fields: str  # JSON: the detEvento values the NF-e must repeat (467)
    state: str

    @property
    def values(self) -> dict[str, str]:
        return json.loads(self.fields)


_EPEC_COLUMNS = list(EpecRecord.__dataclass_fields__)
_SELECT_EPEC = f"SELECT {', '.join(_EPEC_COLUMNS)} FROM epecs"


def insert_epec(tx, rec: EpecRecord) -> None:
    marks = ", ".join("?" for _ in _EPEC_COLUMNS)
    tx.execute(f"INSERT INTO epecs ({', '.join(_EPEC_COLUMNS)}) VALUES ({marks})",
               tuple(getattr(rec, c) for c in _EPEC_COLUMNS))


def epec(tx, chNFe: str) -> EpecRecord | None:
    rows = tx.execute(_SELECT_EPEC + " WHERE chNFe = ?", (chNFe,))
    return EpecRecord(*rows[0]) if rows else None


def epec_by_number(tx, tpAmb: int, issuer: str, mod: int, serie: int, nNF: int) -> EpecRecord | None:
    rows = tx.execute(_SELECT_EPEC + " WHERE tpAmb = ? AND issuer = ? AND mod = ? AND serie = ? AND nNF = ?",
                      (tpAmb, issuer, mod, serie, nNF))
    return EpecRecord(*rows[0]) if rows else None


def epecs_in_range(tx, tpAmb: int, issuer: str, mod: int, serie: int, first: int, last: int) -> list[EpecRecord]:
    rows = tx.execute(_SELECT_EPEC + " WHERE tpAmb = ? AND issuer = ? AND mod = ? AND serie = ? AND nNF BETWEEN ? AND ?"
                      " ORDER BY nNF", (tpAmb, issuer, mod, serie, first, last))
    return [EpecRecord(*r) for r in rows]


def pending_epecs(tx, tpAmb: int, issuer: str, limit: int = 50) -> list[EpecRecord]:
    """The issuer's EPECs still waiting for their NF-e, oldest first."""
    rows = tx.execute(_SELECT_EPEC + " WHERE tpAmb = ? AND issuer = ? AND state = ? ORDER BY received_ts LIMIT ?",
                      (tpAmb, issuer, PENDING, limit))
    return [EpecRecord(*r) for r in rows]


def list_epecs(tx, issuer: str | None = None) -> list[EpecRecord]:
    if issuer is None:
        return [EpecRecord(*r) for r in tx.execute(_SELECT_EPEC + " ORDER BY received_ts")]
    return [EpecRecord(*r) for r in tx.execute(_SELECT_EPEC + " WHERE issuer = ? ORDER BY received_ts", (issuer,))]


def waive_pending(tx, issuer: str) -> int:
    """Release every pending EPEC of an issuer (the SEFAZ's extranet, for a whole emitter): the number released."""
    return len(tx.execute("UPDATE epecs SET state = ? WHERE issuer = ? AND state = ? RETURNING chNFe",
                          (WAIVED, issuer, PENDING)))


def set_epec_state(tx, chNFe: str, state: str) -> int:
    return len(tx.execute("UPDATE epecs SET state = ? WHERE chNFe = ? RETURNING chNFe", (state, chNFe)))
