"""Procuração Eletrônica Digital (seed 000's menu; seed 001 items 4-7): the company, logged in with its own e-CNPJ
(role titular), grants an e-CPF holder (a colleague) or an accountant (CPF or CNPJ) access to some services of
the portal for a period, and may revoke it. A procurador cannot grant ("para gerar procuração é necessário
certificado digital da empresa (Outorgante)").

GET  /portal/procuracao                 the company's procurações and the form to grant one
POST /portal/procuracao                 grant (grantee, scopes, valid until)
POST /portal/procuracao/{id}/revoke     revoke (its sessions end with it)
"""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fake_sefaz.domain import keys, ufs
from fake_sefaz.store import portal
from fake_sefaz.web.portal_common import form_lists, page, require

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

TITLE = "Procuração Eletrônica Digital"


def _grantee(raw: str) -> str:
    doc = "".join(c for c in raw if c.isalnum()).upper()
    if len(doc) == 11 and keys.valid_cpf(doc):
        return doc
    if len(doc) == 14 and keys.valid_cnpj(doc):
        return doc
    raise ValueError(f"Outorgado {raw!r}: informe um CPF ou CNPJ válido.")


def routes(auth: "Authorizer") -> list[Route]:
    def titular(request: Request) -> portal.Session | Response:
        gate = require(auth, request, "cadastro")
        if isinstance(gate, Response):
            return gate
        if gate.role != portal.TITULAR:
            return page(TITLE, '<p class="err" id="somente-outorgante">Para gerar procuração é necessário o '
                               'certificado digital da empresa (Outorgante).</p>', 403, gate)
        return gate

    def day_of(ts: float) -> str:
        return datetime.fromtimestamp(ts, ufs.tz_of(auth.settings.cUF)).strftime("%d/%m/%Y")

    async def listing(request: Request) -> Response:
        session = titular(request)
        if isinstance(session, Response):
            return session
        now = auth.clock.now().timestamp()
        granted = auth.store.read(lambda tx: portal.granted_by(tx, session.cnpj[:8]))
        rows = "".join(
            f'<tr><td>{p.id}</td><td>{html.escape(p.grantee)}</td><td>{", ".join(p.scopes)}</td>'
            f'<td>{day_of(p.valid_from)}</td><td>{day_of(p.valid_until)}</td>'
            f'<td>{"revogada" if p.revoked_ts else ("em vigor" if p.active(now) else "vencida")}</td><td>'
            + (f'<form method="post" action="/portal/procuracao/{p.id}/revoke"><button type="submit" '
               f'class="revogar" data-id="{p.id}">Revogar</button></form>' if p.revoked_ts is None else "")
            + "</td></tr>" for p in granted)
        default_until = (auth.clock.now() + timedelta(days=365)).date().isoformat()
        boxes = "".join(f'<label><input type="checkbox" name="scope" value="{s}" checked> {html.escape(label)}'
                        f'</label><br>' for s, label in portal.SCOPES.items())
        error = request.query_params.get("erro")
        notice = f'<p class="err" id="erro">{html.escape(error)}</p>' if error else ""
        return page(TITLE, f"""{notice}<form method="post" action="/portal/procuracao">
<label>Outorgado (CPF do e-CPF, ou CNPJ do contador) <input name="grantee" required></label><br>{boxes}
<label>Válida até <input name="until" type="date" value="{default_until}"></label>
<button type="submit" id="conceder">Conceder procuração</button></form>
<table id="procuracoes"><thead><tr><th>Id</th><th>Outorgado</th><th>Serviços</th><th>Início</th><th>Fim</th>
<th>Situação</th><th></th></tr></thead><tbody>{rows}</tbody></table>""", session=session)

    async def grant(request: Request) -> Response:
        session = titular(request)
        if isinstance(session, Response):
            return session
        form = await form_lists(request)
        now = auth.clock.now()
        try:
            grantee = _grantee((form.get("grantee") or [""])[0])
            scopes = tuple(s for s in portal.SCOPES if s in (form.get("scope") or []))
            if not scopes:
                raise ValueError("Escolha ao menos um serviço.")
            until_day = date.fromisoformat((form.get("until") or [""])[0])
            until = datetime.combine(until_day, time(23, 59, 59), tzinfo=ufs.tz_of(auth.settings.cUF))
            if until <= now:
                raise ValueError("A validade termina no passado.")
        except ValueError as exc:
            from urllib.parse import urlencode

            return RedirectResponse("/portal/procuracao?" + urlencode({"erro": str(exc)}), status_code=303)
        auth.store.run(lambda tx: portal.grant(tx, session.cnpj, grantee, scopes, now.timestamp(), until.timestamp(),
                                               now.timestamp()))
        return RedirectResponse("/portal/procuracao", status_code=303)

    async def revoke(request: Request) -> Response:
        session = titular(request)
        if isinstance(session, Response):
            return session
        try:
            pid = int(request.path_params["id"])
        except ValueError:
            return page(TITLE, '<p class="err">Procuração desconhecida.</p>', 404, session)
        now = auth.clock.now().timestamp()
        done = auth.store.run(lambda tx: portal.revoke(tx, session.cnpj[:8], pid, now))
        if not done:
            return page(TITLE, '<p class="err">Procuração desconhecida ou já revogada.</p>', 404, session)
        return RedirectResponse("/portal/procuracao", status_code=303)

    return [
        Route("/portal/procuracao", listing, methods=["GET"]),
        Route("/portal/procuracao", grant, methods=["POST"]),
        Route("/portal/procuracao/{id}/revoke", revoke, methods=["POST"]),
    ]
