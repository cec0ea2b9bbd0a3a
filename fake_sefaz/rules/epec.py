"""EPEC - Evento Prévio de Emissão em Contingência (110140), one function per row of its rule tables.

The AN's side (MOC 7.00 §5.12.3 Tabela 5-45; NT 2014.001 v1.30 §3.8-3.9; reference national-services-and-
transport.md §5.3): EPEC_RULES read the event alone, EPEC_STATE_RULES read the store inside the lot's unit of work
(the issuer's pending EPECs, the same number as an EPEC, an NF-e or a voiding). The authorizer's side, judging the
NF-e that follows an EPEC (NT 2014.001 §5.1, 2AB08-10..40): AUTHORIZATION_RULES, run with the lot's stored rules.
Every rule is pure: what a passed rule implies (the EPEC reconciled by its NF-e) is noted for the service to write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain import keys, ufs
from fake_sefaz.domain import taxpayers as reg
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.protocol import parse_dh
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import rule

if TYPE_CHECKING:
    from fake_sefaz.domain.nfe import NFeView
    from fake_sefaz.rules.ports import RegistryReads
    from fake_sefaz.rules.events import EventContext
    from fake_sefaz.rules.ports import DocumentReads

EPEC_TP_EMIS = "4"  # the key's 35th digit of a note issued in EPEC contingency (rules/events.py EPEC: 110140)
EMISSION_FUTURE_TOLERANCE = timedelta(minutes=5)  # P23-10: the receipt's 5 minutes


# P12-32 (NT 2018.001): the series an EPEC may use; P11-21: an issuer identified by CPF uses 920-969 only.
def _series_allowed(serie: int) -> bool:
    return 0 <= serie <= 889 or 920 <= serie <= 969


# The detEvento values the later NF-e must repeat (2AB08-30, 467), by their path in detEvento.
FIELDS = ("dhEmi", "tpNF", "IE", "dest/UF", "dest/CNPJ", "dest/CPF", "dest/idEstrangeiro", "dest/IE", "dest/vNF",
          "dest/vICMS", "dest/vST")


def epec_values(ctx: "EventContext") -> dict[str, str]:
    """The detEvento's values of FIELDS (absent ones left out), as stored with the EPEC."""
    out = {}
    for path in FIELDS:
        v = ctx.det.findtext("/".join(N + p for p in path.split("/")))
        if v is not None:
            out[path] = v
    return out


# --- The AN receives the EPEC: the event alone ----------------------------------------------------------------

@dataclass
class EpecContext:
    ev: "EventContext"
    limits: dict[str, Decimal]  # vNF, vICMS, vST -> the parametrizable limits (*3)
    refused_ufs: tuple[str, ...]  # UFs whose SEFAZ does not take EPEC (2P10-20)
    max_age: timedelta  # P23-20
    # The CCC (groups 1P25 and 6P31): the taxpayer registry of every UF, read-only; None judges nothing.
    reads: "RegistryReads | None" = None
    unknown_issuer: str = "regular"  # settings.unknown_issuer: an issuer the registry lacks is taken as regular
    unknown_recipient_ie: str = "accept"  # settings.unknown_recipient_ie
    suspension_days: int = 0  # settings.suspension_days (irregularity of a suspended registration)

    @property
    def key(self) -> keys.AccessKey:
        return keys.AccessKey(self.ev.chNFe)

    def det(self, path: str) -> str | None:
        return self.ev.det.findtext("/".join(N + p for p in path.split("/")))


@rule("P11-21", 495)
def p11_21_cpf_series(ctx: EpecContext) -> None:
    """495: an issuer identified by CPF sends EPEC for series 920-969 only (NT 2014.001 v1.20)."""
    if ctx.ev.author_cpf and not 920 <= int(ctx.key.serie) <= 969:
        raise Rejection(495)


@rule("P12-32", 266)
def p12_32_series(ctx: EpecContext) -> None:
    """266: series outside 0-889 and 920-969 (NT 2018.001): the Fisco's and the PAA's series have no EPEC."""
    if not _series_allowed(int(ctx.key.serie)):
        raise Rejection(266)


@rule("P12-50", 484)
def p12_50_key_emission_type(ctx: EpecContext) -> None:
    """484: the key's 35th digit (tpEmis) must be 4: the NF-e that follows is issued in EPEC contingency."""
    if ctx.key.tpEmis != EPEC_TP_EMIS:
        raise Rejection(484)


@rule("P15-10", 594)
def p15_10_single_sequence(ctx: EpecContext) -> None:
    """594: one EPEC per NF-e: nSeqEvento 1."""
    if ctx.ev.nSeqEvento != 1:
        raise Rejection(594)


@rule("P20-10", 455)
def p20_10_author_organ(ctx: EpecContext) -> None:
    """455: cOrgaoAutor (the issuer's UF) must be the UF of the key."""
    if (ctx.det("cOrgaoAutor") or "") != ctx.key.cUF:
        raise Rejection(455)


@rule("2P10-20", 121)
def p2_10_20_uf_takes_epec(ctx: EpecContext) -> None:
    """121: the issuer's SEFAZ does not take EPEC (PR and PB; setting epec_refused_ufs)."""
    if ctx.key.cUF.isdigit() and int(ctx.key.cUF) in ufs.CODES and ufs.sigla_of(int(ctx.key.cUF)) in ctx.refused_ufs:
        raise Rejection(121)


@rule("P23-10", 212)
def p23_10_issued_after_receipt(ctx: EpecContext) -> None:
    """212: dhEmi later than the receipt (5 minutes' tolerance)."""
    if parse_dh(ctx.det("dhEmi") or "") > ctx.ev.now + EMISSION_FUTURE_TOLERANCE:
        raise Rejection(212)


@rule("P23-20", 228)
def p23_20_issued_too_long_ago(ctx: EpecContext) -> None:
    """228: dhEmi more than a day before the receipt (setting epec_max_age_h)."""
    if parse_dh(ctx.det("dhEmi") or "") < ctx.ev.now - ctx.max_age:
        raise Rejection(228)


@rule("P23-30", 577)
def p23_30_event_after_issue(ctx: EpecContext) -> None:
    """577: dhEmi later than the event's dhEvento."""
    if parse_dh(ctx.det("dhEmi") or "") > ctx.ev.dhEvento:
        raise Rejection(577)


@rule("P23-40", 659)
def p23_40_key_month(ctx: EpecContext) -> None:
    """659: the year and month of dhEmi differ from the key's AAMM."""
    dh = ctx.det("dhEmi") or ""
    if dh[2:4] + dh[5:7] != ctx.key.year + ctx.key.month:
        raise Rejection(659)


@rule("P25-10", 229)
def p25_10_issuer_ie_given(ctx: EpecContext) -> None:
    """229: the issuer's IE made of zeros."""
    if not (ctx.det("IE") or "").strip("0"):
        raise Rejection(229)


@rule("P25-20", 209)
def p25_20_issuer_ie_valid(ctx: EpecContext) -> None:
    """209: the issuer's IE is not valid for the key's UF (length, composition, check digits; leading zeros
    normalized first, note *2)."""
    cuf = int(ctx.key.cUF) if ctx.key.cUF.isdigit() else 0
    if cuf in ufs.CODES:
        uf = ufs.sigla_of(cuf)
        ie = ctx.det("IE") or ""
        if not (ie_rules.valid(uf, ie) or ie_rules.valid(uf, ie.lstrip("0"))):
            raise Rejection(209)


@rule("P28-10", 208)
def p28_10_dest_cnpj(ctx: EpecContext) -> None:
    """208: the recipient's CNPJ is zeros or fails its check digits."""
    cnpj = ctx.det("dest/CNPJ")
    if cnpj is not None and not keys.valid_cnpj(cnpj):
        raise Rejection(208)


@rule("P29-10", 237)
def p29_10_dest_cpf(ctx: EpecContext) -> None:
    """237: the recipient's CPF is zeros, a repeated digit, or fails its check digits."""
    cpf = ctx.det("dest/CPF")
    if cpf is not None and not keys.valid_cpf(cpf):
        raise Rejection(237)


@rule("P30-10", 720)
def p30_10_foreign_needs_id(ctx: EpecContext) -> None:
    """720: an operation with a foreign recipient (UF "EX") identifies it by idEstrangeiro."""
    if ctx.det("dest/UF") == "EX" and ctx.det("dest/idEstrangeiro") is None:
        raise Rejection(720)


@rule("P30-20", 721)
def p30_20_interstate_needs_document(ctx: EpecContext) -> None:
    """721: idEstrangeiro in an interstate operation (recipient UF neither "EX" nor the issuer's)."""
    uf = ctx.det("dest/UF")
    if ctx.det("dest/idEstrangeiro") is not None and uf != "EX" and ufs.SIGLAS.get(uf or "") != int(ctx.key.cUF):
        raise Rejection(721)


@rule("P31-10", 792)
def p31_10_no_ie_abroad(ctx: EpecContext) -> None:
    """792: a recipient IE in an operation with a foreign recipient."""
    if ctx.det("dest/UF") == "EX" and ctx.det("dest/IE") is not None:
        raise Rejection(792)


@rule("P31-20", 210)
def p31_20_dest_ie_valid(ctx: EpecContext) -> None:
    """210: the recipient IE is zeros, or not valid for the recipient's UF (P31-20, P31-30)."""
    ie = ctx.det("dest/IE")
    uf = ctx.det("dest/UF") or ""
    if ie is not None and (not ie.strip("0") or (uf in ufs.SIGLAS and not (ie_rules.valid(uf, ie) or
                                                                          ie_rules.valid(uf, ie.lstrip("0"))))):
        raise Rejection(210)


def _over(ctx: EpecContext, name: str) -> bool:
    limit = ctx.limits.get(name)
    return limit is not None and Decimal(ctx.det(f"dest/{name}") or "0") > limit


@rule("P32-10", 628)
def p32_10_vnf_limit(ctx: EpecContext) -> None:
    """628: vNF above the limit (R$ 500 million at first, note *3; setting epec_limit_vnf)."""
    if _over(ctx, "vNF"):
        raise Rejection(628, f"[Limite: {ctx.limits['vNF']}]")


@rule("P33-10", 417)
def p33_10_vicms_limit(ctx: EpecContext) -> None:
    """417: vICMS above the limit (setting epec_limit_vicms)."""
    if _over(ctx, "vICMS"):
        raise Rejection(417)


@rule("P34-10", 418)
def p34_10_vst_limit(ctx: EpecContext) -> None:
    """418: vST above the limit (setting epec_limit_vst)."""
    if _over(ctx, "vST"):
        raise Rejection(418)


# --- The CCC: issuer (1P25) and recipient (6P31, NT 2019.001); "the EPEC never denies, it rejects" (note *5) -------

def _issuer_uf(ctx: EpecContext) -> str | None:
    cuf = int(ctx.key.cUF) if ctx.key.cUF.isdigit() else 0
    return ufs.sigla_of(cuf) if cuf in ufs.CODES else None


def _issuer_doc(ctx: EpecContext) -> str:
    issuer = ctx.key.issuer
    return issuer[3:] if ctx.ev.author_cpf else issuer  # a CPF issuer is zero-padded to 14 in the key


def _registrations(ctx: EpecContext, kind: str, value: str | None, uf: str | None) -> "list[reg.Taxpayer]":
    if ctx.reads is None or not value or not uf:
        return []
    return ctx.reads.registrations(kind, value, uf)


def _today(ctx: EpecContext, uf: str):
    return reg.local_today(ctx.ev.now, uf)


@rule("1P25-10", 230)
def p1_25_10_issuer_ie_registered(ctx: EpecContext) -> None:
    """230: the issuer's IE is not in the CCC of its UF (with unknown_issuer=reject; by default an issuer the
    registry lacks is taken as regular, as in the authorization)."""
    uf = _issuer_uf(ctx)
    if ctx.reads is not None and uf and ctx.unknown_issuer == "reject" and \
            not _registrations(ctx, "IE", ctx.det("IE"), uf):
        raise Rejection(230)


@rule("1P25-20", 231)
def p1_25_20_issuer_ie_of_document(ctx: EpecContext) -> None:
    """231: the CCC knows the issuer's IE, and none of its registrations is the issuer's CNPJ/CPF (registrations
    learned automatically from earlier notes never contradict)."""
    regs = _registrations(ctx, "IE", ctx.det("IE"), _issuer_uf(ctx))
    if regs and all(t.doc != _issuer_doc(ctx) for t in regs) and \
            not (ctx.unknown_issuer != "reject" and all(t.source == "auto" for t in regs)):
        raise Rejection(231)


@rule("1P25-30", 203)
def p1_25_30_issuer_enabled(ctx: EpecContext) -> None:
    """203: the issuer's registration is not enabled, or not accredited for NF-e."""
    uf = _issuer_uf(ctx)
    mine = [t for t in _registrations(ctx, "IE", ctx.det("IE"), uf) if t.doc == _issuer_doc(ctx)]
    if mine and uf:
        today = _today(ctx, uf)
        if mine[0].situation_on(today) == reg.NOT_ENABLED or not mine[0].accredited(55, today):
            raise Rejection(203)


def _dest(ctx: EpecContext) -> tuple[str | None, str | None, str | None]:
    """(UF, CNPJ or CPF, IE) of the recipient the EPEC declares; UF None abroad."""
    uf = ctx.det("dest/UF")
    return (None if uf == "EX" or uf not in ufs.SIGLAS else uf,
            ctx.det("dest/CNPJ") or ctx.det("dest/CPF"), ctx.det("dest/IE"))


@rule("6P31-10", 233)
def p6_31_10_dest_ie_registered(ctx: EpecContext) -> None:
    """233: the recipient's IE is not in the CCC of its UF (with unknown_recipient_ie=reject)."""
    uf, _doc, ie = _dest(ctx)
    if ctx.reads is not None and uf and ie and ctx.unknown_recipient_ie == "reject" and \
            not _registrations(ctx, "IE", ie, uf):
        raise Rejection(233)


def _dest_ie_of_someone_else(ctx: EpecContext, length: int) -> bool:
    uf, doc, ie = _dest(ctx)
    if not (uf and ie and doc and len(doc) == length):
        return False
    regs = _registrations(ctx, "IE", ie, uf)
    return bool(regs) and all(t.doc != doc for t in regs)


@rule("6P31-20", 234)
def p6_31_20_dest_ie_of_cnpj(ctx: EpecContext) -> None:
    """234: the recipient's IE belongs, in the CCC, to another CNPJ."""
    if _dest_ie_of_someone_else(ctx, 14):
        raise Rejection(234)


@rule("6P31-30", 624)
def p6_31_30_dest_ie_of_cpf(ctx: EpecContext) -> None:
    """624: the recipient's IE belongs, in the CCC, to another CPF."""
    if _dest_ie_of_someone_else(ctx, 11):
        raise Rejection(624)


def _dest_registrations(ctx: EpecContext) -> "list[reg.Taxpayer]":
    uf, doc, ie = _dest(ctx)
    if not (uf and doc):
        return []
    if ie:
        same = [t for t in _registrations(ctx, "IE", ie, uf) if t.doc == doc]
        if same:
            return same
    return _registrations(ctx, "doc", doc, uf)


@rule("6P31-40", 302)
def p6_31_40_dest_irregular(ctx: EpecContext) -> None:
    """302 as a rejection: every registration of the recipient in its UF is irregular."""
    regs = _dest_registrations(ctx)
    if regs:
        today = _today(ctx, regs[0].uf)
        if all(t.irregularity(today, suspension_days=ctx.suspension_days) for t in regs):
            raise Rejection(302, meaning="5E17-40")


@rule("6P31-50", 232)
def p6_31_50_dest_ie_missing(ctx: EpecContext) -> None:
    """232: no recipient IE for a CNPJ the CCC knows with an active IE in its UF."""
    uf, doc, ie = _dest(ctx)
    if uf and doc and len(doc) == 14 and not ie:
        today = _today(ctx, uf)
        if any(t.ie and t.situation_on(today) == reg.ACTIVE for t in _registrations(ctx, "doc", doc, uf)):
            raise Rejection(232)


@rule("6P31-60", 303)
def p6_31_60_dest_not_enabled(ctx: EpecContext) -> None:
    """303 as a rejection: the recipient's registrations in its UF are not enabled to operate."""
    regs = _dest_registrations(ctx)
    if regs:
        today = _today(ctx, regs[0].uf)
        if all(t.situation_on(today) == reg.NOT_ENABLED for t in regs):
            raise Rejection(303, meaning="5E17-60")


CCC_RULES = (p1_25_10_issuer_ie_registered, p1_25_20_issuer_ie_of_document, p1_25_30_issuer_enabled,
             p6_31_10_dest_ie_registered, p6_31_20_dest_ie_of_cnpj, p6_31_30_dest_ie_of_cpf, p6_31_40_dest_irregular,
             p6_31_50_dest_ie_missing, p6_31_60_dest_not_enabled)


EPEC_RULES = (
    p11_21_cpf_series, p12_32_series, p12_50_key_emission_type, p15_10_single_sequence, p20_10_author_organ,
    p23_10_issued_after_receipt, p23_20_issued_too_long_ago, p23_30_event_after_issue, p23_40_key_month,
    p25_10_issuer_ie_given, p25_20_issuer_ie_valid, p28_10_dest_cnpj, p29_10_dest_cpf, p30_10_foreign_needs_id,
    p30_20_interstate_needs_document, p31_10_no_ie_abroad, p31_20_dest_ie_valid, p32_10_vnf_limit,
    p33_10_vicms_limit, p34_10_vst_limit, *CCC_RULES, p2_10_20_uf_takes_epec,
)


# --- The AN receives the EPEC: what it holds ----------------------------------------------------------------

@dataclass
class EpecState:
    ev: "EventContext"
    reads: "DocumentReads"
    block_after: timedelta  # 2P10-10: an EPEC pending longer than this blocks the issuer (168 h)
    pending: list[str] = field(default_factory=list)  # set by 2P10-10: the keys answered in chNFePend

    @property
    def key(self) -> keys.AccessKey:
        return keys.AccessKey(self.ev.chNFe)

    def number(self) -> tuple[int, str, int, int, int]:
        k = self.key
        return self.ev.acting_tpAmb, k.issuer, int(k.mod), int(k.serie), int(k.nNF)


@rule("2P10-10", 142)
def p2_10_10_issuer_not_blocked(st: EpecState) -> None:
    """142: the issuer's EPEC environment is blocked while one of its EPECs has waited for its NF-e longer than
    168 hours (MOC-VG §3.3.12, computed at the receipt: the daily job's outcome, without its delay). The answer
    lists up to 50 pending keys (chNFePend, note *4)."""
    pending = st.reads.pending_epecs(st.ev.acting_tpAmb, st.key.issuer)
    cutoff = (st.ev.now - st.block_after).timestamp()
    if any(e.received_ts <= cutoff for e in pending):
        st.pending = [e.chNFe for e in pending][:50]
        raise Rejection(142)


@rule("3P12-10", 485)
def p3_12_10_one_epec_per_number(st: EpecState) -> None:
    """485: an EPEC already exists for this model, issuer, series and number."""
    if st.reads.epec_by_number(*st.number()) is not None:
        raise Rejection(485)


@rule("4P12-10", 661)
def p4_12_10_no_nfe_for_number(st: EpecState) -> None:
    """661: an NF-e already exists for the number (the EPEC stands in for a note not yet authorized)."""
    if st.reads.document_by_number(*st.number()) is not None:
        raise Rejection(661)


@rule("5P12-10", 662)
def p5_12_10_number_not_voided(st: EpecState) -> None:
    """662: the number was voided (inutilização)."""
    tpAmb, issuer, mod, serie, nNF = st.number()
    if st.reads.voided(tpAmb, issuer, mod, serie, nNF, nNF):
        raise Rejection(662)


EPEC_STATE_RULES = (p2_10_10_issuer_not_blocked, p3_12_10_one_epec_per_number, p4_12_10_no_nfe_for_number,
                    p5_12_10_number_not_voided)


# --- The authorizer receives the NF-e: its EPEC ------------------------------------------------------------------

@dataclass
class EpecMatch:
    """One NF-e the stateless rules let through, against the EPECs the AN shared with its UF."""

    reads: "DocumentReads"
    doc: "NFeView"
    tpAmb: int
    reconciles: str = ""  # set by 2AB08-30: the key of the EPEC this NF-e reconciles (the service writes it)


def nfe_values(doc: "NFeView") -> dict[str, str]:
    """The NF-e's values of FIELDS, read where the NF-e keeps them."""
    inf = doc.inf
    out: dict[str, str] = {}

    def put(name: str, path: str) -> None:
        v = inf.findtext("/".join(N + p for p in path.split("/")))
        if v is not None:
            out[name] = v

    put("dhEmi", "ide/dhEmi")
    put("tpNF", "ide/tpNF")
    put("IE", "emit/IE")
    for tag in ("CNPJ", "CPF", "idEstrangeiro", "IE"):
        put(f"dest/{tag}", f"dest/{tag}")
    uf = inf.findtext(f"{N}dest/{N}enderDest/{N}UF")
    if uf is not None:
        out["dest/UF"] = uf
    put("dest/vNF", "total/ICMSTot/vNF")
    put("dest/vICMS", "total/ICMSTot/vICMS")
    put("dest/vST", "total/ICMSTot/vST")
    return out


def _same(name: str, a: str | None, b: str | None) -> bool:
    if name.endswith(("vNF", "vICMS", "vST")) and a is not None and b is not None:
        return Decimal(a) == Decimal(b)
    if name == "dhEmi" and a and b:
        return parse_dh(a) == parse_dh(b)
    if name.endswith("IE") and a is not None and b is not None:
        return a.lstrip("0") == b.lstrip("0")
    return a == b


@rule("2AB08-10", 692)
def ab08_10_number_has_epec(ctx: EpecMatch) -> None:
    """692: an EPEC holds this number and the NF-e is not the EPEC's contingency note (tpEmis other than 4)."""
    if ctx.doc.tpEmis == EPEC_TP_EMIS:
        return
    doc = ctx.doc
    found = ctx.reads.epec_by_number(ctx.tpAmb, doc.issuer, int(doc.mod), int(doc.serie), int(doc.nNF))
    if found is not None:
        raise Rejection(692, f"[Chave EPEC: {found.chNFe}]")


@rule("2AB08-20", 691)
def ab08_20_key_is_the_epec_key(ctx: EpecMatch) -> None:
    """691: an NF-e of tpEmis 4 whose key differs from the key of the EPEC of its number."""
    doc = ctx.doc
    if doc.tpEmis != EPEC_TP_EMIS:
        return
    found = ctx.reads.epec_by_number(ctx.tpAmb, doc.issuer, int(doc.mod), int(doc.serie), int(doc.nNF))
    if found is not None and found.chNFe != doc.key:
        raise Rejection(691, f"[Chave EPEC: {found.chNFe}]")


@rule("2AB08-30", 467)
def ab08_30_same_data_as_epec(ctx: EpecMatch) -> None:
    """467 [tag:...]: the NF-e repeats what its EPEC declared (issuer IE, dhEmi, tpNF, recipient UF, document and
    IE, vNF, vICMS, vST); the first diverging tag is named. Passing reconciles the EPEC."""
    doc = ctx.doc
    if doc.tpEmis != EPEC_TP_EMIS:
        return
    found = ctx.reads.epec(doc.key)
    if found is None:
        return
    declared, issued = found.values, nfe_values(doc)
    for name in FIELDS:
        if not _same(name, declared.get(name), issued.get(name)):
            raise Rejection(467, f"[tag:{name.rsplit('/', 1)[-1]}]")
    ctx.reconciles = doc.key


@rule("2AB08-40", 468)
def ab08_40_type_4_needs_epec(ctx: EpecMatch) -> None:
    """468: an NF-e of tpEmis 4 without its EPEC (since DPEC's shutdown, 31/03/2015, EPEC is the only type 4)."""
    doc = ctx.doc
    if doc.tpEmis == EPEC_TP_EMIS and ctx.reads.epec(doc.key) is None and \
            ctx.reads.epec_by_number(ctx.tpAmb, doc.issuer, int(doc.mod), int(doc.serie), int(doc.nNF)) is None:
        raise Rejection(468)


AUTHORIZATION_RULES = (ab08_10_number_has_epec, ab08_20_key_is_the_epec_key, ab08_30_same_data_as_epec,
                       ab08_40_type_4_needs_epec)
