"""NFeStatusServico4: consStatServ -> retConsStatServ (107 Serviço em Operação)."""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain import contingency, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.svc import AUTHORIZATION_GATE
from fake_sefaz.services import Service, svc
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
    cstat = 107
    if req.svc is not None:
        cstat = _svc_status(req)
    el = _answer(req, cstat)
    if cstat in (107, 113):
        add(el, "tMed", req.backend.settings.tMed)
    return el


def _svc_status(req: Request) -> int:
    """The SVC's status for the UF (NT 2013.007 §04.7; MOC-AIII §2.1.3.4 g): 107 active, 113 while the last 15
    minutes before a scheduled end run (the text says when), 114 not switched on; 582 for a UF it does not serve."""
    ctx = svc.context(req)
    rejection = first_failure(AUTHORIZATION_GATE, ctx)  # 582, 114: the gate of the SVC's lots
    if rejection is not None:
        return rejection.cstat
    st = ctx.state
    if st.state == contingency.CLOSING and st.end is not None:
        end = st.end.astimezone(ufs.tz_of(req.cUF))
        req.fill.update({"SEFAZ-XX": f"SEFAZ-{ctx.uf}", "dd/mm/aa": end.strftime("%d/%m/%y"),
                         "hh:mm": end.strftime("%H:%M")})
        return 113
    return 107


def reject(req: Request, rejection: Rejection) -> etree._Element:
    return _answer(req, rejection.cstat, rejection.suffix)


SERVICE = Service(
    name="NFeStatusServico4", operation="nfeStatusServicoNF", root="consStatServ", schema="consStatServ",
    version="4.00", wsdl_file="nfestatusservico4.wsdl", aliases=("nfestatusservico4", "statusservico"),
    handle=handle, reject=reject, codes=(107, 113, 114, 252, 582),
)
