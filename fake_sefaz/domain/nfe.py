"""A read-only view of one NF-e/NFC-e element: the fields the rules read, found once.

The element is the copy detached from the envelope, the very element whose signature is verified
(the rules never read a field outside the signed infNFe).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cached_property

from lxml import etree

from fake_sefaz.domain.xml import D, N


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

    @cached_property
    def _ide_texts(self) -> dict[str, str]:
        # One pass over ide's children instead of one find() per field; the first occurrence wins, like findtext.
        # Keyed by local name (the rules ask ~50 times per NF-e: no N + name concatenation on each call).
        out: dict[str, str] = {}
        cut = len(N)
        for el in self.ide:
            tag = el.tag
            if isinstance(tag, str) and tag.startswith(N):
                out.setdefault(tag[cut:], el.text or "")
        return out

    def ide_(self, name: str) -> str:
        return self._ide_texts.get(name, "")

    @property
    def key(self) -> str:
        return self.Id[3:]

    @property
    def cUF(self) -> str: return self.ide_("cUF")
    @property
    def cNF(self) -> str: return self.ide_("cNF")
    @property
    def mod(self) -> str: return self.ide_("mod")
    @property
    def serie(self) -> str: return self.ide_("serie")
    @property
    def nNF(self) -> str: return self.ide_("nNF")
    @property
    def dhEmi(self) -> str: return self.ide_("dhEmi")
    @property
    def tpEmis(self) -> str: return self.ide_("tpEmis")
    @property
    def cDV(self) -> str: return self.ide_("cDV")
    @property
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

    @cached_property
    def _total_texts(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        if self.totals is not None:
            for el in self.totals:
                if isinstance(el.tag, str) and el.tag not in out:
                    out[el.tag] = el.text or ""
        return out

    def total(self, name: str) -> Decimal:
        return _dec(self._total_texts.get(N + name))

    @property
    def vNF(self) -> str:
        return self._total_texts.get(N + "vNF") or ""

    def items(self):
        return self.inf.iterchildren(N + "det")

    @cached_property
    def amounts(self):
        """Items, totals, payment and billing read once (domain/amounts.py), for the content rules."""
        from fake_sefaz.domain.amounts import extract

        return extract(self.inf)

    @cached_property
    def ibscbs(self):
        """The IBS/CBS/IS fields of the tax reform (domain/ibscbs.py), read once."""
        from fake_sefaz.domain import ibscbs

        return ibscbs.read(self.inf, self._ide_texts)

    @cached_property
    def parties(self):
        """Issuer, recipient, places, authorized downloaders and carrier (domain/parties.py), read once."""
        from fake_sefaz.domain import parties

        return parties.read(self.inf, self._ide_texts)

    @cached_property
    def digest_value(self) -> str:
        return self.element.findtext(f"{D}Signature/{D}SignedInfo/{D}Reference/{D}DigestValue") or ""
