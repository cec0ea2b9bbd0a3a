"""Rules of one NF-e that read the taxpayer registry: issuer IE and accreditation (rejections), then the
denials, which are decided only when every other rule passed (a denied NF-e is stored for good, so it must
be otherwise valid: DF Portaria SEF 403/2009 art. 10 § 3; MOC processing order).

Rule ids name the layout field the rule checks (C17 emit/IE, C02 emit/CNPJ, E17 dest/IE) and a sequence;
the denial rows carry the code they answer. Order and codes: MOC 7.00 §5.1 (reference/sefaz-contract.md §3).

Which recipient is judged (302/303): one of THIS UF (dest/enderDest/UF is the authorizer's UF, or absent as in
an NFC-e) that the registry knows. With indIEDest=1 and an IE, the registration of that IE (and CNPJ/CPF) is
judged; otherwise every registration of the CNPJ/CPF in the UF, and the recipient is irregular only when all
of them are. DF Portaria 403/2009 art. 10 II b and § 9 make the recipient's irregularity a ground for denial,
judged "nos termos" of the DF cadastro, i.e. for DF (this UF's) taxpayers; other UFs' taxpayers would need the
national CCC, which is not modelled. Setting recipient_denial=false turns 302/303 off (as PI's decree does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain import taxpayers as reg
from fake_sefaz.domain import ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import InForce, rule
from fake_sefaz.rules.nfe import NFeContext

# NT 2024.001 v1.10-1.20 (Ajuste SINIEF 43/23): the model-55 denial ends; 1C17-40 (301) is deleted, an irregular
# issuer gets 1C17-38 (781) and 5E17-40 / 5E17-60 (302 / 303) become rejections with "Rejeição:" texts
# (reference content-rules.md §2.3). Model 65 keeps its denials (the NT speaks of the NF-e; §11.12).
NT2024_001 = InForce(hom=date(2024, 7, 1), prod=date(2024, 9, 16))

_CRT_REGIME = {"1": "SIMPLES NACIONAL", "2": "SIMPLES NACIONAL - EXCESSO DE SUBLIMITE", "3": "NORMAL",
               "4": "SIMPLES NACIONAL - MEI"}


@dataclass
class Lookups:
    """What the registry says of this NF-e's parties, read once (one read transaction) per NF-e."""

    uf: str
    today: date
    issuer_doc: str
    issuer_ie: str | None
    issuer_by_doc: list[reg.Taxpayer]
    issuer_by_ie: list[reg.Taxpayer]
    issuer: reg.Taxpayer | None  # the registration (CNPJ/CPF + IE), found or learned
    dest_doc: str | None  # None: no recipient of this UF to judge
    dest_ie: str | None
    dest_by_doc: list[reg.Taxpayer]
    dest_by_ie: list[reg.Taxpayer]


def _text(el, tag: str) -> str | None:
    return None if el is None else el.findtext(N + tag)


def _lookups(ctx: NFeContext) -> Lookups | None:
    if ctx.reads is None:
        return None  # rules called without the registry port (unit tests of other rules): no registry
    found = ctx.notes.get("registry")
    if found is not None:
        return found
    uf = ufs.sigla_of(ctx.acting_cUF)
    doc = ctx.doc.issuer
    ie = _text(ctx.doc.emit, "IE")
    dest = ctx.doc.dest
    dest_doc = dest_ie = None
    if dest is not None:
        dest_doc = _text(dest, "CNPJ") or _text(dest, "CPF")
        dest_uf = dest.findtext(f"{N}enderDest/{N}UF")
        if dest_uf is not None and dest_uf != uf:
            dest_doc = None  # another UF's taxpayer: the national CCC is not modelled
        if dest_doc and _text(dest, "indIEDest") == "1":
            dest_ie = _text(dest, "IE")

    wanted = [("doc", doc), ("ie", ie if ie and ie != "ISENTO" else None), ("doc", dest_doc), ("ie", dest_ie)]
    a, issuer_by_ie, c, d = ctx.reads.registry_lookups(uf, wanted)  # one statement for the four
    lk = Lookups(
        uf=uf, today=reg.local_today(ctx.now, uf), issuer_doc=doc, issuer_ie=ie,
        issuer_by_doc=a, issuer_by_ie=issuer_by_ie,
        issuer=next((t for t in issuer_by_ie if t.doc == doc), None),
        dest_doc=dest_doc, dest_ie=dest_ie, dest_by_doc=c, dest_by_ie=d,
    )
    ctx.notes["registry"] = lk
    return lk


LEARNED = "learned_issuer"  # ctx.notes key: the registration the service writes if the NF-e is stored


def _learn(ctx: NFeContext, lk: Lookups) -> None:
    """unknown_issuer=regular: take the issuer as it describes itself, active and accredited, with no dates (so
    moving the clock never makes it 'not yet accredited'). The rule only notes it: the authorization service
    writes it in the lot's unit of work when the NF-e is authorized or denied, never when it is rejected."""
    emit = ctx.doc.emit
    addr = emit.find(N + "enderEmit")
    t = reg.Taxpayer(
        doc=lk.issuer_doc, ie=lk.issuer_ie or "", uf=lk.uf, xNome=(_text(emit, "xNome") or lk.issuer_doc)[:60],
        xFant=_text(emit, "xFant"), CNAE=_text(emit, "CNAE"), xRegApur=_CRT_REGIME.get(_text(emit, "CRT") or ""),
        xLgr=_text(addr, "xLgr"), nro=_text(addr, "nro"), xCpl=_text(addr, "xCpl"), xBairro=_text(addr, "xBairro"),
        cMun=_text(addr, "cMun"), xMun=_text(addr, "xMun"), CEP=_text(addr, "CEP"), source="auto",
    )
    ctx.notes[LEARNED] = t
    lk.issuer = t


def _regular_mode(ctx: NFeContext) -> bool:
    return ctx.settings.unknown_issuer != "reject"


# --- Issuer: IE (rejections) -----------------------------------------------------------------------------------

@rule("C17-10", 229)
def c17_10_issuer_ie_informed(ctx: NFeContext) -> None:
    """229: the issuer must inform its IE (an NF-e issuer is an ICMS taxpayer of the UF; 'ISENTO' is no IE)."""
    ie = _text(ctx.doc.emit, "IE")
    if not ie or ie == "ISENTO":
        raise Rejection(229)


@rule("C17-20", 209)
def c17_20_issuer_ie_valid(ctx: NFeContext) -> None:
    """209: the issuer's IE must have the check digits of its UF (ie.py: exact for SP RJ MG RS PR SC BA DF)."""
    if not ie_rules.valid(ufs.sigla_of(ctx.acting_cUF), _text(ctx.doc.emit, "IE") or ""):
        raise Rejection(209)


@rule("C17-30", 230)
def c17_30_issuer_ie_registered(ctx: NFeContext) -> None:
    """230: the IE must be in the UF's registry. With unknown_issuer=regular (the default) an unknown issuer is
    registered instead, as active and accredited: the friendly behaviour for developers."""
    lk = _lookups(ctx)
    if lk is None or lk.issuer_by_ie:
        return
    if not _regular_mode(ctx):
        raise Rejection(230)
    _learn(ctx, lk)


@rule("C17-40", 231)
def c17_40_issuer_ie_of_document(ctx: NFeContext) -> None:
    """231: the IE must belong to the issuer's CNPJ/CPF. Registrations learned automatically never contradict
    a new one (unknown_issuer=regular learns this pair too); files and the admin API are authoritative."""
    lk = _lookups(ctx)
    if lk is None or lk.issuer is not None:
        return
    if _regular_mode(ctx) and all(t.source == "auto" for t in lk.issuer_by_ie):
        _learn(ctx, lk)
        return
    raise Rejection(231)


# --- Issuer: accreditation (rejections: art. 10 I c; never accredited is not irregularity) ----------------------

def _not_accredited(lk: Lookups, mod: int) -> bool:
    t = lk.issuer
    return t is not None and (t.situation_on(lk.today) == reg.NOT_ENABLED or not t.accredited(mod, lk.today))


@rule("C02-10", 203)
def c02_10_issuer_accredited_nfe(ctx: NFeContext) -> None:
    """203: the issuer of an NF-e (55) must be accredited for NF-e (DF Portaria 403/2009 art. 2, art. 9 II,
    art. 10 I c); a registration not enabled to operate is not enabled to issue either."""
    lk = _lookups(ctx)
    if lk is not None and ctx.doc.mod == "55" and _not_accredited(lk, 55):
        raise Rejection(203)


@rule("C02-20", 781)
def c02_20_issuer_accredited_nfce(ctx: NFeContext) -> None:
    """781: the issuer of an NFC-e (65) must be accredited for NFC-e (accreditation is per model)."""
    lk = _lookups(ctx)
    if lk is not None and ctx.doc.mod == "65" and _not_accredited(lk, 65):
        raise Rejection(781)


def _denial_removed(ctx: NFeContext) -> bool:
    """Whether NT 2024.001 turned this note's denials into rejections (model 55, from its dates, unless the
    setting nfe_denial_removed keeps the DF Portaria's denials)."""
    return ctx.doc.mod == "55" and ctx.settings.nfe_denial_removed and NT2024_001.applies(ctx.now, ctx.acting_tpAmb)


@rule("1C17-38", 781)
def c17_38_issuer_irregular(ctx: NFeContext) -> None:
    """781 (NT 2024.001): an irregular issuer of an NF-e (model 55) is rejected, not denied; the text names both
    models ("NF-e/NFC-e"), unlike C02-20's accreditation rule."""
    lk = _lookups(ctx)
    if lk is None or lk.issuer is None or not _denial_removed(ctx):
        return
    if lk.issuer.irregularity(lk.today, suspension_days=ctx.settings.suspension_days, issuer_model=55):
        raise Rejection(781, meaning="1C17-38")


# --- Recipient IE (rejection) -----------------------------------------------------------------------------------

@rule("E17-10", 233)
def e17_10_recipient_ie_registered(ctx: NFeContext) -> None:
    """233: a recipient of this UF declared as ICMS taxpayer (indIEDest=1) with an IE the registry does not
    know. Applied when unknown_recipient_ie=reject (the default accepts, like unknown issuers)."""
    lk = _lookups(ctx)
    if lk is None or not lk.dest_ie or lk.dest_by_ie or ctx.settings.unknown_recipient_ie != "reject":
        return
    raise Rejection(233)


def _ie_of_someone_else(ctx: NFeContext, doc_length: int) -> bool:
    """The recipient (a CNPJ: 14, a CPF: 11) informs an IE that the registry knows in this UF, and none of its
    registrations is this recipient's. Model 55."""
    lk = _lookups(ctx)
    if lk is None or ctx.doc.mod != "55" or not lk.dest_ie or not lk.dest_by_ie or len(lk.dest_doc or "") != doc_length:
        return False
    return all(t.doc != lk.dest_doc for t in lk.dest_by_ie)


@rule("5E17-20", 234)
def e17_20_recipient_ie_of_cnpj(ctx: NFeContext) -> None:
    """234: the recipient's CNPJ and IE (indIEDest=1) are both informed, the registry knows the IE in this UF, and
    it belongs to another CNPJ (AI 5E17-20, NT 2019.001). Model 55."""
    if _ie_of_someone_else(ctx, 14):
        raise Rejection(234)


@rule("5E17-30", 624)
def e17_30_recipient_ie_of_cpf(ctx: NFeContext) -> None:
    """624: as 234 for a recipient identified by CPF: the IE the registry knows belongs to someone else (AI 5E17-30).
    Model 55."""
    if _ie_of_someone_else(ctx, 11):
        raise Rejection(624)


@rule("5E17-50", 232)
def e17_50_recipient_ie_missing(ctx: NFeContext) -> None:
    """232: no dest/IE for a recipient CNPJ that the registry knows in this UF with an IE and an active
    registration: a contributor must be identified by its IE (AI 5E17-50; the CCC's IndIEDestOpc is not modelled).
    Model 55."""
    lk = _lookups(ctx)
    dest = ctx.doc.dest
    if lk is None or ctx.doc.mod != "55" or dest is None or len(lk.dest_doc or "") != 14 or _text(dest, "IE"):
        return
    if any(t.ie and t.situation_on(lk.today) == reg.ACTIVE for t in lk.dest_by_doc):
        raise Rejection(232)


def _recipient_irregular(ctx: NFeContext, lk: Lookups) -> bool:
    regs = _recipient_registrations(lk)
    days = ctx.settings.suspension_days
    return bool(regs) and all(t.irregularity(lk.today, suspension_days=days) for t in regs)


def _recipient_not_enabled(lk: Lookups) -> bool:
    regs = _recipient_registrations(lk)
    return bool(regs) and all(t.situation_on(lk.today) == reg.NOT_ENABLED for t in regs)


@rule("5E17-40", 302)
def e17_40_recipient_irregular(ctx: NFeContext) -> None:
    """302 as a rejection (NT 2024.001): the recipient of this UF is irregular; "Rejeição: Irregularidade fiscal
    do destinatário", nothing stored."""
    lk = _lookups(ctx)
    if lk is not None and ctx.settings.recipient_denial and _denial_removed(ctx) and _recipient_irregular(ctx, lk):
        raise Rejection(302, meaning="5E17-40")


@rule("5E17-60", 303)
def e17_60_recipient_not_enabled(ctx: NFeContext) -> None:
    """303 as a rejection (NT 2024.001): the recipient's registration in this UF is not enabled to operate;
    "Rejeição: Destinatário não habilitado a operar na UF", nothing stored."""
    lk = _lookups(ctx)
    if lk is not None and ctx.settings.recipient_denial and _denial_removed(ctx) and _recipient_not_enabled(lk):
        raise Rejection(303, meaning="5E17-60")


REGISTRY_REJECTIONS = (
    c17_10_issuer_ie_informed, c17_20_issuer_ie_valid, c17_30_issuer_ie_registered, c17_40_issuer_ie_of_document,
    c02_10_issuer_accredited_nfe, c02_20_issuer_accredited_nfce, c17_38_issuer_irregular,
    e17_10_recipient_ie_registered, e17_20_recipient_ie_of_cnpj, e17_30_recipient_ie_of_cpf,
    e17_50_recipient_ie_missing, e17_40_recipient_irregular, e17_60_recipient_not_enabled,
)


# --- Denials (stored, number burnt): run after every rejection rule ---------------------------------------------

@rule("DEN-301", 301)
def den_301_issuer_irregular(ctx: NFeContext) -> None:
    """301: the issuer is irregular (art. 10 II a, § 9 I-V) or de-accredited for this model (§ 10). Not for a
    model-55 note after NT 2024.001 (1C17-38 rejects it with 781)."""
    lk = _lookups(ctx)
    if lk is None or lk.issuer is None or _denial_removed(ctx):
        return
    if lk.issuer.irregularity(lk.today, suspension_days=ctx.settings.suspension_days,
                              issuer_model=int(ctx.doc.mod)):
        raise Rejection(301)


def _recipient_registrations(lk: Lookups) -> list[reg.Taxpayer]:
    if lk.dest_doc is None:
        return []
    if lk.dest_ie:
        same = [t for t in lk.dest_by_ie if t.doc == lk.dest_doc]
        if same:
            return same
    return lk.dest_by_doc


@rule("DEN-302", 302)
def den_302_recipient_irregular(ctx: NFeContext) -> None:
    """302: the recipient (a taxpayer of this UF found in the registry) is irregular (art. 10 II b, § 9); a
    rejection for model 55 after NT 2024.001 (5E17-40)."""
    lk = _lookups(ctx)
    if lk is None or not ctx.settings.recipient_denial or _denial_removed(ctx):
        return
    if _recipient_irregular(ctx, lk):
        raise Rejection(302)


@rule("DEN-303", 303)
def den_303_recipient_not_enabled(ctx: NFeContext) -> None:
    """303: the recipient's registration in this UF exists but is not enabled to operate (situation
    not_enabled, 'não habilitado'); an enabled registration of the same CNPJ/CPF avoids the denial."""
    lk = _lookups(ctx)
    if lk is None or not ctx.settings.recipient_denial or _denial_removed(ctx):
        return
    if _recipient_not_enabled(lk):
        raise Rejection(303)


REGISTRY_DENIALS = (den_301_issuer_irregular, den_302_recipient_irregular, den_303_recipient_not_enabled)
