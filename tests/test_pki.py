from __future__ import annotations

from datetime import datetime, timezone

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fake_sefaz.domain.certificates import identity_of
from fake_sefaz.domain.keys import valid_cnpj
from fake_sefaz.emitter.pki import (
    IDENTITY_NAMES, OID_CNPJ, ICP_BRASIL_POLICY_ARC, ensure_test_pki, load_pfx,
)


def _other_names(cert: x509.Certificate) -> dict[str, bytes]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {o.type_id.dotted_string: o.value for o in san.get_values_for_type(x509.OtherName)}


def _cn(cert: x509.Certificate) -> str:
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_files_exist_and_manifest(pki):
    d = pki.directory
    for f in ("ca-root.pem", "ca-intermediate.pem", "crl-intermediate.pem", "foreign-root.pem", "pki.json"):
        assert (d / f).is_file(), f
    assert set(pki.names) == set(IDENTITY_NAMES) | {"contador"}  # the e-CPF of the portal (issue 14)
    for name in pki.names:
        ident = pki.identity(name)
        assert ident.pem_path.name == f"{name}.pem" and ident.pem_path.is_file()
        assert ident.key_path.name == f"{name}.key.pem" and ident.key_path.is_file()
        assert ident.pfx_path.name == f"{name}.pfx" and ident.pfx_path.is_file()
        assert pki.manifest["identities"][name]["cnpj"] == ident.cnpj
    assert pki.manifest["password"] == pki.password == "1234"
    assert [p.name for p in pki.trust_anchor_files] == ["ca-root.pem", "ca-intermediate.pem", "ca-lcr-vencida.pem"]
    assert [p.name for p in pki.crl_files] == ["crl-intermediate.pem", "crl-lcr-vencida.pem"]
    for f in ("server.pem", "server.key", "ca-bundle.pem"):  # the HTTPS listener's certificate (issue 14)
        assert (d / f).is_file(), f
    with pytest.raises(KeyError):
        pki.identity("transmissor")


def test_second_call_only_loads(pki):
    before = {p.name: p.read_bytes() for p in pki.directory.iterdir()}
    again = ensure_test_pki(pki.directory)
    assert {p.name: p.read_bytes() for p in again.directory.iterdir()} == before
    assert again.identity("emitente").cert == pki.identity("emitente").cert


def test_private_key_cached_and_matches(pki):
    ident = pki.identity("emitente")
    assert ident.private_key is ident.private_key
    assert ident.private_key.public_key().public_numbers() == ident.cert.public_key().public_numbers()
    assert ident.key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    assert ident.cert_der == ident.cert.public_bytes(serialization.Encoding.DER)
    assert ident.chain == (pki.intermediate.cert,)


def test_pfx_loads_with_password(pki):
    ident = pki.identity("emitente")
    key, cert, chain = load_pfx(ident.pfx_path, pki.password)
    assert cert == ident.cert
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    assert chain == [pki.intermediate.cert, pki.root.cert]
    with pytest.raises(ValueError):
        load_pfx(ident.pfx_path, "wrong")


@pytest.mark.parametrize("name", ["emitente", "emitente-filial", "outro", "expirado", "futuro", "estrangeiro",
                                  "revogado", "sem-politica"])
def test_cnpj_in_oid_and_cn_suffix(pki, name):
    ident = pki.identity(name)
    assert valid_cnpj(ident.cnpj)
    value = _other_names(ident.cert)["2.16.76.1.3.3"]
    assert value == b"\x13\x0e" + ident.cnpj.encode()  # DER PrintableString, 14 characters
    assert _cn(ident.cert) == f"{ident.razao}:{ident.cnpj}"
    assert identity_of(ident.cert)[0] == ident.cnpj


def test_cnpj_bases(pki):
    a, filial, outro = (pki.identity(n).cnpj for n in ("emitente", "emitente-filial", "outro"))
    assert filial[:8] == a[:8] and filial[8:12] == "0002" and filial != a
    assert outro[:8] != a[:8]


def test_sem_cnpj_and_cn_only(pki):
    sem = pki.identity("sem-cnpj").cert
    assert "2.16.76.1.3.3" not in _other_names(sem)
    assert ":" not in _cn(sem)
    assert identity_of(sem) == (None, None)
    cn_only = pki.identity("cn-only")
    assert "2.16.76.1.3.3" not in _other_names(cn_only.cert)
    assert _cn(cn_only.cert).endswith(":" + cn_only.cnpj)
    assert identity_of(cn_only.cert)[0] == cn_only.cnpj


def test_ecnpj_profile(pki):
    cert = pki.identity("emitente").cert
    names = _other_names(cert)
    assert {"2.16.76.1.3.4", "2.16.76.1.3.2", "2.16.76.1.3.3", "2.16.76.1.3.7"} <= set(names)
    assert names["2.16.76.1.3.4"][0] == 0x04  # OCTET STRING
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "ICP-Brasil"
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "BR"
    assert "RFB e-CNPJ A1" in [a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment and ku.key_encipherment and not ku.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION}
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = pki.intermediate.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert any(p.policy_identifier.dotted_string.startswith(ICP_BRASIL_POLICY_ARC + "1.") for p in policies)


def test_sem_politica_has_no_icp_policy(pki):
    cert = pki.identity("sem-politica").cert
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.CertificatePolicies)
    cert.verify_directly_issued_by(pki.intermediate.cert)


def test_chain_verifies(pki):
    root, inter = pki.root.cert, pki.intermediate.cert
    root.verify_directly_issued_by(root)
    inter.verify_directly_issued_by(root)
    stale = x509.load_pem_x509_certificate((pki.directory / "ca-lcr-vencida.pem").read_bytes())
    stale.verify_directly_issued_by(root)
    for name in pki.names:
        if name not in ("estrangeiro", "lcr-vencida"):
            pki.identity(name).cert.verify_directly_issued_by(inter)
    pki.identity("lcr-vencida").cert.verify_directly_issued_by(stale)
    assert x509.load_pem_x509_crl((pki.directory / "crl-lcr-vencida.pem").read_bytes()).next_update_utc < \
        pki.identity("lcr-vencida").cert.not_valid_after_utc
    for ca in (root, inter):
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert pki.identity("emitente").cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert root.not_valid_after_utc.year - root.not_valid_before_utc.year >= 19


def test_validity_windows(pki):
    now = _now()
    for name in ("emitente", "emitente-filial", "outro", "revogado", "sem-cnpj", "cn-only", "estrangeiro"):
        cert = pki.identity(name).cert
        assert cert.not_valid_before_utc < now < cert.not_valid_after_utc, name
    expired = pki.identity("expirado").cert
    assert expired.not_valid_after_utc < now
    expired.verify_directly_issued_by(pki.intermediate.cert)
    future = pki.identity("futuro").cert
    assert future.not_valid_before_utc > now


def test_crl_revokes_only_revogado(pki):
    crl = pki.load_crl()
    assert crl.is_signature_valid(pki.intermediate.cert.public_key())
    assert crl.issuer == pki.intermediate.cert.subject
    assert (crl.next_update_utc - _now()).days > 9 * 365
    assert crl.get_revoked_certificate_by_serial_number(pki.identity("revogado").cert.serial_number) is not None
    for name in pki.names:
        if name != "revogado":
            assert crl.get_revoked_certificate_by_serial_number(pki.identity(name).cert.serial_number) is None


def test_foreign_leaf_not_from_our_chain(pki):
    leaf = pki.identity("estrangeiro").cert
    with pytest.raises((InvalidSignature, ValueError)):
        leaf.verify_directly_issued_by(pki.intermediate.cert)
    foreign_root = x509.load_pem_x509_certificate((pki.directory / "foreign-root.pem").read_bytes())
    leaf.verify_directly_issued_by(foreign_root)
    assert pki.identity("estrangeiro").chain == (foreign_root,)
    trusted = [x509.load_pem_x509_certificate(p.read_bytes()) for p in pki.trust_anchor_files]
    assert foreign_root not in trusted
    _, _, chain = load_pfx(pki.identity("estrangeiro").pfx_path, pki.password)
    assert chain == [foreign_root]


def test_oid_constant():
    assert OID_CNPJ.dotted_string == "2.16.76.1.3.3"


def test_regenerates_when_incomplete_or_password_differs(tmp_path):
    first = ensure_test_pki(tmp_path)
    root_before = first.root.cert
    (tmp_path / "revogado.pfx").unlink()
    second = ensure_test_pki(tmp_path)
    assert (tmp_path / "revogado.pfx").is_file()
    assert second.root.cert != root_before
    third = ensure_test_pki(tmp_path, password="outra")
    assert third.password == "outra"
    load_pfx(third.identity("emitente").pfx_path, "outra")


def test_ecpf_contador_carries_its_cpf(pki):
    from fake_sefaz.domain.certificates import identity_of

    contador = pki.identity("contador")
    assert contador.cnpj == "" and len(contador.cpf) == 11
    assert identity_of(contador.cert) == (None, contador.cpf)
    contador.cert.verify_directly_issued_by(pki.intermediate.cert)
