"""The national copy (issue 15): what any UF of this server authorizes, denies or registers an event on reaches
the Ambiente Nacional in the same unit of work, as NSUs for the interested parties (domain/national.py says who;
store/national.py keeps them). Called from the authorization and event units of work, never on its own: one
commit holds the protocol and its distribution, so nothing answered can be missing from the AN.
"""

from __future__ import annotations

from typing import Iterable

from lxml import etree

from fake_sefaz.domain import national
from fake_sefaz.domain.protocol import proc_nfe
from fake_sefaz.domain.records import AUTHORIZED, DocumentRecord
from fake_sefaz.store import Tx
from fake_sefaz.store import events as evstore
from fake_sefaz.store import national as nstore

DAY = 86400.0
# manifestações that release the full NF-e to the destinatário (NT 2020.001 §3; not 210220 Desconhecimento)
RELEASING = ("210200", "210210", "210240")
CANCEL_OR_CCE = ("110111", "110112", "110110")
MANIFESTATIONS = ("210200", "210210", "210220", "210240")
ACTOR = "110150"


def parties(nfe: etree._Element, registered: Iterable[evstore.EventRecord]) -> national.Parties:
    """Who is interested in an NF-e: its own groups, and every party a registered 110150 (Ator interessado)
    authorized. The caller has the note parsed and the key's events read already."""
    base = national.parties_of(nfe)
    actors = tuple(ev.detail for ev in registered if ev.tpEvento == ACTOR and ev.detail)
    if not actors:
        return base
    return national.Parties(base.issuer, base.recipient, base.carrier, (*base.authorized, *actors))


def _proc(doc: DocumentRecord) -> str:
    return proc_nfe(doc.nfe_xml, doc.prot_xml).decode("utf-8")


def publish_document(tx: Tx, doc: DocumentRecord, nfe: etree._Element, idle_days: float, now_ts: float) -> None:
    """An NF-e authorized or denied: its resNFe to the destinatário; the procNFe to the carrier and autXML."""
    if doc.mod != 55:
        return  # DF-e distribution carries model 55 only (NT 2014.002; 618 for another model)
    parties = national.parties_of(nfe)
    copies = parties.copies() if doc.state == AUTHORIZED else ()
    users = nstore.users(tx, [p for p in (parties.recipient, *copies) if p], now_ts, idle_days * DAY)
    if not users:
        return  # the usual case on the hot path: nobody to copy to, one indexed read
    if parties.recipient in users:
        res = national.res_nfe(nfe, dhRecbto=doc.dhRecbto, nProt=doc.nProt, digVal=doc.digVal, state=doc.state)
        nstore.publish(tx, parties.recipient, doc.chNFe, national.RES_NFE, etree.tostring(res, encoding="unicode"),
                       now_ts)
    proc = None
    for party in copies:
        if party in users:
            proc = proc or _proc(doc)
            nstore.publish(tx, party, doc.chNFe, national.PROC_NFE, proc, now_ts)


def publish_event(tx: Tx, doc: DocumentRecord | None, nfe: etree._Element | None,
                  registered: Iterable[evstore.EventRecord], tpEvento: str, author: str, proc_xml: str,
                  idle_days: float, now_ts: float, actor: str = "") -> None:
    """A registered event (the key's earlier events in `registered`): to the parties NT 2014.002 §3 gives it, and
    the full NF-e to a destinatário whose manifestação releases it. actor: the party a 110150 authorizes."""
    if doc is None or nfe is None or doc.mod != 55:
        return
    interested = parties(nfe, registered)
    if tpEvento == ACTOR:  # the party it authorizes gets the NF-e (and, from now on, its events)
        if actor and doc.state == AUTHORIZED and nstore.users(tx, [actor], now_ts, idle_days * DAY) \
                and not nstore.has_key(tx, actor, doc.chNFe, "procNFe"):
            nstore.publish(tx, actor, doc.chNFe, national.PROC_NFE, _proc(doc), now_ts)
        return
    if tpEvento in MANIFESTATIONS:
        targets = [interested.issuer, *interested.authorized]
    else:  # cancellation, CC-e and the rest: destinatário even without manifestação, carrier, autXML, actors
        targets = [interested.recipient, *interested.copies()]
    targets = [t for t in dict.fromkeys(targets) if t and t != author]
    releases = tpEvento in RELEASING and author == interested.recipient and doc.state == AUTHORIZED
    users = nstore.users(tx, targets + ([author] if releases else []), now_ts, idle_days * DAY)
    for party in targets:
        if party in users:
            nstore.publish(tx, party, doc.chNFe, national.PROC_EVENTO, proc_xml, now_ts)
    if releases and author in users and not nstore.has_key(tx, author, doc.chNFe, "procNFe"):
        nstore.publish(tx, author, doc.chNFe, national.PROC_NFE, _proc(doc), now_ts)
