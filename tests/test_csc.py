"""CSC token lifecycle (SEFAZ-AM token guide, reference/seeds/000 and regulation extract §1) through the admin JSON
API and the portal page, over real HTTP with the injected clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from support import server_settings
from support.portal import login

from fake_sefaz.domain.clock import ControlledClock
from fake_sefaz.server.serve import ThreadedServer

MANAUS = timezone(timedelta(hours=-4))
SEFAZ_AM = "04312377000137"  # the taxpayer of the guide's screenshots (CNPJ 04.312.377/0001-37)

# The guide's history (extract §1.3): (instant in Manaus, action, id, token). Table 4 of the guide is the result.
GUIDE_EVENTS = [
    ("05/07/2013 13:13:16", "request", "000001", "07279305"),
    ("10/07/2013 09:39:42", "request", "000002", "80053748"),
    ("10/07/2013 09:39:54", "revoke", "000002", None),
    ("10/07/2013 09:40:07", "request", "000003", "43860918"),
    ("10/07/2013 09:40:45", "revoke", "000003", None),
    ("23/07/2013 16:15:09", "revoke", "000001", None),
    ("23/07/2013 16:15:17", "request", "000004", "83214645"),
    ("23/07/2013 16:15:51", "request", "000005", "73243414"),
    ("01/09/2013 21:37:19", "revoke", "000005", None),
    ("01/09/2013 21:37:32", "revoke", "000004", None),
    ("01/09/2013 21:38:10", "request", "000006", "45722963"),
    ("01/09/2013 21:38:47", "request", "000007", "28211236"),
    ("01/09/2013 21:39:12", "revoke", "000006", None),
    ("10/09/2013 10:25:11", "request", "000008", "69673376"),
]

# Table 4 of the guide (the DT-e screenshot), newest first: ID, number, start, end of validity.
GUIDE_TABLE = [
    ("000008", "69673376", "10/09/2013 10:25:11", ""),
    ("000007", "28211236", "01/09/2013 21:38:47", ""),
    ("000006", "45722963", "01/09/2013 21:38:10", "01/09/2013 21:39:12"),
    ("000005", "73243414", "23/07/2013 16:15:51", "01/09/2013 21:37:19"),
    ("000004", "83214645", "23/07/2013 16:15:17", "01/09/2013 21:37:32"),
    ("000003", "43860918", "10/07/2013 09:40:07", "10/07/2013 09:40:45"),
    ("000002", "80053748", "10/07/2013 09:39:42", "10/07/2013 09:39:54"),
    ("000001", "07279305", "05/07/2013 13:13:16", "23/07/2013 16:15:09"),
]


@pytest.fixture(scope="module")
def cclock():
    return ControlledClock(frozen=True)


@pytest.fixture(scope="module")
def cserver(pki, cclock, tmp_path_factory):
    settings = server_settings(pki, tmp_path_factory.mktemp("csc"), uf="AM", csc_length=8, csc_alphabet="0123456789")
    with ThreadedServer(settings=settings, clock=cclock, tls=True) as srv:
        yield srv


@pytest.fixture
def http(cserver):
    with httpx.Client(base_url=cserver.url, timeout=30) as c:
        yield c


def at(text: str) -> datetime:
    return datetime.strptime(text, "%d/%m/%Y %H:%M:%S").replace(tzinfo=MANAUS)


def test_replaying_the_guide_gives_its_table(http, cclock, cserver, pki):
    # the guide's taxpayer is SEFAZ-AM; the portal opens for the company of the certificate, so the guide is replayed
    # for the test e-CNPJ's company, and its branch sees the same tokens
    company, branch = pki.identity("emitente").cnpj, pki.identity("emitente-filial").cnpj
    cclock.set(datetime.now(timezone.utc), frozen=True)
    portal = login(pki, cserver.tls_url)  # today: the test certificate did not exist in 2013 (A02)
    for when, action, token_id, token in GUIDE_EVENTS:
        cclock.set(at(when), frozen=True)
        if action == "request":
            r = http.post(f"/admin/taxpayers/{company}/csc", json={"token": token})
            assert r.status_code == 201, r.text
            assert (r.json()["id"], r.json()["token"], r.json()["active"]) == (token_id, token, True)
        else:
            r = http.delete(f"/admin/taxpayers/{company}/csc/{token_id}")
            assert r.status_code == 200, r.text
            assert r.json()["fimVigencia"] == when
    listing = http.get(f"/admin/taxpayers/{company}/csc").json()
    assert (listing["cnpjBase"], listing["uf"], listing["tpAmb"]) == (company[:8], "AM", 2)
    got = [(t["id"], t["token"], t["inicioVigencia"], t["fimVigencia"]) for t in listing["tokens"]]
    assert got == GUIDE_TABLE
    assert [t["id"] for t in listing["tokens"] if t["active"]] == ["000008", "000007"]
    # Any establishment of the taxpayer (same CNPJ base) sees the same list (CSC-07).
    assert http.get(f"/admin/taxpayers/{branch}/csc").json()["tokens"] == listing["tokens"]
    # The portal shows the same table, to the company's own certificate (Atendimento On-line session).
    page = portal.get(f"/portal/csc/{company}").text
    for row in GUIDE_TABLE:
        assert all(cell in page for cell in row)
    assert page.count(">Revogar</a>") == 2


def test_third_active_token_is_refused_and_consumes_no_id(http, cclock):
    cnpj = "11222333000181"
    first = http.post(f"/admin/taxpayers/{cnpj}/csc").json()
    second = http.post(f"/admin/taxpayers/{cnpj}/csc").json()
    assert (first["id"], second["id"]) == ("000001", "000002")
    assert len(first["token"]) == 8 and first["token"].isdigit()
    third = http.post(f"/admin/taxpayers/{cnpj}/csc")
    assert third.status_code == 409 and "two tokens are already active" in third.json()["error"]
    assert [t["id"] for t in http.get(f"/admin/taxpayers/{cnpj}/csc").json()["tokens"]] == ["000002", "000001"]
    cclock.advance(timedelta(seconds=5))
    assert http.delete(f"/admin/taxpayers/{cnpj}/csc/1").json()["fimVigencia"] != ""
    again = http.delete(f"/admin/taxpayers/{cnpj}/csc/000001")
    assert again.status_code == 409
    assert http.delete(f"/admin/taxpayers/{cnpj}/csc/000042").status_code == 404
    assert http.post(f"/admin/taxpayers/{cnpj}/csc").json()["id"] == "000003"  # never reused


def test_fifty_cycles_never_more_than_two_active(http):
    cnpj = "22333444000181"
    for n in range(1, 51):
        created = http.post(f"/admin/taxpayers/{cnpj}/csc").json()
        assert created["id"] == f"{n:06d}"
        if n > 1:
            http.delete(f"/admin/taxpayers/{cnpj}/csc/{n - 1}")
        active = [t for t in http.get(f"/admin/taxpayers/{cnpj}/csc").json()["tokens"] if t["active"]]
        assert len(active) <= 2


def test_concurrent_requests_one_wins(cserver):
    cnpj = "33444555000181"
    with httpx.Client(base_url=cserver.url, timeout=30) as c:
        c.post(f"/admin/taxpayers/{cnpj}/csc")
    results: list[int] = []

    def go() -> None:
        with httpx.Client(base_url=cserver.url, timeout=30) as c:
            results.append(c.post(f"/admin/taxpayers/{cnpj}/csc").status_code)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409, 409, 409]


def test_bad_requests(http):
    assert http.get("/admin/taxpayers/123/csc").status_code == 400
    r = http.post("/admin/taxpayers/44555666000181/csc", json={"token": "has space"})
    assert (r.status_code, r.json()["field"]) == (422, "token"), r.text
    r = http.post("/admin/taxpayers/44555666000181/csc", content=b"{nope")
    assert (r.status_code, r.json()["field"]) == (422, "body"), r.text
    r = http.post("/admin/taxpayers/44555666000181/csc", json={"tokn": "ABC"})
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (422, "tokn", "Extra inputs are not permitted")
    assert http.get("/admin/taxpayers/44555666000181/csc", params={"tpAmb": "3"}).status_code == 400
    assert http.get("/admin/taxpayers/44555666000181/csc", params={"uf": "XX"}).status_code == 400


def test_environments_and_ufs_are_separate(http):
    cnpj = "55666777000181"
    assert http.post(f"/admin/taxpayers/{cnpj}/csc", params={"tpAmb": 1}).json()["id"] == "000001"
    assert http.post(f"/admin/taxpayers/{cnpj}/csc", params={"uf": "SP"}).json()["id"] == "000001"
    assert http.get(f"/admin/taxpayers/{cnpj}/csc").json()["tokens"] == []


def test_portal_request_and_revoke_with_confirmation(http, cclock, cserver, pki):
    cnpj = pki.identity("outro").cnpj
    cclock.set(datetime.now(timezone.utc), frozen=True)
    admin, http = http, login(pki, cserver.tls_url, "outro")
    cclock.set(at("02/01/2026 10:00:00"), frozen=True)
    assert "Requisitar novo" in http.get("/portal/csc", follow_redirects=True).text
    r = http.post(f"/portal/csc/{cnpj}/request", follow_redirects=True)
    assert "Token emitido:" in r.text and "000001" in r.text and "02/01/2026 10:00:00" in r.text
    token = admin.get(f"/admin/taxpayers/{cnpj}/csc").json()["tokens"][0]["token"]
    assert f"Token emitido: {token}" in r.text
    confirm = http.get(f"/portal/csc/{cnpj}/revoke/1")
    assert "Deseja realmente revogar Token com id [1]?" in confirm.text
    # A POST without the confirmation field revokes nothing.
    http.post(f"/portal/csc/{cnpj}/revoke/1", follow_redirects=True)
    assert admin.get(f"/admin/taxpayers/{cnpj}/csc").json()["tokens"][0]["active"] is True
    cclock.advance(timedelta(minutes=1))
    done = http.post(f"/portal/csc/{cnpj}/revoke/1", data={"confirmar": "sim"}, follow_redirects=True)
    assert "02/01/2026 10:01:00" in done.text and ">Revogar</a>" not in done.text
    http.post(f"/portal/csc/{cnpj}/request")
    http.post(f"/portal/csc/{cnpj}/request")
    refused = http.post(f"/portal/csc/{cnpj}/request", follow_redirects=True)
    assert "two tokens are already active" in refused.text
