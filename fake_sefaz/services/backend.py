"""What a service receives: the narrow backend of one worker process, never the server object.

The server (server/authorizer.py) composes it; services read settings and the clock, run their unit of work
on the store, and hand rules the read-only ports (store/reads.py). The fault engine reaches them through the
`FaultPort` protocol, so services do not import faults/ and faults/ does not import services: arrows point
down only (docs/decisions/0011-layout-and-layers.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from fake_sefaz.domain.certificates import TrustStore
    from fake_sefaz.domain.clock import Clock
    from fake_sefaz.domain.nfe import NFeView
    from fake_sefaz.domain.schemas import Schemas
    from fake_sefaz.server.settings import Settings
    from fake_sefaz.services.context import Request
    from fake_sefaz.store import Store


class FaultPort(Protocol):
    """QA's controls as the services see them (implemented by faults.FaultEngine)."""

    def forced_for_nfe(self, req: "Request", doc: "NFeView") -> int | None:
        """The forced cStat for one NF-e of the lot (header or admin rule), or None."""
        ...

    def async_delay(self) -> float | None:
        """The asynchronous processing delay the admin API set for this request's service, or None."""
        ...


class NoFaults:
    """A FaultPort with no controls: what an embedding program gets when it runs no fault engine."""

    def forced_for_nfe(self, req: "Request", doc: "NFeView") -> int | None:
        return None

    def async_delay(self) -> float | None:
        return None


@dataclass
class Backend:
    """Mutable only so the composition root can swap a part after start (the shared store clock of several
    workers, a test's extended pipeline); services never assign to it."""

    settings: "Settings"
    clock: "Clock"
    store: "Store"
    trust: "TrustStore"
    verifier: Any  # domain.signature verifier (signature_verifier setting)
    schemas: "Schemas"
    faults: FaultPort
    nfe_pipeline: tuple  # the NF-e rules this backend runs (rules/pipeline.py), in MOC order
