"""Contingency (issue 16): the SVC's activation windows and gates as pure functions, the routing of the shared
SVAN/SVRS hosts, the EPEC rules on their own, and the operator's controls - the admin API and `fake-sefaz
contingency` flipping a UF over real HTTP, and zeep reaching an SVC from its served WSDL. The SOAP behaviour of
every code is in scenarios/svc.yaml, scenarios/epec.yaml and scenarios/contingency-stories.yaml."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import httpx
import pytest
from lxml import etree

from support import server_settings
from fake_sefaz.domain import contingency as C
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import first_failure, svc as S
from fake_sefaz.server.serve import ThreadedServer
from fake_sefaz.server.settings import load_settings
from fake_sefaz.soap.dispatcher import Dispatcher

NS = "http://www.portalfiscal.inf.br/nfe"
NOW = datetime(2026, 12, 4, 13, 0, tzinfo=timezone.utc)


def window(start_min: float, end_min: float | None) -> C.Activation:
    return C.Activation("SP", 1, (NOW + timedelta(minutes=start_min)).timestamp(),
                        None if end_min is None else (NOW + timedelta(minutes=end_min)).timestamp())


@pytest.mark.parametrize("windows, always, expected", [
    ([], False, C.INACTIVE),
    ([], True, C.ACTIVE),  # homologação: NT 2013.007 §03
    ([window(-60, None)], False, C.ACTIVE),
    ([window(-60, 30)], False, C.ACTIVE),
    ([window(-60, 15)], False, C.CLOSING),  # the last 15 minutes: 113
    ([window(-60, 14.9)], False, C.CLOSING),
    ([window(-60, 0)], False, C.INACTIVE),  # [start, end)
    ([window(1, None)], False, C.INACTIVE),  # scheduled, not yet
    ([window(-120, -60), window(-10, None)], False, C.ACTIVE),
])
def test_state_at(windows, always, expected):
    assert C.state_at(windows, NOW, always).state == expected


def test_every_uf_has_one_svc_and_the_map_matches_the_reference():
    from fake_sefaz.domain import ufs

    assert set(C.SVC_OF) == {ufs.sigla_of(c) for c in ufs.CODES}
    assert C.ufs_of(C.SVC_RS) == ("AM", "BA", "GO", "MA", "MS", "MT", "PE", "PR")  # reference §2.1


def ctx(svc="SVC-AN", uf="SP", state=C.ACTIVE, tp_emis="6", tpEvento="110111") -> S.SvcContext:
    return S.SvcContext(svc, uf, C.SvcState(state), tp_emis, tpEvento)


@pytest.mark.parametrize("rules, context, cstat", [
    (S.AUTHORIZATION_GATE, ctx(), None),
    (S.AUTHORIZATION_GATE, ctx(svc="SVC-RS"), 582),
    (S.AUTHORIZATION_GATE, ctx(state=C.INACTIVE), 114),
    (S.AUTHORIZATION_GATE, ctx(state=C.CLOSING), None),  # still authorizing in the overlap
    (S.QUERY_GATE, ctx(tp_emis="1"), 584),
    (S.QUERY_GATE, ctx(state=C.INACTIVE), None),  # queries and receipts stay open
    (S.EVENT_GATE, ctx(tpEvento="110110"), 491),
    (S.EVENT_GATE, ctx(tp_emis="7"), 584),
    (S.RECEIPT_GATE, ctx(tp_emis="0"), 553),
    (S.VOIDING_GATE, ctx(), 586),
])
def test_svc_gates(rules, context, cstat):
    rejection = first_failure(rules, context)
    assert (rejection.cstat if rejection else None) == cstat


def test_a_ufs_own_authorizer_refuses_an_svc_receipt():
    assert first_failure((S.e02a_receipt_of_an_svc,), "6").cstat == 553
    assert first_failure((S.e02a_receipt_of_an_svc,), "0") is None


def _payload(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def _note(cuf: int, tp_emis: int) -> etree._Element:
    return _payload(f'<enviNFe xmlns="{NS}"><NFe><infNFe><ide><cUF>{cuf}</cUF><tpEmis>{tp_emis}</tpEmis></ide>'
                    f'</infNFe></NFe></enviNFe>')


@pytest.mark.parametrize("host, path, payload, svc, acting", [
    # our paths
    (None, "/homologacao/SVC-AN/NFeAutorizacao4", _note(35, 6), "SVC-AN", (35, 2)),
    (None, "/producao/svc-rs/NFeAutorizacao4", _note(52, 7), "SVC-RS", (52, 1)),
    (None, "/svc/NFeAutorizacao4", _note(29, 7), "SVC-RS", (29, 2)),  # BA's SVC
    (None, "/homologacao/NFeAutorizacao4", _note(35, 6), None, (35, 2)),  # the UF's own: 570 follows
    # the SVAN hosts: MA's own notes are SVAN's, SP's and any tpEmis 6 are SVC-AN's
    ("hom.sefazvirtual.fazenda.gov.br", "/NFeAutorizacao4/NFeAutorizacao4.asmx", _note(21, 1), None, (21, 2)),
    ("hom.sefazvirtual.fazenda.gov.br", "/NFeAutorizacao4/NFeAutorizacao4.asmx", _note(35, 6), "SVC-AN", (35, 2)),
    ("www.sefazvirtual.fazenda.gov.br", "/NFeStatusServico4/NFeStatusServico4.asmx",
     _payload(f'<consStatServ xmlns="{NS}"><cUF>33</cUF></consStatServ>'), "SVC-AN", (33, 1)),
    # the SVRS hosts: RJ is SVRS's own, tpEmis 7 is SVC-RS's, GO (own authorizer, SVC-RS) is SVC-RS's
    ("nfe-homologacao.svrs.rs.gov.br", "/ws/NfeAutorizacao/NFeAutorizacao4.asmx", _note(33, 1), None, (33, 2)),
    ("nfe-homologacao.svrs.rs.gov.br", "/ws/NfeAutorizacao/NFeAutorizacao4.asmx", _note(33, 7), "SVC-RS", (33, 2)),
    ("nfe.svrs.rs.gov.br", "/ws/NfeStatusServico/NfeStatusServico4.asmx",
     _payload(f'<consStatServ xmlns="{NS}"><cUF>52</cUF></consStatServ>'), "SVC-RS", (52, 1)),
    # the key of a query, the receipt's authority digit
    ("nfe.svrs.rs.gov.br", "/ws/NfeConsulta/NfeConsulta4.asmx",
     _payload(f'<consSitNFe xmlns="{NS}"><chNFe>{"33" + "0" * 32 + "7" + "0" * 9}</chNFe></consSitNFe>'),
     "SVC-RS", (33, 1)),
    ("hom.sefazvirtual.fazenda.gov.br", "/x", _payload(f'<consReciNFe xmlns="{NS}"><nRec>356000000000001</nRec>'
                                                         f'</consReciNFe>'), "SVC-AN", (35, 2)),
    # the legacy SVC-AN names
    ("hom.svc.fazenda.gov.br", "/NFeAutorizacao4/NFeAutorizacao4.asmx", _note(21, 1), "SVC-AN", (21, 2)),
])
def test_routing_of_the_svc(host, path, payload, svc, acting):
    dispatcher = Dispatcher(SimpleNamespace(settings=load_settings(env={})), (), None)
    found = dispatcher.svc_of(path, host, payload)
    assert found == svc
    assert dispatcher.acting(path, host, payload, found) == acting


def test_epec_recipient_rules_take_the_issuers_own_uf_with_a_foreign_id():
    """721 is for an interstate operation: idEstrangeiro with the issuer's own UF (a foreign buyer in the shop) passes."""
    from fake_sefaz.rules import epec as E

    def context(uf: str) -> E.EpecContext:
        det = etree.fromstring(f'<detEvento xmlns="{NS}"><dest><UF>{uf}</UF><idEstrangeiro>AB12345</idEstrangeiro>'
                               f'</dest></detEvento>')
        ev = SimpleNamespace(det=det, chNFe="35" + "0" * 42)
        return E.EpecContext(ev, {}, (), timedelta(days=1))

    assert first_failure((E.p30_20_interstate_needs_document,), context("SP")) is None
    assert first_failure((E.p30_20_interstate_needs_document,), context("RJ")).cstat == 721
    assert first_failure((E.p30_10_foreign_needs_id,), context("EX")) is None


@pytest.fixture(scope="module")
def srv(pki, tmp_path_factory):
    settings = server_settings(pki, tmp_path_factory.mktemp("svc"), svc_homologacao="scheduled")
    with ThreadedServer(settings=settings, tls=True) as s:
        yield s


def test_zeep_reaches_the_svc_from_its_served_wsdl(srv):
    import zeep

    from fake_sefaz.emitter.client import cons_stat_serv

    client = zeep.Client(srv.url + "/homologacao/SVC-AN/NFeStatusServico4?wsdl")
    service = client.bind("NFeStatusServico4", "NFeStatusServico4Soap12")
    result = service.nfeStatusServicoNF(_value_1=cons_stat_serv(2, 35))
    # zeep hands back the <any> content of nfeResultMsg: the retConsStatServ element itself
    answer = result if isinstance(result, etree._Element) else next(
        el for el in result["_value_1"] if isinstance(el, etree._Element))
    assert (answer.findtext(f"{{{NS}}}cStat"), answer.findtext(f"{{{NS}}}xMotivo")) == (
        "114", "SVC-AN desabilitada pela SEFAZ de Origem")


def test_cli_flips_a_uf_into_contingency_and_back(srv, capsys):
    import json

    from fake_sefaz import cli
    from fake_sefaz.emitter.client import SoapClient, cons_stat_serv

    client = SoapClient(srv.url)
    try:
        assert cli.main(["contingency", "RJ", "on", "--url", srv.url, "--pause", "109", "--reason", "Manutencao"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert (shown["svc"], shown["state"], shown["own_authorizer"]) == (
            "SVC-AN", "active", {"cStat": 109, "xObs": "Manutencao"})
        rj_url, svc_url = srv.url + "/homologacao/RJ/NFeStatusServico4", srv.url + "/homologacao/SVC-AN/NFeStatusServico4"
        assert client.call(cons_stat_serv(2, 33), url=rj_url).cStat == "109"
        assert client.call(cons_stat_serv(2, 33), url=svc_url).cStat == "107"
        assert cli.main(["contingency", "RJ", "off", "--url", srv.url]) == 0
        assert json.loads(capsys.readouterr().out)["state"] == "closing"
        assert client.call(cons_stat_serv(2, 33), url=rj_url).cStat == "107"
        svc = client.call(cons_stat_serv(2, 33), url=svc_url)
        assert svc.cStat == "113"
        assert " a SEFAZ-RJ em " in svc.field("xMotivo")
        assert cli.main(["contingency", "RJ", "show", "--url", srv.url]) == 0
        assert [u["uf"] for u in json.loads(capsys.readouterr().out)["ufs"]] == ["RJ"]
    finally:
        httpx.post(srv.url + "/admin/faults/clear")


def test_cli_mistakes_are_one_line(srv, capsys):
    from fake_sefaz import cli

    assert cli.main(["contingency", "XX", "on", "--url", srv.url]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "fake-sefaz contingency: XX: HTTP 400: not a UF: 'XX'"
    assert cli.main(["contingency", "SP", "on", "--url", srv.url, "--end", "2020-01-01T00:00:00-03:00"]) == 2
    assert "the end must come after the start" in capsys.readouterr().err


@pytest.mark.parametrize("body, field", [
    ({"pause": 107}, "pause"),
    ({"start": "2026-12-04T10:00:00"}, "start"),  # no offset
    ({"reasno": "typo"}, "reasno"),
])
def test_admin_bodies_name_the_bad_field(srv, body, field):
    r = httpx.put(srv.url + "/admin/contingency/SP", json=body)
    assert r.status_code == 422
    assert r.json()["field"] == field


def test_waiving_an_unknown_epec_is_404(srv):
    r = httpx.delete(srv.url + "/admin/epec/" + "3" * 44)
    assert (r.status_code, r.json()) == (404, {"error": "no EPEC for key " + "3" * 44})


@pytest.mark.parametrize("path, message", [
    ("/admin/contingency/91", "not a UF: '91'"),  # the AN has no SVC
    ("/admin/contingency/SP?tpAmb=x", "tpAmb must be 1 or 2, not 'x'"),
    ("/admin/contingency/SP?tpAmb=3", "tpAmb must be 1 or 2, not '3'"),
])
def test_admin_scope_mistakes_are_400_with_one_line(srv, path, message):
    r = httpx.put(srv.url + path, json={})
    assert (r.status_code, r.json()) == (400, {"error": message})
