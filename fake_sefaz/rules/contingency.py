"""Emission type against the authorizer that received the note (MOC 7.00 group B22; reference
national-services-and-transport.md §5.1).

Which authorizer this request reached is read from the URL path, as the NFC-e rules do (rules/nfce.py): a path word
'svc', 'svc-an' or 'svc-rs' names the SVC, 'scan' the old SCAN; any other path is the UF's normal authorizer.
"""

from __future__ import annotations

from fake_sefaz.domain.codes import Rejection
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


CONTINGENCY_RULES = (b22_30_contingency_type_at_normal_authorizer,)
