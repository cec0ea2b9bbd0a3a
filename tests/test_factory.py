from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree

from fake_sefaz.emitter.factory import (
    HOMOLOGATION_DEST_NAME, HOMOLOGATION_ITEM_NAME, NFeFactory, access_key, clean_text, signed_nfe, sp_ie,
    wrap_lot,
)
from fake_sefaz.domain.keys import FORBIDDEN_CNF, AccessKey, mod11_dv, valid_cnpj, valid_cpf
from fake_sefaz.domain.municipalities import CAPITALS, ibge_dv
from fake_sefaz.domain.ufs import CODES

NS = "http://www.portalfiscal.inf.br/nfe"
N = "{%s}" % NS
DH_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def _t(el: etree._Element, path: str) -> str:
    return el.findtext("/".join(N + p for p in path.split("/")))


def _d(el: etree._Element, path: str) -> Decimal:
    return Decimal(_t(el, path))


def _assert_valid(schema: etree.XMLSchema, doc: etree._Element) -> None:
    assert schema.validate(doc), [str(e) for e in schema.error_log]


def test_signed_nfe_is_schema_valid_and_sized(factory, signer, nfe_schema, find_whitespace, verify):
    nfe = signed_nfe(factory, signer)
    _assert_valid(nfe_schema, nfe)
    size = len(etree.tostring(nfe, encoding="utf-8"))
    assert 5_000 <= size <= 8_000, size
    assert find_whitespace(nfe) == []
    verify(etree.tostring(nfe))


def test_lot_is_schema_valid(factory, signer, envi_schema):
    nfes = [signed_nfe(factory, signer) for _ in range(3)]
    lot = wrap_lot(nfes, idLote=202611210001, indSinc=1)
    _assert_valid(envi_schema, lot)
    assert lot.get("versao") == "4.00"
    assert [c.tag for c in lot][:2] == [N + "idLote", N + "indSinc"]
    assert _t(lot, "idLote") == "202611210001" and _t(lot, "indSinc") == "1"
    assert len(lot.findall(N + "NFe")) == 3
    assert all(n.getparent() is None for n in nfes)  # the lot holds copies


def test_access_key_matches_ide(factory):
    nfe = factory.build(serie=7, nNF=4242, cNF="13572468", tpEmis=1,
                        dhEmi=datetime(2026, 11, 21, 10, 0, 0, tzinfo=timezone(timedelta(hours=-3))))
    inf = nfe.find(N + "infNFe")
    key = access_key(nfe)
    assert inf.get("Id") == "NFe" + key and inf.get("versao") == "4.00"
    ak = AccessKey(key)
    assert ak.dv_ok() and int(ak.cDV) == mod11_dv(key[:43])
    assert _t(nfe, "infNFe/ide/cDV") == ak.cDV
    assert ak.cUF == _t(nfe, "infNFe/ide/cUF") == "35"
    assert ak.year + ak.month == "2611"
    assert ak.issuer == _t(nfe, "infNFe/emit/CNPJ") == factory.cnpj
    assert (ak.mod, ak.serie, ak.nNF, ak.tpEmis, ak.cNF) == ("55", "007", "000004242", "1", "13572468")
    assert _t(nfe, "infNFe/ide/dhEmi") == "2026-11-21T10:00:00-03:00"


def test_cnf_rule_holds(factory):
    for nNF in (1, 12345678, 99999999, 123456789):
        for _ in range(30):
            cnf = factory.random_cnf(nNF)
            assert len(cnf) == 8 and cnf.isdigit()
            assert cnf not in FORBIDDEN_CNF and cnf != f"{nNF:08d}"
    nfe = factory.build()
    cnf, nnf = _t(nfe, "infNFe/ide/cNF"), int(_t(nfe, "infNFe/ide/nNF"))
    assert cnf not in FORBIDDEN_CNF and cnf != f"{nnf:08d}" and 1 <= nnf <= 999_999_999


def test_totals_consistent(factory):
    nfe = factory.build(n_items=5)
    dets = nfe.findall(f"{N}infNFe/{N}det")
    assert [d.get("nItem") for d in dets] == ["1", "2", "3", "4", "5"]
    for det in dets:
        q, v = _d(det, "prod/qCom"), _d(det, "prod/vUnCom")
        assert _d(det, "prod/vProd") == (q * v).quantize(Decimal("0.01"))
        assert _d(det, "imposto/ICMS/ICMS00/vBC") == _d(det, "prod/vProd")
        assert _t(det, "imposto/ICMS/ICMS00/CST") == "00" and _t(det, "imposto/PIS/PISAliq/CST") == "01"
        assert _t(det, "prod/CFOP") == "5102" and _t(det, "prod/cEAN") == "SEM GTIN"
        assert re.fullmatch(r"\d{8}", _t(det, "prod/NCM"))
    tot = "infNFe/total/ICMSTot/"

    def total_of(path: str) -> Decimal:
        return sum((_d(d, path) for d in dets), Decimal("0"))

    assert _d(nfe, tot + "vProd") == total_of("prod/vProd")
    assert _d(nfe, tot + "vBC") == total_of("imposto/ICMS/ICMS00/vBC")
    assert _d(nfe, tot + "vICMS") == total_of("imposto/ICMS/ICMS00/vICMS")
    assert _d(nfe, tot + "vPIS") == total_of("imposto/PIS/PISAliq/vPIS")
    assert _d(nfe, tot + "vCOFINS") == total_of("imposto/COFINS/COFINSAliq/vCOFINS")
    expected_vnf = (_d(nfe, tot + "vProd") - _d(nfe, tot + "vDesc") - _d(nfe, tot + "vICMSDeson")
                    + _d(nfe, tot + "vST") + _d(nfe, tot + "vFCPST") + _d(nfe, tot + "vFrete")
                    + _d(nfe, tot + "vSeg") + _d(nfe, tot + "vOutro") + _d(nfe, tot + "vII")
                    + _d(nfe, tot + "vIPI") + _d(nfe, tot + "vIPIDevol"))
    assert _d(nfe, tot + "vNF") == expected_vnf
    assert _d(nfe, "infNFe/pag/detPag/vPag") == _d(nfe, tot + "vNF")


def test_homologation_recipient_and_parties(factory):
    nfe = factory.build()
    assert _t(nfe, "infNFe/ide/tpAmb") == "2"
    assert _t(nfe, "infNFe/dest/xNome") == HOMOLOGATION_DEST_NAME
    assert valid_cnpj(_t(nfe, "infNFe/dest/CNPJ"))
    assert _t(nfe, "infNFe/dest/indIEDest") == "9" and _t(nfe, "infNFe/ide/indFinal") == "1"
    assert _t(nfe, "infNFe/emit/CRT") == "3"
    assert _t(factory.build(dest_name="FULANO DE TAL"), "infNFe/dest/xNome") == "FULANO DE TAL"
    cpf_doc = factory.build(dest_doc="12345678909")
    assert valid_cpf(_t(cpf_doc, "infNFe/dest/CPF"))
    assert factory.build(dest_doc=None).find(f"{N}infNFe/{N}dest") is None
    production = NFeFactory(seed=3, tpAmb=1).build()
    assert _t(production, "infNFe/ide/tpAmb") == "1"
    assert _t(production, "infNFe/dest/xNome") != HOMOLOGATION_DEST_NAME


def test_emitter_in_uf(factory, pki):
    nfe = factory.build()
    assert _t(nfe, "infNFe/emit/CNPJ") == pki.identity("emitente").cnpj
    assert _t(nfe, "infNFe/emit/enderEmit/cMun") == "3550308" == _t(nfe, "infNFe/ide/cMunFG")
    assert _t(nfe, "infNFe/emit/enderEmit/UF") == "SP"
    assert _sp_ie_ok(_t(nfe, "infNFe/emit/IE"))
    other = factory.build(uf="BA", cnpj="11222333000181", razao="OUTRA")
    assert _t(other, "infNFe/ide/cUF") == "29" and access_key(other).startswith("29")
    assert _t(other, "infNFe/emit/enderEmit/cMun") == "2927408" == _t(other, "infNFe/ide/cMunFG")
    assert _t(other, "infNFe/emit/CNPJ") == "11222333000181"
    assert _t(other, "infNFe/emit/xNome") == "OUTRA"
    assert _t(other, "infNFe/ide/dhEmi").endswith("-03:00")
    assert _t(factory.build(cUF=13), "infNFe/ide/dhEmi").endswith("-04:00")  # Manaus


def _sp_ie_ok(ie: str) -> bool:
    d = [int(c) for c in ie]
    dv1 = sum(x * w for x, w in zip(d[:8], (1, 3, 4, 5, 6, 7, 8, 10))) % 11 % 10
    dv2 = sum(x * w for x, w in zip(d[:11], (3, 2, 10, 9, 8, 7, 6, 5, 4, 3, 2))) % 11 % 10
    return len(ie) == 12 and d[8] == dv1 and d[11] == dv2


def test_sp_ie_check_digits():
    # The formula must reproduce SINTEGRA's published valid example 110.042.490.114.
    assert _sp_ie_ok("110042490114") and not _sp_ie_ok("110042490115")

    class Fixed(random.Random):
        def __init__(self, digits):
            super().__init__()
            self._digits = iter(digits)

        def randrange(self, *_):
            return next(self._digits)

    assert sp_ie(Fixed([1, 1, 0, 0, 4, 2, 4, 9, 1, 1])) == "110042490114"


def test_overrides(factory):
    naive = datetime(2026, 3, 5, 8, 30, 15, 123456)
    nfe = factory.build(mod=55, serie=2, nNF=77, cNF=24681357, dhEmi=naive, tpEmis=9, n_items=1)
    assert _t(nfe, "infNFe/ide/dhEmi") == "2026-03-05T08:30:15-03:00"
    assert DH_PATTERN.match(_t(nfe, "infNFe/ide/dhEmi"))
    assert (_t(nfe, "infNFe/ide/serie"), _t(nfe, "infNFe/ide/nNF"), _t(nfe, "infNFe/ide/cNF")) == ("2", "77", "24681357")
    assert _t(nfe, "infNFe/ide/tpEmis") == "9" and access_key(nfe)[34] == "9"
    assert _t(nfe, "infNFe/ide/dhCont") == "2026-03-05T08:30:15-03:00" and _t(nfe, "infNFe/ide/xJust")
    assert len(nfe.findall(f"{N}infNFe/{N}det")) == 1
    assert DH_PATTERN.match(_t(factory.build(), "infNFe/ide/dhEmi"))
    assert _t(factory.build(tpAmb=1), "infNFe/ide/tpAmb") == "1"
    with pytest.raises(TypeError):
        factory.build(no_such_field=1)


def test_seed_is_reproducible():
    dh = datetime(2026, 11, 21, 10, 0, 0)
    a = NFeFactory(seed=99).build(dhEmi=dh)
    b = NFeFactory(seed=99).build(dhEmi=dh)
    c = NFeFactory(seed=100).build(dhEmi=dh)
    assert etree.tostring(a) == etree.tostring(b) != etree.tostring(c)


def test_nfce(factory, signer, nfe_schema):
    nfce = signer.sign_nfe(factory.build_nfce())
    _assert_valid(nfe_schema, nfce)
    assert access_key(nfce)[20:22] == "65"
    assert (_t(nfce, "infNFe/ide/mod"), _t(nfce, "infNFe/ide/tpImp"), _t(nfce, "infNFe/ide/indFinal"),
            _t(nfce, "infNFe/ide/indPres")) == ("65", "4", "1", "1")
    assert nfce.find(f"{N}infNFe/{N}dest") is None
    assert _t(nfce, "infNFe/det/prod/xProd") == HOMOLOGATION_ITEM_NAME
    with_cpf = factory.build_nfce(dest_doc="12345678909")
    _assert_valid(nfe_schema, signer.sign_nfe(with_cpf))
    assert _t(with_cpf, "infNFe/dest/CPF") == "12345678909"


@pytest.mark.parametrize("cUF", sorted(CODES))
def test_every_uf_builds_valid(cUF, signer, nfe_schema, pki):
    nfe = NFeFactory(seed=cUF, uf=cUF, cnpj=pki.identity("emitente").cnpj).build(n_items=1)
    _assert_valid(nfe_schema, signer.sign_nfe(nfe))
    cMun = _t(nfe, "infNFe/emit/enderEmit/cMun")
    assert cMun[:2] == f"{cUF:02d}" and ibge_dv(cMun[:6]) == int(cMun[6])


def test_capitals_table_complete():
    assert set(CAPITALS) == set(CODES)
    for cUF, (cMun, xMun) in CAPITALS.items():
        assert str(cMun)[:2] == f"{cUF:02d}" and ibge_dv(str(cMun)[:6]) == cMun % 10 and xMun


def test_clean_text():
    assert clean_text("  Jo\u00e3o   da\tSilva  ") == "João da Silva"
    assert clean_text("x" * 100) == "x" * 60
    # Characters outside Latin-1 (TString's range) are dropped, the accented Latin-1 ones kept.
    assert clean_text("caf\u00e9 \u2013 ok") == "café ok"
