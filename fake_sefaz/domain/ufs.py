"""Federated units: IBGE codes, abbreviations and the UTC offset each authorizer answers in.

Brazil has had no daylight saving time since 2019 (Decreto 9.772/2019), so one fixed offset per UF.
"""

from __future__ import annotations

from datetime import timedelta, timezone

# IBGE code -> (sigla, UTC offset in hours). The offset is the UF capital's legal time.
_UFS: dict[int, tuple[str, int]] = {
    11: ("RO", -4), 12: ("AC", -5), 13: ("AM", -4), 14: ("RR", -4), 15: ("PA", -3),
    16: ("AP", -3), 17: ("TO", -3), 21: ("MA", -3), 22: ("PI", -3), 23: ("CE", -3),
    24: ("RN", -3), 25: ("PB", -3), 26: ("PE", -3), 27: ("AL", -3), 28: ("SE", -3),
    29: ("BA", -3), 31: ("MG", -3), 32: ("ES", -3), 33: ("RJ", -3), 35: ("SP", -3),
    41: ("PR", -3), 42: ("SC", -3), 43: ("RS", -3), 50: ("MS", -4), 51: ("MT", -4),
    52: ("GO", -3), 53: ("DF", -3),
}

CODES: frozenset[int] = frozenset(_UFS)
SIGLAS: dict[str, int] = {sigla: code for code, (sigla, _) in _UFS.items()}
# cOrgao 91 is the Ambiente Nacional (events such as manifestation by the recipient).
AMBIENTE_NACIONAL = 91


def code_of(uf: str | int) -> int:
    """IBGE code of a UF given as code ('35', 35) or sigla ('SP'). Raises ValueError if unknown."""
    if isinstance(uf, int) or str(uf).isdigit():
        code = int(uf)
        if code not in _UFS:
            raise ValueError(f"unknown UF code {uf}")
        return code
    try:
        return SIGLAS[str(uf).upper()]
    except KeyError:
        raise ValueError(f"unknown UF {uf!r}") from None


def sigla_of(code: int) -> str:
    return _UFS[code][0]


# Built once at import (read-only): tz_of is called several times per request.
_TZ: dict[int, timezone] = {code: timezone(timedelta(hours=hours)) for code, (_, hours) in _UFS.items()}


# Brasília time (UTC-3, no daylight saving since 2019): the dates of the Notas Técnicas are read in it.
BRASILIA = timezone(timedelta(hours=-3))


def tz_of(code: int) -> timezone:
    """The UF's offset; the Ambiente Nacional (91) answers in Brasília time."""
    return BRASILIA if code == AMBIENTE_NACIONAL else _TZ[code]
