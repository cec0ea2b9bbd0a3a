"""Running the app: `fake-sefaz serve` (uvicorn, one or more worker processes) and an in-process server
on a free port, in a thread, for the pytest plugin and the tests (same app, same backend)."""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

import uvicorn

from fake_sefaz.server.app import FakeSefazApp, build_app
from fake_sefaz.server.settings import Settings, as_env


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


def serve(settings: Settings) -> None:
    prepare(settings)
    if settings.workers <= 1:
        uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_level="warning",
                    access_log=False, lifespan="on")
        return
    # Several processes: each worker builds its own backend from the FAKE_SEFAZ_* environment.
    os.environ.update(as_env(settings))
    from fake_sefaz.server.workers import handoff_supported, serve_workers

    if handoff_supported():  # connections dealt evenly to the workers (fake_sefaz/server/workers.py, decision 0008)
        code = serve_workers(settings.host, settings.port, settings.workers)
        if code:
            raise SystemExit(code)
        return
    uvicorn.run("fake_sefaz.server.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level="warning", access_log=False, lifespan="on")


class ThreadedServer:
    """The app served by uvicorn in a background thread on 127.0.0.1 and a free port."""

    def __init__(self, app: FakeSefazApp | None = None, settings: Settings | None = None, clock: Any = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app or build_app(settings, clock=clock)
        self.host = host
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def authorizer(self):
        return self.app.authorizer

    def start(self) -> "ThreadedServer":
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("in-process fake-sefaz server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()

    def __enter__(self) -> "ThreadedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
