"""Differential test of the profile-specific verifier (signature_verifier = "fast") against xmlsec.

Issue 7: the fast verifier ships only if it agrees with xmlsec on every test vector and on generated tamperings.
Every case here is judged by both; the verdicts must be equal. Cases outside the exact profile shape go to xmlsec
inside FastVerifier, so the test also checks that the clean documents really take the fast path (otherwise the
agreement would be trivial).
"""

from __future__ import annotations

import base64
import copy
import re

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st, example
from lxml import etree

from fake_sefaz.domain import signature
from fake_sefaz.emitter.factory import NFeFactory
from fake_sefaz.emitter.pki import IDENTITY_NAMES
from fake_sefaz.emitter.signer import Signer
from fake_sefaz.domain.xml import Parsers

N = "{http://www.portalfiscal.inf.br/nfe}"
D = "{http://www.w3.org/2000/09/xmldsig#}"
NFE_NS = N[1:-1]
PARSERS = Parsers()


def judge(xml: bytes, detach: bool = True, envelope: bool = False):
    """(xmlsec verdict, fast verdict, fast path taken) for a serialized signed parent, as the server sees it."""
    if envelope:
        xml = (b'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>'
               b'<nfeDadosMsg xmlns="http://www.portalfiscal.inf.br/nfe/wsdl/NFeAutorizacao4">' + xml +
               b"</nfeDadosMsg></soap:Body></soap:Envelope>")
    root = PARSERS.parse(xml)
    parent = root if not envelope else next(el for el in root.iter() if el.find(D + "Signature") is not None)
    if detach:
        parent = copy.deepcopy(parent)
    target = next((c for c in parent if isinstance(c.tag, str) and c.get("Id")), None)
    if target is None:
        return None
    parts = signature.profile_parts(parent, target)
    if parts is None:
        return None  # F01 (298) answers before any verifier runs
    fast = signature.FastVerifier()
    reference = signature.verify(parts, target)
    # The fast path's own verdict, not FastVerifier.verify's (which hands every "no" to xmlsec): the comparison
    # must be able to fail in both directions.
    raw = fast.fast_verdict(parts, target)
    return reference, (fast.verify(parts, target) if raw is None else raw), raw is not None


@pytest.fixture(scope="module")
def signers(pki):
    return {name: Signer(pki.identity(name)) for name in IDENTITY_NAMES}


@pytest.fixture(scope="module")
def vectors(pki, signers):
    """Signed documents of every identity, NF-e and NFC-e, 1-5 items, and event/inutilização-shaped parents."""
    out = []
    for i, name in enumerate(IDENTITY_NAMES):
        ident = pki.identity(name)
        f = NFeFactory(seed=100 + i, cnpj=ident.cnpj, razao=ident.razao)
        out.append(signers[name].sign_nfe(f.build(n_items=1 + i % 5)))
        out.append(signers[name].sign_nfe(f.build_nfce(n_items=1 + (i + 2) % 3)))
    for root, child, extra in (("evento", "infEvento", "tpEvento"), ("inutNFe", "infInut", "xJust")):
        el = etree.Element(N + root, versao="1.00", nsmap={None: NFE_NS})
        inf = etree.SubElement(el, N + child, Id="ID" + "1" * 52)
        etree.SubElement(inf, N + "tpAmb").text = "2"
        etree.SubElement(inf, N + extra).text = "Teste de assinatura com acentuação: ção & <ok>"
        out.append(signers["emitente"].sign(el))
    return Vectors(etree.tostring(v) for v in out)


class Vectors(list):
    def __repr__(self) -> str:  # hypothesis prints arguments of failing cases: keep it short
        return f"<{len(self)} signed test vectors>"


def test_every_vector_verifies_on_the_fast_path_and_agrees(vectors):
    for xml in vectors:
        assert judge(xml) == (True, True, True)
        # Embedded in the envelope without detaching: inclusive C14N pulls the envelope's namespaces in; both fail.
        ref, fast, _ = judge(xml, detach=False, envelope=True)
        assert ref == fast is False


def test_the_signed_element_is_cut_out_of_its_document_c14n_exactly(vectors):
    """The cut (_c14n_from_root) is taken on every vector and equals the C14N of the element made a root; with
    the namespace redeclared on the element it is still exact; on shapes it was not built for it declines."""
    fast = signature.FastVerifier()
    for xml in vectors:
        for variant in (xml, re.sub(rb"<(infNFe|infEvento|infInut) ",
                                    rb'<\1 xmlns="http://www.portalfiscal.inf.br/nfe" ', xml, count=1)):
            root = copy.deepcopy(PARSERS.parse(variant))
            target = root[0]
            cut = signature._c14n_from_root(target)
            assert cut is not None and cut == fast._c14n(target)
            assert cut.startswith(b'<' + etree.QName(target).localname.encode() + b' xmlns="' + NFE_NS.encode())
        root = PARSERS.parse(xml)
        target = root[0]
        root.insert(0, etree.Comment("c"))
        assert signature._c14n_from_root(target) is None
        root.remove(root[0])
        etree.SubElement(target[0], target.tag).text = "x"
        assert signature._c14n_from_root(target) is None
        root.remove(target)
        root.insert(1, target)
        assert signature._c14n_from_root(target) is None


def test_signed_info_is_cut_out_of_the_same_c14n_exactly(vectors):
    """Issue 18: SignedInfo comes out of the one C14N of the document too (_c14n_cuts), equal to its C14N as apex,
    on every vector (NF-e, event, inutilização); a Signature with an attribute, an extra namespace or a sibling
    after it declines (the round trip is taken)."""
    fast = signature.FastVerifier()
    for xml in vectors:
        root = copy.deepcopy(PARSERS.parse(xml))
        target, si = root[0], root.find(D + "Signature/" + D + "SignedInfo")
        cut_target, cut_si = signature._c14n_cuts(target, si)
        assert cut_target == fast._c14n(target) and cut_si == fast._c14n(si)
        for change in ("attribute", "namespace", "sibling"):
            other = copy.deepcopy(PARSERS.parse(xml))
            sig = other.find(D + "Signature")
            if change == "attribute":
                sig.set("Id", "s1")
            elif change == "namespace":
                renamed = etree.fromstring(etree.tostring(sig).replace(b"<Signature ", b'<Signature xmlns:x="urn:x" ', 1))
                other.replace(sig, renamed)
                sig = renamed
            else:
                etree.SubElement(other, N + "extra")
            assert signature._c14n_cuts(other[0], sig.find(D + "SignedInfo"))[1] is None, change


def test_settings_choose_the_verifier(pki, tmp_path):
    from fake_sefaz.server.authorizer import Authorizer
    from fake_sefaz.server.settings import load_settings

    base = dict(database_url=f"sqlite:///{tmp_path}/db.sqlite", data_dir=str(tmp_path), certs_dir=str(pki.directory))
    assert type(Authorizer(load_settings(env={}, **base)).verifier) is signature.FastVerifier  # decision 0008
    a = Authorizer(load_settings(env={"FAKE_SEFAZ_SIGNATURE_VERIFIER": "xmlsec"}, **base))
    assert type(a.verifier) is signature.Verifier
    with pytest.raises(ValueError):
        Authorizer(load_settings(env={}, signature_verifier="signxml", **base))


def test_a_no_from_the_fast_path_is_decided_by_xmlsec(vectors):
    """FastVerifier only ever says yes on its own: a document it would call invalid is judged by xmlsec, so a
    297 always means xmlsec rejected the signature (decision 0008)."""
    root = PARSERS.parse(vectors[0])
    target = next(c for c in root if isinstance(c.tag, str) and c.get("Id"))
    parts = signature.profile_parts(root, target)

    class Pessimist(signature.FastVerifier):
        def fast_verdict(self, parts, target):
            return False

    assert Pessimist().verify(parts, target) is True  # xmlsec: the signature is valid
    sv = parts.signature.find(D + "SignatureValue")
    sv.text = _flip(sv.text, 5, B64)
    assert signature.FastVerifier().fast_verdict(parts, target) is False
    assert signature.FastVerifier().verify(parts, target) is False


# --- generated tamperings -------------------------------------------------------------------------------------------

def _texts(root, under):
    return [el for el in root.iter() if isinstance(el.tag, str) and el.text and el.tag.startswith(under)]


def _flip(s: str, i: int, alphabet: str) -> str:
    i %= len(s)
    c = alphabet[(alphabet.index(s[i]) + 1) % len(alphabet)] if s[i] in alphabet else alphabet[0]
    return s[:i] + c + s[i + 1:]


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def tree_edit(kind: str, n: int, other_cert: str):
    def edit(root):
        target = next(c for c in root if isinstance(c.tag, str) and c.get("Id"))
        sig = root.find(D + "Signature")
        inner = [el for el in target.iter() if isinstance(el.tag, str)]
        el = inner[n % len(inner)]
        if kind == "text":
            texts = [e for e in inner if e.text]
            t = texts[n % len(texts)]
            t.text = _flip(t.text, n // 7, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        elif kind == "attr":
            el.set("x", str(n))
        elif kind == "version":
            target.set("versao", "4.01")
        elif kind == "comment":
            el.insert(n % (len(el) + 1), etree.Comment("c"))
        elif kind == "pi":
            el.insert(n % (len(el) + 1), etree.ProcessingInstruction("pi", "x"))
        elif kind == "ns_root":
            root.set("{urn:p}a", "1")  # declares xmlns:ns0 on the parent
        elif kind == "ns_target":
            etree.SubElement(el, "{urn:q}y").text = "1"
        elif kind == "xml_lang_root":
            root.set("{http://www.w3.org/XML/1998/namespace}lang", "pt-BR")
        elif kind == "xml_lang_target":
            el.set("{http://www.w3.org/XML/1998/namespace}lang", "pt-BR")
        elif kind == "remove":
            if el is not target:
                el.getparent().remove(el)
        elif kind == "duplicate":
            if el is not target:
                el.addnext(copy.deepcopy(el))
        elif kind == "digest":
            dv = sig.find(f"{D}SignedInfo/{D}Reference/{D}DigestValue")
            dv.text = _flip(dv.text, n, B64)
        elif kind == "sigvalue":
            sv = sig.find(D + "SignatureValue")
            sv.text = _flip(sv.text, n, B64)
        elif kind == "sigvalue_ws":
            sv = sig.find(D + "SignatureValue")
            i = n % len(sv.text)
            sv.text = sv.text[:i] + "\n" + sv.text[i:]
        elif kind == "digest_ws":
            dv = sig.find(f"{D}SignedInfo/{D}Reference/{D}DigestValue")
            dv.text = " " + dv.text
        elif kind == "cert":
            sig.find(f"{D}KeyInfo/{D}X509Data/{D}X509Certificate").text = other_cert
        elif kind == "reorder":
            sig.insert(1, sig[2])
        elif kind == "signedinfo_tail":
            si = sig.find(D + "SignedInfo")
            si[n % len(si)].tail = "\n"
        elif kind == "signedinfo_attr":
            si = sig.find(D + "SignedInfo")
            si.set("Id", "si")
        elif kind == "reference_type":
            sig.find(f"{D}SignedInfo/{D}Reference").set("Type", "urn:x")
        elif kind == "move_signature_first":
            root.insert(0, sig)
        elif kind == "object":
            etree.SubElement(sig, D + "Object").text = "x"
        elif kind == "decoy_first":  # an unsigned twin of the signed element before it (the C14N cut's start)
            decoy = copy.deepcopy(target)
            del decoy.attrib["Id"]
            root.insert(0, decoy)
        elif kind == "nested_same_name":  # a same-name element inside the signed one (the C14N cut's end)
            nested = etree.SubElement(el, target.tag)
            nested.text = "x"
        elif kind == "comment_first":
            root.insert(0, etree.Comment("c"))
        elif kind == "root_text":
            root.text = " "
        elif kind == "truncate_sigvalue":
            sv = sig.find(D + "SignatureValue")
            sv.text = base64.b64encode(base64.b64decode(sv.text)[1:]).decode()
    return edit


def byte_edit(kind: str, n: int):
    def edit(xml: bytes) -> bytes:
        if kind == "single_quotes":
            return re.sub(rb'versao="([^"]*)"', rb"versao='\1'", xml, count=1)
        if kind == "char_ref":
            m = list(re.finditer(rb">([A-Z])", xml))
            if m:
                k = m[n % len(m)]
                return xml[:k.start(1)] + b"&#x%X;" % k.group(1)[0] + xml[k.end(1):]
            return xml
        if kind == "cdata":
            m = list(re.finditer(rb"<(xNome|xProd|natOp)>([^<]*)<", xml))
            if m:
                k = m[n % len(m)]
                return xml[:k.start(2)] + b"<![CDATA[" + k.group(2) + b"]]>" + xml[k.end(2):]
            return xml
        if kind == "ds_prefix":
            x = xml.replace(b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"',
                            b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"')
            head, sep, tail = x.partition(b"<ds:Signature")
            body, end, rest = tail.partition(b"</Signature>")
            body = re.sub(rb"<(/?)([A-Z][A-Za-z0-9]*)", rb"<\1ds:\2", body)
            return head + sep + body + (b"</ds:Signature>" if end else b"") + rest
        if kind == "crlf":
            return xml.replace(b"</natOp>", b"\r\n</natOp>", 1)
        if kind == "empty_tags":
            return re.sub(rb"<(Transform) ([^>]*)></Transform>", rb"<\1 \2/>", xml)
        if kind == "redundant_xmlns":  # the signed element redeclares the namespace it inherits
            return re.sub(rb"<(infNFe|infEvento|infInut) ", rb'<\1 xmlns="http://www.portalfiscal.inf.br/nfe" ', xml,
                          count=1)
        if kind == "relative_ns":  # C14N 1.0 refuses relative namespace URIs
            return re.sub(rb"<(ide|tpAmb)>", rb'<\1 xmlns:x="relativo">', xml, count=1)
        if kind == "attr_order":
            return xml.replace(b'<infNFe versao="4.00" Id="', b'<infNFe Id="', 1).replace(
                b'" ><ide>', b'"><ide>') if b'<infNFe versao="4.00" Id="' in xml else xml
        return xml
    return edit


TREE_KINDS = ["text", "attr", "version", "comment", "pi", "ns_root", "ns_target", "xml_lang_root", "xml_lang_target",
              "remove", "duplicate", "digest", "sigvalue", "sigvalue_ws", "digest_ws", "cert", "reorder",
              "signedinfo_tail", "signedinfo_attr", "reference_type", "move_signature_first", "object",
              "truncate_sigvalue", "decoy_first", "nested_same_name", "comment_first", "root_text"]
BYTE_KINDS = ["single_quotes", "char_ref", "cdata", "ds_prefix", "crlf", "empty_tags", "attr_order", "redundant_xmlns", "relative_ns"]
EDITS = st.lists(st.one_of(
    st.tuples(st.just("tree"), st.sampled_from(TREE_KINDS), st.integers(0, 10_000)),
    st.tuples(st.just("bytes"), st.sampled_from(BYTE_KINDS), st.integers(0, 10_000))), min_size=1, max_size=3)


@settings(max_examples=int(__import__("os").environ.get("FAST_VERIFIER_EXAMPLES", "500")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 10_000), edits=EDITS)
# Found by this test: a decoy twin first (the cut does not apply) holding a relative namespace URI, which
# xmlsec's document-wide transform refuses while the element's own C14N accepts it.
@example(which=0, edits=[("tree", "decoy_first", 0), ("bytes", "relative_ns", 0)])
def test_fast_verifier_agrees_with_xmlsec_on_tamperings(vectors, pki, which, edits):
    xml = vectors[which % len(vectors)]
    other = base64.b64encode(pki.identity("outro").cert_der).decode()
    for where, kind, n in edits:
        if where == "tree":
            try:
                root = etree.fromstring(xml)
            except etree.XMLSyntaxError:
                return
            tree_edit(kind, n, other)(root)
            xml = etree.tostring(root)
        else:
            xml = byte_edit(kind, n)(xml)
    try:
        verdicts = judge(xml)
    except etree.XMLSyntaxError:
        return
    if verdicts is None:
        event("profile rejects (298)")
        return
    reference, fast, fast_path = verdicts
    event(f"xmlsec={reference} fast_path={fast_path}")
    assert fast == reference, (edits, xml[:3000])
