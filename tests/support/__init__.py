"""Test helpers: the one place tests import helpers from (test modules never import each other, nor conftest).

support.authz (NF-e fields and raw SOAP), support.db (PostgreSQL), support.events (events and inutilização),
support.nfce (NFC-e and QR), support.registry (taxpayer registry servers), support.content (content-rule
unit tests: notes with known amounts, a rule context with no server); here: settings for a test server,
the generic emitter, a separate `fake-sefaz serve` process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

from fake_sefaz.emitter.client import SoapClient, cons_stat_serv
from fake_sefaz.emitter.factory import wrap_lot
from fake_sefaz.server.settings import load_settings


def missing_service(what: str, problem: str, how: str):
    """The one guard for a service a test needs (PostgreSQL, Chromium): in CI (.ci/run exports CI=true) a missing
    service fails the test; on a developer's machine it is skipped with the reason."""
    import pytest

    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{what} is required in CI: {problem} ({how})")
    pytest.skip(f"{what} missing: {problem} ({how}); CI fails here")


def server_settings(pki, tmp_dir, **overrides):
    base = dict(database_url=f"sqlite:///{tmp_dir}/fake-sefaz.db", data_dir=str(tmp_dir), certs_dir=str(pki.directory),
                uf="SP", tpAmb=2, sqlite_synchronous="NORMAL")
    base.update(overrides)
    return load_settings(env={}, **base)


class Emitter:
    """A test emitter: builds, signs and sends; each document gets fresh numbers unless told otherwise."""

    def __init__(self, pki, factory, signer, client):
        self.pki, self.factory, self.signer, self.client = pki, factory, signer, client

    def nfe(self, sign=True, signer=None, **overrides):
        nfe = self.factory.build(**overrides)
        return (signer or self.signer).sign_nfe(nfe) if sign else nfe

    def send(self, *nfes, sync=True, client=None):
        lot = wrap_lot(nfes, idLote=1, indSinc=1 if sync else 0)
        return (client or self.client).call(lot)

    def authorize(self, nfe=None, **overrides):
        return self.send(nfe if nfe is not None else self.nfe(**overrides))


def prot(reply):
    """(cStat, xMotivo) of the single protNFe of a synchronous answer."""
    inf = reply.result.find("{http://www.portalfiscal.inf.br/nfe}protNFe/{http://www.portalfiscal.inf.br/nfe}infProt")
    assert inf is not None, reply.body.decode()
    return inf.findtext("{http://www.portalfiscal.inf.br/nfe}cStat"), inf.findtext("{http://www.portalfiscal.inf.br/nfe}xMotivo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """`fake-sefaz serve --workers 2` as a real separate process."""

    def __init__(self, pki, tmp_path, database_url, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, FAKE_SEFAZ_SQLITE_SYNCHRONOUS="NORMAL")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fake_sefaz", "serve", "--port", str(self.port), "--workers", str(workers),
             "--database-url", database_url, "--certs-dir", str(pki.directory), "--data-dir", str(tmp_path)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )

    def wait(self):
        deadline = time.monotonic() + 60
        c = SoapClient(self.url, timeout=2)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stdout.read().decode())
            try:
                if c.call(cons_stat_serv(2, 35)).cStat == "107":
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("serve did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
