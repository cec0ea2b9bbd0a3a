"""Rules of NFeConsultaProtocolo4 (consSitNFe), MOC 7.00 §4.5: environment and the queried key."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from fake_sefaz.domain import keys
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import rule


@dataclass
class QueryContext:
    payload: etree._Element  # consSitNFe
    acting_cUF: int
    acting_tpAmb: int

    @property
    def chNFe(self) -> str:
        return self.payload.findtext(N + "chNFe") or ""


@rule("GA02", 252)
def environment(ctx: QueryContext) -> None:
    """252: tpAmb of the request is this web service's environment."""
    if ctx.payload.findtext(N + "tpAmb") != str(ctx.acting_tpAmb):
        raise Rejection(252)


@rule("GB01", 236)
def key_dv(ctx: QueryContext) -> None:
    """236: the queried key's check digit is right."""
    if not keys.AccessKey(ctx.chNFe).dv_ok():
        raise Rejection(236)


@rule("GB08", 249)
def key_uf(ctx: QueryContext) -> None:
    """249: the key belongs to a UF this authorizer serves."""
    if ctx.chNFe[:2] != f"{ctx.acting_cUF:02d}":
        raise Rejection(249)


QUERY_RULES = (environment, key_dv, key_uf)
