"""The Ambiente Nacional (issue 15): NFeDistribuicaoDFe over SOAP at /homologacao/AN and at the real AN hostname over
mutual TLS, fed by the national copy of what the UF authorizes and of every event, in the same commit. The
recipient's ERP story: 137 first (a new party), the resNFe of a note issued to it, Ciência at the AN, the procNFe;
656 exactly where the NT puts it; the carrier and an autXML party see what the table says; the codes of the
interested party, the NSU and the key."""

from __future__ import annotations

import base64
import gzip
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from lxml import etree

from support import server_settings
from fake_sefaz.domain.clock import ControlledClock
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.emitter import builders
from fake_sefaz.emitter.client import SoapClient, dist_dfe_int
from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.emitter.factory import random_cnpj as _random_cnpj
from fake_sefaz.emitter.signer import Signer
from fake_sefaz.server.serve import ThreadedServer

NS = "{http://www.portalfiscal.inf.br/nfe}"
HOUR = timedelta(hours=1, seconds=1)


def random_cnpj() -> str:
    import random

    return _random_cnpj(random.Random())


@pytest.fixture(scope="module")
def dclock():
    return ControlledClock()


@pytest.fixture(scope="module")
def an(pki, dclock, tmp_path_factory):
    with ThreadedServer(settings=server_settings(pki, tmp_path_factory.mktemp("an")), clock=dclock, tls=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def schemas():
    return Schemas()


AN_HOST = "hom1.nfe.fazenda.gov.br"
DIST_PATH = "/NFeDistribuicaoDFe/NFeDistribuicaoDFe.asmx"
EVENT_PATH = "/NFeRecepcaoEvento4/NFeRecepcaoEvento4.asmx"


class RealAN(SoapClient):
    """An ERP's own URL table: the real AN host (resolved to the fake), its real paths, its own certificate."""

    def __init__(self, srv, pki, identity: str) -> None:
        import ssl

        ctx = ssl.create_default_context(cafile=str(pki.ca_bundle_file))
        ident = pki.identity(identity)
        ctx.load_cert_chain(str(ident.pem_path), str(ident.key_path))
        super().__init__(f"https://{AN_HOST}:{srv.tls_port}", http=httpx.Client(verify=ctx, timeout=10))

    def url_for(self, root: str) -> str:
        return self.base_url + (DIST_PATH if root == "distDFeInt" else EVENT_PATH)


@pytest.fixture
def real_an_host(monkeypatch):
    import socket

    original = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, *a, **k: original("127.0.0.1" if host == AN_HOST else host, *a, **k))


class Party:
    """An interested party calling the AN the way an ERP does: distNSU from its last ultNSU."""

    def __init__(self, srv, doc: str, client: SoapClient | None = None) -> None:
        self.doc = doc
        self.client = client or SoapClient(srv.url + "/homologacao/AN")
        self.ult = 0

    def dist(self, **kw):
        r = self.client.call(dist_dfe_int(2, self.doc, ult_nsu=kw.pop("ult", self.ult), **kw))
        if r.cStat in ("137", "138"):
            self.ult = int(r.field("ultNSU"))
        return r

    def call(self, **kw):
        return self.client.call(dist_dfe_int(2, self.doc, **kw))


def docs(reply) -> list[tuple[str, str, etree._Element]]:
    """(NSU, schema, document) of every docZip of an answer."""
    out = []
    for z in reply.result.iterfind(f"{NS}loteDistDFeInt/{NS}docZip"):
        out.append((z.get("NSU"), z.get("schema"), etree.fromstring(gzip.decompress(base64.b64decode(z.text)))))
    return out


def authorize(srv, pki, carrier: str = "", aut_xml: tuple[str, ...] = (), **fields) -> etree._Element:
    em = pki.identity("emitente")
    nfe = NFeFactory(seed=None, uf="SP", tpAmb=2, cnpj=em.cnpj, razao=em.razao).build(**fields)
    inf = nfe.find(NS + "infNFe")
    for doc in reversed(aut_xml):  # group GA, right after dest
        aut = etree.Element(NS + "autXML")
        etree.SubElement(aut, NS + "CNPJ").text = doc
        inf.find(NS + "dest").addnext(aut)
    if carrier:  # group X03, right after modFrete
        transporta = etree.Element(NS + "transporta")
        etree.SubElement(transporta, NS + "CNPJ").text = carrier
        etree.SubElement(transporta, NS + "xNome").text = "TRANSPORTADORA TESTE LTDA"
        inf.find(f"{NS}transp/{NS}modFrete").addnext(transporta)
    nfe = Signer(em).sign_nfe(nfe)
    r = SoapClient(srv.url).call(wrap_lot([nfe], idLote=1, indSinc=1))
    assert r.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}cStat") == "100", r.body[:800]
    return nfe


def key_of(nfe) -> str:
    return nfe.find(NS + "infNFe").get("Id")[3:]


def manifest(srv, pki, identity: str, key: str, tpEvento: str, when: datetime, client=None, **kw):
    author = pki.identity(identity)
    ev = builders.evento(key, tpEvento, builders.mde_det(tpEvento) + kw.pop("det", []), author=author.cnpj,
                         dhEvento=when.astimezone(timezone(timedelta(hours=-3))).isoformat(timespec="seconds"),
                         cOrgao=91, **kw)
    client = client or SoapClient(srv.url + "/homologacao/AN")
    return client.call(builders.env_evento(Signer(author).sign(ev), idLote=1))


def test_the_recipients_erp_story(an, pki, dclock, schemas, real_an_host):
    """Pointed at the real AN URLs with its own certificate (mutual TLS), as an ERP keeps them in its table."""
    outro = pki.identity("outro")
    erp = Party(an, outro.cnpj, RealAN(an, pki, "outro"))
    first = erp.dist()
    assert (first.cStat, first.field("xMotivo"), first.field("maxNSU")) == ("137", "Nenhum documento localizado",
                                                                           "000000000000000")
    assert b"<nfeDistDFeInteresseResponse" in first.body and b"<nfeDistDFeInteresseResult>" in first.body
    assert schemas.validate("retDistDFeInt", first.result) is None
    nfe = authorize(an, pki, dest_doc=outro.cnpj)
    key = key_of(nfe)
    # within the hour after "nothing left": 656, the answer carries the cursor
    early = erp.dist()
    assert (early.cStat, early.field("ultNSU"), early.field("maxNSU")) == ("656", "000000000000000", "000000000000000")
    assert early.field("xMotivo") == ("Rejeicao: Consumo Indevido (Deve ser aguardado 1 hora para efetuar nova "
                                      "solicitacao caso nao existam mais documentos a serem pesquisados. Tente apos "
                                      "1 hora)")
    # a call during the block starts it again: an hour after the 656, not after the 137
    dclock.advance(HOUR)
    got = erp.dist()
    assert (got.cStat, got.field("xMotivo"), got.field("ultNSU"), got.field("maxNSU")) == (
        "138", "Documento localizado", "000000000000001", "000000000000001")
    assert schemas.validate("retDistDFeInt", got.result) is None
    [(nsu, schema, res)] = docs(got)
    assert (nsu, schema, res.tag, res.findtext(NS + "chNFe"), res.findtext(NS + "cSitNFe")) == (
        "000000000000001", "resNFe_v1.01.xsd", NS + "resNFe", key, "1")
    assert schemas.validate("resNFe", res) is None
    # Ciência at the AN releases the full NF-e
    r = manifest(an, pki, "outro", key, "210210", dclock.now(), client=RealAN(an, pki, "outro"))
    assert (r.cStat, r.result.findtext(f"{NS}retEvento/{NS}infEvento/{NS}cStat")) == ("128", "135"), r.body[:900]
    dclock.advance(HOUR)
    got = erp.dist()
    [(nsu, schema, proc)] = docs(got)
    assert (nsu, schema, proc.tag) == ("000000000000002", "procNFe_v4.00.xsd", NS + "nfeProc")
    assert proc.findtext(f"{NS}protNFe/{NS}infProt/{NS}chNFe") == key
    # the issuer gets the recipient's manifestation... once it uses the distribution
    issuer = Party(an, pki.identity("emitente").cnpj)
    assert issuer.dist().cStat == "137"


def test_656_for_a_cursor_not_continued_and_for_key_queries(an, pki, dclock):
    erp = Party(an, random_cnpj())
    assert erp.dist().cStat == "137"
    dclock.advance(HOUR)
    r = erp.dist(ult=5)  # not the ultNSU it was given (0): and 5 is above its highest NSU
    assert r.cStat == "656" and r.field("xMotivo").endswith(
        "(Deve ser utilizado o ultNSU nas solicitacoes subsequentes. Tente apos 1 hora)")
    dclock.advance(HOUR)
    checker = Party(an, random_cnpj())
    for _ in range(20):
        assert checker.call(nsu=1).cStat == "589"
    r = checker.call(nsu=1)
    assert (r.cStat, r.field("xMotivo")) == ("656", "Rejeicao: Consumo Indevido (Ultrapassou o limite de 20 consultas "
                                                    "por hora)")
    dclock.advance(HOUR)
    assert checker.call(nsu=1).cStat == "589"


def test_carrier_and_autxml_see_the_procnfe_at_once_the_issuer_never(an, pki, dclock):
    carrier, accountant = Party(an, random_cnpj()), Party(an, random_cnpj())
    for p in (carrier, accountant):
        assert p.dist().cStat == "137"
    outro = pki.identity("outro")
    nfe = authorize(an, pki, carrier=carrier.doc, aut_xml=(accountant.doc,), dest_doc=outro.cnpj)
    key = key_of(nfe)
    dclock.advance(HOUR)
    for p in (carrier, accountant):
        [(_, schema, proc)] = docs(p.dist())
        assert (schema, proc.findtext(f"{NS}protNFe/{NS}infProt/{NS}chNFe")) == ("procNFe_v4.00.xsd", key)
        by_key = p.call(chNFe=key)
        assert by_key.cStat == "138" and docs(by_key)[0][1] == "procNFe_v4.00.xsd"
    # the issuer asks for its own note by key: 641; a stranger: 640
    r = Party(an, pki.identity("emitente").cnpj).call(chNFe=key)
    assert (r.cStat, r.field("xMotivo")) == ("641", "Rejeicao: NF-e indisponivel para o emitente")
    r = Party(an, random_cnpj()).call(chNFe=key)
    assert (r.cStat, r.field("xMotivo")) == (
        "640", "Rejeicao: CNPJ/CPF do interessado nao possui permissao para consultar esta NF-e")


@pytest.mark.parametrize("request_kw, cstat, text", [
    ({"party": "12345678000100"}, "489", "Rejeicao: CNPJ informado invalido (DV ou zeros)"),
    ({"party": "12345678900"}, "490", "Rejeicao: CPF informado invalido (DV ou zeros)"),
    ({"tpAmb": 1}, "252", "Rejeicao: Ambiente informado diverge do Ambiente de recebimento"),
    ({"nsu": 999}, "589", "Rejeicao: Numero do NSU informado superior ao maior NSU da base de dados do Ambiente "
                          "Nacional"),
    ({"chNFe": "35" + "0" * 42}, "236", "Rejeicao: Chave de Acesso com digito verificador invalido"),
])
def test_request_rejections(an, request_kw, cstat, text):
    kw = dict(request_kw)
    party = kw.pop("party", random_cnpj())
    tpAmb = kw.pop("tpAmb", 2)
    r = SoapClient(an.url + "/homologacao/AN").call(dist_dfe_int(tpAmb, party, **kw))
    assert (r.cStat, r.field("xMotivo")) == (cstat, text)


def test_key_rejections(an, pki):
    from fake_sefaz.domain.keys import build_key

    em = pki.identity("emitente").cnpj
    client = SoapClient(an.url + "/homologacao/AN")

    def ask(key):
        r = client.call(dist_dfe_int(2, random_cnpj(), chNFe=key))
        return r.cStat, r.field("xMotivo")

    now = datetime.now()
    aamm = f"{now.year % 100:02d}{now.month:02d}"
    assert ask(build_key(35, aamm, em, 65, 1, 5, 1, "12345678")) == (
        "618", "Rejeicao: Chave de Acesso invalida (modelo diferente de 55)")
    assert ask(build_key(35, aamm, em, 55, 1, 0, 1, "12345678")) == (
        "619", "Rejeicao: Chave de Acesso invalida (numero NF = 0)")
    assert ask(build_key(35, aamm, em, 55, 1, 7, 1, "12345678")) == (
        "217", "Rejeicao: NF-e inexistente para a chave de acesso informada")


def test_593_and_472_against_the_tls_certificate_at_the_real_an_host(an, pki, monkeypatch):
    import socket
    import ssl

    original = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, *a, **k: original("127.0.0.1" if host == "hom1.nfe.fazenda.gov.br" else host,
                                                       *a, **k))
    ctx = ssl.create_default_context(cafile=str(pki.ca_bundle_file))
    emitente = pki.identity("emitente")
    ctx.load_cert_chain(str(emitente.pem_path), str(emitente.key_path))
    url = f"https://hom1.nfe.fazenda.gov.br:{an.tls_port}/NFeDistribuicaoDFe/NFeDistribuicaoDFe.asmx"
    client = SoapClient(url, http=httpx.Client(verify=ctx, timeout=10))
    r = client.call(dist_dfe_int(2, pki.identity("outro").cnpj, ult_nsu=0), url=url)
    assert (r.cStat, r.field("xMotivo")) == ("593", "Rejeicao: CNPJ-Base consultado difere do CNPJ-Base do "
                                                    "Certificado Digital")
    r = client.call(dist_dfe_int(2, pki.identity("contador").cpf, ult_nsu=0), url=url)
    assert (r.cStat, r.field("xMotivo")) == ("472", "Rejeicao: CPF consultado difere do CPF do Certificado Digital")
    r = client.call(dist_dfe_int(2, pki.identity("emitente-filial").cnpj, ult_nsu=0), url=url)
    assert r.cStat == "137"  # same CNPJ base as the certificate: a branch may ask


def test_zeep_from_the_served_wsdl(an):
    import zeep

    client = zeep.Client(an.url + "/homologacao/AN/NFeDistribuicaoDFe?wsdl")
    service = client.bind("NFeDistribuicaoDFe", "NFeDistribuicaoDFeSoap12")
    answer = service.nfeDistDFeInteresse(nfeDadosMsg=dist_dfe_int(2, random_cnpj(), ult_nsu=0))
    assert answer.findtext(NS + "cStat") == "137"


def test_cli_distdfe_and_manifest(an, pki, dclock, tmp_path, capsys):
    """`fake-sefaz distdfe` fetches into a folder from its cursor and keeps the hour itself; `manifest` sends
    Ciência to the AN; the next fetch brings the procNFe."""
    import json

    from fake_sefaz import cli

    dclock.set(datetime.now(timezone.utc), frozen=False)  # the CLI signs with the real time, as an emitter does
    outro = pki.identity("outro")
    base = ["--url", an.url, "--certs-dir", str(pki.directory), "--identity", "outro"]
    import httpx as _httpx

    _httpx.delete(f"{an.url}/admin/national/parties/{outro.cnpj}").raise_for_status()
    out = tmp_path / "inbox"
    assert cli.main(["distdfe", *base, "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("distdfe: 137 Nenhum documento localizado")
    nfe = authorize(an, pki, dest_doc=outro.cnpj)
    assert cli.main(["distdfe", *base, "--out", str(out)]) == 1  # within the hour: not even sent
    assert "the AN answers 656 to a new call within the hour" in capsys.readouterr().out
    cursor = json.loads((out / "ultNSU.json").read_text())
    (out / "ultNSU.json").write_text(json.dumps({**cursor, "empty_ts": cursor["empty_ts"] - 3601}))
    dclock.advance(HOUR)
    assert cli.main(["distdfe", *base, "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["cStat"], result["saved"]) == ("138", 1)
    assert (out / "000000000000001-resNFe_v1.01.xml").is_file()
    assert cli.main(["manifest", *base, key_of(nfe), "--type", "ciencia"]) == 0
    assert capsys.readouterr().out.startswith("manifest: 135 Evento registrado e vinculado a NF-e")


def test_214_above_10_kb(an):
    """B01: the DistDFe data area is limited to 10 KB (the UF services: 500 KB)."""
    payload = etree.tostring(dist_dfe_int(2, random_cnpj(), ult_nsu=0)).replace(
        b"<tpAmb>", b"<!--" + b"x" * 11000 + b"--><tpAmb>")
    r = SoapClient(an.url + "/homologacao/AN").call(payload)
    assert (r.cStat, r.field("xMotivo")) == ("214", "Rejeicao: Tamanho da mensagem excedeu o limite estabelecido")
