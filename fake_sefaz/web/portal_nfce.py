"""The consumer's NFC-e pages, as the UF's "Consulta NFC-e" site shows them.

GET /portal/nfce/qrcode?p=...       the page a QR code opens: the note (issuer, items, totals, payment, protocol,
                                    state: authorized / cancelled / denied) and whether the QR code checks out
                                    against the note and the issuer's CSC (the ZX rules of rules/nfce.py, without
                                    the URL checks: this page is the URL). Unknown key or tampered QR: said so.
GET /portal/nfce/consulta?chave=... the "consulta por chave de acesso" page (urlChave): the same note, no QR check.

The state comes from the document store (documents.state), so a cancellation shows once it is recorded.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lxml import etree
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from fake_sefaz.store.reads import StoreReads
from fake_sefaz.domain import codes, qrcode, signature
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.rules import first_failure
from fake_sefaz.rules import nfce as nfce_rules
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.store import AUTHORIZED, CANCELLED, DENIED, DocumentRecord
from fake_sefaz.domain.xml import N

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

# The QR rules that compare the code with the note and the CSC (the URL rules make no sense on this page).
CHECKS = (
    nfce_rules.zx02_224_parameters, nfce_rules.zx02_228_key, nfce_rules.zx02_244_environment,
    nfce_rules.zx02_268_day, nfce_rules.zx02_276_total, nfce_rules.zx02_296_digest, nfce_rules.zx02_328_recipient,
    nfce_rules.c6_02_10_taxpayer_has_csc, nfce_rules.zx02_304_token_registered, nfce_rules.zx02_308_token_revoked,
    nfce_rules.zx02_320_hash, nfce_rules.zx02_338_signature,
)

STATES = {AUTHORIZED: "Autorizada", CANCELLED: "Cancelada", DENIED: "Denegada"}
T_PAG = {"01": "Dinheiro", "02": "Cheque", "03": "Cartão de Crédito", "04": "Cartão de Débito",
         "05": "Crédito Loja", "10": "Vale Alimentação", "11": "Vale Refeição", "12": "Vale Presente",
         "13": "Vale Combustível", "15": "Boleto Bancário", "16": "Depósito Bancário", "17": "PIX",
         "18": "Transferência bancária", "19": "Programa de fidelidade", "90": "Sem pagamento", "99": "Outros"}

STYLE = """body{font-family:sans-serif;margin:1.5em;max-width:60em}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #999;padding:.25em .5em}th{background:#e4e4ee}.ok{color:#060;font-weight:bold}
.bad{color:#b00;font-weight:bold}.warn{color:#a60;font-weight:bold}.num{text-align:right}
.hom{background:#fee;border:1px solid #b00;padding:.4em}"""

e = html.escape


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>"
                        f"<style>{STYLE}</style></head><body>{body}</body></html>", status_code=status)


def _t(el: etree._Element | None, path: str) -> str:
    if el is None:
        return ""
    return el.findtext("/".join(N + p for p in path.split("/"))) or ""


def qr_verdict(auth: "Authorizer", doc: DocumentRecord, view: NFeView, p: str) -> tuple[str, str]:
    """('ok' | 'bad' | 'warn', text): whether the QR parameters check out against the stored note and its CSC."""
    qr = qrcode.parse("x?p=" + p)
    ctx = NFeContext(view, auth.clock.now(), doc.cUF, doc.tpAmb, auth.settings, auth.trust, reads=StoreReads(auth.store),
                     sig=signature.profile_parts(view.element, view.inf))
    failure = first_failure(CHECKS, nfce_rules.QrContext(ctx, qr))
    if failure is None:
        return "ok", "QR Code válido: os parâmetros e o código de verificação conferem com a NFC-e autorizada."
    if failure.cstat == 796:
        return "warn", "Autenticidade não verificável: o emitente não tem código de segurança (CSC) cadastrado."
    return "bad", f"QR Code inválido: {codes.motivo(failure.cstat, failure.suffix, auth.settings.xmotivo_style)}"


def render(auth: "Authorizer", doc: DocumentRecord, verdict: tuple[str, str] | None) -> HTMLResponse:
    view = NFeView(etree.fromstring(doc.nfe_xml.encode()))
    inf, emit = view.inf, view.emit
    state = STATES.get(doc.state, doc.state)
    parts = ["<h1>Documento Auxiliar da Nota Fiscal de Consumidor Eletrônica</h1>"]
    if doc.tpAmb == 2:
        parts.append("<p class=\"hom\">EMITIDA EM AMBIENTE DE HOMOLOGAÇÃO - SEM VALOR FISCAL</p>")
    if verdict is not None:
        parts.append(f"<p class=\"{verdict[0]}\" id=\"qr\">{e(verdict[1])}</p>")
    addr = emit.find(N + "enderEmit")
    parts.append(f"""<h2>Emitente</h2><p id="emitente"><b>{e(_t(emit, 'xNome'))}</b><br>CNPJ: {e(_t(emit, 'CNPJ') or
_t(emit, 'CPF'))} Inscrição Estadual: {e(_t(emit, 'IE'))}<br>{e(_t(addr, 'xLgr'))}, {e(_t(addr, 'nro'))},
{e(_t(addr, 'xBairro'))}, {e(_t(addr, 'xMun'))} - {e(_t(addr, 'UF'))}</p>""")
    rows = []
    for det in view.items():
        prod = det.find(N + "prod")
        rows.append(f"<tr><td>{e(_t(prod, 'cProd'))}</td><td>{e(_t(prod, 'xProd'))}</td>"
                    f"<td class=\"num\">{e(_t(prod, 'qCom'))}</td><td>{e(_t(prod, 'uCom'))}</td>"
                    f"<td class=\"num\">{e(_t(prod, 'vUnCom'))}</td><td class=\"num\">{e(_t(prod, 'vProd'))}</td></tr>")
    parts.append("<h2>Itens</h2><table id=\"itens\"><thead><tr><th>Código</th><th>Descrição</th><th>Qtde.</th>"
                 "<th>UN</th><th>Vl. Unit.</th><th>Vl. Total</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    tot = inf.find(f"{N}total/{N}ICMSTot")
    parts.append(f"""<h2>Totais</h2><table id="totais"><tr><td>Qtd. total de itens</td><td class="num">{len(rows)}</td></tr>
<tr><td>Valor total R$</td><td class="num">{e(_t(tot, 'vProd'))}</td></tr>
<tr><td>Descontos R$</td><td class="num">{e(_t(tot, 'vDesc'))}</td></tr>
<tr><td><b>Valor a pagar R$</b></td><td class="num" id="vNF"><b>{e(_t(tot, 'vNF'))}</b></td></tr></table>""")
    pays = []
    pag = inf.find(N + "pag")
    for det_pag in (pag.iterfind(N + "detPag") if pag is not None else ()):
        kind = _t(det_pag, "tPag")
        pays.append(f"<tr><td>{e(T_PAG.get(kind, kind))}</td><td class=\"num\">{e(_t(det_pag, 'vPag'))}</td></tr>")
    troco = _t(pag, "vTroco")
    if troco:
        pays.append(f"<tr><td>Troco R$</td><td class=\"num\">{e(troco)}</td></tr>")
    parts.append("<h2>Pagamento</h2><table id=\"pagamento\"><tr><th>Forma de pagamento</th><th>Valor pago R$</th></tr>"
                 + "".join(pays) + "</table>")
    dest_doc = _t(view.dest, "CPF") or _t(view.dest, "CNPJ") or _t(view.dest, "idEstrangeiro")
    parts.append(f"""<h2>Informações gerais da nota</h2><p id="geral">Número: {doc.nNF} Série: {doc.serie}
Emissão: {e(doc.dhEmi)}<br>Chave de acesso: <span id="chave">{e(doc.chNFe)}</span><br>
Protocolo de autorização: <span id="protocolo">{e(doc.nProt)}</span> Data de autorização: {e(doc.dhRecbto)}<br>
Consumidor: {e(dest_doc) if dest_doc else 'CONSUMIDOR NÃO IDENTIFICADO'}<br>
Situação: <b id="situacao">{e(state)}</b></p>""")
    return _page(f"NFC-e {doc.chNFe}", "".join(parts))


def raw_p(query: str) -> str:
    """The p parameter percent-decoded but with '+' kept: a v3 offline signature is base64, and QR readers put it
    in the URL as it is, so form decoding ('+' as space) would break it."""
    for part in query.split("&"):
        if part.startswith("p="):
            return unquote(part[2:])
    return ""


def routes(auth: "Authorizer") -> list[Route]:
    def lookup(key: str) -> DocumentRecord | None:
        if not (len(key) == 44 and key.isalnum()):
            return None
        found = auth.store.read(lambda tx: tx.document(key))
        return found if found is not None and found.mod == 65 else None

    async def by_qrcode(request: Request) -> HTMLResponse:
        p = raw_p(request.url.query)
        key = p.split("|")[0]
        doc = lookup(key)
        if doc is None:
            return _page("NFC-e não encontrada", "<h1>Consulta NFC-e</h1><p class=\"bad\" id=\"qr\">NFC-e não "
                         f"encontrada: não há NFC-e autorizada com a chave de acesso {e(key) or '(vazia)'} "
                         "na base de dados da SEFAZ.</p>", 404)
        view = NFeView(etree.fromstring(doc.nfe_xml.encode()))
        return render(auth, doc, qr_verdict(auth, doc, view, p))

    async def by_key(request: Request) -> HTMLResponse:
        key = "".join(request.query_params.get("chave", "").split())
        if not key:
            return _page("Consulta NFC-e", """<h1>Consulta NFC-e por chave de acesso</h1><form method="get">
<label>Chave de acesso <input name="chave" size="50" required></label> <button type="submit">Consultar</button></form>""")
        doc = lookup(key)
        if doc is None:
            return _page("NFC-e não encontrada", f"<h1>Consulta NFC-e</h1><p class=\"bad\">NFC-e não encontrada: "
                         f"{e(key)}</p>", 404)
        return render(auth, doc, None)

    return [
        Route("/portal/nfce/qrcode", by_qrcode, methods=["GET"]),
        Route("/portal/nfce/consulta", by_key, methods=["GET"]),
    ]


__all__ = ["routes", "render", "qr_verdict"]
