"""Rules of NFeRecepcaoEvento4 (MOC 7.00 §5.9 / §4.1 D04-D06, E, F and the event tables), one function per row.

Two groups, like the NF-e: EVENT_RULES are stateless (schema of the specific event, Id, signature and
certificate exactly as for the NF-e, cOrgao, dates against the clock); STATE_RULES read the store and run
inside the unit of work of the lot (services/events.py), so two workers cannot both register a duplicate.
Events registered here: 110110 Carta de Correção, 110111 Cancelamento, 110112 Cancelamento por substituição
(NFC-e), and the recipient's manifestations 210200/210210/210220/210240 (kept here because 221 depends on
210200: see docs/readme/events.md).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import TYPE_CHECKING, Any

from lxml import etree

from fake_sefaz.domain import taxpayers as registry, keys, ufs
from fake_sefaz.domain.national import parties_of
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.protocol import parse_dh
from fake_sefaz.domain.records import AUTHORIZED, CANCELLED, DENIED, DocumentRecord
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import InForce, rule
from fake_sefaz.rules import signature as sigrules

if TYPE_CHECKING:
    from fake_sefaz.rules.ports import DocumentReads

CCE = "110110"
CANCEL = "110111"
CANCEL_SUBST = "110112"
CONFIRMATION = "210200"
AWARENESS = "210210"
UNKNOWN_OPERATION = "210220"
NOT_PERFORMED = "210240"

EMITTER_EVENTS = (CCE, CANCEL, CANCEL_SUBST)
RECIPIENT_EVENTS = (CONFIRMATION, AWARENESS, UNKNOWN_OPERATION, NOT_PERFORMED)
ACTOR = "110150"  # Ator interessado na NF-e (NT 2020.007): only at the Ambiente Nacional
DELIVERY, DELIVERY_CANCEL = "110130", "110131"  # Comprovante de Entrega and its cancellation (reference §4.3)
EPEC = "110140"  # Evento Prévio de Emissão em Contingência (NT 2014.001; rules/epec.py)
AN_ONLY = (ACTOR, DELIVERY, DELIVERY_CANCEL, EPEC)  # received by the Ambiente Nacional alone (cOrgao 91)
SUPPORTED = EMITTER_EVENTS + RECIPIENT_EVENTS + AN_ONLY

# xEvento answered in retEvento (5-60 characters)
X_EVENTO = {
    ACTOR: "Ator interessado na NF-e registrado",
    EPEC: "EPEC autorizado",  # MOC 7.00 §5.12.2
    DELIVERY: "Comprovante de Entrega registrado",
    DELIVERY_CANCEL: "Cancelamento do Comprovante de Entrega registrado",
    CCE: "Carta de Correcao registrada",
    CANCEL: "Cancelamento registrado",
    CANCEL_SUBST: "Cancelamento por substituicao registrado",
    CONFIRMATION: "Confirmacao da Operacao registrada",
    AWARENESS: "Ciencia da Operacao registrada",
    UNKNOWN_OPERATION: "Desconhecimento da Operacao registrado",
    NOT_PERFORMED: "Operacao nao Realizada registrada",
}

AN_ORGAO = 91  # Ambiente Nacional: where recipients normally send 2102x0 (accepted here too)

# Circulation evidence recorded through the admin API -> the rejection it causes on 110111/110112.
EVIDENCE_CSTAT = {
    "cte": 690, "mdfe": 690,  # MOC 4P15-18: NF-e referenced by a CT-e / MDF-e
    "passage": 219,  # MOC 4P15-22: registro de passagem (circulation verified)
    "duplicata": 219,  # DF Portaria 403 art. 15 (SEEC 108/2022): linked to a Duplicata Escritural
    "suframa": 304,  # internação SUFRAMA event
    "prorrogacao": 811,  # NT 2015.001: deferred ICMS suspension extension
}


@dataclass
class EventContext(sigrules.SignedMessage):
    INF = "infEvento"
    schemas: Any = None  # the worker's compiled schemas (493: the specific event's XSD)

    @property
    def evento(self) -> etree._Element:
        return self.element

    @cached_property
    def tpEvento(self) -> str: return self.f("tpEvento")
    @cached_property
    def chNFe(self) -> str: return self.f("chNFe")
    @cached_property
    def nSeqEvento(self) -> int: return int(self.f("nSeqEvento") or 0)
    @cached_property
    def cOrgao(self) -> int: return int(self.f("cOrgao") or 0)
    @cached_property
    def author_cnpj(self) -> str | None: return self.inf.findtext(N + "CNPJ")
    @cached_property
    def author_cpf(self) -> str | None: return self.inf.findtext(N + "CPF")

    @property
    def author(self) -> str:
        return self.author_cnpj or self.author_cpf or ""

    @cached_property
    def det(self) -> etree._Element:
        return self.inf.find(N + "detEvento")

    def det_f(self, name: str) -> str:
        return self.det.findtext(N + name) or ""

    @cached_property
    def dhEvento(self) -> datetime:
        return parse_dh(self.f("dhEvento"))

    @cached_property
    def mod(self) -> str:
        return self.chNFe[20:22]

    @cached_property
    def signed(self) -> sigrules.Signed:
        # The certificate must belong to the author of the event (same CNPJ base, or the same CPF).
        return sigrules.Signed(self.evento, self.inf, self.author_cnpj, self.author_cpf)


# --- D04-D06: the event itself ---------------------------------------------------------------------------

@rule("D04", 491)
def d04_event_type(ctx: EventContext) -> None:
    """491: tpEvento must be an event this authorizer registers."""
    if ctx.tpEvento not in SUPPORTED:
        raise Rejection(491, f"[tpEvento:{ctx.tpEvento}]")


@rule("D05", 492)
def d05_event_version(ctx: EventContext) -> None:
    """492: verEvento must be the version of the event's layout (1.00 for every event served)."""
    if ctx.f("verEvento") != "1.00":
        raise Rejection(492)


@rule("D06", 493)
def d06_event_schema(ctx: EventContext) -> None:
    """493: detEvento must be valid against the specific schema of its tpEvento (e110111_v1.00.xsd, ...)."""
    error = ctx.schemas.validate("e" + ctx.tpEvento, copy.deepcopy(ctx.det))
    if error is not None:
        raise Rejection(493, error.describe())


@rule("P07", 572)
def p07_event_id(ctx: EventContext) -> None:
    """572: Id must be "ID" + tpEvento + chNFe + nSeqEvento (2 digits)."""
    expected = f"ID{ctx.tpEvento}{ctx.chNFe}{ctx.nSeqEvento:02d}"
    if ctx.inf.get("Id") != expected:
        raise Rejection(572)


# --- P-group: environment, author, organ, dates -----------------------------------------------------------

@rule("P08", 252)
def p08_environment(ctx: EventContext) -> None:
    """252: the event's tpAmb must be this web service's environment."""
    if ctx.f("tpAmb") != str(ctx.acting_tpAmb):
        raise Rejection(252)


@rule("P12-44", 574)
def p12_44_author_is_issuer(ctx: EventContext) -> None:
    """574: an emitter's event (110110/110111/110112, the delivery receipt 110130/110131, the EPEC) is authored by the
    issuer in the key (CNPJ, or a CPF zero-padded to 14)."""
    if ctx.tpEvento in EMITTER_EVENTS + (DELIVERY, DELIVERY_CANCEL, EPEC) and \
            ctx.author.rjust(14, "0") != keys.AccessKey(ctx.chNFe).issuer:
        raise Rejection(574)


@rule("P20-10", 455)
def p20_10_organ_is_key_uf(ctx: EventContext) -> None:
    """455: an emitter's event names as cOrgao the UF of the key."""
    if ctx.tpEvento in EMITTER_EVENTS and f"{ctx.cOrgao:02d}" != ctx.chNFe[:2]:
        raise Rejection(455)


@rule("P20-12", 657)
def p20_12_organ_is_authorizer(ctx: EventContext) -> None:
    """657: cOrgao must be this authorizer; a recipient's manifestation may also name the Ambiente
    Nacional (91), where it is normally sent; 110150, 110130 and 110131 go to the Ambiente Nacional only."""
    allowed = {ctx.acting_cUF} | ({AN_ORGAO} if ctx.tpEvento in RECIPIENT_EVENTS else set())
    if ctx.tpEvento in AN_ONLY:  # 110150, 110130, 110131: the Ambiente Nacional's events only
        allowed = {AN_ORGAO} if ctx.acting_cUF == AN_ORGAO else set()
    if ctx.cOrgao not in allowed:
        raise Rejection(657)


@rule("P13-10", 578)
def p13_10_not_in_future(ctx: EventContext) -> None:
    """578: dhEvento may not be later than the receipt, with the MOC's 5-minute tolerance (setting)."""
    if ctx.dhEvento > ctx.now + timedelta(seconds=ctx.settings.event_future_tolerance_s):
        raise Rejection(578)


@rule("P12-46", 784)
def p12_46_no_cce_for_nfce(ctx: EventContext) -> None:
    """784: the NFC-e (model 65) takes no Carta de Correção."""
    if ctx.tpEvento == CCE and ctx.mod == "65":
        raise Rejection(784)


@rule("P12-47", 491)
def p12_47_substitution_is_nfce(ctx: EventContext) -> None:
    """491: cancellation by substitution (110112) exists for the NFC-e (model 65) only."""
    if ctx.tpEvento == CANCEL_SUBST and ctx.mod != "65":
        raise Rejection(491, "[tpEvento 110112 somente para NFC-e]")


EVENT_RULES = (
    d04_event_type, d05_event_version, d06_event_schema, p07_event_id,
    *sigrules.SIGNATURE_RULES,
    p08_environment, p12_44_author_is_issuer, p20_10_organ_is_key_uf, p20_12_organ_is_authorizer,
    p13_10_not_in_future, p12_46_no_cce_for_nfce, p12_47_substitution_is_nfce,
)


# --- Rules that read the store (inside the unit of work) ----------------------------------------------------

@dataclass
class EventState:
    ctx: EventContext
    reads: "DocumentReads"  # read-only port over the event's unit of work (rules/ports.py)
    doc: DocumentRecord | None
    registered: list = field(default_factory=list)  # EventRecord of the key, registration order
    evidence: list = field(default_factory=list)  # (kind, reference, ts) from the admin API
    linked: bool = True  # False: registered but not linked to an NF-e of this base (136)
    late: bool = False  # a late NF-e cancellation accepted under cancel_late_accept (155)

    @cached_property
    def nfe(self) -> etree._Element | None:
        return None if self.doc is None else etree.fromstring(self.doc.nfe_xml)


def dest_id(nfe: etree._Element | None) -> tuple[str, str] | None:
    """('CNPJ'|'CPF'|'idEstrangeiro', value) of the NF-e's recipient, or None."""
    if nfe is None:
        return None
    dest = nfe.find(f"{N}infNFe/{N}dest")
    if dest is None:
        return None
    for tag in ("CNPJ", "CPF", "idEstrangeiro"):
        v = dest.findtext(N + tag)
        if v is not None:
            return tag, v
    return None


@rule("2P12-10", 494, 217, 136)
def s_key_known(st: EventState) -> None:
    """494 [chNFe]: the key is not in the base. 217: it is, but only in the other environment. A recipient's
    manifestation of an unknown key is registered without link (136), as the Ambiente Nacional does."""
    doc = st.doc
    if doc is not None and doc.tpAmb == st.ctx.acting_tpAmb:
        return
    if doc is None and st.ctx.tpEvento in RECIPIENT_EVENTS:
        st.linked = False
        return
    if doc is not None:
        raise Rejection(217)
    raise Rejection(494, f"[chNFe:{st.ctx.chNFe}]")


@rule("P12-45", 575)
def s_author_is_recipient(st: EventState) -> None:
    """575: a manifestation (2102x0) is authored by the NF-e's recipient."""
    if st.ctx.tpEvento in RECIPIENT_EVENTS and st.linked:
        dest = dest_id(st.nfe)
        if dest is None or dest[1] != st.ctx.author:
            raise Rejection(575)


@rule("2P12-20", 218)
def s_not_cancelled_twice(st: EventState) -> None:
    """218: a cancellation of an NF-e already cancelled."""
    if st.ctx.tpEvento in (CANCEL, CANCEL_SUBST) and st.doc.state == CANCELLED:
        raise Rejection(218, f"[nRec:{st.doc.nRec}]")


@rule("2P12-22", 580, 650, 651)
def s_nfe_authorized(st: EventState) -> None:
    """580: the event needs an authorized NF-e (not denied, not cancelled); the recipient's awareness
    (210210) and unknown-operation (210220) events answer their own codes 650/651."""
    if not st.linked or st.doc.state == AUTHORIZED:
        return
    if st.ctx.tpEvento == AWARENESS:
        raise Rejection(650)
    if st.ctx.tpEvento == UNKNOWN_OPERATION:
        raise Rejection(651)
    raise Rejection(580)


@rule("2P13-10", 577)
def s_after_issue(st: EventState) -> None:
    """577: dhEvento may not be earlier than the NF-e's dhEmi."""
    if st.linked and st.ctx.dhEvento < parse_dh(st.doc.dhEmi):
        raise Rejection(577)


@rule("2P13-14", 579)
def s_after_authorization(st: EventState) -> None:
    """579: dhEvento may not be earlier than the authorization (dhRecbto of the protocol)."""
    if st.linked and st.ctx.dhEvento < parse_dh(st.doc.dhRecbto):
        raise Rejection(579)


@rule("3P15-10", 573)
def s_not_duplicate(st: EventState) -> None:
    """573: the same tpEvento + nSeqEvento is already registered for the key."""
    if st.reads.event_exists(st.ctx.chNFe, st.ctx.tpEvento, st.ctx.nSeqEvento):
        raise Rejection(573)


# NT 2020.001 (reference §4.1): a conclusive manifestação may be sent twice, the last one prevails (v1.50, Ajuste
# SINIEF 43/23, produção 01/08/2024); its deadline became 90 days (v1.60, Ajuste SINIEF 14/26, 01/06/2026; 180 before).
SECOND_CONCLUSIVE = InForce(hom=date(2024, 7, 1), prod=date(2024, 8, 1))
CONCLUSIVE_90_DAYS = InForce(hom=date(2026, 6, 1), prod=date(2026, 6, 1))
CONCLUSIVE = (CONFIRMATION, UNKNOWN_OPERATION, NOT_PERFORMED)
AWARENESS_DAYS = 10


@rule("P15-10", 594)
def s_sequence_max(st: EventState) -> None:
    """594: nSeqEvento above the maximum: 1 for cancellations and Ciência, cce_max_seq (20) for the CC-e, 2 for a
    conclusive manifestação from NT 2020.001 v1.50 (1 before)."""
    ctx = st.ctx
    if ctx.tpEvento == CCE:
        limit = ctx.settings.cce_max_seq
    elif ctx.tpEvento == ACTOR:
        limit = ACTOR_MAX_SEQ
    elif ctx.tpEvento in CONCLUSIVE and SECOND_CONCLUSIVE.applies(ctx.now, ctx.acting_tpAmb):
        limit = 2
    else:
        limit = 1
    if ctx.nSeqEvento > limit:
        raise Rejection(594)


# --- 110150: Ator interessado na NF-e (NT 2020.007 v1.40; reference §4.2), at the Ambiente Nacional -------------

ACTOR_MAX_SEQ = 20
ACTOR_WINDOW_DAYS = 183  # "6 meses" after the authorization (NT 2020.007 H03)


def actor_doc(ctx: EventContext) -> str:
    """The CNPJ/CPF a 110150 authorizes to download the NF-e."""
    return ctx.det.findtext(f"{N}autXML/{N}CNPJ") or ctx.det.findtext(f"{N}autXML/{N}CPF") or ""


@rule("ATOR-P21", 574, 575, 585)
def s_actor_author(st: EventState) -> None:
    """574/575/585: the author of a 110150 is who tpAutor says - 1 the issuer in the key, 2 the destinatário,
    3 the carrier of group X03."""
    if st.ctx.tpEvento != ACTOR or st.nfe is None:
        return
    tp, author, parties = st.ctx.det_f("tpAutor"), st.ctx.author, parties_of(st.nfe)
    if tp == "1" and author.rjust(14, "0") != keys.AccessKey(st.ctx.chNFe).issuer:
        raise Rejection(574)
    if tp == "2" and author != parties.recipient:
        raise Rejection(575)
    if tp == "3" and author != parties.carrier:
        raise Rejection(585)


@rule("ATOR-H04", 323, 325, 421, 422, 423)
def s_actor_party(st: EventState) -> None:
    """323/325: the CNPJ/CPF authorized has valid check digits; 421/422: it is not the issuer nor the destinatário
    (they see the NF-e already); 423: nor one already authorized (an autXML of the NF-e, or an earlier 110150)."""
    if st.ctx.tpEvento != ACTOR or st.nfe is None:
        return
    doc, parties = actor_doc(st.ctx), parties_of(st.nfe)
    if len(doc) == 14 and not keys.valid_cnpj(doc):
        raise Rejection(323)
    if len(doc) == 11 and not keys.valid_cpf(doc):
        raise Rejection(325)
    if doc == parties.issuer:
        raise Rejection(421)
    if doc == parties.recipient:
        raise Rejection(422)
    if doc in parties.authorized or any(ev.tpEvento == ACTOR and ev.detail == doc for ev in st.registered):
        raise Rejection(423)


@rule("ATOR-H06", 449)
def s_actor_freight(st: EventState) -> None:
    """449: a destinatário (tpAutor 2) names a carrier only when the freight is on its account (modFrete 1 or 4)."""
    if st.ctx.tpEvento == ACTOR and st.nfe is not None and st.ctx.det_f("tpAutor") == "2" \
            and st.nfe.findtext(f"{N}infNFe/{N}transp/{N}modFrete") not in ("1", "4"):
        raise Rejection(449)


@rule("ATOR-H03", 596)
def s_actor_window(st: EventState) -> None:
    """596: a 110150 more than six months after the NF-e's authorization."""
    if st.ctx.tpEvento == ACTOR and st.doc is not None and \
            st.ctx.now - parse_dh(st.doc.dhRecbto) > timedelta(days=ACTOR_WINDOW_DAYS):
        raise Rejection(596)


# NT 2020.001 H01 (595, 210240 without xJust) is not a rule here: the event's own XSD (e210240_v1.00) requires
# xJust, so such a message is answered 493 first, as the schema step of the AN does.


@rule("MDE-H03", 596)
def s_manifestation_deadline(st: EventState) -> None:
    """596: a manifestação past its deadline, counted from the NF-e's authorization: Ciência 10 days; the
    conclusive ones 90 days from 01/06/2026 (NT 2020.001 v1.60), 180 days before."""
    ctx = st.ctx
    if ctx.tpEvento not in RECIPIENT_EVENTS or st.doc is None:
        return
    if ctx.tpEvento == AWARENESS:
        days = AWARENESS_DAYS
    else:
        days = 90 if CONCLUSIVE_90_DAYS.applies(ctx.now, ctx.acting_tpAmb) else 180
    if ctx.now - parse_dh(st.doc.dhRecbto) > timedelta(days=days):
        raise Rejection(596)


@rule("MDE-H06", 655)
def s_awareness_before_conclusive(st: EventState) -> None:
    """655: Ciência da Emissão after the destinatário's conclusive manifestação."""
    if st.ctx.tpEvento == AWARENESS and any(ev.tpEvento in CONCLUSIVE for ev in st.registered):
        raise Rejection(655)


# --- 110111 / 110112: cancellation -----------------------------------------------------------------------

@rule("2P23-10", 222)
def s_protocol_matches(st: EventState) -> None:
    """222: the cancellation quotes the NF-e's authorization protocol (nProt)."""
    if st.ctx.tpEvento in (CANCEL, CANCEL_SUBST) and st.ctx.det_f("nProt") != st.doc.nProt:
        raise Rejection(222)


def cancel_window(ctx: EventContext) -> timedelta:
    s = ctx.settings
    if ctx.tpEvento == CANCEL_SUBST:
        return timedelta(hours=s.cancel_subst_window_h)
    if ctx.mod == "65":
        return timedelta(minutes=s.cancel_window_nfce_min)
    return timedelta(hours=s.cancel_window_nfe_h)


@rule("2P12-14", 501)
def s_cancel_window(st: EventState) -> None:
    """501: cancellation past the window measured from the authorization's dhRecbto: 24 h for the NF-e
    (DF Portaria 403 art. 15), 30 min for the NFC-e, 168 h for 110112 (all settings). A late NF-e (55)
    cancellation is accepted with 155 when cancel_late_accept is set; never a late NFC-e one (MOC 5.9.4)."""
    if st.ctx.tpEvento not in (CANCEL, CANCEL_SUBST):
        return
    if st.ctx.now - parse_dh(st.doc.dhRecbto) > cancel_window(st.ctx):
        if st.ctx.tpEvento == CANCEL and st.ctx.mod == "55" and st.ctx.settings.cancel_late_accept:
            st.late = True  # answered 155 by the service
            return
        raise Rejection(501)


@rule("4P15-14", 221)
def s_not_confirmed(st: EventState) -> None:
    """221: the recipient confirmed the operation (210200), unless a later 210220/210240 undid it."""
    if st.ctx.tpEvento not in (CANCEL, CANCEL_SUBST):
        return
    confirmed = False
    for ev in st.registered:
        if ev.tpEvento == CONFIRMATION:
            confirmed = True
        elif ev.tpEvento in (UNKNOWN_OPERATION, NOT_PERFORMED):
            confirmed = False
    if confirmed:
        raise Rejection(221)


@rule("4P15-18/22", 690, 219, 304, 811)
def s_no_circulation(st: EventState) -> None:
    """690 CT-e/MDF-e linked, 219 circulation verified (passage, Duplicata Escritural link), 304 SUFRAMA,
    811 prorrogação: evidence recorded through the admin API (POST /admin/events/evidence) blocks cancellation."""
    if st.ctx.tpEvento not in (CANCEL, CANCEL_SUBST):
        return
    kinds = {kind for kind, _, _ in st.evidence}
    for kind in ("cte", "mdfe", "passage", "duplicata", "suframa", "prorrogacao"):
        if kind in kinds:
            raise Rejection(EVIDENCE_CSTAT[kind], f"[{kind}]")


@rule("1P10-20", 240)
def s_issuer_regular(st: EventState) -> None:
    """240: no cancellation by an issuer the taxpayer registry holds irregular (DF Portaria 403 art. 10 § 9)."""
    if st.ctx.tpEvento not in (CANCEL, CANCEL_SUBST):
        return
    c = st.ctx
    uf = ufs.sigla_of(c.acting_cUF)
    if registry.irregular_among(st.reads.taxpayers(c.author, uf), registry.local_today(c.now, uf),
                                suspension_days=c.settings.suspension_days, model=st.doc.mod):
        raise Rejection(240)


# --- 110112: the substitute NFC-e (NT 2018.003 rules P31) ---------------------------------------------------

@rule("P12-48", 920)
def s_subst_original_normal(st: EventState) -> None:
    """920: the NFC-e cancelled by substitution was issued normally (tpEmis 1)."""
    if st.ctx.tpEvento == CANCEL_SUBST and st.doc.tpEmis != 1:
        raise Rejection(920)


def _key_defect(key: str, now: datetime) -> str | None:
    """The first defect of a substitute key, named as MOC 7.00 §5.9 names it in 910's text (P31-10..34)."""
    k = keys.AccessKey(key)
    if not k.dv_ok():
        return "(Dígito)"  # P31-10
    if not k.cUF.isdigit() or int(k.cUF) not in ufs.CODES:
        return "(Código UF)"  # P31-14
    if not (6 <= int(k.year) <= now.year % 100):
        return "(Ano)"  # P31-18
    if not 1 <= int(k.month) <= 12:
        return "(Mês)"  # P31-22
    issuer = k.issuer
    if not (keys.valid_cnpj(issuer) or (issuer.startswith("000") and keys.valid_cpf(issuer[3:]))):
        return "(CNPJ/CPF)"  # P31-26
    if k.mod not in ("55", "65"):
        return "(Modelo)"  # P31-30
    if int(k.nNF) == 0:
        return "(Número)"  # P31-34
    return None


@rule("P31-10..34", 910)
def s_subst_key_valid(st: EventState) -> None:
    """910: chNFeRef has a valid check digit, UF, year, month, CNPJ/CPF, model and number; the answer names the
    first failing condition, as each MOC row has its own text ("... inválida (Dígito)")."""
    if st.ctx.tpEvento == CANCEL_SUBST:
        defect = _key_defect(st.ctx.det_f("chNFeRef"), st.ctx.now)
        if defect is not None:
            raise Rejection(910, defect)


def _month_index(k: keys.AccessKey) -> int:
    return int(k.year) * 12 + int(k.month)


@rule("P31-38..52", 911)
def s_subst_key_consistent(st: EventState) -> None:
    """911: chNFeRef is another key (P31-38) of the same UF (P31-42) and issuer (P31-46), issued in the month of
    the cancelled key or the month before it (P31-50: chNFeRef's AAMM neither after chNFe's nor more than one
    month before it), of the same model (P31-52); each row has its own text."""
    if st.ctx.tpEvento != CANCEL_SUBST:
        return
    ref, key = keys.AccessKey(st.ctx.det_f("chNFeRef")), keys.AccessKey(st.ctx.chNFe)
    if ref.value == key.value:
        raise Rejection(911, "(mesma Chave de Acesso)")
    if ref.cUF != key.cUF:
        raise Rejection(911, "(Código da UF)")
    if ref.issuer != key.issuer:
        raise Rejection(911, "(CNPJ/CPF)")
    if not -1 <= _month_index(ref) - _month_index(key) <= 0:
        raise Rejection(911, "(Ano-Mes)")
    if ref.mod != key.mod:
        raise Rejection(911, "(Modelo)")


def _substitute(st: EventState) -> DocumentRecord | None:
    return st.reads.document(st.ctx.det_f("chNFeRef"))


@rule("P31-56", 912)
def s_subst_exists(st: EventState) -> None:
    """912: the substitute NFC-e is in the base (same environment)."""
    if st.ctx.tpEvento == CANCEL_SUBST:
        sub = _substitute(st)
        if sub is None or sub.tpAmb != st.ctx.acting_tpAmb:
            raise Rejection(912)


@rule("P31-58", 913)
def s_subst_authorized(st: EventState) -> None:
    """913: the substitute NFC-e is neither denied nor cancelled."""
    if st.ctx.tpEvento == CANCEL_SUBST and _substitute(st).state in (DENIED, CANCELLED):
        raise Rejection(913)


@rule("P31-60", 921)
def s_subst_contingency(st: EventState) -> None:
    """921: the substitute was issued in contingency (tpEmis other than 1)."""
    if st.ctx.tpEvento == CANCEL_SUBST and _substitute(st).tpEmis == 1:
        raise Rejection(921)


@rule("P31-62", 914)
def s_subst_within_2h(st: EventState) -> None:
    """914: the substitute's dhEmi is at most 2 hours after the cancelled NFC-e's dhEmi."""
    if st.ctx.tpEvento == CANCEL_SUBST:
        if parse_dh(_substitute(st).dhEmi) - parse_dh(st.doc.dhEmi) > timedelta(hours=2):
            raise Rejection(914)


def _dec(v: str | None) -> Decimal:
    try:
        return Decimal(v or "0")
    except InvalidOperation:
        return Decimal(0)


def _tot(nfe: etree._Element, name: str) -> Decimal:
    return _dec(nfe.findtext(f"{N}infNFe/{N}total/{N}ICMSTot/{N}{name}"))


def _items(nfe: etree._Element) -> list[tuple]:
    out = []
    for det in nfe.iterfind(f"{N}infNFe/{N}det"):
        prod = det.find(N + "prod")
        out.append((prod.findtext(N + "cProd"), _dec(prod.findtext(N + "qCom")), _dec(prod.findtext(N + "vProd"))))
    return out


@rule("P31-64..72", 915, 916, 917, 918, 919)
def s_subst_same_content(st: EventState) -> None:
    """915 vNF, 916 vICMS, 917 recipient, 918 number of items, 919 an item (cProd, qCom, vProd): the
    substitute repeats the cancelled NFC-e."""
    if st.ctx.tpEvento != CANCEL_SUBST:
        return
    sub = etree.fromstring(_substitute(st).nfe_xml)
    orig = st.nfe
    if _tot(sub, "vNF") != _tot(orig, "vNF"):
        raise Rejection(915)
    if _tot(sub, "vICMS") != _tot(orig, "vICMS"):
        raise Rejection(916)
    if dest_id(sub) != dest_id(orig):
        raise Rejection(917)
    a, b = _items(orig), _items(sub)
    if len(a) != len(b):
        raise Rejection(918)
    for n, (x, y) in enumerate(zip(a, b), start=1):
        if x != y:
            raise Rejection(919, f"[nItem:{n}]")


@rule("P31-74", 573)
def s_subst_not_reused(st: EventState) -> None:
    """573: a substitute NFC-e replaces one cancelled NFC-e only."""
    if st.ctx.tpEvento == CANCEL_SUBST and st.reads.substitutes_used(st.ctx.det_f("chNFeRef")):
        raise Rejection(573, "[chNFeRef ja utilizada]")


STATE_RULES = (
    s_key_known, s_author_is_recipient, s_not_cancelled_twice, s_nfe_authorized, s_after_issue,
    s_after_authorization, s_not_duplicate, s_sequence_max, s_manifestation_deadline, s_awareness_before_conclusive,
    s_actor_author, s_actor_party, s_actor_freight, s_actor_window,
    s_protocol_matches, s_subst_original_normal, s_cancel_window, s_issuer_regular, s_not_confirmed,
    s_no_circulation,
    s_subst_key_valid, s_subst_key_consistent, s_subst_exists, s_subst_authorized, s_subst_not_reused,
    s_subst_contingency, s_subst_within_2h, s_subst_same_content,
)
