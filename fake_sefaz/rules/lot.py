"""Rules of the NF-e lot (enviNFe): the lot's shape (MOC 7.00 GAP03a, B06), and the rules that read the
store inside the lot's unit of work (GH: same key, same number, voided number).

The GH rules read through a read-only port (rules/ports.py) bound to the lot's transaction, after the service
took the issuer series' lock, so two workers cannot both pass them; they never write: what a passed rule
implies (a cancelled inutilização, DF Portaria 403 art. 17 § 5) is noted on the context and written by the
service in the same unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.records import AUTHORIZED, DENIED
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import rule

if TYPE_CHECKING:
    from fake_sefaz.domain.nfe import NFeView
    from fake_sefaz.rules.ports import DocumentReads

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


# --- Rules that read the store: inside the lot's unit of work ---------------------------------------------------

@dataclass
class StoredContext:
    """One NF-e that the stateless rules let through, judged against what the store holds."""

    reads: "DocumentReads"
    doc: "NFeView"
    tpAmb: int
    cancels_voiding: bool = False  # set by GH03: the service cancels the inutilização covering the number


@rule("GH01", 204, 205)
def gh01_same_key(ctx: StoredContext) -> None:
    """204: the key is already authorized (or cancelled); 205: the key is denied."""
    found = ctx.reads.document(ctx.doc.key)
    if found is not None:
        raise Rejection(205 if found.state == DENIED else 204, f"[nRec:{found.nRec}]")


@rule("GH02", 539, 205)
def gh02_same_number(ctx: StoredContext) -> None:
    """539: same issuer, model, series and number under another key; 205 when that number was denied."""
    doc = ctx.doc
    found = ctx.reads.document_by_number(ctx.tpAmb, doc.issuer, int(doc.mod), int(doc.serie), int(doc.nNF))
    if found is not None:
        if found.state == DENIED:
            raise Rejection(205, f"[nRec:{found.nRec}]")
        raise Rejection(539, f"[chNFe:{found.chNFe}][nRec:{found.nRec}]")


@rule("GH03", 206)
def gh03_number_voided(ctx: StoredContext) -> None:
    """206: the number was voided (inutilização granted for the issuer's model and series).

    Except for an NF-e issued in contingency (tpEmis other than 1): transmitting it cancels the granted
    Pedido de Inutilização that covers its number, and it is authorized (DF Portaria 403/2009 art. 17 § 5,
    SEEC 108/2022; the Portaria covers model 55)."""
    doc = ctx.doc
    mod, serie, nNF = int(doc.mod), int(doc.serie), int(doc.nNF)
    if not ctx.reads.voided(ctx.tpAmb, doc.issuer, mod, serie, nNF, nNF):
        return
    if mod == 55 and doc.tpEmis != "1":
        ctx.cancels_voiding = True
        return
    raise Rejection(206)


STORED_RULES = (gh01_same_key, gh02_same_number, gh03_number_voided)
