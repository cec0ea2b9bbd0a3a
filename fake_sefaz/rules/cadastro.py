"""Rules of CadConsultaCadastro4 (ConsCad 2.00), MOC §4.7 "Consulta Cadastro", table K, in MOC order.

K02 257 (requester not an NF-e issuer) needs the TLS client certificate (Request.caller) and is not applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fake_sefaz.domain import ie as ie_rules
from fake_sefaz.domain import keys, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.taxpayers import Taxpayer
from fake_sefaz.rules import rule

if TYPE_CHECKING:
    from fake_sefaz.rules.ports import RegistryReads


@dataclass
class CadastroContext:
    acting_cUF: int
    uf: str  # UF consulted (infCons/UF)
    kind: str  # IE, CNPJ or CPF
    value: str
    cpf_offered: bool  # setting cons_cad_cpf
    reads: "RegistryReads"  # read-only port (rules/ports.py)
    found: list[Taxpayer] = field(default_factory=list)


@rule("K01", 265)
def k01_uf(q: CadastroContext) -> None:
    """265: the UF consulted must be the UF of this web service."""
    if q.uf != ufs.sigla_of(q.acting_cUF):
        raise Rejection(265)


@rule("K03", 258)
def k03_cnpj_valid(q: CadastroContext) -> None:
    """258: a CNPJ must have 14 characters with valid check digits, not zeros."""
    if q.kind == "CNPJ" and not keys.valid_cnpj(q.value):
        raise Rejection(258)


@rule("K05", 260)
def k05_ie_valid(q: CadastroContext) -> None:
    """260: an IE must have the check digits of the UF (exact for SP RJ MG RS PR SC BA DF)."""
    if q.kind == "IE" and not ie_rules.valid(q.uf, q.value):
        raise Rejection(260)


@rule("K07", 262)
def k07_cpf_offered(q: CadastroContext) -> None:
    """262: this UF does not answer queries by CPF (setting cons_cad_cpf=false)."""
    if q.kind == "CPF" and not q.cpf_offered:
        raise Rejection(262)


@rule("K08", 263)
def k08_cpf_valid(q: CadastroContext) -> None:
    """263: a CPF must have 11 digits with valid check digits."""
    if q.kind == "CPF" and not keys.valid_cpf(q.value):
        raise Rejection(263)


@rule("K04/K06/K09", 259, 261, 264)
def k04_registered(q: CadastroContext) -> None:
    """259 / 261 / 264: no registration with an IE (a taxpayer of the ICMS) for the CNPJ / IE / CPF in the UF."""
    q.found = [t for t in q.reads.registrations(q.kind, q.value, q.uf) if t.ie]
    if not q.found:
        raise Rejection({"CNPJ": 259, "IE": 261, "CPF": 264}[q.kind])


CADASTRO_RULES = (k01_uf, k03_cnpj_valid, k05_ie_valid, k07_cpf_offered, k08_cpf_valid, k04_registered)
