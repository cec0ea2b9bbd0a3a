"""The amounts of one NF-e/NFC-e read once into plain values: items (prod, ICMS choice, DIFAL, IPI, II, PIS,
COFINS, ISSQN), the totals (ICMSTot, ISSQNtot), payment (pag) and billing (cobr).

The arithmetic, totals and payment rules (rules/arithmetic.py, rules/totals.py, rules/payment.py) all read this
one extraction (NFeView.amounts, cached per document) instead of each walking the tree again. Values stay the
text of the XML (schema-valid decimals); `num` turns one into a Decimal, an absent field counting as zero, as
the MOC says of optional values (AI notes on N16a-10, W04e-10, W16a-10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Mapping

from lxml import etree

from fake_sefaz.domain.xml import N

_CUT = len(N)
CENT = Decimal("0.01")
ZERO = Decimal(0)
EMPTY: Mapping[str, str] = {}


def num(values: Mapping[str, str] | None, name: str) -> Decimal:
    """values[name] as a Decimal; absent, empty or malformed -> 0."""
    text = values.get(name) if values else None
    if not text:
        return ZERO
    try:
        return Decimal(text)
    except InvalidOperation:
        return ZERO


def money(value: Decimal) -> Decimal:
    """Rounded to cents, half up (the usual reading of the MOC's "arredondado para duas casas decimais")."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def leaves(el: etree._Element | None) -> dict[str, str]:
    """Direct children of el by local name -> text ("" for a child with no text, e.g. a group); first wins."""
    out: dict[str, str] = {}
    if el is None:
        return out
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag.startswith(N):
            out.setdefault(tag[_CUT:], child.text or "")
    return out


def _choice(el: etree._Element | None) -> tuple[str, dict[str, str]]:
    """The single child group of a choice element (ICMS/ICMS00, PIS/PISAliq...): (its local name, its leaves)."""
    if el is None:
        return "", {}
    for child in el:
        if isinstance(child.tag, str):
            return child.tag[_CUT:], leaves(child)
    return "", {}


@dataclass(frozen=True)
class Item:
    nItem: str
    prod: Mapping[str, str]
    icms_group: str  # "ICMS00", "ICMSSN102", "ICMSPart", "ICMSST", ... ("" when the item has no ICMS)
    icms: Mapping[str, str]
    uf_dest: Mapping[str, str] | None  # ICMSUFDest (DIFAL, EC 87/2015)
    ipi: Mapping[str, str] | None  # IPI/IPITrib
    has_ipi: bool
    ii: Mapping[str, str] | None
    pis: Mapping[str, str]
    cofins: Mapping[str, str]
    pisst: Mapping[str, str] | None
    cofinsst: Mapping[str, str] | None
    issqn: Mapping[str, str] | None
    vTotTrib: str | None
    vIPIDevol: str | None
    tpOp: str | None  # veicProd/tpOp
    cProdANP: str | None
    UFCons: str | None = None  # comb/UFCons (the fuel's UF of consumption: MOC I08-30, I08-60, E12-30...)

    @property
    def cst(self) -> str:
        """CST (regime normal) or CSOSN (Simples Nacional) of the ICMS group."""
        return self.icms.get("CST") or self.icms.get("CSOSN") or ""

    @property
    def cfop(self) -> str:
        return self.prod.get("CFOP", "")


@dataclass(frozen=True)
class Payment:
    values: Mapping[str, str]  # detPag leaves: indPag, tPag, xPag, vPag, dPag, CNPJPag, UFPag
    card: Mapping[str, str] | None  # tpIntegra, CNPJ, tBand, cAut, CNPJReceb, idTermPag


@dataclass(frozen=True)
class Amounts:
    items: tuple[Item, ...]
    icms_tot: Mapping[str, str]
    issqn_tot: Mapping[str, str] | None
    payments: tuple[Payment, ...]
    vTroco: str | None
    has_pag: bool
    fat: Mapping[str, str] | None
    dups: tuple[Mapping[str, str], ...]
    # parties and places the rules compare (UF siglas; "" when absent)
    emit_uf: str
    dest_uf: str
    entrega_uf: str
    retirada_uf: str
    indIEDest: str
    CRT: str
    ISUF: str  # dest/ISUF (SUFRAMA registration of the recipient)
    # Values a rule group derives once for this document (e.g. rules/totals.py's sums of the items), by group name.
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def _children(el: etree._Element | None) -> dict[str, etree._Element]:
    """Child elements of el by local name (first wins): one pass instead of one find() per optional group."""
    out: dict[str, etree._Element] = {}
    if el is not None:
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                out.setdefault(tag[_CUT:], child)
    return out


def _item(det: etree._Element) -> Item:
    parts = _children(det)
    prod_el, imposto = parts.get("prod"), parts.get("imposto")
    prod = leaves(prod_el)
    groups = _children(imposto)
    icms_group, icms = _choice(groups.get("ICMS"))
    ipi = groups.get("IPI")
    ipi_trib = ipi.find(N + "IPITrib") if ipi is not None else None
    ii, pisst, cofinsst = groups.get("II"), groups.get("PISST"), groups.get("COFINSST")
    issqn, uf_dest, tot_trib = groups.get("ISSQN"), groups.get("ICMSUFDest"), groups.get("vTotTrib")
    devol = parts.get("impostoDevol")
    # veicProd and comb are sub-groups of prod: leaves() lists them (with empty text) when present.
    return Item(
        nItem=det.get("nItem") or "",
        prod=prod,
        icms_group=icms_group,
        icms=icms,
        uf_dest=None if uf_dest is None else leaves(uf_dest),
        ipi=None if ipi_trib is None else leaves(ipi_trib),
        has_ipi=ipi is not None,
        ii=None if ii is None else leaves(ii),
        pis=_choice(groups.get("PIS"))[1],
        cofins=_choice(groups.get("COFINS"))[1],
        pisst=None if pisst is None else leaves(pisst),
        cofinsst=None if cofinsst is None else leaves(cofinsst),
        issqn=None if issqn is None else leaves(issqn),
        vTotTrib=None if tot_trib is None else (tot_trib.text or ""),
        vIPIDevol=None if devol is None else devol.findtext(f"{N}IPI/{N}vIPIDevol"),
        tpOp=prod_el.findtext(f"{N}veicProd/{N}tpOp") if "veicProd" in prod else None,
        cProdANP=prod_el.findtext(f"{N}comb/{N}cProdANP") if "comb" in prod else None,
        UFCons=prod_el.findtext(f"{N}comb/{N}UFCons") if "comb" in prod else None,
    )


def extract(inf: etree._Element) -> Amounts:
    """One pass over infNFe's items, totals, payment and billing."""
    items = tuple(_item(det) for det in inf.iterchildren(N + "det"))
    total = inf.find(N + "total")
    icms_tot = leaves(total.find(N + "ICMSTot")) if total is not None else {}
    issqn_el = total.find(N + "ISSQNtot") if total is not None else None
    pag = inf.find(N + "pag")
    payments: list[Payment] = []
    if pag is not None:
        for det_pag in pag.iterchildren(N + "detPag"):
            card = det_pag.find(N + "card")
            payments.append(Payment(leaves(det_pag), None if card is None else leaves(card)))
    cobr = inf.find(N + "cobr")
    fat = cobr.find(N + "fat") if cobr is not None else None
    dups = tuple(leaves(d) for d in cobr.iterchildren(N + "dup")) if cobr is not None else ()
    emit, dest = inf.find(N + "emit"), inf.find(N + "dest")
    return Amounts(
        items=items,
        icms_tot=icms_tot,
        issqn_tot=None if issqn_el is None else leaves(issqn_el),
        payments=tuple(payments),
        vTroco=pag.findtext(N + "vTroco") if pag is not None else None,
        has_pag=pag is not None,
        fat=None if fat is None else leaves(fat),
        dups=dups,
        emit_uf=inf.findtext(f"{N}emit/{N}enderEmit/{N}UF") or "",
        dest_uf=inf.findtext(f"{N}dest/{N}enderDest/{N}UF") or "",
        entrega_uf=inf.findtext(f"{N}entrega/{N}UF") or "",
        retirada_uf=inf.findtext(f"{N}retirada/{N}UF") or "",
        indIEDest=(dest.findtext(N + "indIEDest") or "") if dest is not None else "",
        CRT=(emit.findtext(N + "CRT") or "") if emit is not None else "",
        ISUF=(dest.findtext(N + "ISUF") or "") if dest is not None else "",
    )
