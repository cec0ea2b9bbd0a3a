"""The official domain tables shipped in fake_sefaz/data/tables (README.md there names their sources), each read
once per process (functools.cache: immutable results, no module-level mutable state) into plain values.

One function per table. Columns keep the spreadsheet's names where a rule quotes them (ind_gIBSCBS, pRedIBS...).
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
    text = resources.files("fake_sefaz").joinpath("data/tables/" + name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter=";"))


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
