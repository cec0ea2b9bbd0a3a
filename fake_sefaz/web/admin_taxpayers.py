"""The taxpayer registry over JSON: GET /admin/taxpayers (paginated), GET/PUT/DELETE /admin/taxpayers/{doc}.

{doc} is a CNPJ or CPF. A document may hold several registrations (one per IE): `?ie=` selects one; without
it GET answers the registration when there is one and 300 with the list when there are several, and DELETE
removes them all. PUT creates or replaces the registration (doc, body.ie). Record format: docs/readme/registry.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fake_sefaz.domain.taxpayers import SITUATIONS, RegistryError, Taxpayer
from fake_sefaz.store import registry as sql
from fake_sefaz.web import BodyError, error, json_body, parse_body, unprocessable

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

MAX_LIMIT = 1000


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressBody(_Closed):
    xLgr: Optional[str] = None
    nro: Optional[str] = None
    xCpl: Optional[str] = None
    xBairro: Optional[str] = None
    cMun: Optional[Union[int, str]] = None
    xMun: Optional[str] = None
    CEP: Optional[Union[int, str]] = None


class SuspensionBody(_Closed):
    by: Optional[str] = None
    notified: Optional[bool] = None
    ban: Optional[bool] = None


class AccreditationBody(_Closed):
    accreditation: Optional[str] = None
    since: Optional[str] = None
    revoked: Optional[str] = None


class TaxpayerBody(_Closed):
    """PUT /admin/taxpayers/{doc}: one registration, as docs/readme/registry.md describes it. The shape is
    checked here (unknown keys, wrong types); the values (check digits, IE of the UF, dates) by the registry."""

    cnpj: Optional[str] = None
    cpf: Optional[str] = None
    uf: Optional[str] = None
    ie: Optional[Union[str, int]] = None
    name: Optional[str] = None
    trade_name: Optional[str] = None
    cnae: Optional[Union[str, int]] = None
    tax_regime: Optional[str] = None
    activity_start: Optional[str] = None
    address: Optional[AddressBody] = None
    situation: Optional[str] = None
    situation_since: Optional[str] = None
    suspension: Optional[SuspensionBody] = None
    closed_on: Optional[str] = None
    nfe: Optional[Union[str, AccreditationBody]] = None
    nfce: Optional[Union[str, AccreditationBody]] = None
    source: Optional[str] = None  # as GET answers it; ignored (a PUT is always source "admin")


def _doc(request: Request) -> str:
    return "".join(c for c in request.path_params["doc"] if c.isalnum()).upper()


def routes(auth: "Authorizer") -> list[Route]:
    async def list_taxpayers(request: Request) -> JSONResponse:
        q = request.query_params
        try:
            offset = max(0, int(q.get("offset", 0)))
            limit = min(MAX_LIMIT, max(1, int(q.get("limit", 100))))
        except ValueError:
            return error(400, "offset and limit are integers")
        situation = q.get("situation")
        if situation and situation not in SITUATIONS:
            return error(400, f"situation must be one of {', '.join(SITUATIONS)}")
        total, rows = auth.store.read(lambda tx: sql.page(tx, offset, limit, (q.get("uf") or "").upper() or None,
                                                          situation, q.get("source")))
        return JSONResponse({"total": total, "offset": offset, "limit": limit,
                             "items": [Taxpayer.from_row(r).to_json() for r in rows]})

    async def get_taxpayer(request: Request) -> JSONResponse:
        doc, ie = _doc(request), request.query_params.get("ie")
        rows = auth.store.read(lambda tx: sql.by_doc(tx, doc))
        found = [Taxpayer.from_row(r) for r in rows if ie is None or r[1] == ie]
        if not found:
            return error(404, f"no registration of {doc}" + (f" with IE {ie}" if ie else ""))
        if len(found) > 1:
            return JSONResponse({"error": f"{doc} has {len(found)} registrations: add ?ie=",
                                 "items": [t.to_json() for t in found]}, status_code=300)
        return JSONResponse(found[0].to_json())

    async def put_taxpayer(request: Request) -> JSONResponse:
        doc = _doc(request)
        try:
            body = await json_body(request)
            parse_body(TaxpayerBody, body)
            taxpayer = Taxpayer.from_json(body, source="admin", doc=doc)
        except BodyError as exc:
            return unprocessable(exc)
        except RegistryError as exc:
            return unprocessable(BodyError(exc.field, str(exc)))

        def unit(tx) -> bool:
            existed = sql.get(tx, taxpayer.doc, taxpayer.ie) is not None
            sql.upsert_many(tx, [taxpayer.row()])
            return existed

        existed = auth.store.run(unit)
        return JSONResponse(taxpayer.to_json(), status_code=200 if existed else 201)

    async def delete_taxpayer(request: Request) -> Response:
        doc, ie = _doc(request), request.query_params.get("ie")
        removed = auth.store.run(lambda tx: sql.delete(tx, doc, ie))
        if not removed:
            return error(404, f"no registration of {doc}" + (f" with IE {ie}" if ie else ""))
        return Response(status_code=204)

    return [
        Route("/admin/taxpayers", list_taxpayers, methods=["GET"]),
        Route("/admin/taxpayers/{doc}", get_taxpayer, methods=["GET"]),
        Route("/admin/taxpayers/{doc}", put_taxpayer, methods=["PUT"]),
        Route("/admin/taxpayers/{doc}", delete_taxpayer, methods=["DELETE"]),
    ]


# --- OpenAPI fragment (assembled by web/openapi.py) -------------------------------------------------------------

_DATE = {"type": "string", "format": "date"}
_ACCREDITATION = {
    "type": "object",
    "properties": {
        "accreditation": {"type": "string", "enum": ["voluntary", "ex_officio", "none"],
                          "description": "none -> 203 (NF-e) / 781 (NFC-e)"},
        "since": {**_DATE, "description": "accredited from (before it: 203 / 781)"},
        "revoked": {**_DATE, "description": "de-accredited on: irregular, NF-e denied with 301"},
    },
}
OPENAPI_COMPONENTS = {
    "Taxpayer": {
        "type": "object",
        "required": ["uf", "name"],
        "description": "One registration (CNPJ or CPF + IE in a UF). Exactly one of cnpj / cpf.",
        "properties": {
            "cnpj": {"type": "string", "pattern": "^[0-9A-Z]{12}[0-9]{2}$"},
            "cpf": {"type": "string", "pattern": "^[0-9]{11}$"},
            "ie": {"type": "string", "pattern": "^[0-9]{0,14}$", "description": "check digits of the UF"},
            "uf": {"type": "string", "minLength": 2, "maxLength": 2},
            "name": {"type": "string", "maxLength": 60},
            "trade_name": {"type": "string", "maxLength": 60},
            "cnae": {"type": "string", "pattern": "^[0-9]{6,7}$"},
            "tax_regime": {"type": "string", "maxLength": 60},
            "address": {"type": "object", "properties": {k: {"type": "string"} for k in
                                                         ("xLgr", "nro", "xCpl", "xBairro", "cMun", "xMun", "CEP")}},
            "activity_start": _DATE,
            "situation": {"type": "string", "enum": list(SITUATIONS),
                          "description": "closed, closure_requested, paused, cancelled: irregular (301/302); "
                                         "suspended: see suspension; not_enabled: 203/781 as issuer, 303 as recipient"},
            "situation_since": {**_DATE, "description": "date the situation began; in the future = not yet in force"},
            "suspension": {"type": "object", "properties": {
                "by": {"type": "string", "enum": ["fisco", "taxpayer"]},
                "notified": {"type": "boolean", "description": "after regular notice (irregular after 30 days)"},
                "ban": {"type": "boolean", "description": "explicit ban on issuing: irregular from day one"}}},
            "closed_on": _DATE,
            "nfe": _ACCREDITATION,
            "nfce": _ACCREDITATION,
            "source": {"type": "string", "enum": ["file", "admin", "generated", "auto"], "readOnly": True},
        },
    },
    "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
}

_DOC_PARAM = {"name": "doc", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "CNPJ (14) or CPF (11)"}
_IE_PARAM = {"name": "ie", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "select one registration of the document"}
_ONE = {"application/json": {"schema": {"$ref": "#/components/schemas/Taxpayer"}}}
_ERR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

OPENAPI_PATHS = {
    "/admin/taxpayers": {
        "get": {
            "summary": "List taxpayers (paginated)", "tags": ["registry"],
            "parameters": [
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                                            "default": 100}},
                {"name": "uf", "in": "query", "schema": {"type": "string"}},
                {"name": "situation", "in": "query", "schema": {"type": "string", "enum": list(SITUATIONS)}},
                {"name": "source", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "a page", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Taxpayer"}}}}}}},
                "400": _ERR,
            },
        },
    },
    "/admin/taxpayers/{doc}": {
        "get": {
            "summary": "One registration of a CNPJ/CPF", "tags": ["registry"], "parameters": [_DOC_PARAM, _IE_PARAM],
            "responses": {"200": {"description": "the registration", "content": _ONE},
                          "300": {"description": "several registrations: add ?ie="}, "404": _ERR},
        },
        "put": {
            "summary": "Create or replace the registration (doc, body.ie)", "tags": ["registry"],
            "parameters": [_DOC_PARAM], "requestBody": {"required": True, "content": _ONE},
            "responses": {"200": {"description": "replaced", "content": _ONE},
                          "201": {"description": "created", "content": _ONE}, "422": _ERR},
        },
        "delete": {
            "summary": "Delete the registrations of a CNPJ/CPF (or one, with ?ie=)", "tags": ["registry"],
            "parameters": [_DOC_PARAM, _IE_PARAM],
            "responses": {"204": {"description": "deleted"}, "404": _ERR},
        },
    },
}
