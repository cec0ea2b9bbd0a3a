"""Shared fixtures: one test PKI per session (RSA key generation is the slow part), schemas, signer, factory."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from importlib.resources import files

import pytest
import xmlsec
from lxml import etree

from fake_sefaz.emitter.factory import NFeFactory
from fake_sefaz.emitter.pki import TestPKI, ensure_test_pki
from fake_sefaz.emitter.signer import DS_NS, Signer

SCHEMA_DIR = files("nfelib") / "nfe/schemas/v4_0"
DS = "{%s}" % DS_NS


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> TestPKI:
    return ensure_test_pki(tmp_path_factory.mktemp("pki"), seed=20261121)


@pytest.fixture(scope="session")
def signer(pki) -> Signer:
    return Signer(pki.identity("emitente"))


@pytest.fixture
def factory(pki) -> NFeFactory:
    emitente = pki.identity("emitente")
    return NFeFactory(seed=7, uf="SP", tpAmb=2, cnpj=emitente.cnpj, razao=emitente.razao)


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name)))


@pytest.fixture(scope="session")
def nfe_schema() -> etree.XMLSchema:
    return _schema("nfe_v4.00.xsd")


@pytest.fixture(scope="session")
def envi_schema() -> etree.XMLSchema:
    return _schema("enviNFe_v4.00.xsd")


def xmlsec_verify(xml: bytes) -> None:
    """Verify the enveloped signature of a serialized NFe-like document the way a receiver would: parse the
    bytes, trust the certificate in KeyInfo, register the Id. Raises xmlsec.Error when invalid."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    signature = root.find(DS + "Signature")
    uri = signature.find(f"{DS}SignedInfo/{DS}Reference").get("URI")
    target = next(child for child in root if child.get("Id") == uri[1:])
    der = base64.b64decode(signature.findtext(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate"))
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(der, xmlsec.constants.KeyDataFormatCertDer)
    ctx.register_id(target, "Id")
    ctx.verify(signature)


@pytest.fixture(scope="session")
def verify():
    return xmlsec_verify


@pytest.fixture
def signed(factory, signer):
    """A fresh signed NF-e (deep copy per use is up to the test)."""
    return signer.sign_nfe(factory.build())


def whitespace_nodes(root: etree._Element) -> list[str]:
    found = []
    for el in root.iter():
        if el.text is not None and not el.text.strip():
            found.append(f"text of {el.tag}")
        if el.tail is not None and not el.tail.strip():
            found.append(f"tail of {el.tag}")
    return found


@pytest.fixture(scope="session")
def find_whitespace():
    return whitespace_nodes


# --- The server over real HTTP ---------------------------------------------------------------------------

from fake_sefaz.emitter.client import SoapClient  # noqa: E402
from fake_sefaz.domain.clock import ControlledClock  # noqa: E402
from fake_sefaz.server.serve import ThreadedServer  # noqa: E402
from support import Emitter, server_settings  # noqa: E402


@pytest.fixture(scope="session")
def clock() -> ControlledClock:
    return ControlledClock()


@pytest.fixture(scope="module")
def nclock() -> ControlledClock:
    """A clock of the module's own (modules that start a dedicated server, e.g. the NFC-e ones)."""
    return ControlledClock()


@pytest.fixture(autouse=True)
def _real_time(request):
    """Every test starts on real time; tests that move a clock do not leak into the next one."""
    yield
    for name in ("clock", "nclock"):
        if name in request.fixturenames:
            request.getfixturevalue(name).set(datetime.now(timezone.utc), frozen=False)


@pytest.fixture(scope="session")
def server(pki, clock, tmp_path_factory):
    with ThreadedServer(settings=server_settings(pki, tmp_path_factory.mktemp("server")), clock=clock) as srv:
        yield srv


@pytest.fixture(params=[(12, False), (11, False), (12, True), (11, True)], ids=["soap12", "soap11", "soap12-zip", "soap11-zip"])
def client(server, request):
    version, zipped = request.param
    c = SoapClient(server.url, version=version, zipped=zipped)
    yield c
    c.close()


@pytest.fixture
def soap12(server):
    c = SoapClient(server.url)
    yield c
    c.close()


@pytest.fixture
def fresh_factory(pki):
    """An unseeded factory: every document gets new random numbers, so tests sharing a server never collide."""
    emitente = pki.identity("emitente")
    return NFeFactory(seed=None, uf="SP", tpAmb=2, cnpj=emitente.cnpj, razao=emitente.razao)


@pytest.fixture
def emitter(pki, fresh_factory, signer, client):
    return Emitter(pki, fresh_factory, signer, client)


@pytest.fixture
def emitter12(pki, fresh_factory, signer, soap12):
    return Emitter(pki, fresh_factory, signer, soap12)


# --- Events and inutilização (issue 3): an issuer sending events and voidings -----------------------------

@pytest.fixture
def issuer(pki, signer, soap12, clock):
    from support.events import Issuer

    return Issuer(pki, signer, soap12, clock)


@pytest.fixture
def issuer_any(pki, signer, client, clock):
    from support.events import Issuer

    return Issuer(pki, signer, client, clock)
