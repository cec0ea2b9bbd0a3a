"""The SOAP layer over real HTTP: dialects, wrappers, broken envelopes, data-area transport rules,
URL words for environment and UF, and the official WSDLs served with our address."""

from __future__ import annotations

import base64
import gzip

import httpx
import pytest
from lxml import etree

from support.authz import SOAP12_CT, WSDL, N, assert_valid, env12, post_raw
from fake_sefaz.domain import codes
from fake_sefaz.emitter.client import cons_stat_serv

STATUS_NS = WSDL + "NFeStatusServico4"
CONS = '<consStatServ xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><tpAmb>2</tpAmb><cUF>35</cUF><xServ>STATUS</xServ></consStatServ>'


def status_env(payload: str, wrapper: str = "nfeDadosMsg") -> bytes:
    return env12(f'<{wrapper} xmlns="{STATUS_NS}">{payload}</{wrapper}>')


def test_status_107_all_dialects(client):
    r = client.call(cons_stat_serv(2, 35))
    assert r.status == 200 and r.cStat == "107"
    assert r.field("xMotivo") == codes.text(107)
    assert r.field("cUF") == "35" and r.field("tMed") == "1"
    assert r.field("dhRecbto").endswith("-03:00")
    assert_valid(r, "retConsStatServ")


def test_soap11_with_soapaction_and_soap12_without_action(server):
    body11 = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
              + f'<nfeDadosMsg xmlns="{STATUS_NS}">{CONS}</nfeDadosMsg>'.encode() + b"</s:Body></s:Envelope>")
    r = post_raw(server.url + "/ws/NfeStatusServico4.asmx", body11, "text/xml; charset=utf-8",
                 f'"{STATUS_NS}/nfeStatusServicoNF"')
    assert r.cStat == "107" and r.body.startswith(b"<?xml") and b"schemas.xmlsoap.org/soap/envelope" in r.body
    r = post_raw(server.url + "/anything", status_env(CONS), SOAP12_CT)
    assert r.cStat == "107" and b"2003/05/soap-envelope" in r.body


def test_dispatch_on_payload_not_on_path_action_or_wrapper_namespace(server):
    # sped-nfe sends .../wsdl/NFeConsulta4 for several UFs; PyNFe sends no action: the payload decides.
    body = env12(f'<nfeDadosMsg xmlns="{WSDL}NFeConsulta4">{CONS}</nfeDadosMsg>')
    r = post_raw(server.url + "/NFeAutorizacao4", body, SOAP12_CT + '; action="urn:wrong"')
    assert r.cStat == "107"


def test_zeep_style_prefixed_wrapper_and_escaped_text_payload(server):
    zeep_like = env12(f'<ns0:nfeDadosMsg xmlns:ns0="{STATUS_NS}">{CONS}</ns0:nfeDadosMsg>')
    assert post_raw(server.url, zeep_like, SOAP12_CT).cStat == "107"
    escaped = CONS.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert post_raw(server.url, status_env(escaped), SOAP12_CT).cStat == "107"


def test_zip_wrapper_upper_case_variant(server):
    data = base64.b64encode(gzip.compress(CONS.encode())).decode()
    r = post_raw(server.url, status_env(data, "nfeDadosMsgZIP"), SOAP12_CT)
    assert r.cStat == "107"


@pytest.mark.parametrize("ct,env_ns,fault_tag", [
    ("text/xml; charset=utf-8", "http://schemas.xmlsoap.org/soap/envelope/", "faultstring"),
    (SOAP12_CT, "http://www.w3.org/2003/05/soap-envelope", "Reason"),
])
def test_broken_envelope_is_a_soap_fault_not_a_500(server, ct, env_ns, fault_tag):
    r = httpx.post(server.url, content=b"<soap:Envelope><soap:Body><nfeDadosMsg>", headers={"Content-Type": ct})
    assert r.status_code == 400
    root = etree.fromstring(r.content)
    assert root.tag == "{%s}Envelope" % env_ns
    assert any(etree.QName(e).localname == fault_tag for e in root.iter() if isinstance(e.tag, str))


def test_not_an_envelope_and_empty_body_are_faults(server):
    r = httpx.post(server.url, content=CONS.encode(), headers={"Content-Type": SOAP12_CT})
    assert r.status_code == 400 and b"Fault" in r.content
    r = httpx.post(server.url, content=b"", headers={"Content-Type": SOAP12_CT})
    assert r.status_code == 400 and b"Fault" in r.content
    r = httpx.post(server.url, content=env12("<nada/>"), headers={"Content-Type": SOAP12_CT})
    assert r.status_code == 400 and b"Fault" in r.content


def test_doctype_and_entities_are_refused(server):
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            + status_env(CONS))
    r = httpx.post(server.url, content=evil, headers={"Content-Type": SOAP12_CT})
    assert r.status_code == 400 and b"Fault" in r.content


def test_243_malformed_data_area(server):
    r = post_raw(server.url, status_env("&lt;consStatServ&gt;&lt;tpAmb&gt;"), SOAP12_CT)
    assert r.cStat == "243" and r.field("xMotivo").startswith(codes.text(243))
    assert_valid(r, "retConsStatServ")
    bad_zip = base64.b64encode(gzip.compress(b"<enviNFe><oops")).decode()
    body = env12(f'<nfeDadosMsgZip xmlns="{WSDL}NFeAutorizacao4">{bad_zip}</nfeDadosMsgZip>')
    r = post_raw(server.url, body, SOAP12_CT)
    assert r.cStat == "243" and r.result.tag == N + "retEnviNFe"
    body = env12(f'<nfeDadosMsgZip xmlns="{WSDL}NFeAutorizacao4">not base64 at all!</nfeDadosMsgZip>')
    assert post_raw(server.url, body, SOAP12_CT).cStat == "243"


def test_402_data_area_not_utf8(server):
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?>' + CONS
    escaped = latin.replace("<", "&lt;").replace(">", "&gt;")
    assert post_raw(server.url, status_env(escaped), SOAP12_CT).cStat == "402"
    envelope = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + status_env(CONS)
    assert post_raw(server.url, envelope, SOAP12_CT).cStat == "402"


def test_214_zipped_data_area_over_limit_is_not_inflated_whole(server):
    huge = b"<enviNFe>" + b"<x/>" * 400_000 + b"</enviNFe>"  # 1.6 MB inflated, a few KB zipped
    body = env12(f'<nfeDadosMsgZip xmlns="{WSDL}NFeAutorizacao4">{base64.b64encode(gzip.compress(huge)).decode()}</nfeDadosMsgZip>')
    r = post_raw(server.url, body, SOAP12_CT)
    assert r.cStat == "214"


@pytest.mark.parametrize("payload,cstat", [
    (CONS.replace('versao="4.00"', 'versao="3.10"'), 239),
    (CONS.replace("STATUS", "STATUSX"), 215),
    (CONS.replace(' versao="4.00"', ""), 517),
    (CONS.replace('xmlns="http://www.portalfiscal.inf.br/nfe"', 'xmlns="urn:outro"'), 587),
    (CONS.replace("<tpAmb>", "\n<tpAmb>"), 588),
    (CONS.replace('<consStatServ xmlns="http://www.portalfiscal.inf.br/nfe"',
                  '<n:consStatServ xmlns:n="http://www.portalfiscal.inf.br/nfe" xmlns="http://www.portalfiscal.inf.br/nfe"')
         .replace("</consStatServ>", "</n:consStatServ>"), 404),
    (CONS.replace("<cUF>35</cUF>", "<cUF>43</cUF>"), 410),
    (CONS.replace("<tpAmb>2</tpAmb>", "<tpAmb>1</tpAmb>"), 252),
])
def test_message_rules_on_the_status_service(server, payload, cstat):
    r = post_raw(server.url, status_env(payload), SOAP12_CT)
    assert r.cStat == str(cstat), r.body
    assert r.field("xMotivo").startswith(codes.text(cstat))
    assert_valid(r, "retConsStatServ")


def test_215_names_the_failing_element(server):
    r = post_raw(server.url, status_env(CONS.replace("STATUS", "STATUSX")), SOAP12_CT)
    assert "/consStatServ/xServ" in r.field("xMotivo")


def test_url_names_environment_and_uf(server):
    prod_rj = CONS.replace("<tpAmb>2</tpAmb>", "<tpAmb>1</tpAmb>").replace("<cUF>35</cUF>", "<cUF>33</cUF>")
    r = post_raw(server.url + "/producao/RJ/NFeStatusServico4", status_env(prod_rj), SOAP12_CT)
    assert r.cStat == "107" and r.field("tpAmb") == "1" and r.field("cUF") == "33"
    r = post_raw(server.url + "/homologacao/AM/NFeStatusServico4",
                 status_env(CONS.replace("<cUF>35</cUF>", "<cUF>13</cUF>")), SOAP12_CT)
    assert r.cStat == "107" and r.field("dhRecbto").endswith("-04:00")  # Amazonas answers in its own offset


@pytest.mark.parametrize("path,service", [
    ("/NFeAutorizacao4", "NFeAutorizacao4"), ("/ws/NfeRetAutorizacao/NFeRetAutorizacao4.asmx", "NFeRetAutorizacao4"),
    ("/homologacao/SP/NFeConsultaProtocolo4", "NFeConsultaProtocolo4"), ("/ws/nfeconsulta4.asmx", "NFeConsultaProtocolo4"),
    ("/NFeStatusServico4", "NFeStatusServico4"),
])
def test_wsdl_is_official_with_our_address(server, path, service):
    r = httpx.get(server.url + path + "?wsdl")
    assert r.status_code == 200
    root = etree.fromstring(r.content)
    assert root.get("targetNamespace") == WSDL + service
    locations = [e.get("location") for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "address"]
    assert locations and all(loc == server.url + path for loc in locations)


def test_unknown_wsdl_is_404(server):
    assert httpx.get(server.url + "/Nada?wsdl").status_code == 404
