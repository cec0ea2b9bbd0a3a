"""pytest plugin (entry point pytest11 `fake_sefaz`): a fake SEFAZ authorizer inside your test session.

    def test_my_emitter_authorizes(fake_sefaz):
        url = fake_sefaz.urls["NFeAutorizacao4"]              # SOAP endpoint (…?wsdl for the WSDL)
        tls = fake_sefaz.tls_urls["NFeAutorizacao4"]          # the same over HTTPS with mutual TLS
        ca = fake_sefaz.ca_bundle                              # what a client trusts for the server certificate
        cert = fake_sefaz.certificates["emitente"]             # .pfx, .password, .cnpj, .razao, .pem, .key
        fake_sefaz.force(302, operation="NFeAutorizacao4")     # the next authorization is denied
        fake_sefaz.advance(hours=25)                           # move the server's clock
        ...

The server (uvicorn in a thread, a real HTTP port and an HTTPS port that asks for the client certificate, a
temporary SQLite database, a test ICP-Brasil-like PKI)
starts once per session (`fake_sefaz_server`); `fake_sefaz` hands it to a test and, afterwards, turns every
fault off and puts the clock back on real time. Documents stay unless the test calls `reset()`.

ini options: fake_sefaz_uf (default SP), fake_sefaz_certs_dir (reuse a PKI between sessions; generating one
takes a few seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from fake_sefaz.emitter.client import OPERATIONS, SoapClient
from fake_sefaz.domain.clock import ControlledClock

FORCE_HEADER = "X-Fake-Sefaz-Status"
DELAY_HEADER = "X-Fake-Sefaz-Delay-Ms"
DROP_HEADER = "X-Fake-Sefaz-Drop"


@dataclass(frozen=True)
class Certificate:
    """A test e-CNPJ: the PKCS#12 file an emitter loads, and the same key and certificate as PEM."""
    name: str
    pfx: Path
    password: str
    cnpj: str
    razao: str
    pem: Path
    key: Path


class FakeSefaz:
    """What a test gets: URLs, certificates, and QA's controls (through the real admin HTTP API)."""

    def __init__(self, server: Any, clock: ControlledClock, pki: Any) -> None:
        self.server = server
        self.clock = clock
        self.pki = pki
        self.url = server.url
        settings = server.authorizer.settings
        self.uf, self.cUF, self.tpAmb = settings.uf, settings.cUF, settings.tpAmb
        self.urls = {service: f"{self.url}/{service}" for service, _ in OPERATIONS.values()
                     if service in {s.name for s in server.authorizer.services}}
        self.tls_url = server.tls_url  # https://127.0.0.1:<port>: mutual TLS, the certificate checked by group A
        self.tls_urls = {service: f"{self.tls_url}/{service}" for service in self.urls} if self.tls_url else {}
        self.ca_bundle = pki.ca_bundle_file  # root + AC: trust it to verify the server certificate
        self.password = pki.password
        self.certificates = {
            name: Certificate(name, ident.pfx_path, pki.password, ident.cnpj, ident.razao, ident.pem_path, ident.key_path)
            for name in pki.names for ident in [pki.identity(name)]
        }
        self._http = httpx.Client(base_url=self.url, timeout=30)

    # --- where to send
    def wsdl(self, service: str) -> str:
        return self.urls[service] + "?wsdl"

    def soap_client(self, *, version: int = 12, zipped: bool = False, timeout: float = 30.0) -> SoapClient:
        return SoapClient(self.url, version=version, zipped=zipped, timeout=timeout)

    def https_client(self, identity: str | None = "emitente", *, version: int = 12, timeout: float = 30.0
                     ) -> SoapClient:
        """A SOAP client over HTTPS that trusts the test CA and presents `identity`'s certificate (None: none)."""
        import ssl

        ctx = ssl.create_default_context(cafile=str(self.ca_bundle))
        if identity:
            ident = self.pki.identity(identity)
            ctx.load_cert_chain(str(ident.pem_path), str(ident.key_path))
        return SoapClient(str(self.tls_url), version=version, timeout=timeout,
                          http=httpx.Client(verify=ctx, timeout=timeout))

    def identity(self, name: str = "emitente"):
        return self.pki.identity(name)

    def factory(self, identity: str = "emitente", seed: int | None = None):
        from fake_sefaz.emitter.factory import NFeFactory

        ident = self.identity(identity)
        return NFeFactory(seed=seed, uf=self.uf, tpAmb=self.tpAmb, cnpj=ident.cnpj, razao=ident.razao)

    def signer(self, identity: str = "emitente"):
        from fake_sefaz.emitter.signer import Signer

        return Signer(self.identity(identity))

    def lot(self, nfes: list, sync: bool = True, idLote: int = 1):
        """An enviNFe around signed NFe elements."""
        from fake_sefaz.emitter.factory import wrap_lot

        return wrap_lot(nfes, idLote=idLote, indSinc=1 if sync else 0)

    def new_nfe(self, identity: str = "emitente", signer: str | None = None, **fields: Any):
        """A valid, signed NF-e of an issuer (fields: the factory's overrides, e.g. serie=7, nNF=12)."""
        return self.signer(signer or identity).sign_nfe(self.factory(identity).build(**fields))

    # --- admin API
    def admin(self, method: str, path: str, json: Any = None) -> Any:
        r = self._http.request(method, path, json=json)
        if r.status_code >= 300:
            raise AssertionError(f"fake-sefaz admin {method} {path}: {r.status_code} {r.text}")
        return r.json()

    def force(self, cstat: int, operation: str = "", *, remaining: int | None = 1, **match: Any) -> dict:
        """Force an outcome for matching requests (match: issuer, mod, serie, key_suffix, uf, expires_in_s).
        Codes of the NF-e rules (and 100/150/301/302/303) apply per NF-e, exactly as the real outcome."""
        return self.admin("POST", "/admin/faults/rules", {"cstat": cstat, "operation": operation,
                                                          "remaining": remaining, **match})

    def drop_next(self, mode: str = "close", operation: str = "NFeAutorizacao4", remaining: int = 1) -> dict:
        """Process, commit, then lose the answer: 'close' cuts the connection, 'timeout' holds it."""
        return self.admin("POST", "/admin/faults/drop", {"drop": mode, "operation": operation, "remaining": remaining})

    def pause(self, cstat: int = 108, service: str = "NFeAutorizacao4", uf: str | None = None, xObs: str = "") -> dict:
        return self.admin("PUT", "/admin/faults/services", {"cstat": cstat, "service": service,
                                                            "uf": uf or self.uf, "xObs": xObs})

    def asynchronous(self, delay_s: float | None = None, polls: int | None = None) -> dict:
        """indSinc=0 lots answer 105 for delay_s seconds (of the server clock) or for `polls` receipt queries."""
        return self.admin("PUT", "/admin/faults/services", {"cstat": 107, "service": "NFeAutorizacao4",
                                                            "async_delay_s": delay_s, "async_polls": polls})

    def latency(self, ms: float, **distribution: Any) -> dict:
        return self.admin("PUT", "/admin/faults/latency", {"ms": ms, **distribution})

    def consumption(self, enabled: bool = True, **limits: Any) -> dict:
        """656 Consumo indevido: thresholds={'consSitNFe': 3}, suspension_s, block_after, window_s."""
        return self.admin("PUT", "/admin/faults/consumption", {"enabled": enabled, **limits})

    def release(self, issuer: str | None = None) -> dict:
        return self.admin("POST", "/admin/faults/consumption/release", {"issuer": issuer} if issuer else {})

    def clear_faults(self) -> None:
        self.admin("POST", "/admin/faults/clear")

    def reset(self) -> None:
        """Everything gone: documents, lots, faults; the clock back on real time."""
        self.admin("POST", "/admin/reset")

    def document(self, key: str) -> dict | None:
        r = self._http.get(f"/admin/documents/{key}")
        return r.json() if r.status_code == 200 else None

    def export_state(self) -> dict:
        return self.admin("GET", "/admin/state")

    def import_state(self, state: dict, merge: bool = False) -> dict:
        return self.admin("PUT", "/admin/state" + ("?merge=1" if merge else ""), state)

    # --- the clock (in process: moved directly, no HTTP round trip)
    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        return self.clock.advance(delta if delta is not None else timedelta(**parts))

    def set_time(self, instant: datetime, frozen: bool | None = None) -> None:
        self.clock.set(instant, frozen=frozen)

    def freeze(self) -> None:
        self.clock.freeze()

    def unfreeze(self) -> None:
        self.clock.unfreeze()

    def close(self) -> None:
        self._http.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("fake_sefaz_uf", "UF the fake_sefaz fixture's server authorizes for", default="SP")
    parser.addini("fake_sefaz_certs_dir", "directory of the test PKI (kept between sessions); default: temporary",
                  default="")
    parser.addini("fake_sefaz_scenarios", "name of the directory whose *.yaml files are scenario files",
                  default="scenarios")
    group = parser.getgroup("fake_sefaz", "fake-sefaz scenario files")
    group.addoption("--sefaz-endpoint", default=None,
                    help="play scenarios/*.yaml against this authorizer (default: in-process fakes)")
    group.addoption("--sefaz-timeout", default=30.0, type=float, help="HTTP timeout per scenario request (s)")
    group.addoption("--sefaz-certificate", default=None,
                    help="A1 certificate (PFX) to sign with and issue as, instead of the test PKI's")
    group.addoption("--sefaz-password", default=None, help="password of --sefaz-certificate")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sefaz_scenario: a scenario of a scenario file (scenarios/*.yaml)")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    """Scenario files are collected as pytest items (tools/scenario_items.py)."""
    if file_path.suffix in (".yaml", ".yml"):
        from fake_sefaz.tools.scenario_items import collect_file

        return collect_file(file_path, parent)
    return None


@pytest.fixture(scope="session")
def fake_sefaz_server(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[FakeSefaz]:
    """The session's fake authorizer (started on first use)."""
    from fake_sefaz.emitter.pki import ensure_test_pki
    from fake_sefaz.server.serve import ThreadedServer
    from fake_sefaz.server.settings import load_settings

    data = tmp_path_factory.mktemp("fake-sefaz")
    certs = pytestconfig.getini("fake_sefaz_certs_dir") or str(data / "certs")
    pki = ensure_test_pki(certs)
    settings = load_settings(env={}, database_url=f"sqlite:///{data}/fake-sefaz.db", data_dir=str(data),
                             certs_dir=str(pki.directory), uf=pytestconfig.getini("fake_sefaz_uf") or "SP",
                             sqlite_synchronous="NORMAL")
    clock = ControlledClock()
    with ThreadedServer(settings=settings, clock=clock, tls=True) as server:
        fake = FakeSefaz(server, clock, pki)
        yield fake
        fake.close()


@pytest.fixture
def fake_sefaz(fake_sefaz_server: FakeSefaz) -> Iterator[FakeSefaz]:
    """The fake authorizer for one test: faults off and real time again when the test ends."""
    yield fake_sefaz_server
    fake_sefaz_server.clear_faults()
