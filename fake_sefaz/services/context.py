"""What a service receives for one request, and helpers to build ret* answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from lxml import etree

from fake_sefaz.domain import codes, protocol
from fake_sefaz.domain.xml import N

if TYPE_CHECKING:
    from fake_sefaz.soap.codec import SoapRequest
    from fake_sefaz.domain.certificates import SignerInfo
    from fake_sefaz.services.backend import Backend


@dataclass
class Request:
    backend: "Backend"  # the worker's narrow backend (services/backend.py): settings, clock, store, ports
    now: datetime  # the receipt instant: every rule of this request reads this one value
    cUF: int  # the UF this request is authorized in (URL path or settings)
    tpAmb: int  # the environment (URL path or settings)
    soap: "SoapRequest"  # the decoded envelope (soap/codec.py): payload, version, hints
    id: str
    path: str = ""  # the URL path it was posted to (words such as 'nfce' or 'svc-an' select a role)
    plan: Any = None  # the fault engine's plan for this request (faults/__init__.py), read by decide()
    # The transmitter: the TLS client certificate this request came with, as the trust store read it (None
    # over plain HTTP). Rules that compare the caller with the message (593 of DF-e distribution) read it.
    caller: "SignerInfo | None" = None
    # The contingency authorizer this request reached ("SVC-AN", "SVC-RS"; None: the UF's normal authorizer or the
    # AN), from the URL path or, on the hosts SVC shares with SVAN and SVRS, from the payload (issue 16).
    svc: str | None = None
    # Placeholders of catalogue texts this request fills ("SEFAZ-XX" -> "SEFAZ-SP" in 113), beside the SVC's name.
    fill: dict = field(default_factory=dict)

    @cached_property
    def dhRecbto(self) -> str:
        # Read 4-5 times per answer; `now` and `cUF` are fixed for the request.
        return protocol.dh(self.now, self.cUF)

    def payload_text(self, tag: str) -> str:
        """A field of the request's payload, or "" when the payload could not be read (reject() answers)."""
        payload = self.soap.payload
        return "" if payload is None else (payload.findtext(N + tag) or "")

    def motivo(self, cstat: int, suffix: str = "", meaning: str | None = None) -> str:
        fill = self.fill
        if self.svc is not None:  # "SVC-[AN/RS]" in a text names the SVC this request reached (NT 2013.007 §04)
            fill = {"SVC-[AN/RS]": self.svc, **fill}
        return codes.motivo(cstat, suffix, self.backend.settings.xmotivo_style, meaning,  # type: ignore[arg-type]
                            fill=fill)


def ret(root: str, versao: str = "4.00") -> etree._Element:
    return etree.Element(N + root, versao=versao, nsmap={None: N[1:-1]})


def add(parent: etree._Element, tag: str, value: object) -> etree._Element:
    el = etree.SubElement(parent, N + tag)
    el.text = str(value)
    return el


def head(el: etree._Element, req: Request, cstat: int, suffix: str = "") -> etree._Element:
    """tpAmb, verAplic, cStat, xMotivo: the opening every ret* shares."""
    add(el, "tpAmb", req.tpAmb)
    add(el, "verAplic", req.backend.settings.ver_aplic)
    add(el, "cStat", cstat)
    add(el, "xMotivo", req.motivo(cstat, suffix))
    return el
