"""NFeConsultaProtocolo4: consSitNFe -> retConsSitNFe, the current state of a key.

100 (or 150) authorized, 110 denied, 101 cancelled, each with its protNFe; 217 unknown key.
"""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.query import QUERY_RULES, QueryContext
from fake_sefaz.store import contingency as cstore
from fake_sefaz.store import events as events_store
from fake_sefaz.store import AUTHORIZED, CANCELLED, DENIED
from fake_sefaz.domain.xml import N
from fake_sefaz.rules.svc import QUERY_GATE
from fake_sefaz.services import Service, svc
from fake_sefaz.services.context import Request, add, head, ret

STATE_CSTAT = {DENIED: 110, CANCELLED: 101}




def _answer(req: Request, chNFe: str, cstat: int, suffix: str = "") -> etree._Element:
    el = head(ret("retConsSitNFe"), req, cstat, suffix)
    add(el, "cUF", req.cUF)
    add(el, "dhRecbto", req.dhRecbto)
    add(el, "chNFe", chNFe)
    return el


def handle(req: Request, payload: etree._Element) -> etree._Element:
    chNFe = payload.findtext(N + "chNFe") or ""
    rejection = first_failure(QUERY_RULES, QueryContext(payload, req.cUF, req.tpAmb)) or \
        svc.gate(req, QUERY_GATE, chNFe[34:35])
    if rejection is not None:
        return _answer(req, chNFe, rejection.cstat, rejection.suffix)
    doc, procs, held = req.backend.store.read(lambda tx: _document_and_events(tx, chNFe))
    if doc is None and held is not None and held.tpAmb == req.tpAmb:
        # MOC-VG §3.3.16: only the EPEC exists (the AN shared it with the UF): 124 with its procEventoNFe
        el = _answer(req, chNFe, 124)
        for proc in procs:
            el.append(etree.fromstring(proc))
        return el
    if doc is None or doc.tpAmb != req.tpAmb:
        return _answer(req, chNFe, 217)
    cstat = doc.cStat if doc.state == AUTHORIZED else STATE_CSTAT[doc.state]
    el = _answer(req, chNFe, cstat)
    el.append(etree.fromstring(doc.prot_xml))
    for proc in procs:  # the procEventoNFe of every event registered for the key, in registration order
        el.append(etree.fromstring(proc))
    return el


def _document_and_events(tx, chNFe: str):
    doc = tx.document(chNFe)
    held = cstore.epec(tx, chNFe) if doc is None else None
    procs = [e.proc_xml for e in events_store.events_of(tx, chNFe)] if doc is not None or held is not None else []
    return doc, procs, held


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
    handle=handle, reject=reject, codes=(100, 101, 110, 124, 150, 217), rules=(QUERY_RULES, QUERY_GATE),
)
