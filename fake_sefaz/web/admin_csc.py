"""CSC tokens of a taxpayer over the admin JSON API (store/csc.py holds the rules).

GET    /admin/taxpayers/{CNPJ}/csc          list all tokens, newest first (active and revoked)
POST   /admin/taxpayers/{CNPJ}/csc          request a new token: 201; 409 when two are active already
                                            (optional JSON {"token": "..."} imports a known token, e.g. to replay
                                            the SEFAZ-AM guide; otherwise a random one of csc_length characters)
DELETE /admin/taxpayers/{CNPJ}/csc/{id}     revoke (id as 6, 000006): 200; 404 unknown; 409 already revoked

{CNPJ} is a CNPJ or its 8-character base: a token serves every establishment (CSC-07). ?uf=AM&tpAmb=1 choose the
UF and environment (default: the settings). Instants come from the injected clock and are shown in the UF's time.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fake_sefaz.domain import ufs
from fake_sefaz.store import csc
from fake_sefaz.web import BodyError, error, json_body, parse_body, unprocessable

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

HTTP_STATUS = {"limit": 409, "revoked": 409, "unknown": 404, "invalid": 400}


class TokenBody(BaseModel):
    """POST /admin/taxpayers/{cnpj}/csc: optionally the token to import (else a random one)."""

    model_config = ConfigDict(extra="forbid")

    token: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{1,36}$",
                              description="a known CSC (1 to 36 letters or digits), e.g. the SEFAZ-AM guide's")


def scope_of(auth: "Authorizer", params) -> tuple[int, int]:
    """(cUF, tpAmb) of a CSC request: query parameters uf/tpAmb, else the settings. ValueError when bad."""
    cUF = ufs.code_of(params.get("uf") or auth.settings.uf)
    tpAmb = int(params.get("tpAmb") or auth.settings.tpAmb)
    if tpAmb not in (1, 2):
        raise ValueError("tpAmb must be 1 or 2")
    return cUF, tpAmb


def when(ts: float | None, cUF: int) -> str:
    """dd/mm/aaaa hh:mm:ss in the UF's time, as the guide's table shows it; '' for an open end."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).astimezone(ufs.tz_of(cUF)).strftime("%d/%m/%Y %H:%M:%S")


def iso(ts: float | None, cUF: int) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).astimezone(ufs.tz_of(cUF)).isoformat()


def as_json(t: csc.CscToken) -> dict:
    return {
        "id": t.id6, "token": t.token, "active": t.active,
        "inicioVigencia": when(t.start_ts, t.cUF), "fimVigencia": when(t.end_ts, t.cUF),
        "start": iso(t.start_ts, t.cUF), "end": iso(t.end_ts, t.cUF),
    }


def parse_id(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) <= 999999:
        raise csc.CscError("unknown", f"not a token id: {raw!r}")
    return int(raw)


def routes(auth: "Authorizer") -> list[Route]:
    def scope(request: Request) -> tuple[str, int, int]:
        base = csc.cnpj_base(request.path_params["cnpj"])
        cUF, tpAmb = scope_of(auth, request.query_params)
        return base, cUF, tpAmb

    def listing(base: str, cUF: int, tpAmb: int) -> dict:
        tokens = auth.store.read(lambda tx: csc.list_tokens(tx, base, cUF, tpAmb))
        return {"cnpjBase": base, "uf": ufs.sigla_of(cUF), "tpAmb": tpAmb, "tokens": [as_json(t) for t in tokens]}

    async def list_tokens(request: Request) -> JSONResponse:
        try:
            return JSONResponse(listing(*scope(request)))
        except csc.CscError as exc:
            return error(HTTP_STATUS[exc.kind], str(exc))
        except ValueError as exc:
            return error(400, str(exc))

    async def request_token(request: Request) -> JSONResponse:
        try:
            base, cUF, tpAmb = scope(request)
            body = parse_body(TokenBody, await json_body(request, optional=True))
            token = body.token or csc.new_token(auth.settings.csc_length, auth.settings.csc_alphabet)
            now = auth.clock.now().timestamp()
            created = auth.store.run(lambda tx: csc.request_token(tx, base, cUF, tpAmb, now, token))
        except csc.CscError as exc:
            return error(HTTP_STATUS[exc.kind], str(exc))
        except BodyError as exc:
            return unprocessable(exc)
        except ValueError as exc:
            return error(400, str(exc))
        return JSONResponse(as_json(created), status_code=201)

    async def revoke_token(request: Request) -> JSONResponse:
        try:
            base, cUF, tpAmb = scope(request)
            token_id = parse_id(request.path_params["id"])
            now = auth.clock.now().timestamp()
            revoked = auth.store.run(lambda tx: csc.revoke(tx, base, cUF, tpAmb, token_id, now))
        except csc.CscError as exc:
            return error(HTTP_STATUS[exc.kind], str(exc))
        except ValueError as exc:
            return error(400, str(exc))
        return JSONResponse(as_json(revoked))

    return [
        Route("/admin/taxpayers/{cnpj}/csc", list_tokens, methods=["GET"]),
        Route("/admin/taxpayers/{cnpj}/csc", request_token, methods=["POST"]),
        Route("/admin/taxpayers/{cnpj}/csc/{id}", revoke_token, methods=["DELETE"]),
    ]

def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, doc: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": doc}


_SCOPE = [_query("uf", "UF of the token (default: the server's)"), _query("tpAmb", "1 or 2 (default: the server's)")]

OPENAPI_PATHS = {
    "/admin/taxpayers/{cnpj}/csc": {
        "get": {"summary": "The CSC tokens of a CNPJ base (NFC-e QR code)", "tags": ["csc"],
                "parameters": [_path_param("cnpj"), *_SCOPE], "responses": {"200": {"description": "tokens"}}},
        "post": {"summary": "Issue a CSC token (optionally with a given token text)", "tags": ["csc"],
                 "parameters": [_path_param("cnpj"), *_SCOPE],
                 "requestBody": {"required": False, "content": {"application/json": {"schema": {
                     "type": "object", "additionalProperties": False, "properties": {"token": {"type": "string"}}}}}},
                 "responses": {"201": {"description": "the new token"}, "400": {"description": "invalid scope"},
                               "422": {"description": "a body that does not fit: {error, field, reason}"}}}},
    "/admin/taxpayers/{cnpj}/csc/{id}": {"delete": {
        "summary": "Revoke a CSC token (NFC-e signed with it afterwards get 463)", "tags": ["csc"],
        "parameters": [_path_param("cnpj"), _path_param("id"), *_SCOPE],
        "responses": {"200": {"description": "revoked"}, "404": {"description": "unknown token"}}}},
}
