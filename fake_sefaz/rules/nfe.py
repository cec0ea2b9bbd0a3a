"""Rules applied to each NF-e of a lot (MOC 7.00 §4.1: group E certificate, group F signature, then the
business rules of the NF-e). Stateless: the rules that read the store (204, 539) live in
services/authorization.py's unit of work, where the store's transaction makes them race-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from fake_sefaz.domain import keys, signature, ufs
from fake_sefaz.domain.certificates import SignerInfo, TrustStore
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.domain.protocol import parse_dh
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import rule
from fake_sefaz.rules import signature as sigrules

if TYPE_CHECKING:
    from fake_sefaz.rules.ports import RegistryReads
    from fake_sefaz.server.settings import Settings

HOMOLOGATION_NAME = "NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO - SEM VALOR FISCAL"


@dataclass
class NFeContext:
    doc: NFeView
    now: datetime  # the receipt instant (dhRecbto)
    acting_cUF: int
    acting_tpAmb: int
    settings: Settings
    trust: TrustStore
    # Read-only ports (rules/ports.py): the registry and CSC tokens. None in unit tests of rules that read
    # neither: the registry rules then judge nothing, as with an empty registry.
    reads: "RegistryReads | None" = None
    verifier: Any = None  # the worker's signature verifier (rule F02); None: xmlsec alone
    sig: signature.SignatureParts | None = None
    signer: SignerInfo | None = None
    notes: dict = field(default_factory=dict)
    path: str = ""  # URL path of the request: the NFC-e rules read its role words (nfce, scan)
    svc: str | None = None  # the contingency authorizer that received the note (SVC-AN, SVC-RS), None: the UF's own

    @cached_property
    def signed(self) -> sigrules.Signed:
        return sigrules.Signed(self.doc.element, self.doc.inf, self.doc.issuer_cnpj, self.doc.issuer_cpf)


# --- Groups E and F: certificate and signature, the generic rules of rules/signature.py ----------------
# (the same functions check events and inutilização; NFeContext.signed tells them what to read)

e_certificate = sigrules.e_certificate
f01_signature_profile = sigrules.f01_signature_profile
f02_signature_value = sigrules.f02_signature_value
f03_cnpj_base = sigrules.f03_cnpj_base
f03a_cpf = sigrules.f03a_cpf


# --- Environment and UF -------------------------------------------------------------------------------

@rule("GA02", 252)
def ga02_environment(ctx: NFeContext) -> None:
    """252: ide/tpAmb must be the environment of the web service that received it."""
    if ctx.doc.tpAmb != str(ctx.acting_tpAmb):
        raise Rejection(252)


@rule("GA03", 226)
def ga03_issuer_uf(ctx: NFeContext) -> None:
    """226: ide/cUF must be the UF of this authorizer."""
    if ctx.doc.cUF != f"{ctx.acting_cUF:02d}":
        raise Rejection(226)


# --- The access key (chave de acesso) -----------------------------------------------------------------

@rule("GB01", 236)
def gb01_key_dv(ctx: NFeContext) -> None:
    """236: the key's check digit (mod 11) must be right."""
    if not keys.AccessKey(ctx.doc.key).dv_ok():
        raise Rejection(236)


@rule("GB02", 614)
def gb02_key_uf(ctx: NFeContext) -> None:
    """614: the key's cUF must be an IBGE UF code."""
    if not ctx.doc.key[:2].isdigit() or int(ctx.doc.key[:2]) not in ufs.CODES:
        raise Rejection(614)


@rule("GB03", 615)
def gb03_key_year(ctx: NFeContext) -> None:
    """615: the key's year must be between 06 and the current year."""
    yy = int(ctx.doc.key[2:4])
    if yy < 6 or yy > ctx.now.year % 100:
        raise Rejection(615)


@rule("GB04", 616)
def gb04_key_month(ctx: NFeContext) -> None:
    """616: the key's month must be 01 to 12."""
    if not 1 <= int(ctx.doc.key[4:6]) <= 12:
        raise Rejection(616)


@rule("GB05", 617)
def gb05_key_issuer(ctx: NFeContext) -> None:
    """617: the key's CNPJ (or zero-padded CPF) must be non-zero with valid check digits."""
    k = keys.AccessKey(ctx.doc.key)
    ident = k.issuer
    if ctx.doc.issuer_cpf and ident.startswith("000") and keys.valid_cpf(ident[3:]):
        return
    if not keys.valid_cnpj(ident):
        raise Rejection(617)


@rule("GB06", 618)
def gb06_key_model(ctx: NFeContext) -> None:
    """618: the key's model must be 55 or 65."""
    if ctx.doc.key[20:22] not in ("55", "65"):
        raise Rejection(618)


@rule("GB07", 619)
def gb07_key_number(ctx: NFeContext) -> None:
    """619: the key's nNF must not be zero."""
    if int(ctx.doc.key[25:34]) == 0:
        raise Rejection(619)


@rule("GB08", 249)
def gb08_key_uf_authorizer(ctx: NFeContext) -> None:
    """249: the key's UF must be the UF of this authorizer."""
    if ctx.doc.key[:2] != f"{ctx.acting_cUF:02d}":
        raise Rejection(249)


@rule("GB09", 561)
def gb09_key_month_of_issue(ctx: NFeContext) -> None:
    """561: the key's AAMM must be the year and month of dhEmi."""
    dh = ctx.doc.dhEmi
    if ctx.doc.key[2:6] != dh[2:4] + dh[5:7]:
        raise Rejection(561)


@rule("GB10", 562)
def gb10_key_cnf(ctx: NFeContext) -> None:
    """562: the key's cNF must be ide/cNF."""
    if ctx.doc.key[35:43] != ctx.doc.cNF:
        raise Rejection(562, f"[chNFe:{ctx.doc.key}]")


@rule("GB11", 502)
def gb11_key_fields(ctx: NFeContext) -> None:
    """502: Id must be 'NFe' + the concatenation of cUF, AAMM, CNPJ/CPF, mod, serie, nNF, tpEmis, cNF, cDV."""
    d = ctx.doc
    expected = (
        f"{d.cUF}{d.key[2:6]}{d.issuer.rjust(14, '0')}{d.mod}{int(d.serie):03d}{int(d.nNF):09d}"
        f"{d.tpEmis}{d.cNF}{d.cDV}"
    )
    if d.key != expected:
        raise Rejection(502)


@rule("GB12", 897)
def gb12_cnf_format(ctx: NFeContext) -> None:
    """897 (NT 2019.001): cNF may not be a repeated digit, an ascending run, nor equal to nNF."""
    cnf = ctx.doc.cNF
    if cnf in keys.FORBIDDEN_CNF or cnf == f"{int(ctx.doc.nNF):08d}"[-8:]:
        raise Rejection(897)


# --- Dates ---------------------------------------------------------------------------------------------

@rule("GC01", 703)
def gc01_issued_after_receipt(ctx: NFeContext) -> None:
    """703: dhEmi may not be later than the receipt (tolerance: emission_future_tolerance_s)."""
    if parse_dh(ctx.doc.dhEmi) > ctx.now + timedelta(seconds=ctx.settings.emission_future_tolerance_s):
        raise Rejection(703)


# B09-20 exceção 2: an NF-e issued in contingency (FS-IA 2, EPEC 4, FS-DA 5) and transmitted late is authorized
# "fora de prazo" (150) where the UF allows it (setting late_contingency_authorize); rules/contingency.py answers it.
LATE_CONTINGENCY = frozenset({"2", "4", "5"})


def issued_too_long_ago(ctx: NFeContext) -> bool:
    return parse_dh(ctx.doc.dhEmi) < ctx.now - timedelta(days=ctx.settings.emission_max_age_days)


def late_contingency_allowed(ctx: NFeContext) -> bool:
    return ctx.doc.mod == "55" and ctx.doc.tpEmis in LATE_CONTINGENCY and ctx.settings.late_contingency_authorize


@rule("GC02", 228)
def gc02_issued_too_long_ago(ctx: NFeContext) -> None:
    """228: dhEmi may not be older than emission_max_age_days (30 days by default; MOC B09-20), except a late
    contingency NF-e where the UF authorizes it fora de prazo (exceção 2, 150 at the end of the pipeline)."""
    if issued_too_long_ago(ctx) and not late_contingency_allowed(ctx):
        raise Rejection(228)


# --- Recipient (group E) --------------------------------------------------------------------------------------

@rule("E01-10", 719)
def e01_10_nfe_recipient(ctx: NFeContext) -> None:
    """719: an NF-e (model 55) names its recipient; only the NFC-e may omit it (MOC 7.00 E01-10). A model-55 rule
    despite its number in the NFC-e range 702-789 (reference content-rules.md §9)."""
    if ctx.doc.mod == "55" and ctx.doc.dest is None:
        raise Rejection(719)


# --- Homologation (the totals, W07-10 564 and W16-10 610, are in rules/totals.py) ---------------------------------------------------------------------------

@rule("GD01", 598)
def gd01_homologation_recipient(ctx: NFeContext) -> None:
    """598: in homologação an NF-e with a recipient names it 'NF-E EMITIDA EM AMBIENTE DE HOMOLOGACAO -
    SEM VALOR FISCAL' (fake-sefaz in Go answers 693 here; the real code is 598)."""
    if ctx.doc.tpAmb == "2" and ctx.doc.mod == "55" and ctx.doc.dest is not None:
        if ctx.doc.dest_xNome is not None and ctx.doc.dest_xNome != HOMOLOGATION_NAME:
            raise Rejection(598)


NFE_RULES = (
    e_certificate, f01_signature_profile, f02_signature_value, f03_cnpj_base, f03a_cpf,
    ga02_environment, ga03_issuer_uf,
    gb01_key_dv, gb02_key_uf, gb03_key_year, gb04_key_month, gb05_key_issuer, gb06_key_model, gb07_key_number,
    gb08_key_uf_authorizer, gb09_key_month_of_issue, gb10_key_cnf, gb11_key_fields, gb12_cnf_format,
    gc01_issued_after_receipt, gc02_issued_too_long_ago,
    e01_10_nfe_recipient, gd01_homologation_recipient,
)
