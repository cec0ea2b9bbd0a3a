"""The ASGI application: SOAP on POST (any path), the official WSDL on GET ?wsdl.

A raw ASGI callable rather than a framework route for the SOAP path: it is the hot path, and routing
is by payload, not by URL. Admin API and web portal (later issues) hang off `extra_routes`.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import ipaddress
import json
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable

from fake_sefaz.domain import hosts
from fake_sefaz.server.authorizer import Answer, Authorizer
from fake_sefaz.server.group_commit import GroupCommitter
from fake_sefaz.server.settings import Settings, load_settings
from fake_sefaz.soap import codec

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b""  # signal: too large
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _send(send: Send, answer: Answer, extra_headers: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", answer.content_type.encode()), (b"content-length", str(len(answer.body)).encode())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers + (extra_headers or [])})
    await send({"type": "http.response.body", "body": answer.body})


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return v.decode("latin-1")
    return None


# IIS's answer to a Host header it has no site for (HTTP Error 400. The request hostname is invalid.)
INVALID_HOSTNAME = (b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
                    b'<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n<META HTTP-EQUIV="Content-Type" Content="text/html; '
                    b'charset=us-ascii"></HEAD>\r\n<BODY><h2>Bad Request - Invalid Hostname</h2>\r\n<hr><p>HTTP Error '
                    b'400. The request hostname is invalid.</p>\r\n</BODY></HTML>\r\n')


class _DroppedOnPurpose(logging.Filter):
    """uvicorn logs an error when an answer is cut; a dropped answer (faults) is cut on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


class FakeSefazApp:
    def __init__(self, authorizer: Authorizer, fallback: Callable | None = None) -> None:
        self.authorizer = authorizer
        self.fallback = fallback  # an ASGI app for everything that is not SOAP (admin, portal)
        uvicorn_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _DroppedOnPurpose) for f in uvicorn_log.filters):
            uvicorn_log.addFilter(_DroppedOnPurpose())
        if authorizer.settings.soap_executor not in ("inline", "thread"):
            raise ValueError("soap_executor must be 'inline' or 'thread'")
        self._request_log = self._request_logger(authorizer.settings.request_log)
        # One worker thread at most: compiled schemas are not shared between threads (schemas.py).
        self._executor = (ThreadPoolExecutor(1, thread_name_prefix="soap")
                          if authorizer.settings.soap_executor == "thread" else None)
        # Group commit (issue 18): with the inline executor, requests that arrive together share one commit. Only
        # where this worker is the database's one writer: a group holds SQLite's write lock while it gathers, and
        # a second worker then waits for it (measured with 2 workers: 398-442 authorizations/s against 704).
        st = authorizer.settings
        self._committer = (GroupCommitter(authorizer.store, st.group_commit_wait_ms / 1000.0)
                           if st.group_commit and self._executor is None and st.workers == 1
                           and authorizer.store.supports_group_commit else None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope["method"]
        path = scope.get("path", "/")
        host = _header(scope, b"host")
        if hosts.looks_like_sefaz(host):
            # a *.gov.br name no SEFAZ uses (a typo in the emitter's table): IIS answers 400 for a Host it has no
            # binding for, before anything else
            await _send(send, Answer(400, "text/html; charset=us-ascii", INVALID_HOSTNAME))
            return
        if path.startswith("/admin") and not self._admin_allowed(scope):
            await _send(send, Answer(403, "application/json", json.dumps({
                "error": "the admin API answers loopback clients only; set admin_token (FAKE_SEFAZ_ADMIN_TOKEN) "
                         "and send Authorization: Bearer <token> from elsewhere"}).encode()))
            return
        query = scope.get("query_string", b"").decode("latin-1").lower()
        if method == "GET" and query.split("&")[0] in ("wsdl", "singlewsdl"):
            answer = self.authorizer.wsdl(path, self._address(scope))
            if answer is not None:
                await _send(send, answer)
                return
        if method == "POST" and not path.startswith(("/admin", "/portal")):
            await self._soap(scope, receive, send, path)
            return
        if method in ("GET", "HEAD") and path in ("/", "/index.html"):
            await _send(send, Answer(200, "text/html; charset=utf-8", self._landing(scope)))
            return
        if method == "GET" and not path.startswith(("/admin", "/portal")) and self.authorizer.service_at(path):
            # a SOAP URL opened in a browser: say how to use it instead of a bare 404
            hint = (f"fake-sefaz: {path} is a SOAP web service. POST a SOAP 1.1 or 1.2 envelope to it, or GET "
                    f"{path}?wsdl for its WSDL.\n").encode()
            await _send(send, Answer(405, "text/plain; charset=utf-8", hint), [(b"allow", b"POST")])
            return
        if self.fallback is not None:
            await self.fallback(scope, receive, send)
            return
        await _send(send, Answer(404, "text/plain; charset=utf-8", b"fake-sefaz: POST SOAP here, or GET ?wsdl\n"))

    def _admin_allowed(self, scope: Scope) -> bool:
        """The admin API can wipe the store: loopback clients, or anyone with the configured token (issue 14)."""
        token = self.authorizer.settings.admin_token
        if token and hmac.compare_digest(_header(scope, b"authorization") or "", f"Bearer {token}"):
            return True
        client = (scope.get("client") or ("",))[0]
        try:
            return ipaddress.ip_address(client).is_loopback
        except ValueError:
            return client == ""  # a Unix socket has no address

    def _landing(self, scope: Scope) -> bytes:
        """GET /: the services with their URLs and WSDLs, the portal pages and the admin API."""
        from html import escape

        base = self._address(scope).rstrip("/")
        st = self.authorizer.settings
        rows = "".join(f'<tr><td><a href="{base}/{s.name}?wsdl">{escape(s.name)}</a></td><td><code>{base}/{s.name}'
                       f'</code></td><td><code>{escape(s.root)}</code></td></tr>' for s in self.authorizer.services)
        links = "".join(f'<li><a href="{base}{href}">{escape(label)}</a></li>' for href, label in (
            ("/portal/login", "Portal: Atendimento On-line (certificate login over HTTPS; procuração, CSC tokens, XML)"),
            ("/portal/csc", "Portal: CSC tokens of a taxpayer (NFC-e)"),
            ("/portal/nfce/consulta", "Portal: NFC-e consumer page (consulta por chave)"),
            ("/admin/health", "Admin API: health"),
            ("/admin/openapi.json", "Admin API: OpenAPI document (faults, clock, taxpayers, documents, state)")))
        return (f"<!doctype html><html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>fake-sefaz</title></head>"
                f"<body><h1>fake-sefaz</h1><p>A local SEFAZ NF-e/NFC-e 4.00 authorizer: UF {escape(st.uf)}, tpAmb "
                f"{st.tpAmb} ({'homologação' if st.tpAmb == 2 else 'produção'}). POST SOAP to a service URL; "
                f"GET it with ?wsdl for its WSDL.</p><table><thead><tr><th>Service (WSDL)</th><th>URL</th>"
                f"<th>Payload root</th></tr></thead><tbody>{rows}</tbody></table><ul>{links}</ul></body></html>"
                ).encode()

    @staticmethod
    def _request_logger(mode: str) -> logging.Logger | None:
        if mode == "off":
            return None
        log = logging.getLogger("fake_sefaz.requests")
        log.setLevel(logging.INFO)
        log.propagate = False
        if not log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            log.addHandler(handler)
        return log

    def _log_request(self, answer: Answer, started: float, scope: Scope) -> None:
        facts = dict(answer.facts or {"service": "", "uf": "", "model": "", "cStat": "", "prot": ""})
        facts.update(http=answer.status, ms=round((time.perf_counter() - started) * 1000, 1),
                     caller=(scope.get("client") or ("-",))[0], certificate=facts.get("certificate", ""))
        if self.authorizer.settings.request_log == "json":
            self._request_log.info(json.dumps(facts))
        else:
            cstat = facts["cStat"] + (f"/{facts['prot']}" if facts["prot"] else "")
            self._request_log.info(f"{facts['service'] or '-'} uf={facts['uf'] or '-'} mod={facts['model'] or '-'} "
                                   f"cStat={cstat or '-'} http={facts['http']} {facts['ms']}ms "
                                   f"from={facts['caller']} cert={facts['certificate'] or '-'}")

    async def _soap(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        committer = self._committer
        if committer is None:
            await self._soap_request(scope, receive, send, path, None)
            return
        committer.arrived()  # a commit group waits for a request it knows is on its way
        ran = [False]
        try:
            await self._soap_request(scope, receive, send, path, ran)
        finally:
            if not ran[0]:
                committer.gave_up()

    async def _soap_request(self, scope: Scope, receive: Receive, send: Send, path: str, ran: list | None) -> None:
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        body = await _read_body(receive, self.authorizer.settings.max_http_bytes)
        if body is None:
            return
        content_type = headers.get("content-type")
        if body == b"":
            version = codec.content_type_version(content_type) or 12
            fault = codec.SoapFault("Mensagem vazia ou maior que o limite do servidor", version, http_status=413 if
                                    int(headers.get("content-length", "0") or 0) > 0 else 400)
            await _send(send, Answer(fault.http_status, codec.CONTENT_TYPES[version], codec.fault(fault)))
            return
        call = functools.partial(self.authorizer.answer_soap, body, content_type, headers.get("soapaction"), path,
                                 headers, tls=scope.get("scheme") == "https", peer_der=scope.get("fake_sefaz.peer_der"))
        if ran is not None:
            # Group commit: the units of this request join the worker's open commit group; the answer waits for
            # that group's one durable commit.
            ran[0] = True
            answer, durable = self._committer.run(call)  # type: ignore[union-attr]
            try:
                await durable
            except Exception:  # noqa: BLE001 - the database refused the commit: nothing may be answered as done
                logging.getLogger("fake_sefaz").exception("group commit failed")
                version = codec.content_type_version(content_type) or 12
                fault = codec.SoapFault("Falha ao gravar no banco de dados do autorizador; consulte antes de "
                                        "reenviar", version, http_status=500)
                await _send(send, Answer(500, codec.CONTENT_TYPES[version], codec.fault(fault)))
                return
        elif self._executor is None:
            # Inline: the handler is CPU-bound and short (~1-2 ms); measured faster than a thread hand-off
            # (docs/decisions/0007-perf-defaults.md, setting soap_executor).
            answer = call()
        else:
            answer = await asyncio.get_running_loop().run_in_executor(self._executor, call)
        if self._request_log is not None:
            self._log_request(answer, started, scope)
        # Faults (issue 6). The unit of work has committed inside answer_soap: what follows only delays or loses
        # the answer on the way out, the case that makes emitters query by key before sending again.
        if answer.delay_s > 0:
            await asyncio.sleep(answer.delay_s)
        if answer.drop in ("timeout", "close"):
            if answer.drop == "timeout":
                await self._hold(receive, self.authorizer.settings.drop_hold_s)
            # Start the answer and stop there: uvicorn closes the connection before any body byte leaves.
            try:
                await send({"type": "http.response.start", "status": answer.status,
                            "headers": [(b"content-type", answer.content_type.encode()),
                                        (b"content-length", str(len(answer.body)).encode())]})
            except Exception:  # noqa: BLE001 - the client is already gone: nothing left to cut
                pass
            return
        await _send(send, answer)

    async def _hold(self, receive: Receive, seconds: float) -> None:
        """Wait until the client gives up (disconnects) or `seconds` pass, whichever comes first."""
        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
        try:
            await asyncio.wait_for(disconnected(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    def _address(self, scope: Scope) -> str:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host")
        if not host:
            server = scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        return f"{scope.get('scheme', 'http')}://{host}{scope.get('path', '/')}"

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._committer is not None:
                    self._committer.close()
                if self._executor is not None:
                    self._executor.shutdown(wait=True)
                self.authorizer.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def build_app(settings: Settings | None = None, clock: Any = None) -> FakeSefazApp:
    from fake_sefaz.web import build_web_app

    settings = settings or load_settings()
    authorizer = Authorizer(settings, clock=clock)
    if clock is None and settings.clock_control:
        from fake_sefaz.store.clock import StoreClock

        authorizer.clock = StoreClock(authorizer.store, ttl=settings.clock_cache_s)  # shared by every worker
    return FakeSefazApp(authorizer, fallback=build_web_app(authorizer))


def create_app() -> FakeSefazApp:
    """Factory for `uvicorn --factory fake_sefaz.server.app:create_app`: each worker reads FAKE_SEFAZ_* settings."""
    return build_app(load_settings())
