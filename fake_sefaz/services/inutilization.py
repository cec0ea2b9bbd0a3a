"""NFeInutilizacao4: inutNFe -> retInutNFe, voiding a range of unused numbers of one series.

Stateless rules on a copy detached from the envelope, then one unit of work: store-reading rules, a
protocol from the authorizer's sequence, the procInutNFe stored (signed request + answer), commit, answer
102. A voided number is then refused by NFeAutorizacao4 with 206 (rule GH03 in services/authorization.py).
"""

from __future__ import annotations

import copy

from lxml import etree

from fake_sefaz.domain import protocol
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import first_failure
from fake_sefaz.rules import inutilization as R
from fake_sefaz.store.reads import TxReads
from fake_sefaz.store import Tx, numbering_key
from fake_sefaz.store import events as evstore
from fake_sefaz.domain.xml import N
from fake_sefaz.rules.svc import VOIDING_GATE
from fake_sefaz.services import Service, svc
from fake_sefaz.services.context import Request, add, ret

VERSION = "4.00"


def ret_inut(req: Request, cstat: int, suffix: str = "", inf_req: etree._Element | None = None,
             nProt: str | None = None) -> etree._Element:
    el = ret("retInutNFe", VERSION)
    inf = etree.SubElement(el, N + "infInut")
    if nProt:
        inf.set("Id", "ID" + nProt)
    add(inf, "tpAmb", req.tpAmb)
    add(inf, "verAplic", req.backend.settings.ver_aplic)
    add(inf, "cStat", cstat)
    add(inf, "xMotivo", req.motivo(cstat, suffix))
    add(inf, "cUF", req.cUF)
    if inf_req is not None:
        for tag in ("ano", "CNPJ", "mod", "serie", "nNFIni", "nNFFin"):
            value = inf_req.findtext(N + tag)
            if value is not None:
                add(inf, tag, value)
    add(inf, "dhRecbto", req.dhRecbto)
    if nProt:
        add(inf, "nProt", nProt)
    return el


def handle(req: Request, payload: etree._Element) -> etree._Element:
    ctx = R.VoidingContext(copy.deepcopy(payload), req.now, req.cUF, req.tpAmb, req.backend.settings, req.backend.trust,
                           verifier=req.backend.verifier)
    rejection = svc.gate(req, VOIDING_GATE) or first_failure(R.VOIDING_RULES, ctx)
    if rejection is not None:
        return ret_inut(req, rejection.cstat, rejection.suffix, ctx.inf)
    year = req.now.astimezone(protocol.ufs.tz_of(req.cUF)).year

    def unit(tx: Tx) -> etree._Element:
        tx.lock(numbering_key(req.tpAmb, ctx.cnpj, ctx.mod, ctx.serie))  # against a concurrent authorization
        rej = first_failure(R.STATE_RULES, R.VoidingState(ctx, TxReads(tx)))
        if rej is not None:
            return ret_inut(req, rej.cstat, rej.suffix, ctx.inf)
        nProt = protocol.n_prot(req.cUF, year, tx.next_seq(f"nProt:{req.cUF}", year))
        answer = ret_inut(req, 102, "", ctx.inf, nProt)
        proc = ret("ProcInutNFe", VERSION)  # the official root name (procInutNFe_v4.00.xsd) is capitalised
        proc.append(copy.deepcopy(ctx.inut))
        proc.append(copy.deepcopy(answer))
        evstore.insert_voiding(tx, evstore.VoidingRecord(
            id=ctx.inf.get("Id"), tpAmb=req.tpAmb, cUF=req.cUF, ano=int(ctx.f("ano")), cnpj=ctx.cnpj,
            mod=ctx.mod, serie=ctx.serie, nNFIni=ctx.first, nNFFin=ctx.last, state=evstore.GRANTED, nProt=nProt,
            dhRecbto=req.dhRecbto, received_ts=req.now.timestamp(),
            proc_xml=etree.tostring(proc, encoding="unicode"),
        ))
        return answer

    return req.backend.store.run(unit)


def reject(req: Request, rejection: Rejection) -> etree._Element:
    return ret_inut(req, rejection.cstat, rejection.suffix)


SERVICE = Service(
    name="NFeInutilizacao4", operation="nfeInutilizacaoNF", root="inutNFe", schema="inutNFe", version=VERSION,
    wsdl_file="nfeinutilizacao4.wsdl", aliases=("nfeinutilizacao4", "nfeinutilizacao", "inutilizacao"),
    handle=handle, reject=reject, codes=(102,), rules=(VOIDING_GATE, R.VOIDING_RULES, R.STATE_RULES),
)
