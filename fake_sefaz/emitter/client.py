"""A tiny real SOAP client for the NF-e web services: builds the envelope the way real emitters do
(SOAP 1.2 like sped-nfe/PyNFe, or SOAP 1.1 + SOAPAction like nfelib; plain or nfeDadosMsgZip) and
posts it with httpx. Used by `fake-sefaz send`, the tests and the conformance runner."""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass

import httpx
from lxml import etree

from fake_sefaz.soap.codec import CONTENT_TYPES, SOAP11, SOAP12
from fake_sefaz.domain.xml import NFE

WSDL_NS = "http://www.portalfiscal.inf.br/nfe/wsdl/"
# payload root -> (service, operation)
OPERATIONS = {
    "enviNFe": ("NFeAutorizacao4", "nfeAutorizacaoLote"),
    "consReciNFe": ("NFeRetAutorizacao4", "nfeRetAutorizacaoLote"),
    "consSitNFe": ("NFeConsultaProtocolo4", "nfeConsultaNF"),
    "consStatServ": ("NFeStatusServico4", "nfeStatusServicoNF"),
    "inutNFe": ("NFeInutilizacao4", "nfeInutilizacaoNF"),
    "envEvento": ("NFeRecepcaoEvento4", "nfeRecepcaoEvento"),
    "ConsCad": ("CadConsultaCadastro4", "consultaCadastro"),
    "distDFeInt": ("NFeDistribuicaoDFe", "nfeDistDFeInteresse"),
}


def payload_bytes(payload: etree._Element | bytes) -> bytes:
    return payload if isinstance(payload, bytes) else etree.tostring(payload, encoding="utf-8")


def envelope(payload: etree._Element | bytes, root: str, *, version: int = 12, zipped: bool = False) -> bytes:
    service, _ = OPERATIONS[root]
    ns = WSDL_NS + service
    env = SOAP12 if version == 12 else SOAP11
    data = payload_bytes(payload)
    if zipped:
        inner = f'<nfeDadosMsgZip xmlns="{ns}">'.encode() + base64.b64encode(gzip.compress(data)) + b"</nfeDadosMsgZip>"
    elif root == "distDFeInt":  # the AN's .asmx style: the operation element around nfeDadosMsg (its WSDL)
        inner = (f'<nfeDistDFeInteresse xmlns="{ns}"><nfeDadosMsg>'.encode() + data
                 + b"</nfeDadosMsg></nfeDistDFeInteresse>")
    else:
        inner = f'<nfeDadosMsg xmlns="{ns}">'.encode() + data + b"</nfeDadosMsg>"
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{env}"><soap:Body>'.encode()
            + inner + b"</soap:Body></soap:Envelope>")


def headers_for(root: str, version: int, zipped: bool = False, with_action: bool = True) -> dict[str, str]:
    service, operation = OPERATIONS[root]
    action = f"{WSDL_NS}{service}/{operation}" + ("Zip" if zipped and root == "enviNFe" else "")
    if version == 11:
        return {"Content-Type": CONTENT_TYPES[11], "SOAPAction": f'"{action}"'}
    ct = CONTENT_TYPES[12] + (f'; action="{action}"' if with_action else "")
    return {"Content-Type": ct}


@dataclass
class Reply:
    status: int
    body: bytes
    result: etree._Element | None  # the ret* element, when the answer carried one

    def field(self, name: str) -> str | None:
        return None if self.result is None else self.result.findtext("{%s}%s" % (NFE, name))

    @property
    def cStat(self) -> str | None:
        return self.field("cStat")


def parse_reply(status: int, body: bytes) -> Reply:
    result = None
    try:
        root = etree.fromstring(body)
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.startswith("{" + NFE + "}"):
                result = el
                break
    except etree.XMLSyntaxError:
        pass
    return Reply(status, body, result)


class SoapClient:
    def __init__(self, base_url: str, *, version: int = 12, zipped: bool = False, with_action: bool = True,
                 timeout: float = 30.0, http: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.zipped = zipped
        self.with_action = with_action
        self.http = http or httpx.Client(timeout=timeout)

    def url_for(self, root: str) -> str:
        return f"{self.base_url}/{OPERATIONS[root][0]}"

    def call(self, payload: etree._Element | bytes, *, url: str | None = None) -> Reply:
        data = payload_bytes(payload)
        root = etree.QName(etree.fromstring(data)).localname
        zipped = self.zipped and root == "enviNFe"
        body = envelope(data, root, version=self.version, zipped=zipped)
        r = self.http.post(url or self.url_for(root), content=body,
                           headers=headers_for(root, self.version, zipped, self.with_action))
        return parse_reply(r.status_code, r.content)

    def close(self) -> None:
        self.http.close()


# --- request payload builders (consultation messages; the NF-e itself comes from factory.py)

def _el(tag: str, versao: str = "4.00") -> etree._Element:
    return etree.Element("{%s}%s" % (NFE, tag), versao=versao, nsmap={None: NFE})


def _sub(parent: etree._Element, tag: str, text: object) -> None:
    etree.SubElement(parent, "{%s}%s" % (NFE, tag)).text = str(text)


def cons_stat_serv(tpAmb: int, cUF: int) -> etree._Element:
    el = _el("consStatServ")
    _sub(el, "tpAmb", tpAmb)
    _sub(el, "cUF", cUF)
    _sub(el, "xServ", "STATUS")
    return el


def cons_sit_nfe(tpAmb: int, chNFe: str) -> etree._Element:
    el = _el("consSitNFe")
    _sub(el, "tpAmb", tpAmb)
    _sub(el, "xServ", "CONSULTAR")
    _sub(el, "chNFe", chNFe)
    return el


def dist_dfe_int(tpAmb: int, party: str, *, ult_nsu: int | None = None, nsu: int | None = None,
                 chNFe: str | None = None, cUFAutor: int | None = None) -> etree._Element:
    """distDFeInt 1.01 (NFeDistribuicaoDFe): one of ultNSU (distNSU), NSU (consNSU) or chNFe (consChNFe)."""
    el = _el("distDFeInt", versao="1.01")
    _sub(el, "tpAmb", tpAmb)
    if cUFAutor is not None:
        _sub(el, "cUFAutor", cUFAutor)
    _sub(el, "CNPJ" if len(party) == 14 else "CPF", party)
    if chNFe is not None:
        group, tag, value = "consChNFe", "chNFe", chNFe
    elif nsu is not None:
        group, tag, value = "consNSU", "NSU", f"{nsu:015d}"
    else:
        group, tag, value = "distNSU", "ultNSU", f"{ult_nsu or 0:015d}"
    _sub(etree.SubElement(el, "{%s}%s" % (NFE, group)), tag, value)
    return el


def cons_reci_nfe(tpAmb: int, nRec: str) -> etree._Element:
    el = _el("consReciNFe")
    _sub(el, "tpAmb", tpAmb)
    _sub(el, "nRec", nRec)
    return el


def cons_cad(uf: str, *, ie: str | None = None, cnpj: str | None = None, cpf: str | None = None) -> etree._Element:
    """ConsCad 2.00 (CadConsultaCadastro4): exactly one of ie, cnpj, cpf."""
    el = _el("ConsCad", versao="2.00")
    inf = etree.SubElement(el, "{%s}infCons" % NFE)
    _sub(inf, "xServ", "CONS-CAD")
    _sub(inf, "UF", uf)
    for tag, value in (("IE", ie), ("CNPJ", cnpj), ("CPF", cpf)):
        if value is not None:
            _sub(inf, tag, value)
    return el
