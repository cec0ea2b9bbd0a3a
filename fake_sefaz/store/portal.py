"""The taxpayer portal's state: sessions of "Atendimento On-line" and the procurações eletrônicas (seeds 000, 001).

- A session is opened by a certificate login (or a password login, when the settings allow it) for one
  establishment (CNPJ + IE) the holder chose. It is bound to the certificate that opened it (its SHA-1
  fingerprint), so a cookie replayed from a connection with another certificate, or none, opens nothing. It
  expires at a fixed instant of the injected clock.
- A procuração is granted by a company (the CNPJ base of its e-CNPJ: seed 001, item 6: "o contribuinte deverá
  acessar ... fazendo uso de certificado digital para conceder a procuração") to an e-CPF holder (a colleague,
  item 4) or to an accountant's CPF or CNPJ (item 7), with scopes and a validity period, and may be revoked.
Instants are epoch seconds from the injected clock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fake_sefaz.store.base import Tx

DDL = [
    """CREATE TABLE IF NOT EXISTS portal_sessions (
        token TEXT PRIMARY KEY, cert_fp TEXT NOT NULL, holder TEXT NOT NULL, cnpj TEXT NOT NULL, ie TEXT NOT NULL,
        role TEXT NOT NULL, scopes TEXT NOT NULL, created_ts DOUBLE PRECISION NOT NULL,
        expires_ts DOUBLE PRECISION NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS procuracoes (
        id INTEGER PRIMARY KEY, grantor TEXT NOT NULL, grantee TEXT NOT NULL, scopes TEXT NOT NULL,
        valid_from DOUBLE PRECISION NOT NULL, valid_until DOUBLE PRECISION NOT NULL, revoked_ts DOUBLE PRECISION,
        created_ts DOUBLE PRECISION NOT NULL
    )""",
]

# What a procuração may grant; the company's own certificate (role "titular") holds them all.
SCOPES: dict[str, str] = {
    "csc": "Requisitar Token NFC-e (CSC)",
    "xml": "NF-e - Consulta de Arquivos XML",
    "cadastro": "Dados da Empresa (cadastro)",
}
TITULAR, PROCURADOR, SENHA = "titular", "procurador", "senha"


@dataclass(frozen=True)
class Session:
    token: str
    cert_fp: str
    holder: str  # CNPJ or CPF of the certificate (or the IE of a password login)
    cnpj: str  # the establishment chosen
    ie: str
    role: str
    scopes: tuple[str, ...]
    created_ts: float
    expires_ts: float

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True)
class Procuracao:
    id: int
    grantor: str  # CNPJ of the company's e-CNPJ that granted it (its base, 8 characters, is the company)
    grantee: str  # CPF (11) or CNPJ (14)
    scopes: tuple[str, ...]
    valid_from: float
    valid_until: float
    revoked_ts: float | None
    created_ts: float

    def active(self, now_ts: float) -> bool:
        return self.revoked_ts is None and self.valid_from <= now_ts <= self.valid_until


_S_COLUMNS = "token, cert_fp, holder, cnpj, ie, role, scopes, created_ts, expires_ts"
_P_COLUMNS = "id, grantor, grantee, scopes, valid_from, valid_until, revoked_ts, created_ts"


def _session(row: tuple) -> Session:
    return Session(*row[:6], tuple(s for s in row[6].split(",") if s), *row[7:])  # type: ignore[call-arg]


def _procuracao(row: tuple) -> Procuracao:
    return Procuracao(row[0], row[1], row[2], tuple(s for s in row[3].split(",") if s), *row[4:])


def open_session(tx: Tx, *, cert_fp: str, holder: str, cnpj: str, ie: str, role: str, scopes: tuple[str, ...],
                 now_ts: float, minutes: float) -> Session:
    session = Session(secrets.token_urlsafe(24), cert_fp, holder, cnpj, ie, role, tuple(scopes), now_ts,
                      now_ts + minutes * 60)
    tx.execute("DELETE FROM portal_sessions WHERE expires_ts < ?", (now_ts,))  # expired ones go on the way
    tx.execute(f"INSERT INTO portal_sessions ({_S_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (session.token, cert_fp, holder, cnpj, ie, role, ",".join(scopes), now_ts, session.expires_ts))
    return session


def find_session(tx: Tx, token: str, now_ts: float) -> Session | None:
    """The session of a cookie, while it has not expired."""
    rows = tx.execute(f"SELECT {_S_COLUMNS} FROM portal_sessions WHERE token = ?", (token,))
    if not rows:
        return None
    session = _session(rows[0])
    return session if now_ts <= session.expires_ts else None


def close_session(tx: Tx, token: str) -> None:
    tx.execute("DELETE FROM portal_sessions WHERE token = ?", (token,))


def grant(tx: Tx, grantor: str, grantee: str, scopes: tuple[str, ...], valid_from: float, valid_until: float,
          now_ts: float) -> Procuracao:
    rows = tx.execute("SELECT MAX(id) FROM procuracoes")
    next_id = (rows[0][0] or 0) + 1
    tx.execute(f"INSERT INTO procuracoes ({_P_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
               (next_id, grantor, grantee, ",".join(scopes), valid_from, valid_until, now_ts))
    return Procuracao(next_id, grantor, grantee, tuple(scopes), valid_from, valid_until, None, now_ts)


def granted_by(tx: Tx, base: str) -> list[Procuracao]:
    """Every procuração of a company (CNPJ base), newest first."""
    rows = tx.execute(f"SELECT {_P_COLUMNS} FROM procuracoes WHERE substr(grantor, 1, 8) = ? ORDER BY id DESC",
                      (base[:8],))
    return [_procuracao(r) for r in rows]


def granted_to(tx: Tx, grantee: str, now_ts: float) -> list[Procuracao]:
    """The procurações in force for a CPF or CNPJ, newest first."""
    rows = tx.execute(f"SELECT {_P_COLUMNS} FROM procuracoes WHERE grantee = ? ORDER BY id DESC", (grantee,))
    return [p for p in map(_procuracao, rows) if p.active(now_ts)]


def revoke(tx: Tx, base: str, procuracao_id: int, now_ts: float) -> bool:
    """Revoke one of a company's procurações (CNPJ base); False when it has no such one unrevoked."""
    rows = tx.execute(f"SELECT {_P_COLUMNS} FROM procuracoes WHERE id = ? AND substr(grantor, 1, 8) = ?",
                      (procuracao_id, base[:8]))
    if not rows or _procuracao(rows[0]).revoked_ts is not None:
        return False
    tx.execute("UPDATE procuracoes SET revoked_ts = ? WHERE id = ?", (now_ts, procuracao_id))
    # sessions opened under it end with it
    tx.execute("DELETE FROM portal_sessions WHERE role = ? AND holder = ? AND substr(cnpj, 1, 8) = ?",
               (PROCURADOR, _procuracao(rows[0]).grantee, base[:8]))
    return True
