"""Emission type against the authorizer that received the note (MOC 7.00 group B22; reference
national-services-and-transport.md §5.1).

Which authorizer this request reached is the dispatcher's reading of path, host and payload (ctx.svc: SVC-AN, SVC-RS,
soap/dispatcher.py svc_of); a path word 'scan' names the old SCAN; anything else is the UF's normal authorizer.
"""

from __future__ import annotations

from datetime import timedelta

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.protocol import parse_dh
from fake_sefaz.rules import rule
from fake_sefaz.domain import contingency
from fake_sefaz.rules.nfce import SCAN_WORDS
from fake_sefaz.rules.nfe import NFeContext, issued_too_long_ago, late_contingency_allowed

# B22-30: emission types only the contingency authorizers take: 3 (SCAN; the NFF regime of NT 2021.002 in PL_010f,
# whose notes the Fisco's own system issues), 6 (SVC-AN), 7 (SVC-RS).
CONTINGENCY_ONLY = frozenset({"3", "6", "7"})


@rule("B22-30", 570)
def b22_30_contingency_type_at_normal_authorizer(ctx: NFeContext) -> None:
    """570: the UF's normal authorizer does not take a note of tpEmis 3, 6 or 7 (SCAN/SVC only). NT 2013.007
    §07.1 prints 584 with this text; the MOC's rule table gives 570 (reference §6.2)."""
    if ctx.doc.tpEmis in CONTINGENCY_ONLY and ctx.svc is None:
        words = {w.lower() for w in ctx.path.split("/") if w}
        if not words & SCAN_WORDS:
            raise Rejection(570)


@rule("B22-70", 783)
def b22_70_svc_no_nfce(ctx: NFeContext) -> None:
    """783: the SVC does not authorize NFC-e: its contingency is offline (tpEmis 9). Judged before B22-60, so an
    NFC-e of any emission type hears why it has no place there."""
    if ctx.doc.mod == "65" and ctx.svc is not None:
        raise Rejection(783)


@rule("B22-60", 713)
def b22_60_svc_emission_type(ctx: NFeContext) -> None:
    """713: an SVC authorizes only notes of its own emission type: 6 at SVC-AN, 7 at SVC-RS (MOC 7.00 B22-60;
    NT 2013.007 §04.1 prints 584 for the same condition)."""
    if ctx.svc is not None and ctx.doc.tpEmis != contingency.TP_EMIS[ctx.svc]:
        raise Rejection(713)


# B28: the contingency documents say when (dhCont) and why (xJust) they left normal emission.
WITH_REASON = frozenset({"2", "4", "5", "9"})
DH_CONT_TOLERANCE = timedelta(minutes=5)  # B28-30: the same 5 minutes as dhEmi (B09-30)
DH_CONT_MAX_AGE = timedelta(days=30)  # B28-40


def _option(ctx: NFeContext, rule_id: str) -> bool:
    """A rule the MOC marks "Facul.": off unless uf_optional_rules names it (content-rules.md §0.3)."""
    return rule_id in ctx.settings.uf_optional_rules


@rule("B28-10", 556)
def b28_10_no_reason_for_normal(ctx: NFeContext) -> None:
    """556: a normal emission (tpEmis 1) carries no dhCont nor xJust."""
    if ctx.doc.tpEmis == "1" and (ctx.doc.ide_("dhCont") or ctx.doc.ide_("xJust")):
        raise Rejection(556)


@rule("B28-20", 557)
def b28_20_reason_for_contingency(ctx: NFeContext) -> None:
    """557: a contingency emission (tpEmis 2, 4, 5, 9) carries dhCont and xJust."""
    if ctx.doc.tpEmis in WITH_REASON and not (ctx.doc.ide_("dhCont") and ctx.doc.ide_("xJust")):
        raise Rejection(557)


@rule("B28-30", 558)
def b28_30_contingency_not_after_receipt(ctx: NFeContext) -> None:
    """558 (UF option B28-30): dhCont later than the receipt (5 minutes' tolerance)."""
    dh = ctx.doc.ide_("dhCont")
    if dh and _option(ctx, "B28-30") and parse_dh(dh) > ctx.now + DH_CONT_TOLERANCE:
        raise Rejection(558)


@rule("B28-40", 569)
def b28_40_contingency_not_too_old(ctx: NFeContext) -> None:
    """569 (UF option B28-40): dhCont more than 30 days before dhEmi."""
    dh = ctx.doc.ide_("dhCont")
    if dh and _option(ctx, "B28-40") and parse_dh(ctx.doc.dhEmi) - parse_dh(dh) > DH_CONT_MAX_AGE:
        raise Rejection(569)


@rule("B22-10", 711)
def b22_10_no_offline_nfe(ctx: NFeContext) -> None:
    """711: the offline contingency (tpEmis 9) is the NFC-e's; an NF-e may use it only with the DANFE Simplificado
    Tipo 2 (tpImp 6, NT 2026.002)."""
    if ctx.doc.mod == "55" and ctx.doc.tpEmis == "9" and ctx.doc.ide_("tpImp") != "6":
        raise Rejection(711)


@rule("B22-20", 712)
def b22_20_nfce_offline_refused(ctx: NFeContext) -> None:
    """712 (UF option B22-20): an offline NFC-e (tpEmis 9) in a UF that does not take the offline contingency."""
    if ctx.doc.mod == "65" and ctx.doc.tpEmis == "9" and _option(ctx, "B22-20"):
        raise Rejection(712)


# B26-30: the Fisco's own issuing processes (procEmi 1 avulsa pelo Fisco, 2 avulsa pelo contribuinte no site do Fisco)
# issue normally or in SVC only.
FISCO_PROCESSES = frozenset({"1", "2"})


@rule("B26-30", 370)
def b26_30_fisco_process_emission_type(ctx: NFeContext) -> None:
    """370: a note issued through the Fisco's process (procEmi 1 or 2) with an emission type other than 1, 6, 7."""
    if ctx.doc.ide_("procEmi") in FISCO_PROCESSES and ctx.doc.tpEmis not in ("1", "6", "7"):
        raise Rejection(370)


@rule("B22-34", 714)
def b22_34_nfce_contingency_types(ctx: NFeContext) -> None:
    """714 (UF option B22-34): an NFC-e in contingency FS-IA (2) or FS-DA (5); EPEC (4) where the UF does not
    take it."""
    if ctx.doc.mod == "65" and ctx.doc.tpEmis in ("2", "5") and _option(ctx, "B22-34"):
        raise Rejection(714)


# --- The outcome of a late contingency NF-e: LAST in the pipeline (150 is an authorization) ---------------------

@rule("B09-20-exc2", 150)
def b09_20_late_contingency_authorized(ctx: NFeContext) -> None:
    """150: an NF-e issued in contingency FS-IA, EPEC or FS-DA (tpEmis 2, 4, 5) transmitted after the UF's limit
    (emission_max_age_days) is authorized "fora de prazo" where the UF allows it (B09-20 exceção 2; setting
    late_contingency_authorize, else 228). Raised last, once every rejection rule has passed."""
    if issued_too_long_ago(ctx) and late_contingency_allowed(ctx):
        raise Rejection(150)


CONTINGENCY_OUTCOME_RULES = (b09_20_late_contingency_authorized,)


CONTINGENCY_RULES = (
    b22_30_contingency_type_at_normal_authorizer, b22_70_svc_no_nfce, b22_60_svc_emission_type,
    b28_10_no_reason_for_normal, b28_20_reason_for_contingency, b28_30_contingency_not_after_receipt,
    b28_40_contingency_not_too_old, b22_10_no_offline_nfe, b22_20_nfce_offline_refused, b22_34_nfce_contingency_types,
    b26_30_fisco_process_emission_type,
)
