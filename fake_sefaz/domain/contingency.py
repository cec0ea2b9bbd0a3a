"""The contingency authorizers as data: which SVC serves which UF, its emission type and authority digit, and
when an SVC is active for a UF.

Sources: reference national-services-and-transport.md §2.1 (the SVC column, SPED-CONT = PORTAL-2025) and §5.4
(NT 2013.007 v1.03: activation by the origin SEFAZ with a start and an end, a 15-minute overlap before the end,
homologação always active; nRec/nProt first digit 6 SVC-AN, 7 SVC-RS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Iterable, Mapping

SVC_AN, SVC_RS = "SVC-AN", "SVC-RS"

# §2.1: the SVC each UF falls back to (NF-e only: the NFC-e has no SVC, its contingency is offline).
SVC_OF: Mapping[str, str] = MappingProxyType({
    **{uf: SVC_AN for uf in ("AC", "AL", "AP", "CE", "DF", "ES", "MG", "PA", "PB", "PI", "RJ", "RN", "RO", "RR", "RS",
                             "SC", "SE", "SP", "TO")},
    **{uf: SVC_RS for uf in ("AM", "BA", "GO", "MA", "MS", "MT", "PE", "PR")},
})

# tpEmis of a note issued in each SVC (leiauteNFe tpEmis 6 and 7), and the first digit of its nRec/nProt (§5.4).
TP_EMIS: Mapping[str, str] = MappingProxyType({SVC_AN: "6", SVC_RS: "7"})
AUTHORITY: Mapping[str, int] = MappingProxyType({SVC_AN: 6, SVC_RS: 7})
SVC_OF_TP_EMIS: Mapping[str, str] = MappingProxyType({v: k for k, v in TP_EMIS.items()})

# URL path words naming an SVC (/homologacao/SVC-AN/NFeAutorizacao4); plain "svc" means the payload UF's own SVC.
PATH_WORDS: Mapping[str, str | None] = MappingProxyType({
    "svc-an": SVC_AN, "svcan": SVC_AN, "svc-rs": SVC_RS, "svcrs": SVC_RS, "svc": None})

# NT 2013.007 §02.2: when the origin SEFAZ schedules the end, both environments stay open for 15 minutes, and the
# SVC's status answers 113 in that time.
OVERLAP = timedelta(minutes=15)

ACTIVE, CLOSING, INACTIVE = "active", "closing", "inactive"

# The emission types (leiauteNFe tpEmis, PL_010f) and where each note goes (reference §5.1), for the README's table:
# tpEmis -> (name, who authorizes it here, what happens later).
EMISSION_TYPES: Mapping[str, tuple[str, str, str]] = MappingProxyType({
    "1": ("Normal", "the UF's own authorizer (or SVRS/SVAN)", "-"),
    "2": ("Contingência FS-IA (formulário de segurança, impressor autônomo)", "the UF's own authorizer, later",
          "sent when the authorizer is back; past emission_max_age_days: 150 (or 228, late_contingency_authorize)"),
    "3": ("Regime Especial NFF (historically SCAN)", "nobody here: 570 at a UF", "-"),
    "4": ("Contingência EPEC", "the EPEC (110140) at the AN; the NF-e at the UF's own authorizer, later",
          "same key and data as the EPEC (691, 467), else 692/468; reconciles the EPEC; 142 after 168 h pending"),
    "5": ("Contingência FS-DA (formulário de segurança, documento auxiliar)", "the UF's own authorizer, later",
          "as FS-IA"),
    "6": ("Contingência SVC-AN", "SVC-AN only, while the UF's window is open (homologação: always)",
          "none: the SVC shares it with the UF and the AN"),
    "7": ("Contingência SVC-RS", "SVC-RS only, while the UF's window is open (homologação: always)",
          "none: the SVC shares it with the UF and the AN"),
    "9": ("Contingência off-line (NFC-e; NF-e with DANFE Simplificado, NT 2026.002)", "the UF's own authorizer, later",
          "within nfce_offline_deadline_h; past it 150 or 704 (nfce_offline_late)"),
})


def uf_served(svc: str, uf: str) -> bool:
    return SVC_OF.get(uf) == svc


def ufs_of(svc: str) -> tuple[str, ...]:
    return tuple(sorted(uf for uf, s in SVC_OF.items() if s == svc))


@dataclass(frozen=True, slots=True)
class Activation:
    """One window in which the origin SEFAZ switched its SVC on: [start, end), end None for "until switched off"."""

    uf: str
    tpAmb: int
    start_ts: float
    end_ts: float | None = None
    reason: str = ""

    def covers(self, ts: float) -> bool:
        return self.start_ts <= ts and (self.end_ts is None or ts < self.end_ts)


@dataclass(frozen=True, slots=True)
class SvcState:
    state: str  # ACTIVE, CLOSING (inside the last 15 minutes of a scheduled end) or INACTIVE
    end: datetime | None = None  # the scheduled end of the window (CLOSING and a scheduled ACTIVE)


def state_at(windows: Iterable[Activation], now: datetime, always_active: bool = False) -> SvcState:
    """The SVC's state for one UF at `now`, from the windows registered for that UF and environment.
    always_active: homologação as NT 2013.007 §03 runs it, open to every UF whatever was scheduled."""
    ts = now.timestamp()
    for w in sorted(windows, key=lambda w: w.start_ts):
        if w.covers(ts):
            if w.end_ts is not None and ts >= w.end_ts - OVERLAP.total_seconds():
                return SvcState(CLOSING, datetime.fromtimestamp(w.end_ts, tz=now.tzinfo))
            return SvcState(ACTIVE, None if w.end_ts is None else datetime.fromtimestamp(w.end_ts, tz=now.tzinfo))
    return SvcState(ACTIVE) if always_active else SvcState(INACTIVE)
