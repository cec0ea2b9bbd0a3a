"""Admin API of the events feature.

- POST /admin/events/evidence {"chNFe", "kind", "reference"}: record circulation evidence that blocks a
  cancellation: kind passage (219), cte / mdfe (690), suframa (304), duplicata (Duplicata Escritural link,
  219, DF Portaria 403 art. 15), prorrogacao (811). GET/DELETE /admin/events/evidence/{chNFe}.
- GET /admin/events/{chNFe}: the registered events of a key (with their procEventoNFe).
- GET /admin/inutilizacao/gaps?cnpj=...[&mod=55&serie=1&tpAmb=2]: unvoided gaps per series, each with the
  deadline to void it (10th day of the month after the break in sequence: DF Portaria 403 art. 17, AM
  Decreto 27.440 art. 15) and whether it has passed on the authorizer's clock.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fake_sefaz.domain import ufs
from fake_sefaz.domain.protocol import parse_dh
from fake_sefaz.rules.events import EVIDENCE_CSTAT
from fake_sefaz.store import events as evstore
from fake_sefaz.web import BodyError, error, json_body, parse_body, unprocessable

if TYPE_CHECKING:
    from fake_sefaz.server.authorizer import Authorizer


class EvidenceBody(BaseModel):
    """POST /admin/events/evidence: circulation evidence on a key, which blocks its cancellation."""

    model_config = ConfigDict(extra="forbid")

    chNFe: str = Field(pattern=r"^[0-9A-Za-z]{44}$", description="the access key (44 characters)")
    kind: str = Field(description="passage, cte, mdfe, suframa, duplicata or prorrogacao")
    reference: str | None = Field(default=None, description="what proves it (a CT-e key, a passage id...)")

    @field_validator("kind")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in EVIDENCE_CSTAT:
            raise ValueError(f"kind must be one of {sorted(EVIDENCE_CSTAT)}")
        return v


def voiding_deadline(break_dh: str, cUF: int) -> datetime:
    """End of the 10th day of the month after the month of the break (local time of the UF)."""
    local = parse_dh(break_dh).astimezone(ufs.tz_of(cUF))
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime.combine(datetime(year, month, 10).date(), time(23, 59, 59), tzinfo=ufs.tz_of(cUF))


def gaps(numbers: list[tuple[int, str]], voided: list[tuple[int, int]]) -> list[dict]:
    """Ranges between consecutive used numbers that no granted voiding covers. `numbers` sorted by nNF.

    Each gap is reported with the document after it (the one that broke the sequence) as the break instant."""
    out = []
    for (prev, _), (nxt, dh_next) in zip(numbers, numbers[1:]):
        start, end = prev + 1, nxt - 1
        pieces = [(start, end)] if start <= end else []
        for v_start, v_end in voided:
            cut = []
            for a, b in pieces:
                if v_end < a or v_start > b:
                    cut.append((a, b))
                    continue
                if a < v_start:
                    cut.append((a, v_start - 1))
                if v_end < b:
                    cut.append((v_end + 1, b))
            pieces = cut
        for a, b in pieces:
            out.append({"nNFIni": a, "nNFFin": b, "count": b - a + 1, "break_dhEmi": dh_next})
    return out


def routes(auth: "Authorizer") -> list[Route]:
    async def add_evidence(request: Request) -> JSONResponse:
        try:
            body = parse_body(EvidenceBody, await json_body(request))
        except BodyError as exc:
            return unprocessable(exc)
        chNFe, kind, reference = body.chNFe, body.kind, body.reference or body.kind
        now = auth.clock.now().timestamp()
        auth.store.run(lambda tx: evstore.add_evidence(tx, chNFe, kind, reference, now))
        return JSONResponse({"chNFe": chNFe, "kind": kind, "reference": reference,
                             "blocks_cancellation_with": EVIDENCE_CSTAT[kind]}, status_code=201)

    async def list_evidence(request: Request) -> JSONResponse:
        key = request.path_params["chNFe"]
        rows = auth.store.read(lambda tx: evstore.evidence_of(tx, key))
        return JSONResponse({"chNFe": key, "evidence": [
            {"kind": k, "reference": r, "recorded_ts": ts, "blocks_cancellation_with": EVIDENCE_CSTAT[k]}
            for k, r, ts in rows]})

    async def delete_evidence(request: Request) -> JSONResponse:
        key = request.path_params["chNFe"]
        n = auth.store.run(lambda tx: evstore.delete_evidence(tx, key))
        return JSONResponse({"chNFe": key, "deleted": n})

    async def list_events(request: Request) -> JSONResponse:
        key = request.path_params["chNFe"]
        rows = auth.store.read(lambda tx: evstore.events_of(tx, key))
        return JSONResponse({"chNFe": key, "events": [
            {"tpEvento": e.tpEvento, "nSeqEvento": e.nSeqEvento, "cStat": e.cStat, "nProt": e.nProt,
             "dhEvento": e.dhEvento, "dhRegEvento": e.dhRegEvento, "author": e.author, "procEventoNFe": e.proc_xml}
            for e in rows]})

    async def gap_report(request: Request) -> JSONResponse:
        q = request.query_params
        cnpj = q.get("cnpj", "")
        if not cnpj:
            return error(400, "query parameter cnpj is required")
        try:
            tpAmb = int(q.get("tpAmb", auth.settings.tpAmb))
            only_mod = int(q["mod"]) if "mod" in q else None
            only_serie = int(q["serie"]) if "serie" in q else None
        except ValueError:
            return error(400, "tpAmb, mod and serie are integers")
        now = auth.clock.now()
        cUF = auth.settings.cUF

        def report(tx) -> list[dict]:
            out = []
            for mod, serie in evstore.series_of(tx, tpAmb, cnpj):
                if (only_mod is not None and mod != only_mod) or (only_serie is not None and serie != only_serie):
                    continue
                voided = [(v.nNFIni, v.nNFFin) for v in evstore.voidings_of_series(tx, tpAmb, cnpj, mod, serie)]
                found = gaps(evstore.numbers_of_series(tx, tpAmb, cnpj, mod, serie), voided)
                for g in found:
                    deadline = voiding_deadline(g["break_dhEmi"], cUF)
                    g["deadline"] = deadline.isoformat()
                    g["overdue"] = now > deadline
                out.append({"mod": mod, "serie": serie, "gaps": found})
            return out

        series = auth.store.read(report)
        return JSONResponse({"cnpj": cnpj, "tpAmb": tpAmb, "now": now.isoformat(), "series": series})

    return [
        Route("/admin/events/evidence", add_evidence, methods=["POST"]),
        Route("/admin/events/evidence/{chNFe}", list_evidence, methods=["GET"]),
        Route("/admin/events/evidence/{chNFe}", delete_evidence, methods=["DELETE"]),
        Route("/admin/inutilizacao/gaps", gap_report, methods=["GET"]),
        Route("/admin/events/{chNFe}", list_events, methods=["GET"]),
    ]

def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, doc: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": doc}


_EVIDENCE = {"type": "object", "required": ["chNFe", "kind"], "properties": {
    "chNFe": {"type": "string"}, "kind": {"type": "string", "description": "the circulation evidence kind"},
    "reference": {"type": "string"}}}

OPENAPI_PATHS = {
    "/admin/events/evidence": {"post": {
        "summary": "Record circulation evidence for a key (blocks its cancellation: 219/220)", "tags": ["events"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _EVIDENCE}}},
        "responses": {"201": {"description": "recorded"},
                      "422": {"description": "a body that does not fit: {error, field, reason}"}}}},
    "/admin/events/evidence/{chNFe}": {
        "get": {"summary": "The circulation evidence of a key", "tags": ["events"],
                "parameters": [_path_param("chNFe")], "responses": {"200": {"description": "evidence list"}}},
        "delete": {"summary": "Forget the circulation evidence of a key", "tags": ["events"],
                   "parameters": [_path_param("chNFe")], "responses": {"200": {"description": "deleted"}}}},
    "/admin/events/{chNFe}": {"get": {"summary": "The events registered for a key", "tags": ["events"],
                                      "parameters": [_path_param("chNFe")],
                                      "responses": {"200": {"description": "events"}}}},
    "/admin/inutilizacao/gaps": {"get": {
        "summary": "Numbering gaps of an issuer's series, neither authorized nor voided", "tags": ["inutilização"],
        "parameters": [_query("cnpj", "issuer CNPJ (required)"), _query("tpAmb", "1 or 2 (default: the server's)"),
                       _query("mod", "55 or 65"), _query("serie", "series")],
        "responses": {"200": {"description": "gaps"}, "400": {"description": "missing or invalid parameter"}}}},
}
