"""The consumer page a QR code opens (/portal/nfce/qrcode?p=...): over HTTP, and in a real headless Chromium.

The browser test is skipped only when Chromium is absent and CI is not set; with CI=true a missing browser
fails the run (scripts/install-browser.sh installs it)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess


import pytest
from support import server_settings
from support.nfce import NS, NfceEmitter

from fake_sefaz.domain import nfce_urls
from fake_sefaz.domain.clock import ControlledClock
from fake_sefaz.server.serve import ThreadedServer
from fake_sefaz.store import CANCELLED


@pytest.fixture(scope="module")
def pclock():
    return ControlledClock()


@pytest.fixture(scope="module")
def shop(pki, pclock, tmp_path_factory):
    settings = server_settings(pki, tmp_path_factory.mktemp("nfce-page"), nfce_qr_check="enforce",
                               nfce_local_urls=True)
    with ThreadedServer(settings=settings, clock=pclock) as srv:
        em = NfceEmitter(srv, pclock, pki)
        em.csc = em.register("PAGE0CSC0TOKEN")
        yield em
        em.close()


def local_nfce(shop, **kw):
    url = shop.server.url
    nfe = shop.nfce(csc=shop.csc, base_url=url + nfce_urls.LOCAL_QR_PATH, url_chave=url + nfce_urls.LOCAL_CHAVE_PATH,
                    **kw)
    p = shop.authorize(nfe)
    assert p["cStat"] == "100", p["xMotivo"]
    return nfe, p


def qr_of(nfe) -> str:
    return nfe.findtext(f"{NS}infNFeSupl/{NS}qrCode")


def test_page_shows_the_note_and_a_valid_qr(shop):
    nfe, p = local_nfce(shop, dest_doc="52998224725")
    page = shop.http.get(qr_of(nfe))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    inf = nfe.find(NS + "infNFe")
    assert shop.identity.razao in text and inf.findtext(f"{NS}emit/{NS}CNPJ") in text
    for det in inf.iterfind(NS + "det"):
        assert det.findtext(f"{NS}prod/{NS}xProd") in text and det.findtext(f"{NS}prod/{NS}vProd") in text
    assert inf.findtext(f"{NS}total/{NS}ICMSTot/{NS}vNF") in text and "Dinheiro" in text
    assert p["nProt"] in text and inf.get("Id")[3:] in text and "52998224725" in text
    assert "Autorizada" in text and "QR Code válido" in text
    assert "HOMOLOGAÇÃO - SEM VALOR FISCAL" in text
    # The urlChave page shows the same note without a QR verdict.
    by_key = shop.http.get(nfce_urls.LOCAL_CHAVE_PATH, params={"chave": inf.get("Id")[3:]}).text
    assert p["nProt"] in by_key and "QR Code" not in by_key


def test_offline_v2_and_v3_pages_check_out(shop):
    for version in ("2", "3"):
        url = shop.server.url
        nfe = shop.nfce(version=version, csc=shop.csc, offline=True, base_url=url + nfce_urls.LOCAL_QR_PATH,
                        url_chave=url + nfce_urls.LOCAL_CHAVE_PATH)
        assert shop.authorize(nfe)["cStat"] == "100"
        assert "QR Code válido" in shop.http.get(qr_of(nfe)).text


def test_tampered_qr_says_so(shop):
    nfe, _ = local_nfce(shop)
    code = qr_of(nfe)
    tampered = code[:-1] + ("0" if code[-1] != "0" else "1")
    text = shop.http.get(tampered).text
    assert "QR Code inválido" in text and "Código de Hash no QR-Code difere do calculado" in text
    assert "QR Code válido" not in text


def test_unknown_key_says_so(shop):
    nfe = shop.nfce(csc=shop.csc, base_url=shop.server.url + nfce_urls.LOCAL_QR_PATH)  # never sent
    page = shop.http.get(qr_of(nfe))
    assert page.status_code == 404 and "NFC-e não encontrada" in page.text
    assert shop.http.get(nfce_urls.LOCAL_QR_PATH, params={"p": "garbage"}).status_code == 404


def test_cancelled_state_comes_from_the_store(shop):
    nfe, _ = local_nfce(shop)
    key = nfe.find(NS + "infNFe").get("Id")[3:]
    # The events service (110111/110112) records a cancellation as documents.state; the page reads that column.
    shop.server.authorizer.store.run(lambda tx: tx.set_document_state(key, CANCELLED))
    assert "Cancelada" in shop.http.get(qr_of(nfe)).text


# --- a real browser -------------------------------------------------------------------------------------------

def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_chromium(binary: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([binary, *flags, *args], capture_output=True, timeout=120, text=True)


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_consumer_page_in_headless_chromium(shop, tmp_path):
    binary = chromium()
    if binary is None:
        from support import missing_service

        missing_service("Chromium", "no chromium binary", "scripts/install-browser.sh installs it")
    nfe, p = local_nfce(shop)
    url = qr_of(nfe)
    dom = run_chromium(binary, tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    first_item = nfe.findtext(f"{NS}infNFe/{NS}det/{NS}prod/{NS}xProd")
    for expected in ("QR Code válido", "Autorizada", p["nProt"], shop.identity.razao, first_item,
                     nfe.findtext(f"{NS}infNFe/{NS}total/{NS}ICMSTot/{NS}vNF")):
        assert expected in dom.stdout, expected
    shot = tmp_path / "nfce-page.png"
    result = run_chromium(binary, tmp_path, f"--screenshot={shot}", "--window-size=1024,1400", url)
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    assert png_size(shot) == (1024, 1400) and shot.stat().st_size > 20_000  # a rendered page, not a blank one
    keep = os.environ.get("FAKE_SEFAZ_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, os.path.join(keep, "nfce-consumer-page.png"))
    # A tampered QR code in the browser says so.
    bad = run_chromium(binary, tmp_path, "--dump-dom", url[:-1] + ("0" if url[-1] != "0" else "1"))
    assert "QR Code inválido" in bad.stdout
