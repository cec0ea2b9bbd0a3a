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

from fake_sefaz.domain import contingency, hosts, ufs
from fake_sefaz.domain.certificates import SignerInfo
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import Parsers
from fake_sefaz.faults import FaultEngine, FaultHeaderError
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.message import MESSAGE_RULES, MessageContext
from fake_sefaz.rules.transmitter import TransmitterContext, check_transmitter
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
    def acting(self, path: str, host: str | None = None, payload: etree._Element | None = None,
               svc: str | None = None) -> tuple[int, int]:
        """(cUF, tpAmb) this request is answered for. A real SEFAZ hostname decides (hosts mode, domain/hosts.py):
        a UF's own host acts as that UF, a virtual or national host for the payload's UF when it serves it; any
        other host: words of the URL path (/homologacao/SP/...), else the settings. An SVC (svc) acts for the UF
        its payload names, as the virtual authorizers do."""
        settings = self.backend.settings
        real = hosts.host_of(host)
        # the payload is read only where it decides (an SVC, a real host): not on the plain path of every request
        asked = payload_uf(payload) if svc is not None or real is not None else None
        default_uf = asked if svc is not None and asked not in (None, ufs.AMBIENTE_NACIONAL) else settings.cUF
        if real is not None:
            if svc is not None:
                return default_uf, real.tpAmb
            if real.authorizer in ufs.SIGLAS:
                return ufs.SIGLAS[real.authorizer], real.tpAmb
            served = hosts.VIRTUAL_SERVES.get(real.authorizer)
            if served is None:  # the national hosts: the Ambiente Nacional (cOrgao 91)
                return ufs.AMBIENTE_NACIONAL, real.tpAmb
            if asked is not None and ufs.sigla_of(asked) in served:
                return asked, real.tpAmb
            return ufs.SIGLAS[served[0]], real.tpAmb  # a UF it does not serve: the message rules answer 226
        cUF, tpAmb = default_uf, settings.tpAmb
        for word in path.split("/"):
            w = word.lower()
            if w in ENV_WORDS:
                tpAmb = ENV_WORDS[w]
            elif word.upper() in ufs.SIGLAS and len(word) == 2:
                cUF = ufs.SIGLAS[word.upper()]
            elif word.upper() == "AN":  # /homologacao/AN/NFeDistribuicaoDFe: the Ambiente Nacional
                cUF = ufs.AMBIENTE_NACIONAL
        return cUF, tpAmb

    def svc_of(self, path: str, host: str | None, payload: etree._Element | None) -> str | None:
        """The contingency authorizer a request reached, or None (a UF's normal authorizer, a virtual one, the AN).

        Our paths name it (/homologacao/SVC-AN/...; plain /svc/ is the SVC of the payload's UF). The real SVC
        hosts are shared with SVAN and SVRS (reference §2.2): there the payload decides - a note, key or receipt
        of the SVC's emission type, or a UF the virtual authorizer does not serve but the SVC does; the legacy
        *.svc.fazenda.gov.br names are SVC-AN's alone."""
        real = hosts.host_of(host)
        if real is not None:
            if real.name in hosts.LEGACY_SVC_AN:
                return contingency.SVC_AN
            shared = hosts.SVC_SHARING.get(real.authorizer)
            if shared is None:
                return None
            if payload_svc(payload) == shared:
                return shared
            asked = payload_uf(payload)
            sigla = ufs.sigla_of(asked) if asked in ufs.CODES else None
            if sigla and sigla not in hosts.VIRTUAL_SERVES[real.authorizer] and contingency.uf_served(shared, sigla):
                return shared
            return None
        for word in path.split("/"):
            w = word.lower()
            if w in contingency.PATH_WORDS:
                named = contingency.PATH_WORDS[w] or payload_svc(payload)
                if named is not None:
                    return named
                asked = payload_uf(payload)
                uf = ufs.sigla_of(asked) if asked in ufs.CODES else self.backend.settings.uf
                return contingency.SVC_OF.get(uf, contingency.SVC_AN)
        return None

    def wsdl(self, path: str, address: str) -> Answer | None:
        service = by_path(self.services, path)
        if service is None:
            return None
        return Answer(200, "text/xml; charset=utf-8", wsdl.render(service.wsdl_file, address))

    # --- the SOAP path
    def transmitter(self, peer_der: bytes | None) -> tuple[SignerInfo | None, Rejection | None]:
        """The TLS client certificate as the trust store reads it, and the first group-A rule it fails."""
        info = self.backend.trust.inspect(peer_der) if peer_der else None
        ctx = TransmitterContext(info=info, trust=self.backend.trust, now=self.backend.clock.now())
        return info, check_transmitter(ctx)

    def answer_soap(self, body: bytes, content_type: str | None, soapaction: str | None, path: str,
                    headers: Mapping[str, str] | None = None, caller=None, *, tls: bool = False,
                    peer_der: bytes | None = None) -> Answer:
        """tls: the request came over HTTPS, with peer_der as its client certificate (None: it sent none). Group A
        then judges that certificate: a failure is the IIS 403 page, or (tls_client_errors=cstat) its cStat."""
        request_id = uuid.uuid4().hex[:12]
        refused: Rejection | None = None
        if tls:
            caller, refused = self.transmitter(peer_der)
            if refused is not None and self.backend.settings.tls_client_errors == "refuse":
                return Answer(403, "text/html", IIS_403, facts={"service": "", "uf": "", "model": "",
                                                               "cStat": f"403 ({refused.cstat})", "prot": ""})
        try:
            soap = codec.decode(body, content_type=content_type, soapaction=soapaction, parsers=self.parsers,
                                max_data_bytes=self.backend.settings.max_message_bytes)
        except codec.SoapFault as fault:
            return Answer(fault.http_status, codec.CONTENT_TYPES[fault.version], codec.fault(fault))
        host = (headers or {}).get("host")
        svc = self.svc_of(path, host, soap.payload)
        cUF, tpAmb = self.acting(path, host, soap.payload, svc)
        service = self._by_root.get(etree.QName(soap.payload).localname) if soap.payload is not None else None
        if service is None:
            service = by_hint(self.services, soap.hints, soap.wrapper_ns) or by_path(self.services, path)
        if service is None:
            reason = "Elemento raiz da mensagem nao corresponde a nenhum servico deste Web Service"
            if soap.payload_error is not None:
                reason = str(soap.payload_error)
            fault = codec.SoapFault(reason, soap.version)
            return Answer(400, codec.CONTENT_TYPES[soap.version], codec.fault(fault))
        req = Request(self.backend, self.backend.clock.now(), cUF, tpAmb, soap, request_id, path, caller=caller, svc=svc)
        delay_s, drop = 0.0, ""
        if refused is not None:  # tls_client_errors=cstat: group A answers inside the service's own return
            if refused.cstat == 282 and service.root == "distDFeInt":
                refused = Rejection(473)  # A07 at the AN's distribution: its own code (NT 2014.002 §3.8)
            result = service.reject(req, refused)
            return Answer(200, codec.CONTENT_TYPES[soap.version],
                          codec.encode(soap.version, service.wsdl_ns, result, service.wrappers),
                          facts=_facts(service.name, cUF, soap.payload, result))
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
        if facts is not None and caller is not None:
            facts["certificate"] = caller.cnpj or caller.cpf or ""
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


def payload_uf(payload: etree._Element | None) -> int | None:
    """The UF (IBGE code) a message names: cUF, the organ of an event, the key's or receipt's first two digits,
    a ConsCad's UF sigla. None when it names none (or an unreadable payload)."""
    if payload is None:
        return None
    n = "{http://www.portalfiscal.inf.br/nfe}"
    for path in (f"{n}cUF", f"{n}NFe/{n}infNFe/{n}ide/{n}cUF", f"{n}infInut/{n}cUF", f"{n}evento/{n}infEvento/{n}cOrgao",
                 f"{n}chNFe", f"{n}nRec", f"{n}infCons/{n}UF"):
        text = (payload.findtext(path) or "").strip()
        if len(text) >= 2:
            if text[:2].isdigit() and int(text[:2]) in ufs.CODES | {ufs.AMBIENTE_NACIONAL}:
                return int(text[:2])
            if text.upper() in ufs.SIGLAS:
                return ufs.SIGLAS[text.upper()]
    return None


def payload_svc(payload: etree._Element | None) -> str | None:
    """The SVC a message's emission type points at: tpEmis 6/7 of a note, the 35th digit of a key, the authority
    digit of a receipt (NT 2013.007 §91: 6 SVC-AN, 7 SVC-RS). None for anything else."""
    if payload is None:
        return None
    n = "{http://www.portalfiscal.inf.br/nfe}"
    tp = payload.findtext(f"{n}NFe/{n}infNFe/{n}ide/{n}tpEmis")
    if tp is None:
        key = (payload.findtext(f"{n}chNFe") or payload.findtext(f"{n}evento/{n}infEvento/{n}chNFe") or "").strip()
        nRec = (payload.findtext(f"{n}nRec") or "").strip()
        tp = key[34] if len(key) == 44 else (nRec[2] if len(nRec) == 15 else None)
    return contingency.SVC_OF_TP_EMIS.get((tp or "").strip())


# What IIS answers a request whose client certificate it does not accept (SP, BA, SVRS: reference §1.3)
IIS_403 = (b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
           b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n<html xmlns="http://www.w3.org/1999/xhtml">\r\n'
           b'<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>\r\n'
           b'<title>403 - Forbidden: Access is denied.</title>\r\n</head>\r\n<body>\r\n<div id="header"><h1>Server '
           b'Error</h1></div>\r\n<div id="content">\r\n <div class="content-container"><fieldset>\r\n  '
           b'<h2>403 - Forbidden: Access is denied.</h2>\r\n  <h3>You do not have permission to view this directory '
           b'or page using the credentials that you supplied.</h3>\r\n </fieldset></div>\r\n</div>\r\n</body>\r\n'
           b'</html>\r\n')


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
