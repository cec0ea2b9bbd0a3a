"""NFeAutorizacao4 over real HTTP: every cStat of the authorization path, one broken field at a time.

Each test builds a valid signed NF-e with the factory, breaks exactly one thing, sends it through the
real SOAP codec and checks the answer the MOC gives (cStat and text from the catalogue).
"""

from __future__ import annotations

import copy
import random
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from support.authz import N, assert_valid, field, inf, key_of, prot_of, rekey, setf
from fake_sefaz.domain import codes
from fake_sefaz.emitter.client import cons_sit_nfe
from fake_sefaz.emitter.signer import Signer


def expect(reply, cstat: int, suffix_contains: str = ""):
    assert reply.status == 200, reply.body
    assert reply.cStat == "104", reply.body.decode()
    got, motivo = prot_of(reply)
    assert got == str(cstat), reply.body.decode()
    assert motivo.startswith(codes.text(cstat)), motivo
    assert suffix_contains in motivo
    return motivo


# --- success, in every SOAP dialect ---------------------------------------------------------------------

def test_authorized_with_protocol_in_every_dialect(emitter, server):
    nfe = emitter.nfe()
    r = emitter.authorize(nfe)
    expect(r, 100)
    assert_valid(r, "retEnviNFe")
    p = r.result.find(N + "protNFe/" + N + "infProt")
    nProt = p.findtext(N + "nProt")
    year = datetime.now(timezone.utc).astimezone(timezone(timedelta(hours=-3))).year
    assert len(nProt) == 15 and nProt.startswith(f"135{year % 100:02d}")
    assert p.findtext(N + "chNFe") == key_of(nfe)
    assert p.findtext(N + "digVal") == nfe.findtext(
        "{http://www.w3.org/2000/09/xmldsig#}Signature/{http://www.w3.org/2000/09/xmldsig#}SignedInfo/"
        "{http://www.w3.org/2000/09/xmldsig#}Reference/{http://www.w3.org/2000/09/xmldsig#}DigestValue")
    assert p.findtext(N + "dhRecbto").endswith("-03:00")
    # answered in the SOAP version of the request
    ns = etree.fromstring(r.body).tag
    assert ns.startswith("{http://www.w3.org/2003/05/soap-envelope}" if emitter.client.version == 12
                         else "{http://schemas.xmlsoap.org/soap/envelope/}")


def test_asynchronous_lot_receipt_and_query(emitter, soap12):
    good1, good2 = emitter.nfe(), emitter.nfe()
    tampered = emitter.nfe()
    setf(tampered, "emit/xNome", "OUTRA RAZAO")  # after signing: 297
    r = emitter.send(good1, tampered, good2, sync=False)
    assert r.cStat == "103", r.body
    assert_valid(r, "retEnviNFe")
    nRec = r.result.findtext(N + "infRec/" + N + "nRec")
    assert len(nRec) == 15 and nRec.startswith("35")
    from fake_sefaz.emitter.client import cons_reci_nfe
    rr = soap12.call(cons_reci_nfe(2, nRec))
    assert rr.cStat == "104", rr.body
    assert_valid(rr, "retConsReciNFe")
    assert [prot_of(rr, i)[0] for i in range(3)] == ["100", "297", "100"]
    q = soap12.call(cons_sit_nfe(2, key_of(good2)))
    assert q.cStat == "100"
    assert_valid(q, "retConsSitNFe")
    assert q.result.find(N + "protNFe/" + N + "infProt").findtext(N + "nProt") == \
        rr.result.findall(N + "protNFe")[2].find(N + "infProt").findtext(N + "nProt")
    # the rejected one stored nothing
    assert soap12.call(cons_sit_nfe(2, key_of(tampered))).cStat == "217"


# --- lot rules -------------------------------------------------------------------------------------------

def test_764_sync_lot_with_two(emitter):
    r = emitter.send(emitter.nfe(), emitter.nfe(), sync=True)
    assert r.cStat == "764" and r.field("xMotivo") == codes.text(764)
    assert_valid(r, "retEnviNFe")


def test_214_data_area_over_500kb(emitter, fresh_factory, signer):
    nfes = [signer.sign_nfe(fresh_factory.build(n_items=12)) for _ in range(50)]
    size = sum(len(etree.tostring(n)) for n in nfes)
    assert size > 500 * 1024
    r = emitter.send(*nfes, sync=False)
    assert r.cStat == "214", r.body[:500]
    assert_valid(r, "retEnviNFe")


def test_225_lot_schema_names_the_path(emitter):
    nfe = emitter.nfe(sign=False)
    setf(nfe, "ide/natOp", "")  # TString minLength 1
    r = emitter.send(emitter.signer.sign_nfe(nfe))
    assert r.cStat == "225", r.body
    assert "[/enviNFe/NFe[1]/infNFe/ide/natOp: " in r.field("xMotivo"), r.field("xMotivo")
    assert_valid(r, "retEnviNFe")


def test_225_path_counts_positions_per_element_name(emitter):
    """The second note of a lot, its first item: NFe[2] and det[1], not their positions among all siblings."""
    ok, bad = emitter.nfe(), emitter.nfe(sign=False)
    setf(bad, "det/prod/xProd", "")  # TString minLength 1
    r = emitter.send(ok, emitter.signer.sign_nfe(bad))
    assert r.cStat == "225", r.body
    assert "[/enviNFe/NFe[2]/infNFe/det[1]/prod/xProd: " in r.field("xMotivo"), r.field("xMotivo")


def test_546_id_without_literal_nfe(emitter):
    nfe = emitter.nfe(sign=False)
    inf(nfe).set("Id", "NFX" + key_of(nfe))
    r = emitter.send(nfe)  # unsigned: the Id pattern fails first, refined to 546
    assert r.cStat == "546", r.body


def test_568_lot_without_versao(emitter):
    lot_nfe = emitter.nfe()
    from fake_sefaz.emitter.factory import wrap_lot
    lot = wrap_lot([lot_nfe], 1, 1)
    del lot.attrib["versao"]
    r = emitter.client.call(lot)
    assert r.cStat == "568", r.body


def test_239_unsupported_version(emitter):
    from fake_sefaz.emitter.factory import wrap_lot
    lot = wrap_lot([emitter.nfe()], 1, 1)
    lot.set("versao", "3.10")
    r = emitter.client.call(lot)
    assert r.cStat == "239", r.body


def test_588_edit_characters_in_the_lot(emitter):
    from fake_sefaz.emitter.factory import wrap_lot
    lot = wrap_lot([emitter.nfe()], 1, 1)
    lot.find(N + "idLote").tail = "\n  "
    r = emitter.client.call(lot)
    assert r.cStat == "588", r.body


def test_404_namespace_prefix(emitter):
    from fake_sefaz.emitter.factory import wrap_lot
    ns = b'xmlns="http://www.portalfiscal.inf.br/nfe"'
    body = etree.tostring(wrap_lot([emitter.nfe()], 1, 1))
    body = body.replace(b"<enviNFe " + ns, b'<nfe:enviNFe xmlns:nfe="http://www.portalfiscal.inf.br/nfe" ' + ns, 1)
    body = body.replace(b"</enviNFe>", b"</nfe:enviNFe>")
    r = emitter.client.call(body)
    assert r.cStat == "404", r.body


def test_587_foreign_namespace(emitter):
    from fake_sefaz.emitter.factory import wrap_lot
    body = etree.tostring(wrap_lot([emitter.nfe()], 1, 1))
    body = body.replace(b"<idLote>", b'<idLote xmlns="urn:outro">', 1)
    r = emitter.client.call(body)
    assert r.cStat == "587", r.body


# --- certificate (group E) and signature (group F) ---------------------------------------------------------

@pytest.mark.parametrize("identity,cstat", [
    ("expirado", 291), ("futuro", 291), ("sem-cnpj", 292), ("estrangeiro", 293), ("revogado", 294),
    ("sem-politica", 295), ("outro", 213),
])
def test_certificate_rules(emitter, pki, identity, cstat):
    r = emitter.authorize(emitter.nfe(signer=Signer(pki.identity(identity))))
    expect(r, cstat)


@pytest.mark.parametrize("identity", ["emitente-filial", "cn-only"])
def test_any_establishment_and_cn_suffix_may_sign(emitter, pki, identity):
    expect(emitter.authorize(emitter.nfe(signer=Signer(pki.identity(identity)))), 100)


def test_290_certificate_not_x509(emitter):
    nfe = emitter.nfe()
    nfe.find(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate").text = "QUJDREVGR0g="
    expect(emitter.authorize(nfe), 290)


def test_298_reference_not_to_the_infnfe(emitter):
    nfe = emitter.nfe()
    ref = nfe.find(".//{http://www.w3.org/2000/09/xmldsig#}Reference")
    ref.set("URI", "#NFe" + "1" * 44)
    expect(emitter.authorize(nfe), 298)


def test_297_content_changed_after_signing(emitter):
    nfe = emitter.nfe()
    setf(nfe, "ide/natOp", "OUTRA NATUREZA")
    expect(emitter.authorize(nfe), 297)


def test_297_signature_value_changed(emitter):
    nfe = emitter.nfe()
    sv = nfe.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureValue")
    sv.text = ("A" if sv.text[0] != "A" else "B") + sv.text[1:]
    expect(emitter.authorize(nfe), 297)


def test_297_relative_namespace_uri_cannot_be_canonicalized(emitter):
    """C14N 1.0 refuses a relative namespace URI (one the schema does not see: an unused declaration), so no
    signature over such an NF-e can be verified: 297, decided by xmlsec, never a 999 from the fast path."""
    nfe = etree.fromstring(etree.tostring(emitter.nfe()).replace(b"<ide>", b'<ide xmlns:x="relativo">', 1))
    expect(emitter.authorize(nfe), 297)


# --- environment, UF and access key ---------------------------------------------------------------------

def _signed_after(emitter, edit, **build):
    nfe = emitter.nfe(sign=False, **build)
    edit(nfe)
    return emitter.signer.sign_nfe(nfe)


def test_252_environment(emitter):
    expect(emitter.authorize(emitter.nfe(tpAmb=1)), 252)


def test_226_issuer_uf(emitter):
    expect(emitter.authorize(emitter.nfe(uf="RJ")), 226)


@pytest.mark.parametrize("cstat,edit", [
    (236, lambda nfe: (inf(nfe).set("Id", inf(nfe).get("Id")[:-1] + str((int(inf(nfe).get("Id")[-1]) + 1) % 10)),
                       setf(nfe, "ide/cDV", inf(nfe).get("Id")[-1]))),
    (614, lambda nfe: rekey(nfe, "99" + key_of(nfe)[2:43])),
    (615, lambda nfe: rekey(nfe, key_of(nfe)[:2] + "05" + key_of(nfe)[4:43])),
    (616, lambda nfe: rekey(nfe, key_of(nfe)[:4] + "13" + key_of(nfe)[6:43])),
    (617, lambda nfe: rekey(nfe, key_of(nfe)[:6] + "0" * 14 + key_of(nfe)[20:43])),
    (618, lambda nfe: rekey(nfe, key_of(nfe)[:20] + "57" + key_of(nfe)[22:43])),
    (619, lambda nfe: rekey(nfe, key_of(nfe)[:25] + "0" * 9 + key_of(nfe)[34:43])),
    (249, lambda nfe: rekey(nfe, "33" + key_of(nfe)[2:43])),
    (561, lambda nfe: rekey(nfe, key_of(nfe)[:4] + ("01" if key_of(nfe)[4:6] != "01" else "02") + key_of(nfe)[6:43])),
    (562, lambda nfe: rekey(nfe, key_of(nfe)[:35] + ("87654321" if key_of(nfe)[35:43] != "87654321" else "87654320"))),
    (502, lambda nfe: rekey(nfe, key_of(nfe)[:22] + "777" + key_of(nfe)[25:43])),
])
def test_access_key_rules(emitter, cstat, edit):
    motivo = expect(emitter.authorize(_signed_after(emitter, edit)), cstat)
    if cstat == 562:
        assert "[chNFe:" in motivo


@pytest.mark.parametrize("cnf", ["12345678", "11111111"])
def test_897_cnf_format(emitter, cnf):
    expect(emitter.authorize(emitter.nfe(cNF=cnf)), 897)


def test_897_cnf_equal_to_number(emitter):
    expect(emitter.authorize(emitter.nfe(nNF=4567, cNF="00004567")), 897)


# --- content -------------------------------------------------------------------------------------------------

def test_598_homologation_recipient_name(emitter):
    expect(emitter.authorize(emitter.nfe(dest_name="JOSE DA SILVA")), 598)


def test_703_issued_after_receipt(emitter):
    expect(emitter.authorize(emitter.nfe(dhEmi=datetime.now(timezone.utc) + timedelta(hours=1))), 703)


def test_703_tolerates_clock_skew_of_minutes(emitter):
    expect(emitter.authorize(emitter.nfe(dhEmi=datetime.now(timezone.utc) + timedelta(minutes=3))), 100)


def test_228_issued_too_long_ago(emitter):
    expect(emitter.authorize(emitter.nfe(dhEmi=datetime.now(timezone.utc) - timedelta(days=31))), 228)


def test_564_products_total(emitter):
    def edit(nfe):  # the total, not an item: an item's vProd would first fail its own arithmetic (629)
        vprod = field(nfe, "total/ICMSTot/vProd")
        vprod.text = f"{float(vprod.text) + 1:.2f}"
    expect(emitter.authorize(_signed_after(emitter, edit)), 564)


def test_610_note_total(emitter):
    def edit(nfe):
        vnf = field(nfe, "total/ICMSTot/vNF")
        vnf.text = f"{float(vnf.text) + 0.01:.2f}"
    expect(emitter.authorize(_signed_after(emitter, edit)), 610)


# --- duplicates ------------------------------------------------------------------------------------------------

def test_204_same_key_again_names_the_receipt(emitter, soap12):
    nfe = emitter.nfe()
    first = emitter.authorize(nfe)
    expect(first, 100)
    again = emitter.authorize(copy.deepcopy(nfe))
    motivo = expect(again, 204)
    # the receipt number named is the first lot's
    assert motivo.endswith("]") and "[nRec:35" in motivo


def test_539_same_number_other_key(emitter):
    nNF = random.randint(1, 999_999_999)
    nfe = emitter.nfe(nNF=nNF, serie=7)
    expect(emitter.authorize(nfe), 100)
    other = emitter.nfe(nNF=nNF, serie=7)  # new random cNF: another key, same number
    assert key_of(other) != key_of(nfe)
    motivo = expect(emitter.authorize(other), 539)
    assert f"[chNFe:{key_of(nfe)}]" in motivo and "[nRec:" in motivo


def test_rejected_number_stays_free(emitter):
    nNF = random.randint(1, 999_999_999)
    bad = emitter.nfe(nNF=nNF, serie=9, dest_name="NOME ERRADO")
    expect(emitter.authorize(bad), 598)
    expect(emitter.authorize(emitter.nfe(nNF=nNF, serie=9)), 100)


def test_227_cpf_issuer_signs_with_another_certificate(emitter):
    """An issuer identified by CPF must sign with its own e-CPF (NT 2018.001); an e-CNPJ answers 227."""
    from fake_sefaz.domain.keys import cpf_dvs

    def to_cpf_issuer(nfe):
        emit = field(nfe, "emit")
        cnpj = emit.find(N + "CNPJ")
        cpf = "123456789" + cpf_dvs("123456789")
        cnpj.tag = N + "CPF"
        cnpj.text = cpf
        k = key_of(nfe)
        rekey(nfe, k[:6] + "000" + cpf + k[20:43])

    expect(emitter.authorize(_signed_after(emitter, to_cpf_issuer)), 227)
