"""IBS / CBS / IS of the tax reform (NT 2025.002-RTC v1.34, schema PL_010f): what the rules read, extracted once
per document into plain values, and the rates of each year.

An item's `IBSCBS` group (and its `IS` group) is flattened into {relative path: text}: "CST", "gIBSCBS/vBC",
"gIBSCBS/gIBSUF/gRed/pAliqEfet", ...; a group with children is present with the text "". The totals group
`total/IBSCBSTot` likewise. The rules (rules/ibscbs.py) then ask `has(path)` and `dec(path)` without walking
the tree again (issue 18: read each document once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
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


class Document:
    """The IBS/CBS view of one NF-e. The constructor only looks at tag names (what `filled` and B25-90 need, on every
    note of the hot path); the items, totals and ide groups are read in full, once, when a rule first asks."""

    def __init__(self, inf: etree._Element, ide_texts: Mapping[str, str]) -> None:
        self._inf = inf
        self.ide = ide_texts
        cut = len(N)
        dets = []
        for det in inf.iterchildren(N + "det"):
            imposto = det.find(N + "imposto")
            names = frozenset(c.tag[cut:] for c in imposto if isinstance(c.tag, str)) if imposto is not None \
                else frozenset()
            dets.append((det, imposto, names))
        self._dets = dets
        total = inf.find(N + "total")
        self._total = total
        self._total_names = frozenset(c.tag[cut:] for c in total if isinstance(c.tag, str)) \
            if total is not None else frozenset()
        dh = ide_texts.get("dhEmi", "")
        self.year = int(dh[:4]) if dh[:4].isdigit() else 0

    @property
    def has_istot(self) -> bool:
        return "ISTot" in self._total_names

    @property
    def has_vnftot(self) -> bool:
        return "vNFTot" in self._total_names

    @property
    def has_nfref(self) -> bool:
        return "NFref" in self.ide

    def lacks_icms_and_issqn(self) -> bool:
        """B25-90: some item carries neither ICMS nor ISSQN."""
        return any(not names & {"ICMS", "ISSQN"} for _, _, names in self._dets)

    @cached_property
    def filled(self) -> bool:
        """RTC "Histórico" footnote: the IBS/CBS/IS rules run only when IBS/CBS/IS fields are filled."""
        if any(names & {"IBSCBS", "IS"} for _, _, names in self._dets):
            return True
        if self._total_names & {"IBSCBSTot", "ISTot", "vNFTot"}:
            return True
        ide = self.ide
        if any(ide.get(k) for k in ("cMunFGIBS", "tpNFDebito", "tpNFCredito", "dPrevEntrega")) \
                or "gCompraGov" in ide or "gPagAntecipado" in ide or ide.get("finNFe") in ("5", "6"):
            return True
        for det, _, _ in self._dets:
            prod = det.find(N + "prod")
            if prod is not None and prod.find(N + "tpCredPresIBSZFM") is not None:
                return True
        return False

    @cached_property
    def items(self) -> tuple[Item, ...]:
        out = []
        for det, imposto, names in self._dets:
            ibscbs = is_ = None
            if imposto is not None and names & {"IBSCBS", "IS"}:
                for child in imposto:
                    if child.tag == N + "IBSCBS":
                        ibscbs = _fields(child)
                    elif child.tag == N + "IS":
                        is_ = _fields(child)
            prod = det.find(N + "prod")
            text = (lambda tag: (prod.findtext(N + tag) or "") if prod is not None else "")
            vprod = text("vProd")
            out.append(Item(
                nItem=det.get("nItem") or "", vProd=Decimal(vprod) if vprod else ZERO,
                has_icms="ICMS" in names, has_issqn="ISSQN" in names,
                other_taxes=tuple(t for t in OTHER_TAXES if t in names), ibscbs=ibscbs, is_=is_,
                has_comb=prod is not None and prod.find(N + "comb") is not None,
                tpCredPresIBSZFM=text("tpCredPresIBSZFM"), indBemMovelUsado=text("indBemMovelUsado"),
            ))
        return tuple(out)

    @cached_property
    def totals(self) -> Fields | None:
        """total/IBSCBSTot flattened, None when absent."""
        tot = self._total.find(N + "IBSCBSTot") if "IBSCBSTot" in self._total_names else None
        return None if tot is None else _fields(tot)

    @cached_property
    def _ide_parts(self) -> tuple[tuple[str, ...], Fields]:
        groups: dict[str, str] = {}
        refs: list[str] = []
        ide = self._inf.find(N + "ide")
        for child in ide if ide is not None else ():
            if not isinstance(child.tag, str):
                continue
            name = child.tag[len(N):]
            if name == "NFref":
                ref = child.findtext(N + "refNFe")
                if ref:
                    refs.append(ref)
            elif name in ("gCompraGov", "gPagAntecipado"):
                groups.setdefault(name, "")
                _flatten(child, name + "/", groups)
        return tuple(refs), Fields(groups)

    @property
    def refNFe(self) -> tuple[str, ...]:
        return self._ide_parts[0]

    @property
    def ide_groups(self) -> Fields:
        """ide's complex children (gCompraGov, gPagAntecipado) flattened."""
        return self._ide_parts[1]

    @cached_property
    def modFrete(self) -> str:
        return self._inf.findtext(f"{N}transp/{N}modFrete") or ""

    @cached_property
    def uf_emit(self) -> str:
        return self._inf.findtext(f"{N}emit/{N}enderEmit/{N}UF") or ""

    @cached_property
    def uf_dest(self) -> str:
        return self._inf.findtext(f"{N}dest/{N}enderDest/{N}UF") or ""

    def items_with_ibscbs(self) -> Iterator[tuple[Item, Fields]]:
        for it in self.items:
            if it.ibscbs is not None:
                yield it, it.ibscbs


def _fields(el: etree._Element) -> Fields:
    out: dict[str, str] = {}
    _flatten(el, "", out)
    return Fields(out)


def read(inf: etree._Element, ide_texts: Mapping[str, str]) -> Document:
    """The IBS/CBS view of infNFe (NFeView.ibscbs caches it: one per document)."""
    return Document(inf, ide_texts)
