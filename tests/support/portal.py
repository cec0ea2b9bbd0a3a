"""A logged-in "Atendimento On-line" client: HTTPS with a test identity's certificate, the login page's choice
of establishment, and the session cookie it sets (issue 14)."""

from __future__ import annotations

import re
import ssl

import httpx


def tls_client(pki, base_url: str, identity: str | None = "emitente") -> httpx.Client:
    ctx = ssl.create_default_context(cafile=str(pki.ca_bundle_file))
    if identity:
        ident = pki.identity(identity)
        ctx.load_cert_chain(str(ident.pem_path), str(ident.key_path))
    return httpx.Client(base_url=base_url, verify=ctx, timeout=30)


def choices(page: str) -> list[tuple[str, str]]:
    """(CNPJ, IE) of every "Entrar" button of the login page."""
    return re.findall(r'class="entrar" data-cnpj="([0-9A-Z]*)" data-ie="([0-9]*)"', page)


def login(pki, base_url: str, identity: str = "emitente", cnpj: str | None = None) -> httpx.Client:
    """A client logged in as `identity`, entering as `cnpj` (default: the first establishment offered)."""
    client = tls_client(pki, base_url, identity)
    offered = choices(client.get("/portal/login").text)
    chosen = next((c for c in offered if cnpj is None or c[0] == cnpj), None)
    if chosen is None:
        raise AssertionError(f"{identity} is not offered {cnpj}: {offered}")
    r = client.post("/portal/login", data={"cnpj": chosen[0], "ie": chosen[1]})
    assert r.status_code == 303 and "fake_sefaz_portal" in r.headers.get("set-cookie", ""), r.text
    return client
