"""Totals rules (rules/totals.py; content-rules.md §1.3-1.4), called with a rule context built from a factory note:
no server, no database. Totals are compared exactly: one cent off is a rejection."""

from __future__ import annotations

import pytest

from support.content import note, outcome
from fake_sefaz.rules import totals as t
from fake_sefaz.server.settings import Settings

T = "infNFe/total/ICMSTot/"
S = "infNFe/total/ISSQNtot/"
PROD = "infNFe/det/prod/"
SERVICES = {"tax": "services", "n_items": 2}


def _set(path, text):
    return [{"path": path, "text": text}]


def _insert(after, tag, text):
    return [{"path": after, "insert_after": tag, "text": text}]


# (rule, build, edits, settings, cStat, xMotivo). The build passes the rule; with the edits (or the settings)
# the rule answers the code. Amounts: one item, quantity 1, price 100.00 (vBC 100.00, vICMS 18.00, PIS 1.65,
# COFINS 7.60); the ST profile adds vBCST 140.00 and vST 7.20; DIFAL adds vFCPUFDest 2.00 and vICMSUFDest 13.50.
CASES = [
    (t.w03_10_icms_base, {}, _set(T + "vBC", "100.01"), None, 531, "Rejeição: Total da BC ICMS difere do somatório dos itens"),
    (t.w03_20_icms_base_limit, {}, [], {"limit_total_vbc": "99.99"}, 935,
     "Rejeição: Valor total da Base de Cálculo superior ao valor limite estabelecido [Valor Limite: R$ 99,99] "
     "(valor definido pela UF) [NT 2019.001]"),
    (t.w04_10_icms, {}, _set(T + "vICMS", "17.99"), None, 532, "Rejeição: Total do ICMS difere do somatório dos itens"),
    (t.w04_20_icms_limit, {}, [], {"limit_total_vicms": "17.99"}, 417,
     "Rejeição: Total do ICMS superior ao valor limite estabelecido"),
    (t.w04a_10_relieved_icms, {}, _set(T + "vICMSDeson", "0.01"), None, 795,
     "Rejeição: Total do ICMS desonerado difere do somatório dos itens"),
    (t.w04b_10_fcp, {}, _set(T + "vFCP", "0.01"), None, 861, "Rejeição: Total do FCP difere do somatório dos itens"),
    (t.w04c_10_destination_fcp, {"tax": "difal"}, _set(T + "vFCPUFDest", "2.01"), None, 798,
     "Rejeição: Valor total do ICMS relativo Fundo de Combate à Pobreza (FCP) da UF de destino difere do somatório "
     "do valor dos itens"),
    (t.w04e_10_destination_icms, {"tax": "difal"}, _set(T + "vICMSUFDest", "13.51"), None, 799,
     "Rejeição: Valor total do ICMS Interestadual da UF de destino difere do somatório dos itens"),
    (t.w04g_10_issuer_uf_icms, {"tax": "difal"}, _set(T + "vICMSUFRemet", "0.01"), None, 800,
     "Rejeição: Valor total do ICMS Interestadual da UF do remetente difere do somatório dos itens"),
    (t.w05_10_st_base, {"tax": "st"}, _set(T + "vBCST", "139.99"), None, 533,
     "Rejeição: Total da BC ICMS-ST difere do somatório dos itens"),
    (t.w06_10_st, {"tax": "st"}, _set(T + "vST", "7.21"), None, 534, "Rejeição: Total do ICMS-ST difere do somatório dos itens"),
    (t.w06_20_st_limit, {"tax": "st"}, [], {"limit_total_vst": "7.19"}, 418,
     "Rejeição: Total do ICMS ST superior ao valor limite estabelecido"),
    (t.w06a_10_fcp_st, {}, _set(T + "vFCPST", "0.01"), None, 862, "Rejeição: Total do FCP ST difere do somatório dos itens"),
    (t.w06b_10_fcp_st_retained, {}, _set(T + "vFCPSTRet", "0.01"), None, 859,
     "Rejeição: Total do FCP retido anteriormente por Substituição Tributária difere do somatório dos itens"),
    (t.w06c_10_monophase_icms, {}, _insert(T + "vFCPSTRet", "vICMSMono", "0.01"), None, 967,
     "Rejeição: Total do ICMS monofásico próprio difere do somatório dos itens."),
    (t.w06c1_10_monophase_withheld_quantity, {}, _insert(T + "vFCPSTRet", "qBCMonoReten", "0.01"), None, 723,
     "Rejeição: Total da quantidade tributada do ICMS monofásico sujeito a retenção difere do somatório dos itens."),
    (t.w06d_10_monophase_withheld_icms, {}, _insert(T + "vFCPSTRet", "vICMSMonoReten", "0.01"), None, 968,
     "Rejeição: Total do ICMS monofásico sujeito a retenção difere do somatório dos itens."),
    (t.w06d1_10_monophase_previously_withheld_quantity, {}, _insert(T + "vFCPSTRet", "qBCMonoRet", "0.01"), None, 744,
     "Rejeição: Total da quantidade tributada do ICMS monofásico retido anteriormente difere do somatório dos itens."),
    (t.w06e_10_monophase_previously_withheld_icms, {}, _insert(T + "vFCPSTRet", "vICMSMonoRet", "0.01"), None, 969,
     "Rejeição: Total do ICMS monofásico retido anteriormente difere do somatório dos itens."),
    (t.w07_10_products, {}, _set(T + "vProd", "100.01"), None, 564,
     "Rejeição: Total do Produto / Serviço difere do somatório dos itens"),
    (t.w08_10_freight, {}, _insert(PROD + "vUnTrib", "vFrete", "0.01"), None, 535,
     "Rejeição: Total do Frete difere do somatório dos itens"),
    (t.w09_10_insurance, {}, _insert(PROD + "vUnTrib", "vSeg", "0.01"), None, 536,
     "Rejeição: Total do Seguro difere do somatório dos itens"),
    (t.w10_10_discount, {}, _insert(PROD + "vUnTrib", "vDesc", "0.01"), None, 537,
     "Rejeição: Total do Desconto difere do somatório dos itens"),
    (t.w11_10_import_tax, {"tax": "import"}, _set(T + "vII", "9.99"), None, 601,
     "Rejeição: Total do II difere do somatório dos itens"),
    (t.w12_10_ipi, {"tax": "ipi"}, _set(T + "vIPI", "9.99"), None, 538, "Rejeição: Total do IPI difere do somatório dos itens"),
    (t.w12a_10_returned_ipi, {}, _set(T + "vIPIDevol", "0.01"), None, 863,
     "Rejeição: Total do IPI devolvido difere do somatório dos itens"),
    (t.w13_10_pis, {}, _set(T + "vPIS", "1.64"), None, 602,
     "Rejeição: Total do PIS difere do somatório dos itens sujeitos ao ICMS"),
    (t.w14_10_cofins, {}, _set(T + "vCOFINS", "7.59"), None, 603,
     "Rejeição: Total da COFINS difere do somatório dos itens sujeitos ao ICMS"),
    (t.w15_10_other_expenses, {}, _insert(PROD + "vUnTrib", "vOutro", "0.01"), None, 604,
     "Rejeição: Total do vOutro difere do somatório dos itens"),
    (t.w16_10_note_value, {}, _set(T + "vNF", "100.01"), None, 610,
     "Rejeição: Total da NF difere do somatório dos Valores compõe o valor Total da NF."),
    (t.w16_20_note_value_limit, {}, [], {"limit_total_vnf": "99.99"}, 628,
     "Rejeição: Total da NF superior ao valor limite estabelecido pela SEFAZ [Limite: R$ 99,99]"),
    (t.w16a_10_approximate_taxes, {}, _insert(T + "vNF", "vTotTrib", "0.01"), None, 685,
     "Rejeição: Total do Valor Aproximado dos Tributos difere do somatório dos itens"),
    (t.w18_10_services, SERVICES, _set(S + "vServ", "100.01"), None, 605,
     "Rejeição: Total do vServ difere do somatório do vProd dos itens sujeitos ao ISSQN"),
    (t.w19_10_iss_base, SERVICES, _set(S + "vBC", "99.99"), None, 606, "Rejeição: Total do vBC do ISS difere do somatório dos itens"),
    (t.w20_10_iss, SERVICES, _set(S + "vISS", "5.01"), None, 607, "Rejeição: Total do ISS difere do somatório dos itens"),
    (t.w21_10_service_pis, SERVICES, _set(S + "vPIS", "1.66"), None, 608,
     "Rejeição: Total do PIS difere do somatório dos itens sujeitos ao ISSQN"),
    (t.w22_10_service_cofins, SERVICES, _set(S + "vCOFINS", "7.61"), None, 609,
     "Rejeição: Total da COFINS difere do somatório dos itens sujeitos ao ISSQN"),
    (t.w22b_10_iss_deduction, SERVICES, _insert(S + "dCompet", "vDeducao", "0.01"), None, 364,
     "Rejeição: Total do valor da dedução do ISS difere do somatório dos itens"),
    (t.w22c_10_iss_other_withholdings, SERVICES, _insert(S + "dCompet", "vOutro", "0.01"), None, 365,
     "Rejeição: Total de outras retenções difere do somatório dos itens"),
    (t.w22d_10_iss_unconditional_discount, SERVICES, _insert(S + "dCompet", "vDescIncond", "0.01"), None, 366,
     "Rejeição: Total do desconto incondicionado ISS difere do somatório dos itens"),
    (t.w22e_10_iss_conditional_discount, SERVICES, _insert(S + "dCompet", "vDescCond", "0.01"), None, 367,
     "Rejeição: Total do desconto condicionado ISS difere do somatório dos itens"),
    (t.w22f_10_iss_withheld, SERVICES, _insert(S + "dCompet", "vISSRet", "0.01"), None, 368,
     "Rejeição: Total de ISS retido difere do somatório dos itens"),
]


@pytest.mark.parametrize("rule, build, edits, settings, cstat, text", CASES, ids=[f"{c[4]}-{c[0].rule_id}" for c in CASES])
def test_rule(rule, build, edits, settings, cstat, text):
    assert outcome(rule, note(**build)) is None
    configured = Settings(**settings) if settings else None
    assert outcome(rule, note(edits=edits, **build), settings=configured) == (cstat, text)


def test_every_totals_rule_has_a_case():
    assert {r for r, *_ in CASES} == set(t.TOTALS_RULES)


def test_limits_are_off_by_default():
    big = note(price="999999.99", quantity=9)
    for rule in (t.w03_20_icms_base_limit, t.w04_20_icms_limit, t.w16_20_note_value_limit):
        assert outcome(rule, big) is None


def test_import_note_may_leave_import_tax_out_of_vnf():
    """W16-10 exception 2: an item with CFOP 3xxx (import) switches the vNF check off: the issue's import NF-e
    (idDest 3, DI) whose vNF leaves vII out is authorized by SEFAZ."""
    nfe = note(edits=_set(T + "vNF", "105.50"), tax="import")  # vProd 100 + vIPI 5.50, without vII 10.00
    assert outcome(t.w16_10_note_value, nfe) is None
    assert outcome(t.w16_10_note_value, note(edits=_set(T + "vNF", "105.50") + _set(PROD + "CFOP", "2102"),
                                             tax="import"))[0] == 610


def test_vnf_formula_parts():
    """W16-10 as amended (NT 2020.005, NT 2023.004): relief subtracted only for indDeduzDeson=1 items; PIS-ST and
    COFINS-ST added only with indSoma...=1; with services, ±R$ 0,50 (AI footnote (*3))."""
    assert outcome(t.w16_10_note_value, note(tax="st")) is None  # vNF = vProd + vST
    services = note(edits=_set(T + "vNF", "200.50"), tax="services", n_items=2)
    assert outcome(t.w16_10_note_value, services) is None
    services = note(edits=_set(T + "vNF", "200.51"), tax="services", n_items=2)
    assert outcome(t.w16_10_note_value, services)[0] == 610
    # An ICMS relief with indDeduzDeson=1 comes off vNF; the same relief without the indicator does not.
    relief = [{"path": "infNFe/det/imposto/ICMS/ICMS00/CST", "text": "20"},
              {"path": "infNFe/det/imposto/ICMS/ICMS00/modBC", "insert_after": "pRedBC", "text": "0.00"},
              {"path": "infNFe/det/imposto/ICMS/ICMS00/vICMS", "insert_after": "vICMSDeson", "text": "5.00"},
              {"path": "infNFe/det/imposto/ICMS/ICMS00/vICMSDeson", "insert_after": "motDesICMS", "text": "9"},
              {"path": "infNFe/det/imposto/ICMS/ICMS00", "rename": "ICMS20"},
              {"path": T + "vICMSDeson", "text": "5.00"}]
    assert outcome(t.w16_10_note_value, note(edits=relief)) is None
    deducted = relief + [{"path": "infNFe/det/imposto/ICMS/ICMS20/motDesICMS", "insert_after": "indDeduzDeson", "text": "1"}]
    assert outcome(t.w16_10_note_value, note(edits=deducted))[0] == 610
    assert outcome(t.w16_10_note_value, note(edits=deducted + _set(T + "vNF", "95.00"))) is None
