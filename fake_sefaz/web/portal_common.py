"""What every page of the taxpayer portal shares: the page frame, form decoding, and the session gate.

A session (store/portal.py) is read from the cookie and honoured only over the connection's own certificate: the
fingerprint of the TLS client certificate must be the one that logged in (a password session carries none). The
gate answers a visitor without a session with a redirect to the login page, and a session without the scope
or for another company with 403.
"""

from __future__ import annotations

import hashlib
import html
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from fake_sefaz.store import portal

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

COOKIE = "fake_sefaz_portal"
NO_CERTIFICATE = "senha"  # cert_fp of a password session

STYLE = """body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #888;padding:.3em .7em}th{background:#dde}.msg{color:#060;font-weight:bold}
.err{color:#a00;font-weight:bold}nav{margin-bottom:1em}"""


def page(title: str, body: str, status: int = 200, session: portal.Session | None = None) -> HTMLResponse:
    nav = ""
    if session is not None:
        nav = (f'<nav id="sessao">CNPJ {html.escape(session.cnpj)} IE {html.escape(session.ie or "-")} '
               f'({html.escape(session.role)}) <a href="/portal/">Principal</a> '
               f'<form method="post" action="/portal/logout" style="display:inline">'
               f'<button type="submit" id="sair">Sair</button></form></nav>')
    return HTMLResponse(f"<!DOCTYPE html><html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
                        f"</title><style>{STYLE}</style></head><body>{nav}<h1>{html.escape(title)}</h1>{body}</body>"
                        f"</html>", status_code=status)


async def form_data(request: Request) -> dict[str, str]:
    raw = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(raw).items()}


async def form_lists(request: Request) -> dict[str, list[str]]:
    raw = (await request.body()).decode("utf-8", "replace")
    return parse_qs(raw)


def peer_der(request: Request) -> bytes | None:
    """The TLS client certificate of this connection (None over plain HTTP or without one)."""
    return request.scope.get("fake_sefaz.peer_der")


def fingerprint(der: bytes | None) -> str:
    return hashlib.sha1(der).hexdigest() if der else NO_CERTIFICATE


def current(auth: "Authorizer", request: Request) -> portal.Session | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    now = auth.clock.now().timestamp()
    session = auth.store.read(lambda tx: portal.find_session(tx, token, now))
    if session is None:
        return None
    if session.cert_fp != NO_CERTIFICATE and session.cert_fp != fingerprint(peer_der(request)):
        return None  # the cookie came over a connection with another certificate, or none
    return session


def require(auth: "Authorizer", request: Request, scope: str, cnpj: str | None = None
            ) -> portal.Session | Response:
    """The session allowed to see this page, or the answer to give instead (login redirect or 403)."""
    session = current(auth, request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/portal/login?next=" + quote(target, safe=""), status_code=303)
    if not session.allows(scope):
        return page("Acesso negado", f'<p class="err" id="negado">Esta sessão não tem permissão para '
                    f'{html.escape(portal.SCOPES.get(scope, scope))}: peça ao titular uma procuração eletrônica '
                    f'com esse serviço.</p>', 403, session)
    if cnpj is not None and "".join(c for c in cnpj if c.isalnum()).upper()[:8] != session.cnpj[:8]:
        return page("Acesso negado", f'<p class="err" id="negado">A sessão é do CNPJ {html.escape(session.cnpj)}: '
                    f'outro contribuinte não pode ser consultado.</p>', 403, session)
    return session
