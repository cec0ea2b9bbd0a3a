"""The layers contract (pyproject.toml [tool.importlinter], decision 0011), checked on every CI run: a new
upward import (a rule reaching the store, a service importing the server, the emitter importing the server)
fails the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "BROKEN" not in r.stdout and r.stdout.count("KEPT") >= 4, r.stdout[-2000:]


def test_the_package_top_holds_only_the_entry_points():
    """Everything else lives in a layer package (domain, rules, services, faults, store, soap, server, web,
    emitter, tools): the top of fake_sefaz/ is the CLI and the package's own files."""
    top = sorted(p.name for p in (ROOT / "fake_sefaz").glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py"]


def test_tests_import_helpers_from_the_support_package_only():
    """Test modules never import each other or conftest: shared helpers live in tests/support/."""
    import re

    bad = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"\s*(from|import)\s+(conftest|test_\w+|\w+_support)\b", line):
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not bad, "\n".join(bad)
