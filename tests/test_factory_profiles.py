"""The factory's tax profiles (issue 17): every profile, with and without billing, is schema-valid and authorized
over SOAP by the server with every content rule on (item arithmetic, totals, payment, billing), and the corpus
can mix them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from support import prot
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.emitter.factory import TAX_PROFILES
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.arithmetic import ARITHMETIC_RULES
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.rules.payment import PAYMENT_RULES
from fake_sefaz.rules.totals import TOTALS_RULES
from fake_sefaz.server.settings import Settings

N = "{http://www.portalfiscal.inf.br/nfe}"
CONTENT_RULES = ARITHMETIC_RULES + TOTALS_RULES + PAYMENT_RULES


@pytest.mark.parametrize("tax", TAX_PROFILES)
@pytest.mark.parametrize("installments", [0, 3])
def test_profile_is_authorized(emitter12, nfe_schema, tax, installments):
    nfe = emitter12.nfe(tax=tax, installments=installments, n_items=4)
    assert nfe_schema.validate(nfe), [str(e) for e in nfe_schema.error_log]
    assert prot(emitter12.authorize(nfe)) == ("100", "Autorizado o uso da NF-e")


@pytest.mark.parametrize("uf", ["SP", "BA", "RS", "AM", "PE", "MG"])
@pytest.mark.parametrize("tax", TAX_PROFILES)
def test_profile_passes_every_content_rule_in_every_uf(uf, tax):
    from fake_sefaz.emitter.factory import NFeFactory

    f = NFeFactory(seed=17, uf=uf)
    for n_items in (1, 3, 7):
        nfe = f.build(tax=tax, n_items=n_items, installments=n_items % 4)
        ctx = NFeContext(NFeView(nfe), datetime.now(timezone.utc), f.cUF, 2, Settings(uf=uf), None)
        assert first_failure(CONTENT_RULES, ctx) is None


def test_profiles_carry_what_they_name(fresh_factory):
    def text(nfe, path):
        return nfe.findtext("/".join(N + p for p in path.split("/")))

    st = fresh_factory.build(tax="st", n_items=2)
    assert text(st, "infNFe/det/imposto/ICMS/ICMS10/CST") == "10"
    assert float(text(st, "infNFe/total/ICMSTot/vST")) > 0
    difal = fresh_factory.build(tax="difal")
    assert text(difal, "infNFe/ide/idDest") == "2" and text(difal, "infNFe/dest/enderDest/UF") == "BA"
    assert text(difal, "infNFe/det/imposto/ICMSUFDest/pICMSInter") == "7.00"
    imp = fresh_factory.build(tax="import")
    assert text(imp, "infNFe/ide/tpNF") == "0" and text(imp, "infNFe/det/prod/CFOP") == "3102"
    assert text(imp, "infNFe/det/prod/DI/adi/nSeqAdic") == "1"
    simples = fresh_factory.build(tax="simples")
    assert text(simples, "infNFe/emit/CRT") == "1"
    services = fresh_factory.build(tax="services", n_items=3, price="100.00", quantity=1)
    assert text(services, "infNFe/total/ISSQNtot/vServ") == "200.00" and text(services, "infNFe/total/ICMSTot/vNF") == "300.00"
    assert text(services, "infNFe/emit/IM")
    billed = fresh_factory.build(installments=2)
    assert [d.findtext(N + "nDup") for d in billed.iter(N + "dup")] == ["001", "002"]
    with pytest.raises(ValueError):
        fresh_factory.build(tax="bogus")


def test_corpus_mixes_the_profiles_and_the_server_authorizes_them(pki, emitter12, tmp_path):
    from lxml import etree

    from fake_sefaz.emitter.corpus import CorpusSpec, read_corpus, write_corpus

    manifest = write_corpus(tmp_path / "c", CorpusSpec(count=len(TAX_PROFILES), certs_dir=str(pki.directory),
                                                       taxes=TAX_PROFILES), jobs=1)
    assert manifest["taxes"] == list(TAX_PROFILES)
    _, docs = read_corpus(tmp_path / "c")
    cfops = set()
    for doc in docs:
        nfe = etree.fromstring(doc.xml)
        cfops.add(nfe.findtext(f"{N}infNFe/{N}det/{N}prod/{N}CFOP"))
        assert prot(emitter12.authorize(nfe))[0] == "100", doc.key
    assert {"5102", "5401", "5101", "6108", "3102"} <= cfops
    with pytest.raises(ValueError):
        CorpusSpec(count=1, model=65, taxes=("difal",))
