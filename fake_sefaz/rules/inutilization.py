"""Rules of NFeInutilizacao4 (MOC 7.00 §5.x, DF Portaria 403 art. 17, AM Decreto 27.440 art. 15).

VOIDING_RULES are stateless (environment, Id, signature and certificate exactly as for the NF-e, UF, year,
range); STATE_RULES read the store inside the unit of work (numbers used, already voided, same range).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from lxml import etree

from fake_sefaz.domain import taxpayers as registry
from fake_sefaz.domain import ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.domain.xml import N
from fake_sefaz.rules import rule
from fake_sefaz.rules import signature as sigrules

if TYPE_CHECKING:
    from fake_sefaz.rules.ports import DocumentReads


@dataclass
class VoidingContext(sigrules.SignedMessage):
    INF = "infInut"

    @property
    def inut(self) -> etree._Element:
        return self.element

    @cached_property
    def first(self) -> int: return int(self.f("nNFIni"))
    @cached_property
    def last(self) -> int: return int(self.f("nNFFin"))
    @cached_property
    def mod(self) -> int: return int(self.f("mod"))
    @cached_property
    def serie(self) -> int: return int(self.f("serie"))
    @cached_property
    def cnpj(self) -> str: return self.f("CNPJ")

    @cached_property
    def signed(self) -> sigrules.Signed:
        return sigrules.Signed(self.inut, self.inf, self.cnpj or None, self.inf.findtext(N + "CPF"))

    def expected_id(self) -> str:
        return (f"ID{int(self.f('cUF')):02d}{int(self.f('ano')):02d}{self.cnpj.rjust(14, '0')}{self.mod:02d}"
                f"{self.serie:03d}{self.first:09d}{self.last:09d}")


@rule("GA02", 252)
def i_environment(ctx: VoidingContext) -> None:
    """252: tpAmb of the request is this web service's environment."""
    if ctx.f("tpAmb") != str(ctx.acting_tpAmb):
        raise Rejection(252)


@rule("D01-Id", 215)
def i_id(ctx: VoidingContext) -> None:
    """215: Id must be "ID" + cUF + ano + CNPJ + mod + serie + nNFIni + nNFFin (41 digits,
    leiauteInutNFe_v4.00.xsd documentation); the MOC has no own code, so it is a schema-level failure."""
    if ctx.inf.get("Id") != ctx.expected_id():
        raise Rejection(215, "[Id difere de ID+cUF+ano+CNPJ+mod+serie+nNFIni+nNFFin]")


@rule("GA03", 226)
def i_uf(ctx: VoidingContext) -> None:
    """226: cUF must be the UF of this authorizer."""
    if int(ctx.f("cUF")) != ctx.acting_cUF:
        raise Rejection(226)


@rule("G09", 453, 454)
def i_year(ctx: VoidingContext) -> None:
    """453: the year may not be later than the current year; 454: nor earlier than 2006 (06)."""
    ano = int(ctx.f("ano"))
    if ano > ctx.now.year % 100:
        raise Rejection(453)
    if ano < 6:
        raise Rejection(454)


@rule("G10", 224)
def i_range_order(ctx: VoidingContext) -> None:
    """224: nNFIni may not be greater than nNFFin."""
    if ctx.first > ctx.last:
        raise Rejection(224)


@rule("G11", 201)
def i_range_size(ctx: VoidingContext) -> None:
    """201: the range may not void more than inut_max_range numbers (setting)."""
    if ctx.last - ctx.first + 1 > ctx.settings.inut_max_range:
        raise Rejection(201)


VOIDING_RULES = (i_environment, i_id, *sigrules.SIGNATURE_RULES, i_uf, i_year, i_range_order, i_range_size)


@dataclass
class VoidingState:
    ctx: VoidingContext
    reads: "DocumentReads"  # read-only port over the voiding's unit of work (rules/ports.py)


@rule("H01", 241)
def s_numbers_unused(st: VoidingState) -> None:
    """241: no number of the range was used: authorized (or cancelled) or denied numbers cannot be voided
    (DF Portaria 403 art. 14 II: only numbers "que não foram autorizadas nem denegadas"), nor one an EPEC holds."""
    c = st.ctx
    used = st.reads.used_numbers(c.acting_tpAmb, c.cnpj, c.mod, c.serie, c.first, c.last)
    if used:
        raise Rejection(241, f"[nNF:{used[0][0]}]")
    # NT 2014.001 §5.1: a number an EPEC holds (the AN shared it with the UF) counts as used
    epecs = st.reads.epecs_in_range(c.acting_tpAmb, c.cnpj.rjust(14, "0"), c.mod, c.serie, c.first, c.last)
    if epecs:
        raise Rejection(241, f"[nNF:{epecs[0].nNF}]")


@rule("H02", 563)
def s_same_range(st: VoidingState) -> None:
    """563: the same range was already voided."""
    c = st.ctx
    for v in st.reads.voided(c.acting_tpAmb, c.cnpj, c.mod, c.serie, c.first, c.last):
        if (v.nNFIni, v.nNFFin) == (c.first, c.last):
            raise Rejection(563, f"[nProt:{v.nProt}]")


@rule("H03", 256)
def s_not_voided(st: VoidingState) -> None:
    """256: a number of the range is already voided (by another, overlapping range)."""
    c = st.ctx
    found = st.reads.voided(c.acting_tpAmb, c.cnpj, c.mod, c.serie, c.first, c.last)
    if found:
        raise Rejection(256, f"[nProt:{found[0].nProt}]")


@rule("1P10-20", 240)
def s_issuer_regular(st: VoidingState) -> None:
    """240: no voiding by an issuer the taxpayer registry holds irregular (DF Portaria 403 art. 10 § 9)."""
    c = st.ctx
    uf = ufs.sigla_of(c.acting_cUF)
    if registry.irregular_among(st.reads.taxpayers(c.cnpj, uf), registry.local_today(c.now, uf),
                                suspension_days=c.settings.suspension_days, model=c.mod):
        raise Rejection(240)


STATE_RULES = (s_numbers_unused, s_same_range, s_not_voided, s_issuer_regular)
