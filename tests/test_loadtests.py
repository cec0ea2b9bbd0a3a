"""The Locust profiles of loadtests/ run as the README says (headless, bounded), against a real server: each
sends requests and none fails. A smoke check of the profiles, never a speed check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import server_settings
from fake_sefaz.server.serve import ThreadedServer

ROOT = Path(__file__).resolve().parent.parent
LOCUST = shutil.which("locust") or str(Path(sys.executable).with_name("locust"))


@pytest.fixture(scope="module")
def load_server(pki, tmp_path_factory):
    with ThreadedServer(settings=server_settings(pki, tmp_path_factory.mktemp("load"))) as srv:
        yield srv


def _corpus(pki, out: Path, *extra: str) -> Path:
    done = subprocess.run([sys.executable, "-m", "fake_sefaz", "corpus", "--certs-dir", str(pki.directory),
                           "--out", str(out), "--jobs", "2", *extra], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def _locust(profile: str, host: str, env: dict, users: int = 2, seconds: int = 4) -> str:
    if not Path(LOCUST).exists():
        pytest.fail("locust is not installed: pip install -e '.[load]'")
    cmd = [LOCUST, "-f", str(ROOT / "loadtests" / profile), "--headless", "-u", str(users), "-r", str(users),
           "-t", f"{seconds}s", "--host", host, "--only-summary", "--stop-timeout", "5"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, **env},
                          cwd=str(ROOT / "loadtests"))
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    return out


def _requests_and_failures(summary: str) -> tuple[int, int]:
    for line in summary.splitlines():
        parts = line.split()
        if parts[:1] == ["Aggregated"] and len(parts) > 2 and parts[1].isdigit():
            return int(parts[1]), int(parts[2].split("(")[0])
    raise AssertionError("no Aggregated line in Locust's summary:\n" + summary[-2000:])


@pytest.mark.parametrize("profile,model,users", [
    ("nfe_sync.py", "55", 2), ("nfce_burst.py", "65", 2), ("async_lots.py", "55", 1), ("mixed_day.py", "55", 3),
])
def test_profile_with_a_presigned_corpus(load_server, pki, tmp_path, profile, model, users):
    corpus = _corpus(pki, tmp_path / "corpus", "--count", "400", "--model", model, *(["--items", "1"] if model == "65" else []))
    out = _locust(profile, load_server.url, {"FAKE_SEFAZ_CORPUS": str(corpus), "FAKE_SEFAZ_LOT_SIZE": "10",
                                             "FAKE_SEFAZ_POLL_S": "0.2"}, users=users)
    total, failures = _requests_and_failures(out)
    assert total > 0 and failures == 0, out[-3000:]


def test_sign_and_validate_profile(load_server, pki):
    out = _locust("sign_and_validate.py", load_server.url, {"FAKE_SEFAZ_CERTS_DIR": str(pki.directory)}, users=2)
    total, failures = _requests_and_failures(out)
    assert total > 0 and failures == 0, out[-3000:]


def test_distributed_mode_partitions_the_corpus(load_server, pki, tmp_path):
    """Issue 18: Locust's distributed mode - one master and two workers (`--processes 2`, as the README shows) -
    each worker sends only its share of the corpus (line i % 2 == its worker_index), so no key is sent twice: every
    answer is 100, never 204/539."""
    corpus = _corpus(pki, tmp_path / "corpus", "--count", "400")
    if not Path(LOCUST).exists():
        pytest.fail("locust is not installed: pip install -e '.[load]'")
    cmd = [LOCUST, "-f", str(ROOT / "loadtests" / "nfe_sync.py"), "--headless", "--processes", "2", "-u", "4",
           "-r", "4", "-t", "5s", "--host", load_server.url, "--only-summary", "--stop-timeout", "5"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=str(ROOT / "loadtests"),
                          env={**os.environ, "FAKE_SEFAZ_CORPUS": str(corpus)})
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    total, failures = _requests_and_failures(out)
    assert total > 0 and failures == 0, out[-3000:]
    assert "worker" in out.lower()  # the master reports its workers
