"""Item arithmetic rules (rules/arithmetic.py; content-rules.md §1.1-1.2), called with a rule context built from a
factory note: no server, no database. Each case breaks one field of a note the rule accepts, and checks the exact
cStat and xMotivo."""

from __future__ import annotations

import pytest

from support.content import note, outcome
from fake_sefaz.rules import arithmetic as a
from fake_sefaz.server.settings import Settings

ICMS00 = "infNFe/det/imposto/ICMS/ICMS00/"
ICMS10 = "infNFe/det/imposto/ICMS/ICMS10/"
DEST = "infNFe/det/imposto/ICMSUFDest/"
PROD = "infNFe/det/prod/"


def _cst51(vicmsop="18.00", pdif=None, vicmsdif=None, vicms="18.00"):
    edits = [{"path": ICMS00 + "CST", "text": "51"}, {"path": ICMS00 + "pICMS", "insert_after": "vICMSOp", "text": vicmsop}]
    if pdif is not None:
        edits += [{"path": ICMS00 + "vICMSOp", "insert_after": "pDif", "text": pdif},
                  {"path": ICMS00 + "pDif", "insert_after": "vICMSDif", "text": vicmsdif}]
    return edits + [{"path": ICMS00 + "vICMS", "text": vicms}, {"path": ICMS00[:-1], "rename": "ICMS51"}]


def _fcp(p, v, group=ICMS00, after="vICMS"):
    return [{"path": group + after, "insert_after": "pFCP", "text": p}, {"path": group + "pFCP", "insert_after": "vFCP", "text": v}]


def _fcpst(base, p, v):
    return [{"path": ICMS10 + "vICMSST", "insert_after": "vBCFCPST", "text": base},
            {"path": ICMS10 + "vBCFCPST", "insert_after": "pFCPST", "text": p},
            {"path": ICMS10 + "pFCPST", "insert_after": "vFCPST", "text": v}]


def _icms60(p_ret):
    return [*({"path": ICMS00 + f, "remove": True} for f in ("modBC", "vBC", "pICMS", "vICMS")),
            {"path": ICMS00 + "CST", "text": "60"},
            {"path": ICMS00 + "CST", "insert_after": "vBCFCPSTRet", "text": "100.00"},
            {"path": ICMS00 + "vBCFCPSTRet", "insert_after": "pFCPSTRet", "text": p_ret},
            {"path": ICMS00 + "pFCPSTRet", "insert_after": "vFCPSTRet", "text": "3.00"},
            {"path": ICMS00[:-1], "rename": "ICMS60"}]


def _mono(cst="02", vmono="157.00", reten=None):
    """ICMS00 turned into ICMS02/ICMS15: 100 litres of gasoline at R$ 1,57 (NT 2023.001 ad-rem rate)."""
    edits = [*({"path": ICMS00 + f, "remove": True} for f in ("modBC", "vBC", "pICMS", "vICMS")),
             {"path": ICMS00 + "CST", "text": cst},
             {"path": ICMS00 + "CST", "insert_after": "qBCMono", "text": "100.0000"},
             {"path": ICMS00 + "qBCMono", "insert_after": "adRemICMS", "text": "1.5700"},
             {"path": ICMS00 + "adRemICMS", "insert_after": "vICMSMono", "text": vmono}]
    if reten is not None:
        quantity, value = reten
        last = "vICMSMono"
        if quantity is not None:
            edits.append({"path": ICMS00 + last, "insert_after": "qBCMonoReten", "text": quantity})
            last = "qBCMonoReten"
        edits += [{"path": ICMS00 + last, "insert_after": "adRemICMSReten", "text": "1.5700"},
                  {"path": ICMS00 + "adRemICMSReten", "insert_after": "vICMSMonoReten", "text": value}]
    return edits + [{"path": ICMS00[:-1], "rename": "ICMS" + cst}]


def _fuel(anp="320102001"):
    return [{"path": PROD[:-1], "append": "comb"}, {"path": PROD + "comb", "append": "cProdANP", "text": anp},
            {"path": PROD + "comb", "append": "descANP", "text": "GASOLINA C COMUM"},
            {"path": PROD + "comb", "append": "UFCons", "text": "SP"}]


def _relief(value, reason, cfop=None, isuf=None):
    """ICMS00 turned into ICMS40 (exempt) with vICMSDeson and motDesICMS (N28)."""
    edits = [*({"path": ICMS00 + f, "remove": True} for f in ("modBC", "vBC", "pICMS", "vICMS")),
             {"path": ICMS00 + "CST", "text": "40"},
             {"path": ICMS00 + "CST", "insert_after": "vICMSDeson", "text": value},
             {"path": ICMS00 + "vICMSDeson", "insert_after": "motDesICMS", "text": reason},
             {"path": ICMS00[:-1], "rename": "ICMS40"}]
    if cfop:
        edits.append({"path": PROD + "CFOP", "text": cfop})
    if isuf:
        edits.append({"path": "infNFe/dest/indIEDest", "insert_after": "ISUF", "text": isuf})
    return edits


# (rule, build, edits that break it, cStat, xMotivo): the build (with its "good" edits, when the rule needs a
# group the factory does not make) passes the rule; the build with the breaking edits gets cStat and xMotivo.
CASES = [
    (a.i11_10_value_of_commercial_quantity, {}, [{"path": PROD + "qCom", "text": "2.0000"}], 629,
     "Rejeição: Valor do Produto difere do produto Valor Unitário de Comercialização e Quantidade Comercial [nItem:1]"),
    (a.i11_20_value_of_taxable_quantity, {}, [{"path": PROD + "vUnTrib", "text": "100.02"}], 630,
     "Rejeição: Valor do Produto difere do produto Valor Unitário de Tributação e Quantidade Tributável [nItem:1]"),
    (a.i17_10_discount_above_value, {}, [{"path": PROD + "vUnTrib", "insert_after": "vDesc", "text": "100.01"}], 483,
     "Rejeição: Valor do desconto maior que valor do produto [nItem:1]"),
    (a.n12_110_monophase_group_missing, {"good": _fuel() + _mono()}, _fuel(), 960,
     "Rejeição: Obrigatório o preenchimento de Grupo de Tributação do ICMS monofásica sobre combustíveis. [nItem:1]"),
    (a.n39_10_monophase_icms, {"good": _mono()}, _mono(vmono="157.02"), 962,
     "Rejeição: Valor do ICMS próprio difere do calculado. [nItem:1]"),
    (a.n39a_10_withheld_quantity_missing, {"good": _mono("15", reten=("10.0000", "15.70"))},
     _mono("15", reten=(None, "15.70")), 768,
     "Rejeição: Obrigatório o preenchimento da Quantidade tributada sujeita a retenção [nItem:1]"),
    (a.n41_10_withheld_monophase_icms, {"good": _mono("15", reten=("10.0000", "15.70"))},
     _mono("15", reten=("10.0000", "15.72")), 964, "Rejeição: Valor do ICMS com retenção difere do calculado. [nItem:1]"),
    (a.n16_04_imported_goods_above_four, {"tax": "difal", "settings": {"uf_optional_rules": ("N16-04",)},
                                          "good": [{"path": ICMS00 + "orig", "text": "1"},
                                                   {"path": ICMS00 + "pICMS", "text": "4.00"}]},
     [{"path": ICMS00 + "orig", "text": "1"}], 663,
     "Rejeição: Alíquota do ICMS com valor superior a 4 por cento na operação de saída interestadual com produtos "
     "importados [nItem:1]"),
    (a.n28_10_zfm_needs_suframa, {"settings": {"uf_optional_rules": ("N28-10",)},
                                  "good": _relief("18.00", "7", isuf="123456789")}, _relief("18.00", "7"), 625,
     "Rejeição: Inscrição SUFRAMA deve ser informada na venda com isenção para ZFM [nItem:1]"),
    (a.n28_20_zfm_cfop, {"settings": {"uf_optional_rules": ("N28-20",)},
                         "good": _relief("18.00", "7", cfop="6109", isuf="123456789")},
     _relief("18.00", "7", isuf="123456789"), 626, "Rejeição: CFOP de operação isenta para ZFM diferente do previsto [nItem:1]"),
    (a.n28_30_relief_value_missing, {"settings": {"uf_optional_rules": ("N28-30",)}, "good": _relief("18.00", "9")},
     _relief("0.00", "9"), 627, "Rejeição: O valor do ICMS desonerado deve ser informado [nItem:1]"),
    (a.n16_20_interstate_rate, {"tax": "difal"}, [{"path": ICMS00 + "pICMS", "text": "7.01"}], 693,
     "Rejeição: Alíquota de ICMS superior à definida para a operação interestadual [nItem:1]"),
    (a.n16a_10_cst51_operation_icms, {"good": _cst51()}, _cst51(vicmsop="18.02"), 351,
     "Rejeição: Valor do ICMS da Operação no CST=51 difere do produto BC e Alíquota [nItem:1]"),
    (a.n16c_10_cst51_deferred_icms, {"good": _cst51(pdif="50.00", vicmsdif="9.01", vicms="8.99")},
     _cst51(pdif="50.00", vicmsdif="9.02", vicms="8.98"), 352,
     "Rejeição: Valor do ICMS Diferido no CST=51 difere do produto Valor ICMS Operação e percentual diferimento [nItem:1]"),
    (a.n17_10_cst51_icms_is_the_difference, {"good": _cst51(pdif="50.00", vicmsdif="9.00", vicms="9.00")},
     _cst51(pdif="50.00", vicmsdif="9.00", vicms="9.01"), 353,
     "Rejeição: Valor do ICMS no CST=51 não corresponde a diferença do ICMS operação e ICMS diferido [nItem:1]"),
    (a.n17_20_icms_of_base_and_rate, {}, [{"path": ICMS00 + "vICMS", "text": "18.02"}], 528,
     "Rejeição: Valor do ICMS difere do produto BC e Alíquota [nItem:1]"),
    (a.n17b_10_fcp_rate_zero, {"good": _fcp("2.00", "2.00")}, _fcp("0.00", "0.00"), 880, "Rejeição: Percentual de FCP igual a zero [nItem:1]"),
    (a.n17b_20_fcp_rate_of_the_uf, {"good": _fcp("2.00", "2.00")}, _fcp("1.00", "1.00"), 874, "Rejeição: Percentual de FCP inválido [nItem:1]"),
    (a.n17c_10_fcp_value, {"good": _fcp("2.00", "2.01")}, _fcp("2.00", "2.02"), 860,
     "Rejeição: Valor do FCP informado difere de base de cálculo*alíquota [nItem:1]"),
    (a.n17c_20_fcp_in_the_destination_field, {"tax": "difal"}, _fcp("2.00", "2.00"), 876,
     "Rejeição: Operação interestadual para Consumidor Final e valor do FCP informado em campo diferente de "
     "vFCPUFDest (id:NA13) [nItem:1]"),
    (a.n23b_10_fcpst_rate_zero, {"tax": "st", "good": _fcpst("140.00", "2.00", "2.80")},
     _fcpst("140.00", "0.00", "0.00"), 881,
     "Rejeição: Percentual de FCPST igual a zero [nItem:1]"),
    (a.n23d_10_fcpst_value, {"tax": "st", "good": _fcpst("140.00", "2.00", "2.80")},
     _fcpst("140.00", "2.00", "2.82"), 860,
     "Rejeição: Valor do FCP informado difere de base de cálculo*alíquota [nItem:1]"),
    (a.n27b_20_fcpst_retained_rate, {"good": _icms60("2.00")}, _icms60("3.00"), 875, "Rejeição: Percentual de FCPST inválido [nItem:1]"),
    (a.na01_10_nfce_with_destination_group, {"tax": "difal", "model": 65,
                                              "good": [{"path": DEST[:-1], "remove": True}]}, [], 807,
     "Rejeição: NFC-e com grupo de ICMS para a UF do destinatário [nItem:1]"),
    (a.na01_20_destination_group_missing, {"tax": "difal"}, [{"path": DEST[:-1], "remove": True}], 694,
     "Rejeição: Não informado o grupo de ICMS para a UF de destino [nItem:1]"),
    (a.na01_30_destination_group_undue, {"tax": "difal"}, [{"path": "infNFe/ide/idDest", "text": "1"}], 695,
     "Rejeição: Informado indevidamente o grupo de ICMS para a UF de destino [nItem:1]"),
    (a.na09_10_interstate_rate_and_origin, {"tax": "difal"}, [{"path": DEST + "pICMSInter", "text": "4.00"}], 697,
     "Rejeição: Alíquota interestadual do ICMS com origem diferente do previsto [nItem:1]"),
    (a.na09_30_interstate_rate_of_the_ufs, {"tax": "difal"}, [{"path": DEST + "pICMSInter", "text": "12.00"}], 698,
     "Rejeição: Alíquota interestadual do ICMS incompatível com as UF envolvidas na operação [nItem:1]"),
    (a.na11_10_destination_share_of_the_year, {"tax": "difal"}, [{"path": DEST + "pICMSInterPart", "text": "80.00"}],
     699, "Rejeição: Percentual do ICMS Interestadual para a UF de destino difere do previsto para o ano da Data de "
          "Emissão [nItem:1]"),
    (a.na13_10_destination_fcp_value, {"tax": "difal"}, [{"path": DEST + "vFCPUFDest", "text": "2.02"}], 793,
     "Rejeição: Valor do ICMS relativo ao Fundo de Combate à Pobreza na UF de destino difere do calculado [nItem:1]"),
    (a.na15_10_destination_difal, {"tax": "difal"}, [{"path": DEST + "vICMSUFDest", "text": "13.48"}], 815,
     "Rejeição: Valor do ICMS Interestadual para UF de Destino difere do calculado [nItem:1] "
     "(Valor Informado: 13.48, Valor Calculado: 13.50)"),
    (a.na17_10_issuer_difal, {"tax": "difal"}, [{"path": DEST + "vICMSUFRemet", "text": "0.02"}], 816,
     "Rejeição: Valor do ICMS Interestadual para UF do Remetente difere do calculado [nItem:1] "
     "(Valor Informado: 0.02, Valor Calculado: 0.00)"),
]


@pytest.mark.parametrize("rule, build, edits, cstat, text", CASES, ids=[f"{c[3]}-{c[0].rule_id}" for c in CASES])
def test_rule(rule, build, edits, cstat, text):
    build = dict(build)
    model, good = build.pop("model", 55), build.pop("good", [])
    settings = Settings(**build.pop("settings", {}))
    assert outcome(rule, note(model, good, **build), settings=settings) is None
    assert outcome(rule, note(model, edits, **build), settings=settings) == (cstat, text)


def test_every_arithmetic_rule_has_a_case():
    assert {r for r, *_ in CASES} == set(a.ARITHMETIC_RULES)


def test_products_within_a_cent_are_accepted():
    """AI footnote (*4): the product rounded to two decimals, ±R$ 0,01 accepted (629, 528)."""
    assert outcome(a.i11_10_value_of_commercial_quantity, note(edits=[{"path": PROD + "vProd", "text": "100.01"}])) is None
    assert outcome(a.n17_20_icms_of_base_and_rate, note(edits=[{"path": ICMS00 + "vICMS", "text": "17.99"}])) is None
    assert outcome(a.n17_20_icms_of_base_and_rate, note(edits=[{"path": ICMS00 + "vICMS", "text": "17.98"}]))[0] == 528


def test_products_only_for_normal_issue():
    """629 and 528 apply to finNFe=1 only (a complementary note carries differences, not products)."""
    edits = [{"path": PROD + "qCom", "text": "2.0000"}, {"path": "infNFe/ide/finNFe", "text": "2"}]
    assert outcome(a.i11_10_value_of_commercial_quantity, note(edits=edits)) is None


def test_cst51_without_deferral_values_skips_353():
    edits = _cst51()[:2] + [{"path": ICMS00 + "vICMS", "remove": True}, {"path": ICMS00[:-1], "rename": "ICMS51"}]
    assert outcome(a.n17_10_cst51_icms_is_the_difference, note(edits=edits)) is None


def test_imported_goods_may_go_at_four_percent():
    """693 leaves imported goods (orig 1, 2, 3, 8) to the 4 % rule; 697 wants 4 % for them."""
    edits = [{"path": ICMS00 + "orig", "text": "1"}, {"path": ICMS00 + "pICMS", "text": "4.00"},
             {"path": ICMS00 + "vICMS", "text": "4.00"}, {"path": DEST + "pICMSInter", "text": "4.00"}]
    nfe = note(edits=edits, tax="difal")
    assert outcome(a.n16_20_interstate_rate, nfe) is None
    assert outcome(a.na09_10_interstate_rate_and_origin, nfe) is None


def test_difal_rules_in_force_from_their_dates():
    """815 entered homologação on 01/07/2021 (NT 2020.005): a note received before is not judged by it."""
    from datetime import datetime, timezone

    nfe = note(edits=[{"path": DEST + "vICMSUFDest", "text": "0.00"}], tax="difal")
    assert outcome(a.na15_10_destination_difal, nfe, now=datetime(2021, 6, 30, 12, tzinfo=timezone.utc)) is None
    assert outcome(a.na15_10_destination_difal, nfe, now=datetime(2021, 7, 1, 12, tzinfo=timezone.utc))[0] == 815
    assert outcome(a.na15_10_destination_difal, nfe, now=datetime(2021, 8, 1, 12, tzinfo=timezone.utc), tpAmb=1) is None


def test_diesel_blends_withhold_a_third():
    """N41-20: for the diesel blends listed (model 55) the withheld ICMS is a third of quantity × rate."""
    third = _fuel("820101034") + _mono("15", reten=("30.0000", "15.70"))
    assert outcome(a.n41_10_withheld_monophase_icms, note(edits=third)) is None
    full = _fuel("820101034") + _mono("15", reten=("30.0000", "47.10"))
    assert outcome(a.n41_10_withheld_monophase_icms, note(edits=full))[0] == 964


def test_uf_option_rules_are_off_by_default():
    """663, 625, 626, 627: UF options the reference's default profile leaves off (content-rules.md §0.3)."""
    assert outcome(a.n16_04_imported_goods_above_four, note(edits=[{"path": ICMS00 + "orig", "text": "1"}], tax="difal")) is None
    assert outcome(a.n28_10_zfm_needs_suframa, note(edits=_relief("18.00", "7"))) is None
    assert outcome(a.n28_30_relief_value_missing, note(edits=_relief("0.00", "9"))) is None
