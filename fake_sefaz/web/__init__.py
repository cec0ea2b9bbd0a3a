"""Everything that is not SOAP: the admin JSON API (/admin/...) and the web portal (/portal/...).

Each feature keeps its routes in its own module exposing `routes(authorizer) -> list[Route]`; this is the
one list of those modules. The SOAP app hands every non-SOAP request to the Starlette app built here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

# Modules (under fake_sefaz.web) contributing routes, in the order they are matched.
WEB_MODULES: tuple[str, ...] = (
    "admin_core",
    "admin_events",
    "admin_csc",
    "portal_csc",
    "portal_nfce",
    "admin_faults",
    "admin_taxpayers",
    "openapi",  # /admin/openapi.json, assembled from each module's OPENAPI_PATHS / OPENAPI_COMPONENTS
)


def build_web_app(authorizer: "Authorizer") -> Starlette:
    routes: list = []
    for name in WEB_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        routes.extend(module.routes(authorizer))
    return Starlette(routes=routes)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def json_body(request: Request) -> dict:
    """The request's JSON object, or a ValueError with a readable reason (answered 400 by the caller)."""
    try:
        data = await request.json()
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the client's
        raise ValueError(f"invalid JSON body: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("the JSON body must be an object")
    return data


__all__ = ["build_web_app", "error", "json_body", "Route"]
