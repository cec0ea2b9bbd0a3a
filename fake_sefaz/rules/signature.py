"""Certificate (MOC 7.00 group E, 290-296) and signature (group F, 298/297/213/227) rules for any signed
message: NF-e, evento, inutNFe. One implementation, so an event or a voiding request is checked exactly as
an NF-e is.

A context offering these rules has: `signed` (a Signed: the parent carrying <Signature>, the signed child
whose Id the Reference names, and the CNPJ/CPF the signer must match), `now` (the receipt instant), `trust`
(the TrustStore), and the slots `sig` / `signer` the rules fill in for the rules after them.
Always hand a copy detached from the SOAP envelope (inclusive C14N would pull the envelope's namespaces in).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from lxml import etree

from fake_sefaz.domain import certificates, signature
from fake_sefaz.domain.certificates import SignerInfo, TrustStore
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import D, N
from fake_sefaz.rules import rule

if TYPE_CHECKING:
    from fake_sefaz.server.settings import Settings


@dataclass(frozen=True)
class Signed:
    parent: Any  # the element holding <Signature> (NFe, evento, inutNFe)
    target: Any  # the signed child (infNFe, infEvento, infInut)
    cnpj: str | None  # the CNPJ the certificate must belong to (issuer / event author), or None
    cpf: str | None  # the CPF the certificate must belong to, or None

    @cached_property
    def cert_der(self) -> bytes:
        """The certificate of Signature/KeyInfo, decoded once for groups E and F (b"" when absent or not base64)."""
        return _cert_der(self.parent)


@dataclass
class SignedMessage:
    """The context of a signed message other than the NF-e (evento, inutNFe): the copy detached from the
    envelope, the request's instant and acting UF/environment, and the slots the E/F rules fill in."""

    INF: ClassVar[str] = ""  # the signed child's tag (infEvento, infInut)

    element: etree._Element
    now: datetime
    acting_cUF: int
    acting_tpAmb: int
    settings: Settings
    trust: TrustStore
    verifier: Any = None  # the worker's signature verifier (rule F02)
    sig: Any = None  # signature.SignatureParts, filled by F01
    signer: SignerInfo | None = None  # filled by group E

    @cached_property
    def inf(self) -> etree._Element:
        return self.element.find(N + self.INF)

    def f(self, name: str) -> str:
        return self.inf.findtext(N + name) or ""


def _cert_der(parent) -> bytes:
    b64 = parent.findtext(f"{D}Signature/{D}KeyInfo/{D}X509Data/{D}X509Certificate") or ""
    try:
        return base64.b64decode("".join(b64.split()), validate=True)
    except (binascii.Error, ValueError):
        return b""


@rule("E01-E07", 290, 291, 292, 293, 294, 295, 296)
def e_certificate(ctx) -> None:
    """E01-E07 (290-296): certificate parseable, valid at dhRecbto, with CNPJ/CPF, chained to a trusted
    ICP-Brasil anchor, CRL usable, not revoked, ICP-Brasil policy. One function per rule in certificates.py."""
    ctx.signer = certificates.check_signer(ctx.trust, ctx.signed.cert_der, ctx.now)


@rule("F01", 298)
def f01_signature_profile(ctx) -> None:
    """F01 (298): the signature follows the SEFAZ profile and references the element the rules read."""
    ctx.sig = signature.profile_parts(ctx.signed.parent, ctx.signed.target, ctx.signed.cert_der)
    if ctx.sig is None:
        raise Rejection(298)


@rule("F02", 297)
def f02_signature_value(ctx) -> None:
    """F02 (297): digest and signature value verify."""
    # The worker's verifier (xmlsec with a key cache, or the differential-tested fast one: signature_verifier);
    # plain xmlsec where a context carries none.
    verifier = getattr(ctx, "verifier", None)
    ok = (verifier.verify(ctx.sig, ctx.signed.target) if verifier is not None
          else signature.verify(ctx.sig, ctx.signed.target))
    if not ok:
        raise Rejection(297)


@rule("F03", 213)
def f03_cnpj_base(ctx) -> None:
    """F03 (213): the certificate's CNPJ base (8 first characters) is the issuer's: any establishment of
    the same company may sign (DF Portaria 403 art. 16 §3, AM Decreto 27.440 art. 3 IV)."""
    cnpj = ctx.signed.cnpj
    if cnpj and (ctx.signer.cnpj or "")[:8] != cnpj[:8]:
        raise Rejection(213)


@rule("F03A", 227)
def f03a_cpf(ctx) -> None:
    """F03A (227, NT 2018.001): an issuer identified by CPF signs with its own e-CPF."""
    cpf = ctx.signed.cpf
    if cpf and ctx.signer.cpf != cpf:
        raise Rejection(227)


SIGNATURE_RULES = (e_certificate, f01_signature_profile, f02_signature_value, f03_cnpj_base, f03a_cpf)
