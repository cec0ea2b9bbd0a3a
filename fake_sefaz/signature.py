"""XML-DSig verification in the SEFAZ profile (MOC 7.00 group F; reference/sefaz-contract.md §2.5).

The profile: <Signature xmlns="...xmldsig#"> enveloped in the signed element's parent, C14N 1.0
(20010315), RSA-SHA1, one Reference to '#'+Id of the signed child with exactly the transforms
[enveloped-signature, C14N 20010315], SHA-1 digest, the certificate in KeyInfo/X509Data.

Always verify a copy detached from the SOAP envelope: inclusive C14N would otherwise pull the envelope's
namespace declarations into the signed bytes (reference/perf-baseline.md §3, finding 3).
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass

import xmlsec
from lxml import etree

from .xml import D

C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


# Every Id attribute (without a namespace, like el.get("Id")) of the document: one per element at most, so
# counting the values equal to the target counts the elements. ~8 us in C against ~150 us for a Python walk
# (a predicate in the XPath, count(//*[@Id=$id]), is slower: libxml2 evaluates it node by node).
_ALL_IDS = etree.XPath("//@Id")


def _count_id(tree: etree._ElementTree, target_id: str) -> int:
    return sum(1 for value in _ALL_IDS(tree) if value == target_id)


@dataclass(frozen=True, slots=True)
class SignatureParts:
    signature: etree._Element
    cert_der: bytes
    digest_value: str


def profile_parts(parent: etree._Element, target: etree._Element) -> SignatureParts | None:
    """The signature of `target` if it follows the SEFAZ profile, else None (rule F01, cStat 298).

    Also guards against signature wrapping: the Reference must name the very element the rules read,
    and that Id must occur once in the document.
    """
    sig = parent.find(D + "Signature")
    if sig is None:
        return None
    si = sig.find(D + "SignedInfo")
    if si is None:
        return None
    if _alg(si, "CanonicalizationMethod") != C14N_10 or _alg(si, "SignatureMethod") != RSA_SHA1:
        return None
    refs = si.findall(D + "Reference")
    target_id = target.get("Id")
    if len(refs) != 1 or not target_id or refs[0].get("URI") != "#" + target_id:
        return None
    ref = refs[0]
    transforms = [t.get("Algorithm") for t in ref.iterfind(D + "Transforms/" + D + "Transform")]
    if transforms != [ENVELOPED, C14N_10] or _alg(ref, "DigestMethod") != SHA1:
        return None
    # One pass in C over the whole document (a Python walk cost ~150 us per 7 KB NF-e).
    if _count_id(parent.getroottree(), target_id) != 1:
        return None
    cert_b64 = sig.findtext(D + "KeyInfo/" + D + "X509Data/" + D + "X509Certificate")
    digest = ref.findtext(D + "DigestValue")
    if not cert_b64 or not digest:
        return None
    try:
        der = base64.b64decode("".join(cert_b64.split()), validate=True)
    except (binascii.Error, ValueError):
        der = b""  # undecodable certificate: the certificate rule (290) answers
    return SignatureParts(sig, der, digest.strip())


def _alg(parent: etree._Element, name: str) -> str | None:
    el = parent.find(D + name)
    return None if el is None else el.get("Algorithm")


def verify(parts: SignatureParts, target: etree._Element) -> bool:
    """True when digest and signature value verify with the embedded certificate (rule F02, cStat 297)."""
    try:
        key = xmlsec.Key.from_memory(parts.cert_der, xmlsec.constants.KeyDataFormatCertDer)
        ctx = xmlsec.SignatureContext()
        ctx.key = key
        ctx.register_id(target, "Id")
        ctx.verify(parts.signature)
        return True
    except (xmlsec.Error, xmlsec.VerificationError, xmlsec.InternalError):
        return False


class Verifier:
    """Rule F02 for one worker: like verify(), with the certificate's xmlsec key loaded once per DER.

    Loading the key from DER is ~15-20 % of an xmlsec verification; emitters sign thousands of documents with
    one certificate. The cache is bounded and per process (the Authorizer owns one).
    """

    def __init__(self, cache_size: int = 1024) -> None:
        self._key = functools.lru_cache(maxsize=cache_size)(self._load_key)

    @staticmethod
    def _load_key(der: bytes) -> "xmlsec.Key":
        return xmlsec.Key.from_memory(der, xmlsec.constants.KeyDataFormatCertDer)

    def verify(self, parts: SignatureParts, target: etree._Element) -> bool:
        try:
            key = self._key(parts.cert_der)
            ctx = xmlsec.SignatureContext()
            ctx.key = key  # xmlsec duplicates the key here, so the cached one is never modified
            ctx.register_id(target, "Id")
            ctx.verify(parts.signature)
            return True
        except (xmlsec.Error, xmlsec.VerificationError, xmlsec.InternalError):
            return False
