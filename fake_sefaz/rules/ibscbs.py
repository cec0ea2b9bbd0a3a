"""IBS / CBS / IS of the tax reform: the validation rules of NT 2025.002-RTC v1.34 (Dec/2025) §7, one function per
rule row (reference content-rules.md §7.5), in the order of the layout's groups: B (identification), I (product),
UB (item IBSCBS), W (totals).

Every RTC rule is Obrig./Rej.; there is no warning mode (RTC "Histórico"): a rule either applies or not, by date.
Dates of entry into force are the NT's: the first wave in homologação since 01/07/2025 and in produção since
06/10/2025; the v1.30 second wave (B10a, B25-110/120, I05k, UB112-UB133, W59f/g) hom 24/11/2025, prod 02/02/2026.
The NT's footnote: the IBS/CBS/IS rules run only when IBS/CBS/IS fields are filled, so a note without them is not
judged here (UB12-10, "IBS/CBS não informado", stays "implementação futura" in both environments in v1.34).

Tolerances: item arithmetic ±0,01 (UB82a-20: 0,04), pAliqEfet to 4 decimals; totals exact (W rows carry none).
Texts quote "[nItem: 999]": the rules append the item number as that suffix.

Rules read `ctx.doc.ibscbs` (domain/ibscbs.py: the fields extracted once per document) and the official tables
(domain/tables.py); they never write.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import Iterator

from fake_sefaz.domain import ibscbs as rtc
from fake_sefaz.domain import tables
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.ibscbs import ZERO, Fields, Item, rate4
from fake_sefaz.rules import InForce, rule
from fake_sefaz.rules.nfe import NFeContext

# RTC schedule (content-rules.md §7.1).
RTC_WAVE1 = InForce(hom=date(2025, 7, 1), prod=date(2025, 10, 6))
RTC_WAVE2 = InForce(hom=date(2025, 11, 24), prod=date(2026, 2, 2))

CENT = Decimal("0.01")
RATE_TOLERANCE = Decimal("0.0001")
# UB56-10 (v1.32/1.33): UFs of the Zona Franca de Manaus and the Áreas de Livre Comércio, where pCBS may be 0.
ZFM_UFS = frozenset({"AC", "AM", "RO", "RR", "AP"})
# I05k-20: emitter UFs that may classify the ZFM sub-assessment of IBS.
ZFM_CLASS_UFS = frozenset({"AC", "AM", "RO", "RR", "AP"})

UF, MUN, CBS = "gIBSCBS/gIBSUF", "gIBSCBS/gIBSMun", "gIBSCBS/gCBS"
# (group path, rate field, value field, cClassTrib reduction column)
SPHERES = ((UF, "pIBSUF", "vIBSUF", "pRedIBS"), (MUN, "pIBSMun", "vIBSMun", "pRedIBS"),
           (CBS, "pCBS", "vCBS", "pRedCBS"))


def _doc(ctx: NFeContext) -> rtc.Document:
    return ctx.doc.ibscbs


def _filled(ctx: NFeContext) -> rtc.Document | None:
    d = _doc(ctx)
    return d if d.filled else None


def _n(it: Item) -> str:
    return f"[nItem: {it.nItem}]"


def _items(ctx: NFeContext) -> Iterator[tuple[Item, Fields]]:
    return _doc(ctx).items_with_ibscbs()


def _cst(f: Fields) -> tables.IbsCbsCst | None:
    return tables.ibscbs_cst().get(f.text("CST"))


def _class(f: Fields) -> tables.ClassTrib | None:
    return tables.cclasstrib().get(f.text("cClassTrib"))


def _ide(ctx: NFeContext, name: str) -> str:
    return _doc(ctx).ide.get(name, "")


def _off(a: Decimal, b: Decimal, tolerance: Decimal = CENT) -> bool:
    return abs(a - b) > tolerance


# === Group B: identification (RTC §7.5.1) ==================================================================

@rule("B10a-10", 1153, in_force=RTC_WAVE2)
def b10a_10_nfce_delivery_date(ctx: NFeContext) -> None:
    """1153: an NFC-e has no expected delivery date (dPrevEntrega)."""
    if ctx.doc.mod == "65" and _ide(ctx, "dPrevEntrega"):
        raise Rejection(1153)


def _delivery(ctx: NFeContext) -> tuple[date, date] | None:
    d = _ide(ctx, "dPrevEntrega")
    if ctx.doc.mod != "55" or not d:
        return None
    start = (_ide(ctx, "dhSaiEnt") or _ide(ctx, "dhEmi"))[:10]
    return date.fromisoformat(d), date.fromisoformat(start)


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@rule("B10a-20", 1154, in_force=RTC_WAVE2)
def b10a_20_delivery_too_late(ctx: NFeContext) -> None:
    """1154: dPrevEntrega at most 3 months after dhSaiEnt (dhEmi when absent)."""
    dates = _delivery(ctx)
    if dates is not None and dates[0] > _add_months(dates[1], 3):
        raise Rejection(1154)


@rule("B10a-30", 1155, in_force=RTC_WAVE2)
def b10a_30_delivery_too_early(ctx: NFeContext) -> None:
    """1155: dPrevEntrega not before dhSaiEnt (dhEmi when absent)."""
    dates = _delivery(ctx)
    if dates is not None and dates[0] < dates[1]:
        raise Rejection(1155)


@rule("B10a-40", 1156, in_force=RTC_WAVE2)
def b10a_40_delivery_purpose(ctx: NFeContext) -> None:
    """1156: dPrevEntrega only in a normal note or a return (finNFe 1 or 4)."""
    if _delivery(ctx) is not None and _ide(ctx, "finNFe") not in ("1", "4"):
        raise Rejection(1156)


@rule("B10a-50", 1157, in_force=RTC_WAVE2)
def b10a_50_delivery_freight(ctx: NFeContext) -> None:
    """1157: no dPrevEntrega with modFrete 1 (FOB), 4 (own transport by the recipient) or 9 (no transport)."""
    if _delivery(ctx) is not None and _doc(ctx).modFrete in ("1", "4", "9"):
        raise Rejection(1157)


@rule("B25-65", 1027, in_force=RTC_WAVE1)
def b25_65_zfm_credit_refs(ctx: NFeContext) -> None:
    """1027: a crédito note of type 02 (ZFM presumed credit) references no document."""
    if _ide(ctx, "tpNFCredito") == "02" and _doc(ctx).has_nfref:
        raise Rejection(1027)


@rule("B25-80", 1001, in_force=RTC_WAVE1)
def b25_80_credit_debit_only_ibscbs(ctx: NFeContext) -> None:
    """1001: a crédito/débito note (finNFe 5, 6) or a government receipt (tpOperGov 2) carries only IBS/CBS:
    no ICMS, ISSQN, IPI, II, PIS(ST), COFINS(ST), ICMSUFDest; not for a crédito of type 03 (Retorno)."""
    d = _doc(ctx)
    if _ide(ctx, "finNFe") not in ("5", "6") and d.ide_groups.text("gCompraGov/tpOperGov") != "2":
        return
    if _ide(ctx, "tpNFCredito") == "03":
        return
    if any(it.other_taxes for it in d.items):
        raise Rejection(1001)


@rule("B25-90", 1002, in_force=RTC_WAVE1)
def b25_90_icms_or_issqn(ctx: NFeContext) -> None:
    """1002: outside crédito/débito notes every item carries ICMS or ISSQN (PL_010 made the choice optional in the
    schema; this rule replaces the former schema error); not for a government receipt (tpOperGov 2)."""
    d = _doc(ctx)
    if _ide(ctx, "finNFe") in ("5", "6") or d.ide_groups.text("gCompraGov/tpOperGov") == "2":
        return
    if any(not it.has_icms and not it.has_issqn for it in d.items):
        raise Rejection(1002)


@rule("B25-100", 1003, in_force=RTC_WAVE1)
def b25_100_credit_refs_model(ctx: NFeContext) -> None:
    """1003: a crédito note references NF-e of model 55 (model 65 only in a crédito of type 03, Retorno)."""
    if _ide(ctx, "finNFe") != "5":
        return
    allowed = ("55", "65") if _ide(ctx, "tpNFCredito") == "03" else ("55",)
    if any(ref[20:22] not in allowed for ref in _doc(ctx).refNFe):
        raise Rejection(1003)


@rule("B25-110", 1161, in_force=RTC_WAVE2)
def b25_110_credit_entry(ctx: NFeContext) -> None:
    """1161: a crédito note is an entry (tpNF 0)."""
    if _ide(ctx, "finNFe") == "5" and _ide(ctx, "tpNF") != "0":
        raise Rejection(1161)


@rule("B25-120", 1162, in_force=RTC_WAVE2)
def b25_120_debit_exit(ctx: NFeContext) -> None:
    """1162: a débito note is an exit (tpNF 1)."""
    if _ide(ctx, "finNFe") == "6" and _ide(ctx, "tpNF") != "1":
        raise Rejection(1162)


@rule("B25.1-10", 1139, in_force=RTC_WAVE1)
def b25_1_10_debit_type_undue(ctx: NFeContext) -> None:
    """1139: tpNFDebito only in a débito note (finNFe 6)."""
    if _ide(ctx, "tpNFDebito") and _ide(ctx, "finNFe") != "6":
        raise Rejection(1139)


@rule("B25.1-20", 1009, in_force=RTC_WAVE1)
def b25_1_20_debit_type_missing(ctx: NFeContext) -> None:
    """1009: a débito note (finNFe 6) says its type (tpNFDebito)."""
    if _ide(ctx, "finNFe") == "6" and not _ide(ctx, "tpNFDebito"):
        raise Rejection(1009)


@rule("B25.2-10", 1163, in_force=RTC_WAVE1)
def b25_2_10_credit_type_undue(ctx: NFeContext) -> None:
    """1163: tpNFCredito only in a crédito note (finNFe 5)."""
    if _ide(ctx, "tpNFCredito") and _ide(ctx, "finNFe") != "5":
        raise Rejection(1163)


@rule("B25.2-20", 1164, in_force=RTC_WAVE1)
def b25_2_20_credit_type_missing(ctx: NFeContext) -> None:
    """1164: a crédito note (finNFe 5) says its type (tpNFCredito)."""
    if _ide(ctx, "finNFe") == "5" and not _ide(ctx, "tpNFCredito"):
        raise Rejection(1164)


@rule("B25.2-30", 1145, in_force=RTC_WAVE1)
def b25_2_30_zfm_credit_from_2029(ctx: NFeContext) -> None:
    """1145: crédito type 02 (ZFM presumed credit) only for notes issued from January 2029."""
    if _ide(ctx, "tpNFCredito") == "02" and _doc(ctx).year < 2029:
        raise Rejection(1145)


@rule("B25b-60", 1000, in_force=RTC_WAVE1)
def b25b_60_ibs_municipality(ctx: NFeContext) -> None:
    """1000: an NFC-e names the IBS taxable-event municipality (cMunFGIBS) only for a sale outside the
    establishment (indPres 5)."""
    if ctx.doc.mod == "65" and _ide(ctx, "cMunFGIBS") and _ide(ctx, "indPres") != "5":
        raise Rejection(1000)


@rule("B31-10", 1006, in_force=RTC_WAVE1)
def b31_10_nfce_government(ctx: NFeContext) -> None:
    """1006: an NFC-e is never a government purchase (gCompraGov)."""
    if ctx.doc.mod == "65" and _doc(ctx).ide_groups.has("gCompraGov"):
        raise Rejection(1006)


@rule("B34-10", 1140, in_force=RTC_WAVE1)
def b34_10_government_receipt_refs(ctx: NFeContext) -> None:
    """1140: a receipt of a government payment (tpOperGov 2) references the supply note (NFref/refNFe)."""
    d = _doc(ctx)
    if d.ide_groups.text("gCompraGov/tpOperGov") == "2" and not d.refNFe:
        raise Rejection(1140)


# === Group I: product (I05k ZFM sub-assessment; LA01-30 fuel) ==============================================

@rule("I05k-10", 1165, in_force=RTC_WAVE2)
def i05k_10_zfm_class_nfce(ctx: NFeContext) -> None:
    """1165: an NFC-e item has no ZFM sub-assessment class (tpCredPresIBSZFM)."""
    if ctx.doc.mod == "65":
        for it in _doc(ctx).items:
            if it.tpCredPresIBSZFM:
                raise Rejection(1165, _n(it))


@rule("I05k-20", 1166, in_force=RTC_WAVE2)
def i05k_20_zfm_class_uf(ctx: NFeContext) -> None:
    """1166: tpCredPresIBSZFM only from an emitter in AC, AM, RO, RR or AP (ZFM and ALC)."""
    d = _doc(ctx)
    if ctx.doc.mod == "55" and d.uf_emit not in ZFM_CLASS_UFS:
        for it in d.items:
            if it.tpCredPresIBSZFM:
                raise Rejection(1166, _n(it))


@rule("LA01-30", 1106, in_force=RTC_WAVE1)
def la01_30_fuel_group(ctx: NFeContext) -> None:
    """1106: an item classified as fuel (cClassTrib 410013 or 620xxx) carries the fuel group prod/comb."""
    for it, f in _items(ctx):
        c = f.text("cClassTrib")
        if (c == "410013" or c.startswith("620")) and not it.has_comb:
            raise Rejection(1106, _n(it))


# === Group UB: the item's IBSCBS (RTC §7.5.2, §7.5.3) ======================================================

@rule("UB13-10", 1020, in_force=RTC_WAVE1)
def ub13_10_cst_exists(ctx: NFeContext) -> None:
    """1020: IBSCBS/CST is in the CST table."""
    for it, f in _items(ctx):
        if _cst(f) is None:
            raise Rejection(1020, _n(it))


@rule("UB13-20", 1021, in_force=RTC_WAVE1)
def ub13_20_group_undue(ctx: NFeContext) -> None:
    """1021: a CST with ind_gIBSCBS=0 (400, 410, 620, 800, 810, 811, 820) carries no gIBSCBS."""
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is not None and not cst.ind_gIBSCBS and f.has("gIBSCBS"):
            raise Rejection(1021, _n(it))


@rule("UB13-30", 1022, in_force=RTC_WAVE1)
def ub13_30_group_missing(ctx: NFeContext) -> None:
    """1022: a CST with ind_gIBSCBS=1 carries gIBSCBS (not in a débito of type 07)."""
    if _ide(ctx, "tpNFDebito") == "07":
        return
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is not None and cst.ind_gIBSCBS and not f.has("gIBSCBS"):
            raise Rejection(1022, _n(it))


@rule("UB13-39", 1151, in_force=RTC_WAVE1)
def ub13_39_mono_undue(ctx: NFeContext) -> None:
    """1151: gIBSCBSMono only with a CST of ind_gIBSCBSMono=1 (620)."""
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is not None and not cst.ind_gIBSCBSMono and f.has("gIBSCBSMono"):
            raise Rejection(1151, _n(it))


@rule("UB13-44", 1131, in_force=RTC_WAVE1)
def ub13_44_transfer_undue(ctx: NFeContext) -> None:
    """1131: gTransfCred only with a CST of ind_gTransfCred=1 (800)."""
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is not None and not cst.ind_gTransfCred and f.has("gTransfCred"):
            raise Rejection(1131, _n(it))


@rule("UB13-45", 1132, in_force=RTC_WAVE1)
def ub13_45_transfer_missing(ctx: NFeContext) -> None:
    """1132: CST 800 (ind_gTransfCred=1) carries gTransfCred."""
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is not None and cst.ind_gTransfCred and not f.has("gTransfCred"):
            raise Rejection(1132, _n(it))


@rule("UB14-10", 1023, in_force=RTC_WAVE1)
def ub14_10_class_exists(ctx: NFeContext) -> None:
    """1023: cClassTrib is in the cClassTrib table."""
    for it, f in _items(ctx):
        if _class(f) is None:
            raise Rejection(1023, _n(it))


@rule("UB14-20", 1024, in_force=RTC_WAVE1)
def ub14_20_class_of_cst(ctx: NFeContext) -> None:
    """1024: cClassTrib belongs to the item's CST (the table's CST column)."""
    for it, f in _items(ctx):
        c = _class(f)
        if c is not None and c.CST != f.text("CST"):
            raise Rejection(1024, _n(it))


@rule("UB14-25", 1025, in_force=RTC_WAVE1)
def ub14_25_class_of_model(ctx: NFeContext) -> None:
    """1025: cClassTrib allowed in this model (indNFe for 55, indNFCe for 65)."""
    for it, f in _items(ctx):
        c = _class(f)
        if c is not None and not (c.indNFe if ctx.doc.mod == "55" else c.indNFCe):
            raise Rejection(1025, _n(it))


def _nominal(ctx: NFeContext, it: Item, f: Fields, index: int) -> Decimal | None:
    """The rate the year demands for sphere index (0 UF, 1 Mun, 2 CBS); 0 for regular-taxation classes
    (ind_gTribRegular=1); None when the year has no published rate."""
    rates = rtc.RATES.get(_doc(ctx).year)
    if rates is None:
        return None
    c = _class(f)
    if c is not None and c.ind_gTribRegular:
        return ZERO
    return rates[index]


def _rate_rule(ctx: NFeContext, index: int, code: int) -> None:
    group, p, _, _ = SPHERES[index]
    for it, f in _items(ctx):
        if not f.has("gIBSCBS"):
            continue
        want = _nominal(ctx, it, f, index)
        got = f.dec(f"{group}/{p}")
        if want is None or got == want:
            continue
        if index == 2 and got == ZERO and _zfm_zero_cbs(ctx):
            continue
        raise Rejection(code, _n(it))


def _zfm_zero_cbs(ctx: NFeContext) -> bool:
    # UB56-10 (v1.32/1.33): pCBS 0 between parties both in the ZFM / an ALC. Simplified to the UFs; the NT also
    # names municipalities and excludes NCM 93, 24, 2203-2208, 8703, 33 (3303-3307 excepted).
    d = _doc(ctx)
    return d.uf_emit in ZFM_UFS and d.uf_dest in ZFM_UFS


@rule("UB18-10", 1026, in_force=RTC_WAVE1)
def ub18_10_rate_uf(ctx: NFeContext) -> None:
    """1026: pIBSUF is the year's rate (0.10 in 2025-2026, 0.05 in 2027-2028); 0 for ind_gTribRegular=1."""
    _rate_rule(ctx, 0, 1026)


def _group_rule(ctx: NFeContext, group: str, code: int, *, allowed: bool, demanded: bool, indicator: str) -> None:
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is None or not f.has("gIBSCBS"):
            continue
        flag = getattr(cst, indicator)
        if allowed and not flag and f.has(group):
            raise Rejection(code, _n(it))
        if demanded and flag and not f.has(group):
            raise Rejection(code, _n(it))


@rule("UB22-10", 1029, in_force=RTC_WAVE1)
def ub22_10_dif_uf_undue(ctx: NFeContext) -> None:
    """1029: gIBSUF/gDif only with a CST of ind_gDif=1 (510, 515)."""
    _group_rule(ctx, f"{UF}/gDif", 1029, allowed=True, demanded=False, indicator="ind_gDif")


@rule("UB22-20", 1030, in_force=RTC_WAVE1)
def ub22_20_dif_uf_missing(ctx: NFeContext) -> None:
    """1030: a CST of ind_gDif=1 carries gIBSUF/gDif."""
    _group_rule(ctx, f"{UF}/gDif", 1030, allowed=False, demanded=True, indicator="ind_gDif")


def _dif_rule(ctx: NFeContext, group: str, code: int) -> None:
    for it, f in _items(ctx):
        if f.has(f"{group}/gDif"):
            want = f.dec("gIBSCBS/vBC") * _p_eff(f, group) / 100 * f.dec(f"{group}/gDif/pDif") / 100
            if _off(f.dec(f"{group}/gDif/vDif"), want):
                raise Rejection(code, _n(it))


def _p_eff(f: Fields, group: str) -> Decimal:
    """The rate a value is computed with: gRed/pAliqEfet when gRed is present, else the nominal rate."""
    p_name = next(p for g, p, _, _ in SPHERES if g == group)
    if f.has(f"{group}/gRed"):
        return f.dec(f"{group}/gRed/pAliqEfet")
    return f.dec(f"{group}/{p_name}")


@rule("UB23-10", 1031, in_force=RTC_WAVE1)
def ub23_10_dif_uf_value(ctx: NFeContext) -> None:
    """1031: gIBSUF/gDif/vDif = vBC × p/100 × pDif/100 (p = pAliqEfet with gRed, else pIBSUF), ±0,01."""
    _dif_rule(ctx, UF, 1031)


def _gov_reductor(f_doc: rtc.Document) -> bool:
    return f_doc.ide_groups.has("gCompraGov/pRedutor")


def _red_undue(ctx: NFeContext, group: str, code: int) -> None:
    d = _doc(ctx)
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is None or cst.ind_gRed or not f.has(f"{group}/gRed"):
            continue
        # exception: a government purchase with a reductor (gCompraGov/pRedutor) and pRedAliq 0
        if _gov_reductor(d) and f.dec(f"{group}/gRed/pRedAliq") == ZERO:
            continue
        raise Rejection(code, _n(it))


def _red_missing(ctx: NFeContext, group: str, p: str, code: int) -> None:
    gov = _doc(ctx).ide_groups.has("gCompraGov")
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is None or not f.has("gIBSCBS"):
            continue
        if f.dec(f"{group}/{p}") > 0 and (cst.ind_gRed or gov) and not f.has(f"{group}/gRed"):
            raise Rejection(code, _n(it))


@rule("UB26-10", 1032, in_force=RTC_WAVE1)
def ub26_10_red_uf_undue(ctx: NFeContext) -> None:
    """1032: gIBSUF/gRed only with a CST of ind_gRed=1 (011, 200, 515), unless a government purchase with
    gCompraGov/pRedutor and pRedAliq 0."""
    _red_undue(ctx, UF, 1032)


@rule("UB26-20", 1033, in_force=RTC_WAVE1)
def ub26_20_red_uf_missing(ctx: NFeContext) -> None:
    """1033: with pIBSUF > 0 and a CST of ind_gRed=1 (or a government purchase), gIBSUF/gRed is present
    (nfephp-org/sped-nfe#1296: CST 200 / 200047 without gRed)."""
    _red_missing(ctx, UF, "pIBSUF", 1033)


def _red_rate(ctx: NFeContext, group: str, column: str, code: int) -> None:
    d = _doc(ctx)
    for it, f in _items(ctx):
        cst, c = _cst(f), _class(f)
        if cst is None or c is None or not f.has(f"{group}/gRed"):
            continue
        pRedAliq = f.dec(f"{group}/gRed/pRedAliq")
        if cst.ind_gRed and pRedAliq != getattr(c, column):
            raise Rejection(code, _n(it))
        if not cst.ind_gRed and (not _gov_reductor(d) or pRedAliq > 0):
            raise Rejection(code, _n(it))


@rule("UB27-10", 1034, in_force=RTC_WAVE1)
def ub27_10_red_uf_rate(ctx: NFeContext) -> None:
    """1034: gIBSUF/gRed/pRedAliq is the cClassTrib's pRedIBS."""
    _red_rate(ctx, UF, "pRedIBS", 1034)


def _effective_rate(ctx: NFeContext, group: str, p: str, code: int) -> None:
    reductor = _doc(ctx).ide_groups.dec("gCompraGov/pRedutor")
    for it, f in _items(ctx):
        if not f.has(f"{group}/gRed"):
            continue
        want = f.dec(f"{group}/{p}") * (1 - f.dec(f"{group}/gRed/pRedAliq") / 100)
        if reductor:
            want *= 1 - reductor / 100
        if _off(f.dec(f"{group}/gRed/pAliqEfet"), rate4(want), RATE_TOLERANCE):
            raise Rejection(code, _n(it))


@rule("UB28-10", 1035, in_force=RTC_WAVE1)
def ub28_10_effective_uf(ctx: NFeContext) -> None:
    """1035: gIBSUF/gRed/pAliqEfet = pIBSUF × (1 − pRedAliq/100) [× (1 − pRedutor/100)], 4 decimals."""
    _effective_rate(ctx, UF, "pIBSUF", 1035)


def _value_rule(ctx: NFeContext, group: str, v: str, code: int) -> None:
    for it, f in _items(ctx):
        if not f.has(group):
            continue
        want = (f.dec("gIBSCBS/vBC") * _p_eff(f, group) / 100 - f.dec(f"{group}/gDif/vDif")
                - f.dec(f"{group}/gDevTrib/vDevTrib"))
        if _off(f.dec(f"{group}/{v}"), want):
            raise Rejection(code, _n(it))


@rule("UB35-10", 1041, in_force=RTC_WAVE1)
def ub35_10_value_uf(ctx: NFeContext) -> None:
    """1041: vIBSUF = vBC × p/100 − vDif − vDevTrib (p = pAliqEfet with gRed, else pIBSUF), ±0,01."""
    _value_rule(ctx, UF, "vIBSUF", 1041)


@rule("UB37-10", 1036, in_force=RTC_WAVE1)
def ub37_10_rate_mun(ctx: NFeContext) -> None:
    """1036: pIBSMun is the year's rate (0 in 2025-2026, 0.05 in 2027-2028); 0 for ind_gTribRegular=1."""
    _rate_rule(ctx, 1, 1036)


@rule("UB40-10", 1044, in_force=RTC_WAVE1)
def ub40_10_dif_mun_missing(ctx: NFeContext) -> None:
    """1044: a CST of ind_gDif=1 carries gIBSMun/gDif."""
    _group_rule(ctx, f"{MUN}/gDif", 1044, allowed=False, demanded=True, indicator="ind_gDif")


@rule("UB40-20", 1083, in_force=RTC_WAVE1)
def ub40_20_dif_mun_undue(ctx: NFeContext) -> None:
    """1083: gIBSMun/gDif only with a CST of ind_gDif=1."""
    _group_rule(ctx, f"{MUN}/gDif", 1083, allowed=True, demanded=False, indicator="ind_gDif")


@rule("UB42-10", 1045, in_force=RTC_WAVE1)
def ub42_10_dif_mun_value(ctx: NFeContext) -> None:
    """1045: gIBSMun/gDif/vDif = vBC × p/100 × pDif/100, ±0,01."""
    _dif_rule(ctx, MUN, 1045)


@rule("UB45-10", 1007, in_force=RTC_WAVE1)
def ub45_10_red_mun_undue(ctx: NFeContext) -> None:
    """1007: gIBSMun/gRed only with a CST of ind_gRed=1 (same exception as UB26-10)."""
    _red_undue(ctx, MUN, 1007)


@rule("UB45-20", 1074, in_force=RTC_WAVE1)
def ub45_20_red_mun_missing(ctx: NFeContext) -> None:
    """1074: with pIBSMun > 0 and a CST of ind_gRed=1 (or a government purchase), gIBSMun/gRed is present."""
    _red_missing(ctx, MUN, "pIBSMun", 1074)


@rule("UB46-10", 1046, in_force=RTC_WAVE1)
def ub46_10_red_mun_rate(ctx: NFeContext) -> None:
    """1046: gIBSMun/gRed/pRedAliq is the cClassTrib's pRedIBS."""
    _red_rate(ctx, MUN, "pRedIBS", 1046)


@rule("UB47-10", 1047, in_force=RTC_WAVE1)
def ub47_10_effective_mun(ctx: NFeContext) -> None:
    """1047: gIBSMun/gRed/pAliqEfet = pIBSMun × (1 − pRedAliq/100) [× (1 − pRedutor/100)], 4 decimals."""
    _effective_rate(ctx, MUN, "pIBSMun", 1047)


@rule("UB54-10", 1052, in_force=RTC_WAVE1)
def ub54_10_value_mun(ctx: NFeContext) -> None:
    """1052: vIBSMun = vBC × p/100 − vDif − vDevTrib, ±0,01."""
    _value_rule(ctx, MUN, "vIBSMun", 1052)


def _deducted_credit(f: Fields) -> Decimal:
    cred = tables.ccredpres().get(f.text("gCredPresOper/cCredPres"))
    if cred is None or not cred.ind_DeduzCredPres:
        return ZERO
    return f.dec("gCredPresOper/gIBSCredPres/vCredPres")


@rule("UB54a-10", 1150, in_force=RTC_WAVE1)
def ub54a_10_value_ibs(ctx: NFeContext) -> None:
    """1150: gIBSCBS/vIBS = vIBSUF + vIBSMun − vCredPres (only for a cCredPres with ind_DeduzCredPres=1), ±0,01."""
    for it, f in _items(ctx):
        if f.has("gIBSCBS"):
            want = f.dec(f"{UF}/vIBSUF") + f.dec(f"{MUN}/vIBSMun") - _deducted_credit(f)
            if _off(f.dec("gIBSCBS/vIBS"), want):
                raise Rejection(1150, _n(it))


@rule("UB56-10", 1037, in_force=RTC_WAVE1)
def ub56_10_rate_cbs(ctx: NFeContext) -> None:
    """1037: pCBS is the year's rate (0.90 in 2025-2026); 0 for ind_gTribRegular=1, or between ZFM/ALC parties."""
    _rate_rule(ctx, 2, 1037)


@rule("UB59-10", 1061, in_force=RTC_WAVE1)
def ub59_10_dif_cbs_missing(ctx: NFeContext) -> None:
    """1061: a CST of ind_gDif=1 carries gCBS/gDif."""
    _group_rule(ctx, f"{CBS}/gDif", 1061, allowed=False, demanded=True, indicator="ind_gDif")


@rule("UB59-20", 1090, in_force=RTC_WAVE1)
def ub59_20_dif_cbs_undue(ctx: NFeContext) -> None:
    """1090: gCBS/gDif only with a CST of ind_gDif=1."""
    _group_rule(ctx, f"{CBS}/gDif", 1090, allowed=True, demanded=False, indicator="ind_gDif")


@rule("UB61-10", 1062, in_force=RTC_WAVE1)
def ub61_10_dif_cbs_value(ctx: NFeContext) -> None:
    """1062: gCBS/gDif/vDif = vBC × p/100 × pDif/100, ±0,01."""
    _dif_rule(ctx, CBS, 1062)


@rule("UB64-10", 1028, in_force=RTC_WAVE1)
def ub64_10_red_cbs_undue(ctx: NFeContext) -> None:
    """1028: gCBS/gRed only with a CST of ind_gRed=1 (same exception as UB26-10)."""
    _red_undue(ctx, CBS, 1028)


@rule("UB64-20", 1079, in_force=RTC_WAVE1)
def ub64_20_red_cbs_missing(ctx: NFeContext) -> None:
    """1079: with pCBS > 0 and a CST of ind_gRed=1 (or a government purchase), gCBS/gRed is present."""
    _red_missing(ctx, CBS, "pCBS", 1079)


@rule("UB65-10", 1063, in_force=RTC_WAVE1)
def ub65_10_red_cbs_rate(ctx: NFeContext) -> None:
    """1063: gCBS/gRed/pRedAliq is the cClassTrib's pRedCBS."""
    _red_rate(ctx, CBS, "pRedCBS", 1063)


@rule("UB66-10", 1064, in_force=RTC_WAVE1)
def ub66_10_effective_cbs(ctx: NFeContext) -> None:
    """1064: gCBS/gRed/pAliqEfet = pCBS × (1 − pRedAliq/100) [× (1 − pRedutor/100)], 4 decimals."""
    _effective_rate(ctx, CBS, "pCBS", 1064)


@rule("UB67-10", 1069, in_force=RTC_WAVE1)
def ub67_10_value_cbs(ctx: NFeContext) -> None:
    """1069: vCBS = vBC × p/100 − vDif − vDevTrib, ±0,01."""
    _value_rule(ctx, CBS, "vCBS", 1069)


@rule("UB68-10", 1065, in_force=RTC_WAVE1)
def ub68_10_regular_missing(ctx: NFeContext) -> None:
    """1065: a cClassTrib with ind_gTribRegular=1 (e.g. 550001, exports) carries gIBSCBS/gTribRegular."""
    for it, f in _items(ctx):
        c = _class(f)
        if c is not None and c.ind_gTribRegular and f.has("gIBSCBS") and not f.has("gIBSCBS/gTribRegular"):
            raise Rejection(1065, _n(it))


@rule("UB68-11", 1114, in_force=RTC_WAVE1)
def ub68_11_regular_undue(ctx: NFeContext) -> None:
    """1114: gTribRegular only with a cClassTrib of ind_gTribRegular=1."""
    for it, f in _items(ctx):
        c = _class(f)
        if c is not None and not c.ind_gTribRegular and f.has("gIBSCBS/gTribRegular"):
            raise Rejection(1114, _n(it))


@rule("UB69-10", 1066, in_force=RTC_WAVE1)
def ub69_10_regular_cst(ctx: NFeContext) -> None:
    """1066: gTribRegular/CSTReg is in the CST table."""
    for it, f in _items(ctx):
        if f.has("gIBSCBS/gTribRegular") and f.text("gIBSCBS/gTribRegular/CSTReg") not in tables.ibscbs_cst():
            raise Rejection(1066, _n(it))


@rule("UB70-10", 1067, in_force=RTC_WAVE1)
def ub70_10_regular_class(ctx: NFeContext) -> None:
    """1067: gTribRegular/cClassTribReg is in the cClassTrib table."""
    for it, f in _items(ctx):
        if f.has("gIBSCBS/gTribRegular") and \
                f.text("gIBSCBS/gTribRegular/cClassTribReg") not in tables.cclasstrib():
            raise Rejection(1067, _n(it))


def _regular_value(ctx: NFeContext, rate: str, value: str, code: int) -> None:
    for it, f in _items(ctx):
        g = "gIBSCBS/gTribRegular"
        if f.has(g):
            want = f.dec("gIBSCBS/vBC") * f.dec(f"{g}/{rate}") / 100
            if _off(f.dec(f"{g}/{value}"), want):
                raise Rejection(code, _n(it))


@rule("UB72-10", 1040, in_force=RTC_WAVE1)
def ub72_10_regular_uf(ctx: NFeContext) -> None:
    """1040: gTribRegular/vTribRegIBSUF = vBC × pAliqEfetRegIBSUF/100, ±0,01."""
    _regular_value(ctx, "pAliqEfetRegIBSUF", "vTribRegIBSUF", 1040)


@rule("UB72b-10", 1051, in_force=RTC_WAVE1)
def ub72b_10_regular_mun(ctx: NFeContext) -> None:
    """1051: gTribRegular/vTribRegIBSMun = vBC × pAliqEfetRegIBSMun/100, ±0,01."""
    _regular_value(ctx, "pAliqEfetRegIBSMun", "vTribRegIBSMun", 1051)


@rule("UB72d-10", 1068, in_force=RTC_WAVE1)
def ub72d_10_regular_cbs(ctx: NFeContext) -> None:
    """1068: gTribRegular/vTribRegCBS = vBC × pAliqEfetRegCBS/100, ±0,01."""
    _regular_value(ctx, "pAliqEfetRegCBS", "vTribRegCBS", 1068)


@rule("UB82a-10", 1141, in_force=RTC_WAVE1)
def ub82a_10_government_values_missing(ctx: NFeContext) -> None:
    """1141: in a government purchase (gCompraGov) an item with gIBSCBS carries gTribCompraGov."""
    if ctx.doc.mod == "55" and _doc(ctx).ide_groups.has("gCompraGov"):
        for it, f in _items(ctx):
            if f.has("gIBSCBS") and not f.has("gIBSCBS/gTribCompraGov"):
                raise Rejection(1141, _n(it))


@rule("UB82a-20", 1142, in_force=RTC_WAVE1)
def ub82a_20_government_values_sum(ctx: NFeContext) -> None:
    """1142: in a government purchase, vTribIBSUF + vTribIBSMun + vTribCBS differs from vIBSUF + vIBSMun + vCBS by
    at most 0,04 (gTribCompraGov outside one is UB82a-30's 1144)."""
    if not _doc(ctx).ide_groups.has("gCompraGov"):
        return
    for it, f in _items(ctx):
        g = "gIBSCBS/gTribCompraGov"
        if ctx.doc.mod == "55" and f.has(g):
            got = f.dec(f"{g}/vTribIBSUF") + f.dec(f"{g}/vTribIBSMun") + f.dec(f"{g}/vTribCBS")
            want = f.dec(f"{UF}/vIBSUF") + f.dec(f"{MUN}/vIBSMun") + f.dec(f"{CBS}/vCBS")
            if _off(got, want, Decimal("0.04")):
                raise Rejection(1142, _n(it))


@rule("UB82a-30", 1144, in_force=RTC_WAVE1)
def ub82a_30_government_values_undue(ctx: NFeContext) -> None:
    """1144: gTribCompraGov only in a government purchase (gCompraGov)."""
    if ctx.doc.mod == "55" and not _doc(ctx).ide_groups.has("gCompraGov"):
        for it, f in _items(ctx):
            if f.has("gIBSCBS/gTribCompraGov"):
                raise Rejection(1144, _n(it))


@rule("UB106-30", 1133, in_force=RTC_WAVE1)
def ub106_30_transfer_purpose(ctx: NFeContext) -> None:
    """1133: a credit transfer (gTransfCred) is a débito note (finNFe 6)."""
    if ctx.doc.mod == "55" and _ide(ctx, "finNFe") != "6":
        for it, f in _items(ctx):
            if f.has("gTransfCred"):
                raise Rejection(1133, _n(it))


@rule("UB106-31", 1168, in_force=RTC_WAVE1)
def ub106_31_transfer_debit_type(ctx: NFeContext) -> None:
    """1168: a credit transfer is a débito of type 01 or 05."""
    if ctx.doc.mod == "55" and _ide(ctx, "tpNFDebito") not in ("01", "05"):
        for it, f in _items(ctx):
            if f.has("gTransfCred"):
                raise Rejection(1168, _n(it))


def _positive_pair(ctx: NFeContext, group: str, ibs: str, cbs: str, code: int, skip_debit_07: bool = False) -> None:
    if ctx.doc.mod != "55" or (skip_debit_07 and _ide(ctx, "tpNFDebito") == "07"):
        return
    for it, f in _items(ctx):
        if f.has(group) and f.dec(f"{group}/{ibs}") <= 0 and f.dec(f"{group}/{cbs}") <= 0:
            raise Rejection(code, _n(it))


@rule("UB106-40", 1129, in_force=RTC_WAVE1)
def ub106_40_transfer_positive(ctx: NFeContext) -> None:
    """1129: a credit transfer moves a positive vIBS or vCBS."""
    _positive_pair(ctx, "gTransfCred", "vIBS", "vCBS", 1129)


@rule("UB112-10", 1169, in_force=RTC_WAVE2)
def ub112_10_competence_undue(ctx: NFeContext) -> None:
    """1169: gAjusteCompet only with a CST of ind_gAjusteCompet=1 (811)."""
    for it, f in _items(ctx):
        cst = _cst(f)
        if cst is not None and not cst.ind_gAjusteCompet and f.has("gAjusteCompet"):
            raise Rejection(1169, _n(it))


@rule("UB112-20", 1170, in_force=RTC_WAVE2)
def ub112_20_competence_missing(ctx: NFeContext) -> None:
    """1170: CST 811 (ind_gAjusteCompet=1) carries gAjusteCompet (model 55)."""
    if ctx.doc.mod == "55":
        for it, f in _items(ctx):
            cst = _cst(f)
            if cst is not None and cst.ind_gAjusteCompet and not f.has("gAjusteCompet"):
                raise Rejection(1170, _n(it))


@rule("UB112-30", 1171, in_force=RTC_WAVE2)
def ub112_30_competence_positive(ctx: NFeContext) -> None:
    """1171: a competence adjustment moves a positive vIBS or vCBS."""
    _positive_pair(ctx, "gAjusteCompet", "vIBS", "vCBS", 1171)


@rule("UB116-10", 1172, in_force=RTC_WAVE2)
def ub116_10_reversal_undue(ctx: NFeContext) -> None:
    """1172: gEstornoCred only with a cClassTrib of ind_gEstornoCred=1, or in a débito of type 07."""
    if _ide(ctx, "tpNFDebito") == "07":
        return
    for it, f in _items(ctx):
        c = _class(f)
        if c is not None and not c.ind_gEstornoCred and f.has("gEstornoCred"):
            raise Rejection(1172, _n(it))


@rule("UB116-20", 1173, in_force=RTC_WAVE2)
def ub116_20_reversal_missing(ctx: NFeContext) -> None:
    """1173: a cClassTrib of ind_gEstornoCred=1, or a débito of type 07, carries gEstornoCred (model 55)."""
    if ctx.doc.mod != "55":
        return
    debit_07 = _ide(ctx, "tpNFDebito") == "07"
    for it, f in _items(ctx):
        c = _class(f)
        if (debit_07 or (c is not None and c.ind_gEstornoCred)) and not f.has("gEstornoCred"):
            raise Rejection(1173, _n(it))


@rule("UB116-30", 1174, in_force=RTC_WAVE2)
def ub116_30_reversal_positive(ctx: NFeContext) -> None:
    """1174: a credit reversal moves a positive vIBSEstCred or vCBSEstCred (not in a débito of type 07)."""
    _positive_pair(ctx, "gEstornoCred", "vIBSEstCred", "vCBSEstCred", 1174, skip_debit_07=True)


@rule("UB120-10", 1049, in_force=RTC_WAVE2)
def ub120_10_presumed_credit_nfce(ctx: NFeContext) -> None:
    """1049: an NFC-e item carries no presumed credit (gCredPresOper)."""
    if ctx.doc.mod == "65":
        for it, f in _items(ctx):
            if f.has("gCredPresOper"):
                raise Rejection(1049, _n(it))


@rule("UB120-20", 1175, in_force=RTC_WAVE2)
def ub120_20_presumed_credit_undue(ctx: NFeContext) -> None:
    """1175: gCredPresOper only with a cClassTrib of ind_gCredPresOper=1, or for used movable goods
    (indBemMovelUsado=1)."""
    if ctx.doc.mod != "55":
        return
    for it, f in _items(ctx):
        c = _class(f)
        if c is not None and not c.ind_gCredPresOper and f.has("gCredPresOper") and it.indBemMovelUsado != "1":
            raise Rejection(1175, _n(it))


def _credpres(f: Fields) -> tables.CredPres | None:
    return tables.ccredpres().get(f.text("gCredPresOper/cCredPres"))


@rule("UB122-10", 1055, in_force=RTC_WAVE2)
def ub122_10_presumed_credit_code(ctx: NFeContext) -> None:
    """1055: gCredPresOper/cCredPres is in the cCredPres table."""
    if ctx.doc.mod == "55":
        for it, f in _items(ctx):
            if f.has("gCredPresOper") and _credpres(f) is None:
                raise Rejection(1055, _n(it))


def _credpres_group(ctx: NFeContext, sub: str, indicator: str, code: int, *, demanded: bool) -> None:
    if ctx.doc.mod != "55":
        return
    for it, f in _items(ctx):
        cred = _credpres(f) if f.has("gCredPresOper") else None
        if cred is None:
            continue
        flag = getattr(cred, indicator)
        present = f.has(f"gCredPresOper/{sub}")
        if demanded and flag and not present:
            raise Rejection(code, _n(it))
        if not demanded and not flag and present and not (sub == "gIBSCredPres" and it.indBemMovelUsado == "1"):
            raise Rejection(code, _n(it))


@rule("UB123-10", 1053, in_force=RTC_WAVE2)
def ub123_10_ibs_credit_undue(ctx: NFeContext) -> None:
    """1053: gIBSCredPres only for a cCredPres of ind_gIBSCredPres=1 (except used movable goods)."""
    _credpres_group(ctx, "gIBSCredPres", "ind_gIBSCredPres", 1053, demanded=False)


@rule("UB123-20", 1054, in_force=RTC_WAVE2)
def ub123_20_ibs_credit_missing(ctx: NFeContext) -> None:
    """1054: a cCredPres of ind_gIBSCredPres=1 carries gIBSCredPres."""
    _credpres_group(ctx, "gIBSCredPres", "ind_gIBSCredPres", 1054, demanded=True)


def _credit_cap(ctx: NFeContext, sub: str, code: int) -> None:
    if ctx.doc.mod != "55":
        return
    for it, f in _items(ctx):
        if f.text("gCredPresOper/cCredPres") == "04" and f.dec(f"gCredPresOper/{sub}/vCredPres") > it.vProd:
            raise Rejection(code, _n(it))


def _suspended_credit(ctx: NFeContext, sub: str, code: int) -> None:
    if ctx.doc.mod != "55":
        return
    for it, f in _items(ctx):
        if f.has(f"gCredPresOper/{sub}/vCredPresCondSus") and \
                (_doc(ctx).year < 2033 or f.text("gCredPresOper/cCredPres") != "04"):
            raise Rejection(code, _n(it))


@rule("UB126-10", 1056, in_force=RTC_WAVE2)
def ub126_10_ibs_suspended_credit(ctx: NFeContext) -> None:
    """1056: an IBS presumed credit under suspensive condition only from 2033 and for cCredPres 04."""
    _suspended_credit(ctx, "gIBSCredPres", 1056)


@rule("UB127-10", 1050, in_force=RTC_WAVE2)
def ub127_10_cbs_credit_undue(ctx: NFeContext) -> None:
    """1050: gCBSCredPres only for a cCredPres of ind_gCBSCredPres=1."""
    _credpres_group(ctx, "gCBSCredPres", "ind_gCBSCredPres", 1050, demanded=False)


@rule("UB127-20", 1058, in_force=RTC_WAVE2)
def ub127_20_cbs_credit_missing(ctx: NFeContext) -> None:
    """1058: a cCredPres of ind_gCBSCredPres=1 carries gCBSCredPres."""
    _credpres_group(ctx, "gCBSCredPres", "ind_gCBSCredPres", 1058, demanded=True)


@rule("UB129-10", 1124, in_force=RTC_WAVE2)
def ub129_10_cbs_credit_cap(ctx: NFeContext) -> None:
    """1124: for used movable goods (cCredPres 04) the CBS presumed credit is at most vProd."""
    _credit_cap(ctx, "gCBSCredPres", 1124)


@rule("UB130-10", 1060, in_force=RTC_WAVE2)
def ub130_10_cbs_suspended_credit(ctx: NFeContext) -> None:
    """1060: a CBS presumed credit under suspensive condition only from 2033 and for cCredPres 04."""
    _suspended_credit(ctx, "gCBSCredPres", 1060)


@rule("UB131-10", 1138, in_force=RTC_WAVE2)
def ub131_10_zfm_credit_nfce(ctx: NFeContext) -> None:
    """1138: an NFC-e item carries no ZFM presumed credit (gCredPresIBSZFM)."""
    if ctx.doc.mod == "65":
        for it, f in _items(ctx):
            if f.has("gCredPresIBSZFM"):
                raise Rejection(1138, _n(it))


@rule("UB131-20", 1134, in_force=RTC_WAVE2)
def ub131_20_zfm_credit_undue(ctx: NFeContext) -> None:
    """1134: gCredPresIBSZFM only with a CST of ind_gCredPresIBSZFM=1 (810)."""
    if ctx.doc.mod == "55":
        for it, f in _items(ctx):
            cst = _cst(f)
            if cst is not None and not cst.ind_gCredPresIBSZFM and f.has("gCredPresIBSZFM"):
                raise Rejection(1134, _n(it))


@rule("UB131-30", 1135, in_force=RTC_WAVE2)
def ub131_30_zfm_credit_missing(ctx: NFeContext) -> None:
    """1135: CST 810 (ind_gCredPresIBSZFM=1) carries gCredPresIBSZFM."""
    if ctx.doc.mod == "55":
        for it, f in _items(ctx):
            cst = _cst(f)
            if cst is not None and cst.ind_gCredPresIBSZFM and not f.has("gCredPresIBSZFM"):
                raise Rejection(1135, _n(it))


@rule("UB131-40", 1158, in_force=RTC_WAVE2)
def ub131_40_zfm_credit_type(ctx: NFeContext) -> None:
    """1158: gCredPresIBSZFM only in a crédito note of type 02."""
    if ctx.doc.mod == "55" and _ide(ctx, "tpNFCredito") != "02":
        for it, f in _items(ctx):
            if f.has("gCredPresIBSZFM"):
                raise Rejection(1158, _n(it))


# === Group W: totals IBSCBSTot and ISTot (RTC §7.5.4; no tolerance: exact cents) ===========================

@rule("W31-10", 1073, in_force=RTC_WAVE1)
def w31_10_is_total_undue(ctx: NFeContext) -> None:
    """1073: ISTot only when some item carries IS."""
    d = _doc(ctx)
    if d.has_istot and not any(it.is_ is not None for it in d.items):
        raise Rejection(1073)


@rule("W31-20", 1117, in_force=RTC_WAVE1)
def w31_20_is_total_missing(ctx: NFeContext) -> None:
    """1117: an item with IS demands ISTot."""
    d = _doc(ctx)
    if not d.has_istot and any(it.is_ is not None for it in d.items):
        raise Rejection(1117)


@rule("W34-10", 1118, in_force=RTC_WAVE1)
def w34_10_total_undue(ctx: NFeContext) -> None:
    """1118: IBSCBSTot only when some item carries IBS/CBS value groups (sped-nfe#1207: CST and cClassTrib alone
    are not "informed" IBS/CBS)."""
    d = _doc(ctx)
    if d.totals is not None and not any(it.value_groups for it in d.items):
        raise Rejection(1118)


@rule("W34-20", 1119, in_force=RTC_WAVE1)
def w34_20_total_missing(ctx: NFeContext) -> None:
    """1119: an item with IBS/CBS value groups demands IBSCBSTot."""
    d = _doc(ctx)
    if d.totals is None and any(it.value_groups for it in d.items):
        raise Rejection(1119)


def _total_rule(ctx: NFeContext, total_path: str, item_path: str, code: int) -> None:
    d = _doc(ctx)
    if d.totals is None:
        return
    expected = sum((f.dec(item_path) for _, f in d.items_with_ibscbs()), ZERO)
    if d.totals.dec(total_path) != expected:
        raise Rejection(code)


@rule("W35-10", 1076, in_force=RTC_WAVE1)
def w35_10_total_base(ctx: NFeContext) -> None:
    """1076: vBCIBSCBS = Σ gIBSCBS/vBC."""
    _total_rule(ctx, "vBCIBSCBS", "gIBSCBS/vBC", 1076)


@rule("W38-10", 1077, in_force=RTC_WAVE1)
def w38_10_total_dif_uf(ctx: NFeContext) -> None:
    """1077: gIBS/gIBSUF/vDif = Σ gIBSUF/gDif/vDif."""
    _total_rule(ctx, "gIBS/gIBSUF/vDif", f"{UF}/gDif/vDif", 1077)


@rule("W39-10", 1078, in_force=RTC_WAVE1)
def w39_10_total_devtrib_uf(ctx: NFeContext) -> None:
    """1078: gIBS/gIBSUF/vDevTrib = Σ gIBSUF/gDevTrib/vDevTrib."""
    _total_rule(ctx, "gIBS/gIBSUF/vDevTrib", f"{UF}/gDevTrib/vDevTrib", 1078)


@rule("W41-10", 1080, in_force=RTC_WAVE1)
def w41_10_total_uf(ctx: NFeContext) -> None:
    """1080: gIBS/gIBSUF/vIBSUF = Σ vIBSUF."""
    _total_rule(ctx, "gIBS/gIBSUF/vIBSUF", f"{UF}/vIBSUF", 1080)


@rule("W43-10", 1081, in_force=RTC_WAVE1)
def w43_10_total_dif_mun(ctx: NFeContext) -> None:
    """1081: gIBS/gIBSMun/vDif = Σ gIBSMun/gDif/vDif."""
    _total_rule(ctx, "gIBS/gIBSMun/vDif", f"{MUN}/gDif/vDif", 1081)


@rule("W44-10", 1082, in_force=RTC_WAVE1)
def w44_10_total_devtrib_mun(ctx: NFeContext) -> None:
    """1082: gIBS/gIBSMun/vDevTrib = Σ gIBSMun/gDevTrib/vDevTrib."""
    _total_rule(ctx, "gIBS/gIBSMun/vDevTrib", f"{MUN}/gDevTrib/vDevTrib", 1082)


@rule("W46-10", 1084, in_force=RTC_WAVE1)
def w46_10_total_mun(ctx: NFeContext) -> None:
    """1084: gIBS/gIBSMun/vIBSMun = Σ vIBSMun."""
    _total_rule(ctx, "gIBS/gIBSMun/vIBSMun", f"{MUN}/vIBSMun", 1084)


@rule("W47-10", 1085, in_force=RTC_WAVE1)
def w47_10_total_ibs(ctx: NFeContext) -> None:
    """1085: gIBS/vIBS = Σ gIBSCBS/vIBS."""
    _total_rule(ctx, "gIBS/vIBS", "gIBSCBS/vIBS", 1085)


@rule("W48-10", 1086, in_force=RTC_WAVE1)
def w48_10_total_ibs_credit(ctx: NFeContext) -> None:
    """1086: gIBS/vCredPres = Σ gCredPresOper/gIBSCredPres/vCredPres."""
    _total_rule(ctx, "gIBS/vCredPres", "gCredPresOper/gIBSCredPres/vCredPres", 1086)


@rule("W53-10", 1088, in_force=RTC_WAVE1)
def w53_10_total_dif_cbs(ctx: NFeContext) -> None:
    """1088: gCBS/vDif = Σ gCBS/gDif/vDif."""
    _total_rule(ctx, "gCBS/vDif", f"{CBS}/gDif/vDif", 1088)


@rule("W54-10", 1089, in_force=RTC_WAVE1)
def w54_10_total_devtrib_cbs(ctx: NFeContext) -> None:
    """1089: gCBS/vDevTrib = Σ gCBS/gDevTrib/vDevTrib."""
    _total_rule(ctx, "gCBS/vDevTrib", f"{CBS}/gDevTrib/vDevTrib", 1089)


@rule("W56-10", 1091, in_force=RTC_WAVE1)
def w56_10_total_cbs(ctx: NFeContext) -> None:
    """1091: gCBS/vCBS = Σ vCBS."""
    _total_rule(ctx, "gCBS/vCBS", f"{CBS}/vCBS", 1091)


@rule("W56a-10", 1087, in_force=RTC_WAVE1)
def w56a_10_total_cbs_credit(ctx: NFeContext) -> None:
    """1087: gCBS/vCredPres = Σ gCredPresOper/gCBSCredPres/vCredPres."""
    _total_rule(ctx, "gCBS/vCredPres", "gCredPresOper/gCBSCredPres/vCredPres", 1087)


@rule("W59f-10", 1176, in_force=RTC_WAVE2)
def w59f_10_total_ibs_reversal(ctx: NFeContext) -> None:
    """1176: gEstornoCred/vIBSEstCred = Σ item gEstornoCred/vIBSEstCred."""
    _total_rule(ctx, "gEstornoCred/vIBSEstCred", "gEstornoCred/vIBSEstCred", 1176)


@rule("W59g-10", 1177, in_force=RTC_WAVE2)
def w59g_10_total_cbs_reversal(ctx: NFeContext) -> None:
    """1177: gEstornoCred/vCBSEstCred = Σ item gEstornoCred/vCBSEstCred (v1.34 text; earlier versions answered
    1177 with 1077's text, sped-nfe#1216)."""
    _total_rule(ctx, "gEstornoCred/vCBSEstCred", "gEstornoCred/vCBSEstCred", 1177)


# Not implemented, and why: B25.2-40 (1152, a Retorno crédito with tpNF 1) is answered 1161 by B25-110, which the
# NT places before it, since 02/02/2026; UB125-10 (1107, IBS presumed credit of used goods above vProd) cannot be
# reached by a schema-valid note, as cCredPres 04 deducts that credit from vIBS (UB54a-10: vIBS would be negative).
# UB131-50 (1159), UB132-10 (1160) and UB133-10 (1136) judge crédito notes of type 02, which exist from January 2029
# (B25.2-30): beyond the validity of the test PKI's certificates (2 years), so no scenario could reach them.
# Monofásico groups (UB84a-UB105, W58-W59d) wait for their own NT (hom 06/04/2026, prod 04/01/2027); the "future"
# rows (UB12-10, UB16-10, VB01, W33, W60, IS UB01-UB11) are off in both environments.

# B25-90 (1002) guards a schema gap every note may fall into; the others only judge notes with RTC fields.
_ALWAYS = (b25_90_icms_or_issqn,)
_WHEN_FILLED = (
    b10a_10_nfce_delivery_date, b10a_20_delivery_too_late, b10a_30_delivery_too_early, b10a_40_delivery_purpose,
    b10a_50_delivery_freight, b25_65_zfm_credit_refs, b25_80_credit_debit_only_ibscbs, b25_100_credit_refs_model,
    b25_110_credit_entry, b25_120_debit_exit, b25_1_10_debit_type_undue, b25_1_20_debit_type_missing,
    b25_2_10_credit_type_undue, b25_2_20_credit_type_missing, b25_2_30_zfm_credit_from_2029,
    b25b_60_ibs_municipality, b31_10_nfce_government, b34_10_government_receipt_refs,
    i05k_10_zfm_class_nfce, i05k_20_zfm_class_uf, la01_30_fuel_group,
    ub13_10_cst_exists, ub13_20_group_undue, ub13_30_group_missing, ub13_39_mono_undue, ub13_44_transfer_undue,
    ub13_45_transfer_missing, ub14_10_class_exists, ub14_20_class_of_cst, ub14_25_class_of_model,
    ub18_10_rate_uf, ub22_10_dif_uf_undue, ub22_20_dif_uf_missing, ub23_10_dif_uf_value, ub26_10_red_uf_undue,
    ub26_20_red_uf_missing, ub27_10_red_uf_rate, ub28_10_effective_uf, ub35_10_value_uf,
    ub37_10_rate_mun, ub40_10_dif_mun_missing, ub40_20_dif_mun_undue, ub42_10_dif_mun_value, ub45_10_red_mun_undue,
    ub45_20_red_mun_missing, ub46_10_red_mun_rate, ub47_10_effective_mun, ub54_10_value_mun, ub54a_10_value_ibs,
    ub56_10_rate_cbs, ub59_10_dif_cbs_missing, ub59_20_dif_cbs_undue, ub61_10_dif_cbs_value, ub64_10_red_cbs_undue,
    ub64_20_red_cbs_missing, ub65_10_red_cbs_rate, ub66_10_effective_cbs, ub67_10_value_cbs,
    ub68_10_regular_missing, ub68_11_regular_undue, ub69_10_regular_cst, ub70_10_regular_class,
    ub72_10_regular_uf, ub72b_10_regular_mun, ub72d_10_regular_cbs,
    ub82a_10_government_values_missing, ub82a_20_government_values_sum, ub82a_30_government_values_undue,
    ub106_30_transfer_purpose, ub106_31_transfer_debit_type, ub106_40_transfer_positive,
    ub112_10_competence_undue, ub112_20_competence_missing, ub112_30_competence_positive,
    ub116_10_reversal_undue, ub116_20_reversal_missing, ub116_30_reversal_positive,
    ub120_10_presumed_credit_nfce, ub120_20_presumed_credit_undue, ub122_10_presumed_credit_code,
    ub123_10_ibs_credit_undue, ub123_20_ibs_credit_missing, ub126_10_ibs_suspended_credit,
    ub127_10_cbs_credit_undue, ub127_20_cbs_credit_missing, ub129_10_cbs_credit_cap, ub130_10_cbs_suspended_credit,
    ub131_10_zfm_credit_nfce, ub131_20_zfm_credit_undue, ub131_30_zfm_credit_missing, ub131_40_zfm_credit_type,
    w31_10_is_total_undue, w31_20_is_total_missing, w34_10_total_undue, w34_20_total_missing, w35_10_total_base,
    w38_10_total_dif_uf, w39_10_total_devtrib_uf, w41_10_total_uf, w43_10_total_dif_mun, w44_10_total_devtrib_mun,
    w46_10_total_mun, w47_10_total_ibs, w48_10_total_ibs_credit, w53_10_total_dif_cbs, w54_10_total_devtrib_cbs,
    w56_10_total_cbs, w56a_10_total_cbs_credit, w59f_10_total_ibs_reversal, w59g_10_total_cbs_reversal,
)
WHEN_FILLED_CODES = tuple(sorted({c for r in _WHEN_FILLED for c in r.cstats}))  # type: ignore[attr-defined]


@rule("RTC", *WHEN_FILLED_CODES)
def rtc_group(ctx: NFeContext) -> None:
    """The RTC rules in their order, applied only to a note that fills IBS/CBS/IS fields (RTC footnote): a note of
    the old layout costs one check on the hot path."""
    if _filled(ctx) is None:
        return
    from fake_sefaz.rules import first_failure

    rejection = first_failure(_WHEN_FILLED, ctx)
    if rejection is not None:
        raise rejection


IBSCBS_RULES = (*_ALWAYS, rtc_group)
