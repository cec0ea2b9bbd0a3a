"""NFeStatusServico4: consStatServ -> retConsStatServ (107 Serviço em Operação)."""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import N
from fake_sefaz.services import Service
from fake_sefaz.services.context import Request, add, head, ret


def _answer(req: Request, cstat: int, suffix: str = "") -> etree._Element:
    el = head(ret("retConsStatServ"), req, cstat, suffix)
    add(el, "cUF", req.cUF)
    add(el, "dhRecbto", req.dhRecbto)
    return el


def handle(req: Request, payload: etree._Element) -> etree._Element:
    # GA02 (252): tpAmb of the request must be this web service's environment.
    if payload.findtext(N + "tpAmb") != str(req.tpAmb):
        return reject(req, Rejection(252))
    el = _answer(req, 107)
    add(el, "tMed", req.backend.settings.tMed)
    return el


def reject(req: Request, rejection: Rejection) -> etree._Element:
    return _answer(req, rejection.cstat, rejection.suffix)


SERVICE = Service(
    name="NFeStatusServico4", operation="nfeStatusServicoNF", root="consStatServ", schema="consStatServ",
    version="4.00", wsdl_file="nfestatusservico4.wsdl", aliases=("nfestatusservico4", "statusservico"),
    handle=handle, reject=reject, codes=(107, 252),
)
