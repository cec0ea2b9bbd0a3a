"""The composition root of one worker process: settings, clock, store, compiled schemas, trust anchors, the
fault engine, the services and the SOAP dispatcher.

Like moto's backends, it knows nothing of HTTP: `answer_soap` takes the request's bytes and headers and
returns status, content type and bytes. The ASGI app (app.py) and the in-process server wrap it. Services
never see this object: they receive the narrow `services.backend.Backend` it builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from fake_sefaz.domain import signature
from fake_sefaz.domain.certificates import TrustStore
from fake_sefaz.domain.clock import Clock, SystemClock
from fake_sefaz.faults import FaultEngine
from fake_sefaz.rules.pipeline import NFE_PIPELINE
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.services import Service, all_services, by_path
from fake_sefaz.services.backend import Backend
from fake_sefaz.server.settings import Settings
from fake_sefaz.soap.dispatcher import Answer, Dispatcher
from fake_sefaz.store import Store, open_store
from fake_sefaz.store.registry import load_file

__all__ = ["Answer", "Authorizer", "build_trust"]


def build_trust(settings: Settings) -> TrustStore:
    ca_files: list[Path] = [Path(p) for p in settings.trust_anchors]
    crl_files: list[Path] = [Path(p) for p in settings.crl_files]
    if settings.trust_test_ca:
        from fake_sefaz.emitter.pki import ensure_test_pki

        pki = ensure_test_pki(settings.certs_path)
        ca_files += [Path(p) for p in pki.trust_anchor_files]
        crl_files += [Path(p) for p in pki.crl_files]
    return TrustStore.from_files(ca_files, crl_files)


def check_registry_settings(settings: Settings) -> None:
    if settings.unknown_issuer not in ("regular", "reject"):
        raise ValueError("unknown_issuer is 'regular' or 'reject'")
    if settings.unknown_recipient_ie not in ("accept", "reject"):
        raise ValueError("unknown_recipient_ie is 'accept' or 'reject'")


class Authorizer:
    def __init__(self, settings: Settings, clock: Clock | None = None, store: Store | None = None) -> None:
        store = store or open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
        schemas = Schemas()
        schemas.preload()
        self.services: tuple[Service, ...] = all_services()
        self.faults = FaultEngine(settings, store, self.services)
        # The NF-e pipeline is a backend attribute, so an embedding program (or a test) can extend it without
        # touching module state.
        self.backend = Backend(
            settings=settings, clock=clock or SystemClock(), store=store, trust=build_trust(settings),
            verifier=signature.make_verifier(settings.signature_verifier), schemas=schemas, faults=self.faults,
            nfe_pipeline=NFE_PIPELINE,
        )
        self.dispatcher = Dispatcher(self.backend, self.services, self.faults)
        # The HTTPS port actually listened on (the settings', or a free one an in-process server picked): the
        # portal links to it and /admin/health reports it.
        self.tls_port: int = settings.tls_port
        # Issue 4: the taxpayer registry file (settings.registry_file), loaded once per content.
        check_registry_settings(settings)
        if settings.registry_file:
            load_file(store, settings.registry_file)

    # --- the parts, as the web layer and the tools read them
    @property
    def settings(self) -> Settings:
        return self.backend.settings

    @property
    def store(self) -> Store:
        return self.backend.store

    @property
    def schemas(self) -> Schemas:
        return self.backend.schemas

    @property
    def trust(self) -> TrustStore:
        return self.backend.trust

    @property
    def verifier(self):
        return self.backend.verifier

    @property
    def parsers(self):
        return self.dispatcher.parsers

    @property
    def clock(self) -> Clock:
        return self.backend.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:  # several workers share the store's clock (server/app.py)
        self.backend.clock = clock

    @property
    def nfe_pipeline(self) -> tuple:
        return self.backend.nfe_pipeline

    @nfe_pipeline.setter
    def nfe_pipeline(self, rules: tuple) -> None:
        self.backend.nfe_pipeline = rules

    # --- the SOAP path
    def acting(self, path: str, host: str | None = None) -> tuple[int, int]:
        return self.dispatcher.acting(path, host)

    def service_at(self, path: str) -> str | None:
        """The service a URL path names (ours, /NFeAutorizacao4, or a real one, /ws/nfeautorizacao4.asmx)."""
        found = by_path(self.services, path)
        return found.name if found is not None else None

    def wsdl(self, path: str, address: str) -> Answer | None:
        return self.dispatcher.wsdl(path, address)

    def answer_soap(self, body: bytes, content_type: str | None, soapaction: str | None, path: str,
                    headers: Mapping[str, str] | None = None, caller=None, *, tls: bool = False,
                    peer_der: bytes | None = None) -> Answer:
        return self.dispatcher.answer_soap(body, content_type, soapaction, path, headers, caller, tls=tls,
                                           peer_der=peer_der)

    def close(self) -> None:
        self.store.close()
