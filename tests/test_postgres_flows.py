"""Every feature's SQL on PostgreSQL (the store for many workers), over real HTTP: authorization, receipt,
query, events, inutilização, registry and denial, CSC, faults, ConsCad, state export."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import httpx
import pytest

from support.authz import N, key_of, prot_of
from support import Emitter, server_settings
from support.db import fresh_postgres
from fake_sefaz.emitter import builders
from fake_sefaz.domain import protocol
from fake_sefaz.emitter.client import SoapClient, cons_cad, cons_reci_nfe, cons_sit_nfe
from fake_sefaz.server.serve import ThreadedServer


@pytest.fixture(scope="module")
def pg_server(pki, tmp_path_factory):
    with fresh_postgres() as url:
        settings = server_settings(pki, tmp_path_factory.mktemp("pg"), database_url=url)
        with ThreadedServer(settings=settings) as srv:
            yield srv


def _ev(reply):
    return reply.result.find(f"{N}retEvento/{N}infEvento").findtext(N + "cStat")


def test_every_feature_on_postgres(pg_server, pki, fresh_factory, signer):
    c = SoapClient(pg_server.url)
    admin = httpx.Client(base_url=pg_server.url, timeout=30)
    em = Emitter(pki, fresh_factory, signer, c)
    ident = pki.identity("emitente")
    now = lambda: protocol.dh(datetime.now(timezone.utc), 35)  # noqa: E731

    # authorization, duplicate, async receipt, query
    nfe = em.nfe()
    sent = em.authorize(nfe)
    assert prot_of(sent)[0] == "100"
    assert prot_of(em.authorize(nfe))[0] == "204"
    lot = em.send(em.nfe(), sync=False)
    assert c.call(cons_reci_nfe(2, lot.result.findtext(f"{N}infRec/{N}nRec"))).cStat == "104"
    nProt = sent.result.findtext(f"{N}protNFe/{N}infProt/{N}nProt")

    # events: CC-e then cancellation; the query shows 101 with both events
    cce = signer.sign(builders.evento(key_of(nfe), "110110", builders.cce_det("Correcao do endereco de entrega"),
                                      author=ident.cnpj, dhEvento=now()))
    assert _ev(c.call(builders.env_evento(cce))) == "135"
    cancel = signer.sign(builders.evento(key_of(nfe), "110111", builders.cancel_det(nProt), author=ident.cnpj,
                                         dhEvento=now()))
    assert _ev(c.call(builders.env_evento(cancel))) == "135"
    q = c.call(cons_sit_nfe(2, key_of(nfe)))
    assert q.cStat == "101" and len(q.result.findall(N + "procEventoNFe")) == 2

    # inutilização, then the voided number is refused
    n = random.randint(10**8, 9 * 10**8)
    inut = signer.sign(builders.inut_nfe(ident.cnpj, n, n + 2, ano=datetime.now().year % 100, serie=3))
    assert c.call(inut).result.findtext(f"{N}infInut/{N}cStat") == "102"
    assert prot_of(em.authorize(em.nfe(nNF=n + 1, serie=3)))[0] == "206"

    # registry: an issuer closed -> 781 (NT 2024.001: model 55 is rejected, not denied), nothing stored
    other = em.nfe(sign=False)
    ie = other.findtext(f"{N}infNFe/{N}emit/{N}IE")
    r = admin.put(f"/admin/taxpayers/{ident.cnpj}", json={"cnpj": ident.cnpj, "ie": ie, "uf": "SP", "name": "X",
                                                          "situation": "closed", "situation_since": "2020-01-01"})
    assert r.status_code in (200, 201), r.text
    denied = signer.sign_nfe(other)
    assert prot_of(em.authorize(denied))[0] == "781"
    assert c.call(cons_sit_nfe(2, key_of(denied))).cStat == "217"
    admin.put(f"/admin/taxpayers/{ident.cnpj}", json={"cnpj": ident.cnpj, "ie": ie, "uf": "SP", "name": "X",
                                                      "situation": "active"})
    assert prot_of(em.authorize(denied))[0] == "100"  # the number stayed free

    # CSC tokens, a fault rule, the taxpayer registry query, and the state export
    assert admin.post(f"/admin/taxpayers/{ident.cnpj}/csc", json={}).status_code == 201
    assert len(admin.get(f"/admin/taxpayers/{ident.cnpj}/csc").json()["tokens"]) == 1
    assert admin.post("/admin/faults/rules", json={"operation": "NFeAutorizacao4", "cstat": 108,
                                                   "remaining": 1}).status_code in (200, 201)
    assert em.authorize().cStat == "108"
    assert prot_of(em.authorize())[0] == "100"
    cad = c.call(cons_cad("SP", cnpj=ident.cnpj))
    assert cad.result.findtext(f"{N}infCons/{N}cStat") in ("111", "112")
    tables = admin.get("/admin/state").json()["tables"]
    assert {"documents", "events", "taxpayers"} <= set(tables) and len(tables["documents"]["rows"]) >= 4
    admin.close()
    c.close()

