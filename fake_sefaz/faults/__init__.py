"""The fault engine: QA's controls, applied by Authorizer.answer_soap to every SOAP request.

Per request, `plan()` decides (in this order, as a real authorizer would meet them):
1. a service paused (108/109) in the request's UF: the service's own ret* with that code;
2. "Consumo indevido" (656, NT 2018.002) when the issuer is suspended/blocked or this use exceeds a limit;
3. a forced outcome: the X-Fake-Sefaz-Status header, else the first matching admin rule. A code of the NF-e
   pipeline (and the stored outcomes 100/150/301/302/303) is applied per NF-e inside decide(), so a forced
   rejection stores nothing and a forced denial is stored and burns the number, exactly like real ones;
   any other code is answered at message level with the catalogue text;
4. latency (header, rule, or the global distribution) and a dropped answer ("close": commit, then cut the
   connection; "timeout": commit, then hold the answer past the client's timeout) — both applied by the ASGI
   app (app.py), after the unit of work committed.

State is in the store (store/faults.py) so every worker agrees; each worker caches a snapshot and reloads it
when the 'generation' value changes (one indexed read per request).
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from lxml import etree

from fake_sefaz.domain.codes import CATALOGUE, Rejection
from fake_sefaz.rules import codes_of, rule
from fake_sefaz.store import faults as fstore
from fake_sefaz.domain.xml import N
from fake_sefaz.faults import consumption

if TYPE_CHECKING:
    from fake_sefaz.server.settings import Settings
    from fake_sefaz.store import Store
    from fake_sefaz.domain.nfe import NFeView
    from fake_sefaz.services import Service
    from fake_sefaz.services.context import Request

HEADER_STATUS = "x-fake-sefaz-status"
HEADER_DELAY = "x-fake-sefaz-delay-ms"
HEADER_DROP = "x-fake-sefaz-drop"
DROP_MODES = ("close", "timeout")
PAUSED = (108, 109)
AUTHORIZATION = "NFeAutorizacao4"
STATUS = "NFeStatusServico4"


def nfe_outcomes() -> set[int]:
    """Codes decided per NF-e (inside decide()): the NF-e pipeline's and the stored outcomes."""
    from fake_sefaz.rules.lot import STORED_OUTCOMES, gh01_same_key, gh02_same_number
    from fake_sefaz.rules.pipeline import NFE_PIPELINE

    return codes_of(NFE_PIPELINE) | set(STORED_OUTCOMES) | codes_of((gh01_same_key, gh02_same_number))


def forceable(service: Any) -> frozenset[int]:
    """The codes `service` can answer, so the only ones X-Fake-Sefaz-Status may force on it: its own codes, those
    of its rule groups (Service.rules) and of the message rules every request passes, paused (108/109), consumo
    indevido (656) and 999; for the NF-e lot, every per-NF-e outcome too."""
    from fake_sefaz.rules.message import MESSAGE_RULES

    codes = set(service.codes) | set(PAUSED) | {656, 999} | codes_of(MESSAGE_RULES)
    for group in service.rules:
        codes |= codes_of(group)
    if service.root == "enviNFe":
        codes |= nfe_outcomes()
    return frozenset(codes)


@dataclass(frozen=True)
class Snapshot:
    generation: str
    rules: tuple[fstore.FaultRule, ...] = ()
    states: Mapping[tuple[int, str], fstore.ServiceState] = field(default_factory=dict)
    latency: Mapping[str, Any] | None = None
    consumption: Mapping[str, Any] | None = None


@dataclass
class Plan:
    answer: etree._Element | None = None  # a message-level answer that replaces the service
    nfe_cstat: int | None = None  # header-forced per-NF-e outcome
    nfe_rules: list[fstore.FaultRule] = field(default_factory=list)  # rules to match per NF-e
    delay_s: float = 0.0
    drop: str = ""
    async_delay_s: float | None = None
    async_polls: int | None = None
    applied: list[str] = field(default_factory=list)  # what was applied (for logs and the admin API)
    snapshot: Snapshot | None = None  # the state plan() read; after() reuses it (one read of the store per request)


@dataclass(frozen=True)
class Subject:
    """What rules match on: read from the payload (the NF-e of a lot, the key of a query)."""
    issuer: str = ""
    mod: int | None = None
    serie: int | None = None
    key: str = ""


class FaultHeaderError(ValueError):
    """A malformed X-Fake-Sefaz-* header: the client's mistake, answered with a SOAP fault that says so."""


def _int(s: str | None) -> int | None:
    return int(s) if s and s.isdigit() else None


def subjects_of(payload: etree._Element | None) -> list[Subject]:
    if payload is None:
        return []
    out = []
    for inf in payload.iter(N + "infNFe"):
        ide = inf.find(N + "ide")
        emit = inf.find(N + "emit")
        issuer = "" if emit is None else (emit.findtext(N + "CNPJ") or emit.findtext(N + "CPF") or "")
        out.append(Subject(issuer, _int(None if ide is None else ide.findtext(N + "mod")),
                           _int(None if ide is None else ide.findtext(N + "serie")), (inf.get("Id") or "")[3:]))
    if not out:
        key = payload.findtext(".//" + N + "chNFe") or ""
        if len(key) == 44 and key.isdigit():
            out.append(Subject(key[6:20], int(key[20:22]), int(key[22:25]), key))
        else:
            cnpj = payload.findtext(".//" + N + "CNPJ") or payload.findtext(".//" + N + "CPF") or ""
            if cnpj:
                out.append(Subject(cnpj))
    return out


def operation_matches(rule_op: str, service: "Service") -> bool:
    if not rule_op or rule_op == "*":
        return True
    op = rule_op.lower()
    return op in (service.name.lower(), service.operation.lower(), service.root.lower()) or op in service.aliases


def rule_matches(r: fstore.FaultRule, service: "Service", cUF: int, subject: Subject | None, now_ts: float) -> bool:
    if r.expires_ts is not None and now_ts >= r.expires_ts:
        return False
    if r.remaining is not None and r.remaining <= 0:
        return False
    if not operation_matches(r.operation, service):
        return False
    if r.cUF is not None and r.cUF != cUF:
        return False
    needs_doc = bool(r.issuer or r.key_suffix) or r.mod is not None or r.serie is not None
    if not needs_doc:
        return True
    if subject is None:
        return False
    return ((not r.issuer or r.issuer == subject.issuer) and (r.mod is None or r.mod == subject.mod)
            and (r.serie is None or r.serie == subject.serie)
            and (not r.key_suffix or subject.key.endswith(r.key_suffix)))


@rule("FAULT-SERVICE-STATE", 108, 109)
def service_paused(ctx: tuple[fstore.ServiceState | None, "Service"]) -> None:
    """108/109: the service (or, for the status service, the authorization it reports on) is paused in this
    UF. Real authorizers answer the paused code in every ret* of the paused web service, and the status service
    reports the authorization's state (that is what emitters poll before entering contingency)."""
    state, _service = ctx
    if state is not None and state.cstat in PAUSED:
        raise Rejection(state.cstat)


class FaultEngine:
    """QA's controls (implements services.backend.FaultPort). It knows the settings, the store and the services
    it plans for; nothing above it."""

    def __init__(self, settings: "Settings", store: "Store", services: "tuple[Service, ...]") -> None:
        self.settings = settings
        self.store = store
        self._authorization = next(s for s in services if s.root == "enviNFe")
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._rng = random.Random()
        self._current = threading.local()  # the plan of the request this thread is answering
        self._nfe_outcomes: set[int] | None = None

    # --- state ----------------------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        store = self.store
        gen = store.peek(fstore.generation)
        snap = self._snapshot
        if snap is not None and snap.generation == gen:
            return snap

        def load(tx):
            return Snapshot(
                generation=fstore.generation(tx),
                rules=tuple(fstore.list_rules(tx)),
                states={(s.cUF, s.service): s for s in fstore.list_states(tx)},
                latency=fstore.kv_get(tx, "latency"),
                consumption=fstore.kv_get(tx, "consumption"),
            )

        snap = store.read(load)
        with self._lock:
            self._snapshot = snap
        return snap

    def invalidate(self) -> None:
        with self._lock:
            self._snapshot = None

    @property
    def outcomes(self) -> set[int]:
        if self._nfe_outcomes is None:
            self._nfe_outcomes = nfe_outcomes()
        return self._nfe_outcomes

    def state_for(self, snap: Snapshot, cUF: int, service: "Service") -> fstore.ServiceState | None:
        for key in ((cUF, service.name), (cUF, "*")):
            if key in snap.states:
                return snap.states[key]
        if service.name == STATUS:  # the status service reports the authorization's state
            for key in ((cUF, AUTHORIZATION),):
                if key in snap.states:
                    return snap.states[key]
        return None

    # --- per request -------------------------------------------------------------------------------------------
    def plan(self, req: "Request", service: "Service", headers: Mapping[str, str]) -> Plan:
        plan = Plan()
        self._current.plan = plan
        snap = plan.snapshot = self.snapshot()
        now_ts = req.now.timestamp()
        settings = self.settings

        # 1. service state (108/109) and asynchronous processing
        # a UF's paused services are its own authorizer's: the SVC that stands in for it keeps answering
        state = self.state_for(snap, req.cUF, service) if req.svc is None else None
        if state is not None:
            plan.async_delay_s = state.async_delay_s
            plan.async_polls = state.async_polls
            rejection = None
            try:
                service_paused((state, service))
            except Rejection as rej:
                rejection = rej
            if rejection is not None:
                plan.answer = service.reject(req, rejection)
                if state.xObs and service.name == STATUS:
                    el = etree.SubElement(plan.answer, N + "xObs")
                    el.text = state.xObs[:255]
                plan.applied.append(f"service-state:{state.cstat}")

        # 4a. latency and drop from headers (they apply whatever the answer)
        if settings.fault_headers:
            if headers.get(HEADER_DELAY, "").strip().isdigit():
                plan.delay_s = int(headers[HEADER_DELAY].strip()) / 1000.0
            drop = headers.get(HEADER_DROP, "").strip().lower()
            if drop in DROP_MODES:
                plan.drop = drop
        self._global_latency(plan, snap, service)

        if plan.answer is None:
            # 2. consumo indevido (656)
            limits = consumption.limits(settings, snap.consumption)
            if limits is not None:
                rejection = consumption.check(self.store, req, service, limits)
                if rejection is not None:
                    plan.answer = service.reject(req, rejection)
                    plan.applied.append("consumption:656")

        if plan.answer is None:
            # 3. forced outcome: header first, then the first matching rule
            forced = None
            if settings.fault_headers:
                raw = headers.get(HEADER_STATUS, "").strip()
                if raw:
                    if not raw.isdigit() or int(raw) not in CATALOGUE:
                        raise FaultHeaderError(f"{HEADER_STATUS}: {raw!r} is not a catalogue code")
                    allowed = forceable(service)
                    if int(raw) not in allowed:
                        raise FaultHeaderError(f"{HEADER_STATUS}: {service.name} never answers {raw}; it can answer "
                                               f"{' '.join(str(c) for c in sorted(allowed))}")
                    forced = int(raw)
            per_nfe = service.root == "enviNFe"
            if forced is not None:
                if per_nfe and forced in self.outcomes:
                    plan.nfe_cstat = forced
                else:
                    plan.answer = service.reject(req, Rejection(forced))
                plan.applied.append(f"header:{forced}")
        subjects = subjects_of(req.soap.payload) if snap.rules else []  # nothing to match: skip the walk
        for r in snap.rules:
            if r.cstat is not None and (plan.answer is not None or plan.nfe_cstat is not None):
                if r.latency_ms is None and not r.drop_mode:
                    continue
            if r.cstat is not None and service.root == "enviNFe" and r.cstat in self.outcomes \
                    and plan.answer is None and plan.nfe_cstat is None and r.latency_ms is None and not r.drop_mode:
                # matched per NF-e inside decide(): only the rules that could match this request are kept
                if any(rule_matches(r, service, req.cUF, s, now_ts) for s in subjects):
                    plan.nfe_rules.append(r)
                continue
            subject = subjects[0] if subjects else None
            if not rule_matches(r, service, req.cUF, subject, now_ts):
                continue
            if not self.store.run(lambda tx, rid=r.id: fstore.consume_rule(tx, rid)):
                continue
            plan.applied.append(f"rule:{r.id}")
            if r.cstat is not None and plan.answer is None and plan.nfe_cstat is None:
                if service.root == "enviNFe" and r.cstat in self.outcomes:
                    plan.nfe_cstat = r.cstat  # with latency/drop: every NF-e of the lot gets the outcome
                else:
                    plan.answer = service.reject(req, Rejection(r.cstat))
            if r.latency_ms is not None:
                plan.delay_s = max(plan.delay_s, r.latency_ms / 1000.0)
            if r.drop_mode:
                plan.drop = r.drop_mode
        return plan

    def _global_latency(self, plan: Plan, snap: Snapshot, service: "Service") -> None:
        lat = snap.latency
        if not lat or plan.delay_s:
            return
        services = lat.get("services") or []
        if services and not any(operation_matches(s, service) for s in services):
            return
        plan.delay_s = sample_latency(lat, self._rng)

    def forced_for_nfe(self, req: "Request", doc: "NFeView") -> int | None:
        plan = getattr(req, "plan", None)
        if plan is None:
            return None
        if plan.nfe_cstat is not None:
            return plan.nfe_cstat
        if not plan.nfe_rules:
            return None
        subject = Subject(doc.issuer, _int(doc.mod), _int(doc.serie), doc.key)
        service = self._authorization
        now_ts = req.now.timestamp()
        for r in plan.nfe_rules:
            if rule_matches(r, service, req.cUF, subject, now_ts):
                if self.store.run(lambda tx, rid=r.id: fstore.consume_rule(tx, rid)):
                    plan.applied.append(f"rule:{r.id}")
                    return r.cstat
        return None

    def async_delay(self) -> float | None:
        plan = getattr(self._current, "plan", None)
        return None if plan is None else plan.async_delay_s

    def after(self, req: "Request", service: "Service", result: etree._Element, plan: Plan) -> etree._Element:
        """After the service answered: hold receipts for N polls, reflect the async delay in tMed, count uses."""
        self._current.plan = None
        root = etree.QName(result).localname
        if root == "retEnviNFe" and plan.async_polls:
            nRec = result.findtext(f"{N}infRec/{N}nRec")
            if nRec:
                self.store.run(lambda tx: fstore.hold_lot(tx, nRec, int(plan.async_polls)))
        if root == "retConsStatServ" and plan.async_delay_s:
            tmed = result.find(N + "tMed")
            if tmed is not None:
                tmed.text = str(max(1, round(plan.async_delay_s)))
        if root == "retConsReciNFe" and plan.answer is None and result.findtext(N + "cStat") == "104":
            nRec = result.findtext(N + "nRec") or ""
            if self.store.run(lambda tx: fstore.take_poll(tx, nRec)):
                result = service.reject(req, Rejection(105))
                plan.applied.append("async-poll:105")
        snap = plan.snapshot if plan.snapshot is not None else self.snapshot()
        limits = consumption.limits(self.settings, snap.consumption)
        if limits is not None and plan.answer is None:
            consumption.count_rejections(self.store, req, service, result, limits)
        return result


def sample_latency(lat: Mapping[str, Any], rng: random.Random) -> float:
    """Seconds of delay from a latency description: fixed, uniform(ms..max_ms), normal(ms, stddev_ms),
    exponential(mean ms); never negative, capped by max_ms when given."""
    dist = (lat.get("distribution") or "fixed").lower()
    ms = float(lat.get("ms") or 0)
    cap = lat.get("max_ms")
    if dist == "uniform":
        value = rng.uniform(ms, float(cap if cap is not None else ms))
    elif dist == "normal":
        value = rng.gauss(ms, float(lat.get("stddev_ms") or 0))
    elif dist == "exponential":
        value = rng.expovariate(1.0 / ms) if ms > 0 else 0.0
    else:
        value = ms
    if cap is not None:
        value = min(value, float(cap))
    return max(0.0, value) / 1000.0


def new_rule_id() -> str:
    return uuid.uuid4().hex[:10]


__all__ = ["FaultEngine", "Plan", "sample_latency", "new_rule_id", "nfe_outcomes", "service_paused",
           "HEADER_STATUS", "HEADER_DELAY", "HEADER_DROP", "DROP_MODES"]
