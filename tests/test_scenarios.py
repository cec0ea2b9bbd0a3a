"""Scenario files and the conformance runner: coverage of every answerable cStat, the runner against the
in-process server, against a separately started `fake-sefaz serve --workers 2`, and against a non-fake endpoint."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from xml.etree import ElementTree as ET

import httpx
import pytest

from fake_sefaz.tools.conformance import coverage
from fake_sefaz.tools.conformance.runner import PASSED, SKIPPED, Target, run_scenario
from fake_sefaz.tools.conformance.scenario import ScenarioError, default_directory, load

SCENARIOS = load(default_directory())


def named(*fragments: str):
    """The scenarios whose name holds one of the fragments (what these tests pick; pytest's -k does it for users)."""
    return [sc for sc in SCENARIOS if any(f in sc.name for f in fragments)]


def table(results) -> str:
    return "\n".join(f"{r.name}: {r.status} {r.message.splitlines()[0] if r.message else ''}" for r in results)


def test_every_answerable_code_has_a_scenario():
    """Answerable codes come from the rule tags and the service modules (coverage.py), never a hand list."""
    answerable = coverage.answerable_codes()
    assert {100, 107, 204, 656, 108, 109} <= answerable  # the derivation sees rules, services and faults
    missing = answerable - coverage.covered_codes(SCENARIOS)
    assert not missing, f"cStat codes the server can answer without a scenario in scenarios/: {sorted(missing)}"


def test_a_new_rule_code_is_demanded(monkeypatch):
    """The coverage derivation follows the code: a new tagged rule makes its code answerable."""
    import fake_sefaz.rules.nfe as nfe_rules
    from fake_sefaz.domain import codes
    from fake_sefaz.rules import rule

    # a catalogue code nothing answers yet (none is hard-coded: scenarios keep covering more of them)
    taken = coverage.answerable_codes() | coverage.covered_codes(SCENARIOS)
    code = next(c for c in sorted(codes.CATALOGUE) if c not in taken)

    @rule("TEST-ONLY", code)
    def fake_rule(ctx):
        pass

    fake_rule.__module__ = nfe_rules.__name__
    monkeypatch.setattr(nfe_rules, "fake_rule_for_test", fake_rule, raising=False)
    assert code in coverage.answerable_codes()
    assert code not in coverage.covered_codes(SCENARIOS)


def test_scenario_files_are_checked(tmp_path):
    (tmp_path / "a.yaml").write_text("name: x\ndescription: y\nsteps: [{sned: {}}]\n")
    with pytest.raises(ScenarioError):
        load(tmp_path)
    (tmp_path / "a.yaml").write_text("scenarios:\n  - {name: x, description: d, steps: []}\n  - {name: x, description: d, steps: []}\n")
    with pytest.raises(ScenarioError):
        load(tmp_path)
    (tmp_path / "a.yaml").write_text("name: x\nsteps: []\n")
    with pytest.raises(ScenarioError):
        load(tmp_path)


def test_every_scenario_passes_in_process(tmp_path):
    """The whole scenarios/ directory, through the pytest collection (one in-process fake per distinct settings)."""
    report = tmp_path / "junit.xml"
    r = subprocess.run([sys.executable, "-m", "pytest", str(default_directory()), "-p", "no:cacheprovider", "-q",
                        f"--junitxml={report}"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:]
    suite = ET.parse(report).getroot().find("testsuite")
    assert (int(suite.get("tests")), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == \
        (len(SCENARIOS), "0", "0", "0")


def test_fake_only_scenarios_are_skipped_against_another_authorizer(pki, server):
    """Against an endpoint that is not a fake-sefaz (no admin API) only plain SOAP scenarios run."""
    target = Target(server.url, pki, is_fake=False)
    with httpx.Client(timeout=15) as http:
        results = {sc.name: run_scenario(sc, target, http) for sc in named("fault-108", "status-107", "query-217")}
    assert results["fault-108-authorization-paused"].status == SKIPPED
    assert results["status-107-in-operation"].status == PASSED
    assert results["query-217-unknown-key"].status == PASSED


def test_event_and_inut_scenarios_run_against_another_authorizer(pki, server):
    """Events, inutilização and NFC-e scenarios are plain SOAP unless they need the admin API (evidence, CSC, clock)."""
    target = Target(server.url, pki, is_fake=False)
    chosen = named("event-135-cancel", "inut-563", "subst-918", "nfce-707", "event-219", "qr-463", "event-501")
    with httpx.Client(timeout=15) as http:
        results = {sc.name: run_scenario(sc, target, http) for sc in chosen}
    assert {n for n, r in results.items() if r.status == PASSED} == {
        "event-135-cancel-then-101-and-218", "inut-563-same-range-256-overlap", "subst-918-other-number-of-items",
        "nfce-707-interstate"}, table(list(results.values()))
    assert {n for n, r in results.items() if r.status == SKIPPED} == {
        "event-219-circulation-verified", "qr-463-token-revoked", "event-501-cancel-past-window"}


def test_cadastro_and_registry_scenarios_against_another_authorizer(pki, server):
    """ConsCad rejections need no setup (made-up numbers per run) and run anywhere; registry scenarios register
    taxpayers through the admin API (setup, admin steps, teardown), so they are skipped without it."""
    target = Target(server.url, pki, is_fake=False)
    chosen = [sc for sc in named("cadastro", "registry", "event-240") if not sc.settings]
    with httpx.Client(timeout=15) as http:
        results = {sc.name: run_scenario(sc, target, http) for sc in chosen}
    passed = {n for n, r in results.items() if r.status == PASSED}
    assert passed == {"cadastro-258-cnpj-invalid", "cadastro-259-cnpj-not-registered", "cadastro-260-ie-invalid",
                      "cadastro-261-ie-not-registered", "cadastro-263-cpf-invalid", "cadastro-264-cpf-not-registered",
                      "cadastro-265-other-uf", "registry-229-issuer-ie-missing", "registry-209-issuer-ie-invalid"}, \
        table(list(results.values()))
    assert all(r.status == SKIPPED for n, r in results.items() if n not in passed)
    assert {"registry-781-irregular-issuer-rejected", "event-240-irregular-issuer", "cadastro-111-one-registration"} \
        <= set(results)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(pki, tmp_path):
    """`fake-sefaz serve --workers 2` in its own processes, faults and clock shared through the store, with an HTTPS
    listener (the supervisor hands TLS connections to the workers too)."""
    port = _free_port()
    env = {**os.environ, "FAKE_SEFAZ_CLOCK_CONTROL": "1", "FAKE_SEFAZ_SQLITE_SYNCHRONOUS": "NORMAL"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fake_sefaz.cli", "serve", "--port", str(port), "--workers", "2",
         "--tls-port", str(_free_port()),
         "--data-dir", str(tmp_path / "data"), "--certs-dir", str(pki.directory)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/admin/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(proc.stdout.read().decode(errors="replace"))
        time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_conformance_cli_against_a_separately_started_server(served, pki, tmp_path):
    report = tmp_path / "junit.xml"
    r = subprocess.run(
        [sys.executable, "-m", "fake_sefaz.cli", "conformance", "--endpoint", served, "--certs-dir", str(pki.directory),
         "--junit", str(report), "--timeout", "15"],
        capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    suite = ET.parse(report).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(SCENARIOS) and suite.get("failures") == "0"
    skipped = {c.get("name") for c in cases if c.find("skipped") is not None}
    assert skipped == {s.name for s in SCENARIOS if s.settings}  # only those needing other server settings
    assert f"{len(SCENARIOS) - len(skipped)} passed, {len(skipped)} skipped" in r.stdout  # pytest's summary
    assert "\r" not in r.stdout + r.stderr  # no progress bar redrawn in a log (issue 13)


def test_conformance_cli_exits_non_zero_on_failure(served, pki, tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "bad.yaml").write_text(
        "name: wrong\ndescription: d\nsteps:\n  - status: {}\n    expect: {cStat: 109}\n")
    r = subprocess.run([sys.executable, "-m", "fake_sefaz.cli", "conformance", "--endpoint", served, "-q",
                        "--certs-dir", str(pki.directory), "--scenarios", str(tmp_path / "s")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "1 failed" in r.stdout


@pytest.mark.parametrize("text, message", [
    ("scenarios:\n  - {name: x, description: d, steps: [{build: {as: nfe, recipent: buyer}}]}\n",
     "a.yaml: x step 1: build: unknown keys ['recipent']"),
    ("scenarios:\n  - {name: x, description: d, steps: [{status: {}, expect: {cStatt: 107}}]}\n",
     "a.yaml: x step 1: expect: 'cStatt': did you mean cStat?"),
    ("scenarios:\n  - {name: x, description: d, steps: [{status: {}, expect: {prot/xmotivo: a}}]}\n",
     "a.yaml: x step 1: expect: 'prot/xmotivo': did you mean xMotivo?"),
    ("scenario:\n  - {name: x, description: d, steps: []}\n",
     "a.yaml: 'scenario:' found; the list of scenarios is 'scenarios:'"),
    ("scenarios:\n  - {name: x, description: d, stpes: []}\n", "a.yaml: x: unknown keys ['stpes']"),
    ("scenarios:\n  - {name: x, description: d, settings: {nfce_qr_check: loud}, steps: []}\n",
     "a.yaml: x: settings: nfce_qr_check='loud': Input should be 'off', 'warn' or 'enforce'"),
    ("scenarios:\n  - {name: x, description: d, settings: {no_such_setting: 1}, steps: []}\n",
     "a.yaml: x: settings: no_such_setting: unknown setting"),
    ("scenarios: [\n", "a.yaml: not YAML:"),
])
def test_scenario_mistakes_name_file_scenario_and_step(tmp_path, text, message):
    (tmp_path / "a.yaml").write_text(text)
    with pytest.raises(ScenarioError) as err:
        load(tmp_path)
    assert str(err.value).startswith(message), str(err.value)


def test_missing_scenario_directory_is_an_error(tmp_path):
    with pytest.raises(ScenarioError, match="no such directory of scenario files"):
        load(tmp_path / "nowhere")
