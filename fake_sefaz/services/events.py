"""NFeRecepcaoEvento4: envEvento (1 to 20 events) -> retEnvEvento 128 with one retEvento per event, in order.

Each event is checked on a copy detached from the envelope (EVENT_RULES: schema of the specific event,
Id, signature and certificate exactly as for the NF-e, author, organ, dates), then the whole lot is
registered in one unit of work (STATE_RULES read the store; events of one lot see the earlier ones). An
accepted event gets a protocol (nProt, the authorizer's sequence) and is stored as procEventoNFe: the signed
evento as received plus the signature-free retEvento exactly as answered. A cancellation (110111/110112)
moves the NF-e to the cancelled state (consSitNFe answers 101 with every procEventoNFe of the key).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from fake_sefaz.domain import protocol
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import first_failure
from fake_sefaz.rules import events as R
from fake_sefaz.store.reads import TxReads
from fake_sefaz.store import CANCELLED, Tx
from fake_sefaz.store import events as evstore
from fake_sefaz.domain.xml import N
from fake_sefaz.rules.svc import EVENT_GATE
from fake_sefaz.services import Service, epec, national, svc
from fake_sefaz.services.context import Request, add, ret

VERSION = "1.00"


@dataclass
class Decision:
    ctx: R.EventContext
    cstat: int = 0  # 0: passed the stateless rules
    suffix: str = ""
    meaning: str | None = None  # a reused code's other text (codes.MEANINGS): the EPEC's 302/303 rejections


def decide(req: Request, evento: etree._Element) -> Decision:
    ctx = R.EventContext(copy.deepcopy(evento), req.now, req.cUF, req.tpAmb, req.backend.settings, req.backend.trust,
                         verifier=req.backend.verifier, schemas=req.backend.schemas)
    # at an SVC: the cancellation of what it authorized, nothing else (NT 2013.007 §04.3-04.4)
    rejection = svc.gate(req, EVENT_GATE, ctx.chNFe[34:35], ctx.tpEvento) or first_failure(R.EVENT_RULES, ctx)
    if rejection is None and ctx.tpEvento == R.EPEC:
        rejection = epec.check(req, ctx)
    return Decision(ctx) if rejection is None else Decision(ctx, rejection.cstat, rejection.suffix, rejection.meaning)


def ret_evento(req: Request, ctx: R.EventContext, cstat: int, suffix: str = "", nProt: str | None = None,
               dest: tuple[str, str] | None = None, pending: list[str] | None = None,
               meaning: str | None = None) -> etree._Element:
    el = ret("retEvento", VERSION)
    inf = etree.SubElement(el, N + "infEvento")
    if nProt:
        inf.set("Id", "ID" + nProt)
    add(inf, "tpAmb", req.tpAmb)
    add(inf, "verAplic", req.backend.settings.ver_aplic)
    add(inf, "cOrgao", ctx.f("cOrgao") or req.cUF)
    add(inf, "cStat", cstat)
    add(inf, "xMotivo", req.motivo(cstat, suffix, meaning))
    add(inf, "chNFe", ctx.chNFe)
    add(inf, "tpEvento", ctx.tpEvento)
    if nProt:
        add(inf, "xEvento", R.X_EVENTO[ctx.tpEvento])
    add(inf, "nSeqEvento", ctx.nSeqEvento)
    if nProt and dest is not None and dest[0] in ("CNPJ", "CPF"):
        add(inf, dest[0] + "Dest", dest[1])
    add(inf, "dhRegEvento", req.dhRecbto)
    if nProt:
        add(inf, "nProt", nProt)
    for key in (pending or [])[:50]:  # EPEC's 142: the keys still pending reconciliation (leiauteEPEC chNFePend)
        add(inf, "chNFePend", key)
    return el


def proc_evento(evento: etree._Element, ret_ev: etree._Element) -> etree._Element:
    proc = ret("procEventoNFe", VERSION)
    proc.append(copy.deepcopy(evento))
    proc.append(copy.deepcopy(ret_ev))
    return proc


def register(req: Request, decisions: list[Decision]) -> list[etree._Element]:
    """The unit of work of one lot: store-reading rules, protocols, events and state changes, one commit."""
    year = req.now.astimezone(protocol.ufs.tz_of(req.cUF)).year

    def unit(tx: Tx) -> list[etree._Element]:
        answers = []
        for d in decisions:
            ctx = d.ctx
            if d.cstat:
                answers.append(ret_evento(req, ctx, d.cstat, d.suffix, meaning=d.meaning))
                continue
            if ctx.tpEvento == R.EPEC:
                answers.append(_register_epec(req, tx, ctx, year))
                continue
            doc = tx.document(ctx.chNFe)
            st = R.EventState(ctx, TxReads(tx), doc, evstore.events_of(tx, ctx.chNFe), evstore.evidence_of(tx, ctx.chNFe))
            rejection = first_failure(R.STATE_RULES, st)
            if rejection is not None:
                answers.append(ret_evento(req, ctx, rejection.cstat, rejection.suffix))
                continue
            cstat = 155 if st.late else (135 if st.linked else 136)
            nProt = svc.n_prot(req, tx, year)  # an SVC's cancellation takes the SVC's own series
            answer = ret_evento(req, ctx, cstat, "", nProt, R.dest_id(st.nfe) if st.linked else None)
            proc_text = etree.tostring(proc_evento(ctx.evento, answer), encoding="unicode")
            evstore.insert_event(tx, evstore.EventRecord(
                chNFe=ctx.chNFe, tpEvento=ctx.tpEvento, nSeqEvento=ctx.nSeqEvento, tpAmb=req.tpAmb,
                cOrgao=ctx.cOrgao, author=ctx.author, dhEvento=ctx.f("dhEvento"), cStat=cstat, nProt=nProt,
                dhRegEvento=req.dhRecbto, received_ts=req.now.timestamp(),
                detail=(ctx.det_f("chNFeRef") if ctx.tpEvento == R.CANCEL_SUBST else
                        R.actor_doc(ctx) if ctx.tpEvento == R.ACTOR else ""),
                proc_xml=proc_text,
            ))
            if ctx.tpEvento in (R.CANCEL, R.CANCEL_SUBST):
                tx.set_document_state(ctx.chNFe, CANCELLED)
            # the Ambiente Nacional's copy, in the same commit (issue 15)
            national.publish_event(tx, doc, st.nfe, st.registered, ctx.tpEvento, ctx.author, proc_text,
                                   req.backend.settings.dist_idle_days, req.now.timestamp(),
                                   actor=R.actor_doc(ctx) if ctx.tpEvento == R.ACTOR else "")
            answers.append(answer)
        return answers

    return req.backend.store.run(unit)


def _register_epec(req: Request, tx: Tx, ctx: R.EventContext, year: int) -> etree._Element:
    """An EPEC at the AN: never linked to an NF-e (it is only taken while none exists), so 136 (MOC 7.00 §5.12.4)."""
    rejection, pending = epec.judge(req, tx, ctx)
    if rejection is not None:
        return ret_evento(req, ctx, rejection.cstat, rejection.suffix, pending=pending)
    nProt = epec.protocol_number(req, tx, year)
    answer = ret_evento(req, ctx, 136, "", nProt)
    proc_text = etree.tostring(proc_evento(ctx.evento, answer), encoding="unicode")
    evstore.insert_event(tx, evstore.EventRecord(
        chNFe=ctx.chNFe, tpEvento=ctx.tpEvento, nSeqEvento=ctx.nSeqEvento, tpAmb=req.tpAmb, cOrgao=ctx.cOrgao,
        author=ctx.author, dhEvento=ctx.f("dhEvento"), cStat=136, nProt=nProt, dhRegEvento=req.dhRecbto,
        received_ts=req.now.timestamp(), detail="", proc_xml=proc_text))
    epec.record(req, tx, ctx, nProt)
    return answer


def _opening(req: Request, idLote: str, cstat: int, suffix: str = "") -> etree._Element:
    el = ret("retEnvEvento", VERSION)
    add(el, "idLote", idLote if idLote.isdigit() and len(idLote) <= 15 else "0")
    add(el, "tpAmb", req.tpAmb)
    add(el, "verAplic", req.backend.settings.ver_aplic)
    add(el, "cOrgao", req.cUF)
    add(el, "cStat", cstat)
    add(el, "xMotivo", req.motivo(cstat, suffix))
    return el


def handle(req: Request, payload: etree._Element) -> etree._Element:
    decisions = [decide(req, ev) for ev in payload.findall(N + "evento")]
    answers = register(req, decisions)
    el = _opening(req, payload.findtext(N + "idLote") or "", 128)
    for a in answers:
        el.append(a)
    return el


def reject(req: Request, rejection: Rejection) -> etree._Element:
    return _opening(req, req.payload_text("idLote"), rejection.cstat, rejection.suffix)


SERVICE = Service(
    name="NFeRecepcaoEvento4", operation="nfeRecepcaoEvento", root="envEvento", schema="envEvento",
    version=VERSION, wsdl_file="recepcaoevento4.wsdl",
    aliases=("nferecepcaoevento4", "recepcaoevento4", "nferecepcaoevento", "recepcaoevento"),
    handle=handle, reject=reject, codes=(128, 135, 136, 155),
    rules=(EVENT_GATE, R.EVENT_RULES, epec.E.EPEC_RULES, epec.E.EPEC_STATE_RULES, R.STATE_RULES),
)
