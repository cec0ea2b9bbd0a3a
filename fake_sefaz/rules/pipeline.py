"""The one place that composes the NF-e pipeline: which rule groups run, in MOC order.

A group is a tuple of rule functions (see rules/__init__.py). Rejections stop at the first failing rule;
a denial rule (301/302/303) is a "failure" too, but its outcome is stored (services/authorization.py).
Features add their group here, in the position the MOC gives it.
"""

from __future__ import annotations

from fake_sefaz.rules.arithmetic import ARITHMETIC_RULES
from fake_sefaz.rules.cfop import CFOP_RULES
from fake_sefaz.rules.contingency import CONTINGENCY_OUTCOME_RULES, CONTINGENCY_RULES
from fake_sefaz.rules.gtin import GTIN_RULES
from fake_sefaz.rules.ibscbs import IBSCBS_RULES
from fake_sefaz.rules.identification import IDENTIFICATION_RULES
from fake_sefaz.rules.nfce import NFCE_OUTCOME_RULES, NFCE_RULES, zx_qr_code
from fake_sefaz.rules.nfe import NFE_RULES
from fake_sefaz.rules.payment import PAYMENT_RULES
from fake_sefaz.rules.registry import REGISTRY_DENIALS, REGISTRY_REJECTIONS
from fake_sefaz.rules.techresp import TECHRESP_RULES
from fake_sefaz.rules.totals import TOTALS_RULES

# Everything checked on one NF-e before the store is consulted, in order.
NFE_PIPELINE: tuple = (
    *NFE_RULES,
    # Group B22: an emission type of the contingency authorizers (3, 6, 7) sent to the normal one (570).
    *CONTINGENCY_RULES,
    # NFC-e (model 65) groups B, E, I, W (each rule returns at once for other models), then the QR code (ZX).
    *NFCE_RULES,
    # Content rules in MOC order (content-rules.md §0.3): item arithmetic (I, N, NA); the IBS/CBS/IS rows of the tax
    # reform (NT 2025.002-RTC: B, I, UB and the IBSCBSTot totals, judged only on notes that fill those fields, plus
    # B25-90, ICMS or ISSQN on every item); totals (W), billing and payment (Y, YA); responsável técnico and CSRT
    # (ZD, NT 2018.005, per-UF settings); the QR code (ZX) comes after them.
    # Identification of parties and places (B, C, E, F, G, GA, X), then CFOP, destination and purpose (B25, E12,
    # I08) and the GTIN of each item (I03, I12, U01): content-rules.md §2, §3, §4.1.
    *IDENTIFICATION_RULES,
    *CFOP_RULES,
    *GTIN_RULES,
    *ARITHMETIC_RULES,
    *IBSCBS_RULES,
    *TOTALS_RULES,
    *PAYMENT_RULES,
    *TECHRESP_RULES,
    zx_qr_code,
    # Issuer IE and accreditation, recipient IE (registry rejections: 229 209 230 231 203 781 233).
    *REGISTRY_REJECTIONS,
    # Denials after every rejection: a denied NF-e is stored and burns its number, so it must pass every
    # rejection rule first (DF Portaria 403/2009 art. 10 § 3). Keep new rejection groups above this line.
    *REGISTRY_DENIALS,
    # Outcomes that are authorizations, not rejections (150 for a late offline NFC-e): LAST, since the first
    # "failure" decides the answer and a denial outranks a late authorization.
    *NFCE_OUTCOME_RULES,
    *CONTINGENCY_OUTCOME_RULES,
)
