"""The conformance runner: plays scenarios/*.yaml against the in-process server (default) or any endpoint
(a real homologação, another fake), prints a table with a progress bar, writes JUnit XML.

Scenarios that need the fake's admin API (faults, clock, stored state, X-Fake-Sefaz-* headers) are skipped
against an endpoint without /admin/health; scenarios with their own `settings` are skipped against an endpoint
(in-process runs start one server per distinct settings).
"""

from __future__ import annotations

import copy
import re
import sys
import tempfile
import time
import traceback
import unicodedata
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable
from xml.etree import ElementTree as ET

import httpx
from lxml import etree

from .. import codes, ufs
from ..client import OPERATIONS, cons_reci_nfe, cons_sit_nfe, cons_stat_serv, envelope, headers_for, parse_reply, Reply
from ..factory import NFeFactory, wrap_lot
from ..keys import mod11_dv
from ..xml import DS, NFE, N
from .scenario import REQUEST_STEPS, Scenario

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
NSMAP = {"ds": DS, "n": NFE}
ALIASES = {"prot": "protNFe/infProt", "rec": "infRec"}
ROOT_OF = {svc.lower(): root for root, (svc, _) in OPERATIONS.items()}


class StepFailure(AssertionError):
    pass


@dataclass
class Result:
    name: str
    status: str
    seconds: float
    codes: set[int] = field(default_factory=set)
    message: str = ""
    file: str = ""


@dataclass
class Target:
    """Where scenarios are sent, and with which certificates."""
    url: str
    pki: Any  # TestPKI
    uf: str = "SP"
    tpAmb: int = 2
    is_fake: bool = True
    certificate: Any = None  # an Identity made from --certificate, the default signer/issuer when given
    timeout: float = 30.0
    clock_control: bool = True  # the fake's clock can be moved (/admin/faults/clock)

    @property
    def cUF(self) -> int:
        return ufs.code_of(self.uf)

    def identity(self, name: str | None):
        if name in (None, "default"):
            return self.certificate or self.pki.identity("emitente")
        if name == "certificate":
            if self.certificate is None:
                raise StepFailure("this scenario needs --certificate")
            return self.certificate
        return self.pki.identity(name)


# --- XML edits ------------------------------------------------------------------------------------------------

def _qname(part: str) -> str:
    if ":" in part:
        prefix, local = part.split(":", 1)
        return "{%s}%s" % (NSMAP[prefix], local)
    return N + part


def find(root: etree._Element, path: str) -> etree._Element:
    if path in (".", ""):
        return root
    el = root.find("/".join(_qname(p) for p in path.split("/")))
    if el is None:
        raise StepFailure(f"no element {path} to edit")
    return el


def apply_edits(root: etree._Element, edits: Iterable[dict]) -> None:
    for e in edits or ():
        el = find(root, str(e.get("path", ".")))
        if "text" in e:
            el.text = None if e["text"] is None else str(e["text"])
        if "attr" in e:
            el.set(e["attr"], str(e.get("value", "")))
        if "delattr" in e:
            el.attrib.pop(e["delattr"], None)
        if "tail" in e:
            el.tail = e["tail"]
        if "rename" in e:
            el.tag = _qname(e["rename"])
        if e.get("remove"):
            el.getparent().remove(el)


def rekey(nfe: etree._Element, at: int, text: str, dv: int | str | None = None) -> None:
    """Replace part of the access key (positions from 0), then give it a right (or the given) check digit."""
    inf = nfe.find(N + "infNFe")
    key = inf.get("Id")[3:]
    k43 = (key[:at] + text + key[at + len(text):])[:43]
    digit = mod11_dv(k43) if dv is None else (mod11_dv(k43) + 1) % 10 if dv == "wrong" else int(dv)
    inf.set("Id", f"NFe{k43}{digit}")
    inf.find(f"{N}ide/{N}cDV").text = str(digit)


# --- expectations ----------------------------------------------------------------------------------------------

def _fold(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii").lower()


def _value_at(reply: Reply | None, data: Any, path: str) -> Any:
    if isinstance(data, dict):  # JSON answers of admin / stored steps
        cur: Any = data
        for part in path.split("/"):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            elif isinstance(cur, list) and part.lstrip("-").isdigit() and -len(cur) <= int(part) < len(cur):
                cur = cur[int(part)]
            else:
                return None
        return cur
    if reply is None or reply.result is None:
        return None
    head, _, rest = path.partition("/")
    full = ALIASES.get(head, head) + ("/" + rest if rest else "")
    el = reply.result.find("/".join(_qname(p) for p in full.split("/")))
    return None if el is None else (el.text or "")


def check(expect: dict, reply: Reply | None, data: Any = None, error: str = "", http: int | None = None) -> None:
    problems = []
    for path, want in (expect or {}).items():
        path = str(path)
        if path == "error":
            got: Any = error
        elif path == "http":
            got = http
        else:
            got = _value_at(reply, data, path)
        if isinstance(want, dict):
            if "catalogue" in want:
                cpath = path.rsplit("/", 1)[0] + "/cStat" if "/" in path else "cStat"
                code = want["catalogue"] if want["catalogue"] is not True else _value_at(reply, data, cpath)
                ok = got is not None and code is not None and str(code).isdigit() and int(code) in codes.CATALOGUE \
                    and _fold(got).startswith(_fold(codes.CATALOGUE[int(code)]))
            elif "startswith" in want:
                ok = got is not None and str(got).startswith(str(want["startswith"]))
            elif "contains" in want:
                ok = got is not None and str(want["contains"]) in str(got)
            elif "regex" in want:
                ok = got is not None and re.fullmatch(str(want["regex"]), str(got)) is not None
            elif "present" in want:
                ok = (got not in (None, "")) == bool(want["present"])
            elif "in" in want:
                ok = str(got) in {str(v) for v in want["in"]}
            elif "gte" in want:
                ok = got is not None and float(got) >= float(want["gte"])
            else:
                raise StepFailure(f"unknown matcher {want}")
        else:
            ok = str(got) == (str(want).lower() if isinstance(want, bool) else str(want)) or got == want
        if not ok:
            problems.append(f"{path}: expected {want!r}, got {got!r}")
    if problems:
        where = ""
        if reply is not None and reply.result is not None:
            where = " [cStat " + str(reply.cStat) + ": " + str(reply.field("xMotivo")) + "]"
        raise StepFailure("; ".join(problems) + where)


# --- playing one scenario ----------------------------------------------------------------------------------------

class Play:
    def __init__(self, target: Target, http: httpx.Client) -> None:
        self.t = target
        self.http = http
        self.docs: dict[str, etree._Element] = {}
        self.replies: dict[str, Reply] = {}
        self.last: Reply | None = None

    # admin
    def admin(self, method: str, path: str, json: Any = None, ok: bool = True) -> httpx.Response:
        r = self.http.request(method.upper(), self.t.url + path, json=json)
        if ok and r.status_code >= 300:
            raise StepFailure(f"admin {method} {path}: HTTP {r.status_code} {r.text[:300]}")
        return r

    def setup(self, setup: dict) -> None:
        for rule in _as_list(setup.get("rules")):
            self.admin("POST", "/admin/faults/rules", rule)
        for st in _as_list(setup.get("services")):
            self.admin("PUT", "/admin/faults/services", st)
        if setup.get("consumption") is not None:
            self.admin("PUT", "/admin/faults/consumption", setup["consumption"])
        if setup.get("latency") is not None:
            self.admin("PUT", "/admin/faults/latency", setup["latency"])
        if setup.get("clock") is not None:
            self.clock(setup["clock"])
        for call in _as_list(setup.get("admin")):
            self.admin(call.get("method", "POST"), call["path"], call.get("json"))

    def clock(self, spec: dict) -> dict:
        if "advance" in spec:
            return self.admin("POST", "/admin/faults/clock/advance", spec["advance"]).json()
        if "set" in spec:
            return self.admin("POST", "/admin/faults/clock/set", {"instant": spec["set"], "frozen": spec.get("frozen")}).json()
        if spec.get("freeze"):
            return self.admin("POST", "/admin/faults/clock/freeze").json()
        return self.admin("POST", "/admin/faults/clock/reset").json()

    # documents
    def build(self, spec: dict) -> None:
        issuer = self.t.identity(spec.get("issuer"))
        factory = NFeFactory(seed=None, uf=self.t.uf, tpAmb=self.t.tpAmb, cnpj=issuer.cnpj, razao=issuer.razao)
        kwargs = dict(spec.get("set") or {})
        if "dhEmi_offset" in kwargs:
            kwargs["dhEmi"] = datetime.now(ufs.tz_of(self.t.cUF)) + timedelta(**kwargs.pop("dhEmi_offset"))
        if spec.get("same_number_as"):  # the same issuer, model, series and number as an earlier document
            ide = self.docs[spec["same_number_as"]].find(f"{N}infNFe/{N}ide")
            kwargs.update(serie=int(ide.findtext(N + "serie")), nNF=int(ide.findtext(N + "nNF")))
        template = spec.get("template", "nfe")
        nfe = (factory.build_nfce if template == "nfce" else factory.build)(**kwargs)
        apply_edits(nfe, spec.get("edit"))
        for rk in _as_list(spec.get("rekey")):
            rekey(nfe, int(rk["at"]), str(rk.get("text", "")), rk.get("dv"))
        sign = spec.get("sign", "default")
        if sign not in (False, None, "none"):
            from ..signer import Signer

            nfe = Signer(self.t.identity(None if sign is True else sign)).sign_nfe(nfe)
        apply_edits(nfe, spec.get("after_sign"))
        self.docs[spec.get("as", "nfe")] = nfe

    def key(self, ref: str) -> str:
        if ref in self.docs:
            return self.docs[ref].find(N + "infNFe").get("Id")[3:]
        return str(ref)

    # requests
    def payload(self, kind: str, spec: dict) -> tuple[bytes, str]:
        if kind == "send":
            nfes = [copy.deepcopy(self.docs[d]) for d in _as_list(spec.get("documents", ["nfe"]))]
            el = wrap_lot(nfes, spec.get("idLote", 1), indSinc=1 if spec.get("sync", True) else 0)
        elif kind == "status":
            el = cons_stat_serv(int(spec.get("tpAmb", self.t.tpAmb)), int(spec.get("cUF", self.t.cUF)))
        elif kind == "query":
            el = cons_sit_nfe(int(spec.get("tpAmb", self.t.tpAmb)), self.key(str(spec.get("key", "nfe"))))
        elif kind == "receipt":
            if "from" in spec:
                src = self.replies.get(spec["from"])
                nRec = None if src is None or src.result is None else src.result.findtext(f"{N}infRec/{N}nRec")
                if not nRec:
                    raise StepFailure(f"reply {spec['from']!r} has no receipt")
            else:
                nRec = str(spec["nRec"])
            el = cons_reci_nfe(int(spec.get("tpAmb", self.t.tpAmb)), nRec)
        else:  # raw
            data = str(spec["payload"]).encode("utf-8")
            return data, ROOT_OF.get(str(spec.get("service", "")).lower(), str(spec.get("root", "consStatServ")))
        apply_edits(el, spec.get("edit"))
        data = etree.tostring(el, encoding="utf-8")
        return data, etree.QName(el).localname

    def request(self, kind: str, spec: dict) -> tuple[Reply | None, str, int | None]:
        data, root = self.payload(kind, spec)
        for old, new in spec.get("replace") or ():
            data = data.replace(str(old).encode(), str(new).encode(), 1)
        version = int(spec.get("soap", 12))
        zipped = bool(spec.get("zip", False))
        body = envelope(data, root, version=version, zipped=zipped) if "body" not in spec else str(spec["body"]).encode()
        headers = headers_for(root, version, zipped and root == "enviNFe")
        headers.update({k: str(v) for k, v in (spec.get("headers") or {}).items()})
        url = self.t.url + (spec.get("path") or "/" + OPERATIONS[root][0])
        try:
            r = self.http.post(url, content=body, headers=headers, timeout=float(spec.get("timeout", self.t.timeout)))
        except httpx.TimeoutException:
            return None, "timeout", None
        except httpx.TransportError:
            return None, "connection", None
        return parse_reply(r.status_code, r.content), "", r.status_code

    def step(self, step: dict) -> None:
        kind = next(k for k in step if k not in ("expect", "name"))
        spec = step[kind] if isinstance(step[kind], dict) else {}
        expect = step.get("expect") or {}
        if kind == "build":
            self.build(spec)
        elif kind == "sleep":
            time.sleep(float(step[kind]))
        elif kind == "clock":
            check(expect, None, self.clock(spec))
        elif kind == "admin":
            r = self.admin(spec.get("method", "POST"), spec["path"], spec.get("json"), ok=False)
            check(expect or {"http": {"in": [200, 201]}}, None, _json(r), http=r.status_code)
        elif kind == "stored":
            r = self.admin("GET", f"/admin/documents/{self.key(str(spec.get('key', 'nfe')))}", ok=False)
            check(expect, None, _json(r) if r.status_code == 200 else {}, http=r.status_code)
        elif kind in REQUEST_STEPS:
            for _ in range(int(spec.get("repeat", 1))):
                reply, error, http = self.request(kind, spec)
                if error and "error" not in expect:
                    raise StepFailure(f"{kind}: transport error ({error})")
                if reply is not None:
                    self.last = reply
                    if spec.get("as"):
                        self.replies[spec["as"]] = reply
                check(expect, reply, error=error, http=http)


def _as_list(v: Any) -> list:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _json(r: httpx.Response) -> Any:
    try:
        return r.json()
    except ValueError:
        return {}


# --- running a suite ---------------------------------------------------------------------------------------------

def select(scenarios: list[Scenario], pattern: str | None) -> list[Scenario]:
    """-k: substring of the name (or file), 'not x', 'a or b' (a small subset of pytest's -k)."""
    if not pattern:
        return scenarios

    def match(sc: Scenario, expr: str) -> bool:
        expr = expr.strip()
        if " or " in expr:
            return any(match(sc, e) for e in expr.split(" or "))
        if " and " in expr:
            return all(match(sc, e) for e in expr.split(" and "))
        if expr.startswith("not "):
            return not match(sc, expr[4:])
        return expr in sc.name or expr in sc.file
    return [s for s in scenarios if match(s, pattern)]


def run_scenario(sc: Scenario, target: Target, http: httpx.Client) -> Result:
    start = time.monotonic()
    if sc.needs_fake and not target.is_fake:
        return Result(sc.name, SKIPPED, 0.0, sc.codes(), "needs the fake's admin API", sc.file)
    if sc.needs_clock and not target.clock_control:
        return Result(sc.name, SKIPPED, 0.0, sc.codes(), "needs a controllable clock (clock_control=true)", sc.file)
    play = Play(target, http)
    try:
        if sc.setup:
            play.setup(sc.setup)
        for i, step in enumerate(sc.steps, 1):
            try:
                play.step(step)
            except StepFailure as exc:
                raise StepFailure(f"step {i} ({next(k for k in step if k != 'expect')}): {exc}") from None
        return Result(sc.name, PASSED, time.monotonic() - start, sc.codes(), "", sc.file)
    except StepFailure as exc:
        return Result(sc.name, FAILED, time.monotonic() - start, sc.codes(), str(exc), sc.file)
    except Exception as exc:  # noqa: BLE001 - a broken scenario is a failure with its traceback, not a crash
        return Result(sc.name, FAILED, time.monotonic() - start, sc.codes(),
                      f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}", sc.file)
    finally:
        if target.is_fake and sc.needs_fake:
            try:
                play.admin("POST", "/admin/faults/clear")
            except Exception:  # noqa: BLE001 - the next scenario reports a server that went away
                pass


def probe(url: str, http: httpx.Client) -> dict | None:
    """The fake's /admin/health, or None for an endpoint that is not a fake-sefaz."""
    try:
        r = http.get(url.rstrip("/") + "/admin/health", timeout=5)
        return r.json() if r.status_code == 200 and r.json().get("status") == "ok" else None
    except (httpx.HTTPError, ValueError):
        return None


class Progress:
    def __init__(self, total: int, stream=None, width: int = 30) -> None:
        self.total, self.done, self.width = total, 0, width
        self.stream = stream if stream is not None else sys.stderr
        self.failed = 0

    def update(self, result: Result) -> None:
        self.done += 1
        self.failed += result.status == FAILED
        filled = int(self.width * self.done / max(1, self.total))
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} failed {self.failed}  {result.name[:40]:<40}")
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def table(results: list[Result]) -> str:
    w = max([len(r.name) for r in results] + [8])
    lines = [f"{'scenario':<{w}}  {'result':<7}  {'time':>6}  codes", "-" * (w + 30)]
    for r in results:
        lines.append(f"{r.name:<{w}}  {r.status:<7}  {r.seconds:6.2f}  {','.join(map(str, sorted(r.codes)))}")
        if r.status != PASSED and r.message:
            lines.append(f"{'':<{w}}    -> {r.message.splitlines()[0][:200]}")
    counts = {s: sum(r.status == s for r in results) for s in (PASSED, FAILED, SKIPPED)}
    lines.append(f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[SKIPPED]} skipped")
    return "\n".join(lines)


def junit(results: list[Result], path: str | Path, suite: str = "fake-sefaz-conformance") -> None:
    ts = ET.Element("testsuite", name=suite, tests=str(len(results)),
                    failures=str(sum(r.status == FAILED for r in results)),
                    skipped=str(sum(r.status == SKIPPED for r in results)),
                    time=f"{sum(r.seconds for r in results):.3f}")
    for r in results:
        tc = ET.SubElement(ts, "testcase", classname=f"scenarios.{Path(r.file).stem}", name=r.name, time=f"{r.seconds:.3f}")
        if r.status == FAILED:
            ET.SubElement(tc, "failure", message=r.message.splitlines()[0][:500] if r.message else "failed").text = r.message
        elif r.status == SKIPPED:
            ET.SubElement(tc, "skipped", message=r.message)
    root = ET.Element("testsuites")
    root.append(ts)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def run(scenarios: list[Scenario], *, endpoint: str | None = None, pki=None, certificate=None,
        uf: str | None = None, tpAmb: int | None = None, progress: Progress | None = None,
        settings_factory: Callable[..., Any] | None = None, timeout: float = 30.0) -> list[Result]:
    """Play scenarios against `endpoint`, or against in-process servers (one per distinct `settings`)."""
    results: list[Result] = []
    with ExitStack() as stack:
        http = stack.enter_context(httpx.Client(timeout=timeout))
        if endpoint:
            health = probe(endpoint, http)
            target = Target(endpoint.rstrip("/"), pki, uf=(health or {}).get("uf") or uf or "SP",
                            tpAmb=int((health or {}).get("tpAmb") or tpAmb or 2), is_fake=health is not None,
                            certificate=certificate, timeout=timeout)
            if health is not None:
                clock = _json(http.get(target.url + "/admin/faults/clock"))
                target.clock_control = bool(clock.get("controllable"))
            for sc in scenarios:
                if sc.settings:
                    res = Result(sc.name, SKIPPED, 0.0, sc.codes(), f"needs server settings {sc.settings}", sc.file)
                else:
                    res = run_scenario(sc, target, http)
                results.append(res)
                if progress:
                    progress.update(res)
            return results
        from ..clock import ControlledClock
        from ..server import ThreadedServer

        servers: dict[str, Target] = {}
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fake-sefaz-conformance-")))
        for sc in scenarios:
            key = repr(sorted(sc.settings.items()))
            if key not in servers:
                settings = settings_factory(tmp / f"s{len(servers)}", **sc.settings)
                srv = stack.enter_context(ThreadedServer(settings=settings, clock=ControlledClock()))
                servers[key] = Target(srv.url, pki, uf=settings.uf, tpAmb=settings.tpAmb, is_fake=True,
                                      certificate=certificate, timeout=timeout)
            res = run_scenario(sc, servers[key], http)
            results.append(res)
            if progress:
                progress.update(res)
    return results
