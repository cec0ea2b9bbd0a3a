"""IBS / CBS / IS rules of NT 2025.002-RTC (rules/ibscbs.py) called with no server and no database: a factory NF-e with
the groups of emitter/ibscbs.py, broken one field at a time (tests/support/ibscbs_cases.py, the same notes scenarios/ibscbs.yaml
sends), judged by the rule group; the exact cStat and xMotivo are asserted, and the rule that answers is the one the
case names."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from support.ibscbs_cases import CASES, VALID, Case

from fake_sefaz.domain import codes, tables
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.domain.ufs import BRASILIA
from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.emitter.ibscbs import add_ibscbs
from fake_sefaz.rules import first_failure
from fake_sefaz.rules import ibscbs as R
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.server.settings import Settings
from fake_sefaz.tools.conformance.runner import apply_edits


def _note(case: Case | None = None, *, ibscbs: dict | None = None, edit=(), build: dict | None = None,
          template: str = "nfe", days: int = 0, delivery: int | None = None, tpAmb: int = 2):
    now = datetime.now(timezone.utc) + timedelta(days=days)
    f = NFeFactory(seed=17, uf="SP", tpAmb=tpAmb)
    kwargs = dict(build or {})
    kwargs["dhEmi"] = now.astimezone(BRASILIA)
    nfe = f.build_nfce(**kwargs) if template == "nfce" else f.build(**kwargs)
    if delivery is not None:
        day = (now.astimezone(BRASILIA) + timedelta(days=delivery)).date().isoformat()
        apply_edits(nfe, [{"path": "infNFe/ide/dhEmi", "insert_after": "dPrevEntrega", "text": day}])
    if ibscbs is not None:
        add_ibscbs(nfe, **ibscbs)
    apply_edits(nfe, list(edit))
    return nfe, NFeContext(NFeView(nfe), now, 35, tpAmb, Settings(), None)


def _case_note(case: Case):
    return _note(ibscbs=case.ibscbs, edit=case.edit, build=case.build, template=case.template, days=case.days,
                 delivery=case.delivery)


def _rule_of(case: Case):
    found = [r for r in (*R._ALWAYS, *R._WHEN_FILLED) if r.rule_id == case.rule]
    assert len(found) == 1, case.rule
    return found[0]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.code}-{c.rule}")
def test_rule_answers_its_code(case: Case):
    nfe, ctx = _case_note(case)
    rej = first_failure(R.IBSCBS_RULES, ctx)
    assert rej is not None, f"{case.rule}: the note passed"
    suffix = "[nItem: 1]" if case.item else ""
    assert (rej.cstat, codes.motivo(rej.cstat, rej.suffix)) == (case.code, codes.motivo(case.code, suffix))
    # the rule the case names is the one that answers, called on its own
    with pytest.raises(codes.Rejection) as raised:
        _rule_of(case)(ctx)
    assert raised.value.cstat == case.code


def test_every_rtc_rule_has_a_case():
    rules = {r.rule_id for r in (*R._ALWAYS, *R._WHEN_FILLED)}
    assert rules == {c.rule for c in CASES}
    assert len({c.code for c in CASES}) == len(CASES)


@pytest.mark.parametrize("ibscbs, edit, build", VALID, ids=lambda v: str(v)[:40])
def test_valid_notes_pass_every_rule_and_the_schema(ibscbs, edit, build, signer, envi_schema):
    nfe, ctx = _note(ibscbs=ibscbs, edit=edit, build=build)
    assert first_failure(R.IBSCBS_RULES, ctx) is None
    signed = signer.sign_nfe(nfe)
    assert envi_schema.validate(wrap_lot([signed], 1)), envi_schema.error_log


def test_2026_values_of_the_reference_examples():
    """content-rules.md §7.2: vBC 1000,00, CST 000 -> vIBSUF 1,00 and vCBS 9,00; CST 200 / 200047 -> pAliqEfet
    0.0600 / 0.5400, vIBSUF 0,60, vCBS 5,40."""
    nfe, _ = _note(ibscbs=None, build={"n_items": 1}, edit=[
        {"path": "infNFe/det/prod/qCom", "text": "1.0000"}, {"path": "infNFe/det/prod/vUnCom", "text": "1000.00"},
        {"path": "infNFe/det/prod/vProd", "text": "1000.00"}])
    import copy

    a, b = copy.deepcopy(nfe), copy.deepcopy(nfe)
    add_ibscbs(a)
    add_ibscbs(b, cst="200", cClassTrib="200047")
    va, vb = NFeView(a).ibscbs.items[0].ibscbs, NFeView(b).ibscbs.items[0].ibscbs
    assert (va.text("gIBSCBS/gIBSUF/vIBSUF"), va.text("gIBSCBS/gCBS/vCBS"), va.text("gIBSCBS/vIBS")) == \
        ("1.00", "9.00", "1.00")
    assert (vb.text("gIBSCBS/gIBSUF/gRed/pAliqEfet"), vb.text("gIBSCBS/gCBS/gRed/pAliqEfet"),
            vb.text("gIBSCBS/gIBSUF/vIBSUF"), vb.text("gIBSCBS/gCBS/vCBS")) == ("0.0600", "0.5400", "0.60", "5.40")


def test_rules_wait_for_their_dates():
    """The second wave (v1.30) applies in produção from 02/02/2026: a débito note that is an entry (1162) received
    in produção on 01/02/2026 is not judged by B25-120, in homologação (since 24/11/2025) it is."""
    case = next(c for c in CASES if c.code == 1162)
    _, ctx = _note(ibscbs=case.ibscbs, edit=case.edit, build=case.build, tpAmb=1)
    ctx.now = datetime(2026, 2, 1, 12, tzinfo=timezone.utc)
    ctx.acting_tpAmb = 1
    assert first_failure(R.IBSCBS_RULES, ctx) is None or first_failure(R.IBSCBS_RULES, ctx).cstat != 1162
    ctx.acting_tpAmb = 2
    assert first_failure(R.IBSCBS_RULES, ctx).cstat == 1162


def test_a_note_without_rtc_fields_is_not_judged():
    """RTC "Histórico": the rules run only when IBS/CBS/IS fields are filled (UB12-10, 1115, is future)."""
    _, ctx = _note(ibscbs=None)
    assert not ctx.doc.ibscbs.filled
    assert first_failure(R.IBSCBS_RULES, ctx) is None


def test_tables_load_once_with_the_sheet_values():
    assert tables.cclasstrib() is tables.cclasstrib()
    assert tables.ibscbs_cst()["515"].ind_gRed and tables.ibscbs_cst()["515"].ind_gDif
    assert tables.cclasstrib()["200047"].pRedCBS == 40
    assert tables.cclasstrib()["550001"].ind_gTribRegular
    assert tables.ccredpres()["04"].ind_DeduzCredPres
    assert tables.cclasstrib()["000001"].dIniVig == date(2026, 1, 1)
