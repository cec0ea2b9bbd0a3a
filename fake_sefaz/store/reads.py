"""The store's side of rules/ports.py: read-only views over a transaction or over the store.

TxReads wraps the unit of work's transaction and exposes its read methods only; StoreReads runs each read
as one statement of its own (Store.peek). Neither can write, which is how "rules never write" is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from fake_sefaz.domain.taxpayers import Taxpayer
from fake_sefaz.store import contingency as cstore
from fake_sefaz.store import csc
from fake_sefaz.store import events as evstore
from fake_sefaz.store import registry as sql

if TYPE_CHECKING:
    from fake_sefaz.domain.records import DocumentRecord
    from fake_sefaz.store.base import Store, Tx


class TxReads:
    """rules.ports.DocumentReads over an open transaction."""

    __slots__ = ("_tx",)

    def __init__(self, tx: "Tx") -> None:
        self._tx = tx

    def document(self, chNFe: str) -> "DocumentRecord | None":
        return self._tx.document(chNFe)

    def document_by_number(self, tpAmb: int, issuer: str, mod: int, serie: int, nNF: int) -> "DocumentRecord | None":
        return self._tx.document_by_number(tpAmb, issuer, mod, serie, nNF)

    def voided(self, tpAmb: int, cnpj: str, mod: int, serie: int, first: int, last: int) -> list:
        return evstore.voidings_overlapping(self._tx, tpAmb, cnpj, mod, serie, first, last)

    def used_numbers(self, tpAmb: int, cnpj: str, mod: int, serie: int, first: int, last: int) -> list[tuple[int, str]]:
        return evstore.documents_in_range(self._tx, tpAmb, cnpj, mod, serie, first, last)

    def event_exists(self, chNFe: str, tpEvento: str, nSeqEvento: int) -> bool:
        return evstore.event_exists(self._tx, chNFe, tpEvento, nSeqEvento)

    def substitutes_used(self, chNFeRef: str) -> bool:
        return evstore.substitutes_used(self._tx, chNFeRef)

    def taxpayers(self, doc: str, uf: str) -> list[Taxpayer]:
        return [Taxpayer.from_row(r) for r in sql.by_doc(self._tx, doc, uf)]

    def epec(self, chNFe: str) -> "cstore.EpecRecord | None":
        return cstore.epec(self._tx, chNFe)

    def epec_by_number(self, tpAmb: int, issuer: str, mod: int, serie: int, nNF: int) -> "cstore.EpecRecord | None":
        return cstore.epec_by_number(self._tx, tpAmb, issuer, mod, serie, nNF)

    def epecs_in_range(self, tpAmb: int, issuer: str, mod: int, serie: int, first: int, last: int) -> list:
        return cstore.epecs_in_range(self._tx, tpAmb, issuer, mod, serie, first, last)

    def pending_epecs(self, tpAmb: int, issuer: str) -> list:
        return cstore.pending_epecs(self._tx, tpAmb, issuer)


class StoreReads:
    """rules.ports.RegistryReads over the store: each read is one statement without BEGIN (Store.peek)."""

    __slots__ = ("_store",)

    def __init__(self, store: "Store") -> None:
        self._store = store

    def registry_lookups(self, uf: str, wanted: Sequence[tuple[str, str | None]]) -> list[list[Taxpayer]]:
        rows = self._store.peek(lambda tx: sql.lookups(tx, uf, wanted))  # one UNION ALL statement
        return [[Taxpayer.from_row(r) for r in part] for part in rows]

    def csc_tokens(self, base: str, cUF: int, tpAmb: int) -> list:
        return self._store.read(lambda tx: csc.list_tokens(tx, base, cUF, tpAmb))

    def registrations(self, kind: str, value: str, uf: str) -> list[Taxpayer]:
        def read(tx):
            return sql.by_ie(tx, value, uf) if kind == "IE" else sql.by_doc(tx, value, uf)

        return [Taxpayer.from_row(r) for r in self._store.read(read)]
