"""One module per web service. Each declares a Service: the payload roots it receives, its schema and
version, its WSDL, and two functions: handle (the answer) and reject (the answer to a message-level
rejection, in the service's own ret* element)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from lxml import etree

if TYPE_CHECKING:
    from fake_sefaz.domain.codes import Rejection
    from fake_sefaz.services.context import Request

WSDL_NS = "http://www.portalfiscal.inf.br/nfe/wsdl/"


@dataclass(frozen=True)
class Service:
    name: str  # WSDL service name, e.g. NFeAutorizacao4
    operation: str
    root: str  # payload root element
    schema: str  # schema name in schemas.SCHEMA_FILES
    version: str  # versao attribute the service accepts
    wsdl_file: str  # file name in nfelib/nfe/wsdl/v4_0 (or fake_sefaz/data/wsdl)
    aliases: tuple[str, ...]  # lower-case words that name the service in a URL path
    handle: Callable[["Request", etree._Element], etree._Element]
    reject: Callable[["Request", "Rejection"], etree._Element]
    is_lot: bool = False
    wrappers: tuple[str, ...] = ("nfeResultMsg",)
    # Codes the service answers itself, outside tagged rules (success codes, state answers, lookups).
    codes: tuple[int, ...] = ()
    # The rule groups it runs beyond the message rules every service runs (what X-Fake-Sefaz-Status may force).
    rules: tuple[tuple, ...] = ()

    @property
    def wsdl_ns(self) -> str:
        return WSDL_NS + self.name


def all_services() -> tuple[Service, ...]:
    """Every service this server answers, in the order the README lists them."""
    from fake_sefaz.services import (authorization, cadastro, distribution, events, inutilization, query, receipt,
                                     status)

    return (status.SERVICE, authorization.SERVICE, receipt.SERVICE, query.SERVICE, events.SERVICE,
            inutilization.SERVICE, cadastro.SERVICE, distribution.SERVICE)


def by_root(services: tuple[Service, ...]) -> dict[str, Service]:
    return {s.root: s for s in services}


def by_path(services: tuple[Service, ...], path: str) -> Service | None:
    """The service a URL path names (for ?wsdl and for answering an unreadable payload)."""
    words = [w.lower().split(".")[0] for w in path.split("/") if w]
    for word in reversed(words):
        for s in services:
            if word == s.name.lower() or word in s.aliases:
                return s
    for word in reversed(words):  # looser: 'NfeAutorizacao4.asmx', 'nfeautorizacao'
        for s in sorted(services, key=lambda s: -max(len(a) for a in s.aliases)):
            if any(a in word for a in s.aliases):
                return s
    return None


def by_hint(services: tuple[Service, ...], hints: list[str], wrapper_ns: str | None) -> Service | None:
    """The service named by the wrapper namespace or SOAP action, when the payload cannot be read."""
    for hint in ([wrapper_ns] if wrapper_ns else []) + hints:
        tail = hint.rstrip("/").split("/")[-2:] if "/" in hint else [hint]
        for part in tail:
            found = by_path(services, part)
            if found:
                return found
    return None
