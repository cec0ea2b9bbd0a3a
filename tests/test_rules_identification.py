"""Identification rules (rules/identification.py; content-rules.md §2.2), called with a rule context built from a
factory note: no server, no database. The note is an internal sale in SP to a CNPJ recipient (indIEDest=9); the
`import` profile an entry from a supplier abroad (idDest=3, UF EX, idEstrangeiro)."""

from __future__ import annotations

import pytest

from support.content import check_case, note, outcome
from fake_sefaz.rules import identification as r
from fake_sefaz.server.settings import Settings

IMPORT = {"tax": "import"}
DEST = "infNFe/dest/"


def _set(path, text):
    return [{"path": path, "text": text}]


def _place(group: str, doc: str, number: str) -> list[dict]:
    return [{"path": "infNFe/dest", "insert_xml": f"<{group}><{doc}>{number}</{doc}><xLgr>RUA A</xLgr><nro>1</nro>"
             "<xBairro>CENTRO</xBairro><cMun>3550308</cMun><xMun>SAO PAULO</xMun><UF>SP</UF></" + group + ">"}]


def _ie(value: str, ind: str = "1") -> list[dict]:
    return _set(DEST + "indIEDest", ind) + [{"path": DEST + "indIEDest", "insert_after": "IE", "text": value}]


# (rule, build, edits, cStat, xMotivo): the build passes the rule, the edited build gets the code and text.
CASES = [
    (r.b12_10_cmunfg_exists, {}, _set("infNFe/ide/cMunFG", "3599999"), 270,
     "Rejeição: Código Município do Fato Gerador de ICMS inexistente"),
    (r.b12_20_cmunfg_of_issuer_uf, {}, _set("infNFe/ide/cMunFG", "3304557"), 271,
     "Rejeição: Código Município do Fato Gerador: difere da UF do emitente"),
    (r.c10_10_issuer_cmun_exists, {}, _set("infNFe/emit/enderEmit/cMun", "3599999"), 272,
     "Rejeição: Código Município do Emitente inexistente"),
    (r.c10_20_issuer_cmun_of_uf, {}, _set("infNFe/emit/enderEmit/cMun", "3304557"), 273,
     "Rejeição: Código Município do Emitente: difere da UF do emitente"),
    (r.e02_10_recipient_cnpj, {"dest_doc": "91528947000125"}, _set(DEST + "CNPJ", "91528947000126"), 208,
     "Rejeição: CNPJ do destinatário inválido"),
    (r.e03_10_recipient_cpf, {"dest_doc": "52998224725"}, _set(DEST + "CPF", "52998224726"), 237,
     "Rejeição: CPF do destinatário inválido"),
    (r.e03a_10_abroad_needs_foreign_id, IMPORT, [{"path": DEST + "idEstrangeiro", "rename": "CNPJ",
                                                  "text": "91528947000125"}], 720,
     "Rejeição: Na operação com Exterior deve ser informada tag idEstrangeiro"),
    (r.e10_10_recipient_cmun_exists, {}, _set(DEST + "enderDest/cMun", "3599999"), 274,
     "Rejeição: Código Município do Destinatário inexistente"),
    (r.e10_20_recipient_cmun_of_uf, {}, _set(DEST + "enderDest/cMun", "3304557"), 275,
     "Rejeição: Código Município do Destinatário: difere da UF do Destinatário"),
    (r.e10_30_abroad_municipality, IMPORT, _set(DEST + "enderDest/cMun", "3550308"), 509,
     'Rejeição: Informado código de município diferente de "9999999" para operação com o exterior'),
    (r.e12_10_abroad_needs_uf_ex, IMPORT, _set(DEST + "enderDest/UF", "SP"), 727,
     "Rejeição: Operação com Exterior e UF diferente de EX"),
    (r.e14_30_abroad_not_brazil, IMPORT, _set(DEST + "enderDest/cPais", "1058"), 926,
     "Rejeição: Operação com Exterior e país de destino igual a Brasil."),
    (r.e16a_20_abroad_not_contributor, IMPORT, _set(DEST + "indIEDest", "2"), 790,
     "Rejeição: Operação com Exterior para destinatário Contribuinte de ICMS"),
    (r.e17_20_contributor_needs_ie, {}, _set(DEST + "indIEDest", "1"), 728,
     "Rejeição: NF-e sem informação da IE do destinatário"),
    (r.e17_30_exempt_without_ie, {}, _ie("110042490114", ind="2"), 791,
     "Rejeição: NF-e com indicação de destinatário isento de IE, com a informação da IE do destinatário"),
    (r.e17_40_abroad_without_ie, IMPORT, [{"path": DEST + "indIEDest", "insert_after": "IE", "text": "110042490114"}],
     792, "Rejeição: Informada a IE do destinatário para operação com destinatário no Exterior"),
    (r.e17_50_recipient_ie_valid, {}, _ie("110042490115"), 210, "Rejeição: IE do destinatário inválida"),
    (r.f02_10_pickup_cnpj, {"settings": ["F02-10"]}, _place("retirada", "CNPJ", "91528947000126"), 512,
     "Rejeição: CNPJ do Local de Retirada inválido"),
    (r.f02a_10_pickup_cpf, {"settings": ["F02a-10"]}, _place("retirada", "CPF", "12345678900"), 540,
     "Rejeição: CPF do Local de Retirada inválido"),
    (r.g02_10_delivery_cnpj, {"settings": ["G02-10"]}, _place("entrega", "CNPJ", "91528947000126"), 514,
     "Rejeição: CNPJ do Local de Entrega inválido"),
    (r.g02a_10_delivery_cpf, {"settings": ["G02a-10"]}, _place("entrega", "CPF", "12345678900"), 541,
     "Rejeição: CPF do Local de Entrega inválido"),
    (r.ga02_10_autxml_cnpj, {}, [{"path": "infNFe/dest", "insert_xml": "<autXML><CNPJ>11222333000182</CNPJ></autXML>"}],
     323, "Rejeição: CNPJ autorizado para download inválido"),
    (r.ga02_20_autxml_cnpj_is_recipient, {"dest_doc": "91528947000125"},
     [{"path": "infNFe/dest", "insert_xml": "<autXML><CNPJ>91528947000125</CNPJ></autXML>"}], 324,
     "Rejeição: CNPJ do destinatário já autorizado para download"),
    (r.ga03_10_autxml_cpf, {}, [{"path": "infNFe/dest", "insert_xml": "<autXML><CPF>12345678900</CPF></autXML>"}], 325,
     "Rejeição: CPF autorizado para download inválido"),
    (r.ga03_20_autxml_cpf_is_recipient, {"dest_doc": "52998224725"},
     [{"path": "infNFe/dest", "insert_xml": "<autXML><CPF>52998224725</CPF></autXML>"}], 326,
     "Rejeição: CPF do destinatário já autorizado para download"),
    (r.x04_20_carrier_cnpj, {}, [{"path": "infNFe/transp/modFrete", "insert_xml":
                                  "<transporta><CNPJ>91528947000126</CNPJ><xNome>T</xNome></transporta>"}], 542,
     "Rejeição: CNPJ do Transportador inválido"),
    (r.x05_10_carrier_cpf, {}, [{"path": "infNFe/transp/modFrete", "insert_xml":
                                 "<transporta><CPF>12345678900</CPF><xNome>T</xNome></transporta>"}], 543,
     "Rejeição: CPF do Transportador inválido"),
]


@pytest.mark.parametrize("rule, build, edits, cstat, text", CASES, ids=[f"{c[3]}-{c[0].rule_id}" for c in CASES])
def test_rule(rule, build, edits, cstat, text):
    check_case(rule, build, edits, cstat, text)


def test_every_identification_rule_has_a_case():
    assert {c[0] for c in CASES} == set(r.IDENTIFICATION_RULES)


def test_valid_numbers_pass_every_rule():
    """A valid CPF recipient, a valid carrier, a valid autXML and pick-up place: nothing to say."""
    edits = (_place("retirada", "CNPJ", "91528947000125")
             + [{"path": "infNFe/dest", "insert_xml": "<autXML><CPF>52998224725</CPF></autXML>"},
                {"path": "infNFe/transp/modFrete", "insert_xml":
                 "<transporta><CNPJ>91528947000125</CNPJ><xNome>T</xNome></transporta>"}])
    settings = Settings(uf_optional_rules=("F02-10", "F02a-10", "G02-10", "G02a-10"))
    nfe = note(edits=edits, dest_doc="12345678909")
    assert [c[0].rule_id for c in CASES if outcome(c[0], nfe, settings=settings) is not None] == []


def test_contributor_with_valid_ie_and_leading_zeros():
    """E17-50 (*2): a valid SP IE passes 210; an exempt recipient (indIEDest=2) with no IE passes 791."""
    assert outcome(r.e17_50_recipient_ie_valid, note(edits=_ie("110042490114"))) is None
    assert outcome(r.e17_30_exempt_without_ie, note(edits=_set(DEST + "indIEDest", "2"))) is None


def test_nfce_is_not_judged_by_model_55_rules():
    """728 and 210 are model-55 rules (MOC: 55): an NFC-e whose consumer is flagged contributor is not judged."""
    nfce = note(65, edits=_set(DEST + "indIEDest", "1"), dest_doc="52998224725")
    assert outcome(r.e17_20_contributor_needs_ie, nfce) is None
