"""Events and inutilização test support: the payload builders live in fake_sefaz.emitter.builders (shared with the
conformance runner); here an Issuer that authorizes notes and sends events over the real SOAP path."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from lxml import etree

from fake_sefaz.domain import protocol
from fake_sefaz.emitter.builders import (
    CANCEL_JUST,
    COND_USO,
    DESC_MDE,
    cancel_det,
    cce_det,
    env_evento,
    evento,
    inut_nfe,
    mde_det,
    subst_det,
)
from fake_sefaz.emitter.factory import NFeFactory, access_key, wrap_lot
from fake_sefaz.domain.xml import N

__all__ = [
    "CANCEL_JUST",
    "COND_USO",
    "DESC_MDE",
    "Issuer",
    "Note",
    "cancel_det",
    "cce_det",
    "dh",
    "env_evento",
    "ev_stat",
    "evento",
    "inut_nfe",
    "inut_stat",
    "mde_det",
    "ret_eventos",
    "subst_det",
]


def dh(instant: datetime, cUF: int = 35) -> str:
    return protocol.dh(instant, cUF)


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
