"""Admin JSON API of the fault engine (issue 6): rules, service states, latency, dropped answers, 656, clock,
reset, export/import of the whole state. Everything is kept in the store, so any worker answers any call.

Documented in OPENAPI_PATHS below (served, with the other modules' paths, at GET /admin/openapi.json).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fake_sefaz.domain import ufs
from fake_sefaz.domain.codes import CATALOGUE
from fake_sefaz.faults import DROP_MODES, new_rule_id
from fake_sefaz.domain.clock import MovableClock, clock_state
from fake_sefaz.store import faults as fstore
from fake_sefaz.web import BodyError, error, json_body, parse_body, unprocessable

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer

DISTRIBUTIONS = ("fixed", "uniform", "normal", "exponential")


def _cuf(value: Any) -> int | None:
    if value in (None, "", "*"):
        return None
    if str(value).upper() in ("AN", "91"):  # the Ambiente Nacional's services (DF-e distribution, its events)
        return ufs.AMBIENTE_NACIONAL
    try:
        return ufs.code_of(value if not str(value).isdigit() else int(value))
    except (KeyError, ValueError):
        raise ValueError(f"unknown UF: {value}") from None


def _cstat(value: Any, name: str = "cstat") -> int | None:
    if value is None:
        return None
    if not str(value).isdigit() or int(value) not in CATALOGUE:
        raise ValueError(f"{name} {value!r} is not a code of the catalogue")
    return int(value)


class RuleBody(BaseModel):
    """POST /admin/faults/rules (and /drop): a fault rule as the client sends it. Unknown fields, wrong types and
    impossible values are answered 422 naming the field."""

    model_config = ConfigDict(extra="forbid")

    operation: str = ""
    issuer: str = ""
    mod: Optional[int] = None
    serie: Optional[int] = None
    key_suffix: str = ""
    uf: Optional[Union[str, int]] = None
    cstat: Optional[int] = None
    latency_ms: Optional[int] = Field(default=None, ge=0)
    drop: str = ""
    remaining: Optional[int] = Field(default=None, ge=1)
    expires_in_s: Optional[float] = Field(default=None, gt=0)
    expires_at: Optional[datetime] = None
    description: str = ""

    @field_validator("cstat")
    @classmethod
    def _in_catalogue(cls, v: Optional[int]) -> Optional[int]:
        if v is not None and v not in CATALOGUE:
            raise ValueError(f"{v} is not a code of the catalogue")
        return v

    @field_validator("drop")
    @classmethod
    def _drop_mode(cls, v: str) -> str:
        v = v.lower()
        if v and v not in DROP_MODES:
            raise ValueError(f"must be one of {DROP_MODES}")
        return v

    @field_validator("uf")
    @classmethod
    def _uf(cls, v: Any) -> Any:
        _cuf(v)
        return v

    @model_validator(mode="after")
    def _has_effect(self) -> "RuleBody":
        if self.cstat is None and self.latency_ms is None and not self.drop:
            raise ValueError("a rule needs an effect: cstat, latency_ms or drop")
        return self


class StateBody(BaseModel):
    """PUT /admin/faults/services: a service's state in a UF (or every service, '*')."""

    model_config = ConfigDict(extra="forbid")

    uf: Optional[Union[str, int]] = None
    service: str = "*"
    # "108" as well as 108: clients build these bodies from strings
    cstat: Annotated[Literal[107, 108, 109], BeforeValidator(lambda v: int(v) if str(v).isdigit() else v)] = 107
    async_delay_s: Optional[float] = Field(default=None, ge=0)
    async_polls: Optional[int] = Field(default=None, ge=0)
    xObs: str = ""

    @field_validator("uf")
    @classmethod
    def _uf(cls, v: Any) -> Any:
        _cuf(v)
        return v


class LatencyBody(BaseModel):
    """PUT /admin/faults/latency: added to every answer (or those of `services`)."""

    model_config = ConfigDict(extra="forbid")

    ms: float = Field(default=0, ge=0)
    distribution: Literal["fixed", "uniform", "normal", "exponential"] = "fixed"
    max_ms: Optional[float] = Field(default=None, ge=0)
    stddev_ms: Optional[float] = Field(default=None, ge=0)
    services: Optional[list[str]] = None


class ConsumptionBody(BaseModel):
    """PUT /admin/faults/consumption: 656 on or off, and limits that override the settings (NT 2018.002)."""

    model_config = ConfigDict(extra="forbid")

    enabled: Optional[bool] = None
    thresholds: Optional[dict[str, Annotated[int, Field(ge=1)]]] = None
    window_s: Optional[float] = Field(default=None, gt=0)
    suspension_s: Optional[float] = Field(default=None, gt=0)
    block_after: Optional[int] = Field(default=None, ge=1)


class ReleaseBody(BaseModel):
    """POST /admin/faults/consumption/release: whose 656 blocks and counters to forget (everyone's when empty)."""

    model_config = ConfigDict(extra="forbid")

    issuer: Optional[str] = Field(default=None, description="CNPJ/CPF of the caller, as the blocks list it")
    service: Optional[str] = Field(default=None, description="operation name, e.g. NFeConsultaProtocolo4")


class TableDump(BaseModel):
    """One table of a state dump: its column names and its rows, in column order."""

    columns: list[str]
    rows: list[list[Any]]


class StateImportBody(BaseModel):
    """PUT /admin/state: a dump as GET /admin/state writes it."""

    tables: dict[str, TableDump]


class AdvanceBody(BaseModel):
    """POST /admin/faults/clock/advance: how far to move the clock (any of the four, added up)."""

    model_config = ConfigDict(extra="forbid")

    seconds: Optional[float] = None
    minutes: Optional[float] = None
    hours: Optional[float] = None
    days: Optional[float] = None


class SetBody(BaseModel):
    """POST /admin/faults/clock/set: the instant the clock shows now (with its UTC offset), optionally frozen."""

    model_config = ConfigDict(extra="forbid")

    instant: datetime
    frozen: Optional[bool] = None

    @field_validator("instant")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("instant needs a UTC offset, e.g. 2026-01-31T23:59:00-03:00")
        return v


_body = parse_body


def parse_rule(data: dict, now: datetime, position: int) -> fstore.FaultRule:
    body = parse_body(RuleBody, data)
    expires = None
    if body.expires_in_s is not None:
        expires = now.timestamp() + body.expires_in_s
    elif body.expires_at is not None:
        expires = body.expires_at.timestamp()
    return fstore.FaultRule(
        id=new_rule_id(), position=position, operation=body.operation, issuer=body.issuer, mod=body.mod,
        serie=body.serie, key_suffix=body.key_suffix, cUF=_cuf(body.uf), cstat=body.cstat,
        latency_ms=body.latency_ms, drop_mode=body.drop, remaining=body.remaining, expires_ts=expires,
        description=body.description,
    )


def _clock_delta(data: dict) -> timedelta:
    parts = {k: v for k, v in _body(AdvanceBody, data).model_dump().items() if v is not None}
    if not parts:
        raise ValueError("give seconds, minutes, hours and/or days")
    return timedelta(**parts)


def reset_clock(auth: "Authorizer") -> None:
    clock = auth.clock
    if isinstance(clock, MovableClock):
        clock.reset()


def routes(auth: "Authorizer") -> list[Route]:
    store = auth.store

    def handler(fn):
        async def endpoint(request: Request) -> JSONResponse:
            try:
                return await fn(request)
            except BodyError as exc:
                return unprocessable(exc)
            except (ValueError, TypeError, KeyError) as exc:
                return error(400, str(exc))
        return endpoint

    # --- overview
    async def overview(request: Request) -> JSONResponse:
        def read(tx):
            return {
                "rules": [r.as_json() for r in fstore.list_rules(tx)],
                "services": [s.as_json() for s in fstore.list_states(tx)],
                "latency": fstore.kv_get(tx, "latency"),
                "consumption": fstore.kv_get(tx, "consumption"),
                "blocks": [b.as_json() for b in fstore.list_blocks(tx)],
            }
        out = store.read(read)
        out["clock"] = clock_state(auth.clock)
        return JSONResponse(out)

    # --- rules
    async def list_rules(request: Request) -> JSONResponse:
        return JSONResponse([r.as_json() for r in store.read(fstore.list_rules)])

    async def add_rule(request: Request) -> JSONResponse:
        return await _add(await json_body(request))

    async def delete_rules(request: Request) -> JSONResponse:
        return JSONResponse({"deleted": store.run(lambda tx: fstore.delete_rule(tx))})

    async def delete_rule(request: Request) -> JSONResponse:
        rid = request.path_params["rule_id"]
        n = store.run(lambda tx: fstore.delete_rule(tx, rid))
        return JSONResponse({"deleted": n}) if n else error(404, "unknown rule")

    async def drop(request: Request) -> JSONResponse:
        data = await json_body(request)
        data.setdefault("drop", "close")
        data.setdefault("remaining", 1)
        data.setdefault("operation", "NFeAutorizacao4")
        return await _add(data)

    async def _add(data: dict) -> JSONResponse:
        now = auth.clock.now()  # read before the transaction: the store clock reads the store itself
        parse_rule(data, now, 0)  # validate before taking a sequence number

        def unit(tx):
            rule = parse_rule(data, now, tx.next_seq("fault_rule", 0))
            fstore.insert_rule(tx, rule)
            return rule
        return JSONResponse(store.run(unit).as_json(), status_code=201)

    # --- service states
    async def list_states(request: Request) -> JSONResponse:
        return JSONResponse([s.as_json() for s in store.read(fstore.list_states)])

    async def put_state(request: Request) -> JSONResponse:
        body = _body(StateBody, await json_body(request))
        cuf = _cuf(body.uf) or auth.settings.cUF
        service = body.service or "*"
        if service != "*" and service not in {s.name for s in auth.services}:
            raise ValueError(f"unknown service {service}; one of {[s.name for s in auth.services]} or '*'")
        st = fstore.ServiceState(cuf, service, body.cstat, body.async_delay_s, body.async_polls, body.xObs)
        store.run(lambda tx: fstore.put_state(tx, st))
        return JSONResponse(st.as_json())

    async def clear_states(request: Request) -> JSONResponse:
        store.run(fstore.clear_states)
        return JSONResponse({"services": []})

    # --- latency
    async def put_latency(request: Request) -> JSONResponse:
        data = await json_body(request)
        _body(LatencyBody, {k: v for k, v in data.items() if v is not None})  # checked; stored as given

        def unit(tx):
            fstore.kv_put(tx, "latency", data)
            fstore.bump(tx)
        store.run(unit)
        return JSONResponse(data)

    async def delete_latency(request: Request) -> JSONResponse:
        def unit(tx):
            fstore.kv_delete(tx, "latency")
            fstore.bump(tx)
        store.run(unit)
        return JSONResponse({"latency": None})

    # --- consumption (656)
    async def get_consumption(request: Request) -> JSONResponse:
        from fake_sefaz.faults import consumption

        def read(tx):
            return fstore.kv_get(tx, "consumption"), [b.as_json() for b in fstore.list_blocks(tx)]
        override, blocks = store.read(read)
        lim = consumption.limits(auth.settings, override)
        return JSONResponse({"enabled": lim is not None, "override": override, "blocks": blocks,
                             "limits": None if lim is None else {
                                 "thresholds": dict(lim.thresholds), "window_s": lim.window_s,
                                 "suspension_s": lim.suspension_s, "block_after": lim.block_after}})

    async def put_consumption(request: Request) -> JSONResponse:
        data = await json_body(request)
        _body(ConsumptionBody, data)  # checked; stored as given

        def unit(tx):
            current = fstore.kv_get(tx, "consumption") or {}
            current.update(data)
            fstore.kv_put(tx, "consumption", current)
            fstore.bump(tx)
        store.run(unit)
        return await get_consumption(request)

    async def release(request: Request) -> JSONResponse:
        body = parse_body(ReleaseBody, await json_body(request, optional=True))
        n = store.run(lambda tx: fstore.release(tx, body.issuer, body.service))
        return JSONResponse({"released": n})

    # --- clock
    def controllable():
        if not hasattr(auth.clock, "advance"):
            raise LookupError
        return auth.clock

    async def get_clock(request: Request) -> JSONResponse:
        return JSONResponse(clock_state(auth.clock))

    def clock_op(op):
        async def endpoint(request: Request) -> JSONResponse:
            data = await json_body(request, optional=True)
            try:
                clock = controllable()
            except LookupError:
                return error(409, "the clock is not controllable: serve with clock_control=true "
                                  "(FAKE_SEFAZ_CLOCK_CONTROL=1)")
            op(clock, data)
            return JSONResponse(clock_state(clock))
        return endpoint

    def _set(clock, data):
        body = _body(SetBody, data)
        clock.set(body.instant, frozen=body.frozen)

    async def delete_consumption(request: Request) -> JSONResponse:
        def unit(tx):
            fstore.kv_delete(tx, "consumption")
            fstore.release(tx)
            fstore.bump(tx)
        store.run(unit)
        return await get_consumption(request)

    async def clear(request: Request) -> JSONResponse:
        store.run(fstore.clear_faults)
        reset_clock(auth)
        return JSONResponse({"cleared": True})

    # --- reset, export, import
    async def reset(request: Request) -> JSONResponse:
        store.run(fstore.wipe)
        reset_clock(auth)
        return JSONResponse({"reset": True, "tables": fstore.all_tables()})

    async def export_state(request: Request) -> JSONResponse:
        tables = store.read(fstore.export_tables)
        return JSONResponse({"format": "fake-sefaz-state/1", "exported_at": auth.clock.now().isoformat(),
                             "tables": tables})

    async def import_state(request: Request) -> JSONResponse:
        data = await json_body(request)
        parse_body(StateImportBody, data)  # checked; the store takes the plain dicts
        tables = data["tables"]
        replace = request.query_params.get("merge", "").lower() not in ("1", "true", "yes")
        try:
            counts = store.run(lambda tx: fstore.import_tables(tx, tables, replace=replace))
        except ValueError as exc:  # a table or column this store does not have
            raise BodyError("tables", str(exc)) from None
        return JSONResponse({"imported": counts, "replaced": replace})

    H = handler
    return [
        Route("/admin/faults", H(overview), methods=["GET"]),
        Route("/admin/faults/rules", H(list_rules), methods=["GET"]),
        Route("/admin/faults/rules", H(add_rule), methods=["POST"]),
        Route("/admin/faults/rules", H(delete_rules), methods=["DELETE"]),
        Route("/admin/faults/rules/{rule_id}", H(delete_rule), methods=["DELETE"]),
        Route("/admin/faults/drop", H(drop), methods=["POST"]),
        Route("/admin/faults/services", H(list_states), methods=["GET"]),
        Route("/admin/faults/services", H(put_state), methods=["PUT", "POST"]),
        Route("/admin/faults/services", H(clear_states), methods=["DELETE"]),
        Route("/admin/faults/latency", H(put_latency), methods=["PUT", "POST"]),
        Route("/admin/faults/latency", H(delete_latency), methods=["DELETE"]),
        Route("/admin/faults/consumption", H(get_consumption), methods=["GET"]),
        Route("/admin/faults/consumption", H(put_consumption), methods=["PUT", "POST"]),
        Route("/admin/faults/consumption", H(delete_consumption), methods=["DELETE"]),
        Route("/admin/faults/consumption/release", H(release), methods=["POST"]),
        Route("/admin/faults/clear", H(clear), methods=["POST"]),
        Route("/admin/faults/clock", H(get_clock), methods=["GET"]),
        Route("/admin/faults/clock/advance", H(clock_op(lambda c, d: c.advance(_clock_delta(d)))), methods=["POST"]),
        Route("/admin/faults/clock/set", H(clock_op(_set)), methods=["POST"]),
        Route("/admin/faults/clock/freeze", H(clock_op(lambda c, d: c.freeze())), methods=["POST"]),
        Route("/admin/faults/clock/unfreeze", H(clock_op(lambda c, d: c.unfreeze())), methods=["POST"]),
        Route("/admin/faults/clock/reset", H(clock_op(lambda c, d: reset_clock(auth))), methods=["POST"]),
        Route("/admin/reset", H(reset), methods=["POST"]),
        Route("/admin/state", H(export_state), methods=["GET"]),
        Route("/admin/state", H(import_state), methods=["PUT", "POST"]),
    ]


# --- OpenAPI description of these endpoints (assembled by web/openapi.py) --------------------------------------

def _obj(props: dict, required: list[str] | None = None) -> dict:
    out: dict = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


_S, _I, _N, _B = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
RULE_SCHEMA = _obj({
    "operation": {**_S, "description": "service name, operation or payload root (NFeAutorizacao4, enviNFe, ...); empty = any"},
    "issuer": {**_S, "description": "CNPJ/CPF of the issuer"}, "mod": _I, "serie": _I,
    "key_suffix": {**_S, "description": "the access key ends with this"}, "uf": {**_S, "description": "sigla or code"},
    "cstat": {**_I, "description": "forced outcome (catalogue code)"},
    "latency_ms": _I, "drop": {"type": "string", "enum": list(DROP_MODES)},
    "remaining": {**_I, "description": "uses left; omitted = unlimited"},
    "expires_in_s": _N, "expires_at": {**_S, "format": "date-time"}, "description": _S,
})
STATE_SCHEMA = _obj({"uf": _S, "service": {**_S, "description": "service name or '*'"},
                     "cstat": {"type": "integer", "enum": [107, 108, 109]}, "async_delay_s": _N, "async_polls": _I,
                     "xObs": _S})
LATENCY_SCHEMA = _obj({"ms": _N, "distribution": {"type": "string", "enum": list(DISTRIBUTIONS)}, "max_ms": _N,
                       "stddev_ms": _N, "services": {"type": "array", "items": _S}})
CONSUMPTION_SCHEMA = _obj({"enabled": _B, "thresholds": {"type": "object", "additionalProperties": _I},
                           "window_s": _N, "suspension_s": _N, "block_after": _I})
CLOCK_SCHEMA = _obj({"now": {**_S, "format": "date-time"}, "frozen": _B, "offset_s": _N, "controllable": _B})
STATE_DUMP = _obj({"format": _S, "exported_at": _S, "tables": {"type": "object", "additionalProperties": _obj(
    {"columns": {"type": "array", "items": _S}, "rows": {"type": "array", "items": {"type": "array"}}})}})


def _op(summary: str, body: dict | None = None, answer: dict | None = None, tag: str = "faults") -> dict:
    op: dict = {"summary": summary, "tags": [tag], "responses": {
        "200": {"description": "OK", "content": {"application/json": {"schema": answer or {"type": "object"}}}},
        "400": {"description": "invalid request"},
        "422": {"description": "a body that does not fit: {error, field, reason}"}}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


OPENAPI_PATHS: dict = {
    "/admin/faults": {"get": _op("Everything the fault engine holds: rules, service states, latency, 656, clock")},
    "/admin/faults/rules": {
        "get": _op("List fault rules (in match order)", answer={"type": "array", "items": RULE_SCHEMA}),
        "post": _op("Add a rule: force a cStat / add latency / drop the answer for matching requests", RULE_SCHEMA, RULE_SCHEMA),
        "delete": _op("Delete every rule"),
    },
    "/admin/faults/rules/{rule_id}": {"delete": {**_op("Delete one rule"), "parameters": [
        {"name": "rule_id", "in": "path", "required": True, "schema": _S}]}},
    "/admin/faults/drop": {"post": _op("Process then drop the next answer(s): a rule with drop=close|timeout "
                                       "(defaults: operation NFeAutorizacao4, remaining 1)", RULE_SCHEMA, RULE_SCHEMA)},
    "/admin/faults/services": {
        "get": _op("Service states per UF", answer={"type": "array", "items": STATE_SCHEMA}),
        "put": _op("Set a service state: 107/108/109, asynchronous delay (s) or polls", STATE_SCHEMA, STATE_SCHEMA),
        "delete": _op("Every service back to 107, synchronous defaults"),
    },
    "/admin/faults/latency": {"put": _op("Latency for every SOAP answer (fixed or a distribution)", LATENCY_SCHEMA),
                              "delete": _op("No injected latency")},
    "/admin/faults/consumption": {"get": _op("656 limits in force and current suspensions/blocks"),
                                  "put": _op("Switch 656 on/off and set its limits", CONSUMPTION_SCHEMA),
                                  "delete": _op("Back to the settings' 656 limits; every block released")},
    "/admin/faults/clear": {"post": _op("Every fault off and the clock back to real time; documents are kept")},
    "/admin/faults/consumption/release": {"post": _op("Release suspensions/blocks (of an issuer, of a service)",
                                                      _obj({"issuer": _S, "service": _S}))},
    "/admin/faults/clock": {"get": _op("The server's clock", answer=CLOCK_SCHEMA, tag="clock")},
    "/admin/faults/clock/advance": {"post": _op("Move the clock forward", _obj({"seconds": _N, "minutes": _N, "hours": _N, "days": _N}), CLOCK_SCHEMA, "clock")},
    "/admin/faults/clock/set": {"post": _op("Set the clock to an instant", _obj({"instant": {**_S, "format": "date-time"}, "frozen": _B}, ["instant"]), CLOCK_SCHEMA, "clock")},
    "/admin/faults/clock/freeze": {"post": _op("Stop the clock", answer=CLOCK_SCHEMA, tag="clock")},
    "/admin/faults/clock/unfreeze": {"post": _op("Let the clock run again", answer=CLOCK_SCHEMA, tag="clock")},
    "/admin/faults/clock/reset": {"post": _op("Back to real time", answer=CLOCK_SCHEMA, tag="clock")},
    "/admin/reset": {"post": _op("Delete all state: every table of the store, faults included; clock back to real time", tag="state")},
    "/admin/state": {"get": _op("Export every table of the store (documents, lots, events, registry, ...)", answer=STATE_DUMP, tag="state"),
                     "put": {**_op("Import a state export (replaces everything; ?merge=1 adds rows)", STATE_DUMP, tag="state"),
                             "parameters": [{"name": "merge", "in": "query", "schema": _B}]}},
}


def _with_post_twins(paths: dict, twins: tuple[str, ...]) -> dict:
    """POST is accepted where PUT is on these paths (clients that cannot send PUT): document it too."""
    return {path: ({**ops, "post": {**ops["put"], "summary": ops["put"]["summary"] + " (same as PUT)"}}
                   if path in twins else ops) for path, ops in paths.items()}


OPENAPI_PATHS = _with_post_twins(OPENAPI_PATHS, ("/admin/faults/services", "/admin/faults/latency",
                                                 "/admin/faults/consumption", "/admin/state"))
