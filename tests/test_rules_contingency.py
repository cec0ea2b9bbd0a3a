"""Group B22/B28 (rules/contingency.py) called with no server: a note of the contingency authorizers' emission types
sent to the UF's normal authorizer (570), the reason for contingency (556/557, UF options 558/569), the offline NF-e
(711) and the NFC-e's contingency types (UF option 714)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from fake_sefaz.domain import codes
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.emitter.factory import NFeFactory
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.contingency import CONTINGENCY_RULES, b22_30_contingency_type_at_normal_authorizer
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.server.settings import Settings

NOW = datetime(2026, 12, 3, 12, tzinfo=timezone.utc)


def _ctx(tpEmis: int, path: str = "/ws/NFeAutorizacao4", mod: int = 55, edit=None, svc: str | None = None,
         **settings) -> NFeContext:
    nfe = NFeFactory(seed=3).build(dhEmi=NOW, tpEmis=tpEmis, mod=mod)
    if edit is not None:
        edit(nfe.find(NS + "infNFe/" + NS + "ide"))
    return NFeContext(NFeView(nfe), NOW, 35, 2, Settings().replace(**settings) if settings else Settings(), None,
                      path=path, svc=svc)


NS = "{http://www.portalfiscal.inf.br/nfe}"


def _set(tag: str, text: str | None):
    def edit(ide):
        el = ide.find(NS + tag)
        if el is None:
            el = etree.SubElement(ide, NS + tag)
        if text is None:
            ide.remove(el)
        else:
            el.text = text
    return edit


def _code(ctx) -> tuple[int, str] | None:
    rej = first_failure(CONTINGENCY_RULES, ctx)
    return None if rej is None else (rej.cstat, codes.motivo(rej.cstat))


@pytest.mark.parametrize("tpEmis", [3, 6, 7])
def test_570_contingency_types_at_the_normal_authorizer(tpEmis):
    rej = first_failure(CONTINGENCY_RULES, _ctx(tpEmis))
    assert (rej.cstat, codes.motivo(rej.cstat)) == (
        570, "Rejeição: Tipo de Emissão 3, 6 ou 7 só é válido nas contingências SCAN/SVC")
    with pytest.raises(codes.Rejection):
        b22_30_contingency_type_at_normal_authorizer(_ctx(tpEmis, mod=65))


@pytest.mark.parametrize("tpEmis, path, svc", [(1, "/ws/NFeAutorizacao4", None), (2, "/ws/x", None),
                                               (4, "/ws/x", None), (5, "/ws/x", None), (6, "/x", "SVC-AN"),
                                               (7, "/x", "SVC-RS"), (3, "/scan/x", None)])
def test_other_types_or_the_contingency_authorizer(tpEmis, path, svc):
    assert first_failure(CONTINGENCY_RULES, _ctx(tpEmis, path, svc=svc)) is None
    if svc is None:
        assert first_failure(CONTINGENCY_RULES, _ctx(9, path, mod=65)) is None  # the NFC-e's offline contingency


@pytest.mark.parametrize("tpEmis, mod, svc, cstat", [(1, 55, "SVC-AN", 713), (7, 55, "SVC-AN", 713),
                                                     (6, 55, "SVC-RS", 713), (6, 65, "SVC-AN", 783),
                                                     (1, 65, "SVC-RS", 783)])
def test_the_svc_takes_its_own_type_and_no_nfce(tpEmis, mod, svc, cstat):
    assert _code(_ctx(tpEmis, mod=mod, svc=svc))[0] == cstat


def test_556_557_the_reason_for_contingency():
    assert _code(_ctx(1, edit=_set("xJust", "Falha de comunicacao com a SEFAZ"))) == (
        556, "Rejeição: Justificativa de entrada em contingência não deve ser informada para tipo de emissão normal")
    assert _code(_ctx(5, edit=_set("xJust", None))) == (
        557, "Rejeição: A Justificativa de entrada em contingência deve ser informada")
    assert _code(_ctx(2, edit=_set("dhCont", None))) == _code(_ctx(5, edit=_set("xJust", None)))


def test_558_569_are_uf_options():
    late = _set("dhCont", "2026-12-03T09:10:00-03:00")  # 10 minutes after the receipt (NOW is 09:00 in SP)
    old = _set("dhCont", "2026-10-01T09:00:00-03:00")  # 63 days before dhEmi
    assert _code(_ctx(5, edit=late)) is None and _code(_ctx(5, edit=old)) is None
    assert _code(_ctx(5, edit=late, uf_optional_rules=("B28-30",))) == (
        558, "Rejeição: Data de entrada em contingência posterior a data de recebimento")
    assert _code(_ctx(5, edit=old, uf_optional_rules=("B28-40",))) == (
        569, "Rejeição: Data de entrada em contingência muito atrasada")


def test_711_offline_nfe_and_714_nfce_contingency():
    assert _code(_ctx(9)) == (711, "Rejeição: NF-e com contingência off-line")
    assert _code(_ctx(9, edit=_set("tpImp", "6"))) is None  # DANFE Simplificado Tipo 2 (NT 2026.002)
    assert _code(_ctx(5, mod=65)) is None
    assert _code(_ctx(5, mod=65, uf_optional_rules=("B22-34",))) == (
        714, "Rejeição: NFC-e com contingência inválida (tpEmis=2, 4 (a critério da UF) ou 5)")
