"""NFeAutorizacao4: enviNFe (1 to 50 NF-e) -> retEnviNFe.

indSinc=1: 104 "Lote processado" with the one protNFe. indSinc=0: 103 "Lote recebido" with a receipt
(nRec) that NFeRetAutorizacao4 answers. Either way the lot is processed here, in one transaction that
commits before the answer leaves (an answer the client saw is never lost); an asynchronous lot is only
*shown* as processed once async_delay_s has passed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta

from lxml import etree

from fake_sefaz.domain import protocol
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.domain.taxpayers import Taxpayer
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.lot import LOT_RULES, STORED_OUTCOMES, STORED_RULES, LotContext, StoredContext
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.rules.registry import LEARNED
from fake_sefaz.rules.pipeline import NFE_PIPELINE
from fake_sefaz.rules.epec import AUTHORIZATION_RULES as EPEC_AUTHORIZATION_RULES, EpecMatch
from fake_sefaz.rules.svc import AUTHORIZATION_GATE
from fake_sefaz.store import DocumentRecord, LotRecord, Tx, numbering_key
from fake_sefaz.store import contingency as contingency_store
from fake_sefaz.store import events as events_store
from fake_sefaz.store import registry as registry_store
from fake_sefaz.store.reads import StoreReads, TxReads
from fake_sefaz.domain.xml import N
from fake_sefaz.services import Service, national, svc
from fake_sefaz.services.context import Request, add, head, ret

@dataclass
class Decision:
    doc: NFeView
    cstat: int  # 100 or the code of the first failing rule
    suffix: str = ""
    messages: tuple[tuple[int, str], ...] = ()  # (cMsg, xMsg) for infProt, e.g. NFC-e QR warnings
    learned: Taxpayer | None = None  # an unknown issuer the registry rules took as regular (written if stored)
    meaning: str | None = None  # the rule id of a reused code's other text (codes.MEANINGS): never a stored outcome

    @property
    def stored(self) -> bool:
        """Whether this outcome keeps the document and uses its number (authorization, denial). A code answered
        with another meaning (302/303 as NT 2024.001's rejections) is a rejection."""
        return self.cstat in STORED_OUTCOMES and self.meaning is None


def decide(req: Request, nfe: etree._Element, forced: int | None = None) -> Decision:
    """Run the stateless rules of one NF-e on a copy detached from the envelope.

    forced (or the fault engine's outcome for this NF-e): QA's forced cStat replaces the rules' verdict, so a
    forced rejection stores nothing and a forced denial (301/302/303) is stored and burns the number in record(),
    exactly like real ones."""
    doc = NFeView(copy.deepcopy(nfe))
    backend = req.backend
    if forced is None:
        forced = backend.faults.forced_for_nfe(req, doc)
    if forced is not None:
        return Decision(doc, forced)
    ctx = NFeContext(doc, req.now, req.cUF, req.tpAmb, backend.settings, backend.trust,
                     reads=StoreReads(backend.store), verifier=backend.verifier, path=req.path, svc=req.svc)
    rejection = first_failure(backend.nfe_pipeline, ctx)
    messages = tuple(ctx.notes.get("messages", ()))
    learned = ctx.notes.get(LEARNED)
    if rejection is not None:
        return Decision(doc, rejection.cstat, rejection.suffix, messages, learned, rejection.meaning)
    return Decision(doc, 100, "", messages, learned)


def prot_nfe(req: Request, doc: NFeView, cstat: int, suffix: str = "", nProt: str | None = None,
             messages: tuple[tuple[int, str], ...] = (), meaning: str | None = None) -> etree._Element:
    prot = ret("protNFe")
    inf = etree.SubElement(prot, N + "infProt")
    if nProt:
        inf.set("Id", "ID" + nProt)
    add(inf, "tpAmb", req.tpAmb)
    add(inf, "verAplic", req.backend.settings.ver_aplic)
    add(inf, "chNFe", doc.key)
    add(inf, "dhRecbto", req.dhRecbto)
    if nProt:
        add(inf, "nProt", nProt)
    if doc.digest_value:
        add(inf, "digVal", doc.digest_value)
    add(inf, "cStat", cstat)
    add(inf, "xMotivo", req.motivo(cstat, suffix, meaning))
    for cMsg, xMsg in messages[:5]:  # TProtNFe: up to 5 (cMsg, xMsg) pairs, the UF's messages to the issuer
        add(inf, "cMsg", cMsg)
        add(inf, "xMsg", xMsg[:255])
    return prot


def record(req: Request, decisions: list[Decision], idLote: str, ready_ts: float) -> tuple[str, list[etree._Element]]:
    """The unit of work of one lot: duplicate checks, protocol numbers, documents and lot, one commit."""
    year = req.now.astimezone(protocol.ufs.tz_of(req.cUF)).year

    # The series this lot uses, locked in one order so two lots never wait on each other crosswise.
    series = sorted({numbering_key(req.tpAmb, d.doc.issuer, int(d.doc.mod), int(d.doc.serie))
                     for d in decisions if d.stored})

    def unit(tx: Tx) -> tuple[str, list[etree._Element]]:
        for key in series:
            tx.lock(key)
        nRec = svc.n_rec(req, tx)  # an SVC numbers its receipts and protocols apart (NT 2013.007 §91-92)
        prots: list[etree._Element] = []
        prot_texts: list[str] = []  # serialized once, for the document row and the lot's items
        for d in decisions:
            cstat, suffix, meaning = d.cstat, d.suffix, d.meaning
            if d.stored:
                reads = TxReads(tx)
                stored = StoredContext(reads, d.doc, req.tpAmb)
                match = EpecMatch(reads, d.doc, req.tpAmb)
                rej = first_failure(STORED_RULES, stored) or first_failure(EPEC_AUTHORIZATION_RULES, match)
                if rej is not None:
                    cstat, suffix, meaning = rej.cstat, rej.suffix, rej.meaning
                else:
                    doc = d.doc
                    if stored.cancels_voiding:
                        events_store.cancel_voiding(tx, req.tpAmb, doc.issuer, int(doc.mod), int(doc.serie),
                                                    int(doc.nNF))
                    if match.reconciles:  # the EPEC's NF-e arrived: no longer pending (MOC-VG §3.3.12)
                        contingency_store.set_epec_state(tx, match.reconciles, contingency_store.RECONCILED)
            if cstat in STORED_OUTCOMES and meaning is None:
                if d.learned is not None:  # unknown_issuer=regular: the registry learns an issuer it stores
                    registry_store.insert_if_absent(tx, d.learned.row())
                nProt = svc.n_prot(req, tx, year)
                prot = prot_nfe(req, d.doc, cstat, suffix, nProt, d.messages)
                prot_text = etree.tostring(prot, encoding="unicode")
                record_ = DocumentRecord(
                    chNFe=d.doc.key, tpAmb=req.tpAmb, cUF=req.cUF, mod=int(d.doc.mod), serie=int(d.doc.serie),
                    nNF=int(d.doc.nNF), issuer=d.doc.issuer, dhEmi=d.doc.dhEmi, tpEmis=int(d.doc.tpEmis),
                    state=STORED_OUTCOMES[cstat], cStat=cstat, nProt=nProt, dhRecbto=req.dhRecbto,
                    received_ts=req.now.timestamp(), nRec=nRec, digVal=d.doc.digest_value, vNF=d.doc.vNF,
                    prot_xml=prot_text,
                    nfe_xml=etree.tostring(d.doc.element, encoding="unicode"),
                )
                tx.insert_document(record_)
                # the Ambiente Nacional's copy, in the same commit (issue 15)
                national.publish_document(tx, record_, d.doc.element, req.backend.settings.dist_idle_days,
                                          req.now.timestamp())
            else:
                prot = prot_nfe(req, d.doc, cstat, suffix, meaning=meaning)
                prot_text = etree.tostring(prot, encoding="unicode")
            prots.append(prot)
            prot_texts.append(prot_text)
        tx.insert_lot(LotRecord(
            nRec=nRec, tpAmb=req.tpAmb, cUF=req.cUF, idLote=idLote, dhRecbto=req.dhRecbto,
            received_ts=req.now.timestamp(), ready_ts=ready_ts, cStat=104, xMotivo=req.motivo(104),
            prot_xml=tuple(prot_texts),
        ))
        return nRec, prots

    return req.backend.store.run(unit)


def handle(req: Request, payload: etree._Element) -> etree._Element:
    nfes = payload.findall(N + "NFe")
    indSinc = payload.findtext(N + "indSinc") or "0"
    lot = LotContext(payload, nfes, indSinc, req.backend.settings.sync_enabled)
    rejection = first_failure(LOT_RULES, lot) or svc.gate(req, AUTHORIZATION_GATE)
    if rejection is not None:
        return reject(req, rejection)
    decisions = [decide(req, nfe) for nfe in nfes]
    delay = 0.0 if indSinc == "1" else async_delay(req)
    ready_ts = (req.now + timedelta(seconds=delay)).timestamp()
    nRec, prots = record(req, decisions, payload.findtext(N + "idLote") or "", ready_ts)
    if indSinc == "1":
        el = _opening(req, 104)
        el.append(prots[0])
        return el
    el = _opening(req, 103)
    inf = etree.SubElement(el, N + "infRec")
    add(inf, "nRec", nRec)
    add(inf, "tMed", max(1, round(delay)) if delay else req.backend.settings.tMed)
    return el


def async_delay(req: Request) -> float:
    """How long an asynchronous lot shows 105: the service state set by the admin API (faults), else the
    setting async_delay_s."""
    delay = req.backend.faults.async_delay()
    return req.backend.settings.async_delay_s if delay is None else delay


def _opening(req: Request, cstat: int, suffix: str = "") -> etree._Element:
    el = head(ret("retEnviNFe"), req, cstat, suffix)
    add(el, "cUF", req.cUF)
    add(el, "dhRecbto", req.dhRecbto)
    return el


def reject(req: Request, rejection: Rejection) -> etree._Element:
    return _opening(req, rejection.cstat, rejection.suffix)


SERVICE = Service(
    name="NFeAutorizacao4", operation="nfeAutorizacaoLote", root="enviNFe", schema="enviNFe", version="4.00",
    wsdl_file="nfeautorizacao4.wsdl", aliases=("nfeautorizacao4", "nfeautorizacao", "autorizacao"),
    handle=handle, reject=reject, codes=(103, 104, 100), is_lot=True,
    rules=(LOT_RULES, AUTHORIZATION_GATE, STORED_RULES, EPEC_AUTHORIZATION_RULES, NFE_PIPELINE),
)
