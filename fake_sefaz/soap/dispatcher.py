"""The SOAP dispatcher: bytes in, bytes out. Decodes the envelope, finds the service by the payload's root
(never by the URL, the SOAPAction or the wrapper namespace: real clients disagree on all three), runs QA's
faults and the message rules, hands the payload to the service and encodes its answer.

It knows envelopes and services, nothing of HTTP: the ASGI app (server/app.py) wraps it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from lxml import etree

from fake_sefaz.domain import ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import Parsers
from fake_sefaz.faults import FaultEngine, FaultHeaderError
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.message import MESSAGE_RULES, MessageContext
from fake_sefaz.services import Service, by_hint, by_path, by_root
from fake_sefaz.services.context import Request
from fake_sefaz.soap import codec, wsdl

if TYPE_CHECKING:
    from fake_sefaz.services.backend import Backend

log = logging.getLogger("fake_sefaz")

ENV_WORDS = {"homologacao": 2, "homologação": 2, "hom": 2, "producao": 1, "produção": 1, "prod": 1}


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    delay_s: float = 0.0  # injected latency (faults): the app waits this long before answering
    drop: str = ""  # injected loss (faults): "close" cuts the connection, "timeout" holds the answer
    # What the request log shows (setting request_log; filled only when it is on)
    facts: dict | None = None


class Dispatcher:
    def __init__(self, backend: "Backend", services: tuple[Service, ...], faults: FaultEngine) -> None:
        self.backend = backend
        self.services = services
        self.faults = faults
        self.parsers = Parsers()
        self._by_root = by_root(services)

    def service_for_root(self, root: str) -> Service | None:
        return self._by_root.get(root)

    # --- routing helpers
    def acting(self, path: str) -> tuple[int, int]:
        """(cUF, tpAmb) this request is answered for: words of the URL path, else the settings."""
        settings = self.backend.settings
        cUF, tpAmb = settings.cUF, settings.tpAmb
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
                    headers: Mapping[str, str] | None = None, caller=None) -> Answer:
        request_id = uuid.uuid4().hex[:12]
        try:
            soap = codec.decode(body, content_type=content_type, soapaction=soapaction, parsers=self.parsers,
                                max_data_bytes=self.backend.settings.max_message_bytes)
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
        req = Request(self.backend, self.backend.clock.now(), cUF, tpAmb, soap, request_id, path, caller=caller)
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
        facts = _facts(service.name, cUF, soap.payload, result) if self.backend.settings.request_log != "off" else None
        return Answer(200, codec.CONTENT_TYPES[soap.version],
                      codec.encode(soap.version, service.wsdl_ns, result, service.wrappers),
                      delay_s=delay_s, drop=drop, facts=facts)

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
            is_lot=service.is_lot, acting_cUF=req.cUF, schemas=self.backend.schemas,
            data_encoding=soap.data_encoding, codec_error=soap.payload_error,
        )
        rejection = first_failure(MESSAGE_RULES, ctx)
        if rejection is not None:
            return service.reject(req, rejection)
        return service.handle(req, soap.payload)


def _facts(service: str, cUF: int, payload: etree._Element | None, result: etree._Element) -> dict:
    """Service, UF, model, cStat (and the first protocol's cStat in a lot answer) for the request log."""
    n = "{http://www.portalfiscal.inf.br/nfe}"
    model = ""
    if payload is not None:
        mod = payload.findtext(f"{n}NFe/{n}infNFe/{n}ide/{n}mod")
        key = payload.findtext(f".//{n}chNFe")
        model = mod or (key[20:22] if key and len(key) == 44 else "") or payload.findtext(f".//{n}mod") or ""
    return {"service": service, "uf": f"{cUF:02d}", "model": model, "cStat": result.findtext(n + "cStat") or "",
            "prot": result.findtext(f"{n}protNFe/{n}infProt/{n}cStat") or ""}
