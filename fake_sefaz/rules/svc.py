"""What the SVC (SEFAZ Virtual de Contingência: SVC-AN, SVC-RS) takes and refuses before any note is read: its
services' gates (NT 2013.007 v1.03 §04; MOC-AIII §2.1.3; reference national-services-and-transport.md §5.4).

The per-note rules of the SVC (B22-60 713, B22-70 783) are in rules/contingency.py. Pure functions of an
SvcContext the services build from the request and the activation windows the store holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from fake_sefaz.domain import contingency
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import rule

CANCEL = "110111"


@dataclass(frozen=True)
class SvcContext:
    svc: str  # SVC-AN or SVC-RS
    uf: str  # sigla of the UF the message is for
    state: contingency.SvcState  # the SVC's state for that UF now
    tp_emis: str = ""  # the emission type of the key or receipt the message names ("" when it names none)
    tpEvento: str = ""


@rule("SVC-582", 582)
def svc_uf_served(ctx: SvcContext) -> None:
    """582: the UF is not one this SVC serves (reference §2.1: SVC-AN or SVC-RS per UF)."""
    if not contingency.uf_served(ctx.svc, ctx.uf):
        raise Rejection(582)


@rule("SVC-114", 114)
def svc_active(ctx: SvcContext) -> None:
    """114: the origin SEFAZ has not switched its SVC on (NT 2013.007 §04.1: authorization only while active)."""
    if ctx.state.state == contingency.INACTIVE:
        raise Rejection(114)


@rule("SVC-491", 491)
def svc_cancellation_only(ctx: SvcContext) -> None:
    """491: the SVC registers the cancellation (110111) only; CC-e, manifestações and the rest are not offered
    (NT 2013.007 §04.4)."""
    if ctx.tpEvento != CANCEL:
        raise Rejection(491, f"[tpEvento:{ctx.tpEvento}]")


@rule("SVC-584", 584)
def svc_own_emission_type(ctx: SvcContext) -> None:
    """584: a key of another emission type than the SVC's own (6 SVC-AN, 7 SVC-RS): the SVC answers and cancels
    only what it authorized (NT 2013.007 §04.3, §04.6)."""
    if ctx.tp_emis != contingency.TP_EMIS[ctx.svc]:
        raise Rejection(584)


@rule("SVC-553", 553)
def svc_receipt_authority(ctx: SvcContext) -> None:
    """553: a receipt the SVC did not issue (its third digit, the authority type, is not 6/7; NT 2009.006 E02a)."""
    if ctx.tp_emis != contingency.TP_EMIS[ctx.svc]:
        raise Rejection(553)


@rule("E02a", 553)
def e02a_receipt_of_an_svc(authority: str) -> None:
    """553: a UF's own authorizer asked for a receipt an SVC issued (authority digit 6 or 7, NT 2009.006 E02a)."""
    if authority in contingency.SVC_OF_TP_EMIS:
        raise Rejection(553)


@rule("SVC-586", 586)
def svc_no_voiding(ctx: SvcContext) -> None:
    """586: the SVC offers no inutilização; the numbers wait for the normal authorizer (NT 2013.007 §04.5)."""
    raise Rejection(586)


# Each service's gate at the SVC, in order. The status service answers 107/113/114 from the state itself.
AUTHORIZATION_GATE = (svc_uf_served, svc_active)
RECEIPT_GATE = (svc_uf_served, svc_receipt_authority)
QUERY_GATE = (svc_uf_served, svc_own_emission_type)
EVENT_GATE = (svc_cancellation_only, svc_uf_served, svc_own_emission_type)
VOIDING_GATE = (svc_no_voiding,)
SVC_RULES = (svc_uf_served, svc_active, svc_cancellation_only, svc_own_emission_type, svc_receipt_authority,
             e02a_receipt_of_an_svc, svc_no_voiding)
