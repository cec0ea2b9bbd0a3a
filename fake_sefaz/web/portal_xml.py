"""NF-e - Consulta de Arquivos XML (seed 000's menu: "Consultar arquivos XML das Notas Fiscais Enviadas e
Recebidas"): the NF-e the company issued or received (dest/CNPJ of its CNPJ base) that this authorizer
authorized, each downloadable as procNFe. Needs a session with the "xml" scope.

GET /portal/xml              the list (enviadas, recebidas)
GET /portal/xml/{chNFe}      the procNFe file
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fake_sefaz.domain.protocol import proc_nfe
from fake_sefaz.domain.records import AUTHORIZED, CANCELLED, DocumentRecord
from fake_sefaz.domain.xml import N
from fake_sefaz.web.portal_common import page, require

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

TITLE = "NF-e - Consulta de Arquivos XML"
LIMIT = 500  # newest first; a portal page, not a bulk export
_DOC = tuple(DocumentRecord.__dataclass_fields__)


def recipient_of(doc: DocumentRecord) -> str:
    try:
        root = etree.fromstring(doc.nfe_xml.encode())
    except etree.XMLSyntaxError:
        return ""
    dest = root.find(f"{N}infNFe/{N}dest")
    return "" if dest is None else (dest.findtext(N + "CNPJ") or dest.findtext(N + "CPF") or "")


def routes(auth: "Authorizer") -> list[Route]:
    def documents(base: str) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
        states = (AUTHORIZED, CANCELLED)

        def read(tx):
            cols = ", ".join(_DOC)
            sent = tx.execute(f"SELECT {cols} FROM documents WHERE substr(issuer, 1, 8) = ? AND state IN (?, ?) "
                              f"ORDER BY received_ts DESC LIMIT {LIMIT}", (base, *states))
            # the recipient is inside the note: narrow by text, then read dest/CNPJ
            maybe = tx.execute(f"SELECT {cols} FROM documents WHERE nfe_xml LIKE ? AND state IN (?, ?) "
                               f"ORDER BY received_ts DESC LIMIT {LIMIT}", (f"%{base}%", *states))
            return [DocumentRecord(*r) for r in sent], [DocumentRecord(*r) for r in maybe]
        sent, maybe = auth.store.read(read)
        received = [d for d in maybe if recipient_of(d)[:8] == base and d.issuer[:8] != base]
        return sent, received

    async def listing(request: Request) -> Response:
        session = require(auth, request, "xml")
        if isinstance(session, Response):
            return session
        sent, received = documents(session.cnpj[:8])

        def table(docs: list[DocumentRecord], tid: str) -> str:
            rows = "".join(f'<tr><td>{d.mod}</td><td>{d.serie}</td><td>{d.nNF}</td><td>{html.escape(d.dhEmi)}</td>'
                           f'<td>{html.escape(d.vNF)}</td><td>{d.state}</td><td><a class="baixar" '
                           f'href="/portal/xml/{d.chNFe}">{d.chNFe}</a></td></tr>' for d in docs)
            return (f'<table id="{tid}"><thead><tr><th>Modelo</th><th>Série</th><th>Número</th><th>Emissão</th>'
                    f'<th>Valor</th><th>Situação</th><th>Chave (procNFe)</th></tr></thead><tbody>{rows}</tbody>'
                    f'</table>')
        return page(TITLE, f"<h2>Enviadas</h2>{table(sent, 'enviadas')}<h2>Recebidas</h2>{table(received, 'recebidas')}",
                    session=session)

    async def download(request: Request) -> Response:
        session = require(auth, request, "xml")
        if isinstance(session, Response):
            return session
        key = request.path_params["chNFe"]
        doc = auth.store.read(lambda tx: tx.document(key))
        base = session.cnpj[:8]
        if doc is None or doc.state not in (AUTHORIZED, CANCELLED) or base not in (doc.issuer[:8], recipient_of(doc)[:8]):
            return page(TITLE, '<p class="err" id="nao-encontrada">NF-e não encontrada entre as enviadas e recebidas '
                               'deste contribuinte.</p>', 404, session)
        return Response(proc_nfe(doc.nfe_xml, doc.prot_xml), media_type="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{key}-procNFe.xml"'})

    return [
        Route("/portal/xml", listing, methods=["GET"]),
        Route("/portal/xml/{chNFe}", download, methods=["GET"]),
    ]
