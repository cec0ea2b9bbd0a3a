"""Validation rules, grouped like the MOC 7.00 tables. Each rule is one function tagged with its MOC rule id
and the cStat(s) it answers; it raises a Rejection when the condition fails and returns None otherwise.
A pipeline is an ordered tuple of rules; the first failing rule decides the answer.
"""

from __future__ import annotations

from typing import Callable, Iterable, TypeVar

from ..codes import Rejection

C = TypeVar("C")
Rule = Callable[[C], None]


def rule(rule_id: str, *cstats: int) -> Callable[[Callable[[C], None]], Callable[[C], None]]:
    """Tag a rule function with its MOC rule id and the codes it may answer."""

    def tag(fn: Callable[[C], None]) -> Callable[[C], None]:
        fn.rule_id = rule_id  # type: ignore[attr-defined]
        fn.cstats = cstats  # type: ignore[attr-defined]
        return fn

    return tag


def first_failure(rules: Iterable[Callable[[C], None]], ctx: C) -> Rejection | None:
    """Run rules in order; the first Rejection decides. Unexpected exceptions propagate (answered 999)."""
    for r in rules:
        try:
            r(ctx)
        except Rejection as rej:
            if rej.cstat not in r.cstats:  # type: ignore[attr-defined]
                raise AssertionError(f"rule {r.__name__} answered {rej.cstat}, not one of its codes") from rej
            return rej
    return None


def codes_of(rules: Iterable[Callable]) -> set[int]:
    return {c for r in rules for c in r.cstats}  # type: ignore[attr-defined]
