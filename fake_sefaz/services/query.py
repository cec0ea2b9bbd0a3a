"""NFeConsultaProtocolo4: consSitNFe -> retConsSitNFe, the current state of a key.

100 (or 150) authorized, 110 denied, 101 cancelled, each with its protNFe; 217 unknown key.
"""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain import keys
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import first_failure, rule
from fake_sefaz.store import AUTHORIZED, CANCELLED, DENIED
from fake_sefaz.domain.xml import N
from fake_sefaz.services import Service
from fake_sefaz.services.context import Request, add, head, ret

STATE_CSTAT = {DENIED: 110, CANCELLED: 101}


@rule("GA02", 252)
def environment(ctx: tuple[Request, etree._Element]) -> None:
    """252: tpAmb of the request is this web service's environment."""
    req, payload = ctx
    if payload.findtext(N + "tpAmb") != str(req.tpAmb):
        raise Rejection(252)


@rule("GB01", 236)
def key_dv(ctx: tuple[Request, etree._Element]) -> None:
    """236: the queried key's check digit is right."""
    if not keys.AccessKey(ctx[1].findtext(N + "chNFe") or "").dv_ok():
        raise Rejection(236)


@rule("GB08", 249)
def key_uf(ctx: tuple[Request, etree._Element]) -> None:
    """249: the key belongs to a UF this authorizer serves."""
    req, payload = ctx
    key = payload.findtext(N + "chNFe") or ""
    if key[:2] != f"{req.cUF:02d}":
        raise Rejection(249)


QUERY_RULES = (environment, key_dv, key_uf)


def _answer(req: Request, chNFe: str, cstat: int, suffix: str = "") -> etree._Element:
    el = head(ret("retConsSitNFe"), req, cstat, suffix)
    add(el, "cUF", req.cUF)
    add(el, "dhRecbto", req.dhRecbto)
    add(el, "chNFe", chNFe)
    return el


def handle(req: Request, payload: etree._Element) -> etree._Element:
    chNFe = payload.findtext(N + "chNFe") or ""
    rejection = first_failure(QUERY_RULES, (req, payload))
    if rejection is not None:
        return _answer(req, chNFe, rejection.cstat, rejection.suffix)
    doc = req.auth.store.read(lambda tx: tx.document(chNFe))
    if doc is None or doc.tpAmb != req.tpAmb:
        return _answer(req, chNFe, 217)
    cstat = doc.cStat if doc.state == AUTHORIZED else STATE_CSTAT[doc.state]
    el = _answer(req, chNFe, cstat)
    el.append(etree.fromstring(doc.prot_xml))
    for extra in req.auth.query_extras(doc):  # procEventoNFe of the key (events service)
        el.append(extra)
    return el


def reject(req: Request, rejection: Rejection) -> etree._Element:
    chNFe = req.payload_text("chNFe")
    if not (len(chNFe) == 44 and chNFe.isalnum()):
        chNFe = "0" * 44  # chNFe is mandatory in retConsSitNFe
    return _answer(req, chNFe, rejection.cstat, rejection.suffix)


SERVICE = Service(
    name="NFeConsultaProtocolo4", operation="nfeConsultaNF", root="consSitNFe", schema="consSitNFe",
    version="4.00", wsdl_file="nfeconsulta4.wsdl",
    # sped-nfe sends namespace .../wsdl/NFeConsulta4 for several UFs (sefaz-contract §2.1)
    aliases=("nfeconsultaprotocolo4", "nfeconsulta4", "nfeconsultaprotocolo", "nfeconsulta", "consultaprotocolo"),
    handle=handle, reject=reject, codes=(100, 101, 110, 150, 217),
)
