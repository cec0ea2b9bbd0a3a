"""The parties and places of one NF-e, read once into plain values for the identification, destination and
CFOP rules (MOC 7.00 Anexo I groups B, C, E, F, G, GA, X; content-rules.md §2 and §3).

One pass over ide, emit, dest, retirada, entrega, autXML and transp/transporta; a rule compares strings and
never walks the tree again (the hot path runs these rules on every note).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from lxml import etree

from fake_sefaz.domain.xml import N

_CUT = len(N)


def _leaves(el: etree._Element | None) -> dict[str, str]:
    """Direct children of el by local name (first wins), with their text; {} when el is absent."""
    out: dict[str, str] = {}
    if el is not None:
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                out.setdefault(tag[_CUT:], child.text or "")
    return out


@dataclass(frozen=True)
class Place:
    """A party or a place: its identification and address fields (enderEmit/enderDest folded in)."""

    present: bool
    fields: Mapping[str, str]

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


_ABSENT = Place(False, {})


def _place(el: etree._Element | None, address: str | None = None) -> Place:
    if el is None:
        return _ABSENT
    fields = _leaves(el)
    if address is not None:
        addr = el.find(N + address)
        for name, text in _leaves(addr).items():
            fields.setdefault(name, text)
        if addr is None:
            fields.pop(address, None)
        else:
            fields[address] = ""
    return Place(True, fields)


@dataclass(frozen=True)
class Parties:
    ide: Mapping[str, str]
    emit: Place
    dest: Place
    retirada: Place
    entrega: Place
    transporta: Place
    aut_xml: tuple[Mapping[str, str], ...]
    modFrete: str
    ref_keys: tuple[str, ...]  # ide/NFref/refNFe
    has_nfref: bool  # any NFref (refNFe, refNF, refNFP, refCTe, refECF)
    has_veic: bool  # transp/veicTransp or transp/reboque


def read(inf: etree._Element, ide: Mapping[str, str]) -> Parties:
    """The parties of infNFe; `ide` is NFeView's one pass over ide's children."""
    parts: dict[str, etree._Element] = {}
    aut: list[Mapping[str, str]] = []
    for child in inf:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        name = tag[_CUT:]
        if name == "autXML":
            aut.append(_leaves(child))
        else:
            parts.setdefault(name, child)
    ide_el = parts.get("ide")
    refs: list[str] = []
    has_nfref = False
    if ide_el is not None:
        for nfref in ide_el.iterchildren(N + "NFref"):
            has_nfref = True
            key = nfref.findtext(N + "refNFe")
            if key:
                refs.append(key)
    transp = parts.get("transp")
    transp_fields = _leaves(transp)
    return Parties(
        ide=ide,
        emit=_place(parts.get("emit"), "enderEmit"),
        dest=_place(parts.get("dest"), "enderDest"),
        retirada=_place(parts.get("retirada")),
        entrega=_place(parts.get("entrega")),
        transporta=_place(transp.find(N + "transporta") if transp is not None else None),
        aut_xml=tuple(aut),
        modFrete=transp_fields.get("modFrete", ""),
        ref_keys=tuple(refs),
        has_nfref=has_nfref,
        has_veic="veicTransp" in transp_fields or "reboque" in transp_fields,
    )
