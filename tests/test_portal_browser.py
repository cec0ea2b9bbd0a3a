"""The portal in a real browser (issue 14): Debian's Chromium driven by Playwright for Python, each browser context
with its own client certificate (Playwright's client_certificates), through "Atendimento On-line": the e-CNPJ
chooses an establishment, requests a CSC token and grants a procuração; the e-CPF then enters under it; a revoked
certificate and an e-CPF without procuração are refused."""

from __future__ import annotations

import shutil

import pytest

from support import server_settings
from fake_sefaz.server.serve import ThreadedServer


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    from support import missing_service

    missing_service("Chromium", "no chromium binary", "scripts/install-browser.sh installs it")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # in the [test] extra; it drives Debian's Chromium by path

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(pki, tmp_path_factory):
    with ThreadedServer(settings=server_settings(pki, tmp_path_factory.mktemp("portal-browser")), tls=True) as srv:
        yield srv


def context_for(browser, site, pki, identity: str):
    ident = pki.identity(identity)
    # the server certificate is the test CA's; Chromium's own store does not know it (the client side is the test)
    return browser.new_context(ignore_https_errors=True, client_certificates=[{
        "origin": site.tls_url, "certPath": str(ident.pem_path), "keyPath": str(ident.key_path)}])


def test_titular_requests_a_token_and_grants_a_procuracao_the_ecpf_uses_it(browser, site, pki):
    emitente, contador = pki.identity("emitente"), pki.identity("contador")
    company = context_for(browser, site, pki, "emitente")
    page = company.new_page()
    page.goto(site.tls_url + "/portal/csc")  # not logged in: the login page, then back here
    assert "Escolha a inscrição desejada" in page.inner_text("#titular")
    with page.expect_navigation():  # every click below submits a form: wait for the page it leads to
        page.click(f'button.entrar[data-cnpj="{emitente.cnpj}"]')
    page.wait_for_selector("#requisitar")
    with page.expect_navigation():
        page.click("#requisitar")
    assert page.inner_text("#emitido").startswith("Token emitido: ")
    page.goto(site.tls_url + "/portal/procuracao")
    page.fill('input[name="grantee"]', contador.cpf)
    page.uncheck('input[value="xml"]')
    with page.expect_navigation():
        page.click("#conceder")
    assert contador.cpf in page.inner_text("#procuracoes")
    company.close()

    accountant = context_for(browser, site, pki, "contador")
    page = accountant.new_page()
    page.goto(site.tls_url + "/portal/login")
    with page.expect_navigation():
        page.click(f'button.entrar[data-cnpj="{emitente.cnpj}"]')
    page.wait_for_selector("#servicos")
    assert page.is_visible("#servico-csc") and not page.is_visible("#servico-xml")
    assert not page.is_visible("#servico-procuracao")
    with page.expect_navigation():
        page.click("#servico-csc")
    page.wait_for_selector("#tokens")
    assert emitente.cnpj[:8] in page.inner_text("body")
    response = page.goto(site.tls_url + "/portal/xml")
    assert response.status == 403 and "Esta sessão não tem permissão" in page.inner_text("#negado")
    with page.expect_navigation():
        page.click("#sair")
    page.wait_for_url("**/portal/login")
    accountant.close()


def test_refusals_in_the_browser(browser, site, pki):
    revoked = context_for(browser, site, pki, "revogado")
    page = revoked.new_page()
    response = page.goto(site.tls_url + "/portal/login")
    assert response.status == 403
    assert page.inner_text("#recusado") == "Certificado digital recusado: Rejeição: Certificado Transmissor revogado"
    revoked.close()
