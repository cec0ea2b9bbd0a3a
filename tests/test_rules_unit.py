"""Rules called alone: a context built from a document, no server, no database (issue 12).

Each rule group gets a handful of cases; the read-only ports (rules/ports.py) are plain in-memory objects
here, which is all a rule can see of the store. Adding a MOC rule is one function, one test like these, and
one scenario that makes the server answer it over SOAP.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from fake_sefaz.domain import taxpayers
from fake_sefaz.domain.certificates import TrustStore
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.domain.records import AUTHORIZED, DENIED, DocumentRecord
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.domain.taxpayers import Taxpayer
from fake_sefaz.domain.xml import N
from fake_sefaz.emitter import builders
from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.rules import InForce, first_failure, rule
from fake_sefaz.rules import events as ev
from fake_sefaz.rules import inutilization as inut
from fake_sefaz.rules import lot, nfe, registry
from fake_sefaz.rules.cadastro import CADASTRO_RULES, CadastroContext
from fake_sefaz.rules.message import MESSAGE_RULES, MessageContext
from fake_sefaz.rules.pipeline import NFE_PIPELINE
from fake_sefaz.rules.query import QUERY_RULES, QueryContext
from fake_sefaz.server.settings import load_settings

# The receipt instant: now, since the test PKI's certificates are valid from the day they were made.
NOW = datetime.now(timezone.utc).replace(microsecond=0)


# --- in-memory ports ------------------------------------------------------------------------------------------

@dataclass
class MemoryReads:
    """rules.ports.DocumentReads and RegistryReads over plain lists."""

    documents: list[DocumentRecord] = field(default_factory=list)
    voidings: list[tuple] = field(default_factory=list)  # (tpAmb, cnpj, mod, serie, first, last, nProt)
    events: set[tuple[str, str, int]] = field(default_factory=set)
    registry: list[Taxpayer] = field(default_factory=list)
    epecs: list = field(default_factory=list)  # store.contingency.EpecRecord

    def epec(self, chNFe):
        return next((e for e in self.epecs if e.chNFe == chNFe), None)

    def epec_by_number(self, tpAmb, issuer, mod, serie, nNF):
        return next((e for e in self.epecs if (e.tpAmb, e.issuer, e.mod, e.serie, e.nNF)
                     == (tpAmb, issuer, mod, serie, nNF)), None)

    def epecs_in_range(self, tpAmb, issuer, mod, serie, first, last):
        return [e for e in self.epecs if (e.tpAmb, e.issuer, e.mod, e.serie) == (tpAmb, issuer, mod, serie)
                and first <= e.nNF <= last]

    def pending_epecs(self, tpAmb, issuer):
        return [e for e in self.epecs if (e.tpAmb, e.issuer, e.state) == (tpAmb, issuer, "pending")]

    def document(self, chNFe):
        return next((d for d in self.documents if d.chNFe == chNFe), None)

    def document_by_number(self, tpAmb, issuer, mod, serie, nNF):
        return next((d for d in self.documents if (d.tpAmb, d.issuer, d.mod, d.serie, d.nNF)
                     == (tpAmb, issuer, mod, serie, nNF)), None)

    def voided(self, tpAmb, cnpj, mod, serie, first, last):
        @dataclass
        class V:
            nNFIni: int
            nNFFin: int
            nProt: str

        return [V(a, b, p) for (t, c, m, s, a, b, p) in self.voidings
                if (t, c, m, s) == (tpAmb, cnpj, mod, serie) and a <= last and first <= b]

    def used_numbers(self, tpAmb, cnpj, mod, serie, first, last):
        return [(d.nNF, d.chNFe) for d in self.documents
                if (d.tpAmb, d.issuer, d.mod, d.serie) == (tpAmb, cnpj, mod, serie) and first <= d.nNF <= last]

    def event_exists(self, chNFe, tpEvento, nSeqEvento):
        return (chNFe, tpEvento, nSeqEvento) in self.events

    def substitutes_used(self, chNFeRef):
        return False

    def taxpayers(self, doc, uf):
        return [t for t in self.registry if t.doc == doc and t.uf == uf]

    def registry_lookups(self, uf, wanted):
        return [[t for t in self.registry if t.uf == uf and value and getattr(t, kind) == value]
                for kind, value in wanted]

    def registrations(self, kind, value, uf):
        return [t for t in self.registry if t.uf == uf and (t.ie if kind == "IE" else t.doc) == value]

    def csc_tokens(self, base, cUF, tpAmb):
        return []


def record_of(view: NFeView, state: str = AUTHORIZED, **changes) -> DocumentRecord:
    values = dict(chNFe=view.key, tpAmb=int(view.tpAmb), cUF=int(view.cUF), mod=int(view.mod),
                  serie=int(view.serie), nNF=int(view.nNF), issuer=view.issuer, dhEmi=view.dhEmi,
                  tpEmis=int(view.tpEmis), state=state, cStat=100 if state == AUTHORIZED else 301,
                  nProt="135260000000001", dhRecbto=view.dhEmi, received_ts=NOW.timestamp(), nRec="351000000000001",
                  digVal="", vNF=view.vNF, prot_xml="", nfe_xml="")
    values.update(changes)
    return DocumentRecord(**values)


@pytest.fixture(scope="module")
def settings():
    return load_settings(env={}, uf="SP", tpAmb=2)


@pytest.fixture(scope="module")
def trust(pki):
    return TrustStore.from_files([Path(p) for p in pki.trust_anchor_files], [Path(p) for p in pki.crl_files])


@pytest.fixture
def signed(factory, signer):
    """A valid, signed NF-e issued now (NOW), as the pipeline receives it."""
    return signer.sign_nfe(factory.build(dhEmi=NOW - timedelta(minutes=1)))


def nfe_ctx(nfe_el, settings, trust, *, reads=None, cUF=35, tpAmb=2, now=NOW) -> nfe.NFeContext:
    return nfe.NFeContext(NFeView(copy.deepcopy(nfe_el)), now, cUF, tpAmb, settings, trust, reads=reads)


def code(rules, ctx) -> int | None:
    rej = first_failure(rules, ctx)
    return None if rej is None else rej.cstat


# --- message rules (B, D groups) ----------------------------------------------------------------------------------

def message_ctx(payload, *, cUF=35) -> MessageContext:
    return MessageContext(payload=payload, root="enviNFe", schema="enviNFe", version="4.00", is_lot=True,
                          acting_cUF=cUF, schemas=SCHEMAS, data_encoding=None, codec_error=None)


SCHEMAS = Schemas()


def test_message_rules_pass_a_valid_lot(signed):
    assert code(MESSAGE_RULES, message_ctx(wrap_lot([signed], 1, 1))) is None


def test_message_rule_b06_version(signed):
    payload = wrap_lot([signed], 1, 1)
    payload.set("versao", "3.10")
    assert code(MESSAGE_RULES, message_ctx(payload)) == 239


def test_message_rule_d01_schema_names_the_element(signed):
    payload = wrap_lot([signed], 1, 1)
    payload.find(f"{N}NFe/{N}infNFe/{N}ide/{N}nNF").text = "x"
    rej = first_failure(MESSAGE_RULES, message_ctx(payload))
    assert rej.cstat == 225 and "nNF" in rej.suffix


# --- lot rules (GAP03a, B06) ----------------------------------------------------------------------------------------

def test_lot_rules(signed):
    two = [signed, copy.deepcopy(signed)]
    assert code(lot.LOT_RULES, lot.LotContext(wrap_lot(two, 1, 1), two, "1", True)) == 764
    assert code(lot.LOT_RULES, lot.LotContext(wrap_lot([signed], 1, 1), [signed], "1", False)) == 776
    assert code(lot.LOT_RULES, lot.LotContext(wrap_lot(two, 1, 0), two, "0", True)) is None


def test_lot_rule_765_one_model(signed, factory, signer):
    nfce = signer.sign_nfe(factory.build(mod=65, dest_doc=None))
    both = [signed, nfce]
    assert code(lot.LOT_RULES, lot.LotContext(wrap_lot(both, 1, 0), both, "0", True)) == 765


# --- rules read in the lot's unit of work (GH), through the read-only port -------------------------------------------

def test_gh01_same_key_and_denied_key(signed):
    view = NFeView(signed)
    rej = first_failure(lot.STORED_RULES, lot.StoredContext(MemoryReads([record_of(view)]), view, 2))
    assert (rej.cstat, rej.suffix) == (204, "[nRec:351000000000001]")
    assert code(lot.STORED_RULES, lot.StoredContext(MemoryReads([record_of(view, DENIED)]), view, 2)) == 205


def test_gh02_same_number_other_key(signed):
    view = NFeView(signed)
    other = record_of(view, chNFe=view.key[:-1] + ("0" if view.key[-1] != "0" else "1"))
    rej = first_failure(lot.STORED_RULES, lot.StoredContext(MemoryReads([other]), view, 2))
    assert rej.cstat == 539 and rej.suffix == f"[chNFe:{other.chNFe}][nRec:{other.nRec}]"


def test_gh03_voided_number_and_the_contingency_exception(signed, factory, signer):
    view = NFeView(signed)
    n = int(view.nNF)
    reads = MemoryReads(voidings=[(2, view.issuer, 55, int(view.serie), n, n, "135260000000009")])
    assert code(lot.STORED_RULES, lot.StoredContext(reads, view, 2)) == 206
    fs = NFeView(signer.sign_nfe(factory.build(nNF=n, tpEmis=5)))  # FS-DA: contingency
    reads.voidings = [(2, fs.issuer, 55, int(fs.serie), n, n, "135260000000009")]
    ctx = lot.StoredContext(reads, fs, 2)
    assert code(lot.STORED_RULES, ctx) is None and ctx.cancels_voiding  # the service cancels the voiding


# --- NF-e rules ------------------------------------------------------------------------------------------------------

def test_the_pipeline_passes_a_valid_nfe(signed, settings, trust):
    assert code(NFE_PIPELINE, nfe_ctx(signed, settings, trust)) is None


def test_ga02_environment_and_ga03_uf(signed, settings, trust):
    assert code((nfe.ga02_environment,), nfe_ctx(signed, settings, trust, tpAmb=1)) == 252
    assert code((nfe.ga03_issuer_uf,), nfe_ctx(signed, settings, trust, cUF=33)) == 226


def test_signature_value_tampered(signed, settings, trust):
    tampered = copy.deepcopy(signed)
    tampered.find(f"{N}infNFe/{N}ide/{N}natOp").text = "OUTRA NATUREZA"
    assert code(NFE_PIPELINE, nfe_ctx(tampered, settings, trust)) == 297


def test_certificate_untrusted(signed, settings):
    assert code(NFE_PIPELINE, nfe_ctx(signed, settings, TrustStore())) == 293


def test_703_issued_in_the_future(factory, signer, settings, trust):
    later = signer.sign_nfe(factory.build(dhEmi=NOW + timedelta(minutes=10)))
    assert code(NFE_PIPELINE, nfe_ctx(later, settings, trust)) == 703


# --- registry rules, over the read-only port ----------------------------------------------------------------------

def issuer_of(view: NFeView, **kw) -> Taxpayer:
    return Taxpayer(doc=view.issuer, ie=view.emit.findtext(N + "IE"), uf="SP", xNome="EMITENTE", **kw)


def test_unknown_issuer_is_noted_not_written(signed, settings, trust):
    ctx = nfe_ctx(signed, settings, trust, reads=MemoryReads())
    assert code(registry.REGISTRY_REJECTIONS, ctx) is None
    learned = ctx.notes[registry.LEARNED]
    assert (learned.doc, learned.source) == (ctx.doc.issuer, "auto")  # the service writes it if stored


def test_230_unknown_issuer_when_strict(signed, trust):
    strict = load_settings(env={}, uf="SP", unknown_issuer="reject")
    assert code(registry.REGISTRY_REJECTIONS, nfe_ctx(signed, strict, trust, reads=MemoryReads())) == 230


def test_301_issuer_closed(signed, settings, trust):
    """The DF Portaria's denial of model 55, kept by nfe_denial_removed=false (before NT 2024.001)."""
    view = NFeView(signed)
    closed = issuer_of(view, situation=taxpayers.CLOSED, since="2025-01-10")
    ctx = nfe_ctx(signed, settings.replace(nfe_denial_removed=False), trust, reads=MemoryReads(registry=[closed]))
    assert code(registry.REGISTRY_REJECTIONS, ctx) is None
    assert code(registry.REGISTRY_DENIALS, ctx) == 301


def test_781_issuer_closed_after_nt2024_001(signed, settings, trust):
    """NT 2024.001: since 16/09/2024 an irregular issuer of model 55 is rejected (1C17-38), with its own text."""
    view = NFeView(signed)
    closed = issuer_of(view, situation=taxpayers.CLOSED, since="2025-01-10")
    ctx = nfe_ctx(signed, settings, trust, reads=MemoryReads(registry=[closed]))
    rej = first_failure(registry.REGISTRY_REJECTIONS, ctx)
    assert (rej.cstat, rej.meaning) == (781, "1C17-38")
    assert code(registry.REGISTRY_DENIALS, ctx) is None


def test_203_issuer_not_accredited(signed, settings, trust):
    view = NFeView(signed)
    never = issuer_of(view, nfe_cred=taxpayers.NONE)
    assert code(registry.REGISTRY_REJECTIONS, nfe_ctx(signed, settings, trust, reads=MemoryReads(registry=[never]))) == 203


# --- dates of entry into force (InForce) ------------------------------------------------------------------------------

@rule("TEST-1", 999, in_force=InForce(hom=date(2026, 4, 1), prod=date(2026, 7, 1)))
def _dated(ctx) -> None:
    raise Rejection(999)


def test_a_dated_rule_applies_from_its_date_per_environment(signed, settings, trust):
    march, april = datetime(2026, 3, 16, 15, tzinfo=timezone.utc), datetime(2026, 4, 1, 3, tzinfo=timezone.utc)
    assert code((_dated,), nfe_ctx(signed, settings, trust, now=march)) is None
    assert code((_dated,), nfe_ctx(signed, settings, trust, now=april)) == 999
    assert code((_dated,), nfe_ctx(signed, settings, trust, now=april, tpAmb=1)) is None  # produção: from July
    before_midnight = datetime(2026, 4, 1, 2, 59, tzinfo=timezone.utc)  # still 31 March in Brasília
    assert code((_dated,), nfe_ctx(signed, settings, trust, now=before_midnight)) is None


# --- consSitNFe and ConsCad rules ------------------------------------------------------------------------------------

def test_query_rules(signed):
    key = NFeView(signed).key
    msg = etree.fromstring(f'<consSitNFe xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><tpAmb>2</tpAmb>'
                           f'<xServ>CONSULTAR</xServ><chNFe>{key}</chNFe></consSitNFe>')
    assert code(QUERY_RULES, QueryContext(msg, 35, 2)) is None
    assert code(QUERY_RULES, QueryContext(msg, 35, 1)) == 252
    assert code(QUERY_RULES, QueryContext(msg, 33, 2)) == 249
    msg.find(N + "chNFe").text = key[:-1] + str((int(key[-1]) + 1) % 10)
    assert code(QUERY_RULES, QueryContext(msg, 35, 2)) == 236


def test_cadastro_rules():
    known = Taxpayer(doc="11222333000181", ie="110042490114", uf="SP", xNome="EMPRESA")
    reads = MemoryReads(registry=[known])

    def q(uf, kind, value, cpf=True):
        return code(CADASTRO_RULES, CadastroContext(35, uf, kind, value, cpf, reads))

    assert q("SP", "CNPJ", "11222333000181") is None
    assert q("RJ", "CNPJ", "11222333000181") == 265
    assert q("SP", "CNPJ", "11222333000180") == 258
    assert q("SP", "CNPJ", "11444777000161") == 259
    assert q("SP", "CPF", "52998224725", cpf=False) == 262


# --- events and inutilização ------------------------------------------------------------------------------------------

def event_ctx(evento, settings, trust) -> ev.EventContext:
    return ev.EventContext(copy.deepcopy(evento), NOW, 35, 2, settings, trust, schemas=SCHEMAS)


def test_event_rules_environment_and_duplicate(signed, signer, settings, trust):
    view = NFeView(signed)
    dh = (NOW - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=-3))).isoformat(timespec="seconds")
    evento = signer.sign(builders.evento(view.key, "110111", builders.cancel_det("135260000000001"),
                                         author=view.issuer, dhEvento=dh))
    ctx = event_ctx(evento, settings, trust)
    assert code(ev.EVENT_RULES, ctx) is None
    wrong_env = copy.deepcopy(evento)
    wrong_env.find(f"{N}infEvento/{N}tpAmb").text = "1"
    assert code((ev.p08_environment,), event_ctx(wrong_env, settings, trust)) == 252
    reads = MemoryReads(documents=[record_of(view)], events={(view.key, "110111", 1)})
    st = ev.EventState(ctx, reads, reads.document(view.key))
    assert code((ev.s_not_duplicate,), st) == 573


def test_voiding_state_rules(signed, signer, settings, trust):
    view = NFeView(signed)
    n = int(view.nNF)
    inut_el = signer.sign(builders.inut_nfe(view.issuer, n, n + 2, ano=26))
    ctx = inut.VoidingContext(inut_el, NOW, 35, 2, settings, trust)
    assert code(inut.STATE_RULES, inut.VoidingState(ctx, MemoryReads())) is None
    assert code(inut.STATE_RULES, inut.VoidingState(ctx, MemoryReads([record_of(view)]))) == 241
    same = MemoryReads(voidings=[(2, view.issuer, 55, 1, n, n + 2, "135260000000007")])
    rej = first_failure(inut.STATE_RULES, inut.VoidingState(ctx, same))
    assert (rej.cstat, rej.suffix) == (563, "[nProt:135260000000007]")


# --- EPEC at the UF's authorizer (rules/epec.py, NT 2014.001 §5.1): pure functions over the in-memory port --------

def _epec_of(view: NFeView, **values) -> "object":
    import json

    from fake_sefaz.rules.epec import nfe_values
    from fake_sefaz.store.contingency import EpecRecord

    declared = {**nfe_values(view), **values}
    return EpecRecord(chNFe=view.key, tpAmb=2, cUF=int(view.cUF), issuer=view.issuer, mod=int(view.mod),
                      serie=int(view.serie), nNF=int(view.nNF), nProt="891260000000001", received_ts=NOW.timestamp(),
                      fields=json.dumps(declared), state="pending")


def test_epec_authorization_rules():
    from fake_sefaz.rules.epec import AUTHORIZATION_RULES, EpecMatch

    epec_note = NFeView(NFeFactory(seed=11).build(dhEmi=NOW, tpEmis=4, nNF=77))
    same_number_normal = NFeView(NFeFactory(seed=11).build(dhEmi=NOW, tpEmis=1, nNF=77))
    reads = MemoryReads(epecs=[_epec_of(epec_note)])
    match = EpecMatch(reads, epec_note, 2)
    assert first_failure(AUTHORIZATION_RULES, match) is None and match.reconciles == epec_note.key
    rej = first_failure(AUTHORIZATION_RULES, EpecMatch(reads, same_number_normal, 2))
    assert (rej.cstat, rej.suffix) == (692, f"[Chave EPEC: {epec_note.key}]")
    other_key = NFeView(NFeFactory(seed=11).build(dhEmi=NOW, tpEmis=4, nNF=77, cNF="13572468"))
    assert code(AUTHORIZATION_RULES, EpecMatch(reads, other_key, 2)) == 691
    diverging = MemoryReads(epecs=[_epec_of(epec_note, **{"dest/vNF": "1.00"})])
    rej = first_failure(AUTHORIZATION_RULES, EpecMatch(diverging, epec_note, 2))
    assert (rej.cstat, rej.suffix) == (467, "[tag:vNF]")
    assert code(AUTHORIZATION_RULES, EpecMatch(MemoryReads(), epec_note, 2)) == 468
    assert first_failure(AUTHORIZATION_RULES, EpecMatch(MemoryReads(), same_number_normal, 2)) is None
