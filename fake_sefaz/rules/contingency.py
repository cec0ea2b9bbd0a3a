"""Emission type against the authorizer that received the note (MOC 7.00 group B22; reference
national-services-and-transport.md §5.1).

Which authorizer this request reached is read from the URL path, as the NFC-e rules do (rules/nfce.py): a path word
'svc', 'svc-an' or 'svc-rs' names the SVC, 'scan' the old SCAN; any other path is the UF's normal authorizer.
"""

from __future__ import annotations

from datetime import timedelta

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.protocol import parse_dh
from fake_sefaz.rules import rule
from fake_sefaz.rules.nfce import SCAN_WORDS, SVC_WORDS
from fake_sefaz.rules.nfe import NFeContext

# B22-30: emission types only the contingency authorizers take: 3 (SCAN; the NFF regime of NT 2021.002 in PL_010f,
# whose notes the Fisco's own system issues), 6 (SVC-AN), 7 (SVC-RS).
CONTINGENCY_ONLY = frozenset({"3", "6", "7"})


@rule("B22-30", 570)
def b22_30_contingency_type_at_normal_authorizer(ctx: NFeContext) -> None:
    """570: the UF's normal authorizer does not take a note of tpEmis 3, 6 or 7 (SCAN/SVC only). NT 2013.007
    §07.1 prints 584 with this text; the MOC's rule table gives 570 (reference §6.2)."""
    if ctx.doc.tpEmis in CONTINGENCY_ONLY:
        words = {w.lower() for w in ctx.path.split("/") if w}
        if not words & (SVC_WORDS | SCAN_WORDS):
            raise Rejection(570)


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


@rule("B22-34", 714)
def b22_34_nfce_contingency_types(ctx: NFeContext) -> None:
    """714 (UF option B22-34): an NFC-e in contingency FS-IA (2) or FS-DA (5); EPEC (4) where the UF does not
    take it."""
    if ctx.doc.mod == "65" and ctx.doc.tpEmis in ("2", "5") and _option(ctx, "B22-34"):
        raise Rejection(714)


CONTINGENCY_RULES = (b22_30_contingency_type_at_normal_authorizer, b28_10_no_reason_for_normal,
                     b28_20_reason_for_contingency, b28_30_contingency_not_after_receipt,
                     b28_40_contingency_not_too_old, b22_10_no_offline_nfe, b22_34_nfce_contingency_types)
