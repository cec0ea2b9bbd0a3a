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
import hashlib
from dataclasses import dataclass

import xmlsec
from lxml import etree

from fake_sefaz.domain.xml import ALL_IDS, D

C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


def _count_id(tree: etree._ElementTree, target_id: str) -> int:
    # Each element has one Id at most, so counting the values equal to the target counts the elements.
    return sum(1 for value in ALL_IDS(tree.getroot()) if value == target_id)


@dataclass(frozen=True, slots=True)
class SignatureParts:
    signature: etree._Element
    cert_der: bytes
    digest_value: str


def profile_parts(parent: etree._Element, target: etree._Element,
                  cert_der: bytes | None = None) -> SignatureParts | None:
    """The signature of `target` if it follows the SEFAZ profile, else None (rule F01, cStat 298).

    Also guards against signature wrapping: the Reference must name the very element the rules read,
    and that Id must occur once in the document. cert_der: the certificate as the certificate rules already
    decoded it (group E runs first), else it is decoded here.
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
    if cert_der is not None:  # already decoded by the certificate rules (rules/signature.py Signed.cert_der)
        return SignatureParts(sig, cert_der, digest.strip())
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


# --- The profile-specific verifier (issue 7): lxml C14N + hashlib + cryptography -------------------------------

_XML_ATTR = "{http://www.w3.org/XML/1998/namespace}"
_SIGNATURE_CHILDREN = (D + "SignedInfo", D + "SignatureValue", D + "KeyInfo")
_SIGNED_INFO_CHILDREN = (D + "CanonicalizationMethod", D + "SignatureMethod", D + "Reference")
_REFERENCE_CHILDREN = (D + "Transforms", D + "DigestMethod", D + "DigestValue")
_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _strict_b64(text: str | None) -> bytes | None:
    """Base64 without any whitespace or stray character, else None (the caller then lets xmlsec decide)."""
    if not text or not text.isascii():
        return None
    raw = text.encode("ascii")
    if not _B64.issuperset(raw):
        return None
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None


DSIG = "http://www.w3.org/2000/09/xmldsig#"
_SIGNATURE_OPEN = b'<Signature xmlns="' + DSIG.encode() + b'"><SignedInfo'


def _c14n_cuts(target: etree._Element, signed_info: etree._Element) -> tuple[bytes | None, bytes | None]:
    """(C14N of `target`, C14N of `signed_info`), both cut out of ONE C14N of the whole document; either is None when
    off the shape its cut is exact for (the caller then canonicalizes it alone).

    SignedInfo's cut: when the document's root holds exactly [target, Signature] (no text between), the Signature
    has no attribute and only its default namespace (xmldsig) in scope, the root's C14N ends with the target's span,
    then '<Signature xmlns="...xmldsig#"><SignedInfo'. SignedInfo as apex renders that same default namespace on
    itself (the root's one is overridden) and its descendants exactly as in the document, so its C14N is its span
    with the declaration moved onto it - the same argument as for the target (_c14n_from_root). The fast path only
    ever accepts with these bytes: a wrong cut would fail the RSA check and xmlsec would decide (FastVerifier)."""
    full, span_end = _c14n_document(target)
    if full is None:
        return None, None
    target_c14n = _cut_target(target, full)
    sig = signed_info.getparent()
    root = target.getparent()
    si_c14n = None
    if (target_c14n is not None and sig is not None and sig.getparent() is root and len(root) == 2
            and root[1] is sig and not sig.attrib and sig.nsmap == {None: DSIG} and signed_info.prefix is None
            and not (target.tail or sig.tail or sig.text) and len(sig) and sig[0] is signed_info):
        end = span_end(target_c14n)
        if full.startswith(_SIGNATURE_OPEN, end):
            start = end + len(_SIGNATURE_OPEN) - len(b"<SignedInfo")
            close = full.find(b"</SignedInfo>", start)
            if close > 0:
                span = full[start:close + len(b"</SignedInfo>")]
                si_c14n = b"<SignedInfo" + b' xmlns="' + DSIG.encode() + b'"' + span[len(b"<SignedInfo"):]
    return target_c14n, si_c14n


def _c14n_document(target: etree._Element):
    """The C14N of target's whole document when target is the root's first child, and a function giving the offset
    just after target's span in it; (None, None) otherwise."""
    root = target.getparent()
    if root is None or root.getparent() is not None or len(root) == 0 or root[0] is not target:
        return None, None
    if root.getprevious() is not None or root.getnext() is not None:
        return None, None
    full = etree.tostring(root.getroottree(), method="c14n", exclusive=False, with_comments=False)
    ns = etree.QName(target).namespace or ""
    declaration = b' xmlns="' + ns.encode() + b'"'

    def span_end(target_c14n: bytes) -> int:
        # the root's start tag, then the target's span (its C14N without the declaration moved onto it)
        start = full.find(b"<", 1)
        return start + len(target_c14n) - len(declaration)

    return full, span_end


def _cut_target(target: etree._Element, full: bytes) -> bytes | None:
    root = target.getparent()
    qname = etree.QName(target)
    ns = qname.namespace
    if ns is None or target.prefix is not None or root.nsmap != {None: ns} or target.nsmap != {None: ns}:
        return None
    declaration = b' xmlns="' + ns.encode() + b'"'
    if not full.startswith(b"<" + etree.QName(root).localname.encode() + declaration):
        return None  # e.g. a namespace name C14N had to escape
    name = qname.localname.encode()
    opening = b"<" + name
    start = full.find(b"<", 1)
    if start < 0 or full[start:start + len(opening) + 1] not in (opening + b" ", opening + b">"):
        return None
    closing = b"</" + name + b">"
    end = full.find(closing, start)
    if end < 0:
        return None
    span = full[start:end + len(closing)]
    if span.count(opening + b" ") + span.count(opening + b">") != 1:
        return None
    return opening + declaration + span[len(opening):]


def _c14n_from_root(target: etree._Element) -> bytes | None:
    """The inclusive C14N 1.0 of `target`, cut out of the C14N of its whole document; None when the shape is not
    the one this cut is exact for (the caller then takes the serialization round trip).

    Half the cost of the round trip (serialize, parse, canonicalize ~6 KB of infNFe): the document is
    canonicalized once, in C, and the signed element is its first child. The cut is exact when the parent is the
    document's root, the signed element is its very first child node, and both have only the default namespace
    of the signed element in scope: then the C14N of the element as apex (XML-DSig same-document reference,
    inclusive C14N: every in-scope namespace is rendered on the apex) differs from its span in the document's
    C14N only by that one xmlns declaration, which the root rendered instead; the descendants see the same
    rendered namespaces either way. Text and attribute values never hold a literal '<' in C14N, so the first
    '<' after the root's start tag opens the signed element; a second start tag of the same name inside the
    span (nested element) makes it fall back, so the first matching end tag is the element's own.
    """
    full, _ = _c14n_document(target)
    return None if full is None else _cut_target(target, full)


class FastVerifier(Verifier):
    """Rule F02 computed the way the SEFAZ profile pins it: SHA-1 of the inclusive C14N 1.0 of the signed element,
    RSA-SHA1 (PKCS#1 v1.5) over the inclusive C14N 1.0 of SignedInfo. About twice as fast as xmlsec, whose node-set
    C14N of the enveloped-signature transform dominates its cost (reference/perf-baseline.md §3).

    It only takes the fast path on the exact shape the profile allows: Signature = SignedInfo, SignatureValue,
    KeyInfo; SignedInfo = CanonicalizationMethod, SignatureMethod, Reference; Reference (URI only) = Transforms
    (two empty Transform), DigestMethod, DigestValue; no text, comment or PI anywhere in SignedInfo but the digest;
    base64 values without whitespace; an RSA key; no xml:* attribute on an ancestor (inclusive C14N would inherit
    it, a serialization round trip would not). On anything else xmlsec decides, so the fast path never answers
    a case it was not built for. tests/test_fast_verifier.py checks it against xmlsec on every test vector and on
    generated tamperings.

    C14N traps (perf-baseline.md §3 findings 1, 3, 4): lxml's C14N of a non-root element emits spurious xmlns=""
    on grandchildren of a default-namespace element. So the signed element is cut out of its whole document's
    C14N when it is the root's first child (_c14n_from_root, the NF-e, event and voiding shape), and any other
    element is first made a document root by a serialization round trip (which carries every in-scope namespace
    declaration, as inclusive C14N does).
    Comments are excluded (same-document URI plus C14N without comments); the enveloped-signature transform is a
    no-op here because the Signature is a sibling of the signed element, never inside it (profile_parts).
    """

    def __init__(self, cache_size: int = 1024) -> None:
        super().__init__(cache_size)
        self._public_key = functools.lru_cache(maxsize=cache_size)(self._load_public_key)
        from fake_sefaz.domain.xml import Parsers

        self._parsers = Parsers()

    @staticmethod
    def _load_public_key(der: bytes):
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import rsa

        try:
            key = x509.load_der_x509_certificate(der).public_key()
        except (ValueError, TypeError):
            return None
        return key if isinstance(key, rsa.RSAPublicKey) else None

    def _c14n(self, element: etree._Element) -> bytes:
        root = self._parsers.parse(etree.tostring(element, with_tail=False))
        return etree.tostring(root, method="c14n", exclusive=False, with_comments=False)

    def _target_c14n(self, target: etree._Element) -> bytes:
        sliced = _c14n_from_root(target)
        if sliced is not None:
            return sliced
        # Off the cut's shape, the element is canonicalized alone; but xmlsec's enveloped-signature transform
        # walks the whole document, and refuses one that C14N refuses anywhere (a relative namespace URI in a
        # sibling of the signed element, say). Canonicalize the document first so such a one raises here too and
        # xmlsec decides (found by the differential test: a decoy twin holding `xmlns:x="relativo"`).
        etree.tostring(target.getroottree(), method="c14n", exclusive=False, with_comments=False)
        return self._c14n(target)

    def fast_verdict(self, parts: SignatureParts, target: etree._Element) -> bool | None:
        """True/False when the profile's exact shape allows computing it here; None to let xmlsec decide."""
        sig = parts.signature
        kids = list(sig)
        if tuple(k.tag for k in kids) != _SIGNATURE_CHILDREN or sig.text is not None:
            return None
        si, sv, _ = kids
        if si.tail is not None or sv.tail is not None or len(sv):
            return None
        si_kids = list(si)
        if tuple(k.tag for k in si_kids) != _SIGNED_INFO_CHILDREN:
            return None
        ref = si_kids[2]
        ref_kids = list(ref)
        if tuple(k.tag for k in ref_kids) != _REFERENCE_CHILDREN or set(ref.attrib) != {"URI"}:
            return None
        transforms, digest_method, digest_el = ref_kids
        if len(transforms) != 2 or any(t.tag != D + "Transform" or len(t) for t in transforms):
            return None
        if len(si_kids[0]) or len(si_kids[1]) or len(digest_method) or len(digest_el):
            return None
        for el in si.iter():
            if (el.text is not None and el is not digest_el) or (el.tail is not None and el is not si):
                return None
        node = target.getparent()
        while node is not None:
            if any(name.startswith(_XML_ATTR) for name in node.attrib):
                return None
            node = node.getparent()
        if sig.getparent() is not target.getparent():
            return None
        digest = _strict_b64(digest_el.text)
        value = _strict_b64(sv.text)
        key = self._public_key(parts.cert_der)
        if digest is None or value is None or key is None:
            return None

        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            signed_bytes, signed_info = _c14n_cuts(target, si)  # one C14N of the document for both
            if signed_bytes is None:
                signed_bytes = self._target_c14n(target)
            if signed_info is None:
                signed_info = self._c14n(si)
        except etree.C14NError:
            return None  # e.g. a relative namespace URI, which C14N 1.0 refuses: xmlsec decides (it refuses too)
        if hashlib.sha1(signed_bytes).digest() != digest:
            return False
        try:
            key.verify(value, signed_info, padding.PKCS1v15(), hashes.SHA1())
        except (InvalidSignature, ValueError):
            return False
        return True

    def verify(self, parts: SignatureParts, target: etree._Element) -> bool:
        # Only a valid signature is decided here. A "no" (rare: 297 is an emitter bug) and any shape the fast
        # path was not built for go to xmlsec, so every rejection for the signature is xmlsec's own verdict and
        # a disagreement could only ever let a document through that the differential test failed to cover.
        if self.fast_verdict(parts, target):
            return True
        return super().verify(parts, target)


def make_verifier(name: str) -> Verifier:
    """The verifier a worker uses for rule F02: "fast" (default, see FastVerifier and decision 0008) or "xmlsec"."""
    if name == "xmlsec":
        return Verifier()
    if name == "fast":
        return FastVerifier()
    raise ValueError(f"signature_verifier must be 'xmlsec' or 'fast', not {name!r}")
