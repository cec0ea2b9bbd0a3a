"""Everything that is not SOAP: the admin JSON API (/admin/...) and the web portal (/portal/...).

Each feature keeps its routes in its own module exposing `routes(authorizer) -> list[Route]`; this is the
one list of those modules. The SOAP app hands every non-SOAP request to the Starlette app built here.
"""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
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
    "portal_login",
    "portal_procuracao",
    "portal_xml",
    "portal_csc",
    "portal_nfce",
    "admin_faults",
    "admin_taxpayers",
    "admin_national",
    "admin_contingency",
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


_TYPE_TAGS = frozenset({"int", "str", "float", "bool", "list", "dict", "none"})


class BodyError(ValueError):
    """A request body that does not fit: answered 422 with the field (dotted path, "body" for the whole) and
    the reason, so a script can tell which of its keys is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)

    @classmethod
    def of(cls, err: ValidationError) -> "BodyError":
        first = err.errors()[0]
        # pydantic adds the member tried to the path of a union (address.cMun.int): a person wants the key only
        keys = [str(p) for p in first["loc"] if not (p in _TYPE_TAGS or "[" in str(p) or str(p).endswith("Body"))]
        field = ".".join(keys) or "body"
        return cls(field, str(first["msg"]).removeprefix("Value error, "))


def unprocessable(exc: BodyError) -> JSONResponse:
    return JSONResponse({"error": str(exc), "field": exc.field, "reason": exc.reason}, status_code=422)


async def json_body(request: Request, *, optional: bool = False) -> dict:
    """The request's JSON object, or a BodyError (422). optional: an empty body reads as {}."""
    raw = await request.body()
    if optional and not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyError("body", f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BodyError("body", "the JSON body must be an object")
    return data


def parse_body(model: type[BaseModel], data: dict) -> Any:
    """data checked against its model; a BodyError (422) naming the first field that does not fit."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise BodyError.of(err) from None


__all__ = ["BodyError", "build_web_app", "error", "json_body", "parse_body", "unprocessable", "Route"]
