"""Does a large taxpayer registry slow authorization? In-process, real backend, no HTTP.

    python loadtests/registry_bench.py [--n 300] [--taxpayers 100000]

Sends the same kind of signed NF-e (one per lot, indSinc=1) to two authorizers: one with an empty registry
(the issuer is learned on its first NF-e) and one preloaded with N generated taxpayers of the UF (the issuer and
the recipient registered among them). Reports the median and mean time of answer_soap, and of the registry
lookups alone (one read transaction, 4 indexed SELECTs), measured with time.perf_counter.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fake_sefaz.server.authorizer import Authorizer
from fake_sefaz.emitter.client import envelope
from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.emitter.pki import ensure_test_pki
from fake_sefaz.emitter.registry_gen import generate
from fake_sefaz.store.registry import load_taxpayers
from fake_sefaz.server.settings import load_settings
from fake_sefaz.emitter.signer import Signer
from fake_sefaz.store import registry as sql


def run(tmp: Path, taxpayers: int, n: int) -> dict:
    pki = ensure_test_pki(tmp.parent / "pki")
    settings = load_settings(env={}, database_url=f"sqlite:///{tmp}/db.sqlite", data_dir=str(tmp),
                             certs_dir=str(pki.directory), sqlite_synchronous="NORMAL")
    auth = Authorizer(settings)
    ident = pki.identity("emitente")
    factory = NFeFactory(seed=1, cnpj=ident.cnpj, razao=ident.razao)
    if taxpayers:
        load_taxpayers(auth.store, generate(taxpayers, "SP", seed=2))
    signer = Signer(ident)
    bodies = [envelope(wrap_lot([signer.sign_nfe(factory.build())], 1, 1), "enviNFe") for _ in range(n + 20)]
    ct = "application/soap+xml; charset=utf-8"
    for body in bodies[:20]:  # warm-up: schemas, connections, the issuer learned
        auth.answer_soap(body, ct, None, "/NFeAutorizacao4")
    times = []
    for body in bodies[20:]:
        t0 = time.perf_counter()
        answer = auth.answer_soap(body, ct, None, "/NFeAutorizacao4")
        times.append(time.perf_counter() - t0)
        assert b"<cStat>100</cStat>" in answer.body, answer.body[:400]
    doc, ie = ident.cnpj, factory.ie
    lookups = []
    for _ in range(2000):
        t0 = time.perf_counter()
        auth.store.read(lambda tx: (sql.by_doc(tx, doc, "SP"), sql.by_ie(tx, ie, "SP"),
                                    sql.by_doc(tx, "11222333000181", "SP"), []))
        lookups.append(time.perf_counter() - t0)
    count = auth.store.read(sql.count)
    auth.close()
    return {"taxpayers": count, "authorize_median_ms": round(statistics.median(times) * 1000, 3),
            "authorize_mean_ms": round(statistics.mean(times) * 1000, 3),
            "lookup_median_us": round(statistics.median(lookups) * 1e6, 1)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--taxpayers", type=int, default=100_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        base = Path(d)
        (base / "empty").mkdir()
        (base / "big").mkdir()
        print(run(base / "empty", 0, args.n))
        print(run(base / "big", args.taxpayers, args.n))


if __name__ == "__main__":
    main()
