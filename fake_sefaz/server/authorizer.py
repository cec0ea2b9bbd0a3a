"""The backend of one worker process: settings, clock, store, compiled schemas, trust anchors, services.

Like moto's backends, it knows nothing of HTTP: `answer_soap` takes the request's bytes and headers
and returns status, content type and bytes. The ASGI app (app.py) and the in-process server wrap it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from lxml import etree

from fake_sefaz.domain import signature, ufs
from fake_sefaz.domain.certificates import TrustStore
from fake_sefaz.domain.clock import Clock, SystemClock
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.faults import FaultHeaderError
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.message import MESSAGE_RULES, MessageContext
from fake_sefaz.domain.schemas import Schemas
from fake_sefaz.services import Service, all_services, by_hint, by_path, by_root
from fake_sefaz.services.context import Request
from fake_sefaz.server.settings import Settings
from fake_sefaz.soap import codec, wsdl
from fake_sefaz.store import DocumentRecord, Store, open_store
from fake_sefaz.domain.xml import Parsers

log = logging.getLogger("fake_sefaz")

ENV_WORDS = {"homologacao": 2, "homologação": 2, "hom": 2, "producao": 1, "produção": 1, "prod": 1}


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    delay_s: float = 0.0  # injected latency (faults): the app waits this long before answering
    drop: str = ""  # injected loss (faults): "close" cuts the connection, "timeout" holds the answer


def build_trust(settings: Settings) -> TrustStore:
    ca_files: list[Path] = [Path(p) for p in settings.trust_anchors]
    crl_files: list[Path] = [Path(p) for p in settings.crl_files]
    if settings.trust_test_ca:
        from fake_sefaz.emitter.pki import ensure_test_pki

        pki = ensure_test_pki(settings.certs_path)
        ca_files += [Path(p) for p in pki.trust_anchor_files]
        crl_files += [Path(p) for p in pki.crl_files]
    return TrustStore.from_files(ca_files, crl_files)


class Authorizer:
    def __init__(self, settings: Settings, clock: Clock | None = None, store: Store | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.store = store or open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
        self.schemas = Schemas()
        self.schemas.preload()
        self.trust = build_trust(settings)
        self.verifier = signature.make_verifier(settings.signature_verifier)
        self.parsers = Parsers()
        self.services: tuple[Service, ...] = all_services()
        # The NF-e pipeline this backend runs (rules/pipeline.py); an instance attribute so an embedding
        # program (or a test) can extend it without touching module state.
        from fake_sefaz.rules.pipeline import NFE_PIPELINE

        self.nfe_pipeline: tuple = NFE_PIPELINE
        self._by_root = by_root(self.services)
        from fake_sefaz.faults import FaultEngine

        self.faults = FaultEngine(self)

        # Issue 4: the taxpayer registry file (settings.registry_file), loaded once per content.
        from fake_sefaz.domain.taxpayers import load_at_start

        load_at_start(self)

    # --- hooks later services extend
    def async_delay(self) -> float:
        delay = self.faults.async_delay()  # service state set by the admin API (faults), else the setting
        return self.settings.async_delay_s if delay is None else delay

    def forced_outcome(self, req: Request, doc) -> int | None:
        """QA's forced cStat for one NF-e (header or admin rule), read by authorization.decide()."""
        return self.faults.forced_for_nfe(req, doc)

    def query_extras(self, doc: DocumentRecord) -> Iterable[etree._Element]:
        """The procEventoNFe of every event registered for the key, in registration order."""
        from fake_sefaz.store import events

        procs = self.store.read(lambda tx: [e.proc_xml for e in events.events_of(tx, doc.chNFe)])
        return [etree.fromstring(p) for p in procs]

    # --- routing helpers
    def acting(self, path: str) -> tuple[int, int]:
        """(cUF, tpAmb) this request is answered for: words of the URL path, else the settings."""
        cUF, tpAmb = self.settings.cUF, self.settings.tpAmb
        for word in path.split("/"):
            w = word.lower()
            if w in ENV_WORDS:
                tpAmb = ENV_WORDS[w]
            elif word.upper() in ufs.SIGLAS and len(word) == 2:
                cUF = ufs.SIGLAS[word.upper()]
        return cUF, tpAmb

    def wsdl(self, path: str, address: str) -> Answer | None:
        service = by_path(self.services, path)
        if service is None:
            return None
        return Answer(200, "text/xml; charset=utf-8", wsdl.render(service.wsdl_file, address))

    # --- the SOAP path
    def answer_soap(self, body: bytes, content_type: str | None, soapaction: str | None, path: str,
                    headers: Mapping[str, str] | None = None) -> Answer:
        request_id = uuid.uuid4().hex[:12]
        try:
            soap = codec.decode(body, content_type=content_type, soapaction=soapaction, parsers=self.parsers,
                                max_data_bytes=self.settings.max_message_bytes)
        except codec.SoapFault as fault:
            return Answer(fault.http_status, codec.CONTENT_TYPES[fault.version], codec.fault(fault))
        cUF, tpAmb = self.acting(path)
        service = self._by_root.get(etree.QName(soap.payload).localname) if soap.payload is not None else None
        if service is None:
            service = by_hint(self.services, soap.hints, soap.wrapper_ns) or by_path(self.services, path)
        if service is None:
            reason = "Elemento raiz da mensagem nao corresponde a nenhum servico deste Web Service"
            if soap.payload_error is not None:
                reason = str(soap.payload_error)
            fault = codec.SoapFault(reason, soap.version)
            return Answer(400, codec.CONTENT_TYPES[soap.version], codec.fault(fault))
        req = Request(self, self.clock.now(), cUF, tpAmb, soap, request_id, path)
        delay_s, drop = 0.0, ""
        try:
            # Faults (QA's controls): paused service, 656, forced outcome, latency, dropped answer.
            try:
                plan = req.plan = self.faults.plan(req, service, {k.lower(): v for k, v in (headers or {}).items()})
            except FaultHeaderError as exc:
                fault = codec.SoapFault(str(exc), soap.version)
                return Answer(400, codec.CONTENT_TYPES[soap.version], codec.fault(fault))
            delay_s, drop = plan.delay_s, plan.drop
            result = plan.answer if plan.answer is not None else self._serve(req, service)
            result = self.faults.after(req, service, result, plan)
        except Exception:  # noqa: BLE001 - a bug in a rule answers 999 and the worker keeps serving
            log.exception("request %s: unexpected error in %s", request_id, service.name)
            result = service.reject(req, Rejection(999, f"[id:{request_id}]"))
        return Answer(200, codec.CONTENT_TYPES[soap.version], codec.encode(soap.version, service.wsdl_ns, result, service.wrappers),
                      delay_s=delay_s, drop=drop)

    def _serve(self, req: Request, service: Service) -> etree._Element:
        soap = req.soap
        if soap.payload is None or etree.QName(soap.payload).localname != service.root:
            # Unreadable data area, or a payload of another service sent to this one's wrapper.
            rejection = soap.payload_error or Rejection(215 if not service.is_lot else 225, "[raiz inesperada]")
            if soap.payload is not None and soap.payload_error is None:
                rejection = Rejection(516 if not service.is_lot else 565)
            return service.reject(req, rejection)
        ctx = MessageContext(
            payload=soap.payload, root=service.root, schema=service.schema, version=service.version,
            is_lot=service.is_lot, acting_cUF=req.cUF, schemas=self.schemas, data_encoding=soap.data_encoding,
            codec_error=soap.payload_error,
        )
        rejection = first_failure(MESSAGE_RULES, ctx)
        if rejection is not None:
            return service.reject(req, rejection)
        return service.handle(req, soap.payload)

    def close(self) -> None:
        self.store.close()
