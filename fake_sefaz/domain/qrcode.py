"""NFC-e QR code (infNFeSupl/qrCode): build it as an emitter does, and read it back as the authorizer does.

Formulas (reference/sefaz-contract.md §5.4; Manual do DANFE NFC-e e QR Code v5.0; NT 2025.001 for version 3):

* v2 online  (tpEmis != 9): p = chave|2|tpAmb|cIdToken|hash
* v2 offline (tpEmis == 9): p = chave|2|tpAmb|dd|vNF|hex(digVal)|cIdToken|hash
  with cIdToken the CSC id WITHOUT leading zeros ("000010" -> "10", never "1"), dd the day of dhEmi,
  hex(digVal) the hexadecimal of the ASCII of the base64 DigestValue, and
  hash = upper(sha1(<everything before the hash, without its '|'> + CSC)).
* v3 online: p = chave|3|tpAmb (no CSC, no hash)
* v3 offline: p = chave|3|tpAmb|dd|vNF|tp_idDest|cDest|assinatura, with tp_idDest 1 CNPJ, 2 CPF, 3 foreign id
  (empty without a recipient) and assinatura the base64 RSA signature, with the issuer's certificate, of the
  preceding string. The digest follows sped-nfe's QRCode::get300 (Certificate::sign, SHA-1); the checker
  also accepts SHA-256 until the NT's choice is confirmed.

infNFeSupl sits between infNFe and Signature, outside the signed infNFe: an emitter signs first (the offline
v2 code needs the DigestValue), then inserts infNFeSupl, and the signature still verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from fake_sefaz.domain.xml import D, N

NFE_NS = N[1:-1]


def token_id_param(csc_id: str | int) -> str:
    """cIdToken as the QR code carries it: the integer, without leading zeros (int('000010') == 10)."""
    return str(int(str(csc_id)))


def v2_hash(data: str, csc: str) -> str:
    """The v2 hash: SHA-1 over the parameters (without the hash) followed by the CSC, upper-case hex."""
    return hashlib.sha1((data + csc).encode("utf-8")).hexdigest().upper()


def digval_hex(digest_value: str) -> str:
    return digest_value.encode("ascii").hex()


def _fields(nfe: etree._Element) -> dict[str, str]:
    inf = nfe.find(N + "infNFe")
    ide = inf.find(N + "ide")
    dest = inf.find(N + "dest")
    tp_dest, c_dest = "", ""
    if dest is not None:
        for tag, tp in (("CNPJ", "1"), ("CPF", "2"), ("idEstrangeiro", "3")):
            value = dest.findtext(N + tag)
            if value is not None:
                tp_dest, c_dest = tp, value if tp != "3" else ""
                break
    return {
        "key": inf.get("Id")[3:], "tpAmb": ide.findtext(N + "tpAmb"), "tpEmis": ide.findtext(N + "tpEmis"),
        "dd": ide.findtext(N + "dhEmi")[8:10], "vNF": inf.findtext(f"{N}total/{N}ICMSTot/{N}vNF"),
        "digVal": nfe.findtext(f"{D}Signature/{D}SignedInfo/{D}Reference/{D}DigestValue") or "",
        "tp_idDest": tp_dest, "cDest": c_dest,
    }


def build_v2(nfe: etree._Element, csc_id: str | int, csc: str, base_url: str) -> str:
    """The v2 QR code of a signed NFC-e (online or offline by its tpEmis)."""
    f = _fields(nfe)
    tid = token_id_param(csc_id)
    if f["tpEmis"] == "9":
        if not f["digVal"]:
            raise ValueError("an offline v2 QR code needs the DigestValue: sign the NFC-e first")
        data = f"{f['key']}|2|{f['tpAmb']}|{f['dd']}|{f['vNF']}|{digval_hex(f['digVal'])}|{tid}"
    else:
        data = f"{f['key']}|2|{f['tpAmb']}|{tid}"
    return f"{base_url}?p={data}|{v2_hash(data, csc)}"


def build_v3(nfe: etree._Element, base_url: str, key_pem: bytes | None = None, digest: str = "sha1") -> str:
    """The v3 QR code: online has no secret; offline is signed with the issuer's private key (key_pem)."""
    f = _fields(nfe)
    if f["tpEmis"] != "9":
        return f"{base_url}?p={f['key']}|3|{f['tpAmb']}"
    if key_pem is None:
        raise ValueError("an offline v3 QR code is signed with the issuer's private key")
    data = f"{f['key']}|3|{f['tpAmb']}|{f['dd']}|{f['vNF']}|{f['tp_idDest']}|{f['cDest']}"
    key = serialization.load_pem_private_key(key_pem, password=None)
    algo = hashes.SHA1() if digest == "sha1" else hashes.SHA256()
    signature = key.sign(data.encode("utf-8"), padding.PKCS1v15(), algo)  # type: ignore[union-attr]
    return f"{base_url}?p={data}|{base64.b64encode(signature).decode()}"


def add_supl(nfe: etree._Element, qr_code: str, url_chave: str) -> etree._Element:
    """Insert infNFeSupl (qrCode, urlChave) after infNFe, before Signature; replaces an existing one."""
    old = nfe.find(N + "infNFeSupl")
    if old is not None:
        nfe.remove(old)
    supl = etree.Element(N + "infNFeSupl")
    etree.SubElement(supl, N + "qrCode").text = qr_code
    etree.SubElement(supl, N + "urlChave").text = url_chave
    nfe.find(N + "infNFe").addnext(supl)
    return nfe


# --- reading ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QrCode:
    """A QR code split as the rules read it. params are the '|' fields after 'p=' (v2/v3) in order."""

    text: str
    base_url: str
    version: str  # "2", "3" or "100"
    params: tuple[str, ...]
    query: dict[str, str]  # v1 only: chNFe, nVersao, ... (name=value pairs)

    @property
    def key(self) -> str:
        return self.query.get("chNFe", "") if self.version == "100" else self.params[0]

    @property
    def tpAmb(self) -> str:
        return self.query.get("tpAmb", "") if self.version == "100" else (self.params[2] if len(self.params) > 2 else "")

    @property
    def signed_data(self) -> str:
        """What the hash (v2) or the signature (v3 offline) covers: every parameter but the last."""
        return "|".join(self.params[:-1])


def parse(text: str) -> QrCode | None:
    """Split a qrCode; None when it has no '?' at all (the schema makes that rare)."""
    text = text.strip()
    if "?" not in text:
        return None
    base, _, query = text.partition("?")
    if query.startswith("p="):
        params = tuple(query[2:].split("|"))
        version = params[1] if len(params) > 1 else ""
        return QrCode(text, base, version, params, {})
    pairs = dict(p.partition("=")[::2] for p in query.replace("&amp;", "&").split("&"))
    return QrCode(text, base, pairs.get("nVersao", ""), (), pairs)


def same_money(a: str, b: str) -> bool:
    try:
        return Decimal(a) == Decimal(b)
    except InvalidOperation:
        return False


def verify_v3_signature(data: str, signature_b64: str, cert_der: bytes) -> bool:
    """Whether assinatura is an RSA PKCS#1 v1.5 signature of data by the certificate's key (SHA-1 or SHA-256)."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public = x509.load_der_x509_certificate(cert_der).public_key()
    except (binascii.Error, ValueError):
        return False
    if not isinstance(public, rsa.RSAPublicKey):
        return False
    for algo in (hashes.SHA1(), hashes.SHA256()):
        try:
            public.verify(signature, data.encode("utf-8"), padding.PKCS1v15(), algo)
            return True
        except InvalidSignature:
            continue
    return False
