"""Access key (chave de acesso), CNPJ/CPF check digits and the cNF rule.

Formulas: MOC 7.00 §2.2.6 / reference/sefaz-contract.md §5.1 and §5.3.
Key layout: cUF(2) AAMM(4) CNPJ/CPF(14) mod(2) serie(3) nNF(9) tpEmis(1) cNF(8) cDV(1) = 44.
"""

from __future__ import annotations

from dataclasses import dataclass

KEY_LENGTH = 44

# NT 2019.001 (rejection 897): cNF may not be a repeated digit nor an ascending run.
FORBIDDEN_CNF = frozenset(
    [str(d) * 8 for d in range(10)]
    + ["12345678", "23456789", "34567890", "45678901", "56789012", "67890123",
       "78901234", "89012345", "90123456", "01234567"]
)


def _char_value(c: str) -> int:
    # Alphanumeric CNPJ (RFB NT COCAD 49/2024): value = ord(c) - 48; digits keep their value.
    return ord(c) - 48


# 2..9 cycling, read from the right of the digits (long enough for any key or number it is asked about).
_MOD11_WEIGHTS = tuple(2 + i % 8 for i in range(128))


def mod11_dv(digits: str) -> int:
    """Access-key check digit: weights 2..9 cycling from the right; r = sum % 11; 0 if r < 2 else 11 - r."""
    if len(digits) > len(_MOD11_WEIGHTS):
        raise ValueError("too many digits for mod11_dv")
    # ord(c) - 48 is _char_value inlined (hot path: every NF-e key is checked).
    total = sum((ord(c) - 48) * w for c, w in zip(reversed(digits), _MOD11_WEIGHTS))
    r = total % 11
    return 0 if r < 2 else 11 - r


def cnpj_dvs(base12: str) -> str:
    """The two CNPJ check digits for the first 12 characters (numeric or alphanumeric)."""
    def dv(chars: str, weights: list[int]) -> str:
        s = sum(_char_value(c) * w for c, w in zip(chars, weights))
        r = s % 11
        return "0" if r < 2 else str(11 - r)

    d1 = dv(base12, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    d2 = dv(base12 + d1, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    return d1 + d2


def valid_cnpj(cnpj: str) -> bool:
    if len(cnpj) != 14 or not cnpj[12:].isdigit() or not cnpj.isalnum():
        return False
    if cnpj == "0" * 14 or (cnpj.isdigit() and len(set(cnpj)) == 1):
        return False
    return cnpj_dvs(cnpj[:12]) == cnpj[12:]


def cpf_dvs(base9: str) -> str:
    def dv(chars: str) -> str:
        n = len(chars) + 1
        s = sum(int(c) * (n - i) for i, c in enumerate(chars))
        r = (s * 10) % 11
        return "0" if r == 10 else str(r)

    d1 = dv(base9)
    return d1 + dv(base9 + d1)


def valid_cpf(cpf: str) -> bool:
    if len(cpf) != 11 or not cpf.isdigit() or len(set(cpf)) == 1:
        return False
    return cpf_dvs(cpf[:9]) == cpf[9:]


@dataclass(frozen=True, slots=True)
class AccessKey:
    """The 44 characters of a chave de acesso, split into its fields (no validation)."""

    value: str

    @property
    def cUF(self) -> str: return self.value[0:2]
    @property
    def year(self) -> str: return self.value[2:4]
    @property
    def month(self) -> str: return self.value[4:6]
    @property
    def issuer(self) -> str: return self.value[6:20]
    @property
    def mod(self) -> str: return self.value[20:22]
    @property
    def serie(self) -> str: return self.value[22:25]
    @property
    def nNF(self) -> str: return self.value[25:34]
    @property
    def tpEmis(self) -> str: return self.value[34]
    @property
    def cNF(self) -> str: return self.value[35:43]
    @property
    def cDV(self) -> str: return self.value[43]

    def dv_ok(self) -> bool:
        return len(self.value) == KEY_LENGTH and self.value[43].isdigit() and mod11_dv(self.value[:43]) == int(self.value[43])


def build_key(cUF: int, aamm: str, issuer: str, mod: int, serie: int, nNF: int, tpEmis: int, cNF: str) -> str:
    """Compose a 44-character key with its check digit. A CPF issuer is left-padded with zeros to 14."""
    body = f"{cUF:02d}{aamm}{issuer.rjust(14, '0')}{mod:02d}{serie:03d}{nNF:09d}{tpEmis:01d}{cNF}"
    if len(body) != 43:
        raise ValueError(f"key body must have 43 characters, got {len(body)}: {body}")
    return body + str(mod11_dv(body))
