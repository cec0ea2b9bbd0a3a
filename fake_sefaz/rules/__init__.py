"""Validation rules, grouped like the MOC 7.00 tables. Each rule is one function tagged with its MOC rule id
and the cStat(s) it answers; it raises a Rejection when the condition fails and returns None otherwise.
A pipeline is an ordered tuple of rules; the first failing rule decides the answer.

Rules are pure: they read their context (the parsed document, the receipt instant, settings, read-only
ports onto the store) and never write. Dates of entry into force are data on the tag (`InForce`), read
against the context's receipt instant and environment, so a note is judged by the rules of its time and QA
can rehearse a rule before it goes live by moving the injected clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterable, TypeVar

from fake_sefaz.domain.codes import Rejection

C = TypeVar("C")
Rule = Callable[[C], None]


@dataclass(frozen=True)
class InForce:
    """When a rule applies: from `hom` in homologação (tpAmb 2) and from `prod` in produção (tpAmb 1), until
    the day before `until` (both environments). None: no bound. Dates are calendar dates of Brasília, as the
    Notas Técnicas state them; the receipt instant is compared in UTC-3."""

    hom: date | None = None
    prod: date | None = None
    until: date | None = None

    def applies(self, now: datetime, tpAmb: int) -> bool:
        from fake_sefaz.domain.ufs import BRASILIA

        day = now.astimezone(BRASILIA).date()
        start = self.hom if int(tpAmb) == 2 else self.prod
        if start is not None and day < start:
            return False
        return self.until is None or day < self.until


def rule(rule_id: str, *cstats: int, in_force: InForce | None = None
         ) -> Callable[[Callable[[C], None]], Callable[[C], None]]:
    """Tag a rule function with its MOC rule id, the codes it may answer and, for a rule with dates of entry
    into force, when it applies (the context then needs `now` and `acting_tpAmb`)."""

    def tag(fn: Callable[[C], None]) -> Callable[[C], None]:
        fn.rule_id = rule_id  # type: ignore[attr-defined]
        fn.cstats = cstats  # type: ignore[attr-defined]
        fn.in_force = in_force  # type: ignore[attr-defined]
        return fn

    return tag


def applies(r: Callable, ctx: object) -> bool:
    """Whether rule r is in force for this context (always, for a rule without dates)."""
    window = getattr(r, "in_force", None)
    return window is None or window.applies(ctx.now, ctx.acting_tpAmb)  # type: ignore[attr-defined]


def first_failure(rules: Iterable[Callable[[C], None]], ctx: C) -> Rejection | None:
    """Run rules in order; the first Rejection decides. Unexpected exceptions propagate (answered 999).
    A rule not in force at the context's instant is skipped."""
    for r in rules:
        if getattr(r, "in_force", None) is not None and not applies(r, ctx):
            continue
        try:
            r(ctx)
        except Rejection as rej:
            if rej.cstat not in r.cstats:  # type: ignore[attr-defined]
                raise AssertionError(f"rule {r.__name__} answered {rej.cstat}, not one of its codes") from rej
            return rej
    return None


def codes_of(rules: Iterable[Callable]) -> set[int]:
    return {c for r in rules for c in r.cstats}  # type: ignore[attr-defined]
