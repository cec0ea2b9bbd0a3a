"""Running the app: `fake-sefaz serve` (uvicorn, one or more worker processes) and an in-process server
on a free port, in a thread, for the pytest plugin and the tests (same app, same backend)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
from typing import Any

import uvicorn

from fake_sefaz.server.app import FakeSefazApp, build_app
from fake_sefaz.server.settings import Settings, SettingsError, as_env


def prepare(settings: Settings) -> None:
    """Create what workers share before they start, so they do not race: the test PKI and the tables."""
    from fake_sefaz.server.authorizer import build_trust
    from fake_sefaz.store import open_store

    build_trust(settings)
    store = open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        if settings.registry_file:  # issue 4: load the registry once, before the workers start
            from fake_sefaz.store.registry import load_file

            load_file(store, settings.registry_file)
    finally:
        store.close()


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals to whoever runs it beside others (run_listeners)."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield


def http_config(app: Any, **kw: Any) -> uvicorn.Config:
    return uvicorn.Config(app, log_level="warning", access_log=False, **kw)


def tls_config(app: Any, settings: Settings, **kw: Any) -> uvicorn.Config:
    """The HTTPS listener's config: mutual TLS (server/tls.py), the peer certificate handed to the app."""
    from fake_sefaz.server.tls import peer_protocol_class, server_context

    context = server_context(settings)  # built now: a bad certificate file stops `serve` before anything listens
    return uvicorn.Config(app, log_level="warning", access_log=False, http=peer_protocol_class(),
                          ssl_context_factory=lambda _config, _default: context, **kw)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise OSError(err.errno, f"cannot listen on {host}:{port}: {err.strerror}"
                      + (" (ports below 1024 need root or CAP_NET_BIND_SERVICE, see the README)" if port < 1024
                         else "")) from None
    sock.listen(2048)
    return sock


def build_servers(app: Any, settings: Settings, sockets: dict[str, socket.socket]) -> list[tuple[Any, Any]]:
    """(server, socket) for each listener: plain HTTP and/or HTTPS, one app (one authorizer) behind both. Only
    the first runs the app's lifespan, so the store is opened and closed once."""
    out: list[tuple[Any, Any]] = []
    if "http" in sockets:
        out.append((QuietServer(http_config(app, lifespan="on")), sockets["http"]))
    if "https" in sockets:
        out.append((QuietServer(tls_config(app, settings, lifespan="off" if out else "on")), sockets["https"]))
    return out


def run_in_loop(servers: list[tuple[Any, Any]], handle_signals: bool = True) -> None:
    """Run the listeners on the event loop uvicorn would pick (uvloop when installed, as `uvicorn.run` does: the
    plain asyncio loop answered a keep-alive request ~40 ms later, measured with the bench)."""
    factory = servers[0][0].config.get_loop_factory() if servers else None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(run_listeners(servers, handle_signals))


async def run_listeners(servers: list[tuple[Any, Any]], handle_signals: bool = True) -> None:
    loop = asyncio.get_running_loop()
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: [setattr(s, "should_exit", True) for s, _ in servers])
    await asyncio.gather(*(s.serve(sockets=[sock]) for s, sock in servers))


def serve(settings: Settings) -> None:
    prepare(settings)
    if settings.tls_port:
        from fake_sefaz.server.tls import server_context

        server_context(settings)  # a bad certificate or key: one line, before anything listens
    sockets = {}
    if settings.http_enabled:
        sockets["http"] = listen(settings.host, settings.port)
    if settings.tls_port:
        sockets["https"] = listen(settings.host, settings.tls_port)
    if settings.proxy_port:
        from fake_sefaz.server.proxy import start_in_thread

        if not settings.tls_port:
            raise SettingsError("proxy_port needs tls_port: the proxy tunnels to the HTTPS listener")
        start_in_thread(settings.host, settings.proxy_port, _loopback(settings.host), settings.tls_port)
    if settings.workers <= 1:
        run_in_loop(build_servers(build_app(settings), settings, sockets))
        return
    # Several processes: each worker builds its own backend from the FAKE_SEFAZ_* environment.
    os.environ.update(as_env(settings))
    from fake_sefaz.server.workers import handoff_supported, serve_workers

    if not handoff_supported():
        raise SettingsError("workers > 1 needs Unix-socket descriptor hand-off (Linux, macOS): use workers = 1 here")

    code = serve_workers(sockets, settings.workers)  # connections dealt evenly (server/workers.py, decision 0008)
    if code:
        raise SystemExit(code)


def _loopback(host: str) -> str:
    """Where the proxy reaches the HTTPS listener bound to `host`."""
    return "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)


class ThreadedServer:
    """The app served by uvicorn in a background thread on 127.0.0.1 and a free port (and, with tls=True, an
    HTTPS port with mutual TLS beside it)."""

    def __init__(self, app: FakeSefazApp | None = None, settings: Settings | None = None, clock: Any = None,
                 host: str = "127.0.0.1", port: int = 0, tls: bool = False, tls_port: int = 0,
                 proxy: bool = False) -> None:
        self.app = app or build_app(settings, clock=clock)
        self.host = host
        self._sockets = {"http": listen(host, port)}
        if tls:
            self._sockets["https"] = listen(host, tls_port)
        self.port = self._sockets["http"].getsockname()[1]
        self.tls_port = self._sockets["https"].getsockname()[1] if tls else None
        if self.tls_port:
            self.app.authorizer.tls_port = self.tls_port
        self.proxy_port: int | None = None
        if proxy:  # proxy mode beside the HTTPS listener (a free port)
            from fake_sefaz.server.proxy import start_in_thread

            probe = listen(host, 0)
            self.proxy_port = probe.getsockname()[1]
            probe.close()
            start_in_thread(host, self.proxy_port, host, int(self.tls_port or 0))
        self._servers = build_servers(self.app, self.app.authorizer.settings, self._sockets)
        self._thread = threading.Thread(target=lambda: run_in_loop(self._servers, False), daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def tls_url(self) -> str | None:
        return f"https://{self.host}:{self.tls_port}" if self.tls_port else None

    @property
    def authorizer(self):
        return self.app.authorizer

    def start(self) -> "ThreadedServer":
        self._thread.start()
        deadline = time.monotonic() + 15
        while not all(s.started for s, _ in self._servers):
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("in-process fake-sefaz server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        for s, _ in self._servers:
            s.should_exit = True
        self._thread.join(timeout=15)
        for sock in self._sockets.values():
            sock.close()

    def __enter__(self) -> "ThreadedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
