"""NFeRecepcaoEvento4 over real HTTP: generic event checks, 110111, 110110, 2102x0, circulation evidence,
NFeConsultaProtocolo4 with procEventoNFe, lots of 20, windows at their edges with the injected clock."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from lxml import etree

from support import server_settings
from support.events import (Issuer, cancel_det, cce_det, dh, ev_stat, mde_det, ret_eventos)
from fake_sefaz.emitter.client import SoapClient, cons_sit_nfe
from fake_sefaz.domain.keys import build_key
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.server.serve import ThreadedServer
from fake_sefaz.emitter.signer import Signer
from fake_sefaz.domain.xml import D, N

SCHEMAS = Schemas()


def valid(name: str, el) -> None:
    err = SCHEMAS.validate(name, el)
    assert err is None, (err.describe(), etree.tostring(el).decode()[:3000])


def freeze(clock) -> datetime:
    t = datetime.now(timezone.utc).replace(microsecond=0)
    clock.set(t, frozen=True)
    return t




def query(issuer, key):
    return issuer.client.call(cons_sit_nfe(2, key))


# --- the happy paths, in all four SOAP dialects ---------------------------------------------------------

def test_cancel_135_query_101_second_cancel_218(issuer_any):
    note = issuer_any.note()
    r = issuer_any.cancel(note)
    assert r.status == 200 and r.cStat == "128", r.body
    valid("retEnvEvento", r.result)
    assert ev_stat(r)[0] == "135", r.body
    inf = ret_eventos(r)[0].find(N + "infEvento")
    assert inf.findtext(N + "chNFe") == note.key and inf.findtext(N + "tpEvento") == "110111"
    assert inf.findtext(N + "nProt") and inf.get("Id") == "ID" + inf.findtext(N + "nProt")
    assert ret_eventos(r)[0].find(D + "Signature") is None

    q = query(issuer_any, note.key)
    assert q.cStat == "101", q.body
    valid("retConsSitNFe", q.result)
    procs = q.result.findall(N + "procEventoNFe")
    assert len(procs) == 1 and q.result.find(N + "protNFe") is not None
    # the stored retEvento is exactly the one answered
    assert etree.tostring(procs[0].find(N + "retEvento")) == etree.tostring(ret_eventos(r)[0])

    again = issuer_any.cancel(note)
    assert ev_stat(again)[0] == "218", again.body


def test_cce_sequence_query_lists_every_event_in_order(issuer):
    note = issuer.note()
    r1 = issuer.send(issuer.event(note.key, "110110", cce_det("Corrige o endereco de entrega para rua B"), nSeq=1))
    r2 = issuer.send(issuer.event(note.key, "110110", cce_det("Corrige o endereco de entrega para rua C"), nSeq=2))
    assert ev_stat(r1)[0] == "135" and ev_stat(r2)[0] == "135", (r1.body, r2.body)
    q = query(issuer, note.key)
    assert q.cStat == "100", q.body
    procs = q.result.findall(N + "procEventoNFe")
    assert [p.findtext(f"{N}evento/{N}infEvento/{N}nSeqEvento") for p in procs] == ["1", "2"]
    for proc, answered in zip(procs, (r1, r2)):
        valid("procEventoNFe", copy.deepcopy(proc))
        assert etree.tostring(proc.find(N + "retEvento")) == etree.tostring(ret_eventos(answered)[0])
    # the latest correction supersedes: it is the last one listed, and a cancelled note takes no more
    assert procs[-1].findtext(f"{N}evento/{N}infEvento/{N}detEvento/{N}xCorrecao").endswith("rua C")
    assert ev_stat(issuer.cancel(note))[0] == "135"
    late = issuer.send(issuer.event(note.key, "110110", cce_det("Corrige o endereco de entrega para rua D"), nSeq=3))
    assert ev_stat(late)[0] == "580", late.body


# --- generic event checks (MOC order) -----------------------------------------------------------------------

def test_491_unknown_event_type(issuer):
    note = issuer.note()
    r = issuer.send(issuer.event(note.key, "110999", cancel_det(note.nProt)))
    assert ev_stat(r)[0] == "491", r.body


def test_491_substitution_for_nfe_model_55(issuer):
    note = issuer.note()
    r = issuer.send(issuer.event(note.key, "110112", [
        ("descEvento", "Cancelamento por substituicao"), ("cOrgaoAutor", "35"), ("tpAutor", "1"),
        ("verAplic", "ERP"), ("nProt", note.nProt), ("xJust", "Substituicao por erro de valor"),
        ("chNFeRef", note.key)]))
    assert ev_stat(r)[0] == "491", r.body


def test_492_event_version(issuer):
    note = issuer.note()
    r = issuer.send(issuer.event(note.key, "110111", cancel_det(note.nProt), verEvento="2.00"))
    assert ev_stat(r)[0] == "492", r.body


@pytest.mark.parametrize("det", [
    cancel_det("123", "curta"),  # justification under 15 characters, protocol not 15 digits
    cce_det("curto demais"),  # correction under 15 characters
    [("descEvento", "Carta de Correcao"), ("xCorrecao", "Texto de correcao suficiente"), ("xCondUso", "outro texto")],
], ids=["cancel-short", "cce-short", "cce-conduso"])
def test_493_specific_schema(issuer, det):
    note = issuer.note()
    tp = "110111" if det[0][1] == "Cancelamento" else "110110"
    r = issuer.send(issuer.event(note.key, tp, det))
    assert ev_stat(r)[0] == "493", r.body


def test_572_id(issuer):
    note = issuer.note()
    r = issuer.send(issuer.event(note.key, "110111", cancel_det(note.nProt), Id=f"ID110111{note.key}02"))
    assert ev_stat(r)[0] == "572", r.body


def test_297_tampered_event(issuer):
    note = issuer.note()
    ev = issuer.event(note.key, "110111", cancel_det(note.nProt))
    ev.find(f"{N}infEvento/{N}detEvento/{N}xJust").text = "Outra justificativa qualquer"
    assert ev_stat(issuer.send(ev))[0] == "297"


def test_298_signature_profile(issuer):
    note = issuer.note()
    ev = issuer.event(note.key, "110111", cancel_det(note.nProt))
    ev.find(f"{D}Signature/{D}SignedInfo/{D}Reference").set("URI", "#IDoutro")
    assert ev_stat(issuer.send(ev))[0] == "298"


def test_291_expired_certificate_and_213_other_company(issuer, pki):
    note = issuer.note()
    r = issuer.send(issuer.event(note.key, "110111", cancel_det(note.nProt), signer=Signer(pki.identity("expirado"))))
    assert ev_stat(r)[0] == "291", r.body
    r = issuer.send(issuer.event(note.key, "110111", cancel_det(note.nProt), signer=Signer(pki.identity("outro"))))
    assert ev_stat(r)[0] == "213", r.body


def test_252_environment(issuer):
    note = issuer.note()
    r = issuer.send(issuer.event(note.key, "110111", cancel_det(note.nProt), tpAmb=1))
    assert ev_stat(r)[0] == "252", r.body


def test_574_author_is_not_the_issuer(issuer, pki):
    note = issuer.note()
    other = pki.identity("outro")
    r = issuer.send(issuer.event(note.key, "110111", cancel_det(note.nProt), author=other.cnpj, signer=Signer(other)))
    assert ev_stat(r)[0] == "574", r.body


def test_455_and_657_organ(issuer, pki):
    note = issuer.note()
    r = issuer.send(issuer.event(note.key, "110111", cancel_det(note.nProt), cOrgao=33))
    assert ev_stat(r)[0] == "455", r.body
    other = pki.identity("outro")
    r = issuer.send(issuer.event(note.key, "210200", mde_det("210200"), cOrgao=33, author=other.cnpj,
                                 signer=Signer(other)))
    assert ev_stat(r)[0] == "657", r.body


def test_578_future_tolerance_edges(issuer, clock):
    t = freeze(clock)
    note = issuer.note()
    r = issuer.send(issuer.event(note.key, "110110", cce_det("Correcao dentro da tolerancia"),
                                 dhEvento=dh(t + timedelta(minutes=5))))
    assert ev_stat(r)[0] == "135", r.body
    r = issuer.send(issuer.event(note.key, "110110", cce_det("Correcao fora da tolerancia"), nSeq=2,
                                 dhEvento=dh(t + timedelta(minutes=5, seconds=1))))
    assert ev_stat(r)[0] == "578", r.body


def test_577_before_issue_579_before_authorization(issuer, clock):
    t = freeze(clock)
    note = issuer.note(dhEmi=(t - timedelta(minutes=10)).astimezone(timezone(timedelta(hours=-3))))
    r = issuer.send(issuer.event(note.key, "110110", cce_det("Correcao com data anterior"),
                                 dhEvento=dh(t - timedelta(minutes=11))))
    assert ev_stat(r)[0] == "577", r.body
    r = issuer.send(issuer.event(note.key, "110110", cce_det("Correcao com data anterior"),
                                 dhEvento=dh(t - timedelta(minutes=5))))
    assert ev_stat(r)[0] == "579", r.body


def test_494_unknown_key_and_217_other_environment(issuer, server):
    key = build_key(35, datetime.now().strftime("%y%m"), issuer.cnpj, 55, 1, 987654321, 1, "13572468")
    r = issuer.send(issuer.event(key, "110111", cancel_det("135260000000001")))
    assert ev_stat(r) == ("494", f"Rejeição: Chave de Acesso Inexistente [chNFe:{key}]"), r.body
    prod = issuer.note(tpAmb=1, url=f"{server.url}/producao/NFeAutorizacao4")
    r = issuer.send(issuer.event(prod.key, "110111", cancel_det(prod.nProt)))
    assert ev_stat(r)[0] == "217", r.body


def test_573_duplicate_and_594_sequence(issuer):
    note = issuer.note()
    ev = issuer.event(note.key, "110110", cce_det("Primeira correcao do endereco"))
    assert ev_stat(issuer.send(ev))[0] == "135"
    assert ev_stat(issuer.send(issuer.event(note.key, "110110", cce_det("Primeira correcao do endereco"))))[0] == "573"
    r = issuer.send(issuer.event(note.key, "110110", cce_det("Vigesima primeira correcao"), nSeq=21))
    assert ev_stat(r)[0] == "594", r.body
    r = issuer.send(issuer.event(note.key, "110111", cancel_det(note.nProt), nSeq=2))
    assert ev_stat(r)[0] == "594", r.body
    assert ev_stat(issuer.send(issuer.event(note.key, "110110", cce_det("Vigesima correcao aceita"), nSeq=20)))[0] == "135"


def test_222_protocol_differs(issuer):
    note = issuer.note()
    wrong = note.nProt[:-1] + ("1" if note.nProt[-1] != "1" else "2")
    assert ev_stat(issuer.send(issuer.event(note.key, "110111", cancel_det(wrong))))[0] == "222"


def test_784_cce_for_nfce(issuer):
    note = issuer.note(nfce=True)
    r = issuer.send(issuer.event(note.key, "110110", cce_det("Correcao que a NFC-e nao aceita")))
    assert ev_stat(r)[0] == "784", r.body


# --- cancellation windows at their edges --------------------------------------------------------------------

@pytest.mark.parametrize("nfce,inside,outside", [
    (False, timedelta(hours=23, minutes=59, seconds=59), timedelta(hours=24, seconds=1)),
    (True, timedelta(minutes=29), timedelta(minutes=31)),
], ids=["nfe-24h", "nfce-30min"])
def test_cancel_window_edges(issuer, clock, nfce, inside, outside):
    t = freeze(clock)
    a, b = issuer.note(nfce=nfce), issuer.note(nfce=nfce)
    clock.set(t + inside, frozen=True)
    assert ev_stat(issuer.cancel(a))[0] == "135"
    clock.set(t + outside, frozen=True)
    r = issuer.cancel(b)
    assert ev_stat(r)[0] == "501", r.body
    assert query(issuer, b.key).cStat == "100"


def test_late_cancellation_155_for_nfe_never_for_nfce(pki, signer, tmp_path):
    from fake_sefaz.domain.clock import ControlledClock

    clock = ControlledClock(datetime.now(timezone.utc).replace(microsecond=0), frozen=True)
    with ThreadedServer(settings=server_settings(pki, tmp_path, cancel_late_accept=True), clock=clock) as srv:
        c = SoapClient(srv.url)
        iss = Issuer(pki, signer, c, clock)
        nfe, nfce = iss.note(), iss.note(nfce=True)
        clock.advance(timedelta(hours=30))
        r = iss.cancel(nfe)
        assert ev_stat(r)[0] == "155", r.body
        valid("retEnvEvento", r.result)
        assert query(iss, nfe.key).cStat == "101"
        assert ev_stat(iss.cancel(nfce))[0] == "501"
        c.close()


# --- recipient manifestation (2102x0) and circulation evidence -----------------------------------------------

def test_confirmation_210200_blocks_cancel_221_until_undone(issuer, pki):
    other = pki.identity("outro")
    note = issuer.note(dest_doc=other.cnpj)
    recipient = Signer(other)
    r = issuer.send(issuer.event(note.key, "210200", mde_det("210200"), cOrgao=91, author=other.cnpj, signer=recipient))
    assert ev_stat(r)[0] == "135", r.body
    assert ret_eventos(r)[0].findtext(f"{N}infEvento/{N}CNPJDest") == other.cnpj
    assert ev_stat(issuer.cancel(note))[0] == "221"
    r = issuer.send(issuer.event(note.key, "210240", mde_det("210240"), cOrgao=35, author=other.cnpj, signer=recipient))
    assert ev_stat(r)[0] == "135", r.body
    assert ev_stat(issuer.cancel(note))[0] == "135"
    r = issuer.send(issuer.event(note.key, "210210", mde_det("210210"), cOrgao=91, author=other.cnpj, signer=recipient))
    assert ev_stat(r)[0] == "650", r.body
    r = issuer.send(issuer.event(note.key, "210220", mde_det("210220"), cOrgao=91, author=other.cnpj, signer=recipient))
    assert ev_stat(r)[0] == "651", r.body


def test_575_manifestation_by_someone_else_and_136_unknown_key(issuer, pki):
    note = issuer.note()  # random recipient
    other = pki.identity("outro")
    r = issuer.send(issuer.event(note.key, "210200", mde_det("210200"), cOrgao=91, author=other.cnpj,
                                 signer=Signer(other)))
    assert ev_stat(r)[0] == "575", r.body
    key = build_key(35, datetime.now().strftime("%y%m"), issuer.cnpj, 55, 1, 876543219, 1, "24681357")
    r = issuer.send(issuer.event(key, "210210", mde_det("210210"), cOrgao=91, author=other.cnpj, signer=Signer(other)))
    assert ev_stat(r)[0] == "136", r.body
    valid("retEnvEvento", r.result)


@pytest.mark.parametrize("kind,cstat", [("passage", "219"), ("duplicata", "219"), ("cte", "690"), ("mdfe", "690"),
                                        ("suframa", "304"), ("prorrogacao", "811")])
def test_circulation_evidence_blocks_cancel(issuer, server, kind, cstat):
    note = issuer.note()
    resp = httpx.post(f"{server.url}/admin/events/evidence", json={"chNFe": note.key, "kind": kind, "reference": "X1"})
    assert resp.status_code == 201, resp.text
    assert httpx.get(f"{server.url}/admin/events/evidence/{note.key}").json()["evidence"][0]["kind"] == kind
    assert ev_stat(issuer.cancel(note))[0] == cstat
    assert httpx.delete(f"{server.url}/admin/events/evidence/{note.key}").json()["deleted"] == 1
    assert ev_stat(issuer.cancel(note))[0] == "135"
    r = httpx.post(f"{server.url}/admin/events/evidence", json={"chNFe": note.key, "kind": "x"})
    assert (r.status_code, r.json()["field"]) == (422, "kind"), r.text
    assert r.json()["reason"] == "kind must be one of ['cte', 'duplicata', 'mdfe', 'passage', 'prorrogacao', 'suframa']"
    r = httpx.post(f"{server.url}/admin/events/evidence", json={"chNFe": "123", "kind": "cte"})
    assert (r.status_code, r.json()["field"]) == (422, "chNFe"), r.text


# --- lots ---------------------------------------------------------------------------------------------------

def test_lot_of_20_mixed_events_answers_20_in_order(issuer, server):
    notes = [issuer.note() for _ in range(4)]
    unknown = build_key(35, datetime.now().strftime("%y%m"), issuer.cnpj, 55, 1, 765432198, 1, "11223344")
    events, expected = [], []
    for i, n in enumerate(notes):
        for seq in (1, 2, 3):
            events.append(issuer.event(n.key, "110110", cce_det(f"Correcao numero {seq} da nota {i}"), nSeq=seq))
            expected.append("135")
    # Ids are xs:ID, unique within a lot: duplicates come from events registered before the lot
    registered, cancelled = issuer.note(), issuer.note()
    assert ev_stat(issuer.send(issuer.event(registered.key, "110110", cce_det("Correcao anterior ao lote"))))[0] == "135"
    assert ev_stat(issuer.cancel(cancelled))[0] == "135"
    events.append(issuer.event(registered.key, "110110", cce_det("Correcao anterior repetida"), nSeq=1))
    expected.append("573")
    events.append(issuer.event(unknown, "110111", cancel_det("135260000000001")))
    expected.append("494")
    events.append(issuer.event(notes[1].key, "110111", cancel_det(notes[1].nProt)))
    expected.append("135")
    events.append(issuer.event(notes[1].key, "110110", cce_det("Correcao depois do cancelamento"), nSeq=4))
    expected.append("580")
    events.append(issuer.event(notes[2].key, "110111", cancel_det(notes[2].nProt), verEvento="9.99"))
    expected.append("492")
    events.append(issuer.event(notes[3].key, "110111", cancel_det(notes[3].nProt)))
    expected.append("135")
    events.append(issuer.event(cancelled.key, "110111", cancel_det(cancelled.nProt)))
    expected.append("218")
    events.append(issuer.event(notes[2].key, "110110", cce_det("Correcao numero 4 da nota 2"), nSeq=4))
    expected.append("135")
    assert len(events) == 20
    r = issuer.send(*events, idLote=42)
    assert r.cStat == "128" and r.result.findtext(N + "idLote") == "42", r.field("xMotivo")
    valid("retEnvEvento", r.result)
    rets = ret_eventos(r)
    assert [ev_stat(r, i)[0] for i in range(20)] == expected
    assert [x.findtext(f"{N}infEvento/{N}nSeqEvento") for x in rets] == [
        e.findtext(f"{N}infEvento/{N}nSeqEvento") for e in events]
    events.append(issuer.event(notes[0].key, "110110", cce_det("Vigesima primeira do lote"), nSeq=9))
    over = issuer.send(*events)
    assert over.cStat == "215", over.body  # 21 events: the envelope's schema (evento maxOccurs 20)
    valid("retEnvEvento", over.result)
    assert ret_eventos(over) == []


def test_admin_lists_events(issuer, server):
    note = issuer.note()
    issuer.cancel(note)
    data = httpx.get(f"{server.url}/admin/events/{note.key}").json()
    assert [e["tpEvento"] for e in data["events"]] == ["110111"] and data["events"][0]["cStat"] == 135


def test_restart_keeps_events_and_voidings(pki, signer, tmp_path):
    from fake_sefaz.domain.clock import ControlledClock

    clock = ControlledClock()
    settings = server_settings(pki, tmp_path)
    with ThreadedServer(settings=settings, clock=clock) as srv:
        c = SoapClient(srv.url)
        iss = Issuer(pki, signer, c, clock)
        note, other = iss.note(serie=7), iss.note(serie=7)
        cce = iss.send(iss.event(other.key, "110110", cce_det("Correcao antes do reinicio")))
        cancel = iss.cancel(note)
        n = int(note.key[25:34]) + 1000
        assert iss.voiding(n, n + 2, serie=7).result.findtext(f"{N}infInut/{N}cStat") == "102"
        c.close()
    with ThreadedServer(settings=settings, clock=clock) as srv:
        c = SoapClient(srv.url)
        iss.client = c
        q = query(iss, note.key)
        assert q.cStat == "101"
        assert etree.tostring(q.result.find(f"{N}procEventoNFe/{N}retEvento")) == etree.tostring(ret_eventos(cancel)[0])
        q2 = query(iss, other.key)
        assert etree.tostring(q2.result.find(f"{N}procEventoNFe/{N}retEvento")) == etree.tostring(ret_eventos(cce)[0])
        assert ev_stat(iss.cancel(note))[0] == "218"
        assert iss.voiding(n, n + 2, serie=7).result.findtext(f"{N}infInut/{N}cStat") == "563"
        blocked = iss.factory.build(serie=7, nNF=n + 1)
        from fake_sefaz.emitter.factory import wrap_lot
        r = c.call(wrap_lot([signer.sign_nfe(blocked)], idLote=1, indSinc=1))
        assert r.result.findtext(f"{N}protNFe/{N}infProt/{N}cStat") == "206", r.body
        c.close()
