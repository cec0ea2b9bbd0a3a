"""Billing and payment rules (rules/payment.py; content-rules.md §5), called with a rule context built from a
factory note: no server, no database."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from support.content import NOW, note, outcome
from fake_sefaz.rules import payment as p
from fake_sefaz.server.settings import Settings

PAG = "infNFe/pag/detPag"
COBR = "infNFe/cobr/"
BILL1 = {"installments": 1}
BILL2 = {"installments": 2}


def _set(path, text):
    return [{"path": path, "text": text}]


def _card(tpag="03", **fields):
    return (_set(PAG + "/tPag", tpag) + [{"path": PAG, "append": "card"}]
            + [{"path": PAG + "/card", "append": k, "text": v} for k, v in fields.items()])


# (rule, build, edits, cStat, xMotivo): the build passes the rule, the edited build gets the code and text.
# Amounts: one item of 100.00 (vNF 100.00), paid in cash (tPag 01) or billed (installments: n, boleto).
CASES = [
    (p.y01_20_invoice_fields, BILL1, [{"path": COBR + "fat/" + f, "remove": True} for f in ("nFat", "vOrig", "vLiq")],
     905, "Rejeição: Campos do grupo Fatura não informados"),
    (p.y05_10_invoice_discount, BILL1, _set(COBR + "fat/vDesc", "100.01"), 901,
     "Rejeição: Valor do Desconto da Fatura maior que Valor Original da Fatura"),
    (p.y06_10_invoice_net_value, BILL1, _set(COBR + "fat/vLiq", "99.99"), 902,
     "Rejeição: Valor Liquido da Fatura difere do Valor Original menos o Valor do Desconto"),
    (p.y08_10_instalment_number, BILL2, _set(COBR + "dup[2]/nDup", "2"), 852,
     "Rejeição: Número da parcela inválido ou não informado [nOcor:2]"),
    (p.y09_20_due_date_before_issue, BILL1, _set(COBR + "dup/dVenc", "2026-12-02"), 900,
     "Rejeição: Data de vencimento da parcela não informada ou menor que Data de Emissão [nOcor:1]"),
    (p.y09_30_due_dates_in_order, BILL2, _set(COBR + "dup[2]/dVenc", "2027-01-01"), 850,
     "Rejeição: Data de vencimento da parcela não informada ou menor que a Data de vencimento da parcela anterior "
     "[nOcor:2]"),
    (p.y09_40_cash_sale_without_billing, BILL1, _set(COBR + "dup/dVenc", "2026-12-03"), 853,
     "Rejeição: Dados de cobrança não devem ser informados para pagamento à vista"),
    (p.y09_50_due_date_too_far, BILL1, _set(COBR + "dup/dVenc", "2036-12-04"), 797,
     "Rejeição: Data de vencimento da parcela superior a 10 anos da data atual [nOcor:1]"),
    (p.y10_10_instalments_sum, BILL2, _set(COBR + "dup[2]/vDup", "49.99"), 851,
     "Rejeição: Soma do valor das parcelas difere do Valor Líquido da Fatura"),
    (p.ya02_04_adjustment_or_return_without_payment, {}, _set("infNFe/ide/finNFe", "4"), 871,
     "Rejeição: O campo Meio de Pagamento deve ser preenchido com a opção Sem Pagamento"),
    (p.ya02_10_nfce_trade_bill, {"model": 65}, _set(PAG + "/tPag", "14"), 857,
     "Rejeição: Informado Duplicata Mercantil como Forma de Pagamento"),
    (p.ya02_40_nfce_without_payment, {"model": 65}, _set(PAG + "/tPag", "90"), 899,
     "Rejeição: Informado incorretamente o campo meio de pagamento"),
    (p.ya02_60_means_of_payment, {}, _set(PAG + "/tPag", "23"), 436, "Rejeição: Código do meio de pagamento inexistente."),
    (p.ya02a_10_other_needs_description, {}, _set(PAG + "/tPag", "99"), 441,
     "Rejeição: Descrição do pagamento obrigatória para meio de pagamento 99-outros"),
    (p.ya02a_20_description_only_for_other, {}, [{"path": PAG + "/tPag", "insert_after": "xPag", "text": "PIX"}], 442,
     "Rejeição: Descrição do pagamento não permitida."),
    (p.ya03_10_payments_below_total, {"model": 65}, _set(PAG + "/vPag", "99.99"), 865,
     "Rejeição: Total dos pagamentos menor que o total da nota"),
    (p.ya03_10_nfe_payments_below_total, {}, _set(PAG + "/vPag", "1.03"), 865,
     "Rejeição: Total dos pagamentos menor que o total da nota"),
    (p.ya03_20_change_missing, {}, _set(PAG + "/vPag", "100.01"), 866,
     "Rejeição: Ausência de troco quando o valor dos pagamentos informados for maior que o total da nota"),
    (p.ya03_30_value_without_payment, {}, _set(PAG + "/tPag", "90"), 904,
     "Rejeição: Informado indevidamente campo valor de pagamento"),
    (p.ya03a_10_payment_date, {}, [{"path": PAG + "/vPag", "insert_after": "dPag", "text": "2026-12-04"}], 657,
     "Rejeição: Data de Pagamento inválida [nOcor:1]"),
    (p.ya03c_10_payment_cnpj, {}, [{"path": PAG + "/vPag", "insert_after": "CNPJPag", "text": "60701190000105"},
                                  {"path": PAG + "/CNPJPag", "insert_after": "UFPag", "text": "SP"}], 961,
     "Rejeição: CNPJ transacional do pagamento inválido [nOcor:1]"),
    (p.ya04_10_card_data_missing, {"model": 65}, _set(PAG + "/tPag", "17"), 391,
     "Rejeição: Não informados os dados do cartão de crédito / débito nas Formas de Pagamento da Nota Fiscal [nOcor:1]"),
    (p.ya04_20_card_group_not_accepted, {}, _card("16", tpIntegra="2"), 963,
     "Rejeição: Tipo de pagamento não aceita o grupo de cartões ou boletos. [nOcor:1]"),
    (p.ya04a_20_non_integrated_card, {"settings": {"uf_optional_rules": ("YA04a-20",)}}, _card(tpIntegra="2"), 737,
     "Rejeição: Pagamento com cartão de crédito em sistema de automação não integrado"),
    (p.ya05_10_integrated_card_data, {}, _card(tpIntegra="1", CNPJ="60701190000104"), 392,
     "Rejeição: Não informados os dados da operação de pagamento por cartão de crédito / débito"),
    (p.ya06_10_card_brand, {}, _card(tpIntegra="2", tBand="28"), 443,
     "Rejeição: Código da bandeira de operadora de cartão de crédito e/ou débito inexistente."),
    (p.ya07a_receiver_cnpj, {}, _card(tpIntegra="2", CNPJReceb="60701190000105"), 796,
     "Rejeição: CNPJ recebedor do pagamento inválido [nOcor:1]"),
    (p.ya09_10_change_value, {}, [{"path": PAG, "insert_after": "vTroco", "text": "0.01"}], 869,
     "Rejeição: Valor do troco incorreto"),
    (p.ya09_20_change_limit, {}, _set(PAG + "/vPag", "300100.01") + [{"path": PAG, "insert_after": "vTroco", "text": "300000.01"}],
     965, "Rejeição: Valor do troco acima do permitido"),
]


@pytest.mark.parametrize("rule, build, edits, cstat, text", CASES, ids=[f"{c[3]}-{c[0].rule_id}" for c in CASES])
def test_rule(rule, build, edits, cstat, text):
    build = dict(build)
    model = build.pop("model", 55)
    settings = Settings(**build.pop("settings", {}))
    assert outcome(rule, note(model, **build), settings=settings) is None
    assert outcome(rule, note(model, edits, **build), settings=settings) == (cstat, text)
    if rule is p.ya04a_20_non_integrated_card:  # a UF option: off by default
        assert outcome(rule, note(model, edits, **build)) is None


def test_every_payment_rule_has_a_case():
    assert {r for r, *_ in CASES} == set(p.PAYMENT_RULES)


def test_payment_sum_exceptions():
    """865: not for finNFe 3/4, nor with tPag 90 or 91; for NF-e only while payment_sum_nfe is on."""
    short = _set(PAG + "/vPag", "1.03")
    assert outcome(p.ya03_10_nfe_payments_below_total, note(edits=short + _set("infNFe/ide/finNFe", "3"))) is None
    assert outcome(p.ya03_10_nfe_payments_below_total, note(edits=short + _set(PAG + "/tPag", "91"))) is None
    assert outcome(p.ya03_10_nfe_payments_below_total, note(edits=short),
                   settings=Settings(payment_sum_nfe=False)) is None
    assert outcome(p.ya03_10_payments_below_total, note(edits=short)) is None  # the NFC-e rule leaves the NF-e alone


def test_change_that_matches_is_accepted():
    """869/866: paid 150.00 for a note of 100.00 with vTroco 50.00."""
    nfe = note(edits=_set(PAG + "/vPag", "150.00") + [{"path": PAG, "insert_after": "vTroco", "text": "50.00"}])
    for rule in (p.ya03_20_change_missing, p.ya09_10_change_value, p.ya09_20_change_limit):
        assert outcome(rule, nfe) is None


def test_pagamento_posterior_is_valid_from_its_date():
    """436: tPag 91 (Pagamento Posterior) entered the table on 03/11/2025."""
    nfe = note(edits=_set(PAG + "/tPag", "91"))
    assert outcome(p.ya02_60_means_of_payment, nfe) is None
    before = datetime(2025, 11, 2, 12, tzinfo=timezone.utc)
    assert outcome(p.ya02_60_means_of_payment, nfe, now=before) == (436, "Rejeição: Código do meio de pagamento inexistente.")


def test_billing_rules_of_nt_2025_001_from_their_dates():
    """853 and 797 (NT 2025.001): a note received before produção's date is not judged by them."""
    nfe = note(edits=_set(COBR + "dup/dVenc", "2026-12-03"), installments=1)
    assert outcome(p.y09_40_cash_sale_without_billing, nfe, now=NOW, tpAmb=1) is not None
    early = datetime(2025, 10, 1, 12, tzinfo=timezone.utc)
    assert outcome(p.y09_40_cash_sale_without_billing, nfe, now=early, tpAmb=1) is None
    assert outcome(p.y09_40_cash_sale_without_billing, nfe, now=early, tpAmb=2) is not None


def test_payment_date_of_today_is_valid():
    """657 (YA03a-10): a payment dated the reception day (Brasília) is accepted; the next day is not."""
    today = note(edits=[{"path": PAG + "/vPag", "insert_after": "dPag", "text": "2026-12-03"}])
    assert outcome(p.ya03a_10_payment_date, today) is None
    valid = note(edits=_card(tpIntegra="2", CNPJReceb="60701190000104"))
    assert outcome(p.ya07a_receiver_cnpj, valid) is None
