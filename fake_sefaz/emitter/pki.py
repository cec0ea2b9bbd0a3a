"""A throw-away PKI shaped like ICP-Brasil (root -> AC -> e-CNPJ A1 leaf) for tests and load generators.

`ensure_test_pki(directory)` writes a fixed set of named identities once (valid, expired, revoked, foreign...)
and afterwards only loads them, so a test session or a load run pays the RSA key generation a single time.
The e-CNPJ layout (subject, SubjectAltName otherNames 2.16.76.1.3.x, policies) follows the ICP-Brasil
DOC-ICP-04 profile closely enough that code reading real certificates reads these the same way.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fake_sefaz.domain import hosts
from fake_sefaz.domain.keys import cnpj_dvs, cpf_dvs

# ICP-Brasil otherName OIDs in the SubjectAltName of an e-CNPJ (DOC-ICP-04 §7.1.2.3).
OID_RESPONSIBLE_DATA = x509.ObjectIdentifier("2.16.76.1.3.4")  # birth date, CPF, NIS, RG of the responsible person
OID_RESPONSIBLE_NAME = x509.ObjectIdentifier("2.16.76.1.3.2")
OID_CNPJ = x509.ObjectIdentifier("2.16.76.1.3.3")
OID_CPF = x509.ObjectIdentifier("2.16.76.1.3.1")  # e-CPF: birth date + CPF + NIS + RG + issuing body
OID_CEI = x509.ObjectIdentifier("2.16.76.1.3.7")
# Certificate policies of ICP-Brasil A1 certificates live under 2.16.76.1.2.1.<n>; 99 is not assigned to a real AC.
ICP_BRASIL_POLICY_ARC = "2.16.76.1.2."
ICP_A1_TEST_POLICY = x509.ObjectIdentifier("2.16.76.1.2.1.99")

MANIFEST = "pki.json"
MANIFEST_VERSION = 4  # 2: the TLS server certificate; 3: the stale-CRL AC; 4: the e-CPF "contador"
RSA_BITS = 2048

ROOT_FILE = "ca-root.pem"
INTERMEDIATE_FILE = "ca-intermediate.pem"
CRL_FILE = "crl-intermediate.pem"
FOREIGN_ROOT_FILE = "foreign-root.pem"
STALE_AC_FILE = "ca-lcr-vencida.pem"
STALE_CRL_FILE = "crl-lcr-vencida.pem"

# Identity name -> what makes it special. The order is the generation order.
IDENTITY_NAMES = (
    "emitente", "emitente-filial", "outro", "expirado", "futuro", "estrangeiro",
    "sem-cnpj", "cn-only", "revogado", "sem-politica", "lcr-vencida",
)
# e-CPF holders (people, not issuers): "contador" logs in to the portal under a procuração (seed 001, items 4 and 7)
PERSON_NAMES = ("contador",)

# An existing directory is regenerated once its valid leaves get this close to their not_after.
_STALE_MARGIN = timedelta(days=7)


# --------------------------------------------------------------------------------------------------------------
# DER helpers: cryptography takes an OtherName value as the DER encoding of the inner ASN.1 value.

def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der_printable(value: str) -> bytes:
    raw = value.encode("ascii")
    return b"\x13" + _der_length(len(raw)) + raw


def der_octets(value: str) -> bytes:
    raw = value.encode("latin-1")
    return b"\x04" + _der_length(len(raw)) + raw


def _printable(text: str) -> str:
    # PrintableString has no accents: fold "JOÃO" to "JOAO" the way real ACs do.
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded if c.isalnum() or c in " '()+,-./:=?").upper()


# --------------------------------------------------------------------------------------------------------------
# Issuers and identities

def _load_key(path: Path):
    # These keys are ours and well formed: skipping OpenSSL's RSA consistency check cuts the load from ~40 ms to
    # well under 1 ms, which matters when load generators open many identities.
    return serialization.load_pem_private_key(path.read_bytes(), password=None,
                                              unsafe_skip_rsa_key_validation=True)


@dataclass(frozen=True)
class CA:
    """A certificate authority on disk. `private_key` is loaded on first use and then kept."""

    name: str
    cert_path: Path
    key_path: Path

    @cached_property
    def cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        return _load_key(self.key_path)


@dataclass(frozen=True)
class Identity:
    """A named e-CNPJ holder: certificate (+ issuer chain) and key on disk, objects loaded lazily and cached."""

    name: str
    cnpj: str
    razao: str
    pem_path: Path
    key_path: Path
    pfx_path: Path
    cpf: str = ""  # an e-CPF holder (cnpj then empty)

    @cached_property
    def certs(self) -> tuple[x509.Certificate, ...]:
        return tuple(x509.load_pem_x509_certificates(self.pem_path.read_bytes()))

    @property
    def cert(self) -> x509.Certificate:
        return self.certs[0]

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """The issuer certificates that follow the leaf in <name>.pem."""
        return self.certs[1:]

    @cached_property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @cached_property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @cached_property
    def key_pem(self) -> bytes:
        return self.key_path.read_bytes()

    @cached_property
    def private_key(self) -> rsa.RSAPrivateKey:
        return _load_key(self.key_path)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _ca_name(cn: str, ou: str, org: str = "ICP-Brasil", country: str = "BR") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def make_ca(subject: x509.Name, not_before: datetime, not_after: datetime, issuer=None, *,
            path_length: int | None = None) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A CA certificate: self-signed when `issuer` is None, else signed by issuer (.cert, .private_key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    issuer_name = subject if issuer is None else issuer.cert.subject
    signing_key = key if issuer is None else issuer.private_key
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.cert.public_key()), critical=False)
    return key, builder.sign(signing_key, hashes.SHA256())


def make_ecnpj(issuer, razao: str, cnpj: str, not_before: datetime, not_after: datetime, *,
               cnpj_oid: bool = True, cn_suffix: bool = True, icp_policy: bool = True,
               responsible_cpf: str = "00000000191", responsible_name: str = "RESPONSAVEL TESTE",
               ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """An e-CNPJ A1 leaf for `cnpj`, signed by `issuer` (anything with .cert and .private_key: CA or Identity).

    The switches remove, one at a time, the features a SEFAZ checks: the CNPJ otherName, the ':CNPJ' CN suffix
    and the ICP-Brasil certificate policy.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    # CN is limited to 64 characters (X.520 ub-common-name); keep room for ':' + 14 characters.
    name_part = _printable(razao)[:49].strip()
    cn = f"{name_part}:{cnpj}" if cn_suffix else name_part
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "SP"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "SAO PAULO"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Secretaria da Receita Federal do Brasil - RFB"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "RFB e-CNPJ A1"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])
    # 2.16.76.1.3.4: birth date (ddmmaaaa) + CPF (11) + NIS (11) + RG (15) + issuing body and UF (6).
    responsible = "01011980" + responsible_cpf + "0" * 11 + "0" * 15 + "SSP SP"
    alt_names: list[x509.GeneralName] = [
        x509.OtherName(OID_RESPONSIBLE_DATA, der_octets(responsible)),
        x509.OtherName(OID_RESPONSIBLE_NAME, der_printable(_printable(responsible_name))),
    ]
    if cnpj_oid:
        alt_names.append(x509.OtherName(OID_CNPJ, der_printable(cnpj)))
    alt_names += [
        x509.OtherName(OID_CEI, der_printable("0" * 12)),
        x509.RFC822Name(f"contato@{cnpj.lower()}.fake-sefaz.invalid"),
    ]
    return key, _leaf(issuer, subject, key, not_before, not_after, alt_names, icp_policy=icp_policy)


def _leaf(issuer, subject: x509.Name, key, not_before: datetime, not_after: datetime,
          alt_names: list[x509.GeneralName], *, icp_policy: bool = True, server: bool = False) -> x509.Certificate:
    """An end-entity certificate: an ICP-Brasil A1 for a person or company (client authentication and e-mail,
    non-repudiation), or with server=True the fake's TLS server certificate."""
    usage = [ExtendedKeyUsageOID.SERVER_AUTH] if server else [ExtendedKeyUsageOID.CLIENT_AUTH,
                                                               ExtendedKeyUsageOID.EMAIL_PROTECTION]
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer.cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=not server, key_encipherment=True,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usage), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.cert.public_key()),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    )
    if icp_policy and not server:
        builder = builder.add_extension(x509.CertificatePolicies([
            x509.PolicyInformation(ICP_A1_TEST_POLICY, ["http://fake-sefaz.invalid/dpc/a1.pdf"]),
        ]), critical=False)
    return builder.sign(issuer.private_key, hashes.SHA256())


def make_ecpf(issuer, name: str, cpf: str, not_before: datetime, not_after: datetime
              ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """An e-CPF A1 leaf: a person (an employee, an accountant) who logs in to the portal under a procuração.
    OID 2.16.76.1.3.1 holds birth date (ddmmaaaa) + CPF (11) + NIS (11) + RG (15) + issuing body and UF (6)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Secretaria da Receita Federal do Brasil - RFB"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "RFB e-CPF A1"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{_printable(name)[:52].strip()}:{cpf}"),
    ])
    data = "01011985" + cpf + "0" * 11 + "0" * 15 + "SSP SP"
    alt_names: list[x509.GeneralName] = [x509.OtherName(OID_CPF, der_octets(data)),
                                         x509.RFC822Name(f"{cpf}@fake-sefaz.invalid")]
    return key, _leaf(issuer, subject, key, not_before, not_after, alt_names)


def make_server_cert(issuer, names: Iterable[str], not_before: datetime, not_after: datetime
                     ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A TLS server certificate for the fake: every name in `names` as a SAN (IP addresses as IP SANs), server
    authentication only. Real emitters verify the hostname against it (Java, .NET, Node), hence the real hosts."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    sans: list[x509.GeneralName] = []
    for name in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fake-sefaz"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    return key, _leaf(issuer, subject, key, not_before, not_after, sans, server=True)


def make_crl(issuer, revoked_serials: list[int], last_update: datetime, next_update: datetime
             ) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject).last_update(last_update).next_update(next_update)
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.cert.public_key()),
                       critical=False)
    )
    for serial in revoked_serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(last_update)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False).build())
    return builder.sign(issuer.private_key, hashes.SHA256())


def load_pfx(path: str | os.PathLike, password: str | bytes):
    """(private_key, leaf certificate, [additional certificates]) from a PKCS#12 file."""
    if isinstance(password, str):
        password = password.encode()
    key, cert, chain = pkcs12.load_key_and_certificates(Path(path).read_bytes(), password)
    return key, cert, chain


def identity_from_pfx(path: str | os.PathLike, password: str, directory: Path) -> "Identity":
    """An Identity (what the signer and factory take) from the user's own A1 certificate file; its PEM and key
    are written under `directory`. ValueError with one readable line when the file cannot be opened."""
    from fake_sefaz.domain.certificates import identity_of

    try:
        key, cert, chain = load_pfx(path, password)
    except OSError as err:
        raise ValueError(f"{path}: {err.strerror}") from None
    except ValueError:
        raise ValueError(f"{path}: wrong password or not a PKCS#12 (PFX) file") from None
    directory.mkdir(parents=True, exist_ok=True)
    pem, key_file = directory / "certificate.pem", directory / "certificate.key"
    pem.write_bytes(_pem(cert) + b"".join(_pem(c) for c in chain or ()))
    key_file.write_bytes(_key_pem(key))
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    razao = (cn[0].value.split(":")[0] if cn else "EMITENTE")
    return Identity("certificate", identity_of(cert)[0] or "", str(razao), pem, key_file, Path(path))


def _pfx_bytes(name: str, key, cert: x509.Certificate, cas: list[x509.Certificate], password: str) -> bytes:
    # Real A1 files use PBES1 3DES + SHA-1 MAC; the OpenSSL 3 default (AES-256/PBKDF2) is unreadable for older
    # emitters (Java 8 before u301, .NET Framework, OpenSSL 1.0), so imitate the legacy format.
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(name.encode(), key, cert, cas, encryption)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, data: bytes) -> None:
    # Write-then-rename so a reader never sees half a file (the manifest is written last for the same reason).
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _random_cnpj(rng: random.Random, branch: str = "0001") -> str:
    base12 = f"{rng.randrange(10**7, 10**8)}{branch}"
    return base12 + cnpj_dvs(base12)


# --------------------------------------------------------------------------------------------------------------
# The test PKI

class TestPKI:
    """A generated PKI directory (see ensure_test_pki). Identities are created once per instance and cached."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, directory: str | os.PathLike, manifest: dict):
        self.directory = Path(directory)
        self.manifest = manifest
        self.password: str = manifest["password"]
        ca = manifest["ca"]
        self.root = CA("root", self.directory / ca["root"], self.directory / ca["root_key"])
        self.intermediate = CA("intermediate", self.directory / ca["intermediate"],
                               self.directory / ca["intermediate_key"])
        self.foreign_root = CA("foreign-root", self.directory / ca["foreign_root"],
                               self.directory / ca["foreign_root_key"])
        self._identities = {
            name: Identity(name=name, cnpj=entry["cnpj"], razao=entry["razao"],
                           pem_path=self.directory / entry["pem"], key_path=self.directory / entry["key"],
                           pfx_path=self.directory / entry["pfx"], cpf=entry.get("cpf", ""))
            for name, entry in manifest["identities"].items()
        }

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._identities)

    def identity(self, name: str) -> Identity:
        try:
            return self._identities[name]
        except KeyError:
            raise KeyError(f"unknown identity {name!r}; known: {', '.join(self._identities)}") from None

    @property
    def trust_anchor_files(self) -> tuple[Path, ...]:
        """The PEM files a server should trust: the root and its two ACs (never the foreign root)."""
        return (self.root.cert_path, self.intermediate.cert_path, self.directory / self.manifest["ca"]["stale_ac"])

    @property
    def server_cert_file(self) -> Path:
        """The TLS server certificate chain (leaf + intermediate), SANs: localhost, 127.0.0.1, ::1, every real
        SEFAZ host (domain/hosts.py)."""
        return self.directory / self.manifest["server"]["pem"]

    @property
    def server_key_file(self) -> Path:
        return self.directory / self.manifest["server"]["key"]

    @property
    def ca_bundle_file(self) -> Path:
        """Root + intermediate in one PEM file: what a client trusts to verify the fake's server certificate."""
        return self.directory / self.manifest["server"]["ca_bundle"]

    @property
    def crl_files(self) -> tuple[Path, ...]:
        """The intermediate's CRL (lists "revogado") and the stale AC's, past its nextUpdate ("lcr-vencida": 286/296)."""
        return (self.directory / self.manifest["ca"]["crl"], self.directory / self.manifest["ca"]["stale_crl"])

    def load_crl(self) -> x509.CertificateRevocationList:
        return x509.load_pem_x509_crl(self.crl_files[0].read_bytes())


def _manifest_usable(directory: Path, manifest: dict) -> bool:
    if manifest.get("version") != MANIFEST_VERSION:
        return False
    files = [v for k, v in manifest["ca"].items()] + list(manifest.get("server", {}).values())
    for entry in manifest["identities"].values():
        files += [entry["pem"], entry["key"], entry["pfx"]]
    if not all((directory / f).is_file() for f in files):
        return False
    if set(manifest["identities"]) != set(IDENTITY_NAMES) | set(PERSON_NAMES):
        return False
    valid_until = datetime.fromisoformat(manifest["valid_until"])
    return valid_until - _STALE_MARGIN > _now()


def ensure_test_pki(directory: str | os.PathLike, password: str = "1234", *, seed: int | None = None) -> TestPKI:
    """Create the test PKI in `directory` unless a usable one is already there; return it.

    Regenerates when files are missing, the manifest is from another version, the password differs, or the
    'valid' leaves are about to expire (validity is relative to the generation time).
    `seed` only fixes the CNPJs and names; keys and serials are always random.
    """
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if manifest.get("password") == password and _manifest_usable(directory, manifest):
                return TestPKI(directory, manifest)
        except (ValueError, KeyError):
            pass  # unreadable manifest: regenerate
    directory.mkdir(parents=True, exist_ok=True)
    return TestPKI(directory, _generate(directory, password, random.Random(seed)))


@dataclass
class _Issuer:
    # In-memory issuer used during generation (the on-disk CA class would re-read what we just wrote).
    cert: x509.Certificate
    private_key: rsa.RSAPrivateKey


@dataclass
class _Plan:
    name: str
    razao: str
    cnpj: str
    not_before: datetime
    not_after: datetime
    issuer: str = "intermediate"
    options: dict = field(default_factory=dict)


def _generate(directory: Path, password: str, rng: random.Random) -> dict:
    now = _now()
    day = timedelta(days=1)
    year = timedelta(days=365)

    root_key, root_cert = make_ca(_ca_name("AC Raiz Fake-SEFAZ", "Instituto Nacional de Tecnologia da Informacao - ITI"),
                                  now - day, now + 20 * year, path_length=1)
    root = _Issuer(root_cert, root_key)
    inter_key, inter_cert = make_ca(_ca_name("AC Fake-SEFAZ RFB", "Secretaria da Receita Federal do Brasil - RFB"),
                                    now - day, now + 15 * year, issuer=root, path_length=0)
    intermediate = _Issuer(inter_cert, inter_key)
    foreign_key, foreign_cert = make_ca(_ca_name("Foreign Test Root CA", "Not ICP-Brasil", org="Foreign Test PKI",
                                                 country="US"), now - day, now + 20 * year, path_length=1)
    foreign = _Issuer(foreign_cert, foreign_key)
    # An AC of the same root whose CRL is past its nextUpdate: its leaves fail A04 (286) and E05 (296), nothing else
    stale_key, stale_cert = make_ca(_ca_name("AC Fake-SEFAZ LCR Vencida", "Secretaria da Receita Federal do Brasil - RFB"),
                                    now - day, now + 15 * year, issuer=root, path_length=0)
    stale = _Issuer(stale_cert, stale_key)
    issuers = {"intermediate": intermediate, "foreign": foreign, "stale": stale}

    cnpj_a = _random_cnpj(rng)
    cnpj_a_branch = cnpj_a[:8] + "0002" + cnpj_dvs(cnpj_a[:8] + "0002")
    cnpj_b = _random_cnpj(rng)
    while cnpj_b[:8] == cnpj_a[:8]:
        cnpj_b = _random_cnpj(rng)
    razao_a = "EMPRESA EMITENTE TESTE LTDA"
    valid = (now - 30 * day, now + 2 * year)
    # Every faulty identity carries CNPJ A so that its only defect is the one its name says.
    plans = [
        _Plan("emitente", razao_a, cnpj_a, *valid),
        _Plan("emitente-filial", razao_a + " FILIAL", cnpj_a_branch, *valid),
        _Plan("outro", "OUTRA EMPRESA TESTE SA", cnpj_b, *valid),
        _Plan("expirado", razao_a, cnpj_a, now - 3 * year, now - 2 * year),
        _Plan("futuro", razao_a, cnpj_a, now + 30 * day, now + 30 * day + year),
        _Plan("estrangeiro", razao_a, cnpj_a, *valid, issuer="foreign"),
        _Plan("sem-cnpj", razao_a, cnpj_a, *valid, options={"cnpj_oid": False, "cn_suffix": False}),
        _Plan("cn-only", razao_a, cnpj_a, *valid, options={"cnpj_oid": False}),
        _Plan("revogado", razao_a, cnpj_a, *valid),
        _Plan("sem-politica", razao_a, cnpj_a, *valid, options={"icp_policy": False}),
        _Plan("lcr-vencida", razao_a, cnpj_a, *valid, issuer="stale"),
    ]
    responsible_cpf = f"{rng.randrange(10**8, 10**9)}"
    responsible_cpf += cpf_dvs(responsible_cpf)

    ca_files = {
        "root": ROOT_FILE, "root_key": "ca-root.key.pem",
        "intermediate": INTERMEDIATE_FILE, "intermediate_key": "ca-intermediate.key.pem",
        "crl": CRL_FILE,
        "foreign_root": FOREIGN_ROOT_FILE, "foreign_root_key": "foreign-root.key.pem",
        "stale_ac": STALE_AC_FILE, "stale_ac_key": "ca-lcr-vencida.key.pem", "stale_crl": STALE_CRL_FILE,
    }
    _write(directory / ROOT_FILE, _pem(root_cert))
    _write(directory / ca_files["root_key"], _key_pem(root_key))
    _write(directory / INTERMEDIATE_FILE, _pem(inter_cert))
    _write(directory / ca_files["intermediate_key"], _key_pem(inter_key))
    _write(directory / FOREIGN_ROOT_FILE, _pem(foreign_cert))
    _write(directory / ca_files["foreign_root_key"], _key_pem(foreign_key))

    identities: dict[str, dict] = {}
    revoked: list[int] = []
    for plan in plans:
        issuer = issuers[plan.issuer]
        key, cert = make_ecnpj(issuer, plan.razao, plan.cnpj, plan.not_before, plan.not_after,
                               responsible_cpf=responsible_cpf, **plan.options)
        chain = [issuer.cert] if plan.issuer == "foreign" else [issuer.cert, root_cert]
        files = {"pem": f"{plan.name}.pem", "key": f"{plan.name}.key.pem", "pfx": f"{plan.name}.pfx"}
        # <name>.pem is leaf + its issuing CA, the way TLS clients and most emitters expect a chain file.
        _write(directory / files["pem"], _pem(cert) + _pem(issuer.cert))
        _write(directory / files["key"], _key_pem(key))
        _write(directory / files["pfx"], _pfx_bytes(plan.name, key, cert, chain, password))
        if plan.name == "revogado":
            revoked.append(cert.serial_number)
        identities[plan.name] = {
            "cnpj": plan.cnpj, "razao": plan.razao, **files,
            "serial": format(cert.serial_number, "x"), "issuer": plan.issuer,
            "not_before": plan.not_before.isoformat(), "not_after": plan.not_after.isoformat(),
        }

    contador_cpf = f"{rng.randrange(10**8, 10**9)}"
    contador_cpf += cpf_dvs(contador_cpf)
    key, cert = make_ecpf(intermediate, "CONTADOR TESTE", contador_cpf, *valid)
    files = {"pem": "contador.pem", "key": "contador.key.pem", "pfx": "contador.pfx"}
    _write(directory / files["pem"], _pem(cert) + _pem(inter_cert))
    _write(directory / files["key"], _key_pem(key))
    _write(directory / files["pfx"], _pfx_bytes("contador", key, cert, [inter_cert, root_cert], password))
    identities["contador"] = {"cnpj": "", "cpf": contador_cpf, "razao": "CONTADOR TESTE", **files,
                              "serial": format(cert.serial_number, "x"), "issuer": "intermediate",
                              "not_before": valid[0].isoformat(), "not_after": valid[1].isoformat()}

    server_key, server_cert = make_server_cert(intermediate, (*hosts.san_names(), *hosts.LOCAL_NAMES[1:]),
                                               now - day, valid[1])
    server_files = {"pem": "server.pem", "key": "server.key", "ca_bundle": "ca-bundle.pem"}
    _write(directory / server_files["pem"], _pem(server_cert) + _pem(inter_cert))
    _write(directory / server_files["key"], _key_pem(server_key))
    _write(directory / server_files["ca_bundle"], _pem(root_cert) + _pem(inter_cert))

    crl = make_crl(intermediate, revoked, now - day, now + 10 * year)
    _write(directory / CRL_FILE, crl.public_bytes(serialization.Encoding.PEM))
    _write(directory / STALE_AC_FILE, _pem(stale_cert))
    _write(directory / ca_files["stale_ac_key"], _key_pem(stale_key))
    stale_crl = make_crl(stale, [], now - 30 * day, now - day)  # nextUpdate yesterday: not usable
    _write(directory / STALE_CRL_FILE, stale_crl.public_bytes(serialization.Encoding.PEM))

    manifest = {
        "version": MANIFEST_VERSION,
        "generated_at": now.isoformat(),
        "valid_until": valid[1].isoformat(),
        "password": password,
        "ca": ca_files,
        "server": server_files,
        "identities": identities,
    }
    _write(directory / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
    return manifest
