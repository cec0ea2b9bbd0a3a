"""Item arithmetic (MOC 7.00 Anexo I groups I, N and NA): value = quantity × price, ICMS = base × rate, the
CST 51 deferral, FCP and FCP-ST, interstate rates and the ICMS for the destination UF (DIFAL, EC 87/2015).

Reference: content-rules.md §1.1 and §1.2. Products marked (*4) in the MOC are rounded to two decimals and
accepted within ±R$ 0,01 (AI footnote (*4)); "p" fields are percentages. Absent optional values count as zero
(AI notes on N16a-10, N16c-10, N17-10, N23d-10). Every rule reads the one extraction of the document
(NFeView.amounts, domain/amounts.py) and reports the first failing item as "[nItem:n]".
The UF option rules of §1.1 follow the suggested default profile (§0.3: arithmetic rules on).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fake_sefaz.domain import tables
from fake_sefaz.domain.amounts import CENT, ZERO, Item, money, num
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import InForce, rule

HUNDRED = Decimal(100)

# Interstate ICMS rates (Resolução do Senado 22/1989, 13/2012): 7 % from the South/Southeast (except ES) to the
# North, Northeast, Centre-West and ES; 12 % otherwise; 4 % for imported goods (orig 1, 2, 3, 8).
_SOUTH_SOUTHEAST = frozenset({"PR", "RS", "SC", "SP", "RJ", "MG"})
_SEVEN_DESTINATIONS = frozenset({"AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "PA",
                                 "PB", "PE", "PI", "RN", "RO", "RR", "SE", "TO"})
_IMPORTED_ORIG = frozenset({"1", "2", "3", "8"})
# CFOPs of transfers of interstate operations that keep their own rate (AI N16-20 / NA09-30 exceptions).
_RATE_EXEMPT_CFOP = frozenset({"6118", "6119", "6122", "6123"})
# NA01-20 exception: fuels whose ANP code is outside this list do not carry ICMSUFDest.
_DIFAL_FUELS = frozenset({"820101001", "820101010", "810102001", "810102004", "810102002", "810102003",
                          "810101002", "810101001", "810101003", "220101003", "220101004", "220101002",
                          "220101001", "220101005", "220101006", "560101001"})
# EC 87/2015 art. 99 ADCT: the destination UF's share of the DIFAL, by year of issue (AI NA11-10).
_INTER_PART_BY_YEAR = {2016: Decimal(40), 2017: Decimal(60), 2018: Decimal(80)}


def _at(item: Item) -> str:
    return f"[nItem:{item.nItem}]"


def _off_by_more_than_a_cent(informed: Decimal, calculated: Decimal) -> bool:
    """AI footnote (*4): the product rounded to two decimals, ±R$ 0,01 accepted."""
    return abs(informed - money(calculated)) > CENT


def _normal_issue(ctx) -> bool:
    return ctx.doc.ide_("finNFe") == "1"


def _cfop(item: Item) -> tables.Cfop | None:
    return tables.cfops().get(item.cfop)


def _switched_on(ctx, rule_id: str) -> bool:
    """A UF-option rule the default profile leaves off (content-rules.md §0.3), on when the UF's settings list it."""
    return rule_id in ctx.settings.uf_optional_rules


# AI N28-20: the CFOPs of a sale exempt for the Zona Franca de Manaus (motDesICMS 7).
_ZFM_CFOP = frozenset({"1203", "1204", "1208", "1209", "2203", "2204", "2208", "2209", "5109", "5110", "5120",
                       "5151", "5152", "5651", "5652", "5654", "5655", "5658", "5659", "5910", "6905", "6109", "6110",
                       "6120", "6122", "6123", "6151", "6152", "6651", "6652", "6654", "6655", "6658", "6659", "6910",
                       "6923"})


# --- Group I: products --------------------------------------------------------------------------------------

@rule("I11-10", 629)
def i11_10_value_of_commercial_quantity(ctx) -> None:
    """629 (Facul., on): finNFe=1 and prod/vProd ≠ vUnCom × qCom (*4). AI I11-10 (NT 2011/005)."""
    if not _normal_issue(ctx):
        return
    for item in ctx.doc.amounts.items:
        p = item.prod
        if _off_by_more_than_a_cent(num(p, "vProd"), num(p, "vUnCom") * num(p, "qCom")):
            raise Rejection(629, _at(item))


@rule("I11-20", 630)
def i11_20_value_of_taxable_quantity(ctx) -> None:
    """630 (Facul., on): finNFe=1 and prod/vProd ≠ vUnTrib × qTrib (*4). AI I11-20."""
    if not _normal_issue(ctx):
        return
    for item in ctx.doc.amounts.items:
        p = item.prod
        if _off_by_more_than_a_cent(num(p, "vProd"), num(p, "vUnTrib") * num(p, "qTrib")):
            raise Rejection(630, _at(item))


@rule("I17-10", 483)
def i17_10_discount_above_value(ctx) -> None:
    """483: prod/vDesc > prod/vProd. AI I17-10 (NT 2015.002)."""
    for item in ctx.doc.amounts.items:
        if num(item.prod, "vDesc") > num(item.prod, "vProd"):
            raise Rejection(483, _at(item))


# --- Group N: ICMS ------------------------------------------------------------------------------------------

@rule("N16a-10", 351)
def n16a_10_cst51_operation_icms(ctx) -> None:
    """351 (Facul., on): CST 51 and vICMSOp ≠ vBC × pICMS / 100 (*4). AI N16a-10."""
    for item in ctx.doc.amounts.items:
        if item.icms.get("CST") == "51":
            v = item.icms
            if _off_by_more_than_a_cent(num(v, "vICMSOp"), num(v, "vBC") * num(v, "pICMS") / HUNDRED):
                raise Rejection(351, _at(item))


@rule("N16c-10", 352)
def n16c_10_cst51_deferred_icms(ctx) -> None:
    """352 (Facul., on): CST 51 and vICMSDif ≠ vICMSOp × pDif / 100 (*4). AI N16c-10."""
    for item in ctx.doc.amounts.items:
        if item.icms.get("CST") == "51":
            v = item.icms
            if _off_by_more_than_a_cent(num(v, "vICMSDif"), num(v, "vICMSOp") * num(v, "pDif") / HUNDRED):
                raise Rejection(352, _at(item))


@rule("N17-10", 353)
def n17_10_cst51_icms_is_the_difference(ctx) -> None:
    """353 (Facul., on): CST 51 and vICMS ≠ vICMSOp − vICMSDif (no tolerance footnote); not applied when both
    vICMSDif and vICMS are absent. AI N17-10."""
    for item in ctx.doc.amounts.items:
        v = item.icms
        if v.get("CST") == "51" and ("vICMSDif" in v or "vICMS" in v):
            if num(v, "vICMS") != num(v, "vICMSOp") - num(v, "vICMSDif"):
                raise Rejection(353, _at(item))


@rule("N17-20", 528)
def n17_20_icms_of_base_and_rate(ctx) -> None:
    """528 (Facul., on): CST 00, 10, 20 or 70, finNFe=1 and vICMS ≠ vBC × pICMS / 100 (*4). CST 51, 90 and
    every CSOSN are not checked. AI N17-20 (NT 2010/010)."""
    if not _normal_issue(ctx):
        return
    for item in ctx.doc.amounts.items:
        v = item.icms
        if v.get("CST") in ("00", "10", "20", "70"):
            if _off_by_more_than_a_cent(num(v, "vICMS"), num(v, "vBC") * num(v, "pICMS") / HUNDRED):
                raise Rejection(528, _at(item))


@rule("N17b-10", 880)
def n17b_10_fcp_rate_zero(ctx) -> None:
    """880: pFCP informed and zero (items without FCP do not send the FCP fields). AI N17b-10."""
    for item in ctx.doc.amounts.items:
        if "pFCP" in item.icms and num(item.icms, "pFCP") == ZERO:
            raise Rejection(880, _at(item))


@rule("N17b-20", 874)
def n17b_20_fcp_rate_of_the_uf(ctx) -> None:
    """874: pFCP not one of the FCP rates of the issuer's UF (tabela-fcp-uf.csv). AI N17b-20."""
    rates = tables.fcp_rates().get(ctx.doc.amounts.emit_uf)
    if rates is None:
        return
    for item in ctx.doc.amounts.items:
        if "pFCP" in item.icms and not rates.accepts(item.icms["pFCP"]):
            raise Rejection(874, _at(item))


@rule("N17c-10", 860)
def n17c_10_fcp_value(ctx) -> None:
    """860: vFCP informed, finNFe=1 and vFCP ≠ vBC × pFCP / 100 (CST 00) or vBCFCP × pFCP / 100 (CST 10, 20, 70,
    90) (*4). CST 51 left the list in NT 2020.005 v1.21. AI N17c-10."""
    if not _normal_issue(ctx):
        return
    for item in ctx.doc.amounts.items:
        v = item.icms
        if "vFCP" not in v:
            continue
        cst = v.get("CST")
        base = "vBC" if cst == "00" else "vBCFCP" if cst in ("10", "20", "70", "90") else None
        if base and _off_by_more_than_a_cent(num(v, "vFCP"), num(v, base) * num(v, "pFCP") / HUNDRED):
            raise Rejection(860, _at(item))


@rule("N17c-20", 876)
def n17c_20_fcp_in_the_destination_field(ctx) -> None:
    """876: interstate sale (idDest=2) to a final consumer (indFinal=1) who is not a contributor (indIEDest=9)
    with vFCP informed: the FCP of such a sale goes in ICMSUFDest/vFCPUFDest. Model 55. AI N17c-20."""
    d = ctx.doc
    a = d.amounts
    if d.mod != "55" or d.ide_("idDest") != "2" or d.ide_("indFinal") != "1" or a.indIEDest != "9":
        return
    for item in a.items:
        if "vFCP" in item.icms:
            raise Rejection(876, _at(item))


@rule("N23b-10/N27b-10", 881)
def n23b_10_fcpst_rate_zero(ctx) -> None:
    """881: pFCPST (model 55) or pFCPSTRet informed and zero. AI N23b-10, N27b-10."""
    model55 = ctx.doc.mod == "55"
    for item in ctx.doc.amounts.items:
        v = item.icms
        if (model55 and "pFCPST" in v and num(v, "pFCPST") == ZERO) or \
                ("pFCPSTRet" in v and num(v, "pFCPSTRet") == ZERO):
            raise Rejection(881, _at(item))


@rule("N27b-20", 875)
def n27b_20_fcpst_retained_rate(ctx) -> None:
    """875: the recipient's UF is not EX and pFCPSTRet is not a rate of its FCP table; with a delivery place
    (entrega/UF ≠ EX) the rate of either UF is accepted. (N23b-20, the same for pFCPST, is "future".) AI N27b-20."""
    a = ctx.doc.amounts
    if not a.dest_uf or a.dest_uf == "EX":
        return
    ufs = [a.dest_uf] + ([a.entrega_uf] if a.entrega_uf and a.entrega_uf != "EX" else [])
    accepted = [tables.fcp_rates()[uf] for uf in ufs if uf in tables.fcp_rates()]
    if not accepted:
        return
    for item in a.items:
        rate = item.icms.get("pFCPSTRet")
        if rate is not None and num(item.icms, "pFCPSTRet") != ZERO and not any(r.accepts(rate) for r in accepted):
            raise Rejection(875, _at(item))


@rule("N23d-10", 860)
def n23d_10_fcpst_value(ctx) -> None:
    """860: vFCPST informed, finNFe=1, CST 10/30/70/90 or CSOSN 201/202/203/900 and
    vFCPST ≠ vBCFCPST × pFCPST / 100 − vFCP (*4), model 55. AI N23d-10."""
    if not _normal_issue(ctx) or ctx.doc.mod != "55":
        return
    for item in ctx.doc.amounts.items:
        v = item.icms
        if "vFCPST" in v and item.cst in ("10", "30", "70", "90", "201", "202", "203", "900"):
            calculated = num(v, "vBCFCPST") * num(v, "pFCPST") / HUNDRED - num(v, "vFCP")
            if _off_by_more_than_a_cent(num(v, "vFCPST"), calculated):
                raise Rejection(860, _at(item))


# --- Relief (desoneração) and the Zona Franca de Manaus (N28) ----------------------------------------------------

@rule("N28-10", 625)
def n28_10_zfm_needs_suframa(ctx) -> None:
    """625 (UF option, off unless uf_optional_rules lists N28-10): relief for the ZFM (motDesICMS 7) without the
    recipient's SUFRAMA registration (dest/ISUF); not demanded when the CFOP starts with 1 or 2. AI N28-10."""
    if not _switched_on(ctx, "N28-10") or ctx.doc.amounts.ISUF:
        return
    for item in ctx.doc.amounts.items:
        if item.icms.get("motDesICMS") == "7" and item.cfop[:1] not in ("1", "2"):
            raise Rejection(625, _at(item))


@rule("N28-20", 626)
def n28_20_zfm_cfop(ctx) -> None:
    """626 (UF option, off unless uf_optional_rules lists N28-20): relief for the ZFM (motDesICMS 7) with a CFOP
    outside the list AI N28-20 gives. Model 55."""
    if not _switched_on(ctx, "N28-20") or ctx.doc.mod != "55":
        return
    for item in ctx.doc.amounts.items:
        if item.icms.get("motDesICMS") == "7" and item.cfop not in _ZFM_CFOP:
            raise Rejection(626, _at(item))


@rule("N28-30", 627)
def n28_30_relief_value_missing(ctx) -> None:
    """627 (UF option, off unless uf_optional_rules lists N28-30): motDesICMS informed and vICMSDeson ≤ 0
    (groups 20, 30, 40, 70, 90). AI N28-30."""
    if not _switched_on(ctx, "N28-30"):
        return
    for item in ctx.doc.amounts.items:
        if "motDesICMS" in item.icms and num(item.icms, "vICMSDeson") <= 0:
            raise Rejection(627, _at(item))


# --- ICMS monofásico on fuels (NT 2023.001; hom 25/09/2023, prod 30/10/2023) ---------------------------------

_MONOPHASE = InForce(hom=date(2023, 9, 25), prod=date(2023, 10, 30))
# N12-110: the groups a fuel of the single-phase table may carry (02, 15, 53, 61; 40, 41, 50, 90 also accepted).
_MONOPHASE_CST = frozenset({"02", "15", "53", "61", "40", "41", "50", "90"})
# N41-20: diesel and biodiesel blends whose withheld ICMS is a third of qBCMonoReten × adRemICMSReten (model 55).
_THIRD_OF_RETENTION = frozenset({"420102004", "420102005", "420105001", "820101003", "820101011", "820101012",
                                 "820101013", "820101026", "820101027", "820101032", "820101033", "820101034"})


@rule("N12-110", 960, in_force=_MONOPHASE)
def n12_110_monophase_group_missing(ctx) -> None:
    """960: a fuel of the single-phase table (comb/cProdANP, tabela-combustiveis-monofasica.csv) taxed in a group
    other than CST 02, 15, 53 or 61 (40, 41, 50 and 90 are accepted); not for finNFe 5 and 6 (NT 2025.002-RTC).
    NT 2023.001 N12-110."""
    if ctx.doc.ide_("finNFe") in ("5", "6"):
        return
    fuels = tables.monophase_fuels()
    for item in ctx.doc.amounts.items:
        if item.cProdANP in fuels and item.icms_group and item.icms.get("CST") not in _MONOPHASE_CST:
            raise Rejection(960, _at(item))


@rule("N39-10", 962, in_force=_MONOPHASE)
def n39_10_monophase_icms(ctx) -> None:
    """962: CST 02 or 15, finNFe=1, qBCMono informed and vICMSMono ≠ qBCMono × adRemICMS (*4). NT 2023.001 N39-10."""
    if not _normal_issue(ctx):
        return
    for item in ctx.doc.amounts.items:
        v = item.icms
        if v.get("CST") in ("02", "15") and "qBCMono" in v:
            if _off_by_more_than_a_cent(num(v, "vICMSMono"), num(v, "qBCMono") * num(v, "adRemICMS")):
                raise Rejection(962, _at(item))


@rule("N39a-10", 768, in_force=_MONOPHASE)
def n39a_10_withheld_quantity_missing(ctx) -> None:
    """768: CST 15 without qBCMonoReten. Model 55. NT 2023.001 N39a-10."""
    if ctx.doc.mod != "55":
        return
    for item in ctx.doc.amounts.items:
        if item.icms.get("CST") == "15" and "qBCMonoReten" not in item.icms:
            raise Rejection(768, _at(item))


@rule("N41-10/N41-20", 964, in_force=_MONOPHASE)
def n41_10_withheld_monophase_icms(ctx) -> None:
    """964: CST 15, finNFe=1, qBCMonoReten informed and vICMSMonoReten ≠ qBCMonoReten × adRemICMSReten (*4); for
    the diesel blends of N41-20 (model 55) the product is further × 0,3333. NT 2023.001 N41-10, N41-20."""
    if not _normal_issue(ctx):
        return
    for item in ctx.doc.amounts.items:
        v = item.icms
        if v.get("CST") == "15" and "qBCMonoReten" in v:
            calculated = num(v, "qBCMonoReten") * num(v, "adRemICMSReten")
            if ctx.doc.mod == "55" and item.cProdANP in _THIRD_OF_RETENTION:
                calculated *= Decimal("0.3333")
            if _off_by_more_than_a_cent(num(v, "vICMSMonoReten"), calculated):
                raise Rejection(964, _at(item))


# --- Interstate rates (N16) and ICMS for the destination UF (NA, EC 87/2015) --------------------------------

def _interstate_limit(emit_uf: str, dest_uf: str) -> Decimal:
    return Decimal(7) if emit_uf in _SOUTH_SOUTHEAST and dest_uf in _SEVEN_DESTINATIONS else Decimal(12)


def _rate_exempt(item: Item) -> bool:
    cfop = _cfop(item)
    return (item.tpOp in ("2", "3") or item.cfop in _RATE_EXEMPT_CFOP
            or (cfop is not None and (cfop.indRetor or cfop.indAnula)))


@rule("N16-04", 663)
def n16_04_imported_goods_above_four(ctx) -> None:
    """663 (UF option, off unless uf_optional_rules lists N16-04): interstate sale (idDest=2, tpNF=1) of imported
    goods (orig 1, 2, 3, 8) taxed with CST 00/10/20/70/90 above 4 % (Resolução do Senado 13/2012). Not for
    finNFe=4, CFOP indRetor, veicProd tpOp 2/3, CFOP 6118/6119/6122/6123. Model 55. AI N16-04."""
    d = ctx.doc
    if not _switched_on(ctx, "N16-04") or d.mod != "55" or d.ide_("idDest") != "2" or d.ide_("tpNF") != "1":
        return
    if d.ide_("finNFe") == "4":
        return
    for item in d.amounts.items:
        v = item.icms
        if v.get("orig") in _IMPORTED_ORIG and v.get("CST") in ("00", "10", "20", "70", "90"):
            cfop = _cfop(item)
            if item.tpOp in ("2", "3") or item.cfop in _RATE_EXEMPT_CFOP or (cfop is not None and cfop.indRetor):
                continue
            if num(v, "pICMS") > 4:
                raise Rejection(663, _at(item))


@rule("N16-20", 693)
def n16_20_interstate_rate(ctx) -> None:
    """693: interstate sale (idDest=2, tpNF=1, finNFe=1) of goods of national origin (orig ∉ 1, 2, 3, 8) with
    pICMS above 7 % (from PR, RS, SC, SP, RJ or MG to the N, NE, CO regions or ES) or above 12 % otherwise.
    Not for: veicProd tpOp 2/3, CFOP indRetor/indAnula, CFOP 6118/6119/6122/6123, entrega/UF ≠ the issuer's
    UF, retirada/UF ≠ the recipient's UF. Model 55. AI N16-20."""
    d, a = ctx.doc, ctx.doc.amounts
    if d.mod != "55" or d.ide_("idDest") != "2" or d.ide_("tpNF") != "1" or not _normal_issue(ctx):
        return
    if (a.entrega_uf and a.entrega_uf != a.emit_uf) or (a.retirada_uf and a.retirada_uf != a.dest_uf):
        return
    limit = _interstate_limit(a.emit_uf, a.dest_uf)
    for item in a.items:
        v = item.icms
        if "pICMS" in v and v.get("orig") not in _IMPORTED_ORIG and not _rate_exempt(item):
            if num(v, "pICMS") > limit:
                raise Rejection(693, _at(item))


def _needs_destination_group(ctx) -> bool:
    d, a = ctx.doc, ctx.doc.amounts
    return d.ide_("idDest") == "2" and d.ide_("indFinal") == "1" and a.indIEDest == "9"


@rule("NA01-10", 807)
def na01_10_nfce_with_destination_group(ctx) -> None:
    """807: an NFC-e (model 65) with the ICMSUFDest group. AI NA01-10."""
    if ctx.doc.mod != "65":
        return
    for item in ctx.doc.amounts.items:
        if item.uf_dest is not None:
            raise Rejection(807, _at(item))


@rule("NA01-20", 694)
def na01_20_destination_group_missing(ctx) -> None:
    """694: interstate sale to a non-contributor final consumer (idDest=2, indFinal=1, indIEDest=9): every item
    without ISSQN carries ICMSUFDest. Exceptions (AI NA01-20, NT 2025.002-RTC): tpNF=0; finNFe 2, 3, 5, 6;
    CRT 1 or 4; entrega/UF = the issuer's UF; items with ICMSPart, CFOP indRetor or indRemes, CFOP 6552, 6922,
    6929, CST 40/41 or CSOSN 103/300/400, fuels outside the ANP list. Model 55."""
    d, a = ctx.doc, ctx.doc.amounts
    if d.mod != "55" or not _needs_destination_group(ctx) or d.ide_("tpNF") == "0":
        return
    if d.ide_("finNFe") in ("2", "3", "5", "6") or a.CRT in ("1", "4") or a.entrega_uf == a.emit_uf:
        return
    for item in a.items:
        if item.uf_dest is not None or item.issqn is not None or item.icms_group == "ICMSPart":
            continue
        cfop = _cfop(item)
        if (cfop is not None and (cfop.indRetor or cfop.indRemes)) or item.cfop in ("6552", "6922", "6929"):
            continue
        if item.cst in ("40", "41", "103", "300", "400"):
            continue
        if item.cProdANP and item.cProdANP not in _DIFAL_FUELS:
            continue
        raise Rejection(694, _at(item))


@rule("NA01-30", 695)
def na01_30_destination_group_undue(ctx) -> None:
    """695: ICMSUFDest informed where it does not belong: not an interstate sale to a non-contributor final
    consumer, an item with ISSQN, or a fuel outside the ANP list. Not when entrega/UF differs from the issuer's UF.
    Model 55. AI NA01-30."""
    d, a = ctx.doc, ctx.doc.amounts
    if d.mod != "55" or (a.entrega_uf and a.entrega_uf != a.emit_uf):
        return
    needed = _needs_destination_group(ctx)
    for item in a.items:
        if item.uf_dest is None:
            continue
        if not needed or item.issqn is not None or (item.cProdANP and item.cProdANP not in _DIFAL_FUELS):
            raise Rejection(695, _at(item))


@rule("NA09-10/NA09-20", 697)
def na09_10_interstate_rate_and_origin(ctx) -> None:
    """697: pICMSInter 4 with goods of national origin (orig ∉ 1, 2, 3, 8), or 7/12 with imported goods.
    AI NA09-10, NA09-20."""
    for item in ctx.doc.amounts.items:
        if item.uf_dest is None:
            continue
        rate = num(item.uf_dest, "pICMSInter")
        imported = item.icms.get("orig") in _IMPORTED_ORIG
        if (rate == 4 and not imported) or (rate in (7, 12) and imported):
            raise Rejection(697, _at(item))


@rule("NA09-30", 698)
def na09_30_interstate_rate_of_the_ufs(ctx) -> None:
    """698: tpNF=1, finNFe=1, pICMSInter 7 or 12 and not the rate the pair of UFs requires (the 7/12 rule of
    N16-20). Not for CFOP indRetor, entrega/UF ≠ the issuer's UF, retirada/UF ≠ the recipient's UF. AI NA09-30."""
    d, a = ctx.doc, ctx.doc.amounts
    if d.ide_("tpNF") != "1" or not _normal_issue(ctx):
        return
    if (a.entrega_uf and a.entrega_uf != a.emit_uf) or (a.retirada_uf and a.retirada_uf != a.dest_uf):
        return
    required = _interstate_limit(a.emit_uf, a.dest_uf)
    for item in a.items:
        if item.uf_dest is None:
            continue
        cfop = _cfop(item)
        if cfop is not None and cfop.indRetor:
            continue
        rate = num(item.uf_dest, "pICMSInter")
        if rate in (7, 12) and rate != required:
            raise Rejection(698, _at(item))


@rule("NA11-10", 699)
def na11_10_destination_share_of_the_year(ctx) -> None:
    """699: pICMSInterPart ≠ the destination UF's share for the year of dhEmi: 40 (2016), 60 (2017), 80 (2018),
    100 from 2019 (EC 87/2015). For finNFe ≠ 1 the year of the referenced note decides; the referenced note is
    not read here, so only finNFe=1 notes are judged. AI NA11-10."""
    if ctx.doc.ide_("finNFe") != "1":
        return
    expected = _INTER_PART_BY_YEAR.get(int(ctx.doc.dhEmi[:4] or 0), Decimal(100))
    for item in ctx.doc.amounts.items:
        if item.uf_dest is not None and num(item.uf_dest, "pICMSInterPart") != expected:
            raise Rejection(699, _at(item))


@rule("NA13-10", 793)
def na13_10_destination_fcp_value(ctx) -> None:
    """793: vFCPUFDest ≠ vBCFCPUFDest × pFCPUFDest / 100 (*4). AI NA13-10."""
    for item in ctx.doc.amounts.items:
        v = item.uf_dest
        if v is not None and _off_by_more_than_a_cent(
                num(v, "vFCPUFDest"), num(v, "vBCFCPUFDest") * num(v, "pFCPUFDest") / HUNDRED):
            raise Rejection(793, _at(item))


def _difal(item: Item) -> tuple[Decimal, Decimal]:
    """(destination share, issuer share) of the DIFAL of a CST 00 item (NT 2020.005 NA15-10, NA17-10)."""
    v = item.uf_dest
    difference = (num(v, "vBCUFDest") * num(v, "pICMSUFDest") - num(item.icms, "vBC") * num(v, "pICMSInter"))
    difference = max(ZERO, difference / HUNDRED)
    to_dest = difference * num(v, "pICMSInterPart") / HUNDRED
    return to_dest, max(ZERO, difference - to_dest)


def _difal_items(ctx):
    if ctx.doc.ide_("tpNF") != "1":
        return ()
    return [i for i in ctx.doc.amounts.items if i.uf_dest is not None and i.icms.get("CST") == "00"]


def _informed_calculated(informed: Decimal, calculated: Decimal) -> str:
    return f"(Valor Informado: {informed:.2f}, Valor Calculado: {money(calculated):.2f})"


@rule("NA15-10", 815, in_force=InForce(hom=date(2021, 7, 1), prod=date(2021, 9, 1)))
def na15_10_destination_difal(ctx) -> None:
    """815: CST 00 with ICMSUFDest, tpNF=1: vICMSUFDest ≠ max(0, (vBCUFDest × pICMSUFDest − vBC × pICMSInter) / 100)
    × pICMSInterPart / 100 (*4). NT 2020.005 v1.00 (hom 01/07/2021, prod 01/09/2021); v1.21 excludes tpNF=0."""
    for item in _difal_items(ctx):
        to_dest, _ = _difal(item)
        informed = num(item.uf_dest, "vICMSUFDest")
        if _off_by_more_than_a_cent(informed, to_dest):
            raise Rejection(815, f"{_at(item)} {_informed_calculated(informed, to_dest)}")


@rule("NA17-10", 816, in_force=InForce(hom=date(2021, 7, 1), prod=date(2021, 9, 1)))
def na17_10_issuer_difal(ctx) -> None:
    """816: same scope as 815: vICMSUFRemet ≠ max(0, difference − vICMSUFDest) (*4). NT 2020.005 v1.21."""
    for item in _difal_items(ctx):
        _, to_issuer = _difal(item)
        informed = num(item.uf_dest, "vICMSUFRemet")
        if _off_by_more_than_a_cent(informed, to_issuer):
            raise Rejection(816, f"{_at(item)} {_informed_calculated(informed, to_issuer)}")


# MOC order: group I (products), N (ICMS: N12 groups, N16 rates, N16a/c and N17 values, N17b/c FCP, N23/N27
# FCP-ST, N39-N41 single-phase fuels), NA (destination UF).
ARITHMETIC_RULES = (
    i11_10_value_of_commercial_quantity, i11_20_value_of_taxable_quantity, i17_10_discount_above_value,
    n12_110_monophase_group_missing, n16_04_imported_goods_above_four, n16_20_interstate_rate,
    n16a_10_cst51_operation_icms, n16c_10_cst51_deferred_icms,
    n17_10_cst51_icms_is_the_difference, n17_20_icms_of_base_and_rate, n17b_10_fcp_rate_zero,
    n17b_20_fcp_rate_of_the_uf, n17c_10_fcp_value, n17c_20_fcp_in_the_destination_field,
    n23b_10_fcpst_rate_zero, n23d_10_fcpst_value, n27b_20_fcpst_retained_rate, n28_10_zfm_needs_suframa,
    n28_20_zfm_cfop, n28_30_relief_value_missing, n39_10_monophase_icms,
    n39a_10_withheld_quantity_missing, n41_10_withheld_monophase_icms,
    na01_10_nfce_with_destination_group, na01_20_destination_group_missing, na01_30_destination_group_undue,
    na09_10_interstate_rate_and_origin, na09_30_interstate_rate_of_the_ufs, na11_10_destination_share_of_the_year,
    na13_10_destination_fcp_value, na15_10_destination_difal, na17_10_issuer_difal,
)
