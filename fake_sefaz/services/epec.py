"""The AN's EPEC (110140) inside NFeRecepcaoEvento4: the EPEC rules after the generic event rules, then the
registration in the lot's unit of work - the event (procEventoNFe, 136 "registrado, mas não vinculado a NF-e" with a
protocol 891...) and the EPEC the UF's authorizer will reconcile its NF-e with (store/contingency.py). NT 2014.001
v1.30; MOC 7.00 §5.12; reference national-services-and-transport.md §5.3."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from fake_sefaz.domain import keys, protocol, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import first_failure
from fake_sefaz.rules import epec as E
from fake_sefaz.rules.events import EventContext
from fake_sefaz.services.context import Request
from fake_sefaz.store import contingency as cstore
from fake_sefaz.store.reads import StoreReads, TxReads

# The AN's EPEC protocols: authority 8 and organ 91 ("891" + year + sequence; reference §5.3).
AUTHORITY_AN_EPEC = 8


def check(req: Request, ctx: EventContext) -> Rejection | None:
    """The EPEC's own rules on the event alone (run after the generic event rules passed)."""
    st = req.backend.settings
    limits = {name: Decimal(v) for name, v in (("vNF", st.epec_limit_vnf), ("vICMS", st.epec_limit_vicms),
                                               ("vST", st.epec_limit_vst)) if v}
    return first_failure(E.EPEC_RULES, E.EpecContext(
        ctx, limits, tuple(st.epec_refused_ufs), timedelta(hours=st.epec_max_age_h), reads=StoreReads(req.backend.store),
        unknown_issuer=st.unknown_issuer, unknown_recipient_ie=st.unknown_recipient_ie,
        suspension_days=st.suspension_days))


def judge(req: Request, tx, ctx: EventContext) -> tuple[Rejection | None, list[str]]:
    """The rules that read the AN's base (142, 485, 661, 662), and the pending keys a 142 lists (chNFePend)."""
    state = E.EpecState(ctx, TxReads(tx), timedelta(hours=req.backend.settings.epec_block_hours))
    return first_failure(E.EPEC_STATE_RULES, state), state.pending


def protocol_number(req: Request, tx, year: int) -> str:
    return protocol.n_prot(ufs.AMBIENTE_NACIONAL, year, tx.next_seq("nProt:EPEC", year), AUTHORITY_AN_EPEC)


def record(req: Request, tx, ctx: EventContext, nProt: str) -> None:
    """The EPEC as the AN shares it with the issuer's UF: its number and the values the NF-e must repeat."""
    k = keys.AccessKey(ctx.chNFe)
    cstore.insert_epec(tx, cstore.EpecRecord(
        chNFe=ctx.chNFe, tpAmb=req.tpAmb, cUF=int(k.cUF), issuer=k.issuer, mod=int(k.mod), serie=int(k.serie),
        nNF=int(k.nNF), nProt=nProt, received_ts=req.now.timestamp(), fields=json.dumps(E.epec_values(ctx)),
        state=cstore.PENDING))
