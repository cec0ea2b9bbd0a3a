"""The portal page "Requisitar Token NFC-e", shaped like the SEFAZ-AM Atendimento On-line screens of the token
guide (reference/seeds/000): the table ID Token / Número Token / Início da vigência / Fim da vigência / Revogar
Token, a "Requisitar novo Token" button that shows "Token emitido: ...", and revocation after a confirmation
("Deseja realmente revogar Token com id [6]?"). Plain HTML forms, no script: the confirmation is its own page.
Every page needs an Atendimento On-line session (web/portal_login.py) with the "csc" scope, for the same company
(CNPJ base): the company's own e-CNPJ, or an e-CPF holding a procuração for it (seed 001).

GET  /portal/csc                          the session's company (UF and environment may be chosen)
GET  /portal/csc/{cnpj}                   the token table
POST /portal/csc/{cnpj}/request           request a new token
GET  /portal/csc/{cnpj}/revoke/{id}       confirmation page
POST /portal/csc/{cnpj}/revoke/{id}       revoke (after confirming)
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fake_sefaz.domain import ufs
from fake_sefaz.store import csc
from fake_sefaz.web.admin_csc import parse_id, scope_of, when
from fake_sefaz.web.portal_common import form_data, page, require

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

def routes(auth: "Authorizer") -> list[Route]:
    def scope(request: Request) -> tuple[str, int, int, str]:
        cnpj = request.path_params["cnpj"]
        cUF, tpAmb = scope_of(auth, request.query_params)
        query = urlencode({"uf": ufs.sigla_of(cUF), "tpAmb": tpAmb})
        return csc.cnpj_base(cnpj), cUF, tpAmb, query

    async def choose(request: Request) -> Response:
        session = require(auth, request, "csc")
        if isinstance(session, Response):
            return session
        # the session's company; UF and environment may be chosen (?uf=AM&tpAmb=1)
        return RedirectResponse(f"/portal/csc/{session.cnpj}?" + urlencode(
            {"uf": request.query_params.get("uf") or auth.settings.uf,
             "tpAmb": request.query_params.get("tpAmb") or auth.settings.tpAmb}), status_code=303)

    async def table(request: Request) -> Response:
        gate = require(auth, request, "csc", request.path_params["cnpj"])
        if isinstance(gate, Response):
            return gate
        try:
            base, cUF, tpAmb, query = scope(request)
        except (csc.CscError, ValueError) as exc:
            return page("Requisitar Token NFC-e", f"<p class=\"err\">{html.escape(str(exc))}</p>", 400)
        cnpj = html.escape(request.path_params["cnpj"])
        tokens = auth.store.read(lambda tx: csc.list_tokens(tx, base, cUF, tpAmb))
        notice = ""
        issued = request.query_params.get("emitido")
        if issued:
            found = next((t for t in tokens if t.id6 == issued), None)
            if found is not None:
                notice = f"<p class=\"msg\" id=\"emitido\">Token emitido: {html.escape(found.token)}</p>"
        if request.query_params.get("erro"):
            notice += f"<p class=\"err\" id=\"erro\">{html.escape(request.query_params['erro'])}</p>"
        rows = "".join(
            f"<tr><td>{t.id6}</td><td class=\"token\">{html.escape(t.token)}</td><td>{when(t.start_ts, cUF)}</td>"
            f"<td>{when(t.end_ts, cUF)}</td><td>"
            + (f"<a href=\"/portal/csc/{cnpj}/revoke/{t.id}?{query}\">Revogar</a>" if t.active else "")
            + "</td></tr>" for t in tokens)
        body = f"""<p>Contribuinte: CNPJ base <b>{base}</b> — UF {ufs.sigla_of(cUF)} — ambiente {tpAmb}.
Os tokens valem para todos os estabelecimentos do contribuinte no estado; no máximo dois ativos ao mesmo tempo.
Fim da vigência preenchido: token revogado.</p>{notice}
<form method="post" action="/portal/csc/{cnpj}/request?{query}"><button type="submit" id="requisitar">Requisitar novo
Token</button></form>
<table id="tokens"><thead><tr><th>ID Token</th><th>Número Token</th><th>Início da vigência</th><th>Fim da vigência</th>
<th>Revogar Token</th></tr></thead><tbody>{rows}</tbody></table>"""
        return page("Requisitar Token NFC-e", body, session=gate)

    async def request_token(request: Request) -> Response:
        gate = require(auth, request, "csc", request.path_params["cnpj"])
        if isinstance(gate, Response):
            return gate
        try:
            base, cUF, tpAmb, query = scope(request)
        except (csc.CscError, ValueError) as exc:
            return page("Requisitar Token NFC-e", f"<p class=\"err\">{html.escape(str(exc))}</p>", 400)
        cnpj = request.path_params["cnpj"]
        token = csc.new_token(auth.settings.csc_length, auth.settings.csc_alphabet)
        now = auth.clock.now().timestamp()
        try:
            created = auth.store.run(lambda tx: csc.request_token(tx, base, cUF, tpAmb, now, token))
        except csc.CscError as exc:
            return RedirectResponse(f"/portal/csc/{cnpj}?{query}&" + urlencode({"erro": str(exc)}), status_code=303)
        return RedirectResponse(f"/portal/csc/{cnpj}?{query}&emitido={created.id6}", status_code=303)

    async def confirm(request: Request) -> Response:
        gate = require(auth, request, "csc", request.path_params["cnpj"])
        if isinstance(gate, Response):
            return gate
        try:
            base, cUF, tpAmb, query = scope(request)
            token_id = parse_id(request.path_params["id"])
        except (csc.CscError, ValueError) as exc:
            return page("Revogar Token", f"<p class=\"err\">{html.escape(str(exc))}</p>", 400)
        cnpj = html.escape(request.path_params["cnpj"])
        return page("Revogar Token", f"""<p id="pergunta">Deseja realmente revogar Token com id [{token_id}]?</p>
<form method="post" action="/portal/csc/{cnpj}/revoke/{token_id}?{query}"><input type="hidden" name="confirmar"
value="sim"><button type="submit" id="confirmar">Confirmar</button></form>
<p><a href="/portal/csc/{cnpj}?{query}" id="cancelar">Cancelar</a></p>""")

    async def revoke(request: Request) -> Response:
        gate = require(auth, request, "csc", request.path_params["cnpj"])
        if isinstance(gate, Response):
            return gate
        try:
            base, cUF, tpAmb, query = scope(request)
            token_id = parse_id(request.path_params["id"])
        except (csc.CscError, ValueError) as exc:
            return page("Revogar Token", f"<p class=\"err\">{html.escape(str(exc))}</p>", 400)
        cnpj = request.path_params["cnpj"]
        if (await form_data(request)).get("confirmar") != "sim":
            return RedirectResponse(f"/portal/csc/{cnpj}/revoke/{token_id}?{query}", status_code=303)
        now = auth.clock.now().timestamp()
        try:
            auth.store.run(lambda tx: csc.revoke(tx, base, cUF, tpAmb, token_id, now))
        except csc.CscError as exc:
            return RedirectResponse(f"/portal/csc/{cnpj}?{query}&" + urlencode({"erro": str(exc)}), status_code=303)
        return RedirectResponse(f"/portal/csc/{cnpj}?{query}", status_code=303)

    return [
        Route("/portal/csc", choose, methods=["GET"]),
        Route("/portal/csc/{cnpj}", table, methods=["GET"]),
        Route("/portal/csc/{cnpj}/request", request_token, methods=["POST"]),
        Route("/portal/csc/{cnpj}/revoke/{id}", confirm, methods=["GET"]),
        Route("/portal/csc/{cnpj}/revoke/{id}", revoke, methods=["POST"]),
    ]
