"""The emitter's whole flow from the command line (issue 13): status, send (sync, or async with receipt polling),
receipt, query, cancel, cce, inutilize. Each prints a short human summary (cStat, xMotivo, key, nProt), the raw
answer with --xml or one JSON object with --json, and exits 0 only on the service's success code, so shell scripts
can chain them (`fake-sefaz send --json | jq -r .key`)."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain import ufs
from fake_sefaz.domain.xml import N
from fake_sefaz.emitter.client import OPERATIONS, Reply, SoapClient

# The success code of each answer: anything else exits 1.
AUTHORIZED, LOT_RECEIVED, LOT_PROCESSED, IN_OPERATION = "100", "103", "104", "107"
EVENT_REGISTERED, VOIDED = ("135", "155"), "102"  # 155: a late cancellation accepted
_SERVICE_NAMES = {op for op, _ in OPERATIONS.values()}


def base_url(url: str) -> str:
    """The authorizer's base URL: a URL that names a service (…/NFeAutorizacao4) loses that last segment, since
    every command posts to its own service."""
    url = url.rstrip("/")
    head, _, last = url.rpartition("/")
    return head if last in _SERVICE_NAMES and "://" in head else url


def stable_ie(cnpj: str, uf: str) -> str:
    """One IE per (CNPJ, UF) for the test identities: every `send` of the same issuer shows the same registration,
    so a server that learns issuers (unknown_issuer=regular) keeps one row, not one per run."""
    return ie_rules.generate(ufs.sigla_of(ufs.code_of(uf)), random.Random(f"{cnpj}:{uf}"))


@dataclass
class Outcome:
    """What one command learned: printed as a line, as XML or as JSON."""

    command: str
    ok: bool
    cStat: str | None
    xMotivo: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.command}: {self.cStat or '-'} {self.xMotivo or '(no answer)'}"]
        parts += [f"{k}={v}" for k, v in self.extra.items() if v not in (None, "", [])]
        return "  ".join(parts)

    def as_json(self) -> str:
        return json.dumps({"command": self.command, "ok": self.ok, "cStat": self.cStat, "xMotivo": self.xMotivo,
                           **self.extra}, ensure_ascii=False)

    def xml(self) -> str:
        return "\n".join(r.body.decode("utf-8", "replace") for r in self.replies)


def _text(el: etree._Element | None, name: str) -> str | None:
    return None if el is None else el.findtext(N + name)


def _no_answer(command: str, reply: Reply) -> Outcome:
    return Outcome(command, False, None, f"HTTP {reply.status}, no ret* in the answer", replies=[reply])


def status(client: SoapClient, tpAmb: int, cUF: int) -> Outcome:
    from fake_sefaz.emitter.client import cons_stat_serv

    r = client.call(cons_stat_serv(tpAmb, cUF))
    if r.result is None:
        return _no_answer("status", r)
    return Outcome("status", r.cStat == IN_OPERATION, r.cStat, r.field("xMotivo"),
                   {"tMed": r.field("tMed"), "dhRecbto": r.field("dhRecbto")}, [r])


def _prot_outcome(command: str, replies: list[Reply], prot: etree._Element | None, key: str,
                  extra: dict[str, Any] | None = None) -> Outcome:
    inf = prot.find(N + "infProt") if prot is not None else None
    cstat = _text(inf, "cStat")
    return Outcome(command, cstat == AUTHORIZED, cstat, _text(inf, "xMotivo"),
                   {"key": key, "nProt": _text(inf, "nProt"), **(extra or {})}, replies)


def send(client: SoapClient, nfe: etree._Element, *, sync: bool, tpAmb: int, poll_s: float = 0.5,
         wait_s: float = 30.0) -> Outcome:
    """Authorize one signed NF-e: synchronously, or asynchronously polling the receipt until the lot is processed
    (104) or wait_s has passed."""
    from fake_sefaz.emitter.factory import wrap_lot

    key = nfe.find(N + "infNFe").get("Id")[3:]
    r = client.call(wrap_lot([nfe], idLote=int(time.time()), indSinc=1 if sync else 0))
    if r.result is None:
        return _no_answer("send", r)
    if sync or r.cStat != LOT_RECEIVED:
        prot = r.result.find(N + "protNFe")
        if prot is None:  # a lot rejection (225, 214, 656...)
            return Outcome("send", False, r.cStat, r.field("xMotivo"), {"key": key}, [r])
        return _prot_outcome("send", [r], prot, key)
    nrec = r.result.findtext(f"{N}infRec/{N}nRec")
    return receipt(client, nrec, tpAmb=tpAmb, poll_s=poll_s, wait_s=wait_s, first=[r], key=key, command="send")


def receipt(client: SoapClient, nrec: str, *, tpAmb: int, poll_s: float = 0.5, wait_s: float = 30.0,
            first: list[Reply] | None = None, key: str | None = None, command: str = "receipt") -> Outcome:
    from fake_sefaz.emitter.client import cons_reci_nfe

    replies = list(first or [])
    deadline = time.monotonic() + wait_s
    while True:
        r = client.call(cons_reci_nfe(tpAmb, nrec))
        replies.append(r)
        if r.result is None:
            return _no_answer(command, r)
        if r.cStat != "105" or time.monotonic() >= deadline:  # 105: lot still being processed
            break
        time.sleep(poll_s)
    prot = r.result.find(N + "protNFe")
    if prot is None:
        return Outcome(command, False, r.cStat, r.field("xMotivo"), {"nRec": nrec, "key": key}, replies)
    inf_key = prot.findtext(f"{N}infProt/{N}chNFe")
    return _prot_outcome(command, replies, prot, inf_key or key or "", {"nRec": nrec})


def query(client: SoapClient, key: str, *, tpAmb: int) -> Outcome:
    from fake_sefaz.emitter.client import cons_sit_nfe

    r = client.call(cons_sit_nfe(tpAmb, key))
    if r.result is None:
        return _no_answer("query", r)
    inf = r.result.find(f"{N}protNFe/{N}infProt")
    events = [e.findtext(f"{N}infEvento/{N}tpEvento") for e in r.result.iterfind(f"{N}procEventoNFe/{N}retEvento")]
    return Outcome("query", r.cStat in ("100", "101", "150", "151"), r.cStat, r.field("xMotivo"),
                   {"key": key, "nProt": _text(inf, "nProt"), "events": events}, [r])


def event(client: SoapClient, signer, ev: etree._Element, command: str) -> Outcome:
    from fake_sefaz.emitter.builders import env_evento

    r = client.call(env_evento(signer.sign(ev), idLote=int(time.time())))
    if r.result is None:
        return _no_answer(command, r)
    inf = r.result.find(f"{N}retEvento/{N}infEvento")
    cstat = _text(inf, "cStat") or r.cStat
    return Outcome(command, cstat in EVENT_REGISTERED, cstat, _text(inf, "xMotivo") or r.field("xMotivo"),
                   {"key": _text(inf, "chNFe"), "nProt": _text(inf, "nProt")}, [r])


def cancel(client: SoapClient, signer, *, key: str, author: str, tpAmb: int, nProt: str | None = None,
           justification: str | None = None, when: datetime) -> Outcome:
    """110111 for an authorized key; nProt is looked up with consSitNFe when not given."""
    from fake_sefaz.emitter.builders import CANCEL_JUST, cancel_det, evento

    if not nProt:
        found = query(client, key, tpAmb=tpAmb)
        nProt = found.extra.get("nProt")
        if not nProt:
            return Outcome("cancel", False, found.cStat, found.xMotivo, {"key": key}, found.replies)
    ev = evento(key, "110111", cancel_det(nProt, justification or CANCEL_JUST), author=author,
                dhEvento=when.isoformat(timespec="seconds"), cOrgao=int(key[:2]), tpAmb=tpAmb)
    return event(client, signer, ev, "cancel")


def cce(client: SoapClient, signer, *, key: str, author: str, tpAmb: int, text: str, seq: int,
        when: datetime) -> Outcome:
    from fake_sefaz.emitter.builders import cce_det, evento

    ev = evento(key, "110110", cce_det(text), author=author, dhEvento=when.isoformat(timespec="seconds"),
                nSeq=seq, cOrgao=int(key[:2]), tpAmb=tpAmb)
    return event(client, signer, ev, "cce")


def inutilize(client: SoapClient, signer, *, cnpj: str, first: int, last: int, serie: int, mod: int, cUF: int,
              tpAmb: int, year: int, justification: str | None = None) -> Outcome:
    from fake_sefaz.emitter.builders import VOID_JUST, inut_nfe

    el = inut_nfe(cnpj, first, last, ano=year % 100, mod=mod, serie=serie, cUF=cUF, tpAmb=tpAmb,
                  xJust=justification or VOID_JUST)
    r = client.call(signer.sign(el))
    if r.result is None:
        return _no_answer("inutilize", r)
    inf = r.result.find(N + "infInut")
    cstat = _text(inf, "cStat")
    return Outcome("inutilize", cstat == VOIDED, cstat, _text(inf, "xMotivo"),
                   {"range": f"{first}-{last}", "serie": serie, "nProt": _text(inf, "nProt")}, [r])


# --- the Ambiente Nacional (issue 15) -------------------------------------------------------------------------

DIST_FOUND, DIST_NOTHING = "138", "137"
MANIFEST_TYPES = {"ciencia": "210210", "confirmacao": "210200", "desconhecimento": "210220", "nao-realizada": "210240"}
CURSOR_FILE = "ultNSU.json"  # in the download folder: where the last answer left the party, and when


def an_url(url: str, tpAmb: int) -> str:
    """The AN of a fake-sefaz base URL (…/homologacao/AN); a URL that already names the AN, or a real host, as is."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if "an" in parts.path.lower().split("/") or (parts.hostname or "").endswith("nfe.fazenda.gov.br"):
        return url
    return url.rstrip("/") + ("/homologacao/AN" if tpAmb == 2 else "/producao/AN")


def distdfe(client: SoapClient, party: str, folder, *, tpAmb: int, now: float, wait_s: float = 3600.0,
            max_calls: int = 100) -> Outcome:
    """Fetch every pending document of `party` into `folder` (<NSU>-<schema>.xml), continuing from the ultNSU the
    folder's cursor file holds and honouring the hour the AN demands after nothing was left (NT 2014.002
    §3.11.4): a call inside that hour is not sent at all."""
    import base64
    import gzip
    from pathlib import Path

    from fake_sefaz.emitter.client import dist_dfe_int

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cursor_path = folder / CURSOR_FILE
    cursor = json.loads(cursor_path.read_text()) if cursor_path.is_file() else {"ultNSU": 0, "empty_ts": None}
    if cursor.get("empty_ts") is not None and now - cursor["empty_ts"] < wait_s:
        left = int(wait_s - (now - cursor["empty_ts"]))
        return Outcome("distdfe", False, None, f"nothing was left {int(now - cursor['empty_ts'])} s ago: the AN "
                       f"answers 656 to a new call within the hour; try again in {left} s",
                       {"ultNSU": cursor["ultNSU"]})
    saved: list[str] = []
    replies: list[Reply] = []
    r = None
    for _ in range(max_calls):
        r = client.call(dist_dfe_int(tpAmb, party, ult_nsu=int(cursor["ultNSU"])))
        replies.append(r)
        if r.result is None:
            return _no_answer("distdfe", r)
        if r.cStat not in (DIST_FOUND, DIST_NOTHING):
            break
        for z in r.result.iterfind(f"{N}loteDistDFeInt/{N}docZip"):
            name = f"{z.get('NSU') or '0'}-{z.get('schema', 'doc').removesuffix('.xsd')}.xml"
            (folder / name).write_bytes(gzip.decompress(base64.b64decode(z.text or "")))
            saved.append(name)
        cursor["ultNSU"] = int(r.field("ultNSU") or cursor["ultNSU"])
        if r.cStat == DIST_NOTHING or r.field("ultNSU") == r.field("maxNSU"):
            cursor["empty_ts"] = now
            break
        cursor["empty_ts"] = None
    cursor_path.write_text(json.dumps(cursor))
    ok = r is not None and r.cStat in (DIST_FOUND, DIST_NOTHING)
    return Outcome("distdfe", ok, r.cStat if r is not None else None, r.field("xMotivo") if r is not None else None,
                   {"ultNSU": f"{cursor['ultNSU']:015d}", "saved": len(saved), "folder": str(folder)}, replies)


def manifest(client: SoapClient, signer, *, key: str, author: str, kind: str, tpAmb: int, when: datetime,
             justification: str | None = None, seq: int = 1) -> Outcome:
    """The destinatário's manifestação (NT 2020.001) at the AN: cOrgao 91."""
    from fake_sefaz.emitter.builders import evento, mde_det

    tp = MANIFEST_TYPES[kind]
    det = mde_det(tp)
    if justification:
        det = [d for d in det if d[0] != "xJust"] + [("xJust", justification)]
    ev = evento(key, tp, det, author=author, dhEvento=when.isoformat(timespec="seconds"), cOrgao=91, tpAmb=tpAmb,
                nSeq=seq)
    return event(client, signer, ev, "manifest")
