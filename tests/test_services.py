"""Receipt, protocol query and server-level behaviour over real HTTP: 105/106/248, 217/236/249, 776,
296 (stale CRL), 999 (a rule that breaks), restart durability, and zeep built from the served WSDL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from support.authz import N, assert_valid, key_of, prot_of
from support import Emitter, server_settings
from fake_sefaz.domain import codes
from fake_sefaz.emitter.client import SoapClient, cons_reci_nfe, cons_sit_nfe
from fake_sefaz.domain.clock import ControlledClock
from fake_sefaz.domain.keys import mod11_dv
from fake_sefaz.server.serve import ThreadedServer


def _client(srv):
    return SoapClient(srv.url)


# --- receipt ----------------------------------------------------------------------------------------------

def test_106_unknown_receipt_and_248_other_uf(soap12):
    r = soap12.call(cons_reci_nfe(2, "35" + "9" * 13))
    assert r.cStat == "106" and r.field("xMotivo") == codes.text(106)
    assert_valid(r, "retConsReciNFe")
    r = soap12.call(cons_reci_nfe(2, "33" + "0" * 12 + "1"))
    assert r.cStat == "248"
    assert_valid(r, "retConsReciNFe")


def test_receipt_252_environment(soap12):
    assert soap12.call(cons_reci_nfe(1, "35" + "0" * 12 + "1")).cStat == "252"


def test_105_until_the_async_delay_has_passed(pki, fresh_factory, signer, tmp_path):
    clock = ControlledClock(frozen=True)
    with ThreadedServer(settings=server_settings(pki, tmp_path, async_delay_s=60), clock=clock) as srv:
        c = _client(srv)
        em = Emitter(pki, fresh_factory, signer, c)
        sent = em.send(em.nfe(), em.nfe(), sync=False)
        assert sent.cStat == "103"
        assert sent.result.findtext(N + "infRec/" + N + "tMed") == "60"  # tMed reflects the processing time
        nRec = sent.result.findtext(N + "infRec/" + N + "nRec")
        r = c.call(cons_reci_nfe(2, nRec))
        assert r.cStat == "105" and r.result.find(N + "protNFe") is None
        assert_valid(r, "retConsReciNFe")
        clock.advance(timedelta(seconds=59))
        assert c.call(cons_reci_nfe(2, nRec)).cStat == "105"
        clock.advance(timedelta(seconds=2))
        r = c.call(cons_reci_nfe(2, nRec))
        assert r.cStat == "104" and [prot_of(r, i)[0] for i in range(2)] == ["100", "100"]


# --- query --------------------------------------------------------------------------------------------------

def _key(prefix43: str) -> str:
    return prefix43 + str(mod11_dv(prefix43))


def test_query_217_236_249(soap12):
    unknown = _key("35" + "2611" + "11222333000181" + "55" + "001" + "000000042" + "1" + "87654321")
    r = soap12.call(cons_sit_nfe(2, unknown))
    assert r.cStat == "217" and r.field("chNFe") == unknown
    assert_valid(r, "retConsSitNFe")
    bad_dv = unknown[:43] + str((int(unknown[43]) + 1) % 10)
    assert soap12.call(cons_sit_nfe(2, bad_dv)).cStat == "236"
    other_uf = _key("33" + unknown[2:43])
    assert soap12.call(cons_sit_nfe(2, other_uf)).cStat == "249"
    assert soap12.call(cons_sit_nfe(1, unknown)).cStat == "252"


def test_query_returns_the_protocol_as_answered(emitter12, soap12):
    nfe = emitter12.nfe()
    sent = emitter12.authorize(nfe)
    q = soap12.call(cons_sit_nfe(2, key_of(nfe)))
    assert q.cStat == "100" and q.field("xMotivo") == codes.text(100)
    assert etree.tostring(q.result.find(N + "protNFe")) == etree.tostring(sent.result.find(N + "protNFe"))


# --- server-level settings ------------------------------------------------------------------------------------

def test_776_uf_without_synchronous_service(pki, fresh_factory, signer, tmp_path):
    with ThreadedServer(settings=server_settings(pki, tmp_path, sync_enabled=False)) as srv:
        em = Emitter(pki, fresh_factory, signer, _client(srv))
        r = em.send(em.nfe(), sync=True)
        assert r.cStat == "776" and r.field("xMotivo") == codes.text(776)
        assert em.send(em.nfe(), sync=False).cStat == "103"


def test_296_stale_crl(pki, fresh_factory, signer, tmp_path):
    from cryptography.hazmat.primitives.serialization import Encoding
    from fake_sefaz.emitter.pki import make_crl

    now = datetime.now(timezone.utc)
    stale = make_crl(pki.intermediate, [], now - timedelta(days=10), now - timedelta(days=1))
    crl_file = tmp_path / "stale.crl.pem"
    crl_file.write_bytes(stale.public_bytes(Encoding.PEM))
    settings = server_settings(pki, tmp_path, trust_test_ca=False, trust_anchors=tuple(map(str, pki.trust_anchor_files)),
                               crl_files=(str(crl_file),))
    with ThreadedServer(settings=settings) as srv:
        em = Emitter(pki, fresh_factory, signer, _client(srv))
        r = em.authorize()
        assert prot_of(r)[0] == "296"


def test_999_a_broken_rule_is_answered_and_the_worker_keeps_serving(pki, fresh_factory, signer, tmp_path, caplog):
    from fake_sefaz.rules import rule

    @rule("TEST", 999)
    def broken(ctx):
        raise ZeroDivisionError("a bug inside a rule")

    with ThreadedServer(settings=server_settings(pki, tmp_path)) as srv:
        healthy = srv.authorizer.nfe_pipeline
        srv.authorizer.nfe_pipeline = healthy + (broken,)
        em = Emitter(pki, fresh_factory, signer, _client(srv))
        r = em.authorize()
        assert r.status == 200 and r.cStat == "999" and r.field("xMotivo").startswith(codes.text(999))
        assert_valid(r, "retEnviNFe")
        assert any("unexpected error" in rec.getMessage() for rec in caplog.records)
        srv.authorizer.nfe_pipeline = healthy
        assert prot_of(em.authorize())[0] == "100"


# --- durability -----------------------------------------------------------------------------------------------

def test_restart_keeps_documents_lots_and_numbering(pki, fresh_factory, signer, tmp_path):
    settings = server_settings(pki, tmp_path, sqlite_synchronous="FULL")
    with ThreadedServer(settings=settings) as srv:
        em = Emitter(pki, fresh_factory, signer, _client(srv))
        nfe = em.nfe()
        first = em.authorize(nfe)
        nprot1 = first.result.find(N + "protNFe/" + N + "infProt").findtext(N + "nProt")
        lot = em.send(em.nfe(), sync=False)
        nRec = lot.result.findtext(N + "infRec/" + N + "nRec")
    with ThreadedServer(settings=settings) as srv:
        c = _client(srv)
        q = c.call(cons_sit_nfe(2, key_of(nfe)))
        assert q.cStat == "100"
        assert q.result.find(N + "protNFe/" + N + "infProt").findtext(N + "nProt") == nprot1
        assert c.call(cons_reci_nfe(2, nRec)).cStat == "104"
        em = Emitter(pki, fresh_factory, signer, c)
        assert prot_of(em.authorize(nfe))[0] == "204"  # still a duplicate after the restart
        nprot2 = em.authorize().result.find(N + "protNFe/" + N + "infProt").findtext(N + "nProt")
        assert int(nprot2[-10:]) > int(nprot1[-10:])  # the sequence continues, never repeats


# --- a real client: zeep from the served WSDL -------------------------------------------------------------------

@pytest.mark.parametrize("port", ["NFeAutorizacao4Soap12", "NFeAutorizacao4Soap"])
def test_zeep_from_served_wsdl_authorizes(server, emitter12, port):
    import zeep
    from fake_sefaz.emitter.factory import wrap_lot

    client = zeep.Client(server.url + "/NFeAutorizacao4?wsdl")
    service = client.bind("NFeAutorizacao4", port)
    nfe = emitter12.nfe()
    result = service.nfeAutorizacaoLote(_value_1=wrap_lot([nfe], 1, 1))
    ret = result["body"]["_value_1"]  # the output message declares the nfeMonitoria header, so zeep splits it
    assert ret.tag == N + "retEnviNFe"
    assert ret.findtext(N + "cStat") == "104"
    assert ret.findtext(N + "protNFe/" + N + "infProt/" + N + "cStat") == "100"
