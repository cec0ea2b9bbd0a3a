"""The command line (certs, send) as a user runs it, and where settings come from."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fake_sefaz.server.settings import as_env, load_settings


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "fake_sefaz", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_certs_lists_the_test_pki(pki):
    out = run_cli("certs", "--certs-dir", str(pki.directory))
    assert out.returncode == 0, out.stderr
    manifest = json.loads(out.stdout)
    names = {row["name"] for row in manifest["identities"]}
    assert {"emitente", "revogado", "estrangeiro"} <= names
    assert manifest["password"] == pki.password
    assert all(p.endswith(".pem") for p in manifest["trust_anchors"])


@pytest.mark.parametrize("flags", [[], ["--soap", "11", "--zip"], ["--async"]])
def test_send_authorizes_against_a_running_server(server, pki, flags):
    out = run_cli("send", "--url", server.url + "/NFeAutorizacao4", "--certs-dir", str(pki.directory), "--query", *flags)
    assert out.returncode == 0, out.stderr
    sent, queried = out.stdout.splitlines()
    assert sent.startswith("send: 100 Autorizado o uso da NF-e  key=") and "nProt=" in sent
    assert ("  nRec=" in sent) == ("--async" in flags)  # async: the receipt was polled
    assert queried.startswith("query: 100 Autorizado o uso da NF-e  key=" + sent.split("key=")[1][:44])


def test_send_xml_prints_the_soap_answers(server, pki):
    out = run_cli("send", "--url", server.url, "--certs-dir", str(pki.directory), "--xml")
    assert out.returncode == 0, out.stderr
    assert "<cStat>104</cStat>" in out.stdout and "<cStat>100</cStat>" in out.stdout


def test_settings_precedence_toml_env_cli(tmp_path):
    toml = tmp_path / "fs.toml"
    anchor = tmp_path / "a.pem"
    anchor.write_text("")
    toml.write_text(f'uf = "RJ"\ntpAmb = 1\nport = 9000\ntrust_anchors = ["{anchor}"]\n')
    s = load_settings({"FAKE_SEFAZ_CONFIG": str(toml), "FAKE_SEFAZ_PORT": "9100"}, workers=3)
    assert (s.uf, s.cUF, s.tpAmb, s.port, s.workers, s.trust_anchors) == ("RJ", 33, 1, 9100, 3, (str(anchor),))
    assert load_settings(as_env(s)) == s


@pytest.mark.parametrize("env", [{"FAKE_SEFAZ_UF": "XX"}, {"FAKE_SEFAZ_TPAMB": "3"}])
def test_bad_settings_fail_fast(env):
    with pytest.raises(ValueError):
        load_settings(env)


def test_unknown_setting_in_toml_is_an_error(tmp_path):
    toml = tmp_path / "fs.toml"
    toml.write_text("nonsense = 1\n")
    with pytest.raises(ValueError, match="nonsense"):
        load_settings({"FAKE_SEFAZ_CONFIG": str(toml)})
