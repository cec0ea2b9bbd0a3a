"""`fake-sefaz bench`: what one authorization costs, in process and over HTTP.

Part 1 (in process): fresh, distinct, pre-signed ~7 KB NF-e (signing is not measured) sent one at a time through
Authorizer.answer_soap, the real path (codec, message rules, NF-e pipeline, store commit, answer); then the
stages of that path timed one by one on further documents (decode, message rules, detach, certificate,
signature, NF-e rules, store, answer); then the primitives it is made of, in the same run (lxml parse, XSD
validation, C14N + SHA-1 of infNFe, RSA verify, certificate parse, store commit). The issue's target compares
the pipeline with the sum of the primitives.

Part 2 (over HTTP): `fake-sefaz serve` started as a subprocess on a free port; a load client in another process
(pinned to its own core when asked) keeps N keep-alive connections busy, for synchronous authorization and, as
the transport baseline, the status service, against each concurrency; throughput and p50/p90/p99 latency.

The report is JSON (and a PNG chart when matplotlib is installed: pip install fake-sefaz[bench]). Timings are
noisy on shared machines: the report records the conditions (CPU count, pinning, load average) beside them.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import hashlib
import json
import os
import platform
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from lxml import etree

REPORT_VERSION = 1
DS = "{http://www.w3.org/2000/09/xmldsig#}"
N = "{http://www.portalfiscal.inf.br/nfe}"


# --- small statistics helpers -------------------------------------------------------------------------------

def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def _summary_us(samples_ns: list[int]) -> dict[str, float]:
    s = sorted(x / 1000 for x in samples_ns)
    return {"n": len(s), "median_us": round(_pct(s, 50), 1), "mean_us": round(sum(s) / len(s), 1) if s else None,
            "p90_us": round(_pct(s, 90), 1), "p99_us": round(_pct(s, 99), 1)}


def _time_each(fn: Callable[[Any], Any], inputs: list[Any]) -> list[int]:
    out = []
    pc = time.perf_counter_ns
    for x in inputs:
        t0 = pc()
        fn(x)
        out.append(pc() - t0)
    return out


def _conditions(pin: str | None) -> dict:
    try:
        load = os.getloadavg()
    except OSError:
        load = (None, None, None)
    return {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "pinned": pin, "loadavg": [round(x, 2) if x is not None else None for x in load],
            "cpu_model": _cpu_model(), "when": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


# --- set-up ---------------------------------------------------------------------------------------------------

@dataclass
class Workspace:
    root: Path
    certs: Path
    temporary: bool

    @classmethod
    def open(cls, database_dir: str | None) -> "Workspace":
        if database_dir:
            root = Path(database_dir)
            root.mkdir(parents=True, exist_ok=True)
            return cls(root, root / "certs", False)
        root = Path(tempfile.mkdtemp(prefix="fake-sefaz-bench-"))
        return cls(root, root / "certs", True)

    def close(self) -> None:
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)


def _settings(ws: Workspace, name: str, synchronous: str, **extra):
    from fake_sefaz.server.settings import load_settings

    db = ws.root / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    return load_settings(env={}, data_dir=str(ws.root), certs_dir=str(ws.certs), database_url=f"sqlite:///{db}",
                         uf="SP", tpAmb=2, sqlite_synchronous=synchronous, **extra)


def _documents(ws: Workspace, count: int, items: int, model: int = 55, jobs: int | None = None):
    from fake_sefaz.emitter.corpus import CorpusSpec, make_documents

    spec = CorpusSpec(count=count, items=items, model=model, certs_dir=str(ws.certs)).resolved()
    return make_documents(spec, jobs=jobs)


# --- part 1: in process ---------------------------------------------------------------------------------------

def _sync_envelope(xml: bytes, i: int) -> bytes:
    from fake_sefaz.emitter.client import envelope
    from fake_sefaz.emitter.corpus import lot_payload

    return envelope(lot_payload([xml], i + 1, 1), "enviNFe", version=12)


CT12 = "application/soap+xml; charset=utf-8"


def _pipeline(auth, bodies: list[bytes], seconds: float) -> dict:
    """answer_soap on fresh documents until `seconds` pass or the documents run out."""
    samples: list[int] = []
    errors: list[str] = []
    pc = time.perf_counter_ns
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    for body in bodies:
        t0 = pc()
        answer = auth.answer_soap(body, CT12, None, "/NFeAutorizacao4")
        samples.append(pc() - t0)
        if answer.status != 200 or b"<cStat>100</cStat>" not in answer.body:
            if len(errors) < 5:
                errors.append(answer.body[-400:].decode("utf-8", "replace"))
        if time.perf_counter() > deadline:
            break
    elapsed = time.perf_counter() - started
    out = _summary_us(samples)
    out.update({"documents": len(samples), "seconds": round(elapsed, 3),
                "per_second": round(len(samples) / elapsed, 1) if elapsed else None,
                "per_second_from_median": round(1e6 / out["median_us"], 1) if samples else None,
                "errors": len([1 for _ in errors]), "error_samples": errors})
    return out


def _stages(auth, bodies: list[bytes]) -> dict:
    """The same path as answer_soap, cut into its stages and timed one by one (results checked)."""
    from fake_sefaz.rules import first_failure
    from fake_sefaz.rules.message import MESSAGE_RULES, MessageContext
    from fake_sefaz.rules.nfe import NFeContext, e_certificate, f01_signature_profile, f02_signature_value
    from fake_sefaz.rules.pipeline import NFE_PIPELINE
    from fake_sefaz.services import authorization
    from fake_sefaz.services.context import Request
    from fake_sefaz.soap import codec
    from fake_sefaz.domain.nfe import NFeView
    from fake_sefaz.store.reads import StoreReads

    names = ("decode", "message_rules", "detach", "certificate", "signature", "nfe_rules", "store", "answer")
    times: dict[str, list[int]] = {n: [] for n in names}
    service = auth.dispatcher.service_for_root("enviNFe")
    sig_rules = (f01_signature_profile, f02_signature_value)
    other = tuple(r for r in NFE_PIPELINE if r not in sig_rules and r is not e_certificate)
    pc = time.perf_counter_ns
    bad = 0
    for body in bodies:
        t0 = pc()
        soap = codec.decode(body, content_type=CT12, soapaction=None, parsers=auth.parsers,
                            max_data_bytes=auth.settings.max_message_bytes)
        t1 = pc()
        ctx = MessageContext(payload=soap.payload, root=service.root, schema=service.schema, version=service.version,
                             is_lot=True, acting_cUF=auth.settings.cUF, schemas=auth.schemas,
                             data_encoding=soap.data_encoding, codec_error=soap.payload_error)
        rej = first_failure(MESSAGE_RULES, ctx)
        t2 = pc()
        req = Request(auth.backend, auth.clock.now(), auth.settings.cUF, auth.settings.tpAmb, soap, "bench")
        nfe = soap.payload.find(N + "NFe")
        doc = NFeView(copy.deepcopy(nfe))
        nctx = NFeContext(doc, req.now, req.cUF, req.tpAmb, auth.settings, auth.trust, reads=StoreReads(auth.store),
                          verifier=auth.verifier)
        t3 = pc()
        r1 = first_failure((e_certificate,), nctx)
        t4 = pc()
        r2 = first_failure(sig_rules, nctx) if r1 is None else None
        t5 = pc()
        r3 = first_failure(other, nctx) if r1 is None and r2 is None else None
        t6 = pc()
        rejection = rej or r1 or r2 or r3
        decision = authorization.Decision(doc, rejection.cstat if rejection else 100)
        _, prots = authorization.record(req, [decision], "1", req.now.timestamp())
        t7 = pc()
        el = authorization._opening(req, 104)
        el.append(prots[0])
        codec.encode(12, service.wsdl_ns, el, service.wrappers)
        t8 = pc()
        if rejection is not None:
            bad += 1
        for name, a, b in zip(names, (t0, t1, t2, t3, t4, t5, t6, t7), (t1, t2, t3, t4, t5, t6, t7, t8)):
            times[name].append(b - a)
    out = {name: _summary_us(v) for name, v in times.items()}
    total = sum(out[n]["median_us"] for n in names)
    for n in names:
        out[n]["share"] = round(out[n]["median_us"] / total, 3) if total else None
    return {"stages": out, "sum_of_stage_medians_us": round(total, 1), "rejected": bad}


def _primitives(auth, bodies: list[bytes], ws: Workspace) -> dict:
    """The primitives the pipeline is made of, each on its own, on the same kind of documents."""
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from fake_sefaz.domain import signature
    from fake_sefaz.domain.certificates import identity_of
    from fake_sefaz.store import DocumentRecord, LotRecord

    parser = auth.parsers
    trees = [parser.parse(b) for b in bodies]
    payloads = [t.find(".//" + N + "enviNFe") for t in trees]
    nfes = [copy.deepcopy(p.find(N + "NFe")) for p in payloads]
    # C14N of infNFe as a document root (perf-baseline §3 finding 4), the enveloped transform being moot there.
    inf_roots = [etree.fromstring(etree.tostring(n.find(N + "infNFe"))) for n in nfes]
    signed_infos = [etree.tostring(etree.fromstring(etree.tostring(n.find(DS + "Signature/" + DS + "SignedInfo"))),
                                   method="c14n") for n in nfes]
    sig_values = [base64.b64decode(n.findtext(DS + "Signature/" + DS + "SignatureValue")) for n in nfes]
    ders = [base64.b64decode(n.findtext(f"{DS}Signature/{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")) for n in nfes]
    public_keys = {d: x509.load_der_x509_certificate(d).public_key() for d in set(ders)}

    def rsa_verify(i: int) -> None:
        public_keys[ders[i]].verify(sig_values[i], signed_infos[i], padding.PKCS1v15(), hashes.SHA1())

    def cert_parse(der: bytes) -> None:
        identity_of(x509.load_der_x509_certificate(der))

    def xmlsec_verify(nfe) -> None:
        parts = signature.profile_parts(nfe, nfe.find(N + "infNFe"))
        if not signature.verify(parts, nfe.find(N + "infNFe")):
            raise AssertionError("xmlsec verify failed on a valid document")

    from fake_sefaz.store import open_store

    store_settings = _settings(ws, "primitive-store", auth.settings.sqlite_synchronous)
    store = open_store(store_settings.database_url, sqlite_synchronous=store_settings.sqlite_synchronous)
    counter = iter(range(10**9))

    def store_commit(nfe) -> None:
        n = next(counter)
        key = f"{n:044d}"

        def unit(tx):
            tx.document(key)
            tx.document_by_number(2, "00000000000000", 55, 1, n + 1)
            seq = tx.next_seq("nProt:35", 2026)
            tx.insert_document(DocumentRecord(
                chNFe=key, tpAmb=2, cUF=35, mod=55, serie=1, nNF=n + 1, issuer="00000000000000",
                dhEmi="2026-01-01T00:00:00-03:00", tpEmis=1, state="authorized", cStat=100, nProt=str(seq),
                dhRecbto="2026-01-01T00:00:00-03:00", received_ts=0.0, nRec=str(n), digVal="x" * 28, vNF="1.00",
                prot_xml="<protNFe/>" * 40, nfe_xml=etree.tostring(nfe, encoding="unicode")))
            tx.insert_lot(LotRecord(nRec=str(n), tpAmb=2, cUF=35, idLote="1", dhRecbto="", received_ts=0.0,
                                    ready_ts=0.0, cStat=104, xMotivo="Lote processado", prot_xml=("<protNFe/>" * 40,)))

        store.run(unit)

    schema = auth.schemas.get("enviNFe")
    results = {
        "lxml_parse": _summary_us(_time_each(parser.parse, bodies)),
        "xsd_validation": _summary_us(_time_each(schema.validate, payloads)),
        "c14n_sha1_infNFe": _summary_us(_time_each(
            lambda r: hashlib.sha1(etree.tostring(r, method="c14n")).digest(), inf_roots)),
        "rsa_verify": _summary_us(_time_each(rsa_verify, list(range(len(nfes))))),
        "certificate_parse": _summary_us(_time_each(cert_parse, ders)),
        "store_commit": _summary_us(_time_each(store_commit, nfes)),
    }
    primitive_sum = sum(v["median_us"] for v in results.values())
    extra = {"xmlsec_verify": _summary_us(_time_each(xmlsec_verify, nfes)),
             "deepcopy_NFe": _summary_us(_time_each(lambda p: copy.deepcopy(p.find(N + "NFe")), payloads))}
    store.close()
    return {"primitives": results, "sum_of_primitive_medians_us": round(primitive_sum, 1), "for_reference": extra}


# Issue 18: each stage beside the primitives it is made of, measured in the same run. Targets (bench figures, never
# timed tests): a stage at most 2x its primitives; the NF-e rules at most 1.5 µs a rule on average; the whole
# in-process pipeline at least 1,000 authorizations a second on one core.
STAGE_PRIMITIVES: dict[str, tuple[str, ...]] = {
    "message_rules": ("lxml_parse", "xsd_validation"),
    "certificate": ("certificate_parse",),
    "signature": ("c14n_sha1_infNFe", "rsa_verify"),
    "store": ("store_commit",),
}
STAGE_RATIO_TARGET = 2.0
RULE_US_TARGET = 1.5
PIPELINE_PER_SECOND_TARGET = 1000


def nfe_rule_count() -> int:
    """The rules the bench's nfe_rules stage runs: the NF-e pipeline without the certificate and signature rules."""
    from fake_sefaz.rules.nfe import e_certificate, f01_signature_profile, f02_signature_value
    from fake_sefaz.rules.pipeline import NFE_PIPELINE

    return sum(1 for r in NFE_PIPELINE if r not in (e_certificate, f01_signature_profile, f02_signature_value))


def budgets(stages: dict, primitives: dict, pipeline: dict) -> dict:
    """Each stage with its own primitives, the ratio and whether it meets its target; the rules per rule."""
    out: dict[str, dict] = {}
    for stage, parts in STAGE_PRIMITIVES.items():
        median = stages[stage]["median_us"]
        base = sum(primitives[p]["median_us"] for p in parts)
        ratio = round(median / base, 2) if base else None
        out[stage] = {"median_us": median, "primitives": list(parts), "primitives_us": round(base, 1),
                      "ratio": ratio, "target": f"<= {STAGE_RATIO_TARGET}x",
                      "met": ratio is not None and ratio <= STAGE_RATIO_TARGET}
    rules = nfe_rule_count()
    per_rule = round(stages["nfe_rules"]["median_us"] / rules, 2)
    out["nfe_rules"] = {"median_us": stages["nfe_rules"]["median_us"], "rules": rules, "us_per_rule": per_rule,
                        "target": f"<= {RULE_US_TARGET} us a rule", "met": per_rule <= RULE_US_TARGET}
    rate = pipeline.get("per_second") or 0
    out["pipeline"] = {"median_us": pipeline["median_us"], "per_second": rate,
                       "target": f">= {PIPELINE_PER_SECOND_TARGET}/s on one core",
                       "met": rate >= PIPELINE_PER_SECOND_TARGET}
    return out


def budget_table(budget: dict) -> str:
    """The stage table the bench prints: stage, median, its primitives, ratio, target, met."""
    rows = ["| stage | median µs | its primitives (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    for stage in (*STAGE_PRIMITIVES, "nfe_rules", "pipeline"):
        b = budget[stage]
        if stage == "nfe_rules":
            prims, ratio = f"none ({b['rules']} rules)", f"{b['us_per_rule']} µs a rule"
        elif stage == "pipeline":
            prims, ratio = "-", f"{b['per_second']}/s"
        else:
            prims, ratio = f"{' + '.join(b['primitives'])} {b['primitives_us']}", f"{b['ratio']}x"
        rows.append(f"| {stage} | {b['median_us']} | {prims} | {ratio} | {b['target']} | {'yes' if b['met'] else 'no'} |")
    return "\n".join(rows)


def run_in_process(ws: Workspace, seconds: float, items: int, synchronous: str, docs=None,
                   verifier: str | None = None, overrides: dict[str, Any] | None = None) -> dict:
    from fake_sefaz.server.authorizer import Authorizer

    extra = {**(overrides or {}), **({"signature_verifier": verifier} if verifier else {})}
    settings = _settings(ws, "inprocess", synchronous, **extra)
    auth = Authorizer(settings)
    try:
        bodies = [_sync_envelope(d.xml, i) for i, d in enumerate(docs)]
        n_stage = min(len(bodies) // 4, 1500)
        n_prim = min(len(bodies) // 4, 1500)
        warm, stage_bodies, prim_bodies, main = (bodies[:20], bodies[20:20 + n_stage],
                                                 bodies[20 + n_stage:20 + n_stage + n_prim],
                                                 bodies[20 + n_stage + n_prim:])
        for b in warm:
            auth.answer_soap(b, CT12, None, "/NFeAutorizacao4")
        gc.collect()
        pipeline = _pipeline(auth, main, seconds)
        stages = _stages(auth, stage_bodies)
        primitives = _primitives(auth, prim_bodies, ws)
    finally:
        auth.close()
    size = statistics.median(len(d.xml) for d in docs[:200])
    ratio = pipeline["median_us"] / primitives["sum_of_primitive_medians_us"]
    budget = budgets(stages["stages"], primitives["primitives"], pipeline)
    return {
        "document_bytes_median": size, "items": items, "sqlite_synchronous": synchronous,
        "signature_verifier": getattr(settings, "signature_verifier", "xmlsec"),
        "pipeline": pipeline, **stages, **primitives,
        "pipeline_over_primitives": round(ratio, 2),
        "budgets": budget,
        "targets": {
            **{f"{stage}_at_most_2x_primitives": budget[stage]["met"] for stage in STAGE_PRIMITIVES},
            "nfe_rules_at_most_1_5us_a_rule": budget["nfe_rules"]["met"],
            "at_least_1000_per_second_one_core": budget["pipeline"]["met"],
        },
    }


# --- part 2: over HTTP -------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode() + b"\r\n" + body


def _write_requests(path: Path, requests: list[bytes]) -> None:
    with open(path, "wb") as fh:
        for r in requests:
            fh.write(struct.pack("<I", len(r)))
            fh.write(r)


def _read_requests(path: Path) -> list[bytes]:
    data = Path(path).read_bytes()
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack_from("<I", data, i)
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def _client_tls(files: str) -> ssl.SSLContext | None:
    """"ca,cert,key" (PEM paths) -> a client context for the fake's HTTPS listener; "" -> plain HTTP."""
    if not files:
        return None
    ca, cert, key = files.split(",")
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    return ctx


async def _load(port: int, requests: list[bytes], concurrency: int, seconds: float, expect: bytes,
                reuse: bool, rate: float = 0.0, tls: ssl.SSLContext | None = None, fresh: bool = False) -> dict:
    """N keep-alive connections, each sending the next request as soon as the previous answer is read (closed
    loop), or, with `rate`, on a fixed schedule of `rate` requests/s spread over the connections (open loop:
    latency counts from the scheduled instant, so a server falling behind shows its queueing delay).
    tls: over HTTPS with that client context; fresh: a new connection (a full handshake) for every request, as
    emitters that do not keep connections alive do."""
    latencies: list[int] = []
    failures = 0
    status_errors = 0
    state = {"next": 0}
    deadline = time.perf_counter() + seconds
    pc = time.perf_counter_ns

    def take() -> bytes | None:
        i = state["next"]
        if i >= len(requests):
            if not reuse:
                return None
            i %= len(requests)
        state["next"] += 1
        return requests[i]

    interval_ns = int(concurrency / rate * 1e9) if rate else 0
    start_ns = pc() + 20_000_000

    async def connect():
        if tls is None:
            return await asyncio.open_connection("127.0.0.1", port)
        return await asyncio.open_connection("127.0.0.1", port, ssl=tls, server_hostname="localhost")

    async def conn(k: int) -> None:
        nonlocal failures, status_errors
        reader, writer = await connect()
        scheduled = start_ns + (interval_ns * k) // max(concurrency, 1)
        first = True
        try:
            while time.perf_counter() < deadline:
                if interval_ns:
                    delay = (scheduled - pc()) / 1e9
                    if delay > 0:
                        await asyncio.sleep(delay)
                req = take()
                if req is None:
                    return
                t0 = scheduled if interval_ns else pc()
                scheduled += interval_ns
                if fresh and not first:  # the handshake counts in this request's latency
                    writer.close()
                    reader, writer = await connect()
                first = False
                writer.write(req)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length)
                latencies.append(pc() - t0)
                if not head.startswith(b"HTTP/1.1 200"):
                    status_errors += 1
                elif expect not in body:
                    failures += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(conn(k) for k in range(concurrency)))
    elapsed = time.perf_counter() - started
    s = sorted(x / 1e6 for x in latencies)
    return {"concurrency": concurrency, "rate": rate or None, "requests": len(s), "seconds": round(elapsed, 3),
            "per_second": round(len(s) / elapsed, 1) if elapsed else None,
            "p50_ms": round(_pct(s, 50), 2), "p90_ms": round(_pct(s, 90), 2), "p99_ms": round(_pct(s, 99), 2),
            "max_ms": round(s[-1], 2) if s else None, "unexpected_answers": failures, "http_errors": status_errors}


def client_main(argv: list[str]) -> int:
    """`python -m fake_sefaz.tools.bench client PORT FILE CONCURRENCY SECONDS EXPECT REUSE RATE [TLS FILES]`: prints
    one JSON line. TLS: "keepalive" or "fresh"; FILES: "ca,cert,key"."""
    port, path, conc, secs, expect, reuse, rate = argv[:7]
    mode, files = (argv[7], argv[8]) if len(argv) > 8 else ("", "")
    try:
        import uvloop  # noqa: F401

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    result = asyncio.run(_load(int(port), _read_requests(Path(path)), int(conc), float(secs), expect.encode(),
                               reuse == "1", float(rate), tls=_client_tls(files), fresh=mode == "fresh"))
    if mode:
        result["tls"] = mode
    print(json.dumps(result), flush=True)
    return 0


def _run_client(port: int, requests_file: Path, concurrency: int, seconds: float, expect: str, reuse: bool,
                pin: str | None, rate: float = 0.0, tls: tuple[str, str] | None = None) -> dict:
    cmd = [sys.executable, "-m", "fake_sefaz.tools.bench", "client", str(port), str(requests_file), str(concurrency),
           str(seconds), expect, "1" if reuse else "0", str(rate), *(tls or ())]
    if pin and shutil.which("taskset"):
        cmd = ["taskset", "-c", pin] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 3 + 60)
    if out.returncode != 0:
        raise RuntimeError(f"load client failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(x) for x in text.split()]
    return kids + [g for k in kids for g in _children(k)]


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class ServerProcess:
    """`fake-sefaz serve` in a subprocess on a free port; stopped by its own PID."""

    def __init__(self, ws: Workspace, workers: int, synchronous: str, pin: str | None, name: str = "http",
                 extra_env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.tls_port = _free_port()  # HTTPS beside HTTP: the bench measures what mutual TLS costs
        db = ws.root / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_SEFAZ_")}
        env.update({"FAKE_SEFAZ_DATABASE_URL": f"sqlite:///{db}", "FAKE_SEFAZ_DATA_DIR": str(ws.root),
                    "FAKE_SEFAZ_CERTS_DIR": str(ws.certs), "FAKE_SEFAZ_SQLITE_SYNCHRONOUS": synchronous,
                    "FAKE_SEFAZ_UF": "SP", "FAKE_SEFAZ_TPAMB": "2", **(extra_env or {})})
        cmd = [sys.executable, "-m", "fake_sefaz", "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--workers", str(workers), "--tls-port", str(self.tls_port)]
        if pin and shutil.which("taskset"):
            cmd = ["taskset", "-c", pin] + cmd
        self.log = open(ws.root / f"{name}-server.log", "w")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.workers = workers

    def wait_ready(self, timeout: float = 60) -> None:
        from fake_sefaz.emitter.client import SoapClient, cons_stat_serv

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                c = SoapClient(f"http://127.0.0.1:{self.port}", timeout=2)
                ok = c.call(cons_stat_serv(2, 35)).cStat == "107"
                c.close()
                if ok and (self.workers <= 1 or len(self.worker_pids()) >= self.workers):
                    return
            except Exception:  # noqa: BLE001 - not up yet
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def worker_pids(self) -> list[int]:
        pids = _children(self.proc.pid)
        # taskset execs python in place; uvicorn with workers>1 forks a supervisor's children.
        py = [p for p in pids if "python" in _cmdline(p) or "fake_sefaz" in _cmdline(p)]
        if self.workers <= 1:
            return [self.proc.pid]
        # uvicorn's multiprocess supervisor also spawns a resource tracker; workers are the ones serving.
        return [p for p in py if "resource_tracker" not in _cmdline(p) and "semaphore_tracker" not in _cmdline(p)]

    def rss(self) -> dict[str, float | None]:
        return {str(p): rss_mb(p) for p in self.worker_pids()}

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server's processes have used so far (Linux /proc), None elsewhere."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        for pid in {self.proc.pid, *self.worker_pids()}:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of stat)
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _settings_env(overrides: dict[str, Any]) -> dict[str, str]:
    return {"FAKE_SEFAZ_" + k.upper(): str(v) for k, v in overrides.items()}


def run_http(ws: Workspace, docs, *, concurrency: tuple[int, ...], seconds: float, workers: int,
             synchronous: str, server_pin: str | None, client_pin: str | None, verifier: str | None = None,
             overrides: dict[str, Any] | None = None, rate_fraction: float = 0.7, rate_concurrency: int = 16) -> dict:
    from fake_sefaz.emitter.client import cons_stat_serv, envelope, headers_for

    status_body = envelope(cons_stat_serv(2, 35), "consStatServ", version=12)
    status_req = _http_request("/NFeStatusServico4", status_body, headers_for("consStatServ", 12))
    auth_headers = headers_for("enviNFe", 12)
    auth_reqs = [_http_request("/NFeAutorizacao4", _sync_envelope(d.xml, i), auth_headers) for i, d in enumerate(docs)]
    status_file = ws.root / "status.requests"
    _write_requests(status_file, [status_req])
    extra_env = _settings_env({**(overrides or {}), **({"signature_verifier": verifier} if verifier else {})})
    server = ServerProcess(ws, workers, synchronous, server_pin, extra_env=extra_env)
    results: dict[str, list] = {"status": [], "authorization": []}
    rss: list[dict] = []
    try:
        server.wait_ready()
        rss.append({"when": "idle", "rss_mb": server.rss()})
        # Warm every worker (schemas compiled at start; certificate cache per worker).
        _run_client(server.port, status_file, 4, 0.5, "<cStat>107</cStat>", True, client_pin)
        offset = 0
        for conc in concurrency:
            results["status"].append(_run_client(server.port, status_file, conc, seconds, "<cStat>107</cStat>", True,
                                                 client_pin))
            chunk = auth_reqs[offset:]
            f = ws.root / "auth.requests"
            _write_requests(f, chunk)
            r = _run_client(server.port, f, conc, seconds, "<cStat>100</cStat>", False, client_pin)
            offset += r["requests"]
            r["documents_left"] = len(auth_reqs) - offset
            results["authorization"].append(r)
            rss.append({"when": f"after authorization c={conc}", "rss_mb": server.rss()})
            if offset >= len(auth_reqs):
                results["note"] = "ran out of pre-signed documents; later levels were not measured"
                break
        best = max((r["per_second"] or 0) for r in results["authorization"]) if results["authorization"] else 0
        if rate_fraction and best and offset < len(auth_reqs):
            # The latency target is read at 70 % of the best rate, open loop.
            f = ws.root / "auth.requests"
            _write_requests(f, auth_reqs[offset:])
            r = _run_client(server.port, f, rate_concurrency, seconds, "<cStat>100</cStat>", False, client_pin,
                            rate=round(best * rate_fraction, 1))
            r["documents_left"] = len(auth_reqs) - offset - r["requests"]
            results["authorization_at_fraction_of_best"] = {"fraction": rate_fraction, **r}
            rss.append({"when": "after the open-loop level", "rss_mb": server.rss()})
            offset += r["requests"]
        results["https"] = _https_levels(ws, server, status_file, auth_reqs[offset:], max(concurrency), seconds,
                                         client_pin)
    finally:
        server.stop()
    best_status = max((r["per_second"] or 0) for r in results["status"]) if results["status"] else 0
    at_rate = results.get("authorization_at_fraction_of_best")
    best_auth = max((r["per_second"] or 0) for r in results["authorization"]) if results["authorization"] else 0
    return {"workers": workers, "sqlite_synchronous": synchronous, "server_pin": server_pin, "client_pin": client_pin,
            "seconds_per_level": seconds, "documents": len(docs), **results, "rss": rss,
            "best_status_per_second": best_status, "best_authorization_per_second": best_auth,
            "authorization_over_status": round(best_auth / best_status, 3) if best_status else None,
            "targets": {"authorization_at_least_half_of_status": bool(best_status) and best_auth >= 0.5 * best_status,
                        "at_least_800_per_second": best_auth >= 800,
                        "p99_at_most_20ms_at_70_percent": bool(at_rate) and at_rate["p99_ms"] <= 20}}


SCALE_OUT_TARGET = 1.7  # issue 18: 2 workers on PostgreSQL give at least 1.7x one worker, in the same run


def fresh_postgres_database(url: str, name: str) -> str:
    """A new, empty database `name` on the PostgreSQL server of `url` (dropped first if left by an earlier run);
    the URL that names it."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def run_scale_out(ws: Workspace, docs, *, database_url: str, worker_counts: tuple[int, ...], concurrency: int,
                  seconds: float, client_pin: str | None, overrides: dict[str, Any] | None = None) -> dict:
    """Authorization over HTTP on PostgreSQL with each worker count in turn (a fresh database each), at one
    concurrency, side by side: the scale-out ratio of the most workers over one."""
    from fake_sefaz.emitter.client import headers_for

    auth_headers = headers_for("enviNFe", 12)
    reqs = [_http_request("/NFeAutorizacao4", _sync_envelope(d.xml, i), auth_headers) for i, d in enumerate(docs)]
    levels: list[dict] = []
    offset = 0
    for n in worker_counts:
        url = fresh_postgres_database(database_url, f"fakesefaz_bench_w{n}_{os.getpid()}")
        env = _settings_env({**(overrides or {}), "database_url": url})
        server = ServerProcess(ws, n, "FULL", None, name=f"scale-w{n}", extra_env=env)
        try:
            server.wait_ready()
            f = ws.root / "scale.requests"
            _write_requests(f, reqs[offset:])
            r = _run_client(server.port, f, concurrency, seconds, "<cStat>100</cStat>", False, client_pin)
            offset += r["requests"]
            levels.append({"workers": n, **{k: r[k] for k in ("per_second", "p50_ms", "p99_ms", "requests",
                                                                "unexpected_answers", "http_errors")}})
        finally:
            server.stop()
            drop_postgres_database(url)
    one = next((lv["per_second"] for lv in levels if lv["workers"] == 1), None)
    most = levels[-1]["per_second"] if levels else None
    ratio = round(most / one, 2) if one and most else None
    return {"database": "postgresql", "concurrency": concurrency, "seconds": seconds, "levels": levels,
            "ratio_most_over_one": ratio, "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "targets": {f"{levels[-1]['workers'] if levels else 2}_workers_at_least_{SCALE_OUT_TARGET}x_one":
                        ratio is not None and ratio >= SCALE_OUT_TARGET}}


def _https_levels(ws: Workspace, server: "ServerProcess", status_file: Path, auth_left: list[bytes], concurrency: int,
                  seconds: float, client_pin: str | None) -> dict:
    """The same server over HTTP and over HTTPS with mutual TLS, side by side at one concurrency: status with
    keep-alive on both, status with a fresh handshake per request, and authorization with keep-alive on both (the
    documents split between them). The ratios say what TLS costs an emitter that keeps its connections and one
    that does not."""
    from fake_sefaz.emitter.pki import ensure_test_pki

    pki = ensure_test_pki(ws.certs)
    ident = pki.identity("emitente")
    files = ",".join(map(str, (pki.ca_bundle_file, ident.pem_path, ident.key_path)))
    ok_status, ok_auth = "<cStat>107</cStat>", "<cStat>100</cStat>"
    out: dict[str, Any] = {"concurrency": concurrency}

    def level(port: int, path: Path, ok: str, repeat: bool, tls=None) -> dict:
        # the server's own CPU per request beside the throughput: on a machine where the load client shares the
        # cores, TLS work of the client lowers the throughput without costing the server anything
        before = server.cpu_seconds()
        r = _run_client(port, path, concurrency, seconds, ok, repeat, client_pin, **({"tls": tls} if tls else {}))
        after = server.cpu_seconds()
        if before is not None and after is not None and r.get("requests"):
            r["server_cpu_us_per_request"] = round((after - before) / r["requests"] * 1e6, 1)
        return r

    out["status_http"] = level(server.port, status_file, ok_status, True)
    out["status_https"] = level(server.tls_port, status_file, ok_status, True, ("keepalive", files))
    out["status_https_fresh_handshake"] = level(server.tls_port, status_file, ok_status, True, ("fresh", files))
    half = len(auth_left) // 2
    if half >= 100:
        f = ws.root / "auth-http.requests"
        _write_requests(f, auth_left[:half])
        out["authorization_http"] = level(server.port, f, ok_auth, False)
        f = ws.root / "auth-https.requests"
        _write_requests(f, auth_left[half:])
        out["authorization_https"] = level(server.tls_port, f, ok_auth, False, ("keepalive", files))
    else:
        out["note"] = "too few pre-signed documents left for the authorization comparison"

    def ratio(a: str, b: str) -> float | None:
        x, y = out.get(a), out.get(b)
        return round(x["per_second"] / y["per_second"], 3) if x and y and y.get("per_second") else None

    out["status_https_over_http"] = ratio("status_https", "status_http")
    out["status_fresh_handshake_over_http"] = ratio("status_https_fresh_handshake", "status_http")
    out["authorization_https_over_http"] = ratio("authorization_https", "authorization_http")

    def cpu_ratio(a: str, b: str) -> float | None:
        x, y = (out.get(a) or {}).get("server_cpu_us_per_request"), (out.get(b) or {}).get("server_cpu_us_per_request")
        return round(x / y, 3) if x and y else None

    # what one request costs the server over HTTPS (keep-alive) against HTTP: 1.1 means 10 % more CPU
    out["status_https_server_cpu_over_http"] = cpu_ratio("status_https", "status_http")
    out["authorization_https_server_cpu_over_http"] = cpu_ratio("authorization_https", "authorization_http")
    return out


def run_soak(ws: Workspace, docs, *, seconds: float, rate: float, workers: int, synchronous: str,
             server_pin: str | None, client_pin: str | None, overrides: dict[str, Any] | None = None,
             sample_s: float = 10.0, concurrency: int = 8) -> dict:
    """Authorizations at a steady open-loop `rate` for `seconds`, RSS of every worker sampled every `sample_s`.
    Distinct documents while they last; after that the same ones again (answered 204, still the full pipeline
    but no insert), which the report counts."""
    from fake_sefaz.emitter.client import headers_for

    reqs = [_http_request("/NFeAutorizacao4", _sync_envelope(d.xml, i), headers_for("enviNFe", 12))
            for i, d in enumerate(docs)]
    server = ServerProcess(ws, workers, synchronous, server_pin, name="soak", extra_env=_settings_env(overrides or {}))
    samples, levels = [], []
    offset, sent, started = 0, 0, time.perf_counter()
    try:
        server.wait_ready()
        samples.append({"t_s": 0.0, "rss_mb": server.rss()})
        while time.perf_counter() - started < seconds:
            chunk = reqs[offset:] if offset < len(reqs) else reqs
            f = ws.root / "soak.requests"
            _write_requests(f, chunk)
            r = _run_client(server.port, f, concurrency, sample_s, "<cStat>", True, client_pin, rate=rate)
            offset += r["requests"]
            sent += r["requests"]
            levels.append({k: r[k] for k in ("requests", "per_second", "p50_ms", "p99_ms", "http_errors")})
            samples.append({"t_s": round(time.perf_counter() - started, 1), "rss_mb": server.rss()})
    finally:
        server.stop()
    per_worker = {}
    for s in samples:
        for pid, mb in s["rss_mb"].items():
            per_worker.setdefault(pid, []).append(mb)
    growth = {pid: {"first_mb": v[1] if len(v) > 1 else v[0], "last_mb": v[-1], "max_mb": max(v),
                    "growth_mb": round(v[-1] - (v[1] if len(v) > 1 else v[0]), 1)} for pid, v in per_worker.items()}
    return {"seconds": round(time.perf_counter() - started, 1), "rate": rate, "workers": workers,
            "sqlite_synchronous": synchronous, "requests": sent, "distinct_documents": len(reqs),
            "repeated_requests": max(0, sent - len(reqs)), "samples": samples, "intervals": levels,
            "rss_per_worker": growth,
            "targets": {"steady_rss_at_most_150mb": all(g["max_mb"] <= 150 for g in growth.values())}}


# --- chart ---------------------------------------------------------------------------------------------------------

def write_chart(report: dict, path: Path) -> str | None:
    http = report.get("http")
    if not http:
        return "no HTTP part: no chart"
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install 'fake-sefaz[bench]'): no chart"
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, style in (("status", "o--"), ("authorization", "s-")):
        rows = http[name]
        c = [r["concurrency"] for r in rows]
        ax1.plot(c, [r["per_second"] for r in rows], style, label=name)
        ax2.plot(c, [r["p50_ms"] for r in rows], style, label=f"{name} p50")
        ax2.plot(c, [r["p99_ms"] for r in rows], style, alpha=0.5, label=f"{name} p99")
    for ax in (ax1, ax2):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("concurrent connections")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    ax1.set_ylabel("requests/s")
    ax1.set_title(f"throughput ({http['workers']} worker(s), SQLite {http['sqlite_synchronous']})")
    ax2.set_ylabel("latency ms")
    ax2.set_yscale("log")
    ax2.set_title("latency p50 / p99")
    ip = report.get("in_process", {}).get("pipeline", {})
    fig.suptitle(f"fake-sefaz bench: in-process {ip.get('per_second')} authorizations/s on one core; "
                 f"{report['conditions'].get('cpu_model')}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


# --- entry point -----------------------------------------------------------------------------------------------------

def run_bench(seconds: float = 5.0, items: int = 3, database_dir: str | None = None, *, quick: bool = False,
              http: bool = True, concurrency: tuple[int, ...] = (1, 2, 4, 8, 16, 32), http_seconds: float | None = None,
              workers: int = 1, synchronous: str = "FULL", pin: str | None = "auto", verifier: str | None = None,
              output: str | None = None, chart: str | None = None, jobs: int | None = None,
              corpus: str | None = None, certs_dir: str | None = None, overrides: dict[str, Any] | None = None,
              soak_seconds: float = 0.0, soak_rate: float = 200.0, scale_out: tuple[int, ...] = (),
              scale_out_database: str | None = None) -> dict:
    """Run the bench and return the report (also written to `output` / `chart` when given)."""
    if quick:
        seconds = min(seconds, 1.0)
        concurrency = tuple(concurrency[:2]) if concurrency else (1,)
        http_seconds = 0.5 if http_seconds is None else http_seconds
    http_seconds = http_seconds if http_seconds is not None else max(1.0, seconds / 2)
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    in_pin = server_pin = client_pin = None
    if pin == "auto" and len(cpus) >= 2:
        in_pin = str(cpus[-1])
        client_pin = str(cpus[-1])
        server_pin = ",".join(str(c) for c in cpus[:-1]) if workers <= len(cpus) - 1 else None
    elif pin and pin != "auto" and pin != "none":
        in_pin = client_pin = pin
    ws = Workspace.open(database_dir)
    if certs_dir:
        ws.certs = Path(certs_dir)
    report: dict[str, Any] = {"version": REPORT_VERSION, "conditions": _conditions(in_pin)}
    try:
        t0 = time.perf_counter()
        n_in = max(120, int(seconds * 1400)) + 3040 if not quick else 400
        if corpus:
            from fake_sefaz.emitter.corpus import read_corpus

            manifest, everything = read_corpus(corpus)
            ws.certs = Path(manifest["certs_dir"])
            # Every part uses a fresh database, so the parts may reuse the corpus's documents.
            docs = everything[:n_in]
        else:
            docs = _documents(ws, n_in, items, jobs=jobs)
        report["setup"] = {"signed_documents": len(docs), "signing_seconds": round(time.perf_counter() - t0, 1)}
        previous = os.sched_getaffinity(0) if in_pin and hasattr(os, "sched_setaffinity") else None
        if previous is not None:
            os.sched_setaffinity(0, {int(in_pin)})
        try:
            report["in_process"] = run_in_process(ws, seconds, items, synchronous, docs, verifier, overrides)
        finally:
            if previous is not None:
                os.sched_setaffinity(0, previous)
        if http and concurrency:
            t0 = time.perf_counter()
            # Enough documents for every level at the in-process rate times the workers (plus margin and the
            # open-loop level); a level that runs out ends early and says so.
            est = (report["in_process"]["pipeline"]["per_second"] or 500) * min(workers, len(cpus)) * 1.3
            n_http = int(est * http_seconds * (len(concurrency) + 1)) + 100
            n_http = min(n_http, 60000 if not quick else 2000)  # quick: enough for every short level
            # A fresh database per part: the HTTP part may reuse the documents the in-process part used.
            hdocs = everything[:n_http] if corpus else _documents(ws, n_http, items, jobs=jobs)
            report["setup"]["http_signed_documents"] = len(hdocs)
            report["setup"]["http_signing_seconds"] = round(time.perf_counter() - t0, 1)
            report["http"] = run_http(ws, hdocs, concurrency=tuple(concurrency), seconds=http_seconds, workers=workers,
                                      synchronous=synchronous, server_pin=server_pin, client_pin=client_pin,
                                      verifier=verifier, overrides=overrides)
        if scale_out and scale_out_database:
            est = (report["in_process"]["pipeline"]["per_second"] or 500) * max(scale_out) * 1.3
            sdocs = everything[:int(est * http_seconds * len(scale_out)) + 100] if corpus else _documents(
                ws, min(int(est * http_seconds * len(scale_out)) + 100, 60000), items, jobs=jobs)
            report["scale_out"] = run_scale_out(
                ws, sdocs, database_url=scale_out_database, worker_counts=tuple(scale_out),
                concurrency=max(concurrency) if concurrency else 16, seconds=http_seconds, client_pin=client_pin,
                overrides={**(overrides or {}), **({"signature_verifier": verifier} if verifier else {})})
        if soak_seconds and http:
            n_soak = int(min(soak_rate * soak_seconds, 60000))
            sdocs = everything[:n_soak] if corpus else _documents(ws, n_soak, items, jobs=jobs)
            report["soak"] = run_soak(ws, sdocs, seconds=soak_seconds, rate=soak_rate, workers=workers,
                                      synchronous=synchronous, server_pin=server_pin, client_pin=client_pin,
                                      overrides={**(overrides or {}),
                                                 **({"signature_verifier": verifier} if verifier else {})})
        if chart:
            problem = write_chart(report, Path(chart))
            report["chart"] = problem or str(chart)
        if output:
            Path(output).write_text(json.dumps(report, indent=2))
    finally:
        ws.close()
    return report


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        sys.exit(client_main(sys.argv[2:]))
    print("usage: fake-sefaz bench (this module's `client` mode is the HTTP load client)", file=sys.stderr)
    sys.exit(2)
