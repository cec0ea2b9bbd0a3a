"""Unit-test support for the content rules (issue 17): a factory note with known amounts, edits in the scenario
vocabulary (fake_sefaz.tools.conformance.runner.apply_edits), and a rule context with no server and no database."""

from __future__ import annotations

from datetime import datetime, timezone

from fake_sefaz.domain import codes
from fake_sefaz.domain.nfe import NFeView
from fake_sefaz.emitter.factory import NFeFactory
from fake_sefaz.rules import applies
from fake_sefaz.rules.nfe import NFeContext
from fake_sefaz.server.settings import Settings
from fake_sefaz.tools.conformance.runner import apply_edits

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
FIXED = {"n_items": 1, "price": "100.00", "quantity": 1}


def note(model: int = 55, edits: list[dict] | None = None, **build):
    """A note issued just before NOW (SP, homologação), built with `build` and then edited."""
    factory = NFeFactory(seed=17, uf="SP", tpAmb=2)
    kwargs = {**FIXED, "dhEmi": datetime(2026, 12, 3, 8, 55), **build}
    nfe = (factory.build_nfce if model == 65 else factory.build)(**kwargs)
    apply_edits(nfe, edits or [])
    return nfe


def context(nfe, now: datetime = NOW, settings: Settings | None = None, tpAmb: int = 2) -> NFeContext:
    return NFeContext(NFeView(nfe), now, 35, tpAmb, settings or Settings(), None)


def outcome(rule, nfe, **ctx) -> tuple[int, str] | None:
    """(cStat, xMotivo) the rule answers for this note, or None when it passes (or is not in force)."""
    c = context(nfe, **ctx)
    if not applies(rule, c):
        return None
    try:
        rule(c)
    except codes.Rejection as rej:
        assert rej.cstat in rule.cstats
        return rej.cstat, codes.motivo(rej.cstat, rej.suffix, meaning=rej.meaning)
    return None


def check_case(rule, build: dict, edits: list[dict], cstat: int, text: str) -> None:
    """The unit test of one rule case: the build passes the rule, the edited build gets (cstat, text). build may
    name UF options ("settings": [rule ids]); the rule is then off without them (MOC "Facul.")."""
    build = dict(build)
    options = build.pop("settings", None)
    settings = Settings(uf_optional_rules=tuple(options or ()))
    assert outcome(rule, note(**build), settings=settings) is None
    assert outcome(rule, note(edits=edits, **build), settings=settings) == (cstat, text)
    if options:
        assert outcome(rule, note(edits=edits, **build)) is None
