"""Billing (MOC 7.00 Anexo I group Y, `cobr`) and payment (group YA, `pag`): the invoice and its instalments,
the means of payment, the sum of the payments against vNF, change (troco) and the card group.

Reference: content-rules.md §5 (AI, NT 2016.002, NT 2020.006, NT 2023.004, NT 2025.001). Tables: means of
payment (tabela-meios-pagamento.csv, validity by reception date) and card brands (tabela-bandeiras-cartao.csv).
Every rule reads the one extraction of the document (NFeView.amounts); occurrences are reported "[nOcor:n]".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from fake_sefaz.domain import keys, tables
from fake_sefaz.domain.amounts import ZERO, num
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.ufs import BRASILIA
from fake_sefaz.rules import InForce, rule

# NT 2020.006 (tPag and tBand tables, xPag): hom 03/05/2021, prod 01/09/2021.
_NT2006 = InForce(hom=date(2021, 5, 3), prod=date(2021, 9, 1))
# NT 2023.004 (payment fields, card group): prod 01/07/2024.
_NT2304 = InForce(prod=date(2024, 7, 1))
# NT 2025.001 v1.03 (billing, 865 for NF-e): hom 08/09/2025, prod 03/11/2025.
_NT2501 = InForce(hom=date(2025, 9, 8), prod=date(2025, 11, 3))
# Means of payment that take the card group (NT 2023.004 YA04-20) and those that demand it (YA04-10).
_CARD_MEANS = frozenset({"03", "04", "10", "11", "12", "13", "15", "17", "18"})
_CARD_REQUIRED = frozenset({"03", "04", "17"})
# NT 2023.004 v1.20 YA09-20 (prod 01/10/2024): the largest change accepted.
_MAX_CHANGE = Decimal("300000.00")


def _ocor(n: int) -> str:
    return f"[nOcor:{n}]"


def _model55(ctx) -> bool:
    return ctx.doc.mod == "55"


def _issue_day(ctx) -> date | None:
    try:
        return datetime.fromisoformat(ctx.doc.dhEmi).date()
    except ValueError:
        return None


def _paid(ctx) -> Decimal:
    return sum((num(p.values, "vPag") for p in ctx.doc.amounts.payments), ZERO)


def _means(ctx) -> set[str]:
    return {p.values.get("tPag", "") for p in ctx.doc.amounts.payments}


def _change(ctx) -> Decimal | None:
    """pag/vTroco, or None when the note does not inform it."""
    troco = ctx.doc.amounts.vTroco
    return None if troco is None else num({"vTroco": troco}, "vTroco")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- Group Y: billing (cobr) ---------------------------------------------------------------------------------

@rule("Y01-20", 905)
def y01_20_invoice_fields(ctx) -> None:
    """905: cobr/fat informed with none of nFat, vOrig and vLiq. Model 55. AI Y01-20."""
    fat = ctx.doc.amounts.fat
    if _model55(ctx) and fat is not None and not any(fat.get(f) for f in ("nFat", "vOrig", "vLiq")):
        raise Rejection(905)


@rule("Y05-10", 901)
def y05_10_invoice_discount(ctx) -> None:
    """901: fat/vDesc > fat/vOrig (absent = 0). Model 55. AI Y05-10."""
    fat = ctx.doc.amounts.fat
    if _model55(ctx) and fat is not None and num(fat, "vDesc") > num(fat, "vOrig"):
        raise Rejection(901)


@rule("Y06-10", 902)
def y06_10_invoice_net_value(ctx) -> None:
    """902: vLiq and vOrig informed and vLiq ≠ vOrig − vDesc. Model 55. AI Y06-10."""
    fat = ctx.doc.amounts.fat
    if _model55(ctx) and fat is not None and fat.get("vLiq") and fat.get("vOrig"):
        if num(fat, "vLiq") != num(fat, "vOrig") - num(fat, "vDesc"):
            raise Rejection(902)


@rule("Y08-10", 852)
def y08_10_instalment_number(ctx) -> None:
    """852: dup/nDup absent, or the instalments not numbered 001, 002, ... in order (three digits).
    Model 55. AI Y08-10."""
    if not _model55(ctx):
        return
    for n, dup in enumerate(ctx.doc.amounts.dups, start=1):
        if dup.get("nDup") != f"{n:03d}":
            raise Rejection(852, _ocor(n))


@rule("Y09-20", 900)
def y09_20_due_date_before_issue(ctx) -> None:
    """900: dup/dVenc absent or before the day of dhEmi. Model 55. AI Y09-20."""
    if not _model55(ctx):
        return
    issued = _issue_day(ctx)
    for n, dup in enumerate(ctx.doc.amounts.dups, start=1):
        due = _day(dup.get("dVenc"))
        if due is None or (issued is not None and due < issued):
            raise Rejection(900, _ocor(n))


@rule("Y09-30", 850)
def y09_30_due_dates_in_order(ctx) -> None:
    """850: dup/dVenc absent or before the previous instalment's. Model 55. AI Y09-30."""
    if not _model55(ctx):
        return
    previous = None
    for n, dup in enumerate(ctx.doc.amounts.dups, start=1):
        due = _day(dup.get("dVenc"))
        if due is None or (previous is not None and due < previous):
            raise Rejection(850, _ocor(n))
        previous = due


@rule("Y09-40", 853, in_force=_NT2501)
def y09_40_cash_sale_without_billing(ctx) -> None:
    """853: a single instalment due on the day of issue is a cash sale: no billing data. Model 55.
    NT 2025.001 Y09-40."""
    dups = ctx.doc.amounts.dups
    if _model55(ctx) and len(dups) == 1 and _day(dups[0].get("dVenc")) == _issue_day(ctx):
        raise Rejection(853)


@rule("Y09-50", 797, in_force=_NT2501)
def y09_50_due_date_too_far(ctx) -> None:
    """797: an instalment due more than 10 years after the reception date. Model 55. NT 2025.001 Y09-50."""
    if not _model55(ctx):
        return
    today = ctx.now.astimezone(BRASILIA).date()
    try:
        limit = today.replace(year=today.year + 10)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year + 10, day=28)
    for n, dup in enumerate(ctx.doc.amounts.dups, start=1):
        due = _day(dup.get("dVenc"))
        if due is not None and due > limit:
            raise Rejection(797, _ocor(n))


@rule("Y10-10", 851)
def y10_10_instalments_sum(ctx) -> None:
    """851: Σ dup/vDup ≠ fat/vLiq (when both are informed). Model 55. AI Y10-10."""
    a = ctx.doc.amounts
    if _model55(ctx) and a.dups and a.fat is not None and a.fat.get("vLiq"):
        if sum((num(d, "vDup") for d in a.dups), ZERO) != num(a.fat, "vLiq"):
            raise Rejection(851)


# --- Group YA: payment (pag) ---------------------------------------------------------------------------------

@rule("YA02-04", 871)
def ya02_04_adjustment_or_return_without_payment(ctx) -> None:
    """871: finNFe 3 (adjustment) or 4 (return) with a tPag other than 90 (Sem Pagamento). Model 55.
    AI YA02-04 (NT 2016.002)."""
    if _model55(ctx) and ctx.doc.ide_("finNFe") in ("3", "4") and _means(ctx) - {"90"}:
        raise Rejection(871)


@rule("YA02-10", 857)
def ya02_10_nfce_trade_bill(ctx) -> None:
    """857: an NFC-e paid by Duplicata Mercantil (tPag 14). Model 65. AI YA02-10."""
    if ctx.doc.mod == "65" and "14" in _means(ctx):
        raise Rejection(857)


@rule("YA02-40", 899)
def ya02_40_nfce_without_payment(ctx) -> None:
    """899: an NFC-e with tPag 90 (Sem Pagamento). Model 65. AI YA02-40."""
    if ctx.doc.mod == "65" and "90" in _means(ctx):
        raise Rejection(899)


@rule("YA02-60", 436, in_force=_NT2006)
def ya02_60_means_of_payment(ctx) -> None:
    """436: tPag not in the table of means of payment in force on the reception date (91 from 03/11/2025).
    NT 2020.006 YA02-60."""
    today = ctx.now.astimezone(BRASILIA).date()
    table = tables.payment_means()
    for n, p in enumerate(ctx.doc.amounts.payments, start=1):
        means = table.get(p.values.get("tPag", ""))
        if means is None or not means.valid_on(today):
            raise Rejection(436)


@rule("YA02a-10", 441, in_force=_NT2006)
def ya02a_10_other_needs_description(ctx) -> None:
    """441: tPag 99 (Outros) without xPag. NT 2020.006 YA02a-10."""
    if any(p.values.get("tPag") == "99" and not p.values.get("xPag") for p in ctx.doc.amounts.payments):
        raise Rejection(441)


@rule("YA02a-20", 442, in_force=_NT2006)
def ya02a_20_description_only_for_other(ctx) -> None:
    """442: xPag informed with a tPag other than 99. NT 2020.006 YA02a-20."""
    if any(p.values.get("tPag") != "99" and "xPag" in p.values for p in ctx.doc.amounts.payments):
        raise Rejection(442)


def _payment_sum_applies(ctx) -> bool:
    return ctx.doc.ide_("finNFe") not in ("3", "4") and not _means(ctx) & {"90", "91"}


@rule("YA03-10", 865)
def ya03_10_payments_below_total(ctx) -> None:
    """865: Σ vPag < vNF; not for finNFe 3/4, nor when a tPag is 90 (Sem Pagamento) or 91 (Pagamento
    Posterior). NFC-e (model 65). AI YA03-10, NT 2025.001 v1.03."""
    a = ctx.doc.amounts
    if ctx.doc.mod == "65" and a.has_pag and _payment_sum_applies(ctx) and _paid(ctx) < num(a.icms_tot, "vNF"):
        raise Rejection(865)


@rule("YA03-10-55", 865, in_force=_NT2501)
def ya03_10_nfe_payments_below_total(ctx) -> None:
    """865 for the NF-e (model 55), from NT 2025.001 (which made the rule national; its v1.02-1.03 mark the NF-e
    part "future", but authorizers answered it to NF-e from its dates: the setting payment_sum_nfe switches it)."""
    a = ctx.doc.amounts
    if (_model55(ctx) and ctx.settings.payment_sum_nfe and a.has_pag and _payment_sum_applies(ctx)
            and _paid(ctx) < num(a.icms_tot, "vNF")):
        raise Rejection(865)


@rule("YA03-20", 866)
def ya03_20_change_missing(ctx) -> None:
    """866: Σ vPag > vNF and no vTroco. AI YA03-20, NT 2025.001."""
    a = ctx.doc.amounts
    if a.has_pag and a.vTroco is None and _paid(ctx) > num(a.icms_tot, "vNF"):
        raise Rejection(866)


@rule("YA03-30", 904)
def ya03_30_value_without_payment(ctx) -> None:
    """904: tPag 90 (Sem Pagamento) with vPag ≠ 0 (91, Pagamento Posterior, may carry the part paid now,
    NT 2025.001 v1.03). NT 2025.001 YA03-30."""
    if any(p.values.get("tPag") == "90" and num(p.values, "vPag") != ZERO for p in ctx.doc.amounts.payments):
        raise Rejection(904)


@rule("YA03a-10", 657, in_force=_NT2304)
def ya03a_10_payment_date(ctx) -> None:
    """657 (this meaning, codes.MEANINGS; the events' 657 is another rule): detPag/dPag after the reception date.
    NT 2023.004 YA03a-10."""
    today = ctx.now.astimezone(BRASILIA).date()
    for n, p in enumerate(ctx.doc.amounts.payments, start=1):
        paid_on = _day(p.values.get("dPag"))
        if paid_on is not None and paid_on > today:
            raise Rejection(657, _ocor(n), meaning="YA03a-10")


@rule("YA03c-10", 961, in_force=_NT2304)
def ya03c_10_payment_cnpj(ctx) -> None:
    """961: detPag/CNPJPag with zeros or wrong check digits. NT 2023.004 YA03c-10."""
    for n, p in enumerate(ctx.doc.amounts.payments, start=1):
        cnpj = p.values.get("CNPJPag")
        if cnpj is not None and not keys.valid_cnpj(cnpj):
            raise Rejection(961, _ocor(n))


@rule("YA04-10", 391)
def ya04_10_card_data_missing(ctx) -> None:
    """391: tPag 03, 04 or 17 (credit, debit, PIX) without the card group. NFC-e (model 65); national since
    NT 2025.001 but "future" for the NF-e. NT 2023.004 / NT 2025.001 YA04-10."""
    if ctx.doc.mod != "65":
        return
    for n, p in enumerate(ctx.doc.amounts.payments, start=1):
        if p.values.get("tPag") in _CARD_REQUIRED and p.card is None:
            raise Rejection(391, _ocor(n))


@rule("YA04-20", 963, in_force=_NT2304)
def ya04_20_card_group_not_accepted(ctx) -> None:
    """963 (this meaning; NT 2023.001's ad-rem 963 is future): the card group with a tPag other than 03, 04, 10,
    11, 12, 13, 15, 17, 18. NT 2023.004 YA04-20."""
    for n, p in enumerate(ctx.doc.amounts.payments, start=1):
        if p.card is not None and p.values.get("tPag") not in _CARD_MEANS:
            raise Rejection(963, _ocor(n))


@rule("YA04a-20", 737)
def ya04a_20_non_integrated_card(ctx) -> None:
    """737 (UF option, off unless uf_optional_rules lists YA04a-20): a card payment from an automation system not
    integrated with the card terminal (card/tpIntegra=2) in a UF that does not accept it. AI YA04a-20."""
    if "YA04a-20" not in ctx.settings.uf_optional_rules:
        return
    if any(p.card is not None and p.card.get("tpIntegra") == "2" for p in ctx.doc.amounts.payments):
        raise Rejection(737)


@rule("YA05-10", 392)
def ya05_10_integrated_card_data(ctx) -> None:
    """392: an integrated card payment (tpIntegra=1) without the acquirer's CNPJ or the authorization code (cAut).
    AI YA05-10, NT 2025.001."""
    for p in ctx.doc.amounts.payments:
        card = p.card
        if card is not None and card.get("tpIntegra") == "1" and not (card.get("CNPJ") and card.get("cAut")):
            raise Rejection(392)


@rule("YA06-10", 443, in_force=_NT2006)
def ya06_10_card_brand(ctx) -> None:
    """443: card/tBand not in the table of card brands. NT 2020.006 YA06-10."""
    brands = tables.card_brands()
    for p in ctx.doc.amounts.payments:
        if p.card is not None and "tBand" in p.card and p.card["tBand"] not in brands:
            raise Rejection(443)


@rule("YA07a", 796, in_force=_NT2304)
def ya07a_receiver_cnpj(ctx) -> None:
    """796 (this meaning, codes.MEANINGS; the QR code's 796 is another rule): card/CNPJReceb, the CNPJ of the
    payment's receiver, with zeros or wrong check digits. NT 2023.004 YA07a."""
    for n, p in enumerate(ctx.doc.amounts.payments, start=1):
        cnpj = p.card.get("CNPJReceb") if p.card is not None else None
        if cnpj is not None and not keys.valid_cnpj(cnpj):
            raise Rejection(796, _ocor(n), meaning="YA07a")


@rule("YA09-10", 869)
def ya09_10_change_value(ctx) -> None:
    """869: vTroco informed and ≠ Σ vPag − vNF. AI YA09-10 (NT 2016.002)."""
    change = _change(ctx)
    if change is not None and change != _paid(ctx) - num(ctx.doc.amounts.icms_tot, "vNF"):
        raise Rejection(869)


@rule("YA09-20", 965, in_force=InForce(hom=date(2024, 10, 1), prod=date(2024, 10, 1)))
def ya09_20_change_limit(ctx) -> None:
    """965 (this meaning; NT 2023.001's ad-rem 965 is future): vTroco above R$ 300.000,00 (R$ 1.000,00 in v1.11).
    NT 2023.004 v1.20 YA09-20 (prod 01/10/2024)."""
    change = _change(ctx)
    if change is not None and change > _MAX_CHANGE:
        raise Rejection(965)


# MOC order: Y (cobr) then YA (pag).
PAYMENT_RULES = (
    y01_20_invoice_fields, y05_10_invoice_discount, y06_10_invoice_net_value, y08_10_instalment_number,
    y09_20_due_date_before_issue, y09_30_due_dates_in_order, y09_40_cash_sale_without_billing,
    y09_50_due_date_too_far, y10_10_instalments_sum,
    ya02_04_adjustment_or_return_without_payment, ya02_10_nfce_trade_bill, ya02_40_nfce_without_payment,
    ya02_60_means_of_payment, ya02a_10_other_needs_description, ya02a_20_description_only_for_other,
    ya03_10_payments_below_total, ya03_10_nfe_payments_below_total, ya03_20_change_missing,
    ya03_30_value_without_payment, ya03a_10_payment_date, ya03c_10_payment_cnpj, ya04_10_card_data_missing,
    ya04_20_card_group_not_accepted, ya04a_20_non_integrated_card, ya05_10_integrated_card_data, ya06_10_card_brand,
    ya07a_receiver_cnpj, ya09_10_change_value, ya09_20_change_limit,
)
