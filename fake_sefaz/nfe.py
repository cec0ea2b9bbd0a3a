"""A read-only view of one NF-e/NFC-e element: the fields the rules read, found once.

The element is the copy detached from the envelope, the very element whose signature is verified
(the rules never read a field outside the signed infNFe).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cached_property

from lxml import etree

from .xml import D, N


def _dec(value: str | None) -> Decimal:
    try:
        return Decimal(value) if value else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


class NFeView:
    def __init__(self, nfe: etree._Element) -> None:
        self.element = nfe
        self.inf = nfe.find(N + "infNFe")
        self.ide = self.inf.find(N + "ide")
        self.emit = self.inf.find(N + "emit")
        self.dest = self.inf.find(N + "dest")
        self.Id = self.inf.get("Id") or ""

    def ide_(self, name: str) -> str:
        return self.ide.findtext(N + name) or ""

    @property
    def key(self) -> str:
        return self.Id[3:]

    @cached_property
    def cUF(self) -> str: return self.ide_("cUF")
    @cached_property
    def cNF(self) -> str: return self.ide_("cNF")
    @cached_property
    def mod(self) -> str: return self.ide_("mod")
    @cached_property
    def serie(self) -> str: return self.ide_("serie")
    @cached_property
    def nNF(self) -> str: return self.ide_("nNF")
    @cached_property
    def dhEmi(self) -> str: return self.ide_("dhEmi")
    @cached_property
    def tpEmis(self) -> str: return self.ide_("tpEmis")
    @cached_property
    def cDV(self) -> str: return self.ide_("cDV")
    @cached_property
    def tpAmb(self) -> str: return self.ide_("tpAmb")

    @cached_property
    def issuer_cnpj(self) -> str | None:
        return self.emit.findtext(N + "CNPJ")

    @cached_property
    def issuer_cpf(self) -> str | None:
        return self.emit.findtext(N + "CPF")

    @property
    def issuer(self) -> str:
        return self.issuer_cnpj or self.issuer_cpf or ""

    @cached_property
    def dest_xNome(self) -> str | None:
        return None if self.dest is None else self.dest.findtext(N + "xNome")

    @cached_property
    def totals(self) -> etree._Element | None:
        return self.inf.find(N + "total/" + N + "ICMSTot")

    def total(self, name: str) -> Decimal:
        return _dec(None if self.totals is None else self.totals.findtext(N + name))

    @property
    def vNF(self) -> str:
        return "" if self.totals is None else (self.totals.findtext(N + "vNF") or "")

    def items(self):
        return self.inf.iterfind(N + "det")

    @cached_property
    def digest_value(self) -> str:
        return self.element.findtext(f"{D}Signature/{D}SignedInfo/{D}Reference/{D}DigestValue") or ""
