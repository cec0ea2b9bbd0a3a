"""IBS / CBS / IS of the tax reform (NT 2025.002-RTC v1.34, schema PL_010f): what the rules read, extracted once
per document into plain values, and the rates of each year.

An item's `IBSCBS` group (and its `IS` group) is flattened into {relative path: text}: "CST", "gIBSCBS/vBC",
"gIBSCBS/gIBSUF/gRed/pAliqEfet", ...; a group with children is present with the text "". The totals group
`total/IBSCBSTot` likewise. The rules (rules/ibscbs.py) then ask `has(path)` and `dec(path)` without walking
the tree again (issue 18: read each document once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterator, Mapping

from lxml import etree

from fake_sefaz.domain.xml import N

ZERO = Decimal(0)
CENT = Decimal("0.01")

# Nominal rates by year of emission (RTC §7.2; LC 214/2025 arts. 343-346: the 2026 test year charges 0.1 % IBS-UF and
# 0.9 % CBS; 2027-2028 0.05 % + 0.05 % IBS and the CBS reference rate, not yet published: None = not checked).
RATES: Mapping[int, tuple[Decimal, Decimal, Decimal | None]] = {
    2025: (Decimal("0.10"), ZERO, Decimal("0.90")),
    2026: (Decimal("0.10"), ZERO, Decimal("0.90")),
    2027: (Decimal("0.05"), Decimal("0.05"), None),
    2028: (Decimal("0.05"), Decimal("0.05"), None),
}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate4(value: Decimal) -> Decimal:
    """pAliqEfet: computed with 4 decimals, rounded at the last one (RTC §7.5.3)."""
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _flatten(el: etree._Element, prefix: str, out: dict[str, str]) -> None:
    cut = len(N)
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or not tag.startswith(N):
            continue
        path = prefix + tag[cut:]
        if len(child):
            out.setdefault(path, "")
            _flatten(child, path + "/", out)
        else:
            out.setdefault(path, (child.text or "").strip())


@dataclass(frozen=True)
class Fields:
    """A flattened group: the first occurrence of each relative path."""

    values: Mapping[str, str] = field(default_factory=dict)

    def has(self, path: str) -> bool:
        return path in self.values

    def text(self, path: str) -> str:
        return self.values.get(path, "")

    def dec(self, path: str) -> Decimal:
        """The amount at path; absent or unreadable counts as 0 (RTC: "not informed" values count as zero)."""
        try:
            return Decimal(self.values.get(path) or 0)
        except InvalidOperation:
            return ZERO


@dataclass(frozen=True)
class Item:
    nItem: str
    vProd: Decimal
    has_icms: bool
    has_issqn: bool
    other_taxes: tuple[str, ...]  # ICMS, IPI, II, PIS, ... groups the item carries (B25-80)
    ibscbs: Fields | None  # imposto/IBSCBS, None when absent
    is_: Fields | None  # imposto/IS, None when absent
    has_comb: bool  # prod/comb (LA01-30)
    tpCredPresIBSZFM: str  # prod/tpCredPresIBSZFM (I05k)
    indBemMovelUsado: str  # prod/indBemMovelUsado (UB120-20, UB123-10 exception)

    @property
    def value_groups(self) -> bool:
        """Whether the item carries an IBS/CBS value group (not just CST and cClassTrib): what IBSCBSTot totals.
        W34-10 evidently looks at these groups, not the IBSCBS wrapper (sped-nfe#1207, reference §7.4)."""
        f = self.ibscbs
        return f is not None and any(f.has(g) for g in VALUE_GROUPS)


VALUE_GROUPS = ("gIBSCBS", "gIBSCBSMono", "gTransfCred", "gAjusteCompet", "gEstornoCred", "gCredPresOper")
# B25-80: taxes a crédito/débito note (finNFe 5/6) may not carry.
OTHER_TAXES = ("ICMS", "ISSQN", "IPI", "II", "PIS", "PISST", "COFINS", "COFINSST", "ICMSUFDest")


@dataclass(frozen=True)
class Document:
    """The IBS/CBS view of one NF-e: document-level fields, items and totals."""

    year: int  # of dhEmi (rates and dates of the NT are by emission)
    ide: Mapping[str, str]
    refNFe: tuple[str, ...]
    has_nfref: bool
    modFrete: str
    items: tuple[Item, ...]
    totals: Fields | None  # total/IBSCBSTot
    has_istot: bool
    has_vnftot: bool
    ide_groups: Fields  # ide's complex children (gCompraGov, gPagAntecipado) flattened
    uf_emit: str
    uf_dest: str

    @property
    def filled(self) -> bool:
        """RTC "Histórico" footnote: the IBS/CBS/IS rules run only when IBS/CBS/IS fields are filled."""
        return (any(i.ibscbs is not None or i.is_ is not None or i.tpCredPresIBSZFM for i in self.items)
                or self.totals is not None
                or self.has_istot or self.has_vnftot or bool(self.ide_groups.values)
                or any(self.ide.get(k) for k in ("cMunFGIBS", "tpNFDebito", "tpNFCredito", "dPrevEntrega"))
                or self.ide.get("finNFe") in ("5", "6"))

    def items_with_ibscbs(self) -> Iterator[tuple[Item, Fields]]:
        for it in self.items:
            if it.ibscbs is not None:
                yield it, it.ibscbs


def read(inf: etree._Element, ide_texts: Mapping[str, str]) -> Document:
    """One pass over infNFe: the fields every IBS/CBS rule reads."""
    items = []
    for det in inf.iterchildren(N + "det"):
        imposto = det.find(N + "imposto")
        present = set()
        ibscbs = is_ = None
        if imposto is not None:
            for child in imposto:
                if not isinstance(child.tag, str):
                    continue
                name = child.tag[len(N):]
                present.add(name)
                if name == "IBSCBS":
                    out: dict[str, str] = {}
                    _flatten(child, "", out)
                    ibscbs = Fields(out)
                elif name == "IS":
                    out = {}
                    _flatten(child, "", out)
                    is_ = Fields(out)
        prod = det.find(N + "prod")
        vprod = prod.findtext(N + "vProd") if prod is not None else None
        items.append(Item(
            nItem=det.get("nItem") or "", vProd=Decimal(vprod) if vprod else ZERO,
            has_icms="ICMS" in present, has_issqn="ISSQN" in present,
            other_taxes=tuple(t for t in OTHER_TAXES if t in present), ibscbs=ibscbs, is_=is_,
            has_comb=prod is not None and prod.find(N + "comb") is not None,
            tpCredPresIBSZFM=(prod.findtext(N + "tpCredPresIBSZFM") or "") if prod is not None else "",
            indBemMovelUsado=(prod.findtext(N + "indBemMovelUsado") or "") if prod is not None else "",
        ))
    total = inf.find(N + "total")
    totals = None
    has_istot = has_vnftot = False
    if total is not None:
        tot = total.find(N + "IBSCBSTot")
        if tot is not None:
            out = {}
            _flatten(tot, "", out)
            totals = Fields(out)
        has_istot = total.find(N + "ISTot") is not None
        has_vnftot = total.find(N + "vNFTot") is not None
    ide = inf.find(N + "ide")
    groups: dict[str, str] = {}
    refs: list[str] = []
    has_nfref = False
    if ide is not None:
        for child in ide:
            if not isinstance(child.tag, str):
                continue
            name = child.tag[len(N):]
            if name == "NFref":
                has_nfref = True
                ref = child.findtext(N + "refNFe")
                if ref:
                    refs.append(ref)
            elif name in ("gCompraGov", "gPagAntecipado"):
                groups.setdefault(name, "")
                _flatten(child, name + "/", groups)
    dh = ide_texts.get("dhEmi", "")
    year = int(dh[:4]) if dh[:4].isdigit() else 0
    return Document(year=year, ide=ide_texts, refNFe=tuple(refs), has_nfref=has_nfref,
                    modFrete=inf.findtext(f"{N}transp/{N}modFrete") or "", items=tuple(items), totals=totals,
                    has_istot=has_istot, has_vnftot=has_vnftot, ide_groups=Fields(groups),
                    uf_emit=inf.findtext(f"{N}emit/{N}enderEmit/{N}UF") or "",
                    uf_dest=inf.findtext(f"{N}dest/{N}enderDest/{N}UF") or "")
