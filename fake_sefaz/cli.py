"""Command line: serve, certs, send, bench... Every option also reads its FAKE_SEFAZ_* variable.

A person's mistake (a bad option or variable, a missing file, a wrong password, an address where nothing listens)
ends in one line on stderr and exit code 2 (1 when the failure is the other side's); --verbose shows the
traceback."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from fake_sefaz.server.settings import SettingsError, load_settings


DATABASE_HELP = ("sqlite:///path.db or postgresql://... "
                 "[FAKE_SEFAZ_DATABASE_URL, default sqlite:///<data-dir>/fake-sefaz.db]")


class DefaultsHelp(argparse.ArgumentDefaultsHelpFormatter):
    """--help shows each option's default; options read from settings name theirs in the help text instead."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class UsageError(Exception):
    """A mistake of the person at the keyboard: one line, exit code 2."""


def _settings(args: argparse.Namespace, **extra):
    return load_settings(
        host=getattr(args, "host", None), port=getattr(args, "port", None), workers=getattr(args, "workers", None),
        database_url=getattr(args, "database_url", None), uf=getattr(args, "uf", None),
        tpAmb=getattr(args, "tpAmb", None), data_dir=getattr(args, "data_dir", None),
        certs_dir=getattr(args, "certs_dir", None), **extra,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from fake_sefaz.server.serve import serve

    settings = _settings(args, tls_port=getattr(args, "tls_port", None), proxy_port=getattr(args, "proxy_port", None))
    listeners = []
    if settings.http_enabled:
        listeners.append(f"http://{settings.host}:{settings.port}/")
    if settings.tls_port:
        from fake_sefaz.server.tls import server_context, server_files

        server_context(settings)  # a certificate or key that cannot be used: one line, before the banner
        listeners.append(f"https://{settings.host}:{settings.tls_port}/ (server certificate "
                         f"{server_files(settings)[0]}, client certificate required)")
    if not listeners:
        raise UsageError("http_enabled=false and no tls_port: nothing to listen on")
    if settings.proxy_port:
        if not settings.tls_port:
            raise UsageError("--proxy-port needs --tls-port: the proxy tunnels the SEFAZ hostnames to HTTPS")
        listeners.append(f"an HTTPS proxy on http://{settings.host}:{settings.proxy_port} (HTTPS_PROXY)")
    print(f"fake-sefaz: UF {settings.uf}, tpAmb {settings.tpAmb}, {settings.database_url}, "
          f"{settings.workers} worker(s) on {' and '.join(listeners)}", flush=True)
    serve(settings)
    return 0


def cmd_hosts(args: argparse.Namespace) -> int:
    """The /etc/hosts lines of hosts mode: every real SEFAZ web-service host pointed at the fake."""
    from fake_sefaz.domain import hosts

    print("# fake-sefaz hosts mode: real SEFAZ web-service hostnames -> the fake (remove to reach the real ones)")
    for line in hosts.hosts_file_lines(args.address):
        print(line)
    return 0


def cmd_certs(args: argparse.Namespace) -> int:
    from fake_sefaz.emitter.pki import ensure_test_pki

    settings = _settings(args)
    pki = ensure_test_pki(settings.certs_path)
    rows = []
    for name in pki.names:
        ident = pki.identity(name)
        rows.append({"name": name, "cnpj": ident.cnpj, "pfx": str(ident.pfx_path), "pem": str(ident.pem_path)})
    print(json.dumps({"directory": str(pki.directory), "password": pki.password,
                      "trust_anchors": [str(p) for p in pki.trust_anchor_files],
                      "ca_bundle": str(pki.ca_bundle_file),
                      "server": {"pem": str(pki.server_cert_file), "key": str(pki.server_key_file)},
                      "identities": rows}, indent=2))
    return 0


def _client(args: argparse.Namespace):
    """The SOAP client of the flow commands. Over https:// it presents a client certificate (mutual TLS, as the
    real authorizers demand): --certificate PFX, else the test identity (--identity, default emitente); and it
    trusts --ca, else the test CA bundle (the fake's server certificate)."""
    import ssl

    import httpx

    from fake_sefaz.emitter.client import SoapClient
    from fake_sefaz.tools.flow import base_url

    url = base_url(args.url)
    if "://" not in url:
        raise UsageError(f"--url {args.url}: give a scheme, e.g. http://127.0.0.1:8080 or https://localhost:8443")
    http = None
    if url.startswith("https://"):
        from fake_sefaz.emitter.pki import ensure_test_pki

        settings = _settings(args)
        pki = ensure_test_pki(settings.certs_path)
        ca = getattr(args, "ca", None) or str(pki.ca_bundle_file)
        try:
            ctx = ssl.create_default_context(cafile=ca)
        except (OSError, ssl.SSLError) as err:
            raise UsageError(f"--ca {ca}: not a PEM file of CA certificates ({err})") from None
        if getattr(args, "certificate", None):
            ident = identity_from_pfx(args.certificate, args.password or "", Path(settings.data_dir) / "client-cert")
        else:
            ident = pki.identity(getattr(args, "identity", None) or "emitente")
        ctx.load_cert_chain(str(ident.pem_path), str(ident.key_path))
        http = httpx.Client(verify=ctx, timeout=args.timeout)
    return SoapClient(url, version=args.soap, zipped=getattr(args, "zip", False), timeout=args.timeout, http=http)


def _signer(args: argparse.Namespace, settings):
    from fake_sefaz.emitter.pki import ensure_test_pki
    from fake_sefaz.emitter.signer import Signer

    pki = ensure_test_pki(settings.certs_path)
    if args.identity not in pki.names:
        raise UsageError(f"--identity {args.identity}: not a test identity (one of {', '.join(pki.names)})")
    ident = pki.identity(args.identity)
    return ident, Signer(ident)


def _report(args: argparse.Namespace, outcome) -> int:
    if args.xml:
        print(outcome.xml())
    elif args.json:
        print(outcome.as_json())
    else:
        print(outcome.line())
    return 0 if outcome.ok else 1


def cmd_status(args: argparse.Namespace) -> int:
    from fake_sefaz.tools import flow

    settings = _settings(args)
    return _report(args, flow.status(_client(args), settings.tpAmb, settings.cUF))


def cmd_send(args: argparse.Namespace) -> int:
    from fake_sefaz.emitter.factory import NFeFactory
    from fake_sefaz.tools import flow

    settings = _settings(args)
    ident, signer = _signer(args, settings)
    factory = NFeFactory(seed=args.seed, uf=settings.uf, tpAmb=settings.tpAmb, cnpj=ident.cnpj, razao=ident.razao,
                         ie=flow.stable_ie(ident.cnpj, settings.uf))
    build = factory.build_nfce if args.model == 65 else factory.build
    client = _client(args)
    code = 0
    for _ in range(args.count):
        outcome = flow.send(client, signer.sign_nfe(build()), sync=args.sync, tpAmb=settings.tpAmb,
                            wait_s=args.wait)
        code = max(code, _report(args, outcome))
        if args.query and outcome.extra.get("key"):
            code = max(code, _report(args, flow.query(client, outcome.extra["key"], tpAmb=settings.tpAmb)))
    return code


def cmd_receipt(args: argparse.Namespace) -> int:
    from fake_sefaz.tools import flow

    settings = _settings(args)
    return _report(args, flow.receipt(_client(args), args.nrec, tpAmb=settings.tpAmb, wait_s=args.wait))


def _key(value: str) -> str:
    value = value.strip().removeprefix("NFe")
    if len(value) != 44 or not value.isdigit():
        raise UsageError(f"{value!r}: an access key has 44 digits")
    return value


def cmd_query(args: argparse.Namespace) -> int:
    from fake_sefaz.tools import flow

    settings = _settings(args)
    return _report(args, flow.query(_client(args), _key(args.key), tpAmb=settings.tpAmb))


def cmd_cancel(args: argparse.Namespace) -> int:
    from fake_sefaz.tools import flow

    settings = _settings(args)
    ident, signer = _signer(args, settings)
    key = _key(args.key)
    return _report(args, flow.cancel(_client(args), signer, key=key, author=key[6:20], tpAmb=settings.tpAmb,
                                     nProt=args.nprot, justification=args.justification, when=_now(settings)))


def cmd_cce(args: argparse.Namespace) -> int:
    from fake_sefaz.tools import flow

    settings = _settings(args)
    ident, signer = _signer(args, settings)
    key = _key(args.key)
    return _report(args, flow.cce(_client(args), signer, key=key, author=key[6:20], tpAmb=settings.tpAmb,
                                  text=args.text, seq=args.seq, when=_now(settings)))


def _an_client(args: argparse.Namespace, tpAmb: int):
    from fake_sefaz.tools import flow

    client = _client(args)
    client.base_url = flow.an_url(client.base_url, tpAmb)
    return client


def cmd_distdfe(args: argparse.Namespace) -> int:
    from fake_sefaz.tools import flow

    settings = _settings(args)
    ident, _ = _signer(args, settings)
    party = args.cnpj or args.cpf or ident.cnpj or ident.cpf
    return _report(args, flow.distdfe(_an_client(args, settings.tpAmb), party, args.out, tpAmb=settings.tpAmb,
                                      now=_now(settings).timestamp()))


def cmd_manifest(args: argparse.Namespace) -> int:
    from fake_sefaz.tools import flow

    settings = _settings(args)
    ident, signer = _signer(args, settings)
    return _report(args, flow.manifest(_an_client(args, settings.tpAmb), signer, key=_key(args.key),
                                       author=ident.cnpj or ident.cpf, kind=args.type, tpAmb=settings.tpAmb,
                                       when=_now(settings), justification=args.justification, seq=args.seq))


def cmd_inutilize(args: argparse.Namespace) -> int:
    from fake_sefaz.tools import flow

    settings = _settings(args)
    ident, signer = _signer(args, settings)
    if not 1 <= args.first <= args.last <= 999_999_999:
        raise UsageError(f"--first {args.first} --last {args.last}: give 1 <= first <= last <= 999999999")
    now = _now(settings)
    return _report(args, flow.inutilize(_client(args), signer, cnpj=ident.cnpj, first=args.first, last=args.last,
                                        serie=args.serie, mod=args.model, cUF=settings.cUF, tpAmb=settings.tpAmb,
                                        year=now.year, justification=args.justification))


def _now(settings):
    from datetime import datetime

    from fake_sefaz.domain import ufs

    return datetime.now(ufs.tz_of(settings.cUF))


def cmd_bench(args: argparse.Namespace) -> int:
    from fake_sefaz.tools.bench import run_bench

    concurrency = tuple(int(c) for c in args.concurrency.split(",") if c.strip())
    if args.scale_out and not args.scale_out_database:
        raise UsageError("--scale-out needs --scale-out-database postgresql://user@host:5432/db")
    if args.scale_out and not all(w.strip().isdigit() and int(w) > 0 for w in args.scale_out.split(",")):
        raise UsageError(f"--scale-out {args.scale_out}: give worker counts such as 1,2")
    if args.scale_out_database and not args.scale_out_database.startswith(("postgresql://", "postgres://")):
        raise UsageError(f"--scale-out-database {args.scale_out_database}: give a postgresql:// URL")
    report = run_bench(seconds=args.seconds, items=args.items, database_dir=args.dir, quick=args.quick,
                       http=not args.no_http, concurrency=concurrency, http_seconds=args.http_seconds,
                       workers=args.workers, synchronous=args.sqlite_synchronous, pin=args.pin,
                       verifier=args.signature_verifier, output=args.output, chart=args.chart, jobs=args.jobs,
                       corpus=args.corpus, certs_dir=args.certs_dir,
                       overrides=dict(kv.split("=", 1) for kv in args.set or ()),
                       soak_seconds=args.soak_seconds, soak_rate=args.soak_rate,
                       scale_out=tuple(int(w) for w in args.scale_out.split(",") if w.strip()) if args.scale_out else (),
                       scale_out_database=args.scale_out_database)
    text = json.dumps(report, indent=2)
    print(text if args.verbose else json.dumps(_bench_summary(report), indent=2))
    if report.get("in_process", {}).get("budgets"):
        from fake_sefaz.tools.bench import budget_table

        print("\nStages against their own primitives (issue 18 targets):\n" + budget_table(report["in_process"]["budgets"]))
    return 0


def _bench_summary(report: dict) -> dict:
    """The headline numbers of a bench report (the full report goes to --output)."""
    ip = report.get("in_process", {})
    out = {"conditions": report.get("conditions"),
           "in_process": {"authorizations_per_second": ip.get("pipeline", {}).get("per_second"),
                          "pipeline_median_us": ip.get("pipeline", {}).get("median_us"),
                          "stages_median_us": {k: v["median_us"] for k, v in ip.get("stages", {}).items()},
                          "primitives_median_us": {k: v["median_us"] for k, v in ip.get("primitives", {}).items()},
                          "pipeline_over_primitives": ip.get("pipeline_over_primitives"),
                          "budgets": ip.get("budgets"),
                          "errors": ip.get("pipeline", {}).get("errors"), "targets": ip.get("targets")}}
    http = report.get("http")
    if http:
        out["http"] = {name: [{k: r[k] for k in ("concurrency", "per_second", "p50_ms", "p99_ms")} for r in http[name]]
                       for name in ("status", "authorization")}
        out["http"]["authorization_over_status"] = http.get("authorization_over_status")
        out["http"]["targets"] = http.get("targets")
        at = http.get("authorization_at_fraction_of_best")
        if at:
            out["http"]["authorization_open_loop"] = {k: at[k] for k in ("rate", "per_second", "p50_ms", "p99_ms")}
    if report.get("scale_out"):
        out["scale_out"] = {k: report["scale_out"][k] for k in ("levels", "ratio_most_over_one", "targets")}
    if report.get("soak"):
        out["soak"] = {k: report["soak"][k] for k in ("seconds", "rate", "requests", "repeated_requests",
                                                       "rss_per_worker", "targets")}
    if "chart" in report:
        out["chart"] = report["chart"]
    return out


def cmd_corpus(args: argparse.Namespace) -> int:
    from fake_sefaz.emitter.corpus import CorpusSpec, write_corpus

    settings = _settings(args)
    spec = CorpusSpec(count=args.count, model=args.model, items=args.items, uf=settings.uf, tpAmb=settings.tpAmb,
                      serie=args.serie, first_nnf=args.first_nnf, issuers=tuple(args.issuers.split(",")),
                      certs_dir=str(settings.certs_path), taxes=tuple(args.taxes.split(",")))
    manifest = write_corpus(args.out, spec, jobs=args.jobs, progress=True)
    print(json.dumps(manifest, indent=2))
    return 0


def identity_from_pfx(path: str, password: str, directory: Path):
    """An Identity from an A1 certificate file; a wrong path or password is the person's mistake (exit 2)."""
    from fake_sefaz.emitter import pki

    try:
        return pki.identity_from_pfx(path, password, directory)
    except ValueError as err:
        raise UsageError(str(err)) from None


def cmd_conformance(args: argparse.Namespace) -> int:
    """A thin wrapper over the pytest collection of the scenario files (tools/scenario_items.py): -k, JUnit XML,
    progress and the summary are pytest's; this command only turns its flags into pytest arguments."""
    import contextlib
    import io
    import os
    import tempfile

    import pytest

    from fake_sefaz.tools.conformance.scenario import default_directory
    from fake_sefaz.tools.scenario_items import ConformanceRun

    settings = _settings(args)
    directory = Path(args.scenarios).resolve() if args.scenarios else default_directory()
    if not directory.is_dir():
        raise UsageError(f"--scenarios {directory}: no such directory")
    with tempfile.TemporaryDirectory(prefix="fake-sefaz-conformance-") as tmp:
        certificate = identity_from_pfx(args.certificate, args.password or "", Path(tmp)) if args.certificate else None
        ini = Path(tmp) / "pytest.ini"  # the caller's own pytest configuration stays out of the run
        ini.write_text("[pytest]\n")
        argv = [str(directory), "-c", str(ini), "--rootdir", str(directory), "--confcutdir", str(directory),
                "-p", "no:cacheprovider", "-o", f"fake_sefaz_scenarios={directory.name}",
                "--sefaz-timeout", str(args.timeout), "-rfEs"]
        if args.endpoint:
            argv += ["--sefaz-endpoint", args.endpoint]
        if args.pattern:
            argv += ["-k", args.pattern]
        if args.junit:
            argv += ["--junitxml", os.path.abspath(args.junit)]
        if args.quiet:
            argv += ["-q"]
        run = ConformanceRun(settings, certificate)
        if args.list:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                code = pytest.main([*argv, "--collect-only", "-q"], plugins=[run])
            if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
                print(out.getvalue(), end="")  # a broken scenario file: pytest's collection error names it
                return 1
            for sc in run.collected:
                print(f"{sc.name:<50} {','.join(map(str, sorted(sc.codes())))}  {sc.file}")
            return 0
        code = pytest.main(argv, plugins=[run])
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print(f"fake-sefaz conformance: no scenario in {directory}" + (f" matches -k {args.pattern!r}"
                                                                        if args.pattern else ""), file=sys.stderr)
        return 1
    return {pytest.ExitCode.OK: 0, pytest.ExitCode.TESTS_FAILED: 1}.get(code, 2)


def cmd_registry(args: argparse.Namespace) -> int:
    import time

    from fake_sefaz.domain.taxpayers import dump_file
    from fake_sefaz.store.registry import load_file
    from fake_sefaz.store import open_store

    settings = _settings(args)
    if args.registry_command == "generate":
        from fake_sefaz.emitter.registry_gen import generate

        if not args.out and not args.load:
            print("registry generate: give --out FILE and/or --load", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        taxpayers = list(generate(args.count, args.uf or settings.uf, seed=args.seed))
        report = {"generated": len(taxpayers), "generate_s": round(time.perf_counter() - t0, 2)}
        if args.out:
            t0 = time.perf_counter()
            dump_file(taxpayers, args.out)
            report.update(out=args.out, write_s=round(time.perf_counter() - t0, 2))
            if args.count > 10_000 and not args.out.lower().endswith(".json"):
                report["hint"] = "large registries load about 5x faster from .json than from YAML"
        if args.load:
            from fake_sefaz.store import registry as sql

            store = open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
            t0 = time.perf_counter()
            n = store.run(lambda tx: sql.upsert_many(tx, (t.row() for t in taxpayers)))
            report.update(loaded=n, database=settings.database_url, load_s=round(time.perf_counter() - t0, 2))
            store.close()
        print(json.dumps(report))
        return 0
    store = open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        t0 = time.perf_counter()
        n = load_file(store, args.file, force=args.force)
        print(json.dumps({"loaded": n, "file": args.file, "database": settings.database_url,
                          "seconds": round(time.perf_counter() - t0, 2),
                          "note": "" if n else "already loaded (same content): use --force"}))
    finally:
        store.close()
    return 0


def cmd_contingency(args: argparse.Namespace) -> int:
    """Flip a UF into SVC contingency (its own authorizer paused) and back, through the running server's admin API
    (web/admin_contingency.py); prints the UF's state as JSON."""
    import httpx

    from fake_sefaz.tools.flow import base_url

    url = base_url(args.url).rstrip("/")
    if "://" not in url:
        raise UsageError(f"--url {args.url}: give a scheme, e.g. http://127.0.0.1:8080")
    path = f"{url}/admin/contingency/{args.uf}" + (f"?tpAmb={args.tpAmb}" if args.tpAmb else "")
    headers = {"Authorization": f"Bearer {args.admin_token}"} if args.admin_token else {}
    with httpx.Client(timeout=args.timeout, headers=headers) as http:
        if args.action == "on":
            body: dict = {"pause": None if args.no_pause else args.pause, "reason": args.reason}
            if args.end:
                body["end"] = args.end
            r = http.put(path, json=body)
        elif args.action == "off":
            r = http.request("DELETE", path, json={"overlap_minutes": args.overlap})
        else:
            r = http.get(f"{url}/admin/contingency")
    if r.status_code >= 400:
        try:
            detail = r.json().get("error", r.text)
        except ValueError:
            detail = r.text
        raise UsageError(f"{args.uf}: HTTP {r.status_code}: {detail}")
    print(json.dumps(r.json(), ensure_ascii=False, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fake-sefaz", description="A local SEFAZ NF-e/NFC-e 4.00 authorizer.")
    p.add_argument("--verbose", dest="traceback", action="store_true",
                   help="show the traceback of a failure instead of one line")
    sub = p.add_subparsers(dest="command", required=True)
    plain_add = sub.add_parser

    def add_parser(name: str, **kw) -> argparse.ArgumentParser:
        # every option shows its default in --help
        kw.setdefault("formatter_class", DefaultsHelp)
        return plain_add(name, **kw)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--uf", help="UF served (sigla or code) [FAKE_SEFAZ_UF, default SP]")
        sp.add_argument("--tpAmb", "--environment", dest="tpAmb", type=int, choices=(1, 2),
                        help="1 produção, 2 homologação [FAKE_SEFAZ_TPAMB, default 2]")
        sp.add_argument("--data-dir", help="state directory [FAKE_SEFAZ_DATA_DIR, default .fake-sefaz]")
        sp.add_argument("--certs-dir", help="test PKI directory [FAKE_SEFAZ_CERTS_DIR, default <data-dir>/certs]")

    s = sub.add_parser("serve", help="run the authorizer")
    common(s)
    s.add_argument("--host", help="address to listen on [FAKE_SEFAZ_HOST, default 127.0.0.1]")
    s.add_argument("--port", type=int, help="port to listen on, 1-65535 [FAKE_SEFAZ_PORT, default 8080]")
    s.add_argument("--workers", type=int, help="worker processes [FAKE_SEFAZ_WORKERS, default 1]")
    s.add_argument("--database-url", help=DATABASE_HELP)
    s.add_argument("--tls-port", type=int, help="also serve HTTPS with mutual TLS on this port, 0 for none "
                                                "[FAKE_SEFAZ_TLS_PORT, default 0]")
    s.add_argument("--proxy-port", type=int, help="proxy mode: an HTTPS proxy (CONNECT) on this port sends the real "
                                                  "SEFAZ hostnames to the HTTPS listener [FAKE_SEFAZ_PROXY_PORT, "
                                                  "default 0]")
    s.set_defaults(func=cmd_serve)

    h = sub.add_parser("hosts", help="print the /etc/hosts lines that point the real SEFAZ hostnames at the fake")
    h.add_argument("--address", default="127.0.0.1", help="address the names should resolve to")
    h.set_defaults(func=cmd_hosts)

    ct = sub.add_parser("contingency", help="flip a UF into SVC contingency (its authorizer paused) and back, on a "
                                            "running server: contingency SP on | off | show")
    ct.add_argument("uf", help="the UF (sigla or code)")
    ct.add_argument("action", choices=("on", "off", "show"), help="on: SVC active, own authorizer paused; off: "
                                                                   "own authorizer back, SVC closes after the overlap")
    ct.add_argument("--url", default="http://127.0.0.1:8080", help="the running server's base URL")
    ct.add_argument("--tpAmb", type=int, choices=(1, 2), help="environment (default: the server's)")
    ct.add_argument("--pause", type=int, choices=(108, 109), default=108, help="what the UF's own services answer")
    ct.add_argument("--no-pause", action="store_true", help="switch SVC on without pausing the UF's authorizer")
    ct.add_argument("--reason", default="", help="xObs of the paused status answer")
    ct.add_argument("--end", help="scheduled end of the SVC window (ISO 8601 with offset)")
    ct.add_argument("--overlap", type=float, default=15.0, help="off: minutes the SVC stays open (NT 2013.007: 15)")
    ct.add_argument("--admin-token", help="the server's admin_token, when calling from another host")
    ct.add_argument("--timeout", type=float, default=10.0, help="seconds")
    ct.set_defaults(func=cmd_contingency)

    c = sub.add_parser("certs", help="make (once) and list the test CA and e-CNPJ certificates")
    common(c)
    c.set_defaults(func=cmd_certs)

    def client_side(sp: argparse.ArgumentParser, signs: bool = True) -> None:
        common(sp)
        sp.add_argument("--url", default="http://127.0.0.1:8080",
                        help="the authorizer's base URL (a URL ending in a service name is accepted)")
        sp.add_argument("--soap", type=int, choices=(11, 12), default=12, help="SOAP version")
        sp.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout per request (seconds)")
        sp.add_argument("--certificate", help="https: A1 certificate (PFX) to present as TLS client certificate "
                                              "(default: the test identity's)")
        sp.add_argument("--password", help="password of --certificate")
        sp.add_argument("--ca", help="https: PEM file of the CAs to trust for the server certificate "
                                     "(default: the test CA bundle, <certs>/ca-bundle.pem)")
        out = sp.add_mutually_exclusive_group()
        out.add_argument("--xml", action="store_true", help="print the raw SOAP answer(s)")
        out.add_argument("--json", action="store_true", help="print one JSON object per answer, for scripts")
        if signs:
            sp.add_argument("--identity", default="emitente", help="test certificate to sign with")

    st = sub.add_parser("status", help="NFeStatusServico4: is the authorizer up? (exit 0 on 107)")
    client_side(st, signs=False)
    st.set_defaults(func=cmd_status)

    d = sub.add_parser("send", help="build, sign and authorize NF-e/NFC-e (exit 0 when every one gets 100)")
    client_side(d)
    d.add_argument("--count", type=int, default=1, help="documents, sent one per lot")
    d.add_argument("--model", type=int, choices=(55, 65), default=55, help="55 NF-e, 65 NFC-e")
    d.add_argument("--async", dest="sync", action="store_false", help="indSinc=0, then poll the receipt")
    d.add_argument("--wait", type=float, default=30.0, help="--async: poll the receipt for at most this long")
    d.add_argument("--zip", action="store_true", help="send nfeDadosMsgZip")
    d.add_argument("--query", action="store_true", help="query each key afterwards")
    d.add_argument("--seed", type=int, help="factory seed (same seed, same documents)")
    d.set_defaults(func=cmd_send)

    rc = sub.add_parser("receipt", help="NFeRetAutorizacao4: the result of an async lot (exit 0 on 100)")
    client_side(rc, signs=False)
    rc.add_argument("nrec", help="the receipt number (nRec)")
    rc.add_argument("--wait", type=float, default=0.0, help="poll while the lot is in processing (105)")
    rc.set_defaults(func=cmd_receipt)

    q = sub.add_parser("query", help="NFeConsultaProtocolo4: a key's situation (exit 0 on 100/101/150/151)")
    client_side(q, signs=False)
    q.add_argument("key", help="the 44-digit access key")
    q.set_defaults(func=cmd_query)

    cn = sub.add_parser("cancel", help="NFeRecepcaoEvento4 110111: cancel an authorized NF-e (exit 0 on 135/155)")
    client_side(cn)
    cn.add_argument("key", help="the 44-digit access key")
    cn.add_argument("--nprot", help="its authorization protocol (default: looked up with a query)")
    cn.add_argument("--justification", help="xJust, 15-255 characters")
    cn.set_defaults(func=cmd_cancel)

    cc = sub.add_parser("cce", help="NFeRecepcaoEvento4 110110: a Carta de Correção (exit 0 on 135)")
    client_side(cc)
    cc.add_argument("key", help="the 44-digit access key")
    cc.add_argument("--text", required=True, help="xCorrecao, 15-1000 characters")
    cc.add_argument("--seq", type=int, default=1, help="nSeqEvento (1-20)")
    cc.set_defaults(func=cmd_cce)

    dd = sub.add_parser("distdfe", help="NFeDistribuicaoDFe at the AN: fetch every pending document into a folder "
                                        "(exit 0 on 137/138)")
    client_side(dd)
    dd.add_argument("--cnpj", help="the interested CNPJ (default: the --identity's)")
    dd.add_argument("--cpf", help="the interested CPF")
    dd.add_argument("--out", required=True, help="folder for <NSU>-<schema>.xml and the ultNSU cursor (ultNSU.json)")
    dd.set_defaults(func=cmd_distdfe)

    mf = sub.add_parser("manifest", help="the recipient's manifestação at the AN, 2102x0 (exit 0 on 135)")
    client_side(mf)
    mf.add_argument("key", help="the 44-digit access key")
    mf.add_argument("--type", required=True, choices=("ciencia", "confirmacao", "desconhecimento", "nao-realizada"),
                    help="210210 Ciência, 210200 Confirmação, 210220 Desconhecimento, 210240 Operação não Realizada")
    mf.add_argument("--justification", help="xJust (15-255 characters; required for nao-realizada)")
    mf.add_argument("--seq", type=int, default=1, help="nSeqEvento (1, or 2 for a second conclusive event)")
    mf.set_defaults(func=cmd_manifest)

    iu = sub.add_parser("inutilize", help="NFeInutilizacao4: void a range of numbers (exit 0 on 102)")
    client_side(iu)
    iu.add_argument("--first", type=int, required=True, help="first number")
    iu.add_argument("--last", type=int, required=True, help="last number")
    iu.add_argument("--serie", type=int, default=1, help="series of the numbers")
    iu.add_argument("--model", type=int, choices=(55, 65), default=55, help="55 NF-e, 65 NFC-e")
    iu.add_argument("--justification", help="xJust, 15-255 characters")
    iu.set_defaults(func=cmd_inutilize)

    k = sub.add_parser("conformance", help="play scenarios/*.yaml against the in-process server or any endpoint")
    common(k)
    k.add_argument("--endpoint", help="base URL of the authorizer to test (default: an in-process fake)")
    k.add_argument("--certificate", help="A1 certificate (PFX) to sign with and issue as, instead of the test PKI's")
    k.add_argument("--password", help="password of --certificate")
    k.add_argument("-k", dest="pattern", help="only scenarios whose name contains this ('a or b', 'not c')")
    k.add_argument("--junit", help="write JUnit XML here")
    k.add_argument("--scenarios", help="directory of scenario files (default: the project's scenarios/)")
    k.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout per request (seconds)")
    k.add_argument("--list", action="store_true", help="list the scenarios and the codes they show")
    k.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    k.set_defaults(func=cmd_conformance)
    r = sub.add_parser("registry", help="taxpayer registry: generate fake taxpayers, load a file")
    rsub = r.add_subparsers(dest="registry_command", required=True)
    plain_radd = rsub.add_parser
    rsub.add_parser = lambda name, **kw: plain_radd(  # type: ignore[method-assign]
        name, formatter_class=DefaultsHelp, **kw)
    g = rsub.add_parser("generate", help="generate taxpayers with valid CNPJ/CPF and IE check digits")
    common(g)
    g.add_argument("--count", type=int, default=1000, help="taxpayers to generate")
    g.add_argument("--seed", type=int, default=0, help="same seed, same taxpayers")
    g.add_argument("--out", help="write them to this file (.json, else YAML) in the registry_file format")
    g.add_argument("--load", action="store_true", help="upsert them into the database")
    g.add_argument("--database-url", help=DATABASE_HELP)
    g.set_defaults(func=cmd_registry)
    ld = rsub.add_parser("load", help="upsert a YAML/JSON registry file into the database")
    common(ld)
    ld.add_argument("file", help="YAML or JSON registry file (format: docs/readme/registry.md)")
    ld.add_argument("--force", action="store_true", help="load even if this content was loaded before")
    ld.add_argument("--database-url", help=DATABASE_HELP)
    ld.set_defaults(func=cmd_registry)

    k = sub.add_parser("corpus", help="pre-sign distinct NF-e/NFC-e for load tests (loadtests/, Locust)")
    common(k)
    k.add_argument("--count", type=int, default=5000, help="documents to sign")
    k.add_argument("--out", required=True, help="directory to write manifest.json and documents.tsv into")
    k.add_argument("--model", type=int, choices=(55, 65), default=55, help="55 NF-e, 65 NFC-e")
    k.add_argument("--items", type=int, default=3, help="items per document")
    k.add_argument("--serie", type=int, default=0, help="series of every document (default: random 1-899)")
    k.add_argument("--first-nnf", type=int, default=0, help="first nNF (default: random); numbers are consecutive")
    k.add_argument("--issuers", default="emitente,emitente-filial,outro", help="test PKI identities, round robin")
    k.add_argument("--jobs", type=int, help="signing processes (default: all CPUs)")
    k.add_argument("--taxes", default="normal", help="factory tax profiles, round robin: normal, simples, st, ipi, "
                   "difal, import, services (NFC-e: normal, simples)")
    k.set_defaults(func=cmd_corpus)

    b = sub.add_parser("bench", help="cost of authorization in process and over HTTP; JSON report and PNG chart")
    b.add_argument("--seconds", type=float, default=5.0, help="in-process pipeline run time")
    b.add_argument("--items", type=int, default=3, help="items per NF-e (3 gives ~7 KB signed)")
    b.add_argument("--dir", help="where to keep the bench databases and PKI (default: a temporary directory)")
    b.add_argument("--output", help="write the full JSON report here")
    b.add_argument("--chart", help="write the PNG chart here (needs matplotlib: pip install 'fake-sefaz[bench]')")
    b.add_argument("--quick", action="store_true", help="a few seconds in all: checks the bench works (CI)")
    b.add_argument("--no-http", action="store_true", help="in-process part only")
    b.add_argument("--concurrency", default="1,2,4,8,16,32", help="HTTP concurrency levels, comma-separated")
    b.add_argument("--http-seconds", type=float, help="seconds per HTTP level (default: seconds/2)")
    b.add_argument("--workers", type=int, default=1, help="server worker processes for the HTTP part")
    b.add_argument("--sqlite-synchronous", default="FULL", choices=("FULL", "NORMAL", "OFF"),
                   help="SQLite durability of the bench databases")
    b.add_argument("--signature-verifier", choices=("xmlsec", "fast"), help="default: the server's setting")
    b.add_argument("--pin", default="auto", help="'auto' (in-process and client on the last CPU, server on the "
                   "others when workers fit), a CPU number, or 'none'")
    b.add_argument("--jobs", type=int, help="processes that pre-sign the documents (default: all CPUs)")
    b.add_argument("--set", action="append", metavar="SETTING=VALUE",
                   help="a server setting for both parts, e.g. --set soap_executor=thread (repeatable)")
    b.add_argument("--soak-seconds", type=float, default=0.0, help="after the HTTP part, authorize at --soak-rate "
                   "for this long and sample each worker's RSS every 10 s")
    b.add_argument("--soak-rate", type=float, default=200.0, help="requests/s of the soak (open loop)")
    b.add_argument("--scale-out", help="worker counts for the scale-out part on PostgreSQL, e.g. 1,2 (needs "
                                       "--scale-out-database)")
    b.add_argument("--scale-out-database", help="a PostgreSQL URL (postgresql://user@127.0.0.1:5432/x); the bench "
                                                "creates and drops a fresh database per worker count on that server")
    b.add_argument("--certs-dir", help="test PKI to sign with and trust (default: <dir>/certs, made if missing)")
    b.add_argument("--corpus", help="use this pre-signed corpus (fake-sefaz corpus) instead of signing documents; "
                   "it must be fresh (unused keys) and hold enough documents")
    b.add_argument("--verbose", action="store_true", help="print the full report, not the summary")
    b.set_defaults(func=cmd_bench)
    return p


def _one_line(err: BaseException) -> tuple[str, int]:
    """(message, exit code) for a failure the person can act on; ("", 0) for anything else."""
    import httpx

    from fake_sefaz.store.base import StoreError

    from fake_sefaz.tools.conformance.scenario import ScenarioError

    if isinstance(err, (SettingsError, UsageError, ScenarioError)):
        return str(err), 2
    if isinstance(err, OSError) and err.filename:
        return f"{err.filename}: {err.strerror or err}", 2
    if isinstance(err, httpx.UnsupportedProtocol):
        return f"{err.request.url if err._request else ''}: not an http:// or https:// URL".lstrip(": "), 2
    if isinstance(err, httpx.InvalidURL):
        return f"invalid URL: {err}", 2
    if isinstance(err, httpx.TransportError):
        where = err.request.url if err._request else "the server"
        return f"cannot reach {where}: {err or type(err).__name__}", 1
    if isinstance(err, StoreError):
        return f"database: {err}", 1
    return "", 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        if args.traceback:
            raise
        message, code = _one_line(err)
        if not code:
            message, code = f"{type(err).__name__}: {err} (run with --verbose for the traceback)", 1
        print(f"fake-sefaz {args.command}: {' '.join(message.split())}", file=sys.stderr)  # one line
        return code


if __name__ == "__main__":
    sys.exit(main())
