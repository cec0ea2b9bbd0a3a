"""Several worker processes over one database: identical documents sent at the same instant get exactly
one 100 and one 204, never two protocols; protocol numbers never repeat. SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from lxml import etree

from support import ServeProcess
from support.authz import N, prot_of
from support.db import fresh_postgres
from fake_sefaz.emitter.client import SoapClient
from fake_sefaz.emitter.factory import wrap_lot
from fake_sefaz.store import open_store


def _race(url, payloads):
    """Send every payload at the same instant, one thread each; return the replies in the same order."""
    barrier = threading.Barrier(len(payloads))
    results = [None] * len(payloads)

    def go(i):
        c = SoapClient(url, timeout=30)
        barrier.wait()
        results[i] = c.call(payloads[i])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _run_races(pki, fresh_factory, signer, tmp_path, database_url, pairs=15):
    srv = ServeProcess(pki, tmp_path, database_url).wait()
    try:
        nprots = []
        for _ in range(pairs):
            nfe = signer.sign_nfe(fresh_factory.build())
            lot = etree.tostring(wrap_lot([nfe], 1, 1))
            replies = _race(srv.url, [lot] * 4)
            outcomes = sorted(prot_of(r)[0] for r in replies)
            assert outcomes == ["100", "204", "204", "204"], [r.body for r in replies]
            winner = next(r for r in replies if prot_of(r)[0] == "100")
            nprots.append(winner.result.find(N + "protNFe/" + N + "infProt").findtext(N + "nProt"))
        assert len(set(nprots)) == pairs
    finally:
        srv.stop()
    store = open_store(database_url)
    try:
        assert store.read(lambda tx: tx.count("documents")) == pairs
        assert store.read(lambda tx: tx.count("lots")) == 4 * pairs
    finally:
        store.close()


def test_concurrent_duplicates_sqlite_two_workers(pki, fresh_factory, signer, tmp_path):
    _run_races(pki, fresh_factory, signer, tmp_path, f"sqlite:///{tmp_path}/race.db")


def test_concurrent_duplicates_postgres_two_workers(pki, fresh_factory, signer, tmp_path):
    with fresh_postgres() as url:
        _run_races(pki, fresh_factory, signer, tmp_path, url)


def _number_vs_voiding(pki, fresh_factory, signer, tmp_path, database_url, rounds=12):
    """Authorizing number N and voiding N at the same instant on two workers: exactly one of them wins
    (100 and then 241, or 102 and then 206), never both."""
    import random as _random
    from datetime import datetime as _dt

    from fake_sefaz.emitter import builders

    srv = ServeProcess(pki, tmp_path, database_url).wait()
    cnpj = pki.identity("emitente").cnpj
    try:
        outcomes = set()
        for _ in range(rounds):
            n, serie = _random.randint(10**8, 9 * 10**8), _random.randint(100, 899)
            nfe = etree.tostring(wrap_lot([signer.sign_nfe(fresh_factory.build(nNF=n, serie=serie))], 1, 1))
            inut = etree.tostring(signer.sign(builders.inut_nfe(cnpj, n, n, ano=_dt.now().year % 100, serie=serie)))
            got_nfe, got_inut = _race(srv.url, [nfe, inut])
            pair = (prot_of(got_nfe)[0], got_inut.result.findtext(N + "infInut/" + N + "cStat"))
            assert pair in {("100", "241"), ("206", "102")}, pair
            outcomes.add(pair)
    finally:
        srv.stop()


def test_number_vs_voiding_sqlite(pki, fresh_factory, signer, tmp_path):
    _number_vs_voiding(pki, fresh_factory, signer, tmp_path, f"sqlite:///{tmp_path}/race2.db")


def test_number_vs_voiding_postgres(pki, fresh_factory, signer, tmp_path):
    with fresh_postgres() as url:
        _number_vs_voiding(pki, fresh_factory, signer, tmp_path, url)
