"""HTTPS with mutual TLS and hosts mode (issue 14), over real TLS connections: the transmitter certificate's group-A
rules answered as the IIS hosts do (HTTP 403) or as cStat 280-286 (tls_client_errors=cstat), an untrusted chain
refused in the handshake, the real SEFAZ hostnames (resolved to 127.0.0.1 in the client, never in /etc/hosts)
routed to the authorizer they name, and the admin API closed to everyone but loopback."""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest
import requests
import zeep

from support import server_settings
from fake_sefaz.domain import hosts
from fake_sefaz.emitter.client import SoapClient, cons_stat_serv
from fake_sefaz.server.serve import ThreadedServer

NS = "{http://www.portalfiscal.inf.br/nfe}"
FORBIDDEN = b"<h2>403 - Forbidden: Access is denied.</h2>"


@pytest.fixture(scope="module")
def tls_server(pki, tmp_path_factory):
    with ThreadedServer(settings=server_settings(pki, tmp_path_factory.mktemp("tls")), tls=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def cstat_server(pki, tmp_path_factory):
    settings = server_settings(pki, tmp_path_factory.mktemp("tls-cstat"), tls_client_errors="cstat")
    with ThreadedServer(settings=settings, tls=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def schemas():
    from fake_sefaz.domain.schemas import Schemas

    return Schemas()


@pytest.fixture
def real_hosts(monkeypatch):
    """The client resolves every real SEFAZ hostname to 127.0.0.1 (what an /etc/hosts line would do)."""
    original = socket.getaddrinfo

    def resolve(host, *args, **kw):
        if isinstance(host, str) and host.lower() in hosts.HOSTS:
            host = "127.0.0.1"
        return original(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def context(pki, identity: str | None = "emitente", **kw) -> ssl.SSLContext:
    """A client context that trusts only the test CA and presents `identity` as its client certificate."""
    ctx = ssl.create_default_context(cafile=str(pki.ca_bundle_file))
    for k, v in kw.items():
        setattr(ctx, k, v)
    if identity:
        ident = pki.identity(identity)
        ctx.load_cert_chain(str(ident.pem_path), str(ident.key_path))
    return ctx


def soap(base: str, ctx: ssl.SSLContext) -> SoapClient:
    return SoapClient(base, http=httpx.Client(verify=ctx, timeout=10))


def https(srv, host: str = "localhost") -> str:
    return f"https://{host}:{srv.tls_port}"


def test_status_over_mutual_tls(tls_server, pki):
    r = soap(https(tls_server), context(pki)).call(cons_stat_serv(2, 35))
    assert (r.status, r.cStat, r.field("xMotivo")) == (200, "107", "Serviço em Operação")


def test_only_tls_12_and_later(tls_server, pki):
    with pytest.warns(DeprecationWarning):  # Python deprecates TLS 1.1 too: the client must be told to offer it
        old = context(pki, maximum_version=ssl.TLSVersion.TLSv1_1, minimum_version=ssl.TLSVersion.TLSv1)
    with pytest.raises(httpx.ConnectError):
        soap(https(tls_server), old).call(cons_stat_serv(2, 35))
    tls12 = context(pki, maximum_version=ssl.TLSVersion.TLSv1_2)
    assert soap(https(tls_server), tls12).call(cons_stat_serv(2, 35)).cStat == "107"


@pytest.mark.parametrize("identity", [None, "expirado", "futuro", "revogado", "sem-politica", "sem-cnpj", "lcr-vencida"])
def test_refused_certificates_get_the_iis_403_page(tls_server, pki, identity):
    r = soap(https(tls_server), context(pki, identity)).call(cons_stat_serv(2, 35))
    assert r.status == 403 and FORBIDDEN in r.body and b"<cStat>" not in r.body
    # the server keeps serving
    assert soap(https(tls_server), context(pki)).call(cons_stat_serv(2, 35)).cStat == "107"


def test_a_foreign_chain_is_refused_in_the_handshake(tls_server, pki):
    with pytest.raises((httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)):
        soap(https(tls_server), context(pki, "estrangeiro")).call(cons_stat_serv(2, 35))
    assert soap(https(tls_server), context(pki)).call(cons_stat_serv(2, 35)).cStat == "107"


@pytest.mark.parametrize("identity, cstat, text", [
    (None, "280", "Rejeição: Certificado Transmissor inválido"),
    ("expirado", "281", "Rejeição: Certificado Transmissor Data Validade"),
    ("futuro", "281", "Rejeição: Certificado Transmissor Data Validade"),
    ("sem-cnpj", "282", "Rejeição: Certificado Transmissor sem CNPJ/CPF"),
    ("estrangeiro", "283", "Rejeição: Certificado Transmissor - erro Cadeia de Certificação"),
    ("revogado", "284", "Rejeição: Certificado Transmissor revogado"),
    ("sem-politica", "285", "Rejeição: Certificado Transmissor difere ICP-Brasil"),
    ("lcr-vencida", "286", "Rejeição: Certificado Transmissor erro no acesso a LCR"),
])
def test_cstat_mode_answers_group_a_inside_the_service(cstat_server, pki, schemas, identity, cstat, text):
    r = soap(https(cstat_server), context(pki, identity)).call(cons_stat_serv(2, 35))
    assert (r.status, r.cStat, r.field("xMotivo")) == (200, cstat, text)
    assert schemas.validate("retConsStatServ", r.result) is None


def test_plain_http_and_tls_on_the_wrong_port_do_not_stop_the_server(tls_server, pki):
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
        httpx.post(f"http://127.0.0.1:{tls_server.tls_port}/ws/nfestatusservico4.asmx", content=b"x", timeout=5)
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"https://127.0.0.1:{tls_server.port}/ws/nfestatusservico4.asmx", content=b"x", timeout=5,
                   verify=context(pki))
    assert soap(https(tls_server), context(pki)).call(cons_stat_serv(2, 35)).cStat == "107"
    assert SoapClient(tls_server.url).call(cons_stat_serv(2, 35)).cStat == "107"


# --- hosts mode ---------------------------------------------------------------------------------------------------

def test_an_sp_host_acts_as_sp_in_its_environment(tls_server, pki, real_hosts):
    """The emitter keeps its own URL: the server certificate matches the real name, the host decides UF and tpAmb."""
    url = https(tls_server, "homologacao.nfe.fazenda.sp.gov.br") + "/ws/nfestatusservico4.asmx"
    r = soap(url, context(pki)).call(cons_stat_serv(2, 35), url=url)
    assert (r.cStat, r.field("cUF"), r.field("tpAmb")) == ("107", "35", "2")
    prod = https(tls_server, "nfe.fazenda.sp.gov.br") + "/ws/nfestatusservico4.asmx"
    r = soap(prod, context(pki)).call(cons_stat_serv(2, 35), url=prod)
    assert (r.cStat, r.field("tpAmb")) == ("252", "1")
    assert r.field("xMotivo") == "Rejeição: Ambiente informado diverge do Ambiente de recebimento"


def test_a_virtual_host_acts_for_the_uf_of_the_payload(tls_server, pki, real_hosts):
    url = https(tls_server, "nfe-homologacao.svrs.rs.gov.br") + "/ws/NfeStatusServico/NfeStatusServico4.asmx"
    r = soap(url, context(pki)).call(cons_stat_serv(2, 42), url=url)
    assert (r.cStat, r.field("cUF")) == ("107", "42")
    # SP is not served by SVRS: the host acts as its first UF (AC) and the status service refuses the UF
    r = soap(url, context(pki)).call(cons_stat_serv(2, 35), url=url)
    assert (r.cStat, r.field("cUF")) == ("410", "12")
    assert r.field("xMotivo") == "Rejeição: UF informada no campo cUF não é atendida pelo Web Service"


def test_zeep_from_the_served_wsdl_at_a_real_hostname(tls_server, pki, real_hosts):
    session = requests.Session()
    ident = pki.identity("emitente")
    session.cert = (str(ident.pem_path), str(ident.key_path))
    session.verify = str(pki.ca_bundle_file)
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides session.verify
    url = https(tls_server, "homologacao.nfe.fazenda.sp.gov.br") + "/ws/nfestatusservico4.asmx"
    client = zeep.Client(url + "?wsdl", transport=zeep.Transport(session=session))
    address = client.wsdl.services["NFeStatusServico4"].ports["NFeStatusServico4Soap12"].binding_options["address"]
    assert address == url  # the served WSDL names the host the client used
    service = client.bind("NFeStatusServico4", "NFeStatusServico4Soap12")
    answer = service.nfeStatusServicoNF(cons_stat_serv(2, 35))
    assert answer.findtext(NS + "cStat") == "107" and answer.findtext(NS + "cUF") == "35"


def test_an_unknown_gov_br_host_is_400_invalid_hostname(tls_server, pki):
    r = httpx.post(https(tls_server) + "/ws/nfestatusservico4.asmx", verify=context(pki), timeout=5, content=b"x",
                   headers={"Host": "nfe.fazenda.xx.gov.br"})
    assert r.status_code == 400 and b"Bad Request - Invalid Hostname" in r.content


def test_hosts_command_prints_every_real_host(capsys):
    from fake_sefaz import cli

    assert cli.main(["hosts"]) == 0
    out = capsys.readouterr().out
    named = {name for line in out.splitlines() if line.startswith("127.0.0.1") for name in line.split("#")[0].split()[1:]}
    assert named == set(hosts.HOSTS)
    assert "127.0.0.1 homologacao.nfe.fazenda.sp.gov.br homologacao.nfce.fazenda.sp.gov.br" in out


def test_server_certificate_names_every_real_host(pki):
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(pki.server_cert_file.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost", *hosts.HOSTS}
    assert {str(a) for a in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}


# --- the admin API's door -------------------------------------------------------------------------------------------

def test_admin_answers_loopback_only_unless_a_token_is_set(pki, tmp_path):
    import asyncio

    from fake_sefaz.server.app import build_app

    apps = [build_app(server_settings(pki, tmp_path / "a"))]

    async def call(client_ip: str, headers=None):
        app = apps[-1]
        transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://fake") as c:
            return await c.get("/admin/health", headers=headers or {})

    assert asyncio.run(call("127.0.0.1")).status_code == 200
    assert asyncio.run(call("::1")).status_code == 200
    r = asyncio.run(call("192.168.0.10"))
    assert r.status_code == 403 and "admin_token" in r.json()["error"]
    apps.append(build_app(server_settings(pki, tmp_path / "b", admin_token="s3cret")))
    assert asyncio.run(call("192.168.0.10", {"Authorization": "Bearer s3cret"})).status_code == 200
    assert asyncio.run(call("192.168.0.10", {"Authorization": "Bearer nope"})).status_code == 403


def test_cli_flow_over_https_with_a_client_certificate(tls_server, pki, capsys):
    """`fake-sefaz status --url https://...` presents the test identity's certificate and trusts the test CA;
    --certificate PFX presents the user's own; a URL without a scheme is one clear line."""
    from fake_sefaz import cli

    base = ["--certs-dir", str(pki.directory)]
    assert cli.main(["status", "--url", https(tls_server), *base]) == 0
    assert "107" in capsys.readouterr().out
    expired = pki.identity("expirado")
    code = cli.main(["status", "--url", https(tls_server), "--certificate", str(expired.pfx_path),
                     "--password", pki.password, "--json", *base])
    out = capsys.readouterr().out
    assert code == 1 and '"xMotivo": "HTTP 403, no ret* in the answer"' in out, out
    assert cli.main(["status", "--url", f"localhost:{tls_server.tls_port}", *base]) == 2
    assert capsys.readouterr().err.strip() == (f"fake-sefaz status: --url localhost:{tls_server.tls_port}: give a "
                                               "scheme, e.g. http://127.0.0.1:8080 or https://localhost:8443")


def test_proxy_mode_tunnels_the_real_hostnames(pki, tmp_path):
    """An emitter that honours HTTPS_PROXY keeps its URL: CONNECT homologacao.nfe.fazenda.sp.gov.br:443 reaches
    the HTTPS listener, the certificate matches the real name, no /etc/hosts line, no client-side resolver."""
    with ThreadedServer(settings=server_settings(pki, tmp_path), tls=True, proxy=True) as srv:
        proxy = f"http://127.0.0.1:{srv.proxy_port}"
        url = "https://homologacao.nfe.fazenda.sp.gov.br/ws/nfestatusservico4.asmx"
        client = SoapClient(url, http=httpx.Client(verify=context(pki), proxy=proxy, timeout=10))
        try:
            r = client.call(cons_stat_serv(2, 35), url=url)
        finally:
            client.close()
        assert (r.cStat, r.field("cUF"), r.field("tpAmb")) == ("107", "35", "2")
        bad = httpx.get(f"{proxy}/anything", timeout=5)
        assert bad.status_code == 405 and bad.headers["allow"] == "CONNECT"


# The real paths of SP and SVRS (reference §2.3), per payload root
SP_PATHS = {"consStatServ": "/ws/nfestatusservico4.asmx", "enviNFe": "/ws/nfeautorizacao4.asmx",
            "consReciNFe": "/ws/nferetautorizacao4.asmx", "consSitNFe": "/ws/nfeconsultaprotocolo4.asmx",
            "inutNFe": "/ws/nfeinutilizacao4.asmx", "envEvento": "/ws/nferecepcaoevento4.asmx"}
SVRS_PATHS = {"consStatServ": "/ws/NfeStatusServico/NfeStatusServico4.asmx",
              "enviNFe": "/ws/NfeAutorizacao/NFeAutorizacao4.asmx",
              "consReciNFe": "/ws/NfeRetAutorizacao/NFeRetAutorizacao4.asmx",
              "consSitNFe": "/ws/NfeConsulta/NfeConsulta4.asmx", "inutNFe": "/ws/nfeinutilizacao/nfeinutilizacao4.asmx",
              "envEvento": "/ws/recepcaoevento/recepcaoevento4.asmx"}


class RealUrls(SoapClient):
    """An emitter's own URL table: every service at its real host and path."""

    def __init__(self, base: str, paths: dict[str, str], ctx: ssl.SSLContext) -> None:
        super().__init__(base, http=httpx.Client(verify=ctx, timeout=10))
        self.paths = paths

    def url_for(self, root: str) -> str:
        return self.base_url + self.paths[root]


@pytest.mark.parametrize("host, uf, paths", [("homologacao.nfe.fazenda.sp.gov.br", "SP", SP_PATHS),
                                             ("nfe-homologacao.svrs.rs.gov.br", "SC", SVRS_PATHS)])
def test_the_whole_flow_at_the_real_urls(tls_server, pki, real_hosts, host, uf, paths):
    """status, authorization (sync and async with the receipt), query, cancellation and voiding, each posted to
    the URL a real emitter has in its table, answered as that host's UF would."""
    from datetime import datetime, timezone

    from fake_sefaz.domain import ufs
    from fake_sefaz.emitter.factory import NFeFactory
    from fake_sefaz.emitter.signer import Signer
    from fake_sefaz.tools import flow

    cuf = ufs.code_of(uf)
    client = RealUrls(https(tls_server, host), paths, context(pki))
    emitente = pki.identity("emitente")
    factory = NFeFactory(seed=None, uf=uf, tpAmb=2, cnpj=emitente.cnpj, razao=emitente.razao)
    signer = Signer(emitente)
    assert flow.status(client, 2, cuf).cStat == "107"
    sync = flow.send(client, signer.sign_nfe(factory.build()), sync=True, tpAmb=2)
    assert (sync.cStat, sync.extra["key"][:2]) == ("100", str(cuf)), sync.line()
    later = flow.send(client, signer.sign_nfe(factory.build()), sync=False, tpAmb=2, poll_s=0.05)
    assert later.cStat == "100", later.line()
    assert flow.query(client, sync.extra["key"], tpAmb=2).cStat == "100"
    cancelled = flow.cancel(client, signer, key=sync.extra["key"], author=emitente.cnpj, tpAmb=2,
                            when=datetime.now(timezone.utc))
    assert cancelled.cStat == "135", cancelled.line()
    nnf = int(sync.extra["key"][25:34])
    voided = flow.inutilize(client, signer, cnpj=emitente.cnpj, first=nnf + 500, last=nnf + 501,
                            serie=int(sync.extra["key"][22:25]), mod=55, cUF=cuf, tpAmb=2,
                            year=datetime.now().year)
    assert voided.cStat == "102", voided.line()
    client.close()


def test_a_client_that_sends_only_its_leaf_is_accepted(tls_server, pki, tmp_path):
    """Some emitters send only their own certificate, not the AC's: the intermediate is a trust anchor too."""
    ident = pki.identity("emitente")
    leaf_only = tmp_path / "leaf.pem"
    leaf_only.write_bytes(ident.cert_pem)
    ctx = ssl.create_default_context(cafile=str(pki.ca_bundle_file))
    ctx.load_cert_chain(str(leaf_only), str(ident.key_path))
    assert soap(https(tls_server), ctx).call(cons_stat_serv(2, 35)).cStat == "107"


def test_own_server_certificate_settings_are_checked_before_listening(pki, tmp_path):
    """tls_cert_file without its key, or with a key that is not its own: one line, exit 2, nothing listens."""
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "fake_sefaz", "serve", "--tls-port", "18999", "--data-dir", str(tmp_path),
               "--certs-dir", str(pki.directory)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_SEFAZ_")}
    env["FAKE_SEFAZ_TLS_CERT_FILE"] = str(pki.server_cert_file)
    p = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert (p.returncode, p.stderr.strip()) == (2, "fake-sefaz serve: tls_cert_file and tls_key_file go together: "
                                                   "give both, or neither for the test PKI's server certificate")
    env["FAKE_SEFAZ_TLS_KEY_FILE"] = str(pki.identity("emitente").key_path)
    p = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 2 and p.stderr.startswith("fake-sefaz serve: tls_cert_file=") and "cannot use it" in p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""
