"""What the store keeps, as plain records. Field names follow the layout where they mirror the XML."""

from __future__ import annotations

from dataclasses import dataclass

# Document states. A denied NF-e is kept (its number is burnt: MOC 2.2, 205 on a later send).
AUTHORIZED = "authorized"
DENIED = "denied"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    chNFe: str
    tpAmb: int
    cUF: int
    mod: int
    serie: int
    nNF: int
    issuer: str  # emit/CNPJ or emit/CPF
    dhEmi: str
    tpEmis: int
    state: str
    cStat: int  # the protocol's cStat: 100, 150, 301, 302, 303
    nProt: str
    dhRecbto: str
    received_ts: float  # dhRecbto as epoch seconds, for deadline arithmetic
    nRec: str
    digVal: str
    vNF: str
    prot_xml: str  # the protNFe exactly as answered
    nfe_xml: str  # the signed NFe exactly as received (detached from the envelope)


@dataclass(frozen=True, slots=True)
class LotRecord:
    nRec: str
    tpAmb: int
    cUF: int
    idLote: str
    dhRecbto: str
    received_ts: float
    ready_ts: float  # before this instant the receipt answers 105 (simulated asynchronous processing)
    cStat: int  # 104 once processed
    xMotivo: str
    prot_xml: tuple[str, ...]  # one protNFe per NF-e of the lot, in order
