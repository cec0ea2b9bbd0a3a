"""ICP-Brasil certificate checks for signatures (MOC 7.00 group E, cStat 290-296) and the CNPJ/CPF in them.

e-CNPJ carries the CNPJ in SubjectAltName otherName 2.16.76.1.3.3 and, by convention, as the CN suffix
"RAZAO SOCIAL:12345678000195"; e-CPF carries birth date(8) + CPF(11) in 2.16.76.1.3.1
(reference/sefaz-contract.md §2.5). ICP-Brasil end-entity certificates carry a policy under 2.16.76.1.2.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from fake_sefaz.domain.codes import Rejection

OID_CNPJ = "2.16.76.1.3.3"
OID_CPF_DATA = "2.16.76.1.3.1"
ICP_POLICY_PREFIX = "2.16.76.1.2."


@dataclass(frozen=True, slots=True)
class SignerInfo:
    cnpj: str | None
    cpf: str | None
    subject: str
    not_before: datetime
    not_after: datetime
    serial: int
    issuer_name: x509.Name
    chain_ok: bool
    icp_policy: bool
    issuer_der: bytes = b""  # issuer_name.public_bytes(), computed once with the cached facts (~20 us a call)
    is_ca: bool = False  # Basic Constraints CA=true: never an end entity (group A, A01)
    client_auth: bool = True  # Extended Key Usage allows TLS client authentication, or is absent (A01)
    version3: bool = True  # X.509 v3 (A01)


def _der_string(value: bytes) -> str:
    # otherName values are DER strings (PrintableString 0x13, UTF8String 0x0C or OCTET STRING 0x04).
    if len(value) >= 2 and value[0] in (0x13, 0x0C, 0x04, 0x16) and value[1] < 0x80:
        return value[2:2 + value[1]].decode("latin-1")
    return value.decode("latin-1", "ignore")


def identity_of(cert: x509.Certificate) -> tuple[str | None, str | None]:
    """(CNPJ, CPF) found in the certificate: OIDs first, then the CN suffix."""
    cnpj = cpf = None
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        for other in san.get_values_for_type(x509.OtherName):
            oid = other.type_id.dotted_string
            if oid == OID_CNPJ:
                value = _der_string(other.value).strip()
                if len(value) == 14 and value.isalnum():
                    cnpj = value
            elif oid == OID_CPF_DATA:
                value = _der_string(other.value)
                if len(value) >= 19 and value[8:19].isdigit():
                    cpf = value[8:19]
    except x509.ExtensionNotFound:
        pass
    if cnpj is None and cpf is None:
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if cns:
            suffix = str(cns[0].value).rpartition(":")[2].strip()
            if len(suffix) == 14 and suffix.isalnum() and ":" in str(cns[0].value):
                cnpj = suffix
            elif len(suffix) == 11 and suffix.isdigit() and ":" in str(cns[0].value):
                cpf = suffix
    return cnpj, cpf


def _has_icp_policy(cert: x509.Certificate) -> bool:
    try:
        policies = cert.extensions.get_extension_for_oid(ExtensionOID.CERTIFICATE_POLICIES).value
    except x509.ExtensionNotFound:
        return False
    return any(p.policy_identifier.dotted_string.startswith(ICP_POLICY_PREFIX) for p in policies)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca)
    except x509.ExtensionNotFound:
        return False


def _client_auth(cert: x509.Certificate) -> bool:
    try:
        usages = cert.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE).value
    except x509.ExtensionNotFound:
        return True  # no restriction
    return any(u == ExtendedKeyUsageOID.CLIENT_AUTH for u in usages)


def load_pem_or_der_certs(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def load_crl(path: Path) -> x509.CertificateRevocationList:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


class TrustStore:
    """The CAs this authorizer trusts (self-signed roots are anchors, the rest intermediates) and their CRLs.

    Loaded once per process. Parsing and chain building of a signer certificate are cached by its DER
    bytes; checks that depend on the instant (validity, CRL freshness) run on every call.
    """

    def __init__(self, ca_certs: Iterable[x509.Certificate] = (), crls: Iterable[x509.CertificateRevocationList] = (),
                 cache_size: int = 4096) -> None:
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        for ca in ca_certs:
            self._by_subject.setdefault(ca.subject.public_bytes(), []).append(ca)
        self._crls: dict[bytes, x509.CertificateRevocationList] = {c.issuer.public_bytes(): c for c in crls}
        self._inspect = functools.lru_cache(maxsize=cache_size)(self._inspect_uncached)

    @classmethod
    def from_files(cls, ca_files: Iterable[Path], crl_files: Iterable[Path] = ()) -> "TrustStore":
        cas = [c for f in ca_files for c in load_pem_or_der_certs(Path(f))]
        return cls(cas, [load_crl(Path(f)) for f in crl_files])

    def _chain_ok(self, cert: x509.Certificate) -> bool:
        current = cert
        for _ in range(8):  # ICP-Brasil chains are 3-4 deep
            issuers = self._by_subject.get(current.issuer.public_bytes(), [])
            parent = None
            for candidate in issuers:
                try:
                    current.verify_directly_issued_by(candidate)
                    parent = candidate
                    break
                except (ValueError, TypeError, InvalidSignature):  # not this issuer (same name, other key)
                    continue
            if parent is None:
                return False
            if parent.subject == parent.issuer:
                return True  # reached a trusted self-signed anchor
            current = parent
        return False

    def _inspect_uncached(self, der: bytes) -> SignerInfo | None:
        try:
            cert = x509.load_der_x509_certificate(der)
            cnpj, cpf = identity_of(cert)
            return SignerInfo(
                cnpj=cnpj, cpf=cpf, subject=cert.subject.rfc4514_string(),
                not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
                serial=cert.serial_number, issuer_name=cert.issuer,
                chain_ok=self._chain_ok(cert), icp_policy=_has_icp_policy(cert),
                issuer_der=cert.issuer.public_bytes(), is_ca=_is_ca(cert), client_auth=_client_auth(cert),
                version3=cert.version == x509.Version.v3,
            )
        except (ValueError, TypeError):
            return None

    def inspect(self, der: bytes) -> SignerInfo | None:
        """Parsed facts of a certificate, or None when it cannot be parsed."""
        return self._inspect(der) if der else None

    def crl_for(self, issuer: x509.Name | bytes) -> x509.CertificateRevocationList | None:
        return self._crls.get(issuer if isinstance(issuer, bytes) else issuer.public_bytes())


def fingerprint(der: bytes) -> str:
    return hashlib.sha1(der).hexdigest()


# --- Rules of MOC 7.00 group E, one function per rule, in the table's order. Each raises the rule's cStat.

def e01_certificate_valid(info: SignerInfo | None) -> SignerInfo:
    """E01 (290): the signature's certificate must be a parseable X.509 certificate."""
    if info is None:
        raise Rejection(290)
    return info


def e02_validity(info: SignerInfo, at: datetime) -> None:
    """E02 (291): the certificate must be valid at the receipt instant (dhRecbto)."""
    at = at.astimezone(timezone.utc)
    if not info.not_before <= at <= info.not_after:
        raise Rejection(291)


def e03_has_cnpj_or_cpf(info: SignerInfo) -> None:
    """E03 (292): an e-CNPJ/e-CPF carries the holder's CNPJ or CPF."""
    if not info.cnpj and not info.cpf:
        raise Rejection(292)


def e04_chain(info: SignerInfo) -> None:
    """E04 (293): the chain must end at a trusted anchor."""
    if not info.chain_ok:
        raise Rejection(293)


def e05_crl_available(store: TrustStore, info: SignerInfo, at: datetime) -> None:
    """E05 (296): the issuer's CRL must be usable (here: not past its nextUpdate)."""
    crl = store.crl_for(info.issuer_der or info.issuer_name)
    if crl is not None and crl.next_update_utc is not None and crl.next_update_utc < at.astimezone(timezone.utc):
        raise Rejection(296)


def e06_not_revoked(store: TrustStore, info: SignerInfo) -> None:
    """E06 (294): the certificate must not be on its issuer's CRL."""
    crl = store.crl_for(info.issuer_der or info.issuer_name)
    if crl is not None and crl.get_revoked_certificate_by_serial_number(info.serial) is not None:
        raise Rejection(294)


def e07_icp_brasil(info: SignerInfo) -> None:
    """E07 (295): the certificate must be an ICP-Brasil one (a policy under 2.16.76.1.2)."""
    if not info.icp_policy:
        raise Rejection(295)


def check_signer(store: TrustStore, der: bytes, at: datetime) -> SignerInfo:
    """All of group E, in order. Returns the signer facts or raises the first failing rule's Rejection."""
    info = e01_certificate_valid(store.inspect(der))
    e02_validity(info, at)
    e03_has_cnpj_or_cpf(info)
    e04_chain(info)
    e05_crl_available(store, info, at)
    e06_not_revoked(store, info)
    e07_icp_brasil(info)
    return info
