"""Proxy mode (issue 14): an HTTPS proxy (HTTP CONNECT) for emitters that honour HTTPS_PROXY, beside hosts mode.

A CONNECT to a real SEFAZ web-service host (domain/hosts.py) is tunnelled to this server's own HTTPS listener, so
the emitter keeps its URL, verifies the server certificate against the real name (the test PKI's server certificate
carries them all) and presents its client certificate as it would to SEFAZ. A CONNECT to any other host is
tunnelled to that host, as any proxy would, so the rest of the emitter's traffic is untouched. Anything but CONNECT
gets 405. No TLS is terminated here: the tunnel carries the client's own handshake.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from fake_sefaz.domain import hosts

log = logging.getLogger("fake_sefaz.proxy")
_HEAD_LIMIT = 16 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, OSError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, OSError):  # already gone
            pass


class ConnectProxy:
    def __init__(self, tls_host: str, tls_port: int) -> None:
        self.tls_host, self.tls_port = tls_host, tls_port

    def target(self, host: str, port: int) -> tuple[str, int]:
        """Where a CONNECT host:port goes: a real SEFAZ host to this server's HTTPS listener, others unchanged."""
        return (self.tls_host, self.tls_port) if hosts.host_of(host) is not None else (host, port)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        method, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
        authority = rest.split(" ")[0]
        if method.upper() != "CONNECT" or ":" not in authority:
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nAllow: CONNECT\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        host, _, port = authority.rpartition(":")
        to_host, to_port = self.target(host.strip("[]"), int(port) if port.isdigit() else 443)
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(to_host, to_port), timeout=15)
        except (OSError, asyncio.TimeoutError) as exc:
            log.info("CONNECT %s: %s", authority, exc)
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


def start_in_thread(listen_host: str, listen_port: int, tls_host: str, tls_port: int) -> threading.Thread:
    """Serve the proxy on its own event loop in a daemon thread (beside one or several workers)."""
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        async def main() -> None:
            proxy = ConnectProxy(tls_host, tls_port)
            try:
                server = await asyncio.start_server(proxy.handle, listen_host, listen_port, limit=_HEAD_LIMIT)
            except OSError as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            async with server:
                await server.serve_forever()
        asyncio.run(main())

    thread = threading.Thread(target=run, name="fake-sefaz-proxy", daemon=True)
    thread.start()
    ready.wait(10)
    if failure:
        raise OSError(f"cannot listen on {listen_host}:{listen_port} for the proxy: {failure[0]}")
    return thread
