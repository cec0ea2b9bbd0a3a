from __future__ import annotations

import base64
import copy
import hashlib

import pytest
import xmlsec
from lxml import etree

from fake_sefaz.emitter.signer import DS_NS, NFE_NS, Signer, digest_value

DS = "{%s}" % DS_NS
N = "{%s}" % NFE_NS


def test_signature_follows_sefaz_profile(signed, pki):
    signature = signed[-1]
    assert signature.tag == DS + "Signature"
    assert signature.prefix is None
    assert signed.getchildren()[0].tag == N + "infNFe"
    si = signature.find(DS + "SignedInfo")
    assert si.find(DS + "CanonicalizationMethod").get("Algorithm") == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    assert si.find(DS + "SignatureMethod").get("Algorithm") == "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
    refs = si.findall(DS + "Reference")
    assert [r.get("URI") for r in refs] == ["#" + signed.find(N + "infNFe").get("Id")]
    assert [t.get("Algorithm") for t in refs[0].iterfind(f"{DS}Transforms/{DS}Transform")] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    ]
    assert refs[0].find(DS + "DigestMethod").get("Algorithm") == "http://www.w3.org/2000/09/xmldsig#sha1"
    certs = signature.findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    assert len(certs) == 1
    assert base64.b64decode(certs[0].text) == pki.identity("emitente").cert_der


def test_no_formatting_characters(signed, find_whitespace):
    assert find_whitespace(signed) == []
    xml = etree.tostring(signed)
    assert b"\n" not in xml and b"\r" not in xml and b"\t" not in xml


def test_digest_value_is_sha1_of_canonical_infnfe(signed):
    inf = signed.find(N + "infNFe")
    # Re-rooting the element makes lxml's c14n carry the inherited default namespace correctly.
    canonical = etree.tostring(etree.fromstring(etree.tostring(inf)), method="c14n")
    assert digest_value(signed) == base64.b64encode(hashlib.sha1(canonical).digest()).decode()


def test_verifies_after_round_trip(signed, verify):
    verify(etree.tostring(signed, encoding="utf-8"))
    verify(etree.tostring(etree.fromstring(etree.tostring(signed)), encoding="utf-8", xml_declaration=True))


@pytest.mark.parametrize("path, value", [
    ("infNFe/total/ICMSTot/vNF", "0.01"),
    ("infNFe/emit/xNome", "OUTRA RAZAO"),
    ("infNFe/ide/nNF", "1"),
])
def test_tampered_infnfe_fails(signed, verify, path, value):
    el = signed.find("/".join(N + p for p in path.split("/")))
    el.text = value
    with pytest.raises(xmlsec.Error):
        verify(etree.tostring(signed))


def test_tampered_id_or_signature_fails(signed, verify):
    tampered = copy.deepcopy(signed)
    sig_value = tampered.find(f"{DS}Signature/{DS}SignatureValue")
    raw = bytearray(base64.b64decode(sig_value.text))
    raw[10] ^= 0xFF
    sig_value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(xmlsec.Error):
        verify(etree.tostring(tampered))
    # Adding a formatting character inside infNFe also changes the digest.
    spaced = copy.deepcopy(signed)
    spaced.find(N + "infNFe").find(N + "ide").tail = "\n"
    with pytest.raises(xmlsec.Error):
        verify(etree.tostring(spaced))


def test_default_target_and_other_parents(pki, verify):
    # An inutNFe-shaped parent: the first child carrying Id is the signed one.
    parent = etree.fromstring(
        f'<inutNFe xmlns="{NFE_NS}" versao="4.00"><infInut Id="ID35260000000000000000550010000000010000000010">'
        "<tpAmb>2</tpAmb></infInut></inutNFe>")
    Signer(pki.identity("outro")).sign(parent)
    uri = parent.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference").get("URI")
    assert uri == "#ID35260000000000000000550010000000010000000010"
    verify(etree.tostring(parent))


def test_refuses_double_signing_and_missing_id(signer, signed):
    with pytest.raises(ValueError):
        signer.sign_nfe(signed)
    with pytest.raises(ValueError):
        signer.sign(etree.fromstring(f'<evento xmlns="{NFE_NS}"><infEvento/></evento>'))
    with pytest.raises(ValueError):
        digest_value(etree.fromstring(f'<NFe xmlns="{NFE_NS}"/>'))


def test_signer_reuses_one_key(signer, factory, verify):
    docs = [signer.sign_nfe(factory.build()) for _ in range(3)]
    assert len({digest_value(d) for d in docs}) == 3
    for d in docs:
        verify(etree.tostring(d))


def test_libxml2_versions_match():
    assert xmlsec.get_libxml_version()[:2] == etree.LIBXML_VERSION[:2]
