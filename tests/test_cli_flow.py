"""The emitter's whole flow from the command line (issue 13): status, send (sync and async with receipt polling),
query, cce, cancel, inutilize, receipt against a real server over HTTP; summaries, --json, --xml and exit codes."""

from __future__ import annotations

import json

import pytest

from support import server_settings
from fake_sefaz import cli
from fake_sefaz.server.serve import ThreadedServer
from fake_sefaz.tools.flow import base_url, stable_ie


@pytest.fixture(scope="module")
def served(pki, tmp_path_factory):
    with ThreadedServer(settings=server_settings(pki, tmp_path_factory.mktemp("cli-flow"))) as srv:
        yield srv


@pytest.fixture
def run(served, pki, capsys, tmp_path):
    def go(*argv: str) -> tuple[int, str, str]:
        code = cli.main([argv[0], "--url", served.url, "--certs-dir", str(pki.directory),
                         "--data-dir", str(tmp_path), *argv[1:]])
        out, err = capsys.readouterr()
        return code, out.strip(), err.strip()
    return go


def test_status(run):
    code, out, _ = run("status")
    assert code == 0 and out.startswith("status: 107 Serviço em Operação  tMed=")


def test_send_query_cce_cancel_query(run):
    code, out, _ = run("send", "--json")
    sent = json.loads(out)
    assert code == 0 and (sent["cStat"], sent["xMotivo"], sent["ok"]) == ("100", "Autorizado o uso da NF-e", True)
    key, nprot = sent["key"], sent["nProt"]
    assert len(key) == 44 and len(nprot) == 15

    code, out, _ = run("query", key)
    assert code == 0 and out == f"query: 100 Autorizado o uso da NF-e  key={key}  nProt={nprot}"
    code, out, _ = run("cce", key, "--text", "Correcao do endereco do destinatario")
    assert code == 0 and out.startswith(f"cce: 135 Evento registrado e vinculado a NF-e  key={key}  nProt=")
    code, out, _ = run("cancel", key)  # nProt looked up with a query
    assert code == 0 and out.startswith("cancel: 135 Evento registrado e vinculado a NF-e")
    code, out, _ = run("query", key, "--json")
    assert code == 0 and json.loads(out)["cStat"] == "101" and json.loads(out)["events"] == ["110110", "110111"]

    code, out, _ = run("cancel", key)  # twice: the authorizer's rejection, exit 1
    assert code == 1 and out.startswith("cancel: 218 Rejeição: NF-e já está cancelada na base de dados da SEFAZ")


def test_send_async_polls_the_receipt(run):
    code, out, _ = run("send", "--async", "--json")
    sent = json.loads(out)
    assert code == 0 and sent["cStat"] == "100" and len(sent["nRec"]) == 15
    code, out, _ = run("receipt", sent["nRec"])
    assert code == 0 and out.startswith(f"receipt: 100 Autorizado o uso da NF-e  key={sent['key']}")


def test_send_raw_answer(served, pki, capsys, tmp_path):
    code = cli.main(["send", "--url", served.url + "/NFeAutorizacao4", "--certs-dir", str(pki.directory),
                     "--data-dir", str(tmp_path), "--xml", "--model", "65"])
    out = capsys.readouterr().out
    assert code == 0 and "<cStat>100</cStat>" in out and out.lstrip().startswith("<?xml")


def test_inutilize_and_its_repeat(run):
    code, out, _ = run("inutilize", "--first", "700", "--last", "702", "--serie", "9")
    assert code == 0 and out.startswith("inutilize: 102 Inutilização de número homologado  range=700-702  serie=9")
    code, out, _ = run("inutilize", "--first", "700", "--last", "702", "--serie", "9")
    assert code == 1 and out.startswith(
        "inutilize: 563 Rejeição: Já existe pedido de Inutilização com a mesma faixa de inutilização [nProt:")


def test_send_keeps_one_ie_per_identity(run, served, pki):
    """Every `send` of one identity shows the same IE: the server learns one registration, not one per run."""
    import httpx

    for _ in range(3):
        assert run("send")[0] == 0
    cnpj = pki.identity("emitente").cnpj
    r = httpx.get(f"{served.url}/admin/taxpayers/{cnpj}")
    assert r.status_code == 200 and r.json()["ie"] == stable_ie(cnpj, "SP")


@pytest.mark.parametrize("argv, message", [
    (["query", "123"], "fake-sefaz query: '123': an access key has 44 digits"),
    (["send", "--identity", "nobody"], "fake-sefaz send: --identity nobody: not a test identity"),
    (["inutilize", "--first", "5", "--last", "2"],
     "fake-sefaz inutilize: --first 5 --last 2: give 1 <= first <= last <= 999999999"),
])
def test_mistakes_are_one_line(run, argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == "" and err.startswith(message) and "\n" not in err


def test_base_url():
    assert base_url("http://h:1/NFeAutorizacao4") == "http://h:1"
    assert base_url("http://h:1/homologacao/RJ/NFeStatusServico4/") == "http://h:1/homologacao/RJ"
    assert base_url("http://h:1/ws") == "http://h:1/ws"
