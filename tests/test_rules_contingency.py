"""B22-30 (570, rules/contingency.py) called with no server: a note of the contingency authorizers' emission types
sent to the UF's normal authorizer."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fake_sefaz.domain import codes
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.emitter.factory import NFeFactory
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.contingency import CONTINGENCY_RULES, b22_30_contingency_type_at_normal_authorizer
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.server.settings import Settings

NOW = datetime(2026, 12, 3, 12, tzinfo=timezone.utc)


def _ctx(tpEmis: int, path: str = "/ws/NFeAutorizacao4", mod: int = 55) -> NFeContext:
    nfe = NFeFactory(seed=3).build(dhEmi=NOW, tpEmis=tpEmis, mod=mod)
    return NFeContext(NFeView(nfe), NOW, 35, 2, Settings(), None, path=path)


@pytest.mark.parametrize("tpEmis", [3, 6, 7])
def test_570_contingency_types_at_the_normal_authorizer(tpEmis):
    rej = first_failure(CONTINGENCY_RULES, _ctx(tpEmis))
    assert (rej.cstat, codes.motivo(rej.cstat)) == (
        570, "Rejeição: Tipo de Emissão 3, 6 ou 7 só é válido nas contingências SCAN/SVC")
    with pytest.raises(codes.Rejection):
        b22_30_contingency_type_at_normal_authorizer(_ctx(tpEmis, mod=65))


@pytest.mark.parametrize("tpEmis, path", [(1, "/ws/NFeAutorizacao4"), (2, "/ws/x"), (4, "/ws/x"), (5, "/ws/x"),
                                          (9, "/ws/x"), (6, "/svc-an/NFeAutorizacao4"), (7, "/SVC-RS/x"),
                                          (3, "/scan/x")])
def test_other_types_or_the_contingency_authorizer(tpEmis, path):
    assert first_failure(CONTINGENCY_RULES, _ctx(tpEmis, path)) is None
