"""GET /admin/openapi.json: the OpenAPI 3.1 description of the admin API, assembled from the `OPENAPI_PATHS`
dicts of the modules in WEB_MODULES (a module without one contributes nothing)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

if TYPE_CHECKING:
    from ..authorizer import Authorizer


def document() -> dict:
    from . import WEB_MODULES
    from .. import __version__

    paths: dict = {}
    for name in WEB_MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        for path, ops in (getattr(module, "OPENAPI_PATHS", None) or {}).items():
            paths.setdefault(path, {}).update(ops)
    return {
        "openapi": "3.1.0",
        "info": {"title": "fake-sefaz admin API", "version": __version__,
                 "description": "JSON endpoints to control and inspect the fake SEFAZ authorizer. The SOAP web "
                                "services themselves are described by their WSDLs (GET <service URL>?wsdl)."},
        "paths": dict(sorted(paths.items())),
    }


OPENAPI_PATHS = {"/admin/openapi.json": {"get": {"summary": "This description", "tags": ["meta"],
                                                 "responses": {"200": {"description": "OpenAPI 3.1 document"}}}}}


def routes(auth: "Authorizer") -> list[Route]:
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(document())

    return [Route("/admin/openapi.json", openapi, methods=["GET"])]
