"""Identification of the parties and places (MOC 7.00 Anexo I groups B, C, E, F, G, GA, X): CNPJ/CPF check digits,
municipality codes against the IBGE table and the UF, the recipient's IE and its indicator, operations abroad.

Reference: content-rules.md §2.1 (algorithms) and §2.2 (rules, texts, conditions). Every rule reads the one
extraction of the parties (NFeView.parties, domain/parties.py). Rules marked "Facul." in the MOC are UF options:
off unless the setting uf_optional_rules lists their rule id (content-rules.md §0.3).

The issuer's own CNPJ/CPF check digits (C02-10, 207; C02a-20, 401) have no rule here: the key carries the issuer's
number, and the key's check (GB05, 617) and the Id's composition (502) refuse a wrong digit before group C is read.
"""

from __future__ import annotations

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain import keys, tables, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import rule

ABROAD = "EX"
ABROAD_CMUN = "9999999"
BRAZIL = "1058"


def _model55(ctx) -> bool:
    return ctx.doc.mod == "55"


def _uf_option(ctx, rule_id: str) -> bool:
    return rule_id in ctx.settings.uf_optional_rules


def _uf_code(sigla: str) -> str:
    try:
        return f"{ufs.code_of(sigla):02d}"
    except (KeyError, ValueError):
        return ""


def _cnpj_ok(cnpj: str) -> bool:
    return keys.valid_cnpj(cnpj)


def _cpf_ok(cpf: str) -> bool:
    return keys.valid_cpf(cpf)


# --- Group B / C: issuer ----------------------------------------------------------------------------------------

@rule("B12-10", 270)
def b12_10_cmunfg_exists(ctx) -> None:
    """270: ide/cMunFG not in the IBGE table (AI B12-10; NT 2015.002: existence, not the old check digit)."""
    c = ctx.doc.parties.ide.get("cMunFG", "")
    if c and c not in tables.municipalities():
        raise Rejection(270)


@rule("B12-20", 271)
def b12_20_cmunfg_of_issuer_uf(ctx) -> None:
    """271: ide/cMunFG of another UF than the issuer's: its first two digits are not the UF code (AI B12-20)."""
    p = ctx.doc.parties
    c, uf = p.ide.get("cMunFG", ""), p.emit.get("UF") or ""
    if c and uf and c[:2] != _uf_code(uf):
        raise Rejection(271)


@rule("C10-10", 272)
def c10_10_issuer_cmun_exists(ctx) -> None:
    """272: emit/enderEmit/cMun not in the IBGE table (AI C10-10)."""
    c = ctx.doc.parties.emit.get("cMun")
    if c and c not in tables.municipalities():
        raise Rejection(272)


@rule("C10-20", 273)
def c10_20_issuer_cmun_of_uf(ctx) -> None:
    """273: emit/enderEmit/cMun of another UF than ide/cUF (AI C10-20)."""
    c = ctx.doc.parties.emit.get("cMun")
    if c and c[:2] != ctx.doc.cUF:
        raise Rejection(273)


# --- Group E: recipient -----------------------------------------------------------------------------------------

@rule("E02-10", 208)
def e02_10_recipient_cnpj(ctx) -> None:
    """208: dest/CNPJ with zeros or a wrong check digit (AI E02-10). An empty CNPJ (abroad) is not judged."""
    cnpj = ctx.doc.parties.dest.get("CNPJ")
    if cnpj and not _cnpj_ok(cnpj):
        raise Rejection(208)


@rule("E03-10", 237)
def e03_10_recipient_cpf(ctx) -> None:
    """237: dest/CPF with zeros, repeated digits or a wrong check digit (AI E03-10, NT 2013/003)."""
    cpf = ctx.doc.parties.dest.get("CPF")
    if cpf and not _cpf_ok(cpf):
        raise Rejection(237)


@rule("E03a-10", 720)
def e03a_10_abroad_needs_foreign_id(ctx) -> None:
    """720: an operation abroad (idDest=3) whose recipient has no idEstrangeiro tag (empty content allowed). 55."""
    p = ctx.doc.parties
    if _model55(ctx) and p.ide.get("idDest") == "3" and p.dest.present and p.dest.get("idEstrangeiro") is None:
        raise Rejection(720)


@rule("E10-10", 274)
def e10_10_recipient_cmun_exists(ctx) -> None:
    """274: dest/enderDest/cMun not in the IBGE table, for a recipient in Brazil (AI E10-10)."""
    d = ctx.doc.parties.dest
    c = d.get("cMun")
    if c and d.get("UF") != ABROAD and c not in tables.municipalities():
        raise Rejection(274)


@rule("E10-20", 275)
def e10_20_recipient_cmun_of_uf(ctx) -> None:
    """275: dest/enderDest/cMun of another UF than dest/enderDest/UF (AI E10-20)."""
    d = ctx.doc.parties.dest
    c, uf = d.get("cMun"), d.get("UF") or ""
    if c and uf and uf != ABROAD and c[:2] != _uf_code(uf):
        raise Rejection(275)


@rule("E10-30", 509)
def e10_30_abroad_municipality(ctx) -> None:
    """509: a recipient abroad (UF EX) with a municipality other than 9999999 (AI E10-30, model 55)."""
    d = ctx.doc.parties.dest
    if _model55(ctx) and d.get("UF") == ABROAD and d.get("cMun") not in (None, ABROAD_CMUN):
        raise Rejection(509)


@rule("E12-10", 727)
def e12_10_abroad_needs_uf_ex(ctx) -> None:
    """727: an operation abroad (idDest=3) with a recipient whose UF is not EX (AI E12-10, model 55)."""
    p = ctx.doc.parties
    uf = p.dest.get("UF")
    if _model55(ctx) and p.ide.get("idDest") == "3" and uf is not None and uf != ABROAD:
        raise Rejection(727)


@rule("E14-30", 926)
def e14_30_abroad_not_brazil(ctx) -> None:
    """926: a recipient abroad (UF EX) whose country is Brazil, 1058 (AI E14-30, NT 2019.001)."""
    d = ctx.doc.parties.dest
    if d.get("UF") == ABROAD and (d.get("cPais") or "").lstrip("0") == BRAZIL:
        raise Rejection(926)


@rule("E16a-20", 790)
def e16a_20_abroad_not_contributor(ctx) -> None:
    """790: an operation abroad (idDest=3) with a recipient not declared a non-contributor (indIEDest≠9). 55."""
    p = ctx.doc.parties
    if _model55(ctx) and p.ide.get("idDest") == "3" and p.dest.present and p.dest.get("indIEDest") != "9":
        raise Rejection(790)


@rule("E17-20", 728)
def e17_20_contributor_needs_ie(ctx) -> None:
    """728: a recipient declared an ICMS contributor (indIEDest=1) without dest/IE (AI E17-20, model 55)."""
    d = ctx.doc.parties.dest
    if _model55(ctx) and d.get("indIEDest") == "1" and not d.get("IE"):
        raise Rejection(728)


@rule("E17-30", 791)
def e17_30_exempt_without_ie(ctx) -> None:
    """791: a recipient declared exempt from IE (indIEDest=2) with dest/IE informed (AI E17-30, model 55)."""
    d = ctx.doc.parties.dest
    if _model55(ctx) and d.get("indIEDest") == "2" and d.get("IE"):
        raise Rejection(791)


@rule("E17-40", 792)
def e17_40_abroad_without_ie(ctx) -> None:
    """792: dest/IE informed for a recipient abroad (UF EX) (AI E17-40, model 55)."""
    d = ctx.doc.parties.dest
    if _model55(ctx) and d.get("IE") and d.get("UF") == ABROAD:
        raise Rejection(792)


@rule("E17-50", 210)
def e17_50_recipient_ie_valid(ctx) -> None:
    """210: dest/IE not valid for the recipient's UF: length and, where known, check digits (AI E17-50, (*2):
    non-significant leading zeros are not part of the check). Model 55."""
    d = ctx.doc.parties.dest
    ie, uf = d.get("IE"), d.get("UF") or ""
    if _model55(ctx) and ie and uf and uf != ABROAD and not ie_rules.valid(uf, ie):
        raise Rejection(210)


# --- Groups F and G: pick-up and delivery places (UF options) ----------------------------------------------------

@rule("F02-10", 512)
def f02_10_pickup_cnpj(ctx) -> None:
    """512 (UF option F02-10): retirada/CNPJ invalid."""
    cnpj = ctx.doc.parties.retirada.get("CNPJ")
    if cnpj and _uf_option(ctx, "F02-10") and not _cnpj_ok(cnpj):
        raise Rejection(512)


@rule("F02a-10", 540)
def f02a_10_pickup_cpf(ctx) -> None:
    """540 (UF option F02a-10): retirada/CPF invalid."""
    cpf = ctx.doc.parties.retirada.get("CPF")
    if cpf and _uf_option(ctx, "F02a-10") and not _cpf_ok(cpf):
        raise Rejection(540)


@rule("G02-10", 514)
def g02_10_delivery_cnpj(ctx) -> None:
    """514 (UF option G02-10): entrega/CNPJ invalid."""
    cnpj = ctx.doc.parties.entrega.get("CNPJ")
    if cnpj and _uf_option(ctx, "G02-10") and not _cnpj_ok(cnpj):
        raise Rejection(514)


@rule("G02a-10", 541)
def g02a_10_delivery_cpf(ctx) -> None:
    """541 (UF option G02a-10): entrega/CPF invalid."""
    cpf = ctx.doc.parties.entrega.get("CPF")
    if cpf and _uf_option(ctx, "G02a-10") and not _cpf_ok(cpf):
        raise Rejection(541)


# --- Group GA: authorized downloaders ----------------------------------------------------------------------------

@rule("GA02-10", 323)
def ga02_10_autxml_cnpj(ctx) -> None:
    """323: an autXML/CNPJ with zeros or a wrong check digit (AI GA02-10)."""
    for aut in ctx.doc.parties.aut_xml:
        cnpj = aut.get("CNPJ")
        if cnpj is not None and not _cnpj_ok(cnpj):
            raise Rejection(323)


@rule("GA02-20", 324)
def ga02_20_autxml_cnpj_is_recipient(ctx) -> None:
    """324: an autXML/CNPJ that repeats the recipient's CNPJ, who may download anyway (AI GA02-20)."""
    p = ctx.doc.parties
    dest = p.dest.get("CNPJ")
    if dest and any(a.get("CNPJ") == dest for a in p.aut_xml):
        raise Rejection(324)


@rule("GA03-10", 325)
def ga03_10_autxml_cpf(ctx) -> None:
    """325: an autXML/CPF with zeros, repeated digits or a wrong check digit (AI GA03-10)."""
    for aut in ctx.doc.parties.aut_xml:
        cpf = aut.get("CPF")
        if cpf is not None and not _cpf_ok(cpf):
            raise Rejection(325)


@rule("GA03-20", 326)
def ga03_20_autxml_cpf_is_recipient(ctx) -> None:
    """326: an autXML/CPF that repeats the recipient's CPF (AI GA03-20)."""
    p = ctx.doc.parties
    dest = p.dest.get("CPF")
    if dest and any(a.get("CPF") == dest for a in p.aut_xml):
        raise Rejection(326)


# --- Group X: the carrier ----------------------------------------------------------------------------------------

@rule("X04-20", 542)
def x04_20_carrier_cnpj(ctx) -> None:
    """542: transp/transporta/CNPJ with zeros or a wrong check digit (AI X04-20)."""
    cnpj = ctx.doc.parties.transporta.get("CNPJ")
    if cnpj and not _cnpj_ok(cnpj):
        raise Rejection(542)


@rule("X05-10", 543)
def x05_10_carrier_cpf(ctx) -> None:
    """543: transp/transporta/CPF with zeros, repeated digits or a wrong check digit (AI X05-10)."""
    cpf = ctx.doc.parties.transporta.get("CPF")
    if cpf and not _cpf_ok(cpf):
        raise Rejection(543)


# MOC table order: B, C, E, F, G, GA, X.
IDENTIFICATION_RULES = (
    b12_10_cmunfg_exists, b12_20_cmunfg_of_issuer_uf,
    c10_10_issuer_cmun_exists, c10_20_issuer_cmun_of_uf,
    e02_10_recipient_cnpj, e03_10_recipient_cpf, e03a_10_abroad_needs_foreign_id,
    e10_10_recipient_cmun_exists, e10_20_recipient_cmun_of_uf, e10_30_abroad_municipality,
    e12_10_abroad_needs_uf_ex, e14_30_abroad_not_brazil, e16a_20_abroad_not_contributor,
    e17_20_contributor_needs_ie, e17_30_exempt_without_ie, e17_40_abroad_without_ie, e17_50_recipient_ie_valid,
    f02_10_pickup_cnpj, f02a_10_pickup_cpf, g02_10_delivery_cnpj, g02a_10_delivery_cpf,
    ga02_10_autxml_cnpj, ga02_20_autxml_cnpj_is_recipient, ga03_10_autxml_cpf, ga03_20_autxml_cpf_is_recipient,
    x04_20_carrier_cnpj, x05_10_carrier_cpf,
)
