"""Helpers for the taxpayer registry tests (issue 4): dedicated servers with their own frozen clock, the admin
API over HTTP, and NF-e builders whose issuer/recipient the registry knows."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from lxml import etree

from fake_sefaz.domain.clock import ControlledClock
from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.domain.taxpayers import local_today
from fake_sefaz.server.serve import ThreadedServer
from fake_sefaz.emitter.signer import Signer

from support import server_settings

N = "{http://www.portalfiscal.inf.br/nfe}"


def start_server(pki, tmp_dir, **overrides):
    clock = ControlledClock(frozen=True)
    srv = ThreadedServer(settings=server_settings(pki, tmp_dir, **overrides), clock=clock).start()
    srv.clock = clock
    return srv


class Registry:
    """The admin API of one server."""

    def __init__(self, srv):
        self.srv = srv
        self.http = httpx.Client(base_url=srv.url, timeout=30)

    @property
    def today(self) -> date:
        return local_today(self.srv.clock.now(), "SP")

    def ago(self, days: int) -> str:
        return (self.today - timedelta(days=days)).isoformat()

    def put(self, doc: str, expect: tuple[int, ...] = (200, 201), **fields) -> dict:
        body = {"cnpj" if len(doc) == 14 else "cpf": doc, "uf": "SP", "name": "CONTRIBUINTE DE TESTE", **fields}
        r = self.http.put(f"/admin/taxpayers/{doc}", json=body)
        assert r.status_code in expect, r.text
        return r.json()

    def close(self):
        self.http.close()


class Issuer:
    """An emitter signing with the test PKI's 'emitente' certificate, with its own random IE (a registration
    of its own in the registry), sending to one server."""

    def __init__(self, pki, srv, client, *, identity: str = "emitente"):
        ident = pki.identity(identity)
        self.srv = srv
        self.factory = NFeFactory(seed=None, uf="SP", tpAmb=2, cnpj=ident.cnpj, razao=ident.razao)
        self.signer = Signer(ident)
        self.client = client
        self.cnpj = ident.cnpj
        self.ie = self.factory.ie

    def nfe(self, *, sign: bool = True, dest_ie: str | None = None, emit_ie: str | None | bool = True, **kw):
        kw.setdefault("dhEmi", self.srv.clock.now())
        if kw.get("mod") == 65:
            nfe = self.factory.build_nfce(**kw)
        else:
            if dest_ie is not None:
                kw.setdefault("indFinal", 0)
            nfe = self.factory.build(**kw)
        inf = nfe.find(N + "infNFe")
        if emit_ie is not True:
            el = inf.find(f"{N}emit/{N}IE")
            if emit_ie is None:
                el.getparent().remove(el)
            else:
                el.text = emit_ie
        if dest_ie is not None:
            ind = inf.find(f"{N}dest/{N}indIEDest")
            ind.text = "1"
            ie_el = etree.Element(N + "IE")
            ie_el.text = dest_ie
            ind.addnext(ie_el)
        return self.signer.sign_nfe(nfe) if sign else nfe

    def send(self, nfe):
        return self.client.call(wrap_lot([nfe], idLote=1, indSinc=1))

    def register(self, registry: Registry, **fields) -> dict:
        return registry.put(self.cnpj, ie=self.ie, **fields)


def prot_of(reply) -> tuple[str, str | None]:
    inf = reply.result.find(f"{N}protNFe/{N}infProt")
    assert inf is not None, reply.body.decode()
    return inf.findtext(N + "cStat"), inf.findtext(N + "nProt")


def key_of(nfe) -> str:
    return nfe.find(N + "infNFe").get("Id")[3:]
