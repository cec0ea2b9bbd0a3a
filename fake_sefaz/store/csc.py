"""CSC ("código token") of the NFC-e QR code: per taxpayer, per UF and environment.

The SEFAZ-AM token guide (reference/seeds/000, extract reference/regulation-am-csc-certificates-decreto-27440-2008.md
§1) and the national admCscNFCe description give the rules kept here:
- CSC-07 / raizCNPJ: a token is valid for every establishment of the taxpayer in the UF, so the key is the CNPJ
  base (8 first characters), with the UF and the environment (separate sequences for homologação and produção).
- CSC-11 / §1.2: the ID is a sequence per taxpayer, never reused, shown as 6 zero-padded digits; the token is an
  opaque string kept exactly (token 000001 of the guide starts with 0).
- CSC-06: at most two active tokens at once. A third request is REFUSED (CscError "limit", HTTP 409), as the national
  web service states ("só será aceita a requisição de novo CSC após a revogação de um deles"); a refused request
  consumes no ID.
- CSC-10 / CSC-13 / CSC-14: revoking sets the end of validity to the instant of the request; revocation is final.
Instants are epoch seconds from the injected clock.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from fake_sefaz.store.base import Tx

DDL = [
    """CREATE TABLE IF NOT EXISTS csc_tokens (
        cnpj_base TEXT NOT NULL, cUF INTEGER NOT NULL, tpAmb INTEGER NOT NULL, id INTEGER NOT NULL,
        token TEXT NOT NULL, start_ts DOUBLE PRECISION NOT NULL, end_ts DOUBLE PRECISION,
        PRIMARY KEY (cnpj_base, cUF, tpAmb, id)
    )""",
]

MAX_ACTIVE = 2
TOKEN_RE = re.compile(r"[0-9A-Za-z]{1,36}")
_COLUMNS = "cnpj_base, cUF, tpAmb, id, token, start_ts, end_ts"


@dataclass(frozen=True)
class CscToken:
    cnpj_base: str
    cUF: int
    tpAmb: int
    id: int
    token: str
    start_ts: float
    end_ts: float | None

    @property
    def id6(self) -> str:
        return f"{self.id:06d}"

    @property
    def active(self) -> bool:
        return self.end_ts is None


class CscError(Exception):
    """A refused CSC operation: kind is 'limit', 'unknown', 'revoked' or 'invalid' (HTTP 409/404/409/400)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def cnpj_base(cnpj: str) -> str:
    """The 8-character CNPJ base (raizCNPJ) of a CNPJ or of a base; CscError when it cannot be one."""
    digits = "".join(c for c in cnpj if c.isalnum()).upper()
    if len(digits) not in (8, 14) or not digits[:8].isalnum():
        raise CscError("invalid", f"not a CNPJ or CNPJ base: {cnpj!r}")
    return digits[:8]


def new_token(length: int, alphabet: str) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def list_tokens(tx: Tx, base: str, cUF: int, tpAmb: int) -> list[CscToken]:
    """All tokens of the taxpayer, active and revoked (CSC-09), newest first as the portal shows them."""
    rows = tx.execute(f"SELECT {_COLUMNS} FROM csc_tokens WHERE cnpj_base = ? AND cUF = ? AND tpAmb = ? "
                      "ORDER BY id DESC", (base, cUF, tpAmb))
    return [CscToken(*r) for r in rows]


def find(tx: Tx, base: str, cUF: int, tpAmb: int, token_id: int) -> CscToken | None:
    rows = tx.execute(f"SELECT {_COLUMNS} FROM csc_tokens WHERE cnpj_base = ? AND cUF = ? AND tpAmb = ? AND id = ?",
                      (base, cUF, tpAmb, token_id))
    return CscToken(*rows[0]) if rows else None


def request_token(tx: Tx, base: str, cUF: int, tpAmb: int, now_ts: float, token: str) -> CscToken:
    """A new active token with the next ID; refused while two are active (CSC-06)."""
    if not TOKEN_RE.fullmatch(token):
        raise CscError("invalid", "the token must be 1 to 36 letters or digits")
    existing = list_tokens(tx, base, cUF, tpAmb)
    if sum(1 for t in existing if t.active) >= MAX_ACTIVE:
        raise CscError("limit", "two tokens are already active: revoke one before requesting a new one")
    next_id = (existing[0].id + 1) if existing else 1
    if next_id > 999999:
        raise CscError("limit", "token IDs exhausted (6 digits)")
    # Two concurrent requests compute the same ID: the primary key fires and the unit runs again (store.run).
    tx.execute(f"INSERT INTO csc_tokens ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, NULL)",
               (base, cUF, tpAmb, next_id, token, now_ts))
    return CscToken(base, cUF, tpAmb, next_id, token, now_ts, None)


def revoke(tx: Tx, base: str, cUF: int, tpAmb: int, token_id: int, now_ts: float) -> CscToken:
    """Set the end of validity of an active token (CSC-08, CSC-13); final (CSC-14)."""
    found = find(tx, base, cUF, tpAmb, token_id)
    if found is None:
        raise CscError("unknown", f"no token with id {token_id:06d} for this taxpayer")
    if not found.active:
        raise CscError("revoked", f"token {token_id:06d} is already revoked")
    tx.execute("UPDATE csc_tokens SET end_ts = ? WHERE cnpj_base = ? AND cUF = ? AND tpAmb = ? AND id = ?",
               (now_ts, base, cUF, tpAmb, token_id))
    return CscToken(base, cUF, tpAmb, token_id, found.token, found.start_ts, now_ts)
