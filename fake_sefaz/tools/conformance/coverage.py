"""Which cStat codes the server can answer, derived from the code (never a hand list), and which of them the
scenarios demonstrate. The scenario-coverage test fails when an answerable code has no scenario.

Answerable = codes of every @rule-tagged function in fake_sefaz.rules, fake_sefaz.services and fake_sefaz.faults
(packages and their modules), plus the codes the service modules and the dispatcher answer outside rules:
`fake_sefaz.tools.answers.answerable()` when that module exists, else the cStat literals passed to calls in the
service modules and authorizer.py (Rejection(225), _answer(req, nRec, 106), head(..., 107), ...).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from typing import Iterable

from fake_sefaz.domain import codes

RULE_PACKAGES = ("fake_sefaz.rules", "fake_sefaz.services", "fake_sefaz.faults")
LITERAL_MODULES = ("fake_sefaz.server.authorizer",)


def _modules(package: str):
    mod = importlib.import_module(package)
    yield mod
    for info in pkgutil.iter_modules(getattr(mod, "__path__", [])):
        yield importlib.import_module(f"{package}.{info.name}")


def rule_codes() -> set[int]:
    found: set[int] = set()
    for package in RULE_PACKAGES:
        for m in _modules(package):
            for obj in vars(m).values():
                if callable(obj) and hasattr(obj, "rule_id") and getattr(obj, "__module__", "") == m.__name__:
                    found |= set(obj.cstats)
    return found


def _literal_codes(module) -> set[int]:
    tree = ast.parse(inspect.getsource(module))
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in node.args:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Constant) and type(sub.value) is int and 100 <= sub.value <= 999 \
                            and sub.value in codes.CATALOGUE:
                        found.add(sub.value)
    return found


def service_codes() -> set[int]:
    try:
        answers = importlib.import_module("fake_sefaz.tools.answers")
    except ImportError:
        answers = None
    if answers is not None:
        return set(answers.answerable())
    found: set[int] = set()
    for m in list(_modules("fake_sefaz.services")) + [importlib.import_module(n) for n in LITERAL_MODULES]:
        found |= _literal_codes(m)
    return found


def answerable_codes() -> set[int]:
    return rule_codes() | service_codes()


def covered_codes(scenarios: Iterable) -> set[int]:
    out: set[int] = set()
    for sc in scenarios:
        out |= sc.codes()
    return out
