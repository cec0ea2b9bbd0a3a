"""Emitter-side XML-DSig in the SEFAZ profile (what a real ERP does before sending), using xmlsec.

Profile (xmldsig-core-schema_v1.01.xsd of the NF-e package): an unprefixed <Signature> appended as the last child
of the parent (NFe, evento, inutNFe), C14N 20010315, rsa-sha1, one Reference to "#<Id>" with exactly the
enveloped-signature and C14N transforms, sha1 digest, and only the leaf certificate in KeyInfo/X509Data.
"""

from __future__ import annotations

import xmlsec
from lxml import etree

from fake_sefaz.emitter.pki import Identity

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
NFE_NS = "http://www.portalfiscal.inf.br/nfe"
_DS = "{%s}" % DS_NS

# xmlsec wraps base64 at 64 columns by default; SEFAZ rejects any formatting character (cStat 588), so the
# line size must exceed the longest value we emit (a certificate is ~1.8 KB of base64).
_NO_WRAP = 1 << 20


class Signer:
    """Signs with one identity. The xmlsec key is built once, since loading the PEM key is the costly part."""

    def __init__(self, identity: Identity):
        self.identity = identity
        # Process-wide xmlsec setting; idempotent, and every signer in the process wants it.
        xmlsec.base64_default_line_size(_NO_WRAP)
        key = xmlsec.Key.from_memory(identity.key_pem, xmlsec.constants.KeyDataFormatPem)
        # Only the leaf goes into KeyInfo (the PEM file also holds the issuer), as SEFAZ emitters do.
        key.load_cert_from_memory(identity.cert_pem, xmlsec.constants.KeyDataFormatCertPem)
        self._key = key

    def sign(self, parent: etree._Element, target: etree._Element | None = None) -> etree._Element:
        """Append an enveloped signature of `target` (default: first child with an Id) to `parent`."""
        if target is None:
            target = next((child for child in parent if child.get("Id")), None)
            if target is None:
                raise ValueError(f"{parent.tag} has no child with an Id attribute to sign")
        ref_id = target.get("Id")
        if not ref_id:
            raise ValueError("the signed element needs an Id attribute")
        if parent.find(_DS + "Signature") is not None:
            raise ValueError(f"{parent.tag} is already signed")

        signature = xmlsec.template.create(parent, xmlsec.constants.TransformInclC14N,
                                           xmlsec.constants.TransformRsaSha1)
        parent.append(signature)
        reference = xmlsec.template.add_reference(signature, xmlsec.constants.TransformSha1, uri="#" + ref_id)
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformInclC14N)
        key_info = xmlsec.template.ensure_key_info(signature)
        xmlsec.template.x509_data_add_certificate(xmlsec.template.add_x509_data(key_info))
        # The template carries "\n" text nodes; SignedInfo is signed as it is, so they must go before signing.
        _strip_whitespace(signature)

        ctx = xmlsec.SignatureContext()
        ctx.key = self._key
        # Id is not declared by a DTD, so xmlsec cannot resolve "#NFe..." unless told which attribute is an ID.
        ctx.register_id(target, "Id")
        ctx.sign(signature)
        # xmlsec ends X509Certificate with "\n" whatever the line size. SignatureValue and KeyInfo are outside
        # SignedInfo, so trimming them afterwards keeps the signature valid (SignedInfo must stay untouched).
        for node in signature:
            if node.tail is not None and not node.tail.strip():
                node.tail = None
            if node.tag != _DS + "SignedInfo":
                _strip_whitespace(node)
        # Nodes made by xmlsec's C template code have names outside the document's libxml2 dictionary, and
        # lxml's find()/iterfind() compare names by dictionary pointer, so some of them (e.g. Transform) are
        # invisible to find(). A reparsed copy of the Signature behaves like any parsed XML.
        parent.replace(signature, etree.fromstring(etree.tostring(signature)))
        return parent

    def sign_nfe(self, nfe: etree._Element) -> etree._Element:
        inf = nfe.find(f"{{{NFE_NS}}}infNFe")
        if inf is None:
            raise ValueError("NFe without infNFe")
        return self.sign(nfe, inf)


def _strip_whitespace(element: etree._Element) -> None:
    for node in element.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        elif node.text is not None and node.text != node.text.strip():
            node.text = node.text.strip()
        if node is not element and node.tail is not None and not node.tail.strip():
            node.tail = None


def digest_value(parent: etree._Element) -> str:
    """DigestValue of the signature appended to `parent` (an NFe, evento...)."""
    value = parent.findtext(f"{_DS}Signature/{_DS}SignedInfo/{_DS}Reference/{_DS}DigestValue")
    if value is None:
        raise ValueError(f"{parent.tag} is not signed")
    return value
