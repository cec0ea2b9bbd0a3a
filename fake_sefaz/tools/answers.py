"""Which cStat codes this server can answer, and where: derived from the rule tags and the services'
declarations, never kept by hand. The README's cStat table, the scenario-coverage test and the
conformance suite all read this."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from fake_sefaz.domain import codes

# Answered by the SOAP dispatcher itself (authorizer.py): unreadable or mismatched payloads, and bugs.
DISPATCHER_CODES = {
    214: "B01 data area over the limit (codec)",
    243: "B02 malformed data area (codec)",
    402: "D03 data area not UTF-8 (codec)",
    516: "payload root of another service (other services)",
    565: "payload root of another service (NF-e lot)",
    999: "unexpected error inside a rule (logged with the request id)",
}


def _rule_functions():
    for package in ("fake_sefaz.rules", "fake_sefaz.services"):
        mod = importlib.import_module(package)
        modules = [mod]
        if hasattr(mod, "__path__"):
            modules += [importlib.import_module(f"{package}.{m.name}") for m in pkgutil.iter_modules(mod.__path__)]
        for m in modules:
            for obj in vars(m).values():
                if callable(obj) and hasattr(obj, "rule_id") and getattr(obj, "__module__", "") == m.__name__:
                    yield m.__name__, obj


def answerable() -> dict[int, list[str]]:
    """cStat -> where it is answered ('rule GB01 (rules.nfe)', 'NFeStatusServico4', ...)."""
    from fake_sefaz.services import all_services

    where: dict[int, list[str]] = defaultdict(list)
    for module, fn in _rule_functions():
        for c in fn.cstats:
            if c != 999 or module.endswith("rules.message"):
                where[c].append(f"{fn.rule_id} ({module.removeprefix('fake_sefaz.')})")
    for service in all_services():
        for c in service.codes:
            where[c].append(service.name)
    for c, why in DISPATCHER_CODES.items():
        where[c].append(why)
    unknown = set(where) - set(codes.CATALOGUE)
    if unknown:
        raise AssertionError(f"codes answered but missing from the catalogue: {sorted(unknown)}")
    return {c: sorted(set(v)) for c, v in sorted(where.items())}
