"""Builders for the events and inutilização tests: evento / envEvento / inutNFe payloads, and an Issuer
that authorizes notes and sends events over the real SOAP path."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lxml import etree

from fake_sefaz import protocol
from fake_sefaz.factory import NFeFactory, access_key, wrap_lot
from fake_sefaz.xml import N, NFE

CANCEL_JUST = "Cancelamento por erro de digitacao do pedido"
COND_USO = ("A Carta de Correcao e disciplinada pelo paragrafo 1o-A do art. 7o do Convenio S/N, de 15 de dezembro de "
            "1970 e pode ser utilizada para regularizacao de erro ocorrido na emissao de documento fiscal, desde que o "
            "erro nao esteja relacionado com: I - as variaveis que determinam o valor do imposto tais como: base de "
            "calculo, aliquota, diferenca de preco, quantidade, valor da operacao ou da prestacao; II - a correcao de "
            "dados cadastrais que implique mudanca do remetente ou do destinatario; III - a data de emissao ou de saida.")
DESC_MDE = {"210200": "Confirmacao da Operacao", "210210": "Ciencia da Operacao",
            "210220": "Desconhecimento da Operacao", "210240": "Operacao nao Realizada"}


def _el(tag: str, **attrs) -> etree._Element:
    return etree.Element(N + tag, attrs, nsmap={None: NFE})


def _sub(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, N + tag, attrs or None)
    if text is not None:
        el.text = str(text)
    return el


def dh(instant: datetime, cUF: int = 35) -> str:
    return protocol.dh(instant, cUF)


def evento(chNFe: str, tpEvento: str, det: list[tuple[str, str]], *, author: str, dhEvento: str, nSeq: int = 1,
           cOrgao: int | str = 35, tpAmb: int = 2, verEvento: str = "1.00", Id: str | None = None,
           det_versao: str = "1.00") -> etree._Element:
    ev = _el("evento", versao="1.00")
    inf = _sub(ev, "infEvento", Id=Id or f"ID{tpEvento}{chNFe}{nSeq:02d}")
    _sub(inf, "cOrgao", cOrgao)
    _sub(inf, "tpAmb", tpAmb)
    _sub(inf, "CPF" if len(author) == 11 else "CNPJ", author)
    _sub(inf, "chNFe", chNFe)
    _sub(inf, "dhEvento", dhEvento)
    _sub(inf, "tpEvento", tpEvento)
    _sub(inf, "nSeqEvento", nSeq)
    _sub(inf, "verEvento", verEvento)
    d = _sub(inf, "detEvento", versao=det_versao)
    for tag, value in det:
        _sub(d, tag, value)
    return ev


def cancel_det(nProt: str, xJust: str = CANCEL_JUST) -> list:
    return [("descEvento", "Cancelamento"), ("nProt", nProt), ("xJust", xJust)]


def cce_det(text: str) -> list:
    return [("descEvento", "Carta de Correcao"), ("xCorrecao", text), ("xCondUso", COND_USO)]


def subst_det(nProt: str, chNFeRef: str, cOrgaoAutor: int = 35) -> list:
    return [("descEvento", "Cancelamento por substituicao"), ("cOrgaoAutor", cOrgaoAutor), ("tpAutor", "1"),
            ("verAplic", "PDV-1.0"), ("nProt", nProt), ("xJust", CANCEL_JUST), ("chNFeRef", chNFeRef)]


def mde_det(tpEvento: str) -> list:
    det = [("descEvento", DESC_MDE[tpEvento])]
    if tpEvento == "210240":
        det.append(("xJust", "Operacao nao realizada por desistencia"))
    return det


def env_evento(*eventos: etree._Element, idLote: int = 1) -> etree._Element:
    env = _el("envEvento", versao="1.00")
    _sub(env, "idLote", idLote)
    for ev in eventos:
        env.append(ev)
    return env


def inut_nfe(cnpj: str, first: int, last: int, *, ano: int, mod: int = 55, serie: int = 1, cUF: int = 35,
             tpAmb: int = 2, xJust: str = "Quebra de sequencia na numeracao", Id: str | None = None) -> etree._Element:
    el = _el("inutNFe", versao="4.00")
    inf = _sub(el, "infInut", Id=Id or f"ID{cUF:02d}{ano:02d}{cnpj}{mod:02d}{serie:03d}{first:09d}{last:09d}")
    for tag, value in (("tpAmb", tpAmb), ("xServ", "INUTILIZAR"), ("cUF", cUF), ("ano", f"{ano:02d}"), ("CNPJ", cnpj),
                       ("mod", mod), ("serie", serie), ("nNFIni", first), ("nNFFin", last), ("xJust", xJust)):
        _sub(inf, tag, value)
    return el


def ret_eventos(reply) -> list[etree._Element]:
    return reply.result.findall(N + "retEvento")


def ev_stat(reply, i: int = 0) -> tuple[str, str]:
    inf = ret_eventos(reply)[i].find(N + "infEvento")
    assert inf is not None, reply.body.decode()
    return inf.findtext(N + "cStat"), inf.findtext(N + "xMotivo")


def inut_stat(reply) -> str:
    return reply.result.findtext(f"{N}infInut/{N}cStat")


@dataclass
class Note:
    key: str
    nProt: str
    nfe: etree._Element


class Issuer:
    """Authorizes notes and sends events/voidings for one emitter through a SOAP client."""

    def __init__(self, pki, signer, client, clock, seed: int | None = None):
        self.pki, self.signer, self.client, self.clock = pki, signer, client, clock
        ident = pki.identity("emitente")
        self.cnpj = ident.cnpj
        self.seed = seed if seed is not None else random.randrange(2**31)
        self.factory = NFeFactory(seed=self.seed, uf="SP", tpAmb=2, cnpj=ident.cnpj, razao=ident.razao)

    def now(self) -> datetime:
        return self.clock.now()

    def note(self, nfce: bool = False, url: str | None = None, **overrides) -> Note:
        overrides.setdefault("dhEmi", (self.now() - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=-3))))
        build = self.factory.build_nfce if nfce else self.factory.build
        nfe = self.signer.sign_nfe(build(**overrides))
        reply = self.client.call(wrap_lot([nfe], idLote=1, indSinc=1), url=url)
        inf = reply.result.find(f"{N}protNFe/{N}infProt")
        assert inf is not None and inf.findtext(N + "cStat") == "100", reply.body.decode()
        return Note(access_key(nfe), inf.findtext(N + "nProt"), nfe)

    def event(self, chNFe: str, tpEvento: str, det: list, *, sign=True, signer=None, dhEvento: str | None = None,
              author: str | None = None, **kw) -> etree._Element:
        ev = evento(chNFe, tpEvento, det, author=author or self.cnpj, dhEvento=dhEvento or dh(self.now()), **kw)
        return (signer or self.signer).sign(ev) if sign else ev

    def send(self, *eventos: etree._Element, idLote: int = 1):
        return self.client.call(env_evento(*eventos, idLote=idLote))

    def cancel(self, note: Note, **kw):
        return self.send(self.event(note.key, "110111", cancel_det(note.nProt), **kw))

    def voiding(self, first: int, last: int, *, sign=True, signer=None, ano: int | None = None, **kw):
        el = inut_nfe(kw.pop("cnpj", self.cnpj), first, last, ano=self.now().year % 100 if ano is None else ano, **kw)
        if sign:
            (signer or self.signer).sign(el)
        return self.client.call(el)
