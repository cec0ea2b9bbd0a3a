"""CadConsultaCadastro4: ConsCad (versao 2.00) -> retConsCad, the registration of taxpayers of this UF.

Reads the same registry that drives denial (DF Portaria 403/2009 art. 20-A: the authorizer offers accredited
emitters a query of its ICMS taxpayers' registration status). Query by CNPJ, CPF or IE; every registration
with an IE found in the UF is one infCad: 111 one occurrence, 112 several. Business rules, in MOC order
(MOC §4.7 "Consulta Cadastro", table K):

K01 265 UF of the query is not this web service's; K02 257 (requester not an NF-e issuer: needs the TLS client
certificate, which this transport does not see - not applied); K03 258 invalid CNPJ; K04 259 CNPJ not a
taxpayer of the UF (also a CNPJ never seen: queries do not auto-register); K05 260 invalid IE; K06 261 IE not
registered; K07 262 UF does not answer by CPF (setting cons_cad_cpf); K08 263 invalid CPF; K09 264 CPF not
registered.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from fake_sefaz.domain import protocol, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.taxpayers import Taxpayer, local_today
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.cadastro import CADASTRO_RULES, CadastroContext
from fake_sefaz.store.reads import StoreReads
from fake_sefaz.domain.xml import N
from fake_sefaz.services import Service
from fake_sefaz.services.context import Request, add, ret




def _inf_cad(parent: etree._Element, t: Taxpayer, today: date, suspension_days: int) -> None:
    cad = etree.SubElement(parent, N + "infCad")
    add(cad, "IE", t.ie)
    add(cad, "CPF" if t.is_cpf else "CNPJ", t.doc)
    add(cad, "UF", t.uf)
    add(cad, "cSit", t.cSit(today, suspension_days))
    add(cad, "indCredNFe", t.indCred(55, today))
    add(cad, "indCredCTe", 4)  # the SEFAZ does not provide the information: CT-e is not modelled
    add(cad, "xNome", t.xNome)
    for tag, value in (("xFant", t.xFant), ("xRegApur", t.xRegApur), ("CNAE", t.CNAE),
                       ("dIniAtiv", t.dIniAtiv), ("dUltSit", t.since), ("dBaixa", t.dBaixa)):
        if value:
            add(cad, tag, value)
    address = [(tag, getattr(t, tag)) for tag in ("xLgr", "nro", "xCpl", "xBairro", "cMun", "xMun", "CEP")]
    if any(v for _, v in address):
        ender = etree.SubElement(cad, N + "ender")
        for tag, value in address:
            if value:
                add(ender, tag, value)


def _answer(req: Request, cstat: int, uf: str | None, echo: tuple[str, str] | None,
            found: list[Taxpayer] = ()) -> etree._Element:
    el = ret("retConsCad", versao="2.00")
    inf = etree.SubElement(el, N + "infCons")
    add(inf, "verAplic", req.backend.settings.ver_aplic)
    add(inf, "cStat", cstat)
    add(inf, "xMotivo", req.motivo(cstat))
    add(inf, "UF", uf or ufs.sigla_of(req.cUF))
    if echo is not None:
        add(inf, *echo)
    add(inf, "dhCons", protocol.dh(req.now, req.cUF))
    add(inf, "cUF", req.cUF)
    if found:
        today = local_today(req.now, req.cUF)
        for t in found:
            _inf_cad(inf, t, today, req.backend.settings.suspension_days)
    return el


def handle(req: Request, payload: etree._Element) -> etree._Element:
    inf = payload.find(N + "infCons")
    uf = inf.findtext(N + "UF") or ""
    kind, value = next((k, inf.findtext(N + k)) for k in ("IE", "CNPJ", "CPF") if inf.find(N + k) is not None)
    q = CadastroContext(req.cUF, uf, kind, value or "", req.backend.settings.cons_cad_cpf,
                        StoreReads(req.backend.store))
    rejection = first_failure(CADASTRO_RULES, q)
    if rejection is not None:
        return _answer(req, rejection.cstat, uf, (kind, q.value))
    return _answer(req, 111 if len(q.found) == 1 else 112, uf, (kind, q.value), q.found)


def reject(req: Request, rejection: Rejection) -> etree._Element:
    return _answer(req, rejection.cstat, None, None)


SERVICE = Service(
    name="CadConsultaCadastro4", operation="consultaCadastro", root="ConsCad", schema="ConsCad", version="2.00",
    wsdl_file="cadconsultacadastro4.wsdl",
    aliases=("cadconsultacadastro4", "cadconsultacadastro", "consultacadastro4", "consultacadastro"),
    handle=handle, reject=reject, codes=(111, 112), rules=(CADASTRO_RULES,),
)
