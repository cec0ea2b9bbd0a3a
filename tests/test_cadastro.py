"""CadConsultaCadastro4 over real HTTP: 111, 112, 258-265, the served WSDL, zeep, and the admin API."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
from lxml import etree

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.emitter.client import SoapClient, cons_cad
from fake_sefaz.domain.codes import motivo
from fake_sefaz.domain.keys import cnpj_dvs, cpf_dvs
from fake_sefaz.domain.schemas import Schemas

from support.registry import Registry, start_server

N = "{http://www.portalfiscal.inf.br/nfe}"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "taxpayers.yaml"
_rng = random.Random(20)


def new_cnpj() -> str:
    base = f"{_rng.randrange(10**7, 10**8)}0001"
    return base + cnpj_dvs(base)


def new_cpf() -> str:
    base = f"{_rng.randrange(10**8, 10**9)}"
    return base + cpf_dvs(base)


def new_ie() -> str:
    return ie_rules.generate("SP", _rng)


@pytest.fixture(scope="module")
def srv(pki, tmp_path_factory):
    s = start_server(pki, tmp_path_factory.mktemp("cadastro"), registry_file=str(FIXTURES))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def no_cpf(pki, tmp_path_factory):
    s = start_server(pki, tmp_path_factory.mktemp("cadastro-nocpf"), cons_cad_cpf=False)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def registry(srv):
    r = Registry(srv)
    yield r
    r.close()


@pytest.fixture(scope="module")
def schemas():
    return Schemas()


@pytest.fixture(params=[(12, False), (11, False)], ids=["soap12", "soap11"])
def soap(srv, request):
    c = SoapClient(srv.url, version=request.param[0])
    yield c
    c.close()


def infcons(reply):
    assert reply.status == 200, reply.body
    return reply.result.find(N + "infCons")


def valid(schemas, reply):
    error = schemas.validate("retConsCad", reply.result)
    assert error is None, (error, reply.body)


# --- Found: 111 / 112 --------------------------------------------------------------------------------------------

def test_111_by_cnpj_from_the_fixtures_file(soap, schemas):
    reply = soap.call(cons_cad("SP", cnpj="43506397000109"))
    inf = infcons(reply)
    assert reply.result.tag == N + "retConsCad" and reply.result.get("versao") == "2.00"
    assert inf.findtext(N + "cStat") == "111" and inf.findtext(N + "xMotivo") == motivo(111)
    assert inf.findtext(N + "CNPJ") == "43506397000109" and inf.findtext(N + "cUF") == "35"
    cads = inf.findall(N + "infCad")
    assert len(cads) == 1
    cad = cads[0]
    assert (cad.findtext(N + "IE"), cad.findtext(N + "UF"), cad.findtext(N + "cSit"), cad.findtext(N + "indCredNFe"),
            cad.findtext(N + "xNome"), cad.findtext(N + "CNAE"), cad.findtext(N + "dIniAtiv")) == \
        ("950247285862", "SP", "1", "2", "MERCADO MODELO LTDA", "4711302", "2015-03-02")
    assert cad.findtext(f"{N}ender/{N}xMun") == "SAO PAULO"
    valid(schemas, reply)


class _client:
    def __init__(self, srv):
        self.c = SoapClient(srv.url)

    def __enter__(self):
        return self.c

    def __exit__(self, *exc):
        self.c.close()


def test_csit_and_indcred(srv, schemas):
    with _client(srv) as client:
        def cad(cnpj):
            reply = client.call(cons_cad("SP", cnpj=cnpj))
            valid(schemas, reply)
            return infcons(reply).find(N + "infCad")

        closed = cad("37031443000150")
        assert (closed.findtext(N + "cSit"), closed.findtext(N + "dBaixa")) == ("0", "2023-12-31")
        assert cad("79348138000136").findtext(N + "cSit") == "1"  # closure refused: regular
        assert cad("59171494000110").findtext(N + "indCredNFe") == "0"  # never accredited
        assert cad("92023241000174").findtext(N + "indCredNFe") == "0"  # de-accredited
        assert cad("37660299000110").findtext(N + "cSit") == "0"  # not enabled


def test_112_several_registrations(soap, registry, schemas):
    cpf = new_cpf()  # a rural producer with two farms: two IEs
    registry.put(cpf, ie=new_ie(), name="PRODUTOR UM")
    registry.put(cpf, ie=new_ie(), name="PRODUTOR UM")
    reply = soap.call(cons_cad("SP", cpf=cpf))
    inf = infcons(reply)
    assert inf.findtext(N + "cStat") == "112" and len(inf.findall(N + "infCad")) == 2
    assert all(c.findtext(N + "CPF") == cpf for c in inf.findall(N + "infCad"))
    valid(schemas, reply)


def test_111_by_ie(soap, schemas):
    reply = soap.call(cons_cad("SP", ie="765790953359"))
    inf = infcons(reply)
    assert inf.findtext(N + "cStat") == "111" and inf.findtext(N + "IE") == "765790953359"
    assert inf.find(N + "infCad").findtext(N + "CNPJ") == "79348138000136"
    valid(schemas, reply)


def test_111_by_cpf(soap):
    inf = infcons(soap.call(cons_cad("SP", cpf="12345678909")))
    assert inf.findtext(N + "cStat") == "111"
    assert inf.find(N + "infCad").findtext(N + "cSit") == "0"  # paused


def test_auto_registered_issuer_is_queryable(srv, pki, schemas):
    from support.registry import Issuer, prot_of

    with _client(srv) as client:
        issuer = Issuer(pki, srv, client, identity="outro")
        assert prot_of(issuer.send(issuer.nfe()))[0] == "100"
        reply = client.call(cons_cad("SP", ie=issuer.ie))
        inf = infcons(reply)
        assert inf.findtext(N + "cStat") == "111"
        assert inf.find(N + "infCad").findtext(N + "CNPJ") == issuer.cnpj
        valid(schemas, reply)


# --- Rejections ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, cstat", [
    (lambda: cons_cad("RJ", cnpj="43506397000109"), "265"),
    (lambda: cons_cad("SU", cnpj="43506397000109"), "265"),
    (lambda: cons_cad("SP", cnpj="43506397000108"), "258"),
    (lambda: cons_cad("SP", cnpj="00000000000000"), "258"),
    (lambda: cons_cad("SP", cnpj="43506397"), "258"),  # a CNPJ root: this UF does not search by root
    (lambda: cons_cad("SP", cnpj=new_cnpj()), "259"),  # a CNPJ never seen
    (lambda: cons_cad("SP", ie="950247285861"), "260"),
    (lambda: cons_cad("SP", ie=new_ie()), "261"),
    (lambda: cons_cad("SP", cpf="12345678900"), "263"),
    (lambda: cons_cad("SP", cpf=new_cpf()), "264"),
], ids=["265-other-uf", "265-suframa", "258-dv", "258-zeros", "258-root", "259", "260", "261", "263", "264"])
def test_rejections(soap, schemas, query, cstat):
    reply = soap.call(query())
    inf = infcons(reply)
    assert inf.findtext(N + "cStat") == cstat and inf.findtext(N + "xMotivo") == motivo(int(cstat))
    assert inf.find(N + "infCad") is None
    valid(schemas, reply)


def test_259_for_a_registration_without_ie(soap, registry):
    """A CNPJ known only as a non-taxpayer (no IE) is not a taxpayer of the UF."""
    cnpj = new_cnpj()
    registry.put(cnpj)
    assert infcons(soap.call(cons_cad("SP", cnpj=cnpj))).findtext(N + "cStat") == "259"


def test_262_uf_without_cpf_queries(no_cpf, schemas):
    with _client(no_cpf) as client:
        reply = client.call(cons_cad("SP", cpf="12345678909"))
        assert infcons(reply).findtext(N + "cStat") == "262"
        valid(schemas, reply)


def test_schema_and_version_rejections(soap, schemas):
    bad = cons_cad("SP", cnpj="43506397000109")
    bad.find(N + "infCons").find(N + "xServ").text = "CONSULTAR"
    reply = soap.call(bad)
    assert infcons(reply).findtext(N + "cStat") == "215"
    valid(schemas, reply)
    v = cons_cad("SP", cnpj="43506397000109")
    v.set("versao", "4.00")
    reply = soap.call(v)
    assert infcons(reply).findtext(N + "cStat") == "239"
    valid(schemas, reply)


def test_consultacadastro_wrapper_and_zip_dialects(srv):
    """PyNFe wraps the payload in <consultaCadastro> (MT); the codec unwraps it."""
    payload = etree.tostring(cons_cad("SP", cnpj="43506397000109"))
    ns = "http://www.portalfiscal.inf.br/nfe/wsdl/CadConsultaCadastro4"
    body = (b'<soap12:Envelope xmlns:soap12="http://www.w3.org/2003/05/soap-envelope"><soap12:Body>'
            b'<consultaCadastro xmlns="' + ns.encode() + b'"><nfeDadosMsg>' + payload +
            b"</nfeDadosMsg></consultaCadastro></soap12:Body></soap12:Envelope>")
    r = httpx.post(f"{srv.url}/ws/cadconsultacadastro/cadconsultacadastro4.asmx", content=body,
                   headers={"Content-Type": "application/soap+xml; charset=utf-8"})
    assert r.status_code == 200 and b"<cStat>111</cStat>" in r.content, r.content
    assert b"nfeResultMsg" in r.content


# --- The served WSDL and zeep ----------------------------------------------------------------------------------

def test_wsdl_served_with_our_address(srv):
    r = httpx.get(f"{srv.url}/CadConsultaCadastro4?wsdl")
    assert r.status_code == 200
    doc = etree.fromstring(r.content)
    assert doc.get("targetNamespace") == "http://www.portalfiscal.inf.br/nfe/wsdl/CadConsultaCadastro4"
    addresses = [el.get("location") for el in doc.iter() if el.tag.endswith("}address")]
    assert addresses == [f"{srv.url}/CadConsultaCadastro4"] * 2


@pytest.mark.parametrize("port", ["CadConsultaCadastro4Soap", "CadConsultaCadastro4Soap12"])
def test_zeep_from_served_wsdl(srv, schemas, port):
    import zeep

    client = zeep.Client(f"{srv.url}/CadConsultaCadastro4?wsdl")
    service = client.bind("CadConsultaCadastro4", port)
    result = service.consultaCadastro(_value_1=cons_cad("SP", cnpj="43506397000109"))
    # zeep hands back the <any> content of nfeResultMsg: the retConsCad element itself
    ret = result if isinstance(result, etree._Element) else next(
        el for el in result["_value_1"] if isinstance(el, etree._Element))
    assert ret.tag == N + "retConsCad"
    assert ret.find(N + "infCons").findtext(N + "cStat") == "111"
    assert schemas.validate("retConsCad", ret) is None


# --- Admin API and OpenAPI ---------------------------------------------------------------------------------------

def test_admin_crud(registry):
    http = registry.http
    cnpj, ie = new_cnpj(), new_ie()
    body = {"cnpj": cnpj, "ie": ie, "uf": "SP", "name": "LOJA NOVA LTDA", "situation": "suspended",
            "situation_since": "2025-01-02", "suspension": {"by": "fisco", "notified": True, "ban": True},
            "nfe": {"accreditation": "voluntary", "since": "2020-01-01"}, "nfce": "none",
            "address": {"xLgr": "RUA A", "nro": "1", "cMun": 3550308, "CEP": "1001000"}}
    r = http.put(f"/admin/taxpayers/{cnpj}", json=body)
    assert r.status_code == 201, r.text
    got = http.get(f"/admin/taxpayers/{cnpj}").json()
    assert got["suspension"] == {"by": "fisco", "notified": True, "ban": True}
    assert got["nfce"] == {"accreditation": "none"} and got["address"]["CEP"] == "01001000"
    assert got["source"] == "admin"
    assert http.put(f"/admin/taxpayers/{cnpj}", json={**body, "name": "LOJA RENOMEADA"}).status_code == 200
    assert http.get(f"/admin/taxpayers/{cnpj}").json()["name"] == "LOJA RENOMEADA"
    # a second registration: GET without ?ie= answers 300 with both
    ie2 = new_ie()
    assert http.put(f"/admin/taxpayers/{cnpj}", json={**body, "ie": ie2}).status_code == 201
    r = http.get(f"/admin/taxpayers/{cnpj}")
    assert r.status_code == 300 and len(r.json()["items"]) == 2
    assert http.get(f"/admin/taxpayers/{cnpj}", params={"ie": ie2}).json()["ie"] == ie2
    assert http.delete(f"/admin/taxpayers/{cnpj}", params={"ie": ie2}).status_code == 204
    assert http.get(f"/admin/taxpayers/{cnpj}").status_code == 200
    assert http.delete(f"/admin/taxpayers/{cnpj}").status_code == 204
    assert http.get(f"/admin/taxpayers/{cnpj}").status_code == 404
    assert http.delete(f"/admin/taxpayers/{cnpj}").status_code == 404


@pytest.mark.parametrize("body, fragment", [
    ({"uf": "SP", "name": "X", "_path": "43506397000108"}, "check digits"),
    ({"uf": "SP", "name": "X", "_path": "123"}, "a CNPJ has 14"),
    ({"uf": "SP", "name": "X", "ie": "950247285861"}, "not a valid IE"),
    ({"uf": "XX", "name": "X"}, "unknown UF"),
    ({"uf": "SP"}, "name is required"),
    ({"uf": "SP", "name": "X", "situation": "sleeping"}, "situation must be"),
    ({"uf": "SP", "name": "X", "situation_since": "yesterday"}, "not a date"),
    ({"uf": "SP", "name": "X", "nfe": {"accreditation": "maybe"}}, "accreditation must be"),
    ({"cnpj": "59171494000110", "uf": "SP", "name": "X"}, "the body names"),
], ids=["cnpj-dv", "doc-length", "ie-dv", "uf", "name", "situation", "date", "accreditation", "path-mismatch"])
def test_admin_rejects_bad_records(registry, body, fragment):
    path = body.pop("_path", "43506397000109")
    r = registry.http.put(f"/admin/taxpayers/{path}", json=body)
    assert r.status_code == 422 and fragment in r.json()["error"], r.text


def test_admin_rejects_non_json(registry):
    r = registry.http.put("/admin/taxpayers/43506397000109", content=b"not json")
    assert (r.status_code, r.json()["field"]) == (422, "body")
    assert r.json()["reason"].startswith("invalid JSON: Expecting value: line 1 column 1")


def test_admin_list_paginates_and_filters(registry):
    http = registry.http
    page1 = http.get("/admin/taxpayers", params={"limit": 3}).json()
    assert page1["total"] >= 10 and len(page1["items"]) == 3 and page1["offset"] == 0
    page2 = http.get("/admin/taxpayers", params={"limit": 3, "offset": 3}).json()
    docs1 = {(t.get("cnpj") or t.get("cpf"), t["ie"]) for t in page1["items"]}
    docs2 = {(t.get("cnpj") or t.get("cpf"), t["ie"]) for t in page2["items"]}
    assert not docs1 & docs2
    closed = http.get("/admin/taxpayers", params={"situation": "closed", "source": "file"}).json()
    assert [t["cnpj"] for t in closed["items"]] == ["37031443000150"]
    assert http.get("/admin/taxpayers", params={"situation": "nope"}).status_code == 400
    assert http.get("/admin/taxpayers", params={"limit": "x"}).status_code == 400


def test_openapi_describes_the_registry(srv):
    doc = httpx.get(f"{srv.url}/admin/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]["/admin/taxpayers/{doc}"]) == {"get", "put", "delete"}
    assert "get" in doc["paths"]["/admin/taxpayers"]
    assert "/admin/openapi.json" in doc["paths"]
    assert "Taxpayer" in doc["components"]["schemas"]
