"""NFeRetAutorizacao4: consReciNFe -> retConsReciNFe (104 with every protNFe, 105 processing, 106 unknown)."""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.svc import RECEIPT_GATE, e02a_receipt_of_an_svc
from fake_sefaz.services import Service, svc
from fake_sefaz.services.context import Request, add, ret


def _answer(req: Request, nRec: str, cstat: int, suffix: str = "") -> etree._Element:
    el = ret("retConsReciNFe")
    add(el, "tpAmb", req.tpAmb)
    add(el, "verAplic", req.backend.settings.ver_aplic)
    add(el, "nRec", nRec)
    add(el, "cStat", cstat)
    add(el, "xMotivo", req.motivo(cstat, suffix))
    add(el, "cUF", req.cUF)
    add(el, "dhRecbto", req.dhRecbto)
    return el


def handle(req: Request, payload: etree._Element) -> etree._Element:
    nRec = payload.findtext(N + "nRec") or ""
    if payload.findtext(N + "tpAmb") != str(req.tpAmb):
        return _answer(req, nRec, 252)  # 252: environment of the request differs from this web service
    if nRec[:2] != f"{req.cUF:02d}":
        return _answer(req, nRec, 248)  # 248: the receipt's UF is not this authorizer's
    authority = nRec[2:3]
    rejection = svc.gate(req, RECEIPT_GATE, authority) if req.svc else first_failure((e02a_receipt_of_an_svc,), authority)
    if rejection is not None:
        return _answer(req, nRec, rejection.cstat, rejection.suffix)
    lot = req.backend.store.read(lambda tx: tx.lot(nRec))
    if lot is None or lot.tpAmb != req.tpAmb:
        return _answer(req, nRec, 106)
    if req.now.timestamp() < lot.ready_ts:
        return _answer(req, nRec, 105)
    el = _answer(req, nRec, 104)
    for prot in lot.prot_xml:
        el.append(etree.fromstring(prot))
    return el


def reject(req: Request, rejection: Rejection) -> etree._Element:
    nRec = req.payload_text("nRec")
    if not (len(nRec) == 15 and nRec.isdigit()):
        nRec = "0" * 15  # nRec is mandatory in retConsReciNFe even when the request's was unreadable
    return _answer(req, nRec, rejection.cstat, rejection.suffix)


SERVICE = Service(
    name="NFeRetAutorizacao4", operation="nfeRetAutorizacaoLote", root="consReciNFe", schema="consReciNFe",
    version="4.00", wsdl_file="nferetautorizacao4.wsdl",
    aliases=("nferetautorizacao4", "nferetautorizacao", "retautorizacao"),
    handle=handle, reject=reject, codes=(104, 105, 106, 248, 252), rules=(RECEIPT_GATE, (e02a_receipt_of_an_svc,)),
)
