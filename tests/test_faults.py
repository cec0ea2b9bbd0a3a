"""The fault engine over real HTTP: forced outcomes (header, rules), service states, asynchronous processing,
latency, dropped answers, 656 ladder, server-mode clock, reset / export / import, OpenAPI."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from lxml import etree

from support import Emitter, prot, server_settings
from fake_sefaz.emitter.client import SoapClient, cons_reci_nfe, cons_sit_nfe, cons_stat_serv, envelope, headers_for
from fake_sefaz.emitter.factory import access_key, wrap_lot
from fake_sefaz.faults import sample_latency
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.server.serve import ThreadedServer

NS = "{http://www.portalfiscal.inf.br/nfe}"


@pytest.fixture(scope="module")
def fsrv(pki, tmp_path_factory):
    """A server of its own (faults must not leak into the shared one), clock controlled through the store."""
    settings = server_settings(pki, tmp_path_factory.mktemp("faults"), clock_control=True)
    with ThreadedServer(settings=settings) as srv:
        yield srv


@pytest.fixture
def admin(fsrv):
    with httpx.Client(base_url=fsrv.url, timeout=10) as c:
        yield c
        c.post("/admin/reset").raise_for_status()


@pytest.fixture
def soap(fsrv):
    c = SoapClient(fsrv.url)
    yield c
    c.close()


@pytest.fixture
def em(pki, fresh_factory, signer, soap):
    return Emitter(pki, fresh_factory, signer, soap)


@pytest.fixture(scope="module")
def schemas():
    s = Schemas()
    s.preload()
    return s


def post_raw(fsrv, payload, headers=None, timeout=10.0, path=None):
    root = etree.QName(payload).localname
    from fake_sefaz.emitter.client import OPERATIONS
    h = headers_for(root, 12)
    h.update(headers or {})
    body = envelope(payload, root)
    from fake_sefaz.emitter.client import parse_reply
    r = httpx.post(fsrv.url + (path or "/" + OPERATIONS[root][0]), content=body, headers=h, timeout=timeout)
    return parse_reply(r.status_code, r.content)


def query(soap, key):
    return soap.call(cons_sit_nfe(2, key))


# --- forced outcomes ---------------------------------------------------------------------------------------

def test_header_forced_rejection_looks_real_and_stores_nothing(fsrv, admin, em, soap):
    nfe = em.nfe()
    key = access_key(nfe)
    r = post_raw(fsrv, wrap_lot([nfe], 1, indSinc=1), {"X-Fake-Sefaz-Status": "539"})
    assert r.cStat == "104"
    assert prot(r) == ("539", "Rejeição: Duplicidade de NF-e com diferença na Chave de Acesso")
    assert admin.get(f"/admin/documents/{key}").status_code == 404
    assert query(soap, key).cStat == "217"
    # nothing was burnt: the same document is then authorized
    assert prot(em.send(nfe))[0] == "100"


def test_header_forced_denial_is_stored_and_burns_the_number(fsrv, admin, em, soap, schemas):
    nfe = em.nfe()
    key = access_key(nfe)
    r = post_raw(fsrv, wrap_lot([nfe], 1, indSinc=1), {"X-Fake-Sefaz-Status": "302"})
    assert prot(r)[0] == "302"
    inf = r.result.find(f"{NS}protNFe/{NS}infProt")
    assert inf.findtext(NS + "nProt"), "a denial has a protocol number"
    assert schemas.validate("retEnviNFe", r.result) is None
    assert admin.get(f"/admin/documents/{key}").json()["state"] == "denied"
    q = query(soap, key)
    assert q.cStat == "110"
    # the number is burnt: the same number under another key answers 205
    again = em.nfe(nNF=int(key[25:34]), serie=int(key[22:25]))
    assert prot(em.send(again))[0] == "205"


def test_header_forces_message_level_code_on_any_service(fsrv, admin, soap):
    r = post_raw(fsrv, cons_stat_serv(2, 35), {"X-Fake-Sefaz-Status": "109"})
    assert (r.cStat, r.field("xMotivo")) == ("109", "Serviço Paralisado sem Previsão")
    assert etree.QName(r.result).localname == "retConsStatServ"
    r = post_raw(fsrv, cons_sit_nfe(2, "3" * 44), {"X-Fake-Sefaz-Status": "656"})
    assert r.cStat == "656" and etree.QName(r.result).localname == "retConsSitNFe"
    # a code outside the catalogue (or not a number) is QA's mistake: a SOAP fault naming it, not a 999
    for value in ("12", "abc"):
        r = post_raw(fsrv, cons_stat_serv(2, 35), {"X-Fake-Sefaz-Status": value})
        assert r.status == 400 and r.result is None and b"Fault" in r.body and f"'{value}'".encode() in r.body


def test_header_refuses_a_code_the_service_never_answers(fsrv):
    """539 (a duplicate NF-e with another key) is no answer of the status service: QA's mistake, a SOAP fault that
    lists what the service can answer; the same code on the authorization service is forced."""
    import re

    from fake_sefaz.faults import forceable
    from fake_sefaz.services import status

    r = post_raw(fsrv, cons_stat_serv(2, 35), {"X-Fake-Sefaz-Status": "539"})
    assert r.status == 400 and r.result is None
    text = re.search(rb"<soap:Text[^>]*>([^<]*)<", r.body).group(1).decode()
    assert text.startswith("x-fake-sefaz-status: NFeStatusServico4 never answers 539; it can answer 107 108 109 ")
    assert {int(c) for c in text.rsplit("answer ", 1)[1].split()} == forceable(status.SERVICE)
    assert 539 not in forceable(status.SERVICE) and {107, 108, 109, 252, 656, 999} <= forceable(status.SERVICE)


def test_rule_matches_issuer_model_series_key_suffix_with_remaining(fsrv, admin, em, pki):
    issuer = pki.identity("emitente").cnpj
    # a rule for another issuer never applies
    admin.post("/admin/faults/rules", json={"operation": "enviNFe", "issuer": "11111111000191", "cstat": 233}).raise_for_status()
    rule = admin.post("/admin/faults/rules", json={
        "operation": "NFeAutorizacao4", "issuer": issuer, "mod": 55, "serie": 7, "uf": "SP",
        "cstat": 301, "remaining": 2, "description": "irregular issuer"}).json()
    assert rule["remaining"] == 2 and rule["cUF"] == 35
    assert prot(em.authorize(serie=1))[0] == "100"  # other series: not matched
    assert prot(em.authorize(serie=7))[0] == "301"
    assert prot(em.authorize(serie=7))[0] == "301"
    assert prot(em.authorize(serie=7))[0] == "100"  # used up
    rules = admin.get("/admin/faults/rules").json()
    assert [r["cstat"] for r in rules] == [233]


def test_rule_key_suffix_and_lot_of_two(fsrv, admin, em):
    a, b = em.nfe(), em.nfe()
    key_b = access_key(b)
    admin.post("/admin/faults/rules", json={"key_suffix": key_b[-6:], "cstat": 562}).raise_for_status()
    r = em.send(a, b, sync=False)
    assert r.cStat == "103"
    rec = em.client.call(cons_reci_nfe(2, r.result.findtext(f"{NS}infRec/{NS}nRec")))
    codes = {p.findtext(f"{NS}infProt/{NS}chNFe"): p.findtext(f"{NS}infProt/{NS}cStat") for p in rec.result.findall(NS + "protNFe")}
    assert codes == {access_key(a): "100", key_b: "562"}


def test_rule_expires_by_the_clock(fsrv, admin, soap):
    admin.post("/admin/faults/rules", json={"operation": "consStatServ", "cstat": 108, "expires_in_s": 60}).raise_for_status()
    assert soap.call(cons_stat_serv(2, 35)).cStat == "108"
    admin.post("/admin/faults/clock/advance", json={"seconds": 61}).raise_for_status()
    time.sleep(0.6)  # other workers re-read the clock within 0.5 s; this one at once
    assert soap.call(cons_stat_serv(2, 35)).cStat == "107"


def test_bad_rules_are_400(admin):
    # a rule body that does not fit the model: 422 naming the field (issue 13)
    for body, field, reason in (
            ({"cstat": 1}, "cstat", "1 is not a code of the catalogue"),
            ({"operation": "x"}, "body", "a rule needs an effect: cstat, latency_ms or drop"),
            ({"cstat": 100, "color": "red"}, "color", "Extra inputs are not permitted"),
            ({"drop": "explode"}, "drop", "must be one of ('close', 'timeout')"),
            ({"cstat": 108, "remaining": 0}, "remaining", "Input should be greater than or equal to 1"),
            ({"cstat": "abc"}, "cstat", "Input should be a valid integer, unable to parse string as an integer")):
        r = admin.post("/admin/faults/rules", json=body)
        assert (r.status_code, r.json()["field"], r.json()["reason"]) == (422, field, reason), r.text
    r = admin.put("/admin/faults/services", json={"cstat": 110})
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (422, "cstat", "Input should be 107, 108 or 109")
    r = admin.put("/admin/faults/latency", json={"ms": "x"})
    assert (r.status_code, r.json()["field"]) == (422, "ms")
    r = admin.put("/admin/faults/latency", json={"ms": 10, "distribution": "bimodal"})
    assert (r.status_code, r.json()["field"]) == (422, "distribution")
    assert admin.delete("/admin/faults/rules/nope").status_code == 404


@pytest.mark.parametrize("method,path", [
    ("POST", "/admin/faults/rules"), ("POST", "/admin/faults/drop"), ("PUT", "/admin/faults/services"),
    ("PUT", "/admin/faults/latency"), ("PUT", "/admin/faults/consumption"),
    ("POST", "/admin/faults/consumption/release"), ("POST", "/admin/faults/clock/advance"),
    ("PUT", "/admin/state"), ("PUT", "/admin/taxpayers/43506397000109"), ("POST", "/admin/events/evidence"),
    ("POST", "/admin/taxpayers/43506397000109/csc")])
def test_invalid_json_is_422_naming_the_body(admin, method, path):
    # issue 13: every admin body is a model; a body that is not JSON at all names "body", never a bare 400
    r = admin.request(method, path, content=b'{"uf": "SP",', headers={"content-type": "application/json"})
    assert (r.status_code, r.json()["field"]) == (422, "body"), r.text
    assert r.json()["reason"].startswith("invalid JSON: Expecting property name enclosed in double quotes"), r.text
    r = admin.request(method, path, json=[1, 2])
    assert (r.status_code, r.json()["reason"]) == (422, "the JSON body must be an object"), r.text


def test_release_and_taxpayer_bodies_name_the_unknown_key(admin):
    r = admin.post("/admin/faults/consumption/release", json={"isuer": "43506397000109"})
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (422, "isuer", "Extra inputs are not permitted")
    assert admin.post("/admin/faults/consumption/release", json={"issuer": "43506397000109"}).json() == {"released": 0}
    assert admin.post("/admin/faults/consumption/release").json() == {"released": 0}
    r = admin.put("/admin/taxpayers/43506397000109", json={"uf": "SP", "nmae": "X"})
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (422, "nmae", "Extra inputs are not permitted")
    r = admin.put("/admin/taxpayers/43506397000109", json={"uf": "SP", "name": "X", "address": {"cMun": [1]}})
    assert (r.status_code, r.json()["field"]) == (422, "address.cMun"), r.text
    r = admin.put("/admin/taxpayers/43506397000109", json={"uf": "XX", "name": "X"})
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (422, "uf", "uf: unknown UF 'XX'"), r.text
    r = admin.put("/admin/taxpayers/43506397000100", json={"uf": "SP", "name": "X"})
    assert (r.status_code, r.json()["field"]) == (422, "cnpj"), r.text


# --- service state --------------------------------------------------------------------------------------------

def test_paused_authorization_answers_108_and_status_reports_it(fsrv, admin, em, soap, schemas):
    admin.put("/admin/faults/services", json={"uf": "SP", "service": "NFeAutorizacao4", "cstat": 108,
                                              "xObs": "Manutencao programada"}).raise_for_status()
    st = soap.call(cons_stat_serv(2, 35))
    assert (st.cStat, st.field("xMotivo")) == ("108", "Serviço Paralisado Momentaneamente (curto prazo)")
    assert st.field("xObs") == "Manutencao programada"
    assert schemas.validate("retConsStatServ", st.result) is None
    nfe = em.nfe()
    r = em.send(nfe)
    assert r.cStat == "108" and r.result.find(NS + "protNFe") is None
    assert schemas.validate("retEnviNFe", r.result) is None
    assert query(soap, access_key(nfe)).cStat == "217"  # the query service still works, nothing stored
    # another UF served by the same server is not paused
    assert post_raw(fsrv, cons_stat_serv(2, 43), path="/RS/NFeStatusServico4").cStat == "107"
    admin.put("/admin/faults/services", json={"uf": "SP", "service": "*", "cstat": 109}).raise_for_status()
    assert query(soap, access_key(nfe)).cStat == "109"
    admin.delete("/admin/faults/services").raise_for_status()
    assert soap.call(cons_stat_serv(2, 35)).cStat == "107"
    assert prot(em.send(nfe))[0] == "100"


def test_async_delay_answers_105_and_tmed_reflects_it(fsrv, admin, em, soap):
    admin.put("/admin/faults/services", json={"service": "NFeAutorizacao4", "cstat": 107, "async_delay_s": 30}).raise_for_status()
    st = soap.call(cons_stat_serv(2, 35))
    assert st.cStat == "107" and st.field("tMed") == "30"
    r = em.send(em.nfe(), sync=False)
    assert r.cStat == "103" and r.result.findtext(f"{NS}infRec/{NS}tMed") == "30"
    nRec = r.result.findtext(f"{NS}infRec/{NS}nRec")
    assert soap.call(cons_reci_nfe(2, nRec)).cStat == "105"
    admin.post("/admin/faults/clock/advance", json={"seconds": 31}).raise_for_status()
    rec = soap.call(cons_reci_nfe(2, nRec))
    assert rec.cStat == "104" and rec.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}cStat") == "100"


def test_async_for_n_polls(fsrv, admin, em, soap):
    admin.put("/admin/faults/services", json={"service": "NFeAutorizacao4", "cstat": 107, "async_polls": 2}).raise_for_status()
    r = em.send(em.nfe(), sync=False)
    nRec = r.result.findtext(f"{NS}infRec/{NS}nRec")
    assert [soap.call(cons_reci_nfe(2, nRec)).cStat for _ in range(3)] == ["105", "105", "104"]


# --- latency and dropped answers ----------------------------------------------------------------------------

def test_latency_header_rule_and_distribution(fsrv, admin, soap):
    t = time.monotonic()
    assert post_raw(fsrv, cons_stat_serv(2, 35), {"X-Fake-Sefaz-Delay-Ms": "300"}).cStat == "107"
    assert time.monotonic() - t >= 0.3
    admin.post("/admin/faults/rules", json={"operation": "consStatServ", "latency_ms": 250, "remaining": 1}).raise_for_status()
    t = time.monotonic()
    assert soap.call(cons_stat_serv(2, 35)).cStat == "107"
    assert time.monotonic() - t >= 0.25
    admin.put("/admin/faults/latency", json={"ms": 200, "max_ms": 260, "distribution": "uniform",
                                             "services": ["NFeStatusServico4"]}).raise_for_status()
    t = time.monotonic()
    assert soap.call(cons_stat_serv(2, 35)).cStat == "107"
    assert time.monotonic() - t >= 0.2
    admin.delete("/admin/faults/latency").raise_for_status()


def test_latency_distributions_are_bounded():
    rng = random.Random(5)
    assert sample_latency({"ms": 100}, rng) == 0.1
    u = [sample_latency({"ms": 100, "max_ms": 200, "distribution": "uniform"}, rng) for _ in range(200)]
    assert min(u) >= 0.1 and max(u) <= 0.2 and len(set(u)) > 100
    n = [sample_latency({"ms": 100, "stddev_ms": 30, "max_ms": 150, "distribution": "normal"}, rng) for _ in range(500)]
    assert min(n) >= 0 and max(n) <= 0.15 and 0.08 < sum(n) / len(n) < 0.12
    e = [sample_latency({"ms": 50, "distribution": "exponential"}, rng) for _ in range(2000)]
    assert 0.04 < sum(e) / len(e) < 0.06


def test_dropped_answer_connection_cut_then_query_finds_it_authorized(fsrv, admin, em, soap):
    admin.post("/admin/faults/drop", json={"drop": "close"}).raise_for_status()
    nfe = em.nfe()
    with pytest.raises(httpx.TransportError):
        post_raw(fsrv, wrap_lot([nfe], 1, indSinc=1), timeout=5)
    q = query(soap, access_key(nfe))
    assert q.cStat == "100", q.body
    assert q.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}nProt")
    # sending again (the emitter that did not query first) meets the duplicate
    assert prot(em.send(nfe))[0] == "204"


def test_dropped_answer_timeout_seen_by_a_real_client(fsrv, admin, em, soap):
    nfe = em.nfe()
    client = SoapClient(fsrv.url, timeout=1.0)
    admin.post("/admin/faults/drop", json={"drop": "timeout"}).raise_for_status()
    t = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        client.call(wrap_lot([nfe], 1, indSinc=1))
    assert time.monotonic() - t < 10
    client.close()
    q = query(soap, access_key(nfe))
    assert q.cStat == "100", q.body


def test_drop_header(fsrv, admin, em, soap):
    nfe = em.nfe()
    with pytest.raises(httpx.TimeoutException):
        post_raw(fsrv, wrap_lot([nfe], 1, indSinc=1), {"X-Fake-Sefaz-Drop": "timeout"}, timeout=0.8)
    assert query(soap, access_key(nfe)).cStat == "100"


# --- 656 consumo indevido -------------------------------------------------------------------------------------

def test_656_is_off_by_default(fsrv, admin, em, soap):
    key = access_key(em.nfe())
    assert admin.get("/admin/faults/consumption").json()["enabled"] is False
    assert {query(soap, key).cStat for _ in range(12)} == {"217"}  # over the NT's 10 per hour: no 656


def test_656_ladder_on_queries(fsrv, admin, em, soap, pki, schemas):
    nfe = em.nfe()
    key = access_key(nfe)
    admin.put("/admin/faults/consumption", json={"enabled": True, "thresholds": {"consSitNFe": 3},
                                                 "suspension_s": 600, "block_after": 2}).raise_for_status()
    assert [query(soap, key).cStat for _ in range(3)] == ["217"] * 3
    r = query(soap, key)
    assert r.cStat == "656" and r.field("xMotivo").startswith("Rejeição: Consumo Indevido (Deve ser aguardado 10 minutos")
    assert schemas.validate("retConsSitNFe", r.result) is None
    assert query(soap, key).cStat == "656"  # suspended
    blocks = admin.get("/admin/faults/consumption").json()["blocks"]
    assert [(b["issuer"], b["level"]) for b in blocks] == [(pki.identity("emitente").cnpj, "suspension")]
    admin.post("/admin/faults/clock/advance", json={"minutes": 11}).raise_for_status()
    assert [query(soap, key).cStat for _ in range(3)] == ["217"] * 3  # lifted by itself, counting again
    assert query(soap, key).cStat == "656"  # second suspension within 24 h: a block
    assert admin.get("/admin/faults/consumption").json()["blocks"][-1]["level"] == "block"
    admin.post("/admin/faults/clock/advance", json={"hours": 5}).raise_for_status()
    assert query(soap, key).cStat == "656"  # a block does not lift by itself
    assert admin.post("/admin/faults/consumption/release", json={"issuer": pki.identity("emitente").cnpj}).json()["released"] == 2
    assert query(soap, key).cStat == "217"


def test_656_same_rejection_of_the_same_nfe(fsrv, admin, em, soap):
    admin.put("/admin/faults/consumption", json={"enabled": True, "thresholds": {"enviNFe": 2}}).raise_for_status()
    bad = em.nfe(tpAmb=1)  # 252 each time
    assert [prot(em.send(bad))[0] for _ in range(2)] == ["252", "252"]
    r = em.send(bad)
    assert r.cStat == "656" and r.result.find(NS + "protNFe") is None
    # the suspension is the issuer's on this service: a good note of the same issuer waits too
    assert em.send(em.nfe()).cStat == "656"
    # other services are not suspended
    assert soap.call(cons_stat_serv(2, 35)).cStat == "107"
    admin.post("/admin/faults/consumption/release", json={}).raise_for_status()
    assert prot(em.send(em.nfe()))[0] == "100"


def test_656_via_setting(pki, tmp_path, signer, fresh_factory):
    settings = server_settings(pki, tmp_path, consumption_limits=True, consumption_key_queries=1)
    with ThreadedServer(settings=settings) as srv:
        c = SoapClient(srv.url)
        key = access_key(fresh_factory.build())
        assert [c.call(cons_sit_nfe(2, key)).cStat for _ in range(2)] == ["217", "656"]
        c.close()


# --- clock, reset, export / import, shared state ----------------------------------------------------------------

def test_server_clock_drives_deadlines(fsrv, admin, em, soap):
    before = datetime.fromisoformat(admin.get("/admin/faults/clock").json()["now"])
    admin.post("/admin/faults/clock/advance", json={"days": 31}).raise_for_status()
    now = datetime.fromisoformat(admin.get("/admin/health").json()["now"])
    assert timedelta(days=31) <= now - before < timedelta(days=31, minutes=1)
    assert prot(em.authorize())[0] == "228"  # dhEmi (real today) is now too old for the server
    admin.post("/admin/faults/clock/reset").raise_for_status()
    assert prot(em.authorize())[0] == "100"


def test_server_clock_set_and_freeze(fsrv, admin, soap):
    instant = "2026-03-02T10:00:00-03:00"
    c = admin.post("/admin/faults/clock/set", json={"instant": instant, "frozen": True}).json()
    assert c["frozen"] is True
    a, b = soap.call(cons_stat_serv(2, 35)), soap.call(cons_stat_serv(2, 35))
    assert a.field("dhRecbto") == b.field("dhRecbto") == instant
    admin.post("/admin/faults/clock/advance", json={"hours": 1}).raise_for_status()
    assert soap.call(cons_stat_serv(2, 35)).field("dhRecbto") == "2026-03-02T11:00:00-03:00"
    admin.post("/admin/faults/clock/unfreeze").raise_for_status()
    assert admin.get("/admin/faults/clock").json()["frozen"] is False
    r = admin.post("/admin/faults/clock/set", json={"instant": "2026-03-02T10:00:00"})
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (
        422, "instant", "instant needs a UTC offset, e.g. 2026-01-31T23:59:00-03:00")
    r = admin.post("/admin/faults/clock/advance", json={"hours": "many"})
    assert (r.status_code, r.json()["field"]) == (422, "hours")
    r = admin.put("/admin/faults/consumption", json={"block_after": 0})
    assert (r.status_code, r.json()["field"]) == (422, "block_after")


def test_clock_not_controllable_without_setting(pki, tmp_path):
    with ThreadedServer(settings=server_settings(pki, tmp_path)) as srv:
        r = httpx.post(srv.url + "/admin/faults/clock/advance", json={"seconds": 1})
        assert r.status_code == 409
        assert httpx.get(srv.url + "/admin/faults/clock").json()["controllable"] is False


def test_reset_export_import(fsrv, admin, em, soap):
    nfe = em.nfe()
    key = access_key(nfe)
    assert prot(em.send(nfe))[0] == "100"
    admin.post("/admin/faults/rules", json={"operation": "consStatServ", "cstat": 108}).raise_for_status()
    dump = admin.get("/admin/state").json()
    assert {"documents", "lots", "lot_items", "sequences", "fault_rules", "service_states"} <= set(dump["tables"])
    assert len(dump["tables"]["documents"]["rows"]) == 1
    admin.post("/admin/reset").raise_for_status()
    assert query(soap, key).cStat == "217"
    assert soap.call(cons_stat_serv(2, 35)).cStat == "107"
    r = admin.put("/admin/state", json=dump)
    assert r.json()["imported"]["documents"] == 1
    q = query(soap, key)
    assert q.cStat == "100" and soap.call(cons_stat_serv(2, 35)).cStat == "108"
    # the sequences came back too: the next protocol does not repeat one already given
    nprot = q.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}nProt")
    admin.delete("/admin/faults/rules").raise_for_status()
    r2 = em.authorize()
    assert r2.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}nProt") > nprot
    r = admin.put("/admin/state", json={"tables": {"nope": {"columns": [], "rows": []}}})
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (422, "tables", "unknown tables: nope"), r.text
    r = admin.put("/admin/state", json={"tables": {"documents": {"columns": ["key"]}}})
    assert (r.status_code, r.json()["field"]) == (422, "tables.documents.rows"), r.text


def test_state_is_shared_between_workers(pki, tmp_path, fresh_factory, signer):
    """Two backends on one database (what `serve --workers 2` runs): what one is told, the other does."""
    settings = server_settings(pki, tmp_path, clock_control=True)
    with ThreadedServer(settings=settings) as a, ThreadedServer(settings=settings) as b:
        httpx.post(a.url + "/admin/faults/rules", json={"operation": "consStatServ", "cstat": 109, "remaining": 1}).raise_for_status()
        cb = SoapClient(b.url)
        assert cb.call(cons_stat_serv(2, 35)).cStat == "109"
        assert SoapClient(a.url).call(cons_stat_serv(2, 35)).cStat == "107"  # used up on b
        httpx.post(a.url + "/admin/faults/clock/advance", json={"days": 2}).raise_for_status()
        time.sleep(0.6)
        now_b = datetime.fromisoformat(httpx.get(b.url + "/admin/health").json()["now"])
        assert now_b - datetime.now(timezone.utc) > timedelta(days=1, hours=23)


def test_openapi_describes_every_admin_route(fsrv, admin):
    doc = admin.get("/admin/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    from fake_sefaz.web import admin_faults
    paths = {r.path for r in admin_faults.routes(fsrv.authorizer)}
    assert paths <= set(doc["paths"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and "responses" in op, (path, method)


def test_forced_denial_then_dropped_answer(fsrv, admin, em, soap):
    """One rule, two faults: the lot is denied (stored) and its answer is lost; the query tells the emitter."""
    admin.post("/admin/faults/rules", json={"operation": "enviNFe", "cstat": 302, "drop": "close", "remaining": 1}).raise_for_status()
    nfe = em.nfe()
    with pytest.raises(httpx.TransportError):
        post_raw(fsrv, wrap_lot([nfe], 1, indSinc=1), timeout=5)
    assert query(soap, access_key(nfe)).cStat == "110"
