"""An emitter's test suite using the fake_sefaz pytest fixture (pip install fake-sefaz; nothing else to set up).

The emitter here is zeep driven by the official WSDLs the fake serves; a real ERP would use its own client,
pointed at fake_sefaz.urls[...] and signing with fake_sefaz.certificates["emitente"].pfx / .password.
"""

import httpx
import pytest
import zeep
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree

N = "{http://www.portalfiscal.inf.br/nfe}"
STATUS = ('<consStatServ xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><tpAmb>2</tpAmb>'
          '<cUF>35</cUF><xServ>STATUS</xServ></consStatServ>')


def authorize(fake_sefaz, nfe, timeout=30):
    client = zeep.Client(fake_sefaz.wsdl("NFeAutorizacao4"), transport=zeep.Transport(operation_timeout=timeout))
    service = client.bind("NFeAutorizacao4", "NFeAutorizacao4Soap12")
    return service.nfeAutorizacaoLote(_value_1=fake_sefaz.lot([nfe]))["body"]["_value_1"]


def query(fake_sefaz, key):
    client = zeep.Client(fake_sefaz.wsdl("NFeConsultaProtocolo4"))
    service = client.bind("NFeConsultaProtocolo4", "NFeConsultaProtocolo4Soap12")
    msg = etree.fromstring(f'<consSitNFe xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><tpAmb>2</tpAmb>'
                           f'<xServ>CONSULTAR</xServ><chNFe>{key}</chNFe></consSitNFe>')
    result = service.nfeConsultaNF(_value_1=msg)
    return result if isinstance(result, etree._Element) else result["body"]["_value_1"]


def status(fake_sefaz):
    service = zeep.Client(fake_sefaz.wsdl("NFeStatusServico4")).bind("NFeStatusServico4", "NFeStatusServico4Soap12")
    result = service.nfeStatusServicoNF(_value_1=etree.fromstring(STATUS))
    return result if isinstance(result, etree._Element) else result["body"]["_value_1"]


def key_of(nfe):
    return nfe.find(N + "infNFe").get("Id")[3:]


def test_the_certificate_opens_with_its_password(fake_sefaz):
    cert = fake_sefaz.certificates["emitente"]
    key, leaf, chain = pkcs12.load_key_and_certificates(cert.pfx.read_bytes(), cert.password.encode())
    assert leaf is not None and cert.cnpj in leaf.subject.rfc4514_string() + str(leaf.extensions)


def test_authorized(fake_sefaz):
    nfe = fake_sefaz.new_nfe()
    ret = authorize(fake_sefaz, nfe)
    assert ret.findtext(N + "cStat") == "104"
    assert ret.findtext(f"{N}protNFe/{N}infProt/{N}cStat") == "100"
    assert fake_sefaz.document(key_of(nfe))["state"] == "authorized"


def test_forced_denial_is_stored(fake_sefaz):
    fake_sefaz.force(302, "NFeAutorizacao4")
    nfe = fake_sefaz.new_nfe()
    assert authorize(fake_sefaz, nfe).findtext(f"{N}protNFe/{N}infProt/{N}cStat") == "302"
    assert query(fake_sefaz, key_of(nfe)).findtext(N + "cStat") == "110"


def test_contingency_when_paused(fake_sefaz):
    fake_sefaz.pause(109)
    assert status(fake_sefaz).findtext(N + "cStat") == "109"


def test_faults_do_not_leak_into_the_next_test(fake_sefaz):
    assert status(fake_sefaz).findtext(N + "cStat") == "107"


def test_deadline_with_the_clock(fake_sefaz):
    fake_sefaz.advance(days=31)
    assert authorize(fake_sefaz, fake_sefaz.new_nfe()).findtext(f"{N}protNFe/{N}infProt/{N}cStat") == "228"


def test_lost_answer_then_query_before_sending_again(fake_sefaz):
    fake_sefaz.drop_next("timeout")
    nfe = fake_sefaz.new_nfe()
    with pytest.raises(Exception) as lost:  # requests.Timeout under zeep
        authorize(fake_sefaz, nfe, timeout=1)
    assert "timed out" in str(lost.value).lower() or "timeout" in type(lost.value).__name__.lower()
    found = query(fake_sefaz, key_of(nfe))
    assert found.findtext(N + "cStat") == "100"  # the emitter keeps this protocol instead of re-sending
