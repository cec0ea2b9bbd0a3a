"""Several worker processes behind one port, with the connections handed out evenly (`serve --workers N`).

Why not uvicorn's own multi-worker mode: there every worker accepts on the shared listening socket, and the event
loop (asyncio and libuv alike) drains the whole accept queue at once. A load generator that opens its 16 keep-alive
connections together got them split 14/2 (measured, docs/decisions/0008): one worker carried seven eighths of the
load, queued, and the p99 went to ~600 ms while the other core idled. Here the supervisor accepts and hands each
connection to the next worker in turn (SCM_RIGHTS over a Unix datagram pair); a worker whose queue is full is skipped,
so a stuck worker does not stall the others. A worker that dies is started again.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import selectors
import signal
import socket
import threading
import time
from typing import Any

import uvicorn

log = logging.getLogger("fake_sefaz.server.workers")

# What each worker gets: uvicorn settings for the app factory (the app reads FAKE_SEFAZ_* from the environment).
_UVICORN = {"factory": True, "log_level": "warning", "access_log": False, "lifespan": "on"}


def handoff_supported() -> bool:
    return hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


class HandoffServer(uvicorn.Server):
    """A uvicorn server that listens on nothing and serves the connections the supervisor sends it."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket, tls: Any = None) -> None:
        super().__init__(config)
        self._channel = channel
        self._tls = tls  # (ssl context, protocol class) for connections from the HTTPS listener, else None
        self._adopting: set[asyncio.Task] = set()  # connections being set up (the loop keeps only weak refs)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        config = self.config

        def factory_of(cls: Any):
            def create_protocol(_loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Protocol:
                # The same protocol uvicorn builds for a listening socket (uvicorn.Server.startup).
                return cls(config=config, server_state=self.server_state, app_state=self.lifespan.state, _loop=_loop)
            return create_protocol

        factories = {b"c": (factory_of(config.http_protocol_class), None)}
        if self._tls is not None:
            context, protocol_class = self._tls
            factories[b"t"] = (factory_of(protocol_class), context)
        loop = asyncio.get_running_loop()
        self._channel.setblocking(False)
        loop.add_reader(self._channel.fileno(), self._receive, loop, factories)

    def _receive(self, loop: asyncio.AbstractEventLoop, factories: dict) -> None:
        try:
            data, fds, _flags, _addr = socket.recv_fds(self._channel, 16, 8)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds = b"", []
        if not data and not fds:  # the supervisor is gone: stop serving
            loop.remove_reader(self._channel.fileno())
            self.should_exit = True
            return
        factory, context = factories.get(data[:1], factories[b"c"])
        for fd in fds:
            sock = socket.socket(fileno=fd)
            sock.setblocking(False)
            task = loop.create_task(loop.connect_accepted_socket(factory, sock, ssl=context))
            self._adopting.add(task)
            task.add_done_callback(self._adopted)

    def _adopted(self, task: asyncio.Task) -> None:
        self._adopting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The client left between accept and hand-off: nothing to serve (the socket is closed with the task).
            log.debug("connection dropped before it was served: %s", task.exception())

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            asyncio.get_running_loop().remove_reader(self._channel.fileno())
        except (ValueError, OSError):
            pass
        await super().shutdown(sockets=sockets)


def _worker_main(channel: socket.socket) -> None:
    # Settings come from the FAKE_SEFAZ_* environment that serve() set before starting the workers.
    from fake_sefaz.server.settings import load_settings

    config = uvicorn.Config("fake_sefaz.server.app:create_app", **_UVICORN)
    settings = load_settings()
    tls = None
    if settings.tls_port:
        from fake_sefaz.server.tls import peer_protocol_class, server_context

        tls = (server_context(settings), peer_protocol_class())
    HandoffServer(config, channel, tls).run()


class Supervisor:
    """Accepts on the listening socket and deals the connections to `count` worker processes in turn."""

    # A worker that dies this soon after starting, this many times in a row, cannot start (bad settings, a
    # database it cannot open): stop and say so instead of restarting it forever.
    QUICK_DEATH_S = 5.0
    QUICK_DEATHS_MAX = 3

    def __init__(self, listeners: dict[str, socket.socket], count: int) -> None:
        self.listeners = listeners  # "http" and/or "https": each accepted connection is tagged with its listener
        self.count = count
        self._ctx = multiprocessing.get_context("spawn")
        self._procs: list[Any] = [None] * count
        self._channels: list[socket.socket | None] = [None] * count
        self._stop = threading.Event()
        self._next = 0
        self._started_at = [0.0] * count
        self._quick_deaths = 0  # consecutive deaths within QUICK_DEATH_S of a start
        self.exit_code = 0

    def _start(self, i: int) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        proc = self._ctx.Process(target=_worker_main, args=(theirs,), name=f"fake-sefaz-worker-{i}")
        proc.start()
        theirs.close()  # only the worker holds its end, so its death shows as a failed send here
        mine.setblocking(False)
        self._procs[i], self._channels[i] = proc, mine
        self._started_at[i] = time.monotonic()

    def _restart(self, i: int) -> None:
        if time.monotonic() - self._started_at[i] < self.QUICK_DEATH_S:
            self._quick_deaths += 1
        else:
            self._quick_deaths = 0
        if self._quick_deaths >= self.QUICK_DEATHS_MAX * self.count:
            log.error("workers keep dying as they start (see their errors above); stopping")
            self.exit_code = 1
            self._stop.set()
        else:
            log.warning("worker %d (pid %s) is gone; starting it again", i, getattr(self._procs[i], "pid", None))
        old = self._channels[i]
        if old is not None:
            old.close()
        proc = self._procs[i]
        if proc is not None:
            proc.join(timeout=1)
        if not self._stop.is_set():
            self._start(i)

    def _hand(self, conn: socket.socket, tag: bytes = b"c") -> bool:
        """Give conn to the next worker that can take it now; False if none could. tag: b"t" from HTTPS."""
        for _ in range(self.count):
            i = self._next
            self._next = (self._next + 1) % self.count
            channel = self._channels[i]
            if channel is None:
                continue
            try:
                socket.send_fds(channel, [tag], [conn.fileno()])
                return True
            except (BlockingIOError, InterruptedError):
                continue  # its queue is full: busy, try the next one
            except OSError:
                self._restart(i)
        return False

    def run(self) -> int:
        for i in range(self.count):
            self._start(i)
        previous = {s: signal.signal(s, lambda *_: self._stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
        selector = selectors.DefaultSelector()
        for name, listener in self.listeners.items():
            listener.setblocking(False)
            selector.register(listener, selectors.EVENT_READ, b"t" if name == "https" else b"c")
        try:
            while not self._stop.is_set():
                ready = selector.select(timeout=0.5)
                if not ready:
                    self._check_workers()
                    continue
                for key, _ in ready:
                    try:
                        conn, _addr = key.fileobj.accept()  # type: ignore[union-attr]
                    except (BlockingIOError, InterruptedError):
                        continue  # another wake-up took it
                    except OSError as exc:
                        # A client that reset before accept (ECONNABORTED), or no descriptor left (EMFILE): neither
                        # may stop the server. The pause lets descriptors free up instead of spinning.
                        log.warning("accept failed: %s", exc)
                        self._stop.wait(0.01)
                        continue
                    try:
                        conn.setblocking(True)
                        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    except OSError:  # already reset by the client: nothing to hand over
                        conn.close()
                        continue
                    while not self._hand(conn, key.data) and not self._stop.is_set():
                        self._stop.wait(0.005)  # every worker's queue is full: wait for one to drain
                    conn.close()  # the worker has its own descriptor now
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            selector.close()
            self._shutdown()
        return self.exit_code

    def _check_workers(self) -> None:
        for i, proc in enumerate(self._procs):
            if proc is not None and not proc.is_alive() and not self._stop.is_set():
                self._restart(i)

    def _shutdown(self) -> None:
        for listener in self.listeners.values():
            listener.close()
        for proc in self._procs:
            if proc is not None and proc.is_alive():
                proc.terminate()  # uvicorn finishes the requests in flight on SIGTERM
        for proc in self._procs:
            if proc is not None:
                proc.join(timeout=15)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
        for channel in self._channels:
            if channel is not None:
                channel.close()


def serve_workers(listeners: dict[str, socket.socket], count: int) -> int:
    """Run the supervisor on the listening sockets ("http", "https") until SIGTERM/SIGINT (0) or until the workers
    cannot start (1). The workers read their settings from the FAKE_SEFAZ_* environment, which they inherit."""
    return Supervisor(listeners, count).run()
