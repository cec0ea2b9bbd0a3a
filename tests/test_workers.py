"""`serve --workers N`: the supervisor deals connections to the workers in turn (fake_sefaz/server/workers.py, decision
0008), starts a worker again when one dies, and stops every process on SIGTERM. Real processes, real HTTP."""

from __future__ import annotations

import collections
import os
import signal
import time

import httpx

from support import ServeProcess


def _workers_of(url: str, connections: int) -> list[int]:
    """Open `connections` keep-alive connections one after the other; the worker pid that answers on each."""
    clients = [httpx.Client(base_url=url, timeout=10) for _ in range(connections)]
    try:
        pids = []
        for c in clients:
            pids.append(c.get("/admin/health").json()["worker"])
            # The same connection stays with the same worker.
            assert c.get("/admin/health").json()["worker"] == pids[-1]
        return pids
    finally:
        for c in clients:
            c.close()


def test_connections_are_dealt_evenly_to_the_workers(pki, tmp_path):
    """uvicorn's shared accept gave 14 of 16 simultaneous connections to one worker; here 16 connections to 2
    workers are split 8/8 (a random split would be 8/8 one time in five), none answered by the supervisor."""
    server = ServeProcess(pki, tmp_path, f"sqlite:///{tmp_path}/w.db", workers=2).wait()
    try:
        pids = _workers_of(server.url, 16)
        counts = collections.Counter(pids)
        assert sorted(counts.values()) == [8, 8], counts
        assert server.proc.pid not in counts
    finally:
        server.stop()


def test_a_worker_that_dies_is_started_again(pki, tmp_path):
    server = ServeProcess(pki, tmp_path, f"sqlite:///{tmp_path}/w.db", workers=2).wait()
    try:
        victim = _workers_of(server.url, 2)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 45
        while True:
            # Every connection is answered meanwhile (the survivor takes them); then two workers again.
            pids = set(_workers_of(server.url, 4))
            if len(pids) == 2 and victim not in pids:
                break
            assert time.monotonic() < deadline, f"no replacement worker: {pids}"
            time.sleep(0.5)
    finally:
        server.stop()


def test_sigterm_stops_the_supervisor_and_its_workers(pki, tmp_path):
    server = ServeProcess(pki, tmp_path, f"sqlite:///{tmp_path}/w.db", workers=2).wait()
    workers = set(_workers_of(server.url, 2))
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{p}") and "zombie" not in _state(p) for p in workers):
        assert time.monotonic() < deadline, "a worker outlived the supervisor"
        time.sleep(0.1)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next((line for line in fh if line.startswith("State:")), "").lower()
    except OSError:
        return "zombie"


def test_a_registry_change_reaches_the_other_workers_cached_rows(pki, tmp_path):
    """A registry write through one worker reaches the other at its next request (nothing of the registry is
    cached per worker). Both workers authorize, the issuer is suspended through one of them, both then deny."""
    from types import SimpleNamespace

    from fake_sefaz.emitter.client import SoapClient
    from fake_sefaz.domain.clock import SystemClock
    from support.registry import Issuer, Registry, prot_of

    server = ServeProcess(pki, tmp_path, f"sqlite:///{tmp_path}/w.db", workers=2).wait()
    srv = SimpleNamespace(url=server.url, clock=SystemClock())
    clients = [SoapClient(server.url, http=httpx.Client(timeout=30)) for _ in range(2)]
    registry = Registry(srv)
    try:
        workers = {c.http.get(server.url + "/admin/health").json()["worker"] for c in clients}
        assert len(workers) == 2  # one connection on each worker
        issuers = [Issuer(pki, srv, c) for c in clients]
        ie = issuers[0].ie
        for issuer in issuers:
            issuer.ie = ie
            issuer.factory.ie = ie
        registry.put(issuers[0].cnpj, ie=ie)
        for issuer in issuers:
            assert prot_of(issuer.send(issuer.nfe(emit_ie=ie)))[0] == "100"
        registry.put(issuers[0].cnpj, ie=ie, situation="suspended", situation_since="2020-01-01",
                     suspension={"by": "fisco", "notified": True, "ban": False})
        for issuer in issuers:  # an irregular issuer of model 55: 781 since NT 2024.001 (no longer denied)
            assert prot_of(issuer.send(issuer.nfe(emit_ie=ie)))[0] == "781"
    finally:
        registry.close()
        for c in clients:
            c.close()
        server.stop()


def test_workers_that_cannot_start_stop_the_supervisor(pki, tmp_path):
    """A worker that dies as it starts is not restarted forever: serve exits 1. The workers (spawned processes,
    `--multiprocessing-fork` in their argv) die in a sitecustomize the supervisor itself passes through."""
    import subprocess
    import sys

    from support import free_port as _free_port

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import sys\nif '--multiprocessing-fork' in sys.argv:\n    raise SystemExit('worker refuses to start')\n")
    env = dict(os.environ, PYTHONPATH=f"{hook}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = subprocess.run(
        [sys.executable, "-m", "fake_sefaz", "serve", "--port", str(_free_port()), "--workers", "2",
         "--database-url", f"sqlite:///{tmp_path}/w.db", "--certs-dir", str(pki.directory), "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=300)  # worker start-ups are slow on a loaded 2-core machine
    assert proc.returncode == 1
    assert "worker refuses to start" in proc.stderr and "keep dying" in proc.stderr


def test_bad_setting_stops_serve_before_any_worker(pki, tmp_path):
    """An invalid soap_executor is refused by the settings, in one line, before a worker is started."""
    import subprocess
    import sys

    env = dict(os.environ, FAKE_SEFAZ_SOAP_EXECUTOR="bogus")
    proc = subprocess.run([sys.executable, "-m", "fake_sefaz", "serve", "--workers", "2", "--data-dir", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2, "", "fake-sefaz serve: FAKE_SEFAZ_SOAP_EXECUTOR='bogus': Input should be 'inline' or 'thread'\n")


def test_clients_that_reset_at_once_do_not_stop_the_supervisor(pki, tmp_path):
    """Hostile or unlucky clients (connect, then RST before a byte is sent) must not stop the accept loop."""
    import socket
    import struct

    server = ServeProcess(pki, tmp_path, f"sqlite:///{tmp_path}/w.db", workers=2).wait()
    try:
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", server.port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
            s.close()
        assert len(set(_workers_of(server.url, 4))) == 2
        assert server.proc.poll() is None
    finally:
        server.stop()
