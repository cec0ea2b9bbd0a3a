"""Responsável técnico (the software developer) and its CSRT: group ZD of NT 2018.005 v1.52 (reference
content-rules.md §6), one function per rule row.

Per-UF obligations are settings: resp_tec_ufs (972/973: AM MS PE PR SC TO named by the NT), csrt_ufs (975 and the
registry rules 974, 976-978: PR), csrt_registry (the CSRTs the UF issued). Dates are PR's, from the NT: 972/973 in
produção since 03/06/2019; 975 for model 55 hom 19/01/2026, prod 23/02/2026 (model 65 "future"); 974 hom
16/09/2024, prod 01/05/2025; 976-978 hom 16/09/2024, prod 01/10/2024 (PR validates idCSRT/hashCSRT when present
even before they are mandatory, NT 2018.005 §2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fake_sefaz.domain import keys, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.csrt import hash_csrt, parse_registry
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import InForce, rule
from fake_sefaz.rules.nfe import NFeContext


@dataclass(frozen=True)
class RespTec:
    present: bool
    CNPJ: str
    idCSRT: str
    hashCSRT: str


def _resp(ctx: NFeContext) -> RespTec:
    found = ctx.notes.get("resp_tec")
    if found is None:
        el = ctx.doc.inf.find(N + "infRespTec")
        text = (lambda tag: "" if el is None else (el.findtext(N + tag) or ""))
        found = ctx.notes["resp_tec"] = RespTec(el is not None, text("CNPJ"), text("idCSRT"), text("hashCSRT"))
    return found


def _uf_in(ctx: NFeContext, listed: tuple[str, ...]) -> bool:
    return ufs.sigla_of(ctx.acting_cUF) in {u.upper() for u in listed}


def _registry_applies(ctx: NFeContext) -> bool:
    return ctx.doc.mod == "55" and _uf_in(ctx, ctx.settings.csrt_ufs) and bool(ctx.settings.csrt_registry)


@rule("ZD01-10", 972, in_force=InForce(prod=date(2019, 6, 3)))
def zd01_10_resp_tec_required(ctx: NFeContext) -> None:
    """972: in a UF that demands it (resp_tec_ufs), the note names its responsável técnico (infRespTec)."""
    if _uf_in(ctx, ctx.settings.resp_tec_ufs) and not _resp(ctx).present:
        raise Rejection(972)


@rule("ZD02-10", 973, in_force=InForce(prod=date(2019, 6, 3)))
def zd02_10_resp_tec_cnpj(ctx: NFeContext) -> None:
    """973: infRespTec/CNPJ, when informed, is not zeros and has valid check digits (NT 2022.003 wording)."""
    r = _resp(ctx)
    if r.present and _uf_in(ctx, ctx.settings.resp_tec_ufs) and not keys.valid_cnpj(r.CNPJ):
        raise Rejection(973)


@rule("ZD07-10", 975, in_force=InForce(hom=date(2026, 1, 19), prod=date(2026, 2, 23)))
def zd07_10_csrt_required(ctx: NFeContext) -> None:
    """975: a model-55 note names the CSRT it used (idCSRT) and its hash (hashCSRT), except in the NFF regime
    (tpEmis 3) and in SVC (the NT writes "7 ou 8"; SVC-AN is 6 and SVC-RS 7 in the NF-e: reference §11.11)."""
    r = _resp(ctx)
    if ctx.doc.mod != "55" or not r.present or ctx.doc.tpEmis in ("3", "6", "7"):
        return
    if _uf_in(ctx, ctx.settings.csrt_ufs) and not (r.idCSRT and r.hashCSRT):
        raise Rejection(975)


@rule("7ZD02-10", 974, in_force=InForce(hom=date(2024, 9, 16), prod=date(2025, 5, 1)))
def zd7_02_10_developer_registered(ctx: NFeContext) -> None:
    """974: infRespTec/CNPJ is a developer the UF registered (one holding a CSRT in csrt_registry)."""
    r = _resp(ctx)
    if r.present and _registry_applies(ctx):
        if not any(cnpj == r.CNPJ for cnpj, _ in parse_registry(ctx.settings.csrt_registry)):
            raise Rejection(974)


@rule("7ZD08-10", 976, in_force=InForce(hom=date(2024, 9, 16), prod=date(2024, 10, 1)))
def zd7_08_10_csrt_registered(ctx: NFeContext) -> None:
    """976: idCSRT, when present, is a CSRT the UF issued to that developer."""
    r = _resp(ctx)
    if r.idCSRT and _registry_applies(ctx) and (r.CNPJ, r.idCSRT) not in parse_registry(ctx.settings.csrt_registry):
        raise Rejection(976)


@rule("7ZD08-20", 977, in_force=InForce(hom=date(2024, 9, 16), prod=date(2024, 10, 1)))
def zd7_08_20_csrt_revoked(ctx: NFeContext) -> None:
    """977: the CSRT named by idCSRT is not revoked."""
    r = _resp(ctx)
    if r.idCSRT and _registry_applies(ctx) and parse_registry(ctx.settings.csrt_registry)[(r.CNPJ, r.idCSRT)].revoked:
        raise Rejection(977)


@rule("7ZD09-10", 978, in_force=InForce(hom=date(2024, 9, 16), prod=date(2024, 10, 1)))
def zd7_09_10_csrt_hash(ctx: NFeContext) -> None:
    """978: hashCSRT = Base64(SHA-1(CSRT + access key)), the raw 20-byte digest (NT 2018.005 §2.3-2.4)."""
    r = _resp(ctx)
    if r.idCSRT and _registry_applies(ctx):
        csrt = parse_registry(ctx.settings.csrt_registry)[(r.CNPJ, r.idCSRT)].csrt
        if r.hashCSRT != hash_csrt(csrt, ctx.doc.key):
            raise Rejection(978)


TECHRESP_RULES = (
    zd01_10_resp_tec_required, zd02_10_resp_tec_cnpj, zd07_10_csrt_required,
    zd7_02_10_developer_registered, zd7_08_10_csrt_registered, zd7_08_20_csrt_revoked, zd7_09_10_csrt_hash,
)
