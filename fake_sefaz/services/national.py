"""The national copy (issue 15): what any UF of this server authorizes, denies or registers an event on reaches
the Ambiente Nacional in the same unit of work, as NSUs for the interested parties (domain/national.py says who;
store/national.py keeps them). Called from the authorization and event units of work, never on its own: one
commit holds the protocol and its distribution, so nothing answered can be missing from the AN.
"""

from __future__ import annotations

from lxml import etree

from fake_sefaz.domain import national
from fake_sefaz.domain.protocol import proc_nfe
from fake_sefaz.domain.records import AUTHORIZED, DocumentRecord
from fake_sefaz.store import Tx
from fake_sefaz.store import national as nstore

DAY = 86400.0
# manifestações that release the full NF-e to the destinatário (NT 2020.001 §3; not 210220 Desconhecimento)
RELEASING = ("210200", "210210", "210240")
CANCEL_OR_CCE = ("110111", "110112", "110110")
MANIFESTATIONS = ("210200", "210210", "210220", "210240")


def _proc(doc: DocumentRecord) -> str:
    return proc_nfe(doc.nfe_xml, doc.prot_xml).decode("utf-8")


def publish_document(tx: Tx, doc: DocumentRecord, nfe: etree._Element, idle_days: float, now_ts: float) -> None:
    """An NF-e authorized or denied: its resNFe to the destinatário; the procNFe to the carrier and autXML."""
    if doc.mod != 55:
        return  # DF-e distribution carries model 55 only (NT 2014.002; 618 for another model)
    parties = national.parties_of(nfe)
    idle = idle_days * DAY
    if parties.recipient:
        res = national.res_nfe(nfe, dhRecbto=doc.dhRecbto, nProt=doc.nProt, digVal=doc.digVal, state=doc.state)
        nstore.publish(tx, parties.recipient, doc.chNFe, national.RES_NFE, etree.tostring(res, encoding="unicode"),
                       now_ts, idle)
    if doc.state == AUTHORIZED:
        for party in parties.copies():
            nstore.publish(tx, party, doc.chNFe, national.PROC_NFE, _proc(doc), now_ts, idle)


def publish_event(tx: Tx, doc: DocumentRecord | None, tpEvento: str, author: str, proc_xml: str, idle_days: float,
                  now_ts: float) -> None:
    """A registered event: to the parties NT 2014.002 §3 gives it, and the full NF-e to a destinatário whose
    manifestação releases it."""
    if doc is None or doc.mod != 55:
        return
    parties = national.parties_of(etree.fromstring(doc.nfe_xml.encode("utf-8")))
    idle = idle_days * DAY
    if tpEvento in MANIFESTATIONS:
        targets = [parties.issuer, *parties.authorized]
    elif tpEvento in CANCEL_OR_CCE:
        targets = [parties.recipient, *parties.copies()]
    else:
        targets = [parties.recipient, *parties.copies()]
    for party in dict.fromkeys(t for t in targets if t and t != author):
        nstore.publish(tx, party, doc.chNFe, national.PROC_EVENTO, proc_xml, now_ts, idle)
    if tpEvento in RELEASING and author == parties.recipient and doc.state == AUTHORIZED \
            and not nstore.has_key(tx, author, doc.chNFe, "procNFe"):
        nstore.publish(tx, author, doc.chNFe, national.PROC_NFE, _proc(doc), now_ts, idle)
