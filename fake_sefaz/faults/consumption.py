"""Consumo indevido (cStat 656), NT 2018.002 as summarized in reference/sefaz-contract.md §1.2, with the ladder of
Portaria 403/2009 art. 23-A (repeated suspensions become a block that only the tax administration lifts).

Limits, per web service, in a window of one hour (all configurable; off by default):
- NFeAutorizacao4: the same NF-e (key) rejected again with the same cStat more than 30 times;
- NFeConsultaProtocolo4: the same key consulted more than 10 times;
- NFeRetAutorizacao4: the same receipt consulted more than 40 times;
- NFeRecepcaoEvento4 / NFeInutilizacao4 (when those services exist): the same event / range rejected again
  more than 20 times.
An excess answers 656 and suspends the issuer (CNPJ of the key) on that service for `suspension` seconds
(60 minutes); the `block_after`-th suspension within 24 hours blocks it until an admin release
(`POST /admin/faults/consumption/release`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from lxml import etree

from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import rule
from fake_sefaz.store import faults as fstore
from fake_sefaz.domain.xml import N

if TYPE_CHECKING:
    from fake_sefaz.store import Store
    from fake_sefaz.services import Service
    from fake_sefaz.services.context import Request

USES = "uses"  # every request counts (queries)
REJECTIONS = "rejections"  # only the same rejection of the same subject counts

# payload root -> (setting holding the threshold, what counts)
KINDS: dict[str, tuple[str, str]] = {
    "enviNFe": ("consumption_nfe_rejections", REJECTIONS),
    "consSitNFe": ("consumption_key_queries", USES),
    "consReciNFe": ("consumption_receipt_queries", USES),
    "envEvento": ("consumption_event_rejections", REJECTIONS),
    "inutNFe": ("consumption_inut_rejections", REJECTIONS),
}
LADDER_WINDOW_S = 24 * 3600.0
NOT_REJECTIONS = {301, 302, 303}


@dataclass(frozen=True)
class Limits:
    thresholds: Mapping[str, int]
    window_s: float
    suspension_s: float
    block_after: int


def limits(settings: Any, override: Mapping[str, Any] | None) -> Limits | None:
    """The limits in force: the settings, overridden by what the admin API stored; None when off."""
    override = override or {}
    enabled = override.get("enabled", settings.consumption_limits)
    if not enabled:
        return None
    thresholds = {root: int(getattr(settings, name)) for root, (name, _) in KINDS.items()}
    thresholds.update({k: int(v) for k, v in (override.get("thresholds") or {}).items()})
    return Limits(
        thresholds=thresholds,
        window_s=float(override.get("window_s", settings.consumption_window_s)),
        suspension_s=float(override.get("suspension_s", settings.consumption_suspension_s)),
        block_after=int(override.get("block_after", settings.consumption_block_after)),
    )


def _subjects(tx, payload: etree._Element | None, root: str) -> list[tuple[str, str]]:
    """(subject, issuer) pairs a request is about."""
    if payload is None:
        return []
    out: list[tuple[str, str]] = []
    if root == "enviNFe":
        for inf in payload.iter(N + "infNFe"):
            key = (inf.get("Id") or "")[3:]
            emit = inf.find(N + "emit")
            issuer = "" if emit is None else (emit.findtext(N + "CNPJ") or emit.findtext(N + "CPF") or "")
            out.append((key, issuer or key[6:20]))
    elif root == "consReciNFe":
        nRec = payload.findtext(N + "nRec") or ""
        issuer = nRec
        lot = tx.lot(nRec) if nRec else None
        if lot is not None and lot.prot_xml:
            key = etree.fromstring(lot.prot_xml[0]).findtext(f"{N}infProt/{N}chNFe") or ""
            issuer = key[6:20] or nRec
        out.append((nRec, issuer))
    elif root == "inutNFe":
        inf = payload.find(N + "infInut")
        if inf is not None:
            out.append((inf.get("Id") or "", inf.findtext(N + "CNPJ") or inf.findtext(N + "CPF") or ""))
    else:
        for inf in payload.iter():
            key = inf.findtext(N + "chNFe") if isinstance(inf.tag, str) else None
            if key:
                tp = inf.findtext(N + "tpEvento") or ""
                out.append((key + (":" + tp if tp else ""), key[6:20]))
                if root == "consSitNFe":
                    break
    return [(s, i) for s, i in out if s]


@rule("NT2018.002-BLOCK", 656)
def blocked_issuer(ctx: tuple) -> None:
    """656: the issuer is suspended (lifts by itself) or blocked (admin release) on this service."""
    tx, issuer, service, now = ctx
    block = fstore.active_block(tx, issuer, service, now)
    if block is not None:
        raise Rejection(656, _reason(block))


@rule("NT2018.002-LIMIT", 656)
def over_limit(ctx: tuple) -> None:
    """656: this use exceeds the NT 2018.002 limit for the subject: suspend (or block) the issuer."""
    tx, issuer, service, now, count, threshold, lim = ctx
    if count > threshold:
        block = fstore.punish(tx, issuer, service, now, lim.suspension_s, lim.block_after, LADDER_WINDOW_S,
                              f"{count} usos em {int(lim.window_s)} s (limite {threshold})")
        raise Rejection(656, _reason(block))


def _reason(block: fstore.Block) -> str:
    if block.level == fstore.BLOCK:
        return "(Emissor bloqueado: liberacao somente pela administracao tributaria)"
    minutes = max(1, round(((block.until_ts or block.since_ts) - block.since_ts) / 60))
    return f"(Deve ser aguardado {minutes} minutos para nova tentativa)"


def check(store: "Store", req: "Request", service: "Service", lim: Limits) -> Rejection | None:
    """Before the service runs: a suspended/blocked issuer, or the use that crosses the limit, answers 656."""
    root = service.root
    if root not in lim.thresholds:
        return None
    threshold = lim.thresholds[root]
    mode = KINDS.get(root, ("", USES))[1]
    now = req.now.timestamp()

    def unit(tx) -> Rejection | None:
        for subject, issuer in _subjects(tx, req.soap.payload, root):
            try:
                blocked_issuer((tx, issuer, service.name, now))
                if mode == USES:
                    count = fstore.count_use(tx, service.name, subject, issuer, 0, now, lim.window_s, False)
                else:
                    # the send that would be the (threshold+1)-th identical rejection
                    count = fstore.peek_count(tx, service.name, subject, now, lim.window_s)[0] + 1
                over_limit((tx, issuer, service.name, now, count, threshold, lim))
            except Rejection as rej:
                return rej
        return None

    return store.run(unit)


def count_rejections(store: "Store", req: "Request", service: "Service", result: etree._Element,
                     lim: Limits) -> None:
    """After the answer: count each subject rejected again with the same cStat (REJECTIONS kinds only)."""
    root = service.root
    if root not in lim.thresholds or KINDS.get(root, ("", USES))[1] != REJECTIONS:
        return
    now = req.now.timestamp()

    def unit(tx) -> None:
        subjects = _subjects(tx, req.soap.payload, root)
        outcomes: dict[str, int] = {}
        lot_cstat = int(result.findtext(N + "cStat") or result.findtext(".//" + N + "cStat") or 0)
        prots: list[etree._Element] = list(result.iter(N + "infProt"))
        nRec = result.findtext(f"{N}infRec/{N}nRec")
        if nRec:
            lot = tx.lot(nRec)
            if lot is not None:
                prots = [etree.fromstring(p).find(N + "infProt") for p in lot.prot_xml]
        for inf in prots:
            outcomes[inf.findtext(N + "chNFe") or ""] = int(inf.findtext(N + "cStat") or 0)
        for inf in result.iter(N + "infEvento"):
            key = (inf.findtext(N + "chNFe") or "") + ":" + (inf.findtext(N + "tpEvento") or "")
            outcomes[key] = int(inf.findtext(N + "cStat") or 0)
        for subject, issuer in subjects:
            cstat = outcomes.get(subject, outcomes.get(subject.split(":")[0], lot_cstat))
            if cstat >= 200 and cstat not in NOT_REJECTIONS:
                fstore.count_use(tx, service.name, subject, issuer, cstat, now, lim.window_s, True)

    store.run(unit)


CONSUMPTION_RULES = (blocked_issuer, over_limit)
