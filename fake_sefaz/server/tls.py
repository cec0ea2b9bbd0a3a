"""HTTPS with mutual TLS, as the real authorizers are reached (issue 14; reference/national-services-and-transport.md
§1): TLS 1.2 and 1.3, the server certificate of the test PKI (or the user's), the emitter's certificate as TLS
client certificate, and that certificate handed to the app so group A (rules/transmitter.py) can judge it.

What the handshake itself decides: a client certificate whose chain ends at no trusted anchor is refused with an
alert (unknown_ca), as GO and PR do. Everything else is let through to the app: the certificate's dates are not
checked here (OpenSSL's X509_V_FLAG_NO_CHECK_TIME), so an expired one reaches A02 and gets the HTTP 403 (or 281)
that SVRS shows, and a client that sends no certificate at all gets IIS's 403 page, not a bare reset.

uvicorn does not hand the peer certificate to the ASGI app, so the protocol class is extended (one line of
uvicorn's API: the per-connection `app` attribute) to add it as the ASGI TLS extension
(scope["extensions"]["tls"]["client_cert_chain"], https://asgi.readthedocs.io/en/latest/specs/tls.html) and as
scope["fake_sefaz.peer_der"] for the authorizer.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from fake_sefaz.server.settings import Settings, SettingsError

# OpenSSL X509_V_FLAG_NO_CHECK_TIME: validity dates are A02's business (281 / 403), not the handshake's
_NO_CHECK_TIME = 0x200000


def server_files(settings: Settings) -> tuple[Path, Path]:
    """(certificate chain, key) of the HTTPS listener: the settings' own, else the test PKI's server.pem/key."""
    if bool(settings.tls_cert_file) != bool(settings.tls_key_file):
        raise SettingsError("tls_cert_file and tls_key_file go together: give both, or neither for the test "
                            "PKI's server certificate")
    if settings.tls_cert_file:
        return Path(settings.tls_cert_file), Path(settings.tls_key_file)
    from fake_sefaz.emitter.pki import ensure_test_pki

    pki = ensure_test_pki(settings.certs_path)
    return pki.server_cert_file, pki.server_key_file


def client_anchor_files(settings: Settings) -> list[Path]:
    """The CAs the handshake accepts client certificates from. In "cstat" mode the test PKI's foreign root too,
    so a certificate of another PKI reaches A03 and is answered 283 instead of an alert."""
    files = [Path(p) for p in settings.trust_anchors]
    if settings.trust_test_ca:
        from fake_sefaz.emitter.pki import ensure_test_pki

        pki = ensure_test_pki(settings.certs_path)
        files += list(pki.trust_anchor_files)
        if settings.tls_client_errors == "cstat":
            files.append(pki.foreign_root.cert_path)
    return files


def server_context(settings: Settings) -> ssl.SSLContext:
    cert, key = server_files(settings)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # MOC 7.0 §4.2.2: TLS 1.2 or later
    try:
        ctx.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as err:
        raise SettingsError(f"tls_cert_file={str(cert)!r}: cannot use it with {str(key)!r} ({err})") from None
    anchors = client_anchor_files(settings)
    for path in anchors:
        ctx.load_verify_locations(cafile=str(path))
    # CERT_OPTIONAL: a client without a certificate still completes the handshake and gets the 403 page (or 280)
    ctx.verify_mode = ssl.CERT_OPTIONAL if anchors else ssl.CERT_NONE
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | _NO_CHECK_TIME  # type: ignore[assignment]
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _base_protocol() -> type:
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    except ImportError:  # uvicorn without httptools
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol


class _WithPeer:
    """The app, with this connection's client certificate added to every request's scope."""

    __slots__ = ("app", "der", "tls")

    def __init__(self, app: Any, der: bytes | None, version: str | None) -> None:
        # built once per connection: every request on it shares the same certificate
        self.app, self.der = app, der
        self.tls = {"client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [], "tls_version": version}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = dict(scope)
            scope["extensions"] = {**(scope.get("extensions") or {}), "tls": self.tls}
            scope["fake_sefaz.peer_der"] = self.der
        await self.app(scope, receive, send)


def peer_protocol_class() -> type:
    """uvicorn's HTTP/1.1 protocol, with the TLS peer's certificate passed to the app."""
    base = _base_protocol()

    class PeerCertProtocol(base):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is not None:
                der = ssl_object.getpeercert(binary_form=True)
                self.app = _WithPeer(self.app, der, ssl_object.version())

    return PeerCertProtocol
