"""Group A: the transmitter's certificate, the TLS client certificate of the connection (MOC 7.00 §4.1; NT 2014.002
§3.8; reference/national-services-and-transport.md §1.2), one function per row.

The NT says A01-A05 are performed by the TLS protocol itself. Here the handshake refuses a chain that ends at no
trusted anchor (an alert, as the GO and PR hosts show it); everything else reaches these rules, and the setting
tls_client_errors decides how a failure is answered: an IIS-style HTTP 403 page (default, what SP, BA and SVRS
show) or the rule's cStat inside the service's own answer ("cstat", a diagnostic mode). In "cstat" mode the
handshake also admits the test PKI's foreign root, so A03 (283) answers through the SOAP path too, and an
anchor outside ICP-Brasil (the NT's warning about A06) shows as 285.

The rules read one TransmitterContext and never write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from fake_sefaz.domain.certificates import SignerInfo, TrustStore
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import first_failure, rule


@dataclass(frozen=True)
class TransmitterContext:
    info: SignerInfo | None  # the TLS client certificate as the trust store read it; None: none or unreadable
    trust: TrustStore
    now: datetime


@rule("A01", 280)
def a01_certificate_usable(ctx: TransmitterContext) -> None:
    """A01 (280): a transmitter certificate is present, X.509 v3, not a CA, and allows client authentication."""
    info = ctx.info
    if info is None or not info.version3 or info.is_ca or not info.client_auth:
        raise Rejection(280)


@rule("A02", 281)
def a02_validity(ctx: TransmitterContext) -> None:
    """A02 (281): inside notBefore..notAfter at the receipt instant."""
    at = ctx.now.astimezone(timezone.utc)
    if not ctx.info.not_before <= at <= ctx.info.not_after:  # type: ignore[union-attr]
        raise Rejection(281)


@rule("A03", 283)
def a03_chain(ctx: TransmitterContext) -> None:
    """A03 (283): the issuing chain ends at a trusted ICP-Brasil anchor."""
    if not ctx.info.chain_ok:  # type: ignore[union-attr]
        raise Rejection(283)


@rule("A04", 286)
def a04_crl_available(ctx: TransmitterContext) -> None:
    """A04 (286): the issuer's CRL, when the authorizer holds one, is current (not past its nextUpdate). An issuer
    without a CRL in the settings passes, as E05 does for signatures: the fake fetches no CRL from the network."""
    crl = ctx.trust.crl_for(ctx.info.issuer_der or ctx.info.issuer_name)  # type: ignore[union-attr]
    if crl is not None and crl.next_update_utc is not None and crl.next_update_utc < ctx.now.astimezone(timezone.utc):
        raise Rejection(286)


@rule("A05", 284)
def a05_not_revoked(ctx: TransmitterContext) -> None:
    """A05 (284): not on its issuer's CRL."""
    crl = ctx.trust.crl_for(ctx.info.issuer_der or ctx.info.issuer_name)  # type: ignore[union-attr]
    if crl is not None and crl.get_revoked_certificate_by_serial_number(ctx.info.serial) is not None:  # type: ignore[union-attr]
        raise Rejection(284)


@rule("A06", 285)
def a06_icp_brasil(ctx: TransmitterContext) -> None:
    """A06 (285): an ICP-Brasil certificate (a policy under 2.16.76.1.2)."""
    if not ctx.info.icp_policy:  # type: ignore[union-attr]
        raise Rejection(285)


@rule("A07", 282, 473)
def a07_cnpj_or_cpf(ctx: TransmitterContext) -> None:
    """A07 (282): the CNPJ (OID 2.16.76.1.3.3) or CPF (2.16.76.1.3.1) of the holder is in the certificate; the AN's
    NFeDistribuicaoDFe answers the same rule with its own code, 473 (the dispatcher maps it)."""
    if not ctx.info.cnpj and not ctx.info.cpf:  # type: ignore[union-attr]
        raise Rejection(282)


TRANSMITTER_RULES: tuple[Callable[[TransmitterContext], None], ...] = (
    a01_certificate_usable, a02_validity, a03_chain, a04_crl_available, a05_not_revoked, a06_icp_brasil,
    a07_cnpj_or_cpf,
)


def check_transmitter(ctx: TransmitterContext) -> Rejection | None:
    """The first group-A rule the connection's certificate fails, or None."""
    return first_failure(TRANSMITTER_RULES, ctx)
