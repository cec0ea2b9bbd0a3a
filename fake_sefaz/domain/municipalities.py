"""IBGE municipality codes of the 27 UF capitals, enough to give generated documents a real cMun per UF.

The 7th digit of an IBGE municipality code is a check digit (weights 1,2,1,2,1,2 on the first six, digits of each
product summed, then 10 - sum mod 10); `ibge_dv` exists so tests can prove the table has no typo.
"""

from __future__ import annotations

from types import MappingProxyType

# UF IBGE code -> (cMun, xMun). Read-only view: callers must not be able to alter shared reference data.
CAPITALS: MappingProxyType[int, tuple[int, str]] = MappingProxyType({
    11: (1100205, "Porto Velho"), 12: (1200401, "Rio Branco"), 13: (1302603, "Manaus"),
    14: (1400100, "Boa Vista"), 15: (1501402, "Belém"), 16: (1600303, "Macapá"),
    17: (1721000, "Palmas"), 21: (2111300, "São Luís"), 22: (2211001, "Teresina"),
    23: (2304400, "Fortaleza"), 24: (2408102, "Natal"), 25: (2507507, "João Pessoa"),
    26: (2611606, "Recife"), 27: (2704302, "Maceió"), 28: (2800308, "Aracaju"),
    29: (2927408, "Salvador"), 31: (3106200, "Belo Horizonte"), 32: (3205309, "Vitória"),
    33: (3304557, "Rio de Janeiro"), 35: (3550308, "São Paulo"), 41: (4106902, "Curitiba"),
    42: (4205407, "Florianópolis"), 43: (4314902, "Porto Alegre"), 50: (5002704, "Campo Grande"),
    51: (5103403, "Cuiabá"), 52: (5208707, "Goiânia"), 53: (5300108, "Brasília"),
})


def capital_of(cUF: int) -> tuple[int, str]:
    """(cMun, xMun) of the capital of the UF with IBGE code cUF."""
    return CAPITALS[cUF]


def ibge_dv(first6: str) -> int:
    total = 0
    for i, ch in enumerate(first6):
        product = int(ch) * (1 if i % 2 == 0 else 2)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10
