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
from fake_sefaz.rules import first_failure, rule
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.store import AUTHORIZED, DENIED, DocumentRecord, LotRecord, Tx, numbering_key
from fake_sefaz.store import events as events_store
from fake_sefaz.domain.xml import N
from fake_sefaz.services import Service
from fake_sefaz.services.context import Request, add, head, ret

# Outcomes that are recorded: the document is kept with its protocol and its number is used.
STORED_OUTCOMES = {100: AUTHORIZED, 150: AUTHORIZED, 301: DENIED, 302: DENIED, 303: DENIED}


@dataclass
class LotContext:
    payload: etree._Element
    nfes: list[etree._Element]
    indSinc: str
    sync_enabled: bool


@rule("GAP03a-1", 764)
def gap03a1_sync_single(ctx: LotContext) -> None:
    """764: a synchronous lot (indSinc=1) carries exactly one NF-e."""
    if ctx.indSinc == "1" and len(ctx.nfes) > 1:
        raise Rejection(764)


@rule("GAP03a-2", 776)
def gap03a2_sync_available(ctx: LotContext) -> None:
    """776: indSinc=1 where the UF offers no synchronous answer (setting sync_enabled=false)."""
    if ctx.indSinc == "1" and not ctx.sync_enabled:
        raise Rejection(776)


@rule("B06-20", 765)
def b06_20_one_model(ctx: LotContext) -> None:
    """765: a lot carries NF-e (55) or NFC-e (65), never both (MOC 7.00 B06-20)."""
    models = {nfe.findtext(f"{N}infNFe/{N}ide/{N}mod") for nfe in ctx.nfes}
    if len(models) > 1:
        raise Rejection(765)


LOT_RULES = (gap03a1_sync_single, gap03a2_sync_available, b06_20_one_model)


@dataclass
class Decision:
    doc: NFeView
    cstat: int  # 100 or the code of the first failing rule
    suffix: str = ""
    messages: tuple[tuple[int, str], ...] = ()  # (cMsg, xMsg) for infProt, e.g. NFC-e QR warnings
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
    if forced is None:
        forced = req.auth.forced_outcome(req, doc)
    if forced is not None:
        return Decision(doc, forced)
    ctx = NFeContext(doc, req.now, req.cUF, req.tpAmb, req.auth.settings, req.auth.trust, auth=req.auth,
                     path=req.path)
    rejection = first_failure(req.auth.nfe_pipeline, ctx)
    messages = tuple(ctx.notes.get("messages", ()))
    if rejection is not None:
        return Decision(doc, rejection.cstat, rejection.suffix, messages, rejection.meaning)
    return Decision(doc, 100, "", messages)


# --- Rules that read the store: run inside the unit of work, so two workers cannot both pass them.

@rule("GH01", 204, 205)
def gh01_same_key(tx: Tx, doc: NFeView) -> None:
    """204: the key is already authorized (or cancelled); 205: the key is denied."""
    found = tx.document(doc.key)
    if found is not None:
        raise Rejection(205 if found.state == DENIED else 204, f"[nRec:{found.nRec}]")


@rule("GH02", 539, 205)
def gh02_same_number(tx: Tx, doc: NFeView, tpAmb: int) -> None:
    """539: same issuer, model, series and number under another key; 205 when that number was denied."""
    found = tx.document_by_number(tpAmb, doc.issuer, int(doc.mod), int(doc.serie), int(doc.nNF))
    if found is not None:
        if found.state == DENIED:
            raise Rejection(205, f"[nRec:{found.nRec}]")
        raise Rejection(539, f"[chNFe:{found.chNFe}][nRec:{found.nRec}]")


@rule("GH03", 206)
def gh03_number_voided(tx: Tx, doc: NFeView, tpAmb: int) -> None:
    """206: the number was voided (inutilização granted for the issuer's model and series).

    Except for an NF-e issued in contingency (tpEmis other than 1): transmitting it cancels the granted
    Pedido de Inutilização that covers its number, and it is authorized (DF Portaria 403/2009 art. 17 § 5,
    SEEC 108/2022; the Portaria covers model 55)."""
    mod, serie, nNF = int(doc.mod), int(doc.serie), int(doc.nNF)
    if not events_store.voidings_overlapping(tx, tpAmb, doc.issuer, mod, serie, nNF, nNF):
        return
    if mod == 55 and doc.tpEmis != "1":
        events_store.cancel_voiding(tx, tpAmb, doc.issuer, mod, serie, nNF)
        return
    raise Rejection(206)


def prot_nfe(req: Request, doc: NFeView, cstat: int, suffix: str = "", nProt: str | None = None,
             messages: tuple[tuple[int, str], ...] = (), meaning: str | None = None) -> etree._Element:
    prot = ret("protNFe")
    inf = etree.SubElement(prot, N + "infProt")
    if nProt:
        inf.set("Id", "ID" + nProt)
    add(inf, "tpAmb", req.tpAmb)
    add(inf, "verAplic", req.auth.settings.ver_aplic)
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
        nRec = protocol.n_rec(req.cUF, tx.next_seq(f"nRec:{req.cUF}", 0))
        prots: list[etree._Element] = []
        prot_texts: list[str] = []  # serialized once, for the document row and the lot's items
        for d in decisions:
            cstat, suffix, meaning = d.cstat, d.suffix, d.meaning
            if d.stored:
                try:
                    gh01_same_key(tx, d.doc)
                    gh02_same_number(tx, d.doc, req.tpAmb)
                    gh03_number_voided(tx, d.doc, req.tpAmb)
                except Rejection as rej:
                    cstat, suffix, meaning = rej.cstat, rej.suffix, rej.meaning
            if cstat in STORED_OUTCOMES and meaning is None:
                nProt = protocol.n_prot(req.cUF, year, tx.next_seq(f"nProt:{req.cUF}", year))
                prot = prot_nfe(req, d.doc, cstat, suffix, nProt, d.messages)
                prot_text = etree.tostring(prot, encoding="unicode")
                tx.insert_document(DocumentRecord(
                    chNFe=d.doc.key, tpAmb=req.tpAmb, cUF=req.cUF, mod=int(d.doc.mod), serie=int(d.doc.serie),
                    nNF=int(d.doc.nNF), issuer=d.doc.issuer, dhEmi=d.doc.dhEmi, tpEmis=int(d.doc.tpEmis),
                    state=STORED_OUTCOMES[cstat], cStat=cstat, nProt=nProt, dhRecbto=req.dhRecbto,
                    received_ts=req.now.timestamp(), nRec=nRec, digVal=d.doc.digest_value, vNF=d.doc.vNF,
                    prot_xml=prot_text,
                    nfe_xml=etree.tostring(d.doc.element, encoding="unicode"),
                ))
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

    return req.auth.store.run(unit)


def handle(req: Request, payload: etree._Element) -> etree._Element:
    nfes = payload.findall(N + "NFe")
    indSinc = payload.findtext(N + "indSinc") or "0"
    lot = LotContext(payload, nfes, indSinc, req.auth.settings.sync_enabled)
    rejection = first_failure(LOT_RULES, lot)
    if rejection is not None:
        return reject(req, rejection)
    decisions = [decide(req, nfe) for nfe in nfes]
    delay = 0.0 if indSinc == "1" else req.auth.async_delay()
    ready_ts = (req.now + timedelta(seconds=delay)).timestamp()
    nRec, prots = record(req, decisions, payload.findtext(N + "idLote") or "", ready_ts)
    if indSinc == "1":
        el = _opening(req, 104)
        el.append(prots[0])
        return el
    el = _opening(req, 103)
    inf = etree.SubElement(el, N + "infRec")
    add(inf, "nRec", nRec)
    add(inf, "tMed", max(1, round(delay)) if delay else req.auth.settings.tMed)
    return el


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
)
