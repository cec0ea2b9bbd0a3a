"""NFeDistribuicaoDFe (Ambiente Nacional, NT 2014.002 v1.30): distDFeInt 1.01 -> retDistDFeInt, answered inside
nfeDistDFeInteresseResponse / nfeDistDFeInteresseResult as its WSDL says (a real client fails on nfeResultMsg).

Three modes (reference §3.2): distNSU (up to 50 documents after ultNSU, with ultNSU/maxNSU), consNSU (the one
document of an NSU), consChNFe (the NF-e of a key, for its destinatário, transportador or autXML party). Each call
is one unit of work: the party's state is read, the rules decide (rules/distribution.py), and what the decision
means is written (the cursor, the hour to wait after nothing was left, the count of key queries, a block that a
call during it starts again). A new or idle party's first distNSU answers 137 and makes it a user: from then on
the national copy gives it NSUs (NT 2014.002 §3.4). The AN answers in ASCII ("Rejeicao: ...").
"""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain import codes, national, protocol, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.protocol import proc_nfe
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import first_failure
from fake_sefaz.rules import distribution as R
from fake_sefaz.services import Service
from fake_sefaz.services import national as national_copy
from fake_sefaz.services.context import Request, add, ret
from fake_sefaz.store import Tx
from fake_sefaz.store import events as evstore
from fake_sefaz.store import national as nstore

VERSION = "1.01"
DAY = 86400.0


def _motivo(cstat: int, suffix: str = "", meaning: str | None = None) -> str:
    return codes.motivo(cstat, suffix, "ascii", meaning)


def _answer(req: Request, cstat: int, suffix: str = "", meaning: str | None = None, ult: int = 0, max_: int = 0,
            docs: list[nstore.Item] = ()) -> etree._Element:
    el = ret("retDistDFeInt", VERSION)
    add(el, "tpAmb", req.tpAmb)
    add(el, "verAplic", req.backend.settings.ver_aplic)
    add(el, "cStat", cstat)
    add(el, "xMotivo", _motivo(cstat, suffix, meaning))
    add(el, "dhResp", protocol.dh(req.now, ufs.AMBIENTE_NACIONAL))
    add(el, "ultNSU", f"{ult:015d}")
    add(el, "maxNSU", f"{max_:015d}")
    if docs:
        lote = etree.SubElement(el, N + "loteDistDFeInt")
        for item in docs:
            z = add(lote, "docZip", national.doc_zip(item.xml))
            if item.nsu:
                z.set("NSU", f"{item.nsu:015d}")
            z.set("schema", item.schema)
    return el


def _request(payload: etree._Element) -> tuple[str, str, str, int, str]:
    """(kind, party, mode, number, key) of a schema-valid distDFeInt."""
    kind = "CNPJ" if payload.find(N + "CNPJ") is not None else "CPF"
    party = payload.findtext(N + kind) or ""
    if payload.find(N + R.DIST) is not None:
        return kind, party, R.DIST, int(payload.findtext(f"{N}{R.DIST}/{N}ultNSU") or 0), ""
    if payload.find(N + R.NSU) is not None:
        return kind, party, R.NSU, int(payload.findtext(f"{N}{R.NSU}/{N}NSU") or 0), ""
    return kind, party, R.KEY, 0, payload.findtext(f"{N}{R.KEY}/{N}chNFe") or ""


def handle(req: Request, payload: etree._Element) -> etree._Element:
    settings = req.backend.settings
    kind, party, mode, number, key = _request(payload)
    size = len(etree.tostring(payload))
    now = req.now.timestamp()

    def unit(tx: Tx) -> etree._Element:
        s = nstore.state(tx, party)
        top = nstore.max_nsu(tx, party)
        window_start, queries = s.window_start, s.key_queries
        if window_start is None or now - window_start >= settings.dist_wait_s:
            window_start, queries = now, 0
        doc = tx.document(key) if mode == R.KEY and len(key) == 44 else None
        nfe = etree.fromstring(doc.nfe_xml.encode()) if doc is not None else None  # parsed once for the request
        parties = national_copy.parties(nfe, evstore.events_of(tx, key)) if nfe is not None else None
        ctx = R.DistContext(
            now=req.now, acting_tpAmb=req.tpAmb, tpAmb=int(payload.findtext(N + "tpAmb") or 0), kind=kind,
            party=party, mode=mode, number=number, key=key, caller=req.caller, data_size=size,
            max_bytes=settings.dist_max_bytes, blocked_until=s.blocked_until, block_reason=s.block_reason,
            empty_ts=s.empty_ts, last_ult_nsu=s.last_ult_nsu, key_queries=queries, wait_s=settings.dist_wait_s,
            key_query_limit=settings.dist_key_queries, max_nsu=top, doc=doc, parties=parties,
            retention_s=settings.dist_retention_days * DAY,
        )
        rejection = first_failure(R.DIST_RULES, ctx)
        if mode in (R.NSU, R.KEY):
            queries += 1
        if rejection is not None:
            if rejection.cstat == 656:
                # a block of one hour, started again by every call during it; the answer carries the cursor
                nstore.save(tx, nstore.PartyState(party, s.last_dist_ts, s.last_ult_nsu, s.empty_ts,
                                                  now + settings.dist_wait_s, rejection.suffix, window_start, queries))
                return _answer(req, 656, rejection.suffix, ult=s.last_ult_nsu or 0, max_=0)
            if rejection.cstat in (214, 252, 489, 490, 593, 472):
                return _answer(req, rejection.cstat, rejection.suffix, rejection.meaning)
            nstore.save(tx, nstore.PartyState(party, s.last_dist_ts, s.last_ult_nsu, s.empty_ts, None, "",
                                              window_start, queries))
            return _answer(req, rejection.cstat, rejection.suffix, rejection.meaning, ult=number, max_=top)
        if mode == R.DIST:
            idle = s.last_dist_ts is None or now - s.last_dist_ts > settings.dist_idle_days * DAY
            since = now - settings.dist_retention_days * DAY
            items = [] if idle else nstore.after(tx, party, number, settings.dist_max_docs, since)
            ult = items[-1].nsu if items else (top if not idle else number)
            empty = not items or ult >= top
            nstore.save(tx, nstore.PartyState(party, now, ult, now if empty else None, None, "", window_start,
                                              queries))
            if not items:
                return _answer(req, 137, meaning="DIST-137", ult=ult, max_=top)
            return _answer(req, 138, meaning="DIST-138", ult=ult, max_=top, docs=items)
        nstore.save(tx, nstore.PartyState(party, s.last_dist_ts, s.last_ult_nsu, s.empty_ts, None, "", window_start,
                                          queries))
        if mode == R.NSU:
            item = nstore.at(tx, party, number)
            if item is None:
                return _answer(req, 137, meaning="DIST-137", ult=number, max_=top)
            return _answer(req, 138, meaning="DIST-138", ult=number, max_=top, docs=[item])
        # consChNFe: the NF-e itself, procNFe once the party may have it, else its summary (no NSU since v1.15)
        released = parties.recipient != party or nstore.has_key(tx, party, key, "procNFe")
        if released:
            item = nstore.Item(0, key, national.PROC_NFE, proc_nfe(doc.nfe_xml, doc.prot_xml).decode(), now)
        else:
            res = national.res_nfe(nfe, dhRecbto=doc.dhRecbto, nProt=doc.nProt, digVal=doc.digVal, state=doc.state)
            item = nstore.Item(0, key, national.RES_NFE, etree.tostring(res, encoding="unicode"), now)
        return _answer(req, 138, meaning="DIST-138", ult=0, max_=top, docs=[item])

    return req.backend.store.run(unit)


def reject(req: Request, rejection: Rejection) -> etree._Element:
    return _answer(req, rejection.cstat, rejection.suffix, rejection.meaning)


SERVICE = Service(
    name="NFeDistribuicaoDFe", operation="nfeDistDFeInteresse", root="distDFeInt", schema="distDFeInt",
    version=VERSION, wsdl_file="nfedistribuicaodfe.wsdl", aliases=("nfedistribuicaodfe", "distribuicaodfe"),
    handle=handle, reject=reject, wrappers=("nfeDistDFeInteresseResponse", "nfeDistDFeInteresseResult"),
    codes=(137, 138), rules=(R.DIST_RULES,),
)
