"""NFC-e QR code checks (MOC group ZX, settings.nfce_qr_check) over real HTTP with signed NFC-e.

One server in "enforce" mode; the emitter's CSCs are registered through the admin API: id 000001 active, 000002-
000008 requested and revoked, 000009 revoked two hours ago, 000010 active (an id with an inner zero)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from fake_sefaz.domain import nfce_urls, qrcode
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.server.serve import ThreadedServer

from support import server_settings
from support.nfce import NS, NfceEmitter, prot_of, set_qr




@pytest.fixture(scope="module")
def nserver(pki, nclock, tmp_path_factory):
    settings = server_settings(pki, tmp_path_factory.mktemp("nfce-qr"), nfce_qr_check="enforce")
    with ThreadedServer(settings=settings, clock=nclock) as srv:
        yield srv


@pytest.fixture(scope="module")
def em(nserver, nclock, pki):
    e = NfceEmitter(nserver, nclock, pki)
    yield e
    e.close()


@pytest.fixture(scope="module")
def tokens(em, nclock):
    t1 = em.register("0A1B2C3D4E5F6G7H8I9J")
    for i in range(2, 9):
        em.revoke(em.register(f"REVOKED{i}")["id"])
    nclock.set(datetime.now(timezone.utc) - timedelta(hours=2))
    t9 = em.register("NINE9NINE9")
    em.revoke(t9["id"])
    nclock.set(datetime.now(timezone.utc))
    t10 = em.register("0000TEN0000")
    assert (t1["id"], t9["id"], t10["id"]) == ("000001", "000009", "000010")
    return {1: t1, 9: t9, 10: t10}


def test_v2_online_authorized_and_token_id_without_leading_zeros(em, tokens):
    nfe = em.nfce(csc=tokens[10])
    code = nfe.findtext(f"{NS}infNFeSupl/{NS}qrCode")
    assert "|2|2|10|" in code  # 000010 -> 10, not 1 (the PyNFe quirk strips every zero)
    p = em.authorize(nfe)
    assert p["cStat"] == "100", p["xMotivo"]
    assert qrcode.token_id_param("000010") == "10" and qrcode.token_id_param("000100") == "100"


def test_inner_zeros_stripped_is_another_token_and_hash_fails(em, tokens):
    nfe = em.nfce(csc=tokens[10])
    code = nfe.findtext(f"{NS}infNFeSupl/{NS}qrCode")
    data = code.split("?p=")[1].rsplit("|", 1)[0].replace("|10", "|1")
    # Hash computed with CSC 10 over cIdToken "1": id 1 exists, so its CSC does not match -> 464.
    set_qr(nfe, code.split("?p=")[0] + "?p=" + data + "|" + qrcode.v2_hash(data, tokens[10]["token"]))
    assert em.authorize(nfe)["cStat"] == "464"


def test_v2_offline_authorized(em, tokens):
    p = em.authorize(em.nfce(csc=tokens[1], offline=True))
    assert p["cStat"] == "100", p["xMotivo"]


def test_v3_online_and_offline_authorized(em, tokens):
    assert em.authorize(em.nfce(version="3"))["cStat"] == "100"
    p = em.authorize(em.nfce(version="3", offline=True, dest_doc="52998224725"))
    assert p["cStat"] == "100", p["xMotivo"]


def test_394_without_qr_code(em, tokens):
    p = em.authorize(em.sign(em.build()))
    assert (p["cStat"], p["xMotivo"]) == ("394", "Rejeição: Nota Fiscal sem a informação do QR-Code")


def test_395_other_uf_page_and_case_ignored(em, tokens):
    assert em.authorize(em.nfce(csc=tokens[1], base_url=nfce_urls.qr_url(13, 2)))["cStat"] == "395"
    upper = nfce_urls.qr_url(35, 2).upper().replace("HTTPS", "https")
    assert em.authorize(em.nfce(csc=tokens[1], base_url=upper))["cStat"] == "100"


def test_395_local_url_refused_unless_setting(em, tokens, nserver):
    p = em.authorize(em.nfce(csc=tokens[1], base_url=nserver.url + nfce_urls.LOCAL_QR_PATH))
    assert p["cStat"] == "395"


def test_878_url_chave(em, tokens):
    p = em.authorize(em.nfce(csc=tokens[1], url_chave="www.sefaz.am.gov.br/nfce/consulta"))
    assert p["cStat"] == "878"


def test_903_version_100(em, tokens):
    nfe = em.nfce(csc=tokens[1])
    key = nfe.find(f"{NS}infNFe").get("Id")[3:]
    dh = nfe.findtext(f"{NS}infNFe/{NS}ide/{NS}dhEmi").encode().hex()
    v1 = (f"{nfce_urls.qr_url(35, 2)}?chNFe={key}&nVersao=100&tpAmb=2&dhEmi={dh}&vNF=1.00&vICMS=0.00"
          f"&digVal={'a' * 56}&cIdToken=000001&cHashQRCode={'B' * 40}")
    assert em.authorize(set_qr(nfe, v1))["cStat"] == "903"


def test_396_v3_offline_recipient_type_without_id(em, tokens):
    nfe = em.nfce(version="3", offline=True)
    code = nfe.findtext(f"{NS}infNFeSupl/{NS}qrCode")
    head, sig = code.rsplit("|", 1)
    parts = head.split("|")
    parts[5], parts[6] = "1", ""
    assert em.authorize(set_qr(nfe, "|".join(parts) + "|" + sig))["cStat"] == "396"


@pytest.mark.parametrize("what", ["key", "tpAmb", "day", "vNF", "digVal"])
def test_397_parameter_differs_from_note(em, tokens, what):
    nfe = em.nfce(csc=tokens[1], offline=what in ("day", "vNF", "digVal"))
    code = nfe.findtext(f"{NS}infNFeSupl/{NS}qrCode")
    base, p = code.split("?p=")
    params = p.split("|")
    if what == "key":
        params[0] = params[0][:-1] + ("1" if params[0][-1] != "1" else "2")
    elif what == "tpAmb":
        params[2] = "1"
    elif what == "day":
        params[3] = "01" if params[3] != "01" else "02"
    elif what == "vNF":
        params[4] = "0.01"
    else:
        params[5] = "ab" * 28
    data = "|".join(params[:-1])
    set_qr(nfe, f"{base}?p={data}|{qrcode.v2_hash(data, tokens[1]['token'])}")
    assert em.authorize(nfe)["cStat"] == "397"


def test_462_token_id_not_registered(em, tokens):
    p = em.authorize(em.nfce(csc={"id": "000099", "token": "WHATEVER"}))
    assert (p["cStat"], p["xMotivo"]) == ("462", "Rejeição: Código Identificador do CSC no QR-Code não cadastrado na SEFAZ")


def test_462_token_number_put_in_the_id_field(em, tokens):
    # The guide's classic mistake (step 9): the token number instead of its ID.
    assert em.authorize(em.nfce(csc={"id": "457229", "token": "457229"}))["cStat"] == "462"


def test_463_token_revoked_before_issue(em, tokens):
    assert em.authorize(em.nfce(csc=tokens[9]))["cStat"] == "463"


def test_token_revoked_after_issue_still_valid(em, tokens):
    # An offline note issued 3 h ago with token 9, revoked 2 h ago, transmitted now (within 24 h): authorized.
    p = em.authorize(em.nfce(csc=tokens[9], offline=True, dhEmi=em.now_local() - timedelta(hours=3)))
    assert p["cStat"] == "100", p["xMotivo"]


def test_464_hash_and_leading_zero_token_is_a_string(em, tokens):
    # CSC "0000TEN0000" hashed without its leading zeros gives another hash.
    assert em.authorize(em.nfce(csc={"id": "10", "token": "TEN0000"}))["cStat"] == "464"


def test_583_v3_offline_signed_by_another_key(em, tokens, pki):
    nfe = em.sign(em.build(offline=True))
    other = pki.identity("outro")
    code = qrcode.build_v3(nfe, nfce_urls.qr_url(35, 2), other.key_pem)
    qrcode.add_supl(nfe, code, nfce_urls.url_chave(35, 2))
    assert em.authorize(nfe)["cStat"] == "583"


def test_796_taxpayer_without_csc(nserver, nclock, pki, tokens):
    other = NfceEmitter(nserver, nclock, pki, identity="outro")
    try:
        p = other.authorize(other.nfce(csc={"id": "1", "token": "NOPE"}))
        assert (p["cStat"], p["xMotivo"]) == ("796", "Rejeição: Empresa sem Chave de Segurança para o QR-Code")
    finally:
        other.close()


def test_csc_serves_every_establishment(nserver, nclock, pki, tokens):
    branch = NfceEmitter(nserver, nclock, pki, identity="emitente-filial")
    try:
        assert branch.cnpj[:8] == pki.identity("emitente").cnpj[:8] and branch.cnpj != pki.identity("emitente").cnpj
        assert branch.authorize(branch.nfce(csc=tokens[1]))["cStat"] == "100"
    finally:
        branch.close()


def test_qr_answers_in_every_dialect_and_validate(em, tokens):
    schemas = Schemas()
    for version, zipped in ((11, False), (12, False), (11, True), (12, True)):
        reply = em.send(em.nfce(csc={"id": "99", "token": "X"}), version=version, zipped=zipped)
        assert prot_of(reply)["cStat"] == "462"
        assert schemas.validate("retEnviNFe", reply.result) is None
    reply = em.send(em.nfce(csc=tokens[1]))
    assert prot_of(reply)["cStat"] == "100" and schemas.validate("retEnviNFe", reply.result) is None


def test_signature_still_verifies_with_supl(em, tokens, verify):
    nfe = em.nfce(csc=tokens[1], offline=True)
    assert nfe.find(f"{NS}infNFeSupl").getnext().tag.endswith("Signature")
    verify(etree.tostring(nfe))


def test_v2_offline_without_signature_is_an_error(em):
    with pytest.raises(ValueError):
        qrcode.build_v2(em.build(offline=True), 1, "X", "http://x")
