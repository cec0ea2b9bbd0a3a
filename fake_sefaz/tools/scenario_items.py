"""Scenario files as pytest items (issue 13): `pytest scenarios/` plays every scenario of scenarios/*.yaml against
in-process fakes (one per distinct `settings`), `pytest scenarios/ --sefaz-endpoint URL` against any authorizer.
-k, -x, --junitxml, --lf and parallel plugins come from pytest; `fake-sefaz conformance` is a thin wrapper that runs
this collection with its own settings and certificate (ConformanceRun). Loaded by the fake_sefaz pytest plugin
(tools/pytest_plugin.py)."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from fake_sefaz.tools.conformance.runner import FAILED, SKIPPED, Target, probe, run_scenario
from fake_sefaz.tools.conformance.scenario import Scenario, ScenarioError, load_file

TARGETS_KEY = pytest.StashKey["Targets"]()
BASE_SETTINGS_KEY = pytest.StashKey[Any]()  # Settings the in-process fakes start from (conformance's CLI settings)
CERTIFICATE_KEY = pytest.StashKey[Any]()  # the user's own A1 Identity, signer and issuer of the scenarios


class ConformanceRun:
    """The plugin object `fake-sefaz conformance` hands to pytest.main: its resolved settings and certificate
    reach the targets, and the scenarios collected are kept (for --list)."""

    def __init__(self, settings: Any, certificate: Any = None) -> None:
        self.settings = settings
        self.certificate = certificate
        self.collected: list[Scenario] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[BASE_SETTINGS_KEY] = self.settings
        if self.certificate is not None:
            config.stash[CERTIFICATE_KEY] = self.certificate

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected = [item.scenario for item in session.items if isinstance(item, ScenarioItem)]


class Targets:
    """The session's targets: the endpoint, or one in-process fake per distinct scenario `settings`."""

    def __init__(self, config: pytest.Config) -> None:
        self.endpoint = config.getoption("sefaz_endpoint")
        self.timeout = float(config.getoption("sefaz_timeout"))
        self._stack = ExitStack()
        self.http = self._stack.enter_context(httpx.Client(timeout=self.timeout))
        self._tmp = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="fake-sefaz-scenarios-")))
        self._pki: Any = None
        self._targets: dict[str, Target] = {}
        self._base = config.stash.get(BASE_SETTINGS_KEY, None)
        self._certs_dir = (str(self._base.certs_path) if self._base is not None else
                           config.getini("fake_sefaz_certs_dir") or str(self._tmp / "certs"))
        self.certificate = config.stash.get(CERTIFICATE_KEY, None)
        pfx = config.getoption("sefaz_certificate")
        if self.certificate is None and pfx:
            from fake_sefaz.emitter.pki import identity_from_pfx

            try:
                self.certificate = identity_from_pfx(pfx, config.getoption("sefaz_password") or "",
                                                     self._tmp / "certificate")
            except ValueError as err:
                raise pytest.UsageError(f"--sefaz-certificate {err}") from None

    def pki(self):
        if self._pki is None:
            from fake_sefaz.emitter.pki import ensure_test_pki

            self._pki = ensure_test_pki(self._certs_dir)
        return self._pki

    def for_scenario(self, sc: Scenario) -> Target | None:
        """The target to play sc on, or None when it needs server settings an endpoint cannot take."""
        if self.endpoint:
            if sc.settings:
                return None
            if "endpoint" not in self._targets:
                health = probe(self.endpoint, self.http)
                target = Target(self.endpoint.rstrip("/"), self.pki(), uf=(health or {}).get("uf") or "SP",
                                tpAmb=int((health or {}).get("tpAmb") or 2), is_fake=health is not None,
                                certificate=self.certificate, timeout=self.timeout,
                                tls_url=_tls_url(self.endpoint, (health or {}).get("tls_port")),
                                tls_client_errors=(health or {}).get("tls_client_errors") or "refuse")
                if health is not None:
                    clock = self.http.get(target.url + "/admin/faults/clock").json()
                    target.clock_control = bool(clock.get("controllable"))
                self._targets["endpoint"] = target
            return self._targets["endpoint"]
        key = repr(sorted(sc.settings.items()))
        if key not in self._targets:
            from fake_sefaz.domain.clock import ControlledClock
            from fake_sefaz.server.serve import ThreadedServer
            from fake_sefaz.server.settings import load_settings

            directory = self._tmp / f"s{len(self._targets)}"
            directory.mkdir(parents=True)
            base = self._base if self._base is not None else load_settings(env={})
            settings = base.replace(database_url=f"sqlite:///{directory}/fake-sefaz.db", data_dir=str(directory),
                                    certs_dir=str(self.pki().directory), sqlite_synchronous="NORMAL",
                                    **sc.settings)
            srv = self._stack.enter_context(ThreadedServer(settings=settings, clock=ControlledClock(), tls=True))
            self._targets[key] = Target(srv.url, self.pki(), uf=settings.uf, tpAmb=settings.tpAmb, is_fake=True,
                                        certificate=self.certificate, timeout=self.timeout, tls_url=srv.tls_url,
                                        tls_client_errors=settings.tls_client_errors)
        return self._targets[key]

    def close(self) -> None:
        self._stack.close()


def _tls_url(endpoint: str, tls_port: Any) -> str | None:
    """The HTTPS listener of a fake-sefaz endpoint, from the port its health answer gives (None: it has none)."""
    if not tls_port:
        return None
    parts = httpx.URL(endpoint)
    return f"https://{parts.host}:{int(tls_port)}"


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kw: Any) -> None:
        super().__init__(**kw)
        self.scenario = scenario
        self.add_marker(pytest.mark.sefaz_scenario)

    def runtest(self) -> None:
        targets = self.config.stash.get(TARGETS_KEY, None)
        if targets is None:
            targets = self.config.stash[TARGETS_KEY] = Targets(self.config)
            self.config.add_cleanup(targets.close)
        target = targets.for_scenario(self.scenario)
        if target is None:
            pytest.skip(f"needs server settings {self.scenario.settings}: in-process only")
        result = run_scenario(self.scenario, target, targets.http)
        if result.status == SKIPPED:
            pytest.skip(result.message)
        if result.status == FAILED:
            raise ScenarioFailed(result.message)

    def repr_failure(self, excinfo, style=None):  # noqa: ANN001 - pytest's signature
        if isinstance(excinfo.value, ScenarioFailed):
            return f"{self.scenario.file}: {self.scenario.name}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"scenario {self.scenario.name} ({self.scenario.description[:60]})"


class ScenarioFile(pytest.File):
    def collect(self):
        try:
            scenarios = load_file(self.path)
        except ScenarioError as err:
            raise self.CollectError(str(err)) from None
        for sc in scenarios:
            yield ScenarioItem.from_parent(self, name=sc.name, scenario=sc)


def collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    """scenarios/*.yaml (or any YAML under a directory named by the fake_sefaz_scenarios ini option)."""
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    wanted = parent.config.getini("fake_sefaz_scenarios") or "scenarios"
    if file_path.parent.name != wanted:
        return None
    return ScenarioFile.from_parent(parent, path=file_path)
