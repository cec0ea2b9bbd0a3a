"""Helpers for breaking one field of an NF-e at a time, and for posting raw SOAP."""

from __future__ import annotations

import httpx
from lxml import etree

from fake_sefaz.emitter.client import parse_reply
from fake_sefaz.domain.keys import mod11_dv
from fake_sefaz.domain.schemas import Schemas

N = "{http://www.portalfiscal.inf.br/nfe}"
SCHEMAS = Schemas()


def inf(nfe):
    return nfe.find(N + "infNFe")


def field(nfe, path):
    return inf(nfe).find("/".join(N + p for p in path.split("/")))


def setf(nfe, path, value):
    field(nfe, path).text = str(value)
    return nfe


def key_of(nfe) -> str:
    return inf(nfe).get("Id")[3:]


def rekey(nfe, key43: str) -> str:
    """Give the NF-e the key key43 + its right check digit (ide/cDV follows)."""
    key = key43 + str(mod11_dv(key43))
    inf(nfe).set("Id", "NFe" + key)
    setf(nfe, "ide/cDV", key[-1])
    return key


def infprot(reply, i=0):
    prots = reply.result.findall(N + "protNFe")
    assert prots, reply.body.decode()
    return prots[i].find(N + "infProt")


def prot_of(reply, i=0):
    p = infprot(reply, i)
    return p.findtext(N + "cStat"), p.findtext(N + "xMotivo")


def assert_valid(reply, schema: str):
    """The ret* element of the answer is valid against its official XSD."""
    assert reply.result is not None, reply.body
    error = SCHEMAS.validate(schema, etree.fromstring(etree.tostring(reply.result)))
    assert error is None, (error, reply.body.decode())


def post_raw(url: str, body: bytes, content_type: str, soapaction: str | None = None):
    headers = {"Content-Type": content_type}
    if soapaction is not None:
        headers["SOAPAction"] = soapaction
    r = httpx.post(url, content=body, headers=headers, timeout=30)
    return parse_reply(r.status_code, r.content)


WSDL = "http://www.portalfiscal.inf.br/nfe/wsdl/"
SOAP12_CT = "application/soap+xml; charset=utf-8"


def env12(inner: bytes | str) -> bytes:
    if isinstance(inner, str):
        inner = inner.encode()
    return (b'<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>' + inner
            + b"</soap:Body></soap:Envelope>")
