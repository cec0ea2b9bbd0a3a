"""Contingency over the admin JSON API (issue 16): flip a UF into SVC contingency and back, and see its EPECs.

GET    /admin/contingency              every UF with SVC windows: its SVC, state now, windows; and the UF→SVC map
PUT    /admin/contingency/{uf}         the origin SEFAZ switches its SVC on: a window from `start` (default now) to
                                       `end` (default open); `pause` (108 by default, 109, or null) pauses the
                                       UF's own authorizer too, as in an outage - one call for a demo
DELETE /admin/contingency/{uf}         switch it off: the window ends `overlap_minutes` (15, NT 2013.007 §02.2) from
                                       now, the SVC answers 113 meanwhile; the UF's own authorizer resumes now
GET    /admin/epec                     the EPECs the AN holds (?issuer=CNPJ), with their reconciliation state
DELETE /admin/epec/{chNFe}             the SEFAZ releases a pending EPEC (MOC-VG §3.3.12, the AN extranet): waived
DELETE /admin/epec?issuer=CNPJ         ... every pending EPEC of that issuer

{uf} is a sigla or an IBGE code; ?tpAmb=1|2 (default the server's). Instants come from the injected clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fake_sefaz.domain import contingency, ufs
from fake_sefaz.store import contingency as cstore
from fake_sefaz.store import faults as fstore
from fake_sefaz.web import BodyError, error, json_body, parse_body, unprocessable

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer


def _aware(v: Optional[datetime]) -> Optional[datetime]:
    if v is not None and v.tzinfo is None:
        raise ValueError("give the offset, e.g. 2026-12-04T10:00:00-03:00")
    return v


class ActivationBody(BaseModel):
    """PUT /admin/contingency/{uf}: the SVC window the origin SEFAZ registers, and the outage of its own authorizer."""

    model_config = ConfigDict(extra="forbid")

    start: Optional[datetime] = Field(default=None, description="default: now (the server's clock)")
    end: Optional[datetime] = Field(default=None, description="default: open until DELETE")
    pause: Optional[Literal[108, 109]] = Field(default=108, description="the UF's own services answer this while the "
                                                                        "SVC stands in; null leaves them running")
    reason: str = Field(default="", max_length=255, description="xObs of the paused status answer")

    _start = field_validator("start", "end")(lambda v: _aware(v))


class DeactivationBody(BaseModel):
    """DELETE /admin/contingency/{uf}: when the SVC stops (default now + 15 minutes), whether the UF resumes now."""

    model_config = ConfigDict(extra="forbid")

    end: Optional[datetime] = None
    overlap_minutes: float = Field(default=contingency.OVERLAP.total_seconds() / 60, ge=0)
    resume: bool = True

    _end = field_validator("end")(lambda v: _aware(v))


def _iso(ts: float | None, cUF: int) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).astimezone(ufs.tz_of(cUF)).isoformat()


def routes(auth: "Authorizer") -> list[Route]:
    store = auth.store

    def scope(request: Request) -> tuple[str, int, int]:
        raw = request.path_params["uf"]
        try:
            cUF = ufs.code_of(raw)
        except (KeyError, ValueError):
            raise ValueError(f"not a UF: {raw!r}") from None
        raw_env = str(request.query_params.get("tpAmb") or auth.settings.tpAmb)
        if raw_env not in ("1", "2"):
            raise ValueError(f"tpAmb must be 1 or 2, not {raw_env!r}")
        tpAmb = int(raw_env)
        uf = ufs.sigla_of(cUF)
        if uf not in contingency.SVC_OF:
            raise ValueError(f"{uf} has no SVC")
        return uf, cUF, tpAmb

    def describe(uf: str, tpAmb: int) -> dict:
        cUF = ufs.code_of(uf)
        windows = store.read(lambda tx: cstore.activations(tx, uf, tpAmb))
        always = tpAmb == 2 and auth.settings.svc_homologacao == "always"
        st = contingency.state_at(windows, auth.clock.now(), always)
        paused = [{"cStat": s.cstat, "xObs": s.xObs} for s in store.read(fstore.list_states)
                  if s.cUF == cUF and s.service == "*"]
        return {"uf": uf, "svc": contingency.SVC_OF[uf], "tpAmb": tpAmb, "state": st.state,
                "end": None if st.end is None else st.end.astimezone(ufs.tz_of(cUF)).isoformat(),
                "always_active": always, "own_authorizer": paused[0] if paused else {"cStat": 107, "xObs": ""},
                "windows": [{"start": _iso(w.start_ts, cUF), "end": _iso(w.end_ts, cUF), "reason": w.reason}
                            for w in windows]}

    async def overview(request: Request) -> JSONResponse:
        windows = store.read(cstore.activations)
        seen = sorted({(w.uf, w.tpAmb) for w in windows})
        return JSONResponse({"ufs": [describe(uf, tpAmb) for uf, tpAmb in seen],
                             "svc_of": dict(contingency.SVC_OF),
                             "svc_homologacao": auth.settings.svc_homologacao})

    async def scoped(request: Request, model: type[BaseModel]):
        """(uf, cUF, tpAmb, body) of a request on /admin/contingency/{uf}, or the error answer (400, 422)."""
        try:
            return (*scope(request), parse_body(model, await json_body(request, optional=True)))
        except BodyError as exc:
            return unprocessable(exc)
        except ValueError as exc:
            return error(400, str(exc))

    async def activate(request: Request) -> JSONResponse:
        found = await scoped(request, ActivationBody)
        if isinstance(found, JSONResponse):
            return found
        uf, cUF, tpAmb, body = found
        now = auth.clock.now()
        start = (body.start or now).timestamp()
        end = None if body.end is None else body.end.timestamp()
        if end is not None and end <= start:
            return unprocessable(BodyError("end", "the end must come after the start"))
        window = contingency.Activation(uf, tpAmb, start, end, body.reason)

        def unit(tx):
            cstore.activate(tx, window)
            if body.pause is not None:
                fstore.put_state(tx, fstore.ServiceState(cUF, "*", body.pause, xObs=body.reason or
                                                         f"Contingencia: {contingency.SVC_OF[uf]} ativada"))
            else:
                fstore.bump(tx)

        store.run(unit)
        auth.faults.invalidate()
        return JSONResponse(describe(uf, tpAmb), status_code=201)

    async def deactivate(request: Request) -> JSONResponse:
        found = await scoped(request, DeactivationBody)
        if isinstance(found, JSONResponse):
            return found
        uf, cUF, tpAmb, body = found
        now = auth.clock.now()
        end = body.end or now + timedelta(minutes=body.overlap_minutes)

        def unit(tx):
            changed = cstore.schedule_end(tx, uf, tpAmb, now.timestamp(), end.timestamp())
            if body.resume:
                fstore.delete_state(tx, cUF, "*")
            return changed

        changed = store.run(unit)
        auth.faults.invalidate()
        return JSONResponse({**describe(uf, tpAmb), "changed": changed})

    async def list_epecs(request: Request) -> JSONResponse:
        issuer = request.query_params.get("issuer")
        rows = store.read(lambda tx: cstore.list_epecs(tx, issuer))
        return JSONResponse([{"chNFe": r.chNFe, "tpAmb": r.tpAmb, "issuer": r.issuer, "mod": r.mod, "serie": r.serie,
                              "nNF": r.nNF, "nProt": r.nProt, "received": _iso(r.received_ts, r.cUF),
                              "state": r.state, "fields": r.values} for r in rows])

    async def waive_issuer(request: Request) -> JSONResponse:
        issuer = (request.query_params.get("issuer") or "").strip()
        if not issuer.isdigit() or len(issuer) not in (11, 14):
            return error(400, "give ?issuer= a CNPJ (14 digits) or a CPF (11)")
        waived = store.run(lambda tx: cstore.waive_pending(tx, issuer.rjust(14, "0")))
        return JSONResponse({"issuer": issuer, "waived": waived})

    async def waive_epec(request: Request) -> JSONResponse:
        chNFe = request.path_params["chNFe"]
        changed = store.run(lambda tx: cstore.set_epec_state(tx, chNFe, cstore.WAIVED))
        if not changed:
            return error(404, f"no EPEC for key {chNFe}")
        return JSONResponse({"chNFe": chNFe, "state": cstore.WAIVED})

    return [
        Route("/admin/contingency", overview, methods=["GET"]),
        Route("/admin/contingency/{uf}", activate, methods=["PUT"]),
        Route("/admin/contingency/{uf}", deactivate, methods=["DELETE"]),
        Route("/admin/epec", list_epecs, methods=["GET"]),
        Route("/admin/epec", waive_issuer, methods=["DELETE"]),
        Route("/admin/epec/{chNFe}", waive_epec, methods=["DELETE"]),
    ]


_UF = {"name": "uf", "in": "path", "required": True, "schema": {"type": "string"}, "description": "sigla or IBGE code"}
_TPAMB = {"name": "tpAmb", "in": "query", "required": False, "schema": {"type": "string"},
          "description": "1 or 2 (default: the server's)"}

OPENAPI_PATHS = {
    "/admin/contingency": {"get": {"summary": "SVC windows and state per UF, and the UF→SVC map (issue 16)",
                                   "responses": {"200": {"description": "ufs, svc_of"}}}},
    "/admin/contingency/{uf}": {
        "put": {"summary": "switch the UF's SVC on (and pause its own authorizer): the demo's one call",
                "parameters": [_UF, _TPAMB],
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ActivationBody"}}}},
                "responses": {"201": {"description": "the UF's contingency state"}, "422": {"description": "bad body"}}},
        "delete": {"summary": "switch it off: the SVC closes after the 15-minute overlap, the UF resumes",
                   "parameters": [_UF, _TPAMB],
                   "requestBody": {"content": {"application/json": {
                       "schema": {"$ref": "#/components/schemas/DeactivationBody"}}}},
                   "responses": {"200": {"description": "the UF's contingency state"}}}},
    "/admin/epec": {"get": {"summary": "EPECs held by the AN and their reconciliation state",
                            "parameters": [{"name": "issuer", "in": "query", "required": False,
                                            "schema": {"type": "string"}}],
                            "responses": {"200": {"description": "list"}}},
                    "delete": {"summary": "release (waive) every pending EPEC of an issuer",
                               "parameters": [{"name": "issuer", "in": "query", "required": True,
                                               "schema": {"type": "string"}}],
                               "responses": {"200": {"description": "how many were waived"}}}},
    "/admin/epec/{chNFe}": {"delete": {"summary": "release (waive) a pending EPEC, as the SEFAZ does on the AN extranet",
                                       "parameters": [{"name": "chNFe", "in": "path", "required": True,
                                                       "schema": {"type": "string"}}],
                                       "responses": {"200": {"description": "waived"}, "404": {"description": "unknown"}}}},
}
OPENAPI_COMPONENTS = {"ActivationBody": ActivationBody.model_json_schema(),
                      "DeactivationBody": DeactivationBody.model_json_schema()}
