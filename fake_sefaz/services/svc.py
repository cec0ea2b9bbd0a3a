"""The SVC's side of a request: its state for the request's UF (activation windows read from the store against the
request's instant) and the gate each service passes first (rules/svc.py). Used by the services only when the
request reached an SVC (Request.svc)."""

from __future__ import annotations

from fake_sefaz.domain import contingency, protocol, ufs
from fake_sefaz.domain.codes import Rejection
from fake_sefaz.rules import first_failure
from fake_sefaz.rules.svc import SvcContext
from fake_sefaz.services.context import Request
from fake_sefaz.store import contingency as cstore


def state(req: Request) -> contingency.SvcState:
    uf = ufs.sigla_of(req.cUF) if req.cUF in ufs.CODES else ""
    windows = req.backend.store.read(lambda tx: cstore.activations(tx, uf, req.tpAmb))
    always = req.tpAmb == 2 and req.backend.settings.svc_homologacao == "always"
    return contingency.state_at(windows, req.now, always)


def context(req: Request, tp_emis: str = "", tpEvento: str = "") -> SvcContext:
    assert req.svc is not None
    uf = ufs.sigla_of(req.cUF) if req.cUF in ufs.CODES else ""
    return SvcContext(req.svc, uf, state(req), tp_emis, tpEvento)


def n_rec(req: Request, tx) -> str:
    """The next receipt number of the authorizer this request reached: the UF's, or the SVC's own series with its
    authority digit in the third position (NT 2013.007 §91-92)."""
    if req.svc is None:
        return protocol.n_rec(req.cUF, tx.next_seq(f"nRec:{req.cUF}", 0))
    return protocol.n_rec(req.cUF, tx.next_seq(f"nRec:{req.svc}:{req.cUF}", 0), contingency.AUTHORITY[req.svc])


def n_prot(req: Request, tx, year: int) -> str:
    """The next protocol number (authorization or event) of the authorizer this request reached: 1 + cUF for the
    UF's own, 6/7 + cUF from the SVC's own series."""
    if req.svc is None:
        return protocol.n_prot(req.cUF, year, tx.next_seq(f"nProt:{req.cUF}", year))
    return protocol.n_prot(req.cUF, year, tx.next_seq(f"nProt:{req.svc}:{req.cUF}", year),
                           contingency.AUTHORITY[req.svc])


def gate(req: Request, rules: tuple, tp_emis: str = "", tpEvento: str = "") -> Rejection | None:
    """The first SVC rule the request fails; None at a normal authorizer or when it passes."""
    if req.svc is None:
        return None
    return first_failure(rules, context(req, tp_emis, tpEvento))
