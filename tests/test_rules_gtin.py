"""GTIN rules (rules/gtin.py; content-rules.md §4.1), called with a rule context built from a factory note: no server,
no database. The factory's items carry "SEM GTIN"; 7891000000014 is a valid Brazilian GTIN-13, 2000000000015 one of
restricted circulation (GS1 prefix 200-299)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from support.content import note, outcome
from fake_sefaz.rules import gtin as r

EAN, TRIB = "infNFe/det/prod/cEAN", "infNFe/det/prod/cEANTrib"
GOOD, BAD_DV, RESTRICTED = "7891000000014", "7891000000015", "2000000000015"


def _set(path, text):
    return [{"path": path, "text": text}]


# (rule, build, edits, cStat, xMotivo): the build passes the rule, the edited build gets the code and text.
CASES = [
    (r.i03_10_gtin_check_digit, {}, _set(EAN, BAD_DV), 611, "Rejeição: GTIN (cEAN) inválido [nItem:1]"),
    (r.i03_20_gtin_prefix, {}, _set(EAN, RESTRICTED), 882, "Rejeição: GTIN (cEAN) com prefixo inválido [nItem:1]"),
    (r.i03_30_gtin_empty, {}, _set(EAN, ""), 883, "Rejeição: GTIN (cEAN) sem informação [nItem:1]"),
    (r.i12_10_trib_gtin_check_digit, {}, _set(TRIB, BAD_DV), 612,
     "Rejeição: GTIN da unidade tributável (cEANTrib) inválido [nItem:1]"),
    (r.i12_20_trib_gtin_prefix, {}, _set(TRIB, RESTRICTED), 884,
     "Rejeição: GTIN da unidade tributável (cEANTrib) com prefixo inválido [nItem:1]"),
    (r.i12_30_gtin_without_trib_gtin, {}, _set(EAN, GOOD), 885,
     "Rejeição: GTIN informado, mas não informado o GTIN da unidade tributável [nItem:1]"),
    (r.i12_40_trib_gtin_without_gtin, {}, _set(TRIB, GOOD), 886,
     "Rejeição: GTIN da unidade tributável informado, mas não informado o GTIN [nItem:1]"),
    (r.i12_60_trib_gtin_empty, {}, _set(TRIB, ""), 888,
     "Rejeição: GTIN da unidade tributável (cEANTrib) sem informação [nItem:1]"),
    (r.u01_30_service_without_gtin, {"tax": "services", "n_items": 2},
     _set("infNFe/det[2]/prod/cEAN", GOOD) + _set("infNFe/det[2]/prod/cEANTrib", GOOD), 887,
     "Rejeição: Item de Serviço e informado GTIN diferente de SEM GTIN [nItem:2]"),
]


@pytest.mark.parametrize("rule, build, edits, cstat, text", CASES, ids=[f"{c[3]}-{c[0].rule_id}" for c in CASES])
def test_rule(rule, build, edits, cstat, text):
    assert outcome(rule, note(**build)) is None
    assert outcome(rule, note(edits=edits, **build)) == (cstat, text)


def test_every_gtin_rule_has_a_case():
    assert {c[0] for c in CASES} == set(r.GTIN_RULES)


@pytest.mark.parametrize("gtin, ok", [("7891000000014", True), ("7891000000015", False), ("96385074", True),
                                      ("036000291452", True), ("17891000000011", True), ("17891000000012", False)])
def test_check_digit(gtin, ok):
    """GS1 mod-10 for GTIN-8, GTIN-12, GTIN-13 and GTIN-14."""
    assert r.check_digit_ok(gtin) is ok


@pytest.mark.parametrize("gtin, ok", [("7891000000014", True), ("2000000000015", False), ("17891000000011", True),
                                      ("07891000000014", False), ("0360002914526", True)])
def test_prefix(gtin, ok):
    """The portal's prefix table: 789 Brazil, 200-299 restricted circulation, a GTIN-14 judged by digits 2-4 and
    refused with indicator 0; 036 is a US prefix (000-019 and 030-039)."""
    assert r.prefix_ok(gtin) is ok


def test_empty_gtin_before_nt2103_was_accepted():
    """883 entered into force in homologação on 04/07/2022 (NT 2021.003 etapa 1): a note judged before then passes."""
    early = datetime(2022, 7, 1, 12, tzinfo=timezone.utc)
    nfe = note(edits=_set(EAN, ""), dhEmi=datetime(2022, 7, 1, 8))
    assert outcome(r.i03_30_gtin_empty, nfe, now=early) is None
    assert outcome(r.i03_30_gtin_empty, nfe) == (883, "Rejeição: GTIN (cEAN) sem informação [nItem:1]")


def test_mei_may_leave_gtin_empty():
    """NT 2024.001: a MEI (CRT=4) is spared 883 and 888."""
    mei = _set("infNFe/emit/CRT", "4") + _set(EAN, "") + _set(TRIB, "")
    assert outcome(r.i03_30_gtin_empty, note(edits=mei)) is None
    assert outcome(r.i12_60_trib_gtin_empty, note(edits=mei)) is None
