"""What rules may read of the authorizer's state: read-only ports, implemented by the store (store/reads.py).

Rules never receive a transaction or the store itself, so none of them can write: every write happens in
the service's unit of work, after the last rule passed (design §3; issue 12). A unit test hands a rule any
object with these methods (an in-memory one is enough): no server, no database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence

if TYPE_CHECKING:
    from fake_sefaz.domain.records import DocumentRecord
    from fake_sefaz.domain.taxpayers import Taxpayer


class DocumentReads(Protocol):
    """Documents, events and voidings, read inside the unit of work that will write the outcome (so two
    workers cannot both pass a rule such as 204 or 539: the service holds the series lock)."""

    def document(self, chNFe: str) -> "DocumentRecord | None": ...

    def document_by_number(self, tpAmb: int, issuer: str, mod: int, serie: int, nNF: int
                           ) -> "DocumentRecord | None": ...

    def voided(self, tpAmb: int, cnpj: str, mod: int, serie: int, first: int, last: int) -> list: ...

    def used_numbers(self, tpAmb: int, cnpj: str, mod: int, serie: int, first: int, last: int
                     ) -> list[tuple[int, str]]: ...

    def event_exists(self, chNFe: str, tpEvento: str, nSeqEvento: int) -> bool: ...

    def substitutes_used(self, chNFeRef: str) -> bool: ...

    def taxpayers(self, doc: str, uf: str) -> "list[Taxpayer]": ...

    # EPECs the AN holds (store/contingency.py EpecRecord), by key, by number, in a range, pending for an issuer
    def epec(self, chNFe: str) -> Any: ...

    def epec_by_number(self, tpAmb: int, issuer: str, mod: int, serie: int, nNF: int) -> Any: ...

    def epecs_in_range(self, tpAmb: int, issuer: str, mod: int, serie: int, first: int, last: int) -> list: ...

    def pending_epecs(self, tpAmb: int, issuer: str) -> list: ...


class RegistryReads(Protocol):
    """The taxpayer registry and the CSC tokens, read outside any unit of work (one statement each)."""

    def registry_lookups(self, uf: str, wanted: Sequence[tuple[str, str | None]]) -> "list[list[Taxpayer]]":
        """For each (kind, value) of wanted ('doc' or 'ie'), the registrations of the UF that match."""
        ...

    def csc_tokens(self, base: str, cUF: int, tpAmb: int) -> list: ...

    def registrations(self, kind: str, value: str, uf: str) -> "list[Taxpayer]":
        """The registrations of the UF by IE (kind 'IE') or by CNPJ/CPF (any other kind)."""
        ...
