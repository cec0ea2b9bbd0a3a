"""Admin API of the Ambiente Nacional (issue 15): a party's DF-e distribution state and its reset.

GET    /admin/national/parties/{doc}   the party's cursor, hour to wait, key-query count, block and highest NSU
DELETE /admin/national/parties/{doc}   forget its NSU history and distribution state (a new party again: 137 first)
DELETE /admin/national/parties         the same for every party
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fake_sefaz.store import national as nstore

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer


def routes(auth: "Authorizer") -> list[Route]:
    def doc_of(request: Request) -> str:
        return "".join(c for c in request.path_params["doc"] if c.isalnum()).upper()

    async def get_party(request: Request) -> JSONResponse:
        doc = doc_of(request)

        def read(tx):
            return nstore.state(tx, doc), nstore.max_nsu(tx, doc)
        s, top = auth.store.read(read)
        return JSONResponse({"party": doc, "maxNSU": top, "last_dist_ts": s.last_dist_ts, "ultNSU": s.last_ult_nsu,
                             "empty_ts": s.empty_ts, "blocked_until": s.blocked_until, "block_reason": s.block_reason,
                             "key_queries": s.key_queries})

    async def forget_party(request: Request) -> JSONResponse:
        doc = doc_of(request)
        return JSONResponse({"party": doc, "forgotten": auth.store.run(lambda tx: nstore.forget(tx, doc))})

    async def forget_all(request: Request) -> JSONResponse:
        return JSONResponse({"forgotten": auth.store.run(lambda tx: nstore.forget(tx))})

    return [
        Route("/admin/national/parties/{doc}", get_party, methods=["GET"]),
        Route("/admin/national/parties/{doc}", forget_party, methods=["DELETE"]),
        Route("/admin/national/parties", forget_all, methods=["DELETE"]),
    ]


_DOC = [{"name": "doc", "in": "path", "required": True, "schema": {"type": "string"},
         "description": "the interested party's CNPJ or CPF"}]
OPENAPI_PATHS = {
    "/admin/national/parties/{doc}": {
        "get": {"summary": "A party's DF-e distribution state at the AN (cursor, wait, block, highest NSU)",
                "tags": ["national"], "parameters": _DOC, "responses": {"200": {"description": "the state"}}},
        "delete": {"summary": "Forget a party's NSUs and distribution state (its next distNSU answers 137)",
                   "tags": ["national"], "parameters": _DOC, "responses": {"200": {"description": "forgotten"}}},
    },
    "/admin/national/parties": {
        "delete": {"summary": "Forget every party's NSUs and distribution state", "tags": ["national"],
                   "responses": {"200": {"description": "forgotten"}}},
    },
}
