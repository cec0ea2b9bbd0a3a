"""Inscrição Estadual (IE): check digits per UF, to validate (rule 209) and to generate valid registries.

Each UF defines its own IE format (the algorithms published by each SEFAZ and collected by SINTEGRA's
"Conferência de Inscrições Estaduais"). Exact here: SP (commerce/industry, 12 digits), RJ, MG, RS, PR, SC, BA
(8 and 9 digits) and DF. Every other UF is *simplified*: validation only checks the layout's format (2 to 14
digits) so a real IE of that UF is never refused, and generation produces 9 digits with the common
"weights 9..2, modulus 11" check digit (the rule of SC, ES, PB, PI, SE and several others).
"""

from __future__ import annotations

import random
import re

EXACT_UFS = ("SP", "RJ", "MG", "RS", "PR", "SC", "BA", "DF")
_DIGITS = re.compile(r"^[0-9]{2,14}$")


def _weighted(digits: str, weights: list[int] | tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights))


def _mod11(total: int) -> int:
    """The most common rule: remainder 0 or 1 -> 0, else 11 - remainder."""
    r = total % 11
    return 0 if r < 2 else 11 - r


# --- per-UF check digits: each takes the digits before the check digit(s) and returns them --------------

def _sp(base: str) -> str:
    # 12 digits: d9 over d1..d8 (weights 1,3,4,5,6,7,8,10), d12 over d1..d11 (3,2,10..2); keep the units digit.
    d9 = _weighted(base[:8], (1, 3, 4, 5, 6, 7, 8, 10)) % 11 % 10
    mid = base[:8] + str(d9) + base[9:11]
    d12 = _weighted(mid, (3, 2, 10, 9, 8, 7, 6, 5, 4, 3, 2)) % 11 % 10
    return str(d9), str(d12)


def _rj(base: str) -> str:
    return str(_mod11(_weighted(base, (2, 7, 6, 5, 4, 3, 2))))


def _mg(base: str) -> str:
    # 13 digits: municipality(3) number(6) order(2) dv(2). DV1: insert '0' after the municipality, weights
    # 1,2,1,2,... summing the digits of each product, complement to the next multiple of 10.
    padded = base[:3] + "0" + base[3:11]
    s = sum(sum(int(c) for c in str(int(d) * (1 if i % 2 == 0 else 2))) for i, d in enumerate(padded))
    dv1 = (10 - s % 10) % 10
    dv2 = _mod11(_weighted(base[:11] + str(dv1), (3, 2, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2)))
    return str(dv1) + str(dv2)


def _rs(base: str) -> str:
    dv = 11 - _weighted(base, (2, 9, 8, 7, 6, 5, 4, 3, 2)) % 11
    return str(0 if dv >= 10 else dv)


def _pr(base: str) -> str:
    dv1 = _mod11(_weighted(base[:8], (3, 2, 7, 6, 5, 4, 3, 2)))
    dv2 = _mod11(_weighted(base[:8] + str(dv1), (4, 3, 2, 7, 6, 5, 4, 3, 2)))
    return f"{dv1}{dv2}"


def _sc(base: str) -> str:
    return str(_mod11(_weighted(base, (9, 8, 7, 6, 5, 4, 3, 2))))


def _ba(base: str) -> str:
    # 8 digits (base 6) or 9 digits (base 7). Modulus 10 when the deciding digit (first of 8, second of 9)
    # is 0-5 or 8, else 11. The *second* check digit is computed first, then the first one over base + dv2.
    n = len(base)
    decider = base[0] if n == 6 else base[1]
    use10 = decider in "0123458"

    def dv(digits: str) -> int:
        weights = list(range(len(digits) + 1, 1, -1))
        total = _weighted(digits, weights)
        if use10:
            return (10 - total % 10) % 10
        return _mod11(total)

    dv2 = dv(base)
    dv1 = dv(base + str(dv2))
    return f"{dv1}{dv2}"


def _df(base: str) -> str:
    def dv(digits: str) -> int:
        weights = list(range(len(digits) - 7, 1, -1)) + list(range(9, 1, -1))
        d = 11 - _weighted(digits, weights) % 11
        return 0 if d >= 10 else d

    dv1 = dv(base)
    return f"{dv1}{dv(base + str(dv1))}"


# (length, number of check digits, function, generator of the base)
def _rand(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


_RULES = {
    "RJ": (8, 1, _rj, lambda r: _rand(r, 7)),
    "MG": (13, 2, _mg, lambda r: _rand(r, 11)),
    "RS": (10, 1, _rs, lambda r: f"{r.randint(1, 467):03d}" + _rand(r, 6)),
    "PR": (10, 2, _pr, lambda r: _rand(r, 8)),
    "SC": (9, 1, _sc, lambda r: _rand(r, 8)),
    "DF": (13, 2, _df, lambda r: "07" + _rand(r, 9)),
}


def valid(uf: str, ie: str) -> bool:
    """Whether ie is a valid IE of uf (format for simplified UFs; check digits for the exact ones)."""
    if not ie or not _DIGITS.match(ie):
        return False
    uf = uf.upper()
    if uf == "SP":
        return len(ie) == 12 and _sp(ie) == (ie[8], ie[11])
    if uf == "BA":
        if len(ie) not in (8, 9):
            return False
        return _ba(ie[:-2]) == ie[-2:]
    if uf in _RULES:
        length, ndv, fn, _ = _RULES[uf]
        return len(ie) == length and fn(ie[:-ndv]) == ie[-ndv:]
    return True


def generate(uf: str, rng: random.Random) -> str:
    """A random IE of uf with valid check digits."""
    uf = uf.upper()
    if uf == "SP":
        base = _rand(rng, 8) + "0" + _rand(rng, 2) + "0"
        d9, d12 = _sp(base)
        return base[:8] + d9 + base[9:11] + d12
    if uf == "BA":
        base = _rand(rng, 6 if rng.random() < 0.5 else 7)
        return base + _ba(base)
    if uf in _RULES:
        _, _, fn, gen = _RULES[uf]
        base = gen(rng)
        return base + fn(base)
    base = _rand(rng, 8)
    return base + _sc(base)
