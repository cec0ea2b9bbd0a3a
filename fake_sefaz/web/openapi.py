"""GET /admin/openapi.json: the admin API's OpenAPI 3.1 description, assembled from the web modules.

Each module listed in web/__init__.py WEB_MODULES may expose `OPENAPI_PATHS = {path: {method: operation}}`
and `OPENAPI_COMPONENTS = {schema name: JSON schema}` (referenced as #/components/schemas/<name>); this module
merges them, so a feature documents its endpoints next to their code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fake_sefaz import __version__

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

OPENAPI_PATHS = {
    "/admin/openapi.json": {
        "get": {"summary": "This description", "tags": ["meta"],
                "responses": {"200": {"description": "OpenAPI 3.1 document"}}},
    },
}


def build_openapi() -> dict[str, Any]:
    from fake_sefaz.web import WEB_MODULES

    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for name in WEB_MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        for path, operations in getattr(module, "OPENAPI_PATHS", {}).items():
            merged = paths.setdefault(path, {})
            clash = set(merged) & set(operations)
            if clash:
                raise ValueError(f"OpenAPI: {path} {sorted(clash)} described twice (module {name})")
            merged.update(operations)
        for schema_name, schema in getattr(module, "OPENAPI_COMPONENTS", {}).items():
            if schema_name in schemas and schemas[schema_name] != schema:
                raise ValueError(f"OpenAPI: component {schema_name} defined differently by {name}")
            schemas[schema_name] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": "fake-sefaz admin API", "version": __version__,
                 "description": "JSON administration of the local SEFAZ authorizer (the SOAP services are "
                                "described by their WSDLs at <service URL>?wsdl)."},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas},
    }


def routes(auth: "Authorizer") -> list[Route]:
    document = build_openapi()  # static: built once per process

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(document)

    return [Route("/admin/openapi.json", openapi, methods=["GET"])]
