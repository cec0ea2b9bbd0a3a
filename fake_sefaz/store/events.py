"""Events (procEventoNFe), inutilizações (procInutNFe) and circulation evidence: tables and queries.

Every function takes a Tx (store/base.py) and writes portable SQL with '?' placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass

DDL = [
    """CREATE TABLE IF NOT EXISTS events (
        chNFe TEXT NOT NULL, tpEvento TEXT NOT NULL, nSeqEvento INTEGER NOT NULL,
        tpAmb INTEGER NOT NULL, cOrgao INTEGER NOT NULL, author TEXT NOT NULL, dhEvento TEXT NOT NULL,
        cStat INTEGER NOT NULL, nProt TEXT NOT NULL, dhRegEvento TEXT NOT NULL,
        received_ts DOUBLE PRECISION NOT NULL, detail TEXT NOT NULL, proc_xml TEXT NOT NULL,
        PRIMARY KEY (chNFe, tpEvento, nSeqEvento)
    )""",
    """CREATE TABLE IF NOT EXISTS inutilizations (
        id TEXT NOT NULL, tpAmb INTEGER NOT NULL, cUF INTEGER NOT NULL, ano INTEGER NOT NULL,
        cnpj TEXT NOT NULL, mod INTEGER NOT NULL, serie INTEGER NOT NULL,
        nNFIni INTEGER NOT NULL, nNFFin INTEGER NOT NULL, state TEXT NOT NULL,
        nProt TEXT PRIMARY KEY, dhRecbto TEXT NOT NULL, received_ts DOUBLE PRECISION NOT NULL, proc_xml TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS circulation (
        chNFe TEXT NOT NULL, kind TEXT NOT NULL, reference TEXT NOT NULL, recorded_ts DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (chNFe, kind, reference)
    )""",
]

# Inutilização states. DF Portaria 403 art. 17 §5 (SEEC 108/2022): a contingency NF-e sent with a voided
# number cancels that voiding; a cancelled voiding no longer blocks the number (see cancel_voiding()).
GRANTED = "granted"
VOIDING_CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class EventRecord:
    chNFe: str
    tpEvento: str
    nSeqEvento: int
    tpAmb: int
    cOrgao: int
    author: str
    dhEvento: str
    cStat: int  # 135, 136 or 155
    nProt: str
    dhRegEvento: str
    received_ts: float
    detail: str  # for 210200-210240 nothing; for 110112 the substitute key (chNFeRef)
    proc_xml: str  # procEventoNFe: the signed evento as received + the retEvento exactly as answered


_EV_COLUMNS = list(EventRecord.__dataclass_fields__)


def insert_event(tx, ev: EventRecord) -> None:
    marks = ", ".join("?" for _ in _EV_COLUMNS)
    tx.execute(f"INSERT INTO events ({', '.join(_EV_COLUMNS)}) VALUES ({marks})",
               tuple(getattr(ev, c) for c in _EV_COLUMNS))


def events_of(tx, chNFe: str) -> list[EventRecord]:
    """The registered events of a key, in the order they were registered (protocol order)."""
    rows = tx.execute(f"SELECT {', '.join(_EV_COLUMNS)} FROM events WHERE chNFe = ? ORDER BY received_ts, nProt",
                      (chNFe,))
    return [EventRecord(*r) for r in rows]


def event_exists(tx, chNFe: str, tpEvento: str, nSeqEvento: int) -> bool:
    return bool(tx.execute("SELECT 1 FROM events WHERE chNFe = ? AND tpEvento = ? AND nSeqEvento = ?",
                           (chNFe, tpEvento, nSeqEvento)))


def substitutes_used(tx, chNFeRef: str) -> bool:
    """Whether a 110112 already names this substitute key."""
    return bool(tx.execute("SELECT 1 FROM events WHERE tpEvento = '110112' AND detail = ?", (chNFeRef,)))


# --- inutilização

@dataclass(frozen=True, slots=True)
class VoidingRecord:
    id: str
    tpAmb: int
    cUF: int
    ano: int
    cnpj: str
    mod: int
    serie: int
    nNFIni: int
    nNFFin: int
    state: str
    nProt: str
    dhRecbto: str
    received_ts: float
    proc_xml: str  # ProcInutNFe: the signed inutNFe + the retInutNFe as answered


_IN_COLUMNS = list(VoidingRecord.__dataclass_fields__)


def insert_voiding(tx, v: VoidingRecord) -> None:
    marks = ", ".join("?" for _ in _IN_COLUMNS)
    tx.execute(f"INSERT INTO inutilizations ({', '.join(_IN_COLUMNS)}) VALUES ({marks})",
               tuple(getattr(v, c) for c in _IN_COLUMNS))


def voidings_overlapping(tx, tpAmb: int, cnpj: str, mod: int, serie: int, first: int, last: int) -> list[VoidingRecord]:
    """Granted voidings of the series that share at least one number with [first, last]."""
    rows = tx.execute(
        f"SELECT {', '.join(_IN_COLUMNS)} FROM inutilizations WHERE tpAmb = ? AND cnpj = ? AND mod = ? AND serie = ? "
        "AND state = ? AND nNFIni <= ? AND nNFFin >= ? ORDER BY nNFIni",
        (tpAmb, cnpj, mod, serie, GRANTED, last, first),
    )
    return [VoidingRecord(*r) for r in rows]


def voidings_of_series(tx, tpAmb: int, cnpj: str, mod: int, serie: int) -> list[VoidingRecord]:
    rows = tx.execute(
        f"SELECT {', '.join(_IN_COLUMNS)} FROM inutilizations WHERE tpAmb = ? AND cnpj = ? AND mod = ? AND serie = ? "
        "AND state = ? ORDER BY nNFIni", (tpAmb, cnpj, mod, serie, GRANTED))
    return [VoidingRecord(*r) for r in rows]


def cancel_voiding(tx, tpAmb: int, cnpj: str, mod: int, serie: int, nNF: int) -> bool:
    """DF Portaria 403 art. 17 § 5 (SEEC 108/2022): a contingency NF-e transmitted with a voided number cancels
    the Pedido de Inutilização that covers it (the whole request, as the text says). Called by authorization's
    rule GH03 inside the lot's transaction; returns whether there was one."""
    found = voidings_overlapping(tx, tpAmb, cnpj, mod, serie, nNF, nNF)
    for v in found:
        tx.execute("UPDATE inutilizations SET state = ? WHERE nProt = ?", (VOIDING_CANCELLED, v.nProt))
    return bool(found)


def documents_in_range(tx, tpAmb: int, cnpj: str, mod: int, serie: int, first: int, last: int) -> list[tuple[int, str]]:
    """(nNF, state) of stored documents (authorized, denied or cancelled) of the series within [first, last]."""
    rows = tx.execute(
        "SELECT nNF, state FROM documents WHERE tpAmb = ? AND issuer = ? AND mod = ? AND serie = ? "
        "AND nNF >= ? AND nNF <= ? ORDER BY nNF", (tpAmb, cnpj, mod, serie, first, last))
    return [(int(r[0]), r[1]) for r in rows]


# --- circulation evidence (admin API): passage, CT-e/MDF-e link, SUFRAMA, Duplicata Escritural, prorrogação

def add_evidence(tx, chNFe: str, kind: str, reference: str, recorded_ts: float) -> None:
    tx.execute("INSERT INTO circulation (chNFe, kind, reference, recorded_ts) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (chNFe, kind, reference) DO NOTHING", (chNFe, kind, reference, recorded_ts))


def evidence_of(tx, chNFe: str) -> list[tuple[str, str, float]]:
    rows = tx.execute("SELECT kind, reference, recorded_ts FROM circulation WHERE chNFe = ? ORDER BY recorded_ts, kind",
                      (chNFe,))
    return [(r[0], r[1], float(r[2])) for r in rows]


def delete_evidence(tx, chNFe: str) -> int:
    n = len(evidence_of(tx, chNFe))
    tx.execute("DELETE FROM circulation WHERE chNFe = ?", (chNFe,))
    return n


def series_of(tx, tpAmb: int, cnpj: str) -> list[tuple[int, int]]:
    rows = tx.execute("SELECT DISTINCT mod, serie FROM documents WHERE tpAmb = ? AND issuer = ? ORDER BY mod, serie",
                      (tpAmb, cnpj))
    return [(int(r[0]), int(r[1])) for r in rows]


def numbers_of_series(tx, tpAmb: int, cnpj: str, mod: int, serie: int) -> list[tuple[int, str]]:
    """(nNF, dhEmi) of every stored document of the series, by number."""
    rows = tx.execute("SELECT nNF, dhEmi FROM documents WHERE tpAmb = ? AND issuer = ? AND mod = ? AND serie = ? "
                      "ORDER BY nNF", (tpAmb, cnpj, mod, serie))
    return [(int(r[0]), r[1]) for r in rows]
