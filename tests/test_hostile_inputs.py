"""Bad input never gets a 5xx: broken SOAP, payloads of every service cut short, deep nesting, bad admin JSON,
bad portal queries. Each answer is a cStat, a SOAP fault or a 4xx with a reason."""

from __future__ import annotations

import httpx
import pytest

NS = 'xmlns="http://www.portalfiscal.inf.br/nfe"'
CT = {"Content-Type": "application/soap+xml; charset=utf-8"}


def env(inner: str, service: str = "NFeStatusServico4") -> bytes:
    return (f'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><nfeDadosMsg '
            f'xmlns="http://www.portalfiscal.inf.br/nfe/wsdl/{service}">{inner}</nfeDadosMsg></soap:Body>'
            f"</soap:Envelope>").encode()


SOAP_CASES = [
    env("<a>" * 5000 + "</a>" * 5000),
    b"\xff\xfe\x00<",
    env(f'<enviNFe {NS} versao="4.00"><idLote>1</idLote><indSinc>1</indSinc></enviNFe>'),
    env(f'<envEvento {NS} versao="1.00"><idLote>1</idLote></envEvento>'),
    env(f'<inutNFe {NS} versao="4.00"/>'),
    env(f'<ConsCad {NS} versao="2.00"/>'),
    env(f'<consSitNFe {NS} versao="4.00"><tpAmb>2</tpAmb><xServ>CONSULTAR</xServ><chNFe>{"3" + "5" * 43}</chNFe></consSitNFe>'),
    env(f'<consReciNFe {NS} versao="4.00"><tpAmb>2</tpAmb><nRec>{"9" * 15}</nRec></consReciNFe>'),
    env(f'<distDFeInt {NS} versao="1.01"/>'),
]

ADMIN_CASES = [
    ("POST", "/admin/faults/rules", dict(content=b"not json", headers={"Content-Type": "application/json"})),
    ("POST", "/admin/faults/rules", dict(json={"cstat": "abc"})),
    ("POST", "/admin/faults/rules", dict(json=[1, 2])),
    ("PUT", "/admin/faults/services", dict(json={"uf": "ZZ", "service": "*", "cstat": 108})),
    ("PUT", "/admin/faults/latency", dict(json={"ms": "x"})),
    ("POST", "/admin/faults/clock/advance", dict(json={"seconds": "x"})),
    ("POST", "/admin/faults/clock/set", dict(json={"instant": "yesterday"})),
    ("PUT", "/admin/taxpayers/123", dict(json={"cnpj": "123"})),
    ("PUT", "/admin/taxpayers/11222333000181", dict(json={"situation": "nope"})),
    ("PUT", "/admin/taxpayers/11222333000181", dict(content=b"{", headers={"Content-Type": "application/json"})),
    ("GET", "/admin/taxpayers?limit=abc", {}),
    ("POST", "/admin/taxpayers/abc/csc", dict(json={})),
    ("DELETE", "/admin/taxpayers/11222333000181/csc/xyz", {}),
    ("POST", "/admin/events/evidence", dict(json={"chNFe": "1", "kind": "zzz"})),
    ("GET", "/admin/inutilizacao/gaps?cnpj=", {}),
    ("GET", "/admin/documents/xyz", {}),
    ("PUT", "/admin/state?merge=1", dict(json={"tables": {"nope": {"columns": ["a"], "rows": [[1]]}}})),
    ("PUT", "/admin/state?merge=1", dict(json={"tables": "x"})),
    ("GET", "/portal/nfce/qrcode?p=", {}),
    ("GET", "/portal/nfce/qrcode?p=abc|def", {}),
    ("GET", "/portal/nfce/consulta?chave=zz", {}),
    ("POST", "/portal/csc", dict(data={"cnpj": "x"})),
    ("PUT", "/", {}),
    ("GET", "/NFeAutorizacao4", {}),
]


# What each case gets, exactly: a SOAP fault (HTTP 400, its text) or the ret* answer's cStat (HTTP 200).
SOAP_ANSWERS = [
    (400, "fault", "XML mal formado no envelope SOAP: Excessive depth in document: 256"),
    (400, "fault", "XML mal formado no envelope SOAP: Start tag expected"),
    (200, "cStat", "225"),  # enviNFe without NFe: lot schema
    (200, "cStat", "215"),  # envEvento without evento: message schema
    (200, "cStat", "215"),  # inutNFe without infInut
    (200, "cStat", "215"),  # ConsCad without infCons
    (200, "cStat", "236"),  # consSitNFe with a key whose check digit is wrong
    (200, "cStat", "248"),  # consReciNFe of a receipt of another UF (99)
    (200, "cStat", "215"),  # distDFeInt without its interested party: schema (NFeDistribuicaoDFe, issue 15)
]


@pytest.mark.parametrize("body, answer", list(zip(SOAP_CASES, SOAP_ANSWERS)), ids=range(len(SOAP_CASES)))
def test_soap_hostile_input_gets_its_exact_answer(server, body, answer):
    import re

    status, kind, expected = answer
    r = httpx.post(server.url, content=body, headers=CT, timeout=30)
    assert r.status_code == status, r.text[:500]
    if kind == "fault":
        text = re.search(rb"<soap:Text[^>]*>([^<]*)<", r.content)
        assert text and text.group(1).decode().startswith(expected), r.text[:500]
    else:
        assert re.findall(rb"<cStat>(\d+)</cStat>", r.content)[0].decode() == expected, r.text[:500]


@pytest.mark.parametrize("method,path,kw", ADMIN_CASES, ids=[f"{m} {p}" for m, p, _ in ADMIN_CASES])
def test_admin_and_portal_hostile_input_is_a_4xx(server, method, path, kw):
    r = httpx.request(method, server.url + path, timeout=30, **kw)
    assert r.status_code < 500, r.text[:500]
