"""NFC-e rules of groups B, E, I, W, the lot rule 765, offline contingency (100 / 150 / 704) and the "warn" mode,
each answered over real HTTP with signed NFC-e carrying a valid QR code (so only the rule under test fails)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import server_settings
from lxml import etree
from support.nfce import NS, NfceEmitter, prot_of

from fake_sefaz.domain import nfce_urls
from fake_sefaz.emitter.factory import wrap_lot
from fake_sefaz.emitter.client import SoapClient
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.server.serve import ThreadedServer




def _server(pki, nclock, tmp_path_factory, name, **settings):
    return ThreadedServer(settings=server_settings(pki, tmp_path_factory.mktemp(name), **settings), clock=nclock)


@pytest.fixture(scope="module")
def main(pki, nclock, tmp_path_factory):
    with _server(pki, nclock, tmp_path_factory, "nfce-main", nfce_qr_check="enforce") as srv:
        em = NfceEmitter(srv, nclock, pki)
        em.csc = em.register("RULES0CSC0TOKEN")
        yield em
        em.close()


@pytest.fixture(scope="module")
def strict(pki, nclock, tmp_path_factory):
    """A UF that takes only QR v2, no late offline note, refuses NFC-e in RJ, and accepts this server's pages."""
    with _server(pki, nclock, tmp_path_factory, "nfce-strict", nfce_qr_check="enforce", nfce_qr_versions="2",
                 nfce_offline_late=False, nfce_refused_ufs="RJ", nfce_local_urls=True) as srv:
        em = NfceEmitter(srv, nclock, pki)
        em.csc = em.register("STRICT0CSC")
        yield em
        em.close()


@pytest.fixture(scope="module")
def warn(pki, nclock, tmp_path_factory):
    with _server(pki, nclock, tmp_path_factory, "nfce-warn", nfce_qr_check="warn") as srv:
        em = NfceEmitter(srv, nclock, pki)
        yield em
        em.close()


def edit(nfe: etree._Element, path: str, value: str) -> etree._Element:
    el = nfe.find(f"{NS}infNFe/" + "/".join(NS + p for p in path.split("/")))
    assert el is not None, path
    el.text = value
    return el


def signed_with_qr(em, nfe):
    return em.qr(em.sign(nfe), csc=em.csc)


def test_valid_nfce_authorized(main):
    p = main.authorize(main.nfce(csc=main.csc))
    assert (p["cStat"], p["cMsg"]) == ("100", [])


def test_702_uf_without_nfce(strict):
    rj = NfceEmitter(strict.server, strict.clock, strict.pki, uf="RJ")
    try:
        p = prot_of(rj.send(rj.sign(rj.build()), path="/RJ"))
        assert (p["cStat"], p["xMotivo"]) == ("702", "Rejeição: NFC-e não é aceita pela UF do Emitente")
    finally:
        rj.close()


def test_704_online_issued_too_long_before(main):
    p = main.authorize(main.nfce(csc=main.csc, dhEmi=main.now_local() - timedelta(minutes=6)))
    assert (p["cStat"], p["xMotivo"]) == ("704", "Rejeição: NFC-e com Data-Hora de emissão atrasada")
    assert main.authorize(main.nfce(csc=main.csc, dhEmi=main.now_local() - timedelta(minutes=4)))["cStat"] == "100"


def test_offline_within_deadline_100_then_150_past_it(main, nclock):
    issued = main.now_local()
    inside = main.nfce(csc=main.csc, offline=True, dhEmi=issued)
    late = main.nfce(csc=main.csc, offline=True, dhEmi=issued)
    nclock.advance(timedelta(hours=23, minutes=59))
    assert main.authorize(inside)["cStat"] == "100"
    nclock.advance(timedelta(minutes=2))
    p = main.authorize(late)
    assert (p["cStat"], p["xMotivo"]) == ("150", "Autorizado o uso da NF-e, autorização fora de prazo")
    assert p["nProt"]  # an authorization: protocol issued and the note stored
    state = main.http.get(f"/admin/documents/{late.find(NS + 'infNFe').get('Id')[3:]}").json()
    assert (state["state"], state["cStat"]) == ("authorized", 150)


def test_offline_past_deadline_rejected_where_uf_refuses(strict, nclock):
    late = strict.nfce(csc=strict.csc, offline=True)
    nclock.advance(timedelta(hours=25))
    assert strict.authorize(late)["cStat"] == "704"


def test_707_interstate(main):
    nfe = main.build()
    edit(nfe, "ide/idDest", "2")
    assert main.authorize(signed_with_qr(main, nfe))["cStat"] == "707"


def test_715_purpose(main):
    nfe = main.build()
    edit(nfe, "ide/finNFe", "4")
    assert main.authorize(signed_with_qr(main, nfe))["cStat"] == "715"


def test_716_not_final_consumer(main):
    assert main.authorize(main.nfce(csc=main.csc, indFinal=0))["cStat"] == "716"


@pytest.mark.parametrize("indPres,expected", [(2, "717"), (9, "717"), (4, "100")])
def test_717_not_face_to_face(main, indPres, expected):
    assert main.authorize(main.nfce(csc=main.csc, indPres=indPres))["cStat"] == expected


def test_719_nfe_without_recipient(main):
    nfe = main.sign(main.factory.build(dest_doc=None, dhEmi=main.now_local()))
    p = main.authorize(nfe)
    assert (p["cStat"], p["xMotivo"]) == ("719", "Rejeição: NF-e sem a identificação do destinatário")


def test_725_cfop(main):
    nfe = main.build()
    edit(nfe, "det/prod/CFOP", "5949")
    p = main.authorize(signed_with_qr(main, nfe))
    assert p["cStat"] == "725" and p["xMotivo"].endswith("[nItem:1]")


def test_765_lot_mixing_models(main):
    nfce = main.nfce(csc=main.csc)
    nfe = main.sign(main.factory.build(dhEmi=main.now_local()))
    client = SoapClient(main.server.url)
    try:
        reply = client.call(wrap_lot([nfce, nfe], idLote=7, indSinc=0))
    finally:
        client.close()
    assert (reply.cStat, reply.field("xMotivo")) == ("765", "Rejeição: Lote só poderá conter NF-e ou NFC-e")
    assert Schemas().validate("retEnviNFe", reply.result) is None


def test_775_nfe_sent_to_the_nfce_service(main):
    nfe = main.sign(main.factory.build(dhEmi=main.now_local()))
    p = prot_of(main.send(nfe, path="/nfce"))
    assert (p["cStat"], p["xMotivo"]) == ("775", "Rejeição: Modelo da NFC-e diferente de 65")
    assert prot_of(main.send(main.nfce(csc=main.csc), path="/nfce"))["cStat"] == "100"


def test_780_total_above_the_limit(main):
    nfe = main.build(n_items=1)
    for path in ("det/prod/qCom", "det/prod/qTrib"):
        edit(nfe, path, "1.0000")
    for path in ("det/prod/vUnCom", "det/prod/vUnTrib", "det/prod/vProd", "total/ICMSTot/vProd",
                 "total/ICMSTot/vNF", "pag/detPag/vPag"):
        edit(nfe, path, "200000.01")
    p = main.authorize(signed_with_qr(main, nfe))
    assert p["cStat"] == "780" and "[Limite:200000.00]" in p["xMotivo"]


@pytest.mark.parametrize("path,code", [("/scan", "782"), ("/svc-an", "783"), ("/homologacao/SVC-AN", "783")])
def test_782_783_contingency_authorizers(main, path, code):
    assert prot_of(main.send(main.nfce(csc=main.csc), path=path))["cStat"] == code


def test_789_recipient_contributor(main):
    nfe = main.build(dest_doc="52998224725")
    edit(nfe, "dest/indIEDest", "1")
    assert main.authorize(signed_with_qr(main, nfe))["cStat"] == "789"


def test_373_homologation_first_item(main):
    p = main.authorize(main.nfce(csc=main.csc, first_item_name="CAFE TORRADO"))
    assert p["cStat"] == "373" and p["xMotivo"].startswith("Rejeição: Descricao do primeiro item diferente")


def test_398_qr_version_not_taken_by_the_uf(strict):
    p = strict.authorize(strict.nfce(version="3"))
    assert (p["cStat"], p["xMotivo"]) == ("398", "Rejeição: Parâmetro nVersao do QR-Code difere do previsto")


def test_local_consumer_pages_accepted_when_set(strict):
    url = strict.server.url
    p = strict.authorize(strict.nfce(csc=strict.csc, base_url=url + nfce_urls.LOCAL_QR_PATH,
                                     url_chave=url + nfce_urls.LOCAL_CHAVE_PATH))
    assert p["cStat"] == "100", p["xMotivo"]


def test_warn_mode_authorizes_with_the_would_be_code(warn):
    reply = warn.send(warn.sign(warn.build()))
    p = prot_of(reply)
    assert (p["cStat"], p["cMsg"]) == ("100", ["394"])
    assert p["xMsg"] == ["Rejeição: Nota Fiscal sem a informação do QR-Code"]
    assert Schemas().validate("retEnviNFe", reply.result) is None
    p = warn.authorize(warn.nfce(csc={"id": "1", "token": "NOTREGISTERED"}))
    assert (p["cStat"], p["cMsg"]) == ("100", ["796"])
    # The NFC-e rules outside the QR group are enforced whatever the mode.
    assert warn.authorize(warn.nfce(version="3", indFinal=0))["cStat"] == "716"
