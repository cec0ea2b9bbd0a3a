"""NFeInutilizacao4 over real HTTP: 102 with its own protocol, the range rules, 206 afterwards, the gap report."""

from __future__ import annotations

import copy
import random
from datetime import datetime, timedelta, timezone

import httpx
from lxml import etree

from support.events import inut_nfe, inut_stat
from fake_sefaz.emitter.factory import wrap_lot
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.emitter.signer import Signer
from fake_sefaz.domain.xml import N

SCHEMAS = Schemas()




# Series 100-899 drawn without replacement: tests sharing the session's server never void overlapping ranges
# of one series (independent draws collided now and then: 563/256 instead of the expected code).
_SERIES = iter(random.sample(range(100, 900), 800))


def fresh_serie() -> int:
    return next(_SERIES)


def authorize(issuer, **overrides):
    nfe = issuer.signer.sign_nfe(issuer.factory.build(**overrides))
    r = issuer.client.call(wrap_lot([nfe], idLote=1, indSinc=1))
    return r.result.findtext(f"{N}protNFe/{N}infProt/{N}cStat"), r


def test_102_with_protocol_then_206_on_authorization(issuer_any):
    serie = fresh_serie()
    r = issuer_any.voiding(10, 12, serie=serie)
    assert r.status == 200 and inut_stat(r) == "102", r.body
    err = SCHEMAS.validate("retInutNFe", r.result)
    assert err is None, err.describe()
    inf = r.result.find(N + "infInut")
    assert inf.get("Id") == "ID" + inf.findtext(N + "nProt") and inf.findtext(N + "nNFIni") == "10"
    assert inf.findtext(N + "serie") == str(serie)
    cstat, reply = authorize(issuer_any, serie=serie, nNF=11)
    assert cstat == "206", reply.body
    assert authorize(issuer_any, serie=serie, nNF=13)[0] == "100"


def test_stored_proc_inut_is_schema_valid(issuer, server):
    serie = fresh_serie()
    r = issuer.voiding(1, 1, serie=serie)
    assert inut_stat(r) == "102"
    from fake_sefaz.store import events as evstore

    auth = server.authorizer
    procs = auth.store.read(lambda tx: evstore.voidings_of_series(tx, 2, issuer.cnpj, 55, serie))
    proc = etree.fromstring(procs[0].proc_xml)
    assert SCHEMAS.validate("procInutNFe", proc) is None
    c14n = lambda el: etree.tostring(copy.deepcopy(el), method="c14n")  # noqa: E731
    assert c14n(proc.find(N + "retInutNFe")) == c14n(r.result)


def test_241_used_number_256_overlap_563_same_range(issuer):
    serie = fresh_serie()
    assert authorize(issuer, serie=serie, nNF=50)[0] == "100"
    assert inut_stat(issuer.voiding(45, 55, serie=serie)) == "241"
    assert inut_stat(issuer.voiding(40, 44, serie=serie)) == "102"
    assert inut_stat(issuer.voiding(40, 44, serie=serie)) == "563"
    assert inut_stat(issuer.voiding(44, 49, serie=serie)) == "256"
    assert inut_stat(issuer.voiding(45, 49, serie=serie)) == "102"


def test_224_201_453_454(issuer):
    serie = fresh_serie()
    assert inut_stat(issuer.voiding(20, 10, serie=serie)) == "224"
    assert inut_stat(issuer.voiding(1, 10001, serie=serie)) == "201"
    assert inut_stat(issuer.voiding(1, 10000, serie=serie)) == "102"
    assert inut_stat(issuer.voiding(20001, 20001, serie=serie, ano=issuer.now().year % 100 + 1)) == "453"
    assert inut_stat(issuer.voiding(20001, 20001, serie=serie, ano=5)) == "454"


def test_id_signature_certificate_environment_uf(issuer, pki):
    serie = fresh_serie()
    ano = issuer.now().year % 100
    bad_id = inut_nfe(issuer.cnpj, 1, 2, ano=ano, serie=serie, Id="ID" + "1" * 41)
    issuer.signer.sign(bad_id)
    r = issuer.client.call(bad_id)
    assert inut_stat(r) == "215" and "Id" in r.result.findtext(f"{N}infInut/{N}xMotivo")
    tampered = issuer.signer.sign(inut_nfe(issuer.cnpj, 1, 2, ano=ano, serie=serie))
    tampered.find(f"{N}infInut/{N}xJust").text = "Outra justificativa da quebra"
    assert inut_stat(issuer.client.call(tampered)) == "297"
    assert inut_stat(issuer.voiding(1, 2, serie=serie, signer=Signer(pki.identity("outro")))) == "213"
    assert inut_stat(issuer.voiding(1, 2, serie=serie, signer=Signer(pki.identity("revogado")))) == "294"
    assert inut_stat(issuer.voiding(1, 2, serie=serie, tpAmb=1)) == "252"
    assert inut_stat(issuer.voiding(1, 2, serie=serie, cUF=33)) == "226"


def test_gap_report(issuer, server, clock):
    serie = fresh_serie()
    t = datetime.now(timezone.utc).replace(microsecond=0)
    clock.set(t, frozen=True)
    from fake_sefaz.web.admin_events import voiding_deadline
    from fake_sefaz.domain.protocol import dh

    deadline = voiding_deadline(dh(t - timedelta(minutes=5), 35), 35)
    local = (t - timedelta(minutes=5)).astimezone(deadline.tzinfo)
    assert deadline.day == 10 and deadline.month == local.month % 12 + 1 and (deadline.hour, deadline.minute) == (23, 59)
    for n in (1, 2, 6, 10):
        assert authorize(issuer, serie=serie, nNF=n, dhEmi=t - timedelta(minutes=5))[0] == "100"
    assert inut_stat(issuer.voiding(3, 4, serie=serie)) == "102"
    url = f"{server.url}/admin/inutilizacao/gaps"
    data = httpx.get(url, params={"cnpj": issuer.cnpj, "mod": 55, "serie": serie}).json()
    gaps = data["series"][0]["gaps"]
    assert [(g["nNFIni"], g["nNFFin"]) for g in gaps] == [(5, 5), (7, 9)]
    assert gaps[0]["deadline"] == deadline.isoformat() and gaps[0]["overdue"] is False
    clock.set(deadline + timedelta(seconds=1), frozen=True)
    data = httpx.get(url, params={"cnpj": issuer.cnpj, "mod": 55, "serie": serie}).json()
    assert all(g["overdue"] for g in data["series"][0]["gaps"])
    assert httpx.get(url).status_code == 400


def test_215_envelope_schema_answer_is_schema_valid(issuer):
    el = inut_nfe(issuer.cnpj, 1, 2, ano=issuer.now().year % 100, xJust="curta")  # xJust under 15 characters
    issuer.signer.sign(el)
    r = issuer.client.call(el)
    assert inut_stat(r) == "215", r.body
    assert SCHEMAS.validate("retInutNFe", r.result) is None


def test_contingency_nfe_cancels_the_voiding_of_its_number(issuer, soap12):
    """DF Portaria 403 art. 17 § 5: a contingency NF-e (here tpEmis 5, FS-DA) sent with a voided number is
    authorized and cancels that inutilização; a normal NF-e with a voided number still gets 206."""
    serie = fresh_serie()
    assert inut_stat(issuer.voiding(40, 49, serie=serie)) == "102"
    assert authorize(issuer, nNF=41, serie=serie)[0] == "206"
    assert authorize(issuer, nNF=42, serie=serie, tpEmis=5)[0] == "100"
    assert authorize(issuer, nNF=43, serie=serie)[0] == "100"  # the request was cancelled: its numbers are free
    assert inut_stat(issuer.voiding(40, 49, serie=serie)) == "241"  # and can no longer be voided whole
