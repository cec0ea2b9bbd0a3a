""""Atendimento On-line" behind certificate login (issue 14; seeds 000 and 001), over real HTTPS with the test PKI's
certificates as TLS client certificates: the e-CNPJ's establishments, the e-CPF under a procuração eletrônica,
the refusals (a bad certificate, no procuração, another company, a procurador granting, a replayed cookie, an
expired session), the XML download page, and password login for a non-issuer only."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from lxml import etree

from support import server_settings
from support.portal import choices, login, tls_client
from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain.clock import ControlledClock
from fake_sefaz.emitter.client import SoapClient
from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.emitter.signer import Signer
from fake_sefaz.server.serve import ThreadedServer

NS = "{http://www.portalfiscal.inf.br/nfe}"
# valid SP IEs, drawn once: the company's two establishments and a shop that issues no NF-e
IE_MAIN, IE_BRANCH, IE_SHOP = (ie_rules.generate("SP", random.Random(seed)) for seed in ("main", "branch", "shop"))


@pytest.fixture(scope="module")
def pclock():
    return ControlledClock()


@pytest.fixture(scope="module")
def portal_server(pki, pclock, tmp_path_factory):
    settings = server_settings(pki, tmp_path_factory.mktemp("portal"), portal_password_login=True,
                               portal_passwords=(f"{IE_SHOP}:segredo", f"{IE_MAIN}:segredo"))
    with ThreadedServer(settings=settings, clock=pclock, tls=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def registered(portal_server, pki):
    """Two establishments of the test e-CNPJ's company in the registry, and a taxpayer that issues no NF-e."""
    import httpx

    emitente, filial = pki.identity("emitente"), pki.identity("emitente-filial")
    with httpx.Client(base_url=portal_server.url) as admin:
        for doc, ie, name in ((emitente.cnpj, IE_MAIN, "EMPRESA EMITENTE TESTE LTDA"),
                              (filial.cnpj, IE_BRANCH, "EMPRESA EMITENTE TESTE LTDA FILIAL")):
            r = admin.put(f"/admin/taxpayers/{doc}", json={"uf": "SP", "ie": ie, "name": name})
            assert r.status_code in (200, 201), r.text
        r = admin.put("/admin/taxpayers/11444777000161", json={"uf": "SP", "ie": IE_SHOP, "name": "LOJA SEM NF-E",
                                                                "nfe": "none", "nfce": "none"})
        assert r.status_code in (200, 201), r.text
    return emitente, filial


def test_plain_http_login_points_to_https(portal_server):
    import httpx

    page = httpx.get(portal_server.url + "/portal/login").text
    assert f"https://127.0.0.1:{portal_server.tls_port}/portal/login" in page
    assert 'name="senha"' in page  # password login is on in this server
    r = httpx.get(portal_server.url + "/portal/csc")
    assert (r.status_code, r.headers["location"]) == (303, "/portal/login?next=%2Fportal%2Fcsc")


def test_ecnpj_lists_its_establishments_and_enters(portal_server, pki, registered):
    emitente, filial = registered
    client = tls_client(pki, portal_server.tls_url)
    offered = choices(client.get("/portal/login").text)
    assert offered == sorted([(emitente.cnpj, IE_MAIN), (filial.cnpj, IE_BRANCH)])
    r = client.post("/portal/login", data={"cnpj": filial.cnpj, "ie": IE_BRANCH})
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    home = client.get("/portal/")
    assert "EMPRESA EMITENTE TESTE LTDA FILIAL" in home.text and 'id="servico-procuracao"' in home.text
    assert 'id="servico-csc"' in home.text and 'id="servico-xml"' in home.text
    # an IE that is not the certificate's
    r = tls_client(pki, portal_server.tls_url).post("/portal/login", data={"cnpj": filial.cnpj, "ie": "999"})
    assert r.status_code == 403 and 'id="nao-vinculada"' in r.text


@pytest.mark.parametrize("identity, text", [
    ("expirado", "Rejeição: Certificado Transmissor Data Validade"),
    ("revogado", "Rejeição: Certificado Transmissor revogado"),
    ("sem-politica", "Rejeição: Certificado Transmissor difere ICP-Brasil"),
])
def test_a_bad_certificate_is_refused_with_its_reason(portal_server, pki, identity, text):
    r = tls_client(pki, portal_server.tls_url, identity).get("/portal/login")
    assert r.status_code == 403 and f"Certificado digital recusado: {text}" in r.text


def test_https_without_a_certificate_is_told_so(portal_server, pki):
    page = tls_client(pki, portal_server.tls_url, None).get("/portal/login").text
    assert 'id="sem-certificado"' in page


def test_procuracao_to_an_ecpf_with_scopes_then_revoked(portal_server, pki, registered):
    emitente, _ = registered
    contador = pki.identity("contador")
    # without a procuração the e-CPF sees nothing
    r = tls_client(pki, portal_server.tls_url, "contador").get("/portal/login")
    assert r.status_code == 403 and f"O certificado do CPF {contador.cpf} não tem procuração" in r.text
    titular = login(pki, portal_server.tls_url, cnpj=emitente.cnpj)
    r = titular.post("/portal/procuracao", data={"grantee": contador.cpf, "scope": ["csc"], "until": "2099-12-31"})
    assert r.status_code == 303
    listing = titular.get("/portal/procuracao").text
    assert contador.cpf in listing and "em vigor" in listing
    pid = listing.split('class="revogar" data-id="')[1].split('"')[0]
    # the e-CPF now enters the company as procurador, with the CSC page only
    proc = login(pki, portal_server.tls_url, "contador", cnpj=emitente.cnpj)
    assert proc.get(f"/portal/csc/{emitente.cnpj}").status_code == 200
    r = proc.get("/portal/xml")
    assert r.status_code == 403 and 'id="negado"' in r.text
    r = proc.get("/portal/procuracao")
    assert r.status_code == 403 and ("somente-outorgante" in r.text or 'id="negado"' in r.text)
    r = proc.post("/portal/procuracao", data={"grantee": contador.cpf, "scope": ["xml"], "until": "2099-12-31"})
    assert r.status_code == 403  # an e-CPF cannot grant
    # revoked: its session ends and the login offers nothing
    assert titular.post(f"/portal/procuracao/{pid}/revoke").status_code == 303
    assert proc.get(f"/portal/csc/{emitente.cnpj}").status_code == 303
    assert tls_client(pki, portal_server.tls_url, "contador").get("/portal/login").status_code == 403
    assert "revogada" in titular.get("/portal/procuracao").text


def test_another_company_replayed_cookie_expiry_and_logout(portal_server, pki, pclock, registered):
    emitente, _ = registered
    client = login(pki, portal_server.tls_url, cnpj=emitente.cnpj)
    other = pki.identity("outro").cnpj
    r = client.get(f"/portal/csc/{other}")
    assert r.status_code == 403 and "outro contribuinte não pode ser consultado" in r.text
    # the cookie presented over a connection with another certificate opens nothing
    thief = tls_client(pki, portal_server.tls_url, "outro")
    thief.cookies.update(client.cookies)
    assert thief.get(f"/portal/csc/{emitente.cnpj}").status_code == 303
    # the session ends 30 minutes after login (portal_session_minutes), on the server's clock
    pclock.advance(timedelta(minutes=31))
    try:
        assert client.get("/portal/").status_code == 303
    finally:
        pclock.advance(timedelta(minutes=-31))
    client = login(pki, portal_server.tls_url, cnpj=emitente.cnpj)
    assert client.get("/portal/").status_code == 200
    assert client.post("/portal/logout").status_code == 303
    assert client.get("/portal/").status_code == 303


def test_xml_page_lists_sent_and_received_and_downloads_proc_nfe(portal_server, pki, registered, verify):
    emitente, _ = registered
    outro = pki.identity("outro")
    factory = NFeFactory(seed=None, uf="SP", tpAmb=2, cnpj=emitente.cnpj, razao=emitente.razao)
    nfe = Signer(emitente).sign_nfe(factory.build(dest_doc=outro.cnpj))
    reply = SoapClient(portal_server.url).call(wrap_lot([nfe], idLote=1, indSinc=1))
    key = reply.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}chNFe")
    assert reply.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}cStat") == "100"
    sent = login(pki, portal_server.tls_url, cnpj=emitente.cnpj)
    assert key in sent.get("/portal/xml").text.split('id="recebidas"')[0]
    received = login(pki, portal_server.tls_url, "outro")
    assert key in received.get("/portal/xml").text.split('id="recebidas"')[1]
    r = received.get(f"/portal/xml/{key}")
    assert r.status_code == 200 and r.headers["content-disposition"] == f'attachment; filename="{key}-procNFe.xml"'
    proc = etree.fromstring(r.content)
    assert proc.tag == NS + "nfeProc" and proc.findtext(f"{NS}protNFe/{NS}infProt/{NS}cStat") == "100"
    from fake_sefaz.domain.schemas import Schemas

    assert Schemas().validate("procNFe", proc) is None
    verify(etree.tostring(proc.find(NS + "NFe")))  # the NFe inside is the one signed, byte for byte
    # a note of which this company is neither issuer nor recipient is not there for it
    other_nfe = Signer(emitente).sign_nfe(factory.build())
    reply = SoapClient(portal_server.url).call(wrap_lot([other_nfe], idLote=2, indSinc=1))
    other_key = reply.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}chNFe")
    r = received.get(f"/portal/xml/{other_key}")
    assert r.status_code == 404 and 'id="nao-encontrada"' in r.text
    assert other_key not in received.get("/portal/xml").text


def test_password_login_only_for_a_non_issuer(portal_server, pki, registered):
    import httpx

    with httpx.Client(base_url=portal_server.url) as c:
        r = c.post("/portal/login/senha", data={"login": IE_SHOP, "senha": "segredo"})
        assert r.status_code == 303
        home = c.get("/portal/")
        assert home.status_code == 200 and "LOJA SEM NF-E" in home.text
        assert 'id="servico-procuracao"' not in home.text  # only the company's certificate grants
    with httpx.Client(base_url=portal_server.url) as c:
        r = c.post("/portal/login/senha", data={"login": IE_SHOP, "senha": "errada"})
        assert r.status_code == 403 and 'id="senha-invalida"' in r.text
    with httpx.Client(base_url=portal_server.url) as c:
        # an NF-e issuer: "Será permitido o uso da inscrição e senha? Não, apenas o certificado digital." (seed 001)
        r = c.post("/portal/login/senha", data={"login": IE_MAIN, "senha": "segredo"})
        assert r.status_code == 403 and "apenas com certificado digital" in r.text
