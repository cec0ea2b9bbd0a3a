"""Group commit (issue 18): authorizations that arrive together share one durable commit, none answered before it.

Crash test: a real `fake-sefaz serve` (SQLite FULL with grouping; PostgreSQL, whose WAL flushes are grouped by the
database itself, as the same check of durability) takes a burst of synchronous authorizations
from 16 connections and is killed with SIGKILL in the middle. Started again on the same database, it answers every
key it had acknowledged with 100 and the very protocol it answered, and its later protocols never repeat one. And
the differential side: a burst over HTTP with grouping on and off ends with the same documents and protocols."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from support import free_port
from fake_sefaz.emitter.client import SoapClient, cons_sit_nfe, cons_stat_serv
from fake_sefaz.emitter.factory import NFeFactory, wrap_lot
from fake_sefaz.emitter.signer import Signer

NS = "{http://www.portalfiscal.inf.br/nfe}"


class Server:
    """`fake-sefaz serve` in its own session (so SIGKILL reaches it whole)."""

    def __init__(self, pki, tmp_path: Path, database_url: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_SEFAZ_")}
        environ.update(FAKE_SEFAZ_SQLITE_SYNCHRONOUS="FULL", **env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fake_sefaz", "serve", "--port", str(self.port), "--workers", "1",
             "--database-url", database_url, "--certs-dir", str(pki.directory), "--data-dir", str(tmp_path)],
            env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if SoapClient(self.url, timeout=2).call(cons_stat_serv(2, 35)).cStat == "107":
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("serve did not start")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)


def _signed(pki, count: int, start: int) -> list:
    ident = pki.identity("emitente")
    signer = Signer(ident)
    return [signer.sign_nfe(NFeFactory(seed=start + i, cnpj=ident.cnpj).build(nNF=start + i)) for i in range(count)]


def _key(nfe) -> str:
    return nfe.find(NS + "infNFe").get("Id")[3:]


def _burst(url: str, docs: list, acked: dict, stop: threading.Event, connections: int = 16) -> None:
    def send(chunk):
        client = SoapClient(url, timeout=10)
        for nfe in chunk:
            if stop.is_set():
                return
            try:
                reply = client.call(wrap_lot([nfe], idLote=1, indSinc=1))
            except httpx.HTTPError:
                return  # the server is gone
            inf = None if reply.result is None else reply.result.find(f"{NS}protNFe/{NS}infProt")
            if inf is not None and inf.findtext(NS + "cStat") == "100":
                acked[inf.findtext(NS + "chNFe")] = inf.findtext(NS + "nProt")

    threads = [threading.Thread(target=send, args=(docs[i::connections],)) for i in range(connections)]
    for t in threads:
        t.start()
    return threads


def _protocols(database_url: str) -> tuple[int, int]:
    """(documents, distinct protocols) in the store."""
    if database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return conn.execute("SELECT COUNT(*), COUNT(DISTINCT nProt) FROM documents").fetchone()
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT COUNT(*), COUNT(DISTINCT nProt) FROM documents").fetchone()


def _crash_and_check(pki, tmp_path: Path, database_url: str) -> None:
    docs = _signed(pki, 240, 1000)
    srv = Server(pki, tmp_path, database_url)
    acked: dict[str, str] = {}
    stop = threading.Event()
    try:
        threads = _burst(srv.url, docs, acked, stop)
        deadline = time.monotonic() + 60
        while len(acked) < 40 and time.monotonic() < deadline:
            time.sleep(0.005)
        srv.kill()  # mid-burst: groups open, answers on their way
    finally:
        stop.set()
        srv.stop()
    for t in threads:
        t.join(timeout=30)
    assert len(acked) >= 40
    srv = Server(pki, tmp_path, database_url)
    try:
        client = SoapClient(srv.url, timeout=10)
        for key, nProt in acked.items():
            reply = client.call(cons_sit_nfe(2, key))
            assert (reply.cStat, reply.result.findtext(f"{NS}protNFe/{NS}infProt/{NS}nProt")) == ("100", nProt), key
        later = _signed(pki, 10, 5000)
        for nfe in later:
            reply = client.call(wrap_lot([nfe], idLote=1, indSinc=1))
            inf = reply.result.find(f"{NS}protNFe/{NS}infProt")
            assert inf.findtext(NS + "cStat") == "100"
            assert inf.findtext(NS + "nProt") not in set(acked.values())  # no protocol burnt twice
    finally:
        srv.stop()
    count, distinct = _protocols(database_url)
    assert count == distinct >= len(acked) + 10


def test_sigkill_during_a_burst_loses_no_acknowledged_protocol_sqlite(pki, tmp_path):
    _crash_and_check(pki, tmp_path, f"sqlite:///{tmp_path}/crash.db")


def test_sigkill_during_a_burst_loses_no_acknowledged_protocol_postgresql(pki, tmp_path):
    from support.db import fresh_postgres

    with fresh_postgres() as url:
        _crash_and_check(pki, tmp_path, url)


def test_the_same_burst_with_and_without_grouping_stores_the_same(pki, tmp_path):
    """Differential: 120 notes from 16 connections, grouping on and off: every one authorized, the same keys stored,
    each with one protocol."""
    docs = _signed(pki, 120, 9000)
    results = {}
    for mode in ("true", "false"):
        url = f"sqlite:///{tmp_path}/diff-{mode}.db"
        srv = Server(pki, tmp_path / mode, url, FAKE_SEFAZ_GROUP_COMMIT=mode)
        acked: dict[str, str] = {}
        try:
            for t in _burst(srv.url, docs, acked, threading.Event()):
                t.join(timeout=120)
        finally:
            srv.stop()
        results[mode] = (set(acked), _protocols(url))
    assert results["true"][0] == results["false"][0] == {_key(d) for d in docs}
    assert results["true"][1] == results["false"][1] == (120, 120)
