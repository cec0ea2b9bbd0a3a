""""Atendimento On-line": login, the home page and logout (seeds 000 and 001; issue 14).

GET  /portal/login          COM CERTIFICADO DIGITAL: over HTTPS, the connection's client certificate. An e-CNPJ
                            lists the CNPJs and IEs of its root (the registry's establishments of its CNPJ base),
                            "basta escolher a inscrição desejada" (seed 001); an e-CPF (or an accountant's e-CNPJ)
                            lists the companies whose procuração eletrônica it holds. SEM CERTIFICADO DIGITAL:
                            inscrição or CPF and senha, only with portal_password_login, and never for an NF-e
                            issuer ("Será permitido o uso da inscrição e senha? Não, apenas o certificado digital").
POST /portal/login          open the session for the establishment chosen
POST /portal/login/senha    password login
GET  /portal/               Dados da Empresa and the services this session may use
POST /portal/logout         end the session

The certificate is judged by group A (rules/transmitter.py), as at the web services: one that fails gets 403 with
the rule's text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fake_sefaz.domain import codes, keys
from fake_sefaz.domain.taxpayers import NONE, Taxpayer
from fake_sefaz.store import portal
from fake_sefaz.store import registry as sql
from fake_sefaz.web.portal_common import COOKIE, NO_CERTIFICATE, current, fingerprint, form_data, page, peer_der

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

TITLE = "Atendimento On-line"
# the services of the home page, by scope (seed 000's menu)
SERVICES = (("cadastro", "/portal/", "Dados da Empresa"),
            ("csc", "/portal/csc", "Requisitar Token NFC-e"),
            ("xml", "/portal/xml", "NF-e - Consulta de Arquivos XML"))


@dataclass(frozen=True)
class Choice:
    cnpj: str
    ie: str
    name: str
    role: str
    scopes: tuple[str, ...]


def _establishments(tx, base: str, fallback_cnpj: str) -> list[tuple[str, str, str]]:
    rows = [Taxpayer.from_row(r) for r in sql.by_base(tx, base)]
    found = [(t.doc, t.ie, t.xNome) for t in rows]
    return found or [(fallback_cnpj, "", "")]


def choices(auth: "Authorizer", holder_cnpj: str | None, holder_cpf: str | None) -> list[Choice]:
    """What a certificate may enter as: its own company's establishments (titular) and those of every company that
    granted it a procuração in force (procurador, with that procuração's scopes)."""
    now = auth.clock.now().timestamp()

    def read(tx) -> list[Choice]:
        out: list[Choice] = []
        if holder_cnpj:
            out += [Choice(doc, ie, name, portal.TITULAR, tuple(portal.SCOPES))
                    for doc, ie, name in _establishments(tx, holder_cnpj[:8], holder_cnpj)]
        granted: dict[str, set[str]] = {}
        for grantee in filter(None, (holder_cpf, holder_cnpj)):
            for p in portal.granted_to(tx, grantee, now):
                granted.setdefault(p.grantor, set()).update(p.scopes)
        for grantor, scopes in granted.items():
            if holder_cnpj and grantor[:8] == holder_cnpj[:8]:
                continue  # its own company: already titular
            out += [Choice(doc, ie, name, portal.PROCURADOR, tuple(s for s in portal.SCOPES if s in scopes))
                    for doc, ie, name in _establishments(tx, grantor[:8], grantor)]
        return out
    return auth.store.read(read)


def routes(auth: "Authorizer") -> list[Route]:
    def certificate(request: Request):
        """(facts, refusal text) of the connection's certificate; (None, None) without one."""
        der = peer_der(request)
        if der is None:
            return None, None
        info, refused = auth.dispatcher.transmitter(der)
        return info, (codes.motivo(refused.cstat) if refused is not None else None)

    def https_hint(request: Request) -> str:
        if request.url.scheme == "https":
            return ('<p class="err" id="sem-certificado">Nenhum certificado digital foi apresentado: instale o '
                    'e-CNPJ ou e-CPF no navegador e tente de novo.</p>')
        port = auth.tls_port
        if not port:
            return ('<p class="err" id="sem-https">O acesso com certificado digital exige HTTPS: inicie o servidor '
                    'com tls_port (fake-sefaz serve --tls-port 8443).</p>')
        host = (request.url.hostname or "localhost")
        url = f"https://{host}:{port}/portal/login"
        return f'<p id="sem-https">O acesso com certificado digital é feito por HTTPS: <a href="{url}">{url}</a></p>'

    def password_form() -> str:
        if not auth.settings.portal_password_login:
            return ('<p id="senha-desativada">Acesso com inscrição e senha desativado: emissores de NF-e acessam '
                    'apenas com certificado digital.</p>')
        return ('<form method="post" action="/portal/login/senha"><label>Inscrição ou CPF (Apenas números) '
                '<input name="login" required></label> <label>Senha <input name="senha" type="password" required>'
                '</label> <button type="submit" id="entrar-senha">Entrar</button></form>')

    async def login_page(request: Request) -> Response:
        info, refusal = certificate(request)
        next_path = request.query_params.get("next", "")
        if refusal is not None:
            return page(TITLE, f'<p class="err" id="recusado">Certificado digital recusado: {html.escape(refusal)}'
                               f'</p>', 403)
        if info is None:
            return page(TITLE, f"<h2>COM CERTIFICADO DIGITAL</h2>{https_hint(request)}"
                               f"<h2>SEM CERTIFICADO DIGITAL</h2>{password_form()}")
        found = choices(auth, info.cnpj, info.cpf)
        holder = html.escape(info.cnpj or info.cpf or "")
        if not found:
            return page(TITLE, f'<p class="err" id="sem-procuracao">O certificado do CPF {holder} não tem '
                               f'procuração eletrônica em vigor: peça ao contribuinte (outorgante) que a conceda.'
                               f'</p>', 403)
        rows = "".join(
            f'<tr><td>{html.escape(c.cnpj)}</td><td>{html.escape(c.ie or "-")}</td><td>{html.escape(c.name)}</td>'
            f'<td>{c.role}</td><td><form method="post" action="/portal/login">'
            f'<input type="hidden" name="cnpj" value="{c.cnpj}"><input type="hidden" name="ie" value="{c.ie}">'
            f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
            f'<button type="submit" class="entrar" data-cnpj="{c.cnpj}" data-ie="{c.ie}">Entrar</button></form>'
            f'</td></tr>' for c in found)
        return page(TITLE, f'<p id="titular">Certificado de {holder}. Escolha a inscrição desejada:</p>'
                           f'<table id="inscricoes"><thead><tr><th>CNPJ</th><th>Inscrição Estadual</th>'
                           f'<th>Razão Social</th><th>Acesso</th><th></th></tr></thead><tbody>{rows}</tbody></table>')

    def _open(request: Request, choice: Choice, cert_fp: str, holder: str, next_path: str) -> Response:
        now = auth.clock.now().timestamp()
        session = auth.store.run(lambda tx: portal.open_session(
            tx, cert_fp=cert_fp, holder=holder, cnpj=choice.cnpj, ie=choice.ie, role=choice.role,
            scopes=choice.scopes, now_ts=now, minutes=auth.settings.portal_session_minutes))
        target = next_path if next_path.startswith("/portal/") and not next_path.startswith("//") else "/portal/"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, session.token, max_age=int(auth.settings.portal_session_minutes * 60),
                            httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/portal")
        return response

    async def login(request: Request) -> Response:
        info, refusal = certificate(request)
        if info is None or refusal is not None:
            return page(TITLE, '<p class="err">Acesso com certificado digital: apresente um certificado válido.</p>',
                        403)
        form = await form_data(request)
        wanted = (form.get("cnpj", ""), form.get("ie", ""))
        choice = next((c for c in choices(auth, info.cnpj, info.cpf) if (c.cnpj, c.ie) == wanted), None)
        if choice is None:
            return page(TITLE, '<p class="err" id="nao-vinculada">Inscrição não vinculada a este certificado.</p>',
                        403)
        return _open(request, choice, fingerprint(peer_der(request)), info.cnpj or info.cpf or "",
                     form.get("next", ""))

    async def login_password(request: Request) -> Response:
        if not auth.settings.portal_password_login:
            return page(TITLE, '<p class="err">Acesso com inscrição e senha desativado.</p>', 403)
        form = await form_data(request)
        login_id = "".join(c for c in form.get("login", "") if c.isdigit())
        if f"{login_id}:{form.get('senha', '')}" not in auth.settings.portal_passwords:
            return page(TITLE, '<p class="err" id="senha-invalida">Inscrição ou senha inválida.</p>', 403)
        if len(login_id) == 11 and keys.valid_cpf(login_id):
            rows = auth.store.read(lambda tx: sql.by_doc(tx, login_id))
        else:
            rows = auth.store.read(lambda tx: sql.by_ie(tx, login_id, auth.settings.uf))
        found = [Taxpayer.from_row(r) for r in rows]
        if not found:
            return page(TITLE, '<p class="err" id="senha-invalida">Inscrição ou senha inválida.</p>', 403)
        if any(t.nfe_cred != NONE for t in found):
            # seed 001, item 2: "Será permitido o uso da inscrição e senha? Não, apenas o certificado digital."
            return page(TITLE, '<p class="err" id="somente-certificado">Emissor de NF-e: o acesso ao Atendimento '
                               'On-line é feito apenas com certificado digital.</p>', 403)
        t = found[0]
        return _open(request, Choice(t.doc, t.ie, t.xNome, portal.SENHA, tuple(portal.SCOPES)), NO_CERTIFICATE,
                     login_id, form.get("next", ""))

    async def home(request: Request) -> Response:
        session = current(auth, request)
        if session is None:
            return RedirectResponse("/portal/login?next=" + quote("/portal/", safe=""), status_code=303)
        rows = auth.store.read(lambda tx: sql.get(tx, session.cnpj, session.ie)) if session.ie else None
        data = ""
        if rows and session.allows("cadastro"):
            t = Taxpayer.from_row(rows)
            data = (f'<h2>Dados da Empresa</h2><table id="dados"><tr><th>RAZÃO SOCIAL</th><td>{html.escape(t.xNome)}'
                    f'</td></tr><tr><th>NOME FANTASIA</th><td>{html.escape(t.xFant or "")}</td></tr><tr><th>'
                    f'SITUAÇÃO DA EMPRESA</th><td>{html.escape(t.situation)}</td></tr><tr><th>INSC. EST.</th><td>'
                    f'{html.escape(t.ie)}</td></tr><tr><th>CNPJ</th><td>{html.escape(t.doc)}</td></tr></table>')
        links = [f'<li><a href="{href}" id="servico-{scope}">{html.escape(label)}</a></li>'
                 for scope, href, label in SERVICES if session.allows(scope) and scope != "cadastro"]
        if session.role == portal.TITULAR:
            links.append('<li><a href="/portal/procuracao" id="servico-procuracao">Procuração Eletrônica Digital</a>'
                         ' — para gerar procuração é necessário certificado digital da empresa (Outorgante).</li>')
        return page(TITLE, f'{data}<h2>Serviços</h2><ul id="servicos">{"".join(links)}</ul>', session=session)

    async def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            auth.store.run(lambda tx: portal.close_session(tx, token))
        response = RedirectResponse("/portal/login", status_code=303)
        response.delete_cookie(COOKIE, path="/portal")
        return response

    return [
        Route("/portal/login", login_page, methods=["GET"]),
        Route("/portal/login", login, methods=["POST"]),
        Route("/portal/login/senha", login_password, methods=["POST"]),
        Route("/portal/", home, methods=["GET"]),
        Route("/portal/logout", logout, methods=["POST"]),
    ]


__all__ = ["routes", "choices"]
