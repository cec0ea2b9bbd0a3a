"""Issue 4 over real HTTP: the registry decides authorize / reject / deny (DF Portaria 403/2009 art. 9-10)."""

from __future__ import annotations

import copy
import random

import pytest

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.emitter.client import SoapClient, cons_sit_nfe
from fake_sefaz.domain.codes import motivo
from fake_sefaz.domain.keys import cnpj_dvs

from support.registry import N, Issuer, Registry, key_of, prot_of, start_server


@pytest.fixture(scope="module")
def srv(pki, tmp_path_factory):
    """The DF Portaria 403/2009 model of denials for model 55 as well (nfe_denial_removed=false, as before
    NT 2024.001); tests of NT 2024.001's rejections use `current` below."""
    s = start_server(pki, tmp_path_factory.mktemp("registry-regular"), nfe_denial_removed=False)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def strict(pki, tmp_path_factory):
    """A server answering as a real authorizer: unknown issuers and recipient IEs are rejected."""
    s = start_server(pki, tmp_path_factory.mktemp("registry-strict"), unknown_issuer="reject",
                     unknown_recipient_ie="reject")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def soap(srv):
    c = SoapClient(srv.url)
    yield c
    c.close()


@pytest.fixture(scope="module")
def registry(srv):
    r = Registry(srv)
    yield r
    r.close()


@pytest.fixture
def issuer(pki, srv, soap):
    return Issuer(pki, srv, soap)


_rng = random.Random(4)


def new_cnpj() -> str:
    base = f"{_rng.randrange(10**7, 10**8)}0001"
    return base + cnpj_dvs(base)


def new_ie() -> str:
    return ie_rules.generate("SP", _rng)


# --- The default: unknown issuers are learned -------------------------------------------------------------------

def test_unknown_issuer_is_auto_registered_and_authorized(issuer, registry):
    reply = issuer.send(issuer.nfe())
    assert prot_of(reply)[0] == "100", reply.body
    r = registry.http.get(f"/admin/taxpayers/{issuer.cnpj}", params={"ie": issuer.ie})
    assert r.status_code == 200 and r.json()["source"] == "auto" and r.json()["situation"] == "active"


# --- Issuer IE rules ------------------------------------------------------------------------------------------

def test_229_issuer_ie_missing(issuer):
    assert prot_of(issuer.send(issuer.nfe(emit_ie=None)))[0] == "229"


def test_229_issuer_ie_isento(issuer):
    reply = issuer.send(issuer.nfe(emit_ie="ISENTO"))
    assert prot_of(reply) == ("229", None)
    inf = reply.result.find("{http://www.portalfiscal.inf.br/nfe}protNFe/{http://www.portalfiscal.inf.br/nfe}infProt")
    assert inf.findtext("{http://www.portalfiscal.inf.br/nfe}xMotivo") == motivo(229)


def test_209_issuer_ie_check_digit(issuer):
    bad = issuer.ie[:-1] + str((int(issuer.ie[-1]) + 1) % 10)
    assert prot_of(issuer.send(issuer.nfe(emit_ie=bad)))[0] == "209"


def test_231_ie_of_another_cnpj(issuer, registry):
    ie = new_ie()
    registry.put(new_cnpj(), ie=ie)  # an authoritative registration (admin) of another company
    assert prot_of(issuer.send(issuer.nfe(emit_ie=ie)))[0] == "231"


def test_learned_registrations_never_contradict(issuer, registry, pki, srv, soap):
    """A factory reused with another CNPJ of the same company: the learned IE does not cause 231."""
    assert prot_of(issuer.send(issuer.nfe()))[0] == "100"
    other = Issuer(pki, srv, soap, identity="emitente-filial")
    assert prot_of(other.send(other.nfe(emit_ie=issuer.ie)))[0] == "100"


# --- Accreditation: rejection, number stays free -----------------------------------------------------------------

def test_203_not_accredited_then_fixed_same_document_authorizes(issuer, registry):
    issuer.register(registry, nfe={"accreditation": "none"})
    nfe = issuer.nfe()
    assert prot_of(issuer.send(copy.deepcopy(nfe))) == ("203", None)
    issuer.register(registry, nfe={"accreditation": "voluntary", "since": registry.ago(1)})
    assert prot_of(issuer.send(nfe))[0] == "100"  # the rejection stored nothing: the number was free


def test_203_accredited_only_from_tomorrow(issuer, registry):
    issuer.register(registry, nfe={"accreditation": "voluntary", "since": registry.ago(-1)})
    assert prot_of(issuer.send(issuer.nfe()))[0] == "203"


def test_203_registration_not_enabled(issuer, registry):
    issuer.register(registry, situation="not_enabled")
    assert prot_of(issuer.send(issuer.nfe()))[0] == "203"


def test_781_not_accredited_for_nfce(issuer, registry):
    issuer.register(registry, nfce={"accreditation": "none"})
    assert prot_of(issuer.send(issuer.nfe(mod=65)))[0] == "781"
    # accreditation is per model: the same issuer still issues NF-e
    assert prot_of(issuer.send(issuer.nfe()))[0] == "100"


# --- Issuer irregularity: denial 301, at its edges ------------------------------------------------------------

@pytest.mark.parametrize("fields_of, expected", [
    (lambda r: {"situation": "suspended", "situation_since": r.ago(30),
                "suspension": {"by": "fisco", "notified": True, "ban": False}}, "100"),
    (lambda r: {"situation": "suspended", "situation_since": r.ago(31),
                "suspension": {"by": "fisco", "notified": True, "ban": False}}, "301"),
    (lambda r: {"situation": "suspended", "situation_since": r.ago(90),
                "suspension": {"by": "fisco", "notified": False, "ban": False}}, "100"),
    (lambda r: {"situation": "suspended", "situation_since": r.ago(90),
                "suspension": {"by": "taxpayer", "notified": True, "ban": False}}, "100"),
    (lambda r: {"situation": "suspended", "situation_since": r.ago(0),
                "suspension": {"by": "fisco", "notified": False, "ban": True}}, "301"),
    (lambda r: {"situation": "suspended", "situation_since": r.ago(-1),
                "suspension": {"by": "fisco", "notified": False, "ban": True}}, "100"),
    (lambda r: {"situation": "closure_requested", "situation_since": r.ago(1)}, "301"),
    (lambda r: {"situation": "closure_refused", "situation_since": r.ago(1)}, "100"),
    (lambda r: {"situation": "closed", "situation_since": r.ago(10), "closed_on": r.ago(10)}, "301"),
    (lambda r: {"situation": "paused", "situation_since": r.ago(2)}, "301"),
    (lambda r: {"situation": "cancelled", "situation_since": r.ago(2)}, "301"),
    (lambda r: {"nfe": {"accreditation": "voluntary", "since": r.ago(400), "revoked": r.ago(0)}}, "301"),
    (lambda r: {"nfe": {"accreditation": "voluntary", "since": r.ago(400), "revoked": r.ago(-1)}}, "100"),
], ids=["suspended-30d", "suspended-31d", "suspended-no-notice", "suspended-by-taxpayer", "ban-day-1",
        "ban-from-tomorrow", "closure-requested", "closure-refused", "closed", "paused", "cancelled",
        "deaccredited-today", "deaccredited-tomorrow"])
def test_issuer_situation(issuer, registry, fields_of, expected):
    issuer.register(registry, **fields_of(registry))
    status, nProt = prot_of(issuer.send(issuer.nfe()))
    assert status == expected
    assert nProt is not None  # authorized and denied NF-e both get a protocol


def test_de_accredited_for_nfce_denies_nfce_only(issuer, registry):
    issuer.register(registry, nfce={"accreditation": "voluntary", "since": registry.ago(100), "revoked": registry.ago(5)})
    assert prot_of(issuer.send(issuer.nfe(mod=65)))[0] == "301"
    assert prot_of(issuer.send(issuer.nfe()))[0] == "100"


# --- The denial's lasting effects ------------------------------------------------------------------------------

def test_denial_burns_the_number(issuer, registry, soap):
    issuer.register(registry, situation="cancelled", situation_since=registry.ago(3))
    nfe = issuer.nfe(nNF=424242, serie=7)
    status, nProt = prot_of(issuer.send(copy.deepcopy(nfe)))
    assert status == "301" and nProt
    # the query answers 110 with the denial's protocol
    q = soap.call(cons_sit_nfe(2, key_of(nfe)))
    assert q.cStat == "110", q.body
    assert prot_of(q) == ("301", nProt)
    # fixing the registry does not cure the number (art. 10 § 4)
    issuer.register(registry, situation="active")
    reply = issuer.send(copy.deepcopy(nfe))
    assert prot_of(reply)[0] == "205"
    # nor does another key for the same number and series
    again = issuer.nfe(nNF=424242, serie=7)
    assert key_of(again) != key_of(nfe)
    assert prot_of(issuer.send(again))[0] == "205"
    # a new number authorizes
    assert prot_of(issuer.send(issuer.nfe()))[0] == "100"


def test_denial_answers_in_the_async_receipt_too(issuer, registry, soap):
    from fake_sefaz.emitter.client import cons_reci_nfe
    from fake_sefaz.emitter.factory import wrap_lot

    issuer.register(registry, situation="paused", situation_since=registry.ago(3))
    reply = soap.call(wrap_lot([issuer.nfe()], idLote=2, indSinc=0))
    assert reply.cStat == "103"
    nRec = reply.result.findtext("{http://www.portalfiscal.inf.br/nfe}infRec/{http://www.portalfiscal.inf.br/nfe}nRec")
    got = soap.call(cons_reci_nfe(2, nRec))
    assert got.cStat == "104" and prot_of(got)[0] == "301"


# --- Recipient: 302 / 303 --------------------------------------------------------------------------------------

def test_302_recipient_irregular_and_edges(issuer, registry):
    dest = new_cnpj()
    registry.put(dest, ie=new_ie(), situation="suspended", situation_since=registry.ago(30),
                 suspension={"by": "fisco", "notified": True})
    assert prot_of(issuer.send(issuer.nfe(dest_doc=dest)))[0] == "100"
    registry.put(dest, ie=registry.http.get(f"/admin/taxpayers/{dest}").json()["ie"], situation="suspended",
                 situation_since=registry.ago(31), suspension={"by": "fisco", "notified": True})
    assert prot_of(issuer.send(issuer.nfe(dest_doc=dest)))[0] == "302"


def test_302_recipient_by_ie(issuer, registry):
    dest, ie = new_cnpj(), new_ie()
    registry.put(dest, ie=ie, situation="closure_requested", situation_since=registry.ago(5))
    assert prot_of(issuer.send(issuer.nfe(dest_doc=dest, dest_ie=ie)))[0] == "302"


def test_recipient_with_one_regular_registration_is_not_denied(issuer, registry):
    """The note names the recipient's active IE: its closed registration does not make it irregular."""
    dest, active = new_cnpj(), new_ie()
    registry.put(dest, ie=new_ie(), situation="closed", situation_since=registry.ago(5))
    registry.put(dest, ie=active, situation="active")
    assert prot_of(issuer.send(issuer.nfe(dest_doc=dest, dest_ie=active)))[0] == "100"


def test_232_recipient_with_active_ie_not_informed(issuer, registry):
    """5E17-50: the registry knows an active IE for the recipient's CNPJ and the note informs none - 232."""
    dest = new_cnpj()
    registry.put(dest, ie=new_ie(), situation="closed", situation_since=registry.ago(5))
    registry.put(dest, ie=new_ie(), situation="active")
    reply = issuer.send(issuer.nfe(dest_doc=dest))
    assert prot_of(reply) == ("232", None)  # a rejection: no protocol number
    assert reply.result.findtext(f"{N}protNFe/{N}infProt/{N}xMotivo") == "Rejeição: IE do destinatário não informada"


def test_234_recipient_ie_of_another_cnpj(issuer, registry):
    """5E17-20: the informed IE is registered in SP to another company - 234; its owner's own note passes."""
    owner, ie = new_cnpj(), new_ie()
    registry.put(owner, ie=ie, situation="active")
    reply = issuer.send(issuer.nfe(dest_doc=new_cnpj(), dest_ie=ie))
    assert prot_of(reply) == ("234", None)
    assert reply.result.findtext(f"{N}protNFe/{N}infProt/{N}xMotivo") == "Rejeição: IE do destinatário não vinculada ao CNPJ"
    assert prot_of(issuer.send(issuer.nfe(dest_doc=owner, dest_ie=ie)))[0] == "100"


def test_624_recipient_ie_of_another_cpf(issuer, registry):
    """5E17-30: a person (CPF) informs an IE the registry knows as another taxpayer's - 624."""
    owner, ie = new_cnpj(), new_ie()
    registry.put(owner, ie=ie, situation="active")
    reply = issuer.send(issuer.nfe(dest_doc="52998224725", dest_ie=ie))
    assert prot_of(reply) == ("624", None)
    assert reply.result.findtext(f"{N}protNFe/{N}infProt/{N}xMotivo") == "Rejeição: IE Destinatário não vinculada ao CPF"


def test_232_not_for_a_recipient_without_active_ie(issuer, registry):
    """5E17-50 asks for an active IE: a recipient whose only registration is closed is not rejected by it."""
    dest = new_cnpj()
    registry.put(dest, ie=new_ie(), situation="closed", situation_since=registry.ago(400))
    assert prot_of(issuer.send(issuer.nfe(dest_doc=dest)))[0] != "232"


def test_303_recipient_not_enabled(issuer, registry):
    dest, ie = new_cnpj(), new_ie()
    registry.put(dest, ie=ie, situation="not_enabled")
    assert prot_of(issuer.send(issuer.nfe(dest_doc=dest, dest_ie=ie)))[0] == "303"


def test_issuer_denial_comes_before_recipient_denial(issuer, registry):
    dest = new_cnpj()
    registry.put(dest, ie=new_ie(), situation="cancelled", situation_since=registry.ago(5))
    issuer.register(registry, situation="cancelled", situation_since=registry.ago(5))
    assert prot_of(issuer.send(issuer.nfe(dest_doc=dest)))[0] == "301"


def test_rejection_wins_over_denial(issuer, registry):
    """A denial is decided only when everything else passed: a broken total is rejected (610), not denied."""
    issuer.register(registry, situation="cancelled", situation_since=registry.ago(5))
    nfe = issuer.nfe(sign=False)
    vnf = nfe.find("{http://www.portalfiscal.inf.br/nfe}infNFe/{http://www.portalfiscal.inf.br/nfe}total/"
                   "{http://www.portalfiscal.inf.br/nfe}ICMSTot/{http://www.portalfiscal.inf.br/nfe}vNF")
    vnf.text = "0.01"
    assert prot_of(issuer.send(issuer.signer.sign_nfe(nfe)))[0] == "610"


def test_recipient_of_another_uf_is_not_judged(issuer, registry):
    """dest/enderDest/UF other than this UF: the national CCC is not modelled, so no 302."""
    dest = new_cnpj()
    registry.put(dest, ie=new_ie(), situation="cancelled", situation_since=registry.ago(5))
    nfe = issuer.nfe(dest_doc=dest, sign=False)
    uf = nfe.find("{http://www.portalfiscal.inf.br/nfe}infNFe/{http://www.portalfiscal.inf.br/nfe}dest/"
                  "{http://www.portalfiscal.inf.br/nfe}enderDest/{http://www.portalfiscal.inf.br/nfe}UF")
    uf.text = "RJ"
    cmun = uf.getparent().find("{http://www.portalfiscal.inf.br/nfe}cMun")
    cmun.text = "3304557"
    uf.getparent().find("{http://www.portalfiscal.inf.br/nfe}xMun").text = "RIO DE JANEIRO"
    assert prot_of(issuer.send(issuer.signer.sign_nfe(nfe)))[0] == "100"


# --- A real authorizer's behaviour: unknown issuers and recipient IEs rejected ------------------------------------

def test_strict_server_230_231_233(pki, strict):
    soap = SoapClient(strict.url)
    reg = Registry(strict)
    try:
        issuer = Issuer(pki, strict, soap)
        nfe = issuer.nfe()
        assert prot_of(issuer.send(copy.deepcopy(nfe))) == ("230", None)
        r = reg.http.get(f"/admin/taxpayers/{issuer.cnpj}", params={"ie": issuer.ie})
        assert r.status_code == 404  # a strict server learns nothing
        issuer.register(reg)
        assert prot_of(issuer.send(nfe))[0] == "100"  # same document, number was free
        # 231 in strict mode: the IE is registered to another CNPJ
        ie = new_ie()
        reg.put(new_cnpj(), ie=ie)
        assert prot_of(issuer.send(issuer.nfe(emit_ie=ie)))[0] == "231"
        # 233: recipient of this UF declared as ICMS taxpayer with an IE the registry does not know
        assert prot_of(issuer.send(issuer.nfe(dest_ie=new_ie())))[0] == "233"
        known_dest, known_ie = new_cnpj(), new_ie()
        reg.put(known_dest, ie=known_ie)
        assert prot_of(issuer.send(issuer.nfe(dest_doc=known_dest, dest_ie=known_ie)))[0] == "100"
    finally:
        soap.close()
        reg.close()


def test_registry_rejection_in_all_dialects(pki, srv, registry):
    """203 answered the same over SOAP 1.1/1.2, plain and zipped."""
    for version, zipped in ((11, False), (12, False), (11, True), (12, True)):
        client = SoapClient(srv.url, version=version, zipped=zipped)
        try:
            issuer = Issuer(pki, srv, client)
            issuer.register(registry, nfe={"accreditation": "none"})
            assert prot_of(issuer.send(issuer.nfe()))[0] == "203"
        finally:
            client.close()


# --- A rejection stores nothing: not even what the registry rules learned (issue 12) -----------------------------

@pytest.fixture(scope="module")
def learning_strict_recipient(pki, tmp_path_factory):
    """Unknown issuers are learned, unknown recipient IEs rejected (233, a rule after the learning one)."""
    s = start_server(pki, tmp_path_factory.mktemp("registry-learn"), unknown_recipient_ie="reject")
    yield s
    s.stop()


def test_rejected_nfe_teaches_the_registry_nothing(pki, learning_strict_recipient):
    srv = learning_strict_recipient
    c = SoapClient(srv.url)
    reg = Registry(srv)
    try:
        issuer = Issuer(pki, srv, c)
        reply = issuer.send(issuer.nfe(dest_ie=new_ie()))
        inf = reply.result.find(f"{N}protNFe/{N}infProt")
        assert (inf.findtext(N + "cStat"), inf.findtext(N + "xMotivo")) == ("233", motivo(233)), reply.body
        r = reg.http.get(f"/admin/taxpayers/{issuer.cnpj}", params={"ie": issuer.ie})
        assert r.status_code == 404, r.text  # rejected by a later rule: the issuer was not registered
        assert prot_of(issuer.send(issuer.nfe()))[0] == "100"
        r = reg.http.get(f"/admin/taxpayers/{issuer.cnpj}", params={"ie": issuer.ie})
        assert r.status_code == 200 and r.json()["source"] == "auto"  # authorized: learned in the same commit
    finally:
        reg.close()
        c.close()


# --- NT 2024.001: from 16/09/2024 model 55 is rejected, not denied ------------------------------------------------

@pytest.fixture(scope="module")
def current(pki, tmp_path_factory):
    s = start_server(pki, tmp_path_factory.mktemp("registry-nt2024-001"))
    yield s
    s.stop()


@pytest.fixture
def now_issuer(pki, current):
    c = SoapClient(current.url)
    yield Issuer(pki, current, c), Registry(current), c
    c.close()


def _reply(issuer, nfe):
    inf = issuer.send(nfe).result.find("{http://www.portalfiscal.inf.br/nfe}protNFe/"
                                       "{http://www.portalfiscal.inf.br/nfe}infProt")
    return tuple(inf.findtext("{http://www.portalfiscal.inf.br/nfe}" + t) for t in ("cStat", "xMotivo", "nProt"))


def test_nt2024_001_irregular_issuer_gets_781_and_keeps_its_number(now_issuer):
    issuer, registry, soap = now_issuer
    issuer.register(registry, situation="closed", situation_since=registry.ago(10), closed_on=registry.ago(10))
    nfe = issuer.nfe(nNF=515151, serie=9)
    assert _reply(issuer, copy.deepcopy(nfe)) == (
        "781", "Rejeição: Emissor não habilitado para emissão da NF-e/NFC-e", None)
    assert soap.call(cons_sit_nfe(2, key_of(nfe))).cStat == "217"  # nothing stored
    issuer.register(registry, situation="active")
    assert _reply(issuer, copy.deepcopy(nfe))[0] == "100"  # the same number, once regular


def test_nt2024_001_recipient_302_303_are_rejections(now_issuer):
    issuer, registry, soap = now_issuer
    dest, ie = new_cnpj(), new_ie()
    registry.put(dest, ie=ie, situation="cancelled", situation_since=registry.ago(5))
    nfe = issuer.nfe(dest_doc=dest)
    assert _reply(issuer, nfe) == ("302", "Rejeição: Irregularidade fiscal do destinatário", None)
    assert soap.call(cons_sit_nfe(2, key_of(nfe))).cStat == "217"
    dest2, ie2 = new_cnpj(), new_ie()
    registry.put(dest2, ie=ie2, situation="not_enabled")
    assert _reply(issuer, issuer.nfe(dest_doc=dest2, dest_ie=ie2)) == (
        "303", "Rejeição: Destinatário não habilitado a operar na UF", None)


def test_nt2024_001_keeps_the_nfce_denial(now_issuer):
    """The NT speaks of the NF-e: an NFC-e of an irregular issuer is still denied (reference §11.12)."""
    issuer, registry, _ = now_issuer
    issuer.register(registry, situation="paused", situation_since=registry.ago(2))
    status, text, nProt = _reply(issuer, issuer.nfe(mod=65))
    assert (status, text) == ("301", "Uso Denegado: Irregularidade fiscal do emitente") and nProt
