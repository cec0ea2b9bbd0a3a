"""GET /admin/health and GET /admin/documents/{chNFe}: what the authorizer holds, as JSON."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fake_sefaz.web import error

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer


def routes(auth: "Authorizer") -> list[Route]:
    async def health(request: Request) -> JSONResponse:
        s = auth.settings
        # worker: the answering process, so an operator (or a test) can see how connections spread over workers.
        # tls_port: where the HTTPS listener is (0: none), so a remote scenario run can reach it
        return JSONResponse({"status": "ok", "uf": s.uf, "tpAmb": s.tpAmb, "now": auth.clock.now().isoformat(),
                             "worker": os.getpid(), "tls_port": auth.tls_port, "tls_client_errors": s.tls_client_errors})

    async def document(request: Request) -> JSONResponse:
        key = request.path_params["chNFe"]
        doc = auth.store.read(lambda tx: tx.document(key))
        if doc is None:
            return error(404, "unknown key")
        return JSONResponse({
            "chNFe": doc.chNFe, "state": doc.state, "cStat": doc.cStat, "nProt": doc.nProt,
            "dhRecbto": doc.dhRecbto, "nRec": doc.nRec, "tpAmb": doc.tpAmb, "mod": doc.mod, "serie": doc.serie,
            "nNF": doc.nNF, "issuer": doc.issuer, "vNF": doc.vNF, "protNFe": doc.prot_xml,
        })

    return [
        Route("/admin/health", health, methods=["GET"]),
        Route("/admin/documents/{chNFe}", document, methods=["GET"]),
    ]

def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, doc: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": doc}


OPENAPI_PATHS = {
    "/admin/health": {"get": {"summary": "Liveness: UF, tpAmb, the server's clock and the answering worker",
                              "tags": ["meta"], "responses": {"200": {"description": "status ok"}}}},
    "/admin/documents/{chNFe}": {"get": {
        "summary": "A stored NF-e/NFC-e: state, cStat, protocol, numbering and the protNFe XML", "tags": ["documents"],
        "parameters": [_path_param("chNFe")],
        "responses": {"200": {"description": "the document"}, "404": {"description": "unknown key"}}}},
}
