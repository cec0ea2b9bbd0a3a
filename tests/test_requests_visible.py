"""Requests are visible (issue 13): one log line per SOAP request (text or JSON lines), a landing page on GET /,
and a SOAP URL opened with GET says how to use it."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest

from support import server_settings
from fake_sefaz.emitter.client import SoapClient, cons_stat_serv
from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.emitter.signer import Signer
from fake_sefaz.server.serve import ThreadedServer


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def lines():
    handler = Lines()
    log = logging.getLogger("fake_sefaz.requests")
    log.addHandler(handler)
    yield handler.lines
    log.removeHandler(handler)


def _send_two(pki, url):
    ident = pki.identity("emitente")
    factory = NFeFactory(seed=5, cnpj=ident.cnpj, razao=ident.razao)
    client = SoapClient(url)
    status = client.call(cons_stat_serv(2, 35))
    lot = client.call(wrap_lot([Signer(ident).sign_nfe(factory.build())], idLote=1, indSinc=1))
    client.close()
    return status, lot


def test_text_request_log(pki, tmp_path, lines):
    with ThreadedServer(settings=server_settings(pki, tmp_path, request_log="text")) as srv:
        status, lot = _send_two(pki, srv.url)
    assert status.cStat == "107" and lot.cStat == "104"
    assert re.fullmatch(r"NFeStatusServico4 uf=35 mod=- cStat=107 http=200 [\d.]+ms from=127\.0\.0\.1 cert=-",
                        lines[0]), lines[0]
    assert re.fullmatch(r"NFeAutorizacao4 uf=35 mod=55 cStat=104/100 http=200 [\d.]+ms from=127\.0\.0\.1 cert=-",
                        lines[1]), lines[1]
    assert len(lines) == 2


def test_json_request_log(pki, tmp_path, lines):
    with ThreadedServer(settings=server_settings(pki, tmp_path, request_log="json")) as srv:
        _send_two(pki, srv.url)
    status, lot = (json.loads(x) for x in lines)
    assert {k: status[k] for k in ("service", "uf", "model", "cStat", "prot", "http", "caller")} == {
        "service": "NFeStatusServico4", "uf": "35", "model": "", "cStat": "107", "prot": "", "http": 200,
        "caller": "127.0.0.1"}
    assert (lot["service"], lot["model"], lot["cStat"], lot["prot"]) == ("NFeAutorizacao4", "55", "104", "100")
    assert isinstance(lot["ms"], float) and lot["ms"] >= 0


def test_request_log_off_by_default(pki, tmp_path, lines):
    with ThreadedServer(settings=server_settings(pki, tmp_path)) as srv:
        _send_two(pki, srv.url)
    assert lines == []


def test_landing_page_lists_services_portal_and_admin(server):
    r = httpx.get(server.url + "/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for name in ("NFeAutorizacao4", "NFeRetAutorizacao4", "NFeConsultaProtocolo4", "NFeStatusServico4",
                 "NFeInutilizacao4", "NFeRecepcaoEvento4", "CadConsultaCadastro4"):
        assert f'href="{server.url}/{name}?wsdl"' in r.text
    assert f'href="{server.url}/admin/openapi.json"' in r.text and f'href="{server.url}/portal/csc"' in r.text
    assert "UF SP, tpAmb 2 (homologação)" in r.text


def test_get_on_a_soap_url_says_how(server):
    r = httpx.get(server.url + "/NFeAutorizacao4")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.text == ("fake-sefaz: /NFeAutorizacao4 is a SOAP web service. POST a SOAP 1.1 or 1.2 envelope to "
                      "it, or GET /NFeAutorizacao4?wsdl for its WSDL.\n")
    assert httpx.get(server.url + "/NFeAutorizacao4?wsdl").status_code == 200
    # a real SEFAZ path too (hosts mode: the emitter's own URL opened in a browser)
    r = httpx.get(server.url + "/ws/nfestatusservico4.asmx")
    assert r.status_code == 405 and "GET /ws/nfestatusservico4.asmx?wsdl for its WSDL" in r.text
    assert httpx.get(server.url + "/nothing/here").status_code == 404


def test_openapi_covers_every_admin_route(server):
    """Every admin route and method the app serves is in the served OpenAPI document."""
    doc = httpx.get(server.url + "/admin/openapi.json").json()["paths"]
    web = server.app.fallback

    def walk(routes, prefix=""):
        for r in routes:
            if getattr(r, "routes", None):
                yield from walk(r.routes, prefix + getattr(r, "path", ""))
            else:
                yield prefix + r.path, {m.lower() for m in (r.methods or ()) if m != "HEAD"}

    served = {(m, path) for path, methods in walk(web.routes) if path.startswith("/admin") for m in methods}
    assert len(served) > 40
    assert sorted((m, p) for m, p in served if m not in doc.get(p, {})) == []


def test_request_log_names_the_tls_caller(pki, tmp_path, lines):
    """Over HTTPS the log line carries the transmitter's CNPJ (issue 14), and a refused certificate its code."""
    import ssl

    import httpx

    def over_tls(identity):
        ctx = ssl.create_default_context(cafile=str(pki.ca_bundle_file))
        ident = pki.identity(identity)
        ctx.load_cert_chain(str(ident.pem_path), str(ident.key_path))
        c = SoapClient(srv.tls_url, http=httpx.Client(verify=ctx, timeout=10))
        try:
            return c.call(cons_stat_serv(2, 35))
        finally:
            c.close()

    with ThreadedServer(settings=server_settings(pki, tmp_path, request_log="text"), tls=True) as srv:
        assert over_tls("emitente").cStat == "107"
        assert over_tls("expirado").status == 403
    cnpj = pki.identity("emitente").cnpj
    assert re.fullmatch(rf"NFeStatusServico4 uf=35 mod=- cStat=107 http=200 [\d.]+ms from=127\.0\.0\.1 cert={cnpj}",
                        lines[0]), lines[0]
    assert re.fullmatch(r"- uf=- mod=- cStat=403 \(281\) http=403 [\d.]+ms from=127\.0\.0\.1 cert=-", lines[1]), lines[1]
