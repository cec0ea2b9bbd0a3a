"""CFOP, destination and purpose rules (rules/cfop.py; content-rules.md §3.1, §3.4), called with a rule context built
from a factory note: no server, no database. The note is an internal sale in SP (tpNF=1, idDest=1, CFOP 5102) to a
recipient in SP."""

from __future__ import annotations

import pytest

from support.content import check_case, note, outcome
from fake_sefaz.rules import cfop as r

IDE = "infNFe/ide/"
CFOP = "infNFe/det/prod/CFOP"
NFREF = [{"path": IDE + "verProc",
          "insert_xml": "<NFref><refNFe>35261211222333000181550010000000011000000010</refNFe></NFref>"}]
TO_RJ = [{"path": "infNFe/dest/enderDest/cMun", "text": "3304557"}, {"path": "infNFe/dest/enderDest/UF", "text": "RJ"}]


def _set(path, text):
    return [{"path": path, "text": text}]


RETURN = _set(IDE + "finNFe", "4") + NFREF

# (rule, build, edits, cStat, xMotivo): the build passes the rule, the edited build gets the code and text.
CASES = [
    (r.b25_70_return_needs_reference, {}, _set(IDE + "finNFe", "4"), 321,
     "Rejeição: NF-e de devolução de mercadoria não possui documento fiscal referenciado"),
    (r.e12_30_interstate_needs_two_ufs, {}, _set(IDE + "idDest", "2"), 772,
     "Rejeição: Operação Interestadual e UF de destino igual à UF de origem"),
    (r.e12_40_internal_needs_one_uf, {"indFinal": 0}, TO_RJ, 773,
     "Rejeição: Operação Interna e UF de destino difere da UF de origem"),
    (r.i08_04_cfop_exists, {}, _set(CFOP, "5999"), 770, "Rejeição: CFOP Inexistente [nItem:1]"),
    (r.i08_10_exit_note_entry_cfop, {"settings": ["I08-10"]}, _set(CFOP, "1102"), 518,
     "Rejeição: CFOP de entrada para NF-e de saída"),
    (r.i08_20_entry_note_exit_cfop, {"settings": ["I08-20"]}, _set(IDE + "tpNF", "0"), 519,
     "Rejeição: CFOP de saída para NF-e de entrada"),
    (r.i08_30_abroad_cfop_needs_iddest_3, {}, _set(CFOP, "7102"), 731,
     "Rejeição: CFOP de operação com Exterior e idDest <> 3"),
    (r.i08_40_interstate_cfop_needs_iddest_2, {}, _set(CFOP, "6102"), 732,
     "Rejeição: CFOP de operação interestadual e idDest <> 2"),
    (r.i08_50_internal_cfop_needs_iddest_1, {}, _set(IDE + "idDest", "2"), 733,
     "Rejeição: CFOP de operação interna e idDest <> 1"),
    (r.i08_60_abroad_cfop_needs_uf_ex, {"tax": "import", "settings": ["I08-60"]},
     [{"path": "infNFe/dest/enderDest/UF", "text": "SP"}], 520,
     'Rejeição: CFOP de Operação com Exterior e UF destinatário difere de "EX"'),
    (r.i08_140_return_needs_return_cfop, {}, RETURN, 327,
     "Rejeição: CFOP inválido para Nota Fiscal com finalidade de devolução de mercadoria [nItem:1]"),
    (r.i08_144_return_cfop_needs_return_purpose, {}, _set(CFOP, "5202"), 328,
     "Rejeição: CFOP de devolução de mercadoria para NF-e que não tem finalidade de devolução de mercadoria "
     "[nItem:1]"),
]


@pytest.mark.parametrize("rule, build, edits, cstat, text", CASES, ids=[f"{c[3]}-{c[0].rule_id}" for c in CASES])
def test_rule(rule, build, edits, cstat, text):
    check_case(rule, build, edits, cstat, text)


def test_every_cfop_rule_has_a_case():
    assert {c[0] for c in CASES} == set(r.CFOP_RULES)


def test_factory_profiles_pass_every_cfop_rule():
    """Every tax profile of the factory (internal, ST, IPI, DIFAL interstate, import, services) passes."""
    from fake_sefaz.emitter.factory import TAX_PROFILES

    for tax in TAX_PROFILES:
        nfe = note(tax=tax, n_items=3)
        assert [c[0].rule_id for c in CASES if outcome(c[0], nfe) is not None] == [], tax


def test_return_exceptions():
    """B25-70: the returns of CFOP 1201/1202/1410/1411/5921/6921 need no reference; I08-140: a return CFOP passes,
    and 1949 to a non-contributor passes too."""
    assert outcome(r.b25_70_return_needs_reference, note(edits=_set(IDE + "finNFe", "4") + _set(CFOP, "5921"))) is None
    assert outcome(r.i08_140_return_needs_return_cfop, note(edits=RETURN + _set(CFOP, "5202"))) is None
    entry = RETURN + _set(IDE + "tpNF", "0") + _set(CFOP, "1949")
    assert outcome(r.i08_140_return_needs_return_cfop, note(edits=entry)) is None


def test_interstate_with_delivery_in_another_uf():
    """E12-30 / E12-50: a recipient in the issuer's UF whose goods are delivered in RJ makes a true interstate sale."""
    delivery = [{"path": "infNFe/dest", "insert_xml": "<entrega><CNPJ>91528947000125</CNPJ><xLgr>RUA A</xLgr>"
                 "<nro>1</nro><xBairro>CENTRO</xBairro><cMun>3304557</cMun><xMun>RIO DE JANEIRO</xMun><UF>RJ</UF>"
                 "</entrega>"}]
    assert outcome(r.e12_30_interstate_needs_two_ufs, note(edits=_set(IDE + "idDest", "2") + delivery)) is None


def test_internal_sale_to_final_consumer_of_another_uf():
    """E12-40 spares a final consumer (indFinal=1) present elsewhere: an internal sale to a tourist."""
    assert outcome(r.e12_40_internal_needs_one_uf, note(edits=TO_RJ)) is None
