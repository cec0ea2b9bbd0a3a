"""CFOP, destination and purpose (MOC 7.00 Anexo I groups B25, E12 and I08): the CFOP table, the CFOP's first digit
against tpNF and idDest, the UFs of an internal or interstate operation, returns and their references.

Reference: content-rules.md §3.1 and §3.4. CFOP flags come from tables/tabela-cfop.csv (domain/tables.py). First
digit: 1/2/3 entrada (internal / interstate / abroad), 5/6/7 saída. Rules marked "Facul." in the MOC are UF
options, off unless uf_optional_rules lists their rule id (content-rules.md §0.3). Items are reported "[nItem:n]"
where the official text carries it.
"""

from __future__ import annotations

from fake_sefaz.domain import tables
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import rule

ABROAD = "EX"
# B25-70: returns that need no referenced document (AI).
_RETURN_WITHOUT_REF = frozenset({"1201", "1202", "1410", "1411", "5921", "6921"})
# I08-140: returns by a MEI (CRT=4) only with these CFOPs (NT 2024.001).
_MEI_RETURNS = frozenset({"1202", "1553", "2202", "2553", "5202", "6202"})
# I08-140: symbolic return of natural gas (NCM 27112100) with 5949/6949.
_NATURAL_GAS = "27112100"


def _model55(ctx) -> bool:
    return ctx.doc.mod == "55"


def _uf_option(ctx, rule_id: str) -> bool:
    return rule_id in ctx.settings.uf_optional_rules


def _ide(ctx, name: str) -> str:
    return ctx.doc.parties.ide.get(name, "")


def _n(item) -> str:
    return f"[nItem:{item.nItem}]"


def _first_digits(ctx, digits: str):
    """The first item whose CFOP starts with one of `digits`, or None."""
    for item in ctx.doc.amounts.items:
        if item.cfop[:1] in digits:
            return item
    return None


# --- Group B25: purpose ------------------------------------------------------------------------------------------

@rule("B25-70", 321)
def b25_70_return_needs_reference(ctx) -> None:
    """321: a return of goods (finNFe=4) without NFref, except the returns of CFOP 1201, 1202, 1410, 1411, 5921 and
    6921 (AI B25-70; RTC VC02-14). Model 55."""
    if not _model55(ctx) or _ide(ctx, "finNFe") != "4" or ctx.doc.parties.has_nfref:
        return
    if any(item.cfop in _RETURN_WITHOUT_REF for item in ctx.doc.amounts.items):
        return
    raise Rejection(321)


# --- Group E12: the UFs of the operation ------------------------------------------------------------------------

def _ufs(ctx) -> tuple[str, str, str, str]:
    """(origin UF, destination UF, entrega UF, retirada UF); for an entry (tpNF=0) origin and destination swap
    in the place tests (AI E12-50 / E12-60)."""
    a = ctx.doc.amounts
    return a.emit_uf, a.dest_uf, a.entrega_uf, a.retirada_uf


@rule("E12-30", 772)
def e12_30_interstate_needs_two_ufs(ctx) -> None:
    """772: an interstate operation (idDest=2) whose recipient is in the issuer's UF and is another party, unless a
    fuel item is consumed in another UF or the goods are delivered or picked up elsewhere (AI E12-30 / E12-50)."""
    p = ctx.doc.parties
    if not _model55(ctx) or _ide(ctx, "idDest") != "2" or not p.dest.present:
        return
    emit_uf, dest_uf, entrega, retirada = _ufs(ctx)
    if not dest_uf or dest_uf != emit_uf:
        return
    emit_doc = p.emit.get("CNPJ") or p.emit.get("CPF")
    dest_doc = p.dest.get("CNPJ") or p.dest.get("CPF")
    if emit_doc == dest_doc:
        return
    if any(i.UFCons and i.UFCons != emit_uf for i in ctx.doc.amounts.items):
        return
    origin, destination = (emit_uf, dest_uf) if _ide(ctx, "tpNF") == "1" else (dest_uf, emit_uf)
    if entrega and not retirada and entrega != origin:
        return
    if retirada and not entrega and retirada != destination:
        return
    if entrega and retirada and entrega != retirada:
        return
    raise Rejection(772)


@rule("E12-40", 773)
def e12_40_internal_needs_one_uf(ctx) -> None:
    """773: an internal operation (idDest=1), not to a final consumer, whose recipient is in another UF, unless a
    fuel item is consumed in the issuer's UF or the delivery / pick-up places make it internal (AI E12-40 / E12-60)."""
    p = ctx.doc.parties
    if not _model55(ctx) or _ide(ctx, "idDest") != "1" or _ide(ctx, "indFinal") == "1" or not p.dest.present:
        return
    emit_uf, dest_uf, entrega, retirada = _ufs(ctx)
    if not dest_uf or dest_uf == emit_uf:
        return
    if any(i.UFCons == emit_uf for i in ctx.doc.amounts.items):
        return
    origin, destination = (emit_uf, dest_uf) if _ide(ctx, "tpNF") == "1" else (dest_uf, emit_uf)
    if entrega and not retirada and entrega == origin:
        return
    if retirada and not entrega and retirada == destination:
        return
    if entrega and retirada and entrega == retirada:
        return
    raise Rejection(773)


# --- Group I08: the CFOP of each item ----------------------------------------------------------------------------

@rule("I08-04", 770)
def i08_04_cfop_exists(ctx) -> None:
    """770: an item's CFOP is not in the CFOP table or is not one an NF-e may carry (indNFe=0: communication and
    transport CFOPs) (AI I08-04)."""
    table = tables.cfops()
    for item in ctx.doc.amounts.items:
        row = table.get(item.cfop)
        if row is None or not row.indNFe:
            raise Rejection(770, _n(item))


@rule("I08-10", 518)
def i08_10_exit_note_entry_cfop(ctx) -> None:
    """518 (UF option I08-10): an exit note (tpNF=1) with an entry CFOP (1, 2 or 3). Model 55."""
    if _model55(ctx) and _uf_option(ctx, "I08-10") and _ide(ctx, "tpNF") == "1" and _first_digits(ctx, "123"):
        raise Rejection(518)


@rule("I08-20", 519)
def i08_20_entry_note_exit_cfop(ctx) -> None:
    """519 (UF option I08-20): an entry note (tpNF=0) with an exit CFOP (5, 6 or 7). Model 55."""
    if _model55(ctx) and _uf_option(ctx, "I08-20") and _ide(ctx, "tpNF") == "0" and _first_digits(ctx, "567"):
        raise Rejection(519)


@rule("I08-30", 731)
def i08_30_abroad_cfop_needs_iddest_3(ctx) -> None:
    """731: a CFOP of an operation abroad (3xxx, 7xxx) with idDest≠3; a 7xxx fuel item consumed abroad (UFCons=EX)
    is accepted (AI I08-30). Model 55."""
    if not _model55(ctx) or _ide(ctx, "idDest") == "3":
        return
    for item in ctx.doc.amounts.items:
        first = item.cfop[:1]
        if first == "3" or (first == "7" and item.UFCons != ABROAD):
            raise Rejection(731)


@rule("I08-40", 732)
def i08_40_interstate_cfop_needs_iddest_2(ctx) -> None:
    """732: a CFOP of an interstate operation (2xxx, 6xxx) with idDest≠2 (AI I08-40). Model 55."""
    if _model55(ctx) and _ide(ctx, "idDest") != "2" and _first_digits(ctx, "26"):
        raise Rejection(732)


@rule("I08-50", 733)
def i08_50_internal_cfop_needs_iddest_1(ctx) -> None:
    """733: a CFOP of an internal operation (1xxx, 5xxx) with idDest≠1 (AI I08-50). Model 55."""
    if _model55(ctx) and _ide(ctx, "idDest") != "1" and _first_digits(ctx, "15"):
        raise Rejection(733)


@rule("I08-60", 520)
def i08_60_abroad_cfop_needs_uf_ex(ctx) -> None:
    """520 (UF option I08-60): a CFOP abroad (3xxx, 7xxx) and a recipient whose UF is not EX, unless the fuel is
    consumed abroad (UFCons=EX). Model 55."""
    if not _model55(ctx) or not _uf_option(ctx, "I08-60"):
        return
    dest_uf = ctx.doc.amounts.dest_uf
    for item in ctx.doc.amounts.items:
        if item.cfop[:1] in "37" and dest_uf != ABROAD and item.UFCons != ABROAD:
            raise Rejection(520)


def _return_cfop_accepted(ctx, item) -> bool:
    """I08-140's exceptions: 1949/2949 to a non-contributor, 5949/6949 for natural gas; a MEI only its list."""
    cfop = item.cfop
    if ctx.doc.amounts.CRT == "4":
        return cfop in _MEI_RETURNS
    row = tables.cfops().get(cfop)
    if row is not None and row.indDevol:
        return True
    if cfop in ("1949", "2949") and ctx.doc.amounts.indIEDest == "9":
        return True
    return cfop in ("5949", "6949") and item.prod.get("NCM") == _NATURAL_GAS


@rule("I08-140", 327)
def i08_140_return_needs_return_cfop(ctx) -> None:
    """327: a return of goods (finNFe=4) with an item whose CFOP is not a return CFOP (indDevol), but for the
    exceptions of the rule (AI I08-140; NT 2024.001 for CRT=4). Model 55."""
    if not _model55(ctx) or _ide(ctx, "finNFe") != "4":
        return
    for item in ctx.doc.amounts.items:
        if not _return_cfop_accepted(ctx, item):
            raise Rejection(327, _n(item))


@rule("I08-144", 328)
def i08_144_return_cfop_needs_return_purpose(ctx) -> None:
    """328: a return CFOP (indDevol=1) on a note whose purpose is neither complement (2) nor return (4) (AI I08-144,
    NT 2013/005). Model 55."""
    if not _model55(ctx) or _ide(ctx, "finNFe") in ("2", "4"):
        return
    table = tables.cfops()
    for item in ctx.doc.amounts.items:
        row = table.get(item.cfop)
        if row is not None and row.indDevol:
            raise Rejection(328, _n(item))


# MOC table order: B25, E12, I08.
CFOP_RULES = (
    b25_70_return_needs_reference,
    e12_30_interstate_needs_two_ufs, e12_40_internal_needs_one_uf,
    i08_04_cfop_exists, i08_10_exit_note_entry_cfop, i08_20_entry_note_exit_cfop,
    i08_30_abroad_cfop_needs_iddest_3, i08_40_interstate_cfop_needs_iddest_2, i08_50_internal_cfop_needs_iddest_1,
    i08_60_abroad_cfop_needs_uf_ex, i08_140_return_needs_return_cfop, i08_144_return_cfop_needs_return_purpose,
)
