"""Typed settings (issue 13): one way to build settings from outside values, every bad value one line naming its
source, the database under the data directory, and `serve` refusing before anything listens."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from fake_sefaz.server.settings import Settings, SettingsError, load_settings


@pytest.mark.parametrize("env, message", [
    ({"FAKE_SEFAZ_UNKNOWN_ISSUER": "rejct"}, "FAKE_SEFAZ_UNKNOWN_ISSUER='rejct': Input should be 'regular' or 'reject'"),
    ({"FAKE_SEFAZ_TRUST_TEST_CA": "ture"},
     "FAKE_SEFAZ_TRUST_TEST_CA='ture': Input should be a valid boolean, unable to interpret input"),
    ({"FAKE_SEFAZ_SOAP_EXECUTOR": "bogus"}, "FAKE_SEFAZ_SOAP_EXECUTOR='bogus': Input should be 'inline' or 'thread'"),
    ({"FAKE_SEFAZ_PORT": "eighty"},
     "FAKE_SEFAZ_PORT='eighty': Input should be a valid integer, unable to parse string as an integer"),
    ({"FAKE_SEFAZ_UF": "XX"}, "FAKE_SEFAZ_UF='XX': not a UF: give a sigla (SP) or an IBGE code (35)"),
    ({"FAKE_SEFAZ_TPAMB": "3"}, "FAKE_SEFAZ_TPAMB='3': Input should be less than or equal to 2"),
    ({"FAKE_SEFAZ_TRUST_ANCHORS": "/nonexistent/ca.pem"},
     "FAKE_SEFAZ_TRUST_ANCHORS='/nonexistent/ca.pem': no such file: /nonexistent/ca.pem"),
    ({"FAKE_SEFAZ_CONFIG": "/nonexistent/fs.toml"},
     "FAKE_SEFAZ_CONFIG='/nonexistent/fs.toml': cannot read it (No such file or directory)"),
    ({"FAKE_SEFAZ_DATABASE_URL": "mysql://x"},
     "FAKE_SEFAZ_DATABASE_URL='mysql://x': give sqlite:///relative.db, sqlite:////absolute.db or postgresql://user@host/db"),
    ({"FAKE_SEFAZ_NFCE_MAX_VNF": "lots"},
     "FAKE_SEFAZ_NFCE_MAX_VNF='lots': not an amount: give a decimal such as 200000.00, or nothing"),
])
def test_bad_environment_value_is_one_line(env, message):
    with pytest.raises(SettingsError) as err:
        load_settings(env)
    assert str(err.value) == message


def test_bad_toml_value_names_the_file_and_key(tmp_path):
    toml = tmp_path / "fs.toml"
    toml.write_text("workers = 0\n")
    with pytest.raises(SettingsError) as err:
        load_settings({"FAKE_SEFAZ_CONFIG": str(toml)})
    assert str(err.value) == f"{toml}: workers=0: Input should be greater than or equal to 1"


def test_command_line_value_names_the_option():
    with pytest.raises(SettingsError) as err:
        load_settings({}, port=99999)
    assert str(err.value) == "--port=99999: Input should be less than or equal to 65535"


def test_replace_converts_like_the_environment():
    """A scenario's `settings: {nfce_refused_ufs: SP}` is ('SP',), not {'S', 'P'} (issue 13)."""
    s = Settings().replace(nfce_refused_ufs="SP", async_delay_s="1.5", sync_enabled="false")
    assert (s.nfce_refused_ufs, s.async_delay_s, s.sync_enabled) == (("SP",), 1.5, False)
    with pytest.raises(SettingsError, match="^nfce_qr_check='loud': Input should be 'off', 'warn' or 'enforce'$"):
        Settings().replace(nfce_qr_check="loud")


def test_database_lives_under_the_data_dir(tmp_path):
    assert load_settings({}, data_dir=str(tmp_path)).database_url == f"sqlite:///{tmp_path}/fake-sefaz.db"
    assert Settings().replace(data_dir=str(tmp_path)).database_url == f"sqlite:///{tmp_path}/fake-sefaz.db"
    explicit = load_settings({"FAKE_SEFAZ_DATABASE_URL": "sqlite:///elsewhere.db"}, data_dir=str(tmp_path))
    assert explicit.database_url == "sqlite:///elsewhere.db"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("args, env, line", [
    (["--port", "99999"], {}, "fake-sefaz serve: --port=99999: Input should be less than or equal to 65535"),
    ([], {"FAKE_SEFAZ_TRUST_ANCHORS": "/nonexistent/ca.pem"},
     "fake-sefaz serve: FAKE_SEFAZ_TRUST_ANCHORS='/nonexistent/ca.pem': no such file: /nonexistent/ca.pem"),
])
def test_serve_refuses_before_listening(tmp_path, args, env, line):
    port = _free_port()
    argv = [sys.executable, "-m", "fake_sefaz", "serve", "--data-dir", str(tmp_path)]
    argv += args or ["--port", str(port)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", **env})
    assert (p.returncode, p.stdout, p.stderr.strip()) == (2, "", line)
    assert not (tmp_path / "fake-sefaz.db").exists()


def test_serve_banner_names_the_database_under_data_dir(tmp_path):
    """`serve --data-dir D` keeps its database in D (the banner says so), not in the working directory."""
    port = _free_port()
    p = subprocess.Popen([sys.executable, "-m", "fake_sefaz", "serve", "--data-dir", str(tmp_path), "--port",
                          str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        banner = p.stdout.readline()
    finally:
        p.terminate()
        p.wait(timeout=30)
    assert f"sqlite:///{tmp_path}/fake-sefaz.db" in banner and f":{port}/" in banner


def test_verbose_shows_the_traceback(tmp_path):
    p = subprocess.run([sys.executable, "-m", "fake_sefaz", "--verbose", "registry", "load", "/nonexistent.yaml",
                        "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "Traceback" in p.stderr and "FileNotFoundError" in p.stderr
    p = subprocess.run([sys.executable, "-m", "fake_sefaz", "registry", "load", "/nonexistent.yaml",
                        "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stderr.strip()) == (2, "fake-sefaz registry: /nonexistent.yaml: No such file or directory")


def test_conformance_in_process_applies_scenario_settings(tmp_path):
    """`fake-sefaz conformance` in-process builds a scenario's settings like the pytest path: nfce-702 (a UF that
    refuses NFC-e, `settings: {nfce_refused_ufs: SP}`) passes."""
    p = subprocess.run([sys.executable, "-m", "fake_sefaz", "conformance", "-k", "nfce-702",
                        "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "1 passed, " in p.stdout and " deselected" in p.stdout, p.stdout[-2000:]


def test_conformance_is_a_wrapper_over_the_pytest_collection(tmp_path):
    """--list honours pytest's -k; a -k that matches nothing and a wrong certificate are one line each."""
    p = subprocess.run([sys.executable, "-m", "fake_sefaz", "conformance", "--list", "-k",
                        "status-107 or (nfce-702 and not fault)", "--data-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    rows = [line.split()[:2] for line in p.stdout.splitlines()]
    assert (p.returncode, rows) == (0, [["nfce-702-uf-refuses-nfce", "702"], ["status-107-in-operation", "107"]]), \
        p.stdout + p.stderr
    p = subprocess.run([sys.executable, "-m", "fake_sefaz", "conformance", "-k", "no-such-scenario",
                        "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stderr.strip().endswith("matches -k 'no-such-scenario'"), p.stderr
    bogus = tmp_path / "bogus.pfx"
    bogus.write_bytes(b"not a pfx")
    p = subprocess.run([sys.executable, "-m", "fake_sefaz", "conformance", "--certificate", str(bogus),
                        "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert (p.returncode, p.stderr.strip()) == (
        2, f"fake-sefaz conformance: {bogus}: wrong password or not a PKCS#12 (PFX) file"), p.stderr


def test_every_cli_option_has_help_and_shows_its_default():
    import argparse

    from fake_sefaz.cli import DefaultsHelp, build_parser

    def walk(parser, name):
        for a in parser._actions:
            if isinstance(a, argparse._SubParsersAction):
                for sub, sp in a.choices.items():
                    assert sp.formatter_class is DefaultsHelp, sub
                    yield from walk(sp, f"{name} {sub}")
            elif not a.help and a.dest != "help":
                yield name, a.option_strings or a.dest

    assert list(walk(build_parser(), "fake-sefaz")) == []
