"""The official domain tables shipped in fake_sefaz/data/tables/*.csv (see the README.md there), each loaded
once per process (functools.cache) into read-only plain values. One function per table.

Tables are ';'-separated with a header row (the portal's sheets, reference/tables/README.md).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("fake_sefaz").joinpath("data/tables", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter=";"))


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


@cache
def municipalities() -> frozenset[str]:
    """IBGE municipality codes (7 digits) of tabela-municipios-ibge.csv (MOC B12-10, C10-10, E10-10...)."""
    return frozenset(r["cMun"] for r in _rows("tabela-municipios-ibge.csv"))


@dataclass(frozen=True)
class Cfop:
    """One CFOP row: validity and the flags the rules read (indNFe, indDevol, indRetor, indAnula, indRemes,
    indComb)."""

    code: str
    start: date | None
    end: date | None
    indNFe: bool
    indDevol: bool
    indRetor: bool
    indAnula: bool
    indRemes: bool
    indComb: str


@cache
def cfops() -> MappingProxyType[str, Cfop]:
    """tabela-cfop.csv: CFOP -> flags (MOC I08-04, I08-140, I08-144...)."""
    out = {}
    for r in _rows("tabela-cfop.csv"):
        out[r["CFOP"]] = Cfop(r["CFOP"], _day(r["dIniVig"]), _day(r["dFimVig"]), r["indNFe"] == "1",
                              r["indDevol"] == "1", r["indRetor"] == "1", r["indAnula"] == "1",
                              r["indRemes"] == "1", r["indComb"] or "0")
    return MappingProxyType(out)


@dataclass(frozen=True)
class Gs1Range:
    first: int
    last: int
    restricted: bool  # indEsp=1: restricted circulation (treated as invalid, reference §4.1)


@cache
def gs1_prefixes() -> tuple[Gs1Range, ...]:
    """tabela-prefixo-gs1.csv: the 3-digit GS1 prefix ranges (MOC I03-20 / I12-20: 882 / 884)."""
    return tuple(Gs1Range(int(r["fxPrefixIni"]), int(r["fxPrefixFim"]), r["indEsp"] == "1")
                 for r in _rows("tabela-prefixo-gs1.csv"))


@cache
def anp_products() -> frozenset[str]:
    """tabela-produtos-anp.csv: the ANP product codes (MOC LA02-10: 761)."""
    return frozenset(r["cProdANP"] for r in _rows("tabela-produtos-anp.csv"))


@dataclass(frozen=True)
class FcpRates:
    """The FCP rates one UF accepts (tabela-fcp-uf.csv): fixed values, or any value up to a maximum."""

    fixed: frozenset[str]  # two-decimal strings ("2.00"); {"0.00"} for a UF without FCP
    maximum: str | None = None

    def accepts(self, rate: str) -> bool:
        from decimal import Decimal, InvalidOperation

        try:
            value = Decimal(rate)
        except InvalidOperation:
            return False
        if self.maximum is not None:
            return Decimal(0) < value <= Decimal(self.maximum)
        return value > 0 and f"{value:.2f}" in self.fixed


@cache
def fcp_rates() -> MappingProxyType[str, FcpRates]:
    """tabela-fcp-uf.csv: UF sigla -> the FCP rates it accepts (MOC N17b-20: 874, N27b-20: 875). A cell is
    "Fixo:2.00" (that rate) or "Max:2.00" (any rate up to it); "Fixo:0.00" is a UF without FCP."""
    out = {}
    for r in _rows("tabela-fcp-uf.csv"):
        if len(r.get("UF") or "") != 2:
            continue  # the sheet's footnote rows
        fixed, maximum = set(), None
        for cell in (r.get("Aliq_1"), r.get("Aliq_2"), r.get("Aliq_3")):
            kind, _, value = (cell or "").partition(":")
            value = value.strip()
            if kind.strip() == "Max":
                maximum = value
            elif kind.strip() == "Fixo" and value:
                fixed.add(value)
        out[r["UF"]] = FcpRates(frozenset(fixed), maximum)
    return MappingProxyType(out)


@dataclass(frozen=True)
class Coded:
    """A code of a validity-dated table (payment means, card brands)."""

    code: str
    start: date | None
    end: date | None

    def valid_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@cache
def payment_means() -> MappingProxyType[str, Coded]:
    """tabela-meios-pagamento.csv: tPag -> validity (MOC YA02-60: 436; 91 Pagamento Posterior from 03/11/2025)."""
    return MappingProxyType({r["tPag"]: Coded(r["tPag"], _day(r["dIniVig"]), _day(r["dFimVig"]))
                             for r in _rows("tabela-meios-pagamento.csv")})


@cache
def card_brands() -> MappingProxyType[str, Coded]:
    """tabela-bandeiras-cartao.csv: tBand -> validity (MOC YA06-10: 443)."""
    return MappingProxyType({r["tBand"]: Coded(r["tBand"], _day(r["dIniVig"]), _day(r["dFimVig"]))
                             for r in _rows("tabela-bandeiras-cartao.csv")})


@cache
def monophase_fuels() -> MappingProxyType[str, str]:
    """tabela-combustiveis-monofasica.csv: ANP product code -> adRemICMS (R$ per uTrib) of the fuels subject to
    the single-phase ICMS (NT 2023.001: N12-110 -> 960)."""
    return MappingProxyType({r["cProdANP"]: r["adRemICMS"] for r in _rows("tabela-combustiveis-monofasica.csv")})

# --- IBS / CBS of the tax reform (NT 2025.002-RTC): rules/ibscbs.py -------------------------------------------

def _flag(value: str | None) -> bool:
    return (value or "").strip() == "1"


@dataclass(frozen=True)
class IbsCbsCst:
    """One CST of IBS/CBS and the groups it demands (1) or forbids (0): sheet "CST 12-12-2025"."""

    CST: str
    ind_gIBSCBS: bool
    ind_gIBSCBSMono: bool
    ind_gRed: bool
    ind_gDif: bool
    ind_gTransfCred: bool
    ind_gCredPresIBSZFM: bool
    ind_gAjusteCompet: bool
    ind_RedutorBC: bool


@cache
def ibscbs_cst() -> Mapping[str, IbsCbsCst]:
    """cst-ibs-cbs-indicadores.csv: CST -> indicators (NT 2025.002-RTC UB13, UB22, UB26, UB40, UB45, UB59...)."""
    out = {}
    for r in _rows("cst-ibs-cbs-indicadores.csv"):
        cst = r["CST-IBS/CBS"].strip()
        out[cst] = IbsCbsCst(cst, *(_flag(r[k]) for k in (
            "ind_gIBSCBS", "ind_gIBSCBSMono", "ind_gRed", "ind_gDif", "ind_gTransfCred", "ind_gCredPresIBSZFM",
            "ind_gAjusteCompet", "ind_RedutorBC")))
    return MappingProxyType(out)


@dataclass(frozen=True)
class ClassTrib:
    """One cClassTrib of IBS/CBS: sheet "cClass 12-12-2025"."""

    cClassTrib: str
    CST: str
    pRedIBS: Decimal
    pRedCBS: Decimal
    ind_gTribRegular: bool
    ind_gCredPresOper: bool
    ind_gMonoPadrao: bool
    ind_gMonoReten: bool
    ind_gMonoRet: bool
    ind_gMonoDif: bool
    ind_gEstornoCred: bool
    dIniVig: date | None
    dFimVig: date | None
    indNFe: bool
    indNFCe: bool


def _date(value: str | None) -> date | None:
    value = (value or "").strip()
    if value.isdigit():  # a few rows keep the spreadsheet's serial day number (days since 1899-12-30)
        return date(1899, 12, 30) + timedelta(days=int(value))
    return date.fromisoformat(value) if value else None


def _dec(value: str | None) -> Decimal:
    value = (value or "").strip().replace(",", ".")
    return Decimal(value) if value else Decimal(0)


@cache
def cclasstrib() -> Mapping[str, ClassTrib]:
    """cclasstrib-ibs-cbs.csv: cClassTrib -> its CST, reductions and indicators (UB14, UB27/46/65, UB68, UB116...)."""
    out = {}
    for r in _rows("cclasstrib-ibs-cbs.csv"):
        code = r["cClassTrib"].strip()
        out[code] = ClassTrib(
            code, r["CST-IBS/CBS"].strip(), _dec(r["pRedIBS"]), _dec(r["pRedCBS"]), _flag(r["ind_gTribRegular"]),
            _flag(r["ind_gCredPresOper"]), _flag(r["ind_gMonoPadrao"]), _flag(r["ind_gMonoReten"]),
            _flag(r["ind_gMonoRet"]), _flag(r["ind_gMonoDif"]), _flag(r["ind_gEstornoCred"]),
            _date(r["dIniVig"]), _date(r["dFimVig"]), _flag(r["indNFe"]), _flag(r["indNFCe"]))
    return MappingProxyType(out)


@dataclass(frozen=True)
class CredPres:
    """One cCredPres (presumed credit) of IBS/CBS: sheet "cCredPres"."""

    cCredPres: str
    ind_DeduzCredPres: bool
    ind_gCBSCredPres: bool
    ind_gIBSCredPres: bool


@cache
def ccredpres() -> Mapping[str, CredPres]:
    """ccredpres-ibs-cbs.csv: cCredPres (two digits, as the layout's TcCredPres) -> indicators (UB122-UB130)."""
    out = {}
    for r in _rows("ccredpres-ibs-cbs.csv"):
        code = f"{int(r['cCredPres']):02d}"
        out[code] = CredPres(code, _flag(r["ind_DeduzCredPres"]), _flag(r["ind_gCBSCredPres"]),
                             _flag(r["ind_gIBSCredPres"]))
    return MappingProxyType(out)
