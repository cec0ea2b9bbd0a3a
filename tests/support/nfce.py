"""Test support for the NFC-e feature: a dedicated server (its own clock and settings), an emitter that builds,
signs and QR-codes NFC-e the way a real POS does, and CSC registration through the admin API over HTTP."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import httpx
from lxml import etree

from fake_sefaz.emitter import builders
from fake_sefaz.emitter.client import SoapClient
from fake_sefaz.emitter.factory import NFeFactory, format_dh, wrap_lot
from fake_sefaz.emitter.signer import Signer
from fake_sefaz.domain.ufs import tz_of

NS = "{http://www.portalfiscal.inf.br/nfe}"


def prot_of(reply) -> dict[str, object]:
    inf = reply.result.find(f"{NS}protNFe/{NS}infProt")
    assert inf is not None, reply.body.decode()
    return {
        "cStat": inf.findtext(NS + "cStat"), "xMotivo": inf.findtext(NS + "xMotivo"),
        "nProt": inf.findtext(NS + "nProt"), "cMsg": [e.text for e in inf.iterfind(NS + "cMsg")],
        "xMsg": [e.text for e in inf.iterfind(NS + "xMsg")], "element": inf,
    }


class NfceEmitter:
    """Builds signed NFC-e with infNFeSupl and sends them to one server; CSCs through the admin API."""

    def __init__(self, server, clock, pki, uf: str = "SP", tpAmb: int = 2, identity: str = "emitente") -> None:
        self.server, self.clock, self.pki = server, clock, pki
        ident = pki.identity(identity)
        self.identity = ident
        self.signer = Signer(ident)
        self.cnpj = ident.cnpj
        self.uf, self.tpAmb = uf, tpAmb
        self.factory = NFeFactory(seed=None, uf=uf, tpAmb=tpAmb, cnpj=ident.cnpj, razao=ident.razao)
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self.cUF = self.factory.cUF

    # --- CSC through the admin API
    def register(self, token: str | None = None, cnpj: str | None = None, **params) -> dict:
        r = self.http.post(f"/admin/taxpayers/{cnpj or self.cnpj}/csc", params=params or None,
                           json={"token": token} if token else None)
        assert r.status_code == 201, r.text
        return r.json()

    def revoke(self, token_id: str | int, cnpj: str | None = None) -> dict:
        r = self.http.delete(f"/admin/taxpayers/{cnpj or self.cnpj}/csc/{token_id}")
        assert r.status_code == 200, r.text
        return r.json()

    # --- documents
    def now_local(self) -> datetime:
        return self.clock.now().astimezone(tz_of(self.cUF))

    def build(self, *, offline: bool = False, dhEmi: datetime | None = None, **overrides) -> etree._Element:
        """An unsigned NFC-e issued at the server clock's instant (or dhEmi)."""
        dh = (dhEmi or self.now_local()).astimezone(tz_of(self.cUF))
        overrides.setdefault("tpEmis", 9 if offline else 1)
        return self.factory.build_nfce(dhEmi=format_dh(dh), **overrides)

    def sign(self, nfe: etree._Element) -> etree._Element:
        return self.signer.sign_nfe(nfe)

    def qr(self, nfe: etree._Element, *, version: str = "2", csc: dict | None = None, base_url: str | None = None,
           url_chave: str | None = None) -> etree._Element:
        """Insert infNFeSupl into a signed NFC-e (v2 needs csc={'id':..., 'token':...})."""
        return builders.add_qr(nfe, version=version, cUF=self.cUF, tpAmb=self.tpAmb,
                               csc_id=csc["id"] if csc else None, csc=csc["token"] if csc else None,
                               key_pem=self.identity.key_pem, base_url=base_url, url_chave=url_chave)

    def nfce(self, *, version: str = "2", csc: dict | None = None, offline: bool = False,
             base_url: str | None = None, url_chave: str | None = None, dhEmi: datetime | None = None,
             **overrides) -> etree._Element:
        nfe = self.sign(self.build(offline=offline, dhEmi=dhEmi, **overrides))
        return self.qr(nfe, version=version, csc=csc, base_url=base_url, url_chave=url_chave)

    def send(self, *nfes, path: str = "", version: int = 12, zipped: bool = False):
        client = SoapClient(self.server.url + path, version=version, zipped=zipped)
        try:
            return client.call(wrap_lot([copy.deepcopy(n) for n in nfes], idLote=1, indSinc=1))
        finally:
            client.close()

    def authorize(self, nfe, **kw) -> dict:
        return prot_of(self.send(nfe, **kw))

    def close(self) -> None:
        self.http.close()


def set_qr(nfe: etree._Element, text: str) -> etree._Element:
    """Replace the qrCode text of an NFC-e that has one (the signature does not cover infNFeSupl)."""
    nfe.find(f"{NS}infNFeSupl/{NS}qrCode").text = text
    return nfe


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


__all__ = ["NfceEmitter", "prot_of", "set_qr", "utc", "timedelta"]
