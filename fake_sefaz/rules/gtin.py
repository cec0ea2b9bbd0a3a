"""GTIN of each item (MOC 7.00 Anexo I I03, I12, U01; NT 2017.001 and NT 2021.003): the GS1 check digit, the GS1
prefix table, the empty value and the pairing of cEAN with cEANTrib.

Reference: content-rules.md §4.1. The literal "SEM GTIN" means "no GTIN"; the schema admits it, the empty value and
8, 12, 13 or 14 digits, so the rules judge only those. The prefix is looked up in the portal's GS1 prefix table
(tables/tabela-prefixo-gs1.csv): a GTIN-14 whose first digit (the packaging indicator) is not 0 is judged by its
digits 2-4, any other GTIN by its first three digits; ranges of restricted circulation (indEsp=1) and numbers outside
every range are refused, as nfephp-org/sped-gtin reads the table (the reference's §11.9 keeps this an open question).
The CCG rules (890-896) need the Cadastro Centralizado de GTIN, which is not modelled.
"""

from __future__ import annotations

from datetime import date

from fake_sefaz.domain import tables
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import InForce, rule

NO_GTIN = "SEM GTIN"
# NT 2021.003 v1.40, etapa 1 (883, 888, 887): homologação 04/07/2022, produção 12/09/2022.
_NT2103_STEP1 = InForce(hom=date(2022, 7, 4), prod=date(2022, 9, 12))


def check_digit_ok(gtin: str) -> bool:
    """GS1 mod-10: weights 3, 1, 3, 1... from the right on the body; DV = (10 - sum mod 10) mod 10."""
    body, dv = gtin[:-1], gtin[-1]
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(dv)


def prefix_ok(gtin: str) -> bool:
    """Whether the GTIN's GS1 prefix lies in a range of the portal's table that is not of restricted circulation."""
    if len(gtin) == 14:
        if gtin[0] == "0":
            return False  # a GTIN-14 with indicator 0 is a GTIN-13 written long (sped-gtin refuses it)
        prefix = int(gtin[1:4])
    else:
        prefix = int(gtin[:3])
    for r in tables.gs1_prefixes():
        if r.first <= prefix <= r.last:
            return not r.restricted
    return False


def _is_gtin(value: str | None) -> bool:
    return bool(value) and value != NO_GTIN and value.isdigit()


def _n(item) -> str:
    return f"[nItem:{item.nItem}]"


@rule("I03-10", 611)
def i03_10_gtin_check_digit(ctx) -> None:
    """611: cEAN with a wrong GS1 check digit (AI I03-10, NT 2017.001)."""
    for item in ctx.doc.amounts.items:
        gtin = item.prod.get("cEAN")
        if _is_gtin(gtin) and not check_digit_ok(gtin):
            raise Rejection(611, _n(item))


@rule("I03-20", 882)
def i03_20_gtin_prefix(ctx) -> None:
    """882: cEAN whose GS1 prefix is not valid per the portal's prefix table (AI I03-20)."""
    for item in ctx.doc.amounts.items:
        gtin = item.prod.get("cEAN")
        if _is_gtin(gtin) and not prefix_ok(gtin):
            raise Rejection(882, _n(item))


@rule("I03-30", 883, in_force=_NT2103_STEP1)
def i03_30_gtin_empty(ctx) -> None:
    """883: cEAN empty (use "SEM GTIN"); not for a MEI, CRT=4 (AI I03-30; NT 2021.003 etapa 1; NT 2024.001)."""
    if ctx.doc.amounts.CRT == "4":
        return
    for item in ctx.doc.amounts.items:
        if item.prod.get("cEAN") == "":
            raise Rejection(883, _n(item))


@rule("I12-10", 612)
def i12_10_trib_gtin_check_digit(ctx) -> None:
    """612: cEANTrib with a wrong GS1 check digit (AI I12-10)."""
    for item in ctx.doc.amounts.items:
        gtin = item.prod.get("cEANTrib")
        if _is_gtin(gtin) and not check_digit_ok(gtin):
            raise Rejection(612, _n(item))


@rule("I12-20", 884)
def i12_20_trib_gtin_prefix(ctx) -> None:
    """884: cEANTrib whose GS1 prefix is not valid per the portal's prefix table (AI I12-20)."""
    for item in ctx.doc.amounts.items:
        gtin = item.prod.get("cEANTrib")
        if _is_gtin(gtin) and not prefix_ok(gtin):
            raise Rejection(884, _n(item))


@rule("I12-30", 885)
def i12_30_gtin_without_trib_gtin(ctx) -> None:
    """885: cEAN is a GTIN and cEANTrib is "SEM GTIN" or empty (AI I12-30)."""
    for item in ctx.doc.amounts.items:
        if _is_gtin(item.prod.get("cEAN")) and not _is_gtin(item.prod.get("cEANTrib")):
            raise Rejection(885, _n(item))


@rule("I12-40", 886)
def i12_40_trib_gtin_without_gtin(ctx) -> None:
    """886: cEANTrib is a GTIN and cEAN is "SEM GTIN" or empty (AI I12-40)."""
    for item in ctx.doc.amounts.items:
        if _is_gtin(item.prod.get("cEANTrib")) and not _is_gtin(item.prod.get("cEAN")):
            raise Rejection(886, _n(item))


@rule("I12-60", 888, in_force=_NT2103_STEP1)
def i12_60_trib_gtin_empty(ctx) -> None:
    """888: cEANTrib empty (use "SEM GTIN"); not for a MEI, CRT=4 (AI I12-60; NT 2024.001)."""
    if ctx.doc.amounts.CRT == "4":
        return
    for item in ctx.doc.amounts.items:
        if item.prod.get("cEANTrib") == "":
            raise Rejection(888, _n(item))


@rule("U01-30", 887, in_force=_NT2103_STEP1)
def u01_30_service_without_gtin(ctx) -> None:
    """887: a service item (ISSQN group) whose cEAN or cEANTrib is not "SEM GTIN" (NT 2021.003)."""
    for item in ctx.doc.amounts.items:
        if item.issqn is not None and (item.prod.get("cEAN") != NO_GTIN or item.prod.get("cEANTrib") != NO_GTIN):
            raise Rejection(887, _n(item))


# MOC table order: I03 (cEAN), I12 (cEANTrib), U01 (service items).
GTIN_RULES = (
    i03_10_gtin_check_digit, i03_20_gtin_prefix, i03_30_gtin_empty,
    i12_10_trib_gtin_check_digit, i12_20_trib_gtin_prefix, i12_30_gtin_without_trib_gtin,
    i12_40_trib_gtin_without_gtin, i12_60_trib_gtin_empty, u01_30_service_without_gtin,
)
