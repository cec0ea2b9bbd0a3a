"""Totals against the sum of the items (MOC 7.00 Anexo I group W: ICMSTot W03-W16a, ISSQNtot W18-W22f), the
note's value vNF (W16-10) and the per-UF limits (W03-20, W04-20, W06-20, W16-20).

Reference: content-rules.md §1.3 and §1.4. The W03-W22 rules carry no tolerance footnote: both sides are
compared exactly, in cents. Absent optional totals and item values count as zero. The UF option ("Facul.")
total rules are on, as the reference's default profile suggests (§0.3); the limits are settings, off by default
(no public source says which UF sets which limit).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Callable, Iterable

from fake_sefaz.domain.amounts import ZERO, Item, num
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import InForce, rule

# NT 2023.001 (ICMS monofásico on fuels): totals from hom 25/09/2023, prod 30/10/2023.
_MONOPHASE = InForce(hom=date(2023, 9, 25), prod=date(2023, 10, 30))
# AI footnote (*3), NT 2012/003: ±R$ 0,50 printed on the vServ line of W16-10; read as the tolerance of the
# whole comparison when the note has services (content-rules.md §11 item 1), exact otherwise.
_VNF_SERVICE_TOLERANCE = Decimal("0.50")


def _sum(items: Iterable[Item], value: Callable[[Item], Decimal]) -> Decimal:
    return sum((value(i) for i in items), ZERO)


def _icms_counted(item: Item) -> bool:
    # W04-10 ignores the ICMS of CST 40, 41 and 50 (exempt, not taxed, suspended).
    return item.icms.get("CST") not in ("40", "41", "50")


# ICMSTot field -> (the item group it sums, the item field, which items count). One pass over the items computes
# every sum (_item_sums), which the W rules below compare with the totals.
_SUMMED: dict[str, tuple[str, str, Callable[[Item], bool] | None]] = {
    "vBC": ("icms", "vBC", None),
    "vICMS": ("icms", "vICMS", _icms_counted),
    "vICMSDeson": ("icms", "vICMSDeson", None),
    "vFCP": ("icms", "vFCP", None),
    "vFCPUFDest": ("uf_dest", "vFCPUFDest", None),
    "vICMSUFDest": ("uf_dest", "vICMSUFDest", None),
    "vICMSUFRemet": ("uf_dest", "vICMSUFRemet", None),
    "vBCST": ("icms", "vBCST", None),
    "vST": ("icms", "vICMSST", None),
    "vFCPST": ("icms", "vFCPST", None),
    "vFCPSTRet": ("icms", "vFCPSTRet", None),
    "vICMSMono": ("icms", "vICMSMono", None),
    "qBCMonoReten": ("icms", "qBCMonoReten", None),
    "vICMSMonoReten": ("icms", "vICMSMonoReten", None),
    "qBCMonoRet": ("icms", "qBCMonoRet", None),
    "vICMSMonoRet": ("icms", "vICMSMonoRet", None),
    "vProd": ("prod", "vProd", lambda i: i.prod.get("indTot") == "1"),  # W07-10: items with indTot=1
    "vFrete": ("prod", "vFrete", None),
    "vSeg": ("prod", "vSeg", None),
    "vDesc": ("prod", "vDesc", None),
    "vOutro": ("prod", "vOutro", None),
    "vII": ("ii", "vII", None),
    "vIPI": ("ipi", "vIPI", None),
    "vPIS": ("pis", "vPIS", lambda i: bool(i.icms_group)),  # W13-10: items subject to ICMS
    "vCOFINS": ("cofins", "vCOFINS", lambda i: bool(i.icms_group)),  # W14-10
}


def _item_sums(ctx) -> dict[str, Decimal]:
    """Σ over the items of every ICMSTot field of _SUMMED, plus vIPIDevol and vTotTrib; computed once per note."""
    a = ctx.doc.amounts
    sums = a.memo.get("totals")
    if sums is None:
        sums = dict.fromkeys((*_SUMMED, "vIPIDevol", "vTotTrib"), ZERO)
        for item in a.items:
            for total, (group, name, counts) in _SUMMED.items():
                values = getattr(item, group)
                if values and name in values and (counts is None or counts(item)):
                    sums[total] += num(values, name)
            if item.vIPIDevol:
                sums["vIPIDevol"] += num({"v": item.vIPIDevol}, "v")
            if item.vTotTrib:
                sums["vTotTrib"] += num({"v": item.vTotTrib}, "v")
        a.memo["totals"] = sums
    return sums


def _check_total(ctx, field: str, cstat: int) -> None:
    """The ICMSTot field against the sum of the items (both exact, in cents; absent = 0)."""
    if num(ctx.doc.amounts.icms_tot, field) != _item_sums(ctx)[field]:
        raise Rejection(cstat)


def _check_issqn_total(ctx, field: str, item_field: str, cstat: int, source: str = "issqn") -> None:
    a = ctx.doc.amounts
    service_items = [i for i in a.items if i.issqn is not None]
    if a.issqn_tot is None and not service_items:
        return
    if source == "issqn":
        expected = _sum(service_items, lambda i: num(i.issqn, item_field))
    elif source == "prod":
        expected = _sum(service_items, lambda i: num(i.prod, item_field))
    else:  # PIS / COFINS of the service items
        expected = _sum(service_items, lambda i: num(getattr(i, source), item_field))
    if num(a.issqn_tot, field) != expected:
        raise Rejection(cstat)


# --- ICMSTot: ICMS, FCP, DIFAL, ST ---------------------------------------------------------------------------

@rule("W03-10", 531)
def w03_10_icms_base(ctx) -> None:
    """531: ICMSTot/vBC ≠ Σ ICMS*/vBC of the items (every ICMS group that carries vBC, CST 51 included:
    the base of its non-deferred part; content-rules.md §11 item 3). AI W03-10."""
    _check_total(ctx, "vBC", 531)


@rule("W03-20", 935)
def w03_20_icms_base_limit(ctx) -> None:
    """935 (Facul., off unless limit_total_vbc is set): ICMSTot/vBC above the UF's limit. AI W03-20 (NT 2019.001)."""
    limit = ctx.settings.limit_total_vbc
    if limit and num(ctx.doc.amounts.icms_tot, "vBC") > Decimal(limit):
        raise Rejection(935, f"[Valor Limite: R$ {_brl(limit)}] (valor definido pela UF) [NT 2019.001]")


@rule("W04-10", 532)
def w04_10_icms(ctx) -> None:
    """532: ICMSTot/vICMS ≠ Σ ICMS*/vICMS, CST 40, 41 and 50 ignored. AI W04-10 (NT 2010/007)."""
    _check_total(ctx, "vICMS", 532)


@rule("W04-20", 417)
def w04_20_icms_limit(ctx) -> None:
    """417 (Facul., off unless limit_total_vicms is set): ICMSTot/vICMS above the UF's limit. AI W04-20."""
    limit = ctx.settings.limit_total_vicms
    if limit and num(ctx.doc.amounts.icms_tot, "vICMS") > Decimal(limit):
        raise Rejection(417)


@rule("W04a-10", 795)
def w04a_10_relieved_icms(ctx) -> None:
    """795: ICMSTot/vICMSDeson ≠ Σ vICMSDeson. AI W04a-10 (NT 2016.002)."""
    _check_total(ctx, "vICMSDeson", 795)


@rule("W04b-10", 861)
def w04b_10_fcp(ctx) -> None:
    """861: ICMSTot/vFCP ≠ Σ vFCP. AI W04b-10."""
    _check_total(ctx, "vFCP", 861)


@rule("W04c-10", 798)
def w04c_10_destination_fcp(ctx) -> None:
    """798: ICMSTot/vFCPUFDest ≠ Σ ICMSUFDest/vFCPUFDest. Model 55. AI W04c-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vFCPUFDest", 798)


@rule("W04e-10", 799)
def w04e_10_destination_icms(ctx) -> None:
    """799: ICMSTot/vICMSUFDest ≠ Σ ICMSUFDest/vICMSUFDest (absent = 0). Model 55. AI W04e-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vICMSUFDest", 799)


@rule("W04g-10", 800)
def w04g_10_issuer_uf_icms(ctx) -> None:
    """800: ICMSTot/vICMSUFRemet ≠ Σ ICMSUFDest/vICMSUFRemet (absent = 0). Model 55. AI W04g-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vICMSUFRemet", 800)


@rule("W05-10", 533)
def w05_10_st_base(ctx) -> None:
    """533: ICMSTot/vBCST ≠ Σ vBCST. AI W05-10."""
    _check_total(ctx, "vBCST", 533)


@rule("W06-10", 534)
def w06_10_st(ctx) -> None:
    """534: ICMSTot/vST ≠ Σ vICMSST. AI W06-10."""
    _check_total(ctx, "vST", 534)


@rule("W06-20", 418)
def w06_20_st_limit(ctx) -> None:
    """418 (Facul., off unless limit_total_vst is set): ICMSTot/vST above the UF's limit. AI W06-20."""
    limit = ctx.settings.limit_total_vst
    if limit and num(ctx.doc.amounts.icms_tot, "vST") > Decimal(limit):
        raise Rejection(418)


@rule("W06a-10", 862)
def w06a_10_fcp_st(ctx) -> None:
    """862: ICMSTot/vFCPST ≠ Σ vFCPST. Model 55. AI W06a-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vFCPST", 862)


@rule("W06b-10", 859)
def w06b_10_fcp_st_retained(ctx) -> None:
    """859: ICMSTot/vFCPSTRet ≠ Σ vFCPSTRet. Model 55. AI W06b-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vFCPSTRet", 859)


@rule("W06c-10", 967, in_force=_MONOPHASE)
def w06c_10_monophase_icms(ctx) -> None:
    """967: ICMSTot/vICMSMono ≠ Σ vICMSMono. Model 55. NT 2023.001 W06c-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vICMSMono", 967)


@rule("W06c.1-10", 723, in_force=_MONOPHASE)
def w06c1_10_monophase_withheld_quantity(ctx) -> None:
    """723 (this meaning; E03a-50 is another): ICMSTot/qBCMonoReten ≠ Σ qBCMonoReten. Model 55. NT 2023.001."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "qBCMonoReten", 723)


@rule("W06d-10", 968, in_force=_MONOPHASE)
def w06d_10_monophase_withheld_icms(ctx) -> None:
    """968: ICMSTot/vICMSMonoReten ≠ Σ vICMSMonoReten. Model 55. NT 2023.001 W06d-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vICMSMonoReten", 968)


@rule("W06d.1-10", 744, in_force=_MONOPHASE)
def w06d1_10_monophase_previously_withheld_quantity(ctx) -> None:
    """744 (this meaning; E03a-50 is another): ICMSTot/qBCMonoRet ≠ Σ qBCMonoRet. NT 2023.001."""
    _check_total(ctx, "qBCMonoRet", 744)


@rule("W06e-10", 969, in_force=_MONOPHASE)
def w06e_10_monophase_previously_withheld_icms(ctx) -> None:
    """969: ICMSTot/vICMSMonoRet ≠ Σ vICMSMonoRet. NT 2023.001 W06e-10."""
    _check_total(ctx, "vICMSMonoRet", 969)


# --- ICMSTot: products, freight, insurance, discount, II, IPI, PIS, COFINS, other, approximate taxes --------

@rule("W07-10", 564)
def w07_10_products(ctx) -> None:
    """564: ICMSTot/vProd ≠ Σ prod/vProd of the items that compose the total (indTot=1). AI W07-10."""
    _check_total(ctx, "vProd", 564)


@rule("W08-10", 535)
def w08_10_freight(ctx) -> None:
    """535: ICMSTot/vFrete ≠ Σ prod/vFrete. AI W08-10."""
    _check_total(ctx, "vFrete", 535)


@rule("W09-10", 536)
def w09_10_insurance(ctx) -> None:
    """536: ICMSTot/vSeg ≠ Σ prod/vSeg. AI W09-10."""
    _check_total(ctx, "vSeg", 536)


@rule("W10-10", 537)
def w10_10_discount(ctx) -> None:
    """537: ICMSTot/vDesc ≠ Σ prod/vDesc. AI W10-10."""
    _check_total(ctx, "vDesc", 537)


@rule("W11-10", 601)
def w11_10_import_tax(ctx) -> None:
    """601: ICMSTot/vII ≠ Σ II/vII. Model 55. AI W11-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vII", 601)


@rule("W12-10", 538)
def w12_10_ipi(ctx) -> None:
    """538: ICMSTot/vIPI ≠ Σ IPI/IPITrib/vIPI. Model 55. AI W12-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vIPI", 538)


@rule("W12a-10", 863)
def w12a_10_returned_ipi(ctx) -> None:
    """863: ICMSTot/vIPIDevol ≠ Σ impostoDevol/IPI/vIPIDevol. Model 55. AI W12a-10."""
    if ctx.doc.mod == "55":
        _check_total(ctx, "vIPIDevol", 863)


@rule("W13-10", 602)
def w13_10_pis(ctx) -> None:
    """602: ICMSTot/vPIS ≠ Σ PIS*/vPIS of the items that carry an ICMS group. AI W13-10."""
    _check_total(ctx, "vPIS", 602)


@rule("W14-10", 603)
def w14_10_cofins(ctx) -> None:
    """603: ICMSTot/vCOFINS ≠ Σ COFINS*/vCOFINS of the items that carry an ICMS group. AI W14-10."""
    _check_total(ctx, "vCOFINS", 603)


@rule("W15-10", 604)
def w15_10_other_expenses(ctx) -> None:
    """604: ICMSTot/vOutro ≠ Σ prod/vOutro. AI W15-10."""
    _check_total(ctx, "vOutro", 604)


def _note_value(ctx) -> tuple[Decimal, Decimal]:
    """(vNF as the MOC computes it, the tolerance). AI W16-10 as amended by NT 2020.005 and NT 2023.004:
    vProd − vDesc − vICMSDeson (of the items with indDeduzDeson=1) + vST + vFCPST + vICMSMonoReten + vFrete + vSeg
    + vOutro + vII + vIPI + vIPIDevol + vServ + PISST/vPIS (indSomaPISST=1) + COFINSST/vCOFINS
    (indSomaCOFINSST=1). With veicProd/tpOp=2 (faturamento direto) vST, vFCPST and vIPIDevol are left out.
    IBS, CBS and IS are not added in 2025 and 2026 (NT 2025.002-RTC VB01-10)."""
    a = ctx.doc.amounts
    t = a.icms_tot
    direct_billing = any(i.tpOp == "2" for i in a.items)
    expected = num(t, "vProd") - num(t, "vDesc") + num(t, "vICMSMonoReten")
    for name in ("vFrete", "vSeg", "vOutro", "vII", "vIPI"):
        expected += num(t, name)
    if not direct_billing:
        expected += num(t, "vST") + num(t, "vFCPST") + num(t, "vIPIDevol")
    # NT 2023.004 exception 4: only the relief of items with indDeduzDeson=1 is subtracted.
    expected -= _sum(a.items, lambda i: num(i.icms, "vICMSDeson") if i.icms.get("indDeduzDeson") == "1" else ZERO)
    for item in a.items:
        if item.pisst and item.pisst.get("indSomaPISST") == "1":
            expected += num(item.pisst, "vPIS")
        if item.cofinsst and item.cofinsst.get("indSomaCOFINSST") == "1":
            expected += num(item.cofinsst, "vCOFINS")
    v_serv = num(a.issqn_tot, "vServ")
    expected += v_serv
    return expected, (_VNF_SERVICE_TOLERANCE if v_serv > 0 else ZERO)


@rule("W16-10", 610)
def w16_10_note_value(ctx) -> None:
    """610: vNF differs from the sum of its parts (see _note_value). Exception 2: not applied when an item's
    CFOP starts with 3 (imports: the MOC lets vNF leave vII out, and other import costs in). AI W16-10."""
    a = ctx.doc.amounts
    if any(i.cfop.startswith("3") for i in a.items):
        return
    expected, tolerance = _note_value(ctx)
    if abs(num(a.icms_tot, "vNF") - expected) > tolerance:
        raise Rejection(610)


@rule("W16-20", 628)
def w16_20_note_value_limit(ctx) -> None:
    """628 (Facul., off unless limit_total_vnf is set): vNF of an NF-e above the limit the SEFAZ sets (an NFC-e
    has its own limit, 780). AI W16-20."""
    limit = ctx.settings.limit_total_vnf
    if limit and ctx.doc.mod == "55" and num(ctx.doc.amounts.icms_tot, "vNF") > Decimal(limit):
        raise Rejection(628, f"[Limite: R$ {_brl(limit)}]")


@rule("W16a-10", 685)
def w16a_10_approximate_taxes(ctx) -> None:
    """685: ICMSTot/vTotTrib ≠ Σ imposto/vTotTrib (both optional, absent = 0). AI W16a-10 (NT 2013/003)."""
    _check_total(ctx, "vTotTrib", 685)


# --- ISSQNtot ------------------------------------------------------------------------------------------------

@rule("W18-10", 605)
def w18_10_services(ctx) -> None:
    """605: ISSQNtot/vServ ≠ Σ prod/vProd of the items subject to ISSQN. AI W18-10."""
    _check_issqn_total(ctx, "vServ", "vProd", 605, source="prod")


@rule("W19-10", 606)
def w19_10_iss_base(ctx) -> None:
    """606: ISSQNtot/vBC ≠ Σ ISSQN/vBC. AI W19-10."""
    _check_issqn_total(ctx, "vBC", "vBC", 606)


@rule("W20-10", 607)
def w20_10_iss(ctx) -> None:
    """607: ISSQNtot/vISS ≠ Σ ISSQN/vISSQN. AI W20-10."""
    _check_issqn_total(ctx, "vISS", "vISSQN", 607)


@rule("W21-10", 608)
def w21_10_service_pis(ctx) -> None:
    """608: ISSQNtot/vPIS ≠ Σ PIS/vPIS of the items subject to ISSQN. AI W21-10."""
    _check_issqn_total(ctx, "vPIS", "vPIS", 608, source="pis")


@rule("W22-10", 609)
def w22_10_service_cofins(ctx) -> None:
    """609: ISSQNtot/vCOFINS ≠ Σ COFINS/vCOFINS of the items subject to ISSQN. AI W22-10."""
    _check_issqn_total(ctx, "vCOFINS", "vCOFINS", 609, source="cofins")


@rule("W22b-10", 364)
def w22b_10_iss_deduction(ctx) -> None:
    """364: ISSQNtot/vDeducao ≠ Σ ISSQN/vDeducao. AI W22b-10."""
    _check_issqn_total(ctx, "vDeducao", "vDeducao", 364)


@rule("W22c-10", 365)
def w22c_10_iss_other_withholdings(ctx) -> None:
    """365: ISSQNtot/vOutro ≠ Σ ISSQN/vOutro. AI W22c-10."""
    _check_issqn_total(ctx, "vOutro", "vOutro", 365)


@rule("W22d-10", 366)
def w22d_10_iss_unconditional_discount(ctx) -> None:
    """366: ISSQNtot/vDescIncond ≠ Σ ISSQN/vDescIncond. AI W22d-10."""
    _check_issqn_total(ctx, "vDescIncond", "vDescIncond", 366)


@rule("W22e-10", 367)
def w22e_10_iss_conditional_discount(ctx) -> None:
    """367: ISSQNtot/vDescCond ≠ Σ ISSQN/vDescCond. AI W22e-10."""
    _check_issqn_total(ctx, "vDescCond", "vDescCond", 367)


@rule("W22f-10", 368)
def w22f_10_iss_withheld(ctx) -> None:
    """368: ISSQNtot/vISSRet ≠ Σ ISSQN/vISSRet. AI W22f-10."""
    _check_issqn_total(ctx, "vISSRet", "vISSRet", 368)


def _brl(value: str) -> str:
    """R$ amount as the texts print it: 200.000,00."""
    return f"{Decimal(value):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


TOTALS_RULES = (
    w03_10_icms_base, w03_20_icms_base_limit, w04_10_icms, w04_20_icms_limit, w04a_10_relieved_icms, w04b_10_fcp,
    w04c_10_destination_fcp, w04e_10_destination_icms, w04g_10_issuer_uf_icms, w05_10_st_base, w06_10_st,
    w06_20_st_limit, w06a_10_fcp_st, w06b_10_fcp_st_retained, w06c_10_monophase_icms,
    w06c1_10_monophase_withheld_quantity, w06d_10_monophase_withheld_icms,
    w06d1_10_monophase_previously_withheld_quantity, w06e_10_monophase_previously_withheld_icms,
    w07_10_products, w08_10_freight, w09_10_insurance, w10_10_discount, w11_10_import_tax, w12_10_ipi,
    w12a_10_returned_ipi, w13_10_pis, w14_10_cofins, w15_10_other_expenses, w16_10_note_value,
    w16_20_note_value_limit, w16a_10_approximate_taxes,
    w18_10_services, w19_10_iss_base, w20_10_iss, w21_10_service_pis, w22_10_service_cofins,
    w22b_10_iss_deduction, w22c_10_iss_other_withholdings, w22d_10_iss_unconditional_discount,
    w22e_10_iss_conditional_discount, w22f_10_iss_withheld,
)
