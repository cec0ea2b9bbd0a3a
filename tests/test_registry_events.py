"""Where the registry meets events and inutilização (issues 3 and 4), over real HTTP:
240 for a cancellation or a voiding by an irregular issuer, and a denied number that cannot be voided."""

from __future__ import annotations

import random

import pytest

from support.events import cancel_det, dh, env_evento, ev_stat, evento, inut_nfe, inut_stat
from fake_sefaz.emitter.client import SoapClient
from support.registry import Issuer, Registry, key_of, prot_of, start_server


@pytest.fixture(scope="module")
def srv(pki, tmp_path_factory):
    # the DF Portaria's denial of model 55 (before NT 2024.001): a denied number cannot be voided
    s = start_server(pki, tmp_path_factory.mktemp("registry-events"), nfe_denial_removed=False)
    yield s
    s.stop()


@pytest.fixture
def world(pki, srv):
    client = SoapClient(srv.url)
    registry = Registry(srv)
    yield Issuer(pki, srv, client), registry, client
    registry.close()
    client.close()


def _voiding(issuer, srv, n):
    yy = srv.clock.now().year % 100
    return issuer.signer.sign(inut_nfe(issuer.cnpj, n, n, ano=yy, serie=1))


def test_240_cancellation_and_voiding_by_an_irregular_issuer(world, srv):
    issuer, registry, client = world
    nfe = issuer.nfe()
    reply = issuer.send(nfe)
    status, nProt = prot_of(reply)
    assert status == "100"
    issuer.register(registry, situation="closed", situation_since=registry.ago(1))
    cancel = issuer.signer.sign(evento(key_of(nfe), "110111", cancel_det(nProt), author=issuer.cnpj,
                                       dhEvento=dh(srv.clock.now())))
    assert ev_stat(client.call(env_evento(cancel)))[0] == "240"
    free_number = random.randint(10**8, 9 * 10**8)
    assert inut_stat(client.call(_voiding(issuer, srv, free_number))) == "240"
    # once the registration is regular again, both go through
    issuer.register(registry, situation="active")
    assert ev_stat(client.call(env_evento(cancel)))[0] == "135"
    assert inut_stat(client.call(_voiding(issuer, srv, free_number))) == "102"


def test_a_denied_number_cannot_be_voided(world, srv):
    issuer, registry, client = world
    issuer.register(registry, situation="paused", situation_since=registry.ago(2))
    nNF = random.randint(10**8, 9 * 10**8)
    assert prot_of(issuer.send(issuer.nfe(nNF=nNF, serie=1)))[0] == "301"
    issuer.register(registry, situation="active")
    assert inut_stat(client.call(_voiding(issuer, srv, nNF))) == "241"  # a number used by a denial
