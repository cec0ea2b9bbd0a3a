"""Scenario files as pytest items (issue 13): `pytest scenarios/` in-process, `--sefaz-endpoint URL` against a
running authorizer, with pytest's own -k and --junitxml; a broken file is a collection error naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[1]


def pytest_run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def _cases(report: Path) -> dict[str, str]:
    out = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        out[case.get("name")] = "skipped" if case.find("skipped") is not None else \
            "failed" if case.find("failure") is not None else "passed"
    return out


def test_scenarios_in_process_with_pytest_options(tmp_path):
    report = tmp_path / "junit.xml"
    r = pytest_run(str(ROOT / "scenarios"), "-k", "status-107 or nfce-702", f"--junitxml={report}")
    assert r.returncode == 0, r.stdout[-2000:]
    assert _cases(report) == {"status-107-in-operation": "passed", "nfce-702-uf-refuses-nfce": "passed"}


def test_scenarios_against_an_endpoint(server, tmp_path):
    """Against a running server, a scenario that needs other server settings is skipped, the others pass."""
    report = tmp_path / "junit.xml"
    r = pytest_run(str(ROOT / "scenarios"), "--sefaz-endpoint", server.url, "-k", "status-107 or nfce-702",
                   f"--junitxml={report}")
    assert r.returncode == 0, r.stdout[-2000:]
    assert _cases(report) == {"status-107-in-operation": "passed", "nfce-702-uf-refuses-nfce": "skipped"}


def test_a_failing_scenario_fails_with_its_message(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.yaml").write_text(
        "scenarios:\n  - name: wrong-expectation\n    description: expects 108 from a running service\n"
        "    steps:\n      - status: {}\n        expect: {cStat: 108}\n")
    r = pytest_run("scenarios", cwd=tmp_path)
    assert r.returncode == 1
    assert "mine.yaml: wrong-expectation:" in r.stdout and "expected 108" in r.stdout and "107" in r.stdout


def test_a_broken_scenario_file_is_a_collection_error(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.yaml").write_text(
        "scenarios:\n  - {name: x, description: d, steps: [{build: {as: nfe, recipent: buyer}}]}\n")
    r = pytest_run("scenarios", cwd=tmp_path)
    assert r.returncode == 2
    assert "mine.yaml: x step 1: build: unknown keys ['recipent']" in r.stdout
