"""Schemas.validate checks every message against the ID-free twin of its schema first (decision 0009): the
official schema's xs:ID registration interned each distinct Id in the worker's lxml dictionary for good (~80 bytes
per document, without end). These tests pin that the twin really registers nothing, and that every verdict and
error text is still the official schema's."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.domain.schemas import Schemas, without_id_type
from fake_sefaz.domain.xml import Parsers

N = "{http://www.portalfiscal.inf.br/nfe}"


@pytest.fixture(scope="module")
def schemas():
    return Schemas()


@pytest.fixture(scope="module")
def lot_bytes(pki, signer):
    f = NFeFactory(seed=9, cnpj=pki.identity("emitente").cnpj)
    return etree.tostring(wrap_lot([signer.sign_nfe(f.build()), signer.sign_nfe(f.build())], idLote=7, indSinc=0))


def _parse(data: bytes) -> etree._Element:
    return Parsers().parse(data)


def _ids_registered(root: etree._Element) -> int:
    # XPath id() reads the document's ID table: what xs:ID validation fills (and interns).
    return sum(len(root.xpath("id($i)", i=inf.get("Id"))) for inf in root.iter(N + "infNFe"))


def test_a_valid_lot_is_validated_without_registering_its_ids(schemas, lot_bytes):
    root = _parse(lot_bytes)
    assert schemas.validate("enviNFe", root) is None
    assert _ids_registered(root) == 0
    # The official schema, for contrast, registers both Ids.
    official = _parse(lot_bytes)
    assert schemas.get("enviNFe").validate(official)
    assert _ids_registered(official) == 2


def test_the_twin_has_no_id_type_left(schemas):
    text = schemas.path("enviNFe").parent.joinpath("leiauteNFe_v4.00.xsd").read_bytes()
    assert b'base="xs:ID"' in text
    assert b'"xs:ID"' not in without_id_type(text) and b'"ID"' not in without_id_type(text)


def _mutations(lot: bytes):
    """Payloads the official schema rejects or accepts for different reasons, Id-related ones first."""
    root = etree.fromstring(lot)
    nfes = root.findall(N + "NFe")
    dup = copy.deepcopy(root)
    dup.findall(N + "NFe")[1].find(N + "infNFe").set("Id", nfes[0].find(N + "infNFe").get("Id"))
    yield "duplicate Id", dup
    bad = copy.deepcopy(root)
    bad.find(f"{N}NFe/{N}infNFe").set("Id", "NFe123")
    yield "Id pattern", bad
    digit_first = copy.deepcopy(root)
    digit_first.find(f"{N}NFe/{N}infNFe").set("Id", "1" * 47)
    yield "Id not an NCName", digit_first
    missing = copy.deepcopy(root)
    ide = missing.find(f"{N}NFe/{N}infNFe/{N}ide")
    ide.remove(ide.find(N + "mod"))
    yield "missing element", missing
    yield "valid", root


@pytest.mark.parametrize("case", ["duplicate Id", "Id pattern", "Id not an NCName", "missing element", "valid"])
def test_every_verdict_and_error_is_the_official_schemas(schemas, lot_bytes, case):
    element = dict(_mutations(lot_bytes))[case]
    ours = schemas.validate("enviNFe", _parse(etree.tostring(element)))

    official = Schemas()
    official.twin = official.get  # the reference: the official schema on both passes
    reference = official.validate("enviNFe", _parse(etree.tostring(element)))
    assert ours == reference
    assert (ours is None) == (case == "valid")


def test_the_twin_follows_includes_from_a_path_with_spaces(schemas, lot_bytes, tmp_path):
    """Each included file must be twinned too, wherever the schemas live (here a folder with a space and a
    non-ASCII letter), or the ID registration comes back through the included layout."""
    import shutil

    where = tmp_path / "pasta com espaço"
    shutil.copytree(schemas.path("enviNFe").parent, where)
    own = Schemas(extra={"enviNFe": where / "enviNFe_v4.00.xsd"})
    root = _parse(lot_bytes)
    assert own.validate("enviNFe", root) is None
    assert _ids_registered(root) == 0
